package filter

import (
	"strings"
	"testing"
	"time"
)

// TestPaths pins the paths a store must decode for Match and KeyOf: each
// condition's full path, ANYINDEX kept where the condition is tied to an
// element, repeats once; an order's keys whole, then uuid.
func TestPaths(t *testing.T) {
	join := func(paths [][]string) string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = strings.Join(p, ".")
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct{ query, want string }{
		{"", ""},
		{"status=offline&uuid.neq=x&created_at.gt=2018-01-01", "created_at status uuid"},
		{"virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4",
			"virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus"},
		{"a.b.c=1&a.b.c.neq=2&a.0.b=&a.ANYINDEX.b=1&a.ANYINDEX.c.ANYINDEX.d.lt=3&a.ANYINDEX.c.ANYINDEX.e=",
			"a.0.b a.ANYINDEX.b a.ANYINDEX.c.ANYINDEX.d a.ANYINDEX.c.ANYINDEX.e a.b.c"},
		{"x.1.ANYINDEX.y.ANYINDEX.0=5", "x.1.ANYINDEX.y.ANYINDEX.0"},
	} {
		e, err := parseString(t, tt.query, Options{Fields: recordFields})
		if err != nil {
			t.Fatal(err)
		}
		if got := join(e.Paths()); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.query, got, tt.want)
		}
	}
	for _, tt := range []struct{ query, want string }{
		{"", "created_at uuid"},
		{"sort=status,-virtual_deployment_units.id,virtual_deployment_units.0.id", "status virtual_deployment_units.id virtual_deployment_units.0.id uuid"},
		{"sort=-uuid,a.b", "uuid a.b"},
	} {
		s, err := parseSortString(t, tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := join(s.Paths()); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.query, got, tt.want)
		}
	}
}

// TestIndexCondsTimeBounds: a bound at the zero time.Time (year 1, which a
// client can write) is a bound, not "unbounded".
func TestIndexCondsTimeBounds(t *testing.T) {
	zero := time.Time{}
	for _, tt := range []struct {
		query       string
		from, until *time.Time
	}{
		{"created_at.lt=0001-01-01T00:00:00Z", nil, &zero},
		{"created_at.lte=0000-12-31T23:59:59.999Z", nil, &zero},
		{"created_at.gte=0001-01-01T00:00:00Z", &zero, nil},
		{"created_at.gt=0000-12-31T23:59:59.999Z", &zero, nil},
	} {
		e, err := parseString(t, tt.query, Options{Fields: recordFields})
		if err != nil {
			t.Fatal(err)
		}
		conds, exact := e.IndexConds(func(string) bool { return true })
		if !exact || len(conds) != 1 || len(conds[0].Spans) != 1 {
			t.Fatalf("%q: %+v, exact %v", tt.query, conds, exact)
		}
		s := conds[0].Spans[0]
		same := func(a, b *time.Time) bool { return a == nil && b == nil || a != nil && b != nil && a.Equal(*b) }
		if !same(s.From, tt.from) || !same(s.Until, tt.until) {
			t.Errorf("%q: span [%v, %v), want [%v, %v)", tt.query, s.From, s.Until, tt.from, tt.until)
		}
	}
}
