package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// TestCountsOfATableFromBefore: a table written before the counts table
// existed (no table, no triggers) gets its counts filled in when next
// opened, once; they then follow every write.
func TestCountsOfATableFromBefore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := t.Context()
	spec := repo.RecordSpec(models.KindNSR)
	owned := func(ps ...string) []byte {
		b, _ := json.Marshal(map[string][]string{"projects_read": ps})
		return b
	}
	count := func(db *DB, p string) int64 {
		t.Helper()
		n, err := db.Collection(spec).Within(repo.Readers{Projects: []string{p}}).Count(ctx, filter.Expr{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	db, err := Open(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	c := db.Collection(spec)
	for i := range 10 {
		admin := owned("a")
		if i%3 == 0 {
			admin = owned("a", "b")
		}
		if _, err := c.Insert(ctx, repo.Doc{ID: fmt.Sprint(i), Body: []byte(`{}`), Admin: admin}); err != nil {
			t.Fatal(err)
		}
	}
	if count(db, "a") != 10 || count(db, "b") != 4 {
		t.Fatalf("counts %d %d, want 10 4", count(db, "a"), count(db, "b"))
	}
	// As a version from before the counts left it.
	name := unquote(db.Collection(spec).(*collection).t.name)
	for _, stmt := range []string{
		`DROP TRIGGER ` + quote(name+"/counts insert"), `DROP TRIGGER ` + quote(name+"/counts delete"),
		`DROP TRIGGER ` + quote(name+"/counts update"), `DROP TABLE ` + quote(name+"/counts"),
	} {
		if _, err := db.w.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close(context.Background())

	for range 2 { // and a second opening keeps them
		db, err = Open(Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if got := count(db, "b"); got != 4 {
			t.Fatalf("b's count after reopening: %d, want 4", got)
		}
		db.Close(context.Background())
	}
	db, err = Open(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	c = db.Collection(spec)
	if _, err := c.Update(ctx, "0", func(d repo.Doc) (repo.Doc, error) { d.Admin = owned("b"); return d, nil }); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "1", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, "2", func(d repo.Doc) (repo.Doc, error) { d.Admin = nil; return d, nil }); err != nil {
		t.Fatal(err)
	}
	if a, b := count(db, "a"), count(db, "b"); a != 7 || b != 4 {
		t.Errorf("after moving 0 to b, deleting 1 and disowning 2: a %d b %d, want 7 4", a, b)
	}
	// The counts agree with a walk of the rows.
	f, _ := filter.Where(filter.Options{}, filter.Condition{Path: []string{"x"}, Op: filter.OpEq, Value: nil})
	if n, _ := c.Within(repo.Readers{Projects: []string{"a"}}).Count(ctx, f); n != 7 {
		t.Errorf("a's count by a walk: %d, want 7", n)
	}
}
