package mongo_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/mongo"
	"github.com/nfv-records/nfv-records/repo/mongo/ferrettest"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// The tests run against the MongoDB TEST_MONGO_URI names, or else against
// an in-process FerretDB v1 (the MongoDB-wire stand-in: no mongod here),
// started once for the package. Each test gets a database of its own,
// dropped when it ends.
var (
	uri    string
	ferret bool
	dbSeq  atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	uri = os.Getenv("TEST_MONGO_URI")
	if uri == "" {
		dir, err := os.MkdirTemp("", "ferrettest-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		srv, err := ferrettest.Start(dir, "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer srv.Stop()
		uri, ferret = srv.URI(), true
	}
	return m.Run()
}

// openTimeout bounds server selection in the tests: generous, for a busy
// machine; only the test of an unreachable server waits for it to pass.
const openTimeout = 30 * time.Second

// dbName is a database name of its own for tb: at most 63 bytes of
// letters, digits and '_', unique in this process (and, with a real
// MongoDB shared by several runs, across processes).
func dbName(tb testing.TB) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t%d_%d_", os.Getpid()%100000, dbSeq.Add(1))
	for _, r := range tb.Name() {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 63 {
		name = name[:63]
	}
	return name
}

// open opens database name on the test server, closed when tb ends (and
// dropped first when drop is set).
func open(tb testing.TB, name string, clock repo.Clock, drop bool) *mongo.DB {
	tb.Helper()
	db, err := mongo.Open(mongo.Config{URI: uri, Database: name, Timeout: openTimeout, Clock: clock})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if drop {
			if err := db.Drop(ctx); err != nil {
				tb.Errorf("drop %s: %v", name, err)
			}
		}
		if err := db.Close(ctx); err != nil {
			tb.Errorf("close %s: %v", name, err)
		}
	})
	return db
}

// backend is the MongoDB backend as the conformance suite opens it: a
// fresh database per test, and a second DB on the same database as a
// replica. FerretDB's conditional writes are not atomic and it refuses
// arrays in arrays: the suite leaves those tests out there.
func backend() repotest.Backend {
	name := "mongo"
	if ferret {
		name = "ferretdb"
	}
	return repotest.Backend{
		Name: name,
		Open: func(tb testing.TB, clock repo.Clock) repo.DB {
			return open(tb, dbName(tb), clock, true)
		},
		Second: func(tb testing.TB, db repo.DB, clock repo.Clock) repo.DB {
			return open(tb, db.(*mongo.DB).Database().Name(), clock, false)
		},
		Atomic:       !ferret,
		NestedArrays: !ferret,
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	repotest.Run(t, backend())
}
