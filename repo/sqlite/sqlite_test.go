package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	db, err := sqlite.Open(sqlite.Config{Path: path, Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

func TestConformance(t *testing.T) { repotest.Run(t, backend) }

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
