// Package sqlite is the embedded backend of repo: a native SQLite file,
// read and written in-process through the pure-Go driver
// github.com/ncruces/go-sqlite3 (SQLite translated to Go: a static,
// CGO-free build), no network port. It was measured against
// modernc.org/sqlite, the other CGO-free SQLite, on this store's own
// operations: faster on every one (a page of 100 in 0.4 to 0.5 of the
// time, a full scan in half: it hands a row's bytes over without a copy),
// with less memory.
//
// Each collection is a table: id primary key, the envelope in columns
// (version, created and modified in Unix milliseconds), the body as JSONB
// and the server-side state as JSON; each indexed attribute is a
// generated column with an index in the default order. Every conditional
// write is one transaction (BEGIN IMMEDIATE) on the one write connection,
// so it is atomic with no lock documents; reads run on a pool of
// read-only connections, each a consistent snapshot (WAL). Filters on the
// envelope and the indexed attributes become SQL; the rest is decided by
// the exact matcher (filter.Expr.Match) on partial views of the rows (see
// view.go), in scans whose number is bounded and which stop when the
// request ends.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // the database/sql driver "sqlite3"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Config opens a database file.
type Config struct {
	// Path is the database file; it is created if missing.
	Path string
	// Clock is the envelope's and the leases' time; nil is the system clock.
	Clock repo.Clock
	// Readers bounds the read connections; 0 is 2 × GOMAXPROCS + 2.
	Readers int
	// Scans bounds the lists and counts that read every selected row at
	// once (the others wait their turn); 0 is GOMAXPROCS.
	Scans int
	// PartRows is how many rows of a table make a scan of it worth
	// splitting over a free scan slot; 0 is 4096.
	PartRows int64
	// MaxBytes caps the database file (SQLite's max_page_count): past it
	// writes fail as on a full disk, until deletes make room. 0 is no cap.
	MaxBytes int64
	Logger   *slog.Logger
}

// DB is an open database file. See the package comment.
type DB struct {
	path     string
	w        *sql.DB // one connection: writes take turns on it
	r        *sql.DB // read-only connections
	now      repo.Clock
	scans    chan struct{}
	partRows int64
	maxPages int64 // 0: no cap but the disk's
	log      *slog.Logger

	mu     sync.Mutex
	tables map[string]*table // created in this process, by table name
	closed bool
	// stmts are the statements prepared on each pool, by their SQL: the
	// queries of single documents and leases are the same text each time,
	// and preparing one cost more than running it (a third of a GET).
	stmts map[stmtKey]*sql.Stmt

	unlockDir func() error // set by OpenDir
}

// pageSize is the page size of a new file. 16 KiB rather than SQLite's
// 4: a scan reads the table page by page through the operating system
// (one read each), and a VNFR of a few KB fills most of a 4 KiB page, so
// bigger pages make a content-filter scan some 16% faster, with GET and
// writes unchanged (BenchmarkContentFilter, BenchmarkGet; 64 KiB gained 5%
// more, for four times the bytes each write logs).
const pageSize = 16 << 10

// DriverName is the database/sql name of the SQLite driver the package
// registers.
const DriverName = "sqlite3"

// busyTimeoutMS is how long a write waits for another process's (or
// another DB's) write transaction on the same file: within a DB writes
// queue for the one write connection instead.
const busyTimeoutMS = 10_000

// Open opens (creating if need be) the database file cfg.Path. It does not
// lock it: two DBs (replicas in tests, or OpenDir's holder) may share one
// file, every write being a transaction.
func Open(cfg Config) (*DB, error) {
	if cfg.Path == "" {
		return nil, errors.New("sqlite: no database file")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Readers <= 0 {
		cfg.Readers = 2*runtime.GOMAXPROCS(0) + 2
	}
	if cfg.Scans <= 0 {
		cfg.Scans = runtime.GOMAXPROCS(0)
	}
	if cfg.PartRows <= 0 {
		cfg.PartRows = 4096
	}
	w, err := sql.Open(DriverName, dsn(cfg.Path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// The page size of a new file (it cannot change once the file is in
	// WAL mode), then WAL, a property of the file: set before any reader
	// opens it.
	if _, err := w.Exec(fmt.Sprintf(`PRAGMA page_size=%d`, pageSize)); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	if _, err := w.Exec(`PRAGMA journal_mode=WAL`); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	var maxPages int64
	if cfg.MaxBytes > 0 {
		// The cap is in pages of the file's own size (an older file may
		// have other pages than new ones), on the one write connection.
		var ps int64
		if err := w.QueryRow(`PRAGMA page_size`).Scan(&ps); err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
		}
		maxPages = max(1, cfg.MaxBytes/ps)
		if _, err := w.Exec(fmt.Sprintf(`PRAGMA max_page_count=%d`, maxPages)); err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
		}
	}
	r, err := sql.Open(DriverName, dsn(cfg.Path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", cfg.Path, err)
	}
	r.SetMaxOpenConns(cfg.Readers)
	r.SetMaxIdleConns(cfg.Readers)
	return &DB{path: cfg.Path, w: w, r: r, now: cfg.Clock, scans: make(chan struct{}, cfg.Scans), partRows: cfg.PartRows,
		maxPages: maxPages, log: cfg.Logger, tables: map[string]*table{}, stmts: map[stmtKey]*sql.Stmt{}}, nil
}

// dsn is the driver's name for the file, with the settings of every
// connection: WAL, synchronous NORMAL (a commit survives a crash of the
// process; a power loss may lose the last ones, never corrupting the
// file), and for writes BEGIN IMMEDIATE, so that a transaction takes the
// write lock before it reads what it decides from.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(OFF)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Now is the database's clock (repo.DB).
func (db *DB) Now() time.Time { return db.now.Now() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	db.mu.Lock()
	closed := db.closed
	db.mu.Unlock()
	if closed {
		return repo.Unavailable("ping", errors.New("the database is closed"))
	}
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return classify(err, "ping")
	}
	return db.room(ctx)
}

// minFreeBytes is the room below which the database counts as full: a
// write needs a few pages of WAL and of the file, and a record with
// large fields many more.
const minFreeBytes = 1 << 20

// room reports a database that has no room to write (StorageFull): less
// than minFreeBytes free on its disk, or below its file's cap.
// Readiness asks, so that a full store is reported, and reported over
// once deletes or the operator have made room.
func (db *DB) room(ctx context.Context) error {
	if free, ok := freeBytes(filepath.Dir(db.path)); ok && free < minFreeBytes {
		return repo.StorageFull("ping", fmt.Errorf("%d bytes free on the disk of %s", free, db.path))
	}
	if db.maxPages == 0 {
		return nil
	}
	var used, size int64
	err := db.r.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()), (SELECT page_size FROM pragma_page_size())`).Scan(&used, &size)
	if err != nil {
		return classify(err, "ping")
	}
	if (db.maxPages-used)*size < minFreeBytes {
		return repo.StorageFull("ping", fmt.Errorf("%s uses %d of its %d pages", db.path, used, db.maxPages))
	}
	return nil
}

type stmtKey struct {
	write bool
	query string
}

// stmt is query prepared on the write connection (write) or the read
// pool, once: database/sql prepares it again on each connection that
// runs it, once per connection.
func (db *DB) stmt(ctx context.Context, write bool, query string) (*sql.Stmt, error) {
	k := stmtKey{write, query}
	db.mu.Lock()
	st, ok := db.stmts[k]
	db.mu.Unlock()
	if ok {
		return st, nil
	}
	pool := db.r
	if write {
		pool = db.w
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if prev, ok := db.stmts[k]; ok { // prepared meanwhile by another call
		st.Close()
		return prev, nil
	}
	db.stmts[k] = st
	return st, nil
}

// IntegrityCheck is SQLite's integrity check of the file: "ok", or what
// is wrong with it.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	var result string
	if err := db.r.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&result); err != nil {
		return "", classify(err, "check the database")
	}
	return result, nil
}

// Close closes the file (and releases its directory, see OpenDir).
func (db *DB) Close(ctx context.Context) error {
	db.mu.Lock()
	db.closed = true
	var errs []error
	for _, st := range db.stmts {
		errs = append(errs, st.Close())
	}
	db.mu.Unlock()
	err := errors.Join(append(errs, db.r.Close(), db.w.Close())...)
	return errors.Join(err, db.closeDir(ctx))
}

// Collection is the collection spec describes (see repo.DB).
func (db *DB) Collection(spec repo.CollectionSpec) repo.Collection {
	return &collection{db: db, spec: spec, t: db.table(spec.Name, collectionTable(spec))}
}

// Leases is the lease table name.
func (db *DB) Leases(name string) repo.Leases {
	return &leases{db: db, name: name, t: db.table("lease/"+name, leaseTable)}
}

// Blobs is the blob store name.
func (db *DB) Blobs(name string) repo.Blobs {
	return &blobs{db: db, name: name, t: db.table("blob/"+name, blobTable)}
}

// table is one table and what creates it, once.
type table struct {
	name   string // quoted
	create func(name string) []string

	mu   sync.Mutex
	done bool
}

// table returns the table called name, made by create on first use.
func (db *DB) table(name string, create func(quoted string) []string) *table {
	db.mu.Lock()
	defer db.mu.Unlock()
	if t, ok := db.tables[name]; ok {
		return t
	}
	t := &table{name: quote(name), create: create}
	db.tables[name] = t
	return t
}

// ready creates the table when this process has not yet: CREATE ... IF NOT
// EXISTS, so any number of processes may race to it. A failure is retried
// by the next call.
func (t *table) ready(ctx context.Context, db *DB) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, "create "+t.name)
	}
	defer tx.Rollback()
	for _, stmt := range t.create(t.name) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil && !isDuplicateColumn(err) {
			return classify(err, "create "+t.name)
		}
	}
	if err := tx.Commit(); err != nil {
		return classify(err, "create "+t.name)
	}
	t.done = true
	return nil
}

// quote is an SQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// classify turns a driver error into an application error: a request
// that ended is Canceled, a database that cannot be used right now
// (busy past the timeout, disk full, I/O error, closed) is Unavailable,
// anything else Internal.
func classify(err error, doing string) error {
	if err == nil {
		return nil
	}
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return repo.Canceled(doing, err)
	}
	if errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "sql: database is closed") {
		return repo.Unavailable(doing, err)
	}
	switch {
	case errors.Is(err, sqlite3.INTERRUPT):
		return repo.Canceled(doing, err)
	case errors.Is(err, sqlite3.BUSY), errors.Is(err, sqlite3.LOCKED):
		return &models.Error{Code: models.CodeUnavailable, Detail: "the database is busy; retry later", Err: fmt.Errorf("%s: %w", doing, err)}
	case errors.Is(err, sqlite3.FULL):
		return repo.StorageFull(doing, err)
	case errors.Is(err, sqlite3.IOERR), errors.Is(err, sqlite3.CANTOPEN), errors.Is(err, sqlite3.READONLY), errors.Is(err, sqlite3.PERM):
		return &models.Error{Code: models.CodeUnavailable, Detail: "the database cannot be read or written; see the service's log", Err: fmt.Errorf("%s: %w", doing, err)}
	}
	return repo.Internal(doing, err)
}

// isConstraint reports a primary key (or unique) violation.
func isConstraint(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT_PRIMARYKEY) || errors.Is(err, sqlite3.CONSTRAINT_UNIQUE)
}

// isDuplicateColumn reports an ALTER TABLE ADD COLUMN of a column that is
// there: another process added it first.
func isDuplicateColumn(err error) bool {
	return err != nil && strings.Contains(err.Error(), "duplicate column name")
}

// acquireScan waits for a scan slot until ctx ends.
func (db *DB) acquireScan(ctx context.Context) (func(), error) {
	select {
	case db.scans <- struct{}{}:
		return func() { <-db.scans }, nil
	case <-ctx.Done():
		return nil, repo.Canceled("wait for a scan", ctx.Err())
	}
}

// moreScans takes up to n more scan slots, only those free now (nothing
// waits), and returns how many it took and their release: a scan splits
// itself over the cores nobody else is using.
func (db *DB) moreScans(n int) (int, func()) {
	got := 0
	for got < n {
		select {
		case db.scans <- struct{}{}:
			got++
			continue
		default:
		}
		break
	}
	return got, func() {
		for range got {
			<-db.scans
		}
	}
}
