package appc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Response is the body of every business answer (an Answered or
// StoreFailed Result):
//
//	{"output": {"common-header": {...}, "payload": "...", "locked": "TRUE",
//	            "snapshot-id": "...", "status": {"code": 400, "message": "..."}}}
//
// Build it with NewResponse, Request.Respond or Refusal.Response and the
// With... methods; encode it with encoding/json.
type Response struct {
	Output Output `json:"output"`
}

// Output is the "output" block of a Response. Its key order is the guide's
// (common-header, payload, additional fields, status).
type Output struct {
	// CommonHeader is the request's common-header, echoed as the client
	// sent it (encoding/json compacts the whitespace). It is omitted when
	// the request had none.
	CommonHeader json.RawMessage `json:"common-header,omitempty"`
	// Payload is a JSON string holding the action's result document,
	// omitted when empty.
	Payload string `json:"payload,omitempty"`
	// Locked is CheckLock's "TRUE" or "FALSE", omitted for other actions.
	Locked string `json:"locked,omitempty"`
	// SnapshotID is Snapshot's new snapshot identifier, omitted otherwise.
	SnapshotID string `json:"snapshot-id,omitempty"`
	Status     Status `json:"status"`
}

// The values of CheckLock's "locked" (a YANG enumeration).
const (
	LockedTrue  = "TRUE"
	LockedFalse = "FALSE"
)

// NewResponse builds the answer echoing commonHeader (the raw JSON of the
// request's common-header, nil for none) with status st.
func NewResponse(commonHeader json.RawMessage, st Status) Response {
	return Response{Output: Output{CommonHeader: commonHeader, Status: st}}
}

// WithPayload returns r with payload p, a JSON document already encoded as
// a string ("" removes the payload).
func (r Response) WithPayload(p string) Response {
	r.Output.Payload = p
	return r
}

// WithPayloadJSON returns r with v encoded as JSON for its payload: the
// payload is a string holding that JSON, as the guide's responses carry it.
func (r Response) WithPayloadJSON(v any) (Response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return r, fmt.Errorf("appc: encode payload: %w", err)
	}
	r.Output.Payload = string(b)
	return r, nil
}

// WithLocked returns r with CheckLock's "locked": "TRUE" or "FALSE".
func (r Response) WithLocked(locked bool) Response {
	if locked {
		r.Output.Locked = LockedTrue
	} else {
		r.Output.Locked = LockedFalse
	}
	return r
}

// WithSnapshotID returns r with Snapshot's "snapshot-id".
func (r Response) WithSnapshotID(id string) Response {
	r.Output.SnapshotID = id
	return r
}

// HealthCheckTimeLayout is the Go layout of the "time" of a HealthCheck
// payload, after APPC's example "01-01-1000:0000" (MM-dd-yyyy:HHmm).
const HealthCheckTimeLayout = "01-02-2006:1504"

// The "state" values of a HealthCheck payload (the YANG vm-status
// enumeration has the same spellings).
const (
	Healthy   = "healthy"
	Unhealthy = "unhealthy"
)

// HealthCheckResult is HealthCheck's payload document. The Amsterdam guide
// gives no response payload for HealthCheck; this is the shape of APPC's
// later LCM API guide ("A JSON payload is returned indicating state
// (healthy, unhealthy), scope identifier, time-stamp and one or more blocks
// containing info and fault information"):
//
//	{"identifier": "scope represented", "state": "healthy", "time": "01-01-1000:0000"}
type HealthCheckResult struct {
	Identifier string         `json:"identifier"`
	State      string         `json:"state"`
	Info       string         `json:"info,omitempty"`
	Fault      map[string]any `json:"fault,omitempty"`
	Time       string         `json:"time"`
}

// NewHealthCheckResult builds the HealthCheck payload for the scope
// identifier (the vnf-id), healthy or not, at time at (UTC).
func NewHealthCheckResult(identifier string, healthy bool, at time.Time) HealthCheckResult {
	state := Unhealthy
	if healthy {
		state = Healthy
	}
	return HealthCheckResult{Identifier: identifier, State: state, Time: at.UTC().Format(HealthCheckTimeLayout)}
}

// The values of the YANG lcm-action-status enumeration: the "status" of an
// ActionStatus payload.
const (
	LCMInProgress            = "IN_PROGRESS"
	LCMSuccessful            = "SUCCESSFUL"
	LCMFailed                = "FAILED"
	LCMNotFound              = "NOT_FOUND"
	LCMAborted               = "ABORTED"
	LCMMultipleRequestsFound = "MULTIPLE_REQUESTS_FOUND"
)

// ActionStatusResult is ActionStatus's payload document, as APPC builds it
// (LocalRequestHandlerImpl): "status" is an lcm-action-status value,
// "status-reason" the finer request status ("SUCCESSFUL", "FAILED",
// "REJECTED", "ACCEPTED", "NOT_FOUND", ...).
type ActionStatusResult struct {
	Status       string `json:"status"`
	StatusReason string `json:"status-reason"`
}

// UploadConfigResult is the payload of Configure, ConfigModify and Audit
// when a configuration is stored: "the return payload contains the
// 'upload_config_id'".
type UploadConfigResult struct {
	UploadConfigID string `json:"upload_config_id"`
}

// RESTCONF error-type and error-tag values used by RestconfError.
const (
	ErrorTypeProtocol       = "protocol"
	ErrorTagMalformed       = "malformed-message"
	ErrorTagUnknownElement  = "unknown-element"
	malformedMessagePrefix  = "Error parsing input: "
	unknownRPCMessageFormat = "RPC %q does not exist."
)

// RestconfError is a request refused before any APPC processing, as the
// ODL RESTCONF layer refuses it: a body that is not JSON or breaks the YANG
// model (Tag ErrorTagMalformed), or an rpc this service does not have (Tag
// ErrorTagUnknownElement). It is answered with an error body (see Body),
// not with an LCM status: Engine.Handle gives it as a Malformed or an
// UnknownRPC Result, by its Tag.
type RestconfError struct {
	Type    string // "protocol"
	Tag     string // "malformed-message" or "unknown-element"
	Message string // "Error parsing input: ..."
	Info    string // where: a JSON pointer into the body, or the rpc name
}

func (e *RestconfError) Error() string {
	return fmt.Sprintf("appc: %s: %s (%s)", e.Tag, e.Message, e.Info)
}

// Malformed tells whether e is a malformed-message error.
func (e *RestconfError) Malformed() bool { return e.Tag == ErrorTagMalformed }

// ErrorsBody is the RESTCONF error answer:
//
//	{"errors": {"error": [{"error-type": "protocol", "error-tag": "malformed-message",
//	                       "error-message": "...", "error-info": "..."}]}}
type ErrorsBody struct {
	Errors ErrorList `json:"errors"`
}

// ErrorList is the "errors" block of ErrorsBody.
type ErrorList struct {
	Error []ErrorEntry `json:"error"`
}

// ErrorEntry is one RESTCONF error.
type ErrorEntry struct {
	ErrorType    string `json:"error-type"`
	ErrorTag     string `json:"error-tag"`
	ErrorMessage string `json:"error-message"`
	ErrorInfo    string `json:"error-info"` // a JSON pointer; "" is the whole body
}

// Body returns the error answer for e.
func (e *RestconfError) Body() ErrorsBody {
	return ErrorsBody{Errors: ErrorList{Error: []ErrorEntry{{
		ErrorType:    e.Type,
		ErrorTag:     e.Tag,
		ErrorMessage: e.Message,
		ErrorInfo:    e.Info,
	}}}}
}

// malformed builds a malformed-message error about the value at pointer.
func malformed(pointer, format string, args ...any) *RestconfError {
	return &RestconfError{
		Type:    ErrorTypeProtocol,
		Tag:     ErrorTagMalformed,
		Message: malformedMessagePrefix + fmt.Sprintf(format, args...),
		Info:    pointer,
	}
}

// unknownRPC builds the error for an rpc name this service does not have.
func unknownRPC(rpc string) *RestconfError {
	return &RestconfError{
		Type:    ErrorTypeProtocol,
		Tag:     ErrorTagUnknownElement,
		Message: fmt.Sprintf(unknownRPCMessageFormat, rpc),
		Info:    RPCModulePrefix + strings.TrimPrefix(rpc, RPCModulePrefix),
	}
}
