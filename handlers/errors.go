package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"

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
	// ViolationsTotal is how many violations there are when more were
	// found than Violations lists.
	ViolationsTotal int `json:"violations_total,omitempty" example:"250"`
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
	models.CodeUnauthorized:       http.StatusUnauthorized,
	models.CodeForbidden:          http.StatusForbidden,
	models.CodeRequestTimeout:     http.StatusRequestTimeout,
	models.CodeUnavailable:        http.StatusServiceUnavailable,
	models.CodeTimeout:            http.StatusServiceUnavailable,
	models.CodeCanceled:           statusClientClosedRequest,
	models.CodeStorageFull:        http.StatusInsufficientStorage,
	models.CodeInternal:           http.StatusInternalServerError,
}

// statusClientClosedRequest is the status logged for a request whose
// client went away before its answer (nginx's 499): nobody reads it.
const statusClientClosedRequest = 499

// writeError renders err in the negotiated format. Errors nobody
// classified are bugs: they are logged in full and shown as "internal
// error". Operators need the others that are not the client's doing:
// an unreachable or full database, a request past its deadline.
func writeError(c *gin.Context, err error) {
	e := classifyError(c.Request.Context(), err)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	log := loggerFrom(c)
	switch e.Code {
	case models.CodeCanceled:
		log.Info("client went away before the answer", "error", err)
	case models.CodeTimeout:
		log.Warn("request ran past its deadline", "error", err)
	case models.CodeUnavailable:
		log.Warn("database unavailable", "error", err)
	case models.CodeStorageFull:
		log.Warn("database full: writes fail until space is freed", "error", err)
	case models.CodeInternal:
		log.Error("internal error", "error", err)
	}
	render(c, status, ErrorBody{Code: e.Code, Status: status, Detail: clip(e.Detail, maxDetail),
		Violations: clipViolations(e.Violations), ViolationsTotal: e.ViolationsTotal})
}

// An error answer's size is bounded whatever the input: messages that
// repeat it cut it short (models.Quote), and these caps catch the rest,
// such as a member name a megabyte long in a violation.
const (
	maxDetail           = 1024
	maxViolationPointer = 256
	maxViolationMessage = 256
)

func clip(s string, n int) string {
	if short, cut := models.Shorten(s, n); cut {
		return short + "..."
	}
	return s
}

func clipViolations(vs []models.Violation) []models.Violation {
	for i, v := range vs {
		if len(v.Pointer) > maxViolationPointer || len(v.Message) > maxViolationMessage {
			out := slices.Clone(vs)
			for j := i; j < len(out); j++ {
				out[j].Pointer = clip(out[j].Pointer, maxViolationPointer)
				out[j].Message = clip(out[j].Message, maxViolationMessage)
			}
			return out
		}
	}
	return vs
}

// classifyError is err as an application error. When the request's
// context has ended, a failure of the work it cut short is that ending:
// the client went away (no database outage), or the deadline passed.
func classifyError(ctx context.Context, err error) *models.Error {
	var e *models.Error
	if !errors.As(err, &e) {
		e = &models.Error{Code: models.CodeInternal, Detail: "internal error", Err: err}
	}
	switch e.Code {
	case models.CodeUnavailable, models.CodeTimeout, models.CodeCanceled, models.CodeInternal:
		switch ctx.Err() {
		case context.Canceled:
			return &models.Error{Code: models.CodeCanceled, Detail: "the client closed the request", Err: err}
		case context.DeadlineExceeded:
			return &models.Error{Code: models.CodeTimeout, Detail: "the request did not finish in time; retry later", Err: err}
		}
	}
	return e
}

// appcStatus is the HTTP status of an APPC answer: 200 for every LCM
// outcome (refusals included: the guide's status is in the body), 400 for
// a malformed message, 404 for an rpc the module does not have. A store
// failure the client can retry keeps its status: 503 for an unreachable
// database or a request past its deadline, 507 for a full one, 409 for a
// record that kept changing under the store's retries, 499 when the
// client went away; anything else is a bug, logged in full.
func appcStatus(c *gin.Context, res appc.Result) int {
	switch res.Outcome {
	case appc.Answered:
		return http.StatusOK
	case appc.Malformed:
		return http.StatusBadRequest
	case appc.UnknownRPC:
		return http.StatusNotFound
	}
	e := classifyError(c.Request.Context(), res.Err)
	status := http.StatusInternalServerError
	if s, ok := statusOf[e.Code]; ok && (s >= 500 || s == http.StatusConflict || e.Code == models.CodeCanceled) {
		status = s
	}
	switch e.Code {
	case models.CodeCanceled:
		loggerFrom(c).Info("client went away before the answer", "error", res.Err)
	case models.CodeUnavailable, models.CodeStorageFull, models.CodeTimeout:
		loggerFrom(c).Warn("database unavailable", "error", res.Err)
	default:
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
