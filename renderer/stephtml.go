package renderer

import (
	"bytes"
)

// The fields of a step page are written by Go code rather than by html/template: a step
// holds dozens of fields, and executing a template costs a reflective field lookup and an
// escaper call per action, which made rendering the larger part of a step request. The
// markup is exactly what the reference templates testdata/step.html and fields.html produce
// for the same view (TestStepHTMLMatchesTemplate renders every step of the example forms
// both ways); change both together.

// htmlWriter collects the markup of a page.
type htmlWriter struct{ *bytes.Buffer }

// raw writes markup as it is.
func (w *htmlWriter) raw(s string) { w.WriteString(s) }

// text writes s escaped for HTML text and quoted attribute values, exactly as html/template
// escapes a string there: NUL, quotes, &, +, < and >.
func (w *htmlWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(repl)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// attr writes ` name="value"` with the value escaped.
func (w *htmlWriter) attr(name, value string) {
	w.WriteByte(' ')
	w.WriteString(name)
	w.WriteString(`="`)
	w.text(value)
	w.WriteByte('"')
}

// flag writes ` name` when on.
func (w *htmlWriter) flag(name string, on bool) {
	if on {
		w.WriteByte(' ')
		w.WriteString(name)
	}
}

// wrapAttrs writes the id and hidden attribute of a layout element a rule shows and hides.
func (w *htmlWriter) wrapAttrs(v *nodeView) {
	if v.WrapID != "" {
		w.attr("id", v.WrapID)
	}
	w.flag("hidden", v.Hidden)
}

// stepContent writes the content of a step page: the form with its buttons, the error
// summary and the fields.
func (w *htmlWriter) stepContent(f *frame, v *stepView) {
	w.raw("\n" + `<form class="schritt" method="post" action="`)
	w.url(v.Action)
	w.raw(`"`)
	w.flag(`enctype="multipart/form-data"`, v.Multipart)
	w.raw(" novalidate")
	if v.VisibilityURL != "" {
		w.attr("data-sichtbarkeit", v.VisibilityURL)
	}
	w.raw(">\n" + `<input type="hidden" name="_csrf" value="`)
	w.text(v.CSRF)
	w.raw("\">\n" + `<input type="hidden" name="_js" value="">` + "\n")
	if v.ReturnToReview {
		w.raw(`<input type="hidden" name="_zurueck" value="pruefen">`)
	}
	w.raw("\n" + `<button type="submit" name="_action" value="weiter" class="standardknopf" hidden tabindex="-1">`)
	w.text(v.NextLabel)
	w.raw("</button>\n")
	if v.HasPrevious {
		w.raw(`<button type="submit" name="_action" value="zurueck" class="zuruecklink">`)
		w.text(f.T("step.back"))
		w.raw("</button>\n")
	}
	w.raw(`<p class="kontext">`)
	w.text(v.FormTitle)
	w.raw(` <span class="kontext-trenner" aria-hidden="true">·</span> `)
	w.text(v.StepText)
	w.raw("</p>\n<h1>")
	w.text(v.PageTitle)
	w.raw("</h1>\n")
	if len(v.Summary) > 0 {
		w.raw(`<div class="fehlerliste" id="fehler" role="alert" tabindex="-1" aria-labelledby="fehler-titel">` + "\n" + `<h2 id="fehler-titel">`)
		w.text(v.SummaryTitle)
		w.raw("</h2>\n<ul>")
		for _, item := range v.Summary {
			w.raw("\n<li>")
			if item.Href != "" {
				w.raw(`<a href="`)
				w.url(item.Href)
				w.raw(`">`)
				w.text(item.Message)
				w.raw(`</a>`)
			} else {
				w.text(item.Message)
			}
			w.raw("</li>")
		}
		w.raw("\n</ul>\n</div>\n")
	}
	if v.Notice != "" {
		w.raw(`<div class="hinweisbox" role="status"><p>`)
		w.text(v.Notice)
		w.raw("</p></div>\n")
	}
	w.raw(`<p class="pflichthinweis">`)
	w.text(f.T("step.required"))
	w.raw("</p>\n")
	w.nodes(v.Nodes)
	w.raw("\n" + `<div class="aktionen">` + "\n" + `<button type="submit" name="_action" value="weiter" class="knopf">`)
	w.text(v.NextLabel)
	w.raw("</button>\n" + `<button type="submit" name="_action" value="speichern" class="knopf knopf-link">`)
	w.text(f.T("step.save"))
	w.raw("</button>\n</div>\n</form>\n")
}

func (w *htmlWriter) nodes(nodes []*nodeView) {
	for _, n := range nodes {
		w.node(n)
	}
}

func (w *htmlWriter) node(v *nodeView) {
	switch {
	case v.IsField:
		if v.WrapID != "" {
			w.raw(`<div class="regel"`)
			w.wrapAttrs(v)
			w.raw(`>`)
			w.field(v.Field)
			w.raw(`</div>`)
		} else {
			w.field(v.Field)
		}
		w.raw("\n")
	case v.IsGroup:
		w.raw(`<fieldset class="gruppe"`)
		w.wrapAttrs(v)
		w.flag("disabled", v.Disabled)
		w.raw(">\n<legend")
		if v.LegendHidden {
			w.raw(` class="sr"`)
		}
		w.raw(">")
		w.text(v.Legend)
		w.raw("</legend>\n")
		w.nodes(v.Children)
		w.raw("</fieldset>\n")
	case v.IsHorizontal:
		w.layoutDiv("reihe", v)
	case v.IsLabel:
		w.raw(`<p class="text"`)
		w.wrapAttrs(v)
		w.raw(">")
		w.text(v.Text)
		w.raw("</p>\n")
	case v.IsCopy:
		w.raw(`<p class="feld kopie"`)
		w.wrapAttrs(v)
		w.raw(`><span class="kopie-beschriftung">`)
		w.text(v.CopyLabel)
		w.raw(":</span> ")
		w.text(v.CopyValue)
		w.raw("</p>\n")
	default:
		w.layoutDiv("spalte", v)
	}
}

// layoutDiv writes a layout of the node's children: a row ("reihe") or a column ("spalte").
func (w *htmlWriter) layoutDiv(class string, v *nodeView) {
	w.raw(`<div class="` + class + `"`)
	w.wrapAttrs(v)
	w.raw(">\n")
	w.nodes(v.Children)
	w.raw("</div>\n")
}

// mark writes the required mark after a label or legend.
func (w *htmlWriter) mark(v *fieldView) {
	if !v.Required {
		return
	}
	if v.HideMark {
		w.raw(`<span class="sr"> `)
		w.text(v.T.RequiredMark)
		w.raw(`</span>`)
		return
	}
	w.raw(`<span class="pflicht"><span aria-hidden="true">*</span><span class="sr"> `)
	w.text(v.T.RequiredMark)
	w.raw(`</span></span>`)
}

func (w *htmlWriter) hint(v *fieldView) {
	if v.Hint != "" {
		w.raw(`<p class="hinweis" id="`)
		w.text(v.HintID)
		w.raw(`">`)
		w.text(v.Hint)
		w.raw(`</p>`)
	}
}

func (w *htmlWriter) fieldError(v *fieldView) {
	if v.Error != "" {
		w.raw(`<p class="feldfehler" id="`)
		w.text(v.ErrorID)
		w.raw(`"><span class="sr">`)
		w.text(v.T.ErrorPrefix)
		w.raw(` </span>`)
		w.text(v.Error)
		w.raw(`</p>`)
	}
}

// hintError writes the hint, the format hint and the error message of a field.
func (w *htmlWriter) hintError(v *fieldView) {
	w.hint(v)
	if v.FormatHint != "" {
		w.raw(`<p class="hinweis" id="`)
		w.text(v.FormatHintID)
		w.raw(`">`)
		w.text(v.FormatHint)
		w.raw(`</p>`)
	}
	w.fieldError(v)
}

// refresh writes the button that re-renders the page when a rule depends on the field.
func (w *htmlWriter) refresh(v *fieldView) {
	if !v.Source {
		return
	}
	w.raw(`<div class="aktualisieren"><button type="submit" name="_action" value="refresh" class="knopf knopf-sekundaer knopf-klein">`)
	w.text(v.T.Refresh)
	w.raw(`</button> <span class="aktualisieren-text">`)
	w.text(v.T.RefreshHint)
	w.raw(`</span></div>`)
}

// open writes the start tag of a field's container: `<tag class="class[ feld-fehler]"`,
// left open for further attributes.
func (w *htmlWriter) open(tag, class string, v *fieldView) {
	w.raw("<" + tag + ` class="` + class)
	if v.Error != "" {
		w.raw(" feld-fehler")
	}
	w.raw(`"`)
}

// legend writes the legend of a fieldset-shaped field, then its hint and error.
func (w *htmlWriter) legend(v *fieldView) {
	w.raw("<legend")
	if v.LabelHidden {
		w.raw(` class="sr"`)
	}
	w.raw(">")
	w.text(v.Label)
	w.mark(v)
	w.raw("</legend>\n")
	w.hintError(v)
	w.raw("\n")
}

// label writes the label element of a single control.
func (w *htmlWriter) label(v *fieldView) {
	w.raw(`<label for="`)
	w.text(v.ID)
	w.raw(`"`)
	if v.LabelHidden {
		w.raw(` class="sr"`)
	}
	w.raw(">")
	w.text(v.Label)
	w.mark(v)
	w.raw("</label>")
}

// control writes the start tag of a field's input, select or textarea.
func (w *htmlWriter) control(tag string, v *fieldView) {
	w.raw("<" + tag)
	v.controlAttrs(w)
	w.raw(">")
}

// removeButton writes the button that removes a list entry or a file.
func (w *htmlWriter) removeButton(action, class, label, name string) {
	w.raw(`<button type="submit" name="_action" value="`)
	w.text(action)
	w.raw(`" class="` + class + `">`)
	w.text(label)
	w.raw(`<span class="sr"> (`)
	w.text(name)
	w.raw(`)</span></button>`)
}

func (w *htmlWriter) field(v *fieldView) {
	switch {
	case v.IsGroup:
		w.open("fieldset", "gruppe", v)
		w.attr("id", v.ID)
		if v.DescribedBy != "" {
			w.attr("aria-describedby", v.DescribedBy)
		}
		w.flag("disabled", v.Disabled)
		w.raw(">\n")
		w.legend(v)
		w.nodes(v.Children)
		w.raw("</fieldset>\n")
	case v.IsRepeat:
		w.repeat(v)
	case v.IsOptions:
		w.open("fieldset", "feld auswahl", v)
		w.flag("data-regelquelle", v.Source)
		if v.DescribedBy != "" {
			w.attr("aria-describedby", v.DescribedBy)
		}
		w.raw(">\n")
		w.legend(v)
		w.raw(`<div class="optionen`)
		if v.Horizontal {
			w.raw(" optionen-nebeneinander")
		}
		w.raw(`">`)
		for i := range v.Choices {
			ch := &v.Choices[i]
			w.raw("\n" + `<div class="option">`)
			w.raw("<input")
			v.choiceAttrs(w, i)
			w.raw(">")
			w.raw(`<label for="`)
			w.text(ch.ID)
			w.raw(`">`)
			w.text(ch.Label)
			w.raw(`</label></div>`)
		}
		w.raw("\n</div>\n")
		w.refresh(v)
		w.raw("</fieldset>\n")
	case v.IsFile:
		w.file(v)
	case v.IsDateParts:
		w.open("fieldset", "feld datum", v)
		w.flag("data-regelquelle", v.Source)
		if v.DescribedBy != "" {
			w.attr("aria-describedby", v.DescribedBy)
		}
		w.raw(">\n")
		w.legend(v)
		w.raw(`<div class="datum-teile">`)
		for i := range v.DateParts {
			p := &v.DateParts[i]
			w.raw(`<div class="datum-teil"><label for="`)
			w.text(p.ID)
			w.raw(`">`)
			w.text(p.Label)
			w.raw(`</label>`)
			w.raw("<input")
			v.datePartAttrs(w, i)
			w.raw(">")
			w.raw(`</div>`)
		}
		w.raw("</div>\n")
		w.refresh(v)
		w.raw("</fieldset>\n")
	case v.IsCheckbox:
		w.open("div", "feld einzeloption", v)
		w.flag("data-regelquelle", v.Source)
		w.raw(">\n")
		w.fieldError(v)
		w.raw("\n" + `<div class="option">`)
		w.control("input", v)
		w.label(v)
		w.raw("</div>\n")
		w.hint(v)
		w.raw("\n")
		w.refresh(v)
		w.raw("</div>\n")
	default:
		w.open("div", "feld", v)
		w.flag("data-regelquelle", v.Source)
		w.raw(">\n")
		w.label(v)
		w.raw("\n")
		w.hintError(v)
		w.raw("\n")
		switch {
		case v.IsTextarea:
			w.control("textarea", v)
			w.text(v.Value)
			w.raw("</textarea>\n")
		case v.IsSelect:
			w.control("select", v)
			w.raw("\n" + `<option value="">`)
			w.text(v.T.SelectPrompt)
			w.raw("</option>")
			for i := range v.Choices {
				ch := &v.Choices[i]
				w.raw("\n")
				w.raw("<option")
				v.choiceAttrs(w, i)
				w.raw(">")
				w.text(ch.Label)
				w.raw("</option>")
			}
			w.raw("\n</select>\n")
		default:
			if v.DateAsText {
				w.raw(`<p class="hinweis">`)
				w.text(v.T.DateFormat)
				w.raw(`</p>`)
			}
			w.control("input", v)
			if v.ListID != "" {
				w.raw(`<datalist id="`)
				w.text(v.ListID)
				w.raw(`">`)
				w.raw(string(v.Suggestions))
				w.raw(`</datalist>`)
			}
			w.raw("\n")
		}
		w.refresh(v)
		w.raw("</div>\n")
	}
}

func (w *htmlWriter) repeat(v *fieldView) {
	w.open("fieldset", "liste", v)
	w.attr("id", v.ID)
	if v.DescribedBy != "" {
		w.attr("aria-describedby", v.DescribedBy)
	}
	w.raw(">\n")
	w.legend(v)
	for _, it := range v.Items {
		if v.IsScalarList {
			w.raw(`<div class="eintrag-wert">`)
			w.field(it.Field)
			if it.CanRemove {
				w.raw(`<div class="eintrag-aktionen">`)
				w.removeButton(it.RemoveAction, "knopf knopf-sekundaer knopf-klein", it.RemoveLabel, it.Legend)
				w.raw(`</div>`)
			}
			w.raw("</div>\n")
			continue
		}
		w.raw(`<fieldset class="eintrag"`)
		w.attr("id", it.ID)
		w.flag("disabled", it.Disabled)
		w.raw(">\n<legend>")
		w.text(it.Legend)
		w.raw("</legend>\n")
		w.nodes(it.Children)
		if it.CanRemove {
			w.raw(`<div class="eintrag-aktionen">`)
			w.removeButton(it.RemoveAction, "knopf knopf-sekundaer", it.RemoveLabel, it.Legend)
			w.raw(`</div>`)
		}
		w.raw("\n</fieldset>\n")
	}
	if v.CanAdd {
		w.raw(`<div class="liste-aktionen"><button type="submit" name="_action" value="`)
		w.text(v.AddAction)
		w.raw(`" class="knopf knopf-sekundaer">`)
		w.text(v.AddLabel)
		w.raw(`</button></div>`)
	}
	w.raw("\n</fieldset>\n")
}

func (w *htmlWriter) file(v *fieldView) {
	w.open("div", "feld datei", v)
	w.raw(">\n")
	w.label(v)
	w.raw("\n")
	w.hintError(v)
	w.raw("\n" + `<p class="hinweis" id="`)
	w.text(v.FileRulesID)
	w.raw(`">`)
	w.text(v.FileRules)
	w.raw("</p>\n")
	if len(v.Files) > 0 {
		w.raw(`<ul class="dateien" aria-label="`)
		w.text(v.ListLabel)
		w.raw(`">`)
		for _, f := range v.Files {
			w.raw("\n" + `<li><span class="datei-name">`)
			w.text(f.Name)
			w.raw(`</span> <span class="datei-groesse">(`)
			w.text(f.Size)
			w.raw(`)</span> `)
			w.removeButton(f.RemoveAction, "knopf knopf-sekundaer knopf-klein", f.RemoveLabel, f.Name)
			w.raw(`</li>`)
		}
		w.raw("\n</ul>\n")
	}
	w.raw(`<div class="datei-auswahl">`)
	w.control("input", v)
	w.raw(` <button type="submit" name="_action" value="upload" class="knopf knopf-sekundaer knopf-klein"`)
	w.flag("disabled", v.Disabled)
	w.raw(">")
	w.text(v.UploadLabel)
	w.raw("</button></div>\n</div>\n")
}
