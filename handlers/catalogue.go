package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// registerCatalogueRoutes serves the catalogue on OSM's SOL005 routes:
// VNF packages under /osm/vnfpkgm/v1, NS descriptors under /osm/nsd/v1,
// each in OSM's "content" form (create and upload in one) and SOL005's
// (the package's info, its content, its descriptor). Permissions are
// OSM's vnfds:* and nsds:*.
func registerCatalogueRoutes(r gin.IRouter, g authGate, h catalogueHandlers) {
	for _, f := range []struct {
		kind                      catalogue.Kind
		base, content, info, file string
		perm                      string
	}{
		{catalogue.VNFD, "/osm/vnfpkgm/v1", "/vnf_packages_content", "/vnf_packages", "vnfd", "vnfds"},
		{catalogue.NSD, "/osm/nsd/v1", "/ns_descriptors_content", "/ns_descriptors", "nsd", "nsds"},
	} {
		k, p := kindHandlers{catalogueHandlers: h, kind: f.kind}, f.perm
		grp := r.Group(f.base)
		for _, base := range []string{f.content, f.info} {
			grp.GET(base, g.require(p+":get"), k.list)
			grp.GET(base+"/:id", g.require(p+":id:get"), k.get)
			grp.DELETE(base+"/:id", g.require(p+":id:delete"), k.remove)
		}
		grp.POST(f.content, g.require(p+":content:post"), k.onboard)
		grp.PUT(f.content+"/:id", g.require(p+":id:content:put"), k.upload)
		grp.POST(f.info, g.require(p+":post"), k.createEmpty)
		grp.PATCH(f.info+"/:id", g.require(p+":id:patch"), k.modify)
		for _, content := range []string{f.file + "_content", "package_content"} {
			grp.GET(f.info+"/:id/"+content, g.require(p+":id:content:get"), k.packageContent)
			grp.PUT(f.info+"/:id/"+content, g.require(p+":id:content:put"), k.upload)
		}
		grp.GET(f.info+"/:id/"+f.file, g.require(p+":id:"+f.file+":get"), k.descriptor)
		grp.GET(f.info+"/:id/artifacts/*path", g.require(p+":id:artifacts:get"), k.artifact)
	}
}

// CatalogueService is the catalogue (orchestrator/catalogue.Service).
type CatalogueService interface {
	Onboard(ctx context.Context, scope models.Scope, kind catalogue.Kind, up catalogue.Upload, force bool) (models.Entry, error)
	Get(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string) (models.Entry, error)
	List(ctx context.Context, scope models.Scope, kind catalogue.Kind, q filter.Query) (filter.Page[models.Entry], error)
	Count(ctx context.Context, scope models.Scope, kind catalogue.Kind, f filter.Expr) (int64, error)
	Delete(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string, force bool) error
	Content(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string, descriptor bool) (models.Entry, []byte, error)
	OpenPackage(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string) (catalogue.Download, error)
	CreateEmpty(ctx context.Context, scope models.Scope, kind catalogue.Kind, m catalogue.Modifications) (models.Entry, error)
	Upload(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string, up catalogue.Upload, force bool) (models.Entry, error)
	Modify(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid string, m catalogue.Modifications) (models.Entry, error)
	Artifact(ctx context.Context, scope models.Scope, kind catalogue.Kind, uuid, name string) ([]byte, error)
	Receive(ctx context.Context, owner string, kind catalogue.Kind, entry string, up catalogue.Upload, ch catalogue.Chunk) (string, []byte, catalogue.Upload, error)
}

type catalogueHandlers struct {
	svc        CatalogueService
	maxPackage int64
	body       bodyReader
}

type kindHandlers struct {
	catalogueHandlers
	kind catalogue.Kind
}

// packageTypes are the Content-Types a package may come as (the seed's,
// and the text and YAML types osmclient sends a bare descriptor as).
var packageTypes = map[string]bool{
	"application/gzip": true, "application/x-gzip": true, "application/zip": true, "application/binary": true,
	"application/octet-stream": true, "text/plain": true, "application/yaml": true, "application/x-yaml": true,
	"text/yaml": true, "application/json": true,
}

// onboard creates an entry from an uploaded package.
//
//	@Summary		Onboard a package (create and upload in one)
//	@Description	The body is the package: a bare descriptor (YAML or JSON: SONATA, OSM's vnfd:vnfd-catalog or nsd:nsd-catalog, or SOL006), an OSM .tar.gz, or a 5GTANGO .tgo (zip). Content-File-MD5, when sent, must match. An NSD needs every VNFD it names in the project (FORCE=true skips the check).
//	@Tags			catalogue
//	@Accept			application/gzip,application/zip,text/plain,application/yaml,application/json
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			Content-Filename	header		string	false	"the package's file name"
//	@Param			Content-File-MD5	header		string	false	"the package's MD5, hex"
//	@Success		201					{object}	Created
//	@Header			201					{string}	Location	"the entry's URL"
//	@Failure		400					{object}	ErrorBody	"the descriptor is not YAML or JSON"
//	@Failure		401					{object}	ErrorBody
//	@Failure		403					{object}	ErrorBody
//	@Failure		409					{object}	ErrorBody	"the descriptor id exists in the project"
//	@Failure		413					{object}	ErrorBody	"over MAX_PACKAGE_BYTES, or unpacking past the limits"
//	@Failure		415					{object}	ErrorBody
//	@Failure		422					{object}	ErrorBody	"a hostile or corrupt archive, no descriptor or two, a descriptor lacking what instantiation needs (violations with their paths), an NSD naming VNFDs not onboarded, an MD5 mismatch"
//	@Router			/osm/vnfpkgm/v1/vnf_packages_content [post]
//	@Router			/osm/nsd/v1/ns_descriptors_content [post]
func (h kindHandlers) onboard(c *gin.Context) {
	up, ok := h.readUpload(c, "")
	if !ok {
		return
	}
	e, err := h.svc.Onboard(c.Request.Context(), scopeOf(c), h.kind, up, accessOf(c).Force)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", strings.TrimSuffix(c.Request.URL.Path, "/")+"/"+e.UUID)
	render(c, http.StatusCreated, map[string]string{"id": e.UUID})
}

// readUpload reads a package upload for entry ("" for a new one): its
// Content-Type one of a package's, its size within MAX_PACKAGE_BYTES. A
// chunk (Content-Range) that does not complete its upload is answered
// here, 202 with its Transaction-Id; the one that does yields the whole.
func (h kindHandlers) readUpload(c *gin.Context, entry string) (catalogue.Upload, bool) {
	ct := c.GetHeader("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil || !packageTypes[strings.ToLower(media)] {
		writeError(c, models.Errorf(models.CodeUnsupportedMedia, "Content-Type %s is not a package type: send application/gzip, application/zip, text/plain, application/yaml or application/json", models.Quote(ct)))
		return catalogue.Upload{}, false
	}
	raw, err := readAll(c, h.maxPackage)
	if err != nil {
		if models.ErrorCodeOf(err) == models.CodeTooLarge {
			err = models.Errorf(models.CodeTooLarge, "the package is larger than MAX_PACKAGE_BYTES (%d bytes)", h.maxPackage)
		}
		writeError(c, err)
		return catalogue.Upload{}, false
	}
	up := catalogue.Upload{Data: raw, Filename: c.GetHeader("Content-Filename"), MD5: c.GetHeader("Content-File-MD5")}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		writeError(c, models.Errorf(models.CodeInvalid, "malformed query string: %v", err))
		return up, false
	}
	for k, vs := range q {
		if filter.IsReservedKey(k) || k == "output" {
			continue // FORCE, ... are the gate's
		}
		if up.Overrides == nil {
			up.Overrides = map[string]string{}
		}
		up.Overrides[k] = vs[len(vs)-1]
	}
	if err := catalogue.CheckOverrides(up.Overrides); err != nil { // the service's rule, before the package is read
		writeError(c, err)
		return up, false
	}
	cr := c.GetHeader("Content-Range")
	if cr == "" {
		return up, true
	}
	ch, err := parseContentRange(cr, h.maxPackage)
	if err != nil {
		writeError(c, err)
		return up, false
	}
	ch.Tx = c.GetHeader("Transaction-Id")
	id := identityOf(c)
	tx, whole, up, err := h.svc.Receive(c.Request.Context(), id.UserID+"/"+id.ProjectID, h.kind, entry, up, ch)
	if err != nil {
		writeError(c, err)
		return up, false
	}
	if whole == nil {
		c.Header("Transaction-Id", tx)
		render(c, http.StatusAccepted, UploadProgress{TransactionID: tx, Received: ch.Last + 1, Total: ch.Total})
		return up, false
	}
	return up, true
}

// UploadProgress is the answer to a chunk that does not end its upload.
type UploadProgress struct {
	TransactionID string `json:"transaction_id" example:"0b9c7a1e-3c55-4a8f-9d5e-6f0e1d2c3b4a"`
	Received      int64  `json:"received" example:"1048576"`
	Total         int64  `json:"total" example:"4194304"`
}

// parseContentRange reads Content-Range: "bytes first-last/total" (or
// without "bytes "), the chunk within the total, the total within
// maxPackage.
func parseContentRange(h string, maxPackage int64) (catalogue.Chunk, error) {
	bad := func() (catalogue.Chunk, error) {
		return catalogue.Chunk{}, models.Errorf(models.CodeInvalid, "Content-Range %s is not \"bytes first-last/total\" with first <= last < total", models.Quote(h))
	}
	spec := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(h), "bytes"))
	rng, total, ok := strings.Cut(spec, "/")
	first, last, ok2 := strings.Cut(rng, "-")
	if !ok || !ok2 {
		return bad()
	}
	var ch catalogue.Chunk
	var err1, err2, err3 error
	ch.First, err1 = strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	ch.Last, err2 = strconv.ParseInt(strings.TrimSpace(last), 10, 64)
	ch.Total, err3 = strconv.ParseInt(strings.TrimSpace(total), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ch.First < 0 || ch.First > ch.Last || ch.Last >= ch.Total {
		return bad()
	}
	if ch.Total > maxPackage {
		return ch, models.Errorf(models.CodeTooLarge, "the package is larger than MAX_PACKAGE_BYTES (%d bytes)", maxPackage)
	}
	return ch, nil
}

// upload gives an entry its package, or replaces it.
//
//	@Summary		Upload or replace a package
//	@Description	The package of an entry made by POST of the package info (then ONBOARDED and ENABLED), or a new one for an onboarded entry: a new version of its descriptor, or another descriptor id (unique in the project). The same checks as onboarding.
//	@Tags			catalogue
//	@Accept			application/gzip,application/zip,text/plain,application/yaml,application/json
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path	string	true	"the entry's _id"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the descriptor id exists in the project"
//	@Failure		413	{object}	ErrorBody
//	@Failure		415	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody
//	@Router			/osm/vnfpkgm/v1/vnf_packages/{id}/package_content [put]
//	@Router			/osm/vnfpkgm/v1/vnf_packages_content/{id} [put]
//	@Router			/osm/nsd/v1/ns_descriptors/{id}/nsd_content [put]
//	@Router			/osm/nsd/v1/ns_descriptors_content/{id} [put]
func (h kindHandlers) upload(c *gin.Context) {
	up, ok := h.readUpload(c, c.Param("id"))
	if !ok {
		return
	}
	_, err := h.svc.Upload(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"), up, accessOf(c).Force)
	done(c, err)
}

// InfoBody documents SOL005's package info bodies.
type InfoBody struct {
	OperationalState string         `json:"operationalState,omitempty" example:"DISABLED"`
	UserDefinedData  map[string]any `json:"userDefinedData,omitempty"`
}

// infoBody reads an optional object body of SOL005's package info.
func (h kindHandlers) infoBody(c *gin.Context) (catalogue.Modifications, bool) {
	var m catalogue.Modifications
	if c.Request.ContentLength == 0 {
		return m, true
	}
	obj, ok := h.body.object(c, "an object {userDefinedData, operationalState}")
	if !ok {
		return m, false
	}
	for k, v := range obj {
		switch k {
		case "userDefinedData":
			data, ok := v.(map[string]any)
			if !ok {
				writeError(c, models.Errorf(models.CodeUnprocessable, "userDefinedData must be an object"))
				return m, false
			}
			m.UserDefinedData = data
		case "operationalState":
			st, ok := v.(string)
			if !ok {
				writeError(c, models.Errorf(models.CodeUnprocessable, "operationalState must be ENABLED or DISABLED"))
				return m, false
			}
			m.OperationalState = st
		default:
			writeError(c, models.Errorf(models.CodeUnprocessable, "the package info has no field %s: userDefinedData or operationalState", models.Quote(k)))
			return m, false
		}
	}
	return m, true
}

// createEmpty creates an entry without a package (SOL005).
//
//	@Summary	Create a package info, without its content (SOL005)
//	@Tags		catalogue
//	@Accept		application/json,application/yaml
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		info	body		InfoBody	false	"userDefinedData"
//	@Success	201		{object}	object
//	@Header		201		{string}	Location	"the entry's URL"
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody
//	@Failure	422		{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages [post]
//	@Router		/osm/nsd/v1/ns_descriptors [post]
func (h kindHandlers) createEmpty(c *gin.Context) {
	m, ok := h.infoBody(c)
	if !ok {
		return
	}
	e, err := h.svc.CreateEmpty(c.Request.Context(), scopeOf(c), h.kind, m)
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := entryView(e)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", strings.TrimSuffix(c.Request.URL.Path, "/")+"/"+e.UUID)
	render(c, http.StatusCreated, v)
}

// modify changes an entry's operational state or user-defined data.
//
//	@Summary		Modify a package info (SOL005)
//	@Description	operationalState ENABLED or DISABLED (an onboarded package); userDefinedData merged (null removes a key).
//	@Tags			catalogue
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id		path		string		true	"the entry's _id"
//	@Param			changes	body		InfoBody	true	"the changes"
//	@Success		200		{object}	InfoBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody	"not onboarded yet"
//	@Failure		422		{object}	ErrorBody
//	@Router			/osm/vnfpkgm/v1/vnf_packages/{id} [patch]
//	@Router			/osm/nsd/v1/ns_descriptors/{id} [patch]
func (h kindHandlers) modify(c *gin.Context) {
	m, ok := h.infoBody(c)
	if !ok {
		return
	}
	if _, err := h.svc.Modify(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"), m); err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, m)
}

// artifact serves one file of the package.
//
//	@Summary	One file of the package (an icon, a script, ...)
//	@Tags		catalogue
//	@Produce	octet-stream
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id		path	string	true	"the entry's _id"
//	@Param		path	path	string	true	"the file's path in the package (below an OSM package's folder)"
//	@Success	200		{file}	binary
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody
//	@Failure	404		{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages/{id}/artifacts/{path} [get]
//	@Router		/osm/nsd/v1/ns_descriptors/{id}/artifacts/{path} [get]
func (h kindHandlers) artifact(c *gin.Context) {
	data, err := h.svc.Artifact(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"), c.Param("path"))
	if err != nil {
		writeError(c, err)
		return
	}
	// A package is the client's content: nothing in it may run as this
	// service's page (HTML, SVG, scripts are downloads), and nothing is
	// sniffed.
	ct := mime.TypeByExtension(path.Ext(c.Param("path")))
	if low := strings.ToLower(ct); ct == "" || strings.Contains(low, "html") || strings.Contains(low, "xml") || strings.Contains(low, "javascript") {
		ct = "application/octet-stream"
		c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(c.Param("path"))}))
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "sandbox")
	c.Data(http.StatusOK, ct, data)
}

// entryView is an entry as OSM shows it: its fields, _id, and _admin with
// the times in epoch seconds.
func entryView(e models.Entry) (map[string]any, error) {
	var v map[string]any
	if err := json.Unmarshal(appendEntry(nil, e), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// appendEntry appends an entry's JSON, spliced from what is stored (its
// fields and its _admin are JSON objects): `{"_id":…, <fields>,
// "_admin":{"created":…,"modified":…, <admin>}}`.
func appendEntry(dst []byte, e models.Entry) []byte {
	id, _ := json.Marshal(e.UUID)
	dst = append(dst, `{"_id":`...)
	dst = append(dst, id...)
	if body := bytes.TrimSpace(e.Body); len(body) > 2 {
		dst = append(dst, ',')
		dst = append(dst, body[1:len(body)-1]...)
	}
	dst = append(dst, `,"_admin":{"created":`...)
	dst = strconv.AppendFloat(dst, models.Epoch(e.Created), 'f', -1, 64)
	dst = append(dst, `,"modified":`...)
	dst = strconv.AppendFloat(dst, models.Epoch(e.Modified), 'f', -1, 64)
	if admin := bytes.TrimSpace(e.Admin); len(admin) > 2 {
		dst = append(dst, ',')
		dst = append(dst, admin[1:len(admin)-1]...)
	}
	return append(dst, "}}"...)
}

// list lists the entries of the caller's projects that the SOL005
// filters select, newest first.
//
//	@Summary	List VNF packages or NS descriptors
//	@Tags		catalogue
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		filter	query		string	false	"SOL005 filters on the entry's fields, e.g. name=cirros_vnfd or catalogue.format=sol006"
//	@Success	200		{array}		object
//	@Failure	400		{object}	ErrorBody
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages [get]
//	@Router		/osm/vnfpkgm/v1/vnf_packages_content [get]
//	@Router		/osm/nsd/v1/ns_descriptors [get]
//	@Router		/osm/nsd/v1/ns_descriptors_content [get]
func (h kindHandlers) list(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listEntries(c,
		func(f filter.Expr) (int64, error) { return h.svc.Count(ctx, scope, h.kind, f) },
		func(q filter.Query) (filter.Page[models.Entry], error) { return h.svc.List(ctx, scope, h.kind, q) },
		nil)
}

// listEntries serves a list of OSM-shaped entries (the catalogue, VIM
// accounts) with the record lists' query: filters (also on _id and
// _admin.*), sort, paging, markers, count, selectors. OSM's clients read
// a list whole: without paging parameters it is all of it, up to
// maxCatalogueList. hide, when set, takes out of each entry what is never
// shown (a VIM password); without it, and without selectors, the answer
// is spliced from the stored JSON.
func listEntries(c *gin.Context, count func(filter.Expr) (int64, error), list func(filter.Query) (filter.Page[models.Entry], error), hide func(map[string]any)) {
	req, page, ok := listAll(c, catalogueListOptions, catalogueComplex, nil, count, list)
	if !ok {
		return
	}
	if req.fields.All() && hide == nil {
		doc := []byte{'['}
		for i, e := range page.Items {
			if i > 0 {
				doc = append(doc, ',')
			}
			doc = appendEntry(doc, e)
		}
		renderJSON(c, http.StatusOK, append(doc, "]\n"...))
		return
	}
	out := make([]map[string]any, 0, len(page.Items))
	for _, e := range page.Items {
		v, err := entryView(e)
		if err != nil {
			writeError(c, err)
			return
		}
		if hide != nil {
			hide(v)
		}
		kept := req.fields.Apply(v)
		kept["_id"] = v["_id"] // an entry's id is always kept, as a record's uuid
		out = append(out, kept)
	}
	render(c, http.StatusOK, out)
}

// listAll answers ?count itself, or reads the page an OSM list asks for:
// all of it (up to maxCatalogueList) unless paging is asked for, as OSM
// lists, with the paging headers sent. false when it answered.
func listAll[T any](c *gin.Context, opts filter.Options, complexAttrs []string, rewrite func(url.Values) url.Values, count func(filter.Expr) (int64, error), list func(filter.Query) (filter.Page[T], error)) (listRequest, filter.Page[T], bool) {
	req, err := parseListRequest(c, opts, complexAttrs, rewrite)
	if err != nil {
		writeError(c, err)
		return req, filter.Page[T]{}, false
	}
	if req.count {
		n, err := count(req.filter)
		if err != nil {
			writeError(c, err)
			return req, filter.Page[T]{}, false
		}
		render(c, http.StatusOK, Count{Count: n})
		return req, filter.Page[T]{}, false
	}
	q, paging := req.query(), req.paging
	if !pagingAsked(req.values) {
		q.Limit = maxCatalogueList
		paging = pageRequest{limit: q.Limit, byOffset: true}
	}
	page, err := list(q)
	if err != nil {
		writeError(c, err)
		return req, page, false
	}
	pageHeaders(c, req, paging, page.Total, page.Next)
	return req, page, true
}

// catalogueListOptions are the filter options of catalogue lists: _id,
// and OSM's _admin states.
var catalogueListOptions = filter.Options{Fields: filter.Fields{"_id": {}, "created": {Time: true}, "modified": {Time: true}}, Admin: true, Created: "created"}

// catalogueComplex are what exclude_default leaves out of a catalogue
// list: the derived model and the _admin state.
var catalogueComplex = []string{"_admin", "catalogue"}

// pagingAsked reports whether a list request names a page.
func pagingAsked(q url.Values) bool {
	for _, k := range []string{"page_number", "page_size", "offset", "limit", markerKey} {
		if _, ok := q[k]; ok {
			return true
		}
	}
	return false
}

// maxCatalogueList bounds a catalogue list's answer.
const maxCatalogueList = 1000

// get shows an entry.
//
//	@Summary	Show a VNF package or NS descriptor
//	@Tags		catalogue
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"the entry's _id"
//	@Success	200	{object}	object
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages/{id} [get]
//	@Router		/osm/vnfpkgm/v1/vnf_packages_content/{id} [get]
//	@Router		/osm/nsd/v1/ns_descriptors/{id} [get]
//	@Router		/osm/nsd/v1/ns_descriptors_content/{id} [get]
func (h kindHandlers) get(c *gin.Context) {
	e, err := h.svc.Get(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	renderJSON(c, http.StatusOK, append(appendEntry(nil, e), '\n'))
}

// remove deletes an entry.
//
//	@Summary		Delete a VNF package or NS descriptor
//	@Description	A VNFD an NSD of the project names is in use: 409 naming it, unless FORCE=true.
//	@Tags			catalogue
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path	string	true	"the entry's _id"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"in use"
//	@Router			/osm/vnfpkgm/v1/vnf_packages/{id} [delete]
//	@Router			/osm/vnfpkgm/v1/vnf_packages_content/{id} [delete]
//	@Router			/osm/nsd/v1/ns_descriptors/{id} [delete]
//	@Router			/osm/nsd/v1/ns_descriptors_content/{id} [delete]
func (h kindHandlers) remove(c *gin.Context) {
	done(c, h.svc.Delete(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"), accessOf(c).Force))
}

// packageContent serves the package as uploaded.
//
//	@Summary	Download the package as uploaded
//	@Tags		catalogue
//	@Produce	application/gzip,application/zip,text/plain
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path	string	true	"the entry's _id"
//	@Success	200	{file}	binary
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages/{id}/package_content [get]
//	@Router		/osm/nsd/v1/ns_descriptors/{id}/nsd_content [get]
func (h kindHandlers) packageContent(c *gin.Context) {
	d, err := h.svc.OpenPackage(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	defer d.Body.Close()
	ct := "text/plain; charset=utf-8"
	switch d.Archive {
	case catalogue.TarGz:
		ct = "application/gzip"
	case catalogue.Zip:
		ct = "application/zip"
	}
	var extra map[string]string
	if d.Filename != "" {
		extra = map[string]string{"Content-Disposition": mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename})}
	}
	// Streamed from the store: a 100 MiB package is not held whole.
	c.DataFromReader(http.StatusOK, d.Size, ct, d.Body, extra)
}

// descriptor serves the descriptor verbatim.
//
//	@Summary	The descriptor, as it is in the package
//	@Tags		catalogue
//	@Produce	text/plain
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path	string	true	"the entry's _id"
//	@Success	200	{string}	string	"the descriptor"
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/vnfpkgm/v1/vnf_packages/{id}/vnfd [get]
//	@Router		/osm/nsd/v1/ns_descriptors/{id}/nsd [get]
func (h kindHandlers) descriptor(c *gin.Context) {
	_, data, err := h.svc.Content(c.Request.Context(), scopeOf(c), h.kind, c.Param("id"), true)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", data)
}
