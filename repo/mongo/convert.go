package mongo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/models"
)

// JSON <-> BSON. A body is stored as BSON members in the order of its
// JSON text, and read back as the JSON text encoding/json would write for
// the same values: compact, members in stored order, strings escaped as
// encoding/json escapes them without HTML escaping, integers as integers
// and doubles as encoding/json formats a float64. So a body written as
// compact encoding/json output (what the services write) reads back as
// the very same bytes.

// errUnstorable marks a JSON text MongoDB cannot store: not a JSON
// object, a number beyond float64, a member name MongoDB refuses, or
// nesting deeper than it allows.
var errUnstorable = errors.New("unstorable JSON")

// maxDepth is how deep MongoDB lets a stored document nest, below its top
// level (the records layer refuses deeper bodies with the same bound).
const maxDepth = 99

// jsonMembers decodes a JSON object into its members, in order, as BSON
// values: objects bson.D, arrays bson.A, numbers as models.StorableNumber
// makes them, strings, booleans and nil. depth is the object's level in
// the stored document (0 for the document itself). Anything MongoDB
// would refuse is errUnstorable, before a byte is written.
func jsonMembers(text []byte, depth int) (bson.D, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnstorable, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", errUnstorable)
	}
	members, err := jsonObject(dec, depth)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the object", errUnstorable)
	}
	return members, nil
}

// jsonObject reads the members of an object whose '{' was read.
func jsonObject(dec *json.Decoder, depth int) (bson.D, error) {
	out := bson.D{}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUnstorable, err)
		}
		if d, ok := tok.(json.Delim); ok && d == '}' {
			return out, nil
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%w: member name %v", errUnstorable, tok)
		}
		if err := checkName(key); err != nil {
			return nil, err
		}
		v, err := jsonValue(dec, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, bson.E{Key: key, Value: v})
	}
}

// checkName refuses the member names MongoDB does not store (or stores
// but cannot query): a leading '$', a '.', a NUL.
func checkName(name string) error {
	switch {
	case strings.HasPrefix(name, "$"):
		return fmt.Errorf("%w: the member name %q starts with '$'", errUnstorable, name)
	case strings.Contains(name, "."):
		return fmt.Errorf("%w: the member name %q holds a '.'", errUnstorable, name)
	case strings.Contains(name, "\x00"):
		return fmt.Errorf("%w: the member name %q holds a NUL", errUnstorable, name)
	}
	return nil
}

// jsonValue reads one value, at level depth of the stored document.
func jsonValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnstorable, err)
	}
	if _, ok := tok.(json.Delim); ok && depth > maxDepth {
		return nil, fmt.Errorf("%w: nested deeper than MongoDB's %d levels", errUnstorable, maxDepth+1)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return jsonObject(dec, depth)
		case '[':
			arr := bson.A{}
			for dec.More() {
				v, err := jsonValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, fmt.Errorf("%w: %v", errUnstorable, err)
			}
			return arr, nil
		}
		return nil, fmt.Errorf("%w: unexpected %v", errUnstorable, t)
	case json.Number:
		n, ok := models.StorableNumber(t)
		if !ok {
			return nil, fmt.Errorf("%w: number %s is out of range", errUnstorable, t)
		}
		return n, nil
	default: // string, bool, nil
		return t, nil
	}
}

// appendJSON appends the JSON text of a BSON value.
func appendJSON(dst []byte, v bson.RawValue) ([]byte, error) {
	switch v.Type {
	case bson.TypeEmbeddedDocument:
		doc, ok := v.DocumentOK()
		if !ok {
			return nil, errors.New("malformed document")
		}
		return appendObject(dst, doc, nil)
	case bson.TypeArray:
		values, err := arrayValues(v)
		if err != nil {
			return nil, err
		}
		dst = append(dst, '[')
		for i, x := range values {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, x); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case bson.TypeDecimal128:
		// Its own digits, not the float64 the matcher compares: another
		// writer's decimal reads back without losing any.
		if d, ok := v.Decimal128OK(); ok {
			if _, finite := decimalFloat(d); finite {
				return append(dst, d.String()...), nil
			}
		}
	}
	x, err := scalar(v)
	if err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case string:
		return appendString(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendFloat(dst, x)
	case bool:
		return strconv.AppendBool(dst, x), nil
	case time.Time:
		dst = append(dst, '"')
		dst = x.AppendFormat(dst, jsonTimeLayout)
		return append(dst, '"'), nil
	}
	return append(dst, "null"...), nil
}

// jsonTimeLayout is how a BSON date reads as JSON: RFC 3339 in UTC with
// milliseconds, which json.Unmarshal reads into a time.Time.
const jsonTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// appendObject appends a document as a JSON object, leaving out the
// members skip names.
func appendObject(dst []byte, doc bson.Raw, skip func(string) bool) ([]byte, error) {
	elems, err := doc.Elements()
	if err != nil {
		return nil, err
	}
	dst = append(dst, '{')
	first := true
	for _, e := range elems {
		k := e.Key()
		if skip != nil && skip(k) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if dst, err = appendJSON(dst, e.Value()); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
	}
	return append(dst, '}'), nil
}

// appendFloat formats f as encoding/json formats a float64.
func appendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("the number %v has no JSON form", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		b := dst[start:]
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it with HTML escaping off: the short escapes, other control
// characters as \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 as
// U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// goValue is a BSON value as the matcher and the orders read documents:
// map[string]any, []any, and scalar's values.
func goValue(v bson.RawValue) (any, error) {
	switch v.Type {
	case bson.TypeEmbeddedDocument:
		doc, ok := v.DocumentOK()
		if !ok {
			return nil, errors.New("malformed document")
		}
		elems, err := doc.Elements()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, len(elems))
		for _, e := range elems {
			if m[e.Key()], err = goValue(e.Value()); err != nil {
				return nil, err
			}
		}
		return m, nil
	case bson.TypeArray:
		values, err := arrayValues(v)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(values))
		for i, x := range values {
			if out[i], err = goValue(x); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return scalar(v)
}

// arrayValues are the elements of a BSON array.
func arrayValues(v bson.RawValue) ([]bson.RawValue, error) {
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, errors.New("malformed array")
	}
	return arr.Values()
}

// scalar is a BSON value that is neither a document nor an array, as both
// the JSON text and the matcher read it: a string, an int64 (int32 too),
// a float64, a bool, nil (null, undefined), a time.Time (a date); an
// ObjectID is its hex, a Decimal128 a float64 (its text when beyond
// float64, or not a number; appendJSON writes a finite one's own digits).
// Other types (binary, regex...) are never written by this service.
func scalar(v bson.RawValue) (any, error) {
	var x any
	var ok bool
	switch v.Type {
	case bson.TypeString:
		x, ok = v.StringValueOK()
	case bson.TypeInt32:
		var n int32
		n, ok = v.Int32OK()
		x = int64(n)
	case bson.TypeInt64:
		x, ok = v.Int64OK()
	case bson.TypeDouble:
		x, ok = v.DoubleOK()
	case bson.TypeBoolean:
		x, ok = v.BooleanOK()
	case bson.TypeNull, bson.TypeUndefined:
		return nil, nil
	case bson.TypeDateTime:
		var ms int64
		ms, ok = v.DateTimeOK()
		x = time.UnixMilli(ms).UTC()
	case bson.TypeObjectID:
		var id bson.ObjectID
		id, ok = v.ObjectIDOK()
		x = id.Hex()
	case bson.TypeDecimal128:
		var d bson.Decimal128
		d, ok = v.Decimal128OK()
		x = d.String()
		if f, finite := decimalFloat(d); finite {
			x = f
		}
	default:
		return nil, fmt.Errorf("a value of BSON type %s has no JSON form", v.Type)
	}
	if !ok {
		return nil, fmt.Errorf("malformed BSON %s", v.Type)
	}
	return x, nil
}

// decimalFloat is d as a float64, and whether that is a finite number.
func decimalFloat(d bson.Decimal128) (float64, bool) {
	f, err := strconv.ParseFloat(d.String(), 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}
