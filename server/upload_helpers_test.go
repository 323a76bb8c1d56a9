package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// testFile is a file a test uploads: the input's name, the file name and the bytes.
type testFile struct {
	field, name string
	content     []byte
}

// minimalPDF returns a small but well-formed PDF document with one page that says text.
func minimalPDF(text string) []byte {
	stream := "BT /F1 18 Tf 72 720 Td (" + text + ") Tj ET"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// testJPEG returns a small JPEG photo made with image/jpeg.
func testJPEG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// sampleFiles gives, for every file input of a page, as many PDF files as the sample names
// ids and the page does not list yet.
func sampleFiles(fields map[string]string, sample any, page string) []testFile {
	var files []testFile
	for name, typ := range fields {
		if typ != "file" {
			continue
		}
		v, _ := forms.Lookup(sample, name, nil)
		have := strings.Count(page, `value="remove-file:`+name+`/`)
		for i := have; i < len(forms.AttachmentIDs(v)); i++ {
			files = append(files, testFile{field: name, name: fmt.Sprintf("Nachweis %d.pdf", i+1), content: minimalPDF(fmt.Sprintf("Nachweis %d", i+1))})
		}
	}
	return files
}

// multipartBody writes values (the CSRF token first, as the page sends it) and files as
// multipart/form-data and returns the body and its content type.
func multipartBody(values url.Values, files []testFile) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if v := values.Get("_csrf"); v != "" {
		w.WriteField("_csrf", v)
	}
	for k, vs := range values {
		if k == "_csrf" {
			continue
		}
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for _, f := range files {
		part, _ := w.CreateFormFile(f.field, f.name)
		part.Write(f.content)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

// postFiles posts values and files as a browser posts a step with file inputs (multipart);
// without files it is post.
func (b *browser) postFiles(path string, values url.Values, files []testFile) *response {
	b.tb.Helper()
	if len(files) == 0 {
		return b.post(path, values)
	}
	v := url.Values{}
	for k, vs := range values {
		v[k] = vs
	}
	if v.Get("_csrf") == "" {
		v.Set("_csrf", b.csrf)
	}
	body, ct := multipartBody(v, files)
	return b.postBody(path, ct, bytes.NewReader(body))
}

// postBody posts a body of any content type.
func (b *browser) postBody(path, contentType string, body io.Reader) *response {
	b.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, b.app.http.URL+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return b.do(req)
}

// attachmentCount counts the file ids the data names in the form's attachment fields.
func attachmentCount(f *forms.Form, data any) int {
	n := 0
	for _, fd := range f.Fields {
		if fd.Widget != forms.WidgetFile {
			continue
		}
		v, _ := forms.Lookup(data, fd.Path, nil)
		n += len(forms.AttachmentIDs(v))
	}
	return n
}

// withoutFileIDs replaces the file ids of the form's attachment fields by their number, so
// that data with uploaded files compares with a sample.
func withoutFileIDs(f *forms.Form, data any) map[string]any {
	out := map[string]any{}
	b, _ := json.Marshal(data)
	raw, _ := engine.DecodeData(b) // a deep copy
	for k, v := range raw {
		out[k] = v
	}
	for _, fd := range f.Fields {
		if fd.Widget != forms.WidgetFile || strings.Contains(fd.Path, "*") {
			continue
		}
		if v, ok := forms.Lookup(out, fd.Path, nil); ok {
			parent, _ := forms.Lookup(out, fd.Path[:strings.LastIndexByte(fd.Path, '/')], nil)
			if m, ok := parent.(map[string]any); ok {
				m[fd.Name] = len(forms.AttachmentIDs(v))
			}
		}
	}
	return out
}
