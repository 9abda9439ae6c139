package selector

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// The selector query keys.
const (
	KeyAllFields      = "all_fields"
	KeyFields         = "fields"
	KeyExcludeFields  = "exclude_fields"
	KeyExcludeDefault = "exclude_default"
)

// Bounds on a selector, so that no query string makes Parse or Apply
// unbounded. They match the filter package's bounds on paths.
const (
	MaxPaths     = 100 // paths in one of fields / exclude_fields, repeated keys included
	MaxDepth     = 16  // segments in one path
	MaxPathBytes = 512 // bytes in one path
)

// anyIndex is the filter keyword for "any array element"; a selector already
// goes through every element, so the keyword would only mislead.
const anyIndex = "ANYINDEX"

// identity are the attributes that name and order a record: fields always
// keeps them, so a client can follow and page what it selected.
var identity = []string{models.FieldUUID, models.FieldID, models.FieldCreatedAt, models.FieldUpdatedAt}

// unexcludable are the identity attributes without which a record cannot be
// fetched again; created_at/updated_at may go, as only ordering needs them.
var unexcludable = map[string]bool{models.FieldUUID: true, models.FieldID: true}

// internal are stored top-level names that are never rendered as attributes;
// selecting them would suggest they could be.
var internal = map[string]bool{"_id": true, "_admin": true}

// refused lists the key pairs that cannot be given together, with why.
var refused = []struct{ a, b, why string }{
	{KeyAllFields, KeyFields, "all_fields already keeps every attribute"},
	{KeyAllFields, KeyExcludeFields, "all_fields already keeps every attribute"},
	{KeyAllFields, KeyExcludeDefault, "all_fields already keeps every attribute"},
	{KeyFields, KeyExcludeFields, "choose the attributes to keep or the ones to remove"},
	{KeyExcludeFields, KeyExcludeDefault, "give the attributes to remove in exclude_fields only"},
}

type mode uint8

const (
	modeAll     mode = iota // the zero Selector keeps everything
	modeInclude             // fields alone: keep include
	modeExclude             // exclude_fields, or exclude_default (+ fields): remove exclude, put back include
)

// Selector says which attributes of each record a list answer keeps. The
// zero Selector keeps everything. A Selector is immutable once parsed and
// safe for concurrent use.
type Selector struct {
	mode    mode
	include *node // modeInclude: what to keep; modeExclude: what to put back (nil: nothing)
	exclude *node // modeExclude: what to remove
}

// Parse reads all_fields, fields, exclude_fields and exclude_default from a
// query string; other keys are ignored. defaultExcluded lists the top-level
// attributes that exclude_default removes (per record kind, given by the
// caller); each entry is one attribute name, never split on dots.
//
// Errors are *models.Error with Code models.CodeInvalid whose Detail names
// the offending key and says what is wrong. Checks run in a fixed order, so
// a query always gets the same error.
func Parse(values url.Values, defaultExcluded []string) (Selector, error) {
	_, all := values[KeyAllFields]
	_, hasFields := values[KeyFields]
	_, hasExclude := values[KeyExcludeFields]
	_, excludeDefault := values[KeyExcludeDefault]

	for _, r := range refused {
		if _, ok := values[r.a]; !ok {
			continue
		}
		if _, ok := values[r.b]; ok {
			return Selector{}, models.Errorf(models.CodeInvalid,
				"query parameters %s and %s cannot be combined: %s", r.a, r.b, r.why)
		}
	}
	for _, flag := range []string{KeyAllFields, KeyExcludeDefault} {
		for _, v := range values[flag] {
			if v != "" {
				return Selector{}, models.Errorf(models.CodeInvalid,
					"query parameter %s=%s: takes no value (give ?%s or ?%s=)", flag, quote(v), flag, flag)
			}
		}
	}

	switch {
	case all || !(hasFields || hasExclude || excludeDefault):
		return Selector{}, nil

	case hasExclude:
		ex, err := parsePaths(KeyExcludeFields, values[KeyExcludeFields])
		if err != nil {
			return Selector{}, err
		}
		return Selector{mode: modeExclude, exclude: ex}, nil

	case excludeDefault:
		in := &node{}
		if hasFields {
			var err error
			if in, err = parsePaths(KeyFields, values[KeyFields]); err != nil {
				return Selector{}, err
			}
		}
		addIdentity(in)
		ex := &node{}
		for _, name := range defaultExcluded {
			ex.insert([]string{name})
		}
		if len(ex.kids) == 0 { // nothing to remove, so nothing to put back either
			return Selector{}, nil
		}
		return Selector{mode: modeExclude, exclude: ex, include: in}, nil

	default: // fields alone
		in, err := parsePaths(KeyFields, values[KeyFields])
		if err != nil {
			return Selector{}, err
		}
		addIdentity(in)
		return Selector{mode: modeInclude, include: in}, nil
	}
}

func addIdentity(n *node) {
	for _, name := range identity {
		n.insert([]string{name})
	}
}

// All reports whether the selector keeps every attribute (no work to do).
func (s Selector) All() bool { return s.mode == modeAll }

// parsePaths reads every comma-separated path of every occurrence of key
// into one tree.
func parsePaths(key string, occurrences []string) (*node, error) {
	root := &node{}
	n := 0
	if len(occurrences) == 0 { // only a hand-built url.Values can say so
		occurrences = []string{""}
	}
	for _, raw := range occurrences {
		if raw == "" {
			return nil, invalid(key, "empty list: give one or more attribute paths separated by commas")
		}
		for p := range strings.SplitSeq(raw, ",") {
			if n++; n > MaxPaths {
				return nil, invalid(key, "too many paths: at most %d per query", MaxPaths)
			}
			segs, err := parsePath(key, p)
			if err != nil {
				return nil, err
			}
			root.insert(segs)
		}
	}
	return root, nil
}

func parsePath(key, p string) ([]string, error) {
	switch {
	case p == "":
		return nil, invalid(key, "empty path in the list (check for a stray comma)")
	case !utf8.ValidString(p):
		return nil, invalid(key, "path %s is not valid UTF-8", quote(p))
	case len(p) > MaxPathBytes:
		return nil, invalid(key, "path %s is longer than %d bytes", quote(p), MaxPathBytes)
	}
	segs := strings.Split(p, ".")
	if len(segs) > MaxDepth {
		return nil, invalid(key, "path %s is deeper than %d attributes", quote(p), MaxDepth)
	}
	for _, s := range segs {
		switch {
		case s == "":
			return nil, invalid(key, "path %s: empty attribute name", quote(p))
		case s == anyIndex:
			return nil, invalid(key, "path %s: ANYINDEX is for filters; a selector path already applies to every array element", quote(p))
		case filter.IsDigits(s):
			return nil, invalid(key, "path %s: array positions (%s) are not supported in selectors", quote(p), s)
		case !filter.PlainName(s):
			return nil, invalid(key, "path %s: attribute name %q: only letters, digits, '_', '-' and ':' are allowed", quote(p), s)
		}
	}
	if internal[segs[0]] {
		return nil, invalid(key, "path %s: %s is internal storage, not an attribute", quote(p), segs[0])
	}
	if key == KeyExcludeFields && unexcludable[segs[0]] {
		return nil, invalid(key, "path %s: %s identifies the record and cannot be excluded", quote(p), segs[0])
	}
	return segs, nil
}

func invalid(key, format string, args ...any) error {
	return models.Errorf(models.CodeInvalid, "query parameter %s: "+format, append([]any{key}, args...)...)
}

// quote quotes a client-supplied string for an error detail, cut short so
// that a huge query does not make a huge answer.
func quote(s string) string { return models.Quote(s) }
