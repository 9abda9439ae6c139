package filter

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nfv-records/nfv-records/models"
)

// List order (sort=) and its total order on rendered records.
//
// A list is paged with a keyset cursor (see marker.go): a page ends at a
// Position and the next one starts strictly after it. That only works when
// the order is total, so every Sort ends with the record's uuid, and only
// when pages are cut by one order: Compare. The values a key reads follow
// MongoDB's sort semantics (KeyOf), compared in BSON order (compareValues),
// so that a first page sorted by the server meets the next ones sorted here;
// the two differ only on empty arrays and on documents (see KeyOf and
// compareValues).

// MaxSortKeys bounds the keys of one sort=: each key costs the store a sort
// stage field and every marker a value.
const MaxSortKeys = 8

const (
	sortParam        = "sort"
	defaultSortField = models.FieldCreatedAt
)

// SortKey is one key of a list order.
type SortKey struct {
	Path []string // rendered path, e.g. ["created_at"], ["virtual_deployment_units","id"]
	Desc bool
	Time bool // a time field (Options.Fields[...].Time): values are instants
}

// Sort is a total order on records: its keys, then uuid as the tie-breaker.
type Sort struct {
	Keys     []SortKey
	UUIDDesc bool // tie-break direction: true for the default order, false (ascending) for client orders
}

// DefaultSort is the order lists use without sort=: newest first
// (created_at descending), ties by uuid descending, so that the store can
// walk one compound index backwards.
func DefaultSort(opts Options) Sort {
	created := defaultSortField
	if opts.Created != "" {
		created = opts.Created
	}
	return Sort{Keys: []SortKey{sortKey([]string{created}, true, opts.Fields)}, UUIDDesc: true}
}

func sortKey(path []string, desc bool, fields Fields) SortKey {
	k := SortKey{Path: path, Desc: desc}
	if f, ok := fields[path[0]]; ok {
		k.Time = f.Time
	}
	return k
}

func sortInvalid(item, format string, args ...any) error {
	return models.Errorf(models.CodeInvalid, "query parameter %q: item %s: "+format,
		append([]any{sortParam, models.Quote(item)}, args...)...)
}

func sortInvalidAll(format string, args ...any) error {
	return models.Errorf(models.CodeInvalid, "query parameter %q: "+format, append([]any{sortParam}, args...)...)
}

// ParseSort reads the "sort" key of a query string: "sort=a,-b.c,+d"
// (leading '-' descending, optional '+' ascending). Absent ->
// DefaultSort(opts). Errors: *models.Error CodeInvalid naming the key
// "sort" and the bad item.
//
// A leading space is read as '+': that is what an unescaped '+' in a query
// string decodes to. Only one sign is read, so "--x" is the attribute "-x"
// descending. Client orders break ties by ascending uuid, except that an
// order with the very keys of the default (sort=-created_at) is the default
// order, so that asking for it explicitly still uses the store's index.
func ParseSort(values url.Values, opts Options) (Sort, error) {
	raws := values[sortParam]
	switch {
	case len(raws) == 0:
		return DefaultSort(opts), nil
	case len(raws) > 1:
		return Sort{}, sortInvalidAll("given %d times: give one sort, its keys comma-separated (sort=-created_at,status)", len(raws))
	}
	raw := raws[0]
	switch {
	case raw == "":
		return Sort{}, sortInvalidAll("empty: give attribute names, comma-separated, '-' before one for descending (sort=-created_at,status)")
	case len(raw) > MaxValueBytes:
		return Sort{}, sortInvalidAll("longer than %d bytes", MaxValueBytes)
	case !utf8.ValidString(raw):
		return Sort{}, sortInvalidAll("not valid UTF-8")
	}
	items := strings.Split(raw, ",")
	if len(items) > MaxSortKeys {
		return Sort{}, sortInvalidAll("%d keys: at most %d", len(items), MaxSortKeys)
	}
	s := Sort{Keys: make([]SortKey, 0, len(items))}
	for _, item := range items {
		k, err := parseSortItem(item, opts.Fields)
		if err != nil {
			return Sort{}, err
		}
		for _, prev := range s.Keys {
			if slices.Equal(prev.Path, k.Path) {
				return Sort{}, sortInvalid(item, "%s appears twice in the order", strings.Join(k.Path, "."))
			}
		}
		s.Keys = append(s.Keys, k)
	}
	if s.hasDefaultKeys() {
		return DefaultSort(opts), nil
	}
	return s, nil
}

// parseSortItem reads one comma-separated item: a sign and a path with the
// segment grammar of filter keys, minus operators and ANYINDEX.
func parseSortItem(item string, fields Fields) (SortKey, error) {
	p, desc := item, false
	if p != "" {
		switch p[0] {
		case '-':
			desc = true
			p = p[1:]
		case '+', ' ':
			p = p[1:]
		}
	}
	if p == "" {
		return SortKey{}, sortInvalid(item, "empty attribute name")
	}
	if len(p) > MaxKeyBytes {
		return SortKey{}, sortInvalid(item[:32]+"...", "path longer than %d bytes", MaxKeyBytes)
	}
	segs := strings.Split(p, ".")
	if len(segs) > MaxDepth {
		return SortKey{}, sortInvalid(item, "path deeper than %d attributes", MaxDepth)
	}
	for _, s := range segs {
		switch {
		case s == "":
			return SortKey{}, sortInvalid(item, "empty attribute name")
		case s == anyIndex:
			// A sort key already reads every element of the arrays on its
			// path (the least or greatest value): there is no element to tie.
			return SortKey{}, sortInvalid(item, "ANYINDEX has no meaning in a sort: a path through an array sorts by its least element (greatest when descending)")
		case IsDigits(s):
			if len(s) > 1 && s[0] == '0' {
				return SortKey{}, sortInvalid(item, "array position %q has a leading zero", s)
			}
			if len(s) > maxIndexLen {
				return SortKey{}, sortInvalid(item, "array position %q is too large", s)
			}
		case !PlainName(s):
			return SortKey{}, sortInvalid(item, "attribute name %q: only letters, digits, '_', '-' and ':' are allowed", s)
		}
	}
	if protected[segs[0]] {
		return SortKey{}, sortInvalid(item, "%s is not sortable", segs[0])
	}
	if _, ok := fields[segs[0]]; ok && len(segs) > 1 {
		return SortKey{}, sortInvalid(item, "%s has no sub-attributes", segs[0])
	}
	return sortKey(segs, desc, fields), nil
}

func (s Sort) hasDefaultKeys() bool {
	return len(s.Keys) == 1 && s.Keys[0].Desc && slices.Equal(s.Keys[0].Path, []string{defaultSortField})
}

func (s Sort) hasUUIDKey() bool {
	for _, k := range s.Keys {
		if slices.Equal(k.Path, []string{models.FieldUUID}) {
			return true
		}
	}
	return false
}

// IsDefault reports whether s is DefaultSort (so the repository can use its
// index). Time is not compared: it comes from the Options.
func (s Sort) IsDefault() bool { return s.hasDefaultKeys() && s.UUIDDesc }

// String is the canonical text of the order, e.g. "-created_at" or
// "status,-name" (used inside markers and logs). ParseSort reads it back as
// the same order. Two Sorts with the same String order records alike: a
// tie-break that ParseSort would not have chosen for these keys (only a
// hand-built Sort has one) is written out as a last uuid key.
func (s Sort) String() string {
	var b strings.Builder
	for i, k := range s.Keys {
		if i > 0 {
			b.WriteByte(',')
		}
		switch {
		case k.Desc:
			b.WriteByte('-')
		case len(k.Path) > 0 && strings.HasPrefix(k.Path[0], "-"):
			b.WriteByte('+') // "-x" ascending must not read as x descending
		}
		b.WriteString(strings.Join(k.Path, "."))
	}
	if len(s.Keys) == 0 || s.UUIDDesc != s.hasDefaultKeys() && !s.hasUUIDKey() {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if s.UUIDDesc {
			b.WriteByte('-')
		}
		b.WriteString(models.FieldUUID)
	}
	return b.String()
}

// KeyOf returns the sort value of each key for a rendered record (one
// entry per s.Keys).
//
// As MongoDB sorts: the path is resolved through arrays (every element; a
// number segment is the element at that position when there is one), an
// array at the end of the path stands for its elements, and the key is the
// least of the values found (the greatest when Desc) in BSON order; a
// missing attribute, also in one element of a traversed array, counts as
// null, and no value at all (an empty array) is nil too, where MongoDB
// would sort an empty array just below null. Numbers are returned as found.
// A Time key is a time.Time (UTC, whole milliseconds), or nil when the
// attribute is missing, null or not a time.
func (s Sort) KeyOf(rec map[string]any) []any {
	out := make([]any, len(s.Keys))
	for i, k := range s.Keys {
		out[i] = k.valueOf(rec)
	}
	return out
}

func (k SortKey) valueOf(rec map[string]any) any {
	if len(k.Path) == 0 {
		return nil
	}
	if k.Time {
		return timeKey(rec[k.Path[0]])
	}
	var best any
	found := false
	consider := func(v any) {
		c := 0
		if found {
			c = compareValues(v, best)
		}
		if !found || (k.Desc && c > 0) || (!k.Desc && c < 0) {
			best, found = v, true
		}
	}
	sortValues(rec, k.Path, consider)
	return best
}

// sortValues calls fn with each value MongoDB's sort key generator finds
// at path in doc (btree_key_generator.cpp), which is not quite the
// matcher's path iterator (visit): a number segment into an array that has
// that position takes that element only (visit also reads it as a field
// name of every element, so vdus.0.id would be null in any record with two
// VDUs), and an element of a traversed array that is not a document (a
// scalar, an inner array) has a null attribute where visit skips it. A
// missing attribute, or a scalar in the middle of the path, is null; an
// array at the end of the path yields its elements, and an empty array
// nothing (MongoDB sorts it as "undefined", below null: see Sort.KeyOf).
func sortValues(doc any, path []string, fn func(any)) {
	if len(path) == 0 {
		fn(doc)
		return
	}
	if kindOf(doc) != kObject {
		fn(nil)
		return
	}
	v, ok := getField(doc, path[0])
	if !ok {
		fn(nil)
		return
	}
	if arr, ok := asArray(v); ok {
		sortArrayValues(arr, path[1:], fn)
		return
	}
	sortValues(v, path[1:], fn)
}

func sortArrayValues(arr []any, rest []string, fn func(any)) {
	if len(rest) == 0 {
		for _, el := range arr {
			fn(el)
		}
		return
	}
	if pos, ok := arrayPosition(rest[0]); ok && pos < len(arr) {
		if inner, ok := asArray(arr[pos]); ok {
			sortArrayValues(inner, rest[1:], fn)
			return
		}
		sortValues(arr[pos], rest[1:], fn)
		return
	}
	for _, el := range arr {
		sortValues(el, rest, fn)
	}
}

// arrayPosition reads a path segment as an array position, as visit does.
func arrayPosition(seg string) (int, bool) {
	if !IsDigits(seg) || (len(seg) > 1 && seg[0] == '0') || len(seg) > maxIndexLen {
		return 0, false
	}
	n, err := strconv.Atoi(seg)
	return n, err == nil
}

// timeKey reads a time field as rendered (a string in models.TimeLayout,
// or a time.Time) as the instant the store holds.
func timeKey(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Truncate(time.Millisecond)
	case string:
		if tv, ok := parseTime(x); ok {
			return tv.lo
		}
	}
	return nil
}

// Compare orders two records by their keys (from KeyOf) then uuids; it
// returns -1, 0, +1 in list order (so -1 means a comes first). It is a
// strict total order on records with distinct uuids. A key missing from a
// short slice counts as null.
func (s Sort) Compare(aKey []any, aUUID string, bKey []any, bUUID string) int {
	for i, k := range s.Keys {
		c := compareValues(keyAt(aKey, i), keyAt(bKey, i))
		if k.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	c := strings.Compare(aUUID, bUUID)
	if s.UUIDDesc {
		c = -c
	}
	return c
}

func keyAt(key []any, i int) any {
	if i < len(key) {
		return key[i]
	}
	return nil
}

// --- BSON order -------------------------------------------------------------

// bsonRank is a value's place in MongoDB's comparison order across types.
// Values of no BSON type a rendered record holds (named types, binary) come
// last, so that the order stays total whatever a caller passes.
func bsonRank(v any) int {
	switch kindOf(v) {
	case kMissing, kNull:
		return 0
	case kNumber:
		return 1
	case kString:
		return 2
	case kObject:
		return 3
	case kArray:
		return 4
	case kBool:
		return 5
	case kTime:
		return 6
	}
	return 7
}

// compareValues is MongoDB's sort order on values: null (and missing) <
// numbers < strings < objects < arrays < booleans < times. Numbers compare
// exactly across int64/float64, NaN below every other number and equal to
// itself; strings bytewise; objects by their fields in ascending name
// order, name then value, then by length (map order carries no meaning
// here, unlike BSON's stored order); arrays element by element, then by
// length; times by millisecond.
func compareValues(a, b any) int {
	ra, rb := bsonRank(a), bsonRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch ra {
	case 0:
		return 0
	case 1:
		x, _ := toNumber(a)
		y, _ := toNumber(b)
		return compareNumbersTotal(x, y)
	case 2:
		return strings.Compare(a.(string), b.(string))
	case 3:
		return compareObjects(objectFields(a), objectFields(b))
	case 4:
		x, _ := asArray(a)
		y, _ := asArray(b)
		for i := range min(len(x), len(y)) {
			if c := compareValues(x[i], y[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case 5:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case y:
			return -1
		}
		return 1
	case 6:
		return compareTime(a.(time.Time), b.(time.Time))
	}
	// Not a BSON value: any fixed order will do, by type then text.
	if c := strings.Compare(fmt.Sprintf("%T", a), fmt.Sprintf("%T", b)); c != 0 {
		return c
	}
	return strings.Compare(fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b))
}

// compareNumbersTotal extends compareNumbers (which refuses NaN, as query
// operators do) to the sort order, where NaN is the least number.
func compareNumbersTotal(a, b number) int {
	an, bn := !a.isInt && math.IsNaN(a.f), !b.isInt && math.IsNaN(b.f)
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	c, _ := compareNumbers(a, b)
	return c
}

type docField struct {
	name  string
	value any
}

// objectFields lists a document's fields sorted by name (stably, so that a
// bson.D with a repeated name still compares deterministically).
func objectFields(v any) []docField {
	var out []docField
	if m, ok := v.(map[string]any); ok {
		out = make([]docField, 0, len(m))
		for k, x := range m {
			out = append(out, docField{k, x})
		}
	} else {
		forEachField(v, func(k string, x any) { out = append(out, docField{k, x}) })
	}
	slices.SortStableFunc(out, func(a, b docField) int { return strings.Compare(a.name, b.name) })
	return out
}

func compareObjects(x, y []docField) int {
	for i := range min(len(x), len(y)) {
		if c := strings.Compare(x[i].name, y[i].name); c != 0 {
			return c
		}
		if c := compareValues(x[i].value, y[i].value); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(x), len(y))
}

// forEachField calls fn on each field of a document that is not a
// map[string]any: another map with string keys, or a bson.D-like slice.
func forEachField(v any, fn func(name string, value any)) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map {
		for it := rv.MapRange(); it.Next(); {
			fn(it.Key().String(), it.Value().Interface())
		}
		return
	}
	for i := range rv.Len() {
		e := rv.Index(i)
		fn(e.Field(0).String(), e.Field(1).Interface())
	}
}
