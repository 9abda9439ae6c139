package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// stdlib decodes raw as the service did before this package: the tree a
// valid body must still give.
func stdlib(t testing.TB, raw string) any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("encoding/json refuses %q: %v", raw, err)
	}
	return v
}

func TestDecodeJSONKeepsWhatWasSent(t *testing.T) {
	for _, raw := range []string{
		`{}`, `[]`, `0`, `-0.5e+10`, `"x"`, `true`, `false`, `null`,
		` {"a": [1, 2.50, {"b": null}], "c": "\u00e9\ud83d\ude00\/\"\\\b\f\n\r\t"} `,
		`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","n":9223372036854775809,"big":100000000000000000000000000000001}`,
		`{"é": "ünïcödé 🚀", "": ""}`,
		`[[[[[]]]]]`,
	} {
		got, err := DecodeJSON([]byte(raw), DefaultLimits())
		if err != nil {
			t.Errorf("DecodeJSON(%s): %v", raw, err)
			continue
		}
		if want := stdlib(t, raw); !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeJSON(%s) = %#v, want %#v", raw, got, want)
		}
	}
}

func TestDecodeJSONIntegersKeepTheirDigits(t *testing.T) {
	got, err := DecodeJSON([]byte(`{"a":9223372036854775809,"b":1000000000000000000000000000001}`), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if m["a"] != json.Number("9223372036854775809") || m["b"] != json.Number("1000000000000000000000000000001") {
		t.Errorf("numbers changed: %#v", m)
	}
}

func TestDecodeJSONRefuses(t *testing.T) {
	small := Limits{MaxValues: 10, MaxArrayItems: 3, MaxObjectMembers: 2, MaxDepth: 3}
	tests := []struct {
		name    string
		raw     string
		limits  Limits
		kind    ErrorKind
		limit   Limit
		pointer string
		offset  int64
		msg     string
	}{
		{"duplicate id", `{"id":"a","id":"b"}`, DefaultLimits(), Duplicate, NoLimit, "/id", 10, `duplicate member "id"`},
		{"duplicate by escape", `{"a":{"x~/":1,"x\u007e/":2}}`, DefaultLimits(), Duplicate, NoLimit, "/a/x~0~1", 14, "duplicate member"},
		{"invalid utf-8", "{\"a\":[\"ok\",\"b\xffc\"]}", DefaultLimits(), Encoding, NoLimit, "/a/1", 13, "invalid UTF-8"},
		{"invalid utf-8 in a name", "{\"\xc3\":1}", DefaultLimits(), Encoding, NoLimit, "", 2, "invalid UTF-8"},
		{"lone high surrogate", `{"s":"\ud800x"}`, DefaultLimits(), Encoding, NoLimit, "/s", 6, `lone surrogate escape \ud800`},
		{"lone low surrogate", `["\udc00"]`, DefaultLimits(), Encoding, NoLimit, "/0", 2, "lone surrogate"},
		{"end of input after a comma", `{"id":"x",`, DefaultLimits(), Syntax, NoLimit, "", 10, "unexpected end of input: expected a member name"},
		{"end of input in a string", `{"id":"x`, DefaultLimits(), Syntax, NoLimit, "", 8, "in the string opened at byte 6"},
		{"trailing data", `{} {}`, DefaultLimits(), Syntax, NoLimit, "", 3, "unexpected data after the top-level value"},
		{"comment", `{/* no */}`, DefaultLimits(), Syntax, NoLimit, "", 1, "invalid character '/'"},
		{"control character", "[\"a\tb\"]", DefaultLimits(), Syntax, NoLimit, "", 3, "control character"},
		{"bad escape", `["\x41"]`, DefaultLimits(), Syntax, NoLimit, "", 2, `invalid escape sequence \x`},
		{"leading plus", `[+1]`, DefaultLimits(), Syntax, NoLimit, "", 1, "invalid character '+'"},
		{"bare decimal point", `[1.]`, DefaultLimits(), Syntax, NoLimit, "", 3, "a digit after the decimal point"},
		{"empty", "  \n", DefaultLimits(), Syntax, NoLimit, "", 3, "the body is empty"},
		{"too many values", `[[1,2],[3,4],[5,6],[7,8]]`, Limits{MaxValues: 10}, OverLimit, LimitValues, "/3", 0, "more than 10 values"},
		{"too many items", `{"a":[1,2,3,4]}`, small, OverLimit, LimitArrayItems, "/a", 0, "more than 3 items"},
		{"too many members", `{"a":1,"b":2,"c":3}`, small, OverLimit, LimitObjectMembers, "", 0, "more than 2 members"},
		{"too deep", `{"a":[{"b":[1]}]}`, small, OverLimit, LimitDepth, "/a/0/b", 0, "more than 3 levels"},
		{"unbounded depth still has a floor", strings.Repeat("[", hardMaxDepth+1), Limits{}, OverLimit, LimitDepth, "", 0, "levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeJSON([]byte(tt.raw), tt.limits)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeJSON(%q) = %v, want an *Error", tt.raw, err)
			}
			if e.Kind != tt.kind || e.Limit != tt.limit || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("error %+v, want kind %d limit %d message with %q", e, tt.kind, tt.limit, tt.msg)
			}
			if tt.name != "unbounded depth still has a floor" && e.Pointer != tt.pointer {
				t.Errorf("pointer %q, want %q", e.Pointer, tt.pointer)
			}
			if tt.kind != OverLimit && e.Offset != tt.offset {
				t.Errorf("offset %d, want %d (%v)", e.Offset, tt.offset, e)
			}
		})
	}
}

func TestErrorSaysWhere(t *testing.T) {
	_, err := DecodeJSON([]byte(`{"id":"x",`), DefaultLimits())
	if got, want := err.Error(), "unexpected end of input: expected a member name in the object opened at byte 0 (at byte 10)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = DecodeJSON([]byte(`{"a":{"id":1,"id":2}}`), DefaultLimits())
	if got, want := err.Error(), `duplicate member "id" at /a/id (at byte 13)`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeYAML(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		json string
	}{
		{"record", "id: 1b5bab2a-8286-2b40-4827-dc5d6e37bf8e\nstatus: normal operation\nversion: \"2\"\n",
			`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","status":"normal operation","version":"2"}`},
		{"integers keep their digits", "a: 9223372036854775809\nb: 1000000000000000000000000000001\nc: -7\n",
			`{"a":9223372036854775809,"b":1000000000000000000000000000001,"c":-7}`},
		{"other integer forms", "hex: 0x1F\noct: 0o17\nbin: 0b101\nplus: +3\n", `{"hex":31,"oct":15,"bin":5,"plus":3}`},
		{"floats", "a: 1.50\nb: .5\nc: -.5e3\nd: 1e+3\ne: 12.3456789012345678901\n", `{"a":1.50,"b":0.5,"c":-0.5e3,"d":1e+3,"e":12.3456789012345678901}`},
		{"YAML 1.2 booleans and nulls", "a: yes\nb: true\nc: False\nd: ~\ne: null\nf:\n", `{"a":"yes","b":true,"c":false,"d":null,"e":null,"f":null}`},
		{"quoted scalars stay strings", "a: \"1\"\nb: 'true'\nc: \"null\"\n", `{"a":"1","b":"true","c":"null"}`},
		{"timestamps stay as written", "t: 2018-02-26T17:58:51.758+00:00\n", `{"t":"2018-02-26T17:58:51.758+00:00"}`},
		{"non-string keys become names", "1: a\ntrue: b\n~: c\n", `{"1":"a","true":"b","null":"c"}`},
		{"aliases expand", "base: &b {x: 1}\nuse: *b\n", `{"base":{"x":1},"use":{"x":1}}`},
		{"merge keys: explicit wins, first merge wins", "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: 3\n",
			`{"a":{"x":1,"y":1},"b":{"y":2,"z":2},"c":{"x":3,"y":1,"z":2}}`},
		{"flow JSON", `{"a": [1, {"b": null}]}`, `{"a":[1,{"b":null}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeYAML([]byte(tt.yaml), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if want := stdlib(t, tt.json); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestDecodeYAMLRefuses(t *testing.T) {
	small := Limits{MaxValues: 10, MaxArrayItems: 3, MaxObjectMembers: 2, MaxDepth: 3}
	tests := []struct {
		name    string
		yaml    string
		limits  Limits
		kind    ErrorKind
		limit   Limit
		pointer string
		line    int
		msg     string
	}{
		{"duplicate key", "id: a\nstatus: x\nid: b\n", DefaultLimits(), Duplicate, NoLimit, "/id", 3, `duplicate key "id"`},
		{"nested duplicate", "a:\n  - {x: 1}\n  - {x: 1, x: 2}\n", DefaultLimits(), Duplicate, NoLimit, "/a/1/x", 3, "duplicate key"},
		{"second document", "a: 1\n---\nb: 2\n", DefaultLimits(), Syntax, NoLimit, "", 2, "more than one YAML document"},
		{"infinity", "a: .inf\n", DefaultLimits(), Unrepresentable, NoLimit, "/a", 1, "no JSON form"},
		{"nan", "a: [.NaN]\n", DefaultLimits(), Unrepresentable, NoLimit, "/a/0", 1, "no JSON form"},
		{"mapping as key", "? {a: 1}\n: b\n", DefaultLimits(), Unrepresentable, NoLimit, "", 1, "must be a scalar"},
		{"invalid UTF-8", "a: \"b\xffc\"\n", DefaultLimits(), Encoding, NoLimit, "", 0, "UTF-8"},
		{"syntax", "a: [1, 2\n", DefaultLimits(), Syntax, NoLimit, "", 0, "did not find expected"},
		{"empty", "# nothing\n", DefaultLimits(), Syntax, NoLimit, "", 0, "empty"},
		{"alias bomb", "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
			Limits{MaxValues: 20000}, OverLimit, LimitValues, "-", 0, "more than 20000 values"},
		{"too many items", "a: [1, 2, 3, 4]\n", small, OverLimit, LimitArrayItems, "/a", 1, "more than 3 items"},
		{"too many members", "a: 1\nb: 2\nc: 3\n", small, OverLimit, LimitObjectMembers, "", 3, "more than 2 members"},
		{"too deep", "a: [{b: [1]}]\n", small, OverLimit, LimitDepth, "/a/0/b", 1, "more than 3 levels"},
		{"too many values to parse", strings.Repeat("- 1\n", 41), small, OverLimit, LimitValues, "", 0, "too many separators"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeYAML([]byte(tt.yaml), tt.limits)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeYAML = %v, want an *Error", err)
			}
			if e.Kind != tt.kind || e.Limit != tt.limit || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("error %+v (%v), want kind %d limit %d message with %q", e, e, tt.kind, tt.limit, tt.msg)
			}
			if tt.kind != Syntax && tt.kind != Encoding && tt.pointer != "-" && e.Pointer != tt.pointer {
				t.Errorf("pointer %q, want %q", e.Pointer, tt.pointer)
			}
			if tt.line != 0 && e.Line != tt.line {
				t.Errorf("line %d, want %d", e.Line, tt.line)
			}
		})
	}
}

func TestYAMLAliasCycleIsRefused(t *testing.T) {
	_, err := DecodeYAML([]byte("a: &a [*a]\n"), DefaultLimits())
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "contains it") {
		t.Fatalf("got %v, want a refused cycle", err)
	}
}

// The bound on a YAML body's values must never be below what the parser
// builds, or the check before parsing would refuse a body within limits.
func TestYAMLValueBoundIsAnUpperBound(t *testing.T) {
	for _, raw := range []string{
		"a: 1", "- 1\n- 2", "[1,2,[3]]", `{"a":1,"b":[2]}`, "[a: 1]", "? a\n: b", "a:\n  b:\n    - c\n    -\n",
		"- - - 1", "x: [[[[1]]]]", "a: |\n  text\nb: 2", "-", "a:", `["a":1]`,
	} {
		got, err := DecodeYAML([]byte(raw), Limits{})
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		if n, bound := countValues(got), yamlValueBound([]byte(raw)); n > bound {
			t.Errorf("%q holds %d values, bound %d", raw, n, bound)
		}
	}
}

func countValues(v any) int {
	n := 1
	switch t := v.(type) {
	case map[string]any:
		for _, c := range t {
			n += countValues(c)
		}
	case []any:
		for _, c := range t {
			n += countValues(c)
		}
	}
	return n
}

func BenchmarkDecodeJSON(b *testing.B) {
	raw := []byte(`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_reference":"6a15313f-cb0a-4540-baa2-77cc6b3f1010","descriptor_version":"vnfr-schema-01","status":"normal operation","virtual_deployment_units":[{"id":"vdu01","number_of_instances":1,"vm_image":"http://example.com/img.qcow2","resource_requirements":{"cpu":{"vcpus":4},"memory":{"size":2,"size_unit":"GB"}},"vnfc_instance":[{"id":"0","vim_id":"a2a8f5a6-6ae8-4a2c-9c4f-0c4e0b07f1d2","vc_id":"x","connection_points":[{"id":"eth0","interface":{"address":"10.0.0.2","netmask":"255.255.255.0"},"type":"internal"}]}]}]}`)
	b.Run("document", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := DecodeJSON(raw, DefaultLimits()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
