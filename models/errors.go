// Package models holds the plain types shared by every layer: record kinds,
// the stored envelope, list queries and the application error.
package models

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrorCode is a machine-readable error class. handlers/ maps each code to
// an HTTP status in one place; nothing below handlers/ knows about HTTP.
type ErrorCode string

const (
	CodeInvalid            ErrorCode = "BAD_REQUEST"            // malformed input: body, query, header
	CodeUnprocessable      ErrorCode = "UNPROCESSABLE_ENTITY"   // well-formed but refused by the schema
	CodeNotFound           ErrorCode = "NOT_FOUND"              // no such record or route
	CodeConflict           ErrorCode = "CONFLICT"               // uuid already taken
	CodePreconditionFailed ErrorCode = "PRECONDITION_FAILED"    // If-Match does not hold
	CodeUnsupportedMedia   ErrorCode = "UNSUPPORTED_MEDIA_TYPE" // body not JSON or YAML
	CodeTooLarge           ErrorCode = "PAYLOAD_TOO_LARGE"      // body over the configured limit
	CodeMethodNotAllowed   ErrorCode = "METHOD_NOT_ALLOWED"
	CodeUnauthorized       ErrorCode = "UNAUTHORIZED"          // no credentials, or bad ones
	CodeForbidden          ErrorCode = "FORBIDDEN"             // the caller's roles do not grant it
	CodeRequestTimeout     ErrorCode = "REQUEST_TIMEOUT"       // the body did not arrive in time
	CodeUnavailable        ErrorCode = "SERVICE_UNAVAILABLE"   // database unreachable
	CodeTimeout            ErrorCode = "TIMEOUT"               // the request ran past its deadline
	CodeCanceled           ErrorCode = "CLIENT_CLOSED_REQUEST" // the client went away first
	CodeStorageFull        ErrorCode = "INSUFFICIENT_STORAGE"  // the database has no room to write
	CodeInternal           ErrorCode = "INTERNAL_ERROR"        // a bug: logged in full, shown as "internal error"
)

// Violation is one schema violation, located by an RFC 6901 JSON pointer.
type Violation struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// Error is the application error. Detail is safe to show to the caller;
// Err (optional) is the underlying cause, logged but never shown.
type Error struct {
	Code       ErrorCode
	Detail     string
	Violations []Violation
	// ViolationsTotal, when more than len(Violations), is how many were
	// found: the answer lists the first ones only.
	ViolationsTotal int
	Err             error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error with a formatted detail.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the first *Error in err's chain, and
// CodeInternal for anything else: an error nobody classified is a bug.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// maxEcho is how much of a client's input a message repeats.
const maxEcho = 64

// Quote quotes client input for a message, cut to its first 64 bytes
// (at a character boundary) and "..." when longer: an error must not
// send a large input back, nor grow with it.
func Quote(s string) string {
	if short, cut := Shorten(s, maxEcho); cut {
		return strconv.Quote(short) + "..."
	}
	return strconv.Quote(s)
}

// Shorten cuts s to at most n bytes at a character boundary; cut says
// whether it did.
func Shorten(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// Printable reports whether s may name something (a key in the database,
// a name in a message): valid UTF-8 of at most max bytes, without
// control characters.
func Printable(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
