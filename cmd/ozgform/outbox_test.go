package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
)

// outboxDB creates a SQLite database with three messages: one queued, one dead, one
// delivered (its submission delivered 40 days ago, beyond the Hundesteuer's retention).
func outboxDB(t *testing.T) (path string, queued, dead, delivered string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "ozgform.db")
	clock := storetest.NewClock(time.Now().Add(-40 * 24 * time.Hour))
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	ids := map[string]string{}
	for _, dest := range []string{"queued", "dead", "delivered"} {
		id := storetest.NewID()
		s := &engine.Submission{ID: id, Reference: "HST-" + strings.ToUpper(id[:8]), FormID: "hundesteuer", FormVersion: "1.0.0",
			Data: json.RawMessage(`{"name":"Erika Mustermann"}`), DataHash: "h"}
		if dest == "dead" { // a submission to one of the authorities of an Einer-für-Alle form
			s.AuthorityID = "beispielheim"
			s.Authority = &authority.Responsible{ID: "beispielheim", ARS: "089990000002", Authority: forms.Authority{Name: "Gemeinde Beispielheim"}}
		}
		m := &engine.OutboxMessage{ID: storetest.NewID(), Destination: "fv-" + dest}
		if _, _, err := st.Submit(ctx, s, []*engine.OutboxMessage{m}); err != nil {
			t.Fatal(err)
		}
		ids[dest] = m.ID
	}
	for dest, result := range map[string]engine.DeliveryResult{
		"dead":      {State: engine.OutboxDead, Error: "HTTP 500"},
		"delivered": {State: engine.OutboxDelivered},
	} {
		msgs, err := st.ClaimDue(ctx, engine.Claim{Worker: "w", Now: clock.Now(), Limit: 1, Lease: time.Minute, Destinations: []string{"fv-" + dest}})
		if err != nil || len(msgs) != 1 {
			t.Fatal(err)
		}
		if err := st.Complete(ctx, msgs[0].ID, "w", result); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.MarkDestinationDisabled(ctx, "fv-queued", "HTTP 410 Gone", clock.Now()); err != nil {
		t.Fatal(err)
	}
	return path, ids["queued"], ids["dead"], ids["delivered"]
}

func TestOutboxCommands(t *testing.T) {
	db, queued, dead, delivered := outboxDB(t)

	code, out, errOut := run(t, "outbox", "list", "--database", db)
	if code != exitOK {
		t.Fatalf("outbox list: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"Gesperrtes Ziel: fv-queued", "ozgform outbox enable fv-queued", queued, dead, delivered,
		"unzustellbar", "zugestellt", "wartet", "HTTP 500", "Nachricht", "Letzter Fehler"} {
		if !strings.Contains(out, want) {
			t.Errorf("outbox list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Erika") {
		t.Errorf("outbox list shows personal data:\n%s", out)
	}
	if !strings.Contains(out, "Behörde") || !strings.Contains(out, "beispielheim") {
		t.Errorf("outbox list shows no authority column:\n%s", out)
	}
	code, out, _ = run(t, "outbox", "list", "--authority", "beispielheim", "--database", db)
	if code != exitOK || !strings.Contains(out, dead) || strings.Contains(out, queued) || strings.Contains(out, delivered) {
		t.Errorf("outbox list --authority beispielheim: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "outbox", "list", "--state", "dead", "--database", db)
	if code != exitOK || !strings.Contains(out, dead) || strings.Contains(out, queued) {
		t.Errorf("outbox list --state dead: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "outbox", "list", "--state", "tot", "--database", db); code != exitUsage || !strings.Contains(errOut, "--state tot gibt es nicht") {
		t.Errorf("outbox list --state tot: exit %d: %s", code, errOut)
	}

	// retry: a dead message is queued again; a delivered one needs replay.
	code, out, errOut = run(t, "outbox", "retry", dead, "--database", db)
	if code != exitOK || !strings.Contains(out, "wird sofort erneut zugestellt") {
		t.Errorf("outbox retry: exit %d: %s%s", code, out, errOut)
	}
	code, _, errOut = run(t, "outbox", "retry", "--database", db, delivered)
	if code == exitOK || !strings.Contains(errOut, "ozgform outbox replay "+delivered) {
		t.Errorf("outbox retry of a delivered message: exit %d: %s", code, errOut)
	}
	code, out, errOut = run(t, "outbox", "replay", delivered, "--database", db)
	if code != exitOK || !strings.Contains(out, "mit derselben webhook-id "+delivered) {
		t.Errorf("outbox replay: exit %d: %s%s", code, out, errOut)
	}
	code, _, errOut = run(t, "outbox", "replay", queued, "--database", db)
	if code == exitOK || !strings.Contains(errOut, "ist noch unterwegs") {
		t.Errorf("outbox replay of a queued message: exit %d: %s", code, errOut)
	}
	code, _, errOut = run(t, "outbox", "retry", "00000000-0000-0000-0000-000000000000", "--database", db)
	if code == exitOK || !strings.Contains(errOut, "gibt es nicht") {
		t.Errorf("outbox retry of an unknown message: exit %d: %s", code, errOut)
	}
	code, out, _ = run(t, "outbox", "enable", "fv-queued", "--database", db)
	if code != exitOK || !strings.Contains(out, "wieder freigegeben") {
		t.Errorf("outbox enable: exit %d: %s", code, out)
	}
	if _, out, _ = run(t, "outbox", "list", "--database", db); strings.Contains(out, "Gesperrtes Ziel") {
		t.Errorf("still disabled after enable:\n%s", out)
	}

	for _, args := range [][]string{{"outbox"}, {"outbox", "resend", "x"}, {"outbox", "retry"}, {"outbox", "list", "extra"}} {
		if code, _, _ := run(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := run(t, "outbox", "list", "--database", filepath.Join(t.TempDir(), "nix.db")); code == exitOK || !strings.Contains(errOut, "gibt es nicht") {
		t.Errorf("outbox list on a missing database: exit %d: %s", code, errOut)
	}
}

func TestPurgeCommand(t *testing.T) {
	db, _, _, delivered := outboxDB(t)
	code, out, errOut := run(t, "purge", "--forms", "../../examples", "--database", db)
	if code != exitOK {
		t.Fatalf("purge: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "1 Einreichung(en) gelöscht") {
		t.Errorf("purge: %s", out)
	}
	st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	msgs, err := st.ListOutbox(context.Background(), engine.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		s, err := st.Submission(context.Background(), m.SubmissionID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Purged != (m.ID == delivered) {
			t.Errorf("message %s (%s): submission purged = %v", m.ID, m.State, s.Purged)
		}
	}
	if code, _, errOut := run(t, "purge", "--forms", t.TempDir(), "--database", db); code == exitOK || !strings.Contains(errOut, "keine Formulare") {
		t.Errorf("purge without forms: exit %d: %s", code, errOut)
	}
}

// TestBackgroundDelivers wires the worker as serve does: a submission through the observed
// store wakes the worker at once, the webhook carries the real receipt PDF, the metrics count.
func TestBackgroundDelivers(t *testing.T) {
	got := make(chan http.Header, 1)
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(cfgSecret, r.Header.Get(webhook.HeaderID), r.Header.Get(webhook.HeaderTimestamp), b,
			r.Header.Get(webhook.HeaderSignature), time.Now(), webhook.DefaultTolerance); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body = b
		got <- r.Header.Clone()
	}))
	defer srv.Close()
	cfgFile := writeConfig(t, "c.yaml", `
destinations:
  - {name: fv, type: webhook, url: "`+srv.URL+`", secret: `+cfgSecret+`, allowPrivate: true, inline: {receipt: true}}
  - {name: api, type: api}
delivery: {maxAge: 1h}
`)
	cfg, err := loadConfig(cfgFile, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	catalog, _ := forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	if err := cfg.checkForms(catalog); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := prometheus.NewRegistry()
	bg, err := startBackground(context.Background(), cfg, st, catalog, "https://formulare.example.de", reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer bg.Stop()

	f := catalog.Get("hundesteuer")
	data := []byte(`{"halter":{"vorname":"Erika"}}`)
	s := &engine.Submission{ID: storetest.NewID(), Reference: "HST-AAAA-BBBB", FormID: f.Manifest.ID, FormVersion: f.Manifest.Version,
		SchemaHash: f.SchemaHash, Lang: "de", Data: data, DataHash: engine.SHA512Hex(data), AccessToken: "t"}
	var out []*engine.OutboxMessage
	for _, d := range cfg.ServiceDestinations()(f) {
		out = append(out, &engine.OutboxMessage{ID: storetest.NewID(), Destination: d})
	}
	start := time.Now()
	if _, _, err := bg.Store.Submit(context.Background(), s, out); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("delivered after %s: the worker was not woken by the submission", d)
		}
		if h.Get(webhook.HeaderID) != out[0].ID || h.Get(webhook.HeaderBody) != "bundle" {
			t.Errorf("headers: %v", h)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not delivered")
	}
	var bundle struct {
		Files []struct{ Content []byte } `json:"files"`
	}
	if err := json.Unmarshal(body, &bundle); err != nil || len(bundle.Files) != 1 || !strings.HasPrefix(string(bundle.Files[0].Content), "%PDF") {
		t.Fatalf("bundle without the receipt PDF: %v", err)
	}
	bg.Stop()
	if n := testutil.ToFloat64(counterOf(t, reg, "ozgform_submissions_total")); n != 1 {
		t.Errorf("ozgform_submissions_total = %v", n)
	}
	msgs, _ := st.Outbox(context.Background(), s.ID)
	for _, m := range msgs {
		want := engine.OutboxDelivered
		if m.Destination == "api" {
			want = engine.OutboxQueued // pull: waits for the back office
		}
		if m.State != want {
			t.Errorf("message to %s: %s, want %s", m.Destination, m.State, want)
		}
	}
}

func counterOf(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: name})
			c.Add(mf.GetMetric()[0].GetCounter().GetValue())
			return c
		}
	}
	t.Fatalf("metric %s not found", name)
	return nil
}
