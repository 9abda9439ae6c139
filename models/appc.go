package models

import "time"

// VNF is a VNF record as the APPC module reads and changes it: the record,
// its fields decoded (id included), and its APPC state (nil until an APPC
// action touches it). A write stores Fields and APPC; the rest of the
// record's server-side state stays as it is.
type VNF struct {
	Record
	Fields map[string]any
	APPC   *APPCState
}

// APPCState is what the APPC LCM module keeps of a VNF record, in the
// record's server-side state under "appc": the record itself stays as its
// writer sent it (bar status, which the module updates). The
// orchestrator/appc engine owns its meaning; the store only keeps it with
// the record, versioned together.
type APPCState struct {
	// State is the VNF's APPC state (Instantiated until a first action).
	State string `json:"state"`
	// Working is Stable, Unstable (while a command runs) or Unknown (after
	// a failure).
	Working string `json:"working"`
	// Running is the command that made the VNF Unstable, until it ends;
	// one left behind by a process that died keeps the VNF Unstable.
	Running *APPCRun `json:"running,omitempty"`
	// VMs are the states of the VMs that VM-scope actions changed, keyed
	// by their vnfc_instance vc_id escaped for a field name (the engine's
	// vmKey: '%', '.', '$' and NUL escaped).
	VMs map[string]APPCVM `json:"vms,omitempty"`
	// Extra holds the action effects (configuration, backup, snapshots,
	// application state), as the engine defines them.
	Extra map[string]any `json:"extra,omitempty"`
	// History lists the actions that ran, oldest first.
	History []APPCHistory `json:"history,omitempty"`
}

// APPCCall names one LCM call: its action, the request's ids, and the VM
// of a VM-scope call.
type APPCCall struct {
	Action       string `json:"action"`
	RequestID    string `json:"request_id"`
	SubRequestID string `json:"sub_request_id,omitempty"`
	OriginatorID string `json:"originator_id"`
	VServerID    string `json:"vserver_id,omitempty"`
}

// APPCRun is a command running on a VNF.
type APPCRun struct {
	// RunID is the request's (APPCRequest.RunID): the command that ends
	// must be the one that began.
	RunID string `json:"run_id"`
	APPCCall
	Since time.Time `json:"since"`
}

// APPCVM is the state of one VM of a VNF.
type APPCVM struct {
	State string `json:"state"`
	Host  string `json:"host,omitempty"`
	// SnapshotID is the snapshot the VM was last rebuilt from (Rebuild, or
	// Evacuate with a rebuild); empty when it runs from its image.
	SnapshotID string `json:"snapshot_id,omitempty"`
}

// APPCHistory is one action the module ran on a VNF.
type APPCHistory struct {
	APPCCall
	From   string    `json:"from"`
	To     string    `json:"to"`
	Result string    `json:"result"`
	Time   time.Time `json:"time"`
}

// APPCRequest is an APPC LCM request as the module stores it, so that a
// duplicate is refused (312) and ActionStatus answers, across restarts and
// replicas. Originator-id, request-id and sub-request-id identify it; see
// the store's AddRequest for when they may repeat.
type APPCRequest struct {
	// RunID identifies this one call, whatever its ids (a new uuid).
	RunID        string `json:"run_id"`
	OriginatorID string `json:"originator_id"`
	RequestID    string `json:"request_id"`
	SubRequestID string `json:"sub_request_id"`
	Action       string `json:"action"`
	VNFID        string `json:"vnf_id"`
	// Received is when the request arrived (the engine's clock): the
	// store keeps it as the stored request's creation time.
	Received time.Time `json:"-"`
	// Finished is zero while the request runs.
	Finished time.Time `json:"finished,omitzero"`
	Code     int       `json:"code"`
	Message  string    `json:"message"`
	// Payload is the response payload (a JSON string), if any.
	Payload string `json:"payload,omitempty"`
}
