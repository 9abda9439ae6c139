package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/seal"
)

// adminPasswordFile is where, on the embedded store, a generated admin
// password is written (mode 0600) besides the log.
const adminPasswordFile = "admin-password"

// startAuth builds the identity service and brings the database up to it:
// the default project, the admin user on first start, and every record
// written before projects existed given to the default project. While
// the database does not answer it keeps trying in the background (calls
// answer 503 meanwhile), so the service starts as it did before.
func startAuth(ctx context.Context, cfg config, db repo.DB, kind string, log *slog.Logger) (*auth.Service, error) {
	cacheTTL := cfg.AuthCacheTTL
	if cacheTTL == 0 {
		cacheTTL = -1 // read the database on every call
	}
	svc, err := auth.NewService(repo.NewAuthStore(db), auth.Config{
		TokenTTL: cfg.TokenTTL, CacheTTL: cacheTTL, DefaultProject: cfg.DefaultProject,
		Logger: log.With("component", "auth"),
		// The embedded store is locked by this process: no other replica
		// changes users behind its back.
		Exclusive: kind == "sqlite",
	})
	if err != nil {
		return nil, err
	}
	if cfg.Auth == "none" {
		log.Warn("AUTH=none: every call acts as a system administrator of the default project, without credentials", "default_project", cfg.DefaultProject)
	}
	prepare := func() error {
		b, err := svc.Bootstrap(ctx, cfg.AdminPassword)
		if err != nil {
			return err
		}
		if b.AdminCreated {
			reportAdmin(cfg, kind, b, log)
		}
		n, err := repo.NewRecordStore(db).AdoptUnowned(ctx, b.DefaultProject)
		if n > 0 {
			log.Info("records written before projects existed now belong to the default project", "records", n, "project", cfg.DefaultProject)
		}
		return err
	}
	if err := prepare(); err != nil {
		if models.ErrorCodeOf(err) != models.CodeUnavailable {
			return nil, fmt.Errorf("identity bootstrap: %w", err)
		}
		log.Warn("database not reachable: users and projects are set up once it is", "error", err)
		go func() {
			for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
				if err := prepare(); err == nil {
					return
				} else if models.ErrorCodeOf(err) != models.CodeUnavailable {
					log.Error("identity bootstrap", "error", err)
					return
				}
			}
		}()
	}
	return svc, nil
}

// reportAdmin tells the operator about the admin user just created: a
// generated password once in the log (and, on the embedded store, in a
// file only its owner reads).
func reportAdmin(cfg config, kind string, b auth.Bootstrapped, log *slog.Logger) {
	if b.GeneratedPassword == "" {
		log.Info("created user admin (system_admin of project admin) with ADMIN_PASSWORD")
		return
	}
	attrs := []any{"user", "admin", "password", b.GeneratedPassword}
	if kind == "sqlite" {
		path := filepath.Join(cfg.DataDir, adminPasswordFile)
		if err := os.WriteFile(path, []byte(b.GeneratedPassword+"\n"), 0o600); err != nil {
			log.Warn("could not write the admin password file", "path", path, "error", err)
		} else {
			attrs = append(attrs, "also_in", path)
		}
	}
	log.Warn("created user admin with a generated password: it is shown this once; change it with PATCH /osm/admin/v1/users/admin", attrs...)
}

// secretKeyFile is where the embedded store keeps its secret key.
const secretKeyFile = "secret-key"

// secretBox is what seals secrets at rest: SECRET_KEY's key, or on the
// embedded store the key of DATA_DIR/secret-key (made on first start).
// MongoDB replicas must share one key: there SECRET_KEY is required.
func secretBox(cfg config, kind string, log *slog.Logger) (*seal.Box, error) {
	if cfg.SecretKey != "" {
		key, err := seal.ParseKey(cfg.SecretKey)
		if err != nil {
			return nil, fmt.Errorf("SECRET_KEY: %w", err)
		}
		return seal.New(key)
	}
	if kind != "sqlite" {
		return nil, fmt.Errorf("SECRET_KEY is required with MONGO_URI: every replica seals and opens VIM passwords with it (64 hex digits: openssl rand -hex 32)")
	}
	path := filepath.Join(cfg.DataDir, secretKeyFile)
	key, created, err := seal.LoadOrCreateKey(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if created {
		log.Info("made the key that seals secrets at rest; back it up with the data", "path", path)
	}
	return seal.New(key)
}

// certificates serve the TLS certificate of two files, reloaded on SIGHUP
// without a restart (a renewal).
type certificates struct {
	certFile, keyFile string
	mu                sync.RWMutex
	cert              *tls.Certificate
}

func loadCertificates(certFile, keyFile string) (*certificates, error) {
	c := &certificates{certFile: certFile, keyFile: keyFile}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *certificates) load() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("TLS_CERT_FILE=%s, TLS_KEY_FILE=%s: %w", c.certFile, c.keyFile, err)
	}
	c.mu.Lock()
	c.cert = &cert
	c.mu.Unlock()
	return nil
}

func (c *certificates) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.cert == nil {
		return nil, errors.New("no certificate loaded")
	}
	return c.cert, nil
}

// reloadOnHangup reloads the files at each SIGHUP until ctx ends; a file
// that does not load leaves the certificate in use as it is.
// hangups are the SIGHUPs the process gets from now on (a SIGHUP
// before would kill it): subscribed before the server says it serves.
func hangups() (<-chan os.Signal, func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup, func() { signal.Stop(hup) }
}

func (c *certificates) reloadOnHangup(ctx context.Context, hup <-chan os.Signal, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := c.load(); err != nil {
				log.Error("reload the TLS certificate: keeping the one in use", "error", err)
			} else {
				log.Info("reloaded the TLS certificate", "cert_file", c.certFile)
			}
		}
	}
}
