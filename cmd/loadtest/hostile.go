package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nfv-records/nfv-records/internal/hostilebody"
)

// Targets of the request-path hardening: no body within MAX_BODY_BYTES
// costs more than a second of server CPU or 64 MiB of memory.
const (
	targetBodyCPUSeconds = 1.0
	targetBodyGrowthMiB  = 64.0
	// targetGetBesideMS bounds a read's p99 while heavy bodies are being
	// checked: the probe saw a GET wait up to a second.
	targetGetBesideMS = 100.0
)

// heavyClients post the costliest body while one client reads records,
// as the probe that found the starvation did.
const heavyClients = 4

// hostileResult is what one hostile body cost the server.
type hostileResult struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Bytes       int    `json:"bytes"`
	Status      int    `json:"status"`
	Want        int    `json:"want_status"`
	AnswerBytes int64  `json:"answer_bytes"`
	// Seconds is the wall time of the request; CPUSeconds the server's
	// user and system time across it (/proc/<pid>/stat, 10 ms steps);
	// GrowthMiB its peak RSS (VmHWM, reset just before) over its RSS
	// before.
	Seconds    float64 `json:"seconds"`
	CPUSeconds float64 `json:"cpu_seconds"`
	GrowthMiB  float64 `json:"peak_growth_mib"`
	Error      string  `json:"error,omitempty"`
}

// hostileRun is the hostile scenario: each body alone, then GET by id
// alone and beside heavyClients posting the costliest body.
type hostileRun struct {
	Bodies       []hostileResult `json:"bodies"`
	HeavyBody    string          `json:"heavy_body"`
	HeavyClients int             `json:"heavy_clients"`
	GetAlone     result          `json:"get_alone"`
	GetBeside    result          `json:"get_beside_heavy"`
	Heavy        result          `json:"heavy"`
	Note         string          `json:"note,omitempty"`
}

// measureHostile sends each of hostilebody.All once, on one connection,
// measuring the server around it; then the GET comparison.
func measureHostile(ctx context.Context, srv *server, o options, seedValue uint64, known *ids) *hostileRun {
	run := &hostileRun{HeavyClients: heavyClients}
	bodies := hostilebody.All()
	w := newWorker(0, srv.endpoint, seedValue)
	defer w.client.CloseIdleConnections()
	for _, b := range bodies {
		r := hostileResult{Name: b.Name, ContentType: b.ContentType, Bytes: len(b.Data), Want: b.Status}
		cpu0, cerr := srv.cpu()
		m0, merr := srv.memory()
		reset := srv.resetPeak()
		start := time.Now()
		r.Status, r.AnswerBytes, r.Error = w.post(ctx, "/nsrs", b.ContentType, b.Data)
		r.Seconds = time.Since(start).Seconds()
		if cpu1, err := srv.cpu(); err == nil && cerr == nil {
			r.CPUSeconds = (cpu1 - cpu0).Seconds()
		} else {
			run.Note = "cannot read /proc/<pid>/stat: CPU not measured"
		}
		if m1, err := srv.memory(); err == nil && merr == nil && reset == nil {
			r.GrowthMiB = kibToMiB(max(0, m1.HWM-m0.RSS)) // the GC may have returned memory meanwhile
		} else {
			run.Note = "cannot read or reset /proc/<pid>/status: memory not measured"
		}
		if r.Status == http.StatusOK {
			if status, err := w.do(ctx, http.MethodDelete, "/nsrs/"+hostilebody.ID, nil); err != nil || status != http.StatusOK {
				r.Error = fmt.Sprintf("delete the accepted record: %d %v", status, err)
			}
		}
		run.Bodies = append(run.Bodies, r)
	}

	heavy := bodies[0]
	run.HeavyBody = heavy.Name
	post := scenario{name: "heavy", req: "POST /nsrs (" + heavy.Name + ")", do: func(ctx context.Context, w *worker) (int, error) {
		status, _, msg := w.post(ctx, "/nsrs", heavy.ContentType, heavy.Data)
		if msg != "" {
			return status, errors.New(msg)
		}
		return status, nil
	}}
	run.GetAlone = load(ctx, srv, 1, o.warmup, o.duration, seedValue, getByID(known))[0]
	scenarios := []scenario{getByID(known)}
	for range heavyClients {
		scenarios = append(scenarios, post)
	}
	res := load(ctx, srv, len(scenarios), o.warmup, o.duration, seedValue, scenarios...)
	run.GetBeside = res[0]
	run.Heavy = merge(res[1:])
	return run
}

// merge adds up the results of clients that ran the same scenario.
func merge(rs []result) result {
	out := rs[0]
	out.Status = map[int]int{}
	out.Clients, out.OK, out.Failed = 0, 0, 0
	for _, r := range rs {
		out.Clients += r.Clients
		out.OK += r.OK
		out.Failed += r.Failed
		out.P99, out.Max = max(out.P99, r.P99), max(out.Max, r.Max)
		for code, n := range r.Status {
			out.Status[code] += n
		}
	}
	return out
}

// post sends a body with its media type and reads the whole answer; a
// failure is described, not returned, so that the run goes on.
func (w *worker) post(ctx context.Context, path, contentType string, body []byte) (status int, answer int64, failure string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err.Error()
	}
	req.Header.Set("Content-Type", contentType)
	if w.authz != "" {
		req.Header.Set("Authorization", w.authz)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, 0, err.Error()
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return resp.StatusCode, n, err.Error()
	}
	return resp.StatusCode, n, ""
}

// userHZ is the unit of the times in /proc/<pid>/stat on Linux.
const userHZ = 100

// cpu is the server's user plus system time so far.
func (s *server) cpu() (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return statCPU(raw)
}

// statCPU is utime plus stime of a /proc/<pid>/stat line.
func statCPU(raw []byte) (time.Duration, error) {
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing one (field 3, the state, is the first).
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, errors.New("/proc/<pid>/stat: no command name")
	}
	fields := strings.Fields(string(raw[i+1:]))
	if len(fields) < 13 {
		return 0, errors.New("/proc/<pid>/stat: too few fields")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/<pid>/stat: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// judgeHostile adds the hostile scenario's checks: every body answered as
// expected within the CPU and memory targets.
func (r *report) judgeHostile(add func(checkRow)) {
	h := r.Hostile
	worstCPU, worstGrowth := hostileResult{}, hostileResult{}
	answered := true
	for _, b := range h.Bodies {
		if b.CPUSeconds >= worstCPU.CPUSeconds {
			worstCPU = b
		}
		if b.GrowthMiB >= worstGrowth.GrowthMiB {
			worstGrowth = b
		}
		if b.Status != b.Want || b.Error != "" {
			answered = false
			r.notef("hostile %s: answered %d, want %d %s", b.Name, b.Status, b.Want, b.Error)
		}
	}
	if h.Note != "" {
		r.notef("hostile: %s", h.Note)
	}
	add(checkRow{Name: "hostile bodies answered", Measured: fmt.Sprintf("%d bodies", len(h.Bodies)), Target: "each its 4xx or 200", Pass: answered})
	add(checkRow{Name: "hostile body CPU", Measured: fmt.Sprintf("%.2f s (%s)", worstCPU.CPUSeconds, worstCPU.Name),
		Target: fmt.Sprintf("<= %.0f s", targetBodyCPUSeconds), Pass: h.Note == "" && worstCPU.CPUSeconds <= targetBodyCPUSeconds})
	add(checkRow{Name: "hostile body memory", Measured: fmt.Sprintf("+%.1f MiB (%s)", worstGrowth.GrowthMiB, worstGrowth.Name),
		Target: fmt.Sprintf("<= %.0f MiB", targetBodyGrowthMiB), Pass: h.Note == "" && worstGrowth.GrowthMiB <= targetBodyGrowthMiB})
	add(checkRow{Name: fmt.Sprintf("GET beside %d hostile posters", h.HeavyClients), Measured: fmt.Sprintf("p99 %.1f ms", h.GetBeside.P99),
		Target: fmt.Sprintf("<= %.0f ms", targetGetBesideMS), Pass: h.GetBeside.OK > 0 && h.GetBeside.errors() == 0 && h.GetBeside.P99 <= targetGetBesideMS})
}

// print writes the hostile scenario's table and the GET comparison.
func (h *hostileRun) print(w io.Writer) {
	fmt.Fprintln(w, "hostile bodies, each once (server CPU from /proc/<pid>/stat in 10 ms steps; peak RSS growth from VmHWM reset before):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	fmt.Fprintln(tw, "body\tbytes\tstatus\tanswer B\twall ms\tserver CPU s\tpeak RSS +MiB\t")
	for _, b := range h.Bodies {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%.2f\t%.1f\t\n", b.Name, b.Bytes, b.Status, b.AnswerBytes, 1000*b.Seconds, b.CPUSeconds, b.GrowthMiB)
	}
	tw.Flush()
	fmt.Fprintf(w, "GET /vnfrs/{uuid}, 1 client: alone p50 %.2f ms, p99 %.2f ms, max %.1f ms (%.0f req/s); beside %d clients posting %s: p50 %.2f ms, p99 %.2f ms, max %.1f ms (%.0f req/s; the posters: %d answers, p99 %.1f ms)\n",
		h.GetAlone.P50, h.GetAlone.P99, h.GetAlone.Max, h.GetAlone.ReqPerSec, h.HeavyClients, h.HeavyBody,
		h.GetBeside.P50, h.GetBeside.P99, h.GetBeside.Max, h.GetBeside.ReqPerSec, h.Heavy.OK+h.Heavy.errors(), h.Heavy.P99)
}
