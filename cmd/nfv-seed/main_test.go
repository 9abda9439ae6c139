package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
	"github.com/nfv-records/nfv-records/schemas"
)

// testEnv is the environment run sees (getenv): empty unless a test sets
// it, so that the NFV_* variables of whoever runs the tests do not count.
var testEnv = map[string]string{}

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// testEnviron is run's environ in tests: testEnv, and no default
// password file (a test names the file it wants read).
func testEnviron() environ {
	return environ{
		getenv:       func(name string) string { return testEnv[name] },
		passwordFile: filepath.Join(os.TempDir(), "nfv-seed-test-no-such-dir", "admin-password"),
	}
}

// setEnv sets a variable of testEnv for the test.
func setEnv(t *testing.T, name, value string) {
	t.Helper()
	testEnv[name] = value
	t.Cleanup(func() { delete(testEnv, name) })
}

// fakeService stands in for nfv-records: POST /nsrs and /vnfrs answer 200
// for a new id, 409 for one already stored and 500 for failID; /ping answers
// 503 pingFailures times, then pong.
type fakeService struct {
	failID       string
	pingFailures int

	mu     sync.Mutex
	stored map[string]bool // "path id"
	posts  []string        // "POST path id", in arrival order
	bodies map[string][]byte
}

func newFakeService(preload ...string) *fakeService {
	f := &fakeService{stored: map[string]bool{}, bodies: map[string][]byte{}}
	for _, k := range preload {
		f.stored[k] = true
	}
	return f
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	answer := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, code, detail string) {
		answer(status, map[string]any{"code": code, "status": status, "detail": detail})
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/ping":
		if f.pingFailures > 0 {
			f.pingFailures--
			fail(http.StatusServiceUnavailable, "UNAVAILABLE", "database unavailable")
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "pong")
	case r.Method == http.MethodPost && (r.URL.Path == "/nsrs" || r.URL.Path == "/vnfrs"):
		body, err := io.ReadAll(r.Body)
		if err != nil {
			fail(http.StatusBadRequest, "INVALID", err.Error())
			return
		}
		var rec struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &rec); err != nil {
			fail(http.StatusBadRequest, "INVALID", "malformed JSON")
			return
		}
		f.posts = append(f.posts, "POST "+r.URL.Path+" "+rec.ID)
		f.bodies[r.URL.Path+" "+rec.ID] = body
		key := r.URL.Path + " " + rec.ID
		switch {
		case r.Header.Get("Content-Type") != "application/json":
			fail(http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "want application/json")
		case rec.ID == f.failID:
			fail(http.StatusInternalServerError, "INTERNAL", "internal error")
		case f.stored[key]:
			fail(http.StatusConflict, "CONFLICT", rec.ID+" already exists")
		default:
			f.stored[key] = true
			answer(http.StatusOK, map[string]any{"uuid": rec.ID})
		}
	default:
		fail(http.StatusNotFound, "NOT_FOUND", "no route for "+r.Method+" "+r.URL.Path)
	}
}

func (f *fakeService) postsSeen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.posts)
}

// writeFixtures lays out a fixtures directory: two NSRs, one VNFR, and
// files the seed must leave alone.
func writeFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"nsr/n2.json":      `{"id": "n2"}`,
		"nsr/n1.json":      `{"id": "n1"}`,
		"nsr/sub/n9.json":  `{"id": "n9"}`, // sub-folders are not walked
		"vnfr/v1.json":     `{"id": "v1"}`,
		"vnfr/notes.txt":   `not a record`,
		"invalid/bad.json": `{"id": "bad", "vendor": "x"}`,
		"README.md":        `# fixtures`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestRun(t *testing.T) {
	allPosts := []string{"POST /nsrs n1", "POST /nsrs n2", "POST /vnfrs v1"}
	tests := []struct {
		name         string
		preload      []string // records the fake already holds
		failID       string
		pingFailures int
		args         []string // besides -url and -dir
		emptyDir     bool
		wantExit     int
		wantPosts    []string
		wantOut      []string // substrings of stdout
		wantErr      string   // substring of stderr
	}{
		{
			name:      "all new",
			wantExit:  0,
			wantPosts: allPosts,
			wantOut: []string{
				"nsr/n1.json   POST /nsrs  200 loaded (uuid n1)",
				"vnfr/v1.json  POST /vnfrs 200 loaded (uuid v1)",
				"3 files: 3 loaded, 0 already there, 0 failed",
			},
		},
		{
			name:      "all already there",
			preload:   []string{"/nsrs n1", "/nsrs n2", "/vnfrs v1"},
			wantExit:  0,
			wantPosts: allPosts,
			wantOut: []string{
				"nsr/n2.json   POST /nsrs  409 already there",
				"3 files: 0 loaded, 3 already there, 0 failed",
			},
		},
		{
			name:      "some already there",
			preload:   []string{"/nsrs n2"},
			wantExit:  0,
			wantPosts: allPosts,
			wantOut:   []string{"3 files: 2 loaded, 1 already there, 0 failed"},
		},
		{
			name:      "one refused: every file still tried, exit 1",
			failID:    "n1",
			wantExit:  1,
			wantPosts: allPosts,
			wantOut: []string{
				"nsr/n1.json   POST /nsrs  500 FAILED: INTERNAL: internal error",
				"3 files: 2 loaded, 0 already there, 1 failed",
			},
		},
		{
			name:         "waits for ping",
			pingFailures: 3,
			wantExit:     0,
			wantPosts:    allPosts,
			wantOut:      []string{"3 loaded"},
		},
		{
			name:         "ping never ready",
			pingFailures: 1 << 30,
			args:         []string{"-wait", "600ms"},
			wantExit:     1,
			wantErr:      "not ready after 600ms",
		},
		{
			name:     "no record files",
			emptyDir: true,
			wantExit: 1,
			wantErr:  "no *.json files",
		},
		{
			name:     "bad url",
			args:     []string{"-url", "ftp://example.org"},
			wantExit: 2,
			wantErr:  "want http://host:port",
		},
		{
			name:     "stray argument",
			args:     []string{"extra"},
			wantExit: 2,
			wantErr:  `unexpected argument "extra"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFakeService(tt.preload...)
			fake.failID, fake.pingFailures = tt.failID, tt.pingFailures
			srv := httptest.NewServer(fake)
			defer srv.Close()
			dir := writeFixtures(t)
			if tt.emptyDir {
				dir = t.TempDir()
			}
			args := append([]string{"-url", srv.URL + "/", "-dir", dir}, tt.args...)
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), args, &stdout, &stderr, srv.Client(), testEnviron())
			if got != tt.wantExit {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.wantExit, &stdout, &stderr)
			}
			if posts := fake.postsSeen(); !slices.Equal(posts, tt.wantPosts) {
				t.Errorf("posted %q, want %q", posts, tt.wantPosts)
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, &stdout)
				}
			}
			// Beyond the "waiting" notice, stderr is for errors only.
			if rest := strings.TrimPrefix(stderr.String(), waitingLine(stderr.String())); tt.wantErr == "" && rest != "" {
				t.Errorf("unexpected stderr: %s", rest)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q: %s", tt.wantErr, &stderr)
			}
		})
	}
}

func TestRunServiceNotReachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	var stdout, stderr bytes.Buffer
	got := run(context.Background(), []string{"-url", url, "-dir", writeFixtures(t), "-wait", "500ms"}, &stdout, &stderr, http.DefaultClient, testEnviron())
	if got != 1 {
		t.Errorf("exit %d, want 1", got)
	}
	for _, want := range []string{"not ready after 500ms", "not reachable", "connection refused"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q: %s", want, &stderr)
		}
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout should be empty: %s", &stdout)
	}
}

// TestRunRepositoryFixtures seeds the real fixtures twice: every file of
// nsr/ and vnfr/ goes, byte for byte, to its collection, and nothing from
// invalid/; the second run finds them all already there.
func TestRunRepositoryFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures")
	want := map[string][]byte{} // "path id" -> file content
	for _, c := range collections {
		files, err := filepath.Glob(filepath.Join(dir, c.folder, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no fixtures in %s/%s: %v", dir, c.folder, err)
		}
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(body, &rec); err != nil || rec.ID == "" {
				t.Fatalf("%s: no id: %v", file, err)
			}
			key := c.path + " " + rec.ID
			if _, dup := want[key]; dup {
				t.Fatalf("%s: id %s used twice in %s", file, rec.ID, c.folder)
			}
			want[key] = body
		}
	}

	fake := newFakeService()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	for i, wantSummary := range []string{
		fmt.Sprintf("%d files: %d loaded, 0 already there, 0 failed", len(want), len(want)),
		fmt.Sprintf("%d files: 0 loaded, %d already there, 0 failed", len(want), len(want)),
	} {
		var stdout, stderr bytes.Buffer
		if got := run(context.Background(), []string{"-url", srv.URL, "-dir", dir}, &stdout, &stderr, srv.Client(), testEnviron()); got != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i+1, got, &stdout, &stderr)
		}
		if !strings.Contains(stdout.String(), wantSummary) {
			t.Errorf("run %d: stdout lacks %q:\n%s", i+1, wantSummary, &stdout)
		}
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.bodies) != len(want) {
		t.Errorf("%d distinct records posted, want %d", len(fake.bodies), len(want))
	}
	for key, body := range want {
		if !bytes.Equal(fake.bodies[key], body) {
			t.Errorf("%s: posted body differs from the file", key)
		}
	}
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "http://localhost:4012", want: "http://localhost:4012"},
		{in: "http://localhost:4012/", want: "http://localhost:4012"},
		{in: "https://mano.example.org/records/", want: "https://mano.example.org/records"},
		{in: "localhost:4012", wantErr: true},
		{in: "http://", wantErr: true},
		{in: "http://h:1/?a=b", wantErr: true},
		{in: "://bad", wantErr: true},
	}
	for _, tt := range tests {
		got, err := baseURL(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("baseURL(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{
			name: "error body",
			body: `{"code":"CONFLICT","status":409,"detail":"nsr n1 already exists"}`,
			want: "CONFLICT: nsr n1 already exists",
		},
		{
			name: "schema violations",
			body: `{"code":"UNPROCESSABLE_ENTITY","status":422,"detail":"1 schema violation in the nsr","violations":[{"pointer":"/vendor","message":"Additional property vendor is not allowed"}]}`,
			want: "UNPROCESSABLE_ENTITY: 1 schema violation in the nsr: /vendor: Additional property vendor is not allowed",
		},
		{
			name: "many violations",
			body: `{"code":"UNPROCESSABLE_ENTITY","detail":"5 schema violations","violations":[{"pointer":"/a","message":"m"},{"pointer":"/b","message":"m"},{"pointer":"/c","message":"m"},{"pointer":"/d","message":"m"},{"pointer":"/e","message":"m"}]}`,
			want: "UNPROCESSABLE_ENTITY: 5 schema violations: /a: m; /b: m; /c: m; and 2 more",
		},
		{name: "plain text", body: "upstream\n  timed out\n", want: "upstream timed out"},
		{name: "long text", body: strings.Repeat("x", 300), want: strings.Repeat("x", 200) + "..."},
		{name: "empty", body: "", want: "(empty answer)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe([]byte(tt.body)); got != tt.want {
				t.Errorf("describe = %q, want %q", got, tt.want)
			}
		})
	}
}

// waitingLine is the leading "waiting up to ..." notice of stderr, if any.
func waitingLine(stderr string) string {
	if !strings.HasPrefix(stderr, "nfv-seed: waiting up to ") {
		return ""
	}
	line, _, _ := strings.Cut(stderr, "\n")
	return line + "\n"
}

// testAdminPassword is the bootstrap admin's password of realService.
const testAdminPassword = "seed-test-admin-password"

// realService is the service's own router on a fresh embedded store, with
// user admin (password testAdminPassword), under AUTH=token or AUTH=none.
func realService(t *testing.T, authNone bool) *httptest.Server {
	t.Helper()
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "records.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := auth.NewService(repo.NewAuthStore(db), auth.Config{BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ids.Bootstrap(t.Context(), testAdminPassword); err != nil {
		t.Fatal(err)
	}
	h, err := handlers.NewRouter(handlers.Config{
		Records:           records.NewService(repo.NewRecordStore(db), v, records.Config{}),
		Database:          db,
		ComplexAttributes: v.ComplexAttributes,
		MaxBodyBytes:      4 << 20, // the service's default
		Auth:              ids,
		AuthNone:          authNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// loginToken is a token of admin from POST /osm/admin/v1/tokens.
func loginToken(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	body := `{"username":"admin","password":"` + testAdminPassword + `","project_id":"admin"}`
	resp, err := srv.Client().Post(srv.URL+tokensPath, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.ID == "" {
		t.Fatalf("login: %s, %v, token %q", resp.Status, err, tok.ID)
	}
	return tok.ID
}

// repositoryFixtures is how many record files fixtures/ holds.
func repositoryFixtures(t *testing.T) (dir string, n int) {
	t.Helper()
	dir = filepath.Join("..", "..", "fixtures")
	for _, c := range collections {
		files, err := filepath.Glob(filepath.Join(dir, c.folder, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		n += len(files)
	}
	if n == 0 {
		t.Fatalf("no fixtures in %s", dir)
	}
	return dir, n
}

// vnfrCount is how many VNFRs srv holds, read as the admin.
func vnfrCount(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/vnfrs?count", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", testAdminPassword)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /vnfrs?count: %s %s", resp.Status, b)
	}
	return strings.TrimSpace(string(b))
}

// TestRunRealRouter seeds the repository's fixtures into the service's own
// router: under AUTH=token with the admin's password (given, from the
// environment, from a file) or a token, and under AUTH=none without
// credentials; and shows what a refusal says.
func TestRunRealRouter(t *testing.T) {
	dir, n := repositoryFixtures(t)
	loaded := fmt.Sprintf("%d files: %d loaded, 0 already there, 0 failed", n, n)
	there := fmt.Sprintf("%d files: 0 loaded, %d already there, 0 failed", n, n)
	env := testEnviron()
	seedOnce := func(t *testing.T, srv *httptest.Server, args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		args = append([]string{"-url", srv.URL, "-dir", dir, "-wait", "5s"}, args...)
		code := run(context.Background(), args, &stdout, &stderr, srv.Client(), env)
		return code, stdout.String(), strings.TrimPrefix(stderr.String(), waitingLine(stderr.String()))
	}
	wantRun := func(t *testing.T, code int, stdout, stderr string, wantCode int, wantOut, wantErr []string) {
		t.Helper()
		if code != wantCode {
			t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, wantCode, stdout, stderr)
		}
		for _, w := range wantOut {
			if !strings.Contains(stdout, w) {
				t.Errorf("stdout lacks %q:\n%s", w, stdout)
			}
		}
		for _, w := range wantErr {
			if !strings.Contains(stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, stderr)
			}
		}
		if len(wantErr) == 0 && stderr != "" {
			t.Errorf("unexpected stderr:\n%s", stderr)
		}
	}
	// how is the advice every refusal ends with.
	how := []string{"-password or NFV_PASSWORD", "-password-file", "-token or NFV_TOKEN"}

	t.Run("token mode, password", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv, "-password", testAdminPassword)
		wantRun(t, code, out, errOut, 0, []string{loaded}, nil)
		if got := vnfrCount(t, srv); got == `{"count":0}` {
			t.Errorf("no VNFR stored: %s", got)
		}
		// Again, the password from the environment: all there.
		setEnv(t, "NFV_PASSWORD", testAdminPassword)
		code, out, errOut = seedOnce(t, srv)
		wantRun(t, code, out, errOut, 0, []string{there}, nil)
	})

	t.Run("token mode, password file", func(t *testing.T) {
		srv := realService(t, false)
		file := filepath.Join(t.TempDir(), "admin-password")
		if err := os.WriteFile(file, []byte(testAdminPassword+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := seedOnce(t, srv, "-password-file", file)
		wantRun(t, code, out, errOut, 0, []string{loaded}, nil)
		// The default file is read when it exists.
		defer func(old string) { env.passwordFile = old }(env.passwordFile)
		env.passwordFile = file
		code, out, errOut = seedOnce(t, srv)
		wantRun(t, code, out, errOut, 0, []string{there}, nil)
	})

	t.Run("token mode, token", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv, "-token", loginToken(t, srv))
		wantRun(t, code, out, errOut, 0, []string{loaded}, nil)
		setEnv(t, "NFV_TOKEN", loginToken(t, srv))
		code, out, errOut = seedOnce(t, srv)
		wantRun(t, code, out, errOut, 0, []string{there}, nil)
	})

	t.Run("token mode, wrong password", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv, "-password", "not-the-password")
		wantRun(t, code, out, errOut, 1, nil, append([]string{"log in as user admin with -password refused (401 UNAUTHORIZED: invalid username or password)"}, how...))
		if out != "" {
			t.Errorf("a refused login posts nothing; stdout:\n%s", out)
		}
		if got := vnfrCount(t, srv); got != `{"count":0}` {
			t.Errorf("VNFRs stored: %s", got)
		}
	})

	t.Run("token mode, wrong password from the file", func(t *testing.T) {
		srv := realService(t, false)
		file := filepath.Join(t.TempDir(), "admin-password")
		if err := os.WriteFile(file, []byte("stale\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := seedOnce(t, srv, "-password-file", file)
		wantRun(t, code, out, errOut, 1, nil, append([]string{"with the password in " + file + " refused (401"}, how...))
	})

	t.Run("token mode, no credentials", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv)
		wantRun(t, code, out, errOut, 1,
			[]string{"401 FAILED: UNAUTHORIZED: credentials are missing", fmt.Sprintf("%d files: 0 loaded, 0 already there, %d failed", n, n)},
			append([]string{"the service asks for credentials (401"}, how...))
	})

	t.Run("token mode, bad token", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv, "-token", strings.Repeat("A", 43))
		wantRun(t, code, out, errOut, 1, []string{"401 FAILED: UNAUTHORIZED: invalid token"},
			append([]string{"the service refused -token (401"}, how...))
	})

	t.Run("token mode, missing password file", func(t *testing.T) {
		srv := realService(t, false)
		code, out, errOut := seedOnce(t, srv, "-password-file", filepath.Join(t.TempDir(), "none"))
		wantRun(t, code, out, errOut, 1, nil, []string{"-password-file: open"})
	})

	t.Run("AUTH=none, no credentials", func(t *testing.T) {
		srv := realService(t, true)
		code, out, errOut := seedOnce(t, srv)
		wantRun(t, code, out, errOut, 0, []string{loaded}, nil)
	})
}

// TestRunSendsToken: the token of one login goes on every POST.
func TestRunSendsToken(t *testing.T) {
	var mu sync.Mutex
	var logins int
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/ping":
			_, _ = io.WriteString(w, "pong")
		case r.Method == http.MethodPost && r.URL.Path == tokensPath:
			var req map[string]string
			_ = json.NewDecoder(r.Body).Decode(&req)
			if req["username"] != "ops" || req["password"] != "pw" || req["project_id"] != "tenant" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			logins++
			_, _ = io.WriteString(w, `{"_id":"tok","id":"tok"}`)
		default:
			seen = append(seen, r.Header.Get("Authorization"))
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"uuid":"x"}`)
		}
	}))
	defer srv.Close()
	setEnv(t, "NFV_USER", "ops")
	setEnv(t, "NFV_PROJECT", "tenant")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-url", srv.URL, "-dir", writeFixtures(t), "-password", "pw"}, &stdout, &stderr, srv.Client(), testEnviron()); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	if logins != 1 || len(seen) != 3 || slices.ContainsFunc(seen, func(h string) bool { return h != "Bearer tok" }) {
		t.Errorf("%d logins, Authorization headers %q; want 1 login and 3 x Bearer tok", logins, seen)
	}
}
