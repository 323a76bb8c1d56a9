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
	Type     ElementType
	Label    string // Group, Category, Control (override); for Label elements see Text
	Text     string // Label element
	Scope    string // Control
	I18n     string // translation key override
	Options  map[string]any
	Rule     *Rule
	Elements []*Element
	Detail   *Element // options.detail of a Control, parsed
	Pointer  string
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
}

var elementKeys = map[ElementType][]string{
	VerticalLayout:   {"type", "elements", "rule", "options", "i18n"},
	HorizontalLayout: {"type", "elements", "rule", "options", "i18n"},
	Group:            {"type", "elements", "rule", "options", "label", "i18n"},
	Categorization:   {"type", "elements", "rule", "options", "label", "i18n"},
	Category:         {"type", "elements", "rule", "options", "label", "i18n"},
	Control:          {"type", "scope", "rule", "options", "label", "i18n"},
	LabelElement:     {"type", "text", "rule", "options", "i18n"},
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
	el.Label = p.str(obj, "label", ptr)
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
		if (el.Type == Group || el.Type == Category) && el.Label == "" {
			p.errorf(ptr, "layout-label", "%s braucht „label“ (Überschrift für Screenreader und Zusammenfassung).", typ)
		}
	}
	if r, ok := obj["rule"]; ok {
		el.Rule = p.rule(r, ptr+"/rule")
	}
	return el
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
			p.errorf(ptr, "rule-condition", "Eine Bedingung braucht „schema“ (z. B. {\"const\": true}) oder \"type\": \"LEAF\" mit „expectedValue“.")
			return nil
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
func scopeSegments(scope string) ([]string, error) {
	if !strings.HasPrefix(scope, "#/") {
		return nil, fmt.Errorf("ein scope beginnt mit „#/properties/…“")
	}
	parts := strings.Split(strings.TrimPrefix(scope, "#/"), "/")
	if len(parts)%2 != 0 {
		return nil, fmt.Errorf("ein scope besteht aus Paaren „properties/NAME“")
	}
	var names []string
	for i := 0; i < len(parts); i += 2 {
		if parts[i] != "properties" {
			return nil, fmt.Errorf("„%s“ ist kein gültiger Teil eines scope (erwartet „properties“)", parts[i])
		}
		names = append(names, unescapePointer(parts[i+1]))
	}
	return names, nil
}
