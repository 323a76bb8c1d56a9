package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/server"
	"github.com/ozgform/ozgform/server/devmode"
)

// DevApp is `ozgform dev` on an httptest server: the preview around the real server, with
// the file watcher running.
type DevApp struct {
	URL     string
	Preview *devmode.Preview

	http  *httptest.Server
	store *sqlite.Store
	stop  context.CancelFunc
	done  chan struct{}
}

// StartDevApp previews the form folders, with an SQLite database in dataDir. Logs go to
// logOut (nil: discarded).
func StartDevApp(folders []string, dataDir string, logOut io.Writer) (*DevApp, error) {
	store, err := sqlite.Open(context.Background(), filepath.Join(dataDir, "dev.db"), sqlite.Options{})
	if err != nil {
		return nil, err
	}
	if logOut == nil {
		logOut = io.Discard
	}
	logger := slog.New(slog.NewTextHandler(logOut, nil))
	ts := httptest.NewUnstartedServer(nil)
	svc := &engine.Service{Store: store}
	srv := server.New(server.Config{RateLimit: -1, BaseURL: "http://" + ts.Listener.Addr().String()}, nil, svc, logger)
	p, err := devmode.New(devmode.Options{Folders: folders, Server: srv, Service: svc, Logger: logger})
	if err != nil {
		store.Close()
		return nil, err
	}
	ts.Config.Handler = p.Handler(srv.Handler())
	ts.Start()
	ctx, stop := context.WithCancel(context.Background())
	a := &DevApp{URL: ts.URL, Preview: p, http: ts, store: store, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		_ = p.Watch(ctx)
	}()
	return a, nil
}

// Close stops the watcher, the event streams, the server and the database.
func (a *DevApp) Close() {
	a.stop()
	<-a.done
	a.Preview.Close()
	a.http.Close()
	a.store.Close()
}
