// Package hostilebody builds the costliest NSR bodies within the
// service's default limits (MAX_BODY_BYTES 4 MiB, document.DefaultLimits),
// and some past them, for the benchmark (handlers) and the load test
// (cmd/loadtest) that measure what a body can cost.
package hostilebody

import (
	"fmt"
	"strings"

	"github.com/nfv-records/nfv-records/document"
)

// ID is the uuid of every body: refused bodies store nothing, and an
// accepted one is deleted by the caller before the next.
const ID = "1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"

// MaxBytes is the service's default MAX_BODY_BYTES; no body is larger.
const MaxBytes = 4 << 20

// Body is one request body and the status the service answers it.
type Body struct {
	Name        string
	ContentType string // application/json or application/yaml
	Data        []byte
	Status      int
}

// NSR is a valid NSR with extra members spliced in (JSON text starting
// with a comma).
func NSR(extra string) []byte {
	return []byte(`{"id":"` + ID + `","descriptor_version":"nsr-schema-01","status":"normal operation"` + extra + `}`)
}

// Repeat is n copies of item, comma-separated.
func Repeat(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

// All are the bodies, heaviest kinds first. The limits are the defaults;
// the bodies are sized from them.
func All() []Body {
	l := document.DefaultLimits()
	const fixed = 3 // id, descriptor_version, status
	members := make([]string, l.MaxObjectMembers-fixed)
	for i := range members {
		members[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	// Four arrays of values that fill MAX_BODY_VALUES but for the few
	// around them.
	perArray := (l.MaxValues - 20) / 4
	yamlValues := "id: " + ID + "\ndescriptor_version: x\nstatus: offline\nparams:\n  l:\n" + strings.Repeat("  - ["+Repeat("1", perArray)+"]\n", 4)
	// Arrays of ones that fill what MAX_BODY_VALUES leaves, each 1 a type
	// violation and a duplicate (uniqueItems).
	ones := func(arrays, used int) string {
		return "[" + Repeat("1", min(l.MaxArrayItems, (l.MaxValues-used)/arrays-1)) + "]"
	}
	uniqueArrays := make([]string, 0, 4)
	for _, name := range []string{"network_functions", "network_services", "connection_points", "vnf_depedency"} {
		uniqueArrays = append(uniqueArrays, `"`+name+`":`+ones(4, 4))
	}
	// Items that must match one of several schemas (oneOf): each empty
	// object fails every branch.
	empties := "[" + Repeat("{}", l.MaxArrayItems) + "]"
	oneOf := `,"virtual_links":` + empties + `,"forwarding_graphs":` + empties +
		`,"network_functions":` + ones(2, 6+2*l.MaxArrayItems) + `,"network_services":` + ones(2, 6+2*l.MaxArrayItems)
	json := "application/json"
	yaml := "application/yaml"
	return []Body{
		// Found by a black-box probe to cost the most within the limits:
		// about 40,000 violations each.
		{"unique-arrays-20k", json, NSR("," + strings.Join(uniqueArrays, ",")), 422},
		{"oneof-items-20k", json, NSR(oneOf), 422},
		// The most items MAX_ARRAY_ITEMS lets through, each with a type
		// violation and a duplicate of the one before (uniqueItems): the
		// most violations one body can hold.
		{"violations-10k", json, NSR(`,"network_functions":[` + Repeat(`{"vnfr_id":1}`, l.MaxArrayItems) + `]`), 422},
		{"unknown-members-997", json, NSR(`,` + strings.Join(members, ",")), 422},
		{"valid-values-20k", json, NSR(`,"params":{"l":[` + Repeat("["+Repeat("1", perArray)+"]", 4) + `]}`), 200},
		{"over-values-4MiB", json, NSR(`,"params":[` + Repeat("["+Repeat("1", l.MaxArrayItems)+"]", 5) + `,"` + strings.Repeat("x", MaxBytes-60000) + `"]`), 413},
		{"over-items-4MiB", json, NSR(`,"params":[` + Repeat("1", MaxBytes/2-100) + `]`), 413},
		{"duplicate-after-4MiB", json, NSR(`,"params":{"s":"` + strings.Repeat("x", MaxBytes-200) + `","s":1}`), 400},
		{"deep-100", json, NSR(`,"params":{"x":` + strings.Repeat("[", 98) + strings.Repeat("]", 98) + `}`), 200},
		{"yaml-values-20k", yaml, []byte(yamlValues), 200},
		{"yaml-over-values-4MiB", yaml, []byte("id: " + ID + "\nparams:\n" + strings.Repeat("- 1\n", (MaxBytes-100)/4)), 413},
	}
}
