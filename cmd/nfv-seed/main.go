// Command nfv-seed loads the examples of fixtures/ into a running
// nfv-records service: the records, then the descriptors of the catalogue.
//
//	go run ./cmd/nfv-seed -url http://localhost:4012 [-dir fixtures]
//
// Records: every *.json file of <dir>/nsr is POSTed to /nsrs and every
// *.json file of <dir>/vnfr to /vnfrs, as is, with Content-Type
// application/json. Other folders (such as <dir>/invalid) are left alone.
//
// Descriptors, after the records: every *.yaml, *.yml and *.json file of
// <dir>/descriptors/sonata, osm and sol006 (in that order) is onboarded as
// is, with Content-Type text/plain (application/json for *.json),
// Content-Filename and Content-File-MD5. Each is first sent as a VNFD
// (POST /osm/vnfpkgm/v1/vnf_packages_content); one the service answers is
// an NSD (422 "this is an NSD") is onboarded once every VNFD is, at POST
// /osm/nsd/v1/ns_descriptors_content. The service decides what a file is,
// so nfv-seed never guesses a format. An NSD refused because VNFDs it
// names are not onboarded (as a SONATA example naming another vendor's
// VNFs) is sent again with ?FORCE=true, and its line says so. Last, every
// package of <dir>/descriptors/packages (*.tgo and *.zip as
// application/zip, *.tar.gz and *.tgz as application/gzip) is onboarded
// as a VNF package, then as an NS descriptor (a 5GTANGO package holds
// both).
//
// One line is printed per file (per route, for a package). 200 or 201 means
// loaded and 409 means the record or the descriptor id is already there:
// both are fine, so seeding twice is harmless. Any other answer is a
// failure, and the command exits 1 once every file has been tried.
//
// Before posting, nfv-seed waits (up to -wait, 30s by default) for /ping to
// answer "pong", so `make run & make seed` works.
//
// The service asks for credentials on every route but the probes (AUTH=token,
// its default). nfv-seed sends "Authorization: Bearer <token>" on every POST,
// the token being, in this order of preference:
//
//   - -token (or NFV_TOKEN), used as is;
//   - else one it gets once from POST /osm/admin/v1/tokens as -user (NFV_USER,
//     default admin) with -password (NFV_PASSWORD), or else with the password
//     in -password-file (default data/admin-password, where the service writes
//     the admin password it generates on its first start on the embedded store
//     under ./data, as `make run` does) when that file exists;
//   - else none: no Authorization header, which a service under AUTH=none
//     takes.
//
// A 401 or 403 says how to give credentials.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Exit statuses.
const (
	exitOK        = 0
	exitFailed    = 1 // a file was refused, or the service never answered
	exitUsage     = 2 // bad flags
	maxAnswer     = 1 << 20
	maxViolations = 3 // schema violations shown per refused file
	pingEvery     = 250 * time.Millisecond
	defaultURL    = "http://localhost:4012"
	defaultDir    = "fixtures"
	defaultWait   = 30 * time.Second
	defaultUser   = "admin"
	tokensPath    = "/osm/admin/v1/tokens"
)

// environ is what run reads besides its flags: the environment (flags
// win over it) and the default -password-file. Tests give their own, so
// that they do not depend on where they run.
type environ struct {
	getenv       func(string) string
	passwordFile string
}

// osEnviron is the process's: its environment, and the password file
// `make run` leaves in ./data.
func osEnviron() environ {
	return environ{getenv: os.Getenv, passwordFile: filepath.Join("data", "admin-password")}
}

// collections maps each fixture folder to the path its records are POSTed to.
var collections = []struct{ folder, path string }{
	{"nsr", "/nsrs"},
	{"vnfr", "/vnfrs"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, &http.Client{}, osEnviron()))
}

// run is the whole command: it parses args, waits for the service, seeds it,
// and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, client *http.Client, env environ) int {
	fs := flag.NewFlagSet("nfv-seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", defaultURL, "base URL of the nfv-records service")
	dir := fs.String("dir", defaultDir, "fixtures directory, holding nsr/, vnfr/ and descriptors/")
	wait := fs.Duration("wait", defaultWait, "how long to wait for the service to answer /ping")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
	var cred credentials
	fs.StringVar(&cred.user, "user", env.or("NFV_USER", defaultUser), "user to log in as (NFV_USER)")
	// The secrets' variables are read after parsing: a flag's default
	// would show them in -h.
	fs.StringVar(&cred.password, "password", "", "password of -user (default NFV_PASSWORD); none reads -password-file")
	fs.StringVar(&cred.passwordFile, "password-file", env.passwordFile,
		"file holding the password of -user, read when no password is given and the file exists (the service writes a generated admin password to DATA_DIR/admin-password)")
	fs.StringVar(&cred.project, "project", env.getenv("NFV_PROJECT"), "project to log into, its name or id (NFV_PROJECT); empty: the user's first")
	fs.StringVar(&cred.token, "token", "", "bearer token, used as is instead of logging in (default NFV_TOKEN)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "nfv-seed: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	base, err := baseURL(*rawURL)
	if err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitUsage
	}
	if *wait < 0 || *timeout <= 0 {
		fmt.Fprintln(stderr, "nfv-seed: -wait must be >= 0 and -timeout > 0")
		return exitUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	cred.fileGiven, cred.passwordFlag = given["password-file"], given["password"]
	if !given["password"] {
		cred.password = env.getenv("NFV_PASSWORD")
	}
	if !given["token"] {
		cred.token = env.getenv("NFV_TOKEN")
	}
	if err := cred.check(); err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitUsage
	}

	c := *client // a copy: the caller's client is not changed
	c.Timeout = *timeout
	if *wait > 0 { // a mistyped -url would otherwise look like a silent hang
		fmt.Fprintf(stderr, "nfv-seed: waiting up to %s for %s/ping\n", *wait, base)
	}
	if err := waitReady(ctx, &c, base, *wait); err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	// The password file is read once the service answers: on its first
	// start the service writes it before it serves.
	if err := cred.resolve(); err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	authz, err := authorization(ctx, &c, base, &cred, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	sum, err := seed(ctx, &c, base, authz, *dir, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%d records, %d descriptors: %d loaded, %d already there, %d failed\n",
		sum.Records, sum.Descriptors, sum.Loaded, sum.Existing, sum.Failed)
	if sum.Unauthorized > 0 || sum.Forbidden > 0 {
		fmt.Fprintln(stderr, "nfv-seed:", cred.refusedHint(sum.Unauthorized > 0))
	}
	if sum.Failed > 0 {
		return exitFailed
	}
	return exitOK
}

// or is the value of the environment variable name, or def when it is
// empty.
func (env environ) or(name, def string) string {
	if v := env.getenv(name); v != "" {
		return v
	}
	return def
}

// credentials are what nfv-seed authenticates with.
type credentials struct {
	user, password, project, token string
	// passwordFile is -password-file; fileGiven says the flag was given
	// (a missing default file is no error: the service may run AUTH=none).
	passwordFile string
	fileGiven    bool
	passwordFlag bool // -password was given (else the password is NFV_PASSWORD's)
	// from says where the password came from, for messages.
	from string
}

// check refuses credentials that cannot work, before anything is sent.
func (c *credentials) check() error {
	switch {
	case strings.ContainsAny(c.token, " \t\r\n"):
		return errors.New("-token (NFV_TOKEN) must be one token, without spaces")
	case c.token == "" && c.user == "":
		return errors.New("-user (NFV_USER) is empty: name the user to log in as")
	}
	return nil
}

// resolve picks the credentials: -token, else -password (or NFV_PASSWORD),
// else the first line of -password-file when that file exists. A missing
// file is no error unless -password-file was given: without credentials
// nfv-seed works against AUTH=none.
func (c *credentials) resolve() error {
	switch {
	case c.token != "":
		c.from = "-token"
	case c.password != "":
		c.from = "NFV_PASSWORD"
		if c.passwordFlag {
			c.from = "-password"
		}
	case c.passwordFile != "":
		raw, err := os.ReadFile(c.passwordFile)
		if errors.Is(err, os.ErrNotExist) && !c.fileGiven {
			return nil
		}
		if err != nil {
			return fmt.Errorf("-password-file: %w", err)
		}
		line, _, _ := strings.Cut(string(raw), "\n")
		if c.password = strings.TrimSpace(line); c.password == "" {
			return fmt.Errorf("-password-file %s is empty", c.passwordFile)
		}
		c.from = "the password in " + c.passwordFile
	}
	return nil
}

// none says no credentials are given at all.
func (c *credentials) none() bool { return c.token == "" && c.password == "" }

// howTo is how credentials are given, for the messages of a refusal.
const howTo = "give the password of -user (default admin; NFV_USER) with -password or NFV_PASSWORD, or in -password-file " +
	"(default data/admin-password: where the service, on its embedded store, writes the admin password it generated on first start; " +
	"else ADMIN_PASSWORD set it), or a bearer token with -token or NFV_TOKEN (POST /osm/admin/v1/tokens gives one)"

// refusedHint explains a 401 (unauthorized) or a 403 from the record routes.
func (c *credentials) refusedHint(unauthorized bool) string {
	switch {
	case !unauthorized:
		who := "user " + c.user
		if c.token != "" {
			who = "the user of -token"
		}
		return "the service refused the records or descriptors to " + who + " (403): log in as a user whose role in the project grants " +
			"ns_instances:post, vnf_instances:post, vnfds:content:post and nsds:content:post, and force for the lines sent with FORCE=true " +
			"(system_admin and project_admin do), or name another project with -project"
	case c.none():
		return "the service asks for credentials (401: it runs AUTH=token, its default) and none were given: " + howTo
	case c.token != "":
		return "the service refused -token (401: unknown, revoked or expired; see the lines above): " + howTo
	}
	return "the service refused the token it gave (401; see the lines above): " + howTo
}

// authorization is the Authorization header to send: -token's, a token
// got once with the password, or "" without credentials.
func authorization(ctx context.Context, client *http.Client, base string, c *credentials, stderr io.Writer) (string, error) {
	switch {
	case c.token != "":
		return "Bearer " + c.token, nil
	case c.password == "":
		return "", nil
	}
	token, err := login(ctx, client, base, c)
	if errors.Is(err, errNoLogin) {
		fmt.Fprintf(stderr, "nfv-seed: %s answers 404 to POST %s (a version without authentication?): seeding without credentials\n", base, tokensPath)
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return "Bearer " + token, nil
}

// errNoLogin is a service without the login route.
var errNoLogin = errors.New("no login route")

// login asks POST /osm/admin/v1/tokens for a token.
func login(ctx context.Context, client *http.Client, base string, c *credentials) (string, error) {
	body := map[string]string{"username": c.user, "password": c.password}
	if c.project != "" {
		body["project_id"] = c.project
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+tokensPath, bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("build login request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("log in: service not reachable: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("log in: read answer (%s): %w", resp.Status, err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated:
		var t struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(answer, &t); err != nil || t.ID == "" {
			return "", fmt.Errorf("log in: POST %s answered %s without a token: %s", tokensPath, resp.Status, describe(answer))
		}
		return t.ID, nil
	case http.StatusNotFound:
		return "", errNoLogin
	case http.StatusUnauthorized, http.StatusForbidden:
		who := "user " + c.user
		if c.project != "" {
			who += " in project " + c.project
		}
		return "", fmt.Errorf("log in as %s with %s refused (%d %s): %s", who, c.from, resp.StatusCode, describe(answer), howTo)
	}
	return "", fmt.Errorf("log in: POST %s answered %s: %s", tokensPath, resp.Status, describe(answer))
}

// baseURL checks the -url value and drops a trailing slash, so that paths
// can be appended (a path prefix, as behind a proxy, is kept).
func baseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("-url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("-url %q: want http://host:port or https://host:port", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("-url %q: want no query or fragment", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// waitReady polls base/ping until it answers 200 or wait has passed. A 503
// (service up, database not yet) and connection errors are retried.
// A wait of 0 skips the check.
func waitReady(ctx context.Context, client *http.Client, base string, wait time.Duration) error {
	if wait == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var last error
	for {
		err := ping(ctx, client, base)
		if err == nil {
			return nil
		}
		// Keep the most telling error: a ping cut short by the deadline
		// says less than the connection refused before it.
		if last == nil || ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				return fmt.Errorf("interrupted while waiting for %s: %w", base, ctx.Err())
			}
			return fmt.Errorf("service at %s not ready after %s (is it running? `make run` starts it; a first build can take longer: raise -wait): %w", base, wait, last)
		case <-time.After(pingEvery):
		}
	}
}

func ping(ctx context.Context, client *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/ping", nil)
	if err != nil {
		return fmt.Errorf("build ping request: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("not reachable: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /ping answered %s: %s", resp.Status, describe(body))
	}
	return nil
}

// summary counts the outcomes of one seeding: Records and Descriptors
// are the lines of each part (a package is onboarded twice, as a VNF
// package and as an NS descriptor: two lines); Unauthorized and Forbidden
// count the failures that were 401 and 403.
type summary struct {
	Records, Descriptors     int
	Loaded, Existing, Failed int
	Unauthorized, Forbidden  int
}

// count adds one outcome (an HTTP status, 0 for none) to the summary.
func (s *summary) count(status int) {
	switch status {
	case http.StatusOK, http.StatusCreated:
		s.Loaded++
		return
	case http.StatusConflict:
		s.Existing++
		return
	case http.StatusUnauthorized:
		s.Unauthorized++
	case http.StatusForbidden:
		s.Forbidden++
	}
	s.Failed++
}

// The catalogue's folders under <dir>/descriptors: bare descriptors in
// descriptorFolders, in this order; archives in packagesFolder.
const (
	descriptorsFolder = "descriptors"
	packagesFolder    = "packages"
)

var descriptorFolders = []string{"sonata", "osm", "sol006"}

// The catalogue's routes that onboard a package in one request (OSM's
// "content" routes).
const (
	vnfdRoute = "/osm/vnfpkgm/v1/vnf_packages_content"
	nsdRoute  = "/osm/nsd/v1/ns_descriptors_content"
)

// upload is one file to send: its path, its name relative to -dir (for
// the output), its Content-Type.
type upload struct {
	file, rel, contentType string
}

// recordJobs are the record files of dir, per collection, by name.
func recordJobs(dir string) ([]upload, []string, error) {
	var files []upload
	var paths []string
	for _, c := range collections {
		folder := filepath.Join(dir, c.folder)
		entries, err := os.ReadDir(folder)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", folder, err)
		}
		for _, e := range entries { // ReadDir sorts by name
			if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".json") {
				continue
			}
			files = append(files, upload{filepath.Join(folder, e.Name()), c.folder + "/" + e.Name(), "application/json"})
			paths = append(paths, c.path)
		}
	}
	return files, paths, nil
}

// descriptorType is the Content-Type of a bare descriptor file, "" for a
// file that is none.
func descriptorType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return "text/plain"
	case ".json":
		return "application/json"
	}
	return ""
}

// packageType is the Content-Type of a package file, "" for a file that
// is none.
func packageType(name string) string {
	low := strings.ToLower(name)
	switch {
	case strings.HasSuffix(low, ".tgo"), strings.HasSuffix(low, ".zip"):
		return "application/zip"
	case strings.HasSuffix(low, ".tar.gz"), strings.HasSuffix(low, ".tgz"):
		return "application/gzip"
	}
	return ""
}

// descriptorJobs are the bare descriptors of dir/descriptors (folder by
// folder, each by name) and its packages. A missing folder holds none.
func descriptorJobs(dir string) (files, packages []upload, err error) {
	list := func(folder string, typeOf func(string) string) ([]upload, error) {
		path := filepath.Join(dir, descriptorsFolder, folder)
		entries, err := os.ReadDir(path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		var out []upload
		for _, e := range entries {
			if ct := typeOf(e.Name()); ct != "" && e.Type().IsRegular() {
				out = append(out, upload{filepath.Join(path, e.Name()), descriptorsFolder + "/" + folder + "/" + e.Name(), ct})
			}
		}
		return out, nil
	}
	for _, folder := range descriptorFolders {
		found, err := list(folder, descriptorType)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, found...)
	}
	packages, err = list(packagesFolder, packageType)
	return files, packages, err
}

// seed loads dir into base with the Authorization header authz (none when
// ""), writing one line per file to out: the records of dir/nsr and
// dir/vnfr, then the descriptors of dir/descriptors (VNFDs first, then
// NSDs, then the packages). A refused file is counted in the summary, not
// returned as an error: every file is tried. The error is for a directory
// that cannot be read or holds nothing to load.
func seed(ctx context.Context, client *http.Client, base, authz, dir string, out io.Writer) (summary, error) {
	records, paths, err := recordJobs(dir)
	if err != nil {
		return summary{}, err
	}
	files, packages, err := descriptorJobs(dir)
	if err != nil {
		return summary{}, err
	}
	if len(records)+len(files)+len(packages) == 0 {
		return summary{}, fmt.Errorf("no *.json files in %s or %s, and no descriptors in %s (run from the repository root, or pass -dir)",
			filepath.Join(dir, "nsr"), filepath.Join(dir, "vnfr"), filepath.Join(dir, descriptorsFolder))
	}
	s := &seeder{ctx: ctx, client: client, base: base, authz: authz, out: out}
	if err := s.records(records, paths); err != nil {
		return s.sum, err
	}
	return s.sum, s.descriptors(files, packages)
}

// seeder sends files and reports each outcome.
type seeder struct {
	ctx          context.Context
	client       *http.Client
	base, authz  string
	out          io.Writer
	sum          summary
	width, pathW int // of the file and path columns
}

// columns sets the widths of the file and path columns for files sent
// to paths.
func (s *seeder) columns(files []upload, paths ...string) {
	s.width, s.pathW = 0, 0
	for _, f := range files {
		s.width = max(s.width, len(f.rel))
	}
	for _, p := range paths {
		s.pathW = max(s.pathW, len(p))
	}
}

// line writes the outcome of sending f to path: the status and what the
// answer says (note, on success), then how it was sent (how, when not
// plainly).
func (s *seeder) line(f upload, path string, r result, note, how string) {
	head := fmt.Sprintf("%-*s  POST %-*s ", s.width, f.rel, s.pathW, path)
	if how != "" {
		how = "; " + how
	}
	switch {
	case r.err != nil:
		fmt.Fprintf(s.out, "%sFAILED: %v%s\n", head, r.err, how)
	case r.status == http.StatusOK || r.status == http.StatusCreated:
		fmt.Fprintf(s.out, "%s%d loaded%s%s\n", head, r.status, note, how)
	case r.status == http.StatusConflict:
		fmt.Fprintf(s.out, "%s409 already there%s\n", head, how)
	default:
		fmt.Fprintf(s.out, "%s%d FAILED: %s%s\n", head, r.status, describe(r.answer), how)
	}
	status := r.status
	if r.err != nil {
		status = 0
	}
	s.sum.count(status)
}

// records POSTs each record file to its collection's path.
func (s *seeder) records(files []upload, paths []string) error {
	s.columns(files, paths...)
	s.pathW = max(s.pathW, len("/vnfrs")) // the column the records' lines always had
	for i, f := range files {
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		r := s.send(paths[i], f, false)
		note := ""
		if r.status == http.StatusOK {
			var rec struct {
				UUID string `json:"uuid"`
			}
			if json.Unmarshal(r.answer, &rec) == nil && rec.UUID != "" {
				note = " (uuid " + rec.UUID + ")"
			}
		}
		s.sum.Records++
		s.line(f, paths[i], r, note, "")
	}
	return nil
}

// isNSD is the service's 422 for an NSD sent as a VNFD ("this is an NSD,
// not a VNFD").
var isNSD = regexp.MustCompile(`(?i)\bthis is an? NSD\b`)

// missingVNFDs is the service's 422 for an NSD naming VNFDs the project
// has not onboarded; its group is their ids.
var missingVNFDs = regexp.MustCompile(`(?i)names VNFDs[^:]*not onboarded:\s*([^(]*)`)

// descriptors onboards the descriptor files, each as a VNFD and, when
// the service says it is an NSD, as an NSD after every VNFD; then each
// package as a VNF package and as an NS descriptor.
func (s *seeder) descriptors(files, packages []upload) error {
	s.columns(append(slices.Clone(files), packages...), vnfdRoute, nsdRoute)
	var nsds []upload
	for _, f := range files {
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		r := s.send(vnfdRoute, f, false)
		if r.err == nil && r.status == http.StatusUnprocessableEntity && isNSD.MatchString(detailOf(r.answer)) {
			nsds = append(nsds, f)
			continue
		}
		s.descriptorLine(f, vnfdRoute, r, "")
	}
	for _, f := range nsds {
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		s.nsd(f)
	}
	for _, f := range packages {
		if err := s.ctx.Err(); err != nil {
			return fmt.Errorf("interrupted: %w", err)
		}
		s.descriptorLine(f, vnfdRoute, s.send(vnfdRoute, f, false), "")
		s.nsd(f)
	}
	return nil
}

// nsd onboards f as an NSD: plainly, then, when the service answers that
// VNFDs it names are not onboarded, again with FORCE=true.
func (s *seeder) nsd(f upload) {
	r := s.send(nsdRoute, f, false)
	how := ""
	if r.err == nil && r.status == http.StatusUnprocessableEntity {
		if m := missingVNFDs.FindStringSubmatch(detailOf(r.answer)); m != nil {
			how = "sent again with FORCE=true: it names VNFDs not onboarded (" + strings.TrimSpace(m[1]) + ")"
			r = s.send(nsdRoute, f, true)
		}
	}
	s.descriptorLine(f, nsdRoute, r, how)
}

// descriptorLine reports the onboarding of f at path (sent as how says,
// when not plainly): the entry's _id on success.
func (s *seeder) descriptorLine(f upload, path string, r result, how string) {
	note := ""
	if r.status == http.StatusCreated {
		var created struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(r.answer, &created) == nil && created.ID != "" {
			note = " (_id " + created.ID + ")"
		}
	}
	s.sum.Descriptors++
	s.line(f, path, r, note, how)
}

// result is the answer to one upload: its status and body, or err when
// there is none.
type result struct {
	status int
	answer []byte
	err    error
}

// send POSTs one file to path (with ?FORCE=true when force) with its
// Content-Type, and, for a descriptor or a package, its Content-Filename
// and Content-File-MD5.
func (s *seeder) send(path string, f upload, force bool) result {
	body, err := os.ReadFile(f.file)
	if err != nil {
		return result{err: fmt.Errorf("read file: %w", err)}
	}
	target := s.base + path
	if force {
		target += "?FORCE=true"
	}
	req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return result{err: fmt.Errorf("build request: %w", err)}
	}
	req.Header.Set("Content-Type", f.contentType)
	req.Header.Set("Accept", "application/json")
	if path == vnfdRoute || path == nsdRoute {
		sum := md5.Sum(body)
		req.Header.Set("Content-Filename", filepath.Base(f.file))
		req.Header.Set("Content-File-MD5", hex.EncodeToString(sum[:]))
	}
	if s.authz != "" {
		req.Header.Set("Authorization", s.authz)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return result{err: fmt.Errorf("service not reachable: %w", unwrapURLError(err))}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return result{err: fmt.Errorf("read answer (%s): %w", resp.Status, err)}
	}
	return result{status: resp.StatusCode, answer: answer}
}

// detailOf is the detail of an error answer, "" for none.
func detailOf(body []byte) string {
	var e struct {
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(body, &e)
	return e.Detail
}

// describe summarises an error answer: the service's {"code","detail"} when
// it sent one, else the start of the body.
func describe(body []byte) string {
	var e struct {
		Code       string `json:"code"`
		Detail     string `json:"detail"`
		Violations []struct {
			Pointer string `json:"pointer"`
			Message string `json:"message"`
		} `json:"violations"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Code != "" || e.Detail != "") {
		s := e.Code + ": " + e.Detail
		for i, v := range e.Violations {
			if i == maxViolations {
				s += fmt.Sprintf("; and %d more", len(e.Violations)-i)
				break
			}
			sep := "; "
			if i == 0 {
				sep = ": "
			}
			s += sep + v.Pointer + ": " + v.Message
		}
		return s
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		s = "(empty answer)"
	}
	return s
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the
// method and URL already printed on the line.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
