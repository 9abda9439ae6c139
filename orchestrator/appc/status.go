package appc

import (
	"fmt"
	"strings"
)

// Status is the "status" block of an APPC LCM response: a code of the guide's
// Status Codes table and its message.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// The status codes of the guide's table.
const (
	CodeAccepted                   = 100 // ACCEPTED
	CodeUnexpectedError            = 200 // ERROR
	CodeRejected                   = 300 // REJECT ...
	CodeInvalidInputParameter      = 301
	CodeMissingMandatoryParameter  = 302
	CodeRequestParsingFailed       = 303
	CodeNoTransitionDefined        = 304
	CodeActionNotSupported         = 305
	CodeVNFNotFound                = 306
	CodeDGWorkflowNotFound         = 307
	CodeWorkflowNotFound           = 308
	CodeUnstableVNF                = 309
	CodeLockingFailure             = 310
	CodeExpiredRequest             = 311
	CodeDuplicateRequest           = 312
	CodeMissingVNFDataInAAI        = 313
	CodeSuccess                    = 400 // SUCCESS
	CodeDGFailure                  = 401 // FAILURE ...
	CodeNoTransitionDefinedFailure = 402
	CodeUpdateAAIFailure           = 403
	CodeExpiredRequestFailure      = 404
	CodeUnexpectedFailure          = 405
	CodeUnstableVNFFailure         = 406
	CodeActionNotSupportedOnVNF    = 450
	CodePartialSuccess             = 500 // PARTIAL SUCCESS
	CodePartialFailure             = 501 // PARTIAL FAILURE (501 - 599)
)

// statusTemplates are the "Message / Description" column of the guide's
// Status Codes table, verbatim (a cell broken over two lines is joined with
// one space). ${...} are the placeholders.
var statusTemplates = map[int]string{
	CodeAccepted:                   "ACCEPTED - Request accepted",
	CodeUnexpectedError:            "UNEXPECTED ERROR - ${detailedErrorMsg}",
	CodeRejected:                   "REJECTED - ${detailedErrorMsg}",
	CodeInvalidInputParameter:      "INVALID INPUT PARAMETER -${detailedErrorMsg}",
	CodeMissingMandatoryParameter:  "MISSING MANDATORY PARAMETER - Parameter ${paramName} is missing",
	CodeRequestParsingFailed:       "REQUEST PARSING FAILED - ${detailedErrorMsg}",
	CodeNoTransitionDefined:        "NO TRANSITION DEFINED - No Transition Defined for ${actionName} action and ${currentState} state",
	CodeActionNotSupported:         "ACTION NOT SUPPORTED - ${actionName} action is not supported",
	CodeVNFNotFound:                "VNF NOT FOUND - VNF with ID ${vnfId} was not found",
	CodeDGWorkflowNotFound:         "DG WORKFLOW NOT FOUND - No DG workflow found for the combination of ${dgModule} module ${dgName} name and ${dgVersion} version",
	CodeWorkflowNotFound:           "WORKFLOW NOT FOUND - No workflow found for VNF type ${vnfTypeVersion} and ${actionName} action",
	CodeUnstableVNF:                "UNSTABLE VNF - VNF ${vnfId} is not stable to accept the command",
	CodeLockingFailure:             "LOCKING FAILURE -${detailedErrorMsg}",
	CodeExpiredRequest:             "EXPIREDREQUEST. The request processing time exceeded the maximum available time",
	CodeDuplicateRequest:           "DUPLICATEREQUEST. The request already exists",
	CodeMissingVNFDataInAAI:        "MISSING VNF DATA IN A&AI - ${attributeName} not found for VNF ID = ${vnfId}",
	CodeSuccess:                    "The request was processed successfully",
	CodeDGFailure:                  "DG FAILURE - ${ detailedErrorMsg }",
	CodeNoTransitionDefinedFailure: "NO TRANSITION DEFINED - No Transition Defined for ${ actionName} action and ${currentState} state",
	CodeUpdateAAIFailure:           "UPDATE_AAI_FAILURE - failed to update AAI. ${errorMsg}",
	CodeExpiredRequestFailure:      "EXPIRED REQUEST FAILURE - failed during processing because TTL expired",
	CodeUnexpectedFailure:          "UNEXPECTED FAILURE - ${detailedErrorMsg}",
	CodeUnstableVNFFailure:         "UNSTABLE VNF FAILURE - VNF ${vnfId} is not stable to accept the command",
	CodeActionNotSupportedOnVNF:    "Requested action is not supported on the VNF",
	CodePartialSuccess:             "PARTIAL SUCCESS",
	CodePartialFailure:             "PARTIAL FAILURE",
}

// StatusTemplate returns the guide's message text for code, placeholders
// included ("VNF NOT FOUND - VNF with ID ${vnfId} was not found"). Codes
// 502..599 share 501's text. ok is false for a code not in the table.
func StatusTemplate(code int) (template string, ok bool) {
	if code > CodePartialFailure && code <= 599 {
		code = CodePartialFailure
	}
	template, ok = statusTemplates[code]
	return template, ok
}

// StatusCodes returns the codes of the guide's table, ascending (501 stands
// for the 501 - 599 range).
func StatusCodes() []int {
	return []int{
		CodeAccepted, CodeUnexpectedError, CodeRejected, CodeInvalidInputParameter,
		CodeMissingMandatoryParameter, CodeRequestParsingFailed, CodeNoTransitionDefined,
		CodeActionNotSupported, CodeVNFNotFound, CodeDGWorkflowNotFound, CodeWorkflowNotFound,
		CodeUnstableVNF, CodeLockingFailure, CodeExpiredRequest, CodeDuplicateRequest,
		CodeMissingVNFDataInAAI, CodeSuccess, CodeDGFailure, CodeNoTransitionDefinedFailure,
		CodeUpdateAAIFailure, CodeExpiredRequestFailure, CodeUnexpectedFailure,
		CodeUnstableVNFFailure, CodeActionNotSupportedOnVNF, CodePartialSuccess,
		CodePartialFailure,
	}
}

// fillStatus fills the placeholders of code's template, in the order given as
// name, value pairs. The placeholder may carry spaces inside its braces, as
// two of the guide's do ("${ detailedErrorMsg }").
func fillStatus(code int, pairs ...string) Status {
	msg, _ := StatusTemplate(code)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, value := pairs[i], pairs[i+1]
		for _, ph := range []string{"${" + name + "}", "${ " + name + "}", "${" + name + " }", "${ " + name + " }"} {
			msg = strings.ReplaceAll(msg, ph, value)
		}
	}
	return Status{Code: code, Message: msg}
}

// spaced prepares a free-form detail for templates whose placeholder follows the
// dash without a space ("INVALID INPUT PARAMETER -${detailedErrorMsg}",
// "LOCKING FAILURE -${detailedErrorMsg}"): a space is put before it, so
// every message reads "TITLE - detail" as APPC's own LCMCommandStatus does
// ("INVALID INPUT PARAMETER - ${errorMsg}").
func spaced(d string) string {
	if d == "" || strings.HasPrefix(d, " ") {
		return d
	}
	return " " + d
}

// Accepted is 100 ACCEPTED.
func Accepted() Status { return fillStatus(CodeAccepted) }

// UnexpectedError is 200 UNEXPECTED ERROR with a detail.
func UnexpectedError(detail string) Status {
	return fillStatus(CodeUnexpectedError, "detailedErrorMsg", detail)
}

// Rejected is 300 REJECTED with a detail.
func Rejected(detail string) Status { return fillStatus(CodeRejected, "detailedErrorMsg", detail) }

// InvalidInputParameter is 301 INVALID INPUT PARAMETER; detail names the
// parameter and what is wrong with it ("vnf-id: must not be empty").
func InvalidInputParameter(detail string) Status {
	return fillStatus(CodeInvalidInputParameter, "detailedErrorMsg", spaced(detail))
}

// MissingMandatoryParameter is 302 MISSING MANDATORY PARAMETER naming the
// missing parameters (several are joined with ", ", as APPC lists every
// missing common-header field at once).
func MissingMandatoryParameter(names ...string) Status {
	return fillStatus(CodeMissingMandatoryParameter, "paramName", strings.Join(names, ", "))
}

// RequestParsingFailed is 303 REQUEST PARSING FAILED with a detail.
func RequestParsingFailed(detail string) Status {
	return fillStatus(CodeRequestParsingFailed, "detailedErrorMsg", detail)
}

// NoTransitionDefined is 304 NO TRANSITION DEFINED for action in state.
func NoTransitionDefined(action Action, state string) Status {
	return fillStatus(CodeNoTransitionDefined, "actionName", string(action), "currentState", state)
}

// ActionNotSupported is 305 ACTION NOT SUPPORTED for action.
func ActionNotSupported(action Action) Status {
	return fillStatus(CodeActionNotSupported, "actionName", string(action))
}

// VNFNotFound is 306 VNF NOT FOUND for vnfID.
func VNFNotFound(vnfID string) Status { return fillStatus(CodeVNFNotFound, "vnfId", vnfID) }

// DGWorkflowNotFound is 307 DG WORKFLOW NOT FOUND.
func DGWorkflowNotFound(module, name, version string) Status {
	return fillStatus(CodeDGWorkflowNotFound, "dgModule", module, "dgName", name, "dgVersion", version)
}

// WorkflowNotFound is 308 WORKFLOW NOT FOUND.
func WorkflowNotFound(vnfTypeVersion string, action Action) Status {
	return fillStatus(CodeWorkflowNotFound, "vnfTypeVersion", vnfTypeVersion, "actionName", string(action))
}

// UnstableVNF is 309 UNSTABLE VNF for vnfID.
func UnstableVNF(vnfID string) Status { return fillStatus(CodeUnstableVNF, "vnfId", vnfID) }

// LockingFailure is 310 LOCKING FAILURE with a detail ("VNF ... is locked by
// another request").
func LockingFailure(detail string) Status {
	return fillStatus(CodeLockingFailure, "detailedErrorMsg", spaced(detail))
}

// ExpiredRequest is 311 EXPIREDREQUEST.
func ExpiredRequest() Status { return fillStatus(CodeExpiredRequest) }

// DuplicateRequest is 312 DUPLICATEREQUEST.
func DuplicateRequest() Status { return fillStatus(CodeDuplicateRequest) }

// MissingVNFDataInAAI is 313 MISSING VNF DATA IN A&AI.
func MissingVNFDataInAAI(attribute, vnfID string) Status {
	return fillStatus(CodeMissingVNFDataInAAI, "attributeName", attribute, "vnfId", vnfID)
}

// Success is 400 SUCCESS.
func Success() Status { return fillStatus(CodeSuccess) }

// DGFailure is 401 DG FAILURE, the final answer of a request that ran and
// failed, with a detail.
func DGFailure(detail string) Status { return fillStatus(CodeDGFailure, "detailedErrorMsg", detail) }

// NoTransitionDefinedFailure is 402 NO TRANSITION DEFINED (the FAILURE
// category's).
func NoTransitionDefinedFailure(action Action, state string) Status {
	return fillStatus(CodeNoTransitionDefinedFailure, "actionName", string(action), "currentState", state)
}

// UpdateAAIFailure is 403 UPDATE_AAI_FAILURE.
func UpdateAAIFailure(msg string) Status { return fillStatus(CodeUpdateAAIFailure, "errorMsg", msg) }

// ExpiredRequestFailure is 404 EXPIRED REQUEST FAILURE.
func ExpiredRequestFailure() Status { return fillStatus(CodeExpiredRequestFailure) }

// UnexpectedFailure is 405 UNEXPECTED FAILURE with a detail.
func UnexpectedFailure(detail string) Status {
	return fillStatus(CodeUnexpectedFailure, "detailedErrorMsg", detail)
}

// UnstableVNFFailure is 406 UNSTABLE VNF FAILURE for vnfID.
func UnstableVNFFailure(vnfID string) Status {
	return fillStatus(CodeUnstableVNFFailure, "vnfId", vnfID)
}

// ActionNotSupportedOnVNF is 450.
func ActionNotSupportedOnVNF() Status { return fillStatus(CodeActionNotSupportedOnVNF) }

// PartialSuccess is 500 PARTIAL SUCCESS.
func PartialSuccess() Status { return fillStatus(CodePartialSuccess) }

// PartialFailure is 501 PARTIAL FAILURE.
func PartialFailure() Status { return fillStatus(CodePartialFailure) }

// Category is the guide's category of the status code: "ACCEPTED",
// "ERROR", "REJECT", "SUCCESS", "FAILURE", "PARTIAL SUCCESS", "PARTIAL
// FAILURE", or "" for a code outside the table's ranges.
func (s Status) Category() string {
	switch c := s.Code; {
	case c == CodeAccepted:
		return "ACCEPTED"
	case c >= 200 && c < 300:
		return "ERROR"
	case c >= 300 && c < 400:
		return "REJECT"
	case c == CodeSuccess:
		return "SUCCESS"
	case c > 400 && c < 500:
		return "FAILURE"
	case c == CodePartialSuccess:
		return "PARTIAL SUCCESS"
	case c > 500 && c <= 599:
		return "PARTIAL FAILURE"
	}
	return ""
}

// OK tells whether s is 400 SUCCESS.
func (s Status) OK() bool { return s.Code == CodeSuccess }

// String renders s as "code message".
func (s Status) String() string { return fmt.Sprintf("%d %s", s.Code, s.Message) }
