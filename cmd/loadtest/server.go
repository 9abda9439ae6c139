package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the service binary under test, started on a fresh embedded
// store in a temporary directory.
type server struct {
	// endpoint is its URL and the credentials of every request but
	// /healthz (set once logged in).
	endpoint
	cmd     *exec.Cmd
	root    string // temporary directory: data/ and, by default, server.stderr
	dataDir string
	logPath string // the server's stderr
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error         // its exit, once done is closed
}

// startServer starts bin with DATA_DIR in a new temporary directory,
// LISTEN_ADDR on a free loopback port, LOG_LEVEL=warn and env (such as
// AUTH=none, ADMIN_PASSWORD=...), and its stderr in logPath (default:
// server.stderr in the temporary directory). MONGO_URI is cleared, so the
// embedded SQLite store is what is measured, and so are the settings of
// identity and TLS that this process's environment may hold (the tool
// speaks plain HTTP and sets those it needs in env).
func startServer(bin, logPath string, env ...string) (*server, error) {
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("service binary: %w (build it first: make build)", err)
	}
	root, err := os.MkdirTemp("", "nfv-loadtest-")
	if err != nil {
		return nil, err
	}
	s := &server{root: root, dataDir: filepath.Join(root, "data"), logPath: logPath, done: make(chan struct{})}
	if s.logPath == "" {
		s.logPath = filepath.Join(root, "server.stderr")
	}
	fail := func(err error) (*server, error) {
		if s.logFile != nil {
			s.logFile.Close()
		}
		os.RemoveAll(root)
		return nil, err
	}
	if s.logFile, err = os.Create(s.logPath); err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.base = "http://" + addr

	s.cmd = exec.Command(bin)
	s.cmd.Env = append(environWithout("MONGO_URI", "DATA_DIR", "LISTEN_ADDR", "LOG_LEVEL",
		"AUTH", "ADMIN_PASSWORD", "TOKEN_TTL", "DEFAULT_PROJECT", "TLS_CERT_FILE", "TLS_KEY_FILE"),
		"DATA_DIR="+s.dataDir, "LISTEN_ADDR="+addr, "LOG_LEVEL=warn")
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout = s.logFile
	s.cmd.Stderr = s.logFile
	s.cmd.SysProcAttr = childAttr() // dies with this process (Linux)
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("start %s: %w", bin, err))
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	return s, nil
}

// freePort is a loopback TCP port nobody listens on (just now).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// environWithout is this process's environment less the named variables.
func environWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || name == n
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /readyz until it answers 200, the process exits, or
// timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	client := &http.Client{Timeout: 2 * time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if err != nil {
			return 0, err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-s.done:
			return 0, fmt.Errorf("the service exited before it was ready (%v)", s.waitErr)
		case <-tick.C:
		}
		if time.Since(start) > timeout {
			return 0, fmt.Errorf("/readyz did not answer 200 within %v", timeout)
		}
	}
}

// stop sends SIGTERM and waits for the exit, killing the process after
// grace. It reports how the process ended.
func (s *server) stop(grace time.Duration) (exit string, took time.Duration) {
	start := time.Now()
	select {
	case <-s.done:
		return "had already exited: " + exitString(s.waitErr), 0
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		return exitString(s.waitErr), time.Since(start)
	case <-time.After(grace):
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Sprintf("killed: no exit within %v of SIGTERM", grace), time.Since(start)
	}
}

func exitString(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

// cleanup closes the log and removes the temporary directory unless keep.
func (s *server) cleanup(keep bool) error {
	err := s.logFile.Close()
	if !keep {
		err = errors.Join(err, os.RemoveAll(s.root))
	}
	return err
}

// memory is the server's memory from /proc/<pid>/status, in KiB.
type memory struct {
	RSS, HWM int64 // VmRSS, VmHWM (peak RSS since start or since resetPeak)
}

// memory reads /proc/<pid>/status.
func (s *server) memory() (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch key {
		case "VmRSS":
			dst = &m.RSS
		case "VmHWM":
			dst = &m.HWM
		default:
			continue
		}
		*dst, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
	}
	if m.RSS == 0 {
		return m, errors.New("no VmRSS in /proc/<pid>/status")
	}
	return m, sc.Err()
}

// resetPeak resets the server's VmHWM to its current RSS (Linux
// clear_refs 5), so that VmHWM afterwards is the peak of what follows.
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// rssSampler samples the server's VmRSS every interval until stopped and
// keeps the peak.
type rssSampler struct {
	stopc chan struct{}
	done  chan struct{} // closed when the sampling goroutine has returned
	peak  int64         // KiB
}

func (s *server) sampleRSS(interval time.Duration) *rssSampler {
	r := &rssSampler{stopc: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if m, err := s.memory(); err == nil {
				r.peak = max(r.peak, m.RSS)
			}
			select {
			case <-r.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// stop ends the sampling and returns the peak VmRSS in KiB (0 when
// /proc/<pid>/status could not be read).
func (r *rssSampler) stop() (peakKiB int64) {
	close(r.stopc)
	<-r.done
	return r.peak
}

// logSummary is what the server wrote on stderr at LOG_LEVEL=warn.
type logSummary struct {
	Path   string         `json:"path,omitempty"` // kept only with -keep or -server-log
	Lines  int            `json:"lines"`
	Levels map[string]int `json:"levels"` // WARN, ERROR, ...; "other" for lines that are not JSON logs
	// Messages are the distinct messages, with a sample line and a count,
	// in order of first appearance (at most maxLogMessages).
	Messages []logMessage `json:"messages,omitempty"`
}

type logMessage struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Count  int    `json:"count"`
	Sample string `json:"sample"`
}

const maxLogMessages = 20

// summarizeLog reads the server's stderr.
func summarizeLog(path string) (logSummary, error) {
	sum := logSummary{Levels: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		sum.Lines++
		var rec struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Level == "" {
			rec.Level, rec.Msg = "other", line
		}
		sum.Levels[rec.Level]++
		key := rec.Level + "\x00" + rec.Msg
		if i, ok := index[key]; ok {
			sum.Messages[i].Count++
			continue
		}
		if len(sum.Messages) < maxLogMessages {
			if len(line) > 600 {
				line = line[:600] + "..."
			}
			index[key] = len(sum.Messages)
			sum.Messages = append(sum.Messages, logMessage{Level: rec.Level, Msg: rec.Msg, Count: 1, Sample: line})
		}
	}
	return sum, sc.Err()
}
