package repotest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// testLifecycle checks the NS lifecycle's store on the backend: records
// written with their lifecycle state and changed together, the state
// filterable (numbers compared as numbers), the plain record API blind
// to the state, operations owned by projects, and the operations'
// leases.
func testLifecycle(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	s := repo.NewLifecycleStore(db)
	ctx := t.Context()
	pa, pb := models.ProjectScope("A"), models.ProjectScope("B")

	for i, n := range []int{5, 50, 500} {
		id := fmt.Sprintf("00000000-0000-4000-8000-00000000000%d", i)
		rec := models.Record{UUID: id, Body: json.RawMessage(`{"descriptor_version":"nsr-schema-01","status":"offline"}`)}
		state := json.RawMessage(fmt.Sprintf(`{"nsState":"NOT_INSTANTIATED","create-time":%d.5}`, n))
		in, err := s.CreateInstance(ctx, pa, models.KindNSR, rec, state)
		if err != nil {
			t.Fatal(err)
		}
		if string(in.State) != string(state) || len(in.Projects) != 1 || in.Projects[0] != "A" {
			t.Fatalf("created instance: state %s, projects %v", in.State, in.Projects)
		}
	}
	id := "00000000-0000-4000-8000-000000000001"
	in, err := s.ModifyInstance(ctx, pa, models.KindNSR, id, func(in *models.Instance) error {
		in.Record.Body = json.RawMessage(`{"descriptor_version":"nsr-schema-01","status":"normal operation"}`)
		in.State = json.RawMessage(`{"nsState":"INSTANTIATED","create-time":50.5}`)
		return nil
	})
	if err != nil || in.Admin.Version != 2 {
		t.Fatalf("modify: version %d, %v", in.Admin.Version, err)
	}
	got, err := s.GetInstance(ctx, pa, models.KindNSR, id)
	if err != nil || string(got.State) != `{"nsState":"INSTANTIATED","create-time":50.5}` || string(got.Body) != `{"descriptor_version":"nsr-schema-01","status":"normal operation"}` {
		t.Fatalf("read back: %s %s %v", got.Body, got.State, err)
	}
	if _, err := s.GetInstance(ctx, pb, models.KindNSR, id); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("another project reads the instance: %v", err)
	}
	if _, err := s.ModifyInstance(ctx, pb, models.KindNSR, id, func(*models.Instance) error { return nil }); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("another project changes the instance: %v", err)
	}
	// The plain record API keeps the state when it replaces the fields.
	records := repo.NewRecordStore(db)
	if _, err := records.Replace(ctx, pa, models.KindNSR, id, []byte(`{"descriptor_version":"nsr-schema-01","status":"failed"}`), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetInstance(ctx, pa, models.KindNSR, id); string(got.State) != `{"nsState":"INSTANTIATED","create-time":50.5}` {
		t.Fatalf("a replace through the records lost the lifecycle state: %s", got.State)
	}

	for _, tc := range []struct {
		cond filter.Condition
		want int
	}{
		{filter.Condition{Path: []string{"_admin", "nslcm", "create-time"}, Op: filter.OpGt, Value: int64(10)}, 2},
		{filter.Condition{Path: []string{"_admin", "nslcm", "create-time"}, Op: filter.OpLt, Value: 100.0}, 2},
		{filter.Condition{Path: []string{"_admin", "nslcm", "create-time"}, Op: filter.OpGte, Value: int64(0)}, 3},
		{filter.Condition{Path: []string{"_admin", "nslcm", "nsState"}, Op: filter.OpEq, Value: "INSTANTIATED"}, 1},
	} {
		f, err := filter.Where(filter.Options{Admin: true}, tc.cond)
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.ListInstances(ctx, pa, models.KindNSR, filter.Query{Filter: f})
		if err != nil || len(page.Items) != tc.want {
			t.Errorf("%v: %d listed, want %d (%v)", tc.cond, len(page.Items), tc.want, err)
		}
		if n, err := s.CountInstances(ctx, pa, models.KindNSR, f); err != nil || n != int64(tc.want) {
			t.Errorf("%v: counted %d, want %d (%v)", tc.cond, n, tc.want, err)
		}
	}

	// Operations: owned by projects, changed in one write, projects kept.
	if _, err := s.CreateOp(ctx, pa, models.Entry{UUID: "op1", Body: json.RawMessage(`{"operationState":"PROCESSING","nsInstanceId":"` + id + `"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOp(ctx, pb, "op1"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("another project reads the operation: %v", err)
	}
	e, err := s.ModifyOp(ctx, pa, "op1", func(e *models.Entry) error {
		e.Body = json.RawMessage(`{"operationState":"COMPLETED","nsInstanceId":"` + id + `"}`)
		e.Admin = json.RawMessage(`{"nslcm":{"next":3}}`)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var admin map[string]any
	_ = json.Unmarshal(e.Admin, &admin)
	if admin["projects_read"] == nil || admin["nslcm"] == nil {
		t.Fatalf("an operation's change lost its projects or its state: %s", e.Admin)
	}
	f, _ := filter.Where(filter.Options{}, filter.Condition{Path: []string{"nsInstanceId"}, Op: filter.OpEq, Value: id})
	if n, err := s.CountOps(ctx, pa, f); err != nil || n != 1 {
		t.Fatalf("operations of the NS: %d (%v)", n, err)
	}
	if err := s.DeleteOp(ctx, "op1"); err != nil {
		t.Fatal(err)
	}

	// The lease of a running operation: one holder, until it expires.
	if h, err := s.TakeOp(ctx, "op2", "r1", time.Minute); err != nil || h != "r1" {
		t.Fatalf("take: %q %v", h, err)
	}
	if h, err := s.TakeOp(ctx, "op2", "r2", time.Minute); err != nil || h != "r1" {
		t.Fatalf("a second replica took a held lease: %q %v", h, err)
	}
	clock.Advance(time.Minute + time.Second)
	if h, err := s.OpHolder(ctx, "op2"); err != nil || h != "" {
		t.Fatalf("an expired lease is held by %q (%v)", h, err)
	}
	if h, err := s.TakeOp(ctx, "op2", "r2", time.Minute); err != nil || h != "r2" {
		t.Fatalf("an expired lease was not taken over: %q %v", h, err)
	}
}
