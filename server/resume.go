package server

import (
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// resumeShow asks for a resume code.
func (s *Server) resumeShow(c echo.Context) error {
	p := &renderer.ResumePage{Common: s.common(c), Action: "/fortsetzen"}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Resume(w, p) })
}

// resumeCreate continues a draft with the code the citizen typed.
func (s *Server) resumeCreate(c echo.Context) error {
	code := postedForm(c).first("code")
	if len(code) > 200 {
		code = code[:200]
	}
	return s.resume(c, code, true)
}

// resumeLink continues a draft from the link of the "Zwischenspeichern" page. The code
// leaves the address bar with the redirect, and the log shows only the route pattern.
func (s *Server) resumeLink(c echo.Context) error {
	return s.resume(c, c.Param("code"), false)
}

func (s *Server) resume(c echo.Context, code string, typed bool) error {
	fail := func(status int, text string) error {
		p := &renderer.ResumePage{Common: s.common(c), Action: "/fortsetzen", Error: text}
		if typed {
			p.Code = code
		}
		return s.page(c, status, func(w io.Writer) error { return s.html.Resume(w, p) })
	}
	if code == "" {
		return fail(http.StatusBadRequest, "resume.required")
	}
	d, err := s.svc.Resume(c.Request().Context(), code)
	switch engine.KindOf(err) {
	case engine.KindNotFound:
		return fail(http.StatusNotFound, "resume.unknown")
	case engine.KindExpired:
		return fail(http.StatusGone, "resume.expired")
	}
	if err != nil {
		return err
	}
	f := s.forms.Get(d.FormID)
	if f == nil {
		return fail(http.StatusNotFound, "resume.unknown")
	}
	s.setDraftCookie(c, d)
	if langChosen(c) {
		_ = s.svc.SetLang(c.Request().Context(), d, langOf(c))
	} else {
		s.setCookie(c, &http.Cookie{Name: cookieLang, Value: engine.NormalizeLang(d.Lang), MaxAge: 365 * 24 * 3600})
	}
	return redirect(c, s.resumeTarget(f, d))
}

// resumeTarget is where a resumed draft opens: the step the citizen saved on, while it is
// shown; else (saved on the review page, or the step is hidden now) the first step with a
// problem, or the review page.
func (s *Server) resumeTarget(f *forms.Form, d *engine.Draft) string {
	if page := d.SavedStep - 1; page >= 0 && page < len(f.Pages) {
		if data, err := engine.DecodeData(d.Data); err == nil && f.Evaluate(data).PageVisible(page) {
			return stepURL(f.Manifest.ID, page)
		}
	}
	return resumePoint(f, d)
}

// draftSaveForLater is "Zwischenspeichern" on the review page.
func (s *Server) draftSaveForLater(c echo.Context) error {
	f, d, err := s.openDraft(c)
	if err != nil {
		return noDraft(c, f, err)
	}
	return s.saveForLater(c, f, d, reviewURL(f.Manifest.ID), 0)
}

// saveForLater creates a resume code and shows it, with the link, its expiry and what the
// citizen must know about it. The page is the POST's answer, so the code is in no URL.
func (s *Server) saveForLater(c echo.Context, f *forms.Form, d *engine.Draft, continueURL string, savedStep int) error {
	d.SavedStep = savedStep
	code, expires, err := s.svc.SaveResumeCode(c.Request().Context(), d)
	if err != nil {
		return err
	}
	p := &renderer.SavedPage{
		Common:      s.commonFor(c, f),
		Form:        f,
		Code:        code,
		Link:        s.publicURL("/fortsetzen/" + code),
		Expires:     expires,
		ContinueURL: continueURL,
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Saved(w, p) })
}

// publicURL is path under the operator's public address (Config.BaseURL, serve --base-url):
// every link that leaves the page (a resume link the citizen copies into a mail or a note)
// is built from it, never from the request's Host header, which a client chooses. Without a
// configured address the link stays root-relative.
func (s *Server) publicURL(path string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + path
}
