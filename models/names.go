package models

import (
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/document"
)

// FieldNameProblem says why a member name cannot be stored, "" when it
// can: MongoDB's rules (no leading '$', no '.', no NUL), kept on every
// backend so that what one stores, the other can.
func FieldNameProblem(k string) string {
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

// UnstorableNames are the member names of a decoded document (objects
// and arrays at any depth) that cannot be stored, by JSON pointer under
// ptr: for what a client sends that is kept as it is beside a record (an
// operation's parameters, a VIM's config, user-defined data).
func UnstorableNames(v any, ptr string) []Violation {
	var out []Violation
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			p := ptr + "/" + document.EscapePointer(k)
			if msg := FieldNameProblem(k); msg != "" {
				out = append(out, Violation{Pointer: p, Message: msg})
				continue
			}
			out = append(out, UnstorableNames(child, p)...)
		}
	case []any:
		for i, child := range t {
			out = append(out, UnstorableNames(child, ptr+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}

// CheckNames is a 422 naming every member name of v (a body, under
// pointer ptr) that cannot be stored, nil when all can.
func CheckNames(v any, ptr string) error {
	violations := UnstorableNames(v, ptr)
	if len(violations) == 0 {
		return nil
	}
	return &Error{Code: CodeUnprocessable, Detail: "the body holds member names no database here can store", Violations: violations}
}
