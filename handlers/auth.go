package handlers

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
)

// registerAuthRoutes serves OSM's identity administration (/admin/v1):
// tokens (login and logout), users, projects and roles. The permission of
// each route is named here; docs/guide/security.md lists them all.
func registerAuthRoutes(r gin.IRouter, g authGate, body bodyReader) {
	h := authHandlers{svc: g.svc, body: body}
	a := r.Group("/osm/admin/v1")
	a.POST("/tokens", h.login) // anonymous: it is how a token is had
	a.GET("/tokens", g.authenticated(), h.tokens)
	a.DELETE("/tokens", g.authenticated(), h.logout)
	a.GET("/tokens/:id", g.authenticated(), h.token)
	a.DELETE("/tokens/:id", g.authenticated(), h.revoke)

	a.GET("/users", g.require("users:get"), h.users)
	a.POST("/users", g.require("users:post"), h.createUser)
	a.GET("/users/:id", g.requireOrSelf("users:id:get"), h.user)
	a.PUT("/users/:id", g.requireOrSelf("users:id:put"), h.editUser)
	a.PATCH("/users/:id", g.requireOrSelf("users:id:patch"), h.editUser)
	a.DELETE("/users/:id", g.require("users:id:delete"), h.deleteUser)

	a.GET("/projects", g.require("projects:get"), h.projects)
	a.POST("/projects", g.require("projects:post"), h.createProject)
	a.GET("/projects/:id", g.require("projects:id:get"), h.project)
	a.PUT("/projects/:id", g.require("projects:id:put"), h.editProject)
	a.PATCH("/projects/:id", g.require("projects:id:patch"), h.editProject)
	a.DELETE("/projects/:id", g.require("projects:id:delete"), h.deleteProject)

	a.GET("/roles", g.require("roles:get"), h.roles)
	a.POST("/roles", g.require("roles:post"), h.createRole)
	a.GET("/roles/:id", g.require("roles:id:get"), h.role)
	a.PUT("/roles/:id", g.require("roles:id:put"), h.editRole)
	a.PATCH("/roles/:id", g.require("roles:id:patch"), h.editRole)
	a.DELETE("/roles/:id", g.require("roles:id:delete"), h.deleteRole)
}

// AuthService is identity and access (orchestrator/auth.Service).
type AuthService interface {
	System(ctx context.Context) (auth.Identity, error)
	AuthenticateToken(ctx context.Context, token string) (auth.Identity, error)
	AuthenticateBasic(ctx context.Context, o auth.Origin, user, password string) (auth.Identity, error)
	Authorize(ctx context.Context, o auth.Origin, id auth.Identity, perm string, keys auth.AdminKeys) (auth.Access, error)
	IsSelf(ctx context.Context, caller auth.Identity, ref string) bool

	Login(ctx context.Context, o auth.Origin, req auth.Login) (auth.Issued, error)
	Tokens(ctx context.Context, id auth.Identity) ([]auth.Token, error)
	TokenOf(ctx context.Context, id auth.Identity, ref string) (auth.Token, error)
	Revoke(ctx context.Context, o auth.Origin, id auth.Identity, ref string) error

	CreateUser(ctx context.Context, o auth.Origin, caller auth.Identity, e auth.UserEdit) (auth.UserView, error)
	User(ctx context.Context, ref string) (auth.UserView, error)
	Users(ctx context.Context) ([]auth.UserView, error)
	EditUser(ctx context.Context, o auth.Origin, caller auth.Identity, ref string, e auth.UserEdit, selfOnly bool) error
	DeleteUser(ctx context.Context, o auth.Origin, caller auth.Identity, ref string) error

	CreateProject(ctx context.Context, o auth.Origin, caller auth.Identity, e auth.ProjectEdit) (auth.ProjectView, error)
	Project(ctx context.Context, ref string) (auth.ProjectView, error)
	Projects(ctx context.Context) ([]auth.ProjectView, error)
	EditProject(ctx context.Context, o auth.Origin, caller auth.Identity, ref string, e auth.ProjectEdit) error
	DeleteProject(ctx context.Context, o auth.Origin, caller auth.Identity, ref string, force bool) error

	CreateRole(ctx context.Context, o auth.Origin, caller auth.Identity, e auth.RoleEdit) (auth.RoleView, error)
	Role(ctx context.Context, ref string) (auth.RoleView, error)
	Roles(ctx context.Context) ([]auth.RoleView, error)
	EditRole(ctx context.Context, o auth.Origin, caller auth.Identity, ref string, e auth.RoleEdit, replace bool) error
	DeleteRole(ctx context.Context, o auth.Origin, caller auth.Identity, ref string, force bool) error
}

// authGate checks who calls a route and what they may do there, before
// its handler runs. With AUTH=none every call is a system administrator
// of the default project.
type authGate struct {
	svc  AuthService
	none bool
}

const (
	// gateKey holds the gate's decision (a *passed): one key, one
	// allocation of gin's map per request.
	gateKey = "nfv-records.gate"
	// realm is the realm of WWW-Authenticate.
	realm = "nfv-records"
)

// passed is what the gate decided for a request it let through.
type passed struct {
	id     auth.Identity
	access auth.Access
	// self: let through only as the user's own account (requireOrSelf).
	self bool
}

// origin is where the request came from.
func origin(c *gin.Context) auth.Origin {
	o := auth.Origin{RemoteHost: c.ClientIP(), RequestID: c.Writer.Header().Get(requestIDHeader)}
	if _, port, err := net.SplitHostPort(c.Request.RemoteAddr); err == nil {
		if n, err := strconv.ParseUint(port, 10, 16); err == nil {
			o.RemotePort = int(n)
		}
	}
	return o
}

// identify is the caller: from their credentials, or the system
// administrator under AUTH=none.
func (g authGate) identify(c *gin.Context) (auth.Identity, error) {
	ctx := c.Request.Context()
	if g.none {
		return g.svc.System(ctx)
	}
	cred, err := parseAuthorization(c.GetHeader("Authorization"))
	if err != nil {
		return auth.Identity{}, err
	}
	if cred.basic {
		return g.svc.AuthenticateBasic(ctx, origin(c), cred.user, cred.password)
	}
	return g.svc.AuthenticateToken(ctx, cred.bearer)
}

// refuse answers a failed check; a 401 says how to authenticate.
func refuse(c *gin.Context, err error) {
	if models.ErrorCodeOf(err) == models.CodeUnauthorized {
		c.Writer.Header().Add("WWW-Authenticate", `Bearer realm="`+realm+`"`)
		c.Writer.Header().Add("WWW-Authenticate", `Basic realm="`+realm+`", charset="UTF-8"`)
	}
	abortWithError(c, err)
}

// authenticated lets any authenticated caller through (their own tokens).
func (g authGate) authenticated() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := g.identify(c)
		if err != nil {
			refuse(c, err)
			return
		}
		c.Set(gateKey, &passed{id: id, access: auth.Access{Scope: models.ProjectScope(id.ProjectID)}})
		c.Next()
	}
}

// require lets a caller through whose roles grant perm (and the
// permissions of the administrative query keys given: they are never
// filters).
func (g authGate) require(perm string) gin.HandlerFunc {
	return g.check(func(*gin.Context) string { return perm }, false)
}

// requireFunc is require with the permission named by the request.
func (g authGate) requireFunc(permOf func(*gin.Context) string) gin.HandlerFunc {
	return g.check(permOf, false)
}

// requireOrSelf is require, but a user may also read their own account
// and change their own password (the handler is told, and allows no more).
func (g authGate) requireOrSelf(perm string) gin.HandlerFunc {
	return g.check(func(*gin.Context) string { return perm }, true)
}

func (g authGate) check(permOf func(*gin.Context) string, self bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, err := g.identify(c)
		if err != nil {
			refuse(c, err)
			return
		}
		perm := permOf(c)
		if self && !id.Allows(perm) && g.svc.IsSelf(c.Request.Context(), id, c.Param("id")) {
			c.Set(gateKey, &passed{id: id, access: auth.Access{Scope: models.ProjectScope(id.ProjectID)}, self: true})
			c.Next()
			return
		}
		// The query stays as it came: the filter parser skips these keys,
		// and the Link headers of a list keep them for the next page. A
		// malformed pair is the list parser's to refuse.
		q, _ := url.ParseQuery(c.Request.URL.RawQuery)
		keys, err := auth.ParseAdminKeys(q)
		if err != nil {
			abortWithError(c, err)
			return
		}
		access, err := g.svc.Authorize(c.Request.Context(), origin(c), id, perm, keys)
		if err != nil {
			refuse(c, err)
			return
		}
		c.Set(gateKey, &passed{id: id, access: access})
		c.Next()
	}
}

// gateOf is what the gate decided for the request; a route without the
// gate sees nothing (the zero Scope).
func gateOf(c *gin.Context) passed {
	v, _ := c.Get(gateKey)
	if p, ok := v.(*passed); ok {
		return *p
	}
	return passed{}
}

func identityOf(c *gin.Context) auth.Identity { return gateOf(c).id }

func accessOf(c *gin.Context) auth.Access { return gateOf(c).access }

// scopeOf is the request's scope.
func scopeOf(c *gin.Context) models.Scope { return accessOf(c).Scope }

// authHandlers serve /osm/admin/v1.
type authHandlers struct {
	svc  AuthService
	body bodyReader
}

// TokenRequest documents the body of POST /tokens.
type TokenRequest struct {
	Username string `json:"username" example:"admin"`
	Password string `json:"password" example:"s3cret-Passw0rd"`
	// ProjectID is the project's id or name; default the user's first.
	ProjectID string `json:"project_id" example:"admin"`
}

// TokenView is a token as OSM shows it.
type TokenView struct {
	ID          string         `json:"_id" example:"Q2RPWVZSMHBNYTZlcUhCRG9US0dhN0JnQ2Z3OTdEWHk"`
	IDToo       string         `json:"id" example:"Q2RPWVZSMHBNYTZlcUhCRG9US0dhN0JnQ2Z3OTdEWHk"`
	IssuedAt    float64        `json:"issued_at" example:"1796548277.381"`
	Expires     float64        `json:"expires" example:"1796551877.381"`
	ProjectID   string         `json:"project_id"`
	ProjectName string         `json:"project_name" example:"admin"`
	Username    string         `json:"username" example:"admin"`
	UserID      string         `json:"user_id"`
	Admin       *bool          `json:"admin,omitempty"`
	Roles       []auth.RoleRef `json:"roles,omitempty"`
	RemoteHost  string         `json:"remote_host" example:"127.0.0.1"`
	RemotePort  int            `json:"remote_port,omitempty" example:"42278"`
}

func tokenView(id string, t auth.Token) TokenView {
	return TokenView{ID: id, IDToo: id, IssuedAt: models.Epoch(t.Issued), Expires: models.Epoch(t.Expires), ProjectID: t.ProjectID,
		ProjectName: t.ProjectName, Username: t.Username, UserID: t.UserID, RemoteHost: t.RemoteHost, RemotePort: t.RemotePort}
}

// login issues a token.
//
//	@Summary		Obtain a token (login)
//	@Description	OSM's login: username and password (or HTTP Basic credentials), and optionally the project (its name or id; default the user's first). The token is in _id and id, shown once: only its hash is stored. OSM's client sends this JSON body under Content-Type application/yaml, which is read as YAML 1.2 (a superset of JSON).
//	@Tags			identity
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Param			credentials	body		TokenRequest	true	"who logs in, and into which project"
//	@Success		200			{object}	TokenView
//	@Header			200			{string}	Location	"/osm/admin/v1/tokens/{stored id}"
//	@Failure		400			{object}	ErrorBody	"malformed body, or username or password missing"
//	@Failure		401			{object}	ErrorBody	"bad username, password or project; or locked after repeated failures (detail says so)"
//	@Router			/osm/admin/v1/tokens [post]
func (h authHandlers) login(c *gin.Context) {
	var req auth.Login
	if c.Request.ContentLength != 0 {
		doc, err := h.body.read(c)
		if err != nil {
			writeError(c, err)
			return
		}
		if req, err = loginRequest(doc); err != nil {
			writeError(c, err)
			return
		}
	}
	if req.Username == "" && req.Password == "" && c.GetHeader("Authorization") != "" {
		if cred, err := parseAuthorization(c.GetHeader("Authorization")); err == nil && cred.basic {
			req.Username, req.Password = cred.user, cred.password
		}
	}
	if req.Username == "" || req.Password == "" {
		writeError(c, models.Errorf(models.CodeInvalid, "username and password are required (in the body, or as HTTP Basic credentials)"))
		return
	}
	issued, err := h.svc.Login(c.Request.Context(), origin(c), req)
	if err != nil {
		refuse(c, err)
		return
	}
	v := tokenView(issued.Token, issued.Stored)
	admin := issued.Identity.Allows(auth.PermAdmin)
	v.Admin, v.Roles = &admin, issued.Identity.Roles
	c.Header("Location", "/osm/admin/v1/tokens/"+issued.Stored.Hash)
	c.Header("Cache-Control", "no-store")
	render(c, http.StatusOK, v)
}

// loginRequest reads a decoded token request: 400 for anything but an
// object whose username, password and project (project_id, or OSM's
// older project and project_name) are strings. Other members are
// ignored, as OSM does.
func loginRequest(doc any) (auth.Login, error) {
	var req auth.Login
	obj, ok := doc.(map[string]any)
	if !ok {
		return req, models.Errorf(models.CodeInvalid, "the body must be an object {username, password, project_id}")
	}
	// The project's three names in a fixed order: project_id wins over
	// project, which wins over project_name.
	for _, f := range []struct {
		key string
		dst *string
	}{{"username", &req.Username}, {"password", &req.Password}, {"project_name", &req.Project}, {"project", &req.Project}, {"project_id", &req.Project}} {
		v, ok := obj[f.key]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return auth.Login{}, models.Errorf(models.CodeInvalid, "%s must be a string", f.key)
		}
		*f.dst = s
	}
	return req, nil
}

// tokens lists the caller's tokens.
//
//	@Summary		List your tokens
//	@Description	The caller's unexpired tokens. _id is the token's stored id (the SHA-256 of the token), never the token: GET and DELETE take either.
//	@Tags			identity
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Success		200	{array}		TokenView
//	@Failure		401	{object}	ErrorBody
//	@Router			/osm/admin/v1/tokens [get]
func (h authHandlers) tokens(c *gin.Context) {
	ts, err := h.svc.Tokens(c.Request.Context(), identityOf(c))
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenView(t.Hash, t))
	}
	render(c, http.StatusOK, out)
}

// token shows one of the caller's tokens.
//
//	@Summary	Show one of your tokens
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"the token, or its stored id"
//	@Success	200	{object}	TokenView
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody	"no such token of yours"
//	@Router		/osm/admin/v1/tokens/{id} [get]
func (h authHandlers) token(c *gin.Context) {
	t, err := h.svc.TokenOf(c.Request.Context(), identityOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, tokenView(t.Hash, t))
}

// revoke deletes one of the caller's tokens.
//
//	@Summary	Revoke one of your tokens (logout)
//	@Tags		identity
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path	string	true	"the token, or its stored id"
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody	"no such token of yours"
//	@Router		/osm/admin/v1/tokens/{id} [delete]
func (h authHandlers) revoke(c *gin.Context) {
	done(c, h.svc.Revoke(c.Request.Context(), origin(c), identityOf(c), c.Param("id")))
}

// logout revokes the token of the call.
//
//	@Summary	Revoke the token of this call (logout)
//	@Tags		identity
//	@Security	BearerAuth
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody	"the call came with Basic credentials, not a token"
//	@Router		/osm/admin/v1/tokens [delete]
func (h authHandlers) logout(c *gin.Context) {
	done(c, h.svc.Revoke(c.Request.Context(), origin(c), identityOf(c), ""))
}

// Created is the answer to a creation on /osm/admin/v1.
type Created struct {
	ID    string `json:"_id" example:"5a2d3b8c-4f0e-4f8e-9c1d-2b7e6c1f0a11"`
	IDToo string `json:"id" example:"5a2d3b8c-4f0e-4f8e-9c1d-2b7e6c1f0a11"`
}

func created(c *gin.Context, id string) {
	c.Header("Location", strings.TrimSuffix(c.Request.URL.Path, "/")+"/"+id)
	render(c, http.StatusCreated, Created{ID: id, IDToo: id})
}

// decoded reads an object body and decodes it with decode; false when
// it answered an error.
func decoded[E any](h authHandlers, c *gin.Context, decode func(map[string]any) (E, error)) (E, bool) {
	var e E
	obj, ok := h.body.object(c, "an object")
	if !ok {
		return e, false
	}
	e, err := decode(obj)
	if err != nil {
		writeError(c, err)
		return e, false
	}
	return e, true
}

// createWith creates what the body describes: 201 with its id.
func createWith[E any](h authHandlers, c *gin.Context, decode func(map[string]any) (E, error), create func(E) (string, error)) {
	e, ok := decoded(h, c, decode)
	if !ok {
		return
	}
	id, err := create(e)
	if err != nil {
		writeError(c, err)
		return
	}
	created(c, id)
}

// editWith applies the edit the body describes: 204.
func editWith[E any](h authHandlers, c *gin.Context, decode func(map[string]any) (E, error), edit func(E) error) {
	e, ok := decoded(h, c, decode)
	if !ok {
		return
	}
	done(c, edit(e))
}

// done answers 204, or err.
func done(c *gin.Context, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// renderAdminList renders items as a list query selects them: the
// query read as every list's is (a malformed one is a 400, never
// ignored), its filter applied to each item's view (the lists are small:
// they are filtered here), then offset and limit; these lists keep their
// own order, so sort and markers are refused.
func renderAdminList[T any](c *gin.Context, items []T) {
	req, err := parseListRequest(c, filter.Options{}, nil, nil)
	if err != nil {
		writeError(c, err)
		return
	}
	for _, k := range []string{"sort", markerKey} {
		if _, ok := req.values[k]; ok {
			writeError(c, models.Errorf(models.CodeInvalid, "query parameter %s: this list keeps its own order, so it is not sorted or continued by a marker", k))
			return
		}
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		if req.filter.Empty() {
			out = append(out, it)
			continue
		}
		raw, err := json.Marshal(it)
		if err != nil {
			writeError(c, err)
			return
		}
		var view map[string]any
		if err := json.Unmarshal(raw, &view); err != nil {
			writeError(c, err)
			return
		}
		if req.filter.Match(view) {
			out = append(out, it)
		}
	}
	total := int64(len(out))
	if req.count {
		render(c, http.StatusOK, Count{Count: total})
		return
	}
	if pagingAsked(req.values) {
		out = out[min(req.paging.offset, total):min(req.paging.offset+req.paging.limit, total)]
	}
	c.Header("X-Total-Count", strconv.FormatInt(total, 10))
	render(c, http.StatusOK, out)
}

// users lists the users.
//
//	@Summary	List users
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		filter	query		string	false	"SOL005 filters, e.g. username=admin"
//	@Success	200		{array}		auth.UserView
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody	"users:get not granted"
//	@Router		/osm/admin/v1/users [get]
func (h authHandlers) users(c *gin.Context) {
	us, err := h.svc.Users(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	renderAdminList(c, us)
}

// UserBody documents a user body (OSM's).
type UserBody struct {
	Username string   `json:"username" example:"portal"`
	Password string   `json:"password" example:"a-long-passphrase"`
	Projects []string `json:"projects" example:"admin"`
	// ProjectRoleMappings replaces every mapping.
	ProjectRoleMappings []auth.MappingRef `json:"project_role_mappings"`
	// AddProjectRoleMappings and RemoveProjectRoleMappings edit them.
	AddProjectRoleMappings    []auth.MappingRef `json:"add_project_role_mappings"`
	RemoveProjectRoleMappings []auth.MappingRef `json:"remove_project_role_mappings"`
}

// createUser adds a user.
//
//	@Summary		Add a user
//	@Description	username and password are required. projects (names or ids) gives the user role project_admin in each; project_role_mappings names the roles.
//	@Tags			identity
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			user	body		UserBody	true	"the user"
//	@Success		201		{object}	Created
//	@Header			201		{string}	Location	"the user's URL"
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody	"users:post not granted"
//	@Failure		409		{object}	ErrorBody	"username taken"
//	@Failure		422		{object}	ErrorBody	"a bad field, or an unknown project or role"
//	@Router			/osm/admin/v1/users [post]
func (h authHandlers) createUser(c *gin.Context) {
	ctx, o, caller := c.Request.Context(), origin(c), identityOf(c)
	createWith(h, c, auth.DecodeUserEdit, func(e auth.UserEdit) (string, error) {
		u, err := h.svc.CreateUser(ctx, o, caller, e)
		return u.ID, err
	})
}

// user shows a user.
//
//	@Summary		Show a user
//	@Description	Any user may read their own account.
//	@Tags			identity
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id	path		string	true	"user id or name"
//	@Success		200	{object}	auth.UserView
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Router			/osm/admin/v1/users/{id} [get]
func (h authHandlers) user(c *gin.Context) {
	u, err := h.svc.User(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, u)
}

// editUser changes a user.
//
//	@Summary		Edit a user
//	@Description	password, username, projects (a list, or OSM's edit object: {"$'P'": null} removes P, {"$+'P'": "P"} adds it, {"$+[0]": "P"} makes it the default), project_role_mappings, add_project_role_mappings, remove_project_role_mappings. A new password or username revokes the user's tokens. Any user may change their own password.
//	@Tags			identity
//	@Accept			application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id		path	string		true	"user id or name"
//	@Param			edit	body	UserBody	true	"the fields to change"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"username taken"
//	@Failure		422	{object}	ErrorBody
//	@Router			/osm/admin/v1/users/{id} [put]
//	@Router			/osm/admin/v1/users/{id} [patch]
func (h authHandlers) editUser(c *gin.Context) {
	self := gateOf(c).self
	editWith(h, c, auth.DecodeUserEdit, func(e auth.UserEdit) error {
		return h.svc.EditUser(c.Request.Context(), origin(c), identityOf(c), c.Param("id"), e, self)
	})
}

// deleteUser removes a user.
//
//	@Summary	Remove a user (and revoke its tokens)
//	@Tags		identity
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path	string	true	"user id or name"
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/admin/v1/users/{id} [delete]
func (h authHandlers) deleteUser(c *gin.Context) {
	done(c, h.svc.DeleteUser(c.Request.Context(), origin(c), identityOf(c), c.Param("id")))
}

// projects lists the projects.
//
//	@Summary	List projects
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Success	200	{array}		auth.ProjectView
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Router		/osm/admin/v1/projects [get]
func (h authHandlers) projects(c *gin.Context) {
	ps, err := h.svc.Projects(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	renderAdminList(c, ps)
}

// ProjectBody documents a project body.
type ProjectBody struct {
	Name  string `json:"name" example:"tenant-a"`
	Admin bool   `json:"admin" example:"false"`
}

// createProject adds a project.
//
//	@Summary	Add a project
//	@Tags		identity
//	@Accept		application/json,application/yaml
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		project	body		ProjectBody	true	"the project"
//	@Success	201		{object}	Created
//	@Failure	401		{object}	ErrorBody
//	@Failure	403		{object}	ErrorBody
//	@Failure	409		{object}	ErrorBody	"name taken"
//	@Failure	422		{object}	ErrorBody
//	@Router		/osm/admin/v1/projects [post]
func (h authHandlers) createProject(c *gin.Context) {
	ctx, o, caller := c.Request.Context(), origin(c), identityOf(c)
	createWith(h, c, auth.DecodeProjectEdit, func(e auth.ProjectEdit) (string, error) {
		p, err := h.svc.CreateProject(ctx, o, caller, e)
		return p.ID, err
	})
}

// project shows a project.
//
//	@Summary	Show a project
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"project id or name"
//	@Success	200	{object}	auth.ProjectView
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/admin/v1/projects/{id} [get]
func (h authHandlers) project(c *gin.Context) {
	p, err := h.svc.Project(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, p)
}

// editProject changes a project.
//
//	@Summary	Edit a project
//	@Tags		identity
//	@Accept		application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id		path	string		true	"project id or name"
//	@Param		edit	body	ProjectBody	true	"the fields to change"
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Failure	409	{object}	ErrorBody	"name taken, or renaming the default project"
//	@Router		/osm/admin/v1/projects/{id} [put]
//	@Router		/osm/admin/v1/projects/{id} [patch]
func (h authHandlers) editProject(c *gin.Context) {
	editWith(h, c, auth.DecodeProjectEdit, func(e auth.ProjectEdit) error {
		return h.svc.EditProject(c.Request.Context(), origin(c), identityOf(c), c.Param("id"), e)
	})
}

// deleteProject removes a project.
//
//	@Summary		Remove a project
//	@Description	409 while users hold roles in it or it owns documents (records, descriptors, VIM accounts, NS operations), unless FORCE=true; never the default project.
//	@Tags			identity
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id		path	string	true	"project id or name"
//	@Param			FORCE	query	bool	false	"delete even when in use (permission force)"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		409	{object}	ErrorBody	"in use, or the default project"
//	@Router			/osm/admin/v1/projects/{id} [delete]
func (h authHandlers) deleteProject(c *gin.Context) {
	done(c, h.svc.DeleteProject(c.Request.Context(), origin(c), identityOf(c), c.Param("id"), accessOf(c).Force))
}

// roles lists the roles.
//
//	@Summary	List roles
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Success	200	{array}		auth.RoleView
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Router		/osm/admin/v1/roles [get]
func (h authHandlers) roles(c *gin.Context) {
	rs, err := h.svc.Roles(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	renderAdminList(c, rs)
}

// RoleBody documents a role body.
type RoleBody struct {
	Name        string          `json:"name" example:"portal_reader"`
	Permissions map[string]bool `json:"permissions"`
}

// createRole adds a role.
//
//	@Summary		Add a role
//	@Description	permissions maps permission paths (ns_instances:get, appc, ...) to true or false; see docs/guide/security.md.
//	@Tags			identity
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			role	body		RoleBody	true	"the role"
//	@Success		201		{object}	Created
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		409		{object}	ErrorBody	"name taken"
//	@Failure		422		{object}	ErrorBody	"a permission name or value that is not one"
//	@Router			/osm/admin/v1/roles [post]
func (h authHandlers) createRole(c *gin.Context) {
	ctx, o, caller := c.Request.Context(), origin(c), identityOf(c)
	createWith(h, c, auth.DecodeRoleEdit, func(e auth.RoleEdit) (string, error) {
		r, err := h.svc.CreateRole(ctx, o, caller, e)
		return r.ID, err
	})
}

// role shows a role.
//
//	@Summary	Show a role
//	@Tags		identity
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"role id or name"
//	@Success	200	{object}	auth.RoleView
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/osm/admin/v1/roles/{id} [get]
func (h authHandlers) role(c *gin.Context) {
	r, err := h.svc.Role(c.Request.Context(), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, r)
}

// editRole changes a role.
//
//	@Summary		Edit a role
//	@Description	PUT sets the permissions to those given; PATCH merges them (null removes one). Takes effect within a second on every replica.
//	@Tags			identity
//	@Accept			application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			id		path	string		true	"role id or name"
//	@Param			edit	body	RoleBody	true	"the fields to change"
//	@Success		204
//	@Failure		401	{object}	ErrorBody
//	@Failure		403	{object}	ErrorBody
//	@Failure		404	{object}	ErrorBody
//	@Failure		422	{object}	ErrorBody
//	@Router			/osm/admin/v1/roles/{id} [put]
//	@Router			/osm/admin/v1/roles/{id} [patch]
func (h authHandlers) editRole(c *gin.Context) {
	replace := c.Request.Method == http.MethodPut
	editWith(h, c, auth.DecodeRoleEdit, func(e auth.RoleEdit) error {
		return h.svc.EditRole(c.Request.Context(), origin(c), identityOf(c), c.Param("id"), e, replace)
	})
}

// deleteRole removes a role.
//
//	@Summary	Remove a role
//	@Tags		identity
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id		path	string	true	"role id or name"
//	@Param		FORCE	query	bool	false	"delete even while users hold it (permission force)"
//	@Success	204
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Failure	409	{object}	ErrorBody	"users hold it"
//	@Router		/osm/admin/v1/roles/{id} [delete]
func (h authHandlers) deleteRole(c *gin.Context) {
	done(c, h.svc.DeleteRole(c.Request.Context(), origin(c), identityOf(c), c.Param("id"), accessOf(c).Force))
}
