package taggedpdf

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Info is what a document says about itself: the document information dictionary and the
// XMP metadata, which PDF/A wants to agree.
type Info struct {
	Title    string // shown in the window title (DisplayDocTitle); required
	Author   string
	Subject  string
	Keywords string
	Creator  string // the application that made the content
	Producer string
	Lang     string    // the document's natural language, e.g. "de-DE"; required
	Date     time.Time // creation and modification date, with its time zone
}

// File is a file embedded as an associated file of the document (PDF/A-3, ISO 32000-2
// 14.13), the way an e-invoice carries its XML.
type File struct {
	Name         string // e.g. "payload.json"
	MediaType    string // e.g. "application/json"
	Description  string
	Relationship string // AFRelationship: "Data", "Source", "Alternative", "Supplement"
	Content      []byte
}

// Finish completes pdf, as fpdf wrote it with t's marked content, into a tagged PDF/A-3b
// document with the given metadata and embedded files.
func Finish(pdf []byte, t *Tree, info Info, files ...File) ([]byte, error) {
	switch {
	case t.err != nil:
		return nil, t.err
	case t.open:
		return nil, errors.New("taggedpdf: a marked-content sequence is still open")
	case strings.TrimSpace(info.Title) == "":
		return nil, errors.New("taggedpdf: a document needs a title")
	case strings.TrimSpace(info.Lang) == "":
		return nil, errors.New("taggedpdf: a document needs a language")
	case info.Date.IsZero():
		return nil, errors.New("taggedpdf: a document needs a date")
	}
	f, err := parseFile(pdf)
	if err != nil {
		return nil, err
	}
	cat, err := f.dict(f.root)
	if err != nil {
		return nil, err
	}
	pagesRef, err := parseRef(cat.get("Pages"))
	if err != nil {
		return nil, err
	}
	pagesDict, err := f.dict(pagesRef)
	if err != nil {
		return nil, err
	}
	pages, err := parseRefArray(pagesDict.get("Kids"))
	if err != nil {
		return nil, err
	}
	if len(t.marks) > len(pages) {
		return nil, fmt.Errorf("taggedpdf: marked content on page %d of %d", len(t.marks), len(pages))
	}
	for i, p := range pages {
		d, err := f.dict(p)
		if err != nil {
			return nil, err
		}
		d.set("StructParents", strconv.Itoa(i))
		d.set("Tabs", "/S")
		// fpdf gives every page of a PDF 1.4+ file a transparency group; nothing on the
		// pages is transparent, and PDF/A is simpler without it.
		d.del("Group")
		f.setDict(p, d)
		if c, err := parseRef(d.get("Contents")); err == nil {
			if err := f.compressStream(c); err != nil {
				return nil, err
			}
		}
	}
	if err := addToUnicode(f); err != nil {
		return nil, err
	}

	structRoot := f.reserve()
	t.writeStructure(f, structRoot, pages)
	var nums strings.Builder
	for i := range pages {
		nums.WriteString(strconv.Itoa(i))
		nums.WriteString(" [")
		if i < len(t.marks) {
			for j, e := range t.marks[i] {
				if j > 0 {
					nums.WriteByte(' ')
				}
				nums.WriteString(ref(t.objNum[e]))
			}
		}
		nums.WriteString("] ")
	}
	f.objs[structRoot] = fmt.Appendf(nil, "<</Type /StructTreeRoot /K %s /ParentTree <</Nums [%s]>> /ParentTreeNextKey %d>>",
		ref(t.objNum[Document]), strings.TrimSpace(nums.String()), len(pages))

	meta := f.add(stream(dict{{"Type", []byte("/Metadata")}, {"Subtype", []byte("/XML")}}, xmp(info)))
	icc := f.add(stream(dict{{"N", []byte("3")}, {"Filter", []byte("/FlateDecode")}}, srgbCompressed()))

	var afs, names []string
	for _, file := range files {
		z, err := deflate(file.Content)
		if err != nil {
			return nil, err
		}
		sum := md5.Sum(file.Content) // the checksum PDF asks for here (ISO 32000-1, 7.11.4)
		ef := f.add(stream(dict{
			{"Type", []byte("/EmbeddedFile")},
			{"Subtype", []byte(name(file.MediaType))},
			{"Filter", []byte("/FlateDecode")},
			{"Params", fmt.Appendf(nil, "<</Size %d /ModDate %s /CheckSum <%s>>>", len(file.Content), textString(pdfDate(info.Date)), hex.EncodeToString(sum[:]))},
		}, z))
		rel := file.Relationship
		if rel == "" {
			rel = "Unspecified"
		}
		spec := f.add(fmt.Appendf(nil, "<</Type /Filespec /F %s /UF %s /Desc %s /AFRelationship %s /EF <</F %s /UF %s>>>>",
			textString(file.Name), textString(file.Name), textString(file.Description), name(rel), ref(ef), ref(ef)))
		afs = append(afs, ref(spec))
		names = append(names, textString(file.Name)+" "+ref(spec))
	}

	cat.set("StructTreeRoot", ref(structRoot))
	cat.set("MarkInfo", "<</Marked true>>")
	cat.set("Lang", textString(info.Lang))
	cat.set("ViewerPreferences", "<</DisplayDocTitle true>>")
	cat.set("Metadata", ref(meta))
	cat.set("OutputIntents", "[<</Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /Info (sRGB IEC61966-2.1) /RegistryName (http://www.color.org) /DestOutputProfile "+ref(icc)+">>]")
	cat.del("Names")
	cat.del("AF")
	if len(files) > 0 {
		// The name tree wants its keys sorted; the files keep their order in /AF.
		slices.Sort(names)
		cat.set("Names", "<</EmbeddedFiles <</Names ["+strings.Join(names, " ")+"]>>>>")
		cat.set("AF", "["+strings.Join(afs, " ")+"]")
	}
	f.setDict(f.root, cat)

	infoDict := dict{{"Title", []byte(textString(info.Title))}}
	for _, e := range []struct{ key, value string }{
		{"Author", info.Author}, {"Subject", info.Subject}, {"Keywords", info.Keywords},
		{"Creator", info.Creator}, {"Producer", info.Producer},
	} {
		if e.value != "" {
			infoDict.set(e.key, textString(e.value))
		}
	}
	infoDict.set("CreationDate", textString(pdfDate(info.Date)))
	infoDict.set("ModDate", textString(pdfDate(info.Date)))
	f.setDict(f.info, infoDict)
	return f.write(), nil
}

// writeStructure writes one object per structure element that has content; elements
// without any are left out.
func (t *Tree) writeStructure(f *pdfFile, structRoot int, pages []int) {
	t.objNum = make([]int, len(t.elems))
	for e := range t.elems {
		if e == int(Document) || t.hasContent(Elem(e)) {
			t.objNum[e] = f.reserve()
		}
	}
	for e, el := range t.elems {
		num := t.objNum[e]
		if num == 0 {
			continue
		}
		parent := structRoot
		if el.parent >= 0 {
			parent = t.objNum[el.parent]
		}
		b := fmt.Appendf(nil, "<</Type /StructElem /S /%s /P %s", el.role, ref(parent))
		page := 0
		for _, k := range el.kids {
			if k.elem < 0 {
				page = k.page
				break
			}
		}
		if page > 0 {
			b = fmt.Appendf(b, " /Pg %s", ref(pages[page-1]))
		}
		if el.attrs != "" {
			b = append(b, " /A "...)
			b = append(b, el.attrs...)
		}
		b = append(b, " /K ["...)
		first := true
		for _, k := range el.kids {
			if k.elem >= 0 && t.objNum[k.elem] == 0 {
				continue
			}
			if !first {
				b = append(b, ' ')
			}
			first = false
			switch {
			case k.elem >= 0:
				b = append(b, ref(t.objNum[k.elem])...)
			case k.page == page:
				b = strconv.AppendInt(b, int64(k.mcid), 10)
			default:
				b = fmt.Appendf(b, "<</Type /MCR /Pg %s /MCID %d>>", ref(pages[k.page-1]), k.mcid)
			}
		}
		b = append(b, "]>>"...)
		f.objs[num] = b
	}
}

// pdfDate writes t as a PDF date with its offset from UTC, e.g. "D:20261128140300+01'00'".
func pdfDate(t time.Time) string {
	s := "D:" + t.Format("20060102150405")
	_, off := t.Zone()
	if off == 0 {
		return s + "Z"
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off/60%60)
}

// zlibWriters are reused: a new writer allocates almost a megabyte, more than a receipt's
// whole file.
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	w := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// compressStream compresses a stream object that has no filter yet (fpdf's page contents,
// when fpdf's own compression, which makes a new compressor per page, is off).
func (f *pdfFile) compressStream(num int) error {
	body := f.objs[num]
	i := bytes.Index(body, []byte("stream"))
	if i < 0 || num >= len(f.objs) {
		return fmt.Errorf("%w: object %d is not a stream", errSyntax, num)
	}
	d, err := parseDict(body[:i])
	if err != nil {
		return fmt.Errorf("object %d: %w", num, err)
	}
	if d.get("Filter") != nil {
		return nil
	}
	n, err := strconv.Atoi(string(d.get("Length")))
	start := i + len("stream")
	if start < len(body) && body[start] == '\r' {
		start++
	}
	start++ // the end-of-line after "stream"
	if err != nil || n < 0 || start+n > len(body) {
		return fmt.Errorf("%w: bad length of stream %d", errSyntax, num)
	}
	z, err := deflate(body[start : start+n])
	if err != nil {
		return err
	}
	d.set("Filter", "/FlateDecode")
	f.objs[num] = stream(d, z)
	return nil
}
