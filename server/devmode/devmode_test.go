package devmode

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/server"
)

// copyForm copies an example form folder into a temporary folder the test may edit.
func copyForm(tb testing.TB, name string) string {
	tb.Helper()
	dst := filepath.Join(tb.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("..", "..", "examples", name))); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// devApp is `ozgform dev` in-process: the real server on SQLite, the preview around it, the
// file watcher running.
type devApp struct {
	tb      testing.TB
	svc     *engine.Service
	preview *Preview
	http    *httptest.Server
	dir     string
}

func newDevApp(tb testing.TB, forms ...string) *devApp {
	tb.Helper()
	var folders []string
	for _, name := range forms {
		folders = append(folders, copyForm(tb, name))
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "dev.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	svc := &engine.Service{Store: store}
	srv := server.New(server.Config{RateLimit: -1, BaseURL: "http://127.0.0.1"}, nil, svc, logger)
	p, err := New(Options{Folders: folders, Server: srv, Service: svc, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(p.Handler(srv.Handler()))
	ctx, cancel := context.WithCancel(context.Background())
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		if err := p.Watch(ctx); err != nil {
			tb.Error(err)
		}
	}()
	tb.Cleanup(func() {
		p.Close()
		cancel()
		<-watching
		ts.Close()
		store.Close()
	})
	time.Sleep(50 * time.Millisecond) // the watcher has added its folders
	return &devApp{tb: tb, svc: svc, preview: p, http: ts, dir: folders[0]}
}

func (a *devApp) get(path string) (int, string) {
	a.tb.Helper()
	res, err := http.Get(a.http.URL + path)
	if err != nil {
		a.tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// stream is an open event stream of the preview.
type stream struct {
	tb     testing.TB
	events chan string
}

func (a *devApp) events() *stream {
	a.tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.http.URL+eventsURL, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.tb.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		a.tb.Fatalf("event stream Content-Type %q", ct)
	}
	s := &stream{tb: a.tb, events: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(res.Body)
		var event string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				s.events <- event + " " + strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	a.tb.Cleanup(func() { cancel(); res.Body.Close() })
	if got := s.next(); !strings.HasPrefix(got, "hello ") {
		a.tb.Fatalf("first event %q, want hello", got)
	}
	return s
}

func (s *stream) next() string {
	s.tb.Helper()
	select {
	case e := <-s.events:
		return e
	case <-time.After(5 * time.Second):
		s.tb.Fatal("no event within 5 s")
		return ""
	}
}

func (a *devApp) write(file, content string) {
	a.tb.Helper()
	if err := os.WriteFile(filepath.Join(a.dir, file), []byte(content), 0o644); err != nil {
		a.tb.Fatal(err)
	}
}

func (a *devApp) read(file string) string {
	a.tb.Helper()
	b, err := os.ReadFile(filepath.Join(a.dir, file))
	if err != nil {
		a.tb.Fatal(err)
	}
	return string(b)
}

// TestDevReloadsOnSave: an edited form file reaches the event stream and the next GET; a
// broken JSON file shows its located error in place of the form; fixing it brings the form
// back.
func TestDevReloadsOnSave(t *testing.T) {
	app := newDevApp(t, "gewerbeanmeldung")
	ev := app.events()
	_, body := app.get("/formulare/gewerbeanmeldung/schritt/1")
	if !strings.Contains(body, `class="dev-leiste"`) || !strings.Contains(body, "/_dev/dev.js") {
		t.Fatal("the step page lacks the preview bar")
	}

	manifest := app.read("form.json")
	edited := strings.Replace(manifest, `"title": "Gewerbeanmeldung"`, `"title": "Gewerbeanmeldung mit neuem Titel"`, 1)
	if edited == manifest {
		t.Fatal("form.json has no title to change")
	}
	app.write("form.json", edited)
	if e := ev.next(); e != `reload {"generation":2}` {
		t.Fatalf("event %q", e)
	}
	if _, body := app.get("/formulare/gewerbeanmeldung"); !strings.Contains(body, "Gewerbeanmeldung mit neuem Titel") {
		t.Error("the start page does not show the new title")
	}

	manifest = edited
	broken := strings.Replace(manifest, `"id": "gewerbeanmeldung",`, `"id": "gewerbeanmeldung",,`, 1)
	if broken == manifest {
		t.Fatal("form.json has no id line to break")
	}
	app.write("form.json", broken)
	ev.next()
	line := 1 + strings.Count(broken[:strings.Index(broken, ",,")], "\n")
	status, body := app.get("/formulare/gewerbeanmeldung/schritt/1")
	want := filepath.Join(app.dir, "form.json") + ":" + itoa(line) + ":"
	if status != http.StatusOK || !strings.Contains(body, want) || !strings.Contains(body, "zwei Kommas hintereinander") {
		t.Fatalf("status %d, want the located error %q in:\n%s", status, want, body)
	}
	if strings.Contains(body, `<form`) && strings.Contains(body, `name="/rechtsform"`) {
		t.Error("the broken form is still shown")
	}

	app.write("form.json", manifest)
	ev.next()
	if _, body := app.get("/formulare/gewerbeanmeldung/schritt/1"); strings.Contains(body, "zwei Kommas") {
		t.Error("the fixed form still shows the error")
	}
	if _, body := app.get("/formulare/gewerbeanmeldung"); !strings.Contains(body, "Gewerbeanmeldung mit neuem Titel") {
		t.Error("the fixed form is not served")
	}
}

// TestDevProblemLinksToField: a problem in a Control of layout.json links to that field on its
// step (from the last version of the form that loaded).
func TestDevProblemLinksToField(t *testing.T) {
	app := newDevApp(t, "gewerbeanmeldung")
	ev := app.events()
	layout := app.read("layout.json")
	app.write("layout.json", strings.Replace(layout, `"scope": "#/properties/rechtsformSonstige"`, `"scope": "#/properties/rechtsformSonstig"`, 1))
	ev.next()
	_, body := app.get("/formulare/gewerbeanmeldung")
	if !strings.Contains(body, "scope-unresolved") || !strings.Contains(body, `href="/formulare/gewerbeanmeldung/schritt/1#f.rechtsformSonstige"`) {
		t.Fatalf("no link to the field:\n%s", body)
	}
}

// TestDevMapAndSample: the form map page names the steps and rules; the sample is the form's
// valid sample.
func TestDevMapAndSample(t *testing.T) {
	app := newDevApp(t, "gewerbeanmeldung")
	status, body := app.get("/_dev/karte/gewerbeanmeldung")
	if status != http.StatusOK {
		t.Fatalf("map: %d", status)
	}
	for _, want := range []string{"<h1>Formularkarte: Gewerbeanmeldung</h1>", "Schritt 5: Erklärung", "nur sichtbar, wenn „Rechtsform des Betriebs“", "anschrift-inland.json", `class="dev-leiste"`} {
		if !strings.Contains(body, want) {
			t.Errorf("map lacks %q", want)
		}
	}
	status, body = app.get("/_dev/beispiel/gewerbeanmeldung")
	valid := app.read("samples/valid.json")
	if status != http.StatusOK || body != valid {
		t.Errorf("sample: %d, not samples/valid.json", status)
	}
	if status, _ := app.get("/_dev/karte/gibtsnicht"); status != http.StatusNotFound {
		t.Errorf("map of an unknown form: %d", status)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// BenchmarkDevReload is the server's part of the loop from a save to the refreshed page for
// the Gewerbeanmeldung: write layout.json, wait for the reload event, GET the start page with
// the new text (the browser's rendering is not included; TestDevPreviewInBrowser logs that).
func BenchmarkDevReload(b *testing.B) {
	app := newDevApp(b, "gewerbeanmeldung")
	ev := app.events()
	manifest := app.read("form.json")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		title := "Gewerbeanmeldung " + strconv.Itoa(i)
		app.write("form.json", strings.Replace(manifest, `"title": "Gewerbeanmeldung"`, `"title": "`+title+`"`, 1))
		ev.next()
		if _, body := app.get("/formulare/gewerbeanmeldung"); !strings.Contains(body, title) {
			b.Fatalf("page without %q", title)
		}
	}
}

// TestDevEventStreamOutlivesWriteTimeout: the server's write timeout is for pages; the event
// stream still delivers a reload after it.
func TestDevEventStreamOutlivesWriteTimeout(t *testing.T) {
	app := newDevApp(t, "hundesteuer")
	ts := httptest.NewUnstartedServer(app.http.Config.Handler)
	ts.Config.WriteTimeout = 200 * time.Millisecond
	ts.Start()
	t.Cleanup(ts.Close) // after the stream's own cleanup, which closes it
	short := &devApp{tb: t, preview: app.preview, http: ts, dir: app.dir}
	ev := short.events()
	time.Sleep(500 * time.Millisecond)
	app.preview.Reload()
	if e := ev.next(); !strings.HasPrefix(e, "reload ") {
		t.Fatalf("event %q", e)
	}
}

// TestDevDraftKeepsAnswersThatFit: after a reload the browser's draft keeps the answers the
// form still has fields and choices for; an answer of a removed field and a choice the form no
// longer offers are dropped, so that the draft stays submittable.
func TestDevDraftKeepsAnswersThatFit(t *testing.T) {
	app := newDevApp(t, "gewerbeanmeldung")
	ctx := context.Background()
	f := app.preview.st.folderOf("gewerbeanmeldung").form
	d, err := app.svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	d.Data = json.RawMessage(`{"rechtsform": "gmbh", "taetigkeit": "Möbelbau", "nebenerwerb": false, "entfernt": "x", "inhaber": {"vornamen": "Ada", "alt": 1}}`)
	if err := app.svc.Store.UpdateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	ev := app.events()
	schema := app.read("schema.json")
	edited := strings.Replace(schema, `"gmbh",`, `"gmbh-neu",`, -1)
	if edited == schema {
		t.Fatal("schema.json has no choice gmbh to rename")
	}
	app.write("schema.json", edited)
	ev.next()
	req, _ := http.NewRequest(http.MethodGet, app.http.URL+"/formulare/gewerbeanmeldung/schritt/1", nil)
	req.AddCookie(&http.Cookie{Name: server.DraftCookieName("gewerbeanmeldung"), Value: d.ID})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got, err := app.svc.Draft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := engine.DecodeData(got.Data)
	want := `{"inhaber":{"vornamen":"Ada"},"nebenerwerb":false,"taetigkeit":"Möbelbau"}`
	if b, _ := json.Marshal(data); string(b) != want {
		t.Errorf("draft data %s, want %s", b, want)
	}
}
