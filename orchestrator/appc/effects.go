package appc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// Action effects. There is no cloud and no VNF behind this service: the
// record is the truth, and each action changes what the record says of the
// VNF. What the actions keep lives in the VNF's APPC state, under extra
// (APPCState.Extra):
//
//	config          the configuration stored by Configure / ConfigModify /
//	                ConfigRestore (the configuration in "APPC's store")
//	running_config  the configuration the VNF runs, as Sync last saw it
//	config_backup   ConfigBackup's one backup
//	application     StartApplication / StopApplication: "started" / "stopped"
//	snapshots       Snapshot's snapshots, newest last
//	health          HealthCheck's last answer
//
// The configuration model. The issue asks that Sync "marks the stored
// configuration as the running one" and that Audit answers 400 when they
// match and 401 when they differ; so Configure, ConfigModify and
// ConfigRestore change the stored configuration only, Sync copies it to the
// running one, and Audit compares the two (request-parameters and
// configuration-parameters; upload_config_id aside, so a ConfigModify that
// changes nothing still matches). ConfigBackup copies the stored
// configuration (401 when there is none), ConfigRestore makes the backup
// the stored configuration again (401 when there is none).
//
// Payload values are kept as canonical JSON strings (sorted keys), not as
// documents, so that they compare exactly: the request's numbers are
// json.Number, a state read back from the store has float64s instead, and
// a large integer would lose digits on the way.
//
// HealthCheck. The state machine moves a VNF through Testing to Tested on
// HealthCheck, but the issue asks that it answer healthy only for a running
// VNF: a check that moved Running to Tested would make the VNF unhealthy
// for the next check, and would change SONATA's "normal operation". So
// HealthCheck is checked against the state machine (304 where it has no
// transition) and takes part in working state management (309 when not
// Stable, Stable afterwards), but keeps the VNF's APPC state: it observes,
// and its answer is 400 SUCCESS with the payload state "healthy" when the
// VNF is Running and every VM a VM-scope action touched is Running, else
// "unhealthy" with the reason in "info".

// Keys of APPCState.Extra.
const (
	extraConfig      = "config"
	extraRunning     = "running_config"
	extraBackup      = "config_backup"
	extraApplication = "application"
	extraSnapshots   = "snapshots"
	extraHealth      = "health"
)

// maxSnapshots is how many snapshots a VNF record keeps (the newest).
const maxSnapshots = 100

// Application states kept by StartApplication and StopApplication.
const (
	ApplicationStarted = "started"
	ApplicationStopped = "stopped"
)

// configuration is a stored configuration.
type configuration struct {
	UploadConfigID string `json:"upload_config_id"`
	// RequestParameters and ConfigurationParameters are the payload's,
	// as canonical JSON ("" when absent).
	RequestParameters       string `json:"request_parameters,omitempty"`
	ConfigurationParameters string `json:"configuration_parameters,omitempty"`
	VNFCName                string `json:"vnfc_name,omitempty"`
	Action                  string `json:"action"`
	RequestID               string `json:"request_id"`
	Time                    string `json:"time"`
	BackedUp                string `json:"backed_up,omitempty"`
}

// sameContent tells whether two configurations configure the same.
func sameContent(a, b *configuration) bool {
	switch {
	case a == nil || b == nil:
		return a == b
	}
	return a.RequestParameters == b.RequestParameters &&
		a.ConfigurationParameters == b.ConfigurationParameters &&
		a.VNFCName == b.VNFCName
}

type application struct {
	State                   string `json:"state"`
	RequestParameters       string `json:"request_parameters,omitempty"`
	ConfigurationParameters string `json:"configuration_parameters,omitempty"`
	RequestID               string `json:"request_id"`
	Time                    string `json:"time"`
}

type snapshot struct {
	SnapshotID string `json:"snapshot_id"`
	VServerID  string `json:"vserver_id"`
	VMID       string `json:"vm_id,omitempty"`
	RequestID  string `json:"request_id"`
	Time       string `json:"time"`
}

type health struct {
	State string `json:"state"`
	Info  string `json:"info,omitempty"`
	Time  string `json:"time"`
}

// MigrateResult is the payload of Migrate: "the new node identity".
type MigrateResult struct {
	VServerID string `json:"vserver-id"`
	Host      string `json:"host"`
}

// RebuildResult is the payload of Rebuild, "the rebuild details": what the
// VM was recreated from, its newest snapshot when it has one (the guide:
// APPC rebuilds VMs that boot from an image or snapshot), else its image.
type RebuildResult struct {
	VServerID   string `json:"vserver-id"`
	RebuiltFrom string `json:"rebuilt-from"` // RebuiltFromSnapshot or RebuiltFromImage
	SnapshotID  string `json:"snapshot-id,omitempty"`
}

// EvacuateResult is the payload of Evacuate. The guide asks only for a
// success response; the payload tells what the caller cannot know
// otherwise: the host the VM went to (chosen here when the request has no
// targethost-id) and whether it was rebuilt after ("a rebuild VM is
// performed if a snapshot is available", unless rebuild-vm is false).
type EvacuateResult struct {
	VServerID  string `json:"vserver-id"`
	Host       string `json:"host"`
	Rebuilt    bool   `json:"rebuilt"`
	SnapshotID string `json:"snapshot-id,omitempty"`
}

// What a VM was rebuilt from.
const (
	RebuiltFromSnapshot = "snapshot"
	RebuiltFromImage    = "image"
)

// effect is what an action did to the record.
type effect struct {
	failure    string // the 401 detail; "" on success
	payload    any    // the response payload document, nil for none
	snapshotID string // Snapshot's new snapshot-id
	keepState  bool   // the APPC state stays as it was (HealthCheck)
}

// effect applies the request's action to st, the VNF's APPC state (from
// is the state the action starts from). It only decides what the action
// changes besides state, working state and history, all of it in st: no
// effect changes the record's fields.
func (x *execution) effect(st *models.APPCState, from State, gen generated, at time.Time) effect {
	req := x.req
	stamp := at.UTC().Format(time.RFC3339Nano)
	switch req.Action {
	case Configure, ConfigModify:
		rp, _ := req.PayloadObject("request-parameters")
		cp, _ := req.PayloadObject("configuration-parameters")
		setExtra(st, extraConfig, &configuration{
			UploadConfigID:          gen.uploadConfigID,
			RequestParameters:       canonicalJSON(rp),
			ConfigurationParameters: canonicalJSON(cp),
			VNFCName:                req.Identifiers.VNFCName,
			Action:                  string(req.Action),
			RequestID:               req.CommonHeader.RequestID,
			Time:                    stamp,
		})
		return effect{payload: UploadConfigResult{UploadConfigID: gen.uploadConfigID}}

	case ConfigBackup:
		var cfg configuration
		if !getExtra(st, extraConfig, &cfg) {
			return effect{failure: fmt.Sprintf("no configuration of VNF %s is stored: nothing to back up", req.Identifiers.VNFID)}
		}
		cfg.BackedUp = stamp
		setExtra(st, extraBackup, &cfg)
		return effect{}

	case ConfigRestore:
		var backup configuration
		if !getExtra(st, extraBackup, &backup) {
			return effect{failure: fmt.Sprintf("VNF %s has no configuration backup to restore", req.Identifiers.VNFID)}
		}
		setExtra(st, extraConfig, &backup)
		return effect{}

	case Sync:
		var cfg configuration
		if getExtra(st, extraConfig, &cfg) {
			setExtra(st, extraRunning, &cfg)
		} else {
			setExtra(st, extraRunning, nil)
		}
		return effect{}

	case Audit:
		var stored, running *configuration
		var s, r configuration
		if getExtra(st, extraConfig, &s) {
			stored = &s
		}
		if getExtra(st, extraRunning, &r) {
			running = &r
		}
		if !sameContent(stored, running) {
			return effect{failure: auditMismatch(stored, running)}
		}
		return effect{}

	case Snapshot:
		var snaps []snapshot
		getExtra(st, extraSnapshots, &snaps)
		vmID, _ := req.PayloadString("vm-id")
		snaps = append(snaps, snapshot{
			SnapshotID: gen.snapshotID,
			VServerID:  req.Identifiers.VServerID,
			VMID:       vmID,
			RequestID:  req.CommonHeader.RequestID,
			Time:       stamp,
		})
		if n := len(snaps); n > maxSnapshots {
			snaps = snaps[n-maxSnapshots:]
		}
		setExtra(st, extraSnapshots, snaps)
		return effect{snapshotID: gen.snapshotID}

	case Migrate:
		vm := req.Identifiers.VServerID
		host := gen.targetHost(req)
		updateVM(st, vm, func(v *models.APPCVM) { v.Host = host })
		return effect{payload: MigrateResult{VServerID: vm, Host: host}}

	case Evacuate:
		vm := req.Identifiers.VServerID
		host := gen.targetHost(req)
		res := EvacuateResult{VServerID: vm, Host: host}
		snap, hasSnap := latestSnapshot(st, vm)
		if rebuild, given := req.PayloadBool("rebuild-vm"); (rebuild || !given) && hasSnap {
			res.Rebuilt, res.SnapshotID = true, snap.SnapshotID
		}
		updateVM(st, vm, func(v *models.APPCVM) {
			v.Host = host
			if res.Rebuilt {
				v.SnapshotID = res.SnapshotID
			}
		})
		return effect{payload: res}

	case Rebuild:
		vm := req.Identifiers.VServerID
		res := RebuildResult{VServerID: vm, RebuiltFrom: RebuiltFromImage}
		if snap, ok := latestSnapshot(st, vm); ok {
			res.RebuiltFrom, res.SnapshotID = RebuiltFromSnapshot, snap.SnapshotID
		}
		updateVM(st, vm, func(v *models.APPCVM) { v.SnapshotID = res.SnapshotID })
		return effect{payload: res}

	case HealthCheck:
		healthy, info := x.health(st, from)
		res := NewHealthCheckResult(req.Identifiers.VNFID, healthy, at)
		res.Info = info
		setExtra(st, extraHealth, &health{State: res.State, Info: info, Time: stamp})
		return effect{payload: res, keepState: true}

	case StartApplication, StopApplication:
		state := ApplicationStarted
		if req.Action == StopApplication {
			state = ApplicationStopped
		}
		rp, _ := req.PayloadObject("request-parameters")
		cp, _ := req.PayloadObject("configuration-parameters")
		setExtra(st, extraApplication, &application{
			State:                   state,
			RequestParameters:       canonicalJSON(rp),
			ConfigurationParameters: canonicalJSON(cp),
			RequestID:               req.CommonHeader.RequestID,
			Time:                    stamp,
		})
		return effect{}
	}
	// Start, Stop, Restart, Lock, Unlock: the state change is the whole
	// effect.
	return effect{}
}

// latestSnapshot is the newest snapshot of the VM vserverID.
func latestSnapshot(st *models.APPCState, vserverID string) (snapshot, bool) {
	var snaps []snapshot
	getExtra(st, extraSnapshots, &snaps)
	for i := len(snaps) - 1; i >= 0; i-- {
		if snaps[i].VServerID == vserverID {
			return snaps[i], true
		}
	}
	return snapshot{}, false
}

// health decides HealthCheck's answer: healthy when the VNF is Running and
// so is every VM a VM-scope action touched.
func (x *execution) health(st *models.APPCState, from State) (bool, string) {
	if from != StateRunning {
		return false, fmt.Sprintf("VNF %s is %s, not Running", x.req.Identifiers.VNFID, from)
	}
	keys := make([]string, 0, len(st.VMs))
	for k := range st.VMs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := st.VMs[k].State; s != "" && State(s) != StateRunning {
			return false, fmt.Sprintf("VM %s is %s, not Running", vmID(k), s)
		}
	}
	return true, ""
}

func auditMismatch(stored, running *configuration) string {
	switch {
	case stored == nil:
		return "no configuration is stored, but the VNF runs configuration " + running.UploadConfigID
	case running == nil:
		return "the stored configuration " + stored.UploadConfigID + " is not the running one (the VNF has none; run Sync)"
	}
	return fmt.Sprintf("the stored configuration %s does not match the running configuration %s", stored.UploadConfigID, running.UploadConfigID)
}

// canonicalJSON encodes v with sorted keys, "" for nil.
func canonicalJSON(v map[string]any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "" // a decoded JSON object always encodes
	}
	return string(b)
}

// getExtra decodes st.Extra[key] into v (through JSON: the store gives
// Extra back as plain maps and slices, not as the effect types); false
// when absent or unreadable.
func getExtra(st *models.APPCState, key string, v any) bool {
	raw, ok := st.Extra[key]
	if !ok || raw == nil {
		return false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// setExtra stores v (a struct or slice of structs of strings) as
// st.Extra[key], as plain maps and slices; nil removes the key.
func setExtra(st *models.APPCState, key string, v any) {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		delete(st.Extra, key)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		return // the effect types always encode
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		return
	}
	if st.Extra == nil {
		st.Extra = map[string]any{}
	}
	st.Extra[key] = plain
}

// hasVM tells whether vm is the vc_id of a vnfc_instance of a
// virtual_deployment_unit of the VNF record's fields. The fields are as
// models.DecodeFields gives them (objects map[string]any, arrays []any);
// anything else where the schema wants an array or object holds no VM.
func hasVM(fields map[string]any, vm string) bool {
	vdus, _ := fields["virtual_deployment_units"].([]any)
	for _, vdu := range vdus {
		vdu, _ := vdu.(map[string]any)
		vnfcs, _ := vdu["vnfc_instance"].([]any)
		for _, vnfc := range vnfcs {
			vnfc, _ := vnfc.(map[string]any)
			if id, ok := vnfc["vc_id"].(string); ok && id == vm {
				return true
			}
		}
	}
	return false
}
