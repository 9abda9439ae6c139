package repo_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// The differential tests of lists: random records are stored, random
// queries and orders are answered by the store, and every answer (page,
// total, count, where a marker continues) must equal the oracle's: the
// matcher and the order's Compare applied to every record in Go.
//
// On the embedded store two readers answer: the store as the service
// opens it (lists read from SQLite, sqlite.go) and a store opened on the
// same database through FerretDB alone (the driver path MongoDB takes,
// with FerretDB's wide filter and the matcher after it).

// oracleRecord is a stored record as the oracle sees it.
type oracleRecord struct {
	uuid string
	view map[string]any // rendered, as filters read it
}

// listStores are the readers of one database that must agree.
type listStores []struct {
	name  string
	store *repo.Store
}

// newListStores opens the readers on a fresh database.
func newListStores(t testing.TB) listStores {
	t.Helper()
	s := repotest.NewStore(t, testDB)
	stores := listStores{{"service", s}}
	if testDB.Embedded != nil {
		cfg := testDB.Config(s.Database().Name())
		cfg.Embedded = nil // FerretDB only, no SQLite reader
		d, err := repo.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close(t.Context()) })
		stores = append(stores, struct {
			name  string
			store *repo.Store
		}{"ferretdb", d})
	}
	return stores
}

// seedRandom stores n random records of kind, with their envelope, and
// returns them as the oracle sees them.
func seedRandom(t testing.TB, s *repo.Store, g filtertest.Gen, kind models.Kind, n int) []oracleRecord {
	t.Helper()
	docs := make([]any, n)
	recs := make([]oracleRecord, n)
	for i := range n {
		fields := g.Fields()
		created, modified := g.Time(), g.Time()
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", g.R.Uint32(), i)
		doc := bson.M{"_id": id, "_admin": bson.M{"created": created, "modified": modified, "version": int64(1)}}
		for k, v := range fields {
			doc[k] = v
		}
		docs[i] = doc
		recs[i] = oracleRecord{uuid: id, view: models.Record{UUID: id, Fields: fields, Admin: models.Admin{Created: created, Modified: modified}}.Rendered()}
	}
	if _, err := s.Database().Collection(string(kind)).InsertMany(t.Context(), docs); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return recs
}

// oracle is every record f matches, in order o.
func oracle(recs []oracleRecord, f filter.Expr, o filter.Sort) []string {
	type keyed struct {
		key  []any
		uuid string
	}
	var hits []keyed
	for _, r := range recs {
		if f.Match(r.view) {
			hits = append(hits, keyed{o.KeyOf(r.view), r.uuid})
		}
	}
	slices.SortFunc(hits, func(a, b keyed) int { return o.Compare(a.key, a.uuid, b.key, b.uuid) })
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.uuid
	}
	return out
}

func uuidsOf(recs []models.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.UUID
	}
	return out
}

// listCase is one query the stores must answer as the oracle does.
type listCase struct {
	query, sort string
	filter      filter.Expr
	order       filter.Sort
	limit       int64
	offset      int64
	walk        int // marker pages to follow after the first
}

// parseListCase parses a generated query and sort; ok is false when the
// parser refuses them (with a 400-class error, or the test fails).
func parseListCase(t testing.TB, query, sort string) (listCase, bool) {
	t.Helper()
	opts := filter.Options{Fields: repo.Fields()}
	values, err := url.ParseQuery(query)
	if err != nil {
		return listCase{}, false
	}
	c := listCase{query: query, sort: sort}
	if c.filter, err = filter.ParseQuery(values, opts); err != nil {
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Fatalf("ParseQuery(%q): %v", query, err)
		}
		return listCase{}, false
	}
	sortValues := url.Values{}
	if sort != "" {
		sortValues.Set("sort", sort)
	}
	if c.order, err = filter.ParseSort(sortValues, opts); err != nil {
		if models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Fatalf("ParseSort(%q): %v", sort, err)
		}
		return listCase{}, false
	}
	return c, true
}

// check asks store for c and compares every answer with want.
func (c listCase) check(t testing.TB, name string, s *repo.Store, kind models.Kind, want []string) {
	t.Helper()
	ctx := t.Context()
	where := fmt.Sprintf("%s: ?%s sort=%q limit=%d offset=%d", name, c.query, c.sort, c.limit, c.offset)
	n, err := s.Count(ctx, kind, c.filter)
	if err != nil {
		t.Fatalf("%s: count: %v", where, err)
	}
	if n != int64(len(want)) {
		t.Fatalf("%s: count %d, want %d", where, n, len(want))
	}
	page, err := s.List(ctx, kind, repo.ListQuery{Filter: c.filter, Sort: c.order, Offset: c.offset, Limit: c.limit})
	if err != nil {
		t.Fatalf("%s: list: %v", where, err)
	}
	from := min(c.offset, int64(len(want)))
	to := min(from+c.limit, int64(len(want)))
	if got := uuidsOf(page.Records); !slices.Equal(got, want[from:to]) || page.Total != int64(len(want)) {
		t.Fatalf("%s: page %v total %d, want %v total %d (all: %v)", where, got, page.Total, want[from:to], len(want), want)
	}
	if (page.Next != nil) != (to < int64(len(want))) {
		t.Fatalf("%s: next %v with %d of %d records read", where, page.Next, to, len(want))
	}
	for range c.walk {
		if page.Next == nil {
			return
		}
		// As a client follows it: through the token.
		after, err := c.order.ParseMarker(c.order.Marker(*page.Next))
		if err != nil {
			t.Fatalf("%s: marker after %d: %v", where, to, err)
		}
		if page, err = s.List(ctx, kind, repo.ListQuery{Filter: c.filter, Sort: c.order, After: &after, Limit: c.limit}); err != nil {
			t.Fatalf("%s: list after %d: %v", where, to, err)
		}
		from, to = to, min(to+c.limit, int64(len(want)))
		if got := uuidsOf(page.Records); !slices.Equal(got, want[from:to]) || page.Total != int64(len(want)) {
			t.Fatalf("%s: page after marker at %d: %v total %d, want %v total %d", where, from, got, page.Total, want[from:to], len(want))
		}
		if (page.Next != nil) != (to < int64(len(want))) {
			t.Fatalf("%s: next %v with %d of %d records read", where, page.Next, to, len(want))
		}
	}
}

func TestListAgreesWithMatcher(t *testing.T) {
	g := filtertest.Gen{R: rand.New(rand.NewPCG(11, 2026)), Storable: true}
	stores := newListStores(t)
	recs := seedRandom(t, stores[0].store, g, models.KindVNFR, 150)
	views := make([]map[string]any, len(recs))
	uuids := make([]string, len(recs))
	for i, r := range recs {
		views[i], uuids[i] = r.view, r.uuid
	}
	nQueries := 400
	if testing.Short() {
		nQueries = 60
	}
	var asked, matched, refused int
	for i := range nQueries {
		c, ok := parseListCase(t, g.Query(views, uuids), g.Sort())
		if !ok {
			refused++
			continue
		}
		asked++
		c.limit = 1 + g.R.Int64N(12)
		if g.R.IntN(4) == 0 {
			c.offset = g.R.Int64N(40)
		}
		want := oracle(recs, c.filter, c.order)
		matched += len(want)
		for j, s := range stores {
			c.walk = 3
			if j > 0 {
				// FerretDB decodes every record it selects (0.3 ms each):
				// a sample of the queries is enough to keep both paths honest.
				if i%5 != 0 {
					continue
				}
				c.walk = 1
			}
			c.check(t, s.name, s.store, models.KindVNFR, want)
		}
	}
	t.Logf("%d queries (%d refused), %d matches over %d records", asked, refused, matched, len(recs))
	if asked < nQueries/3 || matched < asked || matched > asked*len(recs)*9/10 {
		t.Fatalf("degenerate generator: %d queries, %d matches", asked, matched)
	}
}

// TestListEdgeCases are the hand-picked cases the random ones may miss:
// the default order with ties, indexed filters, time ranges, markers from
// another order, empty collections.
func TestListEdgeCases(t *testing.T) {
	stores := newListStores(t)
	base := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	statuses := []string{"offline", "failed", "normal operation", "terminated"}
	var docs []any
	var recs []oracleRecord
	for i := range 60 {
		created := base.Add(time.Duration(i/3) * time.Hour) // three records per creation time
		id := fmt.Sprintf("%08d-0000-4000-8000-%012d", 60-i, i)
		fields := map[string]any{
			"status":               statuses[i%len(statuses)],
			"descriptor_reference": fmt.Sprintf("d-%d", i%5),
			"virtual_deployment_units": []any{
				map[string]any{"id": "vdu01", "number_of_instances": int32(i % 3)},
				map[string]any{"id": fmt.Sprintf("vdu%02d", i%4), "number_of_instances": int64(i % 2)},
			},
		}
		if i%7 == 0 {
			fields["status"] = nil // not valid for the schema, but stored data may be older
		}
		doc := bson.M{"_id": id, "_admin": bson.M{"created": created, "modified": created.Add(time.Minute), "version": int64(1)}}
		for k, v := range fields {
			doc[k] = v
		}
		docs = append(docs, doc)
		recs = append(recs, oracleRecord{uuid: id, view: models.Record{UUID: id, Fields: fields, Admin: models.Admin{Created: created, Modified: created.Add(time.Minute)}}.Rendered()})
	}
	if _, err := stores[0].store.Database().Collection(string(models.KindNSR)).InsertMany(t.Context(), docs); err != nil {
		t.Fatal(err)
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
		{"virtual_deployment_units.ANYINDEX.id=vdu01&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1", ""},
		{"virtual_deployment_units.id=vdu03&virtual_deployment_units.number_of_instances=1", "-created_at,uuid"},
		{"virtual_deployment_units.1.id.cont=02", "status,-uuid"},
		{"status=offline&virtual_deployment_units.1.number_of_instances=1", ""},
		{"status.ncont=o", "descriptor_reference,status"},
		{"nothing.here=1", ""},
	}
	for _, tt := range tests {
		c, ok := parseListCase(t, tt.query, tt.sort)
		if !ok {
			t.Fatalf("?%s sort=%s refused", tt.query, tt.sort)
		}
		want := oracle(recs, c.filter, c.order)
		for _, limit := range []int64{1, 4, 100} {
			for _, offset := range []int64{0, 5, 100} {
				c.limit, c.offset, c.walk = limit, offset, 30
				for _, s := range stores {
					c.check(t, s.name, s.store, models.KindNSR, want)
				}
			}
		}
	}
	t.Run("empty collection", func(t *testing.T) {
		c, _ := parseListCase(t, "status=offline", "")
		c.limit = 10
		for _, s := range stores {
			c.check(t, s.name, s.store, models.KindVNFR, nil)
		}
	})
	t.Run("marker of another order", func(t *testing.T) {
		c, _ := parseListCase(t, "", "status")
		c.limit = 5
		for _, s := range stores {
			page, err := s.store.List(t.Context(), models.KindNSR, repo.ListQuery{Sort: c.order, Limit: 5})
			if err != nil || page.Next == nil {
				t.Fatalf("%s: %v %v", s.name, page.Next, err)
			}
			// A position of "status" read as one of the default order: the
			// store refuses it instead of answering some other page.
			def, _ := parseListCase(t, "", "")
			_, err = s.store.List(t.Context(), models.KindNSR, repo.ListQuery{Sort: def.order, After: page.Next, Limit: 5})
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Errorf("%s: a marker of another order: %v, want invalid", s.name, err)
			}
			// A position with fewer keys than the order: refused, not read at Key[0].
			_, err = s.store.List(t.Context(), models.KindNSR, repo.ListQuery{Sort: def.order, After: &filter.Position{UUID: page.Next.UUID}, Limit: 5})
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Errorf("%s: a position without keys: %v, want invalid", s.name, err)
			}
		}
	})
}

// TestListReadsRecordsAsTheDriverDoes: whichever reader answers, a page
// holds the same records, field for field, as the driver reads them.
func TestListReadsRecordsAsTheDriverDoes(t *testing.T) {
	stores := newListStores(t)
	if len(stores) < 2 {
		t.Skip("one reader on MongoDB")
	}
	g := filtertest.Gen{R: rand.New(rand.NewPCG(5, 5)), Storable: true}
	seedRandom(t, stores[0].store, g, models.KindVNFR, 80)
	ctx := t.Context()
	// A record the service really stores, with every JSON kind.
	fields := map[string]any{"id": "x", "n": int64(1) << 60, "f": 0.1, "neg": int32(-3), "s": "é\u0000\"", "t": true,
		"nil": nil, "o": map[string]any{"": "empty key", "a b": []any{}}, "deep": []any{map[string]any{"l": []any{map[string]any{}}}}}
	if _, err := stores[0].store.Create(ctx, models.KindVNFR, "ffffffff-0000-4000-8000-000000000000", fields); err != nil {
		t.Fatal(err)
	}
	var pages [][]byte
	for _, s := range stores {
		page, err := s.store.List(ctx, models.KindVNFR, repo.ListQuery{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) != 81 {
			t.Fatalf("%s: %d records", s.name, len(page.Records))
		}
		out := make([]any, len(page.Records))
		for i, r := range page.Records {
			out[i] = []any{typed(r.Rendered()), r.Admin.Version}
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	if string(pages[0]) != string(pages[1]) {
		t.Fatalf("the readers disagree:\n%s: %s\n%s: %s", stores[0].name, pages[0], stores[1].name, pages[1])
	}
}

// typed is v with every scalar spelled with its Go type, so that a long
// read back as a double (equal in JSON) is a difference; arrays of any
// slice type (the driver's bson.A) read alike.
func typed(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = typed(e)
		}
		return out
	case nil:
		return nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = typed(rv.Index(i).Interface())
		}
		return out
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// FuzzListAgreesWithMatcher runs any query and order on a fixed set of
// random records: the service's reader must answer as the oracle does.
func FuzzListAgreesWithMatcher(f *testing.F) {
	for _, seed := range []struct{ query, sort string }{
		{"a=5", ""},
		{"a.ANYINDEX.a=1&a.ANYINDEX.b=a", "-a"},
		{"b.0.cont=a", "b,-created_at"},
		{"created_at.gte=2018-02-26&created_at.lt=2018-02-27", ""},
		{"c.neq=&c.ncont=a,b", "c.b"},
		{"uuid.gt=8", "-uuid"},
		{"1.0.1=true", "updated_at"},
	} {
		f.Add(seed.query, seed.sort, uint8(3))
	}
	g := filtertest.Gen{R: rand.New(rand.NewPCG(17, 17)), Storable: true}
	stores := newListStores(f)
	recs := seedRandom(f, stores[0].store, g, models.KindVNFR, 60)
	f.Fuzz(func(t *testing.T, query, sort string, limit uint8) {
		c, ok := parseListCase(t, query, sort)
		if !ok {
			return
		}
		c.limit, c.walk = 1+int64(limit%16), 2
		c.check(t, stores[0].name, stores[0].store, models.KindVNFR, oracle(recs, c.filter, c.order))
	})
}
