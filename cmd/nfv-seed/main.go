// Command nfv-seed loads the example records of fixtures/ into a running
// nfv-records service:
//
//	go run ./cmd/nfv-seed -url http://localhost:4012 [-dir fixtures]
//
// Every *.json file of <dir>/nsr is POSTed to /nsrs and every *.json file of
// <dir>/vnfr to /vnfrs, as is, with Content-Type application/json. Other
// folders (such as <dir>/invalid) are left alone. One line is printed per
// file. 200 means loaded and 409 means the record is already there: both are
// fine, so seeding twice is harmless. Any other answer is a failure, and the
// command exits 1 once every file has been tried.
//
// Before posting, nfv-seed waits (up to -wait, 30s by default) for /ping to
// answer "pong", so `make run & make seed` works.
package main

import (
	"bytes"
	"context"
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
)

// collections maps each fixture folder to the path its records are POSTed to.
var collections = []struct{ folder, path string }{
	{"nsr", "/nsrs"},
	{"vnfr", "/vnfrs"},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, &http.Client{}))
}

// run is the whole command: it parses args, waits for the service, seeds it,
// and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, client *http.Client) int {
	fs := flag.NewFlagSet("nfv-seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", defaultURL, "base URL of the nfv-records service")
	dir := fs.String("dir", defaultDir, "fixtures directory, holding nsr/ and vnfr/")
	wait := fs.Duration("wait", defaultWait, "how long to wait for the service to answer /ping")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of each request")
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

	c := *client // a copy: the caller's client is not changed
	c.Timeout = *timeout
	if *wait > 0 { // a mistyped -url would otherwise look like a silent hang
		fmt.Fprintf(stderr, "nfv-seed: waiting up to %s for %s/ping\n", *wait, base)
	}
	if err := waitReady(ctx, &c, base, *wait); err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	sum, err := seed(ctx, &c, base, *dir, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "nfv-seed:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%d files: %d loaded, %d already there, %d failed\n",
		sum.Loaded+sum.Existing+sum.Failed, sum.Loaded, sum.Existing, sum.Failed)
	if sum.Failed > 0 {
		return exitFailed
	}
	return exitOK
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

// summary counts the outcomes of one seeding.
type summary struct {
	Loaded, Existing, Failed int
}

// seed POSTs every JSON file of dir/nsr to base/nsrs and of dir/vnfr to
// base/vnfrs, writing one line per file to out. A refused file is counted in
// the summary, not returned as an error: every file is tried. The error is
// for a directory that cannot be read or holds no record files.
func seed(ctx context.Context, client *http.Client, base, dir string, out io.Writer) (summary, error) {
	type job struct{ file, rel, path string }
	var jobs []job
	for _, c := range collections {
		folder := filepath.Join(dir, c.folder)
		entries, err := os.ReadDir(folder)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return summary{}, fmt.Errorf("read %s: %w", folder, err)
		}
		for _, e := range entries { // ReadDir sorts by name
			if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".json") {
				continue
			}
			jobs = append(jobs, job{filepath.Join(folder, e.Name()), c.folder + "/" + e.Name(), c.path})
		}
	}
	if len(jobs) == 0 {
		return summary{}, fmt.Errorf("no *.json files in %s or %s (run from the repository root, or pass -dir)",
			filepath.Join(dir, "nsr"), filepath.Join(dir, "vnfr"))
	}

	width := 0
	for _, j := range jobs {
		width = max(width, len(j.rel))
	}
	var sum summary
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return sum, fmt.Errorf("interrupted: %w", err)
		}
		status, note, err := post(ctx, client, base, j.path, j.file)
		line := fmt.Sprintf("%-*s  POST %-6s ", width, j.rel, j.path)
		switch {
		case err != nil:
			sum.Failed++
			fmt.Fprintf(out, "%sFAILED: %v\n", line, err)
		case status == http.StatusOK:
			sum.Loaded++
			fmt.Fprintf(out, "%s200 loaded%s\n", line, note)
		case status == http.StatusConflict:
			sum.Existing++
			fmt.Fprintf(out, "%s409 already there\n", line)
		default:
			sum.Failed++
			fmt.Fprintf(out, "%s%d FAILED: %s\n", line, status, note)
		}
	}
	return sum, nil
}

// post sends one file and returns the status and a note on the answer: the
// stored uuid on success, the error detail otherwise.
func post(ctx context.Context, client *http.Client, base, path, file string) (int, string, error) {
	body, err := os.ReadFile(file)
	if err != nil {
		return 0, "", fmt.Errorf("read file: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return 0, "", fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("service not reachable: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, "", fmt.Errorf("read answer (%s): %w", resp.Status, err)
	}
	if resp.StatusCode == http.StatusOK {
		var rec struct {
			UUID string `json:"uuid"`
		}
		if json.Unmarshal(answer, &rec) == nil && rec.UUID != "" {
			return resp.StatusCode, " (uuid " + rec.UUID + ")", nil
		}
		return resp.StatusCode, "", nil
	}
	return resp.StatusCode, describe(answer), nil
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
