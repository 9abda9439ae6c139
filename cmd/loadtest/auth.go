package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The service asks for credentials on every route but the probes and
// login (AUTH=token, its default). The tool starts it with ADMIN_PASSWORD
// set to a random password of its own, so that the bootstrap admin's
// password is known, logs in once as admin and sends the token on every
// request of every scenario but /healthz (the baseline, which needs none).

// adminUser is the user the service creates on its first start.
const adminUser = "admin"

// tokensPath is where a token is had.
const tokensPath = "/osm/admin/v1/tokens"

// tokenTTL is the token lifetime the service is started with: longer than
// any run, so that the token of the start serves to the end.
const tokenTTL = 24 * time.Hour

// endpoint is a service and the credentials requests to it carry.
type endpoint struct {
	base string // http://127.0.0.1:<port>
	// authz is the Authorization header of every request but /healthz;
	// "" sends none (AUTH=none, or a binary without authentication).
	authz string
}

// anonymous is the endpoint without credentials.
func (e endpoint) anonymous() endpoint { return endpoint{base: e.base} }

// randomPassword is 24 characters of base64url from crypto/rand.
func randomPassword() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// basicAuthz is the Authorization header of HTTP Basic credentials.
func basicAuthz(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// errNoLogin is a binary without the login route (from before
// authentication): it is measured without credentials.
var errNoLogin = errors.New("the service has no " + tokensPath + " (a version without authentication?)")

// login gets a token for user in project from POST /osm/admin/v1/tokens
// and returns its Authorization header.
func login(ctx context.Context, base, user, password, project string) (string, error) {
	body, err := json.Marshal(map[string]string{"username": user, "password": password, "project_id": project})
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+tokensPath, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in: %w", err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("log in: %s: %w", resp.Status, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return "", errNoLogin
	default:
		return "", fmt.Errorf("log in as %s: POST %s answered %s: %.300s", user, tokensPath, resp.Status, strings.TrimSpace(string(answer)))
	}
	var t struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(answer, &t); err != nil || t.ID == "" {
		return "", fmt.Errorf("log in: POST %s answered no token: %.300s", tokensPath, answer)
	}
	return "Bearer " + t.ID, nil
}

// authRun is the comparison of credentials on GET by uuid, in phase 1:
// a bearer token (the "get" scenario), Basic credentials, and no
// credentials against a second process of the same binary under
// AUTH=none on its own store of as many records.
type authRun struct {
	// Mode is how the main service was called: "token" (bearer), or why
	// without credentials.
	Mode    string `json:"mode"`
	Records int    `json:"records,omitempty"`
	// BearerReqPerSec, BasicReqPerSec and NoneReqPerSec are the three
	// GETs' 2xx req/s; BearerKeeps and BasicKeeps their share of
	// AUTH=none's.
	BearerReqPerSec float64 `json:"bearer_req_per_sec,omitempty"`
	BasicReqPerSec  float64 `json:"basic_req_per_sec,omitempty"`
	NoneReqPerSec   float64 `json:"none_req_per_sec,omitempty"`
	BearerKeeps     float64 `json:"bearer_keeps_of_none,omitempty"`
	BasicKeeps      float64 `json:"basic_keeps_of_none,omitempty"`
	// NoneServer is the AUTH=none process's life.
	NoneServer *serverStats `json:"none_server,omitempty"`
	Note       string       `json:"note,omitempty"`
}

// compare fills the ratios from phase 1's scenarios.
func (a *authRun) compare(p phase) {
	for _, s := range p.Scenarios {
		switch s.Name {
		case "get":
			a.BearerReqPerSec = s.ReqPerSec
		case "get-basic":
			a.BasicReqPerSec = s.ReqPerSec
		case "get-none":
			a.NoneReqPerSec = s.ReqPerSec
		}
	}
	if a.NoneReqPerSec > 0 {
		a.BearerKeeps = a.BearerReqPerSec / a.NoneReqPerSec
		a.BasicKeeps = a.BasicReqPerSec / a.NoneReqPerSec
	}
}

// print writes the comparison.
func (a *authRun) print(w io.Writer) {
	if a.NoneReqPerSec == 0 {
		fmt.Fprintf(w, "credentials: %s", a.Mode)
		if a.Note != "" {
			fmt.Fprintf(w, "; %s", a.Note)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "credentials at %d records, GET by uuid: bearer token %.0f req/s, Basic %.0f req/s, AUTH=none (a second process, its own %d records) %.0f req/s: bearer keeps %.2f of AUTH=none, Basic %.2f\n",
		a.Records, a.BearerReqPerSec, a.BasicReqPerSec, a.Records, a.NoneReqPerSec, a.BearerKeeps, a.BasicKeeps)
	if s := a.NoneServer; s != nil {
		fmt.Fprintf(w, "  AUTH=none process: ready in %.1f s, %s on SIGTERM; stderr: %d lines %v\n", s.ReadySeconds, s.Exit, s.Log.Lines, s.Log.Levels)
	}
	if a.Note != "" {
		fmt.Fprintln(w, "  note:", a.Note)
	}
}

// unexpected are the lines of the AUTH=none process's log other than its
// warning that it runs AUTH=none: how many, and a sample of each message.
func (a *authRun) unexpected() (n int, samples []string) {
	if a.NoneServer == nil {
		return 0, nil
	}
	for _, m := range a.NoneServer.Log.Messages {
		if !strings.HasPrefix(m.Msg, "AUTH=none") {
			n += m.Count
			samples = append(samples, fmt.Sprintf("%dx %s", m.Count, m.Sample))
		}
	}
	return n, samples
}
