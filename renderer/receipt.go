package renderer

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer/internal/taggedpdf"
)

// ReceiptInput is what a receipt shows besides the form itself.
type ReceiptInput struct {
	Reference   string    // Vorgangsnummer, e.g. "HST-7K3F-9QX2"
	SubmittedAt time.Time // shown in Europe/Berlin
	Lang        string    // "de" (default) or "en"
	Data        any       // the validated data (decoded JSON, hidden fields already dropped)
	PayloadHash string    // hex SHA-512 of the payload (shown shortened, in full in the last block and the metadata)
	// Payload is the submitted data as the envelope carries it, byte for byte: the receipt
	// embeds it as the associated file payload.json, so that a back office that receives
	// only the PDF has the data too. Nil: no file is embedded.
	Payload     []byte
	Attachments []ReceiptAttachment
	// Authority is the submission's authority (Einer für Alle); nil: form.json's.
	Authority *authority.Responsible
}

// ReceiptPayloadName is the name of the embedded payload file.
const ReceiptPayloadName = "payload.json"

// ReceiptAttachment is one file the citizen attached to the submission.
type ReceiptAttachment struct {
	Filename  string
	MediaType string
	Size      int64
	SHA512    string // hex
}

// Receipt renders the A4 receipt (Eingangsbestätigung) of one submission as a tagged PDF/UA-1
// and PDF/A-3b document, with the payload embedded (see package taggedpdf). The same form and
// input always give the same bytes: the creation date is SubmittedAt and the file identifier
// is a hash of the content.
func Receipt(form *forms.Form, in ReceiptInput) (pdf []byte, err error) {
	switch {
	case form == nil:
		return nil, errors.New("renderer: receipt: no form")
	case in.Reference == "":
		return nil, fmt.Errorf("renderer: receipt for %s: no reference number", form.Manifest.ID)
	case in.SubmittedAt.IsZero():
		return nil, fmt.Errorf("renderer: receipt for %s: no submission time", form.Manifest.ID)
	}
	// fpdf and the form model are not written for arbitrary data; a receipt that cannot be
	// built is an error for the caller to log and retry, never a crashed delivery worker.
	defer func() {
		if r := recover(); r != nil {
			pdf, err = nil, fmt.Errorf("renderer: receipt for %s %s: %v", form.Manifest.ID, in.Reference, r)
		}
	}()
	r := newReceipt(form, in)
	r.build()
	return r.render()
}

// Page geometry in millimetres (A4 portrait).
const (
	pdfPageW       = 210.0
	pdfMarginX     = 20.0
	pdfContentW    = pdfPageW - 2*pdfMarginX
	pdfFirstTop    = 16.0 // page 1 has no running header
	pdfNextTop     = 24.0 // below the running header
	pdfBodyBottom  = 278.0
	pdfLabelColW   = 74.0 // label column of the answers, indentation included
	pdfColumnGap   = 4.0
	pdfIndentStep  = 4.0
	pdfMaxIndent   = 6 // deeper nesting is drawn at this depth
	pdfPtToMM      = 25.4 / 72
	pdfLineSpacing = 1.25 // line height per font size
)

// Grey levels (0 = black).
const (
	pdfInk     = 20
	pdfMuted   = 95
	pdfFaint   = 120
	pdfRuleInk = 185
	pdfBoxFill = 242
)

// pdfLineHeight is the height of one line of text of size pt, in mm.
func pdfLineHeight(size float64) float64 { return size * pdfPtToMM * pdfLineSpacing }

type receiptOpKind uint8

const (
	receiptOpBox receiptOpKind = iota // drawn first on its page
	receiptOpText
	receiptOpRule
)

// receiptOp is one thing to draw. Layout fills a list of ops and knows the page count only at the
// end, so "Seite 1 von 2" is plain text and needs no alias replaced after the fact.
type receiptOp struct {
	kind       receiptOpKind
	page       int
	x, y, w, h float64 // text: x and baseline; rule: from (x, y) to (x+w, y+h); box: rectangle
	text       string
	style      pdfStyle
	size       float64
	grey       int
	mark       receiptMark
}

// receiptMark says what an op belongs to in the tagged PDF: a structure element, or, when
// artifact is set, page furniture or decoration.
type receiptMark struct {
	elem     taggedpdf.Elem
	artifact string // a taggedpdf.Artifact… kind
}

type receipt struct {
	form    *forms.Form
	in      ReceiptInput
	lang    string
	ops     []receiptOp
	page    int
	y       float64
	service string // the service name (form title) in lang
	ref     string
	tree    *taggedpdf.Tree
	mark    receiptMark    // what the text drawn now belongs to
	table   taggedpdf.Elem // the table the next answer goes into; -1: start a new one
	level   int            // the level of the last heading of the answers
}

func newReceipt(form *forms.Form, in ReceiptInput) *receipt {
	lang := receiptLang(in.Lang)
	return &receipt{
		form:    form,
		in:      in,
		lang:    lang,
		service: pdfLine(form.T(lang, "form.title", form.Manifest.Title)),
		ref:     pdfLine(in.Reference),
		tree:    taggedpdf.NewTree(),
		mark:    receiptMark{elem: -1}, // text outside any element fails the build
	}
}

// into adds a structure element of role to parent and sends the text drawn from now on to it.
func (r *receipt) into(parent taggedpdf.Elem, role string) taggedpdf.Elem {
	e := r.tree.Add(parent, role)
	r.mark = receiptMark{elem: e}
	return e
}

// tableRow adds a row to table with a header cell (scope row) and a data cell.
func (r *receipt) tableRow(table taggedpdf.Elem) (th, td taggedpdf.Elem) {
	tr := r.tree.Add(table, "TR")
	th = r.tree.Add(tr, "TH")
	r.tree.SetScope(th, "Row")
	return th, r.tree.Add(tr, "TD")
}

// width measures clean text in mm.
func (r *receipt) width(s string, style pdfStyle, size float64) float64 {
	w, fc := 0, pdfFonts().faces[style]
	for _, c := range s {
		if c < 0x10000 {
			w += int(fc.width[c])
		}
	}
	return float64(w) * size / 1000 * pdfPtToMM
}

// wrap cleans s and breaks it into lines at most width mm wide: at line breaks, at spaces, and
// inside words wider than a line, between character clusters (never between a letter and its
// combining marks). Runs of spaces collapse; empty lines collapse to one and are dropped at the
// ends.
func (r *receipt) wrap(s string, width float64, style pdfStyle, size float64) []string {
	lines, _ := r.wrapLines(s, width, style, size)
	return lines
}

// textLines is wrap for drawing: every line that ends where the text had a space or a line
// break keeps a space at its end. It is invisible, but tools that read a paragraph's lines
// as one text (the structure tree's text, screen readers) get "bei Rückfragen", not
// "beiRückfragen". A line that breaks inside an overlong word gets none.
func (r *receipt) textLines(s string, width float64, style pdfStyle, size float64) []string {
	lines, inWord := r.wrapLines(s, width, style, size)
	for i := range len(lines) - 1 {
		if lines[i] != "" && !inWord[i] {
			lines[i] += " "
		}
	}
	return lines
}

// wrapLines is wrap, and reports for each line whether it ends inside a word.
func (r *receipt) wrapLines(s string, width float64, style pdfStyle, size float64) (lines []string, inWord []bool) {
	s = pdfText(s)
	space := r.width(" ", style, size)
	var cur strings.Builder
	curW, started := 0.0, false
	flush := func() {
		lines = append(lines, cur.String())
		inWord = append(inWord, false)
		cur.Reset()
		curW, started = 0, false
	}
	for para := range strings.SplitSeq(s, "\n") {
		for word := range strings.SplitSeq(para, " ") {
			if word == "" {
				continue
			}
			w := r.width(word, style, size)
			if started && curW+space+w <= width {
				cur.WriteByte(' ')
				cur.WriteString(word)
				curW += space + w
				continue
			}
			if started {
				flush()
			}
			if w <= width {
				cur.WriteString(word)
				curW, started = w, true
				continue
			}
			for i := 0; i < len(word); {
				j := clusterEnd(word, i)
				cw := r.width(word[i:j], style, size)
				if started && curW+cw > width {
					flush()
					inWord[len(inWord)-1] = true
				}
				cur.WriteString(word[i:j])
				curW += cw
				started = true
				i = j
			}
		}
		switch {
		case started:
			flush()
		case len(lines) > 0 && lines[len(lines)-1] != "":
			lines = append(lines, "") // an empty line between paragraphs
			inWord = append(inWord, false)
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if lines == nil {
		lines = []string{}
	}
	return lines, inWord[:len(lines)]
}

// newPage starts the next page of the layout.
func (r *receipt) newPage() {
	r.page++
	r.y = pdfNextTop
	if r.page == 1 {
		r.y = pdfFirstTop
	}
}

// ensure starts a new page unless h mm fit above the bottom margin. A block taller than a
// page starts where it is and breaks between its lines.
func (r *receipt) ensure(h float64) {
	top := pdfNextTop
	if r.page == 1 {
		top = pdfFirstTop
	}
	if r.y+h > pdfBodyBottom && r.y > top {
		r.newPage()
	}
}

// text places one line of text with its top at the current y. Lines from wrap are clean
// already; cleaning again is cheap and keeps every drawn rune inside the font.
func (r *receipt) text(x float64, s string, style pdfStyle, size float64, grey int) {
	if s = pdfLine(s); s == "" {
		return
	}
	baseline := r.y + pdfLineHeight(size)*0.5 + size*pdfPtToMM*0.35
	r.ops = append(r.ops, receiptOp{kind: receiptOpText, page: r.page, x: x, y: baseline, text: s, style: style, size: size, grey: grey, mark: r.mark})
}

func (r *receipt) rule(x1, y, x2 float64, grey int) {
	r.ops = append(r.ops, receiptOp{kind: receiptOpRule, page: r.page, x: x1, y: y, w: x2 - x1, grey: grey, mark: receiptMark{artifact: taggedpdf.ArtifactLayout}})
}

// paragraph writes text wrapped to width, breaking pages between lines.
func (r *receipt) paragraph(s string, x, width float64, style pdfStyle, size float64, grey int) {
	lh := pdfLineHeight(size)
	for _, line := range r.textLines(s, width, style, size) {
		r.ensure(lh)
		r.text(x, line, style, size, grey)
		r.y += lh
	}
}

// heading writes a section heading of level (1 for H1 …) and keeps it on a page with the first
// lines after it.
func (r *receipt) heading(level int, s string, size float64, ruled bool) {
	r.startHeading(level)
	lh := pdfLineHeight(size)
	r.y += lh * 0.6
	r.ensure(lh + 3*pdfLineHeight(9))
	r.paragraph(s, pdfMarginX, pdfContentW, pdfBold, size, pdfInk)
	if ruled {
		r.rule(pdfMarginX, r.y+0.3, pdfMarginX+pdfContentW, pdfRuleInk)
		r.y += 1.6
	} else {
		r.y += 0.6
	}
}

// build lays out the whole receipt: its blocks from top to bottom, which is also the order of
// the structure tree (Document → Div with the letterhead, H1, the reference table, H2 …).
// A new block is one more method here; it adds its own structure elements with into.
func (r *receipt) build() {
	r.newPage()
	for _, block := range []func(){
		r.letterhead,
		r.summary,
		r.answers,
		r.attachments,
		r.manifestTexts,
		r.closingBlock,
	} {
		block()
	}
	r.pageFurniture()
}

// manifestTexts writes the form's privacy notice and next steps, each under an H2.
func (r *receipt) manifestTexts() {
	m := r.form.Manifest
	if s := privacyOf(r.form, r.lang, r.in.Authority); strings.TrimSpace(s) != "" {
		r.heading(2, receiptMsg(r.lang, "receipt.privacy"), 11, false)
		r.into(taggedpdf.Document, "P")
		r.paragraph(s, pdfMarginX, pdfContentW, pdfRegular, 8, pdfInk)
	}
	if s := r.form.T(r.lang, "form.nextSteps", m.NextSteps); strings.TrimSpace(s) != "" {
		r.heading(2, receiptMsg(r.lang, "receipt.nextSteps"), 11, false)
		r.into(taggedpdf.Document, "P")
		r.paragraph(s, pdfMarginX, pdfContentW, pdfRegular, 9, pdfInk)
	}
}

// letterhead writes the authority's name, address and contact details (a Div of paragraphs),
// then the title (H1).
func (r *receipt) letterhead() {
	a := authorityOf(r.form, r.in.Authority)
	div := r.tree.Add(taggedpdf.Document, "Div")
	r.into(div, "P")
	r.paragraph(a.Name, pdfMarginX, pdfContentW, pdfBold, 11, pdfInk)
	var addr []string
	if a.Street != "" {
		addr = append(addr, a.Street)
	}
	if city := strings.TrimSpace(a.PostalCode + " " + a.City); city != "" {
		addr = append(addr, city)
	}
	if len(addr) > 0 {
		r.into(div, "P")
		r.paragraph(strings.Join(addr, " · "), pdfMarginX, pdfContentW, pdfRegular, 9, pdfInk)
	}
	var contact []string
	if a.Phone != "" {
		contact = append(contact, receiptMsg(r.lang, "receipt.phone")+" "+a.Phone)
	}
	if a.Email != "" {
		contact = append(contact, receiptMsg(r.lang, "receipt.email")+" "+a.Email)
	}
	if a.URL != "" {
		contact = append(contact, a.URL)
	}
	if len(contact) > 0 {
		r.into(div, "P")
		r.paragraph(strings.Join(contact, " · "), pdfMarginX, pdfContentW, pdfRegular, 8.5, pdfMuted)
	}
	if line := municipalityLine(r.lang, r.in.Authority); line != "" {
		r.into(div, "P")
		r.paragraph(line, pdfMarginX, pdfContentW, pdfRegular, 8.5, pdfMuted)
	}
	r.y += 2
	r.rule(pdfMarginX, r.y, pdfMarginX+pdfContentW, pdfRuleInk)
	r.y += 7
	r.into(taggedpdf.Document, "H1")
	r.paragraph(receiptMsg(r.lang, "receipt.title"), pdfMarginX, pdfContentW, pdfBold, 20, pdfInk)
	r.y += 2
}

// summary writes the shaded box with the reference number, time, service and LeiKa key: a
// table of row headers and values.
func (r *receipt) summary() {
	const pad, labelW, labelSize, rowGap = 4.0, 40.0, 9, 0.8
	valueW := pdfContentW - 2*pad - labelW
	type row struct {
		label string
		lines []string
		style pdfStyle
		size  float64
	}
	var rows []row
	add := func(label, value string, style pdfStyle, size float64) {
		// The box stays on one page: a value longer than three lines is cut.
		lines := r.clip(r.textLines(value, valueW, style, size), 3, valueW, style, size)
		rows = append(rows, row{label, lines, style, size})
	}
	add(receiptMsg(r.lang, "receipt.reference"), r.ref, pdfBold, 15)
	add(receiptMsg(r.lang, "receipt.received"), formatReceived(r.in.SubmittedAt, r.lang), pdfRegular, 10)
	add(receiptMsg(r.lang, "receipt.service"), r.service, pdfRegular, 10)
	if m := r.form.Manifest; m.LeiKa != "" {
		add(receiptMsg(r.lang, "receipt.leika"), m.LeiKa, pdfRegular, 10)
	}
	h := 2*pad - rowGap
	for _, row := range rows {
		h += float64(max(len(row.lines), 1))*pdfLineHeight(row.size) + rowGap
	}
	r.ensure(h)
	r.ops = append(r.ops, receiptOp{kind: receiptOpBox, page: r.page, x: pdfMarginX, y: r.y, w: pdfContentW, h: h, grey: pdfBoxFill, mark: receiptMark{artifact: taggedpdf.ArtifactLayout}})
	r.y += pad
	table := r.tree.Add(taggedpdf.Document, "Table")
	for _, row := range rows {
		th, td := r.tableRow(table)
		lh := pdfLineHeight(row.size)
		top := r.y
		r.y += (lh - pdfLineHeight(labelSize)) / 2 // the label sits on the first line of the value
		r.mark = receiptMark{elem: th}
		r.text(pdfMarginX+pad, row.label, pdfRegular, labelSize, pdfMuted)
		r.y = top
		r.mark = receiptMark{elem: td}
		for _, line := range row.lines {
			r.text(pdfMarginX+pad+labelW, line, row.style, row.size, pdfInk)
			r.y += lh
		}
		r.y = top + float64(max(len(row.lines), 1))*lh + rowGap
	}
	r.y += pad - rowGap + 4
	r.into(taggedpdf.Document, "P")
	r.paragraph(receiptMsg(r.lang, "receipt.intro"), pdfMarginX, pdfContentW, pdfRegular, 9.5, pdfInk)
}

// pdfAnswerSize is the font size of the answers.
const pdfAnswerSize = 8.5

// answers writes every visible answer, page by page, with the labels the citizen saw. In the
// structure tree "Ihre Angaben" is an H2, each page an H3, group and list item headings H4 to
// H6 by depth, and the answers of each stretch between headings a table whose rows have the
// question as row header (TH) and the answer as data cell (TD).
func (r *receipt) answers() {
	r.heading(2, receiptMsg(r.lang, "receipt.answers"), 13, false)
	for _, pa := range r.form.Answers(r.in.Data, r.lang) {
		r.heading(3, pa.Title, 10.5, true)
		r.table, r.level = -1, 3
		rows := make([]receiptRow, len(pa.Items))
		for i, a := range pa.Items {
			rows[i] = r.layoutRow(a)
		}
		for i, row := range rows {
			if row.heading {
				// Keep a heading on a page with everything up to the first answer below it.
				need := 0.0
				for _, next := range rows[i:] {
					need += next.height()
					if !next.heading {
						break
					}
				}
				if need <= pdfBodyBottom-pdfNextTop {
					r.ensure(need)
				}
			}
			r.drawRow(row)
		}
	}
}

// receiptRow is one laid-out line of the answers: a heading, or a label and a value.
type receiptRow struct {
	heading       bool
	depth         int
	x             float64 // left edge of the label or heading
	labels        []string
	values        []string
	valueGrey     int
	before, after float64 // space above and below
}

// valueLine is the line of the row on which the value starts: the last line of the label.
// A wrapped question is read to its end before its answer starts, by eye, by pdftotext and
// by every other tool that reads lines from left to right.
func (row receiptRow) valueLine() int { return max(len(row.labels)-1, 0) }

// lines is the number of lines of the row.
func (row receiptRow) lines() int {
	if len(row.values) == 0 {
		return max(len(row.labels), 1)
	}
	return max(len(row.labels), row.valueLine()+len(row.values))
}

func (row receiptRow) height() float64 {
	return row.before + float64(row.lines())*pdfLineHeight(pdfAnswerSize) + row.after
}

// layoutRow wraps the label and value of one answer.
func (r *receipt) layoutRow(a forms.Answer) receiptRow {
	depth := min(max(a.Depth, 0), pdfMaxIndent)
	x := pdfMarginX + float64(depth)*pdfIndentStep
	if a.Heading {
		return receiptRow{heading: true, depth: depth, x: x, labels: r.textLines(a.Label, pdfContentW-(x-pdfMarginX), pdfBold, pdfAnswerSize), before: 1.1, after: 0.4}
	}
	value, grey := a.Value, pdfInk
	if strings.TrimSpace(value) == "" {
		value, grey = receiptMsg(r.lang, "receipt.empty"), pdfFaint
	}
	return receiptRow{
		x:         x,
		labels:    r.textLines(a.Label, pdfLabelColW-(x-pdfMarginX), pdfRegular, pdfAnswerSize),
		values:    r.textLines(value, pdfContentW-pdfLabelColW-pdfColumnGap, pdfRegular, pdfAnswerSize),
		valueGrey: grey,
		after:     0.7,
	}
}

// drawRow writes a heading (a group legend or a list item such as "Hund 1") or a label and its
// value side by side, the value starting on the label's last line. A row that fits on a page
// is kept together; a longer one breaks between its lines.
func (r *receipt) drawRow(row receiptRow) {
	lh := pdfLineHeight(pdfAnswerSize)
	r.y += row.before
	if h := row.height() - row.before; h <= pdfBodyBottom-pdfNextTop {
		r.ensure(h)
	}
	var th, td taggedpdf.Elem
	if row.heading {
		// Heading levels go down one step at a time (PDF/UA forbids skipping one).
		level := min(4+row.depth, r.level+1, 6)
		r.startHeading(level)
		r.table = -1
	} else {
		if r.table < 0 {
			r.table = r.tree.Add(taggedpdf.Document, "Table")
		}
		th, td = r.tableRow(r.table)
	}
	valueX := pdfMarginX + pdfLabelColW + pdfColumnGap
	for i := range row.lines() {
		r.ensure(lh)
		if i < len(row.labels) {
			if row.heading {
				r.text(row.x, row.labels[i], pdfBold, pdfAnswerSize, pdfInk)
			} else {
				r.mark = receiptMark{elem: th}
				r.text(row.x, row.labels[i], pdfRegular, pdfAnswerSize, pdfMuted)
			}
		}
		if j := i - row.valueLine(); !row.heading && j >= 0 && j < len(row.values) {
			r.mark = receiptMark{elem: td}
			r.text(valueX, row.values[j], pdfRegular, pdfAnswerSize, row.valueGrey)
		}
		r.y += lh
	}
	r.y += row.after
}

// startHeading sends the text drawn from now on to a new heading element of level (1 for H1).
func (r *receipt) startHeading(level int) {
	r.into(taggedpdf.Document, "H"+strconv.Itoa(level))
	r.level = level
}

// attachments lists the attached files with type, size and SHA-512 (a list: number as label,
// the file's details as body), or says there are none.
func (r *receipt) attachments() {
	r.heading(2, receiptMsg(r.lang, "receipt.attachments"), 11, false)
	if len(r.in.Attachments) == 0 {
		r.into(taggedpdf.Document, "P")
		r.paragraph(receiptMsg(r.lang, "receipt.noAttachments"), pdfMarginX, pdfContentW, pdfRegular, 9, pdfFaint)
		return
	}
	const indent = 6.0
	list := r.tree.Add(taggedpdf.Document, "L")
	for i, a := range r.in.Attachments {
		li := r.tree.Add(list, "LI")
		name := r.textLines(a.Filename, pdfContentW-indent, pdfRegular, 9)
		var details []string
		if a.MediaType != "" {
			details = append(details, pdfLine(a.MediaType))
		}
		details = append(details, formatSize(a.Size, r.lang))
		r.ensure(float64(len(name))*pdfLineHeight(9) + pdfLineHeight(8) + pdfLineHeight(6))
		r.into(li, "Lbl")
		r.text(pdfMarginX, fmt.Sprintf("%d.", i+1), pdfRegular, 9, pdfInk)
		r.into(li, "LBody")
		for _, line := range name {
			r.ensure(pdfLineHeight(9))
			r.text(pdfMarginX+indent, line, pdfRegular, 9, pdfInk)
			r.y += pdfLineHeight(9)
		}
		r.paragraph(strings.Join(details, ", "), pdfMarginX+indent, pdfContentW-indent, pdfRegular, 8, pdfMuted)
		if a.SHA512 != "" {
			r.paragraph(receiptMsg(r.lang, "receipt.attachmentHash", a.SHA512), pdfMarginX+indent, pdfContentW-indent, pdfRegular, 6, pdfMuted)
		}
		r.y += 1.5
	}
}

// closingBlock writes the form id and version and the full payload hash.
func (r *receipt) closingBlock() {
	m := r.form.Manifest
	lines := 2
	if r.in.PayloadHash != "" {
		lines += 2
	}
	r.y += 4
	r.ensure(float64(lines)*pdfLineHeight(7.5) + 2)
	r.rule(pdfMarginX, r.y, pdfMarginX+pdfContentW, pdfRuleInk)
	r.y += 1.5
	r.into(taggedpdf.Document, "P")
	r.paragraph(receiptMsg(r.lang, "receipt.form", m.ID, m.Version), pdfMarginX, pdfContentW, pdfRegular, 7.5, pdfMuted)
	if r.in.PayloadHash != "" {
		r.into(taggedpdf.Document, "P")
		r.paragraph(receiptMsg(r.lang, "receipt.payloadHash"), pdfMarginX, pdfContentW, pdfRegular, 7.5, pdfMuted)
		r.into(taggedpdf.Document, "P")
		r.paragraph(r.in.PayloadHash, pdfMarginX, pdfContentW, pdfRegular, 6.5, pdfMuted)
	}
	r.into(taggedpdf.Document, "P")
	r.paragraph(receiptMsg(r.lang, "receipt.machine"), pdfMarginX, pdfContentW, pdfRegular, 7.5, pdfMuted)
}

// pageFurniture adds the running header (from page 2 on) and the footer of every page, now
// that the number of pages is known.
func (r *receipt) pageFurniture() {
	total := r.page
	right := pdfMarginX + pdfContentW
	for p := 1; p <= total; p++ {
		r.page = p
		if p > 1 {
			r.mark = receiptMark{artifact: taggedpdf.ArtifactHeader}
			r.y = 10
			left := pdfLine(receiptMsg(r.lang, "receipt.title") + " · " + r.service)
			refText := r.fit(receiptMsg(r.lang, "receipt.reference")+" "+r.ref, pdfContentW/2, pdfRegular, 8)
			refW := r.width(refText, pdfRegular, 8)
			r.text(pdfMarginX, r.fit(left, right-pdfMarginX-refW-6, pdfRegular, 8), pdfRegular, 8, pdfMuted)
			r.text(right-refW, refText, pdfRegular, 8, pdfMuted)
			r.rule(pdfMarginX, 15.5, right, pdfRuleInk)
		}
		r.rule(pdfMarginX, 281, right, pdfRuleInk)
		r.mark = receiptMark{artifact: taggedpdf.ArtifactFooter}
		r.y = 282.5
		left := receiptMsg(r.lang, "receipt.reference") + " " + r.ref
		if h := pdfLine(r.in.PayloadHash); h != "" {
			left += " · " + receiptMsg(r.lang, "receipt.footerHash", shortHash(h))
		}
		pageText := receiptMsg(r.lang, "receipt.page", p, total)
		pageTextW := r.width(pageText, pdfRegular, 7.5)
		r.text(pdfMarginX, r.fit(left, right-pdfMarginX-pageTextW-6, pdfRegular, 7.5), pdfRegular, 7.5, pdfMuted)
		r.text(right-pageTextW, pageText, pdfRegular, 7.5, pdfMuted)
	}
	r.page = total
}

// fit shortens one line of clean text with "…" until it is at most width wide.
func (r *receipt) fit(s string, width float64, style pdfStyle, size float64) string {
	if r.width(s, style, size) <= width {
		return s
	}
	limit, w := width-r.width("…", style, size), 0.0
	for i := 0; i < len(s); {
		j := clusterEnd(s, i)
		if w += r.width(s[i:j], style, size); w > limit {
			return strings.TrimRight(s[:i], " ") + "…"
		}
		i = j
	}
	return s
}

// clip keeps at most n lines, marking a cut with "…".
func (r *receipt) clip(lines []string, n int, width float64, style pdfStyle, size float64) []string {
	if len(lines) <= n {
		return lines
	}
	lines = lines[:n]
	lines[n-1] = r.fit(strings.TrimRight(lines[n-1], " ")+"…", width, style, size)
	return lines
}

// render draws the laid-out pages with fpdf and completes them into a tagged PDF/A-3b file
// with package taggedpdf.
func (r *receipt) render() ([]byte, error) {
	in, m := r.in, r.form.Manifest
	drawn, err := r.drawPDF()
	if err != nil {
		return nil, err
	}
	keywords := []string{r.ref}
	if m.LeiKa != "" {
		keywords = append(keywords, "LeiKa "+m.LeiKa)
	}
	if in.PayloadHash != "" {
		keywords = append(keywords, "SHA-512 "+in.PayloadHash)
	}
	info := taggedpdf.Info{
		Title:    pdfLine(receiptMsg(r.lang, "receipt.title") + " – " + r.service),
		Author:   pdfLine(m.Authority.Name),
		Subject:  pdfLine(receiptMsg(r.lang, "receipt.reference") + " " + r.ref + ", " + formatReceived(in.SubmittedAt, r.lang)),
		Keywords: pdfLine(strings.Join(keywords, "; ")),
		Creator:  "ozgform",
		Producer: "ozgform (codeberg.org/go-pdf/fpdf)",
		Lang:     "de-DE",
		Date:     in.SubmittedAt.In(receiptZone),
	}
	if r.lang == "en" {
		info.Lang = "en"
	}
	var files []taggedpdf.File
	if in.Payload != nil {
		files = append(files, taggedpdf.File{
			Name:         ReceiptPayloadName,
			MediaType:    "application/json",
			Description:  receiptMsg(r.lang, "receipt.payloadFile"),
			Relationship: "Data",
			Content:      in.Payload,
		})
	}
	out, err := taggedpdf.Finish(drawn, r.tree, info, files...)
	if err != nil {
		return nil, fmt.Errorf("renderer: receipt for %s %s: %w", m.ID, r.ref, err)
	}
	return out, nil
}

// drawPDF draws the laid-out pages with fpdf, with the marked content of the structure tree,
// and returns what fpdf writes: an untagged PDF until taggedpdf.Finish completes it.
func (r *receipt) drawPDF() ([]byte, error) {
	m := r.form.Manifest
	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	pdf.SetAutoPageBreak(false, 0) // pages are broken by the layout
	pdf.SetMargins(pdfMarginX, pdfFirstTop, pdfMarginX)
	pdf.SetCatalogSort(true) // objects in a fixed order: same input, same bytes
	// taggedpdf compresses the pages with a reused compressor; fpdf would make a new one
	// (almost a megabyte of memory) per page.
	pdf.SetCompression(false)
	at := r.in.SubmittedAt.In(receiptZone)
	pdf.SetCreationDate(at) // taggedpdf writes the dates again, with the time zone
	pdf.SetModificationDate(at)

	// Fonts: the glyphs and encodings the text uses.
	fonts := pdfFonts()
	var used [2]pdfRuneSet
	var chunks [2]uint64
	for _, o := range r.ops {
		if o.kind != receiptOpText {
			continue
		}
		for _, c := range o.text {
			used[o.style].add(c)
			if c != ' ' {
				chunks[o.style] |= 1 << (fonts.enc.slot[c] >> 8)
			}
		}
	}
	if err := pdfEmbedFonts(pdf, &used, &chunks); err != nil {
		return nil, fmt.Errorf("renderer: receipt for %s %s: fonts: %w", m.ID, r.ref, err)
	}

	byPage := make([][]receiptOp, r.page+1)
	for _, o := range r.ops {
		byPage[o.page] = append(byPage[o.page], o)
	}
	for p := 1; p <= r.page; p++ {
		pdf.AddPage()
		open, current := false, receiptMark{}
		for _, kind := range []receiptOpKind{receiptOpBox, receiptOpText, receiptOpRule} {
			for _, o := range byPage[p] {
				if o.kind != kind {
					continue
				}
				// Consecutive ops of one element (or one kind of artifact) share one
				// marked-content sequence.
				if !open || o.mark != current {
					if open {
						r.tree.End(pdf)
					}
					if o.mark.artifact != "" {
						r.tree.BeginArtifact(pdf, o.mark.artifact)
					} else {
						r.tree.Begin(pdf, p, o.mark.elem)
					}
					open, current = true, o.mark
				}
				r.draw(pdf, o)
			}
		}
		if open {
			r.tree.End(pdf)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("renderer: receipt for %s %s: %w", m.ID, r.ref, err)
	}
	return buf.Bytes(), nil
}

func (r *receipt) draw(pdf *fpdf.Fpdf, o receiptOp) {
	switch o.kind {
	case receiptOpBox:
		pdf.SetFillColor(o.grey, o.grey, o.grey)
		pdf.Rect(o.x, o.y, o.w, o.h, "F")
	case receiptOpRule:
		pdf.SetDrawColor(o.grey, o.grey, o.grey)
		pdf.SetLineWidth(0.25)
		pdf.Line(o.x, o.y, o.x+o.w, o.y+o.h)
	case receiptOpText:
		pdf.SetTextColor(o.grey, o.grey, o.grey)
		drawText(pdf, o.x, o.y, o.text, o.style, o.size)
	}
}

// drawText writes clean text at (x, baseline y), switching between the 8-bit encodings of the
// font where the text needs it.
func drawText(pdf *fpdf.Fpdf, x, y float64, s string, style pdfStyle, size float64) {
	fonts := pdfFonts()
	fc := fonts.faces[style]
	var run []byte
	chunk, runW := -1, 0
	flush := func() {
		if len(run) == 0 {
			return
		}
		pdf.SetFont(pdfFontFamily(chunk), style.fpdfStyle(), size)
		pdf.Text(x, y, string(run))
		x += float64(runW) * size / 1000 * pdfPtToMM
		run, runW = run[:0], 0
	}
	for _, c := range s {
		slot := fonts.enc.slot[c] // text is clean: every rune has a slot
		if c != ' ' && int(slot>>8) != chunk {
			flush()
			chunk = int(slot >> 8)
		}
		if chunk < 0 { // leading spaces
			chunk = 0
		}
		run = append(run, byte(slot))
		runW += int(fc.width[c])
	}
	flush()
}
