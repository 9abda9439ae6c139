package mongo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/mongo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// TestStoredByOthers: documents another writer stored read as well as
// they can: without an envelope (version 0, written as 1), with a
// version of another number type (written, never a lost race), and
// those that cannot be read (an _admin that is not a document, values
// with no JSON form) are internal errors, never a panic nor a write.
func TestStoredByOthers(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := open(t, dbName(t), repotest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)).Now, true)
	c := db.Collection(repo.RecordSpec(models.KindNSR))
	raw := db.Database().Collection(string(models.KindNSR))
	created := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	insert := func(docs ...bson.D) {
		t.Helper()
		for _, d := range docs {
			if _, err := raw.InsertOne(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	insert(
		bson.D{{Key: "_id", Value: "bare"}, {Key: "status", Value: "x"}},
		bson.D{{Key: "_id", Value: "double"}, {Key: "_admin", Value: bson.D{{Key: "created", Value: created}, {Key: "version", Value: 3.5}}}},
		bson.D{{Key: "_id", Value: "int32"}, {Key: "_admin", Value: bson.D{{Key: "created", Value: created}, {Key: "version", Value: int32(2)}}}},
	)
	for _, tc := range []struct {
		id          string
		read, wrote int64
	}{{"bare", 0, 1}, {"double", 3, 4}, {"int32", 2, 3}} {
		got, err := c.Get(ctx, tc.id)
		if err != nil || got.Version != tc.read {
			t.Fatalf("get %s: %+v %v", tc.id, got, err)
		}
		up, err := c.Update(ctx, tc.id, func(cur repo.Doc) (repo.Doc, error) { cur.Body = []byte(`{"status":"y"}`); return cur, nil })
		if err != nil || up.Version != tc.wrote {
			t.Fatalf("update %s: %+v %v", tc.id, up, err)
		}
		if got, err := c.Get(ctx, tc.id); err != nil || got.Version != tc.wrote || string(got.Body) != `{"status":"y"}` {
			t.Fatalf("%s after update: %+v %s %v", tc.id, got, got.Body, err)
		}
	}
	if err := c.Delete(ctx, "bare", &models.Precondition{Versions: []int64{1}}); err != nil {
		t.Fatalf("delete a document written once since: %v", err)
	}

	bad := db.Collection(repo.CollectionSpec{Name: "bad", Envelope: repo.Envelope{ID: []string{"uuid"}, Created: "created_at"}})
	rawBad := db.Database().Collection("bad")
	for _, d := range []bson.D{
		{{Key: "_id", Value: "admin"}, {Key: "_admin", Value: "not a document"}},
		{{Key: "_id", Value: "binary"}, {Key: "_admin", Value: bson.D{{Key: "version", Value: int64(1)}}}, {Key: "b", Value: bson.Binary{Data: []byte{1}}}},
		{{Key: "_id", Value: "nested"}, {Key: "o", Value: bson.D{{Key: "r", Value: bson.Regex{Pattern: "x"}}}}},
	} {
		if _, err := rawBad.InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
		id := d[0].Value.(string)
		if _, err := bad.Get(ctx, id); models.ErrorCodeOf(err) != models.CodeInternal {
			t.Errorf("get %s: %v, want internal", id, err)
		}
		changed := false
		_, err := bad.Update(ctx, id, func(cur repo.Doc) (repo.Doc, error) { changed = true; return cur, nil })
		if models.ErrorCodeOf(err) != models.CodeInternal || changed {
			t.Errorf("update %s: %v (change called: %v), want internal", id, err, changed)
		}
	}
	if _, err := rawBad.InsertOne(ctx, bson.D{{Key: "_id", Value: int32(7)}}); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []filter.Sort{{}, {Keys: []filter.SortKey{{Path: []string{"o"}}}}} {
		if _, err := bad.List(ctx, filter.Query{Sort: sort}); models.ErrorCodeOf(err) != models.CodeInternal {
			t.Errorf("list sorted by %v: %v, want internal", sort, err)
		}
	}
	if n, err := bad.Count(ctx, filter.Expr{}); err != nil || n != 4 {
		t.Errorf("count: %d %v", n, err)
	}
}

// TestEndedContext: an operation whose context has ended fails as a
// canceled request, neither as an unreachable database nor as a bug.
func TestEndedContext(t *testing.T) {
	t.Parallel()
	db := open(t, dbName(t), nil, true)
	c := db.Collection(repo.RecordSpec(models.KindNSR))
	if _, err := c.Insert(t.Context(), repo.Doc{ID: "a", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	checks := map[string]error{}
	_, checks["get"] = c.Get(ctx, "a")
	_, checks["insert"] = c.Insert(ctx, repo.Doc{ID: "b", Body: []byte(`{}`)})
	_, checks["update"] = c.Update(ctx, "a", func(cur repo.Doc) (repo.Doc, error) { return cur, nil })
	checks["delete"] = c.Delete(ctx, "a", nil)
	_, checks["list"] = c.List(ctx, filter.Query{})
	_, checks["count"] = c.Count(ctx, filter.Expr{})
	_, checks["take"] = db.Leases("locks").Take(ctx, "x", "A", time.Minute)
	_, checks["put"] = db.Blobs("blobs").Put(ctx, "p", bytes.NewReader([]byte("x")))
	for what, err := range checks {
		if models.ErrorCodeOf(err) != models.CodeCanceled {
			t.Errorf("%s with an ended context: %v, want canceled", what, err)
		}
	}
	if got, err := c.Get(t.Context(), "a"); err != nil || got.Version != 1 {
		t.Errorf("after the ended calls: %+v %v", got, err)
	}
}

// logRecords is a slog handler keeping what is logged.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecords) WithGroup(string) slog.Handler      { return h }

// levels counts the records by level.
func (h *logRecords) levels() map[slog.Level]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := map[slog.Level]int{}
	for _, r := range h.recs {
		n[r.Level]++
	}
	return n
}

// TestIndexRefused: an index the database refuses for good (one of the
// same name with other keys) is tried a bounded number of times, logged
// as an error, and does not keep the spec's other indexes from being
// created.
func TestIndexRefused(t *testing.T) {
	t.Parallel()
	name := dbName(t)
	setup := open(t, name, nil, true)
	if _, err := setup.Database().Collection(string(models.KindNSR)).Indexes().CreateOne(t.Context(), driver.IndexModel{
		Keys: bson.D{{Key: "other", Value: 1}}, Options: options.Index().SetName("created_desc")}); err != nil {
		t.Fatal(err)
	}
	logs := &logRecords{}
	db, err := mongo.Open(mongo.Config{URI: uri, Database: name, Timeout: openTimeout, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = db.Close(context.Background())
		}
	})
	mongo.SetIndexRetry(db, time.Millisecond)
	db.Collection(repo.RecordSpec(models.KindNSR))
	eventually(t, 2*time.Minute, func() bool { return logs.levels()[slog.LevelError] > 0 },
		func() string { return fmt.Sprint("log records by level: ", logs.levels()) })
	// The loop has ended with its error: nothing is logged after it.
	db.Collection(repo.RecordSpec(models.KindNSR)) // started once per DB, not again
	if got := logs.levels(); got[slog.LevelError] != 1 || got[slog.LevelWarn] != mongo.MaxIndexRefusals-1 {
		t.Errorf("log records by level: %v, want 1 error after %d warnings", got, mongo.MaxIndexRefusals-1)
	}
	got := indexes(t, db, string(models.KindNSR))
	for _, want := range []string{"status_created_desc", "descriptor_reference_created_desc"} {
		if _, ok := got[want]; !ok {
			t.Errorf("index %s missing: %v", want, got)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	closed = true
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBlobGenerations: a reader opened before a blob is replaced and
// deleted reads what it opened, whole; racing Puts of one id all succeed
// and leave one of them, whole.
func TestBlobGenerations(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := open(t, dbName(t), nil, true)
	bl := db.Blobs("packages")
	old := bytes.Repeat([]byte("old-"), 200_000) // 800 KB: several GridFS chunks
	if _, err := bl.Put(ctx, "p", bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	r, err := bl.Open(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 10)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	if _, err := bl.Put(ctx, "p", bytes.NewReader([]byte("new"))); err != nil {
		t.Fatal(err)
	}
	if err := bl.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(append(head, rest...), old) {
		t.Fatalf("a reader opened before a put and a delete read %d bytes of %d: %v", len(head)+len(rest), len(old), err)
	}
	if _, err := bl.Open(ctx, "p"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}

	contents := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range contents {
		contents[i] = bytes.Repeat([]byte{byte('a' + i)}, 1000+i)
		wg.Go(func() {
			if _, err := bl.Put(ctx, "race", bytes.NewReader(contents[i])); err != nil {
				t.Errorf("put %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	r2, err := bl.Open(ctx, "race")
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	got, err := io.ReadAll(r2)
	if err != nil || !slices.ContainsFunc(contents, func(c []byte) bool { return bytes.Equal(c, got) }) {
		t.Fatalf("after racing puts: %d bytes %.10q, %v", len(got), got, err)
	}
}
