package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestThroughputBesideHelloWorld measures the citizen's step page as a load balancer meets
// it: the real binary (ozgform serve on the examples, SQLite) answers GET
// /formulare/gewerbeanmeldung/schritt/1 with a draft cookie, and wrk -t2 -c50 loads it and,
// alternately in the same run, an echo hello-world in this process. The ratio of their
// requests per second is the figure to compare across machines and changes:
//
//	OZGFORM_WRK=1 [OZGFORM_WRK_ROUNDS=3] [OZGFORM_WRK_DURATION=10s] go test ./server -run TestThroughputBesideHelloWorld -v
//
// It needs wrk and skips without OZGFORM_WRK (it loads both cores for a minute).
func TestThroughputBesideHelloWorld(t *testing.T) {
	if os.Getenv("OZGFORM_WRK") == "" {
		t.Skip("set OZGFORM_WRK=1 to measure the step page with wrk beside an echo hello-world")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Fatal("wrk is not installed (apt-get install wrk)")
	}
	rounds, _ := strconv.Atoi(os.Getenv("OZGFORM_WRK_ROUNDS"))
	rounds = max(rounds, 1)
	duration := os.Getenv("OZGFORM_WRK_DURATION")
	if duration == "" {
		duration = "10s"
	}

	dir := t.TempDir()
	bin := filepath.Join(dir, "ozgform")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ozgform")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addr := freeLocalAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := exec.CommandContext(ctx, bin, "serve", "--forms", "../examples", "--database", filepath.Join(dir, "ozgform.db"), "--addr", addr)
	srv.Cancel = func() error { return srv.Process.Signal(os.Interrupt) }
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = srv.Wait() }()
	base := "http://" + addr
	waitReady(t, base+"/readyz")
	cookie := startDraft(t, base, "gewerbeanmeldung")
	step := base + "/formulare/gewerbeanmeldung/schritt/1"

	hello := echo.New()
	hello.HideBanner, hello.HidePort = true, true
	hello.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hello.Listener = ln
	go func() { _ = hello.Start("") }()
	defer hello.Close()
	helloURL := "http://" + ln.Addr().String() + "/"

	// Besides requests per second (which a busy machine distorts), the CPU time each server
	// spent per request: the server's from /proc, the hello-world's from this process.
	var stepSum, helloSum, stepCPU, helloCPU float64
	for r := 1; r <= rounds; r++ {
		c0 := selfCPU(t)
		h, hn := runWrk(t, duration, helloURL, "")
		hc := (selfCPU(t) - c0) / hn
		c0 = procCPU(t, srv.Process.Pid)
		s, sn := runWrk(t, duration, step, cookie)
		sc := (procCPU(t, srv.Process.Pid) - c0) / sn
		stepSum += s
		helloSum += h
		stepCPU += sc
		helloCPU += hc
		t.Logf("round %d: step 1 %.0f req/s (%.0f µs CPU/req), echo hello-world %.0f req/s (%.1f µs CPU/req); ratio of req/s %.4f, of CPU/req %.4f",
			r, s, sc*1e6, h, hc*1e6, s/h, hc/sc)
	}
	t.Logf("mean: step 1 %.0f req/s (%.0f µs CPU/req), echo hello-world %.0f req/s (%.1f µs CPU/req); ratio of req/s %.4f, of CPU/req %.4f",
		stepSum/float64(rounds), stepCPU/float64(rounds)*1e6, helloSum/float64(rounds), helloCPU/float64(rounds)*1e6, stepSum/helloSum, helloCPU/stepCPU)
}

// selfCPU is the user and system CPU time of this process in seconds.
func selfCPU(t *testing.T) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// procCPU is the user and system CPU time of process pid in seconds (Linux /proc).
func procCPU(t *testing.T, pid int) float64 {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name in parentheses; utime and stime are fields 14 and 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks; USER_HZ is 100 on Linux
}

func freeLocalAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the server did not become ready")
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// startDraft starts a draft of form id as a browser does and returns its Cookie header.
func startDraft(t *testing.T, base, id string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(base + "/formulare/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the start page (%s)", res.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/formulare/"+id, strings.NewReader(url.Values{"_csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(base)
	var parts []string
	for _, ck := range jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	res, err = c.Get(base + "/formulare/" + id + "/schritt/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/formulare/"+id+"/schritt/1" {
		t.Fatalf("step 1 with the draft: %s at %s", res.Status, res.Request.URL.Path)
	}
	return strings.Join(parts, "; ")
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

var wrkTotal = regexp.MustCompile(`([0-9]+) requests in`)

// runWrk loads u with wrk -t2 -c50 and returns the requests per second and the number of
// requests; non-2xx answers fail.
func runWrk(t *testing.T, duration, u, cookie string) (float64, float64) {
	t.Helper()
	args := []string{"-t2", "-c50", "-d" + duration}
	if cookie != "" {
		args = append(args, "-H", "Cookie: "+cookie)
	}
	out, err := exec.Command("wrk", append(args, u)...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		t.Fatalf("wrk got error answers from %s:\n%s", u, out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		t.Fatal(errors.New("no Requests/sec in wrk's output:\n" + string(out)))
	}
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	n := wrkTotal.FindSubmatch(out)
	if f == 0 || n == nil {
		t.Fatalf("wrk: 0 requests/s\n%s", out)
	}
	total, _ := strconv.ParseFloat(string(n[1]), 64)
	return f, total
}
