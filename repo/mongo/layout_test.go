package mongo_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/mongo"
	"github.com/nfv-records/nfv-records/repo/mongo/ferrettest"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// TestOldLayout: a VNFR as the service stored it before the storage
// interface (id among the fields, the APPC state under _admin.appc with
// BSON dates, numbers as int32) reads back through the domain stores, and
// is written in the layout it was read in.
func TestOldLayout(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := repotest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
	db := open(t, dbName(t), clock.Now, true)
	const id = "0f0e0d0c-0b0a-0908-0706-050403020100"
	created := time.Date(2018, 2, 26, 17, 58, 51, 758_000_000, time.UTC)
	at := time.Date(2019, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	old := bson.D{
		{Key: "_id", Value: id},
		{Key: "_admin", Value: bson.D{
			{Key: "created", Value: created},
			{Key: "modified", Value: created.Add(time.Hour)},
			{Key: "version", Value: int64(3)},
			{Key: "appc", Value: bson.D{
				{Key: "state", Value: "Running"},
				{Key: "working", Value: "Stable"},
				{Key: "running", Value: bson.D{
					{Key: "run_id", Value: "run-1"}, {Key: "action", Value: "Stop"}, {Key: "request_id", Value: "r-2"},
					{Key: "originator_id", Value: "o-1"}, {Key: "since", Value: at}}},
				{Key: "history", Value: bson.A{bson.D{
					{Key: "action", Value: "Start"}, {Key: "request_id", Value: "r-1"}, {Key: "originator_id", Value: "o-1"},
					{Key: "from", Value: "Instantiated"}, {Key: "to", Value: "Running"}, {Key: "result", Value: "SUCCESS"},
					{Key: "time", Value: at}}}},
			}},
		}},
		{Key: "status", Value: "offline"},
		{Key: "id", Value: id},
		{Key: "descriptor_reference", Value: "d-1"},
		{Key: "n", Value: int32(3)},
		{Key: "f", Value: 1.5},
		{Key: "vdus", Value: bson.A{bson.D{{Key: "id", Value: "vdu01"}, {Key: "cpus", Value: int64(4)}}}},
	}
	if _, err := db.Database().Collection(string(models.KindVNFR)).InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}

	records := repo.NewRecordStore(db)
	rec, err := records.Get(ctx, testScope, models.KindVNFR, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"status":"offline","descriptor_reference":"d-1","n":3,"f":1.5,"vdus":[{"id":"vdu01","cpus":4}]}`; string(rec.Body) != want {
		t.Errorf("body %s, want %s (stored order, no id)", rec.Body, want)
	}
	if rec.UUID != id || !rec.Admin.Created.Equal(created) || !rec.Admin.Modified.Equal(created.Add(time.Hour)) || rec.Admin.Version != 3 {
		t.Errorf("envelope %s %+v", rec.UUID, rec.Admin)
	}
	fields, err := rec.Fields()
	if err != nil || fields["id"] != id || fields["n"] != int64(3) {
		t.Errorf("fields %v %v", fields, err)
	}

	s := repo.NewAPPCStore(db, clock.Now, nil)
	vnf, err := s.GetVNF(ctx, testScope, id)
	if err != nil {
		t.Fatal(err)
	}
	want := &models.APPCState{
		State: "Running", Working: "Stable",
		Running: &models.APPCRun{RunID: "run-1", APPCCall: models.APPCCall{Action: "Stop", RequestID: "r-2", OriginatorID: "o-1"}, Since: at},
		History: []models.APPCHistory{{APPCCall: models.APPCCall{Action: "Start", RequestID: "r-1", OriginatorID: "o-1"},
			From: "Instantiated", To: "Running", Result: "SUCCESS", Time: at}},
	}
	if !reflect.DeepEqual(vnf.APPC, want) {
		t.Errorf("APPC state\n got %+v\nwant %+v", vnf.APPC, want)
	}

	// Lists find it by the indexed attributes, the envelope and the body.
	for _, query := range []string{"status=offline", "descriptor_reference=d-1", "uuid=" + id, "id=" + id,
		"created_at.lt=2019-01-01T00:00:00Z", "vdus.ANYINDEX.cpus.gte=4", "n=3"} {
		lc, ok := repotest.ParseListCase(t, query, "")
		if !ok {
			t.Fatalf("%s refused", query)
		}
		page, err := records.List(ctx, testScope, models.KindVNFR, filter.Query{Filter: lc.Filter, Limit: 10})
		if err != nil || len(page.Items) != 1 || page.Total != 1 {
			t.Errorf("list ?%s: %+v %v", query, page, err)
		}
	}

	// A write keeps the layout: id and the other module's state stay.
	clock.Advance(time.Second)
	if _, err := s.ModifyVNF(ctx, testScope, id, func(v *models.VNF) error {
		v.Fields["status"] = "normal operation"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var stored struct {
		ID     string `bson:"id"`
		Status string `bson:"status"`
		Admin  struct {
			Created time.Time `bson:"created"`
			Version int64     `bson:"version"`
			APPC    bson.Raw  `bson:"appc"`
		} `bson:"_admin"`
	}
	if err := db.Database().Collection(string(models.KindVNFR)).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&stored); err != nil {
		t.Fatal(err)
	}
	if stored.ID != id || stored.Status != "normal operation" || stored.Admin.Version != 4 || !stored.Admin.Created.Equal(created) ||
		stored.Admin.APPC == nil {
		t.Errorf("stored after a write: %+v", stored)
	}
	vnf, err = s.GetVNF(ctx, testScope, id)
	if err != nil || vnf.Admin.Version != 4 || !reflect.DeepEqual(vnf.APPC, want) {
		t.Errorf("after a write: %+v %v", vnf, err)
	}
}

// TestIndexes: the indexes of a collection are created on its first use,
// with the names the service always gave them.
func TestIndexes(t *testing.T) {
	t.Parallel()
	db := open(t, dbName(t), nil, true)
	if _, err := db.Collection(repo.RecordSpec(models.KindNSR)).Insert(t.Context(), repo.Doc{ID: "a", Body: []byte(`{"status":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(repo.APPCRequestSpec).Insert(t.Context(), repo.Doc{ID: "r", Body: []byte(`{"request_id":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		coll string
		want map[string]bson.D
	}{
		{string(models.KindNSR), map[string]bson.D{
			"created_desc": {{Key: "_admin.created", Value: int32(-1)}, {Key: "_id", Value: int32(-1)}},
			"status_created_desc": {{Key: "status", Value: int32(1)}, {Key: "_admin.created", Value: int32(-1)},
				{Key: "_id", Value: int32(-1)}},
			"descriptor_reference_created_desc": {{Key: "descriptor_reference", Value: int32(1)},
				{Key: "_admin.created", Value: int32(-1)}, {Key: "_id", Value: int32(-1)}},
		}},
		{"appc_requests", map[string]bson.D{
			"created_desc": {{Key: "_admin.created", Value: int32(-1)}, {Key: "_id", Value: int32(-1)}},
			"request_id_created_desc": {{Key: "request_id", Value: int32(1)}, {Key: "_admin.created", Value: int32(-1)},
				{Key: "_id", Value: int32(-1)}},
		}},
	} {
		var got map[string]bson.D
		eventually(t, time.Minute, func() bool {
			got = indexes(t, db, tc.coll)
			for name := range tc.want {
				if _, ok := got[name]; !ok {
					return false
				}
			}
			return true
		}, func() string { return "indexes of " + tc.coll + ": " + bson.M{"got": got}.String() })
		for name, keys := range tc.want {
			if !sameKeys(got[name], keys) {
				t.Errorf("index %s of %s: keys %v, want %v", name, tc.coll, got[name], keys)
			}
		}
	}
}

// indexes are the indexes of a collection, by name, with their keys.
func indexes(t *testing.T, db *mongo.DB, coll string) map[string]bson.D {
	t.Helper()
	cur, err := db.Database().Collection(coll).Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	out := map[string]bson.D{}
	for _, s := range specs {
		out[s.Name] = s.Key
	}
	return out
}

// sameKeys compares index keys by name, order and direction, whatever
// the number type the server answers with.
func sameKeys(a, b bson.D) bool {
	return slices.EqualFunc(a, b, func(x, y bson.E) bool {
		return x.Key == y.Key && direction(x.Value) == direction(y.Value)
	})
}

func direction(v any) int64 {
	switch n := v.(type) {
	case int32:
		return int64(n)
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

// eventually polls cond until it holds or the deadline passes (never a
// fixed sleep: the machine may be busy).
func eventually(t *testing.T, within time.Duration, cond func() bool, what func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still not so after %v: %s", within, what())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUnstorable: what the database refuses to store is Unprocessable,
// never an internal error, and leaves nothing written: whatever the body
// or the server-side state (the records layer refuses most of these
// first, but the backend takes any caller's).
func TestUnstorable(t *testing.T) {
	t.Parallel()
	db := open(t, dbName(t), nil, true)
	c := db.Collection(repo.RecordSpec(models.KindNSR))
	ctx := t.Context()
	deep := `{"d":` + strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100) + `}` // 101 levels
	bodies := []string{`{"_id":"x"}`, `{"_admin":{}}`, `{"n":1e400}`, `[1]`, `"x"`, `null`, ``, `{"a":1}{}`,
		`{"$x":1}`, `{"o":{"$set":1}}`, `{"a.b":1}`, `{"l":[{"a.b":1}]}`, `{"a\u0000b":1}`, deep}
	if ferret {
		bodies = append(bodies, `{"aa":[[1]]}`) // FerretDB v1 refuses arrays in arrays
	} else {
		bodies = append(bodies, `{"s":"`+strings.Repeat("x", 17<<20)+`"}`) // beyond MongoDB's 16 MB
	}
	admins := []string{`[1]`, `{"$x":1}`, `{"m":{"a.b":1}}`, `{"n":1e400}`}
	short := func(s string) string { return s[:min(len(s), 40)] }
	for _, body := range bodies {
		if _, err := c.Insert(ctx, repo.Doc{ID: "a", Body: []byte(body)}); models.ErrorCodeOf(err) != models.CodeUnprocessable {
			t.Errorf("insert %s: %v, want unprocessable", short(body), err)
		}
	}
	for _, admin := range admins {
		if _, err := c.Insert(ctx, repo.Doc{ID: "a", Body: []byte(`{}`), Admin: []byte(admin)}); models.ErrorCodeOf(err) != models.CodeUnprocessable {
			t.Errorf("insert with admin %s: %v, want unprocessable", admin, err)
		}
	}
	if _, err := c.Insert(ctx, repo.Doc{ID: "a", Body: []byte(`{"status":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	for _, body := range bodies {
		_, err := c.Update(ctx, "a", func(cur repo.Doc) (repo.Doc, error) { cur.Body = []byte(body); return cur, nil })
		if models.ErrorCodeOf(err) != models.CodeUnprocessable {
			t.Errorf("update to %s: %v, want unprocessable", short(body), err)
		}
	}
	for _, admin := range admins {
		_, err := c.Update(ctx, "a", func(cur repo.Doc) (repo.Doc, error) { cur.Admin = []byte(admin); return cur, nil })
		if models.ErrorCodeOf(err) != models.CodeUnprocessable {
			t.Errorf("update to admin %s: %v, want unprocessable", admin, err)
		}
	}
	if got, err := c.Get(ctx, "a"); err != nil || string(got.Body) != `{"status":"x"}` || got.Version != 1 || got.Admin != nil {
		t.Errorf("after refused writes: %+v %s %v", got, got.Body, err)
	}

	// As deep as MongoDB stores: 100 levels.
	deepest := `{"d":` + strings.Repeat(`{"a":`, 99) + "1" + strings.Repeat("}", 99) + `}`
	if _, err := c.Insert(ctx, repo.Doc{ID: "deep", Body: []byte(deepest)}); err != nil {
		t.Fatalf("insert 100 levels: %v", err)
	}
	if got, err := c.Get(ctx, "deep"); err != nil || string(got.Body) != deepest {
		t.Errorf("100 levels read back as %.60s: %v", got.Body, err)
	}
}

// freeAddr is a loopback address nothing listens on, so that a server can
// be stopped and started again at the same place.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnreachable stops the server under an open DB: Ping and every call
// fail as Unavailable (never hang, never internal) while it is down, and
// everything recovers by itself, data included, once it is back.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	if !ferret {
		t.Skip("stops the server: runs on the in-process FerretDB only")
	}
	dir, addr := t.TempDir(), freeAddr(t)
	srv, err := ferrettest.Start(dir, addr)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			srv.Stop()
		}
	})
	// A short server selection timeout: calls while the server is down
	// wait for it to pass. While it is up, a busy machine may still make a
	// call miss it: those are polled.
	db, err := mongo.Open(mongo.Config{URI: srv.URI(), Database: "unreachable", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	ctx := t.Context()
	c := db.Collection(repo.RecordSpec(models.KindNSR))
	var insertErr error
	eventually(t, time.Minute, func() bool {
		_, insertErr = c.Insert(ctx, repo.Doc{ID: "a", Body: []byte(`{"status":"offline"}`)})
		return insertErr == nil || errors.Is(insertErr, repo.ErrExists) // an earlier attempt wrote it
	}, func() string { return "insert: " + errText(insertErr) })

	srv.Stop()
	stopped = true
	if err := db.Ping(ctx); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Fatalf("ping of a stopped server: %v", err)
	}
	if _, err := c.Get(ctx, "a"); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Errorf("get: %v", err)
	}
	if _, err := c.Insert(ctx, repo.Doc{ID: "b", Body: []byte(`{}`)}); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Errorf("insert: %v", err)
	}
	if _, err := c.List(ctx, filter.Query{}); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Errorf("list: %v", err)
	}
	if _, err := db.Leases("locks").Take(ctx, "x", "A", time.Minute); models.ErrorCodeOf(err) != models.CodeUnavailable {
		t.Errorf("take a lease: %v", err)
	}

	if srv, err = ferrettest.Start(dir, addr); err != nil {
		t.Fatal(err)
	}
	stopped = false
	eventually(t, time.Minute, func() bool { return db.Ping(ctx) == nil }, func() string { return "ping after restart: " + errText(db.Ping(ctx)) })
	var got repo.Doc
	eventually(t, time.Minute, func() bool { got, err = c.Get(ctx, "a"); return err == nil },
		func() string { return "get after restart: " + errText(err) })
	if err != nil || !bytes.Equal(got.Body, []byte(`{"status":"offline"}`)) {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	if got.Admin != nil {
		t.Errorf("admin %s after restart", got.Admin)
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}
