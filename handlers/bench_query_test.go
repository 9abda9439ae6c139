package handlers_test

// BenchmarkListFiltered: the cost of a filtered page of 100 at 10,000 and
// 100,000 stored VNFRs, router against store as in bench_test.go, so that
// cmd/benchratio pairs them. The names are
//
//	BenchmarkListFiltered/records=10k/<case>/{router,store}
//	BenchmarkListFiltered/records=100k/<case>/{router,store}   (with -benchrecordsbig)
//
// and the cases, each on the same seeded collection:
//
//	indexed-first       ?status=offline (10% of the records), first page
//	indexed-marker-p50  ?status=normal operation (60%), page 50 (records
//	                    5,000-5,099) by the nextpage_opaque_marker of page 49,
//	                    found by walking the Link headers from the first page
//	indexed-offset5000  the same page by ?offset=5000&limit=100
//	content-first       ?virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4
//	                    (about a fifth of the records), first page
//	count-indexed       ?status=offline&count=true
//	count-content       the content filter with count=true
//
// The records are variations (internal/vnfrgen) of a deployed function
// (bqFixture) stored as the records service stores it: status,
// descriptor_reference (50 descriptors), one to three VDUs with varied
// vm_image, number_of_instances and resource_requirements.cpu.vcpus, and a
// creation time (seconds apart, every tenth in the same millisecond as the
// one before).
//
// The store side of a case is RecordStore.List (or Count) of the query the
// list handler builds from the case's query string (listQuery: the filter
// and order parsed as parseList parses them, the marker read by that
// order, the window), its page rendered as the router renders it. The
// router's and the store's answers are compared once before timing: the
// same total (X-Total-Count or the count) and the same uuids in the same
// order. The status filters are served by an index (one index walk; a
// count is one indexed count); the content filter reads every record, its
// VDUs decoded from the stored JSONB and matched in Go (repo/sqlite
// list.go), the router and the store alike.
//
// Run time. Seeding inserts the records one Collection.Insert at a time
// (one transaction each; the interface has no batch): about 2 s for
// 10,000 records and 22 s for 100,000 (220 µs a record) on this project's
// 2-core machine, once per size and run. A content-filter op takes about
// 0.1 s at 10,000 records and 0.5-0.8 s at 100,000 (twice that on a busy
// machine); the indexed cases take milliseconds. With -count 1 the 10k
// size takes some 40 s, the 100k size one to one and a half minutes; make
// bench's -count 5 repeats every case (not the seeding) five times. The
// 100k size runs only with -benchrecordsbig, so that make bench stays
// short:
//
//	go test -run '^$' -bench 'ListFiltered' -benchmem ./handlers/              # 10k only
//	go test -run '^$' -bench 'ListFiltered/records=100k' -benchmem -count 1 -timeout 30m ./handlers/ -args -benchrecordsbig
//	make bench BENCH=ListFiltered BENCHCOUNT=1                                 # 10k only
//
// The parser's own cost per query is filter.BenchmarkParseQuery.

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/internal/vnfrgen"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

const (
	// bqFixture is the record every seeded VNFR is a variation of: a
	// deployed function with VDUs, VNFC instances and virtual links.
	bqFixture = "vnfr/gatekeeper-seed-function-1.json"
	// bqDeepPage is the 0-based page the deep cases read.
	bqDeepPage = 50
)

// benchRecordsBig adds the 100,000-record cases (see the file comment).
var benchRecordsBig = flag.Bool("benchrecordsbig", false, "also run BenchmarkListFiltered at 100,000 records (minutes)")

// bqSizes are the collection sizes BenchmarkListFiltered runs at; the
// sizes from bqBig on only with -benchrecordsbig.
var bqSizes = []int{10_000, 100_000}

const bqBig = 50_000

// bqSeeded is a seeded collection and the cases on it.
type bqSeeded struct {
	env   benchEnv
	n     int
	cases []bqCase
}

// bqCase is one list request and the store's equivalent.
type bqCase struct {
	name   string
	target string       // the router's request
	query  filter.Query // the store's: what the handler builds of target
	count  bool         // ?count: the answer is {"count": N}
}

func BenchmarkListFiltered(b *testing.B) {
	for _, n := range bqSizes {
		if n >= bqBig && !*benchRecordsBig {
			b.Logf("records=%s left out: run with -args -benchrecordsbig (see bench_query_test.go)", bqSizeName(n))
			continue
		}
		b.Run("records="+bqSizeName(n), func(b *testing.B) {
			s := bqSeed(b, n)
			for _, c := range s.cases {
				b.Run(c.name, func(b *testing.B) {
					want := bqRouterAnswer(b, s, c)
					ids, total, _, err := bqStore(b, s.env.records, c)
					if err != nil {
						b.Fatalf("store %s: %v", c.name, err)
					}
					want.check(b, c, ids, total)
					b.Run("router", func(b *testing.B) {
						b.ReportAllocs()
						for range b.N {
							serve(b, s.env.router, http.MethodGet, c.target, nil, http.StatusOK)
						}
					})
					b.Run("store", func(b *testing.B) {
						b.ReportAllocs()
						for range b.N {
							if _, _, body, err := bqStore(b, s.env.records, c); err != nil {
								b.Fatalf("store %s: %v", c.name, err)
							} else {
								benchSink = body
							}
						}
					})
				})
			}
		})
	}
}

// bqSizeName is 10000 as "10k": no size's name is a prefix of another's,
// so -bench 'ListFiltered/records=10k' selects one size.
func bqSizeName(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// bqSeed stores n records on a fresh database and builds the cases on
// them.
func bqSeed(b *testing.B, n int) *bqSeeded {
	b.Helper()
	e := newBenchEnv(b, bqFixture)
	s := &bqSeeded{env: e, n: n}
	fields, err := models.DecodeFields(e.stored)
	if err != nil {
		b.Fatal(err)
	}
	gen, err := vnfrgen.New(fields)
	if err != nil {
		b.Fatalf("fixture %s: %v", bqFixture, err)
	}

	start := time.Now()
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	ids := make([]string, 0, n)
	size := 0
	err = gen.Stored(rng, n, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), func(i int, created time.Time, body []byte) error {
		size += len(body)
		id := uuid.NewString()
		ids = append(ids, id)
		if _, err := e.coll.Insert(b.Context(), repo.Doc{ID: id, Created: created, Body: body, Admin: defaultOwned}); err != nil {
			return fmt.Errorf("seed record %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.Logf("seeded %d records of %d bytes on average in %v (%.0f µs/record)", n, size/n, took.Round(time.Millisecond), float64(took.Microseconds())/float64(n))
	bqCheckValid(b, s, ids[:5])
	s.cases = bqCases(b, s)
	return s
}

// bqCheckValid fails unless the seeded records of ids are valid VNFRs:
// each, read through the router, is accepted as a new one (then deleted).
func bqCheckValid(b *testing.B, s *bqSeeded, ids []string) {
	b.Helper()
	for _, id := range ids {
		m := decodeObject(b, serve(b, s.env.router, http.MethodGet, "/vnfrs/"+id, nil, http.StatusOK))
		copyID := uuid.NewString()
		m["id"] = copyID
		body, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		if rec := do(b, s.env.router, http.MethodPost, "/vnfrs", body); rec.Code != http.StatusOK {
			b.Fatalf("a seeded record is not a valid VNFR: POST answered %d %s", rec.Code, rec.Body)
		}
		wantStatus(b, do(b, s.env.router, http.MethodDelete, "/vnfrs/"+copyID, nil), http.StatusOK)
	}
}

// bqCases builds the cases on s. The deep marker is found by walking the
// first bqDeepPage pages through the router, following each Link's next.
func bqCases(b *testing.B, s *bqSeeded) []bqCase {
	b.Helper()
	list := func(v url.Values) string { return "/vnfrs?" + v.Encode() }
	size := strconv.Itoa(benchPageSize)

	target := list(url.Values{"status": {"normal operation"}, "page_size": {size}})
	for page := range bqDeepPage {
		rec := serve(b, s.env.router, http.MethodGet, target, nil, http.StatusOK)
		if l := decodeList(b, rec); len(l) != benchPageSize {
			b.Fatalf("page %d of %s has %d records, want %d: seed more records", page, target, len(l), benchPageSize)
		}
		if target = bqNextLink(b, rec); target == "" {
			b.Fatalf("page %d has no next link: seed more records", page)
		}
	}
	if !strings.Contains(target, markerKey+"=") {
		b.Fatalf("next link %s carries no marker", target)
	}

	cases := []bqCase{
		{name: "indexed-first", target: list(url.Values{"status": {"offline"}, "page_size": {size}})},
		{name: "indexed-marker-p" + strconv.Itoa(bqDeepPage), target: target},
		{name: "indexed-offset" + strconv.Itoa(bqDeepPage*benchPageSize),
			target: list(url.Values{"status": {"normal operation"}, "offset": {strconv.Itoa(bqDeepPage * benchPageSize)}, "limit": {size}})},
		{name: "content-first", target: list(url.Values{vnfrgen.ContentKey: {vnfrgen.ContentValue}, "page_size": {size}})},
		{name: "count-indexed", target: list(url.Values{"status": {"offline"}, "count": {"true"}})},
		{name: "count-content", target: list(url.Values{vnfrgen.ContentKey: {vnfrgen.ContentValue}, "count": {"true"}})},
	}
	for i := range cases {
		cases[i].query, cases[i].count = listQuery(b, cases[i].target)
	}
	return cases
}

// bqNextLink is the target of the Link header's rel="next", or "".
func bqNextLink(b *testing.B, rec *httptest.ResponseRecorder) string {
	b.Helper()
	for part := range strings.SplitSeq(rec.Header().Get("Link"), ", ") {
		target, rel, ok := strings.Cut(part, ">; ")
		if ok && rel == `rel="next"` && strings.HasPrefix(target, "<") {
			return target[1:]
		}
	}
	return ""
}

// bqAnswer is what the router answered to a case: the total (X-Total-Count
// or the count) and the page's uuids in order.
type bqAnswer struct {
	total int64
	ids   []string
}

// bqRouterAnswer asks the router c once, untimed, and checks that the
// answer is a full page (or a count) of a filter that selects a part of
// the records.
func bqRouterAnswer(b *testing.B, s *bqSeeded, c bqCase) bqAnswer {
	b.Helper()
	rec := serve(b, s.env.router, http.MethodGet, c.target, nil, http.StatusOK)
	var a bqAnswer
	if c.count {
		n, ok := decodeObject(b, rec)["count"].(float64)
		if !ok {
			b.Fatalf("%s: router answered %s, want a count", c.name, rec.Body)
		}
		a.total = int64(n)
	} else {
		var err error
		if a.total, err = strconv.ParseInt(rec.Header().Get("X-Total-Count"), 10, 64); err != nil {
			b.Fatalf("%s: X-Total-Count: %v", c.name, err)
		}
		for _, r := range decodeList(b, rec) {
			id, _ := r["uuid"].(string)
			a.ids = append(a.ids, id)
		}
		if len(a.ids) != benchPageSize {
			b.Fatalf("%s: router answered %d records, want a page of %d", c.name, len(a.ids), benchPageSize)
		}
	}
	if a.total == 0 || a.total == int64(s.n) {
		b.Fatalf("%s: %d of %d records match: the filter must select a part", c.name, a.total, s.n)
	}
	return a
}

// check fails unless the store answered as the router: the same total,
// and for a list the same uuids in the same order.
func (a bqAnswer) check(b *testing.B, c bqCase, ids []string, total int64) {
	b.Helper()
	if total != a.total {
		b.Fatalf("%s: store counts %d, router %d", c.name, total, a.total)
	}
	if !c.count && !slices.Equal(ids, a.ids) {
		b.Fatalf("%s: router and store pages differ (in order):\nrouter %v\nstore  %v", c.name, a.ids, ids)
	}
}

// bqStore does c's work with the record store: the count, or the page
// (and its total) rendered as JSON. It returns the page's ids.
func bqStore(b *testing.B, rs *repo.RecordStore, c bqCase) (ids []string, total int64, body []byte, err error) {
	ctx := b.Context()
	if c.count {
		if total, err = rs.Count(ctx, testScope, models.KindVNFR, c.query.Filter); err != nil {
			return nil, 0, nil, err
		}
		return nil, total, strconv.AppendInt([]byte(`{"count":`), total, 10), nil
	}
	page, err := rs.List(ctx, testScope, models.KindVNFR, c.query)
	if err != nil {
		return nil, 0, nil, err
	}
	body = appendRecords(make([]byte, 0, recordsSize(page.Items)), page.Items)
	ids = make([]string, len(page.Items))
	for i, r := range page.Items {
		ids[i] = r.UUID
	}
	return ids, page.Total, body, nil
}
