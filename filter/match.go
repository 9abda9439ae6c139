package filter

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Match reports whether a rendered record (as models.Record.Rendered returns
// it) satisfies the expression. It evaluates exactly what MongoFilter asks
// MongoDB for, so it can finish the work of WideMongoFilter on a store that
// cannot evaluate everything (FerretDB and $elemMatch), and serve as the
// oracle of the differential tests.
//
// Values are what the driver decodes or encoding/json produces: nil, bool,
// string, numbers of any Go kind, time.Time, map[string]any (or another map
// with string keys, or a bson.D-like ordered document), []any (or any other
// slice, bson.A included). Anything else only exists (it never equals,
// contains or compares to a query value).
func (e Expr) Match(record map[string]any) bool {
	return e.root.matchAll(record)
}

// matchAll reports whether every node holds on doc (a document, or an array
// element used as a document inside ANYINDEX).
func (g *group) matchAll(doc any) bool {
	for _, n := range g.nodes {
		if n.leaf != nil {
			if !n.leaf.match(doc) {
				return false
			}
		} else if !n.group.matchElement(doc) {
			return false
		}
	}
	return true
}

// matchElement reports whether an array found at the group's prefix has an
// element on which all the group's nodes hold ($elemMatch: only elements
// that are documents or arrays are tried, each as a document).
func (g *group) matchElement(doc any) bool {
	return visit(doc, g.prefix, false, func(v any) bool {
		arr, ok := asArray(v)
		if !ok {
			return false
		}
		for _, el := range arr {
			if k := kindOf(el); (k == kObject || k == kArray) && g.matchAll(el) {
				return true
			}
		}
		return false
	})
}

func (l *leaf) match(doc any) bool {
	var ok bool
	if l.field != nil && l.field.Time {
		ok = l.matchTime(doc)
	} else {
		ok = l.matchValues(doc)
	}
	return ok != l.neg
}

func (l *leaf) matchValues(doc any) bool {
	for i := range l.atoms {
		a := &l.atoms[i]
		var hit bool
		switch a.kind {
		case atomNull:
			exists := visit(doc, l.path, true, func(v any) bool { return kindOf(v) != kMissing })
			hit = !exists || visit(doc, l.path, true, func(v any) bool { return kindOf(v) == kNull })
		default:
			hit = visit(doc, l.path, true, a.holds)
		}
		if hit {
			return true
		}
	}
	return false
}

// matchTime evaluates a condition on a time field of a rendered record,
// where the time is a string in the rendered format.
func (l *leaf) matchTime(doc any) bool {
	v := missing
	if m, ok := doc.(map[string]any); ok {
		if x, ok := m[l.path[0]]; ok {
			v = x
		}
	} else if x, ok := getField(doc, l.path[0]); ok {
		v = x
	}
	var t time.Time
	isTime := false
	switch x := v.(type) {
	case string:
		if tv, ok := parseTime(x); ok {
			t, isTime = tv.lo, true
		}
	case time.Time:
		t, isTime = x.UTC().Truncate(time.Millisecond), true
	}
	for _, a := range l.atoms {
		switch a.kind {
		case atomNull:
			if k := kindOf(v); k == kMissing || k == kNull {
				return true
			}
		case atomRange:
			if isTime && !t.Before(a.lo) && t.Before(a.hi) {
				return true
			}
		case atomCmp:
			if isTime && cmpOp(a.op, compareTime(t, a.val.(time.Time))) {
				return true
			}
		}
	}
	return false
}

// holds reports whether one value found at the path satisfies the atom.
func (a *atom) holds(v any) bool {
	switch a.kind {
	case atomIn:
		for _, c := range a.vals {
			if equalScalar(v, c) {
				return true
			}
		}
	case atomRegex:
		s, ok := v.(string)
		return ok && strings.Contains(s, a.sub)
	case atomCmp:
		c, ok := compareScalar(v, a.val)
		return ok && cmpOp(a.op, c)
	case atomRange:
		t, ok := v.(time.Time)
		if !ok {
			return false
		}
		t = t.UTC().Truncate(time.Millisecond)
		return !t.Before(a.lo) && t.Before(a.hi)
	}
	return false
}

func cmpOp(op Op, c int) bool {
	switch op {
	case OpGt:
		return c > 0
	case OpGte:
		return c >= 0
	case OpLt:
		return c < 0
	case OpLte:
		return c <= 0
	}
	return false
}

func compareTime(a, b time.Time) int {
	am, bm := a.UnixMilli(), b.UnixMilli()
	switch {
	case am < bm:
		return -1
	case am > bm:
		return 1
	}
	return 0
}

// --- MongoDB's resolution of a dotted path ---------------------------------

// missingT marks an attribute that is not there (MongoDB's EOO element).
type missingT struct{}

var missing any = missingT{}

// visit calls fn on each element MongoDB's path iterator yields for path
// in doc, until fn returns true; it reports whether fn did. As in MongoDB
// (src/mongo/db/matcher/path.cpp): objects are walked by name; an array met
// before the end of the path is traversed: its objects are walked with the
// rest of the path, and when the next segment is a number the element at
// that position is taken too (an object is then walked both ways), and
// other elements are skipped; a missing attribute yields one "missing" (also
// under an object of a traversed array). With leafArrays, an array at the
// end of the path yields each element and then itself; without (the
// $elemMatch path), only itself. An array reached by its position is
// yielded as it is.
func visit(doc any, path []string, leafArrays bool, fn func(any) bool) bool {
	// Walk objects by name until the path ends or meets an array.
	cur := doc
	i := 0
	res := missing
	for i < len(path) {
		v, ok := getField(cur, path[i])
		if !ok {
			res = missing
			break
		}
		res = v
		k := kindOf(v)
		if k == kObject {
			cur = v
			i++
			continue
		}
		if k != kArray && i+1 < len(path) {
			res = missing // a scalar in the middle of the path
		}
		break
	}
	arr, isArr := asArray(res)
	if !isArr {
		return fn(res)
	}
	rest := path[i+1:]
	if len(rest) == 0 {
		if leafArrays {
			for _, el := range arr {
				if fn(el) {
					return true
				}
			}
		}
		return fn(res)
	}
	return visitArray(arr, rest, leafArrays, fn)
}

// visitArray traverses an array met before the end of the path.
func visitArray(arr []any, rest []string, leafArrays bool, fn func(any) bool) bool {
	pos := -1
	if IsDigits(rest[0]) && (len(rest[0]) == 1 || rest[0][0] != '0') && len(rest[0]) <= maxIndexLen {
		pos, _ = strconv.Atoi(rest[0])
	}
	for idx, el := range arr {
		atPos := idx == pos
		switch kindOf(el) {
		case kObject:
			if visit(el, rest, leafArrays, fn) {
				return true
			}
			if atPos {
				if len(rest) == 1 {
					if fn(el) {
						return true
					}
				} else if visit(el, rest[1:], leafArrays, fn) {
					return true
				}
			}
		case kArray:
			if atPos {
				if len(rest) == 1 {
					if fn(el) {
						return true
					}
				} else {
					inner, _ := asArray(el)
					if visitArray(inner, rest[1:], leafArrays, fn) {
						return true
					}
				}
			}
		default:
			if atPos && len(rest) == 1 && fn(el) {
				return true
			}
		}
	}
	return false
}

// --- values -------------------------------------------------------------

type kind uint8

const (
	kMissing kind = iota
	kNull
	kNumber
	kString
	kBool
	kObject
	kArray
	kTime
	kOther
)

// kindOf classifies a value the way BSON types group for comparison.
func kindOf(v any) kind {
	switch v.(type) {
	case nil:
		return kNull
	case missingT:
		return kMissing
	case string:
		return kString
	case bool:
		return kBool
	case int32, int64, float64, int:
		return kNumber
	case map[string]any:
		return kObject
	case []any:
		return kArray
	case time.Time:
		return kTime
	}
	rv := reflect.ValueOf(v)
	t := rv.Type()
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return kNull
		}
		return kOther
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return kObject
		}
	case reflect.Slice:
		if isOrderedDoc(t) {
			return kObject
		}
		if t.Elem().Kind() == reflect.Uint8 { // binary data
			return kOther
		}
		return kArray
	case reflect.Array:
		return kOther // ObjectID and other fixed-size binaries
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if t.PkgPath() == "" { // named numbers (bson.DateTime...) are other types
			return kNumber
		}
	}
	return kOther // named strings and booleans too: BSON has no such types
}

// isOrderedDoc reports whether t is a slice of {Key string; Value any}
// pairs, like the driver's bson.D.
func isOrderedDoc(t reflect.Type) bool {
	e := t.Elem()
	if e.Kind() != reflect.Struct || e.NumField() != 2 {
		return false
	}
	k, v := e.Field(0), e.Field(1)
	return k.Name == "Key" && k.Type.Kind() == reflect.String &&
		v.Name == "Value" && v.Type.Kind() == reflect.Interface
}

var anySliceType = reflect.TypeOf([]any(nil))

// asArray returns v's elements when v is an array.
func asArray(v any) ([]any, bool) {
	if a, ok := v.([]any); ok {
		return a, true
	}
	if kindOf(v) != kArray {
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Type().Elem().Kind() == reflect.Interface && rv.Type().Elem().NumMethod() == 0 {
		return rv.Convert(anySliceType).Interface().([]any), true // bson.A
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// getField looks a name up in a document, or a position (canonical
// decimal) in an array used as a document.
func getField(doc any, name string) (any, bool) {
	if m, ok := doc.(map[string]any); ok {
		v, ok := m[name]
		return v, ok
	}
	switch kindOf(doc) {
	case kObject:
		rv := reflect.ValueOf(doc)
		if rv.Kind() == reflect.Map {
			if rv.IsNil() {
				return nil, false
			}
			x := rv.MapIndex(reflect.ValueOf(name).Convert(rv.Type().Key()))
			if !x.IsValid() {
				return nil, false
			}
			return x.Interface(), true
		}
		for i := 0; i < rv.Len(); i++ { // bson.D
			if e := rv.Index(i); e.Field(0).String() == name {
				return e.Field(1).Interface(), true
			}
		}
	case kArray:
		if !IsDigits(name) || (len(name) > 1 && name[0] == '0') || len(name) > maxIndexLen {
			return nil, false
		}
		arr, _ := asArray(doc)
		i, _ := strconv.Atoi(name)
		if i < len(arr) {
			return arr[i], true
		}
	}
	return nil, false
}

// number is a numeric value: an integer when isInt, else a float.
type number struct {
	isInt bool
	i     int64
	f     float64
}

func toNumber(v any) (number, bool) {
	switch x := v.(type) {
	case int64:
		return number{isInt: true, i: x}, true
	case int32:
		return number{isInt: true, i: int64(x)}, true
	case int:
		return number{isInt: true, i: int64(x)}, true
	case float64:
		return number{f: x}, true
	}
	if kindOf(v) != kNumber {
		return number{}, false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return number{isInt: true, i: rv.Int()}, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if u := rv.Uint(); u <= math.MaxInt64 {
			return number{isInt: true, i: int64(u)}, true
		}
		return number{f: float64(rv.Uint())}, true
	case reflect.Float32, reflect.Float64:
		return number{f: rv.Float()}, true
	}
	return number{}, false
}

// compareNumbers compares exactly (an int64 and a float64 are compared
// without rounding). ok is false when either is NaN: MongoDB's NaN equals
// only NaN and never orders against anything.
func compareNumbers(a, b number) (c int, ok bool) {
	switch {
	case a.isInt && b.isInt:
		return cmp3(a.i, b.i), true
	case !a.isInt && !b.isInt:
		if math.IsNaN(a.f) || math.IsNaN(b.f) {
			return 0, false
		}
		return cmp3(a.f, b.f), true
	case a.isInt:
		c, ok := compareIntFloat(a.i, b.f)
		return c, ok
	default:
		c, ok := compareIntFloat(b.i, a.f)
		return -c, ok
	}
}

func compareIntFloat(i int64, f float64) (int, bool) {
	switch {
	case math.IsNaN(f):
		return 0, false
	case f >= 0x1p63:
		return -1, true
	case f < -0x1p63:
		return 1, true
	}
	t := math.Trunc(f)
	if c := cmp3(i, int64(t)); c != 0 {
		return c, true
	}
	switch {
	case f > t:
		return -1, true
	case f < t:
		return 1, true
	}
	return 0, true
}

func cmp3[T int64 | float64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// equalScalar reports whether a record value equals a query value (string,
// int64, float64 or bool), types never crossing.
func equalScalar(v, q any) bool {
	switch q := q.(type) {
	case string:
		s, ok := v.(string)
		return ok && s == q
	case bool:
		b, ok := v.(bool)
		return ok && b == q
	case int64, float64:
		a, ok := toNumber(v)
		if !ok {
			return false
		}
		qn, _ := toNumber(q)
		c, ok := compareNumbers(a, qn)
		return ok && c == 0
	}
	return false
}

// compareScalar orders a record value against a query value (int64,
// float64, string or time.Time) within one type bracket; ok is false across
// brackets, as MongoDB's comparison operators never match across types.
func compareScalar(v, q any) (int, bool) {
	switch q := q.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return cmp3(s, q), true
	case time.Time:
		t, ok := v.(time.Time)
		if !ok {
			return 0, false
		}
		return compareTime(t, q), true
	case int64, float64:
		a, ok := toNumber(v)
		if !ok {
			return 0, false
		}
		qn, _ := toNumber(q)
		return compareNumbers(a, qn)
	}
	return 0, false
}
