package filter

import (
	"math"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter/filtertest"
	"github.com/nfv-records/nfv-records/models"
)

// namedArray and orderedDoc stand for the driver's bson.A and bson.D.
type namedArray = filtertest.NamedArray

type pair struct {
	Key   string
	Value any
}

type orderedDoc []pair

// namedNumber stands for a named numeric type such as bson.DateTime: not a
// number for comparisons.
type namedNumber int64

func rendered(fields map[string]any, created, modified string) map[string]any {
	return renderedView("3f1e0c7a-1111-4aaa-8bbb-000000000001", fields, utc(created), utc(modified))
}

// renderedView is a record as clients see it (and filters read it): its
// fields with their Go types as given, without id, plus uuid and the
// times in tng-rep's format.
func renderedView(uuid string, fields map[string]any, created, modified time.Time) map[string]any {
	out := make(map[string]any, len(fields)+3)
	for k, v := range fields {
		out[k] = v
	}
	delete(out, models.FieldID)
	out[models.FieldUUID] = uuid
	out[models.FieldCreatedAt] = models.FormatTime(created)
	out[models.FieldUpdatedAt] = models.FormatTime(modified)
	return out
}

func TestMatch(t *testing.T) {
	vnfr := rendered(M{
		"status":               "normal operation",
		"descriptor_reference": "d-1",
		"tags":                 A{"a", "b", int32(5)},
		"number":               int32(5),
		"big":                  int64(9007199254740993),
		"ratio":                2.5,
		"numstr":               "5",
		"flag":                 true,
		"flagstr":              "true",
		"nothing":              nil,
		"name":                 "my-dns.1",
		"virtual_deployment_units": A{
			M{"id": "vdu01", "number_of_instances": int32(1), "cpu": M{"vcpus": int64(2)}, "tags": A{"x"}},
			M{"id": "vdu02", "number_of_instances": int64(3), "cpu": M{"vcpus": 8.0}},
		},
		"nested":  A{A{int32(1), int32(2)}, A{"x"}},
		"objarr":  A{M{"b": int32(1)}, M{"c": int32(2)}, int32(7)},
		"numkeys": A{M{"0": "field-zero", "b": "elem-zero"}, M{"b": "elem-one"}},
		"bsonA":   namedArray{"p", int32(9)},
		"bsonD":   orderedDoc{{"k", "v"}, {"n", int32(1)}},
		"date":    namedNumber(5),
		"nan":     math.NaN(),
		"empty":   A{},
		"emptys":  "",
	}, "2018-02-26T17:58:51.758Z", "2018-03-01T00:00:00Z")

	tests := []struct {
		query string
		yaml  bool
		want  bool
	}{
		{"", false, true},
		{"status=normal%20operation", false, true},
		{"status=running", false, false},
		{"status=running,normal%20operation", false, true},
		{"status.neq=terminated", false, true},
		{"status.neq=terminated,normal%20operation", false, false},
		{"descriptor_reference=d-1&status.neq=terminated", false, true},
		// arrays: any element, for eq and for their negations
		{"tags=a", false, true},
		{"tags=c", false, false},
		{"tags=5", false, true},
		{"tags.neq=a", false, false},
		{"tags.neq=c", false, true},
		{"tags.cont=b", false, true},
		{"tags.ncont=b", false, false},
		{"tags.gt=4", false, true},
		{"tags.gt=a", false, true},
		{"tags.gt=b", false, false},
		// missing attributes and null
		{"missing.neq=x", false, true},
		{"missing.ncont=x", false, true},
		{"missing=", false, true},
		{"nothing=", false, true},
		{"status=", false, false},
		{"missing=x", false, false},
		{"missing.gt=0", false, false},
		{"missing.lt=z", false, false},
		{"nothing.neq=", false, false},
		{"status.neq=", false, true},
		{"emptys=", false, true}, // the empty string too
		{"empty=", false, false}, // an empty array is a value
		// numbers and numeric strings, type brackets
		{"number=5", false, true},
		{"number=5.0", false, true},
		{"number=5e0", false, true},
		{"numstr=5", false, true},
		{"numstr=5.0", false, false},
		{"number.gt=4", false, true},
		{"number.gt=5", false, false},
		{"number.gte=5", false, true},
		{"number.lt=5.5", false, true},
		{"numstr.gt=4", false, false}, // a string never compares with a number
		{"number.gt=4a", false, false},
		{"numstr.gt=4a", false, true}, // strings: "5" > "4a"
		{"big=9007199254740993", false, true},
		{"big=9007199254740992", false, false},
		{"big.gt=9007199254740992", false, true},
		{"big.gt=9007199254740992.0", false, true}, // exact int/float comparison
		{"ratio.gt=2", false, true},
		{"ratio.lt=3", false, true},
		{"ratio=2.5", false, true},
		{"ratio=2.50", false, true},
		{"nan.gt=0", false, false},
		{"nan.lt=0", false, false},
		{"nan=0", false, false},
		{"date=5", false, false},
		{"date.gt=0", false, false},
		// booleans
		{"flag=true", false, true},
		{"flag=false", false, false},
		{"flagstr=true", false, true},
		{"flag.neq=true", false, false},
		// cont: equality or plain substring
		{"name.cont=dns", false, true},
		{"name.cont=dns.", false, true},
		{"name.cont=d.s", false, false}, // no regex: '.' is a dot
		{"name.cont=.%2A", false, false},
		{"name.cont=DNS", false, false},
		{"name.ncont=dns", false, false},
		{"number.cont=5", false, true},
		{"ratio.cont=2", false, false}, // numbers are not strings
		{"status.cont=", false, true},
		// operators AND together whatever their order
		{"number.gt=1&number.lt=9", false, true},
		{"number.lt=9&number.gt=1", false, true},
		{"number.gt=1&number.gt=6", false, false},
		{"status.neq=normal%20operation&status=normal%20operation", false, false},
		// paths through arrays: any element
		{"virtual_deployment_units.id=vdu02", false, true},
		{"virtual_deployment_units.cpu.vcpus.gt=4", false, true},
		{"virtual_deployment_units.cpu.vcpus.gt=8", false, false},
		{"virtual_deployment_units.id.neq=vdu02", false, false},
		{"virtual_deployment_units.tags=x", false, true},
		{"virtual_deployment_units.id=vdu01&virtual_deployment_units.number_of_instances.gt=1", false, true},
		// ANYINDEX: one element must satisfy all
		{"virtual_deployment_units.ANYINDEX.id=vdu01&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1", false, false},
		{"virtual_deployment_units.ANYINDEX.id=vdu02&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1", false, true},
		{"virtual_deployment_units.ANYINDEX.id.neq=vdu01", false, true},
		{"virtual_deployment_units.ANYINDEX.id.neq=vdu01&virtual_deployment_units.ANYINDEX.cpu.vcpus.lt=4", false, false},
		{"virtual_deployment_units.ANYINDEX.tags=", false, true},
		{"virtual_deployment_units.ANYINDEX.tags.ANYINDEX.x=1", false, false},
		{"status.ANYINDEX.x=", false, false}, // not an array
		{"nested.ANYINDEX.0=1&nested.ANYINDEX.1=2", false, true},
		{"nested.ANYINDEX.0=1&nested.ANYINDEX.1=x", false, false},
		{"objarr.ANYINDEX.b=", false, true},
		// positions
		{"virtual_deployment_units.0.id=vdu01", false, true},
		{"virtual_deployment_units.1.id=vdu01", false, false},
		{"virtual_deployment_units.2.id=", false, true},
		{"tags.1=b", false, true},
		{"tags.0=b", false, false},
		{"nested.1=x", false, false}, // MongoDB: an array reached by position is not traversed
		{"nested.1.0=x", false, true},
		{"nested=1", false, false}, // nor are nested arrays
		{"objarr.b=1", false, true},
		{"objarr.b.neq=2", false, true},
		{"objarr.b=", false, false}, // a value was found, none null
		{"objarr.c=", false, false},
		{"objarr.d=", false, true},
		{"numkeys.0.b=elem-zero", false, true},
		{"numkeys.0=field-zero", false, true}, // MongoDB also looks up the field "0"
		{"numkeys.1.b=elem-zero", false, false},
		// driver types
		{"bsonA=p", false, true},
		{"bsonA.gt=8", false, true},
		{"bsonD.k=v", false, true},
		{"bsonD.n.gte=1", false, true},
		// yaml values
		{"number=5", true, true},
		{"numstr=5", true, false},
		{"numstr='5'", true, true},
		{"flag=yes", true, true},
		{"flagstr=true", true, false},
		{"nothing=~", true, true},
		{"name.cont=dns", true, true},
		// rendered server fields
		{"uuid=3f1e0c7a-1111-4aaa-8bbb-000000000001", false, true},
		{"uuid.cont=1111", false, true},
		{"created_at=2018-02-26", false, true},
		{"created_at=2018-02-27", false, false},
		{"created_at.neq=2018-02-26", false, false},
		{"created_at=2018-02-26T17:58:51.758%2B00:00", false, true},
		{"created_at=2018-02-26T17:58:51.758+00:00", false, true},
		{"created_at=2018-02-26T18:58:51.758%2B01:00", false, true},
		{"created_at=2018-02-26T17:58:51.7589Z", false, true},
		{"created_at=2018-02-26T17:58:51.757Z", false, false},
		{"created_at.gte=2018-02-26T17:58:51.758Z", false, true},
		{"created_at.gt=2018-02-26T17:58:51.758Z", false, false},
		{"created_at.lte=2018-02-26T17:58:51.758Z", false, true},
		{"created_at.lt=2018-02-26T17:58:51.758Z", false, false},
		{"created_at.gte=2018-01-01&created_at.lt=2018-03-01", false, true},
		{"created_at.gt=2018-02-26", false, false},
		{"created_at.gte=2018-02-26", false, true},
		{"created_at.lte=2018-02-26", false, true},
		{"created_at.lt=2018-02-26", false, false},
		{"created_at.cont=2018-02-26", false, true},
		{"created_at.ncont=2018-02-26", false, false},
		{"created_at=", false, false},
		{"created_at.neq=", false, true},
		{"updated_at.gt=2018-02-28", false, true},
		{"updated_at.gte=2018-03-01T00:00:00Z&updated_at.lt=2018-03-01T00:00:00.001Z", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			e := mustParse(t, tt.query, Options{YAMLValues: tt.yaml, Fields: recordFields})
			if got := e.Match(vnfr); got != tt.want {
				t.Fatalf("Match = %v, want %v (filter %v)", got, tt.want, e.MongoFilter(recordStored))
			}
		})
	}
}

// TestMatchStringsOrder checks string ordering is bytewise, as MongoDB's
// default (simple) collation.
func TestMatchStringsOrder(t *testing.T) {
	rec := M{"s": "10", "u": "é", "e": "Z"}
	for q, want := range map[string]bool{
		"s.lt=9":   false, // a number: "10" is a string, different bracket
		"s.lt=9a":  true,  // strings: "10" < "9a"
		"u.gt=z":   true,  // UTF-8 bytes
		"e.lt=a":   true,  // upper case sorts first
		"s.gte=10": false, // 10 is a number
	} {
		if got := mustParse(t, q, Options{}).Match(rec); got != want {
			t.Errorf("%s: Match = %v, want %v", q, got, want)
		}
	}
}

func TestMatchTimeFieldNotATime(t *testing.T) {
	e := mustParse(t, "created_at.gt=2018-01-01", Options{Fields: recordFields})
	if e.Match(M{"created_at": "yesterday"}) || e.Match(M{}) || e.Match(M{"created_at": int32(5)}) {
		t.Fatal("a value that is not a time must not compare")
	}
	if !e.Match(M{"created_at": time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}) {
		t.Fatal("a time.Time value must compare")
	}
	n := mustParse(t, "created_at=", Options{Fields: recordFields})
	if !n.Match(M{}) || !n.Match(M{"created_at": nil}) || n.Match(M{"created_at": "x"}) {
		t.Fatal("empty value on a time field: null or missing")
	}
}

func TestCompareNumbers(t *testing.T) {
	i := func(v int64) number { return number{isInt: true, i: v} }
	f := func(v float64) number { return number{f: v} }
	tests := []struct {
		a, b number
		c    int
		ok   bool
	}{
		{i(1), i(2), -1, true},
		{i(2), f(2), 0, true},
		{f(2.5), i(2), 1, true},
		{i(-3), f(-2.5), -1, true},
		{i(-2), f(-2.5), 1, true},
		{i(math.MaxInt64), f(0x1p63), -1, true},
		{i(math.MinInt64), f(-0x1p63), 0, true},
		{i(math.MinInt64), f(-0x1p64), 1, true},
		{i(9007199254740993), f(9007199254740992), 1, true},
		{i(0), f(math.Inf(1)), -1, true},
		{f(math.Inf(-1)), i(0), -1, true},
		{i(0), f(math.NaN()), 0, false},
		{f(math.NaN()), f(math.NaN()), 0, false},
	}
	for _, tt := range tests {
		if c, ok := compareNumbers(tt.a, tt.b); c != tt.c || ok != tt.ok {
			t.Errorf("compareNumbers(%v, %v) = %d, %v; want %d, %v", tt.a, tt.b, c, ok, tt.c, tt.ok)
		}
	}
}
