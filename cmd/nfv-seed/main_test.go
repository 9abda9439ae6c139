package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
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
// 503 pingFailures times, then pong. Its catalogue routes take a package
// by its Content-Filename: 201 for a new one, 409 for one already stored,
// 422 for a Content-File-MD5 that does not match, for an NSD sent as a
// VNFD (fakeNSD), and for an NSD of missing sent without FORCE=true.
type fakeService struct {
	failID       string
	pingFailures int
	missing      map[string]string // Content-Filename -> the VNFDs it lacks

	mu      sync.Mutex
	stored  map[string]bool // "path id"
	posts   []string        // "POST path id", in arrival order
	bodies  map[string][]byte
	headers map[string]http.Header // "path id" -> the request's headers
}

// fakeNSD is how the fake tells an NSD from a VNFD: the service parses
// them; this is enough for the fixtures.
var fakeNSD = regexp.MustCompile(`(?m)^(nsd:|nsd-catalog:|nsd:nsd-catalog:|network_functions:)|service-descriptor`)

func newFakeService(preload ...string) *fakeService {
	f := &fakeService{stored: map[string]bool{}, bodies: map[string][]byte{}, headers: map[string]http.Header{}}
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
	case r.Method == http.MethodPost && (r.URL.Path == vnfdRoute || r.URL.Path == nsdRoute):
		body, err := io.ReadAll(r.Body)
		if err != nil {
			fail(http.StatusBadRequest, "INVALID", err.Error())
			return
		}
		name := r.Header.Get("Content-Filename")
		force := r.URL.Query().Get("FORCE") == "true"
		post := "POST " + r.URL.Path + " " + name
		if force {
			post += " FORCE"
		}
		f.posts = append(f.posts, post)
		key := r.URL.Path + " " + name
		f.bodies[key], f.headers[key] = body, r.Header.Clone()
		sum := md5.Sum(body)
		switch {
		case r.Header.Get("Content-File-MD5") != hex.EncodeToString(sum[:]):
			fail(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "Content-File-MD5 does not match")
		case r.URL.Path == vnfdRoute && fakeNSD.Match(body):
			fail(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "this is an NSD, not a VNFD: onboard it at "+nsdRoute)
		case r.URL.Path == nsdRoute && f.missing[name] != "" && !force:
			fail(http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY", "the NSD names VNFDs this project has not onboarded: "+f.missing[name]+" (onboard them first, or FORCE=true)")
		case f.stored[key]:
			fail(http.StatusConflict, "CONFLICT", "a descriptor with id "+name+" exists in this project")
		default:
			f.stored[key] = true
			answer(http.StatusCreated, map[string]any{"id": "id-" + name})
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
	writeTree(t, dir, files)
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
				"3 records, 0 descriptors: 3 loaded, 0 already there, 0 failed",
			},
		},
		{
			name:      "all already there",
			preload:   []string{"/nsrs n1", "/nsrs n2", "/vnfrs v1"},
			wantExit:  0,
			wantPosts: allPosts,
			wantOut: []string{
				"nsr/n2.json   POST /nsrs  409 already there",
				"3 records, 0 descriptors: 0 loaded, 3 already there, 0 failed",
			},
		},
		{
			name:      "some already there",
			preload:   []string{"/nsrs n2"},
			wantExit:  0,
			wantPosts: allPosts,
			wantOut:   []string{"3 records, 0 descriptors: 2 loaded, 1 already there, 0 failed"},
		},
		{
			name:      "one refused: every file still tried, exit 1",
			failID:    "n1",
			wantExit:  1,
			wantPosts: allPosts,
			wantOut: []string{
				"nsr/n1.json   POST /nsrs  500 FAILED: INTERNAL: internal error",
				"3 records, 0 descriptors: 2 loaded, 0 already there, 1 failed",
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
// invalid/; every descriptor of descriptors/ goes, byte for byte, with its
// Content-Type, Content-Filename and Content-File-MD5, to the VNF packages
// and, the NSDs, to the NS descriptors (the package to both); the second
// run finds them all already there.
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
	records := len(want)
	descriptors, packages := repositoryDescriptors(t, dir)
	// The posts expected: each descriptor as a VNFD, the NSDs again as
	// NSDs, then each package as both.
	var wantPosts []string
	var nsds []string
	wantType := map[string]string{} // "path id" -> Content-Type
	for _, file := range descriptors {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		wantPosts = append(wantPosts, "POST "+vnfdRoute+" "+name)
		want[vnfdRoute+" "+name], wantType[vnfdRoute+" "+name] = body, "text/plain"
		if fakeNSD.Match(body) { // sent as a VNFD first, then as an NSD
			nsds = append(nsds, "POST "+nsdRoute+" "+name)
			want[nsdRoute+" "+name], wantType[nsdRoute+" "+name] = body, "text/plain"
		}
	}
	wantPosts = append(wantPosts, nsds...)
	for _, file := range packages {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		wantPosts = append(wantPosts, "POST "+vnfdRoute+" "+name, "POST "+nsdRoute+" "+name)
		for _, route := range []string{vnfdRoute, nsdRoute} {
			want[route+" "+name], wantType[route+" "+name] = body, "application/zip"
		}
	}
	nDesc := len(descriptors) + 2*len(packages)
	if len(nsds) == 0 || len(nsds) == len(descriptors) || len(packages) == 0 {
		t.Fatalf("fixtures/descriptors: %d descriptors of which %d NSDs, %d packages: want VNFDs, NSDs and a package", len(descriptors), len(nsds), len(packages))
	}

	fake := newFakeService()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	for i, wantSummary := range []string{
		fmt.Sprintf("%d records, %d descriptors: %d loaded, 0 already there, 0 failed", records, nDesc, records+nDesc),
		fmt.Sprintf("%d records, %d descriptors: 0 loaded, %d already there, 0 failed", records, nDesc, records+nDesc),
	} {
		var stdout, stderr bytes.Buffer
		if got := run(context.Background(), []string{"-url", srv.URL, "-dir", dir}, &stdout, &stderr, srv.Client(), testEnviron()); got != 0 {
			t.Fatalf("run %d: exit %d\n%s%s", i+1, got, &stdout, &stderr)
		}
		if !strings.Contains(stdout.String(), wantSummary) {
			t.Errorf("run %d: stdout lacks %q:\n%s", i+1, wantSummary, &stdout)
		}
		if lines := strings.Count(stdout.String(), "\n"); lines != records+nDesc+1 {
			t.Errorf("run %d: %d lines, want one per upload and the summary:\n%s", i+1, lines, &stdout)
		}
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	var onboarded []string
	for _, p := range fake.posts[:len(fake.posts)/2] {
		if !strings.HasPrefix(p, "POST /nsrs") && !strings.HasPrefix(p, "POST /vnfrs") {
			onboarded = append(onboarded, p)
		}
	}
	if !slices.Equal(onboarded, wantPosts) {
		t.Errorf("catalogue posts of the first run:\n%s\nwant:\n%s", strings.Join(onboarded, "\n"), strings.Join(wantPosts, "\n"))
	}
	if len(fake.bodies) != len(want) {
		t.Errorf("%d distinct files posted, want %d", len(fake.bodies), len(want))
	}
	for key, body := range want {
		if !bytes.Equal(fake.bodies[key], body) {
			t.Errorf("%s: posted body differs from the file", key)
		}
		if ct, ok := wantType[key]; ok {
			h := fake.headers[key]
			sum := md5.Sum(body)
			if h.Get("Content-Type") != ct || h.Get("Content-File-MD5") != hex.EncodeToString(sum[:]) || h.Get("Accept") != "application/json" {
				t.Errorf("%s: Content-Type %q, Content-File-MD5 %q, Accept %q; want %q, the file's MD5, application/json",
					key, h.Get("Content-Type"), h.Get("Content-File-MD5"), h.Get("Accept"), ct)
			}
		}
	}
}

// repositoryDescriptors are the bare descriptors of dir/descriptors (its
// sonata/, osm/ and sol006/ folders, each by name) and its packages.
func repositoryDescriptors(t *testing.T, dir string) (descriptors, packages []string) {
	t.Helper()
	for _, folder := range []string{"sonata", "osm", "sol006"} {
		var found []string
		for _, pattern := range []string{"*.yml", "*.yaml", "*.json"} {
			m, err := filepath.Glob(filepath.Join(dir, "descriptors", folder, pattern))
			if err != nil {
				t.Fatal(err)
			}
			found = append(found, m...)
		}
		if len(found) == 0 {
			t.Fatalf("no descriptors in %s/descriptors/%s", dir, folder)
		}
		slices.Sort(found)
		descriptors = append(descriptors, found...)
	}
	packages, err := filepath.Glob(filepath.Join(dir, "descriptors", "packages", "*.tgo"))
	if err != nil {
		t.Fatal(err)
	}
	return descriptors, packages
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

// realService is the service's own router, with its catalogue, on a fresh
// embedded store, with user admin (password testAdminPassword), under
// AUTH=token or AUTH=none.
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
		Catalogue:         catalogue.NewService(repo.NewCatalogueStore(db), catalogue.Limits{}, v),
		MaxPackageBytes:   handlers.DefaultMaxPackageBytes,
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

// repositoryFixtures is how many record files fixtures/ holds, and how
// many descriptors its descriptors/ folder onboards (a package twice).
func repositoryFixtures(t *testing.T) (dir string, n, descriptors int) {
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
	files, packages := repositoryDescriptors(t, dir)
	return dir, n, len(files) + 2*len(packages)
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
	dir, n, d := repositoryFixtures(t)
	loaded := fmt.Sprintf("%d records, %d descriptors: %d loaded, 0 already there, 0 failed", n, d, n+d)
	there := fmt.Sprintf("%d records, %d descriptors: 0 loaded, %d already there, 0 failed", n, d, n+d)
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
			[]string{"401 FAILED: UNAUTHORIZED: credentials are missing", fmt.Sprintf("%d records, %d descriptors: 0 loaded, 0 already there, %d failed", n, d, n+d)},
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

// writeDescriptorFixtures lays out a fixtures directory holding only
// descriptors: VNFDs and an NSD in the onboarded folders, a package, and
// files and folders the seed must leave alone.
func writeDescriptorFixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"descriptors/sonata/b-nsd.yml":      "network_functions: []\n",
		"descriptors/sonata/a-vnfd.yml":     "virtual_deployment_units: []\n",
		"descriptors/osm/x-vnfd.json":       `{"vnfd:vnfd-catalog": {}}`,
		"descriptors/osm/notes.txt":         "not a descriptor",
		"descriptors/osm/icons/i.png":       "\x89PNG",
		"descriptors/sol006/c-nsd.YAML":     "nsd:\n  nsd: []\n",
		"descriptors/packages/p.tgo":        "PK\x03\x04",
		"descriptors/packages/q.tar.gz":     "\x1f\x8b",
		"descriptors/packages/README.md":    "# packages",
		"descriptors/elsewhere/z-vnfd.yaml": "virtual_deployment_units: []\n",
	}
	writeTree(t, dir, files)
	return dir
}

// TestRunDescriptors: each descriptor goes first as a VNFD, those the
// service calls NSDs again as NSDs once every VNFD is sent (plainly, then
// with FORCE=true when VNFDs they name are missing), then each package to
// both; with their Content-Type, and one line each.
func TestRunDescriptors(t *testing.T) {
	fake := newFakeService()
	fake.missing = map[string]string{"c-nsd.YAML": "org.example.a, org.example.b"}
	fake.stored[vnfdRoute+" q.tar.gz"] = true
	srv := httptest.NewServer(fake)
	defer srv.Close()
	dir := writeDescriptorFixtures(t)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-url", srv.URL, "-dir", dir}, &stdout, &stderr, srv.Client(), testEnviron()); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, &stdout, &stderr)
	}
	wantPosts := []string{
		"POST " + vnfdRoute + " a-vnfd.yml",
		"POST " + vnfdRoute + " b-nsd.yml",
		"POST " + vnfdRoute + " x-vnfd.json",
		"POST " + vnfdRoute + " c-nsd.YAML",
		"POST " + nsdRoute + " b-nsd.yml",
		"POST " + nsdRoute + " c-nsd.YAML",
		"POST " + nsdRoute + " c-nsd.YAML FORCE",
		"POST " + vnfdRoute + " p.tgo",
		"POST " + nsdRoute + " p.tgo",
		"POST " + vnfdRoute + " q.tar.gz",
		"POST " + nsdRoute + " q.tar.gz",
	}
	if posts := fake.postsSeen(); !slices.Equal(posts, wantPosts) {
		t.Errorf("posted:\n%s\nwant:\n%s", strings.Join(posts, "\n"), strings.Join(wantPosts, "\n"))
	}
	for key, ct := range map[string]string{
		vnfdRoute + " a-vnfd.yml":  "text/plain",
		vnfdRoute + " x-vnfd.json": "application/json",
		nsdRoute + " c-nsd.YAML":   "text/plain",
		nsdRoute + " p.tgo":        "application/zip",
		vnfdRoute + " q.tar.gz":    "application/gzip",
	} {
		if got := fake.headers[key].Get("Content-Type"); got != ct {
			t.Errorf("%s: Content-Type %q, want %q", key, got, ct)
		}
	}
	out := stdout.String()
	for _, want := range []string{
		"descriptors/sonata/a-vnfd.yml  POST " + vnfdRoute + " 201 loaded (_id id-a-vnfd.yml)\n",
		"descriptors/sonata/b-nsd.yml   POST " + nsdRoute + "   201 loaded (_id id-b-nsd.yml)\n",
		"descriptors/sol006/c-nsd.YAML  POST " + nsdRoute + "   201 loaded (_id id-c-nsd.YAML); sent again with FORCE=true: it names VNFDs not onboarded (org.example.a, org.example.b)\n",
		"descriptors/packages/p.tgo     POST " + nsdRoute + "   201 loaded (_id id-p.tgo)\n",
		"descriptors/packages/q.tar.gz  POST " + vnfdRoute + " 409 already there\n",
		"0 records, 8 descriptors: 7 loaded, 1 already there, 0 failed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 9 {
		t.Errorf("%d lines, want 8 and the summary:\n%s", n, out)
	}
	if strings.Contains(out, "z-vnfd") || strings.Contains(out, "notes.txt") || strings.Contains(out, "README") || strings.Contains(out, "i.png") {
		t.Errorf("a file outside the descriptor folders, or not a descriptor, was sent:\n%s", out)
	}
}

// catalogueEntry is what the tests read of an entry of the catalogue.
type catalogueEntry struct {
	UUID   string `json:"_id"`
	ID     string `json:"id"`
	Format string `json:"format"`
	Admin  struct {
		OnboardingState string `json:"onboardingState"`
		Storage         struct {
			Filename string `json:"filename"`
			MD5      string `json:"md5"`
		} `json:"storage"`
	} `json:"_admin"`
}

// getAs GETs path from srv as admin: its status and body.
func getAs(t *testing.T, srv *httptest.Server, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", testAdminPassword)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// catalogueList is the entries of a catalogue list, by descriptor id.
func catalogueList(t *testing.T, srv *httptest.Server, path string) map[string]catalogueEntry {
	t.Helper()
	status, b := getAs(t, srv, path)
	var entries []catalogueEntry
	if err := json.Unmarshal(b, &entries); status != http.StatusOK || err != nil {
		t.Fatalf("GET %s: %d %v %s", path, status, err, b)
	}
	out := map[string]catalogueEntry{}
	for _, e := range entries {
		if _, dup := out[e.ID]; dup {
			t.Errorf("GET %s: descriptor id %s twice", path, e.ID)
		}
		out[e.ID] = e
	}
	return out
}

// TestRunRealRouterCatalogue seeds the repository's fixtures into the
// service's own router: every descriptor is onboarded, the VNFDs as VNF
// packages and the NSDs as NS descriptors (the service tells which is
// which), with the file's name and MD5, and the package as both; the
// second run finds them all there.
func TestRunRealRouterCatalogue(t *testing.T) {
	dir, n, d := repositoryFixtures(t)
	srv := realService(t, false)
	for i, want := range []string{
		fmt.Sprintf("%d records, %d descriptors: %d loaded, 0 already there, 0 failed", n, d, n+d),
		fmt.Sprintf("%d records, %d descriptors: 0 loaded, %d already there, 0 failed", n, d, n+d),
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"-url", srv.URL, "-dir", dir, "-wait", "5s", "-password", testAdminPassword}, &stdout, &stderr, srv.Client(), testEnviron())
		if code != 0 || !strings.Contains(stdout.String(), want) {
			t.Fatalf("run %d: exit %d, want 0 and %q\nstdout:\n%s\nstderr:\n%s", i+1, code, want, &stdout, &stderr)
		}
		if strings.Contains(stdout.String(), "FORCE") {
			t.Errorf("run %d: the fixtures' NSDs name only VNFDs of the fixtures, yet FORCE=true was used:\n%s", i+1, &stdout)
		}
	}

	tgo := "eu.5gtango.ns-package-example.0.1.tgo"
	wantVNFDs := map[string]string{ // descriptor id -> file
		"eu.5gtango.cloudnative-vnf": "cnf-vnfd.yml", "eu.5gtango.ubuntu-vnf": "default-vnfd.yml",
		"eu.sonata-nfv.firewall-vnf": "firewall-vnfd.yml", "eu.sonata-nfv.iperf-vnf": "iperf-vnfd.yml",
		"eu.sonata-nfv.tcpdump-vnf": "tcpdump-vnfd.yml", "eu.sonata-nfv.vtc-vnf": "vtc-vnfd.yml",
		"cirros_vnfd": "cirros_vnfd.yaml", "hackfest1-vnf": "osm_vnfd.yaml",
		"hackfest_basic-vnf": "hackfest_basic_vnfd.yaml", "eu.5gtango.myvnf": tgo,
		"cirros_scale_vnfd": "cirros_scale_vnfd.yaml",
	}
	wantNSDs := map[string]string{
		"eu.5gtango.default-nsd": "default-nsd.yml", "eu.sonata-nfv.service-descriptor.simplest-example": "simplest-example.yml",
		"eu.sonata-nfv.service-descriptor.sonata-demo": "sonata-demo.yml", "cirros_nsd": "cirros_nsd.yaml",
		"hackfest1-ns": "osm_nsd.yaml", "hackfest_basic-ns": "hackfest_basic_nsd.yaml", "eu.5gtango.myns": tgo,
		"cirros_scale_nsd": "cirros_scale_nsd.yaml",
	}
	if len(wantVNFDs)+len(wantNSDs) != d {
		t.Fatalf("the test knows %d descriptors, fixtures/descriptors onboards %d: update the test", len(wantVNFDs)+len(wantNSDs), d)
	}
	files := map[string]string{} // file name -> path
	descriptors, packages := repositoryDescriptors(t, dir)
	for _, f := range append(descriptors, packages...) {
		files[filepath.Base(f)] = f
	}
	for _, c := range []struct {
		list, content string
		want          map[string]string
	}{
		{"/osm/vnfpkgm/v1/vnf_packages", "package_content", wantVNFDs},
		{"/osm/nsd/v1/ns_descriptors", "nsd_content", wantNSDs},
	} {
		got := catalogueList(t, srv, c.list)
		if len(got) != len(c.want) {
			t.Errorf("GET %s: %d entries, want %d", c.list, len(got), len(c.want))
		}
		for id, name := range c.want {
			e, ok := got[id]
			if !ok {
				t.Errorf("GET %s: no %s (from %s)", c.list, id, name)
				continue
			}
			body, err := os.ReadFile(files[name])
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(body)
			if e.Admin.OnboardingState != "ONBOARDED" || e.Admin.Storage.Filename != name || e.Admin.Storage.MD5 != hex.EncodeToString(sum[:]) {
				t.Errorf("%s %s: onboardingState %q, filename %q, md5 %q; want ONBOARDED, %q, the file's MD5",
					c.list, id, e.Admin.OnboardingState, e.Admin.Storage.Filename, e.Admin.Storage.MD5, name)
			}
			status, content := getAs(t, srv, c.list+"/"+e.UUID+"/"+c.content)
			if status != http.StatusOK || !bytes.Equal(content, body) {
				t.Errorf("%s %s: the package downloaded (%d, %d bytes) differs from %s", c.list, id, status, len(content), name)
			}
		}
	}
}

// TestRunRealRouterForce: an NSD naming VNFDs the project has not is
// onboarded with FORCE=true (said on its line) after its plain attempt,
// and only it; a descriptor the service refuses fails its line, names
// the path at fault, and the others still load.
func TestRunRealRouterForce(t *testing.T) {
	dir := t.TempDir()
	sonata := filepath.Join(dir, "descriptors", "sonata")
	if err := os.MkdirAll(sonata, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default-vnfd.yml", "default-nsd.yml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "descriptors", "sonata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sonata, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"foreign-nsd.yml": `descriptor_schema: "https://raw.githubusercontent.com/sonata-nfv/tng-schema/master/service-descriptor/nsd-schema.yml"
vendor: "org.example"
name: "foreign-ns"
version: "1.0"
network_functions:
  - vnf_id: "vnf1"
    vnf_vendor: "eu.5gtango"
    vnf_name: "ubuntu-vnf"
    vnf_version: "0.9"
  - vnf_id: "vnf2"
    vnf_vendor: "com.other"
    vnf_name: "elsewhere-vnf"
    vnf_version: "2.0"
`,
		"no-vdu-vnfd.yml": `descriptor_schema: "https://raw.githubusercontent.com/sonata-nfv/tng-schema/master/function-descriptor/vnfd-schema.yml"
vendor: "org.example"
name: "empty-vnf"
version: "1.0"
virtual_deployment_units: []
`,
	}
	writeTree(t, sonata, files)
	srv := realService(t, false)
	seedOnce := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		args = append([]string{"-url", srv.URL, "-dir", dir, "-wait", "5s"}, args...)
		code := run(context.Background(), args, &stdout, &stderr, srv.Client(), testEnviron())
		return code, stdout.String(), stderr.String()
	}
	forced := "; sent again with FORCE=true: it names VNFDs not onboarded (com.other.elsewhere-vnf)"

	// A project_user may not FORCE: the forced line fails, 403, and the
	// hint names the permission.
	tok := loginToken(t, srv)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/osm/admin/v1/users",
		strings.NewReader(`{"username":"bob","password":"bob-passphrase-1","project_role_mappings":[{"project":"admin","role":"project_user"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create user bob: %s", resp.Status)
	}
	code, out, errOut := seedOnce("-user", "bob", "-password", "bob-passphrase-1")
	for _, want := range []string{
		"descriptors/sonata/foreign-nsd.yml   POST " + nsdRoute + "   403 FAILED: FORBIDDEN: ",
		forced,
		"0 records, 4 descriptors: 2 loaded, 0 already there, 2 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("as bob: stdout lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || !strings.Contains(errOut, "force for the lines sent with FORCE=true") {
		t.Errorf("as bob: exit %d, want 1 and a hint naming force; stderr:\n%s", code, errOut)
	}

	code, out, errOut = seedOnce("-password", testAdminPassword)
	for _, want := range []string{
		"descriptors/sonata/default-vnfd.yml  POST " + vnfdRoute + " 409 already there\n",
		"descriptors/sonata/no-vdu-vnfd.yml   POST " + vnfdRoute + " 422 FAILED: UNPROCESSABLE_ENTITY: ",
		"/virtual_deployment_units: ",
		"descriptors/sonata/default-nsd.yml   POST " + nsdRoute + "   409 already there\n",
		"descriptors/sonata/foreign-nsd.yml   POST " + nsdRoute + "   201 loaded (_id ",
		")" + forced + "\n",
		"0 records, 4 descriptors: 1 loaded, 2 already there, 1 failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("as admin: stdout lacks %q:\n%s", want, out)
		}
	}
	if code != 1 || strings.Count(out, "FORCE") != 1 {
		t.Errorf("as admin: exit %d, want 1 (one file refused), and FORCE on one line only:\n%s\nstderr:\n%s", code, out, errOut)
	}
	got := catalogueList(t, srv, "/osm/nsd/v1/ns_descriptors")
	if _, ok := got["org.example.foreign-ns"]; !ok || len(got) != 2 {
		t.Errorf("NSDs stored: %v; want eu.5gtango.default-nsd and org.example.foreign-ns", slices.Sorted(maps.Keys(got)))
	}
}

// writeTree writes files (path under dir: content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
