package nslcm

import (
	"encoding/json"
	"fmt"

	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// The lifecycle state of NS and VNF instances, kept in their records'
// server-side state (repo.LifecycleStore: _admin.nslcm). The records'
// own fields are written from it through mapping.go.

// OSM's NS states (_admin.nsState).
const (
	nsNotInstantiated = "NOT_INSTANTIATED"
	nsInstantiated    = "INSTANTIATED"
	nsBroken          = "BROKEN"
)

// idle is currentOperation when none runs.
const idle = "IDLE"

// historyKept is how many state changes an NS record keeps; the
// operation occurrences keep every one of their own.
const historyKept = 20

// nsState is an NS instance's lifecycle state.
type nsState struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// NSState is OSM's _admin.nsState.
	NSState string `json:"nsState"`
	// Terminated says the NS was instantiated and terminated since: its
	// record says terminated, not offline.
	Terminated         bool    `json:"terminated,omitempty"`
	ConfigStatus       string  `json:"config-status"`
	DetailedStatus     string  `json:"detailed-status"`
	CurrentOperation   string  `json:"currentOperation"`
	CurrentOperationID *string `json:"currentOperationID"`
	ErrorDescription   *string `json:"errorDescription"`
	ErrorDetail        *string `json:"errorDetail"`
	// Degraded says the last day-2 operation failed on an instantiated NS.
	Degraded bool `json:"degraded,omitempty"`
	// NSDRef is the NSD's descriptor id, NSDID its catalogue id (the
	// record's descriptor_reference), NSDName its name.
	NSDRef       string `json:"nsd-ref"`
	NSDID        string `json:"nsd-id"`
	NSDName      string `json:"nsd-name-ref"`
	VIMAccountID string `json:"vimAccountId"`
	// Primitives are the NSD's own (NS-level actions).
	Primitives []catalogue.Primitive `json:"nsd-primitives,omitempty"`
	// Members are the NS's VNFs by member index, in the NSD's order.
	Members           []member       `json:"members"`
	InstantiateParams map[string]any `json:"instantiate_params,omitempty"`
	// Deployment is OSM's deploymentStatus as of the last operation's
	// end: each VNF's replicas and their states (osm ns-list --long).
	Deployment *deployment    `json:"deploymentStatus,omitempty"`
	CreateTime float64        `json:"create-time"`
	History    []historyEntry `json:"history"`
}

// member is a VNF of an NS: its member index, its VNFD (descriptor id
// and catalogue id) and its VNF instance (the VNFR's uuid).
type member struct {
	Index  string `json:"member-vnf-index"`
	VNFD   string `json:"vnfd-id-ref"`
	VNFDID string `json:"vnfd-id"`
	VNFR   string `json:"vnfr-id"`
}

// deployment is OSM's deploymentStatus: the NS's networks (none here)
// and its VNFs' VMs.
type deployment struct {
	Nets []any           `json:"nets"`
	VNFs []deploymentVNF `json:"vnfs"`
}

type deploymentVNF struct {
	MemberIndex string         `json:"member_vnf_index"`
	VNFR        string         `json:"vnfr_id"`
	VMs         []deploymentVM `json:"vms"`
}

type deploymentVM struct {
	VDU        string `json:"vdu_id"`
	CountIndex int    `json:"count_index"`
	VIMID      string `json:"vim_id,omitempty"`
	Status     string `json:"status"`
}

// historyEntry is one state change of an NS.
type historyEntry struct {
	Time      float64 `json:"time"`
	Operation string  `json:"operation,omitempty"`
	Type      string  `json:"lcmOperationType,omitempty"`
	State     string  `json:"state"`
	Detail    string  `json:"detail,omitempty"`
}

// addHistory appends a state change, keeping the last historyKept.
func (s *nsState) addHistory(h historyEntry) {
	s.History = append(s.History, h)
	if n := len(s.History); n > historyKept {
		s.History = append([]historyEntry(nil), s.History[n-historyKept:]...)
	}
}

// member is the NS's member of index idx.
func (s *nsState) member(idx string) (*member, bool) {
	for i := range s.Members {
		if s.Members[i].Index == idx {
			return &s.Members[i], true
		}
	}
	return nil, false
}

// vnfState is a VNF instance's lifecycle state.
type vnfState struct {
	NSRIDRef     string `json:"nsr-id-ref"`
	MemberIndex  string `json:"member-vnf-index-ref"`
	VNFDRef      string `json:"vnfd-ref"`
	VNFDID       string `json:"vnfd-id"`
	VIMAccountID string `json:"vim-account-id"`
	// Deployed: every unit placed; Failed: the VNF manager failed it;
	// Terminated: released by a terminate.
	Deployed    bool    `json:"deployed"`
	Failed      bool    `json:"failed,omitempty"`
	Terminated  bool    `json:"terminated,omitempty"`
	CreatedTime float64 `json:"created-time"`
	// VDUR are the VDU replicas (OSM's vdur), one per VNFC instance.
	VDUR []vdur `json:"vdur"`
	// ScaleLevels are the scaling groups' levels (absent: the group's
	// minimum).
	ScaleLevels map[string]int `json:"scale-levels,omitempty"`
	NSState     string         `json:"nsState"`
	// Applied are the last operations whose step changed the units, so
	// that the step, run again after a crash, does not apply twice.
	Applied []string `json:"applied,omitempty"`
	// VNFD is the VNFD's model as it was instantiated: the units, scaling
	// groups and primitives day-2 operations act on.
	VNFD catalogue.Descriptor `json:"vnfd"`
}

// vdur is a VDU replica: a VNFC instance.
type vdur struct {
	ID         string  `json:"_id"`
	VDU        string  `json:"vdu-id-ref"`
	CountIndex int     `json:"count-index"`
	VIMID      string  `json:"vim-id,omitempty"`
	IPAddress  *string `json:"ip-address"`
	Status     string  `json:"status"`
}

// The states of a VDU replica.
const (
	vduBuilding = "BUILD"
	vduActive   = "ACTIVE"
	vduDeleted  = "DELETED"
)

// ipAddress is the VNF's address: its first replica's.
func (v *vnfState) ipAddress() *string {
	for _, u := range v.VDUR {
		if u.IPAddress != nil {
			return u.IPAddress
		}
	}
	return nil
}

func decodeState[T any](raw json.RawMessage, what string) (T, error) {
	var v T
	if len(raw) == 0 || string(raw) == "null" {
		return v, fmt.Errorf("nslcm: %s has no lifecycle state", what)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("nslcm: the lifecycle state of %s: %w", what, err)
	}
	return v, nil
}

func encodeState(v any) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("nslcm: encode a lifecycle state: %w", err)
	}
	return raw, nil
}

// OSM's operation states.
const (
	opProcessing = "PROCESSING"
	opCompleted  = "COMPLETED"
	opFailed     = "FAILED"
	opFailedTemp = "FAILED_TEMP"
	opRolledBack = "ROLLED_BACK"
	opCancelled  = "CANCELLED"
)

// opOcc is an NS LCM operation occurrence as stored (OSM's shape, which
// the OSM routes render as it is).
type opOcc struct {
	ID                    string            `json:"id"`
	OperationState        string            `json:"operationState"`
	QueuePosition         int               `json:"queuePosition"`
	Stage                 string            `json:"stage"`
	ErrorMessage          *string           `json:"errorMessage"`
	DetailedStatus        *string           `json:"detailedStatus"`
	StatusEnteredTime     float64           `json:"statusEnteredTime"`
	NSInstanceID          string            `json:"nsInstanceId"`
	LCMOperationType      string            `json:"lcmOperationType"`
	StartTime             float64           `json:"startTime"`
	IsAutomaticInvocation bool              `json:"isAutomaticInvocation"`
	OperationParams       map[string]any    `json:"operationParams"`
	IsCancelPending       bool              `json:"isCancelPending"`
	Links                 map[string]string `json:"links"`
	Detail                string            `json:"detailed-status"`
}

// opProgress is what a runner keeps of an operation beside it (its
// _admin.nslcm): the plan, how far it got, who runs it, every state
// change.
type opProgress struct {
	Plan []step `json:"plan"`
	// Next is the index of the step to run next.
	Next   int    `json:"next"`
	Runner string `json:"runner"`
	// Request is the Gatekeeper update request the operation answers.
	Request string `json:"request,omitempty"`
	// Members and NSD are where an update moves the NS.
	Members []member       `json:"members,omitempty"`
	NSD     *nsdTarget     `json:"nsd,omitempty"`
	History []historyEntry `json:"history"`
}

// nsdTarget is the NSD an update moves an NS to.
type nsdTarget struct {
	ID         string                `json:"id"`
	Ref        string                `json:"ref"`
	Name       string                `json:"name"`
	Primitives []catalogue.Primitive `json:"primitives,omitempty"`
}

// op is an operation occurrence with its progress.
type op struct {
	opOcc
	progress opProgress
	// admin is every member of the entry's _admin, the projects among
	// them, written back as they are.
	admin map[string]json.RawMessage
}

// step is one step of an operation's plan: written before the next
// runs, and safe to run again (a retry runs the step that was cut short).
type step struct {
	Do     string `json:"do"`
	Member string `json:"member,omitempty"`
}

// What steps do.
const (
	doCreateVNF  = "create VNF"          // create the member's VNFR (undeployed)
	doDeployVNF  = "deploy VNF"          // place the member's unplaced units
	doReleaseVNF = "release VNF"         // release every unit of the member
	doRemoveVNF  = "remove VNF"          // release and delete the member's VNFR
	doAction     = "run primitive"       // run the operation's primitive
	doScale      = "scale"               // add or release the group's units
	doHeal       = "unplace units"       // release the units to heal, to be placed again
	doRetarget   = "move to the new NSD" // the NSR names the new NSD and members
	doRemoveNS   = "delete the NS"       // delete the NSR and its VNFRs (ns_instances_content)
	doFinish     = "finish"              // the NS's end state
)

func (s step) String() string {
	if s.Member != "" {
		return s.Do + " " + s.Member
	}
	return s.Do
}

// adminKey is where an entry's _admin keeps the lifecycle's state.
const adminKey = "nslcm"

func opOf(raw json.RawMessage, admin json.RawMessage) (op, error) {
	var o op
	if err := json.Unmarshal(raw, &o.opOcc); err != nil {
		return o, fmt.Errorf("nslcm: an operation occurrence: %w", err)
	}
	o.admin = map[string]json.RawMessage{}
	if len(admin) > 0 {
		if err := json.Unmarshal(admin, &o.admin); err != nil {
			return o, fmt.Errorf("nslcm: an operation occurrence: %w", err)
		}
	}
	if raw, ok := o.admin[adminKey]; ok {
		if err := json.Unmarshal(raw, &o.progress); err != nil {
			return o, fmt.Errorf("nslcm: an operation occurrence: %w", err)
		}
	}
	return o, nil
}

func (o op) encode() (body, admin json.RawMessage, err error) {
	if body, err = json.Marshal(o.opOcc); err != nil {
		return nil, nil, fmt.Errorf("nslcm: encode an operation: %w", err)
	}
	all := map[string]json.RawMessage{}
	for k, v := range o.admin {
		all[k] = v
	}
	if all[adminKey], err = json.Marshal(o.progress); err != nil {
		return nil, nil, fmt.Errorf("nslcm: encode an operation: %w", err)
	}
	if admin, err = json.Marshal(all); err != nil {
		return nil, nil, fmt.Errorf("nslcm: encode an operation: %w", err)
	}
	return body, admin, nil
}
