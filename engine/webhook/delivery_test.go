package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/storetest"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
)

// fastBackoff keeps the retry tests short.
var fastBackoff = engine.Backoff{Base: 20 * time.Millisecond, Cap: 300 * time.Millisecond}

// TestReceiverDownThenBack: 1,000 submissions while the receiver is down, first refusing
// connections (nothing listens on its port), then answering 503 with Retry-After: 1, then
// back. All 1,000 arrive, under 1,000 distinct webhook-ids, none is dead.
func TestReceiverDownThenBack(t *testing.T) {
	const n = 1000
	st := openSQLite(t, time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // phase 1: connection refused

	ids := submitN(t, st, n, "fachverfahren", time.Now)
	rc := newReceiver(t)
	var unavailable atomic.Bool
	unavailable.Store(true)
	var answered503 atomic.Int64
	rc.respond = func(w http.ResponseWriter, r *http.Request) bool {
		if unavailable.Load() {
			answered503.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return false
		}
		return true
	}
	w := &engine.Worker{
		Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers:  deliverers(t, hook("fachverfahren", "http://"+addr+"/webhook")),
		Concurrency: 16, PollInterval: 20 * time.Millisecond, Backoff: fastBackoff,
		Logger: testLogger(t),
	}
	runWorker(t, w)

	waitFor(t, 10*time.Second, "connection-refused failures", func() bool {
		return states(t, st, "fachverfahren")[engine.OutboxRetry] > 0
	})
	time.Sleep(500 * time.Millisecond)
	// Phase 2: the receiver is up on the same address but answers 503.
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: rc}}
	srv.Start()
	defer srv.Close()
	waitFor(t, 10*time.Second, "503 answers", func() bool { return answered503.Load() >= 100 })
	time.Sleep(1500 * time.Millisecond)
	// Phase 3: back.
	unavailable.Store(false)
	waitFor(t, 25*time.Second, "all submissions to arrive", func() bool { return rc.count() == n })
	waitFor(t, 5*time.Second, "all messages to be recorded delivered", func() bool {
		return states(t, st, "fachverfahren")[engine.OutboxDelivered] == n
	})

	for _, id := range ids {
		if _, ok := rc.delivered[id]; !ok {
			t.Errorf("message %s never arrived", id)
		}
	}
	if got := states(t, st, "fachverfahren"); got[engine.OutboxDead] != 0 || got[engine.OutboxDelivered] != n {
		t.Errorf("outbox: %s", fmtStates(got))
	}
	if rc.badSigs.Load() != 0 || rc.overlaps.Load() != 0 {
		t.Errorf("%d bad signatures, %d overlapping requests", rc.badSigs.Load(), rc.overlaps.Load())
	}
	t.Logf("%d requests for %d messages (%d answered 503)", rc.requests.Load(), n, answered503.Load())
}

// twoWorkers delivers n submissions with two workers on two stores (which may be the same)
// and checks that no webhook-id is ever in flight twice.
func twoWorkers(t *testing.T, a, b engine.Store, n int) {
	rc := newReceiver(t)
	rc.delay = func() time.Duration { return time.Duration(rand.IntN(3000)) * time.Microsecond }
	url := rc.start(t)
	ids := submitN(t, a, n, "fachverfahren", time.Now)
	var stops []func()
	for i, st := range []engine.Store{a, b} {
		w := &engine.Worker{
			Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
			Name:       "instance-" + string(rune('a'+i)),
			Deliverers: deliverers(t, hook("fachverfahren", url)), Concurrency: 8,
			PollInterval: 10 * time.Millisecond, Backoff: fastBackoff, Logger: testLogger(t),
		}
		stops = append(stops, runWorker(t, w))
	}
	waitFor(t, 60*time.Second, "all submissions to arrive", func() bool { return rc.count() == n })
	for _, stop := range stops {
		stop()
	}
	if rc.overlaps.Load() != 0 {
		t.Errorf("a webhook-id was in flight twice %d times", rc.overlaps.Load())
	}
	if got := rc.requests.Load(); got != int64(n) {
		t.Errorf("%d requests for %d messages: some were sent twice", got, n)
	}
	for _, id := range ids {
		if _, ok := rc.delivered[id]; !ok {
			t.Errorf("message %s never arrived", id)
		}
	}
	if got := states(t, a, "fachverfahren"); got[engine.OutboxDelivered] != n {
		t.Errorf("outbox: %s", fmtStates(got))
	}
}

// TestTwoInstancesPostgres: two instances (two stores, two workers) on one PostgreSQL.
func TestTwoInstancesPostgres(t *testing.T) {
	u := postgresURL(t)
	a := openPostgres(t, u, time.Now)
	b := openPostgres(t, u, time.Now)
	twoWorkers(t, a, b, 1000)
}

// TestTwoWorkersSQLite: two workers in one process on one SQLite store.
func TestTwoWorkersSQLite(t *testing.T) {
	st := openSQLite(t, time.Now)
	twoWorkers(t, st, st, 1000)
}

// TestGoneDisablesDestination: a 410 disables the destination (store, metric); its messages
// wait until an operator enables it again.
func TestGoneDisablesDestination(t *testing.T) {
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	var gone atomic.Bool
	gone.Store(true)
	rc.respond = func(w http.ResponseWriter, r *http.Request) bool {
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
			return false
		}
		return true
	}
	url := rc.start(t)
	reg := prometheus.NewRegistry()
	metrics, err := engine.NewMetrics(reg, st, []string{"fachverfahren"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	submitN(t, st, 1, "fachverfahren", time.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("fachverfahren", url)), PollInterval: 10 * time.Millisecond,
		Backoff: engine.Backoff{Base: time.Millisecond, Cap: time.Millisecond}, Metrics: metrics, Logger: testLogger(t)}
	runWorker(t, w)
	waitFor(t, 5*time.Second, "the destination to be disabled", func() bool {
		d, _ := st.DisabledDestinations(context.Background())
		return len(d) == 1 && d[0].Name == "fachverfahren" && d[0].Reason == "HTTP 410 Gone"
	})
	submitN(t, st, 3, "fachverfahren", time.Now)
	time.Sleep(200 * time.Millisecond)
	if got := rc.requests.Load(); got != 1 {
		t.Errorf("%d requests after the 410, want only the one that was answered 410", got)
	}
	if got := testutil.ToFloat64(metricVec(t, reg, "ozgform_destination_disabled", "fachverfahren")); got != 1 {
		t.Errorf("ozgform_destination_disabled = %v, want 1", got)
	}

	gone.Store(false)
	if err := st.EnableDestination(context.Background(), "fachverfahren"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "delivery after enabling", func() bool { return rc.count() == 4 })
}

// metricVec returns a collector that yields the one sample of metric name with the label
// value, read from the registry.
func metricVec(t *testing.T, reg *prometheus.Registry, name, label string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name})
					g.Set(m.GetGauge().GetValue() + m.GetCounter().GetValue())
					return g
				}
			}
		}
	}
	t.Fatalf("metric %s{%s} not found", name, label)
	return nil
}

// TestPrivateAddressRefused: a destination on 127.0.0.1 is refused without allowPrivate,
// also when the name only resolves there, and served with it.
func TestPrivateAddressRefused(t *testing.T) {
	rc := newReceiver(t)
	url := rc.start(t)
	st := openSQLite(t, time.Now)
	submitN(t, st, 1, "x", time.Now)
	s := newSubmission(t, time.Now())
	d := engine.Delivery{MessageID: "msg_1", Destination: "x", Attempt: 1, Submission: s, Envelope: []byte(`{}`)}

	// IPv4-compatible and IPv4-translated IPv6 forms of the loopback address (issue 14,
	// point 5): refused before the dial, like 127.0.0.1 itself.
	for _, u := range []string{url, strings.Replace(url, "127.0.0.1", "localhost", 1),
		strings.Replace(url, "127.0.0.1", "[::127.0.0.1]", 1), strings.Replace(url, "127.0.0.1", "[::ffff:0:127.0.0.1]", 1)} {
		dest := hook("x", u)
		dest.AllowPrivate = false
		dl, err := webhook.New(dest, webhook.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out := dl.Deliver(t.Context(), d)
		if out.Delivered || !strings.Contains(out.Error, "address not allowed") {
			t.Errorf("%s without allowPrivate: %+v, want refused", u, out)
		}
	}
	if rc.requests.Load() != 0 {
		t.Fatalf("the receiver got %d requests", rc.requests.Load())
	}
	dl, err := webhook.New(hook("x", url), webhook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out := dl.Deliver(t.Context(), d); !out.Delivered || out.Status != http.StatusNoContent {
		t.Fatalf("with allowPrivate: %+v", out)
	}
}

// TestRedirectNotFollowed: a 3xx is a failure, and the target is never asked.
func TestRedirectNotFollowed(t *testing.T) {
	target := newReceiver(t)
	targetURL := target.start(t)
	redirect := httptest.NewServer(http.RedirectHandler(targetURL, http.StatusTemporaryRedirect))
	defer redirect.Close()
	dl, err := webhook.New(hook("x", redirect.URL), webhook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := dl.Deliver(t.Context(), engine.Delivery{MessageID: "m", Envelope: []byte(`{}`)})
	if out.Delivered || out.Status != http.StatusTemporaryRedirect || target.requests.Load() != 0 {
		t.Fatalf("redirect: %+v, target asked %d times", out, target.requests.Load())
	}
}

// TestRetryAfterHonoured: the next attempt is not before the receiver's Retry-After, even
// when the backoff would be shorter.
func TestRetryAfterHonoured(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	st := openSQLite(t, clock.Now)
	rc := newReceiver(t)
	rc.respond = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
		return false
	}
	url := rc.start(t)
	ids := submitN(t, st, 1, "x", clock.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("x", url)), Now: clock.Now, PollInterval: 10 * time.Millisecond,
		Backoff: engine.Backoff{Base: time.Millisecond, Cap: time.Millisecond}, Logger: testLogger(t)}
	runWorker(t, w)
	var m *engine.OutboxMessage
	waitFor(t, 5*time.Second, "the retry", func() bool {
		msgs, _ := st.ListOutbox(context.Background(), engine.OutboxFilter{State: engine.OutboxRetry})
		if len(msgs) == 1 {
			m = msgs[0]
		}
		return m != nil
	})
	if m.ID != ids[0] || m.LastError != "HTTP 429" || m.NextAttemptAt.Sub(clock.Now()) < 120*time.Second {
		t.Fatalf("retry: %+v, next attempt in %s, want ≥ 120 s", m, m.NextAttemptAt.Sub(clock.Now()))
	}
	clock.Advance(119 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if got := rc.requests.Load(); got != 1 {
		t.Fatalf("%d requests before Retry-After passed", got)
	}
	clock.Advance(time.Second)
	waitFor(t, 5*time.Second, "the second attempt", func() bool { return rc.requests.Load() == 2 })
}

// TestMaxAgeDead: a message that keeps failing is dead once it is older than MaxAge; the last
// attempt is made at MaxAge even when the backoff would wait longer.
func TestMaxAgeDead(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	st := openSQLite(t, clock.Now)
	rc := newReceiver(t)
	rc.respond = func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusInternalServerError)
		return false
	}
	url := rc.start(t)
	submitN(t, st, 1, "x", clock.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("x", url)), Now: clock.Now, PollInterval: 10 * time.Millisecond,
		MaxAge: time.Hour, Backoff: engine.Backoff{Base: 50 * time.Minute, Cap: 50 * time.Minute, Rand: func() float64 { return 0.99 }},
		Logger: testLogger(t)}
	runWorker(t, w)
	waitFor(t, 5*time.Second, "the first failure", func() bool { return states(t, st, "x")[engine.OutboxRetry] == 1 })
	clock.Advance(50 * time.Minute) // second attempt: the backoff (49.5 min) would pass MaxAge
	waitFor(t, 5*time.Second, "the second failure", func() bool { return rc.requests.Load() == 2 && states(t, st, "x")[engine.OutboxRetry] == 1 })
	msgs, _ := st.ListOutbox(context.Background(), engine.OutboxFilter{})
	if next := msgs[0].NextAttemptAt.Sub(msgs[0].QueuedAt); next != time.Hour {
		t.Fatalf("last attempt %s after queueing, want exactly MaxAge", next)
	}
	clock.Advance(10 * time.Minute)
	waitFor(t, 5*time.Second, "the dead letter", func() bool { return states(t, st, "x")[engine.OutboxDead] == 1 })
	msgs, _ = st.ListOutbox(context.Background(), engine.OutboxFilter{})
	if msgs[0].Attempts != 3 || msgs[0].LastError != "HTTP 500" {
		t.Errorf("dead message: %+v", msgs[0])
	}
	// An operator's retry starts the maximum age afresh.
	if err := st.RetryNow(context.Background(), msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the retried attempt", func() bool { return rc.requests.Load() == 4 })
	waitFor(t, 5*time.Second, "retry state", func() bool { return states(t, st, "x")[engine.OutboxRetry] == 1 })
}

// TestShutdownReleases: at shutdown, deliveries that do not finish within the grace period
// are cut off and their messages released: queued again, the attempt not counted.
func TestShutdownReleases(t *testing.T) {
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	block := make(chan struct{})
	var started atomic.Int64
	rc.respond = func(w http.ResponseWriter, r *http.Request) bool {
		started.Add(1)
		select {
		case <-block:
		case <-r.Context().Done():
		}
		return true
	}
	url := rc.start(t)
	defer close(block)
	submitN(t, st, 6, "x", time.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("x", url)), Concurrency: 4, PollInterval: 10 * time.Millisecond,
		Grace: 200 * time.Millisecond, Logger: testLogger(t)}
	stop := runWorker(t, w)
	waitFor(t, 5*time.Second, "4 deliveries in flight", func() bool { return started.Load() == 4 })
	if got := states(t, st, "x"); got[engine.OutboxSending] != 4 || got[engine.OutboxQueued] != 2 {
		t.Fatalf("before shutdown: %s", fmtStates(got))
	}
	begin := time.Now()
	stop()
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	msgs, _ := st.ListOutbox(context.Background(), engine.OutboxFilter{})
	for _, m := range msgs {
		if m.State != engine.OutboxQueued || m.Attempts != 0 || m.Worker != "" {
			t.Errorf("after shutdown: %+v", m)
		}
	}
}

// TestShutdownWaitsForInFlight: deliveries that finish within the grace period are recorded.
func TestShutdownWaitsForInFlight(t *testing.T) {
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	var started atomic.Int64
	rc.delay = func() time.Duration { started.Add(1); return 300 * time.Millisecond }
	url := rc.start(t)
	submitN(t, st, 2, "x", time.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("x", url)), PollInterval: 10 * time.Millisecond, Grace: 5 * time.Second}
	stop := runWorker(t, w)
	waitFor(t, 5*time.Second, "deliveries in flight", func() bool { return started.Load() == 2 })
	stop()
	if got := states(t, st, "x"); got[engine.OutboxDelivered] != 2 {
		t.Fatalf("after shutdown: %s", fmtStates(got))
	}
}

// TestInlineReceipt: a destination with inline receipt gets a bundle whose envelope is
// byte-for-byte the envelope and whose file matches the hash the envelope names.
func TestInlineReceipt(t *testing.T) {
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	url := rc.start(t)
	dest := hook("x", url)
	dest.InlineReceipt = true
	ids := submitN(t, st, 1, "x", time.Now)
	var gotHash string
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, dest), PollInterval: 10 * time.Millisecond,
		Receipt: func(form *forms.Form, s *engine.Submission, payloadHash string, _ []engine.Attachment) ([]byte, error) {
			gotHash = payloadHash
			return []byte("%PDF-1.7 receipt of " + s.Reference), nil
		}}
	runWorker(t, w)
	waitFor(t, 5*time.Second, "delivery", func() bool { return rc.count() == 1 })
	body, hdr := rc.bodies[ids[0]], rc.headers[ids[0]]
	if hdr.Get(webhook.HeaderBody) != "bundle" || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", hdr)
	}
	var bundle struct {
		Envelope json.RawMessage `json:"envelope"`
		Files    []struct {
			AttachmentID, Purpose, Filename, MediaType, SHA512 string
			Content                                            []byte
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &bundle); err != nil {
		t.Fatal(err)
	}
	var env engine.Envelope
	if err := json.Unmarshal(bundle.Envelope, &env); err != nil {
		t.Fatal(err)
	}
	if len(bundle.Files) != 1 || env.Receipt == nil {
		t.Fatalf("bundle: %d files, receipt %v", len(bundle.Files), env.Receipt)
	}
	f := bundle.Files[0]
	if f.Purpose != "receipt" || f.AttachmentID != env.Receipt.AttachmentID || engine.SHA512Hex(f.Content) != env.Receipt.Hash.Content ||
		!bytes.HasPrefix(f.Content, []byte("%PDF")) || f.Filename != env.Receipt.Filename {
		t.Errorf("receipt file %+v does not match the envelope's %+v", f, env.Receipt)
	}
	if gotHash != env.Metadata.ContentStructure.Data.Hash.Content {
		t.Errorf("the receipt renderer got hash %s, want the data hash", gotHash)
	}
	// The envelope inside is canonical: re-marshalling gives the same bytes.
	again, err := env.Marshal()
	if err != nil || !bytes.Equal(again, bundle.Envelope) {
		t.Errorf("envelope in the bundle is not byte for byte the canonical envelope")
	}
}

// TestMetricsAfterDelivery: the counters, the latency histogram and the outbox gauges.
func TestMetricsAfterDelivery(t *testing.T) {
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	url := rc.start(t)
	reg := prometheus.NewRegistry()
	m, err := engine.NewMetrics(reg, st, []string{"x", "api"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obs := &engine.ObservedStore{Store: st, AfterSubmit: func(s *engine.Submission) { m.SubmissionCreated(s.FormID) }}
	submitN(t, obs, 5, "x", time.Now)
	submitN(t, obs, 2, "api", time.Now)
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, hook("x", url)), PollInterval: 10 * time.Millisecond, Metrics: m}
	runWorker(t, w)
	waitFor(t, 5*time.Second, "delivery", func() bool { return rc.count() == 5 })
	waitFor(t, 5*time.Second, "outcomes recorded", func() bool { return states(t, st, "x")[engine.OutboxDelivered] == 5 })

	expected := `
# HELP ozgform_outbox_messages Outbox messages not yet delivered, by destination and state (queued, sending, retry, dead).
# TYPE ozgform_outbox_messages gauge
ozgform_outbox_messages{destination="api",state="dead"} 0
ozgform_outbox_messages{destination="api",state="queued"} 2
ozgform_outbox_messages{destination="api",state="retry"} 0
ozgform_outbox_messages{destination="api",state="sending"} 0
ozgform_outbox_messages{destination="x",state="dead"} 0
ozgform_outbox_messages{destination="x",state="queued"} 0
ozgform_outbox_messages{destination="x",state="retry"} 0
ozgform_outbox_messages{destination="x",state="sending"} 0
# HELP ozgform_submissions_total Submissions committed by this process, by form.
# TYPE ozgform_submissions_total counter
ozgform_submissions_total{form="hundesteuer"} 7
# HELP ozgform_delivery_attempts_total Delivery attempts by destination and the state they left the message in (delivered, retry, dead, queued = released at shutdown, pending = under way, waiting for the receiver's answer, e.g. FIT-Connect's acceptance).
# TYPE ozgform_delivery_attempts_total counter
ozgform_delivery_attempts_total{destination="x",state="delivered"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected),
		"ozgform_outbox_messages", "ozgform_submissions_total", "ozgform_delivery_attempts_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "ozgform_delivery_latency_seconds"); n != 1 {
		t.Errorf("latency histogram: %d series", n)
	}
	if n, err := testutil.GatherAndCount(reg, "ozgform_outbox_oldest_pending_age_seconds"); err != nil || n != 2 {
		t.Errorf("queue age gauge: %d series, %v", n, err)
	}
}

func TestBackoff(t *testing.T) {
	b := engine.Backoff{Base: 10 * time.Second, Cap: time.Hour, Rand: func() float64 { return 0.5 }}
	for attempt, want := range map[int]time.Duration{
		1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 9: 1280 * time.Second, 10: 30 * time.Minute, 60: 30 * time.Minute,
	} {
		if got := b.Delay(attempt, 0); got != want {
			t.Errorf("Delay(%d) = %s, want %s", attempt, got, want)
		}
	}
	if got := b.Delay(1, time.Minute); got != time.Minute {
		t.Errorf("Delay with Retry-After 1 min = %s", got)
	}
	// Full jitter: anywhere between 0 and the window.
	b.Rand = nil
	for range 1000 {
		if d := b.Delay(3, 0); d < 0 || d >= 40*time.Second {
			t.Fatalf("Delay(3) = %s, want in [0, 40 s)", d)
		}
	}
}

// TestInlineAttachments: the envelope lists the submission's files; a destination with inline
// attachments gets their bytes in the bundle, one without gets the bare envelope.
func TestInlineAttachments(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t, time.Now)
	rc := newReceiver(t)
	url := rc.start(t)
	withFiles, bare := hook("mit", url), hook("ohne", url)
	withFiles.InlineAttachments = true

	now := time.Now()
	d := &engine.Draft{ID: uuid.NewString(), FormID: "hundesteuer", Data: []byte(`{}`), ExpiresAt: now.Add(time.Hour)}
	if err := st.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	content := []byte("%PDF-1.7 Impfpass")
	a := &engine.StoredAttachment{ID: uuid.NewString(), DraftID: d.ID, Filename: "Impfpass.pdf", MediaType: "application/pdf",
		Size: int64(len(content)), SHA512: engine.SHA512Hex(content), CreatedAt: now}
	if err := st.AddAttachment(ctx, a, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	s := newSubmission(t, now)
	s.DraftID, s.AttachmentIDs = d.ID, []string{a.ID}
	out := []*engine.OutboxMessage{{ID: uuid.NewString(), Destination: "mit"}, {ID: uuid.NewString(), Destination: "ohne"}}
	if _, _, err := st.Submit(ctx, s, out); err != nil {
		t.Fatal(err)
	}
	w := &engine.Worker{Store: st, Forms: testCatalog(t), BaseURL: "https://formulare.example.de",
		Deliverers: deliverers(t, withFiles, bare), PollInterval: 10 * time.Millisecond}
	runWorker(t, w)
	waitFor(t, 5*time.Second, "delivery", func() bool { return rc.count() == 2 })

	var bundle struct {
		Envelope engine.Envelope `json:"envelope"`
		Files    []struct {
			AttachmentID, Purpose, SHA512 string
			Content                       []byte
		} `json:"files"`
	}
	if err := json.Unmarshal(rc.bodies[out[0].ID], &bundle); err != nil {
		t.Fatal(err)
	}
	if len(bundle.Envelope.Attachments) != 1 || bundle.Envelope.Attachments[0].AttachmentID != a.ID ||
		bundle.Envelope.Attachments[0].Hash.Content != a.SHA512 {
		t.Errorf("envelope attachments: %+v", bundle.Envelope.Attachments)
	}
	if len(bundle.Files) != 1 || bundle.Files[0].AttachmentID != a.ID || !bytes.Equal(bundle.Files[0].Content, content) ||
		bundle.Files[0].Purpose != "attachment" {
		t.Errorf("bundle files: %+v", bundle.Files)
	}
	var env engine.Envelope
	if err := json.Unmarshal(rc.bodies[out[1].ID], &env); err != nil || rc.headers[out[1].ID].Get(webhook.HeaderBody) != "envelope" {
		t.Fatalf("bare envelope: %v", err)
	}
	if len(env.Attachments) != 1 || env.Attachments[0].AttachmentID != a.ID {
		t.Errorf("bare envelope attachments: %+v", env.Attachments)
	}
}
