// Package handlers is the HTTP layer: Gin handlers, one file per API
// family, each opening with its route table (records.go, appc.go,
// health.go), with rendering (JSON, YAML, HTML) and the one mapping of
// application errors to statuses (errors.go). Handlers parse and render;
// decisions are made in orchestrator/ and repo/, which they reach through
// the small interfaces they declare (RecordService, APPCEngine, Pinger).
package handlers

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	swaggerfiles "github.com/swaggo/files"
	ginswagger "github.com/swaggo/gin-swagger"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
)

// Config wires the router.
type Config struct {
	// Records are the record rules over the repository.
	Records RecordService
	// Database answers the readiness probes.
	Database Pinger
	// ComplexAttributes are a kind's object and array attributes, which
	// exclude_default leaves out of lists (schemas.Validator).
	ComplexAttributes func(models.Kind) []string
	Logger            *slog.Logger
	MaxBodyBytes      int64
	// BodyLimits bound what a request body may decode to; the zero value
	// is document.DefaultLimits.
	BodyLimits document.Limits
	// RequestTimeout is the deadline of every request's work; 0 is none.
	RequestTimeout time.Duration
	// TrustedProxies are the addresses (IPs or CIDRs) whose
	// X-Forwarded-For names the client; none by default, so the client is
	// the connection's peer.
	TrustedProxies []string
	// APPC answers the ONAP APPC LCM API; nil serves no APPC routes.
	APPC APPCEngine
	// Auth is identity and access (required): every route but the probes,
	// the OpenAPI UI and login needs credentials and a permission.
	Auth AuthService
	// AuthNone serves every call as a system administrator of the
	// default project, without credentials (AUTH=none).
	AuthNone bool
	// Catalogue serves the NS and VNF descriptor catalogue; nil serves no
	// catalogue routes.
	Catalogue CatalogueService
	// MaxPackageBytes bounds an uploaded package (MAX_PACKAGE_BYTES).
	MaxPackageBytes int64
	// VIMs are the VIM accounts; nil serves no VIM routes.
	VIMs VIMService
	// NSLCM is the NS lifecycle (OSM's nslcm/v1 and the Gatekeeper's
	// update requests); nil serves none of them (the Gatekeeper's record
	// views are served regardless).
	NSLCM NSLCMService
}

// DefaultMaxPackageBytes is MAX_PACKAGE_BYTES's default: 100 MiB.
const DefaultMaxPackageBytes = 100 << 20

// NewRouter builds the HTTP handler of every API family; each family's
// routes are in its own file's register function.
func NewRouter(cfg Config) (*gin.Engine, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Auth == nil {
		return nil, fmt.Errorf("the router needs an identity service (Config.Auth)")
	}
	if cfg.BodyLimits == (document.Limits{}) {
		cfg.BodyLimits = document.DefaultLimits()
	}
	if cfg.ComplexAttributes == nil {
		cfg.ComplexAttributes = func(models.Kind) []string { return nil }
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true // c.Request.Context() flows into handlers' context use
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	r.Use(requestLog(cfg.Logger), recovery, deadline(cfg.RequestTimeout), negotiateFormat)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, models.Errorf(models.CodeNotFound, "no route for %s %s", c.Request.Method, models.Quote(c.Request.URL.Path)))
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, models.Errorf(models.CodeMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, models.Quote(c.Request.URL.Path)))
	})

	health := healthHandlers{db: cfg.Database}
	gate := authGate{svc: cfg.Auth, none: cfg.AuthNone}
	body := bodyReader{maxBytes: cfg.MaxBodyBytes, limits: cfg.BodyLimits}
	registerHealthRoutes(r, health)
	registerAuthRoutes(r, gate, body)
	registerRecordRoutes(r, gate, cfg.Records, health, cfg.ComplexAttributes, body)
	if cfg.APPC != nil {
		registerAPPCRoutes(r, gate, appcHandlers{engine: cfg.APPC, maxBody: cfg.MaxBodyBytes})
	}
	if cfg.Catalogue != nil {
		if cfg.MaxPackageBytes <= 0 {
			cfg.MaxPackageBytes = DefaultMaxPackageBytes
		}
		registerCatalogueRoutes(r, gate, catalogueHandlers{svc: cfg.Catalogue, maxPackage: cfg.MaxPackageBytes, body: body})
	}
	if cfg.VIMs != nil {
		registerVIMRoutes(r, gate, vimHandlers{svc: cfg.VIMs, body: body})
	}
	lcm := nslcmHandlers{svc: cfg.NSLCM, body: body}
	if cfg.NSLCM != nil {
		registerNSLCMRoutes(r, gate, lcm)
	}
	registerGatekeeperRoutes(r, gate,
		recordHandlers{kind: models.KindNSR, svc: cfg.Records, body: body, complexAttrs: cfg.ComplexAttributes(models.KindNSR)},
		recordHandlers{kind: models.KindVNFR, svc: cfg.Records, body: body, complexAttrs: cfg.ComplexAttributes(models.KindVNFR)}, lcm)
	r.GET("/swagger/*any", ginswagger.WrapHandler(swaggerfiles.Handler))
	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/swagger/index.html") })
	return r, nil
}
