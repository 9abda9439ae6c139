package repotest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// The domain stores, on the backend: they use nothing but the interface,
// so this is where the records' and the APPC module's storage rules are
// checked on every backend.

func uuidN(n int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", n) }

func recordOf(t testing.TB, id string, fields map[string]any) models.Record {
	t.Helper()
	b, err := models.EncodeFields(fields)
	if err != nil {
		t.Fatal(err)
	}
	return models.Record{UUID: id, Body: b}
}

func sampleFields(id, status string) map[string]any {
	return map[string]any{"id": id, "descriptor_version": "1", "status": status,
		"nested": map[string]any{"n": int64(3), "f": 1.5, "l": []any{"a", true, nil}}}
}

func fieldsOf(t testing.TB, r models.Record) map[string]any {
	t.Helper()
	f, err := r.Fields()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func testRecords(t *testing.T, b Backend) {
	clock := NewClock(t0)
	s := repo.NewRecordStore(b.Open(t, clock.Now))
	ctx := t.Context()

	want := sampleFields(uuidN(1), "offline")
	created, err := s.Create(ctx, testScope, models.KindNSR, recordOf(t, uuidN(1), want))
	if err != nil {
		t.Fatal(err)
	}
	if created.Admin.Version != 1 || !created.Admin.Created.Equal(t0) || !created.Admin.Created.Equal(created.Admin.Modified) {
		t.Fatalf("envelope %+v", created.Admin)
	}
	got, err := s.Get(ctx, testScope, models.KindNSR, uuidN(1))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fieldsOf(t, got), want) || !got.Admin.Created.Equal(t0) {
		t.Fatalf("read back %v %+v, want %v", fieldsOf(t, got), got.Admin, want)
	}
	if _, err := s.Get(ctx, testScope, models.KindVNFR, uuidN(1)); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("kinds share records: %v", err)
	}
	if _, err := s.Create(ctx, testScope, models.KindNSR, recordOf(t, uuidN(1), want)); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("duplicate create: %v", err)
	}

	// Replace: a refused precondition changes nothing; a replace replaces
	// (never merges), keeps created and moves the version on.
	if _, err := s.Replace(ctx, testScope, models.KindNSR, uuidN(1), recordOf(t, uuidN(1), sampleFields(uuidN(1), "failed")).Body,
		&models.Precondition{Versions: []int64{5}}); models.ErrorCodeOf(err) != models.CodePreconditionFailed {
		t.Fatalf("failed precondition: %v", err)
	}
	if got, _ := s.Get(ctx, testScope, models.KindNSR, uuidN(1)); fieldsOf(t, got)["status"] != "offline" || got.Admin.Version != 1 {
		t.Fatalf("a refused replace changed the record: %+v", got)
	}
	clock.Advance(time.Second)
	next, err := s.Replace(ctx, testScope, models.KindNSR, uuidN(1), recordOf(t, uuidN(1), map[string]any{"status": "failed"}).Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, testScope, models.KindNSR, uuidN(1))
	if !reflect.DeepEqual(fieldsOf(t, got), map[string]any{"id": uuidN(1), "status": "failed"}) {
		t.Fatalf("replace merged instead of replacing: %v", fieldsOf(t, got))
	}
	if got.Admin.Version != 2 || next.Admin.Version != 2 || !got.Admin.Created.Equal(t0) || !got.Admin.Modified.Equal(t0.Add(time.Second)) {
		t.Fatalf("envelope after replace %+v", got.Admin)
	}
	if _, err := s.Replace(ctx, testScope, models.KindNSR, uuidN(99), []byte(`{}`), nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("replace of a missing record: %v", err)
	}

	// Delete.
	if err := s.Delete(ctx, testScope, models.KindNSR, uuidN(1), &models.Precondition{Versions: []int64{1}}); models.ErrorCodeOf(err) != models.CodePreconditionFailed {
		t.Fatalf("stale delete: %v", err)
	}
	if err := s.Delete(ctx, testScope, models.KindNSR, uuidN(1), &models.Precondition{Versions: []int64{2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, testScope, models.KindNSR, uuidN(1), nil); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("second delete: %v", err)
	}

	// A list renders records as GET does.
	for i := range 3 {
		clock.Advance(time.Millisecond)
		if _, err := s.Create(ctx, testScope, models.KindVNFR, recordOf(t, uuidN(10+i), sampleFields(uuidN(10+i), "offline"))); err != nil {
			t.Fatal(err)
		}
	}
	page, err := s.List(ctx, testScope, models.KindVNFR, filter.Query{Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Total != 3 || page.Next == nil || page.Items[0].UUID != uuidN(12) {
		t.Fatalf("first page: %+v %v", page, err)
	}
	one, _ := s.Get(ctx, testScope, models.KindVNFR, uuidN(12))
	if string(page.Items[0].AppendJSON(nil)) != string(one.AppendJSON(nil)) {
		t.Fatalf("list and get render differently:\n%s\n%s", page.Items[0].AppendJSON(nil), one.AppendJSON(nil))
	}
	if n, err := s.Count(ctx, testScope, models.KindVNFR, filter.Expr{}); err != nil || n != 3 {
		t.Fatalf("count %d %v", n, err)
	}
}

func sampleAPPC(at time.Time) *models.APPCState {
	return &models.APPCState{
		State:   "Running",
		Working: "Stable",
		VMs:     map[string]models.APPCVM{"vm-1": {State: "Stopped", Host: "h2"}},
		Extra:   map[string]any{"config": map[string]any{"upload_config_id": "c-1", "n": float64(2)}, "app": "started"},
		History: []models.APPCHistory{{
			APPCCall: models.APPCCall{Action: "Start", RequestID: "r-1", OriginatorID: "o-1"},
			From:     "Instantiated", To: "Running", Result: "SUCCESS", Time: at,
		}},
		Running: &models.APPCRun{RunID: "run-1", APPCCall: models.APPCCall{Action: "Stop", RequestID: "r-2", VServerID: "vm-1"}, Since: at},
	}
}

func testAPPC(t *testing.T, b Backend) {
	t.Run("ModifyVNF", func(t *testing.T) { t.Parallel(); testModifyVNF(t, b) })
	t.Run("replace keeps the server-side state", func(t *testing.T) { t.Parallel(); testReplaceKeepsState(t, b) })
	t.Run("replicas lose no update", func(t *testing.T) { t.Parallel(); testModifyVNFReplicas(t, b) })
	t.Run("locks", func(t *testing.T) { t.Parallel(); testAPPCLocks(t, b) })
	t.Run("requests", func(t *testing.T) { t.Parallel(); testAPPCRequests(t, b) })
	t.Run("request runs", func(t *testing.T) { t.Parallel(); testAPPCRequestRuns(t, b) })
	t.Run("prune", func(t *testing.T) { t.Parallel(); testAPPCPrune(t, b) })
}

func testModifyVNF(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	records, s := repo.NewRecordStore(db), repo.NewAPPCStore(db, clock.Now, nil)
	ctx := t.Context()
	errRefused := errors.New("refused by fn")
	cases := []struct {
		name    string
		fn      func(*models.VNF) error
		wantErr error // nil: the write goes through
		check   func(t *testing.T, got models.VNF)
	}{{
		name: "status and APPC state",
		fn: func(v *models.VNF) error {
			v.Fields["status"] = "normal operation"
			v.APPC = sampleAPPC(t0)
			return nil
		},
		check: func(t *testing.T, got models.VNF) {
			if got.Fields["status"] != "normal operation" || !reflect.DeepEqual(got.APPC, sampleAPPC(t0)) {
				t.Fatalf("read back %v %+v", got.Fields["status"], got.APPC)
			}
		},
	}, {
		name: "fn changes the envelope: the store's wins",
		fn: func(v *models.VNF) error {
			v.UUID, v.Admin.Version, v.Admin.Created = uuidN(666), 99, time.Unix(0, 0)
			return nil
		},
		check: func(t *testing.T, got models.VNF) {
			if got.UUID != uuidN(10) || got.Admin.Version == 99 || !got.Admin.Created.Equal(t0) {
				t.Fatalf("envelope %s %+v", got.UUID, got.Admin)
			}
		},
	}, {
		name: "APPC state removed",
		fn:   func(v *models.VNF) error { v.APPC = nil; return nil },
		check: func(t *testing.T, got models.VNF) {
			if got.APPC != nil {
				t.Fatalf("APPC state %+v", got.APPC)
			}
		},
	}, {
		name: "fn error writes nothing",
		fn: func(v *models.VNF) error {
			v.Fields["status"] = "failed"
			v.APPC = &models.APPCState{State: "Error"}
			return errRefused
		},
		wantErr: errRefused,
	}}
	id := uuidN(10)
	if _, err := records.Create(ctx, testScope, models.KindVNFR, recordOf(t, id, sampleFields(id, "offline"))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		before, err := s.GetVNF(ctx, testScope, id)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		ret, err := s.ModifyVNF(ctx, testScope, id, tc.fn)
		after, gerr := s.GetVNF(ctx, testScope, id)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if tc.wantErr != nil {
			if err != tc.wantErr { // unchanged, not wrapped
				t.Fatalf("%s: error %v, want %v", tc.name, err, tc.wantErr)
			}
			if !reflect.DeepEqual(before, after) {
				t.Fatalf("%s: a refused change wrote:\nbefore %+v\nafter  %+v", tc.name, before, after)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if after.Admin.Version != before.Admin.Version+1 || !after.Admin.Created.Equal(before.Admin.Created) ||
			!after.Admin.Modified.Equal(clock.Now()) {
			t.Fatalf("%s: envelope %+v after %+v", tc.name, after.Admin, before.Admin)
		}
		if ret.UUID != after.UUID || ret.Admin.Version != after.Admin.Version || !reflect.DeepEqual(ret.APPC, after.APPC) ||
			!reflect.DeepEqual(ret.Fields, after.Fields) {
			t.Fatalf("%s: returned %+v, stored %+v", tc.name, ret, after)
		}
		tc.check(t, after)
	}
	if _, err := s.ModifyVNF(ctx, testScope, uuidN(11), func(*models.VNF) error {
		t.Error("fn called for a missing record")
		return nil
	}); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("missing record: %v", err)
	}
	nsr := uuidN(12)
	if _, err := records.Create(ctx, testScope, models.KindNSR, recordOf(t, nsr, sampleFields(nsr, "offline"))); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetVNF(ctx, testScope, nsr); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("an NSR read as a VNF: %v", err)
	}
}

// testReplaceKeepsState: a PUT of the record replaces the client's
// fields, never the server-side state (the APPC module's, or any other
// module's); lists still read the record.
func testReplaceKeepsState(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	records, s := repo.NewRecordStore(db), repo.NewAPPCStore(db, clock.Now, nil)
	ctx := t.Context()
	id := uuidN(20)
	if _, err := records.Create(ctx, testScope, models.KindVNFR, recordOf(t, id, sampleFields(id, "offline"))); err != nil {
		t.Fatal(err)
	}
	// Another module's state beside the APPC state: a write of the
	// record by the APPC store or by a PUT keeps it.
	if _, err := db.Collection(repo.RecordSpec(models.KindVNFR)).Update(ctx, id, func(cur repo.Doc) (repo.Doc, error) {
		cur.Admin = []byte(`{"nslcm":{"op":"x","n":[1,2]},"projects_read":["p1"],"projects_write":["p1"]}`)
		return cur, nil
	}); err != nil {
		t.Fatal(err)
	}
	state := sampleAPPC(t0)
	if _, err := s.ModifyVNF(ctx, testScope, id, func(v *models.VNF) error { v.APPC = state; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, pre := range []*models.Precondition{nil, {Versions: []int64{4}}} {
		if _, err := records.Replace(ctx, testScope, models.KindVNFR, id, recordOf(t, id, map[string]any{"status": "failed"}).Body, pre); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetVNF(ctx, testScope, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fields["status"] != "failed" || !reflect.DeepEqual(got.APPC, state) {
			t.Fatalf("after replace: %v %+v", got.Fields, got.APPC)
		}
		raw, _ := db.Collection(repo.RecordSpec(models.KindVNFR)).Get(ctx, id)
		if !sameJSON(t, extract(t, raw.Admin, "nslcm"), []byte(`{"op":"x","n":[1,2]}`)) {
			t.Fatalf("another module's state after replace: %s", raw.Admin)
		}
	}
	list, err := records.List(ctx, testScope, models.KindVNFR, filter.Query{Limit: 10})
	if err != nil || len(list.Items) != 1 || fieldsOf(t, list.Items[0])["status"] != "failed" {
		t.Fatalf("list of a record with APPC state: %+v %v", list, err)
	}
}

// testModifyVNFReplicas: ModifyVNF from two DBs on one database, as two
// replicas would: every change lands, fields and APPC state alike.
func testModifyVNFReplicas(t *testing.T, b Backend) {
	needAtomic(t, b)
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	stores := []*repo.APPCStore{repo.NewAPPCStore(db, clock.Now, nil), repo.NewAPPCStore(b.Second(t, db, clock.Now), clock.Now, nil)}
	id := uuidN(30)
	if _, err := repo.NewRecordStore(db).Create(t.Context(), testScope, models.KindVNFR, recordOf(t, id, map[string]any{"id": id, "n": int64(0)})); err != nil {
		t.Fatal(err)
	}
	const workers, each = 16, 5
	var wg sync.WaitGroup
	for w := range workers {
		s := stores[w%2]
		wg.Go(func() {
			for i := range each {
				_, err := s.ModifyVNF(t.Context(), testScope, id, func(v *models.VNF) error {
					v.Fields["n"] = v.Fields["n"].(int64) + 1
					if v.APPC == nil {
						v.APPC = &models.APPCState{State: "Instantiated", Working: "Stable"}
					}
					v.APPC.History = append(v.APPC.History, models.APPCHistory{
						APPCCall: models.APPCCall{Action: "Restart", RequestID: fmt.Sprintf("w%d-%d", w, i)}, Time: t0})
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	got, err := stores[1].GetVNF(t.Context(), testScope, id)
	if err != nil {
		t.Fatal(err)
	}
	const total = workers * each
	if got.Fields["n"] != int64(total) || got.Admin.Version != total+1 || got.APPC == nil || len(got.APPC.History) != total {
		t.Fatalf("n = %v at version %d, want %d at %d", got.Fields["n"], got.Admin.Version, total, total+1)
	}
	seen := map[string]bool{}
	for _, h := range got.APPC.History {
		seen[h.RequestID] = true
	}
	if len(seen) != total {
		t.Fatalf("history has %d distinct entries, want %d", len(seen), total)
	}
}

func testAPPCLocks(t *testing.T, b Backend) {
	clock := NewClock(t0)
	s := repo.NewAPPCStore(b.Open(t, clock.Now), clock.Now, nil)
	const long = time.Hour
	const short = time.Minute
	type step struct {
		op         string // lock, unlock, holder, wait
		vnf, owner string
		idle       time.Duration
		want       string
		wantCode   models.ErrorCode // when the call fails
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"take, renew, refuse, unlock", []step{
			{op: "holder", vnf: "v1", want: ""},
			{op: "lock", vnf: "v1", owner: "A", idle: long, want: "A"},
			{op: "lock", vnf: "v1", owner: "A", idle: long, want: "A"},
			{op: "lock", vnf: "v1", owner: "B", idle: long, want: "A"},
			{op: "holder", vnf: "v1", want: "A"},
			{op: "unlock", vnf: "v1", owner: "B", want: "A"},
			{op: "holder", vnf: "v1", want: "A"},
			{op: "unlock", vnf: "v1", owner: "A", want: ""},
			{op: "holder", vnf: "v1", want: ""},
			{op: "unlock", vnf: "v1", owner: "A", want: ""},
			{op: "lock", vnf: "v1", owner: "B", idle: long, want: "B"},
		}},
		{"locks are per VNF", []step{
			{op: "lock", vnf: "v2", owner: "A", idle: long, want: "A"},
			{op: "lock", vnf: "v3", owner: "B", idle: long, want: "B"},
			{op: "unlock", vnf: "v3", owner: "A", want: "B"},
			{op: "holder", vnf: "v2", want: "A"},
		}},
		{"expired lock is free and taken over", []step{
			{op: "lock", vnf: "v4", owner: "A", idle: short, want: "A"},
			{op: "wait", idle: 3 * short},
			{op: "holder", vnf: "v4", want: ""},
			{op: "lock", vnf: "v4", owner: "B", idle: long, want: "B"},
			{op: "lock", vnf: "v4", owner: "A", idle: long, want: "B"},
			{op: "unlock", vnf: "v4", owner: "A", want: "B"},
		}},
		{"expired lock renewed by its owner", []step{
			{op: "lock", vnf: "v5", owner: "A", idle: short, want: "A"},
			{op: "wait", idle: 3 * short},
			{op: "lock", vnf: "v5", owner: "A", idle: long, want: "A"},
			{op: "lock", vnf: "v5", owner: "B", idle: long, want: "A"},
		}},
		{"renewal extends the idle time", []step{
			{op: "lock", vnf: "v6", owner: "A", idle: short, want: "A"},
			{op: "lock", vnf: "v6", owner: "A", idle: long, want: "A"},
			{op: "wait", idle: 3 * short},
			{op: "holder", vnf: "v6", want: "A"},
			{op: "lock", vnf: "v6", owner: "B", idle: long, want: "A"},
		}},
		{"expired lock of another is not unlocked but free", []step{
			{op: "lock", vnf: "v7", owner: "A", idle: short, want: "A"},
			{op: "wait", idle: 3 * short},
			{op: "unlock", vnf: "v7", owner: "B", want: ""},
			{op: "lock", vnf: "v7", owner: "B", idle: long, want: "B"},
		}},
		{"refused arguments", []step{
			{op: "lock", vnf: "", owner: "A", idle: long, wantCode: models.CodeInvalid},
			{op: "lock", vnf: "v8", owner: "", idle: long, wantCode: models.CodeInvalid},
			{op: "lock", vnf: "v8", owner: "A", idle: 0, wantCode: models.CodeInvalid},
			{op: "holder", vnf: "v8", want: ""},
		}},
	}
	for _, tc := range cases {
		for i, st := range tc.steps {
			var got string
			var err error
			switch st.op {
			case "lock":
				got, err = s.LockVNF(t.Context(), st.vnf, st.owner, st.idle)
			case "unlock":
				got, err = s.UnlockVNF(t.Context(), st.vnf, st.owner)
			case "holder":
				got, err = s.VNFLockHolder(t.Context(), st.vnf)
			case "wait":
				clock.Advance(st.idle)
				continue
			}
			if st.wantCode != "" {
				if models.ErrorCodeOf(err) != st.wantCode {
					t.Fatalf("%s: step %d %+v: error %v, want %s", tc.name, i, st, err, st.wantCode)
				}
				continue
			}
			if err != nil || got != st.want {
				t.Fatalf("%s: step %d %+v: holder %q (%v), want %q", tc.name, i, st, got, err, st.want)
			}
		}
	}
}

func testAPPCRequests(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	s := repo.NewAPPCStore(db, clock.Now, nil)
	ctx := t.Context()
	base := t0.Add(-time.Hour)
	req := func(o, r, sub string, minute int) models.APPCRequest {
		return models.APPCRequest{RunID: fmt.Sprintf("run-%s-%s-%s-%d", o, r, sub, minute), OriginatorID: o, RequestID: r, SubRequestID: sub,
			Action: "Start", VNFID: uuidN(1), Received: base.Add(time.Duration(minute) * time.Minute), Code: 100, Message: "ACCEPTED"}
	}
	// Stored out of order: Find sorts by reception.
	stored := []models.APPCRequest{
		req("o1", "r1", "s2", 3),
		req("o1", "r1", "s1", 1),
		req("o2", "r1", "s1", 2),
		req("o1", "r1", "", 4),
		req("o1", "r2", "s1", 5),
		// Keys whose plain concatenations would collide.
		req("a|b", "r3", "", 6),
		req("a", "b|r3", "", 7),
		req("a", "r3|", "", 8),
		req("a%7Cb", "r3", "", 9),
		// Ids a query string would split or read as numbers.
		req("o,1", "r,4", "", 10),
		req("o1", "5", "", 11),
	}
	for _, r := range stored {
		if err := s.AddRequest(ctx, r, time.Hour); err != nil {
			t.Fatalf("add %+v: %v", r, err)
		}
	}
	// The same ids with a sub-request-id; and without one while the first
	// still runs.
	for _, r := range []models.APPCRequest{req("o1", "r1", "s1", 20), req("a|b", "r3", "", 20)} {
		if err := s.AddRequest(ctx, r, time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
			t.Fatalf("duplicate %+v: %v", r, err)
		}
	}
	for _, bad := range []struct {
		r      models.APPCRequest
		runFor time.Duration
	}{{models.APPCRequest{RequestID: "no-run-id"}, time.Hour}, {req("o1", "r9", "", 1), 0}} {
		if err := s.AddRequest(ctx, bad.r, bad.runFor); models.ErrorCodeOf(err) != models.CodeInvalid {
			t.Fatalf("add %+v for %v: %v", bad.r, bad.runFor, err)
		}
	}
	finished := req("o1", "r1", "s1", 1)
	finished.Finished = base.Add(90 * time.Second)
	finished.Code, finished.Message, finished.Payload = 400, "SUCCESS", `{"snapshot-id":"x"}`
	if err := s.FinishRequest(ctx, finished); err != nil {
		t.Fatal(err)
	}
	noPayload := req("o1", "r1", "", 4)
	noPayload.Code, noPayload.Message = 401, "FAILURE"
	if err := s.FinishRequest(ctx, noPayload); err != nil {
		t.Fatal(err)
	}
	noPayload.Finished = t0 // finished without a time: the store's clock
	if err := s.FinishRequest(ctx, req("o9", "r1", "s1", 1)); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("finish of a request never stored: %v", err)
	}
	check := func(t *testing.T, s *repo.APPCStore) {
		cases := []struct {
			o, r, sub string
			want      []models.APPCRequest
		}{
			{"", "r1", "", []models.APPCRequest{finished, stored[2], stored[0], noPayload}},
			{"o1", "r1", "", []models.APPCRequest{finished, stored[0], noPayload}},
			{"", "r1", "s1", []models.APPCRequest{finished, stored[2]}},
			{"o1", "r1", "s1", []models.APPCRequest{finished}},
			{"o2", "r1", "", []models.APPCRequest{stored[2]}},
			{"o1", "r2", "", []models.APPCRequest{stored[4]}},
			{"", "r3", "", []models.APPCRequest{stored[5], stored[8]}},
			{"a", "b|r3", "", []models.APPCRequest{stored[6]}},
			{"o,1", "r,4", "", []models.APPCRequest{stored[9]}},
			{"", "5", "", []models.APPCRequest{stored[10]}},
			{"", "none", "", nil},
		}
		for _, tc := range cases {
			got, err := s.FindRequests(t.Context(), tc.o, tc.r, tc.sub)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("find %q %q %q:\n got %+v\nwant %+v", tc.o, tc.r, tc.sub, got, tc.want)
			}
		}
	}
	t.Run("same store", func(t *testing.T) { check(t, s) })
	t.Run("another replica", func(t *testing.T) {
		again := repo.NewAPPCStore(b.Second(t, db, clock.Now), clock.Now, nil)
		check(t, again)
		if err := again.AddRequest(t.Context(), req("o2", "r1", "s1", 21), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
			t.Fatalf("duplicate on another replica: %v", err)
		}
	})
}

// testAPPCRequestRuns: requests without a sub-request-id may repeat their
// ids once the earlier one finished, never while it runs, and a run whose
// process died frees its ids after runFor.
func testAPPCRequestRuns(t *testing.T, b Backend) {
	clock := NewClock(t0)
	s := repo.NewAPPCStore(b.Open(t, clock.Now), clock.Now, nil)
	ctx := t.Context()
	n := 0
	req := func(o, r string) models.APPCRequest {
		n++
		return models.APPCRequest{RunID: fmt.Sprintf("run-%d", n), OriginatorID: o, RequestID: r, Action: "Lock",
			VNFID: uuidN(1), Received: clock.Now()}
	}
	lock := req("SO", "series")
	if err := s.AddRequest(ctx, lock, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRequest(ctx, req("SO", "series"), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("while the first runs: %v", err)
	}
	for _, r := range []models.APPCRequest{req("Policy", "series"), req("SO", "other")} {
		if err := s.AddRequest(ctx, r, time.Hour); err != nil {
			t.Fatalf("add %+v: %v", r, err)
		}
	}
	lock.Code, lock.Message = 400, "SUCCESS"
	if err := s.FinishRequest(ctx, lock); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Millisecond)
	start := req("SO", "series")
	start.Action = "Start"
	if err := s.AddRequest(ctx, start, time.Hour); err != nil {
		t.Fatalf("after the first finished: %v", err)
	}
	start.Code, start.Message = 400, "SUCCESS"
	if err := s.FinishRequest(ctx, start); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindRequests(ctx, "SO", "series", "")
	if err != nil || len(got) != 2 || got[0].RunID != lock.RunID || got[1].RunID != start.RunID || got[1].Code != 400 {
		t.Fatalf("both kept, each with its outcome: %+v %v", got, err)
	}
	// A run whose process died (never finished) holds its ids for runFor.
	if err := s.AddRequest(ctx, req("SO", "dead"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRequest(ctx, req("SO", "dead"), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("before the dead run expires: %v", err)
	}
	clock.Advance(time.Minute)
	if err := s.AddRequest(ctx, req("SO", "dead"), time.Hour); err != nil {
		t.Fatalf("after the dead run expired: %v", err)
	}

	t.Run("racing duplicates", func(t *testing.T) {
		needAtomic(t, b)
		db := b.Open(t, clock.Now)
		stores := []*repo.APPCStore{repo.NewAPPCStore(db, clock.Now, nil), repo.NewAPPCStore(b.Second(t, db, clock.Now), clock.Now, nil)}
		var previous models.APPCRequest
		for round := range 3 {
			reqs := make([]models.APPCRequest, 12)
			errs := make([]error, len(reqs))
			var wg sync.WaitGroup
			for i := range reqs {
				reqs[i] = models.APPCRequest{RunID: fmt.Sprintf("round-%d-%d", round, i), OriginatorID: "SO", RequestID: "raced",
					Action: "Start", VNFID: uuidN(1), Received: t0.Add(time.Duration(round) * time.Second)}
				wg.Go(func() { errs[i] = stores[i%2].AddRequest(t.Context(), reqs[i], time.Hour) })
			}
			wg.Wait()
			added := -1
			for i, err := range errs {
				switch {
				case err == nil && added >= 0:
					t.Fatalf("round %d: %s and %s both added", round, reqs[added].RunID, reqs[i].RunID)
				case err == nil:
					added = i
				case models.ErrorCodeOf(err) != models.CodeConflict:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if added < 0 {
				t.Fatalf("round %d: none added: %v", round, errs)
			}
			got, err := stores[1].FindRequests(t.Context(), "SO", "raced", "")
			if err != nil || len(got) != round+1 || got[round].RunID != reqs[added].RunID || (round > 0 && got[round-1].RunID != previous.RunID) {
				t.Fatalf("round %d: stored %+v %v", round, got, err)
			}
			previous = reqs[added]
			if err := stores[0].FinishRequest(t.Context(), previous); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func testAPPCPrune(t *testing.T, b Backend) {
	clock := NewClock(t0)
	s := repo.NewAPPCStore(b.Open(t, clock.Now), clock.Now, nil)
	ctx := t.Context()
	base := t0.Add(-48 * time.Hour)
	for i, sub := range []string{"old-1", "old-2", "", "new"} {
		r := models.APPCRequest{RunID: fmt.Sprint("run-", i), OriginatorID: "SO", RequestID: "r", SubRequestID: sub,
			Received: base.Add(time.Duration(i) * 12 * time.Hour)}
		if err := s.AddRequest(ctx, r, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneRequests(ctx, base.Add(30*time.Hour)) // the first three
	if err != nil || n != 3 {
		t.Fatalf("pruned %d: %v", n, err)
	}
	got, err := s.FindRequests(ctx, "", "r", "")
	if err != nil || len(got) != 1 || got[0].SubRequestID != "new" {
		t.Fatalf("left %+v %v", got, err)
	}
	// A pruned request's ids are free again.
	if err := s.AddRequest(ctx, models.APPCRequest{RunID: "again", OriginatorID: "SO", RequestID: "r", SubRequestID: "old-1", Received: t0}, time.Hour); err != nil {
		t.Fatalf("ids of a pruned request: %v", err)
	}
}
