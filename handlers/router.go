// Package handlers is the HTTP layer: Gin handlers, one file per API
// family, with rendering (JSON, YAML, HTML) and the mapping of application
// errors to statuses. Handlers parse and render; decisions are made in
// repo/ (and orchestrator/).
package handlers

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	swaggerfiles "github.com/swaggo/files"
	ginswagger "github.com/swaggo/gin-swagger"

	"github.com/nfv-records/nfv-records/models"
)

// Config wires the router.
type Config struct {
	Store        RecordStore
	Validator    Validator
	Logger       *slog.Logger
	MaxBodyBytes int64
	// LCM answers the ONAP APPC LCM API; nil serves no LCM routes.
	LCM LCMEngine
}

// recordPaths are the base paths of each kind: tng-rep's and its aliases.
var recordPaths = map[models.Kind][]string{
	models.KindNSR:  {"/nsrs", "/records/nsr/ns-instances"},
	models.KindVNFR: {"/vnfrs", "/records/vnfr/vnf-instances"},
}

// NewRouter builds the HTTP handler of every API family.
func NewRouter(cfg Config) *gin.Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true // c.Request.Context() flows into handlers' context use
	r.Use(requestLog(cfg.Logger), recovery, negotiateFormat)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, models.Errorf(models.CodeNotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, models.Errorf(models.CodeMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})

	health := healthHandlers{db: cfg.Store}
	for _, p := range []string{"/ping", "/pings"} {
		r.GET(p, health.ping)
	}
	r.GET("/healthz", health.healthz)
	r.GET("/readyz", health.readyz)

	for kind, bases := range recordPaths {
		h := recordHandlers{kind: kind, store: cfg.Store, validator: cfg.Validator, maxBody: cfg.MaxBodyBytes,
			complexAttrs: cfg.Validator.ComplexAttributes(kind)}
		for _, base := range bases {
			g := r.Group(base)
			g.GET("", h.list)
			g.POST("", h.create)
			g.GET("/ping", health.ping)
			g.GET("/pings", health.ping)
			g.GET("/:uuid", h.get)
			g.PUT("/:uuid", h.replace)
			g.DELETE("/:uuid", h.remove)
		}
	}

	if cfg.LCM != nil {
		// One segment holds the module-qualified rpc
		// ("appc-provider-lcm:lock"); the engine refuses other modules.
		r.POST("/restconf/operations/:op", lcmHandlers{engine: cfg.LCM, maxBody: cfg.MaxBodyBytes}.call)
	}

	r.GET("/swagger/*any", ginswagger.WrapHandler(swaggerfiles.Handler))
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/swagger/index.html") })
	return r
}
