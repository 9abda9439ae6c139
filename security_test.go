package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeCertificate writes a new self-signed certificate for 127.0.0.1
// and its key, and returns the certificate.
func writeCertificate(t *testing.T, certFile, keyFile, name string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert
}

// TestHTTPSWithTokens starts the service as OSM's client meets it: HTTPS
// on its port, credentials required, the admin created with
// ADMIN_PASSWORD. A token from POST /osm/admin/v1/tokens opens the
// records; none gets a 401; SIGHUP serves a renewed certificate.
func TestHTTPSWithTokens(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := writeCertificate(t, certFile, keyFile, "first")
	addr, cfg := serviceConfig(t, "-data-dir", filepath.Join(dir, "data"), "-auth", "token",
		"-admin-password", "a-long-admin-password", "-tls-cert-file", certFile, "-tls-key-file", keyFile)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.DiscardHandler)) }()

	// The client trusts no CA and checks the certificate it is given is
	// the one on disk now (as a pinned client would).
	var seen *x509.Certificate
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			seen, _ = x509.ParseCertificate(raw[0])
			return nil
		},
	}, DisableKeepAlives: true}}
	base := "https://" + addr
	waitFor(t, "the service to answer over HTTPS", func() bool {
		resp, err := client.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !seen.Equal(first) {
		t.Fatalf("served certificate %v, want the one in TLS_CERT_FILE", seen.Subject)
	}
	if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered on the HTTPS port")
		}
	}

	resp, err := client.Get(base + "/nsrs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /nsrs without credentials: %d, want 401", resp.StatusCode)
	}
	resp, err = client.Post(base+"/osm/admin/v1/tokens", "application/yaml",
		strings.NewReader(`{"username": "admin", "password": "a-long-admin-password", "project_id": "admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ ID string }
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || tok.ID == "" {
		t.Fatalf("POST /osm/admin/v1/tokens: %d %+v", resp.StatusCode, tok)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/nsrs", bytes.NewReader([]byte(`{"id":"0f0e0d0c-0b0a-0908-0706-050403020101","descriptor_version":"1","status":"offline"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.ID)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /nsrs with the token: %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", adminPasswordFile)); !os.IsNotExist(err) {
		t.Errorf("a given ADMIN_PASSWORD was written to a file: %v", err)
	}

	// A renewed certificate, served after SIGHUP.
	second := writeCertificate(t, certFile, keyFile, "second")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the renewed certificate", func() bool {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return seen.Equal(second)
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFirstStartGeneratesThePassword: with no ADMIN_PASSWORD, the admin's
// password is generated, logged once at WARN and written to
// DATA_DIR/admin-password readable by its owner only; a second start
// creates nothing.
func TestFirstStartGeneratesThePassword(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		addr, cfg := serviceConfig(t, "-data-dir", dir, "-auth", "token")
		var logs bytes.Buffer
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, cfg, slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))) }()
		waitFor(t, "the service", func() bool {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return true
		})
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(filepath.Join(dir, adminPasswordFile))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", adminPasswordFile, st.Mode().Perm())
		}
		pw, _ := os.ReadFile(filepath.Join(dir, adminPasswordFile))
		logged := strings.Contains(logs.String(), strings.TrimSpace(string(pw)))
		if i == 0 && (!logged || len(strings.TrimSpace(string(pw))) < 20) {
			t.Errorf("first start: password %q, logged %v", pw, logged)
		}
		if i == 1 && logged {
			t.Error("the second start logged the password again")
		}
	}
}

// syncWriter serializes writes to w (the service logs from many
// goroutines).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestSecretBox: SECRET_KEY when given (refused when it is no key);
// else, on the embedded store, a key made once in DATA_DIR; MongoDB
// replicas must share one, so there it is required.
func TestSecretBox(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	b1, err := secretBox(config{DataDir: dir}, "sqlite", log)
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := b1.Seal("p", "vim")
	b2, err := secretBox(config{DataDir: dir}, "sqlite", log)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Open(sealed, "vim"); err != nil || got != "p" {
		t.Errorf("the second start's key opens %q (%v)", got, err)
	}
	if _, err := secretBox(config{}, "mongodb", log); err == nil || !strings.Contains(err.Error(), "SECRET_KEY is required") {
		t.Errorf("MongoDB without SECRET_KEY: %v", err)
	}
	if _, err := secretBox(config{SecretKey: "short"}, "mongodb", log); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("a bad SECRET_KEY: %v", err)
	}
	if _, err := secretBox(config{SecretKey: strings.Repeat("ab", 32)}, "mongodb", log); err != nil {
		t.Errorf("a good SECRET_KEY: %v", err)
	}
}
