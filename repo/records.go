package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/nfv-records/nfv-records/models"
)

// Where the envelope lives in a stored record.
const (
	fieldAdmin    = "_admin"
	fieldCreated  = fieldAdmin + ".created"
	fieldModified = fieldAdmin + ".modified"
	fieldVersion  = fieldAdmin + ".version"
)

// maxReplaceAttempts bounds the optimistic retry of an unconditional
// replace that keeps losing races to other writers.
const maxReplaceAttempts = 50

// storedRecord is a record document: _id, _admin, and the client's fields
// inline at the top level.
type storedRecord struct {
	ID     string         `bson:"_id"`
	Admin  models.Admin   `bson:"_admin"`
	Fields map[string]any `bson:",inline"`
}

func (d storedRecord) record() models.Record {
	return models.Record{UUID: d.ID, Fields: d.Fields, Admin: d.Admin}
}

// Precondition decides, from the stored envelope, whether a conditional
// write may go ahead (If-Match). nil means unconditional.
type Precondition func(current models.Admin) bool

// now is the envelope time: UTC, at the millisecond precision BSON dates keep.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func (s *Store) records(kind models.Kind) *mongo.Collection { return s.db.Collection(string(kind)) }

func notFound(kind models.Kind, uuid string) error {
	return models.Errorf(models.CodeNotFound, "%s %s not found", kind.Singular(), uuid)
}

func preconditionFailed(kind models.Kind, uuid string) error {
	return models.Errorf(models.CodePreconditionFailed, "%s %s has changed: If-Match does not match its current ETag", kind.Singular(), uuid)
}

// Create stores a new record. A uuid that is taken is a Conflict; the
// unique _id makes that hold however many creates race.
func (s *Store) Create(ctx context.Context, kind models.Kind, uuid string, fields map[string]any) (models.Record, error) {
	t := now()
	doc := storedRecord{ID: uuid, Admin: models.Admin{Created: t, Modified: t, Version: 1}, Fields: fields}
	if _, err := s.records(kind).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return models.Record{}, models.Errorf(models.CodeConflict, "%s %s already exists", kind.Singular(), uuid)
		}
		return models.Record{}, classify(err, fmt.Sprintf("insert %s %s", kind.Singular(), uuid))
	}
	return doc.record(), nil
}

// Get reads one record.
func (s *Store) Get(ctx context.Context, kind models.Kind, uuid string) (models.Record, error) {
	var doc storedRecord
	err := s.records(kind).FindOne(ctx, bson.D{{Key: "_id", Value: uuid}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return models.Record{}, notFound(kind, uuid)
	}
	if err != nil {
		return models.Record{}, classify(err, fmt.Sprintf("get %s %s", kind.Singular(), uuid))
	}
	return doc.record(), nil
}

// Replace swaps a record's fields for new ones in one replaceOne (never
// delete-then-insert), keeping its creation time and its APPC state, and
// bumping its version. With a precondition the loser of a race gets
// PreconditionFailed; without one it re-reads and tries again (see rewrite).
func (s *Store) Replace(ctx context.Context, kind models.Kind, uuid string, fields map[string]any, ifMatch Precondition) (models.Record, error) {
	return s.rewrite(ctx, kind, uuid, func(cur models.Record) (models.Record, error) {
		if ifMatch != nil && !ifMatch(cur.Admin) {
			return models.Record{}, preconditionFailed(kind, uuid)
		}
		// The client owns the fields; the system state under _admin stays.
		return models.Record{Fields: fields, Admin: models.Admin{APPC: cur.Admin.APPC}}, nil
	})
}

// rewrite is the one conditional write of a record, shared by Replace and
// ModifyVNF: it reads the record, lets change build the next one from it
// (its Fields and Admin.APPC are written; uuid, creation time and version
// are the store's), and replaces the record in one replaceOne conditional
// on the version read, with version + 1 and modified now. When another
// writer got there first it reads again and calls change again, so change
// must decide from what it is given; an error from change is returned as
// it is, with nothing written. Where the database does not make the
// condition atomic (FerretDB), the record is also locked around the write.
func (s *Store) rewrite(ctx context.Context, kind models.Kind, uuid string, change func(cur models.Record) (models.Record, error)) (models.Record, error) {
	unlock, err := s.lockRecordWrite(ctx, kind, uuid)
	if err != nil {
		return models.Record{}, err
	}
	defer unlock()
	for range maxReplaceAttempts {
		cur, err := s.Get(ctx, kind, uuid)
		if err != nil {
			return models.Record{}, err
		}
		// Kept before change sees cur, which it may alter.
		created, version := cur.Admin.Created, cur.Admin.Version
		want, err := change(cur)
		if err != nil {
			return models.Record{}, err
		}
		next := storedRecord{ID: uuid, Fields: want.Fields, Admin: models.Admin{
			Created:  created,
			Modified: now(),
			Version:  version + 1,
			APPC:     want.Admin.APPC,
		}}
		res, err := s.records(kind).ReplaceOne(ctx,
			bson.D{{Key: "_id", Value: uuid}, {Key: fieldVersion, Value: version}}, next)
		if err != nil {
			return models.Record{}, classify(err, fmt.Sprintf("replace %s %s", kind.Singular(), uuid))
		}
		if res.MatchedCount == 1 {
			return next.record(), nil
		}
		// Another writer got there first (or deleted it): read again.
	}
	return models.Record{}, models.Errorf(models.CodeConflict,
		"%s %s is being modified by other writers; retry", kind.Singular(), uuid)
}

// Delete removes a record, conditionally on its current version when a
// precondition is given.
func (s *Store) Delete(ctx context.Context, kind models.Kind, uuid string, ifMatch Precondition) error {
	unlock, err := s.lockRecordWrite(ctx, kind, uuid)
	if err != nil {
		return err
	}
	defer unlock()
	for range maxReplaceAttempts {
		match := bson.D{{Key: "_id", Value: uuid}}
		if ifMatch != nil {
			cur, err := s.Get(ctx, kind, uuid)
			if err != nil {
				return err
			}
			if !ifMatch(cur.Admin) {
				return preconditionFailed(kind, uuid)
			}
			match = append(match, bson.E{Key: fieldVersion, Value: cur.Admin.Version})
		}
		res, err := s.records(kind).DeleteOne(ctx, match)
		if err != nil {
			return classify(err, fmt.Sprintf("delete %s %s", kind.Singular(), uuid))
		}
		if res.DeletedCount == 1 {
			return nil
		}
		if ifMatch == nil {
			return notFound(kind, uuid)
		}
		// The version moved between the read and the delete: decide again.
	}
	return models.Errorf(models.CodeConflict, "%s %s is being modified by other writers; retry", kind.Singular(), uuid)
}
