package repo_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// The LCM engine's store is this one.
var _ appc.Store = (*repo.Store)(nil)

// openReplicas opens two stores on one fresh database, as two service
// replicas would, with its indexes ready.
func openReplicas(t *testing.T) (*repo.Store, *repo.Store) {
	t.Helper()
	db := repotest.DatabaseName(t)
	open := func() *repo.Store {
		s, err := repo.Open(testDB.Config(db))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	t.Cleanup(func() {
		_ = a.Database().Drop(t.Context())
		_ = a.Close(t.Context())
		_ = b.Close(t.Context())
	})
	if err := a.EnsureIndexes(t.Context()); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// ms is t as the database keeps it: UTC, milliseconds.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func sampleAPPC(at time.Time) *models.APPCState {
	return &models.APPCState{
		State:   "Running",
		Working: "Stable",
		VMs:     map[string]models.APPCVM{"vm-1": {State: "Stopped", Host: "h2"}},
		Extra:   map[string]any{"config": map[string]any{"upload_config_id": "c-1", "n": int64(2)}, "app": "started"},
		History: []models.APPCHistory{{
			APPCCall: models.APPCCall{Action: "Start", RequestID: "r-1", OriginatorID: "o-1"},
			From:     "Instantiated", To: "Running", Result: "SUCCESS", Time: ms(at),
		}},
		Running: &models.APPCRun{RunID: "run-1", APPCCall: models.APPCCall{Action: "Stop", RequestID: "r-2", VServerID: "vm-1"}, Since: ms(at)},
	}
}

func TestModifyVNF(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	errRefused := errors.New("refused by fn")
	at := time.Now()
	cases := []struct {
		name    string
		fn      func(*models.Record) error
		wantErr error // nil: the write goes through
		check   func(t *testing.T, got models.Record)
	}{{
		name: "status and APPC state",
		fn: func(r *models.Record) error {
			r.Fields["status"] = "normal operation"
			r.Admin.APPC = sampleAPPC(at)
			return nil
		},
		check: func(t *testing.T, got models.Record) {
			if got.Fields["status"] != "normal operation" || !reflect.DeepEqual(got.Admin.APPC, sampleAPPC(at)) {
				t.Fatalf("read back %v %+v", got.Fields["status"], got.Admin.APPC)
			}
		},
	}, {
		name: "fn changes the envelope: the store's wins",
		fn: func(r *models.Record) error {
			r.UUID, r.Admin.Version, r.Admin.Created = uuidN(666), 99, time.Unix(0, 0)
			return nil
		},
		check: func(t *testing.T, got models.Record) {
			if got.UUID != uuidN(10) || got.Admin.Version == 99 || got.Admin.Created.Equal(time.Unix(0, 0)) {
				t.Fatalf("envelope %s %+v", got.UUID, got.Admin)
			}
		},
	}, {
		name: "APPC state removed",
		fn:   func(r *models.Record) error { r.Admin.APPC = nil; return nil },
		check: func(t *testing.T, got models.Record) {
			if got.Admin.APPC != nil {
				t.Fatalf("APPC state %+v", got.Admin.APPC)
			}
		},
	}, {
		name: "fn error writes nothing",
		fn: func(r *models.Record) error {
			r.Fields["status"] = "failed"
			r.Admin.APPC = &models.APPCState{State: "Error"}
			return errRefused
		},
		wantErr: errRefused,
	}}
	id := uuidN(10)
	if _, err := s.Create(ctx, models.KindVNFR, id, fields(id, "offline")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, err := s.GetVNF(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
			ret, err := s.ModifyVNF(ctx, id, tc.fn)
			after, gerr := s.GetVNF(ctx, id)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.wantErr != nil {
				if err != tc.wantErr { // unchanged, not wrapped
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if !reflect.DeepEqual(before, after) {
					t.Fatalf("a refused change wrote:\nbefore %+v\nafter  %+v", before, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if after.Admin.Version != before.Admin.Version+1 || !after.Admin.Created.Equal(before.Admin.Created) ||
				!after.Admin.Modified.After(before.Admin.Modified) {
				t.Fatalf("envelope %+v after %+v", after.Admin, before.Admin)
			}
			if ret.UUID != after.UUID || ret.Admin.Version != after.Admin.Version || !ret.Admin.Modified.Equal(after.Admin.Modified) ||
				!reflect.DeepEqual(ret.Admin.APPC, after.Admin.APPC) {
				t.Fatalf("returned %+v, stored %+v", ret, after)
			}
			tc.check(t, after)
		})
	}
	if _, err := s.ModifyVNF(ctx, uuidN(11), func(*models.Record) error {
		t.Error("fn called for a missing record")
		return nil
	}); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("missing record: %v", err)
	}
	if _, err := s.GetVNF(ctx, uuidN(11)); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("missing record: %v", err)
	}
	nsr := uuidN(12)
	if _, err := s.Create(ctx, models.KindNSR, nsr, fields(nsr, "offline")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetVNF(ctx, nsr); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("an NSR read as a VNF: %v", err)
	}
}

// TestReplaceKeepsAPPCState: a PUT of the record replaces the client's
// fields, never the LCM state under _admin; lists still read the record.
func TestReplaceKeepsAPPCState(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	id := uuidN(20)
	if _, err := s.Create(ctx, models.KindVNFR, id, fields(id, "offline")); err != nil {
		t.Fatal(err)
	}
	state := sampleAPPC(time.Now())
	if _, err := s.ModifyVNF(ctx, id, func(r *models.Record) error { r.Admin.APPC = state; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, ifMatch := range []repo.Precondition{nil, func(a models.Admin) bool { return a.Version == 3 }} {
		put, err := s.Replace(ctx, models.KindVNFR, id, map[string]any{"id": id, "status": "failed"}, ifMatch)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetVNF(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fields["status"] != "failed" || !reflect.DeepEqual(got.Admin.APPC, state) || !reflect.DeepEqual(put.Admin.APPC, state) {
			t.Fatalf("after replace: %v %+v (returned %+v)", got.Fields, got.Admin.APPC, put.Admin.APPC)
		}
	}
	list, err := s.List(ctx, models.KindVNFR, repo.ListQuery{Limit: 10})
	if err != nil || len(list.Records) != 1 || list.Records[0].Fields["status"] != "failed" {
		t.Fatalf("list of a record with APPC state: %+v %v", list, err)
	}
}

// TestModifyVNFReplicasLoseNoUpdate: ModifyVNF from two stores on one
// database, as two replicas would: every change lands, fields and APPC
// state alike.
func TestModifyVNFReplicasLoseNoUpdate(t *testing.T) {
	a, b := openReplicas(t)
	id := uuidN(30)
	if _, err := a.Create(t.Context(), models.KindVNFR, id, map[string]any{"id": id, "n": int64(0)}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 5
	var wg sync.WaitGroup
	for w := range workers {
		s := []*repo.Store{a, b}[w%2]
		wg.Go(func() {
			for i := range each {
				_, err := s.ModifyVNF(t.Context(), id, func(r *models.Record) error {
					r.Fields["n"] = r.Fields["n"].(int64) + 1
					if r.Admin.APPC == nil {
						r.Admin.APPC = &models.APPCState{State: "Instantiated", Working: "Stable"}
					}
					r.Admin.APPC.History = append(r.Admin.APPC.History, models.APPCHistory{
						APPCCall: models.APPCCall{Action: "Restart", RequestID: fmt.Sprintf("w%d-%d", w, i)}, Time: ms(time.Now())})
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
	got, err := b.GetVNF(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	const total = workers * each
	if got.Fields["n"] != int64(total) || got.Admin.Version != total+1 || got.Admin.APPC == nil || len(got.Admin.APPC.History) != total {
		t.Fatalf("n = %v at version %d with %d history entries, want %d at %d", got.Fields["n"], got.Admin.Version,
			len(got.Admin.APPC.History), total, total+1)
	}
	seen := map[string]bool{}
	for _, h := range got.Admin.APPC.History {
		seen[h.RequestID] = true
	}
	if len(seen) != total {
		t.Fatalf("history has %d distinct entries, want %d", len(seen), total)
	}
}

func TestLCMLock(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	const long = time.Hour
	const short = 40 * time.Millisecond
	type step struct {
		op         string // lock, unlock, holder, sleep
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
			{op: "sleep", idle: 3 * short},
			{op: "holder", vnf: "v4", want: ""},
			{op: "lock", vnf: "v4", owner: "B", idle: long, want: "B"},
			{op: "lock", vnf: "v4", owner: "A", idle: long, want: "B"},
			{op: "unlock", vnf: "v4", owner: "A", want: "B"},
		}},
		{"expired lock renewed by its owner", []step{
			{op: "lock", vnf: "v5", owner: "A", idle: short, want: "A"},
			{op: "sleep", idle: 3 * short},
			{op: "lock", vnf: "v5", owner: "A", idle: long, want: "A"},
			{op: "lock", vnf: "v5", owner: "B", idle: long, want: "A"},
		}},
		{"renewal extends the idle time", []step{
			{op: "lock", vnf: "v6", owner: "A", idle: short, want: "A"},
			{op: "lock", vnf: "v6", owner: "A", idle: long, want: "A"},
			{op: "sleep", idle: 3 * short},
			{op: "holder", vnf: "v6", want: "A"},
			{op: "lock", vnf: "v6", owner: "B", idle: long, want: "A"},
		}},
		{"expired lock of another is not unlocked but free", []step{
			{op: "lock", vnf: "v7", owner: "A", idle: short, want: "A"},
			{op: "sleep", idle: 3 * short},
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
		t.Run(tc.name, func(t *testing.T) {
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
				case "sleep":
					time.Sleep(st.idle)
					continue
				}
				if st.wantCode != "" {
					if models.ErrorCodeOf(err) != st.wantCode {
						t.Fatalf("step %d %+v: error %v, want %s", i, st, err, st.wantCode)
					}
					continue
				}
				if err != nil || got != st.want {
					t.Fatalf("step %d %+v: holder %q (%v), want %q", i, st, got, err, st.want)
				}
			}
		})
	}
	// A renewal moved the stored expiry an hour on.
	var doc struct {
		Expires time.Time `bson:"expires"`
	}
	if err := s.Database().Collection("appc_locks").FindOne(t.Context(), bson.D{{Key: "_id", Value: "v6"}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if time.Until(doc.Expires) < 50*time.Minute {
		t.Fatalf("renewed lock expires at %v", doc.Expires)
	}
}

// TestLCMLockContention races LockVNF for one VNF from many request ids
// across two stores on one database, as two replicas would: exactly one
// wins, every other is told that one holds it, on a free lock and on an
// expired one being taken over.
func TestLCMLockContention(t *testing.T) {
	a, b := openReplicas(t)
	const contenders = 12
	for _, expired := range []bool{false, true} {
		for round := range 3 {
			vnf := fmt.Sprintf("vnf-%t-%d", expired, round)
			if expired {
				_, err := a.Database().Collection("appc_locks").InsertOne(t.Context(), bson.D{
					{Key: "_id", Value: vnf}, {Key: "owner", Value: "crashed"},
					{Key: "expires", Value: time.Now().Add(-time.Second)}})
				if err != nil {
					t.Fatal(err)
				}
			}
			holders := make([]string, contenders)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range contenders {
				s := []*repo.Store{a, b}[i%2]
				wg.Go(func() {
					<-start
					h, err := s.LockVNF(t.Context(), vnf, fmt.Sprintf("req-%d", i), time.Hour)
					if err != nil {
						t.Error(err)
					}
					holders[i] = h
				})
			}
			close(start)
			wg.Wait()
			winners := 0
			for i, h := range holders {
				if h == fmt.Sprintf("req-%d", i) {
					winners++
				}
			}
			got, err := b.VNFLockHolder(t.Context(), vnf)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range holders {
				if h != got {
					t.Fatalf("%s: contenders were told %v; the holder is %q", vnf, holders, got)
				}
			}
			if winners != 1 {
				t.Fatalf("%s: %d winners: %v", vnf, winners, holders)
			}
		}
	}
}

func TestLCMRequests(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	base := ms(time.Now().Add(-time.Hour))
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
	}
	for _, r := range stored {
		if err := s.AddRequest(ctx, r, time.Hour); err != nil {
			t.Fatalf("add %+v: %v", r, err)
		}
	}
	// The same ids with a sub-request-id; and without one while the first
	// still runs.
	for _, r := range []models.APPCRequest{req("o1", "r1", "s1", 10), req("a|b", "r3", "", 10)} {
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
	if err := s.FinishRequest(ctx, req("o9", "r1", "s1", 1)); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Fatalf("finish of a request never stored: %v", err)
	}

	check := func(t *testing.T, s *repo.Store) {
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
			{"", "none", "", []models.APPCRequest{}},
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
	// noPayload was finished without a time: the store took now.
	got, err := s.FindRequests(ctx, "o1", "r1", "")
	if err != nil || len(got) != 3 {
		t.Fatalf("find: %+v %v", got, err)
	}
	if noPayload.Finished = got[2].Finished; time.Since(noPayload.Finished) > time.Minute {
		t.Fatalf("finish without a time stored %v", noPayload.Finished)
	}
	t.Run("same store", func(t *testing.T) { check(t, s) })
	t.Run("reopened store", func(t *testing.T) {
		again, err := repo.Open(testDB.Config(s.Database().Name()))
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close(t.Context())
		check(t, again)
		if err := again.AddRequest(t.Context(), req("o2", "r1", "s1", 11), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
			t.Fatalf("duplicate after reopening: %v", err)
		}
	})
}

// TestLCMRequestRuns: requests without a sub-request-id may repeat their
// ids once the earlier one finished, never while it runs, and a run whose
// process died frees its ids after runFor.
func TestLCMRequestRuns(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	n := 0
	req := func(o, r string) models.APPCRequest {
		n++
		return models.APPCRequest{RunID: fmt.Sprintf("run-%d", n), OriginatorID: o, RequestID: r, Action: "Lock",
			VNFID: uuidN(1), Received: ms(time.Now())}
	}
	lock := req("SO", "series")
	if err := s.AddRequest(ctx, lock, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRequest(ctx, req("SO", "series"), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("while the first runs: %v", err)
	}
	// Other ids are other requests.
	for _, r := range []models.APPCRequest{req("Policy", "series"), req("SO", "other")} {
		if err := s.AddRequest(ctx, r, time.Hour); err != nil {
			t.Fatalf("add %+v: %v", r, err)
		}
	}
	lock.Code, lock.Message = 400, "SUCCESS"
	if err := s.FinishRequest(ctx, lock); err != nil {
		t.Fatal(err)
	}
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
	dead := req("SO", "dead")
	if err := s.AddRequest(ctx, dead, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRequest(ctx, req("SO", "dead"), time.Hour); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("before the dead run expires: %v", err)
	}
	time.Sleep(150 * time.Millisecond)
	if err := s.AddRequest(ctx, req("SO", "dead"), time.Hour); err != nil {
		t.Fatalf("after the dead run expired: %v", err)
	}
}

// TestLCMRequestRunContention races requests with the same ids and no
// sub-request-id through two stores on one database: exactly one is
// added, and once it finishes exactly one of the next race is.
func TestLCMRequestRunContention(t *testing.T) {
	a, b := openReplicas(t)
	const contenders = 12
	var previous models.APPCRequest
	for round := range 3 {
		reqs := make([]models.APPCRequest, contenders)
		errs := make([]error, contenders)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range contenders {
			reqs[i] = models.APPCRequest{RunID: fmt.Sprintf("round-%d-%d", round, i), OriginatorID: "SO", RequestID: "raced",
				Action: "Start", VNFID: uuidN(1), Received: ms(time.Now())}
			s := []*repo.Store{a, b}[i%2]
			wg.Go(func() {
				<-start
				errs[i] = s.AddRequest(t.Context(), reqs[i], time.Hour)
			})
		}
		close(start)
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
		got, err := b.FindRequests(t.Context(), "SO", "raced", "")
		if err != nil || len(got) != round+1 || got[round].RunID != reqs[added].RunID || (round > 0 && got[round-1].RunID != previous.RunID) {
			t.Fatalf("round %d: stored %+v %v", round, got, err)
		}
		previous = reqs[added]
		if err := a.FinishRequest(t.Context(), previous); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLCMPruneRequests(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	ctx := t.Context()
	base := ms(time.Now().Add(-48 * time.Hour))
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
	if err := s.AddRequest(ctx, models.APPCRequest{RunID: "again", OriginatorID: "SO", RequestID: "r", SubRequestID: "old-1", Received: ms(time.Now())}, time.Hour); err != nil {
		t.Fatalf("ids of a pruned request: %v", err)
	}
}

func TestLCMRequestIndex(t *testing.T) {
	s := repotest.NewStore(t, testDB)
	cur, err := s.Database().Collection("appc_requests").Indexes().List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var specs []bson.M
	if err := cur.All(t.Context(), &specs); err != nil {
		t.Fatal(err)
	}
	names := map[any]bool{}
	for _, sp := range specs {
		names[sp["name"]] = true
	}
	if !names["request_id"] || !names["received"] {
		t.Fatalf("want indexes request_id and received: %v", specs)
	}
}
