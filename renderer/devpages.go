package renderer

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// The pages of the author's preview (`ozgform dev`): the form map, the list of a form's
// problems and the preview bar above every page. They are parsed only by NewDevHTML, so that
// serve neither parses nor sends them.

//go:embed devtemplates/*.html
var devTemplateFiles embed.FS

//go:embed devstatic
var devStaticFiles embed.FS

// DevStaticFiles are the script and style sheet of the preview bar (dev.js, dev.css).
func DevStaticFiles() fs.FS {
	sub, err := fs.Sub(devStaticFiles, "devstatic")
	if err != nil {
		panic(err)
	}
	return sub
}

// DevHTML renders the preview's pages in the frame of the portal's pages.
type DevHTML struct {
	html    *HTML
	pages   map[string]*template.Template
	toolbar *template.Template
}

// NewDevHTML parses the preview's templates.
func NewDevHTML(h *HTML) (*DevHTML, error) {
	d := &DevHTML{html: h, pages: map[string]*template.Template{}}
	for _, name := range []string{"dev_map", "dev_problems"} {
		t, err := template.ParseFS(devTemplateFiles, "devtemplates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		d.pages[name] = t
	}
	t, err := template.ParseFS(devTemplateFiles, "devtemplates/dev_toolbar.html")
	if err != nil {
		return nil, fmt.Errorf("template dev_toolbar: %w", err)
	}
	d.toolbar = t
	return d, nil
}

func (d *DevHTML) execute(w io.Writer, name, title string, page any) error {
	f := d.html.frame(Common{Lang: "de"}, title, false, page)
	return writePage(w, f, func(out *htmlWriter) error { return d.pages[name].ExecuteTemplate(out, "content", f) })
}

// FieldAnchor is the id of a field's input on a step page, for links to it ("#f.inhaber.vornamen").
// Array indices in the path may be "*": the first item's field is meant.
func FieldAnchor(path string) string {
	return "f" + escapeID(strings.ReplaceAll(path, "*", "0"))
}

// MapPage is the form map of the preview.
type MapPage struct {
	Map *forms.FormMap
	// FormURL is the form's start page; StepURL the URL of a step (0-based index).
	FormURL string
	StepURL func(i int) string
	// ProblemsURL lists the form's warnings; Warnings is their number.
	ProblemsURL string
	Warnings    int
}

type mapItemView struct {
	forms.MapItem
	Link  string
	Class string
}

type mapStepView struct {
	forms.MapStep
	URL   string
	Items []mapItemView
}

// Map renders the form map.
func (d *DevHTML) Map(w io.Writer, p *MapPage) error {
	v := struct {
		*MapPage
		Steps []mapStepView
	}{MapPage: p}
	for i, st := range p.Map.Steps {
		sv := mapStepView{MapStep: st, URL: p.StepURL(i)}
		for _, it := range st.Items {
			iv := mapItemView{MapItem: it, Class: fmt.Sprintf("karte-tiefe-%d", min(it.Depth, 5))}
			if it.Path != "" {
				iv.Link = sv.URL + "#" + FieldAnchor(it.Path)
			}
			sv.Items = append(sv.Items, iv)
		}
		v.Steps = append(v.Steps, sv)
	}
	return d.execute(w, "dev_map", "Formularkarte: "+p.Map.Title, v)
}

// DevProblem is one finding of check, located for the author: the file as the author opens
// it, and a link to the field or step it concerns, when the form's last working version has
// one.
type DevProblem struct {
	forms.Problem
	// Path is the file's path as given on the command line.
	Path string
	// Link and LinkText lead to the element the problem concerns; empty when unknown.
	Link, LinkText string
}

// Location is "path:line:column".
func (p DevProblem) Location() string {
	if p.Line == 0 {
		return p.Path
	}
	return fmt.Sprintf("%s:%d:%d", p.Path, p.Line, p.Column)
}

// ProblemsPage lists a form folder's errors and warnings in place of the form.
type ProblemsPage struct {
	// Folder is the form folder's path; Title the form's title when known.
	Folder, Title    string
	Errors, Warnings []DevProblem
	// MapURL is the form map, when the form loads.
	MapURL string
}

// Problems renders the list of a form's problems.
func (d *DevHTML) Problems(w io.Writer, p *ProblemsPage) error {
	title := fmt.Sprintf("Fehler im Formular %s", p.Folder)
	if len(p.Errors) == 0 {
		title = fmt.Sprintf("Warnungen zum Formular %s", p.Folder)
	}
	return d.execute(w, "dev_problems", title, p)
}

// Toolbar is the preview bar above every page of the preview.
type Toolbar struct {
	// Generation counts the reloads; the script reloads the page when the server's differs.
	Generation uint64
	// EventsURL is the server-sent event stream of reloads.
	EventsURL string
	// Status says what the last reload found ("3 Formulare geladen, keine Fehler").
	Status string
	// Broken lists the form folders with errors and their problem pages.
	Broken []ToolbarLink
	// MapURL is the current form's map; SampleURL its sample data (JSON) for "Mit
	// Beispieldaten füllen", only on step pages; ReceiptURL the receipt of the submission on
	// its confirmation page.
	MapURL, SampleURL, ReceiptURL string
	// Warnings of the current form, in a panel that does not hide the form.
	Warnings []DevProblem
}

// ToolbarLink is a link in the preview bar.
type ToolbarLink struct{ Text, URL string }

// WriteToolbar renders the preview bar (a div at the end of the page header).
func (d *DevHTML) WriteToolbar(w io.Writer, t *Toolbar) error {
	return d.toolbar.ExecuteTemplate(w, "dev_toolbar.html", t)
}

// DevHead is what the preview adds to the head of every page: its style sheet and script.
const DevHead = `<link rel="stylesheet" href="/_dev/dev.css"><script src="/_dev/dev.js" defer></script>`
