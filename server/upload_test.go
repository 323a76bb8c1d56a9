package server

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
)

const parkausweis = "bewohnerparkausweis"

func sha512Hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// stepFields returns the text values the sample gives the fields of a step page.
func (b *browser) stepFields(page *response, sample map[string]any) url.Values {
	b.tb.Helper()
	return formValues(b.tb, pageFields(b.tb, page.body), sample)
}

// removeButton finds the value of the remove button of the file named name on a page.
func removeButton(tb testing.TB, body, name string) string {
	tb.Helper()
	m := regexp.MustCompile(`<span class="datei-name">` + regexp.QuoteMeta(name) + `</span>.*?value="(remove-file:[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no remove button for %q on the page:\n%s", name, clip(body))
	}
	return m[1]
}

// TestUploadFlow fills the Bewohnerparkausweis with a PDF (the sample's file) and a JPEG made
// with image/jpeg, exercises refusal, the full field, removal on the review page and a new
// upload, submits, and reads both files back from the store and in the envelope with their
// SHA-512 hashes.
func TestUploadFlow(t *testing.T) {
	app := newTestApp(t)
	app.svc.TempDir = t.TempDir()
	f := app.forms.Get(parkausweis)
	sample := loadSample(t, parkausweis, "valid")
	b := app.browser()
	review := b.fillForm(f, sample) // uploads "Nachweis 1.pdf" on step 2
	pdf := minimalPDF("Nachweis 1")
	jpg := testJPEG(t)
	for _, want := range []string{`<span class="datei-name">Nachweis 1.pdf</span> <span class="datei-groesse">(`, "Zulassungsbescheinigung Teil I"} {
		if !strings.Contains(review.body, want) {
			t.Fatalf("review page lacks %q:\n%s", want, clip(review.body))
		}
	}

	step2 := stepURL(parkausweis, 1)
	page := b.get(step2 + "?zurueck=pruefen")
	for _, want := range []string{`enctype="multipart/form-data"`, `type="file"`, `name="/zulassungsbescheinigung"`,
		`accept="application/pdf,.pdf,image/jpeg,.jpg,.jpeg,image/png,.png"`, `Dateiformat: PDF, JPEG oder PNG. Höchstens 10 MB je Datei. Sie können bis zu 2 Dateien hochladen.`,
		`value="upload"`, "Nachweis 1.pdf"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("step 2 lacks %s", want)
		}
	}
	fields := b.stepFields(page, sample)
	post := func(action string, files ...testFile) *response {
		t.Helper()
		v := url.Values{}
		for k, vs := range fields {
			v[k] = vs
		}
		v.Set("_action", action)
		v.Set("_zurueck", "pruefen")
		return b.postFiles(step2, v, files)
	}

	// "Hochladen": the JPEG is added, the page comes again with a note.
	r := post("upload", testFile{"/zulassungsbescheinigung", `C:\Fotos\Fahrzeugschein Rückseite.jpg`, jpg})
	wantStatus(t, "upload", r, http.StatusSeeOther)
	if !strings.Contains(r.location, "hinweis=hochgeladen") {
		t.Errorf("after upload: %s", r.location)
	}
	page, _ = b.follow(r)
	for _, want := range []string{"Die Datei wurde hochgeladen.", "Nachweis 1.pdf", "Fahrzeugschein Rückseite.jpg", "Sie haben die höchste Zahl an Dateien hochgeladen."} {
		if !strings.Contains(page.body, want) {
			t.Errorf("after upload the step lacks %q", want)
		}
	}

	// An executable renamed to .pdf is refused at the field; nothing is stored.
	elf := append([]byte{0x7F, 'E', 'L', 'F', 2, 1, 1, 0}, bytes.Repeat([]byte{0x90}, 4000)...)
	before := app.countRows("attachments")
	r = post("upload", testFile{"/zulassungsbescheinigung", "Fahrzeugschein.pdf", elf})
	wantStatus(t, "upload of an executable", r, http.StatusSeeOther)
	page, _ = b.follow(r)
	const typeMsg = "Die Datei bei „Zulassungsbescheinigung Teil I“ hat ein Dateiformat, das hier nicht angenommen wird. Möglich sind: PDF, JPEG, PNG."
	if strings.Count(page.body, typeMsg) != 2 || !strings.Contains(page.body, `id="fehler"`) || !strings.Contains(page.body, `aria-invalid="true"`) {
		t.Errorf("the refusal is not shown in the summary and at the field:\n%s", clip(errorSummary(page.body)))
	}
	if n := app.countRows("attachments"); n != before {
		t.Errorf("the executable was stored: %d files, before %d", n, before)
	}

	// Remove the JPEG on the review page, then upload it again with "Weiter".
	review = b.get(reviewURL(parkausweis))
	if !strings.Contains(review.body, "Fahrzeugschein Rückseite.jpg") || !strings.Contains(review.body, `class="datei-entfernen"`) {
		t.Fatalf("review lacks the JPEG and its remove button:\n%s", clip(review.body))
	}
	r = b.post(reviewURL(parkausweis), url.Values{"_action": {removeButton(t, review.body, "Fahrzeugschein Rückseite.jpg")}})
	wantStatus(t, "remove on review", r, http.StatusSeeOther)
	review, _ = b.follow(r)
	if strings.Contains(review.body, "Fahrzeugschein Rückseite.jpg") || !strings.Contains(review.body, "Die Datei wurde entfernt.") {
		t.Errorf("after removal the review page:\n%s", clip(review.body))
	}
	b.get(step2 + "?zurueck=pruefen")
	r = post("weiter", testFile{"/zulassungsbescheinigung", "Fahrzeugschein Rückseite.jpg", jpg})
	wantStatus(t, "upload with Weiter", r, http.StatusSeeOther)
	if r.location != reviewURL(parkausweis) {
		t.Fatalf("Weiter with a file goes to %q, want the review page", r.location)
	}
	if n := app.countRows("attachments"); n != 2 {
		t.Errorf("%d files stored, want 2 (removed and refused ones gone)", n)
	}

	sub := submitFromReview(t, b)
	ctx := context.Background()
	files, err := app.store.SubmissionAttachments(ctx, sub.ID)
	if err != nil || len(files) != 2 {
		t.Fatalf("files of the submission: %d, %v", len(files), err)
	}
	want := map[string][]byte{"Nachweis 1.pdf": pdf, "Fahrzeugschein Rückseite.jpg": jpg}
	types := map[string]string{"Nachweis 1.pdf": "application/pdf", "Fahrzeugschein Rückseite.jpg": "image/jpeg"}
	for _, a := range files {
		content, ok := want[a.Filename]
		if !ok {
			t.Errorf("unexpected file %q", a.Filename)
			continue
		}
		_, rd, err := app.store.OpenAttachment(ctx, sub.ID, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rd)
		rd.Close()
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s read back: %d bytes, %v", a.Filename, len(got), err)
		}
		if a.SHA512 != sha512Hex(content) || sha512Hex(got) != a.SHA512 || a.MediaType != types[a.Filename] || a.Size != int64(len(content)) {
			t.Errorf("%s: stored %+v", a.Filename, a)
		}
	}

	// The envelope lists both with attachmentId, name, type, size and SHA-512, and the data
	// names exactly these ids.
	atts, err := engine.AttachmentsOf(ctx, app.store, sub)
	if err != nil {
		t.Fatal(err)
	}
	env, err := engine.BuildEnvelope(f, sub, "https://formulare.example.de", nil, atts)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := engine.DecodeData(sub.Data)
	ids, _ := data["zulassungsbescheinigung"].([]any)
	if len(env.Attachments) != 2 || len(ids) != 2 {
		t.Fatalf("envelope attachments %+v, data ids %v", env.Attachments, ids)
	}
	for i, ea := range env.Attachments {
		content := want[ea.Filename]
		if ea.Purpose != "attachment" || ea.Hash.Type != "sha512" || ea.Hash.Content != sha512Hex(content) || ea.MediaType != types[ea.Filename] ||
			ea.Size != int64(len(content)) || ea.AttachmentID != ids[i] {
			t.Errorf("envelope attachment %d: %+v (data ids %v)", i, ea, ids)
		}
	}
	if n := app.countRows("attachments"); n != 2 {
		t.Errorf("%d files in the database after submitting, want 2", n)
	}
	assertNoSpool(t, app)

	// The receipt the citizen downloads lists both files with the start of their hashes.
	r = b.get("/vorgang/" + sub.Reference + "/eingangsbestaetigung.pdf")
	wantStatus(t, "receipt", r, http.StatusOK)
	text := strings.Join(strings.Fields(pdfText(t, []byte(r.body))), " ")
	for name, content := range want {
		if !strings.Contains(text, name) || !strings.Contains(text, sha512Hex(content)[:16]) {
			t.Errorf("receipt does not list %s with its hash:\n%s", name, text)
		}
	}
	if strings.Contains(text, "keine Anlagen") {
		t.Error("receipt says „keine Anlagen“ although two files were submitted")
	}
}

// submitFromReview presses "Absenden" and returns the stored submission.
func submitFromReview(tb testing.TB, b *browser) *engine.Submission {
	tb.Helper()
	r := b.post("/formulare/"+parkausweis+"/absenden", nil)
	wantStatus(tb, "submit", r, http.StatusSeeOther)
	m := referencePattern.FindStringSubmatch(r.location)
	if m == nil {
		shown, _ := b.follow(r)
		tb.Fatalf("submit goes to %q:\n%s", r.location, errorSummary(shown.body))
	}
	sub, err := b.app.svc.Submission(context.Background(), m[1])
	if err != nil {
		tb.Fatal(err)
	}
	return sub
}

// assertNoSpool fails when an upload left a temporary file behind.
func assertNoSpool(tb testing.TB, app *testApp) {
	tb.Helper()
	entries, err := os.ReadDir(app.svc.TempDir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(entries) > 0 {
		tb.Errorf("%d temporary files left in %s", len(entries), app.svc.TempDir)
	}
}

// startStep2 starts a Bewohnerparkausweis and opens step 2 (the vehicle and its papers).
func startStep2(t *testing.T, app *testApp) *browser {
	t.Helper()
	b := app.browser()
	b.get(formURL(parkausweis))
	wantStatus(t, "start", b.post(formURL(parkausweis), nil), http.StatusSeeOther)
	wantStatus(t, "step 2", b.get(stepURL(parkausweis, 1)), http.StatusOK)
	return b
}

// paddedPDF is a PDF header followed by n-9 bytes of filler.
func paddedPDF(n int) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.4\n")
	for i := 9; i < n; i++ {
		b[i] = ' '
	}
	return b
}

// TestUploadTooLarge: an 11 MB file where 10 MB is the limit gets the German 413 page, and
// nothing is stored or left behind; so does a request over the request limit.
func TestUploadTooLarge(t *testing.T) {
	app := newTestApp(t)
	app.svc.TempDir = t.TempDir()
	b := startStep2(t, app)
	r := b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}},
		[]testFile{{"/zulassungsbescheinigung", "Scan.pdf", paddedPDF(11_000_000)}})
	germanPage(t, "11 MB file", r, http.StatusRequestEntityTooLarge, "Die Datei ist zu groß: Möglich sind höchstens 10 MB je Datei.")
	if !strings.Contains(r.body, "<title>Datei zu groß") || !strings.Contains(r.body, `href="/formulare/bewohnerparkausweis/schritt/2"`) {
		t.Errorf("413 page without its title or the way back:\n%s", clip(r.body))
	}
	if n := app.countRows("attachments"); n != 0 {
		t.Errorf("%d files stored", n)
	}
	assertNoSpool(t, app)

	// Exactly 10 MB is fine.
	r = b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}},
		[]testFile{{"/zulassungsbescheinigung", "Scan.pdf", paddedPDF(10_000_000)}})
	wantStatus(t, "10 MB file", r, http.StatusSeeOther)
	if n := app.countRows("attachments"); n != 1 {
		t.Errorf("%d files stored, want the 10 MB one", n)
	}

	// Two files of 10 MB and one of 6 MB: 26 MB, over the request limit of 25 MB. The files
	// stored before the limit was reached are deleted again.
	b = startStep2(t, app)
	r = b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}}, []testFile{
		{"/zulassungsbescheinigung", "a.pdf", paddedPDF(9_000_000)},
		{"/zulassungsbescheinigung", "b.pdf", paddedPDF(9_000_000)},
		{"/zulassungsbescheinigung", "c.pdf", paddedPDF(8_000_000)},
	})
	germanPage(t, "26 MB request", r, http.StatusRequestEntityTooLarge, "Die gesendeten Dateien sind zusammen zu groß (höchstens 25 MB auf einmal).")
	if n := app.countRows("attachments"); n != 1 {
		t.Errorf("%d files stored, want only the earlier 10 MB one", n)
	}
	assertNoSpool(t, app)
}

// generator yields n bytes of a PDF-looking file without holding them: a header, then filler.
type generator struct{ n, off int64 }

func (g *generator) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	k := int64(len(p))
	if rest := g.n - g.off; k > rest {
		k = rest
	}
	for i := int64(0); i < k; i++ {
		p[i] = ' '
	}
	if g.off == 0 {
		copy(p[:k], "%PDF-1.4\n")
	}
	g.off += k
	return int(k), nil
}

// TestUpload200MBMemory streams a 200 MB file through an io.Pipe into the upload (the test
// never holds it) with a request limit that lets the server read all of it, and measures the
// heap: it must not grow by more than about 20 MB while the server receives the body, spools
// the first 10 MB to disk, refuses the file and drains the rest.
func TestUpload200MBMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures mean nothing under the race detector; run without -race")
	}
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.UploadLimit = 250_000_000 })
	app.svc.TempDir = t.TempDir()
	b := startStep2(t, app)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	gen := &generator{n: 200_000_000}
	sent := make(chan error, 1)
	go func() {
		mw.WriteField("_csrf", b.csrf)
		mw.WriteField("_action", "upload")
		part, err := mw.CreateFormFile("/zulassungsbescheinigung", "riesig.pdf")
		if err == nil {
			_, err = io.CopyBuffer(part, gen, make([]byte, 64<<10))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
		sent <- err
	}()

	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	peak := m0.HeapInuse
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
		}
	})
	start := time.Now()
	r := b.postBody(stepURL(parkausweis, 1), mw.FormDataContentType(), pr)
	took := time.Since(start)
	if err := <-sent; err != nil {
		t.Errorf("sending the body: %v", err)
	}
	close(done)
	wg.Wait()
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)

	growth := int64(peak) - int64(m0.HeapInuse)
	if gen.off != gen.n {
		t.Errorf("the server read %d of %d bytes", gen.off, gen.n)
	}
	t.Logf("200 MB upload in %v: peak HeapInuse %.1f MB above the start (%.1f → %.1f MB), Sys %.1f → %.1f MB, HeapInuse after GC %.1f MB",
		took.Round(time.Millisecond), float64(growth)/1e6, float64(m0.HeapInuse)/1e6, float64(peak)/1e6,
		float64(m0.Sys)/1e6, float64(m1.Sys)/1e6, float64(m1.HeapInuse)/1e6)
	germanPage(t, "200 MB file", r, http.StatusRequestEntityTooLarge, "Die Datei ist zu groß")
	if growth > 20_000_000 {
		t.Errorf("the heap grew by %.1f MB during a 200 MB upload, want at most about 20 MB", float64(growth)/1e6)
	}
	if sys := int64(m1.Sys) - int64(m0.Sys); sys > 30_000_000 {
		t.Errorf("memory from the OS grew by %.1f MB", float64(sys)/1e6)
	}
	if n := app.countRows("attachments"); n != 0 {
		t.Errorf("%d files stored", n)
	}
	assertNoSpool(t, app)
}

// scannerFunc adapts a function to engine.Scanner.
type scannerFunc func(r io.Reader) (engine.Verdict, error)

func (f scannerFunc) Scan(_ context.Context, _ string, r io.Reader) (engine.Verdict, error) {
	return f(r)
}

// TestUploadVirusScanner: a finding is a German message at the field and nothing is stored; a
// scanner that fails gives the German 503 page and nothing is stored.
func TestUploadVirusScanner(t *testing.T) {
	app := newTestApp(t)
	app.svc.TempDir = t.TempDir()
	eicar := []byte(`%PDF-1.4 X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`)
	app.svc.Scanner = scannerFunc(func(r io.Reader) (engine.Verdict, error) {
		b, _ := io.ReadAll(r)
		if bytes.Contains(b, []byte("EICAR")) {
			return engine.Verdict{Infected: true, Threat: "Eicar-Test-Signature"}, nil
		}
		return engine.Verdict{}, nil
	})
	b := startStep2(t, app)
	r := b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}}, []testFile{{"/zulassungsbescheinigung", "eicar.pdf", eicar}})
	wantStatus(t, "infected upload", r, http.StatusSeeOther)
	page, _ := b.follow(r)
	if !strings.Contains(page.body, "weil der Virenscanner darin Schadsoftware gefunden hat") {
		t.Errorf("no German message about the finding:\n%s", clip(errorSummary(page.body)))
	}
	if n := app.countRows("attachments"); n != 0 {
		t.Errorf("%d files stored", n)
	}

	app.svc.Scanner = scannerFunc(func(io.Reader) (engine.Verdict, error) {
		return engine.Verdict{}, errors.New("clamd: connection refused")
	})
	r = b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}}, []testFile{{"/zulassungsbescheinigung", "scan.pdf", minimalPDF("x")}})
	germanPage(t, "scanner down", r, http.StatusServiceUnavailable, "Die Datei konnte gerade nicht auf Schadsoftware geprüft werden")
	if n := app.countRows("attachments"); n != 0 {
		t.Errorf("%d files stored", n)
	}
	assertNoSpool(t, app)
}

// TestUploadRefusedRequests: a multipart post without a valid CSRF token is refused before
// any file is read, files for fields that are not on the page and text values for file inputs
// get the German 400 page.
func TestUploadRefusedRequests(t *testing.T) {
	app := newTestApp(t)
	app.svc.TempDir = t.TempDir()
	b := startStep2(t, app)
	step2 := stepURL(parkausweis, 1)
	pdf := minimalPDF("x")

	r := b.postFiles(step2, url.Values{"_csrf": {"falsch"}}, []testFile{{"/zulassungsbescheinigung", "a.pdf", pdf}})
	if r.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", r.status)
	}
	// The token after the file: the file is not read before the token is checked.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, _ := mw.CreateFormFile("/zulassungsbescheinigung", "a.pdf")
	part.Write(pdf)
	mw.WriteField("_csrf", b.csrf)
	mw.Close()
	if r := b.postBody(step2, mw.FormDataContentType(), &buf); r.status != http.StatusForbidden {
		t.Errorf("token after the file: %d, want 403", r.status)
	}
	germanPage(t, "file for a field of another page", b.postFiles(step2, nil, []testFile{{"/antragsteller/familienname", "a.pdf", pdf}}),
		http.StatusBadRequest, "ein Feld, das es auf dieser Seite nicht gibt")
	germanPage(t, "file ids typed into the form", b.post(step2, url.Values{"/zulassungsbescheinigung": {"6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"}}),
		http.StatusBadRequest, "ein Feld, das es auf dieser Seite nicht gibt")
	// Removing a file the draft does not have changes nothing.
	wantStatus(t, "removing a file of another draft", b.post(step2, url.Values{"_action": {"remove-file:/zulassungsbescheinigung/6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"}}), http.StatusSeeOther)
	germanPage(t, "remove action with a path", b.post(reviewURL(parkausweis), url.Values{"_action": {"remove-file:/fahrzeug/kennzeichen/6f1c2a3b-4d5e-4f60-8a71-9b8c7d6e5f40"}}),
		http.StatusBadRequest, "Diese Aktion ist auf dieser Seite nicht möglich")
	if n := app.countRows("attachments"); n != 0 {
		t.Errorf("%d files stored", n)
	}
	assertNoSpool(t, app)
}

// TestUploadSeveralAtOnce: two files chosen together are stored together, and the note says so
// in the plural.
func TestUploadSeveralAtOnce(t *testing.T) {
	app := newTestApp(t)
	app.svc.TempDir = t.TempDir()
	b := startStep2(t, app)
	r := b.postFiles(stepURL(parkausweis, 1), url.Values{"_action": {"upload"}}, []testFile{
		{"/zulassungsbescheinigung", "Vorderseite.pdf", minimalPDF("Vorderseite")},
		{"/zulassungsbescheinigung", "Rückseite.jpg", testJPEG(t)},
	})
	wantStatus(t, "upload", r, http.StatusSeeOther)
	if !strings.Contains(r.location, "hinweis=mehrere-hochgeladen") {
		t.Fatalf("after uploading two files: %s", r.location)
	}
	page, _ := b.follow(r)
	for _, want := range []string{"Die Dateien wurden hochgeladen.", "Vorderseite.pdf", "Rückseite.jpg"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("step 2 lacks %q", want)
		}
	}
}
