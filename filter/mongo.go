package filter

import (
	"regexp"
	"strings"
)

// The filter documents use few operators, each alone in its document, so
// that MongoDB and FerretDB read them alike: $and, $or, $nor (every negation
// is a $nor of the positive form, so a path through an array means "no
// element" and a missing attribute matches, which $ne/$nin do not mean on
// FerretDB), $in, $regex (a regexp.QuoteMeta'd plain substring), $gt, $gte,
// $lt, $lte, $exists, $type "null", and $elemMatch for ANYINDEX (MongoFilter
// only); {path: value} is equality with one value. Values are strings,
// int64, float64, bool and time.Time, never documents, so a value is never
// read as an operator.

// Rename maps a top-level attribute to the dotted path a MongoDB store
// keeps it at ({"uuid": "_id", "created_at": "_admin.created"}): the store
// owns where its envelope lives. Names it lacks are stored as they are.
type Rename map[string]string

// Path is where the attribute path p is stored: its first segment
// renamed, the rest as it is, joined with dots.
func (r Rename) Path(p []string) string {
	if len(p) == 0 {
		return ""
	}
	if to, ok := r[p[0]]; ok {
		return strings.Join(append([]string{to}, p[1:]...), ".")
	}
	return strings.Join(p, ".")
}

// MongoFilter returns the filter document that MongoDB evaluates exactly as
// Match does (ANYINDEX groups as $elemMatch), with the top-level
// attributes where stored says. An empty expression gives an empty
// document. It is not for FerretDB v1, whose $elemMatch is broken: use
// WideMongoFilter there.
func (e Expr) MongoFilter(stored Rename) map[string]any {
	return and(e.root.exact(stored))
}

// WideMongoFilter returns a filter without $elemMatch that matches a
// superset of the records Match accepts, on MongoDB and on FerretDB v1:
// conditions inside ANYINDEX groups are applied to any element
// independently (negated and null-matching ones are left out), and
// conditions on paths with array positions are left out (FerretDB resolves
// those differently). When NeedsMatcher is false it is exact and equal to
// MongoFilter.
func (e Expr) WideMongoFilter(stored Rename) map[string]any {
	var docs []map[string]any
	for _, n := range e.root.nodes {
		if n.leaf != nil {
			if !hasPosition(n.leaf.path) {
				docs = append(docs, n.leaf.doc(stored.Path(n.leaf.path)))
			}
			continue
		}
		docs = n.group.wide(nil, docs)
	}
	return and(docs)
}

// exact renders the group's nodes relative to its element, or to the
// record when stored is set (the renaming of its top-level attributes).
func (g *group) exact(stored Rename) []map[string]any {
	docs := make([]map[string]any, 0, len(g.nodes))
	for _, n := range g.nodes {
		if n.leaf != nil {
			docs = append(docs, n.leaf.doc(stored.Path(n.leaf.path)))
			continue
		}
		docs = append(docs, map[string]any{
			stored.Path(n.group.prefix): map[string]any{"$elemMatch": and(n.group.exact(nil))},
		})
	}
	return docs
}

// wide appends the over-approximation of the group's conditions: positive,
// non-null conditions on the flattened path (ANYINDEX dropped), which any
// element satisfying the group also satisfies.
func (g *group) wide(outer []string, docs []map[string]any) []map[string]any {
	prefix := append(append([]string(nil), outer...), g.prefix...)
	for _, n := range g.nodes {
		if n.group != nil {
			docs = n.group.wide(prefix, docs)
			continue
		}
		l := n.leaf
		path := append(append([]string(nil), prefix...), l.path...)
		if l.neg || hasPosition(path) || l.hasNull() {
			continue
		}
		docs = append(docs, l.doc(strings.Join(path, ".")))
	}
	return docs
}

func (l *leaf) hasNull() bool {
	for _, a := range l.atoms {
		if a.kind == atomNull {
			return true
		}
	}
	return false
}

// hasPosition reports whether a path from the record's root has an array
// position: a number after the first segment (a number first is the name of
// a top-level field, which both stores look up alike).
func hasPosition(path []string) bool {
	for i, s := range path {
		if i > 0 && IsDigits(s) {
			return true
		}
	}
	return false
}

// doc renders the leaf at path p: the disjunction of its atoms, or for a
// negated leaf the $nor of them.
func (l *leaf) doc(p string) map[string]any {
	atoms := make([]any, len(l.atoms))
	for i := range l.atoms {
		atoms[i] = l.atoms[i].doc(p)
	}
	switch {
	case l.neg:
		return map[string]any{"$nor": atoms}
	case len(atoms) == 1:
		return atoms[0].(map[string]any)
	}
	return map[string]any{"$or": atoms}
}

func (a *atom) doc(p string) map[string]any {
	switch a.kind {
	case atomIn:
		if len(a.vals) == 1 {
			// Plain equality: the same as $in of one value, and the form
			// FerretDB pushes down to SQLite for _id.
			return map[string]any{p: a.vals[0]}
		}
		return map[string]any{p: map[string]any{"$in": append([]any(nil), a.vals...)}}
	case atomNull:
		return map[string]any{"$or": []any{
			map[string]any{p: map[string]any{"$exists": false}},
			map[string]any{p: map[string]any{"$type": "null"}},
		}}
	case atomRegex:
		return map[string]any{p: map[string]any{"$regex": regexp.QuoteMeta(a.sub)}}
	case atomCmp:
		return map[string]any{p: map[string]any{"$" + string(a.op): a.val}}
	case atomRange:
		return map[string]any{"$and": []any{
			map[string]any{p: map[string]any{"$gte": a.lo}},
			map[string]any{p: map[string]any{"$lt": a.hi}},
		}}
	}
	panic("filter: unknown atom kind") // unreachable: atoms are built by ParseQuery
}

// and combines documents: none is the empty filter, one is itself.
func and(docs []map[string]any) map[string]any {
	switch len(docs) {
	case 0:
		return map[string]any{}
	case 1:
		return docs[0]
	}
	list := make([]any, len(docs))
	for i, d := range docs {
		list[i] = d
	}
	return map[string]any{"$and": list}
}
