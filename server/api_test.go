package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
)

// Tokens of the API tests: one for every form, one for the Hundesteuer only, one of another
// pull destination.
const (
	tokenAll   = "alle-formulare-4f1c2b7e9d0a8c6b5e3f2a1d0c9b8a7e"
	tokenHund  = "nur-hundesteuer-8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"
	tokenOther = "anderes-ziel-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e"
	apiBaseURL = "https://formulare.example.de"
)

func apiTokens() []engine.APIToken {
	return []engine.APIToken{
		{Name: "alle", Hash: engine.HashAPIToken(tokenAll), Destination: "api"},
		{Name: "hundesteuer", Hash: engine.HashAPIToken(tokenHund), Destination: "api", Forms: []string{"hundesteuer"}},
		{Name: "kasse", Hash: engine.HashAPIToken(tokenOther), Destination: "kasse"},
	}
}

// newAPIApp is the test application with the API tokens configured. The submissions go to the
// engine's default destination "api".
func newAPIApp(tb testing.TB, opts ...appOption) *testApp {
	tb.Helper()
	return newTestApp(tb, append([]appOption{func(c *Config, _ *sqlite.Options) {
		c.APITokens = apiTokens()
		c.BaseURL = apiBaseURL
	}}, opts...)...)
}

// apiResponse is an answer of the API, read completely.
type apiResponse struct {
	status int
	header http.Header
	body   []byte
	err    error // reading the body failed (a cut connection)
}

// api calls the test application's API with a bearer token ("" for none) and no cookies.
func (a *testApp) api(method, path, token string, header ...string) *apiResponse {
	a.tb.Helper()
	req, err := http.NewRequest(method, a.http.URL+path, nil)
	if err != nil {
		a.tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return &apiResponse{status: res.StatusCode, header: res.Header, body: body, err: err}
}

func (r *apiResponse) want(tb testing.TB, what string, status int) *apiResponse {
	tb.Helper()
	if r.err != nil {
		tb.Fatalf("%s: reading the body: %v", what, r.err)
	}
	if r.status != status {
		tb.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, clip(string(r.body)))
	}
	return r
}

// wantProblem checks a problem-details answer: status, media type, the fields of RFC 9457 with
// a German title, and that detail contains the given text.
func (r *apiResponse) wantProblem(tb testing.TB, what string, status int, detail string) problem {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, clip(string(r.body)))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		tb.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		tb.Fatalf("%s: no JSON: %v\n%s", what, err, clip(string(r.body)))
	}
	if p.Status != status || !strings.HasPrefix(p.Type, problemTypeBase) || p.Title != problemTypes[status].title || p.Detail == "" {
		tb.Errorf("%s: problem %+v", what, p)
	}
	if !strings.Contains(p.Detail, detail) {
		tb.Errorf("%s: detail %q does not contain %q", what, p.Detail, detail)
	}
	return p
}

func listPage(tb testing.TB, r *apiResponse) apiSubmissionPage {
	tb.Helper()
	var page apiSubmissionPage
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&page); err != nil {
		tb.Fatalf("list: %v\n%s", err, clip(string(r.body)))
	}
	return page
}

func pageIDs(p apiSubmissionPage) []string {
	var ids []string
	for _, s := range p.Submissions {
		ids = append(ids, s.ID)
	}
	return ids
}

// payloadValidator compiles the published payload schema.
func payloadValidator(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	c := jsonschema.NewCompiler()
	if err := c.AddResource(engine.PayloadSchemaID, mustJSON(tb, engine.PayloadSchema())); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(engine.PayloadSchemaID)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

// wantDigest checks ETag and Repr-Digest against the body.
func wantDigest(tb testing.TB, what string, r *apiResponse) {
	tb.Helper()
	sum := sha512.Sum512(r.body)
	if got, want := r.header.Get("Repr-Digest"), "sha-512=:"+base64.StdEncoding.EncodeToString(sum[:])+":"; got != want {
		tb.Errorf("%s: Repr-Digest %q, want %q", what, got, want)
	}
	if got, want := r.header.Get("ETag"), `"`+hex.EncodeToString(sum[:])+`"`; got != want {
		tb.Errorf("%s: ETag %q, want %q", what, got, want)
	}
}

// TestAPIAuth: without a token, with an unknown one, with another scheme: 401 with
// WWW-Authenticate and problem details; without any token configured: 401 that says so.
func TestAPIAuth(t *testing.T) {
	app := newAPIApp(t)
	sub := submitDirect(t, app, "hundesteuer")
	for _, path := range []string{
		"/api/v1/submissions",
		"/api/v1/submissions/" + sub.ID,
		"/api/v1/submissions/" + sub.ID + "/receipt",
		"/api/v1/submissions/" + sub.ID + "/attachments/" + uuid.NewString(),
	} {
		r := app.api(http.MethodGet, path, "")
		r.wantProblem(t, "no token "+path, http.StatusUnauthorized, "Authorization: Bearer")
		if h := r.header.Get("WWW-Authenticate"); h != `Bearer realm="ozgform"` {
			t.Errorf("no token: WWW-Authenticate %q", h)
		}
		r = app.api(http.MethodGet, path, "falsch-falsch-falsch-falsch-falsch-falsch")
		r.wantProblem(t, "unknown token "+path, http.StatusUnauthorized, "unbekannt")
		if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="invalid_token"`) {
			t.Errorf("unknown token: WWW-Authenticate %q", h)
		}
		// The token, but not as a bearer token.
		r = app.api(http.MethodGet, path, "", "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("x:"+tokenAll)))
		r.wantProblem(t, "basic auth "+path, http.StatusUnauthorized, "kein Token")
	}
	app.api(http.MethodPost, "/api/v1/submissions/"+sub.ID+"/ack", "").wantProblem(t, "ack without token", http.StatusUnauthorized, "Bearer")
	// The scheme is case-insensitive (RFC 9110).
	app.api(http.MethodGet, "/api/v1/submissions", "", "Authorization", "bearer "+tokenAll).want(t, "lower-case scheme", http.StatusOK)

	bare := newTestApp(t) // serve without --config: no tokens
	bare.api(http.MethodGet, "/api/v1/submissions", tokenAll).wantProblem(t, "no tokens configured", http.StatusUnauthorized, "api.tokens")
}

// TestAPIPull plays a back office: list, fetch the envelope (the bytes PrepareEnvelope builds,
// valid against the payload schema, data hash matching), the receipt PDF (the bytes the
// envelope names), acknowledge (twice), and the submission is no longer listed but delivered.
func TestAPIPull(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	var subs []*engine.Submission
	for _, f := range app.forms.Forms() {
		subs = append(subs, submitDirect(t, app, f.Manifest.ID))
	}
	page := listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenAll).want(t, "list", http.StatusOK))
	if got := pageIDs(page); len(got) != len(subs) || page.Next != nil {
		t.Fatalf("list: %v (next %v), want the %d submissions", got, page.Next, len(subs))
	}
	validator := payloadValidator(t)
	for i, item := range page.Submissions {
		sub := subs[i]
		t.Run(sub.FormID, func(t *testing.T) {
			if item.ID != sub.ID || item.Reference != sub.Reference || item.FormID != sub.FormID || item.FormVersion != sub.FormVersion {
				t.Errorf("item %+v, submission %s %s %s %s", item, sub.ID, sub.Reference, sub.FormID, sub.FormVersion)
			}
			if at, err := time.Parse(time.RFC3339, item.SubmittedAt); err != nil || !at.Equal(sub.SubmittedAt.Truncate(time.Second)) {
				t.Errorf("submittedAt %q, want %v", item.SubmittedAt, sub.SubmittedAt)
			}
			if item.Links.Self != "/api/v1/submissions/"+sub.ID || item.Links.Receipt != item.Links.Self+"/receipt" || item.Links.Ack != item.Links.Self+"/ack" {
				t.Errorf("links %+v", item.Links)
			}

			env := app.api(http.MethodGet, item.Links.Self, tokenAll).want(t, "envelope", http.StatusOK)
			if ct := env.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("envelope Content-Type %q", ct)
			}
			atts, err := engine.AttachmentsOf(ctx, app.store, sub)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := engine.PrepareEnvelope(app.forms.Get(sub.FormID), sub, apiBaseURL, RenderReceipt, atts...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(env.body, want) {
				t.Errorf("the envelope differs from PrepareEnvelope's bytes:\n got %s\nwant %s", clip(string(env.body)), clip(string(want)))
			}
			wantDigest(t, "envelope", env)
			if err := validator.Validate(mustJSON(t, env.body)); err != nil {
				t.Errorf("the envelope does not validate against the payload schema: %v", err)
			}
			hash, err := engine.VerifyEnvelopeData(env.body)
			if err != nil || hash != sub.DataHash {
				t.Errorf("data hash: %s, %v; want %s", hash, err, sub.DataHash)
			}
			app.api(http.MethodGet, item.Links.Self, tokenAll, "If-None-Match", env.header.Get("ETag")).want(t, "envelope If-None-Match", http.StatusNotModified)
			if r := app.api(http.MethodHead, item.Links.Self, tokenAll); r.status != http.StatusOK || len(r.body) != 0 {
				t.Errorf("HEAD envelope: %d, %d bytes", r.status, len(r.body))
			}

			var e engine.Envelope
			if err := json.Unmarshal(env.body, &e); err != nil {
				t.Fatal(err)
			}
			pdf := app.api(http.MethodGet, item.Links.Receipt, tokenAll).want(t, "receipt", http.StatusOK)
			if ct := pdf.header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(pdf.body, []byte("%PDF-")) {
				t.Errorf("receipt: Content-Type %q, starts %q", ct, pdf.body[:min(8, len(pdf.body))])
			}
			wantDigest(t, "receipt", pdf)
			if e.Receipt == nil || engine.SHA512Hex(pdf.body) != e.Receipt.Hash.Content || int64(len(pdf.body)) != e.Receipt.Size {
				t.Errorf("the receipt is not the one the envelope names: %+v", e.Receipt)
			}
			if _, params, err := mime.ParseMediaType(pdf.header.Get("Content-Disposition")); err != nil || params["filename"] != engine.ReceiptFilename(sub) {
				t.Errorf("receipt Content-Disposition %q (%v)", pdf.header.Get("Content-Disposition"), err)
			}
			// The envelope lists the receipt among the attachments: it is there under its id too.
			byID := app.api(http.MethodGet, item.Links.Self+"/attachments/"+e.Receipt.AttachmentID, tokenAll).want(t, "receipt by attachment id", http.StatusOK)
			if !bytes.Equal(byID.body, pdf.body) {
				t.Error("the receipt under its attachment id differs")
			}

			// Every file the envelope lists arrives with the listed hash.
			for _, a := range e.Attachments {
				r := app.api(http.MethodGet, item.Links.Self+"/attachments/"+a.AttachmentID, tokenAll).want(t, "attachment "+a.Purpose, http.StatusOK)
				if engine.SHA512Hex(r.body) != a.Hash.Content || r.header.Get("Content-Type") != a.MediaType {
					t.Errorf("attachment %s (%s): hash or type (%s) differ from the envelope's", a.AttachmentID, a.Purpose, r.header.Get("Content-Type"))
				}
			}

			// Acknowledge: no cookie, no CSRF token; twice is fine.
			app.api(http.MethodPost, item.Links.Ack, tokenAll).want(t, "ack", http.StatusNoContent)
			app.api(http.MethodPost, item.Links.Ack, tokenAll).want(t, "second ack", http.StatusNoContent)
			msgs, err := app.store.Outbox(ctx, sub.ID)
			if err != nil || len(msgs) != 1 || msgs[0].State != engine.OutboxDelivered || msgs[0].DeliveredAt.IsZero() {
				t.Errorf("outbox after ack: %+v, %v", msgs, err)
			}
			stored, err := app.store.Submission(ctx, sub.ID)
			if err != nil || stored.DeliveredAt.IsZero() {
				t.Errorf("the submission is not delivered after the ack: %v", err)
			}
			// An acknowledged submission can still be read (until the retention purge).
			app.api(http.MethodGet, item.Links.Self, tokenAll).want(t, "envelope after ack", http.StatusOK)
		})
	}
	page = listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenAll).want(t, "list after ack", http.StatusOK))
	if len(page.Submissions) != 0 {
		t.Errorf("acknowledged submissions are still listed: %v", pageIDs(page))
	}

	// A replay by the operator lists it again, under the same id.
	msgs, _ := app.store.Outbox(ctx, subs[0].ID)
	if err := app.store.Replay(ctx, msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	page = listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenAll).want(t, "list after replay", http.StatusOK))
	if got := pageIDs(page); len(got) != 1 || got[0] != subs[0].ID {
		t.Errorf("after a replay the list is %v, want [%s]", got, subs[0].ID)
	}
}

// TestAPIScope: a token for form A reading form B gets the 404 of an unknown id, and lists only form A.
func TestAPIScope(t *testing.T) {
	app := newAPIApp(t)
	hund := submitDirect(t, app, "hundesteuer")
	gewerbe := submitDirect(t, app, "gewerbeanmeldung")

	page := listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenHund).want(t, "list", http.StatusOK))
	if got := pageIDs(page); len(got) != 1 || got[0] != hund.ID {
		t.Errorf("the Hundesteuer token lists %v, want only [%s]", got, hund.ID)
	}
	app.api(http.MethodGet, "/api/v1/submissions/"+hund.ID, tokenHund).want(t, "own form", http.StatusOK)
	base := "/api/v1/submissions/" + gewerbe.ID
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, base},
		{http.MethodGet, base + "/receipt"},
		{http.MethodGet, base + "/attachments/" + uuid.NewString()},
		{http.MethodPost, base + "/ack"},
	} {
		// Answered like an unknown id (issue 14, point 7): no hint that the id exists.
		foreign := app.api(r.method, r.path, tokenHund).wantProblem(t, r.method+" "+r.path, http.StatusNotFound, gewerbe.ID)
		unknownID := uuid.NewString()
		unknown := app.api(r.method, strings.Replace(r.path, gewerbe.ID, unknownID, 1), tokenHund).wantProblem(t, "unknown id", http.StatusNotFound, unknownID)
		if strings.Contains(foreign.Detail, "gewerbeanmeldung") || foreign.Type != unknown.Type || foreign.Title != unknown.Title ||
			strings.ReplaceAll(foreign.Detail, gewerbe.ID, "ID") != strings.ReplaceAll(unknown.Detail, unknownID, "ID") {
			t.Errorf("%s %s: a foreign submission is answered differently from an unknown one:\n%+v\n%+v", r.method, r.path, foreign, unknown)
		}
	}
	// The refused ack changed nothing.
	page = listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenAll).want(t, "list", http.StatusOK))
	if len(page.Submissions) != 2 {
		t.Errorf("after the refused ack %d submissions are listed, want 2", len(page.Submissions))
	}
	// after= with a submission outside the token's forms is no cursor of its list.
	app.api(http.MethodGet, "/api/v1/submissions?after="+gewerbe.ID, tokenHund).wantProblem(t, "after outside the scope", http.StatusBadRequest, "after")

	// A token of another pull destination reads by form, but has nothing to list or acknowledge.
	if page := listPage(t, app.api(http.MethodGet, "/api/v1/submissions", tokenOther).want(t, "other destination", http.StatusOK)); len(page.Submissions) != 0 {
		t.Errorf("the other destination lists %v", pageIDs(page))
	}
	app.api(http.MethodPost, base+"/ack", tokenOther).wantProblem(t, "ack for another destination", http.StatusConflict, "kasse")
}

// TestAPIPaging: limit and after page through the pending submissions in order; bad
// parameters are 400.
func TestAPIPaging(t *testing.T) {
	app := newAPIApp(t)
	var want []string
	for range 5 {
		sub := submitDirect(t, app, "bewohnerparkausweis")
		want = append(want, sub.ID)
	}
	var got []string
	next := "/api/v1/submissions?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		page := listPage(t, app.api(http.MethodGet, next, tokenAll).want(t, next, http.StatusOK))
		got = append(got, pageIDs(page)...)
		next = ""
		if page.Next != nil {
			next = *page.Next
			if u, err := url.Parse(next); err != nil || u.Query().Get("limit") != "2" {
				t.Errorf("next %q", next)
			}
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paged:\n got %v\nwant %v", got, want)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=zwei", "after=nicht-uuid", "after=" + uuid.NewString()} {
		app.api(http.MethodGet, "/api/v1/submissions?"+q, tokenAll).wantProblem(t, q, http.StatusBadRequest, "")
	}
}

// TestAPINotFoundAndGone: unknown ids and routes are 404, a wrong method 405, all as problem
// details; after the retention purge the data is 410, and the ack still succeeds.
func TestAPINotFoundAndGone(t *testing.T) {
	app := newAPIApp(t)
	ctx := context.Background()
	unknown := uuid.NewString()
	app.api(http.MethodGet, "/api/v1/submissions/"+unknown, tokenAll).wantProblem(t, "unknown id", http.StatusNotFound, unknown)
	app.api(http.MethodPost, "/api/v1/submissions/"+unknown+"/ack", tokenAll).wantProblem(t, "ack unknown id", http.StatusNotFound, unknown)
	app.api(http.MethodGet, "/api/v1/submissions/..%2F..%2Fetc", tokenAll).wantProblem(t, "malformed id", http.StatusNotFound, "keine Einreichungs-ID")
	app.api(http.MethodGet, "/api/v1/gibtsnicht", tokenAll).wantProblem(t, "unknown route", http.StatusNotFound, "openapi.json")
	app.api(http.MethodDelete, "/api/v1/submissions/"+unknown, tokenAll).wantProblem(t, "wrong method", http.StatusMethodNotAllowed, "")

	sub := submitDirect(t, app, "hundesteuer")
	path := "/api/v1/submissions/" + sub.ID
	app.api(http.MethodGet, path+"/attachments/"+uuid.NewString(), tokenAll).wantProblem(t, "unknown attachment", http.StatusNotFound, "keine Anlage")
	app.api(http.MethodPost, path+"/ack", tokenAll).want(t, "ack", http.StatusNoContent)
	n, err := app.store.PurgeDelivered(ctx, time.Now().Add(24*time.Hour), func(string, string) time.Duration { return time.Hour })
	if err != nil || n != 1 {
		t.Fatalf("PurgeDelivered: %d, %v", n, err)
	}
	receiptID, _ := engine.ReceiptAttachmentID(sub.ID)
	for _, p := range []string{path, path + "/receipt", path + "/attachments/" + receiptID} {
		app.api(http.MethodGet, p, tokenAll).wantProblem(t, "purged "+p, http.StatusGone, sub.Reference)
	}
	app.api(http.MethodPost, path+"/ack", tokenAll).want(t, "ack after the purge", http.StatusNoContent)
}

// TestAPILimits: the acknowledgement goes through the body limit and the rate limit, as every
// POST; failed logins count against the rate limit too.
func TestAPILimits(t *testing.T) {
	app := newAPIApp(t, func(c *Config, _ *sqlite.Options) {
		c.BodyLimit = 1024
		c.RateLimit, c.RateBurst = 0.001, 5
	})
	sub, _ := addSubmissionWithFiles(t, app, nil) // the web flow would use up the rate limit
	ack := "/api/v1/submissions/" + sub.ID + "/ack"

	req, _ := http.NewRequest(http.MethodPost, app.http.URL+ack, strings.NewReader(strings.Repeat("x", 4096)))
	req.Header.Set("Authorization", "Bearer "+tokenAll)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("ack with a large body: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var last *apiResponse
	for range 10 {
		last = app.api(http.MethodGet, "/api/v1/submissions", "falsch-falsch-falsch-falsch-falsch-falsch")
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	last.wantProblem(t, "guessing tokens", http.StatusTooManyRequests, "Retry-After")
	if last.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

// submitDirect submits a form's valid sample through the engine (draft, files, Submit), as the
// web flow ends, without the pages: the API tests do not depend on the step handlers. Every
// UUID in the sample is an attachment id: it is replaced by a new file of the draft (a small
// PDF), so that the same sample can be submitted any number of times.
func submitDirect(tb testing.TB, app *testApp, formID string) *engine.Submission {
	tb.Helper()
	ctx := context.Background()
	f := app.forms.Get(formID)
	d, err := app.svc.StartDraft(ctx, f, "de")
	if err != nil {
		tb.Fatal(err)
	}
	var replace func(v any) any
	replace = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = replace(e)
			}
		case []any:
			for i, e := range x {
				x[i] = replace(e)
			}
		case string:
			if canonicalUUID(x) {
				b := fileContent(2000, byte(len(x)))
				sum := sha512.Sum512(b)
				a := &engine.StoredAttachment{ID: uuid.NewString(), DraftID: d.ID, Filename: "Zulassungsbescheinigung.pdf",
					MediaType: "application/pdf", Size: int64(len(b)), SHA512: hex.EncodeToString(sum[:]),
					CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
				if err := app.store.AddAttachment(ctx, a, bytes.NewReader(b)); err != nil {
					tb.Fatal(err)
				}
				return a.ID
			}
		}
		return v
	}
	data := replace(loadSample(tb, formID, "valid"))
	raw, err := json.Marshal(data)
	if err != nil {
		tb.Fatal(err)
	}
	d.Data = raw
	if err := app.store.UpdateDraft(ctx, d); err != nil {
		tb.Fatal(err)
	}
	sub, errs, err := app.svc.Submit(ctx, f, d)
	if err != nil || len(errs) > 0 {
		tb.Fatalf("submit %s: %v %v", formID, errs, err)
	}
	return sub
}

// addSubmissionWithFiles commits a Hundesteuer submission (the valid sample) with files, the
// way Submit links a draft's uploads, for destination "api".
func addSubmissionWithFiles(tb testing.TB, app *testApp, files map[string][]byte) (*engine.Submission, map[string]*engine.StoredAttachment) {
	tb.Helper()
	ctx := context.Background()
	f := app.forms.Get("hundesteuer")
	d, err := app.svc.StartDraft(ctx, f, "de")
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	byName := map[string]*engine.StoredAttachment{}
	var ids []string
	for name, b := range files {
		sum := sha512.Sum512(b)
		a := &engine.StoredAttachment{
			ID: uuid.NewString(), DraftID: d.ID, Filename: engine.SanitizeFilename(name, "application/pdf"),
			MediaType: "application/pdf", Size: int64(len(b)), SHA512: hex.EncodeToString(sum[:]), CreatedAt: now,
		}
		if err := app.store.AddAttachment(ctx, a, bytes.NewReader(b)); err != nil {
			tb.Fatal(err)
		}
		byName[name] = a
		ids = append(ids, a.ID)
	}
	data, errs, err := engine.SubmissionData(f, loadSample(tb, "hundesteuer", "valid"))
	if err != nil || len(errs) > 0 {
		tb.Fatalf("sample: %v %v", errs, err)
	}
	ref, err := engine.NewReference(engine.ReferencePrefix(f), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	sub := &engine.Submission{
		ID: engine.SubmissionIDForDraft(d.ID), Reference: ref, FormID: f.Manifest.ID, FormVersion: f.Manifest.Version,
		SchemaHash: f.SchemaHash, Lang: "de", Data: data, DataHash: engine.SHA512Hex(data), SubmittedAt: now,
		DraftID: d.ID, AccessToken: uuid.NewString(), AttachmentIDs: ids,
	}
	msg := &engine.OutboxMessage{ID: uuid.NewString(), SubmissionID: sub.ID, Destination: "api", State: engine.OutboxQueued,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	stored, _, err := app.store.Submit(ctx, sub, []*engine.OutboxMessage{msg})
	if err != nil {
		tb.Fatal(err)
	}
	return stored, byName
}

// fileContent returns n bytes of a fake PDF.
func fileContent(n int, seed byte) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.7\n")
	for i := 9; i < n; i++ {
		b[i] = byte(i*31) ^ seed
	}
	return b
}

// TestAPIAttachments: the envelope lists the files; each is streamed with its media type, a
// safe file name and its SHA-512; a damaged stored file never reaches the client whole.
func TestAPIAttachments(t *testing.T) {
	app := newAPIApp(t)
	files := map[string][]byte{
		`Zulassung "Ærøskøbing"; Nguyễn.pdf`:         fileContent(300_000, 1), // several chunks
		`C:\Users\x\Impfpass` + "\u202e" + `fdp.exe`: fileContent(1000, 2),
	}
	sub, stored := addSubmissionWithFiles(t, app, files)
	env := app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID, tokenAll).want(t, "envelope", http.StatusOK)
	var e engine.Envelope
	if err := json.Unmarshal(env.body, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Attachments) != len(files)+1 {
		t.Fatalf("the envelope lists %d files, want %d and the receipt", len(e.Attachments), len(files))
	}
	if err := payloadValidator(t).Validate(mustJSON(t, env.body)); err != nil {
		t.Errorf("the envelope does not validate: %v", err)
	}
	for name, content := range files {
		a := stored[name]
		var listed *engine.EnvelopeAttachment
		for i := range e.Attachments {
			if e.Attachments[i].AttachmentID == a.ID {
				listed = &e.Attachments[i]
			}
		}
		if listed == nil {
			t.Fatalf("the envelope does not list %s", a.ID)
		}
		r := app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID+"/attachments/"+a.ID, tokenAll).want(t, "attachment", http.StatusOK)
		if !bytes.Equal(r.body, content) {
			t.Errorf("%s: %d bytes, want %d", name, len(r.body), len(content))
		}
		if engine.SHA512Hex(r.body) != listed.Hash.Content {
			t.Errorf("%s: the bytes do not match the envelope's hash", name)
		}
		wantDigest(t, name, r)
		if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("%s: Content-Type %q", name, ct)
		}
		cd := r.header.Get("Content-Disposition")
		disp, params, err := mime.ParseMediaType(cd)
		if err != nil || disp != "attachment" || params["filename"] != listed.Filename {
			t.Errorf("%s: Content-Disposition %q: %q %v (%v), want filename %q", name, cd, disp, params, err, listed.Filename)
		}
		if strings.ContainsAny(cd, "\\\u202e\r\n") || strings.Contains(params["filename"], "/") {
			t.Errorf("%s: unsafe Content-Disposition %q", name, cd)
		}
	}
	// A file of another submission is not reachable through this one.
	other, otherFiles := addSubmissionWithFiles(t, app, map[string][]byte{"x.pdf": fileContent(100, 3)})
	app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID+"/attachments/"+otherFiles["x.pdf"].ID, tokenAll).
		wantProblem(t, "another submission's file", http.StatusNotFound, "keine Anlage")
	app.api(http.MethodGet, "/api/v1/submissions/"+other.ID+"/attachments/"+otherFiles["x.pdf"].ID, tokenAll).want(t, "own file", http.StatusOK)

	// Damage the last piece of the large file in the database: the client must not get a
	// complete-looking body.
	big := stored[`Zulassung "Ærøskøbing"; Nguyễn.pdf`]
	db, err := sql.Open("sqlite", app.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE attachment_chunks SET data = zeroblob(length(data)) WHERE attachment_id = ?
		AND seq = (SELECT max(seq) FROM attachment_chunks WHERE attachment_id = ?)`, big.ID, big.ID); err != nil {
		t.Skipf("the attachment store has another layout: %v", err)
	}
	r := app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID+"/attachments/"+big.ID, tokenAll)
	if r.err == nil && bytes.Equal(r.body, files[`Zulassung "Ærøskøbing"; Nguyễn.pdf`]) {
		t.Fatal("the damaged file arrived whole?")
	}
	if r.err == nil || !errors.Is(r.err, io.ErrUnexpectedEOF) || int64(len(r.body)) >= big.Size {
		t.Errorf("damaged file: status %d, %d of %d bytes, read error %v; want a cut body", r.status, len(r.body), big.Size, r.err)
	}
}

func TestContentDisposition(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"Eingangsbestaetigung-HST-7K3F-9QX2.pdf", `attachment; filename="Eingangsbestaetigung-HST-7K3F-9QX2.pdf"; filename*=UTF-8''Eingangsbestaetigung-HST-7K3F-9QX2.pdf`},
		{`Ærø "x"\y.pdf`, `attachment; filename="_r_ _x__y.pdf"; filename*=UTF-8''%C3%86r%C3%B8%20%22x%22%5Cy.pdf`},
	} {
		if got := contentDisposition(c.name); got != c.want {
			t.Errorf("contentDisposition(%q)\n got %s\nwant %s", c.name, got, c.want)
		}
		_, params, err := mime.ParseMediaType(contentDisposition(c.name))
		if err != nil || params["filename"] != c.name {
			t.Errorf("%q does not parse back: %v %v", c.name, params, err)
		}
	}
}

// failingReader returns its bytes, then an error together with the last piece, as the store's
// verifying reader does for a damaged file.
type failingReader struct {
	pieces [][]byte
}

func (f *failingReader) Read(p []byte) (int, error) {
	piece := f.pieces[0]
	f.pieces = f.pieces[1:]
	n := copy(p, piece)
	if len(f.pieces) == 0 {
		return n, errors.New("hash mismatch")
	}
	return n, nil
}

func TestCopyHoldingBack(t *testing.T) {
	var w bytes.Buffer
	err := copyHoldingBack(&w, &failingReader{pieces: [][]byte{[]byte("aaa"), []byte("bbb"), []byte("ccc")}})
	if err == nil || w.String() != "aaa" {
		t.Errorf("failing reader: wrote %q, %v; want only the pieces before the last good read", w.String(), err)
	}
	w.Reset()
	if err := copyHoldingBack(&w, strings.NewReader(strings.Repeat("x", 200_000))); err != nil || w.Len() != 200_000 {
		t.Errorf("whole copy: %d bytes, %v", w.Len(), err)
	}
}

// TestAPIStoreDown: when the database is gone the API answers 503 with Retry-After, as a
// problem, so that a back office tries again later.
func TestAPIStoreDown(t *testing.T) {
	app := newAPIApp(t)
	sub := submitDirect(t, app, "hundesteuer")
	app.store.Close()
	for _, path := range []string{"/api/v1/submissions", "/api/v1/submissions/" + sub.ID} {
		r := app.api(http.MethodGet, path, tokenAll)
		r.wantProblem(t, path+" with the store closed", http.StatusServiceUnavailable, "später")
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", path)
		}
	}
}
