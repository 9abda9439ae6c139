package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/models"
)

// recordIndexes serve the default list order (newest first, ties by uuid)
// and the attributes lists are filtered by most. It builds new models on
// each call: the driver writes into an index's options when it creates it,
// so shared models would race between stores.
func recordIndexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		{Keys: bson.D{{Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("created_desc")},
		// In the list order after the value, so that a filtered page in the
		// default order reads only the records it returns (as the SQLite
		// indexes of the embedded store do).
		{Keys: bson.D{{Key: "status", Value: 1}, {Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("status_created_desc")},
		{Keys: bson.D{{Key: "descriptor_reference", Value: 1}, {Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("descriptor_reference_created_desc")},
	}
}

// EnsureIndexes creates the indexes of every record collection and of the
// LCM module's collections. It is idempotent. Indexes are created one by
// one: FerretDB v1 drops the connection (a panic inside it) when
// createIndexes names several indexes that already exist.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, kind := range models.Kinds() {
		for _, idx := range recordIndexes() {
			if _, err := s.db.Collection(string(kind)).Indexes().CreateOne(ctx, idx); err != nil {
				return fmt.Errorf("create indexes on %s: %w", kind, err)
			}
		}
	}
	for _, idx := range lcmIndexes() {
		if _, err := s.db.Collection(lcmRequestsCollection).Indexes().CreateOne(ctx, idx); err != nil {
			return fmt.Errorf("create indexes on %s: %w", lcmRequestsCollection, err)
		}
	}
	// The lock collections exist before indexIDs runs, so the embedded
	// store indexes their _id too.
	for _, c := range []string{locksCollection, lcmLocksCollection, lcmRunsCollection} {
		if err := s.db.CreateCollection(ctx, c); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("create %s: %w", c, err)
		}
	}
	if s.embedded != nil {
		if err := s.embedded.indexIDs(ctx, s.db.Name()); err != nil {
			return fmt.Errorf("index _id on the embedded store: %w", err)
		}
	}
	return nil
}

// isNamespaceExists reports MongoDB's NamespaceExists (48): the collection
// is already there.
func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}

// ensureIndexesLoop retries EnsureIndexes with backoff until it succeeds or
// ctx ends, so a service started before its database still gets indexes.
func (s *Store) ensureIndexesLoop(ctx context.Context) {
	delay := 500 * time.Millisecond
	for {
		err := s.EnsureIndexes(ctx)
		if err == nil {
			s.log.Info("indexes ready")
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("cannot create indexes yet; will retry", "error", err, "retry_in", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}
