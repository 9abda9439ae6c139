package handlers

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
	"github.com/nfv-records/nfv-records/schemas"
)

func TestBodyFormat(t *testing.T) {
	tests := []struct {
		contentType string
		yaml        bool
		wantErr     bool
	}{
		{"application/json", false, false},
		{"application/json; charset=utf-8", false, false},
		{"Application/JSON", false, false},
		{"application/merge-patch+json", false, false},
		{"application/yaml", true, false},
		{"application/x-yaml; charset=UTF-8", true, false},
		{"text/yaml", true, false},
		{"text/x-yaml", true, false},
		{"", false, true},
		{"text/plain", false, true},
		{"application/x-www-form-urlencoded", false, true},
		{"application/json; charset", false, true},
	}
	for _, tt := range tests {
		got, err := bodyFormat(tt.contentType)
		if (err != nil) != tt.wantErr || got != tt.yaml {
			t.Errorf("%q: got yaml=%v err=%v; want yaml=%v error=%v", tt.contentType, got, err, tt.yaml, tt.wantErr)
		}
		if err != nil && models.ErrorCodeOf(err) != models.CodeUnsupportedMedia {
			t.Errorf("%q: code %s, want %s", tt.contentType, models.ErrorCodeOf(err), models.CodeUnsupportedMedia)
		}
	}
}

// testBodies reads bodies as the service does by default.
var testBodies = bodyReader{maxBytes: 4 << 20, limits: document.DefaultLimits()}

func TestDecodeBody(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		yaml    bool
		want    any
		wantErr string
	}{
		{"object", `{"a":1}`, false, map[string]any{"a": json.Number("1")}, ""},
		{"yaml object", "a: 1\nb: [x, true]\n", true, map[string]any{"a": json.Number("1"), "b": []any{"x", true}}, ""},
		{"empty", "  \n", false, nil, "empty"},
		{"trailing data", `{"a":1} {"b":2}`, false, nil, "after the top-level value"},
		{"truncated", `{"a":`, false, nil, "end of input"},
		{"comment", `{/* no */"a":1}`, false, nil, "invalid character '/': expected a member name in double quotes (at byte 1)"},
		{"bad yaml", "a: [1, 2\n", true, nil, "not valid YAML"},
		{"two yaml documents", "a: 1\n---\nb: 2\n", true, nil, "more than one YAML document"},
		{"one yaml document with markers", "---\na: 1\n...\n", true, map[string]any{"a": json.Number("1")}, ""},
		{"a number past a float64 is kept for the record rules", `{"a":[1,{"b":-1e999}]}`, false, map[string]any{"a": []any{json.Number("1"), map[string]any{"b": json.Number("-1e999")}}}, ""},
		{"yaml infinity", "a: .inf\n", true, nil, ".inf has no JSON form at /a (line 1)"},
		{"duplicate key", `{"id":"a","status":"x","id":"b"}`, false, nil, `duplicate member "id" at /id (at byte 23)`},
		{"yaml duplicate key", "id: a\nid: b\n", true, nil, `duplicate key "id" at /id (line 2)`},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", false, nil, "invalid UTF-8 (byte 0xff) in a string at /a (at byte 6)"},
		{"lone surrogate", `{"a":"\udead"}`, false, nil, `lone surrogate escape \udead in a string (not a character) at /a`},
		{"truncated after a member", `{"id":"x",`, false, nil, "unexpected end of input: expected a member name in the object opened at byte 0 (at byte 10)"},
		{"yaml overflowing float stays a string", "a: 1.0e+999\n", true, map[string]any{"a": "1.0e+999"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := testBodies.decode([]byte(tt.raw), tt.yaml)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || models.ErrorCodeOf(err) != models.CodeInvalid {
					t.Fatalf("err = %v, want an invalid-input error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

// FuzzDecodeRecord feeds arbitrary bodies through the whole write path
// (decode, the record rules, the embedded store). It must never panic; a
// failure must be a client error (400, 409, 422); and anything accepted
// must read back as valid JSON with the fields sent, and be storable as
// BSON (the MongoDB backend), so no accepted body can later fail with a
// 500.
func FuzzDecodeRecord(f *testing.F) {
	seeds := []string{
		`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_version":"1","status":"offline"}`,
		`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_version":"1","status":"offline","version":"7"}`,
		`{"id":"x1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_version":"1","status":"offline"}`,
		`{"id":"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e","descriptor_version":"1","status":"offline","virtual_deployment_units":[{"id":"a","resource_requirements":{"cpu":{"vcpus":1e999},"memory":{"size":1}}}]}`,
		"id: 1b5bab2a-8286-2b40-4827-dc5d6e37bf8e\ndescriptor_version: '1'\nstatus: offline\n",
		"{/* c */}", `[]`, `"s"`, `null`, `{"a":`, "a: &x [*x]", "? [a]\n: b\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	v, err := schemas.New()
	if err != nil {
		f.Fatal(err)
	}
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(f.TempDir(), "fuzz.db")})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = db.Close(context.Background()) })
	svc := records.NewService(repo.NewRecordStore(db), v, records.Config{})
	f.Fuzz(func(t *testing.T, raw []byte, isYAML bool) {
		doc, err := testBodies.decode(raw, isYAML)
		if err != nil {
			if c := models.ErrorCodeOf(err); c != models.CodeInvalid && c != models.CodeTooLarge {
				t.Fatalf("decode error of class %s: %v", models.ErrorCodeOf(err), err)
			}
			return
		}
		for _, kind := range models.Kinds() {
			rec, err := svc.Create(t.Context(), testScope, kind, doc)
			if err != nil {
				if c := models.ErrorCodeOf(err); c == models.CodeUnprocessable || c == models.CodeConflict {
					continue
				}
				t.Fatalf("create: %v", err)
			}
			got, err := svc.Get(t.Context(), testScope, kind, rec.UUID)
			if err != nil {
				t.Fatalf("read back %s: %v", rec.UUID, err)
			}
			var rendered map[string]any
			if err := json.Unmarshal(got.AppendJSON(nil), &rendered); err != nil {
				t.Fatalf("accepted body does not render as JSON: %v: %s", err, got.AppendJSON(nil))
			}
			fields, err := got.Fields()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := bson.Marshal(fields); err != nil {
				t.Fatalf("accepted body does not marshal to BSON: %v", err)
			}
			if err := svc.Delete(t.Context(), testScope, kind, rec.UUID, nil); err != nil {
				t.Fatal(err)
			}
			return
		}
	})
}
