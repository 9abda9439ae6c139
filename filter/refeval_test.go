package filter

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Two reference evaluators of filter documents, for the operators this
// package emits, written apart from Match so the tests compare two
// implementations:
//
//   - mongoEval follows MongoDB (src/mongo/db/matcher: path.cpp's element
//     iterator, expression_leaf.cpp, expression_array.cpp);
//   - ferretEval follows FerretDB v1.24 (internal/handler/common/filter.go,
//     commonpath.FindValues, types.Compare and CompareOrderForOperator),
//     which the embedded store runs.
//
// Documents are the decoded forms: M, A, namedArray, orderedDoc, scalars.

type absentT struct{}

var absent = absentT{}

func refObject(v any) (M, bool) {
	switch x := v.(type) {
	case M:
		return x, true
	case orderedDoc:
		m := M{}
		for _, p := range x {
			m[p.Key] = p.Value
		}
		return m, true
	}
	return nil, false
}

func refArray(v any) (A, bool) {
	switch x := v.(type) {
	case A:
		return x, true
	case namedArray:
		return A(x), true
	}
	return nil, false
}

// --- MongoDB -------------------------------------------------------------

func mongoEval(doc M, f M) bool {
	for k, v := range f {
		if !mongoPair(doc, k, v) {
			return false
		}
	}
	return true
}

func mongoPair(doc M, k string, v any) bool {
	switch k {
	case "$and", "$or", "$nor":
		list := v.([]any)
		if len(list) == 0 {
			panic(k + " with an empty list is refused by the server")
		}
		n := 0
		for _, sub := range list {
			if mongoEval(doc, sub.(map[string]any)) {
				n++
			}
		}
		switch k {
		case "$and":
			return n == len(list)
		case "$or":
			return n > 0
		}
		return n == 0
	}
	if strings.HasPrefix(k, "$") {
		panic("unexpected top-level operator " + k)
	}
	ops, ok := v.(map[string]any)
	if !ok {
		ops = map[string]any{"$in": []any{v}} // {path: value} is equality
	}
	if len(ops) != 1 {
		panic(fmt.Sprintf("expected one operator per document, got %v", ops))
	}
	path := strings.Split(k, ".")
	for op, arg := range ops {
		if op == "$elemMatch" {
			for _, el := range mongoElems(doc, path, false) {
				arr, ok := refArray(el)
				if !ok {
					continue
				}
				for _, x := range arr {
					if sub, ok := asSubDoc(x); ok && mongoEval(sub, arg.(map[string]any)) {
						return true
					}
				}
			}
			return false
		}
		elems := mongoElems(doc, path, true)
		switch op {
		case "$exists":
			if arg != false {
				panic("only $exists: false is emitted")
			}
			for _, e := range elems {
				if e != absent {
					return false
				}
			}
			return true
		case "$type":
			if arg != "null" {
				panic("only $type: null is emitted")
			}
			for _, e := range elems {
				if e == nil {
					return true
				}
			}
			return false
		case "$in":
			for _, e := range elems {
				for _, q := range arg.([]any) {
					if c, ok := mongoCompare(e, q); ok && c == 0 {
						return true
					}
				}
			}
			return false
		case "$regex":
			re := regexp.MustCompile(arg.(string))
			for _, e := range elems {
				if s, ok := e.(string); ok && re.MatchString(s) {
					return true
				}
			}
			return false
		case "$gt", "$gte", "$lt", "$lte":
			for _, e := range elems {
				c, ok := mongoCompare(e, arg)
				if !ok {
					continue
				}
				if (op == "$gt" && c > 0) || (op == "$gte" && c >= 0) || (op == "$lt" && c < 0) || (op == "$lte" && c <= 0) {
					return true
				}
			}
			return false
		}
		panic("unexpected operator " + op)
	}
	return false
}

// asSubDoc is an $elemMatch element as a document: objects, and arrays as
// documents keyed "0", "1", ...
func asSubDoc(x any) (M, bool) {
	if o, ok := refObject(x); ok {
		return o, true
	}
	if a, ok := refArray(x); ok {
		m := M{}
		for i, v := range a {
			m[strconv.Itoa(i)] = v
		}
		return m, true
	}
	return nil, false
}

// mongoElems lists what MongoDB's BSONElementIterator yields.
func mongoElems(obj M, parts []string, leafTraverse bool) []any {
	var res any = absent
	idx := 0
	cur := obj
	for idx < len(parts) {
		v, ok := cur[parts[idx]]
		if !ok {
			res = absent
			break
		}
		res = v
		if o, isObj := refObject(v); isObj {
			cur = o
			idx++
			continue
		}
		if _, isArr := refArray(v); isArr {
			break
		}
		if idx+1 < len(parts) {
			res = absent
		}
		break
	}
	arr, isArr := refArray(res)
	if !isArr {
		return []any{res}
	}
	rest := parts[idx+1:]
	if len(rest) == 0 {
		var out []any
		if leafTraverse {
			out = append(out, arr...)
		}
		return append(out, res)
	}
	return mongoArrayElems(arr, rest, leafTraverse)
}

func mongoArrayElems(arr A, rest []string, leafTraverse bool) []any {
	var out []any
	for i, el := range arr {
		offset := rest[0] == strconv.Itoa(i)
		if o, isObj := refObject(el); isObj {
			out = append(out, mongoElems(o, rest, leafTraverse)...)
			if offset {
				if len(rest) == 1 {
					out = append(out, el)
				} else {
					out = append(out, mongoElems(o, rest[1:], leafTraverse)...)
				}
			}
			continue
		}
		if offset {
			if len(rest) == 1 {
				out = append(out, el)
			} else if inner, ok := refArray(el); ok {
				out = append(out, mongoArrayElems(inner, rest[1:], leafTraverse)...)
			}
		}
	}
	return out
}

type bracket int

const (
	brOther bracket = iota
	brNumber
	brString
	brBool
	brDate
)

func bracketOf(v any) bracket {
	switch v.(type) {
	case int32, int64, float64:
		return brNumber
	case string:
		return brString
	case bool:
		return brBool
	case time.Time:
		return brDate
	}
	return brOther
}

// mongoCompare compares a document element with a query value within a
// type bracket; ok is false across brackets or with NaN.
func mongoCompare(e, q any) (int, bool) {
	be, bq := bracketOf(e), bracketOf(q)
	if be != bq || be == brOther {
		return 0, false
	}
	switch be {
	case brNumber:
		x, okx := bigOf(e)
		y, oky := bigOf(q)
		if !okx || !oky {
			return 0, false
		}
		return x.Cmp(y), true
	case brString:
		return strings.Compare(e.(string), q.(string)), true
	case brBool:
		if e.(bool) == q.(bool) {
			return 0, true
		}
		if q.(bool) {
			return -1, true
		}
		return 1, true
	case brDate:
		a, b := e.(time.Time).UnixMilli(), q.(time.Time).UnixMilli()
		return cmp3(a, b), true
	}
	return 0, false
}

func bigOf(v any) (*big.Float, bool) {
	switch x := v.(type) {
	case int32:
		return new(big.Float).SetInt64(int64(x)), true
	case int64:
		return new(big.Float).SetInt64(x), true
	case float64:
		if math.IsNaN(x) {
			return nil, false
		}
		return new(big.Float).SetFloat64(x), true
	}
	return nil, false
}

// --- FerretDB v1 ---------------------------------------------------------

// ferretNull is FerretDB's types.Null, distinct from a missing field.
func ferretEval(doc M, f M) bool {
	for k, v := range f {
		if !ferretPair(doc, k, v) {
			return false
		}
	}
	return true
}

func ferretPair(doc M, k string, v any) bool {
	switch k {
	case "$and", "$or", "$nor":
		list := v.([]any)
		if len(list) == 0 {
			panic(k + " with an empty list is refused by FerretDB")
		}
		for _, sub := range list {
			m := ferretEval(doc, sub.(map[string]any))
			switch {
			case k == "$and" && !m:
				return false
			case k == "$or" && m:
				return true
			case k == "$nor" && m:
				return false
			}
		}
		return k != "$or"
	}
	var vals []any
	if strings.Contains(k, ".") {
		vals = ferretFindValues(doc, strings.Split(k, "."))
	} else if x, ok := doc[k]; ok {
		vals = []any{x}
	}
	ops, ok := v.(map[string]any)
	if !ok {
		// {path: value}: FerretDB compares each value found with it (and a
		// missing field never equals a non-null value).
		for _, val := range vals {
			if ferretEqual(val, v) {
				return true
			}
		}
		return false
	}
	if len(ops) != 1 {
		panic(fmt.Sprintf("expected one operator per document, got %v", ops))
	}
	if len(vals) == 0 {
		vals = []any{absent}
	}
	for op, arg := range ops {
		for _, val := range vals {
			if ferretOp(op, val, arg) {
				return true
			}
		}
	}
	return false
}

func ferretFindValues(doc M, path []string) []any {
	next := []any{doc}
	for _, seg := range path {
		var values []any
		for _, n := range next {
			if o, ok := refObject(n); ok {
				if v, ok := o[seg]; ok {
					values = append(values, v)
				}
				continue
			}
			arr, ok := refArray(n)
			if !ok {
				continue
			}
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(arr) {
				values = append(values, arr[i])
				continue
			}
			for _, el := range arr {
				if o, ok := refObject(el); ok {
					if v, ok := o[seg]; ok {
						values = append(values, v)
					}
				}
			}
		}
		next = values
	}
	return next
}

func ferretOp(op string, val, arg any) bool {
	switch op {
	case "$exists":
		return (val != absent) == arg.(bool)
	case "$type":
		if val == absent {
			return false
		}
		if val == nil {
			return true
		}
		if arr, ok := refArray(val); ok {
			for _, el := range arr {
				if el == nil {
					return true
				}
			}
		}
		return false
	case "$elemMatch":
		panic("$elemMatch must not reach FerretDB")
	}
	if val == absent {
		val = nil // FerretDB compares a missing field as null
	}
	switch op {
	case "$in":
		for _, q := range arg.([]any) {
			if ferretEqual(val, q) {
				return true
			}
		}
		return false
	case "$regex":
		re := regexp.MustCompile(arg.(string))
		if s, ok := val.(string); ok {
			return re.MatchString(s)
		}
		if arr, ok := refArray(val); ok {
			for _, el := range arr {
				if s, ok := el.(string); ok && re.MatchString(s) {
					return true
				}
			}
		}
		return false
	case "$gt", "$gte", "$lt", "$lte":
		cand := val
		if arr, ok := refArray(val); ok {
			// The array's maximum (gt, gte) or minimum (lt, lte) of the
			// query value's type.
			var best any
			for _, el := range arr {
				if bracketOf(el) != bracketOf(arg) {
					continue
				}
				c, _ := mongoCompare(el, best)
				if best == nil || (strings.HasPrefix(op, "$g") && c > 0) || (strings.HasPrefix(op, "$l") && c < 0) {
					best = el
				}
			}
			if best == nil {
				return false
			}
			cand = best
		}
		c, ok := mongoCompare(cand, arg)
		if !ok {
			return false
		}
		switch op {
		case "$gt":
			return c > 0
		case "$gte":
			return c >= 0
		case "$lt":
			return c < 0
		}
		return c <= 0
	}
	panic("unexpected operator " + op)
}

// ferretEqual is types.Compare(val, q) == Equal for a scalar q: an array
// equals when one of its elements (of q's type) does.
func ferretEqual(val, q any) bool {
	if arr, ok := refArray(val); ok {
		for _, el := range arr {
			if c, ok := mongoCompare(el, q); ok && c == 0 {
				return true
			}
		}
		return false
	}
	c, ok := mongoCompare(val, q)
	return ok && c == 0
}
