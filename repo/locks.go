package repo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/nfv-records/nfv-records/models"
)

// locksCollection holds short-lived write locks. A lock is a document whose
// _id names what it locks: inserting it is the one operation every backend
// makes atomic (the unique _id), so two service replicas on one database
// can never both hold it.
const locksCollection = "_locks"

const (
	// writeLockTTL bounds how long a crashed holder can block a record:
	// after it, the next writer takes the lock over.
	writeLockTTL = 10 * time.Second
	// writeLockWait bounds how long a writer waits for a busy record.
	writeLockWait = 5 * time.Second
)

type lockDoc struct {
	ID      string    `bson:"_id"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
}

// lock takes the lock named key, waiting (bounded) while another holder
// has it, and returns the function that releases it.
func (s *Store) lock(ctx context.Context, key string) (func(), error) {
	owner := newOwnerToken()
	locks := s.db.Collection(locksCollection)
	deadline := time.Now().Add(writeLockWait)
	backoff := time.Millisecond
	for {
		_, err := locks.InsertOne(ctx, lockDoc{ID: key, Owner: owner, Expires: now().Add(writeLockTTL)})
		if err == nil {
			return func() {
				// Release even when the request's context has ended.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				if _, err := locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}}); err != nil {
					s.log.Warn("release lock; it expires by itself", "lock", key, "error", err)
				}
			}, nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, classify(err, "take lock "+key)
		}
		var held lockDoc
		switch err := locks.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&held); {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // released meanwhile: try again at once
		case err != nil:
			return nil, classify(err, "read lock "+key)
		case now().After(held.Expires):
			// The holder died: take the lock over from exactly that holder.
			if _, err := locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: held.Owner}}); err != nil {
				return nil, classify(err, "expire lock "+key)
			}
			s.log.Warn("took over an expired lock", "lock", key)
			continue
		}
		if time.Now().After(deadline) {
			return nil, models.Errorf(models.CodeConflict, "%s is being modified by another request; retry", key)
		}
		select {
		case <-ctx.Done():
			return nil, classify(ctx.Err(), "wait for lock "+key)
		case <-time.After(backoff + rand.N(backoff)):
		}
		backoff = min(backoff*2, 50*time.Millisecond)
	}
}

func newOwnerToken() string {
	b := make([]byte, 12)
	_, _ = crand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// lockRecordWrite serialises the read-compare-write of one record on
// backends whose conditional update is not atomic, and returns a no-op on
// those where it is. FerretDB v1 evaluates an update's filter with a read
// and then writes by _id alone, so two writers that read the same version
// would both match: there the record is locked around the write.
func (s *Store) lockRecordWrite(ctx context.Context, kind models.Kind, uuid string) (func(), error) {
	if !s.isFerretDB(ctx) {
		return func() {}, nil
	}
	return s.lock(ctx, fmt.Sprintf("record:%s/%s", kind, uuid))
}

// isFerretDB reports whether the database is FerretDB (its buildInfo says
// so): writes need locks and filters need the matcher there. While the
// database cannot be asked, it assumes FerretDB (the safe answer for both)
// and asks again next time.
func (s *Store) isFerretDB(ctx context.Context) bool {
	if v := s.atomicUpdates.Load(); v != nil {
		return !*v
	}
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return true
	}
	_, ferret := info["ferretdbVersion"]
	atomic := !ferret
	s.atomicUpdates.Store(&atomic)
	return ferret
}
