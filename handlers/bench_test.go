package handlers_test

// Router versus store benchmarks (make bench). Each benchmark has two
// sub-benchmarks doing the same work on the same database: "router" sends
// the request through the service's HTTP router (middleware, parsing,
// validation by the records service, the record store, rendering), "store"
// does the equivalent operation directly with the store the service uses
// (repo.RecordStore, or the collection under it): no HTTP, no parsing, no
// validation. cmd/benchratio pairs them and prints store ns/op / router
// ns/op, that is what the service keeps of what the store alone does; the
// difference is what the layers above the database cost.
//
// Requests go through router.ServeHTTP with httptest, so no TCP or HTTP
// parsing is measured. Both sides run one operation at a time. B/op and
// allocs/op count the whole process, SQLite's (pure Go) side included.
//
// The store sides answer reads as the service would (the JSON bytes of
// models.Record.AppendJSON, which the router writes too), so that a read's
// ratio is not the mere cost of rendering; writes are the store's write
// alone (the router also renders the stored record).
//
// The records are copies of one fixture under new uuids, its body exactly
// as the records service stores it (created once through the router, read
// back, then inserted with Collection.Insert, one millisecond apart in
// creation time). -benchrecords sets how many records Get, List and
// Replace run over:
//
//	go test -run '^$' -bench '^Benchmark(Create|Get|List|Replace)$' -benchmem ./handlers/ -args -benchrecords=10000

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
)

const (
	// benchFixture is the VNFR every benchmark creates or reads (1.4 KB).
	benchFixture = "vnfr/reference-vnfr-example.json"
	// benchPageSize is the page lists ask for (the service's default).
	benchPageSize = 100
)

// benchRecords is how many records Get, List and Replace run over.
var benchRecords = flag.Int("benchrecords", 1000, "records that BenchmarkGet, BenchmarkList and BenchmarkReplace run over")

// benchEnv is one benchmark's router and stores, on a fresh database.
type benchEnv struct {
	router http.Handler
	stores
	coll repo.Collection // the VNFRs' collection, under stores.records
	// body is the fixture as a client sends it; fixtureID is its id.
	body      []byte
	fixtureID string
	// stored is the fixture's body as the records service stores it
	// (validated, numbers normalised, members in order, no id).
	stored json.RawMessage
}

// newBenchEnv learns the stored body of fixture name by creating it once
// through the router and reading it back from the store. It leaves the
// collection empty.
func newBenchEnv(b *testing.B, name string) benchEnv {
	b.Helper()
	h, s := newRouter(b)
	e := benchEnv{router: h, stores: s, coll: s.db.Collection(repo.RecordSpec(models.KindVNFR)), body: fixture(b, name)}
	var doc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.body, &doc); err != nil || doc.ID == "" {
		b.Fatalf("fixture %s has no id: %v", name, err)
	}
	e.fixtureID = doc.ID
	wantStatus(b, do(b, h, http.MethodPost, "/vnfrs", e.body), http.StatusOK)
	rec, err := s.records.Get(b.Context(), testScope, models.KindVNFR, e.fixtureID)
	if err != nil {
		b.Fatalf("read the stored fixture back: %v", err)
	}
	e.stored = rec.Body
	e.clear(b)
	return e
}

// withID is the fixture as a client sends it, under id.
func (e benchEnv) withID(id string) []byte {
	return bytes.Replace(e.body, []byte(e.fixtureID), []byte(id), 1)
}

// insert stores n copies of the stored fixture under new ids, one
// millisecond apart in creation time (the newest a second ago), and
// returns their ids, oldest first.
func (e benchEnv) insert(b *testing.B, n int) []string {
	b.Helper()
	if n < 1 {
		b.Fatalf("-benchrecords=%d: want at least 1", n)
	}
	ids := make([]string, n)
	base := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Second - time.Duration(n)*time.Millisecond)
	for i := range n {
		ids[i] = uuid.NewString()
		d := repo.Doc{ID: ids[i], Created: base.Add(time.Duration(i) * time.Millisecond), Body: e.stored, Admin: defaultOwned}
		if _, err := e.coll.Insert(b.Context(), d); err != nil {
			b.Fatalf("insert record %d of %d: %v", i, n, err)
		}
	}
	return ids
}

// clear empties the collection, so that each create run starts from the
// same collection size.
func (e benchEnv) clear(b *testing.B) {
	b.Helper()
	if _, err := e.coll.DeleteWhere(b.Context(), filter.Expr{}); err != nil {
		b.Fatalf("clear the collection: %v", err)
	}
}

// serve sends one request through h and fails b unless it is answered
// want.
// A body is JSON unless the header pairs say otherwise.
func serve(b *testing.B, h http.Handler, method, target string, body []byte, want int, headers ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec
}

// benchSink keeps the store sides' answers alive.
var benchSink []byte

// appendRecords is a page as the router renders it: a JSON array of
// AppendJSON.
func appendRecords(dst []byte, recs []models.Record) []byte {
	dst = append(dst, '[')
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = r.AppendJSON(dst)
	}
	return append(dst, ']')
}

// recordsSize is a buffer size for rendering recs.
func recordsSize(recs []models.Record) int {
	n := 2
	for _, r := range recs {
		n += len(r.Body) + 128
	}
	return n
}

// listQuery is the store query and count flag the list handler builds from
// target's query string: the filter and order as parseList parses them
// (records' fields), a marker read by that order, and the window of
// page_number/page_size or offset/limit (parsePaging, for the parameters
// the benchmarks use).
func listQuery(b *testing.B, target string) (filter.Query, bool) {
	b.Helper()
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	values, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		b.Fatal(err)
	}
	opts := filter.Options{Fields: records.Fields()}
	var q filter.Query
	if q.Filter, err = filter.ParseQuery(values, opts); err != nil {
		b.Fatalf("%s: %v", target, err)
	}
	if q.Sort, err = filter.ParseSort(values, opts); err != nil {
		b.Fatalf("%s: %v", target, err)
	}
	num := func(name string, def int64) int64 {
		s := values.Get(name)
		if s == "" {
			return def
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			b.Fatalf("%s: %s: %v", target, name, err)
		}
		return n
	}
	if values.Has("offset") || values.Has("limit") {
		q.Offset, q.Limit = num("offset", 0), num("limit", models.DefaultPageSize)
	} else {
		q.Limit = num("page_size", models.DefaultPageSize)
		q.Offset = num("page_number", 0) * q.Limit
	}
	if m := values.Get(markerKey); m != "" {
		pos, err := q.Sort.ParseMarker(m)
		if err != nil {
			b.Fatalf("%s: marker: %v", target, err)
		}
		q.After = &pos
	}
	count := values.Has("count") && !strings.EqualFold(values.Get("count"), "false")
	return q, count
}

// markerKey is SOL013's cursor parameter (handlers.markerKey).
const markerKey = "nextpage_opaque_marker"

// BenchmarkCreate: POST a VNFR through the router (read the body, parse,
// validate against the schema, normalise, insert, render the stored
// record) against Collection.Insert of the body the service would store.
// The store side does no parsing or validation: the ratio is what the
// service's checks and HTTP handling cost on top of the write. Each run
// starts from an empty collection.
func BenchmarkCreate(b *testing.B) {
	e := newBenchEnv(b, benchFixture)

	b.Run("router", func(b *testing.B) {
		bodies := make([][]byte, b.N)
		for i := range bodies {
			bodies[i] = e.withID(uuid.NewString())
		}
		e.clear(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			serve(b, e.router, http.MethodPost, "/vnfrs", bodies[i], http.StatusOK)
		}
	})

	b.Run("store", func(b *testing.B) {
		ctx := b.Context()
		ids := make([]string, b.N)
		for i := range ids {
			ids[i] = uuid.NewString()
		}
		e.clear(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := e.coll.Insert(ctx, repo.Doc{ID: ids[i], Body: e.stored, Admin: defaultOwned}); err != nil {
				b.Fatalf("Insert: %v", err)
			}
		}
	})
}

// BenchmarkGet: GET /vnfrs/{uuid} against RecordStore.Get and
// Record.AppendJSON: the very bytes the router answers (checked once
// before timing). What is left in the ratio is what the service adds:
// routing, middleware (request id, log, format negotiation), the uuid
// check, the ETag and the response writer.
func BenchmarkGet(b *testing.B) {
	e := newBenchEnv(b, benchFixture)
	ids := e.insert(b, *benchRecords)
	targets := make([]string, len(ids))
	for i, id := range ids {
		targets[i] = "/vnfrs/" + id
	}

	// Both sides answer the same bytes.
	rec, err := e.records.Get(b.Context(), testScope, models.KindVNFR, ids[0])
	if err != nil {
		b.Fatal(err)
	}
	if got, want := serve(b, e.router, http.MethodGet, targets[0], nil, http.StatusOK).Body.Bytes(), append(rec.AppendJSON(nil), '\n'); !bytes.Equal(got, want) {
		b.Fatalf("router answered\n%s\nthe store renders\n%s", got, want)
	}

	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			serve(b, e.router, http.MethodGet, targets[i%len(targets)], nil, http.StatusOK)
		}
	})

	b.Run("store", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for i := range b.N {
			rec, err := e.records.Get(ctx, testScope, models.KindVNFR, ids[i%len(ids)])
			if err != nil {
				b.Fatalf("Get %s: %v", ids[i%len(ids)], err)
			}
			benchSink = rec.AppendJSON(make([]byte, 0, len(rec.Body)+128))
		}
	})
}

// BenchmarkList: GET /vnfrs?page_size=100 over -benchrecords records
// against RecordStore.List of the query the handler builds (the default
// order, newest first: one index walk, and a count since more pages
// follow), rendered as the router renders it (the same bytes, checked
// once). The router adds the query's parsing, the marker of the next page,
// the Link and X-Total-Count headers.
func BenchmarkList(b *testing.B) {
	e := newBenchEnv(b, benchFixture)
	e.insert(b, *benchRecords)
	target := "/vnfrs?page_size=" + strconv.Itoa(benchPageSize)
	q, _ := listQuery(b, target)

	// Both sides answer the same page.
	rec := serve(b, e.router, http.MethodGet, target, nil, http.StatusOK)
	if got, want := rec.Header().Get("X-Total-Count"), strconv.Itoa(*benchRecords); got != want {
		b.Fatalf("router X-Total-Count %s, want %s", got, want)
	}
	page, err := e.records.List(b.Context(), testScope, models.KindVNFR, q)
	if err != nil {
		b.Fatal(err)
	}
	if want := min(*benchRecords, benchPageSize); len(page.Items) != want || page.Total != int64(*benchRecords) {
		b.Fatalf("store page has %d records of %d, want %d of %d", len(page.Items), page.Total, want, *benchRecords)
	}
	if got, want := rec.Body.Bytes(), append(appendRecords(nil, page.Items), '\n'); !bytes.Equal(got, want) {
		b.Fatalf("router and store pages differ:\nrouter %.300s...\nstore  %.300s...", got, want)
	}

	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			serve(b, e.router, http.MethodGet, target, nil, http.StatusOK)
		}
	})

	b.Run("store", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for range b.N {
			page, err := e.records.List(ctx, testScope, models.KindVNFR, q)
			if err != nil {
				b.Fatalf("List: %v", err)
			}
			benchSink = appendRecords(make([]byte, 0, recordsSize(page.Items)), page.Items)
		}
	})
}

// BenchmarkReplace: PUT /vnfrs/{uuid} of the fixture (its id the URL's),
// in turn over -benchrecords records, against RecordStore.Replace of the
// body the service would store (checked once: both write the same body).
// Like a create, the router parses, validates and renders on top of the
// store's write: one transaction that reads the record and rewrites it.
func BenchmarkReplace(b *testing.B) {
	e := newBenchEnv(b, benchFixture)
	ids := e.insert(b, *benchRecords)
	targets := make([]string, len(ids))
	bodies := make([][]byte, len(ids))
	for i, id := range ids {
		targets[i], bodies[i] = "/vnfrs/"+id, e.withID(id)
	}

	// Both sides write the same record.
	ctx := b.Context()
	serve(b, e.router, http.MethodPut, targets[0], bodies[0], http.StatusOK)
	viaRouter, err := e.records.Get(ctx, testScope, models.KindVNFR, ids[0])
	if err != nil {
		b.Fatal(err)
	}
	viaStore, err := e.records.Replace(ctx, testScope, models.KindVNFR, ids[0], e.stored, nil)
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(viaRouter.Body, viaStore.Body) || viaStore.Admin.Version != viaRouter.Admin.Version+1 {
		b.Fatalf("the router stored version %d\n%s\nthe store version %d\n%s",
			viaRouter.Admin.Version, viaRouter.Body, viaStore.Admin.Version, viaStore.Body)
	}

	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			serve(b, e.router, http.MethodPut, targets[i%len(targets)], bodies[i%len(bodies)], http.StatusOK)
		}
	})

	b.Run("store", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for i := range b.N {
			if _, err := e.records.Replace(ctx, testScope, models.KindVNFR, ids[i%len(ids)], e.stored, nil); err != nil {
				b.Fatalf("Replace %s: %v", ids[i%len(ids)], err)
			}
		}
	})
}
