package handlers_test

// BenchmarkListFiltered: the cost of a filtered page of 100 at 10,000 and
// 100,000 stored VNFRs (issue 3), router against driver as in
// bench_test.go, so that cmd/benchratio pairs them. The names are
//
//	BenchmarkListFiltered/records=10k/<case>/{driver,router}
//	BenchmarkListFiltered/records=100k/<case>/{driver,router}
//
// and the cases, each on the same seeded collection:
//
//	indexed-first       ?status=offline (10% of the records), first page
//	indexed-marker-p50  ?status=normal operation (60%), page 50 (records
//	                    5,000-5,099) by the nextpage_opaque_marker of page 49,
//	                    found by walking the Link headers from the first page;
//	                    the driver seeks the same keyset ($or on
//	                    _admin.created and _id, the service's default order)
//	indexed-offset5000  the same page by ?offset=5000&limit=100; the driver skips
//	content-first       ?virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4
//	                    (about a fifth of the records), first page
//	count-indexed       ?status=offline&count=true
//	count-content       the content filter with count=true
//
// The records are variations of a deployed function (bqFixture) stored as
// the service stores it: status, descriptor_reference (50 descriptors),
// creation time (seconds apart, every tenth in the same millisecond as
// the one before) and one to three VDUs with varied vm_image,
// number_of_instances and resource_requirements.cpu.vcpus.
//
// A router list answers X-Total-Count, so each driver list op is
// CountDocuments plus Find (sort newest first, skip, limit 100), decoded and
// marshalled to JSON, as in BenchmarkList; a count op is CountDocuments.
// The router's answer to each case is read once, untimed, and the driver's
// first answer in each run is compared with it (timer stopped; a separate
// driver call would double the driver's minutes): the same total and the
// same uuids in the same order. The driver side runs first, so that the
// two are known to agree before the router is timed.
//
// The content filter on the driver side: FerretDB v1 mis-evaluates
// $elemMatch, the form ANYINDEX takes on MongoDB, so the driver sends the
// flattened path {"virtual_deployment_units.resource_requirements.cpu.vcpus":
// {"$gt": 4}}, which FerretDB evaluates correctly and which selects the same
// records because the ANYINDEX group has a single condition (some VDU has
// more than 4 vCPUs either way). A group of several conditions has no such
// equivalent on FerretDB; the service sends that same wide filter and
// finishes with its matcher.
//
// Run time. On the embedded store the router answers lists from SQLite
// (repo/sqlite.go): an indexed filter seeks an index, a content filter
// reads only the attributes it needs from each row. The driver goes through
// FerretDB, which pushes down neither the filter nor the sort: every driver
// op decodes the whole collection, twice for a list (count and page), at
// about half a millisecond per record each time: 5-11 s per op at 10,000
// records, one to two and a half minutes at 100,000, 11 minutes for the
// six cases. The testing package repeats each sub-benchmark -count times,
// so at 100,000 records (from bqDriverOnlyOnce) the driver sides run only
// with -count 1; with make bench's default -count 5 they are left out, the
// router sides are still measured, and benchratio notes the missing twins.
// Seeding takes some 5 s for 10,000 records and a minute for 100,000, once
// per size. With -count 5 the benchmark takes some 8 minutes; the full
// run, 100,000-record driver sides included, some 14:
//
//	make bench BENCH=ListFiltered BENCHCOUNT=1
//	go test -run '^$' -bench 'ListFiltered/records=10k' -benchmem ./handlers/
//
// The parser's own cost per query is filter.BenchmarkParseQuery.

import (
	"context"
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
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

const (
	// bqFixture is the record every seeded VNFR is a variation of: a
	// deployed function with VDUs, VNFC instances and virtual links.
	bqFixture = "vnfr/gatekeeper-seed-function-1.json"
	// bqBatch is how many records one InsertMany writes.
	bqBatch = 1000
	// bqDeepPage is the 0-based page the deep cases read.
	bqDeepPage = 50
	// bqContentKey is the content filter: a VDU with more than 4 vCPUs.
	bqContentKey = "virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt"
)

// bqSizes are the collection sizes BenchmarkListFiltered runs at.
var bqSizes = []int{10_000, 100_000}

// The driver's filters.
var (
	bqOffline = bson.D{{Key: "status", Value: "offline"}}
	bqNormal  = bson.D{{Key: "status", Value: "normal operation"}}
	// bqContent is bqContentKey as FerretDB evaluates it correctly (see the
	// file comment): the flattened path, no $elemMatch.
	bqContent = bson.D{{Key: "virtual_deployment_units.resource_requirements.cpu.vcpus", Value: bson.D{{Key: "$gt", Value: int64(4)}}}}
)

// bqStatuses are the VNFR statuses (the schema's enum) and their shares.
var bqStatuses = []bqShare[string]{
	{"normal operation", 60}, {"terminated", 15}, {"offline", 10}, {"degraded operation", 10}, {"failed", 5},
}

// bqImages are the VDU images the seeded records use.
var bqImages = []string{
	"http://download.cirros-cloud.net/0.3.5/cirros-0.3.5-x86_64-disk.img",
	"https://cloud-images.ubuntu.com/bionic/current/bionic-server-cloudimg-amd64.img",
	"https://cloud-images.ubuntu.com/focal/current/focal-server-cloudimg-amd64.img",
	"https://cdimage.debian.org/images/cloud/bullseye/latest/debian-11-generic-amd64.qcow2",
	"sonata-psa/vtc-vnf:latest",
}

// bqVCPUs are the VDU vCPU counts and their shares: 10% have more than 4.
var bqVCPUs = []bqShare[int64]{
	{1, 35}, {2, 35}, {4, 20}, {8, 8}, {16, 2},
}

// bqSeeded is a seeded collection and the cases on it.
type bqSeeded struct {
	router http.Handler
	coll   *mongo.Collection
	n      int
	cases  []bqCase
}

// bqCase is one list request and the driver's equivalent.
type bqCase struct {
	name   string
	target string // the router's request
	count  bool   // ?count: the answer is {"count": N}
	// The driver's work: count countFilter; unless count, find findFilter
	// newest first, skipping skip, limit 100.
	countFilter, findFilter bson.D
	skip                    int64
}

func BenchmarkListFiltered(b *testing.B) {
	for _, n := range bqSizes {
		b.Run("records="+bqSizeName(n), func(b *testing.B) {
			s := bqSeed(b, n)
			for _, c := range s.cases {
				b.Run(c.name, func(b *testing.B) {
					want := bqRouterAnswer(b, s, c)
					if bqDriverDue(b, n) {
						b.Run("driver", func(b *testing.B) {
							ctx := b.Context()
							b.ReportAllocs()
							for i := range b.N {
								ids, total, _, err := bqDriver(ctx, s.coll, c)
								if err != nil {
									b.Fatalf("driver %s: %v", c.name, err)
								}
								if i == 0 {
									b.StopTimer()
									want.check(b, c, ids, total)
									b.StartTimer()
								}
							}
						})
					}
					b.Run("router", func(b *testing.B) {
						b.ReportAllocs()
						for range b.N {
							req := httptest.NewRequest(http.MethodGet, c.target, nil)
							rec := httptest.NewRecorder()
							s.router.ServeHTTP(rec, req)
							if rec.Code != http.StatusOK {
								b.Fatalf("GET %s: %d %s", c.target, rec.Code, rec.Body)
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

// bqDriverOnlyOnce is the collection size from which a driver side runs
// only with -count 1: each of its ops takes minutes on the embedded store.
const bqDriverOnlyOnce = 50_000

// bqDriverDue reports whether the driver side at n records is to run (see
// the file comment).
func bqDriverDue(b *testing.B, n int) bool {
	if testDB.Embedded == nil || n < bqDriverOnlyOnce {
		return true // a MongoDB (TEST_MONGO_URI) filters and sorts itself
	}
	if f := flag.Lookup("test.count"); f != nil && f.Value.String() != "1" {
		b.Logf("driver side left out at %d records with -count %s: run with -count 1 to measure it", n, f.Value)
		return false
	}
	return true
}

// bqSeed stores n records on a fresh database and builds the cases on
// them. The database is dropped when b ends.
func bqSeed(b *testing.B, n int) *bqSeeded {
	b.Helper()
	store := repotest.NewStore(b, testDB)
	s := &bqSeeded{router: routerOn(b, store), coll: store.Database().Collection(string(models.KindVNFR)), n: n}
	waitForIndexes(b, s.coll)

	// The stored shape of the fixture, as in newBenchEnv: create it through
	// the router, read it back, and clear the collection.
	body := fixture(b, bqFixture)
	var fx struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &fx); err != nil || fx.ID == "" {
		b.Fatalf("fixture %s has no id: %v", bqFixture, err)
	}
	wantStatus(b, do(b, s.router, http.MethodPost, "/vnfrs", body), http.StatusOK)
	e := benchEnv{coll: s.coll}
	if err := s.coll.FindOne(b.Context(), bson.D{{Key: "_id", Value: fx.ID}}).Decode(&e.fields); err != nil {
		b.Fatalf("read the stored fixture back: %v", err)
	}
	delete(e.fields, "_id")
	delete(e.fields, "_admin")
	e.clear(b)
	vdus, ok := e.fields["virtual_deployment_units"].(bson.A)
	if !ok || len(vdus) < 2 {
		b.Fatalf("fixture %s: stored virtual_deployment_units is %T, want at least 2 VDUs", bqFixture, e.fields["virtual_deployment_units"])
	}
	// New values take the stored types (JSON integers are stored as int64).
	for _, p := range [][]string{{"number_of_instances"}, {"resource_requirements", "cpu", "vcpus"}} {
		if v := bqGet(vdus[0], p...); fmt.Sprintf("%T", v) != "int64" {
			b.Fatalf("fixture %s: VDU %s is stored as %T, want int64", bqFixture, strings.Join(p, "."), v)
		}
	}

	start := time.Now()
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	refs := make([]string, 50)
	for i := range refs {
		refs[i] = fmt.Sprintf("6a15313f-cb0a-4540-baa2-%012x", i)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	created := base
	docs := make([]any, 0, bqBatch)
	ids := make([]string, 0, n)
	for i := range n {
		// A few seconds apart, and every tenth record in the same
		// millisecond as the one before (the order breaks ties by uuid).
		if i%10 != 9 {
			created = created.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
		}
		id := uuid.NewString()
		ids = append(ids, id)
		doc := e.document(id, created)
		doc["status"] = bqPick(rng, bqStatuses)
		doc["descriptor_reference"] = refs[rng.IntN(len(refs))]
		units := make(bson.A, 1+rng.IntN(3))
		for j := range units {
			u := bqClone(vdus[min(j, 1)])
			vdu := fmt.Sprintf("vdu%02d", j+1)
			bqSet(u, vdu, "id")
			bqSet(u, "vfoo-vnf:"+vdu, "vdu_reference")
			bqSet(u, bqImages[rng.IntN(len(bqImages))], "vm_image")
			bqSet(u, int64(1+rng.IntN(4)), "number_of_instances")
			bqSet(u, bqPick(rng, bqVCPUs), "resource_requirements", "cpu", "vcpus")
			units[j] = u
		}
		doc["virtual_deployment_units"] = units
		docs = append(docs, doc)
		if len(docs) == bqBatch || i == n-1 {
			if _, err := s.coll.InsertMany(b.Context(), docs); err != nil {
				b.Fatalf("seed records %d-%d: %v", i+1-len(docs), i, err)
			}
			docs = docs[:0]
		}
	}
	took := time.Since(start)
	b.Logf("seeded %d records in %v (%.2f ms/record)", n, took.Round(time.Millisecond), float64(took.Microseconds())/1000/float64(n))
	bqCheckValid(b, s, ids[:5])
	s.cases = bqCases(b, s)
	return s
}

// bqCheckValid fails unless the seeded records of ids are valid VNFRs:
// each, read through the router, is accepted as a new one (then deleted).
func bqCheckValid(b *testing.B, s *bqSeeded, ids []string) {
	b.Helper()
	for _, id := range ids {
		rec := do(b, s.router, http.MethodGet, "/vnfrs/"+id, nil)
		wantStatus(b, rec, http.StatusOK)
		m := decodeObject(b, rec)
		copyID := uuid.NewString()
		m["id"] = copyID
		body, err := json.Marshal(m)
		if err != nil {
			b.Fatal(err)
		}
		if rec := do(b, s.router, http.MethodPost, "/vnfrs", body); rec.Code != http.StatusOK {
			b.Fatalf("a seeded record is not a valid VNFR: POST answered %d %s", rec.Code, rec.Body)
		}
		wantStatus(b, do(b, s.router, http.MethodDelete, "/vnfrs/"+copyID, nil), http.StatusOK)
	}
}

// bqShare is a value and its share (in percent) of the seeded records.
type bqShare[T any] struct {
	value  T
	weight int
}

// bqPick picks a value by its share; the shares add up to 100.
func bqPick[T any](rng *rand.Rand, shares []bqShare[T]) T {
	k := rng.IntN(100)
	for _, s := range shares {
		if k < s.weight {
			return s.value
		}
		k -= s.weight
	}
	panic("bqPick: shares do not add up to 100")
}

// bqCases builds the cases on s. The deep marker is found by walking the
// first bqDeepPage pages through the router, following each Link's next.
func bqCases(b *testing.B, s *bqSeeded) []bqCase {
	b.Helper()
	ctx := b.Context()
	list := func(v url.Values) string { return "/vnfrs?" + v.Encode() }
	size := strconv.Itoa(benchPageSize)

	target := list(url.Values{"status": {"normal operation"}, "page_size": {size}})
	var last string // the last uuid of the page before target's
	for page := range bqDeepPage {
		rec := do(b, s.router, http.MethodGet, target, nil)
		wantStatus(b, rec, http.StatusOK)
		l := decodeList(b, rec)
		if len(l) != benchPageSize {
			b.Fatalf("page %d of %s has %d records, want %d: seed more records", page, target, len(l), benchPageSize)
		}
		last, _ = l[len(l)-1]["uuid"].(string)
		if target = bqNextLink(b, rec); target == "" {
			b.Fatalf("page %d has no next link: seed more records", page)
		}
	}
	if !strings.Contains(target, "nextpage_opaque_marker=") {
		b.Fatalf("next link %s carries no marker", target)
	}
	var boundary struct {
		Admin models.Admin `bson:"_admin"`
	}
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: last}}).Decode(&boundary); err != nil {
		b.Fatalf("read record %s: %v", last, err)
	}
	// After the boundary in the default order: newest first, ties by _id
	// descending (repo/list.go afterNewest).
	created := boundary.Admin.Created
	after := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_admin.created", Value: bson.D{{Key: "$lt", Value: created}}}},
		bson.D{{Key: "_admin.created", Value: created}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: last}}}},
	}}}

	return []bqCase{
		{name: "indexed-first", target: list(url.Values{"status": {"offline"}, "page_size": {size}}),
			countFilter: bqOffline, findFilter: bqOffline},
		{name: "indexed-marker-p" + strconv.Itoa(bqDeepPage), target: target,
			countFilter: bqNormal, findFilter: bson.D{{Key: "$and", Value: bson.A{bqNormal, after}}}},
		{name: "indexed-offset" + strconv.Itoa(bqDeepPage*benchPageSize),
			target:      list(url.Values{"status": {"normal operation"}, "offset": {strconv.Itoa(bqDeepPage * benchPageSize)}, "limit": {size}}),
			countFilter: bqNormal, findFilter: bqNormal, skip: bqDeepPage * benchPageSize},
		{name: "content-first", target: list(url.Values{bqContentKey: {"4"}, "page_size": {size}}),
			countFilter: bqContent, findFilter: bqContent},
		{name: "count-indexed", target: list(url.Values{"status": {"offline"}, "count": {"true"}}),
			count: true, countFilter: bqOffline},
		{name: "count-content", target: list(url.Values{bqContentKey: {"4"}, "count": {"true"}}),
			count: true, countFilter: bqContent},
	}
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
	rec := do(b, s.router, http.MethodGet, c.target, nil)
	wantStatus(b, rec, http.StatusOK)
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

// check fails unless the driver answered as the router: the same total,
// and for a list the same uuids in the same order.
func (a bqAnswer) check(b *testing.B, c bqCase, ids []string, total int64) {
	b.Helper()
	if total != a.total {
		b.Fatalf("%s: driver counts %d, router %d", c.name, total, a.total)
	}
	if !c.count && !slices.Equal(ids, a.ids) {
		b.Fatalf("%s: router and driver pages differ (in order):\nrouter %v\ndriver %v", c.name, a.ids, ids)
	}
}

// bqDriver does c's work with the driver: the count, and unless c.count the
// page, decoded and answered as JSON. It returns the page's ids.
func bqDriver(ctx context.Context, coll *mongo.Collection, c bqCase) (ids []string, total int64, body []byte, err error) {
	if total, err = coll.CountDocuments(ctx, c.countFilter); err != nil {
		return nil, 0, nil, err
	}
	if c.count {
		body, err = json.Marshal(map[string]int64{"count": total})
		return nil, total, body, err
	}
	opts := options.Find().SetSort(benchNewestFirst).SetLimit(benchPageSize)
	if c.skip > 0 {
		opts.SetSkip(c.skip)
	}
	cur, err := coll.Find(ctx, c.findFilter, opts)
	if err != nil {
		return nil, 0, nil, err
	}
	var docs []map[string]any
	if err := cur.All(ctx, &docs); err != nil {
		return nil, 0, nil, err
	}
	if body, err = json.Marshal(docs); err != nil {
		return nil, 0, nil, err
	}
	ids = make([]string, len(docs))
	for i, d := range docs {
		ids[i], _ = d["_id"].(string)
	}
	return ids, total, body, nil
}

// bqClone deep-copies a decoded document value.
func bqClone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = bqClone(x)
		}
		return out
	case bson.M:
		return bson.M(bqClone(map[string]any(t)).(map[string]any))
	case bson.A:
		out := make(bson.A, len(t))
		for i, x := range t {
			out[i] = bqClone(x)
		}
		return out
	case []any:
		return []any(bqClone(bson.A(t)).(bson.A))
	case bson.D:
		out := make(bson.D, len(t))
		for i, e := range t {
			out[i] = bson.E{Key: e.Key, Value: bqClone(e.Value)}
		}
		return out
	}
	return v
}

// bqObject is a decoded document as a map, or nil.
func bqObject(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case bson.M:
		return t
	}
	return nil
}

// bqGet reads the value at path in a decoded document, or nil.
func bqGet(v any, path ...string) any {
	for _, p := range path {
		m := bqObject(v)
		if m == nil {
			return nil
		}
		v = m[p]
	}
	return v
}

// bqSet sets the value at path in a decoded document whose objects along
// the path exist.
func bqSet(v any, value any, path ...string) {
	m := bqObject(bqGet(v, path[:len(path)-1]...))
	if m == nil {
		panic(fmt.Sprintf("bqSet: no object at %v", path[:len(path)-1]))
	}
	m[path[len(path)-1]] = value
}
