package nslcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// The SONATA Gatekeeper's update requests: PUT /records/services/{uuid}
// with {nsd_id, latest_nsd_id} asks for the service instance to move to
// the latest NSD. The request is stored, and an update operation started
// on the NS; the request's status is its operation's outcome (NEW while
// it runs, INSTANTIATED once completed, ERROR with the reason
// otherwise), so it never disagrees with it. A request the NS cannot
// take (not instantiated, busy, an NSD or VNFD missing) is stored ERROR
// with the reason at once.

// updateRequest is a stored update request.
type updateRequest struct {
	ID                  string  `json:"id"`
	RequestType         string  `json:"request_type"`
	ServiceUUID         string  `json:"service_uuid"`
	ServiceInstanceUUID string  `json:"service_instance_uuid"`
	NSDID               string  `json:"nsd_id"`
	LatestNSDID         string  `json:"latest_nsd_id"`
	Status              string  `json:"status"`
	Error               *string `json:"error"`
	Operation           *string `json:"operation"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
}

// The statuses of a request.
const (
	requestNew          = "NEW"
	requestInstantiated = "INSTANTIATED"
	requestError        = "ERROR"
)

// RequestUpdate records a Gatekeeper update request for NS instance id
// and starts it. 400/422 for a bad body and 404 for an NS scope cannot
// see store nothing; every other refusal is the request's ERROR.
func (s *Service) RequestUpdate(ctx context.Context, scope models.Scope, id string, body map[string]any) (View, error) {
	nsdID, err := str(body, "nsd_id", true)
	if err != nil {
		return nil, err
	}
	latest, err := str(body, "latest_nsd_id", true)
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{"/nsd_id": nsdID, "/latest_nsd_id": latest} {
		if _, ok := models.NormalizeUUID(v); !ok {
			return nil, invalid(k, "must be the id of an NSD of the catalogue (a uuid), not %s", models.Quote(v))
		}
	}
	in, err := s.store.GetInstance(ctx, scope, models.KindNSR, id)
	if err != nil {
		return nil, nsNotFound(err, id)
	}
	// The request is stored first, naming the operation to come, so that
	// the operation finds it to write its outcome however soon it ends.
	reqID, opID := newID(), newID()
	now := models.FormatTime(s.now())
	req := updateRequest{ID: reqID, RequestType: "UPDATE", ServiceUUID: latest, ServiceInstanceUUID: id, NSDID: nsdID,
		LatestNSDID: latest, Status: requestNew, Operation: &opID, CreatedAt: now, UpdatedAt: now}
	if _, err := s.store.CreateRequest(ctx, all(in.Projects), models.Entry{UUID: reqID, Body: mustJSON(req)}); err != nil {
		return nil, err
	}
	if err := s.startUpdate(ctx, scope, in, nsdID, latest, reqID, opID); err != nil {
		if temporary(err) || isCode(err, models.CodeInternal) { // not the request's fault: the client retries
			_ = s.store.DeleteRequest(context.WithoutCancel(ctx), reqID)
			return nil, err
		}
		msg := err.Error()
		if me, ok := err.(*models.Error); ok {
			msg = me.Detail
		}
		req.Status, req.Error, req.Operation = requestError, &msg, nil
		if _, werr := s.store.ModifyRequest(context.WithoutCancel(ctx), all(nil), reqID, func(e *models.Entry) error {
			e.Body = mustJSON(req)
			return nil
		}); werr != nil {
			return nil, werr
		}
	}
	// The answer is the request as accepted (NEW), or refused (ERROR):
	// GET /requests/{id} follows it afterwards.
	var v View
	return v, jsonInto(mustJSON(req), &v)
}

// startUpdate checks that the record is of nsd_id, then starts the
// update. latest may be nsd_id itself: a SONATA NSD's new version
// replaces the catalogue entry's content (same vendor.name), so the
// update moves the NS to what that entry holds now.
func (s *Service) startUpdate(ctx context.Context, scope models.Scope, in models.Instance, nsdID, latest, reqID, opID string) error {
	st, err := nsOf(in)
	if err != nil {
		return models.Errorf(models.CodeConflict, "service instance %s was not instantiated by this service: it cannot be updated", in.UUID)
	}
	if st.NSDID != nsdID {
		return models.Errorf(models.CodeConflict, "service instance %s is of NSD %s, not nsd_id %s", in.UUID, st.NSDID, nsdID)
	}
	return s.update(ctx, scope, in.UUID, latest, reqID, opID)
}

// requestView renders a request with its status as its operation says.
func (s *Service) requestView(ctx context.Context, e models.Entry) (View, error) {
	var r updateRequest
	if err := json.Unmarshal(e.Body, &r); err != nil {
		return nil, fmt.Errorf("nslcm: request %s: %w", e.UUID, err)
	}
	if r.Status == requestNew && r.Operation != nil {
		oe, err := s.store.GetOp(ctx, all(nil), *r.Operation)
		switch {
		case err == nil:
			o, err := opOf(oe.Body, oe.Admin)
			if err != nil {
				return nil, err
			}
			switch o.OperationState {
			case opCompleted:
				r.Status = requestInstantiated
			case opFailed, opRolledBack, opCancelled:
				msg := o.Detail
				if o.ErrorMessage != nil {
					msg = *o.ErrorMessage
				}
				r.Status, r.Error = requestError, &msg
			}
			if r.Status != requestNew {
				r.UpdatedAt = models.FormatTime(oe.Modified)
			}
		case isCode(err, models.CodeNotFound):
			// Just accepted, its operation may not be written yet; a lease
			// later it would be.
			if created, perr := time.Parse(models.TimeLayout, r.CreatedAt); perr != nil || s.now().Sub(created) > s.ttl {
				msg := "its operation does not exist: the update never started (the service stopped first), or its service instance was deleted"
				r.Status, r.Error = requestError, &msg
			}
		default:
			return nil, err
		}
	}
	var v View
	if err := jsonInto(mustJSON(r), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// endRequest writes an operation's outcome to the update request it
// answers (INSTANTIATED, or ERROR with the reason), so that the request
// keeps it once the operation is gone (deleted with its NS).
func (s *Service) endRequest(ctx context.Context, id, state, errMsg string) error {
	now := models.FormatTime(s.now())
	_, err := s.store.ModifyRequest(ctx, all(nil), id, func(e *models.Entry) error {
		var r updateRequest
		if err := json.Unmarshal(e.Body, &r); err != nil {
			return fmt.Errorf("nslcm: request %s: %w", id, err)
		}
		if r.Status != requestNew {
			return errUnchanged
		}
		r.Status, r.UpdatedAt = requestInstantiated, now
		if state != opCompleted {
			r.Status, r.Error = requestError, &errMsg
		}
		e.Body = mustJSON(r)
		return nil
	})
	if errors.Is(err, errUnchanged) || isCode(err, models.CodeNotFound) {
		return nil // a request not stored yet is stored with its operation's state read
	}
	return err
}

// GetRequest reads an update request.
func (s *Service) GetRequest(ctx context.Context, scope models.Scope, id string) (View, error) {
	e, err := s.store.GetRequest(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	return s.requestView(ctx, e)
}

// ListRequests is a page of the update requests q selects.
func (s *Service) ListRequests(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[View], error) {
	page, err := s.store.ListRequests(ctx, scope, q)
	if err != nil {
		return filter.Page[View]{}, err
	}
	return views(page, func(e models.Entry) (View, error) { return s.requestView(ctx, e) })
}

// CountRequests is how many update requests f selects.
func (s *Service) CountRequests(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.store.CountRequests(ctx, scope, f)
}

func mustJSON(v any) []byte {
	raw, _ := json.Marshal(v)
	return raw
}

// jsonInto decodes raw into v, numbers as json.Number is not needed:
// views hold what the lifecycle itself wrote.
func jsonInto(raw []byte, v any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("nslcm: %w", err)
	}
	return nil
}
