// Package taggedpdf completes the PDF that fpdf writes into a tagged PDF (PDF/UA-1, ISO
// 14289-1) that is also PDF/A-3b (ISO 19005-3), with files embedded as associated files.
//
// fpdf draws the pages but knows nothing of logical structure, XMP metadata, associated files
// or ToUnicode maps for simple fonts. The work is split in two:
//
//   - while the pages are drawn, a Tree records the structure elements (Document, H1, P,
//     Table, …) and, through fpdf's RawWriteStr hook, wraps every piece of content in a
//     marked-content sequence: real content with an MCID that belongs to exactly one
//     element, page furniture and decoration as artifacts;
//   - Finish takes the bytes fpdf wrote and adds what fpdf cannot: the structure tree and
//     its parent tree, /MarkInfo, /StructParents and /Tabs on the pages, /Lang,
//     /ViewerPreferences, a ToUnicode map for every font with a /Differences encoding,
//     XMP metadata (PDF/A and PDF/UA identification) matching the document information
//     dictionary, an sRGB output intent, the embedded files with /AF, and a file
//     identifier. It rewrites the file once, with a fresh cross-reference table.
//
// Finish reads only what fpdf writes (a classic cross-reference table, no object streams, no
// encryption); it returns an error for anything else.
package taggedpdf

import (
	"errors"
	"fmt"
	"strconv"
)

// Elem is a structure element of a Tree.
type Elem int32

// Document is the root element of every Tree.
const Document Elem = 0

// standardTypes are the standard structure types of ISO 32000-1, 14.8.4: a tree uses no
// others, so it needs no role map.
var standardTypes = map[string]bool{
	"Document": true, "Part": true, "Art": true, "Sect": true, "Div": true, "BlockQuote": true,
	"Caption": true, "TOC": true, "TOCI": true, "Index": true, "NonStruct": true, "Private": true,
	"P": true, "H": true, "H1": true, "H2": true, "H3": true, "H4": true, "H5": true, "H6": true,
	"L": true, "LI": true, "Lbl": true, "LBody": true, "Table": true, "TR": true, "TH": true,
	"TD": true, "THead": true, "TBody": true, "TFoot": true, "Span": true, "Quote": true,
	"Note": true, "Reference": true, "BibEntry": true, "Code": true, "Link": true, "Annot": true,
	"Figure": true, "Formula": true, "Form": true,
}

// Tree is the logical structure of a document being drawn. The zero value is not usable: use
// NewTree.
type Tree struct {
	elems []elem
	// marks lists, per page (from 1), the element of each marked-content id.
	marks  [][]Elem
	open   bool  // a marked-content sequence is open
	err    error // the first misuse, returned by Finish
	objNum []int // element → object number, while Finish writes the tree
}

type elem struct {
	role   string
	parent Elem
	kids   []kid
	attrs  string // the /A value, if any
}

// kid is a child of an element: another element, or a marked-content sequence on a page.
type kid struct {
	elem       Elem // -1 for marked content
	page, mcid int
}

// NewTree returns a tree with its Document element.
func NewTree() *Tree {
	return &Tree{elems: []elem{{role: "Document", parent: -1}}}
}

// Add appends a new element of a standard structure type to parent and returns it.
func (t *Tree) Add(parent Elem, role string) Elem {
	if !standardTypes[role] {
		t.fail(fmt.Errorf("taggedpdf: %q is not a standard structure type", role))
	}
	if parent < 0 || int(parent) >= len(t.elems) {
		t.fail(fmt.Errorf("taggedpdf: no element %d", parent))
		parent = Document
	}
	e := Elem(len(t.elems))
	t.elems = append(t.elems, elem{role: role, parent: parent})
	t.elems[parent].kids = append(t.elems[parent].kids, kid{elem: e})
	return e
}

// Role returns the structure type of e.
func (t *Tree) Role(e Elem) string { return t.elems[e].role }

// Parent returns the parent of e (Document for the Document itself).
func (t *Tree) Parent(e Elem) Elem { return max(t.elems[e].parent, Document) }

// SetScope gives a table header cell its scope ("Row", "Column" or "Both"), which PDF/UA asks
// of every TH of a table without Headers attributes.
func (t *Tree) SetScope(th Elem, scope string) {
	t.elems[th].attrs = "<</O /Table /Scope /" + scope + ">>"
}

func (t *Tree) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// ContentWriter writes raw operators into the current page's content stream; *fpdf.Fpdf is
// one (RawWriteStr).
type ContentWriter interface {
	RawWriteStr(string)
}

// Begin opens a marked-content sequence on page (from 1) that belongs to e. Everything drawn
// until End is e's content. Sequences do not nest.
func (t *Tree) Begin(w ContentWriter, page int, e Elem) {
	if t.open {
		t.fail(errors.New("taggedpdf: Begin inside a marked-content sequence"))
		return
	}
	if page < 1 || e <= Document || int(e) >= len(t.elems) {
		t.fail(fmt.Errorf("taggedpdf: Begin on page %d for element %d", page, e))
		return
	}
	for len(t.marks) < page {
		t.marks = append(t.marks, nil)
	}
	mcid := len(t.marks[page-1])
	t.marks[page-1] = append(t.marks[page-1], e)
	t.elems[e].kids = append(t.elems[e].kids, kid{elem: -1, page: page, mcid: mcid})
	t.open = true
	w.RawWriteStr("/" + t.elems[e].role + " <</MCID " + strconv.Itoa(mcid) + ">> BDC")
}

// Artifact kinds for BeginArtifact.
const (
	ArtifactHeader = "/Type /Pagination /Subtype /Header" // running header
	ArtifactFooter = "/Type /Pagination /Subtype /Footer" // footer, page numbers
	ArtifactLayout = "/Type /Layout"                      // rules, shading and other decoration
)

// BeginArtifact opens a sequence of content that is not part of the document's logical
// content: page furniture or decoration. kind is one of the Artifact constants.
func (t *Tree) BeginArtifact(w ContentWriter, kind string) {
	if t.open {
		t.fail(errors.New("taggedpdf: BeginArtifact inside a marked-content sequence"))
		return
	}
	t.open = true
	w.RawWriteStr("/Artifact <<" + kind + ">> BDC")
}

// End closes the sequence that Begin or BeginArtifact opened.
func (t *Tree) End(w ContentWriter) {
	if !t.open {
		t.fail(errors.New("taggedpdf: End without Begin"))
		return
	}
	t.open = false
	w.RawWriteStr("EMC")
}

// hasContent reports whether e or one of its descendants has marked content.
func (t *Tree) hasContent(e Elem) bool {
	for _, k := range t.elems[e].kids {
		if k.elem < 0 || t.hasContent(k.elem) {
			return true
		}
	}
	return false
}
