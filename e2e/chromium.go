package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium means that no Chromium binary was found.
var ErrNoChromium = errors.New("Chromium fehlt (apt-get install chromium)")

// ChromiumPath returns the Chromium binary: the one named by OZGFORM_CHROMIUM, else
// /usr/bin/chromium (Debian), or chromium or chromium-browser in PATH.
func ChromiumPath() (string, error) {
	if p := os.Getenv("OZGFORM_CHROMIUM"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return "", ErrNoChromium
		}
		return p, nil
	}
	if fi, err := os.Stat("/usr/bin/chromium"); err == nil && !fi.IsDir() {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// StartBrowser starts headless Chromium with a fresh profile in userDataDir and returns a
// context for it. New tabs are made with chromedp.NewContext on that context; the cancel
// function stops the browser. The flags keep the browser off the network: no background
// requests, no component updates, no QUIC.
func StartBrowser(ctx context.Context, userDataDir string) (context.Context, context.CancelFunc, error) {
	path, err := ChromiumPath()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(userDataDir),
		chromedp.Headless,
		chromedp.NoSandbox, // root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true), // screenshots and widths without a scrollbar gutter
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	cancel := func() {
		cancelBrowser()
		cancelAlloc()
	}
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		cancel()
		return nil, nil, err
	}
	return browserCtx, cancel, nil
}
