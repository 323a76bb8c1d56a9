package forms

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// FormMap is an overview of a form for its author: every step with its fields, the rules that
// show, hide, enable or disable steps and elements, the answers that require further fields,
// and the building blocks and code lists the form uses. `ozgform check --map` prints it as
// text (WriteText), the preview of `ozgform dev` renders it as a page.
type FormMap struct {
	ID, Title, Version string
	Steps              []MapStep
	// Requirements are the fields the schema requires only under a condition (if/then,
	// dependentRequired).
	Requirements []MapRequirement
	// Blocks are the building blocks (BlockBaseURI) the form uses, with the fields based on
	// them.
	Blocks []MapUse
	// CodeLists are the code lists the form uses, with the fields that offer their values.
	CodeLists []MapUse
}

// MapStep is one step of the form.
type MapStep struct {
	Number int    // 1-based
	ID     string // "schritt-1"
	Title  string
	// Rule says when the step is shown (or skipped); empty when it always is.
	Rule    string
	Pointer string // the Category in layout.json
	Items   []MapItem
}

// MapItem is one element of a step, in layout order: a field, a group or a text.
type MapItem struct {
	Depth int    // nesting below the step, 0 at the top
	Kind  string // "Feld", "Gruppe", "Text", "Wiederholgruppe"
	Label string
	// Path is the data path of a field ("/inhaber/vorname").
	Path   string
	Widget Widget
	// Required is "Pflicht", "Pflicht unter Bedingung" or empty.
	Required string
	// Rule says when the element is shown, hidden, enabled or disabled; empty without rule.
	Rule string
	// Controls lists what the answers to this field change elsewhere in the form.
	Controls []string
	Pointer  string // in layout.json
	// Block is the building block the field's schema is based on, if any.
	Block string
	// CodeList names the code list (x-codelist) whose codes the field offers, if any.
	CodeList string
}

// MapRequirement is a conditional requirement of the schema.
type MapRequirement struct {
	When     string   // the condition, in German
	Required []string // the labels of the fields then required
}

// MapUse is a building block or code list and the fields that use it.
type MapUse struct {
	Name   string
	Fields []string
}

// blockRef finds references to building blocks in a form's files.
var blockRef = regexp.MustCompile(regexp.QuoteMeta(BlockBaseURI) + `([A-Za-z0-9._-]+\.json)`)

// Map builds the form map.
func (f *Form) Map() *FormMap {
	m := &FormMap{ID: f.Manifest.ID, Title: f.Manifest.Title, Version: f.Manifest.Version}
	controls := f.controlledBy()
	blockFields := map[string][]string{}
	listFields := map[string][]string{}
	for _, p := range f.Pages {
		st := MapStep{Number: p.Index + 1, ID: p.ID, Title: p.Title, Pointer: p.Pointer, Rule: f.describeRule(p.Rule)}
		var walk func(nodes []*Node, depth int)
		walk = func(nodes []*Node, depth int) {
			for _, n := range nodes {
				switch n.Kind {
				case NodeVertical, NodeHorizontal:
					if n.Rule != nil {
						st.Items = append(st.Items, MapItem{Depth: depth, Kind: "Bereich", Label: "(Layout ohne Titel)", Rule: f.describeRule(n.Rule), Pointer: n.Pointer})
						walk(n.Children, depth+1)
						continue
					}
					walk(n.Children, depth)
				case NodeGroup:
					st.Items = append(st.Items, MapItem{Depth: depth, Kind: "Gruppe", Label: n.Label, Rule: f.describeRule(n.Rule), Pointer: n.Pointer})
					walk(n.Children, depth+1)
				case NodeLabel:
					st.Items = append(st.Items, MapItem{Depth: depth, Kind: "Text", Label: n.Text, Rule: f.describeRule(n.Rule), Pointer: n.Pointer})
				case NodeField:
					fd := n.Field
					it := MapItem{Depth: depth, Kind: "Feld", Label: fd.Label, Path: fd.Path, Widget: fd.Widget,
						Rule: f.describeRule(fd.Rule), Controls: controls[fd.Path], Pointer: fd.Pointer}
					switch {
					case fd.Required:
						it.Required = "Pflicht"
					case fd.RequiredWhen:
						it.Required = "Pflicht unter Bedingung"
					}
					if fd.Widget == WidgetRepeat {
						it.Kind = "Wiederholgruppe"
					} else if fd.Widget == WidgetGroup {
						it.Kind = "Gruppe"
					}
					if ref := fd.Codelist; ref != nil {
						name := ref.URI + ", Version " + ref.Version
						if ref.List != nil && ref.List.Name != "" {
							name = ref.List.Name + " (" + name + ")"
						}
						it.CodeList = name
						listFields[name] = append(listFields[name], fd.Label)
					}
					if name := blockOf(fd.Schema); name != "" {
						it.Block = name
						blockFields[name] = append(blockFields[name], fd.Label)
					}
					st.Items = append(st.Items, it)
					walk(fd.Children, depth+1)
				}
			}
		}
		walk(p.Nodes, 0)
		m.Steps = append(m.Steps, st)
	}
	for _, r := range f.conditionalRequirements() {
		m.Requirements = append(m.Requirements, r.MapRequirement)
	}
	// Blocks referenced anywhere in the form's files, also those no field is directly based on.
	names := map[string]bool{}
	for _, data := range f.Files {
		for _, sub := range blockRef.FindAllSubmatch(data, -1) {
			names[string(sub[1])] = true
		}
	}
	for name := range blockFields {
		names[name] = true
	}
	for _, name := range sortedKeys(names) {
		m.Blocks = append(m.Blocks, MapUse{Name: name, Fields: blockFields[name]})
	}
	for _, name := range sortedKeys(listFields) {
		m.CodeLists = append(m.CodeLists, MapUse{Name: name, Fields: listFields[name]})
	}
	return m
}

// blockOf returns the name of the building block whose root a field's schema is ($ref), or ""
// (also for the fields inside a block: they belong to the field that refers to it).
func blockOf(s *jsonschema.Schema) string {
	for i := 0; s != nil && i < 8; i++ {
		if rest, ok := strings.CutPrefix(s.Location, BlockBaseURI); ok {
			name, frag, _ := strings.Cut(rest, "#")
			if frag == "" {
				return name
			}
			return ""
		}
		s = s.Ref
	}
	return ""
}

// controlledBy maps a field's data path to what its answers change: the rules whose condition
// reads the field.
func (f *Form) controlledBy() map[string][]string {
	out := map[string][]string{}
	add := func(r *Rule, target string) {
		if r == nil {
			return
		}
		for _, path := range conditionPaths(r.Condition) {
			out[path] = append(out[path], fmt.Sprintf("%s: %s", target, f.describeRule(r)))
		}
	}
	for _, p := range f.Pages {
		add(p.Rule, fmt.Sprintf("Schritt %d „%s“", p.Index+1, p.Title))
		var walk func(nodes []*Node)
		walk = func(nodes []*Node) {
			for _, n := range nodes {
				switch n.Kind {
				case NodeField:
					add(n.Field.Rule, "Feld „"+n.Field.Label+"“")
					walk(n.Field.Children)
				case NodeGroup:
					add(n.Rule, "Gruppe „"+n.Label+"“")
					walk(n.Children)
				case NodeLabel:
					add(n.Rule, "Text „"+shorten(n.Text, 40)+"“")
				default:
					add(n.Rule, "Bereich in Schritt "+fmt.Sprint(p.Index+1))
					walk(n.Children)
				}
			}
		}
		walk(p.Nodes)
	}
	for _, req := range f.conditionalRequirements() {
		for _, path := range req.paths {
			out[path] = append(out[path], "Pflicht: "+strings.Join(req.Required, ", ")+" ("+req.When+")")
		}
	}
	return out
}

func conditionPaths(c *Condition) []string {
	if c == nil {
		return nil
	}
	if c.Type == ConditionAnd || c.Type == ConditionOr {
		var out []string
		for _, sub := range c.Conditions {
			out = append(out, conditionPaths(sub)...)
		}
		return out
	}
	if c.Path == "" {
		return nil
	}
	return []string{c.Path}
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// describeRule says in German what a rule does: "sichtbar nur, wenn „Rechtsform“ = „Sonstige“".
func (f *Form) describeRule(r *Rule) string {
	if r == nil || r.Condition == nil {
		return ""
	}
	var verb string
	switch r.Effect {
	case EffectShow:
		verb = "nur sichtbar, wenn"
	case EffectHide:
		verb = "ausgeblendet, wenn"
	case EffectEnable:
		verb = "nur bearbeitbar, wenn"
	case EffectDisable:
		verb = "gesperrt, wenn"
	default:
		verb = string(r.Effect) + ", wenn"
	}
	return verb + " " + f.describeCondition(r.Condition)
}

func (f *Form) describeCondition(c *Condition) string {
	switch c.Type {
	case ConditionAnd, ConditionOr:
		join := " und "
		if c.Type == ConditionOr {
			join = " oder "
		}
		var parts []string
		for _, sub := range c.Conditions {
			parts = append(parts, "("+f.describeCondition(sub)+")")
		}
		return strings.Join(parts, join)
	}
	fd := f.Field(c.Path)
	name := "„" + c.Path + "“"
	if fd != nil {
		name = "„" + fd.Label + "“"
	}
	if c.Type == ConditionLeaf {
		return name + " = " + f.describeAnswer(fd, c.ExpectedValue)
	}
	var sch map[string]any
	if json.Unmarshal(c.Schema, &sch) != nil {
		return name + " passt zu " + string(c.Schema)
	}
	return name + " " + f.describeSchemaTest(fd, sch, string(c.Schema))
}

// describeSchemaTest describes the test of a schema-based condition on a field's answer.
func (f *Form) describeSchemaTest(fd *Field, sch map[string]any, raw string) string {
	if v, ok := sch["const"]; ok && len(sch) == 1 {
		return "= " + f.describeAnswer(fd, v)
	}
	if vs, ok := sch["enum"].([]any); ok && len(sch) == 1 {
		var parts []string
		for _, v := range vs {
			parts = append(parts, f.describeAnswer(fd, v))
		}
		return "ist eine von " + strings.Join(parts, ", ")
	}
	if not, ok := sch["not"].(map[string]any); ok && len(sch) == 1 {
		return "nicht: " + f.describeSchemaTest(fd, not, raw)
	}
	return "passt zu " + raw
}

// describeAnswer shows a value as the citizen sees it, with the stored value when it differs:
// „Sonstige“ (sonstige).
func (f *Form) describeAnswer(fd *Field, v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "„Ja“"
		}
		return "„Nein“"
	}
	if fd != nil {
		for _, ch := range fd.Choices {
			if jsonEqual(normalizeNumber(ch.Value), normalizeNumber(v)) {
				if fmt.Sprint(ch.Value) != ch.Label {
					return "„" + ch.Label + "“ (" + fmt.Sprint(ch.Value) + ")"
				}
				return "„" + ch.Label + "“"
			}
		}
	}
	return describeValue(v)
}

// conditionalRequirement is a MapRequirement with the data paths its condition reads.
type conditionalRequirement struct {
	MapRequirement
	paths []string
}

// conditionalRequirements lists the if/then and dependentRequired parts of the schema's
// objects (the root and every nested object field).
func (f *Form) conditionalRequirements() []conditionalRequirement {
	var out []conditionalRequirement
	objects := []struct {
		schema *jsonschema.Schema
		path   string
	}{{f.Schema, ""}}
	for _, fd := range f.Fields {
		if fd.Schema == nil {
			continue
		}
		switch fd.Widget {
		case WidgetGroup:
			objects = append(objects, struct {
				schema *jsonschema.Schema
				path   string
			}{fd.Schema, fd.Path})
		case WidgetRepeat:
			for _, part := range objectParts(fd.Schema) {
				if ItemsOf(part) != nil {
					objects = append(objects, struct {
						schema *jsonschema.Schema
						path   string
					}{ItemsOf(part), fd.Path + "/*"})
					break
				}
			}
		}
	}
	label := func(base, name string) string {
		if fd := f.Field(base + "/" + name); fd != nil {
			return "„" + fd.Label + "“"
		}
		return "„" + name + "“"
	}
	seen := map[*jsonschema.Schema]bool{}
	for _, obj := range objects {
		for _, part := range objectParts(obj.schema) {
			if seen[part] {
				continue
			}
			seen[part] = true
			if part.If != nil {
				when, paths := f.describeIf(part.If, obj.path)
				for _, branch := range []struct {
					s      *jsonschema.Schema
					negate bool
				}{{part.Then, false}, {part.Else, true}} {
					if branch.s == nil || len(branch.s.Required) == 0 {
						continue
					}
					var req []string
					for _, name := range branch.s.Required {
						req = append(req, label(obj.path, name))
					}
					w := "wenn " + when
					if branch.negate {
						w = "wenn nicht " + when
					}
					out = append(out, conditionalRequirement{MapRequirement{When: w, Required: req}, paths})
				}
			}
			for _, trigger := range sortedKeys(part.DependentRequired) {
				var req []string
				for _, name := range part.DependentRequired[trigger] {
					req = append(req, label(obj.path, name))
				}
				out = append(out, conditionalRequirement{MapRequirement{When: "wenn " + label(obj.path, trigger) + " ausgefüllt ist", Required: req},
					[]string{obj.path + "/" + trigger}})
			}
		}
	}
	return out
}

// describeIf describes the "if" of a conditional part: the const or enum tests of its
// properties.
func (f *Form) describeIf(s *jsonschema.Schema, base string) (string, []string) {
	var parts, paths []string
	for _, name := range sortedKeys(s.Properties) {
		ps := s.Properties[name]
		path := base + "/" + name
		fd := f.Field(path)
		label := "„" + name + "“"
		if fd != nil {
			label = "„" + fd.Label + "“"
		}
		paths = append(paths, path)
		switch {
		case ps.Const != nil:
			parts = append(parts, label+" = "+f.describeAnswer(fd, *ps.Const))
		case ps.Enum != nil:
			var vs []string
			for _, v := range ps.Enum.Values {
				vs = append(vs, f.describeAnswer(fd, v))
			}
			parts = append(parts, label+" ist eine von "+strings.Join(vs, ", "))
		default:
			parts = append(parts, label+" eine Bedingung erfüllt")
		}
	}
	if len(parts) == 0 {
		return "die Bedingung in „if“ erfüllt ist", nil
	}
	return strings.Join(parts, " und "), paths
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteText writes the map as plain text, one line per step, element and rule.
func (m *FormMap) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Formularkarte: %s (%s, Version %s)\n", m.Title, m.ID, m.Version)
	for _, st := range m.Steps {
		fmt.Fprintf(&b, "\nSchritt %d: %s\n", st.Number, st.Title)
		if st.Rule != "" {
			fmt.Fprintf(&b, "  Schritt %s\n", st.Rule)
		}
		for _, it := range st.Items {
			indent := strings.Repeat("  ", it.Depth+1)
			fmt.Fprintf(&b, "%s- %s „%s“", indent, it.Kind, it.Label)
			if it.Path != "" {
				fmt.Fprintf(&b, " %s (%s)", it.Path, it.Widget)
			}
			if it.Required != "" {
				b.WriteString(", " + it.Required)
			}
			if it.Block != "" {
				b.WriteString(", Baustein " + it.Block)
			}
			if it.CodeList != "" {
				b.WriteString(", Codeliste " + it.CodeList)
			}
			b.WriteString("\n")
			if it.Rule != "" {
				fmt.Fprintf(&b, "%s    %s\n", indent, it.Rule)
			}
			for _, c := range it.Controls {
				fmt.Fprintf(&b, "%s    → %s\n", indent, c)
			}
		}
	}
	if len(m.Requirements) > 0 {
		b.WriteString("\nBedingte Pflichtfelder:\n")
		for _, r := range m.Requirements {
			fmt.Fprintf(&b, "  - %s: %s\n", upperFirst(r.When), strings.Join(r.Required, ", "))
		}
	}
	writeUses(&b, "Bausteine", m.Blocks)
	writeUses(&b, "Codelisten", m.CodeLists)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeUses(b *strings.Builder, title string, uses []MapUse) {
	if len(uses) == 0 {
		fmt.Fprintf(b, "\n%s: keine\n", title)
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, u := range uses {
		if len(u.Fields) > 0 {
			fmt.Fprintf(b, "  - %s (Felder: %s)\n", u.Name, strings.Join(u.Fields, ", "))
		} else {
			fmt.Fprintf(b, "  - %s\n", u.Name)
		}
	}
}
