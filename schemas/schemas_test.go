package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func TestValidate(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const id = `"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"`
	tests := []struct {
		name     string
		kind     models.Kind
		doc      string
		pointers []string
	}{
		{"minimal nsr", models.KindNSR, `{"descriptor_version":"1",` + id + `,"status":"offline"}`, nil},
		{"nsr updating status", models.KindNSR, `{"descriptor_version":"1",` + id + `,"status":"updating"}`, nil},
		{"vnfr refuses updating", models.KindVNFR, `{"descriptor_version":"1",` + id + `,"status":"updating"}`, []string{"/status"}},
		{"missing required", models.KindVNFR, `{` + id + `}`, []string{"/descriptor_version", "/status"}},
		{"unknown property", models.KindNSR, `{"descriptor_version":"1",` + id + `,"status":"offline","vendor":"x"}`, []string{"/vendor"}},
		{"nested violation", models.KindVNFR, `{"descriptor_version":"1",` + id + `,"status":"offline","virtual_deployment_units":[{"id":"a","resource_requirements":{"cpu":{"vcpus":"many"},"memory":{"size":1}}}]}`,
			[]string{"/virtual_deployment_units/0/resource_requirements/cpu/vcpus"}},
		{"wrong root type", models.KindNSR, `[1,2]`, []string{""}},
		{"version pattern", models.KindNSR, `{"descriptor_version":"1",` + id + `,"status":"offline","version":"v1"}`, []string{"/version"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Validate(tt.kind, decode(t, tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.pointers) {
				t.Fatalf("violations = %+v, want pointers %q", got, tt.pointers)
			}
			for i, p := range tt.pointers {
				if got[i].Pointer != p || got[i].Message == "" {
					t.Errorf("violation %d = %+v, want pointer %q with a message", i, got[i], p)
				}
			}
		})
	}
}

// TestReferenceFixtures: every example record in fixtures/ (copies of the
// reference fixtures and records from the seed documents) is valid for its
// kind, and every one in fixtures/invalid is refused, by the schema or as
// JSON that does not parse (a comment in a record).
func TestReferenceFixtures(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	kindOf := func(name string) models.Kind {
		if strings.HasPrefix(filepath.Base(name), "nsr") || strings.Contains(name, "/nsr/") {
			return models.KindNSR
		}
		return models.KindVNFR
	}
	seen := map[bool]int{}
	for _, dir := range []string{"nsr", "vnfr", "invalid"} {
		files, err := filepath.Glob(filepath.Join("..", "fixtures", dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			valid := dir != "invalid"
			seen[valid]++
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			var doc any
			if err := d.Decode(&doc); err != nil {
				if valid {
					t.Errorf("%s: %v", file, err)
				}
				continue
			}
			got, err := v.Validate(kindOf(file), doc)
			if err != nil {
				t.Fatal(err)
			}
			if (len(got) == 0) != valid {
				t.Errorf("%s: violations %+v, want valid=%v", file, got, valid)
			}
		}
	}
	if seen[true] < 7 || seen[false] < 2 {
		t.Fatalf("fixtures found: %d valid, %d invalid; want the 7 and 2 of fixtures/README.md", seen[true], seen[false])
	}
}

func TestPointerEscaping(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Validate(models.KindNSR, decode(t, `{"descriptor_version":"1","id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","status":"offline","a/b~c":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Pointer != "/a~1b~0c" {
		t.Fatalf("got %+v, want pointer /a~1b~0c", got)
	}
}

func TestComplexAttributes(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind      models.Kind
		includes  []string
		excludes  []string
		wantCount int
	}{
		{models.KindVNFR, []string{"virtual_deployment_units", "cloudnative_deployment_units", "connection_points", "virtual_links", "vnf_address", "lifecycle_events"}, []string{"status", "name", "descriptor_reference"}, 6},
		{models.KindNSR, []string{"network_functions", "virtual_links", "forwarding_graphs", "params", "lifecycle_events", "auto_scale_policy"}, []string{"status", "descriptor_reference", "sla_id"}, 11},
	}
	for _, tt := range tests {
		got := v.ComplexAttributes(tt.kind)
		if len(got) != tt.wantCount {
			t.Errorf("%s: %d complex attributes %v, want %d", tt.kind, len(got), got, tt.wantCount)
		}
		for _, a := range tt.includes {
			if !slices.Contains(got, a) {
				t.Errorf("%s: %v lacks %s", tt.kind, got, a)
			}
		}
		for _, a := range tt.excludes {
			if slices.Contains(got, a) {
				t.Errorf("%s: %v has scalar %s", tt.kind, got, a)
			}
		}
		got[0] = "mutated"
		if v.ComplexAttributes(tt.kind)[0] == "mutated" {
			t.Errorf("%s: ComplexAttributes returns shared state", tt.kind)
		}
	}
}

// The stores answer filters on status and descriptor_reference from
// string indexes (repo.RecordSpec's Indexed, filter.IndexConds): that is
// exact only because no record can hold anything but a string there.
func TestIndexedAttributesAreStrings(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const id = `"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_version":"v"`
	for _, kind := range models.Kinds() {
		for _, body := range []string{
			`{` + id + `,"status":5}`,
			`{` + id + `,"status":["offline"]}`,
			`{` + id + `,"status":null}`,
			`{` + id + `}`,
			`{` + id + `,"status":"offline","descriptor_reference":5}`,
			`{` + id + `,"status":"offline","descriptor_reference":["a"]}`,
			`{` + id + `,"status":"offline","descriptor_reference":null}`,
		} {
			got, err := v.Validate(kind, decode(t, body))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Errorf("%s: %s is valid; the string indexes would miss it", kind, body)
			}
		}
	}
}
