package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/postgres"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
	"github.com/ozgform/ozgform/forms"
)

func getBody(tb testing.TB, url string) (*http.Response, string) {
	tb.Helper()
	res, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, string(b)
}

// wantReady checks /readyz: the status and the JSON answer.
func wantReady(tb testing.TB, base string, status int, store string) {
	tb.Helper()
	res, body := getBody(tb, base+"/readyz")
	var r readiness
	if err := json.Unmarshal([]byte(body), &r); err != nil || res.Header.Get("Content-Type") != "application/json" {
		tb.Fatalf("/readyz: %q, %v\n%s", res.Header.Get("Content-Type"), err, body)
	}
	if res.StatusCode != status || r.Checks["store"] != store || r.Forms == 0 {
		tb.Errorf("/readyz: %d %+v, want %d with store %q", res.StatusCode, r, status, store)
	}
}

// TestHealthAndReady: /healthz says the process lives; /readyz that the store answers and forms
// are loaded, and 503 once the store is closed.
func TestHealthAndReady(t *testing.T) {
	app := newTestApp(t)
	res, body := getBody(t, app.http.URL+"/healthz")
	if res.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("/healthz: %d %q", res.StatusCode, body)
	}
	wantReady(t, app.http.URL, http.StatusOK, "ok")
	app.store.Close()
	wantReady(t, app.http.URL, http.StatusServiceUnavailable, "unreachable")
	if res, _ := getBody(t, app.http.URL+"/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz with the store closed: %d, want 200 (the process lives)", res.StatusCode)
	}

	// No forms: not ready.
	empty := New(Config{}, &forms.Catalog{}, &engine.Service{Store: app.store}, nil)
	ts := httptest.NewServer(empty.Handler())
	defer ts.Close()
	res, _ = getBody(t, ts.URL+"/readyz")
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz without forms: %d", res.StatusCode)
	}
}

// TestReadyPostgres: /readyz on PostgreSQL; skipped without OZGFORM_TEST_POSTGRES (in CI it
// fails).
func TestReadyPostgres(t *testing.T) {
	u := storetest.PostgresSchema(t, "ozgform_ready")
	store, err := postgres.Open(context.Background(), u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := New(Config{RateLimit: -1}, exampleForms(t), &engine.Service{Store: store}, nil)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	wantReady(t, ts.URL, http.StatusOK, "ok")
	store.Close()
	wantReady(t, ts.URL, http.StatusServiceUnavailable, "unreachable")
}

// TestMetrics: /metrics serves the registry of the configuration, as serve wires it: Go and
// process collectors, the delivery metrics, and the submission counter after a submit.
func TestMetrics(t *testing.T) {
	const metricsToken = "Monitoring-Token-0123456789-abcdefghijkl"
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.Metrics = reg; c.MetricsToken = metricsToken })
	metrics, err := engine.NewMetrics(reg, app.store, []string{"api"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	app.svc.Store = &engine.ObservedStore{Store: app.store, AfterSubmit: func(s *engine.Submission) { metrics.SubmissionCreated(s.FormID) }}

	submitDirect(t, app, "hundesteuer")
	if res, _ := getBody(t, app.http.URL+"/metrics"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodGet, app.http.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(raw)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		`ozgform_submissions_total{form="hundesteuer"} 1`,
		`ozgform_outbox_messages{destination="api",state="queued"} 1`,
		`ozgform_outbox_stats_up 1`,
		`go_goroutines `,
		`process_start_time_seconds `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// Without a registry there is no /metrics; without a token not on this listener either
	// (MetricsHandler serves it on a separate address, and only there).
	bare := newTestApp(t)
	if res, _ := getBody(t, bare.http.URL+"/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics without a registry: %d, want 404", res.StatusCode)
	}
	public := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.Metrics = reg })
	if res, _ := getBody(t, public.http.URL+"/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the citizens' listener without a token: %d, want 404", res.StatusCode)
	}
	internal := httptest.NewServer(public.server.MetricsHandler())
	defer internal.Close()
	if res, body := getBody(t, internal.URL+"/metrics"); res.StatusCode != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("/metrics on the separate listener: %d", res.StatusCode)
	}
	if res, _ := getBody(t, internal.URL+"/formulare/hundesteuer"); res.StatusCode != http.StatusNotFound {
		t.Errorf("the metrics listener serves forms: %d", res.StatusCode)
	}
}
