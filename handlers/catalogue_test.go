package handlers_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// descriptorFixture is a file of fixtures/descriptors/.
func descriptorFixture(t testing.TB, rel string) []byte {
	t.Helper()
	return fixture(t, filepath.Join("descriptors", rel))
}

// upload posts a package as osmclient does: the raw file, its
// Content-Type, Content-Filename and Content-File-MD5.
func upload(t testing.TB, e *authEnv, cred []string, base, filename, contentType string, data []byte, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	sum := md5.Sum(data)
	h := append([]string{"Content-Type", contentType, "Content-Filename", filename, "Content-File-MD5", hex.EncodeToString(sum[:])}, headers...)
	return e.as(t.(*testing.T), cred, http.MethodPost, base, data, h...)
}

// osmTarGz packs folder/<files> as osmclient's packages are packed.
func osmTarGz(t testing.TB, folder string, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: folder + "/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: folder + "/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

const (
	vnfPkgs = "/osm/vnfpkgm/v1/vnf_packages_content"
	nsds    = "/osm/nsd/v1/ns_descriptors_content"
)

func listOf(t *testing.T, e *authEnv, cred []string, target string) []map[string]any {
	t.Helper()
	rec := e.as(t, cred, http.MethodGet, target, nil)
	wantStatus(t, rec, http.StatusOK)
	var out []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCatalogueOnboarding: every example descriptor onboards through the
// content route, as a bare file, an OSM .tar.gz or the 5GTANGO package;
// reads back verbatim; lists, filters, downloads, deletes.
func TestCatalogueOnboarding(t *testing.T) {
	e := newAuthEnv(t)
	adm := bearer(e.admin(t))
	entries, err := os.ReadDir(filepath.Join("..", "fixtures", "descriptors", "sonata"))
	if err != nil {
		t.Fatal(err)
	}
	onboard := func(base, name, ct string, data []byte) string {
		t.Helper()
		rec := upload(t, e, adm, base, name, ct, data)
		if rec.Code != http.StatusCreated {
			t.Fatalf("onboard %s: %d %s", name, rec.Code, rec.Body.String())
		}
		id := decodeObject(t, rec)["id"].(string)
		if rec.Header().Get("Location") != base+"/"+id {
			t.Errorf("Location %q", rec.Header().Get("Location"))
		}
		return id
	}
	// VNFDs first: the NSDs name them.
	var sonataNSDs []string
	for _, f := range entries {
		data := descriptorFixture(t, "sonata/"+f.Name())
		if strings.Contains(string(data), "network_functions") || strings.Contains(f.Name(), "simplest") {
			sonataNSDs = append(sonataNSDs, f.Name())
			continue
		}
		id := onboard(vnfPkgs, f.Name(), "text/plain", data)
		rec := e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/vnfd", nil)
		if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), data) {
			t.Errorf("%s read back: %d, %d bytes for %d", f.Name(), rec.Code, rec.Body.Len(), len(data))
		}
	}
	for _, name := range sonataNSDs {
		rec := upload(t, e, adm, nsds, name, "application/yaml", descriptorFixture(t, "sonata/"+name))
		if rec.Code != http.StatusCreated {
			// SONATA's example NSDs name VNFDs of other vendors: with FORCE.
			rec = upload(t, e, adm, nsds+"?FORCE=true", name, "application/yaml", descriptorFixture(t, "sonata/"+name))
		}
		wantStatus(t, rec, http.StatusCreated)
	}

	// OSM IM and SOL006, as osmclient uploads them: a folder in a .tar.gz
	// with its icon, and a bare YAML as text/plain.
	icon := descriptorFixture(t, "osm/icons/cirros-64.png")
	cirros := descriptorFixture(t, "osm/cirros_vnfd.yaml")
	pkg := osmTarGz(t, "cirros_vnf", map[string][]byte{"cirros_vnfd.yaml": cirros, "icons/cirros-64.png": icon})
	cirrosID := onboard(vnfPkgs, "cirros_vnf.tar.gz", "application/gzip", pkg)
	rec := e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+cirrosID+"/package_content", nil)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pkg) || rec.Header().Get("Content-Type") != "application/gzip" {
		t.Errorf("download: %d %s, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	onboard(nsds, "cirros_nsd.yaml", "text/plain", descriptorFixture(t, "osm/cirros_nsd.yaml"))
	onboard(vnfPkgs, "hackfest_basic_vnfd.yaml", "text/plain", descriptorFixture(t, "sol006/hackfest_basic_vnfd.yaml"))
	hackNS := onboard(nsds, "hackfest_basic_nsd.yaml", "text/plain", descriptorFixture(t, "sol006/hackfest_basic_nsd.yaml"))
	onboard(vnfPkgs, "osm_vnfd.yaml", "text/plain", descriptorFixture(t, "osm/osm_vnfd.yaml"))
	wantStatus(t, upload(t, e, adm, nsds, "osm_nsd.yaml", "text/plain", descriptorFixture(t, "osm/osm_nsd.yaml")), http.StatusCreated)
	tgo := descriptorFixture(t, "packages/eu.5gtango.ns-package-example.0.1.tgo")
	onboard(vnfPkgs, "eu.5gtango.ns-package-example.0.1.tgo", "application/zip", tgo)
	onboard(nsds, "eu.5gtango.ns-package-example.0.1.tgo", "application/zip", tgo)

	// osmclient's vnfd-list needs _id and name; --long the _admin states.
	list := listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages")
	if len(list) != len(entries)-len(sonataNSDs)+4 {
		t.Errorf("%d VNF packages", len(list))
	}
	for _, v := range list {
		admin, _ := v["_admin"].(map[string]any)
		if v["_id"] == "" || v["name"] == "" || admin["onboardingState"] != "ONBOARDED" || admin["operationalState"] != "ENABLED" ||
			admin["usageState"] != "NOT_IN_USE" || admin["created"] == nil || admin["modified"] == nil {
			t.Errorf("list entry %v", v)
		}
	}
	if got := listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages_content?name=cirros_vnf"); len(got) != 1 || got[0]["_id"] != cirrosID {
		t.Errorf("name=cirros_vnf: %v", got)
	}
	if got := listOf(t, e, adm, "/osm/nsd/v1/ns_descriptors?format=sol006"); len(got) != 1 || got[0]["_id"] != hackNS {
		t.Errorf("format=sol006: %v", got)
	}
	// The record lists' paging, sort, count and selectors.
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages?count&format=osm-im", nil)); got["count"] != float64(2) {
		t.Errorf("count of osm-im VNFDs: %v", got)
	}
	rec = e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages?page_size=2&sort=name", nil)
	var page []map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page) != 2 || rec.Header().Get("X-Total-Count") != fmt.Sprint(len(list)) || !strings.Contains(rec.Header().Get("Link"), `rel="next"`) {
		t.Errorf("a page of 2: %d entries, X-Total-Count %q, Link %q", len(page), rec.Header().Get("X-Total-Count"), rec.Header().Get("Link"))
	}
	if len(page) == 2 && page[0]["name"].(string) > page[1]["name"].(string) {
		t.Errorf("sort=name: %v then %v", page[0]["name"], page[1]["name"])
	}
	for _, v := range listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages?fields=name") {
		if v["name"] == nil || v["_id"] == nil || v["_admin"] != nil || v["catalogue"] != nil || v["version"] != nil {
			t.Errorf("fields=name: %v", v)
		}
	}
	for _, v := range listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages?exclude_default") {
		if v["_admin"] != nil || v["catalogue"] != nil || v["name"] == nil {
			t.Errorf("exclude_default: %v", v)
		}
	}
	one := decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/nsd/v1/ns_descriptors/"+hackNS, nil))
	model, _ := one["catalogue"].(map[string]any)
	if one["id"] != "hackfest_basic-ns" || model == nil || len(model["constituents"].([]any)) != 1 {
		t.Errorf("the NSD's entry: %v", one)
	}

	// In use: not replaced by a package of another id either.
	m := wantError(t, e.as(t, adm, http.MethodPut, vnfPkgs+"/"+cirrosID, descriptorFixture(t, "sonata/iperf-vnfd.yml"), "Content-Type", "text/plain"), 409, "CONFLICT")
	if !strings.Contains(m["detail"].(string), "cannot be replaced") {
		t.Errorf("a replace of a VNFD in use: %v", m["detail"])
	}
	// In use, deleted, gone.
	m = wantError(t, e.as(t, adm, http.MethodDelete, vnfPkgs+"/"+cirrosID, nil), 409, "CONFLICT")
	if !strings.Contains(m["detail"].(string), "cirros_nsd") {
		t.Errorf("in use: %v", m["detail"])
	}
	wantStatus(t, e.as(t, adm, http.MethodDelete, "/osm/vnfpkgm/v1/vnf_packages/"+cirrosID+"?FORCE=true", nil), http.StatusNoContent)
	wantError(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+cirrosID+"/package_content", nil), 404, "NOT_FOUND")
	// Its id is free again.
	onboard(vnfPkgs, "cirros_vnf.tar.gz", "application/gzip", pkg)
}

// TestCatalogueRefusals: every refusal leaves the catalogue as it was.
func TestCatalogueRefusals(t *testing.T) {
	e := newAuthEnv(t)
	adm := bearer(e.admin(t))
	cirros := descriptorFixture(t, "osm/cirros_vnfd.yaml")
	wantStatus(t, upload(t, e, adm, vnfPkgs, "cirros_vnfd.yaml", "text/plain", cirros), http.StatusCreated)
	evil := func(name string, flag byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: flag, Linkname: "/etc/passwd", Size: map[bool]int64{true: int64(len(cirros))}[flag == tar.TypeReg], Mode: 0o644})
		if flag == tar.TypeReg {
			tw.Write(cirros)
		}
		tw.Close()
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name, base, ct string
		body           []byte
		headers        []string
		status         int
		says           string
	}{
		{"the same id again", vnfPkgs, "text/plain", cirros, nil, 409, "cirros_vnfd"},
		{"an MD5 that does not match", vnfPkgs, "text/plain", descriptorFixture(t, "sol006/hackfest_basic_vnfd.yaml"), []string{"Content-File-MD5", "00"}, 422, "Content-File-MD5"},
		{"a path out of the package", vnfPkgs, "application/gzip", evil("../x.yaml", tar.TypeReg), nil, 422, "out of the archive"},
		{"a symlink", vnfPkgs, "application/gzip", evil("p/x.yaml", tar.TypeSymlink), nil, 422, "link"},
		{"two descriptors", vnfPkgs, "application/gzip", osmTarGz(t, "p", map[string][]byte{"a.yaml": cirros, "b.yaml": cirros}), nil, 422, "2 descriptors"},
		{"no descriptor", vnfPkgs, "application/gzip", osmTarGz(t, "p", map[string][]byte{"icons/a.png": []byte("png")}), nil, 422, "holds no VNFD"},
		{"not YAML", vnfPkgs, "text/plain", []byte("a: ["), nil, 400, "not YAML"},
		{"an NSD at the VNF route", vnfPkgs, "text/plain", descriptorFixture(t, "osm/cirros_nsd.yaml"), nil, 422, "/osm/nsd/v1/ns_descriptors_content"},
		{"an NSD naming a VNFD not onboarded", nsds, "text/plain", descriptorFixture(t, "sol006/hackfest_basic_nsd.yaml"), nil, 422, "hackfest_basic-vnf"},
		{"a VNFD lacking its VDUs", vnfPkgs, "text/plain", []byte("vnfd:vnfd-catalog:\n  vnfd:\n  - {id: x, name: x}\n"), nil, 422, "instantiation needs"},
		{"another media type", vnfPkgs, "image/png", cirros, nil, 415, "not a package type"},
		{"an unknown format", vnfPkgs, "text/plain", []byte("hello: world\n"), nil, 422, "no known format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := upload(t, e, adm, tc.base, "f", tc.ct, tc.body, tc.headers...)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.says) {
				t.Errorf("%d %s, want %d saying %q", rec.Code, rec.Body.String(), tc.status, tc.says)
			}
		})
	}
	if n := len(listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages")) + len(listOf(t, e, adm, "/osm/nsd/v1/ns_descriptors")); n != 1 {
		t.Errorf("after the refusals the catalogue holds %d entries, want 1", n)
	}
	// Too large.
	cfg := routerConfig(t, e.db)
	cfg.MaxPackageBytes = 100
	small := mustRouter(t, cfg)
	wantError(t, do(t, small, http.MethodPost, vnfPkgs, cirros, "Content-Type", "text/plain"), 413, "PAYLOAD_TOO_LARGE")
}

// TestCatalogueProjects: a project sees its own entries; descriptor ids
// are unique per project; racing uploads of one id: one wins.
func TestCatalogueProjects(t *testing.T) {
	e := newAuthEnv(t)
	e.mkProject(t, "A")
	e.mkProject(t, "B")
	e.mkUser(t, "a", "A", "project_user")
	e.mkUser(t, "b", "B", "project_user")
	a, b := basic("a", "pw-a"), basic("b", "pw-b")
	cirros := descriptorFixture(t, "osm/cirros_vnfd.yaml")
	rec := upload(t, e, a, vnfPkgs, "c.yaml", "text/plain", cirros)
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)
	wantStatus(t, upload(t, e, b, vnfPkgs, "c.yaml", "text/plain", cirros), http.StatusCreated) // B's own cirros_vnfd
	if got := listOf(t, e, b, "/osm/vnfpkgm/v1/vnf_packages"); len(got) != 1 || got[0]["_id"] == id {
		t.Errorf("B lists %v", got)
	}
	for _, target := range []string{"/osm/vnfpkgm/v1/vnf_packages/" + id, "/osm/vnfpkgm/v1/vnf_packages/" + id + "/vnfd", "/osm/vnfpkgm/v1/vnf_packages/" + id + "/package_content"} {
		wantError(t, e.as(t, b, http.MethodGet, target, nil), 404, "NOT_FOUND")
	}
	wantError(t, e.as(t, b, http.MethodDelete, vnfPkgs+"/"+id, nil), 404, "NOT_FOUND")
	wantStatus(t, e.as(t, a, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id, nil), http.StatusOK)

	// Racing uploads of one new id in one project.
	hack := descriptorFixture(t, "sol006/hackfest_basic_vnfd.yaml")
	var wg sync.WaitGroup
	codes := make([]int, 6)
	for i := range codes {
		wg.Go(func() { codes[i] = upload(t, e, a, vnfPkgs, "h.yaml", "text/plain", hack).Code })
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("a racing upload answered %d", c)
		}
	}
	if won != 1 || len(listOf(t, e, a, "/osm/vnfpkgm/v1/vnf_packages?id=hackfest_basic-vnf")) != 1 {
		t.Errorf("%d racing uploads won (%v)", won, codes)
	}
}

// TestCatalogueSOL005: the package info first, its content after;
// modifications; artifacts; a replace.
func TestCatalogueSOL005(t *testing.T) {
	e := newAuthEnv(t)
	adm := bearer(e.admin(t))
	rec := e.as(t, adm, http.MethodPost, "/osm/vnfpkgm/v1/vnf_packages", []byte(`{"userDefinedData":{"owner":"lab"}}`))
	wantStatus(t, rec, http.StatusCreated)
	info := decodeObject(t, rec)
	id := info["_id"].(string)
	admin := info["_admin"].(map[string]any)
	if _, hasID := info["id"]; hasID || admin["onboardingState"] != "CREATED" || admin["operationalState"] != "DISABLED" || admin["userDefinedData"].(map[string]any)["owner"] != "lab" {
		t.Errorf("new package info %v", info)
	}
	wantError(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/package_content", nil), 409, "CONFLICT")
	for _, q := range []string{"_admin.onboardingState=CREATED", "_id=" + id, "_admin.userDefinedData.owner=lab"} {
		if got := listOf(t, e, adm, "/osm/vnfpkgm/v1/vnf_packages?"+q); len(got) != 1 || got[0]["_id"] != id {
			t.Errorf("%s: %v", q, got)
		}
	}
	wantError(t, e.as(t, adm, http.MethodPatch, "/osm/vnfpkgm/v1/vnf_packages/"+id, []byte(`{"operationalState":"ENABLED"}`)), 409, "CONFLICT")

	icon := descriptorFixture(t, "osm/icons/cirros-64.png")
	pkg := osmTarGz(t, "cirros_vnf", map[string][]byte{"cirros_vnfd.yaml": descriptorFixture(t, "osm/cirros_vnfd.yaml"), "icons/cirros-64.png": icon, "evil.html": []byte("<script>alert(1)</script>")})
	rec = e.as(t, adm, http.MethodPut, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/package_content", pkg, "Content-Type", "application/zip")
	wantStatus(t, rec, http.StatusNoContent)
	info = decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id, nil))
	admin = info["_admin"].(map[string]any)
	if info["id"] != "cirros_vnfd" || admin["onboardingState"] != "ONBOARDED" || admin["operationalState"] != "ENABLED" || admin["userDefinedData"].(map[string]any)["owner"] != "lab" {
		t.Errorf("after the upload %v", info)
	}
	rec = e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/artifacts/icons/cirros-64.png", nil)
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), icon) || rec.Header().Get("Content-Type") != "image/png" {
		t.Errorf("artifact: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/artifacts/evil.html", nil)
	if rec.Header().Get("Content-Type") != "application/octet-stream" || rec.Header().Get("Content-Security-Policy") != "sandbox" {
		t.Errorf("an HTML artifact is served as %q", rec.Header().Get("Content-Type"))
	}
	wantError(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/artifacts/../../etc/passwd", nil), 404, "NOT_FOUND")

	rec = e.as(t, adm, http.MethodPatch, "/osm/vnfpkgm/v1/vnf_packages/"+id, []byte(`{"operationalState":"DISABLED","userDefinedData":{"owner":null,"team":"a"}}`))
	wantStatus(t, rec, http.StatusOK)
	admin = decodeObject(t, e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id, nil))["_admin"].(map[string]any)
	if admin["operationalState"] != "DISABLED" || fmt.Sprint(admin["userDefinedData"]) != "map[team:a]" {
		t.Errorf("after PATCH: %v", admin)
	}
	for _, body := range []string{`{"operationalState":"GONE"}`, `{"colour":"red"}`, `{"userDefinedData":5}`} {
		if rec := e.as(t, adm, http.MethodPatch, "/osm/vnfpkgm/v1/vnf_packages/"+id, []byte(body)); rec.Code != 422 {
			t.Errorf("PATCH %s: %d", body, rec.Code)
		}
	}

	// Query-string overrides of the entry's fields (the descriptor stays
	// as uploaded).
	rec = upload(t, e, adm, vnfPkgs+"?name=renamed&version=9.9&FORCE=true", "o.yaml", "text/plain", descriptorFixture(t, "osm/osm_vnfd.yaml"))
	wantStatus(t, rec, http.StatusCreated)
	over := decodeObject(t, e.as(t, adm, http.MethodGet, vnfPkgs+"/"+decodeObject(t, rec)["id"].(string), nil))
	if over["name"] != "renamed" || over["version"] != "9.9" || over["id"] != "hackfest1-vnf" {
		t.Errorf("overrides: %v", over)
	}
	wantError(t, upload(t, e, adm, vnfPkgs+"?colour=red", "o.yaml", "text/plain", descriptorFixture(t, "osm/osm_vnfd.yaml")), 400, "BAD_REQUEST")

	// A replace: another descriptor, its id free; then one whose id
	// another entry holds, refused with nothing changed.
	hack := descriptorFixture(t, "sol006/hackfest_basic_vnfd.yaml")
	wantStatus(t, e.as(t, adm, http.MethodPut, vnfPkgs+"/"+id, hack, "Content-Type", "text/plain"), http.StatusNoContent)
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, vnfPkgs+"/"+id, nil)); got["id"] != "hackfest_basic-vnf" {
		t.Errorf("after the replace: %v", got["id"])
	}
	if rec := e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/vnfd", nil); !bytes.Equal(rec.Body.Bytes(), hack) {
		t.Error("the descriptor served is not the new one")
	}
	wantStatus(t, upload(t, e, adm, vnfPkgs, "c.yaml", "text/plain", descriptorFixture(t, "osm/cirros_vnfd.yaml")), http.StatusCreated) // cirros_vnfd is free again
	wantError(t, e.as(t, adm, http.MethodPut, vnfPkgs+"/"+id, descriptorFixture(t, "osm/cirros_vnfd.yaml"), "Content-Type", "text/plain"), 409, "CONFLICT")
	if got := decodeObject(t, e.as(t, adm, http.MethodGet, vnfPkgs+"/"+id, nil)); got["id"] != "hackfest_basic-vnf" {
		t.Errorf("a refused replace changed the entry: %v", got["id"])
	}
}

// TestCatalogueChunkedUpload: a package sent in parts (Content-Range,
// Transaction-Id) onboards once the last part is in, whichever router
// took each part; a part out of order, another user's, or a bad range
// is refused.
func TestCatalogueChunkedUpload(t *testing.T) {
	e := newAuthEnv(t)
	other := authEnvOn(t, e.db, e.clock) // a second replica
	adm := bearer(e.admin(t))
	e.mkUser(t, "eve", "admin", "project_admin")
	pkg := osmTarGz(t, "cirros_vnf", map[string][]byte{"cirros_vnfd.yaml": descriptorFixture(t, "osm/cirros_vnfd.yaml"), "icons/cirros-64.png": descriptorFixture(t, "osm/icons/cirros-64.png")})
	third := len(pkg) / 3
	part := func(env *authEnv, cred []string, from, to int, tx string) *httptest.ResponseRecorder {
		h := []string{"Content-Type", "application/gzip", "Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to-1, len(pkg))}
		if tx != "" {
			h = append(h, "Transaction-Id", tx)
		}
		return env.as(t, cred, http.MethodPost, vnfPkgs, pkg[from:to], h...)
	}
	rec := part(e, adm, 0, third, "")
	wantStatus(t, rec, http.StatusAccepted)
	tx := rec.Header().Get("Transaction-Id")
	if tx == "" || decodeObject(t, rec)["received"] != float64(third) {
		t.Fatalf("first part: %s %s", tx, rec.Body.String())
	}
	wantError(t, part(other, adm, 2*third, len(pkg), tx), 409, "CONFLICT")                  // out of order
	wantError(t, part(other, basic("eve", "pw-eve"), third, 2*third, tx), 404, "NOT_FOUND") // another user's upload
	wantError(t, part(other, adm, third, 2*third, ""), 400, "BAD_REQUEST")                  // no Transaction-Id
	wantStatus(t, part(other, adm, third, 2*third, tx), http.StatusAccepted)
	rec = part(e, adm, 2*third, len(pkg), tx)
	wantStatus(t, rec, http.StatusCreated)
	id := decodeObject(t, rec)["id"].(string)
	if got := e.as(t, adm, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+id+"/package_content", nil); !bytes.Equal(got.Body.Bytes(), pkg) {
		t.Error("the package put together is not the one sent")
	}
	wantError(t, part(e, adm, 2*third, len(pkg), tx), 404, "NOT_FOUND") // the upload is over

	for _, cr := range []string{"bytes 5-2/10", "bytes 0-10/10", "0-1", "bytes a-b/c"} {
		wantError(t, e.as(t, adm, http.MethodPost, vnfPkgs, []byte("xx"), "Content-Type", "application/gzip", "Content-Range", cr), 400, "BAD_REQUEST")
	}
	wantError(t, e.as(t, adm, http.MethodPost, vnfPkgs, []byte("xx"), "Content-Type", "application/gzip", "Content-Range", "bytes 0-2/10"), 400, "BAD_REQUEST") // 3 bytes said, 2 sent
	wantError(t, e.as(t, adm, http.MethodPost, vnfPkgs, []byte("xx"), "Content-Type", "application/gzip", "Content-Range", "bytes 0-1/999999999999"), 413, "PAYLOAD_TOO_LARGE")
}

// TestCatalogueSOL005EveryExample: every example descriptor onboards
// through SOL005's form too (the info, then its content).
func TestCatalogueSOL005EveryExample(t *testing.T) {
	e := newAuthEnv(t)
	adm := bearer(e.admin(t))
	onboard := func(info, content string, data []byte, ct, query string) {
		t.Helper()
		rec := e.as(t, adm, http.MethodPost, info, nil)
		wantStatus(t, rec, http.StatusCreated)
		id := decodeObject(t, rec)["_id"].(string)
		rec = e.as(t, adm, http.MethodPut, info+"/"+id+"/"+content+query, data, "Content-Type", ct)
		if rec.Code != http.StatusNoContent {
			t.Fatalf("upload to %s: %d %s", info, rec.Code, rec.Body.String())
		}
		got := decodeObject(t, e.as(t, adm, http.MethodGet, info+"/"+id, nil))
		if got["_admin"].(map[string]any)["onboardingState"] != "ONBOARDED" {
			t.Errorf("%s: %v", info, got["_admin"])
		}
	}
	const vnfInfo, nsInfo = "/osm/vnfpkgm/v1/vnf_packages", "/osm/nsd/v1/ns_descriptors"
	var nsdFiles []string
	for _, dir := range []string{"sonata", "osm", "sol006"} {
		entries, err := os.ReadDir(filepath.Join("..", "fixtures", "descriptors", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range entries {
			if f.IsDir() {
				continue
			}
			data := descriptorFixture(t, dir+"/"+f.Name())
			rec := e.as(t, adm, http.MethodPost, vnfInfo, nil)
			id := decodeObject(t, rec)["_id"].(string)
			rec = e.as(t, adm, http.MethodPut, vnfInfo+"/"+id+"/package_content", data, "Content-Type", "text/plain")
			switch {
			case rec.Code == http.StatusNoContent:
			case rec.Code == 422 && strings.Contains(rec.Body.String(), "this is an NSD"):
				nsdFiles = append(nsdFiles, dir+"/"+f.Name())
				wantStatus(t, e.as(t, adm, http.MethodDelete, vnfInfo+"/"+id, nil), http.StatusNoContent)
			default:
				t.Errorf("%s: %d %s", f.Name(), rec.Code, rec.Body.String())
			}
		}
	}
	for _, f := range nsdFiles {
		onboard(nsInfo, "nsd_content", descriptorFixture(t, f), "application/yaml", "?FORCE=true") // SONATA's examples name other vendors' VNFDs
	}
	tgo := descriptorFixture(t, "packages/eu.5gtango.ns-package-example.0.1.tgo")
	onboard(vnfInfo, "package_content", tgo, "application/zip", "")
	onboard(nsInfo, "nsd_content", tgo, "application/zip", "")
	if n := len(listOf(t, e, adm, nsInfo)); n != len(nsdFiles)+1 {
		t.Errorf("%d NS descriptors, want %d", n, len(nsdFiles)+1)
	}
}

// TestCatalogueStorageFacts: an entry's _admin.storage says where the
// descriptor lay: the package's folder, or no folder and no descriptor
// name for a bare upload without Content-Filename.
func TestCatalogueStorageFacts(t *testing.T) {
	h, _ := newRouter(t)
	storage := func(rec *httptest.ResponseRecorder) map[string]any {
		t.Helper()
		wantStatus(t, rec, http.StatusCreated)
		got := do(t, h, http.MethodGet, "/osm/vnfpkgm/v1/vnf_packages/"+decodeObject(t, rec)["id"].(string), nil)
		return decodeObject(t, got)["_admin"].(map[string]any)["storage"].(map[string]any)
	}
	pkg := osmTarGz(t, "cirros_vnf", map[string][]byte{"cirros_vnfd.yaml": descriptorFixture(t, "osm/cirros_vnfd.yaml")})
	st := storage(do(t, h, http.MethodPost, vnfPkgs, pkg, "Content-Type", "application/gzip", "Content-Filename", "cirros.tar.gz"))
	if st["pkg-dir"] != "cirros_vnf" || st["descriptor"] != "cirros_vnf/cirros_vnfd.yaml" {
		t.Errorf("a tar.gz package: %v", st)
	}
	st = storage(do(t, h, http.MethodPost, vnfPkgs, descriptorFixture(t, "osm/osm_vnfd.yaml"), "Content-Type", "text/plain"))
	if _, ok := st["pkg-dir"]; ok || st["descriptor"] == "." {
		t.Errorf("a bare descriptor without a file name: %v", st)
	}
}
