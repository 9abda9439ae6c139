package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/repo"
)

// blobs is a blob store (repo.Blobs): each blob is a row of its table
// naming its current generation, and the generation's bytes are chunks
// of another, so a Put writes its chunks without holding the write lock
// while it reads, then swaps the generation in one short transaction.
type blobs struct {
	db   *DB
	name string
	t    *table
}

// blobChunk is the size of one stored chunk: big enough that a package
// is a few rows, small enough that one row is cheap to hold in memory.
const blobChunk = 256 << 10

func blobTable(t string) []string {
	chunks := quote(unquote(t) + "/chunks")
	return []string{
		`CREATE TABLE IF NOT EXISTS ` + t + ` (id TEXT NOT NULL PRIMARY KEY, gen TEXT NOT NULL, size INTEGER NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS ` + chunks + ` (gen TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (gen, n))`,
	}
}

func (b *blobs) chunks() string { return quote(unquote(b.t.name) + "/chunks") }

// Put stores r's bytes under id (repo.Blobs).
func (b *blobs) Put(ctx context.Context, id string, r io.Reader) (int64, error) {
	if err := b.t.ready(ctx, b.db); err != nil {
		return 0, err
	}
	doing := "store blob " + b.name + "/" + id
	gen := uuid.NewString()
	var size int64
	buf := make([]byte, blobChunk)
	for n := 0; ; n++ {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			if _, werr := b.db.w.ExecContext(ctx, `INSERT INTO `+b.chunks()+` (gen, n, data) VALUES (?, ?, ?)`, gen, n, buf[:k]); werr != nil {
				b.drop(gen)
				return 0, classify(werr, doing)
			}
			size += int64(k)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			b.drop(gen)
			return 0, err // the reader's own failure, for the caller to judge
		}
	}
	tx, err := b.db.w.BeginTx(ctx, nil)
	if err != nil {
		b.drop(gen)
		return 0, classify(err, doing)
	}
	defer tx.Rollback()
	var old string
	err = tx.QueryRowContext(ctx, `SELECT gen FROM `+b.t.name+` WHERE id = ?`, id).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		b.drop(gen)
		return 0, classify(err, doing)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO `+b.t.name+` (id, gen, size) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, size = excluded.size`, id, gen, size); err != nil {
		b.drop(gen)
		return 0, classify(err, doing)
	}
	if old != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+b.chunks()+` WHERE gen = ?`, old); err != nil {
			b.drop(gen)
			return 0, classify(err, doing)
		}
	}
	if err := tx.Commit(); err != nil {
		b.drop(gen)
		return 0, classify(err, doing)
	}
	return size, nil
}

// drop deletes the chunks of a generation that was never swapped in.
func (b *blobs) drop(gen string) {
	if _, err := b.db.w.Exec(`DELETE FROM `+b.chunks()+` WHERE gen = ?`, gen); err != nil {
		b.db.log.Warn("drop the chunks of an unfinished blob", "blobs", b.name, "error", err)
	}
}

// Open reads the blob id (repo.Blobs): a read transaction held until
// Close keeps what it reads the blob as it was when Open returned.
func (b *blobs) Open(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := b.t.ready(ctx, b.db); err != nil {
		return nil, err
	}
	doing := "read blob " + b.name + "/" + id
	// The reader outlives the request's context only if the caller
	// streams it after answering; it is bounded by Close.
	tx, err := b.db.r.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, classify(err, doing)
	}
	var gen string
	err = tx.QueryRowContext(ctx, `SELECT gen FROM `+b.t.name+` WHERE id = ?`, id).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback()
		return nil, repo.ErrNotFound
	}
	if err != nil {
		tx.Rollback()
		return nil, classify(err, doing)
	}
	return &blobReader{tx: tx, chunks: b.chunks(), gen: gen, doing: doing}, nil
}

// blobReader reads a generation's chunks one at a time.
type blobReader struct {
	tx     *sql.Tx
	chunks string
	gen    string
	doing  string
	n      int
	cur    bytes.Reader
	done   bool
}

func (r *blobReader) Read(p []byte) (int, error) {
	for r.cur.Len() == 0 {
		if r.done {
			return 0, io.EOF
		}
		var data []byte
		err := r.tx.QueryRow(`SELECT data FROM `+r.chunks+` WHERE gen = ? AND n = ?`, r.gen, r.n).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			r.done = true
			continue
		}
		if err != nil {
			return 0, classify(err, r.doing)
		}
		r.n++
		r.cur.Reset(data)
	}
	return r.cur.Read(p)
}

func (r *blobReader) Close() error { return r.tx.Rollback() }

// Delete removes the blob id (repo.Blobs).
func (b *blobs) Delete(ctx context.Context, id string) error {
	if err := b.t.ready(ctx, b.db); err != nil {
		return err
	}
	doing := "delete blob " + b.name + "/" + id
	tx, err := b.db.w.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, doing)
	}
	defer tx.Rollback()
	var gen string
	err = tx.QueryRowContext(ctx, `SELECT gen FROM `+b.t.name+` WHERE id = ?`, id).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		return repo.ErrNotFound
	}
	if err != nil {
		return classify(err, doing)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+b.t.name+` WHERE id = ?`, id); err != nil {
		return classify(err, doing)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+b.chunks()+` WHERE gen = ?`, gen); err != nil {
		return classify(err, doing)
	}
	return classify(tx.Commit(), doing)
}
