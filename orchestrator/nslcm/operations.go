package nslcm

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// Starting an operation: its checks against the NS as it is, its plan,
// its occurrence written, the NS claimed (one operation at a time, OSM's
// rule), then a runner.

func newID() string { return uuid.NewString() }

// opKind is what starting an operation of a type needs: the plan it
// makes from the NS as it is, refusing (409, 422) what the NS cannot do.
type opKind struct {
	Type string
	// ID is the operation's id when the caller named it first (""
	// makes one).
	ID   string
	Plan func(st nsState) ([]step, error)
	// Members are the members an update brings (kept in its progress).
	Members []member
	NSD     *nsdTarget
	Request string
}

// start starts an operation of kind on NS id with params: written before
// it is answered, and run by this replica. It returns its id.
func (s *Service) start(ctx context.Context, scope models.Scope, id string, params map[string]any, kind opKind) (string, error) {
	if err := models.CheckNames(params, ""); err != nil { // kept as they are, in the operation
		return "", err
	}
	in, st, err := s.loadNS(ctx, scope, id)
	if err != nil {
		return "", err
	}
	if err := busy(id, st); err != nil {
		return "", err
	}
	plan, err := kind.Plan(st)
	if err != nil {
		return "", err
	}
	opID := kind.ID
	if opID == "" {
		opID = newID()
	}
	// The lease is this replica's before the occurrence exists: a
	// recovery elsewhere never takes a new operation for a dead one.
	if _, err := s.store.TakeOp(ctx, opID, s.owner, s.ttl); err != nil {
		return "", err
	}
	now := s.epoch()
	if params == nil {
		params = map[string]any{}
	}
	params["lcmOperationType"], params["nsInstanceId"] = kind.Type, id
	if kind.Type == "instantiate" { // what OSM's instantiation parameters hold, osmclient's ns-op-list --long reads
		for k, v := range map[string]string{"nsName": st.Name, "nsdId": st.NSDID, "nsDescription": st.Description, "vimAccountId": st.VIMAccountID} {
			if _, ok := params[k]; !ok {
				params[k] = v
			}
		}
		params["nsr_id"] = id
	}
	o := op{opOcc: opOcc{ID: opID, OperationState: opProcessing, Stage: stageOf(plan, 0), StatusEnteredTime: now,
		NSInstanceID: id, LCMOperationType: kind.Type, StartTime: now, OperationParams: params,
		Links: map[string]string{"self": "/osm/nslcm/v1/ns_lcm_op_occs/" + opID, "nsInstance": "/osm/nslcm/v1/ns_instances/" + id}},
		progress: opProgress{Plan: plan, Runner: s.owner, Request: kind.Request, Members: kind.Members, NSD: kind.NSD,
			History: []historyEntry{{Time: now, State: opProcessing, Detail: "started"}}}}
	body, admin, err := o.encode()
	if err != nil {
		return "", err
	}
	if _, err := s.store.CreateOp(ctx, all(in.Projects), models.Entry{UUID: opID, Body: body, Admin: admin}); err != nil {
		_ = s.store.ReleaseOp(context.WithoutCancel(ctx), opID, s.owner)
		return "", err
	}
	_, err = s.modifyNS(ctx, scope, id, func(st *nsState) error {
		if err := busy(id, *st); err != nil {
			return err
		}
		if _, err := kind.Plan(*st); err != nil { // the NS moved on since it was read
			return err
		}
		st.CurrentOperationID, st.CurrentOperation = &opID, labelOf(kind.Type)
		if vim, ok := params["vimAccountId"].(string); ok && kind.Type == "instantiate" {
			st.VIMAccountID = vim // before its VNFs are made on it
		}
		st.ErrorDescription, st.ErrorDetail = nil, nil
		st.addHistory(historyEntry{Time: now, Operation: opID, Type: kind.Type, State: opProcessing})
		return nil
	})
	if err != nil {
		bg := context.WithoutCancel(ctx)
		_ = s.store.DeleteOp(bg, opID)
		_ = s.store.ReleaseOp(bg, opID, s.owner)
		return "", err
	}
	s.log.InfoContext(ctx, "NS operation started", "op", opID, "ns", id, "type", kind.Type, "steps", len(plan))
	s.wg.Add(1)
	go s.run(opID)
	return opID, nil
}

// busy refuses (409) an operation on an NS that runs one.
func busy(id string, st nsState) error {
	if st.CurrentOperationID != nil {
		return conflict("NS instance %s is running operation %s (%s): wait for it to end, cancel it, or retry it if it is FAILED_TEMP", id, *st.CurrentOperationID, st.CurrentOperation)
	}
	return nil
}

// modifyNS changes an NS instance's state and writes its record from it.
func (s *Service) modifyNS(ctx context.Context, scope models.Scope, id string, fn func(*nsState) error) (nsState, error) {
	st, err := modifyState(s, ctx, scope, models.KindNSR, id, nsOf, nsrFields, fn)
	return st, nsNotFound(err, id)
}

// modifyState changes the lifecycle state of record id in one write, and
// the record's fields as fields derives them from it (mapping.go), the
// record checked against its schema.
func modifyState[T any](s *Service, ctx context.Context, scope models.Scope, kind models.Kind, id string,
	decode func(models.Instance) (T, error), fields func(map[string]any, string, T), fn func(*T) error) (T, error) {
	var out T
	_, err := s.store.ModifyInstance(ctx, scope, kind, id, func(in *models.Instance) error {
		st, err := decode(*in)
		if err != nil {
			return err
		}
		if err := fn(&st); err != nil {
			return err
		}
		f, err := in.Record.Fields()
		if err != nil {
			return fmt.Errorf("nslcm: %s %s: %w", kind.Singular(), id, err)
		}
		fields(f, id, st)
		rec, err := s.records.Check(ctx, kind, f)
		if err != nil {
			return err
		}
		if in.State, err = encodeState(st); err != nil {
			return err
		}
		in.Record.Body = rec.Body
		out = st
		return nil
	})
	return out, err
}

// needState refuses (409) an operation the NS's state does not allow.
func needState(st nsState, what string, allowed ...string) error {
	if !slices.Contains(allowed, st.NSState) {
		return conflict("NS instance is %s: it cannot be %s (it must be %s)", st.NSState, what, strings.Join(allowed, " or "))
	}
	return nil
}

// Instantiate deploys an NS instance's VNFs: a VNFR per member, then each
// placed. params may name another vimAccountId.
func (s *Service) Instantiate(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error) {
	vim, err := str(params, "vimAccountId", false)
	if err != nil {
		return "", err
	}
	if vim != "" {
		if err := s.checkVIM(ctx, scope, "/vimAccountId", vim); err != nil {
			return "", err
		}
	}
	return s.start(ctx, scope, id, params, opKind{Type: "instantiate", Plan: func(st nsState) ([]step, error) {
		if err := needState(st, "instantiated", nsNotInstantiated); err != nil {
			return nil, err
		}
		var plan []step
		for _, m := range st.Members {
			plan = append(plan, step{Do: doCreateVNF, Member: m.Index})
		}
		for _, m := range st.Members {
			plan = append(plan, step{Do: doDeployVNF, Member: m.Index})
		}
		return append(plan, step{Do: doFinish}), nil
	}})
}

// Terminate releases an NS instance's VNFs; its records stay, terminated.
func (s *Service) Terminate(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error) {
	remove := false
	if v, ok := params["autoremove"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return "", invalid("/autoremove", "must be true or false")
		}
		remove = b
	}
	return s.terminate(ctx, scope, id, params, remove)
}

func (s *Service) terminate(ctx context.Context, scope models.Scope, id string, params map[string]any, remove bool) (string, error) {
	return s.start(ctx, scope, id, params, opKind{Type: "terminate", Plan: func(st nsState) ([]step, error) {
		if err := needState(st, "terminated", nsInstantiated, nsBroken); err != nil && !remove {
			return nil, err
		}
		var plan []step
		for _, m := range st.Members {
			if m.VNFR != "" {
				plan = append(plan, step{Do: doReleaseVNF, Member: m.Index})
			}
		}
		plan = append(plan, step{Do: doFinish})
		if remove {
			plan = append(plan, step{Do: doRemoveNS})
		}
		return plan, nil
	}})
}

// vnfOfMember reads the VNF instance of an NS's member.
func (s *Service) vnfOfMember(ctx context.Context, st nsState, idx string) (models.Instance, vnfState, error) {
	m, ok := st.member(idx)
	if !ok || m.VNFR == "" {
		return models.Instance{}, vnfState{}, invalid("/member_vnf_index", "names member %s, which the NS does not have", models.Quote(idx))
	}
	in, err := s.store.GetInstance(ctx, all(nil), models.KindVNFR, m.VNFR)
	if err != nil {
		return models.Instance{}, vnfState{}, err
	}
	v, err := vnfOf(in)
	return in, v, err
}

// Action runs a primitive the descriptors declare: the NSD's, or with
// member_vnf_index the VNFD's (a VDU's with vdu_id).
func (s *Service) Action(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error) {
	prim, err := str(params, "primitive", true)
	if err != nil {
		return "", err
	}
	idx, err := str(params, "member_vnf_index", false)
	if err != nil {
		return "", err
	}
	vdu, err := str(params, "vdu_id", false)
	if err != nil {
		return "", err
	}
	given := map[string]any{}
	if raw, ok := params["primitive_params"]; ok && raw != nil {
		if given, ok = raw.(map[string]any); !ok {
			return "", invalid("/primitive_params", "must be an object of the primitive's parameters")
		}
	}
	return s.start(ctx, scope, id, params, opKind{Type: "action", Plan: func(st nsState) ([]step, error) {
		if err := needState(st, "acted on", nsInstantiated); err != nil {
			return nil, err
		}
		declared, where := st.Primitives, "the NSD"
		if idx != "" {
			_, v, err := s.vnfOfMember(ctx, st, idx)
			if err != nil {
				return nil, err
			}
			declared, where = v.VNFD.Primitives, "VNFD "+models.Quote(v.VNFDRef)
			if vdu != "" {
				where += " for VDU " + models.Quote(vdu)
			}
		} else if vdu != "" {
			return nil, invalid("/vdu_id", "needs member_vnf_index: a VDU belongs to a VNF")
		}
		var p *catalogue.Primitive
		var names []string
		for i, d := range declared {
			if d.VDU != vdu {
				continue
			}
			names = append(names, d.Name)
			if d.Name == prim {
				p = &declared[i]
			}
		}
		if p == nil {
			known := "none"
			if len(names) > 0 {
				known = strings.Join(names, ", ")
			}
			return nil, invalid("/primitive", "%s is not a primitive of %s (it declares: %s)", models.Quote(prim), where, known)
		}
		for k := range given {
			if !slices.Contains(p.Params, k) {
				return nil, invalid("/primitive_params/"+k, "is not a parameter of primitive %s (it takes: %s)", models.Quote(prim), strings.Join(append([]string{}, p.Params...), ", "))
			}
		}
		return []step{{Do: doAction, Member: idx}, {Do: doFinish}}, nil
	}})
}

// scaleRequest is a scale body, decoded.
type scaleRequest struct {
	Out    bool
	Group  string
	Member string
}

func parseScale(params map[string]any) (scaleRequest, error) {
	if t, err := str(params, "scaleType", true); err != nil {
		return scaleRequest{}, err
	} else if t != "SCALE_VNF" {
		return scaleRequest{}, invalid("/scaleType", "must be SCALE_VNF, not %s", models.Quote(t))
	}
	data, ok := params["scaleVnfData"].(map[string]any)
	if !ok {
		return scaleRequest{}, invalid("/scaleVnfData", "is required: {scaleVnfType, scaleByStepData: {scaling-group-descriptor, member-vnf-index}}")
	}
	var r scaleRequest
	switch t, _ := data["scaleVnfType"].(string); t {
	case "SCALE_OUT":
		r.Out = true
	case "SCALE_IN":
	default:
		return scaleRequest{}, invalid("/scaleVnfData/scaleVnfType", "must be SCALE_OUT or SCALE_IN")
	}
	by, ok := data["scaleByStepData"].(map[string]any)
	if !ok {
		return scaleRequest{}, invalid("/scaleVnfData/scaleByStepData", "is required: {scaling-group-descriptor, member-vnf-index}")
	}
	var err error
	if r.Group, err = str(by, "scaling-group-descriptor", true); err != nil {
		return scaleRequest{}, invalid("/scaleVnfData/scaleByStepData/scaling-group-descriptor", "is required: the name of a scaling group of the VNFD")
	}
	if r.Member, err = str(by, "member-vnf-index", true); err != nil {
		return scaleRequest{}, invalid("/scaleVnfData/scaleByStepData/member-vnf-index", "is required: the member index of the VNF to scale")
	}
	return r, nil
}

// level is a scaling group's current level in a VNF (its minimum until
// it was scaled).
func level(v vnfState, g catalogue.ScalingGroup) int {
	if n, ok := v.ScaleLevels[g.Name]; ok {
		return n
	}
	return g.Min
}

// groupOf is the VNF's scaling group of that name.
func groupOf(v vnfState, name string) (catalogue.ScalingGroup, error) {
	var names []string
	for _, g := range v.VNFD.ScalingGroups {
		if g.Name == name {
			return g, nil
		}
		names = append(names, g.Name)
	}
	known := "none"
	if len(names) > 0 {
		known = strings.Join(names, ", ")
	}
	return catalogue.ScalingGroup{}, invalid("/scaleVnfData/scaleByStepData/scaling-group-descriptor", "%s is not a scaling group of VNFD %s (it has: %s)", models.Quote(name), models.Quote(v.VNFDRef), known)
}

// Scale adds (SCALE_OUT) or removes (SCALE_IN) a replica of each VDU of
// a scaling group of one VNF, within the group's minimum and maximum.
func (s *Service) Scale(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error) {
	r, err := parseScale(params)
	if err != nil {
		return "", err
	}
	return s.start(ctx, scope, id, params, opKind{Type: "scale", Plan: func(st nsState) ([]step, error) {
		if err := needState(st, "scaled", nsInstantiated); err != nil {
			return nil, err
		}
		_, v, err := s.vnfOfMember(ctx, st, r.Member)
		if err != nil {
			return nil, invalid("/scaleVnfData/scaleByStepData/member-vnf-index", "names member %s, which the NS does not have", models.Quote(r.Member))
		}
		g, err := groupOf(v, r.Group)
		if err != nil {
			return nil, err
		}
		switch n := level(v, g); {
		case r.Out && n >= g.Max:
			return nil, invalid("/scaleVnfData/scaleVnfType", "scaling group %s is at its maximum (%d steps): it cannot scale out", models.Quote(g.Name), g.Max)
		case !r.Out && n <= g.Min:
			return nil, invalid("/scaleVnfData/scaleVnfType", "scaling group %s is at its minimum (%d steps): it cannot scale in", models.Quote(g.Name), g.Min)
		}
		plan := []step{{Do: doScale, Member: r.Member}}
		if r.Out {
			plan = append(plan, step{Do: doDeployVNF, Member: r.Member})
		}
		return append(plan, step{Do: doFinish}), nil
	}})
}

// healTarget is a VNF to heal and its units (nil: all).
type healTarget struct {
	VNF   string
	Units []unitRef
}

type unitRef struct {
	VDU        string `json:"vdu-id"`
	CountIndex *int   `json:"count-index"`
}

// parseHeal reads OSM's heal body: healVnfData, a list of {vnfInstanceId,
// cause, additionalParams: {vdu: [{vdu-id, count-index}]}}, or one such
// object at the top.
func parseHeal(params map[string]any) ([]healTarget, error) {
	var items []any
	switch raw := params["healVnfData"].(type) {
	case []any:
		items = raw
	case nil:
		if _, ok := params["vnfInstanceId"]; ok {
			items = []any{map[string]any(params)}
		}
	default:
		return nil, invalid("/healVnfData", "must be a list of {vnfInstanceId, additionalParams: {vdu: [...]}}")
	}
	if len(items) == 0 {
		return nil, invalid("/healVnfData", "is required: a list of {vnfInstanceId, additionalParams: {vdu: [...]}}")
	}
	var out []healTarget
	for i, it := range items {
		p := fmt.Sprintf("/healVnfData/%d", i)
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, invalid(p, "must be an object {vnfInstanceId, additionalParams}")
		}
		vnf, ok := obj["vnfInstanceId"].(string)
		if !ok || vnf == "" {
			return nil, invalid(p+"/vnfInstanceId", "is required: the id of a VNF instance of the NS")
		}
		t := healTarget{VNF: vnf}
		if ap, ok := obj["additionalParams"].(map[string]any); ok {
			if vdus, ok := ap["vdu"]; ok {
				raw, err := json.Marshal(vdus)
				if err != nil || json.Unmarshal(raw, &t.Units) != nil {
					return nil, invalid(p+"/additionalParams/vdu", "must be a list of {vdu-id, count-index}")
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// Heal places again the units of VNFs (all of a VNF's, or those named).
func (s *Service) Heal(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error) {
	targets, err := parseHeal(params)
	if err != nil {
		return "", err
	}
	return s.start(ctx, scope, id, params, opKind{Type: "heal", Plan: func(st nsState) ([]step, error) {
		if err := needState(st, "healed", nsInstantiated); err != nil {
			return nil, err
		}
		var plan, deploys []step
		for i, t := range targets {
			var m *member
			for j := range st.Members {
				if st.Members[j].VNFR == t.VNF {
					m = &st.Members[j]
				}
			}
			if m == nil {
				return nil, invalid(fmt.Sprintf("/healVnfData/%d/vnfInstanceId", i), "names %s, which is not a VNF instance of this NS", models.Quote(t.VNF))
			}
			_, v, err := s.vnfOfMember(ctx, st, m.Index)
			if err != nil {
				return nil, err
			}
			for j, u := range t.Units {
				if !slices.ContainsFunc(v.VDUR, func(r vdur) bool {
					return r.VDU == u.VDU && r.Status != vduDeleted && (u.CountIndex == nil || r.CountIndex == *u.CountIndex)
				}) {
					return nil, invalid(fmt.Sprintf("/healVnfData/%d/additionalParams/vdu/%d", i, j), "names no unit of the VNF (vdu-id %s)", models.Quote(u.VDU))
				}
			}
			plan = append(plan, step{Do: doHeal, Member: m.Index})
			deploys = append(deploys, step{Do: doDeployVNF, Member: m.Index})
		}
		return append(append(plan, deploys...), step{Do: doFinish}), nil
	}})
}

// healTargets are an op's heal targets, from its parameters.
func healTargets(o op) []healTarget {
	t, _ := parseHeal(o.OperationParams)
	return t
}

// update moves an instantiated NS to another NSD (the Gatekeeper's update
// request): VNFs of member indexes the new NSD drops are removed, those
// it adds are created and deployed, the others kept.
func (s *Service) update(ctx context.Context, scope models.Scope, id, nsdID, request, opID string) error {
	nsd, err := s.nsdOf(ctx, scope, "/latest_nsd_id", nsdID)
	if err != nil {
		return err
	}
	members, err := s.membersOf(ctx, scope, nsd)
	if err != nil {
		return err
	}
	params := map[string]any{"nsdId": nsdID, "request": request}
	_, err = s.start(ctx, scope, id, params, opKind{Type: "update", ID: opID, Members: members, Request: request,
		NSD: &nsdTarget{ID: nsdID, Ref: nsd.ID, Name: nsd.Name, Primitives: nsd.Primitives}, Plan: func(st nsState) ([]step, error) {
			if err := needState(st, "updated", nsInstantiated); err != nil {
				return nil, err
			}
			var plan, deploys []step
			for _, m := range st.Members {
				if !slices.ContainsFunc(members, func(n member) bool { return n.Index == m.Index }) {
					plan = append(plan, step{Do: doRemoveVNF, Member: m.Index})
				}
			}
			for _, n := range members {
				if _, ok := st.member(n.Index); !ok {
					plan = append(plan, step{Do: doCreateVNF, Member: n.Index})
					deploys = append(deploys, step{Do: doDeployVNF, Member: n.Index})
				}
			}
			plan = append(plan, step{Do: doRetarget})
			return append(append(plan, deploys...), step{Do: doFinish}), nil
		}})
	return err
}
