package appc

import (
	"slices"
	"strings"
)

// Action is an APPC LCM action, spelled as the YANG enumeration "action" spells
// it (the value of the request body's "action" leaf): "Start", "CheckLock",
// "ConfigModify", ...
type Action string

// The actions this service answers: the 19 commands of the guide and
// ActionStatus.
const (
	Audit            Action = "Audit"
	CheckLock        Action = "CheckLock"
	Configure        Action = "Configure"
	ConfigModify     Action = "ConfigModify"
	ConfigBackup     Action = "ConfigBackup"
	ConfigRestore    Action = "ConfigRestore"
	Evacuate         Action = "Evacuate"
	HealthCheck      Action = "HealthCheck"
	Lock             Action = "Lock"
	Migrate          Action = "Migrate"
	Rebuild          Action = "Rebuild"
	Restart          Action = "Restart"
	Snapshot         Action = "Snapshot"
	Start            Action = "Start"
	StartApplication Action = "StartApplication"
	Stop             Action = "Stop"
	StopApplication  Action = "StopApplication"
	Sync             Action = "Sync"
	Unlock           Action = "Unlock"
	ActionStatus     Action = "ActionStatus"
)

// actionInfo is everything this package knows about one action.
type actionInfo struct {
	rpc             string   // the YANG rpc name
	aliases         []string // other spellings of the rpc accepted in the URL (the guide's)
	scopes          []Scope  // the guide's API Scope table
	readOnly        bool
	payload         payloadRules
	noPayloadLeaf   bool // the rpc's YANG input has no "payload" leaf
	identityURLLeaf bool // the rpc's YANG input has a top-level "identity-url" leaf
}

// payloadRules are the payload fields of an action, by scope. A scope
// missing from the map has no payload fields.
type payloadRules map[Scope][]PayloadField

// Payload fields shared by several actions (the guide's bookmarked
// parameters vm-id, identity-url, tenant-id, request-parameters, ...).
var (
	vmFields = []PayloadField{
		{Name: "vm-id", Kind: FieldString, Required: true},
		{Name: "identity-url", Kind: FieldString},
		{Name: "tenant-id", Kind: FieldString},
	}
	// Configure, ConfigModify: "request-parameters ... must include the
	// host-ip-address to connect to the VNF, if Netconf" (conditional, so
	// optional here); "If the request is vnfc-specific, the vnfc-type must
	// be included".
	configureFields = []PayloadField{
		{Name: "request-parameters", Kind: FieldObject, Required: true},
		{Name: "request-parameters.host-ip-address", Kind: FieldString},
		{Name: "request-parameters.template-name", Kind: FieldString},
		{Name: "request-parameters.vnfc-type", Kind: FieldString},
		{Name: "configuration-parameters", Kind: FieldObject},
	}
	configureVNFCFields = []PayloadField{
		{Name: "request-parameters", Kind: FieldObject, Required: true},
		{Name: "request-parameters.host-ip-address", Kind: FieldString},
		{Name: "request-parameters.template-name", Kind: FieldString},
		{Name: "request-parameters.vnfc-type", Kind: FieldString, Required: true},
		{Name: "configuration-parameters", Kind: FieldObject},
	}
	// ConfigBackup, ConfigRestore, StartApplication, StopApplication (Chef
	// and Ansible only): "request-parameters ... must include the
	// host-ip-address to connect to the VNF".
	chefAnsibleFields = []PayloadField{
		{Name: "request-parameters", Kind: FieldObject, Required: true},
		{Name: "request-parameters.host-ip-address", Kind: FieldString, Required: true},
		{Name: "configuration-parameters", Kind: FieldObject},
	}
)

var actionTable = map[Action]*actionInfo{
	Audit: {
		rpc: "audit", scopes: []Scope{ScopeVNF}, readOnly: true,
		// The table marks publish-config "Yes", the text says "The Audit
		// action does not require any payload parameters": optional, but
		// when given it must be Y or N.
		payload: payloadRules{ScopeVNF: {{Name: "publish-config", Kind: FieldYesNo}}},
	},
	CheckLock: {
		rpc: "check-lock", aliases: []string{"checklock"}, scopes: []Scope{ScopeVNF}, readOnly: true,
		noPayloadLeaf: true,
	},
	Configure: {
		rpc: "configure", scopes: []Scope{ScopeVNF, ScopeVNFC},
		payload: payloadRules{ScopeVNF: configureFields, ScopeVNFC: configureVNFCFields},
	},
	ConfigModify: {
		rpc: "config-modify", aliases: []string{"configmodify"}, scopes: []Scope{ScopeVNF, ScopeVNFC},
		payload: payloadRules{ScopeVNF: configureFields, ScopeVNFC: configureVNFCFields},
	},
	ConfigBackup: {
		rpc: "config-backup", aliases: []string{"configbackup"}, scopes: []Scope{ScopeVNF}, readOnly: true,
		payload: payloadRules{ScopeVNF: chefAnsibleFields},
	},
	ConfigRestore: {
		rpc: "config-restore", aliases: []string{"configrestore"}, scopes: []Scope{ScopeVNF},
		payload: payloadRules{ScopeVNF: chefAnsibleFields},
	},
	Evacuate: {
		rpc: "evacuate", scopes: []Scope{ScopeVM},
		payload: payloadRules{ScopeVM: append(slices.Clone(vmFields),
			PayloadField{Name: "rebuild-vm", Kind: FieldBool},
			PayloadField{Name: "targethost-id", Kind: FieldString},
		)},
	},
	HealthCheck: {
		rpc: "health-check", aliases: []string{"healthcheck"}, scopes: []Scope{ScopeVNF},
		payload: payloadRules{ScopeVNF: {{Name: "vnf-host-ip-address", Kind: FieldString, Required: true}}},
	},
	Lock: {
		rpc: "lock", scopes: []Scope{ScopeVNF}, readOnly: true,
	},
	Migrate: {
		rpc: "migrate", scopes: []Scope{ScopeVM},
		payload: payloadRules{ScopeVM: vmFields},
	},
	Rebuild: {
		rpc: "rebuild", scopes: []Scope{ScopeVM},
		payload: payloadRules{ScopeVM: vmFields},
	},
	Restart: {
		rpc: "restart", scopes: []Scope{ScopeVNF, ScopeVM},
		payload: payloadRules{
			// "Cloud Identity" is spelled hostIdentity in the example.
			ScopeVNF: {
				{Name: "vnf-host-ip-address", Kind: FieldString, Required: true},
				{Name: "hostIdentity", Kind: FieldString},
			},
			ScopeVM: vmFields,
		},
	},
	Snapshot: {
		rpc: "snapshot", scopes: []Scope{ScopeVM}, identityURLLeaf: true,
		payload: payloadRules{ScopeVM: vmFields},
	},
	Start: {
		rpc: "start", scopes: []Scope{ScopeVNF, ScopeVFModule, ScopeVM},
	},
	StartApplication: {
		rpc: "start-application", aliases: []string{"startapplication"}, scopes: []Scope{ScopeVNF},
		payload: payloadRules{ScopeVNF: chefAnsibleFields},
	},
	Stop: {
		rpc: "stop", scopes: []Scope{ScopeVNF, ScopeVFModule, ScopeVM},
	},
	StopApplication: {
		rpc: "stop-application", aliases: []string{"stopapplication"}, scopes: []Scope{ScopeVNF},
		payload: payloadRules{ScopeVNF: chefAnsibleFields},
	},
	Sync: {
		rpc: "sync", scopes: []Scope{ScopeVNF}, readOnly: true,
	},
	Unlock: {
		rpc: "unlock", scopes: []Scope{ScopeVNF}, readOnly: true,
	},
	// ActionStatus is not in the Amsterdam guide; its payload is APPC's
	// (LocalRequestHandlerImpl): request-id of the earlier request, and
	// optionally its sub-request-id and originator-id.
	ActionStatus: {
		rpc: "action-status", aliases: []string{"actionstatus"}, scopes: []Scope{ScopeVNF}, readOnly: true,
		payload: payloadRules{ScopeVNF: {
			{Name: "request-id", Kind: FieldString, Required: true},
			{Name: "sub-request-id", Kind: FieldString},
			{Name: "originator-id", Kind: FieldString},
		}},
	},
}

// rpcIndex maps every accepted rpc spelling to its action.
var rpcIndex = func() map[string]Action {
	m := make(map[string]Action, 2*len(actionTable))
	for a, info := range actionTable {
		m[info.rpc] = a
		for _, alias := range info.aliases {
			m[alias] = a
		}
	}
	return m
}()

// RPCModulePrefix is the YANG module name that qualifies the rpc in the URL:
// /restconf/operations/appc-provider-lcm:{rpc}.
const RPCModulePrefix = "appc-provider-lcm:"

// Actions returns the actions this service answers, in the guide's order
// (ActionStatus last). The slice is new on each call.
func Actions() []Action {
	return []Action{
		Audit, CheckLock, Configure, ConfigModify, ConfigBackup, ConfigRestore,
		Evacuate, HealthCheck, Lock, Migrate, Rebuild, Restart, Snapshot, Start,
		StartApplication, Stop, StopApplication, Sync, Unlock, ActionStatus,
	}
}

// ActionForRPC returns the action an rpc name of the URL invokes. It accepts
// the YANG rpc names ("check-lock", "config-modify", "health-check",
// "start-application", "action-status", ...) and the guide's spellings
// ("checklock", "configmodify", "healthcheck", "startapplication", ...),
// optionally qualified by the module name ("appc-provider-lcm:check-lock").
// Names are case-sensitive, as RESTCONF's are. Rpcs of the YANG model that
// this service does not answer (terminate, rollback, query, ...) are
// refused: ok is false.
func ActionForRPC(rpc string) (Action, bool) {
	a, ok := rpcIndex[strings.TrimPrefix(rpc, RPCModulePrefix)]
	return a, ok
}

// Known tells whether a is one of the actions of Actions.
func (a Action) Known() bool {
	_, ok := actionTable[a]
	return ok
}

// String returns the action's name.
func (a Action) String() string { return string(a) }

// RPC returns the YANG rpc name of a ("check-lock" for CheckLock), or "" for
// an action this service does not answer.
func (a Action) RPC() string {
	if info, ok := actionTable[a]; ok {
		return info.rpc
	}
	return ""
}

// ReadOnly tells whether a is a read-only operation in the sense of the
// guide's VNF working state management: it neither needs a stable VNF (no
// 309 UNSTABLE VNF, so no force flag) nor moves the working state to
// Unstable/Stable/Unknown. The guide names "Lock, Unlock, CheckLock, Sync,
// Audit etc."; the "etc." is ConfigBackup (every one of its transitions in
// the state machine keeps the VNF's state, and it only copies the
// configuration aside) and ActionStatus (a query about another request,
// APPC answers it locally without touching the VNF). HealthCheck is not
// read-only: the state machine moves the VNF through Testing to Tested, so
// it is a command on the VNF and takes part in working state management.
func (a Action) ReadOnly() bool {
	info, ok := actionTable[a]
	return ok && info.readOnly
}

// Scopes returns the scopes at which a can be applied, from the guide's API
// Scope table (ActionStatus, not in the table, is VNF only). The slice is
// new on each call.
func (a Action) Scopes() []Scope {
	if info, ok := actionTable[a]; ok {
		return slices.Clone(info.scopes)
	}
	return nil
}

// SupportsScope tells whether a can be applied at scope s. A request whose
// scope a does not support is refused with 305 ACTION NOT SUPPORTED.
func (a Action) SupportsScope(s Scope) bool {
	info, ok := actionTable[a]
	return ok && slices.Contains(info.scopes, s)
}

// PayloadFields returns the payload parameters of a at scope s, parents
// before their children ("request-parameters" before
// "request-parameters.host-ip-address"). Required ones missing from a
// request are refused with 302. The slice is new on each call.
func (a Action) PayloadFields(s Scope) []PayloadField {
	if info, ok := actionTable[a]; ok {
		return slices.Clone(info.payload[s])
	}
	return nil
}

// NeedsPayloadJSON tells whether a reads its payload at scope s, so that a
// payload that is not a JSON object is refused with 303 REQUEST PARSING
// FAILED. Actions without payload parameters (Start, Stop, Lock, ...)
// ignore the payload.
func (a Action) NeedsPayloadJSON(s Scope) bool {
	return len(a.PayloadFields(s)) > 0
}

// Scope is the level a request operates at (the guide's API Scope).
type Scope string

// The scopes of the guide's API Scope table.
const (
	ScopeVNF      Scope = "VNF"       // vnf-id only
	ScopeVFModule Scope = "VF-Module" // vf-module-id
	ScopeVNFC     Scope = "VNFC"      // vnfc-name
	ScopeVM       Scope = "VM"        // vserver-id
)

// FieldKind is the JSON type a payload field must have.
type FieldKind int

// The payload field kinds.
const (
	// FieldString is a non-empty JSON string.
	FieldString FieldKind = iota
	// FieldObject is a JSON object, or a JSON string holding one (some
	// clients escape nested blocks once more).
	FieldObject
	// FieldBool is true or false, as a JSON boolean or the strings "true"
	// and "false" in any letter case (the guide's rebuild-vm: "false").
	FieldBool
	// FieldYesNo is the string "Y" or "N" (the guide's publish-config).
	FieldYesNo
)

// String names the kind for messages.
func (k FieldKind) String() string {
	switch k {
	case FieldString:
		return "a non-empty string"
	case FieldObject:
		return "a JSON object"
	case FieldBool:
		return "true or false"
	case FieldYesNo:
		return "Y or N"
	}
	return "unknown"
}

// PayloadField is one parameter of an action's payload. Name is the key in
// the payload object; a dotted name ("request-parameters.host-ip-address")
// is a key of a nested object.
type PayloadField struct {
	Name     string
	Kind     FieldKind
	Required bool
}

// yangActions is the YANG typedef "action" enumeration: a body "action"
// outside it is a malformed message; one inside it but other than the
// URL's action is 301 INVALID INPUT PARAMETER.
var yangActions = []string{
	"Restart", "Rebuild", "Migrate", "Evacuate", "Snapshot", "Rollback", "Sync",
	"Audit", "Stop", "Start", "Terminate", "SoftwareUpload", "HealthCheck",
	"LicenseManagement", "LiveUpgrade", "Lock", "Unlock", "Test", "CheckLock",
	"Configure", "ConfigModify", "ConfigScaleOut", "ConfigRestore", "ConfigBackup",
	"ConfigBackupDelete", "ConfigExport", "StopApplication", "StartApplication",
	"QuiesceTraffic", "ResumeTraffic", "UpgradePreCheck", "UpgradeSoftware",
	"UpgradePostCheck", "UpgradeBackup", "UpgradeBackout", "ActionStatus", "Query",
	"Reboot", "AttachVolume", "DetachVolume", "PreConfigure", "GetConfig",
	"DistributeTraffic", "DistributeTrafficCheck", "PostRebuild", "PreRebuild",
	"PreEvacuate", "PostEvacuate", "PreMigrate", "PostMigrate", "Provisioning",
	"StartTraffic", "StatusTraffic", "StopTraffic", "ConfigScaleIn", "DownloadNESw",
	"ActivateNESw",
}
