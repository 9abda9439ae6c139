package filter

import (
	"slices"
	"time"
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
// precision; a zero bound is unbounded.
type TimeSpan struct{ From, Until time.Time }

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
			if l := n.leaf; l.stored != nil && l.stored.Time {
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
			s = TimeSpan{From: a.lo, Until: a.hi}
		case atomCmp:
			t := a.val.(time.Time)
			switch a.op {
			case OpGt:
				s.From = t.Add(time.Millisecond)
			case OpGte:
				s.From = t
			case OpLt:
				s.Until = t
			case OpLte:
				s.Until = t.Add(time.Millisecond)
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

// Attributes lists the root-level rendered attribute names e reads, in
// order of first use: what a store must fetch of a record to Match it.
func (e Expr) Attributes() []string {
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, n := range e.root.nodes {
		if n.leaf != nil {
			add(n.leaf.path[0])
		} else {
			add(n.group.prefix[0])
		}
	}
	return out
}
