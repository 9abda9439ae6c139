package vnfrgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

const fixturePath = "../../fixtures/vnfr/gatekeeper-seed-function-1.json"

func decodeFixture(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	fields, err := models.DecodeFields(raw)
	if err != nil {
		t.Fatal(err)
	}
	return fields
}

func TestSharesAddUp(t *testing.T) {
	sum := func(weights ...int) (n int) {
		for _, w := range weights {
			n += w
		}
		return n
	}
	var sw, vw []int
	for _, s := range statuses {
		sw = append(sw, s.weight)
	}
	for _, s := range vcpus {
		vw = append(vw, s.weight)
	}
	if sum(sw...) != 100 || sum(vw...) != 100 {
		t.Errorf("status shares add up to %d, vCPU shares to %d: want 100", sum(sw...), sum(vw...))
	}
}

// TestNext draws many variations of the fixture and checks the shares,
// the match flag against the filter matcher, the types of the new values
// and that the base is left as it was.
func TestNext(t *testing.T) {
	base := decodeFixture(t)
	g, err := New(base)
	if err != nil {
		t.Fatal(err)
	}
	f, err := filter.ParseQuery(url.Values{ContentKey: {ContentValue}}, filter.Options{Fields: repo.RecordFields()})
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := map[string]string{}
	for _, k := range []string{"number_of_instances", "vm_image"} {
		wantTypes[k] = fmt.Sprintf("%T", base["virtual_deployment_units"].([]any)[0].(map[string]any)[k])
	}

	const n = 20_000
	rng := rand.New(rand.NewPCG(1, 2))
	status := map[string]int{}
	var matched, units, above int
	for range n {
		doc, match := g.Next(rng)
		if _, ok := doc["id"]; ok {
			t.Fatal("a variation has the base's id")
		}
		if match != f.Match(doc) {
			t.Fatalf("match %v, the matcher says %v: %v", match, !match, doc["virtual_deployment_units"])
		}
		if match {
			matched++
		}
		status[doc["status"].(string)]++
		vdus := doc["virtual_deployment_units"].([]any)
		if len(vdus) < 1 || len(vdus) > 3 {
			t.Fatalf("%d VDUs, want 1 to 3", len(vdus))
		}
		for _, u := range vdus {
			u := u.(map[string]any)
			for k, want := range wantTypes {
				if got := fmt.Sprintf("%T", u[k]); got != want {
					t.Fatalf("VDU %s is a %s, the decoded fixture's a %s", k, got, want)
				}
			}
			c := u["resource_requirements"].(map[string]any)["cpu"].(map[string]any)["vcpus"].(int64)
			units++
			if c > contentAbove {
				above++
			}
		}
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: share %.3f, want %.3f ± %.3f", what, got, want, tol)
		}
	}
	for _, s := range statuses {
		near("status "+s.value, float64(status[s.value])/n, float64(s.weight)/100, 0.015)
	}
	near("VDUs above 4 vCPUs", float64(above)/float64(units), 0.10, 0.01)
	near("records the content filter selects", float64(matched)/n, (0.1+0.19+0.271)/3, 0.015)

	if !reflect.DeepEqual(base, decodeFixture(t)) {
		t.Error("New or Next changed the base")
	}
}

func TestNewRefuses(t *testing.T) {
	for _, base := range []map[string]any{
		{"status": "offline"},
		{"virtual_deployment_units": []any{}},
		{"virtual_deployment_units": []any{map[string]any{"resource_requirements": map[string]any{}}}},
		{"virtual_deployment_units": []any{"x"}},
	} {
		if _, err := New(base); err == nil {
			t.Errorf("New(%v) accepted", base)
		}
	}
}

// Stored gives bodies as stored, in order of creation, with ties every
// tenth record.
func TestStored(t *testing.T) {
	g, err := New(decodeFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	prev, ties := start, 0
	err = g.Stored(rand.New(rand.NewPCG(1, 2)), 30, start, func(i int, created time.Time, body []byte) error {
		switch {
		case created.Before(prev) || i == 0 && !created.After(start):
			t.Errorf("record %d created %v, after %v", i, created, prev)
		case created.Equal(prev):
			ties++
		}
		prev = created
		fields, err := models.DecodeFields(body)
		if err != nil || fields["virtual_deployment_units"] == nil {
			t.Errorf("record %d: %v %s", i, err, body)
		}
		return nil
	})
	if err != nil || ties != 3 {
		t.Errorf("err %v, %d ties; want none, 3", err, ties)
	}
}
