// Package pdfcheck checks a PDF file against the checkpoints of PDF/UA-1 (ISO 14289-1, as
// numbered by the Matterhorn Protocol 1.1) and PDF/A-3 (ISO 19005-3) that can be decided from
// the file's objects as `qpdf --json` shows them: catalog entries, metadata, fonts, the
// structure tree, and the marked content of the page content streams.
//
// It is a test helper, standing in for veraPDF (the reference validator, which is not
// packaged in Debian). It does not look inside font programs, judge whether tags fit the
// content, or check colours and transparency; Checkpoints lists what it covers.
package pdfcheck

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Finding is one failed checkpoint.
type Finding struct {
	Checkpoint string // e.g. "UA 06-002" or "A 6.6.4"
	Detail     string
}

func (f Finding) String() string { return f.Checkpoint + ": " + f.Detail }

// Checkpoints are the checkpoints Check covers, by the identifier its findings carry.
var Checkpoints = map[string]string{
	"UA 01-003":   "content marked as Artifact inside tagged content",
	"UA 01-004":   "tagged content inside content marked as Artifact",
	"UA 01-005":   "content (text, paths) neither marked as Artifact nor tagged as real content",
	"UA 01-007":   "MarkInfo Suspects is true",
	"UA 7.1-mark": "catalog has /MarkInfo <</Marked true>> and a StructTreeRoot",
	"UA 7.1-mcid": "every marked-content id belongs to exactly one structure element, and the parent tree agrees",
	"UA 02-001":   "structure types that are neither standard nor role-mapped",
	"UA 06-001":   "no XMP metadata stream in the catalog",
	"UA 06-002":   "XMP metadata without the PDF/UA identifier (pdfuaid:part)",
	"UA 06-003":   "XMP metadata without dc:title",
	"UA 07-001":   "ViewerPreferences without DisplayDocTitle",
	"UA 07-002":   "DisplayDocTitle is false",
	"UA 09-004":   "table elements (Table, TR, TH, TD) not nested as ISO 32000-1 Table 337 says",
	"UA 09-005":   "list elements (L, LI, Lbl, LBody) not nested as ISO 32000-1 Table 336 says",
	"UA 11-006":   "no natural language for the document (/Lang in the catalog)",
	"UA 14-002":   "the first numbered heading is not H1",
	"UA 14-003":   "numbered heading levels skipped in descending sequence",
	"UA 14-007":   "both H and H1–H6 used",
	"UA 15-003":   "TH without a Scope attribute (no Headers/IDs used)",
	"UA 21-001":   "embedded file specification without F and UF",
	"UA 26-001":   "the file is encrypted (PDF/A forbids it, PDF/UA restricts it)",
	"UA 28-008":   "a page with annotations has no /Tabs /S",
	"UA 31-009":   "a font used on a page is not embedded",
	"UA 31-027":   "a font with a non-standard encoding has no ToUnicode map",
	"UA 31-028":   "a ToUnicode map maps to U+0000",
	"UA 31-029":   "a ToUnicode map maps to U+FEFF or U+FFFE",
	"A 6.1.2":     "file header: %PDF-1.n and a comment of four bytes above 127 on the second line",
	"A 6.1.3":     "trailer has /ID; no /Encrypt",
	"A 6.1.7":     "streams without /F, /FFilter, /FDecodeParms; no LZW or Crypt filter",
	"A 6.2.2":     "an output intent GTS_PDFA1 with an embedded ICC profile (DestOutputProfile)",
	"A 6.6.2.1":   "the metadata stream is not filtered",
	"A 6.6.2.3":   "document information and XMP agree (Title, Author, Subject, Keywords, Creator, Producer, dates)",
	"A 6.6.4":     "XMP has pdfaid:part 3 and pdfaid:conformance",
	"A 6.6.2.3.1": "XMP declares pdfuaid in a PDF/A extension schema",
	"A 6.8":       "embedded files: MIME /Subtype, /AFRelationship, referenced from /AF",
	"A 6.1.13":    "no JavaScript and no additional actions in the catalog",
}

// Check runs qpdf on pdf and checks the result. It fails only when qpdf cannot be run or its
// output cannot be read.
func Check(pdf []byte) ([]Finding, error) {
	qpdf, err := exec.LookPath("qpdf")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pdfcheck")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		return nil, err
	}
	out, err := exec.Command(qpdf, "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=generalized", file).Output()
	if err != nil {
		var ee *exec.ExitError
		// qpdf exits 3 for warnings and still writes the JSON.
		if !errors.As(err, &ee) || ee.ExitCode() != 3 {
			return nil, fmt.Errorf("qpdf --json: %w", err)
		}
	}
	return CheckJSON(pdf[:min(len(pdf), 64)], out)
}

// CheckJSON checks the output of `qpdf --json=2 --json-key=qpdf --json-stream-data=inline
// --decode-level=generalized`; head is the start of the file (for its header).
func CheckJSON(head, qpdfJSON []byte) ([]Finding, error) {
	var doc struct {
		QPDF []json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal(qpdfJSON, &doc); err != nil {
		return nil, fmt.Errorf("qpdf JSON: %w", err)
	}
	if len(doc.QPDF) != 2 {
		return nil, errors.New("qpdf JSON: no objects")
	}
	var raw map[string]struct {
		Value  any `json:"value"`
		Stream *struct {
			Dict map[string]any `json:"dict"`
			Data string         `json:"data"`
		} `json:"stream"`
	}
	if err := json.Unmarshal(doc.QPDF[1], &raw); err != nil {
		return nil, fmt.Errorf("qpdf JSON objects: %w", err)
	}
	c := &checker{objs: map[string]*object{}}
	for key, o := range raw {
		obj := &object{value: o.Value}
		if o.Stream != nil {
			obj.value = o.Stream.Dict
			obj.stream = true
			if o.Stream.Data != "" {
				data, err := base64.StdEncoding.DecodeString(o.Stream.Data)
				if err != nil {
					return nil, fmt.Errorf("qpdf JSON %s: %w", key, err)
				}
				obj.data = data
			}
		}
		if key == "trailer" {
			c.trailer, _ = obj.value.(map[string]any)
			continue
		}
		c.objs[strings.TrimPrefix(key, "obj:")] = obj
	}
	c.checkHeader(head)
	c.run()
	return c.findings, nil
}

type object struct {
	value  any // a dictionary for streams
	stream bool
	data   []byte
}

type checker struct {
	objs     map[string]*object
	trailer  map[string]any
	findings []Finding
	seen     map[string]bool
}

func (c *checker) fail(id, format string, args ...any) {
	if _, ok := Checkpoints[id]; !ok {
		panic("pdfcheck: unknown checkpoint " + id)
	}
	f := Finding{id, fmt.Sprintf(format, args...)}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if !c.seen[f.String()] {
		c.seen[f.String()] = true
		c.findings = append(c.findings, f)
	}
}

// resolve follows an indirect reference ("12 0 R") to its object's value.
func (c *checker) resolve(v any) any {
	for range 32 {
		s, ok := v.(string)
		if !ok || !strings.HasSuffix(s, " R") {
			return v
		}
		o := c.objs[s]
		if o == nil {
			return nil
		}
		v = o.value
	}
	return nil
}

func (c *checker) dict(v any) map[string]any {
	d, _ := c.resolve(v).(map[string]any)
	return d
}

func (c *checker) array(v any) []any {
	a, _ := c.resolve(v).([]any)
	return a
}

// str decodes a qpdf JSON string ("u:text" or "b:hex").
func str(v any) string {
	s, _ := v.(string)
	switch {
	case strings.HasPrefix(s, "u:"):
		return s[2:]
	case strings.HasPrefix(s, "b:"):
		var b []byte
		for i := 2; i+1 < len(s); i += 2 {
			n, _ := strconv.ParseUint(s[i:i+2], 16, 8)
			b = append(b, byte(n))
		}
		return string(b)
	}
	return s
}

func (c *checker) streamData(v any) ([]byte, map[string]any) {
	s, _ := v.(string)
	o := c.objs[s]
	if o == nil || !o.stream {
		return nil, nil
	}
	d, _ := o.value.(map[string]any)
	return o.data, d
}

func (c *checker) checkHeader(head []byte) {
	lines := bytes.SplitN(head, []byte("\n"), 3)
	if len(lines) < 3 || !bytes.HasPrefix(lines[0], []byte("%PDF-1.")) || len(lines[1]) < 5 || lines[1][0] != '%' {
		c.fail("A 6.1.2", "header %q", head[:min(len(head), 20)])
		return
	}
	for _, b := range lines[1][1:5] {
		if b < 128 {
			c.fail("A 6.1.2", "the second line's comment %q has bytes below 128", lines[1])
			return
		}
	}
}

func (c *checker) run() {
	if c.trailer == nil {
		c.fail("A 6.1.3", "no trailer")
		return
	}
	if c.trailer["/Encrypt"] != nil {
		c.fail("A 6.1.3", "the file is encrypted")
		c.fail("UA 26-001", "the file is encrypted")
	}
	if id := c.array(c.trailer["/ID"]); len(id) != 2 {
		c.fail("A 6.1.3", "trailer without /ID")
	}
	cat := c.dict(c.trailer["/Root"])
	if cat == nil {
		c.fail("UA 7.1-mark", "no catalog")
		return
	}
	c.checkStreams()
	c.checkCatalog(cat)
	info := c.dict(c.trailer["/Info"])
	c.checkMetadata(cat, info)
	c.checkEmbeddedFiles(cat)
	pages := c.pages(cat)
	c.checkFonts(pages)
	c.checkStructure(cat, pages)
}

func (c *checker) checkStreams() {
	for key, o := range c.objs {
		if !o.stream {
			continue
		}
		d, _ := o.value.(map[string]any)
		for _, k := range []string{"/F", "/FFilter", "/FDecodeParms"} {
			if d[k] != nil && d["/Type"] != "/Filespec" {
				c.fail("A 6.1.7", "stream %s has %s", key, k)
			}
		}
		filters := []any{d["/Filter"]}
		if a, ok := d["/Filter"].([]any); ok {
			filters = a
		}
		for _, f := range filters {
			if f == "/LZWDecode" || f == "/Crypt" {
				c.fail("A 6.1.7", "stream %s uses %s", key, f)
			}
		}
	}
}

func (c *checker) checkCatalog(cat map[string]any) {
	mark := c.dict(cat["/MarkInfo"])
	if mark["/Marked"] != true {
		c.fail("UA 7.1-mark", "no /MarkInfo <</Marked true>>")
	}
	if mark["/Suspects"] == true {
		c.fail("UA 01-007", "/Suspects true")
	}
	if cat["/StructTreeRoot"] == nil {
		c.fail("UA 7.1-mark", "no StructTreeRoot")
	}
	vp := c.dict(cat["/ViewerPreferences"])
	switch vp["/DisplayDocTitle"] {
	case nil:
		c.fail("UA 07-001", "no DisplayDocTitle")
	case false:
		c.fail("UA 07-002", "DisplayDocTitle false")
	}
	if strings.TrimSpace(str(c.resolve(cat["/Lang"]))) == "" {
		c.fail("UA 11-006", "no /Lang in the catalog")
	}
	if cat["/AA"] != nil || cat["/OpenAction"] != nil && c.dict(cat["/OpenAction"])["/S"] == "/JavaScript" {
		c.fail("A 6.1.13", "the catalog has additional or JavaScript actions")
	}
	if c.dict(cat["/Names"])["/JavaScript"] != nil {
		c.fail("A 6.1.13", "the name dictionary has JavaScript")
	}
	var profiles int
	for _, oi := range c.array(cat["/OutputIntents"]) {
		d := c.dict(oi)
		if d["/S"] != "/GTS_PDFA1" {
			continue
		}
		data, sd := c.streamData(d["/DestOutputProfile"])
		if len(data) < 128 || string(data[36:40]) != "acsp" {
			c.fail("A 6.2.2", "the GTS_PDFA1 output intent has no embedded ICC profile")
			continue
		}
		if n, _ := sd["/N"].(float64); n != 3 && n != 1 && n != 4 {
			c.fail("A 6.2.2", "the ICC profile stream has /N %v", sd["/N"])
		}
		profiles++
	}
	if profiles == 0 {
		c.fail("A 6.2.2", "no GTS_PDFA1 output intent with an ICC profile")
	}
}

// pages returns the page dictionaries in order, with their object keys.
func (c *checker) pages(cat map[string]any) (pages []pageRef) {
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		d := c.dict(v)
		if d == nil || depth > 32 {
			return
		}
		if d["/Type"] == "/Page" {
			key, _ := v.(string)
			pages = append(pages, pageRef{key, d})
			return
		}
		for _, k := range c.array(d["/Kids"]) {
			walk(k, depth+1)
		}
	}
	walk(cat["/Pages"], 0)
	return pages
}

type pageRef struct {
	key  string
	dict map[string]any
}

func (c *checker) checkFonts(pages []pageRef) {
	checked := map[string]bool{}
	for _, p := range pages {
		if len(c.array(p.dict["/Annots"])) > 0 && p.dict["/Tabs"] != "/S" {
			c.fail("UA 28-008", "page %s has annotations and no /Tabs /S", p.key)
		}
		fonts := c.dict(c.dict(p.dict["/Resources"])["/Font"])
		for _, ref := range fonts {
			key, _ := ref.(string)
			if checked[key] {
				continue
			}
			checked[key] = true
			f := c.dict(ref)
			c.checkFont(key, f)
		}
	}
}

func (c *checker) checkFont(key string, f map[string]any) {
	desc := c.dict(f["/FontDescriptor"])
	if f["/Subtype"] == "/Type0" {
		if d := c.array(f["/DescendantFonts"]); len(d) == 1 {
			desc = c.dict(c.dict(d[0])["/FontDescriptor"])
		}
	}
	if f["/Subtype"] != "/Type3" && desc["/FontFile"] == nil && desc["/FontFile2"] == nil && desc["/FontFile3"] == nil {
		c.fail("UA 31-009", "font %s (%s) is not embedded", key, f["/BaseFont"])
	}
	if f["/ToUnicode"] == nil {
		switch enc := f["/Encoding"]; {
		case enc == "/WinAnsiEncoding" || enc == "/MacRomanEncoding" || enc == "/MacExpertEncoding":
		default:
			c.fail("UA 31-027", "font %s (%s) has neither ToUnicode nor a standard encoding", key, f["/BaseFont"])
		}
		return
	}
	data, _ := c.streamData(f["/ToUnicode"])
	for _, dst := range cmapDestinations(data) {
		switch dst {
		case 0:
			c.fail("UA 31-028", "ToUnicode of font %s maps to U+0000", key)
		case 0xFEFF, 0xFFFE:
			c.fail("UA 31-029", "ToUnicode of font %s maps to U+%04X", key, dst)
		}
	}
}

// cmapDestinations returns the first UTF-16 unit of every destination of a ToUnicode CMap's
// bfchar and bfrange entries.
func cmapDestinations(cmap []byte) []int {
	var out []int
	for _, section := range []string{"beginbfchar", "beginbfrange"} {
		rest := cmap
		for {
			i := bytes.Index(rest, []byte(section))
			if i < 0 {
				break
			}
			rest = rest[i+len(section):]
			end := bytes.Index(rest, []byte("end"))
			if end < 0 {
				break
			}
			var hexes []string
			for _, f := range bytes.Fields(rest[:end]) {
				if len(f) > 2 && f[0] == '<' && f[len(f)-1] == '>' {
					hexes = append(hexes, string(f[1:len(f)-1]))
				}
			}
			step := 2
			if section == "beginbfrange" {
				step = 3
			}
			for j := step - 1; j < len(hexes); j += step {
				if len(hexes[j]) >= 4 {
					n, _ := strconv.ParseUint(hexes[j][:4], 16, 16)
					out = append(out, int(n))
				}
			}
			rest = rest[end:]
		}
	}
	return out
}
