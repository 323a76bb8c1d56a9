package renderer

import (
	"bytes"
	"strings"
	"testing"
)

// TestHTMLAttachmentField renders the Bewohnerparkausweis's vehicle step with the sample's file
// and a second one: the form posts multipart, the input says what it accepts, every file has a
// name, a size and a remove button, and a full field explains why no more files fit.
func TestHTMLAttachmentField(t *testing.T) {
	h := htmlTestRenderer(t)
	f := htmlTestForms(t).Get("bewohnerparkausweis")
	data := htmlTestSample(t, "bewohnerparkausweis", "valid")
	id := "6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"
	files := map[string]AttachmentFile{id: {Filename: "Fahrzeugschein <Vorderseite>.pdf", MediaType: "application/pdf", Size: 1_234_567}}
	render := func(lang string, data any, maxFileSize int64) string {
		var buf bytes.Buffer
		p := &StepPage{Common: Common{Lang: lang, CSRF: "t"}, Form: f, Page: 1, Data: data, Action: "/s", Files: files, MaxFileSize: maxFileSize}
		if err := h.Step(&buf, p); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	page := render("de", data, 0)
	for _, want := range []string{
		`enctype="multipart/form-data"`,
		`<label for="f.zulassungsbescheinigung">Zulassungsbescheinigung Teil I<span class="pflicht">`,
		`type="file" id="f.zulassungsbescheinigung" name="/zulassungsbescheinigung" accept="application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png"`,
		`aria-describedby="f.zulassungsbescheinigung-hinweis f.zulassungsbescheinigung-regeln"`,
		`<p class="hinweis" id="f.zulassungsbescheinigung-regeln">Dateiformat: PDF, JPEG oder PNG. Höchstens 10 MB je Datei. Sie können bis zu 2 Dateien hochladen.</p>`,
		`<span class="datei-name">Fahrzeugschein &lt;Vorderseite&gt;.pdf</span> <span class="datei-groesse">(1,2 MB)</span>`,
		`value="remove-file:/zulassungsbescheinigung/` + id + `"`,
		`<span class="sr"> (Fahrzeugschein &lt;Vorderseite&gt;.pdf)</span>`,
		`value="upload"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("step lacks %s", want)
		}
	}
	if strings.Contains(page, ` multiple`) {
		t.Error("with one of two files the input takes only one more")
	}
	if empty := render("de", map[string]any{}, 0); !strings.Contains(empty, `.png" multiple aria-describedby`) {
		t.Error("an empty field for two files should take several at once")
	}

	// Full: the input is disabled and the hint says why; the operator's lower limit is shown.
	full := map[string]any{"zulassungsbescheinigung": []any{id, "6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f41"}}
	page = render("de", full, 5_000_000)
	for _, want := range []string{"Höchstens 5 MB je Datei.", "Sie haben die höchste Zahl an Dateien hochgeladen.", "Datei nicht mehr vorhanden", `f.zulassungsbescheinigung-regeln" disabled>`} {
		if !strings.Contains(page, want) {
			t.Errorf("full field lacks %s", want)
		}
	}
	page = render("en", data, 0)
	for _, want := range []string{"File format: PDF, JPEG or PNG. At most 10 MB per file. You can upload up to 2 files.", "(1.2 MB)", ">Remove<", ">Upload<", "Registration certificate part I"} {
		if !strings.Contains(page, want) {
			t.Errorf("English step lacks %s", want)
		}
	}

	// Other steps post as before.
	var buf bytes.Buffer
	if err := h.Step(&buf, &StepPage{Common: Common{Lang: "de"}, Form: f, Page: 0, Data: data, Action: "/s"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "multipart") {
		t.Error("a step without file input posts multipart")
	}

	// The review page lists the file with its size and a form to remove it.
	buf.Reset()
	if err := h.Review(&buf, &ReviewPage{Common: Common{Lang: "de", CSRF: "tok"}, Form: f, Data: data, Files: files,
		RemoveFileAction: "/formulare/bewohnerparkausweis/pruefen", Notice: "review.removed"}); err != nil {
		t.Fatal(err)
	}
	review := buf.String()
	for _, want := range []string{
		`<dt>Zulassungsbescheinigung Teil I</dt><dd><ul class="dateien">`,
		`<span class="datei-name">Fahrzeugschein &lt;Vorderseite&gt;.pdf</span> <span class="datei-groesse">(1,2 MB)</span> <form method="post" action="/formulare/bewohnerparkausweis/pruefen" class="datei-entfernen"><input type="hidden" name="_csrf" value="tok">`,
		`value="remove-file:/zulassungsbescheinigung/` + id + `"`,
		`Die Datei wurde entfernt.`,
	} {
		if !strings.Contains(review, want) {
			t.Errorf("review lacks %s", want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{10_000_000: "10 MB", 1_234_567: "1,2 MB", 850_000: "850 kB", 999: "999 Byte", 25_000_000: "25 MB"} {
		if got := FormatSize(n, "de"); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	if got := FormatSize(1_234_567, "en"); got != "1.2 MB" {
		t.Errorf("English: %q", got)
	}
}
