package nslcm

import (
	"context"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// The OSM views of operations.

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
	return views(page, OpView)
}

// views renders a page of documents as views.
func views[T any](page filter.Page[T], render func(T) (View, error)) (filter.Page[View], error) {
	out := filter.Page[View]{Items: make([]View, 0, len(page.Items)), Total: page.Total, Next: page.Next}
	for _, item := range page.Items {
		v, err := render(item)
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
