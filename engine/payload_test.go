package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/forms"
)

var updatePayload = flag.Bool("update-payload", false, "rewrite the payload golden files in testdata/payload")

const (
	testBaseURL      = "https://formulare.example.de"
	testSubmissionID = "3f2a9c4e-7b1d-4e8a-9c55-0d6b2e8f1a47"
	testAttachmentID = "9d3c1b7a-52e4-4f0b-8a6e-1c2d3e4f5a6b"
)

// payloadClock is the fixed "today" of the examples, so that date limits in their schemas give
// the same result on any day.
func payloadClock() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }

func payloadExamples(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "examples", "*", "samples", "valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) < 3 {
		tb.Fatalf("found %d examples with samples/valid.json, want at least 3", len(files))
	}
	dirs := make([]string, len(files))
	for i, f := range files {
		dirs[i] = filepath.Dir(filepath.Dir(f))
	}
	return dirs
}

func loadPayloadExample(tb testing.TB, dir string) *forms.Form {
	tb.Helper()
	form, problems := forms.Load(os.DirFS(dir), filepath.Base(dir), forms.Options{Now: payloadClock})
	if form == nil {
		tb.Fatalf("%s does not load:\n%v", dir, problems)
	}
	return form
}

// exampleSubmission is the submission of an example's samples/valid.json, with fixed id,
// reference and time, as the store would hold it.
func exampleSubmission(tb testing.TB, dir string, form *forms.Form) *Submission {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "samples", "valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var data bytes.Buffer
	if err := json.Compact(&data, raw); err != nil {
		tb.Fatal(err)
	}
	prefix := form.Manifest.ReferencePrefix
	if prefix == "" {
		prefix = "OZG"
	}
	return &Submission{
		ID:          testSubmissionID,
		Reference:   prefix + "-7K3F-9QX2",
		FormID:      form.Manifest.ID,
		FormVersion: form.Manifest.Version,
		SchemaHash:  form.SchemaHash,
		Lang:        "de",
		Data:        data.Bytes(),
		DataHash:    SHA512Hex(data.Bytes()),
		SubmittedAt: time.Date(2026, 11, 28, 13, 3, 7, 0, time.UTC),
		DraftID:     "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
		AccessToken: "not-part-of-the-payload",
	}
}

// testFiles returns an uploaded attachment and a receipt with fixed contents.
func testFiles(reference string) (ReceiptRef, []Attachment) {
	pdf := []byte("%PDF-1.7 Eingangsbestätigung (Testdatei)")
	upload := []byte("%PDF-1.7 Nachweis (Testdatei)")
	receipt := ReceiptRef{
		Filename:  "eingangsbestaetigung-" + reference + ".pdf",
		MediaType: "application/pdf",
		Size:      int64(len(pdf)),
		SHA512:    SHA512Hex(pdf),
	}
	attachments := []Attachment{{
		AttachmentID: testAttachmentID,
		Filename:     "Nachweis Tierheim.pdf",
		MediaType:    "application/pdf",
		Size:         int64(len(upload)),
		SHA512:       SHA512Hex(upload),
		Purpose:      PurposeAttachment,
	}}
	return receipt, attachments
}

func compilePayloadSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(PayloadSchema()))
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(PayloadSchemaID, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(PayloadSchemaID)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func decodeInstance(tb testing.TB, b []byte) any {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func mustMarshal(tb testing.TB, e *Envelope) []byte {
	tb.Helper()
	b, err := e.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestEnvelopeExamples builds the envelope of every example's valid sample and checks that it
// validates against the payload schema, that its data validates against the form's schema, that
// its hashes verify, and that it matches testdata/payload/<id>.golden.json byte for byte.
func TestEnvelopeExamples(t *testing.T) {
	payload := compilePayloadSchema(t)
	for _, dir := range payloadExamples(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			form := loadPayloadExample(t, dir)
			s := exampleSubmission(t, dir, form)
			receipt, attachments := testFiles(s.Reference)
			env, err := BuildEnvelope(form, s, testBaseURL, &receipt, attachments)
			if err != nil {
				t.Fatal(err)
			}
			out := mustMarshal(t, env)

			if err := payload.Validate(decodeInstance(t, out)); err != nil {
				t.Errorf("envelope does not match the payload schema: %v", err)
			}

			// A back office takes the data out without re-serialising it; those bytes are the
			// ones the hash is over, and they validate against the schema the envelope names.
			var got struct {
				Data     json.RawMessage `json:"data"`
				Metadata struct {
					ContentStructure struct {
						Data struct {
							Hash Digest `json:"hash"`
						} `json:"data"`
					} `json:"contentStructure"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Data, s.Data) {
				t.Errorf("data in the envelope differs from the submission's bytes:\n got %s\nwant %s", got.Data, s.Data)
			}
			if err := form.Schema.Validate(decodeInstance(t, got.Data)); err != nil {
				t.Errorf("data does not match the form's schema: %v", err)
			}
			dataHash := got.Metadata.ContentStructure.Data.Hash
			if dataHash.Type != "sha512" || dataHash.Content != SHA512Hex(got.Data) || dataHash.Content != s.DataHash {
				t.Errorf("data hash %+v, want sha512 %s", dataHash, s.DataHash)
			}

			if env.Form.SchemaHash.Content != form.SchemaHash || env.Form.SchemaHash.Content != SHA512Hex(form.SchemaJSON) {
				t.Errorf("schemaHash %s, want %s", env.Form.SchemaHash.Content, form.SchemaHash)
			}
			wantURI := testBaseURL + "/schemas/forms/" + form.Manifest.ID + "/" + form.Manifest.Version + "/schema.json"
			if env.Form.SchemaURI != wantURI || env.Metadata.ContentStructure.Data.SubmissionSchema.SchemaURI != wantURI {
				t.Errorf("schema URIs %q and %q, want %q", env.Form.SchemaURI, env.Metadata.ContentStructure.Data.SubmissionSchema.SchemaURI, wantURI)
			}
			if env.Schema != testBaseURL+"/schemas/payload/v1.json" {
				t.Errorf("$schema %q", env.Schema)
			}
			checkMirror(t, env)
			if bytes.Contains(out, []byte(s.AccessToken)) || bytes.Contains(out, []byte(s.DraftID)) {
				t.Error("the envelope leaks the access token or the draft id")
			}

			comparePayloadGolden(t, filepath.Join("testdata", "payload", form.Manifest.ID+".golden.json"), out)
		})
	}
}

// checkMirror checks that metadata.contentStructure.attachments lists the envelope's files in
// the same order with the same ids, hashes and types, and that the receipt is one of them.
func checkMirror(tb testing.TB, env *Envelope) {
	tb.Helper()
	meta := env.Metadata.ContentStructure.Attachments
	if len(meta) != len(env.Attachments) {
		tb.Fatalf("%d metadata attachments for %d attachments", len(meta), len(env.Attachments))
	}
	receipts := 0
	for i, a := range env.Attachments {
		m := meta[i]
		want := map[string]string{PurposeAttachment: "attachment", PurposeReceipt: "form"}[a.Purpose]
		if m.AttachmentID != a.AttachmentID || m.Hash != a.Hash || m.MimeType != a.MediaType || m.Filename != a.Filename || m.Purpose != want {
			tb.Errorf("attachment %d: metadata %+v does not mirror %+v", i, m, a)
		}
		if a.Purpose == PurposeReceipt {
			receipts++
			r := env.Receipt
			if r == nil || r.AttachmentID != a.AttachmentID || r.Hash != a.Hash || r.Size != a.Size || r.Filename != a.Filename {
				tb.Errorf("receipt %+v does not match attachment %+v", r, a)
			}
		}
	}
	if (env.Receipt != nil) != (receipts == 1) || receipts > 1 {
		tb.Errorf("receipt %+v, %d receipts among the attachments", env.Receipt, receipts)
	}
}

// comparePayloadGolden compares out with the golden file. The file holds the envelope indented
// for review; compacted, it must equal out byte for byte.
func comparePayloadGolden(tb testing.TB, file string, out []byte) {
	tb.Helper()
	var indented bytes.Buffer
	if err := json.Indent(&indented, out, "", "  "); err != nil {
		tb.Fatal(err)
	}
	indented.WriteByte('\n')
	if *updatePayload {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(file, indented.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		tb.Fatalf("%v (run `go test ./engine -run Envelope -update-payload` to create it)", err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, want); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	if !bytes.Equal(compact.Bytes(), out) {
		tb.Errorf("%s differs from the envelope; run with -update-payload and review the diff.\n%s", file, payloadDiff(string(want), indented.String()))
	}
}

func payloadDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return "(the files differ only in white space)"
}

func TestSHA512Hex(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// FIPS 180-2, appendix C.1, and the hash of no bytes.
		{"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{"", "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
	} {
		if got := SHA512Hex([]byte(tc.in)); got != tc.want {
			t.Errorf("SHA512Hex(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// testEnvelope builds the hundesteuer envelope, with or without files.
func testEnvelope(tb testing.TB, withFiles bool) (*forms.Form, *Submission, *Envelope) {
	tb.Helper()
	dir := filepath.Join("..", "examples", "hundesteuer")
	form := loadPayloadExample(tb, dir)
	s := exampleSubmission(tb, dir, form)
	var receipt *ReceiptRef
	var attachments []Attachment
	if withFiles {
		r, a := testFiles(s.Reference)
		receipt, attachments = &r, a
	}
	env, err := BuildEnvelope(form, s, testBaseURL, receipt, attachments)
	if err != nil {
		tb.Fatal(err)
	}
	return form, s, env
}

func TestEnvelopeDeterministic(t *testing.T) {
	form, s, env := testEnvelope(t, true)
	first := mustMarshal(t, env)
	if second := mustMarshal(t, env); !bytes.Equal(first, second) {
		t.Fatalf("two marshals differ:\n%s\n%s", first, second)
	}
	// A rebuild from the same committed row, as the outbox worker does after a crash.
	r, a := testFiles(s.Reference)
	again, err := BuildEnvelope(form, s, testBaseURL+"/", &r, a)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt := mustMarshal(t, again); !bytes.Equal(first, rebuilt) {
		t.Fatalf("a rebuilt envelope differs:\n%s\n%s", first, rebuilt)
	}
}

func TestEnvelopeSubmittedAt(t *testing.T) {
	form, s, _ := testEnvelope(t, false)
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"winter", time.Date(2026, 11, 28, 13, 3, 7, 0, time.UTC), "2026-11-28T14:03:07+01:00"},
		{"summer", time.Date(2026, 7, 15, 10, 0, 0, 0, time.UTC), "2026-07-15T12:00:00+02:00"},
		{"other zone", time.Date(2026, 7, 15, 6, 0, 0, 0, time.FixedZone("EDT", -4*3600)), "2026-07-15T12:00:00+02:00"},
		{"fraction dropped", time.Date(2026, 3, 29, 0, 59, 59, 999_999_999, time.UTC), "2026-03-29T01:59:59+01:00"},
		{"after the spring change", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "2026-03-29T03:00:00+02:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := *s
			sub.SubmittedAt = tc.at
			env, err := BuildEnvelope(form, &sub, testBaseURL, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if env.SubmittedAt != tc.want {
				t.Errorf("submittedAt %s, want %s", env.SubmittedAt, tc.want)
			}
		})
	}
}

// TestEnvelopeDataVerbatim checks that data reaches the back office byte for byte, including
// characters that json.Marshal would escape, so that its hash verifies.
func TestEnvelopeDataVerbatim(t *testing.T) {
	form, s, _ := testEnvelope(t, false)
	sub := *s
	sub.Data = json.RawMessage("{\"firma\":\"Müller & Söhne <GmbH>\",\"zeilen\":\"a\u2028b\",\"escaped\":\"\\u0026\\n\",\"n\":1.50}")
	sub.DataHash = SHA512Hex(sub.Data)
	env, err := BuildEnvelope(form, &sub, testBaseURL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := mustMarshal(t, env)
	if !bytes.Contains(out, []byte(`"data":`+string(sub.Data)+`,"attachments"`)) {
		t.Fatalf("data not embedded verbatim:\n%s", out)
	}
	var got struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if SHA512Hex(got.Data) != env.Metadata.ContentStructure.Data.Hash.Content {
		t.Error("the hash does not verify against the data taken from the envelope")
	}
}

func TestEnvelopeFiles(t *testing.T) {
	form, s, _ := testEnvelope(t, false)
	receipt, attachments := testFiles(s.Reference)
	receiptID, err := ReceiptAttachmentID(s.ID)
	if err != nil {
		t.Fatal(err)
	}
	asAttachment := Attachment{AttachmentID: "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", Filename: receipt.Filename, MediaType: receipt.MediaType, Size: receipt.Size, SHA512: receipt.SHA512, Purpose: PurposeReceipt}

	t.Run("none", func(t *testing.T) {
		env, err := BuildEnvelope(form, s, testBaseURL, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := string(mustMarshal(t, env))
		for _, want := range []string{`"attachments":[],"receipt":null,`, `"attachments":[]}}}`} {
			if !strings.Contains(out, want) {
				t.Errorf("envelope lacks %s:\n%s", want, out)
			}
		}
	})
	t.Run("receipt appended", func(t *testing.T) {
		env, err := BuildEnvelope(form, s, testBaseURL, &receipt, attachments)
		if err != nil {
			t.Fatal(err)
		}
		checkMirror(t, env)
		if len(env.Attachments) != 2 || env.Attachments[1].AttachmentID != receiptID || env.Receipt.AttachmentID != receiptID {
			t.Errorf("receipt not appended with id %s: %+v", receiptID, env.Attachments)
		}
		if m := env.Metadata.ContentStructure.Attachments; m[0].Purpose != "attachment" || m[1].Purpose != "form" {
			t.Errorf("FIT-Connect purposes %q, %q; want attachment, form", m[0].Purpose, m[1].Purpose)
		}
	})
	t.Run("receipt among the attachments", func(t *testing.T) {
		env, err := BuildEnvelope(form, s, testBaseURL, &receipt, append([]Attachment{asAttachment}, attachments...))
		if err != nil {
			t.Fatal(err)
		}
		checkMirror(t, env)
		if len(env.Attachments) != 2 || env.Receipt.AttachmentID != asAttachment.AttachmentID {
			t.Errorf("receipt listed twice or with the wrong id: %+v", env.Attachments)
		}
	})
	t.Run("receipt only among the attachments", func(t *testing.T) {
		env, err := BuildEnvelope(form, s, testBaseURL, nil, []Attachment{asAttachment})
		if err != nil {
			t.Fatal(err)
		}
		checkMirror(t, env)
	})
	t.Run("receipt id stable", func(t *testing.T) {
		again, _ := ReceiptAttachmentID(s.ID)
		other, _ := ReceiptAttachmentID("00000000-0000-4000-8000-000000000000")
		if again != receiptID || other == receiptID || checkCanonicalUUID(receiptID) != nil {
			t.Errorf("receipt ids %s, %s, %s", receiptID, again, other)
		}
	})
}

// TestEnvelopeWithoutLeiKa checks that a form without a LeiKa key gives "leikaKey": null, which
// the schema accepts, rather than an empty string or a missing field.
func TestEnvelopeWithoutLeiKa(t *testing.T) {
	form, s, _ := testEnvelope(t, false)
	f := *form
	f.Manifest.LeiKa = ""
	env, err := BuildEnvelope(&f, s, testBaseURL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := mustMarshal(t, env)
	if !bytes.Contains(out, []byte(`"leikaKey":null,`)) {
		t.Errorf("no null leikaKey:\n%s", out)
	}
	if err := compilePayloadSchema(t).Validate(decodeInstance(t, out)); err != nil {
		t.Errorf("%#v", err)
	}
}

// TestBuildEnvelopeRefuses lists inputs that would give a back office a wrong or unverifiable
// envelope.
func TestBuildEnvelopeRefuses(t *testing.T) {
	form, s, _ := testEnvelope(t, false)
	receipt, attachments := testFiles(s.Reference)
	for _, tc := range []struct {
		name   string
		change func(s *Submission, r *ReceiptRef, a []Attachment) ([]Attachment, string)
		kind   Kind
	}{
		{name: "data changed after hashing", kind: KindInternal, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.Data = json.RawMessage(`{"halter":{}}`)
			return a, testBaseURL
		}},
		{name: "data not compact", kind: KindInternal, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.Data = json.RawMessage(`{ "a": 1 }`)
			s.DataHash = SHA512Hex(s.Data)
			return a, testBaseURL
		}},
		{name: "data not an object", kind: KindInternal, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.Data = json.RawMessage(`[1]`)
			s.DataHash = ""
			return a, testBaseURL
		}},
		{name: "schema changed", kind: KindConflict, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.SchemaHash = SHA512Hex([]byte("older schema.json"))
			return a, testBaseURL
		}},
		{name: "other form version", kind: KindConflict, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.FormVersion = "9.9.9"
			return a, testBaseURL
		}},
		{name: "relative base URL", kind: KindInternal, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			return a, "/formulare"
		}},
		{name: "upper-case submission id", kind: KindInvalid, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.ID = strings.ToUpper(s.ID)
			return a, testBaseURL
		}},
		{name: "no time", kind: KindInvalid, change: func(s *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			s.SubmittedAt = time.Time{}
			return a, testBaseURL
		}},
		{name: "attachment without uuid", kind: KindInvalid, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			a[0].AttachmentID = "nachweis-1"
			return a, testBaseURL
		}},
		{name: "attachment hash not hex SHA-512", kind: KindInvalid, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			a[0].SHA512 = "d41d8cd98f00b204e9800998ecf8427e"
			return a, testBaseURL
		}},
		{name: "attachment twice", kind: KindInvalid, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			return append(a, a[0]), testBaseURL
		}},
		{name: "unknown purpose", kind: KindInvalid, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			a[0].Purpose = "report"
			return a, testBaseURL
		}},
		{name: "two receipts that differ", kind: KindInvalid, change: func(_ *Submission, _ *ReceiptRef, a []Attachment) ([]Attachment, string) {
			a[0].Purpose = PurposeReceipt
			return a, testBaseURL
		}},
		{name: "receipt not a PDF", kind: KindInvalid, change: func(_ *Submission, r *ReceiptRef, a []Attachment) ([]Attachment, string) {
			r.MediaType = "text/html"
			return a, testBaseURL
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub, r := *s, receipt
			a := append([]Attachment(nil), attachments...)
			a, base := tc.change(&sub, &r, a)
			env, err := BuildEnvelope(form, &sub, base, &r, a)
			if err == nil {
				t.Fatalf("no error; envelope %+v", env)
			}
			if KindOf(err) != tc.kind {
				t.Errorf("kind %s, want %s: %v", KindOf(err), tc.kind, err)
			}
		})
	}
}

// TestPayloadSchemaRejects makes sure the payload schema can fail: each change turns a valid
// envelope into one a back office must not accept.
func TestPayloadSchemaRejects(t *testing.T) {
	payload := compilePayloadSchema(t)
	_, _, env := testEnvelope(t, true)
	valid := mustMarshal(t, env)
	if err := payload.Validate(decodeInstance(t, valid)); err != nil {
		t.Fatalf("the unchanged envelope fails: %v", err)
	}
	// node walks from v along path (object keys as strings, list indices as ints).
	node := func(v any, path ...any) map[string]any {
		for _, p := range path {
			switch p := p.(type) {
			case string:
				v = v.(map[string]any)[p]
			case int:
				v = v.([]any)[p]
			}
		}
		return v.(map[string]any)
	}
	for _, tc := range []struct {
		name   string
		at     string // where the schema must fail, as a JSON pointer into the envelope
		change func(e map[string]any)
	}{
		{"missing reference", "", func(e map[string]any) { delete(e, "reference") }},
		{"missing data", "", func(e map[string]any) { delete(e, "data") }},
		{"missing receipt (null is required)", "", func(e map[string]any) { delete(e, "receipt") }},
		{"extra field", "", func(e map[string]any) { e["bemerkung"] = "neu" }},
		{"extra field in form", "/form", func(e map[string]any) { node(e, "form")["schemaVersion"] = "1" }},
		{"extra field in metadata", "/metadata", func(e map[string]any) { node(e, "metadata")["replyChannel"] = map[string]any{} }},
		{"other envelope version", "/envelopeVersion", func(e map[string]any) { e["envelopeVersion"] = "2" }},
		{"submission id not a UUID", "/submissionId", func(e map[string]any) { e["submissionId"] = "HST-7K3F-9QX2" }},
		{"time in UTC", "/submittedAt", func(e map[string]any) { e["submittedAt"] = "2026-11-28T13:03:07Z" }},
		{"time without zone", "/submittedAt", func(e map[string]any) { e["submittedAt"] = "2026-11-28T14:03:07" }},
		{"impossible date (format)", "/submittedAt", func(e map[string]any) { e["submittedAt"] = "2026-02-30T14:03:07+01:00" }},
		{"language name", "/language", func(e map[string]any) { e["language"] = "Deutsch" }},
		{"data not an object", "/data", func(e map[string]any) { e["data"] = []any{} }},
		{"relative schema URI", "/form/schemaUri", func(e map[string]any) {
			node(e, "form")["schemaUri"] = "/schemas/forms/hundesteuer/1.0.0/schema.json"
		}},
		{"LeiKa key too short", "/form/leikaKey", func(e map[string]any) { node(e, "form")["leikaKey"] = "99102013" }},
		{"short data hash", "/metadata/contentStructure/data/hash/content", func(e map[string]any) {
			node(e, "metadata", "contentStructure", "data", "hash")["content"] = "ddaf35a1"
		}},
		{"upper-case hash", "/form/schemaHash/content", func(e map[string]any) {
			h := node(e, "form", "schemaHash")
			h["content"] = strings.ToUpper(h["content"].(string))
		}},
		{"hash type md5", "/form/schemaHash/type", func(e map[string]any) { node(e, "form", "schemaHash")["type"] = "md5" }},
		{"data schema as XML", "/metadata/contentStructure/data/submissionSchema/mimeType", func(e map[string]any) {
			node(e, "metadata", "contentStructure", "data", "submissionSchema")["mimeType"] = "application/xml"
		}},
		{"attachment purpose from FIT-Connect", "/attachments/0/purpose", func(e map[string]any) { node(e, "attachments", 0)["purpose"] = "form" }},
		{"attachment without hash", "/attachments/0", func(e map[string]any) { delete(node(e, "attachments", 0), "hash") }},
		{"negative size", "/attachments/0/size", func(e map[string]any) { node(e, "attachments", 0)["size"] = json.Number("-1") }},
		{"metadata attachment without id", "/metadata/contentStructure/attachments/0", func(e map[string]any) {
			delete(node(e, "metadata", "contentStructure", "attachments", 0), "attachmentId")
		}},
		{"receipt not a PDF", "/receipt/mediaType", func(e map[string]any) { node(e, "receipt")["mediaType"] = "text/html" }},
		{"authority without name", "/authority", func(e map[string]any) { delete(node(e, "authority"), "name") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := decodeInstance(t, valid).(map[string]any)
			tc.change(e)
			err := payload.Validate(e)
			if err == nil {
				t.Fatal("the payload schema accepts it")
			}
			at := failureLocations(err)
			if !slices.Contains(at, tc.at) {
				t.Errorf("fails at %q, want a failure at %q: %#v", at, tc.at, err)
			}
		})
	}
}

// failureLocations returns the instance locations (JSON pointers) of the leaves of a
// validation error tree: the places where the instance breaks a rule.
func failureLocations(err error) []string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			ptr := ""
			for _, tok := range e.InstanceLocation {
				ptr += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
			}
			out = append(out, ptr)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

// TestPayloadSchemaDocumented checks that every property and definition of the payload schema
// carries a description, since back-office integrators read the schema as the documentation.
func TestPayloadSchemaDocumented(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(PayloadSchema(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$id"] != PayloadSchemaID || doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$id %v, $schema %v", doc["$id"], doc["$schema"])
	}
	if doc["additionalProperties"] != false {
		t.Error("the envelope level must forbid additional properties")
	}
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, group := range []string{"properties", "$defs"} {
			children, _ := m[group].(map[string]any)
			for name, child := range children {
				p := ptr + "/" + group + "/" + name
				if d, _ := child.(map[string]any)["description"].(string); len(d) < 10 {
					t.Errorf("%s has no description", p)
				}
				walk(p, child)
			}
		}
		if items, ok := m["items"]; ok {
			walk(ptr+"/items", items)
		}
	}
	walk("#", doc)
}

func TestSchemaURLs(t *testing.T) {
	m := forms.Manifest{ID: "hundesteuer", Version: "1.2.0"}
	if got := FormSchemaPath(m); got != "/schemas/forms/hundesteuer/1.2.0/schema.json" {
		t.Errorf("FormSchemaPath = %q", got)
	}
	for _, base := range []string{"https://formulare.example.de", "https://formulare.example.de/"} {
		if got := PayloadSchemaURL(base); got != "https://formulare.example.de/schemas/payload/v1.json" {
			t.Errorf("PayloadSchemaURL(%q) = %q", base, got)
		}
	}
	if got := PayloadSchemaURL("https://example.de/portal"); got != "https://example.de/portal/schemas/payload/v1.json" {
		t.Errorf("PayloadSchemaURL with a path = %q", got)
	}
}

func ExampleFormSchemaPath() {
	m := forms.Manifest{ID: "hundesteuer", Version: "1.0.0"}
	fmt.Println("https://formulare.example.de" + FormSchemaPath(m))
	// Output: https://formulare.example.de/schemas/forms/hundesteuer/1.0.0/schema.json
}

// BenchmarkEnvelope measures what the outbox worker pays per delivery: build and marshal.
func BenchmarkEnvelope(b *testing.B) {
	dir := filepath.Join("..", "examples", "gewerbeanmeldung")
	form := loadPayloadExample(b, dir)
	s := exampleSubmission(b, dir, form)
	receipt, attachments := testFiles(s.Reference)
	b.ReportAllocs()
	for b.Loop() {
		env, err := BuildEnvelope(form, s, testBaseURL, &receipt, attachments)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
