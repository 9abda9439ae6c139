package document

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// hardMaxDepth bounds recursion when Limits.MaxDepth is zero: a body of
// nothing but '[' must not grow the stack without end.
const hardMaxDepth = 10000

// DecodeJSON decodes raw, exactly one JSON value (RFC 8259), into maps,
// slices, strings, json.Number, bools and nil. It refuses what encoding/json
// would let through changed: duplicate member names (the last would win),
// invalid UTF-8 and lone surrogate escapes (they would become U+FFFD).
// Every error is an *Error.
func DecodeJSON(raw []byte, limits Limits) (any, error) {
	if limits.MaxDepth <= 0 || limits.MaxDepth > hardMaxDepth {
		limits.MaxDepth = hardMaxDepth
	}
	d := jsonDecoder{data: raw, budget: budget{limits: limits}}
	d.skipSpace()
	if d.pos == len(d.data) {
		return nil, d.syntax(d.pos, "the body is empty")
	}
	v, err := d.value(1)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, d.syntax(d.pos, "unexpected data after the top-level value")
	}
	return v, nil
}

type jsonDecoder struct {
	data   []byte
	pos    int
	budget budget
	path   path
	buf    []byte // scratch for strings with escapes
}

func (d *jsonDecoder) syntax(at int, format string, args ...any) *Error {
	return &Error{Kind: Syntax, Offset: int64(at), Msg: fmt.Sprintf(format, args...)}
}

// unexpected describes the byte at pos, or the end of the input.
func (d *jsonDecoder) unexpected(want string) *Error {
	if d.pos >= len(d.data) {
		return d.syntax(d.pos, "unexpected end of input: expected %s", want)
	}
	return d.syntax(d.pos, "invalid character %s: expected %s", quoteByte(d.data[d.pos]), want)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (d *jsonDecoder) overLimit(l Limit, msg string) *Error {
	return &Error{Kind: OverLimit, Limit: l, Pointer: d.path.pointer(), Offset: int64(d.pos), Msg: msg}
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// value decodes the value at pos, whose containers would open at depth.
func (d *jsonDecoder) value(depth int) (any, error) {
	if l, msg := d.budget.value(); l != NoLimit {
		return nil, d.overLimit(l, msg)
	}
	if d.pos >= len(d.data) {
		return nil, d.unexpected("a value")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, d.unexpected("a value")
}

func (d *jsonDecoder) literal(word string) error {
	end := d.pos + len(word)
	if end > len(d.data) || string(d.data[d.pos:end]) != word {
		return d.unexpected("a value")
	}
	d.pos = end
	return nil
}

func (d *jsonDecoder) object(depth int) (any, error) {
	if l, msg := d.budget.nest(depth); l != NoLimit {
		return nil, d.overLimit(l, msg)
	}
	open := d.pos
	d.pos++
	m := map[string]any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			if d.pos >= len(d.data) {
				return nil, d.syntax(d.pos, "unexpected end of input: expected a member name in the object opened at byte %d", open)
			}
			return nil, d.unexpected("a member name in double quotes")
		}
		keyAt := d.pos
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		key := k.(string)
		if _, dup := m[key]; dup {
			d.path = append(d.path, segment{key: key, index: -1})
			return nil, &Error{Kind: Duplicate, Pointer: d.path.pointer(), Offset: int64(keyAt),
				Msg: fmt.Sprintf("duplicate member %s", strconv.Quote(key))}
		}
		if l, msg := d.budget.members(len(m) + 1); l != NoLimit {
			return nil, d.overLimit(l, msg)
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.unexpected("':' after the member name")
		}
		d.pos++
		d.skipSpace()
		d.path = append(d.path, segment{key: key, index: -1})
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		m[key] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.syntax(d.pos, "unexpected end of input: expected ',' or '}' to close the object opened at byte %d", open)
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return m, nil
		default:
			return nil, d.unexpected("',' or '}' after an object member")
		}
	}
}

func (d *jsonDecoder) array(depth int) (any, error) {
	if l, msg := d.budget.nest(depth); l != NoLimit {
		return nil, d.overLimit(l, msg)
	}
	open := d.pos
	d.pos++
	a := []any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for {
		if l, msg := d.budget.items(len(a) + 1); l != NoLimit {
			return nil, d.overLimit(l, msg)
		}
		d.skipSpace()
		d.path = append(d.path, segment{index: len(a)})
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		d.path = d.path[:len(d.path)-1]
		a = append(a, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.syntax(d.pos, "unexpected end of input: expected ',' or ']' to close the array opened at byte %d", open)
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return a, nil
		default:
			return nil, d.unexpected("',' or ']' after an array item")
		}
	}
}

// string decodes the string at pos (its opening quote). Unescaped runs are
// checked for UTF-8 as they are scanned; escapes go through d.buf.
func (d *jsonDecoder) string() (any, error) {
	open := d.pos
	d.pos++
	start := d.pos
	escaped := false
	d.buf = d.buf[:0]
	for {
		if d.pos >= len(d.data) {
			return nil, d.syntax(d.pos, "unexpected end of input in the string opened at byte %d", open)
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			var s string
			if escaped {
				d.buf = append(d.buf, d.data[start:d.pos]...)
				s = string(d.buf)
			} else {
				s = string(d.data[start:d.pos])
			}
			d.pos++
			return s, nil
		case c == '\\':
			d.buf = append(d.buf, d.data[start:d.pos]...)
			escaped = true
			if err := d.escape(); err != nil {
				return nil, err
			}
			start = d.pos
		case c < 0x20:
			return nil, d.syntax(d.pos, "control character %s in a string: escape it", quoteByte(c))
		case c < utf8.RuneSelf:
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size <= 1 {
				return nil, d.encoding("invalid UTF-8 (byte 0x%02x) in a string", c)
			}
			d.pos += size
		}
	}
}

func (d *jsonDecoder) encoding(format string, args ...any) *Error {
	return &Error{Kind: Encoding, Pointer: d.path.pointer(), Offset: int64(d.pos), Msg: fmt.Sprintf(format, args...)}
}

// escape appends the escape sequence at pos (its backslash) to d.buf.
func (d *jsonDecoder) escape() error {
	at := d.pos
	if at+1 >= len(d.data) {
		return d.syntax(len(d.data), "unexpected end of input in an escape sequence")
	}
	c := d.data[at+1]
	d.pos = at + 2
	switch c {
	case '"', '\\', '/':
		d.buf = append(d.buf, c)
	case 'b':
		d.buf = append(d.buf, '\b')
	case 'f':
		d.buf = append(d.buf, '\f')
	case 'n':
		d.buf = append(d.buf, '\n')
	case 'r':
		d.buf = append(d.buf, '\r')
	case 't':
		d.buf = append(d.buf, '\t')
	case 'u':
		r, ok := d.hex4(at)
		if !ok {
			return d.syntax(at, "invalid \\u escape: want four hex digits")
		}
		if utf16.IsSurrogate(r) {
			lo, ok := rune(-1), false
			if d.pos+1 < len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
				lo, ok = d.hex4(d.pos)
			}
			pair := utf16.DecodeRune(r, lo)
			if !ok || pair == utf8.RuneError {
				d.pos = at
				return d.encoding("lone surrogate escape %s in a string (not a character)", string(d.data[at:at+6]))
			}
			r = pair
		}
		d.buf = utf8.AppendRune(d.buf, r)
	default:
		return d.syntax(at, "invalid escape sequence \\%c in a string", c)
	}
	return nil
}

// hex4 reads the four hex digits of the \u escape at `at`, moving pos past
// them when they are there.
func (d *jsonDecoder) hex4(at int) (rune, bool) {
	if at+6 > len(d.data) {
		return 0, false
	}
	r, ok := Hex4(d.data[at+2 : at+6])
	if ok {
		d.pos = at + 6
	}
	return r, ok
}

// number reads a number in RFC 8259's grammar, keeping its text.
func (d *jsonDecoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case d.digits() == 0:
		return nil, d.unexpected("a digit")
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if d.digits() == 0 {
			return nil, d.unexpected("a digit after the decimal point")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if d.digits() == 0 {
			return nil, d.unexpected("a digit in the exponent")
		}
	}
	return json.Number(d.data[start:d.pos]), nil
}

func (d *jsonDecoder) digits() int {
	n := 0
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
		d.pos++
		n++
	}
	return n
}
