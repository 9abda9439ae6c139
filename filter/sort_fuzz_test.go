package filter

import (
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

func checkInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var me *models.Error
	if !errors.As(err, &me) || me.Code != models.CodeInvalid || me.Detail == "" {
		t.Fatalf("%s: %v, want a CodeInvalid *models.Error", what, err)
	}
}

// FuzzParseSort: ParseSort never panics and refuses only with CodeInvalid;
// what it accepts reads back from its String, and orders and marks sample
// records consistently.
func FuzzParseSort(f *testing.F) {
	for _, s := range []string{
		"",
		"sort=-created_at",
		"sort=created_at",
		"sort=status,-name",
		"sort=%2Bstatus,+name",
		"sort=-virtual_deployment_units.resource_requirements.cpu.vcpus,uuid",
		"sort=virtual_deployment_units.0.id",
		"sort=a.ANYINDEX.b",
		"sort=--x,%2B-y",
		"sort=",
		"sort=a&sort=b",
		"sort=a,,b",
		"sort=_admin.created",
		"sort=uuid.x",
		"sort=a.01",
		"sort=a,b,c,d,e,f,g,h,i",
		"sort=%24where",
		"sort=%FF",
		"sort=a,-a",
		"sort=tags,-x,a.0,0",
	} {
		f.Add(s)
	}
	recs := fuzzRecords()
	f.Fuzz(func(t *testing.T, query string) {
		values, _ := url.ParseQuery(query)
		s, err := ParseSort(values, Options{Fields: recordFields})
		if err != nil {
			checkInvalid(t, "ParseSort("+query+")", err)
			return
		}
		if len(s.Keys) == 0 || len(s.Keys) > MaxSortKeys {
			t.Fatalf("%q: %d keys", query, len(s.Keys))
		}
		again, err := ParseSort(url.Values{"sort": {s.String()}}, Options{Fields: recordFields})
		if err != nil || !sortsEqual(again, s) {
			t.Fatalf("%q: String %q reads back as %+v, %v", query, s.String(), again, err)
		}
		paths := s.Paths()
		has := func(p []string) bool {
			return slices.ContainsFunc(paths, func(q []string) bool { return slices.Equal(p, q) })
		}
		if !has([]string{"uuid"}) {
			t.Fatalf("%q: paths %v", query, paths)
		}
		for _, k := range s.Keys {
			if !has(k.Path) {
				t.Fatalf("%q: paths %v miss %v", query, paths, k.Path)
			}
		}
		for _, a := range recs {
			ka, ua := s.KeyOf(a.rendered), a.rendered["uuid"].(string)
			if c := s.Compare(ka, ua, ka, ua); c != 0 {
				t.Fatalf("%q: Compare(x, x) = %d", query, c)
			}
			p, err := s.ParseMarker(s.Marker(Position{Key: ka, UUID: ua}))
			if err != nil {
				t.Fatalf("%q: marker of %#v: %v", query, ka, err)
			}
			for _, b := range recs {
				kb, ub := s.KeyOf(b.rendered), b.rendered["uuid"].(string)
				if s.Compare(kb, ub, ka, ua) != s.Compare(kb, ub, p.Key, p.UUID) {
					t.Fatalf("%q: the marker of %#v moves the position", query, ka)
				}
			}
		}
	})
}

// markerSorts are the orders fuzzed tokens are read against.
func markerSorts() []Sort {
	var out []Sort
	for _, q := range []string{"", "status,-name", "-updated_at,x.y,0", "a,b,c,d,e,f,g,h"} {
		s, err := ParseSort(url.Values{"sort": {q}}, Options{Fields: recordFields})
		if q == "" {
			s, err = DefaultSort(Options{Fields: recordFields}), nil
		}
		if err != nil {
			panic(err)
		}
		out = append(out, s)
	}
	return out
}

// FuzzParseMarker: ParseMarker never panics and refuses only with
// CodeInvalid, and a token it accepts re-encodes to a token that parses to
// the same Position (and re-encodes to itself). Each input is tried as a
// token and, base64url-encoded, as the JSON inside one.
func FuzzParseMarker(f *testing.F) {
	sorts := markerSorts()
	t0 := utc("2018-02-26T17:58:51.758Z")
	positions := [][]any{
		{t0},
		{"running", nil},
		{nil, int64(-5), A{int32(1), "a", M{"b": true}}},
		{t0, M{"\xff": 2.5}, A{}},
	}
	for _, s := range sorts {
		for _, key := range positions {
			if len(key) == len(s.Keys) {
				tok := s.Marker(Position{Key: key, UUID: markerUUID})
				f.Add(tok)
				raw, _ := base64.RawURLEncoding.DecodeString(tok)
				f.Add(string(raw))
			}
		}
	}
	for _, s := range []string{
		"",
		"e30",
		`{"v":1,"s":"status,-name","k":[{"f":"NaN"},{"o":[{"b":"_w"},{"t":-1}]}],"u":"3f1e0c7a-1111-4aaa-8bbb-000000000001"}`,
		`{"v":1,"s":"a,b,c,d,e,f,g,h","k":[0,-0,{"f":"-0"},{"f":"1e308"},"",[[]],{"o":[]},false],"u":"00000000-0000-0000-0000-000000000000"}`,
		`{"v":1,"s":"-updated_at,x.y,0","k":[null,9223372036854775807,{"f":"+Inf"}],"u":"ffffffff-ffff-ffff-ffff-ffffffffffff"}`,
		`{"v":1,"s":"-created_at","k":[{"t":1519667931758}],"u":"3F1E0C7A-1111-4aaa-8bbb-000000000001"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		for _, tok := range []string{token, base64.RawURLEncoding.EncodeToString([]byte(token))} {
			for _, s := range sorts {
				p, err := s.ParseMarker(tok)
				if err != nil {
					checkInvalid(t, "ParseMarker", err)
					continue
				}
				if len(p.Key) != len(s.Keys) {
					t.Fatalf("%s: %d keys for %s", tok, len(p.Key), s)
				}
				again := s.Marker(p)
				if len(again) > MaxMarkerBytes {
					continue // a value that encodes longer than it was written (documented)
				}
				p2, err := s.ParseMarker(again)
				if err != nil {
					t.Fatalf("token %q parses to %#v, whose marker %q does not parse: %v", tok, p, again, err)
				}
				if !samePosition(p, p2) || s.Compare(p.Key, p.UUID, p2.Key, p2.UUID) != 0 {
					t.Fatalf("token %q parses to %#v, its marker to %#v", tok, p, p2)
				}
				if s.Marker(p2) != again {
					t.Fatalf("marker of %#v is not stable", p2)
				}
			}
		}
	})
}
