package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
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

// sjsonSchema is the schema of one value.
type sjsonSchema struct {
	Type   string            `json:"t"`
	Object *sjsonObject      `json:"$s,omitempty"` // t == "object"
	Items  []json.RawMessage `json:"i,omitempty"`  // t == "array": one schema per element
}

// sjsonObject is the schema of an object's members ("p"); "$k" (member
// order) is not needed: records are rendered with sorted keys.
type sjsonObject struct {
	Props map[string]json.RawMessage `json:"p"`
}

// errSJSON marks a stored document this reader does not understand.
var errSJSON = errors.New("unsupported stored document")

// decodeSJSON decodes one stored document into the values the driver
// decodes the same document to: map[string]any, []any, string, float64,
// int64, int32, bool, nil and time.Time (UTC).
func decodeSJSON(raw []byte) (map[string]any, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("%w: %w", errSJSON, err)
	}
	var schema sjsonObject
	if err := json.Unmarshal(top["$s"], &schema); err != nil {
		return nil, fmt.Errorf("%w: schema: %w", errSJSON, err)
	}
	delete(top, "$s")
	return decodeSJSONMembers(top, schema.Props)
}

func decodeSJSONMembers(members map[string]json.RawMessage, props map[string]json.RawMessage) (map[string]any, error) {
	out := make(map[string]any, len(members))
	for k, v := range members {
		s, ok := props[k]
		if !ok {
			return nil, fmt.Errorf("%w: no schema for %q", errSJSON, k)
		}
		x, err := decodeSJSONValue(v, s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}

func decodeSJSONValue(raw, rawSchema json.RawMessage) (any, error) {
	if bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var s sjsonSchema
	if err := json.Unmarshal(rawSchema, &s); err != nil {
		return nil, fmt.Errorf("%w: schema: %w", errSJSON, err)
	}
	switch s.Type {
	case "object":
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil || s.Object == nil {
			return nil, fmt.Errorf("%w: object", errSJSON)
		}
		return decodeSJSONMembers(members, s.Object.Props)
	case "array":
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || len(items) != len(s.Items) {
			return nil, fmt.Errorf("%w: array", errSJSON)
		}
		out := make([]any, len(items))
		for i := range items {
			x, err := decodeSJSONValue(items[i], s.Items[i])
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case "string":
		var v string
		err := json.Unmarshal(raw, &v)
		return v, wrapSJSON(err, s.Type)
	case "bool":
		var v bool
		err := json.Unmarshal(raw, &v)
		return v, wrapSJSON(err, s.Type)
	case "double":
		v, err := strconv.ParseFloat(string(raw), 64)
		return v, wrapSJSON(err, s.Type)
	case "long":
		v, err := strconv.ParseInt(string(raw), 10, 64)
		return v, wrapSJSON(err, s.Type)
	case "int":
		v, err := strconv.ParseInt(string(raw), 10, 32)
		return int32(v), wrapSJSON(err, s.Type)
	case "date":
		ms, err := strconv.ParseInt(string(raw), 10, 64)
		return time.UnixMilli(ms).UTC(), wrapSJSON(err, s.Type)
	}
	return nil, fmt.Errorf("%w: type %q", errSJSON, s.Type)
}

func wrapSJSON(err error, typ string) error {
	if err != nil {
		return fmt.Errorf("%w: %s: %w", errSJSON, typ, err)
	}
	return nil
}

// plainJSONValue decodes one member of a stored document without its
// schema, for the matcher: numbers become int64 when integral and in
// range, else float64 (the matcher compares numbers by value, so double 5
// and long 5 are the same to it), and the rest as encoding/json does.
func plainJSONValue(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", errSJSON, err)
	}
	return numbersFromJSON(v), nil
}

func numbersFromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return string(x) // cannot happen for what FerretDB wrote
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbersFromJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersFromJSON(e)
		}
	}
	return v
}
