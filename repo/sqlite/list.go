package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/repo"
)

// Lists. A query is split in two (filter.Expr.IndexConds): conditions on
// the envelope and the indexed attributes become SQL, and the rest, if
// any, is left to the matcher. When SQL is the whole filter and the order
// is the default one (newest first), a page is one index walk with a
// keyset seek for a marker, and the total one indexed count. Otherwise
// every row SQL selects is read in table order, a partial view of each
// decided by the matcher and placed in the page window (repo.Window),
// which also counts the total; the page's documents are then read by id
// in the same snapshot.

// column is the SQL column of an attribute the store can evaluate: the id
// and the times of the envelope, and the indexed attributes.
func (c *collection) column(attr string) (string, bool) {
	env := c.spec.Envelope
	switch {
	case attr == "":
		return "", false
	case attr == env.Created:
		return "created", true
	case attr == env.Modified:
		return "modified", true
	}
	for _, n := range env.ID {
		if n == attr {
			return "id", true
		}
	}
	for _, n := range c.spec.Indexed {
		if n == attr {
			return indexColumn(attr), true
		}
	}
	return "", false
}

func (c *collection) indexed(attr string) bool { _, ok := c.column(attr); return ok }

// where renders index conditions, and c's readers, as SQL; every value
// is a parameter.
func (c *collection) where(conds []filter.IndexCond) (string, []any) {
	var parts []string
	var args []any
	if scope, sargs := c.scope(); scope != "" {
		parts = append(parts, scope)
		args = append(args, sargs...)
	}
	for _, cond := range conds {
		col, _ := c.column(cond.Attr)
		var alts []string
		switch {
		case cond.Time:
			for _, s := range cond.Spans {
				var b []string
				if s.From != nil {
					b = append(b, col+` >= ?`)
					args = append(args, s.From.UnixMilli())
				}
				if s.Until != nil {
					b = append(b, col+` < ?`)
					args = append(args, s.Until.UnixMilli())
				}
				if len(b) == 0 {
					b = append(b, "1")
				}
				alts = append(alts, "("+strings.Join(b, " AND ")+")")
			}
		case len(cond.Strings) > 0:
			ph := make([]string, len(cond.Strings))
			for i, v := range cond.Strings {
				ph[i] = "?"
				args = append(args, v)
			}
			alts = append(alts, col+" IN ("+strings.Join(ph, ",")+")")
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

func and(cond string) string {
	if cond == "" {
		return " WHERE "
	}
	return " AND "
}

// List is one page of the documents q selects (repo.Collection).
func (c *collection) List(ctx context.Context, q filter.Query) (filter.Page[repo.Doc], error) {
	q, err := repo.Normalize(q, c.spec.Envelope)
	if err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	if err := c.t.ready(ctx, c.db); err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	conds, exact := q.Filter.IndexConds(c.indexed)
	cond, args := c.where(conds)
	indexed := exact && repo.IsNewestFirst(q.Sort, c.spec.Envelope)
	if !indexed {
		// The slot first, the connection after: a scan waiting its turn
		// must not hold a connection the lists SQL answers at once need.
		release, err := c.db.acquireScan(ctx)
		if err != nil {
			return filter.Page[repo.Doc]{}, err
		}
		defer release()
	}
	tx, err := c.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "list "+c.spec.Name)
	}
	defer tx.Rollback()
	if indexed {
		return c.listIndexed(ctx, tx, q, len(conds) > 0, cond, args)
	}
	return c.listScanned(ctx, tx, q, len(conds) > 0, cond, args, exact)
}

// listIndexed answers a list SQL answers whole: the default order, a
// keyset seek for a marker.
func (c *collection) listIndexed(ctx context.Context, tx *sql.Tx, q filter.Query, filtered bool, cond string, args []any) (filter.Page[repo.Doc], error) {
	query := `SELECT ` + docColumns + ` FROM ` + c.t.name + cond
	pageArgs := append([]any(nil), args...)
	if q.After != nil {
		created, ok := q.After.Key[0].(time.Time)
		if !ok {
			return filter.Page[repo.Doc]{}, repo.ErrForeignMarker
		}
		// The plain bound lets SQLite seek the index to the marker; on its
		// own the row-value comparison is checked row by row from the top.
		query += and(cond) + `created <= ? AND (created, id) < (?, ?)`
		pageArgs = append(pageArgs, created.UnixMilli(), created.UnixMilli(), q.After.UUID)
	}
	query += ` ORDER BY created DESC, id DESC LIMIT ?`
	pageArgs = append(pageArgs, q.Limit+1)
	if q.After == nil && q.Offset > 0 {
		query += ` OFFSET ?`
		pageArgs = append(pageArgs, q.Offset)
	}
	docs, err := queryDocs(ctx, tx, query, pageArgs)
	if err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "list "+c.spec.Name)
	}
	page, known := repo.CutPage(q, docs)
	if known {
		return page, nil
	}
	if page.Total, err = c.count(ctx, tx, filtered, cond, args); err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	return page, nil
}

// count is how many rows cond selects. Within one project and without a
// filter, that is the project's row of the counts table.
func (c *collection) count(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, filtered bool, cond string, args []any) (int64, error) {
	var n int64
	if r := c.readers; !filtered && r != nil && !r.Unowned && len(r.Projects) == 1 {
		err := q.QueryRowContext(ctx, `SELECT n FROM `+countsTable(c.t.name)+` WHERE project = ?`, r.Projects[0]).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, nil
		}
		return n, classify(err, "count "+c.spec.Name)
	}
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+c.t.name+cond, args...).Scan(&n)
	return n, classify(err, "count "+c.spec.Name)
}

// listScanned reads, of every row SQL selects, what the filter and the
// order read, and lets the matcher and the window decide; the page's
// documents are then read whole by id.
func (c *collection) listScanned(ctx context.Context, tx *sql.Tx, q filter.Query, filtered bool, cond string, args []any, exact bool) (filter.Page[repo.Doc], error) {
	var paths [][]string
	if !exact {
		paths = q.Filter.Paths()
	}
	for _, k := range q.Sort.Keys { // the tie-break's uuid is the row's id
		paths = append(paths, k.Path)
	}
	var windows []*repo.Window
	err := c.scanParts(ctx, tx, paths, filtered, cond, args, func() rowFunc {
		w := repo.NewWindow(q)
		windows = append(windows, w)
		return func(view map[string]any, id []byte) {
			if !exact && !q.Filter.Match(view) {
				return
			}
			key := q.Sort.KeyOf(view)
			if !w.Wants(key, unsafeString(id)) {
				w.Count() // a match, but not on the page
				return
			}
			w.Offer(repo.Entry{Key: key, ID: string(id)})
		}
	})
	if err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	w := windows[0]
	for _, o := range windows[1:] {
		w.Merge(o)
	}
	entries, next := w.Page(q.Limit)
	page := filter.Page[repo.Doc]{Items: make([]repo.Doc, 0, len(entries)), Total: w.Total(), Next: next}
	if len(entries) == 0 {
		return page, nil
	}
	ph := make([]string, len(entries))
	ids := make([]any, len(entries))
	for i, e := range entries {
		ph[i], ids[i] = "?", e.ID
	}
	found, err := queryDocs(ctx, tx, `SELECT `+docColumns+` FROM `+c.t.name+` WHERE id IN (`+strings.Join(ph, ",")+`)`, ids)
	if err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "list "+c.spec.Name)
	}
	byID := make(map[string]repo.Doc, len(found))
	for _, d := range found {
		byID[d.ID] = d
	}
	for _, e := range entries {
		if d, ok := byID[e.ID]; ok { // read in the first part's snapshot: always there
			page.Items = append(page.Items, d)
		}
	}
	return page, nil
}

// unsafeString is b as a string, for a comparison during the call only.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// rowFunc takes the partial view of a row and its id; the id's bytes are
// only valid during the call.
type rowFunc func(view map[string]any, id []byte)

// scanCheckEvery is how many rows a scan reads between looks at its
// context: a request that ends stops its scan within that many rows.
const scanCheckEvery = 256

// scanParts reads, of each row SQL selects, the partial view of paths,
// and gives it to a rowFunc. A scan of the whole table (no SQL condition)
// (no filter condition: c's readers, if any, are tested in each part)
// is split by rowid ranges over the scan slots free now, each part on a
// read transaction of its own (the first on tx), its rows given to a
// rowFunc of its own from part(), called once per part before it starts.
// Rows written after tx began are not read. A part may see a document at
// a later version than tx's snapshot has it: every write is of one
// document, so a part never sees half of one.
func (c *collection) scanParts(ctx context.Context, tx *sql.Tx, paths [][]string, filtered bool, cond string, args []any, part func() rowFunc) error {
	if filtered {
		return c.scan(ctx, tx, newViewPlan(paths, c.spec.Envelope), cond, args, part())
	}
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(rowid), max(rowid) FROM `+c.t.name).Scan(&lo, &hi); err != nil {
		return classify(err, "scan "+c.spec.Name)
	}
	if !lo.Valid { // empty
		part()
		return nil
	}
	// A part costs a transaction and a goroutine: a small table is read
	// in one.
	want := int((hi.Int64 - lo.Int64 + 1) / c.db.partRows)
	extra, release := c.db.moreScans(min(want, cap(c.db.scans)) - 1)
	defer release()
	parts := 1 + extra
	step := (hi.Int64 - lo.Int64 + int64(parts)) / int64(parts)
	fns := make([]rowFunc, parts)
	for i := range fns {
		fns[i] = part()
	}
	errs := make([]error, parts)
	scope, scopeArgs := c.scope()
	bounds := func(i int) (string, []any) {
		from, to := lo.Int64+int64(i)*step, min(lo.Int64+int64(i+1)*step-1, hi.Int64)
		if scope != "" {
			return ` WHERE rowid BETWEEN ? AND ? AND ` + scope, append([]any{from, to}, scopeArgs...)
		}
		return ` WHERE rowid BETWEEN ? AND ?`, []any{from, to}
	}
	var wg sync.WaitGroup
	for i := 1; i < parts; i++ {
		wg.Go(func() {
			ptx, err := c.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				errs[i] = classify(err, "scan "+c.spec.Name)
				return
			}
			defer ptx.Rollback()
			where, args := bounds(i)
			errs[i] = c.scan(ctx, ptx, newViewPlan(paths, c.spec.Envelope), where, args, fns[i])
		})
	}
	// The first part on the caller's transaction, whose snapshot the
	// page's documents are read in, while the others run.
	where, args := bounds(0)
	errs[0] = c.scan(ctx, tx, newViewPlan(paths, c.spec.Envelope), where, args, fns[0])
	wg.Wait()
	return errors.Join(errs...)
}

// scan calls fn with the partial view (plan) of each row SQL selects, and
// its id. A view is fn's to keep.
func (c *collection) scan(ctx context.Context, q queryer, plan *viewPlan, cond string, args []any, fn rowFunc) error {
	cols := `id`
	var r row
	var id, body sql.RawBytes
	dest := []any{&id}
	if plan.created {
		cols += `, created`
		dest = append(dest, &r.created)
	}
	if plan.modified {
		cols += `, modified`
		dest = append(dest, &r.modified)
	}
	if plan.body {
		cols += `, body`
		dest = append(dest, &body)
	}
	var admin sql.RawBytes
	if plan.admin {
		cols += `, admin`
		dest = append(dest, &admin)
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM `+c.t.name+cond, args...)
	if err != nil {
		return classify(err, "scan "+c.spec.Name)
	}
	defer rows.Close()
	for n := 1; rows.Next(); n++ {
		if n%scanCheckEvery == 0 && ctx.Err() != nil {
			return repo.Canceled("scan "+c.spec.Name, ctx.Err())
		}
		if err := rows.Scan(dest...); err != nil {
			return classify(err, "scan "+c.spec.Name)
		}
		r.body, r.admin = body, admin
		r.id = ""
		if plan.id {
			r.id = string(id)
		}
		view, err := plan.view(r)
		if err != nil {
			return repo.Internal("read "+c.doing("document", string(id)), err)
		}
		fn(view, id)
	}
	return classify(rows.Err(), "scan "+c.spec.Name)
}

// queryer is what a scan reads from: a read or a write transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryDocs runs a query selecting docColumns.
func queryDocs(ctx context.Context, tx *sql.Tx, query string, args []any) ([]repo.Doc, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []repo.Doc{}
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Count is how many documents f matches (repo.Collection).
func (c *collection) Count(ctx context.Context, f filter.Expr) (int64, error) {
	if err := c.t.ready(ctx, c.db); err != nil {
		return 0, err
	}
	conds, exact := f.IndexConds(c.indexed)
	cond, args := c.where(conds)
	if exact {
		return c.count(ctx, c.db.r, len(conds) > 0, cond, args)
	}
	release, err := c.db.acquireScan(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	tx, err := c.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, classify(err, "count "+c.spec.Name)
	}
	defer tx.Rollback()
	var counts []*int64
	err = c.scanParts(ctx, tx, f.Paths(), len(conds) > 0, cond, args, func() rowFunc {
		n := new(int64)
		counts = append(counts, n)
		return func(view map[string]any, _ []byte) {
			if f.Match(view) {
				*n++
			}
		}
	})
	var total int64
	for _, n := range counts {
		total += *n
	}
	return total, err
}

// DeleteWhere removes every document f matches (repo.Collection), in one
// transaction: what is decided is what is deleted.
func (c *collection) DeleteWhere(ctx context.Context, f filter.Expr) (int64, error) {
	if err := c.t.ready(ctx, c.db); err != nil {
		return 0, err
	}
	conds, exact := f.IndexConds(c.indexed)
	cond, args := c.where(conds)
	tx, err := c.db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, classify(err, "delete from "+c.spec.Name)
	}
	defer tx.Rollback()
	var n int64
	if exact {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+c.t.name+cond, args...)
		if err != nil {
			return 0, classify(err, "delete from "+c.spec.Name)
		}
		if n, err = res.RowsAffected(); err != nil {
			return 0, classify(err, "delete from "+c.spec.Name)
		}
	} else {
		var ids []string
		err := c.scan(ctx, tx, newViewPlan(f.Paths(), c.spec.Envelope), cond, args, func(view map[string]any, id []byte) {
			if f.Match(view) {
				ids = append(ids, string(id))
			}
		})
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.t.name+` WHERE id = ?`, id); err != nil {
				return 0, classify(err, "delete from "+c.spec.Name)
			}
		}
		n = int64(len(ids))
	}
	return n, classify(tx.Commit(), "delete from "+c.spec.Name)
}
