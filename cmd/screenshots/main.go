// Command screenshots writes PNG screenshots of the example forms for a reviewer: the first
// step of each form at 1280 and 375 pixels wide, and the first step with its errors at 375
// pixels, each of the whole page. It starts the application in-process, on a temporary
// SQLite database, and drives headless Chromium (Debian package chromium).
//
//	go run ./cmd/screenshots -out screenshots/
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ozgform/ozgform/e2e"
)

func main() {
	out := flag.String("out", "screenshots", "Ordner für die PNG-Dateien")
	formsDir := flag.String("forms", "examples", "Ordner mit den Formularordnern")
	flag.Parse()
	if err := run(*out, *formsDir); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

func run(out, formsDir string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ozgform-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	app, err := e2e.StartApp(formsDir, tmp, os.Stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	browser, stop, err := e2e.StartBrowser(ctx, filepath.Join(tmp, "chromium"))
	if err != nil {
		return err
	}
	defer stop()

	for _, f := range app.Forms.Forms() {
		if err := shoot(browser, app.URL, f.Manifest.ID, out); err != nil {
			return fmt.Errorf("%s: %w", f.Manifest.ID, err)
		}
	}
	return nil
}

// shoot starts a form in a fresh browser context and photographs its first step.
func shoot(browser context.Context, base, id, out string) error {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/formulare/"+id)); err != nil {
		return err
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("button.knopf-start"))); err != nil {
		return err
	}
	if err := page(ctx, 1280, filepath.Join(out, id+"-schritt-1-1280.png")); err != nil {
		return err
	}
	if err := page(ctx, 375, filepath.Join(out, id+"-schritt-1-375.png")); err != nil {
		return err
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(".aktionen button[value=weiter]"))); err != nil {
		return err
	}
	return page(ctx, 375, filepath.Join(out, id+"-schritt-1-fehler-375.png"))
}

// page writes a screenshot of the whole page at a viewport width: the viewport is made as
// tall as the page, so that the picture shows what a citizen sees when scrolling.
func page(ctx context.Context, width int64, file string) error {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		return err
	}
	height, err := chromedp.Run(ctx, chromedp.Evaluate[int64](`document.documentElement.scrollHeight`))
	if err != nil {
		return err
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		return err
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return err
	}
	fmt.Println(file)
	return nil
}
