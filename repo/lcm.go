package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/models"
)

// This file is what the APPC LCM engine (orchestrator/appc) needs of the
// store: VNF records with their APPC state, the LCM locks of VNFs, and the
// requests it answered. The store keeps them; the engine gives them meaning.

// Collections of the LCM module, beside the record collections.
const (
	// lcmLocksCollection holds one lease per locked VNF: _id = vnf-id,
	// owner = the request-id holding it, expires = when it is free again
	// unless renewed.
	lcmLocksCollection = "appc_locks"
	// lcmRunsCollection holds one lease per running request that has no
	// sub-request-id: _id = requestKey(originator-id, request-id, ""),
	// owner = the request's RunID. It is what makes a second such request
	// a duplicate while the first runs.
	lcmRunsCollection = "appc_runs"
	// lcmRequestsCollection holds one document per LCM request: _id =
	// requestDocKey(request).
	lcmRequestsCollection = "appc_requests"
)

// maxLeaseAttempts bounds takeLease's retries when the lease document
// changes between its reads and writes (a holder unlocking, another
// request taking an expired lease over). A refusal is never waited out:
// the caller answers it at once.
const maxLeaseAttempts = 10

// GetVNF reads the VNF record uuid, with its APPC state.
func (s *Store) GetVNF(ctx context.Context, uuid string) (models.Record, error) {
	return s.Get(ctx, models.KindVNFR, uuid)
}

// ModifyVNF changes the VNF record uuid in one conditional write (the one
// Replace makes, see rewrite): fn gets the record as just read and changes
// its fields and Admin.APPC in place; the record is written with version +
// 1 and modified now, its creation time kept. An error from fn is returned
// as it is, with nothing written. fn runs again on the record read afresh
// when another writer got there first.
func (s *Store) ModifyVNF(ctx context.Context, uuid string, fn func(*models.Record) error) (models.Record, error) {
	return s.rewrite(ctx, models.KindVNFR, uuid, func(cur models.Record) (models.Record, error) {
		// cur was decoded for this attempt alone: fn may change it freely.
		if err := fn(&cur); err != nil {
			return models.Record{}, err
		}
		return cur, nil
	})
}

// leaseKind is one of the LCM module's lease collections: a lease is a
// document that one owner holds until it expires.
type leaseKind struct {
	collection string
	what       string // names a lease in messages: what + " " + its id
	serial     string // prefixes the name of its write lock on FerretDB
}

var (
	vnfLocks    = leaseKind{collection: lcmLocksCollection, what: "the LCM lock of VNF", serial: "appc-lock:"}
	requestRuns = leaseKind{collection: lcmRunsCollection, what: "the run of request", serial: "appc-run:"}
)

// lease is a lease document.
type lease struct {
	ID      string    `bson:"_id"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
}

// expired reports whether the lease is free again at t.
func (l lease) expired(t time.Time) bool { return !t.Before(l.Expires) }

func (s *Store) leases(k leaseKind) *mongo.Collection { return s.db.Collection(k.collection) }

// LockVNF takes the LCM lock of vnfID for owner, or renews it when owner
// holds it, until idle from now, and returns the holder afterwards (see
// takeLease).
func (s *Store) LockVNF(ctx context.Context, vnfID, owner string, idle time.Duration) (string, error) {
	if vnfID == "" || owner == "" {
		return "", models.Errorf(models.CodeInvalid, "an LCM lock needs a vnf-id and an owner")
	}
	if idle <= 0 {
		return "", models.Errorf(models.CodeInvalid, "an LCM lock needs a positive idle time, not %v", idle)
	}
	return s.takeLease(ctx, vnfLocks, vnfID, owner, idle)
}

// takeLease takes the lease id of kind k for owner, or renews it when owner
// holds it, until ttl from now, and returns the holder afterwards: owner
// when taken, another owner when that one holds it. An expired lease is
// free.
//
// Taking a free lease is one insert of the document whose _id is id: the
// unique _id makes it atomic on every backend, so two replicas on one
// database never both hold it. When the document exists, the holder's
// renewal is an update filtered by _id and owner, and an expired lease is
// deleted filtered by _id, its owner and its expiry before the insert is
// tried again. MongoDB makes those filtered writes atomic; FerretDB v1
// reads the filter and then writes by _id alone, so there these steps run
// under the short write lock of the lease (see leaseWriteLock): with every
// delete and update of the document under it, the document a step read is
// still the one it writes. A lease another owner holds is refused at once,
// on one read.
func (s *Store) takeLease(ctx context.Context, k leaseKind, id, owner string, ttl time.Duration) (string, error) {
	for range maxLeaseAttempts {
		holder, settled, err := s.takeLeaseOnce(ctx, k, id, owner, ttl)
		if err != nil || settled {
			return holder, err
		}
	}
	return "", models.Errorf(models.CodeConflict, "%s %s is changing hands; retry", k.what, id)
}

// takeLeaseOnce is one attempt of takeLease: settled is false when the
// lease changed under it and the attempt must be made again.
func (s *Store) takeLeaseOnce(ctx context.Context, k leaseKind, id, owner string, ttl time.Duration) (holder string, settled bool, err error) {
	coll := s.leases(k)
	_, err = coll.InsertOne(ctx, lease{ID: id, Owner: owner, Expires: now().Add(ttl)})
	if err == nil {
		return owner, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return "", false, classify(err, "take "+k.what+" "+id)
	}
	// A lease another owner holds is refused on this one read: nothing
	// waits for the write lock below to say no.
	held, found, err := s.readLease(ctx, k, id)
	switch {
	case err != nil:
		return "", false, err
	case !found:
		return "", false, nil // released meanwhile: insert again
	case held.Owner != owner && !held.expired(now()):
		return held.Owner, true, nil
	}
	if s.isFerretDB(ctx) {
		// Renewal and takeover write conditionally: serialise them, and
		// decide again from what is there once serialised.
		unlock, lerr := s.leaseWriteLock(ctx, k, id)
		if lerr != nil {
			return "", false, lerr
		}
		defer unlock()
		held, found, err = s.readLease(ctx, k, id)
	}
	switch {
	case err != nil:
		return "", false, err
	case !found:
		return "", false, nil // released meanwhile: insert again
	case held.Owner == owner:
		res, err := coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: now().Add(ttl)}}}})
		if err != nil {
			return "", false, classify(err, "renew "+k.what+" "+id)
		}
		return owner, res.MatchedCount == 1, nil
	case held.expired(now()):
		// Take it over from exactly that holder at exactly that expiry: a
		// renewal or takeover that came first makes this delete nothing.
		_, err := coll.DeleteOne(ctx, bson.D{
			{Key: "_id", Value: id}, {Key: "owner", Value: held.Owner}, {Key: "expires", Value: held.Expires}})
		if err != nil {
			return "", false, classify(err, "expire "+k.what+" "+id)
		}
		return "", false, nil
	default:
		return held.Owner, true, nil
	}
}

// releaseLease releases the lease id when owner holds it (expired or not),
// with a delete filtered by _id and owner.
func (s *Store) releaseLease(ctx context.Context, k leaseKind, id, owner string) error {
	unlock, err := s.leaseWriteLock(ctx, k, id)
	if err != nil {
		return err
	}
	defer unlock()
	_, err = s.leases(k).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}})
	return classify(err, "release "+k.what+" "+id)
}

// UnlockVNF releases the LCM lock of vnfID when owner holds it (expired or
// not) and returns the holder afterwards: "" when free, another request-id
// when that one holds it.
func (s *Store) UnlockVNF(ctx context.Context, vnfID, owner string) (string, error) {
	if owner != "" {
		if err := s.releaseLease(ctx, vnfLocks, vnfID, owner); err != nil {
			return "", err
		}
	}
	return s.VNFLockHolder(ctx, vnfID)
}

// VNFLockHolder is the request-id holding the LCM lock of vnfID, "" when it
// is free or expired.
func (s *Store) VNFLockHolder(ctx context.Context, vnfID string) (string, error) {
	held, found, err := s.readLease(ctx, vnfLocks, vnfID)
	if err != nil || !found || held.expired(now()) {
		return "", err
	}
	return held.Owner, nil
}

func (s *Store) readLease(ctx context.Context, k leaseKind, id string) (lease, bool, error) {
	var held lease
	err := s.leases(k).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&held)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return lease{}, false, nil
	}
	if err != nil {
		return lease{}, false, classify(err, "read "+k.what+" "+id)
	}
	return held, true, nil
}

// leaseWriteLock serialises the filtered updates and deletes of a lease
// document where the database does not make them atomic (FerretDB), as
// lockRecordWrite does for records; it is held for one read and one write,
// never while a lease is refused.
func (s *Store) leaseWriteLock(ctx context.Context, k leaseKind, id string) (func(), error) {
	if !s.isFerretDB(ctx) {
		return func() {}, nil
	}
	return s.lock(ctx, k.serial+id)
}

// storedRequest is an LCM request document.
type storedRequest struct {
	Key                string `bson:"_id"`
	models.APPCRequest `bson:",inline"`
}

// keyEscaper escapes the separator of requestKey's parts (and its own
// escape character), so different triples never share a key.
var keyEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

// requestKey joins originator-id, request-id and sub-request-id, each
// escaped, with "|".
func requestKey(originatorID, requestID, subRequestID string) string {
	return keyEscaper.Replace(originatorID) + "|" + keyEscaper.Replace(requestID) + "|" + keyEscaper.Replace(subRequestID)
}

// requestDocKey is the _id of a stored request. A sub-request-id names one
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

func (s *Store) lcmRequests() *mongo.Collection { return s.db.Collection(lcmRequestsCollection) }

func describeRequest(r models.APPCRequest) string {
	return fmt.Sprintf("request %q (originator-id %q, sub-request-id %q)", r.RequestID, r.OriginatorID, r.SubRequestID)
}

// AddRequest stores a new request; r.RunID must be new. It is a Conflict
// (a duplicate) when
//   - r has a sub-request-id and a request with the same originator-id,
//     request-id and sub-request-id was stored before: the unique _id makes
//     that hold however many duplicates race;
//   - r has none and such a request (also without one) is still running:
//     r takes the run lease of its ids until FinishRequest releases it, or
//     until runFor has passed should its process die first. The lease's
//     unique _id makes only one of racing duplicates run.
func (s *Store) AddRequest(ctx context.Context, r models.APPCRequest, runFor time.Duration) error {
	if r.RunID == "" {
		return models.Errorf(models.CodeInvalid, "%s has no run id", describeRequest(r))
	}
	if runFor <= 0 {
		return models.Errorf(models.CodeInvalid, "a request needs a positive run time, not %v", runFor)
	}
	leased := r.SubRequestID == ""
	if leased {
		// A lease changing hands too fast to take (Conflict) is held by
		// others too.
		holder, err := s.takeLease(ctx, requestRuns, requestKey(r.OriginatorID, r.RequestID, ""), r.RunID, runFor)
		if err != nil && models.ErrorCodeOf(err) != models.CodeConflict {
			return err
		}
		if holder != r.RunID {
			return models.Errorf(models.CodeConflict, "%s is running", describeRequest(r))
		}
	}
	doc := storedRequest{Key: requestDocKey(r), APPCRequest: r}
	if _, err := s.lcmRequests().InsertOne(ctx, doc); err != nil {
		if leased {
			s.releaseRun(ctx, r)
		}
		if mongo.IsDuplicateKeyError(err) {
			return models.Errorf(models.CodeConflict, "%s already exists", describeRequest(r))
		}
		return classify(err, "store "+describeRequest(r))
	}
	return nil
}

// releaseRun releases the run lease of a request without a sub-request-id,
// logging a failure: the lease expires by itself.
func (s *Store) releaseRun(ctx context.Context, r models.APPCRequest) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.releaseLease(ctx, requestRuns, requestKey(r.OriginatorID, r.RequestID, ""), r.RunID); err != nil {
		s.log.Warn("release the run of an LCM request; it expires by itself",
			"request_id", r.RequestID, "originator_id", r.OriginatorID, "error", err)
	}
}

// FinishRequest stores the outcome (finished, code, message, payload) of a
// request AddRequest stored, and releases its run lease; NotFound when
// there is none. A zero Finished is stored as now.
func (s *Store) FinishRequest(ctx context.Context, r models.APPCRequest) error {
	finished := r.Finished
	if finished.IsZero() {
		finished = now()
	}
	set := bson.D{
		{Key: "finished", Value: finished},
		{Key: "code", Value: r.Code},
		{Key: "message", Value: r.Message},
	}
	var update bson.D
	if r.Payload != "" {
		update = bson.D{{Key: "$set", Value: append(set, bson.E{Key: "payload", Value: r.Payload})}}
	} else { // as AddRequest stores an empty payload: not at all
		update = bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "payload", Value: ""}}}}
	}
	res, err := s.lcmRequests().UpdateOne(ctx, bson.D{{Key: "_id", Value: requestDocKey(r)}}, update)
	if err != nil {
		return classify(err, "finish "+describeRequest(r))
	}
	if res.MatchedCount == 0 {
		return models.Errorf(models.CodeNotFound, "%s not found", describeRequest(r))
	}
	// Released once the outcome is stored: a repeat that runs next finds
	// this one finished.
	if r.SubRequestID == "" {
		s.releaseRun(ctx, r)
	}
	return nil
}

// PruneRequests deletes the stored requests received before t and returns
// how many. A request with a sub-request-id is a duplicate only while it is
// stored.
func (s *Store) PruneRequests(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.lcmRequests().DeleteMany(ctx, bson.D{{Key: "received", Value: bson.D{{Key: "$lt", Value: before}}}})
	if err != nil {
		return 0, classify(err, "prune LCM requests")
	}
	return res.DeletedCount, nil
}

// FindRequests are the stored requests with requestID (and originatorID
// and subRequestID when not empty), oldest first.
func (s *Store) FindRequests(ctx context.Context, originatorID, requestID, subRequestID string) ([]models.APPCRequest, error) {
	filter := bson.D{{Key: "request_id", Value: requestID}}
	if originatorID != "" {
		filter = append(filter, bson.E{Key: "originator_id", Value: originatorID})
	}
	if subRequestID != "" {
		filter = append(filter, bson.E{Key: "sub_request_id", Value: subRequestID})
	}
	doing := fmt.Sprintf("find requests %q", requestID)
	cur, err := s.lcmRequests().Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "received", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, classify(err, doing)
	}
	var docs []storedRequest
	if err := cur.All(ctx, &docs); err != nil {
		return nil, classify(err, doing)
	}
	out := make([]models.APPCRequest, len(docs))
	for i, d := range docs {
		out[i] = d.APPCRequest
	}
	return out, nil
}

// lcmIndexes serve FindRequests (ActionStatus): requests by request-id,
// oldest first; and PruneRequests: requests by reception.
func lcmIndexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		{Keys: bson.D{{Key: "request_id", Value: 1}, {Key: "received", Value: 1}}, Options: options.Index().SetName("request_id")},
		{Keys: bson.D{{Key: "received", Value: 1}}, Options: options.Index().SetName("received")},
	}
}
