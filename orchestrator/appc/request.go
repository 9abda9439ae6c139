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
	"time"
	"unicode/utf8"
)

// DefaultTTL is a sensible default for ParseRequest's defaultTTL, the time
// a request stays valid after its timestamp when flags.ttl is absent or 0.
const DefaultTTL = time.Hour

// MaxIDLength is the guide's limit on originator-id, request-id and
// sub-request-id ("limited to a length of 40 characters").
const MaxIDLength = 40

// MaxVNFIDLength bounds vnf-id, which the guide leaves open: VNF records
// here are named by uuids (36 characters), and every request stores its
// vnf-id, so a longer one only costs storage.
const MaxVNFIDLength = 255

// TimestampLayout is a Go layout that always satisfies the YANG ZULU type
// (UTC, milliseconds). Note that time.RFC3339Nano does not: it drops the
// fraction on whole seconds and may write 9 digits, and ZULU wants 1 to 6.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// FormatTimestamp formats t for a common-header timestamp (UTC,
// milliseconds: "2016-08-03T08:50:18.970Z").
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// Mode is the common-header flags.mode enumeration.
type Mode string

// The values of flags.mode.
const (
	ModeExclusive Mode = "EXCLUSIVE"
	ModeNormal    Mode = "NORMAL"
)

// The values of flags.force.
const (
	ForceTrue  = "TRUE"
	ForceFalse = "FALSE"
)

// Flags is the common-header flags container.
type Flags struct {
	Mode  Mode   // "" when absent (NORMAL is the default)
	Force string // "TRUE", "FALSE", or "" when absent (FALSE is the default)
	TTL   int    // seconds, 0 when absent; 0 means "use the default"
}

// Forced tells whether flags.force is "TRUE".
func (f Flags) Forced() bool { return f.Force == ForceTrue }

// CommonHeader is the request's common-header, every leaf as sent.
type CommonHeader struct {
	Timestamp    string
	APIVer       string
	OriginatorID string
	RequestID    string
	SubRequestID string
	RequestorID  string // x-onap-requestorid
	Flags        Flags
}

// Key is what identifies a request for duplicate detection (312) and
// ActionStatus.
func (h CommonHeader) Key() RequestKey {
	return RequestKey{OriginatorID: h.OriginatorID, RequestID: h.RequestID, SubRequestID: h.SubRequestID}
}

// RequestKey identifies one request: the guide's originator-id, request-id
// and sub-request-id (sub-request-id may be empty).
type RequestKey struct {
	OriginatorID string
	RequestID    string
	SubRequestID string
}

// ActionIdentifiers is the request's action-identifiers container. Absent
// leaves are empty strings.
type ActionIdentifiers struct {
	ServiceInstanceID string
	VNFID             string
	VFModuleID        string
	VNFCName          string
	VServerID         string
}

// Scope tells the level the identifiers address: VM when a vserver-id is
// given, else VNFC for a vnfc-name, else VF-Module for a vf-module-id, else
// VNF. Empty leaves count as absent.
func (ai ActionIdentifiers) Scope() Scope {
	switch {
	case ai.VServerID != "":
		return ScopeVM
	case ai.VNFCName != "":
		return ScopeVNFC
	case ai.VFModuleID != "":
		return ScopeVFModule
	}
	return ScopeVNF
}

// Request is a valid LCM request.
type Request struct {
	RPC    string // the rpc name from the URL, as given
	Action Action // the action, the URL's and the body's (they agree)

	CommonHeader CommonHeader
	// CommonHeaderJSON is the common-header exactly as the client sent
	// it, for the response to echo.
	CommonHeaderJSON json.RawMessage

	Identifiers ActionIdentifiers

	// Payload is the payload leaf as sent ("" when absent, see HasPayload).
	Payload    string
	HasPayload bool
	// PayloadData is the payload decoded, when it is a JSON object
	// (numbers are json.Number); nil otherwise. Actions that read their
	// payload (Action.NeedsPayloadJSON) are refused unless it is one.
	PayloadData map[string]any

	// IdentityURL is Snapshot's top-level identity-url leaf, "" if absent.
	IdentityURL string

	Timestamp time.Time     // the common-header timestamp
	TTL       time.Duration // flags.ttl, or the default when absent or 0
	// Expires is Timestamp + TTL: the request is refused with 311 from
	// then on. Zero when there is no TTL at all (no flags.ttl and a
	// default <= 0).
	Expires time.Time
}

// Scope is the level the request addresses (see ActionIdentifiers.Scope).
func (r *Request) Scope() Scope { return r.Identifiers.Scope() }

// Key identifies the request (see CommonHeader.Key).
func (r *Request) Key() RequestKey { return r.CommonHeader.Key() }

// Respond builds the answer to r with status st, echoing its common-header.
func (r *Request) Respond(st Status) Response { return NewResponse(r.CommonHeaderJSON, st) }

// PayloadString returns the payload field key when it is a JSON string.
func (r *Request) PayloadString(key string) (string, bool) {
	v, ok := lookupField(r.PayloadData, key)
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

// PayloadBool returns the payload field key when it is a FieldBool value (a
// JSON boolean, or "true"/"false" in any case); given is false when it is
// absent or null.
func (r *Request) PayloadBool(key string) (value, given bool) {
	v, _ := lookupField(r.PayloadData, key)
	return payloadBool(v)
}

// payloadBool reads a FieldBool value; ok is false for anything else.
func payloadBool(v any) (value, ok bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch {
		case strings.EqualFold(t, "true"):
			return true, true
		case strings.EqualFold(t, "false"):
			return false, true
		}
	}
	return false, false
}

// PayloadObject returns the payload field key when it is a JSON object, or
// a JSON string holding one ("request-parameters",
// "configuration-parameters").
func (r *Request) PayloadObject(key string) (map[string]any, bool) {
	v, ok := lookupField(r.PayloadData, key)
	if !ok {
		return nil, false
	}
	return asObject(v)
}

// Refusal is a request refused with an LCM status (3xx): the answer is
// HTTP 200 with Response().
type Refusal struct {
	Status Status
	Action Action // the URL's action
	// CommonHeaderJSON is the request's common-header as sent, nil if it
	// had none.
	CommonHeaderJSON json.RawMessage
	// CommonHeader and Identifiers hold what the body carried, for logs
	// and records (zero values for what it did not).
	CommonHeader CommonHeader
	Identifiers  ActionIdentifiers
}

// Response builds the answer to the refused request.
func (r *Refusal) Response() Response { return NewResponse(r.CommonHeaderJSON, r.Status) }

// ParseRequest reads the body of POST /restconf/operations/appc-provider-lcm:{rpc}
// received at now. Exactly one of its results is non-nil:
//
//   - err, always a *RestconfError: the rpc is unknown (Tag
//     "unknown-element"), or the body is not a JSON document conforming to
//     the rpc's YANG input (Tag "malformed-message": not UTF-8 JSON, a
//     duplicate member, a member the model does not have, a wrong JSON
//     type, an enumeration value outside the enum, a timestamp not matching
//     the ZULU pattern, a ttl outside uint16);
//   - refusal: the message is well-formed but refused with a status of the
//     guide (302, 301, 303, 311, 305), checked in this order: input,
//     common-header fields and action present (302); body action equal to
//     the URL's (301); api-ver in X.YY format and ids at most 40 characters
//     (301); timestamp a real time (303), not in the future (301), not
//     expired (311); action-identifiers and vnf-id present (302) and vnf-id
//     not empty nor longer than MaxVNFIDLength (301); the request's scope
//     supported by the action (305);
//     the payload: present when the action requires fields (302), not empty
//     (301), a JSON object (303), its required fields present (302) and of
//     the right type (301);
//   - req: a valid request.
//
// defaultTTL applies when flags.ttl is absent or 0; <= 0 means no default
// (such a request never expires).
func ParseRequest(rpc string, body []byte, now time.Time, defaultTTL time.Duration) (*Request, *Refusal, error) {
	action, ok := ActionForRPC(rpc)
	if !ok {
		return nil, nil, unknownRPC(rpc)
	}
	in, rerr := decodeInput(action, body)
	if rerr != nil {
		return nil, nil, rerr
	}
	req, refusal := in.validate(rpc, action, now, defaultTTL)
	if refusal != nil {
		return nil, refusal, nil
	}
	return req, nil, nil
}

// ---- structural decoding (malformed-message) ----

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
			child := pointer + "/" + escapePointer(key)
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

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
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
			return nil, notInSchema("/"+escapePointer(key), key, "the rpc "+action.RPC())
		}
		if in.hasInput {
			return nil, malformed("/"+escapePointer(key), "duplicate member input")
		}
		in.hasInput = true
		in.inputPointer = "/" + escapePointer(key)
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
		val, ptr := obj.vals[key], base+"/"+escapePointer(key)
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
		val, ptr := obj.vals[key], base+"/"+escapePointer(key)
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
		val, ptr := obj.vals[key], base+"/"+escapePointer(key)
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

// ---- business validation (LCM statuses) ----

var apiVerPattern = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (in *rawInput) commonHeader() CommonHeader {
	if in.header == nil {
		return CommonHeader{}
	}
	h := in.header
	return CommonHeader{
		Timestamp:    deref(h.timestamp),
		APIVer:       deref(h.apiVer),
		OriginatorID: deref(h.originatorID),
		RequestID:    deref(h.requestID),
		SubRequestID: deref(h.subRequestID),
		RequestorID:  deref(h.requestorID),
		Flags:        h.flags,
	}
}

func (in *rawInput) identifiers() ActionIdentifiers {
	if in.ids == nil {
		return ActionIdentifiers{}
	}
	return ActionIdentifiers{
		ServiceInstanceID: deref(in.ids.serviceInstanceID),
		VNFID:             deref(in.ids.vnfID),
		VFModuleID:        deref(in.ids.vfModuleID),
		VNFCName:          deref(in.ids.vnfcName),
		VServerID:         deref(in.ids.vserverID),
	}
}

func (in *rawInput) validate(rpc string, action Action, now time.Time, defaultTTL time.Duration) (*Request, *Refusal) {
	header := in.commonHeader()
	ids := in.identifiers()
	refuse := func(st Status) (*Request, *Refusal) {
		return nil, &Refusal{Status: st, Action: action, CommonHeaderJSON: in.headerJSON, CommonHeader: header, Identifiers: ids}
	}

	if !in.hasInput {
		return refuse(MissingMandatoryParameter("input"))
	}
	// Mandatory leaves, in APPC's order (ValidationService); an empty
	// string is a missing value, as APPC's isEmpty has it.
	var missing []string
	if in.header == nil {
		missing = append(missing, "common-header")
	} else {
		for _, f := range []struct {
			name  string
			value string
		}{
			{"api-ver", header.APIVer},
			{"timestamp", header.Timestamp},
			{"request-id", header.RequestID},
			{"originator-id", header.OriginatorID},
		} {
			if f.value == "" {
				missing = append(missing, f.name)
			}
		}
	}
	if in.action == nil {
		missing = append(missing, "action")
	}
	if len(missing) > 0 {
		return refuse(MissingMandatoryParameter(missing...))
	}
	if Action(*in.action) != action {
		return refuse(InvalidInputParameter(fmt.Sprintf("action: %s does not match the rpc %s", *in.action, rpc)))
	}
	if !apiVerPattern.MatchString(header.APIVer) {
		return refuse(InvalidInputParameter(fmt.Sprintf("api-ver: %q is not in X.YY format", header.APIVer)))
	}
	for _, f := range []struct {
		name  string
		value string
	}{
		{"originator-id", header.OriginatorID},
		{"request-id", header.RequestID},
		{"sub-request-id", header.SubRequestID},
	} {
		if n := utf8.RuneCountInString(f.value); n > MaxIDLength {
			return refuse(InvalidInputParameter(fmt.Sprintf("%s: %d characters, at most %d allowed", f.name, n, MaxIDLength)))
		}
	}

	ts, err := parseZulu(header.Timestamp)
	if err != nil {
		return refuse(RequestParsingFailed(fmt.Sprintf("timestamp: %q is not a valid time: %v", header.Timestamp, err)))
	}
	if ts.After(now) {
		return refuse(InvalidInputParameter(fmt.Sprintf("timestamp: %s is in the future", header.Timestamp)))
	}
	ttl := defaultTTL
	if header.Flags.TTL > 0 {
		ttl = time.Duration(header.Flags.TTL) * time.Second
	}
	var expires time.Time
	if ttl > 0 {
		expires = ts.Add(ttl)
		if now.After(expires) {
			return refuse(ExpiredRequest())
		}
	} else {
		ttl = 0
	}

	if in.ids == nil {
		return refuse(MissingMandatoryParameter("action-identifiers"))
	}
	if in.ids.vnfID == nil {
		return refuse(MissingMandatoryParameter("vnf-id"))
	}
	if ids.VNFID == "" {
		return refuse(InvalidInputParameter("vnf-id: must not be empty"))
	}
	if n := utf8.RuneCountInString(ids.VNFID); n > MaxVNFIDLength {
		return refuse(InvalidInputParameter(fmt.Sprintf("vnf-id: %d characters, at most %d allowed", n, MaxVNFIDLength)))
	}
	scope := ids.Scope()
	if !action.SupportsScope(scope) {
		return refuse(ActionNotSupported(action))
	}

	data, st := checkPayload(action, scope, in.payload)
	if st != nil {
		return refuse(*st)
	}

	return &Request{
		RPC:              rpc,
		Action:           action,
		CommonHeader:     header,
		CommonHeaderJSON: in.headerJSON,
		Identifiers:      ids,
		Payload:          deref(in.payload),
		HasPayload:       in.payload != nil,
		PayloadData:      data,
		IdentityURL:      deref(in.identityURL),
		Timestamp:        ts,
		TTL:              ttl,
		Expires:          expires,
	}, nil
}

// parseZulu reads a timestamp that matches the ZULU pattern, checking that
// every field is in range (the pattern lets "2016-13-45T25:61:61.0Z" by).
func parseZulu(s string) (time.Time, error) {
	m := zuluPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("does not match %s", zuluPatternText)
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1]) // at most 4 digits each
	}
	year, month, day, hour, minute, sec := n[0], n[1], n[2], n[3], n[4], n[5]
	switch {
	case month < 1 || month > 12:
		return time.Time{}, fmt.Errorf("month %d out of range", month)
	case day < 1 || day > daysIn(year, time.Month(month)):
		return time.Time{}, fmt.Errorf("day %d out of range", day)
	case hour > 23:
		return time.Time{}, fmt.Errorf("hour %d out of range", hour)
	case minute > 59:
		return time.Time{}, fmt.Errorf("minute %d out of range", minute)
	case sec > 59:
		return time.Time{}, fmt.Errorf("second %d out of range", sec)
	}
	frac := m[7]
	nanos, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), nil
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// checkPayload validates the payload of action at scope: nil status and the
// decoded payload (nil when not a JSON object) when it is acceptable.
func checkPayload(action Action, scope Scope, payload *string) (map[string]any, *Status) {
	var data map[string]any
	var parseErr error
	empty := payload == nil || strings.TrimSpace(*payload) == ""
	if !empty {
		data, parseErr = decodePayload(*payload)
	}
	fields := action.PayloadFields(scope)
	if len(fields) == 0 {
		return data, nil // the action reads no payload: whatever it is, it is ignored
	}
	required := slices.ContainsFunc(fields, func(f PayloadField) bool { return f.Required })
	switch {
	case payload == nil && required:
		st := MissingMandatoryParameter("payload")
		return nil, &st
	case empty && required:
		st := InvalidInputParameter("payload: must not be empty")
		return nil, &st
	case empty:
		return nil, nil
	case parseErr != nil:
		st := RequestParsingFailed("payload: " + parseErr.Error())
		return nil, &st
	}
	for _, f := range fields {
		v, present := lookupField(data, f.Name)
		if !present || v == nil {
			if f.Required {
				st := MissingMandatoryParameter(f.Name)
				return nil, &st
			}
			continue
		}
		if !fieldOK(f, v) {
			st := InvalidInputParameter(fmt.Sprintf("%s: must be %s, found %s", f.Name, f.Kind, describe(v)))
			return nil, &st
		}
	}
	return data, nil
}

// decodePayload decodes a payload string that must hold one JSON object.
func decodePayload(p string) (map[string]any, error) {
	if !json.Valid([]byte(p)) {
		var v any
		return nil, fmt.Errorf("not valid JSON: %w", json.Unmarshal([]byte(p), &v))
	}
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object (found %s)", jsonKind(v))
	}
	return m, nil
}

// lookupField finds a dotted field name in a decoded payload.
func lookupField(data map[string]any, name string) (any, bool) {
	if data == nil {
		return nil, false
	}
	if v, ok := data[name]; ok {
		return v, true
	}
	parent, child, nested := strings.Cut(name, ".")
	if !nested {
		return nil, false
	}
	pv, ok := data[parent]
	if !ok {
		return nil, false
	}
	obj, ok := asObject(pv)
	if !ok {
		return nil, false
	}
	return lookupField(obj, child)
}

// asObject reads a payload value as an object: a JSON object, or a string
// holding one.
func asObject(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case string:
		m, err := decodePayload(t)
		return m, err == nil
	}
	return nil, false
}

func fieldOK(f PayloadField, v any) bool {
	switch f.Kind {
	case FieldString:
		s, ok := v.(string)
		return ok && (s != "" || !f.Required)
	case FieldObject:
		_, ok := asObject(v)
		return ok
	case FieldBool:
		_, ok := payloadBool(v)
		return ok
	case FieldYesNo:
		s, ok := v.(string)
		return ok && (s == "Y" || s == "N")
	}
	return false
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		if s == "" {
			return "an empty string"
		}
		return strconv.Quote(s)
	}
	return jsonKind(v)
}
