// Package vnfrgen makes variations of one VNFR, for the benchmarks
// (handlers' BenchmarkListFiltered, repo/sqlite's BenchmarkContentFilter)
// and cmd/loadtest: a status, a descriptor_reference (one of 50) and one
// to three VDUs with their own vm_image, number_of_instances and
// resource_requirements.cpu.vcpus, each drawn in fixed shares.
//
// The shares are made for the content filter ContentKey=ContentValue (a
// VDU with more than 4 vCPUs): 10% of the VDUs have more than 4 vCPUs, so
// that the filter selects about a fifth of the variations
// ((0.1 + 0.19 + 0.271) / 3, about 0.19).
package vnfrgen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// ContentKey=ContentValue, in a list's query string, is the content filter
// the shares are made for: some VDU has more than 4 vCPUs (contentAbove).
const (
	ContentKey   = "virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt"
	ContentValue = "4"
	contentAbove = 4
)

// share is a value and its share, in percent, of the draws.
type share[T any] struct {
	value  T
	weight int
}

// pick draws a value by its share; the shares add up to 100.
func pick[T any](rng *rand.Rand, shares []share[T]) T {
	k := rng.IntN(100)
	for _, s := range shares {
		if k < s.weight {
			return s.value
		}
		k -= s.weight
	}
	panic("vnfrgen: shares do not add up to 100")
}

var (
	// statuses are the VNFR statuses (the schema's enum) and their shares.
	statuses = []share[string]{
		{"normal operation", 60}, {"terminated", 15}, {"offline", 10}, {"degraded operation", 10}, {"failed", 5},
	}
	// vcpus are the VDUs' vCPU counts and their shares: 10% above 4.
	vcpus = []share[int64]{
		{1, 35}, {2, 35}, {4, 20}, {8, 8}, {16, 2},
	}
	images = []string{
		"http://download.cirros-cloud.net/0.3.5/cirros-0.3.5-x86_64-disk.img",
		"https://cloud-images.ubuntu.com/bionic/current/bionic-server-cloudimg-amd64.img",
		"https://cloud-images.ubuntu.com/focal/current/focal-server-cloudimg-amd64.img",
		"https://cdimage.debian.org/images/cloud/bullseye/latest/debian-11-generic-amd64.qcow2",
		"sonata-psa/vtc-vnf:latest",
	}
)

// descriptorRefs is how many descriptor references the variations share.
const descriptorRefs = 50

// Generator makes variations of one VNFR.
type Generator struct {
	base map[string]any // the VNFR's members but id, shared by every variation
	vdus []any          // its VDUs, the templates of the variations' VDUs
}

// New is a Generator of variations of base, a decoded VNFR
// (models.DecodeFields or json.Unmarshal) with at least one VDU, each with
// a resource_requirements.cpu object. base is not changed.
func New(base map[string]any) (*Generator, error) {
	vdus, _ := base["virtual_deployment_units"].([]any)
	if len(vdus) == 0 {
		return nil, errors.New("vnfrgen: the VNFR has no virtual_deployment_units")
	}
	for i, u := range vdus {
		u, _ := u.(map[string]any)
		rr, _ := u["resource_requirements"].(map[string]any)
		if _, ok := rr["cpu"].(map[string]any); !ok {
			return nil, fmt.Errorf("vnfrgen: VDU %d has no resource_requirements.cpu object", i)
		}
	}
	g := &Generator{base: make(map[string]any, len(base)), vdus: vdus}
	for k, v := range base {
		if k != "id" {
			g.base[k] = v
		}
	}
	return g, nil
}

// Next draws a variation with rng: the base's members but id (shared with
// the base and every other variation: do not change them in place), with
// a new status, descriptor_reference and virtual_deployment_units. The
// VDUs are copies of the base's first ones (the last one repeated), with
// their own id, vdu_reference, vm_image, number_of_instances and
// resource_requirements.cpu.vcpus; new numbers are int64, as
// models.DecodeFields decodes stored integers. match is whether the
// content filter selects the variation.
//
// The draws, in order: status, descriptor reference, number of VDUs, then
// each VDU's image, instances and vCPUs.
func (g *Generator) Next(rng *rand.Rand) (doc map[string]any, match bool) {
	doc = make(map[string]any, len(g.base)+2)
	for k, v := range g.base {
		doc[k] = v
	}
	doc["status"] = pick(rng, statuses)
	doc["descriptor_reference"] = fmt.Sprintf("6a15313f-cb0a-4540-baa2-%012x", rng.IntN(descriptorRefs))
	units := make([]any, 1+rng.IntN(3))
	for j := range units {
		u := clone(g.vdus[min(j, len(g.vdus)-1)]).(map[string]any)
		name := fmt.Sprintf("vdu%02d", j+1)
		u["id"], u["vdu_reference"] = name, "vfoo-vnf:"+name
		u["vm_image"] = images[rng.IntN(len(images))]
		u["number_of_instances"] = int64(1 + rng.IntN(4))
		n := pick(rng, vcpus)
		u["resource_requirements"].(map[string]any)["cpu"].(map[string]any)["vcpus"] = n
		match = match || n > contentAbove
		units[j] = u
	}
	doc["virtual_deployment_units"] = units
	return doc, match
}

// Stored calls fn with n variations in order of creation, each with its
// creation time and its body as the records service stores it
// (models.EncodeFields), for seeding a store directly. The first is
// created after start; the others a few seconds apart, every tenth in the
// same millisecond as the one before (orders break such ties by uuid).
func (g *Generator) Stored(rng *rand.Rand, n int, start time.Time, fn func(i int, created time.Time, body []byte) error) error {
	created := start
	for i := range n {
		if i%10 != 9 {
			created = created.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
		}
		doc, _ := g.Next(rng)
		body, err := models.EncodeFields(doc)
		if err != nil {
			return err
		}
		if err := fn(i, created, body); err != nil {
			return err
		}
	}
	return nil
}

// clone deep-copies a decoded JSON value.
func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = clone(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = clone(x)
		}
		return out
	}
	return v
}
