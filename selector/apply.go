package selector

import "reflect"

// node is a tree of paths sharing prefixes. A whole node ends a path: the
// entire value there is meant, so its longer paths are dropped (fields=a,a.b
// keeps all of a; exclude_fields=a,a.b removes all of a).
type node struct {
	whole bool
	kids  map[string]*node
}

func (n *node) insert(segs []string) {
	for _, s := range segs {
		if n.whole {
			return
		}
		next := n.kids[s]
		if next == nil {
			if n.kids == nil {
				n.kids = make(map[string]*node)
			}
			next = &node{}
			n.kids[s] = next
		}
		n = next
	}
	n.whole = true
	n.kids = nil
}

// kid is nil-safe, so that "no put-back tree" needs no special case.
func (n *node) kid(name string) *node {
	if n == nil {
		return nil
	}
	return n.kids[name]
}

// Apply returns the record with only the selected attributes. It builds a
// new map for the record and for every object or array it trims; untouched
// values are shared with rec, and nothing reachable from rec is modified.
// Apply on the zero Selector returns rec itself.
func (s Selector) Apply(rec map[string]any) map[string]any {
	switch s.mode {
	case modeInclude:
		return projectObject(rec, s.include)
	case modeExclude:
		return pruneObject(rec, s.exclude, s.include)
	}
	return rec
}

// projectObject keeps the paths of n (not whole) found in m.
func projectObject(m map[string]any, n *node) map[string]any {
	out := make(map[string]any, min(len(m), len(n.kids)))
	for name, kid := range n.kids {
		v, ok := m[name]
		if !ok {
			continue
		}
		if kid.whole {
			out[name] = v
		} else if pv, ok := projectValue(v, kid); ok {
			out[name] = pv
		}
	}
	return out
}

// projectValue applies the paths of n (not whole) below v. As in MongoDB,
// an object is kept even if none of the paths is in it (so that array
// elements keep their positions), a leaf has nothing below it and is
// dropped, and an array is projected element by element.
func projectValue(v any, n *node) (any, bool) {
	if m, ok := asObject(v); ok {
		return projectObject(m, n), true
	}
	if a, ok := asArray(v); ok {
		out := make([]any, 0, len(a))
		for _, e := range a {
			if pe, ok := projectValue(e, n); ok {
				out = append(out, pe)
			}
		}
		return out, true
	}
	return nil, false
}

// pruneObject removes the paths of ex from m, except that what in names is
// put back: a whole node of in keeps the value, and paths of in below a
// removed value keep only those paths of it.
func pruneObject(m map[string]any, ex, in *node) map[string]any {
	out := make(map[string]any, len(m))
	for name, v := range m {
		e, i := ex.kid(name), in.kid(name)
		switch {
		case e == nil || (i != nil && i.whole):
			out[name] = v
		case e.whole:
			if i != nil {
				if pv, ok := projectValue(v, i); ok {
					out[name] = pv
				}
			}
		default:
			out[name] = pruneValue(v, e, i)
		}
	}
	return out
}

// pruneValue goes on removing below v; leaves, and array elements that are
// not objects, have nothing to remove and are kept.
func pruneValue(v any, ex, in *node) any {
	if m, ok := asObject(v); ok {
		return pruneObject(m, ex, in)
	}
	if a, ok := asArray(v); ok {
		out := make([]any, len(a))
		for j, e := range a {
			out[j] = pruneValue(e, ex, in)
		}
		return out
	}
	return v
}

var (
	objectType = reflect.TypeFor[map[string]any]()
	arrayType  = reflect.TypeFor[[]any]()
)

// asObject accepts named object types too: the driver decodes into bson.M
// when asked, and this package must not import it.
func asObject(v any) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	if v == nil {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().ConvertibleTo(objectType) {
		return rv.Convert(objectType).Interface().(map[string]any), true
	}
	return nil, false
}

// asArray accepts named array types too: the driver decodes arrays as bson.A.
func asArray(v any) ([]any, bool) {
	if a, ok := v.([]any); ok {
		return a, true
	}
	if v == nil {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Type().ConvertibleTo(arrayType) {
		return rv.Convert(arrayType).Interface().([]any), true
	}
	return nil, false
}
