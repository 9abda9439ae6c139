package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// APPCStore is what the APPC LCM engine (orchestrator/appc) keeps: VNF
// records with their APPC state, the APPC locks of VNFs, and the requests
// it answered. The store keeps them; the engine gives them meaning.
type APPCStore struct {
	db  DB
	now Clock
	log *slog.Logger
}

// NewAPPCStore is the APPC store over db; now is the clock of request
// outcomes (nil: the system clock).
func NewAPPCStore(db DB, now Clock, log *slog.Logger) *APPCStore {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &APPCStore{db: db, now: now, log: log}
}

// The APPC module's collections and lease tables.
const (
	// appcLocks holds one lease per locked VNF: id = vnf-id, owner = the
	// request-id holding it.
	appcLocks = "appc_locks"
	// appcRuns holds one lease per running request that has no
	// sub-request-id: id = requestKey(originator-id, request-id, ""),
	// owner = the request's RunID. It is what makes a second such request
	// a duplicate while the first runs.
	appcRuns = "appc_runs"
	// appcRequests holds one document per request: id =
	// requestDocKey(request), created = when it was received.
	appcRequests = "appc_requests"
	// appcStateKey is where a record's server-side state holds the APPC
	// state.
	appcStateKey = "appc"
)

// requestReceived is the name of a stored request's creation time.
const requestReceived = "received"

// APPCRequestSpec is the collection of stored requests, found by
// request-id (ActionStatus) and pruned by reception time.
var APPCRequestSpec = CollectionSpec{
	Name:     appcRequests,
	Envelope: Envelope{Created: requestReceived},
	Indexed:  []string{"request_id"},
}

func (s *APPCStore) vnfs() Collection     { return s.db.Collection(RecordSpec(models.KindVNFR)) }
func (s *APPCStore) requests() Collection { return s.db.Collection(APPCRequestSpec) }

// GetVNF reads the VNF record uuid, with its APPC state.
func (s *APPCStore) GetVNF(ctx context.Context, scope models.Scope, uuid string) (models.VNF, error) {
	d, err := within(s.vnfs(), scope).Get(ctx, uuid)
	if err != nil {
		return models.VNF{}, recordError(err, models.KindVNFR, uuid)
	}
	return vnfOf(d)
}

// ModifyVNF changes the VNF record uuid in one atomic write: fn gets the
// record as just read and changes its Fields and APPC in place; they are
// written with version + 1 and updated_at now, the rest of the record's
// server-side state as it is. An error from fn is returned as it is, with
// nothing written. fn runs again on the record read afresh when another
// writer got there first.
func (s *APPCStore) ModifyVNF(ctx context.Context, scope models.Scope, uuid string, fn func(*models.VNF) error) (models.VNF, error) {
	var written models.VNF // as fn left it: what is written, not decoded again
	d, err := within(s.vnfs(), scope).Update(ctx, uuid, func(cur Doc) (Doc, error) {
		if _, err := writable(cur, models.Scope{All: scope.All, Write: scope.Write}); err != nil {
			return Doc{}, err
		}
		v, err := vnfOf(cur)
		if err != nil {
			return Doc{}, err
		}
		if err := fn(&v); err != nil {
			return Doc{}, err
		}
		written = v
		if cur.Body, err = models.EncodeFields(v.Fields); err != nil {
			return Doc{}, Internal("encode VNF "+uuid, err)
		}
		if cur.Admin, err = withState(cur.Admin, appcStateKey, v.APPC); err != nil {
			return Doc{}, Internal("encode the APPC state of VNF "+uuid, err)
		}
		return cur, nil
	})
	if err != nil {
		var me *models.Error
		if errors.As(err, &me) {
			return models.VNF{}, err
		}
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrVersion) || errors.Is(err, ErrExists) {
			return models.VNF{}, recordError(err, models.KindVNFR, uuid)
		}
		return models.VNF{}, err // fn's own
	}
	written.Record = recordOf(d)
	written.Fields[models.FieldID] = d.ID
	return written, nil
}

// vnfOf decodes a stored VNFR for the engine.
func vnfOf(d Doc) (models.VNF, error) {
	v := models.VNF{Record: recordOf(d)}
	var err error
	if v.Fields, err = v.Record.Fields(); err != nil {
		return models.VNF{}, Internal("decode VNF "+d.ID, err)
	}
	var st *models.APPCState
	if err := stateOf(d.Admin, appcStateKey, &st); err != nil {
		return models.VNF{}, Internal("decode the APPC state of VNF "+d.ID, err)
	}
	v.APPC = st
	return v, nil
}

// stateOf decodes the server-side state key of admin into v; v is left
// as it is when admin has no such key.
func stateOf(admin json.RawMessage, key string, v any) error {
	if len(admin) == 0 {
		return nil
	}
	var states map[string]json.RawMessage
	if err := json.Unmarshal(admin, &states); err != nil {
		return err
	}
	raw, ok := states[key]
	if !ok || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// withState is admin with key set to v (removed when v is a nil pointer),
// every other key kept byte for byte.
func withState[T any](admin json.RawMessage, key string, v *T) (json.RawMessage, error) {
	states := map[string]json.RawMessage{}
	if len(admin) > 0 {
		if err := json.Unmarshal(admin, &states); err != nil {
			return nil, err
		}
	}
	if v == nil {
		delete(states, key)
	} else {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		states[key] = raw
	}
	if len(states) == 0 {
		return nil, nil
	}
	return json.Marshal(states)
}

// LockVNF takes the APPC lock of vnfID for owner, or renews it when owner
// holds it, until idle from now, and returns the holder afterwards.
func (s *APPCStore) LockVNF(ctx context.Context, vnfID, owner string, idle time.Duration) (string, error) {
	if vnfID == "" || owner == "" {
		return "", models.Errorf(models.CodeInvalid, "an APPC lock needs a vnf-id and an owner")
	}
	if idle <= 0 {
		return "", models.Errorf(models.CodeInvalid, "an APPC lock needs a positive idle time, not %v", idle)
	}
	return s.db.Leases(appcLocks).Take(ctx, vnfID, owner, idle)
}

// UnlockVNF releases the APPC lock of vnfID when owner holds it (expired
// or not) and returns the holder afterwards: "" when free, another
// request-id when that one holds it.
func (s *APPCStore) UnlockVNF(ctx context.Context, vnfID, owner string) (string, error) {
	locks := s.db.Leases(appcLocks)
	if owner != "" {
		if err := locks.Release(ctx, vnfID, owner); err != nil {
			return "", err
		}
	}
	return locks.Holder(ctx, vnfID)
}

// VNFLockHolder is the request-id holding the APPC lock of vnfID, "" when
// it is free or expired.
func (s *APPCStore) VNFLockHolder(ctx context.Context, vnfID string) (string, error) {
	return s.db.Leases(appcLocks).Holder(ctx, vnfID)
}

// keyEscaper escapes the separator of requestKey's parts (and its own
// escape character), so different triples never share a key.
var keyEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

// requestKey joins originator-id, request-id and sub-request-id, each
// escaped, with "|".
func requestKey(originatorID, requestID, subRequestID string) string {
	return keyEscaper.Replace(originatorID) + "|" + keyEscaper.Replace(requestID) + "|" + keyEscaper.Replace(subRequestID)
}

// requestDocKey is the id of a stored request. A sub-request-id names one
// action, so a request with one is stored under its three ids, once. One
// without may repeat its ids (a series of calls under one request-id), so
// its RunID is appended; the four-part key never equals a three-part one.
func requestDocKey(r models.APPCRequest) string {
	key := requestKey(r.OriginatorID, r.RequestID, r.SubRequestID)
	if r.SubRequestID != "" {
		return key
	}
	return key + "|" + keyEscaper.Replace(r.RunID)
}

func describeRequest(r models.APPCRequest) string {
	return fmt.Sprintf("request %q (originator-id %q, sub-request-id %q)", r.RequestID, r.OriginatorID, r.SubRequestID)
}

// AddRequest stores a new request; r.RunID must be new. It is a Conflict
// (a duplicate) when
//   - r has a sub-request-id and a request with the same originator-id,
//     request-id and sub-request-id was stored before: the unique id makes
//     that hold however many duplicates race;
//   - r has none and such a request (also without one) is still running:
//     r takes the run lease of its ids until FinishRequest releases it, or
//     until runFor has passed should its process die first.
func (s *APPCStore) AddRequest(ctx context.Context, r models.APPCRequest, runFor time.Duration) error {
	if r.RunID == "" {
		return models.Errorf(models.CodeInvalid, "%s has no run id", describeRequest(r))
	}
	if runFor <= 0 {
		return models.Errorf(models.CodeInvalid, "a request needs a positive run time, not %v", runFor)
	}
	leased := r.SubRequestID == ""
	if leased {
		holder, err := s.db.Leases(appcRuns).Take(ctx, requestKey(r.OriginatorID, r.RequestID, ""), r.RunID, runFor)
		if err != nil {
			return err
		}
		if holder != r.RunID {
			return models.Errorf(models.CodeConflict, "%s is running", describeRequest(r))
		}
	}
	body, err := json.Marshal(r)
	if err != nil {
		return Internal("encode "+describeRequest(r), err)
	}
	if _, err := s.requests().Insert(ctx, Doc{ID: requestDocKey(r), Created: r.Received, Body: body}); err != nil {
		if leased {
			s.releaseRun(ctx, r)
		}
		if errors.Is(err, ErrExists) {
			return models.Errorf(models.CodeConflict, "%s already exists", describeRequest(r))
		}
		return err
	}
	return nil
}

// releaseRun releases the run lease of a request without a sub-request-id,
// logging a failure: the lease expires by itself.
func (s *APPCStore) releaseRun(ctx context.Context, r models.APPCRequest) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.db.Leases(appcRuns).Release(ctx, requestKey(r.OriginatorID, r.RequestID, ""), r.RunID); err != nil {
		s.log.Warn("release the run of an APPC request; it expires by itself",
			"request_id", r.RequestID, "originator_id", r.OriginatorID, "error", err)
	}
}

// FinishRequest stores the outcome (finished, code, message, payload) of a
// request AddRequest stored, and releases its run lease; NotFound when
// there is none. A zero Finished is stored as now.
func (s *APPCStore) FinishRequest(ctx context.Context, r models.APPCRequest) error {
	if r.Finished.IsZero() {
		r.Finished = s.now.Now()
	}
	_, err := s.requests().Update(ctx, requestDocKey(r), func(cur Doc) (Doc, error) {
		var stored models.APPCRequest
		if err := json.Unmarshal(cur.Body, &stored); err != nil {
			return Doc{}, Internal("decode "+describeRequest(r), err)
		}
		stored.Finished, stored.Code, stored.Message, stored.Payload = r.Finished.UTC(), r.Code, r.Message, r.Payload
		body, err := json.Marshal(stored)
		if err != nil {
			return Doc{}, Internal("encode "+describeRequest(r), err)
		}
		cur.Body = body
		return cur, nil
	})
	if errors.Is(err, ErrNotFound) {
		return models.Errorf(models.CodeNotFound, "%s not found", describeRequest(r))
	}
	if err != nil {
		return err
	}
	// Released once the outcome is stored: a repeat that runs next finds
	// this one finished.
	if r.SubRequestID == "" {
		s.releaseRun(ctx, r)
	}
	return nil
}

// requestFields are the stored requests' envelope attributes.
var requestFields = APPCRequestSpec.Envelope.Fields()

// PruneRequests deletes the stored requests received before t and returns
// how many. A request with a sub-request-id is a duplicate only while it is
// stored.
func (s *APPCStore) PruneRequests(ctx context.Context, before time.Time) (int64, error) {
	f, err := filter.Where(filter.Options{Fields: requestFields},
		filter.Condition{Path: []string{requestReceived}, Op: filter.OpLt, Value: before})
	if err != nil {
		return 0, Internal("prune APPC requests", err)
	}
	return s.requests().DeleteWhere(ctx, f)
}

// FindRequests are the stored requests with requestID (and originatorID
// and subRequestID when not empty), oldest first.
func (s *APPCStore) FindRequests(ctx context.Context, originatorID, requestID, subRequestID string) ([]models.APPCRequest, error) {
	conds := []filter.Condition{{Path: []string{"request_id"}, Op: filter.OpEq, Value: requestID}}
	if originatorID != "" {
		conds = append(conds, filter.Condition{Path: []string{"originator_id"}, Op: filter.OpEq, Value: originatorID})
	}
	if subRequestID != "" {
		conds = append(conds, filter.Condition{Path: []string{"sub_request_id"}, Op: filter.OpEq, Value: subRequestID})
	}
	opts := filter.Options{Fields: requestFields}
	f, err := filter.Where(opts, conds...)
	if err != nil {
		return nil, Internal("find APPC requests", err)
	}
	q := filter.Query{Filter: f, Sort: filter.Sort{Keys: []filter.SortKey{{Path: []string{requestReceived}, Time: true}}}, Limit: models.MaxPageSize}
	var out []models.APPCRequest
	for {
		page, err := s.requests().List(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, d := range page.Items {
			var r models.APPCRequest
			if err := json.Unmarshal(d.Body, &r); err != nil {
				return nil, Internal("decode APPC request "+d.ID, err)
			}
			r.Received = d.Created
			out = append(out, r)
		}
		if page.Next == nil {
			return out, nil
		}
		q.After = page.Next
	}
}
