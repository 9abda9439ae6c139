package appc

import (
	"encoding/json"
	"strings"
	"time"
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

// Request is a valid APPC LCM request.
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

// Refusal is a request refused with a status of the guide (3xx): it is
// answered with Response(), a business answer like any other (Engine.Handle
// gives it as an Answered Result).
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
//
// It runs in two steps: structural decoding (decode.go) gives err or a
// rawInput; business validation (validate.go) gives refusal or req.
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
