package repo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// sqliteLists answers lists and counts on the embedded store by reading
// FerretDB's SQLite tables directly, in a read-only connection.
//
// Why: FerretDB v1 on SQLite pushes down no filter but _id equality and no
// sort, so every list decoded all records with its schema-driven JSON
// reader (about 0.4 ms per record here) and sorted them in memory: a page
// of 100 took 8 s at 10,000 records. Here the default order and the
// indexed attributes are answered by SQLite indexes (indexes.go adds
// them), and any other filter reads only the attributes it needs from
// each row (gjson skips the rest) before the matcher decides. Writes still
// go through FerretDB; this reads what it committed (WAL snapshot).
//
// It depends on FerretDB's private layout (the _ferretdb_collections
// table, one _ferretdb_sjson column per row), which is safe because the
// version is pinned in go.mod; sqlite_test.go compares every answer with
// FerretDB's own, so an upgrade that changes the layout fails the tests.
type sqliteLists struct {
	path string
	db   *sql.DB
}

// SQL expressions of the stored attributes the indexes are built on.
const (
	sqlDoc      = `_ferretdb_sjson`
	sqlID       = `_ferretdb_sjson->>'$._id'`
	sqlIDJSON   = `_ferretdb_sjson->'$._id'` // what FerretDB's own lookups (and our _id index) use
	sqlCreated  = `_ferretdb_sjson->>'$._admin.created'`
	sqlNewest   = ` ORDER BY ` + sqlCreated + ` DESC, ` + sqlID + ` DESC`
	sqlStatus   = `_ferretdb_sjson->>'$.status'`
	sqlDescRef  = `_ferretdb_sjson->>'$.descriptor_reference'`
	sqlReadOnly = `?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)`
)

// indexedAttrs are the root-level attributes with an SQLite index, and
// the expression each is indexed on. status and descriptor_reference are
// strings in every record (both schemas say so and every record is
// validated), which filter.IndexConds relies on.
var indexedAttrs = map[string]string{
	models.FieldUUID:       sqlIDJSON,
	models.FieldCreatedAt:  sqlCreated,
	"status":               sqlStatus,
	"descriptor_reference": sqlDescRef,
}

func openSQLiteLists(path string) (*sqliteLists, error) {
	db, err := sql.Open("sqlite", "file:"+path+sqlReadOnly)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxIdleConns(4)
	return &sqliteLists{path: path, db: db}, nil
}

func (l *sqliteLists) close() error { return l.db.Close() }

// readTx starts a read transaction (one snapshot for the page and its
// count) and finds the collection's table; ok is false when the
// collection does not exist yet.
func (l *sqliteLists) readTx(ctx context.Context, kind models.Kind) (tx *sql.Tx, table string, ok bool, err error) {
	if _, err := os.Stat(l.path); errors.Is(err, os.ErrNotExist) {
		return nil, "", false, nil // nothing written to this database yet
	}
	tx, err = l.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, "", false, sqliteError(err, "list "+string(kind))
	}
	err = tx.QueryRowContext(ctx, `SELECT table_name FROM _ferretdb_collections WHERE name = ?`, string(kind)).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) || err != nil && strings.Contains(err.Error(), "no such table") {
		tx.Rollback()
		return nil, "", false, nil
	}
	if err != nil {
		tx.Rollback()
		return nil, "", false, sqliteError(err, "list "+string(kind))
	}
	return tx, table, true, nil
}

func sqliteError(err error, doing string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &models.Error{Code: models.CodeUnavailable, Detail: "the database did not answer in time; retry later", Err: fmt.Errorf("%s: %w", doing, err)}
	}
	return &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: fmt.Errorf("%s: %w", doing, err)}
}

// where renders index conditions as SQL; every value is a parameter.
func where(conds []filter.IndexCond) (string, []any) {
	var parts []string
	var args []any
	for _, c := range conds {
		expr := indexedAttrs[c.Attr]
		var alts []string
		switch {
		case c.Time:
			for _, s := range c.Spans {
				var b []string
				if s.From != nil {
					b = append(b, expr+` >= ?`)
					args = append(args, s.From.UnixMilli())
				}
				if s.Until != nil {
					b = append(b, expr+` < ?`)
					args = append(args, s.Until.UnixMilli())
				}
				if len(b) == 0 {
					b = append(b, "1")
				}
				alts = append(alts, "("+strings.Join(b, " AND ")+")")
			}
		case len(c.Strings) > 0:
			ph := make([]string, len(c.Strings))
			for i, v := range c.Strings {
				ph[i] = "?"
				if c.Attr == models.FieldUUID {
					ph[i] = "json_quote(?)"
				}
				args = append(args, v)
			}
			alts = append(alts, expr+" IN ("+strings.Join(ph, ",")+")")
		}
		if len(alts) == 0 {
			alts = append(alts, "0") // no value can match
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args
}

func indexed(attr string) bool { _, ok := indexedAttrs[attr]; return ok }

func (l *sqliteLists) list(ctx context.Context, kind models.Kind, q ListQuery) (Page, error) {
	tx, table, ok, err := l.readTx(ctx, kind)
	if err != nil || !ok {
		return Page{Records: []models.Record{}}, err
	}
	defer tx.Rollback()
	conds, exact := q.Filter.IndexConds(indexed)
	cond, args := where(conds)
	if exact && q.Sort.IsDefault() {
		return l.listIndexed(ctx, tx, table, q, cond, args)
	}
	return l.listScanned(ctx, tx, table, q, cond, args)
}

// listIndexed answers a list the indexes answer exactly: the default
// order, a keyset seek for a marker, and filters on indexed attributes.
func (l *sqliteLists) listIndexed(ctx context.Context, tx *sql.Tx, table string, q ListQuery, cond string, args []any) (Page, error) {
	query, pageArgs, err := indexedPageQuery(table, q, cond, args)
	if err != nil {
		return Page{}, err
	}
	records, err := queryRecords(ctx, tx, query, pageArgs)
	if err != nil {
		return Page{}, err
	}
	page := cutPage(q, records)
	if total, ok := knownTotal(q, page); ok {
		page.Total = total
		return page, nil
	}
	err = tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`+cond, args...).Scan(&page.Total)
	if err != nil {
		return Page{}, sqliteError(err, "count records")
	}
	return page, nil
}

// indexedPageQuery is the SQL of a page in the default order, one more
// record than the page holds (to know whether more follow).
func indexedPageQuery(table string, q ListQuery, cond string, args []any) (string, []any, error) {
	query := `SELECT ` + sqlDoc + ` FROM "` + table + `"` + cond
	pageArgs := append([]any(nil), args...)
	if q.After != nil {
		created, err := createdOf(*q.After)
		if err != nil {
			return "", nil, err
		}
		// The plain bound lets SQLite seek the index to the marker; on its
		// own the row-value comparison is checked row by row from the top.
		query += and(cond) + sqlCreated + ` <= ? AND (` + sqlCreated + `, ` + sqlID + `) < (?, ?)`
		pageArgs = append(pageArgs, created.UnixMilli(), created.UnixMilli(), q.After.UUID)
	}
	query += sqlNewest + ` LIMIT ?`
	pageArgs = append(pageArgs, q.Limit+1)
	if q.After == nil && q.Offset > 0 {
		query += ` OFFSET ?`
		pageArgs = append(pageArgs, q.Offset)
	}
	return query, pageArgs, nil
}

func and(cond string) string {
	if cond == "" {
		return " WHERE "
	}
	return " AND "
}

// listScanned reads, of every row the index conditions select, only the
// attributes the filter and the order need, and lets the matcher and the
// window decide; the page's records are then read whole by uuid.
func (l *sqliteLists) listScanned(ctx context.Context, tx *sql.Tx, table string, q ListQuery, cond string, args []any) (Page, error) {
	w := newWindow(q)
	paths := append(q.Filter.Paths(), q.Sort.Paths()...) // the trie merges repeats
	err := scanViews(ctx, tx, table, cond, args, paths, func(view map[string]any, uuid string) {
		if q.Filter.Match(view) {
			w.offer(entry{key: q.Sort.KeyOf(view), uuid: uuid})
		}
	})
	if err != nil {
		return Page{}, err
	}
	entries, next := w.page(q.Limit)
	page := Page{Records: make([]models.Record, 0, len(entries)), Total: w.total, Next: next}
	if len(entries) == 0 {
		return page, nil
	}
	ph := make([]string, len(entries))
	ids := make([]any, len(entries))
	for i, e := range entries {
		ph[i], ids[i] = "json_quote(?)", e.uuid
	}
	found, err := queryRecords(ctx, tx, `SELECT `+sqlDoc+` FROM "`+table+`" WHERE `+sqlIDJSON+` IN (`+strings.Join(ph, ",")+`)`, ids)
	if err != nil {
		return Page{}, err
	}
	byID := make(map[string]models.Record, len(found))
	for _, r := range found {
		byID[r.UUID] = r
	}
	for _, e := range entries {
		if r, ok := byID[e.uuid]; ok { // same snapshot: always there
			page.Records = append(page.Records, r)
		}
	}
	return page, nil
}

// storedPaths are the gjson paths of rendered attributes stored elsewhere.
var storedPaths = map[string]string{
	models.FieldUUID:      "_id",
	models.FieldCreatedAt: "_admin.created",
	models.FieldUpdatedAt: "_admin.modified",
}

// scanViews calls fn with a partial view of each selected row and its
// uuid: only what the paths (rendered, from the record's root) read,
// decoded as the matcher reads them (see view.go). A view is fn's to keep.
func scanViews(ctx context.Context, tx *sql.Tx, table, cond string, args []any, paths [][]string, fn func(map[string]any, string)) error {
	plan := newViewPlan(paths)
	rows, err := tx.QueryContext(ctx, `SELECT `+sqlDoc+` FROM "`+table+`"`+cond, args...)
	if err != nil {
		return sqliteError(err, "scan records")
	}
	defer rows.Close()
	var raw sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return sqliteError(err, "scan records")
		}
		view, uuid, err := plan.view(raw)
		if err != nil {
			return sqliteError(err, "scan records")
		}
		fn(view, uuid)
	}
	if err := rows.Err(); err != nil {
		return sqliteError(err, "scan records")
	}
	return nil
}

// queryRecords runs a query selecting whole stored documents.
func queryRecords(ctx context.Context, tx *sql.Tx, query string, args []any) ([]models.Record, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, sqliteError(err, "list records")
	}
	defer rows.Close()
	out := []models.Record{}
	var raw sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return nil, sqliteError(err, "list records")
		}
		r, err := recordFromSJSON(raw)
		if err != nil {
			return nil, sqliteError(err, "list records")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, sqliteError(err, "list records")
	}
	return out, nil
}

// recordFromSJSON decodes a stored document into a record, as the driver
// decodes it into storedRecord.
func recordFromSJSON(raw []byte) (models.Record, error) {
	doc, err := decodeSJSON(raw)
	if err != nil {
		return models.Record{}, err
	}
	id, _ := doc["_id"].(string)
	admin, _ := doc[fieldAdmin].(map[string]any)
	created, ok1 := admin["created"].(time.Time)
	modified, ok2 := admin["modified"].(time.Time)
	version, ok3 := asInt64(admin["version"])
	if id == "" || !ok1 || !ok2 || !ok3 {
		return models.Record{}, fmt.Errorf("%w: no _id or _admin envelope", errSJSON)
	}
	delete(doc, "_id")
	delete(doc, fieldAdmin)
	return models.Record{UUID: id, Fields: doc, Admin: models.Admin{Created: created, Modified: modified, Version: version}}, nil
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), n == float64(int64(n))
	}
	return 0, false
}

func (l *sqliteLists) count(ctx context.Context, kind models.Kind, f filter.Expr) (int64, error) {
	tx, table, ok, err := l.readTx(ctx, kind)
	if err != nil || !ok {
		return 0, err
	}
	defer tx.Rollback()
	conds, exact := f.IndexConds(indexed)
	cond, args := where(conds)
	var n int64
	if exact {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`+cond, args...).Scan(&n); err != nil {
			return 0, sqliteError(err, "count records")
		}
		return n, nil
	}
	err = scanViews(ctx, tx, table, cond, args, f.Paths(), func(view map[string]any, _ string) {
		if f.Match(view) {
			n++
		}
	})
	return n, err
}
