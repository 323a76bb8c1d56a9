package devmode

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/ozgform/ozgform/renderer"
)

// withToolbar runs the server's handler and adds the preview bar to an HTML page.
func (p *Preview) withToolbar(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	body := rec.body.Bytes()
	if !strings.HasPrefix(rec.header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("</head>")) {
		w.WriteHeader(rec.status)
		_, _ = w.Write(body)
		return
	}
	var fst *folderState
	if id, ok := strings.CutPrefix(r.URL.Path, "/formulare/"); ok {
		id, _, _ = strings.Cut(id, "/")
		p.mu.RLock()
		fst = p.st.folderOf(id)
		p.mu.RUnlock()
	}
	out := p.inject(r, body, fst)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(rec.status)
	_, _ = w.Write(out)
}

// serveWithToolbar writes one of the preview's own pages with the preview bar.
func (p *Preview) serveWithToolbar(w http.ResponseWriter, r *http.Request, status int, body []byte, fst *folderState) {
	page(w, status, p.inject(r, body, fst))
}

// inject adds the preview's style sheet and script to the head, and the preview bar at the
// end of the page header (no landmark of its own: the pages keep banner, main, contentinfo).
func (p *Preview) inject(r *http.Request, body []byte, fst *folderState) []byte {
	p.mu.RLock()
	st := p.st
	p.mu.RUnlock()
	t := &renderer.Toolbar{Generation: st.generation, EventsURL: eventsURL, Status: st.status()}
	for _, name := range st.names {
		if b := st.folders[name]; b.broken && b != fst {
			t.Broken = append(t.Broken, renderer.ToolbarLink{Text: "Fehler in " + name, URL: problemsURL(name)})
		}
	}
	if fst != nil && fst.form != nil && !fst.broken {
		id := fst.form.Manifest.ID
		if r.URL.Path != mapURL(id) {
			t.MapURL = mapURL(id)
		}
		if strings.HasPrefix(r.URL.Path, formURL(id)+"/schritt/") {
			t.SampleURL = sampleURL(id)
		}
		if !strings.HasPrefix(r.URL.Path, "/_dev/fehler/") {
			t.Warnings = fst.warnings
		}
	}
	if ref, ok := strings.CutPrefix(r.URL.Path, "/vorgang/"); ok && !strings.Contains(ref, "/") {
		t.ReceiptURL = r.URL.Path + "/eingangsbestaetigung.pdf"
	}
	var bar bytes.Buffer
	if err := p.html.WriteToolbar(&bar, t); err != nil {
		p.log.Error("preview bar", "error", err)
		return body
	}
	out := make([]byte, 0, len(body)+bar.Len()+len(renderer.DevHead))
	head := bytes.Index(body, []byte("</head>"))
	main := bytes.Index(body, []byte("</header>"))
	if head < 0 || main < head {
		return body
	}
	out = append(out, body[:head]...)
	out = append(out, renderer.DevHead...)
	out = append(out, body[head:main]...)
	out = append(out, bar.Bytes()...)
	out = append(out, body[main:]...)
	return out
}

// recorder keeps the server's answer to a GET, so that the preview bar can be added.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.body.Write(b)
}
