package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"sigs.k8s.io/yaml"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/selector"
)

// format is an output representation.
type format int

const (
	formatJSON format = iota
	formatYAML
	formatHTML
)

var contentTypeOf = map[format]string{
	formatJSON: "application/json; charset=utf-8",
	formatYAML: "application/yaml; charset=utf-8",
	formatHTML: "text/html; charset=utf-8",
}

// mediaFormats are the media types a client may ask for in Accept.
var mediaFormats = map[string]format{
	"application/json":   formatJSON,
	"application/yaml":   formatYAML,
	"application/x-yaml": formatYAML,
	"text/yaml":          formatYAML,
	"text/x-yaml":        formatYAML,
	"text/html":          formatHTML,
	"*/*":                formatJSON,
	"application/*":      formatJSON,
}

const formatKey = "nfv-records.format"

// negotiate picks the output format: ?output=json|yaml (any case) wins,
// then the Accept header, else JSON. An unknown ?output is an error, since
// ignoring it would answer in a format the caller did not ask for.
func negotiate(c *gin.Context) (format, error) {
	if vals, ok := c.GetQueryArray("output"); ok {
		if len(vals) != 1 {
			return formatJSON, models.Errorf(models.CodeInvalid, "query parameter output is given more than once")
		}
		switch strings.ToLower(vals[0]) {
		case "json":
			return formatJSON, nil
		case "yaml":
			return formatYAML, nil
		}
		return formatJSON, models.Errorf(models.CodeInvalid, "query parameter output=%s: want json or yaml", models.Quote(vals[0]))
	}
	return fromAccept(c.GetHeader("Accept")), nil
}

// fromAccept returns the supported type the Accept header prefers most
// (highest q, then first listed), or JSON when it names none.
func fromAccept(accept string) format {
	if accept == "" {
		return formatJSON
	}
	type choice struct {
		f     format
		q     float64
		index int
	}
	var choices []choice
	for i, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		f, ok := mediaFormats[mt]
		if !ok {
			continue
		}
		q := 1.0
		if qs, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(qs, 64); err == nil {
				q = v
			}
		}
		if q > 0 {
			choices = append(choices, choice{f, q, i})
		}
	}
	if len(choices) == 0 {
		return formatJSON
	}
	sort.SliceStable(choices, func(i, j int) bool { return choices[i].q > choices[j].q })
	return choices[0].f
}

// render writes v in the negotiated format. The format is negotiated once
// per request by the middleware; a bad ?output was already answered.
func render(c *gin.Context, status int, v any) {
	write(c, status, func(f format) ([]byte, error) { return encode(f, v) })
}

// write writes the body in the negotiated format. The values rendered
// come from decoded JSON, the store's JSON or our own types, so a body
// that cannot be made is a bug: logged, answered 500.
func write(c *gin.Context, status int, body func(format) ([]byte, error)) {
	f := formatJSON
	if got, ok := c.Get(formatKey); ok {
		f = got.(format)
	}
	b, err := body(f)
	if err != nil {
		loggerFrom(c).Error("render response", "error", err)
		f, status = formatJSON, http.StatusInternalServerError
		b = []byte(`{"code":"INTERNAL_ERROR","status":500,"detail":"internal error"}`)
	}
	c.Data(status, contentTypeOf[f], b)
}

func encode(f format, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return fromJSON(f, buf.Bytes())
}

// fromJSON is a JSON document in format f.
func fromJSON(f format, doc []byte) ([]byte, error) {
	switch f {
	case formatYAML:
		return yaml.JSONToYAML(doc)
	case formatHTML:
		var indented bytes.Buffer
		if err := json.Indent(&indented, doc, "", "  "); err != nil {
			return nil, err
		}
		var page bytes.Buffer
		if err := htmlPage.Execute(&page, indented.String()); err != nil {
			return nil, err
		}
		return page.Bytes(), nil
	}
	return doc, nil
}

// renderRecord writes one record as clients see it: its stored body
// copied as it is, the server fields spliced in front (see
// models.Record.AppendJSON): nothing is decoded on the way to JSON.
func renderRecord(c *gin.Context, status int, rec models.Record) {
	buf := rec.AppendJSON(make([]byte, 0, len(rec.Body)+128))
	renderJSON(c, status, append(buf, '\n'))
}

// renderList writes a page of records, as renderRecord writes each. A
// selection (attribute selectors) decodes each record to apply it.
func renderList(c *gin.Context, status int, recs []models.Record, sel selector.Selector) {
	if !sel.All() {
		out := make([]map[string]any, len(recs))
		for i, r := range recs {
			m, err := r.Rendered()
			if err != nil {
				writeError(c, &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: fmt.Errorf("render %s: %w", r.UUID, err)})
				return
			}
			out[i] = sel.Apply(m)
		}
		render(c, status, out)
		return
	}
	size := 3
	for _, r := range recs {
		size += len(r.Body) + 129
	}
	buf := append(make([]byte, 0, size), '[')
	for i, r := range recs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = r.AppendJSON(buf)
	}
	renderJSON(c, status, append(buf, ']', '\n'))
}

// renderJSON writes a JSON document (with its trailing newline) in the
// negotiated format.
func renderJSON(c *gin.Context, status int, doc []byte) {
	write(c, status, func(f format) ([]byte, error) { return fromJSON(f, doc) })
}

// htmlPage is the browsable view: the JSON, indented and escaped.
var htmlPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>nfv-records</title></head>
<body><pre>{{.}}</pre></body></html>
`))

// renderText writes a text/plain answer (tng-rep's ping and delete).
func renderText(c *gin.Context, status int, text string) {
	c.Data(status, "text/plain; charset=utf-8", []byte(text))
}
