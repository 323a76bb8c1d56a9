package forms

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/forms/codelist"
)

// Form is a loaded and compiled form: the manifest, the compiled schema, the parsed layout and
// the form model that renderers read.
type Form struct {
	Manifest Manifest `json:"manifest"`
	// Schema validates the data of a complete submission.
	Schema *jsonschema.Schema `json:"-"`
	// SchemaJSON is schema.json as the author wrote it, byte for byte.
	SchemaJSON []byte `json:"-"`
	// SchemaHash is the hex SHA-512 of SchemaJSON.
	SchemaHash string `json:"schemaHash"`
	// Layout is layout.json, parsed.
	Layout *Element `json:"-"`
	// Pages are the steps of the form in order; a layout without Categorization has one page.
	Pages []*Page `json:"pages"`
	// Fields lists every field in layout order, nested fields included.
	Fields []*Field `json:"-"`
	// Translations maps a language to its texts (i18n/<lang>.json).
	Translations map[string]map[string]string `json:"-"`
	// Warnings found while loading; a loaded form has no errors.
	Warnings Problems `json:"-"`
	// Files are the bytes of every file of the form folder that loading read (form.json,
	// schema.json, layout.json, i18n/*.json and the folder's files that the schema $refs), by
	// their slash-separated path in the folder. Load(MapFS(Files), …) loads the same form
	// again: the engine keeps them so that submissions of a version the catalog no longer
	// holds can still be delivered. The building blocks are not among them (they ship in the
	// binary).
	Files map[string][]byte `json:"-"`
	// Codelists are the genericode lists of the folder's codelists/ directory.
	Codelists *codelist.Set `json:"-"`

	byPath map[string]*Field
	conds  []*Condition // every scope-based rule condition, for the linter
}

// Page is one step of a form (a JSON Forms Category).
type Page struct {
	Index   int     `json:"index"`
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	I18nKey string  `json:"i18nKey,omitempty"`
	Rule    *Rule   `json:"rule,omitempty"`
	Nodes   []*Node `json:"nodes"`
	Pointer string  `json:"-"`
}

// NodeKind is the kind of a node in the form model.
type NodeKind string

// Node kinds.
const (
	NodeVertical   NodeKind = "vertical"
	NodeHorizontal NodeKind = "horizontal"
	NodeGroup      NodeKind = "group"
	NodeLabel      NodeKind = "label"
	NodeField      NodeKind = "field"
	// NodeCopy shows the value of a field that the layout shows a second time: JSON Forms
	// binds both controls to one value; a plain HTML form can post a name only once, so the
	// first Control is the input and every further one shows its value.
	NodeCopy NodeKind = "copy"
)

// Node is one element of a page: a layout container, a text, or a field.
type Node struct {
	Kind  NodeKind `json:"kind"`
	Label string   `json:"label,omitempty"` // group legend
	// LabelHidden keeps a group's legend for screen readers only.
	LabelHidden bool    `json:"labelHidden,omitempty"`
	Text        string  `json:"text,omitempty"` // label text
	I18nKey     string  `json:"i18nKey,omitempty"`
	Rule        *Rule   `json:"rule,omitempty"`
	Children    []*Node `json:"children,omitempty"`
	Field       *Field  `json:"field,omitempty"`
	// Copy is the field a NodeCopy shows (its first Control).
	Copy    *Field `json:"-"`
	Pointer string `json:"-"`
	// hideFree is set when the model is built and no SHOW or HIDE rule of this node or of a
	// node below it exists: HasHiddenValue need not look into it unless an ancestor hides it.
	// A Node made otherwise has it false and is looked into.
	hideFree bool
}

// Widget is how a field is shown.
type Widget string

// Widgets.
const (
	WidgetText       Widget = "text"
	WidgetTextarea   Widget = "textarea"
	WidgetNumber     Widget = "number"
	WidgetDate       Widget = "date"
	WidgetEmail      Widget = "email"
	WidgetTel        Widget = "tel"
	WidgetSelect     Widget = "select"
	WidgetRadio      Widget = "radio"
	WidgetCheckbox   Widget = "checkbox"
	WidgetCheckboxes Widget = "checkboxes"
	WidgetGroup      Widget = "group"  // a nested object
	WidgetRepeat     Widget = "repeat" // an array of objects: a repeatable group
	WidgetFile       Widget = "file"   // an attachment field (x-attachment): a list of attachment ids
	// WidgetSuggest is a text input with suggestions (<datalist>): for a choice field with
	// many options the citizen types the label and the server maps it to the value; for a
	// text field with options.suggestion the suggestions are only a help.
	WidgetSuggest Widget = "suggestion"
	// WidgetPassword is a hidden text input (format "password", as in JSON Forms).
	WidgetPassword Widget = "password"
	// WidgetTime is a text input for a time of day (HH:MM), stored as HH:MM:SS.
	WidgetTime Widget = "time"
	// WidgetDateTime is a text input for a date and time (TT.MM.JJJJ HH:MM), stored as
	// RFC 3339 with the offset of Europe/Berlin.
	WidgetDateTime Widget = "datetime"
)

// Choice is one option of a select, radio group or checkbox group.
type Choice struct {
	Value any    `json:"value"`
	Label string `json:"label"`
}

// Field is one data field of the form model.
type Field struct {
	// Path is the field's JSON pointer in the data, with "*" for array indices
	// (e.g. "/hunde/*/name").
	Path string `json:"path"`
	// Key is the dotted path without array indices ("hunde.name"): the i18n key prefix.
	Key   string `json:"key"`
	Name  string `json:"name"`
	Label string `json:"label"`
	// LabelHidden keeps the label for screen readers only ("label": false or show: false).
	LabelHidden bool   `json:"labelHidden,omitempty"`
	Hint        string `json:"hint,omitempty"`
	Widget      Widget `json:"widget"`
	Type        string `json:"type"`
	Format      string `json:"format,omitempty"`
	Required    bool   `json:"required,omitempty"`
	// RequiredWhen is set when a conditional part of the schema (if/then, dependentRequired)
	// can require the field.
	RequiredWhen bool `json:"requiredWhen,omitempty"`
	// RequiredIf states the conditions of a RequiredWhen field of the top level when the
	// schema states them plainly; nil otherwise.
	RequiredIf *RequiredIf `json:"-"`

	Choices      []Choice `json:"choices,omitempty"`
	MinLength    *int     `json:"minLength,omitempty"`
	MaxLength    *int     `json:"maxLength,omitempty"`
	Minimum      *float64 `json:"minimum,omitempty"`
	Maximum      *float64 `json:"maximum,omitempty"`
	Pattern      string   `json:"pattern,omitempty"`
	MinItems     *int     `json:"minItems,omitempty"`
	MaxItems     *int     `json:"maxItems,omitempty"`
	MinDate      string   `json:"minDate,omitempty"`
	MaxDate      string   `json:"maxDate,omitempty"`
	ReadOnly     bool     `json:"readOnly,omitempty"`
	Autocomplete string   `json:"autocomplete,omitempty"`
	FIMID        string   `json:"fimId,omitempty"`
	// Codelist is set when the value is a code of a genericode list (x-codelist); Choices then
	// hold the list's codes and labels.
	Codelist *CodelistRef `json:"codelist,omitempty"`
	// ErrorMessages are the author's overrides: "" for every kind, else by keyword.
	ErrorMessages map[string]string `json:"errorMessages,omitempty"`
	Options       map[string]any    `json:"options,omitempty"`
	Rule          *Rule             `json:"rule,omitempty"`
	// Children are the nodes of a nested object, or of one item of a repeatable group.
	Children []*Node `json:"children,omitempty"`
	// Attachment is set for an attachment field (WidgetFile): accepted types, size and number
	// of files.
	Attachment *AttachmentSpec `json:"attachment,omitempty"`
	// ScalarItems is set for a list of plain values (texts, numbers, dates …): a repeatable
	// group whose only child is the field of one item ("/staaten/*"), shown as one input per
	// item with add and remove buttons.
	ScalarItems bool `json:"scalarItems,omitempty"`
	// Suggestions are offered while typing (WidgetSuggest): the choices of a choice field, or
	// the texts of options.suggestion for a free-text field.
	Suggestions []Choice `json:"suggestions,omitempty"`

	Schema  *jsonschema.Schema `json:"-"`
	Parent  *Field             `json:"-"`
	Pointer string             `json:"-"` // the Control in layout.json
	// segs is Path split by splitPattern when the field is built, for lookup.
	segs []string
	// pos is the field's index in Form.Fields plus one, 0 for a Field not built by Load.
	pos int

	copyOf *Field // set on the stand-in control() returns for a field shown a second time
}

// MarshalJSON writes the rule in a compact, readable form for golden files.
func (r *Rule) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Effect    Effect     `json:"effect"`
		Condition *Condition `json:"condition"`
	}{r.Effect, r.Condition})
}

// MarshalJSON writes the condition for golden files.
func (c *Condition) MarshalJSON() ([]byte, error) {
	type out struct {
		Type          ConditionType   `json:"type"`
		Path          string          `json:"path,omitempty"`
		Schema        json.RawMessage `json:"schema,omitempty"`
		ExpectedValue any             `json:"expectedValue,omitempty"`
		Conditions    []*Condition    `json:"conditions,omitempty"`
	}
	return json.Marshal(out{c.Type, c.Path, c.Schema, c.ExpectedValue, c.Conditions})
}

// Field returns the field with the given data path; array indices may be concrete
// ("/hunde/0/name") or "*".
func (f *Form) Field(path string) *Field {
	if fd, ok := f.byPath[path]; ok {
		return fd
	}
	return f.fieldAt(path)
}

// fieldAt is byPath[f.Pattern(path)] without allocating for paths of usual length: validation
// asks this for every error in a list item and for the fields around it.
func (f *Form) fieldAt(path string) *Field {
	if path == "" {
		return f.byPath[""]
	}
	var stack [128]byte
	return f.byPath[string(f.appendPattern(stack[:0], path))]
}

// Pattern turns a concrete data path into the field path pattern by replacing array indices
// with "*": "/hunde/0/name" → "/hunde/*/name".
func (f *Form) Pattern(path string) string {
	if path == "" {
		return ""
	}
	return string(f.appendPattern(make([]byte, 0, len(path)), path))
}

// appendPattern appends Pattern(path) for a path other than "" to buf, which holds the
// pattern so far while it is built.
func (f *Form) appendPattern(buf []byte, path string) []byte {
	rest := path[1:]
	for more := true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		if fd := f.byPath[string(buf)]; fd != nil && fd.Type == "array" {
			if _, err := strconv.Atoi(seg); err == nil {
				seg = "*"
			}
		}
		buf = append(append(buf, '/'), seg...)
	}
	return buf
}

// FieldIndex returns the position of the field in layout order, or -1.
func (f *Form) FieldIndex(path string) int {
	fd := f.Field(path)
	if fd == nil {
		return -1
	}
	return f.Position(fd)
}

// Position returns the index of fd in f.Fields (its position in layout order), or -1 when fd
// is not one of them.
func (f *Form) Position(fd *Field) int {
	if i := fd.pos - 1; i >= 0 && i < len(f.Fields) && f.Fields[i] == fd {
		return i // set when the model was built
	}
	for i, x := range f.Fields {
		if x == fd {
			return i
		}
	}
	return -1
}

// T returns the text for key in lang, or fallback (the German text) when there is none.
func (f *Form) T(lang, key, fallback string) string {
	if lang == "" || lang == "de" {
		return fallback
	}
	if s, ok := f.Translations[lang][key]; ok && s != "" {
		return s
	}
	return fallback
}

// TitleKey is the translation key of the page title: the layout's "i18n" or the German title.
func (p *Page) TitleKey() string { return firstNonEmpty(p.I18nKey, p.Title) }

// TextKey is the translation key of a group legend or label text: the layout's "i18n" or the
// German text itself.
func (n *Node) TextKey() string { return firstNonEmpty(n.I18nKey, n.Label, n.Text) }

// LabelKey is the translation key of the field's label.
func (f *Field) LabelKey() string { return f.Key + ".label" }

// HintKey is the translation key of the field's hint.
func (f *Field) HintKey() string { return f.Key + ".description" }

// ChoiceKey is the translation key of one choice's label: "<key>.<value>".
func (f *Field) ChoiceKey(value any) string { return f.Key + "." + fmt.Sprint(value) }

// modelBuilder turns the parsed layout into pages, nodes and fields.
type modelBuilder struct {
	form      *Form
	sink      *problemSink
	root      *jsonschema.Schema
	positions func(loc string) (file, pointer string, offset int, ok bool)
	conds     []*Condition
}

// scopeCtx is where scopes resolve: the root object, or an object inside a detail layout.
type scopeCtx struct {
	schema *jsonschema.Schema
	path   string // data path pattern of the object
	parent *Field
	depth  int
}

const maxSchemaDepth = 24

// deref follows $ref chains to the schema that carries the keywords.
func deref(s *jsonschema.Schema) *jsonschema.Schema {
	for i := 0; s != nil && s.Ref != nil && i < 64; i++ {
		// A $ref with sibling keywords keeps them; properties live in the target.
		if len(s.Properties) > 0 || s.Types != nil {
			return s
		}
		s = s.Ref
	}
	return s
}

// objectParts lists the schema nodes whose properties and required lists describe an object:
// the node itself, its $ref target and its allOf members.
func objectParts(s *jsonschema.Schema) []*jsonschema.Schema {
	var parts []*jsonschema.Schema
	seen := map[*jsonschema.Schema]bool{}
	var walk func(*jsonschema.Schema, int)
	walk = func(s *jsonschema.Schema, depth int) {
		if s == nil || seen[s] || depth > 16 {
			return
		}
		seen[s] = true
		parts = append(parts, s)
		walk(s.Ref, depth+1)
		for _, a := range s.AllOf {
			walk(a, depth+1)
		}
	}
	walk(s, 0)
	return parts
}

// property finds the schema of property name in object schema s: in its properties (also
// behind $ref and in allOf), then in the branches of if/then/else, dependentSchemas, anyOf
// and oneOf, nearest first.
func property(s *jsonschema.Schema, name string) *jsonschema.Schema {
	level := []*jsonschema.Schema{s}
	seen := map[*jsonschema.Schema]bool{}
	for depth := 0; depth < 4 && len(level) > 0; depth++ {
		var next []*jsonschema.Schema
		for _, x := range level {
			for _, p := range objectParts(x) {
				if seen[p] {
					continue
				}
				seen[p] = true
				if ps, ok := p.Properties[name]; ok {
					return ps
				}
				next = append(next, p.Then, p.Else)
				next = append(next, dependentSchemas(p)...)
				next = append(next, p.AnyOf...)
				next = append(next, p.OneOf...)
			}
		}
		level = level[:0:0]
		for _, n := range next {
			if n != nil {
				level = append(level, n)
			}
		}
	}
	return nil
}

// stepInto follows one composition step of a scope ("anyOf/0", "then") in object schema s.
func stepInto(s *jsonschema.Schema, st scopeStep) *jsonschema.Schema {
	for _, p := range objectParts(s) {
		var list []*jsonschema.Schema
		switch st.keyword {
		case "allOf":
			list = p.AllOf
		case "anyOf":
			list = p.AnyOf
		case "oneOf":
			list = p.OneOf
		case "if":
			if p.If != nil {
				return p.If
			}
		case "then":
			if p.Then != nil {
				return p.Then
			}
		case "else":
			if p.Else != nil {
				return p.Else
			}
		}
		if st.index < len(list) {
			return list[st.index]
		}
	}
	return nil
}

// alternatives lists the object schemas among the anyOf and oneOf members of s (and of its
// $ref target and allOf members): an item that is "an address or a user" is shown with the
// fields of both, and the schema decides which combination is valid.
func alternatives(s *jsonschema.Schema) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	for _, p := range objectParts(s) {
		for _, a := range append(append([]*jsonschema.Schema(nil), p.AnyOf...), p.OneOf...) {
			if d := deref(a); d != nil && d.Const == nil && (len(d.Properties) > 0 || len(objectParts(d)) > 1) {
				out = append(out, a)
			}
		}
	}
	return out
}

func dependentSchemas(s *jsonschema.Schema) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	for _, d := range s.DependentSchemas {
		out = append(out, d)
	}
	return out
}

// requiredness reports whether name is required unconditionally, and whether some conditional
// part of the object schema can require it.
func requiredness(s *jsonschema.Schema, name string) (always, sometimes bool) {
	for _, p := range objectParts(s) {
		if contains(p.Required, name) {
			always = true
		}
		for _, deps := range p.DependentRequired {
			if contains(deps, name) {
				sometimes = true
			}
		}
		var branches []*jsonschema.Schema
		branches = append(branches, p.Then, p.Else)
		branches = append(branches, p.OneOf...)
		branches = append(branches, p.AnyOf...)
		branches = append(branches, dependentSchemas(p)...)
		for _, b := range branches {
			for _, bp := range objectParts(b) {
				if contains(bp.Required, name) {
					sometimes = true
				}
			}
		}
	}
	return always, sometimes
}

// propertyNames lists the properties of an object schema in the order the author wrote them.
func (b *modelBuilder) propertyNames(s *jsonschema.Schema) []string {
	type named struct {
		name  string
		file  string
		order int
	}
	var list []named
	seen := map[string]bool{}
	parts := objectParts(s)
	for _, alt := range alternatives(s) {
		parts = append(parts, objectParts(alt)...)
	}
	for pi, p := range parts {
		for name, ps := range p.Properties {
			if seen[name] {
				continue
			}
			seen[name] = true
			file, _, off, _ := b.positions(ps.Location)
			list = append(list, named{name, file, pi<<40 + off})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].order != list[j].order {
			return list[i].order < list[j].order
		}
		return list[i].name < list[j].name
	})
	names := make([]string, len(list))
	for i, n := range list {
		names[i] = n.name
	}
	return names
}

// build creates the pages from the layout root.
func (b *modelBuilder) build(root *Element) {
	ctx := scopeCtx{schema: b.root}
	if root.Type == Categorization {
		b.categories(root, ctx)
	} else {
		page := &Page{Index: 0, ID: "schritt-1", Title: b.form.Manifest.Title, I18nKey: "form.title", Pointer: root.Pointer}
		if n := b.node(root, ctx); n != nil {
			page.Nodes = []*Node{n}
		}
		b.form.Pages = append(b.form.Pages, page)
	}
	if len(b.form.Pages) == 0 {
		b.sink.errorf("layout.json", root.Pointer, "layout-empty", "Das Layout enthält keine Seite.")
		return
	}
	b.appendMissing()
	for _, p := range b.form.Pages {
		markHideFree(p.Nodes)
	}
}

func (b *modelBuilder) categories(el *Element, ctx scopeCtx) { b.categoriesIn(el, ctx, nil) }

// categoriesIn makes a page of every Category of a Categorization. A Categorization inside a
// Category (JSON Forms' nested categorization) contributes its categories as further pages,
// right after a page with the outer Category's other elements (if it has any); the outer
// Category's rule applies to them.
func (b *modelBuilder) categoriesIn(el *Element, ctx scopeCtx, outer *Rule) {
	if el.Rule != nil {
		b.sink.warnf("layout.json", el.Rule.Pointer, "rule-ignored", "Regeln an einer Categorization werden nicht ausgewertet; setzen Sie sie an die einzelnen Kategorien.")
	}
	for _, c := range el.Elements {
		switch c.Type {
		case Category:
			rule := c.Rule
			if rule == nil {
				rule = outer
			} else if outer != nil {
				b.sink.warnf("layout.json", outer.Pointer, "rule-ignored", "Diese Regel gilt nicht für die innere Kategorie „%s“, die eine eigene Regel hat; eine Seite hat genau eine Regel.", c.Label)
			}
			var own []*Element
			var nested []*Element
			for _, child := range c.Elements {
				if child.Type == Categorization {
					nested = append(nested, child)
				} else {
					own = append(own, child)
				}
			}
			if len(own) > 0 || len(nested) == 0 {
				n := len(b.form.Pages)
				page := &Page{Index: n, ID: "schritt-" + strconv.Itoa(n+1), Title: c.Label, I18nKey: c.I18n, Pointer: c.Pointer}
				if page.Title == "" {
					page.Title = "Schritt " + strconv.Itoa(n+1) // warned about when parsing
				}
				page.Rule = b.rule(rule, ctx)
				for _, child := range own {
					if node := b.node(child, ctx); node != nil {
						page.Nodes = append(page.Nodes, node)
					}
				}
				b.form.Pages = append(b.form.Pages, page)
			}
			for _, inner := range nested {
				b.categoriesIn(inner, ctx, rule)
			}
		case Categorization:
			b.categoriesIn(c, ctx, outer)
		default:
			b.sink.errorf("layout.json", c.Pointer, "layout-category", "In einer Categorization sind nur Category-Elemente erlaubt, nicht %s.", c.Type)
		}
	}
}

func (b *modelBuilder) node(el *Element, ctx scopeCtx) *Node {
	n := &Node{Pointer: el.Pointer, I18nKey: el.I18n}
	switch el.Type {
	case VerticalLayout:
		n.Kind = NodeVertical
	case HorizontalLayout:
		n.Kind = NodeHorizontal
	case Group:
		n.Kind = NodeGroup
		n.Label, n.LabelHidden = el.Label, el.LabelHidden
		if el.Label == "" {
			n.Kind = NodeVertical // warned about when parsing
		}
	case LabelElement:
		n.Kind = NodeLabel
		n.Text = el.Text
	case Control:
		if steps, err := scopeSteps(el.Scope); err == nil && len(steps) == 0 && el.Scope != "" {
			// A Control on the object itself ("#"): its fields, as a detail would show them.
			n.Kind = NodeVertical
			n.Rule = b.rule(el.Rule, ctx)
			n.Children = b.detail(el, ctx)
			return n
		}
		return b.controlNode(el, ctx)
	case Categorization:
		// Pages inside a page (or inside a list item) cannot be steps: their categories are
		// shown as groups, one below the other.
		b.sink.warnf("layout.json", el.Pointer, "layout-category", "Eine Categorization ist hier keine Folge von Seiten (das geht nur ganz oben oder in einer Category); ozgform zeigt ihre Kategorien als Gruppen untereinander.")
		n.Kind = NodeVertical
	case Category:
		n.Kind = NodeGroup
		n.Label = el.Label
		if n.Label == "" {
			n.Kind = NodeVertical
		}
	}
	n.Rule = b.rule(el.Rule, ctx)
	for _, c := range el.Elements {
		if child := b.node(c, ctx); child != nil {
			n.Children = append(n.Children, child)
		}
	}
	return n
}

// resolveScope resolves a scope to its schema node and data path pattern. A scope of "#"
// names the object of ctx itself (path ctx.path, name "").
func (b *modelBuilder) resolveScope(scope string, ctx scopeCtx) (*jsonschema.Schema, *jsonschema.Schema, string, string, error) {
	steps, err := scopeSteps(scope)
	if err != nil {
		return nil, nil, "", "", err
	}
	obj := ctx.schema
	path := ctx.path
	if len(steps) == 0 {
		return obj, nil, path, "", nil
	}
	var sch *jsonschema.Schema
	var name, prev string
	for i, st := range steps {
		if st.property == "" {
			next := stepInto(obj, st)
			if next == nil {
				return nil, nil, "", "", fmt.Errorf("das Schema hat an dieser Stelle kein „%s“", st.keyword)
			}
			obj = next
			continue
		}
		name = st.property
		sch = property(obj, name)
		if sch == nil {
			where := "im Schema"
			if prev != "" {
				where = "im Objekt „" + prev + "“"
			}
			if avail := b.propertyNames(obj); len(avail) > 0 {
				return nil, nil, "", "", fmt.Errorf("es gibt %s keine Eigenschaft „%s“ (vorhanden: %s)", where, name, strings.Join(avail, ", "))
			}
			return nil, nil, "", "", fmt.Errorf("es gibt %s keine Eigenschaft „%s“", where, name)
		}
		path += "/" + escapePointer(name)
		prev = name
		if i < len(steps)-1 {
			obj = sch // objectParts follows $ref and allOf, keeping keywords beside a $ref
		}
	}
	return sch, obj, path, name, nil
}

func (b *modelBuilder) control(el *Element, ctx scopeCtx) *Field {
	if ctx.depth > maxSchemaDepth {
		b.sink.errorf("layout.json", el.Pointer, "layout-depth", "Die Felder sind zu tief verschachtelt (mehr als %d Ebenen); enthält das Schema eine Rekursion?", maxSchemaDepth)
		return nil
	}
	propSchema, parentSchema, path, name, err := b.resolveScope(el.Scope, ctx)
	if err != nil {
		b.sink.errorf("layout.json", el.Pointer+"/scope", "scope-unresolved", "Der scope „%s“ lässt sich nicht auflösen: %v.", el.Scope, err)
		return nil
	}
	if name == "" {
		b.sink.errorf("layout.json", el.Pointer+"/scope", "scope-unresolved", "Der scope „%s“ nennt das Objekt selbst; das geht nur als oberstes Element des Layouts oder eines „detail“.", el.Scope)
		return nil
	}
	if first := b.form.byPath[path]; first != nil {
		b.sink.warnf("layout.json", el.Pointer+"/scope", "scope-duplicate", "Das Feld „%s“ kommt im Layout mehrfach vor. Ein HTML-Formular kann einen Wert nur einmal senden: Das erste Control ist das Eingabefeld, hier zeigt ozgform nur den Wert. Zeigen Sie jedes Feld nur einmal.", path)
		return &Field{copyOf: first}
	}
	return b.fieldFrom(el, propSchema, parentSchema, path, name, ctx)
}

// fieldFrom builds the field of a Control (or of the items of a list of plain values) from
// the property's schema, the object schema around it (nil for list items) and its data path.
func (b *modelBuilder) fieldFrom(el *Element, propSchema, parentSchema *jsonschema.Schema, path, name string, ctx scopeCtx) *Field {
	s := deref(propSchema)
	f := &Field{
		Path: path, Name: name, Key: keyOf(path), Schema: s, Parent: ctx.parent, Pointer: el.Pointer,
		Options: el.Options, segs: splitPattern(path),
	}
	if el.I18n != "" {
		f.Key = el.I18n // JSON Forms: an "i18n" key on a Control replaces the path-based key
	}
	if f.Key == "" {
		f.Key = name
	}
	b.form.byPath[path] = f
	b.form.Fields = append(b.form.Fields, f)
	f.pos = len(b.form.Fields)
	if parentSchema != nil {
		f.Required, f.RequiredWhen = requiredness(parentSchema, name)
		if f.RequiredWhen && !f.Required && b.root != nil {
			f.RequiredIf = requiredIfAt(b.root, path)
		}
	}
	f.Label = firstNonEmpty(el.Label, titleOf(propSchema), name)
	f.LabelHidden = el.LabelHidden
	f.Hint = descriptionOf(propSchema)
	f.Type = typeOf(s)
	if s.Format != nil {
		f.Format = s.Format.Name
	}
	f.Choices = choicesOf(s)
	f.MinLength, f.MaxLength = s.MinLength, s.MaxLength
	f.Minimum, f.Maximum = ratFloat(s.Minimum), ratFloat(s.Maximum)
	if s.Pattern != nil {
		f.Pattern = s.Pattern.String()
	}
	f.MinItems, f.MaxItems = s.MinItems, s.MaxItems
	f.ReadOnly = s.ReadOnly || propSchema.ReadOnly || optBool(el.Options, "readonly") || optBool(el.Options, "readOnly")
	attachmentAt := ""
	for _, part := range []*jsonschema.Schema{propSchema, s} { // the author's keywords win over a block's
		if a := AnnotationsOf(part); a != nil {
			if f.Attachment == nil && a.Attachment != nil {
				f.Attachment, attachmentAt = a.Attachment, part.Location
			}
			f.FIMID = firstNonEmpty(f.FIMID, a.FIMID)
			f.Autocomplete = firstNonEmpty(f.Autocomplete, a.Autocomplete)
			f.MinDate = firstNonEmpty(f.MinDate, a.MinDate)
			f.MaxDate = firstNonEmpty(f.MaxDate, a.MaxDate)
			if f.ErrorMessages == nil {
				f.ErrorMessages = a.ErrorMessage
			}
			if f.Codelist == nil && a.Codelist != nil {
				f.Codelist = a.Codelist
				b.codelist(f, part.Location)
			}
		}
	}
	if ac, ok := el.Options["autocomplete"].(string); ok {
		f.Autocomplete = ac
	}
	if f.Attachment != nil {
		b.attachment(f, attachmentAt)
	}
	f.Widget = widgetOf(f, el.Options)
	if parentSchema != nil { // list items share their list's options, reported there
		b.checkOptions(el, f)
	}
	f.Rule = b.rule(el.Rule, ctx)

	inner := scopeCtx{parent: f, depth: ctx.depth + 1}
	switch f.Widget {
	case WidgetGroup:
		inner.schema, inner.path = propSchema, path
		f.Children = b.detail(el, inner)
	case WidgetRepeat:
		inner.schema, inner.path = ItemsOf(s), path+"/*"
		if inner.schema == nil {
			// No "items": any value is valid; the citizen types texts.
			b.sink.warnf("layout.json", el.Pointer+"/scope", "array-items", "Die Liste „%s“ hat keine „items“; ozgform zeigt sie als Liste von Texten. Beschreiben Sie die Einträge, z. B. \"items\": {\"type\": \"string\"}.", path)
			inner.schema = &jsonschema.Schema{}
		}
		switch typeOf(deref(inner.schema)) {
		case "object":
			f.Children = b.detail(el, inner)
		case "array":
			b.sink.errorf("layout.json", el.Pointer+"/scope", "array-items", "Die Liste „%s“ enthält Listen; Listen in Listen zeigt ozgform nicht. Machen Sie die inneren Listen zu einer Eigenschaft eines Objekts (\"items\": {\"type\": \"object\", \"properties\": {…}}).", path)
		default:
			f.ScalarItems = true
			itemEl := &Element{Type: Control, Options: withoutDetail(el.Options), Pointer: el.Pointer}
			if item := b.fieldFrom(itemEl, inner.schema, nil, inner.path, name, inner); item != nil {
				item.Key = f.Key
				f.Children = []*Node{{Kind: NodeField, Field: item, Pointer: el.Pointer}}
			}
		}
	}
	return f
}

// withoutDetail copies the options of a list of plain values for its items: everything but
// the list's own options.
func withoutDetail(opts map[string]any) map[string]any {
	if opts == nil {
		return nil
	}
	out := make(map[string]any, len(opts))
	for k, v := range opts {
		switch k {
		case "detail", "addLabel", "removeLabel", "itemLabel", "elementLabelProp", "showSortButtons":
			continue
		}
		out[k] = v
	}
	return out
}

// detail builds the nodes of an object or list item: from options.detail, or one Control per
// property in schema order.
func (b *modelBuilder) detail(el *Element, ctx scopeCtx) []*Node {
	if el.Detail != nil {
		if n := b.node(el.Detail, ctx); n != nil {
			return []*Node{n}
		}
		return nil
	}
	var nodes []*Node
	for _, name := range b.propertyNames(ctx.schema) {
		gen := &Element{Type: Control, Scope: "#/properties/" + escapePointer(name), Pointer: el.Pointer}
		if n := b.controlNode(gen, ctx); n != nil {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// controlNode is the node of a Control: a field, or a copy of a field shown before.
func (b *modelBuilder) controlNode(el *Element, ctx scopeCtx) *Node {
	f := b.control(el, ctx)
	if f == nil {
		return nil
	}
	if f.copyOf != nil {
		return &Node{Kind: NodeCopy, Copy: f.copyOf, Label: el.Label, Rule: b.rule(el.Rule, ctx), Pointer: el.Pointer}
	}
	return &Node{Kind: NodeField, Field: f, Pointer: el.Pointer}
}

// appendMissing shows every unconditionally required property that the layout leaves out,
// at the end of the last page without a rule (or of the object or list item whose layout
// leaves it out), with a warning: without it, nobody could ever submit the form.
func (b *modelBuilder) appendMissing() {
	if len(b.form.Pages) == 0 {
		return
	}
	page := b.form.Pages[len(b.form.Pages)-1]
	for i := len(b.form.Pages) - 1; i >= 0; i-- {
		if b.form.Pages[i].Rule == nil {
			page = b.form.Pages[i]
			break
		}
	}
	b.missingIn(b.root, "", &page.Nodes, scopeCtx{schema: b.root}, page, 0)
}

func (b *modelBuilder) missingIn(obj *jsonschema.Schema, path string, nodes *[]*Node, ctx scopeCtx, page *Page, depth int) {
	if obj == nil || depth > maxSchemaDepth {
		return
	}
	for _, name := range b.propertyNames(obj) {
		p := path + "/" + escapePointer(name)
		ps := property(obj, name)
		if f := b.form.byPath[p]; f != nil {
			inner := scopeCtx{parent: f, depth: ctx.depth + 1}
			switch {
			case f.Widget == WidgetGroup:
				inner.schema, inner.path = ps, p
				b.missingIn(ps, p, &f.Children, inner, page, depth+1)
			case f.Widget == WidgetRepeat && !f.ScalarItems:
				inner.schema, inner.path = ItemsOf(f.Schema), p+"/*"
				b.missingIn(inner.schema, p+"/*", &f.Children, inner, page, depth+1)
			}
			continue
		}
		if b.hasFieldsUnder(p) {
			b.missingIn(ps, p, nodes, ctx, page, depth+1) // shown field by field
			continue
		}
		if always, _ := requiredness(obj, name); !always || ps == nil || ps.Bool != nil {
			continue // optional ones are the linter's warning
		}
		// A Control whose scope is relative to ctx (which may be an ancestor of obj).
		scope := "#"
		for _, seg := range strings.Split(strings.TrimPrefix(strings.TrimPrefix(p, ctx.path), "/"), "/") {
			scope += "/properties/" + seg
		}
		n := b.controlNode(&Element{Type: Control, Scope: scope, Pointer: page.Pointer}, ctx)
		if n == nil {
			continue
		}
		*nodes = append(*nodes, n)
		file, ptr, _, _ := b.positions(ps.Location)
		where := "der Seite „" + page.Title + "“"
		if ctx.parent != nil {
			where = "von „" + ctx.parent.Label + "“"
		}
		b.sink.warnf(file, ptr, "layout-missing", "Das Pflichtfeld „%s“ kommt im Layout nicht vor; ozgform zeigt es am Ende %s, damit der Antrag abgeschickt werden kann. Nehmen Sie es selbst ins Layout auf.", p, where)
	}
}

func (b *modelBuilder) hasFieldsUnder(path string) bool {
	for p := range b.form.byPath {
		if strings.HasPrefix(p, path+"/") {
			return true
		}
	}
	return false
}

func (b *modelBuilder) rule(r *Rule, ctx scopeCtx) *Rule {
	if r == nil {
		return nil
	}
	if !b.condition(r.Condition, ctx) {
		return nil
	}
	return r
}

// condition resolves the scopes of a condition; it reports and returns false when one does
// not resolve.
func (b *modelBuilder) condition(c *Condition, ctx scopeCtx) bool {
	switch c.Type {
	case ConditionAnd, ConditionOr:
		for _, sub := range c.Conditions {
			if !b.condition(sub, ctx) {
				return false
			}
		}
		return true
	}
	_, _, path, _, err := b.resolveScope(c.Scope, ctx)
	if err != nil {
		b.sink.errorf("layout.json", c.Pointer+"/scope", "rule-scope", "Der scope „%s“ der Bedingung lässt sich nicht auflösen: %v.", c.Scope, err)
		return false
	}
	c.Path = path
	b.conds = append(b.conds, c)
	return true
}

// attachment checks the x-attachment of an attachment field written at the schema location
// loc, and the type of its property: a list of attachment ids.
func (b *modelBuilder) attachment(f *Field, loc string) {
	file, ptr, _, _ := b.positions(loc)
	f.Attachment.check(b.sink, file, ptr+"/x-attachment")
	s := f.Schema
	if s.Types != nil && (len(s.Types.ToStrings()) != 1 || s.Types.ToStrings()[0] != "array") {
		b.sink.errorf(file, ptr+"/type", "attachment-type", "Ein Feld mit „x-attachment“ enthält eine Liste von Anlage-Kennungen: „type“ muss „array“ sein oder fehlen, nicht %s.", germanTypes(s.Types.ToStrings()))
	}
	if it := deref(ItemsOf(s)); it != nil && (len(it.Properties) > 0 || it.Types != nil && typeOf(it) != "string") {
		b.sink.errorf(file, ptr+"/items", "attachment-type", "Ein Feld mit „x-attachment“ enthält eine Liste von Anlage-Kennungen (Texte); „items“ darf nichts anderes beschreiben.")
	}
	f.Type = "array"
	if f.Attachment.MinFiles > 0 && !f.Required && !f.RequiredWhen {
		b.sink.warnf(file, ptr+"/x-attachment/minFiles", "attachment-required", "„minFiles“ gilt nur, wenn mindestens eine Datei hochgeladen ist; ohne Datei ist „%s“ freiwillig. Soll eine Datei Pflicht sein, nehmen Sie das Feld in „required“ auf.", f.Label)
	}
}

func widgetOf(f *Field, opts map[string]any) Widget {
	format, _ := opts["format"].(string)
	if f.Attachment != nil {
		return WidgetFile
	}
	switch f.Type {
	case "object":
		return WidgetGroup
	case "array":
		items := deref(ItemsOf(f.Schema))
		if items != nil && len(choicesOf(items)) > 0 && format != "suggestion" {
			f.Choices = choicesOf(items)
			return WidgetCheckboxes
		}
		if a := AnnotationsOf(items); a != nil && a.Codelist != nil && a.Codelist.List != nil && format != "suggestion" && len(a.Codelist.List.Entries) <= SuggestionThreshold {
			// A short code list as a multiple choice; a long one is a list of fields with
			// suggestions (below).
			f.Codelist = a.Codelist
			f.Choices = codelistChoices(a.Codelist.List)
			return WidgetCheckboxes
		}
		return WidgetRepeat
	case "boolean":
		if len(f.Choices) == 2 || format == "radio" {
			if len(f.Choices) == 0 {
				f.Choices = []Choice{{true, "Ja"}, {false, "Nein"}}
			}
			return WidgetRadio
		}
		return WidgetCheckbox
	case "number", "integer":
		if len(f.Choices) > 0 {
			break
		}
		return WidgetNumber
	}
	if len(f.Choices) > 0 {
		switch {
		case format == "suggestion":
			f.Suggestions = f.Choices
			return WidgetSuggest
		case format == "radio":
			return WidgetRadio
		case format == "select":
			return WidgetSelect
		case format == "" && len(f.Choices) > SuggestionThreshold:
			f.Suggestions = f.Choices
			return WidgetSuggest
		case len(f.Choices) <= 6:
			return WidgetRadio
		}
		return WidgetSelect
	}
	if optBool(opts, "multi") {
		return WidgetTextarea
	}
	if list, ok := opts["suggestion"].([]any); ok && len(list) > 0 {
		for _, x := range list {
			if s, ok := x.(string); ok && s != "" {
				f.Suggestions = append(f.Suggestions, Choice{Value: s, Label: s})
			}
		}
		if len(f.Suggestions) > 0 {
			return WidgetSuggest
		}
	}
	uiFormat := f.Format
	if format == "date" || format == "time" || format == "date-time" || format == "password" {
		uiFormat = format // JSON Forms: options.format chooses the widget
	}
	switch uiFormat {
	case "password":
		return WidgetPassword
	case "date":
		return WidgetDate
	case "time":
		return WidgetTime
	case "date-time":
		return WidgetDateTime
	case "email":
		return WidgetEmail
	case "telefon":
		return WidgetTel
	}
	return WidgetText
}

// SuggestionThreshold is the number of choices above which a choice field becomes a text input
// with suggestions (WidgetSuggest) instead of a drop-down list.
const SuggestionThreshold = 30

// codelistChoices turns a code list into choices: code as value, label column as label.
func codelistChoices(l *codelist.List) []Choice {
	out := make([]Choice, len(l.Entries))
	for i, e := range l.Entries {
		out[i] = Choice{Value: e.Code, Label: e.Label}
	}
	return out
}

// codelist checks the field's x-codelist reference and fills its choices from the list.
func (b *modelBuilder) codelist(f *Field, loc string) {
	ref := f.Codelist
	if ref.List != nil {
		f.Choices = codelistChoices(ref.List)
		return
	}
	file, ptr, _, _ := b.positions(loc)
	have := ""
	if l, _ := b.form.Codelists.Find(ref.URI, ""); l != nil {
		have = fmt.Sprintf(" (im Ordner %s/ liegt sie in der Version %s)", CodelistDir, l.Version)
	}
	b.sink.errorf(file, ptr+"/x-codelist", "codelist-missing", "Die Codeliste %s in der Version %s fehlt im Ordner %s/%s.", ref.URI, ref.Version, CodelistDir, have)
}

func typeOf(s *jsonschema.Schema) string {
	if s == nil {
		return "string"
	}
	if s.Types != nil {
		for _, t := range s.Types.ToStrings() {
			if t != "null" {
				return t
			}
		}
	}
	switch {
	case len(s.Properties) > 0:
		return "object"
	case ItemsOf(s) != nil:
		return "array"
	case len(alternatives(s)) > 0:
		return "object"
	}
	for _, p := range objectParts(s)[1:] { // allOf members and the $ref target
		if len(p.Properties) > 0 || p.Types != nil && contains(p.Types.ToStrings(), "object") {
			return "object"
		}
	}
	if ch := choicesOf(s); len(ch) > 0 {
		switch ch[0].Value.(type) {
		case bool:
			return "boolean"
		case json.Number, float64:
			return "number"
		}
	}
	return "string"
}

// ItemsOf returns the schema of a list's items: "items" of draft 2020-12, or the single
// schema of "items" in older drafts (a schema with "$schema" draft-07, as JSON Forms
// examples have). Tuple forms ("prefixItems", an "items" array) give nil.
func ItemsOf(s *jsonschema.Schema) *jsonschema.Schema {
	if s == nil {
		return nil
	}
	if s.Items2020 != nil {
		return s.Items2020
	}
	if it, ok := s.Items.(*jsonschema.Schema); ok {
		return it
	}
	return nil
}

// choicesOf reads choices from oneOf/anyOf [{const, title}] or enum.
func choicesOf(s *jsonschema.Schema) []Choice {
	if s == nil {
		return nil
	}
	var out []Choice
	alts := s.OneOf
	if len(alts) == 0 {
		alts = s.AnyOf
	}
	for _, alt := range alts {
		alt = deref(alt)
		if alt == nil || alt.Const == nil {
			return nil
		}
		v := normalizeNumber(*alt.Const)
		out = append(out, Choice{Value: v, Label: firstNonEmpty(alt.Title, fmt.Sprint(v))})
	}
	if len(out) > 0 {
		return out
	}
	if s.Enum != nil {
		for _, v := range s.Enum.Values {
			if v == nil {
				continue
			}
			v = normalizeNumber(v)
			out = append(out, Choice{Value: v, Label: fmt.Sprint(v)})
		}
	}
	return out
}

// normalizeNumber turns json.Number into int64 or float64 so choices compare and print simply.
func normalizeNumber(v any) any {
	n, ok := v.(json.Number)
	if !ok {
		return v
	}
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, _ := n.Float64()
	return f
}

func titleOf(s *jsonschema.Schema) string {
	for i := 0; s != nil && i < 64; i++ {
		if s.Title != "" {
			return s.Title
		}
		s = s.Ref
	}
	return ""
}

func descriptionOf(s *jsonschema.Schema) string {
	for i := 0; s != nil && i < 64; i++ {
		if s.Description != "" {
			return s.Description
		}
		s = s.Ref
	}
	return ""
}

func ratFloat(r *big.Rat) *float64 {
	if r == nil {
		return nil
	}
	f, _ := r.Float64()
	return &f
}

func optBool(opts map[string]any, key string) bool {
	v, _ := opts[key].(bool)
	return v
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// keyOf turns "/hunde/*/name" into "hunde.name".
func keyOf(path string) string {
	var parts []string
	for _, s := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if s != "*" && s != "" {
			parts = append(parts, unescapePointer(s))
		}
	}
	return strings.Join(parts, ".")
}

// splitLocation splits a schema location URL into its document URL and JSON pointer.
func splitLocation(loc string) (doc, pointer string) {
	doc, frag, _ := strings.Cut(loc, "#")
	if p, err := url.PathUnescape(frag); err == nil {
		frag = p
	}
	return doc, frag
}
