package repo

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Embedded is an in-process FerretDB v1 on SQLite. It speaks the MongoDB wire
// protocol on a loopback port, so the same driver code serves it and a real
// MongoDB.
type Embedded struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
}

// EmbeddedConfig says where the embedded store keeps its files and listens.
type EmbeddedConfig struct {
	DataDir string       // SQLite files, one per database; created if missing
	Addr    string       // TCP listen address; "127.0.0.1:0" picks a free port
	Logger  *slog.Logger // FerretDB's own log; nil discards it
}

// StartEmbedded starts FerretDB and returns once it accepts connections.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir %q: %w", cfg.DataDir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/" + sqlitePragmas,
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded FerretDB in %s: %w", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Embedded{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		_ = f.Run(ctx) // returns nil once ctx is cancelled
	}()
	return e, nil
}

// sqlitePragmas are added to FerretDB's defaults (WAL, busy timeout).
// synchronous(normal) is safe with WAL: a power loss may lose the last
// transactions but never corrupts the database.
const sqlitePragmas = "?_pragma=synchronous(normal)"

// URI is the MongoDB connection string of the embedded store.
func (e *Embedded) URI() string { return e.uri }

// Close stops accepting connections, waits for FerretDB to stop and closes
// its SQLite files.
func (e *Embedded) Close() {
	e.cancel()
	<-e.done
}
