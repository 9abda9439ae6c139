package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
)

// registerVIMRoutes serves OSM's VIM accounts, at vim_accounts and at
// vims (the older name osmclient still knows), each with its own
// permission tree as OSM names them.
func registerVIMRoutes(r gin.IRouter, g authGate, h vimHandlers) {
	for _, base := range []string{"vim_accounts", "vims"} {
		grp := r.Group("/osm/admin/v1/" + base)
		grp.GET("", g.require(base+":get"), h.list)
		grp.POST("", g.require(base+":post"), h.create)
		grp.GET("/:id", g.require(base+":id:get"), h.get)
		grp.PATCH("/:id", g.require(base+":id:patch"), h.edit)
		grp.PUT("/:id", g.require(base+":id:put"), h.edit)
		grp.DELETE("/:id", g.require(base+":id:delete"), h.remove)
	}
}

// VIMService is the VIM accounts (orchestrator/nslcm.VIMs).
type VIMService interface {
	Create(ctx context.Context, scope models.Scope, e nslcm.VIMEdit) (string, string, error)
	Edit(ctx context.Context, scope models.Scope, id string, e nslcm.VIMEdit, replace bool) (string, error)
	Get(ctx context.Context, scope models.Scope, id string) (models.Entry, error)
	List(ctx context.Context, scope models.Scope, q filter.Query) (filter.Page[models.Entry], error)
	Count(ctx context.Context, scope models.Scope, f filter.Expr) (int64, error)
	Delete(ctx context.Context, scope models.Scope, id string, force bool) (string, error)
}

type vimHandlers struct {
	svc  VIMService
	body bodyReader
}

// VIMBody documents a VIM account body (OSM's).
type VIMBody struct {
	Name          string         `json:"name" example:"site-a"`
	VIMType       string         `json:"vim_type" example:"openstack"`
	Description   string         `json:"description,omitempty" example:"the lab's OpenStack"`
	VIMURL        string         `json:"vim_url" example:"https://keystone.example:5000/v3"`
	VIMUser       string         `json:"vim_user" example:"osm"`
	VIMPassword   string         `json:"vim_password" example:"a-password"`
	VIMTenantName string         `json:"vim_tenant_name" example:"osm"`
	Config        map[string]any `json:"config,omitempty"`
}

// VIMCreated is the answer to a new VIM account.
type VIMCreated struct {
	ID   string `json:"id" example:"ab7de325-423a-4508-a933-3db7f5e3895f"`
	OpID string `json:"op_id" example:"ab7de325-423a-4508-a933-3db7f5e3895f:0"`
}

// VIMOperation is the answer to an edit or a deletion.
type VIMOperation struct {
	OpID string `json:"op_id" example:"ab7de325-423a-4508-a933-3db7f5e3895f:1"`
}

func (h vimHandlers) edits(c *gin.Context) (nslcm.VIMEdit, bool) {
	obj, ok := h.body.object(c, "an object: a VIM account")
	return nslcm.VIMEdit(obj), ok
}

// create registers a VIM account.
//
//	@Summary		Register a VIM account
//	@Description	name, vim_type (openstack, openvim, vmware, aws, azure, gcp, fos, opennebula, dummy), vim_url (absolute), vim_user, vim_password, vim_tenant_name are required; description and config are not. No VIM is contacted: the account is checked and registered (operationalState ENABLED). The password is sealed (AES-GCM, SECRET_KEY) and never shown.
//	@Tags			vim
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			vim	body		VIMBody	true	"the VIM account"
//	@Success		202	{object}	VIMCreated
//	@Header			202	{string}	Location	"the account's URL"
//	@Failure		400	{object}	ErrorBody
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the name exists in the project"
//	@Failure		422	{object}	ErrorBody	"a field missing or wrong, each with its pointer"
//	@Router			/osm/admin/v1/vim_accounts [post]
//	@Router			/osm/admin/v1/vims [post]
func (h vimHandlers) create(c *gin.Context) {
	e, ok := h.edits(c)
	if !ok {
		return
	}
	id, op, err := h.svc.Create(c.Request.Context(), scopeOf(c), e)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", strings.TrimSuffix(c.Request.URL.Path, "/")+"/"+id)
	render(c, http.StatusAccepted, VIMCreated{ID: id, OpID: op})
}

// edit changes a VIM account.
//
//	@Summary		Edit a VIM account
//	@Description	PATCH merges the fields given (null removes an optional one); PUT sets them all (the password kept unless given).
//	@Tags			vim
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the account's _id"
//	@Param			vim	body		VIMBody	true	"the fields"
//	@Success		202	{object}	VIMOperation
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"the name exists in the project"
//	@Failure		422	{object}	ErrorBody
//	@Router			/osm/admin/v1/vim_accounts/{id} [patch]
//	@Router			/osm/admin/v1/vim_accounts/{id} [put]
func (h vimHandlers) edit(c *gin.Context) {
	e, ok := h.edits(c)
	if !ok {
		return
	}
	op, err := h.svc.Edit(c.Request.Context(), scopeOf(c), c.Param("id"), e, c.Request.Method == http.MethodPut)
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusAccepted, VIMOperation{OpID: op})
}

// vimView is a VIM account as shown: never its password.
func vimView(e models.Entry) (map[string]any, error) {
	v, err := entryView(e)
	if err == nil {
		hideSecret(v)
	}
	return v, err
}

// hideSecret takes the sealed password out of a VIM account's view.
func hideSecret(v map[string]any) {
	if admin, ok := v["_admin"].(map[string]any); ok {
		delete(admin, "secret")
	}
}

// list lists the VIM accounts.
//
//	@Summary	List VIM accounts
//	@Tags		vim
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		filter	query		string	false	"SOL005 filters, e.g. name=site-a or _admin.operationalState=ENABLED"
//	@Success	200		{array}		object
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody
//	@Router		/osm/admin/v1/vim_accounts [get]
//	@Router		/osm/admin/v1/vims [get]
func (h vimHandlers) list(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listEntries(c,
		func(f filter.Expr) (int64, error) { return h.svc.Count(ctx, scope, f) },
		func(q filter.Query) (filter.Page[models.Entry], error) { return h.svc.List(ctx, scope, q) },
		hideSecret)
}

// get shows a VIM account.
//
//	@Summary	Show a VIM account
//	@Tags		vim
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"the account's _id"
//	@Success	200	{object}	object
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/admin/v1/vim_accounts/{id} [get]
//	@Router		/osm/admin/v1/vims/{id} [get]
func (h vimHandlers) get(c *gin.Context) {
	e, err := h.svc.Get(c.Request.Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := vimView(e)
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, v)
}

// remove deletes a VIM account.
//
//	@Summary		Delete a VIM account
//	@Description	409 while an NS is deployed on it, unless FORCE=true.
//	@Tags			vim
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"the account's _id"
//	@Success		202	{object}	VIMOperation
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"in use"
//	@Router			/osm/admin/v1/vim_accounts/{id} [delete]
//	@Router			/osm/admin/v1/vims/{id} [delete]
func (h vimHandlers) remove(c *gin.Context) {
	op, err := h.svc.Delete(c.Request.Context(), scopeOf(c), c.Param("id"), accessOf(c).Force)
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusAccepted, VIMOperation{OpID: op})
}
