package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

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
	configFile := fl.String("config", "", "Konfigurationsdatei (YAML oder JSON): Ziele, API-Tokens, Zustellung, Löschlauf")
	keyFile := fl.String("session-key-file", "", "Datei mit mindestens 32 Bytes Geheimnis für die Formular-Sitzungen (CSRF); nötig, wenn mehrere Instanzen hinter einem Lastverteiler laufen")
	baseURLFlag := fl.String("base-url", "", "öffentliche Adresse des Dienstes für die Schema-URIs im Payload, z. B. https://formulare.example.de (Voreinstellung: http://<addr>)")
	metricsAddr := fl.String("metrics-addr", "", "eigene Adresse nur für /metrics (z. B. 127.0.0.1:9464), getrennt von der Adresse der Bürgerinnen und Bürger")
	metricsTokenFile := fl.String("metrics-token-file", "", "Datei mit dem Bearer-Token für /metrics (mindestens 32 Zeichen); damit gibt es /metrics auch unter --addr")
	checkCache := fl.String("check-cache", "", "Datei, in der sich serve geprüfte Formulare merkt, damit ein Neustart nur geänderte Formulare übersetzt (Voreinstellung: neben der SQLite-Datei bzw. im Cache-Ordner des Benutzers; off: aus)")
	compiled := fl.Int("compiled-forms", forms.DefaultCompiledForms, "wie viele übersetzte Formulare im Speicher bleiben (die übrigen werden bei Bedarf aus ihren geprüften Dateien übersetzt); -1: alle")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("%w: unerwartete Argumente: %s", errUsage, strings.Join(fl.Args(), " "))
	}
	if *draftTTL < time.Hour {
		return fmt.Errorf("%w: --draft-ttl muss mindestens 1h sein", errUsage)
	}
	baseURL, err := publicBaseURL(*baseURLFlag, *addr)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))

	loadStart := time.Now()
	copts := forms.CatalogOptions{Compiled: *compiled}
	var cache *fileCheckCache
	if p := checkCachePath(*checkCache, *database); p != "" {
		if salt, ok := programSalt(); ok {
			cache = openCheckCache(p)
			copts.Cache, copts.Salt = cache, salt
		}
	}
	var catalog *forms.Catalog
	var problems forms.Problems
	withLoadingGC(func() { catalog, problems = forms.LoadCatalogDir(*formsDir, copts) })
	for _, p := range problems {
		p.File = *formsDir + "/" + p.File
		fmt.Fprintln(m.Stderr, p.String())
	}
	if problems.HasErrors() {
		return fmt.Errorf("die Formulare in „%s“ haben Fehler (siehe oben); der Dienst startet erst, wenn sie behoben sind", *formsDir)
	}
	if catalog.Len() == 0 {
		return fmt.Errorf("in „%s“ gibt es keine Formulare (Ordner mit form.json)", *formsDir)
	}
	// Checking compiled every changed form; what the catalog does not keep goes back to the
	// operating system now rather than over the next minutes.
	debug.FreeOSMemory()
	known := 0
	if cache != nil {
		known = cache.hits
		if err := cache.save(); err != nil {
			logger.Warn("the list of checked forms cannot be saved; the next start checks every form again", "file", cache.path, "error", err)
		}
	}
	logger.Info("forms loaded and checked", "forms", catalog.Len(), "unchanged_since_last_check", known, "folder", *formsDir,
		"duration", time.Since(loadStart).Round(time.Millisecond))
	cfg, err := configForForms(*configFile, catalog)
	if err != nil {
		return fmt.Errorf("%w\nDer Dienst startet erst, wenn sie behoben sind", err)
	}
	if *configFile == "" && len(cfg.Authorities) > 0 {
		logger.Info("authorities: the sample authorities of cmd/ozgform/beispiel/behoerden.yaml (give your own with --config)")
	}
	if err := cfg.checkForms(catalog); err != nil {
		return fmt.Errorf("die Konfiguration passt nicht zu den Formularen in „%s“:\n%w", *formsDir, err)
	}
	if problems := cfg.checkAuthorityForms(catalog); len(problems) > 0 {
		return fmt.Errorf("die Konfiguration passt nicht zu den Formularen in „%s“:\n%s", *formsDir, strings.Join(problems, "\n"))
	}
	if len(cfg.Authorities) == 0 && needsAuthorities(catalog) {
		logger.Warn("configuration: forms that many authorities use (form.json authorities) go to the authority of their form.json: the configuration has no authorities section")
	}
	for _, w := range cfg.Warnings {
		logger.Warn("configuration: " + w)
	}

	metricsToken, err := readMetricsToken(*metricsTokenFile)
	if err != nil {
		return err
	}

	sessionKey, err := readSessionKey(*keyFile)
	if err != nil {
		return err
	}
	if sessionKey == nil && strings.HasPrefix(*database, "postgres") {
		logger.Warn("no --session-key-file: CSRF tokens are signed with a key of this process only; several instances behind one load balancer need the same key")
	}

	brand, err := readBranding(*brandingFile)
	if err != nil {
		return err
	}
	for _, p := range brand.ContrastProblems() {
		logger.Warn("branding colours below WCAG contrast", "problem", p)
	}
	if missing := brand.Legal.Missing(); len(missing) > 0 {
		logger.Warn("branding: legal pages incomplete; every page of a public service must link to Impressum, Datenschutzerklärung and an Erklärung zur Barrierefreiheit with a feedback contact (BITV 2.0 § 7). Set them under \"legal\" in --branding",
			"missing", missing)
	}

	store, err := openStore(ctx, *database)
	if err != nil {
		return err
	}
	defer store.Close()

	// Every version served is kept in the store before the first submission of it, so that its
	// submissions are still delivered (and their receipts and schemas served) after the author
	// publishes a new version.
	saveStart := time.Now()
	changed, err := engine.NewForms(catalog, store).SaveCatalog(ctx)
	if err != nil {
		return fmt.Errorf("die Formularversionen können nicht in der Datenbank gespeichert werden; ohne sie ließen sich Einreichungen nach einer neuen Formularversion nicht mehr zustellen: %w", err)
	}
	logger.Info("form versions stored", "duration", time.Since(saveStart).Round(time.Millisecond))
	for _, f := range changed {
		logger.Warn("the files of this form version differ from those stored when it was first served; "+
			"submissions made before the change keep the stored files, new ones use the changed files. "+
			"Publish changed files under a new version in form.json",
			"form", f.Manifest.ID, "version", f.Manifest.Version)
	}

	// The metrics registry of this process: Go and process collectors here, the delivery
	// metrics in startBackground; /metrics serves it.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	bg, err := startBackground(ctx, cfg, store, catalog, baseURL, reg, logger)
	if err != nil {
		return err
	}
	defer bg.Stop() // before store.Close: deliveries in flight finish or are released

	svc := &engine.Service{Store: bg.Store, DraftTTL: *draftTTL, ResumeTTL: *draftTTL, Destinations: cfg.ServiceDestinations(),
		MaxFileSize: cfg.MaxFileSize, Authorities: cfg.AuthorityDirectory()}
	if cfg.Clamd != nil {
		svc.Scanner = cfg.Clamd
		logger.Info("virus scanner", "clamd", cfg.Clamd.Network+"://"+cfg.Clamd.Address)
	}
	srv := server.New(server.Config{
		Branding: brand, TrustProxy: *trustProxy,
		APITokens: cfg.APITokens, BaseURL: baseURL, Metrics: reg, MetricsToken: metricsToken,
		UploadLimit: cfg.UploadLimit, CSRFKey: sessionKey,
	}, catalog, svc, logger)
	logPullAPI(logger, cfg)
	for i, f := range catalog.Entries() {
		if i == 20 {
			logger.Info("further forms not listed", "forms", catalog.Len()-i)
			break
		}
		logger.Info("form loaded", "form", f.Manifest.ID, "version", f.Manifest.Version)
	}
	// The envelopes name their schemas under baseURL; the server publishes them there.
	logger.Info("payload schemas", "url", engine.PayloadSchemaURL(baseURL))
	stopMetrics, err := serveMetrics(ctx, srv, *metricsAddr, metricsToken != "", logger)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := srv.Run(ctx, *addr); err != nil {
		return fmt.Errorf("Webdienst auf %s: %w", *addr, err)
	}
	return nil
}

// serveMetrics serves /metrics on its own listen address (--metrics-addr), which the
// operator keeps internal; the returned function stops it. Without the address (and without
// a token, which puts /metrics behind it on --addr) the log says how to get the metrics.
func serveMetrics(ctx context.Context, srv *server.Server, addr string, withToken bool, logger *slog.Logger) (func(), error) {
	if addr == "" {
		if withToken {
			logger.Info("metrics at /metrics (bearer token from --metrics-token-file)")
		} else {
			logger.Info("no /metrics: give it an internal address with --metrics-addr 127.0.0.1:9464, or a bearer token with --metrics-token-file")
		}
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	hs := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	go func() { _ = hs.Serve(ln) }()
	logger.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}, nil
}

// readMetricsToken reads the bearer token of /metrics (--metrics-token-file).
func readMetricsToken(file string) (string, error) {
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--metrics-token-file: die Datei „%s“ kann nicht gelesen werden", file)
	}
	token := strings.TrimSpace(string(b))
	if len(token) < 32 || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("--metrics-token-file: „%s“ enthält kein Token aus mindestens 32 Zeichen ohne Leerzeichen (z. B. erzeugt mit: head -c 32 /dev/urandom | base64)", file)
	}
	return token, nil
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

// logPullAPI says at start-up how back offices reach the pull API, or how to give them
// access: without tokens the API answers 401 to everyone.
func logPullAPI(logger *slog.Logger, cfg *Config) {
	var pull []string
	for _, d := range cfg.Destinations {
		if d.Type == engine.DestinationAPI {
			pull = append(pull, d.Name)
		}
	}
	if len(pull) == 0 {
		return
	}
	if len(cfg.APITokens) == 0 {
		logger.Warn("pull API: no tokens configured, /api/v1 answers 401 to everyone; submissions wait in the outbox for destinations "+
			strings.Join(pull, ", ")+". Give a back office access with --config FILE: api.tokens: [{name: …, tokenHash: <hex SHA-256 of the token>, forms: \"*\"}] "+
			"(token: head -c 32 /dev/urandom | base64; hash: printf %s \"$TOKEN\" | sha256sum)",
			"destinations", pull)
		return
	}
	logger.Info("pull API at /api/v1 (description: /api/v1/openapi.json)", "tokens", len(cfg.APITokens), "destinations", pull)
}

// readSessionKey reads the key that signs the CSRF tokens of form sessions, so that several
// instances (and restarts) accept each other's tokens. No file: nil, a random key per process.
func readSessionKey(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--session-key-file: die Datei „%s“ kann nicht gelesen werden", file)
	}
	key := bytes.TrimSpace(b)
	if len(key) < 32 {
		return nil, fmt.Errorf("--session-key-file: „%s“ enthält %d Bytes, nötig sind mindestens 32 (z. B. erzeugt mit: head -c 48 /dev/urandom | base64)", file, len(key))
	}
	return key, nil
}
