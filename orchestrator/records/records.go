// Package records holds the rules of NSRs and VNFRs: what a body must be
// to be stored (valid against its kind's schema, an id that is a uuid and
// agrees with the URL, names and numbers every backend keeps), and the
// envelope attributes clients filter and sort on. Handlers parse and
// render; the NS lifecycle creates its records through the same Service.
package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Store is what the rules need of the repository (repo.RecordStore).
// Errors are *models.Error: NotFound, Conflict (uuid taken),
// PreconditionFailed, Unavailable.
type Store interface {
	Create(ctx context.Context, kind models.Kind, rec models.Record) (models.Record, error)
	Get(ctx context.Context, kind models.Kind, uuid string) (models.Record, error)
	Replace(ctx context.Context, kind models.Kind, uuid string, body []byte, pre *models.Precondition) (models.Record, error)
	Delete(ctx context.Context, kind models.Kind, uuid string, pre *models.Precondition) error
	List(ctx context.Context, kind models.Kind, q filter.Query) (filter.Page[models.Record], error)
	Count(ctx context.Context, kind models.Kind, f filter.Expr) (int64, error)
}

// Validator checks a decoded record against its kind's schema.
type Validator interface {
	Validate(kind models.Kind, doc any) ([]models.Violation, error)
}

// Service applies the record rules over a store.
type Service struct {
	store     Store
	validator Validator
}

// NewService is the record service over store.
func NewService(store Store, validator Validator) *Service {
	return &Service{store: store, validator: validator}
}

// Fields are the envelope attributes of records, for the filter and sort
// parsers: uuid, and the two times.
func Fields() filter.Fields {
	return filter.Fields{
		models.FieldUUID:      {},
		models.FieldCreatedAt: {Time: true},
		models.FieldUpdatedAt: {Time: true},
	}
}

// Create stores a new record from a decoded body (numbers as
// json.Number): 422 with every violation when it may not be stored, 409
// when its uuid is taken.
func (s *Service) Create(ctx context.Context, kind models.Kind, doc any) (models.Record, error) {
	rec, err := s.prepare(kind, doc, "")
	if err != nil {
		return models.Record{}, err
	}
	return s.store.Create(ctx, kind, rec)
}

// Replace swaps the record uuid for a decoded body, when pre holds: the
// body's id must be uuid (absent, it is taken from it). A refused body
// changes nothing.
func (s *Service) Replace(ctx context.Context, kind models.Kind, uuid string, doc any, pre *models.Precondition) (models.Record, error) {
	rec, err := s.prepare(kind, doc, uuid)
	if err != nil {
		return models.Record{}, err
	}
	return s.store.Replace(ctx, kind, uuid, rec.Body, pre)
}

// Get reads one record.
func (s *Service) Get(ctx context.Context, kind models.Kind, uuid string) (models.Record, error) {
	return s.store.Get(ctx, kind, uuid)
}

// Delete removes a record when pre holds.
func (s *Service) Delete(ctx context.Context, kind models.Kind, uuid string, pre *models.Precondition) error {
	return s.store.Delete(ctx, kind, uuid, pre)
}

// List is one page of the records q selects.
func (s *Service) List(ctx context.Context, kind models.Kind, q filter.Query) (filter.Page[models.Record], error) {
	return s.store.List(ctx, kind, q)
}

// Count is how many records f matches.
func (s *Service) Count(ctx context.Context, kind models.Kind, f filter.Expr) (int64, error) {
	return s.store.Count(ctx, kind, f)
}

// prepare turns a decoded body into the record to store. For a replace,
// urlUUID is the record's uuid: a body id must equal it, and an absent id
// is taken from it.
func (s *Service) prepare(kind models.Kind, doc any, urlUUID string) (models.Record, error) {
	if obj, ok := doc.(map[string]any); ok {
		for _, f := range models.ServerFields {
			delete(obj, f)
		}
		if urlUUID != "" {
			if err := reconcileID(obj, urlUUID, kind); err != nil {
				return models.Record{}, err
			}
		}
	}
	violations, err := s.validator.Validate(kind, doc)
	if err != nil {
		return models.Record{}, err
	}
	if len(violations) == 0 {
		// The schema's id pattern is unanchored; a key must be exactly a uuid.
		obj := doc.(map[string]any)
		raw, _ := obj[models.FieldID].(string)
		if id, ok := models.NormalizeUUID(raw); ok {
			obj[models.FieldID] = id
		} else {
			violations = append(violations, models.Violation{Pointer: "/id", Message: "must be a uuid: 8-4-4-4-12 hex digits and nothing else"})
		}
	}
	stored, storageViolations := storable(doc)
	violations = append(violations, storageViolations...)
	if len(violations) > 0 {
		return models.Record{}, &models.Error{
			Code:       models.CodeUnprocessable,
			Detail:     violationSummary(len(violations), kind),
			Violations: violations,
		}
	}
	fields := stored.(map[string]any)
	body, err := models.EncodeFields(fields)
	if err != nil {
		return models.Record{}, fmt.Errorf("records: %w", err)
	}
	return models.Record{UUID: fields[models.FieldID].(string), Body: body}, nil
}

// reconcileID makes a replace body's id agree with the URL: absent, it is
// taken from the URL; different, it is refused.
func reconcileID(obj map[string]any, urlUUID string, kind models.Kind) error {
	raw, present := obj[models.FieldID]
	if !present {
		obj[models.FieldID] = urlUUID
		return nil
	}
	s, _ := raw.(string)
	if id, ok := models.NormalizeUUID(s); !ok || id != urlUUID {
		return models.Errorf(models.CodeInvalid, "body id %s does not match the %s uuid in the URL, %s", jsonish(raw), kind.Singular(), urlUUID)
	}
	return nil
}

func violationSummary(n int, kind models.Kind) string {
	if n == 1 {
		return "1 schema violation in the " + kind.Singular()
	}
	return strconv.Itoa(n) + " schema violations in the " + kind.Singular()
}

// jsonish renders a value of a decoded body for a message.
func jsonish(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// maxDepth is MongoDB's nesting limit for a stored document, less the
// top level: deeper bodies could never be stored there, so they are
// refused on every backend alike.
const maxDepth = 99

// storable converts a validated document into the values the store
// keeps: json.Number becomes int64 when it is an integer that fits, else
// float64. It reports, by JSON pointer, what a backend could not store:
// field names that start with '$' or hold '.' or NUL (MongoDB's rules,
// kept on every backend so that a record stored on one moves to the
// other), numbers out of range, and nesting deeper than MongoDB allows.
func storable(v any) (any, []models.Violation) {
	var violations []models.Violation
	var walk func(v any, ptr string, depth int) any
	walk = func(v any, ptr string, depth int) any {
		switch t := v.(type) {
		case map[string]any:
			if depth > maxDepth {
				violations = append(violations, models.Violation{Pointer: ptr, Message: fmt.Sprintf("nested more than %d levels deep", maxDepth)})
				return nil
			}
			for k, child := range t {
				childPtr := ptr + "/" + escapePointer(k)
				if msg := badFieldName(k); msg != "" {
					violations = append(violations, models.Violation{Pointer: childPtr, Message: msg})
					continue
				}
				t[k] = walk(child, childPtr, depth+1)
			}
			return t
		case []any:
			if depth > maxDepth {
				violations = append(violations, models.Violation{Pointer: ptr, Message: fmt.Sprintf("nested more than %d levels deep", maxDepth)})
				return nil
			}
			for i, child := range t {
				t[i] = walk(child, ptr+"/"+strconv.Itoa(i), depth+1)
			}
			return t
		case json.Number:
			n, ok := models.StorableNumber(t)
			if !ok {
				violations = append(violations, models.Violation{Pointer: ptr, Message: fmt.Sprintf("number %s is out of range", t)})
				return nil
			}
			return n
		case float64:
			if math.IsInf(t, 0) || math.IsNaN(t) {
				violations = append(violations, models.Violation{Pointer: ptr, Message: "number is out of range"})
				return nil
			}
		}
		return v
	}
	out := walk(v, "", 0)
	return out, violations
}

func badFieldName(k string) string {
	switch {
	case strings.HasPrefix(k, "$"):
		return "field names must not start with '$'"
	case strings.Contains(k, "."):
		return "field names must not contain '.'"
	case strings.ContainsRune(k, 0):
		return "field names must not contain NUL"
	}
	return ""
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escapePointer(s string) string { return pointerEscaper.Replace(s) }
