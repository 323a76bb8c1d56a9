package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
)

// Tests of the findings of the outside review (issue 14) that are about the server.

// shortTimeouts gives the test server the timeouts of serve, scaled down: 1 s to read an
// ordinary request, a minute for an upload after its CSRF check.
func shortTimeouts(c *Config, _ *sqlite.Options) {
	c.ReadTimeout = time.Second
	c.UploadTimeout = time.Minute
}

// TestSlowUploadWithoutTokenIsCut: a multipart post without session or CSRF token that
// trickles one byte at a time is cut at the ordinary read timeout, not held open for the
// upload timeout (the deadline used to be raised before the CSRF check). The client gives up
// after 10 s; the server must have answered or closed long before.
func TestSlowUploadWithoutTokenIsCut(t *testing.T) {
	app := newTestApp(t, shortTimeouts)
	conn, err := net.Dial("tcp", app.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
		stepURL(parkausweis, 1))
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 100 ms, until the server closes the connection
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte("C")); err != nil {
				return
			}
		}
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	elapsed := time.Since(start)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still reads the trickling upload after %v (read timeout 1 s)", elapsed)
	}
	if err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Fatalf("status %d for a post without token", res.StatusCode)
		}
	}
	if elapsed > 5*time.Second {
		t.Fatalf("cut only after %v, want about the read timeout of 1 s", elapsed)
	}
}

// TestSlowUploadWithTokenGetsUploadTimeout: with a valid token, a file that takes longer
// than the ordinary read timeout still arrives (within the upload timeout).
func TestSlowUploadWithTokenGetsUploadTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2.5 s")
	}
	app := newTestApp(t, shortTimeouts)
	b := startStep2(t, app)
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		_ = w.WriteField("_csrf", b.csrf)
		_ = w.WriteField("_action", "upload")
		part, _ := w.CreateFormFile("/zulassungsbescheinigung", "Scan.pdf")
		pdf := minimalPDF("langsam")
		for i := range 5 { // 2.5 s for the file
			time.Sleep(500 * time.Millisecond)
			_, _ = part.Write(pdf[i*len(pdf)/5 : (i+1)*len(pdf)/5])
		}
		_ = w.Close()
		_ = pw.Close()
	}()
	r := b.postBody(stepURL(parkausweis, 1), w.FormDataContentType(), pr)
	wantStatus(t, "slow upload with token", r, http.StatusSeeOther)
	if n := app.countRows("attachments"); n != 1 {
		t.Fatalf("%d files stored, want 1", n)
	}
	if strings.Contains(r.body, "Fehler") {
		t.Fatalf("error page: %s", clip(r.body))
	}
}

// TestResumeLinkFromBaseURL: the resume link on the "Zwischenspeichern" page is built from
// the configured public address, not from the Host header the client sent.
func TestResumeLinkFromBaseURL(t *testing.T) {
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.BaseURL = "https://formulare.example.de" })
	b := app.browser()
	b.get(formURL("gewerbeanmeldung"))
	b.post(formURL("gewerbeanmeldung"), nil)
	step1 := stepURL("gewerbeanmeldung", 0)
	b.get(step1)
	req, _ := http.NewRequest(http.MethodPost, app.http.URL+step1,
		strings.NewReader(url.Values{"_csrf": {b.csrf}, "_action": {"speichern"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "angreifer.example"
	for _, ck := range b.c.Jar.Cookies(req.URL) { // the jar goes by the Host now
		req.AddCookie(ck)
	}
	r := b.do(req)
	wantStatus(t, "save for later", r, http.StatusOK)
	if strings.Contains(r.body, "angreifer.example") {
		t.Fatalf("the page links to the Host header's site:\n%s", clip(r.body))
	}
	if !regexp.MustCompile(`href="https://formulare\.example\.de/fortsetzen/[2-9A-HJ-NP-Z-]+"`).MatchString(r.body) {
		t.Fatalf("no resume link under the base URL:\n%s", clip(r.body))
	}
}

// stallingStore holds Draft until the request's context ends, then asks the real store with
// that context: the client goes away while the database works.
type stallingStore struct {
	engine.Store
	entered chan struct{}
}

func (s *stallingStore) Draft(ctx context.Context, id string) (*engine.Draft, error) {
	select {
	case s.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return s.Store.Draft(ctx, id)
}

// TestClientGoneIsNoServerError: a client that goes away mid-request (a load tool stopping,
// a closed tab) is logged as a cancelled request at level INFO, not as status=503 ERROR,
// which operators alert on; a real storage failure stays a 503 ERROR.
func TestClientGoneIsNoServerError(t *testing.T) {
	var logs syncBuffer
	app := newTestAppAt(t, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{}, &logs)
	b := app.browser()
	b.get(formURL("hundesteuer"))
	wantStatus(t, "start", b.post(formURL("hundesteuer"), nil), http.StatusSeeOther)
	stall := &stallingStore{Store: app.store, entered: make(chan struct{}, 1)}
	app.svc.Store = stall

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, app.http.URL+stepURL("hundesteuer", 0), nil)
	done := make(chan error, 1)
	go func() {
		res, err := b.c.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	select {
	case <-stall.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never reached the store")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want canceled", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "msg=request method=GET route=/formulare/:id/schritt/:n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	log := logs.String()
	if strings.Contains(log, "level=ERROR") || strings.Contains(log, "status=503") {
		t.Errorf("a client that went away is logged as a server failure:\n%s", log)
	}
	if !strings.Contains(log, "request canceled by the client") || !strings.Contains(log, "status=499") {
		t.Errorf("the log does not say that the client went away:\n%s", log)
	}

	// A real storage failure is still a 503 at level ERROR.
	app.svc.Store = app.store
	logs.mu.Lock()
	logs.b.Reset()
	logs.mu.Unlock()
	app.store.Close()
	r := b.get(stepURL("hundesteuer", 0))
	wantStatus(t, "closed store", r, http.StatusServiceUnavailable)
	if log := logs.String(); !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "status=503") {
		t.Errorf("a storage failure is not logged as 503 ERROR:\n%s", log)
	}
}

// TestStartPageContactLinks: the authority's e-mail address is a mailto: link, its website a
// link (issue 14, points 6 and 13).
func TestStartPageContactLinks(t *testing.T) {
	app := newTestApp(t)
	r := app.browser().get(formURL("hundesteuer"))
	for _, want := range []string{
		`E-Mail: <a href="mailto:steueramt@musterstadt.example">steueramt@musterstadt.example</a>`,
		`<a href="https://www.musterstadt.example/hundesteuer">`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("start page lacks %s", want)
		}
	}
}
