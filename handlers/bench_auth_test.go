package handlers_test

// What identity and access cost a request: GET by uuid and a page of 100
// (BenchmarkGet's and BenchmarkList's requests, on the same records),
// served by the router with credentials against the same router under
// AUTH=none.
//
// cmd/benchratio pairs X/router with X/store, so each kind of credentials
// is a pair of its own:
//
//	BenchmarkAuthGet/bearer/router   Authorization: Bearer <token>, AUTH=token
//	BenchmarkAuthGet/bearer/store    no credentials, AUTH=none
//	BenchmarkAuthGet/basic/router    Authorization: Basic admin:<password>, AUTH=token
//	BenchmarkAuthGet/basic/store     no credentials, AUTH=none
//	BenchmarkAuthGet/basic-shared/router  the same, as replicas sharing a database run
//	BenchmarkAuthGet/basic-shared/store   no credentials, AUTH=none
//
// Here "store" is NOT the store alone: it is the AUTH=none router, the
// baseline without credentials (measured beside each credentialed side,
// so twice). benchratio's "kept store/router" is then AUTH=none ns/op over
// credentialed ns/op: the share of AUTH=none throughput a client keeps
// when it authenticates (target: >= 0.9).
//
// The routers share one records service over one database; their
// identity services have the default cache (1 s, AUTH_CACHE_TTL's
// default), Exclusive as on the embedded store except basic-shared; the token
// is got once, before timing, from POST /osm/admin/v1/tokens, as admin.
// Each side sends the same request, built the same way, through
// ServeHTTP (no TCP), one at a time.
//
//	go test -run '^$' -bench 'BenchmarkAuth' -benchmem -count 5 ./handlers/ | tee /tmp/bench-auth.out
//	go run ./cmd/benchratio /tmp/bench-auth.out

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/nfv-records/nfv-records/orchestrator/auth"
)

// authBench is the two routers over one database of -benchrecords VNFRs,
// and the Authorization headers of each kind of credentials.
type authBench struct {
	none http.Handler
	ids  []string
	// creds are the credentialed sides: name, the router (AUTH=token)
	// and the header.
	creds []authSide
}

type authSide struct {
	name   string
	authed http.Handler
	header string
}

func newAuthBench(b *testing.B) authBench {
	b.Helper()
	e := newBenchEnv(b, benchFixture)
	a := authBench{ids: e.insert(b, *benchRecords)}
	cfg := routerConfig(b, e.db)
	cfg.AuthNone = true
	a.none = mustRouter(b, cfg)
	// AUTH=token as the service runs on the embedded store (Exclusive:
	// remembered Basic credentials are not read again), and as replicas
	// on a shared database run it (each Basic call reads the user's
	// version, so that a new password ends it at once everywhere).
	cfg.AuthNone = false
	cfg.Auth = authOn(b, e.db, auth.Config{Exclusive: true})
	exclusive := mustRouter(b, cfg)
	cfg.Auth = authOn(b, e.db, auth.Config{})
	shared := mustRouter(b, cfg)

	rec := do(b, exclusive, http.MethodPost, "/osm/admin/v1/tokens",
		[]byte(`{"username":"admin","password":"`+testAdminPassword+`","project_id":"admin"}`))
	wantStatus(b, rec, http.StatusOK)
	token, _ := decodeObject(b, rec)["id"].(string)
	if token == "" {
		b.Fatalf("login answered no token: %s", rec.Body)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+testAdminPassword))
	a.creds = []authSide{
		{"bearer", exclusive, "Bearer " + token},
		{"basic", exclusive, basic},
		{"basic-shared", shared, basic},
	}
	return a
}

// serveAuth sends one GET through h, with the Authorization header authz
// unless it is "", and fails b unless it is answered want.
func serveAuth(b *testing.B, h http.Handler, target, authz string, want int) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	return rec
}

// run checks that each credentialed side answers what AUTH=none answers
// (and that AUTH=token refuses a call without credentials), then times
// each pair: target(i) is the i-th request's URL.
func (a authBench) run(b *testing.B, target func(i int) string) {
	want := serveAuth(b, a.none, target(0), "", http.StatusOK)
	for _, c := range a.creds {
		serveAuth(b, c.authed, target(0), "", http.StatusUnauthorized)
		got := serveAuth(b, c.authed, target(0), c.header, http.StatusOK)
		if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || got.Header().Get("ETag") != want.Header().Get("ETag") {
			b.Fatalf("%s: the answer differs from AUTH=none's:\n%.300s\n%.300s", c.name, got.Body, want.Body)
		}
	}

	for _, c := range a.creds {
		b.Run(c.name, func(b *testing.B) {
			b.Run("router", func(b *testing.B) {
				b.ReportAllocs()
				for i := range b.N {
					serveAuth(b, c.authed, target(i), c.header, http.StatusOK)
				}
			})
			b.Run("store", func(b *testing.B) { // AUTH=none: see the file's comment
				b.ReportAllocs()
				for i := range b.N {
					serveAuth(b, a.none, target(i), "", http.StatusOK)
				}
			})
		})
	}
}

// BenchmarkAuthGet: GET /vnfrs/{uuid}, in turn over -benchrecords
// records, with a bearer token or Basic credentials against AUTH=none.
func BenchmarkAuthGet(b *testing.B) {
	a := newAuthBench(b)
	targets := make([]string, len(a.ids))
	for i, id := range a.ids {
		targets[i] = "/vnfrs/" + id
	}
	a.run(b, func(i int) string { return targets[i%len(targets)] })
}

// BenchmarkAuthList: GET /vnfrs?page_size=100 (BenchmarkList's page) over
// -benchrecords records, with a bearer token or Basic credentials against
// AUTH=none.
func BenchmarkAuthList(b *testing.B) {
	a := newAuthBench(b)
	target := "/vnfrs?page_size=" + strconv.Itoa(benchPageSize)
	a.run(b, func(int) string { return target })
}
