// Package mongo is the MongoDB backend of repo, through the official
// driver (go.mongodb.org/mongo-driver/v2).
//
// A collection spec is a MongoDB collection of the same name, holding one
// document per repo.Doc in the layout the service always stored records
// in (existing deployments keep working):
//
//	{_id: id, _admin: {created: date, modified: date, version: int64, ...Admin}, ...IDFields: id, ...Body}
//
// Filters are pushed down whole (filter.Expr.MongoFilter, the envelope
// renamed to where it is stored), and so is a page in the default order
// (newest first, ties by id descending), a keyset seek on the
// created_desc index for a marker; other orders are paged in Go
// (repo.Window) over what the filter selects. Conditional writes are one
// replaceOne or deleteOne filtered by _id and the version read, which
// MongoDB makes atomic; a lease is a document whose unique _id makes its
// taking atomic; blobs are GridFS files.
//
// FerretDB v1, the MongoDB-wire stand-in the tests use when no MongoDB is
// at hand, is recognised by its buildInfo: it gets a wider filter
// (filter.Expr.WideMongoFilter, no $elemMatch, no array positions) and the
// exact matcher decides in Go. Its conditional writes are not atomic
// (it reads the filter, then writes by _id alone): fine for tests, not for
// production.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Config says which database to use and how long to wait for it.
type Config struct {
	// URI is the MongoDB connection string.
	URI string
	// Database is the database's name.
	Database string
	// Timeout bounds server selection and connecting: while the database
	// is unreachable a call fails after this long instead of hanging.
	// 0 is 5 seconds.
	Timeout time.Duration
	// Clock is the envelope's and the leases' time; nil is the system clock.
	Clock  repo.Clock
	Logger *slog.Logger
}

// DB is a MongoDB database (repo.DB). See the package comment.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	now    repo.Clock
	log    *slog.Logger

	// ferret caches whether the server is FerretDB; nil until known.
	ferret atomic.Pointer[bool]

	bg         context.Context // background work (index creation) ends with it
	stopBg     context.CancelFunc
	wg         sync.WaitGroup
	indexRetry time.Duration // the first wait before creating indexes again

	mu      sync.Mutex
	indexes map[string]bool // collection name + "\x00" + index name: creation started
	closed  bool
}

// Open connects to the database. It does not wait for the database to
// answer: while it is unreachable every call (Ping too) fails as
// repo.Unavailable, and it recovers by itself when the database is back.
// The indexes of a collection are created in the background on first use
// of its spec, retried until they exist (or the database refuses them
// for good: they are then logged as an error).
func Open(cfg Config) (*DB, error) {
	if cfg.Database == "" {
		return nil, errors.New("mongo: database name is empty")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	opts := options.Client().
		ApplyURI(cfg.URI).
		SetServerSelectionTimeout(cfg.Timeout).
		SetConnectTimeout(cfg.Timeout)
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect %s: %w", redact(cfg.URI), err)
	}
	bg, stop := context.WithCancel(context.Background())
	return &DB{client: client, db: client.Database(cfg.Database), now: cfg.Clock, log: cfg.Logger,
		bg: bg, stopBg: stop, indexRetry: 500 * time.Millisecond, indexes: map[string]bool{}}, nil
}

// redact hides the password of a connection string.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "<unparseable uri>"
	}
	return u.Redacted()
}

// Close stops the background work and disconnects.
func (db *DB) Close(ctx context.Context) error {
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.stopBg()
	db.wg.Wait()
	if err := db.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return fmt.Errorf("mongo: disconnect: %w", err)
	}
	return nil
}

// Now is the database's clock (repo.DB).
func (db *DB) Now() time.Time { return db.now.Now() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return classify(db.client.Ping(ctx, nil), "ping the database")
}

// Database is the driver's database, for tests and benchmarks.
func (db *DB) Database() *mongo.Database { return db.db }

// Drop drops the whole database (tests).
func (db *DB) Drop(ctx context.Context) error {
	return classify(db.db.Drop(ctx), "drop the database")
}

// Collection is the collection spec describes (repo.DB). It starts the
// creation of the spec's indexes the first time it sees them, never
// waiting for it.
func (db *DB) Collection(spec repo.CollectionSpec) repo.Collection {
	c := &collection{db: db, spec: spec, c: db.db.Collection(spec.Name), rename: renameOf(spec.Envelope)}
	db.ensureIndexes(spec)
	return c
}

// Leases is the lease table name: a collection of that name.
func (db *DB) Leases(name string) repo.Leases {
	return &leases{db: db, name: name, c: db.db.Collection(name)}
}

// Blobs is the blob store name: a GridFS bucket of that name, and the
// collections naming each blob's current file.
func (db *DB) Blobs(name string) repo.Blobs {
	return &blobs{db: db, name: name,
		bucket:  db.db.GridFSBucket(options.GridFSBucket().SetName(name)),
		ids:     db.db.Collection(name + ".ids"),
		retired: db.db.Collection(name + ".retired")}
}

// isFerretDB reports whether the server is FerretDB (its buildInfo says
// so), asking it once.
func (db *DB) isFerretDB(ctx context.Context) (bool, error) {
	if v := db.ferret.Load(); v != nil {
		return *v, nil
	}
	var info bson.M
	if err := db.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, classify(err, "ask the database what it is")
	}
	_, ferret := info["ferretdbVersion"]
	db.ferret.Store(&ferret)
	return ferret, nil
}

var (
	_ repo.DB         = (*DB)(nil)
	_ repo.Collection = (*collection)(nil)
	_ repo.Blobs      = (*blobs)(nil)
)

// maxAttempts bounds the optimistic retries of a conditional write that
// keeps losing races to other writers.
const maxAttempts = 50

// classify turns a driver error into an application error: a request
// that ended is Canceled, an unreachable database (or a timeout, a
// network failure, a closed client) Unavailable, anything else Internal.
func classify(err error, doing string) error {
	var me *models.Error
	var sel topology.ServerSelectionError
	var se mongo.ServerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me):
		return err
	case errors.As(err, &se) && se.HasErrorCode(outOfDiskSpace):
		return repo.StorageFull(doing, err)
	case errors.Is(err, context.Canceled):
		return repo.Canceled(doing, err)
	case errors.As(err, &sel), mongo.IsNetworkError(err), errors.Is(err, mongo.ErrClientDisconnected):
		return repo.Unavailable(doing, err)
	case errors.Is(err, context.DeadlineExceeded):
		return repo.Canceled(doing, err)
	case mongo.IsTimeout(err):
		return repo.Unavailable(doing, err)
	}
	return repo.Internal(doing, err)
}

// outOfDiskSpace is MongoDB's error code for a write the server has no
// disk for.
const outOfDiskSpace = 14031

// MongoDB's error codes for a document it will not store.
const (
	badValue       = 2
	objectTooLarge = 10334 // BSONObjectTooLarge
)

// classifyWrite is classify for a write of a document, which may fail
// for the document itself, not the database: what jsonMembers refuses, a
// document beyond MongoDB's 16 MB, and what FerretDB v1 refuses where
// MongoDB stores it (an array directly inside an array: BadValue) are
// Unprocessable, never internal errors.
func classifyWrite(err error, doing string) error {
	var se mongo.ServerError
	var why string
	switch {
	case errors.Is(err, errUnstorable):
		why = err.Error()
	case errors.Is(err, driver.ErrDocumentTooLarge), errors.As(err, &se) && se.HasErrorCode(objectTooLarge):
		why = "it is larger than the database's limit of 16 MB"
	case errors.As(err, &se) && se.HasErrorCode(badValue):
		why = badValueMessage(err)
	default:
		return classify(err, doing)
	}
	return &models.Error{Code: models.CodeUnprocessable, Detail: "the database cannot store this record: " + why, Err: fmt.Errorf("%s: %w", doing, err)}
}

func badValueMessage(err error) string {
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if e.Code == badValue {
				return e.Message
			}
		}
	}
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		return ce.Message
	}
	return err.Error()
}

// Indexes.

// indexModels are the indexes of a spec: the default order (newest
// first, ties by id: created_desc) and each indexed attribute before it
// (attr_created_desc), so that a page in the default order filtered by
// equality on it reads only what it returns. The names are the ones the
// service always gave them (status_created_desc, ...). Built anew on each
// call: the driver writes into an index's options when it creates it.
func indexModels(spec repo.CollectionSpec) []mongo.IndexModel {
	out := []mongo.IndexModel{{
		Keys:    bson.D{{Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}},
		Options: options.Index().SetName("created_desc"),
	}, {
		// A list within projects walks its readers' part, newest first.
		Keys:    bson.D{{Key: fieldReaders, Value: 1}, {Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}},
		Options: options.Index().SetName("readers_created_desc"),
	}}
	for _, attr := range spec.Indexed {
		out = append(out, mongo.IndexModel{
			Keys:    bson.D{{Key: attr, Value: 1}, {Key: fieldCreated, Value: -1}, {Key: "_id", Value: -1}},
			Options: options.Index().SetName(indexName(attr)),
		})
	}
	return out
}

// indexName is the name of an indexed attribute's index.
func indexName(attr string) string { return attr + "_created_desc" }

// ensureIndexes starts, in the background, the creation of the spec's
// indexes that this DB has not started yet.
func (db *DB) ensureIndexes(spec repo.CollectionSpec) {
	names := make([]string, 0, 1+len(spec.Indexed))
	names = append(names, "created_desc")
	for _, attr := range spec.Indexed {
		names = append(names, indexName(attr))
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return
	}
	fresh := false
	for _, n := range names {
		if k := spec.Name + "\x00" + n; !db.indexes[k] {
			db.indexes[k] = true
			fresh = true
		}
	}
	if !fresh {
		return
	}
	db.wg.Add(1)
	go func() {
		defer db.wg.Done()
		db.createIndexesLoop(spec)
	}()
}

// maxIndexRefusals bounds the attempts at creating a spec's indexes that
// the database answers with an error: a few mend a primary stepping
// down, none an index of the same name with other keys or a missing
// permission. An unreachable database is waited for until the DB closes.
const maxIndexRefusals = 6

// createIndexesLoop creates the spec's indexes, retrying with backoff
// until they exist, the database has refused them maxIndexRefusals times,
// or the DB closes: a service started before its database still gets
// them.
func (db *DB) createIndexesLoop(spec repo.CollectionSpec) {
	delay := db.indexRetry
	for refusals := 0; ; {
		err := db.createIndexes(db.bg, spec)
		switch {
		case err == nil:
			db.log.Debug("indexes ready", "collection", spec.Name)
			return
		case db.bg.Err() != nil:
			return
		case !unreachable(err):
			if refusals++; refusals == maxIndexRefusals {
				db.log.Error("the database refuses to create indexes; lists of the collection will be slow until it is mended and the service restarted", "collection", spec.Name, "error", err)
				return
			}
		}
		db.log.Warn("cannot create indexes yet; will retry", "collection", spec.Name, "error", err, "retry_in", delay.String())
		select {
		case <-db.bg.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

// createIndexes creates the indexes one by one: FerretDB v1 drops the
// connection (a panic inside it) when createIndexes names several
// indexes that already exist. Creating an index that exists is a no-op;
// one the database refuses does not keep the others from being created.
func (db *DB) createIndexes(ctx context.Context, spec repo.CollectionSpec) error {
	iv := db.db.Collection(spec.Name).Indexes()
	var errs []error
	for _, m := range indexModels(spec) {
		if _, err := iv.CreateOne(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("create indexes on %s: %w", spec.Name, err))
			if unreachable(err) {
				break // the next ones would wait as long
			}
		}
	}
	return errors.Join(errs...)
}

// unreachable reports whether err says the database did not answer (or
// ctx ended), rather than answered with an error.
func unreachable(err error) bool {
	return models.ErrorCodeOf(classify(err, "")) == models.CodeUnavailable
}
