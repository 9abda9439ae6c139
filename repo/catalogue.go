package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// EntryStore keeps entries of OSM's shape, each owned by projects and
// unique by a key in each of them: the catalogue (orchestrator/catalogue:
// a collection per kind, vnfds and nsds, unique by descriptor id, with
// the packages and descriptors in a blob store and the uploads in
// parts), and the VIM accounts (orchestrator/nslcm: unique by name).
type EntryStore struct {
	db DB
	// spec is the collection of a kind of entries; key names what is
	// unique in a project ("id", "name").
	spec func(kind string) CollectionSpec
	key  string
}

// NewCatalogueStore is the catalogue store over db.
func NewCatalogueStore(db DB) *EntryStore {
	return &EntryStore{db: db, spec: CatalogueSpec, key: "id"}
}

// NewVIMStore is the store of VIM accounts over db: entries of kind
// "vim", each name unique in its projects, in their own collection.
func NewVIMStore(db DB) *EntryStore {
	return &EntryStore{db: db, spec: func(string) CollectionSpec { return VIMSpec }, key: "name"}
}

// VIMSpec is the collection of VIM accounts, found by name.
var VIMSpec = CollectionSpec{Name: "vim_accounts", Envelope: catalogueEnvelope, Indexed: []string{"name"}}

// catalogueEnvelope: entries are named by _id (their uuid).
var catalogueEnvelope = Envelope{ID: []string{"_id"}, Created: "created", Modified: "modified"}

// CatalogueSpec is the collection of a kind of entries ("vnfd", "nsd").
func CatalogueSpec(kind string) CollectionSpec {
	return CollectionSpec{Name: "catalogue_" + kind + "s", Envelope: catalogueEnvelope, Indexed: []string{"id"}}
}

// catalogueIDs holds one document per descriptor id in use in a project:
// id "<kind>/<project>/<descriptor id>", body {"id": the entry's uuid}.
var catalogueIDSpec = CollectionSpec{Name: "catalogue_ids"}

// catalogueBlobs holds the contents: a package as uploaded under its
// content id, its descriptor under the id + descriptorBlob.
const (
	catalogueBlobs = "catalogue"
	descriptorBlob = ".descriptor"
)

func (s *EntryStore) coll(kind string) Collection { return s.db.Collection(s.spec(kind)) }

func entryOf(d Doc) models.Entry {
	return models.Entry{UUID: d.ID, Body: d.Body, Admin: d.Admin, Created: d.Created, Modified: d.Modified, Version: d.Version}
}

func (s *EntryStore) idKey(kind, project, descID string) string {
	return kind + "/" + project + "/" + descID
}

// reserveID makes descID name uuid in each of projects: Conflict naming
// it when another entry holds it there (a key whose entry is gone, and
// older than a minute, is taken over: an upload that died halfway).
func (s *EntryStore) reserveID(ctx context.Context, kind string, projects []string, descID, uuid string) error {
	keys := uniqueKeys{db: s.db, spec: catalogueIDSpec}
	alive := func(holder string) (bool, error) { // the holder exists and still carries the id
		d, err := s.coll(kind).Get(ctx, holder)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		key, err := s.bodyKey(d.Body)
		return err == nil && key == descID, err
	}
	var done []string
	for _, p := range projects {
		key := s.idKey(kind, p, descID)
		if err := keys.take(ctx, key, uuid, alive); err != nil {
			for _, k := range done {
				keys.release(ctx, k, uuid)
			}
			if errors.Is(err, ErrExists) {
				return models.Errorf(models.CodeConflict, "%s with %s %s exists in this project: replace it with a PUT, or delete it first", entryLabel(kind), s.key, models.Quote(descID))
			}
			return err
		}
		done = append(done, key)
	}
	return nil
}

// entryLabel names a kind of entries in a message.
func entryLabel(kind string) string {
	switch kind {
	case "vnfd":
		return "a VNFD"
	case "nsd":
		return "an NSD"
	case "vim":
		return "a VIM account"
	}
	return "a " + kind
}

func (s *EntryStore) releaseKey(ctx context.Context, key, uuid string) {
	uniqueKeys{db: s.db, spec: catalogueIDSpec}.release(ctx, key, uuid)
}

// PutContent stores a package as uploaded and its descriptor, under a
// new content id of their own: an entry names it (its storage), so a
// replaced package is swapped in one write of the entry, and the old
// content dropped after.
func (s *EntryStore) PutContent(ctx context.Context, pkg, descriptor []byte) (string, error) {
	id := "content/" + uuid.NewString()
	blobs := s.db.Blobs(catalogueBlobs)
	if _, err := blobs.Put(ctx, id, bytes.NewReader(pkg)); err != nil {
		return "", err
	}
	if _, err := blobs.Put(ctx, id+descriptorBlob, bytes.NewReader(descriptor)); err != nil {
		s.DropContent(ctx, id)
		return "", err
	}
	return id, nil
}

// DropContent removes what PutContent stored under id ("" is none).
func (s *EntryStore) DropContent(ctx context.Context, id string) {
	if id == "" {
		return
	}
	ctx = context.WithoutCancel(ctx) // content no entry names is dropped, whoever went away
	blobs := s.db.Blobs(catalogueBlobs)
	_ = blobs.Delete(ctx, id)
	_ = blobs.Delete(ctx, id+descriptorBlob)
}

// OpenContent reads the package (or its descriptor) stored under id: the
// caller checks the entry naming it is in scope first.
func (s *EntryStore) OpenContent(ctx context.Context, id string, descriptor bool) (io.ReadCloser, error) {
	if descriptor {
		id += descriptorBlob
	}
	rc, err := s.db.Blobs(catalogueBlobs).Open(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, models.Errorf(models.CodeNotFound, "the package is not stored")
	}
	return rc, err
}

// Create stores a new entry owned by scope's projects; descID, when not
// empty, is its descriptor id, unique in each of those projects
// (Conflict naming it otherwise). Nothing is left behind when it fails.
func (s *EntryStore) Create(ctx context.Context, scope models.Scope, kind, descID string, e models.Entry) (models.Entry, error) {
	admin, err := ownedAdmin(e.Admin, scope)
	if err != nil {
		return models.Entry{}, Internal("create "+kind, err)
	}
	p, _ := projectsOf(admin)
	if descID != "" {
		if err := s.reserveID(ctx, kind, p.Write, descID, e.UUID); err != nil {
			return models.Entry{}, err
		}
	}
	d, err := s.coll(kind).Insert(ctx, Doc{ID: e.UUID, Body: e.Body, Admin: admin})
	if err != nil {
		s.releaseIDs(ctx, kind, p.Write, descID, e.UUID)
		return models.Entry{}, catalogueError(err, kind, e.UUID)
	}
	return entryOf(d), nil
}

func (s *EntryStore) releaseIDs(ctx context.Context, kind string, projects []string, descID, uuid string) {
	if descID == "" {
		return
	}
	for _, p := range projects {
		s.releaseKey(ctx, s.idKey(kind, p, descID), uuid)
	}
}

// Update changes an entry scope may change, in one write: change gets
// the entry (its Body and Admin, the projects included) and returns the
// next, with its descriptor id (the same, a new one, or "" for none).
// A new descriptor id is reserved in the entry's projects first
// (Conflict naming it), the old one released after.
func (s *EntryStore) Update(ctx context.Context, scope models.Scope, kind, uuid string, change func(cur models.Entry) (models.Entry, string, error)) (models.Entry, error) {
	c := within(s.coll(kind), scope)
	cur, err := c.Get(ctx, uuid)
	if err != nil {
		return models.Entry{}, catalogueError(err, kind, uuid)
	}
	oldID, err := s.bodyKey(cur.Body)
	if err != nil {
		return models.Entry{}, Internal("read "+kind+" "+uuid, err)
	}
	probe, newID, err := change(entryOf(cur))
	if err != nil {
		return models.Entry{}, err
	}
	p, _ := projectsOf(probe.Admin)
	if newID != "" && newID != oldID {
		if err := s.reserveID(ctx, kind, p.Write, newID, uuid); err != nil {
			return models.Entry{}, err
		}
	}
	d, err := c.Update(ctx, uuid, func(d Doc) (Doc, error) {
		if _, err := writable(d, scope); err != nil {
			return Doc{}, err
		}
		next, id, err := change(entryOf(d))
		if err != nil {
			return Doc{}, err
		}
		if id != newID {
			return Doc{}, models.Errorf(models.CodeConflict, "%s %s changed meanwhile; retry", kind, uuid)
		}
		d.Body, d.Admin = next.Body, next.Admin
		return d, nil
	})
	if err != nil {
		if newID != oldID {
			s.releaseIDs(ctx, kind, p.Write, newID, uuid)
		}
		return models.Entry{}, catalogueError(err, kind, uuid)
	}
	if newID != oldID {
		s.releaseIDs(ctx, kind, p.Write, oldID, uuid)
	}
	return entryOf(d), nil
}

// bodyKey is the unique key of an entry's body: its field s.key.
func (s *EntryStore) bodyKey(body json.RawMessage) (string, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(body, &b); err != nil {
		return "", err
	}
	var k string
	if raw, ok := b[s.key]; ok {
		if err := json.Unmarshal(raw, &k); err != nil {
			return "", err
		}
	}
	return k, nil
}

// Get reads an entry in scope.
func (s *EntryStore) Get(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error) {
	d, err := within(s.coll(kind), scope).Get(ctx, uuid)
	if err != nil {
		return models.Entry{}, catalogueError(err, kind, uuid)
	}
	return entryOf(d), nil
}

// List is a page of the entries in scope q selects.
func (s *EntryStore) List(ctx context.Context, scope models.Scope, kind string, q filter.Query) (filter.Page[models.Entry], error) {
	p, err := within(s.coll(kind), scope).List(ctx, q)
	if err != nil {
		return filter.Page[models.Entry]{}, err
	}
	return entryPage(p), nil
}

// entryPage is a page of documents as entries.
func entryPage(p filter.Page[Doc]) filter.Page[models.Entry] {
	out := filter.Page[models.Entry]{Items: make([]models.Entry, len(p.Items)), Total: p.Total, Next: p.Next}
	for i, d := range p.Items {
		out.Items[i] = entryOf(d)
	}
	return out
}

// Count is how many entries in scope f matches.
func (s *EntryStore) Count(ctx context.Context, scope models.Scope, kind string, f filter.Expr) (int64, error) {
	return within(s.coll(kind), scope).Count(ctx, f)
}

// Delete removes an entry scope may change and frees its descriptor id;
// it returns the entry as it was (its content is the caller's to drop).
func (s *EntryStore) Delete(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error) {
	cur, err := within(s.coll(kind), scope).Get(ctx, uuid)
	if err != nil {
		return models.Entry{}, catalogueError(err, kind, uuid)
	}
	if err := deleteWithin(ctx, s.coll(kind), scope, uuid, &models.Precondition{Versions: []int64{cur.Version}}); err != nil {
		return models.Entry{}, catalogueError(err, kind, uuid)
	}
	descID, _ := s.bodyKey(cur.Body)
	p, _ := projectsOf(cur.Admin)
	s.releaseIDs(ctx, kind, p.Write, descID, uuid)
	return entryOf(cur), nil
}

func catalogueError(err error, kind, uuid string) error { return storeError(err, kind, uuid, nil) }

// Chunked uploads (Content-Range with Transaction-Id): each pending
// upload is a document (what has arrived, who sends it) and its chunks
// are blobs, put together once the last arrives. Any replica takes the
// next chunk.
var catalogueUploadSpec = CollectionSpec{Name: "catalogue_uploads", Envelope: Envelope{Created: "started"}}

// chunkBlob is a new name for a chunk of upload tx.
func chunkBlob(tx string) string { return "upload/" + tx + "/" + uuid.NewString() }

// StartUpload stores a new pending upload under the transaction id tx,
// with its first chunk.
func (s *EntryStore) StartUpload(ctx context.Context, tx string, u models.PendingUpload, chunk []byte) error {
	blob := chunkBlob(tx)
	if _, err := s.db.Blobs(catalogueBlobs).Put(ctx, blob, bytes.NewReader(chunk)); err != nil {
		return err
	}
	u.Received, u.Parts = int64(len(chunk)), []string{blob}
	body, err := json.Marshal(u)
	if err != nil {
		return Internal("encode upload", err)
	}
	if _, err := s.db.Collection(catalogueUploadSpec).Insert(ctx, Doc{ID: tx, Body: body}); err != nil {
		_ = s.db.Blobs(catalogueBlobs).Delete(context.WithoutCancel(ctx), blob)
		return catalogueError(err, "upload", tx)
	}
	return nil
}

// AddChunk adds the chunk that starts at first to the upload tx of
// owner: NotFound for another's or none, Conflict when first is not
// where the upload stands (a chunk lost or sent twice). It returns the
// upload as it stands after.
func (s *EntryStore) AddChunk(ctx context.Context, tx, owner string, first int64, chunk []byte) (models.PendingUpload, error) {
	uploads := s.db.Collection(catalogueUploadSpec)
	d, err := uploads.Get(ctx, tx)
	if err != nil {
		return models.PendingUpload{}, models.Errorf(models.CodeNotFound, "no upload under way with Transaction-Id %s", models.Quote(tx))
	}
	var u models.PendingUpload
	if err := json.Unmarshal(d.Body, &u); err != nil {
		return models.PendingUpload{}, Internal("read upload "+tx, err)
	}
	if u.Owner != owner {
		return models.PendingUpload{}, models.Errorf(models.CodeNotFound, "no upload under way with Transaction-Id %s", models.Quote(tx))
	}
	if first != u.Received {
		return models.PendingUpload{}, models.Errorf(models.CodeConflict, "the upload stands at byte %d: the next chunk starts there, not at %d", u.Received, first)
	}
	blob := chunkBlob(tx)
	if _, err := s.db.Blobs(catalogueBlobs).Put(ctx, blob, bytes.NewReader(chunk)); err != nil {
		return models.PendingUpload{}, err
	}
	var after models.PendingUpload
	_, err = uploads.Update(ctx, tx, func(cur Doc) (Doc, error) {
		var c models.PendingUpload
		if err := json.Unmarshal(cur.Body, &c); err != nil {
			return Doc{}, err
		}
		if c.Received != first {
			return Doc{}, models.Errorf(models.CodeConflict, "another chunk of the upload arrived meanwhile: it stands at byte %d", c.Received)
		}
		c.Received += int64(len(chunk))
		c.Parts = append(c.Parts, blob)
		after = c
		body, err := json.Marshal(c)
		cur.Body = body
		return cur, err
	})
	if err != nil {
		_ = s.db.Blobs(catalogueBlobs).Delete(context.WithoutCancel(ctx), blob) // this send's own: the kept one is another
		return models.PendingUpload{}, catalogueError(err, "upload", tx)
	}
	return after, nil
}

// TakeUpload ends the upload tx: its chunks put together, the upload
// and its chunks removed.
func (s *EntryStore) TakeUpload(ctx context.Context, tx string) ([]byte, error) {
	uploads := s.db.Collection(catalogueUploadSpec)
	d, err := uploads.Get(ctx, tx)
	if err != nil {
		return nil, catalogueError(err, "upload", tx)
	}
	var u models.PendingUpload
	if err := json.Unmarshal(d.Body, &u); err != nil {
		return nil, Internal("read upload "+tx, err)
	}
	var all bytes.Buffer
	all.Grow(int(u.Received))
	for _, part := range u.Parts {
		rc, err := s.db.Blobs(catalogueBlobs).Open(ctx, part)
		if err != nil {
			return nil, catalogueError(err, "upload chunk", tx)
		}
		_, err = io.Copy(&all, rc)
		rc.Close()
		if err != nil {
			return nil, Internal("read upload "+tx, err)
		}
	}
	s.dropUpload(ctx, tx, u.Parts)
	return all.Bytes(), nil
}

func (s *EntryStore) dropUpload(ctx context.Context, tx string, parts []string) {
	ctx = context.WithoutCancel(ctx) // what is taken is dropped, whoever went away
	_ = s.db.Collection(catalogueUploadSpec).Delete(ctx, tx, nil)
	for _, part := range parts {
		_ = s.db.Blobs(catalogueBlobs).Delete(ctx, part)
	}
}

// PruneUploads removes the uploads started longer than age ago (by the
// database's clock, which stamped their start), with their chunks.
func (s *EntryStore) PruneUploads(ctx context.Context, age time.Duration) (int, error) {
	before := s.db.Now().Add(-age)
	f, err := filter.Where(filter.Options{Fields: catalogueUploadSpec.Envelope.Fields()},
		filter.Condition{Path: []string{"started"}, Op: filter.OpLt, Value: before})
	if err != nil {
		return 0, Internal("prune uploads", err)
	}
	p, err := s.db.Collection(catalogueUploadSpec).List(ctx, filter.Query{Filter: f, Limit: 1000})
	if err != nil {
		return 0, err
	}
	for _, d := range p.Items {
		var u models.PendingUpload
		_ = json.Unmarshal(d.Body, &u)
		s.dropUpload(ctx, d.ID, u.Parts)
	}
	return len(p.Items), nil
}

// Upload is the pending upload tx of owner.
func (s *EntryStore) Upload(ctx context.Context, tx, owner string) (models.PendingUpload, error) {
	d, err := s.db.Collection(catalogueUploadSpec).Get(ctx, tx)
	var u models.PendingUpload
	if err == nil {
		err = json.Unmarshal(d.Body, &u)
	}
	if err != nil || u.Owner != owner {
		return models.PendingUpload{}, models.Errorf(models.CodeNotFound, "no upload under way with Transaction-Id %s", models.Quote(tx))
	}
	return u, nil
}
