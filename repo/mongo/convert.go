package mongo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
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

// errUnstorable marks a JSON value BSON cannot hold (a number beyond
// float64), or a body that is not a JSON object.
var errUnstorable = errors.New("unstorable JSON")

// jsonMembers decodes a JSON object into its members, in order, as BSON
// values: objects bson.D, arrays bson.A, integers that fit int64, other
// numbers float64, strings, booleans and nil.
func jsonMembers(text []byte) (bson.D, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnstorable, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", errUnstorable)
	}
	members, err := jsonObject(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the object", errUnstorable)
	}
	return members, nil
}

// jsonObject reads the members of an object whose '{' was read.
func jsonObject(dec *json.Decoder) (bson.D, error) {
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
		v, err := jsonValue(dec)
		if err != nil {
			return nil, err
		}
		out = append(out, bson.E{Key: key, Value: v})
	}
}

// jsonValue reads one value.
func jsonValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnstorable, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return jsonObject(dec)
		case '[':
			arr := bson.A{}
			for dec.More() {
				v, err := jsonValue(dec)
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
		arr, ok := v.ArrayOK()
		if !ok {
			return nil, errors.New("malformed array")
		}
		values, err := arr.Values()
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
	case bson.TypeString:
		s, _ := v.StringValueOK()
		return appendString(dst, s), nil
	case bson.TypeInt32:
		n, _ := v.Int32OK()
		return strconv.AppendInt(dst, int64(n), 10), nil
	case bson.TypeInt64:
		n, _ := v.Int64OK()
		return strconv.AppendInt(dst, n, 10), nil
	case bson.TypeDouble:
		f, _ := v.DoubleOK()
		return appendFloat(dst, f)
	case bson.TypeBoolean:
		if b, _ := v.BooleanOK(); b {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case bson.TypeNull, bson.TypeUndefined:
		return append(dst, "null"...), nil
	case bson.TypeDateTime:
		ms, _ := v.DateTimeOK()
		dst = append(dst, '"')
		dst = time.UnixMilli(ms).UTC().AppendFormat(dst, jsonTimeLayout)
		return append(dst, '"'), nil
	case bson.TypeObjectID:
		id, _ := v.ObjectIDOK()
		return appendString(dst, id.Hex()), nil
	case bson.TypeDecimal128:
		d, _ := v.Decimal128OK()
		s := d.String()
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return appendString(dst, s), nil // NaN, Inf: not a JSON number
		}
		return append(dst, s...), nil
	}
	return nil, fmt.Errorf("a value of BSON type %s has no JSON form", v.Type)
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
// map[string]any, []any, int64, float64, string, bool, nil, time.Time.
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
			x, err := goValue(e.Value())
			if err != nil {
				return nil, err
			}
			m[e.Key()] = x
		}
		return m, nil
	case bson.TypeArray:
		arr, ok := v.ArrayOK()
		if !ok {
			return nil, errors.New("malformed array")
		}
		values, err := arr.Values()
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
	case bson.TypeString:
		s, _ := v.StringValueOK()
		return s, nil
	case bson.TypeInt32:
		n, _ := v.Int32OK()
		return int64(n), nil
	case bson.TypeInt64:
		n, _ := v.Int64OK()
		return n, nil
	case bson.TypeDouble:
		f, _ := v.DoubleOK()
		return f, nil
	case bson.TypeBoolean:
		b, _ := v.BooleanOK()
		return b, nil
	case bson.TypeNull, bson.TypeUndefined:
		return nil, nil
	case bson.TypeDateTime:
		ms, _ := v.DateTimeOK()
		return time.UnixMilli(ms).UTC(), nil
	case bson.TypeObjectID:
		id, _ := v.ObjectIDOK()
		return id.Hex(), nil
	case bson.TypeDecimal128:
		d, _ := v.Decimal128OK()
		if f, err := strconv.ParseFloat(d.String(), 64); err == nil {
			return f, nil
		}
		return d.String(), nil
	}
	return nil, fmt.Errorf("a value of BSON type %s has no JSON form", v.Type)
}
