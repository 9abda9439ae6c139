package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// leases is a lease table (repo.Leases): one row per lease held, its
// expiry in Unix milliseconds. Each operation is one statement or one
// write transaction, so it is atomic however many DBs share the file.
type leases struct {
	db   *DB
	name string
	t    *table
}

func leaseTable(t string) []string {
	return []string{`CREATE TABLE IF NOT EXISTS ` + t + ` (
		id TEXT NOT NULL PRIMARY KEY,
		owner TEXT NOT NULL,
		expires INTEGER NOT NULL)`}
}

// Take takes or renews the lease for owner (repo.Leases).
func (l *leases) Take(ctx context.Context, id, owner string, ttl time.Duration) (string, error) {
	if err := l.t.ready(ctx, l.db); err != nil {
		return "", err
	}
	doing := "take lease " + l.name + "/" + id
	tx, err := l.db.w.BeginTx(ctx, nil)
	if err != nil {
		return "", classify(err, doing)
	}
	defer tx.Rollback()
	now := l.db.now.Now()
	var holder string
	var expires int64
	err = tx.QueryRowContext(ctx, `SELECT owner, expires FROM `+l.t.name+` WHERE id = ?`, id).Scan(&holder, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return "", classify(err, doing)
	case holder != owner && now.UnixMilli() < expires:
		return holder, nil // held: refused at once, nothing written
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO `+l.t.name+` (id, owner, expires) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires`,
		id, owner, now.Add(ttl).UnixMilli())
	if err != nil {
		return "", classify(err, doing)
	}
	if err := tx.Commit(); err != nil {
		return "", classify(err, doing)
	}
	return owner, nil
}

// Release frees the lease when owner holds it (repo.Leases).
func (l *leases) Release(ctx context.Context, id, owner string) error {
	if err := l.t.ready(ctx, l.db); err != nil {
		return err
	}
	_, err := l.db.w.ExecContext(ctx, `DELETE FROM `+l.t.name+` WHERE id = ? AND owner = ?`, id, owner)
	return classify(err, "release lease "+l.name+"/"+id)
}

// Holder is the owner holding the lease, "" when free (repo.Leases).
func (l *leases) Holder(ctx context.Context, id string) (string, error) {
	if err := l.t.ready(ctx, l.db); err != nil {
		return "", err
	}
	var holder string
	err := l.db.r.QueryRowContext(ctx, `SELECT owner FROM `+l.t.name+` WHERE id = ? AND expires > ?`, id, l.db.now.Now().UnixMilli()).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return holder, classify(err, "read lease "+l.name+"/"+id)
}
