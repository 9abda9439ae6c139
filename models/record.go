package models

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Kind is a record kind; its value is also the MongoDB collection name.
type Kind string

const (
	KindNSR  Kind = "nsrs"
	KindVNFR Kind = "vnfrs"
)

// Singular is the short name used in messages ("nsr", "vnfr").
func (k Kind) Singular() string { return strings.TrimSuffix(string(k), "s") }

// Kinds lists every record kind.
func Kinds() []Kind { return []Kind{KindNSR, KindVNFR} }

// Server fields are rendered from the envelope; a body that carries them
// (a record read back and sent again) has them dropped before validation.
const (
	FieldID        = "id"
	FieldUUID      = "uuid"
	FieldCreatedAt = "created_at"
	FieldUpdatedAt = "updated_at"
)

// ServerFields are the body fields the server owns.
var ServerFields = []string{FieldUUID, FieldCreatedAt, FieldUpdatedAt}

// TimeLayout is tng-rep's time format: UTC with milliseconds and a numeric offset.
const TimeLayout = "2006-01-02T15:04:05.000-07:00"

// FormatTime renders t in TimeLayout, always in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Admin holds the system fields the client never writes. It is stored under
// "_admin" beside the record fields.
type Admin struct {
	Created  time.Time `bson:"created"`
	Modified time.Time `bson:"modified"`
	Version  int64     `bson:"version"`
	// APPC is the APPC LCM state of a VNF record, nil until an LCM
	// action touches it. Replacing the record keeps it.
	APPC *APPCState `bson:"appc,omitempty"`
}

// Record is a stored record: its uuid, the fields as the client sent them
// (without id and server fields), and the envelope.
type Record struct {
	UUID   string
	Fields map[string]any
	Admin  Admin
}

// ETag is the strong entity tag of the record's current version.
func (r Record) ETag() string { return fmt.Sprintf(`"%d"`, r.Admin.Version) }

// Rendered is the record as clients see it: the fields, plus uuid,
// created_at and updated_at, and no id.
func (r Record) Rendered() map[string]any {
	out := make(map[string]any, len(r.Fields)+3)
	for k, v := range r.Fields {
		out[k] = v
	}
	delete(out, FieldID)
	out[FieldUUID] = r.UUID
	out[FieldCreatedAt] = FormatTime(r.Admin.Created)
	out[FieldUpdatedAt] = FormatTime(r.Admin.Modified)
	return out
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// NormalizeUUID checks that s is a uuid in the 8-4-4-4-12 hex form and
// returns it in lower case. Any version and variant is accepted: SONATA's
// own examples use uuids that are not RFC 4122 variants.
func NormalizeUUID(s string) (string, bool) {
	if !uuidPattern.MatchString(s) {
		return "", false
	}
	return strings.ToLower(s), true
}
