// Package legacy reads the SQLite file of the embedded store nfv-records
// used before repo/sqlite: an in-process FerretDB v1 (MongoDB wire
// protocol over SQLite) that kept database <MONGO_DB> in
// DATA_DIR/<MONGO_DB>.sqlite. It exists for one thing, repo's one-time
// import of that file, and it never writes to it.
//
// The layout is FerretDB v1's private one (the version was pinned at
// v1.24.2): the table _ferretdb_collections(name, table_name, settings)
// names each collection's table, and each table holds one document per row
// in its _ferretdb_sjson column (see Decode).
package legacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // the database/sql driver "sqlite3"
)

// ErrNotFerretDB is returned by Open for a file that is not SQLite, or an
// SQLite file without FerretDB's catalogue.
var ErrNotFerretDB = errors.New("not a FerretDB v1 SQLite database")

// ErrNoCollection is returned for a collection the file does not hold.
var ErrNoCollection = errors.New("no such collection")

// File is an open FerretDB v1 SQLite file, read-only. Not safe for
// concurrent use.
type File struct {
	path string
	db   *sql.DB
	// copyDir is the temporary directory of the recovered copy read
	// instead of the file (see Open); "" when the file is read in place.
	copyDir string
}

// Open opens the FerretDB v1 SQLite file path for reading without
// changing it or creating anything beside it.
//
// A WAL-mode file (FerretDB's default) opened the ordinary way, even read
// only, gets a -wal and a -shm file created next to it; opened as an
// immutable URI it gets nothing, and SQLite reads the main file alone.
// That is right after a clean shutdown, which checkpoints and removes the
// -wal. After a crash, though, a -wal (or, for a file in rollback mode, a
// hot -journal) may hold committed transactions not yet in the main file
// (or half a transaction in it): reading the file alone would miss them
// (or read a torn state). Then Open copies the file and its journal to a
// temporary directory and opens the copy the ordinary way, so that SQLite
// recovers it there; Close removes the copy.
//
// The process that wrote the file must not be running: nothing here would
// notice it writing.
func Open(path string) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("legacy: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("legacy: %s is not a regular file", path)
	}
	journal, err := pendingJournal(path)
	if err != nil {
		return nil, err
	}
	f := &File{path: path}
	dsn := uri(path) + "?mode=ro&immutable=1"
	if journal != "" {
		if f.copyDir, err = copyForRecovery(path, journal); err != nil {
			return nil, err
		}
		// Read-write, on the copy: recovering a WAL writes its index (the
		// -shm), rolling back a hot journal writes the file.
		dsn = uri(filepath.Join(f.copyDir, filepath.Base(path))) + "?_pragma=query_only(1)"
	}
	f.db, err = sql.Open("sqlite3", dsn)
	if err != nil {
		f.removeCopy()
		return nil, fmt.Errorf("legacy: open %s: %w", path, err)
	}
	// One connection: one reader of one file, and the recovery of a copy
	// happens once, on the first read.
	f.db.SetMaxOpenConns(1)
	var n int
	err = f.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).Scan(&n)
	switch {
	case errors.Is(err, sqlite3.NOTADB):
		err = fmt.Errorf("%w (%w)", ErrNotFerretDB, err)
	case err == nil && n == 0:
		err = ErrNotFerretDB
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("legacy: open %s: %w", path, err)
	}
	return f, nil
}

// uri is the file: URI of path: SQLite decodes %HH escapes in it, so a
// path holding '?', '#' or '%' names the right file.
func uri(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// pendingJournal is the -wal or -journal file next to path, "" when there
// is none: a process that ended cleanly leaves neither.
func pendingJournal(path string) (string, error) {
	for _, suffix := range []string{"-wal", "-journal"} {
		_, err := os.Stat(path + suffix)
		if err == nil {
			return path + suffix, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("legacy: %w", err)
		}
	}
	return "", nil
}

// copyForRecovery copies path and its journal into a new temporary
// directory, under their own names (SQLite finds a journal by name). The
// -shm is not copied: it is an index of the WAL that SQLite rebuilds, and
// one left by a crashed process is not to be trusted.
func copyForRecovery(path, journal string) (string, error) {
	dir, err := os.MkdirTemp("", "nfv-records-legacy-*")
	if err != nil {
		return "", fmt.Errorf("legacy: copy %s for recovery: %w", path, err)
	}
	for _, from := range []string{path, journal} {
		if err := copyFile(from, filepath.Join(dir, filepath.Base(from))); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("legacy: copy %s for recovery: %w", path, err)
		}
	}
	return dir, nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Recovered reports whether the file had a -wal or -journal beside it (its
// writer did not shut down cleanly) and is read from a recovered copy.
func (f *File) Recovered() bool { return f.copyDir != "" }

// Close closes the file and removes the recovered copy, if any.
func (f *File) Close() error {
	var err error
	if f.db != nil {
		err = f.db.Close()
	}
	return errors.Join(err, f.removeCopy())
}

func (f *File) removeCopy() error {
	if f.copyDir == "" {
		return nil
	}
	if err := os.RemoveAll(f.copyDir); err != nil {
		return fmt.Errorf("legacy: remove the recovered copy: %w", err)
	}
	return nil
}

// Collections are the names of the file's collections, in name order. A
// name listed twice (FerretDB's catalogue has them unique) is an error:
// one of its tables would never be read.
func (f *File) Collections() ([]string, error) {
	rows, err := f.db.Query(`SELECT name FROM _ferretdb_collections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("legacy: list the collections of %s: %w", f.path, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("legacy: list the collections of %s: %w", f.path, err)
		}
		if len(names) > 0 && names[len(names)-1] == name {
			return nil, fmt.Errorf("legacy: list the collections of %s: %w: collection %q is listed twice", f.path, ErrNotFerretDB, name)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("legacy: list the collections of %s: %w", f.path, err)
	}
	return names, nil
}

// table is the SQLite table of collection, quoted.
func (f *File) table(ctx context.Context, collection string) (string, error) {
	var table string
	err := f.db.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("legacy: %s: %w", collection, ErrNoCollection)
	}
	if err != nil {
		return "", fmt.Errorf("legacy: find collection %s: %w", collection, err)
	}
	return `"` + strings.ReplaceAll(table, `"`, `""`) + `"`, nil
}

// Count is how many documents collection holds.
func (f *File) Count(ctx context.Context, collection string) (int64, error) {
	table, err := f.table(ctx, collection)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := f.db.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("legacy: count %s: %w", collection, err)
	}
	return n, nil
}

// Documents calls fn with each document of collection, decoded (see
// Decode), in the order they were inserted (rowid), until fn returns an
// error, which Documents returns as it is. A document that does not
// decode stops it with an error wrapping ErrUnsupported that names the
// row. fn owns the document it is given.
func (f *File) Documents(ctx context.Context, collection string, fn func(doc map[string]any) error) error {
	table, err := f.table(ctx, collection)
	if err != nil {
		return err
	}
	rows, err := f.db.QueryContext(ctx, `SELECT rowid, _ferretdb_sjson FROM `+table+` ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("legacy: read %s: %w", collection, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		var raw sql.RawBytes
		if err := rows.Scan(&rowid, &raw); err != nil {
			return fmt.Errorf("legacy: read %s: %w", collection, err)
		}
		doc, err := Decode(raw)
		if err != nil {
			return fmt.Errorf("legacy: %s, row %d: %w", collection, rowid, err)
		}
		if err := fn(doc); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("legacy: read %s: %w", collection, err)
	}
	return nil
}
