package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// outboxTests are the conformance tests of engine.OutboxStore: claiming, completing, the
// operator's retry and replay, disabled destinations and the retention purge.
var outboxTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"Outbox/ClaimComplete", testClaimComplete},
	{"Outbox/ClaimOnlyDue", testClaimOnlyDue},
	{"Outbox/ClaimLimitAndOrder", testClaimLimitAndOrder},
	{"Outbox/LeaseExpiry", testLeaseExpiry},
	{"Outbox/CompleteChecks", testCompleteChecks},
	{"Outbox/Release", testRelease},
	{"Outbox/RetryNow", testRetryNow},
	{"Outbox/Replay", testReplay},
	{"Outbox/AcknowledgeAPI", testAcknowledgeAPI},
	{"Outbox/ConcurrentClaims", testConcurrentClaims},
	{"Outbox/List", testListOutbox},
	{"Outbox/Stats", testOutboxStats},
	{"Outbox/Progress", testProgress},
	{"Outbox/DisabledDestinations", testDisabledDestinations},
	{"Retention/PurgeDelivered", testPurgeDelivered},
	{"Retention/PurgeExpiredDrafts", testPurgeExpiredDrafts},
}

const lease = 2 * time.Minute

// submitWith commits a new submission with one message per destination and returns it and
// its messages by destination.
func (e *env) submitWith(t *testing.T, destinations ...string) (*engine.Submission, map[string]*engine.OutboxMessage) {
	t.Helper()
	s := e.newSubmission("")
	out := newOutbox(destinations...)
	if _, _, err := e.Submit(t.Context(), s, out); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	byDest := map[string]*engine.OutboxMessage{}
	for _, m := range out {
		byDest[m.Destination] = m
	}
	return s, byDest
}

func (e *env) claim(t *testing.T, worker string, limit int, destinations ...string) []*engine.OutboxMessage {
	t.Helper()
	msgs, err := e.ClaimDue(t.Context(), engine.Claim{Worker: worker, Now: e.clock.Now(), Limit: limit, Lease: lease, Destinations: destinations})
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return msgs
}

func (e *env) message(t *testing.T, submissionID, id string) *engine.OutboxMessage {
	t.Helper()
	m := outboxByID(t, e, submissionID)[id]
	if m == nil {
		t.Fatalf("message %s not found", id)
	}
	return m
}

func (e *env) submission(t *testing.T, id string) *engine.Submission {
	t.Helper()
	s, err := e.Submission(t.Context(), id)
	if err != nil {
		t.Fatalf("Submission: %v", err)
	}
	return s
}

func ids(msgs []*engine.OutboxMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.ID)
	}
	return out
}

func testClaimComplete(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook", "api")
	hook := byDest["hook"]

	got := e.claim(t, "w1", 10, "hook")
	if len(got) != 1 || got[0].ID != hook.ID {
		t.Fatalf("ClaimDue: got %v, want [%s]", ids(got), hook.ID)
	}
	m := got[0]
	if m.State != engine.OutboxSending || m.Worker != "w1" || m.Attempts != 0 || m.SubmissionID != s.ID ||
		m.Destination != "hook" || m.FormID != s.FormID {
		t.Errorf("claimed message: %+v", m)
	}
	sameTime(t, "LeaseUntil", m.LeaseUntil, e.clock.Now().Add(lease))
	sameTime(t, "QueuedAt", m.QueuedAt, e.clock.Now())

	if again := e.claim(t, "w2", 10, "hook", "api"); len(again) != 1 || again[0].ID != byDest["api"].ID {
		t.Fatalf("second ClaimDue: got %v, want only the api message", ids(again))
	}
	// The api message is now held by w2; release it, as a worker must never push it.
	if err := e.Complete(ctx, byDest["api"].ID, "w2", engine.DeliveryResult{State: engine.OutboxQueued}); err != nil {
		t.Fatalf("Complete (release): %v", err)
	}

	e.clock.Advance(time.Second)
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	d := e.message(t, s.ID, m.ID)
	if d.State != engine.OutboxDelivered || d.Attempts != 1 || d.Worker != "" || !d.LeaseUntil.IsZero() {
		t.Errorf("delivered message: %+v", d)
	}
	sameTime(t, "DeliveredAt", d.DeliveredAt, e.clock.Now())
	if sub := e.submission(t, s.ID); !sub.DeliveredAt.IsZero() {
		t.Errorf("submission DeliveredAt = %v while the api message is pending", sub.DeliveredAt)
	}

	e.clock.Advance(time.Second)
	if err := e.AcknowledgeAPI(ctx, s.ID, "api"); err != nil {
		t.Fatalf("AcknowledgeAPI: %v", err)
	}
	sub := e.submission(t, s.ID)
	sameTime(t, "submission DeliveredAt", sub.DeliveredAt, e.clock.Now())
	if sub.Purged || string(sub.Data) != string(s.Data) {
		t.Errorf("delivered submission: Purged=%v data %q", sub.Purged, sub.Data)
	}
}

func testClaimOnlyDue(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	if got := e.claim(t, "w1", 10, "other"); len(got) != 0 {
		t.Fatalf("ClaimDue for another destination: %v", ids(got))
	}
	if got := e.claim(t, "w1", 10); len(got) != 0 {
		t.Fatalf("ClaimDue without destinations: %v", ids(got))
	}
	if got := e.claim(t, "w1", 10, "hook"); len(got) != 1 {
		t.Fatalf("ClaimDue: %v", ids(got))
	}
	next := e.clock.Now().Add(time.Minute)
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxRetry, NextAttemptAt: next, Error: "HTTP 503"}); err != nil {
		t.Fatalf("Complete (retry): %v", err)
	}
	r := e.message(t, s.ID, m.ID)
	if r.State != engine.OutboxRetry || r.Attempts != 1 || r.LastError != "HTTP 503" || r.Worker != "" {
		t.Errorf("retrying message: %+v", r)
	}
	sameTime(t, "NextAttemptAt", r.NextAttemptAt, next)

	e.clock.Advance(59 * time.Second)
	if got := e.claim(t, "w1", 10, "hook"); len(got) != 0 {
		t.Fatalf("ClaimDue before the next attempt: %v", ids(got))
	}
	e.clock.Advance(time.Second)
	got := e.claim(t, "w2", 10, "hook")
	if len(got) != 1 || got[0].Attempts != 1 || got[0].LastError != "HTTP 503" {
		t.Fatalf("ClaimDue at the next attempt: %+v", got)
	}
	if err := e.Complete(ctx, m.ID, "w2", engine.DeliveryResult{State: engine.OutboxDead, Error: "HTTP 500"}); err != nil {
		t.Fatalf("Complete (dead): %v", err)
	}
	if d := e.message(t, s.ID, m.ID); d.State != engine.OutboxDead || d.Attempts != 2 || d.LastError != "HTTP 500" {
		t.Errorf("dead message: %+v", d)
	}
	e.clock.Advance(time.Hour)
	if got := e.claim(t, "w1", 10, "hook"); len(got) != 0 {
		t.Fatalf("ClaimDue took a dead message: %v", ids(got))
	}
}

func testClaimLimitAndOrder(t *testing.T, e *env) {
	var want []string
	for range 5 {
		_, byDest := e.submitWith(t, "hook")
		want = append(want, byDest["hook"].ID)
		e.clock.Advance(time.Millisecond)
	}
	got := e.claim(t, "w1", 3, "hook")
	if !slices.Equal(ids(got), want[:3]) {
		t.Fatalf("first claim: %v, want the oldest three %v", ids(got), want[:3])
	}
	got = e.claim(t, "w1", 3, "hook")
	if !slices.Equal(ids(got), want[3:]) {
		t.Fatalf("second claim: %v, want %v", ids(got), want[3:])
	}
}

func testLeaseExpiry(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	e.claim(t, "w1", 1, "hook")
	e.clock.Advance(lease - time.Second)
	if got := e.claim(t, "w2", 1, "hook"); len(got) != 0 {
		t.Fatalf("ClaimDue took a message under a valid lease: %v", ids(got))
	}
	e.clock.Advance(time.Second)
	got := e.claim(t, "w2", 1, "hook")
	if len(got) != 1 || got[0].Worker != "w2" || got[0].Attempts != 1 || got[0].LastError != "lease expired" {
		t.Fatalf("ClaimDue after the lease expired: %+v", got)
	}
	err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered})
	wantKind(t, "Complete by the worker that lost the lease", err, engine.KindConflict)
	if err := e.Complete(ctx, m.ID, "w2", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatalf("Complete by the lease holder: %v", err)
	}
	if d := e.message(t, s.ID, m.ID); d.State != engine.OutboxDelivered || d.Attempts != 2 {
		t.Errorf("message: %+v", d)
	}
}

func testCompleteChecks(t *testing.T, e *env) {
	ctx := t.Context()
	_, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered})
	wantKind(t, "Complete of an unclaimed message", err, engine.KindConflict)
	err = e.Complete(ctx, NewID(), "w1", engine.DeliveryResult{State: engine.OutboxDelivered})
	wantKind(t, "Complete of an unknown message", err, engine.KindNotFound)
	e.claim(t, "w1", 1, "hook")
	err = e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxRetry})
	wantKind(t, "Complete retry without a time", err, engine.KindInvalid)
	err = e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxSending})
	wantKind(t, "Complete to sending", err, engine.KindInvalid)
	_, err = e.ClaimDue(ctx, engine.Claim{Now: e.clock.Now(), Limit: 1, Lease: lease, Destinations: []string{"hook"}})
	wantKind(t, "ClaimDue without a worker", err, engine.KindInvalid)
}

func testRelease(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	e.claim(t, "w1", 1, "hook")
	e.clock.Advance(time.Second)
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxQueued}); err != nil {
		t.Fatalf("Complete (release): %v", err)
	}
	r := e.message(t, s.ID, m.ID)
	if r.State != engine.OutboxQueued || r.Attempts != 0 || r.Worker != "" || !r.LeaseUntil.IsZero() {
		t.Errorf("released message: %+v", r)
	}
	if got := e.claim(t, "w2", 1, "hook"); len(got) != 1 {
		t.Fatalf("ClaimDue after release: %v", ids(got))
	}
}

func testRetryNow(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	e.claim(t, "w1", 1, "hook")
	err := e.RetryNow(ctx, m.ID)
	wantKind(t, "RetryNow while sending", err, engine.KindConflict)
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDead, Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if err := e.RetryNow(ctx, m.ID); err != nil {
		t.Fatalf("RetryNow: %v", err)
	}
	r := e.message(t, s.ID, m.ID)
	if r.State != engine.OutboxQueued || r.Attempts != 0 || r.LastError != "HTTP 500" {
		t.Errorf("message after RetryNow: %+v", r)
	}
	sameTime(t, "QueuedAt", r.QueuedAt, e.clock.Now())
	sameTime(t, "NextAttemptAt", r.NextAttemptAt, e.clock.Now())
	if got := e.claim(t, "w1", 1, "hook"); len(got) != 1 {
		t.Fatalf("ClaimDue after RetryNow: %v", ids(got))
	}
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatal(err)
	}
	err = e.RetryNow(ctx, m.ID)
	wantKind(t, "RetryNow of a delivered message", err, engine.KindConflict)
	err = e.RetryNow(ctx, NewID())
	wantKind(t, "RetryNow of an unknown message", err, engine.KindNotFound)
}

func testReplay(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "hook")
	m := byDest["hook"]
	err := e.Replay(ctx, m.ID)
	wantKind(t, "Replay of a queued message", err, engine.KindConflict)
	e.claim(t, "w1", 1, "hook")
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatal(err)
	}
	if sub := e.submission(t, s.ID); sub.DeliveredAt.IsZero() {
		t.Fatal("submission not delivered")
	}
	e.clock.Advance(time.Hour)
	if err := e.Replay(ctx, m.ID); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	msgs := outboxByID(t, e, s.ID)
	if len(msgs) != 1 {
		t.Fatalf("Replay made %d messages, want the same one again", len(msgs))
	}
	r := msgs[m.ID]
	if r == nil || r.State != engine.OutboxQueued || r.Attempts != 0 || !r.DeliveredAt.IsZero() {
		t.Fatalf("replayed message: %+v", r)
	}
	sameTime(t, "QueuedAt", r.QueuedAt, e.clock.Now())
	if sub := e.submission(t, s.ID); !sub.DeliveredAt.IsZero() {
		t.Errorf("submission DeliveredAt = %v after a replay, want zero", sub.DeliveredAt)
	}
	got := e.claim(t, "w1", 1, "hook")
	if len(got) != 1 || got[0].ID != m.ID {
		t.Fatalf("ClaimDue after Replay: %v", ids(got))
	}
	if err := e.Complete(ctx, m.ID, "w1", engine.DeliveryResult{State: engine.OutboxDead, Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Replay(ctx, m.ID); err != nil {
		t.Fatalf("Replay of a dead message: %v", err)
	}
	err = e.Replay(ctx, NewID())
	wantKind(t, "Replay of an unknown message", err, engine.KindNotFound)
}

func testAcknowledgeAPI(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "api")
	err := e.AcknowledgeAPI(ctx, s.ID, "other")
	wantKind(t, "AcknowledgeAPI for another destination", err, engine.KindNotFound)
	err = e.AcknowledgeAPI(ctx, NewID(), "api")
	wantKind(t, "AcknowledgeAPI of an unknown submission", err, engine.KindNotFound)
	if err := e.AcknowledgeAPI(ctx, s.ID, "api"); err != nil {
		t.Fatalf("AcknowledgeAPI: %v", err)
	}
	first := e.message(t, s.ID, byDest["api"].ID)
	e.clock.Advance(time.Minute)
	if err := e.AcknowledgeAPI(ctx, s.ID, "api"); err != nil {
		t.Fatalf("AcknowledgeAPI again: %v", err)
	}
	again := e.message(t, s.ID, byDest["api"].ID)
	if again.State != engine.OutboxDelivered || again.Attempts != 1 || !again.DeliveredAt.Equal(first.DeliveredAt) {
		t.Errorf("acknowledged twice: %+v, first %+v", again, first)
	}
}

func testConcurrentClaims(t *testing.T, e *env) {
	const n, workers = 120, 6
	for range n {
		e.submitWith(t, "hook")
	}
	var (
		mu    sync.Mutex
		count = map[string]int{}
		wg    sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			worker := fmt.Sprintf("w%d", w)
			for {
				msgs, err := e.ClaimDue(t.Context(), engine.Claim{Worker: worker, Now: e.clock.Now(), Limit: 7, Lease: lease, Destinations: []string{"hook"}})
				if err != nil {
					t.Errorf("ClaimDue: %v", err)
					return
				}
				if len(msgs) == 0 {
					return
				}
				mu.Lock()
				for _, m := range msgs {
					count[m.ID]++
					if m.Worker != worker {
						t.Errorf("message %s claimed by %s reports worker %s", m.ID, worker, m.Worker)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(count) != n {
		t.Errorf("%d messages claimed, want %d", len(count), n)
	}
	for id, c := range count {
		if c != 1 {
			t.Errorf("message %s claimed %d times", id, c)
		}
	}
}

func testListOutbox(t *testing.T, e *env) {
	ctx := t.Context()
	var all []string
	var subs []*engine.Submission
	for range 4 {
		s, byDest := e.submitWith(t, "hook", "api")
		subs = append(subs, s)
		all = append(all, byDest["hook"].ID, byDest["api"].ID)
		e.clock.Advance(time.Millisecond)
	}
	list := func(f engine.OutboxFilter) []*engine.OutboxMessage {
		t.Helper()
		msgs, err := e.ListOutbox(ctx, f)
		if err != nil {
			t.Fatalf("ListOutbox(%+v): %v", f, err)
		}
		return msgs
	}
	if got := list(engine.OutboxFilter{}); len(got) != len(all) {
		t.Fatalf("ListOutbox: %d messages, want %d", len(got), len(all))
	}
	api := list(engine.OutboxFilter{Destination: "api"})
	if len(api) != 4 {
		t.Fatalf("ListOutbox api: %d", len(api))
	}
	for _, m := range api {
		if m.Destination != "api" || m.FormID != "hundesteuer" {
			t.Errorf("ListOutbox api: %+v", m)
		}
	}
	if got := list(engine.OutboxFilter{SubmissionID: subs[1].ID}); len(got) != 2 {
		t.Errorf("ListOutbox by submission: %d", len(got))
	}
	if got := list(engine.OutboxFilter{FormIDs: []string{"gewerbeanmeldung"}}); len(got) != 0 {
		t.Errorf("ListOutbox of another form: %d", len(got))
	}
	if got := list(engine.OutboxFilter{FormIDs: []string{"gewerbeanmeldung", "hundesteuer"}, Destination: "hook"}); len(got) != 4 {
		t.Errorf("ListOutbox by forms: %d", len(got))
	}
	e.claim(t, "w1", 1, "hook")
	if got := list(engine.OutboxFilter{State: engine.OutboxSending}); len(got) != 1 || got[0].Worker != "w1" {
		t.Errorf("ListOutbox sending: %+v", got)
	}
	// Paging through the api messages, two at a time.
	var paged []string
	after := ""
	for {
		page := list(engine.OutboxFilter{Destination: "api", Limit: 2, After: after})
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, want at most 2", len(page))
		}
		paged = append(paged, ids(page)...)
		after = page[len(page)-1].ID
	}
	if !slices.Equal(paged, ids(api)) {
		t.Errorf("paged: %v, want %v", paged, ids(api))
	}
}

func testOutboxStats(t *testing.T, e *env) {
	ctx := t.Context()
	first := e.clock.Now()
	e.submitWith(t, "hook", "api")
	e.clock.Advance(time.Minute)
	e.submitWith(t, "hook")
	got := e.claim(t, "w1", 1, "hook")
	if err := e.Complete(ctx, got[0].ID, "w1", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatal(err)
	}
	stats, err := e.OutboxStats(ctx)
	if err != nil {
		t.Fatalf("OutboxStats: %v", err)
	}
	counts := map[string]int{}
	for _, c := range stats {
		counts[c.Destination+"/"+string(c.State)] = c.Count
		if c.Destination == "api" {
			sameTime(t, "oldest api message", c.OldestQueue, first)
		}
	}
	want := map[string]int{"api/queued": 1, "hook/queued": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("OutboxStats: %v, want %v", counts, want)
	}
}

func testDisabledDestinations(t *testing.T, e *env) {
	ctx := t.Context()
	if list, err := e.DisabledDestinations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("DisabledDestinations: %v %v", list, err)
	}
	at := e.clock.Now()
	if err := e.MarkDestinationDisabled(ctx, "hook", "HTTP 410 Gone", at); err != nil {
		t.Fatalf("MarkDestinationDisabled: %v", err)
	}
	if err := e.MarkDestinationDisabled(ctx, "hook", "again", at.Add(time.Hour)); err != nil {
		t.Fatalf("MarkDestinationDisabled again: %v", err)
	}
	list, err := e.DisabledDestinations(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "hook" || list[0].Reason != "HTTP 410 Gone" {
		t.Fatalf("DisabledDestinations: %+v %v", list, err)
	}
	sameTime(t, "DisabledAt", list[0].DisabledAt, at)
	if err := e.EnableDestination(ctx, "hook"); err != nil {
		t.Fatalf("EnableDestination: %v", err)
	}
	if err := e.EnableDestination(ctx, "never-disabled"); err != nil {
		t.Fatalf("EnableDestination of an enabled destination: %v", err)
	}
	if list, err := e.DisabledDestinations(ctx); err != nil || len(list) != 0 {
		t.Fatalf("DisabledDestinations after enabling: %v %v", list, err)
	}
}

// deliverAll claims and delivers every due message of the destinations.
func (e *env) deliverAll(t *testing.T, destinations ...string) {
	t.Helper()
	for _, m := range e.claim(t, "w", 1000, destinations...) {
		if err := e.Complete(t.Context(), m.ID, "w", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
			t.Fatal(err)
		}
	}
}

func testPurgeDelivered(t *testing.T, e *env) {
	ctx := t.Context()
	retention := func(formID, _ string) time.Duration {
		if formID == "hundesteuer" {
			return 30 * 24 * time.Hour
		}
		return 7 * 24 * time.Hour
	}
	delivered, _ := e.submitWith(t, "hook")
	pending, _ := e.submitWith(t, "hook", "api") // the api message is never acknowledged
	dead, deadMsgs := e.submitWith(t, "dead")
	other := e.newSubmission("")
	other.FormID = "gewerbeanmeldung"
	if _, _, err := e.Submit(ctx, other, newOutbox("hook")); err != nil {
		t.Fatal(err)
	}
	for _, m := range e.claim(t, "w", 10, "dead") {
		if err := e.Complete(ctx, m.ID, "w", engine.DeliveryResult{State: engine.OutboxDead, Error: "HTTP 500"}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(time.Hour)
	e.deliverAll(t, "hook")
	deliveredAt := e.clock.Now()

	// Not yet: 30 days minus a second after delivery for hundesteuer; the 7-day form goes.
	e.clock.Advance(30*24*time.Hour - time.Second)
	n, err := e.PurgeDelivered(ctx, e.clock.Now(), retention)
	if err != nil || n != 1 {
		t.Fatalf("PurgeDelivered before the period: %d purged, %v; want only the 7-day form's submission", n, err)
	}
	if sub := e.submission(t, other.ID); !sub.Purged {
		t.Errorf("7-day submission not purged")
	}
	if sub := e.submission(t, delivered.ID); sub.Purged || len(sub.Data) == 0 {
		t.Errorf("submission purged before its period: %+v", sub)
	}

	e.clock.Advance(time.Second)
	n, err = e.PurgeDelivered(ctx, e.clock.Now(), retention)
	if err != nil || n != 1 {
		t.Fatalf("PurgeDelivered after the period: %d purged, %v; want 1", n, err)
	}
	sub := e.submission(t, delivered.ID)
	if !sub.Purged || sub.Data != nil {
		t.Fatalf("purged submission: Purged=%v Data=%q", sub.Purged, sub.Data)
	}
	// The tombstone: ids, reference, form, hashes and times.
	if sub.ID != delivered.ID || sub.Reference != delivered.Reference || sub.FormID != delivered.FormID ||
		sub.FormVersion != delivered.FormVersion || sub.DataHash != delivered.DataHash || sub.SchemaHash != delivered.SchemaHash {
		t.Errorf("tombstone: %+v, want the ids and hashes of %+v", sub, delivered)
	}
	sameTime(t, "tombstone SubmittedAt", sub.SubmittedAt, delivered.SubmittedAt)
	sameTime(t, "tombstone DeliveredAt", sub.DeliveredAt, deliveredAt)
	sameTime(t, "tombstone PurgedAt", sub.PurgedAt, e.clock.Now())
	if byRef, err := e.SubmissionByReference(ctx, delivered.Reference); err != nil || !byRef.Purged {
		t.Errorf("SubmissionByReference of a tombstone: %+v %v", byRef, err)
	}
	// Its messages stay, as proof of delivery; a replay is refused.
	msgs := outboxByID(t, e, delivered.ID)
	for id, m := range msgs {
		if m.State != engine.OutboxDelivered {
			t.Errorf("message of a purged submission: %+v", m)
		}
		wantKind(t, "Replay of a purged submission's message", e.Replay(ctx, id), engine.KindExpired)
	}

	// Undelivered (one message pending) and dead submissions keep their data, however old.
	e.clock.Advance(365 * 24 * time.Hour)
	if n, err := e.PurgeDelivered(ctx, e.clock.Now(), retention); err != nil || n != 0 {
		t.Fatalf("PurgeDelivered: %d purged, %v; want 0", n, err)
	}
	for _, s := range []*engine.Submission{pending, dead} {
		if got := e.submission(t, s.ID); got.Purged || string(got.Data) != string(s.Data) {
			t.Errorf("undelivered submission lost its data: %+v", got)
		}
	}
	// Once the dead message is replayed and delivered, the period starts then.
	if err := e.Replay(ctx, deadMsgs["dead"].ID); err != nil {
		t.Fatal(err)
	}
	e.deliverAll(t, "dead")
	if n, _ := e.PurgeDelivered(ctx, e.clock.Now(), retention); n != 0 {
		t.Errorf("purged right after delivery")
	}
	e.clock.Advance(30 * 24 * time.Hour)
	if n, _ := e.PurgeDelivered(ctx, e.clock.Now(), retention); n != 1 {
		t.Errorf("replayed submission: %d purged, want 1", n)
	}
}

func testPurgeExpiredDrafts(t *testing.T, e *env) {
	ctx := t.Context()
	short := e.newDraft()
	short.ExpiresAt = e.clock.Now().Add(time.Hour)
	long := e.newDraft()
	for _, d := range []*engine.Draft{short, long} {
		if err := e.CreateDraft(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.SaveResumeCode(ctx, long.ID, "aa", e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := e.PurgeExpiredDrafts(ctx, e.clock.Now()); err != nil || n != 0 {
		t.Fatalf("PurgeExpiredDrafts: %d, %v", n, err)
	}
	e.clock.Advance(time.Hour)
	if n, err := e.PurgeExpiredDrafts(ctx, e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("PurgeExpiredDrafts: %d, %v; want 1", n, err)
	}
	_, err := e.Draft(ctx, short.ID)
	wantKind(t, "Draft after the purge", err, engine.KindNotFound)
	if _, err := e.Draft(ctx, long.ID); err != nil {
		t.Fatalf("unexpired draft: %v", err)
	}
	_, err = e.DraftByResumeCode(ctx, "aa")
	wantKind(t, "expired resume code after the purge", err, engine.KindNotFound)
}

// testProgress: only the lease holder records progress; it survives a lease takeover, a
// retry and RetryNow (a new worker resumes), and a replay clears it (a new delivery).
func testProgress(t *testing.T, e *env) {
	ctx := t.Context()
	s, byDest := e.submitWith(t, "fit")
	m := byDest["fit"]
	if got := e.message(t, s.ID, m.ID); got.Progress != nil {
		t.Fatalf("a new message has progress %s", got.Progress)
	}
	wantKind(t, "SaveProgress of a queued message", e.SaveProgress(ctx, m.ID, "w1", json.RawMessage(`{"a":1}`)), engine.KindConflict)
	e.claim(t, "w1", 1, "fit")
	wantKind(t, "SaveProgress by another worker", e.SaveProgress(ctx, m.ID, "w2", json.RawMessage(`{"a":1}`)), engine.KindConflict)
	wantKind(t, "SaveProgress of an unknown message", e.SaveProgress(ctx, NewID(), "w1", json.RawMessage(`{"a":1}`)), engine.KindNotFound)
	for _, bad := range []string{`[1]`, `null`, `{"a":`, "{\"a\":\"\x00\"}"} {
		wantKind(t, "SaveProgress of "+bad, e.SaveProgress(ctx, m.ID, "w1", json.RawMessage(bad)), engine.KindInvalid)
	}
	first := `{"submissionId":"s1","step":"created"}`
	if err := e.SaveProgress(ctx, m.ID, "w1", json.RawMessage(first)); err != nil {
		t.Fatalf("SaveProgress: %v", err)
	}
	if got := e.message(t, s.ID, m.ID); string(got.Progress) != first {
		t.Fatalf("Progress = %s, want %s", got.Progress, first)
	}
	// w1 dies; w2 takes the message over after the lease and sees the progress.
	e.clock.Advance(lease + time.Second)
	got := e.claim(t, "w2", 1, "fit")
	if len(got) != 1 || string(got[0].Progress) != first {
		t.Fatalf("taken over: %v, progress %s", ids(got), progressOf(got))
	}
	second := `{"submissionId":"s1","step":"submitted"}`
	if err := e.SaveProgress(ctx, m.ID, "w2", json.RawMessage(second)); err != nil {
		t.Fatalf("SaveProgress: %v", err)
	}
	if err := e.Complete(ctx, m.ID, "w2", engine.DeliveryResult{State: engine.OutboxDead, Error: "rejected"}); err != nil {
		t.Fatal(err)
	}
	if err := e.RetryNow(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.message(t, s.ID, m.ID); string(got.Progress) != second {
		t.Fatalf("after RetryNow: Progress = %s, want %s", got.Progress, second)
	}
	e.claim(t, "w2", 1, "fit")
	if err := e.Complete(ctx, m.ID, "w2", engine.DeliveryResult{State: engine.OutboxDelivered}); err != nil {
		t.Fatal(err)
	}
	if err := e.Replay(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.message(t, s.ID, m.ID); got.Progress != nil {
		t.Fatalf("after Replay: Progress = %s, want none", got.Progress)
	}
}

func progressOf(msgs []*engine.OutboxMessage) string {
	if len(msgs) == 0 {
		return "-"
	}
	return string(msgs[0].Progress)
}
