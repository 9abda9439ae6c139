package filter

import (
	"strings"
	"testing"
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
