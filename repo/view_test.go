package repo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
)

// TestViewPrunes pins what a partial view keeps of a stored document for
// the paths a filter or an order reads: the members named along the paths
// (missing ones stay missing), every array element in place and of its
// kind, the whole value where a path ends, the envelope's attributes.
func TestViewPrunes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		doc   string
		paths string // paths separated by spaces, segments by dots
		want  string // the view as JSON (numbers typed as plainJSONValue does)
	}{
		{"members named only", `{"a":{"b":1,"c":2},"d":3}`, "a.b", `{"a":{"b":1}}`},
		{"missing member stays missing", `{"a":{"c":2},"d":3}`, "a.b", `{"a":{}}`},
		{"missing root", `{"d":3}`, "a.b", `{}`},
		{"scalar on the way kept", `{"a":"x","d":3}`, "a.b", `{"a":"x"}`},
		{"null on the way kept", `{"a":null}`, "a.b.c", `{"a":null}`},
		{"path ends on an object: whole", `{"a":{"b":{"c":[1,{"d":2}]},"e":1}}`, "a.b", `{"a":{"b":{"c":[1,{"d":2}]}}}`},
		{"path ends on an array: whole", `{"a":{"b":[[1],{"x":1},"s"],"e":1}}`, "a.b", `{"a":{"b":[[1],{"x":1},"s"]}}`},
		{"arrays traversed, elements kept in place", `{"a":[{"b":1,"c":2},{"c":3},5,[{"b":9}],null]}`, "a.b",
			`{"a":[{"b":1},{},5,[],null]}`},
		{"arrays at every level", `{"a":[{"b":[{"c":1,"d":1},{"d":2}]},{"b":{"c":3,"d":3}}]}`, "a.b.c",
			`{"a":[{"b":[{"c":1},{}]},{"b":{"c":3}}]}`},
		{"position of an array, or a member named 0", `{"a":[[{"b":7,"x":1},[1]],{"0":{"b":3,"y":1},"z":1},{"b":1}]}`, "a.0.b",
			`{"a":[[{"b":7},[]],{"0":{"b":3}},{}]}`},
		{"position ending the path: whole element", `{"a":[{"1":{"q":1},"r":2},{"x":{"y":1}},3,{"1":4}]}`, "a.1",
			`{"a":[{"1":{"q":1}},{"x":{"y":1}},3,{"1":4}]}`},
		{"position in an inner array", `{"a":[[1,{"b":2,"c":3}],[{"b":4}]]}`, "a.0.1.b",
			`{"a":[[1,{"b":2}],[]]}`},
		{"position beyond the array", `{"a":[{"b":1,"c":1}]}`, "a.5.b", `{"a":[{}]}`},
		{"leading zero is no position", `{"a":[{"01":1,"c":1},{"b":2}]}`, "a.01", `{"a":[{"01":1},{}]}`},
		{"ANYINDEX: each element as a document", `{"a":[{"b":1,"c":2},[{"b":5,"c":6},3],3,{"c":1}]}`, "a.ANYINDEX.b",
			`{"a":[{"b":1},[{"b":5},3],3,{}]}`},
		{"ANYINDEX on an object", `{"a":{"b":1,"c":2}}`, "a.ANYINDEX.b", `{"a":{}}`},
		{"ANYINDEX through an array", `{"a":[{"b":[{"c":1,"d":1}],"x":1},{"b":{"c":2}}]}`, "a.b.ANYINDEX.c",
			`{"a":[{"b":[{"c":1}]},{"b":{}}]}`},
		{"ANYINDEX nested", `{"a":[{"b":[{"c":1,"d":1},5],"x":1}]}`, "a.ANYINDEX.b.ANYINDEX.c",
			`{"a":[{"b":[{"c":1},5]}]}`},
		{"ANYINDEX element read by position", `{"a":[[{"c":1,"d":1},{"c":2}],{"0":{"c":3,"d":3}}]}`, "a.ANYINDEX.0.c",
			`{"a":[[{"c":1},{}],{"0":{"c":3}}]}`},
		{"paths merged", `{"a":[{"b":1,"c":{"x":1,"y":2},"d":4,"e":5},{"b":2,"d":[1],"e":6}],"f":1}`, "a.b a.ANYINDEX.c.x a.1.d",
			`{"a":[{"b":1,"c":{"x":1}},{"b":2,"d":[1]}]}`},
		{"a whole path wins", `{"a":{"b":{"c":1,"d":2}}}`, "a.b.c a.b", `{"a":{"b":{"c":1,"d":2}}}`},
		{"escaped member name", `{"\u0061":{"b":1,"c":2},"a\"":1}`, "a.b", `{"a":{"b":1}}`},
		{"last of a repeated member, as encoding/json", `{"a":{"b":1},"a":{"b":2,"c":3}}`, "a.b", `{"a":{"b":2}}`},
		{"stored schema and envelope skipped", `{"$s":{"p":{}},"_id":"u1","_admin":{"created":1},"a":{"b":1}}`, "a.b", `{"a":{"b":1}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var paths [][]string
			for _, p := range strings.Fields(tt.paths) {
				paths = append(paths, strings.Split(p, "."))
			}
			plan := newViewPlan(paths)
			for range 2 { // the second time from the trie's memo
				got, _, err := plan.view([]byte(tt.doc))
				if err != nil {
					t.Fatal(err)
				}
				want, err := plainJSONValue([]byte(tt.want))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("view of %s for %s:\n got %s\nwant %s", tt.doc, tt.paths, show(got), tt.want)
				}
			}
		})
	}
}

// TestViewValues pins the decoding of values: numbers typed as
// plainJSONValue types them (gjson's own float64 rounds large integers),
// strings unescaped as encoding/json does, the envelope's attributes.
func TestViewValues(t *testing.T) {
	doc := `{"$s":{},"_id":"u-1","_admin":{"created":1519667931758,"modified":1519667931759,"version":1},"uuid":"not it",` +
		`"n":[9223372036854775807,9223372036854775808,-9223372036854775808,1.0,1e2,-0,0.5,12345678901234567890123],` +
		`"s":["a\"b\\c\/\b\f\n\r\t","\u00e9\ud83d\ude00","\ud800x","\udc00\ud800","caf\u00E9","é"],"b":[true,false,null]}`
	plan := newViewPlan([][]string{{"n"}, {"s"}, {"b"}, {"uuid"}, {"created_at"}, {"updated_at"}})
	got, uuid, err := plan.view([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": []any{int64(9223372036854775807), float64(9223372036854775808), int64(-9223372036854775808),
			float64(1), float64(100), int64(0), 0.5, 12345678901234567890123.0},
		"s":          []any{"a\"b\\c/\b\f\n\r\t", "é😀", "\ufffdx", "\ufffd\ufffd", "café", "é"},
		"b":          []any{true, false, nil},
		"uuid":       "u-1",
		"created_at": time.UnixMilli(1519667931758).UTC(),
		"updated_at": time.UnixMilli(1519667931759).UTC(),
	}
	if uuid != "u-1" || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q %#v\nwant %#v", uuid, got, want)
	}
	for k, v := range got {
		if k == "created_at" || k == "updated_at" || k == "uuid" {
			continue
		}
		full, err := plainJSONValue([]byte(gjson.Get(doc, k).Raw))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v, full) {
			t.Errorf("%s: view %#v, plainJSONValue %#v", k, v, full)
		}
	}

	for _, bad := range []string{`{"a":"\x"}`, `{"a":"x` + "\x01" + `"}`, `{"a":01}`, `{"a":tru}`, `{"a":[1,-]}`, `[1]`, ``} {
		if _, _, err := newViewPlan([][]string{{"a"}}).view([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestViewAnswersAsTheWholeRecord is the property the pruning must keep:
// on random records and random queries and orders (filtertest), Match and
// KeyOf answer on the partial view exactly as on the whole record.
func TestViewAnswersAsTheWholeRecord(t *testing.T) {
	g := filtertest.Gen{R: rand.New(rand.NewPCG(5, 2026))} // arrays in arrays too: JSON holds them
	nSets, nRecs, nQueries := 60, 40, 40
	if testing.Short() {
		nSets = 10
	}
	var queries, evaluated, matched, pruned int
	for range nSets {
		raws := make([][]byte, nRecs)
		wholes := make([]map[string]any, nRecs)
		uuids := make([]string, nRecs)
		for i := range raws {
			uuids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", g.R.Uint32(), i)
			raws[i], wholes[i] = storedDoc(t, g, uuids[i])
		}
		for range nQueries {
			e, s, ok := randomQuery(g, wholes, uuids)
			if !ok {
				continue
			}
			queries++
			filterPlan := newViewPlan(e.Paths())
			listPlan := newViewPlan(append(e.Paths(), s.Paths()...))
			for i, raw := range raws {
				evaluated++
				want := e.Match(wholes[i])
				if want {
					matched++
				}
				fv, _, err := filterPlan.view(raw)
				if err != nil {
					t.Fatal(err)
				}
				lv, uuid, err := listPlan.view(raw)
				if err != nil {
					t.Fatal(err)
				}
				if got := e.Match(fv); got != want {
					t.Fatalf("filter %s: Match = %v on the view for %q, %v on the record\nrecord %s\nview   %s",
						e, got, e.Paths(), want, show(wholes[i]), show(fv))
				}
				if got := e.Match(lv); got != want || uuid != uuids[i] {
					t.Fatalf("filter %s, order %s: Match = %v (uuid %s) on the view, %v on the record\nrecord %s\nview   %s",
						e, s, got, uuid, want, show(wholes[i]), show(lv))
				}
				if got, want := s.KeyOf(lv), s.KeyOf(wholes[i]); !reflect.DeepEqual(got, want) {
					t.Fatalf("order %s: KeyOf = %s on the view for %q, %s on the record\nrecord %s\nview   %s",
						s, show(got), s.Paths(), show(want), show(wholes[i]), show(lv))
				}
				if len(show(lv)) < len(show(wholes[i])) {
					pruned++
				}
			}
		}
	}
	t.Logf("%d queries, %d evaluations, %d matches, %d views smaller than the record", queries, evaluated, matched, pruned)
	if matched < evaluated/20 || matched > evaluated*19/20 || pruned < evaluated/2 {
		t.Fatalf("degenerate generator: %d of %d evaluations match, %d pruned", matched, evaluated, pruned)
	}
}

// storedDoc is a random record as FerretDB stores it (with a stand-in for
// the schema member) and the record as scanViews would read it whole.
func storedDoc(t *testing.T, g filtertest.Gen, uuid string) ([]byte, map[string]any) {
	t.Helper()
	fields := g.Fields()
	created, modified := g.Time(), g.Time()
	doc := maps.Clone(fields)
	doc["$s"] = map[string]any{"$k": []string{"_id"}, "p": map[string]any{"_id": map[string]any{"t": "string"}}}
	doc["_id"] = uuid
	doc[fieldAdmin] = map[string]any{"created": created.UnixMilli(), "modified": modified.UnixMilli(), "version": 1}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	whole := map[string]any{
		models.FieldUUID:      uuid,
		models.FieldCreatedAt: created,
		models.FieldUpdatedAt: modified,
	}
	for k := range fields {
		v, err := plainJSONValue([]byte(gjson.GetBytes(raw, k).Raw))
		if err != nil {
			t.Fatal(err)
		}
		whole[k] = v
	}
	return raw, whole
}

// randomQuery is a random filter (filtertest's queries) and a random
// order: filtertest's, or along a path into a record (positions and
// implicit traversal; sort paths have no ANYINDEX).
func randomQuery(g filtertest.Gen, wholes []map[string]any, uuids []string) (filter.Expr, filter.Sort, bool) {
	opts := filter.Options{Fields: Fields(), YAMLValues: g.R.IntN(4) == 0}
	values, err := url.ParseQuery(g.Query(wholes, uuids))
	if err != nil {
		return filter.Expr{}, filter.Sort{}, false
	}
	e, err := filter.ParseQuery(values, opts)
	if err != nil {
		return filter.Expr{}, filter.Sort{}, false
	}
	sort := g.Sort()
	if g.R.IntN(2) == 0 {
		path, _ := g.PathFrom(wholes[g.R.IntN(len(wholes))])
		var keep []string
		for _, seg := range path {
			if seg != filter.AnyIndex {
				keep = append(keep, seg)
			}
		}
		sort = strings.Join(keep, ".")
		if g.R.IntN(2) == 0 {
			sort = "-" + sort
		}
	}
	if sort == "" {
		return e, filter.DefaultSort(opts), true
	}
	s, err := filter.ParseSort(url.Values{"sort": {sort}}, opts)
	if err != nil {
		return e, filter.DefaultSort(opts), true
	}
	return e, s, true
}

// FuzzViewDecodesAsEncodingJSON: a value read whole from gjson is the
// value plainJSONValue reads, for any valid JSON.
func FuzzViewDecodesAsEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,-0,1e400,"x\u00e9\ud800\"",true,null,{"b":{}}],"a":[]}`,
		`"\ud83d\ude00\udc00"`, "\"\xff\xfe\"", `9223372036854775808`, `[[[]]]`, ` {"\u0000":0} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		want, err := plainJSONValue(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := wholeValue(gjson.ParseBytes(raw))
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", raw, got, want)
		}
	})
}

// show renders a view for failure messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// plainJSONValue is the reference the scan's reader (view.go) is held
// to, and how scanViews decoded each root attribute before it pruned:
// one member of a stored document without its schema, for the matcher:
// numbers become int64 when integral and in range, else float64 (the
// matcher compares numbers by value, so double 5 and long 5 are the same
// to it), and the rest as encoding/json does.
func plainJSONValue(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", errSJSON, err)
	}
	return numbersFromJSON(v), nil
}

func numbersFromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return string(x) // cannot happen for what FerretDB wrote
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbersFromJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersFromJSON(e)
		}
	}
	return v
}
