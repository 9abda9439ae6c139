package legacy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file decodes documents the way FerretDB v1 stored them in SQLite
// ("sjson", FerretDB's internal/handler/sjson): a JSON object whose "$s"
// member is the schema of the others, so that the types JSON cannot tell
// apart (double 5 vs long 5 vs int 5, dates) survive:
//
//	{"$s": {"p": {"_id": {"t": "string"}, "n": {"t": "long"}}, "$k": ["_id", "n"]},
//	 "_id": "…", "n": 5}
//
// A schema is {"p": {name: element}, "$k": [names in document order]}
// ({} for an empty document); an element is {"t": type} plus "$s" (the
// schema of an object) or "i" (one element per item of an array).
//
// It reads what FerretDB's own reader (sjson.Unmarshal) accepts, with the
// same values, for the types the service stored: object, array, string,
// double, long, int, bool, null and date. Anything else, or a schema that
// does not describe its values, is an error wrapping ErrUnsupported, never
// a silently different value. Like FerretDB, a JSON null is a BSON null
// whatever its schema says, and an empty object is an empty document
// whatever its schema says (FerretDB writes {} for both).

// ErrUnsupported marks a stored document Decode does not decode: not
// sjson, values that do not match their schema, or a BSON type the service
// never stored (binData, objectId, regex, timestamp).
var ErrUnsupported = errors.New("unsupported FerretDB document")

// decodeError is an ErrUnsupported at a path in the document. The path is
// built on the way out of the recursion, innermost name first, so that
// decoding a good document allocates no path at all.
type decodeError struct {
	rev []string // the path, innermost first
	msg string
}

func (e *decodeError) Error() string {
	if len(e.rev) == 0 {
		return ErrUnsupported.Error() + ": " + e.msg
	}
	path := slices.Clone(e.rev)
	slices.Reverse(path)
	return ErrUnsupported.Error() + ": at /" + strings.Join(path, "/") + ": " + e.msg
}

func (e *decodeError) Unwrap() error { return ErrUnsupported }

func unsupported(msg string) error { return &decodeError{msg: msg} }

// at prefixes err's path with name (an RFC 6901 reference token).
func at(err error, name string) error {
	var de *decodeError
	if errors.As(err, &de) {
		de.rev = append(de.rev, strings.NewReplacer("~", "~0", "/", "~1").Replace(name))
	}
	return err
}

// Decode decodes one stored document (a _ferretdb_sjson value) into the
// values the MongoDB driver decoded the same document to: map[string]any
// (objects), []any (arrays), string, float64 (double), int64 (long), int32
// (int), bool, nil (null) and time.Time (date, UTC, milliseconds). The
// schema is checked against the values: every member named once in "$k"
// and none beside them, every array item typed. Members are a map: their
// order ("$k") is not kept.
func Decode(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	// Numbers stay text until their schema says what they are: a long
	// beyond 2^53 must not go through float64.
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return nil, &decodeError{msg: "not a JSON object: " + err.Error()}
	}
	if top == nil {
		return nil, unsupported("not a JSON object")
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, unsupported("data after the document")
	}
	schema, ok := top["$s"].(map[string]any)
	if !ok {
		return nil, unsupported(`no schema ("$s")`)
	}
	delete(top, "$s")
	if err := typeMembers(top, schema); err != nil {
		return nil, err
	}
	return top, nil
}

// typeMembers types the members of a document in place by its schema.
func typeMembers(members map[string]any, schema map[string]any) error {
	for k := range schema {
		if k != "p" && k != "$k" {
			return unsupported("unknown schema member " + strconv.Quote(k))
		}
	}
	var keys []any
	if raw, ok := schema["$k"]; ok {
		if keys, ok = raw.([]any); !ok {
			return unsupported(`schema "$k" is not an array`)
		}
	}
	var props map[string]any
	if raw, ok := schema["p"]; ok {
		if props, ok = raw.(map[string]any); !ok {
			return unsupported(`schema "p" is not an object`)
		}
	}
	if len(keys) != len(members) {
		return unsupported("the schema names " + strconv.Itoa(len(keys)) + " members, the document has " + strconv.Itoa(len(members)))
	}
	seen := make(map[string]bool, len(keys))
	for _, kv := range keys {
		k, ok := kv.(string)
		if !ok {
			return unsupported(`schema "$k" holds a non-string`)
		}
		if seen[k] {
			return unsupported("schema names " + strconv.Quote(k) + " twice")
		}
		seen[k] = true
		v, ok := members[k]
		if !ok {
			return unsupported("member " + strconv.Quote(k) + " is in the schema, not in the document")
		}
		x, err := typeValue(v, props[k])
		if err != nil {
			return at(err, k)
		}
		members[k] = x
	}
	// As many distinct keys as members, each a member: they are the members.
	return nil
}

// elementMembers are the members an element schema may have.
var elementMembers = map[string]bool{"t": true, "$s": true, "i": true, "o": true, "s": true}

// typeValue is v (decoded with UseNumber) typed by its element schema s.
func typeValue(v any, s any) (any, error) {
	if v == nil {
		return nil, nil // FerretDB: JSON null is null whatever the schema
	}
	sm, ok := s.(map[string]any)
	if !ok {
		return nil, unsupported("no schema")
	}
	for k := range sm {
		if !elementMembers[k] {
			return nil, unsupported("unknown schema member " + strconv.Quote(k))
		}
	}
	typ, _ := sm["t"].(string)
	switch typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch(typ, v)
		}
		if len(m) == 0 {
			return m, nil // FerretDB: {} is an empty document whatever the schema
		}
		inner, ok := sm["$s"].(map[string]any)
		if !ok {
			return nil, unsupported("object without a schema")
		}
		return m, typeMembers(m, inner)
	case "array":
		items, ok := v.([]any)
		if !ok {
			return nil, mismatch(typ, v)
		}
		var schemas []any
		if raw, ok := sm["i"]; ok {
			if schemas, ok = raw.([]any); !ok {
				return nil, unsupported(`array schema "i" is not an array`)
			}
		}
		if len(schemas) != len(items) {
			return nil, unsupported("the schema types " + strconv.Itoa(len(schemas)) + " items, the array has " + strconv.Itoa(len(items)))
		}
		for i := range items {
			x, err := typeValue(items[i], schemas[i])
			if err != nil {
				return nil, at(err, strconv.Itoa(i))
			}
			items[i] = x
		}
		return items, nil
	case "string":
		if _, ok := v.(string); !ok {
			return nil, mismatch(typ, v)
		}
		return v, nil
	case "bool":
		if _, ok := v.(bool); !ok {
			return nil, mismatch(typ, v)
		}
		return v, nil
	case "null":
		return nil, mismatch(typ, v) // v is not null
	case "double", "long", "int", "date":
		n, ok := v.(json.Number)
		if !ok {
			return nil, mismatch(typ, v)
		}
		return typeNumber(typ, string(n))
	case "binData", "objectId", "regex", "timestamp":
		return nil, unsupported("BSON type " + typ + " (the service never stored one)")
	}
	return nil, unsupported("unknown schema type " + strconv.Quote(typ))
}

// typeNumber parses the text of a JSON number as FerretDB did (through
// encoding/json, i.e. strconv): a long, int or date must be an integer
// in range, written without a fraction or exponent.
func typeNumber(typ, n string) (any, error) {
	switch typ {
	case "double":
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil, unsupported("double " + n + " is out of range")
		}
		return f, nil
	case "long":
		i, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return nil, unsupported("long " + n + " is not a 64-bit integer")
		}
		return i, nil
	case "int":
		i, err := strconv.ParseInt(n, 10, 32)
		if err != nil {
			return nil, unsupported("int " + n + " is not a 32-bit integer")
		}
		return int32(i), nil
	default: // date: milliseconds since the Unix epoch
		ms, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			return nil, unsupported("date " + n + " is not a 64-bit integer")
		}
		return time.UnixMilli(ms).UTC(), nil
	}
}

func mismatch(typ string, v any) error {
	var got string
	switch v.(type) {
	case map[string]any:
		got = "an object"
	case []any:
		got = "an array"
	case string:
		got = "a string"
	case bool:
		got = "a boolean"
	case json.Number:
		got = "a number"
	default:
		got = "null"
	}
	return unsupported("schema type " + typ + " for " + got)
}
