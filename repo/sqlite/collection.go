package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// collection is a table of documents (repo.Collection).
type collection struct {
	db   *DB
	spec repo.CollectionSpec
	t    *table
	// readers, when set, restricts every read to the documents they may
	// read (Within).
	readers *repo.Readers
}

// Within is the collection as r sees it (repo.Collection).
func (c *collection) Within(r repo.Readers) repo.Collection {
	v := *c
	v.readers = &r
	return &v
}

// readersColumn holds a document's projects_read, each project as its
// JSON string, each one followed and the first preceded by a comma
// (',"p1","p2",'), NULL when it has none: a project is a reader when
// the column holds ',' + its JSON string + ','. Inside a JSON string a
// quote is always escaped, so ',"' only starts an element and '",' only
// ends one: the test is exact.
const readersColumn = "readers"

// readersValue is what the readers column holds for a document's Admin.
func readersValue(admin []byte) (any, error) {
	projects, err := repo.ReadersOf(admin)
	if err != nil || len(projects) == 0 {
		return nil, err
	}
	var b strings.Builder
	b.WriteByte(',')
	for _, p := range projects {
		b.WriteString(jsonString(p))
		b.WriteByte(',')
	}
	return b.String(), nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// scope is the SQL condition of c's readers (without WHERE or AND), ""
// when every document is seen.
func (c *collection) scope() (string, []any) {
	switch r := c.readers; {
	case r == nil:
		return "", nil
	case r.Unowned:
		return readersColumn + ` IS NULL`, nil
	case len(r.Projects) == 0:
		return "0", nil
	default:
		alts := make([]string, len(r.Projects))
		args := make([]any, len(r.Projects))
		for i, p := range r.Projects {
			alts[i] = `instr(` + readersColumn + `, ?) > 0`
			args[i] = "," + jsonString(p) + ","
		}
		return "(" + strings.Join(alts, " OR ") + ")", args
	}
}

// byID is the condition selecting the document id as c sees it.
func (c *collection) byID(id string) (string, []any) {
	scope, args := c.scope()
	if scope == "" {
		return ` WHERE id = ?`, []any{id}
	}
	return ` WHERE id = ? AND ` + scope, append([]any{id}, args...)
}

// collectionTable is the DDL of a collection: the document's table, the
// index of the default order (newest first, ties by id: SQLite walks it
// backwards), and for each indexed attribute a generated column and its
// index in that order, so a filter on it reads only the rows it returns.
// The generated columns are added to an existing table when a spec
// gains one.
func collectionTable(spec repo.CollectionSpec) func(string) []string {
	return func(t string) []string {
		stmts := []string{
			`CREATE TABLE IF NOT EXISTS ` + t + ` (
				id TEXT NOT NULL PRIMARY KEY,
				version INTEGER NOT NULL,
				created INTEGER NOT NULL,
				modified INTEGER NOT NULL,
				body BLOB NOT NULL,
				admin TEXT)`,
			`ALTER TABLE ` + t + ` ADD COLUMN ` + readersColumn + ` TEXT`,
			// The readers end each index, so that a list within projects
			// tests them in the index and counts without reading rows.
			`DROP INDEX IF EXISTS ` + quote(unquote(t)+"/created"),
			`CREATE INDEX IF NOT EXISTS ` + quote(unquote(t)+"/created+readers") + ` ON ` + t + ` (created, id, ` + readersColumn + `)`,
		}
		stmts = append(stmts, readerCounts(t)...)
		for _, attr := range spec.Indexed {
			stmts = append(stmts,
				`ALTER TABLE `+t+` ADD COLUMN `+indexColumn(attr)+` GENERATED ALWAYS AS (body ->> `+jsonPath(attr)+`) VIRTUAL`,
				`DROP INDEX IF EXISTS `+quote(unquote(t)+"/"+attr),
				`CREATE INDEX IF NOT EXISTS `+quote(unquote(t)+"/"+attr+"+readers")+` ON `+t+` (`+indexColumn(attr)+`, created, id, `+readersColumn+`)`)
		}
		return stmts
	}
}

func unquote(q string) string { return q[1 : len(q)-1] }

// countsTable is the table of how many documents each project reads: a
// count of a project's documents (a list's total, unfiltered) is one
// row, not a walk of its index entries. Triggers keep it in the writes'
// own transactions; a row with project ” marks it as filled in.
func countsTable(t string) string { return quote(unquote(t) + "/counts") }

// readersJSON is the SQL of a readers column value (',"p1","p2",') as a
// JSON array ('["p1","p2"]'), for json_each.
func readersJSON(col string) string {
	return `'[' || substr(` + col + `, 2, length(` + col + `) - 2) || ']'`
}

// readerCounts is the DDL of the counts table and its triggers, and the
// filling in of the counts of a table written before it existed (once).
func readerCounts(t string) []string {
	c := countsTable(t)
	trigger := func(suffix string) string { return quote(unquote(t) + "/counts " + suffix) }
	add := func(col string) string {
		return `INSERT INTO ` + c + ` (project, n) SELECT DISTINCT value, 1 FROM json_each(` + readersJSON(col) + `) WHERE true
				ON CONFLICT (project) DO UPDATE SET n = n + 1;`
	}
	sub := func(col string) string {
		return `UPDATE ` + c + ` SET n = n - 1 WHERE project IN (SELECT value FROM json_each(` + readersJSON(col) + `));`
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + c + ` (project TEXT NOT NULL PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID`,
		`INSERT OR IGNORE INTO ` + c + ` (project, n)
			SELECT j.value, count(*) FROM ` + t + `, json_each(` + readersJSON(t+`.`+readersColumn) + `) AS j
			WHERE ` + readersColumn + ` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ` + c + ` WHERE project = '')
			GROUP BY j.value`,
		`INSERT OR IGNORE INTO ` + c + ` (project, n) VALUES ('', 0)`,
		`CREATE TRIGGER IF NOT EXISTS ` + trigger("insert") + ` AFTER INSERT ON ` + t + ` WHEN NEW.` + readersColumn + ` IS NOT NULL BEGIN ` +
			add(`NEW.`+readersColumn) + ` END`,
		`CREATE TRIGGER IF NOT EXISTS ` + trigger("delete") + ` AFTER DELETE ON ` + t + ` WHEN OLD.` + readersColumn + ` IS NOT NULL BEGIN ` +
			sub(`OLD.`+readersColumn) + ` END`,
		`CREATE TRIGGER IF NOT EXISTS ` + trigger("update") + ` AFTER UPDATE OF ` + readersColumn + ` ON ` + t +
			` WHEN OLD.` + readersColumn + ` IS NOT NEW.` + readersColumn + ` BEGIN ` +
			sub(`ifnull(OLD.`+readersColumn+`, ',,')`) + ` ` + add(`ifnull(NEW.`+readersColumn+`, ',,')`) + ` END`,
	}
}

// indexColumn is the generated column of an indexed attribute.
func indexColumn(attr string) string { return quote("ix:" + attr) }

// jsonPath is the SQL literal of the JSON path of a top-level attribute.
func jsonPath(attr string) string {
	return `'$."` + escapeSQL(escapeJSONPathLabel(attr)) + `"'`
}

func escapeJSONPathLabel(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func escapeSQL(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == '\'' {
			out = append(out, '\'')
		}
	}
	return string(out)
}

// docColumns are what a read of whole documents selects, in scanDoc's order.
const docColumns = `id, version, created, modified, json(body), admin`

// scanDoc reads a row of docColumns.
func scanDoc(sc interface{ Scan(...any) error }) (repo.Doc, error) {
	var d repo.Doc
	var created, modified int64
	var body []byte
	var admin sql.NullString
	if err := sc.Scan(&d.ID, &d.Version, &created, &modified, &body, &admin); err != nil {
		return repo.Doc{}, err
	}
	d.Created, d.Modified = time.UnixMilli(created).UTC(), time.UnixMilli(modified).UTC()
	d.Body = body
	if admin.Valid {
		d.Admin = []byte(admin.String)
	}
	return d, nil
}

func (c *collection) doing(what, id string) string {
	return fmt.Sprintf("%s %s/%s", what, c.spec.Name, id)
}

// bodyText is a body bound for jsonb(?): as text, since SQLite reads a
// blob given to a JSON function as JSONB when it looks like JSONB, which
// some JSON text may.
func bodyText(body []byte) string { return string(body) }

// adminValue is what a Doc's Admin is stored as: NULL when empty.
func adminValue(admin []byte) any {
	if len(admin) == 0 {
		return nil
	}
	return string(admin)
}

// Insert stores a new document (repo.Collection).
func (c *collection) Insert(ctx context.Context, d repo.Doc) (repo.Doc, error) {
	if err := c.t.ready(ctx, c.db); err != nil {
		return repo.Doc{}, err
	}
	d = repo.NewDoc(d, c.db.now.Now())
	readers, err := readersValue(d.Admin)
	if err != nil {
		return repo.Doc{}, repo.Internal(c.doing("insert", d.ID), err)
	}
	st, err := c.db.stmt(ctx, true, `INSERT INTO `+c.t.name+` (id, version, created, modified, body, admin, `+readersColumn+`) VALUES (?, ?, ?, ?, jsonb(?), ?, ?)`)
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("insert", d.ID))
	}
	_, err = st.ExecContext(ctx, d.ID, d.Version, d.Created.UnixMilli(), d.Modified.UnixMilli(), bodyText(d.Body), adminValue(d.Admin), readers)
	if isConstraint(err) {
		return repo.Doc{}, repo.ErrExists
	}
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("insert", d.ID))
	}
	return d, nil
}

// Get reads one document (repo.Collection).
func (c *collection) Get(ctx context.Context, id string) (repo.Doc, error) {
	if err := c.t.ready(ctx, c.db); err != nil {
		return repo.Doc{}, err
	}
	where, args := c.byID(id)
	st, err := c.db.stmt(ctx, false, `SELECT `+docColumns+` FROM `+c.t.name+where)
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("get", id))
	}
	d, err := scanDoc(st.QueryRowContext(ctx, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Doc{}, repo.ErrNotFound
	}
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("get", id))
	}
	return d, nil
}

// Update rewrites a document in one transaction (repo.Collection): the
// write lock is taken before the read, so change runs once.
func (c *collection) Update(ctx context.Context, id string, change func(cur repo.Doc) (repo.Doc, error)) (repo.Doc, error) {
	if err := c.t.ready(ctx, c.db); err != nil {
		return repo.Doc{}, err
	}
	where, args := c.byID(id)
	read, err := c.db.stmt(ctx, true, `SELECT `+docColumns+` FROM `+c.t.name+where)
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	write, err := c.db.stmt(ctx, true, `UPDATE `+c.t.name+` SET version = ?, modified = ?, body = jsonb(?), admin = ?, `+readersColumn+` = ? WHERE id = ?`)
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	tx, err := c.db.w.BeginTx(ctx, nil)
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	defer tx.Rollback()
	cur, err := scanDoc(tx.StmtContext(ctx, read).QueryRowContext(ctx, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return repo.Doc{}, repo.ErrNotFound
	}
	if err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	next, err := change(cur)
	if err != nil {
		return repo.Doc{}, err
	}
	next.ID, next.Created, next.Version = cur.ID, cur.Created, cur.Version+1
	next.Modified = c.db.now.Now()
	readers, err := readersValue(next.Admin)
	if err != nil {
		return repo.Doc{}, repo.Internal(c.doing("update", id), err)
	}
	if _, err := tx.StmtContext(ctx, write).ExecContext(ctx,
		next.Version, next.Modified.UnixMilli(), bodyText(next.Body), adminValue(next.Admin), readers, id); err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	if err := tx.Commit(); err != nil {
		return repo.Doc{}, classify(err, c.doing("update", id))
	}
	return next, nil
}

// Delete removes a document when pre holds (repo.Collection).
func (c *collection) Delete(ctx context.Context, id string, pre *models.Precondition) error {
	if err := c.t.ready(ctx, c.db); err != nil {
		return err
	}
	tx, err := c.db.w.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, c.doing("delete", id))
	}
	defer tx.Rollback()
	var version int64
	where, args := c.byID(id)
	err = tx.QueryRowContext(ctx, `SELECT version FROM `+c.t.name+where, args...).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.ErrNotFound
	}
	if err != nil {
		return classify(err, c.doing("delete", id))
	}
	if !pre.Holds(version) {
		return repo.ErrVersion
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+c.t.name+` WHERE id = ?`, id); err != nil {
		return classify(err, c.doing("delete", id))
	}
	return classify(tx.Commit(), c.doing("delete", id))
}
