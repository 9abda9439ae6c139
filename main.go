// Command nfv-records serves the NFV records repository: NSRs and VNFRs on
// MongoDB (or an embedded FerretDB), over the tng-rep API.
//
//	@title			nfv-records
//	@version		0.1.0
//	@description	Records repository and catalogue for NFV MANO stacks: schema-validated network service records (NSR) and VNF records (VNFR), served paginated as JSON or YAML.
//	@license.name	Apache 2.0
//	@BasePath		/
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	_ "github.com/nfv-records/nfv-records/docs" // registers the OpenAPI spec served at /swagger
	"github.com/nfv-records/nfv-records/handlers"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/schemas"
)

// config is every setting, each from a flag or else its environment variable.
type config struct {
	ListenAddr      string
	MongoURI        string
	MongoDB         string
	DataDir         string
	MaxBodyBytes    int64
	LogLevel        slog.Level
	MongoTimeout    time.Duration
	ShutdownTimeout time.Duration
	LCMLockIdle     time.Duration
	LCMDefaultTTL   time.Duration
	// LCMRequestRetention is how long stored LCM requests are kept; 0
	// keeps them forever.
	LCMRequestRetention time.Duration
}

// defaultLCMRequestRetention keeps LCM requests a month: ActionStatus and
// the duplicate check look back that far.
const defaultLCMRequestRetention = 30 * 24 * time.Hour

// lcmPruneEvery is how often stored LCM requests past their retention are
// deleted.
const lcmPruneEvery = time.Hour

func parseConfig(args []string, getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("nfv-records", flag.ContinueOnError)
	var c config
	var maxBody, level, mongoTimeout, shutdown, lockIdle, defaultTTL, retention string
	fs.StringVar(&c.ListenAddr, "listen", env("LISTEN_ADDR", ":4012"), "address to serve on (LISTEN_ADDR)")
	fs.StringVar(&c.MongoURI, "mongo-uri", env("MONGO_URI", ""), "MongoDB connection string; empty starts the embedded store (MONGO_URI)")
	fs.StringVar(&c.MongoDB, "mongo-db", env("MONGO_DB", "nfv_records"), "database name (MONGO_DB)")
	fs.StringVar(&c.DataDir, "data-dir", env("DATA_DIR", "./data"), "embedded store directory (DATA_DIR)")
	fs.StringVar(&maxBody, "max-body-bytes", env("MAX_BODY_BYTES", "4194304"), "largest request body accepted (MAX_BODY_BYTES)")
	fs.StringVar(&level, "log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (LOG_LEVEL)")
	fs.StringVar(&mongoTimeout, "mongo-timeout", env("MONGO_TIMEOUT", "5s"), "how long a request waits for an unreachable database (MONGO_TIMEOUT)")
	fs.StringVar(&shutdown, "shutdown-timeout", env("SHUTDOWN_TIMEOUT", "8s"), "how long in-flight requests may finish on SIGTERM (SHUTDOWN_TIMEOUT)")
	fs.StringVar(&lockIdle, "lcm-lock-idle", env("LCM_LOCK_IDLE", appc.DefaultLockIdle.String()), "how long an LCM lock lasts after its owner's last request (LCM_LOCK_IDLE)")
	fs.StringVar(&defaultTTL, "lcm-default-ttl", env("LCM_DEFAULT_TTL", appc.DefaultTTL.String()), "how long an LCM request without flags.ttl stays valid after its timestamp (LCM_DEFAULT_TTL)")
	fs.StringVar(&retention, "lcm-request-retention", env("LCM_REQUEST_RETENTION", defaultLCMRequestRetention.String()), "how long stored LCM requests are kept for ActionStatus and the duplicate check; 0 keeps them forever (LCM_REQUEST_RETENTION)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	var err error
	if c.MaxBodyBytes, err = strconv.ParseInt(maxBody, 10, 64); err != nil || c.MaxBodyBytes <= 0 {
		return config{}, fmt.Errorf("MAX_BODY_BYTES=%q: want a positive number of bytes", maxBody)
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
	if c.LCMLockIdle, err = time.ParseDuration(lockIdle); err != nil || c.LCMLockIdle <= 0 {
		return config{}, fmt.Errorf("LCM_LOCK_IDLE=%q: want a positive duration such as 15m", lockIdle)
	}
	if c.LCMDefaultTTL, err = time.ParseDuration(defaultTTL); err != nil || c.LCMDefaultTTL <= 0 {
		return config{}, fmt.Errorf("LCM_DEFAULT_TTL=%q: want a positive duration such as 1h", defaultTTL)
	}
	if c.LCMRequestRetention, err = time.ParseDuration(retention); err != nil || c.LCMRequestRetention < 0 {
		return config{}, fmt.Errorf("LCM_REQUEST_RETENTION=%q: want a duration such as 720h, or 0 to keep requests forever", retention)
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

// run serves until ctx ends, then shuts down gracefully: stop accepting,
// let in-flight requests finish, close the store.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	validator, err := schemas.New()
	if err != nil {
		return err
	}
	storeCfg := repo.Config{URI: cfg.MongoURI, Database: cfg.MongoDB, Timeout: cfg.MongoTimeout, Logger: log.With("component", "repo")}
	if cfg.MongoURI == "" {
		// FerretDB logs every connection at info and every unsupported
		// command (the driver's endSessions) at warn; keep only its errors.
		ferretLog := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: max(cfg.LogLevel, slog.LevelError)})).With("component", "ferretdb")
		embedded, err := repo.StartEmbedded(repo.EmbeddedConfig{DataDir: cfg.DataDir, Logger: ferretLog})
		if err != nil {
			return err
		}
		defer embedded.Close()
		storeCfg.Embedded = embedded
		log.Info("embedded store started", "data_dir", cfg.DataDir)
	}
	store, err := repo.Open(storeCfg)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := store.Close(closeCtx); err != nil {
			log.Warn("close store", "error", err)
		}
	}()
	if err := store.Ping(ctx); err != nil {
		log.Warn("database not reachable yet; serving anyway, readiness answers 503 until it is", "error", err)
	}

	lcm, err := appc.NewEngine(store, appc.EngineConfig{
		LockIdle: cfg.LCMLockIdle, DefaultTTL: cfg.LCMDefaultTTL, RequestRetention: cfg.LCMRequestRetention,
		Logger: log.With("component", "appc"),
	})
	if err != nil {
		return err
	}
	go lcm.PruneLoop(ctx, lcmPruneEvery)

	gin.SetMode(gin.ReleaseMode)
	srv := &http.Server{
		Addr: cfg.ListenAddr,
		Handler: handlers.NewRouter(handlers.Config{
			Store: store, Validator: validator, Logger: log, MaxBodyBytes: cfg.MaxBodyBytes, LCM: lcm,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", cfg.ListenAddr, "store", storeKind(cfg.MongoURI))

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

func storeKind(uri string) string {
	if uri == "" {
		return "embedded"
	}
	if i := strings.Index(uri, "://"); i > 0 {
		return uri[:i]
	}
	return "mongodb"
}
