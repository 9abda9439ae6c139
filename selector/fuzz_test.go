package selector_test

import (
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/selector"
)

// fuzzRecord is vnfr() plus short names the fuzzer can hit and the driver's
// named container types.
func fuzzRecord() M {
	rec := vnfr()
	rec["a"] = M{"b": A{M{"c": int64(1), "d": A{A{M{"c": "x"}}, nil}}, int32(7), bsonM{"c": bsonA{"y"}}}, "e": nil}
	rec["b"] = bsonA{bsonM{"a": bsonM{"a": 1.5}}, "z", A{}}
	rec["c"] = M{}
	rec["d"] = A{}
	return rec
}

func FuzzParse(f *testing.F) {
	for _, q := range []string{
		"", "all_fields", "all_fields=", "all_fields=1", "exclude_default", "exclude_default=x",
		"fields=status", "fields=status,virtual_deployment_units.id", "fields=a.b.c&fields=a.b",
		"fields=a.b.d.c,b.a.a", "fields=a,a.b", "fields=virtual_deployment_units.resource_requirements.cpu.vcpus",
		"exclude_fields=a.b.c,b.a", "exclude_fields=uuid", "exclude_fields=virtual_deployment_units.vnfc_instance.connection_points.id",
		"exclude_default&fields=a.b.c", "exclude_default&fields=b", "all_fields&fields=a", "fields=a&exclude_fields=b",
		"exclude_fields=a&exclude_default", "fields=", "fields=a..b", "fields=$x", "fields=a.ANYINDEX.c",
		"fields=a.0", "fields=_id", "fields=%FF", "fields=a,", "fields=" + strings.Repeat("a.", 16) + "a",
	} {
		f.Add(q, "a,b,virtual_deployment_units")
		f.Add(q, "")
	}
	f.Add("exclude_default", "uuid,id,created_at,updated_at")
	f.Add("exclude_default&fields=b.a", "a.b,,b")

	f.Fuzz(func(t *testing.T, query, def string) {
		values, err := url.ParseQuery(query)
		if err != nil {
			t.Skip()
		}
		var defaultExcluded []string
		if def != "" {
			defaultExcluded = strings.Split(def, ",")
		}
		s, err := selector.Parse(values, defaultExcluded)
		if err != nil {
			var e *models.Error
			if !errors.As(err, &e) || e.Code != models.CodeInvalid {
				t.Fatalf("Parse(%q): error %v (%T), want *models.Error with CodeInvalid", query, err, err)
			}
			if !strings.Contains(e.Detail, "fields") && !strings.Contains(e.Detail, "exclude_default") {
				t.Fatalf("Parse(%q): detail %q names no key", query, e.Detail)
			}
			return
		}

		rec := fuzzRecord()
		got := s.Apply(rec)
		if !reflect.DeepEqual(rec, fuzzRecord()) {
			t.Fatalf("Parse(%q).Apply modified its input", query)
		}
		if s.All() && !reflect.DeepEqual(got, rec) {
			t.Fatalf("Parse(%q): All() but Apply changed the record", query)
		}
		if p, ok := notWithin(got, rec, ""); !ok {
			t.Fatalf("Parse(%q).Apply returned %s, which is not in the input", query, p)
		}
		if got["uuid"] != rec["uuid"] || got["id"] != rec["id"] {
			t.Fatalf("Parse(%q).Apply lost an identity attribute: %v", query, got)
		}
		// Trimming what was already trimmed changes nothing: the selector
		// keeps a fixed shape, whatever it is given.
		if again := s.Apply(got); !reflect.DeepEqual(again, got) {
			t.Fatalf("Parse(%q).Apply is not idempotent:\n once %#v\ntwice %#v", query, got, again)
		}
		if _, ok := values["exclude_fields"]; ok {
			for _, raw := range values["exclude_fields"] {
				for p := range strings.SplitSeq(raw, ",") {
					if where, found := reachable(got, strings.Split(p, "."), p); found {
						t.Fatalf("Parse(%q).Apply kept excluded %s", query, where)
					}
				}
			}
		}
	})
}

// notWithin reports where out has something in is lacks: a key absent from
// the object at the same place, an array element matching no element in
// order, or a different leaf.
func notWithin(out, in any, at string) (string, bool) {
	if om, ok := object(out); ok {
		im, ok := object(in)
		if !ok {
			return at + " (an object)", false
		}
		for k, ov := range om {
			iv, ok := im[k]
			if !ok {
				return at + "." + k, false
			}
			if p, ok := notWithin(ov, iv, at+"."+k); !ok {
				return p, false
			}
		}
		return "", true
	}
	if oa, ok := array(out); ok {
		ia, ok := array(in)
		if !ok {
			return at + " (an array)", false
		}
		// Elements may be dropped, never added or reordered: match each one
		// to the earliest input element that holds it.
		j := 0
		for i, oe := range oa {
			for ; j < len(ia); j++ {
				if _, ok := notWithin(oe, ia[j], ""); ok {
					break
				}
			}
			if j == len(ia) {
				return at + "[" + strconv.Itoa(i) + "]", false
			}
			j++
		}
		return "", true
	}
	if !reflect.DeepEqual(out, in) {
		return at + " (a different value)", false
	}
	return "", true
}

// reachable reports whether the path leads anywhere in v, through objects
// and arrays as a selector does.
func reachable(v any, path []string, name string) (string, bool) {
	if len(path) == 0 {
		return name, true
	}
	if m, ok := object(v); ok {
		next, ok := m[path[0]]
		if !ok {
			return "", false
		}
		return reachable(next, path[1:], name)
	}
	if a, ok := array(v); ok {
		for _, e := range a {
			if w, ok := reachable(e, path, name); ok {
				return w, true
			}
		}
	}
	return "", false
}

func object(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case bsonM:
		return m, true
	}
	return nil, false
}

func array(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case bsonA:
		return a, true
	}
	return nil, false
}
