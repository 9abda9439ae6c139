package handlers_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Router tests of the query engine (issue 3: SOL005 filters, sorting,
// attribute selectors, cursor paging, counts) through /vnfrs and /nsrs on
// the real embedded store. Every expected answer is computed here, from the
// records the test created, with plain Go: never with the filter package.

// qKind is a record kind and where its records keep the data the tests
// filter on. VNFRs keep their VDUs where the schema has them and the
// free-form attributes in their one cloud-native deployment unit (whose
// schema allows any attribute); NSRs keep both under params (a free object).
type qKind struct {
	name    string
	base    string
	vdus    string   // path of the VDU array: {V} in queries
	free    string   // path of the free-form attributes: {F} in queries
	complex []string // the records' top-level attributes exclude_default removes
}

var qKinds = []qKind{
	{name: "vnfr", base: "/vnfrs", vdus: "virtual_deployment_units", free: "cloudnative_deployment_units",
		complex: []string{"cloudnative_deployment_units", "virtual_deployment_units"}},
	{name: "nsr", base: "/nsrs", vdus: "params.virtual_deployment_units", free: "params",
		complex: []string{"params"}},
}

// q writes a query template for this kind: {V} is the VDU array, {F} the
// free-form attributes.
func (k qKind) q(s string) string {
	return strings.NewReplacer("{V}", k.vdus, "{F}", k.free).Replace(s)
}

// qVDU is one virtual deployment unit of a test record.
type qVDU struct {
	id    string
	n     *int // number_of_instances; nil leaves it out
	vcpus int
	large *bool // resource_requirements.memory.large_pages_required; nil leaves it out
}

// qRec is a test record as the test knows it: what it sent, and the server
// fields the service answered.
type qRec struct {
	status  string
	flavour *string // nil leaves it out
	desc    string  // descriptor_reference; "" leaves it out
	vdus    []qVDU
	free    map[string]any // free-form attributes: x, s, b, z, tags, name

	uuid, created, updated string
}

func qp[T any](v T) *T { return &v }

// The descriptors the test records reference.
const (
	qDescA = "4c7d854f-4a1e-4c4e-9f6b-2a6f3f0e1a01"
	qDescB = "4c7d854f-4a1e-4c4e-9f6b-2a6f3f0e1a02"
)

// qDataset is the records most filter tests run on, the same for both kinds.
// Record 1 is the ANYINDEX trap: one VDU is vdu01, another has more than one
// instance, but no VDU has both.
func qDataset() []qRec {
	a, b := qDescA, qDescB
	return []qRec{
		0: {desc: a, status: "offline", flavour: qp("vnfd-dns-01"),
			vdus: []qVDU{{"vdu01", qp(2), 2, nil}, {"vdu02", qp(1), 8, nil}},
			free: map[string]any{"x": 1, "s": "alpha", "b": true, "tags": []any{"blue", "green"}, "z": nil}},
		1: {desc: a, status: "failed", flavour: qp("vnfd-fw-02"),
			vdus: []qVDU{{"vdu01", qp(1), 1, nil}, {"vdu02", qp(5), 2, nil}},
			free: map[string]any{"x": 5, "s": "5", "b": "true", "tags": []any{"lightblue"}, "z": ""}},
		2: {desc: a, status: "normal operation", flavour: qp("vnfd-dns-02"),
			vdus: []qVDU{{"vdu03", qp(3), 4, nil}},
			free: map[string]any{"x": 3, "s": "beta", "b": false, "tags": []any{"red"}, "name": map[string]any{"foo": 1}}},
		3: {desc: b, status: "offline", flavour: qp("nsd.(dns)*"),
			vdus: []qVDU{{"vdu02", nil, 16, nil}, {"vdu01", qp(4), 1, nil}},
			free: map[string]any{"x": "9", "s": "gamma", "b": "false", "z": "v"}},
		4: {desc: b, status: "degraded operation", flavour: qp("vnfd-lb-01"),
			vdus: []qVDU{{"vdu04", qp(0), 6, qp(true)}},
			free: map[string]any{"x": 10, "s": "delta", "b": true, "tags": []any{"green", "yellow"}}},
		5: {desc: a, status: "terminated", flavour: qp("vnfd-fw-01"),
			vdus: []qVDU{{"vdu01", qp(7), 3, nil}},
			free: map[string]any{"x": 2.5, "s": "eps", "tags": []any{"blue"}}},
		6: {status: "normal operation",
			vdus: []qVDU{{"vdu05", qp(1), 5, qp(false)}},
			free: map[string]any{"x": -1, "b": false, "z": nil}},
		7: {status: "failed", flavour: qp(""),
			vdus: []qVDU{{"vdu02", qp(2), 2, nil}, {"vdu03", qp(2), 9, nil}},
			free: map[string]any{"x": 0, "s": "", "name": map[string]any{"foo": 2}, "tags": []any{"purple", "blue"}}},
		8: {desc: a, status: "offline", flavour: qp("vnfd-dns-01"),
			vdus: []qVDU{{"vdu01", qp(3), 12, nil}},
			free: map[string]any{"x": 5, "s": "five", "tags": []any{"green"}}},
	}
}

// qBody is a valid record of kind k for r, built from the kind's reference
// fixture.
func qBody(t *testing.T, k qKind, r qRec) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, k.name+"/reference-"+k.name+"-example.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = r.uuid
	m["status"] = r.status
	delete(m, "flavour")
	if r.flavour != nil {
		m["flavour"] = *r.flavour
	}
	delete(m, "descriptor_reference")
	if r.desc != "" {
		m["descriptor_reference"] = r.desc
	}
	vdus := make([]any, len(r.vdus))
	for i, v := range r.vdus {
		mem := map[string]any{"size": 1024}
		if v.large != nil {
			mem["large_pages_required"] = *v.large
		}
		d := map[string]any{
			"id":                    v.id,
			"resource_requirements": map[string]any{"cpu": map[string]any{"vcpus": v.vcpus}, "memory": mem},
		}
		if v.n != nil {
			d["number_of_instances"] = *v.n
		}
		vdus[i] = d
	}
	free := maps.Clone(r.free)
	if free == nil {
		free = map[string]any{}
	}
	switch k.name {
	case "vnfr":
		m["virtual_deployment_units"] = vdus
		m["cloudnative_deployment_units"] = []any{free}
	default:
		free["virtual_deployment_units"] = vdus
		m["params"] = free
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qCreate POSTs each record (one at a time, a little apart, so that
// creation times differ) and keeps the server fields it answers.
func qCreate(t *testing.T, h http.Handler, k qKind, recs []qRec) {
	t.Helper()
	for i := range recs {
		if recs[i].uuid == "" {
			recs[i].uuid = uuid.NewString()
		}
		rec := do(t, h, http.MethodPost, k.base, qBody(t, k, recs[i]))
		wantStatus(t, rec, http.StatusOK)
		m := decodeObject(t, rec)
		recs[i].created, _ = m["created_at"].(string)
		recs[i].updated, _ = m["updated_at"].(string)
		if !lstTimeRE.MatchString(recs[i].created) || !lstTimeRE.MatchString(recs[i].updated) {
			t.Fatalf("POST %s answered created_at %v updated_at %v", k.base, m["created_at"], m["updated_at"])
		}
	}
}

// qEscape escapes each key and value of a query written plainly
// ("a.b=x y&c=1,2"): '&' separates pairs, the first '=' a key from its value.
func qEscape(raw string) string {
	if raw == "" {
		return ""
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, v, has := strings.Cut(p, "=")
		s := url.QueryEscape(k)
		if has {
			s += "=" + url.QueryEscape(v)
		}
		parts[i] = s
	}
	return strings.Join(parts, "&")
}

// qJoin joins escaped query parts, skipping empty ones.
func qJoin(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

// qWhere is the sorted uuids of the records keep accepts.
func qWhere(recs []qRec, keep func(qRec) bool) []string {
	out := []string{}
	for _, r := range recs {
		if keep(r) {
			out = append(out, r.uuid)
		}
	}
	slices.Sort(out)
	return out
}

// Plain-Go readers of a test record, for the expected answers.

func qFree(r qRec, name string) (any, bool) {
	v, ok := r.free[name]
	return v, ok
}

func qNum(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// qX reads the free attribute x as a number (false when missing or not a number).
func qX(r qRec) (float64, bool) {
	v, _ := qFree(r, "x")
	return qNum(v)
}

func qStr(r qRec, name string) (string, bool) {
	v, _ := qFree(r, name)
	s, ok := v.(string)
	return s, ok
}

func qTags(r qRec) []string {
	v, _ := qFree(r, "tags")
	l, _ := v.([]any)
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.(string)
	}
	return out
}

func qAnyTag(r qRec, f func(string) bool) bool { return slices.ContainsFunc(qTags(r), f) }

func qAnyVDU(r qRec, f func(qVDU) bool) bool { return slices.ContainsFunc(r.vdus, f) }

func qN(v qVDU) int {
	if v.n == nil {
		return -1 << 30
	}
	return *v.n
}

func qFlavour(r qRec) (string, bool) {
	if r.flavour == nil {
		return "", false
	}
	return *r.flavour, true
}

func qStatusIn(vals ...string) func(qRec) bool {
	return func(r qRec) bool { return slices.Contains(vals, r.status) }
}

func qAll(qRec) bool  { return true }
func qNone(qRec) bool { return false }

func qNot(f func(qRec) bool) func(qRec) bool { return func(r qRec) bool { return !f(r) } }

// qEmpty is the typed empty value: the free attribute is missing, null or "".
func qEmpty(name string) func(qRec) bool {
	return func(r qRec) bool {
		v, ok := qFree(r, name)
		return !ok || v == nil || v == ""
	}
}

// qNullOrMissing is the YAML empty value: missing or null only.
func qNullOrMissing(name string) func(qRec) bool {
	return func(r qRec) bool {
		v, ok := qFree(r, name)
		return !ok || v == nil
	}
}

func qUUIDs(recs []qRec, idx ...int) func(qRec) bool {
	var ids []string
	for _, i := range idx {
		ids = append(ids, recs[i].uuid)
	}
	return func(r qRec) bool { return slices.Contains(ids, r.uuid) }
}

// qCase is a filter query and the records it must answer.
type qCase struct {
	name  string
	query string // a template (see qKind.q), written plainly (see qEscape)
	want  func(qRec) bool
	yaml  bool // send Query-String-Format: yaml
}

// qFilterCases are the filter examples and rules of issue 3 on qDataset.
func qFilterCases(recs []qRec) []qCase {
	r := recs
	maxCreated := ""
	for _, x := range recs {
		maxCreated = max(maxCreated, x.created)
	}
	t2, t6 := r[2].created, r[6].created
	day := r[0].created[:10]
	d0, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err)
	}
	nextDay := d0.AddDate(0, 0, 1).Format(time.DateOnly)
	monday := d0.AddDate(0, 0, -((int(d0.Weekday()) + 6) % 7)).Format(time.DateOnly)
	u2 := r[2].uuid
	return []qCase{
		// The issue's own examples, as written.
		{"descriptor not terminated", "descriptor_reference=" + qDescA + "&status.neq=terminated",
			func(r qRec) bool { return r.desc == qDescA && r.status != "terminated" }, false},
		{"created since Monday", "created_at.gte=" + monday, func(r qRec) bool { return r.created[:10] >= monday }, false},
		{"VDU of more than 4 vCPUs", "{V}.resource_requirements.cpu.vcpus.gt=4",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.vcpus > 4 }) }, false},
		{"January 2018", "created_at.gte=2018-01-01&created_at.lt=2018-02-01", qNone, false},
		{"this day, as a range", "created_at.gte=" + day + "&created_at.lt=" + nextDay,
			func(r qRec) bool { return r.created[:10] == day }, false},
		{"x.gt=1&x.gt=2", "x.gt=1&x.gt=2", qNone, false},
		{"name.foo=1", "name.foo=1", qNone, false},
		{"descriptor any of two", "descriptor_reference=" + qDescA + "," + qDescB + "&descriptor_reference.neq=" + qDescB,
			func(r qRec) bool { return r.desc == qDescA }, false},
		{"descriptor missing", "descriptor_reference=", func(r qRec) bool { return r.desc == "" }, false},

		// eq, the default operator.
		{"eq default", "status=offline", qStatusIn("offline"), false},
		{"eq explicit", "status.eq=offline", qStatusIn("offline"), false},
		{"eq with a space", "status=normal operation", qStatusIn("normal operation"), false},
		{"eq is exact", "status=Offline", qNone, false},
		{"eq prefix is no match", "status=off", qNone, false},
		{"eq missing attribute", "flavour=vnfd-dns-01", qUUIDs(r, 0, 8), false},

		// neq and its alias ne.
		{"neq", "status.neq=offline", qNot(qStatusIn("offline")), false},
		{"ne", "status.ne=offline", qNot(qStatusIn("offline")), false},
		{"neq matches missing", "flavour.neq=vnfd-dns-01", qNot(qUUIDs(r, 0, 8)), false},
		{"neq several values", "status.neq=offline,failed", qNot(qStatusIn("offline", "failed")), false},
		{"ne repeated key", "status.ne=offline&status.ne=failed", qNot(qStatusIn("offline", "failed")), false},

		// Several values: comma-separated or repeated keys, any of them.
		{"comma any of", "status=offline,failed", qStatusIn("offline", "failed"), false},
		{"repeated key any of", "status=offline&status=failed", qStatusIn("offline", "failed"), false},
		{"comma and repeated", "status=offline,failed&status=terminated", qStatusIn("offline", "failed", "terminated"), false},
		{"comma through array", "{V}.id=vdu04,vdu05", qUUIDs(r, 4, 6), false},

		// Ordered comparisons, numeric.
		{"gt number", "{F}.x.gt=2", func(r qRec) bool { x, ok := qX(r); return ok && x > 2 }, false},
		{"gt fraction", "{F}.x.gt=2.5", func(r qRec) bool { x, ok := qX(r); return ok && x > 2.5 }, false},
		{"gte number", "{F}.x.gte=2.5", func(r qRec) bool { x, ok := qX(r); return ok && x >= 2.5 }, false},
		{"lt number", "{F}.x.lt=1", func(r qRec) bool { x, ok := qX(r); return ok && x < 1 }, false},
		{"lte number", "{F}.x.lte=1", func(r qRec) bool { x, ok := qX(r); return ok && x <= 1 }, false},
		{"lt negative", "{F}.x.lt=-0.5", func(r qRec) bool { x, ok := qX(r); return ok && x < -0.5 }, false},
		{"gt number ignores strings", "{F}.x.gt=4", func(r qRec) bool { x, ok := qX(r); return ok && x > 4 }, false},
		{"vcpus through array", "{V}.resource_requirements.cpu.vcpus.gt=4",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.vcpus > 4 }) }, false},
		{"number_of_instances lte through array", "{V}.number_of_instances.lte=1",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.n != nil && *v.n <= 1 }) }, false},

		// Ordered comparisons, string (bytewise), never across types.
		{"gt string", "flavour.gt=vnfd-fw",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && s > "vnfd-fw" }, false},
		{"gte string", "flavour.gte=vnfd-fw-02",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && s >= "vnfd-fw-02" }, false},
		{"lt string", "flavour.lt=vnfd-dns-02",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && s < "vnfd-dns-02" }, false},
		{"lte string", "flavour.lte=vnfd-dns-01",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && s <= "vnfd-dns-01" }, false},
		{"lt string ignores numbers", "{F}.x.lt=a",
			func(r qRec) bool { s, ok := qStr(r, "x"); return ok && s < "a" }, false},
		{"gt string on strings", "{F}.s.gt=delta",
			func(r qRec) bool { s, ok := qStr(r, "s"); return ok && s > "delta" }, false},

		// cont: substring of a string, membership in an array.
		{"cont substring", "flavour.cont=dns",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && strings.Contains(s, "dns") }, false},
		{"cont several values", "flavour.cont=dns,lb",
			func(r qRec) bool {
				s, ok := qFlavour(r)
				return ok && (strings.Contains(s, "dns") || strings.Contains(s, "lb"))
			}, false},
		{"cont repeated key", "flavour.cont=fw&flavour.cont=lb",
			func(r qRec) bool {
				s, ok := qFlavour(r)
				return ok && (strings.Contains(s, "fw") || strings.Contains(s, "lb"))
			}, false},
		{"cont array membership", "{F}.tags.cont=green",
			func(r qRec) bool { return qAnyTag(r, func(s string) bool { return strings.Contains(s, "green") }) }, false},
		{"cont array element substring", "{F}.tags.cont=blue",
			func(r qRec) bool { return qAnyTag(r, func(s string) bool { return strings.Contains(s, "blue") }) }, false},
		{"eq array membership is exact", "{F}.tags=blue",
			func(r qRec) bool { return slices.Contains(qTags(r), "blue") }, false},
		{"cont number equals", "{F}.x.cont=5",
			func(r qRec) bool { v, _ := qFree(r, "x"); n, ok := qNum(v); return ok && n == 5 || v == "5" }, false},
		{"cont string", "{F}.s.cont=a",
			func(r qRec) bool { s, ok := qStr(r, "s"); return ok && strings.Contains(s, "a") }, false},
		{"ncont single value", "{F}.tags.ncont=blue",
			qNot(func(r qRec) bool { return qAnyTag(r, func(s string) bool { return strings.Contains(s, "blue") }) }), false},
		{"ncont several values", "{F}.tags.ncont=blue,green",
			qNot(func(r qRec) bool {
				return qAnyTag(r, func(s string) bool { return strings.Contains(s, "blue") || strings.Contains(s, "green") })
			}), false},
		{"ncont repeated key", "flavour.ncont=dns&flavour.ncont=fw",
			qNot(func(r qRec) bool {
				s, ok := qFlavour(r)
				return ok && (strings.Contains(s, "dns") || strings.Contains(s, "fw"))
			}), false},
		{"ncont substring", "flavour.ncont=vnfd",
			qNot(func(r qRec) bool { s, ok := qFlavour(r); return ok && strings.Contains(s, "vnfd") }), false},

		// Paths through arrays: a number segment, any element, ANYINDEX.
		{"position 0", "{V}.0.id=vdu01",
			func(r qRec) bool { return r.vdus[0].id == "vdu01" }, false},
		{"position 1", "{V}.1.id=vdu01",
			func(r qRec) bool { return len(r.vdus) > 1 && r.vdus[1].id == "vdu01" }, false},
		{"position with operator", "{V}.1.number_of_instances.gte=2",
			func(r qRec) bool { return len(r.vdus) > 1 && qN(r.vdus[1]) >= 2 }, false},
		{"position beyond the array", "{V}.5.id=vdu01", qNone, false},
		{"through array any element", "{V}.id=vdu01",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" }) }, false},
		{"through array neq: no element", "{V}.id.neq=vdu01",
			func(r qRec) bool { return !qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" }) }, false},
		{"without ANYINDEX each condition on any element", "{V}.id=vdu01&{V}.number_of_instances.gt=1",
			func(r qRec) bool {
				return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" }) &&
					qAnyVDU(r, func(v qVDU) bool { return qN(v) > 1 })
			}, false},
		{"ANYINDEX issue example", "{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 }) }, false},
		{"ANYINDEX issue example, keys swapped", "{V}.ANYINDEX.number_of_instances.gt=1&{V}.ANYINDEX.id=vdu01",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 }) }, false},
		{"ANYINDEX nested attribute", "{V}.ANYINDEX.id=vdu02&{V}.ANYINDEX.resource_requirements.cpu.vcpus.gt=4",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu02" && v.vcpus > 4 }) }, false},
		{"ANYINDEX neq: some element differs", "{V}.ANYINDEX.id.neq=vdu01",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id != "vdu01" }) }, false},
		{"ANYINDEX empty value: some element lacks it", "{V}.ANYINDEX.id=vdu02&{V}.ANYINDEX.number_of_instances=",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu02" && v.n == nil }) }, false},
		{"ANYINDEX with another condition", "{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1&status=offline",
			func(r qRec) bool {
				return r.status == "offline" && qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 })
			}, false},

		// created_at and updated_at: ranges, in either order.
		{"created_at range", "created_at.gte=" + t2 + "&created_at.lt=" + t6,
			func(r qRec) bool { return r.created >= t2 && r.created < t6 }, false},
		{"created_at range, other order", "created_at.lt=" + t6 + "&created_at.gte=" + t2,
			func(r qRec) bool { return r.created >= t2 && r.created < t6 }, false},
		{"created_at gt lte", "created_at.gt=" + t2 + "&created_at.lte=" + t6,
			func(r qRec) bool { return r.created > t2 && r.created <= t6 }, false},
		{"created_at eq timestamp", "created_at=" + t2, func(r qRec) bool { return r.created == t2 }, false},
		{"created_at neq timestamp", "created_at.neq=" + t2, func(r qRec) bool { return r.created != t2 }, false},
		{"created_at a day", "created_at=" + day, func(r qRec) bool { return r.created[:10] == day }, false},
		{"created_at before 2018", "created_at.lt=2018-01-01", qNone, false},
		// Bounds at the zero time.Time: the index query once read them as "unbounded".
		{"created_at before year 1", "created_at.lt=0001-01-01T00:00:00Z", qNone, false},
		{"created_at up to year 0", "created_at.lte=0000-12-31T23:59:59.999Z", qNone, false},
		{"created_at since year 1", "created_at.gte=0001-01-01T00:00:00Z", qAll, false},
		{"created_at since 2018", "created_at.gte=2018-01-01", qAll, false},
		{"created_at empty never", "created_at=", qNone, false},
		{"updated_at after every creation", "updated_at.gt=" + maxCreated,
			func(r qRec) bool { return r.updated > maxCreated }, false},
		{"updated_at up to", "updated_at.lte=" + maxCreated,
			func(r qRec) bool { return r.updated <= maxCreated }, false},
		{"updated_at eq", "updated_at=" + r[4].updated, func(r2 qRec) bool { return r2.updated == r[4].updated }, false},

		// The same instants in other spellings.
		{"created_at range, +01:00", "created_at.gte=" + qZone(t2, "+01:00") + "&created_at.lt=" + qZone(t6, "-05:30"),
			func(r qRec) bool { return r.created >= t2 && r.created < t6 }, false},
		{"created_at range, Z", "created_at.gte=" + qZone(t2, "Z") + "&created_at.lt=" + qZone(t6, "Z"),
			func(r qRec) bool { return r.created >= t2 && r.created < t6 }, false},
		{"created_at range, +0100", "created_at.gte=" + strings.Replace(qZone(t2, "+01:00"), "+01:00", "+0100", 1),
			func(r qRec) bool { return r.created >= t2 }, false},
		{"created_at eq, +02:00", "created_at=" + qZone(t2, "+02:00"), func(r qRec) bool { return r.created == t2 }, false},

		// uuid is where the record's id is stored.
		{"uuid", "uuid=" + u2, qUUIDs(r, 2), false},
		{"uuid several", "uuid=" + u2 + "," + r[5].uuid, qUUIDs(r, 2, 5), false},
		{"uuid neq", "uuid.neq=" + u2, qNot(qUUIDs(r, 2)), false},
		{"uuid gt", "uuid.gt=" + u2, func(x qRec) bool { return x.uuid > u2 }, false},
		{"uuid cont", "uuid.cont=" + u2[9:23], func(x qRec) bool { return strings.Contains(x.uuid, u2[9:23]) }, false},

		// A repeated range key is two conditions.
		{"repeated gt", "{F}.x.gt=1&{F}.x.gt=4", func(r qRec) bool { x, ok := qX(r); return ok && x > 1 && x > 4 }, false},
		{"repeated lt", "{F}.x.lt=10&{F}.x.lt=3", func(r qRec) bool { x, ok := qX(r); return ok && x < 10 && x < 3 }, false},
		{"gte and lt", "{F}.x.gte=0&{F}.x.lt=3", func(r qRec) bool { x, ok := qX(r); return ok && x >= 0 && x < 3 }, false},
		{"range on a VDU attribute", "{V}.number_of_instances.gt=2&{V}.number_of_instances.gt=4",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) > 4 }) }, false},

		// eq and neq on one attribute both apply, whatever their order.
		{"eq then neq", "status=offline,failed&status.neq=failed", qStatusIn("offline"), false},
		{"neq then eq", "status.neq=failed&status=offline,failed", qStatusIn("offline"), false},
		{"eq and neq same value", "status=offline&status.neq=offline", qNone, false},
		{"neq and eq same value", "status.neq=offline&status=offline", qNone, false},

		// Typing.
		{"number string matches a number", "{V}.number_of_instances=3",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) == 3 }) }, false},
		{"zero matches 0", "{V}.number_of_instances=0",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) == 0 }) }, false},
		{"number string matches number and string", "{F}.x=9",
			func(r qRec) bool { v, _ := qFree(r, "x"); n, ok := qNum(v); return ok && n == 9 || v == "9" }, false},
		{"2.50 matches 2.5", "{F}.x=2.50",
			func(r qRec) bool { x, ok := qX(r); return ok && x == 2.5 }, false},
		{"1e1 matches 10", "{F}.x=1e1",
			func(r qRec) bool { x, ok := qX(r); return ok && x == 10 }, false},
		{"5 matches number and string", "{F}.s=5", func(r qRec) bool { s, _ := qStr(r, "s"); return s == "5" }, false},
		{"true matches boolean and string", "{F}.b=true",
			func(r qRec) bool { v, _ := qFree(r, "b"); return v == true || v == "true" }, false},
		{"false matches boolean and string", "{F}.b=false",
			func(r qRec) bool { v, _ := qFree(r, "b"); return v == false || v == "false" }, false},
		{"schema boolean true", "{V}.resource_requirements.memory.large_pages_required=true",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.large != nil && *v.large }) }, false},
		{"schema boolean false", "{V}.resource_requirements.memory.large_pages_required=false",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.large != nil && !*v.large }) }, false},
		{"empty matches null missing and empty string", "{F}.z=", qEmpty("z"), false},
		{"empty on b", "{F}.b=", qEmpty("b"), false},
		{"empty neq", "{F}.z.neq=", qNot(qEmpty("z")), false},
		{"empty top-level", "flavour=",
			func(r qRec) bool { s, ok := qFlavour(r); return !ok || s == "" }, false},
		{"empty or a value", "flavour=,vnfd-lb-01",
			func(r qRec) bool { s, ok := qFlavour(r); return !ok || s == "" || s == "vnfd-lb-01" }, false},

		// Query-String-Format: yaml reads values as YAML scalars.
		{"yaml number only", "{F}.x=5", func(r qRec) bool { x, ok := qX(r); return ok && x == 5 }, true},
		{"yaml number is not a string", "{F}.x=9", qNone, true},
		{"yaml quoted string", "{F}.x='9'", func(r qRec) bool { s, ok := qStr(r, "x"); return ok && s == "9" }, true},
		{"yaml string is not a number", "{F}.s=5", qNone, true},
		{"yaml true only boolean", "{F}.b=true", func(r qRec) bool { v, _ := qFree(r, "b"); return v == true }, true},
		{"yaml yes is true", "{F}.b=yes", func(r qRec) bool { v, _ := qFree(r, "b"); return v == true }, true},
		{"yaml quoted true", "{F}.b='true'", func(r qRec) bool { v, _ := qFree(r, "b"); return v == "true" }, true},
		{"yaml false", "{F}.b=false", func(r qRec) bool { v, _ := qFree(r, "b"); return v == false }, true},
		{"yaml empty null or missing", "{F}.z=", qNullOrMissing("z"), true},
		{"yaml tilde", "{F}.z=~", qNullOrMissing("z"), true},
		{"yaml null", "{F}.z=null", qNullOrMissing("z"), true},
		{"yaml quoted empty string", "{F}.z=''", func(r qRec) bool { v, ok := qFree(r, "z"); return ok && v == "" }, true},
		{"yaml gt number", "{F}.x.gt=2", func(r qRec) bool { x, ok := qX(r); return ok && x > 2 }, true},
		{"yaml plain strings as usual", "status=offline", qStatusIn("offline"), true},
		{"yaml cont substring", "flavour.cont=dns",
			func(r qRec) bool { s, ok := qFlavour(r); return ok && strings.Contains(s, "dns") }, true},
		{"yaml number_of_instances", "{V}.number_of_instances=3",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) == 3 }) }, true},
		{"yaml created_at range", "created_at.gte=" + t2 + "&created_at.lt=" + t6,
			func(r qRec) bool { return r.created >= t2 && r.created < t6 }, true},

		// A last segment that is not an operator is part of the path.
		{"name.foo is a path", "{F}.name.foo=1", func(r qRec) bool { return qNameFoo(r) == 1 }, false},
		{"name.foo with an operator", "{F}.name.foo.gt=1", func(r qRec) bool { return qNameFoo(r) > 1 }, false},
		{"name.foo neq", "{F}.name.foo.neq=1", func(r qRec) bool { return qNameFoo(r) != 1 }, false},
		{"top-level name.foo", "name.foo=1", qNone, false},
		{"unknown last segment is a path", "status.regex=off", qNone, false},
		{"operator inside a path is a name", "status.gt.eq=offline", qNone, false},
		{"operator inside a path is a name, neq", "status.neq.neq=offline", qAll, false},
		{"operator alone is a name", "gt=1", qNone, false},
		{"upper-case operator is a path", "status.NEQ=offline", qNone, false},
		{"upper-case operator is a path, neq", "status.NEQ.neq=offline", qAll, false},

		// One-letter attribute names take operators like any other.
		{"one-letter gt", "{F}.x.gt=3", func(r qRec) bool { x, ok := qX(r); return ok && x > 3 }, false},
		{"one-letter ne", "{F}.x.ne=5",
			func(r qRec) bool { v, _ := qFree(r, "x"); n, ok := qNum(v); return !(ok && n == 5 || v == "5") }, false},
		{"one-letter cont", "{F}.s.cont=l",
			func(r qRec) bool { s, ok := qStr(r, "s"); return ok && strings.Contains(s, "l") }, false},
		{"top-level one-letter gt", "x.gt=1", qNone, false},
		{"top-level one-letter neq", "x.neq=1", qAll, false},
		{"top-level one-letter lte", "x.lte=1", qNone, false},
		{"top-level one-letter empty", "x=", qAll, false},

		// A value is never an operator or a regular expression.
		{"regex value", "status=.*", qNone, false},
		{"operator value", "status=$ne", qNone, false},
		{"operator document value", `status={"$ne":""}`, qNone, false},
		{"anchored value", "status=^off", qNone, false},
		{"regex neq", "status.neq=.*", qAll, false},
		{"regex cont", "flavour.cont=.*", qNone, false},
		{"anchor cont", "flavour.cont=^vnfd", qNone, false},
		{"literal regex characters cont", "flavour.cont=.(dns)*", qUUIDs(r, 3), false},
		{"regex ncont", "flavour.ncont=.*", qAll, false},
		{"dollar gt", "flavour.gt=$", func(r qRec) bool { s, ok := qFlavour(r); return ok && s > "$" }, false},

		// Numbers written differently, cont with the empty value, case.
		{"5.0 matches 5", "{F}.x=5.0", func(r qRec) bool { x, ok := qX(r); return ok && x == 5 }, false},
		{"10.0 gte", "{F}.x.gte=10.0", func(r qRec) bool { x, ok := qX(r); return ok && x >= 10 }, false},
		{"-0 matches 0", "{F}.x=-0", func(r qRec) bool { x, ok := qX(r); return ok && x == 0 }, false},
		{"0.0 matches 0", "{F}.x=0.0", func(r qRec) bool { x, ok := qX(r); return ok && x == 0 }, false},
		{"3.0 through array", "{V}.number_of_instances=3.0",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) == 3 }) }, false},
		{"yaml 5.0", "{F}.x=5.0", func(r qRec) bool { x, ok := qX(r); return ok && x == 5 }, true},
		{"yaml date", "created_at.gte=2018-01-01", qAll, true},
		{"yaml date lt", "created_at.lt=2018-01-01", qNone, true},
		{"cont is case-sensitive", "flavour.cont=DNS", qNone, false},
		{"number on strings", "flavour.gt=5", qNone, false},
		{"cont empty", "{F}.s.cont=", func(r qRec) bool { return true }, false},
		{"ncont empty", "{F}.s.ncont=", qNone, false},
		{"created_at cont day", "created_at.cont=" + day, func(r qRec) bool { return r.created[:10] == day }, false},
		{"created_at ncont day", "created_at.ncont=" + day, func(r qRec) bool { return r.created[:10] != day }, false},
		{"created_at lte day", "created_at.lte=" + day, func(r qRec) bool { return r.created[:10] <= day }, false},
		{"created_at gt day", "created_at.gt=" + day, func(r qRec) bool { return r.created[:10] > day }, false},
		{"updated_at empty", "updated_at=", qNone, false},
		{"updated_at neq empty", "updated_at.neq=", qAll, false},
		{"position and ANYINDEX", "{V}.0.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=4",
			func(r qRec) bool {
				return r.vdus[0].id == "vdu01" && qAnyVDU(r, func(v qVDU) bool { return qN(v) > 4 })
			}, false},
		{"ANYINDEX or values", "{V}.ANYINDEX.id=vdu01,vdu02&{V}.ANYINDEX.number_of_instances.gte=5",
			func(r qRec) bool {
				return qAnyVDU(r, func(v qVDU) bool { return (v.id == "vdu01" || v.id == "vdu02") && qN(v) >= 5 })
			}, false},
		{"ANYINDEX cont", "{V}.ANYINDEX.id.cont=02&{V}.ANYINDEX.resource_requirements.cpu.vcpus.lt=4",
			func(r qRec) bool {
				return qAnyVDU(r, func(v qVDU) bool { return strings.Contains(v.id, "02") && v.vcpus < 4 })
			}, false},
		{"ANYINDEX ncont", "{V}.ANYINDEX.id.ncont=01&{V}.ANYINDEX.number_of_instances.gte=2",
			func(r qRec) bool {
				return qAnyVDU(r, func(v qVDU) bool { return !strings.Contains(v.id, "01") && qN(v) >= 2 })
			}, false},
		{"ANYINDEX ranges", "{V}.ANYINDEX.number_of_instances.gt=1&{V}.ANYINDEX.number_of_instances.lt=3",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return qN(v) > 1 && qN(v) < 3 }) }, false},
		{"ranges without ANYINDEX", "{V}.number_of_instances.gt=4&{V}.number_of_instances.lt=2",
			func(r qRec) bool {
				return qAnyVDU(r, func(v qVDU) bool { return qN(v) > 4 }) && qAnyVDU(r, func(v qVDU) bool { return v.n != nil && *v.n < 2 })
			}, false},
		{"ANYINDEX neq and eq", "{V}.ANYINDEX.id.neq=vdu01&{V}.ANYINDEX.number_of_instances=2",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id != "vdu01" && qN(v) == 2 }) }, false},
		{"ANYINDEX yaml", "{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances=2",
			func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) == 2 }) }, true},

		// Not filters: an unknown attribute matches nothing, an empty value all.
		{"unknown attribute", "foo=bar", qNone, false},
		{"unknown attribute neq", "foo.neq=bar", qAll, false},
	}
}

// qZone writes a rendered time in another zone: "Z", or an offset "+01:00".
func qZone(rendered, zone string) string {
	const layout = "2006-01-02T15:04:05.000-07:00"
	at, err := time.Parse(layout, rendered)
	if err != nil {
		panic(err)
	}
	if zone == "Z" {
		return at.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	off, err := time.Parse("-07:00", zone)
	if err != nil {
		panic(err)
	}
	_, secs := off.Zone()
	return at.In(time.FixedZone(zone, secs)).Format(layout)
}

func qNameFoo(r qRec) int {
	v, _ := qFree(r, "name")
	m, _ := v.(map[string]any)
	n, ok := m["foo"].(int)
	if !ok {
		return -1 << 30
	}
	return n
}

// qCheck runs query on base and checks the answer holds exactly the uuids
// want (in the default order), that X-Total-Count and ?count agree, and
// that a short page still reports the whole total.
func qCheck(t *testing.T, h http.Handler, base, query string, want []string, headers ...string) {
	t.Helper()
	rec := do(t, h, http.MethodGet, base+"?"+qJoin(query, "page_size=1000"), nil, headers...)
	wantStatus(t, rec, http.StatusOK)
	l := decodeList(t, rec)
	lstCheckOrder(t, l)
	got := lstUUIDs(t, l)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("GET %s?%s: %v, want %v", base, query, got, want)
	}
	if n := lstTotal(t, rec); n != len(want) {
		t.Errorf("GET %s?%s: X-Total-Count %d, want %d", base, query, n, len(want))
	}
	if len(want) == 0 && strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("GET %s?%s: %q, want []", base, query, rec.Body.String())
	}

	short := do(t, h, http.MethodGet, base+"?"+qJoin(query, "page_size=2"), nil, headers...)
	wantStatus(t, short, http.StatusOK)
	if n := lstTotal(t, short); n != len(want) {
		t.Errorf("GET %s?%s&page_size=2: X-Total-Count %d, want %d", base, query, n, len(want))
	}
	if l := decodeList(t, short); len(l) != min(2, len(want)) {
		t.Errorf("GET %s?%s&page_size=2: %d records, want %d", base, query, len(l), min(2, len(want)))
	}

	count := do(t, h, http.MethodGet, base+"?"+qJoin("count", query), nil, headers...)
	wantStatus(t, count, http.StatusOK)
	if got, wantBody := strings.TrimSpace(count.Body.String()), fmt.Sprintf(`{"count":%d}`, len(want)); got != wantBody {
		t.Errorf("GET %s?count&%s: %s, want %s", base, query, got, wantBody)
	}
}

// qSetup creates qDataset on k's base, then replaces record 4 (so that its
// updated_at differs), and returns the records.
func qSetup(t *testing.T, h http.Handler, k qKind) []qRec {
	t.Helper()
	recs := qDataset()
	qCreate(t, h, k, recs) // newDB's clock gives each write its own millisecond
	rec := do(t, h, http.MethodPut, k.base+"/"+recs[4].uuid, qBody(t, k, recs[4]))
	wantStatus(t, rec, http.StatusOK)
	m := decodeObject(t, rec)
	recs[4].updated, _ = m["updated_at"].(string)
	if recs[4].updated <= recs[4].created || m["created_at"] != recs[4].created {
		t.Fatalf("PUT answered created_at %v updated_at %v (created %s)", m["created_at"], recs[4].updated, recs[4].created)
	}
	return recs
}

func TestQueryFilters(t *testing.T) {
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := qSetup(t, h, k)
			for _, tc := range qFilterCases(recs) {
				t.Run(tc.name, func(t *testing.T) {
					var headers []string
					if tc.yaml {
						headers = []string{"Query-String-Format", "yaml"}
					}
					qCheck(t, h, k.base, qEscape(k.q(tc.query)), qWhere(recs, tc.want), headers...)
				})
			}
			// A '+' left unescaped in a URL arrives as a space.
			t.Run("created_at range, unescaped +", func(t *testing.T) {
				t2, t6 := recs[2].created, recs[6].created
				qCheck(t, h, k.base, "created_at.gte="+t2+"&created_at.lt="+t6,
					qWhere(recs, func(r qRec) bool { return r.created >= t2 && r.created < t6 }))
			})
		})
	}
}

// TestQueryANYINDEXTrap shows the record whose VDUs satisfy the two
// conditions of the example separately is found without ANYINDEX
// and not with it.
func TestQueryANYINDEXTrap(t *testing.T) {
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := qDataset()
			qCreate(t, h, k, recs)
			trap := recs[1].uuid
			for _, tc := range []struct {
				query string
				found bool
			}{
				{"{V}.id=vdu01&{V}.number_of_instances.gt=1", true},
				{"{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1", false},
			} {
				rec := do(t, h, http.MethodGet, k.base+"?"+qEscape(k.q(tc.query)), nil)
				wantStatus(t, rec, http.StatusOK)
				got := lstUUIDs(t, decodeList(t, rec))
				if slices.Contains(got, trap) != tc.found {
					t.Errorf("GET %s?%s: %v; the record with vdu01 (1 instance) and vdu02 (5) found: %v, want %v",
						k.base, k.q(tc.query), got, !tc.found, tc.found)
				}
				if len(got) == 0 {
					t.Errorf("GET %s?%s: no record, want the ones with a vdu01 of more than one instance", k.base, k.q(tc.query))
				}
			}
		})
	}
}

func TestQueryReservedKeys(t *testing.T) {
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := qSetup(t, h, k)
			all := qWhere(recs, qAll)
			offline := qWhere(recs, qStatusIn("offline"))
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"page_number=0", all},
				{"page_size=100", all},
				{"offset=0", all},
				{"limit=100", all},
				{"count=false", all},
				{"output=json", all},
				{"output=yaml", all},
				{"sort=status", all},
				{"sort=-created_at", all},
				{"fields=status", all},
				{"exclude_fields=status", all},
				{"exclude_default=", all},
				{"all_fields=", all},
				{"FORCE=true", all},
				{"PUBLIC=false", all},
				{"ADMIN=true", all},
				{"SET_PROJECT=admin", all},
				{"FORCE=true&PUBLIC=true&ADMIN=false&SET_PROJECT=admin", all},
				// Together with a filter, they do not take part in it.
				{"status=offline&FORCE=true&PUBLIC=false&ADMIN=true&SET_PROJECT=admin&fields=status&offset=0&limit=100", offline},
				{"status=offline&page_number=0&page_size=100&sort=flavour&exclude_fields=flavour", offline},
				// Not reserved: a key that only looks like one filters.
				{"FORCEX=true", nil},
				{"fields.x=1", nil},
			} {
				t.Run(tc.query, func(t *testing.T) {
					target := k.base + "?" + qEscape(tc.query)
					rec := do(t, h, http.MethodGet, target, nil)
					wantStatus(t, rec, http.StatusOK)
					got := lstUUIDs(t, lstDecode(t, rec))
					slices.Sort(got)
					want := tc.want
					if want == nil {
						want = []string{}
					}
					if !slices.Equal(got, want) {
						t.Errorf("GET %s: %v, want %v", target, got, want)
					}
					if n := lstTotal(t, rec); n != len(want) {
						t.Errorf("GET %s: X-Total-Count %d, want %d", target, n, len(want))
					}
				})
			}

			t.Run("nextpage_opaque_marker", func(t *testing.T) {
				order := lstOrdered(t, h, k.base)
				first := do(t, h, http.MethodGet, k.base+"?page_size=3", nil)
				wantStatus(t, first, http.StatusOK)
				next := lstLinks(t, first)["next"]
				u, err := url.Parse(next)
				if err != nil || len(u.Query()["nextpage_opaque_marker"]) != 1 {
					t.Fatalf("rel=next %q: no marker (%v)", next, err)
				}
				// The marker continues the list (also beside a filter); it filters nothing.
				rec := do(t, h, http.MethodGet, next, nil)
				wantStatus(t, rec, http.StatusOK)
				if got := lstUUIDs(t, decodeList(t, rec)); !slices.Equal(got, order[3:6]) {
					t.Errorf("GET %s: %v, want %v", next, got, order[3:6])
				}
				if n := lstTotal(t, rec); n != len(order) {
					t.Errorf("GET %s: X-Total-Count %d, want %d", next, n, len(order))
				}
			})
		})
	}
}

// qSortCase is an order and the records it lists.
type qSortCase struct {
	name  string
	query string
	want  func(qRec) bool
	cmp   func(a, b qRec) int // the order's keys; ties then go by uuid
	desc  bool                // ties by uuid descending (the default order only)
}

func qFlavourKey(r qRec) (int, string) {
	s, ok := qFlavour(r)
	if !ok {
		return 0, "" // missing sorts first, as null
	}
	return 1, s
}

func qCmpFlavour(a, b qRec) int {
	ap, as := qFlavourKey(a)
	bp, bs := qFlavourKey(b)
	return cmp.Or(cmp.Compare(ap, bp), strings.Compare(as, bs))
}

// qCmpX orders the free attribute x as BSON does: numbers, then strings.
func qCmpX(a, b qRec) int {
	ax, an := qX(a)
	bx, bn := qX(b)
	as, _ := qStr(a, "x")
	bs, _ := qStr(b, "x")
	switch {
	case an && bn:
		return cmp.Compare(ax, bx)
	case an:
		return -1
	case bn:
		return 1
	}
	return strings.Compare(as, bs)
}

// qCmpZ orders z: null and missing alike first, then strings.
func qCmpZ(a, b qRec) int {
	key := func(r qRec) (int, string) {
		if s, ok := qStr(r, "z"); ok {
			return 1, s
		}
		return 0, ""
	}
	ar, as := key(a)
	br, bs := key(b)
	return cmp.Or(cmp.Compare(ar, br), strings.Compare(as, bs))
}

// qCmpB orders b: missing first, then strings, then booleans (false before true).
func qCmpB(a, b qRec) int {
	key := func(r qRec) (int, string) {
		v, _ := qFree(r, "b")
		switch v := v.(type) {
		case string:
			return 1, v
		case bool:
			return 2, strconv.FormatBool(v)
		}
		return 0, ""
	}
	ar, as := key(a)
	br, bs := key(b)
	return cmp.Or(cmp.Compare(ar, br), strings.Compare(as, bs))
}

// qCmpTags orders by the least tag (greatest when desc); no tags sort first.
func qCmpTags(a, b qRec, desc bool) int {
	key := func(r qRec) (int, string) {
		t := qTags(r)
		if len(t) == 0 {
			return 0, ""
		}
		if desc {
			return 1, slices.Max(t)
		}
		return 1, slices.Min(t)
	}
	ar, as := key(a)
	br, bs := key(b)
	return cmp.Or(cmp.Compare(ar, br), strings.Compare(as, bs))
}

// qVcpus is the least vcpus of the VDUs (greatest when desc).
func qVcpus(r qRec, desc bool) int {
	l := make([]int, len(r.vdus))
	for i, v := range r.vdus {
		l[i] = v.vcpus
	}
	if desc {
		return slices.Max(l)
	}
	return slices.Min(l)
}

func TestQuerySort(t *testing.T) {
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := qSetup(t, h, k)
			tests := []qSortCase{
				{"status ascending", "sort=status", qAll,
					func(a, b qRec) int { return strings.Compare(a.status, b.status) }, false},
				{"plus is ascending", "sort=+status", qAll,
					func(a, b qRec) int { return strings.Compare(a.status, b.status) }, false},
				{"status descending", "sort=-status", qAll,
					func(a, b qRec) int { return strings.Compare(b.status, a.status) }, false},
				{"two keys", "sort=-status,flavour", qAll,
					func(a, b qRec) int { return cmp.Or(strings.Compare(b.status, a.status), qCmpFlavour(a, b)) }, false},
				{"two keys other directions", "sort=status,-flavour", qAll,
					func(a, b qRec) int { return cmp.Or(strings.Compare(a.status, b.status), qCmpFlavour(b, a)) }, false},
				{"created_at ascending", "sort=created_at", qAll,
					func(a, b qRec) int { return strings.Compare(a.created, b.created) }, false},
				{"created_at descending is the default", "sort=-created_at", qAll,
					func(a, b qRec) int { return strings.Compare(b.created, a.created) }, true},
				{"no sort is the default", "", qAll,
					func(a, b qRec) int { return strings.Compare(b.created, a.created) }, true},
				{"updated_at descending", "sort=-updated_at", qAll,
					func(a, b qRec) int { return strings.Compare(b.updated, a.updated) }, false},
				{"uuid", "sort=uuid", qAll, func(a, b qRec) int { return 0 }, false},
				{"uuid descending", "sort=-uuid", qAll, func(a, b qRec) int { return strings.Compare(b.uuid, a.uuid) }, false},
				{"filtered, numbers descending with a tie", "{F}.x.gte=0&sort=-{F}.x",
					func(r qRec) bool { x, ok := qX(r); return ok && x >= 0 },
					func(a, b qRec) int { ax, _ := qX(a); bx, _ := qX(b); return cmp.Compare(bx, ax) }, false},
				{"mixed types: numbers before strings", "sort={F}.x", qAll, qCmpX, false},
				{"mixed types descending", "sort=-{F}.x", qAll, func(a, b qRec) int { return qCmpX(b, a) }, false},
				{"null and missing first", "sort={F}.z,status", qAll,
					func(a, b qRec) int { return cmp.Or(qCmpZ(a, b), strings.Compare(a.status, b.status)) }, false},
				{"null and missing last descending", "sort=-{F}.z", qAll, func(a, b qRec) int { return qCmpZ(b, a) }, false},
				{"array ascending by least element", "sort={F}.tags", qAll,
					func(a, b qRec) int { return qCmpTags(a, b, false) }, false},
				{"array descending by greatest element", "sort=-{F}.tags", qAll,
					func(a, b qRec) int { return qCmpTags(b, a, true) }, false},
				{"VDU array ascending", "sort={V}.resource_requirements.cpu.vcpus", qAll,
					func(a, b qRec) int { return cmp.Compare(qVcpus(a, false), qVcpus(b, false)) }, false},
				{"VDU array descending", "sort=-{V}.resource_requirements.cpu.vcpus", qAll,
					func(a, b qRec) int { return cmp.Compare(qVcpus(b, true), qVcpus(a, true)) }, false},
				{"booleans and strings", "sort={F}.b", qAll, qCmpB, false},
				{"filtered by status, flavour", "status.neq=terminated&sort=flavour",
					qNot(qStatusIn("terminated")), qCmpFlavour, false},
				{"ANYINDEX filter, sorted", "{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1&sort=-flavour,created_at",
					func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 }) },
					func(a, b qRec) int { return cmp.Or(qCmpFlavour(b, a), strings.Compare(a.created, b.created)) }, false},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					var want []qRec
					for _, r := range recs {
						if tc.want(r) {
							want = append(want, r)
						}
					}
					slices.SortFunc(want, func(a, b qRec) int {
						if c := tc.cmp(a, b); c != 0 {
							return c
						}
						if tc.desc {
							return strings.Compare(b.uuid, a.uuid)
						}
						return strings.Compare(a.uuid, b.uuid)
					})
					wantIDs := make([]string, len(want))
					for i, r := range want {
						wantIDs[i] = r.uuid
					}
					query := qJoin(qEscape(k.q(tc.query)), "page_size=1000")
					rec := do(t, h, http.MethodGet, k.base+"?"+query, nil)
					wantStatus(t, rec, http.StatusOK)
					if got := lstUUIDs(t, decodeList(t, rec)); !slices.Equal(got, wantIDs) {
						t.Errorf("GET %s?%s:\n%v\nwant\n%v", k.base, query, got, wantIDs)
					}
					// The same order page by page, through the markers.
					if got := qWalk(t, h, k.base+"?"+qJoin(qEscape(k.q(tc.query)), "page_size=2"), len(wantIDs), nil); !slices.Equal(got, wantIDs) {
						t.Errorf("walk of %s?%s by pages of 2:\n%v\nwant\n%v", k.base, tc.query, got, wantIDs)
					}
				})
			}
		})
	}
}

// qWalk follows rel="next" from target to the end and returns the uuids in
// the order the pages gave them. It fails on a record seen twice and on a
// next link without a marker. between, when set, runs after each page (it
// gets the page number, from 0).
func qWalk(t *testing.T, h http.Handler, target string, want int, between func(page int)) []string {
	t.Helper()
	var got []string
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page > want+2 {
			t.Fatalf("still following rel=next after %d pages", page)
		}
		rec := do(t, h, http.MethodGet, target, nil)
		wantStatus(t, rec, http.StatusOK)
		for _, id := range lstUUIDs(t, lstDecode(t, rec)) {
			if seen[id] {
				t.Errorf("page %d (%s): record %s seen again", page, target, id)
			}
			seen[id] = true
			got = append(got, id)
		}
		if between != nil {
			between(page)
		}
		next, ok := lstLinks(t, rec)["next"]
		if !ok {
			return got
		}
		u, err := url.Parse(next)
		if err != nil || len(u.Query()["nextpage_opaque_marker"]) != 1 {
			t.Fatalf("page %d: rel=next %q carries no marker", page, next)
		}
		target = next
	}
}

func TestQueryMarkerWalk(t *testing.T) {
	statuses := []string{"offline", "failed", "normal operation", "terminated"}
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := make([]qRec, 22)
			for i := range recs {
				recs[i] = qRec{
					status:  statuses[i%4],
					flavour: qp(fmt.Sprintf("ref-%d", i%3)),
					vdus:    []qVDU{{fmt.Sprintf("vdu0%d", i%3+1), qp(i % 4), 1, nil}, {"vdu09", qp(2), 2, nil}},
					free:    map[string]any{"x": i % 5},
				}
			}
			qCreate(t, h, k, recs)

			// expected lists recs that keep accepts in the order of less, ties by uuid.
			expected := func(recs []qRec, keep func(qRec) bool, less func(a, b qRec) int, uuidDesc bool) []string {
				var l []qRec
				for _, r := range recs {
					if keep(r) {
						l = append(l, r)
					}
				}
				slices.SortFunc(l, func(a, b qRec) int {
					if c := less(a, b); c != 0 {
						return c
					}
					if uuidDesc {
						return strings.Compare(b.uuid, a.uuid)
					}
					return strings.Compare(a.uuid, b.uuid)
				})
				out := make([]string, len(l))
				for i, r := range l {
					out[i] = r.uuid
				}
				return out
			}
			byXThenRefDesc := func(a, b qRec) int {
				ax, _ := qX(a)
				bx, _ := qX(b)
				return cmp.Or(cmp.Compare(ax, bx), qCmpFlavour(b, a))
			}
			notTerminated := qNot(qStatusIn("terminated"))

			t.Run("filter and sort, records created meanwhile", func(t *testing.T) {
				query := qEscape(k.q("status.neq=terminated&sort={F}.x,-flavour")) + "&page_size=4"
				want := expected(recs, notTerminated, byXThenRefDesc, false)
				// The full answer, in one page, is the same list.
				full := do(t, h, http.MethodGet, k.base+"?"+strings.Replace(query, "page_size=4", "page_size=1000", 1), nil)
				wantStatus(t, full, http.StatusOK)
				if got := lstUUIDs(t, decodeList(t, full)); !slices.Equal(got, want) {
					t.Fatalf("one page: %v, want %v", got, want)
				}
				first := do(t, h, http.MethodGet, k.base+"?"+query, nil)
				if n := lstTotal(t, first); n != len(want) {
					t.Errorf("X-Total-Count %d, want %d", n, len(want))
				}

				// After page 1, three records are created: one that sorts
				// before the marker (it must not appear), one that sorts
				// after everything (it must appear, last), one filtered out.
				var before, after, out qRec
				created := func(page int) {
					if page != 1 {
						return
					}
					extra := []qRec{
						{status: "offline", flavour: qp("ref-0"), vdus: recs[0].vdus, free: map[string]any{"x": -5}},
						{status: "failed", flavour: qp("ref-0"), vdus: recs[0].vdus, free: map[string]any{"x": 99}},
						{status: "terminated", flavour: qp("ref-0"), vdus: recs[0].vdus, free: map[string]any{"x": 99}},
					}
					qCreate(t, h, k, extra)
					before, after, out = extra[0], extra[1], extra[2]
				}
				got := qWalk(t, h, k.base+"?"+query, len(want), created)
				wantWalk := append(slices.Clone(want), after.uuid)
				if !slices.Equal(got, wantWalk) {
					t.Errorf("walk:\n%v\nwant\n%v\n(created meanwhile: before %s, after %s, filtered out %s)",
						got, wantWalk, before.uuid, after.uuid, out.uuid)
				}
				recs = append(recs, before, after, out)
			})

			t.Run("ANYINDEX filter, descending, by limit", func(t *testing.T) {
				query := qEscape(k.q("{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1&sort=-{F}.x")) + "&limit=3"
				keep := func(r qRec) bool { return qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 }) }
				want := expected(recs, keep, func(a, b qRec) int { ax, _ := qX(a); bx, _ := qX(b); return cmp.Compare(bx, ax) }, false)
				if len(want) < 4 {
					t.Fatalf("only %d records match: the walk needs several pages", len(want))
				}
				first := do(t, h, http.MethodGet, k.base+"?"+query, nil)
				wantStatus(t, first, http.StatusOK)
				if n := lstTotal(t, first); n != len(want) {
					t.Errorf("X-Total-Count %d, want %d", n, len(want))
				}
				next := lstLinks(t, first)["next"]
				if u, _ := url.Parse(next); u == nil || u.Query().Get("limit") != "3" {
					t.Errorf("rel=next %q does not keep limit=3", next)
				}
				if got := qWalk(t, h, k.base+"?"+query, len(want), nil); !slices.Equal(got, want) {
					t.Errorf("walk:\n%v\nwant\n%v", got, want)
				}
			})

			t.Run("positions agree with markers", func(t *testing.T) {
				filter := qEscape(k.q("{V}.ANYINDEX.id=vdu01&{V}.ANYINDEX.number_of_instances.gt=1&status.neq=failed&sort=flavour,-{F}.x"))
				keep := func(r qRec) bool {
					return r.status != "failed" && qAnyVDU(r, func(v qVDU) bool { return v.id == "vdu01" && qN(v) > 1 })
				}
				want := expected(recs, keep, func(a, b qRec) int {
					ax, _ := qX(a)
					bx, _ := qX(b)
					return cmp.Or(qCmpFlavour(a, b), cmp.Compare(bx, ax))
				}, false)
				if len(want) < 3 {
					t.Fatalf("only %d records match: the pages need several", len(want))
				}
				var byNumber, byOffset []string
				for p := 0; p*2 < len(want)+2; p++ {
					rec := do(t, h, http.MethodGet, fmt.Sprintf("%s?%s&page_size=2&page_number=%d", k.base, filter, p), nil)
					wantStatus(t, rec, http.StatusOK)
					if n := lstTotal(t, rec); n != len(want) {
						t.Errorf("page_number=%d: X-Total-Count %d, want %d", p, n, len(want))
					}
					byNumber = append(byNumber, lstUUIDs(t, decodeList(t, rec))...)
					rec = do(t, h, http.MethodGet, fmt.Sprintf("%s?%s&limit=2&offset=%d", k.base, filter, p*2), nil)
					wantStatus(t, rec, http.StatusOK)
					byOffset = append(byOffset, lstUUIDs(t, decodeList(t, rec))...)
				}
				byMarker := qWalk(t, h, k.base+"?"+filter+"&page_size=2", len(want), nil)
				for name, got := range map[string][]string{"page_number": byNumber, "offset": byOffset, "markers": byMarker} {
					if !slices.Equal(got, want) {
						t.Errorf("by %s:\n%v\nwant\n%v", name, got, want)
					}
				}
			})

			t.Run("filter, default order", func(t *testing.T) {
				keep := qStatusIn("offline", "failed")
				want := expected(recs, keep, func(a, b qRec) int { return strings.Compare(b.created, a.created) }, true)
				query := qEscape("status=offline,failed") + "&page_size=5"
				if got := qWalk(t, h, k.base+"?"+query, len(want), nil); !slices.Equal(got, want) {
					t.Errorf("walk:\n%v\nwant\n%v", got, want)
				}
				// Created meanwhile, newer than the marker: not in the rest of the walk.
				var extra []qRec
				got := qWalk(t, h, k.base+"?"+query, len(want), func(page int) {
					if page == 0 {
						extra = []qRec{{status: "offline", flavour: qp("ref-1"), vdus: recs[0].vdus, free: map[string]any{"x": 1}}}
						qCreate(t, h, k, extra)
					}
				})
				if !slices.Equal(got, want) {
					t.Errorf("walk with a record created after page 0 (%s):\n%v\nwant\n%v", extra[0].uuid, got, want)
				}
				recs = append(recs, extra...)

				// Deleted meanwhile, on a page already read: the walk skips nothing.
				want = expected(recs, keep, func(a, b qRec) int { return strings.Compare(b.created, a.created) }, true)
				got = qWalk(t, h, k.base+"?"+query, len(want), func(page int) {
					if page == 0 {
						wantStatus(t, do(t, h, http.MethodDelete, k.base+"/"+want[0], nil), http.StatusOK)
					}
				})
				if !slices.Equal(got, want) {
					t.Errorf("walk with the first record deleted after page 0 (%s):\n%v\nwant\n%v", want[0], got, want)
				}
				recs = slices.DeleteFunc(recs, func(r qRec) bool { return r.uuid == want[0] })
			})

			t.Run("created_at ascending, with a range", func(t *testing.T) {
				lo, hi := recs[3].created, recs[17].created
				keep := func(r qRec) bool { return r.created >= lo && r.created < hi }
				want := expected(recs, keep, func(a, b qRec) int { return strings.Compare(a.created, b.created) }, false)
				query := qEscape("created_at.lt="+hi+"&created_at.gte="+lo+"&sort=created_at") + "&page_size=4"
				if got := qWalk(t, h, k.base+"?"+query, len(want), nil); !slices.Equal(got, want) {
					t.Errorf("walk:\n%v\nwant\n%v", got, want)
				}
			})
		})
	}
}

// TestQueryMarkerTies walks orders over records created concurrently, so
// that several share a creation millisecond: ties go by uuid, and markers
// cut between tied records without losing or repeating one.
func TestQueryMarkerTies(t *testing.T) {
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			lstSeed(t, h, k.base, 30, []string{"offline", "failed", "terminated"}, nil)
			rec := do(t, h, http.MethodGet, k.base+"?page_size=1000", nil)
			wantStatus(t, rec, http.StatusOK)
			type row struct{ uuid, created, status string }
			var rows []row
			for _, m := range decodeList(t, rec) {
				rows = append(rows, row{m["uuid"].(string), m["created_at"].(string), m["status"].(string)})
			}
			ties := 0
			for i := range rows {
				for j := range i {
					if rows[i].created == rows[j].created {
						ties++
					}
				}
			}
			t.Logf("%d pairs of records share a creation millisecond", ties)
			for _, tc := range []struct {
				query string
				keep  func(row) bool
				cmp   func(a, b row) int
			}{
				{"sort=created_at&page_size=3", func(row) bool { return true },
					func(a, b row) int {
						return cmp.Or(strings.Compare(a.created, b.created), strings.Compare(a.uuid, b.uuid))
					}},
				{"status.neq=terminated&page_size=2", func(r row) bool { return r.status != "terminated" },
					func(a, b row) int {
						return cmp.Or(strings.Compare(b.created, a.created), strings.Compare(b.uuid, a.uuid))
					}},
				{"status=offline,terminated&sort=-status,created_at&page_size=4", func(r row) bool { return r.status != "failed" },
					func(a, b row) int {
						return cmp.Or(strings.Compare(b.status, a.status), strings.Compare(a.created, b.created), strings.Compare(a.uuid, b.uuid))
					}},
			} {
				var want []string
				l := slices.Clone(rows)
				slices.SortFunc(l, tc.cmp)
				for _, r := range l {
					if tc.keep(r) {
						want = append(want, r.uuid)
					}
				}
				if got := qWalk(t, h, k.base+"?"+tc.query, len(want), nil); !slices.Equal(got, want) {
					t.Errorf("walk of %s:\n%v\nwant\n%v", tc.query, got, want)
				}
			}

			// A marker belongs to its order.
			first := do(t, h, http.MethodGet, k.base+"?sort=status&page_size=2", nil)
			wantStatus(t, first, http.StatusOK)
			next, _ := url.Parse(lstLinks(t, first)["next"])
			marker := next.Query().Get("nextpage_opaque_marker")
			for _, other := range []string{"sort=-status", "sort=status,created_at", ""} {
				target := k.base + "?" + qJoin(other, "nextpage_opaque_marker="+marker)
				e := wantError(t, do(t, h, http.MethodGet, target, nil), http.StatusBadRequest, "BAD_REQUEST")
				if d, _ := e["detail"].(string); !strings.Contains(d, "nextpage_opaque_marker") {
					t.Errorf("GET %s: detail %q does not name nextpage_opaque_marker", target, d)
				}
			}
			// An altered marker is refused, not answered with some page.
			for _, bad := range []string{marker[:len(marker)-2], marker + "A", "x" + marker[1:]} {
				target := k.base + "?sort=status&nextpage_opaque_marker=" + bad
				if rec := do(t, h, http.MethodGet, target, nil); rec.Code != http.StatusBadRequest {
					t.Errorf("GET %s: %d, want 400", target, rec.Code)
				}
			}
		})
	}
}

// qTree is a set of attribute paths: a nil child is a whole attribute.
type qTree map[string]qTree

func qTreeOf(paths ...string) qTree {
	root := qTree{}
	for _, p := range paths {
		n := root
		segs := strings.Split(p, ".")
		for i, s := range segs {
			child, ok := n[s]
			if ok && child == nil {
				break // already whole
			}
			if i == len(segs)-1 {
				n[s] = nil
				break
			}
			if !ok {
				child = qTree{}
				n[s] = child
			}
			n = child
		}
	}
	return root
}

// qKeep is MongoDB's inclusion projection of v on t: objects on the way are
// kept, array elements that are not objects or arrays are dropped, a
// scalar where t goes deeper is dropped.
func qKeep(v any, t qTree) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for name, sub := range t {
			val, ok := v[name]
			if !ok {
				continue
			}
			if sub == nil {
				out[name] = val
			} else if kept, ok := qKeep(val, sub); ok {
				out[name] = kept
			}
		}
		return out, true
	case []any:
		out := []any{}
		for _, e := range v {
			if kept, ok := qKeep(e, t); ok {
				out = append(out, kept)
			}
		}
		return out, true
	}
	return nil, false
}

// qDrop removes the paths of t from v (through arrays, every element).
func qDrop(v any, t qTree) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for name, val := range v {
			sub, ok := t[name]
			switch {
			case !ok:
				out[name] = val
			case sub == nil:
			default:
				out[name] = qDrop(val, sub)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = qDrop(e, t)
		}
		return out
	}
	return v
}

func TestQuerySelectors(t *testing.T) {
	identity := []string{"uuid", "created_at", "updated_at"}
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			recs := qSetup(t, h, k)

			// The whole records, and a check that they read back as sent.
			rec := do(t, h, http.MethodGet, k.base+"?page_size=1000", nil)
			wantStatus(t, rec, http.StatusOK)
			full := map[string]map[string]any{}
			for _, item := range decodeList(t, rec) {
				full[item["uuid"].(string)] = item
			}
			for _, r := range recs {
				var sent map[string]any
				if err := json.Unmarshal(qBody(t, k, r), &sent); err != nil {
					t.Fatal(err)
				}
				delete(sent, "id")
				sent["uuid"], sent["created_at"], sent["updated_at"] = r.uuid, r.created, r.updated
				if !reflect.DeepEqual(full[r.uuid], sent) {
					t.Fatalf("record %s reads back as\n%v\nwant\n%v", r.uuid, full[r.uuid], sent)
				}
			}

			fieldsOnly := func(paths ...string) func(map[string]any) map[string]any {
				tree := qTreeOf(append(slices.Clone(identity), paths...)...)
				return func(m map[string]any) map[string]any { v, _ := qKeep(m, tree); return v.(map[string]any) }
			}
			excluding := func(paths ...string) func(map[string]any) map[string]any {
				tree := qTreeOf(paths...)
				return func(m map[string]any) map[string]any { return qDrop(m, tree).(map[string]any) }
			}
			// exclude_default with fields: the complex attributes go, the
			// listed paths of them stay.
			excludeDefaultKeeping := func(paths ...string) func(map[string]any) map[string]any {
				keep := qTreeOf(paths...)
				return func(m map[string]any) map[string]any {
					out := qDrop(m, qTreeOf(k.complex...)).(map[string]any)
					for _, c := range k.complex {
						sub, listed := keep[c]
						val, present := m[c]
						if !listed || !present {
							continue
						}
						if sub == nil {
							out[c] = val
						} else if kept, ok := qKeep(val, sub); ok {
							out[c] = kept
						}
					}
					return out
				}
			}

			tests := []struct {
				name  string
				query string
				shape func(map[string]any) map[string]any
			}{
				{"fields a,b.c", "fields=status,{V}.id", fieldsOnly("status", k.vdus+".id")},
				{"fields repeated key", "fields=status&fields={V}.id", fieldsOnly("status", k.vdus+".id")},
				{"fields deep", "fields={V}.resource_requirements.cpu", fieldsOnly(k.vdus + ".resource_requirements.cpu")},
				{"fields missing in some", "fields=flavour,{F}.s", fieldsOnly("flavour", k.free+".s")},
				{"fields a and a.b", "fields={V},{V}.id", fieldsOnly(k.vdus)},
				{"fields with a filter", "fields=status&status=offline", fieldsOnly("status")},
				{"exclude_fields", "exclude_fields=flavour,{V}.resource_requirements",
					excluding("flavour", k.vdus+".resource_requirements")},
				{"exclude_fields created_at", "exclude_fields=created_at,updated_at", excluding("created_at", "updated_at")},
				{"exclude_fields nested in the free attributes", "exclude_fields={F}.tags,{F}.name.foo", excluding(k.free+".tags", k.free+".name.foo")},
				{"all_fields", "all_fields", excluding()},
				{"all_fields empty value", "all_fields=", excluding()},
				{"exclude_default", "exclude_default", excluding(k.complex...)},
				{"exclude_default with fields", "exclude_default&fields={V}.id", excludeDefaultKeeping(k.vdus + ".id")},
				{"exclude_default with fields and a filter", "exclude_default&fields={F}.x&{F}.x.gt=2", excludeDefaultKeeping(k.free + ".x")},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					query := k.q(tc.query)
					target := k.base + "?" + qJoin(qEscape(query), "page_size=1000")
					rec := do(t, h, http.MethodGet, target, nil)
					wantStatus(t, rec, http.StatusOK)
					l := decodeList(t, rec)
					// The filter part of the query, if any, picks the records.
					var keep func(qRec) bool = qAll
					switch {
					case strings.Contains(query, "status=offline"):
						keep = qStatusIn("offline")
					case strings.Contains(query, ".x.gt=2"):
						keep = func(r qRec) bool { x, ok := qX(r); return ok && x > 2 }
					}
					want := qWhere(recs, keep)
					got := lstUUIDs(t, l)
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("GET %s: records %v, want %v", target, got, want)
					}
					if n := lstTotal(t, rec); n != len(want) {
						t.Errorf("GET %s: X-Total-Count %d, want %d", target, n, len(want))
					}
					for _, item := range l {
						id := item["uuid"].(string)
						if w := tc.shape(full[id]); !reflect.DeepEqual(item, w) {
							t.Errorf("GET %s: record %s is\n%v\nwant\n%v", target, id, item, w)
						}
					}
				})
			}
		})
	}
}

// qBadCase is a query the service must refuse with 400 naming a key.
type qBadCase struct {
	query   string // a template; escaped unless raw
	raw     bool
	header  string // Query-String-Format value, "" for none
	names   string // a template: what the detail must contain
	comment string
}

func TestQueryErrors(t *testing.T) {
	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("a%d=1", i)
	}
	tests := []qBadCase{
		{query: "$where=1", names: "$where"},
		{query: "status=offline&$where=1", names: "$where"},
		{query: "status.$ne=offline", names: "status.$ne"},
		{query: "{F}.$gt=1", names: "{F}.$gt"},
		{query: "{V}.$.id=vdu01", names: "{V}.$.id"},
		{query: "foo..bar=1", names: "foo..bar"},
		{query: "{V}..id=vdu01", names: "{V}..id"},
		{query: ".status=offline", names: ".status"},
		{query: "status.=offline", names: "status."},
		{query: "status..gt=a", names: "status..gt"},
		{query: "=1", names: "filter"},
		{query: "stat us=offline", names: "stat us"},
		{query: "status/x=offline", names: "status/x"},
		{query: "_id=x", names: "_id"},
		{query: "_admin.created.gt=2018-01-01", names: "_admin.created.gt"},
		{query: "uuid.foo=x", names: "uuid.foo"},
		{query: "created_at.year=2018", names: "created_at.year"},
		{query: "{V}.01.id=vdu01", names: "{V}.01.id"},
		{query: "{V}.1234567890.id=vdu01", names: "{V}.1234567890.id"},
		{query: "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q=1", names: "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q"},
		{query: strings.Join(tooMany, "&"), names: "a", comment: "51 conditions"},
		{query: "status=" + strings.Repeat("x", 1025), names: "status"},
		// ANYINDEX only between an array attribute and an attribute of its elements.
		{query: "ANYINDEX.id=vdu01", names: "ANYINDEX.id"},
		{query: "{V}.ANYINDEX=vdu01", names: "{V}.ANYINDEX"},
		{query: "{V}.ANYINDEX.gt=1", names: "{V}.ANYINDEX.gt"},
		{query: "{V}.ANYINDEX.ANYINDEX.id=vdu01", names: "{V}.ANYINDEX.ANYINDEX.id"},
		// Values that cannot be compared.
		{query: "{F}.x.gt=", names: "{F}.x.gt"},
		{query: "{F}.x.lte=", names: "{F}.x.lte"},
		{query: "{F}.x.gt=1,", names: "{F}.x.gt"},
		{query: "{F}.x.gt=true", header: "yaml", names: "{F}.x.gt"},
		{query: "{F}.x.lt=~", header: "yaml", names: "{F}.x.lt"},
		{query: "{F}.x.gte=", header: "yaml", names: "{F}.x.gte"},
		{query: "{F}.x=[1,2]", header: "yaml", names: "{F}.x"},
		{query: "{F}.x={a: 1}", header: "yaml", names: "{F}.x"},
		{query: "{F}.x=.nan", header: "yaml", names: "{F}.x"},
		{query: "{F}.x.gt=.inf", header: "yaml", names: "{F}.x.gt"},
		{query: "created_at.gt=yesterday", names: "created_at.gt"},
		{query: "created_at=2018-13-45", names: "created_at"},
		{query: "created_at.gte=2018-01-01&created_at.lt=soon", names: "created_at.lt"},
		{query: "updated_at.lt=", names: "updated_at.lt"},
		{query: "created_at.gte=5", header: "yaml", names: "created_at.gte"},
		{query: "status=%ff", raw: true, names: "status"},
		{query: "status=a%00b", raw: true, names: "status"},
		{query: "status=%zz", raw: true, names: "query"},
		// Query-String-Format other than yaml.
		{query: "status=offline", header: "json", names: "Query-String-Format"},
		{query: "status=offline", header: "xml", names: "Query-String-Format"},
		// sort and the selectors name themselves.
		{query: "sort=status,status", names: "sort"},
		{query: "sort=-", names: "sort"},
		{query: "sort=$natural", names: "sort"},
		{query: "sort={V}.ANYINDEX.id", names: "sort"},
		{query: "sort=status&sort=uuid", names: "sort"},
		{query: "fields=a..b", names: "fields"},
		{query: "fields=status&exclude_fields=uuid", names: "fields"},
		{query: "exclude_fields=uuid", names: "exclude_fields"},
		{query: "all_fields&fields=status", names: "all_fields"},
		{query: "exclude_default=1", names: "exclude_default"},
		{query: "fields={V}.0.id", names: "fields"},
		{query: "fields=$where", names: "fields"},
	}
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			qCreate(t, h, k, qDataset()[:2])
			for _, tc := range tests {
				query := k.q(tc.query)
				name := query
				if tc.comment != "" {
					name = tc.comment
				}
				if tc.header != "" {
					name += " (" + tc.header + ")"
				}
				t.Run(name, func(t *testing.T) {
					target := k.base + "?"
					if tc.raw {
						target += query
					} else {
						target += qEscape(query)
					}
					var headers []string
					if tc.header != "" {
						headers = []string{"Query-String-Format", tc.header}
					}
					for _, tgt := range []string{target, strings.Replace(target, "?", "?count&", 1)} {
						rec := do(t, h, http.MethodGet, tgt, nil, headers...)
						e := wantError(t, rec, http.StatusBadRequest, "BAD_REQUEST")
						if d, _ := e["detail"].(string); !strings.Contains(d, k.q(tc.names)) {
							t.Errorf("GET %s: detail %q does not name %q", tgt, d, k.q(tc.names))
						}
					}
				})
			}
		})
	}
}

// TestQueryNever500 sends odd but well-formed queries: each is answered 200
// or 400, never 500, and the store is still fine afterwards.
func TestQueryNever500(t *testing.T) {
	queries := []string{
		"{V}.999999999.id=vdu01",
		"{F}.x.gt=1e400",
		"{F}.x.lt=-1e400",
		"{F}.x=-0",
		"{F}.x.gt=9223372036854775808",
		"{F}.x.lt=-9223372036854775809",
		"{F}.x.gte=0.0000000000000000000001",
		"status.cont=%",
		`status.cont=\`,
		"status.cont=(",
		"status.ncont=[",
		"status=\u00e9t\u00e9",
		"flavour.gt=\U0001F600",
		"{F}.tags.ANYINDEX.x=1",
		"{F}.x.ANYINDEX.y=1",
		"{F}.ANYINDEX.x.ANYINDEX.y=1",
		"{V}.ANYINDEX.resource_requirements.ANYINDEX.vcpus=1",
		"{V}.ANYINDEX.0=1",
		"{V}.0.0.0=1",
		"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p=1",
		"status.gt.eq=offline",
		"gt=1",
		"eq.status=offline",
		"neq=",
		"status.neq.ncont=x",
		"sort={F}.tags",
		"sort=-{V}.resource_requirements",
		"sort={V}.id,-{F}.x,{F}.name,status,flavour,uuid,created_at,updated_at",
		"sort={F}.z&{F}.z=",
		"fields={V}.resource_requirements.cpu.vcpus&{V}.ANYINDEX.id=vdu01",
		"status=" + strings.Repeat("a,", 199) + "a",
		"{F}.x.gt=1&{F}.x.gt=2&{F}.x.gt=3&{F}.x.gt=4&{F}.x.lt=100&{F}.x.lt=99",
	}
	for _, k := range qKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			qCreate(t, h, k, qDataset())
			for _, q := range queries {
				for _, header := range []string{"", "yaml"} {
					target := k.base + "?" + qEscape(k.q(q))
					rec := do(t, h, http.MethodGet, target, nil, "Query-String-Format", header)
					if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
						t.Errorf("GET %s (Query-String-Format %q): %d %s", target, header, rec.Code, rec.Body.String())
					}
				}
			}
			if n := lstTotal(t, do(t, h, http.MethodGet, k.base, nil)); n != len(qDataset()) {
				t.Errorf("after the odd queries, X-Total-Count %d, want %d", n, len(qDataset()))
			}
		})
	}
}
