package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
)

// registerGatekeeperRoutes serves the SONATA Gatekeeper's records: its
// services and functions are the NSRs and VNFRs (the same paging,
// filters and formats as /nsrs and /vnfrs), and a PUT on a service asks
// for its update, a request /requests then shows.
func registerGatekeeperRoutes(r gin.IRouter, g authGate, services, functions recordHandlers, h nslcmHandlers) {
	r.GET("/records/services", g.require("ns_instances:get"), services.list)
	r.GET("/records/services/:uuid", g.require("ns_instances:id:get"), services.get)
	r.GET("/records/functions", g.require("vnf_instances:get"), functions.list)
	r.GET("/records/functions/:uuid", g.require("vnf_instances:id:get"), functions.get)
	if h.svc == nil {
		return
	}
	r.PUT("/records/services/:uuid", g.require("ns_instances:id:update:put"), h.requestUpdate)
	r.GET("/requests", g.require("ns_instances:requests:get"), h.listRequests)
	r.GET("/requests/:id", g.require("ns_instances:requests:id:get"), h.getRequest)
}

// UpdateBody documents the body of a service's update request.
type UpdateBody struct {
	NSDID       string `json:"nsd_id" example:"e6d0fbd6-74be-43c6-959d-667f3ace1cb4"`
	LatestNSDID string `json:"latest_nsd_id" example:"e6d0fbd6-74be-43c6-959d-667f3ace1cb4"`
}

// UpdateRequest documents an update request.
type UpdateRequest struct {
	ID                  string  `json:"id" example:"0da4fbc4-97bd-48ed-94ba-5ae4fd8fcb82"`
	RequestType         string  `json:"request_type" example:"UPDATE"`
	ServiceUUID         string  `json:"service_uuid" example:"e6d0fbd6-74be-43c6-959d-667f3ace1cb4"`
	ServiceInstanceUUID string  `json:"service_instance_uuid" example:"95e9b668-5726-4998-8ed4-d8d7e7fd2225"`
	Status              string  `json:"status" example:"NEW"`
	Error               *string `json:"error"`
	Operation           *string `json:"operation" example:"3fe3ef1f-9314-4463-8e4f-9c51384f16f1"`
	CreatedAt           string  `json:"created_at" example:"2017-08-29T11:04:48.100+00:00"`
	UpdatedAt           string  `json:"updated_at" example:"2017-08-29T11:04:48.100+00:00"`
}

// requestUpdate asks for a service instance's update.
//
//	@Summary		Ask for a service instance's update (Gatekeeper)
//	@Description	Moves the NS to the latest NSD (latest_nsd_id: the same id when the NSD's new version replaced the entry): VNFRs added, removed or kept by member index. Answered at once with the request, status NEW; its status becomes INSTANTIATED, or ERROR with the reason (also at once, when the NS cannot take the update: not of nsd_id, not instantiated, busy).
//	@Tags			gatekeeper
//	@Accept			application/json,application/yaml
//	@Produce		application/json,application/yaml
//	@Security		BearerAuth
//	@Security		BasicAuth
//	@Param			uuid	path		string		true	"the service instance's (NSR's) uuid"
//	@Param			update	body		UpdateBody	true	"the NSDs"
//	@Success		201		{object}	UpdateRequest
//	@Header			201		{string}	Location	"the request's URL"
//	@Failure		400		{object}	ErrorBody
//	@Failure		401		{object}	ErrorBody
//	@Failure		403		{object}	ErrorBody
//	@Failure		404		{object}	ErrorBody
//	@Failure		422		{object}	ErrorBody
//	@Router			/records/services/{uuid} [put]
func (h nslcmHandlers) requestUpdate(c *gin.Context) {
	body, ok := h.body.object(c, "an object: {nsd_id, latest_nsd_id}")
	if !ok {
		return
	}
	v, err := h.svc.RequestUpdate(c.Request.Context(), scopeOf(c), c.Param("uuid"), body)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Location", "/requests/"+v["id"].(string))
	render(c, http.StatusCreated, v)
}

// getRequest shows an update request.
//
//	@Summary	Show a request (Gatekeeper)
//	@Tags		gatekeeper
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		id	path		string	true	"the request's id"
//	@Success	200	{object}	UpdateRequest
//	@Failure	401	{object}	ErrorBody
//	@Failure	403	{object}	ErrorBody
//	@Failure	404	{object}	ErrorBody
//	@Router		/requests/{id} [get]
func (h nslcmHandlers) getRequest(c *gin.Context) {
	v, err := h.svc.GetRequest(c.Request.Context(), scopeOf(c), c.Param("id"))
	if err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, v)
}

// listRequests lists the update requests.
//
//	@Summary	List requests (Gatekeeper)
//	@Tags		gatekeeper
//	@Produce	application/json,application/yaml
//	@Security	BearerAuth
//	@Security	BasicAuth
//	@Param		service_instance_uuid	query		string	false	"the service instance's uuid"
//	@Success	200						{array}		UpdateRequest
//	@Failure	400						{object}	ErrorBody
//	@Failure	401						{object}	ErrorBody
//	@Failure	403						{object}	ErrorBody
//	@Router		/requests [get]
func (h nslcmHandlers) listRequests(c *gin.Context) {
	ctx, scope := c.Request.Context(), scopeOf(c)
	listViews(c, opListOptions, nil,
		func(f filter.Expr) (int64, error) { return h.svc.CountRequests(ctx, scope, f) },
		func(q filter.Query) (filter.Page[nslcm.View], error) { return h.svc.ListRequests(ctx, scope, q) })
}
