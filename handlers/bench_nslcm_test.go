package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// The NS lifecycle's benchmarks, router/store pairs for cmd/benchratio.

// demoNS onboards SONATA's demo NS (three VNFs: firewall, iperf,
// tcpdump) and a VIM: the NSD's id and the VIM's.
func demoNS(b *testing.B, h http.Handler) (nsd, vim string) {
	for _, f := range []string{"firewall-vnfd.yml", "iperf-vnfd.yml", "tcpdump-vnfd.yml"} {
		onboardFixture(b, h, vnfPkgs, "sonata/"+f)
	}
	nsd = onboardFixture(b, h, nsds, "sonata/sonata-demo.yml")
	rec := serve(b, h, http.MethodPost, "/osm/admin/v1/vim_accounts", osmVIM("bench"), http.StatusAccepted)
	var out struct{ ID string }
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return nsd, out.ID
}

// BenchmarkNSInstantiate: ns_instances_content of a 3-VNF NS, to its
// operation COMPLETED (every step written before the next: 14 writes and
// the schema checks of each record), against the store writing the same
// records and operation directly, once each, and updating them once.
func BenchmarkNSInstantiate(b *testing.B) {
	h, svc, db := lcmRouterDB(b)
	nsd, vim := demoNS(b, h)
	body := []byte(fmt.Sprintf(`{"nsdId":%q,"nsName":"bench","vimAccountId":%q}`, nsd, vim))
	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			rec := serve(b, h, http.MethodPost, "/osm/nslcm/v1/ns_instances_content", body, http.StatusCreated)
			svc.Wait()
			var out struct {
				Op string `json:"nslcmop_id"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			if !json.Valid(rec.Body.Bytes()) || out.Op == "" {
				b.Fatal(rec.Body)
			}
		}
		b.StopTimer()
		rec := serve(b, h, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?operationState.neq=COMPLETED", nil, http.StatusOK)
		if rec.Body.String() != "[]\n" && rec.Body.String() != "[]" {
			b.Fatalf("operations not COMPLETED: %s", rec.Body)
		}
	})
	seq := 0 // b.N grows over runs of this function: ids stay new
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		ctx := b.Context()
		store := repo.NewLifecycleStore(db)
		state := json.RawMessage(`{"nsState":"INSTANTIATED","create-time":1}`)
		for range b.N {
			seq++
			i := seq
			id := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
			nsr := models.Record{UUID: id, Body: json.RawMessage(`{"descriptor_version":"nsr-schema-01","status":"offline"}`)}
			if _, err := store.CreateInstance(ctx, testScope, models.KindNSR, nsr, state); err != nil {
				b.Fatal(err)
			}
			if _, err := store.CreateOp(ctx, testScope, models.Entry{UUID: id, Body: json.RawMessage(`{"operationState":"PROCESSING"}`)}); err != nil {
				b.Fatal(err)
			}
			for v := range 3 {
				vid := fmt.Sprintf("%08d-0000-4000-8000-00000000000%d", i, v+1)
				vnfr := models.Record{UUID: vid, Body: json.RawMessage(`{"descriptor_version":"vnfr-schema-01","status":"offline"}`)}
				if _, err := store.CreateInstance(ctx, testScope, models.KindVNFR, vnfr, state); err != nil {
					b.Fatal(err)
				}
				if _, err := store.ModifyInstance(ctx, testScope, models.KindVNFR, vid, func(in *models.Instance) error {
					in.Record.Body = json.RawMessage(`{"descriptor_version":"vnfr-schema-01","status":"normal operation"}`)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := store.ModifyInstance(ctx, testScope, models.KindNSR, id, func(in *models.Instance) error {
				in.Record.Body = json.RawMessage(`{"descriptor_version":"nsr-schema-01","status":"normal operation"}`)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			if _, err := store.ModifyOp(ctx, testScope, id, func(e *models.Entry) error {
				e.Body = json.RawMessage(`{"operationState":"COMPLETED"}`)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkNSList: GET ns_instances of 100 instantiated NSs (each
// rendered as OSM's view), against the store listing the same records
// with their lifecycle state.
func BenchmarkNSList(b *testing.B) {
	h, svc, db := lcmRouterDB(b)
	nsd, vim := demoNS(b, h)
	body := []byte(fmt.Sprintf(`{"nsdId":%q,"nsName":"bench","vimAccountId":%q}`, nsd, vim))
	for range 100 {
		serve(b, h, http.MethodPost, "/osm/nslcm/v1/ns_instances_content", body, http.StatusCreated)
	}
	svc.Wait()
	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			rec := serve(b, h, http.MethodGet, "/osm/nslcm/v1/ns_instances", nil, http.StatusOK)
			if rec.Header().Get("X-Total-Count") != "100" {
				b.Fatalf("X-Total-Count %q", rec.Header().Get("X-Total-Count"))
			}
		}
	})
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		store := repo.NewLifecycleStore(db)
		for range b.N {
			page, err := store.ListInstances(b.Context(), testScope, models.KindNSR, filter.Query{Limit: 1000})
			if err != nil || len(page.Items) != 100 {
				b.Fatal(len(page.Items), err)
			}
		}
	})
}
