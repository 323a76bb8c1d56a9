package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The tools the tests use besides Chromium, installed by `npm ci` from package.json.
var (
	axePath = filepath.Join("..", "node_modules", "axe-core", "axe.min.js")
	vnuPath = filepath.Join("..", "node_modules", "vnu-jar", "build", "dist", "vnu.jar")
)

// requireTools reports whether missing tools fail the tests instead of skipping them: in CI
// (CI=true) and when OZGFORM_REQUIRE_BROWSER=1.
func requireTools() bool {
	return os.Getenv("CI") == "true" || os.Getenv("OZGFORM_REQUIRE_BROWSER") == "1"
}

// missing skips the test because a tool is missing, or fails it where the tools are required.
func missing(tb testing.TB, what string) {
	tb.Helper()
	if requireTools() {
		tb.Fatalf("Browser-Tests nicht ausführbar: %s (mit CI=true oder OZGFORM_REQUIRE_BROWSER=1 ist das ein Fehler)", what)
	}
	tb.Skip("Browser-Tests übersprungen: " + what)
}

// The browser is started once per test binary and shared by all tests; each test works in
// its own browser context (own cookies, like a separate incognito window).
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserErr    error
	browserDir    string
)

// sharedBrowser returns the context of the shared Chromium, or skips/fails the test when
// Chromium is missing or does not start.
func sharedBrowser(tb testing.TB) context.Context {
	tb.Helper()
	if _, err := ChromiumPath(); err != nil {
		missing(tb, "Chromium fehlt (apt-get install chromium)")
	}
	browserOnce.Do(func() {
		browserDir, browserErr = os.MkdirTemp("", "ozgform-chromium-")
		if browserErr != nil {
			return
		}
		browserCtx, browserCancel, browserErr = StartBrowser(context.Background(), browserDir)
	})
	if browserErr != nil {
		tb.Fatalf("Chromium startet nicht: %v", browserErr)
	}
	return browserCtx
}

// axeSource returns axe-core's script, or skips/fails the test when it is not installed.
func axeSource(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(axePath)
	if err != nil {
		missing(tb, "axe-core fehlt (npm ci --ignore-scripts im Wurzelordner)")
	}
	return string(b)
}

// vnuCommand returns java and the checker's jar, or skips/fails the test when one is missing.
func vnuCommand(tb testing.TB) (java, jar string) {
	tb.Helper()
	if _, err := os.Stat(vnuPath); err != nil {
		missing(tb, "vnu-jar fehlt (npm ci --ignore-scripts im Wurzelordner)")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		missing(tb, "Java für den Nu Html Checker fehlt (apt-get install default-jre-headless)")
	}
	return java, vnuPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browserCancel != nil {
		browserCancel()
	}
	if browserDir != "" {
		os.RemoveAll(browserDir)
	}
	os.Exit(code)
}
