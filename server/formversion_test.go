package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
)

const versionTestSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// copyExample copies examples/<id> to dir/<id> and returns the copy's folder.
func copyExample(t *testing.T, dir, id string) string {
	t.Helper()
	src := filepath.Join("..", "examples", id)
	dst := filepath.Join(dir, id)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// versionApp starts the application on the SQLite file dbPath with the forms in dir, as serve
// does: the catalog's versions are saved first. Destinations: the pull API and a webhook.
func versionApp(t *testing.T, dir, dbPath string) *testApp {
	t.Helper()
	cat, problems := forms.LoadCatalog(os.DirFS(dir), ".", forms.Options{})
	if problems.HasErrors() || len(cat.Forms()) == 0 {
		t.Fatalf("catalog: %v", problems)
	}
	store, err := sqlite.Open(context.Background(), dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.NewForms(cat, store).SaveCatalog(context.Background()); err != nil {
		t.Fatal(err)
	}
	svc := &engine.Service{Store: store, Destinations: func(*forms.Form) []string { return []string{"api", "hook"} }}
	s := New(Config{RateLimit: -1, APITokens: apiTokens(), BaseURL: apiBaseURL}, cat, svc, slog.New(slog.DiscardHandler))
	ts := httptest.NewServer(s.Handler())
	app := &testApp{tb: t, server: s, http: ts, store: store, svc: svc, dbPath: dbPath, forms: cat}
	t.Cleanup(func() {
		ts.Close()
		store.Close()
	})
	return app
}

// TestOldFormVersionAfterUpdate: a submission of version 1.0.1 that is not delivered yet when
// the author publishes 1.1.0 (and the server restarts with it) is still served and delivered
// with the files of 1.0.1: its receipt downloads, the pull API builds its envelope, the schema
// the envelope names is published byte for byte, and the webhook delivers it.
func TestOldFormVersionAfterUpdate(t *testing.T) {
	const id = "hundesteuer"
	dbPath := filepath.Join(t.TempDir(), "ozgform.db")
	v1Dir, v2Dir := t.TempDir(), t.TempDir()
	copyExample(t, v1Dir, id)
	v2 := copyExample(t, v2Dir, id)
	manifest, err := os.ReadFile(filepath.Join(v2, "form.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(manifest, []byte(`"version": "1.0.1"`)) {
		t.Fatalf("examples/%s/form.json is no longer version 1.0.1; adapt the test", id)
	}
	manifest = bytes.Replace(manifest, []byte(`"version": "1.0.1"`), []byte(`"version": "1.1.0"`), 1)
	if err := os.WriteFile(filepath.Join(v2, "form.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	// The new version's schema differs in its bytes (a new description), so its hash does.
	schemaV2, err := os.ReadFile(filepath.Join(v2, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	schemaV2 = bytes.Replace(schemaV2, []byte(`{`), []byte(`{"description": "Version 1.1.0", `), 1)
	if err := os.WriteFile(filepath.Join(v2, "schema.json"), schemaV2, 0o644); err != nil {
		t.Fatal(err)
	}
	schemaV1, err := os.ReadFile(filepath.Join(v1Dir, id, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}

	// Version 1.0.1 is served; a citizen submits.
	app1 := versionApp(t, v1Dir, dbPath)
	sub := submitDirect(t, app1, id)
	if sub.FormVersion != "1.0.1" {
		t.Fatalf("submitted version %s", sub.FormVersion)
	}
	app1.http.Close()
	app1.store.Close()

	// The author publishes 1.1.0; the server restarts with it.
	app := versionApp(t, v2Dir, dbPath)
	if v := app.forms.Get(id).Manifest.Version; v != "1.1.0" {
		t.Fatalf("catalog version %s", v)
	}
	ctx := context.Background()

	// The citizen's receipt.
	b := app.browser()
	r := b.get(receiptURL(sub.Reference) + "?token=" + sub.AccessToken)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF-") {
		t.Fatalf("receipt download: %d %s", r.status, r.header.Get("Content-Type"))
	}

	// The pull API: envelope and receipt.
	envResp := app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID, tokenAll).want(t, "envelope", http.StatusOK)
	var env engine.Envelope
	if err := json.Unmarshal(envResp.body, &env); err != nil {
		t.Fatal(err)
	}
	wantURI := apiBaseURL + "/schemas/forms/" + id + "/1.0.1/schema.json"
	if env.Form.Version != "1.0.1" || env.Form.SchemaURI != wantURI || env.Form.SchemaHash.Content != engine.SHA512Hex(schemaV1) {
		t.Errorf("envelope form: %+v, want version 1.0.1, %s and the hash of the old schema", env.Form, wantURI)
	}
	if err := payloadValidator(t).Validate(mustJSON(t, envResp.body)); err != nil {
		t.Errorf("the envelope does not validate: %v", err)
	}
	pdf := app.api(http.MethodGet, "/api/v1/submissions/"+sub.ID+"/receipt", tokenAll).want(t, "API receipt", http.StatusOK)
	if env.Receipt == nil || engine.SHA512Hex(pdf.body) != env.Receipt.Hash.Content {
		t.Errorf("the API receipt is not the one the envelope names")
	}

	// The schema the envelope names, byte for byte; the new version's beside it.
	old := app.api(http.MethodGet, "/schemas/forms/"+id+"/1.0.1/schema.json", "").want(t, "old schema", http.StatusOK)
	if !bytes.Equal(old.body, schemaV1) || engine.SHA512Hex(old.body) != env.Form.SchemaHash.Content {
		t.Error("/schemas/forms/…/1.0.1/schema.json does not serve the old schema's bytes")
	}
	cur := app.api(http.MethodGet, "/schemas/forms/"+id+"/1.1.0/schema.json", "").want(t, "new schema", http.StatusOK)
	if !bytes.Equal(cur.body, schemaV2) {
		t.Error("/schemas/forms/…/1.1.0/schema.json does not serve the new schema's bytes")
	}
	app.api(http.MethodGet, "/schemas/forms/"+id+"/0.9.0/schema.json", "").want(t, "unknown version", http.StatusNotFound)

	// The webhook delivery of the old submission.
	var (
		mu     sync.Mutex
		bodies [][]byte
	)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(versionTestSecret, r.Header.Get(webhook.HeaderID), r.Header.Get(webhook.HeaderTimestamp), body,
			r.Header.Get(webhook.HeaderSignature), time.Now(), webhook.DefaultTolerance); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	dls, err := webhook.Deliverers([]engine.Destination{{Name: "hook", Type: engine.DestinationWebhook, URL: receiver.URL,
		Secret: engine.NewSecret(versionTestSecret), Timeout: 5 * time.Second, AllowPrivate: true}})
	if err != nil {
		t.Fatal(err)
	}
	w := &engine.Worker{Store: app.store, Forms: app.forms, Deliverers: dls, Receipt: RenderReceipt, BaseURL: apiBaseURL,
		PollInterval: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, err := app.store.ListOutbox(ctx, engine.OutboxFilter{SubmissionID: sub.ID, Destination: "hook"})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("outbox: %v %v", msgs, err)
		}
		if msgs[0].State == engine.OutboxDelivered {
			break
		}
		if msgs[0].State == engine.OutboxDead || time.Now().After(deadline) {
			t.Fatalf("the webhook message is %s (%s), not delivered", msgs[0].State, msgs[0].LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 || !bytes.Equal(bodies[0], envResp.body) {
		t.Errorf("the webhook received %d bodies; the first is not the pull API's envelope", len(bodies))
	}
}
