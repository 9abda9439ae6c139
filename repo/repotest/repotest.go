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

// Server is the database the tests of one package share.
type Server struct {
	URI      string
	Embedded *repo.Embedded // nil when TEST_MONGO_URI names a MongoDB
}

// Config is the store configuration for database on this server.
func (s Server) Config(database string) repo.Config {
	return repo.Config{URI: s.URI, Embedded: s.Embedded, Database: database, Timeout: 5 * time.Second}
}

// Main starts an embedded store in a temporary directory, runs the tests
// with it, and removes it. Use it from TestMain:
//
//	func TestMain(m *testing.M) { repotest.Main(m, &server) }
func Main(m *testing.M, srv *Server) {
	os.Exit(run(m, srv))
}

func run(m *testing.M, srv *Server) int {
	if u := os.Getenv("TEST_MONGO_URI"); u != "" {
		srv.URI = u // run the same tests against a real MongoDB
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
	*srv = Server{URI: e.URI(), Embedded: e}
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

// NewStore opens a store on a fresh database of srv, with its indexes
// ready, and drops that database when the test ends.
func NewStore(tb testing.TB, srv Server) *repo.Store {
	tb.Helper()
	s, err := repo.Open(srv.Config(DatabaseName(tb)))
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Database().Drop(ctx)
		_ = s.Close(ctx)
	})
	// Tests run as the service does once started: with every index there.
	if err := s.EnsureIndexes(tb.Context()); err != nil {
		tb.Fatalf("create indexes: %v", err)
	}
	return s
}
