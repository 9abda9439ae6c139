package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"

	"github.com/nfv-records/nfv-records/models"
)

// readBody reads a JSON or YAML request body, by Content-Type, and decodes
// it with numbers kept as json.Number for the schema validator. It returns
// 415 for other media types, 413 past the configured size and 400 for a
// body that does not parse.
func readBody(c *gin.Context, maxBytes int64) (any, error) {
	isYAML, err := bodyFormat(c.GetHeader("Content-Type"))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, models.Errorf(models.CodeTooLarge, "request body is larger than %d bytes", maxBytes)
		}
		return nil, models.Errorf(models.CodeInvalid, "cannot read request body: %v", err)
	}
	return decodeBody(raw, isYAML)
}

// decodeBody decodes a JSON or YAML document, keeping numbers as
// json.Number. Every failure is a CodeInvalid error that says where.
func decodeBody(raw []byte, isYAML bool) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, models.Errorf(models.CodeInvalid, "request body is empty")
	}
	name := "JSON"
	if isYAML {
		name = "YAML"
		if err := singleYAMLDocument(raw); err != nil {
			return nil, err
		}
		var err error
		if raw, err = yaml.YAMLToJSON(raw); err != nil {
			return nil, models.Errorf(models.CodeInvalid, "request body is not valid YAML: %v", err)
		}
	}
	doc, err := decodeJSON(raw)
	if err != nil {
		return nil, models.Errorf(models.CodeInvalid, "request body is not valid %s: %v", name, err)
	}
	if ptr, n, ok := outOfRange(doc, ""); ok {
		return nil, models.Errorf(models.CodeInvalid, "request body: number %s at %s is out of range", n, displayPointer(ptr))
	}
	return doc, nil
}

// singleYAMLDocument refuses a stream of several YAML documents, which
// YAMLToJSON would silently cut to the first.
func singleYAMLDocument(raw []byte) error {
	d := yamlv2.NewDecoder(bytes.NewReader(raw))
	for n := 0; ; n++ {
		var discard any
		err := d.Decode(&discard)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return models.Errorf(models.CodeInvalid, "request body is not valid YAML: %v", err)
		}
		if n == 1 {
			return models.Errorf(models.CodeInvalid, "request body holds more than one YAML document: send one record")
		}
	}
}

// outOfRange finds a number no float64 can hold. They are refused before
// validation: the schema validator cannot handle them (it panics on one
// inside a uniqueItems array) and the database could not store them.
func outOfRange(v any, ptr string) (string, json.Number, bool) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if p, n, ok := outOfRange(child, ptr+"/"+escapePointer(k)); ok {
				return p, n, true
			}
		}
	case []any:
		for i, child := range t {
			if p, n, ok := outOfRange(child, ptr+"/"+strconv.Itoa(i)); ok {
				return p, n, true
			}
		}
	case json.Number:
		if f, err := t.Float64(); err != nil || math.IsInf(f, 0) {
			return ptr, t, true
		}
	}
	return "", "", false
}

func displayPointer(ptr string) string {
	if ptr == "" {
		return "the top level"
	}
	return ptr
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
		return false, models.Errorf(models.CodeUnsupportedMedia, "Content-Type %q does not parse: send %s", contentType, accepted)
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return false, nil
	case mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml" || mt == "text/x-yaml":
		return true, nil
	}
	return false, models.Errorf(models.CodeUnsupportedMedia, "Content-Type %q is not supported: send %s", mt, accepted)
}

// decodeJSON decodes exactly one JSON value; trailing data is an error.
func decodeJSON(raw []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, describeJSONError(err, d.InputOffset())
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the top-level value at byte %d", d.InputOffset())
	}
	return v, nil
}

func describeJSONError(err error, offset int64) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%v (at byte %d)", syn, syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("unexpected end of input at byte %d", offset)
	}
	return err
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escapePointer(s string) string { return pointerEscaper.Replace(s) }
