package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		name string
		line string
		want sample
		ok   bool
	}{
		{"benchmem", "BenchmarkGet/router-2   \t    2000\t    512345 ns/op\t   1234 B/op\t      56 allocs/op",
			sample{name: "BenchmarkGet/router", nsOp: 512345, allocs: 56}, true},
		{"no benchmem", "BenchmarkGet/store-8   2000   400000 ns/op",
			sample{name: "BenchmarkGet/store", nsOp: 400000, allocs: -1}, true},
		{"no procs suffix", "BenchmarkGet/store 10 3.5 ns/op",
			sample{name: "BenchmarkGet/store", nsOp: 3.5, allocs: -1}, true},
		{"old twin name", "BenchmarkGet/driver-8   2000   400000 ns/op",
			sample{name: "BenchmarkGet/driver", nsOp: 400000, allocs: -1}, true},
		{"dash in name kept", "BenchmarkList/page-size/router-2 10 100 ns/op",
			sample{name: "BenchmarkList/page-size/router", nsOp: 100, allocs: -1}, true},
		{"extra metrics", "BenchmarkX/router-2 10 100 ns/op 5.00 MB/s 7 B/op 3 allocs/op",
			sample{name: "BenchmarkX/router", nsOp: 100, allocs: 3}, true},
		{"header", "goos: linux", sample{}, false},
		{"pass", "PASS", sample{}, false},
		{"ok", "ok  \tgithub.com/x/y\t12.3s", sample{}, false},
		{"name alone (verbose)", "BenchmarkGet/router", sample{}, false},
		{"log line", "BenchmarkGet: bench_test.go:10: seeding 1000 records", sample{}, false},
		{"failure", "--- FAIL: BenchmarkGet/router", sample{}, false},
		{"garbage value", "BenchmarkX/router-2 10 abc ns/op", sample{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseLine(tt.line)
			if ok != tt.ok || got != tt.want {
				t.Errorf("parseLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// result is what a test expects of one pair.
type result struct {
	pkg, name                 string
	runs                      int
	routerNs, storeNs         float64
	routerAllocs, storeAllocs float64
	kept                      float64
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		want     []result
		unpaired []string
	}{
		{
			name: "averages repetitions and pairs in order of appearance",
			input: `goos: linux
goarch: amd64
pkg: example.com/svc/handlers
cpu: AMD EPYC
BenchmarkCreate/router-2   	 2000	    400 ns/op	  10 B/op	 40 allocs/op
BenchmarkCreate/store-2    	 2000	    200 ns/op	  10 B/op	 10 allocs/op
BenchmarkGet/router-2      	 2000	    300 ns/op	  10 B/op	 30 allocs/op
BenchmarkGet/store-2       	 2000	    100 ns/op	  10 B/op	 10 allocs/op
BenchmarkCreate/router-2   	 2000	    600 ns/op	  10 B/op	 42 allocs/op
BenchmarkCreate/store-2    	 2000	    200 ns/op	  10 B/op	 12 allocs/op
BenchmarkGet/router-2      	 2000	    100 ns/op	  10 B/op	 30 allocs/op
BenchmarkGet/store-2       	 2000	    100 ns/op	  10 B/op	 10 allocs/op
PASS
ok  	example.com/svc/handlers	12.345s
`,
			want: []result{
				{"example.com/svc/handlers", "BenchmarkCreate", 2, 500, 200, 41, 11, 0.4},
				{"example.com/svc/handlers", "BenchmarkGet", 2, 200, 100, 30, 10, 0.5},
			},
		},
		{
			name: "store listed first, no benchmem",
			input: `BenchmarkList/store-2 5 1000 ns/op
BenchmarkList/router-2 5 2000 ns/op
`,
			want: []result{{"", "BenchmarkList", 1, 2000, 1000, -1, -1, 0.5}},
		},
		{
			name: "old output: driver pairs as store",
			input: `BenchmarkGet/router-2 5 2000 ns/op 10 B/op 30 allocs/op
BenchmarkGet/driver-2 5 1000 ns/op 10 B/op 10 allocs/op
`,
			want: []result{{"", "BenchmarkGet", 1, 2000, 1000, 30, 10, 0.5}},
		},
		{
			name: "router faster than the store: kept above 1",
			input: `BenchmarkListFiltered/records=10k/content-first/router-2 2 100 ns/op
BenchmarkListFiltered/records=10k/content-first/store-2 2 150 ns/op
`,
			want: []result{{"", "BenchmarkListFiltered/records=10k/content-first", 1, 100, 150, -1, -1, 1.5}},
		},
		{
			name: "same name in two packages stays apart",
			input: `pkg: a/one
BenchmarkGet/router-2 1 200 ns/op
BenchmarkGet/store-2 1 100 ns/op
pkg: a/two
BenchmarkGet/router-2 1 300 ns/op
BenchmarkGet/store-2 1 300 ns/op
`,
			want: []result{
				{"a/one", "BenchmarkGet", 1, 200, 100, -1, -1, 0.5},
				{"a/two", "BenchmarkGet", 1, 300, 300, -1, -1, 1},
			},
		},
		{
			name: "lone sides and other benchmarks are left out",
			input: `BenchmarkParse-2 100 50 ns/op
BenchmarkGet/router-2 1 200 ns/op
BenchmarkList/store-2 1 100 ns/op
BenchmarkLCM/get/driver-2 1 100 ns/op
BenchmarkRouterish-2 1 100 ns/op
BenchmarkContentFilter/records=10k/count/go-2 1 100 ns/op
BenchmarkContentFilter/records=10k/count/sql-2 1 100 ns/op
BenchmarkStorefront/routers-2 1 100 ns/op
`,
			unpaired: []string{"BenchmarkGet/router", "BenchmarkList/store", "BenchmarkLCM/get/driver"},
		},
		{
			name:  "empty input",
			input: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pairs, unpaired, err := parse(strings.NewReader(tt.input))
			if err != nil {
				t.Fatal(err)
			}
			if len(pairs) != len(tt.want) {
				t.Fatalf("got %d pairs, want %d: %+v", len(pairs), len(tt.want), pairs)
			}
			for i, w := range tt.want {
				p := pairs[i]
				got := result{p.pkg, p.name, min(p.router.n, p.store.n), p.router.ns(), p.store.ns(),
					p.router.allocs(), p.store.allocs(), p.kept()}
				if got.pkg != w.pkg || got.name != w.name || got.runs != w.runs ||
					!near(got.routerNs, w.routerNs) || !near(got.storeNs, w.storeNs) ||
					!near(got.routerAllocs, w.routerAllocs) || !near(got.storeAllocs, w.storeAllocs) ||
					!near(got.kept, w.kept) {
					t.Errorf("pair %d = %+v, want %+v", i, got, w)
				}
			}
			if strings.Join(unpaired, ",") != strings.Join(tt.unpaired, ",") {
				t.Errorf("unpaired %v, want %v", unpaired, tt.unpaired)
			}
		})
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRun(t *testing.T) {
	input := `pkg: example.com/svc/handlers
BenchmarkGet/router-2 2000 250 ns/op 10 B/op 31 allocs/op
BenchmarkGet/store-2 2000 100 ns/op 10 B/op 10 allocs/op
BenchmarkList/router-2 1 100 ns/op
`
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader(input), &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row, got:\n%s", out.String())
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "benchmark runs router ns/op store ns/op kept store/router router allocs/op store allocs/op" {
		t.Errorf("header %q", lines[0])
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "BenchmarkGet 1 250 100 0.40 31 10" {
		t.Errorf("row %q", lines[1])
	}
	if !strings.Contains(errOut.String(), "BenchmarkList/router has no twin") {
		t.Errorf("stderr %q does not name the lone benchmark", errOut.String())
	}

	out.Reset()
	errOut.Reset()
	if code := run(nil, strings.NewReader("PASS\n"), &out, &errOut); code == 0 {
		t.Errorf("no pairs: exit 0, want an error")
	}
}
