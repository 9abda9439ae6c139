package appc

import (
	"context"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// Store is what the engine needs of the records repository
// (repo.APPCStore implements it). Errors are *models.Error: CodeNotFound
// for a missing VNF record; CodeConflict for a request key already stored,
// or for a record that kept changing under a store's retries of ModifyVNF;
// CodeUnavailable for a database that does not answer.
type Store interface {
	// GetVNF reads the VNF record uuid: its fields decoded (id included)
	// and its APPC state (nil until an APPC action touches it).
	// CodeNotFound also for a record outside scope.
	GetVNF(ctx context.Context, scope models.Scope, uuid string) (models.VNF, error)
	// ModifyVNF changes the VNF record uuid in one atomic step: fn gets
	// the current record and changes its Fields and APPC in place; the
	// store writes both with version + 1 and updated_at now, the rest of
	// the record's server-side state as it is. An error from fn is
	// returned as it is, with nothing written. fn may run more than once
	// (on the record read afresh) when another writer got there first, so
	// it must decide from what it is given.
	// CodeNotFound also for a record scope may not change.
	ModifyVNF(ctx context.Context, scope models.Scope, uuid string, fn func(*models.VNF) error) (models.VNF, error)

	// LockVNF takes the APPC lock of a VNF for owner (a request-id), or
	// renews it when owner holds it, until idle from now. It returns the
	// holder afterwards: owner when taken, another request-id when that
	// one holds it. An expired lock is free.
	LockVNF(ctx context.Context, vnfID, owner string, idle time.Duration) (holder string, err error)
	// UnlockVNF releases the lock when owner holds it; it returns the
	// holder afterwards ("" when free).
	UnlockVNF(ctx context.Context, vnfID, owner string) (holder string, err error)
	// VNFLockHolder is the request-id holding the VNF's lock, "" if free.
	VNFLockHolder(ctx context.Context, vnfID string) (string, error)

	// AddRequest stores a new request (r.RunID new); CodeConflict for a
	// duplicate. With a sub-request-id, a request is a duplicate of any
	// stored one with the same originator-id, request-id and
	// sub-request-id. Without one, it is a duplicate of one with the same
	// originator-id and request-id (and no sub-request-id) that is still
	// running: not finished, and added less than runFor ago.
	AddRequest(ctx context.Context, r models.APPCRequest, runFor time.Duration) error
	// FinishRequest stores the outcome of a request AddRequest stored;
	// from then on it is no longer running.
	FinishRequest(ctx context.Context, r models.APPCRequest) error
	// FindRequests are the stored requests with this request-id (and
	// originator-id and sub-request-id when not empty), oldest first.
	FindRequests(ctx context.Context, originatorID, requestID, subRequestID string) ([]models.APPCRequest, error)
	// PruneRequests deletes the stored requests received before t and
	// returns how many.
	PruneRequests(ctx context.Context, before time.Time) (int64, error)
}
