package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// LifecycleStore keeps what the NS lifecycle (orchestrator/nslcm) writes:
// NS and VNF instances, which are NSRs and VNFRs with the lifecycle's own
// state beside their fields (in the record's server-side state under
// "nslcm", versioned with the record); the operation occurrences; the
// Gatekeeper's update requests; and the leases of running operations.
type LifecycleStore struct {
	db DB
}

// NewLifecycleStore is the lifecycle store over db.
func NewLifecycleStore(db DB) *LifecycleStore { return &LifecycleStore{db: db} }

// lifecycleStateKey is where a record's server-side state holds the
// lifecycle's.
const lifecycleStateKey = "nslcm"

// LifecycleStatePath is the filter path of the lifecycle state of a
// record, for filters with filter.Options.Admin ("_admin.nslcm.nsState").
var LifecycleStatePath = []string{"_admin", lifecycleStateKey}

// opLeases is the lease table of running operations: id = the
// operation's id, owner = the runner.
const opLeases = "nslcm_ops"

// The lifecycle's collections of entries.
var (
	// OpOccSpec holds the NS LCM operation occurrences, found by NS.
	OpOccSpec = CollectionSpec{Name: "ns_lcm_op_occs", Envelope: catalogueEnvelope, Indexed: []string{"nsInstanceId", "operationState"}}
	// UpdateRequestSpec holds the Gatekeeper's update requests.
	UpdateRequestSpec = CollectionSpec{Name: "gk_requests", Envelope: catalogueEnvelope, Indexed: []string{"service_instance_uuid"}}
)

// Now is the database's time.
func (s *LifecycleStore) Now() time.Time { return s.db.Now() }

func (s *LifecycleStore) records(kind models.Kind) Collection {
	return s.db.Collection(RecordSpec(kind))
}

func instanceOf(d Doc) (models.Instance, error) {
	in := models.Instance{Record: recordOf(d)}
	if len(d.Admin) == 0 {
		return in, nil
	}
	var a struct { // one pass over the server-side state: lists read every row's
		State    json.RawMessage `json:"nslcm"`
		Projects []string        `json:"projects_read"`
	}
	if err := json.Unmarshal(d.Admin, &a); err != nil {
		return in, Internal("decode the server-side state of "+d.ID, err)
	}
	if string(a.State) != "null" {
		in.State = a.State
	}
	in.Projects = a.Projects
	return in, nil
}

// CreateInstance stores a new record with its lifecycle state, owned by
// scope's projects: Conflict when its uuid is taken.
func (s *LifecycleStore) CreateInstance(ctx context.Context, scope models.Scope, kind models.Kind, rec models.Record, state json.RawMessage) (models.Instance, error) {
	admin, err := ownedAdmin(nil, scope)
	if err != nil {
		return models.Instance{}, Internal(fmt.Sprintf("create %s %s", kind.Singular(), rec.UUID), err)
	}
	if admin, err = withState(admin, lifecycleStateKey, &state); err != nil {
		return models.Instance{}, Internal(fmt.Sprintf("create %s %s", kind.Singular(), rec.UUID), err)
	}
	d, err := s.records(kind).Insert(ctx, Doc{ID: rec.UUID, Body: rec.Body, Admin: admin})
	if err != nil {
		return models.Instance{}, recordError(err, kind, rec.UUID)
	}
	return instanceOf(d)
}

// GetInstance reads a record with its lifecycle state (State is nil for a
// record the lifecycle never wrote): NotFound outside scope.
func (s *LifecycleStore) GetInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Instance, error) {
	d, err := within(s.records(kind), scope).Get(ctx, uuid)
	if err != nil {
		return models.Instance{}, recordError(err, kind, uuid)
	}
	return instanceOf(d)
}

// ModifyInstance changes a record scope may change in one atomic write:
// fn gets the record as just read and sets its next Body and State (the
// caller checks a new body first: the store keeps what it is given). An
// error from fn is returned as it is with nothing written; fn may run
// again on the record read afresh when another writer got there first.
func (s *LifecycleStore) ModifyInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, fn func(*models.Instance) error) (models.Instance, error) {
	d, err := within(s.records(kind), scope).Update(ctx, uuid, func(cur Doc) (Doc, error) {
		admin, err := writable(cur, scope)
		if err != nil {
			return Doc{}, err
		}
		in, err := instanceOf(cur)
		if err != nil {
			return Doc{}, err
		}
		if err := fn(&in); err != nil {
			return Doc{}, err
		}
		state := in.State
		if admin, err = withState(admin, lifecycleStateKey, &state); err != nil {
			return Doc{}, Internal("encode the lifecycle state of "+uuid, err)
		}
		cur.Body, cur.Admin = in.Record.Body, admin
		return cur, nil
	})
	if err != nil {
		var me *models.Error
		if errors.As(err, &me) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrVersion) || errors.Is(err, ErrExists) {
			return models.Instance{}, recordError(err, kind, uuid)
		}
		return models.Instance{}, err // fn's own
	}
	return instanceOf(d)
}

// ListInstances is one page of the records in scope q selects, with
// their lifecycle state.
func (s *LifecycleStore) ListInstances(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Instance], error) {
	p, err := within(s.records(kind), scope).List(ctx, q)
	if err != nil {
		return filter.Page[models.Instance]{}, err
	}
	out := filter.Page[models.Instance]{Items: make([]models.Instance, len(p.Items)), Total: p.Total, Next: p.Next}
	for i, d := range p.Items {
		if out.Items[i], err = instanceOf(d); err != nil {
			return filter.Page[models.Instance]{}, err
		}
	}
	return out, nil
}

// CountInstances is how many records in scope f matches.
func (s *LifecycleStore) CountInstances(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error) {
	return within(s.records(kind), scope).Count(ctx, f)
}

// DeleteInstance removes a record scope may change (NotFound when there
// is none: deleting twice is not an error the caller can act on).
func (s *LifecycleStore) DeleteInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) error {
	return recordError(deleteWithin(ctx, s.records(kind), scope, uuid, nil), kind, uuid)
}

// Entries: operation occurrences and update requests, OSM-shaped
// documents owned by projects.

func (s *LifecycleStore) entries(spec CollectionSpec) Collection { return s.db.Collection(spec) }

// createEntry stores a new entry of spec owned by scope's projects, with
// e.Admin's members beside the projects.
func (s *LifecycleStore) createEntry(ctx context.Context, scope models.Scope, spec CollectionSpec, e models.Entry) (models.Entry, error) {
	admin, err := ownedAdmin(e.Admin, scope)
	if err != nil {
		return models.Entry{}, Internal("create "+spec.Name, err)
	}
	d, err := s.entries(spec).Insert(ctx, Doc{ID: e.UUID, Body: e.Body, Admin: admin})
	if err != nil {
		return models.Entry{}, entryError(err, spec, e.UUID)
	}
	return entryOf(d), nil
}

// getEntry reads an entry of spec in scope.
func (s *LifecycleStore) getEntry(ctx context.Context, scope models.Scope, spec CollectionSpec, id string) (models.Entry, error) {
	d, err := within(s.entries(spec), scope).Get(ctx, id)
	if err != nil {
		return models.Entry{}, entryError(err, spec, id)
	}
	return entryOf(d), nil
}

// modifyEntry changes an entry scope may change in one atomic write: fn
// sets its next Body and Admin (the projects kept as they are). An error
// from fn is returned as it is; fn may run again.
func (s *LifecycleStore) modifyEntry(ctx context.Context, scope models.Scope, spec CollectionSpec, id string, fn func(*models.Entry) error) (models.Entry, error) {
	d, err := within(s.entries(spec), scope).Update(ctx, id, func(cur Doc) (Doc, error) {
		if _, err := writable(cur, scope); err != nil {
			return Doc{}, err
		}
		e := entryOf(cur)
		if err := fn(&e); err != nil {
			return Doc{}, err
		}
		p, err := projectsOf(cur.Admin)
		if err != nil {
			return Doc{}, Internal("read the projects of "+id, err)
		}
		if cur.Admin, err = withProjects(e.Admin, p); err != nil {
			return Doc{}, Internal("write "+id, err)
		}
		cur.Body = e.Body
		return cur, nil
	})
	if err != nil {
		var me *models.Error
		if errors.As(err, &me) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) || errors.Is(err, ErrVersion) {
			return models.Entry{}, entryError(err, spec, id)
		}
		return models.Entry{}, err
	}
	return entryOf(d), nil
}

// listEntries is a page of the entries of spec in scope q selects.
func (s *LifecycleStore) listEntries(ctx context.Context, scope models.Scope, spec CollectionSpec, q filter.Query) (filter.Page[models.Entry], error) {
	p, err := within(s.entries(spec), scope).List(ctx, q)
	if err != nil {
		return filter.Page[models.Entry]{}, err
	}
	return entryPage(p), nil
}

// countEntries is how many entries of spec in scope f matches.
func (s *LifecycleStore) countEntries(ctx context.Context, scope models.Scope, spec CollectionSpec, f filter.Expr) (int64, error) {
	return within(s.entries(spec), scope).Count(ctx, f)
}

// deleteEntry removes an entry of spec (used to take back an operation
// that could not be started).
func (s *LifecycleStore) deleteEntry(ctx context.Context, spec CollectionSpec, id string) error {
	return entryError(s.entries(spec).Delete(ctx, id, nil), spec, id)
}

// TakeOp takes (or renews) the lease of running operation id for owner
// until ttl from now, and returns who holds it afterwards.
func (s *LifecycleStore) TakeOp(ctx context.Context, id, owner string, ttl time.Duration) (string, error) {
	return s.db.Leases(opLeases).Take(ctx, id, owner, ttl)
}

// ReleaseOp frees the lease of operation id when owner holds it.
func (s *LifecycleStore) ReleaseOp(ctx context.Context, id, owner string) error {
	return s.db.Leases(opLeases).Release(ctx, id, owner)
}

// OpHolder is who runs operation id: "" when nobody does (its runner
// finished, or died and its lease expired).
func (s *LifecycleStore) OpHolder(ctx context.Context, id string) (string, error) {
	return s.db.Leases(opLeases).Holder(ctx, id)
}

// entryError says a backend outcome in the words of spec's entries.
func entryError(err error, spec CollectionSpec, id string) error {
	what := map[string]string{OpOccSpec.Name: "NS LCM operation occurrence", UpdateRequestSpec.Name: "request"}[spec.Name]
	if what == "" {
		what = spec.Name
	}
	return storeError(err, what, id, nil)
}

// The operation occurrences (OpOccSpec) and the update requests
// (UpdateRequestSpec), each with the entry calls above.

// CreateOp stores a new operation occurrence.
func (s *LifecycleStore) CreateOp(ctx context.Context, scope models.Scope, e models.Entry) (models.Entry, error) {
	return s.createEntry(ctx, scope, OpOccSpec, e)
}

// GetOp reads an operation occurrence in scope.
func (s *LifecycleStore) GetOp(ctx context.Context, scope models.Scope, id string) (models.Entry, error) {
	return s.getEntry(ctx, scope, OpOccSpec, id)
}

// ModifyOp changes an operation occurrence in one atomic write.
func (s *LifecycleStore) ModifyOp(ctx context.Context, scope models.Scope, id string, fn func(*models.Entry) error) (models.Entry, error) {
	return s.modifyEntry(ctx, scope, OpOccSpec, id, fn)
}

// ListOps is a page of the operation occurrences in scope q selects.
func (s *LifecycleStore) ListOps(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error) {
	return s.listEntries(ctx, scope, OpOccSpec, q)
}

// CountOps is how many operation occurrences in scope f matches.
func (s *LifecycleStore) CountOps(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.countEntries(ctx, scope, OpOccSpec, f)
}

// DeleteOp removes an operation occurrence that never started.
func (s *LifecycleStore) DeleteOp(ctx context.Context, id string) error {
	return s.deleteEntry(ctx, OpOccSpec, id)
}

// DeleteOpsOf removes the operations of NS ns, all but keep, and says
// how many.
func (s *LifecycleStore) DeleteOpsOf(ctx context.Context, ns, keep string) (int64, error) {
	f, err := filter.Where(filter.Options{Fields: OpOccSpec.Envelope.Fields()},
		filter.Condition{Path: []string{"nsInstanceId"}, Op: filter.OpEq, Value: ns},
		filter.Condition{Path: []string{"_id"}, Op: filter.OpNeq, Value: keep})
	if err != nil {
		return 0, Internal("delete the operations of "+ns, err)
	}
	return s.entries(OpOccSpec).DeleteWhere(ctx, f)
}

// CreateRequest stores a new update request.
func (s *LifecycleStore) CreateRequest(ctx context.Context, scope models.Scope, e models.Entry) (models.Entry, error) {
	return s.createEntry(ctx, scope, UpdateRequestSpec, e)
}

// GetRequest reads an update request in scope.
func (s *LifecycleStore) GetRequest(ctx context.Context, scope models.Scope, id string) (models.Entry, error) {
	return s.getEntry(ctx, scope, UpdateRequestSpec, id)
}

// ModifyRequest changes an update request in one atomic write.
func (s *LifecycleStore) ModifyRequest(ctx context.Context, scope models.Scope, id string, fn func(*models.Entry) error) (models.Entry, error) {
	return s.modifyEntry(ctx, scope, UpdateRequestSpec, id, fn)
}

// ListRequests is a page of the update requests in scope q selects.
func (s *LifecycleStore) ListRequests(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error) {
	return s.listEntries(ctx, scope, UpdateRequestSpec, q)
}

// CountRequests is how many update requests in scope f matches.
func (s *LifecycleStore) CountRequests(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.countEntries(ctx, scope, UpdateRequestSpec, f)
}

// DeleteRequest removes an update request that was never started.
func (s *LifecycleStore) DeleteRequest(ctx context.Context, id string) error {
	return s.deleteEntry(ctx, UpdateRequestSpec, id)
}
