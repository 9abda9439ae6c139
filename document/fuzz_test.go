package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeJSON checks DecodeJSON against encoding/json: what it accepts,
// encoding/json decodes to the same tree; what encoding/json refuses, it
// refuses; and it refuses only as Syntax what encoding/json refuses too.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","a":[1,2.5e-3,null,true,{"b":"\u00e9"}]}`,
		`{"a":1,"a":2}`, `["\ud800"]`, `["\ud83d\ude00"]`, "[\"\xff\"]", `{"id":"x",`, `[1.]`, `-0`, `0e+1`,
		`"\/\b\f\n\r\t\\"`, `[[[]]]`, ` {} `, `{} x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := DecodeJSON(raw, Limits{})
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var want any
		stdErr := d.Decode(&want)
		if stdErr == nil {
			if _, terr := d.Token(); terr == nil || !errors.Is(terr, io.EOF) {
				stdErr = errors.New("trailing data")
			}
		}
		if err == nil {
			if stdErr != nil {
				t.Fatalf("DecodeJSON accepts %q, encoding/json refuses it: %v", raw, stdErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("DecodeJSON(%q) = %#v, encoding/json %#v", raw, got, want)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v is not an *Error", err)
		}
		if e.Kind == Syntax && stdErr == nil && utf8.Valid(raw) {
			t.Fatalf("DecodeJSON refuses %q as %v; encoding/json accepts it", raw, err)
		}
	})
}

// FuzzDecodeYAML checks that DecodeYAML never panics, and that what it
// accepts is within its limits and comes back the same through JSON.
func FuzzDecodeYAML(f *testing.F) {
	for _, s := range []string{
		"id: 1b5bab2a-8286-2b40-4827-dc5d6e37bf8e\nstatus: x\nn: 9223372036854775809\n",
		"a: &a [1, 2]\nb: *a\nc: {<<: {x: 1}, y: 2}\n", "a: 1\na: 2\n", "- .inf\n- 0x1f\n- .5\n- +1_000\n",
		"? [1]\n: 2\n", "a: &a [*a]\n", "a: 1\n---\nb: 2\n", "{\"a\":1}", "- - - -\n",
	} {
		f.Add([]byte(s))
	}
	limits := Limits{MaxValues: 500, MaxArrayItems: 100, MaxObjectMembers: 100, MaxDepth: 20}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := DecodeYAML(raw, limits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if n := countValues(got); n > limits.MaxValues {
			t.Fatalf("%q decodes to %d values, over the limit", raw, n)
		}
		js, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%q decodes to %#v, which JSON cannot encode: %v", raw, got, err)
		}
		back, err := DecodeJSON(js, Limits{})
		if err != nil {
			t.Fatalf("%q decodes to %s, which DecodeJSON refuses: %v", raw, js, err)
		}
		if !reflect.DeepEqual(back, got) {
			t.Fatalf("%q: %#v does not survive JSON: %#v", raw, got, back)
		}
	})
}
