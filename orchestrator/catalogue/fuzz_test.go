package catalogue

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

// FuzzRead: any upload is a package within the limits or a 4xx, and
// whatever descriptor it yields parses or is refused with a 4xx; never a
// panic, never a path out of the package.
func FuzzRead(f *testing.F) {
	vnfd := reference(f, "osm/cirros_vnfd.yaml")
	f.Add(vnfd)
	f.Add(reference(f, "packages/eu.5gtango.ns-package-example.0.1.tgo"))
	f.Add(reference(f, "sol006/hackfest_basic_nsd.yaml"))
	f.Add(tarGz(f, []tarEntry{{name: "p/"}, {name: "p/d.yaml", data: vnfd}, {name: "p/icons/i.png", data: []byte{0x89, 'P', 'N', 'G'}}}))
	f.Add(tarGz(f, []tarEntry{{name: "../x", data: []byte("a")}, {name: "p/l", flag: tar.TypeSymlink, link: "/"}}))
	f.Add(zipOf(f, map[string][]byte{"TOSCA-Metadata/NAPD.yaml": []byte("package_content:\n- {content-type: application/vnd.5gtango.vnfd, source: d.yaml}\n"), "d.yaml": vnfd}))
	lim := Limits{MaxFiles: 50, MaxUnpacked: 1 << 20}
	f.Fuzz(func(t *testing.T, raw []byte) {
		pkg, err := Read(raw, lim)
		if err != nil {
			if c := models.ErrorCodeOf(err); c != models.CodeUnprocessable && c != models.CodeTooLarge && c != models.CodeInvalid {
				t.Fatalf("Read: %v", err)
			}
			return
		}
		var total int
		for _, file := range pkg.Files {
			total += len(file.Data)
			if pkg.Archive != Bare && (file.Path == "" || strings.HasPrefix(file.Path, "/") || strings.Contains("/"+file.Path+"/", "/../")) {
				t.Fatalf("a file at %q", file.Path)
			}
		}
		if len(pkg.Files) > lim.MaxFiles || (pkg.Archive != Bare && int64(total) > lim.MaxUnpacked) {
			t.Fatalf("%d files, %d bytes: past the limits", len(pkg.Files), total)
		}
		for _, kind := range []Kind{VNFD, NSD} {
			file, err := DescriptorOf(pkg, kind)
			if err != nil {
				if models.ErrorCodeOf(err) != models.CodeUnprocessable {
					t.Fatalf("DescriptorOf: %v", err)
				}
				continue
			}
			d, err := Parse(file.Data, kind, nil)
			var me *models.Error
			if err != nil && (!errors.As(err, &me) || me.Code == models.CodeInternal) {
				t.Fatalf("Parse: %v", err)
			}
			if err == nil && (d.Kind != kind || d.ID == "") {
				t.Fatalf("parsed %+v", d)
			}
			if err == nil { // the model is stored as JSON beside the entry
				if _, err := json.Marshal(d); err != nil {
					t.Fatalf("the model of a descriptor accepted cannot be stored: %v", err)
				}
			}
		}
	})
}
