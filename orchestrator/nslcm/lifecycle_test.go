package nslcm_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/repo"
)

// units are the VNFC instances of a VNFR's VDU, as the record lists them.
func units(t testing.TB, vnfr map[string]any) []any {
	t.Helper()
	vdus, _ := vnfr["virtual_deployment_units"].([]any)
	if len(vdus) != 1 {
		t.Fatalf("VNFR has %d VDUs, want 1: %v", len(vdus), vnfr)
	}
	vdu := vdus[0].(map[string]any)
	vnfcs, _ := vdu["vnfc_instance"].([]any)
	if n := fmt.Sprint(vdu["number_of_instances"]); n != fmt.Sprint(len(vnfcs)) {
		t.Fatalf("number_of_instances %s, but %d vnfc_instance", n, len(vnfcs))
	}
	return vnfcs
}

// vnfrs are the ids of an NS view's VNF instances.
func vnfrs(v nslcm.View) []string {
	var out []string
	for _, id := range v["constituent-vnfr-ref"].([]any) {
		out = append(out, id.(string))
	}
	return out
}

// TestLifecycle runs an NS through its life on each backend: create,
// instantiate, action, scale out and in, heal, terminate, delete; and
// checks at each stage that the NSR and VNFRs are valid, linked, and say
// the same as the OSM views.
func TestLifecycle(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open)
			nsd, vim := e.cirros(t)

			id, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "ns-a", "nsdId": nsd, "vimAccountId": vim})
			if err != nil {
				t.Fatal(err)
			}
			v := e.ns(t, id)
			if v["_admin"].(map[string]any)["nsState"] != "NOT_INSTANTIATED" || v["operational-status"] != "init" || v["name"] != "ns-a" {
				t.Fatalf("new NS: %v", v)
			}
			nsr := e.record(t, models.KindNSR, id)
			e.valid(t, models.KindNSR, nsr)
			if nsr["status"] != "offline" || nsr["descriptor_reference"] != nsd {
				t.Fatalf("new NSR: %v", nsr)
			}

			op, err := e.svc.Instantiate(ctx, e.scope, id, map[string]any{"vimAccountId": vim})
			if err != nil {
				t.Fatal(err)
			}
			done := e.wantOp(t, op, "COMPLETED")
			if done["lcmOperationType"] != "instantiate" || done["nsInstanceId"] != id || done["detailed-status"] != "Done" {
				t.Fatalf("instantiate op: %v", done)
			}
			v = e.ns(t, id)
			if v["nsState"] != "READY" || v["currentOperation"] != "IDLE" || v["operational-status"] != "running" || v["currentOperationID"] != nil {
				t.Fatalf("instantiated NS: %v", v)
			}
			nsr = e.record(t, models.KindNSR, id)
			e.valid(t, models.KindNSR, nsr)
			if nsr["status"] != "normal operation" {
				t.Fatalf("instantiated NSR: %v", nsr)
			}
			ids := vnfrs(v)
			if len(ids) != 2 {
				t.Fatalf("want 2 VNFs, got %v", ids)
			}
			var linked []string
			for _, nf := range nsr["network_functions"].([]any) {
				linked = append(linked, nf.(map[string]any)["vnfr_id"].(string))
			}
			if !slices.Equal(linked, ids) {
				t.Fatalf("NSR network_functions %v, view constituent-vnfr-ref %v", linked, ids)
			}
			for i, vid := range ids {
				r := e.record(t, models.KindVNFR, vid)
				e.valid(t, models.KindVNFR, r)
				if r["parent_ns"] != id || r["status"] != "normal operation" {
					t.Fatalf("VNFR %s: %v", vid, r)
				}
				vnfcs := units(t, r)
				if len(vnfcs) != 1 || vnfcs[0].(map[string]any)["vc_id"] == nil {
					t.Fatalf("VNFR %s units: %v", vid, vnfcs)
				}
				vv, err := e.svc.GetVNF(ctx, e.scope, vid)
				if err != nil {
					t.Fatal(err)
				}
				if vv["nsr-id-ref"] != id || vv["member-vnf-index-ref"] != fmt.Sprint(i+1) || vv["vnfd-ref"] != "cirros_scale_vnfd" ||
					vv["vim-account-id"] != vim || vv["ip-address"] == nil {
					t.Fatalf("VNF view: %v", vv)
				}
			}
			// The OSM list filters by the view's names.
			f, err := filter.ParseQuery(nslcm.Rewrite(models.KindVNFR, map[string][]string{"nsr-id-ref": {id}}), filter.Options{Admin: true, Fields: filter.Fields{"uuid": {}}})
			if err != nil {
				t.Fatal(err)
			}
			page, err := e.svc.ListVNF(ctx, e.scope, filter.Query{Filter: f, Limit: 10})
			if err != nil || len(page.Items) != 2 {
				t.Fatalf("vnfrs?nsr-id-ref: %v %v", page.Items, err)
			}

			// action
			op, err = e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch", "primitive_params": map[string]any{"filename": "/tmp/x"}})
			if err != nil {
				t.Fatal(err)
			}
			if d := e.wantOp(t, op, "COMPLETED")["detailed-status"]; d != `primitive "touch" executed` {
				t.Fatalf("action detail %v", d)
			}

			// scale out twice (the group's maximum), then in
			scale := func(kind string) (string, error) {
				return e.svc.Scale(ctx, e.scope, id, map[string]any{"scaleType": "SCALE_VNF", "scaleVnfData": map[string]any{"scaleVnfType": kind,
					"scaleByStepData": map[string]any{"scaling-group-descriptor": "scale_cirros", "member-vnf-index": "2"}}})
			}
			for want := 2; want <= 3; want++ {
				op, err := scale("SCALE_OUT")
				if err != nil {
					t.Fatal(err)
				}
				e.wantOp(t, op, "COMPLETED")
				r := e.record(t, models.KindVNFR, ids[1])
				e.valid(t, models.KindVNFR, r)
				if n := len(units(t, r)); n != want {
					t.Fatalf("after scale out: %d units, want %d", n, want)
				}
			}
			_, err = scale("SCALE_OUT")
			wantCode(t, err, models.CodeUnprocessable, "at its maximum")
			op, err = scale("SCALE_IN")
			if err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			if n := len(units(t, e.record(t, models.KindVNFR, ids[1]))); n != 2 {
				t.Fatalf("after scale in: %d units, want 2", n)
			}
			if n := len(units(t, e.record(t, models.KindVNFR, ids[0]))); n != 1 {
				t.Fatalf("the other VNF has %d units, want 1", n)
			}

			// heal every unit of VNF 1: placed again, with a new address is not promised, but placed
			before := e.vnfm.released.Load()
			op, err = e.svc.Heal(ctx, e.scope, id, map[string]any{"healVnfData": []any{map[string]any{"vnfInstanceId": ids[0], "cause": "test"}}})
			if err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			if e.vnfm.released.Load() != before+1 {
				t.Fatalf("heal released %d units, want 1", e.vnfm.released.Load()-before)
			}
			// heal one named replica of VNF 2 (which has two): only it
			before = e.vnfm.released.Load()
			op, err = e.svc.Heal(ctx, e.scope, id, map[string]any{"healVnfData": []any{map[string]any{"vnfInstanceId": ids[1],
				"additionalParams": map[string]any{"vdu": []any{map[string]any{"vdu-id": "cirros_scale_vnfd-VM", "count-index": 1}}}}}})
			if err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			if got := e.vnfm.released.Load() - before; got != 1 {
				t.Fatalf("healing one replica released %d units, want 1", got)
			}
			if n := len(units(t, e.record(t, models.KindVNFR, ids[1]))); n != 2 {
				t.Fatalf("after healing one replica: %d units, want 2", n)
			}

			// terminate: the records stay, terminated
			op, err = e.svc.Terminate(ctx, e.scope, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			nsr = e.record(t, models.KindNSR, id)
			e.valid(t, models.KindNSR, nsr)
			if nsr["status"] != "terminated" || e.ns(t, id)["nsState"] != "NOT_INSTANTIATED" {
				t.Fatalf("terminated NSR %v", nsr)
			}
			for _, vid := range ids {
				r := e.record(t, models.KindVNFR, vid)
				e.valid(t, models.KindVNFR, r)
				if r["status"] != "terminated" {
					t.Fatalf("terminated VNFR %v", r)
				}
			}
			v = e.ns(t, id)
			hist := v["_admin"].(map[string]any)["history"].([]any)
			if len(hist) < 12 {
				t.Fatalf("the NS history holds %d changes: %v", len(hist), hist)
			}

			// delete: records gone, operations stay
			if err := e.svc.Delete(ctx, e.scope, id, false); err != nil {
				t.Fatal(err)
			}
			for _, r := range append([]string{id}, ids...) {
				if _, err := e.svc.GetNS(ctx, e.scope, r); err == nil {
					t.Fatalf("%s still there", r)
				}
			}
			if _, err := e.recs.Get(ctx, e.scope, models.KindVNFR, ids[0]); err == nil {
				t.Fatal("VNFR left after delete")
			}
			f, _ = filter.Where(filter.Options{}, filter.Condition{Path: []string{"nsInstanceId"}, Op: filter.OpEq, Value: id})
			ops, err := e.svc.ListOps(ctx, e.scope, filter.Query{Filter: f, Limit: 100})
			if err != nil || len(ops.Items) != 8 {
				t.Fatalf("want the 8 operations after delete, got %d (%v)", len(ops.Items), err)
			}
		})
	}
}

// TestInstantiateOnAnotherVIM: an instantiation naming another VIM
// account makes the NS's VNFs there, and the NS says so.
func TestInstantiateOnAnotherVIM(t *testing.T) {
	e := newEnv(t, openSQLite)
	nsd, vim := e.cirros(t)
	other := e.vim(t, "site-b")
	id, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.svc.Instantiate(ctx, e.scope, id, map[string]any{"vimAccountId": other})
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	v := e.ns(t, id)
	if v["vimAccountId"] != other {
		t.Fatalf("NS on VIM %v, want %s", v["vimAccountId"], other)
	}
	for _, vid := range vnfrs(v) {
		vv, err := e.svc.GetVNF(ctx, e.scope, vid)
		if err != nil {
			t.Fatal(err)
		}
		vnfc := units(t, e.record(t, models.KindVNFR, vid))[0].(map[string]any)
		if vv["vim-account-id"] != other || vnfc["vim_id"] != other {
			t.Fatalf("VNF %s on VIM %v (its VNFC on %v), want %s", vid, vv["vim-account-id"], vnfc["vim_id"], other)
		}
	}
	if using, err := e.svc.UsingVIM(ctx, e.scope, other); err != nil || using != id {
		t.Fatalf("the new VIM is used by %q (%v), want %s", using, err, id)
	}
	if using, err := e.svc.UsingVIM(ctx, e.scope, vim); err != nil || using != "" {
		t.Fatalf("the old VIM is still used by %q (%v)", using, err)
	}
}

// snapshot is what a refusal must leave as it was: the NS's record and
// the operations.
func snapshot(t testing.TB, e *env, id string) string {
	t.Helper()
	r, err := e.recs.Get(ctx, e.scope, models.KindNSR, id)
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.CountOps(ctx, e.scope, filter.Expr{})
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := e.svc.CountRequests(ctx, e.scope, filter.Expr{})
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%s v%d ops %d requests %d", r.Body, r.Admin.Version, n, reqs)
	f, _ := filter.Where(filter.Options{}, filter.Condition{Path: []string{"parent_ns"}, Op: filter.OpEq, Value: id})
	page, err := e.recs.List(ctx, e.scope, models.KindVNFR, filter.Query{Filter: f, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range page.Items {
		out += fmt.Sprintf(" vnfr %s v%d %s", v.UUID, v.Admin.Version, v.Body)
	}
	return out
}

// TestRefusals: every refused request answers why and changes nothing.
func TestRefusals(t *testing.T) {
	e := newEnv(t, openSQLite)
	nsd, vim := e.cirros(t)
	idle, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "idle", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	ready, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "ready", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.svc.Instantiate(ctx, e.scope, ready, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")

	scaleBody := func(kind, group, member string) map[string]any {
		return map[string]any{"scaleType": "SCALE_VNF", "scaleVnfData": map[string]any{"scaleVnfType": kind,
			"scaleByStepData": map[string]any{"scaling-group-descriptor": group, "member-vnf-index": member}}}
	}
	for _, tc := range []struct {
		name string
		ns   string
		call func(id string) error
		code models.ErrorCode
		says string
	}{
		{"action before instantiate", idle, func(id string) error {
			_, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch"})
			return err
		}, models.CodeConflict, "NOT_INSTANTIATED"},
		{"instantiate twice", ready, func(id string) error { _, err := e.svc.Instantiate(ctx, e.scope, id, nil); return err }, models.CodeConflict, "INSTANTIATED"},
		{"terminate before instantiate", idle, func(id string) error { _, err := e.svc.Terminate(ctx, e.scope, id, nil); return err }, models.CodeConflict, "cannot be terminated"},
		{"delete while instantiated", ready, func(id string) error { return e.svc.Delete(ctx, e.scope, id, false) }, models.CodeConflict, "terminate it first"},
		{"unknown primitive", ready, func(id string) error {
			_, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "reboot"})
			return err
		}, models.CodeUnprocessable, "declares: touch"},
		{"unknown primitive parameter", ready, func(id string) error {
			_, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch", "primitive_params": map[string]any{"path": "x"}})
			return err
		}, models.CodeUnprocessable, "takes: filename"},
		{"unknown member", ready, func(id string) error {
			_, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "9", "primitive": "touch"})
			return err
		}, models.CodeUnprocessable, "member"},
		{"a parameter name no store keeps", ready, func(id string) error {
			_, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch", "primitive_params": map[string]any{"file.name": "x"}})
			return err
		}, models.CodeUnprocessable, "member names"},
		{"primitive missing", ready, func(id string) error { _, err := e.svc.Action(ctx, e.scope, id, map[string]any{}); return err }, models.CodeUnprocessable, "primitive is required"},
		{"scale in below the minimum", ready, func(id string) error {
			_, err := e.svc.Scale(ctx, e.scope, id, scaleBody("SCALE_IN", "scale_cirros", "1"))
			return err
		}, models.CodeUnprocessable, "at its minimum"},
		{"unknown scaling group", ready, func(id string) error {
			_, err := e.svc.Scale(ctx, e.scope, id, scaleBody("SCALE_OUT", "nope", "1"))
			return err
		}, models.CodeUnprocessable, "has: scale_cirros"},
		{"bad scale type", ready, func(id string) error {
			_, err := e.svc.Scale(ctx, e.scope, id, scaleBody("SCALE_SIDEWAYS", "scale_cirros", "1"))
			return err
		}, models.CodeUnprocessable, "SCALE_OUT or SCALE_IN"},
		{"heal a VNF of no NS", ready, func(id string) error {
			_, err := e.svc.Heal(ctx, e.scope, id, map[string]any{"healVnfData": []any{map[string]any{"vnfInstanceId": "nope"}}})
			return err
		}, models.CodeUnprocessable, "not a VNF instance of this NS"},
		{"heal a unit the VNF has not", ready, func(id string) error {
			vnf := vnfrs(e.ns(t, id))[0]
			_, err := e.svc.Heal(ctx, e.scope, id, map[string]any{"healVnfData": []any{map[string]any{"vnfInstanceId": vnf,
				"additionalParams": map[string]any{"vdu": []any{map[string]any{"vdu-id": "cirros_scale_vnfd-VM", "count-index": 7}}}}}})
			return err
		}, models.CodeUnprocessable, "names no unit"},
		{"instantiate on an unknown VIM", idle, func(id string) error {
			_, err := e.svc.Instantiate(ctx, e.scope, id, map[string]any{"vimAccountId": "4ca9eb68-ffaa-444e-ba46-912d532ee1da"})
			return err
		}, models.CodeUnprocessable, "does not exist"},
		{"NS of another project", ready, func(id string) error {
			_, err := e.svc.Terminate(ctx, models.ProjectScope("p2"), id, nil)
			return err
		}, models.CodeNotFound, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, e, tc.ns)
			wantCode(t, tc.call(tc.ns), tc.code, tc.says)
			e.svc.Wait()
			if after := snapshot(t, e, tc.ns); after != before {
				t.Fatalf("a refusal changed the NS:\n%s\n%s", before, after)
			}
		})
	}

	// Refused creations leave no record.
	for _, tc := range []struct {
		body nslcm.NSRequest
		says string
	}{
		{nslcm.NSRequest{"nsdId": nsd, "vimAccountId": vim}, "nsName is required"},
		{nslcm.NSRequest{"nsName": "x", "nsdId": "4ca9eb68-ffaa-444e-ba46-912d532ee1da", "vimAccountId": vim}, "catalogue does not hold"},
		{nslcm.NSRequest{"nsName": "x", "nsdId": "not-a-uuid", "vimAccountId": vim}, "a uuid"},
		{nslcm.NSRequest{"nsName": "x", "nsdId": nsd, "vimAccountId": "4ca9eb68-ffaa-444e-ba46-912d532ee1da"}, "does not exist"},
		{nslcm.NSRequest{"nsName": 5, "nsdId": nsd, "vimAccountId": vim}, "must be a string"},
		{nslcm.NSRequest{"nsName": "bad\x00name", "nsdId": nsd, "vimAccountId": vim}, "control characters"},
		{nslcm.NSRequest{"nsName": "x", "nsdId": nsd, "vimAccountId": vim, "additionalParamsForNs": map[string]any{"$where": 1}}, "member names"},
	} {
		_, err := e.svc.Create(ctx, e.scope, tc.body)
		wantCode(t, err, models.CodeUnprocessable, tc.says)
	}
	n, err := e.svc.CountNS(ctx, e.scope, filter.Expr{})
	if err != nil || n != 2 {
		t.Fatalf("%d NS instances after refusals, want 2 (%v)", n, err)
	}
}

// TestOneOperationAtATime: an NS running an operation refuses another,
// naming the one it runs (OSM's rule).
func TestOneOperationAtATime(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	e.crashAfter("create VNF 1") // the instantiation stops halfway and holds the NS
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "PROCESSING")
	_, err = e.svc.Terminate(ctx, e.scope, id, nil)
	wantCode(t, err, models.CodeConflict, op)
	if v := e.ns(t, id); v["currentOperationID"] != op || v["currentOperation"] != "INSTANTIATING" || v["nsState"] != "BUILDING" {
		t.Fatalf("NS while instantiating: %v", v)
	}
	if r := e.record(t, models.KindNSR, id); r["status"] != "updating" {
		t.Fatalf("NSR while instantiating: %v", r["status"])
	}
	if v := e.op(t, op); v["queuePosition"] != float64(0) || v["stage"] == "" {
		t.Fatalf("a PROCESSING operation shows queuePosition and its stage: %v", v)
	}
}

// TestCrashThenRecoverAndRetry: a runner dying between two steps of an
// instantiation leaves the operation visible at the step it reached; once
// its lease expires it is FAILED_TEMP, and a retry finishes it without
// doing any step twice.
func TestCrashThenRecoverAndRetry(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open)
			nsd, vim := e.cirros(t)
			id, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
			if err != nil {
				t.Fatal(err)
			}
			e.crashAfter("deploy VNF 1")
			op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := e.wantOp(t, op, "PROCESSING")
			if v["stage"] != "Stage 4/5: deploy VNF 2" {
				t.Fatalf("stage after the crash: %v", v["stage"])
			}
			// VNF 1 placed, VNF 2 made but not placed: visible as such.
			ids := vnfrs(e.ns(t, id))
			if got := []any{e.record(t, models.KindVNFR, ids[0])["status"], e.record(t, models.KindVNFR, ids[1])["status"]}; fmt.Sprint(got) != "[normal operation offline]" {
				t.Fatalf("VNFR states after the crash: %v", got)
			}
			if n, err := e.svc.Recover(ctx); err != nil || n != 0 {
				t.Fatalf("recovery while the lease holds marked %d (%v)", n, err)
			}
			e.clock.Advance(ttl + time.Second)
			if n, err := e.svc.Recover(ctx); err != nil || n != 1 {
				t.Fatalf("recovery after the lease marked %d (%v)", n, err)
			}
			v = e.wantOp(t, op, "FAILED_TEMP")
			if d := fmt.Sprint(v["detailed-status"]); !containsAll(d, "Stage 4/5: deploy VNF 2", "/retry") {
				t.Fatalf("FAILED_TEMP detail: %s", d)
			}
			if ns := e.ns(t, id); ns["errorDescription"] == nil || ns["currentOperationID"] != op {
				t.Fatalf("NS after recovery: %v", ns)
			}
			placed := e.vnfm.placed.Load()
			if err := e.svc.Retry(ctx, e.scope, op); err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			if got := e.vnfm.placed.Load() - placed; got != 1 {
				t.Fatalf("the retry placed %d units, want 1 (VNF 2's only)", got)
			}
			if v := e.ns(t, id); v["nsState"] != "READY" || len(vnfrs(v)) != 2 {
				t.Fatalf("NS after retry: %v", v)
			}
			err = e.svc.Retry(ctx, e.scope, op)
			wantCode(t, err, models.CodeConflict, "only a FAILED_TEMP")
		})
	}
}

// TestCrashBeforeFinishIsRepeatable: a crash after any step leaves an
// operation a retry completes; no VNF is made or placed twice.
func TestCrashAtEveryStep(t *testing.T) {
	steps := []string{"create VNF 1", "create VNF 2", "deploy VNF 1", "deploy VNF 2", "finish"}
	for _, crash := range steps {
		t.Run(crash, func(t *testing.T) {
			e := newEnv(t, openSQLite)
			nsd, vim := e.cirros(t)
			id, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
			if err != nil {
				t.Fatal(err)
			}
			e.crashAfter(crash)
			op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.svc.Wait()
			e.clock.Advance(ttl + time.Second)
			if _, err := e.svc.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "FAILED_TEMP")
			if err := e.svc.Retry(ctx, e.scope, op); err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
			if n := e.vnfm.placed.Load(); n != 2 {
				t.Fatalf("%d units placed, want 2", n)
			}
			n, err := e.svc.CountVNF(ctx, e.scope, filter.Expr{})
			if err != nil || n != 2 {
				t.Fatalf("%d VNF instances, want 2 (%v)", n, err)
			}
			if v := e.ns(t, id); v["nsState"] != "READY" || v["currentOperationID"] != nil {
				t.Fatalf("NS: %v", v)
			}
		})
	}
}

// TestReplicasRace: two replicas on one database. Both recover a dead
// runner's operation at once: it is marked once. Both retry it at once:
// exactly one runs it.
func TestReplicasRace(t *testing.T) {
	a := newEnv(t, openSQLite)
	b := envOn(t, reopen(t, a.db, a.clock.Now), a.clock)
	nsd, vim := a.cirros(t)
	id, err := a.svc.Create(ctx, a.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	a.crashAfter("create VNF 2")
	op, err := a.svc.Instantiate(ctx, a.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.wantOp(t, op, "PROCESSING")
	a.clock.Advance(ttl + time.Second)

	race := func(fa, fb func() error) []error {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, f := range []func() error{fa, fb} {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = f() }()
		}
		wg.Wait()
		return errs
	}
	recovered := make([]int, 2)
	errs := race(func() (err error) { recovered[0], err = a.svc.Recover(ctx); return },
		func() (err error) { recovered[1], err = b.svc.Recover(ctx); return })
	if errs[0] != nil || errs[1] != nil || recovered[0]+recovered[1] != 1 {
		t.Fatalf("two recoveries marked %v (%v)", recovered, errs)
	}
	hist := a.wantOp(t, op, "FAILED_TEMP")["_admin"].(map[string]any)["history"].([]any)
	if n := len(slices.DeleteFunc(hist, func(h any) bool { return h.(map[string]any)["state"] != "FAILED_TEMP" })); n != 1 {
		t.Fatalf("FAILED_TEMP recorded %d times", n)
	}

	errs = race(func() error { return a.svc.Retry(ctx, a.scope, op) }, func() error { return b.svc.Retry(ctx, b.scope, op) })
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantCode(t, err, models.CodeConflict, "")
		}
	}
	if ok != 1 {
		t.Fatalf("%d replicas ran the retry: %v", ok, errs)
	}
	b.svc.Wait()
	a.wantOp(t, op, "COMPLETED")
	if placed := a.vnfm.placed.Load() + b.vnfm.placed.Load(); placed != 2 {
		t.Fatalf("%d units placed by the two replicas, want 2", placed)
	}
}

// TestFailures: a VNF manager that fails ends the operation FAILED with
// the reason: a failed instantiation leaves the NS BROKEN, a failed
// action leaves it READY (TestRolledBack has the scale it refuses).
func TestFailures(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, nsd, vim := e.newNS(t)
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	place := "place"
	e.vnfm.fail.Store(&place)
	op, err = e.svc.Scale(ctx, e.scope, id, map[string]any{"scaleType": "SCALE_VNF", "scaleVnfData": map[string]any{"scaleVnfType": "SCALE_OUT",
		"scaleByStepData": map[string]any{"scaling-group-descriptor": "scale_cirros", "member-vnf-index": "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	v := e.wantOp(t, op, "FAILED")
	if d := fmt.Sprint(v["errorMessage"]); !containsAll(d, "deploy VNF 1 failed", "no room") {
		t.Fatalf("failed scale: %s", d)
	}
	run := "run"
	e.vnfm.fail.Store(&run)
	op, err = e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch"})
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "FAILED")
	ns := e.ns(t, id)
	if ns["nsState"] != "READY" || ns["errorDescription"] == nil || ns["currentOperationID"] != nil {
		t.Fatalf("an NS whose action failed stays READY and says why: %v", ns)
	}
	e.vnfm.fail.Store(nil)

	// Instantiation failing: the NS is BROKEN, its record failed.
	id2, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "b", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	e.vnfm.fail.Store(&place)
	op, err = e.svc.Instantiate(ctx, e.scope, id2, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "FAILED")
	if v := e.ns(t, id2); v["nsState"] != "BROKEN" || e.record(t, models.KindNSR, id2)["status"] != "failed" {
		t.Fatalf("NS after a failed instantiation: %v", v)
	}
	e.vnfm.fail.Store(nil)
	op, err = e.svc.Terminate(ctx, e.scope, id2, nil) // a broken NS can be terminated
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
}

// TestCancel: a FAILED_TEMP operation cancelled ends CANCELLED and frees
// the NS; a completed one cannot be cancelled.
func TestCancel(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	e.crashAfter("create VNF 1")
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "PROCESSING")
	if err := e.svc.Cancel(ctx, e.scope, op); err != nil { // the runner is gone: recovery ends it
		t.Fatal(err)
	}
	e.clock.Advance(ttl + time.Second)
	if _, err := e.svc.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "CANCELLED")
	if v := e.ns(t, id); v["currentOperationID"] != nil || v["nsState"] != "BROKEN" {
		t.Fatalf("NS after a cancelled instantiation: %v", v)
	}
	wantCode(t, e.svc.Cancel(ctx, e.scope, op), models.CodeConflict, "only a PROCESSING or FAILED_TEMP")
	op, err = e.svc.Terminate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
}

// TestCancelWhileRunning: a cancel asked while the runner works ends the
// operation CANCELLED at its next step; the steps after it do not run.
func TestCancelWhileRunning(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	e.onStep = func(op, step string) {
		if step == "create VNF 2" {
			if err := e.svc.Cancel(ctx, e.scope, op); err != nil {
				t.Errorf("cancel: %v", err)
			}
		}
	}
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := e.wantOp(t, op, "CANCELLED")
	if v["isCancelPending"] != false || !containsAll(fmt.Sprint(v["detailed-status"]), "cancelled on request", "deploy VNF 1") {
		t.Fatalf("cancelled operation: %v", v)
	}
	if n := e.vnfm.placed.Load(); n != 0 {
		t.Fatalf("%d units placed after the cancel, want none", n)
	}
	if ns := e.ns(t, id); ns["nsState"] != "BROKEN" || ns["currentOperationID"] != nil {
		t.Fatalf("NS after a cancelled instantiation: %v", ns)
	}
}

// TestLiveRunnerKeepsItsLease: steps that take most of a lease each
// (the database's clock moved on between them) do not make a live
// runner's operation FAILED_TEMP: its lease is renewed at each step.
func TestLiveRunnerKeepsItsLease(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	marked := 0
	e.onStep = func(string, string) {
		e.clock.Advance(ttl - time.Second) // a slow step
		n, err := e.svc.Recover(ctx)
		if err != nil {
			t.Errorf("recover: %v", err)
		}
		marked += n
	}
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	if marked != 0 {
		t.Fatalf("recovery marked %d operations of a live runner", marked)
	}
}

// TestCancelFailedTemp: a FAILED_TEMP operation cancelled ends
// CANCELLED at once and frees its NS.
func TestCancelFailedTemp(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.readyNS(t)
	e.crashAfter("run primitive 1")
	op, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch"})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	e.clock.Advance(ttl + time.Second)
	if n, err := e.svc.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("recovery marked %d (%v)", n, err)
	}
	e.wantOp(t, op, "FAILED_TEMP")
	if err := e.svc.Cancel(ctx, e.scope, op); err != nil {
		t.Fatal(err)
	}
	if v := e.op(t, op); v["operationState"] != "CANCELLED" {
		t.Fatalf("a FAILED_TEMP operation cancelled: %v", v["operationState"])
	}
	if ns := e.ns(t, id); ns["currentOperationID"] != nil || ns["nsState"] != "READY" {
		t.Fatalf("NS after a cancelled action: %v", ns)
	}
	wantCode(t, e.svc.Retry(ctx, e.scope, op), models.CodeConflict, "only a FAILED_TEMP")
}

// TestRolledBack: a scale whose VNF manager refuses ends ROLLED_BACK, the
// VNF as it was.
func TestRolledBack(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.readyNS(t)
	scale := func(kind string) string {
		op, err := e.svc.Scale(ctx, e.scope, id, map[string]any{"scaleType": "SCALE_VNF", "scaleVnfData": map[string]any{"scaleVnfType": kind,
			"scaleByStepData": map[string]any{"scaling-group-descriptor": "scale_cirros", "member-vnf-index": "1"}}})
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	e.wantOp(t, scale("SCALE_OUT"), "COMPLETED")
	vnf := vnfrs(e.ns(t, id))[0]
	before := e.record(t, models.KindVNFR, vnf)
	release := "release"
	e.vnfm.fail.Store(&release)
	v := e.wantOp(t, scale("SCALE_IN"), "ROLLED_BACK")
	if !containsAll(fmt.Sprint(v["errorMessage"]), "scale 1 failed", "does not answer") {
		t.Fatalf("rolled back scale: %v", v["errorMessage"])
	}
	after := e.record(t, models.KindVNFR, vnf)
	e.valid(t, models.KindVNFR, after)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a rolled back scale changed the VNFR:\n%v\n%v", before, after)
	}
}

// TestForceDelete: an instantiated NS, and one running an operation, are
// deleted with FORCE only; the NSR and its VNFRs go, the operations stay.
func TestForceDelete(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.readyNS(t)
	ids := vnfrs(e.ns(t, id))
	e.crashAfter("run primitive 1")
	running, err := e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch"})
	if err != nil {
		t.Fatal(err)
	}
	e.svc.Wait()
	wantCode(t, e.svc.Delete(ctx, e.scope, id, false), models.CodeConflict, running)
	if err := e.svc.Delete(ctx, e.scope, id, true); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		kind models.Kind
		id   string
	}{{models.KindNSR, id}, {models.KindVNFR, ids[0]}, {models.KindVNFR, ids[1]}} {
		if _, err := e.recs.Get(ctx, e.scope, r.kind, r.id); models.ErrorCodeOf(err) != models.CodeNotFound {
			t.Fatalf("%s %s after a forced delete: %v", r.kind, r.id, err)
		}
	}
	if n, err := e.svc.CountOps(ctx, e.scope, filter.Expr{}); err != nil || n != 2 {
		t.Fatalf("%d operations after a forced delete (%v), want 2", n, err)
	}
	// The runner of the action, resumed, finds its NS gone: FAILED, not stuck.
	e.clock.Advance(ttl + time.Second)
	if _, err := e.svc.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	wantCode(t, e.svc.Retry(ctx, e.scope, running), models.CodeNotFound, "not found")
}

// TestGatekeeperUpdateFails: an update whose operation fails leaves its
// request ERROR, with the reason.
func TestGatekeeperUpdateFails(t *testing.T) {
	e := newEnv(t, openSQLite)
	nsd, vim := e.cirros(t)
	e.onboard(t, catalogue.VNFD, "osm/cirros_vnfd.yaml")
	id, op, err := e.svc.CreateAndInstantiate(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	next := []byte("nsd-catalog:\n  nsd:\n  - id: cirros_scale_nsd\n    name: cirros_scale_ns\n    constituent-vnfd:\n    - member-vnf-index: 1\n      vnfd-id-ref: cirros_scale_vnfd\n    - member-vnf-index: 3\n      vnfd-id-ref: cirros_vnfd\n")
	if _, err := e.cat.Upload(ctx, e.scope, catalogue.NSD, nsd, catalogue.Upload{Data: next, Filename: "nsd.yaml"}, false); err != nil {
		t.Fatal(err)
	}
	place := "place"
	e.vnfm.fail.Store(&place)
	req, err := e.svc.RequestUpdate(ctx, e.scope, id, map[string]any{"nsd_id": nsd, "latest_nsd_id": nsd})
	if err != nil || req["status"] != "NEW" {
		t.Fatalf("update request: %v %v", req, err)
	}
	e.svc.Wait()
	got, err := e.svc.GetRequest(ctx, e.scope, req["id"].(string))
	if err != nil || got["status"] != "ERROR" || !containsAll(fmt.Sprint(got["error"]), "deploy VNF 3 failed", "no room") {
		t.Fatalf("request after a failed update: %v %v", got, err)
	}
	if ns := e.ns(t, id); ns["nsState"] != "BROKEN" || ns["errorDescription"] == nil {
		t.Fatalf("NS after a failed update: %v", ns)
	}
}

// TestVIMInUse: a VIM an NS uses cannot be deleted, unless forced.
func TestVIMInUse(t *testing.T) {
	e := newEnv(t, openSQLite)
	nsd, vim := e.cirros(t)
	if _, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim}); err != nil {
		t.Fatal(err)
	}
	vims := nslcm.NewVIMs(repo.NewVIMStore(e.db), e.box, e.svc, e.clock.Now)
	_, err := vims.Delete(ctx, e.scope, vim, false)
	wantCode(t, err, models.CodeConflict, "in use")
	users, err := e.svc.UsingVIM(ctx, e.scope, vim)
	if err != nil || users == "" {
		t.Fatalf("UsingVIM: %q %v", users, err)
	}
	if other, err := e.svc.UsingVIM(ctx, e.scope, e.vim(t, "site-b")); err != nil || other != "" {
		t.Fatalf("an unused VIM is used by %q (%v)", other, err)
	}
	if n, err := e.svc.UsingNSD(ctx, nsd); err != nil || n == "" {
		t.Fatalf("UsingNSD: %q %v", n, err)
	}
	if _, err := vims.Delete(ctx, e.scope, vim, true); err != nil {
		t.Fatalf("a forced delete: %v", err)
	}
}

// TestGatekeeperUpdate: an update request moves an instantiated NS to the
// NSD's new content (VNFs removed, added, kept by member index) and says
// INSTANTIATED; one the NS cannot take says ERROR and why.
func TestGatekeeperUpdate(t *testing.T) {
	e := newEnv(t, openSQLite)
	nsd, vim := e.cirros(t)
	e.onboard(t, catalogue.VNFD, "osm/cirros_vnfd.yaml")
	id, op, err := e.svc.CreateAndInstantiate(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	before := vnfrs(e.ns(t, id))

	// A new version of the NSD, in place: member 2 goes, member 3 comes.
	next := []byte(`nsd-catalog:
  nsd:
  - id: cirros_scale_nsd
    name: cirros_scale_ns
    version: '2.0'
    constituent-vnfd:
    - member-vnf-index: 1
      vnfd-id-ref: cirros_scale_vnfd
    - member-vnf-index: 3
      vnfd-id-ref: cirros_vnfd
`)
	if _, err := e.cat.Upload(ctx, e.scope, catalogue.NSD, nsd, catalogue.Upload{Data: next, Filename: "nsd.yaml"}, false); err != nil {
		t.Fatal(err)
	}
	req, err := e.svc.RequestUpdate(ctx, e.scope, id, map[string]any{"nsd_id": nsd, "latest_nsd_id": nsd})
	if err != nil {
		t.Fatal(err)
	}
	if req["status"] != "NEW" || req["request_type"] != "UPDATE" || req["service_instance_uuid"] != id {
		t.Fatalf("update request: %v", req)
	}
	e.svc.Wait()
	got, err := e.svc.GetRequest(ctx, e.scope, req["id"].(string))
	if err != nil || got["status"] != "INSTANTIATED" {
		t.Fatalf("request after the update: %v %v", got, err)
	}
	after := vnfrs(e.ns(t, id))
	if len(after) != 2 || after[0] != before[0] || slices.Contains(after, before[1]) {
		t.Fatalf("VNFs before %v, after %v: want member 1 kept, 2 gone, 3 new", before, after)
	}
	if _, err := e.recs.Get(ctx, e.scope, models.KindVNFR, before[1]); err == nil {
		t.Fatal("the VNFR of the member the NSD dropped is still there")
	}
	r := e.record(t, models.KindVNFR, after[1])
	e.valid(t, models.KindVNFR, r)
	if r["status"] != "normal operation" {
		t.Fatalf("new member's VNFR: %v", r)
	}
	e.valid(t, models.KindNSR, e.record(t, models.KindNSR, id))

	// Refused: the record is not of nsd_id; the NS not instantiated.
	other := "4ca9eb68-ffaa-444e-ba46-912d532ee1da"
	req, err = e.svc.RequestUpdate(ctx, e.scope, id, map[string]any{"nsd_id": other, "latest_nsd_id": nsd})
	if err != nil || req["status"] != "ERROR" || !containsAll(fmt.Sprint(req["error"]), "not nsd_id") {
		t.Fatalf("request on the wrong NSD: %v %v", req, err)
	}
	op, err = e.svc.Terminate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	req, err = e.svc.RequestUpdate(ctx, e.scope, id, map[string]any{"nsd_id": nsd, "latest_nsd_id": nsd})
	if err != nil || req["status"] != "ERROR" || !containsAll(fmt.Sprint(req["error"]), "NOT_INSTANTIATED") {
		t.Fatalf("request on a terminated NS: %v %v", req, err)
	}
	page, err := e.svc.ListRequests(ctx, e.scope, filter.Query{Limit: 10})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("%d requests listed (%v)", len(page.Items), err)
	}
	// Bad bodies are refused and stored nowhere.
	_, err = e.svc.RequestUpdate(ctx, e.scope, id, map[string]any{"nsd_id": nsd})
	wantCode(t, err, models.CodeUnprocessable, "latest_nsd_id is required")
	_, err = e.svc.RequestUpdate(ctx, e.scope, other, map[string]any{"nsd_id": nsd, "latest_nsd_id": nsd})
	wantCode(t, err, models.CodeNotFound, "not found")
	if n, _ := e.svc.CountRequests(ctx, e.scope, filter.Expr{}); n != 3 {
		t.Fatalf("%d requests stored, want 3", n)
	}
}

// TestViewMapping: the OSM view takes each field the record also holds
// from the record, so a record changed through /nsrs shows the same in
// the OSM view; view filters are rewritten to the stored paths.
func TestViewMapping(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	fields := e.record(t, models.KindNSR, id)
	fields["status"] = "degraded operation"
	if _, err := e.recs.Replace(ctx, e.scope, models.KindNSR, id, fields, nil); err != nil {
		t.Fatal(err)
	}
	if v := e.ns(t, id); v["operational-status"] != "degraded" {
		t.Fatalf("view after a client changed the record: %v", v["operational-status"])
	}
	for _, tc := range []struct {
		kind models.Kind
		in   map[string][]string
		want string
	}{
		{models.KindNSR, map[string][]string{"operational-status": {"running,init"}}, "map[status:[normal operation,offline]]"},
		{models.KindNSR, map[string][]string{"_admin.nsState": {"INSTANTIATED"}}, "map[_admin.nslcm.nsState:[INSTANTIATED]]"},
		{models.KindNSR, map[string][]string{"nsState": {"READY"}}, "map[_admin.nslcm.nsState:[INSTANTIATED]]"},
		{models.KindNSR, map[string][]string{"name.cont": {"web"}, "limit": {"5"}}, "map[_admin.nslcm.name.cont:[web] limit:[5]]"},
		{models.KindNSR, map[string][]string{"_id": {id}}, "map[uuid:[" + id + "]]"},
		{models.KindVNFR, map[string][]string{"nsr-id-ref": {id}}, "map[parent_ns:[" + id + "]]"},
		{models.KindVNFR, map[string][]string{"vdur.vdu-id-ref": {"x"}}, "map[_admin.nslcm.vdur.vdu-id-ref:[x]]"},
	} {
		if got := fmt.Sprint(nslcm.Rewrite(tc.kind, tc.in)); got != tc.want {
			t.Errorf("Rewrite(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	// A record the lifecycle did not make shows as what it says, and
	// takes no command.
	raw, _ := json.Marshal(map[string]any{"id": "95e9b668-5726-4998-8ed4-d8d7e7fd2225", "descriptor_version": "nsr-schema-01", "status": "failed",
		"network_functions": []any{map[string]any{"vnfr_id": "27155554-02d7-46a9-a7bb-4f4162b3ac19"}}})
	var doc any
	_ = json.Unmarshal(raw, &doc)
	if _, err := e.recs.Create(ctx, e.scope, models.KindNSR, doc); err != nil {
		t.Fatal(err)
	}
	plain, err := e.svc.GetNS(ctx, e.scope, "95e9b668-5726-4998-8ed4-d8d7e7fd2225")
	if err != nil {
		t.Fatal(err)
	}
	if plain["nsState"] != "BROKEN" || plain["operational-status"] != "failed" || plain["name"] != "95e9b668-5726-4998-8ed4-d8d7e7fd2225" ||
		fmt.Sprint(plain["constituent-vnfr-ref"]) != "[27155554-02d7-46a9-a7bb-4f4162b3ac19]" || plain["currentOperation"] != "IDLE" {
		t.Fatalf("the OSM view of a plain NSR: %v", plain)
	}
	_, err = e.svc.Terminate(ctx, e.scope, "95e9b668-5726-4998-8ed4-d8d7e7fd2225", nil)
	wantCode(t, err, models.CodeConflict, "not made by the NS lifecycle")
	if n, err := e.svc.CountNS(ctx, e.scope, filter.Expr{}); err != nil || n != 2 {
		t.Fatalf("CountNS %d (%v), want 2: every NSR is an NS instance to OSM's view", n, err)
	}
	fixture, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "vnfr", "gatekeeper-seed-function-1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vnfr any
	_ = json.Unmarshal(fixture, &vnfr)
	if _, err := e.recs.Create(ctx, e.scope, models.KindVNFR, vnfr); err != nil {
		t.Fatal(err)
	}
	vv, err := e.svc.GetVNF(ctx, e.scope, "27155554-02d7-46a9-a7bb-4f4162b3ac19")
	if err != nil {
		t.Fatal(err)
	}
	vdur, _ := vv["vdur"].([]any)
	if vv["vnfd-id"] != "6a15313f-cb0a-4540-baa2-77cc6b3f1010" || len(vdur) == 0 || vdur[0].(map[string]any)["vdu-id-ref"] != "vdu01" {
		t.Fatalf("the OSM view of a plain VNFR: %v", vv)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// TestUnstorableNames: a parameter name no store keeps is refused alike
// on every backend, and nothing is stored.
func TestUnstorableNames(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			e := newEnv(t, b.open)
			nsd, vim := e.cirros(t)
			_, err := e.svc.Create(ctx, e.scope, nslcm.NSRequest{"nsName": "a", "nsdId": nsd, "vimAccountId": vim, "additionalParamsForNs": map[string]any{"$where": 1, "a.b": 2}})
			wantCode(t, err, models.CodeUnprocessable, "member names")
			if n, err := e.svc.CountNS(ctx, e.scope, filter.Expr{}); err != nil || n != 0 {
				t.Fatalf("%d NS instances stored (%v)", n, err)
			}
			_, _, err = e.vims.Create(ctx, e.scope, nslcm.VIMEdit{"name": "v", "vim_type": "dummy", "vim_url": "http://x.example", "vim_user": "u",
				"vim_password": "p", "vim_tenant_name": "t", "config": map[string]any{"x": map[string]any{"$y": 1}}})
			wantCode(t, err, models.CodeUnprocessable, "")
		})
	}
}

// TestHistoryBounded: the NS keeps its last 20 state changes; every
// operation keeps all of its own.
func TestHistoryBounded(t *testing.T) {
	e := newEnv(t, openSQLite)
	id, _, _ := e.newNS(t)
	op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.wantOp(t, op, "COMPLETED")
	var last string
	for range 12 {
		if last, err = e.svc.Action(ctx, e.scope, id, map[string]any{"member_vnf_index": "1", "primitive": "touch"}); err != nil {
			t.Fatal(err)
		}
		e.wantOp(t, last, "COMPLETED")
	}
	hist := e.ns(t, id)["_admin"].(map[string]any)["history"].([]any)
	if len(hist) != 20 || hist[19].(map[string]any)["operation"] != last {
		t.Fatalf("the NS keeps %d changes, the last of %v; want 20, the last of %s", len(hist), hist[len(hist)-1], last)
	}
	if n, err := e.svc.CountOps(ctx, e.scope, filter.Expr{}); err != nil || n != 13 {
		t.Fatalf("%d operations kept (%v), want 13", n, err)
	}
	if h := e.op(t, op)["_admin"].(map[string]any)["history"].([]any); len(h) != 2 {
		t.Fatalf("the instantiation's own history: %v", h)
	}
}
