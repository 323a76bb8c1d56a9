package taggedpdf

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/ozgform/ozgform/renderer/internal/pdfcheck"
)

var testDate = time.Date(2026, 11, 28, 14, 3, 0, 0, time.FixedZone("CET", 3600))

func testInfo() Info {
	return Info{Title: "Eingangsbestätigung – Test", Author: "Stadt Musterstadt", Subject: "Test (mit Klammern)",
		Keywords: "TST-1", Creator: "ozgform", Producer: "ozgform test", Lang: "de-DE", Date: testDate}
}

// drawDocument draws a two-page document with fpdf: a heading, a paragraph, a table, a list
// and a footer; with tree != nil, its content is marked for the tree.
func drawDocument(tb testing.TB, tree *Tree) []byte {
	tb.Helper()
	font, err := os.ReadFile("../../fonts/NotoSans-Regular.ttf")
	if err != nil {
		tb.Fatal(err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(testDate)
	pdf.AddUTF8FontFromBytes("noto", "", font)
	pdf.SetFont("noto", "", 11)
	begin := func(page int, e Elem) {
		if tree != nil {
			tree.Begin(pdf, page, e)
		}
	}
	artifact := func(kind string) {
		if tree != nil {
			tree.BeginArtifact(pdf, kind)
		}
	}
	end := func() {
		if tree != nil {
			tree.End(pdf)
		}
	}
	var h1, p, table, th, td, list, lbl, body Elem
	if tree != nil {
		h1 = tree.Add(Document, "H1")
		p = tree.Add(Document, "P")
		table = tree.Add(Document, "Table")
		tr := tree.Add(table, "TR")
		th = tree.Add(tr, "TH")
		tree.SetScope(th, "Row")
		td = tree.Add(tr, "TD")
		list = tree.Add(Document, "L")
		li := tree.Add(list, "LI")
		lbl = tree.Add(li, "Lbl")
		body = tree.Add(li, "LBody")
		tree.Add(Document, "Sect") // empty: left out of the file
	}
	// text draws s at (x, y), marked for e, or as an artifact of kind when e is Document.
	text := func(page int, e Elem, kind string, x, y float64, s string) {
		if e == Document {
			artifact(kind)
		} else {
			begin(page, e)
		}
		pdf.Text(x, y, s)
		end()
	}
	pdf.AddPage()
	text(1, h1, "", 20, 20, "Eingangsbestätigung")
	text(1, p, "", 20, 30, "Ein Absatz über zwei Seiten, ")
	artifact(ArtifactLayout)
	pdf.Line(20, 35, 190, 35)
	end()
	text(1, Document, ArtifactFooter, 20, 285, "Seite 1 von 2")
	pdf.AddPage()
	text(2, p, "", 20, 20, "der hier endet.")
	text(2, th, "", 20, 30, "Familienname")
	text(2, td, "", 80, 30, "Ørsted-Ñúñez")
	text(2, lbl, "", 20, 40, "1.")
	text(2, body, "", 30, 40, "Nachweis.pdf")
	_ = list
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func finished(tb testing.TB) []byte {
	tb.Helper()
	tree := NewTree()
	pdf, err := Finish(drawDocument(tb, tree), tree, testInfo(), File{
		Name: "payload.json", MediaType: "application/json", Description: "Daten", Relationship: "Data",
		Content: []byte(`{"name":"Łukasz"}`),
	})
	if err != nil {
		tb.Fatalf("Finish: %v", err)
	}
	return pdf
}

func tool(tb testing.TB, pdf []byte, name string, args ...string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not installed (CI=true)", name)
		}
		tb.Skipf("%s is not installed (apt-get install -y poppler-utils qpdf)", name)
	}
	file := filepath.Join(tb.TempDir(), "t.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(path, append(args, file)...).CombinedOutput()
	if err != nil && name != "qpdf" {
		tb.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// TestFinish completes a document drawn with fpdf: qpdf accepts it, poppler sees it tagged
// with the structure in order and the attached file, and pdfcheck finds nothing but fpdf's
// own ToUnicode map; the same document without taggedpdf fails pdfcheck.
func TestFinish(t *testing.T) {
	pdf := finished(t)
	if out := tool(t, pdf, "qpdf", "--check"); !strings.Contains(out, "No syntax or stream encoding errors") || strings.Contains(out, "WARNING") {
		t.Errorf("qpdf --check:\n%s", out)
	}
	info := tool(t, pdf, "pdfinfo")
	for _, want := range []string{"Tagged:          yes", "PDF version:     1.7", "Title:           Eingangsbestätigung – Test", "Subject:         Test (mit Klammern)", "Pages:           2"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	st := tool(t, pdf, "pdfinfo", "-struct-text")
	want := []string{"H1", `"Eingangsbestätigung"`, "P", `"Ein Absatz über zwei Seiten, "`, `"der hier endet."`, "Table", "TR", "TH", "/Scope /Row", `"Familienname"`, "TD", `"Ørsted-Ñúñez"`, "L", "LI", "Lbl", `"1."`, "LBody", `"Nachweis.pdf"`}
	at := 0
	for _, w := range want {
		i := strings.Index(st[at:], w)
		if i < 0 {
			t.Fatalf("struct text lacks %q after byte %d:\n%s", w, at, st)
		}
		at += i + len(w)
	}
	if strings.Contains(st, "Sect") || strings.Contains(st, "Seite 1 von 2") {
		t.Errorf("struct text has the empty Sect or the footer:\n%s", st)
	}
	if list := tool(t, pdf, "pdfdetach", "-list"); !strings.Contains(list, "1: payload.json") {
		t.Errorf("pdfdetach -list:\n%s", list)
	}
	if _, err := exec.LookPath("qpdf"); err == nil {
		findings, err := pdfcheck.Check(pdf)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range findings {
			// fpdf's UTF-8 fonts (used here for brevity; the receipt uses simple fonts
			// with ToUnicode maps from taggedpdf) map CID 0 to U+0000 in their own
			// ToUnicode map, which PDF/UA forbids; pdfcheck rightly reports it.
			if f.Checkpoint == "UA 31-028" {
				continue
			}
			t.Error(f)
		}
		plain, err := pdfcheck.Check(drawDocument(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) < 8 {
			t.Errorf("the plain fpdf document fails only %d checkpoints: %v", len(plain), plain)
		}
	}
	if again := finished(t); !bytes.Equal(again, pdf) {
		t.Error("the same document gives other bytes")
	}
}

// TestFinishRefusesMisuse: unbalanced or misplaced marked content, non-standard types, missing
// metadata and input that is not fpdf's give errors, never a broken file or a panic.
func TestFinishRefusesMisuse(t *testing.T) {
	var sink strings.Builder
	w := writerFunc(func(s string) { sink.WriteString(s + "\n") })
	cases := map[string]func(*Tree) ([]byte, Info){
		"nested Begin": func(tr *Tree) ([]byte, Info) {
			p := tr.Add(Document, "P")
			tr.Begin(w, 1, p)
			tr.Begin(w, 1, p)
			return drawDocument(t, nil), testInfo()
		},
		"End without Begin": func(tr *Tree) ([]byte, Info) { tr.End(w); return drawDocument(t, nil), testInfo() },
		"left open": func(tr *Tree) ([]byte, Info) {
			tr.BeginArtifact(w, ArtifactLayout)
			return drawDocument(t, nil), testInfo()
		},
		"content of the Document": func(tr *Tree) ([]byte, Info) {
			tr.Begin(w, 1, Document)
			return drawDocument(t, nil), testInfo()
		},
		"non-standard type": func(tr *Tree) ([]byte, Info) { tr.Add(Document, "Frage"); return drawDocument(t, nil), testInfo() },
		"marked content on a page that does not exist": func(tr *Tree) ([]byte, Info) {
			tr.Begin(w, 3, tr.Add(Document, "P"))
			tr.End(w)
			return drawDocument(t, nil), testInfo()
		},
		"no title":    func(tr *Tree) ([]byte, Info) { i := testInfo(); i.Title = " "; return drawDocument(t, nil), i },
		"no language": func(tr *Tree) ([]byte, Info) { i := testInfo(); i.Lang = ""; return drawDocument(t, nil), i },
		"no date":     func(tr *Tree) ([]byte, Info) { i := testInfo(); i.Date = time.Time{}; return drawDocument(t, nil), i },
		"not a PDF":   func(tr *Tree) ([]byte, Info) { return []byte("%PDF-1.4\nhello"), testInfo() },
		"truncated": func(tr *Tree) ([]byte, Info) {
			b := drawDocument(t, nil)
			return b[:len(b)/2], testInfo()
		},
		"object streams": func(tr *Tree) ([]byte, Info) {
			b := drawDocument(t, nil)
			i := bytes.LastIndex(b, []byte("startxref"))
			return append(b[:i:i], "startxref\n12\n%%EOF\n"...), testInfo()
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tr := NewTree()
			pdf, info := tc(tr)
			out, err := Finish(pdf, tr, info)
			if err == nil || out != nil {
				t.Errorf("Finish = %d bytes, %v; want an error", len(out), err)
			}
		})
	}
}

type writerFunc func(string)

func (f writerFunc) RawWriteStr(s string) { f(s) }

// TestMarkedContentOperators: Begin and BeginArtifact write the operators PDF wants, with
// MCIDs counted per page.
func TestMarkedContentOperators(t *testing.T) {
	var ops []string
	w := writerFunc(func(s string) { ops = append(ops, s) })
	tr := NewTree()
	h := tr.Add(Document, "H1")
	p := tr.Add(Document, "P")
	tr.Begin(w, 1, h)
	tr.End(w)
	tr.BeginArtifact(w, ArtifactFooter)
	tr.End(w)
	tr.Begin(w, 1, p)
	tr.End(w)
	tr.Begin(w, 2, p)
	tr.End(w)
	want := []string{"/H1 <</MCID 0>> BDC", "EMC", "/Artifact <</Type /Pagination /Subtype /Footer>> BDC", "EMC", "/P <</MCID 1>> BDC", "EMC", "/P <</MCID 0>> BDC", "EMC"}
	if strings.Join(ops, "|") != strings.Join(want, "|") {
		t.Errorf("operators\n%q\nwant\n%q", ops, want)
	}
}

func TestToUnicodeCMap(t *testing.T) {
	z, err := toUnicodeCMap([]byte("[32 /uni0020 /uni00C4 /uni0000 /uni000D 40 /uni1E9E /uniFEFF]"))
	if err != nil {
		t.Fatal(err)
	}
	cmap := inflate(t, z)
	for _, want := range []string{"3 beginbfchar", "<20> <0020>", "<21> <00C4>", "<28> <1E9E>"} {
		if !strings.Contains(cmap, want) {
			t.Errorf("CMap lacks %q:\n%s", want, cmap)
		}
	}
	if strings.Contains(cmap, "<0000>") || strings.Contains(cmap, "<FEFF>") || strings.Contains(cmap, "<000D>") {
		t.Errorf("CMap maps to a control character or U+FEFF:\n%s", cmap)
	}
	for _, bad := range []string{"", "[/uni0041]", "[32 /A]", "[300 /uni0041]", "[32 /uniZZZZ]"} {
		if _, err := toUnicodeCMap([]byte(bad)); err == nil {
			t.Errorf("toUnicodeCMap(%q): no error", bad)
		}
	}
}

func TestSyntax(t *testing.T) {
	d, err := parseDict([]byte("<</Type /Page /A (a (nested) \\) paren) /K [1 0 R 2 0 R] /D <</X 1>> /H <FEFF> /N 12 /R 3 0 R /B true>>"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Type": "/Page", "A": "(a (nested) \\) paren)", "K": "[1 0 R 2 0 R]", "D": "<</X 1>>", "H": "<FEFF>", "N": "12", "R": "3 0 R", "B": "true"}
	for k, v := range want {
		if got := string(d.get(k)); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	d.set("N", "13")
	d.del("B")
	d.set("New", "/X")
	if got := string(d.appendTo(nil)); !strings.Contains(got, "/N 13") || strings.Contains(got, "/B") || !strings.HasSuffix(got, "/New/X>>") {
		t.Errorf("rewritten: %s", got)
	}
	if refs, err := parseRefArray([]byte("[3 0 R 5 0 R]")); err != nil || len(refs) != 2 || refs[1] != 5 {
		t.Errorf("parseRefArray = %v, %v", refs, err)
	}
	for _, bad := range []string{"<</A>>", "<</A (open>>", "<<", "[1 2]"} {
		if _, err := parseDict([]byte(bad)); err == nil {
			t.Errorf("parseDict(%q): no error", bad)
		}
	}
	if got := textString("a(b)"); got != `(a\(b\))` {
		t.Errorf("textString = %s", got)
	}
	if got := textString("Ä"); got != "<FEFF00C4>" {
		t.Errorf("textString = %s", got)
	}
	if got := name("application/json"); got != "/application#2Fjson" {
		t.Errorf("name = %s", got)
	}
	if got := pdfDate(testDate); got != "D:20261128140300+01'00'" {
		t.Errorf("pdfDate = %s", got)
	}
	if got := pdfDate(testDate.UTC()); got != "D:20261128130300Z" {
		t.Errorf("pdfDate = %s", got)
	}
}

func inflate(tb testing.TB, z []byte) string {
	tb.Helper()
	r, err := zlibReader(z)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}
