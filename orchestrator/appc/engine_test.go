package appc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo/repotest"
)

// These unit tests run the engine over fakeStore, an in-memory Store with
// a settable clock, to check what the store cannot show from outside: the
// order of the checks, that refusals never call ModifyVNF, store failures,
// lock renewal on a clock, retried ModifyVNF callbacks. The same behaviour
// is tested through the router against the real embedded store in
// handlers/appc_test.go.

// fakeStore is an in-memory Store. VNF records are kept as repo.APPCStore
// keeps them, encoded, and decoded afresh on every read: the engine gets
// what a database would give it (its own values never come back, numbers
// are int64 or float64, the fields carry id).
type fakeStore struct {
	mu       sync.Mutex
	now      func() time.Time
	records  map[string]storedVNF
	locks    map[string]fakeLock
	requests []models.APPCRequest

	modifyCalls int
	// fail makes the named method fail with the error.
	fail map[string]error
	// replayModify makes ModifyVNF run its callback this many extra times
	// (discarding the results), as a store does when it loses a race.
	replayModify int
	// duringModify runs inside ModifyVNF, before the callback.
	duringModify func()
	// failModifyCall makes the ModifyVNF call of this number (counting
	// from 1) fail with failModifyErr, by default an unreachable database,
	// as a process dying between its writes would leave the record.
	failModifyCall int
	failModifyErr  error
	// afterGetVNF runs after each GetVNF has read (n counts the calls
	// from 1), outside the store's lock: another replica acting between
	// a read and what follows.
	afterGetVNF func(n int)
	getCalls    int
}

// storedVNF is a VNF record as fakeStore keeps it.
type storedVNF struct {
	admin models.Admin
	body  json.RawMessage // models.EncodeFields of the fields
	appc  json.RawMessage // the APPC state as JSON, nil for none
}

// encodeVNF is v as the store keeps it, with admin as its envelope.
func encodeVNF(v models.VNF, admin models.Admin) (storedVNF, error) {
	body, err := models.EncodeFields(v.Fields)
	if err != nil {
		return storedVNF{}, err
	}
	var st json.RawMessage
	if v.APPC != nil {
		if st, err = json.Marshal(v.APPC); err != nil {
			return storedVNF{}, err
		}
	}
	return storedVNF{admin: admin, body: body, appc: st}, nil
}

// decodeVNF is the VNF record uuid as GetVNF reads it.
func decodeVNF(uuid string, d storedVNF) (models.VNF, error) {
	v := models.VNF{Record: models.Record{UUID: uuid, Admin: d.admin, Body: bytes.Clone(d.body)}}
	var err error
	if v.Fields, err = v.Record.Fields(); err != nil {
		return models.VNF{}, err
	}
	if d.appc != nil {
		if err := json.Unmarshal(d.appc, &v.APPC); err != nil {
			return models.VNF{}, err
		}
	}
	return v, nil
}

type fakeLock struct {
	owner   string
	expires time.Time
}

func newFakeStore(now func() time.Time) *fakeStore {
	return &fakeStore{now: now, records: map[string]storedVNF{}, locks: map[string]fakeLock{}, fail: map[string]error{}}
}

func (s *fakeStore) put(t testing.TB, v models.VNF) {
	t.Helper()
	d, err := encodeVNF(v, v.Admin)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[v.UUID] = d
}

func (s *fakeStore) get(t testing.TB, id string) models.VNF {
	t.Helper()
	v, err := s.GetVNF(context.Background(), testScope, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (s *fakeStore) failure(method string, ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &models.Error{Code: models.CodeUnavailable, Detail: "context done", Err: err}
	}
	return s.fail[method]
}

func (s *fakeStore) GetVNF(ctx context.Context, _ models.Scope, uuid string) (models.VNF, error) {
	v, err := s.getVNF(ctx, uuid)
	if s.afterGetVNF != nil {
		s.mu.Lock()
		s.getCalls++
		n := s.getCalls
		s.mu.Unlock()
		s.afterGetVNF(n)
	}
	return v, err
}

func (s *fakeStore) getVNF(ctx context.Context, uuid string) (models.VNF, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("GetVNF", ctx); err != nil {
		return models.VNF{}, err
	}
	d, ok := s.records[uuid]
	if !ok {
		return models.VNF{}, models.Errorf(models.CodeNotFound, "vnfr %s not found", uuid)
	}
	return decodeVNF(uuid, d)
}

func (s *fakeStore) ModifyVNF(ctx context.Context, _ models.Scope, uuid string, fn func(*models.VNF) error) (models.VNF, error) {
	s.mu.Lock()
	s.modifyCalls++
	during := s.duringModify
	s.mu.Unlock()
	if during != nil {
		during()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("ModifyVNF", ctx); err != nil {
		return models.VNF{}, err
	}
	if s.modifyCalls == s.failModifyCall {
		if s.failModifyErr != nil {
			return models.VNF{}, s.failModifyErr
		}
		return models.VNF{}, models.Errorf(models.CodeUnavailable, "database unreachable")
	}
	cur, ok := s.records[uuid]
	if !ok {
		return models.VNF{}, models.Errorf(models.CodeNotFound, "vnfr %s not found", uuid)
	}
	// Every run of fn gets the record afresh, as after a lost race; only
	// the last one's result is written.
	var next storedVNF
	for range s.replayModify + 1 {
		v, err := decodeVNF(uuid, cur)
		if err != nil {
			return models.VNF{}, err
		}
		if err := fn(&v); err != nil {
			return models.VNF{}, err
		}
		admin := cur.admin
		admin.Version++
		admin.Modified = s.now()
		if next, err = encodeVNF(v, admin); err != nil {
			return models.VNF{}, err
		}
	}
	s.records[uuid] = next
	return decodeVNF(uuid, next)
}

func (s *fakeStore) LockVNF(ctx context.Context, vnfID, owner string, idle time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("LockVNF", ctx); err != nil {
		return "", err
	}
	l, ok := s.locks[vnfID]
	if ok && l.owner != owner && s.now().Before(l.expires) {
		return l.owner, nil
	}
	s.locks[vnfID] = fakeLock{owner: owner, expires: s.now().Add(idle)}
	return owner, nil
}

func (s *fakeStore) UnlockVNF(ctx context.Context, vnfID, owner string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("UnlockVNF", ctx); err != nil {
		return "", err
	}
	if l, ok := s.locks[vnfID]; ok && l.owner == owner {
		delete(s.locks, vnfID)
	}
	return s.holder(vnfID), nil
}

func (s *fakeStore) holder(vnfID string) string {
	if l, ok := s.locks[vnfID]; ok && s.now().Before(l.expires) {
		return l.owner
	}
	return ""
}

func (s *fakeStore) VNFLockHolder(ctx context.Context, vnfID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("VNFLockHolder", ctx); err != nil {
		return "", err
	}
	return s.holder(vnfID), nil
}

func sameKey(a, b models.APPCRequest) bool {
	return a.OriginatorID == b.OriginatorID && a.RequestID == b.RequestID && a.SubRequestID == b.SubRequestID
}

func (s *fakeStore) AddRequest(ctx context.Context, r models.APPCRequest, runFor time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("AddRequest", ctx); err != nil {
		return err
	}
	for _, o := range s.requests {
		running := o.Finished.IsZero() && s.now().Before(o.Received.Add(runFor))
		if sameKey(o, r) && (r.SubRequestID != "" || running) {
			return models.Errorf(models.CodeConflict, "request exists")
		}
	}
	s.requests = append(s.requests, r)
	return nil
}

func (s *fakeStore) FinishRequest(ctx context.Context, r models.APPCRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("FinishRequest", ctx); err != nil {
		return err
	}
	for i, o := range s.requests {
		if o.RunID == r.RunID {
			s.requests[i].Finished, s.requests[i].Code, s.requests[i].Message, s.requests[i].Payload = r.Finished, r.Code, r.Message, r.Payload
			return nil
		}
	}
	return models.Errorf(models.CodeNotFound, "no such request")
}

func (s *fakeStore) FindRequests(ctx context.Context, originatorID, requestID, subRequestID string) ([]models.APPCRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("FindRequests", ctx); err != nil {
		return nil, err
	}
	var out []models.APPCRequest
	for _, r := range s.requests {
		if r.RequestID == requestID && (originatorID == "" || r.OriginatorID == originatorID) && (subRequestID == "" || r.SubRequestID == subRequestID) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *fakeStore) PruneRequests(ctx context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failure("PruneRequests", ctx); err != nil {
		return 0, err
	}
	kept := s.requests[:0]
	for _, r := range s.requests {
		if !r.Received.Before(before) {
			kept = append(kept, r)
		}
	}
	n := len(s.requests) - len(kept)
	s.requests = kept
	return int64(n), nil
}

func (s *fakeStore) request(t testing.TB, requestID string) models.APPCRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		if r.RequestID == requestID {
			return r
		}
	}
	t.Fatalf("request %s not stored", requestID)
	return models.APPCRequest{}
}

const (
	engineVNF = "5e0ff6e2-4a47-4b33-9b8f-2a1d1c3b4e5f"
	engineVM  = "vm-1"
)

// vnfRecord is a VNF record with one VM, in APPC state st (nil: untouched).
func vnfRecord(st *models.APPCState) models.VNF {
	return models.VNF{
		Record: models.Record{
			UUID:  engineVNF,
			Admin: models.Admin{Version: 1, Created: testNow.Add(-time.Hour), Modified: testNow.Add(-time.Hour)},
		},
		Fields: map[string]any{
			"status": "normal operation",
			"virtual_deployment_units": []any{
				map[string]any{"id": "vdu01", "vnfc_instance": []any{map[string]any{"id": "0", "vc_id": engineVM}}},
			},
		},
		APPC: st,
	}
}

// engineFixture is an engine over a fake store holding vnfRecord(st), on a
// clock at testNow.
func engineFixture(t testing.TB, st *models.APPCState, cfg EngineConfig) (*Engine, *fakeStore, *repotest.Clock) {
	t.Helper()
	clk := repotest.NewClock(testNow)
	store := newFakeStore(clk.Now)
	store.put(t, vnfRecord(st))
	cfg.Now = clk.Now
	e, err := NewEngine(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, store, clk
}

// call is one request of the engine tests.
type call struct {
	action    Action
	vnf       string
	vm        string
	requestID string
	sub       string
	force     string
	payload   string
}

func (c call) body(now time.Time) []byte {
	if c.vnf == "" {
		c.vnf = engineVNF
	}
	if c.requestID == "" {
		c.requestID = "req"
	}
	header := obj{"timestamp": FormatTimestamp(now.Add(-time.Second)), "api-ver": "5.00", "originator-id": "SO", "request-id": c.requestID}
	if c.sub != "" {
		header["sub-request-id"] = c.sub
	}
	if c.force != "" {
		header["flags"] = obj{"force": c.force}
	}
	ids := obj{"vnf-id": c.vnf}
	if c.vm != "" {
		ids["vserver-id"] = c.vm
	}
	input := obj{"common-header": header, "action": string(c.action), "action-identifiers": ids}
	scope := ActionIdentifiers{VServerID: c.vm}.Scope()
	if c.payload != "" {
		input["payload"] = c.payload
	} else if p, ok := validPayload(c.action, scope); ok {
		input["payload"] = p
	}
	b, _ := json.Marshal(obj{"input": input})
	return b
}

func handle(t testing.TB, e *Engine, c call) Result {
	t.Helper()
	return e.Handle(context.Background(), testScope, RPCModulePrefix+c.action.RPC(), c.body(e.now()))
}

// code runs c and returns its LCM status code (failing on anything but an
// LCM answer).
func code(t testing.TB, e *Engine, c call) int {
	t.Helper()
	res := handle(t, e, c)
	if res.Err != nil || res.Outcome != Answered {
		t.Fatalf("%s: %v err %v body %+v", c.action, res.Outcome, res.Err, res.Body)
	}
	return res.Status().Code
}

func TestEngineCheckOrder(t *testing.T) {
	unstable := &models.APPCState{State: "Stopped", Working: "Unknown"}
	tests := []struct {
		name  string
		st    *models.APPCState
		setup func(t *testing.T, s *fakeStore)
		call  call
		want  int
	}{
		{"312 before 306", nil, func(t *testing.T, s *fakeStore) {
			// Still running: no sub-request-id, not finished.
			_ = s.AddRequest(context.Background(), models.APPCRequest{RunID: "r0", OriginatorID: "SO", RequestID: "dup", Received: s.now()}, time.Minute)
		}, call{action: Start, vnf: "00000000-0000-4000-8000-00000000000a", requestID: "dup"}, CodeDuplicateRequest},
		{"306 before 301", nil, nil, call{action: Stop, vnf: "00000000-0000-4000-8000-00000000000a", vm: "nope"}, CodeVNFNotFound},
		{"301 before 310", nil, func(t *testing.T, s *fakeStore) {
			_, _ = s.LockVNF(context.Background(), engineVNF, "other", time.Hour)
		}, call{action: Stop, vm: "nope"}, CodeInvalidInputParameter},
		{"310 before 309 and 304", unstable, func(t *testing.T, s *fakeStore) {
			_, _ = s.LockVNF(context.Background(), engineVNF, "other", time.Hour)
		}, call{action: Stop}, CodeLockingFailure},
		{"309 before 304", unstable, nil, call{action: Stop}, CodeUnstableVNF},
		{"304 when forced", unstable, nil, call{action: Stop, force: "TRUE"}, CodeNoTransitionDefined},
		{"304 of the VM's state", &models.APPCState{State: "Running", Working: "Stable", VMs: map[string]models.APPCVM{engineVM: {State: "Stopped"}}},
			nil, call{action: Stop, vm: engineVM}, CodeNoTransitionDefined},
		{"Unlock by another: 310", nil, func(t *testing.T, s *fakeStore) {
			_, _ = s.LockVNF(context.Background(), engineVNF, "other", time.Hour)
		}, call{action: Unlock}, CodeLockingFailure},
		{"expired lock is free", unstable, func(t *testing.T, s *fakeStore) {
			_, _ = s.LockVNF(context.Background(), engineVNF, "other", -time.Second)
		}, call{action: Start, force: "TRUE"}, CodeSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, s, _ := engineFixture(t, tt.st, EngineConfig{})
			if tt.setup != nil {
				tt.setup(t, s)
			}
			before := s.get(t, engineVNF)
			if got := code(t, e, tt.call); got != tt.want {
				t.Fatalf("code %d, want %d", got, tt.want)
			}
			if tt.want == CodeSuccess {
				return
			}
			if s.modifyCalls != 0 {
				t.Errorf("a refused request called ModifyVNF %d times", s.modifyCalls)
			}
			if after := s.get(t, engineVNF); !reflect.DeepEqual(before, after) {
				t.Errorf("record changed:\n%+v\n%+v", before, after)
			}
			if tt.want != CodeDuplicateRequest {
				rid := tt.call.requestID
				if rid == "" {
					rid = "req"
				}
				if r := s.request(t, rid); r.Code != tt.want || r.Finished.IsZero() || r.Message == "" {
					t.Errorf("stored request %+v", r)
				}
			}
		})
	}
}

func TestEngineRESTCONFResults(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	body := call{action: Start}.body(testNow)
	tests := []struct {
		name    string
		op      string
		body    []byte
		outcome Outcome
		tag     string
	}{
		{"other module", "ietf-foo:start", body, UnknownRPC, ErrorTagUnknownElement},
		{"no module", "start", body, UnknownRPC, ErrorTagUnknownElement},
		{"unknown rpc", RPCModulePrefix + "terminate", body, UnknownRPC, ErrorTagUnknownElement},
		{"malformed", RPCModulePrefix + "start", []byte(`{"input": 1}`), Malformed, ErrorTagMalformed},
		{"not JSON", RPCModulePrefix + "start", []byte(`{`), Malformed, ErrorTagMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Handle(context.Background(), testScope, tt.op, tt.body)
			eb, ok := res.Body.(ErrorsBody)
			if res.Outcome != tt.outcome || !ok || eb.Errors.Error[0].ErrorTag != tt.tag || res.Err != nil || res.Status() != nil {
				t.Errorf("result %+v", res)
			}
		})
	}
	// A request refused by the parser is not stored: its key stays free.
	bad := call{action: HealthCheck, payload: `{}`}
	if got := code(t, e, bad); got != CodeMissingMandatoryParameter {
		t.Fatalf("code %d", got)
	}
	if len(s.requests) != 0 || s.modifyCalls != 0 {
		t.Errorf("requests %v, %d modifications", s.requests, s.modifyCalls)
	}
}

func TestEngineStoreFailures(t *testing.T) {
	down := &models.Error{Code: models.CodeUnavailable, Detail: "the database is unreachable; retry later"}
	for _, method := range []string{"AddRequest", "GetVNF", "VNFLockHolder", "LockVNF", "ModifyVNF", "FindRequests"} {
		t.Run(method, func(t *testing.T) {
			e, s, _ := engineFixture(t, nil, EngineConfig{})
			s.fail[method] = down
			action := Start
			if method == "FindRequests" {
				action = ActionStatus
			}
			res := handle(t, e, call{action: action})
			if res.Outcome != StoreFailed || !errors.Is(res.Err, down) {
				t.Fatalf("%v, err %v", res.Outcome, res.Err)
			}
			st := res.Status()
			if st == nil || st.Code != CodeUnexpectedError || !strings.Contains(st.Message, "unreachable") {
				t.Errorf("status %+v", st)
			}
			if s.locks[engineVNF].owner != "" {
				t.Errorf("lock left behind: %+v", s.locks)
			}
			if method != "AddRequest" {
				if r := s.request(t, "req"); r.Code != CodeUnexpectedError || r.Finished.IsZero() {
					t.Errorf("stored outcome %+v", r)
				}
			}
		})
	}
	t.Run("internal errors are not shown", func(t *testing.T) {
		e, s, _ := engineFixture(t, nil, EngineConfig{})
		secret := errors.New("secret driver detail")
		s.fail["GetVNF"] = secret
		res := handle(t, e, call{action: Start})
		if res.Outcome != StoreFailed || strings.Contains(res.Status().Message, "secret") {
			t.Errorf("result %+v", res)
		}
		// An error nobody classified is a bug: a *models.Error with
		// CodeInternal for handlers/, its cause kept for the log.
		var me *models.Error
		if !errors.As(res.Err, &me) || me.Code != models.CodeInternal || !errors.Is(res.Err, secret) {
			t.Errorf("err %#v", res.Err)
		}
	})
	t.Run("FinishRequest failing still answers", func(t *testing.T) {
		e, s, _ := engineFixture(t, nil, EngineConfig{})
		s.fail["FinishRequest"] = down
		if got := code(t, e, call{action: Start}); got != CodeSuccess {
			t.Errorf("code %d", got)
		}
	})
	t.Run("the client hanging up does not cut a request short", func(t *testing.T) {
		e, s, _ := engineFixture(t, nil, EngineConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := e.Handle(ctx, testScope, RPCModulePrefix+"start", call{action: Start}.body(testNow))
		if res.Err != nil || res.Status().Code != CodeSuccess {
			t.Fatalf("result %+v", res)
		}
		if s.get(t, engineVNF).APPC.State != "Running" || s.request(t, "req").Code != CodeSuccess {
			t.Error("not finished")
		}
	})
}

// TestEngineLockIdle: the lock lasts LockIdle after the owner's last
// request, on the store's clock.
func TestEngineLockIdle(t *testing.T) {
	e, s, clk := engineFixture(t, nil, EngineConfig{LockIdle: 10 * time.Minute})
	n := 0
	next := func(c call) call { n++; c.sub = fmt.Sprint(n); return c }
	if got := code(t, e, next(call{action: Lock, requestID: "a"})); got != CodeSuccess {
		t.Fatal(got)
	}
	for _, renew := range []Action{CheckLock, Start, Audit, ActionStatus, Lock} {
		clk.Advance(9 * time.Minute)
		if got := code(t, e, next(call{action: renew, requestID: "a"})); got != CodeSuccess {
			t.Fatalf("%s by the owner: %d", renew, got)
		}
		if l := s.locks[engineVNF]; l.owner != "a" || !l.expires.Equal(clk.Now().Add(10*time.Minute)) {
			t.Fatalf("%s did not renew the lock: %+v", renew, l)
		}
	}
	clk.Advance(9 * time.Minute)
	if got := code(t, e, next(call{action: Stop, requestID: "b"})); got != CodeLockingFailure {
		t.Fatalf("b before expiry: %d", got)
	}
	clk.Advance(2 * time.Minute)
	if got := code(t, e, next(call{action: Stop, requestID: "b"})); got != CodeSuccess {
		t.Fatalf("b after expiry: %d", got)
	}
}

// TestEngineTransientLock: a command holds the VNF's lock while it runs,
// and releases it unless its request-id holds it explicitly.
func TestEngineTransientLock(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	var during []string
	s.duringModify = func() { during = append(during, s.holder(engineVNF)) }
	code(t, e, call{action: Start, requestID: "a"})
	// Both writes of the command (begin and finish) ran under its lock.
	if len(during) != 2 || during[0] != "a" || during[1] != "a" {
		t.Errorf("holder while running: %v", during)
	}
	if h := s.holder(engineVNF); h != "" {
		t.Errorf("holder after: %q", h)
	}
	code(t, e, call{action: Lock, requestID: "b", sub: "1"})
	code(t, e, call{action: Stop, requestID: "b", sub: "2"})
	if h := s.holder(engineVNF); h != "b" {
		t.Errorf("an explicit lock was released: holder %q", h)
	}
	// Another request's command during b's lock is refused, and the
	// failed attempt does not disturb b's lock.
	if got := code(t, e, call{action: Start, requestID: "c"}); got != CodeLockingFailure {
		t.Errorf("c: %d", got)
	}
	if h := s.holder(engineVNF); h != "b" {
		t.Errorf("holder %q", h)
	}
}

// TestEngineModifyReplay: a ModifyVNF callback that runs several times
// leaves one effect, and the answer matches what was written.
func TestEngineModifyReplay(t *testing.T) {
	e, s, _ := engineFixture(t, &models.APPCState{State: "Running", Working: "Stable"}, EngineConfig{})
	s.replayModify = 2
	res := handle(t, e, call{action: Configure})
	var up UploadConfigResult
	if err := json.Unmarshal([]byte(res.Body.(Response).Output.Payload), &up); err != nil {
		t.Fatal(err)
	}
	st := s.get(t, engineVNF).APPC
	if len(st.History) != 1 || st.State != "Configured" {
		t.Errorf("history %+v state %s", st.History, st.State)
	}
	var cfg configuration
	if !getExtra(st, extraConfig, &cfg) || cfg.UploadConfigID != up.UploadConfigID {
		t.Errorf("stored %+v, answered %s", cfg, up.UploadConfigID)
	}
	res = handle(t, e, call{action: Snapshot, vm: engineVM, requestID: "snap"})
	var snaps []snapshot
	getExtra(s.get(t, engineVNF).APPC, extraSnapshots, &snaps)
	if len(snaps) != 1 || snaps[0].SnapshotID != res.Body.(Response).Output.SnapshotID {
		t.Errorf("snapshots %+v, answered %s", snaps, res.Body.(Response).Output.SnapshotID)
	}
}

func TestEngineHistoryBounded(t *testing.T) {
	st := &models.APPCState{State: "Running", Working: "Stable"}
	for i := range MaxHistory {
		st.History = append(st.History, models.APPCHistory{APPCCall: models.APPCCall{Action: "Lock", RequestID: fmt.Sprint(i)}})
	}
	e, s, _ := engineFixture(t, st, EngineConfig{})
	code(t, e, call{action: Stop})
	h := s.get(t, engineVNF).APPC.History
	if len(h) != MaxHistory || h[0].RequestID != "1" || h[len(h)-1].Action != "Stop" {
		t.Errorf("%d entries, first %+v last %+v", len(h), h[0], h[len(h)-1])
	}
}

func TestEngineActionStatusInProgress(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	_ = s.AddRequest(context.Background(), models.APPCRequest{RunID: "r0", OriginatorID: "SO", RequestID: "running", Action: "Start", VNFID: engineVNF, Received: testNow}, time.Minute)
	res := handle(t, e, call{action: ActionStatus, requestID: "ask", payload: `{"request-id": "running"}`})
	if p := res.Body.(Response).Output.Payload; p != `{"status":"IN_PROGRESS","status-reason":"ACCEPTED"}` {
		t.Errorf("payload %s", p)
	}
}

func TestEngineVNFIDCase(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	if got := code(t, e, call{action: Start, vnf: strings.ToUpper(engineVNF)}); got != CodeSuccess {
		t.Fatalf("code %d", got)
	}
	if s.get(t, engineVNF).APPC.State != "Running" {
		t.Error("not started")
	}
}

// TestEngineWritesFields: an action that moves the VNF through a
// transitional state sets the SONATA status in the record's fields and
// leaves every other field as it was; one that does not, and HealthCheck,
// leave the fields byte for byte.
func TestEngineWritesFields(t *testing.T) {
	running := &models.APPCState{State: "Running", Working: "Stable"}
	tests := []struct {
		name   string
		st     *models.APPCState
		call   call
		status string // "" leaves the stored body as it was
	}{
		{"Stop", running, call{action: Stop}, "offline"},
		{"Start", &models.APPCState{State: "Stopped", Working: "Stable"}, call{action: Start}, "normal operation"},
		{"Lock", running, call{action: Lock}, ""},
		{"HealthCheck", running, call{action: HealthCheck}, ""},
		{"VM-scope Stop", running, call{action: Stop, vm: engineVM}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, s, _ := engineFixture(t, tt.st, EngineConfig{})
			before := s.get(t, engineVNF)
			if got := code(t, e, tt.call); got != CodeSuccess {
				t.Fatalf("code %d", got)
			}
			after := s.get(t, engineVNF)
			if tt.status == "" {
				if !bytes.Equal(before.Body, after.Body) {
					t.Errorf("body changed:\n%s\n%s", before.Body, after.Body)
				}
				return
			}
			want := maps.Clone(before.Fields)
			want["status"] = tt.status
			if !reflect.DeepEqual(after.Fields, want) {
				t.Errorf("fields %v, want %v", after.Fields, want)
			}
		})
	}
}

// TestNoHTTP: HTTP types stop at handlers/ (DESIGN.md); this package says
// what an answer is (Outcome) and handlers/ picks its status.
func TestNoHTTP(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if imp == "net/http" || strings.HasPrefix(imp, "net/http/") || strings.Contains(imp, "gin-gonic") {
			t.Errorf("orchestrator/appc imports %s", imp)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Answered: "Answered", Malformed: "Malformed", UnknownRPC: "UnknownRPC", StoreFailed: "StoreFailed", Outcome(9): "Outcome(9)"} {
		if got := o.String(); got != want {
			t.Errorf("%d: %q, want %q", int(o), got, want)
		}
	}
}

func TestNewEngineConfig(t *testing.T) {
	s := newFakeStore(time.Now)
	if _, err := NewEngine(nil, EngineConfig{}); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := NewEngine(s, EngineConfig{LockIdle: -time.Second}); err == nil {
		t.Error("negative lock idle accepted")
	}
	if _, err := NewEngine(s, EngineConfig{DefaultTTL: -time.Second}); err == nil {
		t.Error("negative TTL accepted")
	}
	if _, err := NewEngine(s, EngineConfig{RequestRetention: -time.Second}); err == nil {
		t.Error("negative retention accepted")
	}
	e, err := NewEngine(s, EngineConfig{})
	if err != nil || e.lockIdle != DefaultLockIdle || e.defaultTTL != DefaultTTL || e.now == nil {
		t.Errorf("defaults %+v %v", e, err)
	}
}

// TestHasVM: the VMs are found in fields as the store decodes them
// (models.DecodeFields), and a record whose deployment units are not the
// schema's shape has none rather than a failure.
func TestHasVM(t *testing.T) {
	decode := func(body string) map[string]any {
		t.Helper()
		fields, err := models.DecodeFields([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return fields
	}
	vdus := decode(`{"virtual_deployment_units": [
		{"id": "vdu01", "vnfc_instance": [{"id": "0", "vc_id": "a"}]},
		{"vnfc_instance": [{"vc_id": "b"}, "junk", {"vc_id": 7}, null]},
		{"vnfc_instance": {"vc_id": "c"}},
		"junk", null]}`)
	tests := []struct {
		name   string
		fields map[string]any
		vm     string
		want   bool
	}{
		{"first unit", vdus, "a", true},
		{"among junk", vdus, "b", true},
		{"vnfc_instance not an array", vdus, "c", false},
		{"a number is no vc_id", vdus, "7", false},
		{"no such VM", vdus, "d", false},
		{"empty vserver-id", vdus, "", false},
		{"no fields", nil, "a", false},
		{"no units", decode(`{"status": "offline"}`), "a", false},
		{"units not an array", decode(`{"virtual_deployment_units": "a"}`), "a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasVM(tt.fields, tt.vm); got != tt.want {
				t.Errorf("hasVM(%q) = %v, want %v", tt.vm, got, tt.want)
			}
		})
	}
}

// TestVMKey: every vserver-id maps to a distinct key the store accepts
// (no '.', no NUL, no leading '$'), and back.
func TestVMKey(t *testing.T) {
	seen := map[string]string{}
	for _, id := range []string{"da65a620-1e1a-47f0-9bd3-f4b849fe3fbb", "vm.1", "$vm", "a\x00b", "%2E", ".", "%", "%252E", ""} {
		k := vmKey(id)
		if strings.ContainsAny(k, ".\x00") || strings.HasPrefix(k, "$") {
			t.Errorf("vmKey(%q) = %q: not a field name", id, k)
		}
		if got := vmID(k); got != id {
			t.Errorf("vmID(vmKey(%q)) = %q", id, got)
		}
		if other, dup := seen[k]; dup {
			t.Errorf("%q and %q share key %q", id, other, k)
		}
		seen[k] = id
	}
	if k := vmKey("da65a620-1e1a-47f0-9bd3-f4b849fe3fbb"); k != "da65a620-1e1a-47f0-9bd3-f4b849fe3fbb" {
		t.Errorf("a uuid's key is %q", k)
	}
}

// TestEngineUnstableWhileRunning: a command marks the VNF Unstable, with
// itself as the running command, before its effect; the second write ends
// both. Read-only actions write once and leave the working state.
func TestEngineUnstableWhileRunning(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	var seen []models.APPCState
	s.duringModify = func() {
		rec := s.get(t, engineVNF)
		if rec.APPC != nil {
			seen = append(seen, *rec.APPC)
		}
	}
	if got := code(t, e, call{action: Start, requestID: "a", sub: "1"}); got != CodeSuccess {
		t.Fatalf("Start: %d", got)
	}
	if len(seen) != 1 || seen[0].Working != "Unstable" || seen[0].Running == nil ||
		seen[0].Running.Action != "Start" || seen[0].Running.RequestID != "a" || seen[0].Running.SubRequestID != "1" ||
		seen[0].Running.RunID != s.request(t, "a").RunID || seen[0].State != "Instantiated" {
		t.Fatalf("before the effect: %+v", seen)
	}
	rec := s.get(t, engineVNF)
	if st := rec.APPC; st.Working != "Stable" || st.Running != nil || st.State != "Running" || len(st.History) != 1 {
		t.Fatalf("after: %+v", st)
	}
	if rec.Admin.Version != 3 {
		t.Errorf("version %d after a command's two writes", rec.Admin.Version)
	}
	seen = nil
	code(t, e, call{action: Lock, requestID: "a", sub: "2"})
	if len(seen) != 1 || s.get(t, engineVNF).Admin.Version != 4 || s.get(t, engineVNF).APPC.Working != "Stable" {
		t.Errorf("Lock: writes before %+v, after %+v", seen, s.get(t, engineVNF).Admin)
	}
}

// TestEngineCommandAfterAnotherEnded: a command that reads the VNF while
// another request's command is half-way (Unstable, holding the lock),
// and finds the lock free because that command has ended meanwhile, runs:
// it decides from the record as it is once it holds the lock, not from
// what it read before (which would refuse it 309 for a state long gone).
// Through two replicas this happened to one Restart in eight racing.
func TestEngineCommandAfterAnotherEnded(t *testing.T) {
	running := &models.APPCState{State: "Running", Working: "Unstable", Running: &models.APPCRun{
		RunID: "run-a", APPCCall: models.APPCCall{Action: "Restart", RequestID: "a", OriginatorID: "SO"}}}
	e, s, _ := engineFixture(t, running, EngineConfig{})
	if h, err := s.LockVNF(t.Context(), engineVNF, "a", time.Minute); err != nil || h != "a" {
		t.Fatalf("a's lock: %q %v", h, err)
	}
	s.afterGetVNF = func(n int) {
		if n != 1 {
			return
		}
		// a's command ends: its second write, then its lock released.
		v := s.get(t, engineVNF)
		v.APPC = &models.APPCState{State: "Running", Working: "Stable"}
		s.put(t, v)
		if _, err := s.UnlockVNF(t.Context(), engineVNF, "a"); err != nil {
			t.Fatal(err)
		}
	}
	if got := code(t, e, call{action: Restart, requestID: "b"}); got != CodeSuccess {
		t.Fatalf("b's Restart after a's ended: %d, want %d", got, CodeSuccess)
	}
	if st := s.get(t, engineVNF).APPC; st.Working != "Stable" || len(st.History) != 1 || st.History[0].RequestID != "b" {
		t.Fatalf("after b: %+v", st)
	}
}

// TestEngineDiesMidCommand: a command whose second write never happens
// leaves the VNF Unstable: commands are refused (309), read-only actions
// run, a forced command runs and makes it Stable again.
func TestEngineDiesMidCommand(t *testing.T) {
	e, s, _ := engineFixture(t, &models.APPCState{State: "Running", Working: "Stable"}, EngineConfig{})
	s.failModifyCall = 2
	res := handle(t, e, call{action: Stop, requestID: "dies"})
	if res.Outcome != StoreFailed || res.Err == nil || res.Status().Code != CodeUnexpectedError {
		t.Fatalf("result %+v", res)
	}
	st := s.get(t, engineVNF).APPC
	if st.Working != "Unstable" || st.Running == nil || st.Running.RequestID != "dies" || st.State != "Running" {
		t.Fatalf("left %+v", st)
	}
	before := s.get(t, engineVNF)
	for _, c := range []call{{action: Stop, requestID: "next"}, {action: HealthCheck, requestID: "hc"}, {action: Stop, requestID: "next", force: "FALSE"}} {
		if got := code(t, e, c); got != CodeUnstableVNF {
			t.Fatalf("%s: %d", c.action, got)
		}
	}
	if after := s.get(t, engineVNF); !reflect.DeepEqual(before, after) {
		t.Fatalf("refusals changed the record")
	}
	if got := code(t, e, call{action: Sync, requestID: "ro"}); got != CodeSuccess {
		t.Fatalf("Sync: %d", got)
	}
	if got := code(t, e, call{action: Stop, requestID: "forced", force: "TRUE"}); got != CodeSuccess {
		t.Fatalf("forced Stop: %d", got)
	}
	st = s.get(t, engineVNF).APPC
	if st.Working != "Stable" || st.Running != nil || st.State != "Stopped" {
		t.Fatalf("after the forced Stop: %+v", st)
	}
	if r := s.request(t, "dies"); r.Code != CodeUnexpectedError {
		t.Errorf("stored outcome of the dead command: %+v", r)
	}
}

// TestEngineForcedOverride: a forced command that begins while another
// runs takes the VNF over; the one overridden ends with 406 and writes
// nothing.
func TestEngineForcedOverride(t *testing.T) {
	e, s, _ := engineFixture(t, &models.APPCState{State: "Running", Working: "Stable"}, EngineConfig{})
	var forced Result
	once := sync.Once{}
	s.duringModify = func() {
		if s.modifyCalls != 2 { // the overridden command's finish
			return
		}
		once.Do(func() {
			// The lock holder's own forced Restart (the command holds the
			// VNF's lock for its request-id).
			forced = handle(t, e, call{action: Restart, requestID: "owner", sub: "2", force: "TRUE"})
		})
	}
	res := handle(t, e, call{action: Stop, requestID: "owner", sub: "1"})
	if got := res.Status().Code; got != CodeUnstableVNFFailure || res.Outcome != Answered || res.Err != nil {
		t.Fatalf("overridden Stop: %+v", res)
	}
	if got := forced.Status(); got == nil || got.Code != CodeSuccess {
		t.Fatalf("forced Restart: %+v", forced)
	}
	st := s.get(t, engineVNF).APPC
	if st.Working != "Stable" || st.Running != nil || st.State != "Running" ||
		len(st.History) != 1 || st.History[0].Action != "Restart" {
		t.Fatalf("after: %+v", st)
	}
	if r := s.request(t, "owner"); r.Code != CodeUnstableVNFFailure {
		t.Errorf("stored %+v", r)
	}
}

// TestEngineRequestSeries: a request-id without sub-request-ids carries a
// series of calls (Lock, commands, Unlock), one at a time: a second call
// with the same ids while the first runs is a duplicate. With a
// sub-request-id, the same ids again are a duplicate whenever they come.
func TestEngineRequestSeries(t *testing.T) {
	e, s, _ := engineFixture(t, nil, EngineConfig{})
	for _, a := range []Action{Lock, Start, Stop, CheckLock, Unlock} {
		if got := code(t, e, call{action: a, requestID: "series"}); got != CodeSuccess {
			t.Fatalf("%s: %d", a, got)
		}
	}
	var during int
	s.duringModify = func() {
		if during == 0 {
			during = code(t, e, call{action: Start, requestID: "series"})
		}
	}
	if got := code(t, e, call{action: Start, requestID: "series"}); got != CodeSuccess {
		t.Fatalf("Start: %d", got)
	}
	if during != CodeDuplicateRequest {
		t.Errorf("the same ids while it ran: %d", during)
	}
	s.duringModify = nil
	code(t, e, call{action: Stop, requestID: "once", sub: "1"})
	if got := code(t, e, call{action: Start, requestID: "once", sub: "1"}); got != CodeDuplicateRequest {
		t.Errorf("a sub-request-id again: %d", got)
	}
}

func TestEnginePruneRequests(t *testing.T) {
	e, s, clk := engineFixture(t, nil, EngineConfig{RequestRetention: time.Hour})
	code(t, e, call{action: Start, requestID: "old", sub: "1"})
	clk.Advance(90 * time.Minute)
	code(t, e, call{action: Stop, requestID: "new", sub: "1"})
	if n, err := e.PruneRequests(t.Context()); n != 1 || err != nil {
		t.Fatalf("pruned %d: %v", n, err)
	}
	if found, _ := s.FindRequests(t.Context(), "", "old", ""); len(found) != 0 {
		t.Errorf("old request kept: %+v", found)
	}
	if found, _ := s.FindRequests(t.Context(), "", "new", ""); len(found) != 1 {
		t.Errorf("new request pruned")
	}

	// The loop prunes at once and then every interval, until cancelled.
	clk.Advance(2 * time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { e.PruneLoop(ctx, time.Millisecond); close(done) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		if found, _ := s.FindRequests(t.Context(), "", "new", ""); len(found) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the loop did not prune")
		}
	}
	cancel()
	<-done

	// Retention 0 keeps everything; the loop returns at once.
	keep, ks, kclk := engineFixture(t, nil, EngineConfig{})
	code(t, keep, call{action: Start})
	kclk.Advance(1000 * time.Hour)
	if n, err := keep.PruneRequests(t.Context()); n != 0 || err != nil || len(ks.requests) != 1 {
		t.Errorf("retention 0 pruned %d: %v", n, err)
	}
	keep.PruneLoop(t.Context(), time.Millisecond)
}

// TestEngineModifyConflict: a record that keeps changing under the store's
// retries (Conflict) refuses a request that has written nothing yet with
// 310, leaving the record as it was; after a command's first write it is
// a store failure, and the VNF stays Unstable.
func TestEngineModifyConflict(t *testing.T) {
	busy := models.Errorf(models.CodeConflict, "vnfr is being modified by other writers; retry")
	tests := []struct {
		name     string
		action   Action
		failCall int
		wantCode int
		wantErr  bool
		working  string
	}{
		{"command, first write", Stop, 1, CodeLockingFailure, false, "Stable"},
		{"read-only action", Sync, 1, CodeLockingFailure, false, "Stable"},
		{"command, second write", Stop, 2, CodeUnexpectedError, true, "Unstable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, s, _ := engineFixture(t, &models.APPCState{State: "Running", Working: "Stable"}, EngineConfig{})
			s.failModifyCall, s.failModifyErr = tt.failCall, busy
			before := s.get(t, engineVNF)
			res := handle(t, e, call{action: tt.action})
			if got := res.Status(); got == nil || got.Code != tt.wantCode || (res.Err != nil) != tt.wantErr || (res.Outcome == StoreFailed) != tt.wantErr {
				t.Fatalf("result %+v", res)
			}
			if tt.wantErr && models.ErrorCodeOf(res.Err) != models.CodeConflict {
				t.Errorf("error %v", res.Err)
			}
			after := s.get(t, engineVNF)
			if after.APPC.Working != tt.working || after.APPC.State != "Running" {
				t.Errorf("left %+v", after.APPC)
			}
			if !tt.wantErr && !reflect.DeepEqual(before, after) {
				t.Errorf("a refusal changed the record")
			}
			if r := s.request(t, "req"); r.Code != tt.wantCode {
				t.Errorf("stored outcome %d", r.Code)
			}
		})
	}
}
