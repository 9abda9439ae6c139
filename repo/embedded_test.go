package repo

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

// TestEmbeddedLooksUpByIDWithAnIndex checks the SQLite plan of FerretDB's
// own lookup by _id: it must search an index, not scan. It guards the index
// indexIDs adds, which depends on FerretDB's private table layout.
func TestEmbeddedLooksUpByIDWithAnIndex(t *testing.T) {
	e, err := StartEmbedded(EmbeddedConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := Open(Config{Embedded: e, Database: "plan"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	if _, err := s.Create(t.Context(), models.KindVNFR, "u1", map[string]any{"id": "u1"}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := s.EnsureIndexes(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(e.dir, "plan.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'vnfrs'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"u1"`)
	if err != nil {
		t.Fatal(err)
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
	if got := strings.Join(plan, "; "); !strings.Contains(got, "USING INDEX") {
		t.Fatalf("lookup by _id does not use an index: %s", got)
	}
}
