package taggedpdf

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
)

// pdfFile is a PDF as fpdf writes it, split into its objects.
type pdfFile struct {
	objs       [][]byte // object number → the bytes between "N 0 obj" and "endobj"; nil: free
	root, info int
}

// parseFile splits pdf into its objects, using the cross-reference table.
func parseFile(pdf []byte) (*pdfFile, error) {
	at := bytes.LastIndex(pdf, []byte("startxref"))
	if at < 0 {
		return nil, fmt.Errorf("%w: no startxref", errSyntax)
	}
	i := skipSpace(pdf, at+len("startxref"))
	xref, err := strconv.Atoi(string(pdf[i:numberEnd(pdf, i)]))
	if err != nil || xref <= 0 || xref >= at {
		return nil, fmt.Errorf("%w: bad startxref", errSyntax)
	}
	if !bytes.HasPrefix(pdf[xref:], []byte("xref")) {
		return nil, fmt.Errorf("%w: no cross-reference table at %d (object streams are not supported)", errSyntax, xref)
	}
	lines := bytes.Split(pdf[xref:at], []byte("\n"))
	head := bytes.Fields(lines[1])
	if len(head) != 2 || string(head[0]) != "0" {
		return nil, fmt.Errorf("%w: cross-reference table in several sections", errSyntax)
	}
	n, err := strconv.Atoi(string(head[1]))
	if err != nil || n < 1 || len(lines) < 2+n+1 {
		return nil, fmt.Errorf("%w: bad cross-reference table", errSyntax)
	}
	f := &pdfFile{objs: make([][]byte, n)}
	offsets := make([]int, n)
	for num := 1; num < n; num++ {
		e := bytes.Fields(lines[2+num])
		if len(e) != 3 {
			return nil, fmt.Errorf("%w: bad cross-reference entry %d", errSyntax, num)
		}
		if string(e[2]) != "n" {
			continue
		}
		off, err := strconv.Atoi(string(e[0]))
		if err != nil || off <= 0 || off >= xref {
			return nil, fmt.Errorf("%w: bad offset of object %d", errSyntax, num)
		}
		offsets[num] = off
	}
	starts := slices.Sorted(slices.Values(offsets))
	for num, off := range offsets {
		if off == 0 {
			continue
		}
		end := xref
		if k, ok := slices.BinarySearch(starts, off); ok && k+1 < len(starts) {
			end = starts[k+1]
		}
		span := pdf[off:end]
		header := strconv.Itoa(num) + " 0 obj"
		if !bytes.HasPrefix(span, []byte(header)) {
			return nil, fmt.Errorf("%w: object %d is not at its offset", errSyntax, num)
		}
		stop := bytes.LastIndex(span, []byte("endobj"))
		if stop < 0 {
			return nil, fmt.Errorf("%w: object %d has no endobj", errSyntax, num)
		}
		f.objs[num] = bytes.TrimSpace(span[len(header):stop])
	}
	t := bytes.Index(pdf[xref:at], []byte("trailer"))
	if t < 0 {
		return nil, fmt.Errorf("%w: no trailer", errSyntax)
	}
	trailer, err := parseDict(pdf[xref+t+len("trailer") : at])
	if err != nil {
		return nil, err
	}
	if f.root, err = parseRef(trailer.get("Root")); err != nil {
		return nil, err
	}
	if f.info, err = parseRef(trailer.get("Info")); err != nil {
		return nil, err
	}
	if trailer.get("Encrypt") != nil {
		return nil, fmt.Errorf("taggedpdf: encrypted files cannot be archived")
	}
	return f, nil
}

// dict reads object num as a dictionary (not a stream).
func (f *pdfFile) dict(num int) (dict, error) {
	if num <= 0 || num >= len(f.objs) || f.objs[num] == nil {
		return nil, fmt.Errorf("%w: no object %d", errSyntax, num)
	}
	d, err := parseDict(f.objs[num])
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", num, err)
	}
	return d, nil
}

func (f *pdfFile) setDict(num int, d dict) { f.objs[num] = d.appendTo(nil) }

// add appends a new object and returns its number.
func (f *pdfFile) add(body []byte) int {
	f.objs = append(f.objs, body)
	return len(f.objs) - 1
}

// reserve adds an empty object to be filled later, so that objects can refer to each other.
func (f *pdfFile) reserve() int { return f.add(nil) }

// stream writes a stream object body.
func stream(d dict, data []byte) []byte {
	d.set("Length", strconv.Itoa(len(data)))
	out := d.appendTo(make([]byte, 0, len(data)+128))
	out = append(out, "\nstream\n"...)
	out = append(out, data...)
	return append(out, "\nendstream"...)
}

// write writes the file as PDF 1.7 with a fresh cross-reference table. The file identifier
// is a hash of everything before the trailer, so the same content gives the same bytes.
func (f *pdfFile) write() []byte {
	size := 1024
	for _, o := range f.objs {
		size += len(o) + 32
	}
	out := make([]byte, 0, size)
	// The second line's comment holds four bytes above 127, as PDF/A asks, so that
	// transfer programs treat the file as binary.
	out = append(out, "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"...)
	offsets := make([]int, len(f.objs))
	for num := 1; num < len(f.objs); num++ {
		offsets[num] = len(out)
		out = strconv.AppendInt(out, int64(num), 10)
		out = append(out, " 0 obj\n"...)
		if f.objs[num] == nil {
			out = append(out, "null"...) // an object fpdf left unused
		}
		out = append(out, f.objs[num]...)
		out = append(out, "\nendobj\n"...)
	}
	sum := sha256.Sum256(out)
	id := hex.EncodeToString(sum[:16])
	xref := len(out)
	out = append(out, "xref\n0 "...)
	out = strconv.AppendInt(out, int64(len(f.objs)), 10)
	out = append(out, "\n0000000000 65535 f \n"...)
	for num := 1; num < len(f.objs); num++ {
		out = fmt.Appendf(out, "%010d 00000 n \n", offsets[num])
	}
	out = fmt.Appendf(out, "trailer\n<</Size %d /Root %s /Info %s /ID [<%s> <%s>]>>\nstartxref\n%d\n%%%%EOF\n",
		len(f.objs), ref(f.root), ref(f.info), id, id, xref)
	return out
}
