package filter

import (
	"encoding/base64"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

const markerUUID = "3f1e0c7a-1111-4aaa-8bbb-000000000001"

// markerNormal is what a marker gives back for v: int32 and other integer
// kinds as int64, times in UTC at milliseconds, other documents and arrays
// as map[string]any and []any, values of no BSON type as nil.
func markerNormal(v any) any {
	switch bsonRank(v) {
	case 0, 7:
		return nil
	case 1:
		n, _ := toNumber(v)
		if n.isInt {
			return n.i
		}
		return n.f
	case 3:
		m := M{}
		for _, f := range objectFields(v) {
			m[f.name] = markerNormal(f.value)
		}
		return m
	case 4:
		arr, _ := asArray(v)
		out := make(A, len(arr))
		for i, el := range arr {
			out[i] = markerNormal(el)
		}
		return out
	case 6:
		return time.UnixMilli(v.(time.Time).UnixMilli()).UTC()
	}
	return v
}

func samePosition(a, b Position) bool {
	if a.UUID != b.UUID || len(a.Key) != len(b.Key) {
		return false
	}
	for i := range a.Key {
		if !exactEqual(a.Key[i], b.Key[i]) {
			return false
		}
	}
	return true
}

// TestMarkerRoundTrip: any position of values of every kind comes back
// from its marker exactly (types included, as markerNormal documents).
func TestMarkerRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		s := Sort{}
		for i := range 1 + r.IntN(4) {
			s.Keys = append(s.Keys, SortKey{Path: []string{string(rune('a' + i))}, Desc: r.IntN(2) == 0})
		}
		p := Position{UUID: markerUUID, Key: make([]any, len(s.Keys))}
		for i := range p.Key {
			p.Key[i] = randValue(r, 3)
		}
		tok := s.Marker(p)
		got, err := s.ParseMarker(tok)
		if err != nil {
			if len(tok) > MaxMarkerBytes {
				continue
			}
			t.Fatalf("%#v: %v", p, err)
		}
		want := Position{UUID: p.UUID, Key: make([]any, len(p.Key))}
		for i, v := range p.Key {
			want.Key[i] = markerNormal(v)
		}
		if !samePosition(got, want) {
			t.Fatalf("marker of %#v gives %#v, want %#v", p, got, want)
		}
		if s.Compare(got.Key, got.UUID, p.Key, p.UUID) != 0 && !hasOther(p.Key) {
			t.Fatalf("marker of %#v gives a position that sorts elsewhere: %#v", p, got)
		}
		// One position, one token.
		if again := s.Marker(got); again != tok && !hasOther(p.Key) {
			t.Fatalf("re-encoding %#v: %s, was %s", got, again, tok)
		}
	}
}

// hasOther reports whether v holds a value of no BSON type (which a marker
// carries as null).
func hasOther(v any) bool {
	switch bsonRank(v) {
	case 7:
		return true
	case 3:
		for _, f := range objectFields(v) {
			if hasOther(f.value) {
				return true
			}
		}
	case 4:
		arr, _ := asArray(v)
		for _, el := range arr {
			if hasOther(el) {
				return true
			}
		}
	}
	return false
}

func TestMarkerValues(t *testing.T) {
	s := Sort{Keys: []SortKey{{Path: []string{"x"}}}}
	t0 := time.Date(2018, 2, 26, 18, 58, 51, 758_999_999, time.FixedZone("X", 3600))
	cases := []struct{ in, want any }{
		{nil, nil},
		{true, true},
		{"", ""},
		{"a\xff\x00b", "a\xff\x00b"},
		{"<&>\u2028", "<&>\u2028"},
		{int64(math.MinInt64), int64(math.MinInt64)},
		{int64(math.MaxInt64), int64(math.MaxInt64)},
		{int32(-7), int64(-7)},
		{7, int64(7)},
		{5.0, 5.0},
		{math.Copysign(0, -1), math.Copysign(0, -1)},
		{math.NaN(), math.NaN()},
		{math.Inf(1), math.Inf(1)},
		{math.Inf(-1), math.Inf(-1)},
		{math.MaxFloat64, math.MaxFloat64},
		{5e-324, 5e-324},
		{0.1, 0.1},
		{t0, time.Date(2018, 2, 26, 17, 58, 51, 758_000_000, time.UTC)},
		{time.UnixMilli(math.MinInt64), time.UnixMilli(math.MinInt64).UTC()},
		{time.UnixMilli(math.MaxInt64), time.UnixMilli(math.MaxInt64).UTC()},
		{M{}, M{}},
		{M{"a\xff": A{int32(1), M{"": nil}}, "b": 2.5}, M{"a\xff": A{int64(1), M{"": nil}}, "b": 2.5}},
		{orderedDoc{{"z", "1"}, {"a", "2"}}, M{"z": "1", "a": "2"}},
		{A{}, A{}},
		{namedArray{"x", A{}}, A{"x", A{}}},
		{namedNumber(3), nil}, // not a BSON value: documented
	}
	for _, c := range cases {
		p, err := s.ParseMarker(s.Marker(Position{Key: A{c.in}, UUID: markerUUID}))
		if err != nil {
			t.Errorf("%#v: %v", c.in, err)
			continue
		}
		if !exactEqual(p.Key[0], c.want) {
			t.Errorf("%#v comes back as %#v, want %#v", c.in, p.Key[0], c.want)
		}
	}
}

// TestMarkerFormat pins the encoding: tokens already handed out must keep
// parsing after an upgrade.
func TestMarkerFormat(t *testing.T) {
	def := DefaultSort(sortOpts)
	t0 := utc("2018-02-26T17:58:51.758Z")
	tok := def.Marker(Position{Key: A{t0}, UUID: markerUUID})
	data, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"s":"-created_at","k":[{"t":1519667931758}],"u":"3f1e0c7a-1111-4aaa-8bbb-000000000001"}`
	if string(data) != want {
		t.Fatalf("marker JSON %s, want %s", data, want)
	}
	s, _ := parseSortString(t, "sort=a,-b,c,d,e,f")
	data, _ = base64.RawURLEncoding.DecodeString(s.Marker(Position{Key: A{int64(5), 5.0, "5", M{"k": true}, A{nil}, "<"}, UUID: markerUUID}))
	want = `{"v":1,"s":"a,-b,c,d,e,f","k":[5,{"f":"5"},"5",{"o":["k",true]},[null],"<"],"u":"3f1e0c7a-1111-4aaa-8bbb-000000000001"}`
	if string(data) != want {
		t.Fatalf("marker JSON %s, want %s", data, want)
	}
	if len(tok) > 140 {
		t.Fatalf("default marker of %d bytes: %s", len(tok), tok)
	}
}

func rawMarker(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }

func TestMarkerTampering(t *testing.T) {
	def := DefaultSort(sortOpts)
	byStatus, _ := parseSortString(t, "sort=status,-name")
	byCreated, _ := parseSortString(t, "sort=created_at")
	t0 := utc("2018-02-26T17:58:51.758Z")
	good := def.Marker(Position{Key: A{t0}, UUID: markerUUID})
	if _, err := def.ParseMarker(good); err != nil {
		t.Fatal(err)
	}
	const other = "another sort order"
	const malformed = "not a marker this server issued"
	cases := []struct {
		name  string
		s     Sort
		token string
		want  string
	}{
		{"other sort", byStatus, good, other},
		{"same keys, other direction", byCreated, good, other},
		{"default for a client sort", def, byStatus.Marker(Position{Key: A{"a", "b"}, UUID: markerUUID}), other},
		{"empty", def, "", malformed},
		{"padding", def, good + "=", malformed},
		{"standard base64 +", def, good[:5] + "+" + good[6:], malformed},
		{"standard base64 /", def, good[:5] + "/" + good[6:], malformed},
		{"newline", def, good[:10] + "\n" + good[10:], malformed},
		{"bad base64", def, "!!!!", malformed},
		{"not base64 length", def, "a", malformed},
		{"truncated", def, good[:len(good)-3], malformed},
		{"truncated half", def, good[:len(good)/2], malformed},
		{"flipped", def, "A" + good[1:], malformed},
		{"not JSON", def, rawMarker("hello"), malformed},
		{"JSON array", def, rawMarker(`[1]`), malformed},
		{"trailing data", def, rawMarker(`{"v":1,"s":"-created_at","k":[null],"u":"` + markerUUID + `"}{}`), malformed},
		{"version 2", def, rawMarker(`{"v":2,"s":"-created_at","k":[null],"u":"` + markerUUID + `"}`), malformed},
		{"no version", def, rawMarker(`{"s":"-created_at","k":[null],"u":"` + markerUUID + `"}`), malformed},
		{"no keys", def, rawMarker(`{"v":1,"s":"-created_at","u":"` + markerUUID + `"}`), malformed},
		{"null keys", def, rawMarker(`{"v":1,"s":"-created_at","k":null,"u":"` + markerUUID + `"}`), malformed},
		{"no uuid", def, rawMarker(`{"v":1,"s":"-created_at","k":[null]}`), malformed},
		{"unknown field", def, rawMarker(`{"v":1,"s":"-created_at","k":[null],"u":"` + markerUUID + `","x":1}`), malformed},
		{"too few keys", def, rawMarker(`{"v":1,"s":"-created_at","k":[],"u":"` + markerUUID + `"}`), malformed},
		{"too many keys", def, rawMarker(`{"v":1,"s":"-created_at","k":[null,null],"u":"` + markerUUID + `"}`), malformed},
		{"time key holds a string", def, rawMarker(`{"v":1,"s":"-created_at","k":["2018-02-26T17:58:51.758+00:00"],"u":"` + markerUUID + `"}`), malformed},
		{"time key holds a number", def, rawMarker(`{"v":1,"s":"-created_at","k":[1519667931758],"u":"` + markerUUID + `"}`), malformed},
		{"upper-case uuid", def, def.Marker(Position{Key: A{t0}, UUID: strings.ToUpper(markerUUID)}), malformed},
		{"not a uuid", def, def.Marker(Position{Key: A{t0}, UUID: "ping"}), malformed},
		{"empty uuid", def, def.Marker(Position{Key: A{t0}}), malformed},
		{"wrong key count from Marker", byStatus, byStatus.Marker(Position{Key: A{"a"}, UUID: markerUUID}), malformed},
		{"float as JSON float", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[1.5,null],"u":"` + markerUUID + `"}`), malformed},
		{"integer out of range", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[9223372036854775808,null],"u":"` + markerUUID + `"}`), malformed},
		{"float out of range", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"f":"1e400"},null],"u":"` + markerUUID + `"}`), malformed},
		{"float not text", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"f":1.5},null],"u":"` + markerUUID + `"}`), malformed},
		{"time not integer", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"t":"2018"},null],"u":"` + markerUUID + `"}`), malformed},
		{"unknown tag", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"x":1},null],"u":"` + markerUUID + `"}`), malformed},
		{"two tags", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"f":"1","t":1},null],"u":"` + markerUUID + `"}`), malformed},
		{"odd object", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"o":["a"]},null],"u":"` + markerUUID + `"}`), malformed},
		{"object name not a string", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"o":[1,2]},null],"u":"` + markerUUID + `"}`), malformed},
		{"object name twice", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"o":["a",1,"a",2]},null],"u":"` + markerUUID + `"}`), malformed},
		{"bytes not base64", byStatus, rawMarker(`{"v":1,"s":"status,-name","k":[{"b":"***"},null],"u":"` + markerUUID + `"}`), malformed},
		{"too long", def, strings.Repeat("A", MaxMarkerBytes+4), malformed},
	}
	for _, c := range cases {
		_, err := c.s.ParseMarker(c.token)
		var me *models.Error
		if !errors.As(err, &me) || me.Code != models.CodeInvalid {
			t.Errorf("%s: %v, want CodeInvalid", c.name, err)
			continue
		}
		if !strings.Contains(me.Detail, `"nextpage_opaque_marker"`) || !strings.Contains(me.Detail, c.want) ||
			!strings.Contains(me.Detail, "first page") {
			t.Errorf("%s: %q, want it to name the marker, say %q and point to the first page", c.name, me.Detail, c.want)
		}
	}
	// Hand-made tokens of the documented form are accepted.
	p, err := byStatus.ParseMarker(rawMarker(`{"v":1,"s":"status,-name","k":[{"o":[{"b":"_w"},{"f":"-0"}]},{"t":-1}],"u":"` + markerUUID + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Position{Key: A{M{"\xff": math.Copysign(0, -1)}, time.UnixMilli(-1).UTC()}, UUID: markerUUID}
	if !samePosition(p, want) {
		t.Fatalf("got %#v, want %#v", p, want)
	}
}

// TestMarkerSize: a long sort and a long string value still fit.
func TestMarkerSize(t *testing.T) {
	items := make([]string, MaxSortKeys)
	for i := range items {
		items[i] = "-" + strings.Repeat(string(rune('a'+i)), 120)
	}
	s, err := parseSortString(t, "sort="+strings.Join(items, ","))
	if err != nil {
		t.Fatal(err)
	}
	key := make([]any, len(s.Keys))
	for i := range key {
		key[i] = strings.Repeat("x", 150)
	}
	tok := s.Marker(Position{Key: key, UUID: markerUUID})
	if len(tok) > MaxMarkerBytes {
		t.Fatalf("%d bytes", len(tok))
	}
	if _, err := s.ParseMarker(tok); err != nil {
		t.Fatal(err)
	}
	// Past the bound, Marker still encodes and ParseMarker refuses.
	huge := s.Marker(Position{Key: append([]any{strings.Repeat("x", MaxMarkerBytes)}, key[1:]...), UUID: markerUUID})
	if _, err := s.ParseMarker(huge); err == nil || len(huge) <= MaxMarkerBytes {
		t.Fatalf("%d bytes accepted", len(huge))
	}
}

func TestSortFits(t *testing.T) {
	now := time.Now()
	tests := []struct {
		sort string
		key  []any
		want bool
	}{
		{"", []any{now}, true},
		{"", []any{nil}, true},
		{"", []any{"2026-01-01"}, false}, // a time key without a time
		{"", []any{now, "x"}, false},
		{"", nil, false},
		{"status", []any{"offline"}, true},
		{"status", []any{now}, true}, // any value sorts
		{"status,-created_at", []any{nil, now}, true},
		{"status,-created_at", []any{"offline"}, false},
	}
	for _, tt := range tests {
		s, err := parseSortString(t, "sort="+tt.sort)
		if tt.sort == "" {
			s, err = DefaultSort(Options{Fields: recordFields}), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Fits(Position{Key: tt.key, UUID: "u"}); got != tt.want {
			t.Errorf("sort %q, key %v: Fits = %v, want %v", tt.sort, tt.key, got, tt.want)
		}
	}
}
