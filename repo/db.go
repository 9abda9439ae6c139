// Package repo is the storage layer: the narrow interface every database
// backend implements (DB, Collection, Leases, Blobs: this file), and one
// store per domain over it (RecordStore, APPCStore), which translate the
// domain's types to stored documents and back. The backends are
// repo/sqlite (the embedded default) and repo/mongo; repo/repotest is the
// conformance suite both pass. Nothing here knows HTTP: errors are
// *models.Error values that handlers/ maps to statuses.
package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// DB is a database: named collections of documents, lease tables and blob
// stores. A backend creates what a spec names on first use. Safe for
// concurrent use; any number of DBs (service replicas) may share one
// database, and every operation below is atomic across them.
type DB interface {
	// Collection is the collection spec describes.
	Collection(spec CollectionSpec) Collection
	// Leases is the lease table of that name.
	Leases(name string) Leases
	// Blobs is the blob store of that name.
	Blobs(name string) Blobs
	// Ping reports whether the database answers (Unavailable when not).
	Ping(ctx context.Context) error
	// Now is the time the database writes in envelopes and expires
	// leases by: what a store compares a document's times with.
	Now() time.Time
	// Close releases the database; the DB is unusable afterwards.
	Close(ctx context.Context) error
}

// Doc is a stored document: its id, the envelope the store keeps, the
// document's own fields and its server-side state.
type Doc struct {
	ID string
	// Version is 1 once inserted and one more at each write.
	Version int64
	// Created and Modified are UTC at millisecond precision.
	Created  time.Time
	Modified time.Time
	// Body is a JSON object: the document as its writer gave it (for a
	// record: the fields without id). Stored so that it reads back as
	// these very bytes when they are compact JSON.
	Body json.RawMessage
	// Admin is a JSON object, or nil: state the server keeps with the
	// document (a module's, such as "appc"), written only by Update.
	Admin json.RawMessage
}

// Envelope names where a collection's envelope appears to readers: the
// top-level attribute names filters, sorts and views use for the id and
// the two times. A backend keeps them in its own columns or fields.
type Envelope struct {
	// ID are the names of the id: "uuid" for records, and "id" for a
	// field the client writes that always equals it. The first is the one
	// views render.
	ID []string
	// Created and Modified are the names of the times ("created_at",
	// "updated_at"), empty when not filterable.
	Created  string
	Modified string
}

// Fields are the envelope's attributes as the filter parser knows them.
func (e Envelope) Fields() filter.Fields {
	f := filter.Fields{}
	for _, n := range e.ID {
		f[n] = filter.Field{}
	}
	if e.Created != "" {
		f[e.Created] = filter.Field{Time: true}
	}
	if e.Modified != "" {
		f[e.Modified] = filter.Field{Time: true}
	}
	return f
}

// CollectionSpec describes a collection to the backend.
type CollectionSpec struct {
	Name     string
	Envelope Envelope
	// Indexed are top-level attributes of the body that hold one string
	// in every document (the writer guarantees it, e.g. by schema): each
	// gets an index in the default order, so a list filtered by equality
	// on it reads only what it returns.
	Indexed []string
	// IDFields are body attributes that always equal the id (records'
	// "id"). Bodies given to and read from the collection never hold
	// them; a backend that keeps whole documents (MongoDB) writes them
	// there too, so that what is stored reads as the client wrote it.
	IDFields []string
}

// Collection holds documents by id. Filters, sorts and markers name the
// envelope by spec.Envelope and the body by its own attribute paths, as
// readers see a document: body and envelope side by side.
type Collection interface {
	// Insert stores a new document: ErrExists when its id is taken
	// (atomically, however many inserts race). A zero Created is now, a
	// zero Modified is Created, a Version below 1 is 1; Admin is kept.
	Insert(ctx context.Context, d Doc) (Doc, error)
	// Get reads one document: ErrNotFound when there is none.
	Get(ctx context.Context, id string) (Doc, error)
	// Update rewrites a document in one atomic step: change gets the
	// current document and returns the next one (its Body and Admin are
	// written; id, Created and Version are the store's), or an error,
	// returned as it is with nothing written. The write gets version + 1
	// and Modified now. change may run more than once when another writer
	// got there first (it must decide from what it is given).
	// ErrNotFound when there is no such document.
	Update(ctx context.Context, id string, change func(cur Doc) (Doc, error)) (Doc, error)
	// Delete removes a document if pre holds for its version:
	// ErrNotFound, or ErrVersion when pre does not hold.
	Delete(ctx context.Context, id string, pre *models.Precondition) error
	// DeleteWhere removes every document f matches and says how many.
	DeleteWhere(ctx context.Context, f filter.Expr) (int64, error)
	// List is one page of the documents q selects, and how many match.
	List(ctx context.Context, q filter.Query) (filter.Page[Doc], error)
	// Count is how many documents f matches.
	Count(ctx context.Context, f filter.Expr) (int64, error)
	// Within is the collection as readers r see it: Get, Update, Delete,
	// List, Count and DeleteWhere find only the documents r may read
	// (others are ErrNotFound, or not listed); Insert is unchanged.
	Within(r Readers) Collection
}

// Readers are who may read a document: the projects in its Admin's
// "projects_read" (an array of strings, OSM's _admin.projects_read).
// Backends keep that list where a query can test it cheaply.
type Readers struct {
	// Projects: the documents whose projects_read holds one of them.
	Projects []string
	// Unowned: the documents with no projects_read (or an empty one),
	// those written before projects existed; Projects is then ignored.
	Unowned bool
}

// AdminProjectsRead is the Admin member naming a document's readers.
const AdminProjectsRead = "projects_read"

// ReadersOf is the projects_read list of a document's Admin (nil when
// it has none).
func ReadersOf(admin json.RawMessage) ([]string, error) {
	if len(admin) == 0 {
		return nil, nil
	}
	var a struct {
		ProjectsRead []string `json:"projects_read"`
	}
	if err := json.Unmarshal(admin, &a); err != nil {
		return nil, fmt.Errorf("projects_read: %w", err)
	}
	return a.ProjectsRead, nil
}

// Leases is a table of leases: a lease names what it holds (its id) and
// is held by one owner until it expires, unless renewed. Each operation is
// atomic across every DB on the database.
type Leases interface {
	// Take takes the lease for owner, or renews it when owner holds it,
	// until ttl from now, and returns the holder afterwards: owner when
	// taken, another owner when that one holds it (nothing waits). An
	// expired lease is free.
	Take(ctx context.Context, id, owner string, ttl time.Duration) (holder string, err error)
	// Release frees the lease when owner holds it (expired or not).
	Release(ctx context.Context, id, owner string) error
	// Holder is the owner holding the lease, "" when free or expired.
	Holder(ctx context.Context, id string) (string, error)
}

// Blobs stores byte strings by id (packages of the catalogue).
type Blobs interface {
	// Put stores what r holds under id, replacing what was there, and
	// returns its size. Nothing is replaced when reading r fails.
	Put(ctx context.Context, id string, r io.Reader) (int64, error)
	// Open reads the blob id: ErrNotFound when there is none. The reader
	// reads what was stored when Open returned.
	Open(ctx context.Context, id string) (io.ReadCloser, error)
	// Delete removes the blob id: ErrNotFound when there is none.
	Delete(ctx context.Context, id string) error
}

// The outcomes a domain store turns into its own words. Backends return
// them wrapped (errors.Is); database failures are *models.Error values
// with CodeUnavailable (retry later) or CodeInternal.
var (
	ErrNotFound = errors.New("no such document")
	ErrExists   = errors.New("a document with this id exists")
	ErrVersion  = errors.New("the document's version does not match")
)

// storeError says a backend outcome about document id, a what ("nsr",
// "vnfd", "request"), in the domain's words: NotFound, Conflict for an
// id taken, onVersion for a version that moved (nil: a Conflict to
// retry), a *models.Error as it is, anything else Internal.
func storeError(err error, what, id string, onVersion *models.Error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return models.Errorf(models.CodeNotFound, "%s %s not found", what, id)
	case errors.Is(err, ErrExists):
		return models.Errorf(models.CodeConflict, "%s %s already exists", what, id)
	case errors.Is(err, ErrVersion) && onVersion != nil:
		return onVersion
	case errors.Is(err, ErrVersion):
		return models.Errorf(models.CodeConflict, "%s %s changed meanwhile; retry", what, id)
	}
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	return Internal(fmt.Sprintf("%s %s", what, id), err)
}

// Clock is the time the store writes in envelopes and expires leases by.
type Clock func() time.Time

// Now is c's time as stored: UTC, whole milliseconds.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now().UTC().Truncate(time.Millisecond)
	}
	return c().UTC().Truncate(time.Millisecond)
}

// Unavailable is the error of a database that does not answer (or a
// request that ended first): the caller may retry.
func Unavailable(doing string, err error) error {
	return &models.Error{Code: models.CodeUnavailable, Detail: "the database is unreachable; retry later", Err: wrap(doing, err)}
}

// Canceled is the error of an operation whose context ended: the client
// went away (or the server is stopping) or its deadline passed; the
// database is fine.
func Canceled(doing string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return &models.Error{Code: models.CodeTimeout, Detail: "the request did not finish in time; retry later", Err: wrap(doing, err)}
	}
	return &models.Error{Code: models.CodeCanceled, Detail: "the request was canceled before the database answered", Err: wrap(doing, err)}
}

// StorageFull is the error of a write the database has no room for:
// writes work again once space is freed.
func StorageFull(doing string, err error) error {
	return &models.Error{Code: models.CodeStorageFull, Detail: "the database is full: writes fail until space is freed", Err: wrap(doing, err)}
}

// Internal is the error of a database failure that is a bug or needs an
// operator: logged in full, shown as "internal error".
func Internal(doing string, err error) error {
	return &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: wrap(doing, err)}
}

func wrap(doing string, err error) error {
	if err == nil {
		return errors.New(doing)
	}
	return fmt.Errorf("%s: %w", doing, err)
}
