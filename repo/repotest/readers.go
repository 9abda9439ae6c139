package repotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// testReaders checks Within: every way of reading or writing a document
// through a view sees only what its readers may read, whichever path the
// backend takes (an indexed page, a scan, a count, a marker).
func testReaders(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	all := db.Collection(testSpec)
	ctx := t.Context()
	owners := map[string][]string{
		"a1": {"A"}, "a2": {"A"}, "b1": {"B"}, "ab": {"A", "B"},
		"q1": {`A","B`}, // a project id that holds the separators of the store's encoding
		"u1": nil, "u2": {},
	}
	ids := []string{"a1", "a2", "b1", "ab", "q1", "u1", "u2"}
	for i, id := range ids {
		var admin json.RawMessage
		if owners[id] != nil {
			admin = body(t, map[string]any{repo.AdminProjectsRead: owners[id], "projects_write": owners[id]})
		}
		clock.Advance(1000)
		st := "odd"
		if i%2 == 0 {
			st = "even"
		}
		if _, err := all.Insert(ctx, repo.Doc{ID: id, Body: body(t, map[string]any{"status": st, "n": i}), Admin: admin}); err != nil {
			t.Fatal(err)
		}
	}
	seen := func(r repo.Readers) []string {
		var out []string
		for _, id := range ids {
			for _, p := range r.Projects {
				if slices.Contains(owners[id], p) && !r.Unowned {
					out = append(out, id)
					break
				}
			}
			if r.Unowned && len(owners[id]) == 0 {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	even, err := filter.ParseQuery(url.Values{"status": {"even"}}, filter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sorted, err := filter.ParseSort(url.Values{"sort": {"n"}}, filter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []repo.Readers{
		{Projects: []string{"A"}}, {Projects: []string{"B"}}, {Projects: []string{"A", "B"}},
		{Projects: []string{`A","B`}}, {Projects: []string{"C"}}, {}, {Unowned: true},
	} {
		t.Run(fmt.Sprintf("%+v", r), func(t *testing.T) {
			c := all.Within(r)
			want := seen(r)
			for _, id := range ids {
				_, err := c.Get(ctx, id)
				if slices.Contains(want, id) != (err == nil) {
					t.Errorf("get %s: %v (seen: %v)", id, err, want)
				}
				if err != nil && !errors.Is(err, repo.ErrNotFound) {
					t.Errorf("get %s: %v, want ErrNotFound", id, err)
				}
			}
			// The default order a page at a time (marker), another order
			// (scanned), a filter on an indexed attribute, and counts.
			var paged []string
			q := filter.Query{Limit: 2}
			for {
				p, err := c.List(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if p.Total != int64(len(want)) {
					t.Errorf("list total %d, want %d", p.Total, len(want))
				}
				for _, d := range p.Items {
					paged = append(paged, d.ID)
				}
				if p.Next == nil {
					break
				}
				q.After = p.Next
			}
			slices.Sort(paged)
			if !slices.Equal(paged, want) {
				t.Errorf("paged list %v, want %v", paged, want)
			}
			p, err := c.List(ctx, filter.Query{Sort: sorted, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range p.Items {
				got = append(got, d.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) || p.Total != int64(len(want)) {
				t.Errorf("sorted list %v (total %d), want %v", got, p.Total, want)
			}
			var wantEven int64
			for _, id := range want {
				if slices.Index(ids, id)%2 == 0 {
					wantEven++
				}
			}
			if n, err := c.Count(ctx, even); err != nil || n != wantEven {
				t.Errorf("count status=even: %d %v, want %d", n, err, wantEven)
			}
			if n, err := c.Count(ctx, filter.Expr{}); err != nil || n != int64(len(want)) {
				t.Errorf("count: %d %v, want %d", n, err, len(want))
			}
		})
	}

	// Writes through a view find only what it sees, and change nothing else.
	b1 := all.Within(repo.Readers{Projects: []string{"B"}})
	if _, err := b1.Update(ctx, "a1", func(cur repo.Doc) (repo.Doc, error) {
		t.Error("change ran on a document the view does not see")
		return cur, nil
	}); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("update of another project's document: %v, want ErrNotFound", err)
	}
	if err := b1.Delete(ctx, "a1", nil); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("delete of another project's document: %v, want ErrNotFound", err)
	}
	if n, err := b1.DeleteWhere(ctx, even); err != nil || n != 1 { // b1 is even, ab odd; a1 even but A's
		t.Errorf("delete where status=even within B: %d %v, want 1 (b1)", n, err)
	}
	if _, err := all.Get(ctx, "a1"); err != nil {
		t.Errorf("a1 after writes within B: %v", err)
	}
	if _, err := all.Get(ctx, "b1"); !errors.Is(err, repo.ErrNotFound) {
		t.Errorf("b1 after delete where within B: %v, want ErrNotFound", err)
	}
	// A change of readers moves a document between views.
	if _, err := all.Update(ctx, "u1", func(cur repo.Doc) (repo.Doc, error) {
		cur.Admin = body(t, map[string]any{repo.AdminProjectsRead: []string{"B"}})
		return cur, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := b1.Get(ctx, "u1"); err != nil {
		t.Errorf("u1 given to B: %v", err)
	}
	if n, _ := all.Within(repo.Readers{Unowned: true}).Count(ctx, filter.Expr{}); n != 1 {
		t.Errorf("unowned after u1 was given to B: %d, want 1 (u2)", n)
	}
}

// testWriters: a record a project may read but not write (its
// projects_read holds the project, its projects_write does not) is, to
// that project's writes, not found, and stays as it is.
func testWriters(t *testing.T, b Backend) {
	db := b.Open(t, NewClock(t0).Now)
	records, vnfs := repo.NewRecordStore(db), repo.NewAPPCStore(db, nil, nil)
	ctx := t.Context()
	id := uuidN(40)
	if _, err := records.Create(ctx, models.ProjectScope("A"), models.KindVNFR, recordOf(t, id, sampleFields(id, "offline"))); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(repo.RecordSpec(models.KindVNFR)).Update(ctx, id, func(cur repo.Doc) (repo.Doc, error) {
		cur.Admin = []byte(`{"projects_read":["A","B"],"projects_write":["A"]}`)
		return cur, nil
	}); err != nil {
		t.Fatal(err)
	}
	readerB := models.ProjectScope("B")
	if _, err := records.Get(ctx, readerB, models.KindVNFR, id); err != nil {
		t.Fatalf("B reads: %v", err)
	}
	if _, err := records.Replace(ctx, readerB, models.KindVNFR, id, recordOf(t, id, sampleFields(id, "failed")).Body, nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B replaces: %v, want NotFound", err)
	}
	if err := records.Delete(ctx, readerB, models.KindVNFR, id, nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B deletes: %v, want NotFound", err)
	}
	if _, err := vnfs.ModifyVNF(ctx, readerB, id, func(v *models.VNF) error { v.Fields["status"] = "failed"; return nil }); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B drives the VNF: %v, want NotFound", err)
	}
	got, err := records.Get(ctx, models.ProjectScope("A"), models.KindVNFR, id)
	if err != nil || got.Admin.Version != 2 || !strings.Contains(string(got.Body), `"status":"offline"`) {
		t.Errorf("after B's writes: version %d, %v", got.Admin.Version, err)
	}
}
