package filter

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v2"

	"github.com/nfv-records/nfv-records/models"
)

// Bounds on a query, so that no query string makes the filter, the store's
// work or Match unbounded. Past them the query is refused (400).
const (
	MaxConditions = 50   // key occurrences that are filters
	MaxValues     = 200  // values in all, after splitting on commas
	MaxValueBytes = 1024 // bytes in one value
	MaxDepth      = 16   // path segments, ANYINDEX included, operator not
	MaxKeyBytes   = 512  // bytes in one key
	maxIndexLen   = 9    // digits in an array position
)

// reservedKeys steer paging, format, selection and administration; they are
// never filters (OSM treats fields/offset/limit as filters: a defect).
var reservedKeys = map[string]bool{
	"page_number": true, "page_size": true, "offset": true, "limit": true,
	"count": true, "output": true, "sort": true, "fields": true,
	"exclude_fields": true, "exclude_default": true, "all_fields": true,
	"nextpage_opaque_marker": true,
	"FORCE":                  true, "PUBLIC": true, "ADMIN": true, "SET_PROJECT": true,
}

// IsReservedKey reports whether a query key is a reserved (non-filter) key.
func IsReservedKey(key string) bool { return reservedKeys[key] }

// protected are stored top-level names users cannot filter on directly,
// unless the options say otherwise (unprotects).
var protected = map[string]bool{"_id": true, "_admin": true}

// unprotects reports whether the options open a protected name: an
// envelope field of that name, or _admin with Options.Admin.
func (o Options) unprotects(name string) bool {
	if _, ok := o.Fields[name]; ok {
		return true
	}
	return name == "_admin" && o.Admin
}

var operators = map[string]Op{
	"eq": OpEq, "neq": OpNeq, "ne": OpNeq, "gt": OpGt, "gte": OpGte,
	"lt": OpLt, "lte": OpLte, "cont": OpCont, "ncont": OpNcont,
}

func invalid(key, format string, args ...any) error {
	return models.Errorf(models.CodeInvalid, "filter %s: "+format, append([]any{models.Quote(key)}, args...)...)
}

// ParseQuery reads the filter conditions of a list query string. Reserved
// keys are skipped; every other key is attr[.attr]*[.op] with one or more
// comma-separated values. Errors are *models.Error with CodeInvalid and
// name the offending key; keys are read in sorted order, so the error for a
// query is always the same one.
func ParseQuery(values url.Values, opts Options) (Expr, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		if !reservedKeys[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)

	b := builder{opts: opts}
	nconds, nvalues := 0, 0
	for _, k := range keys {
		path, op, err := parseKey(k, opts)
		if err != nil {
			return Expr{}, err
		}
		occurrences := values[k]
		nconds += len(occurrences)
		if nconds > MaxConditions {
			return Expr{}, invalid(k, "too many conditions: at most %d filters per query", MaxConditions)
		}
		var merged []string // eq/neq/cont/ncont: repeated keys = more values
		for _, raw := range occurrences {
			vals, err := splitValues(k, raw)
			if err != nil {
				return Expr{}, err
			}
			nvalues += len(vals)
			if nvalues > MaxValues {
				return Expr{}, invalid(k, "too many values: at most %d values per query", MaxValues)
			}
			if op.ordered() {
				if err := b.add(k, path, op, vals); err != nil {
					return Expr{}, err
				}
				continue
			}
			merged = append(merged, vals...)
		}
		if merged != nil {
			if err := b.add(k, path, op, merged); err != nil {
				return Expr{}, err
			}
		}
	}
	return b.expr, nil
}

func (op Op) ordered() bool { return op == OpGt || op == OpGte || op == OpLt || op == OpLte }

// parseKey splits a key into its attribute path and operator. A last
// segment that is not an operator is part of the path (OSM does the same),
// so "name.foo" is the attribute name.foo and "x.gt" is x greater than.
func parseKey(key string, opts Options) ([]string, Op, error) {
	fields := opts.Fields
	if key == "" {
		return nil, "", invalid(key, "empty attribute name")
	}
	if len(key) > MaxKeyBytes {
		return nil, "", invalid(key[:32]+"...", "key longer than %d bytes", MaxKeyBytes)
	}
	segs := strings.Split(key, ".")
	op := OpEq
	if len(segs) > 1 {
		if o, ok := operators[segs[len(segs)-1]]; ok {
			op = o
			segs = segs[:len(segs)-1]
		}
	}
	if len(segs) > MaxDepth {
		return nil, "", invalid(key, "path deeper than %d attributes", MaxDepth)
	}
	for i, s := range segs {
		switch {
		case s == "":
			return nil, "", invalid(key, "empty attribute name")
		case s == anyIndex:
			if i == 0 || segs[i-1] == anyIndex {
				return nil, "", invalid(key, "ANYINDEX must follow the name of an array attribute")
			}
			if i == len(segs)-1 {
				return nil, "", invalid(key, "ANYINDEX must be followed by an attribute of the array element (to match any element, leave ANYINDEX out)")
			}
		case IsDigits(s):
			if len(s) > 1 && s[0] == '0' {
				return nil, "", invalid(key, "array position %s has a leading zero", models.Quote(s))
			}
			if len(s) > maxIndexLen {
				return nil, "", invalid(key, "array position %s is too large", models.Quote(s))
			}
		default:
			if !PlainName(s) {
				return nil, "", invalid(key, "attribute name %s: only letters, digits, '_', '-' and ':' are allowed", models.Quote(s))
			}
		}
	}
	if protected[segs[0]] && !opts.unprotects(segs[0]) {
		return nil, "", invalid(key, "%s is not filterable", segs[0])
	}
	if _, ok := fields[segs[0]]; ok && len(segs) > 1 {
		return nil, "", invalid(key, "%s has no sub-attributes", segs[0])
	}
	return segs, op, nil
}

// IsDigits reports whether s is a non-empty run of ASCII digits: a path
// segment that names an array position.
func IsDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// PlainName reports whether s is an attribute name clients may use in a
// path (letters, digits, _ - :). Attribute selectors share it, so that any
// path a client can filter on it can also select, and the other way round.
func PlainName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == ':':
		default:
			return false
		}
	}
	return s != ""
}

// splitValues splits a raw value on commas and checks each part.
func splitValues(key, raw string) ([]string, error) {
	vals := strings.Split(raw, ",")
	for _, v := range vals {
		if err := checkText(key, v); err != nil {
			return nil, err
		}
	}
	return vals, nil
}

func checkText(key, v string) error {
	if len(v) > MaxValueBytes {
		return invalid(key, "value longer than %d bytes", MaxValueBytes)
	}
	if !utf8.ValidString(v) {
		return invalid(key, "value is not valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return invalid(key, "value contains a NUL byte")
	}
	return nil
}

// builder collects conditions into the tree of ANYINDEX groups.
type builder struct {
	opts Options
	expr Expr
}

func (b *builder) add(key string, path []string, op Op, vals []string) error {
	var field *Field
	if f, ok := b.opts.Fields[path[0]]; ok {
		field = &f
	}
	var atoms []atom
	var err error
	if field != nil && field.Time {
		atoms, err = timeAtoms(key, op, vals, b.opts.YAMLValues)
	} else {
		atoms, err = valueAtoms(key, op, vals, b.opts.YAMLValues)
	}
	if err != nil {
		return err
	}
	b.expr.conds = append(b.expr.conds, Cond{Key: key, Path: path, Op: op, Values: vals})
	if hasPosition(path) {
		b.expr.positional = true
	}
	l := &leaf{key: key, field: field, neg: op == OpNeq || op == OpNcont, atoms: atoms}
	// Walk down the groups named by the ANYINDEX prefixes.
	g := &b.expr.root
	rest := path
	for {
		i := slices.Index(rest, anyIndex)
		if i < 0 {
			break
		}
		g = g.child(rest[:i])
		rest = rest[i+1:]
	}
	l.path = rest
	g.nodes = append(g.nodes, node{leaf: l})
	return nil
}

// child returns the subgroup with this prefix, creating it on first use.
func (g *group) child(prefix []string) *group {
	for _, n := range g.nodes {
		if n.group != nil && slices.Equal(n.group.prefix, prefix) {
			return n.group
		}
	}
	c := &group{prefix: prefix}
	g.nodes = append(g.nodes, node{group: c})
	return c
}

// scalar is a typed query value: nil (null or missing), string, int64,
// float64 or bool.
type scalar = any

// typedValues reads one raw value as the values it matches. Without YAML a
// value is a string, plus the number it reads as, plus the boolean for
// true/false, and the empty value is null-or-missing (and the empty string).
func typedValues(key, raw string, yamlValues bool) ([]scalar, error) {
	if yamlValues {
		v, err := yamlScalar(key, raw)
		if err != nil {
			return nil, err
		}
		return []scalar{v}, nil
	}
	out := []scalar{raw}
	if raw == "" {
		out = append(out, nil)
	}
	if n, ok := parseNumber(raw); ok {
		out = append(out, n)
	}
	switch raw {
	case "true":
		out = append(out, true)
	case "false":
		out = append(out, false)
	}
	return out, nil
}

// parseNumber reads s as a JSON number: an int64 when it is an integer
// in range, else a float64. Other spellings (hex, "Inf", " 5") are strings.
func parseNumber(s string) (any, bool) {
	if !jsonNumber(s) {
		return nil, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	return f, true
}

// jsonNumber reports whether s is -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?.
func jsonNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(s)
}

// yamlScalar reads raw as one YAML scalar (OSM's Query-String-Format: yaml).
func yamlScalar(key, raw string) (scalar, error) {
	var v any
	if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
		return nil, invalid(key, "value %s is not a YAML scalar", models.Quote(raw))
	}
	switch v := v.(type) {
	case nil, bool:
		return v, nil
	case string:
		if err := checkText(key, v); err != nil {
			return nil, err
		}
		return v, nil
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), nil
		}
		return float64(v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, invalid(key, "value %q cannot be compared", raw)
		}
		return v, nil
	}
	return nil, invalid(key, "value %s is not a YAML scalar", models.Quote(raw))
}

// valueAtoms builds the atoms of a condition on a record attribute.
func valueAtoms(key string, op Op, raws []string, yamlValues bool) ([]atom, error) {
	if op.ordered() {
		atoms := make([]atom, 0, len(raws))
		for _, raw := range raws {
			v, err := orderedValue(key, op, raw, yamlValues)
			if err != nil {
				return nil, err
			}
			atoms = append(atoms, atom{kind: atomCmp, op: op, val: v})
		}
		return atoms, nil
	}
	var in []any
	null := false
	var subs []string
	for _, raw := range raws {
		typed, err := typedValues(key, raw, yamlValues)
		if err != nil {
			return nil, err
		}
		for _, t := range typed {
			if t == nil {
				null = true
				continue
			}
			if !slices.Contains(in, t) {
				in = append(in, t)
			}
		}
		if op == OpCont || op == OpNcont {
			// The substring test applies to the value as a string: in YAML
			// mode only to values that are strings.
			if s, ok := typed[0].(string); ok && !slices.Contains(subs, s) {
				subs = append(subs, s)
			}
		}
	}
	var atoms []atom
	if len(in) > 0 {
		atoms = append(atoms, atom{kind: atomIn, vals: in})
	}
	if null {
		atoms = append(atoms, atom{kind: atomNull})
	}
	for _, s := range subs {
		atoms = append(atoms, atom{kind: atomRegex, sub: s})
	}
	return atoms, nil
}

// orderedValue reads the operand of gt/gte/lt/lte: a number when it reads as
// one, else a string. Null, booleans and the empty value cannot be ordered.
func orderedValue(key string, op Op, raw string, yamlValues bool) (any, error) {
	if yamlValues {
		v, err := yamlScalar(key, raw)
		if err != nil {
			return nil, err
		}
		switch v := v.(type) {
		case string:
			return v, outOfRange(key, v)
		case int64, float64:
			return v, nil
		}
		return nil, invalid(key, "%s needs a number or a string, not %q", op, raw)
	}
	if raw == "" {
		return nil, invalid(key, "%s needs a value", op)
	}
	if n, ok := parseNumber(raw); ok {
		return n, nil
	}
	return raw, outOfRange(key, raw)
}

// outOfRange refuses a number too large for a double: compared as a
// string it would silently match no number at all.
func outOfRange(key, s string) error {
	if jsonNumber(s) {
		if _, ok := parseNumber(s); !ok {
			return invalid(key, "value %q is a number beyond the range the store compares (about ±1.8e308)", s)
		}
	}
	return nil
}
