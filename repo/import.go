package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo/legacy"
)

// This file imports, once, what the embedded store of earlier versions
// kept: an in-process FerretDB v1 writing DATA_DIR/<MONGO_DB>.sqlite
// (read by repo/legacy). Its documents were
//
//   - records (nsrs, vnfrs): {_id, _admin: {created, modified, version,
//     appc?}, id, ...fields}, where _id is the uuid and id equals it;
//   - appc_requests: {_id: requestDocKey, run_id, originator_id,
//     request_id, sub_request_id, action, vnf_id, received, finished?,
//     code, message, payload?};
//   - leases (appc_locks, appc_runs): {_id, owner, expires};
//   - _locks: short write locks around a conditional write (FerretDB's
//     were not atomic); nothing to carry over.
//
// Each becomes what this version's stores write for the same thing, so
// that the stores read them as if they had written them. Every document
// is converted before any is written: a file with one that cannot be
// imported is not imported at all. The import is idempotent: a document
// the new store already holds is not written again, so a run cut short (a
// crash, a failed write) is finished by the next one, and a second run
// imports nothing.

// MetaSpec is the collection of the store's own bookkeeping, such as the
// marker of an import done.
var MetaSpec = CollectionSpec{Name: "_meta"}

// legacyDatabase is the database name the embedded store used when
// MONGO_DB was not set.
const legacyDatabase = "nfv_records"

// legacyWriteLocks is the legacy collection of transient write locks.
const legacyWriteLocks = "_locks"

// ImportReport is what ImportFerretDB did with a legacy file.
type ImportReport struct {
	// Source is the legacy file.
	Source string `json:"source"`
	// Recovered says the file had a -wal or -journal beside it (its writer
	// did not shut down cleanly) and was read from a recovered copy.
	Recovered bool `json:"recovered,omitempty"`
	// Collections are the counts of each collection of the file, by name.
	Collections map[string]ImportCounts `json:"collections"`
}

// ImportCounts are the documents of one legacy collection, by outcome.
type ImportCounts struct {
	// Into is the collection or lease table of the new store the
	// documents went to; empty when the collection is not imported.
	Into string `json:"into,omitempty"`
	// Imported were written to the new store.
	Imported int64 `json:"imported"`
	// Skipped were in the new store already, as this import writes them:
	// an earlier run's.
	Skipped int64 `json:"skipped"`
	// Conflicts were in the new store already with other contents
	// (written there since, or a lease another owner holds): the new
	// store's are kept, and each is logged.
	Conflicts int64 `json:"conflicts"`
	// Dropped are not imported by design: leases expired by now, and the
	// documents of a collection this version has no use for (_locks).
	Dropped int64 `json:"dropped"`
}

// Total is the sum of the counts of every collection.
func (r ImportReport) Total() ImportCounts {
	var t ImportCounts
	for _, c := range r.Collections {
		t.Imported += c.Imported
		t.Skipped += c.Skipped
		t.Conflicts += c.Conflicts
		t.Dropped += c.Dropped
	}
	return t
}

// ImportLegacyDir imports the legacy embedded store of a data directory,
// dataDir/<mongoDB>.sqlite (mongoDB "" is the old default, nfv_records),
// once: nothing when there is no such file, nothing when the marker of
// its import is in MetaSpec (ID "import:ferretdb-v1:<file name>"), else
// ImportFerretDB and then the marker, which records when and the report.
// The file is left as it is, for the operator to delete. now must be the
// clock db runs on (nil: the system clock): leases keep their expiry only
// when both agree. An error leaves no marker: the next call resumes the
// import where it stopped.
func ImportLegacyDir(ctx context.Context, db DB, now Clock, dataDir, mongoDB string, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if mongoDB == "" {
		mongoDB = legacyDatabase
	}
	if strings.ContainsAny(mongoDB, `/\`) || mongoDB == "." || mongoDB == ".." {
		return fmt.Errorf("legacy import: database name %q is not a file name", mongoDB)
	}
	path := filepath.Join(dataDir, mongoDB+".sqlite")
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		log.Debug("no legacy embedded store to import", "path", path)
		return nil
	}
	if err != nil {
		return fmt.Errorf("legacy import: %w", err)
	}
	meta := db.Collection(MetaSpec)
	key := "import:ferretdb-v1:" + filepath.Base(path)
	done, err := meta.Get(ctx, key)
	if err == nil {
		log.Info("legacy embedded store imported before; left in place: you may delete it",
			"path", path, "imported_at", done.Created)
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("legacy import: read the marker %s: %w", key, err)
	}

	log.Info("importing the legacy embedded store", "path", path, "size", fi.Size())
	rep, err := ImportFerretDB(ctx, db, now, path, log)
	if err != nil {
		// The error names the file.
		return fmt.Errorf("legacy import stopped (to start without importing it, move the file out of the data directory): %w", err)
	}
	at := now.Now()
	body, err := json.Marshal(importMarker{ImportedAt: at, Size: fi.Size(), ModTime: fi.ModTime().UTC(), Report: rep})
	if err != nil {
		return fmt.Errorf("legacy import: encode the marker: %w", err)
	}
	if _, err := meta.Insert(ctx, Doc{ID: key, Created: at, Body: body}); err != nil && !errors.Is(err, ErrExists) {
		// ErrExists: another replica finished the same import first.
		return fmt.Errorf("legacy import: write the marker %s (the next start checks the import again, importing nothing twice): %w", key, err)
	}
	t := rep.Total()
	log.Info("imported the legacy embedded store; left in place: you may delete it",
		"path", path, "imported", t.Imported, "skipped", t.Skipped, "conflicts", t.Conflicts, "dropped", t.Dropped,
		"marker", key)
	return nil
}

// importMarker is the body of the marker of an import done.
type importMarker struct {
	ImportedAt time.Time `json:"imported_at"`
	// Size and ModTime are the legacy file's, when imported.
	Size    int64        `json:"size"`
	ModTime time.Time    `json:"mod_time"`
	Report  ImportReport `json:"report"`
}

// ImportFerretDB imports the FerretDB v1 SQLite file path (see the top of
// this file) into db and says what it did; the file is only read. now must
// be the clock db runs on (nil: the system clock): a lease is imported
// with the time it has left by now, unless expired. Safe to run again,
// and to run after a run that failed: what is already there is skipped
// (see ImportCounts).
//
// A file that is not FerretDB's is an error wrapping legacy.ErrNotFerretDB.
// A document that cannot be imported exactly (see the errors of recordDoc,
// requestDoc and leaseDoc) is an error too, and then nothing is imported:
// every document is converted before any is written. Nothing is imported
// with a value changed, bar the representation changes of the new store
// (see jsonValue). Only a failure of db leaves part of the file imported.
func ImportFerretDB(ctx context.Context, db DB, now Clock, path string, log *slog.Logger) (ImportReport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := ImportReport{Source: path, Collections: map[string]ImportCounts{}}
	f, err := legacy.Open(path)
	if err != nil {
		return rep, err // it names the file
	}
	defer f.Close()
	rep.Recovered = f.Recovered()
	if rep.Recovered {
		log.Warn("the legacy embedded store was not shut down cleanly: importing a recovered copy of it, with its journal",
			"path", path)
	}
	names, err := f.Collections()
	if err != nil {
		return rep, err
	}
	check := &importer{log: slog.New(slog.DiscardHandler), file: f, dryRun: true}
	for _, name := range names {
		if _, err := check.collection(ctx, name); err != nil {
			return rep, fmt.Errorf("%s in %s cannot be imported, so nothing was: %w", name, path, err)
		}
	}
	im := &importer{db: db, now: now, log: log, file: f}
	for _, name := range names {
		c, err := im.collection(ctx, name)
		rep.Collections[name] = c
		if err != nil {
			return rep, fmt.Errorf("import %s from %s: %w", name, path, err)
		}
		log.Info("legacy collection imported", "collection", name, "into", c.Into,
			"imported", c.Imported, "skipped", c.Skipped, "conflicts", c.Conflicts, "dropped", c.Dropped)
	}
	return rep, nil
}

type importer struct {
	db   DB
	now  Clock
	log  *slog.Logger
	file *legacy.File
	// dryRun converts every document and stops there: db and now are
	// not used.
	dryRun bool
}

// collection imports the legacy collection name.
func (im *importer) collection(ctx context.Context, name string) (ImportCounts, error) {
	if slices.Contains(models.Kinds(), models.Kind(name)) {
		return im.records(ctx, models.Kind(name))
	}
	switch name {
	case appcRequests:
		return im.requests(ctx)
	case appcLocks, appcRuns:
		return im.leases(ctx, name)
	}
	// Not read: a collection this version has no use for is dropped
	// whatever its documents hold.
	n, err := im.file.Count(ctx, name)
	if err != nil {
		return ImportCounts{}, err
	}
	if name == legacyWriteLocks {
		im.log.Info("legacy write locks not imported: they only serialised writes of the old store", "collection", name, "documents", n)
	} else {
		im.log.Warn("legacy collection unknown to this version: not imported", "collection", name, "documents", n)
	}
	return ImportCounts{Dropped: n}, nil
}

// records imports a record collection into the record store's.
func (im *importer) records(ctx context.Context, kind models.Kind) (ImportCounts, error) {
	counts := ImportCounts{Into: string(kind)}
	log := im.log.With("collection", string(kind))
	err := im.file.Documents(ctx, string(kind), func(doc map[string]any) error {
		d, err := recordDoc(doc, log)
		if err != nil {
			return fmt.Errorf("record %v: %w", doc["_id"], err)
		}
		return im.insert(ctx, RecordSpec(kind), d, &counts)
	})
	return counts, err
}

// requests imports the stored APPC requests.
func (im *importer) requests(ctx context.Context) (ImportCounts, error) {
	counts := ImportCounts{Into: APPCRequestSpec.Name}
	err := im.file.Documents(ctx, appcRequests, func(doc map[string]any) error {
		d, err := requestDoc(doc, im.log)
		if err != nil {
			return fmt.Errorf("request %v: %w", doc["_id"], err)
		}
		return im.insert(ctx, APPCRequestSpec, d, &counts)
	})
	return counts, err
}

// insert writes d into the collection spec, or counts it as skipped when
// the same document is there (an earlier run's), or as a conflict when
// another one is.
func (im *importer) insert(ctx context.Context, spec CollectionSpec, d Doc, counts *ImportCounts) error {
	if im.dryRun {
		return nil
	}
	coll := im.db.Collection(spec)
	_, err := coll.Insert(ctx, d)
	if err == nil {
		counts.Imported++
		return nil
	}
	if !errors.Is(err, ErrExists) {
		return fmt.Errorf("write %s: %w", d.ID, err)
	}
	cur, err := coll.Get(ctx, d.ID)
	if err != nil {
		return fmt.Errorf("read %s: %w", d.ID, err)
	}
	if sameDoc(cur, d) {
		counts.Skipped++
		return nil
	}
	counts.Conflicts++
	im.log.Warn("legacy document not imported: the new store holds another one with its id, kept",
		"collection", counts.Into, "id", d.ID, "legacy_version", d.Version, "version", cur.Version)
	return nil
}

// leases imports the unexpired leases of a lease table: each is taken for
// its owner for the time it has left.
func (im *importer) leases(ctx context.Context, name string) (ImportCounts, error) {
	counts := ImportCounts{Into: name}
	err := im.file.Documents(ctx, name, func(doc map[string]any) error {
		id, owner, expires, err := leaseDoc(doc)
		if err != nil {
			return fmt.Errorf("lease %v: %w", doc["_id"], err)
		}
		if im.dryRun {
			return nil
		}
		table := im.db.Leases(name)
		now := im.now.Now()
		if !now.Before(expires) { // the old store's rule: free at its expiry
			counts.Dropped++
			im.log.Info("expired legacy lease not imported", "table", name, "id", id, "owner", owner, "expired", expires)
			return nil
		}
		holder, err := table.Holder(ctx, id)
		if err != nil {
			return fmt.Errorf("lease %s: %w", id, err)
		}
		if holder == "" {
			// The table takes now from the same clock: the lease expires
			// when it did in the old store.
			if holder, err = table.Take(ctx, id, owner, expires.Sub(now)); err != nil {
				return fmt.Errorf("lease %s: %w", id, err)
			}
			if holder == owner {
				counts.Imported++
				return nil
			}
		}
		if holder == owner {
			counts.Skipped++ // an earlier run's, or renewed since
			return nil
		}
		counts.Conflicts++
		im.log.Warn("legacy lease not imported: another owner holds it in the new store",
			"table", name, "id", id, "legacy_owner", owner, "holder", holder)
		return nil
	})
	return counts, err
}

// recordDoc is the new store's document of a legacy record: _id is its
// id, _admin its envelope and server-side state, and the other members
// its fields (id, always equal to _id, is kept by the envelope).
func recordDoc(doc map[string]any, log *slog.Logger) (Doc, error) {
	// The service serves, lists and pages records by canonical uuids only.
	id, _ := doc["_id"].(string)
	if u, ok := models.NormalizeUUID(id); !ok || u != id {
		return Doc{}, fmt.Errorf("_id %#v is not a lower-case uuid", doc["_id"])
	}
	admin, ok := doc["_admin"].(map[string]any)
	if !ok {
		return Doc{}, errors.New("no _admin object")
	}
	created, ok1 := date(admin["created"])
	modified, ok2 := date(admin["modified"])
	version, ok3 := integer(admin["version"])
	if !ok1 || !ok2 || !ok3 {
		return Doc{}, errors.New("_admin has no created and modified dates (years 0 to 9999) and integral version")
	}
	if version < 1 {
		return Doc{}, fmt.Errorf("version %d", version)
	}
	if _, ok := doc[models.FieldID]; !ok {
		log.Warn("legacy record has no id: imported with id = uuid, as readers now get it", "uuid", id)
	}
	fields := make(map[string]any, len(doc))
	for k, v := range doc {
		switch k {
		case "_id", "_admin":
		case models.FieldID:
			// The new store keeps no id of its own (Record.Fields gives id
			// = uuid); the old one returned the stored id, always equal
			// since the service wrote both. One that is not cannot be kept.
			if s, _ := v.(string); s != id {
				log.Warn("legacy record's id differs from its uuid: imported with id = uuid", "uuid", id, "id", v)
			}
		case models.FieldUUID, models.FieldCreatedAt, models.FieldUpdatedAt:
			// The old store rendered its own over them, as this one does
			// (AppendJSON): they were never seen; kept, they would be
			// rendered twice.
			log.Warn("legacy record stores a server field: not imported (the envelope's is rendered)", "uuid", id, "field", k, "value", v)
		default:
			x, err := jsonValue(v, false)
			if err != nil {
				return Doc{}, fmt.Errorf("field %s: %w", k, err)
			}
			fields[k] = x
		}
	}
	body, err := models.EncodeFields(fields)
	if err != nil {
		return Doc{}, err
	}
	state, err := adminState(admin, log.With("uuid", id))
	if err != nil {
		return Doc{}, err
	}
	return Doc{ID: id, Version: version, Created: created, Modified: modified, Body: body, Admin: state}, nil
}

// adminState is the server-side state (Doc.Admin) of a legacy _admin:
// every member but the envelope, by name; the APPC state through
// models.APPCState, so that it is what APPCStore writes.
func adminState(admin map[string]any, log *slog.Logger) (json.RawMessage, error) {
	states := map[string]json.RawMessage{}
	for k, v := range admin {
		switch k {
		case "created", "modified", "version":
			continue
		case appcStateKey:
			if v == nil {
				continue // as absent: a nil *APPCState
			}
			raw, err := appcState(v)
			if err != nil {
				return nil, fmt.Errorf("_admin.%s: %w", k, err)
			}
			states[k] = raw
		default:
			x, err := jsonValue(v, true)
			if err != nil {
				return nil, fmt.Errorf("_admin.%s: %w", k, err)
			}
			raw, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("_admin.%s: %w", k, err)
			}
			log.Warn("legacy record has server-side state unknown to this version: kept as it is", "key", k)
			states[k] = raw
		}
	}
	if len(states) == 0 {
		return nil, nil
	}
	return json.Marshal(states) // as APPCStore's withState
}

// appcState is the JSON of a legacy APPC state, as APPCStore writes a
// models.APPCState (json.Marshal): decoded into one (an unknown member is
// an error, not a loss) and encoded again, then checked to say all it
// said before.
// Extra's numbers stay as written (an int64 as an integer, a float64
// with a fraction or exponent: see jsonValue) since they are decoded as
// json.Number.
func appcState(v any) (json.RawMessage, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("not an object")
	}
	x, err := jsonValue(v, true)
	if err != nil {
		return nil, err
	}
	in, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(in))
	d.UseNumber()
	d.DisallowUnknownFields()
	var st models.APPCState
	if err := d.Decode(&st); err != nil {
		return nil, fmt.Errorf("not an APPC state: %w", err)
	}
	out, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	if diff := jsonLoss(in, out); diff != "" {
		return nil, fmt.Errorf("not kept whole by models.APPCState: %s", diff)
	}
	return out, nil
}

// requestDoc is the new store's document of a legacy APPC request: what
// AddRequest and FinishRequest write for it, under its stored _id.
func requestDoc(doc map[string]any, log *slog.Logger) (Doc, error) {
	var r models.APPCRequest
	var id string
	var received bool
	strs := map[string]*string{
		"_id": &id, "run_id": &r.RunID, "originator_id": &r.OriginatorID, "request_id": &r.RequestID,
		"sub_request_id": &r.SubRequestID, "action": &r.Action, "vnf_id": &r.VNFID,
		"message": &r.Message, "payload": &r.Payload,
	}
	for k, v := range doc {
		if p, ok := strs[k]; ok {
			s, ok := v.(string)
			if !ok && v != nil { // the driver decoded null as ""
				return Doc{}, fmt.Errorf("%s is %T, not a string", k, v)
			}
			*p = s
			continue
		}
		switch k {
		case "received", "finished":
			t, ok := date(v)
			if !ok && (k == "received" || v != nil) {
				return Doc{}, fmt.Errorf("%s is %T %v, not a date of years 0 to 9999", k, v, v)
			}
			if k == "received" {
				r.Received, received = t, true
			} else {
				r.Finished = t
			}
		case "code":
			n, ok := integer(v)
			if !ok && v != nil || n != int64(int(n)) {
				return Doc{}, fmt.Errorf("code is %T %v, not an integer", v, v)
			}
			r.Code = int(n)
		default:
			return Doc{}, fmt.Errorf("unknown member %q (models.APPCRequest has no place for it)", k)
		}
	}
	if id == "" || !received {
		return Doc{}, errors.New("no _id or received date")
	}
	if key := requestDocKey(r); key != id {
		// FinishRequest finds a request by that key: this one it will not.
		log.Warn("legacy APPC request stored under another id than its ids make: imported under its own",
			"id", id, "key", key)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return Doc{}, err
	}
	return Doc{ID: id, Created: r.Received, Body: body}, nil
}

// leaseDoc reads a legacy lease.
func leaseDoc(doc map[string]any) (id, owner string, expires time.Time, err error) {
	var ok1, ok2, ok3 bool
	id, ok1 = doc["_id"].(string)
	owner, ok2 = doc["owner"].(string)
	expires, ok3 = date(doc["expires"])
	if !ok1 || !ok2 || !ok3 || id == "" || owner == "" || len(doc) != 3 {
		return "", "", time.Time{}, errors.New("not a lease: {_id, owner, expires (a date of years 0 to 9999)} expected")
	}
	return id, owner, expires, nil
}

// date is a date of a legacy document that RFC 3339 can write (years 0
// to 9999, as time.Time's MarshalJSON): the old store's dates came from
// its clock.
func date(v any) (time.Time, bool) {
	t, ok := v.(time.Time)
	return t, ok && t.Year() >= 0 && t.Year() <= 9999
}

// integer is an integral number of a legacy document.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case float64:
		// The driver decodes an integral double into an integer.
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// jsonValue is a decoded legacy value (see legacy.Decode) as the new
// store keeps it, so that it renders as the old service rendered it:
//   - a long stays an int64, an int (int32) becomes one: the new store
//     has one integer type, and the old one stored records' integers as
//     longs anyway;
//   - a double stays a float64, which models.EncodeFields writes as
//     encoding/json does, as the old service rendered it (2.0 as 2): a
//     record's numbers are JSON numbers to its clients, and a record
//     written anew stores the same text for the same value;
//   - a date is an error in a record's fields (records are JSON: the old
//     service never stored one there) and, where dates is true, a time.Time,
//     which encodes as RFC 3339 (what the new store's structs decode).
func jsonValue(v any, dates bool) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return x, nil
	case int32:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("number %v has no JSON form", x)
		}
		return x, nil
	case time.Time:
		if !dates {
			return nil, fmt.Errorf("a date (%s): a record holds JSON values only", x.Format(time.RFC3339Nano))
		}
		return x, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			y, err := jsonValue(c, dates)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, c := range x {
			y, err := jsonValue(c, dates)
			if err != nil {
				return nil, fmt.Errorf("%d: %w", i, err)
			}
			out[i] = y
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

// sameDoc reports whether the stored document cur is d as Insert writes
// it (d's Created is never zero here).
func sameDoc(cur, d Doc) bool {
	modified := d.Modified
	if modified.IsZero() {
		modified = d.Created
	}
	return cur.ID == d.ID && cur.Version == max(d.Version, 1) &&
		cur.Created.Equal(d.Created.Truncate(time.Millisecond)) &&
		cur.Modified.Equal(modified.Truncate(time.Millisecond)) &&
		sameJSON(cur.Body, d.Body) && sameJSON(cur.Admin, d.Admin)
}

// sameJSON reports whether a and b, each a JSON object or empty, are the
// same values as DecodeFields reads them (numbers of the same type and
// value).
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	x, err1 := models.DecodeFields(a)
	y, err2 := models.DecodeFields(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}

// jsonLoss says what of in, a JSON object, out (another) does not say: a
// member missing or different, "" when none. A member missing on one side
// is no loss when the other side's value is empty (null, "", {} or []): an
// omitempty field of a struct.
func jsonLoss(in, out []byte) string {
	x, err := models.DecodeFields(in)
	if err != nil {
		return err.Error()
	}
	y, err := models.DecodeFields(out)
	if err != nil {
		return err.Error()
	}
	return valueLoss(x, y, "")
}

func valueLoss(x, y any, path string) string {
	switch a := x.(type) {
	case map[string]any:
		b, ok := y.(map[string]any)
		if !ok {
			return path + ": an object became " + fmt.Sprintf("%T", y)
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok {
				if !emptyJSON(av) {
					return path + "/" + k + ": dropped"
				}
				continue
			}
			if d := valueLoss(av, bv, path+"/"+k); d != "" {
				return d
			}
		}
		for k, bv := range b {
			if _, ok := a[k]; !ok && !emptyJSON(bv) {
				return path + "/" + k + ": added"
			}
		}
		return ""
	case []any:
		b, ok := y.([]any)
		if !ok || len(a) != len(b) {
			return path + ": an array became " + fmt.Sprintf("%v", y)
		}
		for i := range a {
			if d := valueLoss(a[i], b[i], path+"/"+strconv.Itoa(i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(x, y) { // numbers as DecodeFields makes them
		return fmt.Sprintf("%s: %v became %v", path, x, y)
	}
	return ""
}

func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}
