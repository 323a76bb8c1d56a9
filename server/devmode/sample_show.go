package devmode

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
)

// sampleShow answers "Mit Beispieldaten füllen" with the form's valid sample
// (samples/valid.json), or with data generated from its fields when it has none.
func (p *Preview) sampleShow(w http.ResponseWriter, r *http.Request) {
	p.mu.RLock()
	fst := p.st.folderOf(r.PathValue("id"))
	p.mu.RUnlock()
	if fst == nil || fst.form == nil {
		notFound(w, "Dieses Formular gibt es in der Vorschau nicht.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	raw, err := os.ReadFile(filepath.Join(fst.dir, "samples", "valid.json"))
	if err == nil && json.Valid(raw) {
		w.Header().Set("X-Ozgform-Sample", "samples/valid.json")
		_, _ = w.Write(raw)
		return
	}
	w.Header().Set("X-Ozgform-Sample", "generated")
	_ = json.NewEncoder(w).Encode(fst.form.SampleData())
}
