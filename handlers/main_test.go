package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
	"github.com/nfv-records/nfv-records/schemas"
)

// testDB is the embedded store every test of this package shares; each
// test gets its own database in it.
var testDB repotest.Server

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	repotest.Main(m, &testDB)
}

// testMaxBody is small so that 413 is cheap to provoke.
const testMaxBody = 64 << 10

// newRouter is the service's router on a fresh database.
func newRouter(t testing.TB) (http.Handler, *repo.Store) {
	t.Helper()
	store := repotest.NewStore(t, testDB)
	return routerOn(t, store), store
}

// routerOn builds a router on an existing store (two routers on one store
// behave as two service replicas).
func routerOn(t testing.TB, store *repo.Store) http.Handler {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	return handlers.NewRouter(handlers.Config{Store: store, Validator: v, MaxBodyBytes: testMaxBody})
}

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
