package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestNormalizeUUID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", "1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", true},
		{"1B5BAB2A-8286-2B40-4827-DC5D6E37BF8E", "1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", true},
		{"x1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", "", false},
		{"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e ", "", false},
		{"1b5bab2a82862b404827dc5d6e37bf8e", "", false},
		{"ping", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeUUID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeUUID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRecordRendering(t *testing.T) {
	created := time.Date(2018, 2, 26, 17, 58, 51, 758_000_000, time.UTC)
	admin := Admin{Created: created, Modified: created.Add(time.Second), Version: 2}
	for _, tt := range []struct {
		name   string
		fields map[string]any
		want   string // AppendJSON
	}{
		{"fields", map[string]any{"id": "u", "status": "offline", "n": int64(3), "f": 2.5},
			`{"created_at":"2018-02-26T17:58:51.758+00:00","updated_at":"2018-02-26T17:58:52.758+00:00","uuid":"u","f":2.5,"n":3,"status":"offline"}`},
		{"no fields but id", map[string]any{"id": "u"},
			`{"created_at":"2018-02-26T17:58:51.758+00:00","updated_at":"2018-02-26T17:58:52.758+00:00","uuid":"u"}`},
		{"HTML and line separators as stored", map[string]any{"id": "u", "s": "<a>&\u2028"},
			`{"created_at":"2018-02-26T17:58:51.758+00:00","updated_at":"2018-02-26T17:58:52.758+00:00","uuid":"u","s":"<a>&\u2028"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, err := EncodeFields(tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			r := Record{UUID: "u", Admin: admin, Body: body}
			if got := string(r.AppendJSON([]byte("prefix:"))); got != "prefix:"+tt.want {
				t.Fatalf("AppendJSON\n got %s\nwant %s", got, tt.want)
			}
			var viaJSON map[string]any
			if err := json.Unmarshal(r.AppendJSON(nil), &viaJSON); err != nil {
				t.Fatal(err)
			}
			rendered, err := r.Rendered()
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(plainJSON(t, rendered)) != fmt.Sprint(viaJSON) {
				t.Fatalf("Rendered %v, AppendJSON %v", rendered, viaJSON)
			}
			fields, err := r.Fields()
			if err != nil || !reflect.DeepEqual(fields, tt.fields) {
				t.Fatalf("Fields %#v (%v), want %#v", fields, err, tt.fields)
			}
			if again, _ := EncodeFields(fields); string(again) != string(body) {
				t.Fatalf("re-encoded %s, stored %s", again, body)
			}
		})
	}
	if (Record{Admin: admin}).ETag() != `"2"` {
		t.Fatal("ETag")
	}
}

func plainJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeFields(t *testing.T) {
	got, err := DecodeFields([]byte(`{"i":9223372036854775807,"big":9223372036854775808,"f":1.0,"e":1e3,"a":[1,{"x":-2}],"s":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"i": int64(9223372036854775807), "big": 9223372036854775808.0, "f": 1.0, "e": 1000.0,
		"a": []any{int64(1), map[string]any{"x": int64(-2)}}, "s": "x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	for _, bad := range []string{``, `[]`, `null`, `{"a":1}{}`, `{"a":1e999}`, `{`} {
		if _, err := DecodeFields([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestPrecondition(t *testing.T) {
	for _, tt := range []struct {
		p    *Precondition
		v    int64
		want bool
	}{
		{nil, 3, true},
		{&Precondition{Any: true}, 3, true},
		{&Precondition{Versions: []int64{1, 3}}, 3, true},
		{&Precondition{Versions: []int64{1}}, 3, false},
		{&Precondition{}, 3, false}, // only weak tags: never holds
	} {
		if got := tt.p.Holds(tt.v); got != tt.want {
			t.Errorf("%+v.Holds(%d) = %v", tt.p, tt.v, got)
		}
	}
}

func TestFormatTimeIsUTC(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	got := FormatTime(time.Date(2018, 2, 26, 18, 58, 51, 758_000_000, loc))
	if got != "2018-02-26T17:58:51.758+00:00" {
		t.Fatalf("got %s", got)
	}
}

func TestErrorCodeOf(t *testing.T) {
	wrapped := fmt.Errorf("outer: %w", Errorf(CodeNotFound, "x"))
	if ErrorCodeOf(wrapped) != CodeNotFound {
		t.Fatal("code lost through wrapping")
	}
	if ErrorCodeOf(errors.New("plain")) != CodeInternal {
		t.Fatal("an unclassified error must be internal")
	}
}

func TestExactNumber(t *testing.T) {
	tests := []struct {
		in   string
		want any // nil: refused
	}{
		{"0", int64(0)}, {"-0", int64(0)}, {"42", int64(42)}, {"9223372036854775807", int64(9223372036854775807)},
		{"-9223372036854775808", int64(-9223372036854775808)},
		{"9223372036854775808", nil}, {"9223372036854775809", nil}, {"1000000000000000000000000000001", nil},
		{"1.5", 1.5}, {"0.1", 0.1}, {"1.50", 1.5}, {"-2.5e-3", -0.0025}, {"1e3", 1000.0}, {"1E+20", 1e20},
		{"0.0", 0.0}, {"-0.0e5", 0.0}, {"123456789012345.6", 123456789012345.6},
		{"0.30000000000000001", nil}, {"1.00000000000000000001", nil}, {"1e400", nil}, {"-1e400", nil},
		{"1e-400", nil}, {"5e-324", 5e-324}, {"4.9e-324", nil}, {"1.7976931348623157e308", 1.7976931348623157e308},
		{"12345678901234567890.0", nil}, {"1e99999999999999999999", nil}, {"1e-99999999999999999999", nil},
	}
	for _, tt := range tests {
		got, err := ExactNumber(json.Number(tt.in))
		if tt.want == nil {
			if err == nil {
				t.Errorf("ExactNumber(%s) = %#v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ExactNumber(%s) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestUnstorableNames(t *testing.T) {
	for _, tc := range []struct {
		doc  any
		want string
	}{
		{map[string]any{"a": 1, "b": []any{map[string]any{"c": "d"}}}, "[]"},
		{map[string]any{"$where": 1}, "[{/$where field names must not start with '$'}]"},
		{map[string]any{"a": []any{1, map[string]any{"x.y": 2}}}, "[{/a/1/x.y field names must not contain '.'}]"},
		{map[string]any{"a/b": map[string]any{"n\x00": true}}, "[{/a~1b/n\x00 field names must not contain NUL}]"},
		{"scalar", "[]"},
	} {
		got := UnstorableNames(tc.doc, "")
		if s := fmt.Sprint(got); s != tc.want && !(len(got) == 0 && tc.want == "[]") {
			t.Errorf("UnstorableNames(%v) = %s, want %s", tc.doc, s, tc.want)
		}
		if (CheckNames(tc.doc, "") == nil) != (tc.want == "[]") {
			t.Errorf("CheckNames(%v) disagrees", tc.doc)
		}
	}
}
