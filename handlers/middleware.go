package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
)

const (
	loggerKey       = "nfv-records.logger"
	requestIDHeader = "X-Request-Id"
)

// requestLog gives every request an id (the caller's X-Request-Id when it
// is sane, else a new uuid), echoes it, attaches a logger carrying it, and
// logs the request once it is answered.
func requestLog(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		id := c.GetHeader(requestIDHeader)
		if !saneRequestID(id) {
			id = uuid.NewString()
		}
		c.Header(requestIDHeader, id)
		log := base.With("request_id", id)
		c.Set(loggerKey, log)
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		log.Log(c.Request.Context(), level, "request",
			"method", c.Request.Method,
			"path", clip(c.Request.URL.Path, maxLoggedURL),
			"query", clip(c.Request.URL.RawQuery, maxLoggedURL),
			"status", c.Writer.Status(),
			"bytes", c.Writer.Size(),
			"duration_ms", float64(time.Since(start).Microseconds())/1000,
			"remote", c.ClientIP(),
		)
	}
}

// maxLoggedURL bounds the path and the query a request's log line
// repeats: a client must not make each of its requests a megabyte of log.
const maxLoggedURL = 2048

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e {
			return false
		}
	}
	return true
}

// negotiateFormat settles the output format once per request; a bad
// ?output is answered here, as JSON.
func negotiateFormat(c *gin.Context) {
	f, err := negotiate(c)
	c.Set(formatKey, f)
	if err != nil {
		abortWithError(c, err)
		return
	}
	c.Next()
}

// recovery turns a panic into a logged 500, so one bad request never takes
// the process down. A panic is always a bug.
func recovery(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p) // the client went away: let net/http handle it
			}
			loggerFrom(c).Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				writeError(c, &models.Error{Code: models.CodeInternal, Detail: "internal error"})
			}
			c.Abort()
		}
	}()
	c.Next()
}

// deadline bounds every request (0: no bound). Its work sees a context
// that ends after timeout, and stops there. Its body, if it has one, must
// arrive within timeout too: a read deadline on the connection, which
// readAll lifts once the body is in, so that the connection's watch for a
// client that goes away (net/http's background read) never times out and
// cancels the request as if the client had gone.
func deadline(timeout time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if timeout <= 0 {
			c.Next()
			return
		}
		start := time.Now()
		if c.Request.ContentLength != 0 {
			// Not every writer can (a test recorder): then the body has no
			// deadline of its own, only the context's.
			_ = http.NewResponseController(c.Writer).SetReadDeadline(start.Add(timeout))
		}
		ctx, cancel := context.WithDeadline(c.Request.Context(), start.Add(timeout))
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
