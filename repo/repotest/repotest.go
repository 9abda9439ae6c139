// Package repotest is the conformance suite of repo's storage interface:
// every backend (repo/sqlite, repo/mongo) runs Run from its tests, so the
// service behaves the same whichever database it uses. It also holds the
// helpers tests of the layers above use to get a real store.
package repotest

import (
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Backend is what the suite needs of a backend.
type Backend struct {
	Name string
	// Open returns a fresh, empty database on the clock, closed when tb
	// ends.
	Open func(tb testing.TB, clock repo.Clock) repo.DB
	// Second returns another handle on db's database (another replica of
	// the service), closed when tb ends.
	Second func(tb testing.TB, db repo.DB, clock repo.Clock) repo.DB
	// Atomic says that conditional writes racing on one document are
	// atomic. FerretDB, the MongoDB-wire stand-in of these machines, is
	// not: the tests of races need a real MongoDB there.
	Atomic bool
	// NestedArrays says an array may hold arrays (FerretDB v1 refuses to
	// store one).
	NestedArrays bool
}

// Clock is a clock a test moves by hand, so that expiry is tested
// without waiting. Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock is a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Run runs the whole suite on b.
func Run(t *testing.T, b Backend) {
	t.Run("Documents", func(t *testing.T) { t.Parallel(); testDocuments(t, b) })
	t.Run("Bodies", func(t *testing.T) { t.Parallel(); testBodies(t, b) })
	t.Run("Races", func(t *testing.T) { t.Parallel(); testRaces(t, b) })
	t.Run("Leases", func(t *testing.T) { t.Parallel(); testLeases(t, b) })
	t.Run("Blobs", func(t *testing.T) { t.Parallel(); testBlobs(t, b) })
	t.Run("ListsAgreeWithTheMatcher", func(t *testing.T) { t.Parallel(); testListsAgree(t, b) })
	t.Run("ListEdgeCases", func(t *testing.T) { t.Parallel(); testListEdgeCases(t, b) })
	t.Run("DeleteWhere", func(t *testing.T) { t.Parallel(); testDeleteWhere(t, b) })
	t.Run("Records", func(t *testing.T) { t.Parallel(); testRecords(t, b) })
	t.Run("APPC", func(t *testing.T) { t.Parallel(); testAPPC(t, b) })
	t.Run("Readers", func(t *testing.T) { t.Parallel(); testReaders(t, b) })
	t.Run("Writers", func(t *testing.T) { t.Parallel(); testWriters(t, b) })
	t.Run("Auth", func(t *testing.T) { t.Parallel(); testAuth(t, b) })
	t.Run("Catalogue", func(t *testing.T) { t.Parallel(); testCatalogue(t, b) })
	t.Run("Lifecycle", func(t *testing.T) { t.Parallel(); testLifecycle(t, b) })
}

// needAtomic skips a test of racing writers on a backend whose writes
// are not atomic.
func needAtomic(t *testing.T, b Backend) {
	t.Helper()
	if !b.Atomic {
		t.Skipf("%s does not make racing conditional writes atomic: run with TEST_MONGO_URI naming a real MongoDB", b.Name)
	}
}

// testScope is the project the domain tests act in.
var testScope = models.ProjectScope("p1")
