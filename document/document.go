// Package document decodes request bodies, JSON or YAML, strictly and at a
// bounded cost: the tree it returns holds exactly what was sent, or the
// body is refused with an *Error that says what and where.
//
// Strict: a duplicate member, invalid UTF-8 (a lone surrogate escape
// included), a second document or trailing data is refused, never decided
// silently. Numbers are json.Number holding the digits as sent, so no
// integer is rounded here.
//
// Bounded: the limits (values in all, items in one array, members in one
// object, nesting depth) are checked while decoding, so a body over them
// costs at most the work of reaching the limit, and the later steps
// (schema validation above all, whose cost grows with the violations it
// finds) see a tree of known size.
package document

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits bound the tree a body may decode to. A zero field is no limit.
type Limits struct {
	// MaxValues is the number of values in the whole document: objects,
	// arrays, strings, numbers, booleans and nulls, each counted once.
	MaxValues int
	// MaxArrayItems is the length of the longest array.
	MaxArrayItems int
	// MaxObjectMembers is the number of members of the largest object.
	MaxObjectMembers int
	// MaxDepth is the deepest nesting: a top-level object is depth 1.
	MaxDepth int
}

// DefaultLimits are generous for NFV records: the SONATA example records
// hold 5 to 42 values, the SONATA VNFD schema itself 992, a network
// service of 500 VNFs about 1,500. They keep the costliest body within
// them (internal/hostilebody) near a tenth of a second of CPU and under
// 64 MB: validation costs in proportion to the violations it finds, and
// those to the values.
func DefaultLimits() Limits {
	return Limits{MaxValues: 10000, MaxArrayItems: 5000, MaxObjectMembers: 1000, MaxDepth: 100}
}

// ErrorKind classifies a refused body.
type ErrorKind int

const (
	// Syntax: not JSON (or YAML), or not one document.
	Syntax ErrorKind = iota
	// Duplicate: an object names a member twice.
	Duplicate
	// Encoding: a string or name is not valid UTF-8.
	Encoding
	// Unrepresentable: a YAML value JSON has no form for (.inf, .nan, a
	// mapping used as a key).
	Unrepresentable
	// OverLimit: the body is over one of the Limits; Error.Limit says which.
	OverLimit
)

// Limit names one of the Limits, for an OverLimit error.
type Limit int

const (
	NoLimit Limit = iota
	LimitValues
	LimitArrayItems
	LimitObjectMembers
	LimitDepth
)

// Error is a refused body. Pointer (RFC 6901) locates the problem in the
// document when it is known; Offset (JSON, from 0) or Line (YAML, from 1)
// locates it in the body.
type Error struct {
	Kind    ErrorKind
	Limit   Limit
	Pointer string
	Offset  int64
	Line    int
	Msg     string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Pointer != "" {
		b.WriteString(" at ")
		b.WriteString(e.Pointer)
	}
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, " (line %d)", e.Line)
	case e.Offset >= 0 && e.Kind != OverLimit:
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	return b.String()
}

// path is the location of the value being decoded, kept as segments so a
// pointer is only built for an error.
type path []segment

type segment struct {
	key   string
	index int // -1 for an object member
}

func (p path) pointer() string {
	var b strings.Builder
	for _, s := range p {
		b.WriteByte('/')
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
		} else {
			b.WriteString(EscapePointer(s.key))
		}
	}
	return b.String()
}

// pointerEscaper is built once: a Replacer builds its tables on first
// use, which cost more than the rest of a schema violation together.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// EscapePointer escapes a member name for an RFC 6901 JSON pointer.
func EscapePointer(s string) string { return pointerEscaper.Replace(s) }

// budget counts what a document has used of its Limits.
type budget struct {
	limits Limits
	values int
}

// value counts one more value; it refuses the document when that is one
// too many.
func (b *budget) value() (Limit, string) {
	b.values++
	return over(LimitValues, b.values, b.limits.MaxValues, "the body holds more than %d values")
}

// nest refuses an object or array opened at depth (the top level is 1)
// deeper than the limit. Scalars do not count: MongoDB's limit, which
// this one matches, is on nested documents.
func (b *budget) nest(depth int) (Limit, string) {
	return over(LimitDepth, depth, b.limits.MaxDepth, "the body is nested more than %d levels deep")
}

func (b *budget) items(n int) (Limit, string) {
	return over(LimitArrayItems, n, b.limits.MaxArrayItems, "an array holds more than %d items")
}

func (b *budget) members(n int) (Limit, string) {
	return over(LimitObjectMembers, n, b.limits.MaxObjectMembers, "an object holds more than %d members")
}

// over is l with its message when n is past max (0: no limit).
func over(l Limit, n, max int, format string) (Limit, string) {
	if max > 0 && n > max {
		return l, fmt.Sprintf(format, max)
	}
	return NoLimit, ""
}

// Hex4 reads the four hex digits of a \uXXXX escape (b starts at them).
func Hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
