package filter

import (
	"math/rand/v2"
	"testing"

	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
)

// A record as the store holds it (stored) and as clients see it (rendered).
type testRecord struct {
	stored   M
	rendered M
}

// recordGen draws random records and queries (filtertest), as the store
// would hold them; its uuids are two, so that ties on uuid occur.
type recordGen struct{ filtertest.Gen }

var genUUIDs = []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"}

func newRecordGen(seed1, seed2 uint64) recordGen {
	return recordGen{filtertest.Gen{R: rand.New(rand.NewPCG(seed1, seed2))}}
}

func (g recordGen) record() testRecord {
	fields := g.Fields()
	created, modified := g.Time(), g.Time()
	uuid := genUUIDs[g.R.IntN(len(genUUIDs))]
	stored := M{"_id": uuid, "_admin": M{"created": created, "modified": modified, "version": int64(1)}}
	for k, v := range fields {
		stored[k] = v
	}
	rendered := renderedView(uuid, fields, created, modified)
	return testRecord{stored: stored, rendered: rendered}
}

func (g recordGen) query(from []testRecord) string {
	views := make([]map[string]any, len(from))
	for i, r := range from {
		views[i] = r.rendered
	}
	return g.Query(views, genUUIDs)
}

// TestPropertyFiltersAgreeWithMatch: on random records and queries,
// MongoDB's reading of MongoFilter equals Match; WideMongoFilter matches a
// superset on both MongoDB and FerretDB, and exactly when NeedsMatcher is
// false.
func TestPropertyFiltersAgreeWithMatch(t *testing.T) {
	g := newRecordGen(3, 2018)
	nRecords, nQueries := 150, 2500
	if testing.Short() {
		nQueries = 300
	}
	records := make([]testRecord, nRecords)
	for i := range records {
		records[i] = g.record()
	}
	var queries, refused, matched, evaluated, needs, wider int
	for range nQueries {
		q := g.query(records)
		yamlValues := g.R.IntN(4) == 0
		e, err := parseString(t, q, Options{YAMLValues: yamlValues, Fields: recordFields})
		if err != nil {
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Fatalf("%s: %v", q, err)
			}
			refused++
			continue
		}
		queries++
		exact, wide := e.MongoFilter(recordStored), e.WideMongoFilter(recordStored)
		if e.NeedsMatcher() {
			needs++
		}
		for _, rec := range records {
			evaluated++
			m := e.Match(rec.rendered)
			if m {
				matched++
			}
			if got := mongoEval(rec.stored, exact); got != m {
				t.Fatalf("query %s (yaml %v)\nrecord %#v\nMatch = %v, MongoDB on %#v = %v", q, yamlValues, rec.stored, m, exact, got)
			}
			wm, wf := mongoEval(rec.stored, wide), ferretEval(rec.stored, wide)
			if m && (!wm || !wf) {
				t.Fatalf("query %s (yaml %v)\nrecord %#v\nwide filter %#v misses a match (MongoDB %v, FerretDB %v)", q, yamlValues, rec.stored, wide, wm, wf)
			}
			if !e.NeedsMatcher() && (wm != m || wf != m) {
				t.Fatalf("query %s (yaml %v)\nrecord %#v\nMatch = %v; exact wide filter %#v: MongoDB %v, FerretDB %v", q, yamlValues, rec.stored, m, wide, wm, wf)
			}
			if wf && !m {
				wider++
			}
		}
	}
	t.Logf("%d queries (%d refused), %d evaluations, %d matches, %d queries needing the matcher, %d extra records from wide filters on FerretDB",
		queries, refused, evaluated, matched, needs, wider)
	if matched < evaluated/20 || matched > evaluated*19/20 {
		t.Fatalf("degenerate generator: %d of %d evaluations match", matched, evaluated)
	}
	if needs < queries/10 || queries < nQueries/3 {
		t.Fatalf("degenerate generator: %d queries, %d need the matcher", queries, needs)
	}
}
