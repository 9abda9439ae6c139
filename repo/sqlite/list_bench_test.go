package sqlite_test

// BenchmarkContentFilter measures the claim of jsonb.go: that a filter no
// index serves is matched faster in Go, on partial views read from the
// stored JSONB, than by SQLite's own JSON functions. On one seeded
// collection of VNFRs ("records=10k", and "records=100k" with
// -benchrecordsbig):
//
//	count/go   Collection.Count of
//	           virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4:
//	           every row's VDUs decoded from JSONB (view.go) and matched by
//	           filter.Expr.Match
//	count/sql  the same count as one SQL statement (contentSQL) on the same
//	           table, through database/sql on the same file: json_each
//	           (jsonb_each) at every level of the path
//	count/sql-paths  the same with a fast path (contentPathsSQL): one
//	           path lookup when the path goes through objects only
//	list/go    Collection.List of the first page of 100 (newest first) with
//	           the same filter: one scan that matches and counts, then the
//	           page's documents read by id
//	list/sql   the same page and total as one SQL statement: the newest
//	           100 rows contentSQL selects, with count(*) OVER ()
//
// Both sides are checked to agree (the count, the page's ids in order, the
// total) before timing, and TestContentFilterSQL checks both SQL forms
// against the matcher on documents that put arrays, scalars and other kinds at
// every level of the path.
//
// The records are variations (internal/vnfrgen) of
// fixtures/vnfr/gatekeeper-seed-function-1.json (about 2.2 KB each; one to
// three VDUs, 10% of the VDUs with more than 4 vCPUs, so about a fifth of
// the records match), as the handlers' BenchmarkListFiltered seeds them. Seeding inserts them one
// Collection.Insert at a time: some 2-3 s for 10,000 records, 20-30 s for
// 100,000.
//
//	go test -run '^$' -bench ContentFilter -benchmem ./repo/sqlite/                                  # 10k, ~15 s
//	go test -run '^$' -bench ContentFilter -benchmem -timeout 30m ./repo/sqlite/ -args -benchrecordsbig # and 100k, ~1 min more

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver" // the database/sql driver "sqlite3", for the SQL side

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/internal/vnfrgen"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// benchRecordsBig adds the 100,000-record collection (the handlers'
// benchmarks take the same flag, so one -args serves both packages).
var benchRecordsBig = flag.Bool("benchrecordsbig", false, "also run BenchmarkContentFilter at 100,000 records")

// contentSQL is the content filter (vnfrgen.ContentKey=4: some VDU has
// more than 4 vCPUs) in SQL over a collection's table (body is
// JSONB), with the matcher's (MongoDB's) semantics: ANYINDEX is an
// $elemMatch, so virtual_deployment_units must be an array and one of its
// elements that are objects must hold the rest of the path; below it each
// level resolves through an object, or through each object element of an
// array there (one array level, not arrays in arrays), and the leaf is a
// number greater than 4, or an array with such a number among its
// elements. Strings, booleans and null never compare with a number.
var contentSQL = `EXISTS (SELECT 1 FROM jsonb_each(d.body, '$.virtual_deployment_units') AS u
	WHERE json_type(d.body, '$.virtual_deployment_units') = 'array' AND u.type = 'object' AND EXISTS (
		SELECT 1 FROM ` + sqlLevel("u", "resource_requirements", "'object'") + ` AS l1,
			` + sqlLevel("l1", "cpu", "'object'") + ` AS l2,
			` + sqlLevel("l2", "vcpus", "'integer', 'real'") + ` AS v
		WHERE l1.type = 'object' AND l2.type = 'object' AND v.type IN ('integer', 'real') AND v.atom > 4))`

// contentPathsSQL is contentSQL with a fast path for the common shape:
// where the whole path goes through objects (SQLite's paths never go
// through arrays), one path lookup reads the leaf; the levels are only
// walked one by one when an array sits on the way (contentSQL's
// subquery). It selects what contentSQL selects.
var contentPathsSQL = `EXISTS (SELECT 1 FROM jsonb_each(d.body, '$.virtual_deployment_units') AS u
	WHERE json_type(d.body, '$.virtual_deployment_units') = 'array' AND u.type = 'object' AND (
		CASE json_type(u.value, '$.resource_requirements.cpu.vcpus')
		WHEN 'integer' THEN u.value ->> '$.resource_requirements.cpu.vcpus' > 4
		WHEN 'real' THEN u.value ->> '$.resource_requirements.cpu.vcpus' > 4
		WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_each(u.value, '$.resource_requirements.cpu.vcpus') AS v
			WHERE v.type IN ('integer', 'real') AND v.atom > 4)
		ELSE (json_type(u.value, '$.resource_requirements') = 'array' OR json_type(u.value, '$.resource_requirements.cpu') = 'array')
			AND EXISTS (SELECT 1 FROM ` + sqlLevel("u", "resource_requirements", "'object'") + ` AS l1,
				` + sqlLevel("l1", "cpu", "'object'") + ` AS l2,
				` + sqlLevel("l2", "vcpus", "'integer', 'real'") + ` AS v
				WHERE l1.type = 'object' AND l2.type = 'object' AND v.type IN ('integer', 'real') AND v.atom > 4)
		END))`

// sqlLevel is the table of the values that the member key of the object
// parent.value holds on the way down a path: the elements of an array
// there, or the value itself when its type is one of kinds (SQL literals),
// else none. A parent that is not an object holds nothing.
func sqlLevel(parent, key, kinds string) string {
	path := `'$.` + key + `'`
	return `jsonb_each(CASE WHEN ` + parent + `.type <> 'object' THEN jsonb_array()
		WHEN json_type(` + parent + `.value, ` + path + `) = 'array' THEN jsonb_extract(` + parent + `.value, ` + path + `)
		WHEN json_type(` + parent + `.value, ` + path + `) IN (` + kinds + `) THEN jsonb_array(jsonb_extract(` + parent + `.value, ` + path + `))
		ELSE jsonb_array() END)`
}

// contentSizes are the collection sizes; the sizes from contentBig on only
// with -benchrecordsbig.
var contentSizes = []int{10_000, 100_000}

const contentBig = 50_000

func BenchmarkContentFilter(b *testing.B) {
	for _, n := range contentSizes {
		if n >= contentBig && !*benchRecordsBig {
			b.Logf("records=%dk left out: run with -args -benchrecordsbig", n/1000)
			continue
		}
		b.Run(fmt.Sprintf("records=%dk", n/1000), func(b *testing.B) {
			db, coll := seedVNFRs(b, n)
			raw := openRaw(b, db)
			f := contentFilter(b)
			q := filter.Query{Filter: f, Sort: filter.DefaultSort(filter.Options{Fields: repo.RecordFields()}), Limit: 100}
			ctx := b.Context()

			// Both sides agree.
			goCount, err := coll.Count(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			sqlCount, err := countSQL(raw, contentSQL)
			if err != nil {
				b.Fatal(err)
			}
			pathsCount, err := countSQL(raw, contentPathsSQL)
			if err != nil {
				b.Fatal(err)
			}
			if goCount != sqlCount || goCount != pathsCount || goCount == 0 || goCount == int64(n) {
				b.Fatalf("Count %d, SQL counts %d and %d, of %d records: want the same part", goCount, sqlCount, pathsCount, n)
			}
			page, err := coll.List(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			sqlIDs, sqlTotal, err := listSQL(raw, q.Limit)
			if err != nil {
				b.Fatal(err)
			}
			if goIDs := docIDs(page.Items); !slices.Equal(goIDs, sqlIDs) || page.Total != sqlTotal || page.Total != goCount {
				b.Fatalf("List: %d of %d, SQL: %d of %d, or not the same ids in order:\ngo  %v\nsql %v",
					len(goIDs), page.Total, len(sqlIDs), sqlTotal, goIDs, sqlIDs)
			}
			b.Logf("%d of %d records match", goCount, n)

			for _, op := range []struct {
				name string
				do   func() error
			}{
				{"count/go", func() error { _, err := coll.Count(ctx, f); return err }},
				{"count/sql", func() error { _, err := countSQL(raw, contentSQL); return err }},
				{"count/sql-paths", func() error { _, err := countSQL(raw, contentPathsSQL); return err }},
				{"list/go", func() error { _, err := coll.List(ctx, q); return err }},
				{"list/sql", func() error { _, _, err := listSQL(raw, q.Limit); return err }},
			} {
				b.Run(op.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if err := op.do(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// contentFilter is the content filter as the list handler parses it.
func contentFilter(tb testing.TB) filter.Expr {
	tb.Helper()
	f, err := filter.ParseQuery(url.Values{vnfrgen.ContentKey: {vnfrgen.ContentValue}}, filter.Options{Fields: repo.RecordFields()})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// openRaw opens db's file for reading with database/sql, as the store's
// own readers do.
func openRaw(tb testing.TB, db *sqlite.DB) *sql.DB {
	tb.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = raw.Close() })
	return raw
}

// vnfrTable is the VNFRs' collection's table (collection.go).
const vnfrTable = `"vnfrs"`

// countSQL counts the records cond (contentSQL or contentPathsSQL)
// selects.
func countSQL(raw *sql.DB, cond string) (int64, error) {
	var n int64
	err := raw.QueryRow(`SELECT count(*) FROM ` + vnfrTable + ` AS d WHERE ` + cond).Scan(&n)
	return n, err
}

// listSQL is the newest limit records contentSQL selects, whole as
// Collection.List reads them, and how many it selects.
func listSQL(raw *sql.DB, limit int64) (ids []string, total int64, err error) {
	rows, err := raw.Query(`SELECT id, version, created, modified, json(body), admin, count(*) OVER ()
		FROM `+vnfrTable+` AS d WHERE `+contentSQL+` ORDER BY created DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var d repo.Doc
		var created, modified int64
		var body []byte
		var admin sql.NullString
		if err := rows.Scan(&d.ID, &d.Version, &created, &modified, &body, &admin, &total); err != nil {
			return nil, 0, err
		}
		d.Body = body
		ids = append(ids, d.ID)
	}
	return ids, total, rows.Err()
}

func docIDs(docs []repo.Doc) []string {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

// seedVNFRs stores n variations of the fixture VNFR (vnfrgen) on a fresh
// database, with their bodies as the records service stores them
// (EncodeFields of the decoded fields, no id), a few seconds apart in
// creation time (every tenth in the same millisecond as the one before).
func seedVNFRs(b *testing.B, n int) (*sqlite.DB, repo.Collection) {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "vnfr", "gatekeeper-seed-function-1.json"))
	if err != nil {
		b.Fatal(err)
	}
	fields, err := models.DecodeFields(raw)
	if err != nil {
		b.Fatal(err)
	}
	gen, err := vnfrgen.New(fields)
	if err != nil {
		b.Fatal(err)
	}
	db := open(b, filepath.Join(b.TempDir(), "bench.db"), nil)
	coll := db.Collection(repo.RecordSpec(models.KindVNFR))

	start := time.Now()
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	err = gen.Stored(rng, n, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), func(i int, created time.Time, body []byte) error {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", rng.Uint32(), i)
		if _, err := coll.Insert(b.Context(), repo.Doc{ID: id, Created: created, Body: body}); err != nil {
			return fmt.Errorf("seed record %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d records in %v", n, time.Since(start).Round(time.Millisecond))
	return db, coll
}

// TestContentFilterSQL: contentSQL selects the documents the matcher
// does, on documents that put each kind of value at each level of the
// path.
func TestContentFilterSQL(t *testing.T) {
	vdus := []string{
		`[{"resource_requirements":{"cpu":{"vcpus":8}}}]`,                              // a number above
		`[{"resource_requirements":{"cpu":{"vcpus":4}}}]`,                              // not above
		`[{"resource_requirements":{"cpu":{"vcpus":4.5}}}]`,                            // a float above
		`[{"resource_requirements":{"cpu":{"vcpus":9007199254740993}}}]`,               // beyond 2^53
		`[{"resource_requirements":{"cpu":{"vcpus":-8}}}]`,                             // below
		`[{"resource_requirements":{"cpu":{"vcpus":"8"}}}]`,                            // a string
		`[{"resource_requirements":{"cpu":{"vcpus":true}}}]`,                           // a boolean
		`[{"resource_requirements":{"cpu":{"vcpus":null}}}]`,                           // null
		`[{"resource_requirements":{"cpu":{"vcpus":[1,8]}}}]`,                          // an array at the leaf
		`[{"resource_requirements":{"cpu":{"vcpus":[1,2]}}}]`,                          // none above in it
		`[{"resource_requirements":{"cpu":{"vcpus":[[8]]}}}]`,                          // an array in the leaf's array
		`[{"resource_requirements":{"cpu":{"vcpus":{"n":8}}}}]`,                        // an object at the leaf
		`[{"resource_requirements":{"cpu":[{"vcpus":1},{"vcpus":9}]}}]`,                // an array of objects mid-path
		`[{"resource_requirements":{"cpu":[{"vcpus":1},7,"x",[{"vcpus":9}]]}}]`,        // other kinds in it
		`[{"resource_requirements":[{"cpu":{"vcpus":8}}]}]`,                            // an array at the first level
		`[{"resource_requirements":[[{"cpu":{"vcpus":8}}]]}]`,                          // arrays in arrays mid-path
		`[{"resource_requirements":[5,"cpu",{"cpu":{"vcpus":[3,5]}}]}]`,                // scalars beside an object
		`[{"resource_requirements":{"cpu":"vcpus"}}]`,                                  // a string mid-path
		`[{"resource_requirements":{}},{"resource_requirements":{"cpu":{"vcpus":6}}}]`, // the second VDU
		`[{"resource_requirements":{"cpu":{"vcpus":2}}},{"x":1}]`,                      // no VDU above
		`[1,"x",null,true]`, // no objects
		`[]`,                // no VDUs
		`{"resource_requirements":{"cpu":{"vcpus":8}}}`, // an object, not an array
		`"8"`, // a string
		`[[{"resource_requirements":{"cpu":{"vcpus":8}}}]]`, // an array element
	}
	db := open(t, filepath.Join(t.TempDir(), "test.db"), nil)
	coll := db.Collection(repo.RecordSpec(models.KindVNFR))
	var want []string
	bodies := map[string]string{}
	f := contentFilter(t)
	for i, v := range append(vdus, "") {
		body := `{"status":"offline"}` // and one without VDUs at all
		if v != "" {
			body = `{"status":"offline","virtual_deployment_units":` + v + `}`
		}
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		bodies[id] = body
		if _, err := coll.Insert(t.Context(), repo.Doc{ID: id, Body: json.RawMessage(body)}); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		// The matcher on the record as readers see it.
		fields, err := models.DecodeFields([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if f.Match(fields) {
			want = append(want, id)
		}
	}
	raw := openRaw(t, db)
	for name, cond := range map[string]string{"contentSQL": contentSQL, "contentPathsSQL": contentPathsSQL} {
		got, err := selectIDs(raw, cond)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, want) {
			show := func(ids []string) string {
				var lines []string
				for _, id := range ids {
					lines = append(lines, bodies[id])
				}
				return strings.Join(lines, "\n")
			}
			t.Errorf("%s selects\n%s\nthe matcher\n%s", name, show(got), show(want))
		}
	}
	if n, err := coll.Count(t.Context(), f); err != nil || int(n) != len(want) {
		t.Fatalf("Count %d (%v), want %d", n, err, len(want))
	}
}

// selectIDs are the ids of the VNFRs cond selects, in id order.
func selectIDs(raw *sql.DB, cond string) ([]string, error) {
	rows, err := raw.Query(`SELECT id FROM ` + vnfrTable + ` AS d WHERE ` + cond + ` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
