package repo

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// TestEmbeddedLooksUpByIDWithAnIndex checks the SQLite plan of FerretDB's
// own lookup by _id: it must search an index, not scan. It guards the index
// indexIDs adds, which depends on FerretDB's private table layout.
func TestEmbeddedLooksUpByIDWithAnIndex(t *testing.T) {
	db, table := planTable(t, models.KindVNFR)
	if got := explain(t, db, `SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"u1"`); !strings.Contains(got, "USING INDEX") {
		t.Fatalf("lookup by _id does not use an index: %s", got)
	}
}

// planTable stores one record of kind on a fresh embedded store, with the
// indexes the store adds, and returns the SQLite database and the table of
// that collection, to ask SQLite for its plans.
func planTable(t *testing.T, kind models.Kind) (*sql.DB, string) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := Open(Config{Embedded: e, Database: "plan"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	if _, err := s.Create(t.Context(), kind, "u1", map[string]any{"id": "u1", "status": "offline"}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := s.EnsureIndexes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+e.sqlitePath("plan"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, string(kind)).Scan(&table); err != nil {
		t.Fatal(err)
	}
	return db, table
}

// explain is SQLite's query plan of query, its steps joined by "; ".
func explain(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// TestListPagesUseIndexes checks the SQLite plans of the pages the list
// reader answers from indexes: each must seek the index of its filter and
// read it in the list order, with no sort step, so a page costs the same
// at any depth and collection size.
func TestListPagesUseIndexes(t *testing.T) {
	db, table := planTable(t, models.KindNSR)
	marker := &filter.Position{Key: []any{time.Now()}, UUID: "u1"}
	tests := []struct {
		query string
		after *filter.Position
		index string // the index the plan must search (or any of a|b)
	}{
		{"", nil, "created"},
		{"", marker, "created"},
		{"status=offline", nil, "status"},
		{"status=offline", marker, "status"},
		{"descriptor_reference=d1", nil, "descriptor_reference"},
		{"descriptor_reference=d1", marker, "descriptor_reference"},
		{"created_at.gte=2026-01-01&created_at.lt=2026-02-01", nil, "created"},
		{"created_at.gte=2026-01-01", marker, "created"},
		{"status=offline&descriptor_reference=d1", nil, "status|descriptor_reference"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			values, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			f, err := filter.ParseQuery(values, filter.Options{Fields: Fields()})
			if err != nil {
				t.Fatal(err)
			}
			conds, exact := f.IndexConds(indexed)
			if !exact {
				t.Fatalf("%q is not answered by indexes alone", tt.query)
			}
			cond, args := where(conds)
			q := ListQuery{Filter: f, Sort: filter.DefaultSort(filter.Options{Fields: Fields()}), After: tt.after, Limit: 100}
			query, args, err := indexedPageQuery(table, q, cond, args)
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, db, query, args...)
			uses := false
			for _, index := range strings.Split(tt.index, "|") {
				uses = uses || strings.Contains(plan+" ", "USING INDEX "+table+"_nfv_"+index+" ")
			}
			if !uses {
				t.Errorf("plan %q does not use the index on %s", plan, tt.index)
			}
			if tt.after != nil && !strings.Contains(plan, "<expr><?)") {
				t.Errorf("plan %q reads from the top instead of seeking to the marker", plan)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("plan %q sorts instead of reading the index in order", plan)
			}
		})
	}
}
