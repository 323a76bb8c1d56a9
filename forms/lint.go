package forms

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Check loads the form in folder and lints it: every problem Load finds, plus the checks that
// need the whole model (properties missing from the layout, rule conditions that can never
// match, required fields a rule can hide, missing translations). It never panics on bad input.
func Check(folder fs.FS, name string, opts Options) Problems {
	return NewChecker(opts).Check(folder, name)
}

// Checker checks forms one after another, as Check does. The forms it checks share what they
// have in common (the compiled building blocks), which makes checking a catalog faster. A
// Checker is not safe for concurrent use: give each goroutine its own.
type Checker struct {
	opts Options
	fc   formCompiler
}

// NewChecker returns a Checker with the options of Check.
func NewChecker(opts Options) *Checker { return &Checker{opts: opts} }

// Check is Check with the Checker's options.
func (c *Checker) Check(folder fs.FS, name string) Problems {
	form, problems, index := load(folder, name, c.opts, &c.fc)
	sink := &problemSink{list: problems, index: map[string]*jsonIndex{}}
	// Positions for the files the linter reports on, as load parsed them.
	for _, file := range []string{"schema.json", "layout.json", "form.json"} {
		if ix := index[file]; ix != nil {
			sink.index[file] = ix
		}
	}
	if form.Schema != nil && form.Layout != nil && len(form.Pages) > 0 {
		l := &linter{form: form, sink: sink, base: FormBaseURI + form.Manifest.ID + "/"}
		l.missingFromLayout(form.Schema, "", 0, map[*jsonschema.Schema]bool{})
		l.conditions()
		l.hideableRequired()
		l.names()
		l.requiredHints()
		l.repeatedLegends()
		l.translations()
	}
	if ix := sink.index["schema.json"]; ix != nil {
		if doc, _, err := parseJSON(ix.data); err == nil {
			unknownFormats(sink, doc, "", true)
		}
	}
	sink.list.Sort()
	return dedupe(sink.list)
}

func dedupe(ps Problems) Problems {
	out := ps[:0]
	seen := map[string]bool{}
	for _, p := range ps {
		k := p.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

type linter struct {
	form *Form
	sink *problemSink
	base string
}

// at returns the file and pointer where a schema node was written.
func (l *linter) at(sch *jsonschema.Schema) (string, string) {
	return locationFile(sch.Location, l.base)
}

// missingFromLayout reports data properties that no Control shows.
func (l *linter) missingFromLayout(obj *jsonschema.Schema, path string, depth int, seen map[*jsonschema.Schema]bool) {
	if obj == nil || depth > maxSchemaDepth || seen[obj] {
		return
	}
	seen[obj] = true
	defer delete(seen, obj)
	b := &modelBuilder{positions: positionsFunc(l.base, l.sink)}
	for _, name := range b.propertyNames(obj) {
		ps := property(obj, name)
		p := path + "/" + escapePointer(name)
		f := l.form.byPath[p]
		if f == nil && l.hasFieldsUnder(p) {
			// The layout shows the object's properties one by one instead of the object.
			l.missingFromLayout(ps, p, depth+1, seen)
			continue
		}
		if f == nil && ps != nil && ps.Bool != nil && !*ps.Bool {
			continue // "name": false – the form does not ask for it (e.g. a building block's field)
		}
		if f == nil {
			always, _ := requiredness(obj, name)
			file, ptr := l.at(ps)
			if always {
				l.sink.errorf(file, ptr, "layout-missing", "Das Pflichtfeld „%s“ kommt im Layout nicht vor; Bürgerinnen und Bürger könnten den Antrag nie absenden.", p)
			} else {
				l.sink.warnf(file, ptr, "layout-missing", "Die Eigenschaft „%s“ kommt im Layout nicht vor und kann nicht ausgefüllt werden.", p)
			}
			continue
		}
		switch f.Widget {
		case WidgetGroup:
			l.missingFromLayout(f.Schema, p, depth+1, seen)
		case WidgetRepeat:
			l.missingFromLayout(ItemsOf(f.Schema), p+"/*", depth+1, seen)
		}
	}
}

func (l *linter) hasFieldsUnder(path string) bool {
	for p := range l.form.byPath {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

// standardFormats are the formats of JSON Schema draft 2020-12 that the validator knows.
var standardFormats = map[string]bool{
	"date": true, "date-time": true, "time": true, "duration": true, "email": true, "idn-email": true,
	"hostname": true, "idn-hostname": true, "ipv4": true, "ipv6": true, "uri": true, "uri-reference": true,
	"iri": true, "iri-reference": true, "uuid": true, "uri-template": true, "json-pointer": true,
	"relative-json-pointer": true, "regex": true,
	"password": true, // JSON Forms: a hidden input; checks nothing
}

// unknownFormats reports "format" values that no checker knows: they would be silently ignored.
func unknownFormats(sink *problemSink, v any, ptr string, isSchema bool) {
	switch n := v.(type) {
	case map[string]any:
		if isSchema {
			if f, ok := n["format"].(string); ok && !standardFormats[f] && Formats[f] == nil {
				var names []string
				for name := range Formats {
					names = append(names, name)
				}
				sort.Strings(names)
				sink.errorf("schema.json", ptr+"/format", "format-unknown", "Das Format „%s“ ist unbekannt und würde nicht geprüft (ozgform kennt: %s, date, email und die Standardformate von JSON Schema).", f, strings.Join(names, ", "))
			}
		}
		for k, child := range n {
			p := ptr + "/" + escapePointer(k)
			switch {
			case !isSchema:
				unknownFormats(sink, child, p, true)
			case k == "properties" || k == "$defs" || k == "definitions" || k == "patternProperties" || k == "dependentSchemas":
				unknownFormats(sink, child, p, false)
			case k == "const" || k == "enum" || k == "default" || k == "examples" || k == "errorMessage":
			default:
				unknownFormats(sink, child, p, true)
			}
		}
	case []any:
		for i, child := range n {
			unknownFormats(sink, child, ptr+"/"+strconv.Itoa(i), isSchema)
		}
	}
}

// conditions reports rule conditions that no value of their field can satisfy.
func (l *linter) conditions() {
	for _, c := range l.form.conds {
		f := l.form.byPath[c.Path]
		if f == nil {
			continue
		}
		domain, finite := valueDomain(f)
		if finite {
			matched := false
			for _, v := range domain {
				if c.matchValue(v, true) {
					matched = true
					break
				}
			}
			if !matched && !c.matchValue(nil, false) {
				l.sink.errorf("layout.json", c.Pointer, "rule-never", "Die Bedingung kann nie erfüllt sein: „%s“ hat nur die Werte %s.", f.Label, describeDomain(domain))
			}
			continue
		}
		for _, v := range c.candidates() {
			if f.Schema != nil && f.Schema.Validate(v) != nil {
				l.sink.errorf("layout.json", c.Pointer, "rule-never", "Die Bedingung kann nie erfüllt sein: %s ist kein möglicher Wert von „%s“ (Typ %s).", describeValue(v), f.Label, germanTypes([]string{f.Type}))
				break
			}
		}
	}
}

// matchValue evaluates a scope-based condition against one value of its field.
func (c *Condition) matchValue(v any, found bool) bool {
	if c.Type == ConditionLeaf {
		return found && jsonEqual(v, c.ExpectedValue)
	}
	if !found && c.FailWhenUndefined {
		return false
	}
	return c.schema != nil && c.schema.Validate(v) == nil
}

// candidates lists the values a condition tests for: LEAF's expectedValue, a schema's const or
// enum.
func (c *Condition) candidates() []any {
	if c.Type == ConditionLeaf {
		return []any{c.ExpectedValue}
	}
	if c.schema == nil {
		return nil
	}
	s := deref(c.schema)
	switch {
	case s.Const != nil:
		return []any{*s.Const}
	case s.Enum != nil:
		// The condition can match if any listed value is possible; report only when none is.
		return nil
	}
	return nil
}

// valueDomain lists every value a field can take when that set is finite (choices, booleans).
func valueDomain(f *Field) ([]any, bool) {
	if f.Widget == WidgetCheckboxes {
		return nil, false
	}
	if len(f.Choices) > 0 {
		var vals []any
		for _, ch := range f.Choices {
			vals = append(vals, ch.Value)
		}
		return vals, true
	}
	if f.Type == "boolean" {
		return []any{true, false}, true
	}
	return nil, false
}

func describeDomain(vals []any) string {
	var parts []string
	for _, v := range vals {
		parts = append(parts, describeValue(v))
	}
	return strings.Join(parts, ", ")
}

func describeValue(v any) string {
	if s, ok := v.(string); ok {
		return "„" + s + "“"
	}
	return fmt.Sprint(v)
}

// hideableRequired reports fields that are always required but sit where a rule can hide them:
// a hidden field's value is dropped, so such a form could never be submitted.
func (l *linter) hideableRequired() {
	for _, p := range l.form.Pages {
		l.walkHide(p.Nodes, hidingRule(p.Rule))
	}
}

func hidingRule(r *Rule) *Rule {
	if r != nil && (r.Effect == EffectShow || r.Effect == EffectHide) {
		return r
	}
	return nil
}

func (l *linter) walkHide(nodes []*Node, hiding *Rule) {
	for _, n := range nodes {
		h := hiding
		if r := hidingRule(n.Rule); r != nil {
			h = r
		}
		if n.Kind != NodeField {
			l.walkHide(n.Children, h)
			continue
		}
		f := n.Field
		if r := hidingRule(f.Rule); r != nil {
			h = r
		}
		if h != nil && f.Required {
			l.sink.errorf("layout.json", f.Pointer, "required-hidden", "„%s“ ist im Schema immer Pflicht, kann aber durch die Regel in %s ausgeblendet werden; ausgeblendete Werte werden verworfen, der Antrag ließe sich dann nie absenden. Machen Sie das Feld mit „if“/„then“ (oder „dependentRequired“) bedingt erforderlich.", f.Label, h.Pointer)
		}
		// Inside an object or list item, the object is the unit a rule drops; rules within its
		// detail start afresh.
		l.walkHide(f.Children, nil)
	}
}

var propertyNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// repeatedLegends reports a fieldset whose legend repeats the legend of the fieldset around
// it ("Erlaubnis" in "Erlaubnis"): a screen reader announces both, the second says nothing new.
func (l *linter) repeatedLegends() {
	var walk func(nodes []*Node, outer string)
	walk = func(nodes []*Node, outer string) {
		for _, n := range nodes {
			legend, ptr, children := "", n.Pointer, n.Children
			switch {
			case n.Kind == NodeGroup:
				legend = n.Label
			case n.Field != nil:
				fd := n.Field
				ptr, children = fd.Pointer, fd.Children
				switch fd.Widget {
				case WidgetGroup, WidgetRepeat, WidgetRadio, WidgetCheckboxes:
					legend = fd.Label
				}
			}
			if legend != "" && outer != "" && strings.EqualFold(strings.TrimSpace(legend), strings.TrimSpace(outer)) {
				l.sink.warnf("layout.json", ptr, "layout-legend-repeat", "Die Gruppe „%s“ steht in einer Gruppe gleichen Namens; ein Screenreader liest die Überschrift zweimal vor. Geben Sie der inneren Gruppe einen eigenen Titel (z. B. „Angaben zur …“) oder lassen Sie die äußere weg.", legend)
			}
			next := outer
			if legend != "" {
				next = legend
			}
			walk(children, next)
		}
	}
	for _, p := range l.form.Pages {
		walk(p.Nodes, "")
	}
}

// optionalHint finds the phrases with which a hint tells the citizen that a field may stay
// empty.
var optionalHint = regexp.MustCompile(`(?i)\b(leer\s+lassen|leer\s+bleiben|frei\s*lassen|freiwillig|optional|muss\s+nicht\s+ausgefüllt|kann\s+entfallen|nicht\s+ausfüllen)`)

// requiredHints reports a field that the schema always requires while its hint says it may
// stay empty: the page would mark it as required, the validation would refuse it empty, and the
// citizen reads the opposite. (A field that only a condition requires is marked only while
// the condition holds, so "leer lassen, wenn …" fits it.)
func (l *linter) requiredHints() {
	for _, f := range l.form.Fields {
		if !f.Required || f.Hint == "" || f.Widget == WidgetGroup {
			continue
		}
		if m := optionalHint.FindString(f.Hint); m != "" {
			file, ptr := l.at(f.Schema)
			l.sink.warnf(file, ptr, "required-hint", "„%s“ ist im Schema immer Pflicht, der Hinweis sagt aber, das Feld dürfe leer bleiben („%s“). Machen Sie es bedingt erforderlich (if/then, dependentRequired) oder ändern Sie den Hinweis.", f.Label, m)
		}
	}
}

// names reports property names that cannot serve as HTML field names and i18n keys.
func (l *linter) names() {
	for _, f := range l.form.Fields {
		if f.Parent != nil && f.Parent.ScalarItems {
			continue // the item of a list of plain values: the list is reported
		}
		if !propertyNamePattern.MatchString(f.Name) {
			file, ptr := l.at(f.Schema)
			l.sink.errorf(file, ptr, "property-name", "Der Eigenschaftsname „%s“ ist nicht erlaubt: nur Buchstaben A–Z, a–z, Ziffern, _ und - (am Anfang ein Buchstabe), damit er als Feldname und Übersetzungsschlüssel taugt.", f.Name)
		}
		if titleOf(f.Schema) == "" && f.Label == f.Name {
			l.sink.warnf("layout.json", f.Pointer, "field-title", "Das Feld „%s“ hat keinen Titel („title“ im Schema oder „label“ im Layout); angezeigt wird der Eigenschaftsname.", f.Path)
		}
	}
}

// translationKeys lists every key a language other than German needs, with the German text.
func (f *Form) translationKeys() [][2]string {
	var keys [][2]string
	add := func(key, text string) {
		if text != "" {
			keys = append(keys, [2]string{key, text})
		}
	}
	m := f.Manifest
	add("form.title", m.Title)
	add("form.summary", m.Summary)
	add("form.privacyNotice", m.PrivacyNotice)
	add("form.nextSteps", m.NextSteps)
	add("form.category", m.Category)
	for i, r := range m.Requirements {
		add("form.requirements."+strconv.Itoa(i), r)
	}
	var walk func([]*Node)
	walk = func(nodes []*Node) {
		for _, n := range nodes {
			switch n.Kind {
			case NodeGroup, NodeLabel:
				add(n.TextKey(), firstNonEmpty(n.Label, n.Text))
			case NodeField:
				fd := n.Field
				add(fd.LabelKey(), fd.Label)
				add(fd.HintKey(), fd.Hint)
				for _, ch := range fd.Choices {
					add(fd.ChoiceKey(ch.Value), ch.Label)
				}
				for _, opt := range []string{"addLabel", "removeLabel", "itemLabel"} {
					if s, ok := fd.Options[opt].(string); ok {
						add(fd.Key+"."+opt, s)
					}
				}
				walk(fd.Children)
			}
			walk(n.Children)
		}
	}
	for _, p := range f.Pages {
		add(p.TitleKey(), p.Title)
		walk(p.Nodes)
	}
	return keys
}

// isErrorKey reports whether k overrides an error message of a known field:
// "<field key>.error" or "<field key>.error.<keyword>".
func (l *linter) isErrorKey(k string) bool {
	field, _, ok := strings.Cut(k, ".error")
	if !ok {
		return false
	}
	rest := strings.TrimPrefix(k, field+".error")
	if rest != "" && !strings.HasPrefix(rest, ".") {
		return false
	}
	for _, f := range l.form.Fields {
		if f.Key == field {
			return true
		}
	}
	return false
}

// translations reports declared languages without a translation file, and missing or unused keys.
func (l *linter) translations() {
	keys := l.form.translationKeys()
	need := map[string]bool{}
	for _, k := range keys {
		need[k[0]] = true
	}
	for _, lang := range l.form.Manifest.Languages {
		if lang == "de" {
			continue
		}
		file := "i18n/" + lang + ".json"
		texts, ok := l.form.Translations[lang]
		if !ok {
			l.sink.errorf("form.json", "/languages", "i18n-missing", "Die Sprache „%s“ ist angegeben, aber %s fehlt.", lang, file)
			continue
		}
		var missing []string
		seen := map[string]bool{}
		for _, k := range keys {
			if _, ok := texts[k[0]]; !ok && !seen[k[0]] {
				seen[k[0]] = true
				missing = append(missing, k[0])
			}
		}
		for _, k := range missing {
			l.sink.warnf(file, "", "i18n-key-missing", "Übersetzung für „%s“ fehlt (angezeigt wird der deutsche Text).", k)
		}
		var unused []string
		for k := range texts {
			if !need[k] && !l.isErrorKey(k) {
				unused = append(unused, k)
			}
		}
		sort.Strings(unused)
		for _, k := range unused {
			l.sink.warnf(file, "/"+escapePointer(k), "i18n-key-unused", "Der Schlüssel „%s“ wird von keinem Text des Formulars verwendet.", k)
		}
	}
}
