package repo

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/nfv-records/nfv-records/models"
	_ "modernc.org/sqlite" // the SQLite driver FerretDB uses, to add indexes it lacks
)

// Embedded is an in-process FerretDB v1 on SQLite. It speaks the MongoDB wire
// protocol on a loopback port, so the same driver code serves it and a real
// MongoDB.
type Embedded struct {
	dir    string
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
	e := &Embedded{dir: dir, uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
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

// sqlitePath is the SQLite file FerretDB keeps database in.
func (e *Embedded) sqlitePath(database string) string {
	return filepath.Join(e.dir, database+".sqlite")
}

// indexIDs adds to each collection of database the index FerretDB v1 lacks
// on SQLite: it queries, updates and deletes by _id with the expression
// _ferretdb_sjson->'$._id', but indexes _ferretdb_sjson->"_id", which
// SQLite does not match, so every lookup by uuid scanned the collection
// (86 ms for the last of 4,000 records, 0.8 ms with this index). It relies
// on FerretDB's private table layout, which is safe only because the
// version is pinned (go.mod); CREATE ... IF NOT EXISTS keeps it idempotent.
func (e *Embedded) indexIDs(ctx context.Context, database string) error {
	path := e.sqlitePath(database)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return fmt.Errorf("list collections of %s: %w", path, err)
	}
	tables := map[string]string{} // table -> collection
	for rows.Next() {
		var name, t string
		if err := rows.Scan(&name, &t); err != nil {
			rows.Close()
			return fmt.Errorf("list collections of %s: %w", path, err)
		}
		tables[t] = name
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("list collections of %s: %w", path, err)
	}
	for t, name := range tables {
		indexes := map[string]string{"id": sqlIDJSON}
		if slices.Contains(models.Kinds(), models.Kind(name)) {
			maps.Copy(indexes, listIndexes)
		}
		for suffix, cols := range indexes {
			unique := ""
			if suffix == "id" {
				unique = "UNIQUE "
			}
			q := fmt.Sprintf(`CREATE %sINDEX IF NOT EXISTS %q ON %q (%s)`, unique, t+"_nfv_"+suffix, t, cols)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("index %s of %s in %s: %w", suffix, name, path, err)
			}
		}
	}
	return nil
}

// listIndexes serve the list reader (sqlite.go) on record tables: the
// default order (newest first, ties by uuid; SQLite walks it backwards),
// and the indexed attributes in that order, so a filter on them reads
// only the rows it returns.
var listIndexes = map[string]string{
	"created":              sqlCreated + ", " + sqlID,
	"status":               sqlStatus + ", " + sqlCreated + ", " + sqlID,
	"descriptor_reference": sqlDescRef + ", " + sqlCreated + ", " + sqlID,
}
