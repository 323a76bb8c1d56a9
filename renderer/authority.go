package renderer

import (
	"io"
	"strings"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
)

// Pages and receipts of a form that many authorities use (Einer für Alle) name the
// responsible authority once it is known: a *authority.Responsible, nil for the form's own
// authority from form.json.

// authorityOf returns who a page or receipt names as the responsible authority.
func authorityOf(f *forms.Form, r *authority.Responsible) forms.Authority {
	if r != nil {
		return r.Authority
	}
	return f.Manifest.Authority
}

// privacyOf returns the privacy notice: the authority's own, where it sets one, else the
// form's; with the authority's data protection contact.
func privacyOf(f *forms.Form, lang string, r *authority.Responsible) string {
	text := f.T(lang, "form.privacyNotice", f.Manifest.PrivacyNotice)
	if r == nil {
		return text
	}
	if r.PrivacyNotice != "" {
		text = r.PrivacyNotice
	}
	if r.PrivacyContact != "" {
		text = strings.TrimSpace(text + " " + UIText(lang, "authority.privacyContact", r.Authority.Name, r.PrivacyContact))
	}
	return text
}

// municipalityLine says for which municipality the authority is responsible, or "".
func municipalityLine(lang string, r *authority.Responsible) string {
	if r == nil {
		return ""
	}
	name := r.Municipality
	if name == "" {
		name = r.ARS
	}
	return UIText(lang, "authority.for", name, r.ARS)
}

// MunicipalityPage asks in which municipality the citizen lives when the postal code spans
// several.
type MunicipalityPage struct {
	Common
	Form       *forms.Form
	PLZ        string
	Candidates []authority.Municipality
	Chosen     string // the ARS chosen before, if any
	Action     string
	ChangeURL  string // the step with the postal code
	Back       bool   // came from the review page
	Error      string // message id
}

type municipalityView struct {
	Title, Intro, FormTitle, Action, ChangeURL, CSRF, Error, SummaryTitle string
	Back                                                                  bool
	Choices                                                               []municipalityChoice
}

type municipalityChoice struct {
	ARS, Name string
	Checked   bool
}

// Municipality renders the municipality question.
func (h *HTML) Municipality(w io.Writer, p *MunicipalityPage) error {
	lang := normLang(p.Lang)
	v := &municipalityView{
		Title: UIText(lang, "municipality.title"), Intro: UIText(lang, "municipality.intro", p.PLZ),
		FormTitle: p.Form.T(lang, "form.title", p.Form.Manifest.Title),
		Action:    p.Action, ChangeURL: p.ChangeURL, CSRF: p.CSRF, Back: p.Back,
	}
	for _, m := range p.Candidates {
		v.Choices = append(v.Choices, municipalityChoice{ARS: m.ARS, Name: m.Name, Checked: m.ARS == p.Chosen})
	}
	if p.Error != "" {
		v.Error, v.SummaryTitle = UIText(lang, p.Error), UIText(lang, "errors.one")
	}
	return h.execute(w, "municipality", h.frame(p.Common, v.Title+" – "+v.FormTitle, v.Error != "", v))
}

// UnservedPage tells that no authority of this portal serves the citizen's municipality.
type UnservedPage struct {
	Common
	Form         *forms.Form
	Municipality string // its name, or "" when only the postal code is known
	PLZ          string
	ChangeURL    string // the step with the deciding answer
	HomeURL      string
}

type unservedView struct {
	Title, Text, FormTitle, ChangeURL, HomeURL string
}

// Unserved renders the page for a municipality that no authority serves.
func (h *HTML) Unserved(w io.Writer, p *UnservedPage) error {
	lang := normLang(p.Lang)
	v := &unservedView{
		Title: UIText(lang, "unserved.title"), FormTitle: p.Form.T(lang, "form.title", p.Form.Manifest.Title),
		ChangeURL: p.ChangeURL, HomeURL: p.HomeURL,
	}
	if p.Municipality != "" {
		v.Text = UIText(lang, "unserved.text", v.FormTitle, p.Municipality)
	} else {
		v.Text = UIText(lang, "unserved.textPLZ", v.FormTitle, p.PLZ)
	}
	return h.execute(w, "unserved", h.frame(p.Common, v.Title+" – "+v.FormTitle, false, v))
}
