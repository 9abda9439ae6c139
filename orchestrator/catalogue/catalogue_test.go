package catalogue

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/schemas"
)

// validator is the service's schema validator.
func validator(t testing.TB) Validator {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// reference is a file of the repository's fixtures/descriptors/.
func reference(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "descriptors", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseReferenceDescriptors(t *testing.T) {
	for _, tc := range []struct {
		file    string
		kind    Kind
		format  Format
		id      string
		vdus    int
		members int
	}{
		{"osm/osm_vnfd.yaml", VNFD, OSMIM, "hackfest1-vnf", 1, 0},
		{"osm/osm_nsd.yaml", NSD, OSMIM, "", 0, -1},
		{"osm/cirros_vnfd.yaml", VNFD, OSMIM, "cirros_vnfd", 1, 0},
		{"osm/cirros_nsd.yaml", NSD, OSMIM, "cirros_nsd", 0, -1},
		{"sol006/hackfest_basic_vnfd.yaml", VNFD, SOL006, "hackfest_basic-vnf", 1, 0},
		{"sol006/hackfest_basic_nsd.yaml", NSD, SOL006, "hackfest_basic-ns", 0, 1},
		{"sonata/default-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/default-nsd.yml", NSD, SONATA, "", 0, -1},
		{"sonata/firewall-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/iperf-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/tcpdump-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/vtc-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/cnf-vnfd.yml", VNFD, SONATA, "", -1, 0},
		{"sonata/sonata-demo.yml", NSD, SONATA, "", 0, -1},
		{"sonata/simplest-example.yml", NSD, SONATA, "", 0, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			d, err := Parse(reference(t, tc.file), tc.kind, validator(t))
			if err != nil {
				t.Fatalf("%v %+v", err, err)
			}
			if d.Kind != tc.kind || d.Format != tc.format || d.ID == "" || d.Name == "" {
				t.Errorf("%+v", d)
			}
			if tc.id != "" && d.ID != tc.id {
				t.Errorf("id %q, want %q", d.ID, tc.id)
			}
			if tc.vdus >= 0 && len(d.VDUs) != tc.vdus || tc.vdus < 0 && len(d.VDUs) == 0 {
				t.Errorf("VDUs %+v", d.VDUs)
			}
			if tc.members > 0 && len(d.Constituents) != tc.members || tc.members < 0 && len(d.Constituents) == 0 {
				t.Errorf("constituents %+v", d.Constituents)
			}
			for _, u := range d.VDUs {
				if u.ID == "" || u.Count < 1 {
					t.Errorf("VDU %+v", u)
				}
			}
			// The other kind is refused, naming the right route.
			other := NSD
			if tc.kind == NSD {
				other = VNFD
			}
			if _, err := Parse(reference(t, tc.file), other, validator(t)); models.ErrorCodeOf(err) != models.CodeUnprocessable || !strings.Contains(err.Error(), routeOf(tc.kind)) {
				t.Errorf("as a %s: %v", other, err)
			}
		})
	}
}

func TestParseRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		kind      Kind
		code      models.ErrorCode
		pointers  []string
	}{
		{"not YAML", "a: [", VNFD, models.CodeInvalid, nil},
		{"a list", "- a", VNFD, models.CodeUnprocessable, nil},
		{"unknown format", "x: 1", VNFD, models.CodeUnprocessable, nil},
		{"OSM VNFD without VDU", "vnfd:vnfd-catalog:\n  vnfd:\n  - id: v\n    name: v\n", VNFD, models.CodeUnprocessable, []string{"/vnfd:vnfd-catalog/vnfd/0/vdu"}},
		{"OSM VNFD, VDU without image", "vnfd-catalog:\n  vnfd:\n  - id: v\n    name: v\n    vdu:\n    - id: a\n", VNFD, models.CodeUnprocessable, []string{"/vnfd-catalog/vnfd/0/vdu/0/image"}},
		{"OSM VNFD, two VDUs one id", "vnfd-catalog:\n  vnfd:\n  - id: v\n    name: v\n    vdu:\n    - {id: a, image: i}\n    - {id: a, image: i}\n", VNFD, models.CodeUnprocessable, []string{"/vnfd-catalog/vnfd/0/vdu"}},
		{"OSM VNFD, a count that is no number", "vnfd-catalog:\n  vnfd:\n  - id: v\n    name: v\n    vdu:\n    - {id: a, image: i, count: many}\n", VNFD, models.CodeUnprocessable, []string{"/vnfd-catalog/vnfd/0/vdu/0/count"}},
		{"OSM VNFD, a scaling group naming no VDU", "vnfd-catalog:\n  vnfd:\n  - id: v\n    name: v\n    vdu:\n    - {id: a, image: i}\n    scaling-group-descriptor:\n    - name: g\n      vdu:\n      - vdu-id-ref: b\n", VNFD, models.CodeUnprocessable, []string{"/vnfd-catalog/vnfd/0/scaling-group-descriptor/0/vdu/0/vdu-id-ref"}},
		{"two VNFDs in one catalog", "vnfd-catalog:\n  vnfd:\n  - {id: v, name: v, vdu: [{id: a, image: i}]}\n  - {id: w, name: w, vdu: [{id: a, image: i}]}\n", VNFD, models.CodeUnprocessable, []string{"/vnfd-catalog/vnfd"}},
		{"OSM NSD without member index", "nsd-catalog:\n  nsd:\n  - id: n\n    name: n\n    constituent-vnfd:\n    - vnfd-id-ref: v\n", NSD, models.CodeUnprocessable, []string{"/nsd-catalog/nsd/0/constituent-vnfd/0/member-vnf-index"}},
		{"SOL006 VNFD without df", "vnfd:\n  id: v\n  vdu:\n  - id: a\n", VNFD, models.CodeUnprocessable, []string{"/vnfd/df"}},
		{"SOL006 VNFD, an image not described", "vnfd:\n  id: v\n  df: [{id: d}]\n  vdu:\n  - id: a\n    sw-image-desc: img\n", VNFD, models.CodeUnprocessable, []string{"/vnfd/vdu/0/sw-image-desc"}},
		{"SOL006 NSD without vnfd-id", "nsd:\n  nsd:\n  - id: n\n", NSD, models.CodeUnprocessable, []string{"/nsd/nsd/0/vnfd-id"}},
		{"SOL006 NSD, a profile of another VNFD", "nsd:\n  nsd:\n  - id: n\n    vnfd-id: [v]\n    df:\n    - vnf-profile:\n      - {id: '1', vnfd-id: w}\n", NSD, models.CodeUnprocessable, []string{"/nsd/nsd/0/df/0/vnf-profile/0/vnfd-id"}},
		{"SONATA VNFD without name", "vendor: x\nversion: '1'\nvirtual_deployment_units:\n- id: a\n", VNFD, models.CodeUnprocessable, []string{"/name"}},
		{"SONATA VNFD against its schema", "descriptor_schema: https://raw.githubusercontent.com/sonata-nfv/tng-schema/master/function-descriptor/vnfd-schema.yml\nvendor: x\nname: n\nversion: '1'\nvirtual_deployment_units:\n- id: a\n  resource_requirements: 5\n", VNFD, models.CodeUnprocessable, []string{"/virtual_deployment_units/0/resource_requirements"}},
		{"an id too long to be a key", "vnfd-catalog:\n  vnfd:\n  - {id: '" + strings.Repeat("x", 300) + "', name: v, vdu: [{id: a, image: i}]}\n", VNFD, models.CodeUnprocessable, []string{""}},
		{"SONATA NSD, a function without vendor", "vendor: x\nname: n\nversion: '1'\nnetwork_functions:\n- {vnf_id: a, vnf_name: f, vnf_version: '1'}\n", NSD, models.CodeUnprocessable, []string{"/network_functions/0/vnf_vendor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), tc.kind, validator(t))
			if models.ErrorCodeOf(err) != tc.code {
				t.Fatalf("%v, want %s", err, tc.code)
			}
			var me *models.Error
			_ = errors.As(err, &me)
			for _, p := range tc.pointers {
				found := false
				for _, v := range me.Violations {
					found = found || v.Pointer == p
				}
				if !found {
					t.Errorf("no violation at %s: %+v", p, me.Violations)
				}
			}
		})
	}
}

// tarGz builds a .tar.gz of entries (a name ending in "/" is a folder;
// typeflag in the map's value for links).
func tarGz(t testing.TB, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg, Linkname: e.link}
		if e.flag != 0 {
			h.Typeflag, h.Size = e.flag, 0
		}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(e.data)
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

type tarEntry struct {
	name string
	data []byte
	flag byte
	link string
}

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func TestReadPackages(t *testing.T) {
	vnfd := reference(t, "osm/cirros_vnfd.yaml")
	icon := reference(t, "osm/icons/cirros-64.png")
	osmPkg := tarGz(t, []tarEntry{{name: "cirros_vnf/"}, {name: "cirros_vnf/cirros_vnfd.yaml", data: vnfd},
		{name: "cirros_vnf/icons/"}, {name: "cirros_vnf/icons/cirros-64.png", data: icon}, {name: "cirros_vnf/checksums.txt", data: []byte("x")}})
	pkg, err := Read(osmPkg, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := DescriptorOf(pkg, VNFD)
	if err != nil || f.Path != "cirros_vnf/cirros_vnfd.yaml" || !bytes.Equal(f.Data, vnfd) {
		t.Fatalf("descriptor of the OSM package: %q %v", f.Path, err)
	}
	if icon, ok := pkg.File("cirros_vnf/icons/cirros-64.png"); !ok || len(icon.Data) == 0 {
		t.Error("the icon is not read")
	}

	tgo, err := Read(reference(t, "packages/eu.5gtango.ns-package-example.0.1.tgo"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[Kind]string{NSD: "Definitions/Definitions/mynsd.yaml", VNFD: "Definitions/Definitions/myvnfd.yaml"} {
		f, err := DescriptorOf(tgo, kind)
		if err != nil || f.Path != want {
			t.Errorf("%s of the 5GTANGO package: %q %v", kind, f.Path, err)
			continue
		}
		if _, err := Parse(f.Data, kind, validator(t)); err != nil {
			t.Errorf("parse %s: %v", want, err)
		}
	}

	// git archive's tarballs open with pax metadata of the whole archive.
	var gitBuf bytes.Buffer
	zw := gzip.NewWriter(&gitBuf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "abc123"}}); err != nil {
		t.Fatal(err)
	}
	tw.WriteHeader(&tar.Header{Name: "cirros_vnf/cirros_vnfd.yaml", Mode: 0o644, Size: int64(len(vnfd)), Typeflag: tar.TypeReg})
	tw.Write(vnfd)
	tw.Close()
	zw.Close()
	if git, err := Read(gitBuf.Bytes(), Limits{}); err != nil || len(git.Files) != 1 {
		t.Errorf("a git archive tarball: %v", err)
	}
	if _, err := DescriptorOf(Package{Archive: Bare}, VNFD); models.ErrorCodeOf(err) != models.CodeUnprocessable {
		t.Errorf("a bare package of no file: %v", err)
	}

	bare, _ := Read(vnfd, Limits{})
	if bare.Archive != Bare || len(bare.Files) != 1 {
		t.Errorf("bare descriptor read as %+v", bare.Archive)
	}

	bomb := tarGz(t, []tarEntry{{name: "b/x.yaml", data: bytes.Repeat([]byte("a"), 1<<20)}})
	for _, tc := range []struct {
		name string
		raw  []byte
		lim  Limits
		code models.ErrorCode
		says string
	}{
		{"a path out of the archive", tarGz(t, []tarEntry{{name: "../evil.yaml", data: vnfd}}), Limits{}, models.CodeUnprocessable, "out of the archive"},
		{"an absolute path", tarGz(t, []tarEntry{{name: "/etc/passwd", data: vnfd}}), Limits{}, models.CodeUnprocessable, "absolute"},
		{"a symlink", tarGz(t, []tarEntry{{name: "p/l", flag: tar.TypeSymlink, link: "/etc/passwd"}}), Limits{}, models.CodeUnprocessable, "link"},
		{"a hard link", tarGz(t, []tarEntry{{name: "p/l", flag: tar.TypeLink, link: "p/x"}}), Limits{}, models.CodeUnprocessable, "link"},
		{"a device", tarGz(t, []tarEntry{{name: "p/d", flag: tar.TypeChar}}), Limits{}, models.CodeUnprocessable, "not a regular file"},
		{"a file twice", tarGz(t, []tarEntry{{name: "p/a.yaml", data: vnfd}, {name: "p/./a.yaml", data: vnfd}}), Limits{}, models.CodeUnprocessable, "twice"},
		{"a bomb", bomb, Limits{MaxUnpacked: 1 << 16}, models.CodeTooLarge, "unpacks to more than"},
		{"too many files", tarGz(t, []tarEntry{{name: "a", data: []byte("1")}, {name: "b", data: []byte("1")}, {name: "c", data: []byte("1")}}), Limits{MaxFiles: 2}, models.CodeTooLarge, "more than 2 files"},
		{"a corrupt gzip", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{7}, 50)...), Limits{}, models.CodeUnprocessable, "gzip"},
		{"a truncated tar.gz", osmPkg[:len(osmPkg)/2], Limits{}, models.CodeUnprocessable, ""},
		{"a corrupt zip", []byte("PK\x03\x04 not really"), Limits{}, models.CodeUnprocessable, "zip"},
		{"a zip path out", zipOf(t, map[string][]byte{"../x.yaml": vnfd}), Limits{}, models.CodeUnprocessable, "out of the archive"},
		{"an empty body", nil, Limits{}, models.CodeInvalid, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.raw, tc.lim)
			if models.ErrorCodeOf(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%v, want %s saying %q", err, tc.code, tc.says)
			}
		})
	}

	for _, tc := range []struct {
		name string
		pkg  []byte
		says string
	}{
		{"no descriptor", tarGz(t, []tarEntry{{name: "p/icons/a.png", data: icon}}), "holds no VNFD"},
		{"two descriptors", tarGz(t, []tarEntry{{name: "p/a.yaml", data: vnfd}, {name: "p/b.yaml", data: vnfd}}), "2 descriptors"},
		{"a zip without NAPD", zipOf(t, map[string][]byte{"a.yaml": vnfd}), "NAPD.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkg, err := Read(tc.pkg, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DescriptorOf(pkg, VNFD); models.ErrorCodeOf(err) != models.CodeUnprocessable || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%v, want a 422 saying %q", err, tc.says)
			}
		})
	}
}

// TestParseResourceNumbers: a resource number that is no amount (NaN, an
// infinity, beyond any machine, or overflowing when scaled) is taken for
// none; a count past the bound is refused; the model always encodes.
func TestParseResourceNumbers(t *testing.T) {
	osm := func(flavor, count string) string {
		return `{"vnfd-catalog": {"vnfd": [{"id": "v", "name": "v", "vdu": [{"id": "u", "image": "i", "count": ` + count + `, "vm-flavor": ` + flavor + `}]}]}}`
	}
	for _, tc := range []struct {
		name, doc string
		vcpus     int
		memory    float64
		refused   string
	}{
		{"NaN memory", osm(`{"vcpu-count": 2, "memory-mb": "NaN"}`, "1"), 2, 0, ""},
		{"infinite vCPUs", osm(`{"vcpu-count": "Inf", "memory-mb": 512}`, "1"), 0, 512, ""},
		{"1e308 memory", osm(`{"memory-mb": 1e308}`, "1"), 0, 0, ""},
		{"SOL006 memory that overflows in MB", `{"vnfd": {"id": "v", "df": [{"id": "d"}], "vdu": [{"id": "u", "virtual-compute-desc": "c"}], "virtual-compute-desc": [{"id": "c", "virtual-memory": {"size": 1e308}}]}}`, 0, 0, ""},
		{"a count past the bound", osm(`{}`, "9223372036854775807"), 0, 0, "from 0 to 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse([]byte(tc.doc), VNFD, nil)
			if tc.refused != "" {
				var me *models.Error
				if !errors.As(err, &me) || !strings.Contains(fmt.Sprint(me.Violations), tc.refused) {
					t.Fatalf("got %v, want a refusal saying %q", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("the model cannot be stored: %v", err)
			}
			if d.VDUs[0].VCPUs != tc.vcpus || d.VDUs[0].MemoryMB != tc.memory {
				t.Fatalf("VDU %+v, want %d vCPUs and %v MB", d.VDUs[0], tc.vcpus, tc.memory)
			}
		})
	}
}
