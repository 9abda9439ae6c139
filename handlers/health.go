package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// registerHealthRoutes serves the probes: tng-rep's ping, liveness and
// readiness. (The record kinds' own ping paths are in records.go.)
func registerHealthRoutes(r gin.IRouter, h healthHandlers) {
	for _, p := range []string{"/ping", "/pings"} {
		r.GET(p, h.ping)
	}
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// pingTimeout keeps probes fast while the database is unreachable.
const pingTimeout = 2 * time.Second

type healthHandlers struct{ db Pinger }

// ping answers tng-rep's readiness probe.
//
//	@Summary		Readiness probe (tng-rep)
//	@Description	Answers "pong" while the database answers, 503 while it does not, 507 while it has no room to write.
//	@Tags			health
//	@Produce		plain
//	@Success		200	{string}	string	"pong"
//	@Failure		503	{object}	ErrorBody
//	@Failure		507	{object}	ErrorBody
//	@Router			/ping [get]
//	@Router			/pings [get]
//	@Router			/nsrs/ping [get]
//	@Router			/nsrs/pings [get]
//	@Router			/vnfrs/ping [get]
//	@Router			/vnfrs/pings [get]
func (h healthHandlers) ping(c *gin.Context) {
	if err := h.check(c); err != nil {
		writeError(c, err)
		return
	}
	renderText(c, http.StatusOK, "pong")
}

// healthz answers the liveness probe: the process is serving.
//
//	@Summary	Liveness probe
//	@Tags		health
//	@Produce	json
//	@Success	200	{object}	map[string]string
//	@Router		/healthz [get]
func (h healthHandlers) healthz(c *gin.Context) {
	render(c, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers the Kubernetes readiness probe: the database answers,
// and has room to write.
//
//	@Summary		Readiness probe
//	@Description	200 while the database answers and has room to write; 503 while it does not answer, 507 while it is full (less than 1 MiB left on its disk or under DATA_MAX_BYTES).
//	@Tags			health
//	@Produce		json
//	@Success		200	{object}	map[string]string
//	@Failure		503	{object}	ErrorBody
//	@Failure		507	{object}	ErrorBody
//	@Router			/readyz [get]
func (h healthHandlers) readyz(c *gin.Context) {
	if err := h.check(c); err != nil {
		writeError(c, err)
		return
	}
	render(c, http.StatusOK, map[string]string{"status": "ready"})
}

func (h healthHandlers) check(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), pingTimeout)
	defer cancel()
	return h.db.Ping(ctx)
}
