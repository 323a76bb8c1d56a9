package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

func itoa(i int) string { return strconv.Itoa(i) }

// formOf returns the form named in the URL, or the German 404.
func (s *Server) formOf(c echo.Context) (*forms.Form, error) {
	f := s.forms.Get(c.Param("id"))
	if f == nil {
		return nil, &pageError{status: http.StatusNotFound}
	}
	return f, nil
}

// pageOf returns the page index named in the URL ("/schritt/2" → 1), or the German 404.
func pageOf(c echo.Context, f *forms.Form) (int, error) {
	raw := c.Param("n")
	n, err := strconv.Atoi(raw)
	if err != nil || strconv.Itoa(n) != raw || n < 1 || n > len(f.Pages) {
		return 0, &pageError{status: http.StatusNotFound}
	}
	return n - 1, nil
}

// draftID returns the id in the browser's draft cookie for a form, or "".
func draftID(c echo.Context, f *forms.Form) string {
	ck, err := c.Cookie(cookieDraft + f.Manifest.ID)
	if err != nil || len(ck.Value) > 64 {
		return ""
	}
	return ck.Value
}

func (s *Server) setDraftCookie(c echo.Context, d *engine.Draft) {
	// A session cookie: closing the browser forgets the draft on shared computers; the
	// resume code is the way back.
	s.setCookie(c, &http.Cookie{Name: cookieDraft + d.FormID, Value: d.ID})
}

// errNoDraft means the browser has no draft cookie for the form.
var errNoDraft = &pageError{status: http.StatusSeeOther}

// draftOf loads the browser's draft of a form. A missing cookie gives errNoDraft; an
// unknown or expired draft the German page with the way to start again. The language the
// citizen chose is kept in the draft; without a choice the draft's language applies.
func (s *Server) draftOf(c echo.Context, f *forms.Form) (*engine.Draft, error) {
	id := draftID(c, f)
	if id == "" {
		return nil, errNoDraft
	}
	d, err := s.svc.Draft(c.Request().Context(), id)
	if err == nil && d.FormID != f.Manifest.ID {
		err = engine.E(engine.KindNotFound, "server.draftOf", nil)
	}
	if err != nil {
		return nil, draftGone(err, formURL(f.Manifest.ID))
	}
	if langChosen(c) {
		if d.Lang != langOf(c) {
			if err := s.svc.SetLang(c.Request().Context(), d, langOf(c)); err != nil {
				return nil, err
			}
		}
	} else {
		c.Set(ctxLang, engine.NormalizeLang(d.Lang))
	}
	return d, nil
}

// noDraft sends a browser without a draft to the form's start page.
func noDraft(c echo.Context, f *forms.Form, err error) error {
	if err == errNoDraft {
		return c.Redirect(http.StatusSeeOther, formURL(f.Manifest.ID))
	}
	return err
}

// openDraft finds the form named in the URL and loads the browser's draft of it. After an
// error f is what was found, so that noDraft(c, f, err) answers a browser without a draft.
func (s *Server) openDraft(c echo.Context) (f *forms.Form, d *engine.Draft, err error) {
	if f, err = s.formOf(c); err != nil {
		return f, nil, err
	}
	d, err = s.draftOf(c, f)
	return f, d, err
}

// stepRequest is what the handlers of a step start from.
type stepRequest struct {
	f    *forms.Form
	page int
	d    *engine.Draft
	data map[string]any
}

// openStep finds the form and the step named in the URL, loads the browser's draft of the
// form and decodes its data, in this order. It always returns st: after an error st holds
// what was found before it, so that noDraft(c, st.f, err) answers a browser without a draft.
func (s *Server) openStep(c echo.Context) (st *stepRequest, err error) {
	st = &stepRequest{}
	if st.f, err = s.formOf(c); err != nil {
		return st, err
	}
	if st.page, err = pageOf(c, st.f); err != nil {
		return st, err
	}
	if st.d, err = s.draftOf(c, st.f); err != nil {
		return st, err
	}
	st.data, err = decodeOrEmpty(st.d)
	return st, err
}

// visiblePages lists the indices of the visible pages.
func visiblePages(f *forms.Form, vis *forms.Visibility) []int {
	var out []int
	for _, p := range f.Pages {
		if vis.PageVisible(p.Index) {
			out = append(out, p.Index)
		}
	}
	return out
}

// nextPage returns the first visible page after page, or -1 for "none: the review page".
func nextPage(f *forms.Form, vis *forms.Visibility, page int) int {
	for _, p := range visiblePages(f, vis) {
		if p > page {
			return p
		}
	}
	return -1
}

// previousPage returns the last visible page before page, or -1.
func previousPage(f *forms.Form, vis *forms.Visibility, page int) int {
	prev := -1
	for _, p := range visiblePages(f, vis) {
		if p < page {
			prev = p
		}
	}
	return prev
}

// resumePoint is where a citizen continues a draft: the first page with a problem, or the
// review page when everything is complete.
func resumePoint(f *forms.Form, d *engine.Draft) string {
	data, err := engine.DecodeData(d.Data)
	if err != nil {
		return stepURL(f.Manifest.ID, 0)
	}
	vis := f.Evaluate(data)
	if p := engine.FirstErrorPage(f, vis, engine.Validate(f, data)); p >= 0 {
		return stepURL(f.Manifest.ID, p)
	}
	return reviewURL(f.Manifest.ID)
}

// messages renders field errors in the page's language.
func (s *Server) messages(f *forms.Form, errs []engine.FieldError, lang string) []renderer.FieldMessage {
	out := make([]renderer.FieldMessage, 0, len(errs))
	for _, fe := range errs {
		out = append(out, renderer.FieldMessage{Path: fe.Path, Message: s.msgs.Message(f, fe, lang)})
	}
	return out
}
