package server

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// stepSave stores the answers of one step and goes on according to the button: "Weiter"
// (the next page, or the same page with its errors or with new questions), "Zurück",
// "Aktualisieren" (the same page, rules applied), adding or removing an item of a
// repeatable group, or "Zwischenspeichern" (a resume code). The answers are stored in every
// case, also invalid ones.
func (s *Server) stepSave(c echo.Context) error {
	st, err := s.openStep(c)
	if err != nil {
		return noDraft(c, st.f, err)
	}
	f, page, d, data := st.f, st.page, st.d, st.data
	pf := postedForm(c)
	uploads, err := s.receiveFiles(c, f, page, d, data) // a multipart post: files and the fields after them
	if err != nil {
		return err
	}
	defer uploads.discard(c, s)
	values, err := stepValues(f, page, data, pf, langOf(c))
	if err != nil {
		return err
	}
	action, err := parseAction(f, page, pf)
	if err != nil {
		return err
	}
	uploads.apply(f, page, data, values, action)
	var change engine.ListChange
	switch action.kind {
	case "add":
		change.Add = action.path
	case "remove":
		change.Remove = action.path
	}
	ctx := c.Request().Context()
	res, err := s.svc.Save(ctx, f, d, page, values, change)
	if err != nil {
		return err
	}
	uploads.finish(c, s, d)
	id := f.Manifest.ID
	back := pf.first("_zurueck") == "pruefen"
	here := func(q url.Values, fragment string) error {
		if back {
			q.Set("zurueck", "pruefen")
		}
		u := stepURL(id, page)
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		if fragment != "" {
			u += "#" + fragment
		}
		return redirect(c, u)
	}
	if q, fragment, stay := uploads.stay(f, action); stay {
		return here(q, fragment)
	}
	switch action.kind {
	case "speichern":
		return s.saveForLater(c, f, d, stepURL(id, page), page+1)
	case "refresh":
		// Back to where the citizen was: the first question the change revealed, if any.
		if len(res.Appeared) > 0 {
			return here(url.Values{}, renderer.FieldID(f, res.Appeared[0]))
		}
		return here(url.Values{}, "")
	case "add":
		if res.Item == "" {
			return here(url.Values{}, "")
		}
		return here(url.Values{"hinweis": {"hinzugefuegt"}}, renderer.FieldID(f, res.Item))
	case "remove":
		if res.Item == "" {
			return here(url.Values{}, "")
		}
		return here(url.Values{"hinweis": {"entfernt"}}, renderer.FieldID(f, res.Item))
	}
	saved, err := decodeOrEmpty(d)
	if err != nil {
		return err
	}
	vis := f.Evaluate(saved)
	if action.kind == "zurueck" {
		if prev := previousPage(f, vis, page); prev >= 0 {
			return redirect(c, stepURL(id, prev))
		}
		return redirect(c, formURL(id))
	}
	// "Weiter": new questions first (the citizen has not seen them; with the script they
	// appeared while typing), then the page's errors, then on.
	if len(res.Appeared) > 0 && pf.first("_js") != "1" {
		return here(url.Values{"hinweis": {"neu"}}, "")
	}
	if len(res.Errors) > 0 {
		return here(url.Values{"fehler": {"1"}}, "fehler")
	}
	if page == decidingPage(f) {
		// The answer that decides the authority: ask for the municipality, or say that no
		// authority serves it, before the citizen goes on.
		if detour := s.authorityDetour(f, d, back); detour != "" {
			return redirect(c, detour)
		}
	}
	if back {
		return redirect(c, reviewURL(id))
	}
	if next := nextPage(f, vis, page); next >= 0 {
		return redirect(c, stepURL(id, next))
	}
	return redirect(c, reviewURL(id))
}
