package repo

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Partial views of stored documents, for lists the indexes cannot answer.
//
// Why: such a list reads every selected row, and a filter such as
// virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4
// reads a few numbers of a large array (VNFC instances, connection
// points, ...). Decoding that whole root attribute with encoding/json cost
// some 40 µs and 250 allocations per row (BenchmarkListFiltered,
// count-content); a view pruned to the paths the filter and the order
// read, decoded straight from the row's bytes with gjson (which skips the
// rest without allocating), brings the row to some 16 µs and 21
// allocations, most of both now the SQLite driver's.
//
// The view must answer Match and KeyOf exactly as the whole record does.
// Both resolve a path the MongoDB way (see filter.Expr.Paths): through
// objects by name, through arrays at any level (each object element with
// the same rest of the path, the element at a number segment's position
// with what follows), ANYINDEX reads each element of an array as a
// document, and an "empty" condition tests missing or null. So the view
// keeps, along the paths, every object met with the members the paths name
// (a member the document lacks stays missing), every array met with all
// its elements in place (pruned, but of the same kind: object, array or
// scalar, so that positions, lengths and kinds stay what they were), and
// the whole value where a path ends. Anything else the view keeps beyond
// that is harmless: only dropping or changing what the paths reach would
// change an answer.

// pathTrie is the set of paths read below one value of a document.
//
// A trie is built for one scan and used by one goroutine: element fills
// its memo as the rows need it.
type pathTrie struct {
	name  string               // the segment that leads here (the map key its parent stores it under)
	whole bool                 // a path ends here: the whole value is read
	names map[string]*pathTrie // next segments: members of an object, positions of an array
	pos   map[int]*pathTrie    // names that are array positions, by position
	each  *pathTrie            // ANYINDEX: each element of an array here, read as a document
	memo  map[elemKey]*pathTrie
}

// elemKey names what element returns: the trie of an array element at a
// position some name stands for (else pos is -1), an object or not.
type elemKey struct {
	pos    int
	object bool
}

// newPathTrie builds the trie of paths (from the record's root).
func newPathTrie(paths [][]string) *pathTrie {
	root := &pathTrie{}
	for _, p := range paths {
		if len(p) == 0 {
			continue
		}
		t := root
		for _, seg := range p {
			t = t.child(seg)
		}
		t.whole = true
	}
	return root
}

// child returns the trie below seg, adding it on first use.
func (t *pathTrie) child(seg string) *pathTrie {
	if seg == filter.AnyIndex {
		if t.each == nil {
			t.each = &pathTrie{name: seg}
		}
		return t.each
	}
	if c, ok := t.names[seg]; ok {
		return c
	}
	c := &pathTrie{name: seg}
	t.addName(c)
	return c
}

func (t *pathTrie) addName(c *pathTrie) {
	if t.names == nil {
		t.names = map[string]*pathTrie{}
	}
	t.names[c.name] = c
	if i, ok := arrayPosition(c.name); ok {
		if t.pos == nil {
			t.pos = map[int]*pathTrie{}
		}
		t.pos[i] = c
	}
}

// arrayPosition reads a segment as an array position the way the matcher
// and the order do: digits, no leading zero, at most 9 of them. A segment
// that is not one is only ever a member name.
func arrayPosition(seg string) (int, bool) {
	if seg == "" || len(seg) > 9 || (len(seg) > 1 && seg[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(seg)
	return n, err == nil
}

// element returns the trie the element at index i of an array found at t
// is read by, or nil when no path reads into it. An object element is
// walked with t's own names (traversal), and an object or array element
// is read as a document by an ANYINDEX below t; the element at a position
// t names is read by that name's trie too, whatever its kind. Scalars
// need no trie: they are kept whole.
func (t *pathTrie) element(i int, object bool) *pathTrie {
	k := elemKey{pos: -1, object: object}
	at := t.pos[i]
	if at != nil {
		k.pos = i
	}
	if e, ok := t.memo[k]; ok {
		return e
	}
	var e *pathTrie
	if object {
		e = t
	}
	e = union(e, t.each)
	e = union(e, at)
	if t.memo == nil {
		t.memo = map[elemKey]*pathTrie{}
	}
	t.memo[k] = e
	return e
}

// union is the trie of the paths of a and of b (either may be nil). It
// may share their subtries: a trie's memo depends on its paths alone.
func union(a, b *pathTrie) *pathTrie {
	switch {
	case a == nil:
		return b
	case b == nil, a == b:
		return a
	}
	u := &pathTrie{name: a.name, whole: a.whole || b.whole, each: union(a.each, b.each)}
	for _, c := range a.names {
		u.addName(union(c, b.names[c.name]))
	}
	for _, c := range b.names {
		if _, ok := a.names[c.name]; !ok {
			u.addName(c)
		}
	}
	return u
}

// viewPlan reads the partial views of one scan.
type viewPlan struct {
	root    *pathTrie
	special []string // uuid, created_at, updated_at: read from _id and _admin
}

func newViewPlan(paths [][]string) *viewPlan {
	p := &viewPlan{root: newPathTrie(paths)}
	for name := range p.root.names {
		if _, ok := storedPaths[name]; ok {
			p.special = append(p.special, name)
		}
	}
	return p
}

// view decodes the partial view of one stored document and its uuid.
//
// raw is only read during the call (it is the driver's buffer for the
// row, reused for the next): every string the view holds is a copy, since
// the order's keys outlive the row.
func (p *viewPlan) view(raw []byte) (map[string]any, string, error) {
	doc := gjson.Parse(unsafe.String(unsafe.SliceData(raw), len(raw)))
	if !isObject(doc) {
		return nil, "", fmt.Errorf("%w: not an object", errSJSON)
	}
	view := make(map[string]any, len(p.root.names))
	var uuid string
	var admin gjson.Result
	var err error
	hasID := false
	doc.ForEach(func(k, v gjson.Result) bool {
		var name string
		if name, err = memberName(k); err != nil {
			return false
		}
		switch name {
		case "_id":
			uuid, err = stringValue(v)
			hasID = true
			return err == nil
		case fieldAdmin:
			admin = v
			return true
		}
		t, ok := p.root.names[name]
		if !ok {
			return true
		}
		if _, ok := storedPaths[t.name]; ok {
			return true // rendered from the envelope, not from a member of that name
		}
		var x any
		if x, err = t.value(v); err != nil {
			err = fmt.Errorf("%s: %w", t.name, err)
			return false
		}
		view[t.name] = x
		return true
	})
	if err != nil {
		return nil, "", err
	}
	for _, name := range p.special {
		switch name {
		case models.FieldUUID:
			if hasID {
				view[name] = uuid
			}
		case models.FieldCreatedAt, models.FieldUpdatedAt:
			r := admin.Get(strings.TrimPrefix(storedPaths[name], fieldAdmin+"."))
			if r.Exists() {
				view[name] = time.UnixMilli(r.Int()).UTC()
			}
		}
	}
	return view, uuid, nil
}

// value decodes the parts of r the paths of t read.
func (t *pathTrie) value(r gjson.Result) (any, error) {
	if t.whole {
		return wholeValue(r)
	}
	switch {
	case isObject(r):
		m := make(map[string]any, len(t.names))
		var err error
		r.ForEach(func(k, v gjson.Result) bool {
			var name string
			if name, err = memberName(k); err != nil {
				return false
			}
			c, ok := t.names[name]
			if !ok {
				return true
			}
			var x any
			if x, err = c.value(v); err != nil {
				return false
			}
			m[c.name] = x // the trie's copy of the name: raw is not kept
			return true
		})
		return m, err
	case isArray(r):
		a := make([]any, 0, 4)
		var err error
		r.ForEach(func(_, v gjson.Result) bool {
			var x any
			switch {
			case isObject(v):
				x, err = t.element(len(a), true).value(v) // never nil: t itself
			case isArray(v):
				if e := t.element(len(a), false); e != nil {
					x, err = e.value(v)
				} else {
					// No path reads into it (no position here names it, no
					// ANYINDEX): the matcher skips an inner array met on
					// the way and the order reads it as null. Its place
					// and its kind are kept all the same.
					x = []any{}
				}
			default:
				x, err = scalarValue(v)
			}
			a = append(a, x)
			return err == nil
		})
		return a, err
	}
	return scalarValue(r)
}

// memberName is the name of an object member as encoding/json reads it.
// It is only looked up, not kept: the plain case (no escape, valid UTF-8)
// is a slice of the row's bytes, read without allocating.
func memberName(k gjson.Result) (string, error) {
	if k.Type == gjson.String && len(k.Raw) >= 2 && plainString(k.Raw[1:len(k.Raw)-1]) {
		return k.Raw[1 : len(k.Raw)-1], nil
	}
	return stringValue(k)
}

func isObject(r gjson.Result) bool { return r.Type == gjson.JSON && r.Raw[0] == '{' }
func isArray(r gjson.Result) bool  { return r.Type == gjson.JSON && r.Raw[0] == '[' }

// wholeValue decodes r entirely, as plainJSONValue does.
func wholeValue(r gjson.Result) (any, error) {
	var err error
	switch {
	case isObject(r):
		m := map[string]any{}
		r.ForEach(func(k, v gjson.Result) bool {
			var name string
			if name, err = stringValue(k); err != nil {
				return false
			}
			var x any
			if x, err = wholeValue(v); err != nil {
				return false
			}
			m[name] = x
			return true
		})
		return m, err
	case isArray(r):
		a := []any{}
		r.ForEach(func(_, v gjson.Result) bool {
			var x any
			x, err = wholeValue(v)
			a = append(a, x)
			return err == nil
		})
		return a, err
	}
	return scalarValue(r)
}

// scalarValue decodes a string, number, boolean or null as plainJSONValue
// does: an integral number in int64 range is an int64, any other a
// float64. gjson's own Num is a float64 (it rounds large integers), so
// the number is read from its text.
func scalarValue(r gjson.Result) (any, error) {
	switch r.Type {
	case gjson.String:
		return stringValue(r)
	case gjson.Number:
		if !jsonNumber(r.Raw) {
			break
		}
		if i, err := strconv.ParseInt(r.Raw, 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(r.Raw, 64)
		if err != nil || f > maxFloat || f < -maxFloat {
			return strings.Clone(r.Raw), nil // as numbersFromJSON: cannot happen for what FerretDB wrote
		}
		return f, nil
	case gjson.True:
		if r.Raw == "true" {
			return true, nil
		}
	case gjson.False:
		if r.Raw == "false" {
			return false, nil
		}
	case gjson.Null:
		if r.Raw == "null" {
			return nil, nil
		}
	}
	return nil, fmt.Errorf("%w: bad JSON value %.20q", errSJSON, r.Raw)
}

const maxFloat = 1.7976931348623157e308 // math.MaxFloat64: beyond is ±Inf

// jsonNumber reports whether s is -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?,
// the JSON number grammar (gjson's reader is laxer).
func jsonNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// stringValue decodes a JSON string (r.Raw, quotes included) exactly as
// encoding/json does, into a new string: invalid UTF-8 and lone
// surrogates become U+FFFD, bad escapes and control characters are
// errors. gjson's own unescaping differs on those.
func stringValue(r gjson.Result) (string, error) {
	s := r.Raw
	if r.Type != gjson.String || len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", fmt.Errorf("%w: bad JSON string %.20q", errSJSON, s)
	}
	s = s[1 : len(s)-1]
	i := plainPrefix(s)
	if i == len(s) {
		return strings.Clone(s), nil // the common case: nothing to unescape or coerce
	}
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	b = append(b, s[:i]...)
	for i < len(s) {
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) {
				return "", fmt.Errorf("%w: bad JSON string escape", errSJSON)
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				rr := hex4(s[i:])
				if rr < 0 {
					return "", fmt.Errorf("%w: bad JSON string escape", errSJSON)
				}
				i += 6
				if utf16.IsSurrogate(rr) {
					if dec := utf16.DecodeRune(rr, hex4(s[i:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec) // a valid pair: consume both
						i += 6
						break
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default:
				return "", fmt.Errorf("%w: bad JSON string escape", errSJSON)
			}
		case c == '"', c < ' ':
			return "", fmt.Errorf("%w: bad JSON string character", errSJSON)
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, size := utf8.DecodeRuneInString(s[i:]) // RuneError for bad UTF-8, as encoding/json
			b = utf8.AppendRune(b, rr)
			i += size
		}
	}
	return string(b), nil
}

// plainPrefix is the length of the start of s (a JSON string's content)
// that reads as it is: no escape, quote or control character, valid UTF-8.
func plainPrefix(s string) int {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' || c == '"' || c < ' ' {
			break
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		rr, size := utf8.DecodeRuneInString(s[i:])
		if rr == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return i
}

func plainString(s string) bool { return plainPrefix(s) == len(s) }

// hex4 reads the \uXXXX at the start of s, or returns -1.
func hex4(s string) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
