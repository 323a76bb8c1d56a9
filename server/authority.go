package server

import (
	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// Einer für Alle: the citizen's answers decide which authority receives a form. These
// helpers send the citizen to the municipality question (municipality_show.go) when the
// postal code spans several municipalities, and to the page for an unserved municipality
// (municipality_unserved.go) when no authority serves it.

// URLs of the municipality pages.
func municipalityURL(id string) string { return "/formulare/" + id + "/gemeinde" }
func unservedURL(id string) string     { return "/formulare/" + id + "/nicht-verfuegbar" }

// decidingPage returns the page with the answer that decides the authority, or -1.
func decidingPage(f *forms.Form) int {
	if f.Manifest.Authorities == nil {
		return -1
	}
	return engine.PageOf(f, f.Manifest.Authorities.DecidingField())
}

// authorityDetour returns where to send the citizen instead of going on, or "" to go on:
// the municipality question or the unserved page, once the deciding answer is given.
func (s *Server) authorityDetour(f *forms.Form, d *engine.Draft, back bool) string {
	if !s.svc.ManyAuthorities(f) {
		return ""
	}
	switch s.svc.Responsible(f, d).Status {
	case authority.Ambiguous:
		if back {
			return municipalityURL(f.Manifest.ID) + "?zurueck=pruefen"
		}
		return municipalityURL(f.Manifest.ID)
	case authority.Unserved:
		return unservedURL(f.Manifest.ID)
	}
	return ""
}

// commonForAuthority is commonFor with the legal pages of authority id where it has its own
// (Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit): the hook of the legal
// pages for Einer für Alle.
func (s *Server) commonForAuthority(c echo.Context, f *forms.Form, id string) renderer.Common {
	cm := s.commonFor(c, f)
	if a := s.svc.Authorities.Authority(id); a != nil && (a.Imprint != "" || a.PrivacyURL != "" || a.AccessibilityURL != "") {
		cm.Legal = &renderer.Legal{Imprint: a.Imprint, Privacy: a.PrivacyURL, Accessibility: a.AccessibilityURL}
	}
	return cm
}

// commonForDraft is commonForAuthority with the authority of a draft, once it is known.
func (s *Server) commonForDraft(c echo.Context, f *forms.Form, d *engine.Draft) renderer.Common {
	if r := s.responsibleFor(f, d); r != nil {
		return s.commonForAuthority(c, f, r.ID)
	}
	return s.commonFor(c, f)
}

// responsibleFor returns the resolved authority of a draft, or nil (form.json's applies).
func (s *Server) responsibleFor(f *forms.Form, d *engine.Draft) *authority.Responsible {
	if d == nil || !s.svc.ManyAuthorities(f) {
		return nil
	}
	return s.svc.Responsible(f, d).Responsible()
}

// afterDecidingPage is where the citizen goes once the municipality is known: the review
// page when they came from it, else the next visible page after the deciding one.
func afterDecidingPage(c echo.Context, f *forms.Form, d *engine.Draft, back bool) error {
	if back {
		return redirect(c, reviewURL(f.Manifest.ID))
	}
	data, err := decodeOrEmpty(d)
	if err != nil {
		return err
	}
	if next := nextPage(f, f.Evaluate(data), decidingPage(f)); next >= 0 {
		return redirect(c, stepURL(f.Manifest.ID, next))
	}
	return redirect(c, reviewURL(f.Manifest.ID))
}
