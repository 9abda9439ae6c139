package nslcm

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// The steps of operations: each safe to run again, each written before
// the next runs (runner.go).

// do runs one step of o, and says what came of it ("" when nothing worth
// showing).
func (s *Service) do(ctx context.Context, o op, st step) (string, error) {
	switch st.Do {
	case doCreateVNF:
		return "", s.createVNF(ctx, o, st.Member)
	case doDeployVNF:
		return "", s.deployVNF(ctx, o, st.Member)
	case doReleaseVNF:
		return "", s.releaseVNF(ctx, o, st.Member, false)
	case doRemoveVNF:
		return "", s.releaseVNF(ctx, o, st.Member, true)
	case doAction:
		return s.runAction(ctx, o, st.Member)
	case doScale:
		return "", s.scaleVNF(ctx, o, st.Member)
	case doHeal:
		return "", s.unplace(ctx, o, st.Member)
	case doRetarget:
		return "", s.retarget(ctx, o)
	case doFinish:
		return "", s.finish(ctx, o)
	case doRemoveNS:
		return "", s.removeDone(ctx, o)
	}
	return "", fmt.Errorf("nslcm: unknown step %q", st.Do)
}

// nsFor reads the NS an operation acts on.
func (s *Service) nsFor(ctx context.Context, o op) (models.Instance, nsState, error) {
	return s.loadNS(ctx, all(nil), o.NSInstanceID)
}

// memberFor is the member idx of the NS, or of the NSD an update moves to.
func memberFor(o op, st nsState, idx string) (member, error) {
	if m, ok := st.member(idx); ok {
		return *m, nil
	}
	for _, m := range o.progress.Members {
		if m.Index == idx {
			return m, nil
		}
	}
	return member{}, models.Errorf(models.CodeConflict, "the NS has no member %s", models.Quote(idx))
}

// vnfrID is the VNFR of an NS's member: the same for every run of a step.
func vnfrID(ns, idx string) string {
	base, err := uuid.Parse(ns)
	if err != nil {
		base = uuid.NameSpaceOID
	}
	return uuid.NewSHA1(base, []byte("vnf/"+idx)).String()
}

// unitID is a unit's id: the same for every run of the step making it.
func unitID(vnfr, vdu string, index int, salt string) string {
	base, err := uuid.Parse(vnfr)
	if err != nil {
		base = uuid.NameSpaceOID
	}
	return uuid.NewSHA1(base, fmt.Appendf(nil, "%s/%d/%s", vdu, index, salt)).String()
}

// applied records that op changed a VNF's units (the last few kept).
func (v *vnfState) applied(op string) bool { return slices.Contains(v.Applied, op) }

func (v *vnfState) apply(op string) {
	v.Applied = append(v.Applied, op)
	if n := len(v.Applied); n > 10 {
		v.Applied = v.Applied[n-10:]
	}
}

// createVNF writes the VNFR of member idx, undeployed (afresh when a
// terminated one is there), and links it from the NSR.
func (s *Service) createVNF(ctx context.Context, o op, idx string) error {
	ns, st, err := s.nsFor(ctx, o)
	if err != nil {
		return err
	}
	m, err := memberFor(o, st, idx)
	if err != nil {
		return err
	}
	entry, err := s.catalogue.Get(ctx, all(nil), catalogue.VNFD, m.VNFDID)
	if err != nil {
		if isCode(err, models.CodeNotFound) {
			return models.Errorf(models.CodeUnprocessable, "VNFD %s (%s) is no longer in the catalogue", models.Quote(m.VNFD), m.VNFDID)
		}
		return err
	}
	d, err := descriptorOf(entry)
	if err != nil {
		return err
	}
	id := vnfrID(ns.UUID, idx)
	fresh := vnfState{NSRIDRef: ns.UUID, MemberIndex: idx, VNFDRef: m.VNFD, VNFDID: m.VNFDID, VIMAccountID: st.VIMAccountID,
		CreatedTime: s.epoch(), NSState: nsNotInstantiated, VNFD: d, Applied: []string{o.ID}}
	for _, u := range d.VDUs {
		for i := range max(u.Count, 1) {
			fresh.VDUR = append(fresh.VDUR, vdur{ID: unitID(id, u.ID, i, ""), VDU: u.ID, CountIndex: i, Status: vduBuilding})
		}
	}
	if _, err := s.store.GetInstance(ctx, all(nil), models.KindVNFR, id); isCode(err, models.CodeNotFound) {
		rec, err := s.vnfrBody(ctx, id, nil, fresh)
		if err != nil {
			return err
		}
		raw, err := encodeState(fresh)
		if err != nil {
			return err
		}
		if _, err := s.store.CreateInstance(ctx, all(ns.Projects), models.KindVNFR, rec, raw); err != nil && !isCode(err, models.CodeConflict) {
			return err
		}
	} else if err != nil {
		return err
	} else if err := s.modifyVNF(ctx, id, func(v *vnfState) error {
		if !v.applied(o.ID) {
			*v = fresh
		}
		return nil
	}); err != nil {
		return err
	}
	_, err = s.modifyNS(ctx, all(nil), ns.UUID, func(st *nsState) error {
		if cur, ok := st.member(idx); ok {
			cur.VNFR = id
		} else {
			m.VNFR = id
			st.Members = append(st.Members, m)
		}
		return nil
	})
	return err
}

// modifyVNF changes a VNF instance's state and writes its record from it.
func (s *Service) modifyVNF(ctx context.Context, id string, fn func(*vnfState) error) error {
	_, err := modifyState(s, ctx, all(nil), models.KindVNFR, id, vnfOf, vnfrFields, fn)
	return err
}

// vnfFor reads the VNF instance of member idx of the NS o acts on.
func (s *Service) vnfFor(ctx context.Context, o op, idx string) (nsState, member, vnfState, error) {
	_, st, err := s.nsFor(ctx, o)
	if err != nil {
		return nsState{}, member{}, vnfState{}, err
	}
	m, ok := st.member(idx)
	if !ok || m.VNFR == "" {
		return st, member{}, vnfState{}, models.Errorf(models.CodeConflict, "the NS has no VNF of member %s", models.Quote(idx))
	}
	in, err := s.store.GetInstance(ctx, all(nil), models.KindVNFR, m.VNFR)
	if err != nil {
		return st, *m, vnfState{}, err
	}
	v, err := vnfOf(in)
	return st, *m, v, err
}

func managed(id string, v vnfState) VNF {
	return VNF{ID: id, NS: v.NSRIDRef, MemberIndex: v.MemberIndex, VIMAccount: v.VIMAccountID, VNFD: v.VNFD}
}

func unitOf(r vdur) Unit {
	u := Unit{ID: r.ID, VDU: r.VDU, CountIndex: r.CountIndex, VIMID: r.VIMID}
	if r.IPAddress != nil {
		u.Address = *r.IPAddress
	}
	return u
}

// deployVNF places the units of member idx's VNF that are not placed.
func (s *Service) deployVNF(ctx context.Context, o op, idx string) error {
	_, m, v, err := s.vnfFor(ctx, o, idx)
	if err != nil {
		return err
	}
	var todo []Unit
	for _, r := range v.VDUR {
		if r.Status != vduDeleted && r.VIMID == "" {
			todo = append(todo, unitOf(r))
		}
	}
	placed := map[string]Unit{}
	if len(todo) > 0 {
		out, err := s.vnfm.Place(ctx, managed(m.VNFR, v), todo)
		if err != nil {
			return fmt.Errorf("the VNF manager could not place the units of VNF %s: %w", m.VNFR, err)
		}
		for _, u := range out {
			placed[u.ID] = u
		}
	}
	return s.modifyVNF(ctx, m.VNFR, func(v *vnfState) error {
		for i, r := range v.VDUR {
			if u, ok := placed[r.ID]; ok && r.VIMID == "" {
				addr := u.Address
				v.VDUR[i].VIMID, v.VDUR[i].Status = u.VIMID, vduActive
				if addr != "" {
					v.VDUR[i].IPAddress = &addr
				}
			}
		}
		v.Deployed, v.Failed, v.Terminated, v.NSState = true, false, false, nsInstantiated
		return nil
	})
}

// releaseVNF releases every unit of member idx's VNF: its record stays,
// terminated, or is deleted (remove).
func (s *Service) releaseVNF(ctx context.Context, o op, idx string, remove bool) error {
	_, m, v, err := s.vnfFor(ctx, o, idx)
	if isCode(err, models.CodeNotFound) && remove {
		return nil // removed by the run this one repeats
	}
	if err != nil {
		return err
	}
	var units []Unit
	for _, r := range v.VDUR {
		if r.Status != vduDeleted {
			units = append(units, unitOf(r))
		}
	}
	if len(units) > 0 {
		if err := s.vnfm.Release(ctx, managed(m.VNFR, v), units); err != nil {
			return fmt.Errorf("the VNF manager could not release VNF %s: %w", m.VNFR, err)
		}
	}
	if remove {
		if err := s.store.DeleteInstance(ctx, all(nil), models.KindVNFR, m.VNFR); err != nil && !isCode(err, models.CodeNotFound) {
			return err
		}
		return nil
	}
	return s.modifyVNF(ctx, m.VNFR, func(v *vnfState) error {
		for i := range v.VDUR {
			v.VDUR[i].Status, v.VDUR[i].IPAddress = vduDeleted, nil
		}
		v.Deployed, v.Terminated, v.NSState = false, true, nsNotInstantiated
		return nil
	})
}

// runAction runs the operation's primitive.
func (s *Service) runAction(ctx context.Context, o op, idx string) (string, error) {
	p := o.OperationParams
	prim, _ := p["primitive"].(string)
	params, _ := p["primitive_params"].(map[string]any)
	if idx == "" {
		return s.vnfm.Run(ctx, VNF{NS: o.NSInstanceID}, nil, prim, params)
	}
	_, m, v, err := s.vnfFor(ctx, o, idx)
	if err != nil {
		return "", err
	}
	var unit *Unit
	if vdu, _ := p["vdu_id"].(string); vdu != "" {
		want := 0
		if n, err := countIndex(p["vdu_count_index"]); err == nil {
			want = n
		}
		for _, r := range v.VDUR {
			if r.VDU == vdu && r.CountIndex == want && r.Status != vduDeleted {
				u := unitOf(r)
				unit = &u
			}
		}
		if unit == nil {
			return "", models.Errorf(models.CodeUnprocessable, "VNF %s has no unit %s-%d", m.VNFR, vdu, want)
		}
	}
	out, err := s.vnfm.Run(ctx, managed(m.VNFR, v), unit, prim, params)
	if err != nil {
		return "", fmt.Errorf("the VNF manager could not run %q: %w", prim, err)
	}
	return out, nil
}

// countIndex reads a count index given as a number or a string.
func countIndex(v any) (int, error) {
	var n int
	_, err := fmt.Sscan(fmt.Sprint(v), &n)
	return n, err
}

// scaleVNF adds (out) or releases (in) a replica of each VDU of the
// operation's scaling group.
func (s *Service) scaleVNF(ctx context.Context, o op, idx string) error {
	r, err := parseScale(o.OperationParams)
	if err != nil {
		return err
	}
	_, m, v, err := s.vnfFor(ctx, o, idx)
	if err != nil {
		return err
	}
	if v.applied(o.ID) {
		return nil
	}
	g, err := groupOf(v, r.Group)
	if err != nil {
		return err
	}
	n := level(v, g)
	if (r.Out && n >= g.Max) || (!r.Out && n <= g.Min) {
		return models.Errorf(models.CodeConflict, "scaling group %s is at level %d, between %d and %d: scaled by another operation meanwhile", models.Quote(g.Name), n, g.Min, g.Max)
	}
	var gone []Unit
	if !r.Out {
		for _, vdu := range g.VDUs {
			last := -1
			for i, u := range v.VDUR {
				if u.VDU == vdu && u.Status != vduDeleted && (last < 0 || u.CountIndex > v.VDUR[last].CountIndex) {
					last = i
				}
			}
			if last >= 0 {
				gone = append(gone, unitOf(v.VDUR[last]))
			}
		}
		if err := s.vnfm.Release(ctx, managed(m.VNFR, v), gone); err != nil {
			return fmt.Errorf("the VNF manager could not release units of VNF %s: %w", m.VNFR, err)
		}
	}
	return s.modifyVNF(ctx, m.VNFR, func(v *vnfState) error {
		if v.applied(o.ID) {
			return nil
		}
		if v.ScaleLevels == nil {
			v.ScaleLevels = map[string]int{}
		}
		if r.Out {
			for _, vdu := range g.VDUs {
				next := 0
				for _, u := range v.VDUR {
					if u.VDU == vdu && u.CountIndex >= next {
						next = u.CountIndex + 1
					}
				}
				v.VDUR = append(v.VDUR, vdur{ID: unitID(m.VNFR, vdu, next, o.ID), VDU: vdu, CountIndex: next, Status: vduBuilding})
			}
			v.ScaleLevels[g.Name] = level(*v, g) + 1
		} else {
			v.VDUR = slices.DeleteFunc(v.VDUR, func(u vdur) bool {
				return slices.ContainsFunc(gone, func(g Unit) bool { return g.ID == u.ID })
			})
			v.ScaleLevels[g.Name] = level(*v, g) - 1
		}
		v.apply(o.ID)
		return nil
	})
}

// unplace releases the units of member idx's VNF a heal names, to be
// placed again by the next step.
func (s *Service) unplace(ctx context.Context, o op, idx string) error {
	_, m, v, err := s.vnfFor(ctx, o, idx)
	if err != nil {
		return err
	}
	if v.applied(o.ID) {
		return nil
	}
	var refs []unitRef
	for _, t := range healTargets(o) {
		if t.VNF == m.VNFR {
			refs = append(refs, t.Units...)
		}
	}
	named := func(r vdur) bool {
		if r.Status == vduDeleted {
			return false
		}
		if len(refs) == 0 {
			return true
		}
		return slices.ContainsFunc(refs, func(u unitRef) bool {
			return u.VDU == r.VDU && (u.CountIndex == nil || *u.CountIndex == r.CountIndex)
		})
	}
	var units []Unit
	for _, r := range v.VDUR {
		if named(r) {
			units = append(units, unitOf(r))
		}
	}
	if err := s.vnfm.Release(ctx, managed(m.VNFR, v), units); err != nil {
		return fmt.Errorf("the VNF manager could not release units of VNF %s: %w", m.VNFR, err)
	}
	return s.modifyVNF(ctx, m.VNFR, func(v *vnfState) error {
		if v.applied(o.ID) {
			return nil
		}
		for i, r := range v.VDUR {
			if named(r) {
				v.VDUR[i].VIMID, v.VDUR[i].IPAddress, v.VDUR[i].Status = "", nil, vduBuilding
			}
		}
		v.apply(o.ID)
		return nil
	})
}

// retarget makes the NSR name the NSD an update moves to, and its
// members.
func (s *Service) retarget(ctx context.Context, o op) error {
	t := o.progress.NSD
	if t == nil {
		return fmt.Errorf("nslcm: update %s has no target NSD", o.ID)
	}
	_, err := s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		next := make([]member, 0, len(o.progress.Members))
		for _, n := range o.progress.Members {
			if cur, ok := st.member(n.Index); ok {
				n.VNFR = cur.VNFR
			}
			next = append(next, n)
		}
		st.Members, st.NSDID, st.NSDRef, st.NSDName, st.Primitives = next, t.ID, t.Ref, t.Name, t.Primitives
		return nil
	})
	return err
}

// finish writes the NS's end state and releases it.
func (s *Service) finish(ctx context.Context, o op) error {
	now := s.epoch()
	dep, err := s.deploymentOf(ctx, o)
	if err != nil {
		return err
	}
	_, err = s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		if st.CurrentOperationID == nil || *st.CurrentOperationID != o.ID {
			if st.CurrentOperationID == nil && slices.ContainsFunc(st.History, func(h historyEntry) bool {
				return h.Operation == o.ID && h.State == opCompleted
			}) {
				return nil // finished by the run this one repeats
			}
			return models.Errorf(models.CodeConflict, "the NS is no longer held by this operation")
		}
		st.CurrentOperationID, st.CurrentOperation = nil, idle
		st.ErrorDescription, st.ErrorDetail = nil, nil
		detail := "Done"
		switch o.LCMOperationType {
		case "instantiate", "update":
			st.NSState, st.Terminated, st.Degraded, st.ConfigStatus = nsInstantiated, false, false, "configured"
		case "terminate":
			st.NSState, st.Terminated, st.Degraded, st.ConfigStatus = nsNotInstantiated, true, false, "terminated"
			detail = "Terminated"
		case "action":
			detail = o.Detail
		case "scale", "heal":
			st.Degraded = false
		}
		st.DetailedStatus, st.Deployment = detail, dep
		st.addHistory(historyEntry{Time: now, Operation: o.ID, Type: o.LCMOperationType, State: opCompleted, Detail: detail})
		return nil
	})
	return err
}

// deploymentOf reads the VMs of the NS's VNFs, for its deploymentStatus.
func (s *Service) deploymentOf(ctx context.Context, o op) (*deployment, error) {
	_, st, err := s.nsFor(ctx, o)
	if err != nil {
		return nil, err
	}
	dep := &deployment{Nets: []any{}, VNFs: []deploymentVNF{}}
	for _, m := range st.Members {
		if m.VNFR == "" {
			continue
		}
		in, err := s.store.GetInstance(ctx, all(nil), models.KindVNFR, m.VNFR)
		if isCode(err, models.CodeNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		v, err := vnfOf(in)
		if err != nil {
			return nil, err
		}
		d := deploymentVNF{MemberIndex: m.Index, VNFR: m.VNFR, VMs: []deploymentVM{}}
		for _, r := range v.VDUR {
			d.VMs = append(d.VMs, deploymentVM{VDU: r.VDU, CountIndex: r.CountIndex, VIMID: r.VIMID, Status: r.Status})
		}
		dep.VNFs = append(dep.VNFs, d)
	}
	return dep, nil
}

// removeDone deletes the NS a terminate ended (ns_instances_content).
func (s *Service) removeDone(ctx context.Context, o op) error {
	_, st, err := s.nsFor(ctx, o)
	if isCode(err, models.CodeNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	err = s.removeNS(ctx, all(nil), o.NSInstanceID, st)
	if err != nil && !isCode(err, models.CodeNotFound) {
		return err
	}
	return s.removeOps(ctx, o)
}

// removeOps deletes the operations of the NS an ns_instances_content
// DELETE removed, this one last, as OSM does (osm ns-delete --wait polls
// this operation until it is gone). Its update requests keep their
// outcome: it was written to them when each operation ended.
func (s *Service) removeOps(ctx context.Context, o op) error {
	n, err := s.store.DeleteOpsOf(ctx, o.NSInstanceID, o.ID)
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "NS deleted with its operations", "ns", o.NSInstanceID, "operations", n+1)
	return errRemoved
}
