package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
	"github.com/ozgform/ozgform/server"
)

// App is the real application (forms from a folder, SQLite store, the echo server) on an
// httptest server at 127.0.0.1, constructed like `ozgform serve`.
type App struct {
	// URL is the server's base URL, http://127.0.0.1:port, without a trailing slash.
	URL string
	// Forms are the loaded forms.
	Forms *forms.Catalog

	http  *httptest.Server
	store *sqlite.Store
}

// Option changes the configuration StartApp uses.
type Option func(*appConfig)

type appConfig struct {
	server.Config
	authorities *authority.Directory
}

// WithBranding sets the portal's branding (name, colours, legal pages).
func WithBranding(b renderer.Branding) Option {
	return func(c *appConfig) { c.Branding = b }
}

// WithAuthorities serves the forms that many authorities use (Einer für Alle) with the
// authorities of d, as `ozgform serve` does with an authorities section.
func WithAuthorities(d *authority.Directory) Option {
	return func(c *appConfig) { c.authorities = d }
}

// WithAPIToken gives the pull API (/api/v1) a bearer token for the forms formIDs (none: all
// forms), reading the default pull destination engine.DefaultDestination, to which every
// form's submissions go.
func WithAPIToken(name, token string, formIDs ...string) Option {
	return func(c *appConfig) {
		c.APITokens = append(c.APITokens, engine.APIToken{Name: name, Hash: engine.HashAPIToken(token),
			Destination: engine.DefaultDestination.Name, Forms: formIDs})
	}
}

// StartApp loads the forms in formsDir, opens an SQLite database in dataDir and serves the
// application. The rate limit is off: a test clicks faster than a citizen. Logs at warning
// level and above go to logOut (nil: discarded). Without options the pull API has no tokens
// (it answers 401).
func StartApp(formsDir, dataDir string, logOut io.Writer, opts ...Option) (*App, error) {
	catalog, problems := forms.LoadCatalogDir(formsDir, forms.CatalogOptions{})
	if problems.HasErrors() {
		return nil, fmt.Errorf("forms in %s have errors: %v", formsDir, problems)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "ozgform.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	if logOut == nil {
		logOut = io.Discard
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The submissions go to the default pull destination, as with `ozgform serve` without a
	// configuration file; the envelopes name their schemas under the server's own address (as
	// serve does without --base-url), which is known once the listener is open.
	ts := httptest.NewUnstartedServer(nil)
	cfg := appConfig{Config: server.Config{RateLimit: -1, BaseURL: "http://" + ts.Listener.Addr().String()}}
	for _, o := range opts {
		o(&cfg)
	}
	svc := &engine.Service{Store: store, Destinations: engine.DestinationsFor([]engine.Destination{engine.DefaultDestination}),
		Authorities: cfg.authorities}
	srv := server.New(cfg.Config, catalog, svc, logger)
	ts.Config.Handler = srv.Handler()
	ts.Start()
	return &App{URL: ts.URL, Forms: catalog, http: ts, store: store}, nil
}

// Close stops the server and closes the database.
func (a *App) Close() {
	a.http.Close()
	a.store.Close()
}
