package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/repo"
)

// osmHeaders are what osmclient sends with every request: JSON bodies
// labelled YAML, JSON wanted.
var osmHeaders = []string{"Content-Type", "application/yaml", "Accept", "application/json"}

// lcmRouter is the service's router on a fresh database, with its NS
// lifecycle (whose runners a test waits for).
func lcmRouter(t testing.TB) (http.Handler, *nslcm.Service) {
	t.Helper()
	h, svc, _ := lcmRouterDB(t)
	return h, svc
}

// lcmRouterDB is lcmRouter and its database.
func lcmRouterDB(t testing.TB) (http.Handler, *nslcm.Service, repo.DB) {
	t.Helper()
	db := newDB(t)
	cfg := routerConfig(t, db)
	return mustRouter(t, cfg), cfg.NSLCM.(*nslcm.Service), db
}

// osm sends a request as osmclient does.
func osm(t *testing.T, h http.Handler, method, target string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	return do(t, h, method, target, raw, osmHeaders...)
}

// onboardFixture onboards a fixture descriptor as osmclient's vnfd-create
// and nsd-create do: its id.
func onboardFixture(t testing.TB, h http.Handler, route, file string) string {
	t.Helper()
	rec := do(t, h, http.MethodPost, route, descriptorFixture(t, file), "Content-Type", "text/plain", "Content-Filename", file)
	wantStatus(t, rec, http.StatusCreated)
	return decodeObject(t, rec)["id"].(string)
}

// scaling onboards the scaling cirros NS and registers a VIM: the NSD's
// id and the VIM's.
func scaling(t *testing.T, h http.Handler) (nsd, vim string) {
	t.Helper()
	onboardFixture(t, h, vnfPkgs, "osm/cirros_scale_vnfd.yaml")
	nsd = onboardFixture(t, h, nsds, "osm/cirros_scale_nsd.yaml")
	rec := do(t, h, http.MethodPost, "/osm/admin/v1/vim_accounts", osmVIM("site-a"), osmHeaders...)
	wantStatus(t, rec, http.StatusAccepted)
	return nsd, decodeObject(t, rec)["id"].(string)
}

// opState waits for the runners, then reads an operation's state.
func opState(t *testing.T, h http.Handler, svc *nslcm.Service, op string) map[string]any {
	t.Helper()
	svc.Wait()
	rec := osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs/"+op, nil)
	wantStatus(t, rec, http.StatusOK)
	return decodeObject(t, rec)
}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestNSLifecycleRoutes walks an NS through OSM's routes as osmclient
// sends them, and checks that /nsrs, /records/services and the OSM
// views say the same of it.
func TestNSLifecycleRoutes(t *testing.T) {
	h, svc := lcmRouter(t)
	nsd, vim := scaling(t, h)

	rec := osm(t, h, http.MethodPost, "/osm/nslcm/v1/ns_instances_content",
		map[string]any{"nsdId": nsd, "nsName": "ns-a", "nsDescription": "default description", "vimAccountId": vim})
	wantStatus(t, rec, http.StatusCreated)
	created := decodeObject(t, rec)
	id, op := created["id"].(string), created["nslcmop_id"].(string)
	if rec.Header().Get("Location") != "/osm/nslcm/v1/ns_instances_content/"+id {
		t.Fatalf("Location %q", rec.Header().Get("Location"))
	}
	if o := opState(t, h, svc, op); o["operationState"] != "COMPLETED" || o["lcmOperationType"] != "instantiate" {
		t.Fatalf("instantiate: %v", o)
	}

	// ns-list: the fields osmclient reads.
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_instances_content", nil)
	wantStatus(t, rec, http.StatusOK)
	list := decodeList(t, rec)
	if len(list) != 1 {
		t.Fatalf("ns-list: %v", list)
	}
	ns := list[0]
	if _, ok := ns["create-time"].(float64); !ok || ns["name"] != "ns-a" || ns["_id"] != id || ns["nsState"] != "READY" ||
		ns["currentOperation"] != "IDLE" || ns["_admin"].(map[string]any)["nsState"] != "INSTANTIATED" {
		t.Fatalf("ns-list item: %v", ns)
	}
	for _, k := range []string{"currentOperationID", "errorDescription", "errorDetail"} {
		if _, ok := ns[k]; !ok {
			t.Fatalf("ns-list item has no %s", k)
		}
	}
	// ns-list --long summarises deploymentStatus (nets, vnfs[].vms[].status)
	// and configurationStatus (a list).
	dep, _ := ns["deploymentStatus"].(map[string]any)
	vnfsDep, _ := dep["vnfs"].([]any)
	if _, ok := dep["nets"].([]any); !ok || len(vnfsDep) != 2 || vnfsDep[0].(map[string]any)["vms"].([]any)[0].(map[string]any)["status"] != "ACTIVE" {
		t.Fatalf("deploymentStatus: %v", ns["deploymentStatus"])
	}
	if _, ok := ns["configurationStatus"].([]any); !ok {
		t.Fatalf("configurationStatus: %v", ns["configurationStatus"])
	}

	// One NS, three views.
	rec = do(t, h, http.MethodGet, "/nsrs/"+id, nil)
	wantStatus(t, rec, http.StatusOK)
	nsr := decodeObject(t, rec)
	rec = do(t, h, http.MethodGet, "/records/services/"+id, nil)
	wantStatus(t, rec, http.StatusOK)
	if gk := decodeObject(t, rec); fmt.Sprint(gk) != fmt.Sprint(nsr) {
		t.Fatalf("/records/services and /nsrs differ:\n%v\n%v", gk, nsr)
	}
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil)
	wantStatus(t, rec, http.StatusOK)
	view := decodeObject(t, rec)
	var linked []string
	for _, nf := range nsr["network_functions"].([]any) {
		linked = append(linked, nf.(map[string]any)["vnfr_id"].(string))
	}
	if nsr["uuid"] != view["_id"] || nsr["status"] != "normal operation" || view["operational-status"] != "running" ||
		nsr["descriptor_reference"] != view["nsd-id"] || !slices.Equal(linked, strs(view["constituent-vnfr-ref"])) || len(linked) != 2 {
		t.Fatalf("the NSR and its OSM view disagree:\n%v\n%v", nsr, view)
	}

	// vnf-list --ns: the fields osmclient reads; /records/functions lists the same.
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/vnfrs?nsr-id-ref="+id, nil)
	wantStatus(t, rec, http.StatusOK)
	vnfs := decodeList(t, rec)
	if len(vnfs) != 2 {
		t.Fatalf("vnfrs?nsr-id-ref: %v", vnfs)
	}
	if link := rec.Header().Get("Link"); !strings.Contains(link, "nsr-id-ref="+id) || strings.Contains(link, "parent_ns") {
		t.Fatalf("the list's links do not keep the client's query: %s", link)
	}
	for _, v := range vnfs {
		for _, k := range []string{"_id", "nsr-id-ref", "member-vnf-index-ref", "vnfd-ref", "vim-account-id", "ip-address"} {
			if _, ok := v[k]; !ok {
				t.Fatalf("VNF view has no %s: %v", k, v)
			}
		}
		if v["nsr-id-ref"] != id || v["vim-account-id"] != vim || !slices.Contains(linked, v["_id"].(string)) {
			t.Fatalf("VNF view: %v", v)
		}
	}
	rec = do(t, h, http.MethodGet, "/records/functions?parent_ns="+id, nil)
	wantStatus(t, rec, http.StatusOK)
	if fns := decodeList(t, rec); len(fns) != 2 {
		t.Fatalf("/records/functions?parent_ns: %d", len(fns))
	}
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/vnf_instances/"+linked[0], nil)
	wantStatus(t, rec, http.StatusOK)

	// ns-action
	rec = osm(t, h, http.MethodPost, "/osm/nslcm/v1/ns_instances/"+id+"/action",
		map[string]any{"member_vnf_index": "1", "primitive": "touch", "primitive_params": map[string]any{"filename": "/tmp/osm-harness-touched"}})
	wantStatus(t, rec, http.StatusAccepted)
	action := decodeObject(t, rec)["id"].(string)
	if rec.Header().Get("Location") != "/osm/nslcm/v1/ns_lcm_op_occs/"+action {
		t.Fatalf("action Location %q", rec.Header().Get("Location"))
	}
	if o := opState(t, h, svc, action); o["operationState"] != "COMPLETED" || o["operationParams"].(map[string]any)["primitive"] != "touch" {
		t.Fatalf("action: %v", o)
	}

	// ns-op-list
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId="+id, nil)
	wantStatus(t, rec, http.StatusOK)
	ops := decodeList(t, rec)
	if len(ops) != 2 || ops[0]["lcmOperationType"] != "action" || ops[1]["lcmOperationType"] != "instantiate" {
		t.Fatalf("ns-op-list, newest first: %v", ops)
	}
	for _, k := range []string{"nsName", "nsdId", "nsDescription", "nsr_id", "nsInstanceId", "lcmOperationType"} { // ns-op-list --long pops them
		if _, ok := ops[1]["operationParams"].(map[string]any)[k]; !ok {
			t.Fatalf("instantiate operationParams without %s: %v", k, ops[1]["operationParams"])
		}
	}
	for _, o := range ops {
		for _, k := range []string{"id", "lcmOperationType", "operationState", "startTime", "statusEnteredTime", "operationParams", "queuePosition", "stage", "detailed-status"} {
			if _, ok := o[k]; !ok {
				t.Fatalf("operation has no %s: %v", k, o)
			}
		}
	}

	// scale out member 2: its VNFR holds two VNFC instances
	rec = osm(t, h, http.MethodPost, "/osm/nslcm/v1/ns_instances/"+id+"/scale", map[string]any{"scaleType": "SCALE_VNF",
		"scaleVnfData": map[string]any{"scaleVnfType": "SCALE_OUT", "scaleByStepData": map[string]any{"scaling-group-descriptor": "scale_cirros", "member-vnf-index": "2"}}})
	wantStatus(t, rec, http.StatusAccepted)
	if o := opState(t, h, svc, decodeObject(t, rec)["id"].(string)); o["operationState"] != "COMPLETED" {
		t.Fatalf("scale: %v", o)
	}
	rec = do(t, h, http.MethodGet, "/vnfrs/"+linked[1], nil)
	wantStatus(t, rec, http.StatusOK)
	vdu := decodeObject(t, rec)["virtual_deployment_units"].([]any)[0].(map[string]any)
	if len(vdu["vnfc_instance"].([]any)) != 2 || vdu["number_of_instances"] != float64(2) {
		t.Fatalf("scaled VNFR's VDU: %v", vdu)
	}

	// In use: the NS holds its NSD and its VIM.
	rec = osm(t, h, http.MethodDelete, "/osm/nsd/v1/ns_descriptors/"+nsd, nil)
	wantError(t, rec, http.StatusConflict, "CONFLICT")
	rec = osm(t, h, http.MethodDelete, "/osm/admin/v1/vim_accounts/"+vim, nil)
	wantError(t, rec, http.StatusConflict, "CONFLICT")
	rec = osm(t, h, http.MethodDelete, "/osm/nslcm/v1/ns_instances/"+id, nil)
	wantError(t, rec, http.StatusConflict, "CONFLICT")

	// The Gatekeeper's update request, to the same NSD: nothing to move,
	// the request ends INSTANTIATED.
	rec = osm(t, h, http.MethodPut, "/records/services/"+id, map[string]any{"nsd_id": nsd, "latest_nsd_id": nsd})
	wantStatus(t, rec, http.StatusCreated)
	req := decodeObject(t, rec)
	if req["status"] != "NEW" || req["request_type"] != "UPDATE" || req["service_instance_uuid"] != id || req["created_at"] == nil {
		t.Fatalf("update request: %v", req)
	}
	svc.Wait()
	rec = do(t, h, http.MethodGet, "/requests/"+req["id"].(string), nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decodeObject(t, rec); got["status"] != "INSTANTIATED" {
		t.Fatalf("request after its update: %v", got)
	}
	rec = do(t, h, http.MethodGet, "/requests", nil)
	wantStatus(t, rec, http.StatusOK)
	if n := len(decodeList(t, rec)); n != 1 {
		t.Fatalf("/requests lists %d", n)
	}

	// ns-delete: terminate, then deleted with its operations, as OSM's
	// autoremove does: osm ns-delete --wait polls the terminate operation
	// until it is gone (404). The update request keeps its outcome.
	rec = osm(t, h, http.MethodDelete, "/osm/nslcm/v1/ns_instances_content/"+id, nil)
	wantStatus(t, rec, http.StatusAccepted)
	term := decodeObject(t, rec)["_id"].(string)
	svc.Wait()
	wantError(t, osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs/"+term, nil), http.StatusNotFound, "NOT_FOUND")
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_instances_content", nil)
	wantStatus(t, rec, http.StatusOK)
	if strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Fatalf("ns-list after delete: %s", rec.Body)
	}
	wantError(t, do(t, h, http.MethodGet, "/nsrs/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	wantError(t, do(t, h, http.MethodGet, "/vnfrs/"+linked[0], nil), http.StatusNotFound, "NOT_FOUND")
	rec = osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId="+id, nil)
	if n := len(decodeList(t, rec)); n != 0 {
		t.Fatalf("%d operations after ns-delete, want none", n)
	}
	rec = do(t, h, http.MethodGet, "/requests/"+req["id"].(string), nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decodeObject(t, rec); got["status"] != "INSTANTIATED" {
		t.Fatalf("request after its NS was deleted: %v", got)
	}
	// Nothing holds the NSD and the VIM now.
	wantStatus(t, osm(t, h, http.MethodDelete, "/osm/nsd/v1/ns_descriptors/"+nsd, nil), http.StatusNoContent)
	wantStatus(t, osm(t, h, http.MethodDelete, "/osm/admin/v1/vim_accounts/"+vim, nil), http.StatusAccepted)
}

// TestNSRoutesRefusals: refused requests answer 4xx naming the problem
// and leave the records as they were.
func TestNSRoutesRefusals(t *testing.T) {
	h, svc := lcmRouter(t)
	nsd, vim := scaling(t, h)
	rec := osm(t, h, http.MethodPost, "/osm/nslcm/v1/ns_instances", map[string]any{"nsdId": nsd, "nsName": "idle", "vimAccountId": vim})
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)
	if rec.Header().Get("Location") != "/osm/nslcm/v1/ns_instances/"+id {
		t.Fatalf("Location %q", rec.Header().Get("Location"))
	}
	records := func() string {
		a := do(t, h, http.MethodGet, "/nsrs", nil).Body.String()
		b := do(t, h, http.MethodGet, "/vnfrs", nil).Body.String()
		c := do(t, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs", nil).Body.String()
		return a + b + c
	}
	before := records()
	for _, tc := range []struct {
		name, method, target string
		body                 []byte
		status               int
		says                 string
	}{
		{"not JSON", http.MethodPost, "/osm/nslcm/v1/ns_instances", []byte("{nsName"), 400, ""},
		{"an array", http.MethodPost, "/osm/nslcm/v1/ns_instances", []byte(`[1]`), 400, "must be an object"},
		{"unknown NSD", http.MethodPost, "/osm/nslcm/v1/ns_instances_content", []byte(`{"nsName":"x","nsdId":"4ca9eb68-ffaa-444e-ba46-912d532ee1da","vimAccountId":"` + vim + `"}`), 422, "catalogue does not hold"},
		{"unknown VIM", http.MethodPost, "/osm/nslcm/v1/ns_instances", []byte(`{"nsName":"x","nsdId":"` + nsd + `","vimAccountId":"4ca9eb68-ffaa-444e-ba46-912d532ee1da"}`), 422, "does not exist"},
		{"no name", http.MethodPost, "/osm/nslcm/v1/ns_instances", []byte(`{"nsdId":"` + nsd + `","vimAccountId":"` + vim + `"}`), 422, "nsName is required"},
		{"action before instantiate", http.MethodPost, "/osm/nslcm/v1/ns_instances/" + id + "/action", []byte(`{"member_vnf_index":"1","primitive":"touch"}`), 409, "NOT_INSTANTIATED"},
		{"terminate before instantiate", http.MethodPost, "/osm/nslcm/v1/ns_instances/" + id + "/terminate", nil, 409, "cannot be terminated"},
		{"scale bad body", http.MethodPost, "/osm/nslcm/v1/ns_instances/" + id + "/scale", []byte(`{"scaleType":"SCALE_VNF"}`), 422, "scaleVnfData"},
		{"unknown NS", http.MethodPost, "/osm/nslcm/v1/ns_instances/4ca9eb68-ffaa-444e-ba46-912d532ee1da/instantiate", nil, 404, "not found"},
		{"unknown operation", http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs/nope", nil, 404, "not found"},
		{"retry of nothing", http.MethodPost, "/osm/nslcm/v1/ns_lcm_op_occs/nope/retry", nil, 404, "not found"},
		{"bad paging", http.MethodGet, "/osm/nslcm/v1/ns_instances?limit=abc", nil, 400, "limit"},
		{"bad filter", http.MethodGet, "/osm/nslcm/v1/ns_instances?created_at.gt=yesterday", nil, 400, "created_at"},
		{"update without latest", http.MethodPut, "/records/services/" + id, []byte(`{"nsd_id":"` + nsd + `"}`), 422, "latest_nsd_id is required"},
		{"update of no service", http.MethodPut, "/records/services/4ca9eb68-ffaa-444e-ba46-912d532ee1da", []byte(`{"nsd_id":"` + nsd + `","latest_nsd_id":"` + nsd + `"}`), 404, "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, tc.method, tc.target, tc.body, osmHeaders...)
			code := map[int]string{400: "BAD_REQUEST", 404: "NOT_FOUND", 409: "CONFLICT", 422: "UNPROCESSABLE_ENTITY"}[tc.status]
			body := wantError(t, rec, tc.status, code)
			if !strings.Contains(fmt.Sprint(body["detail"]), tc.says) {
				t.Fatalf("detail %q does not say %q", body["detail"], tc.says)
			}
			svc.Wait()
			if after := records(); after != before {
				t.Fatal("a refused request changed the records")
			}
		})
	}
	// Never instantiated: ns-delete deletes it at once (204).
	wantStatus(t, osm(t, h, http.MethodDelete, "/osm/nslcm/v1/ns_instances_content/"+id, nil), http.StatusNoContent)
	wantError(t, osm(t, h, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil), http.StatusNotFound, "NOT_FOUND")
}

// TestNSProjects: an NS belongs to its project. Another project's user
// neither sees nor acts on it (404, as if absent); a role without the
// lifecycle's permissions is 403; OSM's project_user runs operations.
func TestNSProjects(t *testing.T) {
	e := newAuthEnv(t)
	adm := basic("admin", testAdminPassword)
	e.mkProject(t, "p2")
	e.mkUser(t, "other", "p2", "project_user")
	e.mkUser(t, "member", "admin", "project_user")
	e.mkRole(t, "records_only", map[string]bool{"ns_instances:get": true, "ns_instances:id:get": true})
	e.mkUser(t, "reader", "admin", "records_only")
	onboard := func(route, file string) string {
		rec := e.as(t, adm, http.MethodPost, route, descriptorFixture(t, file), "Content-Type", "text/plain")
		wantStatus(t, rec, http.StatusCreated)
		return decodeObject(t, rec)["id"].(string)
	}
	onboard(vnfPkgs, "osm/cirros_scale_vnfd.yaml")
	nsd := onboard(nsds, "osm/cirros_scale_nsd.yaml")
	rec := e.as(t, adm, http.MethodPost, "/osm/admin/v1/vim_accounts", osmVIM("site-a"), osmHeaders...)
	wantStatus(t, rec, http.StatusAccepted)
	vim := decodeObject(t, rec)["id"].(string)

	member := basic("member", "pw-member")
	rec = e.as(t, member, http.MethodPost, "/osm/nslcm/v1/ns_instances_content", []byte(`{"nsName":"a","nsdId":"`+nsd+`","vimAccountId":"`+vim+`"}`), osmHeaders...)
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)

	other := basic("other", "pw-other")
	wantError(t, e.as(t, other, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	wantError(t, e.as(t, other, http.MethodGet, "/records/services/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	wantError(t, e.as(t, other, http.MethodPost, "/osm/nslcm/v1/ns_instances/"+id+"/terminate", nil), http.StatusNotFound, "NOT_FOUND")
	rec = e.as(t, other, http.MethodGet, "/osm/nslcm/v1/ns_instances", nil)
	wantStatus(t, rec, http.StatusOK)
	if n := len(decodeList(t, rec)); n != 0 {
		t.Fatalf("another project lists %d NS instances", n)
	}
	rec = e.as(t, other, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs", nil)
	if n := len(decodeList(t, rec)); n != 0 {
		t.Fatalf("another project lists %d operations", n)
	}

	reader := basic("reader", "pw-reader")
	wantStatus(t, e.as(t, reader, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil), http.StatusOK)
	wantError(t, e.as(t, reader, http.MethodPost, "/osm/nslcm/v1/ns_instances/"+id+"/terminate", nil), http.StatusForbidden, "FORBIDDEN")

	e.lcm.Wait()
	rec = e.as(t, member, http.MethodPost, "/osm/nslcm/v1/ns_instances/"+id+"/action", []byte(`{"member_vnf_index":"1","primitive":"touch"}`), osmHeaders...)
	wantStatus(t, rec, http.StatusAccepted)
}

// TestNSRoutesForceYAMLAndOps: FORCE deletes an instantiated NS and a VIM
// in use, for a role granted force only; YAML bodies and answers; cancel
// and retry answer 409 for an operation that has ended.
func TestNSRoutesForceYAMLAndOps(t *testing.T) {
	e := newAuthEnv(t)
	adm := basic("admin", testAdminPassword)
	e.mkUser(t, "member", "admin", "project_user")
	member := basic("member", "pw-member")
	rec := e.as(t, adm, http.MethodPost, vnfPkgs, descriptorFixture(t, "osm/cirros_scale_vnfd.yaml"), "Content-Type", "text/plain")
	wantStatus(t, rec, http.StatusCreated)
	rec = e.as(t, adm, http.MethodPost, nsds, descriptorFixture(t, "osm/cirros_scale_nsd.yaml"), "Content-Type", "text/plain")
	wantStatus(t, rec, http.StatusCreated)
	nsd := decodeObject(t, rec)["id"].(string)
	rec = e.as(t, adm, http.MethodPost, "/osm/admin/v1/vim_accounts", osmVIM("site-a"), osmHeaders...)
	wantStatus(t, rec, http.StatusAccepted)
	vim := decodeObject(t, rec)["id"].(string)

	// A YAML body in, a YAML answer out.
	rec = e.as(t, member, http.MethodPost, "/osm/nslcm/v1/ns_instances_content",
		[]byte("nsName: ns-yaml\nnsdId: "+nsd+"\nvimAccountId: "+vim+"\n"), "Content-Type", "application/yaml")
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)
	op := decodeObject(t, rec)["nslcmop_id"].(string)
	e.lcm.Wait()
	rec = e.as(t, member, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil, "Accept", "application/yaml")
	wantStatus(t, rec, http.StatusOK)
	doc, err := document.DecodeYAML(rec.Body.Bytes(), document.DefaultLimits())
	if err != nil || doc.(map[string]any)["name"] != "ns-yaml" || doc.(map[string]any)["nsState"] != "READY" {
		t.Fatalf("the NS as YAML: %v %s", err, rec.Body)
	}

	// An operation that has ended is neither cancelled nor retried.
	wantError(t, e.as(t, member, http.MethodPost, "/osm/nslcm/v1/ns_lcm_op_occs/"+op+"/cancel", nil), http.StatusConflict, "CONFLICT")
	wantError(t, e.as(t, member, http.MethodPost, "/osm/nslcm/v1/ns_lcm_op_occs/"+op+"/retry", nil), http.StatusConflict, "CONFLICT")

	// FORCE is a permission: project_user has it not.
	wantError(t, e.as(t, member, http.MethodDelete, "/osm/nslcm/v1/ns_instances/"+id+"?FORCE=true", nil), http.StatusForbidden, "FORBIDDEN")
	wantError(t, e.as(t, adm, http.MethodDelete, "/osm/nslcm/v1/ns_instances/"+id, nil), http.StatusConflict, "CONFLICT")
	vnfs := strs(decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/nslcm/v1/ns_instances/"+id, nil))["constituent-vnfr-ref"])
	wantError(t, e.as(t, adm, http.MethodDelete, "/osm/admin/v1/vim_accounts/"+vim, nil), http.StatusConflict, "CONFLICT")
	wantStatus(t, e.as(t, adm, http.MethodDelete, "/osm/admin/v1/vim_accounts/"+vim+"?FORCE=true", nil), http.StatusAccepted)
	wantError(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/vim_accounts/"+vim, nil), http.StatusNotFound, "NOT_FOUND")
	wantStatus(t, e.as(t, adm, http.MethodDelete, "/osm/nslcm/v1/ns_instances/"+id+"?FORCE=true", nil), http.StatusNoContent)
	wantError(t, e.as(t, adm, http.MethodGet, "/nsrs/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	for _, v := range vnfs {
		wantError(t, e.as(t, adm, http.MethodGet, "/vnfrs/"+v, nil), http.StatusNotFound, "NOT_FOUND")
	}
	rec = e.as(t, adm, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId="+id, nil)
	if n := len(decodeList(t, rec)); n != 1 {
		t.Fatalf("%d operations after the forced delete, want the instantiation's", n)
	}
}
