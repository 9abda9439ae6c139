package repo_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/legacy"
	"github.com/nfv-records/nfv-records/repo/legacy/legacytest"
	"github.com/nfv-records/nfv-records/repo/repotest"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// The fixture: a file the embedded store of the previous version wrote
// (FerretDB v1.24.2 on SQLite), and what that store returned for it
// (expected.json; read its "_notes"). The import is right when the new
// stores return the same.
const (
	legacyFixture  = "legacy/testdata/ferretdb-v1.sqlite"
	legacyExpected = "legacy/testdata/expected.json"
)

type expectedFixture struct {
	NSRs     []expectedRecord  `json:"nsrs"`
	VNFRs    []expectedRecord  `json:"vnfrs"`
	Requests []expectedRequest `json:"appc_requests"`
	Locks    []expectedLease   `json:"appc_locks"`
	Runs     []expectedLease   `json:"appc_runs"`
}

type expectedRecord struct {
	UUID       string          `json:"uuid"`
	Covers     string          `json:"covers"`
	CreatedMS  int64           `json:"created_ms"`
	ModifiedMS int64           `json:"modified_ms"`
	Version    int64           `json:"version"`
	Fields     json.RawMessage `json:"fields"`
	// Types are the Go types of the numbers of Fields, by JSON pointer.
	Types     map[string]string `json:"types"`
	APPC      json.RawMessage   `json:"appc"`
	APPCTypes map[string]string `json:"appc_types"`
}

type expectedRequest struct {
	ID           string `json:"_id"`
	Covers       string `json:"covers"`
	RunID        string `json:"run_id"`
	OriginatorID string `json:"originator_id"`
	RequestID    string `json:"request_id"`
	SubRequestID string `json:"sub_request_id"`
	Action       string `json:"action"`
	VNFID        string `json:"vnf_id"`
	ReceivedMS   int64  `json:"received_ms"`
	FinishedMS   *int64 `json:"finished_ms"`
	Code         int    `json:"code"`
	Message      string `json:"message"`
	Payload      string `json:"payload"`
}

type expectedLease struct {
	ID        string `json:"_id"`
	Owner     string `json:"owner"`
	ExpiresMS int64  `json:"expires_ms"`
}

func (e expectedFixture) records() map[models.Kind][]expectedRecord {
	return map[models.Kind][]expectedRecord{models.KindNSR: e.NSRs, models.KindVNFR: e.VNFRs}
}

func loadExpected(t *testing.T) expectedFixture {
	t.Helper()
	b, err := os.ReadFile(legacyExpected)
	if err != nil {
		t.Fatal(err)
	}
	var e expectedFixture
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.NSRs) == 0 || len(e.VNFRs) == 0 || len(e.Requests) == 0 || len(e.Locks) != 1 || len(e.Runs) != 1 {
		t.Fatalf("%s does not hold what these tests expect", legacyExpected)
	}
	return e
}

// allCounts is the report of an import of the fixture into an empty
// store, both leases unexpired.
var allCounts = map[string]repo.ImportCounts{
	"nsrs":          {Into: "nsrs", Imported: 4},
	"vnfrs":         {Into: "vnfrs", Imported: 10},
	"appc_requests": {Into: "appc_requests", Imported: 4},
	"appc_locks":    {Into: "appc_locks", Imported: 1},
	"appc_runs":     {Into: "appc_runs", Imported: 1},
	"_locks":        {},
}

// copyFixture copies the fixture into dir under name.
func copyFixture(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(legacyFixture)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func openStore(t *testing.T, clock *repotest.Clock) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "x.db"), Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

// logTo is a logger writing text to buf.
func logTo(buf *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// importFixture imports a copy of the fixture into db and checks its
// report.
func importFixture(t *testing.T, db repo.DB, clock *repotest.Clock, want map[string]repo.ImportCounts) {
	t.Helper()
	path := copyFixture(t, t.TempDir(), "nfv_records.sqlite")
	rep, err := repo.ImportFerretDB(t.Context(), db, clock.Now, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(rep.Collections, want) || rep.Source != path || rep.Recovered {
		t.Fatalf("report %+v, want %v from %s", rep, want, path)
	}
}

// TestImportFerretDB imports the fixture and compares everything the new
// stores return with what the old one did.
func TestImportFerretDB(t *testing.T) {
	exp := loadExpected(t)
	lock, run := exp.Locks[0], exp.Runs[0]
	clock := repotest.NewClock(time.UnixMilli(lock.ExpiresMS - 60_000))
	db := openStore(t, clock)
	ctx := t.Context()

	dir := t.TempDir()
	path := copyFixture(t, dir, "nfv_records.sqlite")
	before := legacytest.Files(t, dir, "")
	var logs bytes.Buffer
	rep, err := repo.ImportFerretDB(ctx, db, clock.Now, path, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(rep.Collections, allCounts) || rep.Recovered {
		t.Fatalf("report %+v, want %v", rep, allCounts)
	}
	if after := legacytest.Files(t, dir, ""); !maps.Equal(before, after) {
		t.Fatalf("the legacy file's directory changed: %v, was %v", after, before)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings importing the fixture:\n%s", logs.String())
	}

	checkRecords(t, db, exp)
	checkRequests(t, db, exp)

	// The leases: held by their owners until their very expiry.
	appc := repo.NewAPPCStore(db, clock.Now, nil)
	runs := db.Leases("appc_runs")
	holders := func() (string, string) {
		t.Helper()
		l, err := appc.VNFLockHolder(ctx, lock.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := runs.Holder(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		return l, r
	}
	if l, r := holders(); l != lock.Owner || r != run.Owner {
		t.Fatalf("lease holders %q and %q, want %q and %q", l, r, lock.Owner, run.Owner)
	}

	// The imported state works as the engine's own: a duplicate request
	// is refused, the lock is held, the running request finishes.
	for _, dup := range []models.APPCRequest{
		{RunID: "new-run-1", OriginatorID: "orig-A", RequestID: "req-100", SubRequestID: "sub-1", Action: "Configure", Received: clock.Now()},
		{RunID: "new-run-2", OriginatorID: "orig-B", RequestID: "req-lock-1", Action: "Restart", Received: clock.Now()},
	} {
		if err := appc.AddRequest(ctx, dup, time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
			t.Errorf("duplicate of %s/%s: %v, want a conflict", dup.RequestID, dup.SubRequestID, err)
		}
	}
	if h, err := appc.LockVNF(ctx, lock.ID, "someone-else", time.Minute); err != nil || h != lock.Owner {
		t.Errorf("LockVNF by another request: holder %q, %v; want %q", h, err, lock.Owner)
	}

	clock.Advance(59_999 * time.Millisecond)
	if l, r := holders(); l != lock.Owner || r != run.Owner {
		t.Fatalf("a millisecond before the lock's expiry: holders %q and %q", l, r)
	}
	clock.Advance(time.Millisecond)
	if l, r := holders(); l != "" || r != run.Owner {
		t.Fatalf("at the lock's expiry: holders %q and %q, want none and %q", l, r, run.Owner)
	}
	clock.Advance(time.Duration(run.ExpiresMS-lock.ExpiresMS) * time.Millisecond)
	if l, r := holders(); l != "" || r != "" {
		t.Fatalf("at the run's expiry: holders %q and %q, want none", l, r)
	}

	// Finishing the request that was running (FinishRequest finds it by
	// its ids: the stored _id is the key the new store makes).
	running := exp.Requests[len(exp.Requests)-1]
	if running.FinishedMS != nil {
		t.Fatal("the fixture's last request is finished")
	}
	if err := appc.FinishRequest(ctx, models.APPCRequest{RunID: running.RunID, OriginatorID: running.OriginatorID,
		RequestID: running.RequestID, Code: 400, Message: "SUCCESS"}); err != nil {
		t.Fatal(err)
	}
	found, err := appc.FindRequests(ctx, running.OriginatorID, running.RequestID, "")
	if err != nil || len(found) != 1 || found[0].Code != 400 || !found[0].Finished.Equal(clock.Now()) {
		t.Fatalf("after FinishRequest: %+v, %v", found, err)
	}
}

// checkRecords compares every record of the store with the fixture's:
// envelope, fields (Go types included), rendered JSON, APPC state, and
// the stored server-side state (numbers of APPC's extra included).
func checkRecords(t *testing.T, db repo.DB, exp expectedFixture) {
	t.Helper()
	ctx := t.Context()
	records := repo.NewRecordStore(db)
	appc := repo.NewAPPCStore(db, nil, nil)
	for kind, list := range exp.records() {
		n, err := records.Count(ctx, testScope, kind, filter.Expr{})
		if err != nil || n != int64(len(list)) {
			t.Errorf("%s: %d records (%v), want %d", kind, n, err, len(list))
		}
		for _, e := range list {
			t.Run(string(kind)+"/"+e.UUID, func(t *testing.T) {
				rec, err := records.Get(ctx, testScope, kind, e.UUID)
				if err != nil {
					t.Fatal(err)
				}
				if rec.UUID != e.UUID || rec.Admin.Created.UnixMilli() != e.CreatedMS ||
					rec.Admin.Modified.UnixMilli() != e.ModifiedMS || rec.Admin.Version != e.Version {
					t.Errorf("envelope %s %+v, want created %d, modified %d, version %d",
						rec.UUID, rec.Admin, e.CreatedMS, e.ModifiedMS, e.Version)
				}
				want := canonical(t, typed(t, e.Fields, e.Types))
				got, err := rec.Fields()
				if err != nil {
					t.Fatal(err)
				}
				if d := legacytest.Diff(want, got); d != "" {
					t.Errorf("fields (%s):\n%s", e.Covers, d)
				}

				// As clients see it: the fields without id, and the
				// envelope's attributes.
				rendered := rec.AppendJSON(nil)
				gotR, err := models.DecodeFields(rendered)
				if err != nil {
					t.Fatalf("rendered %s: %v", rendered, err)
				}
				wantR := canonical(t, typed(t, e.Fields, e.Types)).(map[string]any)
				delete(wantR, models.FieldID)
				wantR[models.FieldUUID] = e.UUID
				wantR[models.FieldCreatedAt] = models.FormatTime(time.UnixMilli(e.CreatedMS))
				wantR[models.FieldUpdatedAt] = models.FormatTime(time.UnixMilli(e.ModifiedMS))
				if d := legacytest.Diff(wantR, gotR); d != "" {
					t.Errorf("rendered:\n%s", d)
				}

				// The server-side state as stored: the APPC state and
				// nothing else, extra's numbers of their own types.
				doc, err := db.Collection(repo.RecordSpec(kind)).Get(ctx, e.UUID)
				if err != nil {
					t.Fatal(err)
				}
				if string(e.APPC) == "null" {
					if len(doc.Admin) != 0 {
						t.Errorf("server-side state %s, want none", doc.Admin)
					}
				} else {
					var states map[string]json.RawMessage
					if err := json.Unmarshal(doc.Admin, &states); err != nil || len(states) != 1 || states["appc"] == nil {
						t.Fatalf("server-side state %s (%v), want appc alone", doc.Admin, err)
					}
					stored, err := models.DecodeFields(states["appc"])
					if err != nil {
						t.Fatal(err)
					}
					if d := legacytest.Diff(canonical(t, typed(t, e.APPC, e.APPCTypes)), stored); d != "" {
						t.Errorf("stored APPC state:\n%s", d)
					}
				}

				if kind != models.KindVNFR {
					return
				}
				v, err := appc.GetVNF(ctx, testScope, e.UUID)
				if err != nil {
					t.Fatal(err)
				}
				var wantAPPC *models.APPCState
				if err := json.Unmarshal(e.APPC, &wantAPPC); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(v.APPC, wantAPPC) {
					t.Errorf("APPC state\n%+v, want\n%+v", v.APPC, wantAPPC)
				}
				if d := legacytest.Diff(want, v.Fields); d != "" {
					t.Errorf("VNF fields:\n%s", d)
				}
			})
		}
	}
}

// checkRequests compares the stored APPC requests with the fixture's.
func checkRequests(t *testing.T, db repo.DB, exp expectedFixture) {
	t.Helper()
	ctx := t.Context()
	appc := repo.NewAPPCStore(db, nil, nil)
	coll := db.Collection(repo.APPCRequestSpec)
	if n, err := coll.Count(ctx, filter.Expr{}); err != nil || n != int64(len(exp.Requests)) {
		t.Errorf("%d requests (%v), want %d", n, err, len(exp.Requests))
	}
	for _, e := range exp.Requests {
		found, err := appc.FindRequests(ctx, e.OriginatorID, e.RequestID, e.SubRequestID)
		if err != nil {
			t.Fatal(err)
		}
		var got *models.APPCRequest
		for i := range found {
			if found[i].RunID == e.RunID {
				got = &found[i]
			}
		}
		if got == nil {
			t.Errorf("request %s (%s) not found: %+v", e.ID, e.Covers, found)
			continue
		}
		if got.Received.UnixMilli() != e.ReceivedMS {
			t.Errorf("request %s received %v, want %d", e.ID, got.Received, e.ReceivedMS)
		}
		if e.FinishedMS == nil && !got.Finished.IsZero() || e.FinishedMS != nil && got.Finished.UnixMilli() != *e.FinishedMS {
			t.Errorf("request %s finished %v, want %v", e.ID, got.Finished, e.FinishedMS)
		}
		r := *got
		r.Received, r.Finished = time.Time{}, time.Time{}
		want := models.APPCRequest{RunID: e.RunID, OriginatorID: e.OriginatorID, RequestID: e.RequestID, SubRequestID: e.SubRequestID,
			Action: e.Action, VNFID: e.VNFID, Code: e.Code, Message: e.Message, Payload: e.Payload}
		if r != want {
			t.Errorf("request %s (%s):\n%+v, want\n%+v", e.ID, e.Covers, r, want)
		}
		doc, err := coll.Get(ctx, e.ID)
		if err != nil || doc.Created.UnixMilli() != e.ReceivedMS {
			t.Errorf("request %s stored under its _id: %+v, %v", e.ID, doc, err)
		}
	}
}

// typed decodes a JSON value of expected.json with its numbers of the Go
// types types gives them (by JSON pointer), each used once.
func typed(t *testing.T, raw json.RawMessage, types map[string]string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var walk func(v any, ptr string) any
	walk = func(v any, ptr string) any {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				x[k] = walk(c, ptr+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
			}
		case []any:
			for i, c := range x {
				x[i] = walk(c, ptr+"/"+strconv.Itoa(i))
			}
		case json.Number:
			used[ptr] = true
			switch types[ptr] {
			case "int64":
				n, err := x.Int64()
				if err != nil {
					t.Fatalf("%s: %v", ptr, err)
				}
				return n
			case "float64":
				f, err := x.Float64()
				if err != nil {
					t.Fatalf("%s: %v", ptr, err)
				}
				return f
			}
			t.Fatalf("%s: number %s of type %q", ptr, x, types[ptr])
		}
		return v
	}
	v = walk(v, "")
	for ptr := range types {
		if !used[ptr] {
			t.Fatalf("types names %s, not a number", ptr)
		}
	}
	return v
}

// canonical is v as the store keeps a value the old store returned as v,
// and as both render it: encoded as models.EncodeFields encodes (a
// float64 that is integral as an integer, as encoding/json writes it)
// and decoded back (so it is then an int64). What clients see of it is
// the same text before and after the import.
func canonical(t *testing.T, v any) any {
	t.Helper()
	b, err := models.EncodeFields(map[string]any{"v": v})
	if err != nil {
		t.Fatal(err)
	}
	m, err := models.DecodeFields(b)
	if err != nil {
		t.Fatal(err)
	}
	return m["v"]
}

// TestImportFerretDBLeases: a lease is imported with the time it has left,
// unless it has expired (at its expiry, as the old store had it).
func TestImportFerretDBLeases(t *testing.T) {
	exp := loadExpected(t)
	lock, run := exp.Locks[0], exp.Runs[0]
	imported := func(name string) repo.ImportCounts { return repo.ImportCounts{Into: name, Imported: 1} }
	dropped := func(name string) repo.ImportCounts { return repo.ImportCounts{Into: name, Dropped: 1} }
	cases := []struct {
		name       string
		atMS       int64
		locks      repo.ImportCounts
		runs       repo.ImportCounts
		lockHolder string
		runHolder  string
	}{
		{"both held", lock.ExpiresMS - 1, imported("appc_locks"), imported("appc_runs"), lock.Owner, run.Owner},
		{"the lock expired at its expiry", lock.ExpiresMS, dropped("appc_locks"), imported("appc_runs"), "", run.Owner},
		{"the lock long expired", run.ExpiresMS - 1, dropped("appc_locks"), imported("appc_runs"), "", run.Owner},
		{"both expired", run.ExpiresMS, dropped("appc_locks"), dropped("appc_runs"), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := repotest.NewClock(time.UnixMilli(c.atMS))
			db := openStore(t, clock)
			want := maps.Clone(allCounts)
			want["appc_locks"], want["appc_runs"] = c.locks, c.runs
			importFixture(t, db, clock, want)
			ctx := t.Context()
			l, err := db.Leases("appc_locks").Holder(ctx, lock.ID)
			if err != nil {
				t.Fatal(err)
			}
			r, err := db.Leases("appc_runs").Holder(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if l != c.lockHolder || r != c.runHolder {
				t.Fatalf("holders %q and %q, want %q and %q", l, r, c.lockHolder, c.runHolder)
			}
			// An imported lease ends at the old expiry, not a
			// millisecond later.
			clock.Advance(time.Duration(run.ExpiresMS-c.atMS) * time.Millisecond)
			if r, err := db.Leases("appc_runs").Holder(ctx, run.ID); err != nil || r != "" {
				t.Fatalf("the run lease at its expiry: %q, %v", r, err)
			}
		})
	}
}

// TestImportFerretDBAgain: a second run imports nothing; a run after one
// cut short imports what is missing.
func TestImportFerretDBAgain(t *testing.T) {
	exp := loadExpected(t)
	clock := repotest.NewClock(time.UnixMilli(exp.Locks[0].ExpiresMS - 60_000))
	db := openStore(t, clock)
	ctx := t.Context()
	importFixture(t, db, clock, allCounts)

	skipped := map[string]repo.ImportCounts{}
	for name, c := range allCounts {
		skipped[name] = repo.ImportCounts{Into: c.Into, Skipped: c.Imported}
	}
	clock.Advance(time.Second) // the leases, a second shorter, are the same
	importFixture(t, db, clock, skipped)

	// As if the first run had stopped before these.
	if err := repo.NewRecordStore(db).Delete(ctx, testScope, models.KindVNFR, "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e04", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Collection(repo.APPCRequestSpec).Delete(ctx, exp.Requests[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Leases("appc_locks").Release(ctx, exp.Locks[0].ID, exp.Locks[0].Owner); err != nil {
		t.Fatal(err)
	}
	resumed := maps.Clone(skipped)
	resumed["vnfrs"] = repo.ImportCounts{Into: "vnfrs", Imported: 1, Skipped: 9}
	resumed["appc_requests"] = repo.ImportCounts{Into: "appc_requests", Imported: 1, Skipped: 3}
	resumed["appc_locks"] = repo.ImportCounts{Into: "appc_locks", Imported: 1}
	importFixture(t, db, clock, resumed)
	checkRecords(t, db, exp)
	checkRequests(t, db, exp)
}

// TestImportFerretDBConflicts: what the new store holds under a legacy
// id is kept, and counted.
func TestImportFerretDBConflicts(t *testing.T) {
	exp := loadExpected(t)
	clock := repotest.NewClock(time.UnixMilli(exp.Locks[0].ExpiresMS - 60_000))
	db := openStore(t, clock)
	ctx := t.Context()
	const minimal = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e07"
	body := json.RawMessage(`{"status":"written since"}`)
	if _, err := repo.NewRecordStore(db).Create(ctx, testScope, models.KindNSR, models.Record{UUID: minimal, Body: body}); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.NewAPPCStore(db, clock.Now, nil).LockVNF(ctx, exp.Locks[0].ID, "another-request", time.Hour); err != nil {
		t.Fatal(err)
	}

	path := copyFixture(t, t.TempDir(), "nfv_records.sqlite")
	var logs bytes.Buffer
	rep, err := repo.ImportFerretDB(ctx, db, clock.Now, path, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(allCounts)
	want["nsrs"] = repo.ImportCounts{Into: "nsrs", Imported: 3, Conflicts: 1}
	want["appc_locks"] = repo.ImportCounts{Into: "appc_locks", Conflicts: 1}
	if !maps.Equal(rep.Collections, want) {
		t.Fatalf("report %v, want %v", rep.Collections, want)
	}
	if tot := rep.Total(); tot != (repo.ImportCounts{Imported: 18, Conflicts: 2}) {
		t.Errorf("total %+v", tot)
	}
	rec, err := repo.NewRecordStore(db).Get(ctx, testScope, models.KindNSR, minimal)
	if err != nil || !bytes.Equal(rec.Body, body) {
		t.Errorf("the new store's record: %s, %v; want it kept", rec.Body, err)
	}
	if h, _ := db.Leases("appc_locks").Holder(ctx, exp.Locks[0].ID); h != "another-request" {
		t.Errorf("lock holder %q, want the new store's", h)
	}
	for _, s := range []string{"id=" + minimal, "legacy_owner=" + exp.Locks[0].Owner} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("no warning with %s:\n%s", s, logs.String())
		}
	}
}

// TestImportLegacyDir: the start-up import, in a data directory laid out
// as the service's (the new store's file beside the legacy one).
func TestImportLegacyDir(t *testing.T) {
	exp := loadExpected(t)
	cases := []struct {
		name    string
		file    string // the legacy file in the data directory, "" for none
		mongoDB string
		imports bool
	}{
		{"no legacy file", "", "", false},
		{"the default database", "nfv_records.sqlite", "", true},
		{"MONGO_DB set", "records.sqlite", "records", true},
		{"another database's file", "nfv_records.sqlite", "records", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := repotest.NewClock(time.UnixMilli(exp.Locks[0].ExpiresMS - 60_000))
			dataDir := t.TempDir()
			if c.file != "" {
				copyFixture(t, dataDir, c.file)
			}
			legacyFiles := legacytest.Files(t, dataDir, c.file)
			db, err := sqlite.OpenDir(dataDir, sqlite.Config{Clock: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close(context.Background()) })
			ctx := t.Context()
			key := "import:ferretdb-v1:" + c.mongoDB + ".sqlite"
			if c.mongoDB == "" {
				key = "import:ferretdb-v1:nfv_records.sqlite"
			}

			var logs bytes.Buffer
			if err := repo.ImportLegacyDir(ctx, db, clock.Now, dataDir, c.mongoDB, logTo(&logs)); err != nil {
				t.Fatal(err)
			}
			n, err := repo.NewRecordStore(db).Count(ctx, testScope, models.KindVNFR, filter.Expr{})
			if err != nil {
				t.Fatal(err)
			}
			marker, err := db.Collection(repo.MetaSpec).Get(ctx, key)
			if !c.imports {
				if n != 0 || !errors.Is(err, repo.ErrNotFound) {
					t.Fatalf("%d VNFRs, marker %v: want nothing imported", n, err)
				}
				return
			}
			if n != int64(len(exp.VNFRs)) || err != nil {
				t.Fatalf("%d VNFRs, marker %v", n, err)
			}
			var body struct {
				ImportedAt time.Time         `json:"imported_at"`
				Report     repo.ImportReport `json:"report"`
			}
			if err := json.Unmarshal(marker.Body, &body); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dataDir, c.file)
			if !body.ImportedAt.Equal(clock.Now()) || !marker.Created.Equal(clock.Now()) ||
				!maps.Equal(body.Report.Collections, allCounts) || body.Report.Source != path {
				t.Fatalf("marker %s", marker.Body)
			}
			for _, s := range []string{"level=INFO", "left in place: you may delete it", "path=" + path, "imported=20"} {
				if !strings.Contains(logs.String(), s) {
					t.Errorf("the log does not say %q:\n%s", s, logs.String())
				}
			}

			// A second start does nothing: a record deleted since stays
			// deleted.
			if err := repo.NewRecordStore(db).Delete(ctx, testScope, models.KindNSR, exp.NSRs[0].UUID, nil); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			logs.Reset()
			if err := repo.ImportLegacyDir(ctx, db, clock.Now, dataDir, c.mongoDB, logTo(&logs)); err != nil {
				t.Fatal(err)
			}
			if _, err := repo.NewRecordStore(db).Get(ctx, testScope, models.KindNSR, exp.NSRs[0].UUID); models.ErrorCodeOf(err) != models.CodeNotFound {
				t.Errorf("a deleted record after the second start: %v", err)
			}
			again, err := db.Collection(repo.MetaSpec).Get(ctx, key)
			if err != nil || again.Version != 1 || !bytes.Equal(again.Body, marker.Body) {
				t.Errorf("the marker changed: %+v, %v", again, err)
			}
			if !strings.Contains(logs.String(), "imported before") || strings.Contains(logs.String(), "legacy collection imported") {
				t.Errorf("second start's log:\n%s", logs.String())
			}

			// The legacy file as it was, and nothing beside it (no -wal,
			// -shm or -journal).
			if got := legacytest.Files(t, dataDir, c.file); !maps.Equal(got, legacyFiles) {
				t.Errorf("legacy files %v, were %v", got, legacyFiles)
			}
		})
	}
}

// TestImportLegacyDirAfterACrash: the old store died with transactions
// in its WAL; they are imported, and the files are left as they are.
func TestImportLegacyDirAfterACrash(t *testing.T) {
	exp := loadExpected(t)
	clock := repotest.NewClock(time.UnixMilli(exp.Locks[0].ExpiresMS - 60_000))

	// The old process: the fixture, one more NSR written, not yet
	// checkpointed, when it dies (its files copied while it is open).
	live := copyFixture(t, t.TempDir(), "nfv_records.sqlite")
	old, err := sql.Open("sqlite3", "file:"+live+"?_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	old.SetMaxOpenConns(1)
	var table string
	if err := old.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'nsrs'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	const lastUUID = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e99"
	last := `{"$s":{"p":{"_id":{"t":"string"},"_admin":{"t":"object","$s":{"p":{"created":{"t":"date"},"modified":{"t":"date"},"version":{"t":"long"}},"$k":["created","modified","version"]}},"id":{"t":"string"},"status":{"t":"string"},"n":{"t":"double"}},"$k":["_id","_admin","id","status","n"]},` +
		`"_id":"` + lastUUID + `","_admin":{"created":1714554000000,"modified":1714554000001,"version":3},"id":"` + lastUUID + `","status":"written last","n":2}`
	if _, err := old.Exec(`INSERT INTO "`+table+`" VALUES (?)`, last); err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(live + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dataDir, "nfv_records.sqlite"+suffix), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	before := legacytest.Files(t, dataDir, "nfv_records.sqlite")

	db := openStore(t, clock)
	var logs bytes.Buffer
	if err := repo.ImportLegacyDir(t.Context(), db, clock.Now, dataDir, "", logTo(&logs)); err != nil {
		t.Fatal(err)
	}
	rec, err := repo.NewRecordStore(db).Get(t.Context(), testScope, models.KindNSR, lastUUID)
	if err != nil {
		t.Fatalf("the NSR in the WAL: %v", err)
	}
	fields, err := rec.Fields()
	if err != nil {
		t.Fatal(err)
	}
	want := canonical(t, map[string]any{"id": lastUUID, "status": "written last", "n": 2.0})
	if d := legacytest.Diff(want, fields); d != "" || rec.Admin.Version != 3 || rec.Admin.Modified.UnixMilli() != 1714554000001 {
		t.Errorf("the NSR in the WAL: %+v\n%s", rec.Admin, d)
	}
	marker, err := db.Collection(repo.MetaSpec).Get(t.Context(), "import:ferretdb-v1:nfv_records.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Report repo.ImportReport `json:"report"`
	}
	if err := json.Unmarshal(marker.Body, &body); err != nil || !body.Report.Recovered || body.Report.Collections["nsrs"].Imported != 5 {
		t.Errorf("marker %s, %v", marker.Body, err)
	}
	if !strings.Contains(logs.String(), "not shut down cleanly") {
		t.Errorf("no warning of the crash:\n%s", logs.String())
	}
	if after := legacytest.Files(t, dataDir, "nfv_records.sqlite"); !maps.Equal(after, before) {
		t.Errorf("legacy files %v, were %v", after, before)
	}
}

// TestImportFerretDBRefuses: a file that is not the old store's, or a
// document that cannot be imported as it was, is an error, and then
// nothing is imported: not even the documents before it.
func TestImportFerretDBRefuses(t *testing.T) {
	clock := repotest.NewClock(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	const goodUUID = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e0f"
	goodRecord := strings.Replace(record("", "", ""), "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00", goodUUID, 1)
	goodLease := lease("vnf-1", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	cases := []struct {
		name string
		docs map[string][]string // collection: sjson documents, after a good record and a good lease
		msg  string
	}{
		{"a date in a record's fields", map[string][]string{"nsrs": {record("d", "date", "0")}}, "field d: a date"},
		{"a version of 0", map[string][]string{"nsrs": {strings.Replace(record("", "", ""), `"version":1`, `"version":0`, 1)}}, "version 0"},
		{"a record _id not a uuid", map[string][]string{"vnfrs": {strings.Replace(record("", "", ""), "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00", "vnf-1", 1)}},
			`_id "vnf-1" is not a lower-case uuid`},
		{"a record _id in upper case", map[string][]string{"nsrs": {strings.Replace(record("", "", ""), "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00", "3F2A9C1E-5B7D-4E8A-9C0F-1A2B3C4D5E00", 1)}},
			"is not a lower-case uuid"},
		{"a record created after 9999", map[string][]string{"nsrs": {strings.Replace(record("", "", ""), `"created":1`, `"created":253402300800000`, 1)}},
			"no created and modified dates (years 0 to 9999)"},
		{"an APPC state with an unknown member", map[string][]string{"vnfrs": {`{"$s":{"p":{"_id":{"t":"string"},"_admin":{"t":"object","$s":{"p":{` +
			`"created":{"t":"date"},"modified":{"t":"date"},"version":{"t":"long"},` +
			`"appc":{"t":"object","$s":{"p":{"state":{"t":"string"},"colour":{"t":"string"}},"$k":["state","colour"]}}},"$k":["created","modified","version","appc"]}}},"$k":["_id","_admin"]},` +
			`"_id":"3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00","_admin":{"created":1,"modified":2,"version":1,"appc":{"state":"Stopped","colour":"red"}}}`}},
			`unknown field "colour"`},
		{"an APPC state member spelt in another case", map[string][]string{"vnfrs": {`{"$s":{"p":{"_id":{"t":"string"},"_admin":{"t":"object","$s":{"p":{` +
			`"created":{"t":"date"},"modified":{"t":"date"},"version":{"t":"long"},` +
			`"appc":{"t":"object","$s":{"p":{"State":{"t":"string"}},"$k":["State"]}}},"$k":["created","modified","version","appc"]}}},"$k":["_id","_admin"]},` +
			`"_id":"3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00","_admin":{"created":1,"modified":2,"version":1,"appc":{"State":"Stopped"}}}`}},
			"not kept whole by models.APPCState: /State: dropped"},
		{"a request with an unknown member", map[string][]string{"appc_requests": {
			`{"$s":{"p":{"_id":{"t":"string"},"received":{"t":"date"},"colour":{"t":"string"}},"$k":["_id","received","colour"]},"_id":"a||b","received":1,"colour":"red"}`}},
			`unknown member "colour"`},
		{"a lease without expiry", map[string][]string{"appc_locks": {
			`{"$s":{"p":{"_id":{"t":"string"},"owner":{"t":"string"}},"$k":["_id","owner"]},"_id":"x","owner":"y"}`}},
			"not a lease"},
		{"a lease expiring after 9999", map[string][]string{"appc_locks": {lease("x", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}},
			"not a lease"},
		{"an undecodable document", map[string][]string{"nsrs": {`{"$s":{},"x":1}`}}, "unsupported FerretDB document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := maps.Clone(c.docs)
			docs["nsrs"] = append([]string{goodRecord}, docs["nsrs"]...)
			docs["appc_locks"] = append([]string{goodLease}, docs["appc_locks"]...)
			path := filepath.Join(t.TempDir(), "x.sqlite")
			writeFerretDB(t, path, docs)
			db := openStore(t, clock)
			_, err := repo.ImportFerretDB(t.Context(), db, clock.Now, path, nil)
			if err == nil || !strings.Contains(err.Error(), c.msg) || !strings.Contains(err.Error(), "so nothing was") {
				t.Fatalf("import: %v, want an error saying %q and that nothing was imported", err, c.msg)
			}
			checkNothingImported(t, db, "vnf-1")
		})
	}
	for name, path := range notFerretDB(t, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			_, err := repo.ImportFerretDB(t.Context(), openStore(t, clock), clock.Now, path, nil)
			if !errors.Is(err, legacy.ErrNotFerretDB) {
				t.Fatalf("import: %v, want %v", err, legacy.ErrNotFerretDB)
			}
		})
	}
}

// TestImportLegacyDirRefuses: at start, a legacy file that cannot be
// imported stops the service with an error naming the file and what to
// do; nothing is imported or marked, and the file is left as it is.
func TestImportLegacyDirRefuses(t *testing.T) {
	clock := repotest.NewClock(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	files := notFerretDB(t, t.TempDir())
	const badDoc = "a FerretDB file with a document that cannot be imported"
	files[badDoc] = filepath.Join(t.TempDir(), "bad.sqlite")
	writeFerretDB(t, files[badDoc], map[string][]string{
		"appc_locks": {lease("vnf-1", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))},
		"nsrs":       {record("d", "date", "0")},
	})
	for name, from := range files {
		t.Run(name, func(t *testing.T) {
			dataDir := t.TempDir()
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dataDir, "nfv_records.sqlite")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			before := legacytest.Files(t, dataDir, "")
			db := openStore(t, clock)
			err = repo.ImportLegacyDir(t.Context(), db, clock.Now, dataDir, "", nil)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move the file out of the data directory") {
				t.Fatalf("ImportLegacyDir: %v; want an error naming %s and what to do", err, path)
			}
			if name != badDoc && !errors.Is(err, legacy.ErrNotFerretDB) {
				t.Errorf("ImportLegacyDir: %v, want %v", err, legacy.ErrNotFerretDB)
			}
			if _, err := db.Collection(repo.MetaSpec).Get(t.Context(), "import:ferretdb-v1:nfv_records.sqlite"); !errors.Is(err, repo.ErrNotFound) {
				t.Fatalf("marker after a failed import: %v", err)
			}
			checkNothingImported(t, db, "vnf-1")
			if after := legacytest.Files(t, dataDir, ""); !maps.Equal(after, before) {
				t.Errorf("the data directory changed: %v, was %v", after, before)
			}

			// What the error says to do lets the service start.
			if err := os.Rename(path, filepath.Join(t.TempDir(), "moved.sqlite")); err != nil {
				t.Fatal(err)
			}
			if err := repo.ImportLegacyDir(t.Context(), db, clock.Now, dataDir, "", nil); err != nil {
				t.Fatalf("with the file moved away: %v", err)
			}
		})
	}
}

// notFerretDB writes, into dir, files that are not FerretDB v1's, by what
// they are.
func notFerretDB(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{
		"an empty file":     filepath.Join(dir, "empty.sqlite"),
		"not SQLite":        filepath.Join(dir, "text.sqlite"),
		"another program's": filepath.Join(dir, "other.sqlite"),
	}
	if err := os.WriteFile(files["an empty file"], nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files["not SQLite"], []byte(strings.Repeat("records: []\n", 50)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+files["another program's"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE nsrs (id TEXT PRIMARY KEY, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	return files
}

// checkNothingImported checks that db holds no record, request or lease
// (the lease lockID of appc_locks).
func checkNothingImported(t *testing.T, db repo.DB, lockID string) {
	t.Helper()
	ctx := t.Context()
	for _, spec := range []repo.CollectionSpec{repo.RecordSpec(models.KindNSR), repo.RecordSpec(models.KindVNFR), repo.APPCRequestSpec} {
		if n, err := db.Collection(spec).Count(ctx, filter.Expr{}); err != nil || n != 0 {
			t.Errorf("%s: %d documents (%v), want none", spec.Name, n, err)
		}
	}
	if h, err := db.Leases("appc_locks").Holder(ctx, lockID); err != nil || h != "" {
		t.Errorf("lock %s held by %q (%v), want none", lockID, h, err)
	}
}

// lease is an sjson lease of id held by "owner" until expires.
func lease(id string, expires time.Time) string {
	return fmt.Sprintf(`{"$s":{"p":{"_id":{"t":"string"},"owner":{"t":"string"},"expires":{"t":"date"}},"$k":["_id","owner","expires"]},"_id":%q,"owner":"owner","expires":%d}`,
		id, expires.UnixMilli())
}

// record is an sjson record, with one more field when name is not "".
func record(name, typ, value string) string {
	schema, keys, members := "", "", ""
	if name != "" {
		schema = `,"` + name + `":{"t":"` + typ + `"}`
		keys = `,"` + name + `"`
		members = `,"` + name + `":` + value
	}
	return `{"$s":{"p":{"_id":{"t":"string"},"_admin":{"t":"object","$s":{"p":{"created":{"t":"date"},"modified":{"t":"date"},"version":{"t":"long"}},"$k":["created","modified","version"]}}` + schema +
		`},"$k":["_id","_admin"` + keys + `]},"_id":"3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e00","_admin":{"created":1,"modified":2,"version":1}` + members + `}`
}

// writeFerretDB writes an SQLite file laid out as FerretDB v1's.
func writeFerretDB(t *testing.T, path string, docs map[string][]string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := []string{`CREATE TABLE "_ferretdb_collections" (name TEXT NOT NULL UNIQUE, table_name TEXT NOT NULL UNIQUE, settings TEXT NOT NULL) STRICT`}
	for name, list := range docs {
		table := name + "_t"
		stmts = append(stmts,
			`INSERT INTO _ferretdb_collections VALUES ('`+name+`', '`+table+`', '{}')`,
			`CREATE TABLE "`+table+`" (_ferretdb_sjson TEXT NOT NULL) STRICT`)
		for _, d := range list {
			stmts = append(stmts, `INSERT INTO "`+table+`" VALUES ('`+strings.ReplaceAll(d, `'`, `''`)+`')`)
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
