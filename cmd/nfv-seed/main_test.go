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
)

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
			got := run(context.Background(), args, &stdout, &stderr, srv.Client())
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
	got := run(context.Background(), []string{"-url", url, "-dir", writeFixtures(t), "-wait", "500ms"}, &stdout, &stderr, http.DefaultClient)
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
		if got := run(context.Background(), []string{"-url", srv.URL, "-dir", dir}, &stdout, &stderr, srv.Client()); got != 0 {
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
