package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRecords(t *testing.T) {
	fixture, err := os.ReadFile("../../fixtures/vnfr/gatekeeper-seed-function-1.json")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := newRecords(fixture, 7)
	if err != nil {
		t.Fatal(err)
	}
	// About a fifth of the records have a VDU with more than 4 vCPUs.
	if share := float64(recs.matching) / float64(len(recs.pool)); share < 0.15 || share > 0.23 {
		t.Errorf("content filter share %.3f, want about 0.19", share)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	const id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
	var doc map[string]any
	if err := json.Unmarshal(recs.body(rng, id), &doc); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	if doc["id"] != id {
		t.Errorf("id = %v, want %s", doc["id"], id)
	}
	vdus, _ := doc["virtual_deployment_units"].([]any)
	if len(vdus) < 1 || len(vdus) > 3 {
		t.Errorf("%d VDUs, want 1 to 3", len(vdus))
	}
	if doc["status"] == nil || doc["descriptor_reference"] == nil || doc["virtual_links"] == nil {
		t.Errorf("body lacks the fixture's fields: %v", doc)
	}
}

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	p50, p90, p99, mx := percentiles(d)
	if p50 != 50 || p90 != 90 || p99 != 99 || mx != 100 {
		t.Errorf("percentiles = %v %v %v %v, want 50 90 99 100", p50, p90, p99, mx)
	}
	if a, b, c, e := percentiles(nil); a+b+c+e != 0 {
		t.Error("percentiles of nothing are not zero")
	}
}

func TestSummarizeLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stderr")
	log := `{"time":"x","level":"WARN","msg":"slow","ms":3}
{"time":"y","level":"WARN","msg":"slow","ms":4}
{"time":"z","level":"ERROR","msg":"boom"}
panic: oops
`
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := summarizeLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != 4 || sum.Levels["WARN"] != 2 || sum.Levels["ERROR"] != 1 || sum.Levels["other"] != 1 {
		t.Errorf("summary %+v", sum)
	}
	if len(sum.Messages) != 3 || sum.Messages[0].Count != 2 {
		t.Errorf("messages %+v", sum.Messages)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-records", "500", "-big", "0", "-duration", "3s"}, io.Discard)
	if err != nil || o.records != 500 || o.big != 0 || o.duration != 3*time.Second || o.clients != 8 || !o.only["auth"] {
		t.Errorf("parseFlags = %+v, %v", o, err)
	}
	if o, err := parseFlags([]string{"-scenarios", "auth"}, io.Discard); err != nil || !o.only["auth"] || o.only["get"] {
		t.Errorf("-scenarios auth: %v, %v", o.only, err)
	}
	for _, args := range [][]string{{"-records", "50"}, {"-records", "1000", "-big", "1000"}, {"-clients", "0"}, {"extra"}, {"-scenarios", "get,nope"}} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%s) accepted", strings.Join(args, " "))
		}
	}
}

// TestJudge: the targets are met at their bound and missed below it, a
// phase-2 scenario without a target gets no check, and the table shows the
// checks' verdicts.
func TestJudge(t *testing.T) {
	r := &report{
		Phases: []phase{
			{Name: "10k", Scenarios: []result{{Name: "get", Ratio: 0.35}, {Name: "page100", Ratio: 0.0149}}},
			{Name: "100k", Scenarios: []result{{Name: "get", Ratio: 0.01}, {Name: "put", Ratio: 0.03}}},
		},
		Filter: &latency{Records: 100_000, N: 3, OK: 3, P90MS: 300},
		RSS:    &rssResult{Clients: 64, PeakMiB: 150.5, Scenarios: []result{{Name: "page100", Late: 64, LateMaxMS: 20, P50: 5}}},
		Server: serverStats{Exit: "exit 0"},
	}
	r.judge()
	want := map[string]bool{
		"get at 10k": true, "page100 at 10k": false, "put at 100k": true,
		"content filter at 100k": true, "peak RSS, 64 list clients": false,
	}
	got := map[string]bool{}
	for _, c := range r.Checks {
		got[c.Name] = c.Pass
	}
	if !maps.Equal(got, want) || r.Pass {
		t.Errorf("checks %v, pass %v; want %v, false", got, r.Pass, want)
	}
	if len(r.Notes) != 0 {
		t.Errorf("notes %q, want none (requests in flight at the end are not a queue)", r.Notes)
	}
	var out strings.Builder
	r.print(&out)
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 12 || strings.TrimSpace(f[1]) == "scenario" {
			continue
		}
		name := strings.TrimSpace(f[1]) + " at " + strings.TrimSpace(f[0])
		verdict := strings.TrimSpace(f[11])
		if pass, ok := want[name]; ok != (verdict != "") || ok && (verdict == "PASS") != pass {
			t.Errorf("table row %q: verdict %q, check %v (%v)", name, verdict, pass, ok)
		}
	}
}

// TestJudgeHostile: a body answered otherwise than expected, or over the
// CPU or memory target, fails its check; the GET beside the posters is
// judged on its p99.
func TestJudgeHostile(t *testing.T) {
	for _, tt := range []struct {
		name   string
		bodies []hostileResult
		getP99 float64
		want   map[string]bool
	}{
		{"within", []hostileResult{{Name: "a", Status: 422, Want: 422, CPUSeconds: 1, GrowthMiB: 64}}, 100,
			map[string]bool{"hostile bodies answered": true, "hostile body CPU": true, "hostile body memory": true, "GET beside 4 hostile posters": true}},
		{"over", []hostileResult{{Name: "a", Status: 422, Want: 413, CPUSeconds: 1.01}, {Name: "b", Status: 400, Want: 400, GrowthMiB: 65}}, 101,
			map[string]bool{"hostile bodies answered": false, "hostile body CPU": false, "hostile body memory": false, "GET beside 4 hostile posters": false}},
	} {
		r := &report{Server: serverStats{Exit: "exit 0"}, Hostile: &hostileRun{Bodies: tt.bodies, HeavyClients: 4,
			GetBeside: result{OK: 10, P99: tt.getP99}}}
		r.judge()
		got := map[string]bool{}
		for _, c := range r.Checks {
			got[c.Name] = c.Pass
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("%s: checks %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStatCPU(t *testing.T) {
	line := []byte("4711 (nfv records) S 1 4711 4711 0 -1 4194560 2630 0 0 0 123 45 0 0 20 0 9 0 100 0 0")
	if got, err := statCPU(line); err != nil || got != 1680*time.Millisecond {
		t.Errorf("statCPU = %v, %v; want 1.68s", got, err)
	}
	if _, err := statCPU([]byte("4711 (x) S 1")); err == nil {
		t.Error("a short line parses")
	}
}

// TestLogin: the token of POST /osm/admin/v1/tokens becomes a Bearer
// header; a refusal is an error, a binary without the route errNoLogin.
func TestLogin(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		if r.Method != http.MethodPost || r.URL.Path != tokensPath || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.NotFound(w, r)
			return
		}
		if req["username"] != "admin" || req["password"] != "pw" || req["project_id"] != "admin" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":"UNAUTHORIZED"}`)
			return
		}
		_, _ = io.WriteString(w, `{"_id":"tok","id":"tok"}`)
	}))
	defer srv.Close()
	ctx := context.Background()
	if got, err := login(ctx, srv.URL, "admin", "pw", "admin"); err != nil || got != "Bearer tok" {
		t.Errorf("login = %q, %v; want Bearer tok", got, err)
	}
	if _, err := login(ctx, srv.URL, "admin", "wrong", "admin"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a wrong password: %v, want a 401 error", err)
	}
	old := httptest.NewServer(http.NotFoundHandler())
	defer old.Close()
	if _, err := login(ctx, old.URL, "admin", "pw", "admin"); !errors.Is(err, errNoLogin) {
		t.Errorf("no login route: %v, want errNoLogin", err)
	}
}

// TestScenarioCredentials: every scenario sends the worker's token but
// healthz, which sends none; get-basic sends Basic credentials, get-none
// nothing, to its own process.
func TestScenarioCredentials(t *testing.T) {
	type seen struct{ server, path, authz string }
	var mu sync.Mutex
	var got []seen
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = append(got, seen{name, r.URL.Path, r.Header.Get("Authorization")})
			mu.Unlock()
			_, _ = io.WriteString(w, "{}")
		})
	}
	mainSrv, noneSrv := httptest.NewServer(handler("main")), httptest.NewServer(handler("none"))
	defer mainSrv.Close()
	defer noneSrv.Close()
	fixture, err := os.ReadFile("../../fixtures/vnfr/gatekeeper-seed-function-1.json")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := newRecords(fixture, 7)
	if err != nil {
		t.Fatal(err)
	}
	known := &ids{list: []string{"id1"}}
	basic := basicAuthz("admin", "pw")
	w := newWorker(0, endpoint{base: mainSrv.URL, authz: "Bearer tok"}, 1)
	for _, s := range []scenario{healthz(), getByID(known), getBasic(known, basic), getNone(endpoint{base: noneSrv.URL}, known),
		page100(), put(recs, known), create(recs, known)} {
		if status, err := s.do(context.Background(), w); err != nil || status != http.StatusOK {
			t.Fatalf("%s: %d %v", s.name, status, err)
		}
	}
	want := []seen{
		{"main", "/healthz", ""},
		{"main", "/vnfrs/id1", "Bearer tok"},
		{"main", "/vnfrs/id1", basic},
		{"none", "/vnfrs/id1", ""},
		{"main", "/vnfrs", "Bearer tok"},
		{"main", "/vnfrs/id1", "Bearer tok"},
		{"main", "/vnfrs", "Bearer tok"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("requests\n%v\nwant\n%v", got, want)
	}
}

// TestAuthCompare: the auth comparison reads phase 1's three GETs.
func TestAuthCompare(t *testing.T) {
	a := &authRun{}
	a.compare(phase{Scenarios: []result{{Name: "get", ReqPerSec: 900}, {Name: "get-basic", ReqPerSec: 500}, {Name: "get-none", ReqPerSec: 1000}}})
	if a.BearerKeeps != 0.9 || a.BasicKeeps != 0.5 {
		t.Errorf("bearer keeps %v, basic %v; want 0.9, 0.5", a.BearerKeeps, a.BasicKeeps)
	}
	a = &authRun{NoneServer: &serverStats{Exit: "exit 0", Log: logSummary{Messages: []logMessage{
		{Level: "WARN", Msg: "AUTH=none: every call acts as a system administrator", Count: 1},
		{Level: "ERROR", Msg: "boom", Count: 2},
	}}}}
	if n, samples := a.unexpected(); n != 2 || len(samples) != 1 {
		t.Errorf("unexpected lines %d %q, want 2 of one message", n, samples)
	}
}
