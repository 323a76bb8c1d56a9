package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
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

// StartApp loads the forms in formsDir, opens an SQLite database in dataDir and serves the
// application. The rate limit is off: a test clicks faster than a citizen. Logs at warning
// level and above go to logOut (nil: discarded).
func StartApp(formsDir, dataDir string, logOut io.Writer) (*App, error) {
	catalog, problems := forms.LoadCatalog(os.DirFS(formsDir), ".", forms.Options{})
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
	srv := server.New(server.Config{RateLimit: -1}, catalog, &engine.Service{Store: store}, logger)
	ts := httptest.NewServer(srv.Handler())
	return &App{URL: ts.URL, Forms: catalog, http: ts, store: store}, nil
}

// Close stops the server and closes the database.
func (a *App) Close() {
	a.http.Close()
	a.store.Close()
}
