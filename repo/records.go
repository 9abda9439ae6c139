package repo

import (
	"context"
	"fmt"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// RecordStore keeps NSRs and VNFRs, one collection per kind. What may be
// stored is decided above it (orchestrator/records); it keeps what it is
// given and says what happened in the records' own words.
type RecordStore struct {
	db DB
}

// NewRecordStore is the record store over db.
func NewRecordStore(db DB) *RecordStore { return &RecordStore{db: db} }

// recordEnvelope is where a record's envelope appears to readers: uuid
// (and the client's id, always equal to it), created_at and updated_at.
var recordEnvelope = Envelope{
	ID:       []string{models.FieldUUID, models.FieldID},
	Created:  models.FieldCreatedAt,
	Modified: models.FieldUpdatedAt,
}

// RecordFields are the envelope attributes of records, for the filter
// and sort parsers.
func RecordFields() filter.Fields {
	f := recordEnvelope.Fields()
	delete(f, models.FieldID) // a body attribute for clients, with sub-paths of its own (none)
	return f
}

// RecordSpec is the collection of a record kind. status and
// descriptor_reference are strings in every record (both schemas say so
// and every record is validated), the attributes lists filter by most.
func RecordSpec(kind models.Kind) CollectionSpec {
	return CollectionSpec{
		Name:     string(kind),
		Envelope: recordEnvelope,
		Indexed:  []string{"status", "descriptor_reference"},
		IDFields: []string{models.FieldID},
	}
}

func (s *RecordStore) coll(kind models.Kind) Collection { return s.db.Collection(RecordSpec(kind)) }

func recordOf(d Doc) models.Record {
	return models.Record{UUID: d.ID, Body: d.Body, Admin: models.Admin{Created: d.Created, Modified: d.Modified, Version: d.Version}}
}

// Create stores a new record, owned by scope's projects: Conflict when
// its uuid is taken (in any project: a uuid names one record).
func (s *RecordStore) Create(ctx context.Context, scope models.Scope, kind models.Kind, rec models.Record) (models.Record, error) {
	admin, err := ownedAdmin(nil, scope)
	if err != nil {
		return models.Record{}, Internal(fmt.Sprintf("create %s %s", kind.Singular(), rec.UUID), err)
	}
	d, err := s.coll(kind).Insert(ctx, Doc{ID: rec.UUID, Body: rec.Body, Admin: admin})
	if err != nil {
		return models.Record{}, recordError(err, kind, rec.UUID)
	}
	return recordOf(d), nil
}

// Get reads one record: NotFound when there is none in scope.
func (s *RecordStore) Get(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Record, error) {
	d, err := within(s.coll(kind), scope).Get(ctx, uuid)
	if err != nil {
		return models.Record{}, recordError(err, kind, uuid)
	}
	return recordOf(d), nil
}

// Replace swaps a record's fields for body in one atomic write, when pre
// holds: its creation time and every piece of server-side state stay, its
// version moves on. NotFound (also when scope may see but not change
// it), or PreconditionFailed when pre does not hold.
func (s *RecordStore) Replace(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, body []byte, pre *models.Precondition) (models.Record, error) {
	d, err := within(s.coll(kind), scope).Update(ctx, uuid, func(cur Doc) (Doc, error) {
		admin, err := writable(cur, scope)
		if err != nil {
			return Doc{}, err
		}
		if !pre.Holds(cur.Version) {
			return Doc{}, ErrVersion
		}
		cur.Body = body // the rest of Admin as it is: the client owns only its fields
		cur.Admin = admin
		return cur, nil
	})
	if err != nil {
		return models.Record{}, recordError(err, kind, uuid)
	}
	return recordOf(d), nil
}

// Delete removes a record scope may change, when pre holds.
func (s *RecordStore) Delete(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, pre *models.Precondition) error {
	return recordError(deleteWithin(ctx, s.coll(kind), scope, uuid, pre), kind, uuid)
}

// List is one page of the records in scope q selects, and how many match.
func (s *RecordStore) List(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Record], error) {
	p, err := within(s.coll(kind), scope).List(ctx, q)
	if err != nil {
		return filter.Page[models.Record]{}, err
	}
	out := filter.Page[models.Record]{Items: make([]models.Record, len(p.Items)), Total: p.Total, Next: p.Next}
	for i, d := range p.Items {
		out.Items[i] = recordOf(d)
	}
	return out, nil
}

// Count is how many records in scope f matches.
func (s *RecordStore) Count(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error) {
	return within(s.coll(kind), scope).Count(ctx, f)
}

// AdoptUnowned gives the records no project owns (written before
// projects existed) to project; see the package function.
func (s *RecordStore) AdoptUnowned(ctx context.Context, project string) (int, error) {
	n := 0
	for _, kind := range models.Kinds() {
		k, err := AdoptUnowned(ctx, s.db, RecordSpec(kind), project)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Ping reports whether the database answers.
func (s *RecordStore) Ping(ctx context.Context) error { return s.db.Ping(ctx) }

// recordError says a backend outcome in the records' words.
func recordError(err error, kind models.Kind, uuid string) error {
	return storeError(err, kind.Singular(), uuid,
		models.Errorf(models.CodePreconditionFailed, "%s %s has changed: If-Match does not match its current ETag", kind.Singular(), uuid))
}
