package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
	"github.com/nfv-records/nfv-records/schemas"
	"github.com/nfv-records/nfv-records/seal"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// testMaxBody is small so that 413 is cheap to provoke.
const testMaxBody = 64 << 10

// stores are the stores behind a router, for tests that look under it.
type stores struct {
	db      repo.DB
	records *repo.RecordStore
	appc    *repo.APPCStore
}

// newDB is a fresh embedded store, closed when the test ends. Its clock
// never stands still: two records created one after the other have
// different creation times however fast the machine, so the default
// order (newest first) is the order of creation.
func newDB(t testing.TB) *sqlite.DB {
	t.Helper()
	var mu sync.Mutex
	var last time.Time
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now().UTC().Truncate(time.Millisecond)
		if !now.After(last) {
			now = last.Add(time.Millisecond)
		}
		last = now
		return now
	}
	return newDBAt(t, clock)
}

// newDBAt is a fresh embedded store on clock.
func newDBAt(t testing.TB, clock func() time.Time) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "records.db"), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

// storesOn are the stores over db.
func storesOn(db repo.DB) stores {
	return stores{db: db, records: repo.NewRecordStore(db), appc: repo.NewAPPCStore(db, nil, nil)}
}

// newRouter is the service's router on a fresh database.
func newRouter(t testing.TB) (http.Handler, stores) {
	t.Helper()
	s := storesOn(newDB(t))
	return routerOn(t, s.db), s
}

// routerOn builds a router on an existing database (two routers on one
// database behave as two service replicas).
func routerOn(t testing.TB, db repo.DB) http.Handler {
	t.Helper()
	return mustRouter(t, routerConfig(t, db))
}

// routerConfig is the service's router configuration on db.
func routerConfig(t testing.TB, db repo.DB) handlers.Config {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	recs := records.NewService(repo.NewRecordStore(db), v, records.Config{})
	cat := catalogue.NewService(repo.NewCatalogueStore(db), catalogue.Limits{}, v)
	vimStore := repo.NewVIMStore(db)
	lcm := nslcm.NewService(repo.NewLifecycleStore(db), recs, cat, nslcm.NewVIMs(vimStore, testBox(t), nil, nil), nslcm.Config{})
	t.Cleanup(lcm.Close)
	return handlers.Config{
		Records:           recs,
		Database:          db,
		ComplexAttributes: v.ComplexAttributes,
		MaxBodyBytes:      testMaxBody,
		Auth:              authOn(t, db, auth.Config{}),
		AuthNone:          true,
		Catalogue:         cat.WithInstances(lcm),
		VIMs:              nslcm.NewVIMs(vimStore, testBox(t), lcm, nil),
		NSLCM:             lcm,
	}
}

// testBox seals secrets under a fixed key.
func testBox(t testing.TB) *seal.Box {
	t.Helper()
	b, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// authOn is the identity service over db, bootstrapped (user admin with
// password testAdminPassword), with cheap password hashes.
func authOn(t testing.TB, db repo.DB, cfg auth.Config) *auth.Service {
	t.Helper()
	cfg.BcryptCost = bcrypt.MinCost
	svc, err := auth.NewService(repo.NewAuthStore(db), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Bootstrap(t.Context(), testAdminPassword); err != nil {
		t.Fatal(err)
	}
	return svc
}

// testAdminPassword is the bootstrap admin's password in tests.
const testAdminPassword = "test-admin-password"

// defaultProject is the id of the default project ("admin").
var defaultProject = auth.BootstrapProjectID("admin")

// do sends one request through h and returns the recorded answer. A body
// is sent as JSON unless the header pairs say otherwise; a header pair with
// an empty value removes that header.
func do(t testing.TB, h http.Handler, method, target string, body []byte, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i]) // "" sends none, e.g. no Content-Type
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// fixture reads a file of the repository's fixtures/ folder.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeObject decodes a JSON object answer.
func decodeObject(t testing.TB, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", rec.Code, err, rec.Body.String())
	}
	return m
}

// decodeList decodes a JSON array answer.
func decodeList(t testing.TB, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
		t.Fatalf("answer %d is not a JSON array: %v: %s", rec.Code, err, rec.Body.String())
	}
	return l
}

// wantStatus fails the test when the answer's status is not want.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body: %s", rec.Code, want, rec.Body.String())
	}
}

// wantError checks an error answer: status, JSON content type, and the
// {"code","status","detail"} body.
func wantError(t testing.TB, rec *httptest.ResponseRecorder, status int, code string) map[string]any {
	t.Helper()
	wantStatus(t, rec, status)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("error Content-Type %q, want application/json", ct)
	}
	m := decodeObject(t, rec)
	if m["code"] != code || m["status"] != float64(status) || m["detail"] == "" {
		t.Errorf("error body %v, want code %s status %d and a detail", m, code, status)
	}
	return m
}

// mustRouter is the router cfg configures.
func mustRouter(t testing.TB, cfg handlers.Config) http.Handler {
	t.Helper()
	h, err := handlers.NewRouter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// testScope sees every project: tests that look under the router at the
// store directly.
// What it creates belongs to the default project, as what a client
// creates under AUTH=none does.
var testScope = models.Scope{All: true, Own: []string{defaultProject}}

// defaultOwned is the Admin of a document the default project owns, for
// tests that store documents under the router.
var defaultOwned = json.RawMessage(`{"projects_read":["` + defaultProject + `"],"projects_write":["` + defaultProject + `"]}`)
