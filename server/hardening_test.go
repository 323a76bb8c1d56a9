package server

import (
	"bufio"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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
