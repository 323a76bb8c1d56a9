package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ozgform/ozgform/forms"
)

// Catalog holds the text of every validation message in German and English and renders
// [FieldError] values. A Catalog is immutable and safe for concurrent use.
//
// Templates name their parameters in braces: "{label}" is the field's label in the requested
// language, "{limit}" a parameter of the error, formatted for the language (numbers as
// "1.234,5" in German, ISO dates as "28.11.2026"). "{limit#Eintrag#Einträge}" renders the
// number followed by the singular or the plural word.
type Catalog struct {
	texts map[string]messageText
}

// messageText is one message in the supported languages.
type messageText struct {
	de, en string
}

// NewCatalog returns the catalog of the built-in messages.
func NewCatalog() *Catalog {
	return &Catalog{texts: builtinMessages}
}

// MessageIDs lists every message id of the catalog, sorted. [Catalog.Template] returns the
// German and English template of each.
func (c *Catalog) MessageIDs() []string {
	ids := make([]string, 0, len(c.texts))
	for id := range c.texts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Template returns the template of message id in lang ("de" or "en"; others fall back to
// German), and whether the catalog knows the id.
func (c *Catalog) Template(id, lang string) (string, bool) {
	t, ok := c.texts[id]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return t.en, true
	}
	return t.de, true
}

// Message renders fe in lang: "de" (the default, also for "") or "en"; other languages get
// the form's translations where the author provided them and German otherwise. form may be
// nil; then labels fall back to the property name.
//
// The author's overrides win over the catalog: in German the schema keyword "errorMessage" of
// the field (by keyword, or the plain string for every keyword), in other languages the
// translation keys "<key>.error.<keyword>" and "<key>.error" of i18n/<lang>.json. Errors of an
// object's keywords (a missing property, x-dateOrder, an unknown property) that the field has
// no message for take the errorMessage of the enclosing object. Where a translation is missing,
// the catalog's message in that language is used, never the German errorMessage. For format errors in German without an override, the
// format checker's own sentence is used after the label ("„IBAN“: Die Prüfziffer der IBAN stimmt
// nicht. …"), because it says exactly what is wrong.
func (c *Catalog) Message(form *forms.Form, fe FieldError, lang string) string {
	if lang == "" {
		lang = "de"
	}
	var fd *forms.Field
	if form != nil {
		fd = form.Field(fe.Path)
	}
	r := messageRenderer{form: form, field: fd, fe: fe, lang: lang}
	if s, ok := c.override(form, fd, fe, lang); ok {
		return r.render(s)
	}
	if detail, ok := fe.Params["detail"].(string); ok && detail != "" && lang == "de" && strings.HasPrefix(fe.MessageID, "format") {
		// The checker's sentence says what is wrong but not where; the label makes it clear
		// in the error summary too.
		return "„" + r.label() + "“: " + detail
	}
	t, ok := c.texts[fe.MessageID]
	if !ok {
		t = c.texts["invalid"]
	}
	if lang == "en" {
		return r.render(t.en)
	}
	return r.render(t.de)
}

// objectKeywords are keywords of an object whose errors are shown at one of its properties.
var objectKeywords = map[string]bool{
	"required": true, "dependentRequired": true, "dependencies": true,
	"x-dateOrder": true, "additionalProperties": true,
}

// override finds the author's message for fe.
func (c *Catalog) override(form *forms.Form, fd *forms.Field, fe FieldError, lang string) (string, bool) {
	if form == nil {
		return "", false
	}
	base, _, _ := strings.Cut(fe.MessageID, ".")
	keys := make([]string, 0, 3)
	for _, k := range []string{fe.Keyword, base} {
		if k != "" && !hasString(keys, k) {
			keys = append(keys, k)
		}
	}
	if base == "required" && len(keys) == 2 {
		keys[0], keys[1] = keys[1], keys[0] // a missing value: the author's "required" first
	}
	var parentMsgs map[string]string
	parentKey, hasParent := "", false
	if objectKeywords[fe.Keyword] {
		parentMsgs, parentKey, hasParent = parentMessages(form, fe.Path)
	}
	if fd != nil {
		for _, k := range append(keys, "") {
			if s, ok := authorText(form, fd.Key, fd.ErrorMessages, k, lang); ok {
				return s, true
			}
		}
	}
	if hasParent {
		return authorText(form, parentKey, parentMsgs, fe.Keyword, lang)
	}
	return "", false
}

// authorText returns the author's message for keyword: in German from errorMessage, in other
// languages from the translation "<key>.error.<keyword>" ("<key>.error" for keyword "").
func authorText(form *forms.Form, key string, msgs map[string]string, keyword, lang string) (string, bool) {
	if lang == "de" {
		s := msgs[keyword]
		return s, s != ""
	}
	tk := "error"
	if key != "" {
		tk = key + ".error"
	}
	if keyword != "" {
		tk += "." + keyword
	}
	s := form.Translations[lang][tk]
	return s, s != ""
}

// parentMessages returns the errorMessage of the object that contains path, and its
// translation key prefix: the enclosing field, the item schema of an enclosing list, or the
// root schema.
func parentMessages(form *forms.Form, path string) (map[string]string, string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return nil, "", false
	}
	pp := path[:i]
	if pp == "" {
		if a := forms.AnnotationsOf(form.Schema); a != nil {
			return a.ErrorMessage, "", true
		}
		return nil, "", true
	}
	if fd := form.Field(pp); fd != nil {
		return fd.ErrorMessages, fd.Key, true
	}
	j := strings.LastIndexByte(pp, '/')
	if _, err := strconv.Atoi(pp[j+1:]); err != nil {
		return nil, "", false
	}
	list := form.Field(pp[:j])
	if list == nil || list.Schema == nil {
		return nil, "", false
	}
	s := forms.ItemsOf(list.Schema)
	for n := 0; s != nil && n < 16; n, s = n+1, s.Ref {
		if a := forms.AnnotationsOf(s); a != nil && a.ErrorMessage != nil {
			return a.ErrorMessage, list.Key, true
		}
	}
	return nil, list.Key, true
}

// messageRenderer fills one template.
type messageRenderer struct {
	form  *forms.Form
	field *forms.Field
	fe    FieldError
	lang  string
}

func (r messageRenderer) render(tpl string) string {
	if !strings.Contains(tpl, "{") {
		return tpl
	}
	var sb strings.Builder
	sb.Grow(len(tpl) + 32) // room for a label or a number in place of its placeholder
	for {
		start := strings.IndexByte(tpl, '{')
		if start < 0 {
			break
		}
		end := strings.IndexByte(tpl[start:], '}')
		if end < 0 {
			break
		}
		end += start
		value, ok := r.placeholder(tpl[start+1 : end])
		sb.WriteString(tpl[:start])
		if ok {
			sb.WriteString(value)
		} else {
			sb.WriteString(tpl[start : end+1])
		}
		tpl = tpl[end+1:]
	}
	sb.WriteString(tpl)
	return sb.String()
}

// placeholder renders "{name}" or "{name#singular#plural}"; ok is false for text in braces
// that is no placeholder (an author's message may contain braces).
func (r messageRenderer) placeholder(spec string) (string, bool) {
	hashes := strings.Count(spec, "#")
	name, words, _ := strings.Cut(spec, "#")
	if name == "" || strings.ContainsAny(name, " \t\n") || (hashes != 0 && hashes != 2) {
		return "", false
	}
	if hashes == 2 {
		n, ok := numericParam(r.fe.Params[name])
		if !ok {
			return "", false
		}
		singular, plural, _ := strings.Cut(words, "#")
		word := plural
		if n == 1 {
			word = singular
		}
		return formatNumber(n, r.lang) + " " + word, true
	}
	switch name {
	case "label":
		return r.label(), true
	case "earlier":
		if p, ok := r.fe.Params["earlierPath"].(string); ok && r.form != nil {
			if fd := r.form.Field(p); fd != nil {
				return r.form.T(r.lang, fd.LabelKey(), fd.Label), true
			}
		}
	case "want":
		return r.types(), true
	case "choices":
		return r.choices(), true
	}
	v, ok := r.fe.Params[name]
	if !ok {
		return "", false
	}
	return r.value(v), true
}

// label is the field's label in the language, or a stand-in for errors outside every field.
func (r messageRenderer) label() string {
	if r.field != nil {
		return trimSentenceStop(r.form.T(r.lang, r.field.LabelKey(), r.field.Label))
	}
	if r.fe.Path == "" {
		if r.form != nil && r.form.Manifest.Title != "" {
			return r.form.T(r.lang, "form.title", r.form.Manifest.Title)
		}
		if r.lang == "en" {
			return "form"
		}
		return "Formular"
	}
	if p, ok := r.fe.Params["property"].(string); ok && strings.HasSuffix(r.fe.Path, "/"+escapeToken(p)) {
		return p
	}
	segs := strings.Split(r.fe.Path[1:], "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(segs[i]); err != nil {
			return unescapeToken(segs[i])
		}
	}
	return r.fe.Path
}

// trimSentenceStop drops the full stop of a label that is a whole sentence ("Ich versichere,
// dass die Angaben richtig sind."), because the message quoting it ends with its own: „…sind“.
// Short labels keep theirs, which is likely an abbreviation ("Hausnr.").
func trimSentenceStop(label string) string {
	body, ok := strings.CutSuffix(label, ".")
	if !ok || strings.Count(body, " ") < 3 {
		return label
	}
	if last, _ := utf8.DecodeLastRuneInString(body); !unicode.IsLower(last) {
		return label
	}
	return body
}

func (r messageRenderer) value(v any) string {
	if n, ok := numericParam(v); ok {
		return formatNumber(n, r.lang)
	}
	switch v := v.(type) {
	case string:
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			if r.lang == "en" {
				return d.Format("2 Jan 2006")
			}
			return d.Format("02.01.2006")
		}
		return v
	case bool:
		return r.yesNo(v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = r.value(x)
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(v, ", ")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func (r messageRenderer) yesNo(b bool) string {
	switch {
	case r.lang == "en" && b:
		return "yes"
	case r.lang == "en":
		return "no"
	case b:
		return "Ja"
	}
	return "Nein"
}

// types names the expected JSON types of a type error.
func (r messageRenderer) types() string {
	var want []string
	switch w := r.fe.Params["want"].(type) {
	case []string:
		want = w
	case []any: // params read back from JSON
		for _, x := range w {
			if s, ok := x.(string); ok {
				want = append(want, s)
			}
		}
	}
	names := typeNamesDE
	sep := " oder "
	if r.lang == "en" {
		names, sep = typeNamesEN, " or "
	}
	parts := make([]string, 0, len(want))
	for _, t := range want {
		if n, ok := names[t]; ok {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return names["value"]
	}
	return strings.Join(parts, sep)
}

var (
	typeNamesDE = map[string]string{
		"string": "ein Text", "number": "eine Zahl", "integer": "eine ganze Zahl",
		"boolean": "Ja oder Nein", "array": "eine Liste", "object": "eine Gruppe von Angaben",
		"null": "keine Angabe", "value": "eine andere Angabe",
	}
	typeNamesEN = map[string]string{
		"string": "text", "number": "a number", "integer": "a whole number",
		"boolean": "yes or no", "array": "a list", "object": "a group of details",
		"null": "no entry", "value": "a different entry",
	}
)

// choices lists the allowed values by their labels where the field knows them.
func (r messageRenderer) choices() string {
	list, _ := r.fe.Params["choices"].([]any)
	parts := make([]string, 0, len(list))
	for _, v := range list {
		text := ""
		if r.field != nil {
			for _, c := range r.field.Choices {
				if fmt.Sprint(c.Value) == fmt.Sprint(v) {
					text = r.form.T(r.lang, r.field.ChoiceKey(c.Value), c.Label)
					break
				}
			}
		}
		if text == "" {
			text = r.value(v)
		}
		parts = append(parts, "„"+text+"“")
	}
	if r.lang == "en" {
		for i, p := range parts {
			parts[i] = "“" + strings.TrimSuffix(strings.TrimPrefix(p, "„"), "“") + "”"
		}
	}
	return strings.Join(parts, ", ")
}

// numericParam returns v as a float64 if it is a number.
func numericParam(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// formatNumber writes n with the language's separators: 1.234,5 in German, 1,234.5 in English.
func formatNumber(n float64, lang string) string {
	thousands, decimal := ".", ","
	if lang == "en" {
		thousands, decimal = ",", "."
	}
	s := strconv.FormatFloat(n, 'f', -1, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var sb strings.Builder
	sb.WriteString(sign)
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			sb.WriteString(thousands)
		}
		sb.WriteRune(c)
	}
	if hasFrac {
		sb.WriteString(decimal)
		sb.WriteString(frac)
	}
	return sb.String()
}

// builtinMessages is the catalog. German texts address the citizen politely ("Sie"), name the
// field and say what to do.
var builtinMessages = map[string]messageText{
	// A value is missing.
	"required": {
		de: "Bitte geben Sie „{label}“ an.",
		en: "Please enter “{label}”.",
	},
	"required.choice": {
		de: "Bitte wählen Sie bei „{label}“ eine Möglichkeit aus.",
		en: "Please choose an option for “{label}”.",
	},
	"required.confirm": {
		de: "Bitte bestätigen Sie „{label}“.",
		en: "Please confirm “{label}”.",
	},
	"required.file": {
		de: "Bitte laden Sie „{label}“ hoch.",
		en: "Please upload “{label}”.",
	},

	// The value has the wrong JSON type.
	"type": {
		de: "Bitte prüfen Sie „{label}“: Erwartet wird {want}.",
		en: "Please check “{label}”: expected {want}.",
	},
	"type.string": {
		de: "Bitte geben Sie bei „{label}“ einen Text ein.",
		en: "Please enter text for “{label}”.",
	},
	"type.number": {
		de: "Bitte geben Sie bei „{label}“ eine Zahl ein.",
		en: "Please enter a number for “{label}”.",
	},
	"type.integer": {
		de: "Bitte geben Sie bei „{label}“ eine ganze Zahl ohne Komma ein.",
		en: "Please enter a whole number for “{label}”.",
	},
	"type.boolean": {
		de: "Bitte wählen Sie bei „{label}“ „Ja“ oder „Nein“ aus.",
		en: "Please choose “Yes” or “No” for “{label}”.",
	},
	"type.array": {
		de: "Die Angaben bei „{label}“ müssen eine Liste sein. Bitte füllen Sie sie erneut aus.",
		en: "The entries for “{label}” must be a list. Please fill them in again.",
	},
	"type.object": {
		de: "Die Angaben bei „{label}“ sind unvollständig. Bitte füllen Sie sie erneut aus.",
		en: "The details for “{label}” are incomplete. Please fill them in again.",
	},
	"type.null": {
		de: "Bitte lassen Sie „{label}“ leer.",
		en: "Please leave “{label}” empty.",
	},

	// The value is not one of the allowed ones.
	"choice": {
		de: "Bitte wählen Sie bei „{label}“ eine der angebotenen Möglichkeiten aus.",
		en: "Please choose one of the options offered for “{label}”.",
	},
	"const": {
		de: "Die Angabe bei „{label}“ ist so nicht möglich. Bitte prüfen Sie Ihre Eingabe.",
		en: "This entry is not possible for “{label}”. Please check your input.",
	},

	// Formats. In German, the format checker's own sentence ("detail") is preferred.
	"format": {
		de: "„{label}“ hat nicht das erwartete Format. Bitte prüfen Sie Ihre Eingabe.",
		en: "“{label}” is not in the expected format. Please check your input.",
	},
	"format.iban": {
		de: "Bitte geben Sie bei „{label}“ eine gültige IBAN ein (z. B. DE89 3704 0044 0532 0130 00).",
		en: "Please enter a valid IBAN for “{label}” (e.g. DE89 3704 0044 0532 0130 00).",
	},
	"format.bic": {
		de: "Bitte geben Sie bei „{label}“ eine gültige BIC mit 8 oder 11 Zeichen ein (z. B. COBADEFFXXX).",
		en: "Please enter a valid BIC with 8 or 11 characters for “{label}” (e.g. COBADEFFXXX).",
	},
	"format.steuer-id": {
		de: "Bitte geben Sie bei „{label}“ Ihre 11-stellige Steuerliche Identifikationsnummer ein.",
		en: "Please enter your 11-digit German tax identification number (Steuer-ID) for “{label}”.",
	},
	"format.plz": {
		de: "Bitte geben Sie bei „{label}“ eine Postleitzahl mit 5 Ziffern ein (z. B. 10115).",
		en: "Please enter a 5-digit German postcode for “{label}” (e.g. 10115).",
	},
	"format.kfz-kennzeichen": {
		de: "Bitte geben Sie bei „{label}“ ein gültiges Kfz-Kennzeichen ein (z. B. B-AB 1234).",
		en: "Please enter a valid German number plate for “{label}” (e.g. B-AB 1234).",
	},
	"format.telefon": {
		de: "Bitte geben Sie bei „{label}“ eine Telefonnummer mit Vorwahl ein (z. B. 030 123456).",
		en: "Please enter a phone number with area code for “{label}” (e.g. +49 30 123456).",
	},
	"format.name": {
		de: "„{label}“ darf nur Buchstaben und die in Namen zulässigen Zeichen enthalten (DIN 91379).",
		en: "“{label}” may only contain letters and the characters allowed in names (DIN 91379).",
	},
	"format.latin": {
		de: "„{label}“ enthält ein Zeichen, das hier nicht zulässig ist. Bitte verwenden Sie lateinische Buchstaben, Ziffern und übliche Satzzeichen.",
		en: "“{label}” contains a character that is not allowed here. Please use Latin letters, digits and common punctuation.",
	},
	"format.date": {
		de: "Bitte geben Sie bei „{label}“ ein gültiges Datum ein.",
		en: "Please enter a valid date for “{label}”.",
	},
	"format.email": {
		de: "Bitte geben Sie bei „{label}“ eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de).",
		en: "Please enter a valid email address for “{label}” (e.g. name@example.com).",
	},

	// Strings.
	"minLength": {
		de: "„{label}“ muss mindestens {limit} Zeichen lang sein (jetzt: {actual}).",
		en: "“{label}” must be at least {limit#character#characters} long (now: {actual}).",
	},
	"maxLength": {
		de: "„{label}“ darf höchstens {limit} Zeichen lang sein (jetzt: {actual}).",
		en: "“{label}” may be at most {limit#character#characters} long (now: {actual}).",
	},
	"pattern": {
		de: "„{label}“ hat nicht das erwartete Format.",
		en: "“{label}” is not in the expected format.",
	},

	// Numbers.
	"minimum": {
		de: "„{label}“ muss mindestens {limit} sein.",
		en: "“{label}” must be at least {limit}.",
	},
	"maximum": {
		de: "„{label}“ darf höchstens {limit} sein.",
		en: "“{label}” may be at most {limit}.",
	},
	"exclusiveMinimum": {
		de: "„{label}“ muss größer als {limit} sein.",
		en: "“{label}” must be greater than {limit}.",
	},
	"exclusiveMaximum": {
		de: "„{label}“ muss kleiner als {limit} sein.",
		en: "“{label}” must be less than {limit}.",
	},
	"multipleOf": {
		de: "„{label}“ muss ein Vielfaches von {limit} sein.",
		en: "“{label}” must be a multiple of {limit}.",
	},

	// Dates (ozgform's x-minDate, x-maxDate and x-dateOrder).
	"minDate": {
		de: "„{label}“ darf nicht vor dem {limit} liegen.",
		en: "“{label}” must not be before {limit}.",
	},
	"minDate.today": {
		de: "„{label}“ darf nicht in der Vergangenheit liegen.",
		en: "“{label}” must not be in the past.",
	},
	"maxDate": {
		de: "„{label}“ darf nicht nach dem {limit} liegen.",
		en: "“{label}” must not be after {limit}.",
	},
	"maxDate.today": {
		de: "„{label}“ darf nicht in der Zukunft liegen.",
		en: "“{label}” must not be in the future.",
	},
	"dateOrder": {
		de: "„{label}“ darf nicht vor „{earlier}“ liegen.",
		en: "“{label}” must not be before “{earlier}”.",
	},

	// Lists.
	"minItems": {
		de: "Bitte fügen Sie bei „{label}“ mindestens {limit#Eintrag#Einträge} hinzu.",
		en: "Please add at least {limit#entry#entries} to “{label}”.",
	},
	"maxItems": {
		de: "Bei „{label}“ sind höchstens {limit#Eintrag#Einträge} möglich (jetzt: {actual}). Bitte entfernen Sie die übrigen.",
		en: "“{label}” allows at most {limit#entry#entries} (now: {actual}). Please remove the others.",
	},
	"minItems.choice": {
		de: "Bitte wählen Sie bei „{label}“ mindestens {limit#Möglichkeit#Möglichkeiten} aus.",
		en: "Please choose at least {limit#option#options} for “{label}”.",
	},
	"maxItems.choice": {
		de: "Bitte wählen Sie bei „{label}“ höchstens {limit#Möglichkeit#Möglichkeiten} aus.",
		en: "Please choose at most {limit#option#options} for “{label}”.",
	},
	"uniqueItems": {
		de: "Bei „{label}“ sind Eintrag {first} und Eintrag {second} gleich. Bitte entfernen Sie einen davon.",
		en: "Entries {first} and {second} of “{label}” are the same. Please remove one of them.",
	},
	"additionalItems": {
		de: "Bei „{label}“ sind {count#Eintrag#Einträge} zu viel. Bitte entfernen Sie diese.",
		en: "“{label}” has {count#entry#entries} too many. Please remove them.",
	},
	"contains": {
		de: "Bei „{label}“ fehlt ein passender Eintrag.",
		en: "“{label}” needs at least one matching entry.",
	},
	"minContains": {
		de: "Bei „{label}“ sind mindestens {limit#passender Eintrag#passende Einträge} nötig (jetzt: {actual}).",
		en: "“{label}” needs at least {limit#matching entry#matching entries} (now: {actual}).",
	},
	"maxContains": {
		de: "Bei „{label}“ sind höchstens {limit#passender Eintrag#passende Einträge} möglich (jetzt: {actual}).",
		en: "“{label}” allows at most {limit#matching entry#matching entries} (now: {actual}).",
	},

	// Objects.
	"minProperties": {
		de: "Bitte machen Sie bei „{label}“ mindestens {limit#Angabe#Angaben}.",
		en: "Please provide at least {limit#detail#details} for “{label}”.",
	},
	"maxProperties": {
		de: "Bei „{label}“ sind höchstens {limit#Angabe#Angaben} möglich (jetzt: {actual}).",
		en: "“{label}” allows at most {limit#detail#details} (now: {actual}).",
	},
	"notAllowed": {
		de: "Die Angabe „{label}“ ist in diesem Formular nicht vorgesehen. Bitte entfernen Sie sie.",
		en: "“{label}” is not part of this form. Please remove it.",
	},
	"propertyNames": {
		de: "Die Bezeichnung „{property}“ ist bei „{label}“ nicht zulässig.",
		en: "The name “{property}” is not allowed in “{label}”.",
	},

	// Encoded content (files).
	"contentEncoding": {
		de: "Der Inhalt von „{label}“ ist nicht richtig kodiert ({encoding}). Bitte laden Sie die Datei erneut hoch.",
		en: "The content of “{label}” is not encoded correctly ({encoding}). Please upload the file again.",
	},
	"contentMediaType": {
		de: "Die Datei bei „{label}“ hat nicht den erwarteten Typ ({mediaType}).",
		en: "The file for “{label}” is not of the expected type ({mediaType}).",
	},
	"contentSchema": {
		de: "Der Inhalt von „{label}“ ist fehlerhaft. Bitte prüfen Sie die Datei.",
		en: "The content of “{label}” is faulty. Please check the file.",
	},

	// Attachment fields (x-attachment) and uploads.
	"attachment.minFiles": {
		de: "Bitte laden Sie bei „{label}“ mindestens {limit#Datei#Dateien} hoch (jetzt: {actual}).",
		en: "Please upload at least {limit#file#files} for “{label}” (now: {actual}).",
	},
	"attachment.maxFiles": {
		de: "Bei „{label}“ sind höchstens {limit#Datei#Dateien} möglich (jetzt: {actual}). Bitte entfernen Sie die übrigen.",
		en: "“{label}” allows at most {limit#file#files} (now: {actual}). Please remove the others.",
	},
	"attachment.full": {
		de: "Bei „{label}“ sind höchstens {limit#Datei#Dateien} möglich. Bitte entfernen Sie zuerst eine Datei, bevor Sie eine weitere hochladen.",
		en: "“{label}” allows at most {limit#file#files}. Please remove a file before you upload another one.",
	},
	"attachment.invalid": {
		de: "Die Dateien bei „{label}“ konnten nicht zugeordnet werden. Bitte laden Sie sie erneut hoch.",
		en: "The files for “{label}” could not be assigned. Please upload them again.",
	},
	"attachment.missing": {
		de: "Eine Datei bei „{label}“ ist nicht mehr vorhanden. Bitte laden Sie sie erneut hoch.",
		en: "A file for “{label}” is no longer available. Please upload it again.",
	},
	"attachment.empty": {
		de: "Die Datei bei „{label}“ ist leer. Bitte wählen Sie eine andere Datei.",
		en: "The file for “{label}” is empty. Please choose another file.",
	},
	"attachment.mediaType": {
		de: "Die Datei bei „{label}“ hat ein Dateiformat, das hier nicht angenommen wird. Möglich sind: {mediaType}. Die Endung im Dateinamen allein genügt nicht.",
		en: "The file for “{label}” is in a format that is not accepted here. Possible formats: {mediaType}. The extension of the file name alone is not enough.",
	},
	"attachment.infected": {
		de: "Die Datei bei „{label}“ wurde nicht angenommen, weil der Virenscanner darin Schadsoftware gefunden hat. Bitte prüfen Sie die Datei und laden Sie eine andere hoch.",
		en: "The file for “{label}” was not accepted because the virus scanner found malware in it. Please check the file and upload another one.",
	},

	// Combinations of rules.
	"not": {
		de: "Die Angabe bei „{label}“ ist so nicht zulässig. Bitte prüfen Sie Ihre Eingabe.",
		en: "This entry is not allowed for “{label}”. Please check your input.",
	},
	"noMatch": {
		de: "Die Angaben bei „{label}“ passen zu keiner der vorgesehenen Möglichkeiten. Bitte prüfen Sie Ihre Eingabe.",
		en: "The entries for “{label}” match none of the expected variants. Please check your input.",
	},
	"ambiguous": {
		de: "Die Angaben bei „{label}“ sind nicht eindeutig. Bitte prüfen Sie Ihre Eingabe.",
		en: "The entries for “{label}” are ambiguous. Please check your input.",
	},
	"invalid": {
		de: "Die Angabe bei „{label}“ ist ungültig. Bitte prüfen Sie Ihre Eingabe.",
		en: "The entry for “{label}” is invalid. Please check your input.",
	},

	// The data or the form itself is broken.
	"invalidValue": {
		de: "Der Wert bei „{label}“ kann nicht verarbeitet werden. Bitte geben Sie ihn erneut ein.",
		en: "The value for “{label}” cannot be processed. Please enter it again.",
	},
	"schemaError": {
		de: "Das Formular kann gerade nicht geprüft werden. Bitte versuchen Sie es später erneut.",
		en: "The form cannot be checked at the moment. Please try again later.",
	},
}
