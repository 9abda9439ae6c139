// Package repo is the MongoDB access layer: records, their indexes, and the
// embedded store used when no MongoDB is configured. It knows nothing about
// HTTP; it returns *models.Error values that handlers/ maps to statuses.
package repo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/nfv-records/nfv-records/models"
)

// Config says which database to use and how long to wait for it.
type Config struct {
	URI      string
	Database string
	// Timeout bounds server selection: while the database is unreachable a
	// request fails after this long instead of hanging.
	Timeout time.Duration
	Logger  *slog.Logger
	// Embedded, when the database is the embedded store, lets the store
	// add the SQLite indexes FerretDB lacks. Its URI is used when URI is empty.
	Embedded *Embedded
}

// Store is the connection to the records database. It is safe for
// concurrent use; the service keeps no other state, so any number of
// replicas can share one database.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	log      *slog.Logger
	embedded *Embedded    // nil on MongoDB
	lists    *sqliteLists // lists read from SQLite, on the embedded store

	stopIndexes context.CancelFunc
	indexesDone sync.WaitGroup

	// atomicUpdates caches whether a conditional update is atomic on this
	// database (true on MongoDB, false on FerretDB); nil until known.
	atomicUpdates atomic.Pointer[bool]
}

// Open connects to the database. It does not wait for the database to
// answer: if it is down the store reports it on each call (and on Ping)
// and recovers by itself when it comes back. Indexes are created in the
// background, retried until they exist.
func Open(cfg Config) (*Store, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Database == "" {
		return nil, errors.New("repo: database name is empty")
	}
	if cfg.URI == "" && cfg.Embedded != nil {
		cfg.URI = cfg.Embedded.URI()
	}
	opts := options.Client().
		ApplyURI(cfg.URI).
		SetServerSelectionTimeout(cfg.Timeout).
		SetConnectTimeout(cfg.Timeout).
		SetBSONOptions(&options.BSONOptions{DefaultDocumentMap: true})
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("repo: connect %s: %w", redact(cfg.URI), err)
	}
	s := &Store{client: client, db: client.Database(cfg.Database), log: cfg.Logger, embedded: cfg.Embedded}
	if cfg.Embedded != nil {
		if s.lists, err = openSQLiteLists(cfg.Embedded.sqlitePath(cfg.Database)); err != nil {
			_ = client.Disconnect(context.Background())
			return nil, fmt.Errorf("repo: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopIndexes = cancel
	s.indexesDone.Add(1)
	go func() {
		defer s.indexesDone.Done()
		s.ensureIndexesLoop(ctx)
	}()
	return s, nil
}

// Close stops background work and disconnects.
func (s *Store) Close(ctx context.Context) error {
	s.stopIndexes()
	s.indexesDone.Wait()
	if s.lists != nil {
		if err := s.lists.close(); err != nil {
			s.log.Warn("close the embedded store's list reader", "error", err)
		}
	}
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("repo: disconnect: %w", err)
	}
	return nil
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return classify(err, "ping the database")
	}
	return nil
}

// Database exposes the underlying database, for benchmarks and tests that
// compare the service with the driver doing the same work.
func (s *Store) Database() *mongo.Database { return s.db }

// classify turns a driver error into an application error: an unreachable
// database is Unavailable (503, retry later); anything else unexpected is
// Internal.
func classify(err error, doing string) error {
	var sel topology.ServerSelectionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &sel), mongo.IsNetworkError(err), mongo.IsTimeout(err),
		errors.Is(err, mongo.ErrClientDisconnected),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &models.Error{Code: models.CodeUnavailable, Detail: "the database is unreachable; retry later", Err: fmt.Errorf("%s: %w", doing, err)}
	case isBadValue(err):
		// FerretDB v1 refuses some documents MongoDB stores (an array
		// directly inside an array): the record is unstorable here, not a bug.
		return &models.Error{Code: models.CodeUnprocessable, Detail: "the database cannot store this record: " + badValueMessage(err), Err: fmt.Errorf("%s: %w", doing, err)}
	default:
		return &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: fmt.Errorf("%s: %w", doing, err)}
	}
}

// badValue is MongoDB's BadValue error code.
const badValue = 2

func isBadValue(err error) bool { return badValueMessage(err) != "" }

func badValueMessage(err error) string {
	var we mongo.WriteException
	if errors.As(err, &we) {
		for _, e := range we.WriteErrors {
			if e.Code == badValue {
				return e.Message
			}
		}
	}
	return ""
}
