package nslcm

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/models"
)

// This file is the one mapping between the records (NSR and VNFR, valid
// against the SONATA schemas) and OSM's views of NS and VNF instances,
// in both directions:
//
//   - state -> record: the lifecycle keeps OSM's fields in the record's
//     server-side state (_admin.nslcm) and writes the record's own fields
//     from it (nsrFields, vnfrFields, and the status tables below);
//   - record -> view: the OSM routes render a view from the state, with
//     each field the record also holds taken from the record (so a record
//     a client changed through /nsrs shows the same in the OSM view);
//   - view -> record: a filter on a view field (?nsr-id-ref=...) is
//     rewritten to the path that stores it (Rewrite).

// fieldMap is one view field and where it is kept: a record field (a
// dotted path), or the lifecycle state's field (under _admin.nslcm), or
// both (the record wins when rendering). Values maps a record value to
// the view's where they differ (and back, for filters).
type fieldMap struct {
	View   string
	Record string
	State  string
	Values map[string]string
}

// nsOperationalStatus maps an NSR's status to OSM's operational-status.
var nsOperationalStatus = map[string]string{
	"normal operation":   "running",
	"degraded operation": "degraded",
	"failed":             "failed",
	"offline":            "init",
	"updating":           "updating",
	"terminated":         "terminated",
}

// nsStateView maps _admin.nsState to the view's top-level nsState.
var nsStateView = map[string]string{
	nsInstantiated:    "READY",
	nsNotInstantiated: nsNotInstantiated,
	nsBroken:          nsBroken,
}

// nsMapping is the NS instance view (ns_instances, ns_instances_content).
var nsMapping = []fieldMap{
	{View: "_id", Record: "id"},
	{View: "id", Record: "id"},
	{View: "ns-instance-config-ref", Record: "id"},
	{View: "nsd-id", Record: "descriptor_reference", State: "nsd-id"},
	{View: "constituent-vnfr-ref", Record: "network_functions.vnfr_id"},
	{View: "operational-status", Record: "status", Values: nsOperationalStatus},
	{View: "name", State: "name"},
	{View: "name-ref", State: "name"},
	{View: "short-name", State: "name"},
	{View: "description", State: "description"},
	{View: "nsState", State: "nsState", Values: nsStateView},
	{View: "_admin.nsState", State: "nsState"},
	{View: "config-status", State: "config-status"},
	{View: "detailed-status", State: "detailed-status"},
	{View: "currentOperation", State: "currentOperation"},
	{View: "currentOperationID", State: "currentOperationID"},
	{View: "errorDescription", State: "errorDescription"},
	{View: "errorDetail", State: "errorDetail"},
	{View: "nsd-ref", State: "nsd-ref"},
	{View: "nsd-name-ref", State: "nsd-name-ref"},
	{View: "vimAccountId", State: "vimAccountId"},
	{View: "datacenter", State: "vimAccountId"},
	{View: "vnfd-id", State: "members.vnfd-id"},
	{View: "create-time", State: "create-time"},
	{View: "instantiate_params", State: "instantiate_params"},
	{View: "_admin.history", State: "history"},
}

// vnfMapping is the VNF instance view (vnf_instances, vnfrs).
var vnfMapping = []fieldMap{
	{View: "_id", Record: "id"},
	{View: "id", Record: "id"},
	{View: "nsr-id-ref", Record: "parent_ns", State: "nsr-id-ref"},
	{View: "vnfd-id", Record: "descriptor_reference", State: "vnfd-id"},
	{View: "member-vnf-index-ref", State: "member-vnf-index-ref"},
	{View: "vnfd-ref", State: "vnfd-ref"},
	{View: "vim-account-id", State: "vim-account-id"},
	{View: "created-time", State: "created-time"},
	{View: "vdur", State: "vdur"},
	{View: "_admin.nsState", State: "nsState"},
	{View: "status", Record: "status"},
}

// nsStateOfStatus is the NS state an NSR's status says, for a record the
// lifecycle never wrote (record -> view).
var nsStateOfStatus = map[string]string{
	"normal operation":   nsInstantiated,
	"degraded operation": nsInstantiated,
	"updating":           nsInstantiated,
	"failed":             nsBroken,
	"offline":            nsNotInstantiated,
	"terminated":         nsNotInstantiated,
}

// plainNS is the state an NSR the lifecycle never wrote shows: what its
// record says (its uuid for a name).
func plainNS(in models.Instance, rec map[string]any) nsState {
	status, _ := rec["status"].(string)
	nsd, _ := rec["descriptor_reference"].(string)
	st := nsState{Name: in.UUID, NSState: nsStateOfStatus[status], CurrentOperation: idle, NSDID: nsd,
		CreateTime: models.Epoch(in.Admin.Created), Terminated: status == "terminated", DetailedStatus: status}
	if st.NSState == "" {
		st.NSState = nsNotInstantiated
	}
	return st
}

// plainVNF is the state a VNFR the lifecycle never wrote shows: its
// parent, its VNFD, its VNFC instances as OSM's vdur, its address.
func plainVNF(in models.Instance, rec map[string]any) vnfState {
	v := vnfState{CreatedTime: models.Epoch(in.Admin.Created)}
	v.NSRIDRef, _ = rec["parent_ns"].(string)
	v.VNFDID, _ = rec["descriptor_reference"].(string)
	status, _ := rec["status"].(string)
	v.NSState = nsStateOfStatus[status]
	var addr *string
	if as, ok := rec["vnf_address"].([]any); ok && len(as) > 0 {
		if a, ok := as[0].(map[string]any)["address"].(string); ok {
			addr = &a
		}
	}
	units, _ := rec["virtual_deployment_units"].([]any)
	for _, u := range units {
		vdu, _ := u.(map[string]any)
		id, _ := vdu["id"].(string)
		vnfcs, _ := vdu["vnfc_instance"].([]any)
		for i, c := range vnfcs {
			vnfc, _ := c.(map[string]any)
			r := vdur{VDU: id, CountIndex: i, Status: vduActive, IPAddress: addr}
			r.ID, _ = vnfc["id"].(string)
			r.VIMID, _ = vnfc["vc_id"].(string)
			v.VDUR = append(v.VDUR, r)
		}
	}
	return v
}

// NS record status from the lifecycle state (state -> record).
func nsrStatus(s nsState) string {
	switch {
	case s.CurrentOperationID != nil:
		return "updating"
	case s.NSState == nsBroken:
		return "failed"
	case s.NSState == nsInstantiated && s.Degraded:
		return "degraded operation"
	case s.NSState == nsInstantiated:
		return "normal operation"
	case s.Terminated:
		return "terminated"
	}
	return "offline"
}

// VNF record status from the lifecycle state (the VNFR schema has no
// "updating": a VNF being deployed is offline until it runs).
func vnfrStatus(v vnfState) string {
	switch {
	case v.Failed:
		return "failed"
	case v.Terminated:
		return "terminated"
	case v.Deployed:
		return "normal operation"
	}
	return "offline"
}

// Schema versions the lifecycle's records declare.
const (
	nsrSchema  = "nsr-schema-01"
	vnfrSchema = "vnfr-schema-01"
)

// nsrFields sets the record fields an NS's state decides on fields (the
// record as it is: what others wrote there stays).
func nsrFields(fields map[string]any, id string, s nsState) {
	fields[models.FieldID] = id
	if _, ok := fields["descriptor_version"]; !ok {
		fields["descriptor_version"] = nsrSchema
	}
	fields["status"] = nsrStatus(s)
	fields["descriptor_reference"] = s.NSDID
	var nfs []any
	for _, m := range s.Members {
		if m.VNFR != "" {
			nfs = append(nfs, map[string]any{"vnfr_id": m.VNFR})
		}
	}
	if len(nfs) > 0 {
		fields["network_functions"] = nfs
	} else {
		delete(fields, "network_functions")
	}
}

// Defaults for a VDU whose descriptor gives no resources: the VNFR
// schema requires a CPU count and a memory size.
const (
	defaultVCPUs    = 1
	defaultMemoryMB = 512
)

// vnfrFields sets the record fields a VNF's state decides on fields.
func vnfrFields(fields map[string]any, id string, v vnfState) {
	fields[models.FieldID] = id
	if _, ok := fields["descriptor_version"]; !ok {
		fields["descriptor_version"] = vnfrSchema
	}
	fields["status"] = vnfrStatus(v)
	fields["descriptor_reference"] = v.VNFDID
	fields["parent_ns"] = v.NSRIDRef
	var units []any
	for _, d := range v.VNFD.VDUs {
		u := map[string]any{
			"id":            d.ID,
			"vdu_reference": v.VNFDRef + ":" + d.ID,
			"resource_requirements": map[string]any{
				"cpu":    map[string]any{"vcpus": int64(max(d.VCPUs, defaultVCPUs))},
				"memory": map[string]any{"size": sizeOf(d.MemoryMB, defaultMemoryMB), "size_unit": "MB"},
			},
		}
		if d.Image != "" {
			u["vm_image"] = d.Image
		}
		if d.StorageGB > 0 {
			u["resource_requirements"].(map[string]any)["storage"] = map[string]any{"size": sizeOf(d.StorageGB, 0), "size_unit": "GB"}
		}
		var vnfcs []any
		for _, r := range v.VDUR {
			if r.VDU != d.ID || r.Status == vduDeleted {
				continue
			}
			c := map[string]any{"id": r.ID, "vim_id": v.VIMAccountID}
			if r.VIMID != "" {
				c["vc_id"] = r.VIMID
			}
			vnfcs = append(vnfcs, c)
		}
		u["number_of_instances"] = int64(len(vnfcs))
		if len(vnfcs) > 0 {
			u["vnfc_instance"] = vnfcs
		}
		units = append(units, u)
	}
	if len(units) > 0 {
		fields["virtual_deployment_units"] = units
	} else {
		delete(fields, "virtual_deployment_units")
	}
	if ip := v.ipAddress(); ip != nil {
		fields["vnf_address"] = []any{map[string]any{"address": *ip}}
	} else {
		delete(fields, "vnf_address")
	}
}

// sizeOf is n as the record keeps it: an integer when whole.
func sizeOf(n, def float64) any {
	if n <= 0 {
		n = def
	}
	if n == float64(int64(n)) {
		return int64(n)
	}
	return n
}

// view renders a record and its state through a mapping (record ->
// view): fields set first from the state, then from the record.
func view(mapping []fieldMap, rec, state map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range mapping {
		var v any
		found := false
		if m.Record != "" {
			v, found = lookup(rec, m.Record)
		}
		if !found && m.State != "" {
			v, found = lookup(state, m.State)
		}
		if !found {
			v = nil
		}
		if s, ok := v.(string); ok && m.Values != nil {
			if mapped, ok := m.Values[s]; ok {
				v = mapped
			}
		}
		set(out, m.View, v)
	}
	return out
}

// lookup is the value at a dotted path; through an array of objects it
// is the array of each element's value.
func lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	parts := strings.Split(path, ".")
	for i, p := range parts {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			rest := strings.Join(parts[i:], ".")
			out := []any{}
			for _, el := range t {
				if obj, ok := el.(map[string]any); ok {
					if v, ok := lookup(obj, rest); ok {
						out = append(out, v)
					}
				}
			}
			return out, true
		default:
			return nil, false
		}
	}
	if arr, ok := cur.([]any); ok && arr == nil {
		return []any{}, true
	}
	return cur, true
}

// set puts v at a dotted path, creating the objects on the way.
func set(doc map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := doc[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			doc[p] = next
		}
		doc = next
	}
	doc[parts[len(parts)-1]] = v
}

// Rewrite turns the filter keys of an OSM view (?nsr-id-ref=X,
// ?operational-status=running) into the paths that store them (view ->
// record): a record field, or _admin.nslcm.<state field>; values of a
// field with a value map are mapped back (eq and neq). Other keys pass
// as they are (paging, sorting, the administrative keys). kind is
// models.KindNSR or models.KindVNFR.
func Rewrite(kind models.Kind, q url.Values) url.Values {
	mapping := nsMapping
	if kind == models.KindVNFR {
		mapping = vnfMapping
	}
	// The longest view names first: "_admin.nsState" before "_admin".
	views := slices.Clone(mapping)
	sort.SliceStable(views, func(i, j int) bool { return len(views[i].View) > len(views[j].View) })
	out := url.Values{}
	for key, vals := range q {
		target, rest, m, ok := rewriteKey(views, key)
		if !ok {
			out[key] = vals
			continue
		}
		if m.Values != nil && (rest == "" || rest == ".eq" || rest == ".neq") {
			vals = unmapValues(m.Values, vals)
		}
		out[target+rest] = append(out[target+rest], vals...)
	}
	return out
}

func rewriteKey(views []fieldMap, key string) (target, rest string, m fieldMap, ok bool) {
	for _, v := range views {
		if key != v.View && !strings.HasPrefix(key, v.View+".") {
			continue
		}
		rest = key[len(v.View):]
		switch {
		case v.Record != "":
			target = v.Record
			if target == models.FieldID {
				target = models.FieldUUID
			}
		default:
			target = "_admin." + adminKey + "." + v.State
		}
		return target, rest, v, true
	}
	return "", "", fieldMap{}, false
}

// unmapValues maps view values back to record values (each value may be
// a comma-separated list).
func unmapValues(values map[string]string, vals []string) []string {
	back := map[string]string{}
	for k, v := range values {
		back[v] = k
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		parts := strings.Split(v, ",")
		for j, p := range parts {
			if r, ok := back[p]; ok {
				parts[j] = r
			}
		}
		out[i] = strings.Join(parts, ",")
	}
	return out
}

// stageOf is the stage text of an operation at step i of its plan.
func stageOf(plan []step, i int) string {
	if i >= len(plan) {
		return fmt.Sprintf("Stage %d/%d: done, closing", len(plan), len(plan))
	}
	return fmt.Sprintf("Stage %s/%s: %s", strconv.Itoa(i+1), strconv.Itoa(len(plan)), plan[i])
}
