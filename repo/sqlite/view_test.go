package sqlite

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

var (
	memOnce sync.Once
	memDB   *sql.DB
)

// jsonbOf is SQLite's JSONB of a JSON text, as a body is stored.
func jsonbOf(t testing.TB, text string) []byte {
	t.Helper()
	memOnce.Do(func() {
		var err error
		if memDB, err = sql.Open("sqlite3", "file::memory:"); err != nil {
			panic(err)
		}
	})
	var b []byte
	if err := memDB.QueryRow(`SELECT jsonb(?)`, text).Scan(&b); err != nil {
		t.Fatalf("jsonb(%.40q): %v", text, err)
	}
	return b
}

var recordEnv = repo.RecordSpec(models.KindVNFR).Envelope

// TestViewPrunes pins what a partial view keeps of a stored body for the
// paths a filter or an order reads: the members named along the paths
// (missing ones stay missing), every array element in place and of its
// kind, the whole value where a path ends, the envelope's attributes.
func TestViewPrunes(t *testing.T) {
	for _, tt := range []struct {
		name  string
		doc   string
		paths string // paths separated by spaces, segments by dots
		want  string // the view as JSON (numbers typed as models.DecodeFields does)
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
		{"body members named like the envelope are not read", `{"uuid":"no","created_at":"no","a":1}`, "uuid a", `{"a":1,"uuid":"u1"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var paths [][]string
			for _, p := range strings.Fields(tt.paths) {
				paths = append(paths, strings.Split(p, "."))
			}
			plan := newViewPlan(paths, recordEnv)
			for range 2 { // the second time from the trie's memo
				got, err := plan.view(row{id: "u1", body: jsonbOf(t, tt.doc)})
				if err != nil {
					t.Fatal(err)
				}
				want, err := models.DecodeFields([]byte(tt.want))
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

// TestViewValues pins the decoding of values: numbers typed exactly as
// models.DecodeFields types them, strings unescaped as encoding/json
// does, the envelope's attributes from the row.
func TestViewValues(t *testing.T) {
	doc := `{"uuid":"not it",` +
		`"n":[9223372036854775807,9223372036854775808,-9223372036854775808,2147483648,1.0,1e2,-0,0.5,12345678901234567890123,1e+300,5e-324],` +
		`"s":["a\"b\\c\/\b\f\n\r\t","\u00e9\ud83d\ude00","\ud800x","\udc00\ud800","caf\u00E9","é","<&>"],"b":[true,false,null]}`
	plan := newViewPlan([][]string{{"n"}, {"s"}, {"b"}, {"uuid"}, {"id"}, {"created_at"}, {"updated_at"}}, recordEnv)
	got, err := plan.view(row{id: "u-1", created: 1519667931758, modified: 1519667931759, body: jsonbOf(t, doc)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": []any{int64(9223372036854775807), float64(9223372036854775808), int64(-9223372036854775808), int64(2147483648),
			float64(1), float64(100), int64(0), 0.5, 12345678901234567890123.0, 1e300, 5e-324},
		"s":          []any{"a\"b\\c/\b\f\n\r\t", "é😀", "\ufffdx", "\ufffd\ufffd", "café", "é", "<&>"},
		"b":          []any{true, false, nil},
		"uuid":       "u-1",
		"id":         "u-1",
		"created_at": time.UnixMilli(1519667931758).UTC(),
		"updated_at": time.UnixMilli(1519667931759).UTC(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	full, err := models.DecodeFields([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "s", "b"} {
		if !reflect.DeepEqual(got[k], full[k]) {
			t.Errorf("%s: view %#v, DecodeFields %#v", k, got[k], full[k])
		}
	}
	for _, bad := range [][]byte{{}, {0x0d}, {0xcc, 0x05}, {0x1b, 0x04}, jsonbOf(t, `[1]`)} {
		if _, err := newViewPlan([][]string{{"a"}}, recordEnv).view(row{body: bad}); err == nil {
			t.Errorf("%x: no error", bad)
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
		rows := make([]row, nRecs)
		wholes := make([]map[string]any, nRecs)
		uuids := make([]string, nRecs)
		for i := range rows {
			uuids[i] = fmt.Sprintf("%08x-0000-4000-8000-%012x", g.R.Uint32(), i)
			rows[i], wholes[i] = storedRow(t, g, uuids[i])
		}
		for range nQueries {
			e, s, ok := randomQuery(g, wholes, uuids)
			if !ok {
				continue
			}
			queries++
			filterPlan := newViewPlan(e.Paths(), recordEnv)
			listPlan := newViewPlan(append(e.Paths(), s.Paths()...), recordEnv)
			for i, r := range rows {
				evaluated++
				want := e.Match(wholes[i])
				if want {
					matched++
				}
				fv, err := filterPlan.view(r)
				if err != nil {
					t.Fatal(err)
				}
				lv, err := listPlan.view(r)
				if err != nil {
					t.Fatal(err)
				}
				if got := e.Match(fv); got != want {
					t.Fatalf("filter %s: Match = %v on the view for %q, %v on the record\nrecord %s\nview   %s",
						e, got, e.Paths(), want, show(wholes[i]), show(fv))
				}
				if got := e.Match(lv); got != want {
					t.Fatalf("filter %s, order %s: Match = %v on the view, %v on the record\nrecord %s\nview   %s",
						e, s, got, want, show(wholes[i]), show(lv))
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

// storedRow is a random record as the store keeps it and as readers see
// it whole.
func storedRow(t *testing.T, g filtertest.Gen, uuid string) (row, map[string]any) {
	t.Helper()
	fields := g.Fields()
	created, modified := g.Time(), g.Time()
	body, err := models.EncodeFields(fields)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := models.DecodeFields(body)
	if err != nil {
		t.Fatal(err)
	}
	whole[models.FieldUUID], whole[models.FieldID] = uuid, uuid
	whole[models.FieldCreatedAt], whole[models.FieldUpdatedAt] = created, modified
	return row{id: uuid, created: created.UnixMilli(), modified: modified.UnixMilli(), body: jsonbOf(t, string(body))}, whole
}

// randomQuery is a random filter (filtertest's queries) and a random
// order: filtertest's, or along a path into a record (positions and
// implicit traversal; sort paths have no ANYINDEX).
func randomQuery(g filtertest.Gen, wholes []map[string]any, uuids []string) (filter.Expr, filter.Sort, bool) {
	opts := filter.Options{Fields: repo.RecordFields(), YAMLValues: g.R.IntN(4) == 0}
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

// FuzzViewDecodesAsEncodingJSON: any valid JSON value, stored as SQLite
// stores it, reads back as models.DecodeFields (encoding/json) reads it.
func FuzzViewDecodesAsEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5,-0,1e400,"x\u00e9\ud800\"",true,null,{"b":{}}],"a":[]}`,
		`"\ud83d\ude00\udc00"`, "\"\xff\xfe\"", `9223372036854775808`, `[[[]]]`, ` {"\u0000":0} `,
		`{"` + strings.Repeat("k", 300) + `":"` + strings.Repeat("v", 70000) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		wrapped := append(append([]byte(`{"v":`), raw...), '}')
		want, err := models.DecodeFields(wrapped)
		if err != nil {
			return // a number beyond float64: never stored
		}
		got, err := value(jsonbOf(t, string(raw)))
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if !reflect.DeepEqual(got, want["v"]) {
			t.Fatalf("%q:\n got %#v\nwant %#v", raw, got, want["v"])
		}
	})
}

// show renders a view for failure messages.
func show(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return strings.TrimSpace(buf.String())
}
