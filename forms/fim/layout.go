package fim

import (
	"regexp"
	"strconv"
	"strings"
)

// Page splitting: a required top-level group with more input fields than maxPageFields is
// spread along its direct children over pages of about pageFields input fields.
const (
	maxPageFields = 20
	pageFields    = 12
)

type obj = map[string]any

// layout builds layout.json: top-level groups become pages, large ones are split.
func (im *importer) layout(root *item) any {
	var pages []any
	var loose []*item
	// Fields at the top level join the page before them; before the first group they make a
	// page of their own.
	flush := func() {
		if len(loose) == 0 {
			return
		}
		if len(pages) == 0 {
			pages = append(pages, im.page("Allgemeine Angaben", loose, "#", nil))
		} else {
			last := pages[len(pages)-1].(obj)
			for _, it := range loose {
				if el := im.element(it, "#"); el != nil {
					last["elements"] = append(last["elements"].([]any), el)
				}
			}
		}
		loose = nil
	}
	kids := root.kids
	for i := 0; i < len(kids); i++ {
		k := kids[i]
		if from := k.hoistedFrom; from != nil {
			flush()
			j := i
			for j < len(kids) && kids[j].hoistedFrom == from {
				j++
			}
			pages = append(pages, im.splitPages(from, kids[i:j])...)
			i = j - 1
			continue
		}
		if !k.group {
			loose = append(loose, k)
			continue
		}
		flush()
		pages = append(pages, im.page(k.title, []*item{k}, "#", nil))
	}
	flush()
	im.res.Report.Pages = len(pages)
	out := obj{"type": "Categorization", "elements": pages}
	if len(root.annot) > 0 {
		out["options"] = obj{"x-fim-rules": root.annot}
	}
	return orderedObj(out)
}

// splitPages spreads the children of a hoisted group over pages of about pageFields fields,
// each titled with the group's title.
func (im *importer) splitPages(g *item, kids []*item) []any {
	var chunks [][]*item
	var cur []*item
	n := 0
	for _, c := range kids {
		if n > 0 && n+c.fields > pageFields {
			chunks = append(chunks, cur)
			cur, n = nil, 0
		}
		cur = append(cur, c)
		n += c.fields
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	var pages []any
	for i, ch := range chunks {
		title := g.title
		if len(chunks) > 1 {
			title += " (" + strconv.Itoa(i+1) + " von " + strconv.Itoa(len(chunks)) + ")"
		}
		var head []any
		if i == 0 && g.hint != "" {
			head = append(head, obj{"type": "Label", "text": g.hint})
		}
		p := im.page(title, ch, "#", head)
		if i == 0 && len(g.annot) > 0 {
			p["options"] = obj{"x-fim-rules": g.annot}
		}
		pages = append(pages, p)
	}
	return pages
}

func (im *importer) page(title string, items []*item, prefix string, head []any) obj {
	els := head
	for _, it := range items {
		if el := im.element(it, prefix); el != nil {
			els = append(els, el)
		}
	}
	if len(els) == 0 {
		els = append(els, obj{"type": "Label", "text": "Auf dieser Seite gibt es nichts auszufüllen."})
	}
	return obj{"type": "Category", "label": title, "elements": els}
}

// element is the layout element of one item; prefix is the scope of its parent object.
func (im *importer) element(it *item, prefix string) any {
	var el obj
	scope := prefix + "/properties/" + it.name
	switch {
	case it.kind == "hidden":
		return nil
	case it.kind == "label":
		el = obj{"type": "Label", "text": it.label}
	case it.max != 1 && it.group:
		var kids []any
		if it.hint != "" {
			kids = append(kids, obj{"type": "Label", "text": it.hint})
		}
		for _, k := range it.kids {
			if e := im.element(k, "#"); e != nil {
				kids = append(kids, e)
			}
		}
		el = obj{"type": "Control", "scope": scope, "options": obj{"detail": obj{"type": "VerticalLayout", "elements": kids}}}
	case it.max != 1:
		el = obj{"type": "Control", "scope": scope} // a list of plain values: one input per entry
	case it.group:
		// The object's own Control with a detail layout: legend and hint come from the schema,
		// and a rule at the Control drops the whole object (its required fields included).
		var kids []any
		if it.choice {
			kids = append(kids, obj{"type": "Label", "text": it.choiceText()})
		}
		for _, k := range it.kids {
			if e := im.element(k, "#"); e != nil {
				kids = append(kids, e)
			}
		}
		if len(kids) == 0 {
			kids = append(kids, obj{"type": "Label", "text": it.title})
		}
		el = obj{"type": "Control", "scope": scope, "options": obj{"detail": obj{"type": "VerticalLayout", "elements": kids}}}
	default:
		el = obj{"type": "Control", "scope": scope}
		if it.schema["type"] == "string" && it.schema["maxLength"] != nil {
			if n, _ := it.schema["maxLength"].(int); n > 200 {
				el["options"] = obj{"multi": true}
			}
		}
	}
	if len(it.annot) > 0 {
		opts, _ := el["options"].(obj)
		if opts == nil {
			opts = obj{}
		}
		opts["x-fim-rules"] = it.annot
		el["options"] = opts
	}
	if rs := it.ruleSpec; rs != nil && rs.show {
		condScope := prefix + "/properties/" + rs.cond.name
		el["rule"] = obj{"effect": "SHOW", "condition": obj{"scope": condScope, "schema": rs.schema()}}
	}
	return el
}

var layoutOrder = []string{"type", "label", "text", "scope", "rule", "options", "elements", "detail", "effect", "condition", "schema", "const", "multi", "x-fim-rules", "id", "name"}

// orderedObj writes layout keys in a readable order.
func orderedObj(v any) any {
	switch x := v.(type) {
	case obj:
		var out ordered
		done := map[string]bool{}
		for _, k := range layoutOrder {
			if val, ok := x[k]; ok {
				out = append(out, kv{k, orderedObj(val)})
				done[k] = true
			}
		}
		for k, val := range x {
			if !done[k] {
				out = append(out, kv{k, orderedObj(val)})
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = orderedObj(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = orderedObj(obj(e))
		}
		return out
	}
	return v
}

var leikaPattern = regexp.MustCompile(`\b99\d{12}\b`)

// manifest builds form.json.
func (im *importer) manifest(sds *node, id string) any {
	rep := &im.res.Report
	version := rep.SchemaVersion
	switch strings.Count(version, ".") {
	case 0:
		version += ".0.0"
	case 1:
		version += ".0"
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(version) {
		version = "1.0.0"
	}
	m := ordered{
		{"id", id},
		{"version", version},
		{"title", rep.Title},
	}
	if s := sds.str("name"); s != "" && s != rep.Title {
		m = append(m, kv{"summary", s})
	}
	m = append(m, kv{"authority", ordered{{"name", "Zuständige Behörde (bitte eintragen)"}}})
	if l := leikaPattern.FindString(sds.str("beschreibung")); l != "" {
		m = append(m, kv{"leika", l})
	} else {
		im.note(NoteWarning, rep.SchemaID, "Kein LeiKa-Schlüssel in der Beschreibung gefunden: bitte in form.json unter „leika“ eintragen.")
	}
	im.note(NoteWarning, rep.SchemaID, "Die zuständige Behörde (authority) und der Datenschutzhinweis (privacyNotice) fehlen in form.json: bitte eintragen.")
	m = append(m, kv{"$comment", "Importiert aus dem FIM-Stammdatenschema " + rep.SchemaID + " Version " + rep.SchemaVersion + " (" + rep.Standard + ") mit „ozgform import fim“."})
	return m
}
