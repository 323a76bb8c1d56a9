package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/server"
)

// The Standard Webhooks test vector (from the convention's reference libraries).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = "1614265330"
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// TestVerifyWebhook: the inline verification accepts the Standard Webhooks test vector and
// refuses what it must.
func TestVerifyWebhook(t *testing.T) {
	keys, err := parseSecrets(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := parseSecrets("whsec_QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD")
	at := time.Unix(1614265330, 0)
	for _, c := range []struct {
		name        string
		keys        [][]byte
		id, ts, sig string
		body        string
		now         time.Time
		want        error
	}{
		{"test vector", keys, vectorID, vectorTimestamp, vectorSignature, vectorPayload, at, nil},
		{"rotation: one of several signatures", keys, vectorID, vectorTimestamp, "v1,AAAA " + vectorSignature, vectorPayload, at, nil},
		{"rotation: one of several secrets", append(other, keys...), vectorID, vectorTimestamp, vectorSignature, vectorPayload, at, nil},
		{"within tolerance", keys, vectorID, vectorTimestamp, vectorSignature, vectorPayload, at.Add(4 * time.Minute), nil},
		{"tampered body", keys, vectorID, vectorTimestamp, vectorSignature, `{"test": 2432232315}`, at, errSignature},
		{"tampered id", keys, "msg_p5jXN8AQM9LWM0D4loKWxJel", vectorTimestamp, vectorSignature, vectorPayload, at, errSignature},
		{"other secret", other, vectorID, vectorTimestamp, vectorSignature, vectorPayload, at, errSignature},
		{"other scheme", keys, vectorID, vectorTimestamp, "v1a," + strings.TrimPrefix(vectorSignature, "v1,"), vectorPayload, at, errSignature},
		{"too old", keys, vectorID, vectorTimestamp, vectorSignature, vectorPayload, at.Add(6 * time.Minute), errTimestamp},
		{"from the future", keys, vectorID, vectorTimestamp, vectorSignature, vectorPayload, at.Add(-6 * time.Minute), errTimestamp},
		{"malformed timestamp", keys, vectorID, "1614265330.0", vectorSignature, vectorPayload, at, errTimestamp},
		{"no signature", keys, vectorID, vectorTimestamp, "", vectorPayload, at, errMissingHeaders},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := verifyWebhook(c.keys, c.id, c.ts, []byte(c.body), c.sig, c.now); got != c.want {
				t.Errorf("verifyWebhook: %v, want %v", got, c.want)
			}
		})
	}
	// And it agrees with what ozgform's signer produces.
	body := []byte(`{"envelope":{}}`)
	if err := verifyWebhook(keys, "a-b", "1700000000", body, webhook.Sign(keys, "a-b", 1700000000, body), time.Unix(1700000000, 0)); err != nil {
		t.Errorf("ozgform's signature: %v", err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{
		"Zulassung Ærø.pdf":          "Zulassung Ærø.pdf",
		"../../etc/passwd":           "_.._etc_passwd",
		".bashrc":                    "bashrc",
		"a\x00b\u202ec.pdf":          "a_b_c.pdf",
		`C:\Users\x\Ausweis (1).pdf`: "C__Users_x_Ausweis _1_.pdf",
	} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := safeName("///"); !strings.HasPrefix(got, "anlage-") && got != "___" {
		t.Errorf("safeName(///) = %q", got)
	}
}

// ozgformServer is an ozgform server in-process, as serve wires it, with a webhook destination
// and a pull destination for every form.
type ozgformServer struct {
	store  *sqlite.Store
	svc    *engine.Service
	forms  *forms.Catalog
	worker *engine.Worker
	http   *httptest.Server
}

const (
	testToken   = "Fachverfahren-Token-0123456789-abcdefghij"
	testBaseURL = "https://formulare.example.de"
)

func startOzgform(t *testing.T, hookURL, secret string) *ozgformServer {
	t.Helper()
	catalog, problems := forms.LoadCatalog(os.DirFS(".."), ".", forms.Options{})
	if problems.HasErrors() {
		t.Fatalf("examples: %v", problems)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dests := []engine.Destination{
		{Name: "fachverfahren", Type: engine.DestinationWebhook, URL: hookURL, Secret: engine.NewSecret(secret),
			Timeout: 10 * time.Second, InlineReceipt: true, InlineAttachments: true, AllowPrivate: true},
		{Name: "abholung", Type: engine.DestinationAPI},
	}
	dls, err := webhook.Deliverers(dests)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	w := &engine.Worker{Store: store, Forms: catalog, Deliverers: dls, Receipt: server.RenderReceipt, BaseURL: testBaseURL,
		PollInterval: 20 * time.Millisecond, Logger: logger}
	svc := &engine.Service{
		Store:        &engine.ObservedStore{Store: store, AfterSubmit: func(*engine.Submission) { w.Notify() }},
		Destinations: engine.DestinationsFor(dests),
	}
	srv := server.New(server.Config{
		RateLimit: -1, BaseURL: testBaseURL,
		APITokens: []engine.APIToken{{Name: "fachverfahren", Hash: engine.HashAPIToken(testToken), Destination: "abholung"}},
	}, catalog, svc, logger)
	ts := httptest.NewServer(srv.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		ts.Close()
		store.Close()
	})
	return &ozgformServer{store: store, svc: svc, forms: catalog, worker: w, http: ts}
}

// submit submits a form's valid sample through the engine, as the web flow ends. Every UUID in
// the sample is an attachment id: it becomes a new file of the draft.
func (o *ozgformServer) submit(t *testing.T, formID string) *engine.Submission {
	t.Helper()
	ctx := context.Background()
	f := o.forms.Get(formID)
	d, err := o.svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join("..", formID, "samples", "valid.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sample any
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatal(err)
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
			if uuidPattern.MatchString(x) {
				content := append([]byte("%PDF-1.7\n"), make([]byte, 3000)...)
				rand.Read(content[9:])
				sum := sha512.Sum512(content)
				a := &engine.StoredAttachment{ID: uuid.NewString(), DraftID: d.ID, Filename: "Zulassung Ærøskøbing.pdf",
					MediaType: "application/pdf", Size: int64(len(content)), SHA512: hex.EncodeToString(sum[:]),
					CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
				if err := o.store.AddAttachment(ctx, a, bytes.NewReader(content)); err != nil {
					t.Fatal(err)
				}
				return a.ID
			}
		}
		return v
	}
	if d.Data, err = json.Marshal(replace(sample)); err != nil {
		t.Fatal(err)
	}
	if err := o.store.UpdateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	sub, errs, err := o.svc.Submit(ctx, f, d)
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit %s: %v %v", formID, errs, err)
	}
	return sub
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// filed reads the submissions filed in an inbox folder: reference → file name → bytes.
func filed(t *testing.T, dir string) map[string]map[string][]byte {
	t.Helper()
	out := map[string]map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		files := map[string][]byte{}
		root := filepath.Join(dir, e.Name())
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			files[filepath.ToSlash(rel)] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = files
	}
	return out
}

// checkFiled checks one filed submission: a valid envelope with a matching data hash, and
// every file it lists with the listed hash.
func checkFiled(t *testing.T, ref string, files map[string][]byte) *envelope {
	t.Helper()
	env, err := parseEnvelope(files["envelope.json"])
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	if hash, err := engine.VerifyEnvelopeData(files["envelope.json"]); err != nil || env.Reference != ref {
		t.Errorf("%s: data hash %s: %v; reference %s", ref, hash, err, env.Reference)
	}
	if len(files) != 1+len(env.Attachments) {
		t.Errorf("%s: %d files filed, want the envelope and %d", ref, len(files), len(env.Attachments))
	}
	for _, a := range env.Attachments {
		name := "attachments/" + a.AttachmentID + "-" + safeName(a.Filename)
		if a.Purpose == "receipt" {
			name = "receipt.pdf"
		}
		b, ok := files[name]
		sum := sha512.Sum512(b)
		if !ok || hex.EncodeToString(sum[:]) != a.Hash.Content {
			t.Errorf("%s: %s missing or not matching its hash", ref, name)
		}
	}
	if env.Receipt == nil || !bytes.HasPrefix(files["receipt.pdf"], []byte("%PDF-")) {
		t.Errorf("%s: no receipt PDF", ref)
	}
	return env
}

// TestEndToEnd: an ozgform server delivers 20 submissions by webhook (receipt and files
// inline) to the back office, which files 20 distinct envelopes with verified signatures; a
// replay under the same webhook-id is deduplicated; then the back office pulls the same
// submissions through the API, files the same bytes and acknowledges them.
func TestEndToEnd(t *testing.T) {
	secret, err := webhook.NewSecret(rand.Read)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := parseSecrets(secret)
	hookDir := t.TempDir()
	inbox, err := openInbox(hookDir)
	if err != nil {
		t.Fatal(err)
	}
	var refused sync.Map
	rc := &Receiver{Inbox: inbox, Secrets: keys, MaxBody: 50 << 20, Log: slog.New(slog.DiscardHandler)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusRecorder{ResponseWriter: w}
		rc.ServeHTTP(rw, r)
		if rw.status >= 300 {
			refused.Store(r.Header.Get("webhook-id"), rw.status)
		}
	}))
	defer hook.Close()
	oz := startOzgform(t, hook.URL, secret)

	ids := map[string]bool{}
	formIDs := []string{}
	for _, f := range oz.forms.Forms() {
		formIDs = append(formIDs, f.Manifest.ID)
	}
	for i := range 20 {
		sub := oz.submit(t, formIDs[i%len(formIDs)])
		ids[sub.ID] = true
	}
	waitFor(t, "20 webhooks filed", func() bool { return rc.Stored.Load() >= 20 })

	got := filed(t, hookDir)
	if len(got) != 20 {
		t.Fatalf("%d submissions filed, want 20", len(got))
	}
	seen := map[string]bool{}
	withFiles := 0
	for ref, files := range got {
		env := checkFiled(t, ref, files)
		if !ids[env.SubmissionID] || seen[env.SubmissionID] {
			t.Errorf("%s: submission %s unknown or filed twice", ref, env.SubmissionID)
		}
		seen[env.SubmissionID] = true
		if len(env.Attachments) > 1 {
			withFiles++
		}
	}
	if markers, _ := os.ReadDir(filepath.Join(hookDir, ".webhook-ids")); len(markers) != 20 {
		t.Errorf("%d webhook-ids remembered, want 20", len(markers))
	}
	refused.Range(func(id, status any) bool {
		t.Errorf("webhook %s answered %d", id, status)
		return true
	})
	t.Logf("20 webhooks filed, %d of them with citizen's files", withFiles)

	// The operator replays a delivered message: the same webhook-id comes again, and the
	// back office files nothing new.
	msgs, err := oz.store.ListOutbox(context.Background(), engine.OutboxFilter{Destination: "fachverfahren", Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("ListOutbox: %v %v", msgs, err)
	}
	if err := oz.store.Replay(context.Background(), msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	oz.worker.Notify()
	waitFor(t, "the replay", func() bool { return rc.Duplicates.Load() == 1 })
	if n := rc.Stored.Load(); n != 20 || len(filed(t, hookDir)) != 20 {
		t.Errorf("after the replay: %d filed", n)
	}

	// A forged webhook is refused and files nothing.
	req, _ := http.NewRequest(http.MethodPost, hook.URL, strings.NewReader(`{}`))
	req.Header.Set("webhook-id", uuid.NewString())
	req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("webhook-signature", "v1,"+strings.Repeat("A", 43)+"=")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged webhook: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	refused.Clear()

	// Pull mode, through the command line, against the API.
	pullDir := t.TempDir()
	getenv := func(name string) string { return map[string]string{"OZGFORM_API_TOKEN": testToken}[name] }
	var log bytes.Buffer
	if err := run(context.Background(), []string{"pull", "--url", oz.http.URL, "--dir", pullDir, "--once"}, getenv, &log); err != nil {
		t.Fatalf("pull: %v\n%s", err, log.String())
	}
	pulled := filed(t, pullDir)
	if len(pulled) != 20 {
		t.Fatalf("%d submissions pulled, want 20\n%s", len(pulled), log.String())
	}
	for ref, files := range pulled {
		checkFiled(t, ref, files)
		// The API hands out the bytes the webhook delivered.
		for name, b := range files {
			if !bytes.Equal(b, got[ref][name]) {
				t.Errorf("%s/%s: pulled and webhook bytes differ", ref, name)
			}
		}
	}
	out, err := oz.store.ListOutbox(context.Background(), engine.OutboxFilter{Destination: "abholung", State: engine.OutboxQueued})
	if err != nil || len(out) != 0 {
		t.Errorf("after the pull %d messages still wait for acknowledgement (%v)", len(out), err)
	}
	// A second pass finds nothing.
	log.Reset()
	if err := run(context.Background(), []string{"pull", "--url", oz.http.URL, "--dir", pullDir, "--once"}, getenv, &log); err != nil || !strings.Contains(log.String(), "stored=0") {
		t.Errorf("second pass: %v\n%s", err, log.String())
	}
	// A wrong token is refused with the server's German explanation.
	bad := func(string) string { return "falsches-Token-0123456789-0123456789" }
	if err := run(context.Background(), []string{"pull", "--url", oz.http.URL, "--dir", pullDir, "--once"}, bad, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "unbekannt") {
		t.Errorf("pull with a wrong token: %v", err)
	}
}

// TestReceiverRefuses: the receiver answers 2xx only for what it filed, and files nothing of a
// webhook whose content does not match its hashes.
func TestReceiverRefuses(t *testing.T) {
	keys, _ := parseSecrets(vectorSecret)
	dir := t.TempDir()
	inbox, _ := openInbox(dir)
	rc := &Receiver{Inbox: inbox, Secrets: keys, MaxBody: 1 << 20, Log: slog.New(slog.DiscardHandler)}
	post := func(id string, body []byte, format string) int {
		ts := time.Now().Unix()
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("webhook-id", id)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
		req.Header.Set("webhook-signature", webhook.Sign(keys, id, ts, body))
		if format != "" {
			req.Header.Set("ozgform-body", format)
		}
		rec := httptest.NewRecorder()
		rc.ServeHTTP(rec, req)
		return rec.Code
	}
	data := `{"a":1}`
	sum := sha512.Sum512([]byte(data))
	env := `{"submissionId":"` + uuid.NewString() + `","reference":"HST-AAAA-BBBB","data":` + data +
		`,"attachments":[],"receipt":null,"metadata":{"contentStructure":{"data":{"hash":{"type":"sha512","content":"` + hex.EncodeToString(sum[:]) + `"}}}}}`
	if code := post("id-1", []byte(strings.Replace(env, `"a":1`, `"a":2`, 1)), ""); code != http.StatusBadRequest {
		t.Errorf("data not matching its hash: %d", code)
	}
	if code := post("id-2", []byte(`{"envelope":`+env+`,"files":[{"attachmentId":"`+uuid.NewString()+`","purpose":"attachment","content":"AAAA"}]}`), "bundle"); code != http.StatusBadRequest {
		t.Errorf("a bundle file the envelope does not list: %d", code)
	}
	if code := post("../../etc", []byte(env), ""); code != http.StatusBadRequest {
		t.Errorf("webhook-id with a path: %d", code)
	}
	if n := len(filed(t, dir)); n != 0 {
		t.Errorf("%d submissions filed from refused webhooks", n)
	}
	if code := post("id-3", []byte(env), ""); code != http.StatusOK {
		t.Errorf("valid envelope: %d", code)
	}
	if code := post("id-4", []byte(env), ""); code != http.StatusOK || rc.Stored.Load() != 2 || len(filed(t, dir)) != 1 {
		t.Errorf("the same submission under another webhook-id: %d, %d stored, %d folders", code, rc.Stored.Load(), len(filed(t, dir)))
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf("temporary folders left: %d", len(entries))
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
