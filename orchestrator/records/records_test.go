package records

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

func TestStorable(t *testing.T) {
	doc := map[string]any{
		"int":   json.Number("42"),
		"big":   json.Number("12345678901234567890"),
		"frac":  json.Number("1.5"),
		"exact": json.Number("0.1"),
		"long":  json.Number("0.30000000000000001"),
		"huge":  json.Number("1e999"),
		"list":  []any{json.Number("1"), map[string]any{"$bad": 1, "a.b": 2, "ok": json.Number("-3")}},
		"empty": map[string]any{},
	}
	got, violations := storable(doc)
	m := got.(map[string]any)
	if m["int"] != int64(42) || m["frac"] != 1.5 || m["exact"] != 0.1 {
		t.Errorf("numbers converted to %#v %#v %#v", m["int"], m["frac"], m["exact"])
	}
	if inner := m["list"].([]any)[1].(map[string]any); inner["ok"] != int64(-3) {
		t.Errorf("nested number converted to %#v", inner["ok"])
	}
	want := map[string]bool{"/huge": true, "/big": true, "/long": true, "/list/1/$bad": true, "/list/1/a.b": true}
	for _, v := range violations {
		if !want[v.Pointer] {
			t.Errorf("unexpected violation %+v", v)
		}
		delete(want, v.Pointer)
	}
	if len(want) > 0 {
		t.Errorf("missing violations at %v", want)
	}
}

func TestStorableDepth(t *testing.T) {
	var deep any = "leaf"
	for range maxDepth + 5 {
		deep = map[string]any{"n": deep}
	}
	if _, v := storable(deep); len(v) != 1 {
		t.Fatalf("violations %+v, want one for the depth", v)
	}
	var shallow any = "leaf"
	for range maxDepth - 1 {
		shallow = []any{shallow}
	}
	if _, v := storable(map[string]any{"a": shallow}); len(v) != 0 {
		t.Fatalf("violations %+v for a document MongoDB can store", v)
	}
}

func TestFirstViolations(t *testing.T) {
	var vs []models.Violation
	for i := range 50 {
		vs = append(vs, models.Violation{Pointer: "/a", Message: fmt.Sprintf("dup %d", i)})
	}
	for i := range 5 {
		vs = append(vs, models.Violation{Pointer: fmt.Sprintf("/a/%d", i), Message: "type"})
	}
	got := firstViolations(vs, 10)
	var ptrs []string
	for _, v := range got {
		ptrs = append(ptrs, v.Pointer)
	}
	// Three at /a, each other pointer once, then more of /a to fill.
	if want := "[/a /a /a /a /a /a/0 /a/1 /a/2 /a/3 /a/4]"; fmt.Sprint(ptrs) != want {
		t.Errorf("listed %v, want %s", ptrs, want)
	}
	if got := firstViolations(vs[:4], 10); len(got) != 4 {
		t.Errorf("under the cap: %d listed, want all 4", len(got))
	}
}
