package appc

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The tests below read statemachine.csv and testdata/appc-vnf-state-machine-
// matrix.md with their own small parsers (split on lines, commas and pipes),
// not with stateMachineParse, so a parser bug cannot hide itself.

// stateTestCSV is the state machine file as the tests read it.
type stateTestCSV struct {
	next     map[[2]string]string // (from, event) -> to, event rows
	outcome  map[[2]string]string // (transitional, SUCCESS|FAILURE) -> state
	states   []string             // every state named, first-seen order
	events   []string             // every event named (not SUCCESS/FAILURE)
	rowCount int
}

func stateReadCSV(t *testing.T) stateTestCSV {
	t.Helper()
	raw, err := os.ReadFile("statemachine.csv")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != stateMachineCSV {
		t.Fatal("embedded stateMachineCSV differs from statemachine.csv")
	}
	text := string(raw)
	if !strings.HasSuffix(text, "\n") {
		t.Fatal("statemachine.csv: no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != "from_state,event,to_state" {
		t.Fatalf("statemachine.csv header %q", lines[0])
	}
	c := stateTestCSV{next: map[[2]string]string{}, outcome: map[[2]string]string{}}
	seenS, seenE := map[string]bool{}, map[string]bool{}
	addS := func(s string) {
		if !seenS[s] {
			seenS[s] = true
			c.states = append(c.states, s)
		}
	}
	for i, l := range lines[1:] {
		f := strings.Split(l, ",")
		if len(f) != 3 {
			t.Fatalf("statemachine.csv line %d: %d fields: %q", i+2, len(f), l)
		}
		c.rowCount++
		addS(f[0])
		addS(f[2])
		k := [2]string{f[0], f[1]}
		dst := c.next
		if f[1] == "SUCCESS" || f[1] == "FAILURE" {
			dst = c.outcome
		} else if !seenE[f[1]] {
			seenE[f[1]] = true
			c.events = append(c.events, f[1])
		}
		if _, dup := dst[k]; dup {
			t.Fatalf("statemachine.csv line %d: duplicate %v", i+2, k)
		}
		dst[k] = f[2]
	}
	return c
}

// stateTestMatrix is the Markdown matrix as the tests read it.
type stateTestMatrix struct {
	next    map[[2]string]string // (from, event) -> to; "—" cells are absent
	outcome map[[2]string]string // (transitional, SUCCESS|FAILURE) -> state
	columns []string             // from states, in column order
	rows    []string             // events, in row order
}

const stateMatrixNone = "—" // an empty cell of the first table

func stateMatrixCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	line = strings.TrimSuffix(line, "|")
	cells := strings.Split(line, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func stateParseMatrix(text string) (stateTestMatrix, error) {
	mx := stateTestMatrix{next: map[[2]string]string{}, outcome: map[[2]string]string{}}
	var tables [][]string
	var cur []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "|") {
			cur = append(cur, l)
			continue
		}
		if strings.TrimSpace(l) != "" {
			return mx, fmt.Errorf("matrix: text outside the tables: %q", l)
		}
		if cur != nil {
			tables = append(tables, cur)
			cur = nil
		}
	}
	if cur != nil {
		tables = append(tables, cur)
	}
	if len(tables) != 2 {
		return mx, fmt.Errorf("matrix: %d tables, want 2", len(tables))
	}
	for ti, tb := range tables {
		if len(tb) < 3 || !strings.HasPrefix(strings.TrimSpace(tb[1]), "|---") {
			return mx, fmt.Errorf("matrix table %d: no header/separator", ti+1)
		}
	}

	head := stateMatrixCells(tables[0][0])
	if head[0] != `event \ from` {
		return mx, fmt.Errorf("matrix table 1: corner cell %q", head[0])
	}
	mx.columns = head[1:]
	for _, l := range tables[0][2:] {
		cells := stateMatrixCells(l)
		if len(cells) != len(head) {
			return mx, fmt.Errorf("matrix table 1: row %q has %d cells, header %d", l, len(cells), len(head))
		}
		ev := cells[0]
		mx.rows = append(mx.rows, ev)
		for i, to := range cells[1:] {
			if to == stateMatrixNone {
				continue
			}
			k := [2]string{mx.columns[i], ev}
			if _, dup := mx.next[k]; dup {
				return mx, fmt.Errorf("matrix table 1: duplicate cell %v", k)
			}
			mx.next[k] = to
		}
	}

	head = stateMatrixCells(tables[1][0])
	if !slices.Equal(head, []string{"transitional state", "on SUCCESS", "on FAILURE"}) {
		return mx, fmt.Errorf("matrix table 2: header %q", head)
	}
	for _, l := range tables[1][2:] {
		cells := stateMatrixCells(l)
		if len(cells) != 3 {
			return mx, fmt.Errorf("matrix table 2: row %q has %d cells", l, len(cells))
		}
		for i, o := range []string{"SUCCESS", "FAILURE"} {
			k := [2]string{cells[0], o}
			if _, dup := mx.outcome[k]; dup {
				return mx, fmt.Errorf("matrix table 2: duplicate row %q", cells[0])
			}
			mx.outcome[k] = cells[i+1]
		}
	}
	return mx, nil
}

func stateReadMatrix(t *testing.T) stateTestMatrix {
	t.Helper()
	raw, err := os.ReadFile("testdata/appc-vnf-state-machine-matrix.md")
	if err != nil {
		t.Fatal(err)
	}
	mx, err := stateParseMatrix(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return mx
}

// stateCompare lists, one line per cell, where the CSV and the matrix differ.
func stateCompare(c stateTestCSV, mx stateTestMatrix) []string {
	var diffs []string
	show := func(m map[[2]string]string, k [2]string, none string) string {
		if v, ok := m[k]; ok {
			return fmt.Sprintf("%q", v)
		}
		return none
	}
	cmp := func(table string, a, b map[[2]string]string, none string) {
		keys := map[[2]string]bool{}
		for k := range a {
			keys[k] = true
		}
		for k := range b {
			keys[k] = true
		}
		var sorted [][2]string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Slice(sorted, func(i, j int) bool {
			if sorted[i][0] != sorted[j][0] {
				return sorted[i][0] < sorted[j][0]
			}
			return sorted[i][1] < sorted[j][1]
		})
		for _, k := range sorted {
			av, aok := a[k]
			bv, bok := b[k]
			if aok == bok && av == bv {
				continue
			}
			diffs = append(diffs, fmt.Sprintf("%s: %q × %q: CSV %s, matrix %s",
				table, k[0], k[1], show(a, k, "has no row"), show(b, k, none)))
		}
	}
	cmp("transitions", c.next, mx.next, "has \"—\" or no cell")
	cmp("outcomes", c.outcome, mx.outcome, "has no row")
	return diffs
}

func stateMachineForTest(t *testing.T) *StateMachine {
	t.Helper()
	m, err := NewStateMachine()
	if err != nil {
		t.Fatalf("NewStateMachine: %v", err)
	}
	return m
}

func TestStateMachineNewSucceeds(t *testing.T) {
	m := stateMachineForTest(t)
	c := stateReadCSV(t)
	// Tripwires: the reference file has 238 event rows and 14 transitional
	// states (28 outcome rows).
	if got := len(m.Transitions()); got != 238 || got != len(c.next) {
		t.Errorf("Transitions: %d rows, CSV %d, want 238", got, len(c.next))
	}
	if len(c.outcome) != 28 || c.rowCount != 266 {
		t.Errorf("CSV: %d outcome rows of %d, want 28 of 266", len(c.outcome), c.rowCount)
	}
	var trans []State
	for _, s := range StateValues() {
		if m.IsTransitional(s) {
			trans = append(trans, s)
		}
	}
	want := StateValues()[10:]
	if !slices.Equal(trans, want) {
		t.Errorf("transitional states %v, want %v", trans, want)
	}
	// Transitions returns a copy.
	rows := m.Transitions()
	rows[0].To = "mutated"
	if m.Transitions()[0].To == "mutated" {
		t.Error("Transitions exposes the machine's slice")
	}
}

// TestStateValuesMatchCSV: the constants and the file name the same states
// and events.
func TestStateValuesMatchCSV(t *testing.T) {
	c := stateReadCSV(t)
	var states []string
	for _, s := range StateValues() {
		states = append(states, string(s))
	}
	var events []string
	for _, e := range EventValues() {
		events = append(events, string(e))
	}
	cs, ce := slices.Clone(c.states), slices.Clone(c.events)
	slices.Sort(cs)
	slices.Sort(ce)
	ss, se := slices.Clone(states), slices.Clone(events)
	slices.Sort(ss)
	slices.Sort(se)
	if !slices.Equal(cs, ss) {
		t.Errorf("states: CSV %q\nconstants %q", cs, ss)
	}
	if !slices.Equal(ce, se) {
		t.Errorf("events: CSV %q\nconstants %q", ce, se)
	}
	if len(states) != 24 || len(events) != 29 {
		t.Errorf("%d states, %d events; want 24, 29", len(states), len(events))
	}
	// EventValues is in the matrix's row order; the nine first StateValues are
	// its columns in order.
	mx := stateReadMatrix(t)
	if !slices.Equal(mx.rows, events) {
		t.Errorf("EventValues order %q\nmatrix rows %q", events, mx.rows)
	}
	if !slices.Equal(mx.columns, states[:9]) {
		t.Errorf("StateValues[:9] %q\nmatrix columns %q", states[:9], mx.columns)
	}
}

// TestTransitionCrossProduct: every (state, event) pair, known or not, gives
// the CSV's to_state, or ok=false when the CSV has no row.
func TestTransitionCrossProduct(t *testing.T) {
	m := stateMachineForTest(t)
	c := stateReadCSV(t)
	states := slices.Clone(c.states)
	for _, s := range StateValues() {
		if !slices.Contains(states, string(s)) {
			states = append(states, string(s))
		}
	}
	// Not canonical, hence no transition: Next compares exactly.
	states = append(states, "", "running", "RUNNING", "Not Instantiated", "Bogus")
	events := slices.Clone(c.events)
	for _, e := range EventValues() {
		if !slices.Contains(events, string(e)) {
			events = append(events, string(e))
		}
	}
	// Outcome markers are not events; neither are other LCM actions.
	events = append(events, "SUCCESS", "FAILURE", "", "start", "config-modify", "ActionStatus", "Foo")

	pairs, defined := 0, 0
	for _, from := range states {
		t.Run(from, func(t *testing.T) {
			for _, ev := range events {
				pairs++
				want, wantOK := c.next[[2]string{from, ev}]
				got, ok := m.Next(State(from), Event(ev))
				if ok != wantOK || string(got) != want {
					t.Errorf("Next(%q, %q) = %q, %v; CSV says %q, %v", from, ev, got, ok, want, wantOK)
				}
				if wantOK {
					defined++
				}
			}
		})
	}
	if defined != len(c.next) || defined != 238 {
		t.Errorf("%d defined pairs seen, CSV has %d", defined, len(c.next))
	}
	t.Logf("%d pairs checked, %d with a transition", pairs, defined)
}

// TestTransitionOutcome: the second table, and states without outcome.
func TestTransitionOutcome(t *testing.T) {
	m := stateMachineForTest(t)
	c := stateReadCSV(t)
	for _, s := range StateValues() {
		succ, sok := c.outcome[[2]string{string(s), "SUCCESS"}]
		fail, fok := c.outcome[[2]string{string(s), "FAILURE"}]
		if sok != fok {
			t.Fatalf("CSV: %q has one outcome only", s)
		}
		if m.IsTransitional(s) != sok {
			t.Errorf("IsTransitional(%q) = %v, CSV outcome rows %v", s, m.IsTransitional(s), sok)
		}
		if !sok {
			succ, fail = string(s), string(s)
		}
		if got := m.Outcome(s, true); string(got) != succ {
			t.Errorf("Outcome(%q, true) = %q, want %q", s, got, succ)
		}
		if got := m.Outcome(s, false); string(got) != fail {
			t.Errorf("Outcome(%q, false) = %q, want %q", s, got, fail)
		}
	}
	if got := m.Outcome("Bogus", true); got != "Bogus" {
		t.Errorf("Outcome(Bogus) = %q", got)
	}
}

// TestTransitionApply: every CSV row end to end, both results, and the
// ordinary paths of a VNF spelled out.
func TestTransitionApply(t *testing.T) {
	m := stateMachineForTest(t)
	c := stateReadCSV(t)
	n := 0
	for k, to := range c.next {
		for _, success := range []bool{true, false} {
			want := to
			if o, ok := c.outcome[[2]string{to, map[bool]string{true: "SUCCESS", false: "FAILURE"}[success]}]; ok {
				want = o
			} else if to != k[0] {
				t.Fatalf("CSV: %v leads to %q, neither transitional nor the same state", k, to)
			}
			got, ok := m.Apply(State(k[0]), Event(k[1]), success)
			if !ok || string(got) != want {
				t.Errorf("Apply(%q, %q, %v) = %q, %v; want %q", k[0], k[1], success, got, ok, want)
			}
			n++
		}
	}
	tests := []struct {
		from    State
		ev      Event
		success bool
		to      State
		ok      bool
	}{
		{StateInstantiated, EventStart, true, StateRunning, true},
		{StateInstantiated, EventStart, false, StateError, true},
		{StateInstantiated, EventConfigure, true, StateConfigured, true},
		{StateConfigured, EventConfigModify, true, StateConfigured, true},
		{StateRunning, EventStop, true, StateStopped, true},
		{StateRunning, EventStop, false, StateError, true},
		{StateStopped, EventStop, true, StateStopped, false}, // no Stop from Stopped: 304
		{StateStopped, EventStart, true, StateRunning, true},
		{StateRunning, EventRestart, true, StateRunning, true},
		{StateRunning, EventRebuild, true, StateRunning, true},
		{StateRunning, EventSnapshot, true, StateRunning, true},
		{StateRunning, EventMigrate, false, StateError, true},
		{StateRunning, EventEvacuate, true, StateRunning, true},
		{StateRunning, EventHealthCheck, true, StateTested, true}, // Testing -> Tested
		{StateRunning, EventConfigBackup, true, StateRunning, true},
		{StateRunning, EventConfigRestore, true, StateConfigured, true},
		{StateRunning, EventStopApplication, true, StateStopped, true},
		{StateConfigured, EventStartApplication, true, StateRunning, true},
		{StateStopped, EventStartApplication, true, StateStopped, false},
		{StateInstantiated, EventStartApplication, true, StateInstantiated, false},
		{StateInstantiated, EventSync, true, StateInstantiated, false},
		{StateInstantiated, EventAudit, true, StateInstantiated, false},
		{StateInstantiated, EventConfigBackup, true, StateInstantiated, false},
		{StateRunning, EventSync, false, StateRunning, true}, // kept even on failure
		{StateError, EventAudit, true, StateError, true},
		{StateUnknown, EventLock, false, StateUnknown, true},
		{StateStopped, EventUnlock, true, StateStopped, true},
		{StateNotOrchestrated, EventCheckLock, true, StateNotOrchestrated, true},
		{StateError, EventStart, true, StateRunning, true},
		{StateConfigured, EventTerminate, true, StateNotInstantiated, true},
		{StateNotInstantiated, EventStart, true, StateNotInstantiated, false},
		{StateNotInstantiated, EventLock, true, StateNotInstantiated, false},
		{StateStarting, EventStop, true, StateStarting, false}, // nothing from a transitional state
	}
	for _, tt := range tests {
		got, ok := m.Apply(tt.from, tt.ev, tt.success)
		if got != tt.to || ok != tt.ok {
			t.Errorf("Apply(%q, %q, %v) = %q, %v; want %q, %v", tt.from, tt.ev, tt.success, got, ok, tt.to, tt.ok)
		}
		n++
	}
	t.Logf("%d Apply cases", n)
}

// TestStateMatrixAgreesWithCSV: the two reference files say the same thing.
// The CSV is authoritative (it is what the engine embeds); a failure here
// lists every cell where the matrix says otherwise.
func TestStateMatrixAgreesWithCSV(t *testing.T) {
	c := stateReadCSV(t)
	mx := stateReadMatrix(t)
	if diffs := stateCompare(c, mx); len(diffs) > 0 {
		t.Errorf("state machine CSV and matrix disagree in %d cells (the CSV is authoritative):\n%s",
			len(diffs), strings.Join(diffs, "\n"))
	}
	if len(mx.next) != 238 || len(mx.outcome) != 28 {
		t.Errorf("matrix: %d transitions, %d outcomes; want 238, 28", len(mx.next), len(mx.outcome))
	}
	// And the parsed machine agrees with the matrix directly.
	m := stateMachineForTest(t)
	for _, from := range mx.columns {
		for _, ev := range mx.rows {
			want, wantOK := mx.next[[2]string{from, ev}]
			if got, ok := m.Next(State(from), Event(ev)); ok != wantOK || string(got) != want {
				t.Errorf("Next(%q, %q) = %q, %v; matrix %q, %v", from, ev, got, ok, want, wantOK)
			}
		}
	}
	for k, want := range mx.outcome {
		if got := m.Outcome(State(k[0]), k[1] == "SUCCESS"); string(got) != want {
			t.Errorf("Outcome(%q, %s) = %q; matrix %q", k[0], k[1], got, want)
		}
	}
}

// TestStateMatrixComparisonReports: the comparison names each differing cell.
func TestStateMatrixComparisonReports(t *testing.T) {
	c := stateReadCSV(t)
	raw, err := os.ReadFile("testdata/appc-vnf-state-machine-matrix.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	// Stop from Stopped: "—" -> "Stopping"; Testing on FAILURE: Error -> Unknown.
	text = strings.Replace(text, "| Stop | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | — |",
		"| Stop | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping | Stopping |", 1)
	text = strings.Replace(text, "| Testing | Tested | Error |", "| Testing | Tested | Unknown |", 1)
	// Drop a row: ConfigExport has no cells.
	text = strings.Replace(text, "| ConfigExport | — | — | — | Configured | Tested | Running | Error | Unknown | — |\n", "", 1)
	mx, err := stateParseMatrix(text)
	if err != nil {
		t.Fatal(err)
	}
	got := stateCompare(c, mx)
	want := []string{
		`transitions: "Configured" × "ConfigExport": CSV "Configured", matrix has "—" or no cell`,
		`transitions: "Error" × "ConfigExport": CSV "Error", matrix has "—" or no cell`,
		`transitions: "Running" × "ConfigExport": CSV "Running", matrix has "—" or no cell`,
		`transitions: "Stopped" × "Stop": CSV has no row, matrix "Stopping"`,
		`transitions: "Tested" × "ConfigExport": CSV "Tested", matrix has "—" or no cell`,
		`transitions: "Unknown" × "ConfigExport": CSV "Unknown", matrix has "—" or no cell`,
		`outcomes: "Testing" × "FAILURE": CSV "Error", matrix "Unknown"`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("stateCompare:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestStateMachineParseErrors: malformed files are refused with a reason.
func TestStateMachineParseErrors(t *testing.T) {
	const h = "from_state,event,to_state\n"
	const ok = h + "Running,Stop,Stopping\nStopping,SUCCESS,Stopped\nStopping,FAILURE,Error\n"
	if _, err := stateMachineParse(ok); err != nil {
		t.Fatalf("minimal file: %v", err)
	}
	tests := []struct{ name, text, want string }{
		{"empty", "", "header"},
		{"bad header", "from,event,to\nRunning,Stop,Stopping\n", "header is"},
		{"header only", h, "no transitions"},
		{"field count", h + "Running,Stop\n", "wrong number of fields"},
		{"unknown from", h + "Runing,Stop,Stopping\n", `line 2: unknown state "Runing"`},
		{"case differs", h + "running,Stop,Stopping\n", `unknown state "running"`},
		{"unknown to", ok + "Running,Start,Startin\n", `line 5: unknown state "Startin"`},
		{"unknown event", ok + "Running,Reboot,Stopping\n", `line 5: unknown event "Reboot"`},
		{"duplicate transition", ok + "Running,Stop,Stopping\n", `second transition for Stop in "Running"`},
		{"duplicate outcome", ok + "Stopping,FAILURE,Unknown\n", `second FAILURE outcome for "Stopping"`},
		{"one outcome", h + "Running,Stop,Stopping\nStopping,SUCCESS,Stopped\n", "needs both a SUCCESS and a FAILURE"},
		{"chained outcome", ok + "Running,Start,Starting\nStarting,SUCCESS,Stopping\nStarting,FAILURE,Error\n", `settles in "Stopping", itself transitional`},
		{"event from transitional", ok + "Stopping,Start,Stopping\n", `from transitional state "Stopping"`},
		{"direct edge", ok + "Running,Start,Stopped\n", `leads to "Stopped", neither transitional`},
		{"dangling transitional", h + "Running,Stop,Stopping\n", `leads to "Stopping", neither transitional`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := stateMachineParse(tt.text)
			if err == nil {
				t.Fatalf("no error; machine %+v", m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestStateParse(t *testing.T) {
	folded := map[string]State{}
	for _, s := range StateValues() {
		got, err := StateParse(string(s))
		if err != nil || got != s {
			t.Errorf("StateParse(%q) = %q, %v", s, got, err)
		}
		k := stateFold(string(s))
		if prev, dup := folded[k]; dup {
			t.Errorf("%q and %q fold to the same %q", prev, s, k)
		}
		folded[k] = s
		for _, v := range []string{strings.ToLower(string(s)), strings.ToUpper(string(s)),
			strings.ReplaceAll(string(s), " ", "_"), strings.ReplaceAll(string(s), "_", " ")} {
			if got, err := StateParse(v); err != nil || got != s {
				t.Errorf("StateParse(%q) = %q, %v; want %q", v, got, err, s)
			}
		}
	}
	for in, want := range map[string]State{
		"not orchestrated": StateNotOrchestrated, "NOT_ORCHESTRATED": StateNotOrchestrated,
		"Not Instantiated": StateNotInstantiated, "not-instantiated": StateNotInstantiated,
		"backing up": StateBackingUp, "SOFTWARE_UPLOADING": StateSoftwareUploading,
		" Running ": StateRunning, "unknown": StateUnknown,
	} {
		if got, err := StateParse(in); err != nil || got != want {
			t.Errorf("StateParse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", " ", "_", "Runnin", "Runningx", "Stable", "normal operation", "NOTORCHESTRATEDX"} {
		if got, err := StateParse(bad); err == nil {
			t.Errorf("StateParse(%q) = %q, want an error", bad, got)
		}
	}
	if StateInitial != StateInstantiated {
		t.Errorf("StateInitial = %q", StateInitial)
	}
}

func TestStateEventParse(t *testing.T) {
	folded := map[string]Event{}
	for _, e := range EventValues() {
		if got, err := EventParse(string(e)); err != nil || got != e {
			t.Errorf("EventParse(%q) = %q, %v", e, got, err)
		}
		k := stateFold(string(e))
		if prev, dup := folded[k]; dup {
			t.Errorf("%q and %q fold to the same %q", prev, e, k)
		}
		folded[k] = e
	}
	// The YANG rpc names and the guide's lower-case spellings.
	for in, want := range map[string]Event{
		"check-lock": EventCheckLock, "checklock": EventCheckLock,
		"config-modify": EventConfigModify, "configmodify": EventConfigModify,
		"config-backup": EventConfigBackup, "config-backup-delete": EventConfigBackupDelete,
		"config-restore": EventConfigRestore, "config-scale-out": EventConfigScaleOut,
		"health-check": EventHealthCheck, "start-application": EventStartApplication,
		"stop-application": EventStopApplication, "startapplication": EventStartApplication,
		"software-upload": EventSoftwareUpload, "live-upgrade": EventLiveUpgrade,
		"lock": EventLock, "unlock": EventUnlock, "START": EventStart, "sync": EventSync,
	} {
		if got, err := EventParse(in); err != nil || got != want {
			t.Errorf("EventParse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-", "SUCCESS", "FAILURE", "ActionStatus", "Reboot", "Starts", "config-backupdelete-x"} {
		if got, err := EventParse(bad); err == nil {
			t.Errorf("EventParse(%q) = %q, want an error", bad, got)
		}
	}
}

// TestWorkingAffectedMatchesCSV: the read-only events are exactly the ones
// whose every transition in the state machine keeps the state.
func TestWorkingAffectedMatchesCSV(t *testing.T) {
	c := stateReadCSV(t)
	keeps := map[string]bool{}
	for _, e := range c.events {
		keeps[e] = true
	}
	for k, to := range c.next {
		if to != k[0] {
			keeps[k[1]] = false
		}
	}
	var readOnly []string
	for _, e := range EventValues() {
		if WorkingAffected(e) == keeps[string(e)] {
			t.Errorf("WorkingAffected(%q) = %v, but every transition keeps the state: %v", e, WorkingAffected(e), keeps[string(e)])
		}
		if !WorkingAffected(e) {
			readOnly = append(readOnly, string(e))
		}
	}
	want := []string{"Lock", "Unlock", "CheckLock", "ConfigBackup", "Sync", "Audit", "ConfigBackupDelete", "ConfigExport"}
	if !slices.Equal(readOnly, want) {
		t.Errorf("read-only events %q, want %q", readOnly, want)
	}
	// The guide's explicit list.
	for _, e := range []Event{EventLock, EventUnlock, EventCheckLock, EventSync, EventAudit} {
		if WorkingAffected(e) {
			t.Errorf("WorkingAffected(%q): the guide lists it as read-only", e)
		}
	}
	for _, e := range []Event{EventHealthCheck, EventStart, EventConfigure, "Foo", ""} {
		if !WorkingAffected(e) {
			t.Errorf("WorkingAffected(%q) = false", e)
		}
	}
}

func TestWorkingAllowed(t *testing.T) {
	type row struct {
		ws    WorkingState
		ev    Event
		force string
		want  bool
	}
	var tests []row
	for _, ev := range []Event{EventStart, EventHealthCheck, EventConfigModify} {
		tests = append(tests,
			row{WorkingStable, ev, "", true},
			row{WorkingStable, ev, "FALSE", true},
			row{WorkingStable, ev, "TRUE", true},
			row{WorkingUnstable, ev, "", false},
			row{WorkingUnstable, ev, "FALSE", false},
			row{WorkingUnstable, ev, "true", false}, // not the YANG enum value
			row{WorkingUnstable, ev, "TRUE", true},
			row{WorkingUnknown, ev, "", false},
			row{WorkingUnknown, ev, "FALSE", false},
			row{WorkingUnknown, ev, "TRUE", true},
		)
	}
	for _, ev := range []Event{EventLock, EventUnlock, EventCheckLock, EventSync, EventAudit, EventConfigBackup} {
		for _, ws := range []WorkingState{WorkingStable, WorkingUnstable, WorkingUnknown} {
			tests = append(tests, row{ws, ev, "", true}, row{ws, ev, "FALSE", true}, row{ws, ev, "TRUE", true})
		}
	}
	for _, tt := range tests {
		if got := WorkingAllowed(tt.ws, tt.ev, tt.force); got != tt.want {
			t.Errorf("WorkingAllowed(%q, %q, %q) = %v, want %v", tt.ws, tt.ev, tt.force, got, tt.want)
		}
	}
	t.Logf("%d cases", len(tests))
}

func TestWorkingDuringAndAfter(t *testing.T) {
	all := []WorkingState{WorkingStable, WorkingUnstable, WorkingUnknown}
	n := 0
	for _, ws := range all {
		for _, ev := range EventValues() {
			during, afterOK, afterKO := WorkingUnstable, WorkingStable, WorkingUnknown
			if !WorkingAffected(ev) {
				during, afterOK, afterKO = ws, ws, ws
			}
			if got := WorkingDuring(ws, ev); got != during {
				t.Errorf("WorkingDuring(%q, %q) = %q, want %q", ws, ev, got, during)
			}
			if got := WorkingAfter(ws, ev, true); got != afterOK {
				t.Errorf("WorkingAfter(%q, %q, true) = %q, want %q", ws, ev, got, afterOK)
			}
			if got := WorkingAfter(ws, ev, false); got != afterKO {
				t.Errorf("WorkingAfter(%q, %q, false) = %q, want %q", ws, ev, got, afterKO)
			}
			n += 3
		}
	}
	// A forced Start on an Unknown VNF: allowed, Unstable meanwhile, Stable
	// after success; a failed one leaves it Unknown.
	if !WorkingAllowed(WorkingUnknown, EventStart, WorkingForce) ||
		WorkingDuring(WorkingUnknown, EventStart) != WorkingUnstable ||
		WorkingAfter(WorkingUnstable, EventStart, true) != WorkingStable ||
		WorkingAfter(WorkingUnstable, EventStart, false) != WorkingUnknown {
		t.Error("forced Start on an Unknown VNF")
	}
	t.Logf("%d cases", n)
}

func TestWorkingStateParse(t *testing.T) {
	for in, want := range map[string]WorkingState{
		"": WorkingStable, "Stable": WorkingStable, "STABLE": WorkingStable, "stable": WorkingStable,
		"Unstable": WorkingUnstable, "UNSTABLE": WorkingUnstable,
		"Unknown": WorkingUnknown, "UNKNOWN": WorkingUnknown,
	} {
		if got, err := WorkingStateParse(in); err != nil || got != want {
			t.Errorf("WorkingStateParse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{" ", "Running", "Stabl", "not stable"} {
		if got, err := WorkingStateParse(bad); err == nil {
			t.Errorf("WorkingStateParse(%q) = %q, want an error", bad, got)
		}
	}
}

func ExampleStateMachine_Apply() {
	m, err := NewStateMachine()
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Next(StateInstantiated, EventStart))
	fmt.Println(m.Apply(StateInstantiated, EventStart, true))
	fmt.Println(m.Apply(StateRunning, EventStop, false))
	fmt.Println(m.Apply(StateRunning, EventLock, true))
	fmt.Println(m.Apply(StateStopped, EventStop, true))
	// Output:
	// Starting true
	// Running true
	// Error true
	// Running true
	// Stopped false
}
