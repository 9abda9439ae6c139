package filter

import (
	"testing"
	"time"
)

// TestWhere: conditions built in code match exactly their typed value (no
// reading "5" as a number, no splitting on commas), and bad ones are
// refused rather than read as something else.
func TestWhere(t *testing.T) {
	opts := Options{Fields: Fields{"received": {Time: true}}}
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	doc := map[string]any{"id": "a,b", "n": int64(5), "s": "5", "f": 2.5, "ok": true, "nil": nil,
		"received": at, "tags": []any{"x", "y"}}
	for _, tt := range []struct {
		name string
		c    Condition
		want bool
	}{
		{"a string with a comma", Condition{[]string{"id"}, OpEq, "a,b"}, true},
		{"a string is not its number", Condition{[]string{"s"}, OpEq, int64(5)}, false},
		{"a number", Condition{[]string{"n"}, OpEq, int64(5)}, true},
		{"a number is not its text", Condition{[]string{"n"}, OpEq, "5"}, false},
		{"neq", Condition{[]string{"n"}, OpNeq, int64(5)}, false},
		{"float order", Condition{[]string{"f"}, OpGt, 2.0}, true},
		{"string order", Condition{[]string{"s"}, OpLt, "6"}, true},
		{"bool", Condition{[]string{"ok"}, OpEq, true}, true},
		{"null", Condition{[]string{"nil"}, OpEq, nil}, true},
		{"missing is null", Condition{[]string{"absent"}, OpEq, nil}, true},
		{"not null", Condition{[]string{"n"}, OpNeq, nil}, true},
		{"substring", Condition{[]string{"id"}, OpCont, ","}, true},
		{"array member", Condition{[]string{"tags"}, OpEq, "y"}, true},
		{"time before", Condition{[]string{"received"}, OpLt, at.Add(time.Millisecond)}, true},
		{"time at", Condition{[]string{"received"}, OpEq, at}, true},
		{"time after", Condition{[]string{"received"}, OpGt, at}, false},
	} {
		e, err := Where(opts, tt.c)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := e.Match(doc); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Several conditions: all hold.
	e, err := Where(opts, Condition{[]string{"n"}, OpEq, int64(5)}, Condition{[]string{"s"}, OpEq, "6"})
	if err != nil || e.Match(doc) {
		t.Errorf("two conditions, one false: %v %v", e.Match(doc), err)
	}
	for _, bad := range []Condition{
		{nil, OpEq, "x"},
		{[]string{"a", ""}, OpEq, "x"},
		{[]string{"a", AnyIndex, "b"}, OpEq, "x"},
		{[]string{"n"}, OpEq, at},                  // a time on a field that is not one
		{[]string{"received"}, OpEq, "2024-05-01"}, // text on a time field
		{[]string{"ok"}, OpGt, true},               // booleans have no order
		{[]string{"n"}, OpCont, int64(5)},          // cont takes text
		{[]string{"f"}, OpEq, struct{}{}},          // not a value
		{[]string{"nil"}, OpGt, nil},               // null has no order
	} {
		if _, err := Where(opts, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
