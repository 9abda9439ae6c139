package repo_test

import (
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// TestReplicasLoseNoUpdate runs read-modify-write increments from two
// stores, as two service replicas would, on one database. Every increment
// must land: a conditional replace is never overwritten unseen.
func TestReplicasLoseNoUpdate(t *testing.T) {
	a, b := openReplicas(t)
	id := uuidN(42)
	if _, err := a.Create(t.Context(), models.KindVNFR, id, map[string]any{"id": id, "n": int64(0)}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 5
	var wg sync.WaitGroup
	for w := range workers {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for range each {
				for {
					cur, err := s.Get(t.Context(), models.KindVNFR, id)
					if err != nil {
						t.Error(err)
						return
					}
					n := cur.Fields["n"].(int64)
					_, err = s.Replace(t.Context(), models.KindVNFR, id, map[string]any{"id": id, "n": n + 1},
						func(a models.Admin) bool { return a.Version == cur.Admin.Version })
					if err == nil {
						break
					}
					if models.ErrorCodeOf(err) != models.CodePreconditionFailed {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	got, err := b.Get(t.Context(), models.KindVNFR, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Fields["n"] != int64(workers*each) || got.Admin.Version != workers*each+1 {
		t.Fatalf("n = %v at version %d, want %d at %d", got.Fields["n"], got.Admin.Version, workers*each, workers*each+1)
	}
}

// TestExpiredLockIsTakenOver leaves a lock behind as a crashed writer
// would: once it expires, writes to the record go through again.
func TestExpiredLockIsTakenOver(t *testing.T) {
	s, err := repo.Open(testDB.Config("t_expired_lock"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Database().Drop(t.Context()); _ = s.Close(t.Context()) })
	id := uuidN(7)
	if _, err := s.Create(t.Context(), models.KindNSR, id, fields(id, "offline")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Database().Collection("_locks").InsertOne(t.Context(), bson.D{
		{Key: "_id", Value: "record:nsrs/" + id}, {Key: "owner", Value: "crashed"},
		{Key: "expires", Value: time.Now().Add(-time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Replace(t.Context(), models.KindNSR, id, fields(id, "failed"), nil); err != nil {
		t.Fatalf("replace behind an expired lock: %v", err)
	}
	n, err := s.Database().Collection("_locks").CountDocuments(t.Context(), bson.D{})
	if err != nil || n != 0 {
		t.Fatalf("%d locks left behind (%v)", n, err)
	}
}
