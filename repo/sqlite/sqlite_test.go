package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// backend is the embedded store as the conformance suite opens it: a
// fresh file per test, and a second DB on the same file as a replica.
var backend = repotest.Backend{
	Name: "sqlite",
	Open: func(tb testing.TB, clock repo.Clock) repo.DB {
		return open(tb, filepath.Join(tb.TempDir(), "test.db"), clock)
	},
	Second: func(tb testing.TB, db repo.DB, clock repo.Clock) repo.DB {
		return open(tb, db.(*sqlite.DB).Path(), clock)
	},
	Atomic:       true,
	NestedArrays: true,
}

func open(tb testing.TB, path string, clock repo.Clock) *sqlite.DB {
	tb.Helper()
	return openWith(tb, sqlite.Config{Path: path, Clock: clock})
}

func openWith(tb testing.TB, cfg sqlite.Config) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

func TestConformance(t *testing.T) { repotest.Run(t, backend) }

// TestConformanceSplitScans runs the suite with every scan of a whole
// table split in parts of a few rows over four scan slots, so that the
// parts and the merge of their windows are what answers (in the service
// a table is split from 4096 rows, on cores nobody else uses).
func TestConformanceSplitScans(t *testing.T) {
	split := backend
	split.Name = "sqlite, split scans"
	config := func(path string, clock repo.Clock) sqlite.Config {
		return sqlite.Config{Path: path, Clock: clock, Scans: 4, PartRows: 7}
	}
	split.Open = func(tb testing.TB, clock repo.Clock) repo.DB {
		return openWith(tb, config(filepath.Join(tb.TempDir(), "test.db"), clock))
	}
	split.Second = func(tb testing.TB, db repo.DB, clock repo.Clock) repo.DB {
		return openWith(tb, config(db.(*sqlite.DB).Path(), clock))
	}
	repotest.Run(t, split)
}

// TestOpenDirIsExclusive: a data directory is used by one process at a
// time; the next is refused with an error that names the holder, and may
// open it once the first has closed it.
func TestOpenDirIsExclusive(t *testing.T) {
	dir := t.TempDir()
	first, err := sqlite.OpenDir(dir, sqlite.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.OpenDir(dir, sqlite.Config{})
	if !errors.Is(err, sqlite.ErrDirLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("second open: %v; want ErrDirLocked naming this process and %s", err, dir)
	}
	if err := first.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.OpenDir(dir, sqlite.Config{})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	if err := again.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestOpenDirAnyName: the data directory's path is written into a file:
// URI; characters that mean something there stay part of the path.
func TestOpenDirAnyName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data dir #1?mode=ro&x=%41 é")
	for range 2 { // created, then opened again
		db, err := sqlite.OpenDir(dir, sqlite.Config{})
		if err != nil {
			t.Fatal(err)
		}
		c := db.Collection(crashSpec)
		if _, err := c.Insert(t.Context(), repo.Doc{ID: fmt.Sprint(time.Now().UnixNano()), Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatalf("the database is not in the directory named: %v", err)
	}
	if n, _ := reopened(t, dir).Count(t.Context(), filter.Expr{}); n != 2 {
		t.Fatalf("%d documents, want the 2 written", n)
	}
}

// reopened is the test collection in the database file of dir.
func reopened(t *testing.T, dir string) repo.Collection {
	t.Helper()
	return open(t, filepath.Join(dir, sqlite.FileName), nil).Collection(crashSpec)
}

// FuzzListAgreesWithMatcher runs any query and order on a fixed set of
// random records: the store must answer as the oracle (the matcher and
// the order applied to every record in Go) does.
func FuzzListAgreesWithMatcher(f *testing.F) {
	for _, seed := range []struct{ query, sort string }{
		{"a=5", ""},
		{"a.ANYINDEX.a=1&a.ANYINDEX.b=a", "-a"},
		{"b.0.cont=a", "b,-created_at"},
		{"created_at.gte=2018-02-26&created_at.lt=2018-02-27", ""},
		{"c.neq=&c.ncont=a,b", "c.b"},
		{"uuid.gt=8", "-uuid"},
		{"1.0.1=true", "updated_at"},
		{"id=0", "id"},
	} {
		f.Add(seed.query, seed.sort, uint8(3))
	}
	g := filtertest.Gen{R: rand.New(rand.NewPCG(17, 17))}
	c := backend.Open(f, nil).Collection(repo.RecordSpec(models.KindVNFR))
	var docs []repotest.Seeded
	for i := range 60 {
		docs = append(docs, repotest.SeedRecord(f, c, fmt.Sprintf("%08x-0000-4000-8000-%012x", g.R.Uint32(), i), g.Time(), g.Time(), g.Fields()))
	}
	f.Fuzz(func(t *testing.T, query, sort string, limit uint8) {
		lc, ok := repotest.ParseListCase(t, query, sort)
		if !ok {
			return
		}
		lc.Limit, lc.Walk = 1+int64(limit%16), 2
		lc.Check(t, "sqlite", c, repotest.Oracle(docs, lc.Filter, lc.Order))
	})
}
