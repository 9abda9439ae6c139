package mongo

import "time"

// SetIndexRetry sets the first wait between attempts at creating a
// spec's indexes (tests: not to wait for the backoff). Call it before the
// first Collection.
func SetIndexRetry(db *DB, d time.Duration) { db.indexRetry = d }

// MaxIndexRefusals is maxIndexRefusals, for the tests of the package.
const MaxIndexRefusals = maxIndexRefusals
