package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
)

// success is a submission a client saw confirmed.
type success struct {
	client   int
	ref      string // the Vorgangsnummer of the 303
	draftID  string
	dataHash string // SHA-512 of the data the client sent, in the engine's canonical form
}

// TestCrash: 200 clients submit Hundesteuer forms through the HTML pages of the real binary
// while it is killed with SIGKILL at random moments, ten times, and restarted. Afterwards
// every submission a client saw confirmed is in the database with the data that client sent,
// there is exactly one submission per submitted draft, none without its outbox message, and
// submitting a draft again shows the same Vorgangsnummer.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped with -short: it builds the binary and runs it for about half a minute")
	}
	const (
		clients = 200
		kills   = 10
	)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "ozgform.db")
	srv := newServerProcess(t, dbPath)
	srv.start()
	form := loadForm(t)
	raw := readSample(t)
	if _, _, err := sampleData(raw, form, 0, 0); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := waitContext(t, 150*time.Second)
	defer cancel()

	var (
		killing       atomic.Bool
		inFlight      atomic.Int64
		mu            sync.Mutex
		successes     []success
		clientErrs    []error
		retries       int
		lostAcks      int
		inFlightKills []int64
		wg            sync.WaitGroup
	)
	killing.Store(true)
	all := make([]*client, clients)
	for i := range clients {
		c := newClient(srv.baseURL(), fmt.Sprintf("203.0.113.%d", i+1))
		all[i] = c
		wg.Go(func() {
			// Each client submits one form after the other until the killing is over, and
			// finishes the form it is filling in then.
			for flow := 0; flow == 0 || killing.Load(); flow++ {
				data, hash, err := sampleData(raw, form, i, flow)
				var ref, draftID string
				if err == nil {
					ref, draftID, err = c.submitForm(ctx, data, func(d int64) { inFlight.Add(d) })
				}
				mu.Lock()
				if err != nil {
					clientErrs = append(clientErrs, fmt.Errorf("client %d, form %d: %w", i, flow, err))
					mu.Unlock()
					return
				}
				successes = append(successes, success{client: i, ref: ref, draftID: draftID, dataHash: hash})
				mu.Unlock()
			}
		})
	}

	// The kills start once the first forms are being submitted, so that they hit commits in
	// flight rather than only the filling in of the first pages.
	start := time.Now()
	for inFlight.Load() == 0 && time.Since(start) < 30*time.Second {
		time.Sleep(5 * time.Millisecond)
	}
	for range kills {
		select {
		case <-time.After(300*time.Millisecond + rand.N(1200*time.Millisecond)):
		case <-ctx.Done():
			t.Fatal("the test ran out of time while killing")
		}
		inFlightKills = append(inFlightKills, inFlight.Load())
		srv.kill()
		srv.start()
	}
	killing.Store(false)
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range clientErrs {
		t.Error(err)
	}
	for _, c := range all {
		retries += c.retries
		lostAcks += c.lostAcks
	}
	if t.Failed() {
		return
	}

	// Submitting each draft again (after all the restarts) shows the same Vorgangsnummer.
	resubmitted := 0
	var resubmitMu sync.Mutex
	for i := range clients {
		wg.Go(func() {
			for _, s := range successes {
				if s.client != i {
					continue
				}
				loc, err := all[i].resubmit(ctx, s.draftID)
				resubmitMu.Lock()
				if err != nil || loc != "/vorgang/"+s.ref {
					t.Errorf("resubmitting the draft of %s leads to %q (%v)", s.ref, loc, err)
				} else {
					resubmitted++
				}
				resubmitMu.Unlock()
			}
		})
	}
	wg.Wait()
	srv.stop()

	found := checkDatabase(t, dbPath, successes)
	var inFlightTotal int64
	for _, n := range inFlightKills {
		inFlightTotal += n
	}
	t.Logf("crash test: %d clients, %d SIGKILLs in %.1f s (%d submit POSTs in flight at the kills: %v), %d server starts; "+
		"%d confirmed submissions (%d of them learnt only after the crash, their answer lost), %d repeated requests; "+
		"%d submissions in the database, all with the data sent and an outbox message; %d resubmits showed the same Vorgangsnummer",
		clients, kills, elapsed.Seconds(), inFlightTotal, inFlightKills, srv.starts,
		len(successes), lostAcks, retries, found, resubmitted)
}

// checkDatabase opens the SQLite file after the run and compares it with what the clients
// saw. It returns the number of submissions in the file.
func checkDatabase(t *testing.T, dbPath string, successes []success) int {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	seenRef := map[string]bool{}
	seenDraft := map[string]bool{}
	for _, s := range successes {
		if seenRef[s.ref] {
			t.Errorf("two confirmed flows got the Vorgangsnummer %s", s.ref)
		}
		if seenDraft[s.draftID] {
			t.Errorf("two confirmed flows had the draft %s", s.draftID)
		}
		seenRef[s.ref], seenDraft[s.draftID] = true, true
		sub, err := st.SubmissionByReference(ctx, s.ref)
		if err != nil {
			t.Errorf("confirmed submission %s: %v", s.ref, err)
			continue
		}
		if sub.DataHash != s.dataHash || engine.SHA512Hex(sub.Data) != s.dataHash {
			t.Errorf("submission %s: data hash %.16s…, data %.16s…, the client sent %.16s…", s.ref, sub.DataHash, engine.SHA512Hex(sub.Data), s.dataHash)
		}
		if sub.DraftID != s.draftID || sub.ID != engine.SubmissionIDForDraft(s.draftID) {
			t.Errorf("submission %s: draft %s, the client had %s", s.ref, sub.DraftID, s.draftID)
		}
		if out, err := st.Outbox(ctx, sub.ID); err != nil || len(out) == 0 {
			t.Errorf("submission %s: %d outbox messages, %v", s.ref, len(out), err)
		}
	}

	db, err := sql.Open("sqlite", dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total, drafts, orphans int
	var integrity string
	for q, dst := range map[string]any{
		`SELECT count(*) FROM submissions`:                 &total,
		`SELECT count(DISTINCT draft_id) FROM submissions`: &drafts,
		`SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id)`: &orphans,
		`PRAGMA integrity_check`: &integrity,
	} {
		if err := db.QueryRow(q).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if integrity != "ok" {
		t.Errorf("integrity_check: %s", integrity)
	}
	if total != len(successes) || drafts != total {
		// Every submitted draft's client went on until it saw the confirmation, so there is no
		// submission that no client knows of.
		t.Errorf("%d submissions of %d drafts in the database, %d confirmed to clients", total, drafts, len(successes))
	}
	if orphans != 0 {
		t.Errorf("%d submissions without outbox message", orphans)
	}
	return total
}
