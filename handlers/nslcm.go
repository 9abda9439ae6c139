package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/orchestrator/records"
)

// registerNSLCMRoutes serves OSM's nslcm/v1: NS instances (and their
// _content form, create + instantiate and terminate + delete), their
// operations, and their VNF instances (at vnf_instances and at vnfrs,
// the name osmclient uses). Permissions are OSM's.
func registerNSLCMRoutes(r gin.IRouter, g authGate, h nslcmHandlers) {
	ns := r.Group("/osm/nslcm/v1/ns_instances")
	ns.GET("", g.require("ns_instances:get"), h.listNS)
	ns.POST("", g.require("ns_instances:post"), h.create)
	ns.GET("/:id", g.require("ns_instances:id:get"), h.getNS)
	ns.DELETE("/:id", g.require("ns_instances:id:delete"), h.remove)
	for _, op := range []string{"instantiate", "terminate", "action", "scale", "heal"} {
		ns.POST("/:id/"+op, g.require("ns_instances:id:"+op+":post"), h.operation(op))
	}
	content := r.Group("/osm/nslcm/v1/ns_instances_content")
	content.GET("", g.require("ns_instances:content:get"), h.listNS)
	content.POST("", g.require("ns_instances:content:post"), h.createContent)
	content.GET("/:id", g.require("ns_instances:content:id:get"), h.getNS)
	content.DELETE("/:id", g.require("ns_instances:content:id:delete"), h.removeContent)
	ops := r.Group("/osm/nslcm/v1/ns_lcm_op_occs")
	ops.GET("", g.require("ns_instances:opps:get"), h.listOps)
	ops.GET("/:id", g.require("ns_instances:opps:id:get"), h.getOp)
	ops.POST("/:id/cancel", g.require("ns_instances:opps:id:cancel:post"), h.cancel)
	ops.POST("/:id/retry", g.require("ns_instances:opps:id:retry:post"), h.retry)
	for _, base := range []string{"vnf_instances", "vnfrs"} {
		vnf := r.Group("/osm/nslcm/v1/" + base)
		vnf.GET("", g.require("vnf_instances:get"), h.listVNF)
		vnf.GET("/:id", g.require("vnf_instances:id:get"), h.getVNF)
	}
}

// NSLCMService is the NS lifecycle (orchestrator/nslcm.Service).
type NSLCMService interface {
	Create(ctx context.Context, scope models.Scope, body nslcm.NSRequest) (string, error)
	CreateAndInstantiate(ctx context.Context, scope models.Scope, body nslcm.NSRequest) (string, string, error)
	Instantiate(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error)
	Terminate(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error)
	Action(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error)
	Scale(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error)
	Heal(ctx context.Context, scope models.Scope, id string, params map[string]any) (string, error)
	Delete(ctx context.Context, scope models.Scope, id string, force bool) error
	DeleteContent(ctx context.Context, scope models.Scope, id string, force bool) (string, error)
	GetNS(ctx context.Context, scope models.Scope, id string) (nslcm.View, error)
	ListNS(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[nslcm.View], error)
	CountNS(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
	GetVNF(ctx context.Context, scope models.Scope, id string) (nslcm.View, error)
	ListVNF(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[nslcm.View], error)
	CountVNF(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
	GetOp(ctx context.Context, scope models.Scope, id string) (nslcm.View, error)
	ListOps(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[nslcm.View], error)
	CountOps(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
	Cancel(ctx context.Context, scope models.Scope, id string) error
	Retry(ctx context.Context, scope models.Scope, id string) error
	RequestUpdate(ctx context.Context, scope models.Scope, id string, body map[string]any) (nslcm.View, error)
	GetRequest(ctx context.Context, scope models.Scope, id string) (nslcm.View, error)
	ListRequests(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[nslcm.View], error)
	CountRequests(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
}

type nslcmHandlers struct {
	svc  NSLCMService
	body bodyReader
}

// NSCreate documents the body of a new NS instance (OSM's).
type NSCreate struct {
	NSName        string `json:"nsName" example:"ns-a"`
	NSDID         string `json:"nsdId" example:"7aadda87-5545-42ed-9fc8-71d94cbf4d16"`
	VIMAccountID  string `json:"vimAccountId" example:"ab7de325-423a-4508-a933-3db7f5e3895f"`
	NSDescription string `json:"nsDescription,omitempty" example:"default description"`
}

// NSCreated is the answer to a new NS instance.
type NSCreated struct {
	ID string `json:"id" example:"4ca9eb68-ffaa-444e-ba46-912d532ee1da"`
}

// NSContentCreated is the answer to POST ns_instances_content.
type NSContentCreated struct {
	ID        string `json:"id" example:"4ca9eb68-ffaa-444e-ba46-912d532ee1da"`
	NSLCMOpID string `json:"nslcmop_id" example:"a041e08e-cf39-4ac7-b556-3379b436910c"`
}

// OpStarted is the answer to an operation: its occurrence's id.
type OpStarted struct {
	ID string `json:"id" example:"2c1ec072-72ad-4ed2-9665-fb86d5e94554"`
}

// OpDeleting is the answer to DELETE ns_instances_content of an
// instantiated NS: the terminate operation that deletes it.
type OpDeleting struct {
	ID string `json:"_id" example:"3fe3ef1f-9314-4463-8e4f-9c51384f16f1"`
}

// OperationBody documents the bodies of the operations (OSM's).
type OperationBody struct {
	// instantiate
	VIMAccountID string `json:"vimAccountId,omitempty" example:"ab7de325-423a-4508-a933-3db7f5e3895f"`
	// terminate
	Autoremove bool `json:"autoremove,omitempty"`
	// action
	MemberVNFIndex  string         `json:"member_vnf_index,omitempty" example:"1"`
	Primitive       string         `json:"primitive,omitempty" example:"touch"`
	PrimitiveParams map[string]any `json:"primitive_params,omitempty"`
	VDUID           string         `json:"vdu_id,omitempty"`
	// scale: {scaleType: SCALE_VNF, scaleVnfData: {scaleVnfType: SCALE_OUT|SCALE_IN, scaleByStepData: {scaling-group-descriptor, member-vnf-index}}}
	ScaleType    string         `json:"scaleType,omitempty" example:"SCALE_VNF"`
	ScaleVNFData map[string]any `json:"scaleVnfData,omitempty"`
	// heal: [{vnfInstanceId, cause, additionalParams: {vdu: [{vdu-id, count-index}]}}]
	HealVNFData []map[string]any `json:"healVnfData,omitempty"`
}

// nsListOptions are the filter options of the NS and VNF lists: the
// records' envelope, the view's names (rewritten, see nslcm.Rewrite) and
// _admin.
var nsListOptions = filter.Options{Fields: records.Fields(), Admin: true}

// opListOptions are those of the operations and requests.
var opListOptions = catalogueListOptions

// optionalObject reads a body that may be absent (an operation with no
// parameters): an empty object then.
func (h nslcmHandlers) optionalObject(c *gin.Context, what string) (map[string]any, bool) {
	if c.Request.ContentLength == 0 {
		return map[string]any{}, true
	}
	return h.body.object(c, what)
}

// create makes an NS instance, NOT_INSTANTIATED.
//
//	@Summary		Create an NS instance
//	@Description	Its NSR (valid against the NSR schema, status offline) is the NS instance: /nsrs/{id} reads it too. nsName, nsdId (an NSD of the catalogue) and vimAccountId are required.
//	@Tags			nslcm
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			ns	body		NSCreate	true	"the NS instance"
//	@Success		201	{object}	NSCreated
//	@Header			201	{string}	Location	"the NS instance's URL"
//	@Failure		400	{object}	ErrorBody
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody	"a field missing or wrong; an unknown NSD or VIM"
//	@Router			/osm/nslcm/v1/ns_instances [post]
func (h nslcmHandlers) create(c *gin.Context) {
	body, ok := h.body.object(c, "an object: {nsName, nsdId, vimAccountId}")
	if !ok {
		return
	}
	id, err := h.svc.Create(c.Request.Context(), scopeOf(c), nslcm.NSRequest(body))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/osm/nslcm/v1/ns_instances/"+id)
	render(c, http.StatusCreated, NSCreated{ID: id})
}

// createContent makes an NS instance and instantiates it.
//
//	@Summary		Create and instantiate an NS instance
//	@Description	What osmclient's ns-create sends. The instantiation is an operation: poll /osm/nslcm/v1/ns_lcm_op_occs/{nslcmop_id}.
//	@Tags			nslcm
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			ns	body		NSCreate	true	"the NS instance"
//	@Success		201	{object}	NSContentCreated
//	@Header			201	{string}	Location	"the NS instance's URL"
//	@Failure		400	{object}	ErrorBody
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody	"a field missing or wrong; an unknown NSD or VIM"
//	@Router			/osm/nslcm/v1/ns_instances_content [post]
func (h nslcmHandlers) createContent(c *gin.Context) {
	body, ok := h.body.object(c, "an object: {nsName, nsdId, vimAccountId}")
	if !ok {
		return
	}
	id, op, err := h.svc.CreateAndInstantiate(c.Request.Context(), scopeOf(c), nslcm.NSRequest(body))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/osm/nslcm/v1/ns_instances_content/"+id)
	render(c, http.StatusCreated, NSContentCreated{ID: id, NSLCMOpID: op})
}

// operation starts an operation on an NS instance.
//
//	@Summary		Start an operation on an NS instance
//	@Description	instantiate ({vimAccountId} optional), terminate ({autoremove}), action ({member_vnf_index, primitive, primitive_params[, vdu_id, vdu_count_index]}: a primitive the descriptor declares), scale ({scaleType: SCALE_VNF, scaleVnfData: {scaleVnfType: SCALE_OUT|SCALE_IN, scaleByStepData: {scaling-group-descriptor, member-vnf-index}}}), heal ({healVnfData: [{vnfInstanceId, additionalParams: {vdu: [{vdu-id, count-index}]}}]}). 409 while another operation runs on the NS (naming it) or in the wrong state.
//	@Tags			nslcm
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id			path		string			true	"the NS instance's id"
//	@Param			operation	path		string			true	"instantiate, terminate, action, scale or heal"
//	@Param			params		body		OperationBody	false	"the operation's parameters"
//	@Success		202			{object}	OpStarted
//	@Header			202			{string}	Location	"the operation occurrence's URL"
//	@Failure		400			{object}	ErrorBody
//	@Failure		401			{object}	ErrorBody
//	@Failure		403			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		409			{object}	ErrorBody	"another operation runs, or the NS is in the wrong state"
//	@Failure		422			{object}	ErrorBody	"unknown primitive, parameter, member, scaling group; beyond the group's limits"
//	@Router			/osm/nslcm/v1/ns_instances/{id}/{operation} [post]
func (h nslcmHandlers) operation(name string) gin.HandlerFunc {
	start := map[string]func(context.Context, models.Scope, string, map[string]any) (string, error){
		"instantiate": h.svc.Instantiate, "terminate": h.svc.Terminate, "action": h.svc.Action,
		"scale": h.svc.Scale, "heal": h.svc.Heal,
	}[name]
	return func(c *gin.Context) {
		params, ok := h.optionalObject(c, "an object: the "+name+" parameters")
		if !ok {
			return
		}
		op, err := start(c.Request.Context(), scopeOf(c), c.Param("id"), params)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Header("Location", "/osm/nslcm/v1/ns_lcm_op_occs/"+op)
		render(c, http.StatusAccepted, OpStarted{ID: op})
	}
}

// remove deletes an NS instance.
//
//	@Summary		Delete an NS instance
//	@Description	Its NSR and VNFRs go; its operations and their history stay. 409 while it is instantiated or an operation runs on it, unless FORCE=true.
//	@Tags			nslcm
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path	string	true	"the NS instance's id"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"instantiated, or an operation runs"
//	@Router			/osm/nslcm/v1/ns_instances/{id} [delete]
func (h nslcmHandlers) remove(c *gin.Context) {
	if err := h.svc.Delete(c.Request.Context(), scopeOf(c), c.Param("id"), accessOf(c).Force); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// removeContent terminates and deletes an NS instance.
//
//	@Summary		Terminate and delete an NS instance
//	@Description	What osmclient's ns-delete sends: 204 when the NS was not instantiated (deleted at once), else 202 with the terminate operation, whose last step deletes the NS and, as OSM's autoremove, its operations (this one last: ns-delete --wait polls it until 404).
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the NS instance's id"
//	@Success		202	{object}	OpDeleting
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"an operation runs"
//	@Router			/osm/nslcm/v1/ns_instances_content/{id} [delete]
func (h nslcmHandlers) removeContent(c *gin.Context) {
	op, err := h.svc.DeleteContent(c.Request.Context(), scopeOf(c), c.Param("id"), accessOf(c).Force)
	if err != nil {
		writeError(c, err)
		return
	}
	if op == "" {
		c.Status(http.StatusNoContent)
		return
	}
	c.Header("Location", "/osm/nslcm/v1/ns_lcm_op_occs/"+op)
	render(c, http.StatusAccepted, OpDeleting{ID: op})
}

// getNS shows an NS instance.
//
//	@Summary		Show an NS instance
//	@Description	OSM's view of the NSR: name, nsState, _admin.nsState, currentOperation, operational-status (from the record's status), constituent-vnfr-ref (its network_functions), create-time, ...
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the NS instance's id"
//	@Success		200	{object}	object
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/osm/nslcm/v1/ns_instances/{id} [get]
//	@Router			/osm/nslcm/v1/ns_instances_content/{id} [get]
func (h nslcmHandlers) getNS(c *gin.Context) {
	v, err := h.svc.GetNS(c.Request.Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, v)
}

// listNS lists the NS instances.
//
//	@Summary		List NS instances
//	@Description	Filters name the view's fields (name=ns-a, nsState=READY, operational-status=running) or the record's; all of them unless paging is asked for.
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			filter	query		string	false	"e.g. name=ns-a"
//	@Success		200		{array}		object
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Router			/osm/nslcm/v1/ns_instances [get]
//	@Router			/osm/nslcm/v1/ns_instances_content [get]
func (h nslcmHandlers) listNS(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listViews(c, nsListOptions, viewNames(models.KindNSR),
		func(f filter.Expr) (int64, error) { return h.svc.CountNS(ctx, scope, f) },
		func(q filter.Query) (filter.Page[nslcm.View], error) { return h.svc.ListNS(ctx, scope, q) })
}

// getVNF shows a VNF instance.
//
//	@Summary		Show a VNF instance
//	@Description	OSM's view of the VNFR: nsr-id-ref (its parent_ns), member-vnf-index-ref, vnfd-ref, vim-account-id, ip-address, vdur (a replica per vnfc_instance).
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the VNF instance's id"
//	@Success		200	{object}	object
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/osm/nslcm/v1/vnf_instances/{id} [get]
//	@Router			/osm/nslcm/v1/vnfrs/{id} [get]
func (h nslcmHandlers) getVNF(c *gin.Context) {
	v, err := h.svc.GetVNF(c.Request.Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, v)
}

// listVNF lists the VNF instances.
//
//	@Summary	List VNF instances
//	@Tags		nslcm
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		nsr-id-ref	query		string	false	"the NS instance's id"
//	@Success	200			{array}		object
//	@Failure	400			{object}	ErrorBody
//	@Failure	401			{object}	ErrorBody
//	@Failure	403			{object}	ErrorBody
//	@Router		/osm/nslcm/v1/vnf_instances [get]
//	@Router		/osm/nslcm/v1/vnfrs [get]
func (h nslcmHandlers) listVNF(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listViews(c, nsListOptions, viewNames(models.KindVNFR),
		func(f filter.Expr) (int64, error) { return h.svc.CountVNF(ctx, scope, f) },
		func(q filter.Query) (filter.Page[nslcm.View], error) { return h.svc.ListVNF(ctx, scope, q) })
}

// getOp shows an operation occurrence.
//
//	@Summary		Show an NS operation occurrence
//	@Description	operationState PROCESSING (with queuePosition and stage), then COMPLETED, FAILED, FAILED_TEMP (its runner went away: retry resumes it), ROLLED_BACK or CANCELLED; startTime, statusEnteredTime, detailed-status, operationParams; _admin.history holds every state change.
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the operation's id"
//	@Success		200	{object}	object
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/osm/nslcm/v1/ns_lcm_op_occs/{id} [get]
func (h nslcmHandlers) getOp(c *gin.Context) {
	v, err := h.svc.GetOp(c.Request.Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, v)
}

// listOps lists operation occurrences.
//
//	@Summary	List NS operation occurrences
//	@Tags		nslcm
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		nsInstanceId	query		string	false	"the NS instance's id"
//	@Success	200				{array}		object
//	@Failure	400				{object}	ErrorBody
//	@Failure	401				{object}	ErrorBody
//	@Failure	403				{object}	ErrorBody
//	@Router		/osm/nslcm/v1/ns_lcm_op_occs [get]
func (h nslcmHandlers) listOps(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listViews(c, opListOptions, nil,
		func(f filter.Expr) (int64, error) { return h.svc.CountOps(ctx, scope, f) },
		func(q filter.Query) (filter.Page[nslcm.View], error) { return h.svc.ListOps(ctx, scope, q) })
}

// cancel cancels an operation.
//
//	@Summary		Cancel an NS operation
//	@Description	A PROCESSING operation ends CANCELLED at its next step; a FAILED_TEMP one at once. 409 otherwise.
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path	string	true	"the operation's id"
//	@Success		202	{object}	OpStarted
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the operation has ended"
//	@Router			/osm/nslcm/v1/ns_lcm_op_occs/{id}/cancel [post]
func (h nslcmHandlers) cancel(c *gin.Context) {
	if err := h.svc.Cancel(c.Request.Context(), scopeOf(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusAccepted, OpStarted{ID: c.Param("id")})
}

// retry resumes a FAILED_TEMP operation.
//
//	@Summary		Retry an NS operation
//	@Description	Resumes a FAILED_TEMP operation at the step it reached. 409 for any other state, or when another replica resumes it.
//	@Tags			nslcm
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the operation's id"
//	@Success		202	{object}	OpStarted
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"not FAILED_TEMP"
//	@Router			/osm/nslcm/v1/ns_lcm_op_occs/{id}/retry [post]
func (h nslcmHandlers) retry(c *gin.Context) {
	if err := h.svc.Retry(c.Request.Context(), scopeOf(c), c.Param("id")); err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/osm/nslcm/v1/ns_lcm_op_occs/"+c.Param("id"))
	render(c, http.StatusAccepted, OpStarted{ID: c.Param("id")})
}

// viewNames rewrites the filter names of an OSM view of kind into the
// paths that store them (nslcm.Rewrite).
func viewNames(kind models.Kind) func(url.Values) url.Values {
	return func(q url.Values) url.Values { return nslcm.Rewrite(kind, q) }
}

// listViews answers a list of OSM views (listAll).
func listViews(c *gin.Context, opts filter.Options, rewrite func(url.Values) url.Values, count func(filter.Expr) (int64, error), list func(filter.Query) (filter.Page[nslcm.View], error)) {
	req, page, ok := listAll(c, opts, []string{"_admin"}, rewrite, count, list)
	if !ok {
		return
	}
	out := make([]map[string]any, 0, len(page.Items))
	for _, v := range page.Items {
		if req.fields.All() {
			out = append(out, v)
			continue
		}
		kept := req.fields.Apply(v)
		kept["_id"] = v["_id"]
		out = append(out, kept)
	}
	render(c, http.StatusOK, out)
}
