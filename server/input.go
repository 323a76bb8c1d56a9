package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/unicode/norm"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// Limits of one form post, beyond the body limit. A form page has far fewer fields; a post
// with more is not from our page.
const (
	maxFields      = 1000
	maxValueRunes  = 10_000
	maxLengthScale = 4 // a value longer than maxLength × 4 is cut to that before validation
)

// pageError is an error with its own status and page text: bad input, a refused request.
type pageError struct {
	status int
	title  string // ID of a built-in text; "" means the default title
	text   string // ID of a built-in text; "" means the default text of the status
	args   []any
	link   string // URL of the way on; "" means the home page
	linkID string
}

func (e *pageError) Error() string { return "http " + strconv.Itoa(e.status) + " " + e.text }

func badInput(text string, args ...any) *pageError {
	return &pageError{status: http.StatusBadRequest, text: text, args: args}
}

// postForm is a parsed application/x-www-form-urlencoded body.
type postForm struct {
	values map[string][]string
	keys   []string // in the order they came
}

func (p *postForm) first(key string) string {
	if v := p.values[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func postedForm(c echo.Context) *postForm {
	if p, ok := c.Get(ctxForm).(*postForm); ok {
		return p
	}
	return &postForm{values: map[string][]string{}}
}

// readForm reads and parses the body of a POST within the body limit: 413 when it is too
// large, 400 for anything that is not a well-formed form of at most maxFields fields in
// valid UTF-8.
func (s *Server) readForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if ct := req.Header.Get(echo.HeaderContentType); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != echo.MIMEApplicationForm {
				return badInput("error.input.malformed")
			}
		}
		if req.ContentLength > s.cfg.BodyLimit {
			return &pageError{status: http.StatusRequestEntityTooLarge}
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, s.cfg.BodyLimit))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &pageError{status: http.StatusRequestEntityTooLarge}
			}
			return badInput("error.input.malformed")
		}
		pf, perr := parseForm(string(body))
		if perr != nil {
			return perr
		}
		c.Set(ctxForm, pf)
		return next(c)
	}
}

// parseForm parses a urlencoded body strictly.
func parseForm(body string) (*postForm, *pageError) {
	pf := &postForm{values: map[string][]string{}}
	if body == "" {
		return pf, nil
	}
	if n := strings.Count(body, "&") + 1; n > maxFields {
		return nil, badInput("error.input.tooMany", maxFields)
	}
	for _, pair := range strings.Split(body, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, badInput("error.input.malformed")
		}
		if !utf8.ValidString(key) || !utf8.ValidString(val) {
			return nil, badInput("error.input.encoding")
		}
		if utf8.RuneCountInString(val) > maxValueRunes {
			return nil, badInput("error.input.tooLong", maxValueRunes)
		}
		if _, seen := pf.values[key]; !seen {
			pf.keys = append(pf.keys, key)
		}
		pf.values[key] = append(pf.values[key], val)
	}
	return pf, nil
}

// controlFields are the form's own hidden fields and buttons; they start with "_", which no
// data path does.
var controlFields = map[string]bool{"_csrf": true, "_action": true, "_js": true, "_zurueck": true}

// stepValues turns the posted fields of page i into typed values by concrete data path.
// Unknown names, fields of other pages, names that appear twice (other than checkbox
// groups) are refused with a German 400 page.
func stepValues(form *forms.Form, i int, data any, pf *postForm, lang string) (map[string]any, error) {
	inputs := map[string]*forms.Field{}
	for _, in := range engine.PageInputs(form, i, data) {
		inputs[in.Path] = in.Field
	}
	values := make(map[string]any, len(pf.values))
	for _, key := range pf.keys {
		raw := pf.values[key]
		if strings.HasPrefix(key, "_") {
			if !controlFields[key] || len(raw) > 1 {
				return nil, badInput("error.input.unknown")
			}
			continue
		}
		fd, ok := inputs[key]
		if !ok || fd.Widget == forms.WidgetFile { // files come as file parts (upload.go)
			return nil, badInput("error.input.unknown")
		}
		dateParts := fd.Widget == forms.WidgetDate && fd.OptionString("dateInput") == "parts"
		if len(raw) > 1 && fd.Widget != forms.WidgetCheckboxes && !(dateParts && len(raw) == 3) {
			return nil, badInput("error.input.repeated")
		}
		if len(raw) > len(fd.Choices)+1 && fd.Widget == forms.WidgetCheckboxes {
			return nil, badInput("error.input.repeated")
		}
		v := parseValue(fd, raw, lang)
		if typed, ok := v.(string); ok && fd.Widget == forms.WidgetSuggest {
			if c, ok := suggestedChoice(form, fd, typed, lang); ok {
				v = c
			}
		}
		values[key] = v
	}
	return values, nil
}

// parseValue converts what the browser sent for one field into the JSON value the schema
// expects. Input that does not convert is kept as typed (a string), so that the page shows
// it again and validation explains what is wrong.
func parseValue(fd *forms.Field, raw []string, lang string) any {
	if fd.Widget == forms.WidgetCheckboxes {
		var out []any
		chosen := map[string]bool{}
		for _, r := range raw {
			chosen[r] = true
		}
		for _, ch := range fd.Choices {
			if v := choiceString(ch.Value); chosen[v] {
				out = append(out, jsonValue(ch.Value))
				delete(chosen, v)
			}
		}
		for _, r := range raw {
			if chosen[r] && r != "" {
				out = append(out, r) // not a choice: validation reports it
			}
		}
		return out
	}
	if fd.Widget == forms.WidgetDate && len(raw) == 3 {
		// Tag, Monat, Jahr: three inputs with the field's name, in document order.
		day, month, year := strings.TrimSpace(raw[0]), strings.TrimSpace(raw[1]), strings.TrimSpace(raw[2])
		if day == "" && month == "" && year == "" {
			return nil
		}
		return parseDate(day + "." + month + "." + year)
	}
	s := raw[0]
	if fd.Widget == forms.WidgetTextarea {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	// NFC: a letter typed or pasted as base + combining mark ("u" + U+0308) becomes the one
	// character DIN 91379 lists ("ü"); sequences without a precomposed form stay as they are.
	s = norm.NFC.String(strings.TrimSpace(s))
	if fd.MaxLength != nil {
		if limit := *fd.MaxLength * maxLengthScale; limit > 0 && utf8.RuneCountInString(s) > limit {
			s = string([]rune(s)[:limit])
		}
	}
	switch fd.Widget {
	case forms.WidgetCheckbox:
		return s != "" && s != "false"
	case forms.WidgetRadio, forms.WidgetSelect:
		if s == "" {
			return nil
		}
		for _, ch := range fd.Choices {
			if choiceString(ch.Value) == s {
				return jsonValue(ch.Value)
			}
		}
		return s
	case forms.WidgetSuggest:
		if s == "" {
			return nil
		}
		return s // mapped to a choice's value in stepValues
	case forms.WidgetNumber:
		if s == "" {
			return nil
		}
		if n, ok := parseNumber(s, lang); ok {
			return n
		}
		return s
	case forms.WidgetDate:
		if s == "" {
			return nil
		}
		return parseDate(s)
	case forms.WidgetTime:
		if s == "" {
			return nil
		}
		return parseTime(s)
	case forms.WidgetDateTime:
		if s == "" {
			return nil
		}
		return parseDateTime(s)
	}
	if s == "" {
		return nil
	}
	switch fd.Type {
	case "number", "integer":
		if n, ok := parseNumber(s, lang); ok {
			return n
		}
	case "boolean":
		switch s {
		case "true":
			return true
		case "false":
			return false
		}
	}
	return s
}

func choiceString(v any) string { return renderer.ChoiceValue(v) }

// suggestedChoice maps what was typed into a suggestion field with choices to the choice's
// value: the label shown in the page's language, the German label or the value itself,
// ignoring case and surrounding spaces. A field with free-text suggestions has no choices;
// its text is kept as typed.
func suggestedChoice(form *forms.Form, fd *forms.Field, typed, lang string) (any, bool) {
	if len(fd.Choices) == 0 {
		return nil, false
	}
	for _, ch := range fd.Choices {
		if choiceString(ch.Value) == typed {
			return jsonValue(ch.Value), true
		}
	}
	for _, ch := range fd.Choices {
		if strings.EqualFold(ch.Label, typed) || strings.EqualFold(renderer.ChoiceLabel(form, fd, ch, lang), typed) || strings.EqualFold(choiceString(ch.Value), typed) {
			return jsonValue(ch.Value), true
		}
	}
	return nil, false
}

// jsonValue turns a choice value into the type the draft's JSON holds.
func jsonValue(v any) any {
	switch x := v.(type) {
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int:
		return json.Number(strconv.Itoa(x))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return v
}

var (
	jsonNumberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?$`)
	thousandsDot      = regexp.MustCompile(`^-?[0-9]{1,3}(\.[0-9]{3})+$`)
	thousandsComma    = regexp.MustCompile(`^-?[0-9]{1,3}(,[0-9]{3})+$`)
)

// parseNumber reads a number as Germans and English speakers write it: "1.234,5", "1234,5",
// "1,234.5", "1234.5". In German a lone comma is the decimal separator and dots in groups of
// three separate thousands; in English the other way round.
func parseNumber(s string, lang string) (json.Number, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "'", "").Replace(s)
	s = strings.TrimPrefix(s, "+")
	if s == "" || len(s) > 40 {
		return "", false
	}
	hasDot, hasComma := strings.Contains(s, "."), strings.Contains(s, ",")
	switch {
	case hasDot && hasComma:
		if strings.LastIndex(s, ",") > strings.LastIndex(s, ".") {
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case hasComma:
		if lang == "en" && thousandsComma.MatchString(s) {
			s = strings.ReplaceAll(s, ",", "")
		} else {
			s = strings.Replace(s, ",", ".", 1)
		}
	case hasDot:
		if lang != "en" && thousandsDot.MatchString(s) {
			s = strings.ReplaceAll(s, ".", "")
		}
	}
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "-.") {
		s = strings.Replace(s, ".", "0.", 1)
	}
	// Leading zeros ("007") are not JSON; drop them.
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	for len(digits) > 1 && digits[0] == '0' && digits[1] != '.' {
		digits = digits[1:]
	}
	if neg {
		s = "-" + digits
	} else {
		s = digits
	}
	if !jsonNumberPattern.MatchString(s) {
		return "", false
	}
	return json.Number(s), true
}

var germanDate = regexp.MustCompile(`^([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})$`)

// parseDate accepts ISO dates (what <input type=date> sends) and German dates typed by hand
// ("28.11.2026", "1.2.2026"). Anything else is kept as typed.
func parseDate(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return s
	}
	if m := germanDate.FindStringSubmatch(s); m != nil {
		iso := m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
		if _, err := time.Parse(time.DateOnly, iso); err == nil {
			return iso
		}
	}
	return s
}

var typedTime = regexp.MustCompile(`^([0-9]{1,2})[:.]([0-9]{2})(?::([0-9]{2}))?(?:\s*Uhr)?$`)

// parseTime reads a time of day as typed ("13:37", "13.37", "9:05", "13:37:20", "13:37 Uhr")
// and writes the canonical form HH:MM:SS. Times with an offset are kept as typed, like
// anything else it cannot read: validation says what is wrong.
func parseTime(s string) string {
	m := typedTime.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	sec := m[3]
	if sec == "" {
		sec = "00"
	}
	out := pad2(m[1]) + ":" + m[2] + ":" + sec
	if forms.ValidTime(out) != nil {
		return s
	}
	return out
}

var typedDateTime = regexp.MustCompile(`^(\S+)(?:\s+|T)(\S+?)(?:\s*Uhr)?$`)

// parseDateTime reads a date and time as typed ("07.12.2026 13:37", "2026-12-07 13:37") and
// writes RFC 3339 with the offset Europe/Berlin has on that day. RFC 3339 values are kept.
func parseDateTime(s string) string {
	if forms.ValidDateTime(s) == nil {
		return s
	}
	m := typedDateTime.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return s
	}
	date, clock := parseDate(m[1]), parseTime(m[2])
	d, err1 := time.Parse(time.DateOnly, date)
	c, err2 := time.Parse(time.TimeOnly, clock)
	if err1 != nil || err2 != nil {
		return s
	}
	t := time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), c.Second(), 0, berlin)
	return t.Format(time.RFC3339)
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// parseAction reads the _action button of a step page.
type stepAction struct {
	kind string // weiter, zurueck, speichern, refresh, add, remove, upload, remove-file
	path string // for add and remove; the attachment field for remove-file
	id   string // the file for remove-file
}

func parseAction(form *forms.Form, page int, pf *postForm) (stepAction, error) {
	a := pf.first("_action")
	switch a {
	case "", "weiter":
		return stepAction{kind: "weiter"}, nil
	case "zurueck", "speichern", "refresh", "upload":
		return stepAction{kind: a}, nil
	}
	kind, path, ok := strings.Cut(a, ":")
	if kind == "remove-file" {
		return parseRemoveFile(form, page, path)
	}
	if !ok || kind != "add" && kind != "remove" || !strings.HasPrefix(path, "/") || len(path) > 500 {
		return stepAction{}, badInput("error.input.action")
	}
	list := path
	if kind == "remove" {
		i := strings.LastIndexByte(path, '/')
		if _, err := strconv.Atoi(path[i+1:]); err != nil || i <= 0 {
			return stepAction{}, badInput("error.input.action")
		}
		list = path[:i]
	}
	fd := form.Field(list)
	if fd == nil || fd.Widget != forms.WidgetRepeat || form.Pattern(list) != fd.Path || engine.PageOf(form, list) != page {
		return stepAction{}, badInput("error.input.action")
	}
	return stepAction{kind: kind, path: path}, nil
}
