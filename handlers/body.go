package handlers

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
)

// bodyReader reads request bodies: the size limit, then the structural
// limits (document.Limits), checked while decoding.
type bodyReader struct {
	maxBytes int64
	limits   document.Limits
}

// read reads a JSON or YAML request body, by Content-Type, strictly (see
// document): 415 for other media types, 413 past the size or a
// structural limit, 408 when the body does not arrive in time, 400 for a
// body that does not parse or that the decoder would have to change.
func (r bodyReader) read(c *gin.Context) (any, error) {
	isYAML, err := bodyFormat(c.GetHeader("Content-Type"))
	if err != nil {
		return nil, err
	}
	raw, err := readAll(c, r.maxBytes)
	if err != nil {
		return nil, err
	}
	return r.decode(raw, isYAML)
}

// object reads a body that must be a JSON or YAML object (what says
// which, for the 400 otherwise); false when it answered an error.
func (r bodyReader) object(c *gin.Context, what string) (map[string]any, bool) {
	doc, err := r.read(c)
	if err != nil {
		writeError(c, err)
		return nil, false
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		writeError(c, models.Errorf(models.CodeInvalid, "the body must be %s", what))
		return nil, false
	}
	return obj, true
}

// readAll reads the request body, up to maxBytes, and lifts the read
// deadline the deadline middleware put on it.
func readAll(c *gin.Context, maxBytes int64) ([]byte, error) {
	raw, err := readBody(c, maxBytes)
	if err == nil {
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Time{})
	}
	return raw, err
}

// firstRead is the buffer a body is first read into.
const firstRead = 16 << 10

// readBody reads the request body, up to maxBytes (and up to its declared
// length). The buffer grows with what has arrived, never with what the
// client declares: a declared 4 MiB that trickles in must not hold 4 MiB
// from the first byte. It grows fourfold at a time, and no further than
// the declared length, so a large body costs little more than its size
// (io.ReadAll's doubling costs up to three times).
func readBody(c *gin.Context, maxBytes int64) ([]byte, error) {
	declared := c.Request.ContentLength
	if declared > maxBytes {
		// Refused before reading: a declared length past the limit needs
		// no proof.
		return nil, models.Errorf(models.CodeTooLarge, "request body is larger than %d bytes", maxBytes)
	}
	limit := maxBytes
	if declared >= 0 {
		limit = declared
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxBytes)
	buf := make([]byte, 0, min(limit, firstRead)+1) // one more, to see the end
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				// Only a reader that does not stop at the declared length
				// (net/http does) or the limit gets here.
				return nil, models.Errorf(models.CodeTooLarge, "request body is larger than declared or than %d bytes", maxBytes)
			}
			buf = slices.Grow(buf, int(min(3*int64(cap(buf)), limit+1-int64(len(buf)))))
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		switch {
		case errors.Is(err, io.EOF):
			return buf, nil
		case err != nil:
			return nil, bodyReadError(err, maxBytes)
		}
	}
}

// bodyReadError classifies a failed body read: too large, too slow (the
// server's read deadline), or cut off.
func bodyReadError(err error, maxBytes int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return models.Errorf(models.CodeTooLarge, "request body is larger than %d bytes", maxBytes)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return &models.Error{Code: models.CodeRequestTimeout, Detail: "request body did not arrive in time", Err: err}
	}
	return &models.Error{Code: models.CodeInvalid, Detail: "request body could not be read: the connection failed or the body was cut short", Err: err}
}

// decode decodes a JSON or YAML document. Every failure is a
// *models.Error that says what and where.
func (r bodyReader) decode(raw []byte, isYAML bool) (any, error) {
	var doc any
	var err error
	if isYAML {
		doc, err = document.DecodeYAML(raw, r.limits)
	} else {
		doc, err = document.DecodeJSON(raw, r.limits)
	}
	if err != nil {
		return nil, documentError(err, isYAML)
	}
	return doc, nil
}

// limitSettings name each structural limit by the setting that raises it.
var limitSettings = map[document.Limit]string{
	document.LimitValues:        "MAX_BODY_VALUES",
	document.LimitArrayItems:    "MAX_ARRAY_ITEMS",
	document.LimitObjectMembers: "MAX_OBJECT_MEMBERS",
}

func documentError(err error, isYAML bool) error {
	var e *document.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("decode request body: %w", err)
	}
	name := "JSON"
	if isYAML {
		name = "YAML"
	}
	switch {
	case e.Kind == document.OverLimit && e.Limit == document.LimitDepth:
		// MongoDB's nesting limit, kept on every backend: a rule on what
		// a record may be, as the record rules would report it.
		return &models.Error{Code: models.CodeUnprocessable, Detail: "1 schema violation: " + e.Msg,
			Violations: []models.Violation{{Pointer: e.Pointer, Message: e.Msg}}}
	case e.Kind == document.OverLimit:
		detail := "request body is over a limit: " + e.Error()
		if setting, ok := limitSettings[e.Limit]; ok {
			detail += " (" + setting + ")"
		}
		return models.Errorf(models.CodeTooLarge, "%s", detail)
	case e.Kind == document.Syntax:
		return models.Errorf(models.CodeInvalid, "request body is not valid %s: %s", name, e.Error())
	}
	return models.Errorf(models.CodeInvalid, "request body: %s", e.Error())
}

// bodyFormat tells JSON (false) from YAML (true) by media type; charset and
// other parameters are allowed.
func bodyFormat(contentType string) (bool, error) {
	const accepted = "application/json, application/yaml, application/x-yaml or text/yaml"
	if contentType == "" {
		return false, models.Errorf(models.CodeUnsupportedMedia, "Content-Type is missing: send %s", accepted)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false, models.Errorf(models.CodeUnsupportedMedia, "Content-Type %s does not parse: send %s", models.Quote(contentType), accepted)
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return false, nil
	case mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml" || mt == "text/x-yaml":
		return true, nil
	}
	return false, models.Errorf(models.CodeUnsupportedMedia, "Content-Type %s is not supported: send %s", models.Quote(mt), accepted)
}
