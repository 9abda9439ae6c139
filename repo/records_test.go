package repo_test

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

var testDB repotest.Server

func TestMain(m *testing.M) { repotest.Main(m, &testDB) }

func uuidN(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }

func fields(id, status string) map[string]any {
	return map[string]any{"id": id, "descriptor_version": "1", "status": status,
		"nested": map[string]any{"n": int64(3), "f": 1.5, "l": []any{"a", true, nil}}}
}

func TestCreateGetRoundTrip(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	want := fields(uuidN(1), "offline")
	created, err := s.Create(ctx, models.KindNSR, uuidN(1), want)
	if err != nil {
		t.Fatal(err)
	}
	if created.Admin.Version != 1 || created.Admin.Created.IsZero() || !created.Admin.Created.Equal(created.Admin.Modified) {
		t.Fatalf("envelope %+v", created.Admin)
	}
	got, err := s.Get(ctx, models.KindNSR, uuidN(1))
	if err != nil {
		t.Fatal(err)
	}
	// Arrays come back as bson.A; compare through their rendering.
	if fmt.Sprint(got.Fields) != fmt.Sprint(want) || !got.Admin.Created.Equal(created.Admin.Created) {
		t.Fatalf("read back %v %+v, want %v %+v", got.Fields, got.Admin, want, created.Admin)
	}
	if _, err := s.Get(ctx, models.KindVNFR, uuidN(1)); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("kinds share records: %v", err)
	}
	if _, err := s.Create(ctx, models.KindNSR, uuidN(1), want); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("duplicate create: %v", err)
	}
}

func TestReplace(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	orig, err := s.Create(ctx, models.KindVNFR, uuidN(2), fields(uuidN(2), "offline"))
	if err != nil {
		t.Fatal(err)
	}
	never := func(models.Admin) bool { return false }
	if _, err := s.Replace(ctx, models.KindVNFR, uuidN(2), fields(uuidN(2), "failed"), never); models.ErrorCodeOf(err) != models.CodePreconditionFailed {
		t.Fatalf("failed precondition: %v", err)
	}
	if got, _ := s.Get(ctx, models.KindVNFR, uuidN(2)); got.Fields["status"] != "offline" || got.Admin.Version != 1 {
		t.Fatalf("a refused replace changed the record: %+v", got)
	}
	time.Sleep(2 * time.Millisecond)
	next, err := s.Replace(ctx, models.KindVNFR, uuidN(2), map[string]any{"id": uuidN(2), "status": "failed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, models.KindVNFR, uuidN(2))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Fields, map[string]any{"id": uuidN(2), "status": "failed"}) {
		t.Fatalf("replace merged instead of replacing: %v", got.Fields)
	}
	if got.Admin.Version != 2 || next.Admin.Version != 2 || !got.Admin.Created.Equal(orig.Admin.Created) || !got.Admin.Modified.After(orig.Admin.Modified) {
		t.Fatalf("envelope after replace %+v (was %+v)", got.Admin, orig.Admin)
	}
	if _, err := s.Replace(ctx, models.KindVNFR, uuidN(99), fields(uuidN(99), "failed"), nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("replace of a missing record: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	if _, err := s.Create(ctx, models.KindNSR, uuidN(3), fields(uuidN(3), "offline")); err != nil {
		t.Fatal(err)
	}
	stale := func(a models.Admin) bool { return a.Version == 7 }
	if err := s.Delete(ctx, models.KindNSR, uuidN(3), stale); models.ErrorCodeOf(err) != models.CodePreconditionFailed {
		t.Fatalf("stale delete: %v", err)
	}
	current := func(a models.Admin) bool { return a.Version == 1 }
	if err := s.Delete(ctx, models.KindNSR, uuidN(3), current); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, models.KindNSR, uuidN(3), nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.Delete(ctx, models.KindNSR, uuidN(3), current); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("conditional delete of a missing record: %v", err)
	}
}

func TestListOrderWindowAndFilter(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	for i := range 7 {
		status := "offline"
		if i%2 == 0 {
			status = "failed"
		}
		if _, err := s.Create(ctx, models.KindVNFR, uuidN(i), fields(uuidN(i), status)); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.List(ctx, models.KindVNFR, repo.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 7 || len(all.Records) != 7 {
		t.Fatalf("total %d, %d records", all.Total, len(all.Records))
	}
	for i := 1; i < len(all.Records); i++ {
		a, b := all.Records[i-1], all.Records[i]
		if a.Admin.Created.Before(b.Admin.Created) || (a.Admin.Created.Equal(b.Admin.Created) && a.UUID < b.UUID) {
			t.Fatalf("not newest first at %d: %s then %s", i, a.UUID, b.UUID)
		}
	}
	window, err := s.List(ctx, models.KindVNFR, repo.ListQuery{Offset: 2, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if window.Total != 7 || len(window.Records) != 3 || window.Records[0].UUID != all.Records[2].UUID {
		t.Fatalf("window %+v", window)
	}
	beyond, err := s.List(ctx, models.KindVNFR, repo.ListQuery{Offset: 70, Limit: 3})
	if err != nil || beyond.Total != 7 || beyond.Records == nil || len(beyond.Records) != 0 {
		t.Fatalf("beyond the end: %+v %v", beyond, err)
	}
	q, err := filter.ParseQuery(url.Values{"status": {"failed"}}, filter.Options{Fields: repo.Fields()})
	if err != nil {
		t.Fatal(err)
	}
	failed, err := s.List(ctx, models.KindVNFR, repo.ListQuery{Filter: q, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Count(ctx, models.KindVNFR, q)
	if err != nil {
		t.Fatal(err)
	}
	if failed.Total != 4 || len(failed.Records) != 4 || n != 4 {
		t.Fatalf("filtered total %d, %d records, count %d; want 4", failed.Total, len(failed.Records), n)
	}
}

func TestEnsureIndexesIsIdempotent(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	for range 2 {
		if err := s.EnsureIndexes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	cur, err := s.Database().Collection(string(models.KindVNFR)).Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, sp := range specs {
		names[fmt.Sprint(sp["name"])] = true
	}
	for _, want := range []string{"_id_", "created_desc", "status_created_desc", "descriptor_reference_created_desc"} {
		if !names[want] {
			t.Errorf("index %s missing; have %v", want, names)
		}
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	s, err := repo.Open(repo.Config{URI: "mongodb://127.0.0.1:1/", Database: "nowhere", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	start := time.Now()
	if err := s.Ping(t.Context()); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Fatalf("ping: %v", err)
	}
	if _, err := s.Get(t.Context(), models.KindNSR, uuidN(1)); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Fatalf("get: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("calls waited %v, far past the configured timeout", time.Since(start))
	}
}

func TestEmbeddedDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		e, err := repo.StartEmbedded(repo.EmbeddedConfig{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		s, err := repo.Open(repo.Config{URI: e.URI(), Database: "survive"})
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			if _, err := s.Create(t.Context(), models.KindNSR, uuidN(5), fields(uuidN(5), "offline")); err != nil {
				t.Fatal(err)
			}
		} else if got, err := s.Get(t.Context(), models.KindNSR, uuidN(5)); err != nil || got.Fields["status"] != "offline" {
			t.Fatalf("after restart: %+v %v", got, err)
		}
		_ = s.Close(context.Background())
		e.Close()
	}
}
