package handlers_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/internal/hostilebody"
)

// BenchmarkHostileBody measures the worst bodies within the default limits
// (internal/hostilebody) beside a normal create of the fixture VNFR,
// through the router on the embedded store: CPU (ns/op) and allocation
// (B/op) per request. A refused body stores nothing and an accepted one
// is deleted, so every iteration does the same work.
//
//	go test -run '^$' -bench HostileBody -benchmem ./handlers/
func BenchmarkHostileBody(b *testing.B) {
	env := newBenchEnv(b, benchFixture)
	cfg := routerConfig(b, env.db)
	cfg.MaxBodyBytes = hostilebody.MaxBytes
	h := mustRouter(b, cfg)
	b.Run("normal-create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			serveBody(b, h, http.MethodPost, "/vnfrs", env.withID(uuid.NewString()), "application/json", http.StatusOK)
		}
	})
	for _, body := range hostilebody.All() {
		b.Run(body.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body.Data)))
			for b.Loop() {
				postHostile(b, h, body)
			}
		})
	}
}

// TestHostileBodies: each of the worst bodies is answered as expected
// (the benchmark above measures what they cost).
func TestHostileBodies(t *testing.T) {
	cfg := routerConfig(t, newDB(t))
	cfg.MaxBodyBytes = hostilebody.MaxBytes
	h := mustRouter(t, cfg)
	for _, body := range hostilebody.All() {
		t.Run(body.Name, func(t *testing.T) { postHostile(t, h, body) })
	}
}

// postHostile sends body, checks its status, and deletes what it stored.
func postHostile(tb testing.TB, h http.Handler, body hostilebody.Body) {
	serveBody(tb, h, http.MethodPost, "/nsrs", body.Data, body.ContentType, body.Status)
	if body.Status == http.StatusOK {
		serveBody(tb, h, http.MethodDelete, "/nsrs/"+hostilebody.ID, nil, "", http.StatusOK)
	}
}

// serveBody sends one request through h and fails tb unless it is
// answered want.
func serveBody(tb testing.TB, h http.Handler, method, target string, body []byte, contentType string, want int) {
	tb.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		tb.Fatalf("%s %s: %d %.300s", method, target, rec.Code, rec.Body)
	}
}
