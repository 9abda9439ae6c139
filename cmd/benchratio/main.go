// Command benchratio reads `go test -bench` output and compares each
// benchmark's "router" sub-benchmark with its "store" twin: X/router with
// X/store, where the router serves a request through the service's HTTP
// layers and the store does the same work directly (see
// handlers/bench_test.go). X/driver, the twin's name in output from before
// the storage rewrite (the MongoDB driver), pairs as X/store does, so old
// bench.out files still read.
//
// It prints, per pair, the mean ns/op of each side (over -count
// repetitions), the ratio store ns/op / router ns/op, that is the share of
// what the store alone does that the service keeps (0.80: the service
// answers at 80% of the store's rate; above 1 the router is the faster),
// and the mean allocs/op of each.
//
// Usage:
//
//	go test -run '^$' -bench . -benchmem ./... | tee bench.out
//	go run ./cmd/benchratio bench.out   # or: ... | go run ./cmd/benchratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

// sample is one benchmark result line.
type sample struct {
	name   string  // without the -GOMAXPROCS suffix
	nsOp   float64 // ns/op
	allocs float64 // allocs/op; -1 when the line has none (no -benchmem)
}

// stats accumulates the samples of one side of a pair.
type stats struct {
	n         int
	nsSum     float64
	allocsSum float64
	allocsN   int
}

func (s *stats) add(x sample) {
	s.n++
	s.nsSum += x.nsOp
	if x.allocs >= 0 {
		s.allocsSum += x.allocs
		s.allocsN++
	}
}

func (s stats) ns() float64 { return s.nsSum / float64(s.n) }

// allocs is the mean allocs/op, or -1 when no sample had them.
func (s stats) allocs() float64 {
	if s.allocsN == 0 {
		return -1
	}
	return s.allocsSum / float64(s.allocsN)
}

// pair is a benchmark's router and store results.
type pair struct {
	pkg, name     string
	router, store stats
	// storeSuffix is the store side's suffix as the input names it:
	// storeSuffix, or driverSuffix in old output.
	storeSuffix string
}

// kept is store ns/op / router ns/op: the share of the store's throughput
// the service keeps.
func (p pair) kept() float64 { return p.store.ns() / p.router.ns() }

const (
	routerSuffix = "/router"
	storeSuffix  = "/store"
	// driverSuffix is the store side's name in output from before the
	// storage rewrite.
	driverSuffix = "/driver"
)

// parseLine parses one benchmark result line, such as
//
//	BenchmarkGet/router-2   2000   512345 ns/op   1234 B/op   56 allocs/op
//
// It reports false for any other line.
func parseLine(line string) (sample, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return sample{}, false
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return sample{}, false // not a result: e.g. a log line
	}
	s := sample{name: trimProcs(f[0]), nsOp: -1, allocs: -1}
	// The rest are value/unit pairs.
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return sample{}, false
		}
		switch f[i+1] {
		case "ns/op":
			s.nsOp = v
		case "allocs/op":
			s.allocs = v
		}
	}
	if s.nsOp <= 0 {
		return sample{}, false
	}
	return s, true
}

// trimProcs drops the -GOMAXPROCS suffix the testing package adds.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// side splits a benchmark name into the pair it belongs to and its side's
// suffix: routerSuffix, or the store's under either of its names; ok is
// false for a benchmark of neither side.
func side(name string) (base, suffix string, ok bool) {
	for _, s := range []string{routerSuffix, storeSuffix, driverSuffix} {
		if b, found := strings.CutSuffix(name, s); found {
			return b, s, true
		}
	}
	return "", "", false
}

// parse reads benchmark output and returns the router/store pairs in the
// order they first appear, and the names of the benchmarks that have no
// twin (the lone side, as the input names it).
func parse(r io.Reader) (pairs []*pair, unpaired []string, err error) {
	index := map[string]*pair{}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		s, ok := parseLine(line)
		if !ok {
			continue
		}
		base, suffix, ok := side(s.name)
		if !ok {
			continue
		}
		key := pkg + " " + base
		p := index[key]
		if p == nil {
			p = &pair{pkg: pkg, name: base, storeSuffix: storeSuffix}
			index[key] = p
			pairs = append(pairs, p)
		}
		if suffix == routerSuffix {
			p.router.add(s)
		} else {
			p.store.add(s)
			p.storeSuffix = suffix
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	complete := pairs[:0]
	for _, p := range pairs {
		switch {
		case p.router.n == 0:
			unpaired = append(unpaired, p.name+p.storeSuffix)
		case p.store.n == 0:
			unpaired = append(unpaired, p.name+routerSuffix)
		default:
			complete = append(complete, p)
		}
	}
	return complete, unpaired, nil
}

// write prints the table. Benchmarks are named by package too when the
// pairs come from more than one package.
func write(w io.Writer, pairs []*pair) error {
	pkgs := map[string]bool{}
	for _, p := range pairs {
		pkgs[p.pkg] = true
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\truns\trouter ns/op\tstore ns/op\tkept store/router\trouter allocs/op\tstore allocs/op\t")
	for _, p := range pairs {
		name := p.name
		if len(pkgs) > 1 {
			name = p.pkg[strings.LastIndexByte(p.pkg, '/')+1:] + "." + name
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t%s\t%s\t\n",
			name, min(p.router.n, p.store.n), p.router.ns(), p.store.ns(), p.kept(),
			formatAllocs(p.router.allocs()), formatAllocs(p.store.allocs()))
	}
	return tw.Flush()
}

func formatAllocs(a float64) string {
	if a < 0 {
		return "-"
	}
	return strconv.FormatFloat(a, 'f', 0, 64)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	in := stdin
	switch len(args) {
	case 0:
	case 1:
		f, err := os.Open(args[0])
		if err != nil {
			fmt.Fprintln(stderr, "benchratio:", err)
			return 1
		}
		defer f.Close()
		in = f
	default:
		fmt.Fprintln(stderr, "usage: benchratio [go-test-bench-output-file]")
		return 2
	}
	pairs, unpaired, err := parse(in)
	if err != nil {
		fmt.Fprintln(stderr, "benchratio:", err)
		return 1
	}
	for _, name := range unpaired {
		fmt.Fprintf(stderr, "benchratio: %s has no twin; skipped\n", name)
	}
	if len(pairs) == 0 {
		fmt.Fprintln(stderr, "benchratio: no X/router and X/store (or X/driver) benchmark pairs in the input")
		return 1
	}
	if err := write(stdout, pairs); err != nil {
		fmt.Fprintln(stderr, "benchratio:", err)
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
