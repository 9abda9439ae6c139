package sqlite

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/nfv-records/nfv-records/document"
)

// A reader of SQLite's JSONB (https://sqlite.org/jsonb.html), the stored
// form of document bodies.
//
// Why JSONB: a list the indexes cannot answer reads every selected row in
// Go. In JSONB each element starts with a header that gives its type and
// its size, so a reader hops over the members a filter does not read
// instead of scanning their text. SQLite's own JSON functions can do the
// same walk in SQL, but with MongoDB's semantics spelled out (an array at
// any level of the path, kinds checked at each) the query is some 3 times
// slower than this reader in the pure-Go build of SQLite: 0.77 s against
// 0.25 s for a content filter over 100,000 VNFRs (BenchmarkContentFilter:
// count/sql, count/go), and a short-cut form only for paths through
// objects alone comes out about even. The JSON text of a body is what
// SQLite's json() renders from it, byte for byte the text it was made
// from when that was compact JSON.
//
// An element: a header byte, whose low four bits are the type and high
// four bits the payload size (0-11), or say that the size follows in the
// next 1, 2, 4 or 8 bytes (12-15, big-endian); then the payload.

// The element types.
const (
	jbNull    = 0
	jbTrue    = 1
	jbFalse   = 2
	jbInt     = 3  // payload: a JSON integer, as text
	jbInt5    = 4  // a JSON5 integer (hex): never written here
	jbFloat   = 5  // payload: a JSON number, as text
	jbFloat5  = 6  // a JSON5 number: never written here
	jbText    = 7  // payload: a string with nothing to unescape
	jbTextJ   = 8  // payload: a string with JSON escapes
	jbText5   = 9  // a string with JSON5 escapes: never written here
	jbTextRaw = 10 // payload: a string as it is (SQL text)
	jbArray   = 11 // payload: the elements
	jbObject  = 12 // payload: label, value, label, value...
)

// errJSONB marks a stored body this reader does not understand.
var errJSONB = errors.New("unsupported stored body")

// element splits the element at the start of b: its type, its payload,
// and what follows it.
func element(b []byte) (typ byte, payload, rest []byte, err error) {
	if len(b) == 0 {
		return 0, nil, nil, fmt.Errorf("%w: truncated", errJSONB)
	}
	typ = b[0] & 0x0f
	size := uint64(b[0] >> 4)
	hdr := 1
	if size >= 12 {
		n := 1 << (size - 12) // 12: 1 byte, 13: 2, 14: 4, 15: 8
		if len(b) < 1+n {
			return 0, nil, nil, fmt.Errorf("%w: truncated header", errJSONB)
		}
		size = 0
		for _, c := range b[1 : 1+n] {
			size = size<<8 | uint64(c)
		}
		hdr += n
	}
	if size > uint64(len(b)-hdr) {
		return 0, nil, nil, fmt.Errorf("%w: element beyond its container", errJSONB)
	}
	end := hdr + int(size)
	return typ, b[hdr:end], b[end:], nil
}

// members iterates over an object's payload: label (as stored: raw,
// for memberName) and value element, in order. A loop over next rather
// than a callback: a callback capturing its caller's variables is one
// allocation per object read, in a scan of every row.
type members struct{ p []byte }

// next returns the next member; ok is false at the end.
func (it *members) next() (labelTyp byte, label, value []byte, ok bool, err error) {
	if len(it.p) == 0 {
		return 0, nil, nil, false, nil
	}
	lt, label, rest, err := element(it.p)
	if err != nil {
		return 0, nil, nil, false, err
	}
	if !isText(lt) {
		return 0, nil, nil, false, fmt.Errorf("%w: a label of type %d", errJSONB, lt)
	}
	_, _, after, err := element(rest)
	if err != nil {
		return 0, nil, nil, false, err
	}
	it.p = after
	return lt, label, rest[:len(rest)-len(after)], true, nil
}

// elements iterates over an array's payload, element by element.
type elements struct{ p []byte }

// next returns the next element; ok is false at the end.
func (it *elements) next() (value []byte, ok bool, err error) {
	if len(it.p) == 0 {
		return nil, false, nil
	}
	_, _, after, err := element(it.p)
	if err != nil {
		return nil, false, err
	}
	v := it.p[:len(it.p)-len(after)]
	it.p = after
	return v, true, nil
}

func isText(typ byte) bool {
	return typ == jbText || typ == jbTextJ || typ == jbTextRaw || typ == jbText5
}

// memberName is a label as a name to look up (not to keep): the plain
// case is the stored bytes themselves, without a copy.
func memberName(typ byte, label []byte) (string, error) {
	if typ == jbText || typ == jbTextRaw {
		return unsafe.String(unsafe.SliceData(label), len(label)), nil
	}
	return textValue(typ, label)
}

// textValue decodes a string element's payload into a new string, as
// encoding/json decodes the JSON string it stands for: invalid UTF-8 and
// lone surrogates become U+FFFD.
func textValue(typ byte, p []byte) (string, error) {
	switch typ {
	case jbText, jbTextRaw:
		if utf8.Valid(p) {
			return string(p), nil
		}
		b := make([]byte, 0, len(p)+utf8.UTFMax)
		for i := 0; i < len(p); {
			r, size := utf8.DecodeRune(p[i:]) // RuneError per bad byte, as encoding/json
			b = utf8.AppendRune(b, r)
			i += size
		}
		return string(b), nil
	case jbTextJ:
		return unescape(p)
	}
	return "", fmt.Errorf("%w: a string of type %d", errJSONB, typ)
}

// value decodes a whole element as DecodeFields decodes JSON: objects,
// arrays, strings, int64 (integral and in range), float64, bool, nil.
func value(b []byte) (any, error) {
	typ, p, _, err := element(b)
	if err != nil {
		return nil, err
	}
	switch typ {
	case jbObject:
		m := map[string]any{}
		for it := (members{p}); ; {
			lt, label, v, ok, err := it.next()
			if err != nil || !ok {
				return m, err
			}
			name, err := textValue(lt, label)
			if err != nil {
				return nil, err
			}
			x, err := value(v)
			if err != nil {
				return nil, err
			}
			m[name] = x // the last of repeated names wins, as in encoding/json
		}
	case jbArray:
		a := []any{}
		for it := (elements{p}); ; {
			v, ok, err := it.next()
			if err != nil || !ok {
				return a, err
			}
			x, err := value(v)
			if err != nil {
				return nil, err
			}
			a = append(a, x)
		}
	}
	return scalar(typ, p)
}

// scalar decodes a scalar element.
func scalar(typ byte, p []byte) (any, error) {
	switch typ {
	case jbNull:
		return nil, nil
	case jbTrue:
		return true, nil
	case jbFalse:
		return false, nil
	case jbInt, jbFloat:
		s := unsafe.String(unsafe.SliceData(p), len(p))
		if typ == jbInt {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if errors.Is(err, strconv.ErrRange) {
			// Beyond float64: never stored (the services refuse such a
			// number), but read as something rather than fail the scan.
			return strings.Clone(s), nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: number %.20q", errJSONB, s)
		}
		return f, nil
	case jbText, jbTextJ, jbTextRaw:
		return textValue(typ, p)
	}
	return nil, fmt.Errorf("%w: an element of type %d", errJSONB, typ)
}

// unescape decodes the content of a JSON string (no quotes), exactly as
// encoding/json does.
func unescape(s []byte) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '\\':
			if i+1 >= len(s) {
				return "", fmt.Errorf("%w: bad string escape", errJSONB)
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i:])
				if r < 0 {
					return "", fmt.Errorf("%w: bad string escape", errJSONB)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if dec := utf16.DecodeRune(r, hex4(s[i:])); dec != unicode.ReplacementChar {
						b = utf8.AppendRune(b, dec) // a valid pair: consume both
						i += 6
						continue
					}
					r = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", fmt.Errorf("%w: bad string escape", errJSONB)
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:]) // RuneError for bad UTF-8, as encoding/json
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return string(b), nil
}

// hex4 reads the \uXXXX at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	if r, ok := document.Hex4(s[2:6]); ok {
		return r
	}
	return -1
}
