package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// leases is a lease table (repo.Leases): a collection of one document per
// lease held, {_id, owner, expires}.
//
// Taking a free lease is one insert of the document whose _id is the
// lease's: the unique _id makes it atomic, so two replicas never both
// take it. When the document exists, its owner renews it with an update
// filtered by _id and owner, and an expired one is taken over by a delete
// filtered by _id, its owner and its expiry, then the insert again: a
// renewal or takeover that came first makes the delete delete nothing.
// A lease another owner holds is refused at once, on one read.
type leases struct {
	db   *DB
	name string
	c    *mongo.Collection
}

// maxLeaseAttempts bounds Take's retries while the lease changes between
// its reads and writes (a holder releasing, another taker first).
const maxLeaseAttempts = 10

// lease is a lease document.
type lease struct {
	ID      string    `bson:"_id"`
	Owner   string    `bson:"owner"`
	Expires time.Time `bson:"expires"`
}

// expired reports whether the lease is free at t.
func (l lease) expired(t time.Time) bool { return !t.Before(l.Expires) }

func (l *leases) doing(what, id string) string { return what + " lease " + l.name + "/" + id }

// Take takes or renews the lease for owner (repo.Leases).
func (l *leases) Take(ctx context.Context, id, owner string, ttl time.Duration) (string, error) {
	for range maxLeaseAttempts {
		holder, settled, err := l.takeOnce(ctx, id, owner, ttl)
		if err != nil || settled {
			return holder, err
		}
	}
	return "", &models.Error{Code: models.CodeConflict, Detail: "the lock is changing hands; retry",
		Err: fmt.Errorf("lease %s/%s: lost %d races to other takers", l.name, id, maxLeaseAttempts)}
}

// takeOnce is one attempt of Take: settled is false when the lease
// changed under it and the attempt must be made again.
func (l *leases) takeOnce(ctx context.Context, id, owner string, ttl time.Duration) (holder string, settled bool, err error) {
	now := l.db.now.Now()
	_, err = l.c.InsertOne(ctx, lease{ID: id, Owner: owner, Expires: now.Add(ttl)})
	if err == nil {
		return owner, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return "", false, classify(err, l.doing("take", id))
	}
	held, found, err := l.read(ctx, id)
	switch {
	case err != nil:
		return "", false, err
	case !found:
		return "", false, nil // released meanwhile: insert again
	case held.Owner == owner:
		res, err := l.c.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "expires", Value: now.Add(ttl)}}}})
		if err != nil {
			return "", false, classify(err, l.doing("renew", id))
		}
		return owner, res.MatchedCount == 1, nil
	case !held.expired(now):
		return held.Owner, true, nil
	}
	// Take it over from exactly that holder at exactly that expiry.
	_, err = l.c.DeleteOne(ctx, bson.D{
		{Key: "_id", Value: id}, {Key: "owner", Value: held.Owner}, {Key: "expires", Value: held.Expires}})
	if err != nil {
		return "", false, classify(err, l.doing("expire", id))
	}
	return "", false, nil
}

// read reads the lease document id.
func (l *leases) read(ctx context.Context, id string) (lease, bool, error) {
	var held lease
	err := l.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&held)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return lease{}, false, nil
	}
	if err != nil {
		return lease{}, false, classify(err, l.doing("read", id))
	}
	held.Expires = held.Expires.UTC()
	return held, true, nil
}

// Release frees the lease when owner holds it (repo.Leases).
func (l *leases) Release(ctx context.Context, id, owner string) error {
	_, err := l.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}})
	return classify(err, l.doing("release", id))
}

// Holder is the owner holding the lease, "" when free (repo.Leases).
func (l *leases) Holder(ctx context.Context, id string) (string, error) {
	held, found, err := l.read(ctx, id)
	if err != nil || !found || held.expired(l.db.now.Now()) {
		return "", err
	}
	return held.Owner, nil
}

var _ repo.Leases = (*leases)(nil)
