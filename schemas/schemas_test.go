package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
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

func TestReferenceFixtures(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file  string
		kind  models.Kind
		valid bool
	}{
		{"../../shared/reference/fixtures/nsr-example.json", models.KindNSR, true},
		{"../../shared/reference/fixtures/vnfr-example.json", models.KindVNFR, true},
		{"../../shared/reference/fixtures/nsr-example-with-errors.json", models.KindNSR, false},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(tt.file)
		if err != nil {
			t.Skipf("reference fixtures not beside the repo: %v", err)
		}
		got, err := v.Validate(tt.kind, decode(t, string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if (len(got) == 0) != tt.valid {
			t.Errorf("%s: violations %+v, want valid=%v", tt.file, got, tt.valid)
		}
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

// The embedded store answers filters on status and descriptor_reference
// from string indexes (repo/sqlite.go, filter.IndexConds): that is exact
// only because no record can hold anything but a string there.
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
