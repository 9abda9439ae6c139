package handlers_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
	"github.com/nfv-records/nfv-records/repo"
)

// The catalogue's benchmarks, each a router/store pair for
// cmd/benchratio: the router serves the request under AUTH=none; the
// store does the same storage work directly (no HTTP, no package
// reading, no descriptor parsing).

// benchPackage is an OSM .tar.gz of the cirros VNFD and a 10 MiB image.
func benchPackage(b *testing.B) []byte {
	b.Helper()
	img := make([]byte, 10<<20)
	rand.Read(img) // incompressible: the archive stays 10 MiB
	return osmTarGz(b, "cirros_vnf", map[string][]byte{"cirros_vnfd.yaml": descriptorFixture(b, "osm/cirros_vnfd.yaml"), "images/disk.img": img})
}

// BenchmarkCatalogueUpload: onboarding a 10 MiB package and deleting it,
// against storing its content and entry and deleting them.
func BenchmarkCatalogueUpload(b *testing.B) {
	h, s := newRouter(b)
	pkg := benchPackage(b)
	store := repo.NewCatalogueStore(s.db)
	b.Run("router", func(b *testing.B) {
		b.SetBytes(int64(len(pkg)))
		b.ReportAllocs()
		for range b.N {
			rec := serve(b, h, http.MethodPost, vnfPkgs, pkg, http.StatusCreated, "Content-Type", "application/gzip")
			var out struct{ ID string }
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			serve(b, h, http.MethodDelete, vnfPkgs+"/"+out.ID, nil, http.StatusNoContent)
		}
	})
	b.Run("store", func(b *testing.B) {
		b.SetBytes(int64(len(pkg)))
		b.ReportAllocs()
		ctx := b.Context()
		for i := range b.N {
			content, err := store.PutContent(ctx, pkg, pkg[:1024])
			if err != nil {
				b.Fatal(err)
			}
			uuid := fmt.Sprint("bench-", i)
			e := models.Entry{UUID: uuid, Body: json.RawMessage(`{"id":"cirros_vnfd"}`), Admin: json.RawMessage(`{"storage":{"content":"` + content + `"}}`)}
			if _, err := store.Create(ctx, testScope, "vnfd", "cirros_vnfd", e); err != nil {
				b.Fatal(err)
			}
			if _, err := store.Delete(ctx, testScope, "vnfd", uuid); err != nil {
				b.Fatal(err)
			}
			store.DropContent(ctx, content)
		}
	})
}

// BenchmarkCatalogueDownload: GET of a 10 MiB package as uploaded,
// against reading its content.
func BenchmarkCatalogueDownload(b *testing.B) {
	h, s := newRouter(b)
	pkg := benchPackage(b)
	rec := serve(b, h, http.MethodPost, vnfPkgs, pkg, http.StatusCreated, "Content-Type", "application/gzip")
	var out struct{ ID string }
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	store := repo.NewCatalogueStore(s.db)
	e, err := store.Get(b.Context(), testScope, "vnfd", out.ID)
	if err != nil {
		b.Fatal(err)
	}
	var admin struct {
		Storage struct{ Content string } `json:"storage"`
	}
	_ = json.Unmarshal(e.Admin, &admin)
	target := "/osm/vnfpkgm/v1/vnf_packages/" + out.ID + "/package_content"
	if got := serve(b, h, http.MethodGet, target, nil, http.StatusOK); !bytes.Equal(got.Body.Bytes(), pkg) {
		b.Fatal("the download is not the package")
	}
	b.Run("router", func(b *testing.B) {
		b.SetBytes(int64(len(pkg)))
		b.ReportAllocs()
		for range b.N {
			serve(b, h, http.MethodGet, target, nil, http.StatusOK)
		}
	})
	b.Run("store", func(b *testing.B) {
		b.SetBytes(int64(len(pkg)))
		b.ReportAllocs()
		for range b.N {
			if _, err := store.Get(b.Context(), testScope, "vnfd", out.ID); err != nil {
				b.Fatal(err)
			}
			rc, err := store.OpenContent(b.Context(), admin.Storage.Content, false)
			if err != nil {
				b.Fatal(err)
			}
			benchSink, _ = io.ReadAll(rc)
			rc.Close()
		}
	})
}

// BenchmarkCatalogueList: a filtered list among 1,000 descriptors (a
// tenth of them match), against the store's list of the same filter.
func BenchmarkCatalogueList(b *testing.B) {
	h, s := newRouter(b)
	store := repo.NewCatalogueStore(s.db)
	cirros := descriptorFixture(b, "osm/cirros_vnfd.yaml")
	for i := range 1000 {
		format := catalogue.OSMIM
		if i%10 == 0 {
			format = catalogue.SOL006
		}
		id := fmt.Sprint("vnfd-", i)
		body, _ := json.Marshal(map[string]any{"id": id, "name": id, "version": "1.0", "format": format,
			"catalogue": map[string]any{"vdus": []any{map[string]any{"id": "vm", "image": "cirros", "count": 1}}}})
		content, err := store.PutContent(b.Context(), cirros, cirros)
		if err != nil {
			b.Fatal(err)
		}
		e := models.Entry{UUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), Body: body,
			Admin: json.RawMessage(`{"onboardingState":"ONBOARDED","storage":{"content":"` + content + `"}}`)}
		if _, err := store.Create(b.Context(), models.ProjectScope(defaultProject), "vnfd", id, e); err != nil {
			b.Fatal(err)
		}
	}
	target := "/osm/vnfpkgm/v1/vnf_packages?format=sol006"
	f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{"format"}, Op: filter.OpEq, Value: "sol006"})
	if err != nil {
		b.Fatal(err)
	}
	var got []any
	if err := json.Unmarshal(serve(b, h, http.MethodGet, target, nil, http.StatusOK).Body.Bytes(), &got); err != nil || len(got) != 100 {
		b.Fatalf("the router lists %d (%v), want 100", len(got), err)
	}
	b.Run("router", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			serve(b, h, http.MethodGet, target, nil, http.StatusOK)
		}
	})
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			p, err := store.List(b.Context(), models.ProjectScope(defaultProject), "vnfd", filter.Query{Filter: f, Limit: 1000})
			if err != nil || len(p.Items) != 100 {
				b.Fatalf("store lists %d (%v)", len(p.Items), err)
			}
			out := make([]json.RawMessage, len(p.Items))
			for i, e := range p.Items {
				out[i] = e.Body
			}
			benchSink, _ = json.Marshal(out)
		}
	})
}
