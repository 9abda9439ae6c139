package filter

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzRecords are records every accepted fuzz query is evaluated on.
func fuzzRecords() []testRecord {
	g := newRecordGen(7, 7)
	recs := []testRecord{{
		stored: M{
			"_id":    "3f1e0c7a-1111-4aaa-8bbb-000000000001",
			"_admin": M{"created": utc("2018-02-26T17:58:51.758Z"), "modified": utc("2018-03-01T00:00:00Z"), "version": int64(1)},
			"status": "normal operation", "descriptor_reference": "d-1", "tags": A{"a", "5", int32(5)},
			"virtual_deployment_units": A{
				M{"id": "vdu01", "number_of_instances": int32(1), "cpu": M{"vcpus": int64(2)}},
				M{"id": "vdu02", "number_of_instances": int64(3), "0": M{"id": "x"}},
			},
			"a": A{A{int32(1), "b"}, M{"b": nil}}, "b": true, "x": 2.5,
		},
	}}
	recs[0].rendered = renderedView("3f1e0c7a-1111-4aaa-8bbb-000000000001", M{
		"status": "normal operation", "descriptor_reference": "d-1", "tags": A{"a", "5", int32(5)},
		"virtual_deployment_units": recs[0].stored["virtual_deployment_units"],
		"a":                        recs[0].stored["a"], "b": true, "x": 2.5,
	}, utc("2018-02-26T17:58:51.758Z"), utc("2018-03-01T00:00:00Z"))
	for range 6 {
		recs = append(recs, g.record())
	}
	return recs
}

var allowedOperators = map[string]bool{
	"$and": true, "$or": true, "$nor": true, "$in": true, "$regex": true, "$gt": true, "$gte": true,
	"$lt": true, "$lte": true, "$exists": true, "$type": true, "$elemMatch": true,
}

// checkFilterDoc checks a filter document is made only of the operators the
// package emits, field paths of plain segments and scalar values: no query
// value ever becomes an operator, a path or an unescaped regular expression.
func checkFilterDoc(t *testing.T, doc map[string]any, wide bool) {
	t.Helper()
	for k, v := range doc {
		switch {
		case k == "$and" || k == "$or" || k == "$nor":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				t.Fatalf("%s needs a non-empty list: %#v", k, v)
			}
			for _, sub := range list {
				checkFilterDoc(t, sub.(map[string]any), wide)
			}
		case strings.HasPrefix(k, "$"):
			t.Fatalf("unexpected operator %q in %#v", k, doc)
		default:
			for _, s := range strings.Split(k, ".") {
				if !(IsDigits(s) || PlainName(s)) || s == anyIndex {
					t.Fatalf("bad path %q", k)
				}
			}
			ops, ok := v.(map[string]any)
			if !ok {
				switch v.(type) {
				case string, int64, float64, bool:
					continue // equality with one value
				}
				t.Fatalf("field %q: value %#v", k, v)
			}
			if len(ops) != 1 {
				t.Fatalf("field %q: want one operator, got %#v", k, v)
			}
			for op, arg := range ops {
				if !allowedOperators[op] {
					t.Fatalf("unexpected operator %q", op)
				}
				switch op {
				case "$elemMatch":
					if wide {
						t.Fatalf("$elemMatch in the wide filter: %#v", doc)
					}
					checkFilterDoc(t, arg.(map[string]any), wide)
				case "$in":
					for _, x := range arg.([]any) {
						switch x.(type) {
						case string, int64, float64, bool:
						default:
							t.Fatalf("$in value %#v", x)
						}
					}
				case "$regex":
					s := arg.(string)
					re := regexp.MustCompile(s)
					if lit, complete := re.LiteralPrefix(); !complete || regexp.QuoteMeta(lit) != s {
						t.Fatalf("$regex %q is not a quoted literal", s)
					}
				case "$exists":
					if arg != false {
						t.Fatalf("$exists %#v", arg)
					}
				case "$type":
					if arg != "null" {
						t.Fatalf("$type %#v", arg)
					}
				default:
					switch arg.(type) {
					case string, int64, float64, time.Time:
					default:
						t.Fatalf("%s value %#v", op, arg)
					}
				}
			}
		}
	}
}

// FuzzParseQuery: ParseQuery never panics and refuses only with
// CodeInvalid; what it accepts renders to well-formed filter documents,
// and Match, MongoDB's reading of MongoFilter and FerretDB's reading of
// WideMongoFilter agree on sample records.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"",
		"status=running",
		"status.neq=terminated&descriptor_reference=d-1",
		"virtual_deployment_units.0.id=vdu01",
		"virtual_deployment_units.ANYINDEX.id=vdu01&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1",
		"created_at.gte=2018-01-01&created_at.lt=2018-02-01",
		"created_at=2018-02-26T17:58:51.758+00:00",
		"x.gt=1&x.gt=2",
		"name.foo=1",
		"a.gt=5",
		"name.ncont=dns",
		"tags.cont=a,5",
		"status=&x.neq=",
		"status=%24ne",
		"a..b=1",
		"%24where=1",
		"_admin.created.gt=1",
		"a.ANYINDEX.ANYINDEX.b=1",
		"a.ANYINDEX.0=1&a.ANYINDEX.1=b",
		"page_size=5&sort=-x&fields=a",
		"x=yes,~,'5',1e3",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	recs := fuzzRecords()
	f.Fuzz(func(t *testing.T, query string, yamlValues bool) {
		values, _ := url.ParseQuery(query) // what parsed before an error is still a query
		e, err := ParseQuery(values, Options{YAMLValues: yamlValues, Fields: recordFields})
		if err != nil {
			checkInvalid(t, "ParseQuery("+strconv.Quote(query)+")", err)
			return
		}
		exact, wide := e.MongoFilter(recordStored), e.WideMongoFilter(recordStored)
		checkFilterDoc(t, exact, false)
		checkFilterDoc(t, wide, true)
		_ = e.String()
		_ = e.Conds()
		for _, rec := range recs {
			m := e.Match(rec.rendered)
			if got := mongoEval(rec.stored, exact); got != m {
				t.Fatalf("query %q: Match = %v, MongoDB on %#v = %v", query, m, exact, got)
			}
			wf := ferretEval(rec.stored, wide)
			if m && !wf || !e.NeedsMatcher() && wf != m {
				t.Fatalf("query %q: Match = %v, FerretDB on %#v = %v", query, m, wide, wf)
			}
		}
	})
}
