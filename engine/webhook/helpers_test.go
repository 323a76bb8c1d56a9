package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/postgres"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// testSecret is the signing secret of the test destinations.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var (
	catalogOnce sync.Once
	catalog     *forms.Catalog
)

func testCatalog(tb testing.TB) *forms.Catalog {
	tb.Helper()
	catalogOnce.Do(func() {
		catalog, _ = forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	})
	if catalog.Get("hundesteuer") == nil {
		tb.Fatal("example hundesteuer not loaded")
	}
	return catalog
}

// newSubmission returns a submission of the Hundesteuer form whose envelope can be built.
func newSubmission(tb testing.TB, now time.Time) *engine.Submission {
	f := testCatalog(tb).Get("hundesteuer")
	id := uuid.NewString()
	data := []byte(`{"n":"` + id + `"}`)
	return &engine.Submission{
		ID:          id,
		Reference:   "HST-" + strings.ToUpper(strings.ReplaceAll(id, "-", "")[:12]),
		FormID:      f.Manifest.ID,
		FormVersion: f.Manifest.Version,
		SchemaHash:  f.SchemaHash,
		Lang:        "de",
		Data:        data,
		DataHash:    engine.SHA512Hex(data),
		SubmittedAt: now,
		AccessToken: uuid.NewString(),
	}
}

// submitN commits n submissions with one message each to destination, 16 at a time (so that
// SQLite's group commit batches them), and returns the message ids.
func submitN(tb testing.TB, st engine.Store, n int, destination string, now func() time.Time) []string {
	tb.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s := newSubmission(tb, now())
			m := &engine.OutboxMessage{ID: uuid.NewString(), Destination: destination}
			if _, _, err := st.Submit(context.Background(), s, []*engine.OutboxMessage{m}); err != nil {
				tb.Errorf("Submit: %v", err)
			}
			ids[i] = m.ID
		})
	}
	wg.Wait()
	return ids
}

func openSQLite(tb testing.TB, now func() time.Time) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "ozgform.db"), sqlite.Options{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// postgresURL returns a URL of a fresh schema in the test database (storetest.PostgresSchema).
func postgresURL(tb testing.TB) string {
	tb.Helper()
	return storetest.PostgresSchema(tb, "ozgform_webhook")
}

func openPostgres(tb testing.TB, u string, now func() time.Time) *postgres.Store {
	tb.Helper()
	st, err := postgres.Open(context.Background(), u, postgres.Options{Now: now, MaxConns: 20})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// receiver is a back office: it verifies every webhook, records the ids it confirmed and
// checks that no id is ever in flight twice.
type receiver struct {
	tb testing.TB
	// respond decides the answer; nil means 200.
	respond func(w http.ResponseWriter, r *http.Request) bool

	mu        sync.Mutex
	inFlight  map[string]int
	delivered map[string]time.Time // id → first confirmed
	requests  atomic.Int64
	overlaps  atomic.Int64
	badSigs   atomic.Int64
	bodies    map[string][]byte
	headers   map[string]http.Header
	delay     func() time.Duration
}

func newReceiver(tb testing.TB) *receiver {
	return &receiver{tb: tb, inFlight: map[string]int{}, delivered: map[string]time.Time{},
		bodies: map[string][]byte{}, headers: map[string]http.Header{}}
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.requests.Add(1)
	id := r.Header.Get(webhook.HeaderID)
	rc.mu.Lock()
	rc.inFlight[id]++
	if rc.inFlight[id] > 1 {
		rc.overlaps.Add(1)
	}
	rc.mu.Unlock()
	defer func() {
		rc.mu.Lock()
		rc.inFlight[id]--
		rc.mu.Unlock()
	}()

	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err := webhook.Verify(testSecret, id, r.Header.Get(webhook.HeaderTimestamp), body,
		r.Header.Get(webhook.HeaderSignature), time.Now(), webhook.DefaultTolerance); err != nil {
		rc.badSigs.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if rc.delay != nil {
		time.Sleep(rc.delay())
	}
	if rc.respond != nil && !rc.respond(w, r) {
		return
	}
	rc.mu.Lock()
	if _, ok := rc.delivered[id]; !ok {
		rc.delivered[id] = time.Now()
		rc.bodies[id] = body
		rc.headers[id] = r.Header.Clone()
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.delivered)
}

// start serves rc on 127.0.0.1 and returns the URL.
func (rc *receiver) start(tb testing.TB) string {
	srv := httptest.NewServer(rc)
	tb.Cleanup(srv.Close)
	return srv.URL
}

// hook returns a webhook destination to url that allows loopback.
func hook(name, url string) engine.Destination {
	return engine.Destination{Name: name, Type: engine.DestinationWebhook, URL: url,
		Secret: engine.NewSecret(testSecret), Timeout: 5 * time.Second, AllowPrivate: true}
}

func deliverers(tb testing.TB, dests ...engine.Destination) map[string]engine.Deliverer {
	tb.Helper()
	m, err := webhook.Deliverers(dests)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// testLogger logs to the test output when -v is given.
func testLogger(tb testing.TB) *slog.Logger {
	if !testing.Verbose() {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelError}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// runWorker runs w until the test ends (or stop is called) and fails the test if Run fails.
func runWorker(tb testing.TB, w *engine.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			tb.Errorf("Worker.Run: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	tb.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// states counts the messages of destination by state.
func states(tb testing.TB, st engine.Store, destination string) map[engine.OutboxState]int {
	tb.Helper()
	counts := map[engine.OutboxState]int{}
	after := ""
	for {
		msgs, err := st.ListOutbox(context.Background(), engine.OutboxFilter{Destination: destination, Limit: 1000, After: after})
		if err != nil {
			tb.Fatal(err)
		}
		if len(msgs) == 0 {
			return counts
		}
		for _, m := range msgs {
			counts[m.State]++
		}
		after = msgs[len(msgs)-1].ID
	}
}

func fmtStates(m map[engine.OutboxState]int) string { return fmt.Sprint(m) }
