package renderer

import (
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Legal pages. Every page of a German public service links to its Impressum (§ 5 DDG), its
// Datenschutzerklärung (Art. 13 DSGVO) and its Erklärung zur Barrierefreiheit (§ 12b BGG,
// BITV 2.0 § 7), the last with a way to report barriers (feedback contact) and the
// enforcement body (Schlichtungsstelle / Durchsetzungsstelle). The portal configures them in
// the branding file ("legal"); an authority (Einer für Alle) can override them for the pages
// of its forms through Common.Legal. Without an accessibility URL the service shows its own
// statement at AccessibilityPath, built from Legal.Statement, which the operator fills.

// AccessibilityPath is where the service shows the default Erklärung zur Barrierefreiheit.
const AccessibilityPath = "/barrierefreiheit"

// Legal are the legal pages of a portal (Branding.Legal) or of an authority (Common.Legal).
type Legal struct {
	// Imprint and Privacy are the addresses of the Impressum and the Datenschutzerklärung:
	// https:// or http:// URLs, or paths on this server ("/impressum", served by a proxy).
	Imprint string `json:"imprint,omitempty"`
	Privacy string `json:"privacy,omitempty"`
	// Accessibility is the address of the Erklärung zur Barrierefreiheit; empty: the
	// service's own page at AccessibilityPath, built from Statement.
	Accessibility string `json:"accessibility,omitempty"`
	// Statement fills the service's own accessibility statement.
	Statement AccessibilityStatement `json:"statement,omitzero"`
}

// AccessibilityStatement is what BITV 2.0 § 7 asks of an Erklärung zur Barrierefreiheit.
type AccessibilityStatement struct {
	// Status is the state of compliance with BITV 2.0 / EN 301 549: "vollständig",
	// "teilweise" or "nicht" (vereinbar); empty: not yet assessed (the page says so).
	Status string `json:"status,omitempty"`
	// Barriers lists the contents that are not accessible, each with its reason.
	Barriers []string `json:"barriers,omitempty"`
	// Method says how the statement was made (e.g. "Selbstbewertung", "Prüfung durch …"),
	// Date when (e.g. "1. Dezember 2026").
	Method string `json:"method,omitempty"`
	Date   string `json:"date,omitempty"`
	// FeedbackEmail, FeedbackPhone and FeedbackURL are the feedback contact for reporting
	// barriers and asking for content in an accessible form; at least one is required.
	FeedbackEmail string `json:"feedbackEmail,omitempty"`
	FeedbackPhone string `json:"feedbackPhone,omitempty"`
	FeedbackURL   string `json:"feedbackURL,omitempty"`
	// Enforcement is the enforcement body (Schlichtungsstelle nach § 16 BGG for federal
	// bodies, the Land's Durchsetzungs- or Schlichtungsstelle otherwise); empty: the federal
	// Schlichtungsstelle BGG.
	Enforcement EnforcementBody `json:"enforcement,omitzero"`
}

// EnforcementBody is the body a citizen turns to when the feedback contact does not help.
type EnforcementBody struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address,omitempty"`
	Email   string `json:"email,omitempty"`
	URL     string `json:"url,omitempty"`
}

// federalEnforcement is the default enforcement body: the Schlichtungsstelle nach dem BGG.
var federalEnforcement = EnforcementBody{
	Name:    "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen",
	Address: "Mauerstraße 53, 10117 Berlin",
	Email:   "info@schlichtungsstelle-bgg.de",
	URL:     "https://www.schlichtungsstelle-bgg.de",
}

// Check reports what is wrong with the legal pages (German, for the operator): addresses
// that are neither http(s) URLs nor paths on this server, a malformed e-mail address.
func (l Legal) Check() error {
	var bad []string
	for name, u := range map[string]string{"legal.imprint": l.Imprint, "legal.privacy": l.Privacy, "legal.accessibility": l.Accessibility,
		"legal.statement.feedbackURL": l.Statement.FeedbackURL, "legal.statement.enforcement.url": l.Statement.Enforcement.URL} {
		if u != "" && !linkAllowed(u) {
			bad = append(bad, fmt.Sprintf("%s „%s“ ist keine https://-, http://-Adresse und kein Pfad auf diesem Server (/…)", name, u))
		}
	}
	for name, e := range map[string]string{"legal.statement.feedbackEmail": l.Statement.FeedbackEmail, "legal.statement.enforcement.email": l.Statement.Enforcement.Email} {
		if e != "" && (strings.ContainsAny(e, " <>\"':/\\") || !strings.Contains(e, "@")) {
			bad = append(bad, fmt.Sprintf("%s „%s“ ist keine E-Mail-Adresse", name, e))
		}
	}
	switch l.Statement.Status {
	case "", "vollständig", "teilweise", "nicht":
	default:
		bad = append(bad, fmt.Sprintf("legal.statement.status „%s“: erlaubt sind vollständig, teilweise, nicht", l.Statement.Status))
	}
	if len(bad) > 0 {
		sortStrings(bad)
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// Missing lists what a German public service must have and the legal pages lack, for a
// warning at start-up: the Impressum, the Datenschutzerklärung, and for the service's own
// accessibility statement its assessment and a feedback contact.
func (l Legal) Missing() []string {
	var out []string
	if l.Imprint == "" {
		out = append(out, "legal.imprint (Impressum)")
	}
	if l.Privacy == "" {
		out = append(out, "legal.privacy (Datenschutzerklärung)")
	}
	if l.Accessibility == "" {
		if l.Statement.Status == "" {
			out = append(out, "legal.statement.status (Stand der Vereinbarkeit mit der BITV 2.0)")
		}
		if l.Statement.FeedbackEmail == "" && l.Statement.FeedbackPhone == "" && l.Statement.FeedbackURL == "" {
			out = append(out, "legal.statement.feedbackEmail (Feedback-Kontakt für Barrieren)")
		}
	}
	return out
}

func linkAllowed(u string) bool {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return !strings.ContainsAny(u, " \\\"<>")
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// legalFor is the legal pages of a page: the authority's (Common.Legal) where it sets them,
// the portal's otherwise, field by field.
func (h *HTML) legalFor(c Common) Legal {
	l := h.brand.Legal
	if o := c.Legal; o != nil {
		if o.Imprint != "" {
			l.Imprint = o.Imprint
		}
		if o.Privacy != "" {
			l.Privacy = o.Privacy
		}
		if o.Accessibility != "" {
			l.Accessibility = o.Accessibility
		}
	}
	if l.Accessibility == "" {
		l.Accessibility = AccessibilityPath
	}
	return l
}

// footerView is the footer of every page.
type footerView struct {
	Imprint, Privacy, Accessibility string
	Secure                          bool // the page came over HTTPS: the sentence about encryption is true
}

// AccessibilityPage is the service's own Erklärung zur Barrierefreiheit.
type AccessibilityPage struct {
	Common
}

type accessibilityView struct {
	Statement   AccessibilityStatement
	Enforcement EnforcementBody
	StatusText  string
}

// Accessibility renders the Erklärung zur Barrierefreiheit from the portal's statement.
func (h *HTML) Accessibility(w io.Writer, p *AccessibilityPage) error {
	lang := normLang(p.Lang)
	st := h.brand.Legal.Statement
	v := &accessibilityView{Statement: st, Enforcement: st.Enforcement}
	if v.Enforcement.Name == "" {
		v.Enforcement = federalEnforcement
	}
	switch st.Status {
	case "vollständig":
		v.StatusText = UIText(lang, "a11y.status.full", h.brand.PortalName)
	case "teilweise":
		v.StatusText = UIText(lang, "a11y.status.partial", h.brand.PortalName)
	case "nicht":
		v.StatusText = UIText(lang, "a11y.status.none", h.brand.PortalName)
	default:
		v.StatusText = UIText(lang, "a11y.status.unknown")
	}
	return h.execute(w, "accessibility", h.frame(p.Common, UIText(lang, "a11y.title"), false, v))
}
