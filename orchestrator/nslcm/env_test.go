package nslcm_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/mongo"
	"github.com/nfv-records/nfv-records/repo/mongo/ferrettest"
	"github.com/nfv-records/nfv-records/repo/repotest"
	"github.com/nfv-records/nfv-records/repo/sqlite"
	"github.com/nfv-records/nfv-records/schemas"
	"github.com/nfv-records/nfv-records/seal"
)

// The lifecycle's tests run on the embedded store, and the main scenario
// also on the MongoDB backend: TEST_MONGO_URI's server, or else an
// in-process FerretDB (the MongoDB-wire stand-in) started once here.
var (
	mongoURI string
	dbSeq    atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	mongoURI = os.Getenv("TEST_MONGO_URI")
	if mongoURI == "" && !testing.Short() {
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
		mongoURI = srv.URI()
	}
	return m.Run()
}

// backends are the databases a scenario runs on.
var backends = []struct {
	name string
	open func(t testing.TB, clock repo.Clock) repo.DB
}{
	{"sqlite", openSQLite},
	{"mongo", openMongo},
}

func openSQLite(t testing.TB, clock repo.Clock) repo.DB {
	t.Helper()
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "records.db"), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

// reopen is another handle on an embedded database (another replica).
func reopen(t testing.TB, db repo.DB, clock repo.Clock) repo.DB {
	t.Helper()
	second, err := sqlite.Open(sqlite.Config{Path: db.(*sqlite.DB).Path(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = second.Close(context.Background()) })
	return second
}

func openMongo(t testing.TB, clock repo.Clock) repo.DB {
	t.Helper()
	if mongoURI == "" {
		t.Skip("no MongoDB (-short, and no TEST_MONGO_URI)")
	}
	name := fmt.Sprintf("nslcm_%d_%d", os.Getpid()%100000, dbSeq.Add(1))
	db, err := mongo.Open(mongo.Config{URI: mongoURI, Database: name, Timeout: 30 * time.Second, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = db.Drop(ctx)
		_ = db.Close(ctx)
	})
	return db
}

// counting is the built-in VNF manager, counting what it is asked.
type counting struct {
	nslcm.BuiltIn
	placed, released, runs atomic.Int64
	fail                   atomic.Pointer[string] // a call that fails: "place", "release", "run"
}

func (c *counting) Place(ctx context.Context, vnf nslcm.VNF, units []nslcm.Unit) ([]nslcm.Unit, error) {
	if p := c.fail.Load(); p != nil && *p == "place" {
		return nil, fmt.Errorf("the VIM has no room left")
	}
	c.placed.Add(int64(len(units)))
	return c.BuiltIn.Place(ctx, vnf, units)
}

func (c *counting) Release(ctx context.Context, vnf nslcm.VNF, units []nslcm.Unit) error {
	if p := c.fail.Load(); p != nil && *p == "release" {
		return fmt.Errorf("the VIM does not answer")
	}
	c.released.Add(int64(len(units)))
	return c.BuiltIn.Release(ctx, vnf, units)
}

func (c *counting) Run(ctx context.Context, vnf nslcm.VNF, unit *nslcm.Unit, p string, params map[string]any) (string, error) {
	if f := c.fail.Load(); f != nil && *f == "run" {
		return "", fmt.Errorf("primitive %s exited 1", p)
	}
	c.runs.Add(1)
	return c.BuiltIn.Run(ctx, vnf, unit, p, params)
}

// env is the lifecycle over one database, with the catalogue and VIM
// accounts it needs, acting as a user of project p1.
type env struct {
	db      repo.DB
	clock   *repotest.Clock
	svc     *nslcm.Service
	cat     *catalogue.Service
	vims    *nslcm.VIMs
	recs    *records.Service
	store   *repo.LifecycleStore
	vnfm    *counting
	box     *seal.Box
	scope   models.Scope
	mu      sync.Mutex
	crashAt string // the step after which the runner "dies"
	// onStep, when set, runs in the runner after each step is written.
	onStep func(op, step string)
}

const ttl = 30 * time.Second

func newEnv(t testing.TB, open func(testing.TB, repo.Clock) repo.DB) *env {
	t.Helper()
	clock := repotest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	return envOn(t, open(t, clock.Now), clock)
}

// envOn is the lifecycle over db (a replica of its own).
func envOn(t testing.TB, db repo.DB, clock *repotest.Clock) *env {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: clock, vnfm: &counting{}, box: box, scope: models.ProjectScope("p1")}
	e.recs = records.NewService(repo.NewRecordStore(db), v, records.Config{})
	e.cat = catalogue.NewService(repo.NewCatalogueStore(db), catalogue.Limits{}, v)
	e.store = repo.NewLifecycleStore(db)
	e.vims = nslcm.NewVIMs(repo.NewVIMStore(db), box, nil, clock.Now)
	e.svc = nslcm.NewService(e.store, e.recs, e.cat, e.vims, nslcm.Config{VNFM: e.vnfm, LeaseTTL: ttl, Now: clock.Now,
		AfterStep: func(op, step string) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.onStep != nil {
				e.onStep(op, step)
			}
			if e.crashAt != "" && step == e.crashAt {
				e.crashAt = ""
				return fmt.Errorf("crash after %s", step)
			}
			return nil
		}})
	t.Cleanup(e.svc.Close)
	return e
}

func (e *env) crashAfter(step string) {
	e.mu.Lock()
	e.crashAt = step
	e.mu.Unlock()
}

var ctx = context.Background()

// onboard puts a fixture descriptor in the catalogue: its id.
func (e *env) onboard(t testing.TB, kind catalogue.Kind, file string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "descriptors", file))
	if err != nil {
		t.Fatal(err)
	}
	entry, err := e.cat.Onboard(ctx, e.scope, kind, catalogue.Upload{Data: raw, Filename: filepath.Base(file)}, false)
	if err != nil {
		t.Fatalf("onboard %s: %v", file, err)
	}
	return entry.UUID
}

// vim registers a VIM account: its id.
func (e *env) vim(t testing.TB, name string) string {
	t.Helper()
	id, _, err := e.vims.Create(ctx, e.scope, nslcm.VIMEdit{"name": name, "vim_type": "dummy", "vim_url": "http://vim.example:5000/v3",
		"vim_user": "u", "vim_password": "p", "vim_tenant_name": "t"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// cirros is the catalogue and VIM of the scaling cirros NS: the NSD's id
// and the VIM's.
func (e *env) cirros(t testing.TB) (nsd, vim string) {
	t.Helper()
	e.onboard(t, catalogue.VNFD, "osm/cirros_scale_vnfd.yaml")
	return e.onboard(t, catalogue.NSD, "osm/cirros_scale_nsd.yaml"), e.vim(t, "site-a")
}

// op waits for the runners, then reads operation id.
func (e *env) op(t testing.TB, id string) nslcm.View {
	t.Helper()
	e.svc.Wait()
	v, err := e.svc.GetOp(ctx, e.scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantOp waits for operation id and checks its state.
func (e *env) wantOp(t testing.TB, id, state string) nslcm.View {
	t.Helper()
	v := e.op(t, id)
	if v["operationState"] != state {
		t.Fatalf("operation %s is %v (%v), want %s", id, v["operationState"], v["detailed-status"], state)
	}
	return v
}

func (e *env) ns(t testing.TB, id string) nslcm.View {
	t.Helper()
	v, err := e.svc.GetNS(ctx, e.scope, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// record reads a record through the records service, as /nsrs does.
func (e *env) record(t testing.TB, kind models.Kind, id string) map[string]any {
	t.Helper()
	r, err := e.recs.Get(ctx, e.scope, kind, id)
	if err != nil {
		t.Fatalf("%s %s: %v", kind, id, err)
	}
	f, err := r.Fields()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// valid checks a stored record against its schema, as a client's body.
func (e *env) valid(t testing.TB, kind models.Kind, fields map[string]any) {
	t.Helper()
	if _, err := e.recs.Check(ctx, kind, fields); err != nil {
		t.Fatalf("the %s the lifecycle wrote is not valid: %v", kind.Singular(), err)
	}
}

func wantCode(t testing.TB, err error, code models.ErrorCode, contains string) {
	t.Helper()
	me, ok := err.(*models.Error)
	if !ok || me.Code != code {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	if !strings.Contains(me.Detail, contains) {
		t.Fatalf("error %q does not say %q", me.Detail, contains)
	}
}

// newNS is a new NS instance of the scaling cirros NSD, not instantiated:
// its id, and the NSD's and the VIM's.
func (e *env) newNS(t testing.TB) (id, nsd, vim string) {
	t.Helper()
	nsd, vim = e.cirros(t)
	id, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	return id, nsd, vim
}

// readyNS is newNS, instantiated (its operation COMPLETED).
func (e *env) readyNS(t testing.TB) (id, nsd, vim string) {
	t.Helper()
	id, nsd, vim = e.newNS(t)
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	return id, nsd, vim
}
