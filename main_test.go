package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/document"
)

// waitFor polls cond until it holds, failing the test after a generous
// deadline: never a fixed sleep.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30s for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(config) bool
		wantErr string
	}{
		{"defaults", nil, nil, func(c config) bool {
			return c.ListenAddr == ":4012" && c.MongoURI == "" && c.MongoDB == "nfv_records" && c.DataDir == "./data" &&
				c.MaxBodyBytes == 4<<20 && c.LogLevel == slog.LevelInfo && c.MongoTimeout == 5*time.Second &&
				c.APPCLockIdle == 15*time.Minute && c.APPCDefaultTTL == time.Hour && c.APPCRequestRetention == 720*time.Hour &&
				len(c.Deprecated) == 0
		}, ""},
		{"appc settings", []string{"-appc-default-ttl", "90s"}, map[string]string{"APPC_LOCK_IDLE": "2m", "APPC_DEFAULT_TTL": "1m"},
			func(c config) bool {
				return c.APPCLockIdle == 2*time.Minute && c.APPCDefaultTTL == 90*time.Second && len(c.Deprecated) == 0
			}, ""},
		{"old LCM names still work, deprecated", []string{"-lcm-default-ttl", "90s"}, map[string]string{"LCM_LOCK_IDLE": "2m", "LCM_REQUEST_RETENTION": "1h"},
			func(c config) bool {
				return c.APPCLockIdle == 2*time.Minute && c.APPCDefaultTTL == 90*time.Second && c.APPCRequestRetention == time.Hour &&
					fmt.Sprint(c.Deprecated) == "[[LCM_LOCK_IDLE APPC_LOCK_IDLE] [LCM_REQUEST_RETENTION APPC_REQUEST_RETENTION] [-lcm-default-ttl -appc-default-ttl]]"
			}, ""},
		{"the new name wins", nil, map[string]string{"LCM_LOCK_IDLE": "2m", "APPC_LOCK_IDLE": "3m"},
			func(c config) bool { return c.APPCLockIdle == 3*time.Minute && len(c.Deprecated) == 0 }, ""},
		{"bad lock idle", nil, map[string]string{"APPC_LOCK_IDLE": "0s"}, nil, "APPC_LOCK_IDLE"},
		{"bad lock idle, old name", nil, map[string]string{"LCM_LOCK_IDLE": "0s"}, nil, "APPC_LOCK_IDLE"},
		{"bad default ttl", nil, map[string]string{"APPC_DEFAULT_TTL": "soon"}, nil, "APPC_DEFAULT_TTL"},
		{"request retention", []string{"-appc-request-retention", "48h"}, map[string]string{"APPC_REQUEST_RETENTION": "1h"},
			func(c config) bool { return c.APPCRequestRetention == 48*time.Hour }, ""},
		{"requests kept forever", nil, map[string]string{"APPC_REQUEST_RETENTION": "0"},
			func(c config) bool { return c.APPCRequestRetention == 0 }, ""},
		{"bad request retention", nil, map[string]string{"APPC_REQUEST_RETENTION": "-1h"}, nil, "APPC_REQUEST_RETENTION"},
		{"environment", nil, map[string]string{"LISTEN_ADDR": ":9", "MONGO_URI": "mongodb://db:27017", "MONGO_DB": "r", "DATA_DIR": "/d", "MAX_BODY_BYTES": "10", "LOG_LEVEL": "debug"},
			func(c config) bool {
				return c.ListenAddr == ":9" && c.MongoURI == "mongodb://db:27017" && c.MongoDB == "r" && c.DataDir == "/d" && c.MaxBodyBytes == 10 && c.LogLevel == slog.LevelDebug
			}, ""},
		{"flags win over environment", []string{"-listen", ":7", "-log-level", "warn"}, map[string]string{"LISTEN_ADDR": ":9"},
			func(c config) bool { return c.ListenAddr == ":7" && c.LogLevel == slog.LevelWarn }, ""},
		{"bad body limit", nil, map[string]string{"MAX_BODY_BYTES": "lots"}, nil, "MAX_BODY_BYTES"},
		{"zero body limit", nil, map[string]string{"MAX_BODY_BYTES": "0"}, nil, "MAX_BODY_BYTES"},
		{"bad log level", nil, map[string]string{"LOG_LEVEL": "loud"}, nil, "LOG_LEVEL"},
		{"bad timeout", nil, map[string]string{"MONGO_TIMEOUT": "5"}, nil, "MONGO_TIMEOUT"},
		{"bad shutdown timeout", nil, map[string]string{"SHUTDOWN_TIMEOUT": "-1s"}, nil, "SHUTDOWN_TIMEOUT"},
		{"unknown flag", []string{"-nope"}, nil, nil, "nope"},
		{"hardening defaults", nil, nil, func(c config) bool {
			return c.BodyLimits == document.DefaultLimits() && c.RequestTimeout == 30*time.Second && c.TrustedProxies == nil &&
				c.ConcurrentChecks == 0 && c.DataMaxBytes == 0
		}, ""},
		{"hardening settings", []string{"-max-array-items", "7"}, map[string]string{"MAX_BODY_VALUES": "500", "MAX_ARRAY_ITEMS": "9", "MAX_OBJECT_MEMBERS": "11",
			"REQUEST_TIMEOUT": "0", "TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.1 ", "CONCURRENT_CHECKS": "3", "DATA_MAX_BYTES": "1048576"},
			func(c config) bool {
				return c.BodyLimits == document.Limits{MaxValues: 500, MaxArrayItems: 7, MaxObjectMembers: 11, MaxDepth: 100} &&
					c.RequestTimeout == 0 && fmt.Sprint(c.TrustedProxies) == "[10.0.0.0/8 192.0.2.1]" && c.ConcurrentChecks == 3 && c.DataMaxBytes == 1<<20
			}, ""},
		{"bad value limit", nil, map[string]string{"MAX_BODY_VALUES": "0"}, nil, "MAX_BODY_VALUES"},
		{"bad item limit", nil, map[string]string{"MAX_ARRAY_ITEMS": "many"}, nil, "MAX_ARRAY_ITEMS"},
		{"bad member limit", nil, map[string]string{"MAX_OBJECT_MEMBERS": "-1"}, nil, "MAX_OBJECT_MEMBERS"},
		{"bad request timeout", nil, map[string]string{"REQUEST_TIMEOUT": "-1s"}, nil, "REQUEST_TIMEOUT"},
		{"bad concurrent checks", nil, map[string]string{"CONCURRENT_CHECKS": "x"}, nil, "CONCURRENT_CHECKS"},
		{"bad data cap", nil, map[string]string{"DATA_MAX_BYTES": "1G"}, nil, "DATA_MAX_BYTES"},
		{"identity and catalogue defaults", nil, nil, func(c config) bool {
			return c.Auth == "token" && c.DefaultProject == "admin" && c.TokenTTL == time.Hour && c.AuthCacheTTL == time.Second &&
				c.AdminPassword == "" && c.TLSCertFile == "" && c.MaxPackageBytes == 100<<20 && c.SecretKey == ""
		}, ""},
		{"identity settings", []string{"-auth", "none"}, map[string]string{"AUTH": "token", "DEFAULT_PROJECT": "ops", "TOKEN_TTL": "15m",
			"AUTH_CACHE_TTL": "0", "ADMIN_PASSWORD": "pw", "TLS_CERT_FILE": "c.pem", "TLS_KEY_FILE": "k.pem", "MAX_PACKAGE_BYTES": "1024"},
			func(c config) bool {
				return c.Auth == "none" && c.DefaultProject == "ops" && c.TokenTTL == 15*time.Minute && c.AuthCacheTTL == 0 &&
					c.AdminPassword == "pw" && c.TLSCertFile == "c.pem" && c.TLSKeyFile == "k.pem" && c.MaxPackageBytes == 1024
			}, ""},
		{"bad auth mode", nil, map[string]string{"AUTH": "basic"}, nil, "AUTH"},
		{"no default project", []string{"-default-project", ""}, nil, nil, "DEFAULT_PROJECT"},
		{"bad token ttl", nil, map[string]string{"TOKEN_TTL": "0s"}, nil, "TOKEN_TTL"},
		{"a cache longer than revocation allows", nil, map[string]string{"AUTH_CACHE_TTL": "2s"}, nil, "AUTH_CACHE_TTL"},
		{"a certificate without its key", nil, map[string]string{"TLS_CERT_FILE": "c.pem"}, nil, "TLS_KEY_FILE"},
		{"bad package limit", nil, map[string]string{"MAX_PACKAGE_BYTES": "-5"}, nil, "MAX_PACKAGE_BYTES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			c, err := parseConfig(tt.args, getenv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("config %+v, err %v", c, err)
			}
		})
	}
}

// serviceConfig is the configuration of a service on a free local port,
// with args after -listen.
func serviceConfig(t *testing.T, args ...string) (string, config) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	// AUTH=none unless args say otherwise (a later flag wins): these tests
	// are about serving, TestHTTPSWithTokens about credentials.
	cfg, err := parseConfig(append([]string{"-listen", addr, "-auth", "none"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return addr, cfg
}

// TestGracefulShutdown starts the whole service on the embedded store,
// begins a request, signals shutdown while it is in flight, and checks that
// the request still completes, new connections are refused, and run
// returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	addr, cfg := serviceConfig(t, "-data-dir", t.TempDir())
	// Connections reading a request: the in-flight one below.
	var active atomic.Int32
	cfg.connState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateActive {
			active.Add(1)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.DiscardHandler)) }()

	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not ready after 30s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The OpenAPI spec is served, and describes the record endpoints.
	resp, err := http.Get(base + "/swagger/doc.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(spec), `"/vnfrs/{uuid}"`) {
		t.Fatalf("/swagger/doc.json answered %d: %.200s", resp.StatusCode, spec)
	}

	// An in-flight POST whose body is still arriving when shutdown begins.
	before := active.Load()
	pr, pw := io.Pipe()
	answered := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, base+"/nsrs", pr)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
			answered <- nil
			return
		}
		answered <- resp
	}()
	if _, err := pw.Write([]byte(`{"id":"0f0e0d0c-0b0a-0908-0706-050403020100",`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server to read the request", func() bool { return active.Load() > before })
	stop()
	waitFor(t, "the server to stop accepting connections", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if _, err := pw.Write([]byte(`"descriptor_version":"1","status":"offline"}`)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	resp = <-answered
	if resp == nil {
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("in-flight request answered %d, want 200", resp.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("the service still accepts connections after shutdown")
	}
}

// TestSlowBodyIsCutOff: a body that does not arrive within
// REQUEST_TIMEOUT is answered 408 and its connection closed, however
// slowly its bytes trickle in.
func TestSlowBodyIsCutOff(t *testing.T) {
	addr, cfg := serviceConfig(t, "-data-dir", t.TempDir(), "-request-timeout", "1s")
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() { stop(); <-done })
	var conn net.Conn
	waitFor(t, "the service to listen", func() bool {
		var err error
		conn, err = net.Dial("tcp", addr)
		return err == nil
	})
	defer conn.Close()
	fmt.Fprintf(conn, "POST /nsrs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":")
	// The rest never comes: the server must answer on its own (well
	// within a minute; a server that never does fails, not hangs, the test).
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "REQUEST_TIMEOUT") {
		t.Fatalf("stalled body answered %d %s, want 408 REQUEST_TIMEOUT", resp.StatusCode, body)
	}
}

// TestStartImportsTheOlderEmbeddedStore starts the service on a data
// directory an earlier version (FerretDB v1) wrote: its records are served
// at once, and a second process on the same directory is refused at
// start, naming the holder.
func TestStartImportsTheOlderEmbeddedStore(t *testing.T) {
	dir := t.TempDir()
	old, err := os.ReadFile(filepath.Join("repo", "legacy", "testdata", "ferretdb-v1.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nfv_records.sqlite"), old, 0o640); err != nil {
		t.Fatal(err)
	}
	addr, cfg := serviceConfig(t, "-data-dir", dir)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	base := "http://" + addr
	waitFor(t, "the service to be ready", func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	for path, total := range map[string]string{"/vnfrs": "10", "/nsrs": "4"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Total-Count") != total {
			t.Errorf("GET %s: %d, X-Total-Count %q; want %s imported", path, resp.StatusCode, resp.Header.Get("X-Total-Count"), total)
		}
	}
	resp, err := http.Get(base + "/vnfrs/27155554-02d7-46a9-a7bb-4f4162b3ac19")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"uuid":"27155554-02d7-46a9-a7bb-4f4162b3ac19"`) {
		t.Errorf("GET an imported VNFR: %d %.200s", resp.StatusCode, body)
	}

	// A second process on the same directory.
	cfg2 := cfg
	cfg2.ListenAddr = "127.0.0.1:0"
	err = run(context.Background(), cfg2, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "data directory in use") || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Errorf("a second service on the same DATA_DIR: %v; want a refusal naming the holder", err)
	}

	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, "nfv_records.sqlite")); !bytes.Equal(again, old) {
		t.Error("the older store's file changed")
	}
}
