package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything one run measured; -out writes it as JSON.
type report struct {
	Started   time.Time `json:"started"`
	Binary    string    `json:"binary"`
	Store     string    `json:"store"`
	GoVersion string    `json:"go_version"`
	CPUs      int       `json:"cpus"`
	Clients   int       `json:"clients"`
	Duration  string    `json:"duration"`
	Warmup    string    `json:"warmup"`
	Records   int       `json:"records"`
	Big       int       `json:"big,omitempty"`
	// ContentFilterShare is the share of generated records the content
	// filter selects.
	ContentFilterShare float64 `json:"content_filter_share"`

	Seeding []seeding   `json:"seeding"`
	Phases  []phase     `json:"phases"`
	Filter  *latency    `json:"content_filter_latency,omitempty"`
	RSS     *rssResult  `json:"rss,omitempty"`
	Hostile *hostileRun `json:"hostile,omitempty"`
	Auth    *authRun    `json:"auth,omitempty"`
	Server  serverStats `json:"server"`
	Checks  []checkRow  `json:"checks"`
	Pass    bool        `json:"pass"`
	Notes   []string    `json:"notes,omitempty"`
}

// phase is healthz, scenarios, healthz at one store size.
type phase struct {
	Name            string   `json:"name"`
	Records         int      `json:"records"`
	HealthzBefore   result   `json:"healthz_before"`
	HealthzAfter    result   `json:"healthz_after"`
	HealthzMean     float64  `json:"healthz_mean_req_per_sec"`
	HealthzDriftPct float64  `json:"healthz_drift_pct"` // (after-before)/mean
	Scenarios       []result `json:"scenarios"`
}

// rssResult is the server's memory under many list clients.
type rssResult struct {
	Records        int      `json:"records"`
	Clients        int      `json:"clients"`
	Seconds        float64  `json:"seconds"`
	BeforeMiB      float64  `json:"before_mib"`       // VmRSS before the load
	LifetimeHWMMiB float64  `json:"lifetime_hwm_mib"` // VmHWM before the load (seeding included)
	HWMReset       bool     `json:"hwm_reset"`        // VmHWM was reset before the load
	PeakSampledMiB float64  `json:"peak_sampled_mib"` // highest VmRSS sampled every 50 ms
	PhaseHWMMiB    float64  `json:"phase_hwm_mib"`    // VmHWM after the load, when reset
	PeakMiB        float64  `json:"peak_mib"`         // the larger of the two
	AfterMiB       float64  `json:"after_mib"`
	Scenarios      []result `json:"scenarios"`
	Note           string   `json:"note,omitempty"`
}

// serverStats is the service process's life.
type serverStats struct {
	ReadySeconds float64    `json:"ready_seconds"`
	StartRSSMiB  float64    `json:"start_rss_mib"`
	Exit         string     `json:"exit"` // after SIGTERM
	StopSeconds  float64    `json:"stop_seconds"`
	DataDir      string     `json:"data_dir,omitempty"` // with -keep
	Log          logSummary `json:"log"`
}

// checkRow is one target and whether it was met.
type checkRow struct {
	Name     string `json:"name"`
	Measured string `json:"measured"`
	Target   string `json:"target"`
	Pass     bool   `json:"pass"`
}

// Targets, from the issue.
const (
	targetFilterMS = 300.0
	targetRSSMiB   = 150.0
)

// ratioTargets are the minimum ratios to /healthz, by phase (1 at -records,
// 2 at -big) and scenario.
var ratioTargets = map[int]map[string]float64{
	1: {"get": 0.35, "page100": 0.015, "create": 0.03, "put": 0.03},
	2: {"put": 0.03},
}

// before are the old figures, at 10k records (phase 1).
var before = map[string]string{
	"healthz": "34k req/s",
	"get":     "0.047",
	"page100": "0.0037",
	"put":     "0.00005 (6/11 409)",
}

func (r *report) notef(format string, a ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, a...))
}

// preflight asks each kind of request once and notes what is not as
// expected, so that a broken scenario shows before it is timed.
func (r *report) preflight(ctx context.Context, base endpoint, known *ids, recs *records) {
	rng := rand.New(rand.NewPCG(1, 2))
	id := known.random(rng)
	if _, _, _, err := check(ctx, base, http.MethodGet, "/vnfrs/"+id, nil); err != nil {
		r.notef("preflight get: %v", err)
	}
	_, total, elems, err := check(ctx, base, http.MethodGet, "/vnfrs?page_size=100", nil)
	switch {
	case err != nil:
		r.notef("preflight page100: %v", err)
	case elems != 100 || total < known.len():
		r.notef("preflight page100: %d records on the page, X-Total-Count %d, want 100 and at least %d", elems, total, known.len())
	}
	_, matched, _, err := check(ctx, base, http.MethodGet, contentFilter, nil)
	switch {
	case err != nil:
		r.notef("preflight filter: %v", err)
	case total > 0 && (float64(matched) < 0.1*float64(total) || float64(matched) > 0.3*float64(total)):
		r.notef("preflight filter: X-Total-Count %d of %d records, want about a fifth (%.0f%% of the generated records match)", matched, total, 100*r.ContentFilterShare)
	}
	if _, _, _, err := check(ctx, base, http.MethodPut, "/vnfrs/"+id, recs.body(rng, id)); err != nil {
		r.notef("preflight put: %v", err)
	}
}

// judge fills Checks and Pass, and notes errors seen under load.
func (r *report) judge() {
	r.Pass = true
	add := func(c checkRow) {
		r.Checks = append(r.Checks, c)
		r.Pass = r.Pass && c.Pass
	}
	for i, p := range r.Phases {
		noteErrors := func(res result) {
			if n := res.errors(); n > 0 {
				r.notef("%s %s: %d of %d requests failed: %s%s", p.Name, res.Name, n, n+res.OK, errorsString(res), firstError(res))
			}
		}
		noteErrors(p.HealthzBefore)
		noteErrors(p.HealthzAfter)
		if d := p.HealthzDriftPct; d > 20 || d < -20 {
			r.notef("%s: /healthz moved %+.0f%% between before and after the scenarios: the machine was busy, ratios are rough", p.Name, d)
		}
		for _, s := range p.Scenarios {
			noteErrors(s)
			if t, ok := ratioTargets[i+1][s.Name]; ok {
				add(checkRow{Name: fmt.Sprintf("%s at %s", s.Name, p.Name), Measured: fmt.Sprintf("%.4f", s.Ratio),
					Target: fmt.Sprintf(">= %g x healthz", t), Pass: s.Ratio >= t})
			}
		}
	}
	if f := r.Filter; f != nil {
		add(checkRow{Name: "content filter at " + sizeName(f.Records), Measured: fmt.Sprintf("p90 %.0f ms", f.P90MS),
			Target: fmt.Sprintf("<= %.0f ms", targetFilterMS), Pass: f.OK == f.N && f.P90MS <= targetFilterMS})
		if f.Errors != "" {
			r.notef("content filter: %d of %d failed: %s", f.N-f.OK, f.N, f.Errors)
		}
	}
	if m := r.RSS; m != nil {
		for _, s := range m.Scenarios {
			if n := s.errors(); n > 0 {
				r.notef("rss %s: %d of %d requests failed: %s%s", s.Name, n, n+s.OK, errorsString(s), firstError(s))
			}
			// Nearly every client has a request in flight when the window
			// closes; only slow ones say that requests queue.
			if s.P50 > 1000 || s.LateMaxMS > 1000 {
				r.notef("rss %s under %d list clients: p50 %.0f ms, max %.0f ms, %d requests still in flight when the window closed (the longest took %.0f ms): requests queue",
					s.Name, m.Clients, s.P50, s.Max, s.Late, s.LateMaxMS)
			}
		}
		add(checkRow{Name: fmt.Sprintf("peak RSS, %d list clients", m.Clients), Measured: fmt.Sprintf("%.0f MiB", m.PeakMiB),
			Target: fmt.Sprintf("<= %.0f MiB", targetRSSMiB), Pass: m.Note == "" && m.PeakMiB <= targetRSSMiB})
	}
	if h := r.Hostile; h != nil {
		r.judgeHostile(add)
	}
	for _, s := range r.Seeding {
		if s.Failed > 0 {
			r.notef("seeding from %d: %d POSTs failed; first: %s", s.From, s.Failed, s.FirstFail)
		}
	}
	if lv := r.Server.Log.Levels; lv["WARN"]+lv["ERROR"]+lv["other"] > 0 {
		r.notef("the service logged %d WARN, %d ERROR and %d other lines (see below)", lv["WARN"], lv["ERROR"], lv["other"])
	}
	if r.Server.Exit != "exit 0" {
		r.notef("the service did not exit cleanly on SIGTERM: %s", r.Server.Exit)
	}
	if a := r.Auth; a != nil && a.NoneServer != nil {
		if n, samples := a.unexpected(); n > 0 {
			r.notef("the AUTH=none process logged %d lines besides its AUTH=none warning: %s", n, strings.Join(samples, "; "))
		}
		if a.NoneServer.Exit != "exit 0" {
			r.notef("the AUTH=none process did not exit cleanly on SIGTERM: %s", a.NoneServer.Exit)
		}
	}
}

func errorsString(res result) string {
	var parts []string
	for _, c := range sortedCodes(res.Status) {
		parts = append(parts, fmt.Sprintf("%d:%d", c, res.Status[c]))
	}
	if res.Failed > 0 {
		parts = append(parts, fmt.Sprintf("no-answer:%d", res.Failed))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, " ")
}

func firstError(res result) string {
	if res.FirstError == "" {
		return ""
	}
	return " (" + res.FirstError + ")"
}

// print writes the tables.
func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nnfv-records load test: %s, %s store, %d CPUs, %s; %d clients x %s per scenario (after %s warm-up)\n",
		r.Binary, r.Store, r.CPUs, r.GoVersion, r.Clients, r.Duration, r.Warmup)
	fmt.Fprintf(w, "ratio = the scenario's 2xx req/s / mean of the phase's /healthz req/s (measured before and after its scenarios); before = the service before the issue, at 10k\n\n")

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "phase\tscenario\treq/s\tratio\tbefore\ttarget\tp50 ms\tp99 ms\tmax ms\t2xx\terrors\tresult\t")
	for i, p := range r.Phases {
		row := func(name string, res result, ratio string) {
			b, t, verdict := "", "", ""
			if i == 0 {
				b = before[res.Name]
			}
			if tg, ok := ratioTargets[i+1][res.Name]; ok && ratio != "" {
				t = fmt.Sprintf(">= %g", tg)
				verdict = map[bool]string{true: "PASS", false: "FAIL"}[res.Ratio >= tg]
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%s\t%s\t%.2f\t%.2f\t%.1f\t%d\t%s\t%s\t\n",
				p.Name, name, res.ReqPerSec, ratio, b, t, res.P50, res.P99, res.Max, res.OK, errorsString(res), verdict)
		}
		row("healthz (before)", p.HealthzBefore, "")
		for _, s := range p.Scenarios {
			row(s.Name, s, fmt.Sprintf("%.4f", s.Ratio))
		}
		row("healthz (after)", p.HealthzAfter, "")
		fmt.Fprintf(tw, "%s\thealthz mean\t%.1f\t\t\t\t\t\t\t\tdrift %+.1f%%\t\t\n", p.Name, p.HealthzMean, p.HealthzDriftPct)
	}
	tw.Flush()

	fmt.Fprintln(w)
	for _, s := range r.Seeding {
		fmt.Fprintf(w, "seeding: %d -> %d records with %d clients in %.1f s: %.0f records/s, %d failed\n",
			s.From, s.From+s.Added, s.Clients, s.Seconds, s.PerSec, s.Failed)
	}
	if f := r.Filter; f != nil {
		fmt.Fprintf(w, "content filter at %d records (%s), %d sequential requests, 1 client: p50 %.1f ms, p90 %.1f ms, max %.1f ms (first %.1f ms); %d ok; X-Total-Count %d (%.1f%%)\n",
			f.Records, f.Request, f.N, f.P50MS, f.P90MS, f.MaxMS, f.FirstMS, f.OK, f.Total, 100*float64(f.Total)/float64(max(f.Records, 1)))
	}
	if m := r.RSS; m != nil {
		fmt.Fprintf(w, "RSS with %d list clients at %d records for %.0f s: before %.1f MiB, peak %.1f MiB (sampled VmRSS %.1f MiB, VmHWM since reset %.1f MiB%s), after %.1f MiB; lifetime VmHWM before it %.1f MiB\n",
			m.Clients, m.Records, m.Seconds, m.BeforeMiB, m.PeakMiB, m.PeakSampledMiB, m.PhaseHWMMiB,
			map[bool]string{true: "", false: ", reset failed"}[m.HWMReset], m.AfterMiB, m.LifetimeHWMMiB)
		for _, s := range m.Scenarios {
			fmt.Fprintf(w, "  %-8s %2d clients: %.1f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, errors %s; %d still in flight at the end (not counted; the longest took %.1f ms)\n",
				s.Name, s.Clients, s.ReqPerSec, s.P50, s.P99, s.Max, errorsString(s), s.Late, s.LateMaxMS)
		}
	}
	if a := r.Auth; a != nil {
		a.print(w)
	}
	if h := r.Hostile; h != nil {
		h.print(w)
	}
	lg := r.Server.Log
	fmt.Fprintf(w, "service: ready in %.1f s (RSS %.1f MiB), %s on SIGTERM after %.1f s; stderr at LOG_LEVEL=warn: %d lines %v\n",
		r.Server.ReadySeconds, r.Server.StartRSSMiB, r.Server.Exit, r.Server.StopSeconds, lg.Lines, lg.Levels)
	for _, m := range lg.Messages {
		fmt.Fprintf(w, "  %dx %s\n", m.Count, m.Sample)
	}
	if r.Server.DataDir != "" {
		fmt.Fprintf(w, "kept: data in %s, service stderr in %s\n", r.Server.DataDir, lg.Path)
	}

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\twant\tresult")
	passed := 0
	for _, c := range r.Checks {
		v := "FAIL"
		if c.Pass {
			v, passed = "PASS", passed+1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Measured, c.Target, v)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d targets met\n", passed, len(r.Checks))
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
