package handlers_test

// Router versus driver benchmarks (make bench). Each benchmark has two
// sub-benchmarks doing the same work on the same store: "router" sends the
// request through the service's HTTP router (parsing, validation, the repo
// layer, rendering, middleware), "driver" does the equivalent operation
// directly with the MongoDB driver. cmd/benchratio pairs them and prints
// router throughput / driver throughput, that is what the service keeps of
// what the database can do.
//
// Requests go through router.ServeHTTP with httptest, so no TCP or HTTP
// parsing is measured on either side. Both sides run one operation at a
// time. B/op and allocs/op count the whole process, the embedded store's
// server side included: the difference router - driver is what the service
// adds.
//
// On the embedded store (FerretDB v1 on SQLite) a lookup by uuid uses the
// _id index the repo adds, but a list sorts in memory after decoding every
// record, so List slows down as the collection grows and the store's share
// swamps the router's. -benchrecords sets how many records Get and List run over, to
// look at the service's own overhead on a small collection:
//
//	go test -run '^$' -bench 'Get|List' -benchmem ./handlers/ -args -benchrecords=100

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/models"
)

const (
	// benchFixture is the VNFR every benchmark creates or reads.
	benchFixture = "vnfr/reference-vnfr-example.json"
	// benchPageSize is the page List asks for (the service's default).
	benchPageSize = 100
)

// benchRecords is how many records Get and List run over.
var benchRecords = flag.Int("benchrecords", 1000, "records that BenchmarkGet and BenchmarkList run over")

// benchEnv is one benchmark's router and store, on a fresh database.
type benchEnv struct {
	router http.Handler
	coll   *mongo.Collection // the VNFR collection the router uses
	// body is the fixture as a client sends it; fixtureID is its id.
	body      []byte
	fixtureID string
	// fields are the fixture's fields exactly as the service stores them
	// (id included, numbers as int64), read back from the store, so the
	// driver side writes and reads documents of the same shape.
	fields bson.M
}

// newBenchEnv makes sure the indexes exist (the store creates them in the
// background, and they cost on every insert and serve the list order), then
// learns the stored shape of the fixture by creating it once through the
// router and reading it back with the driver. It leaves the collection
// empty.
func newBenchEnv(b *testing.B) benchEnv {
	b.Helper()
	h, store := newRouter(b)
	ctx := b.Context()
	e := benchEnv{
		router: h,
		coll:   store.Database().Collection(string(models.KindVNFR)),
		body:   fixture(b, benchFixture),
	}
	waitForIndexes(b, e.coll)
	var doc struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.body, &doc); err != nil || doc.ID == "" {
		b.Fatalf("fixture %s has no id: %v", benchFixture, err)
	}
	e.fixtureID = doc.ID

	wantStatus(b, do(b, h, http.MethodPost, "/vnfrs", e.body), http.StatusOK)
	if err := e.coll.FindOne(ctx, bson.D{{Key: "_id", Value: e.fixtureID}}).Decode(&e.fields); err != nil {
		b.Fatalf("read the stored fixture back: %v", err)
	}
	delete(e.fields, "_id")
	delete(e.fields, "_admin")
	e.clear(b)
	return e
}

// waitForIndexes waits until the store's background start-up has created
// the record indexes on coll. (It does not call store.EnsureIndexes a second
// time: FerretDB v1 drops the connection on a createIndexes whose indexes
// all exist already.)
func waitForIndexes(b *testing.B, coll *mongo.Collection) {
	b.Helper()
	want := []string{"_id_", "created_desc", "status_created_desc", "descriptor_reference_created_desc"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		specs, err := coll.Indexes().ListSpecifications(b.Context())
		have := make(map[string]bool, len(specs))
		for _, s := range specs {
			have[s.Name] = true
		}
		missing := 0
		for _, name := range want {
			if !have[name] {
				missing++
			}
		}
		if err == nil && missing == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("indexes %v not all there after 30s (have %v, error %v)", want, have, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// document is what the service stores for the fixture under a new id:
// the fields, _id, and the _admin envelope.
func (e benchEnv) document(id string, created time.Time) bson.M {
	doc := make(bson.M, len(e.fields)+2)
	for k, v := range e.fields {
		doc[k] = v
	}
	doc["id"] = id
	doc["_id"] = id
	doc["_admin"] = bson.D{
		{Key: "created", Value: created},
		{Key: "modified", Value: created},
		{Key: "version", Value: int64(1)},
	}
	return doc
}

// seed stores n copies of the fixture under new ids, one millisecond apart
// in creation time, and returns their ids.
func (e benchEnv) seed(b *testing.B, n int) []string {
	b.Helper()
	if n < 1 {
		b.Fatalf("-benchrecords=%d: want at least 1", n)
	}
	ids := make([]string, n)
	docs := make([]any, n)
	base := time.Now().UTC().Truncate(time.Millisecond).Add(-time.Duration(n) * time.Millisecond)
	for i := range n {
		ids[i] = uuid.NewString()
		docs[i] = e.document(ids[i], base.Add(time.Duration(i)*time.Millisecond))
	}
	if _, err := e.coll.InsertMany(b.Context(), docs); err != nil {
		b.Fatalf("seed %d records: %v", n, err)
	}
	return ids
}

// clear empties the collection (keeping its indexes), so that each create
// run starts from the same collection size.
func (e benchEnv) clear(b *testing.B) {
	b.Helper()
	if _, err := e.coll.DeleteMany(b.Context(), bson.D{}); err != nil {
		b.Fatalf("clear the collection: %v", err)
	}
}

// BenchmarkCreate: POST a VNFR through the router (read, parse, validate,
// insert, render the stored record) against InsertOne of the same document
// with the driver. The driver side does no parsing or validation: the ratio
// is what the service's checks and HTTP handling cost on top of the write.
func BenchmarkCreate(b *testing.B) {
	e := newBenchEnv(b)

	b.Run("router", func(b *testing.B) {
		bodies := make([][]byte, b.N)
		for i := range bodies {
			bodies[i] = bytes.Replace(e.body, []byte(e.fixtureID), []byte(uuid.NewString()), 1)
		}
		e.clear(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			req := httptest.NewRequest(http.MethodPost, "/vnfrs", bytes.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			e.router.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("POST /vnfrs: %d %s", rec.Code, rec.Body)
			}
		}
	})

	b.Run("driver", func(b *testing.B) {
		ctx := b.Context()
		ids := make([]string, b.N)
		for i := range ids {
			ids[i] = uuid.NewString()
		}
		e.clear(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			t := time.Now().UTC().Truncate(time.Millisecond)
			if _, err := e.coll.InsertOne(ctx, e.document(ids[i], t)); err != nil {
				b.Fatalf("InsertOne: %v", err)
			}
		}
	})
}

// BenchmarkGet: GET /vnfrs/{uuid} against FindOne by _id.
//
// The driver side decodes into a map and then marshals it to JSON. That is
// the fair comparison: the router's answer is JSON bytes, and any service
// built on the driver must pay for decoding the BSON and encoding JSON to
// answer an HTTP client. Stopping at the decoded map would charge the
// router for work the driver merely skipped; what is left in the ratio is
// what this service adds (routing, middleware, uuid checks, the repo
// layer's typed decode, rendering of server fields, headers).
func BenchmarkGet(b *testing.B) {
	e := newBenchEnv(b)
	ids := e.seed(b, *benchRecords)
	targets := make([]string, len(ids))
	for i, id := range ids {
		targets[i] = "/vnfrs/" + id
	}

	// Both sides must answer the same record.
	rec := do(b, e.router, http.MethodGet, targets[0], nil)
	wantStatus(b, rec, http.StatusOK)
	if got := decodeObject(b, rec)["uuid"]; got != ids[0] {
		b.Fatalf("router answered uuid %v, want %s", got, ids[0])
	}
	if _, err := driverGet(b.Context(), e.coll, ids[0]); err != nil {
		b.Fatalf("driver get: %v", err)
	}

	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			req := httptest.NewRequest(http.MethodGet, targets[i%len(targets)], nil)
			rec := httptest.NewRecorder()
			e.router.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", targets[i%len(targets)], rec.Code, rec.Body)
			}
		}
	})

	b.Run("driver", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for i := range b.N {
			if _, err := driverGet(ctx, e.coll, ids[i%len(ids)]); err != nil {
				b.Fatalf("driver get %s: %v", ids[i%len(ids)], err)
			}
		}
	})
}

// driverGet reads one record by _id and answers it as JSON.
func driverGet(ctx context.Context, coll *mongo.Collection, id string) ([]byte, error) {
	var doc map[string]any
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// BenchmarkList: GET /vnfrs?page_size=100 over *benchRecords records against
// CountDocuments plus Find newest first (the service's default order),
// limit 100, decoded and marshalled to JSON, as in BenchmarkGet. The router
// counts too (X-Total-Count, Link), so the driver side does as well.
func BenchmarkList(b *testing.B) {
	e := newBenchEnv(b)
	e.seed(b, *benchRecords)
	target := "/vnfrs?page_size=" + strconv.Itoa(benchPageSize)

	// Both sides must answer the same page.
	rec := do(b, e.router, http.MethodGet, target, nil)
	wantStatus(b, rec, http.StatusOK)
	if got, want := rec.Header().Get("X-Total-Count"), strconv.Itoa(*benchRecords); got != want {
		b.Fatalf("router X-Total-Count %s, want %s", got, want)
	}
	routerPage := decodeList(b, rec)
	body, err := driverList(b.Context(), e.coll)
	if err != nil {
		b.Fatalf("driver list: %v", err)
	}
	var driverPage []map[string]any
	if err := json.Unmarshal(body, &driverPage); err != nil {
		b.Fatal(err)
	}
	if want := min(*benchRecords, benchPageSize); len(routerPage) != want || len(driverPage) != want {
		b.Fatalf("router page has %d records, driver page %d, want %d", len(routerPage), len(driverPage), want)
	}
	for i := range routerPage {
		if routerPage[i]["uuid"] != driverPage[i]["_id"] {
			b.Fatalf("record %d: router %v, driver %v: not the same order", i, routerPage[i]["uuid"], driverPage[i]["_id"])
		}
	}

	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			req := httptest.NewRequest(http.MethodGet, target, nil)
			rec := httptest.NewRecorder()
			e.router.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
			}
		}
	})

	b.Run("driver", func(b *testing.B) {
		ctx := b.Context()
		b.ReportAllocs()
		for range b.N {
			if _, err := driverList(ctx, e.coll); err != nil {
				b.Fatalf("driver list: %v", err)
			}
		}
	})
}

// benchNewestFirst is the service's default list order.
var benchNewestFirst = bson.D{{Key: "_admin.created", Value: -1}, {Key: "_id", Value: -1}}

// driverList counts the records, reads the newest page and answers it as
// JSON.
func driverList(ctx context.Context, coll *mongo.Collection) ([]byte, error) {
	if _, err := coll.CountDocuments(ctx, bson.D{}); err != nil {
		return nil, err
	}
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetSort(benchNewestFirst).SetLimit(benchPageSize))
	if err != nil {
		return nil, err
	}
	var docs []map[string]any
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	return json.Marshal(docs)
}
