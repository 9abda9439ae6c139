package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// The VMs of fixtures/vnfr/gatekeeper-seed-function-1.json: the vc_id of
// the vnfc_instance of each of its two VDUs.
const (
	testVM1 = "da65a620-1e1a-47f0-9bd3-f4b849fe3fbb"
	testVM2 = "59d03f15-e2dd-432d-87ce-f7b73c3a71dd"
)

// appcStore is a database and the APPC store over it: what one replica
// of the service sees.
type appcStore struct {
	*repo.APPCStore
	db repo.DB
}

// newAPPCStore is the APPC store on a fresh database.
func newAPPCStore(t testing.TB) appcStore {
	t.Helper()
	db := newDB(t)
	return appcStore{APPCStore: repo.NewAPPCStore(db, nil, nil), db: db}
}

// appcRouterOn is the service's router with an APPC engine on store.
func appcRouterOn(t testing.TB, store appcStore, cfg appc.EngineConfig) http.Handler {
	t.Helper()
	return appcRouterOver(t, store, store.APPCStore, cfg)
}

// newAPPCRouter is appcRouterOn a fresh database, with default settings.
func newAPPCRouter(t testing.TB) (http.Handler, appcStore) {
	t.Helper()
	store := newAPPCStore(t)
	return appcRouterOn(t, store, appc.EngineConfig{}), store
}

// createVNF stores the fixture VNFR with two VMs under a new uuid, through
// POST /vnfrs, and returns the uuid.
func createVNF(t testing.TB, h http.Handler) string {
	t.Helper()
	return createVNFWithVMs(t, h)
}

// createVNFWithVMs is createVNF with the vc_id of the first VDUs' first
// vnfc_instance set to vms, in order.
func createVNFWithVMs(t testing.TB, h http.Handler, vms ...string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(fixture(t, "vnfr/gatekeeper-seed-function-1.json"), &doc); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	doc["id"] = id
	vdus, _ := doc["virtual_deployment_units"].([]any)
	if len(vms) > len(vdus) {
		t.Fatalf("the fixture has %d VDUs, not %d", len(vdus), len(vms))
	}
	for i, vm := range vms {
		vdus[i].(map[string]any)["vnfc_instance"].([]any)[0].(map[string]any)["vc_id"] = vm
	}
	b, _ := json.Marshal(doc)
	wantStatus(t, do(t, h, http.MethodPost, "/vnfrs", b), http.StatusOK)
	return id
}

// appcReq is one LCM request under construction. Zero fields take defaults: the
// action's YANG rpc, a timestamp a second ago, a new request-id, the
// action's usual payload at the request's scope.
type appcReq struct {
	action       appc.Action
	rpc          string
	vnf          string
	vm           string
	vnfc         string
	vfModule     string
	requestID    string
	subRequestID string
	originator   string
	force        string
	ttl          any
	timestamp    string
	payload      *string // nil: the action's usual payload
}

func (r appcReq) scope() appc.Scope {
	return appc.ActionIdentifiers{VServerID: r.vm, VNFCName: r.vnfc, VFModuleID: r.vfModule}.Scope()
}

// usualPayload is a valid payload for action a at scope s, after the
// guide's examples, and whether a takes one.
func usualPayload(a appc.Action, s appc.Scope) (string, bool) {
	switch {
	case a == appc.Audit:
		return `{"publish-config": "N"}`, true
	case a == appc.Configure || a == appc.ConfigModify:
		if s == appc.ScopeVNFC {
			return `{"request-parameters": {"host-ip-address": "10.147.124.75", "vnfc-type": "vLB"}, "configuration-parameters": {"node0_hostname": "lb0"}}`, true
		}
		return `{"request-parameters": {"host-ip-address": "10.147.124.75", "template-name": "vFW-template"}, "configuration-parameters": {"unique-config-id": "1", "pg-streams": 5}}`, true
	case a == appc.ConfigBackup || a == appc.ConfigRestore || a == appc.StartApplication || a == appc.StopApplication:
		return `{"request-parameters": {"host-ip-address": "http://chef.example.org:443"}, "configuration-parameters": {"cookbook": "vfw"}}`, true
	case a == appc.Evacuate:
		return `{"vm-id": "vm-self-link", "rebuild-vm": "false", "targethost-id": "nodeblade7"}`, true
	case a == appc.HealthCheck:
		return `{"vnf-host-ip-address": "10.222.22.2"}`, true
	case a == appc.Restart && s == appc.ScopeVNF:
		return `{"vnf-host-ip-address": "10.222.22.2"}`, true
	case a == appc.Migrate || a == appc.Rebuild || a == appc.Snapshot || a == appc.Restart:
		return `{"vm-id": "vm-self-link", "tenant-id": "b9e2e5f0"}`, true
	case a == appc.ActionStatus:
		return `{"request-id": "no-such-request"}`, true
	}
	return "", false
}

func (r appcReq) body() []byte {
	if r.timestamp == "" {
		r.timestamp = appc.FormatTimestamp(time.Now().Add(-time.Second))
	}
	if r.requestID == "" {
		r.requestID = uuid.NewString()
	}
	if r.originator == "" {
		r.originator = "SO"
	}
	flags := map[string]any{}
	if r.force != "" {
		flags["force"] = r.force
	}
	if r.ttl != nil {
		flags["ttl"] = r.ttl
	}
	header := map[string]any{
		"timestamp": r.timestamp, "api-ver": "5.00", "originator-id": r.originator,
		"request-id": r.requestID, "flags": flags,
	}
	if r.subRequestID != "" {
		header["sub-request-id"] = r.subRequestID
	}
	ids := map[string]any{"vnf-id": r.vnf}
	for k, v := range map[string]string{"vserver-id": r.vm, "vnfc-name": r.vnfc, "vf-module-id": r.vfModule} {
		if v != "" {
			ids[k] = v
		}
	}
	input := map[string]any{"common-header": header, "action": string(r.action), "action-identifiers": ids}
	if r.payload != nil {
		input["payload"] = *r.payload
	} else if p, ok := usualPayload(r.action, r.scope()); ok {
		input["payload"] = p
	}
	b, err := json.Marshal(map[string]any{"input": input})
	if err != nil {
		panic(err)
	}
	return b
}

func (r appcReq) path() string {
	rpc := r.rpc
	if rpc == "" {
		rpc = r.action.RPC()
	}
	return "/restconf/operations/appc-provider-lcm:" + rpc
}

func ptr(s string) *string { return &s }

// appcOutput is the decoded "output" of an LCM answer.
type appcOutput struct {
	CommonHeader map[string]any `json:"common-header"`
	Payload      string         `json:"payload"`
	Locked       string         `json:"locked"`
	SnapshotID   string         `json:"snapshot-id"`
	Status       appc.Status    `json:"status"`
}

// send posts r through h and returns its output; the answer must be HTTP
// 200 with an LCM body.
func send(t testing.TB, h http.Handler, r appcReq) appcOutput {
	t.Helper()
	rec := do(t, h, http.MethodPost, r.path(), r.body())
	wantStatus(t, rec, http.StatusOK)
	var resp struct {
		Output *appcOutput `json:"output"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Output == nil {
		t.Fatalf("answer is no LCM response: %v: %s", err, rec.Body.String())
	}
	return *resp.Output
}

// sendCode posts r and checks its status code.
func sendCode(t testing.TB, h http.Handler, r appcReq, want int) appcOutput {
	t.Helper()
	out := send(t, h, r)
	if out.Status.Code != want {
		t.Fatalf("%s on %s: status %d %q, want %d", r.action, r.vnf, out.Status.Code, out.Status.Message, want)
	}
	return out
}

func getVNF(t testing.TB, store appcStore, id string) models.VNF {
	t.Helper()
	rec, err := store.GetVNF(context.Background(), testScope, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// unchanged fails the test when the VNF record (fields and envelope, APPC
// state included) is not before.
func unchanged(t testing.TB, store appcStore, before models.VNF) {
	t.Helper()
	after := getVNF(t, store, before.UUID)
	if !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Fatalf("a refused request changed the record:\nbefore %s\nafter  %s", b, a)
	}
}

// seed sets the VNF's APPC state directly in the store.
func seed(t testing.TB, store appcStore, id string, st models.APPCState) {
	t.Helper()
	seedWithStatus(t, store, id, st, "")
}

// seedWithStatus sets the VNF's APPC state, and its SONATA status unless
// status is "".
func seedWithStatus(t testing.TB, store appcStore, id string, st models.APPCState, status string) {
	t.Helper()
	_, err := store.ModifyVNF(context.Background(), testScope, id, func(r *models.VNF) error {
		s := st
		r.APPC = &s
		if status != "" {
			r.Fields["status"] = status
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// configured is an APPC state whose stored, running and backed-up
// configurations agree, so that every configuration action succeeds.
func configured(state string) models.APPCState {
	cfg := map[string]any{"upload_config_id": "cfg-0", "configuration_parameters": `{"a":"1"}`, "action": "Configure", "request_id": "r0", "time": "2024-01-01T00:00:00Z"}
	return models.APPCState{State: state, Working: "Stable", Extra: map[string]any{
		"config": cfg, "running_config": cfg, "config_backup": cfg,
	}}
}

// plain is v as encoding/json decodes it (maps and slices of any, whatever
// types the store decoded).
func plain(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func appcOf(t testing.TB, store appcStore, id string) models.APPCState {
	t.Helper()
	rec := getVNF(t, store, id)
	if rec.APPC == nil {
		t.Fatalf("VNF %s has no APPC state", id)
	}
	return *rec.APPC
}

// sourceStates are the states of the state machine a request can start
// from (the matrix's columns).
func sourceStates() []appc.State { return appc.StateValues()[:9] }

// TestAPPCActionByState runs every action, at every scope it supports, from
// every source state of the state machine: 400 and the machine's outcome
// where it defines a transition (HealthCheck keeps the state), 304 and an
// unchanged record where it does not.
func TestAPPCActionByState(t *testing.T) {
	h, store := newAPPCRouter(t)
	sm, err := appc.NewStateMachine()
	if err != nil {
		t.Fatal(err)
	}
	vnf := createVNF(t, h)
	for _, a := range appc.Actions() {
		for _, scope := range a.Scopes() {
			for _, from := range sourceStates() {
				t.Run(fmt.Sprintf("%s/%s/%s", a, scope, from), func(t *testing.T) {
					r := appcReq{action: a, vnf: vnf}
					st := configured(string(appc.StateRunning))
					switch scope {
					case appc.ScopeVM:
						r.vm = testVM1
						st.VMs = map[string]models.APPCVM{testVM1: {State: string(from)}}
					case appc.ScopeVNFC:
						r.vnfc = "vnfc-0"
						st.State = string(from)
					case appc.ScopeVFModule:
						r.vfModule = "vf-module-1"
						st.State = string(from)
					default:
						st.State = string(from)
					}
					r.requestID = uuid.NewString()
					seedWithStatus(t, store, vnf, st, "normal operation")
					before := getVNF(t, store, vnf)
					out := send(t, h, r)
					if a == appc.Lock && out.Status.Code == appc.CodeSuccess {
						defer sendCode(t, h, appcReq{action: appc.Unlock, vnf: vnf, requestID: r.requestID, subRequestID: "unlock"}, appc.CodeSuccess)
					}

					transitional, defined := sm.Next(from, appc.Event(a))
					if a == appc.ActionStatus {
						defined, transitional = true, from // no state machine event
					}
					if !defined {
						if out.Status.Code != appc.CodeNoTransitionDefined {
							t.Fatalf("status %v, want 304", out.Status)
						}
						want := fmt.Sprintf("NO TRANSITION DEFINED - No Transition Defined for %s action and %s state", a, from)
						if out.Status.Message != want {
							t.Errorf("message %q, want %q", out.Status.Message, want)
						}
						unchanged(t, store, before)
						return
					}
					if out.Status.Code != appc.CodeSuccess {
						t.Fatalf("status %v, want 400", out.Status)
					}
					after := getVNF(t, store, vnf)
					if a == appc.CheckLock || a == appc.ActionStatus {
						unchanged(t, store, before) // queries write nothing
						return
					}
					want := sm.Outcome(transitional, true)
					if a == appc.HealthCheck {
						want = from
					}
					got := after.APPC
					if after.Admin.Version != before.Admin.Version+writes(a) {
						t.Errorf("version %d after %d", after.Admin.Version, before.Admin.Version)
					}
					if scope == appc.ScopeVM {
						if got.VMs[testVM1].State != string(want) || got.State != string(appc.StateRunning) {
							t.Errorf("VM %s VNF %s, want VM %s VNF Running", got.VMs[testVM1].State, got.State, want)
						}
					} else if got.State != string(want) {
						t.Errorf("state %s, want %s", got.State, want)
					}
					if got.Working != "Stable" {
						t.Errorf("working state %s", got.Working)
					}
					last := got.History[len(got.History)-1]
					if last.Action != string(a) || last.From != string(from) || last.To != string(want) || last.Result != "SUCCESS" ||
						last.RequestID == "" || last.OriginatorID != "SO" || last.VServerID != r.vm || last.Time.IsZero() {
						t.Errorf("history entry %+v", last)
					}
					wantStatus := "normal operation" // the fixture's
					if scope != appc.ScopeVM && transitional != from && a != appc.HealthCheck {
						switch want {
						case appc.StateStopped:
							wantStatus = "offline"
						case appc.StateError:
							wantStatus = "failed"
						}
					}
					if after.Fields["status"] != wantStatus {
						t.Errorf("SONATA status %v, want %s", after.Fields["status"], wantStatus)
					}
				})
			}
		}
	}
}

// writes is how many times action a writes the VNF record when it runs: a
// command twice (Unstable when it begins, its outcome when it ends), a
// read-only action once.
func writes(a appc.Action) int64 {
	if a.ReadOnly() {
		return 1
	}
	return 2
}

// TestAPPCSonataStatus drives a VNF created through /vnfrs with actions
// only: Instantiated -> Stop -> Start -> Stop, the VNFR's status following.
func TestAPPCSonataStatus(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	for _, step := range []struct {
		action appc.Action
		state  string
		status string
	}{
		{appc.Stop, "Stopped", "offline"},
		{appc.Start, "Running", "normal operation"},
		{appc.Configure, "Configured", "normal operation"},
		{appc.Stop, "Stopped", "offline"},
		{appc.Restart, "Running", "normal operation"},
	} {
		before := getVNF(t, store, vnf)
		sendCode(t, h, appcReq{action: step.action, vnf: vnf}, appc.CodeSuccess)
		after := getVNF(t, store, vnf)
		if after.APPC.State != step.state || after.Fields["status"] != step.status {
			t.Fatalf("after %s: state %s status %v, want %s %s", step.action, after.APPC.State, after.Fields["status"], step.state, step.status)
		}
		if after.Admin.Version != before.Admin.Version+writes(step.action) || !after.Admin.Modified.After(before.Admin.Modified.Add(-time.Millisecond)) {
			t.Errorf("after %s: version %d modified %v (before %d %v)", step.action, after.Admin.Version, after.Admin.Modified, before.Admin.Version, before.Admin.Modified)
		}
		// The record as clients read it carries the new status.
		got := decodeObject(t, do(t, h, http.MethodGet, "/vnfrs/"+vnf, nil))
		if got["status"] != step.status {
			t.Errorf("GET /vnfrs: status %v", got["status"])
		}
	}
}

// TestAPPCVMScope checks that VM-scope actions change the VM's state, not
// the VNF's, and that the VNF's Start and Stop take the VMs along.
func TestAPPCVMScope(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vm: testVM2}, appc.CodeSuccess)
	st := appcOf(t, store, vnf)
	if st.State != "Running" || st.VMs[testVM2].State != "Stopped" {
		t.Fatalf("VNF %s VM %+v", st.State, st.VMs)
	}
	if s := getVNF(t, store, vnf).Fields["status"]; s != "normal operation" {
		t.Errorf("a VM's Stop changed the VNFR status to %v", s)
	}
	// The stopped VM refuses another Stop; the other VM is Running.
	before := getVNF(t, store, vnf)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vm: testVM2}, appc.CodeNoTransitionDefined)
	unchanged(t, store, before)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vm: testVM1}, appc.CodeSuccess)
	// HealthCheck: unhealthy while a VM is stopped.
	out := sendCode(t, h, appcReq{action: appc.HealthCheck, vnf: vnf}, appc.CodeSuccess)
	var hc appc.HealthCheckResult
	if err := json.Unmarshal([]byte(out.Payload), &hc); err != nil || hc.State != appc.Unhealthy {
		t.Errorf("health %s (%v)", out.Payload, err)
	}
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	st = appcOf(t, store, vnf)
	if st.VMs[testVM1].State != "Running" || st.VMs[testVM2].State != "Running" {
		t.Errorf("VNF Start left VMs %+v", st.VMs)
	}
	// VF-Module scope is VNF-wide here: the record has no VF-Modules.
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vfModule: "vf-module-1"}, appc.CodeSuccess)
	if st := appcOf(t, store, vnf); st.State != "Stopped" {
		t.Errorf("VF-Module Stop: VNF %s", st.State)
	}
}

// TestAPPCVMKeys: a vserver-id is any vc_id, also one that cannot be a
// field name of the store ('.', a leading '$', NUL): VM-scope actions on it
// succeed, and read back the VM's state, instead of an UNEXPECTED ERROR.
func TestAPPCVMKeys(t *testing.T) {
	h, store := newAPPCRouter(t)
	for _, pair := range [][2]string{{"vm.1", "$vm%2E"}, {"a\x00b", "%24x"}} {
		vnf := createVNFWithVMs(t, h, pair[0], pair[1])
		sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
		for _, vm := range pair {
			sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vm: vm}, appc.CodeSuccess)
			sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, vm: vm}, appc.CodeNoTransitionDefined)
		}
		sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, vm: pair[1]}, appc.CodeSuccess)
		out := sendCode(t, h, appcReq{action: appc.HealthCheck, vnf: vnf}, appc.CodeSuccess)
		var hc appc.HealthCheckResult
		if err := json.Unmarshal([]byte(out.Payload), &hc); err != nil || hc.Info != "VM "+pair[0]+" is Stopped, not Running" {
			t.Errorf("health %s (%v)", out.Payload, err)
		}
		out = sendCode(t, h, appcReq{action: appc.Migrate, vnf: vnf, vm: pair[1]}, appc.CodeSuccess)
		var mig appc.MigrateResult
		if err := json.Unmarshal([]byte(out.Payload), &mig); err != nil || mig.VServerID != pair[1] {
			t.Errorf("migrate %s (%v)", out.Payload, err)
		}
		if st := appcOf(t, store, vnf); len(st.VMs) != 2 || st.State != "Running" {
			t.Errorf("VNF %s VMs %+v", st.State, st.VMs)
		}
	}
}

// TestAPPCValidation provokes every refusal of the guide's table and checks
// that none changes the record.
func TestAPPCValidation(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	lockedVNF := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Lock, vnf: lockedVNF, requestID: "holder"}, appc.CodeSuccess)
	stoppedVNF := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: stoppedVNF}, appc.CodeSuccess)
	unstableVNF := createVNF(t, h)
	seed(t, store, unstableVNF, models.APPCState{State: "Running", Working: "Unstable"})
	unknownVNF := createVNF(t, h)
	seed(t, store, unknownVNF, models.APPCState{State: "Running", Working: "Unknown"})
	dupVNF := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Start, vnf: dupVNF, requestID: "dup", subRequestID: "1"}, appc.CodeSuccess)

	old := appc.FormatTimestamp(time.Now().Add(-2 * time.Hour))
	tests := []struct {
		name    string
		req     appcReq
		code    int
		message string // a part of the status message
	}{
		{"empty vnf-id", appcReq{action: appc.Start, vnf: ""}, 301, "vnf-id"},
		{"api-ver", appcReq{action: appc.Start, vnf: vnf}, 301, "api-ver"},
		{"future timestamp", appcReq{action: appc.Start, vnf: vnf, timestamp: appc.FormatTimestamp(time.Now().Add(time.Hour))}, 301, "future"},
		{"vserver-id not a vc_id", appcReq{action: appc.Stop, vnf: vnf, vm: "no-such-vm"}, 301, "no-such-vm"},
		{"body action differs from the rpc", appcReq{action: appc.Start, rpc: "stop", vnf: vnf}, 301, "action"},
		{"missing request-id", appcReq{action: appc.Start, vnf: vnf}, 302, "request-id"},
		{"missing payload", appcReq{action: appc.HealthCheck, vnf: vnf, payload: nil}, 302, "payload"},
		{"missing payload field", appcReq{action: appc.HealthCheck, vnf: vnf, payload: ptr(`{"x": 1}`)}, 302, "vnf-host-ip-address"},
		{"missing vm-id", appcReq{action: appc.Migrate, vnf: vnf, vm: testVM1, payload: ptr(`{"tenant-id": "t"}`)}, 302, "vm-id"},
		{"missing request-parameters", appcReq{action: appc.Configure, vnf: vnf, payload: ptr(`{"configuration-parameters": {}}`)}, 302, "request-parameters"},
		{"impossible timestamp", appcReq{action: appc.Start, vnf: vnf, timestamp: "2024-02-30T10:00:00.000Z"}, 303, "timestamp"},
		{"payload not JSON", appcReq{action: appc.HealthCheck, vnf: vnf, payload: ptr(`{vnf-host-ip-address: 1`)}, 303, "payload"},
		{"no transition", appcReq{action: appc.Stop, vnf: stoppedVNF}, 304, "Stop action and Stopped state"},
		{"Evacuate without vserver-id", appcReq{action: appc.Evacuate, vnf: vnf}, 305, "Evacuate action is not supported"},
		{"Lock at VM scope", appcReq{action: appc.Lock, vnf: vnf, vm: testVM1}, 305, "Lock"},
		{"VNF not found", appcReq{action: appc.Start, vnf: "00000000-0000-4000-8000-000000000000"}, 306, "00000000-0000-4000-8000-000000000000"},
		{"Unstable", appcReq{action: appc.Start, vnf: unstableVNF}, 309, unstableVNF},
		{"Unknown", appcReq{action: appc.Restart, vnf: unknownVNF}, 309, unknownVNF},
		{"force FALSE", appcReq{action: appc.Restart, vnf: unknownVNF, force: "FALSE"}, 309, unknownVNF},
		{"locked by another request-id", appcReq{action: appc.Start, vnf: lockedVNF}, 310, "holder"},
		{"Lock of a locked VNF", appcReq{action: appc.Lock, vnf: lockedVNF}, 310, "holder"},
		{"Unlock by another request-id", appcReq{action: appc.Unlock, vnf: lockedVNF}, 310, "holder"},
		{"Sync of a locked VNF", appcReq{action: appc.Sync, vnf: lockedVNF}, 310, "holder"},
		{"expired by flags.ttl", appcReq{action: appc.Start, vnf: vnf, ttl: 5, timestamp: appc.FormatTimestamp(time.Now().Add(-10 * time.Second))}, 311, "EXPIREDREQUEST"},
		{"expired by the default ttl", appcReq{action: appc.Start, vnf: vnf, timestamp: old}, 311, "EXPIREDREQUEST"},
		{"duplicate", appcReq{action: appc.Stop, vnf: dupVNF, requestID: "dup", subRequestID: "1"}, 312, "DUPLICATEREQUEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.req.vnf
			if target == "" || strings.HasPrefix(target, "00000000") {
				target = vnf
			}
			before := getVNF(t, store, target)
			body := tt.req.body()
			switch tt.name {
			case "api-ver":
				body = []byte(strings.Replace(string(body), `"5.00"`, `"5.0"`, 1))
			case "missing request-id":
				body = []byte(strings.Replace(string(body), `"request-id":`, `"x-onap-requestorid":`, 1))
			case "missing payload":
				var m map[string]map[string]any
				_ = json.Unmarshal(body, &m)
				delete(m["input"], "payload")
				body, _ = json.Marshal(m)
			}
			rec := do(t, h, http.MethodPost, tt.req.path(), body)
			wantStatus(t, rec, http.StatusOK)
			var resp struct{ Output appcOutput }
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Output.Status.Code != tt.code || !strings.Contains(resp.Output.Status.Message, tt.message) {
				t.Errorf("status %+v, want %d mentioning %q", resp.Output.Status, tt.code, tt.message)
			}
			tmpl, _ := appc.StatusTemplate(tt.code)
			if prefix, _, _ := strings.Cut(tmpl, " - "); !strings.HasPrefix(resp.Output.Status.Message, strings.TrimSpace(strings.Split(prefix, "${")[0])) {
				t.Errorf("message %q is not the guide's %q", resp.Output.Status.Message, tmpl)
			}
			if resp.Output.CommonHeader == nil {
				t.Error("the common-header is not echoed")
			}
			unchanged(t, store, before)
			unchanged(t, store, getVNF(t, store, target))
		})
	}
	// The lock holder is untouched by all of that.
	if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: lockedVNF}, appc.CodeSuccess); out.Locked != "TRUE" {
		t.Errorf("locked %q", out.Locked)
	}
}

// TestAPPCMalformed checks the RESTCONF answers: malformed bodies 400,
// unknown rpcs and modules 404, media type 415, size 413.
func TestAPPCMalformed(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	before := getVNF(t, store, vnf)
	good := string(appcReq{action: appc.Start, vnf: vnf}.body())
	tests := []struct {
		name   string
		path   string
		body   string
		ct     string
		status int
		tag    string
	}{
		{"not JSON", "/restconf/operations/appc-provider-lcm:start", `{"input": `, "", 400, "malformed-message"},
		{"empty body", "/restconf/operations/appc-provider-lcm:start", ``, "", 400, "malformed-message"},
		{"trailing data", "/restconf/operations/appc-provider-lcm:start", good + `{}`, "", 400, "malformed-message"},
		{"array", "/restconf/operations/appc-provider-lcm:start", `[]`, "", 400, "malformed-message"},
		{"unknown member", "/restconf/operations/appc-provider-lcm:start", `{"input": {"nope": 1}}`, "", 400, "malformed-message"},
		{"wrong type", "/restconf/operations/appc-provider-lcm:start", strings.Replace(good, `"api-ver":"5.00"`, `"api-ver":5`, 1), "", 400, "malformed-message"},
		{"action outside the enum", "/restconf/operations/appc-provider-lcm:start", strings.Replace(good, `"action":"Start"`, `"action":"Stopp"`, 1), "", 400, "malformed-message"},
		{"bad force", "/restconf/operations/appc-provider-lcm:start", strings.Replace(good, `"flags":{}`, `"flags":{"force":"yes"}`, 1), "", 400, "malformed-message"},
		{"payload on check-lock", "/restconf/operations/appc-provider-lcm:check-lock", strings.Replace(strings.Replace(good, `"Start"`, `"CheckLock"`, 1), `"input":{`, `"input":{"payload":"{}",`, 1), "", 400, "malformed-message"},
		{"unknown rpc", "/restconf/operations/appc-provider-lcm:terminate", good, "", 404, "unknown-element"},
		{"other module", "/restconf/operations/other-module:start", good, "", 404, "unknown-element"},
		{"no module", "/restconf/operations/start", good, "", 404, "unknown-element"},
		{"media type", "/restconf/operations/appc-provider-lcm:start", good, "text/plain", 415, "invalid-value"},
		{"too big", "/restconf/operations/appc-provider-lcm:start", `{"input": "` + strings.Repeat("x", testMaxBody) + `"}`, "", 413, "too-big"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{}
			if tt.ct != "" {
				headers = append(headers, "Content-Type", tt.ct)
			}
			rec := do(t, h, http.MethodPost, tt.path, []byte(tt.body), headers...)
			wantStatus(t, rec, tt.status)
			var e appc.ErrorsBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || len(e.Errors.Error) != 1 {
				t.Fatalf("body %s (%v)", rec.Body.String(), err)
			}
			if got := e.Errors.Error[0]; got.ErrorType != "protocol" || got.ErrorTag != tt.tag || got.ErrorMessage == "" {
				t.Errorf("error %+v, want tag %s", got, tt.tag)
			}
			unchanged(t, store, before)
		})
	}
	t.Run("GET", func(t *testing.T) {
		wantError(t, do(t, h, http.MethodGet, "/restconf/operations/appc-provider-lcm:start", nil), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	})
	t.Run("yang-data+json and YAML output", func(t *testing.T) {
		rec := do(t, h, http.MethodPost, "/restconf/operations/appc-provider-lcm:check-lock",
			appcReq{action: appc.CheckLock, vnf: vnf}.body(), "Content-Type", "application/yang-data+json", "Accept", "application/yaml")
		wantStatus(t, rec, http.StatusOK)
		if !strings.Contains(rec.Body.String(), "locked: \"FALSE\"") {
			t.Errorf("YAML answer %s", rec.Body.String())
		}
	})
	t.Run("guide spellings", func(t *testing.T) {
		for _, rpc := range []string{"checklock", "check-lock"} {
			if out := send(t, h, appcReq{action: appc.CheckLock, rpc: rpc, vnf: vnf}); out.Status.Code != 400 || out.Locked != "FALSE" {
				t.Errorf("%s: %+v", rpc, out)
			}
		}
	})
}

// TestAPPCLocking: Lock, Unlock and CheckLock between request ids.
func TestAPPCLocking(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	a, b := "request-a", "request-b"
	checkLock := func(owner, want string) {
		t.Helper()
		if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf, requestID: owner, subRequestID: uuid.NewString()}, 400); out.Locked != want {
			t.Fatalf("CheckLock by %s: locked %q, want %s", owner, out.Locked, want)
		}
	}
	call := func(action appc.Action, owner string, want int) {
		t.Helper()
		before := getVNF(t, store, vnf)
		sendCode(t, h, appcReq{action: action, vnf: vnf, requestID: owner, subRequestID: uuid.NewString()}, want)
		if want != 400 {
			unchanged(t, store, before)
		}
	}
	checkLock(a, "FALSE")
	call(appc.Unlock, b, 400) // not locked: success
	call(appc.Lock, a, 400)
	call(appc.Lock, a, 400) // the same request-id again
	checkLock(a, "TRUE")
	checkLock(b, "TRUE") // CheckLock answers anyone
	call(appc.Lock, b, 310)
	call(appc.Start, b, 310)
	call(appc.Unlock, b, 310)
	call(appc.Configure, b, 310)
	call(appc.Start, a, 400) // the owner's commands run
	call(appc.Stop, a, 400)
	call(appc.Unlock, a, 400)
	checkLock(a, "FALSE")
	call(appc.Start, b, 400)
	call(appc.Lock, b, 400)
	call(appc.Stop, a, 310)

	hist := appcOf(t, store, vnf).History
	var actions []string
	for _, e := range hist {
		actions = append(actions, e.Action+":"+e.RequestID)
	}
	want := "Unlock:request-b Lock:request-a Lock:request-a Start:request-a Stop:request-a Unlock:request-a Start:request-b Lock:request-b"
	if got := strings.Join(actions, " "); got != want {
		t.Errorf("history %s\nwant    %s", got, want)
	}
}

// race sends n requests at once, request i built by req(i) and sent
// through replicas[i%len(replicas)], and returns their LCM status codes; an
// answer that is no LCM response is minus its HTTP status.
func race(replicas []http.Handler, n int, req func(i int) appcReq) []int {
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := req(i)
			rec := httptest.NewRecorder()
			hr := httptest.NewRequest(http.MethodPost, r.path(), bytes.NewReader(r.body()))
			hr.Header.Set("Content-Type", "application/json")
			replicas[i%len(replicas)].ServeHTTP(rec, hr)
			var resp struct{ Output *appcOutput }
			if rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &resp) == nil && resp.Output != nil {
				codes[i] = resp.Output.Status.Code
			} else {
				codes[i] = -rec.Code
			}
		}()
	}
	wg.Wait()
	return codes
}

// successes counts the 400s among codes, which must all be 400 or refused.
func successes(t testing.TB, codes []int, refused int) int {
	t.Helper()
	n := 0
	for _, c := range codes {
		switch c {
		case appc.CodeSuccess:
			n++
		case refused:
		default:
			t.Fatalf("codes %v: want %d or %d", codes, appc.CodeSuccess, refused)
		}
	}
	return n
}

// TestAPPCLockTwoReplicas: many request ids race for one VNF's lock through
// two routers on one store (two service replicas): exactly one wins.
func TestAPPCLockTwoReplicas(t *testing.T) {
	store := newAPPCStore(t)
	replicas := []http.Handler{appcRouterOn(t, store, appc.EngineConfig{}), appcRouterOn(t, store, appc.EngineConfig{})}
	vnf := createVNF(t, replicas[0])

	const n = 8
	codes := race(replicas, n, func(i int) appcReq {
		return appcReq{action: appc.Lock, vnf: vnf, requestID: fmt.Sprintf("racer-%d", i)}
	})
	winner := ""
	for i, c := range codes {
		switch c {
		case appc.CodeSuccess:
			if winner != "" {
				t.Fatalf("racer-%d and %s both hold the lock (codes %v)", i, winner, codes)
			}
			winner = fmt.Sprintf("racer-%d", i)
		case appc.CodeLockingFailure:
		default:
			t.Fatalf("racer-%d: code %d (codes %v)", i, c, codes)
		}
	}
	if winner == "" {
		t.Fatalf("nobody got the lock: %v", codes)
	}
	// Both replicas see the winner's lock and refuse everyone else.
	for i, h := range replicas {
		if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf}, 400); out.Locked != "TRUE" {
			t.Errorf("replica %d: locked %q", i, out.Locked)
		}
		sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeLockingFailure)
		sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: winner, subRequestID: fmt.Sprint(i)}, appc.CodeSuccess)
	}
	// The winner unlocks through one replica; the other sees it free.
	sendCode(t, replicas[1], appcReq{action: appc.Unlock, vnf: vnf, requestID: winner, subRequestID: "unlock"}, 400)
	if out := sendCode(t, replicas[0], appcReq{action: appc.CheckLock, vnf: vnf}, 400); out.Locked != "FALSE" {
		t.Errorf("after Unlock: locked %q", out.Locked)
	}
}

// TestAPPCConcurrentCommands: commands of different request ids on one VNF
// through two replicas never interleave: each either runs (and is in the
// history) or is refused 310 while another runs.
func TestAPPCConcurrentCommands(t *testing.T) {
	store := newAPPCStore(t)
	replicas := []http.Handler{appcRouterOn(t, store, appc.EngineConfig{}), appcRouterOn(t, store, appc.EngineConfig{})}
	vnf := createVNF(t, replicas[0])
	const n = 8
	codes := race(replicas, n, func(i int) appcReq {
		return appcReq{action: appc.Restart, vnf: vnf, requestID: fmt.Sprintf("restart-%d", i)}
	})
	ran := successes(t, codes, appc.CodeLockingFailure)
	st := appcOf(t, store, vnf)
	if ran == 0 || len(st.History) != ran || st.State != "Running" || st.Working != "Stable" {
		t.Errorf("%d ran, history %d entries, state %s/%s", ran, len(st.History), st.State, st.Working)
	}
	// No command's own lock is left behind.
	if out := sendCode(t, replicas[1], appcReq{action: appc.CheckLock, vnf: vnf}, 400); out.Locked != "FALSE" {
		t.Errorf("locked %q after the commands", out.Locked)
	}
}

// TestAPPCLockIdle: the lock expires after the idle time; every request of
// the owner renews it.
func TestAPPCLockIdle(t *testing.T) {
	const idle = 2 * time.Minute
	// One clock for the engine and the store, moved by hand: expiry is
	// tested without waiting for it.
	clock := repotest.NewClock(time.Now().UTC().Truncate(time.Millisecond))
	db := newDBAt(t, clock.Now)
	store := appcStore{APPCStore: repo.NewAPPCStore(db, clock.Now, nil), db: db}
	h := appcRouterOn(t, store, appc.EngineConfig{LockIdle: idle, Now: clock.Now})
	vnf := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Lock, vnf: vnf, requestID: "owner", subRequestID: "1"}, 400)
	clock.Advance(idle / 2)
	sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf, requestID: "owner", subRequestID: "2"}, 400) // renews
	clock.Advance(idle/2 + idle/5)                                                                        // past the first expiry, before the renewed one
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: "other", subRequestID: "1"}, appc.CodeLockingFailure)
	if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf}, 400); out.Locked != "TRUE" {
		t.Errorf("locked %q before the renewed lock expired", out.Locked)
	}
	clock.Advance(idle / 2) // past the renewed expiry
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: "other", subRequestID: "2"}, appc.CodeSuccess)
	if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf}, 400); out.Locked != "FALSE" {
		t.Errorf("locked %q after expiry", out.Locked)
	}
}

// TestAPPCForce: a VNF whose working state is not Stable refuses commands
// with 309 unless flags.force is TRUE; read-only actions are not refused.
func TestAPPCForce(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	for _, working := range []string{"Unstable", "Unknown"} {
		t.Run(working, func(t *testing.T) {
			seed(t, store, vnf, models.APPCState{State: "Running", Working: working})
			before := getVNF(t, store, vnf)
			sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf}, appc.CodeUnstableVNF)
			sendCode(t, h, appcReq{action: appc.HealthCheck, vnf: vnf}, appc.CodeUnstableVNF)
			unchanged(t, store, before)
			// Read-only actions run, and keep the working state.
			sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf}, appc.CodeSuccess)
			sendCode(t, h, appcReq{action: appc.Audit, vnf: vnf}, appc.CodeSuccess)
			sendCode(t, h, appcReq{action: appc.Sync, vnf: vnf}, appc.CodeSuccess)
			sendCode(t, h, appcReq{action: appc.Lock, vnf: vnf, requestID: "ro-" + working, subRequestID: "1"}, appc.CodeSuccess)
			sendCode(t, h, appcReq{action: appc.Unlock, vnf: vnf, requestID: "ro-" + working, subRequestID: "2"}, appc.CodeSuccess)
			if st := appcOf(t, store, vnf); st.Working != working {
				t.Errorf("working %s after read-only actions", st.Working)
			}
			sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, force: "TRUE"}, appc.CodeSuccess)
			if st := appcOf(t, store, vnf); st.Working != "Stable" || st.State != "Stopped" {
				t.Errorf("after a forced Stop: %s/%s", st.State, st.Working)
			}
		})
	}
}

// TestAPPCTTL: flags.ttl and the configured default TTL.
func TestAPPCTTL(t *testing.T) {
	store := newAPPCStore(t)
	h := appcRouterOn(t, store, appc.EngineConfig{DefaultTTL: 30 * time.Second})
	vnf := createVNF(t, h)
	before := getVNF(t, store, vnf)
	minuteAgo := appc.FormatTimestamp(time.Now().Add(-time.Minute))
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, timestamp: minuteAgo}, appc.CodeExpiredRequest)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, timestamp: minuteAgo, ttl: 0}, appc.CodeExpiredRequest) // 0: the default
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, timestamp: minuteAgo, ttl: "45"}, appc.CodeExpiredRequest)
	unchanged(t, store, before)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, timestamp: minuteAgo, ttl: 120}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, timestamp: minuteAgo, ttl: "120"}, appc.CodeSuccess)
}

// TestAPPCDuplicate: originator-id, request-id and sub-request-id name one
// action: the same three again are a duplicate, across replicas and
// restarts, refused requests included.
func TestAPPCDuplicate(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	first := appcReq{action: appc.Start, vnf: vnf, requestID: "req-1", subRequestID: "a"}
	sendCode(t, h, first, appc.CodeSuccess)
	before := getVNF(t, store, vnf)
	sendCode(t, h, first, appc.CodeDuplicateRequest)
	// Another action under the same key is a duplicate too.
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, requestID: "req-1", subRequestID: "a"}, appc.CodeDuplicateRequest)
	// A restarted service (a new router and engine on the same store).
	sendCode(t, appcRouterOn(t, store, appc.EngineConfig{}), first, appc.CodeDuplicateRequest)
	unchanged(t, store, before)
	// Another sub-request-id or originator-id is another request.
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, requestID: "req-1", subRequestID: "b"}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: "req-1", subRequestID: "a", originator: "Policy"}, appc.CodeSuccess)
	// A request refused after it was stored (306) keeps its key.
	gone := appcReq{action: appc.Start, vnf: "00000000-0000-4000-8000-000000000001", requestID: "req-2", subRequestID: "a"}
	sendCode(t, h, gone, appc.CodeVNFNotFound)
	sendCode(t, h, gone, appc.CodeDuplicateRequest)
	// One refused before (302) does not: it was never accepted.
	bad := appcReq{action: appc.HealthCheck, vnf: vnf, requestID: "req-3", subRequestID: "a", payload: ptr(`{}`)}
	sendCode(t, h, bad, appc.CodeMissingMandatoryParameter)
	bad.payload = nil
	sendCode(t, h, bad, appc.CodeSuccess)
}

// TestAPPCRequestSeries: without sub-request-ids, one request-id carries the
// guide's series of calls (Lock, commands, Unlock); each call may repeat
// the ids of the one before once it has ended.
func TestAPPCRequestSeries(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	for _, a := range []appc.Action{appc.Lock, appc.Start, appc.Stop, appc.CheckLock, appc.Start, appc.Unlock} {
		sendCode(t, h, appcReq{action: a, vnf: vnf, requestID: "series"}, appc.CodeSuccess)
	}
	// Each call was stored with its outcome: ActionStatus sees them all.
	out := sendCode(t, h, appcReq{action: appc.ActionStatus, vnf: vnf, payload: ptr(`{"request-id": "series"}`)}, appc.CodeSuccess)
	if out.Payload != `{"status":"MULTIPLE_REQUESTS_FOUND","status-reason":"MULTIPLE_REQUESTS_FOUND"}` {
		t.Errorf("ActionStatus %s", out.Payload)
	}
	if n := len(appcOf(t, store, vnf).History); n != 5 { // CheckLock writes none
		t.Errorf("%d history entries", n)
	}
}

// TestAPPCConcurrentDuplicates: the same call without a sub-request-id sent
// many times at once through two replicas runs at most once at a time:
// every other copy that meets it running is a duplicate (312), and the
// history has exactly one entry per copy that ran.
func TestAPPCConcurrentDuplicates(t *testing.T) {
	store := newAPPCStore(t)
	replicas := []http.Handler{appcRouterOn(t, store, appc.EngineConfig{}), appcRouterOn(t, store, appc.EngineConfig{})}
	vnf := createVNF(t, replicas[0])
	sendCode(t, replicas[0], appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	const n = 8
	codes := race(replicas, n, func(int) appcReq { return appcReq{action: appc.Restart, vnf: vnf, requestID: "retried"} })
	ran := successes(t, codes, appc.CodeDuplicateRequest)
	st := appcOf(t, store, vnf)
	if ran == 0 || len(st.History) != ran+1 || st.Working != "Stable" || st.Running != nil {
		t.Errorf("%d ran (codes %v), history %d entries, working %s, running %+v", ran, codes, len(st.History), st.Working, st.Running)
	}
}

// TestAPPCActionStatus answers from the stored requests, across restarts.
func TestAPPCActionStatus(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	other := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: "ok", subRequestID: "1"}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, requestID: "ok", subRequestID: "2"}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, requestID: "refused", vm: "nope"}, appc.CodeInvalidInputParameter)
	sendCode(t, h, appcReq{action: appc.ConfigRestore, vnf: vnf, requestID: "failed"}, appc.CodeDGFailure)
	sendCode(t, h, appcReq{action: appc.Start, vnf: other, requestID: "elsewhere"}, appc.CodeSuccess)

	restarted := appcRouterOn(t, store, appc.EngineConfig{})
	tests := []struct {
		payload string
		status  string
		reason  string
	}{
		{`{"request-id": "ok", "sub-request-id": "1"}`, "SUCCESSFUL", "SUCCESSFUL"},
		{`{"request-id": "ok", "sub-request-id": "2", "originator-id": "SO"}`, "SUCCESSFUL", "SUCCESSFUL"},
		{`{"request-id": "ok"}`, "MULTIPLE_REQUESTS_FOUND", "MULTIPLE_REQUESTS_FOUND"},
		{`{"request-id": "ok", "sub-request-id": "1", "originator-id": "Policy"}`, "NOT_FOUND", "NOT_FOUND"},
		{`{"request-id": "refused"}`, "FAILED", "REJECTED"},
		{`{"request-id": "failed"}`, "FAILED", "FAILED"},
		{`{"request-id": "elsewhere"}`, "NOT_FOUND", "NOT_FOUND"}, // another VNF's
		{`{"request-id": "never"}`, "NOT_FOUND", "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.payload, func(t *testing.T) {
			before := getVNF(t, store, vnf)
			out := sendCode(t, restarted, appcReq{action: appc.ActionStatus, vnf: vnf, payload: ptr(tt.payload)}, appc.CodeSuccess)
			var got appc.ActionStatusResult
			if err := json.Unmarshal([]byte(out.Payload), &got); err != nil {
				t.Fatalf("payload %q: %v", out.Payload, err)
			}
			if got.Status != tt.status || got.StatusReason != tt.reason {
				t.Errorf("got %+v, want %s/%s", got, tt.status, tt.reason)
			}
			unchanged(t, store, before)
		})
	}
	// ActionStatus asks; it is not refused by another request's lock.
	sendCode(t, h, appcReq{action: appc.Lock, vnf: vnf, requestID: "holder"}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.ActionStatus, vnf: vnf, payload: ptr(`{"request-id": "holder"}`)}, appc.CodeSuccess)
}

// TestAPPCEffects: what each action leaves in the record and answers.
func TestAPPCEffects(t *testing.T) {
	h, store := newAPPCRouter(t)
	vnf := createVNF(t, h)
	extra := func() map[string]any { return plain(appcOf(t, store, vnf).Extra).(map[string]any) }

	// Nothing to back up or restore yet: 401, and the failure shows.
	sendCode(t, h, appcReq{action: appc.ConfigBackup, vnf: vnf}, appc.CodeNoTransitionDefined) // Instantiated has none
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	out := sendCode(t, h, appcReq{action: appc.ConfigBackup, vnf: vnf}, appc.CodeDGFailure)
	if !strings.HasPrefix(out.Status.Message, "DG FAILURE - ") {
		t.Errorf("message %q", out.Status.Message)
	}
	if st := appcOf(t, store, vnf); st.State != "Running" || st.Working != "Stable" { // read-only: kept
		t.Errorf("after a failed ConfigBackup: %s/%s", st.State, st.Working)
	}
	sendCode(t, h, appcReq{action: appc.ConfigRestore, vnf: vnf}, appc.CodeDGFailure)
	st := appcOf(t, store, vnf)
	if st.State != "Error" || st.Working != "Unknown" || st.History[len(st.History)-1].Result != "FAILURE" {
		t.Errorf("after a failed ConfigRestore: %s/%s %+v", st.State, st.Working, st.History[len(st.History)-1])
	}
	if s := getVNF(t, store, vnf).Fields["status"]; s != "failed" {
		t.Errorf("SONATA status %v", s)
	}
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeUnstableVNF)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf, force: "TRUE"}, appc.CodeSuccess)

	// Configure stores a configuration and answers its upload_config_id.
	out = sendCode(t, h, appcReq{action: appc.Configure, vnf: vnf}, appc.CodeSuccess)
	var up appc.UploadConfigResult
	if err := json.Unmarshal([]byte(out.Payload), &up); err != nil || up.UploadConfigID == "" {
		t.Fatalf("Configure payload %q (%v)", out.Payload, err)
	}
	cfg, _ := extra()["config"].(map[string]any)
	if cfg["upload_config_id"] != up.UploadConfigID || cfg["configuration_parameters"] != `{"pg-streams":5,"unique-config-id":"1"}` {
		t.Errorf("stored configuration %v", cfg)
	}
	// Not synced yet: Audit fails; Sync; Audit matches.
	sendCode(t, h, appcReq{action: appc.Audit, vnf: vnf}, appc.CodeDGFailure)
	sendCode(t, h, appcReq{action: appc.Sync, vnf: vnf}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Audit, vnf: vnf, payload: ptr(`{"publish-config": "Y"}`)}, appc.CodeSuccess)
	if st := appcOf(t, store, vnf); st.State != "Configured" || st.Working != "Stable" {
		t.Errorf("after Audit: %s/%s", st.State, st.Working)
	}
	// Back it up, modify, audit (differs), restore, audit (matches).
	sendCode(t, h, appcReq{action: appc.ConfigBackup, vnf: vnf}, appc.CodeSuccess)
	out = sendCode(t, h, appcReq{action: appc.ConfigModify, vnf: vnf,
		payload: ptr(`{"request-parameters": {"host-ip-address": "10.0.0.1"}, "configuration-parameters": {"pg-streams": 7}}`)}, appc.CodeSuccess)
	var up2 appc.UploadConfigResult
	if err := json.Unmarshal([]byte(out.Payload), &up2); err != nil || up2.UploadConfigID == "" || up2.UploadConfigID == up.UploadConfigID {
		t.Errorf("ConfigModify payload %q", out.Payload)
	}
	sendCode(t, h, appcReq{action: appc.Audit, vnf: vnf}, appc.CodeDGFailure)
	sendCode(t, h, appcReq{action: appc.ConfigRestore, vnf: vnf}, appc.CodeSuccess)
	sendCode(t, h, appcReq{action: appc.Audit, vnf: vnf}, appc.CodeSuccess)
	if cfg, _ := extra()["config"].(map[string]any); cfg["upload_config_id"] != up.UploadConfigID {
		t.Errorf("restored configuration %v", cfg)
	}

	// Applications.
	sendCode(t, h, appcReq{action: appc.StartApplication, vnf: vnf}, appc.CodeSuccess)
	if app, _ := extra()["application"].(map[string]any); app["state"] != "started" {
		t.Errorf("application %v", app)
	}
	sendCode(t, h, appcReq{action: appc.StopApplication, vnf: vnf}, appc.CodeSuccess)
	if app, _ := extra()["application"].(map[string]any); app["state"] != "stopped" {
		t.Errorf("application %v", app)
	}
	if st := appcOf(t, store, vnf); st.State != "Stopped" {
		t.Errorf("after StopApplication: %s", st.State)
	}

	// HealthCheck: unhealthy when not running, healthy when running; the
	// state stays.
	health := func(want string) {
		t.Helper()
		before := appcOf(t, store, vnf).State
		out := sendCode(t, h, appcReq{action: appc.HealthCheck, vnf: vnf}, appc.CodeSuccess)
		var hc appc.HealthCheckResult
		if err := json.Unmarshal([]byte(out.Payload), &hc); err != nil || hc.State != want || hc.Identifier != vnf || hc.Time == "" {
			t.Errorf("HealthCheck payload %q, want %s", out.Payload, want)
		}
		if after := appcOf(t, store, vnf).State; after != before {
			t.Errorf("HealthCheck moved %s to %s", before, after)
		}
	}
	health(appc.Unhealthy)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	health(appc.Healthy)
	health(appc.Healthy)

	// Snapshot: a new snapshot-id, answered and kept.
	out = sendCode(t, h, appcReq{action: appc.Snapshot, vnf: vnf, vm: testVM1}, appc.CodeSuccess)
	if out.SnapshotID == "" {
		t.Fatal("no snapshot-id")
	}
	snaps, _ := extra()["snapshots"].([]any)
	if len(snaps) != 1 || snaps[0].(map[string]any)["snapshot_id"] != out.SnapshotID || snaps[0].(map[string]any)["vserver_id"] != testVM1 {
		t.Errorf("snapshots %v", snaps)
	}
	out2 := sendCode(t, h, appcReq{action: appc.Snapshot, vnf: vnf, vm: testVM1}, appc.CodeSuccess)
	if out2.SnapshotID == out.SnapshotID {
		t.Error("the same snapshot-id twice")
	}

	// Migrate and Evacuate record the VM's new host. Evacuate rebuilds the
	// VM from its newest snapshot unless rebuild-vm is false.
	evacuate := func(payload string, want appc.EvacuateResult) {
		t.Helper()
		out := sendCode(t, h, appcReq{action: appc.Evacuate, vnf: vnf, vm: testVM1, payload: ptr(payload)}, appc.CodeSuccess)
		var got appc.EvacuateResult
		if err := json.Unmarshal([]byte(out.Payload), &got); err != nil || got != want {
			t.Errorf("Evacuate %s: payload %q, want %+v", payload, out.Payload, want)
		}
		if vm := appcOf(t, store, vnf).VMs[testVM1]; vm.Host != want.Host || vm.State != "Running" {
			t.Errorf("after Evacuate: %+v", vm)
		}
	}
	evacuate(`{"vm-id": "vm-self-link", "rebuild-vm": "false", "targethost-id": "nodeblade7"}`,
		appc.EvacuateResult{VServerID: testVM1, Host: "nodeblade7"})
	if vm := appcOf(t, store, vnf).VMs[testVM1]; vm.SnapshotID != "" {
		t.Errorf("rebuilt with rebuild-vm false: %+v", vm)
	}
	evacuate(`{"vm-id": "vm-self-link", "targethost-id": "nodeblade8"}`,
		appc.EvacuateResult{VServerID: testVM1, Host: "nodeblade8", Rebuilt: true, SnapshotID: out2.SnapshotID})
	evacuate(`{"vm-id": "vm-self-link", "rebuild-vm": true, "targethost-id": "nodeblade7"}`,
		appc.EvacuateResult{VServerID: testVM1, Host: "nodeblade7", Rebuilt: true, SnapshotID: out2.SnapshotID})
	if vm := appcOf(t, store, vnf).VMs[testVM1]; vm.SnapshotID != out2.SnapshotID {
		t.Errorf("after Evacuate with a rebuild: %+v", vm)
	}
	// Without a snapshot of the VM there is nothing to rebuild from.
	out = sendCode(t, h, appcReq{action: appc.Evacuate, vnf: vnf, vm: testVM2, payload: ptr(`{"vm-id": "x"}`)}, appc.CodeSuccess)
	var ev appc.EvacuateResult
	if err := json.Unmarshal([]byte(out.Payload), &ev); err != nil || ev.Rebuilt || !strings.HasPrefix(ev.Host, "host-") {
		t.Errorf("Evacuate without a snapshot: %q", out.Payload)
	}
	out = sendCode(t, h, appcReq{action: appc.Migrate, vnf: vnf, vm: testVM2}, appc.CodeSuccess)
	var mig appc.MigrateResult
	if err := json.Unmarshal([]byte(out.Payload), &mig); err != nil || mig.Host == "" || mig.VServerID != testVM2 {
		t.Errorf("Migrate payload %q", out.Payload)
	}
	if vm := appcOf(t, store, vnf).VMs[testVM2]; vm.Host != mig.Host {
		t.Errorf("after Migrate: %+v, want host %s", vm, mig.Host)
	}
	out = sendCode(t, h, appcReq{action: appc.Migrate, vnf: vnf, vm: testVM2,
		payload: ptr(`{"vm-id": "x", "targethost-id": "nodeblade9"}`)}, appc.CodeSuccess)
	if vm := appcOf(t, store, vnf).VMs[testVM2]; vm.Host != "nodeblade9" {
		t.Errorf("after Migrate to nodeblade9: %+v", vm)
	}
	// Rebuild recreates the VM from its newest snapshot, else its image,
	// and says which.
	rebuild := func(vm string, want appc.RebuildResult) {
		t.Helper()
		out := sendCode(t, h, appcReq{action: appc.Rebuild, vnf: vnf, vm: vm}, appc.CodeSuccess)
		var got appc.RebuildResult
		if err := json.Unmarshal([]byte(out.Payload), &got); err != nil || got != want {
			t.Errorf("Rebuild %s: payload %q, want %+v", vm, out.Payload, want)
		}
		if st := appcOf(t, store, vnf).VMs[vm]; st.SnapshotID != want.SnapshotID || st.State != "Running" {
			t.Errorf("after Rebuild: %+v", st)
		}
	}
	rebuild(testVM2, appc.RebuildResult{VServerID: testVM2, RebuiltFrom: appc.RebuiltFromImage})
	if vm := appcOf(t, store, vnf).VMs[testVM2]; vm.Host != "nodeblade9" {
		t.Errorf("Rebuild moved the VM: %+v", vm)
	}
	rebuild(testVM1, appc.RebuildResult{VServerID: testVM1, RebuiltFrom: appc.RebuiltFromSnapshot, SnapshotID: out2.SnapshotID})

	// A PUT of the record keeps its APPC state.
	before := appcOf(t, store, vnf)
	b := getVNF(t, store, vnf).AppendJSON(nil)
	wantStatus(t, do(t, h, http.MethodPut, "/vnfrs/"+vnf, b), http.StatusOK)
	if after := appcOf(t, store, vnf); !reflect.DeepEqual(before, after) {
		t.Errorf("PUT changed the APPC state")
	}
}

// TestAPPCResponseShape checks the answer against the guide: the
// common-header echoed as sent, status last, CheckLock's locked.
func TestAPPCResponseShape(t *testing.T) {
	h, _ := newAPPCRouter(t)
	vnf := createVNF(t, h)
	body := fmt.Sprintf(`{"input": {"common-header": {"timestamp": %q, "api-ver": "5.00", "originator-id": "SO", "request-id": "r-1", "sub-request-id": "s-1", "flags": {"mode": "EXCLUSIVE", "force": "FALSE", "ttl": 3600}}, "action": "CheckLock", "action-identifiers": {"vnf-id": %q}}}`,
		appc.FormatTimestamp(time.Now().Add(-time.Second)), vnf)
	rec := do(t, h, http.MethodPost, "/restconf/operations/appc-provider-lcm:checklock", []byte(body))
	wantStatus(t, rec, http.StatusOK)
	var got map[string]map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var sent map[string]map[string]json.RawMessage
	_ = json.Unmarshal([]byte(body), &sent)
	var a, b any
	_ = json.Unmarshal(got["output"]["common-header"], &a)
	_ = json.Unmarshal(sent["input"]["common-header"], &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("common-header %s, want %s", got["output"]["common-header"], sent["input"]["common-header"])
	}
	if string(got["output"]["locked"]) != `"FALSE"` || string(got["output"]["status"]) != `{"code":400,"message":"The request was processed successfully"}` {
		t.Errorf("output %s", rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// stubEngine answers every LCM call with res.
type stubEngine struct{ res appc.Result }

func (s stubEngine) Handle(context.Context, models.Scope, string, []byte) appc.Result { return s.res }

// TestAPPCStoreFailureStatus: a store failure is HTTP 503 (unreachable) or
// 500 (a bug), with the engine's LCM body.
func TestAPPCStoreFailureStatus(t *testing.T) {
	db := newDB(t)
	body := appc.NewResponse(nil, appc.UnexpectedError("the database is unreachable; retry later"))
	for _, tt := range []struct {
		err    error
		status int
	}{
		{&models.Error{Code: models.CodeUnavailable, Detail: "the database is unreachable; retry later"}, http.StatusServiceUnavailable},
		{&models.Error{Code: models.CodeInternal, Detail: "internal error"}, http.StatusInternalServerError},
		{&models.Error{Code: models.CodeConflict, Detail: "busy"}, http.StatusConflict}, // retry, not a bug
		{&models.Error{Code: models.CodeInvalid, Detail: "a store refusal"}, http.StatusInternalServerError},
		{fmt.Errorf("unclassified"), http.StatusInternalServerError},
	} {
		cfg := routerConfig(t, db)
		cfg.APPC = stubEngine{appc.Result{Outcome: appc.StoreFailed, Body: body, Err: tt.err}}
		h := mustRouter(t, cfg)
		rec := do(t, h, http.MethodPost, "/restconf/operations/appc-provider-lcm:start", []byte(`{}`))
		wantStatus(t, rec, tt.status)
		var got appc.Response
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Output.Status.Code != appc.CodeUnexpectedError {
			t.Errorf("body %s", rec.Body.String())
		}
	}
	// Without an engine there is no APPC route.
	h := mustRouter(t, routerConfig(t, db))
	wantError(t, do(t, h, http.MethodPost, "/restconf/operations/appc-provider-lcm:start", []byte(`{}`)), http.StatusNotFound, "NOT_FOUND")
}

// steppedStore is the real store with a hook before each ModifyVNF (n
// counts the calls from 1) and one call that fails as an unreachable
// database would, leaving the record as a process that died there leaves
// it.
type steppedStore struct {
	*repo.APPCStore
	calls  atomic.Int32
	failAt int32
	before func(n int32)
}

func (s *steppedStore) ModifyVNF(ctx context.Context, scope models.Scope, uuid string, fn func(*models.VNF) error) (models.VNF, error) {
	n := s.calls.Add(1)
	if s.before != nil {
		s.before(n)
	}
	if n == s.failAt {
		return models.VNF{}, models.Errorf(models.CodeUnavailable, "database unreachable")
	}
	return s.APPCStore.ModifyVNF(ctx, scope, uuid, fn)
}

// appcRouterOver is the service's router on store's database with an
// APPC engine over engineStore.
func appcRouterOver(t testing.TB, store appcStore, engineStore appc.Store, cfg appc.EngineConfig) http.Handler {
	t.Helper()
	engine, err := appc.NewEngine(engineStore, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc := routerConfig(t, store.db)
	rc.APPC = engine
	return mustRouter(t, rc)
}

// TestAPPCUnstableWhileRunning: while a command runs, its VNF is Unstable
// with the command as its running one, and locked: other request ids are
// refused 310, other commands of its own request-id 309; CheckLock answers.
func TestAPPCUnstableWhileRunning(t *testing.T) {
	store := newAPPCStore(t)
	h := appcRouterOn(t, store, appc.EngineConfig{})
	vnf := createVNF(t, h)
	stepped := &steppedStore{APPCStore: store.APPCStore}
	var during models.APPCState
	stepped.before = func(n int32) {
		if n != 2 { // the command's second write
			return
		}
		during = appcOf(t, store, vnf)
		if out := sendCode(t, h, appcReq{action: appc.CheckLock, vnf: vnf}, appc.CodeSuccess); out.Locked != "TRUE" {
			t.Errorf("CheckLock while running: %q", out.Locked)
		}
		sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, requestID: "other"}, appc.CodeLockingFailure)
		sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, requestID: "runner", subRequestID: "2"}, appc.CodeUnstableVNF)
	}
	sendCode(t, appcRouterOver(t, store, stepped, appc.EngineConfig{}), appcReq{action: appc.Start, vnf: vnf, requestID: "runner", subRequestID: "1"}, appc.CodeSuccess)
	if during.Working != "Unstable" || during.Running == nil || during.Running.Action != "Start" ||
		during.Running.RequestID != "runner" || during.Running.SubRequestID != "1" || during.State != "Instantiated" {
		t.Fatalf("while running: %+v", during)
	}
	if st := appcOf(t, store, vnf); st.Working != "Stable" || st.Running != nil || st.State != "Running" {
		t.Fatalf("after: %+v", st)
	}
}

// TestAPPCDiesMidCommand: a command that never makes its second write (its
// process died, or the database went away) leaves the VNF Unstable on the
// store, seen by every replica: commands are refused 309 and change
// nothing, read-only actions run, and a forced command recovers the VNF.
func TestAPPCDiesMidCommand(t *testing.T) {
	store := newAPPCStore(t)
	h := appcRouterOn(t, store, appc.EngineConfig{})
	vnf := createVNF(t, h)
	sendCode(t, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)

	dying := appcRouterOver(t, store, &steppedStore{APPCStore: store.APPCStore, failAt: 2}, appc.EngineConfig{})
	stop := appcReq{action: appc.Stop, vnf: vnf, requestID: "dies"}
	rec := do(t, dying, http.MethodPost, stop.path(), stop.body())
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if !strings.Contains(rec.Body.String(), `"code":200`) {
		t.Fatalf("answer %s", rec.Body.String())
	}
	st := appcOf(t, store, vnf)
	if st.Working != "Unstable" || st.Running == nil || st.Running.RequestID != "dies" || st.State != "Running" {
		t.Fatalf("left %+v", st)
	}
	if s := getVNF(t, store, vnf).Fields["status"]; s != "normal operation" {
		t.Errorf("SONATA status %v", s)
	}
	// Lists read the record, APPC state and all, from the store's tables.
	for _, q := range []string{"/vnfrs", "/vnfrs?status=normal%20operation", "/vnfrs?sort=-name"} {
		rec := do(t, h, http.MethodGet, q, nil)
		wantStatus(t, rec, http.StatusOK)
		if page := decodeList(t, rec); len(page) != 1 || page[0]["uuid"] != vnf {
			t.Errorf("GET %s: %v", q, page)
		}
	}

	before := getVNF(t, store, vnf)
	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf}, appc.CodeUnstableVNF)
	sendCode(t, h, appcReq{action: appc.Restart, vnf: vnf, force: "FALSE"}, appc.CodeUnstableVNF)
	sendCode(t, h, appcReq{action: appc.HealthCheck, vnf: vnf}, appc.CodeUnstableVNF)
	unchanged(t, store, before)
	sendCode(t, h, appcReq{action: appc.Sync, vnf: vnf}, appc.CodeSuccess)
	out := sendCode(t, h, appcReq{action: appc.ActionStatus, vnf: vnf, payload: ptr(`{"request-id": "dies"}`)}, appc.CodeSuccess)
	if out.Payload != `{"status":"FAILED","status-reason":"UNKNOWN"}` {
		t.Errorf("ActionStatus of the dead command: %s", out.Payload)
	}

	sendCode(t, h, appcReq{action: appc.Stop, vnf: vnf, force: "TRUE"}, appc.CodeSuccess)
	st = appcOf(t, store, vnf)
	if st.Working != "Stable" || st.Running != nil || st.State != "Stopped" {
		t.Fatalf("after a forced Stop: %+v", st)
	}
	if s := getVNF(t, store, vnf).Fields["status"]; s != "offline" {
		t.Errorf("SONATA status %v", s)
	}
}

// TestAPPCOddRequestIDs: request and originator ids are free strings, and
// become parts of stored keys (requests, run leases, the store's write
// locks): NUL, '$', '.', '|', '%' and the like are ordinary ids, for a
// series without sub-request-ids too, and ActionStatus finds them.
func TestAPPCOddRequestIDs(t *testing.T) {
	h, _ := newAPPCRouter(t)
	vnf := createVNF(t, h)
	for _, id := range []string{"a\x00b", "$x.y", "%7C|", "\u2028é", " "} {
		for _, orig := range []string{"a\x00|b", "$o"} {
			for _, a := range []appc.Action{appc.Lock, appc.Restart, appc.Unlock} {
				sendCode(t, h, appcReq{action: a, vnf: vnf, requestID: id, originator: orig}, appc.CodeSuccess)
			}
			sendCode(t, h, appcReq{action: appc.Restart, vnf: "a\x00b", requestID: id, originator: orig}, appc.CodeVNFNotFound)
			payload, _ := json.Marshal(map[string]string{"request-id": id, "originator-id": orig})
			out := sendCode(t, h, appcReq{action: appc.ActionStatus, vnf: vnf, payload: ptr(string(payload))}, appc.CodeSuccess)
			if out.Payload != `{"status":"MULTIPLE_REQUESTS_FOUND","status-reason":"MULTIPLE_REQUESTS_FOUND"}` {
				t.Errorf("ActionStatus of %q/%q: %s", orig, id, out.Payload)
			}
		}
	}
}
