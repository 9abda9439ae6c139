package filter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

var sortOpts = Options{Fields: recordFields}

func parseSortString(t testing.TB, query string) (Sort, error) {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("bad test query %q: %v", query, err)
	}
	return ParseSort(v, sortOpts)
}

func TestParseSort(t *testing.T) {
	type key struct {
		path   string
		stored string
		desc   bool
		time   bool
	}
	valid := []struct {
		query    string
		keys     []key
		uuidDesc bool
		str      string
	}{
		{"", []key{{"created_at", "_admin.created", true, true}}, true, "-created_at"},
		{"page_size=5&status=x", []key{{"created_at", "_admin.created", true, true}}, true, "-created_at"},
		{"sort=status", []key{{"status", "status", false, false}}, false, "status"},
		{"sort=status,-name", []key{{"status", "status", false, false}, {"name", "name", true, false}}, false, "status,-name"},
		{"sort=%2Bstatus", []key{{"status", "status", false, false}}, false, "status"},
		{"sort=+status", []key{{"status", "status", false, false}}, false, "status"}, // '+' decodes to ' '
		{"sort=a,-b.c,+d", []key{{"a", "a", false, false}, {"b.c", "b.c", true, false}, {"d", "d", false, false}}, false, "a,-b.c,d"},
		{"sort=-virtual_deployment_units.resource_requirements.cpu.vcpus",
			[]key{{"virtual_deployment_units.resource_requirements.cpu.vcpus", "virtual_deployment_units.resource_requirements.cpu.vcpus", true, false}},
			false, "-virtual_deployment_units.resource_requirements.cpu.vcpus"},
		{"sort=virtual_deployment_units.0.id", []key{{"virtual_deployment_units.0.id", "virtual_deployment_units.0.id", false, false}}, false, "virtual_deployment_units.0.id"},
		{"sort=0", []key{{"0", "0", false, false}}, false, "0"},
		{"sort=created_at", []key{{"created_at", "_admin.created", false, true}}, false, "created_at"},
		// The default's keys are the default order: its tie-break, its index.
		{"sort=-created_at", []key{{"created_at", "_admin.created", true, true}}, true, "-created_at"},
		{"sort=-created_at,uuid", []key{{"created_at", "_admin.created", true, true}, {"uuid", "_id", false, false}}, false, "-created_at,uuid"},
		{"sort=-updated_at", []key{{"updated_at", "_admin.modified", true, true}}, false, "-updated_at"},
		{"sort=uuid", []key{{"uuid", "_id", false, false}}, false, "uuid"},
		{"sort=-uuid,status", []key{{"uuid", "_id", true, false}, {"status", "status", false, false}}, false, "-uuid,status"},
		{"sort=--x", []key{{"-x", "-x", true, false}}, false, "--x"},
		{"sort=%2B-x", []key{{"-x", "-x", false, false}}, false, "+-x"},
		{"sort=a:b,c_d,E-f", []key{{"a:b", "a:b", false, false}, {"c_d", "c_d", false, false}, {"E-f", "E-f", false, false}}, false, "a:b,c_d,E-f"},
		{"sort=a,b,c,d,e,f,g,h", []key{{"a", "a", false, false}, {"b", "b", false, false}, {"c", "c", false, false}, {"d", "d", false, false},
			{"e", "e", false, false}, {"f", "f", false, false}, {"g", "g", false, false}, {"h", "h", false, false}}, false, "a,b,c,d,e,f,g,h"},
		{"sort=a,a.b", []key{{"a", "a", false, false}, {"a.b", "a.b", false, false}}, false, "a,a.b"},
	}
	for _, tt := range valid {
		s, err := parseSortString(t, tt.query)
		if err != nil {
			t.Errorf("%q: %v", tt.query, err)
			continue
		}
		var got []key
		for _, k := range s.Keys {
			got = append(got, key{strings.Join(k.Path, "."), recordStored.Path(k.Path), k.Desc, k.Time})
		}
		if !slices.Equal(got, tt.keys) || s.UUIDDesc != tt.uuidDesc {
			t.Errorf("%q: keys %v uuidDesc %v, want %v %v", tt.query, got, s.UUIDDesc, tt.keys, tt.uuidDesc)
		}
		if s.String() != tt.str {
			t.Errorf("%q: String %q, want %q", tt.query, s.String(), tt.str)
		}
		if s.IsDefault() != (tt.str == "-created_at") {
			t.Errorf("%q: IsDefault %v", tt.query, s.IsDefault())
		}
		// The canonical text reads back as the same order.
		again, err := ParseSort(url.Values{"sort": {s.String()}}, sortOpts)
		if err != nil || !sortsEqual(again, s) {
			t.Errorf("%q: String %q reads back as %+v, %v", tt.query, s.String(), again, err)
		}
	}

	invalid := []struct{ query, want string }{
		{"sort=", `"sort": empty`},
		{"sort=a&sort=b", "give one sort"},
		{"sort=a,", `item "": empty attribute name`},
		{"sort=,a", `item "": empty attribute name`},
		{"sort=-", `item "-": empty attribute name`},
		{"sort=%2B", `item "+": empty attribute name`},
		{"sort=a..b", `item "a..b": empty attribute name`},
		{"sort=a.", `item "a.": empty attribute name`},
		{"sort=.a", `item ".a": empty attribute name`},
		{"sort=a.ANYINDEX.b", `item "a.ANYINDEX.b": ANYINDEX has no meaning in a sort`},
		{"sort=%24where", `item "$where": attribute name "$where"`},
		{"sort=a.%24gt", `attribute name "$gt"`},
		{"sort=-a%20b", `attribute name "a b"`},
		{"sort=a%00", `attribute name "a\x00"`},
		{"sort=%C3%A9", `attribute name "é"`},
		{"sort=%FF", "not valid UTF-8"},
		{"sort=_id", `item "_id": _id is not sortable`},
		{"sort=-_admin.created", `item "-_admin.created": _admin is not sortable`},
		{"sort=uuid.x", "uuid has no sub-attributes"},
		{"sort=-created_at.x", "created_at has no sub-attributes"},
		{"sort=a,b,-a", `item "-a": a appears twice`},
		{"sort=a.b,a.b", `item "a.b": a.b appears twice`},
		{"sort=uuid,%2Buuid", "uuid appears twice"},
		{"sort=a,b,c,d,e,f,g,h,i", "9 keys: at most 8"},
		{"sort=a.01", `array position "01" has a leading zero`},
		{"sort=a.1234567890", "is too large"},
		{"sort=" + strings.Repeat("a.", 16) + "a", "deeper than 16"},
		{"sort=" + strings.Repeat("a", 513), "longer than 512 bytes"},
		{"sort=" + strings.Repeat("a", 600) + "," + strings.Repeat("b", 500), "longer than 1024 bytes"},
	}
	for _, tt := range invalid {
		_, err := parseSortString(t, tt.query)
		var me *models.Error
		if !errors.As(err, &me) || me.Code != models.CodeInvalid {
			t.Errorf("%q: %v, want CodeInvalid", tt.query, err)
			continue
		}
		if !strings.Contains(me.Detail, `query parameter "sort"`) || !strings.Contains(me.Detail, tt.want) {
			t.Errorf("%q: %q, want it to name sort and contain %q", tt.query, me.Detail, tt.want)
		}
	}
}

func sortsEqual(a, b Sort) bool {
	return a.UUIDDesc == b.UUIDDesc && slices.EqualFunc(a.Keys, b.Keys, func(x, y SortKey) bool {
		return slices.Equal(x.Path, y.Path) && x.Desc == y.Desc && x.Time == y.Time
	})
}

func TestParseSortWithoutFields(t *testing.T) {
	s, err := ParseSort(url.Values{"sort": {"-created_at,uuid.x"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if k := s.Keys[0]; !slices.Equal(k.Path, []string{"created_at"}) || k.Time || !k.Desc {
		t.Fatalf("unmapped created_at: %+v", k)
	}
	if d := DefaultSort(Options{}); !slices.Equal(d.Keys[0].Path, []string{"created_at"}) || d.Keys[0].Time || !d.IsDefault() {
		t.Fatalf("default without fields: %+v", d)
	}
}

func TestSortStringHandBuilt(t *testing.T) {
	// A tie-break ParseSort would not choose is written out, so that two
	// orders with one text never differ.
	tests := []struct {
		s    Sort
		want string
	}{
		{Sort{Keys: []SortKey{{Path: []string{"a"}}}, UUIDDesc: true}, "a,-uuid"},
		{Sort{Keys: []SortKey{{Path: []string{"created_at"}, Desc: true}}}, "-created_at,uuid"},
		{Sort{Keys: []SortKey{{Path: []string{"uuid"}}}, UUIDDesc: true}, "uuid"},
		{Sort{UUIDDesc: true}, "-uuid"},
		{Sort{}, "uuid"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.s, got, tt.want)
		}
	}
}

// loadVNFRs renders the fixture VNFRs as the store would: integers as
// int64 (the number of instances as int32, as a driver may decode it).
func loadVNFRs(t *testing.T) []map[string]any {
	t.Helper()
	files, err := filepath.Glob("../fixtures/vnfr/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("fixtures: %v %v", files, err)
	}
	var out []map[string]any
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var fields map[string]any
		if err := dec.Decode(&fields); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		id, _ := fields["id"].(string)
		created := utc("2018-02-26T17:58:51.758Z").Add(time.Duration(i%3) * time.Hour)
		out = append(out, renderedView(id, numbers(fields).(map[string]any), created, created.Add(time.Duration(i)*time.Minute)))
	}
	return out
}

func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			if k == "number_of_instances" {
				if n, ok := x.(json.Number); ok {
					i, _ := n.Int64()
					v[k] = int32(i)
					continue
				}
			}
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	}
	return v
}

func TestKeyOfFixtures(t *testing.T) {
	recs := loadVNFRs(t)
	byUUID := map[string]map[string]any{}
	for _, r := range recs {
		byUUID[r["uuid"].(string)] = r
	}
	ref := byUUID["1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"]
	gk1 := byUUID["27155554-02d7-46a9-a7bb-4f4162b3ac19"]
	if ref == nil || gk1 == nil {
		t.Fatal("fixtures changed")
	}
	tests := []struct {
		rec   map[string]any
		query string
		want  []any
	}{
		{ref, "sort=status", A{"normal operation"}},
		{ref, "sort=uuid", A{"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"}},
		// Through an array of objects: the least id, or the greatest.
		{ref, "sort=virtual_deployment_units.id", A{"commodo dolor nostrud"}},
		{ref, "sort=-virtual_deployment_units.id", A{"nostrud in"}},
		{ref, "sort=virtual_deployment_units.resource_requirements.cpu.vcpus", A{int64(2304668)}},
		{ref, "sort=-virtual_deployment_units.resource_requirements.cpu.vcpus", A{int64(82258996)}},
		// Only one VDU has vdu_reference: the others count as null, the least.
		{ref, "sort=virtual_deployment_units.vdu_reference", A{nil}},
		{ref, "sort=-virtual_deployment_units.vdu_reference", A{"pariatur"}},
		// A position takes that element.
		{ref, "sort=virtual_deployment_units.2.id", A{"commodo dolor nostrud"}},
		{ref, "sort=-virtual_deployment_units.9.id", A{nil}},
		{ref, "sort=no_such_thing,-status", A{nil, "normal operation"}},
		{ref, "sort=virtual_deployment_units.resource_requirements.network", A{nil}},
		{ref, "sort=-virtual_deployment_units.resource_requirements.network", A{M{"data_processing_acceleration_library": "adipisicing tempor ut in in"}}},
		// Time fields are instants.
		{ref, "sort=created_at,-updated_at", A{ref["created_at"], ref["updated_at"]}},
		{gk1, "sort=-virtual_deployment_units.number_of_instances", A{int32(1)}},
		// An array at the end of the path stands for its elements.
		{gk1, "sort=virtual_links.connection_points_reference", A{"input"}},
		{gk1, "sort=-virtual_links.connection_points_reference", A{"vdu02:eth1"}},
		{gk1, "sort=virtual_links.1.connection_points_reference", A{"input"}},
		{gk1, "sort=-virtual_deployment_units.vnfc_instance.connection_points.id", A{"eth3"}},
		{gk1, "sort=virtual_deployment_units.vnfc_instance.connection_points.interface.netmask", A{nil}},
	}
	for _, tt := range tests {
		s, err := parseSortString(t, tt.query)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		want := slices.Clone(tt.want)
		for i, k := range s.Keys {
			if k.Time {
				tv, _ := parseTime(want[i].(string))
				want[i] = tv.lo
			}
		}
		got := s.KeyOf(tt.rec)
		if len(got) != len(want) {
			t.Fatalf("%q: %#v", tt.query, got)
		}
		for i := range got {
			if !exactEqual(got[i], want[i]) {
				t.Errorf("%q on %s: key %d = %#v, want %#v", tt.query, tt.rec["uuid"], i, got[i], want[i])
			}
		}
	}
}

func TestKeyOf(t *testing.T) {
	t0 := utc("2018-02-26T17:58:51.758Z")
	rec := M{
		"uuid":       "3f1e0c7a-1111-4aaa-8bbb-000000000001",
		"created_at": "2018-02-26T18:58:51.758+01:00",
		"updated_at": t0.Add(1500 * time.Microsecond).In(time.FixedZone("X", 3600)),
		"mixed":      A{"b", int32(7), 2.5, true, nil, M{"a": int64(1)}, A{int64(1)}, t0},
		"nums":       A{int64(3), int32(-1), 2.5, math.NaN()},
		"empty":      A{},
		"nested":     A{A{int64(1), int64(2)}, int64(3)},
		"objs":       A{M{"v": int64(2)}, M{"v": A{int64(5), int64(-4)}}, M{"w": int64(1)}, "scalar"},
		"allmissing": A{M{"w": int64(1)}},
		"objs2":      A{M{"v": int64(2)}, "s"},
		"deep":       A{A{M{"q": "x"}}, A{}},
		"digits":     A{M{"5": "f", "0": "z"}},
		"o":          M{"p": A{M{"q": "x"}, M{"q": "y"}}},
		"n":          nil,
		"arr":        namedArray{"z", "a"},
		"doc":        orderedDoc{{"k", A{"m", "c"}}},
		"bool":       false,
		"badtime":    "yesterday",
	}
	tests := []struct {
		query string
		want  []any
	}{
		// BSON order: null < numbers < strings < objects < arrays < booleans < times.
		{"sort=mixed", A{nil}},
		{"sort=-mixed", A{t0}},
		// NaN is the least number.
		{"sort=nums", A{math.NaN()}},
		{"sort=-nums", A{int64(3)}},
		// An empty array has no value: it sorts as null.
		{"sort=empty", A{nil}},
		{"sort=-empty", A{nil}},
		{"sort=empty.x", A{nil}},
		// An inner array is one value (arrays come after numbers).
		{"sort=nested", A{int64(3)}},
		{"sort=-nested", A{A{int64(1), int64(2)}}},
		// Elements without the attribute count as null; scalars are skipped.
		{"sort=objs.v", A{nil}},
		{"sort=-objs.v", A{int64(5)}},
		{"sort=-allmissing.v", A{nil}},
		// A scalar element has no attribute: null (MongoDB's key generator).
		{"sort=objs2.v", A{nil}},
		{"sort=-objs2.v", A{int64(2)}},
		// An inner array is not a document; by position it is traversed.
		{"sort=-deep.q", A{nil}},
		{"sort=deep.0.q", A{"x"}},
		{"sort=deep.1.q", A{nil}},
		{"sort=-deep.1", A{nil}},
		// A position takes that element; past the end it is a field name.
		{"sort=digits.0", A{M{"5": "f", "0": "z"}}},
		{"sort=digits.5", A{"f"}},
		{"sort=o.p.q", A{"x"}},
		{"sort=-o.p.q", A{"y"}},
		{"sort=o.p.1.q", A{"y"}},
		{"sort=n", A{nil}},
		{"sort=n.x", A{nil}},
		{"sort=arr", A{"a"}},
		{"sort=-doc.k", A{"m"}},
		{"sort=bool", A{false}},
		{"sort=-bool.x", A{nil}},
		// Time fields: rendered strings or time.Time, as UTC milliseconds.
		{"sort=created_at", A{t0}},
		{"sort=updated_at", A{t0.Add(time.Millisecond)}},
		// Outside time fields a time string is a string.
		{"sort=badtime", A{"yesterday"}},
	}
	for _, tt := range tests {
		s, err := parseSortString(t, tt.query)
		if err != nil {
			t.Fatalf("%q: %v", tt.query, err)
		}
		got := s.KeyOf(rec)
		for i := range tt.want {
			if !exactEqual(got[i], tt.want[i]) {
				t.Errorf("%q: key %d = %#v, want %#v", tt.query, i, got[i], tt.want[i])
			}
		}
	}
	// A time field holding no time sorts as null.
	s := Sort{Keys: []SortKey{{Path: []string{"badtime"}, Time: true}, {Path: []string{"n"}, Time: true}, {Path: []string{"gone"}, Time: true}}}
	for i, v := range s.KeyOf(rec) {
		if v != nil {
			t.Errorf("time key %d: %#v, want nil", i, v)
		}
	}
}

// exactEqual is equality of values and of their Go types (NaN equals NaN,
// -0 differs from 0): what a marker must preserve.
func exactEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !exactEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, exactEqual)
	case nil, bool, string, int64, int32:
		return a == b
	}
	return false
}

// TestBSONOrder pins the order across and within types.
func TestBSONOrder(t *testing.T) {
	t0 := utc("2018-02-26T17:58:51.758Z")
	ascending := []any{
		nil,
		math.NaN(),
		math.Inf(-1),
		-1e300,
		int64(math.MinInt64),
		int32(-5),
		-0.5,
		int64(0),
		0.5,
		int64(1 << 53),
		int64(1<<53 + 1), // not a float64: compared exactly
		float64(1<<53 + 2),
		int64(math.MaxInt64),
		math.Inf(1),
		"",
		"A",
		"a",
		"ab",
		"b",
		"é",
		M{},
		M{"a": nil},
		M{"a": int64(1)},
		M{"a": int64(1), "b": "x"},
		M{"a": "x"},
		M{"b": nil},
		A{},
		A{nil},
		A{int64(1)},
		A{int64(1), int64(0)},
		A{"a"},
		A{A{}},
		false,
		true,
		t0.Add(-time.Millisecond),
		t0,
		t0.Add(time.Millisecond),
		namedNumber(1), // not a BSON value: last
	}
	for i, a := range ascending {
		for j, b := range ascending {
			if got, want := compareValues(a, b), cmp3(int64(i), int64(j)); got != want {
				t.Errorf("compareValues(%#v, %#v) = %d, want %d", a, b, got, want)
			}
		}
	}
	equal := [][2]any{
		{nil, missing},
		{int32(5), int64(5)},
		{int64(5), 5.0},
		{0.0, math.Copysign(0, -1)},
		{math.NaN(), -math.NaN()},
		{t0, t0.Add(999 * time.Microsecond).In(time.FixedZone("X", 7200))},
		{M{"a": int32(1)}, orderedDoc{{"a", 1.0}}},
		{orderedDoc{{"b", "y"}, {"a", "x"}}, M{"a": "x", "b": "y"}},
		{A{"x"}, namedArray{"x"}},
	}
	for _, e := range equal {
		if compareValues(e[0], e[1]) != 0 || compareValues(e[1], e[0]) != 0 {
			t.Errorf("%#v and %#v should sort together", e[0], e[1])
		}
	}
}

func TestCompare(t *testing.T) {
	u1, u2 := "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
	def := DefaultSort(sortOpts)
	t0, t1 := utc("2018-01-01T00:00:00Z"), utc("2019-01-01T00:00:00Z")
	if def.Compare(A{t1}, u1, A{t0}, u2) != -1 {
		t.Error("default: newest first")
	}
	if def.Compare(A{t0}, u2, A{t0}, u1) != -1 || def.Compare(A{t0}, u1, A{t0}, u1) != 0 {
		t.Error("default: ties by uuid descending")
	}
	s, _ := parseSortString(t, "sort=status,-n")
	if s.Compare(A{"a", int64(1)}, u2, A{"b", int64(9)}, u1) != -1 {
		t.Error("first key decides")
	}
	if s.Compare(A{"a", int64(9)}, u2, A{"a", 1.5}, u1) != -1 {
		t.Error("second key descending")
	}
	if s.Compare(A{"a", int64(1)}, u1, A{"a", 1.0}, u2) != -1 {
		t.Error("client orders: ties by uuid ascending")
	}
	if s.Compare(A{nil, nil}, u1, A{"a"}, u2) != -1 {
		t.Error("short keys count as null")
	}
}

// randValue draws from small domains of every kind, so that equal and
// near-equal values (5 and 5.0, -0 and 0, NaN) meet often.
func randValue(r *rand.Rand, depth int) any { return randAny(r, depth, true) }

// randBSON is randValue without values a record cannot hold (missing, and
// types that are no BSON value): those a marker carries exactly.
func randBSON(r *rand.Rand, depth int) any { return randAny(r, depth, false) }

func randAny(r *rand.Rand, depth int, odd bool) any {
	t0 := utc("2018-02-26T17:58:51.758Z")
	n := 14
	if depth <= 0 {
		n = 11
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return int32(r.IntN(5) - 2)
	case 3:
		return []int64{-2, 0, 1, 5, 1 << 53, 1<<53 + 1, math.MaxInt64, math.MinInt64}[r.IntN(8)]
	case 4:
		return []float64{math.NaN(), math.Inf(-1), math.Inf(1), 0, math.Copysign(0, -1), 1, 5, 2.5, 0x1p53, 0x1p63, 5e-324, -1e308}[r.IntN(12)]
	case 5, 6:
		return []string{"", "a", "ab", "b", "5", "é", "a\xff", "\x00"}[r.IntN(8)]
	case 7:
		return t0.Add(time.Duration(r.IntN(3)-1) * time.Millisecond)
	case 8:
		if odd {
			return namedNumber(r.IntN(2))
		}
		return int64(r.IntN(2))
	case 9:
		if odd {
			return missing
		}
		return nil
	case 10:
		return []string{"z", "A"}[r.IntN(2)]
	case 11:
		arr := make(A, r.IntN(3))
		for i := range arr {
			arr[i] = randAny(r, depth-1, odd)
		}
		if r.IntN(4) == 0 {
			return namedArray(arr)
		}
		return arr
	default:
		if r.IntN(4) == 0 {
			d := orderedDoc{}
			for _, k := range []string{"b", "a", "\xfe"}[:r.IntN(4)] {
				d = append(d, pair{k, randAny(r, depth-1, odd)})
			}
			return d
		}
		m := M{}
		for range r.IntN(3) {
			m[[]string{"a", "b", "", "\xfe"}[r.IntN(4)]] = randAny(r, depth-1, odd)
		}
		return m
	}
}

// TestCompareTotalOrder: Compare is a strict total order on records with
// distinct uuids, whatever the values and directions.
func TestCompareTotalOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	uuids := []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002", "ffffffff-0000-4000-8000-000000000001"}
	type rec struct {
		key  []any
		uuid string
	}
	for range 300 {
		s := Sort{UUIDDesc: r.IntN(2) == 0}
		for i := range 1 + r.IntN(3) {
			s.Keys = append(s.Keys, SortKey{Path: []string{string(rune('a' + i))}, Desc: r.IntN(2) == 0})
		}
		recs := make([]rec, 12)
		for i := range recs {
			recs[i] = rec{make([]any, len(s.Keys)), uuids[r.IntN(len(uuids))]}
			for j := range recs[i].key {
				recs[i].key[j] = randValue(r, 2)
			}
		}
		for _, a := range recs {
			if c := s.Compare(a.key, a.uuid, a.key, a.uuid); c != 0 {
				t.Fatalf("Compare(x, x) = %d for %#v", c, a.key)
			}
			for _, b := range recs {
				ab, ba := s.Compare(a.key, a.uuid, b.key, b.uuid), s.Compare(b.key, b.uuid, a.key, a.uuid)
				if ab != -ba || ab < -1 || ab > 1 {
					t.Fatalf("%s: Compare(%#v, %#v) = %d, reversed %d", s, a, b, ab, ba)
				}
				if ab == 0 && a.uuid != b.uuid {
					t.Fatalf("%s: distinct uuids compare equal: %#v, %#v", s, a, b)
				}
				for _, c := range recs {
					bc, ac := s.Compare(b.key, b.uuid, c.key, c.uuid), s.Compare(a.key, a.uuid, c.key, c.uuid)
					if ab <= 0 && bc <= 0 && ac > 0 {
						t.Fatalf("%s: not transitive: %#v <= %#v <= %#v but not first <= last", s, a, b, c)
					}
				}
			}
		}
	}
}

// TestKeysetPaging pages the fixture records and random ones through
// markers in several orders: every record once, in Compare order.
func TestKeysetPaging(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	recs := loadVNFRs(t)
	for i := range 40 {
		fields := M{"status": []any{"running", "offline", nil, int64(3)}[r.IntN(4)], "x": randBSON(r, 2)}
		if r.IntN(3) > 0 {
			fields["virtual_deployment_units"] = A{M{"id": randBSON(r, 1)}, M{"id": randBSON(r, 0)}}
		}
		created := utc("2018-02-26T17:58:51.758Z").Add(time.Duration(r.IntN(3)) * time.Second)
		recs = append(recs, renderedView(fmt.Sprintf("00000000-0000-4000-8000-%012x", i), fields, created, created))
	}
	for _, q := range []string{"", "sort=-created_at", "sort=created_at", "sort=status", "sort=-status,x",
		"sort=virtual_deployment_units.id", "sort=-virtual_deployment_units.id,-updated_at", "sort=-uuid", "sort=x,status"} {
		s, err := parseSortString(t, q)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(recs)
		slices.SortFunc(want, func(a, b map[string]any) int {
			return s.Compare(s.KeyOf(a), a["uuid"].(string), s.KeyOf(b), b["uuid"].(string))
		})
		var got []map[string]any
		marker := ""
		for page := 0; ; page++ {
			if page > len(recs) {
				t.Fatalf("%q: paging does not end", q)
			}
			var after *Position
			if marker != "" {
				p, err := s.ParseMarker(marker)
				if err != nil {
					t.Fatalf("%q: page %d: %v", q, page, err)
				}
				after = &p
			}
			var rest []map[string]any
			for _, rec := range recs {
				if after == nil || s.Compare(s.KeyOf(rec), rec["uuid"].(string), after.Key, after.UUID) > 0 {
					rest = append(rest, rec)
				}
			}
			if len(rest) == 0 {
				break
			}
			slices.SortFunc(rest, func(a, b map[string]any) int {
				return s.Compare(s.KeyOf(a), a["uuid"].(string), s.KeyOf(b), b["uuid"].(string))
			})
			rest = rest[:min(4, len(rest))]
			got = append(got, rest...)
			last := rest[len(rest)-1]
			marker = s.Marker(Position{Key: s.KeyOf(last), UUID: last["uuid"].(string)})
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d records paged, want %d", q, len(got), len(want))
		}
		for i := range got {
			if got[i]["uuid"] != want[i]["uuid"] {
				t.Fatalf("%q: record %d is %s, want %s", q, i, got[i]["uuid"], want[i]["uuid"])
			}
		}
	}
}
