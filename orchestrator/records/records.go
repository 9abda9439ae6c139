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
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Store is what the rules need of the repository (repo.RecordStore).
// Errors are *models.Error: NotFound, Conflict (uuid taken),
// PreconditionFailed, Unavailable.
//
// Every call acts within a scope (the caller's projects): a record
// outside it is NotFound, exactly as one that does not exist.
type Store interface {
	Create(ctx context.Context, scope models.Scope, kind models.Kind, rec models.Record) (models.Record, error)
	Get(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Record, error)
	Replace(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, body []byte, pre *models.Precondition) (models.Record, error)
	Delete(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, pre *models.Precondition) error
	List(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Record], error)
	Count(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error)
}

// Validator checks a decoded record against its kind's schema.
type Validator interface {
	Validate(kind models.Kind, doc any) ([]models.Violation, error)
}

// Config tunes the cost of checking bodies. The zero value is the default.
type Config struct {
	// MaxViolations is how many schema violations an answer lists (the
	// first, by pointer); the total is given beside them. Default 100.
	MaxViolations int
	// ConcurrentChecks is how many bodies are validated at once; others
	// wait their turn (or their request's end), so that heavy bodies
	// cannot take every core from reads. Default: half the cores, at
	// least one.
	ConcurrentChecks int
}

// DefaultMaxViolations is Config.MaxViolations's default.
const DefaultMaxViolations = 100

// Service applies the record rules over a store.
type Service struct {
	store         Store
	validator     Validator
	maxViolations int
	checks        chan struct{} // a token per body being validated
}

// NewService is the record service over store.
func NewService(store Store, validator Validator, cfg Config) *Service {
	if cfg.MaxViolations <= 0 {
		cfg.MaxViolations = DefaultMaxViolations
	}
	if cfg.ConcurrentChecks <= 0 {
		cfg.ConcurrentChecks = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &Service{store: store, validator: validator, maxViolations: cfg.MaxViolations,
		checks: make(chan struct{}, cfg.ConcurrentChecks)}
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
func (s *Service) Create(ctx context.Context, scope models.Scope, kind models.Kind, doc any) (models.Record, error) {
	rec, err := s.prepare(ctx, kind, doc, "")
	if err != nil {
		return models.Record{}, err
	}
	return s.store.Create(ctx, scope, kind, rec)
}

// Replace swaps the record uuid for a decoded body, when pre holds: the
// body's id must be uuid (absent, it is taken from it). A refused body
// changes nothing.
func (s *Service) Replace(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, doc any, pre *models.Precondition) (models.Record, error) {
	rec, err := s.prepare(ctx, kind, doc, uuid)
	if err != nil {
		return models.Record{}, err
	}
	return s.store.Replace(ctx, scope, kind, uuid, rec.Body, pre)
}

// Check is the record a decoded body makes, as Create would store it:
// 422 with the violations when it may not be stored. The NS lifecycle
// checks the records it writes with it.
func (s *Service) Check(ctx context.Context, kind models.Kind, doc any) (models.Record, error) {
	return s.prepare(ctx, kind, doc, "")
}

// Get reads one record.
func (s *Service) Get(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Record, error) {
	return s.store.Get(ctx, scope, kind, uuid)
}

// Delete removes a record when pre holds.
func (s *Service) Delete(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, pre *models.Precondition) error {
	return s.store.Delete(ctx, scope, kind, uuid, pre)
}

// List is one page of the records q selects.
func (s *Service) List(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Record], error) {
	return s.store.List(ctx, scope, kind, q)
}

// Count is how many records f matches.
func (s *Service) Count(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error) {
	return s.store.Count(ctx, scope, kind, f)
}

// prepare turns a decoded body into the record to store. For a replace,
// urlUUID is the record's uuid: a body id must equal it, and an absent id
// is taken from it.
func (s *Service) prepare(ctx context.Context, kind models.Kind, doc any, urlUUID string) (models.Record, error) {
	select {
	case s.checks <- struct{}{}:
		defer func() { <-s.checks }()
	case <-ctx.Done():
		return models.Record{}, ended(ctx)
	}
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
	// The schema validator cannot take a number past a float64 (it
	// panics on one in a uniqueItems array): refused first.
	if v := beyondFloat(doc, ""); len(v) > 0 {
		return models.Record{}, s.refusal(kind, v)
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
		return models.Record{}, s.refusal(kind, violations)
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

// refusal is the 422 of a body with violations: the first
// s.maxViolations of them, by pointer, and how many there are.
func (s *Service) refusal(kind models.Kind, violations []models.Violation) *models.Error {
	slices.SortStableFunc(violations, func(a, b models.Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
	e := &models.Error{Code: models.CodeUnprocessable, Violations: violations}
	switch n := len(violations); {
	case n == 1:
		e.Detail = "1 schema violation in the " + kind.Singular()
	case n > s.maxViolations:
		e.Violations, e.ViolationsTotal = firstViolations(violations, s.maxViolations), n
		e.Detail = fmt.Sprintf("%d schema violations in the %s; %d are listed", n, kind.Singular(), s.maxViolations)
	default:
		e.Detail = strconv.Itoa(n) + " schema violations in the " + kind.Singular()
	}
	return e
}

// perPointer is how many violations at one pointer are listed before
// those at the next ones, when not all are listed.
const perPointer = 3

// firstViolations picks max of violations (sorted by pointer) to list: in
// pointer order, at most perPointer at each pointer, then the others in
// order while there is room. An array of 3,000 duplicates would otherwise
// fill the list with "items must be unique" and hide what else is wrong.
func firstViolations(violations []models.Violation, max int) []models.Violation {
	picked := make([]bool, len(violations))
	out := make([]models.Violation, 0, max)
	run := 0
	for i, v := range violations {
		if i > 0 && v.Pointer == violations[i-1].Pointer {
			run++
		} else {
			run = 0
		}
		if run < perPointer && len(out) < max {
			picked[i] = true
			out = append(out, v)
		}
	}
	for i, v := range violations {
		if !picked[i] && len(out) < max {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b models.Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

// ended is the error of a request whose context ended while it waited.
func ended(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &models.Error{Code: models.CodeTimeout, Detail: "the request did not finish in time; retry later", Err: ctx.Err()}
	}
	return &models.Error{Code: models.CodeCanceled, Detail: "the request was canceled", Err: ctx.Err()}
}

// jsonish renders a value of a decoded body for a message, cut short as
// models.Quote cuts input.
func jsonish(v any) string {
	if s, ok := v.(string); ok {
		return models.Quote(s)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	out, cut := models.Shorten(strings.TrimSuffix(buf.String(), "\n"), 64)
	if cut {
		out += "..."
	}
	return out
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
				childPtr := ptr + "/" + document.EscapePointer(k)
				if msg := models.FieldNameProblem(k); msg != "" {
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
			n, err := models.ExactNumber(t)
			if err != nil {
				violations = append(violations, models.Violation{Pointer: ptr, Message: err.Error()})
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

// beyondFloat finds the numbers of doc no float64 can hold.
func beyondFloat(v any, ptr string) []models.Violation {
	var out []models.Violation
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			out = append(out, beyondFloat(child, ptr+"/"+document.EscapePointer(k))...)
		}
	case []any:
		for i, child := range t {
			out = append(out, beyondFloat(child, ptr+"/"+strconv.Itoa(i))...)
		}
	case json.Number:
		if f, err := t.Float64(); (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsInf(f, 0) {
			_, why := models.ExactNumber(t)
			out = append(out, models.Violation{Pointer: ptr, Message: why.Error()})
		}
	}
	return out
}
