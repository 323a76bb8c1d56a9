package devmode

import (
	"bytes"
	"net/http"

	"github.com/ozgform/ozgform/renderer"
)

// problemsShow lists the errors and warnings of a form folder.
func (p *Preview) problemsShow(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	fst := p.st.folderOf(r.PathValue("name"))
	p.mu.RUnlock()
	if fst == nil {
		notFound(w, "Diesen Formularordner gibt es in der Vorschau nicht.")
		return
	}
	p.problemsPage(w, r, fst)
}

// problemsPage shows a folder's problems; it stands in for every page of a form with errors.
func (p *Preview) problemsPage(w http.ResponseWriter, r *http.Request, fst *folderState) {
	pp := &renderer.ProblemsPage{Folder: fst.dir, Errors: fst.errors, Warnings: fst.warnings}
	if fst.form != nil {
		pp.Title = fst.form.Manifest.Title
		if !fst.broken {
			pp.MapURL = mapURL(fst.form.Manifest.ID)
		}
	}
	var buf bytes.Buffer
	if err := p.html.Problems(&buf, pp); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	p.serveWithToolbar(w, r, http.StatusOK, buf.Bytes(), fst)
}
