package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// This file reads documents the way FerretDB v1 stores them in SQLite
// ("sjson"): a JSON object whose "$s" member is the schema of the others,
// so types JSON cannot tell apart (double 5 vs long 5, dates) survive:
//
//	{"$s": {"$k": ["_id", "n"], "p": {"_id": {"t": "string"}, "n": {"t": "long"}}},
//	 "_id": "…", "n": 5}
//
// The embedded store reads lists straight from SQLite (see sqlite.go)
// because FerretDB v1 pushes no filter but _id equality and no sort down
// to SQLite: every list decoded and sorted the whole collection in Go.
// Only the types the service stores are read: records come from JSON, so
// object, array, string, double, long, int, bool, null, and the _admin
// dates. Anything else is an error, never a silently different value.

// errSJSON marks a stored document this reader does not understand.
var errSJSON = errors.New("unsupported stored document")

// decodeSJSON decodes one stored document into the values the driver
// decodes the same document to: map[string]any, []any, string, float64,
// int64, int32, bool, nil and time.Time (UTC). The document (schema
// included) is parsed once, then values and schema are walked together:
// numbers are kept as text until their schema says what they are.
func decodeSJSON(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var top map[string]any
	if err := d.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %w", errSJSON, err)
	}
	schema, _ := top["$s"].(map[string]any)
	delete(top, "$s")
	if err := typeSJSONMembers(top, schema); err != nil {
		return nil, err
	}
	return top, nil
}

// typeSJSONMembers types the members of an object in place, by the
// object's schema ({"$k": [...], "p": {name: schema}}).
func typeSJSONMembers(members map[string]any, schema map[string]any) error {
	props, _ := schema["p"].(map[string]any)
	for k, v := range members {
		s, ok := props[k].(map[string]any)
		if !ok {
			return fmt.Errorf("%w: no schema for %q", errSJSON, k)
		}
		x, err := typeSJSONValue(v, s)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		members[k] = x
	}
	return nil
}

// typeSJSONValue is v (as decoded with UseNumber) typed by its schema
// ({"t": type, "$s": object schema, "i": element schemas}).
func typeSJSONValue(v any, s map[string]any) (any, error) {
	if v == nil {
		return nil, nil
	}
	typ, _ := s["t"].(string)
	switch typ {
	case "object":
		members, ok := v.(map[string]any)
		inner, ok2 := s["$s"].(map[string]any)
		if !ok || !ok2 {
			return nil, fmt.Errorf("%w: object", errSJSON)
		}
		return members, typeSJSONMembers(members, inner)
	case "array":
		items, ok := v.([]any)
		schemas, ok2 := s["i"].([]any)
		if !ok || !ok2 || len(items) != len(schemas) {
			return nil, fmt.Errorf("%w: array", errSJSON)
		}
		for i := range items {
			es, ok := schemas[i].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: array element schema", errSJSON)
			}
			x, err := typeSJSONValue(items[i], es)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			items[i] = x
		}
		return items, nil
	case "string":
		if _, ok := v.(string); !ok {
			return nil, fmt.Errorf("%w: string", errSJSON)
		}
		return v, nil
	case "bool":
		if _, ok := v.(bool); !ok {
			return nil, fmt.Errorf("%w: bool", errSJSON)
		}
		return v, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return nil, fmt.Errorf("%w: type %q", errSJSON, typ)
	}
	switch typ {
	case "double":
		f, err := strconv.ParseFloat(string(n), 64)
		return f, wrapSJSON(err, typ)
	case "long":
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, wrapSJSON(err, typ)
	case "int":
		i, err := strconv.ParseInt(string(n), 10, 32)
		return int32(i), wrapSJSON(err, typ)
	case "date":
		ms, err := strconv.ParseInt(string(n), 10, 64)
		return time.UnixMilli(ms).UTC(), wrapSJSON(err, typ)
	}
	return nil, fmt.Errorf("%w: type %q", errSJSON, typ)
}

func wrapSJSON(err error, typ string) error {
	if err != nil {
		return fmt.Errorf("%w: %s: %w", errSJSON, typ, err)
	}
	return nil
}
