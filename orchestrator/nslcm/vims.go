// Package nslcm is the NS lifecycle (OSM's nslcm and its VIM accounts):
// so far the VIM accounts an NS is deployed on.
package nslcm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// EntryStore keeps VIM accounts (repo.NewVIMStore): entries of kind
// "vim", each name unique in its projects. Errors are *models.Error.
type EntryStore interface {
	Create(ctx context.Context, scope models.Scope, kind, key string, e models.Entry) (models.Entry, error)
	Update(ctx context.Context, scope models.Scope, kind, uuid string, change func(cur models.Entry) (models.Entry, string, error)) (models.Entry, error)
	Get(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error)
	List(ctx context.Context, scope models.Scope, kind string, q filter.Query) (filter.Page[models.Entry], error)
	Count(ctx context.Context, scope models.Scope, kind string, f filter.Expr) (int64, error)
	Delete(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error)
}

// Sealer encrypts a secret at rest, bound to what it belongs to
// (seal.Box).
type Sealer interface {
	Seal(plaintext, context string) (string, error)
}

// VIMUsers tells whether an NS uses a VIM account (the NS lifecycle,
// once it is built); nil: none does.
type VIMUsers interface {
	UsingVIM(ctx context.Context, scope models.Scope, vim string) (ns string, err error)
}

// VIMs are the VIM accounts: where NSs are deployed. No VIM is contacted:
// an account is checked (its type known, its URL absolute) and
// registered.
type VIMs struct {
	store EntryStore
	seal  Sealer
	users VIMUsers
	now   func() time.Time
}

// NewVIMs is the VIM accounts over store, their passwords sealed by s.
func NewVIMs(store EntryStore, s Sealer, users VIMUsers, now func() time.Time) *VIMs {
	if now == nil {
		now = time.Now
	}
	return &VIMs{store: store, seal: s, users: users, now: now}
}

const vimKind = "vim"

// VIMTypes are the VIM types an account may be of (OSM's).
var VIMTypes = []string{"openstack", "openvim", "vmware", "aws", "azure", "gcp", "fos", "opennebula", "dummy"}

// vimFields are a VIM account's fields: required, and the others.
var (
	vimRequired = []string{"name", "vim_type", "vim_url", "vim_user", "vim_password", "vim_tenant_name"}
	vimOptional = []string{"description", "config", "vim_tenant_id", "schema_version"}
)

// vimAdmin is a VIM account's _admin (beside the projects): its state,
// its operations (OSM's shape, which osmclient's --wait reads) and the
// sealed password, which is never rendered.
type vimAdmin struct {
	OperationalState string         `json:"operationalState"`
	DetailedStatus   string         `json:"detailed-status"`
	Operations       []vimOperation `json:"operations"`
	CurrentOperation *int           `json:"current_operation"`
	Secret           vimSecret      `json:"secret"`
}

type vimSecret struct {
	Password string `json:"vim_password"`
}

type vimOperation struct {
	Type              string  `json:"lcmOperationType"`
	State             string  `json:"operationState"`
	StartTime         float64 `json:"startTime"`
	StatusEnteredTime float64 `json:"statusEnteredTime"`
	DetailedStatus    string  `json:"detailed-status"`
	OperationParams   any     `json:"operationParams"`
}

// VIMEdit is a VIM account body, decoded (JSON or YAML).
type VIMEdit map[string]any

// checkVIM checks a VIM account's fields: the types and values of those
// given, and that each of required is there.
func checkVIM(e VIMEdit, required []string) error {
	var violations []models.Violation
	for k, v := range e {
		switch {
		case k == "config":
			if _, ok := v.(map[string]any); !ok && v != nil {
				violations = append(violations, models.Violation{Pointer: "/config", Message: "must be an object"})
			}
			violations = append(violations, models.UnstorableNames(v, "/config")...)
		case slices.Contains(vimOptional, k) && v == nil:
			// an edit's null removes an optional field
		case slices.Contains(vimRequired, k) || slices.Contains(vimOptional, k):
			if s, ok := v.(string); !ok || (s == "" && slices.Contains(vimRequired, k)) {
				violations = append(violations, models.Violation{Pointer: "/" + k, Message: "must be a string, not empty"})
			}
		case k == "_id" || k == "_admin":
		default:
			violations = append(violations, models.Violation{Pointer: "/" + k, Message: "a VIM account has no such field"})
		}
	}
	for _, k := range required {
		if _, ok := e[k]; !ok {
			violations = append(violations, models.Violation{Pointer: "/" + k, Message: "is required"})
		}
	}
	if name, ok := e["name"].(string); ok && !models.Printable(name, 255) {
		violations = append(violations, models.Violation{Pointer: "/name", Message: "must be at most 255 bytes, without control characters"})
	}
	if t, ok := e["vim_type"].(string); ok && t != "" && !slices.Contains(VIMTypes, t) {
		violations = append(violations, models.Violation{Pointer: "/vim_type", Message: "is none of " + strings.Join(VIMTypes, ", ")})
	}
	if raw, ok := e["vim_url"].(string); ok && raw != "" {
		if u, err := url.Parse(raw); err != nil || !u.IsAbs() || u.Host == "" {
			violations = append(violations, models.Violation{Pointer: "/vim_url", Message: "must be an absolute URL, such as https://keystone.example:5000/v3"})
		}
	}
	if len(violations) > 0 {
		slices.SortFunc(violations, func(a, b models.Violation) int { return strings.Compare(a.Pointer, b.Pointer) })
		return &models.Error{Code: models.CodeUnprocessable, Detail: "the VIM account is not valid", Violations: violations}
	}
	return nil
}

// body is what is stored of e's fields: all but the password.
func body(e VIMEdit) (json.RawMessage, error) {
	out := map[string]any{}
	for k, v := range e {
		if k == "vim_password" || k == "_id" || k == "_admin" || v == nil {
			continue
		}
		out[k] = v
	}
	if _, ok := out["schema_version"]; !ok {
		out["schema_version"] = "1.11"
	}
	return json.Marshal(out)
}

// Create registers a VIM account: checked at once (no VIM is contacted),
// its password sealed. It returns its id and the id of its operation.
func (v *VIMs) Create(ctx context.Context, scope models.Scope, e VIMEdit) (string, string, error) {
	if err := checkVIM(e, vimRequired); err != nil {
		return "", "", err
	}
	id := uuid.NewString()
	sealed, err := v.seal.Seal(e["vim_password"].(string), id)
	if err != nil {
		return "", "", fmt.Errorf("nslcm: %w", err)
	}
	b, err := body(e)
	if err != nil {
		return "", "", fmt.Errorf("nslcm: %w", err)
	}
	now := models.Epoch(v.now())
	a := vimAdmin{OperationalState: "ENABLED", DetailedStatus: "Done", CurrentOperation: nil,
		Operations: []vimOperation{{Type: "create", State: "COMPLETED", StartTime: now, StatusEnteredTime: now, DetailedStatus: "Done"}},
		Secret:     vimSecret{Password: sealed}}
	admin, err := json.Marshal(a)
	if err != nil {
		return "", "", fmt.Errorf("nslcm: %w", err)
	}
	if _, err := v.store.Create(ctx, scope, vimKind, e["name"].(string), models.Entry{UUID: id, Body: b, Admin: admin}); err != nil {
		return "", "", err
	}
	return id, id + ":0", nil
}

// Edit changes a VIM account: PATCH (replace false) merges the fields
// given (null removes an optional one); PUT sets them all. A new password
// is sealed. It returns the id of the edit's operation.
func (v *VIMs) Edit(ctx context.Context, scope models.Scope, id string, e VIMEdit, replace bool) (string, error) {
	if err := checkVIM(e, nil); err != nil {
		return "", err
	}
	var sealed string
	if p, ok := e["vim_password"].(string); ok {
		var err error
		if sealed, err = v.seal.Seal(p, id); err != nil {
			return "", fmt.Errorf("nslcm: %w", err)
		}
	}
	var op string
	_, err := v.store.Update(ctx, scope, vimKind, id, func(cur models.Entry) (models.Entry, string, error) {
		var fields map[string]any
		if err := json.Unmarshal(cur.Body, &fields); err != nil {
			return cur, "", err
		}
		next := VIMEdit{}
		if !replace {
			for k, val := range fields {
				next[k] = val
			}
		} else if s, ok := fields["schema_version"]; ok {
			next["schema_version"] = s
		}
		for k, val := range e {
			if val == nil && !slices.Contains(vimRequired, k) {
				delete(next, k)
				continue
			}
			next[k] = val
		}
		// The stored fields hold no password: the one kept, or the new.
		if err := checkVIM(next, slices.DeleteFunc(slices.Clone(vimRequired), func(k string) bool { return k == "vim_password" })); err != nil {
			return cur, "", err
		}
		b, err := body(next)
		if err != nil {
			return cur, "", err
		}
		var all map[string]json.RawMessage
		if err := json.Unmarshal(cur.Admin, &all); err != nil {
			return cur, "", err
		}
		var a vimAdmin
		if err := json.Unmarshal(cur.Admin, &a); err != nil {
			return cur, "", err
		}
		if sealed != "" {
			a.Secret.Password = sealed
		}
		now := models.Epoch(v.now())
		a.Operations = append(a.Operations, vimOperation{Type: "edit", State: "COMPLETED", StartTime: now, StatusEnteredTime: now, DetailedStatus: "Done"})
		op = id + ":" + strconv.Itoa(len(a.Operations)-1)
		raw, err := json.Marshal(a)
		if err != nil {
			return cur, "", err
		}
		var members map[string]json.RawMessage
		_ = json.Unmarshal(raw, &members)
		for k, m := range members {
			all[k] = m
		}
		if cur.Admin, err = json.Marshal(all); err != nil {
			return cur, "", err
		}
		cur.Body = b
		name, _ := next["name"].(string)
		return cur, name, nil
	})
	return op, err
}

// Get reads a VIM account.
func (v *VIMs) Get(ctx context.Context, scope models.Scope, id string) (models.Entry, error) {
	return v.store.Get(ctx, scope, vimKind, id)
}

// List is a page of the VIM accounts q selects.
func (v *VIMs) List(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error) {
	return v.store.List(ctx, scope, vimKind, q)
}

// Count is how many VIM accounts f selects.
func (v *VIMs) Count(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return v.store.Count(ctx, scope, vimKind, f)
}

// Delete removes a VIM account: 409 while an NS uses it, unless force.
func (v *VIMs) Delete(ctx context.Context, scope models.Scope, id string, force bool) (string, error) {
	cur, err := v.store.Get(ctx, scope, vimKind, id)
	if err != nil {
		return "", err
	}
	if v.users != nil && !force {
		ns, err := v.users.UsingVIM(ctx, scope, id)
		if err != nil {
			return "", err
		}
		if ns != "" {
			return "", models.Errorf(models.CodeConflict, "VIM account %s is in use: NS %s is deployed on it (FORCE=true deletes it anyway)", id, models.Quote(ns))
		}
	}
	var a vimAdmin
	_ = json.Unmarshal(cur.Admin, &a)
	if _, err := v.store.Delete(ctx, scope, vimKind, id); err != nil {
		return "", err
	}
	return id + ":" + strconv.Itoa(len(a.Operations)), nil
}
