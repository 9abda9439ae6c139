package filter

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// A record as the store holds it (stored) and as clients see it (rendered).
type testRecord struct {
	stored   M
	rendered M
}

type recordGen struct{ r *rand.Rand }

var (
	genKeys    = []string{"a", "b", "c", "0", "1"}
	genStrings = []string{"", "a", "ab", "b", "5", "2.5", "true", "x.y", "A*", "B", "-1"}
	genUUIDs   = []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"}
	genTimes   = []time.Time{
		utc("2018-02-25T23:59:59.999Z"), utc("2018-02-26T00:00:00Z"), utc("2018-02-26T17:58:51.758Z"),
		utc("2018-02-26T17:58:51.759Z"), utc("2018-02-27T00:00:00Z"), utc("2019-01-01T12:00:00Z"),
	}
)

func (g recordGen) scalar() any {
	r := g.r
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return int32(r.IntN(8) - 2)
	case 3:
		return int64(r.IntN(8) - 2)
	case 4:
		return []float64{-1, 0, 2.5, 5, 5.5}[r.IntN(5)]
	default:
		return genStrings[r.IntN(len(genStrings))]
	}
}

func (g recordGen) value(depth int) any {
	if depth == 0 {
		return g.scalar()
	}
	switch g.r.IntN(7) {
	case 6: // objects alike, as in real records (arrays of VDUs)
		arr := make(A, 1+g.r.IntN(3))
		for i := range arr {
			o := M{}
			for _, k := range []string{"a", "b"} {
				if g.r.IntN(4) > 0 {
					o[k] = []any{int32(1), int64(2), "a", "b", nil, A{"a", int32(1)}}[g.r.IntN(6)]
				}
			}
			arr[i] = o
		}
		return arr
	case 0, 1:
		return g.object(depth - 1)
	case 2, 3:
		n := g.r.IntN(4)
		arr := make(A, n)
		for i := range arr {
			arr[i] = g.value(depth - 1)
		}
		if g.r.IntN(4) == 0 {
			return namedArray(arr)
		}
		return arr
	}
	return g.scalar()
}

func (g recordGen) object(depth int) M {
	m := M{}
	for range g.r.IntN(4) {
		m[genKeys[g.r.IntN(len(genKeys))]] = g.value(depth)
	}
	return m
}

func (g recordGen) record() testRecord {
	fields := M{}
	for range 1 + g.r.IntN(3) {
		fields[genKeys[g.r.IntN(4)]] = g.value(3) // top level: a, b, c and "0"
	}
	created := genTimes[g.r.IntN(len(genTimes))]
	modified := genTimes[g.r.IntN(len(genTimes))]
	uuid := genUUIDs[g.r.IntN(len(genUUIDs))]
	stored := M{"_id": uuid, "_admin": M{"created": created, "modified": modified, "version": int64(1)}}
	for k, v := range fields {
		stored[k] = v
	}
	rendered := models.Record{UUID: uuid, Fields: fields, Admin: models.Admin{Created: created, Modified: modified}}.Rendered()
	return testRecord{stored: stored, rendered: rendered}
}

var (
	genSegs   = []string{"a", "b", "c", "0", "1", "ANYINDEX"}
	genOps    = []string{"", ".eq", ".neq", ".ne", ".gt", ".gte", ".lt", ".lte", ".cont", ".ncont"}
	genValues = []string{"", "a", "ab", "b", "5", "2.5", "-1", "0", "true", "false", "x.y", "A*", "B", "'5'", "~"}
	genTimeQs = []string{"2018-02-26", "2018-02-25", "2018-02-26T17:58:51.758Z", "2018-02-26T18:58:51.758+01:00",
		"2018-02-26T17:58:51.7585Z", "2018-02-27T00:00:00Z", "2019-01-01", ""}
)

// query builds a random query string (possibly invalid: the caller skips
// what ParseQuery refuses).
func (g recordGen) query(from []testRecord) string {
	r := g.r
	var parts []string
	for range 1 + r.IntN(3) {
		op := genOps[r.IntN(len(genOps))]
		switch r.IntN(8) {
		case 0:
			f := []string{"created_at", "updated_at"}[r.IntN(2)]
			parts = append(parts, f+op+"="+url.QueryEscape(genTimeQs[r.IntN(len(genTimeQs))]))
			continue
		case 1:
			parts = append(parts, "uuid"+op+"="+genUUIDs[r.IntN(2)][:8+r.IntN(2)*28])
			continue
		}
		var segs []string
		var found []string
		if len(from) > 0 && r.IntN(3) > 0 {
			segs, found = g.pathFrom(from[r.IntN(len(from))].rendered)
		} else {
			segs = []string{genKeys[r.IntN(4)]}
			for range r.IntN(3) {
				segs = append(segs, genSegs[r.IntN(len(genSegs))])
			}
		}
		vals := []string{genValues[r.IntN(len(genValues))]}
		switch {
		case r.IntN(6) == 0:
			vals[0] = "" // null or missing
		case len(found) > 0 && r.IntN(2) == 0:
			vals[0] = found[r.IntN(len(found))]
		}
		if r.IntN(3) == 0 {
			vals = append(vals, genValues[r.IntN(len(genValues))])
		}
		parts = append(parts, strings.Join(segs, ".")+op+"="+url.QueryEscape(strings.Join(vals, ",")))
	}
	return strings.Join(parts, "&")
}

// pathFrom walks a record at random and returns a path that reaches into
// it: through arrays by ANYINDEX, a position, or implicitly; sometimes one
// segment past what is there.
func (g recordGen) pathFrom(rec M) (segs []string, found []string) {
	r := g.r
	var cur any = rec
	for len(segs) < 5 {
		if o, ok := refObject(cur); ok && len(o) > 0 {
			keys := make([]string, 0, len(o))
			for k := range o {
				if k != "uuid" && k != "created_at" && k != "updated_at" {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				break
			}
			slices.Sort(keys)
			k := keys[r.IntN(len(keys))]
			segs = append(segs, k)
			cur = o[k]
		} else if a, ok := refArray(cur); ok && len(a) > 0 && len(segs) > 0 {
			i := r.IntN(len(a))
			switch r.IntN(3) {
			case 0:
				segs = append(segs, anyIndex)
			case 1:
				segs = append(segs, strconv.Itoa(i))
			}
			cur = a[i]
			continue
		} else {
			break
		}
		if r.IntN(3) == 0 {
			break
		}
	}
	if len(segs) == 0 || segs[len(segs)-1] == anyIndex || r.IntN(5) == 0 {
		segs = append(segs, genKeys[r.IntN(len(genKeys))])
	}
	// Values found under the last object, as query text.
	var collect func(v any, depth int)
	collect = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			found = append(found, x)
		case bool:
			found = append(found, strconv.FormatBool(x))
		case int32:
			found = append(found, strconv.Itoa(int(x)))
		case int64:
			found = append(found, strconv.FormatInt(x, 10))
		case float64:
			found = append(found, strconv.FormatFloat(x, 'g', -1, 64))
		}
		if depth > 0 {
			if o, ok := refObject(v); ok {
				for _, e := range o {
					collect(e, depth-1)
				}
			} else if a, ok := refArray(v); ok {
				for _, e := range a {
					collect(e, depth-1)
				}
			}
		}
	}
	collect(cur, 3)
	slices.Sort(found)
	return segs, found
}

// TestPropertyFiltersAgreeWithMatch: on random records and queries,
// MongoDB's reading of MongoFilter equals Match; WideMongoFilter matches a
// superset on both MongoDB and FerretDB, and exactly when NeedsMatcher is
// false.
func TestPropertyFiltersAgreeWithMatch(t *testing.T) {
	g := recordGen{r: rand.New(rand.NewPCG(3, 2018))}
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
		yamlValues := g.r.IntN(4) == 0
		e, err := parseString(t, q, Options{YAMLValues: yamlValues, Fields: recordFields})
		if err != nil {
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Fatalf("%s: %v", q, err)
			}
			refused++
			continue
		}
		queries++
		exact, wide := e.MongoFilter(), e.WideMongoFilter()
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
