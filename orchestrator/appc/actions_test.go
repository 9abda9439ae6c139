package appc

import (
	"slices"
	"testing"
)

// yangRPCs are the rpc statements of appc-provider-lcm.yang, in the model's
// order (grep '^    rpc ').
var yangRPCs = []string{
	"restart", "rebuild", "migrate", "evacuate", "snapshot", "quiesce-traffic",
	"resume-traffic", "upgrade-pre-check", "upgrade-software", "upgrade-post-check",
	"upgrade-backup", "upgrade-backout", "rollback", "sync", "terminate", "configure",
	"config-modify", "config-scale-out", "config-restore", "test", "stop", "start",
	"audit", "software-upload", "health-check", "live-upgrade", "lock", "unlock",
	"check-lock", "config-backup", "config-backup-delete", "config-export",
	"stop-application", "start-application", "action-status", "query", "reboot",
	"attach-volume", "detach-volume", "pre-configure", "get-config",
	"distribute-traffic", "distribute-traffic-check", "pre-rebuild", "post-rebuild",
	"pre-evacuate", "post-evacuate", "pre-migrate", "post-migrate", "start-traffic",
	"status-traffic", "stop-traffic", "provisioning", "license-management",
	"config-scale-in", "download-n-e-sw", "activate-n-e-sw",
}

func TestActionForRPC(t *testing.T) {
	tests := []struct {
		rpc  string
		want Action
		ok   bool
	}{
		// YANG rpc names.
		{"audit", Audit, true},
		{"check-lock", CheckLock, true},
		{"configure", Configure, true},
		{"config-modify", ConfigModify, true},
		{"config-backup", ConfigBackup, true},
		{"config-restore", ConfigRestore, true},
		{"evacuate", Evacuate, true},
		{"health-check", HealthCheck, true},
		{"lock", Lock, true},
		{"migrate", Migrate, true},
		{"rebuild", Rebuild, true},
		{"restart", Restart, true},
		{"snapshot", Snapshot, true},
		{"start", Start, true},
		{"start-application", StartApplication, true},
		{"stop", Stop, true},
		{"stop-application", StopApplication, true},
		{"sync", Sync, true},
		{"unlock", Unlock, true},
		{"action-status", ActionStatus, true},
		// The guide's spellings (its Target URLs) and the matching ones.
		{"checklock", CheckLock, true},
		{"configmodify", ConfigModify, true},
		{"configbackup", ConfigBackup, true},
		{"configrestore", ConfigRestore, true},
		{"healthcheck", HealthCheck, true},
		{"startapplication", StartApplication, true},
		{"stopapplication", StopApplication, true},
		{"actionstatus", ActionStatus, true},
		// Module-qualified, as in the URL.
		{"appc-provider-lcm:check-lock", CheckLock, true},
		{"appc-provider-lcm:checklock", CheckLock, true},
		{"appc-provider-lcm:start", Start, true},
		// Refused: rpcs of the model this service does not answer, wrong
		// case, other separators, empty, other modules.
		{"terminate", "", false},
		{"rollback", "", false},
		{"test", "", false},
		{"query", "", false},
		{"config-scale-out", "", false},
		{"config-backup-delete", "", false},
		{"Start", "", false},
		{"CheckLock", "", false},
		{"CHECK-LOCK", "", false},
		{"check_lock", "", false},
		{"check-Lock", "", false},
		{"", "", false},
		{"appc-provider-lcm:", "", false},
		{"other-module:start", "", false},
		{" start", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.rpc, func(t *testing.T) {
			got, ok := ActionForRPC(tt.rpc)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ActionForRPC(%q) = %q, %v; want %q, %v", tt.rpc, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// The guide's Target URL of each command section (Audit's is spaced out in
// the guide: "/restconf /operations/ appc-provider-lcm:audit").
func TestGuideTargetURLs(t *testing.T) {
	urls := map[Action]string{
		Audit: "audit", CheckLock: "checklock", Configure: "configure",
		ConfigModify: "configmodify", ConfigBackup: "configbackup",
		ConfigRestore: "configrestore", Evacuate: "evacuate", HealthCheck: "health-check",
		Lock: "lock", Migrate: "migrate", Rebuild: "rebuild", Restart: "restart",
		Snapshot: "snapshot", Start: "start", StartApplication: "startapplication",
		Stop: "stop", StopApplication: "stopapplication", Sync: "sync", Unlock: "unlock",
	}
	if len(urls) != 19 {
		t.Fatalf("the guide has 19 commands, table has %d", len(urls))
	}
	for a, rpc := range urls {
		if got, ok := ActionForRPC(RPCModulePrefix + rpc); !ok || got != a {
			t.Errorf("target URL appc-provider-lcm:%s = %q, %v; want %q", rpc, got, ok, a)
		}
	}
}

func TestActionsAgreeWithYANG(t *testing.T) {
	all := Actions()
	if len(all) != 20 {
		t.Fatalf("Actions() has %d actions, want 19 + ActionStatus", len(all))
	}
	seen := map[string]bool{}
	for _, a := range all {
		if !a.Known() {
			t.Errorf("%s not Known", a)
		}
		if !slices.Contains(yangActions, string(a)) {
			t.Errorf("%s is not a value of the YANG action enumeration", a)
		}
		rpc := a.RPC()
		if !slices.Contains(yangRPCs, rpc) {
			t.Errorf("%s.RPC() = %q, not an rpc of the YANG model", a, rpc)
		}
		if seen[rpc] {
			t.Errorf("rpc %q used twice", rpc)
		}
		seen[rpc] = true
		if got, ok := ActionForRPC(rpc); !ok || got != a {
			t.Errorf("ActionForRPC(%s.RPC()) = %q, %v", a, got, ok)
		}
		if a.String() != string(a) {
			t.Errorf("String() = %q", a.String())
		}
	}
	if n := len(yangActions); n != 57 {
		t.Errorf("YANG action enumeration has %d values, want 57", n)
	}
	if Action("Terminate").Known() || Action("Terminate").RPC() != "" || Action("").Known() {
		t.Error("Terminate and the empty action must be unknown")
	}
}

// TestScopeTable is the guide's API Scope table, cell by cell.
func TestScopeTable(t *testing.T) {
	const Y = true
	table := []struct {
		action                  Action
		vnf, vfModule, vnfc, vm bool
	}{
		{Audit, Y, false, false, false},
		{CheckLock, Y, false, false, false},
		{Configure, Y, false, Y, false},
		{ConfigModify, Y, false, Y, false},
		{ConfigBackup, Y, false, false, false},
		{ConfigRestore, Y, false, false, false},
		{Evacuate, false, false, false, Y},
		{HealthCheck, Y, false, false, false},
		{Lock, Y, false, false, false},
		{Migrate, false, false, false, Y},
		{Rebuild, false, false, false, Y},
		{Restart, Y, false, false, Y},
		{Snapshot, false, false, false, Y},
		{Start, Y, Y, false, Y},
		{StartApplication, Y, false, false, false},
		{Stop, Y, Y, false, Y},
		{StopApplication, Y, false, false, false},
		{Sync, Y, false, false, false},
		{Unlock, Y, false, false, false},
		{ActionStatus, Y, false, false, false}, // not in the table: VNF only
	}
	if len(table) != len(Actions()) {
		t.Fatalf("table covers %d actions, want %d", len(table), len(Actions()))
	}
	for _, row := range table {
		want := map[Scope]bool{ScopeVNF: row.vnf, ScopeVFModule: row.vfModule, ScopeVNFC: row.vnfc, ScopeVM: row.vm}
		for s, ok := range want {
			if got := row.action.SupportsScope(s); got != ok {
				t.Errorf("%s.SupportsScope(%s) = %v, want %v", row.action, s, got, ok)
			}
			if got := slices.Contains(row.action.Scopes(), s); got != ok {
				t.Errorf("%s.Scopes() contains %s = %v, want %v", row.action, s, got, ok)
			}
		}
	}
	if Action("Terminate").SupportsScope(ScopeVNF) || Action("Terminate").Scopes() != nil {
		t.Error("an unknown action supports no scope")
	}
	// Scopes returns a copy.
	s := Start.Scopes()
	s[0] = "X"
	if Start.Scopes()[0] == "X" {
		t.Error("Scopes shares its slice")
	}
}

func TestIdentifiersScope(t *testing.T) {
	tests := []struct {
		name string
		ids  ActionIdentifiers
		want Scope
	}{
		{"vnf-id only", ActionIdentifiers{VNFID: "v"}, ScopeVNF},
		{"service-instance-id does not change the scope", ActionIdentifiers{VNFID: "v", ServiceInstanceID: "s"}, ScopeVNF},
		{"vserver-id", ActionIdentifiers{VNFID: "v", VServerID: "vm"}, ScopeVM},
		{"vnfc-name", ActionIdentifiers{VNFID: "v", VNFCName: "c"}, ScopeVNFC},
		{"vf-module-id", ActionIdentifiers{VNFID: "v", VFModuleID: "m"}, ScopeVFModule},
		{"vserver-id wins over vnfc-name", ActionIdentifiers{VNFID: "v", VNFCName: "c", VServerID: "vm"}, ScopeVM},
		{"vserver-id wins over vf-module-id", ActionIdentifiers{VNFID: "v", VFModuleID: "m", VServerID: "vm"}, ScopeVM},
		{"vnfc-name wins over vf-module-id", ActionIdentifiers{VNFID: "v", VFModuleID: "m", VNFCName: "c"}, ScopeVNFC},
		{"empty leaves are absent", ActionIdentifiers{VNFID: "v"}, ScopeVNF},
		{"nothing at all", ActionIdentifiers{}, ScopeVNF},
	}
	for _, tt := range tests {
		if got := tt.ids.Scope(); got != tt.want {
			t.Errorf("%s: Scope() = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestReadOnly(t *testing.T) {
	readOnly := map[Action]bool{
		Lock: true, Unlock: true, CheckLock: true, Sync: true, Audit: true,
		ConfigBackup: true, ActionStatus: true,
	}
	for _, a := range Actions() {
		if got := a.ReadOnly(); got != readOnly[a] {
			t.Errorf("%s.ReadOnly() = %v, want %v", a, got, readOnly[a])
		}
	}
	if HealthCheck.ReadOnly() {
		t.Error("HealthCheck moves the VNF to Testing: not read-only")
	}
	if Action("Terminate").ReadOnly() {
		t.Error("unknown action read-only")
	}
}

func TestPayloadFieldsRequired(t *testing.T) {
	required := func(a Action, s Scope) []string {
		var names []string
		for _, f := range a.PayloadFields(s) {
			if f.Required {
				names = append(names, f.Name)
			}
		}
		return names
	}
	hostIP := []string{"request-parameters", "request-parameters.host-ip-address"}
	tests := []struct {
		action Action
		scope  Scope
		want   []string
	}{
		{Audit, ScopeVNF, nil},
		{CheckLock, ScopeVNF, nil},
		{Configure, ScopeVNF, []string{"request-parameters"}},
		{Configure, ScopeVNFC, []string{"request-parameters", "request-parameters.vnfc-type"}},
		{ConfigModify, ScopeVNF, []string{"request-parameters"}},
		{ConfigModify, ScopeVNFC, []string{"request-parameters", "request-parameters.vnfc-type"}},
		{ConfigBackup, ScopeVNF, hostIP},
		{ConfigRestore, ScopeVNF, hostIP},
		{Evacuate, ScopeVM, []string{"vm-id"}},
		{HealthCheck, ScopeVNF, []string{"vnf-host-ip-address"}},
		{Lock, ScopeVNF, nil},
		{Migrate, ScopeVM, []string{"vm-id"}},
		{Rebuild, ScopeVM, []string{"vm-id"}},
		{Restart, ScopeVNF, []string{"vnf-host-ip-address"}},
		{Restart, ScopeVM, []string{"vm-id"}},
		{Snapshot, ScopeVM, []string{"vm-id"}},
		{Start, ScopeVNF, nil},
		{Start, ScopeVFModule, nil},
		{Start, ScopeVM, nil},
		{StartApplication, ScopeVNF, hostIP},
		{Stop, ScopeVNF, nil},
		{Stop, ScopeVFModule, nil},
		{Stop, ScopeVM, nil},
		{StopApplication, ScopeVNF, hostIP},
		{Sync, ScopeVNF, nil},
		{Unlock, ScopeVNF, nil},
		{ActionStatus, ScopeVNF, []string{"request-id"}},
	}
	for _, tt := range tests {
		if got := required(tt.action, tt.scope); !slices.Equal(got, tt.want) {
			t.Errorf("%s at %s requires %q, want %q", tt.action, tt.scope, got, tt.want)
		}
	}
	// Parents come before their children, and every action that has
	// fields needs its payload as JSON.
	for _, a := range Actions() {
		for _, s := range a.Scopes() {
			fields := a.PayloadFields(s)
			if a.NeedsPayloadJSON(s) != (len(fields) > 0) {
				t.Errorf("%s at %s: NeedsPayloadJSON disagrees with PayloadFields", a, s)
			}
			seen := map[string]bool{}
			for _, f := range fields {
				if parent, _, nested := cut(f.Name); nested && !seen[parent] {
					t.Errorf("%s at %s: %s listed before its parent", a, s, f.Name)
				}
				seen[f.Name] = true
			}
		}
	}
	if Action("Terminate").PayloadFields(ScopeVNF) != nil {
		t.Error("unknown action has payload fields")
	}
}

func cut(name string) (string, string, bool) {
	for i := range name {
		if name[i] == '.' {
			return name[:i], name[i+1:], true
		}
	}
	return name, "", false
}

func TestFieldKindString(t *testing.T) {
	for k, want := range map[FieldKind]string{
		FieldString: "a non-empty string", FieldObject: "a JSON object",
		FieldBool: "true or false", FieldYesNo: "Y or N", FieldKind(99): "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("FieldKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
