package mongo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Where the envelope lives in a stored document.
const (
	fieldID       = "_id"
	fieldAdmin    = "_admin"
	adminCreated  = "created"
	adminModified = "modified"
	adminVersion  = "version"
	fieldCreated  = fieldAdmin + "." + adminCreated
	fieldModified = fieldAdmin + "." + adminModified
	fieldVersion  = fieldAdmin + "." + adminVersion
)

// collection is a MongoDB collection of documents (repo.Collection).
type collection struct {
	db     *DB
	spec   repo.CollectionSpec
	c      *mongo.Collection
	rename filter.Rename
	// readers, when set, restricts every read to the documents they may
	// read (Within).
	readers *repo.Readers
}

// Within is the collection as r sees it (repo.Collection).
func (c *collection) Within(r repo.Readers) repo.Collection {
	v := *c
	v.readers = &r
	return &v
}

// fieldReaders is where a document's readers are: Admin's projects_read,
// stored under _admin.
const fieldReaders = fieldAdmin + "." + repo.AdminProjectsRead

// scope is the filter of c's readers, nil when every document is seen.
func (c *collection) scope() map[string]any {
	switch r := c.readers; {
	case r == nil:
		return nil
	case r.Unowned:
		return map[string]any{"$or": bson.A{
			bson.D{{Key: fieldReaders, Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: fieldReaders, Value: bson.D{{Key: "$size", Value: 0}}}},
		}}
	default:
		return map[string]any{fieldReaders: bson.D{{Key: "$in", Value: append(bson.A{}, anySlice(r.Projects)...)}}}
	}
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// within is f and c's readers.
func (c *collection) within(f map[string]any) map[string]any {
	scope := c.scope()
	switch {
	case scope == nil:
		return f
	case len(f) == 0:
		return scope
	}
	return map[string]any{"$and": bson.A{f, scope}}
}

// renameOf says where the envelope's names are stored: the id names at
// _id, the times under _admin.
func renameOf(env repo.Envelope) filter.Rename {
	r := filter.Rename{}
	for _, n := range env.ID {
		r[n] = fieldID
	}
	if env.Created != "" {
		r[env.Created] = fieldCreated
	}
	if env.Modified != "" {
		r[env.Modified] = fieldModified
	}
	return r
}

func (c *collection) doing(what, id string) string {
	return fmt.Sprintf("%s %s/%s", what, c.spec.Name, id)
}

func (c *collection) isIDField(name string) bool { return slices.Contains(c.spec.IDFields, name) }

// byID selects the document id.
func byID(id string) bson.D { return bson.D{{Key: fieldID, Value: id}} }

// document is the stored form of d: _id, _admin (the envelope, then the
// members of d.Admin), the id fields, then the members of d.Body in their
// order.
func (c *collection) document(d repo.Doc) (bson.D, error) {
	admin := bson.D{
		{Key: adminCreated, Value: d.Created},
		{Key: adminModified, Value: d.Modified},
		{Key: adminVersion, Value: d.Version},
	}
	if len(d.Admin) > 0 && string(d.Admin) != "null" {
		members, err := jsonMembers(d.Admin, 1) // under _admin
		if err != nil {
			return nil, fmt.Errorf("server-side state: %w", err)
		}
		for _, m := range members {
			if m.Key != adminCreated && m.Key != adminModified && m.Key != adminVersion {
				admin = append(admin, m)
			}
		}
	}
	body, err := jsonMembers(d.Body, 0)
	if err != nil {
		return nil, err
	}
	out := make(bson.D, 0, 2+len(c.spec.IDFields)+len(body))
	out = append(out, bson.E{Key: fieldID, Value: d.ID}, bson.E{Key: fieldAdmin, Value: admin})
	for _, f := range c.spec.IDFields {
		out = append(out, bson.E{Key: f, Value: d.ID})
	}
	for _, m := range body {
		switch {
		case m.Key == fieldID || m.Key == fieldAdmin:
			return nil, fmt.Errorf("%w: the attribute %s is the database's", errUnstorable, m.Key)
		case c.isIDField(m.Key):
			continue // always the id: written above
		}
		out = append(out, m)
	}
	return out, nil
}

// envelope is the envelope of a stored document.
type envelope struct {
	id                string
	created, modified time.Time
	version           int64
	// stored is the version as it is stored, whatever its type, nil when
	// there is none: what a conditional write filters by.
	stored any
	admin  bson.Raw // _admin, nil when there is none
}

// readEnvelope reads _id and _admin.
func readEnvelope(raw bson.Raw) (envelope, error) {
	var e envelope
	idv, err := raw.LookupErr(fieldID)
	if err != nil {
		return e, errors.New("a document without _id")
	}
	var ok bool
	if e.id, ok = idv.StringValueOK(); !ok {
		return e, fmt.Errorf("a document whose _id is a %s, not a string", idv.Type)
	}
	av, err := raw.LookupErr(fieldAdmin)
	if err != nil {
		return e, nil // written by something else: no envelope
	}
	if e.admin, ok = av.DocumentOK(); !ok {
		return e, fmt.Errorf("document %s: _admin is a %s, not a document", e.id, av.Type)
	}
	if v, err := e.admin.LookupErr(adminCreated); err == nil {
		if ms, ok := v.DateTimeOK(); ok {
			e.created = time.UnixMilli(ms).UTC()
		}
	}
	if v, err := e.admin.LookupErr(adminModified); err == nil {
		if ms, ok := v.DateTimeOK(); ok {
			e.modified = time.UnixMilli(ms).UTC()
		}
	}
	if v, err := e.admin.LookupErr(adminVersion); err == nil {
		e.stored = v
		e.version, _ = v.AsInt64OK()
	}
	return e, nil
}

// decode reads a stored document, and its envelope as stored.
func (c *collection) decode(raw bson.Raw) (repo.Doc, envelope, error) {
	e, err := readEnvelope(raw)
	if err != nil {
		return repo.Doc{}, e, err
	}
	d := repo.Doc{ID: e.id, Version: e.version, Created: e.created, Modified: e.modified}
	body, err := appendObject(nil, raw, func(k string) bool {
		return k == fieldID || k == fieldAdmin || c.isIDField(k)
	})
	if err != nil {
		return repo.Doc{}, e, fmt.Errorf("document %s: %w", e.id, err)
	}
	d.Body = body
	if e.admin != nil {
		admin, err := appendObject(nil, e.admin, func(k string) bool {
			return k == adminCreated || k == adminModified || k == adminVersion
		})
		if err != nil {
			return repo.Doc{}, e, fmt.Errorf("document %s: _admin: %w", e.id, err)
		}
		if string(admin) != "{}" {
			d.Admin = json.RawMessage(admin)
		}
	}
	return d, e, nil
}

// view is a stored document as readers see it, for the matcher and the
// orders: the body's members, and the envelope's names (the id, the
// times as time.Time).
func (c *collection) view(raw bson.Raw) (map[string]any, string, error) {
	e, err := readEnvelope(raw)
	if err != nil {
		return nil, "", err
	}
	elems, err := raw.Elements()
	if err != nil {
		return nil, "", err
	}
	view := make(map[string]any, len(elems)+2)
	for _, el := range elems {
		k := el.Key()
		if k == fieldID || k == fieldAdmin || c.isIDField(k) {
			continue
		}
		if view[k], err = goValue(el.Value()); err != nil {
			return nil, "", fmt.Errorf("document %s: %s: %w", e.id, k, err)
		}
	}
	env := c.spec.Envelope
	for _, n := range env.ID {
		view[n] = e.id
	}
	if env.Created != "" {
		view[env.Created] = e.created
	}
	if env.Modified != "" {
		view[env.Modified] = e.modified
	}
	return view, e.id, nil
}

// Insert stores a new document (repo.Collection).
func (c *collection) Insert(ctx context.Context, d repo.Doc) (repo.Doc, error) {
	d = repo.NewDoc(d, c.db.now.Now())
	doc, err := c.document(d)
	if err != nil {
		return repo.Doc{}, classifyWrite(err, c.doing("insert", d.ID))
	}
	if _, err := c.c.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return repo.Doc{}, repo.ErrExists
		}
		return repo.Doc{}, classifyWrite(err, c.doing("insert", d.ID))
	}
	return d, nil
}

// get reads the stored document id.
func (c *collection) get(ctx context.Context, id string, opts ...options.Lister[options.FindOneOptions]) (bson.Raw, error) {
	var find any = byID(id)
	if scope := c.scope(); scope != nil {
		find = bson.D{{Key: "$and", Value: bson.A{byID(id), scope}}}
	}
	raw, err := c.c.FindOne(ctx, find, opts...).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, repo.ErrNotFound
	}
	if err != nil {
		return nil, classify(err, c.doing("get", id))
	}
	return raw, nil
}

// Get reads one document (repo.Collection).
func (c *collection) Get(ctx context.Context, id string) (repo.Doc, error) {
	raw, err := c.get(ctx, id)
	if err != nil {
		return repo.Doc{}, err
	}
	d, _, err := c.decode(raw)
	if err != nil {
		return repo.Doc{}, repo.Internal(c.doing("read", id), err)
	}
	return d, nil
}

// versionFilter selects the document id at the version of e, as stored:
// one that has none (written by something else) is selected by its lack
// of one.
func versionFilter(id string, e envelope) bson.D {
	return bson.D{{Key: fieldID, Value: id}, {Key: fieldVersion, Value: e.stored}}
}

// Update rewrites a document (repo.Collection): one replaceOne filtered
// by _id and the version read, read again and retried when another writer
// got there first.
func (c *collection) Update(ctx context.Context, id string, change func(cur repo.Doc) (repo.Doc, error)) (repo.Doc, error) {
	for range maxAttempts {
		raw, err := c.get(ctx, id)
		if err != nil {
			return repo.Doc{}, err
		}
		cur, e, err := c.decode(raw)
		if err != nil {
			return repo.Doc{}, repo.Internal(c.doing("read", id), err)
		}
		next, err := change(cur)
		if err != nil {
			return repo.Doc{}, err
		}
		next.ID, next.Created, next.Version = cur.ID, cur.Created, cur.Version+1
		next.Modified = c.db.now.Now()
		doc, err := c.document(next)
		if err != nil {
			return repo.Doc{}, classifyWrite(err, c.doing("update", id))
		}
		res, err := c.c.ReplaceOne(ctx, versionFilter(id, e), doc)
		if err != nil {
			return repo.Doc{}, classifyWrite(err, c.doing("update", id))
		}
		if res.MatchedCount == 1 {
			return next, nil
		}
		// Another writer got there first (or deleted it): read again.
	}
	return repo.Doc{}, busy(c.doing("update", id))
}

// Delete removes a document when pre holds (repo.Collection): one
// deleteOne filtered by _id and the version pre was checked against.
func (c *collection) Delete(ctx context.Context, id string, pre *models.Precondition) error {
	for range maxAttempts {
		raw, err := c.get(ctx, id, options.FindOne().SetProjection(bson.D{{Key: fieldVersion, Value: 1}}))
		if err != nil {
			return err
		}
		e, err := readEnvelope(raw)
		if err != nil {
			return repo.Internal(c.doing("read", id), err)
		}
		if !pre.Holds(e.version) {
			return repo.ErrVersion
		}
		res, err := c.c.DeleteOne(ctx, versionFilter(id, e))
		if err != nil {
			return classify(err, c.doing("delete", id))
		}
		if res.DeletedCount == 1 {
			return nil
		}
		// The version moved between the read and the delete: decide again.
	}
	return busy(c.doing("delete", id))
}

// busy is the error of a write that kept losing races to other writers
// past maxAttempts. The client sees no storage names; the log does.
func busy(doing string) error {
	return &models.Error{Code: models.CodeConflict, Detail: "the record is being modified by other writers; retry",
		Err: fmt.Errorf("%s: lost %d races to other writers", doing, maxAttempts)}
}
