package selector_test

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/selector"
)

type (
	M = map[string]any
	A = []any
)

var deployedAt = time.Date(2018, 2, 26, 17, 58, 51, 758e6, time.UTC)

// vnfr is a rendered VNFR shaped like fixtures/vnfr/*.json, plus the odd
// shapes a selector must survive: a non-object and a nested array among the
// VDUs, an array of strings, a null and a time.
func vnfr() M {
	return M{
		"uuid":                 "aa6761ad-e03e-4618-a40b-78b6b77feb8d",
		"id":                   "aa6761ad-e03e-4618-a40b-78b6b77feb8d",
		"created_at":           "2018-02-26T17:58:51.758+00:00",
		"updated_at":           "2018-03-01T00:00:00.000+00:00",
		"descriptor_version":   "vnfr-schema-01",
		"descriptor_reference": "d-1",
		"status":               "normal operation",
		"version":              int64(2),
		"deployed_at":          deployedAt,
		"monitoring":           nil,
		"sonata:ext-a":         "x",
		"tags":                 A{"a", "b"},
		"vnf_address":          M{"mgmt": "10.0.0.9"},
		"virtual_deployment_units": A{
			M{
				"id":                  "vdu01",
				"vdu_reference":       "vnf:vdu01",
				"number_of_instances": int32(1),
				"resource_requirements": M{
					"cpu":    M{"vcpus": int64(2)},
					"memory": M{"size": float64(4), "size_unit": "GB"},
				},
				"vnfc_instance": A{M{
					"id": "0", "vim_id": "vim-1",
					"connection_points": A{M{"id": "eth0", "interface": M{"address": "10.0.0.1"}}},
				}},
			},
			M{"id": "vdu02", "resource_requirements": M{"cpu": M{"vcpus": int64(4)}}},
			"not-an-object",
			A{M{"id": "nested", "x": int64(1)}, "s"},
		},
		"virtual_links": A{
			M{"id": "mgmt", "connectivity_type": "E-LAN", "connection_points_reference": A{"vdu01:eth0", "mgmt"}},
		},
	}
}

// only returns the named top-level attributes of vnfr(), plus extra.
func only(names []string, extra M) M {
	rec := vnfr()
	out := M{}
	for _, n := range names {
		out[n] = rec[n]
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// without returns vnfr() without the named attributes, with extra set.
func without(names []string, extra M) M {
	out := vnfr()
	for _, n := range names {
		delete(out, n)
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

var ident = []string{"uuid", "id", "created_at", "updated_at"}

func ids(extra M) M { return only(ident, extra) }

func mustQuery(t testing.TB, q string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", q, err)
	}
	return v
}

var defaults = []string{"virtual_deployment_units", "virtual_links"}

func TestApply(t *testing.T) {
	deep16 := strings.TrimSuffix(strings.Repeat("a.", 16), ".")
	path512 := strings.Repeat("a", 512)
	var hundred []string
	for i := range 100 {
		hundred = append(hundred, fmt.Sprintf("p%d", i))
	}
	tests := []struct {
		name    string
		query   string
		def     []string
		wantAll bool
		want    M
	}{
		// everything
		{name: "no selector", query: "", wantAll: true, want: vnfr()},
		{name: "other keys only", query: "status=x&page_size=5&output=yaml", wantAll: true, want: vnfr()},
		{name: "all_fields", query: "all_fields", wantAll: true, want: vnfr()},
		{name: "all_fields empty value", query: "all_fields=", wantAll: true, want: vnfr()},
		{name: "all_fields repeated", query: "all_fields&all_fields=", wantAll: true, want: vnfr()},

		// fields
		{name: "fields one attribute", query: "fields=status", want: ids(M{"status": "normal operation"})},
		{name: "fields identity only", query: "fields=id", want: ids(nil)},
		{name: "fields charset", query: "fields=sonata:ext-a", want: ids(M{"sonata:ext-a": "x"})},
		{name: "fields leaf types", query: "fields=deployed_at,monitoring,version,tags",
			want: ids(M{"deployed_at": deployedAt, "monitoring": nil, "version": int64(2), "tags": A{"a", "b"}})},
		{name: "fields through array of objects", query: "fields=status,virtual_deployment_units.id", want: ids(M{
			"status": "normal operation",
			// the string element is dropped; the nested array is projected too
			"virtual_deployment_units": A{M{"id": "vdu01"}, M{"id": "vdu02"}, A{M{"id": "nested"}}},
		})},
		{name: "fields deep through array", query: "fields=virtual_deployment_units.resource_requirements.cpu.vcpus", want: ids(M{
			"virtual_deployment_units": A{
				M{"resource_requirements": M{"cpu": M{"vcpus": int64(2)}}},
				M{"resource_requirements": M{"cpu": M{"vcpus": int64(4)}}},
				A{M{}},
			},
		})},
		{name: "fields through two arrays", query: "fields=virtual_deployment_units.vnfc_instance.connection_points.interface.address", want: ids(M{
			"virtual_deployment_units": A{
				M{"vnfc_instance": A{M{"connection_points": A{M{"interface": M{"address": "10.0.0.1"}}}}}},
				M{},
				A{M{}},
			},
		})},
		{name: "fields missing in some elements keeps them empty", query: "fields=virtual_deployment_units.vdu_reference", want: ids(M{
			"virtual_deployment_units": A{M{"vdu_reference": "vnf:vdu01"}, M{}, A{M{}}},
		})},
		{name: "fields below array of strings", query: "fields=tags.x", want: ids(M{"tags": A{}})},
		{name: "fields object without the leaf", query: "fields=vnf_address.nope", want: ids(M{"vnf_address": M{}})},
		{name: "fields missing attribute", query: "fields=nope", want: ids(nil)},
		{name: "fields missing parent", query: "fields=nope.deeper.still", want: ids(nil)},
		{name: "fields below a string", query: "fields=status.x", want: ids(nil)},
		{name: "fields below null", query: "fields=monitoring.x", want: ids(nil)},
		{name: "fields below a time", query: "fields=deployed_at.x", want: ids(nil)},
		{name: "fields prefix first", query: "fields=virtual_deployment_units,virtual_deployment_units.id",
			want: only(append(ident, "virtual_deployment_units"), nil)},
		{name: "fields prefix last", query: "fields=virtual_deployment_units.id,virtual_deployment_units",
			want: only(append(ident, "virtual_deployment_units"), nil)},
		{name: "fields prefix nested", query: "fields=virtual_deployment_units.resource_requirements.cpu.vcpus,virtual_deployment_units.resource_requirements", want: ids(M{
			"virtual_deployment_units": A{
				M{"resource_requirements": M{"cpu": M{"vcpus": int64(2)}, "memory": M{"size": float64(4), "size_unit": "GB"}}},
				M{"resource_requirements": M{"cpu": M{"vcpus": int64(4)}}},
				A{M{}},
			},
		})},
		{name: "fields repeated key", query: "fields=status&fields=virtual_links.id",
			want: ids(M{"status": "normal operation", "virtual_links": A{M{"id": "mgmt"}}})},
		{name: "fields duplicate path", query: "fields=status,status&fields=status", want: ids(M{"status": "normal operation"})},
		{name: "fields sub-path of identity", query: "fields=uuid.x", want: ids(nil)},
		{name: "fields 16 segments", query: "fields=" + deep16, want: ids(nil)},
		{name: "fields 512 bytes", query: "fields=" + path512, want: ids(nil)},
		{name: "fields 100 paths", query: "fields=" + strings.Join(hundred, ","), want: ids(nil)},
		{name: "fields 100 paths over repeated keys", query: "fields=" + strings.Join(hundred[:50], ",") + "&fields=" + strings.Join(hundred[50:], ","), want: ids(nil)},

		// exclude_fields
		{name: "exclude one attribute", query: "exclude_fields=virtual_deployment_units",
			want: without([]string{"virtual_deployment_units"}, nil)},
		{name: "exclude several", query: "exclude_fields=virtual_deployment_units,tags&exclude_fields=status",
			want: without([]string{"virtual_deployment_units", "tags", "status"}, nil)},
		{name: "exclude timestamps allowed", query: "exclude_fields=created_at,updated_at",
			want: without([]string{"created_at", "updated_at"}, nil)},
		{name: "exclude through array", query: "exclude_fields=virtual_deployment_units.id,virtual_deployment_units.vnfc_instance", want: without(nil, M{
			"virtual_deployment_units": A{
				M{
					"vdu_reference":       "vnf:vdu01",
					"number_of_instances": int32(1),
					"resource_requirements": M{
						"cpu":    M{"vcpus": int64(2)},
						"memory": M{"size": float64(4), "size_unit": "GB"},
					},
				},
				M{"resource_requirements": M{"cpu": M{"vcpus": int64(4)}}},
				"not-an-object",
				A{M{"x": int64(1)}, "s"},
			},
		})},
		{name: "exclude deep through two arrays", query: "exclude_fields=virtual_deployment_units.vnfc_instance.connection_points.interface", want: without(nil, M{
			"virtual_deployment_units": A{
				M{
					"id":                  "vdu01",
					"vdu_reference":       "vnf:vdu01",
					"number_of_instances": int32(1),
					"resource_requirements": M{
						"cpu":    M{"vcpus": int64(2)},
						"memory": M{"size": float64(4), "size_unit": "GB"},
					},
					"vnfc_instance": A{M{"id": "0", "vim_id": "vim-1", "connection_points": A{M{"id": "eth0"}}}},
				},
				M{"id": "vdu02", "resource_requirements": M{"cpu": M{"vcpus": int64(4)}}},
				"not-an-object",
				A{M{"id": "nested", "x": int64(1)}, "s"},
			},
		})},
		{name: "exclude missing path", query: "exclude_fields=nope,nope.x,status.x,tags.x,monitoring.x", want: vnfr()},
		{name: "exclude prefix overlap", query: "exclude_fields=vnf_address.mgmt,vnf_address",
			want: without([]string{"vnf_address"}, nil)},
		{name: "exclude leaves empty object", query: "exclude_fields=vnf_address.mgmt",
			want: without(nil, M{"vnf_address": M{}})},

		// exclude_default
		{name: "exclude_default", query: "exclude_default", def: defaults,
			want: without(defaults, nil)},
		{name: "exclude_default empty value", query: "exclude_default=", def: defaults,
			want: without(defaults, nil)},
		{name: "exclude_default nothing to exclude", query: "exclude_default", wantAll: true, want: vnfr()},
		{name: "exclude_default nothing to exclude still reads fields", query: "exclude_default&fields=status", wantAll: true, want: vnfr()},
		{name: "exclude_default missing attribute", query: "exclude_default", def: []string{"nope", ""},
			want: vnfr()},
		{name: "exclude_default never drops identity", query: "exclude_default", def: []string{"uuid", "id", "created_at", "updated_at", "tags"},
			want: without([]string{"tags"}, nil)},
		{name: "exclude_default names are not paths", query: "exclude_default", def: []string{"vnf_address.mgmt"},
			want: vnfr()},
		{name: "exclude_default fields puts back whole", query: "exclude_default&fields=virtual_links", def: defaults,
			want: without([]string{"virtual_deployment_units"}, nil)},
		{name: "exclude_default fields puts back sub-path", query: "exclude_default&fields=virtual_deployment_units.id", def: defaults,
			want: without([]string{"virtual_links"}, M{
				"virtual_deployment_units": A{M{"id": "vdu01"}, M{"id": "vdu02"}, A{M{"id": "nested"}}},
			})},
		{name: "exclude_default fields put back whole wins over sub-path", query: "exclude_default&fields=virtual_links.id&fields=virtual_links", def: defaults,
			want: without([]string{"virtual_deployment_units"}, nil)},
		{name: "exclude_default fields sub-path below a leaf", query: "exclude_default&fields=tags.x", def: []string{"tags"},
			want: without(nil, M{"tags": A{}})},
		{name: "exclude_default fields sub-path below a string", query: "exclude_default&fields=status.x", def: []string{"status"},
			want: without([]string{"status"}, nil)},
		{name: "exclude_default fields not excluded anyway", query: "exclude_default&fields=status,vnf_address.nope", def: defaults,
			want: without(defaults, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := selector.Parse(mustQuery(t, tt.query), tt.def)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.All() != tt.wantAll {
				t.Errorf("All() = %v, want %v", s.All(), tt.wantAll)
			}
			rec := vnfr()
			got := s.Apply(rec)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Apply:\n got %#v\nwant %#v", got, tt.want)
			}
			if !reflect.DeepEqual(rec, vnfr()) {
				t.Errorf("Apply modified its input:\n%#v", rec)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("a", 513)
	deep17 := strings.TrimSuffix(strings.Repeat("a.", 17), ".")
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf("p%d", i))
	}
	tests := []struct {
		name  string
		query string
		def   []string
		want  []string // substrings of the detail
	}{
		// combinations
		{"all_fields with fields", "all_fields&fields=status", nil, []string{"all_fields", "fields", "cannot be combined"}},
		{"all_fields with exclude_fields", "all_fields&exclude_fields=status", nil, []string{"all_fields", "exclude_fields", "cannot be combined"}},
		{"all_fields with exclude_default", "exclude_default&all_fields", defaults, []string{"all_fields", "exclude_default", "cannot be combined"}},
		{"fields with exclude_fields", "fields=status&exclude_fields=tags", nil, []string{"fields and exclude_fields", "cannot be combined"}},
		{"exclude_fields with exclude_default", "exclude_fields=tags&exclude_default", defaults, []string{"exclude_fields and exclude_default", "cannot be combined"}},
		{"combination before bad path", "fields=$x&exclude_fields=a..b", nil, []string{"fields and exclude_fields"}},

		// flags
		{"all_fields with a value", "all_fields=true", nil, []string{"all_fields", `"true"`, "takes no value"}},
		{"all_fields repeated with a value", "all_fields&all_fields=1", nil, []string{"all_fields", "takes no value"}},
		{"exclude_default with a value", "exclude_default=yes", defaults, []string{"exclude_default", `"yes"`, "takes no value"}},
		{"flag long value cut short", "all_fields=" + long, nil, []string{"all_fields", `"...`, "takes no value"}},

		// lists
		{"fields empty", "fields=", nil, []string{"fields", "empty list"}},
		{"fields empty repeated", "fields=status&fields=", nil, []string{"fields", "empty list"}},
		{"exclude_fields empty", "exclude_fields", nil, []string{"exclude_fields", "empty list"}},
		{"fields trailing comma", "fields=status,", nil, []string{"fields", "empty path"}},
		{"fields leading comma", "fields=,status", nil, []string{"fields", "empty path"}},
		{"fields too many", "fields=" + strings.Join(many, ","), nil, []string{"fields", "at most 100"}},
		{"fields too many over repeated keys", "fields=" + strings.Join(many[:60], ",") + "&fields=" + strings.Join(many[60:], ","), nil, []string{"fields", "at most 100"}},
		{"exclude_fields too many", "exclude_fields=" + strings.Join(many, ","), nil, []string{"exclude_fields", "at most 100"}},

		// paths
		{"double dot", "fields=a..b", nil, []string{"fields", `"a..b"`, "empty attribute name"}},
		{"leading dot", "fields=.a", nil, []string{"fields", `".a"`, "empty attribute name"}},
		{"trailing dot", "exclude_fields=a.", nil, []string{"exclude_fields", `"a."`, "empty attribute name"}},
		{"lone dot", "fields=.", nil, []string{"fields", `"."`, "empty attribute name"}},
		{"dollar name", "fields=$where", nil, []string{"fields", `"$where"`, "only letters"}},
		{"dollar segment", "fields=a.$x", nil, []string{"fields", `"a.$x"`, `"$x"`}},
		{"space", "fields=status,%20tags", nil, []string{"fields", `" tags"`, "only letters"}},
		{"slash", "fields=a/b", nil, []string{"fields", `"a/b"`, "only letters"}},
		{"NUL", "fields=a%00b", nil, []string{"fields", `"a\x00b"`, "only letters"}},
		{"non-ASCII letter", "fields=caf%C3%A9", nil, []string{"fields", "only letters"}},
		{"invalid UTF-8", "fields=a%FFb", nil, []string{"fields", `"a\xffb"`, "not valid UTF-8"}},
		{"ANYINDEX", "fields=virtual_deployment_units.ANYINDEX.id", nil, []string{"fields", "ANYINDEX", "virtual_deployment_units.ANYINDEX.id"}},
		{"ANYINDEX alone", "exclude_fields=ANYINDEX", nil, []string{"exclude_fields", "ANYINDEX"}},
		{"array position", "fields=virtual_deployment_units.0.id", nil, []string{"fields", `"virtual_deployment_units.0.id"`, "array positions"}},
		{"number at top", "exclude_fields=12", nil, []string{"exclude_fields", `"12"`, "array positions"}},
		{"too deep", "fields=" + deep17, nil, []string{"fields", "deeper than 16"}},
		{"too long", "fields=" + long, nil, []string{"fields", "longer than 512 bytes", `"aaaa`}},
		{"_id", "fields=_id", nil, []string{"fields", `"_id"`, "internal storage"}},
		{"_admin sub-path", "fields=_admin.created", nil, []string{"fields", `"_admin.created"`, "internal storage"}},
		{"exclude _admin", "exclude_fields=_admin", nil, []string{"exclude_fields", "_admin", "internal storage"}},
		{"exclude uuid", "exclude_fields=tags,uuid", nil, []string{"exclude_fields", `"uuid"`, "cannot be excluded"}},
		{"exclude id", "exclude_fields=id", nil, []string{"exclude_fields", `"id"`, "cannot be excluded"}},
		{"exclude below uuid", "exclude_fields=uuid.x", nil, []string{"exclude_fields", `"uuid.x"`, "cannot be excluded"}},
		{"exclude_default bad fields", "exclude_default&fields=a..b", defaults, []string{"fields", `"a..b"`}},
		{"exclude_default bad fields nothing to exclude", "exclude_default&fields=$x", nil, []string{"fields", `"$x"`}},
		{"first bad path wins", "fields=ok,a..b,$x", nil, []string{`"a..b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := selector.Parse(mustQuery(t, tt.query), tt.def)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want an error", s)
			}
			var e *models.Error
			if !errors.As(err, &e) || e.Code != models.CodeInvalid {
				t.Fatalf("error %v (%T), want *models.Error with CodeInvalid", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Detail, w) {
					t.Errorf("detail %q does not contain %q", e.Detail, w)
				}
			}
			if len(e.Detail) > 400 {
				t.Errorf("detail is %d bytes long: %q", len(e.Detail), e.Detail)
			}
		})
	}
}

func TestZeroSelector(t *testing.T) {
	var s selector.Selector
	if !s.All() {
		t.Fatal("zero Selector: All() = false")
	}
	rec := vnfr()
	if got := s.Apply(rec); !reflect.DeepEqual(got, vnfr()) {
		t.Fatalf("zero Selector changed the record: %#v", got)
	}
}

// Named container types stand for the driver's bson.M and bson.A, which
// this package cannot import.
type (
	bsonM map[string]any
	bsonA []any
)

func TestApplyDriverTypes(t *testing.T) {
	rec := func() M {
		return M{
			"uuid": "u",
			"virtual_deployment_units": bsonA{
				bsonM{"id": "vdu01", "resource_requirements": bsonM{"cpu": bsonM{"vcpus": int64(2)}}},
				bsonA{bsonM{"id": "nested", "x": 1}},
				[]string{"typed", "strings"}, // not []any: a leaf
			},
		}
	}
	tests := []struct {
		query string
		want  M
	}{
		{"fields=virtual_deployment_units.id", M{"uuid": "u", "virtual_deployment_units": A{M{"id": "vdu01"}, A{M{"id": "nested"}}}}},
		{"exclude_fields=virtual_deployment_units.resource_requirements.cpu", M{"uuid": "u", "virtual_deployment_units": A{
			M{"id": "vdu01", "resource_requirements": M{}},
			A{M{"id": "nested", "x": 1}},
			[]string{"typed", "strings"},
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			s, err := selector.Parse(mustQuery(t, tt.query), nil)
			if err != nil {
				t.Fatal(err)
			}
			in := rec()
			if got := s.Apply(in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Apply:\n got %#v\nwant %#v", got, tt.want)
			}
			if !reflect.DeepEqual(in, rec()) {
				t.Errorf("Apply modified its input: %#v", in)
			}
		})
	}
}

// TestApplySharedConcurrently applies selectors to records that share nested
// values, as list pages do when the store hands out cached values: with
// -race, any write to a shared container is reported.
func TestApplySharedConcurrently(t *testing.T) {
	shared := vnfr()
	queries := []string{
		"fields=virtual_deployment_units.id,status",
		"exclude_fields=virtual_deployment_units.resource_requirements.cpu,vnf_address.mgmt",
		"exclude_default&fields=virtual_deployment_units.vnfc_instance.id",
	}
	var wg sync.WaitGroup
	for _, q := range queries {
		s, err := selector.Parse(mustQuery(t, q), defaults)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 {
			wg.Go(func() {
				for range 50 {
					rec := M{}
					for k, v := range shared {
						rec[k] = v
					}
					s.Apply(rec)
				}
			})
		}
	}
	wg.Wait()
	if !reflect.DeepEqual(shared, vnfr()) {
		t.Fatalf("shared values modified: %#v", shared)
	}
}

func BenchmarkApply(b *testing.B) {
	for _, q := range []string{"fields=status,virtual_deployment_units.id", "exclude_fields=virtual_deployment_units.resource_requirements", "exclude_default"} {
		s, err := selector.Parse(mustQuery(b, q), defaults)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q, func(b *testing.B) {
			rec := vnfr()
			for b.Loop() {
				s.Apply(rec)
			}
		})
	}
}

func TestParseHandBuiltEmptyKey(t *testing.T) {
	for _, key := range []string{"fields", "exclude_fields"} {
		_, err := selector.Parse(url.Values{key: nil}, nil)
		var e *models.Error
		if !errors.As(err, &e) || e.Code != models.CodeInvalid || !strings.Contains(e.Detail, key+": empty list") {
			t.Errorf("%s with no values: error %v, want an empty list error", key, err)
		}
	}
}
