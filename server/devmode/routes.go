package devmode

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/ozgform/ozgform/renderer"
)

// Handler wraps the server's handler: the preview's own pages under /_dev/, the problems of a
// broken form in place of its pages, and the preview bar in every other HTML page.
func (p *Preview) Handler(next http.Handler) http.Handler {
	static := http.FileServerFS(renderer.DevStaticFiles())
	mux := http.NewServeMux()
	mux.Handle("GET /_dev/dev.js", http.StripPrefix("/_dev", static))
	mux.Handle("GET /_dev/dev.css", http.StripPrefix("/_dev", static))
	mux.HandleFunc("GET "+eventsURL, p.events)
	mux.HandleFunc("GET /_dev/karte/{id}", p.mapShow)
	mux.HandleFunc("GET /_dev/fehler/{name}", p.problemsShow)
	mux.HandleFunc("GET /_dev/beispiel/{id}", p.sampleShow)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_dev/") {
			mux.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		if id, ok := strings.CutPrefix(r.URL.Path, "/formulare/"); ok {
			id, _, _ = strings.Cut(id, "/")
			p.mu.RLock()
			fst := p.st.folderOf(id)
			p.mu.RUnlock()
			if fst != nil && fst.broken {
				p.problemsPage(w, r, fst)
				return
			}
			p.fitDraft(r, id)
		}
		p.withToolbar(w, r, next)
	})
}

// page writes a rendered preview page with the headers of the server's pages.
func page(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// notFound is the German 404 of the preview's pages.
func notFound(w http.ResponseWriter, what string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(what + "\n"))
}

var _ fs.FS = foldersFS{}
