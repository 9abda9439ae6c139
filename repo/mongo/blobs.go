package mongo

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/repo"
)

// blobs is a blob store (repo.Blobs). Each Put writes a new GridFS file
// (a generation, named by a fresh uuid) of the bucket, and only once it is
// whole swaps it in: the collection name.ids maps a blob's id to its
// current generation, {_id: id, file: gen, size}. So a Put whose reader
// fails leaves the blob as it was, and a reader opened before a Put or a
// Delete keeps reading the generation it opened: a replaced generation is
// retired (name.retired, {_id: gen, at}) and deleted only after
// retireAfter, by a later Put or Delete.
type blobs struct {
	db      *DB
	name    string
	bucket  *mongo.GridFSBucket
	ids     *mongo.Collection
	retired *mongo.Collection
}

// retireAfter is how long a replaced or deleted generation stays readable
// for the readers that opened it.
const retireAfter = 15 * time.Minute

// blobCopyBuffer is the size of the reads Put makes of its reader.
const blobCopyBuffer = 256 << 10

// blobRef is a document of name.ids.
type blobRef struct {
	ID   string `bson:"_id"`
	File string `bson:"file"`
	Size int64  `bson:"size"`
}

func (b *blobs) doing(what, id string) string { return what + " blob " + b.name + "/" + id }

// Put stores r's bytes under id (repo.Blobs).
func (b *blobs) Put(ctx context.Context, id string, r io.Reader) (int64, error) {
	doing := b.doing("store", id)
	gen := uuid.NewString()
	us, err := b.bucket.OpenUploadStreamWithID(ctx, gen, id)
	if err != nil {
		return 0, classify(err, doing)
	}
	size, err := copyBlob(us, r, doing)
	if err != nil {
		if us.Abort() != nil { // on ctx, which may have ended
			b.drop(ctx, gen)
		}
		return 0, err // the reader's own failure, or the upload's (classified)
	}
	if err := us.Close(); err != nil {
		b.drop(ctx, gen)
		return 0, classify(err, doing)
	}
	var old blobRef
	swap := func() error {
		return b.ids.FindOneAndReplace(ctx, bson.D{{Key: "_id", Value: id}}, blobRef{ID: id, File: gen, Size: size},
			options.FindOneAndReplace().SetUpsert(true).SetReturnDocument(options.Before)).Decode(&old)
	}
	err = swap()
	if mongo.IsDuplicateKeyError(err) { // two upserts raced and the other inserted first: this one replaces it now
		err = swap()
	}
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
	case err != nil:
		b.drop(ctx, gen)
		return 0, classify(err, doing)
	default:
		b.retire(ctx, old.File)
	}
	return size, nil
}

// copyBlob copies r into the upload; an error of r is returned as it is.
func copyBlob(us *mongo.GridFSUploadStream, r io.Reader, doing string) (int64, error) {
	buf := make([]byte, blobCopyBuffer)
	var size int64
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := us.Write(buf[:n]); err != nil {
				return 0, classify(err, doing)
			}
			size += int64(n)
		}
		if errors.Is(rerr, io.EOF) {
			return size, nil
		}
		if rerr != nil {
			return 0, rerr
		}
	}
}

// drop deletes a generation that was never swapped in.
func (b *blobs) drop(ctx context.Context, gen string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := b.bucket.Delete(ctx, gen); err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
		b.db.log.Warn("delete the file of an unfinished blob", "blobs", b.name, "file", gen, "error", err)
	}
}

// retire marks a replaced generation for deletion and deletes those
// retired long enough ago. A failure is logged: it only leaves files
// behind for the next one.
func (b *blobs) retire(ctx context.Context, gen string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := b.db.now.Now()
	if _, err := b.retired.InsertOne(ctx, bson.D{{Key: "_id", Value: gen}, {Key: "at", Value: now}}); err != nil {
		b.db.log.Warn("retire the file of a replaced blob", "blobs", b.name, "file", gen, "error", err)
	}
	cur, err := b.retired.Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lte", Value: now.Add(-retireAfter)}}}})
	if err != nil {
		b.db.log.Warn("find retired blob files", "blobs", b.name, "error", err)
		return
	}
	var old []struct {
		Gen string `bson:"_id"`
	}
	if err := cur.All(ctx, &old); err != nil {
		b.db.log.Warn("find retired blob files", "blobs", b.name, "error", err)
		return
	}
	for _, o := range old {
		if err := b.bucket.Delete(ctx, o.Gen); err != nil && !errors.Is(err, mongo.ErrFileNotFound) {
			b.db.log.Warn("delete a retired blob file", "blobs", b.name, "file", o.Gen, "error", err)
			continue
		}
		if _, err := b.retired.DeleteOne(ctx, bson.D{{Key: "_id", Value: o.Gen}}); err != nil {
			b.db.log.Warn("forget a retired blob file", "blobs", b.name, "file", o.Gen, "error", err)
		}
	}
}

// Open reads the blob id (repo.Blobs). The reader outlives the request's
// context only if the caller streams it after answering; it ends with
// Close.
func (b *blobs) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	doing := b.doing("read", id)
	var ref blobRef
	err := b.ids.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&ref)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, repo.ErrNotFound
	}
	if err != nil {
		return nil, classify(err, doing)
	}
	ds, err := b.bucket.OpenDownloadStream(context.WithoutCancel(ctx), ref.File)
	if errors.Is(err, mongo.ErrFileNotFound) { // deleted since: retired long ago
		return nil, repo.ErrNotFound
	}
	if err != nil {
		return nil, classify(err, doing)
	}
	return &blobReader{ds: ds, doing: doing}, nil
}

// blobReader classifies the download's errors.
type blobReader struct {
	ds    *mongo.GridFSDownloadStream
	doing string
}

func (r *blobReader) Read(p []byte) (int, error) {
	n, err := r.ds.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = classify(err, r.doing)
	}
	return n, err
}

func (r *blobReader) Close() error { return r.ds.Close() }

// Delete removes the blob id (repo.Blobs).
func (b *blobs) Delete(ctx context.Context, id string) error {
	var old blobRef
	err := b.ids.FindOneAndDelete(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&old)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return repo.ErrNotFound
	}
	if err != nil {
		return classify(err, b.doing("delete", id))
	}
	b.retire(ctx, old.File)
	return nil
}
