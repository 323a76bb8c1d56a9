package renderer

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer/internal/pdfcheck"
)

// updateGolden reports whether -update asks for the golden files to be rewritten. The flag is
// shared with other golden tests of the package; whoever comes first defines it.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata")
	}
}

// receiptExamples are the example forms, each rendered from samples/valid.json.
var receiptExamples = []string{"bewohnerparkausweis", "gewerbeanmeldung", "hundesteuer", "mutterschutz"}

// dinOverrides put DIN 91379 names, with combining sequences, into the samples, so that every
// golden receipt shows they survive the PDF and text extraction.
var dinOverrides = map[string]map[string]string{
	"bewohnerparkausweis": {"/antragsteller/vornamen": "Łukasz Ǧǩ", "/fahrzeug/hersteller": "Škoda K͟Hader"},
	"gewerbeanmeldung":    {"/inhaber/vornamen": "Łukasz L̥ubomír", "/inhaber/geburtsort": "Gdańsk Ç̆a̋"},
	"hundesteuer":         {"/halter/vornamen": "Łukasz R̥̄ Ǧǩ", "/hunde/1/name": "Frieda L̥"},
	"mutterschutz":        {"/frau/vornamen": "Elif Ǧǩ"},
}

var (
	fixedTime = time.Date(2026, 11, 28, 13, 3, 0, 0, time.UTC) // 14:03 in Berlin
	fixedHash = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
)

// loadExample loads an example form and its valid sample, with the DIN 91379 names put in.
func loadExample(tb testing.TB, id string) (*forms.Form, any) {
	tb.Helper()
	dir := filepath.Join("..", "examples", id)
	form, problems := forms.Load(os.DirFS(dir), id, forms.Options{})
	if problems.HasErrors() {
		tb.Fatalf("%s: %v", id, problems)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "samples", "valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var data any
	if err := json.Unmarshal(raw, &data); err != nil {
		tb.Fatal(err)
	}
	for ptr, v := range dinOverrides[id] {
		setPointer(tb, data, ptr, v)
	}
	return form, data
}

// setPointer sets an existing member or item at a JSON pointer.
func setPointer(tb testing.TB, data any, ptr string, v any) {
	tb.Helper()
	segs := strings.Split(ptr[1:], "/")
	for i, seg := range segs {
		last := i == len(segs)-1
		switch node := data.(type) {
		case map[string]any:
			if last {
				node[seg] = v
				return
			}
			data = node[seg]
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n >= len(node) {
				tb.Fatalf("%s: no item %q", ptr, seg)
			}
			if last {
				node[n] = v
				return
			}
			data = node[n]
		default:
			tb.Fatalf("%s: cannot descend into %T", ptr, data)
		}
	}
}

// exampleInput is the receipt input of the golden files: fixed time, reference, hashes and
// payload, and one attachment for the Gewerbeanmeldung.
func exampleInput(id string, data any) ReceiptInput {
	in := ReceiptInput{
		Reference:   "TST-7K3F-9QX2",
		SubmittedAt: fixedTime,
		Data:        data,
		PayloadHash: fixedHash,
		Payload:     samplePayload,
	}
	if id == "gewerbeanmeldung" {
		in.Attachments = []ReceiptAttachment{{
			Filename:  "Personalausweis Łukasz Ørsted-Ñúñez.pdf",
			MediaType: "application/pdf",
			Size:      1_234_567,
			SHA512:    strings.Repeat("0123456789abcdef", 8),
		}}
	}
	return in
}

// requireTool returns the path of a command-line tool. Without it the test is skipped, unless
// CI=true, where a missing tool is a broken CI image and fails the test.
func requireTool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is not installed (CI=true); install it with: apt-get install -y %s", name, pkg)
	}
	tb.Skipf("%s is not installed; install it with: apt-get install -y %s", name, pkg)
	return ""
}

// toolAndFile finds a tool (poppler-utils or qpdf) and writes pdf to a temporary file for it.
func toolAndFile(tb testing.TB, pdf []byte, name string) (path, file string) {
	tb.Helper()
	pkg := "poppler-utils"
	if name == "qpdf" {
		pkg = "qpdf"
	}
	path = requireTool(tb, name, pkg)
	file = filepath.Join(tb.TempDir(), "receipt.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, file
}

// runTool runs a tool on a PDF and returns its standard output.
func runTool(tb testing.TB, pdf []byte, name string, args ...string) string {
	tb.Helper()
	path, file := toolAndFile(tb, pdf, name)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(path, append(args, file)...)
	if name == "pdftotext" {
		cmd.Args = append(cmd.Args, "-")
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	if s := stderr.String(); s != "" && name != "qpdf" {
		tb.Errorf("%s %s wrote to stderr: %s", name, strings.Join(args, " "), s)
	}
	return stdout.String()
}

// checkPDF runs qpdf --check and returns the text pdftotext extracts (in layout mode).
func checkPDF(tb testing.TB, pdf []byte) string {
	tb.Helper()
	if out := runTool(tb, pdf, "qpdf", "--check"); !strings.Contains(out, "No syntax or stream encoding errors") {
		tb.Errorf("qpdf --check:\n%s", out)
	}
	return runTool(tb, pdf, "pdftotext", "-enc", "UTF-8", "-layout")
}

func render(tb testing.TB, form *forms.Form, in ReceiptInput) []byte {
	tb.Helper()
	pdf, err := Receipt(form, in)
	if err != nil {
		tb.Fatalf("Receipt: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		tb.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	return pdf
}

// TestReceiptGolden renders the receipt of every example's valid sample, checks it with qpdf
// and compares the text pdftotext extracts with testdata/<id>.receipt.golden.txt (go test
// -update rewrites them).
func TestReceiptGolden(t *testing.T) {
	for _, id := range receiptExamples {
		t.Run(id, func(t *testing.T) {
			form, data := loadExample(t, id)
			text := checkPDF(t, render(t, form, exampleInput(id, data)))
			golden := filepath.Join("testdata", id+".receipt.golden.txt")
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./renderer -run Golden -update)", err)
			}
			if text != string(want) {
				t.Errorf("text of the receipt differs from %s (go test ./renderer -run Golden -update rewrites it):\n%s", golden, lineDiff(string(want), text))
			}
		})
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 10; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + strconv.Quote(wl) + "\n  got  " + strconv.Quote(gl) + "\n")
			shown++
		}
	}
	return b.String()
}

// TestReceiptShowsAnswers checks that the extracted text holds every visible label and value,
// "keine Angabe" for empty fields, the DIN 91379 names unchanged (combining sequences
// included), the reference, time, service, LeiKa key, authority, attachments, texts of the
// manifest and the page numbers.
func TestReceiptShowsAnswers(t *testing.T) {
	for _, id := range receiptExamples {
		t.Run(id, func(t *testing.T) {
			form, data := loadExample(t, id)
			in := exampleInput(id, data)
			text := checkPDF(t, render(t, form, in))
			words := strings.Fields(text)
			m := form.Manifest
			for _, want := range []string{
				"Eingangsbestätigung", "Vorgangsnummer", "TST-7K3F-9QX2", "28.11.2026, 14:03 Uhr",
				m.Title, m.LeiKa, m.Authority.Name, m.Authority.Street, m.Authority.PostalCode + " " + m.Authority.City,
				"Seite 1 von", "Ørsted-Ñúñez", "Formular „" + m.ID + "“, Version " + m.Version, fixedHash, "9b71d224…bcdec043",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			for _, v := range dinOverrides[id] {
				if !strings.Contains(text, v) {
					t.Errorf("text lacks the DIN 91379 value %q (%+q)", v, v)
				}
			}
			for _, long := range []string{m.PrivacyNotice, m.NextSteps} {
				if !containsWords(words, strings.Fields(long)) {
					t.Errorf("text lacks %.60q…", long)
				}
			}
			empty := 0
			for _, page := range form.Answers(data, "de") {
				if !containsWords(words, strings.Fields(page.Title)) {
					t.Errorf("text lacks the page title %q", page.Title)
				}
				for _, a := range page.Items {
					if !containsWords(words, strings.Fields(a.Label)) {
						t.Errorf("text lacks the label %q (%s)", a.Label, a.Path)
					}
					value := a.Value
					if !a.Heading && strings.TrimSpace(value) == "" {
						value, empty = "keine Angabe", empty+1
					}
					if !containsWords(words, strings.Fields(value)) {
						t.Errorf("text lacks the value %q of %q (%s)", value, a.Label, a.Path)
					}
				}
			}
			if empty == 0 {
				t.Errorf("the sample of %s has no empty optional field; the test wants one", id)
			}
			if got := strings.Count(text, "keine Angabe"); got != empty {
				t.Errorf("%d × „keine Angabe“, want %d", got, empty)
			}
			if id == "gewerbeanmeldung" {
				for _, want := range []string{"Anlagen", "Personalausweis Łukasz Ørsted-Ñúñez.pdf", "application/pdf, 1,2 MB", strings.Repeat("0123456789abcdef", 8)} {
					if !strings.Contains(text, want) {
						t.Errorf("text lacks the attachment detail %q", want)
					}
				}
			} else if !strings.Contains(text, "keine Anlagen") {
				t.Errorf("text lacks „keine Anlagen“")
			}
			pages := strings.Count(text, "\f")
			for p := 1; p <= pages; p++ {
				if want := "Seite " + strconv.Itoa(p) + " von " + strconv.Itoa(pages); !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
		})
	}
}

// containsWords reports whether the words of needle occur in order in words, each within a few
// words of the one before: in two columns, a wrapped label shares its lines with its value.
func containsWords(words, needle []string) bool {
	if len(needle) == 0 {
		return true
	}
	const maxGap = 12
	for start, w := range words {
		if w != needle[0] {
			continue
		}
		at, ok := start, true
		for _, n := range needle[1:] {
			found := -1
			for j := at + 1; j < len(words) && j <= at+maxGap; j++ {
				if words[j] == n {
					found = j
					break
				}
			}
			if found < 0 {
				ok = false
				break
			}
			at = found
		}
		if ok {
			return true
		}
	}
	return false
}

// TestReceiptEnglish renders in English: the receipt's own texts from the catalog, the form's
// from its translation.
func TestReceiptEnglish(t *testing.T) {
	form, data := loadExample(t, "gewerbeanmeldung")
	in := exampleInput("gewerbeanmeldung", data)
	in.Lang = "en"
	pdf := render(t, form, in)
	text := checkPDF(t, pdf)
	for _, want := range []string{
		"Confirmation of receipt", "Reference number", "28 November 2026, 14:03 CET", "Business registration",
		"Your details", "Legal form of the business", "Limited liability company (GmbH)", "not specified",
		"Page 1 of", "Data protection notice", "What happens next?", "12 April 1985",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	for _, german := range []string{"Eingangsbestätigung", "keine Angabe", "Seite 1"} {
		if strings.Contains(text, german) {
			t.Errorf("English receipt contains %q", german)
		}
	}
	if !bytes.Contains(pdf, []byte("/Lang(en)")) {
		t.Error("catalog lacks /Lang(en)")
	}
	for _, p := range archivalProblems(t, pdf, in.Payload) {
		t.Error(p)
	}
}

// TestReceiptDeterministic renders the same input twice, and concurrently: the bytes are the
// same every time.
func TestReceiptDeterministic(t *testing.T) {
	for _, id := range receiptExamples {
		form, data := loadExample(t, id)
		in := exampleInput(id, data)
		first := render(t, form, in)
		var wg sync.WaitGroup
		results := make([][]byte, 8)
		for i := range results {
			wg.Go(func() {
				pdf, err := Receipt(form, in)
				if err != nil {
					t.Error(err)
				}
				results[i] = pdf
			})
		}
		wg.Wait()
		for i, pdf := range results {
			if !bytes.Equal(pdf, first) {
				t.Errorf("%s: rendering %d differs from the first (%d vs %d bytes)", id, i+1, len(pdf), len(first))
			}
		}
	}
}

// TestReceiptMetadata checks the document information (pdfinfo) and the catalog's /Lang.
func TestReceiptMetadata(t *testing.T) {
	form, data := loadExample(t, "gewerbeanmeldung")
	pdf := render(t, form, exampleInput("gewerbeanmeldung", data))
	// The catalog is not compressed; the creation date is the submission time in Berlin.
	for _, want := range []string{"/Lang(de-DE)", "/CreationDate(D:20261128140300+01'00')"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("PDF lacks %s", want)
		}
	}
	info := runTool(t, pdf, "pdfinfo", "-enc", "UTF-8")
	for _, want := range []string{
		"Title:           Eingangsbestätigung – Gewerbeanmeldung",
		"Author:          Stadt Musterstadt – Gewerbeamt",
		"Subject:         Vorgangsnummer TST-7K3F-9QX2, 28.11.2026, 14:03 Uhr",
		"Keywords:        TST-7K3F-9QX2; LeiKa 99050012104000; SHA-512 " + fixedHash,
		"Creator:         ozgform",
		"Pages:           2",
		"Page size:       595.28 x 841.89 pts (A4)",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
}

// TestReceiptBadInput renders receipts from data no validator would pass and from hostile
// texts. The invariant: no panic, no error, a PDF that qpdf accepts and pdfcheck passes, page
// numbers on every page, and no character of the input lost (what the font cannot draw
// becomes U+FFFD).
func TestReceiptBadInput(t *testing.T) {
	form, data := loadExample(t, "hundesteuer")
	long := strings.Repeat("Ab", 5000)                                     // 10,000 characters without a space
	prose := strings.TrimSpace(strings.Repeat("Hundesteuer Łukasz ", 526)) // 10,000 characters of words
	cases := []struct {
		name   string
		data   any
		mutate func(*ReceiptInput)
		want   []string
		pages  int // at least
	}{
		{name: "nil data", data: nil, want: []string{"keine Angabe", "Seite 1 von"}},
		{name: "not an object", data: []any{"x", 1.5, true}, want: []string{"keine Angabe"}},
		{name: "wrong types", data: map[string]any{
			"halter":     "Łukasz",
			"anschrift":  []any{1, 2, 3},
			"hunde":      map[string]any{"0": "Bello"},
			"sepaMandat": "ja",
			"kontakt":    map[string]any{"email": 42.0, "telefon": []any{"+49"}},
			"erklaerung": map[string]any{},
		}},
		{name: "wrong types in list items", data: map[string]any{
			"hunde": []any{nil, "Bello", 3.0, map[string]any{"name": []any{"a"}, "geburtsdatum": "kein Datum", "vorbesitzer": "x"}},
		}},
		{name: "long word", mutate: func(in *ReceiptInput) { setPointer(t, in.Data, "/halter/geburtsort", long) }, want: []string{"AbAbAb"}, pages: 4},
		{name: "long prose", mutate: func(in *ReceiptInput) { setPointer(t, in.Data, "/hunde/0/name", prose) }, want: []string{"Hundesteuer Łukasz Hundesteuer"}, pages: 4},
		{name: "control characters", mutate: func(in *ReceiptInput) {
			setPointer(t, in.Data, "/halter/geburtsort", "A\x00B\x07C\x1bD\u0085E\x7fF\r\nGamma\tDelta\u2028Iota")
		}, want: []string{"A�B�C�D�E�F\n", "Gamma Delta\n", "Iota\n"}},
		{name: "invalid UTF-8 and characters without glyph", mutate: func(in *ReceiptInput) {
			setPointer(t, in.Data, "/halter/geburtsort", "x\xff\xfey 😀 中 \U0001F600 \u0325lone mark")
		}, want: []string{"x��y � � �", "lone mark"}},
		{name: "hostile texts", mutate: func(in *ReceiptInput) {
			in.Reference = "REF (with) \\ parens\nand a line break " + strings.Repeat("Ö", 300)
			in.PayloadHash = "not hex ) ("
			in.Lang = "fr"
			in.Attachments = []ReceiptAttachment{
				{Filename: long, MediaType: "text/plain\x00", Size: -5, SHA512: "(" + long},
				{Filename: "", Size: 999},
				{Filename: "b.pdf", Size: 5_000_000_000_000},
			}
		}, want: []string{"REF (with) \\ parens and a line break ÖÖÖ", "0 Byte", "999 Byte", "5,0 TB", "Seite 1 von"}, pages: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := exampleInput("hundesteuer", tc.data)
			if tc.data == nil && tc.mutate != nil {
				in.Data = cloneJSON(t, data)
			}
			if tc.mutate != nil {
				tc.mutate(&in)
			}
			pdf, err := Receipt(form, in)
			if err != nil {
				t.Fatalf("Receipt: %v", err)
			}
			text := checkPDF(t, pdf)
			// Page breaks inside long rows, cut values and replaced characters keep the
			// file tagged and archivable.
			findings, err := pdfcheck.Check(pdf)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range findings {
				t.Error(f)
			}
			for _, want := range tc.want {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			pages := strings.Count(text, "\f")
			if pages < max(tc.pages, 1) {
				t.Errorf("%d pages, want at least %d", pages, tc.pages)
			}
			for p := 1; p <= pages; p++ {
				if want := "Seite " + strconv.Itoa(p) + " von " + strconv.Itoa(pages); !strings.Contains(text, want) {
					t.Errorf("page %d lacks %q", p, want)
				}
			}
			if strings.Contains(tc.name, "long") {
				flat := strings.Join(strings.Fields(text), "")
				if got, want := strings.Count(flat, "Ab"), 5000; strings.Contains(tc.name, "word") && got < want {
					t.Errorf("%d × Ab in the text, want %d: the long value lost characters", got, want)
				}
				if got, want := strings.Count(flat, "HundesteuerŁukasz"), 526; strings.Contains(tc.name, "prose") && got < want {
					t.Errorf("%d × the phrase in the text, want %d", got, want)
				}
			}
			for _, c := range text {
				if c < 0x20 && c != '\n' && c != '\f' {
					t.Errorf("text contains control character %U", c)
					break
				}
			}
		})
	}
}

func cloneJSON(tb testing.TB, v any) any {
	tb.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestReceiptRefusesIncompleteInput: a receipt without form, reference or time is an error,
// not a document.
func TestReceiptRefusesIncompleteInput(t *testing.T) {
	form, data := loadExample(t, "hundesteuer")
	for name, tc := range map[string]struct {
		form *forms.Form
		in   ReceiptInput
	}{
		"no form":      {nil, exampleInput("hundesteuer", data)},
		"no reference": {form, ReceiptInput{SubmittedAt: fixedTime, Data: data}},
		"no time":      {form, ReceiptInput{Reference: "TST-1", Data: data}},
	} {
		if pdf, err := Receipt(tc.form, tc.in); err == nil || pdf != nil {
			t.Errorf("%s: got %d bytes, %v; want an error", name, len(pdf), err)
		}
	}
}

// TestWrap checks line breaking: at spaces, with paragraphs kept, and inside words wider than
// a line only between whole characters (a letter and its combining marks, and the two letters
// under a double diacritic, stay together).
func TestWrap(t *testing.T) {
	r := newReceipt(&forms.Form{}, ReceiptInput{})
	width := r.width("Lindenstraße", pdfRegular, 9)
	cases := []struct {
		in      string
		want    []string // nil: only check the properties below
		cluster string   // a word made of this cluster only
	}{
		{in: "", want: []string{}},
		{in: " \t ", want: []string{}},
		{in: "Lindenstraße", want: []string{"Lindenstraße"}},
		{in: "Lindenstraße Lindenstraße", want: []string{"Lindenstraße", "Lindenstraße"}},
		{in: "a  b\r\n\r\n\r\nc\n\n", want: []string{"a b", "", "c"}},
		{in: strings.Repeat("L̥", 40), cluster: "L̥"},
		{in: strings.Repeat("R̥̄", 40), cluster: "R̥̄"},
		{in: strings.Repeat("K͟H", 40), cluster: "K͟H"},
	}
	for _, tc := range cases {
		got := r.wrap(tc.in, width, pdfRegular, 9)
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q) = %q, want %q", tc.in, got, tc.want)
		}
		for _, line := range got {
			if w := r.width(line, pdfRegular, 9); w > width+1e-9 {
				t.Errorf("wrap(%q): line %q is %.2f mm wide, more than %.2f", tc.in, line, w, width)
			}
		}
		if tc.cluster != "" {
			if len(got) < 2 || strings.Join(got, "") != tc.in {
				t.Errorf("wrap(%q) = %q: want the word broken over several lines, nothing lost", tc.in, got)
			}
			for _, line := range got {
				if strings.ReplaceAll(line, tc.cluster, "") != "" {
					t.Errorf("wrap(%q): line %q splits %q", tc.in, line, tc.cluster)
				}
			}
		}
	}
}

// BenchmarkReceiptGewerbeanmeldung renders the two-page receipt of the Gewerbeanmeldung, tagged
// PDF/A with its payload embedded:
//
//	go test ./renderer -run '^$' -bench Receipt -benchmem -cpu 1
//
// Besides wall time it reports cpu-ns/op, the process's CPU time per receipt, which stays
// meaningful when other work shares the machine.
func BenchmarkReceiptGewerbeanmeldung(b *testing.B) {
	form, data := loadExample(b, "gewerbeanmeldung")
	in := exampleInput("gewerbeanmeldung", data)
	b.ReportAllocs()
	start, ok := processCPUTime()
	for b.Loop() {
		if _, err := Receipt(form, in); err != nil {
			b.Fatal(err)
		}
	}
	if end, ok2 := processCPUTime(); ok && ok2 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}

// TestReceiptDINRoundTrip writes every normative DIN 91379 character and sequence into a
// receipt, each between two x so that text extraction sees words, and reads them back with
// pdftotext: every one comes out as the same code points.
func TestReceiptDINRoundTrip(t *testing.T) {
	form, data := loadExample(t, "hundesteuer")
	var entries []string
	for _, e := range readDINList(t) {
		if !normativeGroups[e.group] || e.runes[0] < 0x20 {
			continue
		}
		entries = append(entries, "x"+string(e.runes)+"x")
	}
	entries = append(entries, "qq\u00A0qq") // again, where "x x" cannot come from neighbours
	in := exampleInput("hundesteuer", data)
	setPointer(t, in.Data, "/halter/geburtsort", strings.Join(entries, " "))
	text := checkPDF(t, render(t, form, in))
	for _, want := range entries {
		if want == "x\u00A0x" {
			continue // checked as qq qq
		}
		if want == "qq\u00A0qq" {
			want = "qq qq" // pdftotext turns the no-break space into a space
		}
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q (%+q)", want, want)
		}
	}
}
