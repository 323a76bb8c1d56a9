package forms

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/forms/codelist"
)

// conditionSchema is the compiled schema of a schema-based rule condition.
type conditionSchema = *jsonschema.Schema

// Options tune loading.
type Options struct {
	// Now is the clock behind "today" in date limits; nil means time.Now.
	Now func() time.Time
}

// Load reads, checks and compiles the form in folder (an fs.FS whose root holds form.json,
// schema.json and layout.json). name is the folder's name, compared with the manifest id.
// It returns the form, or nil when any problem is an error; the problems include warnings.
func Load(folder fs.FS, name string, opts Options) (*Form, Problems) {
	return (&formCompiler{}).load(folder, name, opts)
}

// load is Load with the compiler of fc, which the forms it loaded before share.
func (fc *formCompiler) load(folder fs.FS, name string, opts Options) (*Form, Problems) {
	f, problems, _ := load(folder, name, opts, fc)
	if problems.HasErrors() {
		return nil, problems
	}
	f.Warnings = problems
	return f, problems
}

// load does the work of Load and also returns a partial form when there are errors, so that the
// linter can go on checking what it can, and the position index of every file it parsed.
func load(folder fs.FS, name string, opts Options, fc *formCompiler) (*Form, Problems, map[string]*jsonIndex) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if fc.now == nil {
		fc.now = opts.Now
	}
	rec := &recordingFS{FS: folder, files: map[string][]byte{}}
	folder = rec
	sink := &problemSink{index: map[string]*jsonIndex{}}
	form := &Form{byPath: map[string]*Field{}, Translations: map[string]map[string]string{}, Files: rec.files}

	read := func(file string, required bool) (any, bool) {
		data, err := readLimited(folder, file)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && !required {
				return nil, false
			}
			if errors.Is(err, errLinkOutside) {
				sink.errorf(file, "", "file-link", "%s.", upperFirst(strings.TrimSuffix(err.Error(), ": "+errLinkOutside.Error())))
				return nil, false
			}
			sink.errorf(file, "", "file", "%s.", upperFirst(err.Error()))
			return nil, false
		}
		if file == "schema.json" {
			form.SchemaJSON = data
			sum := sha512.Sum512(data)
			form.SchemaHash = hex.EncodeToString(sum[:])
		}
		doc, ix, err := parseJSONIndexed(data, file == "schema.json")
		if err != nil {
			var se *jsonSyntaxError
			if errors.As(err, &se) {
				sink.list = append(sink.list, Problem{File: file, Line: se.Line, Column: se.Column, Severity: SeverityError, Code: "json-syntax", Message: se.Msg})
			} else {
				sink.errorf(file, "", "json-syntax", "%v", err)
			}
			return nil, false
		}
		sink.index[file] = ix
		for _, d := range ix.dupes {
			sink.warnf(file, d, "json-duplicate", "Der Schlüssel kommt in diesem Objekt mehrfach vor; nur der letzte Wert gilt.")
		}
		return doc, true
	}

	if doc, ok := read("form.json", true); ok {
		form.Manifest = parseManifest(doc, name, sink)
	}
	id := form.Manifest.ID
	if id == "" || !formIDPattern.MatchString(id) {
		id = "formular"
	}
	base := FormBaseURI + id + "/"

	form.Codelists = loadCodelists(folder, sink)
	schemaDoc, schemaOK := read("schema.json", true)
	loader := &formLoader{folder: folder, base: base, files: map[string]*jsonIndex{}}
	if schemaOK {
		if _, isObj := schemaDoc.(map[string]any); !isObj {
			sink.errorf("schema.json", "", "schema-type", "schema.json muss ein JSON-Objekt sein.")
			schemaOK = false
		}
	}
	if schemaOK {
		c := fc.compiler(loader, form.Codelists)
		schemaURL := base + "schema.json"
		if err := c.AddResource(schemaURL, schemaDoc); err != nil {
			fc.failed()
			sink.errorf("schema.json", "", "schema", "Das Schema kann nicht geladen werden: %v", err)
		} else if sch, err := c.Compile(schemaURL); err != nil {
			fc.failed()
			reportCompileError(sink, loader, base, schemaDoc, err)
		} else {
			form.Schema = sch
			if typeOf(sch) != "object" {
				sink.errorf("schema.json", "", "schema-object", "Das Schema muss ein Objekt beschreiben („type“: „object“ mit „properties“).")
				form.Schema = nil
			}
		}
	}
	for file, ix := range loader.files {
		if _, ok := sink.index[file]; !ok {
			sink.index[file] = ix
		}
	}
	// The blocks that earlier forms of fc loaded: this form's schema nodes from them are
	// ordered and located by their positions as well.
	for file, ix := range fc.blocks {
		if _, ok := sink.index[file]; !ok {
			sink.index[file] = ix
		}
	}

	layoutDoc, layoutOK := read("layout.json", true)
	if layoutOK {
		p := &layoutParser{sink: sink, file: "layout.json"}
		form.Layout = p.parse(layoutDoc, "", 0)
	}
	loadTranslations(folder, form, sink, read)

	if form.Schema != nil && form.Layout != nil {
		b := &modelBuilder{form: form, sink: sink, root: form.Schema, positions: positionsFunc(base, sink)}
		b.build(form.Layout)
		compileConditions(b.conds, base, sink)
		form.conds = b.conds
		checkAuthoritiesFields(form, sink)
	}
	sink.list.Sort()
	return form, sink.list, sink.index
}

// CodelistDir is the folder of a form folder that holds its genericode code lists.
const CodelistDir = "codelists"

// loadCodelists reads codelists/*.xml; a file that is no valid genericode list is an error.
func loadCodelists(folder fs.FS, sink *problemSink) *codelist.Set {
	set := codelist.NewSet()
	names, _ := fs.Glob(folder, CodelistDir+"/*.xml")
	for _, name := range names {
		data, err := readLimited(folder, name)
		if err == nil {
			var l *codelist.List
			if l, err = parseCodelistShared(data); err == nil {
				err = set.Add(l)
			}
		}
		if err != nil {
			sink.errorf(name, "", "codelist-file", "Die Codeliste ist unbrauchbar: %v.", err)
		}
	}
	return set
}

// sharedCodelists holds the code lists parsed so far by the SHA-256 of their file: the forms
// of a portal use the same FIM code lists (Staat, Anschrift …), each up to megabytes of
// genericode, which are parsed and kept once instead of once per form. Lists are immutable.
var sharedCodelists = sharedCache[[sha256.Size]byte, *codelist.List]{max: 4096}

func parseCodelistShared(data []byte) (*codelist.List, error) {
	return sharedCodelists.get(sha256.Sum256(data), func() (*codelist.List, error) { return codelist.Parse(data) })
}

// positionsFunc maps a schema location to its file, pointer and byte offset.
func positionsFunc(base string, sink *problemSink) func(string) (string, string, int, bool) {
	return func(loc string) (string, string, int, bool) {
		file, ptr := locationFile(loc, base)
		ix := sink.index[file]
		if ix == nil {
			return file, ptr, 0, false
		}
		off, ok := ix.offset(ptr)
		return file, ptr, off, ok
	}
}

// locationFile maps a schema URL (with fragment) to the author's file name and JSON pointer.
func locationFile(loc, base string) (file, pointer string) {
	doc, ptr := splitLocation(loc)
	switch {
	case strings.HasPrefix(doc, base):
		return strings.TrimPrefix(doc, base), ptr
	case strings.HasPrefix(doc, BlockBaseURI):
		return "bausteine/" + strings.TrimPrefix(doc, BlockBaseURI), ptr
	}
	return doc, ptr
}

// compileConditions compiles the schemas of schema-based rule conditions.
func compileConditions(conds []*Condition, base string, sink *problemSink) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseRegexpEngine(compileRegexp)
	c.UseLoader(&formLoader{files: map[string]*jsonIndex{}, base: base + "\x00"})
	for i, cond := range conds {
		if cond.Type != ConditionSchema {
			cond.prepare()
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(cond.Schema)))
		if err == nil {
			cond.oneOf = scalarChoices(doc)
			cond.prepare()
			u := base + "layout.json/condition/" + strconv.Itoa(i)
			if err = c.AddResource(u, doc); err == nil {
				cond.schema, err = c.Compile(u)
			}
		}
		if err != nil {
			sink.errorf("layout.json", cond.Pointer+"/schema", "rule-schema", "Das Schema der Bedingung ist ungültig: %s", compileErrorText(err))
		}
	}
}

// scalarChoices returns the values of a schema that is only {"const": v} or {"enum": [...]}
// with strings, numbers, booleans or null; nil for any other schema.
func scalarChoices(doc any) []any {
	obj, ok := doc.(map[string]any)
	if !ok || len(obj) != 1 {
		return nil
	}
	var values []any
	if v, ok := obj["const"]; ok {
		values = []any{v}
	} else if list, ok := obj["enum"].([]any); ok && len(list) > 0 {
		values = list
	} else {
		return nil
	}
	for _, v := range values {
		switch v.(type) {
		case nil, bool, string, json.Number, float64:
		default:
			return nil
		}
	}
	return values
}

// Match reports whether the condition holds for data. indices fill the "*" of array paths from
// the left (the item the condition is evaluated for).
func (c *Condition) Match(data any, indices []int) bool {
	switch c.Type {
	case ConditionAnd:
		for _, sub := range c.Conditions {
			if !sub.Match(data, indices) {
				return false
			}
		}
		return true
	case ConditionOr:
		for _, sub := range c.Conditions {
			if sub.Match(data, indices) {
				return true
			}
		}
		return false
	}
	var v any
	var found bool
	if c.segs != nil {
		v, found = lookupSegments(data, c.segs, indices)
	} else {
		v, found = Lookup(data, c.Path, indices)
	}
	if c.Type == ConditionLeaf {
		if c.equals != nil {
			return found && c.equals(v)
		}
		return found && jsonEqual(v, c.ExpectedValue)
	}
	if !found && c.FailWhenUndefined {
		return false
	}
	if c.schema == nil {
		return false
	}
	if c.equals != nil {
		return c.equals(v)
	}
	if c.oneOf != nil {
		for _, x := range c.oneOf {
			if jsonEqual(v, x) {
				return true
			}
		}
		return false
	}
	return c.schema.Validate(v) == nil
}

// prepare precomputes what Match needs for a scope-based condition (c.Path and, for a schema
// condition, c.oneOf are set): the segments of the path and the comparison of values.
func (c *Condition) prepare() {
	if c.Type == ConditionAnd || c.Type == ConditionOr {
		return
	}
	c.segs = splitPattern(c.Path)
	switch {
	case c.Type == ConditionLeaf:
		c.equals = equalsOneOf([]any{c.ExpectedValue})
	case c.oneOf != nil:
		c.equals = equalsOneOf(c.oneOf)
	}
}

// equalsOneOf returns a function that reports whether a value equals one of values as
// jsonEqual compares them. A value equals a string only if it is a string (jsonEqual compares
// numbers by value, everything else with reflect.DeepEqual, which requires the same type),
// likewise a bool; that is checked without reflection, the common case of rule conditions.
func equalsOneOf(values []any) func(any) bool {
	strs := make([]string, 0, len(values))
	for _, x := range values {
		s, ok := x.(string)
		if !ok {
			strs = nil
			break
		}
		strs = append(strs, s)
	}
	switch {
	case len(strs) == 1:
		want := strs[0]
		return func(v any) bool { s, ok := v.(string); return ok && s == want }
	case strs != nil:
		return func(v any) bool {
			s, ok := v.(string)
			if !ok {
				return false
			}
			for _, w := range strs {
				if s == w {
					return true
				}
			}
			return false
		}
	}
	if len(values) == 1 {
		if want, ok := values[0].(bool); ok {
			return func(v any) bool { b, ok := v.(bool); return ok && b == want }
		}
	}
	return func(v any) bool {
		for _, x := range values {
			if jsonEqual(v, x) {
				return true
			}
		}
		return false
	}
}

// splitPattern splits a data path pattern into its unescaped segments, for lookupSegments;
// nil for "" (the data itself).
func splitPattern(pattern string) []string {
	if pattern == "" {
		return nil
	}
	segs := strings.Split(pattern[1:], "/")
	for i, s := range segs {
		segs[i] = unescapePointer(s)
	}
	return segs
}

// lookupSegments is Lookup with the pattern split by splitPattern.
func lookupSegments(data any, segs []string, indices []int) (any, bool) {
	cur, ok := data, true
	for _, seg := range segs {
		if cur, indices, ok = child(cur, seg, indices); !ok {
			return nil, false
		}
	}
	return cur, true
}

// Lookup returns the value at a data path pattern; "*" segments take the next of indices.
func Lookup(data any, pattern string, indices []int) (any, bool) {
	if pattern == "" {
		return data, true
	}
	cur, ok := data, true
	rest := pattern[1:]
	for more := true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		if cur, indices, ok = child(cur, unescapePointer(seg), indices); !ok {
			return nil, false
		}
	}
	return cur, true
}

// child returns the value below cur at one unescaped path segment: a property of an object,
// or an item of a list by number or, for "*", by the first of indices (the rest are returned).
func child(cur any, seg string, indices []int) (any, []int, bool) {
	switch node := cur.(type) {
	case map[string]any:
		v, ok := node[seg]
		return v, indices, ok
	case []any:
		var i int
		if seg == "*" {
			if len(indices) == 0 {
				return nil, indices, false
			}
			i, indices = indices[0], indices[1:]
		} else {
			n, err := strconv.Atoi(seg)
			if err != nil {
				return nil, indices, false
			}
			i = n
		}
		if i < 0 || i >= len(node) {
			return nil, indices, false
		}
		return node[i], indices, true
	}
	return nil, indices, false
}

// jsonEqual compares JSON values, treating numbers by value whatever their Go type.
func jsonEqual(a, b any) bool {
	fa, aNum := asFloat(a)
	fb, bNum := asFloat(b)
	if aNum || bNum {
		return aNum && bNum && fa == fb
	}
	return reflect.DeepEqual(a, b)
}

func asFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func loadTranslations(folder fs.FS, form *Form, sink *problemSink, read func(string, bool) (any, bool)) {
	entries, err := fs.ReadDir(folder, "i18n")
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" {
			continue
		}
		lang := strings.TrimSuffix(e.Name(), ".json")
		file := "i18n/" + e.Name()
		if !contains(form.Manifest.Languages, lang) {
			sink.warnf(file, "", "i18n-language", "Die Sprache „%s“ ist in form.json unter „languages“ nicht angegeben; die Übersetzung wird nicht verwendet.", lang)
		}
		doc, ok := read(file, true)
		if !ok {
			continue
		}
		obj, isObj := doc.(map[string]any)
		if !isObj {
			sink.errorf(file, "", "i18n-type", "Eine Übersetzungsdatei muss ein JSON-Objekt aus Schlüsseln und Texten sein.")
			continue
		}
		texts := map[string]string{}
		for k, v := range obj {
			s, ok := v.(string)
			if !ok {
				sink.errorf(file, "/"+escapePointer(k), "i18n-type", "Der Wert von „%s“ muss ein Text sein.", k)
				continue
			}
			texts[k] = s
		}
		form.Translations[lang] = texts
	}
}

// reportCompileError turns a jsonschema compile error into German problems at the right place.
func reportCompileError(sink *problemSink, loader *formLoader, base string, schemaDoc any, err error) {
	var (
		sve   *jsonschema.SchemaValidationError
		lue   *jsonschema.LoadURLError
		rxe   *jsonschema.InvalidRegexError
		jpnf  *jsonschema.JSONPointerNotFoundError
		anf   *jsonschema.AnchorNotFoundError
		usche *jsonschema.UnsupportedURLSchemeError
	)
	for file, ix := range loader.files {
		if _, ok := sink.index[file]; !ok {
			sink.index[file] = ix
		}
	}
	switch {
	case errors.As(err, &sve):
		file, _ := locationFile(sve.URL, base)
		var ve *jsonschema.ValidationError
		if errors.As(sve.Err, &ve) {
			for _, leaf := range leaves(ve) {
				ptr := "/" + strings.Join(escapeAll(leaf.InstanceLocation), "/")
				if ptr == "/" {
					ptr = ""
				}
				if f, ok := leaf.ErrorKind.(*kindFormat); ok && f.Want == "regex" {
					sink.errorf(file, ptr, "schema-regex", "Das Muster „%v“ ist kein gültiger regulärer Ausdruck in RE2-Syntax (z. B. keine Rückbezüge und keine Lookaheads wie „(?=…)“).", f.Got)
					continue
				}
				sink.errorf(file, ptr, "schema-invalid", "Das Schema ist ungültig: %s", metaMessage(leaf))
			}
			return
		}
		sink.errorf(file, "", "schema-invalid", "Das Schema ist ungültig: %v", sve.Err)
	case errors.As(err, &lue):
		file, ptr := refLocation(schemaDoc, base, lue.URL)
		msg := lue.Err.Error()
		if errors.Is(lue.Err, errLinkOutside) {
			sink.errorf(file, ptr, "file-link", "Der Verweis „%s“ ist nicht erlaubt: %s.", lue.URL,
				strings.TrimSuffix(strings.TrimPrefix(msg, errRefRefused.Error()+": "), ": "+errLinkOutside.Error()))
			return
		}
		if !errors.Is(lue.Err, errRefRefused) {
			msg = "die Datei kann nicht geladen werden: " + msg
		}
		sink.errorf(file, ptr, "schema-ref", "Der Verweis „%s“ ist nicht erlaubt: %s.", lue.URL, strings.TrimPrefix(msg, errRefRefused.Error()+": "))
	case errors.As(err, &usche):
		file, ptr := refLocation(schemaDoc, base, "")
		sink.errorf(file, ptr, "schema-ref", "Verweise dürfen nur auf Dateien im Formularordner oder auf Bausteine zeigen: %v.", err)
	case errors.As(err, &rxe):
		file, ptr := locationFile(rxe.URL, base)
		sink.errorf(file, ptr, "schema-regex", "Das Muster „%s“ ist kein gültiger regulärer Ausdruck (RE2-Syntax, z. B. keine Rückbezüge oder Lookaheads): %v.", rxe.Regex, rxe.Err)
	case errors.As(err, &jpnf):
		file, ptr := refLocation(schemaDoc, base, jpnf.URL)
		sink.errorf(file, ptr, "schema-ref", "Das Ziel des Verweises „%s“ existiert nicht.", jpnf.URL)
	case errors.As(err, &anf):
		file, ptr := refLocation(schemaDoc, base, anf.Reference)
		sink.errorf(file, ptr, "schema-ref", "Der Anker im Verweis „%s“ existiert nicht.", anf.Reference)
	default:
		sink.errorf("schema.json", "", "schema", "Das Schema kann nicht übersetzt werden: %s", compileErrorText(err))
	}
}

func compileErrorText(err error) string {
	var ve *jsonschema.SchemaValidationError
	if errors.As(err, &ve) {
		var v *jsonschema.ValidationError
		if errors.As(ve.Err, &v) {
			var parts []string
			for _, l := range leaves(v) {
				parts = append(parts, "/"+strings.Join(escapeAll(l.InstanceLocation), "/")+": "+metaMessage(l))
			}
			return strings.Join(parts, "; ")
		}
	}
	return err.Error()
}

// refLocation finds the "$ref" in the schema whose target is target (a full URL), so that the
// problem points at the line the author wrote.
func refLocation(schemaDoc any, base, target string) (string, string) {
	targetDoc, _ := splitLocation(target)
	var found string
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		if found != "" {
			return
		}
		switch n := v.(type) {
		case map[string]any:
			if ref, ok := n["$ref"].(string); ok {
				resolved := resolveRef(base+"schema.json", ref)
				rd, _ := splitLocation(resolved)
				if resolved == target || (targetDoc != "" && rd == targetDoc) || target == "" {
					found = ptr + "/$ref"
					return
				}
			}
			keys := make([]string, 0, len(n))
			for k := range n {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(n[k], ptr+"/"+escapePointer(k))
			}
		case []any:
			for i, x := range n {
				walk(x, ptr+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(schemaDoc, "")
	return "schema.json", found
}

func resolveRef(baseURL, ref string) string {
	b, err := url.Parse(baseURL)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

func escapeAll(segs []string) []string {
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = escapePointer(s)
	}
	return out
}

// metaMessage describes a meta-schema violation in German for the author.
func metaMessage(ve *jsonschema.ValidationError) string {
	kw := strings.Join(ve.ErrorKind.KeywordPath(), "/")
	switch k := ve.ErrorKind.(type) {
	case *kindType:
		return fmt.Sprintf("erwartet %s, gefunden %s", germanTypes(k.Want), germanJSONType(k.Got))
	case *kindEnum:
		return fmt.Sprintf("erlaubt sind nur %v", k.Want)
	case *kindMinimum:
		return fmt.Sprintf("der Wert muss mindestens %s sein", k.Want.RatString())
	case *kindFormat:
		return fmt.Sprintf("„%v“ ist kein gültiges %s", k.Got, k.Want)
	}
	return fmt.Sprintf("verstößt gegen „%s“ (%s)", kw, ve.ErrorKind.LocalizedString(englishPrinter))
}

func germanTypes(ts []string) string {
	var out []string
	for _, t := range ts {
		switch t {
		case "boolean":
			t = "bool"
		case "integer":
			out = append(out, "ganze Zahl")
			continue
		}
		out = append(out, germanJSONType(t))
	}
	return strings.Join(out, " oder ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}
