// Package repotest starts the real embedded store for tests, the way
// net/http/httptest starts a real server: one store per test binary, one
// fresh database per test.
package repotest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/repo"
)

// Main starts an embedded store in a temporary directory, runs the tests
// with its URI, and removes it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { repotest.Main(m, &uri) }
func Main(m *testing.M, uri *string) {
	os.Exit(run(m, uri))
}

func run(m *testing.M, uri *string) int {
	if u := os.Getenv("TEST_MONGO_URI"); u != "" {
		*uri = u // run the same tests against a real MongoDB
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "nfv-records-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "repotest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg := repo.EmbeddedConfig{DataDir: dir}
	if os.Getenv("TEST_STORE_LOG") != "" { // FerretDB's own log, to debug the store
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e, err := repo.StartEmbedded(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "repotest:", err)
		return 1
	}
	defer e.Close()
	*uri = e.URI()
	return m.Run()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_]`)

// DatabaseName is a database name unique to the test, within MongoDB's
// 63-byte limit.
func DatabaseName(tb testing.TB) string {
	name := unsafeChars.ReplaceAllString(tb.Name(), "_")
	suffix := fmt.Sprintf("_%d", time.Now().UnixNano()%1e9)
	if max := 63 - len(suffix) - 2; len(name) > max {
		name = name[len(name)-max:]
	}
	return strings.ToLower("t_" + name + suffix)
}

// NewStore opens a store on a fresh database of the store at uri and drops
// that database when the test ends.
func NewStore(tb testing.TB, uri string) *repo.Store {
	tb.Helper()
	s, err := repo.Open(repo.Config{URI: uri, Database: DatabaseName(tb), Timeout: 5 * time.Second})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Database().Drop(ctx)
		_ = s.Close(ctx)
	})
	return s
}
