package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is a record kind; its value is also the name of its collection.
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
// id is the client's name for the uuid: it always equals it, so it is
// kept in the envelope too, not in the stored body.
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

// Epoch is t in seconds since 1970 with milliseconds, as OSM shows its
// times (issued_at, _admin.created, startTime, ...).
func Epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// FormatTime renders t in TimeLayout, always in UTC.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Admin is the envelope the store keeps beside a record's fields, which
// the client never writes: when it was created and last written (UTC,
// milliseconds) and its version (1 when created, one more per write).
type Admin struct {
	Created  time.Time
	Modified time.Time
	Version  int64
}

// Record is a stored record: its uuid, its envelope, and its fields as
// stored, a JSON object without id and the server fields (see EncodeFields).
// Body is what GET renders, so a read never decodes it.
type Record struct {
	UUID  string
	Admin Admin
	Body  json.RawMessage
}

// ETag is the strong entity tag of the record's current version.
func (r Record) ETag() string { return fmt.Sprintf(`"%d"`, r.Admin.Version) }

// AppendJSON appends the record as clients see it: its fields plus uuid,
// created_at and updated_at (and no id), as one JSON object. The stored
// body is copied as it is: the server fields are spliced in before it.
func (r Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"created_at":"`...)
	dst = r.Admin.Created.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, `","updated_at":"`...)
	dst = r.Admin.Modified.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, `","uuid":`...)
	dst = strconv.AppendQuote(dst, r.UUID) // a uuid: nothing to escape
	body := bytes.TrimSpace(r.Body)
	if len(body) < 2 || body[0] != '{' {
		return append(dst, '}') // no body: cannot happen for a stored record
	}
	inner := bytes.TrimSpace(body[1 : len(body)-1])
	if len(inner) > 0 {
		dst = append(dst, ',')
		dst = append(dst, inner...)
	}
	return append(dst, '}')
}

// Fields decodes the record's fields, id included (as the client sent
// them, bar the server fields), numbers as DecodeFields makes them.
func (r Record) Fields() (map[string]any, error) {
	fields, err := DecodeFields(r.Body)
	if err != nil {
		return nil, err
	}
	fields[FieldID] = r.UUID
	return fields, nil
}

// Rendered is the record as clients see it, decoded: what AppendJSON
// writes, for the paths that work on values (YAML, attribute selectors).
func (r Record) Rendered() (map[string]any, error) {
	out, err := DecodeFields(r.Body)
	if err != nil {
		return nil, err
	}
	delete(out, FieldID)
	out[FieldUUID] = r.UUID
	out[FieldCreatedAt] = FormatTime(r.Admin.Created)
	out[FieldUpdatedAt] = FormatTime(r.Admin.Modified)
	return out, nil
}

// EncodeFields is the stored body of a record's fields: compact JSON,
// members in name order, HTML characters as they are, without id (the
// envelope keeps it). Values are what DecodeFields returns (or
// json.Number), so encoding what was decoded gives the same bytes.
func EncodeFields(fields map[string]any) (json.RawMessage, error) {
	if _, ok := fields[FieldID]; ok {
		trimmed := make(map[string]any, len(fields))
		for k, v := range fields {
			if k != FieldID {
				trimmed[k] = v
			}
		}
		fields = trimmed
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(fields); err != nil {
		return nil, fmt.Errorf("encode record fields: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeFields decodes a stored body (a JSON object). An integral number
// that fits is an int64, any other number a float64, as records are
// stored (see StorableNumber).
func DecodeFields(body []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode record fields: %w", err)
	}
	if m == nil {
		return nil, errors.New("decode record fields: not an object")
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode record fields: data after the object")
	}
	for k, v := range m {
		x, err := numbersOf(v)
		if err != nil {
			return nil, fmt.Errorf("decode record fields: %s: %w", k, err)
		}
		m[k] = x
	}
	return m, nil
}

// numbersOf replaces json.Number values, in place, by StorableNumber's.
func numbersOf(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			x, err := numbersOf(child)
			if err != nil {
				return nil, err
			}
			t[k] = x
		}
	case []any:
		for i, child := range t {
			x, err := numbersOf(child)
			if err != nil {
				return nil, err
			}
			t[i] = x
		}
	case json.Number:
		n, ok := StorableNumber(t)
		if !ok {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		return n, nil
	}
	return v, nil
}

// StorableNumber is the value a JSON number is stored as: an int64 when
// it is an integer in range, else a float64; ok is false beyond float64.
func StorableNumber(n json.Number) (any, bool) {
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return nil, false
	}
	return f, true
}

// ExactNumber is the value a client's JSON number is stored as, when the
// stores keep it exactly: an int64 for an integer in range, else a
// float64 that renders back as the same number. A number that would come
// back changed (an integer past 64 bits, a decimal with more precision
// than a float64 holds, one that overflows or underflows it) is an error
// that says so, never a silent rounding.
func ExactNumber(n json.Number) (any, error) {
	s := string(n)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	if !strings.ContainsAny(s, ".eE") {
		return nil, fmt.Errorf("integer %s is outside the 64-bit range records keep exactly (-9223372036854775808 to 9223372036854775807)", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("%s is not a number", s)
	}
	if math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %s is beyond the range of a 64-bit float", s)
	}
	digits, exp := decimalForm(s)
	if len(digits) == 0 {
		return f, nil // a zero
	}
	short := strconv.FormatFloat(f, 'e', -1, 64)
	if d, e := decimalForm(short); f == 0 || d != digits || e != exp {
		return nil, fmt.Errorf("number %s has more precision than a 64-bit float keeps: it would be stored as %s", s, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return f, nil
}

// decimalForm is a JSON number's value as its significant digits (no
// leading or trailing zeros) and the exponent of the first: 0.0150 is
// ("15", -2). Exponents beyond an int are clamped, which only makes such a
// number compare unequal to any float64's form.
func decimalForm(s string) (string, int) {
	mant, expPart, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(s, "-")), "e")
	exp, err := strconv.Atoi(expPart)
	if err != nil && expPart != "" {
		exp = math.MaxInt32
		if strings.HasPrefix(expPart, "-") {
			exp = math.MinInt32
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	all := intPart + frac
	lead := len(all) - len(strings.TrimLeft(all, "0"))
	digits := strings.TrimRight(all[lead:], "0")
	if digits == "" {
		return "", 0
	}
	// The first significant digit sits at position lead of all; the
	// decimal point sits after len(intPart) digits.
	return digits, exp + len(intPart) - lead - 1
}

// Precondition is an If-Match condition on a stored version: Any holds
// for every existing record ("*"), else the version must be one of
// Versions (no version at all: it never holds). A nil *Precondition is no
// condition.
type Precondition struct {
	Any      bool
	Versions []int64
}

// Holds reports whether a record at version may be written.
func (p *Precondition) Holds(version int64) bool {
	if p == nil || p.Any {
		return true
	}
	for _, v := range p.Versions {
		if v == version {
			return true
		}
	}
	return false
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

// Instance is a record with the NS lifecycle's state kept beside its
// fields (orchestrator/nslcm): an NS instance is an NSR, a VNF instance
// a VNFR. State is nil for a record the lifecycle never wrote.
type Instance struct {
	Record
	State json.RawMessage
	// Projects are the projects that may read it.
	Projects []string
}
