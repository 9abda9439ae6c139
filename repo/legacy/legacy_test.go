package legacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/repo/legacy/legacytest"
)

// fixture is a file the embedded store of nfv-records wrote (FerretDB
// v1.24.2, WAL mode, shut down cleanly); testdata/expected.json is what
// that store returned for it. repo's import tests compare it all.
const fixture = "testdata/ferretdb-v1.sqlite"

// copyTo copies the file from into dir (created) under name.
func copyTo(t *testing.T, from, dir, name string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, name)
	if err := copyFile(from, to); err != nil {
		t.Fatal(err)
	}
	return to
}

func checkUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	if after := legacytest.Files(t, dir, ""); !maps.Equal(before, after) {
		t.Fatalf("%s changed:\nbefore %v\nafter  %v", dir, before, after)
	}
}

func documents(t *testing.T, f *File, collection string) []map[string]any {
	t.Helper()
	var docs []map[string]any
	if err := f.Documents(t.Context(), collection, func(d map[string]any) error {
		docs = append(docs, d)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestOpenFixture(t *testing.T) {
	dir := t.TempDir()
	path := copyTo(t, fixture, dir, "nfv_records.sqlite")
	before := legacytest.Files(t, dir, "")

	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Recovered() {
		t.Error("a cleanly closed file is read from a recovered copy")
	}
	names, err := f.Collections()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_locks", "appc_locks", "appc_requests", "appc_runs", "nsrs", "vnfrs"}
	if !slices.Equal(names, want) {
		t.Fatalf("collections %v, want %v", names, want)
	}
	counts := map[string]int64{"_locks": 0, "appc_locks": 1, "appc_requests": 4, "appc_runs": 1, "nsrs": 4, "vnfrs": 10}
	for name, n := range counts {
		got, err := f.Count(t.Context(), name)
		if err != nil || got != n {
			t.Errorf("Count(%s) = %d, %v; want %d", name, got, err, n)
		}
		if docs := documents(t, f, name); int64(len(docs)) != n {
			t.Errorf("Documents(%s): %d documents, want %d", name, len(docs), n)
		}
	}

	// A few values of each type, as the old store's driver returned them.
	byID := map[string]map[string]any{}
	for _, d := range documents(t, f, "vnfrs") {
		byID[d["_id"].(string)] = d
	}
	numbers := byID["3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e01"]
	if numbers == nil {
		t.Fatal("no numbers VNFR")
	}
	floats, ints := numbers["floats"].(map[string]any), numbers["ints"].(map[string]any)
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"integral double", floats["integral_2_0"], 2.0},
		{"negative zero, stored as 0", floats["negative_zero"], 0.0},
		{"max double", floats["max"], math.MaxFloat64},
		{"denormal", floats["denormal_min"], 5e-324},
		{"max long", ints["max_int64"], int64(math.MaxInt64)},
		{"2^53+1", ints["two53_plus1"], int64(1<<53 + 1)},
		{"mixed array", numbers["mixed_array"], []any{int64(1), 2.5, int64(-1), 1e-7, 3.0, int64(math.MaxInt64)}},
		{"created", numbers["_admin"].(map[string]any)["created"], time.UnixMilli(1796552483293).UTC()},
		{"version", numbers["_admin"].(map[string]any)["version"], int64(1)},
	} {
		if d := legacytest.Diff(c.want, c.got); d != "" {
			t.Errorf("%s:\n%s", c.name, d)
		}
	}
	reqs := documents(t, f, "appc_requests")
	if d := legacytest.Diff(map[string]any{
		"_id": "orig-A|req-100|sub-1", "run_id": "6b1f0c2e-9a8d-4f7e-b6c5-d4e3f2a1b001", "originator_id": "orig-A",
		"request_id": "req-100", "sub_request_id": "sub-1", "action": "Configure", "vnf_id": "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e04",
		"received": time.UnixMilli(1714554001000).UTC(), "finished": time.UnixMilli(1714554001250).UTC(),
		"code": int32(400), "message": "SUCCESS", "payload": `{"configuration":{"a":1},"note":"quote \" backslash \\ é"}`,
	}, reqs[0]); d != "" {
		t.Errorf("first request:\n%s", d)
	}

	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	// Nothing written, nothing created beside it (no -wal, no -shm).
	checkUnchanged(t, dir, before)
}

func TestDocumentsErrors(t *testing.T) {
	dir := t.TempDir()
	path := copyTo(t, fixture, dir, "x.sqlite")
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := t.Context()
	if err := f.Documents(ctx, "nope", func(map[string]any) error { return nil }); !errors.Is(err, ErrNoCollection) {
		t.Errorf("Documents of a missing collection: %v", err)
	}
	if _, err := f.Count(ctx, "nope"); !errors.Is(err, ErrNoCollection) {
		t.Errorf("Count of a missing collection: %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err = f.Documents(ctx, "nsrs", func(map[string]any) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("fn's error: %v after %d documents, want it as it is after 1", err, n)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := f.Documents(cancelled, "nsrs", func(map[string]any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Documents with an ended context: %v", err)
	}
}

// newFerretDB writes an SQLite file laid out as FerretDB v1's, with one
// collection "things" holding docs, through a connection that stays
// open (the caller closes it) with automatic checkpoints off.
func newFerretDB(t *testing.T, path, journalMode string, docs ...string) *sql.DB {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_pragma=journal_mode("+journalMode+")&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE "_ferretdb_collections" (name TEXT NOT NULL UNIQUE CHECK(name != ''), table_name TEXT NOT NULL UNIQUE CHECK(table_name != ''), settings TEXT NOT NULL CHECK(settings != '')) STRICT`,
		`INSERT INTO _ferretdb_collections VALUES ('things', 'things_1', '{}')`,
		`CREATE TABLE "things_1" (_ferretdb_sjson TEXT NOT NULL CHECK(_ferretdb_sjson != '')) STRICT`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin() // one commit, one sync
	if err != nil {
		t.Fatal(err)
	}
	insert(t, tx, docs...)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db
}

type execer interface {
	Exec(string, ...any) (sql.Result, error)
}

func insert(t *testing.T, db execer, docs ...string) {
	t.Helper()
	for _, d := range docs {
		if _, err := db.Exec(`INSERT INTO things_1 VALUES (?)`, d); err != nil {
			t.Fatal(err)
		}
	}
}

func thing(n int, pad string) string {
	return fmt.Sprintf(`{"$s":{"p":{"_id":{"t":"long"},"pad":{"t":"string"}},"$k":["_id","pad"]},"_id":%d,"pad":%q}`, n, pad)
}

func ids(t *testing.T, docs []map[string]any) []int64 {
	t.Helper()
	out := make([]int64, len(docs))
	for i, d := range docs {
		out[i] = d["_id"].(int64)
	}
	return out
}

// countImmutable counts the things of path where cond holds, read as
// Open reads a file in place: its journal ignored.
func countImmutable(t *testing.T, path, cond string) (int, error) {
	t.Helper()
	db, err := sql.Open("sqlite3", uri(path)+"?mode=ro&immutable=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow(`SELECT count(*) FROM things_1 WHERE ` + cond).Scan(&n)
	return n, err
}

// TestOpenAfterACrash reads files whose writer died with transactions in
// a journal: the state a crash leaves is made by copying the files while
// the writer is still inside (or just past) them.
func TestOpenAfterACrash(t *testing.T) {
	t.Run("WAL", func(t *testing.T) {
		live := filepath.Join(t.TempDir(), "live", "nfv_records.sqlite")
		db := newFerretDB(t, live, "WAL", thing(1, ""))
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		insert(t, db, thing(2, ""), thing(3, "")) // committed, in the WAL only
		crashed := filepath.Join(t.TempDir(), "crashed")
		for _, suffix := range []string{"", "-wal", "-shm"} {
			copyTo(t, live+suffix, crashed, "nfv_records.sqlite"+suffix)
		}
		db.Close()
		path := filepath.Join(crashed, "nfv_records.sqlite")
		before := legacytest.Files(t, crashed, "")

		// What reading the file alone would miss.
		if n, err := countImmutable(t, path, "1"); err != nil || n != 1 {
			t.Fatalf("the main file alone holds %d things (%v), want 1: the test does not test the WAL", n, err)
		}
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if !f.Recovered() {
			t.Error("not read from a recovered copy")
		}
		if got := ids(t, documents(t, f, "things")); !slices.Equal(got, []int64{1, 2, 3}) {
			t.Errorf("things %v, want 1, 2, 3", got)
		}
		copyDir := f.copyDir
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(copyDir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the recovered copy %s is left: %v", copyDir, err)
		}
		checkUnchanged(t, crashed, before)
	})

	t.Run("rollback journal", func(t *testing.T) {
		live := filepath.Join(t.TempDir(), "live", "nfv_records.sqlite")
		var docs []string
		for i := 1; i <= 150; i++ {
			docs = append(docs, thing(i, strings.Repeat("y", 1000)))
		}
		db := newFerretDB(t, live, "DELETE", docs...)
		// A transaction that changes more pages than the page cache
		// holds: SQLite writes some to the file before the commit, their
		// old contents saved in the journal, which a reader of the file
		// must roll back.
		if _, err := db.Exec(`PRAGMA cache_size = 10`); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`UPDATE things_1 SET _ferretdb_sjson = replace(_ferretdb_sjson, 'y', 'z')`); err != nil {
			t.Fatal(err)
		}
		crashed := filepath.Join(t.TempDir(), "crashed")
		for _, suffix := range []string{"", "-journal"} {
			copyTo(t, live+suffix, crashed, "nfv_records.sqlite"+suffix)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		db.Close()
		path := filepath.Join(crashed, "nfv_records.sqlite")
		before := legacytest.Files(t, crashed, "")

		// What reading the file alone would see: part of a transaction
		// that never committed.
		if n, err := countImmutable(t, path, `_ferretdb_sjson LIKE '%zzz%'`); err != nil || n == 0 {
			t.Fatalf("the main file alone holds %d changed things (%v): the test does not test the journal", n, err)
		}
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if !f.Recovered() {
			t.Error("not read from a recovered copy")
		}
		got := documents(t, f, "things")
		if len(got) != 150 {
			t.Errorf("%d things, want 150", len(got))
		}
		for _, d := range got {
			if d["pad"] != strings.Repeat("y", 1000) {
				t.Fatalf("thing %v is changed: the transaction is not rolled back", d["_id"])
			}
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		checkUnchanged(t, crashed, before)
	})
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.sqlite")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.sqlite")
	db, err := sql.Open("sqlite3", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	text := filepath.Join(dir, "text.sqlite")
	if err := os.WriteFile(text, []byte(strings.Repeat("not an SQLite file\n", 20)), 0o600); err != nil {
		t.Fatal(err)
	}
	undecodable := filepath.Join(dir, "undecodable.sqlite")
	newFerretDB(t, undecodable, "DELETE", thing(1, ""), `{"$s":{},"extra":1}`).Close()
	before := legacytest.Files(t, dir, "")

	for _, c := range []struct {
		name, path string
		want       error
	}{
		{"missing", filepath.Join(dir, "missing.sqlite"), fs.ErrNotExist},
		{"empty", empty, ErrNotFerretDB},
		{"another database", other, ErrNotFerretDB},
		{"not SQLite", text, ErrNotFerretDB},
	} {
		t.Run(c.name, func(t *testing.T) {
			if f, err := Open(c.path); !errors.Is(err, c.want) {
				if f != nil {
					f.Close()
				}
				t.Fatalf("Open = %v, want %v", err, c.want)
			}
		})
	}
	t.Run("a directory", func(t *testing.T) {
		if _, err := Open(dir); err == nil {
			t.Fatal("Open of a directory succeeded")
		}
	})
	t.Run("a collection listed twice", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "twice.sqlite")
		db := newFerretDB(t, path, "DELETE", thing(1, ""))
		if _, err := db.Exec(`CREATE TABLE things_2 (_ferretdb_sjson TEXT)`); err != nil {
			t.Fatal(err)
		}
		// FerretDB's catalogue has the name unique; a file whose has not.
		for _, q := range []string{
			`CREATE TABLE c AS SELECT * FROM _ferretdb_collections`,
			`DROP TABLE _ferretdb_collections`,
			`ALTER TABLE c RENAME TO _ferretdb_collections`,
			`INSERT INTO _ferretdb_collections VALUES ('things', 'things_2', '{}')`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if names, err := f.Collections(); !errors.Is(err, ErrNotFerretDB) || !strings.Contains(err.Error(), `"things" is listed twice`) {
			t.Fatalf("Collections = %v, %v; want an error saying things is listed twice", names, err)
		}
	})
	t.Run("an undecodable document", func(t *testing.T) {
		f, err := Open(undecodable)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n := 0
		err = f.Documents(t.Context(), "things", func(map[string]any) error { n++; return nil })
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "row 2") || n != 1 {
			t.Fatalf("Documents: %v after %d documents; want ErrUnsupported at row 2 after 1", err, n)
		}
	})
	checkUnchanged(t, dir, before)
}

// TestOpenOddPaths: the path goes into a file: URI, where '?', '#' and
// '%' mean something; the file opened must be the one named.
func TestOpenOddPaths(t *testing.T) {
	for _, name := range []string{"with space", "q?mark", "hash#", "per%25cent", "ümlaut"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			path := copyTo(t, fixture, dir, name+".sqlite")
			before := legacytest.Files(t, dir, "")
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := f.Count(t.Context(), "vnfrs"); err != nil || n != 10 {
				t.Errorf("Count = %d, %v", n, err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			checkUnchanged(t, dir, before)
		})
	}
}
