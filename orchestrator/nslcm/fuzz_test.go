package nslcm_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
)

// FuzzOperationBodies: any body for any operation on an instantiated NS
// is an operation started or a 4xx that names the problem and leaves
// the NS as it was; what an operation writes is always a valid record.
func FuzzOperationBodies(f *testing.F) {
	for _, s := range []string{
		`{"member_vnf_index":"1","primitive":"touch","primitive_params":{"filename":"/tmp/x"}}`,
		`{"primitive":"touch"}`, `{"member_vnf_index":"1","primitive":"touch","vdu_id":"cirros_scale_vnfd-VM","vdu_count_index":"0"}`,
		`{"member_vnf_index":1,"primitive":["touch"]}`, `{"primitive_params":[]}`,
		`{"scaleType":"SCALE_VNF","scaleVnfData":{"scaleVnfType":"SCALE_OUT","scaleByStepData":{"scaling-group-descriptor":"scale_cirros","member-vnf-index":"1"}}}`,
		`{"scaleType":"SCALE_VNF","scaleVnfData":{"scaleVnfType":"SCALE_IN","scaleByStepData":{"scaling-group-descriptor":"scale_cirros","member-vnf-index":"2"}}}`,
		`{"scaleType":"SCALE_VNF","scaleVnfData":{"scaleVnfType":"SCALE_OUT","scaleByStepData":null}}`, `{"scaleType":5}`,
		`{"healVnfData":[{"vnfInstanceId":"x","additionalParams":{"vdu":[{"vdu-id":"cirros_scale_vnfd-VM","count-index":0}]}}]}`,
		`{"healVnfData":{}}`, `{"vnfInstanceId":"x"}`, `{"healVnfData":[{"additionalParams":{"vdu":"all"}}]}`,
		`{"vimAccountId":"4ca9eb68-ffaa-444e-ba46-912d532ee1da"}`, `{"vimAccountId":7}`, `{"autoremove":"yes"}`, `{"autoremove":false}`, `{}`,
	} {
		for op := range byte(5) {
			f.Add(op, []byte(s))
		}
	}
	e := newEnv(f, openSQLite)
	nsd, vim := e.cirros(f)
	id, op, err := e.svc.CreateAndInstantiate(ctx, e.scope, nslcm.NSRequest{"nsName": "fuzz", "nsdId": nsd, "vimAccountId": vim})
	if err != nil {
		f.Fatal(err)
	}
	e.wantOp(f, op, "COMPLETED")
	starts := []func(map[string]any) (string, error){
		func(p map[string]any) (string, error) { return e.svc.Action(ctx, e.scope, id, p) },
		func(p map[string]any) (string, error) { return e.svc.Scale(ctx, e.scope, id, p) },
		func(p map[string]any) (string, error) { return e.svc.Heal(ctx, e.scope, id, p) },
		func(p map[string]any) (string, error) { return e.svc.Instantiate(ctx, e.scope, id, p) },
		func(p map[string]any) (string, error) { return e.svc.Terminate(ctx, e.scope, id, p) },
	}
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		doc, err := document.DecodeJSON(body, document.DefaultLimits())
		if err != nil {
			return // the handlers refuse it before the lifecycle sees it
		}
		params, ok := doc.(map[string]any)
		if !ok {
			return
		}
		before, err := e.recs.Get(ctx, e.scope, models.KindNSR, id)
		if err != nil {
			t.Fatal(err)
		}
		op, err := starts[int(which)%len(starts)](params)
		if err != nil {
			var me *models.Error
			if !errors.As(err, &me) || me.Code == models.CodeInternal || me.Detail == "" {
				t.Fatalf("%s: %v, want a 4xx that says why", body, err)
			}
			after, err := e.recs.Get(ctx, e.scope, models.KindNSR, id)
			if err != nil || after.Admin.Version != before.Admin.Version {
				t.Fatalf("%s: a refusal changed the NS (version %d -> %d, %v)", body, before.Admin.Version, after.Admin.Version, err)
			}
			return
		}
		v := e.op(t, op)
		if s := v["operationState"]; s == "PROCESSING" || s == "FAILED_TEMP" {
			t.Fatalf("%s: operation left %v", body, s)
		}
		e.valid(t, models.KindNSR, e.record(t, models.KindNSR, id))
		for _, vnf := range vnfrs(e.ns(t, id)) {
			e.valid(t, models.KindVNFR, e.record(t, models.KindVNFR, vnf))
		}
		if e.ns(t, id)["nsState"] == "NOT_INSTANTIATED" { // a terminate went through: back to work
			op, err := e.svc.Instantiate(ctx, e.scope, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.wantOp(t, op, "COMPLETED")
		}
	})
}

// FuzzRewrite: any query of an OSM view is rewritten without a panic,
// keeping every value, and what is not a view field stays as it is.
func FuzzRewrite(f *testing.F) {
	for _, s := range []string{"nsr-id-ref=x", "operational-status=running,init", "name.cont=a&limit=5", "_admin.nsState.neq=BROKEN",
		"nsState=READY&nsState=BROKEN", "vdur.ANYINDEX.vdu-id-ref=a", "%zz", "a=1&_id=2", "sort=-name"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, raw string, vnf bool) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		kind := models.KindNSR
		if vnf {
			kind = models.KindVNFR
		}
		out := nslcm.Rewrite(kind, q)
		n, m := 0, 0
		for _, v := range q {
			n += len(v)
		}
		for _, v := range out {
			m += len(v)
		}
		if n != m {
			t.Fatalf("%q: %d values in, %d out: %v", raw, n, m, out)
		}
	})
}
