package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/repo"
)

// osmVIM is the body osmclient's vim-create sends.
func osmVIM(name string) []byte {
	return []byte(fmt.Sprintf(`{
    "name": %q,
    "vim_type": "dummy",
    "description": "fake VIM for the osmclient acceptance harness",
    "vim_url": "http://127.0.0.1:4499/fake-vim",
    "vim_user": "harness",
    "vim_password": "harness",
    "vim_tenant_name": "harness"
}`, name))
}

// TestUnstorableNamesRefused: names no database here can store, in what
// is kept as sent (a VIM's config, a package's user-defined data, an NS's
// parameters), are a 422 naming them, and nothing is stored (the same on
// the MongoDB backend: orchestrator/nslcm's TestUnstorableNames).
func TestUnstorableNamesRefused(t *testing.T) {
	h, _ := newRouter(t)
	for _, tc := range []struct{ target, body, pointer string }{
		{"/osm/admin/v1/vim_accounts", `{"name":"v","vim_type":"dummy","vim_url":"http://x.example","vim_user":"u","vim_password":"p","vim_tenant_name":"t","config":{"a.b":1}}`, "/config/a.b"},
		{"/osm/vnfpkgm/v1/vnf_packages", `{"userDefinedData":{"$set":1}}`, "/userDefinedData/$set"},
		{"/osm/nslcm/v1/ns_instances", `{"nsName":"n","nsdId":"4ca9eb68-ffaa-444e-ba46-912d532ee1da","vimAccountId":"4ca9eb68-ffaa-444e-ba46-912d532ee1da","x":{"$y":1}}`, "/x/$y"},
	} {
		rec := do(t, h, http.MethodPost, tc.target, []byte(tc.body))
		body := wantError(t, rec, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY")
		if !strings.Contains(rec.Body.String(), `"pointer":"`+tc.pointer+`"`) {
			t.Errorf("%s: %v does not name %s", tc.target, body, tc.pointer)
		}
		if list := decodeList(t, do(t, h, http.MethodGet, tc.target, nil)); len(list) != 0 {
			t.Errorf("%s: a refused body stored %v", tc.target, list)
		}
	}
}

func TestVIMAccounts(t *testing.T) {
	e := newAuthEnv(t)
	adm := bearer(e.admin(t))
	const base = "/osm/admin/v1/vim_accounts"
	rec := e.as(t, adm, http.MethodPost, base, osmVIM("site-a"), "Content-Type", "application/yaml")
	wantStatus(t, rec, http.StatusAccepted)
	created := decodeObject(t, rec)
	id, _ := created["id"].(string)
	if id == "" || created["op_id"] != id+":0" || rec.Header().Get("Location") != base+"/"+id {
		t.Fatalf("created %v, Location %q", created, rec.Header().Get("Location"))
	}

	// As osmclient reads it: name and _id in the list; --wait reads the
	// state and the operation's detailed status. Never the password.
	var list []map[string]any
	rec = e.as(t, adm, http.MethodGet, base, nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %s", err, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), "vim_password") || strings.Contains(rec.Body.String(), "sealed:") || strings.Contains(rec.Body.String(), `"harness"`) && strings.Contains(rec.Body.String(), `"secret"`) {
		t.Errorf("the list shows the password: %s", rec.Body.String())
	}
	v := list[0]
	admin := v["_admin"].(map[string]any)
	ops := admin["operations"].([]any)
	if v["_id"] != id || v["name"] != "site-a" || admin["operationalState"] != "ENABLED" || admin["detailed-status"] != "Done" ||
		len(ops) != 1 || ops[0].(map[string]any)["operationState"] != "COMPLETED" || admin["current_operation"] != nil {
		t.Errorf("the account as listed: %v", v)
	}
	// Sealed in the store, bound to the account.
	sealed := func() string { // read afresh each time: a password dropped reads ""
		t.Helper()
		stored, err := repo.NewVIMStore(e.db).Get(t.Context(), testScope, "vim", id)
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			Secret struct {
				Password string `json:"vim_password"`
			} `json:"secret"`
		}
		if err := json.Unmarshal(stored.Admin, &st); err != nil {
			t.Fatal(err)
		}
		return st.Secret.Password
	}
	if plain, err := testBox(t).Open(sealed(), id); err != nil || plain != "harness" {
		t.Errorf("the sealed password opens as %q (%v)", plain, err)
	}
	if _, err := testBox(t).Open(sealed(), "another-id"); err == nil {
		t.Error("the sealed password opens for another account")
	}

	// Edits: PATCH merges, PUT sets all (the password kept unless given).
	rec = e.as(t, adm, http.MethodPatch, base+"/"+id, []byte(`{"description":"the lab","vim_password":"new-one"}`))
	wantStatus(t, rec, http.StatusAccepted)
	if decodeObject(t, rec)["op_id"] != id+":1" {
		t.Errorf("edit op: %s", rec.Body.String())
	}
	got := decodeObject(t, e.as(t, adm, http.MethodGet, base+"/"+id, nil))
	if got["description"] != "the lab" || got["vim_user"] != "harness" {
		t.Errorf("after PATCH: %v", got)
	}
	if plain, _ := testBox(t).Open(sealed(), id); plain != "new-one" {
		t.Errorf("the new password opens as %q", plain)
	}
	for _, target := range []string{base, base + "/" + id} { // the new password is shown nowhere either
		if body := e.as(t, adm, http.MethodGet, target, nil).Body.String(); strings.Contains(body, "new-one") {
			t.Errorf("GET %s shows the password: %s", target, body)
		}
	}
	wantStatus(t, e.as(t, adm, http.MethodPatch, base+"/"+id, []byte(`{"description":null,"config":null}`)), http.StatusAccepted)
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, base+"/"+id, nil)); got["description"] != nil {
		t.Errorf("PATCH with description null kept it: %v", got)
	}
	wantStatus(t, e.as(t, adm, http.MethodPut, base+"/"+id, []byte(`{"name":"site-a","vim_type":"openstack","vim_url":"https://k.example:5000/v3","vim_user":"u","vim_tenant_name":"t"}`)), http.StatusAccepted)
	got = decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/admin/v1/vims/"+id, nil))
	if got["vim_type"] != "openstack" || got["description"] != nil {
		t.Errorf("after PUT: %v", got)
	}
	if plain, _ := testBox(t).Open(sealed(), id); plain != "new-one" {
		t.Errorf("PUT without a password lost it: %q", plain)
	}

	for _, tc := range []struct {
		method, target, body string
		status               int
		says                 string
	}{
		{"POST", base, `{"name":"x"}`, 422, "/vim_password"},
		{"POST", base, strings.Replace(string(osmVIM("x")), `"dummy"`, `"vsphere9"`, 1), 422, "/vim_type"},
		{"POST", base, strings.Replace(string(osmVIM("x")), `http://127.0.0.1:4499/fake-vim`, `not a url`, 1), 422, "/vim_url"},
		{"POST", base, strings.Replace(string(osmVIM("x")), `"name"`, `"colour": "red", "name"`, 1), 422, "/colour"},
		{"POST", base, string(osmVIM("site-a")), 409, "site-a"},
		{"POST", base, `[1]`, 400, "object"},
		{"POST", base, strings.Replace(string(osmVIM("x")), `"x"`, `"`+strings.Repeat("n", 300)+`"`, 1), 422, "/name"},
		{"PUT", base + "/" + id, `{"name":"site-a"}`, 422, "/vim_type"},
		{"PATCH", base + "/" + id, `{"vim_url":"nope"}`, 422, "/vim_url"},
		{"PATCH", base + "/" + id, `{"vim_user":null}`, 422, "/vim_user"},
		{"PATCH", base + "/nope", `{"description":"x"}`, 404, ""},
	} {
		rec := e.as(t, adm, tc.method, tc.target, []byte(tc.body))
		if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("%s %s %s: %d %s, want %d saying %q", tc.method, tc.target, tc.body, rec.Code, rec.Body.String(), tc.status, tc.says)
		}
	}
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, base+"/"+id, nil)); got["vim_type"] != "openstack" {
		t.Errorf("a refused edit changed the account: %v", got)
	}

	// Projects: another sees none of it; a project_user reads, never writes.
	e.mkProject(t, "B")
	e.mkUser(t, "b", "B", "project_user")
	b := basic("b", "pw-b")
	wantError(t, e.as(t, b, http.MethodGet, base+"/"+id, nil), 404, "NOT_FOUND")
	wantStatus(t, e.as(t, b, http.MethodGet, "/osm/admin/v1/vims", nil), http.StatusOK)
	wantError(t, e.as(t, b, http.MethodPost, base, osmVIM("b-site")), 403, "FORBIDDEN")

	rec = e.as(t, adm, http.MethodDelete, base+"/"+id, nil)
	wantStatus(t, rec, http.StatusAccepted)
	wantError(t, e.as(t, adm, http.MethodGet, base+"/"+id, nil), 404, "NOT_FOUND")
	wantStatus(t, e.as(t, adm, http.MethodPost, base, osmVIM("site-a")), http.StatusAccepted) // the name is free again
}
