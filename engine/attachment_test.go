package engine_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// attachmentTestForm has one page: a name and a required attachment field for one or two PDF
// or JPEG files of at most 1000 bytes.
func attachmentTestForm(tb testing.TB) *forms.Form {
	tb.Helper()
	fsys := fstest.MapFS{
		"form.json": {Data: []byte(`{"id": "anlagen", "version": "1.0.0", "title": "Anlagen", "authority": {"name": "Testamt"},
			"leika": "99000000000000", "privacyNotice": "Hinweis.", "referencePrefix": "ANL"}`)},
		"schema.json": {Data: []byte(`{
			"type": "object",
			"properties": {
				"name": {"type": "string", "title": "Name"},
				"nachweis": {"title": "Nachweis", "x-attachment": {"mediaTypes": ["application/pdf", "image/jpeg"], "maxSize": 1000, "minFiles": 1, "maxFiles": 2}}
			},
			"required": ["name", "nachweis"],
			"additionalProperties": false
		}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [
			{"type": "Control", "scope": "#/properties/name"},
			{"type": "Control", "scope": "#/properties/nachweis"}]}`)},
	}
	f, problems := forms.Load(fsys, "anlagen", forms.Options{})
	if f == nil {
		tb.Fatalf("test form: %v", problems)
	}
	return f
}

func pdfBytes(n int) []byte {
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for len(b) < n {
		b = append(b, "% filler\n"...)
	}
	return b[:n]
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type fakeScanner struct {
	verdict engine.Verdict
	err     error
	seen    []byte
}

func (s *fakeScanner) Scan(_ context.Context, _ string, r io.Reader) (engine.Verdict, error) {
	s.seen, _ = io.ReadAll(r)
	return s.verdict, s.err
}

func TestAddAttachment(t *testing.T) {
	ctx := context.Background()
	f := attachmentTestForm(t)
	svc, _, _ := newService(t)
	d, err := svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	scanner := &fakeScanner{}
	svc.Scanner = scanner
	svc.TempDir = t.TempDir()

	pdf := pdfBytes(900)
	a, refusal, err := svc.AddAttachment(ctx, f, d, "/nachweis", `C:\Users\Łukasz\Desktop\Zulassung‮fdp.exe`, bytes.NewReader(pdf))
	if err != nil || refusal != nil {
		t.Fatalf("AddAttachment: %v %+v", err, refusal)
	}
	sum := sha512.Sum512(pdf)
	if a.MediaType != "application/pdf" || a.Size != 900 || a.SHA512 != hex.EncodeToString(sum[:]) || a.DraftID != d.ID {
		t.Errorf("stored: %+v", a)
	}
	if a.Filename != "Zulassungfdp.exe.pdf" {
		t.Errorf("file name %q: path, bidi override and wrong extension should be gone", a.Filename)
	}
	if !bytes.Equal(scanner.seen, pdf) {
		t.Errorf("the scanner saw %d bytes, want the %d of the file", len(scanner.seen), len(pdf))
	}
	files, _ := svc.DraftAttachments(ctx, d)
	if files[a.ID] == nil || len(files) != 1 {
		t.Fatalf("draft files: %v", files)
	}

	refusals := []struct {
		name    string
		content []byte
		scanner *fakeScanner
		id      string
	}{
		{"an executable named .pdf", append([]byte{0x7F, 'E', 'L', 'F', 2, 1, 1}, pdf[:100]...), nil, engine.MsgAttachmentMediaType},
		{"a PNG where PDF and JPEG are accepted", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), nil, engine.MsgAttachmentMediaType},
		{"an empty file", nil, nil, engine.MsgAttachmentEmpty},
		{"an infected file", pdf, &fakeScanner{verdict: engine.Verdict{Infected: true, Threat: "Eicar-Test-Signature"}}, engine.MsgAttachmentInfected},
	}
	for _, tc := range refusals {
		svc.Scanner = scanner
		if tc.scanner != nil {
			svc.Scanner = tc.scanner
		}
		a, refusal, err := svc.AddAttachment(ctx, f, d, "/nachweis", "datei.pdf", bytes.NewReader(tc.content))
		if err != nil || a != nil || refusal == nil {
			t.Fatalf("%s: %v %v %+v", tc.name, a, err, refusal)
		}
		if refusal.Error.MessageID != tc.id || refusal.Error.Path != "/nachweis" {
			t.Errorf("%s: refusal %+v, want %s", tc.name, refusal.Error, tc.id)
		}
		msg := engine.NewCatalog().Message(f, refusal.Error, "de")
		if !strings.Contains(msg, "„Nachweis“") {
			t.Errorf("%s: message %q", tc.name, msg)
		}
		t.Logf("%s: %s", tc.name, msg)
	}
	if _, refusal, _ := svc.AddAttachment(ctx, f, d, "/nachweis", "x.pdf", bytes.NewReader([]byte{0x7F, 'E', 'L', 'F'})); !strings.Contains(engine.NewCatalog().Message(f, refusal.Error, "de"), "PDF, JPEG") {
		t.Error("the type message does not name the accepted types")
	}

	// Too large: no more than the limit and one byte is read.
	big := &countingReader{r: bytes.NewReader(pdfBytes(1 << 20))}
	_, _, err = svc.AddAttachment(ctx, f, d, "/nachweis", "gross.pdf", big)
	var tle *engine.TooLargeError
	if !errors.As(err, &tle) || tle.Limit != 1000 || engine.KindOf(err) != engine.KindInvalid {
		t.Fatalf("a large file: %v", err)
	}
	if big.n > 1001+32<<10 {
		t.Errorf("read %d bytes of a file over the limit of 1000", big.n)
	}
	// The operator's limit wins when it is lower.
	svc.MaxFileSize = 500
	if _, _, err = svc.AddAttachment(ctx, f, d, "/nachweis", "x.pdf", bytes.NewReader(pdf)); !errors.As(err, &tle) || tle.Limit != 500 {
		t.Errorf("operator's limit: %v", err)
	}
	svc.MaxFileSize = 0

	// A scanner that fails: 503, nothing stored.
	svc.Scanner = &fakeScanner{err: errors.New("clamd: connection refused")}
	if _, _, err = svc.AddAttachment(ctx, f, d, "/nachweis", "x.pdf", bytes.NewReader(pdf)); engine.KindOf(err) != engine.KindUnavailable || !errors.Is(err, engine.ErrScannerFailed) {
		t.Errorf("scanner error: %v, want KindUnavailable", err)
	}
	// Not an attachment field.
	if _, _, err = svc.AddAttachment(ctx, f, d, "/name", "x.pdf", bytes.NewReader(pdf)); engine.KindOf(err) != engine.KindInvalid {
		t.Errorf("upload to a text field: %v", err)
	}
	if files, _ := svc.DraftAttachments(ctx, d); len(files) != 1 {
		t.Errorf("%d files stored, want only the first", len(files))
	}
}

// TestSubmitWithAttachments: the files the data names go to the submission, the others are
// deleted with the draft, and they appear in the envelope with their hashes.
func TestSubmitWithAttachments(t *testing.T) {
	ctx := context.Background()
	f := attachmentTestForm(t)
	svc, _, _ := newService(t)
	svc.TempDir = t.TempDir()
	d, _ := svc.StartDraft(ctx, f, "de")
	upload := func(name string, b []byte) *engine.StoredAttachment {
		t.Helper()
		a, refusal, err := svc.AddAttachment(ctx, f, d, "/nachweis", name, bytes.NewReader(b))
		if err != nil || refusal != nil {
			t.Fatalf("upload %s: %v %+v", name, err, refusal)
		}
		return a
	}
	a1 := upload("eins.pdf", pdfBytes(300))
	a2 := upload("zwei.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, pdfBytes(200)...))
	replaced := upload("alt.pdf", pdfBytes(100))

	// Without a file the field is required.
	res, err := svc.Save(ctx, f, d, 0, map[string]any{"/name": "Ørsted"}, engine.ListChange{})
	if err != nil || len(res.Errors) != 1 || res.Errors[0].MessageID != "required.file" {
		t.Fatalf("save without file: %+v %v", res, err)
	}
	if msg := engine.NewCatalog().Message(f, res.Errors[0], "de"); msg != "Bitte laden Sie „Nachweis“ hoch." {
		t.Errorf("message %q", msg)
	}
	// Three files where two are allowed.
	res, _ = svc.Save(ctx, f, d, 0, map[string]any{"/name": "Ørsted", "/nachweis": []any{a1.ID, a2.ID, replaced.ID}}, engine.ListChange{})
	if len(res.Errors) != 1 || res.Errors[0].MessageID != "attachment.maxFiles" {
		t.Fatalf("three files: %+v", res.Errors)
	}
	if _, errs, err := svc.Submit(ctx, f, d); err != nil || len(errs) != 1 {
		t.Fatalf("submit with three files: %v %v", errs, err)
	}
	// Saving without the field keeps the stored files.
	res, _ = svc.Save(ctx, f, d, 0, map[string]any{"/name": "Ørsted", "/nachweis": []any{a1.ID, a2.ID}}, engine.ListChange{})
	if len(res.Errors) != 0 {
		t.Fatal(res.Errors)
	}
	if _, err := svc.Save(ctx, f, d, 0, map[string]any{"/name": "Ørsted"}, engine.ListChange{}); err != nil {
		t.Fatal(err)
	}
	if ids := forms.AttachmentIDs(lookup(decode(t, d), "/nachweis")); len(ids) != 2 {
		t.Fatalf("files after a save without them: %v", ids)
	}

	sub, errs, err := svc.Submit(ctx, f, d)
	if err != nil || len(errs) > 0 {
		t.Fatalf("Submit: %v %v", errs, err)
	}
	got, err := engine.AttachmentsOf(ctx, svc.Store, sub)
	if err != nil || len(got) != 2 {
		t.Fatalf("AttachmentsOf: %v %v", got, err)
	}
	for i, a := range []*engine.StoredAttachment{a1, a2} {
		if got[i].AttachmentID != a.ID || got[i].SHA512 != a.SHA512 || got[i].Purpose != engine.PurposeAttachment || got[i].Filename != a.Filename {
			t.Errorf("attachment %d: %+v, want %+v", i, got[i], a)
		}
	}
	if _, _, err := svc.Store.OpenAttachment(ctx, sub.ID, replaced.ID); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("the unreferenced file survived the submission: %v", err)
	}
	env, err := engine.BuildEnvelope(f, sub, "https://formulare.example.de", nil, got)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Attachments) != 2 || env.Attachments[1].MediaType != "image/jpeg" || env.Attachments[1].Hash.Content != a2.SHA512 ||
		env.Metadata.ContentStructure.Attachments[0].Purpose != "attachment" {
		t.Errorf("envelope attachments: %+v", env.Attachments)
	}
	// A second submit of the consumed draft returns the submission.
	if again, errs, err := svc.Submit(ctx, f, d); err != nil || len(errs) > 0 || again.ID != sub.ID {
		t.Errorf("second submit: %v %v %v", again, errs, err)
	}
}

// TestSubmitMissingAttachment: data that names a file the draft does not have is sent back to
// the field, with nothing stored.
func TestSubmitMissingAttachment(t *testing.T) {
	ctx := context.Background()
	f := attachmentTestForm(t)
	svc, _, _ := newService(t)
	svc.TempDir = t.TempDir()
	d, _ := svc.StartDraft(ctx, f, "de")
	d.Data = []byte(`{"name":"Ørsted","nachweis":["3f0c1f7e-8a4b-4c1e-9d2a-5b6c7d8e9f01"]}`)
	sub, errs, err := svc.Submit(ctx, f, d)
	if err != nil || sub != nil || len(errs) != 1 || errs[0].MessageID != engine.MsgAttachmentMissing || errs[0].Path != "/nachweis" {
		t.Fatalf("Submit: %v %+v %v", sub, errs, err)
	}
	t.Log(engine.NewCatalog().Message(f, errs[0], "de"))
}

func TestRemoveAttachmentAndResume(t *testing.T) {
	ctx := context.Background()
	f := attachmentTestForm(t)
	svc, _, _ := newService(t)
	svc.TempDir = t.TempDir()
	d, _ := svc.StartDraft(ctx, f, "de")
	var ids []any
	for _, n := range []int{100, 200} {
		a, _, err := svc.AddAttachment(ctx, f, d, "/nachweis", "x.pdf", bytes.NewReader(pdfBytes(n)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	if _, err := svc.Save(ctx, f, d, 0, map[string]any{"/name": "Ørsted", "/nachweis": ids}, engine.ListChange{}); err != nil {
		t.Fatal(err)
	}
	removed, err := svc.RemoveAttachment(ctx, f, d, "/nachweis", ids[0].(string))
	if err != nil || !removed {
		t.Fatalf("RemoveAttachment: %v %v", removed, err)
	}
	if again, err := svc.RemoveAttachment(ctx, f, d, "/nachweis", ids[0].(string)); err != nil || again {
		t.Errorf("removing again: %v %v", again, err)
	}
	if got := forms.AttachmentIDs(lookup(decode(t, d), "/nachweis")); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("data after removal: %v", got)
	}
	if files, _ := svc.DraftAttachments(ctx, d); len(files) != 1 || files[ids[1].(string)] == nil {
		t.Errorf("files after removal: %v", files)
	}

	// Resuming moves the draft to a new id; its files go with it.
	code, _, err := svc.SaveResumeCode(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := svc.Resume(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if files, _ := svc.DraftAttachments(ctx, moved); len(files) != 1 || files[ids[1].(string)] == nil {
		t.Fatalf("files after resume: %v", files)
	}
	if sub, errs, err := svc.Submit(ctx, f, moved); err != nil || len(errs) > 0 {
		t.Fatalf("submit after resume: %v %v", errs, err)
	} else if list, _ := svc.Store.SubmissionAttachments(ctx, sub.ID); len(list) != 1 {
		t.Errorf("submission has %d files", len(list))
	}
}

func TestSanitizeFilename(t *testing.T) {
	long := strings.Repeat("ä", 200) + ".pdf"
	tests := []struct{ name, mediaType, want string }{
		{"Fahrzeugschein.pdf", "application/pdf", "Fahrzeugschein.pdf"},
		{"Fahrzeugschein.PDF", "application/pdf", "Fahrzeugschein.PDF"},
		{`C:\Users\Jürgen\Scan 1.pdf`, "application/pdf", "Scan 1.pdf"},
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{"rechnung\u202Efdp.exe", "application/pdf", "rechnungfdp.exe.pdf"},
		{"a\x00b\x1bc\u200bd.pdf", "application/pdf", "abcd.pdf"},
		{"foto.pdf", "image/jpeg", "foto.jpg"},
		{"foto", "image/png", "foto.png"},
		{"  ..versteckt.pdf.. ", "application/pdf", "versteckt.pdf"},
		{"Tab\tund   Leer\nzeichen.pdf", "application/pdf", "Tab und Leer zeichen.pdf"},
		{`a<b>c:d"e|f?g*h.pdf`, "application/pdf", "a_b_c_d_e_f_g_h.pdf"},
		{"", "application/pdf", "Anlage.pdf"},
		{".pdf", "application/pdf", "pdf.pdf"},
		{"...", "application/pdf", "Anlage.pdf"},
		{"Ærøskøbing_Nguyễn_Ağaoğlu.jpeg", "image/jpeg", "Ærøskøbing_Nguyễn_Ağaoğlu.jpeg"},
		{"Mu\u0308ller.pdf", "application/pdf", "Müller.pdf"}, // NFC
		{"\xff\xfeab.pdf", "application/pdf", "ab.pdf"},
		{long, "application/pdf", strings.Repeat("ä", 116) + ".pdf"},
	}
	for _, tc := range tests {
		if got := engine.SanitizeFilename(tc.name, tc.mediaType); got != tc.want {
			t.Errorf("SanitizeFilename(%q, %s) = %q, want %q", tc.name, tc.mediaType, got, tc.want)
		}
	}
}

// FuzzSanitizeFilename: whatever a browser sends, the name shown and offered for download has
// no path, no control or format character, at most 120 characters, and the type's extension.
func FuzzSanitizeFilename(f *testing.F) {
	for _, s := range []string{"a.pdf", `..\..\x`, "\u202Egpj.exe", "\x00", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := engine.SanitizeFilename(name, "image/jpeg")
		if strings.ContainsAny(got, "/\\\x00<>:\"|?*") || !strings.HasSuffix(strings.ToLower(got), ".jpg") && !strings.HasSuffix(strings.ToLower(got), ".jpeg") {
			t.Fatalf("SanitizeFilename(%q) = %q", name, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7F || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200B || r == 0xFFFD {
				t.Fatalf("SanitizeFilename(%q) = %q keeps %U", name, got, r)
			}
		}
		if n := len([]rune(got)); n > 120 || strings.HasPrefix(got, ".") || strings.HasPrefix(got, " ") {
			t.Fatalf("SanitizeFilename(%q) = %q (%d characters)", name, got, n)
		}
	})
}
