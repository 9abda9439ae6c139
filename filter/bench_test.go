package filter

import (
	"net/url"
	"testing"
)

const benchQuery = "descriptor_reference=d-1&status.neq=terminated&created_at.gte=2018-01-01" +
	"&virtual_deployment_units.ANYINDEX.id=vdu02&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1" +
	"&name.cont=dns&page_size=100"

// BenchmarkParseQuery is the parser's cost per query (from url.Values).
func BenchmarkParseQuery(b *testing.B) {
	v, err := url.ParseQuery(benchQuery)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Fields: recordFields}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseQuery(v, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMongoFilter(b *testing.B) {
	e := mustParse(b, benchQuery, Options{Fields: recordFields})
	b.ReportAllocs()
	for b.Loop() {
		_ = e.MongoFilter(recordStored)
	}
}

// BenchmarkMatch is the matcher's cost per record (a VNFR-sized record).
func BenchmarkMatch(b *testing.B) {
	e := mustParse(b, benchQuery, Options{Fields: recordFields})
	rec := rendered(M{
		"descriptor_reference": "d-1", "status": "normal operation", "name": "my-dns",
		"virtual_deployment_units": A{
			M{"id": "vdu01", "number_of_instances": int32(1), "resource_requirements": M{"cpu": M{"vcpus": int32(2)}}},
			M{"id": "vdu02", "number_of_instances": int32(3), "resource_requirements": M{"cpu": M{"vcpus": int32(4)}}},
		},
	}, "2018-02-26T17:58:51.758Z", "2018-02-26T17:58:51.758Z")
	if !e.Match(rec) {
		b.Fatal("the benchmark record must match")
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Match(rec)
	}
}
