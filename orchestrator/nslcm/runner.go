package nslcm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// Running an operation: the runner holds the operation's lease, renews
// it while it works, and writes each step before the next. A step that
// fails for good ends the operation FAILED (the NS says why); one that
// fails for now (the database away, the replica stopping) leaves it
// PROCESSING for Recover to mark FAILED_TEMP once the lease expires.

// errLost is a runner finding its operation taken from it (marked
// FAILED_TEMP by a recovery while it was slow, or cancelled).
var errLost = errors.New("nslcm: the operation is no longer this runner's")

// run runs operation id while this replica holds its lease.
func (s *Service) run(id string) {
	defer s.wg.Done()
	ctx, stop := context.WithCancel(s.base)
	defer stop()
	if holder, err := s.store.TakeOp(ctx, id, s.owner, s.ttl); err != nil || holder != s.owner {
		return
	}
	crashed := false
	defer func() {
		if !crashed {
			_ = s.store.ReleaseOp(context.WithoutCancel(ctx), id, s.owner)
		}
	}()
	go s.heartbeat(ctx, id, stop)
	for {
		o, err := s.loadOp(ctx, id)
		if err != nil {
			s.log.WarnContext(ctx, "NS operation: cannot read it", "op", id, "error", err)
			return
		}
		if o.OperationState != opProcessing || o.progress.Runner != s.owner {
			return
		}
		if o.IsCancelPending {
			s.endFailed(ctx, o, opCancelled, "cancelled on request before "+stageOf(o.progress.Plan, o.progress.Next))
			return
		}
		if o.progress.Next >= len(o.progress.Plan) {
			if err := s.settle(ctx, o); err != nil {
				s.log.WarnContext(ctx, "NS operation: cannot release its NS", "op", id, "error", err)
				return
			}
			detail := o.Detail
			if detail == "" {
				detail = "Done"
			}
			if err := s.writeEnd(ctx, o.ID, opCompleted, detail, ""); err != nil {
				s.log.WarnContext(ctx, "NS operation: cannot complete it", "op", id, "error", err)
				return
			}
			s.log.InfoContext(ctx, "NS operation completed", "op", id, "ns", o.NSInstanceID, "type", o.LCMOperationType)
			return
		}
		st := o.progress.Plan[o.progress.Next]
		detail, err := s.do(ctx, o, st)
		if err != nil {
			if temporary(err) || ctx.Err() != nil {
				s.log.WarnContext(ctx, "NS operation stopped; it is FAILED_TEMP once its lease expires", "op", id, "step", st.String(), "error", err)
				return
			}
			s.failStep(ctx, o, st, err)
			return
		}
		if err := s.advance(ctx, id, detail); err != nil {
			s.log.WarnContext(ctx, "NS operation: cannot record its step", "op", id, "step", st.String(), "error", err)
			return
		}
		if s.afterStep != nil {
			if err := s.afterStep(id, st.String()); err != nil {
				crashed = true // as a dead process: nothing more written, the lease left to expire
				return
			}
		}
	}
}

// errUnchanged is a change that finds nothing to change.
var errUnchanged = errors.New("nslcm: nothing to change")

// settle leaves the NS of a completed operation as its finish step did:
// a retry of an operation cut short after that step may have claimed it
// again, and a recovery written an error that no longer holds.
func (s *Service) settle(ctx context.Context, o op) error {
	_, err := s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		changed := false
		if st.CurrentOperationID != nil && *st.CurrentOperationID == o.ID {
			st.CurrentOperationID, st.CurrentOperation, changed = nil, idle, true
		}
		if st.ErrorDescription != nil && strings.Contains(*st.ErrorDescription, o.ID) {
			st.ErrorDescription, st.ErrorDetail, changed = nil, nil, true
			st.DetailedStatus = "Done"
		}
		if !changed {
			return errUnchanged
		}
		return nil
	})
	if errors.Is(err, errUnchanged) || isCode(err, models.CodeNotFound) {
		return nil
	}
	return err
}

// heartbeat renews the lease of a running operation until ctx ends, and
// stops the run when the lease is lost.
func (s *Service) heartbeat(ctx context.Context, id string, stop context.CancelFunc) {
	t := time.NewTicker(max(s.ttl/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			holder, err := s.store.TakeOp(ctx, id, s.owner, s.ttl)
			if err == nil && holder != s.owner {
				stop()
				return
			}
		}
	}
}

// temporary reports whether err may pass by itself: the database away
// or full, a deadline, a stop.
func temporary(err error) bool {
	var me *models.Error
	if errors.As(err, &me) {
		switch me.Code {
		case models.CodeUnavailable, models.CodeTimeout, models.CodeCanceled, models.CodeStorageFull:
			return true
		}
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (s *Service) loadOp(ctx context.Context, id string) (op, error) {
	e, err := s.store.GetOp(ctx, all(nil), id)
	if err != nil {
		return op{}, err
	}
	return opOf(e.Body, e.Admin)
}

// modifyOp changes an operation in one write.
func (s *Service) modifyOp(ctx context.Context, scope models.Scope, id string, fn func(*op) error) (op, error) {
	var out op
	_, err := s.store.ModifyOp(ctx, scope, id, func(e *models.Entry) error {
		o, err := opOf(e.Body, e.Admin)
		if err != nil {
			return err
		}
		if err := fn(&o); err != nil {
			return err
		}
		if e.Body, e.Admin, err = o.encode(); err != nil {
			return err
		}
		out = o
		return nil
	})
	return out, err
}

// advance records a step done: the next one is what a retry runs.
func (s *Service) advance(ctx context.Context, id, detail string) error {
	_, err := s.modifyOp(ctx, all(nil), id, func(o *op) error {
		if o.OperationState != opProcessing || o.progress.Runner != s.owner {
			return errLost
		}
		o.progress.Next++
		o.Stage = stageOf(o.progress.Plan, o.progress.Next)
		if detail != "" {
			o.Detail = detail
		}
		return nil
	})
	return err
}

// writeEnd ends an operation in state with detail (and errMsg when it
// did not complete).
func (s *Service) writeEnd(ctx context.Context, id, state, detail, errMsg string) error {
	now := s.epoch()
	_, err := s.modifyOp(ctx, all(nil), id, func(o *op) error {
		if o.OperationState != opProcessing && o.OperationState != opFailedTemp {
			return errLost
		}
		o.OperationState, o.StatusEnteredTime, o.Stage, o.Detail = state, now, "", detail
		o.IsCancelPending = false
		if errMsg != "" {
			o.ErrorMessage = &errMsg
		}
		o.progress.History = append(o.progress.History, historyEntry{Time: now, State: state, Detail: detail})
		return nil
	})
	return err
}

// failStep ends an operation whose step failed for good: FAILED, or
// ROLLED_BACK for a scale step (which changes nothing when it fails).
func (s *Service) failStep(ctx context.Context, o op, st step, err error) {
	msg := err.Error()
	var me *models.Error
	if errors.As(err, &me) {
		msg = me.Detail
		if me.Code == models.CodeInternal {
			s.log.ErrorContext(ctx, "NS operation failed", "op", o.ID, "step", st.String(), "error", err)
		}
	}
	outcome := opFailed
	if st.Do == doScale {
		outcome = opRolledBack
	}
	s.endFailed(ctx, o, outcome, fmt.Sprintf("%s failed: %s", st, msg))
}

// endFailed ends an operation that did not complete: the NS is released
// with the outcome, then the operation ends.
func (s *Service) endFailed(ctx context.Context, o op, outcome, msg string) {
	now := s.epoch()
	_, err := s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		if st.CurrentOperationID == nil || *st.CurrentOperationID != o.ID {
			return nil
		}
		st.CurrentOperationID, st.CurrentOperation = nil, idle
		switch o.LCMOperationType {
		case "instantiate":
			if o.progress.Next > 0 {
				st.NSState = nsBroken
			}
		case "terminate", "update":
			st.NSState = nsBroken
		case "heal":
			st.Degraded = true
		}
		desc := fmt.Sprintf("operation %s (%s) is %s", o.ID, o.LCMOperationType, outcome)
		st.ErrorDescription, st.ErrorDetail, st.DetailedStatus = &desc, &msg, msg
		st.addHistory(historyEntry{Time: now, Operation: o.ID, Type: o.LCMOperationType, State: outcome, Detail: msg})
		return nil
	})
	if err != nil && !isCode(err, models.CodeNotFound) {
		s.log.WarnContext(ctx, "NS operation: cannot release its NS", "op", o.ID, "error", err)
		return
	}
	if err := s.writeEnd(ctx, o.ID, outcome, msg, msg); err != nil {
		s.log.WarnContext(ctx, "NS operation: cannot end it", "op", o.ID, "error", err)
		return
	}
	s.log.WarnContext(ctx, "NS operation ended", "op", o.ID, "state", outcome, "detail", msg)
}

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
	in, err := s.store.GetInstance(ctx, all(nil), models.KindNSR, o.NSInstanceID)
	if err != nil {
		return models.Instance{}, nsState{}, nsNotFound(err, o.NSInstanceID)
	}
	st, err := nsOf(in)
	return in, st, err
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
	_, err := s.store.ModifyInstance(ctx, all(nil), models.KindVNFR, id, func(in *models.Instance) error {
		v, err := vnfOf(*in)
		if err != nil {
			return err
		}
		if err := fn(&v); err != nil {
			return err
		}
		fields, err := in.Record.Fields()
		if err != nil {
			return fmt.Errorf("nslcm: VNF %s: %w", id, err)
		}
		rec, err := s.vnfrBody(ctx, id, fields, v)
		if err != nil {
			return err
		}
		if in.State, err = encodeState(v); err != nil {
			return err
		}
		in.Record.Body = rec.Body
		return nil
	})
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
	_, err := s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
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
			if vim, _ := o.OperationParams["vimAccountId"].(string); vim != "" {
				st.VIMAccountID = vim
			}
		case "terminate":
			st.NSState, st.Terminated, st.Degraded, st.ConfigStatus = nsNotInstantiated, true, false, "terminated"
			detail = "Terminated"
		case "action":
			detail = o.Detail
		case "scale", "heal":
			st.Degraded = false
		}
		st.DetailedStatus = detail
		st.addHistory(historyEntry{Time: now, Operation: o.ID, Type: o.LCMOperationType, State: opCompleted, Detail: detail})
		return nil
	})
	return err
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
	if isCode(err, models.CodeNotFound) {
		return nil
	}
	return err
}

// ---- recovery, retry, cancel ---------------------------------------------

// processing selects the operations in progress.
func processing() filter.Expr {
	f, _ := filter.Where(filter.Options{}, filter.Condition{Path: []string{"operationState"}, Op: filter.OpEq, Value: opProcessing})
	return f
}

// Recover marks FAILED_TEMP every operation PROCESSING whose runner is
// gone (its lease expired), with the step it reached; one whose cancel
// was asked for ends CANCELLED. Any replica may run it at any time: it
// says how many it marked.
func (s *Service) Recover(ctx context.Context) (int, error) {
	page, err := s.store.ListOps(ctx, models.Scope{All: true}, filter.Query{Filter: processing(), Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range page.Items {
		if holder, err := s.store.OpHolder(ctx, e.UUID); err != nil || holder != "" {
			continue
		}
		marked, err := s.recoverOne(ctx, e.UUID)
		if err != nil {
			return n, err
		}
		if marked {
			n++
		}
	}
	return n, nil
}

func (s *Service) recoverOne(ctx context.Context, id string) (bool, error) {
	rescuer := "recover/" + s.owner
	if holder, err := s.store.TakeOp(ctx, id, rescuer, s.ttl); err != nil || holder != rescuer {
		return false, err
	}
	defer func() { _ = s.store.ReleaseOp(context.WithoutCancel(ctx), id, rescuer) }()
	o, err := s.loadOp(ctx, id)
	if err != nil || o.OperationState != opProcessing {
		return false, err
	}
	where := stageOf(o.progress.Plan, o.progress.Next)
	if o.IsCancelPending {
		s.endFailed(ctx, o, opCancelled, "cancelled on request; its runner had stopped at "+where)
		return true, nil
	}
	now := s.epoch()
	msg := fmt.Sprintf("the runner stopped at %s; POST /osm/nslcm/v1/ns_lcm_op_occs/%s/retry resumes it, /cancel ends it", where, id)
	if _, err := s.modifyOp(ctx, all(nil), id, func(o *op) error {
		if o.OperationState != opProcessing {
			return errLost
		}
		o.OperationState, o.StatusEnteredTime, o.Detail, o.ErrorMessage = opFailedTemp, now, msg, &msg
		o.progress.History = append(o.progress.History, historyEntry{Time: now, State: opFailedTemp, Detail: msg})
		return nil
	}); err != nil {
		if errors.Is(err, errLost) {
			return false, nil
		}
		return false, err
	}
	_, err = s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		desc := fmt.Sprintf("operation %s (%s) is FAILED_TEMP", id, o.LCMOperationType)
		st.ErrorDescription, st.ErrorDetail, st.DetailedStatus = &desc, &msg, msg
		st.addHistory(historyEntry{Time: now, Operation: id, Type: o.LCMOperationType, State: opFailedTemp, Detail: msg})
		return nil
	})
	if err != nil && !isCode(err, models.CodeNotFound) {
		return true, err
	}
	s.log.WarnContext(ctx, "NS operation FAILED_TEMP: its runner went away", "op", id, "stage", where)
	return true, nil
}

// Watch runs Recover every period until ctx ends.
func (s *Service) Watch(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Recover(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "NS operations: recovery pass failed", "error", err)
			}
		}
	}
}

// Retry resumes a FAILED_TEMP operation at the step it reached.
func (s *Service) Retry(ctx context.Context, scope models.Scope, id string) error {
	e, err := s.store.GetOp(ctx, scope, id)
	if err != nil {
		return err
	}
	o, err := opOf(e.Body, e.Admin)
	if err != nil {
		return err
	}
	if o.OperationState != opFailedTemp {
		return conflict("operation %s is %s: only a FAILED_TEMP operation can be retried", id, o.OperationState)
	}
	if holder, err := s.store.TakeOp(ctx, id, s.owner, s.ttl); err != nil {
		return err
	} else if holder != s.owner {
		return conflict("operation %s is being resumed by another replica", id)
	}
	release := func() { _ = s.store.ReleaseOp(context.WithoutCancel(ctx), id, s.owner) }
	now := s.epoch()
	if _, err := s.modifyOp(ctx, scope, id, func(o *op) error {
		if o.OperationState != opFailedTemp {
			return conflict("operation %s is %s: only a FAILED_TEMP operation can be retried", id, o.OperationState)
		}
		o.OperationState, o.StatusEnteredTime, o.ErrorMessage = opProcessing, now, nil
		o.Stage, o.Detail, o.progress.Runner = stageOf(o.progress.Plan, o.progress.Next), "", s.owner
		o.progress.History = append(o.progress.History, historyEntry{Time: now, State: opProcessing, Detail: "retried at " + o.Stage})
		return nil
	}); err != nil {
		release()
		return err
	}
	_, err = s.modifyNS(ctx, all(nil), o.NSInstanceID, func(st *nsState) error {
		if o.progress.Next >= len(o.progress.Plan) {
			return errUnchanged // every step done: only the operation is left to close
		}
		if st.CurrentOperationID != nil && *st.CurrentOperationID != id {
			return busy(o.NSInstanceID, *st)
		}
		st.CurrentOperationID, st.CurrentOperation = &id, labelOf(o.LCMOperationType)
		st.addHistory(historyEntry{Time: now, Operation: id, Type: o.LCMOperationType, State: opProcessing, Detail: "retried"})
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) && !(isCode(err, models.CodeNotFound) && onlyRemovalLeft(o)) {
		back := "could not resume: " + err.Error()
		_, _ = s.modifyOp(context.WithoutCancel(ctx), all(nil), id, func(o *op) error {
			o.OperationState, o.Detail = opFailedTemp, back
			return nil
		})
		release()
		return err
	}
	s.wg.Add(1)
	go s.run(id)
	return nil
}

// onlyRemovalLeft says an operation's remaining steps delete its NS (an
// NS already gone is then no reason not to resume).
func onlyRemovalLeft(o op) bool {
	for _, st := range o.progress.Plan[min(o.progress.Next, len(o.progress.Plan)):] {
		if st.Do != doRemoveNS {
			return false
		}
	}
	return true
}

// labelOf is currentOperation while an operation of type t runs.
func labelOf(t string) string {
	switch t {
	case "instantiate":
		return "INSTANTIATING"
	case "terminate":
		return "TERMINATING"
	case "action":
		return "RUNNING ACTION"
	case "scale":
		return "SCALING"
	case "heal":
		return "HEALING"
	case "update":
		return "UPDATING"
	}
	return t
}

// Cancel ends an operation that has not completed: a PROCESSING one at
// its next step (or by recovery, when its runner is gone), a FAILED_TEMP
// one at once. Other states are 409.
func (s *Service) Cancel(ctx context.Context, scope models.Scope, id string) error {
	e, err := s.store.GetOp(ctx, scope, id)
	if err != nil {
		return err
	}
	o, err := opOf(e.Body, e.Admin)
	if err != nil {
		return err
	}
	switch o.OperationState {
	case opProcessing:
		_, err := s.modifyOp(ctx, scope, id, func(o *op) error {
			if o.OperationState != opProcessing {
				return conflict("operation %s is %s: it can no longer be cancelled", id, o.OperationState)
			}
			o.IsCancelPending = true
			return nil
		})
		return err
	case opFailedTemp:
		if holder, err := s.store.TakeOp(ctx, id, s.owner, s.ttl); err != nil {
			return err
		} else if holder != s.owner {
			return conflict("operation %s is being resumed by another replica", id)
		}
		defer func() { _ = s.store.ReleaseOp(context.WithoutCancel(ctx), id, s.owner) }()
		s.endFailed(ctx, o, opCancelled, "cancelled on request at "+stageOf(o.progress.Plan, o.progress.Next))
		return nil
	}
	return conflict("operation %s is %s: only a PROCESSING or FAILED_TEMP operation can be cancelled", id, o.OperationState)
}

// ---- views of operations ---------------------------------------------------

// OpView renders an operation occurrence as OSM shows it.
func OpView(e models.Entry) (View, error) {
	o, err := opOf(e.Body, e.Admin)
	if err != nil {
		return nil, err
	}
	var v View
	if err := jsonInto(e.Body, &v); err != nil {
		return nil, err
	}
	v["_id"] = e.UUID
	if o.OperationState != opProcessing {
		v["stage"] = ""
	}
	read, _ := o.admin["projects_read"]
	write, _ := o.admin["projects_write"]
	var pr, pw []string
	_ = jsonInto(read, &pr)
	_ = jsonInto(write, &pw)
	var history []any
	if err := jsonInto(mustJSON(o.progress.History), &history); err != nil {
		return nil, err
	}
	v["_admin"] = map[string]any{"created": models.Epoch(e.Created), "modified": models.Epoch(e.Modified),
		"projects_read": pr, "projects_write": pw, "history": history}
	return v, nil
}

// GetOp reads an operation occurrence.
func (s *Service) GetOp(ctx context.Context, scope models.Scope, id string) (View, error) {
	e, err := s.store.GetOp(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return OpView(e)
}

// ListOps is a page of the operation occurrences q selects.
func (s *Service) ListOps(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[View], error) {
	page, err := s.store.ListOps(ctx, scope, q)
	if err != nil {
		return filter.Page[View]{}, err
	}
	out := filter.Page[View]{Items: make([]View, 0, len(page.Items)), Total: page.Total, Next: page.Next}
	for _, e := range page.Items {
		v, err := OpView(e)
		if err != nil {
			return filter.Page[View]{}, err
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// CountOps is how many operation occurrences f selects.
func (s *Service) CountOps(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.store.CountOps(ctx, scope, f)
}
