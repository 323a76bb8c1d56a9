package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// submitSample fills a form from its valid sample, submits it and returns the browser (with
// the access cookie) and the stored submission.
func submitSample(tb testing.TB, app *testApp, id string) (*browser, *engine.Submission) {
	tb.Helper()
	b := app.browser()
	b.tb = tb
	b.fillForm(app.forms.Get(id), loadSample(tb, id, "valid"))
	r := b.post("/formulare/"+id+"/absenden", nil)
	wantStatus(tb, "submit", r, http.StatusSeeOther)
	m := referencePattern.FindStringSubmatch(r.location)
	if m == nil {
		tb.Fatalf("submit redirects to %q", r.location)
	}
	sub, err := app.svc.Submission(context.Background(), m[1])
	if err != nil {
		tb.Fatal(err)
	}
	return b, sub
}

// pdfText returns what pdftotext extracts; the test skips without poppler-utils, except in CI.
func pdfText(tb testing.TB, pdf []byte) string {
	tb.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("pdftotext is not installed (CI=true): apt-get install -y poppler-utils")
		}
		tb.Skip("pdftotext is not installed: apt-get install -y poppler-utils")
	}
	file := filepath.Join(tb.TempDir(), "receipt.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(path, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// pdfAttachment lists the files embedded in pdf (pdfdetach -list), wants name among them and
// returns its bytes (pdfdetach -savefile); the test skips without poppler-utils, except in CI.
func pdfAttachment(tb testing.TB, pdf []byte, name string) []byte {
	tb.Helper()
	path, err := exec.LookPath("pdfdetach")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("pdfdetach is not installed (CI=true): apt-get install -y poppler-utils")
		}
		tb.Skip("pdfdetach is not installed: apt-get install -y poppler-utils")
	}
	dir := tb.TempDir()
	file := filepath.Join(dir, "receipt.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	list, err := exec.Command(path, "-list", file).Output()
	if err != nil || !strings.Contains(string(list), ": "+name+"\n") {
		tb.Fatalf("pdfdetach -list: %v\n%s", err, list)
	}
	out := filepath.Join(dir, name)
	if msg, err := exec.Command(path, "-savefile", name, "-o", out, file).CombinedOutput(); err != nil {
		tb.Fatalf("pdfdetach -savefile: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestReceiptShowsPayloadHash: right after the submit, the first GET of the receipt succeeds
// (well within the second the issue allows); the receipt shows the SHA-512 of the submitted
// data; the PDF the outbox worker attaches to the envelope is the same bytes; a back office
// that verifies the envelope's data hash arrives at the hash printed on the receipt; and the
// receipt embeds the envelope's data byte for byte as payload.json.
func TestReceiptShowsPayloadHash(t *testing.T) {
	app := newTestApp(t)
	for _, f := range app.forms.Forms() {
		t.Run(f.Manifest.ID, func(t *testing.T) {
			b, sub := submitSample(t, app, f.Manifest.ID)
			start := time.Now()
			r := b.get(receiptURL(sub.Reference))
			took := time.Since(start)
			wantStatus(t, "first receipt GET after submit", r, http.StatusOK)
			if took > time.Second {
				t.Errorf("the receipt took %v, more than a second", took)
			}
			pdf := []byte(r.body)
			if want := `attachment; filename="Eingangsbestaetigung-` + sub.Reference + `.pdf"`; r.header.Get("Content-Disposition") != want {
				t.Errorf("Content-Disposition %q, want %q", r.header.Get("Content-Disposition"), want)
			}

			hash := engine.ReceiptPayloadHash(sub)
			if hash != sub.DataHash || hash != engine.SHA512Hex(sub.Data) {
				t.Fatalf("receipt hash %s, stored data hash %s", hash, sub.DataHash)
			}
			text := strings.Join(strings.Fields(pdfText(t, pdf)), "")
			if !strings.Contains(text, hash) {
				t.Errorf("the receipt does not show the data hash %s", hash)
			}

			// The worker's envelope refers to the same PDF, and its data hash is the receipt's.
			atts, err := engine.AttachmentsOf(context.Background(), app.store, sub)
			if err != nil {
				t.Fatal(err)
			}
			env, file, err := engine.PrepareEnvelope(f, sub, "https://formulare.example.de", RenderReceipt, atts...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(file.Content, pdf) {
				t.Error("the downloaded receipt and the delivered receipt differ")
			}
			var e engine.Envelope
			if err := json.Unmarshal(env, &e); err != nil {
				t.Fatal(err)
			}
			if e.Receipt == nil || e.Receipt.Hash.Content != engine.SHA512Hex(pdf) || e.Receipt.Size != int64(len(pdf)) {
				t.Errorf("the envelope's receipt %+v does not name the downloaded PDF", e.Receipt)
			}
			got, err := engine.VerifyEnvelopeData(env)
			if err != nil || got != hash {
				t.Errorf("back office verification: %q, %v; want %s", got, err, hash)
			}

			// The PDF carries the data too: payload.json holds exactly the envelope's "data".
			var raw struct {
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(env, &raw); err != nil {
				t.Fatal(err)
			}
			if embedded := pdfAttachment(t, pdf, "payload.json"); !bytes.Equal(embedded, raw.Data) {
				t.Errorf("payload.json in the receipt\n%s\ndiffers from the envelope's data\n%s", embedded, raw.Data)
			}

			// Same submission, same bytes.
			if again := b.get(receiptURL(sub.Reference)); again.body != r.body {
				t.Error("a second download gives other bytes")
			}
		})
	}
}

// TestReceiptPurged: after the retention purge the confirmation stays, but the receipt cannot
// be built any more; the citizen reads why (410), not an empty receipt.
func TestReceiptPurged(t *testing.T) {
	app := newTestApp(t)
	b, sub := submitSample(t, app, "hundesteuer")
	db := app.rawDB()
	if _, err := db.Exec(`UPDATE submissions SET data = '{}', purged_at = ? WHERE id = ?`,
		time.Now().UTC().Format(time.RFC3339Nano), sub.ID); err != nil {
		t.Skipf("this store has no purge yet: %v", err)
	}
	r := b.get(receiptURL(sub.Reference))
	wantStatus(t, "purged receipt", r, http.StatusGone)
	if !strings.Contains(r.body, "fristgerecht gelöscht") || strings.HasPrefix(r.body, "%PDF") {
		t.Errorf("purged receipt page:\n%s", clip(r.body))
	}
	wantStatus(t, "confirmation after purge", b.get(confirmationURL(sub.Reference)), http.StatusOK)
}

// TestSchemasServed plays a back office: it takes an envelope, fetches the schemas its URIs
// name from the server (the building blocks through the documented prefix mapping), checks
// the form schema's hash, and validates the envelope and the data with them.
func TestSchemasServed(t *testing.T) {
	app := newTestApp(t)
	base := app.http.URL

	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, body
	}

	res, body := get(engine.PayloadSchemaURI)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/schema+json" || !bytes.Equal(body, engine.PayloadSchema()) {
		t.Fatalf("payload schema: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	// Conditional GET.
	req, _ := http.NewRequest(http.MethodGet, base+engine.PayloadSchemaURI, nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if r2, err := http.DefaultClient.Do(req); err != nil || r2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %v %v", r2, err)
	} else {
		r2.Body.Close()
	}

	for _, name := range []string{"anschrift-inland.json", "natuerliche-person.json", "kontakt.json", "bankverbindung.json"} {
		want, err := fsReadBlock(name)
		if err != nil {
			t.Fatal(err)
		}
		if res, body := get("/schemas/bausteine/v1/" + name); res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("building block %s: %d, %d bytes", name, res.StatusCode, len(body))
		}
	}
	for _, path := range []string{
		"/schemas/bausteine/v1/gibtsnicht.json",
		"/schemas/bausteine/v1/..%2Fschema.go",
		"/schemas/bausteine/v1/anschrift-inland",
		"/schemas/forms/hundesteuer/9.9.9/schema.json",
		"/schemas/forms/gibtsnicht/1.0.0/schema.json",
		"/schemas/payload/v3.json",
	} {
		if res, _ := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, res.StatusCode)
		}
	}

	// The back office's schema loader: http(s) over the network, with the documented mapping
	// of the building blocks' names to the operator's copies.
	fetch := loaderFunc(func(url string) (any, error) {
		if rest, ok := strings.CutPrefix(url, forms.BlockBaseURI); ok {
			url = base + "/schemas/bausteine/v1/" + rest
		}
		res, err := http.Get(url)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: HTTP %d", url, res.StatusCode)
		}
		return jsonschema.UnmarshalJSON(res.Body)
	})
	for _, f := range app.forms.Forms() {
		t.Run(f.Manifest.ID, func(t *testing.T) {
			_, sub := submitSample(t, app, f.Manifest.ID)
			atts, err := engine.AttachmentsOf(context.Background(), app.store, sub)
			if err != nil {
				t.Fatal(err)
			}
			env, _, err := engine.PrepareEnvelope(f, sub, base, RenderReceipt, atts...)
			if err != nil {
				t.Fatal(err)
			}
			var e struct {
				Schema string `json:"$schema"`
				Form   struct {
					SchemaURI  string        `json:"schemaUri"`
					SchemaHash engine.Digest `json:"schemaHash"`
				} `json:"form"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(env, &e); err != nil {
				t.Fatal(err)
			}
			if e.Form.SchemaURI != base+engine.FormSchemaPath(f.Manifest) {
				t.Errorf("schemaUri %s", e.Form.SchemaURI)
			}
			res, schemaBytes := get(strings.TrimPrefix(e.Form.SchemaURI, base))
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/schema+json" {
				t.Fatalf("form schema: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if engine.SHA512Hex(schemaBytes) != e.Form.SchemaHash.Content {
				t.Error("the served form schema does not match the envelope's schemaHash")
			}

			c := jsonschema.NewCompiler()
			c.UseLoader(jsonschema.SchemeURLLoader{"http": fetch, "https": fetch})
			payloadSchema, err := c.Compile(e.Schema)
			if err != nil {
				t.Fatalf("compile the payload schema from %s: %v", e.Schema, err)
			}
			formSchema, err := c.Compile(e.Form.SchemaURI)
			if err != nil {
				t.Fatalf("compile the form schema from %s: %v", e.Form.SchemaURI, err)
			}
			if err := payloadSchema.Validate(mustJSON(t, env)); err != nil {
				t.Errorf("the envelope does not validate against the served payload schema: %v", err)
			}
			if err := formSchema.Validate(mustJSON(t, e.Data)); err != nil {
				t.Errorf("the data does not validate against the served form schema: %v", err)
			}
			// And the served form schema is not a pushover: invalid data fails.
			if err := formSchema.Validate(map[string]any{}); err == nil {
				t.Error("the served form schema accepts an empty object")
			}
		})
	}
}

type loaderFunc func(url string) (any, error)

func (f loaderFunc) Load(url string) (any, error) { return f(url) }

func mustJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func fsReadBlock(name string) ([]byte, error) {
	f, err := forms.Blocks().Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
