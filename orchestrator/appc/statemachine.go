// VNF state machine and working state of the APPC LCM engine.
//
// The state machine is the one of ../shared/reference/appc: the CSV
// (appc-vnf-state-machine-transitions.csv) is embedded verbatim as
// statemachine.csv and parsed once by NewStateMachine; the Markdown matrix
// beside it (appc-vnf-state-machine-matrix.md, copied to testdata/) says the
// same thing in two tables, and a test checks that the two agree cell by cell.
// The CSV is authoritative: it is the machine-readable file, the one the
// engine embeds and parses; the matrix is its human-readable rendering. Should
// they ever disagree, TestStateMatrixAgreesWithCSV names every differing cell
// and the CSV wins.
//
// The CSV has two kinds of rows:
//
//   - from_state,event,to_state where event is an APPC action (Configure,
//     Start, Lock, ...): the first table of the matrix. to_state is either a
//     transitional state (Starting, Configuring, ...) or from_state itself
//     (Lock, Unlock, CheckLock, Sync, Audit, ConfigBackup, ConfigBackupDelete,
//     ConfigExport keep the state). A pair that has no row has no transition:
//     the request is refused with 304 NO TRANSITION DEFINED.
//   - transitional_state,SUCCESS|FAILURE,state: the second table of the
//     matrix, the state a transitional state settles in when the command ends.

package appc

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// stateMachineCSV is appc-vnf-state-machine-transitions.csv, byte for byte.
// A string, so it cannot be modified.
//
//go:embed statemachine.csv
var stateMachineCSV string

// State is the APPC life-cycle state of a VNF (or of one of its VMs), spelled
// exactly as in the state machine file, e.g. "NOT ORCHESTRATED", "Running",
// "Backing_Up", "Not_Instantiated". Use StateParse to read one from outside.
type State string

// The states of the state machine file. The first nine are the states an
// event can start from (the columns of the matrix); Not_Instantiated is only
// reached by a successful Terminate and has no outgoing transition; the rest
// are transitional: a command is running, and the state settles on SUCCESS
// or FAILURE (StateMachine.Outcome).
const (
	StateNotOrchestrated   State = "NOT ORCHESTRATED"
	StateCreated           State = "Created"
	StateInstantiated      State = "Instantiated"
	StateConfigured        State = "Configured"
	StateTested            State = "Tested"
	StateRunning           State = "Running"
	StateError             State = "Error"
	StateUnknown           State = "Unknown"
	StateStopped           State = "Stopped"
	StateNotInstantiated   State = "Not_Instantiated"
	StateConfiguring       State = "Configuring"
	StateTesting           State = "Testing"
	StateRestarting        State = "Restarting"
	StateStarting          State = "Starting"
	StateTerminating       State = "Terminating"
	StateRebuilding        State = "Rebuilding"
	StateStopping          State = "Stopping"
	StateBackingUp         State = "Backing_Up"
	StateSnapshotting      State = "Snapshotting"
	StateSoftwareUploading State = "Software_Uploading"
	StateUpgrading         State = "Upgrading"
	StateRollbacking       State = "Rollbacking"
	StateMigrating         State = "Migrating"
	StateEvacuating        State = "Evacuating"
)

// StateInitial is the state of a VNF record that no APPC action has touched
// yet (the issue: the APPC state starts at Instantiated).
const StateInitial = StateInstantiated

// StateValues returns every State constant, in declaration order: the nine
// source states, Not_Instantiated, then the transitional states. The slice is
// new on each call.
func StateValues() []State {
	return []State{
		StateNotOrchestrated, StateCreated, StateInstantiated, StateConfigured,
		StateTested, StateRunning, StateError, StateUnknown, StateStopped,
		StateNotInstantiated,
		StateConfiguring, StateTesting, StateRestarting, StateStarting,
		StateTerminating, StateRebuilding, StateStopping, StateBackingUp,
		StateSnapshotting, StateSoftwareUploading, StateUpgrading,
		StateRollbacking, StateMigrating, StateEvacuating,
	}
}

// StateParse reads a state name. The exact spelling of the state machine file
// is always accepted; other spellings are accepted too when they differ from
// it only in letter case and in the separators ' ', '_' and '-' (so "running",
// "RUNNING", "not_orchestrated", "Not Orchestrated", "backing-up" all parse),
// and the result is always the canonical spelling of the file, so a parsed
// state can be stored and compared with the constants. No two states of the
// file collide under this folding (a test checks it). Anything else is an
// error.
func StateParse(s string) (State, error) {
	key := stateFold(s)
	for _, st := range StateValues() {
		if string(st) == s {
			return st, nil
		}
	}
	if key != "" {
		for _, st := range StateValues() {
			if stateFold(string(st)) == key {
				return st, nil
			}
		}
	}
	return "", fmt.Errorf("appc: unknown VNF state %q", s)
}

// stateFold lower-cases s and drops the separators ' ', '_' and '-': the
// equivalence StateParse and EventParse use.
func stateFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == ' ' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Event is an APPC action as the state machine file names it (its event
// column): "Configure", "Start", "ConfigModify", "Lock", ... The actions of
// the APPC LCM API map onto these names one to one where the file has them.
type Event string

// The events of the state machine file.
const (
	EventConfigure          Event = "Configure"
	EventTest               Event = "Test"
	EventStart              Event = "Start"
	EventTerminate          Event = "Terminate"
	EventRestart            Event = "Restart"
	EventRebuild            Event = "Rebuild"
	EventStop               Event = "Stop"
	EventConfigModify       Event = "ConfigModify"
	EventConfigScaleOut     Event = "ConfigScaleOut"
	EventConfigRestore      Event = "ConfigRestore"
	EventHealthCheck        Event = "HealthCheck"
	EventBackup             Event = "Backup"
	EventSnapshot           Event = "Snapshot"
	EventSoftwareUpload     Event = "SoftwareUpload"
	EventLiveUpgrade        Event = "LiveUpgrade"
	EventRollback           Event = "Rollback"
	EventMigrate            Event = "Migrate"
	EventEvacuate           Event = "Evacuate"
	EventLock               Event = "Lock"
	EventUnlock             Event = "Unlock"
	EventCheckLock          Event = "CheckLock"
	EventStartApplication   Event = "StartApplication"
	EventStopApplication    Event = "StopApplication"
	EventConfigBackup       Event = "ConfigBackup"
	EventConfigScaleIn      Event = "ConfigScaleIn"
	EventSync               Event = "Sync"
	EventAudit              Event = "Audit"
	EventConfigBackupDelete Event = "ConfigBackupDelete"
	EventConfigExport       Event = "ConfigExport"
)

// EventValues returns every Event constant, in the order of the matrix's
// rows. The slice is new on each call.
func EventValues() []Event {
	return []Event{
		EventConfigure, EventTest, EventStart, EventTerminate, EventRestart,
		EventRebuild, EventStop, EventConfigModify, EventConfigScaleOut,
		EventConfigRestore, EventHealthCheck, EventBackup, EventSnapshot,
		EventSoftwareUpload, EventLiveUpgrade, EventRollback, EventMigrate,
		EventEvacuate, EventLock, EventUnlock, EventCheckLock,
		EventStartApplication, EventStopApplication, EventConfigBackup,
		EventConfigScaleIn, EventSync, EventAudit, EventConfigBackupDelete,
		EventConfigExport,
	}
}

// EventParse reads an event name with the same folding as StateParse: letter
// case and the separators ' ', '_', '-' are ignored, so both the guide's
// spellings ("ConfigModify", "configmodify") and the YANG rpc names
// ("config-modify", "check-lock", "start-application") give the canonical
// Event. No two events collide under this folding (a test checks it).
func EventParse(s string) (Event, error) {
	key := stateFold(s)
	for _, ev := range EventValues() {
		if string(ev) == s {
			return ev, nil
		}
	}
	if key != "" {
		for _, ev := range EventValues() {
			if stateFold(string(ev)) == key {
				return ev, nil
			}
		}
	}
	return "", fmt.Errorf("appc: unknown state machine event %q", s)
}

// The event column values of the outcome rows (the matrix's second table).
const (
	stateOutcomeSuccess = "SUCCESS"
	stateOutcomeFailure = "FAILURE"
)

// Transition is one row of the first table: Event in From leads to To, a
// transitional state or From itself.
type Transition struct {
	From  State
	Event Event
	To    State
}

// transitionKey indexes StateMachine.next.
type transitionKey struct {
	from State
	ev   Event
}

// StateMachine is the parsed state machine file. It is immutable once built
// and safe for concurrent use.
type StateMachine struct {
	rows    []Transition // first table, in file order
	next    map[transitionKey]State
	success map[State]State // transitional state -> state on SUCCESS
	failure map[State]State // transitional state -> state on FAILURE
}

// NewStateMachine parses the embedded state machine file. It fails only if
// the file is malformed (a test checks that the embedded one is not); call it
// once at start-up and share the result.
func NewStateMachine() (*StateMachine, error) {
	return stateMachineParse(stateMachineCSV)
}

// stateMachineParse parses a state machine file: the header
// from_state,event,to_state then rows of three fields. Besides the format it
// checks that the machine is well formed, so that Next, Outcome and Apply
// never meet a case the file does not decide:
//   - every state is one of StateValues and every event one of EventValues
//     (SUCCESS and FAILURE rows aside);
//   - no (from_state, event) pair appears twice;
//   - a state with outcome rows (a transitional state) has exactly one
//     SUCCESS and one FAILURE row, and settles in a non-transitional state;
//   - an event row starts from a non-transitional state and leads either to a
//     transitional state or back to its from_state.
func stateMachineParse(text string) (*StateMachine, error) {
	m := &StateMachine{
		next:    map[transitionKey]State{},
		success: map[State]State{},
		failure: map[State]State{},
	}
	known := map[State]bool{}
	for _, s := range StateValues() {
		known[s] = true
	}
	knownEv := map[Event]bool{}
	for _, e := range EventValues() {
		knownEv[e] = true
	}

	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("appc: state machine: header: %w", err)
	}
	if strings.Join(header, ",") != "from_state,event,to_state" {
		return nil, fmt.Errorf("appc: state machine: header is %q, want \"from_state,event,to_state\"", strings.Join(header, ","))
	}
	type outcomeRow struct {
		line int
		from State
		to   State
	}
	var outcomes []outcomeRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("appc: state machine: %w", err)
		}
		line, _ := r.FieldPos(0)
		from, ev, to := State(rec[0]), rec[1], State(rec[2])
		for _, s := range []State{from, to} {
			if !known[s] {
				return nil, fmt.Errorf("appc: state machine line %d: unknown state %q", line, s)
			}
		}
		switch ev {
		case stateOutcomeSuccess, stateOutcomeFailure:
			dst := m.success
			if ev == stateOutcomeFailure {
				dst = m.failure
			}
			if prev, dup := dst[from]; dup {
				return nil, fmt.Errorf("appc: state machine line %d: second %s outcome for %q (already %q)", line, ev, from, prev)
			}
			dst[from] = to
			outcomes = append(outcomes, outcomeRow{line, from, to})
		default:
			e := Event(ev)
			if !knownEv[e] {
				return nil, fmt.Errorf("appc: state machine line %d: unknown event %q", line, ev)
			}
			k := transitionKey{from, e}
			if prev, dup := m.next[k]; dup {
				return nil, fmt.Errorf("appc: state machine line %d: second transition for %s in %q (already %q)", line, e, from, prev)
			}
			m.next[k] = to
			m.rows = append(m.rows, Transition{From: from, Event: e, To: to})
		}
	}
	if len(m.rows) == 0 {
		return nil, errors.New("appc: state machine: no transitions")
	}
	for _, o := range outcomes {
		_, s := m.success[o.from]
		_, f := m.failure[o.from]
		if !s || !f {
			return nil, fmt.Errorf("appc: state machine line %d: transitional state %q needs both a SUCCESS and a FAILURE row", o.line, o.from)
		}
		if m.IsTransitional(o.to) {
			return nil, fmt.Errorf("appc: state machine line %d: %q settles in %q, itself transitional", o.line, o.from, o.to)
		}
	}
	for _, t := range m.rows {
		if m.IsTransitional(t.From) {
			return nil, fmt.Errorf("appc: state machine: %s from transitional state %q", t.Event, t.From)
		}
		if t.To != t.From && !m.IsTransitional(t.To) {
			return nil, fmt.Errorf("appc: state machine: %s in %q leads to %q, neither transitional nor the same state", t.Event, t.From, t.To)
		}
	}
	return m, nil
}

// Transitions returns the rows of the first table (event rows) in file order.
// The slice is new on each call.
func (m *StateMachine) Transitions() []Transition {
	return append([]Transition(nil), m.rows...)
}

// Next is the first table: the state ev leads to from from — a transitional
// state, or from itself for the events that keep the state (Lock, Unlock,
// CheckLock, ...). ok is false when the file defines no transition for the
// pair: the request is to be refused with 304 NO TRANSITION DEFINED. States
// and events are compared exactly (canonical spellings; see StateParse).
func (m *StateMachine) Next(from State, ev Event) (transitional State, ok bool) {
	to, ok := m.next[transitionKey{from, ev}]
	return to, ok
}

// IsTransitional tells whether s is a transitional state, one with SUCCESS
// and FAILURE outcomes in the file (Configuring, Starting, ...).
func (m *StateMachine) IsTransitional(s State) bool {
	_, ok := m.success[s]
	return ok
}

// Outcome is the second table: the state transitional settles in when its
// command ends, on SUCCESS (success true) or on FAILURE. A state that is not
// transitional has no outcome row and is returned unchanged: the state is
// kept.
func (m *StateMachine) Outcome(transitional State, success bool) State {
	if !m.IsTransitional(transitional) {
		return transitional
	}
	if success {
		return m.success[transitional]
	}
	return m.failure[transitional]
}

// Apply runs ev end to end from from: Next, then Outcome. It returns the final
// state and ok false when no transition is defined (304; the state does not
// change). For events that keep the state (Lock, Unlock, CheckLock, Sync,
// Audit, ConfigBackup, ... where defined) the final state is from, whether
// the command succeeded or failed: the file gives such events no outcome.
func (m *StateMachine) Apply(from State, ev Event, success bool) (to State, ok bool) {
	t, ok := m.Next(from, ev)
	if !ok {
		return from, false
	}
	return m.Outcome(t, success), true
}

// WorkingState is APPC's working state of a VNF (the guide's "VNF working
// State Management", under flags/FORCE of the request fields table):
//
//  1. Stable – If the last action performed on a VNF is Successful (returning Success).
//  2. Unstable – This is the intermediate state for any VNF on which operation is being performed.
//  3. Unknown – This is the status when the last action performed on a VNF is not successful.
//
// It is independent of State (a VNF can be Running and Unknown: its last
// command failed).
type WorkingState string

// The working states, spelled as in the guide.
const (
	WorkingStable   WorkingState = "Stable"
	WorkingUnstable WorkingState = "Unstable"
	WorkingUnknown  WorkingState = "Unknown"
)

// WorkingStateParse reads a working state, ignoring letter case ("STABLE",
// the spelling of APPC's VNF_STATE_MANAGEMENT table, is accepted). The empty
// string is WorkingStable: a VNF with no recorded working state has had no
// command run on it, and APPC treats a VNF without a VNF_STATE_MANAGEMENT row
// as stable.
func WorkingStateParse(s string) (WorkingState, error) {
	if s == "" {
		return WorkingStable, nil
	}
	for _, w := range []WorkingState{WorkingStable, WorkingUnstable, WorkingUnknown} {
		if strings.EqualFold(s, string(w)) {
			return w, nil
		}
	}
	return "", fmt.Errorf("appc: unknown working state %q", s)
}

// WorkingForce is the value of common-header flags.force that bypasses the
// working state check. The YANG model makes force an enumeration of "TRUE"
// and "FALSE", so the comparison is exact: any other value (absent, "FALSE")
// does not force.
const WorkingForce = "TRUE"

// WorkingAffected tells whether ev takes part in working state management.
// The guide: "There are below 3 states appc have for VNF while performing non-read
// only operation (Read-Only operations are : Lock, Unlock, CheckLock, Sync, Audit
// etc. )". The read-only events are those five plus, for the "etc.",
// ConfigBackup, ConfigBackupDelete and ConfigExport: exactly the events whose
// every transition in the state machine keeps the state (a test derives the
// set from the file and compares), and the ones APPC's request handler treats
// as read-only besides the lock commands. Read-only events are never refused
// for the working state and never change it. Every other event, including one
// not in EventValues, is affected.
func WorkingAffected(ev Event) bool {
	switch ev {
	case EventLock, EventUnlock, EventCheckLock, EventSync, EventAudit,
		EventConfigBackup, EventConfigBackupDelete, EventConfigExport:
		return false
	}
	return true
}

// WorkingAllowed tells whether a request for ev may run on a VNF in working
// state ws with flags.force force. The guide: "APPC have validation that it
// will not allow any operations on VNF which is in Unstable or Unknown state.
// To skip this check end-user can pass Force-flag=true in the request." So:
// read-only events always run; others run when ws is Stable or force is
// "TRUE". false means 309 UNSTABLE VNF.
func WorkingAllowed(ws WorkingState, ev Event, force string) bool {
	return !WorkingAffected(ev) || ws == WorkingStable || force == WorkingForce
}

// WorkingDuring is the working state while ev runs: Unstable for an affected
// event, ws unchanged for a read-only one.
func WorkingDuring(ws WorkingState, ev Event) WorkingState {
	if !WorkingAffected(ev) {
		return ws
	}
	return WorkingUnstable
}

// WorkingAfter is the working state once ev has ended: Stable after a
// success, Unknown after a failure, ws unchanged for a read-only event.
func WorkingAfter(ws WorkingState, ev Event, success bool) WorkingState {
	switch {
	case !WorkingAffected(ev):
		return ws
	case success:
		return WorkingStable
	default:
		return WorkingUnknown
	}
}
