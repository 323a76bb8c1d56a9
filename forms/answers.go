package forms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PageAnswers are the visible answers of one page.
type PageAnswers struct {
	Page  *Page
	Title string // translated page title
	Items []Answer
}

// Answer is one line of a review page or receipt: a field's label and display value, or a
// heading for a group or list item.
type Answer struct {
	Path    string // concrete JSON pointer, e.g. "/hunde/0/name"
	Label   string // as the citizen saw it (translated)
	Value   string // display value; "" when empty
	Depth   int    // nesting depth for indentation (0 = top level)
	Heading bool   // a heading line (group legend, "Hund 1"): Label only
	Field   *Field // nil for group headings
	Indices []int  // the list item indices the line belongs to
}

// Answers returns the visible answers of data, grouped by page, in layout order, with labels
// and display values in lang. Hidden pages and fields are left out; data should be pruned.
func (f *Form) Answers(data any, lang string) []PageAnswers {
	vis := f.Evaluate(data)
	var out []PageAnswers
	for _, p := range f.Pages {
		if !vis.PageVisible(p.Index) {
			continue
		}
		pa := PageAnswers{Page: p, Title: f.T(lang, p.TitleKey(), p.Title)}
		w := answerWalker{form: f, vis: vis, data: data, lang: lang}
		w.nodes(p.Nodes, nil, 0)
		pa.Items = w.items
		out = append(out, pa)
	}
	return out
}

type answerWalker struct {
	form  *Form
	vis   *Visibility
	data  any
	lang  string
	items []Answer
}

func (w *answerWalker) nodes(nodes []*Node, indices []int, depth int) {
	for _, n := range nodes {
		if !w.vis.NodeVisible(n, indices) {
			continue
		}
		switch n.Kind {
		case NodeLabel:
			continue // explanatory text, not an answer
		case NodeGroup:
			w.items = append(w.items, Answer{Label: w.form.T(w.lang, n.TextKey(), n.Label), Depth: depth, Heading: true, Indices: indices})
			w.nodes(n.Children, indices, depth+1)
		case NodeField:
			w.field(n.Field, indices, depth)
		default:
			w.nodes(n.Children, indices, depth)
		}
	}
}

func (w *answerWalker) field(fd *Field, indices []int, depth int) {
	path := concrete(fd.Path, indices)
	label := w.form.T(w.lang, fd.LabelKey(), fd.Label)
	switch fd.Widget {
	case WidgetGroup:
		w.items = append(w.items, Answer{Path: path, Label: label, Depth: depth, Heading: true, Field: fd, Indices: indices})
		w.nodes(fd.Children, indices, depth+1)
		return
	case WidgetRepeat:
		v, _ := Lookup(w.data, fd.Path, indices)
		list, _ := v.([]any)
		if fd.ScalarItems && len(fd.Children) == 1 {
			item := fd.Children[0].Field
			var parts []string
			for _, x := range list {
				if s := w.form.DisplayValue(item, x, w.lang); s != "" {
					parts = append(parts, s)
				}
			}
			w.items = append(w.items, Answer{Path: path, Label: label, Value: strings.Join(parts, ", "), Depth: depth, Field: fd, Indices: indices})
			return
		}
		if len(list) == 0 {
			w.items = append(w.items, Answer{Path: path, Label: label, Depth: depth, Field: fd, Indices: indices})
			return
		}
		for i := range list {
			idx := append(append([]int(nil), indices...), i)
			w.items = append(w.items, Answer{Path: path + "/" + strconv.Itoa(i), Label: ItemTitle(w.form, fd, i, list[i], w.lang), Depth: depth, Heading: true, Field: fd, Indices: idx})
			w.nodes(fd.Children, idx, depth+1)
		}
		return
	}
	v, _ := Lookup(w.data, fd.Path, indices)
	w.items = append(w.items, Answer{Path: path, Label: label, Value: w.form.DisplayValue(fd, v, w.lang), Depth: depth, Field: fd, Indices: indices})
}

// ScalarSlots is the number of inputs shown for the list fd holding list: one per item, and
// for a list of plain values at least one, and at least minItems, so that the values the list
// needs can be typed without "Hinzufügen" (a list of objects gets its minItems empty items from
// the engine; a list of plain values keeps only what was typed, so its empty slots are inputs).
func ScalarSlots(fd *Field, list []any) int {
	if !fd.ScalarItems {
		return len(list)
	}
	n := max(len(list), 1)
	if fd.MinItems != nil {
		n = max(n, *fd.MinItems)
	}
	return n
}

// ItemTitle names item i of a repeatable group holding item: its ItemLabel ("Hund 1"),
// followed by the value of the property that options.elementLabelProp (or labelRef,
// "#/items/properties/name") names, when that has one ("Hund 1: Bello"). The number stays, so
// that an item without the value still has a name.
func ItemTitle(f *Form, fd *Field, i int, item any, lang string) string {
	base := ItemLabel(f, fd, i, lang)
	prop := fd.OptionString("elementLabelProp")
	if prop == "" {
		ref := fd.OptionString("labelRef")
		prop = ref[strings.LastIndexByte(ref, '/')+1:]
	}
	obj, _ := item.(map[string]any)
	if prop == "" || obj == nil {
		return base
	}
	var v string
	switch x := obj[prop].(type) {
	case string:
		v = strings.TrimSpace(x)
	case json.Number, float64, int64:
		v = FormatNumber(x, lang)
	}
	if v == "" {
		return base
	}
	return base + ": " + v
}

// ItemLabel names item i of a repeatable group: options.itemLabel (e.g. "Hund") or the field's
// label, followed by the 1-based number.
func ItemLabel(f *Form, fd *Field, i int, lang string) string {
	base, _ := fd.Options["itemLabel"].(string)
	if base != "" {
		base = f.T(lang, fd.Key+".itemLabel", base)
	} else {
		base = f.T(lang, fd.LabelKey(), fd.Label)
	}
	return base + " " + strconv.Itoa(i+1)
}

// DisplayValue formats a value the way a citizen reads it: choice labels, "Ja"/"Nein", German
// dates and decimal commas (in German). Empty values give "".
func (f *Form) DisplayValue(fd *Field, v any, lang string) string {
	if v == nil {
		return ""
	}
	if fd.Widget == WidgetFile {
		// The value holds attachment ids; the files are listed with their names apart.
		return fileCount(len(AttachmentIDs(v)), lang)
	}
	if list, ok := v.([]any); ok {
		var parts []string
		for _, item := range list {
			if s := f.DisplayValue(fd, item, lang); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	for _, ch := range fd.Choices {
		if jsonEqual(ch.Value, v) {
			return f.T(lang, fd.ChoiceKey(ch.Value), ch.Label)
		}
	}
	switch x := v.(type) {
	case bool:
		if lang == "en" {
			return map[bool]string{true: "Yes", false: "No"}[x]
		}
		return map[bool]string{true: "Ja", false: "Nein"}[x]
	case string:
		if fd.Widget == WidgetTime {
			if len(x) == 8 && strings.HasSuffix(x, ":00") {
				return x[:5]
			}
			return x
		}
		if fd.Widget == WidgetDateTime {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
					t = t.In(loc)
				}
				if lang == "en" {
					return t.Format("2 January 2006, 15:04")
				}
				return t.Format("02.01.2006, 15:04")
			}
			return x
		}
		if fd.Format == "date" || fd.Widget == WidgetDate {
			if t, err := time.Parse(time.DateOnly, x); err == nil {
				if lang == "en" {
					return t.Format("2 January 2006")
				}
				return t.Format("02.01.2006")
			}
		}
		return x
	case json.Number, float64, int, int64:
		return FormatNumber(v, lang)
	case map[string]any:
		return ""
	}
	return fmt.Sprint(v)
}

// FormatNumber writes a number with a decimal comma in German ("1234,5") and a point in English.
func FormatNumber(v any, lang string) string {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// fileCount says how many files an attachment field holds: "1 Datei", "2 Dateien"; "" for none.
func fileCount(n int, lang string) string {
	switch {
	case n == 0:
		return ""
	case lang == "en" && n == 1:
		return "1 file"
	case lang == "en":
		return strconv.Itoa(n) + " files"
	case n == 1:
		return "1 Datei"
	}
	return strconv.Itoa(n) + " Dateien"
}
