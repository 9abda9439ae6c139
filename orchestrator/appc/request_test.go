package appc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testNow is the time every test request is received at.
var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// testTS is ten seconds before testNow.
const testTS = "2024-05-01T11:59:50.000Z"

// obj is a JSON object under construction.
type obj = map[string]any

// validPayloads are real-looking payloads, after the guide's examples, for
// every action and scope that has payload parameters.
func validPayload(a Action, s Scope) (string, bool) {
	switch {
	case a == Audit:
		return `{"publish-config": "Y"}`, true
	case a == Configure || a == ConfigModify:
		if s == ScopeVNFC {
			return `{"request-parameters": {"host-ip-address": "10.147.124.75", "vnfc-type": "vLB", "template-name": "vLB-template"}, "configuration-parameters": {"node0_hostname": "lb0", "node0_backup_mgmt_ip": "10.0.0.1"}}`, true
		}
		return `{"request-parameters": {"host-ip-address": "10.147.124.75", "template-name": "vFW-template"}, "configuration-parameters": {"unique-config-id": "1", "pg-streams": 5}}`, true
	case a == ConfigBackup || a == ConfigRestore || a == StartApplication || a == StopApplication:
		return `{"request-parameters": {"host-ip-address": "http://chef.example.org:443"}, "configuration-parameters": {"cookbook": "vfw"}}`, true
	case a == Evacuate:
		return `{"vm-id": "2bbc4b9b-3e82-4a3b-8bd1-1a6a7e1dd7e1", "identity-url": "http://keystone.example.org:5000/v3", "tenant-id": "b9e2e5f0", "rebuild-vm": "false", "targethost-id": "nodeblade7"}`, true
	case a == HealthCheck:
		return `{"vnf-host-ip-address": "10.222.22.2"}`, true
	case a == Restart && s == ScopeVNF:
		return `{"vnf-host-ip-address": "10.222.22.2", "hostIdentity": "10.0.0.5"}`, true
	case a == Migrate || a == Rebuild || a == Snapshot || a == Restart:
		return `{"vm-id": "2bbc4b9b-3e82-4a3b-8bd1-1a6a7e1dd7e1", "identity-url": "http://keystone.example.org:5000/v3", "tenant-id": "b9e2e5f0"}`, true
	case a == ActionStatus:
		return `{"request-id": "req-earlier", "sub-request-id": "sub-1", "originator-id": "SO"}`, true
	}
	return "", false
}

// identifiersFor returns action-identifiers addressing scope s.
func identifiersFor(s Scope) obj {
	ids := obj{"vnf-id": "e4b5a3e6-9d2c-4a6e-8b83-4f4c1a0b6d21"}
	switch s {
	case ScopeVM:
		ids["vserver-id"] = "vm-uuid-1"
	case ScopeVNFC:
		ids["vnfc-name"] = "vlb-vnfc-0"
	case ScopeVFModule:
		ids["vf-module-id"] = "vf-module-1"
	}
	return ids
}

// requestBody builds a valid request for a at scope s, after the guide's
// generic request format.
func requestBody(a Action, s Scope) obj {
	input := obj{
		"common-header": obj{
			"timestamp":      testTS,
			"api-ver":        "2.00",
			"originator-id":  "SO",
			"request-id":     "664be3d2-6c12-4f4b-a3e7-c349acced200",
			"sub-request-id": "1",
			"flags":          obj{"mode": "NORMAL", "force": "FALSE", "ttl": "3600"},
		},
		"action":             string(a),
		"action-identifiers": identifiersFor(s),
	}
	if p, ok := validPayload(a, s); ok {
		input["payload"] = p
	}
	return obj{"input": input}
}

// defaultScope is the first scope a supports (VNF where it can).
func defaultScope(a Action) Scope { return a.Scopes()[0] }

func inputOf(b obj) obj       { return b["input"].(obj) }
func headerOf(b obj) obj      { return inputOf(b)["common-header"].(obj) }
func flagsOf(b obj) obj       { return headerOf(b)["flags"].(obj) }
func identifiersOf(b obj) obj { return inputOf(b)["action-identifiers"].(obj) }

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseOne runs ParseRequest and checks that exactly one result is set.
func parseOne(t testing.TB, rpc string, body []byte, defaultTTL time.Duration) (*Request, *Refusal, error) {
	t.Helper()
	req, ref, err := ParseRequest(rpc, body, testNow, defaultTTL)
	n := 0
	if req != nil {
		n++
	}
	if ref != nil {
		n++
	}
	if err != nil {
		n++
	}
	if n != 1 {
		t.Fatalf("ParseRequest(%q, %s): %d results set (req %v, refusal %v, err %v)", rpc, body, n, req, ref, err)
	}
	return req, ref, err
}

func mustParse(t testing.TB, rpc string, body []byte) *Request {
	t.Helper()
	req, ref, err := parseOne(t, rpc, body, DefaultTTL)
	if err != nil {
		t.Fatalf("ParseRequest(%q, %s): %v", rpc, body, err)
	}
	if ref != nil {
		t.Fatalf("ParseRequest(%q, %s): refused %s", rpc, body, ref.Status)
	}
	return req
}

// sameJSON compares two JSON documents structurally.
func sameJSON(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	return reflect.DeepEqual(g, w)
}

func TestParseValidEveryActionAndScope(t *testing.T) {
	for _, a := range Actions() {
		for _, s := range a.Scopes() {
			t.Run(string(a)+"/"+string(s), func(t *testing.T) {
				b := requestBody(a, s)
				req := mustParse(t, a.RPC(), encode(t, b))
				if req.Action != a || req.RPC != a.RPC() || req.Scope() != s {
					t.Errorf("action %s rpc %s scope %s", req.Action, req.RPC, req.Scope())
				}
				want := CommonHeader{
					Timestamp: testTS, APIVer: "2.00", OriginatorID: "SO",
					RequestID: "664be3d2-6c12-4f4b-a3e7-c349acced200", SubRequestID: "1",
					Flags: Flags{Mode: ModeNormal, Force: ForceFalse, TTL: 3600},
				}
				if req.CommonHeader != want {
					t.Errorf("header %+v, want %+v", req.CommonHeader, want)
				}
				if req.Key() != (RequestKey{"SO", "664be3d2-6c12-4f4b-a3e7-c349acced200", "1"}) {
					t.Errorf("key %+v", req.Key())
				}
				if req.CommonHeader.Flags.Forced() {
					t.Error("FALSE is not forced")
				}
				if !req.Timestamp.Equal(testNow.Add(-10*time.Second)) || req.TTL != time.Hour ||
					!req.Expires.Equal(testNow.Add(-10*time.Second+time.Hour)) {
					t.Errorf("timestamp %v ttl %v expires %v", req.Timestamp, req.TTL, req.Expires)
				}
				if req.Identifiers.VNFID != "e4b5a3e6-9d2c-4a6e-8b83-4f4c1a0b6d21" {
					t.Errorf("identifiers %+v", req.Identifiers)
				}
				if !sameJSON(t, req.CommonHeaderJSON, encode(t, headerOf(b))) {
					t.Errorf("common-header JSON %s", req.CommonHeaderJSON)
				}
				p, has := validPayload(a, s)
				if req.HasPayload != has || req.Payload != p {
					t.Errorf("payload %v %q", req.HasPayload, req.Payload)
				}
				if has && req.PayloadData == nil {
					t.Error("payload not decoded")
				}
			})
		}
	}
}

// TestParseGuideRequests parses requests written as the guide writes them:
// the generic request format with its placeholders filled, payloads as
// escaped JSON strings.
func TestParseGuideRequests(t *testing.T) {
	tests := []struct {
		rpc  string
		body string
		want func(t *testing.T, r *Request)
	}{
		{"evacuate", `{
 "input": {
 "common-header": {"timestamp": "2024-05-01T11:59:59.97Z",
 "api-ver": "2.00",
 "originator-id": "POLICY",
 "request-id": "8c1b8bd8-06f7-493f-8ed7-e4d21cf2e9c2",
 "sub-request-id": "1",
 "flags": {
 "mode": "EXCLUSIVE",
 "force": "TRUE",
 "ttl": "60"
 }
 },
 "action": "Evacuate",
 "action-identifiers": {
 "vnf-id": "fd5ef1b5",
 "vnfc-name": "vfw-vnfc-1",
 "vserver-id": "b8e2f0a7"
 },
 "payload": "{\"vm-id\": \"b8e2f0a7\", \"identity-url\": \"http://keystone:5000/v3\", \"tenant-id\": \"t1\", \"rebuild-vm\": \"false\", \"targethost-id\": \"nodeblade7\"}"
 }
 }`, func(t *testing.T, r *Request) {
			if r.Scope() != ScopeVM || !r.CommonHeader.Flags.Forced() || r.CommonHeader.Flags.Mode != ModeExclusive {
				t.Errorf("scope %s flags %+v", r.Scope(), r.CommonHeader.Flags)
			}
			if r.TTL != time.Minute || !r.Timestamp.Equal(time.Date(2024, 5, 1, 11, 59, 59, 970_000_000, time.UTC)) {
				t.Errorf("ttl %v timestamp %v", r.TTL, r.Timestamp)
			}
			if h, _ := r.PayloadString("targethost-id"); h != "nodeblade7" {
				t.Errorf("targethost-id %q", h)
			}
		}},
		{"health-check", `{"input": {"common-header": {"timestamp": "2024-05-01T11:59:00.1Z", "api-ver": "5.00",
 "originator-id": "SO", "request-id": "r-1"}, "action": "HealthCheck",
 "action-identifiers": {"vnf-id": "vnf-1"}, "payload": "{\"vnf-host-ip-address\": \"10.222.22.2\"}"}}`,
			func(t *testing.T, r *Request) {
				if ip, _ := r.PayloadString("vnf-host-ip-address"); ip != "10.222.22.2" {
					t.Errorf("vnf-host-ip-address %q", ip)
				}
				if r.CommonHeader.Flags != (Flags{}) || r.TTL != DefaultTTL || r.CommonHeader.SubRequestID != "" {
					t.Errorf("flags %+v ttl %v", r.CommonHeader.Flags, r.TTL)
				}
			}},
		{"configmodify", `{"input": {"common-header": {"timestamp": "2024-05-01T11:59:00.123456Z", "api-ver": "2.00",
 "originator-id": "POLICY", "request-id": "r-2", "flags": {"ttl": 120}}, "action": "ConfigModify",
 "action-identifiers": {"vnf-id": "vnf-1"},
 "payload": "{\"request-parameters\": {\"host-ip-address\": \"10.0.0.1\"}, \"configuration-parameters\": \"{\\\"streams\\\": {\\\"active-streams\\\": 5}}\"}"}}`,
			func(t *testing.T, r *Request) {
				cp, ok := r.PayloadObject("configuration-parameters")
				if !ok || cp["streams"] == nil {
					t.Errorf("configuration-parameters given as a JSON string: %v %v", cp, ok)
				}
				if _, ok := r.PayloadObject("request-parameters"); !ok {
					t.Error("request-parameters")
				}
				if ip, ok := r.PayloadString("request-parameters.host-ip-address"); !ok || ip != "10.0.0.1" {
					t.Errorf("dotted lookup %q %v", ip, ok)
				}
				if r.TTL != 2*time.Minute || r.Timestamp.Nanosecond() != 123456000 {
					t.Errorf("ttl %v ns %d", r.TTL, r.Timestamp.Nanosecond())
				}
			}},
		{"checklock", `{"appc-provider-lcm:input": {"common-header": {"timestamp": "2024-05-01T11:59:00.0Z", "api-ver": "2.00",
 "originator-id": "SO", "request-id": "r-3", "x-onap-requestorid": "ab1234@example.org"}, "action": "CheckLock",
 "action-identifiers": {"vnf-id": "vnf-1", "service-instance-id": "svc-1"}}}`,
			func(t *testing.T, r *Request) {
				if r.CommonHeader.RequestorID != "ab1234@example.org" || r.Identifiers.ServiceInstanceID != "svc-1" {
					t.Errorf("header %+v ids %+v", r.CommonHeader, r.Identifiers)
				}
				if r.HasPayload || r.PayloadData != nil {
					t.Error("no payload")
				}
			}},
		{"snapshot", `{"input": {"common-header": {"timestamp": "2024-05-01T11:59:00.0Z", "api-ver": "2.00",
 "originator-id": "SO", "request-id": "r-4"}, "action": "Snapshot",
 "action-identifiers": {"vnf-id": "vnf-1", "vserver-id": "vm-1"}, "identity-url": "http://keystone:5000/v3",
 "payload": "{\"vm-id\": \"vm-1\"}"}}`,
			func(t *testing.T, r *Request) {
				if r.IdentityURL != "http://keystone:5000/v3" {
					t.Errorf("identity-url %q", r.IdentityURL)
				}
			}},
		{"start", `{"input": {"common-header": {"timestamp": "2024-05-01T11:59:00.0Z", "api-ver": "2.00",
 "originator-id": "SO", "request-id": "r-5"}, "action": "Start",
 "action-identifiers": {"vnf-id": "vnf-1", "vserver-id": "", "vnfc-name": ""}, "payload": "not JSON at all"}}`,
			func(t *testing.T, r *Request) {
				if r.Scope() != ScopeVNF {
					t.Errorf("empty identifiers are absent: scope %s", r.Scope())
				}
				if !r.HasPayload || r.PayloadData != nil || r.Payload != "not JSON at all" {
					t.Error("Start ignores its payload")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.rpc, func(t *testing.T) {
			tt.want(t, mustParse(t, tt.rpc, []byte(tt.body)))
		})
	}
}

func TestParseRefusals(t *testing.T) {
	tooLong := strings.Repeat("x", MaxIDLength+1)
	tests := []struct {
		name       string
		action     Action
		scope      Scope
		defaultTTL time.Duration
		mutate     func(b obj)
		body       string // instead of mutate
		code       int
		message    string
	}{
		// 302 MISSING MANDATORY PARAMETER.
		{name: "no input", action: Start, body: `{}`, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter input is missing"},
		{name: "no common-header", action: Start, mutate: func(b obj) { delete(inputOf(b), "common-header") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter common-header is missing"},
		{name: "no common-header nor action", action: Start, mutate: func(b obj) {
			delete(inputOf(b), "common-header")
			delete(inputOf(b), "action")
		}, code: 302, message: "MISSING MANDATORY PARAMETER - Parameter common-header, action is missing"},
		{name: "no api-ver", action: Lock, mutate: func(b obj) { delete(headerOf(b), "api-ver") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter api-ver is missing"},
		{name: "no timestamp", action: Lock, mutate: func(b obj) { delete(headerOf(b), "timestamp") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter timestamp is missing"},
		{name: "empty timestamp", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "" }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter timestamp is missing"},
		{name: "no request-id", action: Lock, mutate: func(b obj) { delete(headerOf(b), "request-id") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter request-id is missing"},
		{name: "empty originator-id", action: Lock, mutate: func(b obj) { headerOf(b)["originator-id"] = "" }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter originator-id is missing"},
		{name: "several header leaves", action: Lock, mutate: func(b obj) {
			delete(headerOf(b), "request-id")
			delete(headerOf(b), "api-ver")
			delete(headerOf(b), "originator-id")
		}, code: 302, message: "MISSING MANDATORY PARAMETER - Parameter api-ver, request-id, originator-id is missing"},
		{name: "no action", action: Stop, mutate: func(b obj) { delete(inputOf(b), "action") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter action is missing"},
		{name: "no action-identifiers", action: Stop, mutate: func(b obj) { delete(inputOf(b), "action-identifiers") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter action-identifiers is missing"},
		{name: "no vnf-id", action: Stop, mutate: func(b obj) { delete(identifiersOf(b), "vnf-id") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vnf-id is missing"},
		{name: "only service-instance-id", action: Stop, mutate: func(b obj) {
			inputOf(b)["action-identifiers"] = obj{"service-instance-id": "svc"}
		}, code: 302, message: "MISSING MANDATORY PARAMETER - Parameter vnf-id is missing"},

		// 301 INVALID INPUT PARAMETER.
		{name: "action differs from the URL", action: Start, mutate: func(b obj) { inputOf(b)["action"] = "Stop" }, code: 301,
			message: "INVALID INPUT PARAMETER - action: Stop does not match the rpc start"},
		{name: "action of the model not answered here", action: Start, mutate: func(b obj) { inputOf(b)["action"] = "Terminate" }, code: 301,
			message: "INVALID INPUT PARAMETER - action: Terminate does not match the rpc start"},
		{name: "api-ver without minor", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "2" }, code: 301,
			message: `INVALID INPUT PARAMETER - api-ver: "2" is not in X.YY format`},
		{name: "api-ver one minor digit", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "2.0" }, code: 301,
			message: `INVALID INPUT PARAMETER - api-ver: "2.0" is not in X.YY format`},
		{name: "api-ver three minor digits", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "2.000" }, code: 301,
			message: `INVALID INPUT PARAMETER - api-ver: "2.000" is not in X.YY format`},
		{name: "api-ver with a prefix", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "v2.00" }, code: 301,
			message: `INVALID INPUT PARAMETER - api-ver: "v2.00" is not in X.YY format`},
		{name: "request-id over 40", action: Lock, mutate: func(b obj) { headerOf(b)["request-id"] = tooLong }, code: 301,
			message: "INVALID INPUT PARAMETER - request-id: 41 characters, at most 40 allowed"},
		{name: "originator-id over 40", action: Lock, mutate: func(b obj) { headerOf(b)["originator-id"] = tooLong }, code: 301,
			message: "INVALID INPUT PARAMETER - originator-id: 41 characters, at most 40 allowed"},
		{name: "sub-request-id over 40", action: Lock, mutate: func(b obj) { headerOf(b)["sub-request-id"] = tooLong }, code: 301,
			message: "INVALID INPUT PARAMETER - sub-request-id: 41 characters, at most 40 allowed"},
		{name: "timestamp in the future", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T12:00:00.001Z" }, code: 301,
			message: "INVALID INPUT PARAMETER - timestamp: 2024-05-01T12:00:00.001Z is in the future"},
		{name: "timestamp next year", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2025-01-01T00:00:00.0Z" }, code: 301,
			message: "INVALID INPUT PARAMETER - timestamp: 2025-01-01T00:00:00.0Z is in the future"},
		{name: "empty vnf-id", action: Lock, mutate: func(b obj) { identifiersOf(b)["vnf-id"] = "" }, code: 301,
			message: "INVALID INPUT PARAMETER - vnf-id: must not be empty"},
		{name: "vnf-id over 255", action: Lock, mutate: func(b obj) { identifiersOf(b)["vnf-id"] = strings.Repeat("v", 256) }, code: 301,
			message: "INVALID INPUT PARAMETER - vnf-id: 256 characters, at most 255 allowed"},

		// 303 REQUEST PARSING FAILED: the pattern matches, the time is no time.
		{name: "month 13", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-13-01T00:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-13-01T00:00:00.0Z" is not a valid time: month 13 out of range`},
		{name: "month 0", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-0-01T00:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-0-01T00:00:00.0Z" is not a valid time: month 0 out of range`},
		{name: "February 30", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-02-30T00:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-02-30T00:00:00.0Z" is not a valid time: day 30 out of range`},
		{name: "February 29 of a common year", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2023-02-29T00:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2023-02-29T00:00:00.0Z" is not a valid time: day 29 out of range`},
		{name: "day 0", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-04-00T00:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-04-00T00:00:00.0Z" is not a valid time: day 0 out of range`},
		{name: "hour 24", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-04-30T24:00:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-04-30T24:00:00.0Z" is not a valid time: hour 24 out of range`},
		{name: "minute 60", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-04-30T10:60:00.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-04-30T10:60:00.0Z" is not a valid time: minute 60 out of range`},
		{name: "second 60", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-04-30T10:00:60.0Z" }, code: 303,
			message: `REQUEST PARSING FAILED - timestamp: "2024-04-30T10:00:60.0Z" is not a valid time: second 60 out of range`},

		// 311 EXPIREDREQUEST.
		{name: "older than flags.ttl", action: Lock, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2024-05-01T11:58:59.999Z"
			flagsOf(b)["ttl"] = 60
		}, code: 311, message: "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
		{name: "older than the default ttl", action: Lock, defaultTTL: 30 * time.Second, mutate: func(b obj) {
			delete(flagsOf(b), "ttl")
			headerOf(b)["timestamp"] = "2024-05-01T11:59:29.0Z"
		}, code: 311, message: "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
		{name: "ttl 0 means the default", action: Lock, defaultTTL: 30 * time.Second, mutate: func(b obj) {
			flagsOf(b)["ttl"] = 0
			headerOf(b)["timestamp"] = "2024-05-01T11:59:29.0Z"
		}, code: 311, message: "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
		{name: "the guide's example timestamp of 2016", action: Lock, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2016-08-03T08:50:18.97Z"
		}, code: 311, message: "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},

		// 305 ACTION NOT SUPPORTED (the API Scope table).
		{name: "Evacuate without vserver-id", action: Evacuate, mutate: func(b obj) { delete(identifiersOf(b), "vserver-id") }, code: 305,
			message: "ACTION NOT SUPPORTED - Evacuate action is not supported"},
		{name: "Evacuate with an empty vserver-id", action: Evacuate, mutate: func(b obj) { identifiersOf(b)["vserver-id"] = "" }, code: 305,
			message: "ACTION NOT SUPPORTED - Evacuate action is not supported"},
		{name: "Lock of a VM", action: Lock, mutate: func(b obj) { identifiersOf(b)["vserver-id"] = "vm-1" }, code: 305,
			message: "ACTION NOT SUPPORTED - Lock action is not supported"},
		{name: "Start of a VNFC", action: Start, mutate: func(b obj) { identifiersOf(b)["vnfc-name"] = "c-1" }, code: 305,
			message: "ACTION NOT SUPPORTED - Start action is not supported"},
		{name: "Configure of a VF-Module", action: Configure, mutate: func(b obj) { identifiersOf(b)["vf-module-id"] = "m-1" }, code: 305,
			message: "ACTION NOT SUPPORTED - Configure action is not supported"},
		{name: "Snapshot of a whole VNF", action: Snapshot, mutate: func(b obj) { delete(identifiersOf(b), "vserver-id") }, code: 305,
			message: "ACTION NOT SUPPORTED - Snapshot action is not supported"},

		// Payload: 302, 301, 303.
		{name: "HealthCheck without payload", action: HealthCheck, mutate: func(b obj) { delete(inputOf(b), "payload") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter payload is missing"},
		{name: "HealthCheck with an empty payload", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = "" }, code: 301,
			message: "INVALID INPUT PARAMETER - payload: must not be empty"},
		{name: "HealthCheck with a blank payload", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = " \n" }, code: 301,
			message: "INVALID INPUT PARAMETER - payload: must not be empty"},
		{name: "HealthCheck payload not JSON", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = "vnf-host-ip-address=10.0.0.1" }, code: 303,
			message: "REQUEST PARSING FAILED - payload: not valid JSON: invalid character 'v' looking for beginning of value"},
		{name: "HealthCheck payload truncated", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `{"vnf-host-ip-address": "10.0.0.1"` }, code: 303,
			message: "REQUEST PARSING FAILED - payload: not valid JSON: unexpected end of JSON input"},
		{name: "HealthCheck payload an array", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `["10.0.0.1"]` }, code: 303,
			message: "REQUEST PARSING FAILED - payload: not a JSON object (found an array)"},
		{name: "HealthCheck without vnf-host-ip-address", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `{"host-ip-address": "10.0.0.1"}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vnf-host-ip-address is missing"},
		{name: "HealthCheck vnf-host-ip-address null", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `{"vnf-host-ip-address": null}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vnf-host-ip-address is missing"},
		{name: "HealthCheck vnf-host-ip-address empty", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `{"vnf-host-ip-address": ""}` }, code: 301,
			message: "INVALID INPUT PARAMETER - vnf-host-ip-address: must be a non-empty string, found an empty string"},
		{name: "HealthCheck vnf-host-ip-address a number", action: HealthCheck, mutate: func(b obj) { inputOf(b)["payload"] = `{"vnf-host-ip-address": 10}` }, code: 301,
			message: "INVALID INPUT PARAMETER - vnf-host-ip-address: must be a non-empty string, found a number"},
		{name: "Configure without request-parameters", action: Configure, mutate: func(b obj) { inputOf(b)["payload"] = `{"configuration-parameters": {"a": "b"}}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter request-parameters is missing"},
		{name: "Configure request-parameters not an object", action: Configure, mutate: func(b obj) { inputOf(b)["payload"] = `{"request-parameters": "10.0.0.1"}` }, code: 301,
			message: `INVALID INPUT PARAMETER - request-parameters: must be a JSON object, found "10.0.0.1"`},
		{name: "Configure configuration-parameters not an object", action: Configure, mutate: func(b obj) {
			inputOf(b)["payload"] = `{"request-parameters": {}, "configuration-parameters": [1]}`
		}, code: 301, message: "INVALID INPUT PARAMETER - configuration-parameters: must be a JSON object, found an array"},
		{name: "Configure of a VNFC without vnfc-type", action: Configure, scope: ScopeVNFC, mutate: func(b obj) {
			inputOf(b)["payload"] = `{"request-parameters": {"host-ip-address": "10.0.0.1"}}`
		}, code: 302, message: "MISSING MANDATORY PARAMETER - Parameter request-parameters.vnfc-type is missing"},
		{name: "ConfigModify without payload", action: ConfigModify, mutate: func(b obj) { delete(inputOf(b), "payload") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter payload is missing"},
		{name: "ConfigBackup without host-ip-address", action: ConfigBackup, mutate: func(b obj) { inputOf(b)["payload"] = `{"request-parameters": {}}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter request-parameters.host-ip-address is missing"},
		{name: "StartApplication request-parameters a number", action: StartApplication, mutate: func(b obj) { inputOf(b)["payload"] = `{"request-parameters": 7}` }, code: 301,
			message: "INVALID INPUT PARAMETER - request-parameters: must be a JSON object, found a number"},
		{name: "Evacuate without vm-id", action: Evacuate, mutate: func(b obj) { inputOf(b)["payload"] = `{"targethost-id": "nodeblade7"}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vm-id is missing"},
		{name: "Evacuate rebuild-vm not a boolean", action: Evacuate, mutate: func(b obj) { inputOf(b)["payload"] = `{"vm-id": "v", "rebuild-vm": "maybe"}` }, code: 301,
			message: `INVALID INPUT PARAMETER - rebuild-vm: must be true or false, found "maybe"`},
		{name: "Restart of a VNF without vnf-host-ip-address", action: Restart, mutate: func(b obj) { inputOf(b)["payload"] = `{"vm-id": "v"}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vnf-host-ip-address is missing"},
		{name: "Restart of a VM without vm-id", action: Restart, scope: ScopeVM, mutate: func(b obj) { inputOf(b)["payload"] = `{"vnf-host-ip-address": "10.0.0.1"}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter vm-id is missing"},
		{name: "Migrate without payload", action: Migrate, mutate: func(b obj) { delete(inputOf(b), "payload") }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter payload is missing"},
		{name: "Audit publish-config other than Y/N", action: Audit, mutate: func(b obj) { inputOf(b)["payload"] = `{"publish-config": "yes"}` }, code: 301,
			message: `INVALID INPUT PARAMETER - publish-config: must be Y or N, found "yes"`},
		{name: "Audit payload not JSON", action: Audit, mutate: func(b obj) { inputOf(b)["payload"] = `publish-config=Y` }, code: 303,
			message: "REQUEST PARSING FAILED - payload: not valid JSON: invalid character 'p' looking for beginning of value"},
		{name: "ActionStatus without request-id", action: ActionStatus, mutate: func(b obj) { inputOf(b)["payload"] = `{"sub-request-id": "1"}` }, code: 302,
			message: "MISSING MANDATORY PARAMETER - Parameter request-id is missing"},

		// Order: the first failing check answers.
		{name: "302 before 301", action: Start, mutate: func(b obj) {
			inputOf(b)["action"] = "Stop"
			delete(headerOf(b), "request-id")
		}, code: 302, message: "MISSING MANDATORY PARAMETER - Parameter request-id is missing"},
		{name: "expired before missing vnf-id", action: Start, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2020-01-01T00:00:00.0Z"
			delete(identifiersOf(b), "vnf-id")
		}, code: 311, message: "EXPIREDREQUEST. The request processing time exceeded the maximum available time"},
		{name: "scope before payload", action: HealthCheck, mutate: func(b obj) {
			identifiersOf(b)["vserver-id"] = "vm-1"
			delete(inputOf(b), "payload")
		}, code: 305, message: "ACTION NOT SUPPORTED - HealthCheck action is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			if scope == "" {
				scope = defaultScope(tt.action)
			}
			var body []byte
			var header []byte
			if tt.body != "" {
				body = []byte(tt.body)
			} else {
				b := requestBody(tt.action, scope)
				tt.mutate(b)
				body = encode(t, b)
				if h, ok := inputOf(b)["common-header"]; ok {
					header = encode(t, h)
				}
			}
			ttl := tt.defaultTTL
			if ttl == 0 {
				ttl = DefaultTTL
			}
			req, ref, err := parseOne(t, tt.action.RPC(), body, ttl)
			if err != nil || req != nil {
				t.Fatalf("want a refusal, got request %v error %v", req, err)
			}
			if ref.Status.Code != tt.code || ref.Status.Message != tt.message {
				t.Errorf("refused with\n %d %q\nwant\n %d %q", ref.Status.Code, ref.Status.Message, tt.code, tt.message)
			}
			if ref.Action != tt.action {
				t.Errorf("refusal action %s", ref.Action)
			}
			// The refusal echoes the common-header as sent.
			if header == nil {
				if ref.CommonHeaderJSON != nil {
					t.Errorf("echoes %s for an absent common-header", ref.CommonHeaderJSON)
				}
			} else if !sameJSON(t, ref.CommonHeaderJSON, header) {
				t.Errorf("echoes %s, want %s", ref.CommonHeaderJSON, header)
			}
		})
	}
}

// TestParseAccepts covers the edges of the refusals above, on the side that
// passes.
func TestParseAccepts(t *testing.T) {
	exactly40 := strings.Repeat("x", MaxIDLength)
	tests := []struct {
		name       string
		action     Action
		scope      Scope
		defaultTTL time.Duration
		mutate     func(b obj)
		check      func(t *testing.T, r *Request)
	}{
		{name: "api-ver 5.00, the guide's", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "5.00" }},
		{name: "api-ver 10.01", action: Lock, mutate: func(b obj) { headerOf(b)["api-ver"] = "10.01" }},
		{name: "ids of 40 characters", action: Lock, mutate: func(b obj) {
			headerOf(b)["request-id"] = exactly40
			headerOf(b)["originator-id"] = exactly40
			headerOf(b)["sub-request-id"] = exactly40
		}},
		{name: "40 multibyte characters", action: Lock, mutate: func(b obj) { headerOf(b)["request-id"] = strings.Repeat("é", 40) }},
		{name: "vnf-id of 255 multibyte characters", action: Lock, mutate: func(b obj) { identifiersOf(b)["vnf-id"] = strings.Repeat("é", MaxVNFIDLength) }},
		{name: "timestamp equal to now", action: Lock, mutate: func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T12:00:00.000000Z" }},
		{name: "timestamp at the ttl's edge", action: Lock, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2024-05-01T11:59:00.0Z"
			flagsOf(b)["ttl"] = 60
		}, check: func(t *testing.T, r *Request) {
			if !r.Expires.Equal(testNow) {
				t.Errorf("expires %v", r.Expires)
			}
		}},
		{name: "single-digit fields", action: Lock, defaultTTL: 24 * 365 * time.Hour, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2024-2-9T1:2:3.4Z"
			delete(flagsOf(b), "ttl")
		}, check: func(t *testing.T, r *Request) {
			if !r.Timestamp.Equal(time.Date(2024, 2, 9, 1, 2, 3, 400_000_000, time.UTC)) {
				t.Errorf("timestamp %v", r.Timestamp)
			}
		}},
		{name: "February 29 of a leap year", action: Lock, defaultTTL: 24 * 365 * time.Hour, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2024-02-29T23:59:59.999999Z"
			delete(flagsOf(b), "ttl")
		}},
		{name: "no ttl and no default never expires", action: Lock, defaultTTL: -1, mutate: func(b obj) {
			headerOf(b)["timestamp"] = "2016-08-03T08:50:18.97Z"
			delete(headerOf(b), "flags")
		}, check: func(t *testing.T, r *Request) {
			if r.TTL != 0 || !r.Expires.IsZero() {
				t.Errorf("ttl %v expires %v", r.TTL, r.Expires)
			}
		}},
		{name: "ttl as a JSON number", action: Lock, mutate: func(b obj) { flagsOf(b)["ttl"] = 65535 }, check: func(t *testing.T, r *Request) {
			if r.CommonHeader.Flags.TTL != 65535 || r.TTL != 65535*time.Second {
				t.Errorf("ttl %d %v", r.CommonHeader.Flags.TTL, r.TTL)
			}
		}},
		{name: "empty flags", action: Lock, mutate: func(b obj) { headerOf(b)["flags"] = obj{} }},
		{name: "force TRUE", action: Stop, mutate: func(b obj) { flagsOf(b)["force"] = "TRUE" }, check: func(t *testing.T, r *Request) {
			if !r.CommonHeader.Flags.Forced() {
				t.Error("not forced")
			}
		}},
		{name: "Evacuate rebuild-vm as a boolean", action: Evacuate, mutate: func(b obj) { inputOf(b)["payload"] = `{"vm-id": "v", "rebuild-vm": true}` }},
		{name: "Evacuate rebuild-vm TRUE", action: Evacuate, mutate: func(b obj) { inputOf(b)["payload"] = `{"vm-id": "v", "rebuild-vm": "TRUE"}` }},
		{name: "optional fields may be empty", action: Migrate, mutate: func(b obj) { inputOf(b)["payload"] = `{"vm-id": "v", "tenant-id": "", "identity-url": ""}` }},
		{name: "Audit without payload", action: Audit, mutate: func(b obj) { delete(inputOf(b), "payload") }, check: func(t *testing.T, r *Request) {
			if r.HasPayload || r.PayloadData != nil {
				t.Error("no payload")
			}
		}},
		{name: "Audit with an empty payload", action: Audit, mutate: func(b obj) { inputOf(b)["payload"] = "" }},
		{name: "Audit publish-config N", action: Audit, mutate: func(b obj) { inputOf(b)["payload"] = `{"publish-config": "N"}` }},
		{name: "unknown payload fields are kept", action: HealthCheck, mutate: func(b obj) {
			inputOf(b)["payload"] = `{"vnf-host-ip-address": "10.0.0.1", "extra": {"n": 12345678901234567890}}`
		}, check: func(t *testing.T, r *Request) {
			extra, ok := r.PayloadObject("extra")
			if !ok || extra["n"] != json.Number("12345678901234567890") {
				t.Errorf("extra %v (numbers stay json.Number)", extra)
			}
		}},
		{name: "Configure of a VNFC", action: Configure, scope: ScopeVNFC, check: func(t *testing.T, r *Request) {
			if vt, _ := r.PayloadString("request-parameters.vnfc-type"); vt != "vLB" {
				t.Errorf("vnfc-type %q", vt)
			}
		}},
		{name: "request-parameters as a JSON string", action: ConfigBackup, mutate: func(b obj) {
			inputOf(b)["payload"] = `{"request-parameters": "{\"host-ip-address\": \"10.0.0.1\"}"}`
		}, check: func(t *testing.T, r *Request) {
			if ip, _ := r.PayloadString("request-parameters.host-ip-address"); ip != "10.0.0.1" {
				t.Errorf("host-ip-address %q", ip)
			}
		}},
		{name: "Lock ignores any payload", action: Lock, mutate: func(b obj) { inputOf(b)["payload"] = "[1, 2" }},
		{name: "a VM action with vnfc-name too", action: Restart, scope: ScopeVM, mutate: func(b obj) { identifiersOf(b)["vnfc-name"] = "c-1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scope := tt.scope
			if scope == "" {
				scope = defaultScope(tt.action)
			}
			b := requestBody(tt.action, scope)
			if tt.mutate != nil {
				tt.mutate(b)
			}
			ttl := tt.defaultTTL
			if ttl == 0 {
				ttl = DefaultTTL
			}
			req, ref, err := parseOne(t, tt.action.RPC(), encode(t, b), ttl)
			if err != nil || ref != nil {
				t.Fatalf("want a request, got refusal %v error %v", ref, err)
			}
			if tt.check != nil {
				tt.check(t, req)
			}
		})
	}
}

func TestParseScopeMatrix(t *testing.T) {
	for _, a := range Actions() {
		for _, s := range []Scope{ScopeVNF, ScopeVFModule, ScopeVNFC, ScopeVM} {
			t.Run(string(a)+"/"+string(s), func(t *testing.T) {
				req, ref, err := parseOne(t, a.RPC(), encode(t, requestBody(a, s)), DefaultTTL)
				switch {
				case err != nil:
					t.Fatal(err)
				case a.SupportsScope(s) && ref != nil:
					t.Fatalf("refused %s", ref.Status)
				case !a.SupportsScope(s) && (req != nil || ref.Status != ActionNotSupported(a)):
					t.Fatalf("want 305, got request %v refusal %v", req, ref)
				}
			})
		}
	}
}

// TestParseRequiredPayloadFields removes each required payload field of
// every action and scope in turn: 302 naming it.
func TestParseRequiredPayloadFields(t *testing.T) {
	n := 0
	for _, a := range Actions() {
		for _, s := range a.Scopes() {
			for _, f := range a.PayloadFields(s) {
				if !f.Required {
					continue
				}
				n++
				t.Run(fmt.Sprintf("%s/%s/%s", a, s, f.Name), func(t *testing.T) {
					p, _ := validPayload(a, s)
					var data map[string]any
					if err := json.Unmarshal([]byte(p), &data); err != nil {
						t.Fatal(err)
					}
					if parent, child, nested := strings.Cut(f.Name, "."); nested {
						delete(data[parent].(map[string]any), child)
					} else {
						delete(data, f.Name)
					}
					b := requestBody(a, s)
					inputOf(b)["payload"] = string(encode(t, data))
					_, ref, err := parseOne(t, a.RPC(), encode(t, b), DefaultTTL)
					if err != nil || ref == nil {
						t.Fatalf("want 302, got error %v", err)
					}
					if want := MissingMandatoryParameter(f.Name); ref.Status != want {
						t.Errorf("got %s, want %s", ref.Status, want)
					}
				})
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d required fields checked", n)
	}
}

func TestParseMalformed(t *testing.T) {
	valid := func(a Action) obj { return requestBody(a, defaultScope(a)) }
	with := func(a Action, mutate func(b obj)) string {
		b := valid(a)
		mutate(b)
		return string(encode(t, b))
	}
	tests := []struct {
		name    string
		rpc     string
		body    string
		info    string // the JSON pointer of error-info
		message string // contained in error-message
	}{
		// Not JSON.
		{"empty body", "start", "", "", "unexpected end of JSON input"},
		{"blank body", "start", " \n\t", "", "unexpected end of JSON input"},
		{"not JSON", "start", "input=start", "", "invalid JSON at offset"},
		{"truncated", "start", `{"input": {"action": "Start"`, "", "unexpected end of JSON input"},
		{"trailing comma", "start", `{"input": {"action": "Start",}}`, "", "invalid JSON"},
		{"single quotes", "start", `{'input': {}}`, "", "invalid JSON"},
		{"trailing data", "start", `{"input": {}} {}`, "", "unexpected data after the JSON document"},
		{"trailing garbage", "start", `{"input": {}} x`, "", "unexpected data after the JSON document at offset 14"},
		{"a comment", "start", `{"input": {} /* c */}`, "", "invalid JSON"},
		{"invalid UTF-8", "start", "{\"input\": {\"action\": \"St\xffart\"}}", "", "not valid UTF-8"},
		{"top-level array", "start", `[{"input": {}}]`, "", "the body must be a JSON object, found an array"},
		{"top-level string", "start", `"input"`, "", "the body must be a JSON object, found a string"},
		{"top-level null", "start", `null`, "", "the body must be a JSON object, found null"},

		// Duplicate members.
		{"duplicate input", "start", `{"input": {}, "input": {}}`, "/input", `duplicate member "input"`},
		{"input and its qualified form", "start", `{"input": {}, "appc-provider-lcm:input": {}}`, "/appc-provider-lcm:input", "duplicate member input"},
		{"duplicate request-id", "start", `{"input": {"common-header": {"request-id": "a", "request-id": "b"}}}`,
			"/input/common-header/request-id", `duplicate member "request-id"`},
		{"duplicate in the payload-free actions' identifiers", "lock", `{"input": {"action-identifiers": {"vnf-id": "a", "vnf-id": ""}}}`,
			"/input/action-identifiers/vnf-id", `duplicate member "vnf-id"`},

		// Members the YANG model does not have.
		{"output instead of input", "start", `{"output": {}}`, "/output", "Schema node with name output was not found"},
		{"unknown input member", "start", with(Start, func(b obj) { inputOf(b)["vnf-id"] = "v" }), "/input/vnf-id",
			"Schema node with name vnf-id was not found under input of the rpc start"},
		{"unknown header member", "start", with(Start, func(b obj) { headerOf(b)["requestId"] = "r" }), "/input/common-header/requestId",
			"Schema node with name requestId was not found under common-header"},
		{"unknown flag", "start", with(Start, func(b obj) { flagsOf(b)["FORCE"] = "TRUE" }), "/input/common-header/flags/FORCE",
			"Schema node with name FORCE was not found under flags"},
		{"unknown identifier", "start", with(Start, func(b obj) { identifiersOf(b)["vnf_id"] = "v" }), "/input/action-identifiers/vnf_id",
			"Schema node with name vnf_id was not found under action-identifiers"},
		{"payload on check-lock", "check-lock", with(CheckLock, func(b obj) { inputOf(b)["payload"] = "{}" }), "/input/payload",
			"Schema node with name payload was not found under input of the rpc check-lock"},
		{"identity-url on start", "start", with(Start, func(b obj) { inputOf(b)["identity-url"] = "http://k" }), "/input/identity-url",
			"Schema node with name identity-url was not found under input of the rpc start"},
		{"pointer escaping", "start", `{"input": {"a/b~c": 1}}`, "/input/a~1b~0c", "Schema node with name a/b~c was not found"},

		// Wrong JSON types.
		{"input an array", "start", `{"input": []}`, "/input", "input must be an object, found an array"},
		{"input null", "start", `{"input": null}`, "/input", "input must be an object, found null"},
		{"common-header a string", "start", with(Start, func(b obj) { inputOf(b)["common-header"] = "h" }), "/input/common-header",
			"common-header must be an object, found a string"},
		{"request-id a number", "start", with(Start, func(b obj) { headerOf(b)["request-id"] = 42 }), "/input/common-header/request-id",
			"request-id must be a string, found a number"},
		{"timestamp a number", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = 1714564790 }), "/input/common-header/timestamp",
			"timestamp must be a string, found a number"},
		{"api-ver a number", "start", with(Start, func(b obj) { headerOf(b)["api-ver"] = 2.0 }), "/input/common-header/api-ver",
			"api-ver must be a string, found a number"},
		{"sub-request-id null", "start", with(Start, func(b obj) { headerOf(b)["sub-request-id"] = nil }), "/input/common-header/sub-request-id",
			"sub-request-id must be a string, found null"},
		{"flags an array", "start", with(Start, func(b obj) { headerOf(b)["flags"] = []any{} }), "/input/common-header/flags",
			"flags must be an object, found an array"},
		{"mode a number", "start", with(Start, func(b obj) { flagsOf(b)["mode"] = 1 }), "/input/common-header/flags/mode",
			"mode must be a string, found a number"},
		{"force a boolean", "start", with(Start, func(b obj) { flagsOf(b)["force"] = true }), "/input/common-header/flags/force",
			"force must be a string, found a boolean"},
		{"ttl a boolean", "start", with(Start, func(b obj) { flagsOf(b)["ttl"] = false }), "/input/common-header/flags/ttl",
			"ttl must be a number, found a boolean"},
		{"ttl not a number", "start", with(Start, func(b obj) { flagsOf(b)["ttl"] = "<TTL_VALUE>" }), "/input/common-header/flags/ttl",
			"Invalid value '<TTL_VALUE>' for uint16 type"},
		{"ttl negative", "start", with(Start, func(b obj) { flagsOf(b)["ttl"] = -1 }), "/input/common-header/flags/ttl",
			"Invalid value '-1' for uint16 type"},
		{"ttl over uint16", "start", with(Start, func(b obj) { flagsOf(b)["ttl"] = 65536 }), "/input/common-header/flags/ttl",
			"Invalid value '65536' for uint16 type"},
		{"ttl a fraction", "start", with(Start, func(b obj) { flagsOf(b)["ttl"] = 1.5 }), "/input/common-header/flags/ttl",
			"Invalid value '1.5' for uint16 type"},
		{"ttl with an exponent", "start", `{"input": {"common-header": {"flags": {"ttl": 1e2}}}}`, "/input/common-header/flags/ttl",
			"Invalid value '1e2' for uint16 type"},
		{"action a number", "start", with(Start, func(b obj) { inputOf(b)["action"] = 1 }), "/input/action",
			"action must be a string, found a number"},
		{"action null", "start", with(Start, func(b obj) { inputOf(b)["action"] = nil }), "/input/action",
			"action must be a string, found null"},
		{"action-identifiers null", "start", with(Start, func(b obj) { inputOf(b)["action-identifiers"] = nil }), "/input/action-identifiers",
			"action-identifiers must be an object, found null"},
		{"vnf-id a number", "start", with(Start, func(b obj) { identifiersOf(b)["vnf-id"] = 7 }), "/input/action-identifiers/vnf-id",
			"vnf-id must be a string, found a number"},
		{"vserver-id an array", "start", with(Start, func(b obj) { identifiersOf(b)["vserver-id"] = []any{"a"} }), "/input/action-identifiers/vserver-id",
			"vserver-id must be a string, found an array"},
		{"payload an object", "health-check", with(HealthCheck, func(b obj) { inputOf(b)["payload"] = obj{"vnf-host-ip-address": "10.0.0.1"} }),
			"/input/payload", "payload must be a string, found an object"},
		{"payload null", "health-check", with(HealthCheck, func(b obj) { inputOf(b)["payload"] = nil }), "/input/payload",
			"payload must be a string, found null"},
		{"identity-url a number", "snapshot", with(Snapshot, func(b obj) { inputOf(b)["identity-url"] = 1 }), "/input/identity-url",
			"identity-url must be a string, found a number"},

		// Enumerations.
		{"the guide's Stopp", "stop", with(Stop, func(b obj) { inputOf(b)["action"] = "Stopp" }), "/input/action",
			"Error parsing input: Invalid value 'Stopp' for enum type. Allowed values are: [Restart, Rebuild, Migrate, Evacuate, Snapshot, Rollback, Sync, Audit, Stop, Start,"},
		{"action in lower case", "start", with(Start, func(b obj) { inputOf(b)["action"] = "start" }), "/input/action",
			"Invalid value 'start' for enum type"},
		{"empty action", "start", with(Start, func(b obj) { inputOf(b)["action"] = "" }), "/input/action",
			"Invalid value '' for enum type"},
		{"mode in lower case", "start", with(Start, func(b obj) { flagsOf(b)["mode"] = "exclusive" }), "/input/common-header/flags/mode",
			"Invalid value 'exclusive' for enum type. Allowed values are: [EXCLUSIVE, NORMAL]"},
		{"force true", "start", with(Start, func(b obj) { flagsOf(b)["force"] = "true" }), "/input/common-header/flags/force",
			"Invalid value 'true' for enum type. Allowed values are: [TRUE, FALSE]"},
		{"force YES", "start", with(Start, func(b obj) { flagsOf(b)["force"] = "YES" }), "/input/common-header/flags/force",
			"Invalid value 'YES' for enum type"},

		// The ZULU pattern.
		{"timestamp without fraction", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T11:59:50Z" }),
			"/input/common-header/timestamp", `Supplied value "2024-05-01T11:59:50Z" does not match required pattern`},
		{"timestamp with 7 fraction digits", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T11:59:50.1234567Z" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp with a space", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01 11:59:50.0Z" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp with an offset", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T11:59:50.0+00:00" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp lower-case z", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T11:59:50.0z" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp in words", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "yesterday" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp with a 5-digit year", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "12024-05-01T11:59:50.0Z" }),
			"/input/common-header/timestamp", "does not match required pattern"},
		{"timestamp with trailing newline", "start", with(Start, func(b obj) { headerOf(b)["timestamp"] = "2024-05-01T11:59:50.0Z\n" }),
			"/input/common-header/timestamp", "does not match required pattern"},

		// Depth: a body of nested brackets is refused before it costs memory.
		{"deepest allowed", "start", `{"input": {"x": ` + strings.Repeat("[", 14) + strings.Repeat("]", 14) + `}}`, "/input/x",
			"Schema node with name x was not found"},
		{"too deep", "start", `{"input": ` + strings.Repeat("[", 16) + strings.Repeat("]", 16) + `}`, "/input" + strings.Repeat("/0", 15),
			"nested more than 16 levels deep"},
		{"two million brackets", "start", `{"input": ` + strings.Repeat("[", 2_000_000), "/input" + strings.Repeat("/0", 15),
			"nested more than 16 levels deep"},

		// The first error in document order is reported.
		{"first error wins", "start", `{"input": {"action": "Stopp", "common-header": 1}}`, "/input/action", "Invalid value 'Stopp'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseOne(t, tt.rpc, []byte(tt.body), DefaultTTL)
			var re *RestconfError
			if !errors.As(err, &re) {
				t.Fatalf("want a *RestconfError, got %v", err)
			}
			if !re.Malformed() || re.Type != "protocol" || re.Tag != "malformed-message" {
				t.Errorf("type %q tag %q", re.Type, re.Tag)
			}
			if !strings.HasPrefix(re.Message, "Error parsing input: ") || !strings.Contains(re.Message, tt.message) {
				t.Errorf("error-message %q, want it to contain %q", re.Message, tt.message)
			}
			if re.Info != tt.info {
				t.Errorf("error-info %q, want %q", re.Info, tt.info)
			}
			if !strings.Contains(re.Error(), "malformed-message") {
				t.Errorf("Error() = %q", re.Error())
			}
		})
	}
}

func TestParseUnknownRPC(t *testing.T) {
	body := encode(t, requestBody(Start, ScopeVNF))
	for _, rpc := range []string{"terminate", "rollback", "Start", "", "appc-provider-lcm:query"} {
		_, _, err := parseOne(t, rpc, body, DefaultTTL)
		var re *RestconfError
		if !errors.As(err, &re) {
			t.Fatalf("%q: want a *RestconfError, got %v", rpc, err)
		}
		if re.Malformed() || re.Tag != "unknown-element" || re.Type != "protocol" {
			t.Errorf("%q: tag %q type %q", rpc, re.Tag, re.Type)
		}
		if !strings.HasPrefix(re.Info, RPCModulePrefix) || strings.Count(re.Info, RPCModulePrefix) != 1 {
			t.Errorf("%q: info %q", rpc, re.Info)
		}
	}
}

// TestResponseEchoesHeaderAsSent: the common-header comes back exactly as
// the client wrote it (member order, ttl as a string, extra leaves), only
// its whitespace compacted.
func TestResponseEchoesHeaderAsSent(t *testing.T) {
	header := `{ "flags" : { "ttl" : "3600", "force":"FALSE","mode":"NORMAL" },
	  "x-onap-requestorid": "ab1234@example.org", "timestamp": "2024-05-01T11:59:50.97Z",
	  "api-ver": "2.00", "originator-id": "SO", "sub-request-id": "1", "request-id": "caf\u00e9-1" }`
	body := `{"input": {"common-header": ` + header + `, "action": "Lock", "action-identifiers": {"vnf-id": "v"}}}`
	req := mustParse(t, "lock", []byte(body))
	out, err := json.Marshal(req.Respond(Success()))
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(header)); err != nil {
		t.Fatal(err)
	}
	want := `{"output":{"common-header":` + compact.String() + `,"status":{"code":400,"message":"The request was processed successfully"}}}`
	if string(out) != want {
		t.Errorf("response\n%s\nwant\n%s", out, want)
	}
	if req.CommonHeader.RequestID != "café-1" {
		t.Errorf("request-id %q", req.CommonHeader.RequestID)
	}
}

// guideSeeds are requests after the guide's examples, for the fuzz target.
func guideSeeds(t testing.TB) [][2]string {
	seeds := [][2]string{
		{"stop", `{"input": {"common-header": {"timestamp": "2016-08-03T08:50:18.97Z", "api-ver": "5.00", "originator-id": "SO", "request-id": "r", "sub-request-id": "s", "flags": {"mode": "EXCLUSIVE", "force": "TRUE", "ttl": "60"}}, "action": "Stopp", "action-identifiers": {"vnf-id": "v"}}}`},
		{"checklock", `{"input": {"common-header": {"timestamp": "2016-08-08T23:09:00.11Z", "api-ver": "2.00", "originator-id": "SO", "request-id": "r"}, "action": "CheckLock", "action-identifiers": {"vnf-id": "v"}}}`},
		{"health-check", `{"input": {"common-header": {"timestamp": "2024-05-01T11:59:00.1Z", "api-ver": "2.00", "originator-id": "SO", "request-id": "r"}, "action": "HealthCheck", "action-identifiers": {"vnf-id": "v"}, "payload": "{\"vnf-host-ip-address\": \"10.222.22.2\"}"}}`},
		{"", ``},
		{"start", `{}`},
		{"start", `{"input": null}`},
		{"start", `[1, {"a": [true, false, null]}]`},
	}
	for _, a := range Actions() {
		for _, s := range a.Scopes() {
			seeds = append(seeds, [2]string{a.RPC(), string(encode(t, requestBody(a, s)))})
		}
	}
	return seeds
}

// FuzzParseRequest: ParseRequest never panics, and every input yields
// exactly one of its three results, each usable: a request answers with
// valid JSON echoing its header, a refusal carries a status of the guide's
// 3xx rejections, an error is a RestconfError with an error body.
func FuzzParseRequest(f *testing.F) {
	for _, s := range guideSeeds(f) {
		f.Add(s[0], []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, rpc string, body []byte) {
		req, ref, err := ParseRequest(rpc, body, testNow, DefaultTTL)
		n := 0
		if req != nil {
			n++
			if a, ok := ActionForRPC(rpc); !ok || req.Action != a {
				t.Fatalf("request for rpc %q has action %q", rpc, req.Action)
			}
			if req.Identifiers.VNFID == "" || !req.Action.SupportsScope(req.Scope()) || req.Timestamp.After(testNow) {
				t.Fatalf("invalid request accepted: %+v", req)
			}
			out, merr := json.Marshal(req.Respond(Success()).WithLocked(true))
			if merr != nil || !json.Valid(out) {
				t.Fatalf("response does not encode: %v", merr)
			}
		}
		if ref != nil {
			n++
			if c := ref.Status.Category(); c != "REJECT" || ref.Status.Message == "" {
				t.Fatalf("refusal %v", ref.Status)
			}
			if _, merr := json.Marshal(ref.Response()); merr != nil {
				t.Fatalf("refusal does not encode: %v", merr)
			}
		}
		if err != nil {
			n++
			var re *RestconfError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v", err, err)
			}
			if _, merr := json.Marshal(re.Body()); merr != nil {
				t.Fatal(merr)
			}
		}
		if n != 1 {
			t.Fatalf("%d results", n)
		}
	})
}

func TestFormatTimestamp(t *testing.T) {
	for _, at := range []time.Time{
		testNow, // whole seconds
		time.Date(2024, 5, 1, 11, 59, 59, 999_999_999, time.FixedZone("X", -5*3600)),
		time.Date(2016, 8, 3, 8, 50, 18, 970_000_000, time.UTC),
	} {
		s := FormatTimestamp(at)
		if !zuluPattern.MatchString(s) {
			t.Errorf("FormatTimestamp(%v) = %q does not match ZULU", at, s)
		}
		got, err := parseZulu(s)
		if err != nil || !got.Equal(at.Truncate(time.Millisecond)) {
			t.Errorf("parseZulu(%q) = %v, %v; want %v", s, got, err, at.Truncate(time.Millisecond))
		}
	}
	if s := FormatTimestamp(testNow); s != "2024-05-01T12:00:00.000Z" {
		t.Errorf("FormatTimestamp = %q", s)
	}
	// The trap FormatTimestamp avoids: RFC 3339 drops the fraction on whole
	// seconds, which the ZULU pattern refuses.
	if zuluPattern.MatchString(testNow.Format(time.RFC3339Nano)) {
		t.Error("RFC3339Nano of a whole second unexpectedly matches ZULU")
	}
}

func TestPayloadBool(t *testing.T) {
	tests := []struct {
		payload      string
		value, given bool
	}{
		{`{"rebuild-vm": true}`, true, true},
		{`{"rebuild-vm": false}`, false, true},
		{`{"rebuild-vm": "TRUE"}`, true, true},
		{`{"rebuild-vm": "False"}`, false, true},
		{`{"rebuild-vm": "yes"}`, false, false},
		{`{"rebuild-vm": 1}`, false, false},
		{`{"rebuild-vm": null}`, false, false},
		{`{}`, false, false},
	}
	for _, tt := range tests {
		data, err := decodePayload(tt.payload)
		if err != nil {
			t.Fatal(err)
		}
		r := &Request{PayloadData: data}
		if v, g := r.PayloadBool("rebuild-vm"); v != tt.value || g != tt.given {
			t.Errorf("%s: %t %t, want %t %t", tt.payload, v, g, tt.value, tt.given)
		}
	}
}
