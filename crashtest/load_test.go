package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
)

// TestLoad measures durable submissions against the real binary: it prepares N complete
// Hundesteuer drafts in the SQLite file, starts the server on it, and has C concurrent
// clients press "Absenden" for them, one draft after the other, each as a citizen of its own
// (own IP address behind the trusted proxy, so the per-client rate limit applies as in
// production). It reports the throughput and the time from sending the POST to the 303.
//
//	OZGFORM_LOAD=1 go test ./crashtest -run TestLoad -v
//	  OZGFORM_LOAD_N=20000        drafts (submissions)
//	  OZGFORM_LOAD_CLIENTS=100    concurrent clients
//	  OZGFORM_LOAD_RATE=500       offered submissions per second; unset: as fast as the
//	                              server answers (closed loop: each client sends its next
//	                              submit when the last one is answered)
//
// With a rate, request k is due at start + k/rate and its time is counted from then, also
// when all clients were busy and it left late (no coordinated omission). The test fails when
// the server sustains less than 500 submissions/s (closed loop), or when p99 exceeds 100 ms at
// an offered rate of at most 500/s from at most 100 clients. The clients run on the same
// machine as the server and take CPU from it.
func TestLoad(t *testing.T) {
	if os.Getenv("OZGFORM_LOAD") == "" {
		t.Skip("load run skipped: set OZGFORM_LOAD=1")
	}
	n := envInt(t, "OZGFORM_LOAD_N", 20000)
	clients := envInt(t, "OZGFORM_LOAD_CLIENTS", 100)
	rate := float64(0)
	if os.Getenv("OZGFORM_LOAD_RATE") != "" {
		rate = float64(envInt(t, "OZGFORM_LOAD_RATE", 500))
	}
	dbPath := filepath.Join(t.TempDir(), "ozgform.db")
	form := loadForm(t)
	data, hash, err := sampleData(readSample(t), form, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	canon, _, err := engine.SubmissionData(form, data)
	if err != nil {
		t.Fatal(err)
	}

	// The drafts, written through the engine before the server starts.
	prepStart := time.Now()
	drafts := prepareDrafts(t, dbPath, n, canon)
	t.Logf("prepared %d drafts in %.1f s", n, time.Since(prepStart).Seconds())

	srv := newServerProcess(t, dbPath)
	srv.start()
	base := srv.baseURL()

	ctx, cancel := waitContext(t, 10*time.Minute)
	defer cancel()
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, n)
		failures  []string
		wg        sync.WaitGroup
		ready     sync.WaitGroup
		startGun  = make(chan struct{})
		start     time.Time // set before startGun is closed
	)
	ready.Add(clients)
	for i := range clients {
		wg.Go(func() {
			c := newClient(base, fmt.Sprintf("203.0.113.%d", i%250+1))
			if _, err := c.get(ctx, formPath); err != nil { // the session and its CSRF token
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
				ready.Done()
				return
			}
			session := ""
			u, _ := url.Parse(base + "/")
			for _, ck := range c.hc.Jar.Cookies(u) {
				if ck.Name == cookieSession {
					session = ck.Value
				}
			}
			body := url.Values{"_csrf": {c.csrf}}.Encode()
			hc := &http.Client{
				Timeout:       30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				Transport:     &http.Transport{MaxIdleConnsPerHost: 2},
			}
			mine := make([]time.Duration, 0, n/clients+1)
			ready.Done()
			<-startGun
			for {
				k := int(next.Add(1)) - 1
				if k >= n {
					break
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+submitPath, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Cookie", cookieSession+"="+session+"; "+cookieDraft+"="+drafts[k])
				// One citizen per draft: an address from 198.18.0.0/15 (for benchmarks).
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", k/256%512, k%256))
				t0 := time.Now()
				if rate > 0 {
					due := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
					time.Sleep(time.Until(due))
					t0 = due
				}
				res, err := hc.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				took := time.Since(t0)
				if err != nil || res.StatusCode != http.StatusSeeOther || !confirmationPath.MatchString(res.Header.Get("Location")) {
					mu.Lock()
					if err != nil {
						failures = append(failures, err.Error())
					} else {
						failures = append(failures, fmt.Sprintf("HTTP %d to %q", res.StatusCode, res.Header.Get("Location")))
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	ready.Wait()
	start = time.Now()
	close(startGun)
	wg.Wait()
	elapsed := time.Since(start)
	srv.stop()

	if len(failures) > 0 {
		t.Errorf("%d of %d submits failed, e.g. %s", len(failures), n, failures[0])
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]
	}
	if len(latencies) == 0 {
		t.Fatal("no submit succeeded")
	}
	achieved := float64(len(latencies)) / elapsed.Seconds()
	offered := "as fast as answered"
	if rate > 0 {
		offered = fmt.Sprintf("offered %.0f/s", rate)
	}
	t.Logf("load (%s): %d durable submissions by %d concurrent clients in %.2f s = %.0f submissions/s; "+
		"time to the 303: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms",
		offered, len(latencies), clients, elapsed.Seconds(), achieved,
		ms(pct(0.50)), ms(pct(0.95)), ms(pct(0.99)), ms(latencies[len(latencies)-1]))

	// Every 303 was a durable submission with the sample's data.
	db, err := sql.Open("sqlite", dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total, wrong int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE data_hash <> ?) FROM submissions`, hash).Scan(&total, &wrong); err != nil {
		t.Fatal(err)
	}
	if total != len(latencies) || wrong != 0 {
		t.Errorf("%d submissions in the database (%d with other data), %d confirmed", total, wrong, len(latencies))
	}
	if rate == 0 && achieved < 500 {
		t.Errorf("%.0f submissions/s, want at least 500", achieved)
	}
	if p99 := pct(0.99); rate > 0 && rate <= 500 && clients <= 100 && p99 > 100*time.Millisecond {
		t.Errorf("p99 %.1f ms at %.0f/s offered by %d clients, want at most 100 ms", ms(p99), rate, clients)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q is not a positive number", name, v)
	}
	return n
}

// prepareDrafts creates n complete drafts with data in the SQLite file and returns their ids.
func prepareDrafts(tb testing.TB, dbPath string, n int, data []byte) []string {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath, sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	svc := &engine.Service{Store: st}
	form := loadForm(tb)
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range 64 {
		wg.Go(func() {
			for k := int(next.Add(1)) - 1; k < n && !failed.Load(); k = int(next.Add(1)) - 1 {
				d, err := svc.StartDraft(ctx, form, "de")
				if err == nil {
					d.Data = data
					err = st.UpdateDraft(ctx, d)
				}
				if err != nil {
					tb.Error(err)
					failed.Store(true)
					return
				}
				ids[k] = d.ID
			}
		})
	}
	wg.Wait()
	if failed.Load() {
		tb.FailNow()
	}
	return ids
}
