package appc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
)

// DefaultLockIdle is how long an APPC lock stays held without a request of
// its owner (EngineConfig.LockIdle's default).
const DefaultLockIdle = 15 * time.Minute

// transientLockIdle bounds the lock a command takes for its own duration on
// a VNF nobody locked (the guide: "APPC locks the target VNF during any VNF
// command processing"): it is released when the command ends, and expires
// after this long should the process die first.
const transientLockIdle = 30 * time.Second

// runTimeout bounds the store operations of one accepted request. They run
// detached from the client's context: once a request is stored, it is
// finished (its lock released, its outcome stored) even when the client
// hangs up.
const runTimeout = 30 * time.Second

// requestRunFor bounds how long a request without a sub-request-id keeps
// its ids busy (a second one with them is a duplicate) should its process
// die before it ends: its store operations take at most runTimeout.
const requestRunFor = 2 * runTimeout

// MaxHistory is how many history entries a VNF record keeps (the newest).
// Every read and write of the APPC state pays for them (each of a
// command's reads decodes the whole history; on the former FerretDB store
// a 100-entry one cost about 4 ms per read, GETs of the VNFR included:
// BenchmarkAPPC), and the full trail is in the stored requests
// (appc_requests), so the record keeps a short one.
const MaxHistory = 20

// EngineConfig configures an Engine.
type EngineConfig struct {
	// LockIdle is how long a VNF's APPC lock lasts after the last request
	// of its owner; 0 means DefaultLockIdle.
	LockIdle time.Duration
	// DefaultTTL is how long a request stays valid after its timestamp
	// when flags.ttl is absent or 0; 0 means DefaultTTL.
	DefaultTTL time.Duration
	// Now is the clock (time.Now when nil): request receipt, expiry,
	// history times.
	Now func() time.Time
	// RequestRetention is how long stored requests are kept, for
	// ActionStatus and the duplicate check (see PruneLoop); 0 keeps them
	// forever.
	RequestRetention time.Duration
	// Logger receives what the engine cannot answer with (a lock it could
	// not release, an outcome it could not store); nil discards.
	Logger *slog.Logger
}

// Engine runs APPC LCM requests against VNF records: it is the whole of
// POST /restconf/operations/appc-provider-lcm:{rpc} but the HTTP. It keeps
// no state of its own (locks, requests and VNF states live in the store),
// so any number of engines may share one store. Safe for concurrent use.
type Engine struct {
	store      Store
	sm         *StateMachine
	lockIdle   time.Duration
	defaultTTL time.Duration
	retention  time.Duration
	now        func() time.Time
	log        *slog.Logger
}

// NewEngine builds an engine over store.
func NewEngine(store Store, cfg EngineConfig) (*Engine, error) {
	if store == nil {
		return nil, errors.New("appc: NewEngine: nil store")
	}
	if cfg.LockIdle < 0 {
		return nil, fmt.Errorf("appc: NewEngine: negative lock idle time %v", cfg.LockIdle)
	}
	if cfg.DefaultTTL < 0 {
		return nil, fmt.Errorf("appc: NewEngine: negative default TTL %v", cfg.DefaultTTL)
	}
	if cfg.RequestRetention < 0 {
		return nil, fmt.Errorf("appc: NewEngine: negative request retention %v", cfg.RequestRetention)
	}
	if cfg.LockIdle == 0 {
		cfg.LockIdle = DefaultLockIdle
	}
	if cfg.DefaultTTL == 0 {
		cfg.DefaultTTL = DefaultTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sm, err := NewStateMachine()
	if err != nil {
		return nil, err
	}
	return &Engine{store: store, sm: sm, lockIdle: cfg.LockIdle, defaultTTL: cfg.DefaultTTL,
		retention: cfg.RequestRetention, now: cfg.Now, log: cfg.Logger}, nil
}

// PruneRequests deletes the stored requests older than the retention
// (none when it is 0) and returns how many. Once pruned, a request is no
// longer found by ActionStatus, and its ids are no longer a duplicate.
func (e *Engine) PruneRequests(ctx context.Context) (int64, error) {
	if e.retention == 0 {
		return 0, nil
	}
	return e.store.PruneRequests(ctx, e.now().Add(-e.retention))
}

// PruneLoop runs PruneRequests now and then every interval until ctx
// ends. Every replica may run one: pruning twice deletes nothing twice.
// Failures are logged and retried at the next interval.
func (e *Engine) PruneLoop(ctx context.Context, every time.Duration) {
	if e.retention == 0 || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := e.PruneRequests(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			e.log.Warn("appc: prune stored requests; retrying later", "every", every.String(), "error", err)
		case n > 0:
			e.log.Info("appc: pruned stored requests", "deleted", n, "retention", e.retention.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Outcome says what kind of answer a Result is; handlers/ maps it to an HTTP status.
type Outcome int

const (
	Answered    Outcome = iota // Body is a Response (every LCM business outcome, refusals included)
	Malformed                  // Body is an ErrorsBody: the message is not JSON or breaks the YANG model
	UnknownRPC                 // Body is an ErrorsBody: no such rpc in this module
	StoreFailed                // Body is a Response with 200 UNEXPECTED ERROR; Err says how the store failed (a *models.Error: CodeUnavailable, CodeConflict, CodeInternal)
)

// String names the outcome, for logs and test failures.
func (o Outcome) String() string {
	switch o {
	case Answered:
		return "Answered"
	case Malformed:
		return "Malformed"
	case UnknownRPC:
		return "UnknownRPC"
	case StoreFailed:
		return "StoreFailed"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Result is the answer to one call of the APPC LCM API. It says what the
// answer is, never how it travels: the HTTP status is handlers/' choice,
// made from Outcome (and, for StoreFailed, from Err's code), so that this
// package knows no HTTP.
type Result struct {
	Outcome Outcome
	// Body is a Response or an ErrorsBody (see Outcome), ready for
	// encoding/json.
	Body any
	// Err is set for StoreFailed only: how the store failed, to log and
	// to pick the status from (a *models.Error; its code says whether the
	// client may retry). Body shows only its Detail, and not even that
	// for CodeInternal.
	Err error
}

// Status is the LCM status of an answer with a Response body (Answered,
// StoreFailed), nil for a RESTCONF error.
func (r Result) Status() *Status {
	if resp, ok := r.Body.(Response); ok {
		return &resp.Output.Status
	}
	return nil
}

func answer(resp Response) Result { return Result{Outcome: Answered, Body: resp} }

// restconfResult is the answer to a message refused before any APPC
// processing: an unknown rpc, or a malformed message.
func restconfResult(e *RestconfError) Result {
	outcome := Malformed
	if e.Tag == ErrorTagUnknownElement {
		outcome = UnknownRPC
	}
	return Result{Outcome: outcome, Body: e.Body()}
}

// Handle answers one call of POST /restconf/operations/{op}: op is the
// URL's last segment, which must name an rpc of this module
// ("appc-provider-lcm:lock"); body is the request body.
//
// A valid request is checked, in this order (after ParseRequest's 302,
// 301, 303, 311, 305): 312 duplicate (see Duplicates); 306 VNF not found;
// 301 vserver-id not a vc_id of a vnfc_instance of the VNF; 310 VNF locked
// by another request-id; 309 working state not Stable (unless flags.force
// is TRUE; not for read-only actions); 304 no transition from the VNF's (or
// the VM's) state. Then the action runs (see apply): a command marks the
// VNF Unstable in a first write and ends in a second with its effect, the
// state machine's outcome, the working state after it, a history entry and
// the SONATA status; a read-only action makes one write. A refused request
// changes nothing in the record. The outcome is stored with the request
// for ActionStatus.
//
// Duplicates. Every accepted request is stored first, so duplicates are
// found across restarts and replicas. A sub-request-id "uniquely
// identifies a specific LCM or control action": the same originator-id,
// request-id and sub-request-id again is a duplicate, however long after
// (until the request is pruned, see PruneRequests). Without a
// sub-request-id, "multiple API calls can be made with the same
// request-id" (Lock, commands, Unlock): such a call is a duplicate only of
// one with the same originator-id and request-id that is still running,
// which is APPC's own rule (its transaction recorder counts only requests
// RECEIVED or ACCEPTED).
//
// Locks. Lock takes the VNF's lock for the request-id (or renews it), Unlock
// releases it (success when not locked), CheckLock reports it and, like
// ActionStatus, is answered whoever holds it; every other action of another
// request-id is refused with 310. Every request of the owner renews the
// lock's idle time. As the guide says APPC does, a command also holds the
// VNF's lock while it runs (taken for its request-id unless that already
// holds it, released at its end), so commands of different request-ids
// never interleave, on one replica or many: one that meets a running
// command is refused with 310. Requests are never queued, whatever
// flags.mode says (EXCLUSIVE and NORMAL behave alike).
//
// CheckLock and ActionStatus are queries: they write nothing to the
// record. Every other action that runs writes its history entry, so the
// record's version and updated_at move (twice for a command).
//
// scope is the caller's projects: a VNF record outside it is not found.
func (e *Engine) Handle(ctx context.Context, scope models.Scope, op string, body []byte) Result {
	received := e.now()
	rpc, ok := strings.CutPrefix(op, RPCModulePrefix)
	if !ok {
		return restconfResult(&RestconfError{
			Type:    ErrorTypeProtocol,
			Tag:     ErrorTagUnknownElement,
			Message: fmt.Sprintf(unknownRPCMessageFormat, op),
			Info:    op,
		})
	}
	req, refusal, err := ParseRequest(rpc, body, received, e.defaultTTL)
	if err != nil {
		var rerr *RestconfError
		if errors.As(err, &rerr) {
			return restconfResult(rerr)
		}
		// ParseRequest's errors are RestconfErrors: another one is a bug,
		// answered as an internal failure (logged in full by handlers/).
		return storeFailed(NewResponse(nil, UnexpectedError("internal error")), err)
	}
	if refusal != nil {
		return answer(refusal.Response())
	}
	return e.run(ctx, scope, req, received)
}

// run takes a valid request through the engine's checks and its action.
func (e *Engine) run(ctx context.Context, scope models.Scope, req *Request, received time.Time) Result {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), runTimeout)
	defer cancel()

	vnfID := req.Identifiers.VNFID
	if id, ok := models.NormalizeUUID(vnfID); ok {
		vnfID = id // records are stored under lower-case uuids
	}
	stored := models.APPCRequest{
		RunID:        uuid.NewString(),
		OriginatorID: req.CommonHeader.OriginatorID,
		RequestID:    req.CommonHeader.RequestID,
		SubRequestID: req.CommonHeader.SubRequestID,
		Action:       string(req.Action),
		VNFID:        vnfID,
		Received:     received,
	}
	if err := e.store.AddRequest(ctx, stored, requestRunFor); err != nil {
		if models.ErrorCodeOf(err) == models.CodeConflict {
			return answer(req.Respond(DuplicateRequest()))
		}
		return storeFailed(req.Respond(UnexpectedError(unexpectedDetail(err))), err)
	}

	x := &execution{e: e, scope: scope, req: req, vnfID: vnfID, owner: req.CommonHeader.RequestID, runID: stored.RunID}
	resp, err := x.execute(ctx)
	if err != nil {
		resp = req.Respond(UnexpectedError(unexpectedDetail(err)))
	}
	stored.Finished = e.now()
	stored.Code = resp.Output.Status.Code
	stored.Message = resp.Output.Status.Message
	stored.Payload = resp.Output.Payload
	if ferr := e.store.FinishRequest(ctx, stored); ferr != nil {
		// The action has run (or been refused) and the record says so:
		// answer that; only ActionStatus misses the outcome.
		e.log.Error("appc: store the outcome of a request", "request_id", stored.RequestID,
			"sub_request_id", stored.SubRequestID, "originator_id", stored.OriginatorID, "error", ferr)
	}
	if err != nil {
		return storeFailed(resp, err)
	}
	return answer(resp)
}

// storeFailed is the StoreFailed answer resp (a 200 UNEXPECTED ERROR) to a
// request the store failed with err. Err is always a *models.Error, so
// that handlers/ picks the status from its code: an error nobody
// classified is a bug, CodeInternal, its cause kept for the log.
func storeFailed(resp Response, err error) Result {
	var me *models.Error
	if !errors.As(err, &me) {
		err = &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: err}
	}
	return Result{Outcome: StoreFailed, Body: resp, Err: err}
}

// unexpectedDetail is what an answer says of a store failure: the store's
// detail for an unreachable database, "internal error" for anything else.
func unexpectedDetail(err error) string {
	var me *models.Error
	if errors.As(err, &me) && me.Code != models.CodeInternal {
		return me.Detail
	}
	return "internal error"
}

// execution is one accepted request on its way through the checks.
type execution struct {
	e     *Engine
	scope models.Scope // the caller's projects
	req   *Request
	vnfID string // normalised
	owner string // the request-id: the lock owner
	runID string // the stored request's RunID: marks the command it runs

	// What begin found, for finish: the state the action starts from and
	// the state machine's transitional state.
	from, transitional State
}

// refused carries a refusal out of a ModifyVNF callback: nothing is
// written.
type refused struct{ status Status }

func (r *refused) Error() string { return "appc: refused: " + r.status.String() }

// execute runs the checks from 306 on and the action. An error is a store
// failure; every LCM outcome is a Response.
func (x *execution) execute(ctx context.Context) (Response, error) {
	req, e := x.req, x.e
	vnf, err := e.store.GetVNF(ctx, x.scope, x.vnfID)
	if models.ErrorCodeOf(err) == models.CodeNotFound {
		return req.Respond(VNFNotFound(req.Identifiers.VNFID)), nil
	}
	if err != nil {
		return Response{}, err
	}
	if vm := req.Identifiers.VServerID; vm != "" && !hasVM(vnf.Fields, vm) {
		return req.Respond(InvalidInputParameter(fmt.Sprintf(
			"vserver-id: %s is not the vc_id of a vnfc_instance of VNF %s", vm, req.Identifiers.VNFID))), nil
	}

	holder, err := e.store.VNFLockHolder(ctx, x.vnfID)
	if err != nil {
		return Response{}, err
	}
	own := holder == x.owner
	// Queries are answered whoever holds the lock: CheckLock reports
	// it, ActionStatus is about another request.
	query := req.Action == CheckLock || req.Action == ActionStatus
	if holder != "" && !own && !query {
		return req.Respond(x.lockedBy(holder)), nil
	}
	if own && req.Action != Unlock && req.Action != Lock {
		// Every request of the owner renews the lock's idle time.
		if _, err := x.takeLock(ctx, e.lockIdle); err != nil {
			return Response{}, err
		}
	}

	switch req.Action {
	case ActionStatus:
		return x.actionStatus(ctx)
	case CheckLock:
		if st := x.check(appcState(vnf)); st != nil {
			return req.Respond(*st), nil
		}
		return req.Respond(Success()).WithLocked(holder != ""), nil
	}

	switch req.Action {
	case Lock, Unlock:
		// Refusals 309 and 304 on the record as read, before the lock is
		// taken or released: a refused Lock or Unlock changes nothing.
		if st := x.check(appcState(vnf)); st != nil {
			return req.Respond(*st), nil
		}
	}
	switch req.Action {
	case Lock:
		h, err := x.takeLock(ctx, e.lockIdle)
		if err != nil {
			return Response{}, err
		}
		if h != x.owner {
			return req.Respond(x.lockedBy(h)), nil
		}
	case Unlock:
		h, err := e.store.UnlockVNF(ctx, x.vnfID, x.owner)
		if err != nil {
			return Response{}, err
		}
		if h != "" && h != x.owner {
			return req.Respond(x.lockedBy(h)), nil
		}
	default:
		if !own {
			// Lock the VNF for the command's duration.
			h, err := x.takeLock(ctx, min(transientLockIdle, e.lockIdle))
			if err != nil {
				return Response{}, err
			}
			if h != x.owner {
				return req.Respond(x.lockedBy(h)), nil
			}
			defer x.releaseTransient()
			// Decide from the record as it is now that this request holds
			// the lock: the record read before may show another command
			// half-way (Unstable) that has since ended and released the
			// lock, which is no reason to refuse this one (309).
			if vnf, err = e.store.GetVNF(ctx, x.scope, x.vnfID); err != nil {
				if models.ErrorCodeOf(err) == models.CodeNotFound {
					return req.Respond(VNFNotFound(req.Identifiers.VNFID)), nil
				}
				return Response{}, err
			}
		}
		// Refusals 309 and 304; checked again on the record ModifyVNF
		// writes.
		if st := x.check(appcState(vnf)); st != nil {
			return req.Respond(*st), nil
		}
	}
	return x.apply(ctx)
}

// takeLock takes or renews the VNF's lock for the request and returns the
// holder afterwards. A lock that keeps changing hands under the store's
// attempts (a Conflict) is held by others: "?" stands for them.
func (x *execution) takeLock(ctx context.Context, idle time.Duration) (string, error) {
	h, err := x.e.store.LockVNF(ctx, x.vnfID, x.owner, idle)
	if models.ErrorCodeOf(err) == models.CodeConflict {
		return "?", nil
	}
	return h, err
}

// releaseTransient releases the lock a command took for its duration.
func (x *execution) releaseTransient() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := x.e.store.UnlockVNF(ctx, x.vnfID, x.owner); err != nil {
		x.e.log.Warn("appc: release a command's VNF lock; it expires by itself",
			"vnf_id", x.vnfID, "request_id", x.owner, "expires_in", transientLockIdle.String(), "error", err)
	}
}

func (x *execution) lockedBy(holder string) Status {
	if holder == "?" {
		return LockingFailure(fmt.Sprintf("VNF %s is being locked by other requests", x.req.Identifiers.VNFID))
	}
	return LockingFailure(fmt.Sprintf("VNF %s is locked by request-id %s", x.req.Identifiers.VNFID, holder))
}

// appcState returns the VNF's APPC state, or a new one (Instantiated,
// Stable) for a record no APPC action has touched. A state it found is the
// VNF's own value: changes to it are changes to the VNF; a new one becomes
// the VNF's once assigned to its APPC (which every write does).
func appcState(v models.VNF) *models.APPCState {
	if v.APPC != nil {
		return v.APPC
	}
	return &models.APPCState{State: string(StateInitial), Working: string(WorkingStable)}
}

// event is the state machine's name of the request's action.
func (x *execution) event() Event { return Event(x.req.Action) }

// fromState is the state the request's action starts from: the VM's for a
// VM-scope request (a VM no VM-scope action touched is in its VNF's
// state), else the VNF's.
func (x *execution) fromState(st *models.APPCState) State {
	if vm := x.req.Identifiers.VServerID; vm != "" {
		if v := st.VMs[vmKey(vm)]; v.State != "" {
			return State(v.State)
		}
	}
	return State(st.State)
}

// vmKeyEscaper turns a vserver-id (a vc_id, any string) into a key of
// APPCState.VMs that any backend can keep as a field name (one may keep
// the state as a document: MongoDB's field names must not contain '.' or
// NUL nor start with '$'). '%' is escaped too, so keys stay distinct; a
// uuid is its own key. The keys are the stored format (models.APPCState).
var (
	vmKeyEscaper   = strings.NewReplacer("%", "%25", ".", "%2E", "$", "%24", "\x00", "%00")
	vmKeyUnescaper = strings.NewReplacer("%25", "%", "%2E", ".", "%24", "$", "%00", "\x00")
)

// vmKey is the APPCState.VMs key of the VM vserverID.
func vmKey(vserverID string) string { return vmKeyEscaper.Replace(vserverID) }

// vmID is the vserver-id of an APPCState.VMs key.
func vmID(key string) string { return vmKeyUnescaper.Replace(key) }

// updateVM changes the VM vserverID's entry of st.VMs with fn.
func updateVM(st *models.APPCState, vserverID string, fn func(*models.APPCVM)) {
	if st.VMs == nil {
		st.VMs = map[string]models.APPCVM{}
	}
	k := vmKey(vserverID)
	v := st.VMs[k]
	fn(&v)
	st.VMs[k] = v
}

// check returns the refusal of the request by the VNF's working state
// (309) or state machine (304), nil when it may run.
func (x *execution) check(st *models.APPCState) *Status {
	ev := x.event()
	ws, err := WorkingStateParse(st.Working)
	if err != nil {
		ws = WorkingUnknown // an unreadable working state is not a stable one
	}
	if !WorkingAllowed(ws, ev, x.req.CommonHeader.Flags.Force) {
		s := UnstableVNF(x.req.Identifiers.VNFID)
		return &s
	}
	from := x.fromState(st)
	if _, ok := x.e.sm.Next(from, ev); !ok {
		s := NoTransitionDefined(x.req.Action, string(from))
		return &s
	}
	return nil
}

// apply runs the action on the record. A read-only action is one
// ModifyVNF: checks again, effect, history. Any other is a command, and
// takes two: begin checks again and marks the VNF Unstable, with the
// command as its running one; finish applies the effect, the state
// machine's outcome, the working state after it, history and SONATA
// status, and clears the mark. So a command whose process dies between
// the two leaves the VNF Unstable, refusing other commands (309) until
// one is forced.
func (x *execution) apply(ctx context.Context) (Response, error) {
	command := WorkingAffected(x.event())
	if command {
		if resp, done, err := x.begin(ctx); done || err != nil {
			return resp, err
		}
	}
	return x.finish(ctx, command)
}

// begin is the first write of a command: done is true when it was refused
// (resp says why) and nothing was written.
func (x *execution) begin(ctx context.Context) (resp Response, done bool, err error) {
	e := x.e
	since := e.now().UTC()
	_, err = e.store.ModifyVNF(ctx, x.scope, x.vnfID, func(vnf *models.VNF) error {
		st := appcState(*vnf)
		if s := x.check(st); s != nil {
			return &refused{status: *s}
		}
		x.from = x.fromState(st)
		x.transitional, _ = e.sm.Next(x.from, x.event())
		st.Working = string(WorkingUnstable)
		// A forced command replaces the one running: that one ends with
		// 406 and writes nothing (see finish).
		st.Running = &models.APPCRun{RunID: x.runID, APPCCall: x.call(), Since: since}
		vnf.APPC = st
		return nil
	})
	if resp, done := x.refusal(err, true); done {
		return resp, true, nil
	}
	return Response{}, false, err
}

// call names the request in the record (running command, history).
func (x *execution) call() models.APPCCall {
	return models.APPCCall{
		Action:       string(x.req.Action),
		RequestID:    x.req.CommonHeader.RequestID,
		SubRequestID: x.req.CommonHeader.SubRequestID,
		OriginatorID: x.req.CommonHeader.OriginatorID,
		VServerID:    x.req.Identifiers.VServerID,
	}
}

// refusal turns a ModifyVNF error into an answer: done is false for nil
// and for a store failure. clean tells that the request has written
// nothing yet: a record that kept changing under the store's retries
// (Conflict) is then a refusal, 310, with nothing to undo; after a
// command's first write it is a failure, and the VNF stays Unstable.
func (x *execution) refusal(err error, clean bool) (Response, bool) {
	var r *refused
	switch {
	case errors.As(err, &r):
		return x.req.Respond(r.status), true
	case models.ErrorCodeOf(err) == models.CodeNotFound:
		return x.req.Respond(VNFNotFound(x.req.Identifiers.VNFID)), true // deleted meanwhile
	case clean && models.ErrorCodeOf(err) == models.CodeConflict:
		return x.req.Respond(LockingFailure(fmt.Sprintf(
			"VNF %s is being modified by other requests; retry", x.req.Identifiers.VNFID))), true
	}
	return Response{}, false
}

// finish runs the action's effect in one ModifyVNF. For a command (begin
// ran), the VNF must still be running it: another command forced in
// meanwhile took the VNF over, and this one ends with 406 UNSTABLE VNF
// FAILURE, writing nothing.
func (x *execution) finish(ctx context.Context, command bool) (Response, error) {
	req, e := x.req, x.e
	gen := newGenerated(req)
	at := e.now().UTC()
	var out effect
	var status Status
	_, err := e.store.ModifyVNF(ctx, x.scope, x.vnfID, func(vnf *models.VNF) error {
		st := appcState(*vnf)
		if command {
			if st.Running == nil || st.Running.RunID != x.runID {
				return &refused{status: UnstableVNFFailure(req.Identifiers.VNFID)}
			}
			st.Running = nil
		} else {
			if s := x.check(st); s != nil {
				return &refused{status: *s}
			}
			x.from = x.fromState(st)
			x.transitional, _ = e.sm.Next(x.from, x.event())
		}
		from := x.from
		ws, err := WorkingStateParse(st.Working)
		if err != nil {
			ws = WorkingUnknown
		}

		out = x.effect(st, from, gen, at)
		success := out.failure == ""
		status = Success()
		if !success {
			status = DGFailure(out.failure)
		}

		to := e.sm.Outcome(x.transitional, success)
		if out.keepState {
			to = from
		}
		x.setState(vnf, st, to, x.transitional != from && !out.keepState)
		st.Working = string(WorkingAfter(ws, x.event(), success))
		result := "SUCCESS"
		if !success {
			result = "FAILURE"
		}
		st.History = append(st.History, models.APPCHistory{
			APPCCall: x.call(),
			From:     string(from),
			To:       string(to),
			Result:   result,
			Time:     at,
		})
		if n := len(st.History); n > MaxHistory {
			st.History = append([]models.APPCHistory(nil), st.History[n-MaxHistory:]...)
		}
		vnf.APPC = st
		return nil
	})
	if resp, done := x.refusal(err, !command); done {
		return resp, nil
	}
	if err != nil {
		return Response{}, err
	}
	resp := req.Respond(status)
	if out.snapshotID != "" {
		resp = resp.WithSnapshotID(out.snapshotID)
	}
	if out.payload != nil {
		var err error
		if resp, err = resp.WithPayloadJSON(out.payload); err != nil {
			return Response{}, err
		}
	}
	return resp, nil
}

// setState records the action's final state: the VM's for a VM-scope
// request, else the VNF's, with the SONATA status of the VNF record when
// the action moved the state through a transitional one. VNF-level Start,
// Stop and Restart take every VM along.
func (x *execution) setState(vnf *models.VNF, st *models.APPCState, to State, moved bool) {
	if vm := x.req.Identifiers.VServerID; vm != "" {
		updateVM(st, vm, func(v *models.APPCVM) { v.State = string(to) })
		return
	}
	st.State = string(to)
	switch x.req.Action {
	case Start, Stop, Restart:
		for id, v := range st.VMs {
			v.State = string(to)
			st.VMs[id] = v
		}
	}
	if !moved {
		return
	}
	if status, ok := sonataStatus(to); ok {
		if vnf.Fields == nil {
			vnf.Fields = map[string]any{}
		}
		vnf.Fields["status"] = status
	}
}

// sonataStatus is the VNFR status (the SONATA schema's enumeration) that
// an APPC state implies; ok is false for the states that leave it as is.
func sonataStatus(s State) (string, bool) {
	switch s {
	case StateRunning:
		return "normal operation", true
	case StateStopped:
		return "offline", true
	case StateError:
		return "failed", true
	}
	return "", false
}

// actionStatus answers ActionStatus from the stored requests: those with
// the payload's request-id (and sub-request-id and originator-id when
// given) on the same VNF, ActionStatus requests aside.
func (x *execution) actionStatus(ctx context.Context) (Response, error) {
	req := x.req
	requestID, _ := req.PayloadString("request-id")
	subRequestID, _ := req.PayloadString("sub-request-id")
	originatorID, _ := req.PayloadString("originator-id")
	found, err := x.e.store.FindRequests(ctx, originatorID, requestID, subRequestID)
	if err != nil {
		return Response{}, err
	}
	var matches []models.APPCRequest
	for _, r := range found {
		if r.VNFID == x.vnfID && r.Action != string(ActionStatus) {
			matches = append(matches, r)
		}
	}
	var res ActionStatusResult
	switch len(matches) {
	case 0:
		res = ActionStatusResult{Status: LCMNotFound, StatusReason: "NOT_FOUND"}
	case 1:
		res = requestStatus(matches[0])
	default:
		res = ActionStatusResult{Status: LCMMultipleRequestsFound, StatusReason: "MULTIPLE_REQUESTS_FOUND"}
	}
	return req.Respond(Success()).WithPayloadJSON(res)
}

// requestStatus is what ActionStatus says of a stored request: IN_PROGRESS
// while it runs; SUCCESSFUL for 400; FAILED for a refusal (reason
// REJECTED), a failure (reason FAILED) or an unexpected error (reason
// UNKNOWN).
func requestStatus(r models.APPCRequest) ActionStatusResult {
	s := Status{Code: r.Code}
	switch {
	case r.Finished.IsZero():
		return ActionStatusResult{Status: LCMInProgress, StatusReason: "ACCEPTED"}
	case s.OK():
		return ActionStatusResult{Status: LCMSuccessful, StatusReason: "SUCCESSFUL"}
	case s.Category() == "REJECT":
		return ActionStatusResult{Status: LCMFailed, StatusReason: "REJECTED"}
	case s.Category() == "FAILURE", s.Category() == "PARTIAL FAILURE":
		return ActionStatusResult{Status: LCMFailed, StatusReason: "FAILED"}
	}
	return ActionStatusResult{Status: LCMFailed, StatusReason: "UNKNOWN"}
}

// generated are the identifiers an action may create, drawn once per
// request (a ModifyVNF callback may run more than once).
type generated struct {
	uploadConfigID string
	snapshotID     string
	host           string
}

// targetHost is the host a Migrate or Evacuate moves the VM to: the
// payload's targethost-id when given (the guide's Evacuate parameter, which
// Migrate honours too), else the one drawn for the request (the guide: "a
// destination node will be selected by relying on internal rules").
func (g generated) targetHost(req *Request) string {
	if host, _ := req.PayloadString("targethost-id"); host != "" {
		return host
	}
	return g.host
}

func newGenerated(req *Request) generated {
	g := generated{}
	switch req.Action {
	case Configure, ConfigModify:
		g.uploadConfigID = uuid.NewString()
	case Snapshot:
		g.snapshotID = uuid.NewString()
	case Migrate, Evacuate:
		g.host = "host-" + uuid.NewString()[:8]
	}
	return g
}
