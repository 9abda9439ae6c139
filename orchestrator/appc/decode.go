package appc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nfv-records/nfv-records/document"
)

// Structural decoding: the first step of ParseRequest, which reads the body
// as ODL's RESTCONF layer does and refuses, with a malformed-message
// RestconfError, a body that is not strict UTF-8 JSON or that breaks the
// rpc's YANG input (members, JSON types, enumerations, the ZULU pattern,
// uint16). What it accepts is a rawInput, every leaf as sent and its
// presence kept, for validate.go.

// jsonObject is a decoded JSON object that keeps its members' order, so the
// first error reported is the first in the document.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// decodeJSON decodes body strictly: UTF-8, one JSON value, no duplicate
// members. Numbers are json.Number.
func decodeJSON(body []byte) (any, *RestconfError) {
	if !utf8.Valid(body) {
		return nil, malformed("", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := readJSON(dec, "", 1)
	if err != nil {
		return nil, err
	}
	if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
		return nil, malformed("", "unexpected data after the JSON document at offset %d", dec.InputOffset())
	}
	return v, nil
}

func syntaxError(dec *json.Decoder, err error) *RestconfError {
	if errors.Is(err, io.EOF) {
		return malformed("", "unexpected end of JSON input at offset %d", dec.InputOffset())
	}
	return malformed("", "invalid JSON at offset %d: %v", dec.InputOffset(), err)
}

// maxBodyDepth bounds the nesting of a request body. The YANG input is
// four levels deep (input, common-header, flags, ttl) and the payload is a
// string, so a deeper body is malformed anyway; refusing it before reading
// on keeps a body of nested brackets from costing memory and time.
const maxBodyDepth = 16

// readJSON reads one value whose containers start at nesting level depth.
func readJSON(dec *json.Decoder, pointer string, depth int) (any, *RestconfError) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(dec, err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth > maxBodyDepth {
		return nil, malformed(pointer, "nested more than %d levels deep", maxBodyDepth)
	}
	switch d {
	case '{':
		obj := jsonObject{vals: map[string]any{}}
		for dec.More() {
			ktok, err := dec.Token()
			if err != nil {
				return nil, syntaxError(dec, err)
			}
			key, _ := ktok.(string)
			child := pointer + "/" + document.EscapePointer(key)
			if _, dup := obj.vals[key]; dup {
				return nil, malformed(child, "duplicate member %q", key)
			}
			v, rerr := readJSON(dec, child, depth+1)
			if rerr != nil {
				return nil, rerr
			}
			obj.keys = append(obj.keys, key)
			obj.vals[key] = v
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, syntaxError(dec, err)
		}
		return obj, nil
	case '[':
		var arr []any
		for i := 0; dec.More(); i++ {
			v, rerr := readJSON(dec, pointer+"/"+strconv.Itoa(i), depth+1)
			if rerr != nil {
				return nil, rerr
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, syntaxError(dec, err)
		}
		if arr == nil {
			arr = []any{}
		}
		return arr, nil
	}
	return nil, malformed(pointer, "unexpected %q", string(d))
}

func jsonKind(v any) string {
	switch v.(type) {
	case jsonObject, map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// rawInput is the rpc input as decoded, leaves still raw, presence kept.
type rawInput struct {
	hasInput     bool
	header       *rawHeader
	action       *string
	ids          *rawIdentifiers
	payload      *string
	identityURL  *string
	headerJSON   json.RawMessage
	inputPointer string
}

type rawHeader struct {
	timestamp, apiVer, originatorID, requestID, subRequestID, requestorID *string
	flags                                                                 Flags
}

type rawIdentifiers struct {
	serviceInstanceID, vnfID, vfModuleID, vnfcName, vserverID *string
}

// The ZULU typedef: length 16..28 and this pattern (YANG patterns are
// anchored).
var zuluPattern = regexp.MustCompile(`^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})T([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})[.]([0-9]{1,6})Z$`)

const zuluPatternText = `[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}T[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}[.][0-9]{1,6}Z`

// decodeInput decodes body and checks it against the YANG input of action's
// rpc.
func decodeInput(action Action, body []byte) (*rawInput, *RestconfError) {
	v, rerr := decodeJSON(body)
	if rerr != nil {
		return nil, rerr
	}
	top, ok := v.(jsonObject)
	if !ok {
		return nil, malformed("", "the body must be a JSON object, found %s", jsonKind(v))
	}
	in := &rawInput{}
	for _, key := range top.keys {
		if key != "input" && key != RPCModulePrefix+"input" {
			return nil, notInSchema("/"+document.EscapePointer(key), key, "the rpc "+action.RPC())
		}
		if in.hasInput {
			return nil, malformed("/"+document.EscapePointer(key), "duplicate member input")
		}
		in.hasInput = true
		in.inputPointer = "/" + document.EscapePointer(key)
		if rerr := in.decodeInputContainer(action, top.vals[key]); rerr != nil {
			return nil, rerr
		}
		if in.header != nil {
			in.headerJSON = rawMember(body, key, "common-header")
		}
	}
	return in, nil
}

// rawMember returns the raw JSON of body[outer][inner]; body is known to be
// valid, duplicate-free JSON.
func rawMember(body []byte, outer, inner string) json.RawMessage {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	var in map[string]json.RawMessage
	if json.Unmarshal(top[outer], &in) != nil {
		return nil
	}
	return in[inner]
}

func notInSchema(pointer, name, parent string) *RestconfError {
	return malformed(pointer, "Schema node with name %s was not found under %s", name, parent)
}

func wrongType(pointer, name, want string, v any) *RestconfError {
	return malformed(pointer, "%s must be %s, found %s", name, want, jsonKind(v))
}

func invalidEnum(pointer, value string, allowed []string) *RestconfError {
	return malformed(pointer, "Invalid value '%s' for enum type. Allowed values are: [%s]", value, strings.Join(allowed, ", "))
}

func asJSONObject(v any, pointer, name string) (jsonObject, *RestconfError) {
	obj, ok := v.(jsonObject)
	if !ok {
		return jsonObject{}, wrongType(pointer, name, "an object", v)
	}
	return obj, nil
}

func asString(v any, pointer, name string) (*string, *RestconfError) {
	s, ok := v.(string)
	if !ok {
		return nil, wrongType(pointer, name, "a string", v)
	}
	return &s, nil
}

func (in *rawInput) decodeInputContainer(action Action, v any) *RestconfError {
	base := in.inputPointer
	obj, rerr := asJSONObject(v, base, "input")
	if rerr != nil {
		return rerr
	}
	info := actionTable[action]
	for _, key := range obj.keys {
		val, ptr := obj.vals[key], base+"/"+document.EscapePointer(key)
		switch {
		case key == "common-header":
			if rerr := in.decodeHeader(val, ptr); rerr != nil {
				return rerr
			}
		case key == "action":
			s, rerr := enumString(val, ptr, key, yangActions)
			if rerr != nil {
				return rerr
			}
			in.action = &s
		case key == "action-identifiers":
			if rerr := in.decodeIdentifiers(val, ptr); rerr != nil {
				return rerr
			}
		case key == "payload" && !info.noPayloadLeaf:
			s, rerr := asString(val, ptr, "payload")
			if rerr != nil {
				return rerr
			}
			in.payload = s
		case key == "identity-url" && info.identityURLLeaf:
			s, rerr := asString(val, ptr, "identity-url")
			if rerr != nil {
				return rerr
			}
			in.identityURL = s
		default:
			return notInSchema(ptr, key, "input of the rpc "+info.rpc)
		}
	}
	return nil
}

// decodeLeaves decodes the container v (name, at base) whose members are
// string leaves: leaves maps each member name to where it goes; other
// names are not in the schema, unless other takes them (handled true).
func decodeLeaves(v any, base, name string, leaves map[string]**string, other func(key string, val any, ptr string) (bool, *RestconfError)) *RestconfError {
	obj, rerr := asJSONObject(v, base, name)
	if rerr != nil {
		return rerr
	}
	for _, key := range obj.keys {
		val, ptr := obj.vals[key], base+"/"+document.EscapePointer(key)
		target, ok := leaves[key]
		if !ok {
			if other != nil {
				handled, rerr := other(key, val, ptr)
				if rerr != nil {
					return rerr
				}
				if handled {
					continue
				}
			}
			return notInSchema(ptr, key, name)
		}
		s, rerr := asString(val, ptr, key)
		if rerr != nil {
			return rerr
		}
		*target = s
	}
	return nil
}

// enumString reads the enumeration leaf name: a string among allowed.
func enumString(v any, ptr, name string, allowed []string) (string, *RestconfError) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(ptr, name, "a string", v)
	}
	if !slices.Contains(allowed, s) {
		return "", invalidEnum(ptr, s, allowed)
	}
	return s, nil
}

func (in *rawInput) decodeHeader(v any, base string) *RestconfError {
	h := &rawHeader{}
	leaves := map[string]**string{
		"api-ver":            &h.apiVer,
		"originator-id":      &h.originatorID,
		"request-id":         &h.requestID,
		"sub-request-id":     &h.subRequestID,
		"x-onap-requestorid": &h.requestorID,
	}
	rerr := decodeLeaves(v, base, "common-header", leaves, func(key string, val any, ptr string) (bool, *RestconfError) {
		var rerr *RestconfError
		switch key {
		case "flags":
			h.flags, rerr = decodeFlags(val, ptr)
		case "timestamp":
			// An empty timestamp is a missing one (302), like every other
			// empty common-header leaf; a non-empty one must match ZULU.
			h.timestamp, rerr = asString(val, ptr, key)
			if rerr == nil && *h.timestamp != "" && !zuluPattern.MatchString(*h.timestamp) {
				rerr = malformed(ptr, "Supplied value %q does not match required pattern %q", *h.timestamp, zuluPatternText)
			}
		default:
			return false, nil
		}
		return true, rerr
	})
	if rerr != nil {
		return rerr
	}
	in.header = h
	return nil
}

var (
	modeValues  = []string{string(ModeExclusive), string(ModeNormal)}
	forceValues = []string{ForceTrue, ForceFalse}
)

func decodeFlags(v any, base string) (Flags, *RestconfError) {
	var f Flags
	obj, rerr := asJSONObject(v, base, "flags")
	if rerr != nil {
		return f, rerr
	}
	for _, key := range obj.keys {
		val, ptr := obj.vals[key], base+"/"+document.EscapePointer(key)
		switch key {
		case "mode":
			s, rerr := enumString(val, ptr, key, modeValues)
			if rerr != nil {
				return f, rerr
			}
			f.Mode = Mode(s)
		case "force":
			s, rerr := enumString(val, ptr, key, forceValues)
			if rerr != nil {
				return f, rerr
			}
			f.Force = s
		case "ttl":
			// uint16: a JSON number, or a string holding one (the guide's
			// request shows "ttl": "<TTL_VALUE>", its response an
			// unquoted number).
			var text string
			switch t := val.(type) {
			case json.Number:
				text = t.String()
			case string:
				text = t
			default:
				return f, wrongType(ptr, "ttl", "a number", val)
			}
			n, err := strconv.ParseUint(text, 10, 16)
			if err != nil {
				return f, malformed(ptr, "Invalid value '%s' for uint16 type (0..65535)", text)
			}
			f.TTL = int(n)
		default:
			return f, notInSchema(ptr, key, "flags")
		}
	}
	return f, nil
}

func (in *rawInput) decodeIdentifiers(v any, base string) *RestconfError {
	ids := &rawIdentifiers{}
	leaves := map[string]**string{
		"service-instance-id": &ids.serviceInstanceID,
		"vnf-id":              &ids.vnfID,
		"vf-module-id":        &ids.vfModuleID,
		"vnfc-name":           &ids.vnfcName,
		"vserver-id":          &ids.vserverID,
	}
	if rerr := decodeLeaves(v, base, "action-identifiers", leaves, nil); rerr != nil {
		return rerr
	}
	in.ids = ids
	return nil
}
