package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// Write-path integration tests: POST, PUT and DELETE of NSRs and VNFRs
// through the router against the real embedded store.

// writeKind describes one record kind as the write tests use it.
type writeKind struct {
	name     string // "nsr" or "vnfr"
	base     string // tng-rep path
	alias    string // gatekeeper-style alias path
	fixtures string // folder under fixtures/
	// minimal returns the smallest valid record with the given id.
	minimal func(id string) map[string]any
	// free returns a valid record whose free-form nested object (the schema
	// lets it have any keys) is m, and the JSON pointer of that object.
	free func(id string, m map[string]any) (map[string]any, string)
}

var writeKinds = []writeKind{
	{
		name: "nsr", base: "/nsrs", alias: "/records/nsr/ns-instances", fixtures: "nsr",
		minimal: func(id string) map[string]any {
			return map[string]any{"descriptor_version": "nsr-schema-01", "id": id, "status": "normal operation"}
		},
		// nsr-schema.json: params is {"type": "object", "additionalProperties": true}.
		free: func(id string, m map[string]any) (map[string]any, string) {
			return map[string]any{"descriptor_version": "nsr-schema-01", "id": id, "status": "normal operation", "params": m}, "/params"
		},
	},
	{
		name: "vnfr", base: "/vnfrs", alias: "/records/vnfr/vnf-instances", fixtures: "vnfr",
		minimal: func(id string) map[string]any {
			return map[string]any{"descriptor_version": "vnfr-schema-01", "id": id, "status": "offline"}
		},
		// vnfr-schema.json: hypervisor_parameters declares type and version
		// but not additionalProperties, so any other key is allowed.
		free: func(id string, m map[string]any) (map[string]any, string) {
			return map[string]any{
				"descriptor_version": "vnfr-schema-01", "id": id, "status": "offline",
				"virtual_deployment_units": []any{map[string]any{
					"id": "vdu01",
					"resource_requirements": map[string]any{
						"cpu":                   map[string]any{"vcpus": 1},
						"memory":                map[string]any{"size": 1},
						"hypervisor_parameters": m,
					},
				}},
			}, "/virtual_deployment_units/0/resource_requirements/hypervisor_parameters"
		},
	},
}

const (
	writeID1 = "5a0f3c1e-1b2d-4c3e-8f4a-0123456789ab"
	writeID2 = "6b1e4d2f-2c3e-4d4f-9a5b-123456789abc"
	writeID3 = "7c2f5e3a-3d4f-4e5a-ab6c-23456789abcd"
)

var writeTimeFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$`)

// writeSend sends one request with an explicit Content-Type ("" sends
// none) and extra header pairs.
func writeSend(t testing.TB, h http.Handler, method, target, contentType string, body []byte, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	if body == nil {
		body = []byte{}
	}
	return do(t, h, method, target, body, append([]string{"Content-Type", contentType}, headers...)...)
}

func writeJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeDecode decodes JSON the way answers are decoded (numbers as float64).
func writeDecode(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, b)
	}
	return v
}

// writeExpected is what the service must answer for a record body: the
// fields as sent, without id, plus uuid; created_at and updated_at are
// checked apart.
func writeExpected(t testing.TB, body []byte) map[string]any {
	t.Helper()
	m, ok := writeDecode(t, body).(map[string]any)
	if !ok {
		t.Fatalf("fixture is not an object: %s", body)
	}
	m["uuid"] = m["id"]
	delete(m, "id")
	return m
}

// writeCheckRecord checks a record answer: JSON, no id, created_at and
// updated_at in the tng-rep format and recent, and every other field equal
// to want. It returns created_at and updated_at.
func writeCheckRecord(t testing.TB, rec *httptest.ResponseRecorder, want map[string]any) (created, updated string) {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	got := decodeObject(t, rec)
	if _, ok := got["id"]; ok {
		t.Errorf("answer has an id field: %v", got["id"])
	}
	created, _ = got["created_at"].(string)
	updated, _ = got["updated_at"].(string)
	for _, ts := range []string{created, updated} {
		if !writeTimeFormat.MatchString(ts) {
			t.Errorf("time %q is not in the tng-rep format 2018-02-26T17:58:51.758+00:00", ts)
			continue
		}
		parsed, err := time.Parse("2006-01-02T15:04:05.000-07:00", ts)
		if err != nil || time.Since(parsed).Abs() > time.Minute {
			t.Errorf("time %q is not now (%v)", ts, err)
		}
	}
	delete(got, "created_at")
	delete(got, "updated_at")
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("record differs from what was sent:\n got %s\nwant %s", g, w)
	}
	return created, updated
}

// writeCode is the code of an error answer ("" when it has none).
func writeCode(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	code, _ := decodeObject(t, rec)["code"].(string)
	return code
}

func writeETag(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	etag := rec.Header().Get("ETag")
	if len(etag) < 3 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("ETag %q is not a strong entity tag", etag)
	}
	return etag
}

// writeViolation fails unless a 422 answer lists a violation at pointer.
func writeViolation(t testing.TB, body map[string]any, pointer string) {
	t.Helper()
	list, _ := body["violations"].([]any)
	for _, v := range list {
		if m, ok := v.(map[string]any); ok && m["pointer"] == pointer {
			return
		}
	}
	t.Errorf("no violation at %s in %v", pointer, body)
}

func writeFixtureFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "fixtures", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for i, f := range files {
		files[i] = filepath.Join(dir, filepath.Base(f))
	}
	return files
}

func TestWriteFixtures(t *testing.T) {
	h, _ := newRouter(t)
	for _, k := range writeKinds {
		for _, name := range writeFixtureFiles(t, k.fixtures) {
			t.Run(name, func(t *testing.T) {
				body := fixture(t, name)
				want := writeExpected(t, body)
				id := want["uuid"].(string)

				rec := do(t, h, http.MethodPost, k.base, body)
				wantStatus(t, rec, http.StatusOK)
				created, updated := writeCheckRecord(t, rec, want)
				if created != updated {
					t.Errorf("new record: created_at %s != updated_at %s", created, updated)
				}
				if loc := rec.Header().Get("Location"); loc != k.base+"/"+id {
					t.Errorf("Location %q, want %s/%s", loc, k.base, id)
				}
				etag := writeETag(t, rec)

				wantError(t, do(t, h, http.MethodPost, k.base, body), http.StatusConflict, "CONFLICT")
				wantError(t, do(t, h, http.MethodPost, k.alias, body), http.StatusConflict, "CONFLICT")

				for _, base := range []string{k.base, k.alias} {
					rec = do(t, h, http.MethodGet, base+"/"+id, nil)
					wantStatus(t, rec, http.StatusOK)
					c, u := writeCheckRecord(t, rec, want)
					if c != created || u != updated {
						t.Errorf("GET %s: times %s %s, want %s %s", base, c, u, created, updated)
					}
					if got := rec.Header().Get("ETag"); got != etag {
						t.Errorf("GET %s: ETag %s, want %s", base, got, etag)
					}
				}
			})
		}
	}
}

// TestWriteFixturesAsYAML: every fixture sent as YAML is stored as the
// same record as its JSON.
func TestWriteFixturesAsYAML(t *testing.T) {
	h, _ := newRouter(t)
	for _, k := range writeKinds {
		for _, name := range writeFixtureFiles(t, k.fixtures) {
			t.Run(name, func(t *testing.T) {
				body := fixture(t, name)
				want := writeExpected(t, body)
				y, err := yaml.JSONToYAML(body)
				if err != nil {
					t.Fatal(err)
				}
				rec := writeSend(t, h, http.MethodPost, k.alias, "application/x-yaml; charset=utf-8", y)
				wantStatus(t, rec, http.StatusOK)
				writeCheckRecord(t, rec, want)
				rec = do(t, h, http.MethodGet, k.base+"/"+want["uuid"].(string), nil)
				wantStatus(t, rec, http.StatusOK)
				writeCheckRecord(t, rec, want)
			})
		}
	}
}

func TestWriteInvalidFixtures(t *testing.T) {
	h, _ := newRouter(t)
	for _, base := range []string{"/nsrs", "/records/nsr/ns-instances"} {
		rec := do(t, h, http.MethodPost, base, fixture(t, "invalid/nsr-example-with-errors.json"))
		writeViolation(t, wantError(t, rec, http.StatusUnprocessableEntity, "UNPROCESSABLE_ENTITY"), "/vendor")
	}
	for _, base := range []string{"/vnfrs", "/records/vnfr/vnf-instances"} {
		rec := do(t, h, http.MethodPost, base, fixture(t, "invalid/vnfr-example-with-errors.json"))
		wantError(t, rec, http.StatusBadRequest, "BAD_REQUEST")
	}
	// Neither was stored.
	wantError(t, do(t, h, http.MethodGet, "/nsrs/33adeb1e-d981-16ec-dc44-e288e80067a1", nil), http.StatusNotFound, "NOT_FOUND")
	wantError(t, do(t, h, http.MethodGet, "/vnfrs/1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", nil), http.StatusNotFound, "NOT_FOUND")
}

// TestWriteAliases: the alias paths serve the same records, with every
// method, and Location names the path that was used.
func TestWriteAliases(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			rec := do(t, h, http.MethodPost, k.alias, writeJSON(t, k.minimal(writeID1)))
			wantStatus(t, rec, http.StatusOK)
			if loc := rec.Header().Get("Location"); loc != k.alias+"/"+writeID1 {
				t.Errorf("Location %q, want %s/%s", loc, k.alias, writeID1)
			}
			wantStatus(t, do(t, h, http.MethodGet, k.base+"/"+writeID1, nil), http.StatusOK)

			wantStatus(t, do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID2))), http.StatusOK)
			next := k.minimal(writeID2)
			next["version"] = "2"
			rec = do(t, h, http.MethodPut, k.alias+"/"+writeID2, writeJSON(t, next))
			wantStatus(t, rec, http.StatusOK)
			if got := decodeObject(t, do(t, h, http.MethodGet, k.base+"/"+writeID2, nil))["version"]; got != "2" {
				t.Errorf("PUT on the alias not seen on %s: version %v", k.base, got)
			}

			rec = do(t, h, http.MethodDelete, k.alias+"/"+writeID1, nil)
			wantStatus(t, rec, http.StatusOK)
			wantError(t, do(t, h, http.MethodGet, k.base+"/"+writeID1, nil), http.StatusNotFound, "NOT_FOUND")
		})
	}
}

// TestWriteServerFieldsDropped: uuid, created_at and updated_at in a body
// are the server's; a record read back can be sent again.
func TestWriteServerFieldsDropped(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			rec := do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID1)))
			wantStatus(t, rec, http.StatusOK)
			readBack := do(t, h, http.MethodGet, k.base+"/"+writeID1, nil)
			wantStatus(t, readBack, http.StatusOK)
			first := decodeObject(t, readBack)

			// POST the read-back record (uuid, created_at, updated_at and no
			// id) under a new id.
			again := decodeObject(t, readBack)
			again["id"] = writeID2
			rec = do(t, h, http.MethodPost, k.base, writeJSON(t, again))
			wantStatus(t, rec, http.StatusOK)
			want := k.minimal(writeID2)
			want["uuid"] = writeID2
			delete(want, "id")
			writeCheckRecord(t, rec, writeDecode(t, writeJSON(t, want)).(map[string]any))

			// Server fields with bogus values are ignored, not validated.
			bogus := k.minimal(writeID3)
			bogus["uuid"] = writeID1
			bogus["created_at"] = "yesterday"
			bogus["updated_at"] = 42
			rec = do(t, h, http.MethodPost, k.base, writeJSON(t, bogus))
			wantStatus(t, rec, http.StatusOK)
			got := decodeObject(t, rec)
			if got["uuid"] != writeID3 || got["created_at"] == "yesterday" || got["updated_at"] == float64(42) {
				t.Errorf("server fields taken from the body: %v", got)
			}

			// PUT the read-back record unchanged: same fields, created_at kept.
			rec = do(t, h, http.MethodPut, k.base+"/"+writeID1, readBack.Body.Bytes())
			wantStatus(t, rec, http.StatusOK)
			put := decodeObject(t, rec)
			if put["created_at"] != first["created_at"] {
				t.Errorf("created_at %v, want %v", put["created_at"], first["created_at"])
			}
			delete(put, "updated_at")
			delete(first, "updated_at")
			if !reflect.DeepEqual(put, first) {
				t.Errorf("PUT of the read-back record changed it:\n got %v\nwant %v", put, first)
			}
			if etag := rec.Header().Get("ETag"); etag != `"2"` {
				t.Errorf("ETag %s after one PUT, want \"2\"", etag)
			}

			// A PUT body's created_at is ignored too.
			bogus = k.minimal(writeID1)
			bogus["created_at"] = "2001-01-01T00:00:00.000+00:00"
			rec = do(t, h, http.MethodPut, k.base+"/"+writeID1, writeJSON(t, bogus))
			wantStatus(t, rec, http.StatusOK)
			if got := decodeObject(t, rec)["created_at"]; got != first["created_at"] {
				t.Errorf("created_at %v after PUT, want %v", got, first["created_at"])
			}
		})
	}
}

// writeNested builds {"a": {"a": ... v}} with depth objects, or with
// depth arrays when arrays is set.
func writeNested(depth int, arrays bool, v any) any {
	for range depth {
		if arrays {
			v = []any{v}
		} else {
			v = map[string]any{"a": v}
		}
	}
	return v
}

// TestWriteBodies: media types, malformed bodies and bodies the database
// could not store, on POST, for both kinds. A refused body is never
// stored, and never answered with a 500.
func TestWriteBodies(t *testing.T) {
	big := strings.Repeat("x", testMaxBody)
	type tc struct {
		name        string
		contentType string
		body        func(k writeKind, id string) []byte
		status      int      // exact status; 0: stored as sent (200) or refused with 400, 413 or 422, never 500
		code        string   // error code, when status is an error
		pointers    []string // violations expected; "FREE" stands for the free-form object's pointer
	}
	raw := func(s string) func(writeKind, string) []byte {
		return func(_ writeKind, id string) []byte { return []byte(strings.ReplaceAll(s, "@ID@", id)) }
	}
	valid := func(k writeKind, id string) []byte { return writeJSON(t, k.minimal(id)) }
	validYAML := func(k writeKind, id string) []byte {
		m := k.minimal(id)
		return []byte(fmt.Sprintf("# a record\ndescriptor_version: %s\nid: %s\nstatus: %s\n", m["descriptor_version"], id, m["status"]))
	}
	withFree := func(m map[string]any) func(writeKind, string) []byte {
		return func(k writeKind, id string) []byte { doc, _ := k.free(id, m); return writeJSON(t, doc) }
	}
	withFreeRaw := func(value string) func(writeKind, string) []byte {
		return func(k writeKind, id string) []byte {
			doc, _ := k.free(id, map[string]any{"placeholder": "@@"})
			return bytes.Replace(writeJSON(t, doc), []byte(`{"placeholder":"@@"}`), []byte(value), 1)
		}
	}
	withField := func(key string, v any) func(writeKind, string) []byte {
		return func(k writeKind, id string) []byte {
			m := k.minimal(id)
			m[key] = v
			if s, ok := v.(string); ok {
				m[key] = strings.ReplaceAll(s, "@ID@", id)
			}
			return writeJSON(t, m)
		}
	}
	cases := []tc{
		{name: "json", contentType: "application/json", body: valid, status: 200},
		{name: "json charset", contentType: "application/json; charset=utf-8", body: valid, status: 200},
		{name: "yaml", contentType: "application/yaml", body: validYAML, status: 200},
		{name: "x-yaml", contentType: "application/x-yaml", body: validYAML, status: 200},
		{name: "text yaml", contentType: "text/yaml", body: validYAML, status: 200},
		{name: "yaml charset", contentType: "application/yaml; charset=utf-8", body: validYAML, status: 200},
		{name: "yaml upper case type", contentType: "Application/YAML; charset=UTF-8", body: validYAML, status: 200},
		{name: "json sent as yaml", contentType: "application/yaml", body: valid, status: 200},

		{name: "text/plain", contentType: "text/plain", body: valid, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "no content type", contentType: "", body: valid, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: valid, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "unparsable content type", contentType: "application/json; ;;=", body: valid, status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "xml", contentType: "application/xml", body: raw("<nsr/>"), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},

		{name: "malformed json", contentType: "application/json", body: raw(`{"id": "@ID@",`), status: 400, code: "BAD_REQUEST"},
		{name: "json comment", contentType: "application/json", body: raw(`{"id": "@ID@" /* c */}`), status: 400, code: "BAD_REQUEST"},
		{name: "json single quotes", contentType: "application/json", body: raw(`{'id': 'x'}`), status: 400, code: "BAD_REQUEST"},
		{name: "json trailing object", contentType: "application/json", body: func(k writeKind, id string) []byte { return append(valid(k, id), valid(k, id)...) }, status: 400, code: "BAD_REQUEST"},
		{name: "json trailing garbage", contentType: "application/json", body: func(k writeKind, id string) []byte { return append(valid(k, id), " x"...) }, status: 400, code: "BAD_REQUEST"},
		{name: "json trailing comma", contentType: "application/json", body: func(k writeKind, id string) []byte { return append(valid(k, id), ","...) }, status: 400, code: "BAD_REQUEST"},
		{name: "json trailing whitespace is fine", contentType: "application/json", body: func(k writeKind, id string) []byte { return append(valid(k, id), " \n\t\n"...) }, status: 200},
		{name: "invalid utf-8 in json", contentType: "application/json", body: withFreeRaw("{\"k\": \"\xff\xfe\"}"), status: 0},
		{name: "malformed yaml", contentType: "application/yaml", body: raw("id: [unclosed\nstatus: x\n"), status: 400, code: "BAD_REQUEST"},
		{name: "yaml bad indentation", contentType: "application/yaml", body: raw("id: x\n  status: y\n bad: z\n"), status: 400, code: "BAD_REQUEST"},
		{name: "yaml tab", contentType: "text/yaml", body: raw("id:\n\t- x\n"), status: 400, code: "BAD_REQUEST"},
		// Like trailing data after a JSON value: a second document must not be
		// dropped silently.
		{name: "yaml two documents", contentType: "application/yaml", body: func(k writeKind, id string) []byte { return append(validYAML(k, id), "---\nstatus: failed\n"...) }, status: 400, code: "BAD_REQUEST"},
		{name: "empty", contentType: "application/json", body: raw(""), status: 400, code: "BAD_REQUEST"},
		{name: "whitespace only", contentType: "application/json", body: raw(" \n\t "), status: 400, code: "BAD_REQUEST"},
		{name: "empty yaml", contentType: "application/yaml", body: raw(""), status: 400, code: "BAD_REQUEST"},
		{name: "yaml comment only", contentType: "application/yaml", body: raw("# nothing\n"), status: 0},

		{name: "too large json", contentType: "application/json", body: withFree(map[string]any{"big": big}), status: 413, code: "PAYLOAD_TOO_LARGE"},
		{name: "too large yaml", contentType: "application/yaml", body: func(k writeKind, id string) []byte { return append(validYAML(k, id), ("# " + big + "\n")...) }, status: 413, code: "PAYLOAD_TOO_LARGE"},
		{name: "too large garbage", contentType: "application/json", body: raw(big + "x"), status: 413, code: "PAYLOAD_TOO_LARGE"},

		{name: "array", contentType: "application/json", body: func(k writeKind, id string) []byte { return writeJSON(t, []any{k.minimal(id)}) }, status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "empty array", contentType: "application/json", body: raw(`[]`), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "string", contentType: "application/json", body: raw(`"@ID@"`), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "number", contentType: "application/json", body: raw(`42`), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "null", contentType: "application/json", body: raw(`null`), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "yaml list", contentType: "application/yaml", body: raw("- id: @ID@\n"), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "yaml scalar", contentType: "application/yaml", body: raw("just text\n"), status: 422, code: "UNPROCESSABLE_ENTITY"},
		{name: "empty object", contentType: "application/json", body: raw(`{}`), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id", "/status"}},

		{name: "missing id", contentType: "application/json", body: func(k writeKind, id string) []byte { m := k.minimal(id); delete(m, "id"); return writeJSON(t, m) }, status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id prefixed", contentType: "application/json", body: withField("id", "x@ID@"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id suffixed", contentType: "application/json", body: withField("id", "@ID@0"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id with spaces", contentType: "application/json", body: withField("id", " @ID@ "), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id twice", contentType: "application/json", body: withField("id", "@ID@/@ID@"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id a number", contentType: "application/json", body: withField("id", 12345), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "id null", contentType: "application/json", body: withField("id", nil), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/id"}},
		{name: "unknown top-level field", contentType: "application/json", body: withField("vendor", "x"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/vendor"}},
		{name: "top-level dollar field", contentType: "application/json", body: withField("$where", "1"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/$where"}},
		{name: "bad status", contentType: "application/json", body: withField("status", "bogus"), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"/status"}},

		{name: "free-form keys are stored", contentType: "application/json", body: withFree(map[string]any{"a/b": 1, "c~d": "x", "nested": map[string]any{"k": []any{1, 2.5, true, nil}}}), status: 200},
		{name: "dollar key", contentType: "application/json", body: withFree(map[string]any{"$set": 1}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/$set"}},
		{name: "dotted key", contentType: "application/json", body: withFree(map[string]any{"a.b": 1}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/a.b"}},
		{name: "nested dollar key", contentType: "application/json", body: withFree(map[string]any{"x": map[string]any{"$gt": 1}}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/x/$gt"}},
		{name: "dotted key in array", contentType: "application/json", body: withFree(map[string]any{"l": []any{"ok", map[string]any{"k.y": 1}}}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/l/1/k.y"}},
		{name: "two bad keys", contentType: "application/json", body: withFree(map[string]any{"$a": 1, "b.c": 2}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/$a", "FREE/b.c"}},
		{name: "slash in bad key is escaped", contentType: "application/json", body: withFree(map[string]any{"$a/b": 1}), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/$a~1b"}},
		{name: "NUL in key", contentType: "application/json", body: withFreeRaw(`{"a\u0000b": 1}`), status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/a\x00b"}},
		{name: "empty key", contentType: "application/json", body: withFree(map[string]any{"": 1}), status: 0},
		{name: "dollar key in yaml", contentType: "application/yaml", body: func(k writeKind, id string) []byte {
			doc, _ := k.free(id, map[string]any{"$where": "1"})
			return writeJSON(t, doc) // JSON is YAML
		}, status: 422, code: "UNPROCESSABLE_ENTITY", pointers: []string{"FREE/$where"}},

		{name: "1e999", contentType: "application/json", body: withFreeRaw(`{"n": 1e999}`), status: 0},
		{name: "-1e999", contentType: "application/json", body: withFreeRaw(`{"n": -1e999}`), status: 0},
		{name: "1e-999", contentType: "application/json", body: withFreeRaw(`{"n": 1e-999}`), status: 0},
		{name: "huge integer", contentType: "application/json", body: withFreeRaw(`{"n": 123456789012345678901234567890}`), status: 0},
		{name: "long number", contentType: "application/json", body: withFreeRaw(`{"n": 1` + strings.Repeat("0", 5000) + `}`), status: 0},
		{name: "1e999 in an integer field", contentType: "application/json", body: func(k writeKind, id string) []byte {
			if k.name == "nsr" {
				return []byte(`{"descriptor_version":"x","id":"` + id + `","status":"offline","forwarding_graphs":[{"fg_id":"f","number_of_endpoints":1e999}]}`)
			}
			return []byte(`{"descriptor_version":"x","id":"` + id + `","status":"offline","virtual_deployment_units":[{"id":"v","resource_requirements":{"cpu":{"vcpus":1e999},"memory":{"size":1}}}]}`)
		}, status: 0},
		{name: "1e999 as the id", contentType: "application/json", body: raw(`{"descriptor_version":"x","id":1e999,"status":"offline"}`), status: 0},
		{name: "yaml inf", contentType: "application/yaml", body: func(k writeKind, id string) []byte { return append(validYAML(k, id), "version: .inf\n"...) }, status: 0},
		{name: "yaml nan", contentType: "application/yaml", body: func(k writeKind, id string) []byte {
			doc, _ := k.free(id, map[string]any{"placeholder": "@@"})
			return bytes.Replace(writeJSON(t, doc), []byte(`"@@"`), []byte(`.nan`), 1)
		}, status: 0},
		{name: "yaml 1e999", contentType: "application/yaml", body: withFreeRaw(`{"n": 1e999}`), status: 0},

		{name: "200 nested objects", contentType: "application/json", body: withFree(map[string]any{"deep": writeNested(200, false, 1)}), status: 0},
		{name: "200 nested arrays", contentType: "application/json", body: withFree(map[string]any{"deep": writeNested(200, true, 1)}), status: 0},
		{name: "200 nested objects in yaml", contentType: "application/yaml", body: withFree(map[string]any{"deep": writeNested(200, false, 1)}), status: 0},
		{name: "20000 nested arrays", contentType: "application/json", body: withFreeRaw(`{"deep": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), status: 0},
		{name: "20000 nested arrays in yaml", contentType: "application/yaml", body: withFreeRaw(`{"deep": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), status: 0},
		{name: "deepest storable nesting is stored", contentType: "application/json", body: func(k writeKind, id string) []byte {
			_, free := k.free(id, nil)
			doc, _ := k.free(id, map[string]any{"deep": writeNested(99-strings.Count(free, "/"), false, 1)})
			return writeJSON(t, doc)
		}, status: 200},
		{name: "one level deeper than storable", contentType: "application/json", body: func(k writeKind, id string) []byte {
			_, free := k.free(id, nil)
			doc, _ := k.free(id, map[string]any{"deep": writeNested(100-strings.Count(free, "/"), false, 1)})
			return writeJSON(t, doc)
		}, status: 422, code: "UNPROCESSABLE_ENTITY"},
		// An array directly inside an array is stored, as MongoDB stores
		// it (FerretDB v1, the embedded store before, refused it).
		{name: "array of arrays", contentType: "application/json", body: withFree(map[string]any{"matrix": []any{[]any{1, 2}, []any{3, 4}}}), status: 200},
		{name: "array of arrays in an object in an array", contentType: "application/json", body: withFree(map[string]any{"l": []any{map[string]any{"m": []any{[]any{"x"}}}}}), status: 200},
		{name: "deepest storable nesting of arrays", contentType: "application/json", body: func(k writeKind, id string) []byte {
			_, free := k.free(id, nil)
			doc, _ := k.free(id, map[string]any{"deep": writeNested(99-strings.Count(free, "/"), true, 1)})
			return writeJSON(t, doc)
		}, status: 0},
		{name: "50 nested objects are stored", contentType: "application/json", body: withFree(map[string]any{"deep": writeNested(50, false, 1)}), status: 200},
	}
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t) // one database per kind; each case has its own uuid
			accepted := 0
			for i, c := range cases {
				id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i+1, i+1)
				t.Run(c.name, func(t *testing.T) {
					body := c.body(k, id)
					rec := writeSend(t, h, http.MethodPost, k.base, c.contentType, body)
					if rec.Code >= 500 {
						t.Fatalf("status %d for bad input; body: %s", rec.Code, rec.Body.String())
					}
					if rec.Code == http.StatusOK {
						accepted++
					}
					t.Logf("%s %q: %d %.300s", k.name, c.name, rec.Code, rec.Body.String())
					switch {
					case c.status == 200:
						wantStatus(t, rec, http.StatusOK)
						stored := do(t, h, http.MethodGet, k.base+"/"+id, nil)
						wantStatus(t, stored, http.StatusOK)
						got := decodeObject(t, stored)
						if !reflect.DeepEqual(got, decodeObject(t, rec)) {
							t.Errorf("GET answers %v, POST answered %v", got, rec.Body.String())
						}
						if c.contentType == "application/json" || c.contentType == "application/json; charset=utf-8" {
							want := writeExpected(t, body)
							delete(got, "created_at")
							delete(got, "updated_at")
							if !reflect.DeepEqual(got, want) {
								t.Errorf("stored %v, want %v", got, want)
							}
						}
						return
					case c.status == 0:
						if rec.Code == http.StatusOK {
							// Accepted: it must read back as it was answered.
							stored := do(t, h, http.MethodGet, k.base+"/"+id, nil)
							wantStatus(t, stored, http.StatusOK)
							if !bytes.Equal(stored.Body.Bytes(), rec.Body.Bytes()) {
								t.Errorf("GET answers %s, POST answered %s", stored.Body.String(), rec.Body.String())
							}
							return
						}
						if rec.Code < 400 {
							t.Fatalf("status %d, want 200 or 4xx; body: %s", rec.Code, rec.Body.String())
						}
						m := wantError(t, rec, rec.Code, writeCode(t, rec))
						if rec.Code != 400 && rec.Code != 413 && rec.Code != 422 {
							t.Errorf("status %d (%v), want 400, 413 or 422", rec.Code, m)
						}
					default:
						m := wantError(t, rec, c.status, c.code)
						_, free := k.free(id, nil)
						for _, p := range c.pointers {
							writeViolation(t, m, strings.Replace(p, "FREE", free, 1))
						}
					}
					// Refused: nothing was stored.
					wantError(t, do(t, h, http.MethodGet, k.base+"/"+id, nil), http.StatusNotFound, "NOT_FOUND")
				})
			}
			// Nothing was stored under another uuid either.
			rec := do(t, h, http.MethodGet, k.base+"?count", nil)
			wantStatus(t, rec, http.StatusOK)
			if got := decodeObject(t, rec)["count"]; got != float64(accepted) {
				t.Errorf("%v records stored, but %d bodies were accepted", got, accepted)
			}
		})
	}
}

// TestWriteErrorShape: error answers of the record endpoints are JSON
// {"code","status","detail"} whatever went wrong.
func TestWriteErrorShape(t *testing.T) {
	h, _ := newRouter(t)
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", writeJSON(t, writeKinds[0].minimal(writeID1))), http.StatusOK)
	cases := []struct {
		name, method, target, contentType string
		body                              []byte
		headers                           []string
		status                            int
		code                              string
	}{
		{"unknown uuid", http.MethodGet, "/nsrs/" + writeID2, "", nil, nil, 404, "NOT_FOUND"},
		{"not a uuid", http.MethodGet, "/nsrs/not-a-uuid", "", nil, nil, 400, "BAD_REQUEST"},
		{"uuid with extra", http.MethodGet, "/nsrs/" + writeID1 + "0", "", nil, nil, 400, "BAD_REQUEST"},
		{"unknown route", http.MethodGet, "/nsrs/" + writeID1 + "/extra", "", nil, nil, 404, "NOT_FOUND"},
		{"method not allowed", http.MethodPatch, "/nsrs/" + writeID1, "application/json", []byte(`{}`), nil, 405, "METHOD_NOT_ALLOWED"},
		{"duplicate", http.MethodPost, "/nsrs", "application/json", writeJSON(t, writeKinds[0].minimal(writeID1)), nil, 409, "CONFLICT"},
		{"stale If-Match", http.MethodPut, "/nsrs/" + writeID1, "application/json", writeJSON(t, writeKinds[0].minimal(writeID1)), []string{"If-Match", `"7"`}, 412, "PRECONDITION_FAILED"},
		{"bad media type", http.MethodPost, "/nsrs", "text/plain", []byte(`x`), nil, 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"schema", http.MethodPost, "/vnfrs", "application/json", []byte(`{}`), nil, 422, "UNPROCESSABLE_ENTITY"},
		{"too large", http.MethodPost, "/vnfrs", "application/json", bytes.Repeat([]byte(" "), testMaxBody+1), nil, 413, "PAYLOAD_TOO_LARGE"},
		{"bad output", http.MethodGet, "/nsrs/" + writeID1 + "?output=xml", "", nil, nil, 400, "BAD_REQUEST"},
		{"delete unknown", http.MethodDelete, "/vnfrs/" + writeID1, "", nil, nil, 404, "NOT_FOUND"},
		{"put unknown", http.MethodPut, "/vnfrs/" + writeID1, "application/json", writeJSON(t, writeKinds[1].minimal(writeID1)), nil, 404, "NOT_FOUND"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := writeSend(t, h, c.method, c.target, c.contentType, c.body, c.headers...)
			m := wantError(t, rec, c.status, c.code)
			for _, key := range []string{"code", "status", "detail"} {
				if _, ok := m[key]; !ok {
					t.Errorf("error body has no %q: %v", key, m)
				}
			}
			if d, _ := m["detail"].(string); d == "" || strings.Contains(strings.ToLower(d), "internal") {
				t.Errorf("detail %q does not say what went wrong", d)
			}
		})
	}
}

func TestWriteGet(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			rec := do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID1)))
			wantStatus(t, rec, http.StatusOK)
			etag := writeETag(t, rec)

			wantError(t, do(t, h, http.MethodGet, k.base+"/"+writeID2, nil), http.StatusNotFound, "NOT_FOUND")
			for _, bad := range []string{"not-a-uuid", "5a0f3c1e1b2d4c3e8f4a0123456789ab", "5a0f3c1e-1b2d-4c3e-8f4a-0123456789ag", "%20" + writeID1} {
				wantError(t, do(t, h, http.MethodGet, k.base+"/"+bad, nil), http.StatusBadRequest, "BAD_REQUEST")
			}
			// An upper-case uuid names the same record.
			rec = do(t, h, http.MethodGet, k.base+"/"+strings.ToUpper(writeID1), nil)
			wantStatus(t, rec, http.StatusOK)
			if got := decodeObject(t, rec)["uuid"]; got != writeID1 {
				t.Errorf("uuid %v, want %s", got, writeID1)
			}

			rec = do(t, h, http.MethodGet, k.base+"/"+writeID1, nil, "If-None-Match", etag)
			wantStatus(t, rec, http.StatusNotModified)
			if rec.Body.Len() != 0 {
				t.Errorf("304 with a body: %q", rec.Body.String())
			}
			if got := rec.Header().Get("ETag"); got != etag {
				t.Errorf("304 ETag %q, want %q", got, etag)
			}
			wantStatus(t, do(t, h, http.MethodGet, k.base+"/"+writeID1, nil, "If-None-Match", `"99", `+etag), http.StatusNotModified)
			rec = do(t, h, http.MethodGet, k.base+"/"+writeID1, nil, "If-None-Match", `"99"`)
			wantStatus(t, rec, http.StatusOK)
			if got := rec.Header().Get("ETag"); got != etag {
				t.Errorf("ETag %q, want %q", got, etag)
			}

			// After a PUT, the old ETag no longer gives 304.
			wantStatus(t, do(t, h, http.MethodPut, k.base+"/"+writeID1, writeJSON(t, k.minimal(writeID1))), http.StatusOK)
			wantStatus(t, do(t, h, http.MethodGet, k.base+"/"+writeID1, nil, "If-None-Match", etag), http.StatusOK)
		})
	}
}

func TestWriteReplace(t *testing.T) {
	h, _ := newRouter(t)
	full := fixture(t, "nsr/gatekeeper-seed-service-1.json")
	id := writeExpected(t, full)["uuid"].(string)
	url := "/nsrs/" + id
	rec := do(t, h, http.MethodPost, "/nsrs", full)
	wantStatus(t, rec, http.StatusOK)
	created, _ := writeCheckRecord(t, rec, writeExpected(t, full))
	etag1 := writeETag(t, rec) // newDB's clock moves on at each write: updated_at will differ

	t.Run("replaces the whole record", func(t *testing.T) {
		next := writeKinds[0].minimal(id)
		next["status"] = "terminated"
		rec := do(t, h, http.MethodPut, url, writeJSON(t, next), "If-Match", etag1)
		wantStatus(t, rec, http.StatusOK)
		c, u := writeCheckRecord(t, rec, writeExpected(t, writeJSON(t, next)))
		if c != created {
			t.Errorf("created_at %s, want %s (kept)", c, created)
		}
		if u <= created {
			t.Errorf("updated_at %s did not move past created_at %s", u, created)
		}
		etag2 := writeETag(t, rec)
		if etag2 == etag1 {
			t.Errorf("ETag %s did not change", etag2)
		}
		get := do(t, h, http.MethodGet, url, nil)
		wantStatus(t, get, http.StatusOK)
		if !bytes.Equal(get.Body.Bytes(), rec.Body.Bytes()) {
			t.Errorf("GET %s, PUT answered %s", get.Body.String(), rec.Body.String())
		}
		if _, ok := decodeObject(t, get)["forwarding_graphs"]; ok {
			t.Errorf("a field absent from the new body is still there")
		}
		if got := get.Header().Get("ETag"); got != etag2 {
			t.Errorf("GET ETag %s, want %s", got, etag2)
		}
	})

	t.Run("id", func(t *testing.T) {
		other := writeKinds[0].minimal(writeID2)
		wantError(t, do(t, h, http.MethodPut, url, writeJSON(t, other)), http.StatusBadRequest, "BAD_REQUEST")
		for _, v := range []any{12, "x" + id, nil, map[string]any{}} {
			bad := writeKinds[0].minimal(id)
			bad["id"] = v
			rec := do(t, h, http.MethodPut, url, writeJSON(t, bad))
			if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("id %v: status %d, want 400 or 422", v, rec.Code)
			}
		}
		// An upper-case body id is the same uuid.
		upper := writeKinds[0].minimal(strings.ToUpper(id))
		rec := do(t, h, http.MethodPut, url, writeJSON(t, upper))
		if rec.Code != http.StatusOK && rec.Code != http.StatusUnprocessableEntity {
			t.Errorf("upper-case id: status %d: %s", rec.Code, rec.Body.String())
		}
		// Absent: taken from the URL.
		noID := writeKinds[0].minimal(id)
		delete(noID, "id")
		noID["version"] = "77"
		rec = do(t, h, http.MethodPut, url, writeJSON(t, noID))
		wantStatus(t, rec, http.StatusOK)
		if got := decodeObject(t, rec); got["uuid"] != id || got["version"] != "77" {
			t.Errorf("PUT without id answered %v", got)
		}
		// A PUT does not create.
		wantError(t, do(t, h, http.MethodPut, "/nsrs/"+writeID3, writeJSON(t, writeKinds[0].minimal(writeID3))), http.StatusNotFound, "NOT_FOUND")
		wantError(t, do(t, h, http.MethodPut, "/nsrs/"+writeID3, writeJSON(t, writeKinds[0].minimal(writeID3)), "If-Match", "*"), http.StatusNotFound, "NOT_FOUND")
		wantError(t, do(t, h, http.MethodGet, "/nsrs/"+writeID3, nil), http.StatusNotFound, "NOT_FOUND")
		wantError(t, do(t, h, http.MethodPut, "/nsrs/nope", writeJSON(t, writeKinds[0].minimal(writeID3))), http.StatusBadRequest, "BAD_REQUEST")
	})

	t.Run("If-Match", func(t *testing.T) {
		body := writeJSON(t, writeKinds[0].minimal(id))
		cur := writeETag(t, do(t, h, http.MethodGet, url, nil))
		n, _ := strconv.Atoi(strings.Trim(cur, `"`))
		stale := fmt.Sprintf(`"%d"`, n-1)
		wantError(t, do(t, h, http.MethodPut, url, body, "If-Match", stale), http.StatusPreconditionFailed, "PRECONDITION_FAILED")
		wantError(t, do(t, h, http.MethodPut, url, body, "If-Match", `W/`+cur), http.StatusPreconditionFailed, "PRECONDITION_FAILED")
		wantError(t, do(t, h, http.MethodPut, url, body, "If-Match", `"abc"`), http.StatusPreconditionFailed, "PRECONDITION_FAILED")

		rec := do(t, h, http.MethodPut, url, body, "If-Match", cur)
		wantStatus(t, rec, http.StatusOK)
		cur2 := writeETag(t, rec)
		if cur2 != fmt.Sprintf(`"%d"`, n+1) {
			t.Errorf("ETag %s after a PUT on %s", cur2, cur)
		}
		rec = do(t, h, http.MethodPut, url, body, "If-Match", stale+", "+cur2)
		wantStatus(t, rec, http.StatusOK)
		rec = do(t, h, http.MethodPut, url, body, "If-Match", "*")
		wantStatus(t, rec, http.StatusOK)
		for _, bad := range []string{"abc", `"unterminated`, `"a"b"`, `W/`, `"1",,x`} {
			wantError(t, do(t, h, http.MethodPut, url, body, "If-Match", bad), http.StatusBadRequest, "BAD_REQUEST")
		}
	})
}

// TestWriteRefusedPutKeepsRecord: a refused PUT leaves the stored record
// byte-for-byte as it was.
func TestWriteRefusedPutKeepsRecord(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			url := k.base + "/" + writeID1
			orig := k.minimal(writeID1)
			orig["version"] = "4242"
			wantStatus(t, do(t, h, http.MethodPost, k.base, writeJSON(t, orig)), http.StatusOK)
			valid := writeJSON(t, k.minimal(writeID1))
			cases := []struct {
				name, contentType string
				body              []byte
				headers           []string
				status            int
			}{
				{"malformed json", "application/json", []byte(`{"id":`), nil, 400},
				{"trailing data", "application/json", append(append([]byte{}, valid...), `{}`...), nil, 400},
				{"empty body", "application/json", nil, nil, 400},
				{"malformed yaml", "application/yaml", []byte("id: [\n"), nil, 400},
				{"other id", "application/json", writeJSON(t, k.minimal(writeID2)), nil, 400},
				{"malformed If-Match", "application/json", valid, []string{"If-Match", "nope"}, 400},
				{"text/plain", "text/plain", valid, nil, 415},
				{"no content type", "", valid, nil, 415},
				{"schema", "application/json", writeJSON(t, map[string]any{"id": writeID1, "status": "bogus"}), nil, 422},
				{"array", "application/json", []byte(`[]`), nil, 422},
				{"dollar key", "application/json", func() []byte { d, _ := k.free(writeID1, map[string]any{"$x": 1}); return writeJSON(t, d) }(), nil, 422},
				{"too deep", "application/json", func() []byte {
					d, _ := k.free(writeID1, map[string]any{"d": writeNested(200, false, 1)})
					return writeJSON(t, d)
				}(), nil, 422},
				{"stale If-Match", "application/json", valid, []string{"If-Match", `"999"`}, 412},
				{"too large", "application/json", func() []byte {
					d, _ := k.free(writeID1, map[string]any{"big": strings.Repeat("y", testMaxBody)})
					return writeJSON(t, d)
				}(), nil, 413},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := do(t, h, http.MethodGet, url, nil)
					wantStatus(t, before, http.StatusOK)
					rec := writeSend(t, h, http.MethodPut, url, c.contentType, c.body, c.headers...)
					wantError(t, rec, c.status, writeCode(t, rec))
					after := do(t, h, http.MethodGet, url, nil)
					wantStatus(t, after, http.StatusOK)
					if !bytes.Equal(before.Body.Bytes(), after.Body.Bytes()) {
						t.Errorf("refused PUT changed the record:\nbefore %s\n after %s", before.Body.String(), after.Body.String())
					}
					if b, a := before.Header().Get("ETag"), after.Header().Get("ETag"); b != a {
						t.Errorf("refused PUT moved the ETag from %s to %s", b, a)
					}
				})
			}
		})
	}
}

func TestWriteDelete(t *testing.T) {
	for _, k := range writeKinds {
		t.Run(k.name, func(t *testing.T) {
			h, _ := newRouter(t)
			url := k.base + "/" + writeID1
			rec := do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID1)))
			wantStatus(t, rec, http.StatusOK)
			etag := writeETag(t, rec)

			wantError(t, do(t, h, http.MethodDelete, k.base+"/not-a-uuid", nil), http.StatusBadRequest, "BAD_REQUEST")
			wantError(t, do(t, h, http.MethodDelete, url, nil, "If-Match", "bad"), http.StatusBadRequest, "BAD_REQUEST")
			wantError(t, do(t, h, http.MethodDelete, url, nil, "If-Match", `"999"`), http.StatusPreconditionFailed, "PRECONDITION_FAILED")
			wantStatus(t, do(t, h, http.MethodGet, url, nil), http.StatusOK)
			wantError(t, do(t, h, http.MethodDelete, k.base+"/"+writeID2, nil, "If-Match", "*"), http.StatusNotFound, "NOT_FOUND")

			rec = do(t, h, http.MethodDelete, url, nil, "If-Match", etag)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want text/plain", ct)
			}
			if got, want := rec.Body.String(), "OK: "+k.name+" removed"; got != want {
				t.Errorf("body %q, want %q", got, want)
			}
			wantError(t, do(t, h, http.MethodGet, url, nil), http.StatusNotFound, "NOT_FOUND")
			wantError(t, do(t, h, http.MethodDelete, url, nil), http.StatusNotFound, "NOT_FOUND")
			wantError(t, do(t, h, http.MethodDelete, url, nil, "If-Match", etag), http.StatusNotFound, "NOT_FOUND")

			// Unconditional delete, and the uuid can be created again.
			wantStatus(t, do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID1))), http.StatusOK)
			rec = do(t, h, http.MethodDelete, url, nil)
			wantStatus(t, rec, http.StatusOK)
			if got, want := rec.Body.String(), "OK: "+k.name+" removed"; got != want {
				t.Errorf("body %q, want %q", got, want)
			}
			rec = do(t, h, http.MethodPost, k.base, writeJSON(t, k.minimal(writeID1)))
			wantStatus(t, rec, http.StatusOK)
			if got := rec.Header().Get("ETag"); got != `"1"` {
				t.Errorf("re-created record has ETag %s, want \"1\"", got)
			}
		})
	}
}

// TestWriteConcurrentCreate: of N concurrent POSTs of one uuid exactly one
// wins, on one service replica or on two sharing a store.
func TestWriteConcurrentCreate(t *testing.T) {
	const n = 20
	h, store := newRouter(t)
	replica := routerOn(t, store.db)
	ids := []string{writeID1, writeID2}
	for r, routers := range [][]http.Handler{{h}, {h, replica}} {
		for _, k := range writeKinds {
			id := ids[r]
			t.Run(fmt.Sprintf("%s/%d routers", k.name, len(routers)), func(t *testing.T) {
				var wg sync.WaitGroup
				codes := make([]int, n)
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						doc := k.minimal(id)
						doc["version"] = strconv.Itoa(i)
						body := writeJSON(t, doc)
						<-start
						codes[i] = do(t, routers[i%len(routers)], http.MethodPost, k.base, body).Code
					}()
				}
				close(start)
				wg.Wait()
				count := map[int]int{}
				winner := -1
				for i, c := range codes {
					count[c]++
					if c == http.StatusOK {
						winner = i
					}
				}
				if count[200] != 1 || count[409] != n-1 {
					t.Fatalf("statuses %v, want one 200 and %d 409", count, n-1)
				}
				rec := do(t, h, http.MethodGet, k.base+"/"+id, nil)
				wantStatus(t, rec, http.StatusOK)
				if got := decodeObject(t, rec)["version"]; got != strconv.Itoa(winner) {
					t.Errorf("stored version %v, but POST %d won", got, winner)
				}
				if got := rec.Header().Get("ETag"); got != `"1"` {
					t.Errorf("ETag %s, want \"1\"", got)
				}
			})
		}
	}
}

// TestWriteConcurrentIfMatch: writers that read, modify and write back
// with If-Match, retrying on 412, lose no update. Half the writers go
// through a second router on the same store (a second service replica).
func TestWriteConcurrentIfMatch(t *testing.T) {
	const writers, increments = 10, 5
	h, store := newRouter(t)
	routers := []http.Handler{h, routerOn(t, store.db)}
	doc, _ := writeKinds[0].free(writeID1, map[string]any{"counter": 0})
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", writeJSON(t, doc)), http.StatusOK)
	url := "/nsrs/" + writeID1

	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{} // counter value written -> successful PUTs
	errs := make(chan string, writers*increments)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := routers[w%len(routers)]
			for range increments {
				for attempt := 0; ; attempt++ {
					if attempt > 1000 {
						errs <- "gave up after 1000 attempts"
						return
					}
					get := do(t, r, http.MethodGet, url, nil)
					if get.Code != http.StatusOK {
						errs <- fmt.Sprintf("GET: %d %s", get.Code, get.Body.String())
						return
					}
					var doc map[string]any
					if err := json.Unmarshal(get.Body.Bytes(), &doc); err != nil {
						errs <- fmt.Sprintf("GET: %v", err)
						return
					}
					params, _ := doc["params"].(map[string]any)
					n, _ := params["counter"].(float64)
					params["counter"] = int(n) + 1
					put := do(t, r, http.MethodPut, url, writeJSON(t, doc), "If-Match", get.Header().Get("ETag"))
					if put.Code == http.StatusPreconditionFailed {
						// Lost the race: back off a little, then read again.
						time.Sleep(rand.N(time.Duration(1+min(attempt, 5)) * time.Millisecond))
						continue
					}
					if put.Code != http.StatusOK {
						errs <- fmt.Sprintf("PUT: %d %s", put.Code, put.Body.String())
						return
					}
					mu.Lock()
					seen[int(n)+1]++
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	rec := do(t, h, http.MethodGet, url, nil)
	wantStatus(t, rec, http.StatusOK)
	params, _ := decodeObject(t, rec)["params"].(map[string]any)
	if n := params["counter"]; n != float64(writers*increments) {
		t.Errorf("counter %v, want %d: updates were lost", n, writers*increments)
	}
	if got, want := rec.Header().Get("ETag"), fmt.Sprintf(`"%d"`, writers*increments+1); got != want {
		t.Errorf("ETag %s, want %s", got, want)
	}
	for v, times := range seen {
		if times != 1 {
			t.Errorf("%d successful PUTs wrote counter %d: If-Match let more than one through", times, v)
		}
	}
}

// TestWriteConcurrentUnconditional: PUTs without If-Match all succeed, each
// makes its own version, and the last version is writes + 1.
func TestWriteConcurrentUnconditional(t *testing.T) {
	const n = 20
	h, store := newRouter(t)
	routers := []http.Handler{h, routerOn(t, store.db)}
	wantStatus(t, do(t, h, http.MethodPost, "/vnfrs", writeJSON(t, writeKinds[1].minimal(writeID1))), http.StatusOK)
	url := "/vnfrs/" + writeID1

	var wg sync.WaitGroup
	codes := make([]int, n)
	etags := make([]string, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			doc := writeKinds[1].minimal(writeID1)
			doc["version"] = strconv.Itoa(i)
			<-start
			rec := do(t, routers[i%2], http.MethodPut, url, writeJSON(t, doc))
			codes[i], etags[i] = rec.Code, rec.Header().Get("ETag")
		}()
	}
	close(start)
	wg.Wait()
	versions := map[string]int{}
	for i := range n {
		if codes[i] != http.StatusOK {
			t.Errorf("PUT %d: status %d", i, codes[i])
		}
		versions[etags[i]]++
	}
	for v := 2; v <= n+1; v++ {
		if tag := fmt.Sprintf(`"%d"`, v); versions[tag] != 1 {
			t.Errorf("%d PUTs answered ETag %s, want exactly one (all: %v)", versions[tag], tag, versions)
		}
	}
	rec := do(t, h, http.MethodGet, url, nil)
	wantStatus(t, rec, http.StatusOK)
	if got, want := rec.Header().Get("ETag"), fmt.Sprintf(`"%d"`, n+1); got != want {
		t.Errorf("final ETag %s, want %s", got, want)
	}
	// The stored record is the one the last version's PUT sent.
	final := decodeObject(t, rec)["version"]
	for i := range n {
		if etags[i] == fmt.Sprintf(`"%d"`, n+1) && final != strconv.Itoa(i) {
			t.Errorf("stored version %v, but PUT %d made the last version", final, i)
		}
	}
}

// The fixture folders must not be empty, or TestWriteFixtures checks nothing.
func TestWriteFixtureFoldersPresent(t *testing.T) {
	for _, dir := range []string{"nsr", "vnfr", "invalid"} {
		entries, err := os.ReadDir(filepath.Join("..", "fixtures", dir))
		if err != nil || len(entries) == 0 {
			t.Errorf("fixtures/%s: %v, %d files", dir, err, len(entries))
		}
	}
}
