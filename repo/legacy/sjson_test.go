package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/repo/legacy/legacytest"
)

func TestDecode(t *testing.T) {
	date := time.Date(2024, 5, 1, 9, 0, 1, 250e6, time.UTC)
	cases := []struct {
		name string
		raw  string
		want map[string]any
	}{
		{"empty document", `{"$s":{}}`, map[string]any{}},
		{"empty document with an empty schema", `{"$s":{"p":{},"$k":[]}}`, map[string]any{}},
		{"scalars",
			`{"$s":{"p":{"s":{"t":"string"},"d":{"t":"double"},"l":{"t":"long"},"i":{"t":"int"},"b":{"t":"bool"},"n":{"t":"null"},"t":{"t":"date"}},"$k":["s","d","l","i","b","n","t"]},` +
				`"s":"é\"\\\u2028","d":2,"l":5,"i":-7,"b":false,"n":null,"t":1714554001250}`,
			map[string]any{"s": "é\"\\\u2028", "d": 2.0, "l": int64(5), "i": int32(-7), "b": false, "n": nil, "t": date}},
		{"the same number as three types",
			`{"$s":{"p":{"a":{"t":"double"},"b":{"t":"long"},"c":{"t":"int"}},"$k":["a","b","c"]},"a":5,"b":5,"c":5}`,
			map[string]any{"a": 5.0, "b": int64(5), "c": int32(5)}},
		{"longs beyond 2^53 exact",
			`{"$s":{"p":{"max":{"t":"long"},"min":{"t":"long"},"odd":{"t":"long"}},"$k":["max","min","odd"]},"max":9223372036854775807,"min":-9223372036854775808,"odd":9007199254740993}`,
			map[string]any{"max": int64(math.MaxInt64), "min": int64(math.MinInt64), "odd": int64(1<<53 + 1)}},
		{"doubles",
			`{"$s":{"p":{"a":{"t":"double"},"b":{"t":"double"},"c":{"t":"double"},"d":{"t":"double"},"e":{"t":"double"}},"$k":["a","b","c","d","e"]},"a":5e-324,"b":1.7976931348623157e+308,"c":1e-7,"d":-0,"e":-3.75}`,
			map[string]any{"a": 5e-324, "b": math.MaxFloat64, "c": 1e-7, "d": math.Copysign(0, -1), "e": -3.75}},
		{"dates before the epoch and far ahead",
			`{"$s":{"p":{"a":{"t":"date"},"b":{"t":"date"}},"$k":["a","b"]},"a":-62135596800000,"b":253402300799999}`,
			map[string]any{"a": time.Time{}, "b": time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)}},
		{"null whatever the schema says (as FerretDB reads it)",
			`{"$s":{"p":{"a":{"t":"string"},"b":{"t":"long"}},"$k":["a","b"]},"a":null,"b":null}`,
			map[string]any{"a": nil, "b": nil}},
		{"nested objects and arrays",
			`{"$s":{"p":{"o":{"t":"object","$s":{"p":{"a":{"t":"array","i":[{"t":"long"},{"t":"object","$s":{"p":{"x":{"t":"double"}},"$k":["x"]}},{"t":"array","i":[]},{"t":"null"}]}},"$k":["a"]}}},"$k":["o"]},` +
				`"o":{"a":[1,{"x":0.5},[],null]}}`,
			map[string]any{"o": map[string]any{"a": []any{int64(1), map[string]any{"x": 0.5}, []any{}, nil}}}},
		{"empty object and array as FerretDB writes them",
			`{"$s":{"p":{"o":{"t":"object","$s":{}},"a":{"t":"array","i":[]}},"$k":["o","a"]},"o":{},"a":[]}`,
			map[string]any{"o": map[string]any{}, "a": []any{}}},
		{"an empty array without item schemas",
			`{"$s":{"p":{"a":{"t":"array"}},"$k":["a"]},"a":[]}`,
			map[string]any{"a": []any{}}},
		{"non-ASCII and odd keys",
			`{"$s":{"p":{"日本語キー":{"t":"string"},"a.b":{"t":"string"},"":{"t":"long"}},"$k":["日本語キー","a.b",""]},"日本語キー":"v","a.b":"w","":1}`,
			map[string]any{"日本語キー": "v", "a.b": "w", "": int64(1)}},
		{"whitespace around", " {\"$s\":{\"p\":{\"\u00e9\":{\"t\":\"long\"}},\"$k\":[\"\u00e9\"]},\n\"\u00e9\":1 } \n",
			map[string]any{"é": int64(1)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode([]byte(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if d := legacytest.Diff(c.want, got); d != "" {
				t.Fatalf("Decode:\n%s", d)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	cases := []struct {
		name, raw string
		msg       string // in the error
	}{
		{"not JSON", `{"$s":`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"data after", `{"$s":{}} {}`, "data after"},
		{"no schema", `{"a":1}`, "no schema"},
		{"schema not an object", `{"$s":[],"a":1}`, "no schema"},
		{"member not in the schema", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":1,"b":2}`, "the schema names 1 members, the document has 2"},
		{"schema member not in the document", `{"$s":{"p":{"a":{"t":"long"},"b":{"t":"long"}},"$k":["a","b"]},"a":1}`, "the schema names 2"},
		{"a key named twice", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a","a"]},"a":1,"b":2}`, `names "a" twice`},
		{"$k holds a number", `{"$s":{"p":{"a":{"t":"long"}},"$k":[1]},"a":1}`, "non-string"},
		{"no element schema", `{"$s":{"p":{},"$k":["a"]},"a":1}`, "at /a: no schema"},
		{"unknown schema member", `{"$s":{"p":{},"$k":[],"x":1}}`, `unknown schema member "x"`},
		{"unknown element member", `{"$s":{"p":{"a":{"t":"long","x":1}},"$k":["a"]},"a":1}`, `unknown schema member "x"`},
		{"long with a fraction", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":1.5}`, "at /a: long 1.5"},
		{"long with an exponent", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":1e3}`, "long 1e3"},
		{"long overflow", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":9223372036854775808}`, "long 9223372036854775808"},
		{"int overflow", `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":2147483648}`, "int 2147483648"},
		{"double overflow", `{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":1e400}`, "double 1e400"},
		{"date with a fraction", `{"$s":{"p":{"a":{"t":"date"}},"$k":["a"]},"a":1.5}`, "date 1.5"},
		{"a string typed long", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":"1"}`, "schema type long for a string"},
		{"a number typed string", `{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":1}`, "schema type string for a number"},
		{"a value typed null", `{"$s":{"p":{"a":{"t":"null"}},"$k":["a"]},"a":false}`, "schema type null for a boolean"},
		{"an object typed array", `{"$s":{"p":{"a":{"t":"array","i":[]}},"$k":["a"]},"a":{}}`, "schema type array for an object"},
		{"an object without its schema", `{"$s":{"p":{"a":{"t":"object"}},"$k":["a"]},"a":{"b":1}}`, "object without a schema"},
		{"array items untyped", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"long"}]}},"$k":["a"]},"a":[1,2]}`, "the schema types 1 items, the array has 2"},
		{"deep error path", `{"$s":{"p":{"o":{"t":"object","$s":{"p":{"a/b":{"t":"array","i":[{"t":"bool"}]}},"$k":["a/b"]}}},"$k":["o"]},"o":{"a/b":[1]}}`, "at /o/a~1b/0: schema type bool for a number"},
		{"binData", `{"$s":{"p":{"a":{"t":"binData","s":0}},"$k":["a"]},"a":"AQI="}`, "BSON type binData"},
		{"objectId", `{"$s":{"p":{"_id":{"t":"objectId"}},"$k":["_id"]},"_id":"0102030405060708090a0b0c"}`, "BSON type objectId"},
		{"regex", `{"$s":{"p":{"a":{"t":"regex","o":"i"}},"$k":["a"]},"a":"^a"}`, "BSON type regex"},
		{"timestamp", `{"$s":{"p":{"a":{"t":"timestamp"}},"$k":["a"]},"a":1}`, "BSON type timestamp"},
		{"unknown type", `{"$s":{"p":{"a":{"t":"decimal"}},"$k":["a"]},"a":1}`, `unknown schema type "decimal"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode([]byte(c.raw))
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Decode = %v, %v; want ErrUnsupported", got, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics, returns only the types it
// documents, and that what it decodes, written again the way FerretDB
// writes it (encodeSJSON), decodes to the very same values.
func FuzzDecode(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzDecode: rows of the fixture
	// and hand-written edge cases.
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := Decode(raw)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %v does not wrap ErrUnsupported", err)
			}
			return
		}
		if err := checkTypes(doc); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(encodeSJSON(t, doc))
		if err != nil {
			t.Fatalf("decoding %s again: %v", encodeSJSON(t, doc), err)
		}
		if d := legacytest.Diff(doc, again); d != "" {
			t.Fatalf("round trip:\n%s", d)
		}
	})
}

// checkTypes reports a value of a type Decode does not document.
func checkTypes(v any) error {
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			if err := checkTypes(c); err != nil {
				return err
			}
		}
	case []any:
		for _, c := range x {
			if err := checkTypes(c); err != nil {
				return err
			}
		}
	case time.Time:
		if x.Location() != time.UTC {
			return fmt.Errorf("date %v not in UTC", x)
		}
	case nil, string, bool, float64, int64, int32:
	default:
		return fmt.Errorf("unexpected %T", v)
	}
	return nil
}

// encodeSJSON writes doc as FerretDB v1's sjson.Marshal does: the schema
// first, then the members in $k order (sorted here), numbers as
// encoding/json writes them, dates as Unix milliseconds.
func encodeSJSON(t testing.TB, doc map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"$s":`)
	b.Write(schemaOf(t, doc))
	for _, k := range slices.Sorted(maps.Keys(doc)) {
		b.WriteByte(',')
		b.Write(mustJSON(t, k))
		b.WriteByte(':')
		b.Write(valueJSON(t, doc[k]))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func schemaOf(t testing.TB, doc map[string]any) []byte {
	if len(doc) == 0 {
		return []byte("{}")
	}
	keys := slices.Sorted(maps.Keys(doc))
	var b bytes.Buffer
	b.WriteString(`{"p":{`)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustJSON(t, k))
		b.WriteByte(':')
		b.Write(elementOf(t, doc[k]))
	}
	b.WriteString(`},"$k":`)
	b.Write(mustJSON(t, keys))
	b.WriteByte('}')
	return b.Bytes()
}

func elementOf(t testing.TB, v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		return []byte(`{"t":"object","$s":` + string(schemaOf(t, x)) + `}`)
	case []any:
		parts := make([]string, len(x))
		for i, c := range x {
			parts[i] = string(elementOf(t, c))
		}
		return []byte(`{"t":"array","i":[` + strings.Join(parts, ",") + `]}`)
	case string:
		return []byte(`{"t":"string"}`)
	case float64:
		return []byte(`{"t":"double"}`)
	case int64:
		return []byte(`{"t":"long"}`)
	case int32:
		return []byte(`{"t":"int"}`)
	case bool:
		return []byte(`{"t":"bool"}`)
	case time.Time:
		return []byte(`{"t":"date"}`)
	case nil:
		return []byte(`{"t":"null"}`)
	}
	t.Fatalf("unexpected %T", v)
	return nil
}

func valueJSON(t testing.TB, v any) []byte {
	switch x := v.(type) {
	case map[string]any:
		var b bytes.Buffer
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(mustJSON(t, k))
			b.WriteByte(':')
			b.Write(valueJSON(t, x[k]))
		}
		b.WriteByte('}')
		return b.Bytes()
	case []any:
		parts := make([]string, len(x))
		for i, c := range x {
			parts[i] = string(valueJSON(t, c))
		}
		return []byte("[" + strings.Join(parts, ",") + "]")
	case time.Time:
		return []byte(strconv.FormatInt(x.UnixMilli(), 10))
	}
	return mustJSON(t, v)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
