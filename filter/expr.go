package filter

import (
	"strings"
	"time"
)

// This file holds the filter AST that ParseQuery builds and MongoFilter,
// WideMongoFilter and Match read. An Expr is immutable once parsed.
//
// Semantics in short (README and the tests hold the examples):
//
//   - Every condition must hold (AND), whatever the order of the keys.
//   - A condition's path is resolved the way MongoDB resolves a dotted path:
//     through objects, through arrays (any element), a number segment is an
//     array position (and, as in MongoDB, also a field of that name in the
//     array's objects), and a value that is an array at the end of the path
//     matches when the array or one of its elements does.
//   - ANYINDEX: the conditions that share the prefix before ANYINDEX must
//     hold on one and the same element of that array ($elemMatch).
//   - eq: one of the values equals (several values = any); neq: none does.
//     cont: equals, or is a string containing the value as a plain
//     substring; ncont: neither. gt/gte/lt/lte: ordered, numeric when the
//     value reads as a number, else string; never across types.
//   - Typing: "5" also matches the number 5, "true"/"false" also the
//     booleans, an empty value matches null or a missing attribute. With
//     Options.YAMLValues each value is a YAML scalar and matches its own type.
//   - Time fields (Fields with Time set): values are dates or timestamps;
//     see parseTime for the forms and the meaning of each operator.

// Op is a filter operator.
type Op string

// The operators of the SOL005 grammar. "ne" is read as OpNeq.
const (
	OpEq    Op = "eq"
	OpNeq   Op = "neq"
	OpGt    Op = "gt"
	OpGte   Op = "gte"
	OpLt    Op = "lt"
	OpLte   Op = "lte"
	OpCont  Op = "cont"
	OpNcont Op = "ncont"
)

// anyIndex is the path segment that ties conditions to one array element.
const anyIndex = "ANYINDEX"

// Field describes a top-level attribute the store keeps in its envelope
// rather than in the document (uuid, created_at, updated_at): it has no
// sub-attributes, and a Time field holds an instant, so its values are
// times, not strings. Where it is stored is the store's business.
type Field struct {
	Time bool
}

// Fields names the envelope attributes of a kind of document, e.g.
// {"uuid": {}, "created_at": {Time: true}}.
type Fields map[string]Field

// Options steer ParseQuery.
type Options struct {
	// YAMLValues reads each value as a YAML scalar (the OSM header
	// Query-String-Format: yaml): 5 is only a number, '5' only a string,
	// true/yes/on only booleans, null/~/empty only null or missing.
	YAMLValues bool
	// Fields are the envelope attributes; time fields take time values.
	Fields Fields
	// Admin makes _admin.* paths filters: the server-side state a store
	// shows there (OSM's _admin.onboardingState, ... of the catalogue).
	Admin bool
	// Created names the creation time, which lists without sort= are
	// newest first by (DefaultSort); empty is created_at, the records'.
	Created string
}

// Cond is one condition as the client wrote it, for logging and
// diagnostics. Repeated eq/neq/cont/ncont keys are merged into one Cond;
// each occurrence of a gt/gte/lt/lte key is its own Cond.
type Cond struct {
	Key    string   // the query key as written, e.g. "vdu.ANYINDEX.id.neq"
	Path   []string // attribute path, ANYINDEX kept, operator removed
	Op     Op
	Values []string // the values, split on commas
}

// Expr is a parsed filter: a conjunction of conditions. The zero Expr
// matches every record.
type Expr struct {
	root  group  // the record itself: prefix is empty
	conds []Cond // as parsed, for Conds
	// positional is set when some path has a number segment: FerretDB
	// resolves those differently from MongoDB.
	positional bool
}

// Conds returns the parsed conditions, in key order.
func (e Expr) Conds() []Cond {
	out := make([]Cond, len(e.conds))
	for i, c := range e.conds {
		c.Path = append([]string(nil), c.Path...)
		c.Values = append([]string(nil), c.Values...)
		out[i] = c
	}
	return out
}

// Empty reports whether the expression has no condition (matches all).
func (e Expr) Empty() bool { return len(e.root.nodes) == 0 }

// NeedsMatcher reports whether WideMongoFilter may match more records than
// Match: true when the query uses ANYINDEX (FerretDB cannot evaluate
// $elemMatch) or an array position (FerretDB resolves number segments
// differently from MongoDB). The caller then applies Match to what the store
// returns, before paging. When false, WideMongoFilter is exact.
func (e Expr) NeedsMatcher() bool { return e.positional || e.hasGroup() }

func (e Expr) hasGroup() bool {
	for _, n := range e.root.nodes {
		if n.group != nil {
			return true
		}
	}
	return false
}

// node is a leaf condition or an ANYINDEX group; exactly one is set.
type node struct {
	leaf  *leaf
	group *group
}

// group is the set of conditions that must hold on one element of the
// arrays found at prefix (relative to the enclosing group's element).
type group struct {
	prefix []string
	nodes  []node
}

// leaf is one condition on the values found at path: it holds when one of
// its atoms holds (a disjunction), negated when neg is set.
type leaf struct {
	key   string
	path  []string // relative to the enclosing group's element
	field *Field   // set for an envelope attribute (path has one segment)
	neg   bool
	atoms []atom
}

type atomKind uint8

const (
	atomIn    atomKind = iota + 1 // a value equals one of vals ($in)
	atomNull                      // no value at all, or a null value
	atomRegex                     // a string value contains sub ($regex)
	atomCmp                       // a value compares to val by op ($gt ...)
	atomRange                     // a time value in [lo, hi)
)

// atom is one positive predicate on the values at a path.
type atom struct {
	kind atomKind
	vals []any  // atomIn: string, int64, float64, bool
	sub  string // atomRegex: the plain substring
	op   Op     // atomCmp: OpGt, OpGte, OpLt, OpLte
	val  any    // atomCmp: int64, float64, string or time.Time
	lo   time.Time
	hi   time.Time
}

// String renders the expression back as a query string (for logs).
func (e Expr) String() string {
	parts := make([]string, 0, len(e.conds))
	for _, c := range e.conds {
		k := strings.Join(c.Path, ".")
		if c.Op != OpEq {
			k += "." + string(c.Op)
		}
		parts = append(parts, k+"="+strings.Join(c.Values, ","))
	}
	return strings.Join(parts, "&")
}

// And is the conjunction of a and b: what both match (a store adding
// its own condition to a client's filter).
func And(a, b Expr) Expr {
	out := Expr{positional: a.positional || b.positional}
	out.root.nodes = append(append([]node(nil), a.root.nodes...), b.root.nodes...)
	out.conds = append(append([]Cond(nil), a.conds...), b.conds...)
	return out
}
