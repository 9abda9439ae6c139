// Package filtertest generates random records and random SOL005 queries
// for the differential tests of the query engine: filter's property tests
// evaluate them in Go, repo's run them through the real store.
package filtertest

import (
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NamedArray stands for an array type of the driver's (bson.A): the
// matcher must read every slice type a record can hold.
type NamedArray []any

// Gen draws records and queries from a small vocabulary, so that queries
// often hit what records hold (equal values, ties, shared prefixes).
type Gen struct {
	R *rand.Rand
	// Storable leaves out arrays directly inside arrays, which FerretDB v1
	// refuses to store.
	Storable bool
}

var (
	// Keys are the attribute names records use; "0" and "1" look like
	// array positions on purpose.
	Keys    = []string{"a", "b", "c", "0", "1"}
	strs    = []string{"", "a", "ab", "b", "5", "2.5", "true", "x.y", "A*", "B", "-1"}
	segs    = []string{"a", "b", "c", "0", "1", "ANYINDEX"}
	ops     = []string{"", ".eq", ".neq", ".ne", ".gt", ".gte", ".lt", ".lte", ".cont", ".ncont"}
	values  = []string{"", "a", "ab", "b", "5", "2.5", "-1", "0", "true", "false", "x.y", "A*", "B", "'5'", "~"}
	timeQs  = []string{"2018-02-26", "2018-02-25", "2018-02-26T17:58:51.758Z", "2018-02-26T18:58:51.758+01:00", "2018-02-26T17:58:51.7585Z", "2018-02-27T00:00:00Z", "2019-01-01", ""}
	genTime = []string{"2018-02-25T23:59:59.999Z", "2018-02-26T00:00:00Z", "2018-02-26T17:58:51.758Z", "2018-02-26T17:58:51.759Z", "2018-02-27T00:00:00Z", "2019-01-01T12:00:00Z"}
)

// Times are the envelope times records get: close pairs around the
// boundaries the time queries name.
var Times = func() []time.Time {
	out := make([]time.Time, len(genTime))
	for i, s := range genTime {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		out[i] = t.UTC()
	}
	return out
}()

// Time is one of Times.
func (g Gen) Time() time.Time { return Times[g.R.IntN(len(Times))] }

// Scalar is a random JSON scalar, integers as int32 or int64 like the
// driver decodes them.
func (g Gen) Scalar() any {
	r := g.R
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return int32(r.IntN(8) - 2)
	case 3:
		return int64(r.IntN(8) - 2)
	case 4:
		return []float64{-1, 0, 2.5, 5, 5.5}[r.IntN(5)]
	default:
		return strs[r.IntN(len(strs))]
	}
}

// Value is a random value nested up to depth levels.
func (g Gen) Value(depth int) any {
	if depth == 0 {
		return g.Scalar()
	}
	switch g.R.IntN(7) {
	case 6: // objects alike, as in real records (arrays of VDUs)
		arr := make([]any, 1+g.R.IntN(3))
		for i := range arr {
			o := map[string]any{}
			for _, k := range []string{"a", "b"} {
				if g.R.IntN(4) > 0 {
					o[k] = []any{int32(1), int64(2), "a", "b", nil, []any{"a", int32(1)}}[g.R.IntN(6)]
				}
			}
			arr[i] = o
		}
		return arr
	case 0, 1:
		return g.Object(depth - 1)
	case 2, 3:
		arr := make([]any, g.R.IntN(4))
		for i := range arr {
			arr[i] = g.Value(depth - 1)
			if _, nested := array(arr[i]); nested && g.Storable {
				arr[i] = g.Object(depth - 1)
			}
		}
		if g.R.IntN(4) == 0 {
			return NamedArray(arr)
		}
		return arr
	}
	return g.Scalar()
}

// Object is a random object of up to three of Keys.
func (g Gen) Object(depth int) map[string]any {
	m := map[string]any{}
	for range g.R.IntN(4) {
		m[Keys[g.R.IntN(len(Keys))]] = g.Value(depth)
	}
	return m
}

// Fields are a record's own attributes: one to three of a, b, c and "0".
func (g Gen) Fields() map[string]any {
	fields := map[string]any{}
	for range 1 + g.R.IntN(3) {
		fields[Keys[g.R.IntN(4)]] = g.Value(3)
	}
	return fields
}

// Query builds a random query string, possibly one the parser refuses:
// conditions on created_at, updated_at, uuid (one of uuids, whole or its
// first 8 characters), paths into the rendered records of from, or
// made-up paths.
func (g Gen) Query(from []map[string]any, uuids []string) string {
	r := g.R
	var parts []string
	for range 1 + r.IntN(3) {
		op := ops[r.IntN(len(ops))]
		switch r.IntN(8) {
		case 0:
			f := []string{"created_at", "updated_at"}[r.IntN(2)]
			parts = append(parts, f+op+"="+url.QueryEscape(timeQs[r.IntN(len(timeQs))]))
			continue
		case 1:
			parts = append(parts, "uuid"+op+"="+uuids[r.IntN(len(uuids))][:8+r.IntN(2)*28])
			continue
		}
		var path, found []string
		if len(from) > 0 && r.IntN(3) > 0 {
			path, found = g.PathFrom(from[r.IntN(len(from))])
		} else {
			path = []string{Keys[r.IntN(4)]}
			for range r.IntN(3) {
				path = append(path, segs[r.IntN(len(segs))])
			}
		}
		vals := []string{values[r.IntN(len(values))]}
		switch {
		case r.IntN(6) == 0:
			vals[0] = "" // null or missing
		case len(found) > 0 && r.IntN(2) == 0:
			vals[0] = found[r.IntN(len(found))]
		}
		if r.IntN(3) == 0 {
			vals = append(vals, values[r.IntN(len(values))])
		}
		parts = append(parts, strings.Join(path, ".")+op+"="+url.QueryEscape(strings.Join(vals, ",")))
	}
	return strings.Join(parts, "&")
}

// Sort is a random sort parameter over the attributes records use and the
// envelope's, possibly empty.
func (g Gen) Sort() string {
	attrs := []string{"a", "b", "c", "a.a", "b.0", "c.b", "created_at", "updated_at", "uuid"}
	var keys []string
	for range g.R.IntN(3) {
		k := attrs[g.R.IntN(len(attrs))]
		if g.R.IntN(2) == 0 {
			k = "-" + k
		}
		keys = append(keys, k)
	}
	return strings.Join(keys, ",")
}

// PathFrom walks a rendered record at random and returns a path that
// reaches into it: through arrays by ANYINDEX, a position, or implicitly;
// sometimes one segment past what is there. found are the scalars under
// where it ends, as query text.
func (g Gen) PathFrom(rec map[string]any) (path []string, found []string) {
	r := g.R
	var cur any = rec
	for len(path) < 5 {
		if o, ok := cur.(map[string]any); ok && len(o) > 0 {
			keys := make([]string, 0, len(o))
			for k := range o {
				if k != "uuid" && k != "created_at" && k != "updated_at" {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				break
			}
			slices.Sort(keys)
			k := keys[r.IntN(len(keys))]
			path = append(path, k)
			cur = o[k]
		} else if a, ok := array(cur); ok && len(a) > 0 && len(path) > 0 {
			i := r.IntN(len(a))
			switch r.IntN(3) {
			case 0:
				path = append(path, "ANYINDEX")
			case 1:
				path = append(path, strconv.Itoa(i))
			}
			cur = a[i]
			continue
		} else {
			break
		}
		if r.IntN(3) == 0 {
			break
		}
	}
	if len(path) == 0 || path[len(path)-1] == "ANYINDEX" || r.IntN(5) == 0 {
		path = append(path, Keys[r.IntN(len(Keys))])
	}
	var collect func(v any, depth int)
	collect = func(v any, depth int) {
		switch x := v.(type) {
		case string:
			found = append(found, x)
		case bool:
			found = append(found, strconv.FormatBool(x))
		case int32:
			found = append(found, strconv.Itoa(int(x)))
		case int64:
			found = append(found, strconv.FormatInt(x, 10))
		case float64:
			found = append(found, strconv.FormatFloat(x, 'g', -1, 64))
		}
		if depth > 0 {
			if o, ok := v.(map[string]any); ok {
				for _, e := range o {
					collect(e, depth-1)
				}
			} else if a, ok := array(v); ok {
				for _, e := range a {
					collect(e, depth-1)
				}
			}
		}
	}
	collect(cur, 3)
	slices.Sort(found)
	return path, found
}

func array(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case NamedArray:
		return x, true
	}
	return nil, false
}
