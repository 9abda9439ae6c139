package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/internal/vnfrgen"
)

// contentFilter is the content filter of the targets: a VDU with more than
// 4 vCPUs (about a fifth of the seeded records).
const contentFilter = "/vnfrs?" + vnfrgen.ContentKey + "=" + vnfrgen.ContentValue

// requestTimeout bounds every request of the tool.
const requestTimeout = 2 * time.Minute

// records makes VNFR bodies: variations of a fixture (internal/vnfrgen,
// as the handlers' and the store's list benchmarks seed them), each with a
// given id. The variations are made once (poolSize of them, JSON without
// the id); a body is one of them with `"id":"<uuid>",` put in front, so
// that the load generator spends little CPU on it (it shares the machine
// with the service).
type records struct {
	pool [][]byte
	// matching counts the variations the content filter selects.
	matching int
}

const poolSize = 4096

// newRecords builds the variations of fixture (a VNFR with at least one VDU)
// from seed.
func newRecords(fixture []byte, seed uint64) (*records, error) {
	var base map[string]any
	if err := json.Unmarshal(fixture, &base); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	gen, err := vnfrgen.New(base)
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	r := &records{}
	for range poolSize {
		doc, match := gen.Next(rng)
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		r.pool = append(r.pool, b)
		if match {
			r.matching++
		}
	}
	return r, nil
}

// body is a variation drawn with rng, with id.
func (r *records) body(rng *rand.Rand, id string) []byte {
	v := r.pool[rng.IntN(len(r.pool))]
	b := make([]byte, 0, len(v)+48)
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `",`...)
	return append(b, v[1:]...)
}

// worker is one load-generating client, with its own keep-alive
// connection (it sends one request at a time), to its endpoint unless a
// request names another.
type worker struct {
	endpoint
	client *http.Client
	rng    *rand.Rand
}

func newWorker(id int, ep endpoint, seed uint64) *worker {
	return &worker{endpoint: ep, rng: rand.New(rand.NewPCG(seed, uint64(id))),
		client: &http.Client{Timeout: requestTimeout, Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 1,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		}}}
}

// workers runs fn on n workers at once, worker i seeded with (seed, i),
// and waits for them all.
func workers(n int, ep endpoint, seed uint64, fn func(i int, w *worker)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := newWorker(i, ep, seed)
			defer w.client.CloseIdleConnections()
			fn(i, w)
		})
	}
	wg.Wait()
}

// send sends one request to the worker's endpoint, with its credentials;
// the caller reads and closes the answer's body.
func (w *worker) send(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	return w.sendTo(ctx, w.endpoint, method, path, body)
}

// sendTo sends one request to ep, with ep's credentials.
func (w *worker) sendTo(ctx context.Context, ep endpoint, method, path string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, ep.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ep.authz != "" {
		req.Header.Set("Authorization", ep.authz)
	}
	return w.client.Do(req)
}

// do sends one request to the worker's endpoint and reads the whole
// answer.
func (w *worker) do(ctx context.Context, method, path string, body []byte) (int, error) {
	return w.doTo(ctx, w.endpoint, method, path, body)
}

// doTo sends one request to ep and reads the whole answer.
func (w *worker) doTo(ctx context.Context, ep endpoint, method, path string, body []byte) (int, error) {
	resp, err := w.sendTo(ctx, ep, method, path, body)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// scenario is one request, done in a loop by every client.
type scenario struct {
	name string
	// req is what each request asks, for the table.
	req string
	do  func(ctx context.Context, w *worker) (status int, err error)
}

// ids is a shared, growing list of record ids.
type ids struct {
	mu   sync.RWMutex
	list []string
}

func (s *ids) add(more ...string) {
	s.mu.Lock()
	s.list = append(s.list, more...)
	s.mu.Unlock()
}

func (s *ids) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.list)
}

func (s *ids) random(rng *rand.Rand) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.list[rng.IntN(len(s.list))]
}

// The scenarios. Each sends the worker's credentials but healthz, the
// baseline, which sends none (a probe needs none).
func healthz() scenario {
	return scenario{name: "healthz", req: "GET /healthz", do: func(ctx context.Context, w *worker) (int, error) {
		return w.doTo(ctx, w.anonymous(), http.MethodGet, "/healthz", nil)
	}}
}

func getByID(known *ids) scenario {
	return scenario{name: "get", req: "GET /vnfrs/{random uuid}", do: func(ctx context.Context, w *worker) (int, error) {
		return w.do(ctx, http.MethodGet, "/vnfrs/"+known.random(w.rng), nil)
	}}
}

// getBasic is get with HTTP Basic credentials (authz) instead of the
// worker's token.
func getBasic(known *ids, authz string) scenario {
	return scenario{name: "get-basic", req: "GET /vnfrs/{random uuid} (Basic)", do: func(ctx context.Context, w *worker) (int, error) {
		return w.doTo(ctx, endpoint{base: w.base, authz: authz}, http.MethodGet, "/vnfrs/"+known.random(w.rng), nil)
	}}
}

// getNone is get against another process, under AUTH=none (no
// credentials), on its own records.
func getNone(ep endpoint, known *ids) scenario {
	return scenario{name: "get-none", req: "GET /vnfrs/{random uuid} (AUTH=none process)", do: func(ctx context.Context, w *worker) (int, error) {
		return w.doTo(ctx, ep, http.MethodGet, "/vnfrs/"+known.random(w.rng), nil)
	}}
}

func page100() scenario {
	return scenario{name: "page100", req: "GET /vnfrs?page_size=100", do: func(ctx context.Context, w *worker) (int, error) {
		return w.do(ctx, http.MethodGet, "/vnfrs?page_size=100", nil)
	}}
}

func filterPage() scenario {
	return scenario{name: "filter", req: "GET " + contentFilter, do: func(ctx context.Context, w *worker) (int, error) {
		return w.do(ctx, http.MethodGet, contentFilter, nil)
	}}
}

// create POSTs new records and adds their ids to known.
func create(recs *records, known *ids) scenario {
	return scenario{name: "create", req: "POST /vnfrs (new uuid)", do: func(ctx context.Context, w *worker) (int, error) {
		id := uuid.NewString()
		status, err := w.do(ctx, http.MethodPost, "/vnfrs", recs.body(w.rng, id))
		if status == http.StatusOK {
			known.add(id)
		}
		return status, err
	}}
}

// put replaces a random record with another variation (full body, no
// If-Match).
func put(recs *records, known *ids) scenario {
	return scenario{name: "put", req: "PUT /vnfrs/{random uuid} (full body)", do: func(ctx context.Context, w *worker) (int, error) {
		id := known.random(w.rng)
		return w.do(ctx, http.MethodPut, "/vnfrs/"+id, recs.body(w.rng, id))
	}}
}

// result is what one scenario measured.
type result struct {
	Name    string  `json:"name"`
	Request string  `json:"request"`
	Records int     `json:"records"` // in the store when the scenario started
	Clients int     `json:"clients"`
	Seconds float64 `json:"seconds"` // the measured window (after warm-up)
	// OK counts the 2xx answers completed in the window; ReqPerSec is
	// OK per second; Ratio is ReqPerSec over the phase's /healthz mean.
	OK        int     `json:"ok"`
	ReqPerSec float64 `json:"req_per_sec"`
	Ratio     float64 `json:"ratio_to_healthz,omitempty"`
	// Status counts the answers that were not 2xx, by status code;
	// Failed the requests that got no answer or not all of it (FirstError
	// says why).
	Status     map[int]int `json:"non_2xx,omitempty"`
	Failed     int         `json:"transport_errors,omitempty"`
	FirstError string      `json:"first_error,omitempty"`
	// Late counts the requests still in flight when the window closed
	// (let finish, not counted, not in the latencies): many late requests
	// of a queueing scenario mean its latencies are underestimated.
	Late      int     `json:"late,omitempty"`
	LateMaxMS float64 `json:"late_max_ms,omitempty"` // the longest of them
	// Latencies of every request completed in the window, in ms.
	P50 float64 `json:"p50_ms"`
	P90 float64 `json:"p90_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// PeakRSSMiB is the server's peak VmRSS sampled during the run.
	PeakRSSMiB float64 `json:"peak_rss_mib,omitempty"`
}

func (r *result) errors() int {
	n := r.Failed
	for _, c := range r.Status {
		n += c
	}
	return n
}

// tally is one worker's counts.
type tally struct {
	ok        int
	status    map[int]int
	failed    int
	late      int
	lateMax   time.Duration
	firstErr  string
	latencies []time.Duration
}

// load runs clients workers for warmup+window while it samples the
// server's RSS; worker i does scenarios[i%len(scenarios)] in a loop. It
// counts the requests that complete within the window (after warmup), one
// result per scenario. A request in flight at the end is let finish, not
// counted.
func load(ctx context.Context, srv *server, clients int, warmup, window time.Duration, seed uint64, scenarios ...scenario) []result {
	tallies := make([]tally, clients)
	rss := srv.sampleRSS(50 * time.Millisecond)
	start := time.Now()
	t0, t1 := start.Add(warmup), start.Add(warmup+window)
	workers(clients, srv.endpoint, seed, func(i int, w *worker) {
		sc := scenarios[i%len(scenarios)]
		t := &tallies[i]
		t.status = map[int]int{}
		for ctx.Err() == nil {
			s := time.Now()
			if !s.Before(t1) {
				return
			}
			status, err := sc.do(ctx, w)
			e := time.Now()
			if e.After(t1) {
				t.late++
				t.lateMax = max(t.lateMax, e.Sub(s))
				return
			}
			if e.Before(t0) {
				continue
			}
			t.latencies = append(t.latencies, e.Sub(s))
			switch {
			case err != nil:
				t.failed++
				if t.firstErr == "" {
					t.firstErr = err.Error()
				}
			case status >= 200 && status < 300:
				t.ok++
			default:
				t.status[status]++
			}
		}
	})
	peak := rss.stop()
	out := make([]result, len(scenarios))
	for k, sc := range scenarios {
		r := result{Name: sc.name, Request: sc.req, Seconds: window.Seconds(), Status: map[int]int{}, PeakRSSMiB: kibToMiB(peak)}
		var lat []time.Duration
		for i := k; i < clients; i += len(scenarios) {
			t := &tallies[i]
			r.Clients++
			r.OK += t.ok
			r.Failed += t.failed
			r.Late += t.late
			r.LateMaxMS = max(r.LateMaxMS, ms(t.lateMax))
			if r.FirstError == "" {
				r.FirstError = t.firstErr
			}
			for code, n := range t.status {
				r.Status[code] += n
			}
			lat = append(lat, t.latencies...)
		}
		if len(r.Status) == 0 {
			r.Status = nil
		}
		r.ReqPerSec = float64(r.OK) / window.Seconds()
		r.P50, r.P90, r.P99, r.Max = percentiles(lat)
		out[k] = r
	}
	return out
}

// percentiles are the nearest-rank p50, p90, p99 and the maximum of d, in
// milliseconds (it sorts d).
func percentiles(d []time.Duration) (p50, p90, p99, maxMS float64) {
	if len(d) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(d)
	at := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(d)))) - 1
		return ms(d[max(i, 0)])
	}
	return at(0.50), at(0.90), at(0.99), ms(d[len(d)-1])
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func kibToMiB(k int64) float64 { return float64(k) / 1024 }

// seeding is what growing the store measured.
type seeding struct {
	From      int     `json:"from"` // records in the store before
	Added     int     `json:"added"`
	Clients   int     `json:"clients"`
	Seconds   float64 `json:"seconds"`
	PerSec    float64 `json:"records_per_sec"`
	Failed    int     `json:"failed"`
	FirstFail string  `json:"first_failure,omitempty"`
}

// maxSeedFailures stops seeding: the service is refusing records.
const maxSeedFailures = 10

// seed POSTs n new records with clients concurrent clients, adding their
// ids to known, and reports its progress every 15 s.
func seed(ctx context.Context, ep endpoint, recs *records, known *ids, n, clients int, seedValue uint64, progress func(string, ...any)) (seeding, error) {
	res := seeding{Clients: clients}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next, done, failed atomic.Int64
	var mu sync.Mutex
	start := time.Now()
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		t := time.NewTicker(15 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				d := done.Load()
				progress("  seeded %d/%d (%.0f/s)", d, n, float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	workers(clients, ep, seedValue, func(_ int, w *worker) {
		var mine []string
		defer func() { known.add(mine...) }()
		for next.Add(1) <= int64(n) && ctx.Err() == nil {
			id := uuid.NewString()
			status, err := w.do(ctx, http.MethodPost, "/vnfrs", recs.body(w.rng, id))
			if status == http.StatusOK && err == nil {
				mine = append(mine, id)
				done.Add(1)
				continue
			}
			if ctx.Err() != nil {
				return
			}
			mu.Lock()
			if res.FirstFail == "" {
				res.FirstFail = fmt.Sprintf("POST /vnfrs answered %d: %v", status, err)
			}
			mu.Unlock()
			if failed.Add(1) > maxSeedFailures {
				cancel()
			}
		}
	})
	close(stopProgress)
	<-progressDone
	took := time.Since(start)
	res.Added, res.Failed, res.Seconds = int(done.Load()), int(failed.Load()), took.Seconds()
	res.PerSec = float64(res.Added) / took.Seconds()
	if err := parent.Err(); err != nil {
		return res, err
	}
	if res.Failed > maxSeedFailures {
		return res, fmt.Errorf("seeding stopped after %d failures; first: %s", res.Failed, res.FirstFail)
	}
	return res, nil
}

// latency is a series of sequential requests by one client.
type latency struct {
	Request string  `json:"request"`
	Records int     `json:"records"`
	N       int     `json:"n"`
	OK      int     `json:"ok"`
	Total   int     `json:"x_total_count"` // of the last 200 answer
	FirstMS float64 `json:"first_ms"`
	P50MS   float64 `json:"p50_ms"`
	P90MS   float64 `json:"p90_ms"`
	MaxMS   float64 `json:"max_ms"`
	Errors  string  `json:"errors,omitempty"`
}

// sequential asks path n times, one after the other, on one connection.
func sequential(ctx context.Context, ep endpoint, path string, n int) latency {
	w := newWorker(0, ep, 0)
	defer w.client.CloseIdleConnections()
	l := latency{Request: "GET " + path, N: n}
	var lat []time.Duration
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		s := time.Now()
		resp, err := w.send(ctx, http.MethodGet, path, nil)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		d := time.Since(s)
		lat = append(lat, d)
		if i == 0 {
			l.FirstMS = ms(d)
		}
		switch {
		case err != nil:
			l.Errors = err.Error()
		case resp.StatusCode != http.StatusOK:
			l.Errors = "answered " + resp.Status
		default:
			l.OK++
			l.Total, _ = strconv.Atoi(resp.Header.Get("X-Total-Count"))
		}
	}
	p50, p90, _, mx := percentiles(lat)
	l.P50MS, l.P90MS, l.MaxMS = p50, p90, mx
	return l
}

// check asks path once and returns the status, X-Total-Count and the
// number of elements when the answer is a JSON array (else -1).
func check(ctx context.Context, ep endpoint, method, path string, body []byte) (status, total, elems int, err error) {
	w := newWorker(0, ep, 0)
	defer w.client.CloseIdleConnections()
	resp, err := w.send(ctx, method, path, body)
	if err != nil {
		return 0, 0, 0, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, 0, 0, err
	}
	total, _ = strconv.Atoi(resp.Header.Get("X-Total-Count"))
	var arr []json.RawMessage
	elems = -1
	if json.Unmarshal(data, &arr) == nil {
		elems = len(arr)
	}
	if resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s answered %d: %.300s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, total, elems, err
}

// sortedCodes is the status codes of m in order.
func sortedCodes(m map[int]int) []int { return slices.Sorted(maps.Keys(m)) }
