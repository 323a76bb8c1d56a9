package fim

import (
	"regexp"
	"strings"
)

const quoted = `(?:"[^"]*"|„[^“”]*[“”])`

var (
	idPattern = regexp.MustCompile(`\b[FG]\d{5,14}\b`)
	// WENN [das] [Datenfeld|Feld] F… "…" (=|<>) V ["…"] [ODER [=] W ["…"]]…, DANN <action>
	clausePattern = regexp.MustCompile(`(?i)^WENN\s+(?:das\s+|im\s+)?(?:Datenfeld\s+|Feld\s+)?(F\d{5,14})\s*` + quoted + `?\s*(=|<>|!=)\s*((?:"[^"]*"|[^\s,"]+)(?:\s*` + quoted + `)?(?:\s+ODER\s*=?\s*(?:"[^"]*"|[^\s,"]+)(?:\s*` + quoted + `)?)*)\s*,?\s*DANN\s+(.*)$`)
	valuePattern  = regexp.MustCompile(`(?i)(?:^|ODER\s*=?\s*)("[^"]*"|[^\s,"]+)(?:\s*` + quoted + `)?`)
	// aktiviere|deaktiviere [die|das] [Datenfeldgruppe|Feldgruppe|Datenfeld|Feld] X "…".
	toggleAction = regexp.MustCompile(`(?i)^(aktiviere|deaktiviere)\s+(?:die\s+|das\s+)?(?:Datenfeldgruppe\s+|Feldgruppe\s+|Datenfeld\s+|Feld\s+)?([FG]\d{5,14})\s*` + quoted + `?\s*\.?$`)
	// muss|darf [die|das] Feldgruppe|Datenfeld… X "…" [nicht] befüllt sein|werden.
	fillAction = regexp.MustCompile(`(?i)^(muss|darf)\s+(?:die\s+|das\s+)?(?:Datenfeldgruppe\s+|Feldgruppe\s+|Datenfeld\s+|Feld\s+)?([FG]\d{5,14})\s*` + quoted + `?\s*(nicht\s+)?befüllt\s+(?:sein|werden)\s*\.?$`)
	// Wenn im Datenfeld F… der Wert V angegeben wurde, dann soll F… zum Pflichtfeld werden.
	requirePattern = regexp.MustCompile(`(?i)^Wenn\s+im\s+Datenfeld\s+(F\d{5,14})\s+der\s+Wert\s+"?([^\s"]+)"?\s+(?:angegeben|ausgewählt)\s+wurde,\s*dann\s+(?:soll|ist|wird)\s+(?:das\s+Datenfeld\s+|die\s+Datenfeldgruppe\s+)?([FG]\d{5,14})\s+(?:zum\s+Pflichtfeld|verpflichtend|Pflicht)(?:\s+werden)?\s*\.?$`)
	sentenceSplit  = regexp.MustCompile(`(?i)(?:^|\s)(WENN\s)`)
)

// rules places every rule's text at the elements it names and translates the simple ones.
func (im *importer) rules(root *item) {
	var walk func(g *item)
	walk = func(g *item) {
		for _, r := range g.rules {
			im.rule(g, r)
		}
		for _, k := range g.kids {
			if k.group {
				walk(k)
			}
		}
	}
	walk(root)
}

func (im *importer) rule(owner *item, r *node) {
	rr := RuleReport{ID: r.str("identifikation/id"), Name: r.str("name")}
	rr.Text = firstNonEmpty(r.str("freitextRegel"), r.str("definition"), r.str("beschreibung"), r.str("script"))
	if rr.ID == "" {
		rr.ID = r.path()
	}
	im.res.Report.Rules++
	annot := map[string]any{"id": rr.ID, "text": rr.Text}
	if rr.Name != "" {
		annot["name"] = rr.Name
	}
	seen := map[string]bool{}
	for _, id := range idPattern.FindAllString(rr.Text, -1) {
		if it := im.byID[id]; it != nil && !seen[id] && it.kind != "hidden" {
			seen[id] = true
			it.annot = append(it.annot, annot)
			rr.Elements = append(rr.Elements, id)
		}
	}
	if len(rr.Elements) == 0 {
		owner.annot = append(owner.annot, annot)
		rr.Elements = []string{owner.id}
	}
	if effect, ok := im.translate(rr.Text); ok {
		rr.Translated = true
		rr.Effect = effect
		im.res.Report.RulesTranslated++
	} else {
		im.note(NoteInfo, rr.ID, "Regel nicht übersetzt (Freitext steht im Layout bei %s): %s", strings.Join(rr.Elements, ", "), oneLine(rr.Text))
	}
	im.res.Report.RuleList = append(im.res.Report.RuleList, rr)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + " …"
	}
	return s
}

// translate turns a rule of the simple kinds into a SHOW rule and/or a conditional requirement;
// it refuses anything it is not sure about.
func (im *importer) translate(text string) (string, bool) {
	text = strings.Join(strings.Fields(text), " ")
	idx := sentenceSplit.FindAllStringSubmatchIndex(text, -1)
	if len(idx) == 0 || strings.TrimSpace(text[:idx[0][2]]) != "" {
		return "", false
	}
	var sentences []string
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][2]
		}
		sentences = append(sentences, strings.TrimSpace(text[m[2]:end]))
	}
	var cond, target *item
	var show, hide []any // the condition values that show / hide the target
	required, hides := false, false
	same := func(c, t *item) bool {
		if c == nil || t == nil || (cond != nil && (c != cond || t != target)) {
			return false
		}
		cond, target = c, t
		return true
	}
	for _, s := range sentences {
		if m := requirePattern.FindStringSubmatch(s); m != nil && len(sentences) == 1 {
			if !same(im.byID[m[1]], im.byID[m[3]]) {
				return "", false
			}
			v, ok := conditionValue(cond, m[2])
			if !ok {
				return "", false
			}
			show, required = []any{v}, true
			continue
		}
		m := clausePattern.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		var vals []any
		for _, vm := range valuePattern.FindAllStringSubmatch(m[3], -1) {
			if strings.HasPrefix(strings.TrimSpace(vm[0]), "„") {
				continue
			}
			v, ok := conditionValue(im.byID[m[1]], strings.Trim(vm[1], `"`))
			if !ok {
				return "", false
			}
			vals = append(vals, v)
		}
		if len(vals) == 0 {
			return "", false
		}
		negated := m[2] != "="
		var positive bool
		var t string
		if a := toggleAction.FindStringSubmatch(m[4]); a != nil {
			positive, t = strings.EqualFold(a[1], "aktiviere"), a[2]
		} else if a := fillAction.FindStringSubmatch(m[4]); a != nil {
			positive, t = strings.EqualFold(a[1], "muss") && a[3] == "", a[2]
			if strings.EqualFold(a[1], "muss") == (a[3] != "") {
				return "", false // "muss … nicht" / "darf … befüllt": not a rule we know
			}
			if positive {
				required = true
			}
		} else {
			return "", false
		}
		if !same(im.byID[m[1]], im.byID[t]) {
			return "", false
		}
		switch {
		case positive && !negated:
			if show != nil && !sameValues(show, vals) {
				return "", false
			}
			show = vals
		case !positive && negated: // "<> v: darf nicht befüllt sein" hides unless v
			if show != nil && !sameValues(show, vals) {
				return "", false
			}
			show, hides = vals, true
		case !positive && !negated: // "= w: deaktiviere": only the JA/NEIN complement
			hide, hides = vals, true
		default:
			return "", false
		}
	}
	if cond == nil || show == nil {
		return "", false
	}
	if hide != nil {
		b1, ok1 := show[0].(bool)
		b2, ok2 := hide[0].(bool)
		if len(show) != 1 || len(hide) != 1 || !ok1 || !ok2 || b1 == b2 {
			return "", false
		}
	}
	// Safe only for siblings outside lists, the target not ruled already.
	if cond.parent != target.parent || cond == target || target.ruleSpec != nil || cond.max != 1 || target.kind == "hidden" {
		return "", false
	}
	for p := target.parent; p != nil; p = p.parent {
		if p.max != 1 {
			return "", false
		}
	}
	target.ruleSpec = &translated{cond: cond, values: show, show: hides, required: required}
	var vs []string
	for _, v := range show {
		vs = append(vs, jsonText(v))
	}
	when := "wenn " + cond.id + " = " + strings.Join(vs, " oder ")
	switch {
	case hides && required:
		return target.id + " wird eingeblendet und ist Pflicht, " + when, true
	case hides:
		return target.id + " wird eingeblendet, " + when, true
	}
	return target.id + " ist Pflicht, " + when, true
}

func sameValues(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// conditionValue maps a rule's value (JA, NEIN, a code or a label) to the data value of cond.
func conditionValue(cond *item, v string) (any, bool) {
	if cond.schema == nil {
		return nil, false
	}
	v = strings.Trim(v, `"„“” .`)
	switch cond.schema["type"] {
	case "boolean":
		switch strings.ToLower(v) {
		case "ja", "true", "wahr":
			return true, true
		case "nein", "false", "falsch":
			return false, true
		}
		return nil, false
	case "string":
		if alts, ok := cond.schema["oneOf"].([]any); ok {
			for _, a := range alts {
				m := a.(map[string]any)
				if m["const"] == v || strings.EqualFold(m["title"].(string), v) {
					return m["const"], true
				}
			}
			return nil, false
		}
		if cond.list != nil && cond.list.Has(v) {
			return v, true // a code the list has; a rule naming another code is not translated
		}
	}
	return nil, false
}

func jsonText(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "Ja"
		}
		return "Nein"
	case string:
		return "„" + x + "“"
	}
	return ""
}
