// Package storetest is the conformance suite for implementations of [engine.Store]. The SQLite
// and the PostgreSQL store run the same tests, so that the rest of the engine can rely on one
// behaviour whichever database an operator chooses.
//
// An implementation's test calls [Run] with a function that opens a fresh, empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) engine.Store {
//			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ozgform.db"),
//				sqlite.Options{Now: now})
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// Opener opens a fresh, empty store for one test. The store must ask now whenever it needs the
// current time (to decide whether a draft has expired, to fill in a missing timestamp), so that
// the suite can move time forward. Run closes the store when the test ends; an Opener that
// needs more clean-up (dropping a database) registers it with t.Cleanup before returning.
type Opener func(t *testing.T, now func() time.Time) engine.Store

// Run runs the conformance suite against the stores that open returns. Every subtest opens its
// own store.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"Draft/CreateGetUpdateDelete", testDraftLifecycle},
		{"Draft/Defaults", testDraftDefaults},
		{"Draft/Invalid", testDraftInvalid},
		{"Draft/Duplicate", testDraftDuplicate},
		{"Draft/Expired", testDraftExpired},
		{"ResumeCode/SaveFind", testResumeCodeSaveFind},
		{"ResumeCode/Unknown", testResumeCodeUnknown},
		{"ResumeCode/Expired", testResumeCodeExpired},
		{"ResumeCode/DraftExpired", testResumeCodeDraftExpired},
		{"ResumeCode/UnknownDraft", testResumeCodeUnknownDraft},
		{"ResumeCode/DuplicateHash", testResumeCodeDuplicate},
		{"Submit/Atomic", testSubmitAtomic},
		{"Submit/Idempotent", testSubmitIdempotent},
		{"Submit/DuplicateReference", testSubmitDuplicateReference},
		{"Submit/RollsBackOnFailure", testSubmitRollsBack},
		{"Submit/Concurrent", testSubmitConcurrent},
		{"Submit/ConcurrentSameID", testSubmitConcurrentSameID},
		{"Submit/ConcurrentDifferentDrafts", testSubmitConcurrentDifferentDrafts},
		{"Submit/DraftAlreadyGone", testSubmitDraftGone},
		{"Submit/Invalid", testSubmitInvalid},
		{"Lookups", testLookups},
		{"Data/RoundTrip", testDataRoundTrip},
		{"Times/RoundTrip", testTimesRoundTrip},
		{"Context/Canceled", testContextCanceled},
	}
	tests = append(tests, outboxTests...)
	tests = append(tests, attachmentTests...)
	tests = append(tests, formVersionTests...)
	tests = append(tests, authorityTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &Clock{t: start}
			s := open(t, clock.Now)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, &env{Store: s, clock: clock})
		})
	}
}

// start is the suite's "now": the night Germany switches to summer time, with nanoseconds, so
// that a store which loses precision or time zones shows it.
var start = time.Date(2025, 3, 30, 0, 59, 59, 123456789, time.UTC)

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that stands at t until it is moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is what each subtest gets: the store under test and its clock.
type env struct {
	engine.Store
	clock *Clock
}

// NewID returns a random UUID (version 4) in its canonical text form.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newReference returns a random Vorgangsnummer in the engine's style.
func newReference() string {
	id := strings.ToUpper(strings.ReplaceAll(NewID(), "-", ""))
	return "TST-" + id[:4] + "-" + id[4:8] + "-" + id[8:12]
}

func (e *env) newDraft() *engine.Draft {
	now := e.clock.Now()
	return &engine.Draft{
		ID:          NewID(),
		FormID:      "hundesteuer",
		FormVersion: "1.2.0",
		Lang:        "de",
		Data:        json.RawMessage(`{"halter":{"vorname":"Łukasz","nachname":"Ørsted-Ñúñez"},"hunde":[{"name":"Bello"}]}`),
		CreatedAt:   now,
		UpdatedAt:   now,
		ExpiresAt:   now.Add(30 * 24 * time.Hour),
	}
}

func (e *env) mustCreateDraft(t *testing.T) *engine.Draft {
	t.Helper()
	d := e.newDraft()
	if err := e.CreateDraft(t.Context(), d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	return d
}

func (e *env) newSubmission(draftID string) *engine.Submission {
	return &engine.Submission{
		ID:          NewID(),
		Reference:   newReference(),
		FormID:      "hundesteuer",
		FormVersion: "1.2.0",
		SchemaHash:  strings.Repeat("ab", 64),
		Lang:        "de",
		Data:        json.RawMessage(`{"halter":{"vorname":"Łukasz","nachname":"Ørsted-Ñúñez"}}`),
		DataHash:    strings.Repeat("cd", 64),
		SubmittedAt: e.clock.Now(),
		DraftID:     draftID,
		AccessToken: NewID(),
	}
}

func newOutbox(destinations ...string) []*engine.OutboxMessage {
	var out []*engine.OutboxMessage
	for _, d := range destinations {
		out = append(out, &engine.OutboxMessage{ID: NewID(), Destination: d})
	}
	return out
}

// wantKind fails the test unless err is an *engine.Error of kind want.
func wantKind(t *testing.T, op string, err error, want engine.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want kind %s", op, want)
	}
	var e *engine.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: got %T (%v), want an *engine.Error of kind %s", op, err, err, want)
	}
	if e.Kind != want {
		t.Fatalf("%s: got kind %s (%v), want %s", op, e.Kind, err, want)
	}
}

// sameTime reports whether a and b are the same instant to the microsecond (PostgreSQL keeps
// microseconds) and got is in UTC.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if got.Location() != time.UTC {
		t.Errorf("%s: location %v, want UTC", what, got.Location())
	}
	if d := got.Sub(want); d < -time.Microsecond || d > time.Microsecond {
		t.Errorf("%s: got %s, want %s", what, got.Format(time.RFC3339Nano), want.UTC().Format(time.RFC3339Nano))
	}
}

func sameDraft(t *testing.T, got, want *engine.Draft) {
	t.Helper()
	if got == nil {
		t.Fatal("draft is nil")
	}
	if got.ID != want.ID || got.FormID != want.FormID || got.FormVersion != want.FormVersion || got.Lang != want.Lang {
		t.Errorf("draft: got %s %s %s %s, want %s %s %s %s", got.ID, got.FormID, got.FormVersion, got.Lang,
			want.ID, want.FormID, want.FormVersion, want.Lang)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("draft data:\n got %q\nwant %q", got.Data, want.Data)
	}
	sameTime(t, "draft CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "draft UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	sameTime(t, "draft ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func sameSubmission(t *testing.T, got, want *engine.Submission) {
	t.Helper()
	if got == nil {
		t.Fatal("submission is nil")
	}
	g, w := *got, *want
	if !bytes.Equal(g.Data, w.Data) {
		t.Errorf("submission data:\n got %q\nwant %q", g.Data, w.Data)
	}
	sameTime(t, "submission SubmittedAt", g.SubmittedAt, w.SubmittedAt)
	g.Data, w.Data = nil, nil
	g.SubmittedAt, w.SubmittedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("submission:\n got %+v\nwant %+v", g, w)
	}
}

func testDraftLifecycle(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)

	got, err := e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	sameDraft(t, got, d)

	e.clock.Advance(time.Minute)
	upd := *got
	upd.Data = json.RawMessage(`{"halter":{"vorname":"Ǧǩ"}}`)
	upd.Lang = "en"
	upd.UpdatedAt = e.clock.Now()
	upd.ExpiresAt = e.clock.Now().Add(60 * 24 * time.Hour)
	upd.FormID = "something-else" // not changed by UpdateDraft
	if err := e.UpdateDraft(ctx, &upd); err != nil {
		t.Fatalf("UpdateDraft: %v", err)
	}
	got, err = e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatalf("Draft after update: %v", err)
	}
	want := upd
	want.FormID = d.FormID
	want.CreatedAt = d.CreatedAt
	sameDraft(t, got, &want)

	if err := e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft: %v", err)
	}
	_, err = e.Draft(ctx, d.ID)
	wantKind(t, "Draft after delete", err, engine.KindNotFound)
	wantKind(t, "DeleteDraft twice", e.DeleteDraft(ctx, d.ID), engine.KindNotFound)
	wantKind(t, "UpdateDraft after delete", e.UpdateDraft(ctx, &upd), engine.KindNotFound)
	_, err = e.Draft(ctx, NewID())
	wantKind(t, "Draft unknown", err, engine.KindNotFound)
	_, err = e.Draft(ctx, "not a uuid")
	wantKind(t, "Draft malformed id", err, engine.KindNotFound)
}

func testDraftDefaults(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.newDraft()
	d.CreatedAt, d.UpdatedAt = time.Time{}, time.Time{}
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	sameTime(t, "filled-in CreatedAt", d.CreatedAt, e.clock.Now())
	sameTime(t, "filled-in UpdatedAt", d.UpdatedAt, e.clock.Now())
	got, err := e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	sameDraft(t, got, d)

	e.clock.Advance(time.Hour)
	got.UpdatedAt = time.Time{}
	if err := e.UpdateDraft(ctx, got); err != nil {
		t.Fatalf("UpdateDraft: %v", err)
	}
	sameTime(t, "UpdatedAt filled in by UpdateDraft", got.UpdatedAt, e.clock.Now())
}

func testDraftInvalid(t *testing.T, e *env) {
	ctx := t.Context()
	cases := []struct {
		name   string
		change func(d *engine.Draft)
	}{
		{"no id", func(d *engine.Draft) { d.ID = "" }},
		{"no form", func(d *engine.Draft) { d.FormID = "" }},
		{"no expiry", func(d *engine.Draft) { d.ExpiresAt = time.Time{} }},
		{"data not JSON", func(d *engine.Draft) { d.Data = json.RawMessage(`{"a":`) }},
		{"data empty", func(d *engine.Draft) { d.Data = nil }},
	}
	for _, c := range cases {
		d := e.newDraft()
		c.change(d)
		wantKind(t, "CreateDraft "+c.name, e.CreateDraft(ctx, d), engine.KindInvalid)
	}
	d := e.mustCreateDraft(t)
	d.Data = json.RawMessage(`not json`)
	wantKind(t, "UpdateDraft with bad data", e.UpdateDraft(ctx, d), engine.KindInvalid)
}

func testDraftDuplicate(t *testing.T, e *env) {
	d := e.mustCreateDraft(t)
	again := e.newDraft()
	again.ID = d.ID
	wantKind(t, "CreateDraft with an existing id", e.CreateDraft(t.Context(), again), engine.KindConflict)
}

func testDraftExpired(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.newDraft()
	d.ExpiresAt = e.clock.Now().Add(time.Hour)
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	e.clock.Advance(time.Hour - time.Second)
	if _, err := e.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft one second before expiry: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err := e.Draft(ctx, d.ID)
	wantKind(t, "Draft at its expiry", err, engine.KindExpired)
	e.clock.Advance(time.Hour)
	_, err = e.Draft(ctx, d.ID)
	wantKind(t, "Draft after expiry", err, engine.KindExpired)

	upd := *d
	upd.UpdatedAt = e.clock.Now()
	upd.ExpiresAt = e.clock.Now().Add(time.Hour)
	wantKind(t, "UpdateDraft after expiry", e.UpdateDraft(ctx, &upd), engine.KindExpired)
	// An expired draft can still be deleted.
	if err := e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft of an expired draft: %v", err)
	}
}

func testResumeCodeSaveFind(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	d.SavedStep = 3 // the step saved on, read back with the draft
	if err := e.UpdateDraft(ctx, d); err != nil {
		t.Fatalf("UpdateDraft: %v", err)
	}
	hash := strings.Repeat("1f", 32)
	if err := e.SaveResumeCode(ctx, d.ID, hash, e.clock.Now().Add(24*time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode: %v", err)
	}
	got, err := e.DraftByResumeCode(ctx, hash)
	if err != nil {
		t.Fatalf("DraftByResumeCode: %v", err)
	}
	sameDraft(t, got, d)
	if got.SavedStep != 3 {
		t.Errorf("SavedStep %d, want 3", got.SavedStep)
	}

	// A second code for the same draft works beside the first.
	hash2 := strings.Repeat("2e", 32)
	if err := e.SaveResumeCode(ctx, d.ID, hash2, e.clock.Now().Add(24*time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode second code: %v", err)
	}
	for _, h := range []string{hash, hash2} {
		if got, err := e.DraftByResumeCode(ctx, h); err != nil || got.ID != d.ID {
			t.Fatalf("DraftByResumeCode(%s) = %v, %v", h, got, err)
		}
	}

	// Deleting the draft deletes its codes.
	if err := e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft: %v", err)
	}
	_, err = e.DraftByResumeCode(ctx, hash)
	wantKind(t, "DraftByResumeCode after DeleteDraft", err, engine.KindNotFound)
}

func testResumeCodeUnknown(t *testing.T, e *env) {
	_, err := e.DraftByResumeCode(t.Context(), strings.Repeat("00", 32))
	wantKind(t, "DraftByResumeCode unknown", err, engine.KindNotFound)
}

func testResumeCodeExpired(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	hash := strings.Repeat("3d", 32)
	if err := e.SaveResumeCode(ctx, d.ID, hash, e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode: %v", err)
	}
	e.clock.Advance(time.Hour)
	_, err := e.DraftByResumeCode(ctx, hash)
	wantKind(t, "DraftByResumeCode with an expired code", err, engine.KindExpired)
	// The draft itself lives on.
	if _, err := e.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft: %v", err)
	}
}

func testResumeCodeDraftExpired(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.newDraft()
	d.ExpiresAt = e.clock.Now().Add(time.Hour)
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	hash := strings.Repeat("4c", 32)
	if err := e.SaveResumeCode(ctx, d.ID, hash, e.clock.Now().Add(48*time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode: %v", err)
	}
	e.clock.Advance(2 * time.Hour)
	_, err := e.DraftByResumeCode(ctx, hash)
	wantKind(t, "DraftByResumeCode of an expired draft", err, engine.KindExpired)
}

func testResumeCodeUnknownDraft(t *testing.T, e *env) {
	err := e.SaveResumeCode(t.Context(), NewID(), strings.Repeat("5b", 32), e.clock.Now().Add(time.Hour))
	wantKind(t, "SaveResumeCode for an unknown draft", err, engine.KindNotFound)
}

func testResumeCodeDuplicate(t *testing.T, e *env) {
	ctx := t.Context()
	d1, d2 := e.mustCreateDraft(t), e.mustCreateDraft(t)
	hash := strings.Repeat("6a", 32)
	if err := e.SaveResumeCode(ctx, d1.ID, hash, e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode: %v", err)
	}
	err := e.SaveResumeCode(ctx, d2.ID, hash, e.clock.Now().Add(time.Hour))
	wantKind(t, "SaveResumeCode with a hash in use", err, engine.KindConflict)
	if got, err := e.DraftByResumeCode(ctx, hash); err != nil || got.ID != d1.ID {
		t.Fatalf("DraftByResumeCode after the conflict = %v, %v; want the first draft", got, err)
	}
}

func outboxByID(t *testing.T, e *env, submissionID string) map[string]*engine.OutboxMessage {
	t.Helper()
	msgs, err := e.Outbox(t.Context(), submissionID)
	if err != nil {
		t.Fatalf("Outbox: %v", err)
	}
	m := make(map[string]*engine.OutboxMessage)
	for _, msg := range msgs {
		m[msg.ID] = msg
	}
	if len(m) != len(msgs) {
		t.Fatalf("Outbox returned a message twice: %d messages, %d ids", len(msgs), len(m))
	}
	return m
}

func testSubmitAtomic(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	if err := e.SaveResumeCode(ctx, d.ID, strings.Repeat("7f", 32), e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("SaveResumeCode: %v", err)
	}
	e.clock.Advance(time.Minute)
	s := e.newSubmission(d.ID)
	s.SubmittedAt = time.Time{} // filled in by the store
	out := newOutbox("webhook:ordnungsamt", "pull:kasse")
	stored, created, err := e.Submit(ctx, s, out)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if !created {
		t.Fatal("Submit: created = false for a new submission")
	}
	want := *s
	want.SubmittedAt = e.clock.Now()
	sameSubmission(t, stored, &want)

	got, err := e.Submission(ctx, s.ID)
	if err != nil {
		t.Fatalf("Submission: %v", err)
	}
	sameSubmission(t, got, &want)
	got, err = e.SubmissionByReference(ctx, s.Reference)
	if err != nil {
		t.Fatalf("SubmissionByReference: %v", err)
	}
	sameSubmission(t, got, &want)

	msgs := outboxByID(t, e, s.ID)
	if len(msgs) != len(out) {
		t.Fatalf("Outbox: %d messages, want %d", len(msgs), len(out))
	}
	for _, o := range out {
		m := msgs[o.ID]
		if m == nil {
			t.Fatalf("Outbox: message %s missing", o.ID)
		}
		if m.SubmissionID != s.ID || m.Destination != o.Destination || m.State != engine.OutboxQueued ||
			m.Attempts != 0 || m.LastError != "" {
			t.Errorf("Outbox message: got %+v", m)
		}
		sameTime(t, "outbox NextAttemptAt", m.NextAttemptAt, e.clock.Now())
		sameTime(t, "outbox CreatedAt", m.CreatedAt, e.clock.Now())
		sameTime(t, "outbox UpdatedAt", m.UpdatedAt, e.clock.Now())
	}

	_, err = e.Draft(ctx, d.ID)
	wantKind(t, "Draft after Submit", err, engine.KindNotFound)
	_, err = e.DraftByResumeCode(ctx, strings.Repeat("7f", 32))
	wantKind(t, "DraftByResumeCode after Submit", err, engine.KindNotFound)
}

func testSubmitIdempotent(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	first := e.newSubmission(d.ID)
	if _, created, err := e.Submit(ctx, first, newOutbox("webhook:a")); err != nil || !created {
		t.Fatalf("first Submit: created=%v err=%v", created, err)
	}
	e.clock.Advance(time.Second)
	second := e.newSubmission(d.ID) // the resent POST: new id and Vorgangsnummer, same draft
	stored, created, err := e.Submit(ctx, second, newOutbox("webhook:a", "webhook:b"))
	if err != nil {
		t.Fatalf("second Submit: %v", err)
	}
	if created {
		t.Fatal("second Submit: created = true, want false")
	}
	sameSubmission(t, stored, first)
	if n := len(outboxByID(t, e, first.ID)); n != 1 {
		t.Fatalf("Outbox after the second Submit: %d messages, want 1", n)
	}
	_, err = e.Submission(ctx, second.ID)
	wantKind(t, "Submission of the second id", err, engine.KindNotFound)
	_, err = e.SubmissionByReference(ctx, second.Reference)
	wantKind(t, "SubmissionByReference of the second reference", err, engine.KindNotFound)
	if n := len(outboxByID(t, e, second.ID)); n != 0 {
		t.Fatalf("Outbox of the second id: %d messages, want 0", n)
	}
}

func testSubmitDuplicateReference(t *testing.T, e *env) {
	ctx := t.Context()
	d1, d2 := e.mustCreateDraft(t), e.mustCreateDraft(t)
	first := e.newSubmission(d1.ID)
	if _, _, err := e.Submit(ctx, first, newOutbox("webhook:a")); err != nil {
		t.Fatalf("first Submit: %v", err)
	}
	clash := e.newSubmission(d2.ID)
	clash.Reference = first.Reference
	_, _, err := e.Submit(ctx, clash, newOutbox("webhook:a"))
	wantKind(t, "Submit with a Vorgangsnummer in use", err, engine.KindConflict)

	// Nothing of the failed submit was written, and the draft is still there.
	_, err = e.Submission(ctx, clash.ID)
	wantKind(t, "Submission after the conflict", err, engine.KindNotFound)
	if n := len(outboxByID(t, e, clash.ID)); n != 0 {
		t.Fatalf("Outbox after the conflict: %d messages, want 0", n)
	}
	if _, err := e.Draft(ctx, d2.ID); err != nil {
		t.Fatalf("Draft after the conflict: %v", err)
	}

	// The caller draws a new Vorgangsnummer and tries again.
	clash.Reference = newReference()
	if _, created, err := e.Submit(ctx, clash, newOutbox("webhook:a")); err != nil || !created {
		t.Fatalf("Submit with a new Vorgangsnummer: created=%v err=%v", created, err)
	}

	// A submission id in use is a conflict too.
	d3 := e.mustCreateDraft(t)
	sameID := e.newSubmission(d3.ID)
	sameID.ID = first.ID
	_, _, err = e.Submit(ctx, sameID, nil)
	wantKind(t, "Submit with an id in use", err, engine.KindConflict)
}

func testSubmitRollsBack(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	s := e.newSubmission(d.ID)
	out := newOutbox("webhook:a", "webhook:b")
	out[1].ID = out[0].ID // the second outbox insert fails
	_, _, err := e.Submit(ctx, s, out)
	wantKind(t, "Submit with a duplicate outbox id", err, engine.KindConflict)

	_, err = e.Submission(ctx, s.ID)
	wantKind(t, "Submission after the failed Submit", err, engine.KindNotFound)
	if n := len(outboxByID(t, e, s.ID)); n != 0 {
		t.Fatalf("Outbox after the failed Submit: %d messages, want 0", n)
	}
	if _, err := e.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft after the failed Submit: %v", err)
	}
}

func testSubmitConcurrent(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	const n = 20
	type result struct {
		stored  *engine.Submission
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			s := e.newSubmission(d.ID)
			<-ready
			stored, created, err := e.Submit(ctx, s, newOutbox("webhook:a"))
			results[i] = result{stored, created, err}
		})
	}
	close(ready)
	wg.Wait()

	var winner string
	createdCount := 0
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("Submit %d: %v", i, r.err)
		}
		if r.created {
			createdCount++
			winner = r.stored.ID
		}
	}
	if createdCount != 1 {
		t.Fatalf("%d of %d concurrent Submits created a submission, want exactly 1", createdCount, n)
	}
	for i, r := range results {
		if r.stored.ID != winner {
			t.Errorf("Submit %d returned submission %s, want %s", i, r.stored.ID, winner)
		}
	}
	if got := len(outboxByID(t, e, winner)); got != 1 {
		t.Fatalf("Outbox: %d messages, want 1", got)
	}
}

// testSubmitConcurrentSameID submits one draft from many goroutines with the same submission
// id (derived from the draft id, as the engine does) but different Vorgangsnummern.
func testSubmitConcurrentSameID(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	id := NewID()
	const n = 20
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			s := e.newSubmission(d.ID)
			s.ID = id
			<-ready
			var stored *engine.Submission
			stored, created[i], errs[i] = e.Submit(ctx, s, newOutbox("webhook:a"))
			if errs[i] == nil && stored.ID != id {
				errs[i] = fmt.Errorf("returned submission %s, want %s", stored.ID, id)
			}
		})
	}
	close(ready)
	wg.Wait()
	count := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Submit %d: %v", i, errs[i])
		}
		if created[i] {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d of %d concurrent Submits created the submission, want exactly 1", count, n)
	}
	if got := len(outboxByID(t, e, id)); got != 1 {
		t.Fatalf("Outbox: %d messages, want 1", got)
	}
}

func testSubmitConcurrentDifferentDrafts(t *testing.T, e *env) {
	ctx := t.Context()
	const n = 20
	drafts := make([]*engine.Draft, n)
	for i := range drafts {
		drafts[i] = e.mustCreateDraft(t)
	}
	errs := make([]error, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s := e.newSubmission(drafts[i].ID)
			ids[i] = s.ID
			_, created, err := e.Submit(ctx, s, newOutbox("webhook:a", "webhook:b"))
			if err == nil && !created {
				err = fmt.Errorf("created = false for a new draft")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
		if _, err := e.Submission(ctx, ids[i]); err != nil {
			t.Fatalf("Submission %d: %v", i, err)
		}
		if got := len(outboxByID(t, e, ids[i])); got != 2 {
			t.Fatalf("Outbox %d: %d messages, want 2", i, got)
		}
		_, err = e.Draft(ctx, drafts[i].ID)
		wantKind(t, "Draft after Submit", err, engine.KindNotFound)
	}
}

func testSubmitDraftGone(t *testing.T, e *env) {
	ctx := t.Context()
	s := e.newSubmission(NewID()) // a draft that no longer exists
	stored, created, err := e.Submit(ctx, s, newOutbox("webhook:a"))
	if err != nil || !created {
		t.Fatalf("Submit without a draft row: created=%v err=%v", created, err)
	}
	sameSubmission(t, stored, s)
}

func testSubmitInvalid(t *testing.T, e *env) {
	ctx := t.Context()
	cases := []struct {
		name   string
		change func(s *engine.Submission, out []*engine.OutboxMessage)
	}{
		{"no id", func(s *engine.Submission, _ []*engine.OutboxMessage) { s.ID = "" }},
		{"no reference", func(s *engine.Submission, _ []*engine.OutboxMessage) { s.Reference = "" }},
		{"no form", func(s *engine.Submission, _ []*engine.OutboxMessage) { s.FormID = "" }},
		{"data not JSON", func(s *engine.Submission, _ []*engine.OutboxMessage) { s.Data = json.RawMessage(`{`) }},
		{"outbox without id", func(_ *engine.Submission, out []*engine.OutboxMessage) { out[0].ID = "" }},
		{"outbox without destination", func(_ *engine.Submission, out []*engine.OutboxMessage) { out[0].Destination = "" }},
		{"outbox nil", func(_ *engine.Submission, out []*engine.OutboxMessage) { out[0] = nil }},
		{"nil submission", nil},
	}
	for _, c := range cases {
		d := e.mustCreateDraft(t)
		s := e.newSubmission(d.ID)
		out := newOutbox("webhook:a")
		if c.change != nil {
			c.change(s, out)
		} else {
			s = nil
		}
		_, _, err := e.Submit(ctx, s, out)
		wantKind(t, "Submit "+c.name, err, engine.KindInvalid)
		if _, err := e.Draft(ctx, d.ID); err != nil {
			t.Fatalf("Draft after an invalid Submit (%s): %v", c.name, err)
		}
	}
}

func testLookups(t *testing.T, e *env) {
	ctx := t.Context()
	_, err := e.Submission(ctx, NewID())
	wantKind(t, "Submission unknown", err, engine.KindNotFound)
	_, err = e.Submission(ctx, "not a uuid")
	wantKind(t, "Submission malformed id", err, engine.KindNotFound)
	_, err = e.SubmissionByReference(ctx, newReference())
	wantKind(t, "SubmissionByReference unknown", err, engine.KindNotFound)
	msgs, err := e.Outbox(ctx, NewID())
	if err != nil || len(msgs) != 0 {
		t.Fatalf("Outbox of an unknown submission = %v, %v; want none and no error", msgs, err)
	}

	// Several submissions: each lookup finds its own.
	var subs []*engine.Submission
	for range 3 {
		d := e.mustCreateDraft(t)
		s := e.newSubmission(d.ID)
		if _, _, err := e.Submit(ctx, s, newOutbox("webhook:a")); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		subs = append(subs, s)
	}
	for _, s := range subs {
		got, err := e.Submission(ctx, s.ID)
		if err != nil {
			t.Fatalf("Submission: %v", err)
		}
		sameSubmission(t, got, s)
		got, err = e.SubmissionByReference(ctx, s.Reference)
		if err != nil {
			t.Fatalf("SubmissionByReference: %v", err)
		}
		sameSubmission(t, got, s)
		msgs := outboxByID(t, e, s.ID)
		if len(msgs) != 1 {
			t.Fatalf("Outbox: %d messages, want 1", len(msgs))
		}
	}
}

// payloads are answers that a store must keep byte for byte: names from DIN 91379 (precomposed
// and with combining marks), key order and white space that a JSON re-encoding would change,
// escapes, numbers beyond float64, and a large object.
func payloads() map[string]json.RawMessage {
	big := make(map[string]string)
	for i := range 200 {
		big[fmt.Sprintf("feld%03d", i)] = strings.Repeat("äöüß€", 8)
	}
	bigJSON, err := json.Marshal(big)
	if err != nil {
		panic(err)
	}
	return map[string]json.RawMessage{
		"din91379": json.RawMessage(`{"name":"Łukasz Ørsted-Ñúñez","kurz":"Ǧǩ","ort":"Żółkiewka"}`),
		// G + combining caron, k + combining caron: must not be normalized to Ǧǩ.
		"combining":  json.RawMessage("{\"name\":\"G\u030ck\u030c\",\"a\":\"A\u0308\"}"),
		"layout":     json.RawMessage("{ \"z\" : 1 ,\n\t\"a\" : [ 1.0, 2e3, -0.0 ],  \"n\": null }"),
		"escapes":    json.RawMessage(`{"e":"\u00e9\n\"quoted\"\\","nul":"\u0000","slash":"\/"}`),
		"numbers":    json.RawMessage(`{"big":123456789012345678901234567890,"exp":1E+400}`),
		"astral":     json.RawMessage(`{"emoji":"🐕‍🦺","han":"𠀋"}`),
		"duplicates": json.RawMessage(`{"a":1,"a":2}`),
		"empty":      json.RawMessage(`{}`),
		"large":      json.RawMessage(bigJSON),
	}
}

func testDataRoundTrip(t *testing.T, e *env) {
	ctx := t.Context()
	names := make([]string, 0)
	all := payloads()
	for name := range all {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		data := all[name]
		d := e.newDraft()
		d.Data = slices.Clone(data)
		if err := e.CreateDraft(ctx, d); err != nil {
			t.Fatalf("%s: CreateDraft: %v", name, err)
		}
		got, err := e.Draft(ctx, d.ID)
		if err != nil {
			t.Fatalf("%s: Draft: %v", name, err)
		}
		if !bytes.Equal(got.Data, data) {
			t.Errorf("%s: draft data changed:\n got %q\nwant %q", name, got.Data, data)
		}

		s := e.newSubmission(d.ID)
		s.Data = slices.Clone(data)
		if _, _, err := e.Submit(ctx, s, nil); err != nil {
			t.Fatalf("%s: Submit: %v", name, err)
		}
		sub, err := e.Submission(ctx, s.ID)
		if err != nil {
			t.Fatalf("%s: Submission: %v", name, err)
		}
		if !bytes.Equal(sub.Data, data) {
			t.Errorf("%s: submission data changed:\n got %q\nwant %q", name, sub.Data, data)
		}
	}

	// Text fields keep DIN 91379 characters too.
	d := e.newDraft()
	d.FormVersion = "Ǧǩ-Łukasz"
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	got, err := e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	sameDraft(t, got, d)
}

func testTimesRoundTrip(t *testing.T, e *env) {
	ctx := t.Context()
	berlin := time.FixedZone("CEST", 2*60*60)
	created := time.Date(2025, 3, 30, 3, 0, 0, 987654321, berlin)
	d := e.newDraft()
	d.CreatedAt = created
	d.UpdatedAt = created.Add(time.Nanosecond * 1500)
	d.ExpiresAt = time.Date(2125, 12, 31, 23, 59, 59, 999999000, berlin)
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatalf("CreateDraft: %v", err)
	}
	got, err := e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatalf("Draft: %v", err)
	}
	sameDraft(t, got, d)

	s := e.newSubmission(d.ID)
	s.SubmittedAt = time.Date(2025, 10, 26, 2, 30, 0, 1000, berlin)
	out := newOutbox("webhook:a")
	out[0].State = engine.OutboxRetry
	out[0].Attempts = 3
	out[0].LastError = "HTTP 503"
	out[0].NextAttemptAt = time.Date(2025, 10, 26, 2, 45, 0, 123456000, berlin)
	out[0].CreatedAt = s.SubmittedAt
	out[0].UpdatedAt = s.SubmittedAt.Add(time.Millisecond)
	if _, _, err := e.Submit(ctx, s, out); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	sub, err := e.Submission(ctx, s.ID)
	if err != nil {
		t.Fatalf("Submission: %v", err)
	}
	sameSubmission(t, sub, s)
	msgs := outboxByID(t, e, s.ID)
	m := msgs[out[0].ID]
	if m == nil {
		t.Fatal("outbox message missing")
	}
	if m.State != engine.OutboxRetry || m.Attempts != 3 || m.LastError != "HTTP 503" {
		t.Errorf("outbox message: got %+v", m)
	}
	sameTime(t, "outbox NextAttemptAt", m.NextAttemptAt, out[0].NextAttemptAt)
	sameTime(t, "outbox CreatedAt", m.CreatedAt, out[0].CreatedAt)
	sameTime(t, "outbox UpdatedAt", m.UpdatedAt, out[0].UpdatedAt)
}

func testContextCanceled(t *testing.T, e *env) {
	d := e.mustCreateDraft(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"CreateDraft": func() error { return e.CreateDraft(ctx, e.newDraft()) },
		"Draft":       func() error { _, err := e.Draft(ctx, d.ID); return err },
		"UpdateDraft": func() error { return e.UpdateDraft(ctx, d) },
		"DeleteDraft": func() error { return e.DeleteDraft(ctx, d.ID) },
		"SaveResumeCode": func() error {
			return e.SaveResumeCode(ctx, d.ID, strings.Repeat("8e", 32), e.clock.Now().Add(time.Hour))
		},
		"DraftByResumeCode": func() error { _, err := e.DraftByResumeCode(ctx, strings.Repeat("8e", 32)); return err },
		"Submit": func() error {
			_, _, err := e.Submit(ctx, e.newSubmission(d.ID), newOutbox("webhook:a"))
			return err
		},
		"Submission":            func() error { _, err := e.Submission(ctx, NewID()); return err },
		"SubmissionByReference": func() error { _, err := e.SubmissionByReference(ctx, newReference()); return err },
		"Outbox":                func() error { _, err := e.Outbox(ctx, NewID()); return err },
	}
	for name, call := range calls {
		done := make(chan error, 1)
		go func() { done <- call() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("%s with a canceled context: no error", name)
			} else if !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a canceled context: %v, want an error wrapping context.Canceled", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s with a canceled context: no answer after 10 s", name)
		}
	}
	// Nothing happened to the draft.
	got, err := e.Draft(t.Context(), d.ID)
	if err != nil {
		t.Fatalf("Draft after the canceled calls: %v", err)
	}
	sameDraft(t, got, d)
}
