// Package schemas embeds the SONATA record schemas (JSON Schema draft-04)
// and validates records against them. The schemas are compiled once, when
// the Validator is built.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
)

//go:embed nsr-schema.json vnfr-schema.json sonata-vnfd-schema.yml sonata-nsd-schema.yml
var files embed.FS

var schemaFile = map[models.Kind]string{
	models.KindNSR:  "nsr-schema.json",
	models.KindVNFR: "vnfr-schema.json",
	// The SONATA descriptor schemas (tng-schema's, draft-04, in YAML),
	// for the catalogue.
	models.KindSonataVNFD: "sonata-vnfd-schema.yml",
	models.KindSonataNSD:  "sonata-nsd-schema.yml",
}

// Validator holds one compiled schema per record kind. It is safe for
// concurrent use.
type Validator struct {
	compiled map[models.Kind]*gojsonschema.Schema
	complex  map[models.Kind][]string
}

// New compiles the embedded schemas.
func New() (*Validator, error) {
	v := &Validator{
		compiled: make(map[models.Kind]*gojsonschema.Schema, len(schemaFile)),
		complex:  make(map[models.Kind][]string, len(schemaFile)),
	}
	for kind, name := range schemaFile {
		raw, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read schema %s: %w", name, err)
		}
		if strings.HasSuffix(name, ".yml") {
			doc, err := document.DecodeYAML(raw, document.Limits{MaxValues: 1 << 20, MaxArrayItems: 1 << 16, MaxObjectMembers: 1 << 16, MaxDepth: 100})
			if err != nil {
				return nil, fmt.Errorf("read schema %s: %w", name, err)
			}
			if raw, err = json.Marshal(doc); err != nil {
				return nil, fmt.Errorf("read schema %s: %w", name, err)
			}
		}
		s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(raw))
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
		v.compiled[kind] = s
		if v.complex[kind], err = complexAttributes(raw); err != nil {
			return nil, fmt.Errorf("read schema %s: %w", name, err)
		}
	}
	return v, nil
}

// ComplexAttributes lists the top-level attributes of kind that the schema
// types as objects or arrays, sorted: the "complex attributes" SOL013's
// exclude_default leaves out of lists, derived from the schema so the two
// cannot drift apart.
func (v *Validator) ComplexAttributes(kind models.Kind) []string {
	return slices.Clone(v.complex[kind])
}

func complexAttributes(raw []byte) ([]string, error) {
	var s struct {
		Properties map[string]struct {
			Type any `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	var out []string
	for name, p := range s.Properties {
		if p.Type == "object" || p.Type == "array" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Validate checks doc, a value decoded from JSON with json.Decoder.UseNumber
// (maps, slices, json.Number, strings, bools, nil), against the schema of
// kind. It returns every violation, ordered by pointer, or nil when doc is
// valid.
func (v *Validator) Validate(kind models.Kind, doc any) ([]models.Violation, error) {
	s, ok := v.compiled[kind]
	if !ok {
		return nil, fmt.Errorf("no schema for record kind %q", kind)
	}
	res, err := s.Validate(decodedLoader{doc})
	if err != nil {
		return nil, fmt.Errorf("validate %s: %w", kind, err)
	}
	if res.Valid() {
		return nil, nil
	}
	out := make([]models.Violation, 0, len(res.Errors()))
	for _, e := range res.Errors() {
		out = append(out, models.Violation{Pointer: pointerOf(e), Message: e.Description()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out, nil
}

// pointerOf renders the location of a violation as an RFC 6901 JSON pointer.
// For a missing or unexpected property it points at that property, which is
// what a user has to add or remove.
func pointerOf(e gojsonschema.ResultError) string {
	const sep = "\x00"
	segments := strings.Split(e.Context().String(sep), sep)[1:] // drop "(root)"
	switch e.Type() {
	case "required", "additional_property_not_allowed":
		if p, ok := e.Details()["property"].(string); ok {
			segments = append(segments, p)
		}
	}
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(document.EscapePointer(s))
	}
	return b.String()
}

// decodedLoader hands gojsonschema a document that is already decoded, so a
// body is parsed once rather than re-marshalled by NewGoLoader.
type decodedLoader struct{ doc any }

func (l decodedLoader) JsonSource() any        { return l.doc }
func (l decodedLoader) LoadJSON() (any, error) { return l.doc, nil }
func (l decodedLoader) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}
func (l decodedLoader) LoaderFactory() gojsonschema.JSONLoaderFactory {
	return &gojsonschema.DefaultJSONLoaderFactory{}
}
