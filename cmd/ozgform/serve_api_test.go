package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is the stderr of a server running in a goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningAt = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe runs "ozgform serve" with args in-process on a free port and returns its base
// URL and log; the server stops at the end of the test.
func startServe(t *testing.T, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &lockedBuffer{}
	done := make(chan int, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--forms", "../../examples",
		"--database", filepath.Join(t.TempDir(), "ozgform.db")}, args...)
	go func() { done <- NewMain(io.Discard, logs).Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("serve ended with exit %d\n%s", code, logs)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve does not stop")
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningAt.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], logs
		}
		select {
		case code := <-done:
			t.Fatalf("serve ended with exit %d before listening\n%s", code, logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve does not listen\n%s", logs)
	return "", nil
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeWithConfig: --config wires the destinations, the API tokens and the metrics into
// the running server.
func TestServeWithConfig(t *testing.T) {
	dir := t.TempDir()
	const token = "Fachverfahren-Token-0123456789-abcdefghij"
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ozgform.yaml")
	if err := os.WriteFile(cfg, []byte(`
destinations:
  - name: kasse
    type: api
api:
  tokens:
    - name: kasse
      tokenFile: token
      forms: [hundesteuer]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, logs := startServe(t, "--config", cfg, "--base-url", "https://formulare.example.de", "--metrics-addr", "127.0.0.1:0")

	if code, body := httpGet(t, base+"/api/v1/submissions", token); code != http.StatusOK || !strings.Contains(body, `"submissions":[]`) {
		t.Errorf("API with the configured token: %d %s", code, body)
	}
	if code, _ := httpGet(t, base+"/api/v1/submissions", "Fachverfahren-Token-falsch-0123456789-abc"); code != http.StatusUnauthorized {
		t.Errorf("API with another token: %d", code)
	}
	if code, _ := httpGet(t, base+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics on the citizens' address without --metrics-token-file: %d, want 404", code)
	}
	m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(logs.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", logs)
	}
	code, body := httpGet(t, "http://"+m[1]+"/metrics", "")
	for _, want := range []string{`ozgform_outbox_messages{destination="kasse",state="queued"} 0`, "go_goroutines", "process_start_time_seconds"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}
	if code, body := httpGet(t, base+"/readyz", ""); code != http.StatusOK {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "no tokens configured") {
		t.Errorf("the log shows the token or claims there is none:\n%s", logs)
	}
	if !strings.Contains(logs.String(), "pull API at /api/v1") {
		t.Errorf("the log does not announce the API:\n%s", logs)
	}
}

// TestServeWithoutConfig: without --config every form goes to the pull destination "api", the
// API answers 401 to everyone, and the log says how to configure tokens.
func TestServeWithoutConfig(t *testing.T) {
	base, logs := startServe(t)
	if code, body := httpGet(t, base+"/api/v1/submissions", "irgendein-Token-0123456789-0123456789"); code != http.StatusUnauthorized || !strings.Contains(body, "api.tokens") {
		t.Errorf("API without configured tokens: %d %s", code, body)
	}
	if code, _ := httpGet(t, base+"/healthz", ""); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if !strings.Contains(logs.String(), "no tokens configured") || !strings.Contains(logs.String(), "sha256sum") {
		t.Errorf("the log does not say how to configure tokens:\n%s", logs)
	}
}

// TestServeRefusesBadConfig: a configuration with errors, or one that does not fit the forms,
// stops the start with the file's messages.
func TestServeRefusesBadConfig(t *testing.T) {
	for name, c := range map[string]struct{ yaml, want string }{
		"syntax":       {"destinations: [", "kein gültiges YAML"},
		"unknown form": {"destinations:\n  - name: kasse\n    type: api\n    forms: [gibtsnicht]\n", "„gibtsnicht“ gibt es nicht"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "ozgform.yaml")
			if err := os.WriteFile(cfg, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errOut := run(t, "serve", "--addr", "127.0.0.1:0", "--forms", "../../examples",
				"--database", filepath.Join(t.TempDir(), "db.sqlite"), "--config", cfg)
			if code != exitUsage || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "ozgform.yaml") {
				t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, c.want, errOut)
			}
		})
	}
}

// TestServeMetricsToken: with --metrics-token-file, /metrics on the citizens' address answers
// 401 without the token and the metrics with it (issue 14, point 4: /metrics was public).
func TestServeMetricsToken(t *testing.T) {
	dir := t.TempDir()
	const token = "Monitoring-Token-0123456789-abcdefghijkl"
	file := filepath.Join(dir, "metrics-token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base, logs := startServe(t, "--metrics-token-file", file)
	for _, tc := range []struct {
		token string
		want  int
	}{{"", http.StatusUnauthorized}, {"Monitoring-Token-falsch-0123456789-abcdef", http.StatusUnauthorized}, {token, http.StatusOK}} {
		code, body := httpGet(t, base+"/metrics", tc.token)
		if code != tc.want || (code == http.StatusOK) != strings.Contains(body, "go_goroutines") {
			t.Errorf("/metrics with token %q: %d, want %d\n%.200s", tc.token, code, tc.want, body)
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log shows the token:\n%s", logs)
	}
	// Without flags there are no metrics on the citizens' address, and the log says why.
	base, logs = startServe(t)
	if code, _ := httpGet(t, base+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics without flags: %d, want 404", code)
	}
	if !strings.Contains(logs.String(), "--metrics-addr") {
		t.Errorf("the log does not say how to get the metrics:\n%s", logs)
	}
	// A short token is refused at start.
	if err := os.WriteFile(file, []byte("kurz"), 0o600); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	code := NewMain(io.Discard, &errOut).Run(context.Background(), []string{"serve", "--forms", "../../examples",
		"--database", filepath.Join(dir, "x.db"), "--metrics-token-file", file})
	if code == exitOK || !strings.Contains(errOut.String(), "mindestens 32 Zeichen") {
		t.Errorf("short token: exit %d, %s", code, errOut.String())
	}
}
