package handlers

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
)

// FuzzParseAuthorization: any header is credentials or a 401 that never
// repeats it; what is parsed is what was sent.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"", "Bearer abc", "bearer  abc ", "Bearer", "Bearer a b", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p:q")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":p")), "Basic ===", "BASIC dTpw", "Digest x", " ", "Bearer\tx",
		"Basic " + base64.StdEncoding.EncodeToString([]byte("ü:\x00")),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := parseAuthorization(h)
		if err != nil {
			if models.ErrorCodeOf(err) != models.CodeUnauthorized {
				t.Fatalf("%q: %v, want a 401", h, err)
			}
			if len(h) > 8 && strings.Contains(err.Error(), h) {
				t.Fatalf("the error repeats the header: %v", err)
			}
			return
		}
		switch {
		case c.basic:
			raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimSpace(h)[len("Basic"):]))
			if derr != nil || string(raw) != c.user+":"+c.password || c.user == "" {
				t.Fatalf("%q parsed as Basic %q:%q", h, c.user, c.password)
			}
		case c.bearer == "" || strings.ContainsAny(c.bearer, " \t") || !strings.Contains(h, c.bearer):
			t.Fatalf("%q parsed as Bearer %q", h, c.bearer)
		}
	})
}

// FuzzLoginRequest: any token request body, JSON or YAML, is a login or
// a 4xx; never a panic.
func FuzzLoginRequest(f *testing.F) {
	for _, s := range []string{
		`{"username":"admin","password":"x","project_id":"admin"}`,
		"{\n    \"username\": \"admin\",\n    \"password\": \"admin\",\n    \"project_id\": \"admin\"\n}",
		"username: admin\npassword: x\n", `{"username":1}`, `[]`, `"x"`, `{"password":null}`, `{"username":"a","username":"b"}`,
		"username: &a x\npassword: *a\n", `{"project":"p","project_name":"q"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	r := bodyReader{maxBytes: 1 << 20, limits: document.DefaultLimits()}
	f.Fuzz(func(t *testing.T, body []byte, isYAML bool) {
		doc, err := r.decode(body, isYAML)
		if err != nil {
			if code := models.ErrorCodeOf(err); code == models.CodeInternal {
				t.Fatalf("decode: %v", err)
			}
			return
		}
		req, err := loginRequest(doc)
		if err != nil {
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Fatalf("%q: %v, want a 400", body, err)
			}
			return
		}
		obj := doc.(map[string]any)
		if u, ok := obj["username"]; ok && u != req.Username {
			t.Fatalf("username %v read as %q", u, req.Username)
		}
	})
}

// FuzzContentRange: any Content-Range is a chunk within the total and
// the limit, or a 400/413.
func FuzzContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/100", "0-0/1", "bytes 5-2/10", "bytes -1-2/3", "bytes 0-1/", "bytes 1-2/3/4", " bytes  0 - 9 / 10 ", "bytes 0-9223372036854775807/9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ch, err := parseContentRange(h, 1<<20)
		if err != nil {
			if c := models.ErrorCodeOf(err); c != models.CodeInvalid && c != models.CodeTooLarge {
				t.Fatalf("%q: %v", h, err)
			}
			return
		}
		if ch.First < 0 || ch.First > ch.Last || ch.Last >= ch.Total || ch.Total > 1<<20 {
			t.Fatalf("%q read as %+v", h, ch)
		}
	})
}
