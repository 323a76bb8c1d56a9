package devmode

import (
	"bytes"
	"net/http"

	"github.com/ozgform/ozgform/renderer"
)

// mapShow shows the form map of a form: of its current files, or of the last version that
// loaded while the files have errors.
func (p *Preview) mapShow(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	fst := p.st.folderOf(r.PathValue("id"))
	p.mu.RUnlock()
	if fst == nil || fst.form == nil {
		notFound(w, "Dieses Formular gibt es in der Vorschau nicht (oder es hat noch nie fehlerfrei geladen).")
		return
	}
	f := fst.form
	id := f.Manifest.ID
	var buf bytes.Buffer
	err := p.html.Map(&buf, &renderer.MapPage{
		Map: f.Map(), FormURL: formURL(id), StepURL: func(i int) string { return stepURL(id, i) },
		ProblemsURL: problemsURL(fst.name), Warnings: len(fst.warnings),
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.serveWithToolbar(w, r, http.StatusOK, buf.Bytes(), fst)
}
