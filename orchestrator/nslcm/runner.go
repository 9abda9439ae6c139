package nslcm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// Running an operation: the runner holds the operation's lease, renews
// it while it works, and writes each step before the next. A step that
// fails for good ends the operation FAILED (the NS says why); one that
// fails for now (the database away, the replica stopping) leaves it
// PROCESSING for Recover to mark FAILED_TEMP once the lease expires.

// errRemoved is the last step of an ns_instances_content DELETE: the NS
// and its operations are gone, this one with them.
var errRemoved = errors.New("nslcm: the operation was removed with its NS")

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
		// Renewed before each step too, not only by the heartbeat: the
		// lease then runs from the step's start, by the database's clock.
		if holder, err := s.store.TakeOp(ctx, id, s.owner, s.ttl); err != nil || holder != s.owner {
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
		if errors.Is(err, errRemoved) {
			if err := s.store.DeleteOp(ctx, id); err != nil && !isCode(err, models.CodeNotFound) {
				s.log.WarnContext(ctx, "NS operation: cannot remove it with its NS", "op", id, "error", err)
			}
			return
		}
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
	return s.opIn(ctx, all(nil), id)
}

// opIn reads operation id as scope sees it.
func (s *Service) opIn(ctx context.Context, scope models.Scope, id string) (op, error) {
	e, err := s.store.GetOp(ctx, scope, id)
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
	var request string
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
		request = o.progress.Request
		return nil
	})
	if err != nil || request == "" {
		return err
	}
	return s.endRequest(ctx, request, state, errMsg)
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
