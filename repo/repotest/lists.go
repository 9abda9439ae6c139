package repotest

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// The differential tests of lists: random records are stored, random
// queries and orders are answered by the store, and every answer (page,
// total, count, where a marker continues) must equal the oracle's: the
// matcher and the order's Compare applied to every record in Go, as
// readers see it.

// listSpec is the collection the list tests use: the VNFRs', so that the
// indexed attributes and the id aliases are the records' own.
var listSpec = repo.RecordSpec(models.KindVNFR)

// Seeded is a stored document as the oracle sees it.
type Seeded struct {
	ID   string
	View map[string]any // as readers see it: body and envelope names
}

// SeedRecord stores fields as a record with its own envelope and returns
// it as readers see it (the body as stored, read back).
func SeedRecord(t testing.TB, c repo.Collection, id string, created, modified time.Time, fields map[string]any) Seeded {
	t.Helper()
	b, err := models.EncodeFields(fields)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Insert(t.Context(), repo.Doc{ID: id, Created: created, Modified: modified, Body: b}); err != nil {
		t.Fatalf("seed %s: %v", id, err)
	}
	view, err := models.Record{UUID: id, Body: b, Admin: models.Admin{Created: created, Modified: modified}}.Rendered()
	if err != nil {
		t.Fatal(err)
	}
	// Filters read the times as instants and the id as the uuid.
	view[models.FieldCreatedAt], view[models.FieldUpdatedAt], view[models.FieldID] = created, modified, id
	return Seeded{ID: id, View: view}
}

// seedRandom stores n random records and returns them.
func seedRandom(t testing.TB, c repo.Collection, g filtertest.Gen, n int) []Seeded {
	t.Helper()
	out := make([]Seeded, n)
	for i := range n {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", g.R.Uint32(), i)
		out[i] = SeedRecord(t, c, id, g.Time(), g.Time(), g.Fields())
	}
	return out
}

// Oracle is the ids of every document f matches, in order o.
func Oracle(docs []Seeded, f filter.Expr, o filter.Sort) []string {
	type keyed struct {
		key []any
		id  string
	}
	var hits []keyed
	for _, d := range docs {
		if f.Match(d.View) {
			hits = append(hits, keyed{o.KeyOf(d.View), d.ID})
		}
	}
	slices.SortFunc(hits, func(a, b keyed) int { return o.Compare(a.key, a.id, b.key, b.id) })
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}

// ListCase is one query a collection must answer as the oracle does.
type ListCase struct {
	Query, Sort string
	Filter      filter.Expr
	Order       filter.Sort
	Limit       int64
	Offset      int64
	Walk        int // marker pages to follow after the first
}

// ParseListCase parses a query and sort as the record handlers do; ok is
// false when the parser refuses them (with a 400-class error, or the test
// fails).
func ParseListCase(t testing.TB, query, sort string) (ListCase, bool) {
	t.Helper()
	opts := filter.Options{Fields: repo.RecordFields()}
	values, err := url.ParseQuery(query)
	if err != nil {
		return ListCase{}, false
	}
	c := ListCase{Query: query, Sort: sort}
	if c.Filter, err = filter.ParseQuery(values, opts); err != nil {
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Fatalf("ParseQuery(%q): %v", query, err)
		}
		return ListCase{}, false
	}
	sortValues := url.Values{}
	if sort != "" {
		sortValues.Set("sort", sort)
	}
	if c.Order, err = filter.ParseSort(sortValues, opts); err != nil {
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Fatalf("ParseSort(%q): %v", sort, err)
		}
		return ListCase{}, false
	}
	return c, true
}

func idsOf(docs []repo.Doc) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out
}

// Check asks c for the case and compares every answer with want.
func (lc ListCase) Check(t testing.TB, name string, c repo.Collection, want []string) {
	t.Helper()
	ctx := t.Context()
	where := fmt.Sprintf("%s: ?%s sort=%q limit=%d offset=%d", name, lc.Query, lc.Sort, lc.Limit, lc.Offset)
	n, err := c.Count(ctx, lc.Filter)
	if err != nil {
		t.Fatalf("%s: count: %v", where, err)
	}
	if n != int64(len(want)) {
		t.Fatalf("%s: count %d, want %d", where, n, len(want))
	}
	page, err := c.List(ctx, filter.Query{Filter: lc.Filter, Sort: lc.Order, Offset: lc.Offset, Limit: lc.Limit})
	if err != nil {
		t.Fatalf("%s: list: %v", where, err)
	}
	from := min(lc.Offset, int64(len(want)))
	to := min(from+lc.Limit, int64(len(want)))
	if got := idsOf(page.Items); !slices.Equal(got, want[from:to]) || page.Total != int64(len(want)) {
		t.Fatalf("%s: page %v total %d, want %v total %d (all: %v)", where, got, page.Total, want[from:to], len(want), want)
	}
	if (page.Next != nil) != (to < int64(len(want))) {
		t.Fatalf("%s: next %v with %d of %d documents read", where, page.Next, to, len(want))
	}
	for range lc.Walk {
		if page.Next == nil {
			return
		}
		// As a client follows it: through the token.
		after, err := lc.Order.ParseMarker(lc.Order.Marker(*page.Next))
		if err != nil {
			t.Fatalf("%s: marker after %d: %v", where, to, err)
		}
		if page, err = c.List(ctx, filter.Query{Filter: lc.Filter, Sort: lc.Order, After: &after, Limit: lc.Limit}); err != nil {
			t.Fatalf("%s: list after %d: %v", where, to, err)
		}
		from, to = to, min(to+lc.Limit, int64(len(want)))
		if got := idsOf(page.Items); !slices.Equal(got, want[from:to]) || page.Total != int64(len(want)) {
			t.Fatalf("%s: page after marker at %d: %v total %d, want %v total %d", where, from, got, page.Total, want[from:to], len(want))
		}
		if (page.Next != nil) != (to < int64(len(want))) {
			t.Fatalf("%s: next %v with %d of %d documents read", where, page.Next, to, len(want))
		}
	}
}

func testListsAgree(t *testing.T, b Backend) {
	g := filtertest.Gen{R: rand.New(rand.NewPCG(11, 2026)), Storable: !b.NestedArrays}
	c := b.Open(t, NewClock(t0).Now).Collection(listSpec)
	docs := seedRandom(t, c, g, 150)
	views := make([]map[string]any, len(docs))
	ids := make([]string, len(docs))
	for i, d := range docs {
		views[i], ids[i] = d.View, d.ID
	}
	nQueries := 400
	if testing.Short() {
		nQueries = 60
	}
	var asked, matched, refused int
	for range nQueries {
		lc, ok := ParseListCase(t, g.Query(views, ids), g.Sort())
		if !ok {
			refused++
			continue
		}
		asked++
		lc.Limit = 1 + g.R.Int64N(12)
		if g.R.IntN(4) == 0 {
			lc.Offset = g.R.Int64N(40)
		}
		lc.Walk = 3
		want := Oracle(docs, lc.Filter, lc.Order)
		matched += len(want)
		lc.Check(t, b.Name, c, want)
	}
	t.Logf("%d queries (%d refused), %d matches over %d records", asked, refused, matched, len(docs))
	if asked < nQueries/3 || matched < asked || matched > asked*len(docs)*9/10 {
		t.Fatalf("degenerate generator: %d queries, %d matches", asked, matched)
	}
}

// testListEdgeCases are the hand-picked cases the random ones may miss:
// the default order with ties, indexed filters, time ranges, markers from
// another order, empty collections.
func testListEdgeCases(t *testing.T, b Backend) {
	db := b.Open(t, NewClock(t0).Now)
	c := db.Collection(repo.RecordSpec(models.KindNSR))
	base := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	statuses := []string{"offline", "failed", "normal operation", "terminated"}
	var docs []Seeded
	for i := range 60 {
		created := base.Add(time.Duration(i/3) * time.Hour) // three records per creation time
		id := fmt.Sprintf("%08d-0000-4000-8000-%012d", 60-i, i)
		fields := map[string]any{
			"status":               statuses[i%len(statuses)],
			"descriptor_reference": fmt.Sprintf("d-%d", i%5),
			"virtual_deployment_units": []any{
				map[string]any{"id": "vdu01", "number_of_instances": int64(i % 3)},
				map[string]any{"id": fmt.Sprintf("vdu%02d", i%4), "number_of_instances": int64(i % 2)},
			},
		}
		docs = append(docs, SeedRecord(t, c, id, created, created.Add(time.Minute), fields))
	}
	tests := []struct{ query, sort string }{
		{"", ""},
		{"status=offline", ""},
		{"status=offline,failed", ""},
		{"status.neq=offline", ""},
		{"status=", ""},
		{"status=offline&descriptor_reference=d-1,d-2", ""},
		{"descriptor_reference=d-3", "-status"},
		{"created_at.gte=2026-01-05T12:00:00Z&created_at.lt=2026-01-05T15:00:00Z", ""},
		{"created_at.lt=2026-01-05T15:00:00Z&created_at.gte=2026-01-05T12:00:00Z", "created_at"},
		{"created_at=2026-01-05T13:00:00Z", ""},
		{"created_at.lt=0001-01-01T00:00:00Z", ""}, // a bound at the zero time.Time is still a bound
		{"created_at.gte=0001-01-01T00:00:00Z", "status"},
		{"created_at.gt=2026-01-05", "uuid"},
		{"updated_at.gte=2026-01-05T12:01:00Z", ""},
		{"uuid=00000010-0000-4000-8000-000000000050", ""},
		{"id=00000010-0000-4000-8000-000000000050,00000011-0000-4000-8000-000000000049", ""},
		{"virtual_deployment_units.ANYINDEX.id=vdu01&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1", ""},
		{"virtual_deployment_units.id=vdu03&virtual_deployment_units.number_of_instances=1", "-created_at,uuid"},
		{"virtual_deployment_units.1.id.cont=02", "status,-uuid"},
		{"status=offline&virtual_deployment_units.1.number_of_instances=1", ""},
		{"status.ncont=o", "descriptor_reference,status"},
		{"nothing.here=1", ""},
	}
	for _, tt := range tests {
		lc, ok := ParseListCase(t, tt.query, tt.sort)
		if !ok {
			t.Fatalf("?%s sort=%s refused", tt.query, tt.sort)
		}
		want := Oracle(docs, lc.Filter, lc.Order)
		for _, limit := range []int64{1, 4, 100} {
			for _, offset := range []int64{0, 5, 100} {
				lc.Limit, lc.Offset, lc.Walk = limit, offset, 30
				lc.Check(t, b.Name, c, want)
			}
		}
	}
	t.Run("newest first, ties by ascending id", func(t *testing.T) {
		// Not a client's order (sort=-created_at is the default, ties
		// descending), but one a store may be asked for: it is not the
		// created index walked backwards.
		lc := ListCase{Order: filter.Sort{Keys: []filter.SortKey{{Path: []string{models.FieldCreatedAt}, Desc: true, Time: true}}}}
		want := Oracle(docs, lc.Filter, lc.Order)
		for _, limit := range []int64{2, 7} {
			lc.Limit, lc.Walk = limit, 30
			lc.Check(t, b.Name, c, want)
		}
	})
	t.Run("default order of an envelope with other names", func(t *testing.T) {
		// A collection whose creation time is not called created_at (the
		// stored APPC requests: received) is newest first all the same;
		// one with no creation time is by id, descending.
		for _, env := range []repo.Envelope{{Created: "received"}, {}} {
			c := db.Collection(repo.CollectionSpec{Name: "named-" + env.Created, Envelope: env})
			for i, at := range []int{1, 3, 2, 3} {
				if _, err := c.Insert(t.Context(), repo.Doc{ID: fmt.Sprint("d", i), Created: t0.Add(time.Duration(at) * time.Second), Body: []byte(`{}`)}); err != nil {
					t.Fatal(err)
				}
			}
			want := []string{"d3", "d1", "d2", "d0"}
			if env.Created == "" {
				want = []string{"d3", "d2", "d1", "d0"}
			}
			var got []string
			q := filter.Query{Limit: 3}
			for {
				page, err := c.List(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, idsOf(page.Items)...)
				if page.Next == nil {
					break
				}
				q.After = page.Next
			}
			if !slices.Equal(got, want) {
				t.Errorf("envelope %+v: default order %v, want %v", env, got, want)
			}
		}
	})
	t.Run("empty collection", func(t *testing.T) {
		lc, _ := ParseListCase(t, "status=offline", "")
		lc.Limit = 10
		lc.Check(t, b.Name, db.Collection(repo.RecordSpec(models.KindVNFR)), nil)
	})
	t.Run("marker of another order", func(t *testing.T) {
		lc, _ := ParseListCase(t, "", "status")
		page, err := c.List(t.Context(), filter.Query{Sort: lc.Order, Limit: 5})
		if err != nil || page.Next == nil {
			t.Fatalf("%v %v", page.Next, err)
		}
		// A position of "status" read as one of the default order: the
		// store refuses it instead of answering some other page.
		def, _ := ParseListCase(t, "", "")
		_, err = c.List(t.Context(), filter.Query{Sort: def.Order, After: page.Next, Limit: 5})
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Errorf("a marker of another order: %v, want invalid", err)
		}
		// A position with fewer keys than the order: refused, not read at Key[0].
		_, err = c.List(t.Context(), filter.Query{Sort: def.Order, After: &filter.Position{UUID: page.Next.UUID}, Limit: 5})
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Errorf("a position without keys: %v, want invalid", err)
		}
	})
}

// testDeleteWhere: DeleteWhere removes what the filter matches, on the
// envelope (one SQL statement on SQLite) or on the body (the matcher).
func testDeleteWhere(t *testing.T, b Backend) {
	db := b.Open(t, NewClock(t0).Now)
	c := db.Collection(listSpec)
	var docs []Seeded
	for i := range 30 {
		docs = append(docs, SeedRecord(t, c, fmt.Sprintf("%08d-0000-4000-8000-000000000000", i),
			t0.Add(time.Duration(i)*time.Minute), t0, map[string]any{"status": []string{"a", "b", "c"}[i%3], "n": int64(i)}))
	}
	for _, tt := range []struct {
		query string
		want  int64
	}{
		{"created_at.lt=" + url.QueryEscape(t0.Add(5*time.Minute).Format(time.RFC3339)), 5},
		{"status=b", 8},  // 10 b's, 2 gone
		{"n.gte=25", 3},  // 26, 27, 29 (25 and 28 were b's)
		{"n.gte=25", 0},  // nothing left to delete
		{"nothing=1", 0}, // matches nothing
	} {
		lc, ok := ParseListCase(t, tt.query, "")
		if !ok {
			t.Fatalf("%s refused", tt.query)
		}
		want := Oracle(docs, lc.Filter, lc.Order)
		n, err := c.DeleteWhere(t.Context(), lc.Filter)
		if err != nil || n != tt.want {
			t.Fatalf("delete where %s: %d, %v; want %d", tt.query, n, err, tt.want)
		}
		for _, id := range want {
			if _, err := c.Get(t.Context(), id); err == nil {
				t.Fatalf("delete where %s left %s", tt.query, id)
			}
		}
		docs = slices.DeleteFunc(docs, func(d Seeded) bool { return slices.Contains(want, d.ID) })
		if left, _ := c.Count(t.Context(), filter.Expr{}); left != int64(len(docs)) {
			t.Fatalf("after delete where %s: %d left, want %d", tt.query, left, len(docs))
		}
	}
}
