package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/internal/hostilebody"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// The request-path hardening (issue 11): each finding of the black-box
// probe, as the behaviour a client now sees.

// bigBodyRouter is the service's router with the default body size, for
// bodies past the tests' usual 64 KiB.
func bigBodyRouter(t testing.TB) http.Handler {
	t.Helper()
	cfg := routerConfig(t, newDB(t))
	cfg.MaxBodyBytes = 4 << 20
	return mustRouter(t, cfg)
}

// notStored checks that a refused create stored nothing.
func notStored(t *testing.T, h http.Handler) {
	t.Helper()
	wantError(t, do(t, h, http.MethodGet, "/nsrs/"+hostilebody.ID, nil), http.StatusNotFound, "NOT_FOUND")
}

// Finding 1: the 422 lists 100 violations and counts them all.
func TestViolationsAreCapped(t *testing.T) {
	h := bigBodyRouter(t)
	body := hostilebody.NSR(`,"network_functions":[` + hostilebody.Repeat(`{"vnfr_id":1}`, 4000) + `]`)
	rec := do(t, h, http.MethodPost, "/nsrs", body)
	m := wantError(t, rec, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY")
	violations, _ := m["violations"].([]any)
	total, _ := m["violations_total"].(float64)
	if len(violations) != 100 || total < 4000 {
		t.Fatalf("%d violations listed, total %v; want 100 listed of at least 4000", len(violations), total)
	}
	if want := fmt.Sprintf("%d schema violations in the nsr; 100 are listed", int(total)); m["detail"] != want {
		t.Errorf("detail %q, want %q", m["detail"], want)
	}
	// In pointer order, three of the array's own duplicates, then the
	// items' type errors.
	for i, want := range []string{"/network_functions", "/network_functions", "/network_functions", "/network_functions/0/vnfr_id", "/network_functions/1/vnfr_id"} {
		if got := violations[i].(map[string]any)["pointer"]; got != want {
			t.Errorf("violation %d at %v, want %s", i, got, want)
		}
	}
	if rec.Body.Len() > 32<<10 {
		t.Errorf("answer is %d bytes; want it bounded", rec.Body.Len())
	}
	notStored(t, h)
}

// Finding 1: the structural limits, each named with the setting that
// raises it, are checked before validation.
func TestBodyLimits(t *testing.T) {
	h := bigBodyRouter(t)
	members := make([]string, 1001)
	for i := range members {
		members[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	tests := []struct {
		name    string
		body    []byte
		status  int
		code    string
		setting string
	}{
		{"array items", hostilebody.NSR(`,"network_functions":[` + hostilebody.Repeat("1", 5001) + `]`), 413, "PAYLOAD_TOO_LARGE", "more than 5000 items at /network_functions (MAX_ARRAY_ITEMS)"},
		{"object members", hostilebody.NSR(`,` + strings.Join(members, ",")), 413, "PAYLOAD_TOO_LARGE", "more than 1000 members (MAX_OBJECT_MEMBERS)"},
		{"values", hostilebody.NSR(`,"x":[` + hostilebody.Repeat("["+hostilebody.Repeat("1", 4000)+"]", 5) + `]`), 413, "PAYLOAD_TOO_LARGE", "more than 10000 values at /x/2/1992 (MAX_BODY_VALUES)"},
		{"depth", hostilebody.NSR(`,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100)), 422, "UNPROCESSABLE_ENTITY", "nested more than 100 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := wantError(t, do(t, h, http.MethodPost, "/nsrs", tt.body), tt.status, tt.code)
			if !strings.Contains(m["detail"].(string), tt.setting) {
				t.Errorf("detail %q, want it to say %q", m["detail"], tt.setting)
			}
			notStored(t, h)
		})
	}
	// The limits are the configured ones.
	cfg := routerConfig(t, newDB(t))
	cfg.BodyLimits = document.Limits{MaxValues: 50, MaxArrayItems: 10, MaxObjectMembers: 10, MaxDepth: 100}
	small := mustRouter(t, cfg)
	m := wantError(t, do(t, small, http.MethodPost, "/nsrs", hostilebody.NSR(`,"network_functions":[`+hostilebody.Repeat("1", 11)+`]`)), 413, "PAYLOAD_TOO_LARGE")
	if !strings.Contains(m["detail"].(string), "more than 10 items") {
		t.Errorf("detail %q, want the configured limit", m["detail"])
	}
}

// Finding 4: nothing is changed without an error: duplicate keys, numbers
// a store would round, invalid UTF-8.
func TestInputIsNeverChanged(t *testing.T) {
	h, _ := newRouter(t)
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int
		detail      string
	}{
		{"duplicate id", `{"id":"` + hostilebody.ID + `","descriptor_version":"x","status":"x","id":"2b5bab2a-8286-2b40-4827-dc5d6e37bf8e"}`, "application/json",
			400, `duplicate member "id" at /id`},
		{"duplicate nested key", `{"id":"` + hostilebody.ID + `","descriptor_version":"x","status":"x","vendor":"a","network_functions":[{"vnfr_id":"` + hostilebody.ID + `","vnfr_id":"x"}]}`, "application/json",
			400, `duplicate member "vnfr_id" at /network_functions/0/vnfr_id`},
		{"yaml duplicate key", "id: " + hostilebody.ID + "\ndescriptor_version: x\nstatus: x\nstatus: y\n", "application/yaml",
			400, `duplicate key "status" at /status (line 4)`},
		{"invalid UTF-8", "{\"id\":\"" + hostilebody.ID + "\",\"descriptor_version\":\"x\",\"status\":\"b\xffd\"}", "application/json",
			400, "invalid UTF-8 (byte 0xff) in a string at /status"},
		{"lone surrogate", `{"id":"` + hostilebody.ID + `","descriptor_version":"x","status":"\ud800"}`, "application/json",
			400, `lone surrogate escape \ud800`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := wantError(t, do(t, h, http.MethodPost, "/nsrs", []byte(tt.body), "Content-Type", tt.contentType), tt.status, "BAD_REQUEST")
			if !strings.Contains(m["detail"].(string), tt.detail) {
				t.Errorf("detail %q, want it to contain %q", m["detail"], tt.detail)
			}
			notStored(t, h)
		})
	}
}

// Finding 4: an integer is kept exactly, or refused naming where it is.
func TestNumbersAreKeptExactly(t *testing.T) {
	h, _ := newRouter(t)
	for _, n := range []string{"9223372036854775809", "1000000000000000000000000000001", "0.30000000000000001", "1e400", "-1e-400"} {
		for _, ct := range []string{"application/json", "application/yaml"} {
			if ct == "application/yaml" && strings.Contains(n, "e") {
				continue // YAML reads a float it cannot parse as a string
			}
			body := hostilebody.NSR(`,"params":{"n":` + n + `}`)
			if ct == "application/yaml" {
				body = []byte("id: " + hostilebody.ID + "\ndescriptor_version: x\nstatus: offline\nparams:\n  n: " + n + "\n")
			}
			m := wantError(t, do(t, h, http.MethodPost, "/nsrs", body, "Content-Type", ct), http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY")
			vs, _ := m["violations"].([]any)
			if len(vs) != 1 || vs[0].(map[string]any)["pointer"] != "/params/n" || !strings.Contains(vs[0].(map[string]any)["message"].(string), n) {
				t.Errorf("%s %s: violations %v, want one at /params/n naming the number", ct, n, vs)
			}
			notStored(t, h)
		}
	}
	// The validator never sees a number past a float64 (it would panic on
	// one in a uniqueItems array).
	m := wantError(t, do(t, h, http.MethodPost, "/nsrs", hostilebody.NSR(`,"network_functions":[1e400,1e400]`)), http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY")
	if vs, _ := m["violations"].([]any); len(vs) != 2 {
		t.Errorf("violations %v, want the two numbers", vs)
	}
	// What a record can hold comes back digit for digit.
	body := hostilebody.NSR(`,"params":{"max":9223372036854775807,"min":-9223372036854775808,"big":4611686018427387905,"frac":0.1,"exp":1.5e300}`)
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", body), http.StatusOK)
	got := do(t, h, http.MethodGet, "/nsrs/"+hostilebody.ID, nil).Body.String()
	for _, want := range []string{`"max":9223372036854775807`, `"min":-9223372036854775808`, `"big":4611686018427387905`, `"frac":0.1`, `"exp":1.5e+300`} {
		if !strings.Contains(got, want) {
			t.Errorf("stored record %s lacks %s", got, want)
		}
	}
}

// Finding 4: a refused PUT leaves the record as it was.
func TestRefusedReplaceChangesNothing(t *testing.T) {
	h, _ := newRouter(t)
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", hostilebody.NSR("")), http.StatusOK)
	before := do(t, h, http.MethodGet, "/nsrs/"+hostilebody.ID, nil).Body.String()
	for _, body := range []string{
		`{"descriptor_version":"x","status":"a","status":"b"}`,
		`{"descriptor_version":"x","status":"a","n":18446744073709551616}`,
	} {
		rec := do(t, h, http.MethodPut, "/nsrs/"+hostilebody.ID, []byte(body))
		if rec.Code != 400 && rec.Code != 422 {
			t.Errorf("PUT %s: status %d, want 400 or 422", body, rec.Code)
		}
	}
	if after := do(t, h, http.MethodGet, "/nsrs/"+hostilebody.ID, nil).Body.String(); after != before {
		t.Errorf("record changed by refused PUTs: %s, was %s", after, before)
	}
}

// Finding 5: errors are short and point at the right place.
func TestErrorsAreShortAndExact(t *testing.T) {
	h, _ := newRouter(t)
	long := strings.Repeat("x", 100<<10)
	rec := do(t, h, http.MethodGet, "/vnfrs/"+long, nil)
	m := wantError(t, rec, http.StatusBadRequest, "BAD_REQUEST")
	if rec.Body.Len() > 512 || !strings.Contains(m["detail"].(string), `"xxxx`) {
		t.Errorf("a 100 KB path gives a %d-byte answer: %s", rec.Body.Len(), m["detail"])
	}
	rec = do(t, h, http.MethodGet, "/no/such/"+long, nil)
	if wantError(t, rec, http.StatusNotFound, "NOT_FOUND"); rec.Body.Len() > 512 {
		t.Errorf("a 100 KB unknown path gives a %d-byte answer", rec.Body.Len())
	}
	m = wantError(t, do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"x",`)), http.StatusBadRequest, "BAD_REQUEST")
	if want := "request body is not valid JSON: unexpected end of input: expected a member name in the object opened at byte 0 (at byte 10)"; m["detail"] != want {
		t.Errorf("detail %q, want %q", m["detail"], want)
	}
	// A member name a megabyte long appears cut short in its violation.
	cfg := routerConfig(t, newDB(t))
	cfg.MaxBodyBytes = 4 << 20
	big := mustRouter(t, cfg)
	rec = do(t, big, http.MethodPost, "/nsrs", hostilebody.NSR(`,"`+strings.Repeat("k", 1<<20)+`":1`))
	if wantError(t, rec, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY"); rec.Body.Len() > 2048 {
		t.Errorf("a 1 MB member name gives a %d-byte answer", rec.Body.Len())
	}
}

// Finding 5: X-Forwarded-For names the client only when it comes from a
// trusted proxy.
func TestTrustedProxies(t *testing.T) {
	for _, tt := range []struct {
		trusted []string
		want    string
	}{
		{nil, `"remote":"192.0.2.7"`},
		{[]string{"192.0.2.0/24"}, `"remote":"203.0.113.9"`},
	} {
		var logs bytes.Buffer
		cfg := routerConfig(t, newDB(t))
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
		cfg.TrustedProxies = tt.trusted
		h := mustRouter(t, cfg)
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.RemoteAddr = "192.0.2.7:4711"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if !strings.Contains(logs.String(), tt.want) {
			t.Errorf("trusted %v: log %s, want %s", tt.trusted, logs.String(), tt.want)
		}
	}
	cfg := routerConfig(t, newDB(t))
	cfg.TrustedProxies = []string{"not an address"}
	if _, err := handlers.NewRouter(cfg); err == nil {
		t.Error("a malformed TRUSTED_PROXIES entry is accepted")
	}
}

// Finding 6: no LCM action without a JSON Content-Type (a browser's
// cross-origin POST without a preflight carries none, or a form type).
func TestAPPCNeedsJSONContentType(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	before := getVNF(t, store, vnf)
	body := appcReq{action: appc.Stop, vnf: vnf}.body()
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		rec := do(t, h, http.MethodPost, "/restconf/operations/appc-provider-lcm:stop", body, "Content-Type", ct)
		wantStatus(t, rec, http.StatusUnsupportedMediaType)
		unchanged(t, store, before)
	}
}

// Findings 2 and 3: work stops at the request's deadline (503 TIMEOUT),
// and a client that went away is logged as such, not as an outage.
func TestDeadlineAndCanceledClient(t *testing.T) {
	var logs bytes.Buffer
	db := newDB(t)
	cfg := routerConfig(t, db)
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	cfg.RequestTimeout = 1 // a nanosecond: over before the store is asked
	h := mustRouter(t, cfg)
	wantError(t, do(t, h, http.MethodGet, "/nsrs", nil), http.StatusServiceUnavailable, "TIMEOUT")
	wantError(t, do(t, h, http.MethodPost, "/nsrs", hostilebody.NSR("")), http.StatusServiceUnavailable, "TIMEOUT")
	if !strings.Contains(logs.String(), "request ran past its deadline") {
		t.Errorf("log %s, want the deadline named", logs.String())
	}

	logs.Reset()
	cfg.RequestTimeout = 0
	h = mustRouter(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodGet, "/nsrs", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 499 {
		t.Errorf("canceled request: status %d, want 499", rec.Code)
	}
	if s := logs.String(); !strings.Contains(s, "client went away") || strings.Contains(s, "database unavailable") || !strings.Contains(s, `"status":499`) {
		t.Errorf("log %s, want the client's departure at INFO and no outage", s)
	}
	var e map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["code"] != string(models.CodeCanceled) {
		t.Errorf("body %s", rec.Body.String())
	}
}

// Finding 7: a full store answers 507 on writes and on the readiness
// probes, and recovers by itself once deletes make room.
func TestStorageFull(t *testing.T) {
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "full.db"), MaxBytes: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	cfg := routerConfig(t, db)
	cfg.MaxBodyBytes = 4 << 20
	h := mustRouter(t, cfg)
	wantStatus(t, do(t, h, http.MethodGet, "/readyz", nil), http.StatusOK)
	pad := strings.Repeat("p", 60<<10)
	var stored []string
	var full *httptest.ResponseRecorder
	for i := 0; i < 100 && full == nil; i++ {
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		rec := do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"`+id+`","descriptor_version":"x","status":"offline","params":{"pad":"`+pad+`"}}`))
		switch rec.Code {
		case http.StatusOK:
			stored = append(stored, id)
		default:
			full = rec
		}
	}
	if full == nil {
		t.Fatal("100 records of 60 KB fit in a 4 MB store")
	}
	m := wantError(t, full, http.StatusInsufficientStorage, "INSUFFICIENT_STORAGE")
	if !strings.Contains(m["detail"].(string), "full") {
		t.Errorf("detail %q", m["detail"])
	}
	for _, probe := range []string{"/readyz", "/ping"} {
		wantError(t, do(t, h, http.MethodGet, probe, nil), http.StatusInsufficientStorage, "INSUFFICIENT_STORAGE")
	}
	// Reads still work; deletes make room; then writes and readiness
	// come back without a restart.
	wantStatus(t, do(t, h, http.MethodGet, "/nsrs/"+stored[0], nil), http.StatusOK)
	for _, id := range stored[:len(stored)/2] {
		wantStatus(t, do(t, h, http.MethodDelete, "/nsrs/"+id, nil), http.StatusOK)
	}
	wantStatus(t, do(t, h, http.MethodGet, "/readyz", nil), http.StatusOK)
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", hostilebody.NSR("")), http.StatusOK)
}

// unreadable is a body that fails the test when read.
type unreadable struct{ t *testing.T }

func (u unreadable) Read([]byte) (int, error) {
	u.t.Error("a body declared over MAX_BODY_BYTES was read")
	return 0, io.EOF
}

// A body whose declared length is over MAX_BODY_BYTES is refused unread.
func TestDeclaredTooLargeIsNotRead(t *testing.T) {
	h, _ := newAPPCRouter(t)
	for _, path := range []string{"/nsrs", "/restconf/operations/appc-provider-lcm:stop"} {
		req := httptest.NewRequest(http.MethodPost, path, unreadable{t})
		req.ContentLength = testMaxBody + 1
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		wantStatus(t, rec, http.StatusRequestEntityTooLarge)
	}
}

// stalledDB is a real database whose lists never answer: they wait for
// their request to end, as a scan stuck behind others would.
// stalledDB stalls the lists of records (the identity service's own
// collections answer).
type stalledDB struct{ repo.DB }

func (d stalledDB) Collection(spec repo.CollectionSpec) repo.Collection {
	if !strings.HasPrefix(spec.Name, "auth_") {
		return stalledCollection{d.DB.Collection(spec)}
	}
	return d.DB.Collection(spec)
}

type stalledCollection struct{ repo.Collection }

func (c stalledCollection) List(ctx context.Context, q filter.Query) (filter.Page[repo.Doc], error) {
	<-ctx.Done()
	return filter.Page[repo.Doc]{}, repo.Canceled("list", ctx.Err())
}

// Over a real connection, a request that runs out of time is a 503
// TIMEOUT, never mistaken for a client that went away.
func TestDeadlineOverARealConnection(t *testing.T) {
	cfg := routerConfig(t, stalledDB{newDB(t)})
	cfg.RequestTimeout = 200 * time.Millisecond
	srv := httptest.NewServer(mustRouter(t, cfg))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/nsrs")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"TIMEOUT"`) {
		t.Fatalf("a stalled list answered %d %s, want 503 TIMEOUT", resp.StatusCode, body)
	}
}

// trickle is a body that sends a few bytes of what it declared, then is
// cut off.
type trickle struct{ sent bool }

func (tr *trickle) Read(p []byte) (int, error) {
	if tr.sent {
		return 0, io.ErrUnexpectedEOF
	}
	tr.sent = true
	return copy(p, `{"id":`), nil
}

// A declared length is not a reason to allocate it: a client that
// declares 4 MiB and sends 6 bytes costs the server a small buffer.
func TestDeclaredLengthIsNotAllocated(t *testing.T) {
	h := bigBodyRouter(t)
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/nsrs", &trickle{})
		req.ContentLength = 4 << 20
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	wantError(t, send(), http.StatusBadRequest, "BAD_REQUEST")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 8 {
		send()
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 8; per > 1<<20 {
		t.Errorf("a cut-off body declared at 4 MiB allocated %d bytes", per)
	}
}

// A request's log line repeats at most 2 KiB of its path and of its query.
func TestLogLineIsBounded(t *testing.T) {
	var logs bytes.Buffer
	cfg := routerConfig(t, newDB(t))
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	h := mustRouter(t, cfg)
	long := strings.Repeat("x", 100<<10)
	do(t, h, http.MethodGet, "/vnfrs/"+long+"?q="+long, nil)
	if logs.Len() > 8<<10 || !strings.Contains(logs.String(), `"path":"/vnfrs/xxx`) {
		t.Errorf("a 200 KB URL gives a %d-byte log: %.300s", logs.Len(), logs.String())
	}
}

func (c stalledCollection) Within(r repo.Readers) repo.Collection {
	return stalledCollection{c.Collection.Within(r)}
}
