package appc

import (
	"encoding/json"
	"testing"
	"time"
)

// guideHeader is a common-header as the guide's examples fill it.
const guideHeader = `{"api-ver": "2.00", "flags": {"ttl": 3600, "force": "FALSE", "mode": "NORMAL"},
 "originator-id": "SO", "request-id": "664be3d2-6c12-4f4b-a3e7-c349acced200",
 "sub-request-id": "1", "timestamp": "2016-08-08T23:09:00.11Z"}`

func TestResponseShapes(t *testing.T) {
	header := json.RawMessage(guideHeader)
	mustPayload := func(r Response, v any) Response {
		t.Helper()
		out, err := r.WithPayloadJSON(v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	at := time.Date(2024, 5, 1, 9, 5, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name string
		resp any
		want string
	}{
		{"generic success", NewResponse(header, Success()), `{"output": {
			"common-header": ` + guideHeader + `,
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"CheckLock locked", NewResponse(header, Success()).WithLocked(true), `{"output": {
			"status": {"code": 400, "message": "The request was processed successfully"},
			"common-header": ` + guideHeader + `,
			"locked": "TRUE"}}`},
		{"CheckLock unlocked", NewResponse(header, Success()).WithLocked(false), `{"output": {
			"status": {"code": 400, "message": "The request was processed successfully"},
			"common-header": ` + guideHeader + `,
			"locked": "FALSE"}}`},
		{"Snapshot", NewResponse(header, Success()).WithSnapshotID("a7f5c3f0-snap"), `{"output": {
			"common-header": ` + guideHeader + `,
			"snapshot-id": "a7f5c3f0-snap",
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"Configure with upload_config_id", mustPayload(NewResponse(header, Success()), UploadConfigResult{UploadConfigID: "42"}), `{"output": {
			"common-header": ` + guideHeader + `,
			"payload": "{\"upload_config_id\":\"42\"}",
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"HealthCheck healthy", mustPayload(NewResponse(header, Success()), NewHealthCheckResult("vnf-1", true, at)), `{"output": {
			"common-header": ` + guideHeader + `,
			"payload": "{\"identifier\":\"vnf-1\",\"state\":\"healthy\",\"time\":\"05-01-2024:0705\"}",
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"ActionStatus", mustPayload(NewResponse(header, Success()), ActionStatusResult{Status: LCMSuccessful, StatusReason: "SUCCESSFUL"}), `{"output": {
			"common-header": ` + guideHeader + `,
			"payload": "{\"status\":\"SUCCESSFUL\",\"status-reason\":\"SUCCESSFUL\"}",
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"raw payload", NewResponse(header, DGFailure("no backup")).WithPayload(`{"error": "no backup"}`), `{"output": {
			"common-header": ` + guideHeader + `,
			"payload": "{\"error\": \"no backup\"}",
			"status": {"code": 401, "message": "DG FAILURE - no backup"}}}`},
		{"payload removed", NewResponse(header, Success()).WithPayload("x").WithPayload(""), `{"output": {
			"common-header": ` + guideHeader + `,
			"status": {"code": 400, "message": "The request was processed successfully"}}}`},
		{"locking failure", NewResponse(header, LockingFailure("VNF vnf-1 is locked by request req-A")), `{"output": {
			"common-header": ` + guideHeader + `,
			"status": {"code": 310, "message": "LOCKING FAILURE - VNF vnf-1 is locked by request req-A"}}}`},
		{"refusal without common-header", (&Refusal{Status: MissingMandatoryParameter("common-header"), Action: Start}).Response(), `{"output": {
			"status": {"code": 302, "message": "MISSING MANDATORY PARAMETER - Parameter common-header is missing"}}}`},
		{"refusal", (&Refusal{Status: VNFNotFound("v"), CommonHeaderJSON: header}).Response(), `{"output": {
			"common-header": ` + guideHeader + `,
			"status": {"code": 306, "message": "VNF NOT FOUND - VNF with ID v was not found"}}}`},
		{"malformed", malformed("/input/action", "Invalid value '%s' for enum type. Allowed values are: [%s]", "Stopp", "Sync, Audit, Stop, Terminate").Body(), `{
			"errors": {"error": [{"error-type": "protocol", "error-tag": "malformed-message",
			"error-message": "Error parsing input: Invalid value 'Stopp' for enum type. Allowed values are: [Sync, Audit, Stop, Terminate]",
			"error-info": "/input/action"}]}}`},
		{"malformed at the top", malformed("", "invalid JSON").Body(), `{
			"errors": {"error": [{"error-type": "protocol", "error-tag": "malformed-message",
			"error-message": "Error parsing input: invalid JSON", "error-info": ""}]}}`},
		{"unknown rpc", unknownRPC("terminate").Body(), `{
			"errors": {"error": [{"error-type": "protocol", "error-tag": "unknown-element",
			"error-message": "RPC \"terminate\" does not exist.", "error-info": "appc-provider-lcm:terminate"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.resp)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, got, []byte(tt.want)) {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestResponseKeyOrder: the guide's order (common-header, payload,
// additional fields, status).
func TestResponseKeyOrder(t *testing.T) {
	r := NewResponse(json.RawMessage(`{"request-id":"r"}`), Success()).WithPayload("{}").WithLocked(true).WithSnapshotID("s")
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"output":{"common-header":{"request-id":"r"},"payload":"{}","locked":"TRUE","snapshot-id":"s","status":{"code":400,"message":"The request was processed successfully"}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestWithPayloadJSONError(t *testing.T) {
	r := NewResponse(nil, Success())
	out, err := r.WithPayloadJSON(func() {})
	if err == nil {
		t.Fatal("want an error for an unencodable payload")
	}
	if out.Output.Payload != "" {
		t.Error("payload set despite the error")
	}
}

func TestHealthCheckResult(t *testing.T) {
	at := time.Date(2024, 12, 31, 23, 59, 0, 0, time.UTC)
	if got := NewHealthCheckResult("v", false, at); got.State != Unhealthy || got.Time != "12-31-2024:2359" || got.Identifier != "v" {
		t.Errorf("%+v", got)
	}
	got, err := json.Marshal(HealthCheckResult{Identifier: "v", State: Unhealthy, Info: "System threshold exceeded details",
		Fault: map[string]any{"cpuOverall": 0.8, "cpuThreshold": 0.45}, Time: "01-01-1000:0000"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"identifier": "v", "state": "unhealthy", "info": "System threshold exceeded details",
		"fault": {"cpuOverall": 0.80, "cpuThreshold": 0.45}, "time": "01-01-1000:0000"}`
	if !sameJSON(t, got, []byte(want)) {
		t.Errorf("got %s", got)
	}
}

// TestRequestRespondRoundTrip: a parsed request's answer decodes back into
// the guide's response fields.
func TestRequestRespondRoundTrip(t *testing.T) {
	b := requestBody(Snapshot, ScopeVM)
	req := mustParse(t, "snapshot", encode(t, b))
	raw, err := json.Marshal(req.Respond(Success()).WithSnapshotID("snap-1"))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Output struct {
			CommonHeader map[string]any `json:"common-header"`
			SnapshotID   string         `json:"snapshot-id"`
			Status       Status         `json:"status"`
		} `json:"output"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Output.SnapshotID != "snap-1" || out.Output.Status != Success() ||
		out.Output.CommonHeader["request-id"] != "664be3d2-6c12-4f4b-a3e7-c349acced200" {
		t.Errorf("%+v", out)
	}
}
