package renderer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/go-pdf/fpdf"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer/internal/pdfcheck"
)

// samplePayload is what the tests embed as payload.json: canonical JSON, as a submission
// stores it.
var samplePayload = []byte(`{"halter":{"familienname":"Ørsted-Ñúñez","vornamen":"Łukasz R̥̄ Ǧǩ"}}`)

// archivalProblems runs the checks the issue asks of every receipt with poppler and qpdf and
// returns what fails: tagged and PDF ≥ 1.7 (pdfinfo), every font embedded with a ToUnicode
// map (pdffonts), payload.json attached with exactly payload's bytes (pdfdetach), PDF/A and
// PDF/UA identification in the XMP and the checkpoints of package pdfcheck (qpdf --json),
// and qpdf --check.
func archivalProblems(tb testing.TB, pdf, payload []byte) []string {
	tb.Helper()
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, strconv.Quote(strings.TrimSpace(fmt.Sprintf(format, args...))))
	}

	info := runToolLenient(tb, pdf, "pdfinfo")
	if !regexp.MustCompile(`(?m)^Tagged:\s+yes$`).MatchString(info) {
		add("pdfinfo: not tagged")
	}
	if m := regexp.MustCompile(`(?m)^PDF version:\s+(\d+)\.(\d+)$`).FindStringSubmatch(info); m == nil || m[1] == "1" && m[2] < "7" {
		add("pdfinfo: PDF version below 1.7: %v", m)
	}

	fonts := strings.Split(strings.TrimSpace(runToolLenient(tb, pdf, "pdffonts")), "\n")
	if len(fonts) < 3 {
		add("pdffonts: no fonts")
	}
	for _, line := range fonts[min(2, len(fonts)):] {
		f := strings.Fields(line)
		// name type encoding emb sub uni object ID: the last five columns are fixed.
		if len(f) < 7 || f[len(f)-5] != "yes" || f[len(f)-3] != "yes" {
			add("pdffonts: not embedded with ToUnicode: %s", line)
		}
	}

	if list := runToolLenient(tb, pdf, "pdfdetach", "-list"); !strings.Contains(list, ": "+ReceiptPayloadName+"\n") {
		add("pdfdetach -list: no %s: %s", ReceiptPayloadName, list)
	} else if got := detach(tb, pdf, ReceiptPayloadName); !bytes.Equal(got, payload) {
		add("payload.json is %q, want %q", got, payload)
	}

	if out := runToolLenient(tb, pdf, "qpdf", "--check"); !strings.Contains(out, "No syntax or stream encoding errors") {
		add("qpdf --check: %s", out)
	}
	requireTool(tb, "qpdf", "qpdf")
	findings, err := pdfcheck.Check(pdf)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range findings {
		add("%s", f)
	}
	return problems
}

// runToolLenient runs a tool like runTool but returns its output even when it fails or
// complains: a broken file is a finding of the check, not a broken test.
func runToolLenient(tb testing.TB, pdf []byte, name string, args ...string) string {
	tb.Helper()
	path, file := toolAndFile(tb, pdf, name)
	out, _ := exec.Command(path, append(args, file)...).CombinedOutput()
	return string(out)
}

// detach extracts an embedded file by name with pdfdetach.
func detach(tb testing.TB, pdf []byte, name string) []byte {
	tb.Helper()
	path, file := toolAndFile(tb, pdf, "pdfdetach")
	out := filepath.Join(tb.TempDir(), "out")
	if msg, err := exec.Command(path, "-savefile", name, "-o", out, file).CombinedOutput(); err != nil {
		return []byte("pdfdetach failed: " + string(msg))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestReceiptArchival: every example's receipt is a tagged PDF/UA-1 and PDF/A-3b file with
// its payload inside, passes all the checks of archivalProblems, and its structure tree
// reads the headings and every question followed by its own answer, in order.
func TestReceiptArchival(t *testing.T) {
	for _, id := range receiptExamples {
		t.Run(id, func(t *testing.T) {
			form, data := loadExample(t, id)
			in := exampleInput(id, data)
			pdf := render(t, form, in)
			for _, p := range archivalProblems(t, pdf, samplePayload) {
				t.Error(p)
			}
			checkStructText(t, form, in, runTool(t, pdf, "pdfinfo", "-struct-text"))
		})
	}
}

// checkStructText checks that the texts of the structure tree hold the title, the reference
// block and, for every page of answers, its title and every question directly followed by
// its answer, in the order of the form.
func checkStructText(t *testing.T, form *forms.Form, in ReceiptInput, structText string) {
	t.Helper()
	var texts []string
	for _, line := range strings.Split(structText, "\n") {
		line = strings.TrimSpace(line)
		if len(line) >= 2 && line[0] == '"' && line[len(line)-1] == '"' {
			texts = append(texts, strings.Join(strings.Fields(line[1:len(line)-1]), " "))
		}
	}
	want := []string{"Eingangsbestätigung", "Vorgangsnummer", in.Reference, "Ihre Angaben"}
	for _, page := range form.Answers(in.Data, "de") {
		want = append(want, page.Title)
		for _, a := range page.Items {
			want = append(want, a.Label)
			if !a.Heading {
				v := a.Value
				if strings.TrimSpace(v) == "" {
					v = "keine Angabe"
				}
				want = append(want, v)
			}
		}
	}
	want = append(want, "Anlagen")
	at := 0
	for _, w := range want {
		w = strings.Join(strings.Fields(w), " ")
		found := -1
		for i := at; i < len(texts); i++ {
			if texts[i] == w {
				found = i
				break
			}
		}
		if found < 0 {
			t.Errorf("the structure tree lacks %q after %q", w, texts[max(at-1, 0)])
			return
		}
		// A question's answer is the very next text.
		at = found + 1
	}
	// Every row header cell has its data cell.
	if th, td := strings.Count(structText, "TH:"), strings.Count(structText, "      TD\n"); th != td {
		t.Errorf("%d TH, %d TD", th, td)
	}
}

// TestArchivalChecksFailOnUntaggedPDF: the checks of TestReceiptArchival are not empty
// promises. The receipt as fpdf writes it, before taggedpdf completes it, and a plain fpdf
// document fail them, each for the reasons the issue names.
func TestArchivalChecksFailOnUntaggedPDF(t *testing.T) {
	form, data := loadExample(t, "hundesteuer")
	r := newReceipt(form, exampleInput("hundesteuer", data))
	r.build()
	untagged, err := r.drawPDF()
	if err != nil {
		t.Fatal(err)
	}

	plain := fpdf.New("P", "mm", "A4", "")
	plain.AddPage()
	plain.SetFont("Helvetica", "", 12)
	plain.Text(20, 20, "Eingangsbestätigung")
	var buf bytes.Buffer
	if err := plain.Output(&buf); err != nil {
		t.Fatal(err)
	}

	for name, pdf := range map[string][]byte{"untagged receipt": untagged, "plain fpdf": buf.Bytes()} {
		t.Run(name, func(t *testing.T) {
			problems := strings.Join(archivalProblems(t, pdf, samplePayload), "\n")
			for _, want := range []string{
				"not tagged", "PDF version below 1.7", "not embedded with ToUnicode", "no payload.json",
				"UA 06-001", "A 6.6.4", "UA 7.1-mark", "UA 07-001", "A 6.2.2", "A 6.1.3",
			} {
				if !strings.Contains(problems, want) {
					t.Errorf("the checks do not report %q; they report:\n%s", want, problems)
				}
			}
			if name == "plain fpdf" && !strings.Contains(problems, "UA 01-005") {
				t.Errorf("untagged text is not reported (UA 01-005):\n%s", problems)
			}
		})
	}
}
