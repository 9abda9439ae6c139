package appc

import (
	"slices"
	"testing"
)

// guideStatusTable is the guide's Status Codes table (Category, Code,
// Message / Description), copied cell by cell; cells broken over two lines
// are joined with one space.
var guideStatusTable = []struct {
	category string
	code     int
	message  string
}{
	{"ACCEPTED", 100, "ACCEPTED - Request accepted"},
	{"ERROR", 200, "UNEXPECTED ERROR - ${detailedErrorMsg}"},
	{"REJECT", 300, "REJECTED - ${detailedErrorMsg}"},
	{"REJECT", 301, "INVALID INPUT PARAMETER -${detailedErrorMsg}"},
	{"REJECT", 302, "MISSING MANDATORY PARAMETER - Parameter ${paramName} is missing"},
	{"REJECT", 303, "REQUEST PARSING FAILED - ${detailedErrorMsg}"},
	{"REJECT", 304, "NO TRANSITION DEFINED - No Transition Defined for ${actionName} action and ${currentState} state"},
	{"REJECT", 305, "ACTION NOT SUPPORTED - ${actionName} action is not supported"},
	{"REJECT", 306, "VNF NOT FOUND - VNF with ID ${vnfId} was not found"},
	{"REJECT", 307, "DG WORKFLOW NOT FOUND - No DG workflow found for the combination of ${dgModule} module ${dgName} name and ${dgVersion} version"},
	{"REJECT", 308, "WORKFLOW NOT FOUND - No workflow found for VNF type ${vnfTypeVersion} and ${actionName} action"},
	{"REJECT", 309, "UNSTABLE VNF - VNF ${vnfId} is not stable to accept the command"},
	{"REJECT", 310, "LOCKING FAILURE -${detailedErrorMsg}"},
	{"REJECT", 311, "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
	{"REJECT", 312, "DUPLICATEREQUEST. The request already exists"},
	{"REJECT", 313, "MISSING VNF DATA IN A&AI - ${attributeName} not found for VNF ID = ${vnfId}"},
	{"SUCCESS", 400, "The request was processed successfully"},
	{"FAILURE", 401, "DG FAILURE - ${ detailedErrorMsg }"},
	{"FAILURE", 402, "NO TRANSITION DEFINED - No Transition Defined for ${ actionName} action and ${currentState} state"},
	{"FAILURE", 403, "UPDATE_AAI_FAILURE - failed to update AAI. ${errorMsg}"},
	{"FAILURE", 404, "EXPIRED REQUEST FAILURE - failed during processing because TTL expired"},
	{"FAILURE", 405, "UNEXPECTED FAILURE - ${detailedErrorMsg}"},
	{"FAILURE", 406, "UNSTABLE VNF FAILURE - VNF ${vnfId} is not stable to accept the command"},
	{"FAILURE", 450, "Requested action is not supported on the VNF"},
	{"PARTIAL SUCCESS", 500, "PARTIAL SUCCESS"},
	{"PARTIAL FAILURE", 501, "PARTIAL FAILURE"},
}

func TestStatusTemplatesAreTheGuides(t *testing.T) {
	var codes []int
	for _, row := range guideStatusTable {
		codes = append(codes, row.code)
		got, ok := StatusTemplate(row.code)
		if !ok || got != row.message {
			t.Errorf("StatusTemplate(%d) = %q, %v; want %q", row.code, got, ok, row.message)
		}
		if c := (Status{Code: row.code}).Category(); c != row.category {
			t.Errorf("Category(%d) = %q, want %q", row.code, c, row.category)
		}
	}
	if !slices.Equal(StatusCodes(), codes) {
		t.Errorf("StatusCodes() = %v, want %v", StatusCodes(), codes)
	}
	// 501 - 599 share a row.
	for _, code := range []int{502, 550, 599} {
		if got, ok := StatusTemplate(code); !ok || got != "PARTIAL FAILURE" {
			t.Errorf("StatusTemplate(%d) = %q, %v", code, got, ok)
		}
		if c := (Status{Code: code}).Category(); c != "PARTIAL FAILURE" {
			t.Errorf("Category(%d) = %q", code, c)
		}
	}
	for _, code := range []int{0, 99, 101, 314, 407, 600} {
		if _, ok := StatusTemplate(code); ok {
			t.Errorf("StatusTemplate(%d) found", code)
		}
	}
	for _, code := range []int{0, 99, 600} {
		if c := (Status{Code: code}).Category(); c != "" {
			t.Errorf("Category(%d) = %q, want none", code, c)
		}
	}
}

func TestStatusBuilders(t *testing.T) {
	tests := []struct {
		got  Status
		code int
		msg  string
	}{
		{Accepted(), 100, "ACCEPTED - Request accepted"},
		{UnexpectedError("boom"), 200, "UNEXPECTED ERROR - boom"},
		{Rejected("no"), 300, "REJECTED - no"},
		{InvalidInputParameter("vnf-id: must not be empty"), 301, "INVALID INPUT PARAMETER - vnf-id: must not be empty"},
		{InvalidInputParameter(" already spaced"), 301, "INVALID INPUT PARAMETER - already spaced"},
		{InvalidInputParameter(""), 301, "INVALID INPUT PARAMETER -"},
		{MissingMandatoryParameter("vnf-id"), 302, "MISSING MANDATORY PARAMETER - Parameter vnf-id is missing"},
		{MissingMandatoryParameter("api-ver", "timestamp"), 302, "MISSING MANDATORY PARAMETER - Parameter api-ver, timestamp is missing"},
		{RequestParsingFailed("bad"), 303, "REQUEST PARSING FAILED - bad"},
		{NoTransitionDefined(Start, "Running"), 304, "NO TRANSITION DEFINED - No Transition Defined for Start action and Running state"},
		{ActionNotSupported(Evacuate), 305, "ACTION NOT SUPPORTED - Evacuate action is not supported"},
		{VNFNotFound("vnf-1"), 306, "VNF NOT FOUND - VNF with ID vnf-1 was not found"},
		{DGWorkflowNotFound("APPC", "Start", "2.0.0"), 307, "DG WORKFLOW NOT FOUND - No DG workflow found for the combination of APPC module Start name and 2.0.0 version"},
		{WorkflowNotFound("vFW 1.0", Start), 308, "WORKFLOW NOT FOUND - No workflow found for VNF type vFW 1.0 and Start action"},
		{UnstableVNF("vnf-1"), 309, "UNSTABLE VNF - VNF vnf-1 is not stable to accept the command"},
		{LockingFailure("VNF vnf-1 is locked by request req-A"), 310, "LOCKING FAILURE - VNF vnf-1 is locked by request req-A"},
		{ExpiredRequest(), 311, "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
		{DuplicateRequest(), 312, "DUPLICATEREQUEST. The request already exists"},
		{MissingVNFDataInAAI("vnf-type", "vnf-1"), 313, "MISSING VNF DATA IN A&AI - vnf-type not found for VNF ID = vnf-1"},
		{Success(), 400, "The request was processed successfully"},
		{DGFailure("no backup"), 401, "DG FAILURE - no backup"},
		{NoTransitionDefinedFailure(Stop, "Stopped"), 402, "NO TRANSITION DEFINED - No Transition Defined for Stop action and Stopped state"},
		{UpdateAAIFailure("down"), 403, "UPDATE_AAI_FAILURE - failed to update AAI. down"},
		{ExpiredRequestFailure(), 404, "EXPIRED REQUEST FAILURE - failed during processing because TTL expired"},
		{UnexpectedFailure("oops"), 405, "UNEXPECTED FAILURE - oops"},
		{UnstableVNFFailure("vnf-1"), 406, "UNSTABLE VNF FAILURE - VNF vnf-1 is not stable to accept the command"},
		{ActionNotSupportedOnVNF(), 450, "Requested action is not supported on the VNF"},
		{PartialSuccess(), 500, "PARTIAL SUCCESS"},
		{PartialFailure(), 501, "PARTIAL FAILURE"},
	}
	for _, tt := range tests {
		if tt.got.Code != tt.code || tt.got.Message != tt.msg {
			t.Errorf("got %d %q, want %d %q", tt.got.Code, tt.got.Message, tt.code, tt.msg)
		}
	}
	if !Success().OK() || DGFailure("x").OK() {
		t.Error("OK is true for 400 only")
	}
	if s := VNFNotFound("v").String(); s != "306 VNF NOT FOUND - VNF with ID v was not found" {
		t.Errorf("String() = %q", s)
	}
}
