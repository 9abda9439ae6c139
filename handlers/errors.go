package handlers

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
)

// ErrorBody is the error answer of every API family but APPC's.
type ErrorBody struct {
	Code       models.ErrorCode   `json:"code" example:"NOT_FOUND"`
	Status     int                `json:"status" example:"404"`
	Detail     string             `json:"detail" example:"vnfr 1b5bab2a-8286-2b40-4827-dc5d6e37bf8e not found"`
	Violations []models.Violation `json:"violations,omitempty"`
}

// statusOf is the one place where error codes become HTTP statuses.
var statusOf = map[models.ErrorCode]int{
	models.CodeInvalid:            http.StatusBadRequest,
	models.CodeUnprocessable:      http.StatusUnprocessableEntity,
	models.CodeNotFound:           http.StatusNotFound,
	models.CodeConflict:           http.StatusConflict,
	models.CodePreconditionFailed: http.StatusPreconditionFailed,
	models.CodeUnsupportedMedia:   http.StatusUnsupportedMediaType,
	models.CodeTooLarge:           http.StatusRequestEntityTooLarge,
	models.CodeMethodNotAllowed:   http.StatusMethodNotAllowed,
	models.CodeUnavailable:        http.StatusServiceUnavailable,
	models.CodeInternal:           http.StatusInternalServerError,
}

// writeError renders err in the negotiated format. Errors nobody
// classified are bugs: they are logged in full and shown as "internal
// error". An unreachable database is logged too, since operators need it.
func writeError(c *gin.Context, err error) {
	var e *models.Error
	if !errors.As(err, &e) {
		e = &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: err}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch {
	case status >= 500 && e.Code == models.CodeUnavailable:
		loggerFrom(c).Warn("database unavailable", "error", err)
	case status >= 500:
		loggerFrom(c).Error("internal error", "error", err)
	}
	render(c, status, ErrorBody{Code: e.Code, Status: status, Detail: e.Detail, Violations: e.Violations})
}

// appcStatus is the HTTP status of an APPC answer: 200 for every LCM
// outcome (refusals included: the guide's status is in the body), 400 for
// a malformed message, 404 for an rpc the module does not have. A store
// failure the client can retry keeps its status: 503 for an unreachable
// database, 409 for a record that kept changing under the store's
// retries; anything else is a bug, logged in full.
func appcStatus(c *gin.Context, res appc.Result) int {
	switch res.Outcome {
	case appc.Answered:
		return http.StatusOK
	case appc.Malformed:
		return http.StatusBadRequest
	case appc.UnknownRPC:
		return http.StatusNotFound
	}
	status := http.StatusInternalServerError
	if s, ok := statusOf[models.ErrorCodeOf(res.Err)]; ok && (s >= 500 || s == http.StatusConflict) {
		status = s
	}
	if status == http.StatusServiceUnavailable {
		loggerFrom(c).Warn("database unavailable", "error", res.Err)
	} else {
		loggerFrom(c).Error("internal error", "error", res.Err)
	}
	return status
}

func abortWithError(c *gin.Context, err error) {
	writeError(c, err)
	c.Abort()
}

func loggerFrom(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		if lg, ok := l.(*slog.Logger); ok {
			return lg
		}
	}
	return slog.Default()
}
