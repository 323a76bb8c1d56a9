// Package fim imports FIM Stammdatenschemata (XDatenfelder 2.0 and 3.0.0) as ozgform form
// folders: form.json, schema.json, layout.json and the genericode code lists the schema needs.
// The result is an ordinary form that the author refines; the report lists every point the
// importer could not decide.
package fim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ozgform/ozgform/forms/codelist"
)

// Namespaces of the supported XDatenfelder versions.
const (
	NamespaceXDF2 = "urn:xoev-de:fim:standard:xdatenfelder_2"
	NamespaceXDF3 = "urn:xoev-de:fim:standard:xdatenfelder_3.0.0"
	namespaceXDF1 = "urn:xoev-de:fim:standard:xdatenfelder_1"
	rootName      = "xdatenfelder.stammdatenschema.0102"
)

// Options tune an import.
type Options struct {
	// ID is the form id; empty means one derived from the FIM schema id ("s00000000364").
	ID string
	// Codelists are the genericode lists available to copy into the form (--codelists).
	Codelists *codelist.Set
}

// Severity of a note in the report.
const (
	NoteInfo    = "info"
	NoteWarning = "warnung"
)

// Note is one point of the report: where (FIM id or element path) and what.
type Note struct {
	Severity string `json:"severity"`
	Where    string `json:"where"`
	Message  string `json:"message"`
}

// RuleReport is one FIM rule with where it was placed and whether it was translated.
type RuleReport struct {
	ID         string   `json:"id"`
	Name       string   `json:"name,omitempty"`
	Text       string   `json:"text"`
	Elements   []string `json:"elements"` // FIM ids of the elements the rule is shown at
	Translated bool     `json:"translated"`
	Effect     string   `json:"effect,omitempty"` // what the translation does
}

// Report summarises an import.
type Report struct {
	Standard        string       `json:"standard"` // "XDatenfelder 2.0" / "XDatenfelder 3.0.0"
	SchemaID        string       `json:"schemaId"`
	SchemaVersion   string       `json:"schemaVersion"`
	Title           string       `json:"title"`
	FormID          string       `json:"formId"`
	Fields          int          `json:"fields"`
	Groups          int          `json:"groups"`
	Codelists       int          `json:"codelists"`
	Rules           int          `json:"rules"`
	RulesTranslated int          `json:"rulesTranslated"`
	Pages           int          `json:"pages"`
	RuleList        []RuleReport `json:"ruleList"`
	Notes           []Note       `json:"notes"`
}

// Result is an imported form: its files by slash-separated path, and the report.
type Result struct {
	Files  map[string][]byte
	Report Report
}

// Error is a refusal of the input; Where is an element path or FIM id.
type Error struct {
	Where, Message string
}

func (e *Error) Error() string { return e.Where + ": " + e.Message }

func errAt(n *node, format string, args ...any) *Error {
	return &Error{Where: n.path(), Message: fmt.Sprintf(format, args...)}
}

// Import reads one XDatenfelder document and builds the form folder's files.
func Import(data []byte, opts Options) (*Result, error) {
	root, err := parseXML(data)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		msg := err.Error()
		where, rest, ok := strings.Cut(msg, ": ")
		if !ok {
			where, rest = "/", msg
		}
		return nil, &Error{Where: where, Message: rest}
	}
	im := &importer{opts: opts, listsUsed: map[string]*codelist.List{}, byID: map[string]*item{}}
	switch {
	case root.space == NamespaceXDF2:
		im.xdf = 2
		im.res.Report.Standard = "XDatenfelder 2.0"
	case root.space == NamespaceXDF3:
		im.xdf = 3
		im.res.Report.Standard = "XDatenfelder 3.0.0"
	case strings.HasPrefix(root.space, namespaceXDF1):
		return nil, errAt(root, "XDatenfelder 1 wird nicht unterstützt; bitte exportieren Sie das Schema im FIM-Portal als XDatenfelder 2.0 oder 3.0.0")
	default:
		return nil, errAt(root, "unbekannter Namensraum „%s“: erwartet ist XDatenfelder 2.0 (%s) oder 3.0.0 (%s)", root.space, NamespaceXDF2, NamespaceXDF3)
	}
	if root.name != rootName {
		return nil, errAt(root, "das Wurzelelement muss %s sein (ein Stammdatenschema), nicht %s", rootName, root.name)
	}
	sds := root.child("stammdatenschema")
	if sds == nil {
		return nil, errAt(root, "das Element stammdatenschema fehlt")
	}
	if err := im.run(sds); err != nil {
		return nil, err
	}
	return &im.res, nil
}

// item is one element of the imported tree: a group (object) or a field.
type item struct {
	n        *node
	id       string // FIM id
	version  string
	group    bool
	choice   bool   // a choice group (XDF3 art X, Auswahl): exactly one of its children is given
	name     string // property name
	title    string
	hint     string
	min, max int // max -1 = unbounded
	kids     []*item
	parent   *item
	kind     string // Feldart of a field
	schema   map[string]any
	list     *codelist.List // the code list of a select field
	label    string         // text of a label field
	rules    []*node
	annot    []map[string]any // rules shown at this element
	ruleSpec *translated
	fields   int // input/select fields inside, recursively (for page splitting)
	// hoistedFrom is the large top-level group whose child this item was: its fields moved to
	// the top level so that the group can be spread over several pages.
	hoistedFrom *item
}

// translated is a rule the importer turned into a layout rule plus conditional requiredness.
type translated struct {
	cond     *item
	values   []any // condition: the field has one of these values
	show     bool  // a SHOW rule in the layout (the rule also hides the target otherwise)
	required bool  // the target is required when the condition holds
}

// schema is the JSON Schema of the condition's values.
func (t *translated) schema() map[string]any {
	if len(t.values) == 1 {
		return map[string]any{"const": t.values[0]}
	}
	return map[string]any{"enum": t.values}
}

type importer struct {
	opts      Options
	xdf       int
	res       Result
	listsUsed map[string]*codelist.List // file name → list
	byID      map[string]*item
	root      *item
}

func (im *importer) note(sev, where, format string, args ...any) {
	im.res.Report.Notes = append(im.res.Report.Notes, Note{Severity: sev, Where: where, Message: fmt.Sprintf(format, args...)})
}

func (im *importer) run(sds *node) error {
	rep := &im.res.Report
	rep.SchemaID = sds.str("identifikation/id")
	rep.SchemaVersion = sds.str("identifikation/version")
	if rep.SchemaID == "" {
		return errAt(sds, "die Kennung des Stammdatenschemas (identifikation/id) fehlt")
	}
	rep.Title = firstNonEmpty(sds.str("bezeichnungEingabe"), sds.str("bezeichnung"), sds.str("name"), rep.SchemaID)
	root := &item{n: sds, id: rep.SchemaID, group: true, title: rep.Title, min: 1, max: 1, rules: sds.children("regel")}
	im.root = root
	if err := im.structure(root, nil); err != nil {
		return err
	}
	im.hoist(root)
	im.rules(root)
	id := im.opts.ID
	if id == "" {
		id = strings.ToLower(rep.SchemaID)
	}
	rep.FormID = id
	im.res.Files = map[string][]byte{}
	schema := im.objectSchema(root)
	schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	schema["title"] = rep.Title
	schema["x-fim-id"] = rep.SchemaID
	layout := im.layout(root)
	im.res.Files["schema.json"] = marshal(orderSchema(schema))
	im.res.Files["layout.json"] = marshal(layout)
	im.res.Files["form.json"] = marshal(im.manifest(sds, id))
	names := make([]string, 0, len(im.listsUsed))
	for name := range im.listsUsed {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		im.res.Files["codelists/"+name] = im.listsUsed[name].Data
	}
	rep.Codelists = len(names)
	return nil
}

// hoist spreads each large required top-level group over several pages: its children move to
// the top level of the data (a page shows only whole objects, so one object cannot be split).
func (im *importer) hoist(root *item) {
	var kids []*item
	for _, k := range root.kids {
		if !k.group || k.choice || k.max != 1 || k.min == 0 || k.fields <= maxPageFields || len(k.kids) < 2 {
			kids = append(kids, k)
			continue
		}
		for _, c := range k.kids {
			c.parent, c.hoistedFrom = root, k
			kids = append(kids, c)
		}
		im.note(NoteInfo, k.id, "Die Datenfeldgruppe „%s“ hat %d Eingabefelder und wurde auf mehrere Seiten verteilt; ihre Felder und Untergruppen stehen in den Daten auf der obersten Ebene.", k.title, k.fields)
	}
	used := map[string]int{}
	for _, k := range kids {
		k.name = uniqueName(k.name, used)
	}
	root.kids = kids
}

// structure reads the struktur elements of a group (or the schema) into its children.
func (im *importer) structure(g *item, ancestors []string) error {
	ancestors = append(ancestors, g.id)
	seen := map[string]bool{}
	used := map[string]int{}
	for _, st := range g.n.children("struktur") {
		min, max, err := cardinality(st)
		if err != nil {
			return err
		}
		enth := st.child("enthaelt")
		if enth == nil || len(enth.kids) == 0 {
			return errAt(st, "struktur ohne enthaelt (weder datenfeld noch datenfeldgruppe)")
		}
		el := enth.kids[0]
		it := &item{n: el, parent: g, min: min, max: max}
		it.id = el.str("identifikation/id")
		it.version = el.str("identifikation/version")
		if it.id == "" {
			return errAt(el, "die Kennung (identifikation/id) fehlt")
		}
		key := it.id + "@" + it.version
		if seen[key] {
			return errAt(el, "%s kommt in %s doppelt vor", it.id, g.id)
		}
		seen[key] = true
		it.title = firstNonEmpty(el.str("bezeichnungEingabe"), el.str("name"), it.id)
		it.hint = el.str("hilfetextEingabe")
		switch el.name {
		case "datenfeldgruppe":
			for _, a := range ancestors {
				if a == it.id {
					return &Error{Where: it.id, Message: fmt.Sprintf("%s: die Datenfeldgruppe enthält sich selbst (zyklische Struktur)", el.path())}
				}
			}
			it.group = true
			it.rules = el.children("regel")
			if art := el.str("art/code"); art == "X" || strings.EqualFold(el.str("art/name"), "Auswahl") {
				// Gruppenart X (Auswahl): exactly one child is given. Reported, so that the
				// author checks the alternatives and their texts.
				it.choice = true
			} else if art != "" {
				im.note(NoteWarning, it.id, "Die Datenfeldgruppe hat die unbekannte Gruppenart „%s“ und wurde als gewöhnliche Gruppe übernommen.", art)
			}
			im.res.Report.Groups++
			if err := im.structure(it, ancestors); err != nil {
				return err
			}
			for _, k := range it.kids {
				it.fields += k.fields
			}
			if it.choice {
				var names []string
				for _, k := range it.alternatives() {
					names = append(names, "„"+k.title+"“")
				}
				im.note(NoteInfo, it.id, "Die Datenfeldgruppe „%s“ ist eine Auswahl: Genau eine der Angaben %s ist zu machen (minProperties/maxProperties 1 im Schema, Hinweis im Layout).", it.title, strings.Join(names, ", "))
			}
		case "datenfeld":
			if err := im.field(it); err != nil {
				return err
			}
		default:
			return errAt(el, "unbekanntes Element %s in enthaelt", el.name)
		}
		it.name = uniqueName(propertyName(it.title), used)
		g.kids = append(g.kids, it)
		im.byID[it.id] = it
	}
	return nil
}

// maxAttachmentSize is the largest maxSize the form format allows (100 MB).
const maxAttachmentSize = 100_000_000

// maxFiles is the most files one attachment field takes.
const maxFiles = 20

var anzahlPattern = regexp.MustCompile(`^\s*(\d+)\s*:\s*(\d+|\*)\s*$`)

func cardinality(st *node) (int, int, error) {
	a := st.str("anzahl")
	m := anzahlPattern.FindStringSubmatch(a)
	if m == nil {
		return 0, 0, errAt(st.child("anzahl"), "die Anzahl „%s“ ist nicht in der Form min:max (z. B. 0:1, 1:*)", a)
	}
	min, err1 := strconv.Atoi(m[1])
	max := -1
	var err2 error
	if m[2] != "*" {
		max, err2 = strconv.Atoi(m[2])
	}
	if err1 != nil || err2 != nil || min > 10000 || max > 10000 || (max >= 0 && max < min) || max == 0 {
		return 0, 0, errAt(st.child("anzahl"), "die Anzahl „%s“ ist unmöglich", a)
	}
	return min, max, nil
}

// field maps one Datenfeld to a property schema.
func (im *importer) field(it *item) error {
	el := it.n
	it.kind = el.str("feldart/code")
	typ := el.str("datentyp/code")
	switch it.kind {
	case "input", "select", "locked", "hidden":
	case "label":
		it.label = firstNonEmpty(el.str("inhalt"), it.hint, it.title)
		return nil
	default:
		return &Error{Where: it.id, Message: fmt.Sprintf("%s: unbekannte Feldart „%s“", el.path(), it.kind)}
	}
	if it.kind == "input" || it.kind == "select" {
		im.res.Report.Fields++
		it.fields = 1
	}
	s := map[string]any{"title": it.title, "x-fim-id": fimID(it.id)}
	if it.hint != "" {
		s["description"] = it.hint
	}
	it.schema = s
	switch typ {
	case "text", "string":
		s["type"] = "string"
	case "text_latin":
		s["type"] = "string"
		s["format"] = "latin"
	case "date":
		s["type"] = "string"
		s["format"] = "date"
	case "time":
		s["type"] = "string"
		s["pattern"] = "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
	case "datetime":
		s["type"] = "string"
		s["format"] = "date-time"
	case "bool":
		s["type"] = "boolean"
		s["oneOf"] = []any{map[string]any{"const": true, "title": "Ja"}, map[string]any{"const": false, "title": "Nein"}}
	case "num":
		s["type"] = "number"
	case "num_int":
		s["type"] = "integer"
	case "num_currency":
		s["type"] = "number"
		s["multipleOf"] = json.Number("0.01")
	case "file", "obj":
		delete(s, "type")
		// Anzahl counts files: at least one makes the field required, the maximum (at most 20,
		// the format's limit) is maxFiles.
		att := map[string]any{"maxFiles": 1}
		if it.max != 1 {
			att["maxFiles"] = maxFiles
			if it.max > 1 && it.max < maxFiles {
				att["maxFiles"] = it.max
			}
		}
		if mt := el.children("mediaType"); len(mt) > 0 {
			var types []any
			for _, m := range mt {
				if t := strings.TrimSpace(m.text); t != "" {
					types = append(types, t)
				}
			}
			if len(types) > 0 {
				att["mediaTypes"] = types
			}
		}
		if ms := el.str("maxSize"); ms != "" {
			if n, err := strconv.ParseInt(ms, 10, 64); err == nil && n > 0 {
				if n > maxAttachmentSize {
					im.note(NoteWarning, it.id, "Die Höchstgröße %s Bytes von „%s“ liegt über dem, was ozgform annimmt; übernommen wurden %d Bytes.", ms, it.title, maxAttachmentSize)
					n = maxAttachmentSize
				}
				att["maxSize"] = n
			}
		}
		s["x-attachment"] = att
		it.min, it.max = min(it.min, 1), 1 // the number of files is the attachment's
		return nil
	default:
		return &Error{Where: it.id, Message: fmt.Sprintf("%s: unbekannter Datentyp „%s“", el.path()+"/datentyp", typ)}
	}
	if err := im.precision(it, s, typ); err != nil {
		return err
	}
	if it.kind == "select" {
		im.choices(it, s)
	}
	if v := el.str("inhalt"); v != "" && it.kind != "select" {
		if d, ok := defaultValue(s, v); ok {
			s["default"] = d
		} else {
			im.note(NoteWarning, it.id, "Der Vorgabewert „%s“ passt nicht zum Datentyp und wurde weggelassen.", v)
		}
	}
	switch it.kind {
	case "locked":
		s["readOnly"] = true
		it.min = 0
		im.note(NoteInfo, it.id, "Gesperrtes Feld „%s“: als schreibgeschützt übernommen; bitte prüfen Sie, wer den Wert einträgt.", it.title)
	case "hidden":
		it.min = 0
		im.note(NoteInfo, it.id, "Verstecktes Feld „%s“: im Schema, aber nicht im Layout.", it.title)
	}
	return nil
}

// precision maps the Präzisierung: XDF2 JSON in the element text, XDF3 attributes.
func (im *importer) precision(it *item, s map[string]any, typ string) error {
	p := it.n.child("praezisierung")
	if p == nil {
		return nil
	}
	vals := map[string]string{}
	if im.xdf == 2 {
		txt := strings.TrimSpace(p.text)
		if txt == "" {
			return nil
		}
		var raw map[string]any
		dec := json.NewDecoder(strings.NewReader(txt))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return &Error{Where: it.id, Message: fmt.Sprintf("%s: die Präzisierung ist kein JSON-Objekt: %v", p.path(), err)}
		}
		for k, v := range raw {
			vals[k] = strings.TrimSpace(fmt.Sprint(v))
		}
	} else {
		for _, a := range p.attrs {
			vals[a.Name.Local] = strings.TrimSpace(a.Value)
		}
	}
	num := func(key string) (json.Number, bool, error) {
		v, ok := vals[key]
		if !ok || v == "" {
			return "", false, nil
		}
		if _, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64); err != nil {
			return "", false, &Error{Where: it.id, Message: fmt.Sprintf("%s: %s „%s“ ist keine Zahl", p.path(), key, v)}
		}
		return json.Number(strings.Replace(v, ",", ".", 1)), true, nil
	}
	isString := s["type"] == "string"
	for _, k := range []string{"minLength", "maxLength"} {
		n, ok, err := num(k)
		if err != nil {
			return err
		}
		if ok && isString {
			i, err := strconv.Atoi(string(n))
			if err != nil || i < 0 {
				return &Error{Where: it.id, Message: fmt.Sprintf("%s: %s „%s“ ist keine ganze Zahl ≥ 0", p.path(), k, n)}
			}
			s[k] = i
		}
	}
	for k, target := range map[string]string{"minValue": "minimum", "maxValue": "maximum"} {
		n, ok, err := num(k)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if s["type"] == "number" || s["type"] == "integer" {
			s[target] = n
		} else {
			im.note(NoteWarning, it.id, "%s = %s gilt für den Datentyp %s nicht und wurde weggelassen.", k, n, typ)
		}
	}
	if pat := vals["pattern"]; pat != "" && isString {
		re, err := translatePattern(pat)
		if err != nil {
			return &Error{Where: it.id, Message: fmt.Sprintf("%s: das Muster „%s“ lässt sich nicht übernehmen: %v", p.path(), pat, err)}
		}
		s["pattern"] = re
	}
	return nil
}

// translatePattern turns an XSD pattern (implicitly anchored, XSD regex syntax) into an RE2
// pattern the validator accepts; constructs RE2 lacks are refused.
func translatePattern(p string) (string, error) {
	switch {
	case strings.Contains(p, "-["):
		return "", errors.New("Zeichenklassen-Subtraktion (-[…]) gibt es in RE2 nicht")
	case regexp.MustCompile(`\\[iIcC]`).MatchString(p):
		return "", errors.New(`die XML-Namenszeichenklassen \i und \c gibt es in RE2 nicht`)
	case regexp.MustCompile(`\\p\{Is`).MatchString(p):
		return "", errors.New(`Unicode-Blöcke (\p{Is…}) gibt es in RE2 nicht`)
	}
	re := "^(?:" + p + ")$"
	if _, err := regexp.Compile(re); err != nil {
		return "", fmt.Errorf("kein gültiger regulärer Ausdruck (%v)", err)
	}
	return re, nil
}

// choices gives a select field its code list (x-codelist) or its inline values (werte).
func (im *importer) choices(it *item, s map[string]any) {
	el := it.n
	if werte := el.child("werte"); werte != nil {
		var alts []any
		for _, w := range werte.children("wert") {
			code := w.str("code")
			if code == "" {
				continue
			}
			alts = append(alts, map[string]any{"const": code, "title": firstNonEmpty(w.str("name"), code)})
		}
		if len(alts) > 0 {
			s["type"] = "string"
			s["oneOf"] = alts
			delete(s, "minLength")
			delete(s, "maxLength")
			return
		}
	}
	ref := el.child("codelisteReferenz")
	if ref == nil {
		im.note(NoteWarning, it.id, "Auswahlfeld „%s“ ohne Werte und ohne Codeliste: als Textfeld übernommen.", it.title)
		return
	}
	uri := firstNonEmpty(ref.str("canonicalIdentification"), ref.str("genericodeIdentification/canonicalIdentification"))
	version := firstNonEmpty(ref.str("version"), ref.str("genericodeIdentification/version"))
	if uri == "" {
		im.note(NoteWarning, it.id, "Die Codeliste von „%s“ hat keine Kennung (canonicalIdentification): als Textfeld übernommen.", it.title)
		return
	}
	l, exact := im.opts.Codelists.Find(uri, version)
	if l == nil {
		im.note(NoteWarning, it.id, "Die Codeliste %s (Version %s) fehlt (--codelists): „%s“ wurde ein Textfeld. Legen Sie die Liste in codelists/ ab und setzen Sie x-codelist.", uri, version, it.title)
		return
	}
	if !exact {
		im.note(NoteWarning, it.id, "Die Codeliste %s liegt nicht in Version %s vor; für „%s“ wird Version %s verwendet.", uri, version, it.title, l.Version)
	}
	s["type"] = "string"
	delete(s, "minLength")
	delete(s, "maxLength")
	delete(s, "pattern")
	s["x-codelist"] = map[string]any{"listURI": l.URI, "listVersionID": l.Version}
	it.list = l
	im.listsUsed[listFileName(l)] = l
}

func listFileName(l *codelist.List) string {
	var b strings.Builder
	for _, r := range strings.ToLower(umlauts.Replace(l.URI + "_" + l.Version)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_.")
	if len(name) > 120 {
		name = name[len(name)-120:]
	}
	return name + ".xml"
}

func defaultValue(s map[string]any, v string) (any, bool) {
	switch s["type"] {
	case "boolean":
		switch strings.ToLower(v) {
		case "true", "ja", "1":
			return true, true
		case "false", "nein", "0":
			return false, true
		}
		return nil, false
	case "integer":
		n, err := strconv.Atoi(v)
		return n, err == nil
	case "number":
		_, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
		return json.Number(strings.Replace(v, ",", ".", 1)), err == nil
	}
	return v, true
}

// fimID keeps an id the x-fim-id keyword accepts (F/G/S/D and 5 to 14 digits).
func fimID(id string) string {
	if regexp.MustCompile(`^[FGSD][0-9]{5,14}$`).MatchString(id) {
		return id
	}
	return ""
}

// alternatives are the children of a choice group that data can carry: not labels.
func (it *item) alternatives() []*item {
	var out []*item
	for _, k := range it.kids {
		if k.kind != "label" {
			out = append(out, k)
		}
	}
	return out
}

// choiceText is the hint a choice group shows above its alternatives.
func (it *item) choiceText() string {
	var names []string
	for _, k := range it.alternatives() {
		if k.kind != "hidden" {
			names = append(names, "„"+k.title+"“")
		}
	}
	if len(names) < 2 {
		return "Bitte machen Sie die folgende Angabe."
	}
	return "Bitte machen Sie genau eine dieser Angaben: " + strings.Join(names[:len(names)-1], ", ") + " oder " + names[len(names)-1] + "."
}

// objectSchema builds the schema of a group: an object of its children; for a choice group
// the children are alternatives (exactly one property) instead of required.
func (im *importer) objectSchema(g *item) map[string]any {
	props := map[string]any{}
	var order []string
	var required []any
	var allOf []any
	for _, k := range g.kids {
		if k.kind == "label" {
			continue
		}
		var s map[string]any
		if k.group {
			s = im.objectSchema(k)
			s["title"] = k.title
			if k.hint != "" {
				s["description"] = k.hint
			}
			if id := fimID(k.id); id != "" {
				s["x-fim-id"] = id
			}
		} else {
			s = k.schema
		}
		if k.max != 1 {
			arr := map[string]any{"type": "array", "title": k.title, "items": s}
			if k.min > 0 {
				arr["minItems"] = k.min
			}
			if k.max > 1 {
				arr["maxItems"] = k.max
			}
			// A list of plain values stays a list of plain values (one input per entry); the
			// FIM id stays at the items, the hint goes to the list, whose legend shows it.
			if d, ok := s["description"]; ok && !k.group {
				arr["description"] = d
			}
			s = arr
		}
		props[k.name] = s
		order = append(order, k.name)
		switch rs := k.ruleSpec; {
		case rs != nil && (k.min > 0 || rs.required):
			allOf = append(allOf, map[string]any{
				"if":   map[string]any{"properties": map[string]any{rs.cond.name: rs.schema()}, "required": []any{rs.cond.name}},
				"then": map[string]any{"required": []any{k.name}},
			})
		case rs != nil:
		case k.min > 0 && !g.choice:
			required = append(required, k.name)
		}
	}
	out := map[string]any{"type": "object", "properties": orderedProps{order, props}, "additionalProperties": false}
	if g.choice {
		// Exactly one child: the object holds only its children (additionalProperties false),
		// so one property. Not oneOf of {required: [child]}: required in alternatives makes
		// each child "sometimes required", and the engine would create the empty objects of
		// all alternatives and ask for their fields.
		out["minProperties"], out["maxProperties"] = 1, 1
		out["errorMessage"] = map[string]any{"minProperties": g.choiceText(), "maxProperties": g.choiceText()}
	}
	if len(required) > 0 {
		out["required"] = required
	}
	if len(allOf) > 0 {
		out["allOf"] = allOf
	}
	return out
}

// maxNameLength is the length up to which propertyName takes whole words of a label.
const maxNameLength = 40

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss")

// propertyName makes a property name from a German label: ASCII letters and digits in
// lowerCamelCase, umlauts spelt out, whole words up to about 40 characters.
func propertyName(label string) string {
	words := strings.FieldsFunc(norm.NFD.String(umlauts.Replace(label)), func(r rune) bool {
		return !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r))) && !unicode.Is(unicode.Mn, r)
	})
	var b strings.Builder
	for _, w := range words {
		var clean strings.Builder
		for _, r := range w {
			if !unicode.Is(unicode.Mn, r) {
				clean.WriteRune(r)
			}
		}
		w = clean.String()
		if w == "" {
			continue
		}
		if b.Len() > 0 && b.Len()+len(w) > maxNameLength {
			break
		}
		if b.Len() == 0 {
			if unicode.IsDigit(rune(w[0])) {
				b.WriteString("feld")
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				w = strings.ToLower(w[:1]) + w[1:]
			}
		} else {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	name := b.String()
	if len(name) > 48 {
		name = name[:48]
	}
	if name == "" {
		return "feld"
	}
	return name
}

func uniqueName(name string, used map[string]int) string {
	used[name]++
	if used[name] == 1 {
		return name
	}
	for {
		cand := name + strconv.Itoa(used[name])
		if used[cand] == 0 {
			used[cand] = 1
			return cand
		}
		used[name]++
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// orderedProps keeps properties in FIM order in schema.json.
type orderedProps struct {
	order []string
	m     map[string]any
}

func (o orderedProps) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.order {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalJSON(orderSchema(o.m[k]))
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ordered is a JSON object with a fixed key order.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(p.k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshalJSON(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

var keyOrder = []string{"$schema", "type", "title", "description", "x-fim-id", "format", "minLength", "maxLength", "minimum", "maximum", "multipleOf", "pattern", "x-codelist", "oneOf", "default", "readOnly", "x-attachment", "properties", "required", "minProperties", "maxProperties", "allOf", "errorMessage", "items", "minItems", "maxItems", "additionalProperties"}

// orderSchema writes schema keywords in a readable order (type and title first).
func orderSchema(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	var out ordered
	done := map[string]bool{}
	for _, k := range keyOrder {
		if val, ok := m[k]; ok {
			out = append(out, kv{k, orderSchema(val)})
			done[k] = true
		}
	}
	var rest []string
	for k := range m {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		out = append(out, kv{k, orderSchema(m[k])})
	}
	return out
}

func marshalJSON(v any) ([]byte, error) {
	if l, ok := v.([]any); ok {
		var b bytes.Buffer
		b.WriteByte('[')
		for i, x := range l {
			if i > 0 {
				b.WriteByte(',')
			}
			xb, err := marshalJSON(orderSchema(x))
			if err != nil {
				return nil, err
			}
			b.Write(xb)
		}
		b.WriteByte(']')
		return b.Bytes(), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// marshal writes indented JSON with a final newline.
func marshal(v any) []byte {
	raw, err := marshalJSON(v)
	if err != nil {
		panic(err) // only maps, slices, strings and numbers: cannot fail
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		panic(err)
	}
	b.WriteByte('\n')
	return b.Bytes()
}
