package handlers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkHostileBody measures the worst bodies within the default limits
// (MAX_BODY_BYTES 4 MiB, document.DefaultLimits) beside a normal create of
// the fixture VNFR, through the router on the embedded store: CPU (ns/op)
// and allocation (B/op) per request. Each refused body is refused before
// anything is stored, so every iteration does the same work.
//
//	go test -run '^$' -bench HostileBody -benchmem ./handlers/
func BenchmarkHostileBody(b *testing.B) {
	env := newBenchEnv(b, benchFixture)
	cfg := routerConfig(b, env.db)
	cfg.MaxBodyBytes = 4 << 20
	h := mustRouter(b, cfg)

	nsr := func(extra string) []byte { return nsrWith(extra) }
	fill := func(n int, item string) string { return repeatJoin(item, n) }
	members := make([]string, 997) // with id, descriptor_version and status: the limit, 1000
	for i := range members {
		members[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	yamlItems := "id: " + hardeningNSR + "\ndescriptor_version: x\nstatus: offline\nparams:\n  l:\n" + strings.Repeat("  - ["+fill(4990, "1")+"]\n", 4)
	cases := []struct {
		name        string
		body        []byte
		contentType string
		want        int
	}{
		// 5,000 items of two violations each: the most violations the
		// value and item limits let through.
		{"violations-10k", nsr(`,"network_functions":[` + fill(5000, `{"vnfr_id":1}`) + `]`), "", 422},
		{"unknown-members-997", nsr(`,` + strings.Join(members, ",")), "", 422},
		{"valid-values-20k", nsr(`,"params":{"l":[` + fill(4, "["+fill(4990, "1")+"]") + `]}`), "", 200},
		{"over-values-4MiB", nsr(`,"params":[` + fill(5, "["+fill(5000, "1")+"]") + `,"` + strings.Repeat("x", 4<<20-60000) + `"]`), "", 413},
		{"over-items-4MiB", nsr(`,"params":[` + fill(2<<20-100, "1") + `]`), "", 413},
		{"duplicate-after-4MiB", nsr(`,"params":{"s":"` + strings.Repeat("x", 4<<20-200) + `","s":1}`), "", 400},
		{"deep-100", nsr(`,"params":{"x":` + strings.Repeat("[", 98) + strings.Repeat("]", 98) + `}`), "", 200},
		{"yaml-values-20k", []byte(yamlItems), "application/yaml", 200},
		{"yaml-over-values-4MiB", []byte("id: " + hardeningNSR + "\nparams:\n" + strings.Repeat("- 1\n", (4<<20-100)/4)), "application/yaml", 413},
	}
	b.Run("normal-create", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			serveBody(b, h, http.MethodPost, "/vnfrs", env.withID(uuid.NewString()), "", http.StatusOK)
		}
	})
	for _, c := range cases {
		if len(c.body) > 4<<20 {
			b.Fatalf("%s: %d bytes, over MAX_BODY_BYTES", c.name, len(c.body))
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				serveBody(b, h, http.MethodPost, "/nsrs", c.body, c.contentType, c.want)
				if c.want == http.StatusOK {
					serveBody(b, h, http.MethodDelete, "/nsrs/"+hardeningNSR, nil, "", http.StatusOK)
				}
			}
		})
	}
}

// serveBody is serve with a Content-Type ("" is JSON).
func serveBody(b *testing.B, h http.Handler, method, target string, body []byte, contentType string, want int) {
	b.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if body != nil {
		if contentType == "" {
			contentType = "application/json"
		}
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %.300s", method, target, rec.Code, rec.Body)
	}
}
