package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
)

// registerAPPCRoutes serves the ONAP APPC LCM API. One segment holds the
// module-qualified rpc ("appc-provider-lcm:lock"); the engine refuses
// other modules.
func registerAPPCRoutes(r gin.IRouter, g authGate, h appcHandlers) {
	r.POST("/restconf/operations/:op", g.requireFunc(appcPermission), h.call)
}

// appcPermission is the permission of an APPC rpc: "appc:" and the
// action's YANG rpc name, whatever spelling the URL used ("appc:lock",
// "appc:config-modify" for configmodify too), so that a role can grant
// LCM and nothing else ("appc": true), or some actions only. An rpc the
// service does not answer needs "appc" (then the engine refuses it).
func appcPermission(c *gin.Context) string {
	if a, ok := appc.ActionForRPC(c.Param("op")); ok {
		return "appc:" + a.RPC()
	}
	return "appc"
}

// APPCEngine answers the ONAP APPC LCM API (orchestrator/appc.Engine): op
// is the URL's last segment ("appc-provider-lcm:lock"), body the request
// body.
type APPCEngine interface {
	Handle(ctx context.Context, scope models.Scope, op string, body []byte) appc.Result
}

// appcHandlers serve POST /restconf/operations/appc-provider-lcm:{rpc}.
type appcHandlers struct {
	engine  APPCEngine
	maxBody int64
}

// APPCRequest documents an LCM request body (the guide's generic request
// format; see orchestrator/appc for every rule).
type APPCRequest struct {
	Input APPCInput `json:"input"`
}

// APPCInput is the "input" block of an LCM request.
type APPCInput struct {
	CommonHeader      APPCCommonHeader      `json:"common-header"`
	Action            string                `json:"action" example:"Start"`
	ActionIdentifiers APPCActionIdentifiers `json:"action-identifiers"`
	Payload           string                `json:"payload,omitempty" example:"{\"vnf-host-ip-address\": \"10.222.22.2\"}"`
}

// APPCCommonHeader is the common-header of an LCM request, echoed in its
// answer.
type APPCCommonHeader struct {
	Timestamp    string    `json:"timestamp" example:"2024-05-01T11:59:50.000Z"`
	APIVer       string    `json:"api-ver" example:"5.00"`
	OriginatorID string    `json:"originator-id" example:"SO"`
	RequestID    string    `json:"request-id" example:"664be3d2-6c12-4f4b-a3e7-c349acced200"`
	SubRequestID string    `json:"sub-request-id,omitempty" example:"1"`
	Flags        APPCFlags `json:"flags"`
}

// APPCFlags are the common-header flags.
type APPCFlags struct {
	Mode  string `json:"mode,omitempty" example:"NORMAL" enums:"EXCLUSIVE,NORMAL"`
	Force string `json:"force,omitempty" example:"FALSE" enums:"TRUE,FALSE"`
	TTL   int    `json:"ttl,omitempty" example:"3600"`
}

// APPCActionIdentifiers address the VNF (and VM, VNFC, VF-Module).
type APPCActionIdentifiers struct {
	VNFID      string `json:"vnf-id" example:"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"`
	VServerID  string `json:"vserver-id,omitempty" example:"da65a620-1e1a-47f0-9bd3-f4b849fe3fbb"`
	VNFCName   string `json:"vnfc-name,omitempty"`
	VFModuleID string `json:"vf-module-id,omitempty"`
}

// APPCResponse documents the answer to every LCM request that is not
// malformed (always HTTP 200).
type APPCResponse struct {
	Output APPCOutput `json:"output"`
}

// APPCOutput is the "output" block of an LCM answer.
type APPCOutput struct {
	CommonHeader APPCCommonHeader `json:"common-header"`
	Payload      string           `json:"payload,omitempty" example:"{\"upload_config_id\":\"0b6c6a43-3b0e-4a3e-9d1c-2b0f0e7d9a11\"}"`
	Locked       string           `json:"locked,omitempty" example:"TRUE" enums:"TRUE,FALSE"`
	SnapshotID   string           `json:"snapshot-id,omitempty" example:"5f1c0f9e-4b8e-4a57-9d55-7b0e1f2a3c4d"`
	Status       appc.Status      `json:"status"`
}

// call answers one LCM rpc.
//
//	@Summary		ONAP APPC LCM API
//	@Description	Runs an LCM action on the VNF record whose uuid is the request's vnf-id, as the ONAP APPC LCM API guide describes: rpc is one of audit, check-lock (checklock), configure, config-modify (configmodify), config-backup (configbackup), config-restore (configrestore), evacuate, health-check (healthcheck), lock, migrate, rebuild, restart, snapshot, start, start-application (startapplication), stop, stop-application (stopapplication), sync, unlock, action-status (actionstatus). Every business outcome is HTTP 200 with output.status (400 SUCCESS, 401 FAILURE, 3xx refusals: 301 invalid parameter, 302 missing parameter, 303 parsing failed, 304 no transition, 305 not supported, 306 VNF not found, 309 unstable VNF, 310 locking failure, 311 expired, 312 duplicate; 406 when a forced command took the VNF over while this one ran). A body that is not JSON or breaks the YANG model is HTTP 400 with a RESTCONF errors body.
//	@Tags			appc
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Accept			json
//	@Produce		json,application/yaml
//	@Param			rpc		path		string			true	"the rpc, e.g. lock, start, check-lock"
//	@Param			request	body		APPCRequest		true	"the LCM request"
//	@Success		200		{object}	APPCResponse	"the outcome, in output.status"
//	@Failure		401		{object}	ErrorBody		"no credentials, or bad ones (AUTH=token)"
//	@Failure		403		{object}	ErrorBody		"the caller's roles do not grant the route's permission (docs/guide/security.md)"
//	@Failure		400		{object}	appc.ErrorsBody	"malformed message"
//	@Failure		404		{object}	appc.ErrorsBody	"no such rpc"
//	@Failure		408		{object}	appc.ErrorsBody	"the body did not arrive within REQUEST_TIMEOUT"
//	@Failure		413		{object}	appc.ErrorsBody
//	@Failure		415		{object}	appc.ErrorsBody	"no Content-Type, or not JSON: a browser's cross-origin form post never reaches an action"
//	@Failure		409		{object}	APPCResponse	"the VNF record kept changing under other writers after a command began (status 200 UNEXPECTED ERROR); retry with force"
//	@Failure		503		{object}	APPCResponse	"database unreachable (status 200 UNEXPECTED ERROR)"
//	@Router			/restconf/operations/appc-provider-lcm:{rpc} [post]
func (h appcHandlers) call(c *gin.Context) {
	if err := jsonContentType(c.GetHeader("Content-Type")); err != nil {
		render(c, http.StatusUnsupportedMediaType, restconfError("invalid-value", err.Error()))
		return
	}
	body, err := readAll(c, h.maxBody)
	if err != nil {
		e := classifyError(c.Request.Context(), err)
		tag := appc.ErrorTagMalformed
		switch e.Code {
		case models.CodeTooLarge:
			tag = "too-big"
		case models.CodeRequestTimeout, models.CodeTimeout, models.CodeCanceled:
			tag = "operation-failed"
		}
		render(c, statusOf[e.Code], restconfError(tag, e.Detail))
		return
	}
	res := h.engine.Handle(c.Request.Context(), scopeOf(c), c.Param("op"), body)
	render(c, appcStatus(c, res), res.Body)
}

// jsonContentType accepts a JSON body: a Content-Type bodyFormat reads as
// JSON (application/json or any +json type, such as RESTCONF's
// application/yang-data+json). None at all is refused too: a browser sends
// a cross-origin POST without a preflight only with a form or text media
// type or none, and one must never reach an LCM action.
func jsonContentType(ct string) error {
	if ct == "" {
		return errors.New("Content-Type is missing: send application/json")
	}
	if isYAML, err := bodyFormat(ct); err == nil && !isYAML {
		return nil
	}
	return errors.New("Content-Type " + ct + " is not supported: send application/json")
}

// restconfError is a RESTCONF error answer the HTTP layer gives itself
// (media type, body size).
func restconfError(tag, msg string) appc.ErrorsBody {
	return (&appc.RestconfError{Type: appc.ErrorTypeProtocol, Tag: tag, Message: msg}).Body()
}
