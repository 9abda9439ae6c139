package handlers_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// An identity test's service: the router (AUTH=token, with the APPC
// engine) on one database, and what it logs.
type authEnv struct {
	h     http.Handler
	db    repo.DB
	svc   *auth.Service
	clock *repotest.Clock
	logs  *syncBuffer
	lcm   *nslcm.Service
}

// syncBuffer is a log sink that many requests write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newAuthEnv is the service with credentials required, on a fresh
// database, on a clock the test moves.
func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	return authEnvOn(t, newDB(t), repotest.NewClock(time.Now().UTC().Truncate(time.Millisecond)))
}

// authEnvOn is another replica on db, sharing clock.
func authEnvOn(t *testing.T, db repo.DB, clock *repotest.Clock) *authEnv {
	t.Helper()
	e := &authEnv{db: db, clock: clock, logs: &syncBuffer{}}
	e.svc = authOn(t, db, auth.Config{Now: clock.Now, Logger: slog.New(slog.NewJSONHandler(e.logs, nil))})
	engine, err := appc.NewEngine(repo.NewAPPCStore(db, nil, nil), appc.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := routerConfig(t, db)
	cfg.Auth, cfg.AuthNone, cfg.APPC = e.svc, false, engine
	e.h, e.lcm = mustRouter(t, cfg), cfg.NSLCM.(*nslcm.Service)
	return e
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func basic(user, password string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// login gets a token as OSM's client does (a JSON body under
// Content-Type: application/yaml, the project by name).
func (e *authEnv) login(t *testing.T, user, password, project string) string {
	t.Helper()
	body := fmt.Sprintf(`{"username": %q, "password": %q, "project_id": %q}`, user, password, project)
	rec := do(t, e.h, http.MethodPost, "/osm/admin/v1/tokens", []byte(body), "Content-Type", "application/yaml")
	wantStatus(t, rec, http.StatusOK)
	m := decodeObject(t, rec)
	tok, _ := m["id"].(string)
	if tok == "" || m["_id"] != tok {
		t.Fatalf("token answer without id: %v", m)
	}
	return tok
}

func (e *authEnv) admin(t *testing.T) string { return e.login(t, "admin", testAdminPassword, "admin") }

// as sends a request with headers (credentials first).
func (e *authEnv) as(t *testing.T, cred []string, method, target string, body []byte, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	return do(t, e.h, method, target, body, append(cred, headers...)...)
}

// mkProject and mkUser create them as admin; a user gets role in project.
func (e *authEnv) mkProject(t *testing.T, name string) {
	t.Helper()
	wantStatus(t, e.as(t, basic("admin", testAdminPassword), http.MethodPost, "/osm/admin/v1/projects", []byte(`{"name":"`+name+`"}`)), http.StatusCreated)
}

func (e *authEnv) mkUser(t *testing.T, name, project, role string) {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":"pw-%s","project_role_mappings":[{"project":%q,"role":%q}]}`, name, name, project, role)
	wantStatus(t, e.as(t, basic("admin", testAdminPassword), http.MethodPost, "/osm/admin/v1/users", []byte(body)), http.StatusCreated)
}

func (e *authEnv) mkRole(t *testing.T, name string, perms map[string]bool) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "permissions": perms})
	wantStatus(t, e.as(t, basic("admin", testAdminPassword), http.MethodPost, "/osm/admin/v1/roles", body), http.StatusCreated)
}

// nsrBody is a valid NSR with a new uuid.
func nsrBody() (string, []byte) {
	id := uuid.NewString()
	return id, []byte(`{"id":"` + id + `","descriptor_version":"1","status":"offline"}`)
}

func TestCredentials(t *testing.T) {
	e := newAuthEnv(t)
	tok := e.admin(t)
	cases := []struct {
		name   string
		header []string
		want   int
		detail string
	}{
		{"none", nil, 401, "credentials are missing"},
		{"bearer", bearer(tok), 200, ""},
		{"bearer, scheme in lower case", []string{"Authorization", "bearer " + tok}, 200, ""},
		{"basic", basic("admin", testAdminPassword), 200, ""},
		{"unknown token", bearer(strings.Repeat("A", 43)), 401, "unknown or revoked"},
		{"not a token", bearer("x"), 401, "invalid token"},
		{"the token's stored id", bearer(strings.Repeat("ab", 32)), 401, "invalid token"},
		{"bearer without a token", []string{"Authorization", "Bearer"}, 401, "needs one token"},
		{"basic, bad password", basic("admin", "nope"), 401, "invalid username or password"},
		{"basic, unknown user", basic("nobody", "nope"), 401, "invalid username or password"},
		{"basic, not base64", []string{"Authorization", "Basic %%%"}, 401, "base64"},
		{"basic, no colon", []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin"))}, 401, "user:password"},
		{"another scheme", []string{"Authorization", "Digest x"}, 401, "not supported"},
		{"a huge header", []string{"Authorization", "Bearer " + strings.Repeat("A", 5000)}, 401, "longer than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := e.as(t, tc.header, http.MethodGet, "/nsrs", nil)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body.String())
			}
			if tc.want != 401 {
				return
			}
			m := wantError(t, rec, 401, "UNAUTHORIZED")
			if d, _ := m["detail"].(string); !strings.Contains(d, tc.detail) {
				t.Errorf("detail %q, want it to say %q", d, tc.detail)
			}
			if got := rec.Header().Values("WWW-Authenticate"); len(got) == 0 || !strings.HasPrefix(got[0], `Bearer realm="`) {
				t.Errorf("WWW-Authenticate %q, want a Bearer challenge", got)
			}
		})
	}
	// Open without credentials: probes, login, the OpenAPI UI.
	for _, p := range []string{"/ping", "/pings", "/healthz", "/readyz", "/nsrs/ping", "/vnfrs/pings", "/records/nsr/ns-instances/ping", "/swagger/index.html"} {
		if rec := do(t, e.h, http.MethodGet, p, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s without credentials: %d", p, rec.Code)
		}
	}
	// Every family needs them: records, aliases, APPC, administration.
	for _, r := range [][2]string{{"GET", "/vnfrs"}, {"POST", "/nsrs"}, {"GET", "/records/vnfr/vnf-instances"},
		{"DELETE", "/nsrs/" + uuid.NewString()}, {"POST", "/restconf/operations/appc-provider-lcm:lock"},
		{"GET", "/osm/admin/v1/users"}, {"GET", "/osm/admin/v1/tokens"}, {"DELETE", "/osm/admin/v1/tokens/x"}} {
		if rec := do(t, e.h, r[0], r[1], []byte(`{}`)); rec.Code != http.StatusUnauthorized {
			t.Errorf("%s %s without credentials: %d, want 401", r[0], r[1], rec.Code)
		}
	}
}

func TestLoginAnswer(t *testing.T) {
	e := newAuthEnv(t)
	rec := do(t, e.h, http.MethodPost, "/osm/admin/v1/tokens",
		[]byte("{\n    \"username\": \"admin\",\n    \"password\": \""+testAdminPassword+"\",\n    \"project_id\": \"admin\"\n}"),
		"Content-Type", "application/yaml", "Accept", "application/json")
	wantStatus(t, rec, http.StatusOK)
	m := decodeObject(t, rec)
	for _, k := range []string{"_id", "id", "issued_at", "expires", "project_id", "project_name", "username", "user_id", "admin", "roles", "remote_host"} {
		if _, ok := m[k]; !ok {
			t.Errorf("token answer has no %s: %v", k, m)
		}
	}
	if m["project_name"] != "admin" || m["username"] != "admin" || m["admin"] != true || m["project_id"] != defaultProject ||
		m["remote_host"] != "192.0.2.1" || m["remote_port"] != float64(1234) { // httptest's client
		t.Errorf("token answer %v", m)
	}
	if exp, iss := m["expires"].(float64), m["issued_at"].(float64); exp-iss != 3600 {
		t.Errorf("expires - issued_at = %v, want 3600 (TOKEN_TTL 1h)", exp-iss)
	}
	roles, _ := m["roles"].([]any)
	if len(roles) != 1 || roles[0].(map[string]any)["name"] != "system_admin" {
		t.Errorf("roles %v", roles)
	}
	tok := m["id"].(string)
	if len(tok) != 43 {
		t.Errorf("token %q: want 43 characters (256 bits)", tok)
	}
	loc := rec.Header().Get("Location")
	if !strings.HasPrefix(loc, "/osm/admin/v1/tokens/") || strings.Contains(loc, tok) {
		t.Errorf("Location %q: want the token's stored id, never the token", loc)
	}
	// The Location names the token; the token by project id works too.
	wantStatus(t, e.as(t, bearer(tok), http.MethodGet, loc, nil), http.StatusOK)
	e.login(t, "admin", testAdminPassword, defaultProject)

	for _, tc := range []struct {
		body, ct string
		want     int
		detail   string
	}{
		{`{"username":"admin","password":"x"}`, "application/json", 401, "invalid username or password"},
		{`{"username":"admin","password":"` + testAdminPassword + `","project_id":"nowhere"}`, "application/json", 401, "holds no role in project"},
		{`{"username":"admin"}`, "application/json", 400, "username and password are required"},
		{`{"username":1,"password":"x"}`, "application/json", 400, "username must be a string"},
		{`[1]`, "application/json", 400, "must be an object"},
		{`{"username":"admin",`, "application/json", 400, ""},
		{"username: admin\npassword: " + testAdminPassword + "\n", "application/yaml", 200, ""},
	} {
		rec := do(t, e.h, http.MethodPost, "/osm/admin/v1/tokens", []byte(tc.body), "Content-Type", tc.ct)
		if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.detail) {
			t.Errorf("POST tokens %s: %d %s, want %d saying %q", tc.body, rec.Code, rec.Body.String(), tc.want, tc.detail)
		}
	}
	// Basic credentials instead of a body.
	rec = e.as(t, basic("admin", testAdminPassword), http.MethodPost, "/osm/admin/v1/tokens", nil)
	wantStatus(t, rec, http.StatusOK)
}

// TestRoleTable: each default role, and two made by an operator (a
// read-only portal, an LCM-only controller), against the routes of every
// family: allowed (any status but 403) or 403.
func TestRoleTable(t *testing.T) {
	e := newAuthEnv(t)
	e.mkRole(t, "portal", map[string]bool{"ns_instances:get": true, "ns_instances:id:get": true, "vnf_instances:get": true, "vnf_instances:id:get": true})
	e.mkRole(t, "controller", map[string]bool{"appc": true})
	roles := []string{"system_admin", "account_manager", "project_admin", "project_user", "portal", "controller"}
	for _, r := range roles {
		e.mkUser(t, "u-"+r, "admin", r)
	}
	nsr, body := nsrBody()
	wantStatus(t, e.as(t, basic("admin", testAdminPassword), http.MethodPost, "/nsrs", body), http.StatusOK)
	vnf := createVNFAs(t, e, basic("admin", testAdminPassword))
	lock := appcReq{action: appc.CheckLock, vnf: vnf}
	// allowed, by role, in roles' order.
	const Y, N = true, false
	routes := []struct {
		method, target string
		body           []byte
		allowed        [6]bool
	}{
		{"GET", "/nsrs", nil, [6]bool{Y, N, Y, Y, Y, N}},
		{"GET", "/nsrs?count", nil, [6]bool{Y, N, Y, Y, Y, N}},
		{"GET", "/records/nsr/ns-instances/" + nsr, nil, [6]bool{Y, N, Y, Y, Y, N}},
		{"POST", "/nsrs", []byte(`{}`), [6]bool{Y, N, Y, Y, N, N}},
		{"PUT", "/nsrs/" + nsr, []byte(`{}`), [6]bool{Y, N, Y, Y, N, N}},
		{"DELETE", "/nsrs/" + uuid.NewString(), nil, [6]bool{Y, N, Y, Y, N, N}},
		{"GET", "/vnfrs/" + vnf, nil, [6]bool{Y, N, Y, Y, Y, N}},
		{"DELETE", "/records/vnfr/vnf-instances/" + uuid.NewString(), nil, [6]bool{Y, N, Y, Y, N, N}},
		{"POST", lock.path(), lock.body(), [6]bool{Y, N, Y, Y, N, Y}},
		{"GET", "/osm/admin/v1/users", nil, [6]bool{Y, Y, N, N, N, N}},
		{"POST", "/osm/admin/v1/users", []byte(`{}`), [6]bool{Y, Y, N, N, N, N}},
		{"DELETE", "/osm/admin/v1/users/nobody", nil, [6]bool{Y, Y, N, N, N, N}},
		{"GET", "/osm/admin/v1/projects", nil, [6]bool{Y, Y, N, N, N, N}},
		{"PATCH", "/osm/admin/v1/projects/admin", []byte(`{}`), [6]bool{Y, Y, N, N, N, N}},
		{"GET", "/osm/admin/v1/roles/portal", nil, [6]bool{Y, Y, N, N, N, N}},
		{"POST", "/osm/admin/v1/roles", []byte(`{}`), [6]bool{Y, Y, N, N, N, N}},
		{"GET", "/osm/admin/v1/tokens", nil, [6]bool{Y, Y, Y, Y, Y, Y}},
		{"GET", "/nsrs?ADMIN", nil, [6]bool{Y, N, N, N, N, N}},
		{"GET", "/nsrs?FORCE=true", nil, [6]bool{Y, N, Y, N, N, N}},
		{"GET", "/nsrs?PUBLIC=true", nil, [6]bool{Y, N, Y, Y, N, N}},
		{"PUT", "/nsrs/" + nsr + "?SET_PROJECT=admin", []byte(`{}`), [6]bool{Y, N, Y, Y, N, N}},
	}
	for i, role := range roles {
		tok := e.login(t, "u-"+role, "pw-u-"+role, "admin")
		for _, r := range routes {
			rec := e.as(t, bearer(tok), r.method, r.target, r.body)
			if rec.Code >= 500 {
				t.Errorf("%s: %s %s answered %d: %s", role, r.method, r.target, rec.Code, rec.Body)
			}
			if got := rec.Code != http.StatusForbidden; got != r.allowed[i] {
				t.Errorf("%s: %s %s answered %d, want allowed=%v", role, r.method, r.target, rec.Code, r.allowed[i])
			}
			if rec.Code == http.StatusForbidden {
				if d := wantError(t, rec, 403, "FORBIDDEN")["detail"].(string); !strings.Contains(d, "is not granted to user u-"+role) {
					t.Errorf("403 detail %q", d)
				}
			}
		}
	}
}

// createVNFAs stores the fixture VNFR through POST /vnfrs as cred.
func createVNFAs(t *testing.T, e *authEnv, cred []string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixture(t, "vnfr/gatekeeper-seed-function-1.json"), &doc); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	doc["id"] = id
	body, _ := json.Marshal(doc)
	wantStatus(t, e.as(t, cred, http.MethodPost, "/vnfrs", body), http.StatusOK)
	return id
}

// TestProjectIsolation: a user of project B never sees, counts, finds,
// pages to, changes, deletes or drives a record of project A: each is a
// 404 (or APPC's VNF-not-found) exactly as for a record that does not
// exist, and the record is unchanged.
func TestProjectIsolation(t *testing.T) {
	e := newAuthEnv(t)
	e.mkProject(t, "A")
	e.mkProject(t, "B")
	e.mkUser(t, "a", "A", "project_admin")
	e.mkUser(t, "b", "B", "project_admin")
	a, b := bearer(e.login(t, "a", "pw-a", "A")), bearer(e.login(t, "b", "pw-b", "B"))
	var aNSRs []string
	for range 5 {
		id, body := nsrBody()
		wantStatus(t, e.as(t, a, http.MethodPost, "/nsrs", body), http.StatusOK)
		aNSRs = append(aNSRs, id)
	}
	bNSR, body := nsrBody()
	wantStatus(t, e.as(t, b, http.MethodPost, "/nsrs", body), http.StatusOK)
	vnf := createVNFAs(t, e, a)
	before := e.as(t, a, http.MethodGet, "/vnfrs/"+vnf, nil).Body.String()

	for _, q := range []string{"", "?status=offline", "?sort=status", "?page_size=1", "?fields=status"} {
		got := lstUUIDs(t, lstDecode(t, e.as(t, b, http.MethodGet, "/nsrs"+q, nil)))
		if len(got) != 1 || got[0] != bNSR {
			t.Errorf("B lists /nsrs%s: %v, want only its own %s", q, got, bNSR)
		}
	}
	if got := decodeObject(t, e.as(t, b, http.MethodGet, "/nsrs?count&status=offline", nil)); got["count"] != float64(1) {
		t.Errorf("B counts %v, want 1", got)
	}
	// A's cursor pages give A's records only, and all of them.
	var paged []string
	next := "/nsrs?page_size=2"
	for next != "" {
		rec := e.as(t, a, http.MethodGet, next, nil)
		wantStatus(t, rec, http.StatusOK)
		paged = append(paged, lstUUIDs(t, lstDecode(t, rec))...)
		if rec.Header().Get("X-Total-Count") != "5" {
			t.Errorf("A's X-Total-Count %q, want 5", rec.Header().Get("X-Total-Count"))
		}
		next = ""
		for _, l := range strings.Split(rec.Header().Get("Link"), ",") {
			if strings.Contains(l, `rel="next"`) {
				next = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(strings.Split(l, ";")[0]), "<"), ">")
			}
		}
	}
	if len(paged) != 5 {
		t.Errorf("A paged through %v, want its 5", paged)
	}

	aNSR := aNSRs[0]
	missing := uuid.NewString()
	for _, id := range []string{aNSR, missing} {
		for _, r := range [][2]string{{"GET", "/nsrs/"}, {"PUT", "/nsrs/"}, {"DELETE", "/nsrs/"}, {"GET", "/records/nsr/ns-instances/"}} {
			var body []byte
			if r[0] == "PUT" {
				body = []byte(`{"id":"` + id + `","descriptor_version":"2","status":"failed"}`)
			}
			m := wantError(t, e.as(t, b, r[0], r[1]+id, body), 404, "NOT_FOUND")
			if want := "nsr " + id + " not found"; m["detail"] != want {
				t.Errorf("B %s %s%s: detail %q, want %q (the same as for no record)", r[0], r[1], id, m["detail"], want)
			}
		}
	}
	wantError(t, do(t, e.h, http.MethodPost, appcReq{action: appc.Lock, vnf: vnf}.path(), appcReq{action: appc.Lock, vnf: vnf}.body()), 401, "UNAUTHORIZED")
	lockAsB := e.as(t, b, http.MethodPost, appcReq{action: appc.Lock, vnf: vnf}.path(), appcReq{action: appc.Lock, vnf: vnf}.body())
	if !strings.Contains(lockAsB.Body.String(), `"code":404`) && !strings.Contains(lockAsB.Body.String(), "not found") {
		t.Errorf("B locks A's VNF: %s, want VNF not found", lockAsB.Body.String())
	}
	if after := e.as(t, a, http.MethodGet, "/vnfrs/"+vnf, nil).Body.String(); after != before {
		t.Errorf("A's VNFR changed under B's calls:\n%s\n%s", before, after)
	}
	if rec := e.as(t, a, http.MethodGet, "/nsrs/"+aNSR, nil); !strings.Contains(rec.Body.String(), `"status":"offline"`) {
		t.Errorf("A's NSR after B's PUT and DELETE: %d %s", rec.Code, rec.Body.String())
	}

	// A system administrator sees every project with ADMIN, some with
	// ADMIN=names, and only their own without.
	adm := bearer(e.admin(t))
	for q, want := range map[string]int{"": 0, "?ADMIN": 6, "?ADMIN=true": 6, "?ADMIN=A": 5, "?ADMIN=A,B": 6, "?ADMIN=B&status=offline": 1} {
		rec := e.as(t, adm, http.MethodGet, "/nsrs"+q, nil)
		if got := len(lstDecode(t, rec)); got != want {
			t.Errorf("admin lists /nsrs%s: %d, want %d", q, got, want)
		}
	}
	wantError(t, e.as(t, adm, http.MethodGet, "/nsrs?ADMIN=nowhere", nil), 422, "UNPROCESSABLE_ENTITY")
	// SET_PROJECT shares A's record with B.
	wantStatus(t, e.as(t, a, http.MethodPut, "/nsrs/"+aNSR+"?SET_PROJECT=B", []byte(`{"descriptor_version":"1","status":"offline"}`)), http.StatusOK)
	wantStatus(t, e.as(t, b, http.MethodGet, "/nsrs/"+aNSR, nil), http.StatusOK)
	// SET_PROJECT on a creation shares it at once.
	id, body := nsrBody()
	wantStatus(t, e.as(t, a, http.MethodPost, "/nsrs?SET_PROJECT=B", body), http.StatusOK)
	wantStatus(t, e.as(t, b, http.MethodGet, "/nsrs/"+id, nil), http.StatusOK)
	// Created on behalf of B by an administrator: B's.
	id, body = nsrBody()
	wantStatus(t, e.as(t, adm, http.MethodPost, "/nsrs?ADMIN=B", body), http.StatusOK)
	wantStatus(t, e.as(t, b, http.MethodGet, "/nsrs/"+id, nil), http.StatusOK)
	wantError(t, e.as(t, a, http.MethodGet, "/nsrs/"+id, nil), 404, "NOT_FOUND")
}

// TestTokenLife: a token expires with the clock; revoked (logout, a
// password change, the user's deletion) it stops working on every
// replica within a second (AUTH_CACHE_TTL), on the one that revoked it at
// once; Basic credentials end at once everywhere.
func TestTokenLife(t *testing.T) {
	e := newAuthEnv(t)
	other := authEnvOn(t, e.db, e.clock) // a second replica on the same database
	e.mkUser(t, "carol", "admin", "project_user")

	tok := e.login(t, "carol", "pw-carol", "admin")
	wantStatus(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), http.StatusOK)
	e.clock.Advance(59 * time.Minute)
	wantStatus(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), http.StatusOK)
	e.clock.Advance(time.Minute)
	m := wantError(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")
	if m["detail"] != "token expired" {
		t.Errorf("expired token: %v", m)
	}
	expired := e.login(t, "carol", "pw-carol", "admin")
	e.clock.Advance(time.Hour)
	fresh := e.login(t, "carol", "pw-carol", "admin")
	var listed []map[string]any
	_ = json.Unmarshal(e.as(t, bearer(fresh), http.MethodGet, "/osm/admin/v1/tokens", nil).Body.Bytes(), &listed)
	if len(listed) != 1 {
		t.Errorf("carol's tokens, one of them expired: %v", listed)
	}
	wantError(t, e.as(t, bearer(fresh), http.MethodGet, "/osm/admin/v1/tokens/"+expired, nil), 404, "NOT_FOUND")

	// Logout on one replica.
	tok = e.login(t, "carol", "pw-carol", "admin")
	wantStatus(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), http.StatusOK)
	list := e.as(t, bearer(tok), http.MethodGet, "/osm/admin/v1/tokens", nil)
	if strings.Contains(list.Body.String(), tok) {
		t.Errorf("the token list shows a token: %s", list.Body.String())
	}
	wantStatus(t, e.as(t, bearer(tok), http.MethodDelete, "/osm/admin/v1/tokens/"+tok, nil), http.StatusNoContent)
	wantError(t, e.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")
	e.clock.Advance(time.Second)
	wantError(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")

	// Another user's token is not found, whoever asks.
	mine := e.login(t, "carol", "pw-carol", "admin")
	adminTok := e.admin(t)
	wantError(t, e.as(t, bearer(mine), http.MethodDelete, "/osm/admin/v1/tokens/"+adminTok, nil), 404, "NOT_FOUND")
	wantStatus(t, e.as(t, bearer(adminTok), http.MethodGet, "/nsrs", nil), http.StatusOK)

	// A password change revokes every token of the user; Basic with the
	// old password stops at once on the other replica too.
	wantStatus(t, other.as(t, basic("carol", "pw-carol"), http.MethodGet, "/nsrs", nil), http.StatusOK)
	wantStatus(t, e.as(t, bearer(mine), http.MethodPatch, "/osm/admin/v1/users/carol", []byte(`{"password":"pw-carol-2"}`)), http.StatusNoContent)
	wantError(t, other.as(t, basic("carol", "pw-carol"), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")
	wantStatus(t, other.as(t, basic("carol", "pw-carol-2"), http.MethodGet, "/nsrs", nil), http.StatusOK)
	e.clock.Advance(time.Second)
	wantError(t, other.as(t, bearer(mine), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")

	// Deleting the user ends its credentials.
	tok = e.login(t, "carol", "pw-carol-2", "admin")
	wantStatus(t, e.as(t, bearer(adminTok), http.MethodDelete, "/osm/admin/v1/users/carol", nil), http.StatusNoContent)
	wantError(t, other.as(t, basic("carol", "pw-carol-2"), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")
	e.clock.Advance(time.Second)
	wantError(t, other.as(t, bearer(tok), http.MethodGet, "/nsrs", nil), 401, "UNAUTHORIZED")

	// The audit log names events, never a password or a token.
	logs := e.logs.String() + other.logs.String()
	for _, secret := range []string{"pw-carol", tok, mine, adminTok, testAdminPassword} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
	for _, ev := range []string{`"event":"login ok"`, `"event":"token revoked"`, `"event":"password changed"`, `"event":"user deleted"`, `"event":"user created"`} {
		if !strings.Contains(logs, ev) {
			t.Errorf("no audit line %s", ev)
		}
	}
}

// TestLoginLock: five failures of a user from an address lock that pair
// for five minutes, whatever the password then; other addresses and users
// are not locked; an unknown user is answered the same.
func TestLoginLock(t *testing.T) {
	e := newAuthEnv(t)
	from := func(addr, user, password string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/osm/admin/v1/tokens",
			strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	basicFrom := func(addr, user, password string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/nsrs", nil)
		req.SetBasicAuth(user, password)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	// Remembered Basic credentials, then the lock: it holds for them too.
	wantStatus(t, basicFrom("192.0.2.7:1000", "admin", testAdminPassword), http.StatusOK)
	for _, user := range []string{"admin", "nobody"} {
		for i := 1; i <= 5; i++ {
			m := wantError(t, from("192.0.2.7:1000", user, "wrong"), 401, "UNAUTHORIZED")
			locked := strings.Contains(m["detail"].(string), "too many failed logins")
			if locked != (i == 5) {
				t.Errorf("%s, failure %d: %q", user, i, m["detail"])
			}
		}
	}
	for _, rec := range []*httptest.ResponseRecorder{from("192.0.2.7:1000", "admin", testAdminPassword), basicFrom("192.0.2.7:1000", "admin", testAdminPassword)} {
		m := wantError(t, rec, 401, "UNAUTHORIZED")
		if !strings.Contains(m["detail"].(string), "too many failed logins") {
			t.Errorf("the right password while locked: %q", m["detail"])
		}
	}
	// Another address (httptest's, 192.0.2.1; X-Forwarded-For is not
	// trusted) is not locked.
	wantStatus(t, e.as(t, basic("admin", testAdminPassword), http.MethodGet, "/nsrs", nil, "X-Forwarded-For", "192.0.2.7"), http.StatusOK)
	wantStatus(t, from("192.0.2.8:1000", "admin", testAdminPassword), http.StatusOK)
	e.clock.Advance(5 * time.Minute)
	wantStatus(t, from("192.0.2.7:1000", "admin", testAdminPassword), http.StatusOK)
	if !strings.Contains(e.logs.String(), `"event":"login locked"`) {
		t.Error("no audit line for the lock")
	}
}

// TestConcurrentBootstrap: replicas starting at once on one empty
// database create one admin, and only one of them reports a password.
func TestConcurrentBootstrap(t *testing.T) {
	db := newDB(t)
	const replicas = 4
	results := make([]auth.Bootstrapped, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		svc, err := auth.NewService(repo.NewAuthStore(db), auth.Config{BcryptCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { results[i], errs[i] = svc.Bootstrap(t.Context(), "") })
	}
	wg.Wait()
	created := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Fatalf("replica %d: %v", i, errs[i])
		}
		if results[i].AdminCreated {
			created++
			if len(results[i].GeneratedPassword) < 20 {
				t.Errorf("generated password %q: want at least 20 characters", results[i].GeneratedPassword)
			}
		} else if results[i].GeneratedPassword != "" {
			t.Errorf("replica %d reports a password for an admin it did not create", i)
		}
	}
	users, err := repo.NewAuthStore(db).ListUsers(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	roles, _ := repo.NewAuthStore(db).ListRoles(t.Context())
	projects, _ := repo.NewAuthStore(db).ListProjects(t.Context())
	if created != 1 || len(users) != 1 || len(roles) != 4 || len(projects) != 1 {
		t.Errorf("%d replicas created the admin; %d users, %d roles, %d projects: want 1, 1, 4, 1", created, len(users), len(roles), len(projects))
	}
}

// TestAccounts: users, projects and roles through OSM's bodies and edits.
func TestAccounts(t *testing.T) {
	e := newAuthEnv(t)
	adm := basic("admin", testAdminPassword)
	for _, p := range []string{"P1", "P2", "P3"} {
		e.mkProject(t, p)
	}
	rec := e.as(t, adm, http.MethodPost, "/osm/admin/v1/users", []byte(`{"username":"dave","password":"pw","projects":["P1","P2"]}`))
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)
	if rec.Header().Get("Location") != "/osm/admin/v1/users/"+id {
		t.Errorf("Location %q", rec.Header().Get("Location"))
	}
	projects := func() []any {
		t.Helper()
		m := decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/users/dave", nil))
		if _, ok := m["password_hash"]; ok || strings.Contains(fmt.Sprint(m), "$2a$") {
			t.Fatalf("a user answer shows the password hash: %v", m)
		}
		ps, _ := m["projects"].([]any)
		return ps
	}
	if got := fmt.Sprint(projects()); got != "[P1 P2]" {
		t.Errorf("projects %s", got)
	}
	for _, tc := range []struct{ edit, want string }{
		{`{"projects":{"$'P1'":null}}`, "[P2]"},
		{`{"projects":{"$+'P3'":"P3"}}`, "[P2 P3]"},
		{`{"projects":{"$'P3'":null,"$+[0]":"P3"}}`, "[P3 P2]"},
		{`{"projects":["P1"]}`, "[P1]"},
		{`{"add_project_role_mappings":[{"project":"P2","role":"project_user"}]}`, "[P1 P2]"},
		{`{"remove_project_role_mappings":[{"project":"P1"}]}`, "[P2]"},
		// removals first: P1 removed (absent anyway) and added back
		{`{"remove_project_role_mappings":[{"project":"P1"}],"add_project_role_mappings":[{"project":"P1","role":"project_user"}]}`, "[P2 P1]"},
		{`{"projects":["P2"]}`, "[P2]"},
	} {
		wantStatus(t, e.as(t, adm, http.MethodPatch, "/osm/admin/v1/users/dave", []byte(tc.edit)), http.StatusNoContent)
		if got := fmt.Sprint(projects()); got != tc.want {
			t.Errorf("after %s: projects %s, want %s", tc.edit, got, tc.want)
		}
	}
	for _, tc := range []struct {
		method, target, body string
		status               int
	}{
		{"POST", "/osm/admin/v1/users", `{"username":"dave","password":"x"}`, 409},
		{"POST", "/osm/admin/v1/users", `{"username":"erin","password":"x","projects":["nowhere"]}`, 422},
		{"POST", "/osm/admin/v1/users", `{"username":"erin"}`, 422},
		{"POST", "/osm/admin/v1/users", `{"username":"erin","password":"` + strings.Repeat("x", 73) + `"}`, 422},
		{"POST", "/osm/admin/v1/users", `{"username":"erin","password":"x","colour":"red"}`, 422},
		{"PATCH", "/osm/admin/v1/users/dave", `{"projects":{"$+[9]":"P1"}}`, 422},
		{"PATCH", "/osm/admin/v1/users/nobody", `{"password":"x"}`, 404},
		{"POST", "/osm/admin/v1/projects", `{"name":"P1"}`, 409},
		{"POST", "/osm/admin/v1/projects", `{"name":""}`, 422},
		{"DELETE", "/osm/admin/v1/projects/P2", ``, 409},    // dave holds a role in it
		{"DELETE", "/osm/admin/v1/projects/admin", ``, 409}, // the default project
		{"PATCH", "/osm/admin/v1/projects/admin", `{"name":"x"}`, 409},
		{"POST", "/osm/admin/v1/roles", `{"name":"r","permissions":{"Bad Name":true}}`, 422},
		{"POST", "/osm/admin/v1/roles", `{"name":"r","permissions":{"x":"yes"}}`, 422},
		{"DELETE", "/osm/admin/v1/roles/project_user", ``, 409}, // dave holds it
		{"DELETE", "/osm/admin/v1/projects/P2?FORCE=true", ``, 204},
		{"DELETE", "/osm/admin/v1/projects/P3", ``, 204},
		{"GET", "/osm/admin/v1/projects/P3", ``, 404},
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		if rec := e.as(t, adm, tc.method, tc.target, body); rec.Code != tc.status {
			t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.target, tc.body, rec.Code, rec.Body.String(), tc.status)
		}
	}
	// A project deleted with FORCE leaves no mapping to it behind.
	if got := projects(); len(got) != 0 {
		t.Errorf("dave's projects after P2 was deleted: %v", got)
	}
	// A project that owns records is in use.
	e.mkProject(t, "P4")
	e.mkUser(t, "frank", "P4", "project_admin")
	_, nsr := nsrBody()
	wantStatus(t, e.as(t, basic("frank", "pw-frank"), http.MethodPost, "/nsrs", nsr), http.StatusOK)
	wantStatus(t, e.as(t, adm, http.MethodDelete, "/osm/admin/v1/users/frank", nil), http.StatusNoContent)
	if rec := e.as(t, adm, http.MethodDelete, "/osm/admin/v1/projects/P4", nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "owns records") {
		t.Errorf("delete a project owning records: %d %s", rec.Code, rec.Body.String())
	}
	// So does one that owns only a VIM account.
	e.mkProject(t, "P5")
	e.mkUser(t, "hank", "P5", "project_admin")
	wantStatus(t, e.as(t, basic("hank", "pw-hank"), http.MethodPost, "/osm/admin/v1/vim_accounts", osmVIM("p5-site")), http.StatusAccepted)
	wantStatus(t, e.as(t, adm, http.MethodDelete, "/osm/admin/v1/users/hank", nil), http.StatusNoContent)
	if rec := e.as(t, adm, http.MethodDelete, "/osm/admin/v1/projects/P5", nil); rec.Code != 409 || !strings.Contains(rec.Body.String(), "VIM accounts") {
		t.Errorf("delete a project owning a VIM account: %d %s", rec.Code, rec.Body.String())
	}
	// Roles: PATCH merges (null removes), PUT replaces.
	e.mkRole(t, "r1", map[string]bool{"a": true, "b": false})
	wantStatus(t, e.as(t, adm, http.MethodPatch, "/osm/admin/v1/roles/r1", []byte(`{"permissions":{"b":null,"c":true}}`)), http.StatusNoContent)
	if got := fmt.Sprint(decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/roles/r1", nil))["permissions"]); got != "map[a:true c:true]" {
		t.Errorf("after PATCH: %s", got)
	}
	wantStatus(t, e.as(t, adm, http.MethodPut, "/osm/admin/v1/roles/r1", []byte(`{"permissions":{"d":true}}`)), http.StatusNoContent)
	if got := fmt.Sprint(decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/roles/r1", nil))["permissions"]); got != "map[d:true]" {
		t.Errorf("after PUT: %s", got)
	}
	// Lists filter as any list does.
	var users []map[string]any
	if err := json.Unmarshal(e.as(t, adm, http.MethodGet, "/osm/admin/v1/users?username=dave", nil).Body.Bytes(), &users); err != nil || len(users) != 1 {
		t.Errorf("users?username=dave: %v %v", users, err)
	}
	// A user reads their own account and changes their own password, and
	// nothing more.
	e.mkUser(t, "gina", "P1", "project_user")
	g := basic("gina", "pw-gina")
	wantStatus(t, e.as(t, g, http.MethodGet, "/osm/admin/v1/users/gina", nil), http.StatusOK)
	wantError(t, e.as(t, g, http.MethodGet, "/osm/admin/v1/users/dave", nil), 403, "FORBIDDEN")
	wantError(t, e.as(t, g, http.MethodPatch, "/osm/admin/v1/users/gina", []byte(`{"projects":["P1","admin"]}`)), 403, "FORBIDDEN")
	wantStatus(t, e.as(t, g, http.MethodPatch, "/osm/admin/v1/users/gina", []byte(`{"password":"pw-gina-2"}`)), http.StatusNoContent)
	wantStatus(t, e.as(t, basic("gina", "pw-gina-2"), http.MethodGet, "/nsrs", nil), http.StatusOK)
}

// TestAuthNone: without credentials every call is a system administrator
// of the default project; what it writes is the default project's.
func TestAuthNone(t *testing.T) {
	e := newAuthEnv(t)
	cfg := routerConfig(t, e.db) // AUTH=none
	none := mustRouter(t, cfg)
	id, body := nsrBody()
	wantStatus(t, do(t, none, http.MethodPost, "/nsrs", body), http.StatusOK)
	wantStatus(t, do(t, none, http.MethodGet, "/osm/admin/v1/users", nil), http.StatusOK)
	wantStatus(t, e.as(t, bearer(e.admin(t)), http.MethodGet, "/nsrs/"+id, nil), http.StatusOK)
	e.mkProject(t, "other")
	e.mkUser(t, "olga", "other", "project_admin")
	wantError(t, e.as(t, basic("olga", "pw-olga"), http.MethodGet, "/nsrs/"+id, nil), 404, "NOT_FOUND")
	if got := len(lstDecode(t, do(t, none, http.MethodGet, "/nsrs?ADMIN", nil))); got != 1 {
		t.Errorf("ADMIN under AUTH=none: %d records", got)
	}
}

// TestMigration: records written before projects existed belong to the
// default project once the service has started, however many replicas
// adopt them at once.
func TestMigration(t *testing.T) {
	db := newDB(t)
	coll := db.Collection(repo.RecordSpec(models.KindNSR))
	for i := range 30 {
		id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
		if _, err := coll.Insert(t.Context(), repo.Doc{ID: id, Body: []byte(`{"descriptor_version":"1","status":"offline"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	e := authEnvOn(t, db, repotest.NewClock(time.Now()))
	var wg sync.WaitGroup
	counts := make([]int, 3)
	for i := range counts {
		wg.Go(func() {
			n, err := repo.NewRecordStore(db).AdoptUnowned(t.Context(), defaultProject)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2]; total != 30 {
		t.Errorf("replicas adopted %v records, want 30 in all", counts)
	}
	if n, _ := repo.NewRecordStore(db).AdoptUnowned(t.Context(), defaultProject); n != 0 {
		t.Errorf("a second run adopted %d", n)
	}
	if got := decodeObject(t, e.as(t, bearer(e.admin(t)), http.MethodGet, "/nsrs?count", nil)); got["count"] != float64(30) {
		t.Errorf("the default project counts %v", got)
	}
}

// TestAdminKeysKeptInLinks: an administrator paging through every
// project follows Link headers that still say ADMIN.
func TestAdminKeysKeptInLinks(t *testing.T) {
	e := newAuthEnv(t)
	e.mkProject(t, "A")
	e.mkUser(t, "a", "A", "project_admin")
	for range 3 {
		_, body := nsrBody()
		wantStatus(t, e.as(t, basic("a", "pw-a"), http.MethodPost, "/nsrs", body), http.StatusOK)
	}
	adm := bearer(e.admin(t))
	rec := e.as(t, adm, http.MethodGet, "/nsrs?ADMIN&page_size=2", nil)
	link := rec.Header().Get("Link")
	if rec.Header().Get("X-Total-Count") != "3" || !strings.Contains(link, "ADMIN") {
		t.Fatalf("X-Total-Count %q, Link %q: want 3, and ADMIN kept", rec.Header().Get("X-Total-Count"), link)
	}
	for _, l := range strings.Split(link, ",") {
		if strings.Contains(l, `rel="next"`) {
			next := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(strings.Split(l, ";")[0]), "<"), ">")
			if got := len(lstDecode(t, e.as(t, adm, http.MethodGet, next, nil))); got != 1 {
				t.Errorf("the next page %s has %d records, want 1", next, got)
			}
		}
	}
}

// TestAPPCPermissionSpellings: an APPC action needs its permission
// whichever spelling of its rpc the URL uses.
func TestAPPCPermissionSpellings(t *testing.T) {
	e := newAuthEnv(t)
	e.mkRole(t, "no-modify", map[string]bool{"vnf_instances": true, "appc": true, "appc:config-modify": false})
	e.mkRole(t, "lock-check", map[string]bool{"appc:check-lock": true})
	e.mkUser(t, "m", "admin", "no-modify")
	e.mkUser(t, "l", "admin", "lock-check")
	vnf := createVNFAs(t, e, basic("admin", testAdminPassword))
	for _, tc := range []struct {
		user, rpc string
		allowed   bool
	}{
		{"m", "config-modify", false}, {"m", "configmodify", false}, {"m", "lock", true},
		{"l", "check-lock", true}, {"l", "checklock", true}, {"l", "lock", false},
	} {
		r := appcReq{action: appc.ConfigModify, vnf: vnf}
		if tc.rpc == "lock" {
			r.action = appc.Lock
		} else if strings.Contains(tc.rpc, "lock") {
			r.action = appc.CheckLock
		}
		rec := e.as(t, basic(tc.user, "pw-"+tc.user), http.MethodPost, "/restconf/operations/appc-provider-lcm:"+tc.rpc, r.body())
		if got := rec.Code != http.StatusForbidden; got != tc.allowed {
			t.Errorf("%s calls %s: %d %s, want allowed=%v", tc.user, tc.rpc, rec.Code, rec.Body.String(), tc.allowed)
		}
	}
}

// TestBasicExclusive: on the embedded store (Exclusive), remembered Basic
// credentials are not read again, yet a new password or a deletion
// through the service ends them at once.
func TestBasicExclusive(t *testing.T) {
	db := newDB(t)
	cfg := routerConfig(t, db)
	cfg.AuthNone, cfg.Auth = false, authOn(t, db, auth.Config{Exclusive: true})
	h := mustRouter(t, cfg)
	adm := basic("admin", testAdminPassword)
	wantStatus(t, do(t, h, http.MethodPost, "/osm/admin/v1/users", []byte(`{"username":"ed","password":"pw-ed","projects":["admin"]}`), adm...), http.StatusCreated)
	ed := basic("ed", "pw-ed")
	wantStatus(t, do(t, h, http.MethodGet, "/nsrs", nil, ed...), http.StatusOK)
	wantStatus(t, do(t, h, http.MethodPatch, "/osm/admin/v1/users/ed", []byte(`{"password":"pw-ed-2"}`), adm...), http.StatusNoContent)
	wantError(t, do(t, h, http.MethodGet, "/nsrs", nil, ed...), 401, "UNAUTHORIZED")
	ed = basic("ed", "pw-ed-2")
	wantStatus(t, do(t, h, http.MethodGet, "/nsrs", nil, ed...), http.StatusOK)
	wantStatus(t, do(t, h, http.MethodDelete, "/osm/admin/v1/users/ed", nil, adm...), http.StatusNoContent)
	wantError(t, do(t, h, http.MethodGet, "/nsrs", nil, ed...), 401, "UNAUTHORIZED")
}

// TestRevocationWithoutCache: with AUTH_CACHE_TTL=0 (CacheTTL < 0) a
// replica reads every token in the database: a logout on one ends the
// token on the other at once.
func TestRevocationWithoutCache(t *testing.T) {
	db := newDB(t)
	replica := func() http.Handler {
		cfg := routerConfig(t, db)
		cfg.AuthNone, cfg.Auth = false, authOn(t, db, auth.Config{CacheTTL: -1})
		return mustRouter(t, cfg)
	}
	one, two := replica(), replica()
	rec := do(t, one, http.MethodPost, "/osm/admin/v1/tokens", []byte(`{"username":"admin","password":"`+testAdminPassword+`"}`))
	wantStatus(t, rec, http.StatusOK)
	tok := decodeObject(t, rec)["id"].(string)
	wantStatus(t, do(t, two, http.MethodGet, "/nsrs", nil, bearer(tok)...), http.StatusOK)
	wantStatus(t, do(t, one, http.MethodDelete, "/osm/admin/v1/tokens", nil, bearer(tok)...), http.StatusNoContent)
	wantError(t, do(t, two, http.MethodGet, "/nsrs", nil, bearer(tok)...), 401, "UNAUTHORIZED")
}

// TestSelfIsResolvedAsTheTarget: "your own account" is the account the
// reference resolves to (an id first, then a name): a user whose name is
// another user's id neither reads nor changes that user.
func TestSelfIsResolvedAsTheTarget(t *testing.T) {
	e := newAuthEnv(t)
	adm := basic("admin", testAdminPassword)
	rec := e.as(t, adm, http.MethodGet, "/osm/admin/v1/users/admin", nil)
	wantStatus(t, rec, http.StatusOK)
	adminID := decodeObject(t, rec)["_id"].(string)
	e.mkUser(t, adminID, "admin", "project_user")
	mallory := basic(adminID, "pw-"+adminID)
	wantError(t, e.as(t, mallory, http.MethodGet, "/osm/admin/v1/users/"+adminID, nil), http.StatusForbidden, "FORBIDDEN")
	wantError(t, e.as(t, mallory, http.MethodPatch, "/osm/admin/v1/users/"+adminID, []byte(`{"password":"taken-over-1"}`)), http.StatusForbidden, "FORBIDDEN")
	wantStatus(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/users/admin", nil), http.StatusOK) // the admin's password holds
	// Their own account, by its id, they do change.
	rec = e.as(t, adm, http.MethodGet, "/osm/admin/v1/users/"+url.PathEscape(adminID), nil)
	wantStatus(t, rec, http.StatusOK)
	rec = e.as(t, adm, http.MethodGet, "/osm/admin/v1/users?username="+url.QueryEscape(adminID), nil)
	wantStatus(t, rec, http.StatusOK)
	var ownID string
	for _, u := range decodeList(t, rec) {
		if u["username"] == adminID {
			ownID = u["_id"].(string)
		}
	}
	if ownID == "" {
		t.Fatal("the user is not listed")
	}
	wantStatus(t, e.as(t, mallory, http.MethodPatch, "/osm/admin/v1/users/"+ownID, []byte(`{"password":"my-own-new-1"}`)), http.StatusNoContent)
}

// TestAdminListQueries: the administration lists read their query as
// every list does: a malformed or unsupported one is a 400, paging and
// count apply.
func TestAdminListQueries(t *testing.T) {
	e := newAuthEnv(t)
	adm := basic("admin", testAdminPassword)
	for _, name := range []string{"u1", "u2", "u3"} {
		e.mkUser(t, name, "admin", "project_user")
	}
	for _, q := range []string{"page_size=abc", "limit=-1", "%zz", "sort=username", "nextpage_opaque_marker=x"} {
		wantError(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/users?"+q, nil), http.StatusBadRequest, "BAD_REQUEST")
	}
	wantError(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/users", nil, "Query-String-Format", "xml"), http.StatusBadRequest, "BAD_REQUEST")
	rec := e.as(t, adm, http.MethodGet, "/osm/admin/v1/users?offset=1&limit=2", nil)
	wantStatus(t, rec, http.StatusOK)
	if n := len(decodeList(t, rec)); n != 2 || rec.Header().Get("X-Total-Count") != "4" {
		t.Fatalf("offset=1&limit=2 of 4 users: %d listed, X-Total-Count %q", n, rec.Header().Get("X-Total-Count"))
	}
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/users?count&username.neq=admin", nil)); got["count"] != float64(3) {
		t.Fatalf("count: %v", got)
	}
}

// TestLoginProjectPrecedence: of the project's three names in a token
// request, project_id wins, whatever the order of the members.
func TestLoginProjectPrecedence(t *testing.T) {
	e := newAuthEnv(t)
	e.mkProject(t, "Q")
	e.mkUser(t, "ann", "Q", "project_user")
	body := []byte(`{"username": "ann", "password": "pw-ann", "project_name": "admin", "project": "admin", "project_id": "Q"}`)
	for range 10 {
		rec := do(t, e.h, http.MethodPost, "/osm/admin/v1/tokens", body)
		wantStatus(t, rec, http.StatusOK)
		if got := decodeObject(t, rec)["project_name"]; got != "Q" {
			t.Fatalf("logged in to %v, want Q", got)
		}
	}
}
