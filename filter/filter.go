// Package filter turns a list query string into conditions on record
// attributes and those into a MongoDB filter document (plain maps, so this
// package imports neither HTTP nor the driver).
//
// This first version accepts exact matches on the attributes lists are
// filtered by most; the SOL005 grammar (operators, nested paths, ANYINDEX)
// extends Parse without changing its callers.
package filter

import (
	"net/url"
	"slices"
	"sort"

	"github.com/nfv-records/nfv-records/models"
)

// Reserved query keys steer paging, format and selection; they are never
// filters. The OSM administrative keys (FORCE, PUBLIC, ADMIN, SET_PROJECT)
// have no meaning here and are accepted so OSM clients work unchanged.
var Reserved = []string{
	"page_number", "page_size", "offset", "limit", "count", "output",
	"FORCE", "PUBLIC", "ADMIN", "SET_PROJECT",
}

// notYet are reserved keys whose feature is not built yet: refusing them
// beats answering as if they had been honoured.
var notYet = []string{
	"sort", "fields", "exclude_fields", "exclude_default", "all_fields", "nextpage_opaque_marker",
}

// Filterable lists the attributes that can be filtered on.
var Filterable = []string{"status", "descriptor_reference"}

// Condition is one condition on a record attribute, named by its rendered path.
type Condition struct {
	Path   string
	Op     string // "eq"
	Values []string
}

// Query is a conjunction of conditions.
type Query struct {
	Conditions []Condition
}

// Parse reads the filter conditions of a query string. Reserved keys are
// skipped; any other key must be a filterable attribute, else the error
// names it.
func Parse(values url.Values) (Query, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic conditions and error messages
	var q Query
	for _, k := range keys {
		if slices.Contains(Reserved, k) {
			continue
		}
		if slices.Contains(notYet, k) {
			return Query{}, models.Errorf(models.CodeInvalid, "query parameter %q is not supported yet", k)
		}
		if !slices.Contains(Filterable, k) {
			return Query{}, models.Errorf(models.CodeInvalid,
				"unknown query parameter %q: filters are supported on %v", k, Filterable)
		}
		q.Conditions = append(q.Conditions, Condition{Path: k, Op: "eq", Values: values[k]})
	}
	return q, nil
}

// Document renders the query as a MongoDB filter document. storedPath maps a
// rendered attribute path to where it is stored.
func (q Query) Document(storedPath func(string) string) map[string]any {
	doc := make(map[string]any, len(q.Conditions))
	var and []any
	for _, c := range q.Conditions {
		var cond any
		if len(c.Values) == 1 {
			cond = map[string]any{"$eq": c.Values[0]}
		} else {
			cond = map[string]any{"$in": c.Values}
		}
		and = append(and, map[string]any{storedPath(c.Path): cond})
	}
	switch len(and) {
	case 0:
	case 1:
		for k, v := range and[0].(map[string]any) {
			doc[k] = v
		}
	default:
		doc["$and"] = and
	}
	return doc
}
