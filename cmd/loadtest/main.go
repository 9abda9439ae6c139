// Command loadtest starts a built nfv-records binary on a fresh embedded
// (SQLite) store and measures it over HTTP with its own load generator:
//
//	go run ./cmd/loadtest -bin bin/nfv-records [-records 10000] [-big 100000]
//	    [-duration 10s] [-clients 8] [-out loadtest.json] [-keep]
//	    [-scenarios get,auth,page100,put,create,hostile,filter,rss,ns-list,ns-create]
//
// The machine is small and shared, so absolute numbers move from run to
// run; what is reported is each scenario's throughput as a RATIO to the
// throughput of GET /healthz measured in the same phase, with the same
// number of clients, just before and just after (both are shown: a large
// difference between them means the machine drifted during the phase).
//
// What it does:
//
//  1. starts the binary with DATA_DIR in a new temporary directory,
//     LISTEN_ADDR=127.0.0.1:<free port>, LOG_LEVEL=warn, AUTH=token,
//     ADMIN_PASSWORD=<random>, TOKEN_TTL=24h (MONGO_URI cleared) and its
//     stderr in a file, waits for /readyz, and logs in as admin (POST
//     /osm/admin/v1/tokens): every request but /healthz carries
//     "Authorization: Bearer <token>" (a binary without that route is
//     measured without credentials);
//  2. seeds -records VNFRs through POST /vnfrs (-seed-clients at once):
//     variations of fixtures/vnfr/gatekeeper-seed-function-1.json, each with
//     a fresh uuid (statuses, descriptor references, one to three VDUs whose
//     vCPUs make about a fifth of the records match the content filter);
//     with the auth scenario, starts a second process of the binary under
//     AUTH=none on a data directory of its own and seeds it as many;
//  3. phase 1, at -records: healthz, get (GET /vnfrs/{random seeded uuid},
//     bearer token), get-basic (the same with Basic credentials) and
//     get-none (the same against the AUTH=none process, without
//     credentials) for the auth scenario, page100 (GET
//     /vnfrs?page_size=100), put (PUT /vnfrs/{random uuid}, a full body, no
//     If-Match), create (POST /vnfrs, new records), healthz; put runs
//     before create so that it replaces one record among -records; the
//     AUTH=none process is stopped after phase 1;
//  4. hostile bodies (internal/hostilebody: the costliest within the
//     default limits, and some past them), each sent once on one
//     connection while the server's CPU time (/proc/<pid>/stat) and peak
//     RSS (VmHWM, reset before) are read around it; then GET by id for
//     -duration alone, and again beside 4 clients posting the costliest;
//  5. phase 2, after seeding up to -big: healthz, get, page100, put,
//     healthz; then the content filter
//     (GET /vnfrs?virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4,
//     first page with X-Total-Count) -filter-requests times in sequence by
//     one client; then -rss-clients clients (half page100, half the content
//     filter) for -duration while the server's VmRSS is sampled every 50 ms
//     (VmHWM is reset first through /proc/<pid>/clear_refs, and read after);
//  6. the NS phase (ns-list, ns-create): SONATA's demo NS (three VNFDs
//     and its NSD, fixtures/descriptors/sonata) onboarded, a VIM registered,
//     100 NS instances created and instantiated (all their operations
//     COMPLETED); then healthz, ns-list (GET
//     /osm/nslcm/v1/ns_instances?limit=100: OSM's view of each), ns-create
//     (POST /osm/nslcm/v1/ns_instances_content: each starts a 3-VNF
//     instantiation the server runs in the background), healthz;
//  7. stops the service with SIGTERM, summarises its stderr (warn and error
//     lines), prints a table and, with -out, writes everything as JSON.
//
// Each scenario runs -clients goroutines for -warmup plus -duration, each
// with its own http.Client and keep-alive connection, reading every answer
// whole; it counts the 2xx answers completed within -duration (req/s), the
// other answers by status code, requests that got no answer, and the
// latencies (p50, p99, max).
//
// The targets come from the performance issue; "before" is what the
// service did before it (at 10k records, 34k req/s on /healthz).
//
// Exit status: 0 when every target is met, 3 when one is not, 1 when the
// test could not run (no binary, the service did not start, seeding failed),
// 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
	exitTarget = 3
)

// options are the command's flags.
type options struct {
	bin, fixture, out, serverLog          string
	records, big                          int
	clients, seedClients, rssClients      int
	filterRequests                        int
	duration, warmup, readyTimeout, grace time.Duration
	keep                                  bool
	only                                  map[string]bool // -scenarios
}

// scenarioNames are what -scenarios selects from.
var scenarioNames = []string{"get", "auth", "page100", "put", "create", "hostile", "filter", "rss", "ns-list", "ns-create"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.bin, "bin", "bin/nfv-records", "the built service binary to start")
	fs.StringVar(&o.fixture, "fixture", "fixtures/vnfr/gatekeeper-seed-function-1.json", "the VNFR the seeded records are variations of")
	fs.StringVar(&o.out, "out", "", "also write the results as JSON to this file")
	fs.StringVar(&o.serverLog, "server-log", "", "write the service's stderr to this file (default: in the temporary directory, removed unless -keep)")
	fs.IntVar(&o.records, "records", 10_000, "records in the store for phase 1")
	fs.IntVar(&o.big, "big", 100_000, "records in the store for phase 2; 0 skips phase 2")
	fs.IntVar(&o.clients, "clients", 8, "concurrent clients per scenario")
	fs.IntVar(&o.seedClients, "seed-clients", 8, "concurrent clients while seeding")
	fs.IntVar(&o.rssClients, "rss-clients", 64, "concurrent list clients of the RSS measure")
	fs.IntVar(&o.filterRequests, "filter-requests", 20, "sequential requests of the content filter latency")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured time before each scenario's measure")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 2*time.Minute, "how long to wait for /readyz")
	fs.DurationVar(&o.grace, "stop-timeout", 20*time.Second, "how long the service may take to exit on SIGTERM before it is killed")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (data dir and server log)")
	only := fs.String("scenarios", strings.Join(scenarioNames, ","), "the scenarios to run (healthz always runs); auth is GET by uuid with a token, with Basic, and against a second process under AUTH=none; filter and rss are phase 2's")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.only = map[string]bool{}
	for name := range strings.SplitSeq(*only, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !slices.Contains(scenarioNames, name) {
			return o, fmt.Errorf("-scenarios: unknown %q (want some of %s)", name, strings.Join(scenarioNames, ","))
		}
		o.only[name] = true
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.records < 100:
		return o, errors.New("-records must be at least 100 (a full page of 100)")
	case o.big != 0 && o.big <= o.records:
		return o, errors.New("-big must be more than -records, or 0")
	case o.clients < 1 || o.seedClients < 1 || o.rssClients < 2 || o.filterRequests < 1:
		return o, errors.New("-clients, -seed-clients and -filter-requests must be at least 1, -rss-clients at least 2")
	case o.duration <= 0 || o.warmup < 0:
		return o, errors.New("-duration must be positive, -warmup not negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "loadtest:", err)
		return exitFailed
	}
	fixture, err := os.ReadFile(o.fixture)
	if err != nil {
		return fail(fmt.Errorf("%w (run from the repository root, or give -fixture)", err))
	}
	seedValue := uint64(time.Now().UnixNano())
	recs, err := newRecords(fixture, seedValue)
	if err != nil {
		return fail(err)
	}

	password, err := randomPassword()
	if err != nil {
		return fail(err)
	}
	srv, err := startServer(o.bin, o.serverLog, "AUTH=token", "ADMIN_PASSWORD="+password, "TOKEN_TTL="+tokenTTL.String())
	if err != nil {
		return fail(err)
	}
	rep := &report{
		Started: time.Now().UTC(), Binary: o.bin, Store: "sqlite (embedded)", GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), Clients: o.clients, Duration: o.duration.String(), Warmup: o.warmup.String(),
		Records: o.records, Big: o.big, ContentFilterShare: float64(recs.matching) / float64(len(recs.pool)),
		Auth: &authRun{Mode: "token"},
	}
	// finish stops the service and reads its log, once.
	finish := sync.OnceFunc(func() {
		exit, took := srv.stop(o.grace)
		rep.Server.Exit, rep.Server.StopSeconds = exit, took.Seconds()
		if sum, err := summarizeLog(srv.logPath); err == nil {
			rep.Server.Log = sum
		} else {
			rep.notef("server log: %v", err)
		}
		if o.keep || o.serverLog != "" {
			rep.Server.Log.Path = srv.logPath
		}
		if o.keep {
			rep.Server.DataDir = srv.dataDir
		}
		if err := srv.cleanup(o.keep); err != nil {
			rep.notef("cleanup: %v", err)
		}
	})
	defer finish()
	// From here a failure also shows what the service wrote on stderr.
	fail = func(err error) int {
		fmt.Fprintln(stderr, "loadtest:", err)
		finish()
		fmt.Fprintf(stderr, "service: %s; stderr: %d lines %v\n", rep.Server.Exit, rep.Server.Log.Lines, rep.Server.Log.Levels)
		for _, m := range rep.Server.Log.Messages {
			fmt.Fprintf(stderr, "  %dx %s\n", m.Count, m.Sample)
		}
		return exitFailed
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }

	took, err := srv.waitReady(ctx, o.readyTimeout)
	if err != nil {
		return fail(err)
	}
	rep.Server.ReadySeconds = took.Seconds()
	if m, err := srv.memory(); err == nil {
		rep.Server.StartRSSMiB = kibToMiB(m.RSS)
	}
	progress("service ready at %s after %.1fs (pid %d, data in %s)", srv.base, took.Seconds(), srv.cmd.Process.Pid, srv.dataDir)
	switch authz, err := login(ctx, srv.base, adminUser, password, adminUser); {
	case errors.Is(err, errNoLogin):
		rep.Auth.Mode = "none sent: " + err.Error()
		rep.notef("%s: requests carry no credentials; the auth scenario is skipped", err)
		progress("  %v: no credentials sent", err)
	case err != nil:
		return fail(err)
	default:
		srv.authz = authz
		progress("  logged in as %s: a bearer token on every request but /healthz", adminUser)
	}

	known := &ids{}
	grow := func(to int) error {
		have := storeCount(ctx, srv.endpoint, known.len())
		if have >= to {
			rep.notef("the store already holds %d records (created under load), no seeding to %d", have, to)
			return nil
		}
		progress("seeding %d records (%d in the store) with %d clients...", to-have, have, o.seedClients)
		s, err := seed(ctx, srv.endpoint, recs, known, to-have, o.seedClients, seedValue, progress)
		s.From = have
		rep.Seeding = append(rep.Seeding, s)
		if err == nil {
			progress("  seeded %d in %.1fs: %.0f records/s, %d failed", s.Added, s.Seconds, s.PerSec, s.Failed)
		}
		return err
	}
	if err := grow(o.records); err != nil {
		return fail(err)
	}
	rep.preflight(ctx, srv.endpoint, known, recs)

	// The auth scenario's AUTH=none process, on as many records of its own.
	var none *server
	noneKnown := &ids{}
	finishNone := func() {}
	if o.only["auth"] && srv.authz != "" {
		if none, err = startNone(ctx, o, password, rep.Auth, &finishNone, progress); err != nil {
			return fail(err)
		}
		defer finishNone()
		progress("seeding the AUTH=none process with %d records (%d clients)...", o.records, o.seedClients)
		s, err := seed(ctx, none.endpoint, recs, noneKnown, o.records, o.seedClients, seedValue^1, progress)
		if err != nil {
			return fail(fmt.Errorf("the AUTH=none process: %w", err))
		}
		progress("  seeded %d in %.1fs: %.0f records/s", s.Added, s.Seconds, s.PerSec)
		rep.Auth.Records = noneKnown.len()
	} else if !o.only["auth"] {
		rep.Auth.Note = "the auth scenario was not selected"
	}

	// sc is the scenarios of -scenarios, in order.
	sc := func(all ...scenario) []scenario {
		var out []scenario
		for _, s := range all {
			if o.only[s.name] {
				out = append(out, s)
			}
		}
		return out
	}
	var phase1 []scenario
	if o.only["get"] || none != nil {
		phase1 = append(phase1, getByID(known))
	}
	if none != nil {
		phase1 = append(phase1, getBasic(known, basicAuthz(adminUser, password)), getNone(none.endpoint, noneKnown))
	}
	phase1 = append(phase1, sc(page100(), put(recs, known), create(recs, known))...)
	rep.Phases = append(rep.Phases, runPhase(ctx, srv, o, seedValue, progress,
		storeCount(ctx, srv.endpoint, known.len()), phase1))
	finishNone() // its memory and CPU are the main process's again
	if none != nil {
		rep.Auth.compare(rep.Phases[0])
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	if o.only["hostile"] {
		progress("hostile bodies at %d records: each once, then GET beside %d clients posting the costliest...", storeCount(ctx, srv.endpoint, known.len()), heavyClients)
		rep.Hostile = measureHostile(ctx, srv, o, seedValue, known)
	}

	if o.big > 0 {
		if err := grow(o.big); err != nil {
			return fail(err)
		}
		n := storeCount(ctx, srv.endpoint, known.len())
		rep.Phases = append(rep.Phases, runPhase(ctx, srv, o, seedValue, progress, n,
			sc(getByID(known), page100(), put(recs, known))))

		if o.only["filter"] {
			progress("content filter at %d records: %d sequential requests...", n, o.filterRequests)
			f := sequential(ctx, srv.endpoint, contentFilter, o.filterRequests)
			f.Records = n
			rep.Filter = &f
		}
		if o.only["rss"] {
			progress("RSS: %d list clients for %v at %d records...", o.rssClients, o.duration, n)
			rep.RSS = measureRSS(ctx, srv, o, seedValue, n)
		}
	}
	if ctx.Err() != nil {
		return fail(ctx.Err())
	}
	// Last, so that the phases before keep their places (ratioTargets).
	if o.only["ns-list"] || o.only["ns-create"] {
		progress("NS lifecycle: onboarding SONATA's demo NS, instantiating %d of it...", nsInstances)
		body, err := seedNS(ctx, srv.endpoint, filepath.Dir(filepath.Dir(o.fixture)))
		if err != nil {
			return fail(fmt.Errorf("the NS phase: %w", err))
		}
		p := runPhase(ctx, srv, o, seedValue, progress, storeCount(ctx, srv.endpoint, known.len()), sc(nsList(), nsCreate(body)))
		p.Name = fmt.Sprintf("%d NS instances (3 VNFs each)", nsInstances)
		rep.Phases = append(rep.Phases, p)
		if err := nsOutcome(ctx, srv.endpoint); err != nil {
			rep.notef("NS phase: %v", err)
		}
	}
	finish()
	rep.judge()
	rep.print(stdout)
	if o.out != "" {
		if err := rep.writeJSON(o.out); err != nil {
			return fail(err)
		}
		progress("results written to %s", o.out)
	}
	if !rep.Pass {
		return exitTarget
	}
	return exitOK
}

// storeCount is the number of VNFRs in the store (X-Total-Count), or
// fallback when the service does not say.
func storeCount(ctx context.Context, ep endpoint, fallback int) int {
	if _, total, _, err := check(ctx, ep, "GET", "/vnfrs?page_size=1", nil); err == nil && total > 0 {
		return total
	}
	return fallback
}

// startNone starts the binary under AUTH=none on a data directory of its
// own (with the admin password of the main process, so that it creates its
// admin quietly) and waits for it; *finish (set here) stops it, once, and
// records its exit and log in a.
func startNone(ctx context.Context, o options, password string, a *authRun, finish *func(), progress func(string, ...any)) (*server, error) {
	s, err := startServer(o.bin, "", "AUTH=none", "ADMIN_PASSWORD="+password)
	if err != nil {
		return nil, fmt.Errorf("the AUTH=none process: %w", err)
	}
	stats := &serverStats{}
	a.NoneServer = stats
	*finish = sync.OnceFunc(func() {
		stats.Exit, _ = s.stop(o.grace)
		if sum, err := summarizeLog(s.logPath); err == nil {
			stats.Log = sum
		}
		if o.keep {
			stats.DataDir, stats.Log.Path = s.dataDir, s.logPath
		}
		_ = s.cleanup(o.keep)
	})
	took, err := s.waitReady(ctx, o.readyTimeout)
	if err != nil {
		(*finish)()
		return nil, fmt.Errorf("the AUTH=none process: %w", err)
	}
	stats.ReadySeconds = took.Seconds()
	progress("AUTH=none process ready at %s after %.1fs (pid %d, data in %s)", s.base, took.Seconds(), s.cmd.Process.Pid, s.dataDir)
	return s, nil
}

// runPhase measures healthz, then each scenario, then healthz again, with
// o.clients clients each, and sets each scenario's ratio to the mean of the
// two healthz.
func runPhase(ctx context.Context, srv *server, o options, seedValue uint64, progress func(string, ...any), records int, scenarios []scenario) phase {
	p := phase{Name: sizeName(records), Records: records}
	measure := func(s scenario) result {
		progress("%s: %s (%d clients, %v)...", p.Name, s.name, o.clients, o.duration)
		r := load(ctx, srv, o.clients, o.warmup, o.duration, seedValue, s)[0]
		r.Records = records
		progress("  %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors", r.ReqPerSec, r.P50, r.P99, r.errors())
		return r
	}
	p.HealthzBefore = measure(healthz())
	for _, s := range scenarios {
		if ctx.Err() != nil {
			return p // interrupted: the caller gives up
		}
		p.Scenarios = append(p.Scenarios, measure(s))
	}
	if ctx.Err() != nil {
		return p
	}
	p.HealthzAfter = measure(healthz())
	p.HealthzMean = (p.HealthzBefore.ReqPerSec + p.HealthzAfter.ReqPerSec) / 2
	if p.HealthzMean > 0 {
		p.HealthzDriftPct = 100 * (p.HealthzAfter.ReqPerSec - p.HealthzBefore.ReqPerSec) / p.HealthzMean
		for i := range p.Scenarios {
			p.Scenarios[i].Ratio = p.Scenarios[i].ReqPerSec / p.HealthzMean
		}
	}
	return p
}

// measureRSS runs o.rssClients list clients (half page100, half the
// content filter) and samples the server's memory.
func measureRSS(ctx context.Context, srv *server, o options, seedValue uint64, records int) *rssResult {
	r := &rssResult{Records: records, Clients: o.rssClients, Seconds: o.duration.Seconds()}
	if m, err := srv.memory(); err == nil {
		r.BeforeMiB, r.LifetimeHWMMiB = kibToMiB(m.RSS), kibToMiB(m.HWM)
	} else {
		r.Note = "cannot read /proc/<pid>/status: " + err.Error()
		return r
	}
	r.HWMReset = srv.resetPeak() == nil
	res := load(ctx, srv, o.rssClients, o.warmup, o.duration, seedValue, page100(), filterPage())
	for i := range res {
		res[i].Records = records
	}
	r.Scenarios = res
	r.PeakSampledMiB = res[0].PeakRSSMiB
	if m, err := srv.memory(); err == nil {
		r.AfterMiB = kibToMiB(m.RSS)
		if r.HWMReset {
			r.PhaseHWMMiB = kibToMiB(m.HWM)
		}
	}
	r.PeakMiB = max(r.PeakSampledMiB, r.PhaseHWMMiB)
	return r
}

// sizeName is 10000 as "10k".
func sizeName(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	if n >= 1000 {
		return fmt.Sprintf("%.1fk", float64(n)/1000)
	}
	return fmt.Sprint(n)
}
