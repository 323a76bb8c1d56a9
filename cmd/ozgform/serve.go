package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/postgres"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
	"github.com/ozgform/ozgform/server"
)

// serve runs the web service until ctx is cancelled (SIGINT, SIGTERM): it loads and checks
// the forms, opens the store, and serves the forms to citizens. It refuses to start when a
// form has errors, so that no citizen meets a broken form.
func (m *Main) serve(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	addr := fl.String("addr", "127.0.0.1:8080", "Adresse, an der der Dienst lauscht")
	formsDir := fl.String("forms", "examples", "Ordner mit den Formularordnern")
	database := fl.String("database", "data/ozgform.db", "SQLite-Datei oder postgres://-URL")
	draftTTL := fl.Duration("draft-ttl", engine.DefaultDraftTTL, "wie lange Entwürfe und Codes zum Fortsetzen gelten")
	brandingFile := fl.String("branding", "", "JSON-Datei mit portalName, logoURL und colors")
	trustProxy := fl.Bool("trust-proxy", false, "X-Forwarded-For/-Proto eines vorgeschalteten Proxys vertrauen")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("%w: unerwartete Argumente: %s", errUsage, strings.Join(fl.Args(), " "))
	}
	if *draftTTL < time.Hour {
		return fmt.Errorf("%w: --draft-ttl muss mindestens 1h sein", errUsage)
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))

	catalog, problems := forms.LoadCatalog(os.DirFS(*formsDir), ".", forms.Options{})
	for _, p := range problems {
		p.File = *formsDir + "/" + p.File
		fmt.Fprintln(m.Stderr, p.String())
	}
	if problems.HasErrors() {
		return fmt.Errorf("die Formulare in „%s“ haben Fehler (siehe oben); der Dienst startet erst, wenn sie behoben sind", *formsDir)
	}
	if len(catalog.Forms()) == 0 {
		return fmt.Errorf("in „%s“ gibt es keine Formulare (Ordner mit form.json)", *formsDir)
	}

	brand, err := readBranding(*brandingFile)
	if err != nil {
		return err
	}
	for _, p := range brand.ContrastProblems() {
		logger.Warn("branding colours below WCAG contrast", "problem", p)
	}

	store, err := openStore(ctx, *database)
	if err != nil {
		return err
	}
	defer store.Close()

	svc := &engine.Service{Store: store, DraftTTL: *draftTTL, ResumeTTL: *draftTTL}
	srv := server.New(server.Config{Branding: brand, TrustProxy: *trustProxy}, catalog, svc, logger)
	for _, f := range catalog.Forms() {
		logger.Info("form loaded", "form", f.Manifest.ID, "version", f.Manifest.Version, "pages", len(f.Pages))
	}
	if err := srv.Run(ctx, *addr); err != nil {
		return fmt.Errorf("Webdienst auf %s: %w", *addr, err)
	}
	return nil
}

// openStore opens the SQLite file or, for a postgres:// URL, the PostgreSQL database.
func openStore(ctx context.Context, database string) (engine.Store, error) {
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		st, err := postgres.Open(ctx, database, postgres.Options{})
		if err != nil {
			return nil, fmt.Errorf("die PostgreSQL-Datenbank kann nicht geöffnet werden: %w", err)
		}
		return st, nil
	}
	st, err := sqlite.Open(ctx, database, sqlite.Options{})
	if err != nil {
		return nil, fmt.Errorf("die SQLite-Datenbank „%s“ kann nicht geöffnet werden: %w", database, err)
	}
	return st, nil
}

// readBranding reads the operator's branding file (portalName, logoURL, colors) and checks
// it; an empty name means the default branding.
func readBranding(name string) (renderer.Branding, error) {
	var b renderer.Branding
	if name == "" {
		return b, nil
	}
	raw, err := os.ReadFile(name)
	if err != nil {
		return b, fmt.Errorf("die Branding-Datei kann nicht gelesen werden: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return b, fmt.Errorf("die Branding-Datei „%s“ ist kein gültiges JSON mit portalName, logoURL und colors: %v", name, err)
	}
	if _, err := renderer.NewHTML(b); err != nil {
		return b, fmt.Errorf("die Branding-Datei „%s“ ist ungültig: %v", name, err)
	}
	return b, nil
}
