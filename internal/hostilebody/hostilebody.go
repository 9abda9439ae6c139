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

// All are the bodies, the costliest first. The limits are the defaults;
// the bodies are sized from them.
func All() []Body {
	l := document.DefaultLimits()
	const fixed = 4                 // the top object, id, descriptor_version, status
	room := l.MaxValues - fixed - 4 // what the arrays may hold: a few spare
	members := make([]string, l.MaxObjectMembers-(fixed-1))
	for i := range members {
		members[i] = fmt.Sprintf(`"k%d":1`, i)
	}
	// arrays of n items, as many as fill the room, at most MaxArrayItems.
	fill := func(arrays, valuesPerItem int) int {
		return min(l.MaxArrayItems, room/arrays/valuesPerItem-1)
	}
	ones := "[" + Repeat("1", fill(4, 1)) + "]"
	uniqueArrays := make([]string, 0, 4)
	for _, name := range []string{"network_functions", "network_services", "connection_points", "vnf_depedency"} {
		uniqueArrays = append(uniqueArrays, `"`+name+`":`+ones)
	}
	// Items that must match one of several schemas (oneOf): an empty
	// object fails every branch.
	empties := "[" + Repeat("{}", fill(2, 1)) + "]"
	perArray := fill(4, 1)
	yamlValues := "id: " + ID + "\ndescriptor_version: x\nstatus: offline\nparams:\n  l:\n" + strings.Repeat("  - ["+Repeat("1", perArray)+"]\n", 4)
	json := "application/json"
	yaml := "application/yaml"
	return []Body{
		// Found by a black-box probe to cost the most within the limits:
		// two violations per value (a wrong type, a duplicate of the item
		// before under uniqueItems), or every oneOf branch failing.
		{"oneof-items", json, NSR(`,"virtual_links":` + empties + `,"forwarding_graphs":` + empties), 422},
		{"unique-arrays", json, NSR("," + strings.Join(uniqueArrays, ",")), 422},
		{"nf-violations", json, NSR(`,"network_functions":[` + Repeat(`{"vnfr_id":1}`, fill(1, 2)) + `]`), 422},
		{"unknown-members", json, NSR(`,` + strings.Join(members, ",")), 422},
		{"valid-values", json, NSR(`,"params":{"l":[` + Repeat("["+Repeat("1", perArray)+"]", 4) + `]}`), 200},
		{"over-values-4MiB", json, NSR(`,"params":[` + Repeat("["+Repeat("1", l.MaxArrayItems)+"]", 5) + `,"` + strings.Repeat("x", MaxBytes-60000) + `"]`), 413},
		// Refused at its 5,001st item; without the limits, 4 million
		// violations (a wrong type and a duplicate each).
		{"over-items-4MiB", json, NSR(`,"network_functions":[` + Repeat("1", MaxBytes/2-100) + `]`), 413},
		{"duplicate-after-4MiB", json, NSR(`,"params":{"s":"` + strings.Repeat("x", MaxBytes-200) + `","s":1}`), 400},
		{"deep-100", json, NSR(`,"params":{"x":` + strings.Repeat("[", l.MaxDepth-2) + strings.Repeat("]", l.MaxDepth-2) + `}`), 200},
		{"yaml-values", yaml, []byte(yamlValues), 200},
		{"yaml-over-values-4MiB", yaml, []byte("id: " + ID + "\nparams:\n" + strings.Repeat("- 1\n", (MaxBytes-100)/4)), 413},
	}
}
