package nslcm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Recovery, retry and cancel: what becomes of an operation whose runner
// stopped, and what a client may ask of one that has not completed.

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
	o, err := s.opIn(ctx, scope, id)
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
	o, err := s.opIn(ctx, scope, id)
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
