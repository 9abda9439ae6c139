package filter

import (
	"slices"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// IndexCond is a condition on one root-level attribute that a store can
// answer from an index on that attribute alone: the attribute equals one
// of Strings (a string attribute), or lies in one of Spans (a time field).
type IndexCond struct {
	Attr    string // rendered name, e.g. "status", "uuid", "created_at"
	Time    bool   // Spans is set, else Strings
	Strings []string
	Spans   []TimeSpan
}

// TimeSpan is the half-open interval [From, Until) at millisecond
// precision; a nil bound is unbounded. (Not the zero time: year 1 is a
// bound a client can write, created_at.lt=0001-01-01T00:00:00Z.)
type TimeSpan struct{ From, Until *time.Time }

// IndexConds returns the conditions of e a store can evaluate with its
// indexes, and whether they are all of e (then the store's answer is
// exact and Match need not run).
//
// indexed names the root-level attributes the store has an index on. For
// those that are not time fields, the caller guarantees they hold a single
// string in every record (the schemas make status and descriptor_reference
// strings; uuid always is): a value equal to a query value is then the
// only way to match, so the non-string readings of a query value ("5" as a
// number) cannot match and are dropped. Negations, substrings, ordering on
// strings, empty values and ANYINDEX groups are left to Match.
func (e Expr) IndexConds(indexed func(attr string) bool) (conds []IndexCond, exact bool) {
	exact = true
	for _, n := range e.root.nodes {
		var c IndexCond
		ok := n.leaf != nil && !n.leaf.neg && len(n.leaf.path) == 1 && indexed(n.leaf.path[0])
		if ok {
			if l := n.leaf; l.field != nil && l.field.Time {
				c, ok = l.timeCond()
			} else {
				c, ok = l.stringCond()
			}
		}
		if !ok {
			exact = false
			continue
		}
		conds = append(conds, c)
	}
	return conds, exact
}

func (l *leaf) stringCond() (IndexCond, bool) {
	c := IndexCond{Attr: l.path[0]}
	for _, a := range l.atoms {
		if a.kind != atomIn {
			return IndexCond{}, false
		}
		for _, v := range a.vals {
			if s, ok := v.(string); ok && !slices.Contains(c.Strings, s) {
				c.Strings = append(c.Strings, s)
			}
		}
	}
	return c, true
}

func (l *leaf) timeCond() (IndexCond, bool) {
	c := IndexCond{Attr: l.path[0], Time: true}
	for _, a := range l.atoms {
		var s TimeSpan
		switch a.kind {
		case atomRange:
			s = TimeSpan{From: &a.lo, Until: &a.hi}
		case atomCmp:
			t := a.val.(time.Time)
			switch a.op {
			case OpGt:
				s.From = ptr(t.Add(time.Millisecond))
			case OpGte:
				s.From = &t
			case OpLt:
				s.Until = &t
			case OpLte:
				s.Until = ptr(t.Add(time.Millisecond))
			}
		case atomNull:
			continue // a time field is never null or missing
		default:
			return IndexCond{}, false
		}
		c.Spans = append(c.Spans, s)
	}
	return c, true
}

func ptr[T any](v T) *T { return &v }

// AnyIndex is the path segment Paths uses for an ANYINDEX group: each
// element of the array found at the path before it, read as a document.
const AnyIndex = anyIndex

// Paths lists the full paths e reads, each once: each condition's
// rendered path from the record's root, ANYINDEX segments kept (AnyIndex)
// where the condition sits in an ANYINDEX group, so that a store can
// decode only those parts of a record before it calls Match. Time fields
// and uuid are root attributes ([]string{"created_at"}).
//
// What Match reads along a path p, so what a partial record must keep
// identical to the whole one: at the end of p the whole value; before it,
// every value on the way, resolved as MongoDB resolves a dotted path:
// the named member of an object, or when the value is an array, every
// element (each object element walked with the same rest of the path,
// the element at a number segment's position walked with what follows
// it), and for an ANYINDEX segment every element of the array found
// before it (objects and arrays, each read as a document by what
// follows). The kinds of the values met (object, array, scalar), the
// presence of the members named and the length and order of the arrays
// met are read too: "a.b=" matches a missing b, and positions count.
func (e Expr) Paths() [][]string {
	var out [][]string
	e.root.paths(nil, &out)
	return out
}

// paths appends the paths of g's conditions, each prefixed by under (the
// path of g's element from the record's root).
func (g *group) paths(under []string, out *[][]string) {
	add := func(p []string) {
		for _, q := range *out {
			if slices.Equal(p, q) {
				return
			}
		}
		*out = append(*out, p)
	}
	for _, n := range g.nodes {
		if n.leaf != nil {
			add(slices.Concat(under, n.leaf.path))
			continue
		}
		n.group.paths(slices.Concat(under, n.group.prefix, []string{anyIndex}), out)
	}
}

// Paths lists the rendered paths the order reads (each key's path, then
// uuid, deduplicated), so that a store can decode only those parts of a record before it calls KeyOf. KeyOf reads
// along each path what Expr.Paths says Match reads (sort paths never hold
// ANYINDEX), and the length of the arrays met: a number segment takes
// the element at that position only when the array has one.
func (s Sort) Paths() [][]string {
	out := make([][]string, 0, len(s.Keys)+1)
	for _, k := range s.Keys {
		if len(k.Path) > 0 && !slices.ContainsFunc(out, func(p []string) bool { return slices.Equal(p, k.Path) }) {
			out = append(out, slices.Clone(k.Path))
		}
	}
	uuid := []string{models.FieldUUID}
	if !slices.ContainsFunc(out, func(p []string) bool { return slices.Equal(p, uuid) }) {
		out = append(out, uuid)
	}
	return out
}
