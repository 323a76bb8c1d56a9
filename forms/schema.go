package forms

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // "today" in date limits means today in Europe/Berlin on any machine

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"

	"github.com/ozgform/ozgform/forms/codelist"
)

// Base URIs. They name resources; nothing is ever fetched from them.
const (
	// BlockBaseURI is the base of the embedded building blocks: a schema refers to the
	// Anschrift block as {"$ref": "https://ozgform.de/bausteine/v1/anschrift-inland.json"}.
	BlockBaseURI = "https://ozgform.de/bausteine/v1/"
	// FormBaseURI is the base under which a form's own files are addressed while compiling;
	// relative references in schema.json resolve against FormBaseURI + id + "/".
	FormBaseURI = "https://ozgform.de/formulare/"
	// VocabularyURI names ozgform's keywords (x-fim-id, x-autocomplete, x-minDate, x-maxDate,
	// x-dateOrder, x-attachment, x-codelist, errorMessage).
	VocabularyURI = "https://ozgform.de/vocab/v1"
)

//go:embed bausteine/*.json
var blocksFS embed.FS

// Blocks returns the embedded building blocks, keyed by file name (e.g. "anschrift-inland.json").
func Blocks() fs.FS {
	sub, _ := fs.Sub(blocksFS, "bausteine")
	return sub
}

var berlin = mustLoadBerlin()

func mustLoadBerlin() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// Today returns the calendar date of now in Europe/Berlin as YYYY-MM-DD.
func Today(now time.Time) string { return now.In(berlin).Format(time.DateOnly) }

// formLoader serves a schema compilation: the form's own folder and the embedded building
// blocks, nothing else. There is no network access and no file outside the folder.
type formLoader struct {
	folder fs.FS
	base   string
	files  map[string]*jsonIndex // positions of every file loaded, for error messages
	// blocks, when set, collects the positions of the building blocks loaded, for the later
	// forms of a formCompiler, which find the blocks compiled and do not load them.
	blocks map[string]*jsonIndex
}

// errRefRefused is wrapped by every refusal of the loader.
var errRefRefused = errors.New("reference refused")

func (l *formLoader) Load(rawURL string) (any, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: die Adresse „%s“ ist ungültig", errRefRefused, rawURL)
	}
	full := u.Scheme + "://" + u.Host + u.Path
	var (
		block bool
		name  string
		file  string
	)
	switch {
	case strings.HasPrefix(full, BlockBaseURI):
		block = true
		name = strings.TrimPrefix(full, BlockBaseURI)
		file = "bausteine/" + name
	case strings.HasPrefix(full, l.base):
		name = strings.TrimPrefix(full, l.base)
		file = name
	default:
		return nil, fmt.Errorf("%w: Verweise dürfen nur auf Dateien im Formularordner oder auf Bausteine (%s…) zeigen, nicht auf „%s“", errRefRefused, BlockBaseURI, rawURL)
	}
	if !fs.ValidPath(name) || !strings.HasSuffix(name, ".json") || strings.HasPrefix(path.Base(name), ".") {
		return nil, fmt.Errorf("%w: „%s“ ist keine JSON-Datei im Formularordner", errRefRefused, rawURL)
	}
	if block {
		b, err := parseBlock(name)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%w: es gibt keinen Baustein „%s“ (vorhanden: %s)", errRefRefused, name, strings.Join(blockNames(), ", "))
			}
			return nil, fmt.Errorf("%w: %w", errRefRefused, err)
		}
		l.files[file] = b.ix
		if l.blocks != nil {
			l.blocks[file] = b.ix
		}
		return b.doc, nil
	}
	data, err := readLimited(l.folder, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errRefRefused, err)
	}
	doc, ix, err := parseJSONIndexed(data, true)
	if err != nil {
		var se *jsonSyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %s:%d:%d: %s", errRefRefused, file, se.Line, se.Column, se.Msg)
		}
		return nil, err
	}
	l.files[file] = ix
	return doc, nil
}

func blockNames() []string {
	entries, _ := fs.ReadDir(Blocks(), ".")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// readLimited reads a file of at most MaxFileSize bytes.
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		if link, ok := linkOutside(fsys, name); ok {
			return nil, linkError(name, link)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("die Datei „%s“ fehlt: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("die Datei „%s“ kann nicht gelesen werden: %w", name, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("„%s“ ist ein Ordner, keine Datei", name)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("die Datei „%s“ ist zu groß (%d Bytes, höchstens %d Bytes erlaubt)", name, st.Size(), MaxFileSize)
	}
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("die Datei „%s“ kann nicht gelesen werden: %w", name, err)
	}
	if len(data) > MaxFileSize { // the file grew after Stat
		return nil, fmt.Errorf("die Datei „%s“ ist zu groß (höchstens %d Bytes erlaubt)", name, MaxFileSize)
	}
	return data, nil
}

// newCompiler returns a compiler for draft 2020-12 with format assertion, ozgform's formats
// and vocabulary, and a loader restricted to the form folder and the building blocks.
func newCompiler(loader *formLoader, clock func() time.Time, lists *codelist.Set) *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.AssertVocabs()
	c.UseLoader(loader)
	c.UseRegexpEngine(compileRegexp)
	register := func(name string, check FormatChecker) {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			s, ok := v.(string)
			if !ok {
				return nil
			}
			return check(s)
		}})
	}
	for name, check := range Formats {
		register(name, check)
	}
	// The standard "date" and "email" formats get German messages; "time" without an offset
	// is what citizens type (see ValidTime); "date-time" gets a German message; "password" is
	// JSON Forms' hint for a hidden input and checks nothing.
	register("date", ValidDate)
	register("email", ValidEmail)
	register("time", ValidTime)
	register("date-time", ValidDateTime)
	register("password", func(string) error { return nil })
	c.RegisterVocabulary(vocabulary(clock, lists))
	return c
}

// Annotations holds ozgform's keywords of one schema node.
type Annotations struct {
	FIMID        string
	Autocomplete string
	MinDate      string      // "today" or YYYY-MM-DD
	MaxDate      string      // "today" or YYYY-MM-DD
	DateOrder    [][2]string // pairs of sibling properties: [earlier, later]
	// ErrorMessage overrides the German message: key "" for every kind, else a JSON Schema keyword.
	ErrorMessage map[string]string
	// Attachment makes the property an attachment field (x-attachment): its value is a list
	// of attachment ids.
	Attachment *AttachmentSpec
	// Codelist makes the property a code from a genericode list of the form folder (x-codelist).
	Codelist *CodelistRef

	clock func() time.Time
}

// CodelistRef is the value of x-codelist: a genericode list named by canonical URI and version.
// List is the list of the form folder it names, nil when the folder lacks it.
type CodelistRef struct {
	URI     string         `json:"listURI"`
	Version string         `json:"listVersionID"`
	List    *codelist.List `json:"-"`
}

// AnnotationsOf returns the ozgform keywords of a compiled schema node, or nil.
func AnnotationsOf(sch *jsonschema.Schema) *Annotations {
	if sch == nil {
		return nil
	}
	for _, e := range sch.Extensions {
		if a, ok := e.(*Annotations); ok {
			return a
		}
	}
	return nil
}

const vocabularySchema = `{
  "properties": {
    "x-fim-id": {"type": "string", "pattern": "^[FGSD][0-9]{5,14}$"},
    "x-autocomplete": {"type": "string", "pattern": "^[a-z0-9 -]+$"},
    "x-minDate": {"type": "string", "pattern": "^(today|[0-9]{4}-[0-9]{2}-[0-9]{2})$"},
    "x-maxDate": {"type": "string", "pattern": "^(today|[0-9]{4}-[0-9]{2}-[0-9]{2})$"},
    "x-dateOrder": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}},
    "x-attachment": {
      "type": "object",
      "properties": {
        "mediaTypes": {"type": "array", "items": {"type": "string"}},
        "maxSize": {"type": "integer"},
        "minFiles": {"type": "integer"},
        "maxFiles": {"type": "integer"}
      },
      "additionalProperties": false
    },
    "x-codelist": {
      "type": "object",
      "properties": {"listURI": {"type": "string", "minLength": 1}, "listVersionID": {"type": "string", "minLength": 1}},
      "required": ["listURI", "listVersionID"],
      "additionalProperties": false
    },
    "errorMessage": {"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
  }
}`

// vocabularyMeta is the compiled meta-schema of ozgform's keywords. It is the same for every
// form, so it is compiled once, not once per form (that was an eighth of the loading time).
var vocabularyMeta = sync.OnceValue(func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(vocabularySchema))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(VocabularyURI, doc); err != nil {
		panic(err)
	}
	return c.MustCompile(VocabularyURI)
})

func vocabulary(clock func() time.Time, lists *codelist.Set) *jsonschema.Vocabulary {
	return &jsonschema.Vocabulary{
		URL:    VocabularyURI,
		Schema: vocabularyMeta(),
		Compile: func(_ *jsonschema.CompilerContext, obj map[string]any) (jsonschema.SchemaExt, error) {
			a := &Annotations{clock: clock}
			found := false
			str := func(key string) string {
				if s, ok := obj[key].(string); ok {
					found = true
					return s
				}
				return ""
			}
			a.FIMID = str("x-fim-id")
			a.Autocomplete = str("x-autocomplete")
			a.MinDate = str("x-minDate")
			a.MaxDate = str("x-maxDate")
			if pairs, ok := obj["x-dateOrder"].([]any); ok {
				found = true
				for _, p := range pairs {
					pa, _ := p.([]any)
					if len(pa) == 2 {
						e, _ := pa[0].(string)
						l, _ := pa[1].(string)
						a.DateOrder = append(a.DateOrder, [2]string{e, l})
					}
				}
			}
			if spec, ok := obj["x-attachment"].(map[string]any); ok {
				found = true
				a.Attachment = parseAttachment(spec)
			}
			if ref, ok := obj["x-codelist"].(map[string]any); ok {
				found = true
				uri, _ := ref["listURI"].(string)
				version, _ := ref["listVersionID"].(string)
				a.Codelist = &CodelistRef{URI: uri, Version: version, List: lists.Get(uri, version)}
			}
			switch m := obj["errorMessage"].(type) {
			case string:
				found = true
				a.ErrorMessage = map[string]string{"": m}
			case map[string]any:
				found = true
				a.ErrorMessage = map[string]string{}
				for k, v := range m {
					if s, ok := v.(string); ok {
						a.ErrorMessage[k] = s
					}
				}
			}
			if !found {
				return nil, nil
			}
			return a, nil
		},
	}
}

// resolveDate turns "today" or a date into YYYY-MM-DD.
func (a *Annotations) resolveDate(spec string) string {
	if spec == "today" {
		now := time.Now
		if a.clock != nil {
			now = a.clock
		}
		return Today(now())
	}
	return spec
}

// Validate checks the date limits, the date order and attachment fields; it is called by the
// jsonschema validator.
func (a *Annotations) Validate(ctx *jsonschema.ValidatorContext, v any) {
	if code, ok := v.(string); ok && a.Codelist != nil && a.Codelist.List != nil && !a.Codelist.List.Has(code) {
		ctx.AddError(&CodelistKind{Got: code, URI: a.Codelist.URI, Version: a.Codelist.Version})
	}
	if a.Attachment != nil {
		a.Attachment.validate(ctx, v)
		return
	}
	switch v := v.(type) {
	case string:
		if ValidDate(v) != nil {
			return // the format keyword reports malformed dates
		}
		if a.MinDate != "" {
			if lim := a.resolveDate(a.MinDate); v < lim {
				ctx.AddError(&MinDateKind{Got: v, Want: lim, Today: a.MinDate == "today"})
			}
		}
		if a.MaxDate != "" {
			if lim := a.resolveDate(a.MaxDate); v > lim {
				ctx.AddError(&MaxDateKind{Got: v, Want: lim, Today: a.MaxDate == "today"})
			}
		}
	case map[string]any:
		for _, pair := range a.DateOrder {
			earlier, ok1 := v[pair[0]].(string)
			later, ok2 := v[pair[1]].(string)
			if !ok1 || !ok2 || ValidDate(earlier) != nil || ValidDate(later) != nil {
				continue
			}
			if later < earlier {
				ctx.AddError(&DateOrderKind{Earlier: pair[0], Later: pair[1], EarlierValue: earlier, LaterValue: later})
			}
		}
	}
}

// MinDateKind is the error kind of x-minDate: the date lies before the limit.
type MinDateKind struct {
	Got, Want string
	Today     bool // the limit is today's date
}

// KeywordPath implements jsonschema.ErrorKind.
func (*MinDateKind) KeywordPath() []string { return []string{"x-minDate"} }

// LocalizedString implements jsonschema.ErrorKind.
func (k *MinDateKind) LocalizedString(p *message.Printer) string {
	return p.Sprintf("date %s is before %s", k.Got, k.Want)
}

// MaxDateKind is the error kind of x-maxDate: the date lies after the limit.
type MaxDateKind struct {
	Got, Want string
	Today     bool // the limit is today's date
}

// KeywordPath implements jsonschema.ErrorKind.
func (*MaxDateKind) KeywordPath() []string { return []string{"x-maxDate"} }

// LocalizedString implements jsonschema.ErrorKind.
func (k *MaxDateKind) LocalizedString(p *message.Printer) string {
	return p.Sprintf("date %s is after %s", k.Got, k.Want)
}

// DateOrderKind is the error kind of x-dateOrder: the later date lies before the earlier one.
// It is reported at the object; the field it belongs to is Later.
type DateOrderKind struct {
	Earlier, Later           string // property names
	EarlierValue, LaterValue string
}

// KeywordPath implements jsonschema.ErrorKind.
func (*DateOrderKind) KeywordPath() []string { return []string{"x-dateOrder"} }

// LocalizedString implements jsonschema.ErrorKind.
func (k *DateOrderKind) LocalizedString(p *message.Printer) string {
	return p.Sprintf("%s (%s) is before %s (%s)", k.Later, k.LaterValue, k.Earlier, k.EarlierValue)
}

// CodelistKind is the error kind of x-codelist: the value is not a code of the list.
type CodelistKind struct {
	Got, URI, Version string
}

// KeywordPath implements jsonschema.ErrorKind.
func (*CodelistKind) KeywordPath() []string { return []string{"x-codelist"} }

// LocalizedString implements jsonschema.ErrorKind.
func (k *CodelistKind) LocalizedString(p *message.Printer) string {
	return p.Sprintf("%q is not a code of %s version %s", k.Got, k.URI, k.Version)
}
