package handlers_test

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/repo"
)

// freeAddr returns a loopback address nothing listens on, so the embedded
// store can be stopped and started again at the same place.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestReadinessFollowsTheDatabase stops the database under a running
// router: the probes answer 503 (never hang, never 200) while it is down,
// writes fail with 503 rather than 500, and everything recovers by itself,
// data included, once it is back.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	start := func() *repo.Embedded {
		t.Helper()
		e, err := repo.StartEmbedded(repo.EmbeddedConfig{DataDir: dir, Addr: addr})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	db := start()
	store, err := repo.Open(repo.Config{URI: db.URI(), Database: "readiness", Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(t.Context()) })
	h := routerOn(t, store)

	probes := []string{"/ping", "/pings", "/nsrs/ping", "/vnfrs/pings", "/readyz"}
	for _, p := range probes {
		wantStatus(t, do(t, h, http.MethodGet, p, nil), http.StatusOK)
	}
	const uuid = "0f0e0d0c-0b0a-0908-0706-050403020100"
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"`+uuid+`","descriptor_version":"1","status":"offline"}`)), http.StatusOK)

	db.Close()
	for _, p := range probes {
		wantError(t, do(t, h, http.MethodGet, p, nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	}
	wantStatus(t, do(t, h, http.MethodGet, "/healthz", nil), http.StatusOK) // the process itself is alive
	wantError(t, do(t, h, http.MethodGet, "/nsrs/"+uuid, nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	wantError(t, do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"`+uuid+`","descriptor_version":"1","status":"offline"}`)), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")

	db = start()
	t.Cleanup(db.Close)
	deadline := time.Now().Add(20 * time.Second)
	for {
		rec := do(t, h, http.MethodGet, "/ping", nil)
		if rec.Code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ping still answers %d 20s after the database came back", rec.Code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, p := range probes {
		wantStatus(t, do(t, h, http.MethodGet, p, nil), http.StatusOK)
	}
	rec := do(t, h, http.MethodGet, "/nsrs/"+uuid, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decodeObject(t, rec)["status"]; got != "offline" {
		t.Fatalf("record after restart has status %v", got)
	}
}
