package handlers_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// outage is a real database that can be made to fail as an unreachable
// one does (MongoDB down, a disk gone): every call answers Unavailable
// while down, and works again once up. The backends' own tests stop and
// start a real server (repo/mongo); this is what the router does with it.
type outage struct {
	repo.DB
	down atomic.Bool
}

var errDown = &models.Error{Code: models.CodeUnavailable, Detail: "the database is unreachable; retry later"}

func (o *outage) Ping(ctx context.Context) error {
	if o.down.Load() {
		return errDown
	}
	return o.DB.Ping(ctx)
}

func (o *outage) Collection(spec repo.CollectionSpec) repo.Collection {
	return outageCollection{Collection: o.DB.Collection(spec), o: o}
}

type outageCollection struct {
	repo.Collection
	o *outage
}

func (c outageCollection) Insert(ctx context.Context, d repo.Doc) (repo.Doc, error) {
	if c.o.down.Load() {
		return repo.Doc{}, errDown
	}
	return c.Collection.Insert(ctx, d)
}

func (c outageCollection) Get(ctx context.Context, id string) (repo.Doc, error) {
	if c.o.down.Load() {
		return repo.Doc{}, errDown
	}
	return c.Collection.Get(ctx, id)
}

// TestReadinessFollowsTheDatabase makes the database unreachable under a
// running router: the probes answer 503 (never 200) while it is down,
// /healthz stays 200, reads and writes fail with 503 rather than 500, and
// everything recovers by itself, data included, once it is back.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	db := &outage{DB: newDB(t)}
	h := routerOn(t, db)

	probes := []string{"/ping", "/pings", "/nsrs/ping", "/vnfrs/pings", "/readyz", "/records/nsr/ns-instances/ping"}
	for _, p := range probes {
		wantStatus(t, do(t, h, http.MethodGet, p, nil), http.StatusOK)
	}
	const uuid = "0f0e0d0c-0b0a-0908-0706-050403020100"
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"`+uuid+`","descriptor_version":"1","status":"offline"}`)), http.StatusOK)

	db.down.Store(true)
	for _, p := range probes {
		wantError(t, do(t, h, http.MethodGet, p, nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	}
	wantStatus(t, do(t, h, http.MethodGet, "/healthz", nil), http.StatusOK) // the process itself is alive
	wantError(t, do(t, h, http.MethodGet, "/nsrs/"+uuid, nil), http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
	wantError(t, do(t, h, http.MethodPost, "/nsrs", []byte(`{"id":"1f0e0d0c-0b0a-0908-0706-050403020100","descriptor_version":"1","status":"offline"}`)),
		http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")

	db.down.Store(false)
	for _, p := range probes {
		wantStatus(t, do(t, h, http.MethodGet, p, nil), http.StatusOK)
	}
	rec := do(t, h, http.MethodGet, "/nsrs/"+uuid, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decodeObject(t, rec)["status"]; got != "offline" {
		t.Fatalf("record after the outage has status %v", got)
	}
}

func (c outageCollection) Within(r repo.Readers) repo.Collection {
	return outageCollection{Collection: c.Collection.Within(r), o: c.o}
}
