package models

import "time"

// APPCState is what the APPC LCM module keeps of a VNF record, under
// _admin.appc: the record itself stays as its writer sent it (bar status,
// which the module updates). The orchestrator/appc engine owns its meaning;
// the store only keeps it with the record, versioned together.
type APPCState struct {
	// State is the VNF's APPC state (Instantiated until a first action).
	State string `bson:"state" json:"state"`
	// Working is Stable, Unstable (while a command runs) or Unknown (after
	// a failure).
	Working string `bson:"working" json:"working"`
	// Running is the command that made the VNF Unstable, until it ends;
	// one left behind by a process that died keeps the VNF Unstable.
	Running *APPCRun `bson:"running,omitempty" json:"running,omitempty"`
	// VMs are the states of the VMs that VM-scope actions changed, keyed
	// by their vnfc_instance vc_id escaped for a field name (the engine's
	// vmKey: '%', '.', '$' and NUL escaped).
	VMs map[string]APPCVM `bson:"vms,omitempty" json:"vms,omitempty"`
	// Extra holds the action effects (configuration, backup, snapshots,
	// application state), as the engine defines them.
	Extra map[string]any `bson:"extra,omitempty" json:"extra,omitempty"`
	// History lists the actions that ran, oldest first.
	History []APPCHistory `bson:"history,omitempty" json:"history,omitempty"`
}

// APPCCall names one LCM call: its action, the request's ids, and the VM
// of a VM-scope call.
type APPCCall struct {
	Action       string `bson:"action" json:"action"`
	RequestID    string `bson:"request_id" json:"request_id"`
	SubRequestID string `bson:"sub_request_id,omitempty" json:"sub_request_id,omitempty"`
	OriginatorID string `bson:"originator_id" json:"originator_id"`
	VServerID    string `bson:"vserver_id,omitempty" json:"vserver_id,omitempty"`
}

// APPCRun is a command running on a VNF.
type APPCRun struct {
	// RunID is the request's (APPCRequest.RunID): the command that ends
	// must be the one that began.
	RunID    string `bson:"run_id" json:"run_id"`
	APPCCall `bson:",inline"`
	Since    time.Time `bson:"since" json:"since"`
}

// APPCVM is the state of one VM of a VNF.
type APPCVM struct {
	State string `bson:"state" json:"state"`
	Host  string `bson:"host,omitempty" json:"host,omitempty"`
	// SnapshotID is the snapshot the VM was last rebuilt from (Rebuild, or
	// Evacuate with a rebuild); empty when it runs from its image.
	SnapshotID string `bson:"snapshot_id,omitempty" json:"snapshot_id,omitempty"`
}

// APPCHistory is one action the module ran on a VNF.
type APPCHistory struct {
	APPCCall `bson:",inline"`
	From     string    `bson:"from" json:"from"`
	To       string    `bson:"to" json:"to"`
	Result   string    `bson:"result" json:"result"`
	Time     time.Time `bson:"time" json:"time"`
}

// APPCRequest is an LCM request as the module stores it, so that a
// duplicate is refused (312) and ActionStatus answers, across restarts and
// replicas. Originator-id, request-id and sub-request-id identify it; see
// the store's AddRequest for when they may repeat.
type APPCRequest struct {
	// RunID identifies this one call, whatever its ids (a new uuid).
	RunID        string    `bson:"run_id"`
	OriginatorID string    `bson:"originator_id"`
	RequestID    string    `bson:"request_id"`
	SubRequestID string    `bson:"sub_request_id"`
	Action       string    `bson:"action"`
	VNFID        string    `bson:"vnf_id"`
	Received     time.Time `bson:"received"`
	// Finished is zero while the request runs.
	Finished time.Time `bson:"finished,omitempty"`
	Code     int       `bson:"code"`
	Message  string    `bson:"message"`
	// Payload is the response payload (a JSON string), if any.
	Payload string `bson:"payload,omitempty"`
}
