package auth

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

func TestAllows(t *testing.T) {
	roles, err := DefaultRoles()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Permissions{}
	for _, r := range roles {
		byName[r.Name] = r.Permissions
	}
	for _, tc := range []struct {
		role, perm string
		want       bool
	}{
		{"system_admin", "ns_instances:id:delete", true},
		{"system_admin", "users:post", true},
		{"system_admin", "admin", true},
		{"project_admin", "ns_instances:id:delete", true},
		{"project_admin", "users:get", false},      // users: false beats default: true
		{"project_admin", "users:id:patch", false}, // ... for every path under it
		{"project_admin", "admin", false},          // admin never falls back to default
		{"project_admin", "force", true},           // force does
		{"account_manager", "users:id:delete", true},
		{"account_manager", "ns_instances:get", false},
		{"account_manager", "force", true},
		{"project_user", "vim_accounts:get", true}, // the leaf beats its node's false
		{"project_user", "vim_accounts:id:get", true},
		{"project_user", "vim_accounts:post", false},
		{"project_user", "vim_accounts:id:delete", false},
		{"project_user", "vnf_instances:id:put", true},
		{"project_user", "appc:stop", true},
		{"project_user", "force", false},
		{"project_user", "public", true},
		{"project_user", "roles:get", false},
		{"project_user", "something:new", false}, // default: false
	} {
		if got := byName[tc.role].Allows(tc.perm); got != tc.want {
			t.Errorf("%s allows %s: %v, want %v", tc.role, tc.perm, got, tc.want)
		}
	}
	// The most specific wins in either direction; a role without default
	// denies what it does not name.
	p := Permissions{"appc": false, "appc:action-status": true, "ns_instances:get": true}
	for perm, want := range map[string]bool{"appc:stop": false, "appc:action-status": true, "ns_instances:get": true,
		"ns_instances:id:get": false, "ns_instances:get:x": true, "appc": false, "admin": false, "": false} {
		if got := p.Allows(perm); got != want {
			t.Errorf("%v allows %q: %v, want %v", p, perm, got, want)
		}
	}
}

func TestCheckPermissionName(t *testing.T) {
	for name, ok := range map[string]bool{
		"ns_instances:id:get": true, "appc:action-status": true, "default": true, "k8srepos": true,
		"": false, "a::b": false, "a:": false, ":a": false, "A": false, "a b": false, "a.b": false, "é": false,
	} {
		if err := CheckPermissionName(name); (err == nil) != ok {
			t.Errorf("CheckPermissionName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestEditList(t *testing.T) {
	cur := []string{"P", "Q"}
	for _, tc := range []struct {
		edit string
		want []string // nil: refused
	}{
		{`["A","B","A"]`, []string{"A", "B"}},
		{`[]`, []string{}},
		{`{"$'P'": null}`, []string{"Q"}},                    // remove P if it exists
		{`{"$'X'": null}`, []string{"P", "Q"}},               // ... and nothing when it does not
		{`{"$+'R'": "R"}`, []string{"P", "Q", "R"}},          // add R
		{`{"$+'P'": "P"}`, []string{"P", "Q"}},               // ... unless present
		{`{"$'Q'": null, "$+[0]": "Q"}`, []string{"Q", "P"}}, // Q becomes the default (first)
		{`{"$+[0]": "R"}`, []string{"R", "P", "Q"}},
		{`{"$+[2]": "R"}`, []string{"P", "Q", "R"}},
		{`{"$[1]": null}`, []string{"P"}},
		{`{"$[0]": "R"}`, []string{"R", "Q"}},
		{`{"$'P'": "R"}`, []string{"R", "Q"}},
		{`{"$+[3]": "R"}`, nil},
		{`{"$[2]": null}`, nil},
		{`{"$+'R'": null}`, nil},
		{`{"P": "P"}`, nil},
		{`{"$+[-1]": "R"}`, nil},
		{`"P"`, nil},
		{`{"$'P'": 5}`, nil},
	} {
		got, err := EditList(cur, json.RawMessage(tc.edit), "projects")
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("%s: %v, want a refusal", tc.edit, got)
		case tc.want == nil && models.ErrorCodeOf(err) != models.CodeUnprocessable:
			t.Errorf("%s: %v, want a 422", tc.edit, err)
		case tc.want != nil && (err != nil || !slices.Equal(got, tc.want)):
			t.Errorf("%s: %v %v, want %v", tc.edit, got, err, tc.want)
		}
	}
	if !slices.Equal(cur, []string{"P", "Q"}) {
		t.Errorf("EditList changed its input: %v", cur)
	}
}

func TestParseAdminKeys(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  AdminKeys
		bad   bool
		rest  string
	}{
		{query: "status=x", rest: "status=x"},
		{query: "ADMIN", want: AdminKeys{Admin: true}},
		{query: "ADMIN=True", want: AdminKeys{Admin: true}},
		{query: "ADMIN=false&status=x", rest: "status=x"},
		{query: "ADMIN=p1,p2", want: AdminKeys{Admin: true, AdminProjects: []string{"p1", "p2"}}},
		{query: "ADMIN=p1&ADMIN=p2", want: AdminKeys{Admin: true, AdminProjects: []string{"p1", "p2"}}},
		{query: "FORCE", want: AdminKeys{Force: true}},
		{query: "FORCE=yes&PUBLIC=TRUE", want: AdminKeys{Force: true, Public: true}},
		{query: "SET_PROJECT=a,,b", want: AdminKeys{SetProject: []string{"a", "b"}}},
		{query: "FORCEX=1", rest: "FORCEX=1"},
		{query: "FORCE=maybe", bad: true},
		{query: "FORCE&FORCE", bad: true},
		{query: "SET_PROJECT=", bad: true},
		{query: "SET_PROJECT=,", bad: true},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseAdminKeys(q)
		if tc.bad {
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Errorf("%s: %+v %v, want a 400", tc.query, got, err)
			}
			continue
		}
		if err != nil || got.Admin != tc.want.Admin || got.Force != tc.want.Force || got.Public != tc.want.Public ||
			!slices.Equal(got.AdminProjects, tc.want.AdminProjects) || !slices.Equal(got.SetProject, tc.want.SetProject) {
			t.Errorf("%s: %+v %v, want %+v", tc.query, got, err, tc.want)
		}
		if q.Encode() != tc.rest {
			t.Errorf("%s: the query left is %q, want %q", tc.query, q.Encode(), tc.rest)
		}
	}
}
