// Package ferrettest runs FerretDB v1 on SQLite, the MongoDB-wire
// stand-in of the tests of repo/mongo where no MongoDB is at hand, as a
// process of its own (the program in ./ferretdb). Only tests import this
// package, so FerretDB is never linked into the service; and built apart
// from the test binary, FerretDB is not instrumented by the race detector
// when the tests are (which made it some ten times slower: the tests
// would measure a third-party server, not this service).
package ferrettest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Server is a running FerretDB process.
type Server struct {
	uri   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// build builds the ferretdb program once per test process, without the
// race detector whatever the tests were built with.
func build() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ferrettest-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "ferretdb")
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		cmd := exec.Command(goTool, "build", "-o", binary, "github.com/nfv-records/nfv-records/repo/mongo/ferrettest/ferretdb")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("ferrettest: build FerretDB: %w\n%s", err, out)
		}
	})
	return binary, buildErr
}

// Start starts FerretDB keeping its SQLite files (one per database) in
// dir, listening on addr ("127.0.0.1:0" picks a free port; an address
// given again after Stop restarts it in the same place). It accepts
// connections once Start returns.
func Start(dir, addr string) (*Server, error) {
	bin, err := build()
	if err != nil {
		return nil, err
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	cmd := exec.Command(bin, "-dir", dir, "-addr", addr)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ferrettest: %w", err)
	}
	s := &Server{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			first <- strings.TrimSpace(sc.Text())
		}
		close(first)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case uri, ok := <-first:
		if !ok || !strings.HasPrefix(uri, "mongodb://") {
			s.Stop()
			return nil, fmt.Errorf("ferrettest: FerretDB did not start (its first line: %q)", uri)
		}
		s.uri = uri
		return s, nil
	case <-time.After(2 * time.Minute):
		s.Stop()
		return nil, errors.New("ferrettest: FerretDB did not start in 2 minutes")
	}
}

// URI is the MongoDB connection string of the server.
func (s *Server) URI() string { return s.uri }

// Stop stops FerretDB and waits until its process has ended (its port
// and files are free again).
func (s *Server) Stop() {
	_ = s.stdin.Close() // it stops when its stdin closes
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
