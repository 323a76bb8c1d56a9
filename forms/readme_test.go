package forms

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// These tests keep README.md, the format reference for form authors, true to the code: the
// complete example must pass `ozgform check` without a finding, and the tables of formats,
// layout elements, manifest fields, keywords, building blocks and problem codes must list
// exactly what the code knows.

// readmeLines returns README.md as lines.
func readmeLines(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		tb.Fatalf("README.md: %v", err)
	}
	return strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
}

var (
	readmeFileMarker = regexp.MustCompile(`^<!-- file: (beispiel/[^ ]+) -->$`)
	readmeHeading    = regexp.MustCompile(`^(#{1,6}) (.*)$`)
	readmeCodeSpan   = regexp.MustCompile("`([^`]*)`")
)

// readmeExampleFiles returns the fenced blocks preceded by `<!-- file: beispiel/NAME -->`,
// keyed by "beispiel/NAME".
func readmeExampleFiles(tb testing.TB, lines []string) map[string]string {
	tb.Helper()
	files := map[string]string{}
	for i := 0; i < len(lines); i++ {
		m := readmeFileMarker.FindStringSubmatch(strings.TrimSpace(lines[i]))
		if m == nil {
			continue
		}
		name := m[1]
		j := i + 1
		for j < len(lines) && strings.TrimSpace(lines[j]) == "" {
			j++
		}
		if j == len(lines) || !strings.HasPrefix(lines[j], "```") {
			tb.Fatalf("README.md:%d: after the marker for %s a fenced code block must follow", i+1, name)
		}
		var body []string
		k := j + 1
		for ; k < len(lines) && strings.TrimSpace(lines[k]) != "```"; k++ {
			body = append(body, lines[k])
		}
		if k == len(lines) {
			tb.Fatalf("README.md:%d: the code block for %s is not closed", j+1, name)
		}
		if _, dup := files[name]; dup {
			tb.Fatalf("README.md:%d: %s occurs twice", i+1, name)
		}
		files[name] = strings.Join(body, "\n") + "\n"
		i = k
	}
	return files
}

// readmeSection returns the lines below the heading whose text is title, up to the next heading
// of the same or a higher level. Headings inside code blocks do not count.
func readmeSection(tb testing.TB, lines []string, title string) []string {
	tb.Helper()
	start, level := -1, 0
	inFence := false
	for i, line := range lines {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		m := readmeHeading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if start >= 0 && len(m[1]) <= level {
			return lines[start:i]
		}
		if start < 0 && strings.TrimSpace(m[2]) == title {
			start, level = i+1, len(m[1])
		}
	}
	if start < 0 {
		tb.Fatalf("README.md has no heading %q", title)
	}
	return lines[start:]
}

// readmeTables returns the tables of a section: each a list of rows (without the header and the
// separator line), each row a list of trimmed cells.
func readmeTables(tb testing.TB, section []string) [][][]string {
	tb.Helper()
	var tables [][][]string
	var cur [][]string
	header := 0
	inFence := false
	flush := func() {
		if cur != nil {
			tables = append(tables, cur)
		}
		cur, header = nil, 0
	}
	for _, line := range section {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		trimmed := strings.TrimSpace(line)
		if inFence || !strings.HasPrefix(trimmed, "|") {
			flush()
			continue
		}
		cells := strings.Split(strings.Trim(trimmed, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case header == 0:
			header = len(cells)
			cur = [][]string{}
		case strings.HasPrefix(cells[0], "---"):
		default:
			if len(cells) != header {
				tb.Fatalf("README.md: table row %q has %d cells, the header %d (a | inside a cell?)", trimmed, len(cells), header)
			}
			cur = append(cur, cells)
		}
	}
	flush()
	if len(tables) == 0 {
		tb.Fatalf("README.md: the section has no table")
	}
	return tables
}

// codeSpans returns the texts in backticks of a table cell.
func codeSpans(cell string) []string {
	var out []string
	for _, m := range readmeCodeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// firstCodeSpan returns the first text in backticks of a cell, or "".
func firstCodeSpan(cell string) string {
	if spans := codeSpans(cell); len(spans) > 0 {
		return spans[0]
	}
	return ""
}

// compareSets reports the names only one side has.
func compareSets(tb testing.TB, what string, inReadme, inCode []string) {
	tb.Helper()
	readme := map[string]bool{}
	for _, s := range inReadme {
		if readme[s] {
			tb.Errorf("README.md lists %s %q twice", what, s)
		}
		readme[s] = true
	}
	code := map[string]bool{}
	for _, s := range inCode {
		code[s] = true
	}
	var missing, extra []string
	for s := range code {
		if !readme[s] {
			missing = append(missing, s)
		}
	}
	for s := range readme {
		if !code[s] {
			extra = append(extra, s)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		tb.Errorf("README.md does not list the %s %v", what, missing)
	}
	if len(extra) > 0 {
		tb.Errorf("README.md lists %s the code does not know: %v", what, extra)
	}
}

func TestReadmeExample(t *testing.T) {
	files := readmeExampleFiles(t, readmeLines(t))
	if len(files) < 4 {
		t.Fatalf("README.md has %d example files, want at least form.json, schema.json, layout.json and i18n/en.json", len(files))
	}
	for _, name := range []string{"form.json", "schema.json", "layout.json", "i18n/en.json"} {
		if _, ok := files["beispiel/"+name]; !ok {
			t.Errorf("README.md has no example file beispiel/%s", name)
		}
	}
	mapFS := fstest.MapFS{}
	for name, content := range files {
		mapFS[name] = &fstest.MapFile{Data: []byte(content)}
	}
	fsys, err := fs.Sub(mapFS, "beispiel")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Check(fsys, "beispiel", Options{}) {
		t.Errorf("ozgform check reports on the README example: %s [%s]", p, p.Code)
	}
	if t.Failed() {
		return
	}

	// The README promises two pages, and sample data that is valid or invalid by its name.
	form, problems := Load(fsys, "beispiel", Options{})
	if form == nil {
		t.Fatalf("the README example does not load: %v", problems)
	}
	if len(form.Pages) != 2 {
		t.Errorf("the README example has %d pages, the text says 2", len(form.Pages))
	}
	for name, content := range files {
		sample, ok := strings.CutPrefix(name, "beispiel/samples/")
		if !ok {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(content))
		dec.UseNumber()
		var data any
		if err := dec.Decode(&data); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		err := form.Schema.Validate(data)
		switch {
		case strings.HasPrefix(sample, "gueltig") && err != nil:
			t.Errorf("%s should be valid: %v", name, err)
		case strings.HasPrefix(sample, "falsch") && err == nil:
			t.Errorf("%s should be invalid", name)
		}
	}
}

// readmeFormatChecker compiles {"type": "string", "format": name} with the compiler forms use.
func readmeFormatChecker(tb testing.TB, name string) *jsonschema.Schema {
	tb.Helper()
	loader := &formLoader{folder: fstest.MapFS{}, base: FormBaseURI + "readme/", files: map[string]*jsonIndex{}}
	c := newCompiler(loader, time.Now, nil)
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"type": "string", "format": ` + strconv.Quote(name) + `}`))
	if err != nil {
		tb.Fatal(err)
	}
	url := FormBaseURI + "readme/format.json"
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func TestReadmeFormats(t *testing.T) {
	rows := readmeTables(t, readmeSection(t, readmeLines(t), "Formate"))[0]
	var names []string
	for _, row := range rows {
		names = append(names, firstCodeSpan(row[0]))
	}
	want := []string{"date", "email", "time", "date-time"}
	for name := range Formats {
		want = append(want, name)
	}
	compareSets(t, "format", names, want)

	// The examples in the table must be what the format accepts and refuses.
	for _, row := range rows {
		name := firstCodeSpan(row[0])
		if len(row) < 4 {
			t.Fatalf("format table row %q: want columns Format, Bedeutung, gültig, ungültig", name)
		}
		sch := readmeFormatChecker(t, name)
		valid, invalid := codeSpans(row[2]), codeSpans(row[3])
		if len(valid) == 0 || len(invalid) == 0 {
			t.Errorf("format %s: the README gives no valid or no invalid example", name)
		}
		for _, v := range valid {
			if err := sch.Validate(v); err != nil {
				t.Errorf("format %s: README says %q is valid, but: %v", name, v, err)
			}
		}
		for _, v := range invalid {
			if sch.Validate(v) == nil {
				t.Errorf("format %s: README says %q is invalid, but it is accepted", name, v)
			}
		}
	}
}

func TestReadmeElements(t *testing.T) {
	rows := readmeTables(t, readmeSection(t, readmeLines(t), "Elemente"))[0]
	var types []string
	for _, row := range rows {
		typ := firstCodeSpan(row[0])
		types = append(types, typ)
		keys, known := elementKeys[ElementType(typ)]
		if !known || len(row) < 2 {
			continue
		}
		compareSets(t, "keys of "+typ, codeSpans(row[1]), keys)
	}
	var want []string
	for typ := range elementKeys {
		want = append(want, string(typ))
	}
	compareSets(t, "layout element", types, want)
}

func TestReadmeManifestFields(t *testing.T) {
	tables := readmeTables(t, readmeSection(t, readmeLines(t), "Felder von form.json"))
	if len(tables) < 2 {
		t.Fatalf("the section on form.json needs a table of fields and one of authority's fields")
	}
	var fields []string
	for _, row := range tables[0] {
		name := firstCodeSpan(row[0])
		fields = append(fields, name)
		if name == "retentionDays" && !strings.Contains(strings.Join(row, "|"), fmt.Sprintf("`%d`", DefaultRetentionDays)) {
			t.Errorf("README.md does not give %d as the default of retentionDays", DefaultRetentionDays)
		}
	}
	var want []string
	for k := range manifestKeys {
		want = append(want, k)
	}
	compareSets(t, "form.json field", fields, want)

	var authority []string
	for _, row := range tables[1] {
		authority = append(authority, firstCodeSpan(row[0]))
	}
	var wantAuthority []string
	typ := reflect.TypeOf(Authority{})
	for i := range typ.NumField() {
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		wantAuthority = append(wantAuthority, tag)
	}
	compareSets(t, "authority field", authority, wantAuthority)
}

func TestReadmeKeywords(t *testing.T) {
	rows := readmeTables(t, readmeSection(t, readmeLines(t), "ozgform-Schlüsselwörter"))[0]
	var names []string
	for _, row := range rows {
		names = append(names, firstCodeSpan(row[0]))
	}
	var vocab struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal([]byte(vocabularySchema), &vocab); err != nil {
		t.Fatal(err)
	}
	var want []string
	for k := range vocab.Properties {
		want = append(want, k)
	}
	compareSets(t, "keyword", names, want)
}

// readmeBlock is the part of a building block the README describes.
type readmeBlock struct {
	FIMID      string                     `json:"x-fim-id"`
	Required   []string                   `json:"required"`
	Properties map[string]readmeBlockProp `json:"properties"`
}

type readmeBlockProp struct {
	Format       string `json:"format"`
	MinLength    int    `json:"minLength"`
	MaxLength    int    `json:"maxLength"`
	FIMID        string `json:"x-fim-id"`
	Autocomplete string `json:"x-autocomplete"`
}

func TestReadmeBlocks(t *testing.T) {
	lines := readmeLines(t)
	entries, err := fs.ReadDir(Blocks(), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no building blocks")
	}
	for _, e := range entries {
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(Blocks(), name)
			if err != nil {
				t.Fatal(err)
			}
			var block readmeBlock
			if err := json.Unmarshal(data, &block); err != nil {
				t.Fatal(err)
			}
			var title string
			for _, line := range lines {
				if strings.HasPrefix(line, "### ") && strings.HasSuffix(line, " "+name) {
					title = strings.TrimPrefix(line, "### ")
				}
			}
			if title == "" {
				t.Fatalf("README.md has no heading „### … %s“", name)
			}
			section := readmeSection(t, lines, title)
			text := strings.Join(section, "\n")
			if !strings.Contains(text, BlockBaseURI+name) {
				t.Errorf("the section on %s does not give its address %s", name, BlockBaseURI+name)
			}
			if block.FIMID != "" && !strings.Contains(text, block.FIMID) {
				t.Errorf("the section on %s does not give the block's FIM id %s", name, block.FIMID)
			}
			rows := readmeTables(t, section)[0]
			var props []string
			for _, row := range rows {
				prop := firstCodeSpan(row[0])
				props = append(props, prop)
				p, ok := block.Properties[prop]
				if !ok {
					continue
				}
				if len(row) < 7 {
					t.Fatalf("row %s: want columns Feld, Titel, Format, Länge, Pflicht, FIM-ID, autocomplete", prop)
				}
				if p.Format != "" && !contains(codeSpans(row[2]), p.Format) {
					t.Errorf("%s: the README does not give the format %s", prop, p.Format)
				}
				if p.MaxLength > 0 && !strings.Contains(row[3], strconv.Itoa(p.MaxLength)) {
					t.Errorf("%s: the README does not give the maximum length %d", prop, p.MaxLength)
				}
				if p.MinLength > 0 && !strings.HasPrefix(row[3], strconv.Itoa(p.MinLength)+"–") {
					t.Errorf("%s: the README does not give the minimum length %d", prop, p.MinLength)
				}
				wantRequired := "nein"
				if contains(block.Required, prop) {
					wantRequired = "ja"
				}
				if row[4] != wantRequired {
					t.Errorf("%s: Pflicht is %q, want %q", prop, row[4], wantRequired)
				}
				if got := firstCodeSpan(row[5]); got != p.FIMID {
					t.Errorf("%s: FIM id is %q, want %q", prop, got, p.FIMID)
				}
				if got := firstCodeSpan(row[6]); got != p.Autocomplete {
					t.Errorf("%s: autocomplete is %q, want %q", prop, got, p.Autocomplete)
				}
			}
			var want []string
			for prop := range block.Properties {
				want = append(want, prop)
			}
			compareSets(t, "field of "+name, props, want)
		})
	}
}

// problemCodePattern finds a problem code: the first string literal of the form "word-word".
var problemCodePattern = regexp.MustCompile(`"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)"`)

// sourceProblemCodes collects the problem codes the linter and the command can report, with
// whether each is reported as an error, a warning or both.
func sourceProblemCodes(tb testing.TB) map[string]map[Severity]bool {
	tb.Helper()
	var files []string
	// The linter lives in forms; `check` adds its own problems in cmd/ozgform/check.go.
	for _, pattern := range []string{"*.go", filepath.Join("..", "cmd", "ozgform", "check.go")} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, matches...)
	}
	codes := map[string]map[Severity]bool{}
	add := func(code string, sev Severity) {
		if codes[code] == nil {
			codes[code] = map[Severity]bool{}
		}
		codes[code][sev] = true
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			switch {
			case strings.Contains(line, "errorf(") || strings.Contains(line, "warnf("):
				m := problemCodePattern.FindStringSubmatch(line)
				if m == nil {
					continue // the definition of errorf and warnf
				}
				if strings.Contains(line, "warnf(") {
					add(m[1], SeverityWarning)
				} else {
					add(m[1], SeverityError)
				}
			case strings.Contains(line, `Code: "`):
				_, rest, _ := strings.Cut(line, `Code: `)
				m := problemCodePattern.FindStringSubmatch(rest)
				if m == nil {
					continue
				}
				if strings.Contains(line, "SeverityWarning") {
					add(m[1], SeverityWarning)
				} else {
					add(m[1], SeverityError)
				}
			}
		}
	}
	if len(codes) < 10 {
		tb.Fatalf("found only %d problem codes in the source; has the way problems are reported changed?", len(codes))
	}
	return codes
}

func TestReadmeProblemCodes(t *testing.T) {
	rows := readmeTables(t, readmeSection(t, readmeLines(t), "Prüfungen und ihre Codes"))[0]
	codes := sourceProblemCodes(t)
	var listed, want []string
	for _, row := range rows {
		code := firstCodeSpan(row[0])
		listed = append(listed, code)
		sevs, ok := codes[code]
		if !ok || len(row) < 2 {
			continue
		}
		wantKind := "Fehler"
		switch {
		case sevs[SeverityError] && sevs[SeverityWarning]:
			wantKind = "Fehler oder Warnung"
		case sevs[SeverityWarning]:
			wantKind = "Warnung"
		}
		if row[1] != wantKind {
			t.Errorf("code %s: README says %q, the code reports %q", code, row[1], wantKind)
		}
	}
	for code := range codes {
		want = append(want, code)
	}
	compareSets(t, "problem code", listed, want)
}

func TestReadmeLimits(t *testing.T) {
	text := strings.Join(readmeSection(t, readmeLines(t), "Grenzen"), "\n")
	size := strconv.Itoa(MaxFileSize)
	var grouped []string
	for len(size) > 3 {
		grouped = append([]string{size[len(size)-3:]}, grouped...)
		size = size[:len(size)-3]
	}
	grouped = append([]string{size}, grouped...)
	for _, want := range []string{
		strings.Join(grouped, " ") + " Bytes",
		fmt.Sprintf("%d MiB", MaxFileSize>>20),
		fmt.Sprintf("%d Ebenen", MaxNesting),
		fmt.Sprintf("%d Ebenen", maxLayoutDepth),
		fmt.Sprintf("%d Ebenen", maxSchemaDepth),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the section Grenzen does not say %q", want)
		}
	}
}
