package filter

import (
	"fmt"
	"math"
	"time"
)

// Query is one list request as a store answers it: the documents that
// match Filter, in Sort order, after the position After (a marker) or
// else from Offset, at most Limit of them. A zero Sort is the default
// order; a Limit of 0 or less is the default page size.
type Query struct {
	Filter Expr
	Sort   Sort
	After  *Position
	Offset int64
	Limit  int64
}

// Page is one window of a list: its items in list order, how many match
// in all, and where the page ended when more follow (nil on the last
// page): a marker made from Next continues the list there.
type Page[T any] struct {
	Items []T
	Total int64
	Next  *Position
}

// Condition is one condition built in code rather than read from a query
// string: Path holds Op against Value, with Value's own type only (no
// reading "5" as a number too, no splitting on commas). Value is a
// string, int64, float64, bool or time.Time (a time for a time field,
// with OpEq meaning that very millisecond); nil with OpEq means null or
// missing.
type Condition struct {
	Path  []string
	Op    Op
	Value any
}

// Where builds the conjunction of conds, as ParseQuery would for the
// same conditions written with exactly typed values. It is how a store
// asks itself for documents (a request's ids, what is older than a
// time): values a client never typed need no parsing. opts.Fields says
// which attributes are envelope attributes and which of them are times.
func Where(opts Options, conds ...Condition) (Expr, error) {
	b := builder{opts: opts}
	for _, c := range conds {
		key := fmt.Sprint(c.Path)
		if len(c.Path) == 0 || len(c.Path) > MaxDepth {
			return Expr{}, invalid(key, "a condition needs a path of 1 to %d attributes", MaxDepth)
		}
		for _, seg := range c.Path {
			if seg == "" || seg == anyIndex {
				return Expr{}, invalid(key, "a built condition's path holds plain attribute names")
			}
		}
		a, err := builtAtom(key, c, b.opts.Fields)
		if err != nil {
			return Expr{}, err
		}
		var field *Field
		if f, ok := opts.Fields[c.Path[0]]; ok {
			field = &f
		}
		l := &leaf{key: key, path: append([]string(nil), c.Path...), field: field, neg: c.Op == OpNeq || c.Op == OpNcont, atoms: []atom{a}}
		if hasPosition(c.Path) {
			b.expr.positional = true
		}
		b.expr.root.nodes = append(b.expr.root.nodes, node{leaf: l})
		b.expr.conds = append(b.expr.conds, Cond{Key: key, Path: l.path, Op: c.Op, Values: []string{fmt.Sprint(c.Value)}})
	}
	return b.expr, nil
}

// builtAtom is the positive atom of a built condition.
func builtAtom(key string, c Condition, fields Fields) (atom, error) {
	isTime := fields[c.Path[0]].Time
	switch v := c.Value.(type) {
	case nil:
		if c.Op == OpEq || c.Op == OpNeq {
			return atom{kind: atomNull}, nil
		}
	case time.Time:
		if !isTime {
			return atom{}, invalid(key, "a time value needs a time field")
		}
		t := v.UTC().Truncate(time.Millisecond)
		switch c.Op {
		case OpEq, OpNeq:
			return atom{kind: atomRange, lo: t, hi: t.Add(time.Millisecond)}, nil
		case OpGt, OpGte, OpLt, OpLte:
			return atom{kind: atomCmp, op: c.Op, val: t}, nil
		}
	case string, int64, bool:
		if isTime {
			return atom{}, invalid(key, "a time field takes time values")
		}
		switch c.Op {
		case OpEq, OpNeq:
			return atom{kind: atomIn, vals: []any{v}}, nil
		case OpCont, OpNcont:
			if s, ok := v.(string); ok {
				return atom{kind: atomRegex, sub: s}, nil
			}
		case OpGt, OpGte, OpLt, OpLte:
			if _, ok := v.(bool); !ok {
				return atom{kind: atomCmp, op: c.Op, val: v}, nil
			}
		}
	case float64:
		if isTime || math.IsNaN(v) || math.IsInf(v, 0) {
			return atom{}, invalid(key, "a number that cannot be compared")
		}
		switch c.Op {
		case OpEq, OpNeq:
			return atom{kind: atomIn, vals: []any{v}}, nil
		case OpGt, OpGte, OpLt, OpLte:
			return atom{kind: atomCmp, op: c.Op, val: v}, nil
		}
	default:
		return atom{}, invalid(key, "a value of type %T cannot be compared", c.Value)
	}
	return atom{}, invalid(key, "operator %s does not take %T", c.Op, c.Value)
}
