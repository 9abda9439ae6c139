package handlers

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// registerRecordRoutes serves each record kind on tng-rep's base path and
// its alias: list, create, ping, read, replace, delete. Each route needs
// OSM's permission for NS or VNF instances.
func registerRecordRoutes(r gin.IRouter, g authGate, svc RecordService, health healthHandlers, complexAttrs func(models.Kind) []string, body bodyReader) {
	for _, kind := range models.Kinds() {
		h := recordHandlers{kind: kind, svc: svc, body: body, complexAttrs: complexAttrs(kind)}
		p := recordPermissions[kind]
		for _, base := range recordPaths[kind] {
			r := r.Group(base)
			r.GET("", g.require(p+":get"), h.list)
			r.POST("", g.require(p+":post"), h.create)
			r.GET("/ping", health.ping)
			r.GET("/pings", health.ping)
			r.GET("/:uuid", g.require(p+":id:get"), h.get)
			r.PUT("/:uuid", g.require(p+":id:put"), h.replace)
			r.DELETE("/:uuid", g.require(p+":id:delete"), h.remove)
		}
	}
}

// recordPermissions are the permission trees of each kind: OSM's names
// for NS and VNF instances ("ns_instances:id:get", ...).
var recordPermissions = map[models.Kind]string{
	models.KindNSR:  "ns_instances",
	models.KindVNFR: "vnf_instances",
}

// recordPaths are the base paths of each kind: tng-rep's and its aliases.
var recordPaths = map[models.Kind][]string{
	models.KindNSR:  {"/nsrs", "/records/nsr/ns-instances"},
	models.KindVNFR: {"/vnfrs", "/records/vnfr/vnf-instances"},
}

// RecordService is what the record handlers need: the record rules over
// the repository (orchestrator/records.Service). A body is given decoded
// (numbers as json.Number).
type RecordService interface {
	Create(ctx context.Context, scope models.Scope, kind models.Kind, doc any) (models.Record, error)
	Get(ctx context.Context, scope models.Scope, kind models.Kind, uuid string) (models.Record, error)
	Replace(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, doc any, pre *models.Precondition) (models.Record, error)
	Delete(ctx context.Context, scope models.Scope, kind models.Kind, uuid string, pre *models.Precondition) error
	List(ctx context.Context, scope models.Scope, kind models.Kind, q filter.Query) (filter.Page[models.Record], error)
	Count(ctx context.Context, scope models.Scope, kind models.Kind, f filter.Expr) (int64, error)
}

// recordHandlers serve one record kind on its base paths.
type recordHandlers struct {
	kind         models.Kind
	svc          RecordService
	body         bodyReader
	complexAttrs []string // what exclude_default leaves out
}

// Record is a stored record as clients see it (documentation only: records
// are schema-validated free-form documents).
type Record struct {
	UUID              string `json:"uuid" example:"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"`
	CreatedAt         string `json:"created_at" example:"2018-02-26T17:58:51.758+00:00"`
	UpdatedAt         string `json:"updated_at" example:"2018-02-26T17:58:51.758+00:00"`
	DescriptorVersion string `json:"descriptor_version" example:"i0ocAa"`
	Status            string `json:"status" example:"normal operation"`
}

// Count is the answer to ?count.
type Count struct {
	Count int64 `json:"count" example:"42"`
}

// create stores a new record.
//
//	@Summary		Create a record
//	@Description	Stores a schema-validated NSR or VNFR (JSON or YAML). Answers 200 with the stored record, as tng-rep clients expect. uuid, created_at and updated_at in the body are ignored.
//	@Tags			records
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Param			record	body		object	true	"the record; id (a uuid) is required"
//	@Success		200		{object}	Record
//	@Header			200		{string}	Location	"the record's URL"
//	@Header			200		{string}	ETag		"the record's version"
//	@Failure		401		{object}	ErrorBody	"no credentials, or bad ones (AUTH=token)"
//	@Failure		403		{object}	ErrorBody	"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure		400		{object}	ErrorBody	"malformed body: not JSON or YAML, a duplicate key, invalid UTF-8 (detail says where)"
//	@Failure		408		{object}	ErrorBody	"the body did not arrive within REQUEST_TIMEOUT"
//	@Failure		409		{object}	ErrorBody	"uuid already exists"
//	@Failure		413		{object}	ErrorBody	"body over MAX_BODY_BYTES, MAX_BODY_VALUES, MAX_ARRAY_ITEMS or MAX_OBJECT_MEMBERS (detail names it)"
//	@Failure		415		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody	"schema violations, each with its JSON pointer (past 100, 100 of them and violations_total), or a number no store keeps exactly"
//	@Failure		503		{object}	ErrorBody	"database unreachable, or the request ran past REQUEST_TIMEOUT (code TIMEOUT)"
//	@Failure		507		{object}	ErrorBody	"the store is full"
//	@Router			/nsrs [post]
//	@Router			/vnfrs [post]
//	@Router			/records/nsr/ns-instances [post]
//	@Router			/records/vnfr/vnf-instances [post]
func (h recordHandlers) create(c *gin.Context) {
	doc, err := h.body.read(c)
	if err != nil {
		writeError(c, err)
		return
	}
	rec, err := h.svc.Create(c.Request.Context(), scopeOf(c), h.kind, doc)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", c.Request.URL.Path+"/"+rec.UUID)
	h.renderRecord(c, http.StatusOK, rec)
}

// get reads one record.
//
//	@Summary	Read a record
//	@Tags		records
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Produce	application/json,application/yaml,text/html
//	@Param		uuid	path		string	true	"record uuid"
//	@Param		output	query		string	false	"json or yaml (any case)"
//	@Success	200		{object}	Record
//	@Success	304		"If-None-Match holds"
//	@Failure	401		{object}	ErrorBody	"no credentials, or bad ones (AUTH=token)"
//	@Failure	403		{object}	ErrorBody	"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure	400		{object}	ErrorBody	"not a uuid"
//	@Failure	404		{object}	ErrorBody
//	@Failure	503		{object}	ErrorBody
//	@Router		/nsrs/{uuid} [get]
//	@Router		/vnfrs/{uuid} [get]
//	@Router		/records/nsr/ns-instances/{uuid} [get]
//	@Router		/records/vnfr/vnf-instances/{uuid} [get]
//	@Router		/records/services/{uuid} [get]
//	@Router		/records/functions/{uuid} [get]
func (h recordHandlers) get(c *gin.Context) {
	uuid, err := h.uuidParam(c)
	if err != nil {
		writeError(c, err)
		return
	}
	rec, err := h.svc.Get(c.Request.Context(), scopeOf(c), h.kind, uuid)
	if err != nil {
		writeError(c, err)
		return
	}
	if noneMatch(c.GetHeader("If-None-Match"), rec) {
		c.Header("ETag", rec.ETag())
		c.Status(http.StatusNotModified)
		return
	}
	h.renderRecord(c, http.StatusOK, rec)
}

// replace swaps a record for a new version.
//
//	@Summary		Replace a record
//	@Description	Full replace, in one atomic database operation. A body id must equal the URL's (absent: taken from it). created_at is kept; updated_at and the version move on. If-Match with a stale ETag is 412. A refused body leaves the record unchanged.
//	@Tags			records
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Param			uuid		path		string	true	"record uuid"
//	@Param			If-Match	header		string	false	"ETag the record must still have"
//	@Param			record		body		object	true	"the new record"
//	@Success		200			{object}	Record
//	@Failure		401			{object}	ErrorBody	"no credentials, or bad ones (AUTH=token)"
//	@Failure		403			{object}	ErrorBody	"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure		400			{object}	ErrorBody
//	@Failure		404			{object}	ErrorBody
//	@Failure		408			{object}	ErrorBody
//	@Failure		412			{object}	ErrorBody
//	@Failure		413			{object}	ErrorBody
//	@Failure		415			{object}	ErrorBody
//	@Failure		422			{object}	ErrorBody
//	@Failure		503			{object}	ErrorBody
//	@Failure		507			{object}	ErrorBody
//	@Router			/nsrs/{uuid} [put]
//	@Router			/vnfrs/{uuid} [put]
//	@Router			/records/nsr/ns-instances/{uuid} [put]
//	@Router			/records/vnfr/vnf-instances/{uuid} [put]
func (h recordHandlers) replace(c *gin.Context) {
	uuid, ifMatch, err := h.conditionalTarget(c)
	if err != nil {
		writeError(c, err)
		return
	}
	doc, err := h.body.read(c)
	if err != nil {
		writeError(c, err)
		return
	}
	rec, err := h.svc.Replace(c.Request.Context(), scopeOf(c), h.kind, uuid, doc, ifMatch)
	if err != nil {
		writeError(c, err)
		return
	}
	h.renderRecord(c, http.StatusOK, rec)
}

// remove deletes a record.
//
//	@Summary	Delete a record
//	@Tags		records
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Produce	plain
//	@Param		uuid		path		string		true	"record uuid"
//	@Param		If-Match	header		string		false	"ETag the record must still have"
//	@Success	200			{string}	string		"OK: vnfr removed"
//	@Failure	401			{object}	ErrorBody	"no credentials, or bad ones (AUTH=token)"
//	@Failure	403			{object}	ErrorBody	"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure	400			{object}	ErrorBody
//	@Failure	404			{object}	ErrorBody
//	@Failure	412			{object}	ErrorBody
//	@Failure	503			{object}	ErrorBody
//	@Failure	507			{object}	ErrorBody	"the store is full (a delete may need room too)"
//	@Router		/nsrs/{uuid} [delete]
//	@Router		/vnfrs/{uuid} [delete]
//	@Router		/records/nsr/ns-instances/{uuid} [delete]
//	@Router		/records/vnfr/vnf-instances/{uuid} [delete]
func (h recordHandlers) remove(c *gin.Context) {
	uuid, ifMatch, err := h.conditionalTarget(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if err := h.svc.Delete(c.Request.Context(), scopeOf(c), h.kind, uuid, ifMatch); err != nil {
		writeError(c, err)
		return
	}
	renderText(c, http.StatusOK, "OK: "+h.kind.Singular()+" removed")
}

// list answers a page of records, newest first.
//
//	@Summary		List records
//	@Description	Newest first, or in the order of sort. Paged by page_number (0-based) and page_size, or offset and limit; the Link header (RFC 8288: first, prev, next, last) keeps the other parameters, and its next link carries a nextpage_opaque_marker that continues after the last record returned (keyset paging: a deep page costs what the first does). X-Total-Count and ?count count the records that match the filters.
//	@Description	Filters (ETSI SOL005 4.3.2): every key that is not one of the parameters below (nor FORCE, PUBLIC, ADMIN, SET_PROJECT) is a filter, attrName[.attrName]*[.op]=value[,value]*, with op one of eq (the default), neq or ne, gt, gte, lt, lte, cont, ncont. All conditions must hold; several values (comma-separated or the key repeated) mean any of them, or none of them for neq and ncont. cont is equality, array membership or a plain substring. A number segment is an array position; ANYINDEX makes the conditions that share its prefix hold on the same array element. uuid, created_at and updated_at are filterable; times compare as instants. A value also matches the number or boolean it reads as; an empty value matches null or missing. Example: descriptor_reference=6a15313f-cb0a-4540-baa2-77cc6b3f1010&status.neq=terminated&virtual_deployment_units.resource_requirements.cpu.vcpus.gt=4. A malformed key or value is a 400 that names it. status, descriptor_reference, uuid and created_at are served by indexes; any other filter, and any sort but the default, reads every record the indexed conditions select.
//	@Tags			records
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Produce		application/json,application/yaml,text/html
//	@Param			page_number				query		int		false	"0-based page"
//	@Param			page_size				query		int		false	"records per page (1-1000, default 100)"
//	@Param			offset					query		int		false	"records to skip (not with page_number/page_size)"
//	@Param			limit					query		int		false	"records to answer (1-1000, default 100)"
//	@Param			nextpage_opaque_marker	query		string	false	"from the next link of the previous page: continue after it; not with offset or page_number, and only with the sort it was issued for"
//	@Param			count					query		string	false	"no value (or true): answer {count: N}, N the records that match the filters"
//	@Param			sort					query		string	false	"comma-separated attribute paths, '-' before one for descending (sort=status,-created_at); ties by uuid; default newest first"
//	@Param			fields					query		string	false	"comma-separated attribute paths to keep (uuid, created_at, updated_at are always kept)"
//	@Param			exclude_fields			query		string	false	"comma-separated attribute paths to leave out (not uuid)"
//	@Param			exclude_default			query		string	false	"no value: leave out the record kind's object and array attributes (fields given with it are kept)"
//	@Param			all_fields				query		string	false	"no value: every attribute (the default); not with the other selectors"
//	@Param			output					query		string	false	"json or yaml (any case)"
//	@Param			status					query		string	false	"a filter: status equals one of these (comma-separated); status.neq=... etc."
//	@Param			descriptor_reference	query		string	false	"a filter: descriptor_reference equals one of these (comma-separated)"
//	@Param			Query-String-Format		header		string	false	"yaml: read filter values as YAML scalars (5 only a number, '5' only a string)"	Enums(yaml)
//	@Success		200						{array}		Record
//	@Header			200						{integer}	X-Total-Count	"records that match the filters"
//	@Header			200						{string}	Link			"first, prev, next (with nextpage_opaque_marker), last"
//	@Failure		401						{object}	ErrorBody		"no credentials, or bad ones (AUTH=token)"
//	@Failure		403						{object}	ErrorBody		"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure		400						{object}	ErrorBody		"a malformed or conflicting parameter, filter or marker, named in detail"
//	@Failure		503						{object}	ErrorBody
//	@Router			/nsrs [get]
//	@Router			/vnfrs [get]
//	@Router			/records/nsr/ns-instances [get]
//	@Router			/records/vnfr/vnf-instances [get]
//	@Router			/records/services [get]
//	@Router			/records/functions [get]
func (h recordHandlers) list(c *gin.Context) {
	req, err := h.parseList(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	if req.count {
		n, err := h.svc.Count(ctx, scopeOf(c), h.kind, req.filter)
		if err != nil {
			writeError(c, err)
			return
		}
		render(c, http.StatusOK, Count{Count: n})
		return
	}
	page, err := h.svc.List(ctx, scopeOf(c), h.kind, req.query())
	if err != nil {
		writeError(c, err)
		return
	}
	pageHeaders(c, req, req.paging, page.Total, page.Next)
	renderList(c, http.StatusOK, page.Items, req.fields)
}

func (h recordHandlers) renderRecord(c *gin.Context, status int, rec models.Record) {
	c.Header("ETag", rec.ETag())
	renderRecord(c, status, rec)
}

// conditionalTarget reads the uuid of a write and its If-Match condition.
func (h recordHandlers) conditionalTarget(c *gin.Context) (string, *models.Precondition, error) {
	uuid, err := h.uuidParam(c)
	if err != nil {
		return "", nil, err
	}
	ifMatch, err := parseIfMatch(c.GetHeader("If-Match"))
	if err != nil {
		return "", nil, err
	}
	return uuid, ifMatch, nil
}

func (h recordHandlers) uuidParam(c *gin.Context) (string, error) {
	raw := c.Param("uuid")
	uuid, ok := models.NormalizeUUID(raw)
	if !ok {
		return "", models.Errorf(models.CodeInvalid, "%s is not a %s uuid (want 8-4-4-4-12 hex digits)", models.Quote(raw), h.kind.Singular())
	}
	return uuid, nil
}
