package e2e

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ozgform/ozgform/renderer"
)

// attachmentsToken is the bearer token of the back office in TestAttachmentsUploadedInBrowserReachTheAPI.
const attachmentsToken = "e2e-bewohnerparken-3c9a1f7e5b2d4c6a8e0f1a3b5c7d9e2f"

// uploadFile is a file the citizen uploads: its name, what it is, and its bytes.
type uploadFile struct {
	name      string
	mediaType string
	content   []byte
	path      string // where the browser picks it from
}

// TestAttachmentsUploadedInBrowserReachTheAPI uploads a PDF and a JPEG, both at once through
// the real file input, in the Bewohnerparkausweis form (with JavaScript), submits, and fetches
// the files back through the pull API as the back office would: same bytes, SHA-512 as in the
// envelope, media types and names as uploaded. Acknowledged, the submission leaves the list.
func TestAttachmentsUploadedInBrowserReachTheAPI(t *testing.T) {
	sharedBrowser(t)
	axeSource(t)
	start := time.Now()
	const formID, field = "bewohnerparkausweis", "/zulassungsbescheinigung"

	var logOut io.Writer
	if testing.Verbose() {
		logOut = os.Stderr
	}
	app, err := StartApp("../examples", t.TempDir(), logOut, WithAPIToken("e2e-bewohnerparken", attachmentsToken, formID))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)

	// Names with characters of DIN 91379 beyond Latin-1 and beyond ASCII.
	dir := t.TempDir()
	files := []*uploadFile{
		{name: "Zulassung-Łódź.pdf", mediaType: "application/pdf", content: []byte(testPDF)},
		{name: "Foto-Ørsted.jpg", mediaType: "image/jpeg", content: testJPEG(t)},
	}
	for _, f := range files {
		f.path = filepath.Join(dir, f.name)
		if err := os.WriteFile(f.path, f.content, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The citizen: the sample's answers, the two files instead of the sample's one.
	w := &walker{t: t, flow: formFlow{id: formID}, js: true, app: app, form: app.Forms.Get(formID),
		data: loadSample(t, formID), pages: newServedPages(t)}
	w.tab = newTab(t, app.URL, true, "anlagen-mit-js", w.pages)
	defer func() { w.tab.close() }()
	tb := w.tab
	tb.open("start", "/formulare/"+formID, http.StatusOK)
	tb.click("schritt-1", "button.knopf-start")
	uploaded := false
	for steps := 1; !strings.HasSuffix(w.path(), "/pruefen"); steps++ {
		if steps > len(w.form.Pages) {
			t.Fatalf("more steps than the form has pages (%s)", tb.location())
		}
		name := "schritt-" + strconv.Itoa(steps)
		w.fill(name, field)
		if c, ok := fileControl(tb, field); ok {
			w.uploadAll(name, c, files)
			w.checkValues("after uploading", field)
			uploaded = true
		}
		w.next(name)
	}
	if !uploaded {
		t.Fatalf("no step has the file field %s", field)
	}

	// The review page lists both files with their sizes.
	if h := tb.text("h1"); h != "Angaben prüfen" {
		t.Errorf("review heading %q", h)
	}
	listed := listedFiles(tb, `main .dateien li`)
	t.Logf("the review page lists %v", listed)
	if len(listed) != len(files) {
		t.Errorf("the review page lists %d files, want %d: %v", len(listed), len(files), listed)
	}
	for _, f := range files {
		if size, ok := listed[f.name]; !ok {
			t.Errorf("the review page does not list %s: %v", f.name, listed)
		} else if want := "(" + renderer.FormatSize(int64(len(f.content)), "de") + ")"; size != want {
			t.Errorf("the review page shows %s with size %q, want %q", f.name, size, want)
		}
	}

	tb.click("bestaetigung", `form.absenden button:not([formaction])`)
	if h := tb.text("h1"); h != "Ihr Antrag ist eingegangen" {
		t.Fatalf("confirmation heading %q", h)
	}
	ref := strings.TrimSpace(tb.text(".vorgangsnummer"))
	if !regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{5,}$`).MatchString(ref) {
		t.Fatalf("Vorgangsnummer %q", ref)
	}
	t.Logf("submitted in the browser: %s (%d pages)", ref, tb.seq)

	// The back office: list, envelope, files, acknowledgement.
	api := &apiClient{t: t, base: app.URL, token: attachmentsToken}
	item, ok := api.pending(ref)
	if !ok {
		t.Fatalf("the list of pending submissions does not have %s", ref)
	}
	if item.FormID != formID {
		t.Errorf("listed with form %q, want %q", item.FormID, formID)
	}
	envRes := api.do(http.MethodGet, item.Links.Self, http.StatusOK)
	if ct := envRes.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("envelope: Content-Type %q", ct)
	}
	var env struct {
		SubmissionID string                     `json:"submissionId"`
		Reference    string                     `json:"reference"`
		Form         struct{ ID string }        `json:"form"`
		Data         map[string]json.RawMessage `json:"data"`
		Attachments  []struct {
			AttachmentID string `json:"attachmentId"`
			Filename     string `json:"filename"`
			MediaType    string `json:"mediaType"`
			Size         int64  `json:"size"`
			Hash         struct {
				Type    string `json:"type"`
				Content string `json:"content"`
			} `json:"hash"`
			Purpose string `json:"purpose"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(envRes.body, &env); err != nil {
		t.Fatalf("envelope: %v\n%s", err, envRes.body)
	}
	if env.SubmissionID != item.ID || env.Reference != ref || env.Form.ID != formID {
		t.Errorf("envelope of %s/%s/%s, want %s/%s/%s", env.SubmissionID, env.Reference, env.Form.ID, item.ID, ref, formID)
	}
	var dataIDs []string
	if err := json.Unmarshal(env.Data["zulassungsbescheinigung"], &dataIDs); err != nil {
		t.Errorf("envelope: data.zulassungsbescheinigung %s: %v", env.Data["zulassungsbescheinigung"], err)
	}
	var fetched []string
	for _, a := range env.Attachments {
		if a.Purpose != "attachment" {
			continue
		}
		i := slices.IndexFunc(files, func(f *uploadFile) bool { return f.name == a.Filename })
		if i < 0 {
			t.Errorf("envelope: attachment %s named %q, not one of the uploaded files", a.AttachmentID, a.Filename)
			continue
		}
		f := files[i]
		if slices.Contains(fetched, f.name) {
			t.Errorf("envelope: %s is listed twice", f.name)
		}
		fetched = append(fetched, f.name)
		if !slices.Contains(dataIDs, a.AttachmentID) {
			t.Errorf("envelope: data.zulassungsbescheinigung %v does not refer to %s (%s)", dataIDs, a.AttachmentID, f.name)
		}
		sum := sha512.Sum512(f.content)
		if a.MediaType != f.mediaType || a.Size != int64(len(f.content)) || a.Hash.Type != "sha512" || a.Hash.Content != hex.EncodeToString(sum[:]) {
			t.Errorf("envelope: %s: %s, %d bytes, %s %s; want %s, %d bytes, sha512 %s",
				f.name, a.MediaType, a.Size, a.Hash.Type, a.Hash.Content, f.mediaType, len(f.content), hex.EncodeToString(sum[:]))
		}

		res := api.do(http.MethodGet, item.Links.Self+"/attachments/"+a.AttachmentID, http.StatusOK)
		got := sha512.Sum512(res.body)
		if !bytes.Equal(res.body, f.content) {
			t.Errorf("%s: the API serves other bytes (%d) than were uploaded (%d)", f.name, len(res.body), len(f.content))
		}
		if hex.EncodeToString(got[:]) != a.Hash.Content {
			t.Errorf("%s: SHA-512 of the served file %x, the envelope says %s", f.name, got, a.Hash.Content)
		}
		if ct := res.header.Get("Content-Type"); ct != f.mediaType {
			t.Errorf("%s: served as %q, want %q", f.name, ct, f.mediaType)
		}
		if rd, want := res.header.Get("Repr-Digest"), "sha-512=:"+base64.StdEncoding.EncodeToString(got[:])+":"; rd != want {
			t.Errorf("%s: Repr-Digest %q, want %q", f.name, rd, want)
		}
		if _, params, err := mime.ParseMediaType(res.header.Get("Content-Disposition")); err != nil || params["filename"] != f.name {
			t.Errorf("%s: Content-Disposition %q names %q (%v)", f.name, res.header.Get("Content-Disposition"), params["filename"], err)
		}
	}
	if len(fetched) != len(files) || len(dataIDs) != len(files) {
		t.Errorf("envelope: %d attachments with purpose „attachment“ (%v), data refers to %d files; want %d",
			len(fetched), fetched, len(dataIDs), len(files))
	}

	api.do(http.MethodPost, item.Links.Ack, http.StatusNoContent)
	if _, ok := api.pending(ref); ok {
		t.Errorf("%s is still listed after the acknowledgement", ref)
	}
	t.Logf("browser and API in %v", time.Since(start).Round(time.Millisecond))
}

// fileControl finds the file input of the data path on the step page, if it is shown.
func fileControl(tb *tab, path string) (control, bool) {
	tb.t.Helper()
	for _, c := range tb.controls() {
		if c.Name == path && c.Type == "file" && c.Visible {
			return c, true
		}
	}
	return control{}, false
}

// uploadAll chooses all files at once in the (multiple) file input c and presses its
// "Hochladen" button; the step then lists them with their sizes, and the field, full, takes
// no more.
func (w *walker) uploadAll(name string, c control, files []*uploadFile) {
	w.t.Helper()
	tb := w.tab
	input := cssID(c.ID)
	if n := tb.count(fileList(c)); n != 0 {
		w.t.Fatalf("%s lists %d files before uploading", c.Name, n)
	}
	if !eval[bool](tb, `document.querySelector(`+jsString(input)+`).multiple`) {
		w.t.Fatalf("the file input of %s does not take several files", c.Name)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.path)
	}
	tb.do(chromedp.SetUploadFiles(chromedp.CSS(input), paths))
	tb.click(name+"-dateien-hochgeladen", `.datei:has(`+input+`) button[value=upload]`)
	if strings.Contains(tb.location(), "#fehler") {
		w.t.Fatalf("uploading shows errors: %s", tb.text("#fehler"))
	}
	listed := listedFiles(tb, fileList(c))
	if len(listed) != len(files) {
		w.t.Fatalf("%s lists %d files after uploading, want %d: %v", c.Name, len(listed), len(files), listed)
	}
	for _, f := range files {
		if size, ok := listed[f.name]; !ok {
			w.t.Errorf("the step does not list the uploaded %s: %v", f.name, listed)
		} else if want := "(" + renderer.FormatSize(int64(len(f.content)), "de") + ")"; size != want {
			w.t.Errorf("the step shows %s with size %q, want %q", f.name, size, want)
		}
	}
	if !eval[bool](tb, `document.querySelector(`+jsString(input)+`).disabled`) {
		w.t.Errorf("the file input of %s is enabled with the highest number of files", c.Name)
	}
}

// listedFiles reads a list of uploaded files: the size as shown, "(1,2 kB)", by file name.
func listedFiles(tb *tab, items string) map[string]string {
	tb.t.Helper()
	return eval[map[string]string](tb, `Object.fromEntries(Array.from(document.querySelectorAll(`+jsString(items)+`)).map(li =>
		[li.querySelector(".datei-name").textContent, li.querySelector(".datei-groesse").textContent]))`)
}

// testJPEG is a small photo (a colour pattern of some kilobytes, so that the pages show the
// size in kB), encoded by image/jpeg.
func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{R: uint8(x * 2), G: uint8(x * y), B: uint8(y*4) ^ uint8(x*7), A: 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// apiClient calls the pull API as a back office: with the bearer token, without cookies.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// apiAnswer is an answer of the API, read completely.
type apiAnswer struct {
	header http.Header
	body   []byte
}

// do calls path (absolute, as the API's links are) and requires the status.
func (a *apiClient) do(method, path string, status int) *apiAnswer {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	if res.StatusCode != status {
		a.t.Fatalf("%s %s: status %d, want %d\n%.500s", method, path, res.StatusCode, status, body)
	}
	return &apiAnswer{header: res.Header, body: body}
}

// apiItem is one pending submission of the list.
type apiItem struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	FormID    string `json:"formId"`
	Links     struct {
		Self string `json:"self"`
		Ack  string `json:"ack"`
	} `json:"links"`
}

// pending looks for the submission with the Vorgangsnummer ref in the list of pending
// submissions, following its pages.
func (a *apiClient) pending(ref string) (apiItem, bool) {
	a.t.Helper()
	next := "/api/v1/submissions"
	for pages := 0; next != ""; pages++ {
		if pages > 100 {
			a.t.Fatal("the list of submissions does not end")
		}
		var page struct {
			Submissions []apiItem `json:"submissions"`
			Next        *string   `json:"next"`
		}
		res := a.do(http.MethodGet, next, http.StatusOK)
		if err := json.Unmarshal(res.body, &page); err != nil {
			a.t.Fatalf("list: %v\n%s", err, res.body)
		}
		for _, s := range page.Submissions {
			if s.Reference == ref {
				return s, true
			}
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	return apiItem{}, false
}
