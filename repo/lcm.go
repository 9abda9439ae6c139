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
	// lcmLocksCollection holds one document per locked VNF: _id = vnf-id,
	// owner = the request-id holding it, expires = when it is free again
	// unless renewed.
	lcmLocksCollection = "appc_locks"
	// lcmRequestsCollection holds one document per LCM request: _id =
	// requestKey(originator-id, request-id, sub-request-id).
	lcmRequestsCollection = "appc_requests"
)

// maxLCMLockAttempts bounds LockVNF's retries when the lock document
// changes between its reads and writes (a holder unlocking, another
// request taking an expired lock over). A refusal is never waited out:
// the caller answers it at once.
const maxLCMLockAttempts = 10

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

// lcmLock is a VNF's LCM lock document.
type lcmLock struct {
	VNFID   string    `bson:"_id"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
}

// expired reports whether the lock is free again at t.
func (l lcmLock) expired(t time.Time) bool { return !t.Before(l.Expires) }

func (s *Store) lcmLocks() *mongo.Collection { return s.db.Collection(lcmLocksCollection) }

// LockVNF takes the LCM lock of vnfID for owner, or renews it when owner
// holds it, until idle from now, and returns the holder afterwards.
//
// Taking a free lock is one insert of the document whose _id is the vnf-id:
// the unique _id makes it atomic on every backend, so two replicas on one
// database never both hold a VNF. When the document exists, the holder's
// renewal is an update filtered by _id and owner, and an expired lock is
// deleted filtered by _id, its owner and its expiry before the insert is
// tried again. MongoDB makes those filtered writes atomic; FerretDB v1
// reads the filter and then writes by _id alone, so there these steps run
// under the short write lock of the VNF's LCM lock (see lockLCMWrite):
// with every delete and update of the document under it, the document a
// step read is still the one it writes. A lock another request holds is
// refused at once, on one read.
func (s *Store) LockVNF(ctx context.Context, vnfID, owner string, idle time.Duration) (string, error) {
	if vnfID == "" || owner == "" {
		return "", models.Errorf(models.CodeInvalid, "an LCM lock needs a vnf-id and an owner")
	}
	if idle <= 0 {
		return "", models.Errorf(models.CodeInvalid, "an LCM lock needs a positive idle time, not %v", idle)
	}
	for range maxLCMLockAttempts {
		holder, settled, err := s.lockVNFOnce(ctx, vnfID, owner, idle)
		if err != nil || settled {
			return holder, err
		}
	}
	return "", models.Errorf(models.CodeConflict, "the LCM lock of VNF %s is changing hands; retry", vnfID)
}

// lockVNFOnce is one attempt of LockVNF: settled is false when the lock
// changed under it and the attempt must be made again.
func (s *Store) lockVNFOnce(ctx context.Context, vnfID, owner string, idle time.Duration) (holder string, settled bool, err error) {
	locks := s.lcmLocks()
	_, err = locks.InsertOne(ctx, lcmLock{VNFID: vnfID, Owner: owner, Expires: now().Add(idle)})
	if err == nil {
		return owner, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return "", false, classify(err, "take the LCM lock of VNF "+vnfID)
	}
	// A lock another request holds is refused on this one read: nothing
	// waits for the write lock below to say no.
	held, found, err := s.readLCMLock(ctx, vnfID)
	switch {
	case err != nil:
		return "", false, err
	case !found:
		return "", false, nil // unlocked meanwhile: insert again
	case held.Owner != owner && !held.expired(now()):
		return held.Owner, true, nil
	}
	if s.isFerretDB(ctx) {
		// Renewal and takeover write conditionally: serialise them, and
		// decide again from what is there once serialised.
		unlock, lerr := s.lockLCMWrite(ctx, vnfID)
		if lerr != nil {
			return "", false, lerr
		}
		defer unlock()
		held, found, err = s.readLCMLock(ctx, vnfID)
	}
	switch {
	case err != nil:
		return "", false, err
	case !found:
		return "", false, nil // unlocked meanwhile: insert again
	case held.Owner == owner:
		res, err := locks.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: vnfID}, {Key: "owner", Value: owner}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: now().Add(idle)}}}})
		if err != nil {
			return "", false, classify(err, "renew the LCM lock of VNF "+vnfID)
		}
		return owner, res.MatchedCount == 1, nil
	case held.expired(now()):
		// Take it over from exactly that holder at exactly that expiry: a
		// renewal or takeover that came first makes this delete nothing.
		_, err := locks.DeleteOne(ctx, bson.D{
			{Key: "_id", Value: vnfID}, {Key: "owner", Value: held.Owner}, {Key: "expires", Value: held.Expires}})
		if err != nil {
			return "", false, classify(err, "expire the LCM lock of VNF "+vnfID)
		}
		return "", false, nil
	default:
		return held.Owner, true, nil
	}
}

// UnlockVNF releases the LCM lock of vnfID when owner holds it (expired or
// not), with a delete filtered by _id and owner, and returns the holder
// afterwards: "" when free, another request-id when that one holds it.
func (s *Store) UnlockVNF(ctx context.Context, vnfID, owner string) (string, error) {
	if owner != "" {
		err := func() error {
			unlock, err := s.lockLCMWrite(ctx, vnfID)
			if err != nil {
				return err
			}
			defer unlock()
			_, err = s.lcmLocks().DeleteOne(ctx, bson.D{{Key: "_id", Value: vnfID}, {Key: "owner", Value: owner}})
			return classify(err, "release the LCM lock of VNF "+vnfID)
		}()
		if err != nil {
			return "", err
		}
	}
	return s.VNFLockHolder(ctx, vnfID)
}

// VNFLockHolder is the request-id holding the LCM lock of vnfID, "" when it
// is free or expired.
func (s *Store) VNFLockHolder(ctx context.Context, vnfID string) (string, error) {
	held, found, err := s.readLCMLock(ctx, vnfID)
	if err != nil || !found || held.expired(now()) {
		return "", err
	}
	return held.Owner, nil
}

func (s *Store) readLCMLock(ctx context.Context, vnfID string) (lcmLock, bool, error) {
	var held lcmLock
	err := s.lcmLocks().FindOne(ctx, bson.D{{Key: "_id", Value: vnfID}}).Decode(&held)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return lcmLock{}, false, nil
	}
	if err != nil {
		return lcmLock{}, false, classify(err, "read the LCM lock of VNF "+vnfID)
	}
	return held, true, nil
}

// lockLCMWrite serialises the filtered updates and deletes of a VNF's LCM
// lock document where the database does not make them atomic (FerretDB),
// as lockRecordWrite does for records; it is held for one read and one
// write, never while an LCM lock is refused.
func (s *Store) lockLCMWrite(ctx context.Context, vnfID string) (func(), error) {
	if !s.isFerretDB(ctx) {
		return func() {}, nil
	}
	return s.lock(ctx, "appc-lock:"+vnfID)
}

// storedRequest is an LCM request document.
type storedRequest struct {
	Key                string `bson:"_id"`
	models.APPCRequest `bson:",inline"`
}

// keyEscaper escapes the separator of requestKey's parts (and its own
// escape character), so different triples never share a key.
var keyEscaper = strings.NewReplacer("%", "%25", "|", "%7C")

// requestKey is the _id of a request: originator-id, request-id and
// sub-request-id, each escaped, joined by "|".
func requestKey(originatorID, requestID, subRequestID string) string {
	return keyEscaper.Replace(originatorID) + "|" + keyEscaper.Replace(requestID) + "|" + keyEscaper.Replace(subRequestID)
}

func (s *Store) lcmRequests() *mongo.Collection { return s.db.Collection(lcmRequestsCollection) }

func describeRequest(r models.APPCRequest) string {
	return fmt.Sprintf("request %q (originator-id %q, sub-request-id %q)", r.RequestID, r.OriginatorID, r.SubRequestID)
}

// AddRequest stores a new request. One with the same originator-id,
// request-id and sub-request-id is a Conflict; the unique _id makes that
// hold however many duplicates race.
func (s *Store) AddRequest(ctx context.Context, r models.APPCRequest) error {
	doc := storedRequest{Key: requestKey(r.OriginatorID, r.RequestID, r.SubRequestID), APPCRequest: r}
	if _, err := s.lcmRequests().InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return models.Errorf(models.CodeConflict, "%s already exists", describeRequest(r))
		}
		return classify(err, "store "+describeRequest(r))
	}
	return nil
}

// FinishRequest stores the outcome (finished, code, message, payload) of a
// request AddRequest stored; NotFound when there is none. A zero Finished
// is stored as now.
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
	res, err := s.lcmRequests().UpdateOne(ctx,
		bson.D{{Key: "_id", Value: requestKey(r.OriginatorID, r.RequestID, r.SubRequestID)}}, update)
	if err != nil {
		return classify(err, "finish "+describeRequest(r))
	}
	if res.MatchedCount == 0 {
		return models.Errorf(models.CodeNotFound, "%s not found", describeRequest(r))
	}
	return nil
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
// oldest first.
func lcmIndexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		{Keys: bson.D{{Key: "request_id", Value: 1}, {Key: "received", Value: 1}}, Options: options.Index().SetName("request_id")},
	}
}
