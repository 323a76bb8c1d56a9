package forms

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ElementType is a JSON Forms UI-schema element type.
type ElementType string

// The UI-schema element types ozgform understands.
const (
	VerticalLayout   ElementType = "VerticalLayout"
	HorizontalLayout ElementType = "HorizontalLayout"
	Group            ElementType = "Group"
	Categorization   ElementType = "Categorization"
	Category         ElementType = "Category"
	Control          ElementType = "Control"
	LabelElement     ElementType = "Label"
	// ListWithDetail is JSON Forms' master-detail list; ozgform shows it like a Control on
	// the list: a repeatable group with the detail layout for each item.
	ListWithDetail ElementType = "ListWithDetail"
)

// Effect is what a rule does to its element when the condition holds.
type Effect string

// Rule effects, as in JSON Forms.
const (
	EffectShow    Effect = "SHOW"
	EffectHide    Effect = "HIDE"
	EffectEnable  Effect = "ENABLE"
	EffectDisable Effect = "DISABLE"
)

// Element is one parsed layout element. Pointer is its JSON pointer in layout.json, so every
// later finding can be reported at the right line.
type Element struct {
	Type  ElementType
	Label string // Group, Category, Control (override); for Label elements see Text
	// LabelHidden is set by "label": false or {"text": …, "show": false}: the label stays for
	// screen readers (every input needs a name) but is not shown.
	LabelHidden bool
	Text        string // Label element
	Scope       string // Control
	I18n        string // translation key override
	Options     map[string]any
	Rule        *Rule
	Elements    []*Element
	Detail      *Element // options.detail of a Control, parsed
	Pointer     string
}

// Rule is a JSON Forms rule: an effect and the condition under which it applies.
type Rule struct {
	Effect    Effect
	Condition *Condition
	Pointer   string
}

// ConditionType distinguishes the JSON Forms condition forms.
type ConditionType string

// Condition types. A condition without "type" is schema-based.
const (
	ConditionSchema ConditionType = "SCHEMA"
	ConditionLeaf   ConditionType = "LEAF"
	ConditionAnd    ConditionType = "AND"
	ConditionOr     ConditionType = "OR"
)

// Condition is a rule condition. Scope-based conditions (schema-based and LEAF) name a data
// field by Scope; AND and OR combine Conditions.
type Condition struct {
	Type              ConditionType
	Scope             string
	Schema            json.RawMessage // schema-based: the value must match this schema
	ExpectedValue     any             // LEAF
	FailWhenUndefined bool
	Conditions        []*Condition
	Pointer           string

	// Path is the data path the scope resolves to, with "*" for array indices
	// (set when the form model is built).
	Path   string
	schema conditionSchema
	// oneOf holds the allowed values when the schema is only {"const": v} or {"enum": [...]}
	// of scalars, the common case: Match then compares instead of running the validator.
	oneOf []any
	// Set by prepare when the form is loaded, so that Match neither cuts the path nor
	// dispatches on the expected values' types for every evaluation: the path's unescaped
	// segments and a comparison with LEAF's expectedValue or the values of oneOf.
	segs   []string
	equals func(any) bool
}

var elementKeys = map[ElementType][]string{
	VerticalLayout:   {"type", "elements", "rule", "options", "i18n"},
	HorizontalLayout: {"type", "elements", "rule", "options", "i18n"},
	Group:            {"type", "elements", "rule", "options", "label", "i18n"},
	Categorization:   {"type", "elements", "rule", "options", "label", "i18n"},
	Category:         {"type", "elements", "rule", "options", "label", "i18n"},
	Control:          {"type", "scope", "rule", "options", "label", "i18n"},
	LabelElement:     {"type", "text", "rule", "options", "i18n"},
	ListWithDetail:   {"type", "scope", "rule", "options", "label", "i18n"},
}

// maxLayoutDepth bounds how deeply layout elements nest.
const maxLayoutDepth = 32

type layoutParser struct {
	sink *problemSink
	file string
}

func (p *layoutParser) errorf(ptr, code, format string, args ...any) {
	p.sink.errorf(p.file, ptr, code, format, args...)
}

// parse parses one element value at ptr.
func (p *layoutParser) parse(v any, ptr string, depth int) *Element {
	obj, ok := v.(map[string]any)
	if !ok {
		p.errorf(ptr, "layout-type", "Ein Layout-Element muss ein JSON-Objekt sein.")
		return nil
	}
	if depth > maxLayoutDepth {
		p.errorf(ptr, "layout-depth", "Das Layout ist zu tief verschachtelt (mehr als %d Ebenen).", maxLayoutDepth)
		return nil
	}
	if _, ok := obj["$ref"]; ok {
		p.errorf(ptr+"/$ref", "layout-ref", "Verweise („$ref“) sind im Layout nicht erlaubt; ein Layout kann sich nicht selbst einbinden. Wiederverwendbare Teile gehören als Baustein ins Schema.")
		return nil
	}
	typ, _ := obj["type"].(string)
	el := &Element{Type: ElementType(typ), Pointer: ptr}
	allowed, known := elementKeys[el.Type]
	if !known {
		if typ == "" {
			p.errorf(ptr, "layout-type", "Dem Layout-Element fehlt „type“.")
		} else {
			p.errorf(ptr+"/type", "layout-type", "Unbekannter Elementtyp „%s“ (erlaubt: %s).", typ, strings.Join(elementTypeNames(), ", "))
		}
		return nil
	}
	for k := range obj {
		if !contains(allowed, k) {
			p.sink.warnf(p.file, ptr+"/"+escapePointer(k), "layout-unknown-key", "„%s“ ist für %s nicht vorgesehen und wird ignoriert.", k, typ)
		}
	}
	el.Label, el.LabelHidden = p.label(obj, ptr)
	el.Text = p.str(obj, "text", ptr)
	el.Scope = p.str(obj, "scope", ptr)
	el.I18n = p.str(obj, "i18n", ptr)
	if o, ok := obj["options"]; ok {
		m, ok := o.(map[string]any)
		if !ok {
			p.errorf(ptr+"/options", "layout-options", "„options“ muss ein Objekt sein.")
		}
		el.Options = m
	}
	if el.Type == ListWithDetail {
		el.Type = Control
	}
	switch el.Type {
	case Control:
		if el.Scope == "" {
			p.errorf(ptr, "layout-scope", "Ein Control braucht „scope“ (z. B. „#/properties/name“).")
		}
		if d, ok := el.Options["detail"]; ok {
			if dm, ok := d.(map[string]any); ok && dm["type"] != nil {
				el.Detail = p.parse(d, ptr+"/options/detail", depth+1)
			} else if s, ok := d.(string); !ok || (s != "DEFAULT" && s != "GENERATED") {
				p.errorf(ptr+"/options/detail", "layout-detail", "„detail“ muss ein Layout-Element (mit „type“) sein.")
			}
		}
	case LabelElement:
		if el.Text == "" {
			p.errorf(ptr, "layout-label", "Ein Label-Element braucht „text“.")
		}
	default:
		raw, has := obj["elements"]
		items, ok := raw.([]any)
		if has && !ok {
			p.errorf(ptr+"/elements", "layout-elements", "„elements“ muss eine Liste sein.")
		}
		if !has {
			p.errorf(ptr, "layout-elements", "%s braucht „elements“.", typ)
		}
		for i, item := range items {
			if child := p.parse(item, ptr+"/elements/"+strconv.Itoa(i), depth+1); child != nil {
				el.Elements = append(el.Elements, child)
			}
		}
		if el.Type == Group && el.Label == "" {
			p.sink.warnf(p.file, ptr, "layout-label", "Eine Group ohne „label“ zeigt ozgform als einfache Anordnung ohne Rahmen und Überschrift; geben Sie ein „label“ an, damit Screenreader und die Seite „Angaben prüfen“ die Gruppe benennen.")
		}
		if el.Type == Category && el.Label == "" && el.I18n == "" {
			p.sink.warnf(p.file, ptr, "layout-label", "Eine Category ohne „label“ bekommt den Seitentitel „Schritt N“; geben Sie ein „label“ an.")
		}
	}
	if r, ok := obj["rule"]; ok {
		el.Rule = p.rule(r, ptr+"/rule")
	}
	return el
}

// label reads "label": a text, false (no visible label), or JSON Forms' label object
// {"text": …, "show": true|false}.
func (p *layoutParser) label(obj map[string]any, ptr string) (string, bool) {
	switch v := obj["label"].(type) {
	case nil:
		return "", false
	case string:
		return v, false
	case bool:
		if v {
			p.errorf(ptr+"/label", "layout-type", "„label“ ist ein Text, false (keine sichtbare Beschriftung) oder ein Objekt {\"text\": …, \"show\": …}; true ist nicht vorgesehen.")
		}
		return "", !v
	case map[string]any:
		text, _ := v["text"].(string)
		show, hasShow := v["show"].(bool)
		for k := range v {
			if k != "text" && k != "show" {
				p.sink.warnf(p.file, ptr+"/label/"+escapePointer(k), "layout-unknown-key", "„%s“ ist in einem label-Objekt nicht vorgesehen (nur „text“ und „show“) und wird ignoriert.", k)
			}
		}
		return text, hasShow && !show
	}
	p.errorf(ptr+"/label", "layout-type", "„label“ ist ein Text, false (keine sichtbare Beschriftung) oder ein Objekt {\"text\": …, \"show\": …}.")
	return "", false
}

func (p *layoutParser) str(obj map[string]any, key, ptr string) string {
	v, ok := obj[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.errorf(ptr+"/"+key, "layout-type", "„%s“ muss ein Text sein.", key)
	}
	return s
}

func (p *layoutParser) rule(v any, ptr string) *Rule {
	obj, ok := v.(map[string]any)
	if !ok {
		p.errorf(ptr, "rule", "Eine Regel („rule“) muss ein Objekt mit „effect“ und „condition“ sein.")
		return nil
	}
	eff, _ := obj["effect"].(string)
	r := &Rule{Effect: Effect(eff), Pointer: ptr}
	switch r.Effect {
	case EffectShow, EffectHide, EffectEnable, EffectDisable:
	default:
		p.errorf(ptr+"/effect", "rule-effect", "Unbekannte Wirkung „%s“ (erlaubt: SHOW, HIDE, ENABLE, DISABLE).", eff)
		return nil
	}
	c, ok := obj["condition"]
	if !ok {
		p.errorf(ptr, "rule-condition", "Der Regel fehlt „condition“.")
		return nil
	}
	r.Condition = p.condition(c, ptr+"/condition", 0)
	if r.Condition == nil {
		return nil
	}
	return r
}

func (p *layoutParser) condition(v any, ptr string, depth int) *Condition {
	obj, ok := v.(map[string]any)
	if !ok {
		p.errorf(ptr, "rule-condition", "Eine Bedingung muss ein Objekt sein.")
		return nil
	}
	if depth > maxLayoutDepth {
		p.errorf(ptr, "rule-condition", "Die Bedingung ist zu tief verschachtelt.")
		return nil
	}
	typ, _ := obj["type"].(string)
	c := &Condition{Type: ConditionType(typ), Pointer: ptr}
	if typ == "" {
		c.Type = ConditionSchema
	}
	switch c.Type {
	case ConditionAnd, ConditionOr:
		items, ok := obj["conditions"].([]any)
		if !ok || len(items) == 0 {
			p.errorf(ptr, "rule-condition", "Eine %s-Bedingung braucht eine nicht leere Liste „conditions“.", typ)
			return nil
		}
		for i, item := range items {
			sub := p.condition(item, ptr+"/conditions/"+strconv.Itoa(i), depth+1)
			if sub == nil {
				return nil
			}
			c.Conditions = append(c.Conditions, sub)
		}
		return c
	case ConditionLeaf, ConditionSchema:
		c.Scope, _ = obj["scope"].(string)
		if c.Scope == "" {
			p.errorf(ptr, "rule-scope", "Der Bedingung fehlt „scope“.")
			return nil
		}
		if c.Type == ConditionLeaf {
			ev, ok := obj["expectedValue"]
			if !ok {
				p.errorf(ptr, "rule-condition", "Eine LEAF-Bedingung braucht „expectedValue“.")
				return nil
			}
			c.ExpectedValue = ev
			return c
		}
		s, ok := obj["schema"]
		if !ok {
			// JSON Forms treats a condition with a scope and nothing else as always true.
			p.sink.warnf(p.file, ptr, "rule-condition", "Die Bedingung hat kein „schema“ und ist deshalb immer erfüllt (wie in JSON Forms). Soll sie vom Wert abhängen, schreiben Sie z. B. \"schema\": {\"const\": true} oder \"type\": \"LEAF\" mit „expectedValue“.")
			s = true
		}
		raw, _ := json.Marshal(s)
		c.Schema = raw
		c.FailWhenUndefined, _ = obj["failWhenUndefined"].(bool)
		return c
	}
	p.errorf(ptr+"/type", "rule-condition", "Unbekannter Bedingungstyp „%s“ (erlaubt: LEAF, AND, OR oder ohne type mit „schema“).", typ)
	return nil
}

func elementTypeNames() []string {
	var names []string
	for t := range elementKeys {
		names = append(names, string(t))
	}
	sort.Strings(names)
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scopeSegments splits a Control scope ("#/properties/a/properties/b") into property names.
// The leading "#" may be missing ("/properties/a"), as JSON Forms allows. Only the
// "properties/NAME" pairs name data; segments that walk through compositions
// ("#/anyOf/0/then/properties/b") are returned in steps for resolveScope to follow. A scope
// of "#" or "#/" names the object itself.
func scopeSegments(scope string) ([]string, error) {
	steps, err := scopeSteps(scope)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, st := range steps {
		if st.property != "" {
			names = append(names, st.property)
		}
	}
	return names, nil
}

// scopeStep is one step of a scope: a property, or a way into a composition
// (keyword and, for allOf/anyOf/oneOf, index).
type scopeStep struct {
	property string
	keyword  string
	index    int
}

var compositionKeywords = map[string]bool{"allOf": true, "anyOf": true, "oneOf": true, "if": true, "then": true, "else": true}

func scopeSteps(scope string) ([]scopeStep, error) {
	rest := strings.TrimPrefix(scope, "#")
	if rest == "" || rest == "/" {
		return nil, nil
	}
	if !strings.HasPrefix(rest, "/") {
		return nil, fmt.Errorf("ein scope beginnt mit „#/properties/…“")
	}
	parts := strings.Split(rest[1:], "/")
	var steps []scopeStep
	for i := 0; i < len(parts); i++ {
		switch part := parts[i]; {
		case part == "properties" && i+1 < len(parts):
			steps = append(steps, scopeStep{property: unescapePointer(parts[i+1])})
			i++
		case part == "allOf" || part == "anyOf" || part == "oneOf":
			if i+1 >= len(parts) {
				return nil, fmt.Errorf("nach „%s“ fehlt die Nummer der Alternative", part)
			}
			n, err := strconv.Atoi(parts[i+1])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("nach „%s“ steht eine Nummer, nicht „%s“", part, parts[i+1])
			}
			steps = append(steps, scopeStep{keyword: part, index: n})
			i++
		case compositionKeywords[part]:
			steps = append(steps, scopeStep{keyword: part})
		case part == "properties":
			return nil, fmt.Errorf("ein scope besteht aus Paaren „properties/NAME“")
		default:
			return nil, fmt.Errorf("„%s“ ist kein gültiger Teil eines scope (erwartet „properties“, oder „allOf“, „anyOf“, „oneOf“ mit Nummer, „if“, „then“, „else“)", part)
		}
	}
	if len(steps) > 0 && steps[len(steps)-1].property == "" {
		return nil, fmt.Errorf("ein scope endet mit „properties/NAME“")
	}
	return steps, nil
}
