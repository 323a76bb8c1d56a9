package crashtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// ozgformBinary builds cmd/ozgform once per test run and returns the path of the binary.
func ozgformBinary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "ozgform-crashtest-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "ozgform")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/ozgform")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/ozgform: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		tb.Fatal(binErr)
	}
	return binPath
}

// freeAddr returns a local address with a port that is free now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverProcess is the real binary serving the examples on one SQLite file; it can be
// killed and started again on the same address and file.
type serverProcess struct {
	tb      testing.TB
	bin     string
	addr    string
	db      string
	logPath string
	extra   []string
	env     []string // added to the environment of the next start

	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

func newServerProcess(tb testing.TB, db string, extra ...string) *serverProcess {
	tb.Helper()
	p := &serverProcess{
		tb: tb, bin: ozgformBinary(tb), addr: freeAddr(tb), db: db,
		logPath: filepath.Join(filepath.Dir(db), "server.log"), extra: extra,
	}
	tb.Cleanup(func() {
		if p.cmd != nil {
			p.kill()
		}
		if tb.Failed() {
			tb.Logf("last lines of the server log:\n%s", p.logTail(40))
		}
	})
	return p
}

func (p *serverProcess) baseURL() string { return "http://" + p.addr }

// start starts the binary and waits until /healthz answers.
func (p *serverProcess) start() {
	p.tb.Helper()
	logFile, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.tb.Fatal(err)
	}
	defer logFile.Close() // the child has its own descriptor
	args := append([]string{"serve", "--addr", p.addr, "--database", p.db, "--forms", "../examples", "--trust-proxy"}, p.extra...)
	cmd := exec.Command(p.bin, args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		p.tb.Fatal(err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(p.exited)
	p.starts++

	deadline := time.Now().Add(30 * time.Second)
	hc := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.exited:
			p.tb.Fatalf("the server exited at start: %v\n%s", cmd.ProcessState, p.logTail(20))
		default:
		}
		res, err := hc.Get(p.baseURL() + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("the server did not answer /healthz within 30 s: %v\n%s", err, p.logTail(20))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serverProcess) kill() {
	p.tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.tb.Fatalf("SIGKILL: %v", err)
	}
	<-p.exited
	p.cmd = nil
}

// stop ends the process gracefully (SIGTERM), as an operator would.
func (p *serverProcess) stop() {
	p.tb.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.tb.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.tb.Errorf("the server did not stop within 20 s of SIGTERM")
		p.kill()
		return
	}
	if st := p.cmd.ProcessState; st != nil && !st.Success() {
		p.tb.Errorf("the server ended with %v after SIGTERM\n%s", st, p.logTail(20))
	}
	p.cmd = nil
}

// logTail returns the last n lines of the server's log.
func (p *serverProcess) logTail(n int) string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// waitContext is a context for a whole run, ended by the test's deadline with a margin.
func waitContext(t *testing.T, limit time.Duration) (context.Context, context.CancelFunc) {
	if d, ok := t.Deadline(); ok && time.Until(d)-30*time.Second < limit {
		limit = max(time.Until(d)-30*time.Second, 10*time.Second)
	}
	return context.WithTimeout(t.Context(), limit)
}
