package renderer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // confirmation pages show Europe/Berlin time on any machine

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/finder"
)

//go:embed templates/*.html
var htmlTemplateFiles embed.FS

//go:embed static
var htmlStaticFiles embed.FS

// htmlBerlin is the time zone of the times shown on web pages.
var htmlBerlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return loc
}()

// Branding is what an operator configures to make the portal look like theirs: the portal's
// name, a logo and colours. Colours become CSS custom properties in /static/theme.css, so the
// pages need no inline styles.
type Branding struct {
	// PortalName is shown in the header and in every page title; default "Online-Anträge".
	PortalName string `json:"portalName"`
	// LogoURL is the logo's address: a path on this server ("/static/logo.svg", the default)
	// or a data: URL. Other origins are refused because the Content-Security-Policy would
	// block them.
	LogoURL string `json:"logoURL"`
	// Colors override the default colours by name; see BrandingColors for the names.
	Colors map[string]string `json:"colors"`
	// Legal are the portal's Impressum, Datenschutzerklärung and Erklärung zur
	// Barrierefreiheit, linked in the footer of every page (see legal.go).
	Legal Legal `json:"legal,omitzero"`
}

// BrandingColors are the colour names a Branding can set, with their defaults. The defaults
// meet WCAG 2.1 AA: text colours have a contrast of at least 4.5:1 against the background
// they are used on.
var BrandingColors = map[string]string{
	"primary":     "#0b4f8a", // header, buttons, links
	"primaryText": "#ffffff", // text on primary
	"text":        "#1b1b1b",
	"background":  "#ffffff",
	"muted":       "#4b5563", // hints
	"surface":     "#f3f4f6", // panels
	"border":      "#5f6b7a", // input borders (≥ 3:1 against the background)
	"error":       "#b3261e",
	"success":     "#1e6b34",
	"focus":       "#ffbf47", // focus ring, with a dark outline
}

var cssColorPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// HTML renders the web pages. Templates are embedded and parsed once, in NewHTML; an HTML is
// safe for concurrent use.
type HTML struct {
	pages   map[string]*template.Template
	brand   Branding
	theme   []byte
	version string // of the static files and the theme, for cache-busting URLs
}

// htmlPageNames are the page templates; each defines the "content" inside the frame
// (frame.go). The step page is written in Go (stephtml.go).
var htmlPageNames = []string{"index", "start", "review", "confirmation", "resume", "saved", "error", "municipality", "unserved", "accessibility"}

// NewHTML parses the templates and prepares the theme of a branding.
func NewHTML(brand Branding) (*HTML, error) {
	if brand.PortalName == "" {
		brand.PortalName = UIText("de", "frame.portal")
	}
	if brand.LogoURL == "" {
		brand.LogoURL = "/static/logo.svg"
	}
	if !strings.HasPrefix(brand.LogoURL, "/") && !strings.HasPrefix(brand.LogoURL, "data:image/") || strings.HasPrefix(brand.LogoURL, "//") {
		return nil, fmt.Errorf("logoURL „%s“: erlaubt sind nur Pfade auf diesem Server (/…) oder data:image-URLs, weil die Content-Security-Policy andere Quellen sperrt (img-src 'self' data:)", brand.LogoURL)
	}
	theme, err := brand.themeCSS()
	if err != nil {
		return nil, err
	}
	if err := brand.Legal.Check(); err != nil {
		return nil, err
	}
	h := &HTML{pages: map[string]*template.Template{}, brand: brand, theme: theme}
	for _, name := range htmlPageNames {
		t, err := template.ParseFS(htmlTemplateFiles, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		h.pages[name] = t
	}
	sum := sha256.New()
	_ = fs.WalkDir(htmlStaticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := htmlStaticFiles.ReadFile(p)
			sum.Write(b)
		}
		return nil
	})
	sum.Write(theme)
	h.version = hex.EncodeToString(sum.Sum(nil))[:12]
	return h, nil
}

// themeCSS writes the branding's colours as CSS custom properties.
func (b Branding) themeCSS() ([]byte, error) {
	colors := map[string]string{}
	for k, v := range BrandingColors {
		colors[k] = v
	}
	for k, v := range b.Colors {
		if _, ok := BrandingColors[k]; !ok {
			return nil, fmt.Errorf("colors: unbekannte Farbe „%s“ (bekannt: %s)", k, strings.Join(sortedKeys(BrandingColors), ", "))
		}
		if !cssColorPattern.MatchString(v) {
			return nil, fmt.Errorf("colors.%s: „%s“ ist keine Farbe in der Form #0b4f8a", k, v)
		}
		colors[k] = v
	}
	var buf bytes.Buffer
	buf.WriteString("/* Generated from the portal's branding. */\n:root {\n")
	for _, k := range sortedKeys(colors) {
		fmt.Fprintf(&buf, "  --farbe-%s: %s;\n", k, colors[k])
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

// ContrastProblems lists colour pairs of the branding whose contrast is below the 4.5:1 that
// WCAG 2.1 AA asks of text (3:1 for borders and the focus ring).
func (b Branding) ContrastProblems() []string {
	c := map[string]string{}
	for k, v := range BrandingColors {
		c[k] = v
	}
	for k, v := range b.Colors {
		if cssColorPattern.MatchString(v) {
			c[k] = v
		}
	}
	pairs := []struct {
		fg, bg string
		min    float64
	}{
		{"text", "background", 4.5}, {"primaryText", "primary", 4.5}, {"primary", "background", 4.5},
		{"muted", "background", 4.5}, {"error", "background", 4.5}, {"success", "background", 4.5},
		{"text", "surface", 4.5}, {"muted", "surface", 4.5}, {"border", "background", 3}, {"text", "focus", 4.5},
	}
	var out []string
	for _, p := range pairs {
		if r := contrastRatio(c[p.fg], c[p.bg]); r < p.min {
			out = append(out, fmt.Sprintf("%s %s auf %s %s: Kontrast %.2f:1, nötig %.1f:1", p.fg, c[p.fg], p.bg, c[p.bg], r, p.min))
		}
	}
	return out
}

func contrastRatio(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hexColor string) float64 {
	h := strings.TrimPrefix(hexColor, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return 0
	}
	channel := func(s string) float64 {
		v, _ := strconv.ParseUint(s, 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(h[0:2]) + 0.7152*channel(h[2:4]) + 0.0722*channel(h[4:6])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ThemeCSS is /static/theme.css: the branding's colours as CSS custom properties.
func (h *HTML) ThemeCSS() []byte { return h.theme }

// Version identifies the static files and the theme; page URLs of the assets carry it, so
// that browsers may cache them for long.
func (h *HTML) Version() string { return h.version }

// Branding returns the branding the pages are rendered with.
func (h *HTML) Branding() Branding { return h.brand }

// StaticFiles are the files served under /static/ (CSS, the script, the logo placeholder);
// theme.css is not among them (see ThemeCSS).
func StaticFiles() fs.FS {
	sub, err := fs.Sub(htmlStaticFiles, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// ---------------------------------------------------------------- page data

// Common is what every page needs from the request.
type Common struct {
	// Lang is "de" or "en".
	Lang string
	// CSRF is the token that every form on the page sends back in the hidden field _csrf.
	CSRF string
	// SwitchURL is the current page in the other language ("?lang=en").
	SwitchURL string
	// Secure is set when the page travels over HTTPS: only then does the footer say that the
	// answers are transmitted encrypted.
	Secure bool
	// Legal overrides the portal's legal pages (Branding.Legal) for this page: the hook for an
	// authority (Einer für Alle) with its own Impressum, Datenschutzerklärung or Erklärung
	// zur Barrierefreiheit. Empty fields keep the portal's.
	Legal *Legal
}

// FieldMessage is a validation error rendered for the citizen: the concrete data path it
// belongs to and the message in the page's language.
type FieldMessage struct {
	Path    string
	Message string
}

// IndexPage is the service finder: a search form and one page of the forms found, grouped
// by category, with links to the other pages.
type IndexPage struct {
	Common
	// Action is the URL the search form is sent to (GET).
	Action string
	// Query and Category are what the citizen searched for.
	Query, Category string
	Result          finder.Result
	FormURL         func(*forms.Entry) string
	// PageURL is the URL of another page of the same search.
	PageURL   func(page int) string
	ResumeURL string
}

// StartPage introduces a form.
type StartPage struct {
	Common
	Form *forms.Form
	// Action starts a new draft (POST).
	Action string
	// ContinueURL is set when the browser already has a draft of this form.
	ContinueURL string
	ResumeURL   string
	// Authority is the responsible authority once the draft's answers name it (Einer für
	// Alle); nil shows form.json's authority.
	Authority *authority.Responsible
}

// StepPage is one step of a form.
type StepPage struct {
	Common
	Form *forms.Form
	// Page is the index of the page in Form.Pages.
	Page int
	// Data is the draft's data and Vis its visibility.
	Data any
	Vis  *forms.Visibility
	// Errors are the messages of the page's fields, in layout order; with ShowErrors false
	// they are not shown.
	Errors []FieldMessage
	// Action is the URL the page posts to; VisibilityURL the URL the script asks which fields
	// to show.
	Action        string
	VisibilityURL string
	// ReturnToReview is set when the citizen came from the review page ("Ändern").
	ReturnToReview bool
	// Notice is the ID of a built-in text shown above the form ("step.appeared"), or "".
	Notice string
	// Files are the uploaded files of the draft by attachment id, for attachment fields.
	Files map[string]AttachmentFile
	// MaxFileSize is the operator's limit of one file in bytes, when it is below a field's
	// maxSize; 0 means none.
	MaxFileSize int64
	// RequiredNow are the concrete paths of the page's conditionally required fields
	// (forms.Field.RequiredWhen) that the current answers make required
	// (engine.RequiredNow): only these carry the required mark, so that the mark says what
	// the validation demands. Unconditionally required fields are always marked.
	RequiredNow map[string]bool
}

// ReviewPage shows all answers before submitting.
type ReviewPage struct {
	Common
	Form *forms.Form
	Data any
	// StepURL returns the URL to change the answers of a page (with the way back to the
	// review page).
	StepURL      func(page int) string
	SubmitAction string
	SaveAction   string
	// Files are the uploaded files of the draft by attachment id; RemoveFileAction is the URL
	// the remove buttons of the files post to (with _action=remove-file:<path>/<id>).
	Files            map[string]AttachmentFile
	RemoveFileAction string
	// Authority is the responsible authority (Einer für Alle); nil: form.json's.
	Authority *authority.Responsible
	// Notice is the ID of a built-in text shown above the answers ("review.removed"), or "".
	Notice string
}

// ConfirmationPage confirms a submission.
type ConfirmationPage struct {
	Common
	Form        *forms.Form
	Reference   string
	SubmittedAt time.Time
	ReceiptURL  string
	// TokenURL is the unguessable link to the receipt, for later or another device.
	TokenURL string
	HomeURL  string
	// Authority is the submission's authority (Einer für Alle); nil: form.json's.
	Authority *authority.Responsible
}

// SavedPage shows a resume code after "Zwischenspeichern".
type SavedPage struct {
	Common
	Form        *forms.Form
	Code        string
	Link        string
	Expires     time.Time
	ContinueURL string
}

// ResumePage asks for a resume code.
type ResumePage struct {
	Common
	Action string
	Code   string
	// Error is the ID of a built-in text ("resume.unknown"), or "".
	Error string
}

// ErrorPage is shown instead of a page that cannot be shown.
type ErrorPage struct {
	Common
	Status int
	// Title and Text are IDs of built-in texts; default error.<Status>.title and .text.
	Title, Text string
	TextArgs    []any
	// RequestID is shown on 500 pages so that the operator can find the log entry.
	RequestID string
	// LinkURL and LinkText (a text ID) offer a way on; default the home page.
	LinkURL, LinkText string
}

// frame is what writeFrameHead and writeFrameTail (frame.go) write around every page.
type frame struct {
	Lang        string
	Title       string
	Portal      string
	Logo        template.URL // checked by NewHTML: a path on this server or a data:image URL
	Version     string
	SwitchURL   string
	SwitchText  string
	SwitchLang  string
	MainHeading string
	Footer      footerView
	Page        any
}

// T returns a built-in text in the page's language.
func (f *frame) T(id string, args ...any) string { return UIText(f.Lang, id, args...) }

func (h *HTML) frame(c Common, title string, hasErrors bool, page any) *frame {
	lang := normLang(c.Lang)
	t := UIText(lang, "frame.titleSuffix", title, h.brand.PortalName)
	if hasErrors {
		t = UIText(lang, "frame.errorPrefix", t)
	}
	f := &frame{
		Lang: lang, Title: t, Portal: h.brand.PortalName, Logo: template.URL(h.brand.LogoURL), Version: h.version,
		SwitchURL: c.SwitchURL, SwitchText: UIText(lang, "frame.switchTo"), SwitchLang: UIText(lang, "frame.switchLang"),
		Page: page,
	}
	l := h.legalFor(c)
	f.Footer = footerView{Imprint: l.Imprint, Privacy: l.Privacy, Accessibility: l.Accessibility, Secure: c.Secure}
	return f
}

func normLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "de"
}

var htmlBufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// execute renders a page into a buffer first, so that a template error never leaves half a
// page on the wire.
func (h *HTML) execute(w io.Writer, name string, f *frame) error {
	return writePage(w, f, func(out *htmlWriter) error {
		if err := h.pages[name].ExecuteTemplate(out, "content", f); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		return nil
	})
}

// writePage writes the frame f around the content that content writes.
func writePage(w io.Writer, f *frame, content func(*htmlWriter) error) error {
	buf := htmlBufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer htmlBufPool.Put(buf)
	out := &htmlWriter{buf}
	out.writeFrameHead(f)
	if err := content(out); err != nil {
		return err
	}
	out.writeFrameTail(f)
	_, err := w.Write(buf.Bytes())
	return err
}

// ---------------------------------------------------------------- index, start

type indexView struct {
	Action, Query, Category string
	Categories              []indexCategory
	Status                  string
	Searched                bool
	Groups                  []indexGroup
	Pager                   *indexPager
	ResumeURL               string
}

type indexCategory struct {
	Value, Label string
	Count        int
	Selected     bool
}

type indexGroup struct {
	Title string
	Items []indexItem
}

type indexItem struct{ Title, Summary, Authority, URL string }

type indexPager struct {
	Label, Prev, Next string
	Links             []indexPageLink
}

type indexPageLink struct {
	N        int
	URL      string
	Current  bool
	Gap      bool // an ellipsis before this link
	AriaText string
}

// Index renders the service finder.
func (h *HTML) Index(w io.Writer, p *IndexPage) error {
	lang := normLang(p.Lang)
	r := p.Result
	v := &indexView{ResumeURL: p.ResumeURL, Action: p.Action, Query: p.Query, Category: p.Category,
		Searched: p.Query != "" || p.Category != ""}
	for _, c := range r.Categories {
		v.Categories = append(v.Categories, indexCategory{Value: c.Category, Label: c.Entry.T(lang, "form.category", c.Category),
			Count: c.Forms, Selected: c.Category == p.Category})
	}
	switch {
	case r.Total == 0 && v.Searched:
		v.Status = UIText(lang, "index.noneFound")
	case r.Total == 1:
		v.Status = UIText(lang, "index.foundOne")
	default:
		v.Status = UIText(lang, "index.found", r.Total)
	}
	if r.Pages > 1 {
		v.Status += " " + UIText(lang, "index.pageOf", r.Page, r.Pages)
	}
	for _, g := range r.Groups {
		title := UIText(lang, "index.other")
		if g.Category != "" {
			title = g.Entries[0].T(lang, "form.category", g.Category)
		}
		grp := indexGroup{Title: title}
		for _, f := range g.Entries {
			grp.Items = append(grp.Items, indexItem{
				Title:     f.T(lang, "form.title", f.Manifest.Title),
				Summary:   f.T(lang, "form.summary", f.Manifest.Summary),
				Authority: f.Manifest.Authority.Name,
				URL:       p.FormURL(f),
			})
		}
		v.Groups = append(v.Groups, grp)
	}
	if r.Pages > 1 && p.PageURL != nil {
		v.Pager = indexPagerFor(lang, r.Page, r.Pages, p.PageURL)
	}
	fr := h.frame(p.Common, UIText(lang, "index.title"), false, v)
	fr.Title = h.brand.PortalName
	fr.MainHeading = UIText(lang, "index.title")
	return h.execute(w, "index", fr)
}

// indexPagerFor links the first, the last and the pages around the current one.
func indexPagerFor(lang string, page, pages int, url func(int) string) *indexPager {
	pg := &indexPager{Label: UIText(lang, "index.pages")}
	if page > 1 {
		pg.Prev = url(page - 1)
	}
	if page < pages {
		pg.Next = url(page + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-2 || n > page+2) {
			continue
		}
		pg.Links = append(pg.Links, indexPageLink{N: n, URL: url(n), Current: n == page, Gap: last != 0 && n > last+1,
			AriaText: UIText(lang, "index.page", n)})
		last = n
	}
	return pg
}

type startView struct {
	Title, Summary, Privacy  string
	Requirements             []string
	Authority                forms.Authority
	Steps                    int
	Action, CSRF             string
	ContinueURL, ResumeURL   string
	Phone, Email, WebsiteURL string
	Municipality             string // for which municipality the authority is responsible
}

// Start renders the start page of a form.
func (h *HTML) Start(w io.Writer, p *StartPage) error {
	lang := normLang(p.Lang)
	f := p.Form
	m := f.Manifest
	v := &startView{
		Title:   f.T(lang, "form.title", m.Title),
		Summary: f.T(lang, "form.summary", m.Summary),
		Privacy: privacyOf(f, lang, p.Authority),
		Action:  p.Action, CSRF: p.CSRF, ContinueURL: p.ContinueURL, ResumeURL: p.ResumeURL,
		Authority: authorityOf(f, p.Authority), Municipality: municipalityLine(lang, p.Authority),
	}
	a := v.Authority
	for i, r := range m.Requirements {
		v.Requirements = append(v.Requirements, f.T(lang, "form.requirements."+strconv.Itoa(i), r))
	}
	vis := f.Evaluate(map[string]any{})
	for _, pg := range f.Pages {
		if vis.PageVisible(pg.Index) {
			v.Steps++
		}
	}
	if a.Phone != "" {
		v.Phone = UIText(lang, "start.phone", a.Phone)
	}
	if forms.ValidEmail(a.Email) == nil {
		v.Email = a.Email // a mailto: link
	}
	if forms.CheckLinkURL(a.URL) == nil { // check refuses anything else
		v.WebsiteURL = a.URL
	}
	return h.execute(w, "start", h.frame(p.Common, v.Title, false, v))
}

// ---------------------------------------------------------------- step pages

// stepTexts are the built-in texts a field template needs, shared by all fields of a page.
type stepTexts struct {
	RequiredMark, Refresh, RefreshHint, ErrorPrefix, SelectPrompt, DateFormat string
}

// nodeView is one rendered layout node.
type nodeView struct {
	Kind     string // vertical, horizontal, group, label, field
	WrapID   string // set for nodes with a rule: the element the script shows and hides
	Hidden   bool
	Disabled bool
	Legend   string
	Text     string
	Children []*nodeView
	Field    *fieldView

	// One flag per kind: templates test flags, which is much cheaper than comparing strings.
	IsField, IsGroup, IsHorizontal, IsLabel, IsCopy bool
	LegendHidden                                    bool // the legend is for screen readers only
	// CopyLabel and CopyValue show a field that the layout shows a second time.
	CopyLabel, CopyValue string
}

// fieldView is one rendered field.
type fieldView struct {
	Widget       string
	ID           string // the input's id; for options the first option's id
	Base         string // the id prefix of options, hint and error
	Name         string // the concrete data path
	Label        string
	LabelHidden  bool // shown to screen readers only
	Hint         string
	HintID       string
	Error        string
	ErrorID      string
	DescribedBy  string
	Required     bool
	Disabled     bool
	ReadOnly     bool
	Value        string
	Checked      bool
	InputType    string
	InputMode    string
	Autocomplete string
	Rows         int
	Choices      []choiceView
	Source       bool // a rule on this page depends on the field
	Children     []*nodeView
	Items        []*itemView
	CanAdd       bool
	AddLabel     string
	AddAction    string
	DateAsText   bool
	// FormatHint is the format a typed date or time takes ("Zum Beispiel 28.11.1985"),
	// shown under the label and read with the input.
	FormatHint, FormatHintID string
	// DateParts are the day, month and year inputs of a date field with dateInput "parts".
	DateParts   []datePartView
	IsDateParts bool
	// Options of JSON Forms: a switch, the required mark hidden, options side by side.
	Toggle, HideMark, Horizontal bool
	MaxLen                       int  // maxLength of the schema, 0 if none
	Restrict                     bool // restrict: no more than MaxLen characters (maxlength)
	Short                        bool // trim: only as wide as MaxLen characters
	T                            *stepTexts

	// Flags of the widget, for the templates.
	IsGroup, IsRepeat, IsOptions, IsCheckbox, IsTextarea, IsSelect bool
	IsScalarList                                                   bool // a repeat of plain values

	// Suggestions of a suggestion field: the datalist's id and its options, rendered.
	ListID      string
	Suggestions template.HTML

	// Attachment fields: the files so far, the rules (types, size, number), the input's
	// accept and multiple attributes, the upload button.
	IsFile, Multiple                                       bool
	Files                                                  []fileItemView
	FileRules, FileRulesID, Accept, UploadLabel, ListLabel string
}

// datePartView is the day, month or year input of a date field with dateInput "parts".
type datePartView struct {
	ID, Label, Value string
}

type choiceView struct {
	ID, Value, Label string
	Selected         bool
}

type itemView struct {
	Field        *fieldView // the input of an item of a list of plain values
	ID           string
	Legend       string
	Children     []*nodeView
	CanRemove    bool
	RemoveLabel  string
	RemoveAction string
	Disabled     bool
}

type summaryItem struct{ Href, Message string }

type stepView struct {
	FormTitle, PageTitle, StepText string
	Nodes                          []*nodeView
	Summary                        []summaryItem
	SummaryTitle                   string
	Notice                         string
	Action, VisibilityURL, CSRF    string
	ReturnToReview                 bool
	HasPrevious                    bool
	NextLabel                      string
	Multipart                      bool // the page has a file input: enctype multipart/form-data
}

// Step renders one step of a form.
func (h *HTML) Step(w io.Writer, p *StepPage) error {
	v, err := buildStep(p)
	if err != nil {
		return err
	}
	f := h.stepFrame(p.Common, v)
	return writePage(w, f, func(out *htmlWriter) error {
		out.stepContent(f, v)
		return nil
	})
}

// stepFrame is the frame of a step page.
func (h *HTML) stepFrame(c Common, v *stepView) *frame {
	title := v.PageTitle + " – " + v.StepText + " – " + v.FormTitle
	return h.frame(c, title, len(v.Summary) > 0, v)
}

func buildStep(p *StepPage) (*stepView, error) {
	f := p.Form
	if p.Page < 0 || p.Page >= len(f.Pages) {
		return nil, fmt.Errorf("render step: page %d out of range", p.Page)
	}
	lang := normLang(p.Lang)
	vis := p.Vis
	if vis == nil {
		vis = f.Evaluate(p.Data)
	}
	page := f.Pages[p.Page]
	var visible []int
	pos := 0
	for _, pg := range f.Pages {
		if vis.PageVisible(pg.Index) || pg.Index == p.Page {
			if pg.Index == p.Page {
				pos = len(visible)
			}
			visible = append(visible, pg.Index)
		}
	}
	b := &stepBuilder{
		form: f, lang: lang, data: p.Data, vis: vis,
		sources: ruleSources(f)[p.Page],
		files:   p.Files, maxFileSize: p.MaxFileSize, requiredNow: p.RequiredNow,
		texts: &stepTexts{
			RequiredMark: UIText(lang, "step.requiredMark"), Refresh: UIText(lang, "step.refresh"),
			RefreshHint: UIText(lang, "step.refreshHint"), ErrorPrefix: UIText(lang, "errors.fieldPrefix"),
			SelectPrompt: UIText(lang, "step.selectPrompt"), DateFormat: UIText(lang, "step.dateFormat"),
		},
	}
	if len(p.Errors) > 0 {
		b.errs = map[string]string{}
		b.anchors = map[string]string{} // only the error summary links to fields
	}
	for _, e := range p.Errors {
		owner := errorOwner(f, e.Path)
		if _, dup := b.errs[owner]; !dup {
			b.errs[owner] = e.Message
		}
	}
	v := &stepView{
		FormTitle:      f.T(lang, "form.title", f.Manifest.Title),
		PageTitle:      f.T(lang, page.TitleKey(), page.Title),
		StepText:       UIText(lang, "step.of", pos+1, len(visible)),
		Action:         p.Action,
		VisibilityURL:  p.VisibilityURL,
		CSRF:           p.CSRF,
		ReturnToReview: p.ReturnToReview,
		HasPrevious:    pos > 0,
	}
	switch {
	case p.ReturnToReview:
		v.NextLabel = UIText(lang, "step.backToReview")
	case pos == len(visible)-1:
		v.NextLabel = UIText(lang, "step.toReview")
	default:
		v.NextLabel = UIText(lang, "step.next")
	}
	if p.Notice != "" {
		v.Notice = UIText(lang, p.Notice)
	}
	v.Nodes = b.nodes(page.Nodes, nil, false)
	v.Multipart = b.multipart
	seen := map[string]bool{}
	for _, e := range p.Errors {
		owner := errorOwner(f, e.Path)
		if seen[owner] {
			continue
		}
		seen[owner] = true
		item := summaryItem{Message: e.Message}
		for p := owner; p != ""; p = parentPath(p) {
			if id, ok := b.anchors[p]; ok {
				item.Href = "#" + id
				break
			}
		}
		v.Summary = append(v.Summary, item)
	}
	if n := len(v.Summary); n == 1 {
		v.SummaryTitle = UIText(lang, "errors.one")
	} else if n > 1 {
		v.SummaryTitle = UIText(lang, "errors.many", n)
	}
	return v, nil
}

type stepBuilder struct {
	form    *forms.Form
	lang    string
	data    any
	vis     *forms.Visibility
	errs    map[string]string // owner path → message
	anchors map[string]string // path → id the error summary links to; nil without errors
	sources map[string]bool   // field path patterns that rules on this page depend on
	texts   *stepTexts

	files       map[string]AttachmentFile // uploaded files by id
	maxFileSize int64                     // the operator's limit of one file
	multipart   bool                      // a file input was built
	requiredNow map[string]bool           // conditionally required fields required now
}

func (b *stepBuilder) nodes(nodes []*forms.Node, indices []int, disabled bool) []*nodeView {
	out := make([]*nodeView, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, b.node(n, indices, disabled))
	}
	return out
}

func (b *stepBuilder) node(n *forms.Node, indices []int, disabled bool) *nodeView {
	v := &nodeView{Kind: string(n.Kind), IsField: n.Kind == forms.NodeField, IsGroup: n.Kind == forms.NodeGroup,
		IsHorizontal: n.Kind == forms.NodeHorizontal, IsLabel: n.Kind == forms.NodeLabel}
	if hasRule(n) {
		v.WrapID = wrapID(n, indices)
		v.Hidden = !b.vis.NodeVisible(n, indices)
		v.Disabled = !b.vis.NodeEnabled(n, indices)
	}
	switch n.Kind {
	case forms.NodeField:
		v.Field = b.field(n.Field, indices, disabled || v.Disabled)
		return v
	case forms.NodeGroup:
		v.Legend = b.form.T(b.lang, n.TextKey(), n.Label)
		v.LegendHidden = n.LabelHidden
	case forms.NodeLabel:
		v.Text = b.form.T(b.lang, n.TextKey(), n.Text)
	case forms.NodeCopy:
		v.IsCopy = true
		fd := n.Copy
		v.CopyLabel = firstText(n.Label, b.form.T(b.lang, fd.LabelKey(), fd.Label))
		value, _ := forms.Lookup(b.data, fd.Path, indices)
		v.CopyValue = b.form.DisplayValue(fd, value, b.lang)
		if v.CopyValue == "" {
			v.CopyValue = UIText(b.lang, "review.empty")
		}
		return v
	}
	v.Children = b.nodes(n.Children, indices, disabled || v.Disabled)
	return v
}

func (b *stepBuilder) field(fd *forms.Field, indices []int, disabled bool) *fieldView {
	path := forms.ConcretePath(fd.Path, indices)
	base := "f" + escapeID(path)
	v := &fieldView{
		Widget: string(fd.Widget), ID: base, Base: base, Name: path,
		Label: b.form.T(b.lang, fd.LabelKey(), fd.Label),
		Hint:  b.form.T(b.lang, fd.HintKey(), fd.Hint),
		// Marked as the validation demands: a field a condition requires (if/then,
		// dependentRequired) only while the answers meet the condition.
		Required:    (fd.Required || fd.RequiredWhen && b.requiredNow[path]) && fd.Widget != forms.WidgetGroup,
		ReadOnly:    fd.ReadOnly,
		LabelHidden: fd.LabelHidden,
		Disabled:    disabled || !b.vis.FieldEnabled(path) && !fd.ReadOnly,
		Source:      b.sources[fd.Path],
		T:           b.texts,
	}
	if v.Hint != "" {
		v.HintID = base + "-hinweis"
	}
	v.HideMark = fd.OptionBool("hideRequiredAsterisk")
	v.Horizontal = fd.OptionString("orientation") == "horizontal"
	if fd.MaxLength != nil {
		v.MaxLen = *fd.MaxLength
		v.Restrict = fd.OptionBool("restrict")
		v.Short = fd.OptionBool("trim")
	}
	if msg, ok := b.errs[path]; ok {
		v.Error, v.ErrorID = msg, base+"-fehler"
	}
	value, _ := forms.Lookup(b.data, fd.Path, indices)

	switch fd.Widget {
	case forms.WidgetGroup:
		v.Children = b.nodes(fd.Children, indices, v.Disabled)
	case forms.WidgetRepeat:
		b.repeat(v, fd, path, indices, value)
	case forms.WidgetRadio, forms.WidgetCheckboxes, forms.WidgetSelect:
		b.choices(v, fd, value)
		if fd.Widget != forms.WidgetSelect {
			v.ID = base + "-0"
		}
		if fd.ReadOnly {
			v.Disabled = true
		}
	case forms.WidgetCheckbox:
		v.Checked = value == true
		v.Toggle = fd.OptionBool("toggle")
		if fd.ReadOnly {
			v.Disabled = true
		}
	case forms.WidgetNumber:
		v.InputType = "text"
		v.InputMode = "decimal"
		if fd.Type == "integer" {
			v.InputMode = "numeric"
		}
		switch x := value.(type) {
		case string:
			v.Value = x
		case nil:
		default:
			v.Value = forms.FormatNumber(x, b.lang)
		}
		if fd.OptionBool("slider") && fd.Minimum != nil && fd.Maximum != nil {
			// A slider is hard to set exactly with a keyboard or on a phone: a number
			// input that names its range.
			v.Hint = strings.TrimSpace(v.Hint + " " + UIText(b.lang, "step.range",
				forms.FormatNumber(*fd.Minimum, b.lang), forms.FormatNumber(*fd.Maximum, b.lang)))
		}
	case forms.WidgetDate:
		s := scalarText(value)
		switch fd.OptionString("dateInput") {
		case "picker":
			v.InputType = "date"
			if s != "" && !isISODate(s) {
				v.InputType = "text" // show what was typed; a date input would drop it
				v.DateAsText = true
			}
			v.Value = s
		case "parts":
			b.dateParts(v, s)
		default:
			v.InputType = "text"
			v.Value = germanDate(s)
			v.FormatHint = UIText(b.lang, "step.dateHint")
		}
	case forms.WidgetTime:
		v.InputType = "text"
		v.Value = shortTime(scalarText(value))
		v.FormatHint = UIText(b.lang, "step.timeHint")
	case forms.WidgetDateTime:
		v.InputType = "text"
		v.Value = germanDateTime(scalarText(value))
		v.FormatHint = UIText(b.lang, "step.dateTimeHint")
	case forms.WidgetSuggest:
		v.InputType = "text"
		v.ListID = base + "-vorschlaege"
		v.Value = scalarText(value)
		if value != nil {
			for _, ch := range fd.Suggestions {
				if ChoiceValue(ch.Value) == v.Value {
					v.Value = choiceLabel(b.form, fd, ch, b.lang) // the stored value is a code: show its label
					break
				}
			}
		}
		v.Suggestions = b.datalistOptions(fd)
	case forms.WidgetPassword:
		v.InputType = "password"
		v.Value = "" // never sent back to the browser
		v.Autocomplete = "off"
	case forms.WidgetEmail:
		v.InputType = "email"
		v.Value = scalarText(value)
	case forms.WidgetTel:
		v.InputType = "tel"
		v.Value = scalarText(value)
	case forms.WidgetFile:
		b.fileField(v, fd, path, value)
	case forms.WidgetTextarea:
		v.Rows = 5
		v.Value = scalarText(value)
	default:
		v.InputType = "text"
		v.Value = scalarText(value)
	}
	if v.Hint != "" {
		v.HintID = base + "-hinweis"
	}
	if v.FormatHint != "" {
		v.FormatHintID = base + "-format"
	}
	if fd.Widget != forms.WidgetFile {
		v.DescribedBy = strings.TrimSpace(v.HintID + " " + v.FormatHintID + " " + v.ErrorID)
	}
	if len(indices) == 0 && fd.Autocomplete != "" {
		// Inside list items the fields are about someone else (a dog's previous owner):
		// the browser must not fill in the citizen's own name or address there.
		v.Autocomplete = fd.Autocomplete
	}
	v.IsGroup, v.IsRepeat = fd.Widget == forms.WidgetGroup, fd.Widget == forms.WidgetRepeat
	v.IsOptions = fd.Widget == forms.WidgetRadio || fd.Widget == forms.WidgetCheckboxes
	v.IsCheckbox, v.IsTextarea, v.IsSelect = fd.Widget == forms.WidgetCheckbox, fd.Widget == forms.WidgetTextarea, fd.Widget == forms.WidgetSelect
	if b.anchors != nil {
		b.anchors[path] = v.ID
	}
	return v
}

// controlAttrs writes the attributes of the field's input, select or textarea (not those of
// option groups and date parts: choiceAttrs, datePartAttrs).
func (v *fieldView) controlAttrs(a *htmlWriter) {
	switch v.Widget {
	case "select", "textarea":
		a.attr("class", "eingabe")
	case "checkbox":
		a.attr("type", "checkbox")
	case "file":
		v.fileInputAttrs(a)
		return
	case "date":
		a.attr("class", "eingabe eingabe-"+v.Widget)
		a.attr("type", v.InputType)
	default:
		class := "eingabe eingabe-" + v.Widget
		if v.Short {
			class += " eingabe-kurz"
		}
		a.attr("class", class)
		a.attr("type", v.InputType)
	}
	a.attr("id", v.ID)
	a.attr("name", v.Name)
	switch v.Widget {
	case "checkbox":
		a.attr("value", "true")
		a.flag("checked", v.Checked)
		if v.Toggle {
			a.attr("role", "switch")
		}
	case "textarea":
		a.attr("rows", strconv.Itoa(v.Rows))
	case "select":
	default:
		a.attr("value", v.Value)
	}
	if v.InputMode != "" {
		a.attr("inputmode", v.InputMode)
	}
	if v.ListID != "" {
		a.attr("list", v.ListID)
	}
	if v.Restrict && v.MaxLen > 0 && v.Widget != "select" {
		a.attr("maxlength", strconv.Itoa(v.MaxLen))
	}
	if v.Short && v.MaxLen > 0 && v.Widget != "textarea" && v.Widget != "select" {
		a.attr("size", strconv.Itoa(v.MaxLen+1))
	}
	if v.Autocomplete != "" {
		a.attr("autocomplete", v.Autocomplete)
	}
	if v.DescribedBy != "" {
		a.attr("aria-describedby", v.DescribedBy)
	}
	if v.Error != "" {
		a.attr("aria-invalid", "true")
	}
	if v.InputType == "email" {
		a.attr("spellcheck", "false")
	}
	a.flag("readonly", v.ReadOnly && v.Widget != "checkbox" && v.Widget != "select")
	a.flag("disabled", v.Disabled)
}

// choiceAttrs writes the attributes of the i-th option: its input in an option group, its
// <option> in a select.
func (v *fieldView) choiceAttrs(a *htmlWriter, i int) {
	ch := &v.Choices[i]
	if v.Widget == "select" {
		a.attr("value", ch.Value)
		a.flag("selected", ch.Selected)
		return
	}
	typ := "checkbox"
	if v.Widget == "radio" {
		typ = "radio"
	}
	a.attr("type", typ)
	a.attr("id", ch.ID)
	a.attr("name", v.Name)
	a.attr("value", ch.Value)
	a.flag("checked", ch.Selected)
	a.flag("disabled", v.Disabled)
	if v.Error != "" {
		a.attr("aria-invalid", "true")
	}
}

// datePartAttrs writes the attributes of the day (i = 0), month or year input. All three
// carry the field's data path as name; the server joins them in document order.
func (v *fieldView) datePartAttrs(a *htmlWriter, i int) {
	class := "eingabe eingabe-tag"
	if i == 2 {
		class = "eingabe eingabe-jahr"
	}
	a.attr("class", class)
	a.attr("type", "text")
	a.attr("inputmode", "numeric")
	a.attr("id", v.DateParts[i].ID)
	a.attr("name", v.Name)
	a.attr("value", v.DateParts[i].Value)
	if v.Autocomplete == "bday" {
		a.attr("autocomplete", [...]string{"bday-day", "bday-month", "bday-year"}[i])
	}
	if v.Error != "" {
		a.attr("aria-invalid", "true")
	}
	a.flag("readonly", v.ReadOnly)
	a.flag("disabled", v.Disabled)
}

func (b *stepBuilder) choices(v *fieldView, fd *forms.Field, value any) {
	selected := map[string]bool{}
	if list, ok := value.([]any); ok {
		for _, x := range list {
			selected[ChoiceValue(x)] = true
		}
	} else if value != nil {
		selected[ChoiceValue(value)] = true
	}
	v.Choices = make([]choiceView, len(fd.Choices))
	for i, ch := range fd.Choices {
		val := ChoiceValue(ch.Value)
		v.Choices[i] = choiceView{
			ID: v.Base + "-" + strconv.Itoa(i), Value: val,
			Label:    choiceLabel(b.form, fd, ch, b.lang),
			Selected: selected[val],
		}
	}
}

// ChoiceLabel is the label of a choice as the page in lang shows it.
func ChoiceLabel(f *forms.Form, fd *forms.Field, ch forms.Choice, lang string) string {
	return choiceLabel(f, fd, ch, lang)
}

// datalistCache holds the rendered <option> elements of a field with suggestions per language:
// a code list such as Staat has about 200 names, and rendering them for every page view would
// cost more than the rest of the page. Forms do not change once loaded, so the field is the key.
var datalistCache sync.Map // datalistKey → template.HTML

type datalistKey struct {
	field *forms.Field
	lang  string
}

// maxDatalistCache bounds the cache across catalog reloads; it is simply emptied when full.
const maxDatalistCache = 4096

var datalistCount atomic.Int64

// datalistOptions returns the <option> elements of a field's suggestions in the page's language.
func (b *stepBuilder) datalistOptions(fd *forms.Field) template.HTML {
	key := datalistKey{fd, b.lang}
	if h, ok := datalistCache.Load(key); ok {
		return h.(template.HTML)
	}
	var sb strings.Builder
	for _, ch := range fd.Suggestions {
		sb.WriteString(`<option value="`)
		sb.WriteString(html.EscapeString(choiceLabel(b.form, fd, ch, b.lang)))
		sb.WriteString(`"></option>`)
	}
	h := template.HTML(sb.String())
	if datalistCount.Add(1) > maxDatalistCache {
		datalistCache.Clear()
		datalistCount.Store(1)
	}
	datalistCache.Store(key, h)
	return h
}

// choiceLabel translates a choice; Ja/Nein choices that the form does not translate get the
// built-in words.
func choiceLabel(f *forms.Form, fd *forms.Field, ch forms.Choice, lang string) string {
	key := fd.ChoiceKey(ch.Value)
	if lang != "de" {
		if t, ok := f.Translations[lang][key]; ok && t != "" {
			return t
		}
		if bv, ok := ch.Value.(bool); ok {
			if bv {
				return UIText(lang, "choice.yes")
			}
			return UIText(lang, "choice.no")
		}
	}
	return f.T(lang, key, ch.Label)
}

func (b *stepBuilder) repeat(v *fieldView, fd *forms.Field, path string, indices []int, value any) {
	list, _ := value.([]any)
	addLabel := b.optionText(fd, "addLabel", "step.add")
	removeLabel := b.optionText(fd, "removeLabel", "step.remove")
	if fd.ScalarItems {
		b.scalarItems(v, fd, path, indices, list, removeLabel)
		v.CanAdd = !v.Disabled && (fd.MaxItems == nil || forms.ScalarSlots(fd, list) < *fd.MaxItems)
		v.AddLabel = addLabel
		v.AddAction = "add:" + path
		return
	}
	for i := range list {
		idx := append(append([]int(nil), indices...), i)
		itemPath := path + "/" + strconv.Itoa(i)
		item := &itemView{
			ID:           "f" + escapeID(itemPath),
			Legend:       forms.ItemTitle(b.form, fd, i, list[i], b.lang),
			Children:     b.nodes(fd.Children, idx, v.Disabled),
			CanRemove:    !v.Disabled && (fd.MinItems == nil || len(list) > *fd.MinItems),
			RemoveLabel:  removeLabel,
			RemoveAction: "remove:" + itemPath,
			Disabled:     v.Disabled,
		}
		if b.anchors != nil {
			b.anchors[itemPath] = item.ID
		}
		v.Items = append(v.Items, item)
	}
	v.CanAdd = !v.Disabled && (fd.MaxItems == nil || len(list) < *fd.MaxItems)
	v.AddLabel = addLabel
	v.AddAction = "add:" + path
}

// scalarItems renders the items of a list of plain values: one input per item, labelled
// with the item's name and number, each with its remove button; an empty list shows one
// empty input.
func (b *stepBuilder) scalarItems(v *fieldView, fd *forms.Field, path string, indices []int, list []any, removeLabel string) {
	if len(fd.Children) != 1 || fd.Children[0].Field == nil {
		return
	}
	itemField := fd.Children[0].Field
	v.IsScalarList = true
	for i := range forms.ScalarSlots(fd, list) {
		idx := append(append([]int(nil), indices...), i)
		itemPath := path + "/" + strconv.Itoa(i)
		fv := b.field(itemField, idx, v.Disabled)
		fv.Label = forms.ItemLabel(b.form, fd, i, b.lang)
		fv.Required = false // the list's legend carries the mark
		fv.Hint, fv.HintID = "", ""
		fv.DescribedBy = strings.TrimSpace(fv.FormatHintID + " " + fv.ErrorID)
		item := &itemView{
			ID: fv.ID, Legend: fv.Label, Field: fv,
			CanRemove:    !v.Disabled && i < len(list) && (fd.MinItems == nil || len(list) > *fd.MinItems),
			RemoveLabel:  removeLabel,
			RemoveAction: "remove:" + itemPath,
		}
		v.Items = append(v.Items, item)
	}
}

// optionText is an author's button text from the layout options, translated, or the
// built-in text.
func (b *stepBuilder) optionText(fd *forms.Field, option, builtin string) string {
	s, _ := fd.Options[option].(string)
	if s == "" {
		return UIText(b.lang, builtin)
	}
	if b.lang == "de" {
		return s
	}
	if t, ok := b.form.Translations[b.lang][fd.Key+"."+option]; ok && t != "" {
		return t
	}
	return UIText(b.lang, builtin)
}

// RuleState is the state of one element of a page that a rule shows, hides, enables or
// disables; the browser script applies it by element id.
type RuleState struct {
	ID       string `json:"id"`
	Hidden   bool   `json:"hidden"`
	Disabled bool   `json:"disabled"`
}

// RuleStates lists the states of the elements of page i that carry a rule, for data with
// visibility vis. The ids are those of the rendered step page.
func RuleStates(form *forms.Form, i int, data any, vis *forms.Visibility) []RuleState {
	if i < 0 || i >= len(form.Pages) {
		return nil
	}
	out := []RuleState{}
	var walk func(nodes []*forms.Node, indices []int)
	walk = func(nodes []*forms.Node, indices []int) {
		for _, n := range nodes {
			if hasRule(n) {
				out = append(out, RuleState{ID: wrapID(n, indices), Hidden: !vis.NodeVisible(n, indices), Disabled: !vis.NodeEnabled(n, indices)})
			}
			if n.Field == nil {
				walk(n.Children, indices)
				continue
			}
			switch n.Field.Widget {
			case forms.WidgetGroup:
				walk(n.Field.Children, indices)
			case forms.WidgetRepeat:
				v, _ := forms.Lookup(data, n.Field.Path, indices)
				list, _ := v.([]any)
				for k := range list {
					walk(n.Field.Children, append(append([]int(nil), indices...), k))
				}
			}
		}
	}
	walk(form.Pages[i].Nodes, nil)
	return out
}

func hasRule(n *forms.Node) bool {
	return n.Rule != nil || n.Field != nil && n.Field.Rule != nil
}

// wrapID is the id of the element around a node with a rule.
func wrapID(n *forms.Node, indices []int) string {
	if n.Field != nil {
		return "b" + escapeID(forms.ConcretePath(n.Field.Path, indices))
	}
	id := "n" + escapeID(n.Pointer)
	for i, x := range indices {
		if i == 0 {
			id += "-"
		} else {
			id += "."
		}
		id += strconv.Itoa(x)
	}
	return id
}

// escapeID turns a JSON pointer into a part of an HTML id: letters and digits stay, "/"
// becomes ".", every other byte "_" and two hex digits. The result never contains "-", so
// suffixes like "-hinweis" cannot collide with another field's id.
func escapeID(path string) string {
	var b strings.Builder
	b.Grow(len(path) + 4)
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '/':
			b.WriteByte('.')
		default:
			fmt.Fprintf(&b, "_%02x", c)
		}
	}
	return b.String()
}

// FieldID returns the id of the input of the field at a concrete path, as rendered (the
// first option for radio and checkbox groups).
func FieldID(form *forms.Form, path string) string {
	id := "f" + escapeID(path)
	if fd := form.Field(path); fd != nil && (fd.Widget == forms.WidgetRadio || fd.Widget == forms.WidgetCheckboxes) {
		id += "-0"
	}
	return id
}

// errorOwner returns the path of the field an error at path is shown at: the nearest
// enclosing path that names a field.
func errorOwner(f *forms.Form, path string) string {
	for p := path; p != ""; p = parentPath(p) {
		if f.Field(p) != nil {
			return p
		}
	}
	return path
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return ""
}

// rulesByForm caches, per form and page, the field paths that rules on the page depend on.
var rulesByForm sync.Map // *forms.Form → []map[string]bool

func ruleSources(f *forms.Form) []map[string]bool {
	if v, ok := rulesByForm.Load(f); ok {
		return v.([]map[string]bool)
	}
	out := make([]map[string]bool, len(f.Pages))
	var cond func(c *forms.Condition, set map[string]bool)
	cond = func(c *forms.Condition, set map[string]bool) {
		if c == nil {
			return
		}
		if c.Path != "" {
			set[c.Path] = true
		}
		for _, sub := range c.Conditions {
			cond(sub, set)
		}
	}
	var walk func(nodes []*forms.Node, set map[string]bool)
	walk = func(nodes []*forms.Node, set map[string]bool) {
		for _, n := range nodes {
			if n.Rule != nil {
				cond(n.Rule.Condition, set)
			}
			if n.Field != nil {
				if n.Field.Rule != nil {
					cond(n.Field.Rule.Condition, set)
				}
				walk(n.Field.Children, set)
			}
			walk(n.Children, set)
		}
	}
	for i, p := range f.Pages {
		out[i] = map[string]bool{}
		walk(p.Nodes, out[i])
	}
	rulesByForm.Store(f, out)
	return out
}

// ChoiceValue is the value attribute of a choice's option: how the browser sends it back.
func ChoiceValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// dateParts fills the day, month and year inputs of a date field from a stored ISO date, or
// from what was typed ("31.2.2026" stays as typed).
func (b *stepBuilder) dateParts(v *fieldView, s string) {
	v.IsDateParts = true
	v.FormatHint = UIText(b.lang, "step.datePartsHint")
	var day, month, year string
	if isISODate(s) {
		year, month, day = s[0:4], s[5:7], s[8:10]
	} else if parts := strings.Split(s, "."); len(parts) == 3 {
		day, month, year = parts[0], parts[1], parts[2]
	}
	v.DateParts = []datePartView{
		{ID: v.Base, Label: UIText(b.lang, "step.day"), Value: day},
		{ID: v.Base + "-monat", Label: UIText(b.lang, "step.month"), Value: month},
		{ID: v.Base + "-jahr", Label: UIText(b.lang, "step.year"), Value: year},
	}
}

// germanDate shows a stored ISO date as TT.MM.JJJJ; anything else as it is.
func germanDate(s string) string {
	if isISODate(s) {
		return s[8:10] + "." + s[5:7] + "." + s[0:4]
	}
	return s
}

// shortTime shows a stored time HH:MM:SS as HH:MM when the seconds are zero.
func shortTime(s string) string {
	if len(s) == 8 && strings.HasSuffix(s, ":00") && s[2] == ':' {
		return s[:5]
	}
	return s
}

// germanDateTime shows a stored RFC 3339 date and time in Europe/Berlin as
// "TT.MM.JJJJ HH:MM"; anything else as it is.
func germanDateTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(htmlBerlin).Format("02.01.2006 15:04")
}

func firstText(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case map[string]any, []any:
		return ""
	}
	return fmt.Sprint(v)
}

func isISODate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// ---------------------------------------------------------------- review

type reviewView struct {
	Title, Intro, FormTitle string
	Sections                []reviewSection
	SubmitAction            string
	SaveAction              string
	CSRF                    string
	Authority               string
	RemoveFileAction        string
	Notice                  string
	Municipality            string
}

type reviewSection struct {
	ID, Title, EditURL string
	Blocks             []reviewBlock
}

// reviewBlock is a heading (for a group or list item) or a run of answers.
type reviewBlock struct {
	Heading string
	Level   int // 3 … 6
	Answers []reviewAnswer
}

type reviewAnswer struct {
	Label, Value string
	Empty        bool
	Files        []fileItemView // the uploaded files of an attachment field
}

// Review renders the review page ("Angaben prüfen").
func (h *HTML) Review(w io.Writer, p *ReviewPage) error {
	lang := normLang(p.Lang)
	f := p.Form
	v := &reviewView{
		Title: UIText(lang, "review.title"), Intro: UIText(lang, "review.intro"),
		FormTitle:    f.T(lang, "form.title", f.Manifest.Title),
		SubmitAction: p.SubmitAction, SaveAction: p.SaveAction, CSRF: p.CSRF,
		Authority: authorityOf(f, p.Authority).Name, RemoveFileAction: p.RemoveFileAction,
		Municipality: municipalityLine(lang, p.Authority),
	}
	if p.Notice != "" {
		v.Notice = UIText(lang, p.Notice)
	}
	empty := UIText(lang, "review.empty")
	for _, pa := range f.Answers(p.Data, lang) {
		sec := reviewSection{ID: "abschnitt-" + strconv.Itoa(pa.Page.Index+1), Title: pa.Title}
		if p.StepURL != nil {
			sec.EditURL = p.StepURL(pa.Page.Index)
		}
		var cur *reviewBlock
		for _, a := range pa.Items {
			if a.Heading {
				sec.Blocks = append(sec.Blocks, reviewBlock{Heading: a.Label, Level: min(3+a.Depth, 6)})
				cur = nil
				continue
			}
			if cur == nil {
				sec.Blocks = append(sec.Blocks, reviewBlock{})
				cur = &sec.Blocks[len(sec.Blocks)-1]
			}
			ans := reviewAnswer{Label: a.Label, Value: a.Value}
			if a.Field != nil && a.Field.Widget == forms.WidgetFile {
				value, _ := forms.Lookup(p.Data, a.Path, nil)
				ans.Files = fileItems(p.Files, a.Path, value, lang)
			}
			if a.Value == "" {
				ans.Value, ans.Empty = empty, true
			}
			cur.Answers = append(cur.Answers, ans)
		}
		v.Sections = append(v.Sections, sec)
	}
	return h.execute(w, "review", h.frame(p.Common, v.Title+" – "+v.FormTitle, false, v))
}

// ---------------------------------------------------------------- confirmation, resume, error

type confirmationView struct {
	Title, FormTitle, Reference, Received string
	ReceiptURL, TokenURL, HomeURL         string
	NextSteps, Contact, Municipality      string
}

// Confirmation renders the confirmation page of a submission.
func (h *HTML) Confirmation(w io.Writer, p *ConfirmationPage) error {
	lang := normLang(p.Lang)
	f := p.Form
	at := p.SubmittedAt.In(htmlBerlin)
	v := &confirmationView{
		Title: UIText(lang, "done.title"), FormTitle: f.T(lang, "form.title", f.Manifest.Title),
		Reference: p.Reference,
		Received: UIText(lang, "done.received", at.Format(UIText(lang, "done.dateFormat")),
			at.Format(UIText(lang, "done.timeFormat")), authorityOf(f, p.Authority).Name),
		ReceiptURL: p.ReceiptURL, TokenURL: p.TokenURL, HomeURL: p.HomeURL,
		NextSteps: f.T(lang, "form.nextSteps", f.Manifest.NextSteps),
	}
	a := authorityOf(f, p.Authority)
	v.Municipality = municipalityLine(lang, p.Authority)
	contact := a.Name
	if a.Email != "" {
		contact += ", " + a.Email
	}
	if a.Phone != "" {
		contact += ", " + a.Phone
	}
	v.Contact = UIText(lang, "done.contact", contact)
	return h.execute(w, "confirmation", h.frame(p.Common, v.Title+" – "+v.FormTitle, false, v))
}

type savedView struct {
	Title, FormTitle, Code, Link, Valid, ContinueURL string
}

// Saved renders the page with a resume code.
func (h *HTML) Saved(w io.Writer, p *SavedPage) error {
	lang := normLang(p.Lang)
	v := &savedView{
		Title: UIText(lang, "saved.title"), Code: p.Code, Link: p.Link, ContinueURL: p.ContinueURL,
		Valid: UIText(lang, "saved.valid", p.Expires.In(htmlBerlin).Format(UIText(lang, "saved.dateTime"))),
	}
	if p.Form != nil {
		v.FormTitle = p.Form.T(lang, "form.title", p.Form.Manifest.Title)
	}
	return h.execute(w, "saved", h.frame(p.Common, v.Title, false, v))
}

type resumeView struct {
	Action, CSRF, Code, Error, SummaryTitle string
}

// Resume renders the page that asks for a resume code.
func (h *HTML) Resume(w io.Writer, p *ResumePage) error {
	lang := normLang(p.Lang)
	v := &resumeView{Action: p.Action, CSRF: p.CSRF, Code: p.Code}
	if p.Error != "" {
		v.Error = UIText(lang, p.Error)
		v.SummaryTitle = UIText(lang, "errors.one")
	}
	return h.execute(w, "resume", h.frame(p.Common, UIText(lang, "resume.title"), v.Error != "", v))
}

type errorView struct {
	Title, Text, Reference, LinkURL, LinkText string
}

// Error renders an error page.
func (h *HTML) Error(w io.Writer, p *ErrorPage) error {
	lang := normLang(p.Lang)
	status := strconv.Itoa(p.Status)
	title, text := p.Title, p.Text
	if title == "" {
		title = "error." + status + ".title"
	}
	if text == "" {
		text = "error." + status + ".text"
	}
	if _, ok := uiTexts[title]; !ok {
		title = "error.500.title"
	}
	if _, ok := uiTexts[text]; !ok {
		text = "error.500.text"
	}
	v := &errorView{Title: UIText(lang, title), Text: UIText(lang, text, p.TextArgs...), LinkURL: p.LinkURL, LinkText: p.LinkText}
	if p.Status == 500 && p.RequestID != "" {
		v.Title = UIText(lang, "error.500.reference", p.RequestID)
	} else if p.RequestID != "" && p.Status >= 500 {
		v.Reference = UIText(lang, "error.reference", p.RequestID)
	}
	if v.LinkURL == "" {
		v.LinkURL = "/"
	}
	if v.LinkText == "" {
		v.LinkText = "error.back"
	}
	v.LinkText = UIText(lang, v.LinkText)
	return h.execute(w, "error", h.frame(p.Common, v.Title, false, v))
}
