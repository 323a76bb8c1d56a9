package devmode

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
	"github.com/ozgform/ozgform/server"
)

// fitDraft keeps the answers of the browser's draft where they still fit the reloaded form:
// answers for fields the form no longer has, and choices it no longer offers, are dropped, so
// that a renamed field or a removed option does not leave the draft unsubmittable. The draft
// takes the form's current version. Each draft is fitted once per reload.
func (p *Preview) fitDraft(r *http.Request, id string) {
	svc := p.opts.Service
	if svc == nil {
		return
	}
	ck, err := r.Cookie(server.DraftCookieName(id))
	if err != nil || ck.Value == "" || len(ck.Value) > 64 {
		return
	}
	p.mu.RLock()
	gen, fst := p.st.generation, p.st.folderOf(id)
	p.mu.RUnlock()
	if fst == nil || fst.form == nil || fst.broken {
		return
	}
	p.fitMu.Lock()
	done := p.fitted[ck.Value] == gen
	p.fitted[ck.Value] = gen
	p.fitMu.Unlock()
	if done {
		return
	}
	f := fst.form
	d, err := svc.Draft(r.Context(), ck.Value)
	if err != nil || d.FormID != f.Manifest.ID {
		return
	}
	data, err := engine.DecodeData(d.Data)
	if err != nil {
		return
	}
	dropped := fitData(f, data, "")
	if len(dropped) == 0 && d.FormVersion == f.Manifest.Version {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return
	}
	d.Data = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	d.FormVersion = f.Manifest.Version
	d.UpdatedAt = time.Now()
	if err := svc.Store.UpdateDraft(r.Context(), d); err != nil {
		p.log.Warn("the draft cannot be fitted to the reloaded form", "error", err)
		return
	}
	if len(dropped) > 0 {
		p.log.Info("draft answers that no longer fit the form were dropped", "form", f.Manifest.ID, "paths", dropped)
	}
}

// fitData removes from an object the answers without a field and the choices the field does
// not offer; it returns the concrete paths it removed.
func fitData(f *forms.Form, v any, path string) []string {
	var dropped []string
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			p := path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			fd := f.Field(p)
			if fd == nil || !fits(fd, child) {
				delete(x, k)
				dropped = append(dropped, p)
				continue
			}
			dropped = append(dropped, fitData(f, child, p)...)
		}
	case []any:
		for i, item := range x {
			dropped = append(dropped, fitData(f, item, path+"/"+strconv.Itoa(i))...)
		}
	}
	return dropped
}

// fits reports whether a value suits a field with choices: one of them, or (checkboxes) a list
// of them. Fields without choices take what they took before; validation speaks about the rest.
func fits(fd *forms.Field, v any) bool {
	if len(fd.Choices) == 0 || v == nil {
		return true
	}
	offered := func(v any) bool {
		for _, ch := range fd.Choices {
			if renderer.ChoiceValue(ch.Value) == renderer.ChoiceValue(v) {
				return true
			}
		}
		return false
	}
	if list, ok := v.([]any); ok && fd.Widget == forms.WidgetCheckboxes {
		for _, item := range list {
			if !offered(item) {
				return false
			}
		}
		return true
	}
	return offered(v)
}
