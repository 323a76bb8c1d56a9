package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/server"
	"github.com/ozgform/ozgform/server/devmode"
)

// dev runs the author's live preview: it serves the given form folders like serve, with a
// store in a temporary folder, reloads and re-checks them on every save and refreshes the
// open browser pages. Forms with errors are shown as their problem lists, not refused.
func (m *Main) dev(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("dev", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	addr := fl.String("addr", "127.0.0.1:8080", "Adresse, an der die Vorschau lauscht (nur dieser Rechner)")
	allowRemote := fl.Bool("allow-remote", false, "auch an Adressen lauschen, die andere Rechner erreichen")
	var dirs []string
	rest := args
	for {
		if err := fl.Parse(rest); err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		if fl.NArg() == 0 {
			break
		}
		dirs = append(dirs, fl.Arg(0))
		rest = fl.Args()[1:]
	}
	if len(dirs) == 0 {
		dirs = []string{"examples"}
	}
	if err := checkLoopback(*addr, *allowRemote); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	var folders []string
	for _, dir := range dirs {
		fs, err := formFolders(dir)
		if err != nil {
			return err
		}
		folders = append(folders, fs...)
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))

	tmp, err := os.MkdirTemp("", "ozgform-dev-")
	if err != nil {
		return fmt.Errorf("kein temporärer Ordner für die Entwürfe der Vorschau: %w", err)
	}
	defer os.RemoveAll(tmp)
	store, err := sqlite.Open(ctx, filepath.Join(tmp, "vorschau.db"), sqlite.Options{})
	if err != nil {
		return fmt.Errorf("die Datenbank der Vorschau kann nicht angelegt werden: %w", err)
	}
	defer store.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("Vorschau auf %s: %w", *addr, err)
	}
	baseURL := "http://" + ln.Addr().String()
	svc := &engine.Service{Store: store, TempDir: tmp}
	srv := server.New(server.Config{BaseURL: baseURL, RateLimit: -1}, nil, svc, logger)
	preview, err := devmode.New(devmode.Options{Folders: folders, Server: srv, Service: svc, Logger: logger})
	if err != nil {
		ln.Close()
		return err
	}
	defer preview.Close()
	errs, warnings := preview.Problems()
	for _, p := range append(errs, warnings...) {
		q := p.Problem
		q.File = p.Path
		fmt.Fprintln(m.Stderr, q.String())
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		if err := preview.Watch(watchCtx); err != nil {
			logger.Error("the form folders cannot be watched; save and reload by hand", "error", err)
		}
	}()
	fmt.Fprintf(m.Stderr, "Vorschau: %s (Formularkarte: %s/_dev/karte/<id>). Beenden mit Strg+C.\n", baseURL, baseURL)
	go func() {
		<-ctx.Done()
		preview.Close() // end the event streams, so that the server shuts down at once
	}()
	if err := srv.ServeHandler(ctx, ln, preview.Handler(srv.Handler())); err != nil {
		return fmt.Errorf("Vorschau auf %s: %w", *addr, err)
	}
	return nil
}

// checkLoopback refuses an address other computers can reach, unless allowed: the preview
// serves drafts and form files without any of serve's protection for the public.
func checkLoopback(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr „%s“ ist keine Adresse der Form host:port (z. B. 127.0.0.1:8080)", addr)
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "alle Netzwerkschnittstellen"
	}
	return fmt.Errorf("die Vorschau lauscht nur auf diesem Rechner (127.0.0.1, ::1 oder localhost), nicht auf %s: "+
		"sie zeigt Entwürfe und Formulardateien ohne den Schutz von serve. Wer sie im Netz zeigen will, gibt --allow-remote an", shown)
}
