package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// Files of a data directory.
const (
	// FileName is the database file.
	FileName = "nfv-records.db"
	// lockName is the file a process holds an exclusive lock on while it
	// uses the directory; holderName says who that is, for the message
	// another process gets.
	lockName   = "nfv-records.lock"
	holderName = "nfv-records.holder"
)

// ErrDirLocked is returned by OpenDir when another process holds the
// directory.
var ErrDirLocked = errors.New("data directory in use")

// OpenDir opens the database of a data directory (creating both if
// need be) for this process alone: it takes an exclusive lock on the
// directory first, and refuses, naming the holder, when another process
// has it. Two processes writing one SQLite file through separate
// connection pools would be safe, but the one that found the directory
// empty could create its file under the other's feet; and the embedded
// store is a single-node store by design. The lock ends with Close (or
// with the process: the kernel releases it, so a crash leaves nothing
// to clean up).
func OpenDir(dir string, cfg Config) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: create data directory: %w", err)
	}
	lock := flock.New(filepath.Join(dir, lockName))
	ok, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock data directory %s: %w", dir, err)
	}
	if !ok {
		holder, _ := os.ReadFile(filepath.Join(dir, holderName))
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another process"
		}
		return nil, fmt.Errorf("sqlite: %w: %s holds %s; stop it or use another DATA_DIR", ErrDirLocked, who, dir)
	}
	host, _ := os.Hostname()
	who := fmt.Sprintf("process %d on %s (since %s)", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(dir, holderName), []byte(who+"\n"), 0o640); err != nil {
		_ = lock.Unlock()
		return nil, fmt.Errorf("sqlite: data directory %s: %w", dir, err)
	}
	cfg.Path = filepath.Join(dir, FileName)
	db, err := Open(cfg)
	if err != nil {
		_ = lock.Unlock()
		return nil, err
	}
	db.unlockDir = func() error {
		_ = os.Remove(filepath.Join(dir, holderName))
		return lock.Unlock()
	}
	return db, nil
}

// closeDir releases the directory lock of a DB opened by OpenDir.
func (db *DB) closeDir(context.Context) error {
	if db.unlockDir == nil {
		return nil
	}
	return db.unlockDir()
}
