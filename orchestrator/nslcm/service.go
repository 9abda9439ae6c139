// Package nslcm is the NS lifecycle: OSM's north-bound nslcm (NS
// instances, their operations, their VNF instances), the VIM accounts
// they are deployed on, and the SONATA Gatekeeper's update requests, all
// over the records of this repository. An NS instance is an NSR and its
// VNF instances are its VNFRs: the lifecycle writes them, valid against
// the SONATA schemas, with OSM's own fields kept beside them (state.go,
// and mapping.go for which record field feeds which view field).
//
// Operations (instantiate, terminate, action, scale, heal, update) are
// written to the database before they are answered and run by any
// replica holding the operation's lease, one step at a time, each step
// written before the next (runner.go): a crash leaves the operation
// visible at the step it reached, marked FAILED_TEMP once its lease
// expires, and a retry resumes it.
package nslcm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// Store is what the lifecycle keeps (repo.LifecycleStore). Errors are
// *models.Error: NotFound (also outside scope), Conflict, Unavailable.
type Store interface {
	CreateInstance(ctx context.Context, scope models.Scope, kind models.Kind, rec models.Record, state json.RawMessage) (models.Instance, error)
	GetInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Instance, error)
	ModifyInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, fn func(*models.Instance) error) (models.Instance, error)
	ListInstances(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Instance], error)
	CountInstances(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error)
	DeleteInstance(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) error

	CreateOp(ctx context.Context, scope models.Scope, e models.Entry) (models.Entry, error)
	GetOp(ctx context.Context, scope models.Scope, id string) (models.Entry, error)
	ModifyOp(ctx context.Context, scope models.Scope, id string, fn func(*models.Entry) error) (models.Entry, error)
	ListOps(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error)
	CountOps(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
	DeleteOp(ctx context.Context, id string) error
	// DeleteOpsOf removes the operations of NS ns but keep; it says how many.
	DeleteOpsOf(ctx context.Context, ns, keep string) (int64, error)

	CreateRequest(ctx context.Context, scope models.Scope, e models.Entry) (models.Entry, error)
	GetRequest(ctx context.Context, scope models.Scope, id string) (models.Entry, error)
	ModifyRequest(ctx context.Context, scope models.Scope, id string, fn func(*models.Entry) error) (models.Entry, error)
	DeleteRequest(ctx context.Context, id string) error
	ListRequests(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error)
	CountRequests(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)

	TakeOp(ctx context.Context, id, owner string, ttl time.Duration) (string, error)
	ReleaseOp(ctx context.Context, id, owner string) error
	OpHolder(ctx context.Context, id string) (string, error)
	Now() time.Time
}

// Checker checks a record the lifecycle writes against its kind's schema
// (orchestrator/records.Service).
type Checker interface {
	Check(ctx context.Context, kind models.Kind, doc any) (models.Record, error)
}

// Catalogue is where the descriptors are (orchestrator/catalogue.Service).
type Catalogue interface {
	Get(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string) (models.Entry, error)
	List(ctx context.Context, scope models.Scope, kind catalogue.Kind, q filter.Query) (filter.Page[models.Entry], error)
}

// VIMReader reads VIM accounts (VIMs).
type VIMReader interface {
	Get(ctx context.Context, scope models.Scope, id string) (models.Entry, error)
}

// Config tunes the lifecycle. The zero value is the default.
type Config struct {
	// VNFM deploys the VNFs; nil is BuiltIn.
	VNFM VNFManager
	// LeaseTTL is how long a runner holds an operation without renewing
	// it: an operation whose runner died is FAILED_TEMP this long after.
	// Default 30 s.
	LeaseTTL time.Duration
	// Owner names this replica in the leases; default random.
	Owner string
	// Now is the time written in operations; nil is the store's clock.
	Now    func() time.Time
	Logger *slog.Logger
	// AfterStep is called after each step of an operation is written; an
	// error stops the runner there as if its process died (tests inject
	// crashes with it).
	AfterStep func(op, step string) error
}

// DefaultLeaseTTL is Config.LeaseTTL's default.
const DefaultLeaseTTL = 30 * time.Second

// Service is the NS lifecycle.
type Service struct {
	store     Store
	records   Checker
	catalogue Catalogue
	vims      VIMReader
	vnfm      VNFManager
	ttl       time.Duration
	owner     string
	now       func() time.Time
	log       *slog.Logger
	afterStep func(op, step string) error

	// Runners run under base, canceled by Close, which waits for them.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewService is the lifecycle over store.
func NewService(store Store, records Checker, cat Catalogue, vims VIMReader, cfg Config) *Service {
	if cfg.VNFM == nil {
		cfg.VNFM = BuiltIn{}
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.Owner == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.Owner = "nslcm-" + hex.EncodeToString(b[:])
	}
	if cfg.Now == nil {
		cfg.Now = store.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	base, cancel := context.WithCancel(context.Background())
	return &Service{store: store, records: records, catalogue: cat, vims: vims, vnfm: cfg.VNFM, ttl: cfg.LeaseTTL,
		owner: cfg.Owner, now: cfg.Now, log: cfg.Logger, afterStep: cfg.AfterStep, base: base, cancel: cancel}
}

// Close stops the runners of this replica and waits for them: an
// operation cut short stays PROCESSING, with its lease given up, until a
// replica's Recover marks it FAILED_TEMP.
func (s *Service) Close() {
	s.cancel()
	s.wg.Wait()
}

// Wait waits until the runners started so far are done (tests).
func (s *Service) Wait() { s.wg.Wait() }

// View is an OSM view of a record or an operation, as the OSM routes
// render it.
type View = map[string]any

// all is the scope the lifecycle acts in on behalf of an operation
// already allowed: every project, new documents owned by projects.
func all(projects []string) models.Scope { return models.Scope{All: true, Own: projects} }

// epoch is now as OSM writes times: seconds since 1970, to the ms.
func (s *Service) epoch() float64 { return models.Epoch(s.now()) }

// invalid is a 422 naming what is wrong with a body.
func invalid(pointer, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	detail := msg // a message that names what it is about reads alone
	for _, verb := range []string{"is ", "must ", "names ", "needs "} {
		if strings.HasPrefix(msg, verb) {
			detail = pointer[1:] + " " + msg
		}
	}
	return &models.Error{Code: models.CodeUnprocessable, Detail: detail,
		Violations: []models.Violation{{Pointer: pointer, Message: msg}}}
}

// conflict is a 409.
func conflict(format string, args ...any) error {
	return models.Errorf(models.CodeConflict, format, args...)
}

// isCode reports whether err is a *models.Error of code.
func isCode(err error, code models.ErrorCode) bool {
	var me *models.Error
	return errors.As(err, &me) && me.Code == code
}

// ---- NS instances ---------------------------------------------------------

// NSRequest is the body of a new NS instance (OSM's instantiation
// parameters): nsName, nsdId (the NSD's catalogue id) and vimAccountId
// are required; nsDescription and the rest are kept as given.
type NSRequest map[string]any

// str is a required or optional string of a body.
func str(body map[string]any, key string, required bool) (string, error) {
	v, ok := body[key]
	if !ok || v == nil {
		if required {
			return "", invalid("/"+key, "is required")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok || (required && s == "") {
		return "", invalid("/"+key, "must be a string, not empty")
	}
	return s, nil
}

// descriptorOf is the catalogue model of an entry.
func descriptorOf(e models.Entry) (catalogue.Descriptor, error) {
	var b struct {
		Model *catalogue.Descriptor `json:"catalogue"`
	}
	if err := json.Unmarshal(e.Body, &b); err != nil {
		return catalogue.Descriptor{}, fmt.Errorf("nslcm: descriptor %s: %w", e.UUID, err)
	}
	if b.Model == nil {
		return catalogue.Descriptor{}, models.Errorf(models.CodeUnprocessable, "descriptor %s has no content yet: upload its package first", e.UUID)
	}
	return *b.Model, nil
}

// nsdOf reads the NSD nsdID names, for scope: 422 when there is none.
func (s *Service) nsdOf(ctx context.Context, scope models.Scope, pointer, nsdID string) (catalogue.Descriptor, error) {
	if _, ok := models.NormalizeUUID(nsdID); !ok {
		return catalogue.Descriptor{}, invalid(pointer, "must be the id of an NSD of the catalogue (a uuid), not %s", models.Quote(nsdID))
	}
	e, err := s.catalogue.Get(ctx, scope, catalogue.NSD, nsdID)
	if isCode(err, models.CodeNotFound) {
		return catalogue.Descriptor{}, invalid(pointer, "names NSD %s, which the catalogue does not hold", nsdID)
	}
	if err != nil {
		return catalogue.Descriptor{}, err
	}
	return descriptorOf(e)
}

// vnfdByID finds the VNFD of descriptor id vnfd for scope: its
// catalogue id and model.
func (s *Service) vnfdByID(ctx context.Context, scope models.Scope, vnfd string) (string, catalogue.Descriptor, error) {
	f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{"id"}, Op: filter.OpEq, Value: vnfd})
	if err != nil {
		return "", catalogue.Descriptor{}, fmt.Errorf("nslcm: %w", err)
	}
	page, err := s.catalogue.List(ctx, scope, catalogue.VNFD, filter.Query{Filter: f, Limit: 1})
	if err != nil {
		return "", catalogue.Descriptor{}, err
	}
	if len(page.Items) == 0 {
		return "", catalogue.Descriptor{}, models.Errorf(models.CodeUnprocessable, "VNFD %s, which the NSD names, is not in the catalogue: onboard it first", models.Quote(vnfd))
	}
	d, err := descriptorOf(page.Items[0])
	return page.Items[0].UUID, d, err
}

// membersOf resolves an NSD's constituents to VNFDs of the catalogue.
func (s *Service) membersOf(ctx context.Context, scope models.Scope, nsd catalogue.Descriptor) ([]member, error) {
	out := make([]member, 0, len(nsd.Constituents))
	for _, c := range nsd.Constituents {
		id, _, err := s.vnfdByID(ctx, scope, c.VNFD)
		if err != nil {
			return nil, err
		}
		out = append(out, member{Index: c.MemberIndex, VNFD: c.VNFD, VNFDID: id})
	}
	return out, nil
}

// checkVIM refuses (422) a VIM account scope cannot see.
func (s *Service) checkVIM(ctx context.Context, scope models.Scope, pointer, vim string) error {
	if _, ok := models.NormalizeUUID(vim); !ok {
		return invalid(pointer, "must be the id of a VIM account (a uuid), not %s", models.Quote(vim))
	}
	if _, err := s.vims.Get(ctx, scope, vim); err != nil {
		if isCode(err, models.CodeNotFound) {
			return invalid(pointer, "names VIM account %s, which does not exist", vim)
		}
		return err
	}
	return nil
}

// newNS checks a new NS's body and makes its state.
func (s *Service) newNS(ctx context.Context, scope models.Scope, body NSRequest) (nsState, error) {
	if err := models.CheckNames(map[string]any(body), ""); err != nil { // kept as they are: instantiate_params
		return nsState{}, err
	}
	name, err := str(body, "nsName", true)
	if err != nil {
		return nsState{}, err
	}
	if !models.Printable(name, 255) {
		return nsState{}, invalid("/nsName", "must be at most 255 bytes, without control characters")
	}
	desc, err := str(body, "nsDescription", false)
	if err != nil {
		return nsState{}, err
	}
	nsdID, err := str(body, "nsdId", true)
	if err != nil {
		return nsState{}, err
	}
	vim, err := str(body, "vimAccountId", true)
	if err != nil {
		return nsState{}, err
	}
	nsd, err := s.nsdOf(ctx, scope, "/nsdId", nsdID)
	if err != nil {
		return nsState{}, err
	}
	if err := s.checkVIM(ctx, scope, "/vimAccountId", vim); err != nil {
		return nsState{}, err
	}
	members, err := s.membersOf(ctx, scope, nsd)
	if err != nil {
		return nsState{}, err
	}
	if desc == "" {
		desc = name
	}
	return nsState{Name: name, Description: desc, NSState: nsNotInstantiated, ConfigStatus: "init", DetailedStatus: "",
		CurrentOperation: idle, NSDRef: nsd.ID, NSDID: nsdID, NSDName: nsd.Name, VIMAccountID: vim,
		Primitives: nsd.Primitives, Members: members, InstantiateParams: map[string]any(body), CreateTime: s.epoch()}, nil
}

// nsrBody is the NSR of state st over the record's fields as they are.
func (s *Service) nsrBody(ctx context.Context, id string, fields map[string]any, st nsState) (models.Record, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	nsrFields(fields, id, st)
	return s.records.Check(ctx, models.KindNSR, fields)
}

// vnfrBody is the VNFR of state v over the record's fields as they are.
func (s *Service) vnfrBody(ctx context.Context, id string, fields map[string]any, v vnfState) (models.Record, error) {
	if fields == nil {
		fields = map[string]any{}
	}
	vnfrFields(fields, id, v)
	return s.records.Check(ctx, models.KindVNFR, fields)
}

// Create makes a new NS instance, NOT_INSTANTIATED: its NSR, owned by
// scope's projects. It returns its id.
func (s *Service) Create(ctx context.Context, scope models.Scope, body NSRequest) (string, error) {
	st, err := s.newNS(ctx, scope, body)
	if err != nil {
		return "", err
	}
	id := newID()
	st.addHistory(historyEntry{Time: st.CreateTime, State: nsNotInstantiated, Detail: "created"})
	rec, err := s.nsrBody(ctx, id, nil, st)
	if err != nil {
		return "", err
	}
	raw, err := encodeState(st)
	if err != nil {
		return "", err
	}
	if _, err := s.store.CreateInstance(ctx, scope, models.KindNSR, rec, raw); err != nil {
		return "", err
	}
	return id, nil
}

// CreateAndInstantiate makes a new NS instance and instantiates it (OSM's
// ns_instances_content): its id and the operation's. Nothing is left of
// the NS when its instantiation cannot start.
func (s *Service) CreateAndInstantiate(ctx context.Context, scope models.Scope, body NSRequest) (string, string, error) {
	id, err := s.Create(ctx, scope, body)
	if err != nil {
		return "", "", err
	}
	op, err := s.Instantiate(ctx, scope, id, map[string]any(body))
	if err != nil {
		_ = s.store.DeleteInstance(context.WithoutCancel(ctx), scope, models.KindNSR, id)
		return "", "", err
	}
	return id, op, nil
}

// nsOf decodes an NS instance's state, for a command: 409 for an NSR the
// lifecycle never wrote (a record a client wrote through /nsrs), which
// has no NSD or VIM to act with.
func nsOf(in models.Instance) (nsState, error) {
	if len(in.State) == 0 {
		return nsState{}, models.Errorf(models.CodeConflict, "NS instance %s was not made by the NS lifecycle (its NSR was written through /nsrs): it has no NSD or VIM account to act with; change it through /nsrs", in.UUID)
	}
	return decodeState[nsState](in.State, "NS "+in.UUID)
}

func vnfOf(in models.Instance) (vnfState, error) {
	if len(in.State) == 0 {
		return vnfState{}, models.Errorf(models.CodeConflict, "VNF instance %s was not made by the NS lifecycle (its VNFR was written through /vnfrs)", in.UUID)
	}
	return decodeState[vnfState](in.State, "VNF "+in.UUID)
}

// viewOf renders a record through mapping, with its state decoded once:
// the lifecycle's, or for a record it never wrote, what the record
// itself says (plain). It returns the state too, for what the mapping
// does not cover.
func viewOf[T any](in models.Instance, mapping []fieldMap, plain func(models.Instance, map[string]any) T) (View, map[string]any, error) {
	rec, err := in.Record.Fields()
	if err != nil {
		return nil, nil, fmt.Errorf("nslcm: record %s: %w", in.UUID, err)
	}
	raw := in.State
	if len(raw) == 0 {
		raw = mustJSON(plain(in, rec))
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		return nil, nil, fmt.Errorf("nslcm: the lifecycle state of %s: %w", in.UUID, err)
	}
	return view(mapping, rec, state), state, nil
}

// NSView renders an NS instance as OSM's routes show it: every NSR is
// one, those a client wrote through /nsrs as their record says.
func NSView(in models.Instance) (View, error) {
	v, state, err := viewOf(in, nsMapping, plainNS)
	if err != nil {
		return nil, err
	}
	if state["currentOperationID"] != nil && state["nsState"] == nsNotInstantiated {
		v["nsState"] = "BUILDING"
	}
	constituents := []any{}
	members, _ := state["members"].([]any)
	for _, m := range members {
		if m, ok := m.(map[string]any); ok {
			constituents = append(constituents, map[string]any{"member-vnf-index": m["member-vnf-index"], "vnfd-id-ref": m["vnfd-id-ref"]})
		}
	}
	v["nsd"] = map[string]any{"_id": state["nsd-id"], "id": state["nsd-ref"], "name": state["nsd-name-ref"], "constituent-vnfd": constituents}
	v["admin-status"] = "ENABLED"
	v["resource-orchestrator"] = "nfv-records"
	v["orchestration-progress"] = map[string]any{}
	v["operational-events"] = []any{}
	v["deploymentStatus"] = map[string]any{"nets": []any{}, "vnfs": []any{}}
	if d, ok := state["deploymentStatus"]; ok {
		v["deploymentStatus"] = d
	}
	v["configurationStatus"], v["vcaStatus"] = []any{}, nil // no execution environments here
	v["additionalParamsForNs"], v["ssh-authorized-key"] = nil, nil
	v["vld"] = []any{}
	adminView(v, in)
	return v, nil
}

// adminView completes a view's _admin with OSM's envelope.
func adminView(v View, in models.Instance) {
	a, _ := v["_admin"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		v["_admin"] = a
	}
	a["created"] = models.Epoch(in.Admin.Created)
	a["modified"] = models.Epoch(in.Admin.Modified)
	a["projects_read"] = in.Projects
	a["projects_write"] = in.Projects
}

// VNFView renders a VNF instance as OSM's routes show it: every VNFR
// is one, those a client wrote through /vnfrs as their record says.
func VNFView(in models.Instance) (View, error) {
	v, state, err := viewOf(in, vnfMapping, plainVNF)
	if err != nil {
		return nil, err
	}
	v["ip-address"] = nil // the VNF's: its first replica's
	units, _ := state["vdur"].([]any)
	for _, u := range units {
		if ip := u.(map[string]any)["ip-address"]; ip != nil {
			v["ip-address"] = ip
			break
		}
	}
	v["additionalParamsForVnf"] = nil
	v["connection-point"] = []any{}
	adminView(v, in)
	return v, nil
}

// GetNS reads an NS instance.
func (s *Service) GetNS(ctx context.Context, scope models.Scope, id string) (View, error) {
	in, err := s.store.GetInstance(ctx, scope, models.KindNSR, id)
	if err != nil {
		return nil, nsNotFound(err, id)
	}
	return NSView(in)
}

// loadNS reads NS instance id as scope sees it, with its state.
func (s *Service) loadNS(ctx context.Context, scope models.Scope, id string) (models.Instance, nsState, error) {
	in, err := s.store.GetInstance(ctx, scope, models.KindNSR, id)
	if err != nil {
		return models.Instance{}, nsState{}, nsNotFound(err, id)
	}
	st, err := nsOf(in)
	return in, st, err
}

// nsNotFound says a record's absence as an NS instance's.
func nsNotFound(err error, id string) error {
	if isCode(err, models.CodeNotFound) {
		return models.Errorf(models.CodeNotFound, "NS instance %s not found", id)
	}
	return err
}

// ListNS is a page of the NS instances q selects (q's filter on the
// stored paths: see Rewrite).
func (s *Service) ListNS(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[View], error) {
	return s.listViews(ctx, scope, models.KindNSR, q, NSView)
}

// CountNS is how many NS instances f selects.
func (s *Service) CountNS(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.store.CountInstances(ctx, scope, models.KindNSR, f)
}

// GetVNF reads a VNF instance.
func (s *Service) GetVNF(ctx context.Context, scope models.Scope, id string) (View, error) {
	in, err := s.store.GetInstance(ctx, scope, models.KindVNFR, id)
	if err != nil {
		if isCode(err, models.CodeNotFound) {
			return nil, models.Errorf(models.CodeNotFound, "VNF instance %s not found", id)
		}
		return nil, err
	}
	return VNFView(in)
}

// ListVNF is a page of the VNF instances q selects.
func (s *Service) ListVNF(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[View], error) {
	return s.listViews(ctx, scope, models.KindVNFR, q, VNFView)
}

// CountVNF is how many VNF instances f selects.
func (s *Service) CountVNF(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error) {
	return s.store.CountInstances(ctx, scope, models.KindVNFR, f)
}

func (s *Service) listViews(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query, render func(models.Instance) (View, error)) (filter.Page[View], error) {
	page, err := s.store.ListInstances(ctx, scope, kind, q)
	if err != nil {
		return filter.Page[View]{}, err
	}
	return views(page, render)
}

// Delete removes an NS instance: its NSR and VNFRs (its operations and
// their history stay). 409 while it is instantiated or an operation runs
// on it, unless force.
func (s *Service) Delete(ctx context.Context, scope models.Scope, id string, force bool) error {
	_, st, err := s.loadNS(ctx, scope, id)
	if err != nil {
		return err
	}
	if !force {
		if st.CurrentOperationID != nil {
			return conflict("NS instance %s is running operation %s (%s): wait for it, or FORCE=true", id, *st.CurrentOperationID, st.CurrentOperation)
		}
		if st.NSState != nsNotInstantiated {
			return conflict("NS instance %s is %s: terminate it first, or FORCE=true", id, st.NSState)
		}
	}
	return s.removeNS(ctx, scope, id, st)
}

// removeNS deletes the VNFRs of an NS, then its NSR (a VNFR already gone
// is no error: a removal cut short runs again).
func (s *Service) removeNS(ctx context.Context, scope models.Scope, id string, st nsState) error {
	for _, m := range st.Members {
		if m.VNFR == "" {
			continue
		}
		if err := s.store.DeleteInstance(ctx, scope, models.KindVNFR, m.VNFR); err != nil && !isCode(err, models.CodeNotFound) {
			return err
		}
	}
	if err := s.store.DeleteInstance(ctx, scope, models.KindNSR, id); err != nil {
		return nsNotFound(err, id)
	}
	return nil
}

// DeleteContent terminates and deletes an NS instance (OSM's
// ns_instances_content): deleted at once ("" for the operation) when it
// was never instantiated, else a terminate whose last step deletes it.
func (s *Service) DeleteContent(ctx context.Context, scope models.Scope, id string, force bool) (string, error) {
	_, st, err := s.loadNS(ctx, scope, id)
	if err != nil {
		return "", err
	}
	if st.NSState == nsNotInstantiated && (st.CurrentOperationID == nil || force) {
		return "", s.removeNS(ctx, scope, id, st)
	}
	return s.terminate(ctx, scope, id, map[string]any{"autoremove": true}, true)
}

// UsingVIM names an NS deployed on VIM account vim, in any project ("":
// none), for the VIM accounts' in-use check.
func (s *Service) UsingVIM(ctx context.Context, _ models.Scope, vim string) (string, error) {
	f, err := filter.Where(filter.Options{Admin: true}, filter.Condition{Path: []string{"_admin", adminKey, "vimAccountId"}, Op: filter.OpEq, Value: vim})
	if err != nil {
		return "", fmt.Errorf("nslcm: %w", err)
	}
	page, err := s.store.ListInstances(ctx, models.Scope{All: true}, models.KindNSR, filter.Query{Filter: f, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return "", err
	}
	return page.Items[0].UUID, nil
}

// UsingNSD names an NS instance of NSD nsd (its catalogue id), in any
// project ("": none), for the catalogue's in-use check.
func (s *Service) UsingNSD(ctx context.Context, nsd string) (string, error) {
	f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{"descriptor_reference"}, Op: filter.OpEq, Value: nsd})
	if err != nil {
		return "", fmt.Errorf("nslcm: %w", err)
	}
	page, err := s.store.ListInstances(ctx, models.Scope{All: true}, models.KindNSR, filter.Query{Filter: f, Limit: 1})
	if err != nil || len(page.Items) == 0 {
		return "", err
	}
	return page.Items[0].UUID, nil
}
