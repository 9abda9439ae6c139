// Command nfv-records serves the NFV records repository: NSRs and VNFRs,
// on MongoDB or on the embedded SQLite store, over the tng-rep API, with
// the ONAP APPC LCM API over the same records.
//
//	@title			nfv-records
//	@version		0.1.0
//	@description	Records repository and catalogue for NFV MANO stacks: schema-validated network service records (NSR) and VNF records (VNFR), served paginated as JSON or YAML.
//	@license.name	Apache 2.0
//	@BasePath		/
//
//	@securityDefinitions.apikey	BearerAuth
//	@in							header
//	@name						Authorization
//	@description				"Bearer <token>": the id of POST /osm/admin/v1/tokens.
//
//	@securityDefinitions.basic	BasicAuth
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	_ "github.com/nfv-records/nfv-records/docs" // registers the OpenAPI spec served at /swagger
	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
	"github.com/nfv-records/nfv-records/orchestrator/nslcm"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/mongo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
	"github.com/nfv-records/nfv-records/schemas"
)

// config is every setting, each from a flag or else its environment variable.
type config struct {
	ListenAddr string
	MongoURI   string
	MongoDB    string
	DataDir    string
	// DataMaxBytes caps the embedded store's file; 0 is no cap.
	DataMaxBytes   int64
	MaxBodyBytes   int64
	BodyLimits     document.Limits
	RequestTimeout time.Duration
	TrustedProxies []string
	// ConcurrentChecks is how many bodies are validated at once; 0 is
	// the records service's default.
	ConcurrentChecks int
	LogLevel         slog.Level
	MongoTimeout     time.Duration
	ShutdownTimeout  time.Duration
	APPCLockIdle     time.Duration
	OperationLease   time.Duration
	APPCDefaultTTL   time.Duration
	// APPCRequestRetention is how long stored APPC requests are kept; 0
	// keeps them forever.
	APPCRequestRetention time.Duration
	// Auth is "token" (credentials on every route) or "none".
	Auth           string
	DefaultProject string
	TokenTTL       time.Duration
	// AuthCacheTTL is how long a replica trusts what it read of a token
	// or a role (at most 1s); 0 reads the database on every call.
	AuthCacheTTL  time.Duration
	AdminPassword string
	// MaxPackageBytes bounds an uploaded package.
	MaxPackageBytes int64
	// SecretKey seals secrets at rest (VIM passwords); empty: on the
	// embedded store, the key in DATA_DIR/secret-key (made on first start).
	SecretKey string
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS.
	TLSCertFile string
	TLSKeyFile  string
	// Deprecated are the old names of settings given, each with its new
	// name, for a line in the log.
	Deprecated [][2]string

	// connState, when set, sees every connection change state (tests
	// wait on it rather than sleep).
	connState func(net.Conn, http.ConnState)
}

// defaultAPPCRequestRetention keeps APPC requests a month: ActionStatus
// and the duplicate check look back that far.
const defaultAPPCRequestRetention = 30 * 24 * time.Hour

// appcPruneEvery is how often stored APPC requests past their retention
// are deleted.
const appcPruneEvery = time.Hour

// renamedEnv are environment variables that had another name: the old
// one still works (the new one wins), with a deprecation line in the log.
// "LCM" alone was ambiguous beside the NBI's nslcm.
var renamedEnv = map[string]string{
	"APPC_LOCK_IDLE":         "LCM_LOCK_IDLE",
	"APPC_DEFAULT_TTL":       "LCM_DEFAULT_TTL",
	"APPC_REQUEST_RETENTION": "LCM_REQUEST_RETENTION",
}

func parseConfig(args []string, getenv func(string) string) (config, error) {
	var c config
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		if old, ok := renamedEnv[name]; ok {
			if v := getenv(old); v != "" {
				c.Deprecated = append(c.Deprecated, [2]string{old, name})
				return v
			}
		}
		return def
	}
	fs := flag.NewFlagSet("nfv-records", flag.ContinueOnError)
	var maxBody, level, mongoTimeout, shutdown, lockIdle, defaultTTL, retention, opLease string
	var maxValues, maxItems, maxMembers, requestTimeout, proxies, checks, dataMax string
	var tokenTTL, authCache, maxPackage string
	defLimits := document.DefaultLimits()
	fs.StringVar(&c.ListenAddr, "listen", env("LISTEN_ADDR", ":4012"), "address to serve on (LISTEN_ADDR)")
	fs.StringVar(&c.MongoURI, "mongo-uri", env("MONGO_URI", ""), "MongoDB connection string; empty uses the embedded SQLite store in DATA_DIR (MONGO_URI)")
	fs.StringVar(&c.MongoDB, "mongo-db", env("MONGO_DB", "nfv_records"), "MongoDB database name (MONGO_DB)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "embedded store directory, locked by the process using it (DATA_DIR)")
	fs.StringVar(&dataMax, "data-max-bytes", env("DATA_MAX_BYTES", "0"), "largest the embedded store's file may grow; past it writes answer 507 until deletes make room; 0 is no cap (DATA_MAX_BYTES)")
	fs.StringVar(&maxBody, "max-body-bytes", env("MAX_BODY_BYTES", "4194304"), "largest request body accepted (MAX_BODY_BYTES)")
	fs.StringVar(&maxValues, "max-body-values", env("MAX_BODY_VALUES", strconv.Itoa(defLimits.MaxValues)), "most values (objects, arrays, strings, numbers, ...) a request body may hold (MAX_BODY_VALUES)")
	fs.StringVar(&maxItems, "max-array-items", env("MAX_ARRAY_ITEMS", strconv.Itoa(defLimits.MaxArrayItems)), "most items one array of a request body may hold (MAX_ARRAY_ITEMS)")
	fs.StringVar(&maxMembers, "max-object-members", env("MAX_OBJECT_MEMBERS", strconv.Itoa(defLimits.MaxObjectMembers)), "most members one object of a request body may hold (MAX_OBJECT_MEMBERS)")
	fs.StringVar(&requestTimeout, "request-timeout", env("REQUEST_TIMEOUT", "30s"), "how long a request may take, its body's arrival included; 0 is no limit (REQUEST_TIMEOUT)")
	fs.StringVar(&proxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated IPs or CIDRs whose X-Forwarded-For names the client; empty trusts none (TRUSTED_PROXIES)")
	fs.StringVar(&checks, "concurrent-checks", env("CONCURRENT_CHECKS", "0"), "how many request bodies are validated at once; 0 is half the cores (CONCURRENT_CHECKS)")
	fs.StringVar(&level, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&mongoTimeout, "mongo-timeout", env("MONGO_TIMEOUT", "5s"), "how long a request waits for an unreachable MongoDB (MONGO_TIMEOUT)")
	fs.StringVar(&shutdown, "shutdown-timeout", env("SHUTDOWN_TIMEOUT", "8s"), "how long in-flight requests may finish on SIGTERM (SHUTDOWN_TIMEOUT)")
	fs.StringVar(&opLease, "operation-lease", env("OPERATION_LEASE", nslcm.DefaultLeaseTTL.String()), "how long a replica holds an NS operation it runs without renewing it: one whose replica died is FAILED_TEMP (retry resumes it) this long after (OPERATION_LEASE)")
	fs.StringVar(&lockIdle, "appc-lock-idle", env("APPC_LOCK_IDLE", appc.DefaultLockIdle.String()), "how long an APPC lock lasts after its owner's last request (APPC_LOCK_IDLE; LCM_LOCK_IDLE is deprecated)")
	fs.StringVar(&defaultTTL, "appc-default-ttl", env("APPC_DEFAULT_TTL", appc.DefaultTTL.String()), "how long an APPC request without flags.ttl stays valid after its timestamp (APPC_DEFAULT_TTL; LCM_DEFAULT_TTL is deprecated)")
	fs.StringVar(&retention, "appc-request-retention", env("APPC_REQUEST_RETENTION", defaultAPPCRequestRetention.String()), "how long stored APPC requests are kept for ActionStatus and the duplicate check; 0 keeps them forever (APPC_REQUEST_RETENTION; LCM_REQUEST_RETENTION is deprecated)")
	fs.StringVar(&c.Auth, "auth", env("AUTH", "token"), "token: every route but the probes and login needs credentials; none: every call is a system administrator of DEFAULT_PROJECT (AUTH)")
	fs.StringVar(&c.DefaultProject, "default-project", env("DEFAULT_PROJECT", "admin"), "project of AUTH=none calls and of records written before projects existed (DEFAULT_PROJECT)")
	fs.StringVar(&tokenTTL, "token-ttl", env("TOKEN_TTL", "1h"), "how long a token lives (TOKEN_TTL)")
	fs.StringVar(&authCache, "auth-cache-ttl", env("AUTH_CACHE_TTL", "1s"), "how long a replica trusts what it read of a token or a role, at most 1s; 0 reads the database on every call (AUTH_CACHE_TTL)")
	fs.StringVar(&c.AdminPassword, "admin-password", env("ADMIN_PASSWORD", ""), "password of user admin, created on first start when there is no user; empty generates one, printed once (ADMIN_PASSWORD)")
	fs.StringVar(&maxPackage, "max-package-bytes", env("MAX_PACKAGE_BYTES", strconv.Itoa(handlers.DefaultMaxPackageBytes)), "largest package (descriptor or archive) accepted; larger is 413 (MAX_PACKAGE_BYTES)")
	fs.StringVar(&c.SecretKey, "secret-key", env("SECRET_KEY", ""), "key sealing secrets at rest (VIM passwords): 64 hex digits or base64 of 32 bytes; the same on every replica; empty on the embedded store: DATA_DIR/secret-key, made on first start (SECRET_KEY)")
	fs.StringVar(&c.TLSCertFile, "tls-cert-file", env("TLS_CERT_FILE", ""), "PEM certificate (chain): serve HTTPS with TLS_KEY_FILE; SIGHUP reloads both (TLS_CERT_FILE)")
	fs.StringVar(&c.TLSKeyFile, "tls-key-file", env("TLS_KEY_FILE", ""), "PEM private key of TLS_CERT_FILE (TLS_KEY_FILE)")
	// The old flag names, for scripts that pass them.
	fs.StringVar(&lockIdle, "lcm-lock-idle", lockIdle, "deprecated: -appc-lock-idle")
	fs.StringVar(&defaultTTL, "lcm-default-ttl", defaultTTL, "deprecated: -appc-default-ttl")
	fs.StringVar(&retention, "lcm-request-retention", retention, "deprecated: -appc-request-retention")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	fs.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "lcm-") {
			c.Deprecated = append(c.Deprecated, [2]string{"-" + f.Name, "-appc-" + strings.TrimPrefix(f.Name, "lcm-")})
		}
	})
	var err error
	if c.MaxBodyBytes, err = strconv.ParseInt(maxBody, 10, 64); err != nil || c.MaxBodyBytes <= 0 {
		return config{}, fmt.Errorf("MAX_BODY_BYTES=%q: want a positive number of bytes", maxBody)
	}
	if c.DataMaxBytes, err = strconv.ParseInt(dataMax, 10, 64); err != nil || c.DataMaxBytes < 0 {
		return config{}, fmt.Errorf("DATA_MAX_BYTES=%q: want a number of bytes, or 0 for no cap", dataMax)
	}
	c.BodyLimits = defLimits
	for _, l := range []struct {
		name string
		raw  string
		dst  *int
	}{{"MAX_BODY_VALUES", maxValues, &c.BodyLimits.MaxValues}, {"MAX_ARRAY_ITEMS", maxItems, &c.BodyLimits.MaxArrayItems}, {"MAX_OBJECT_MEMBERS", maxMembers, &c.BodyLimits.MaxObjectMembers}} {
		if *l.dst, err = strconv.Atoi(l.raw); err != nil || *l.dst <= 0 {
			return config{}, fmt.Errorf("%s=%q: want a positive number", l.name, l.raw)
		}
	}
	if c.RequestTimeout, err = time.ParseDuration(requestTimeout); err != nil || c.RequestTimeout < 0 {
		return config{}, fmt.Errorf("REQUEST_TIMEOUT=%q: want a duration such as 30s, or 0 for none", requestTimeout)
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if c.ConcurrentChecks, err = strconv.Atoi(checks); err != nil || c.ConcurrentChecks < 0 {
		return config{}, fmt.Errorf("CONCURRENT_CHECKS=%q: want a number, or 0 for half the cores", checks)
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		return config{}, fmt.Errorf("LOG_LEVEL=%q: want debug, info, warn or error", level)
	}
	if c.MongoTimeout, err = time.ParseDuration(mongoTimeout); err != nil || c.MongoTimeout <= 0 {
		return config{}, fmt.Errorf("MONGO_TIMEOUT=%q: want a positive duration such as 5s", mongoTimeout)
	}
	if c.ShutdownTimeout, err = time.ParseDuration(shutdown); err != nil || c.ShutdownTimeout <= 0 {
		return config{}, fmt.Errorf("SHUTDOWN_TIMEOUT=%q: want a positive duration such as 8s", shutdown)
	}
	if c.OperationLease, err = time.ParseDuration(opLease); err != nil || c.OperationLease < time.Second {
		return config{}, fmt.Errorf("OPERATION_LEASE=%q: want a duration of 1s or more, such as 30s", opLease)
	}
	if c.APPCLockIdle, err = time.ParseDuration(lockIdle); err != nil || c.APPCLockIdle <= 0 {
		return config{}, fmt.Errorf("APPC_LOCK_IDLE=%q: want a positive duration such as 15m", lockIdle)
	}
	if c.APPCDefaultTTL, err = time.ParseDuration(defaultTTL); err != nil || c.APPCDefaultTTL <= 0 {
		return config{}, fmt.Errorf("APPC_DEFAULT_TTL=%q: want a positive duration such as 1h", defaultTTL)
	}
	if c.APPCRequestRetention, err = time.ParseDuration(retention); err != nil || c.APPCRequestRetention < 0 {
		return config{}, fmt.Errorf("APPC_REQUEST_RETENTION=%q: want a duration such as 720h, or 0 to keep requests forever", retention)
	}
	if c.Auth != "token" && c.Auth != "none" {
		return config{}, fmt.Errorf("AUTH=%q: want token or none", c.Auth)
	}
	if c.DefaultProject == "" {
		return config{}, fmt.Errorf("DEFAULT_PROJECT is empty: name the default project")
	}
	if c.TokenTTL, err = time.ParseDuration(tokenTTL); err != nil || c.TokenTTL <= 0 {
		return config{}, fmt.Errorf("TOKEN_TTL=%q: want a positive duration such as 1h", tokenTTL)
	}
	if c.AuthCacheTTL, err = time.ParseDuration(authCache); err != nil || c.AuthCacheTTL < 0 || c.AuthCacheTTL > time.Second {
		return config{}, fmt.Errorf("AUTH_CACHE_TTL=%q: want a duration from 0 to 1s", authCache)
	}
	if c.MaxPackageBytes, err = strconv.ParseInt(maxPackage, 10, 64); err != nil || c.MaxPackageBytes <= 0 {
		return config{}, fmt.Errorf("MAX_PACKAGE_BYTES=%q: want a positive number of bytes", maxPackage)
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return config{}, fmt.Errorf("TLS_CERT_FILE and TLS_KEY_FILE go together: set both for HTTPS, or neither")
	}
	return c, nil
}

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "nfv-records:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("nfv-records stopped", "error", err)
		os.Exit(1)
	}
}

// openDatabase opens MongoDB when cfg names one, else the embedded store
// in cfg.DataDir (importing what an older embedded store left there).
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (repo.DB, string, error) {
	if cfg.MongoURI != "" {
		db, err := mongo.Open(mongo.Config{URI: cfg.MongoURI, Database: cfg.MongoDB, Timeout: cfg.MongoTimeout, Logger: log.With("component", "mongo")})
		if err != nil {
			return nil, "", err
		}
		return db, "mongodb", nil
	}
	db, err := sqlite.OpenDir(cfg.DataDir, sqlite.Config{MaxBytes: cfg.DataMaxBytes, Logger: log.With("component", "sqlite")})
	if err != nil {
		return nil, "", err
	}
	if err := repo.ImportLegacyDir(ctx, db, nil, cfg.DataDir, cfg.MongoDB, log.With("component", "import")); err != nil {
		_ = db.Close(context.Background())
		return nil, "", fmt.Errorf("import the data of the older embedded store: %w", err)
	}
	return db, "sqlite", nil
}

// run serves until ctx ends, then shuts down gracefully: stop accepting,
// let in-flight requests finish, close the store.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	for _, d := range cfg.Deprecated {
		log.Warn("deprecated setting: use the new name", "old", d[0], "new", d[1])
	}
	validator, err := schemas.New()
	if err != nil {
		return err
	}
	// Bind first: a port in use is an error at start, never a log line
	// saying the service is serving.
	l, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	defer l.Close()
	db, kind, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.Close(closeCtx); err != nil {
			log.Warn("close the database", "error", err)
		}
	}()
	if err := db.Ping(ctx); err != nil {
		log.Warn("database not reachable yet; serving anyway, readiness answers 503 until it is", "error", err)
	}

	ids, err := startAuth(ctx, cfg, db, kind, log)
	if err != nil {
		return err
	}
	box, err := secretBox(cfg, kind, log)
	if err != nil {
		return err
	}

	engine, err := appc.NewEngine(repo.NewAPPCStore(db, nil, log.With("component", "appc")), appc.EngineConfig{
		LockIdle: cfg.APPCLockIdle, DefaultTTL: cfg.APPCDefaultTTL, RequestRetention: cfg.APPCRequestRetention,
		Logger: log.With("component", "appc"),
	})
	if err != nil {
		return err
	}
	go engine.PruneLoop(ctx, appcPruneEvery)

	recs := records.NewService(repo.NewRecordStore(db), validator, records.Config{ConcurrentChecks: cfg.ConcurrentChecks})
	cat := catalogue.NewService(repo.NewCatalogueStore(db),
		catalogue.Limits{MaxUnpacked: max(catalogue.DefaultLimits().MaxUnpacked, 4*cfg.MaxPackageBytes)}, validator)
	vimStore := repo.NewVIMStore(db)
	lcm := nslcm.NewService(repo.NewLifecycleStore(db), recs, cat, nslcm.NewVIMs(vimStore, box, nil, nil),
		nslcm.Config{LeaseTTL: cfg.OperationLease, Logger: log.With("component", "nslcm")})
	defer lcm.Close() // after the server's shutdown: runners stop, their operations left for recovery
	go lcm.Watch(ctx, cfg.OperationLease/2)

	gin.SetMode(gin.ReleaseMode)
	router, err := handlers.NewRouter(handlers.Config{
		Records:           recs,
		Database:          db,
		ComplexAttributes: validator.ComplexAttributes,
		Logger:            log,
		MaxBodyBytes:      cfg.MaxBodyBytes,
		BodyLimits:        cfg.BodyLimits,
		RequestTimeout:    cfg.RequestTimeout,
		TrustedProxies:    cfg.TrustedProxies,
		APPC:              engine,
		Auth:              ids,
		AuthNone:          cfg.Auth == "none",
		Catalogue:         cat.WithInstances(lcm),
		MaxPackageBytes:   cfg.MaxPackageBytes,
		VIMs:              nslcm.NewVIMs(vimStore, box, lcm, nil),
		NSLCM:             lcm,
	})
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           router,
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout: the router gives each request body its own read
		// deadline (REQUEST_TIMEOUT), lifted once it is in; a server-wide
		// one would also end the connection's watch for a departed client
		// mid-request and cancel the request as if its client had gone.
		IdleTimeout: 2 * time.Minute,
		ConnState:   cfg.connState,
		// Connection-level failures (a TLS handshake refused) are the
		// client's: logged as JSON with the rest, at DEBUG.
		ErrorLog: slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelDebug),
	}
	scheme := "http"
	if cfg.TLSCertFile != "" {
		certs, err := loadCertificates(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return err
		}
		hup, stop := hangups()
		defer stop()
		go certs.reloadOnHangup(ctx, hup, log)
		l = tls.NewListener(l, &tls.Config{GetCertificate: certs.get, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	attrs := []any{"addr", l.Addr().String(), "scheme", scheme, "store", kind, "auth", cfg.Auth}
	if kind == "sqlite" {
		attrs = append(attrs, "data_dir", cfg.DataDir)
	}
	log.Info("serving", attrs...)

	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", cfg.ListenAddr, err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
