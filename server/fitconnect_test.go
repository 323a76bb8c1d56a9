package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
	"github.com/ozgform/ozgform/engine/fitconnect/fitconnecttest"
	"github.com/ozgform/ozgform/forms"
)

// TestFITConnectExamples: each example form, filled in with its sample's files, goes from
// "Absenden" through the outbox worker to an accepted FIT-Connect submission. The fake
// authority decrypts everything; its data are the envelope's data byte for byte, its files
// the stored files and the receipt PDF; the outcome is in the outbox and the metrics.
func TestFITConnectExamples(t *testing.T) {
	app := newAPIApp(t)
	app.svc.Destinations = func(*forms.Form) []string { return []string{"fit"} }
	var services []string
	for _, f := range app.forms.Forms() {
		services = append(services, fitconnect.LeikaURNPrefix+f.Manifest.LeiKa)
	}
	fake := fitconnecttest.New(services...)
	defer fake.Close()
	dl, err := fitconnect.New(engine.Destination{
		Name: "fit", Type: engine.DestinationFITConnect, AllowPrivate: true,
		FITConnect: &engine.FITConnect{
			SubmissionAPI: fake.URL, TokenURL: fake.TokenURL(), ClientID: fake.ClientID,
			ClientSecret: engine.NewSecret(fake.ClientSecret), DestinationID: fake.DestinationID, TrustAnchors: fake.CAPEM,
		},
	}, fitconnect.Options{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	reg := prometheus.NewRegistry()
	metrics, err := engine.NewMetrics(reg, app.store, []string{"fit"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &engine.Worker{Store: app.store, Forms: app.forms, Deliverers: map[string]engine.Deliverer{"fit": dl},
		Receipt: RenderReceipt, BaseURL: apiBaseURL, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), Metrics: metrics}
	ctx := t.Context()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	defer func() { cancel(); <-done }()

	for _, f := range app.forms.Forms() {
		t.Run(f.Manifest.ID, func(t *testing.T) {
			_, sub := submitSample(t, app, f.Manifest.ID)
			w.Notify()
			msg := waitDelivered(t, app.store, sub.ID)
			p, ok := fitconnect.ParseProgress(msg.Progress)
			if !ok || p.Status != fitconnect.StatusAccepted {
				t.Fatalf("progress %s", msg.Progress)
			}
			var got *fitconnecttest.Submission
			for _, s := range fake.Submitted() {
				if s.ID == p.SubmissionID {
					got = &s
				}
			}
			if got == nil || got.Status != "accepted" {
				t.Fatalf("FIT-Connect submission %s: %+v", p.SubmissionID, got)
			}
			atts, err := engine.AttachmentsOf(ctx, app.store, sub)
			if err != nil {
				t.Fatal(err)
			}
			pruned, _ := f.Prune(loadSample(t, f.Manifest.ID, "valid"))
			if want := attachmentCount(f, pruned); len(atts) != want {
				t.Errorf("%d files with the submission, the sample has %d", len(atts), want)
			}
			env, receipt, err := engine.PrepareEnvelope(f, sub, apiBaseURL, RenderReceipt, atts...)
			if err != nil {
				t.Fatal(err)
			}
			var parts struct {
				Data json.RawMessage `json:"data"`
			}
			json.Unmarshal(env, &parts)
			if !bytes.Equal(got.Data, parts.Data) || !bytes.Equal(got.Data, sub.Data) {
				t.Errorf("decrypted data differ from the envelope's:\n got %s\nwant %s", got.Data, parts.Data)
			}
			if len(got.Attachments) != len(atts)+1 {
				t.Errorf("%d files at FIT-Connect, want %d and the receipt", len(got.Attachments), len(atts))
			}
			view := deliveriesView(t, app, sub.ID)
			if len(view.Deliveries) != 1 || view.Deliveries[0].State != "delivered" || view.Deliveries[0].FITConnect == nil ||
				view.Deliveries[0].FITConnect.Status != "accepted" || view.Deliveries[0].FITConnect.SubmissionID != got.ID {
				t.Errorf("the pull API's view: %+v", view)
			}
			if !bytes.Equal(got.Attachments[receipt.AttachmentID], receipt.Content) {
				t.Error("the decrypted receipt differs from the receipt PDF")
			}
			for _, a := range atts {
				_, r, err := app.store.OpenAttachment(ctx, sub.ID, a.AttachmentID)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(r)
				r.Close()
				if !bytes.Equal(got.Attachments[a.AttachmentID], b) {
					t.Errorf("file %s differs after decryption", a.Filename)
				}
			}
		})
	}
	// The authority takes its time: the worker polls the event log (attempts counted as
	// pending, not as failures) until the acceptance arrives.
	fake.Lock()
	fake.Decide = false
	fake.Unlock()
	_, slow := submitSample(t, app, "hundesteuer")
	w.Notify()
	for deadline := time.Now().Add(30 * time.Second); ; {
		msgs, _ := app.store.Outbox(ctx, slow.ID)
		p, _ := fitconnect.ParseProgress(msgs[0].Progress)
		if p.Status == fitconnect.StatusSubmitted && msgs[0].Attempts >= 2 {
			fake.DecideNow(p.SubmissionID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not polling the event log: %+v %s", msgs[0], msgs[0].Progress)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitDelivered(t, app.store, slow.ID)
	if got := counterValue(t, reg, "ozgform_delivery_attempts_total", "state", "pending"); got < 2 {
		t.Errorf("ozgform_delivery_attempts_total{state=pending} = %v, want ≥ 2", got)
	}
	if got := counterValue(t, reg, "ozgform_delivery_attempts_total", "state", "retry"); got != 0 {
		t.Errorf("ozgform_delivery_attempts_total{state=retry} = %v: waiting for the authority counted as failure", got)
	}
	fake.Lock()
	fake.Decide = true
	fake.Unlock()

	// The authority rejects: dead letter with its reasons, shown by the pull API.
	fake.Lock()
	fake.RejectAll = true
	fake.Unlock()
	_, sub := submitSample(t, app, "hundesteuer")
	w.Notify()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, _ := app.store.Outbox(ctx, sub.ID)
		if len(msgs) == 1 && msgs[0].State == engine.OutboxDead {
			if !strings.Contains(msgs[0].LastError, "the authority rejected submission") {
				t.Errorf("last error %q", msgs[0].LastError)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not dead after a rejection: %+v", msgs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	view := deliveriesView(t, app, sub.ID)
	if fc := view.Deliveries[0].FITConnect; fc == nil || fc.Status != "rejected" || len(fc.Problems) == 0 || view.Deliveries[0].LastError == nil {
		t.Errorf("the pull API's view of a rejection: %+v", view.Deliveries[0])
	}
	app.api("GET", "/api/v1/submissions/nope/deliveries", tokenAll).wantProblem(t, "bad id", 404, "keine Einreichungs-ID")
	app.api("GET", "/api/v1/submissions/"+sub.ID+"/deliveries", "").wantProblem(t, "no token", 401, "")
	if got := milestoneCount(t, reg, "rejected"); got != 1 {
		t.Errorf("ozgform_delivery_milestones_total{milestone=rejected} = %v", got)
	}
	if n := len(fake.Submissions()); n != len(app.forms.Forms())+2 {
		t.Errorf("%d FIT-Connect submissions created, want one per submission", n)
	}
	if got := milestoneCount(t, reg, "accepted"); got != float64(len(app.forms.Forms())+1) {
		t.Errorf("ozgform_delivery_milestones_total{milestone=accepted} = %v", got)
	}
}

type deliveries struct {
	SubmissionID string        `json:"submissionId"`
	Deliveries   []apiDelivery `json:"deliveries"`
}

// deliveriesView is GET /api/v1/submissions/{id}/deliveries.
func deliveriesView(tb testing.TB, app *testApp, id string) deliveries {
	tb.Helper()
	r := app.api("GET", "/api/v1/submissions/"+id+"/deliveries", tokenAll).want(tb, "deliveries", 200)
	var d deliveries
	if err := json.Unmarshal(r.body, &d); err != nil || d.SubmissionID != id {
		tb.Fatalf("deliveries: %v\n%s", err, r.body)
	}
	return d
}

// waitDelivered waits until the submission's only message is delivered and returns it.
func waitDelivered(tb testing.TB, store engine.Store, submissionID string) *engine.OutboxMessage {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, err := store.Outbox(context.Background(), submissionID)
		if err != nil || len(msgs) != 1 {
			tb.Fatalf("outbox: %d messages, %v", len(msgs), err)
		}
		if msgs[0].State == engine.OutboxDelivered {
			return msgs[0]
		}
		if msgs[0].State == engine.OutboxDead || time.Now().After(deadline) {
			tb.Fatalf("message %s: %s, %s", msgs[0].ID, msgs[0].State, msgs[0].LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func milestoneCount(tb testing.TB, reg *prometheus.Registry, milestone string) float64 {
	tb.Helper()
	return counterValue(tb, reg, "ozgform_delivery_milestones_total", "milestone", milestone)
}

// counterValue sums the counter name over the series whose label has value.
func counterValue(tb testing.TB, reg *prometheus.Registry, name, label, value string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		sum := 0.0
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					sum += m.GetCounter().GetValue()
				}
			}
		}
		return sum
	}
	return 0
}
