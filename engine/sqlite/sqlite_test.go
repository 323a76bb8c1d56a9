package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
)

func TestConformance(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxBatch int
	}{
		{"GroupCommit", 0},
		{"OneTransactionPerWrite", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, now func() time.Time) engine.Store {
				return openStore(t, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{Now: now, MaxBatch: c.maxBatch})
			})
		})
	}
}

func openStore(tb testing.TB, path string, opts sqlite.Options) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

// wantKind fails unless err is an *engine.Error of kind want.
func wantKind(tb testing.TB, what string, err error, want engine.Kind) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("%s: no error, want kind %s", what, want)
	}
	if got := engine.KindOf(err); got != want {
		tb.Fatalf("%s: kind %s (%v), want %s", what, got, err, want)
	}
}

func newDraft(now time.Time) *engine.Draft {
	return &engine.Draft{
		ID:          storetest.NewID(),
		FormID:      "hundesteuer",
		FormVersion: "1",
		Lang:        "de",
		Data:        json.RawMessage(`{"name":"Łukasz Ørsted-Ñúñez"}`),
		CreatedAt:   now,
		UpdatedAt:   now,
		ExpiresAt:   now.Add(time.Hour),
	}
}

func newSubmission(draftID string, data json.RawMessage) *engine.Submission {
	id := storetest.NewID()
	return &engine.Submission{
		ID:          id,
		Reference:   "HST-" + strings.ToUpper(id[:13]),
		FormID:      "hundesteuer",
		FormVersion: "1",
		SchemaHash:  strings.Repeat("a", 128),
		Lang:        "de",
		Data:        data,
		DataHash:    strings.Repeat("b", 128),
		DraftID:     draftID,
		AccessToken: storetest.NewID(),
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "ozgform.db")
	s := openStore(t, path, sqlite.Options{})
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	notADatabase := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(notADatabase, []byte(strings.Repeat("Dies ist keine Datenbank.\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		kind       engine.Kind
		msg        string // part of the error text
	}{
		{"in memory", ":memory:", engine.KindUnavailable, "SQLite-Einstellungen stimmen nicht: journal_mode ist memory statt wal"},
		{"not a database", notADatabase, engine.KindUnavailable, "kann nicht geöffnet werden"},
		{"a directory", dir, engine.KindUnavailable, "kann nicht geöffnet werden"},
		{"below a file", filepath.Join(aFile, "ozgform.db"), engine.KindUnavailable, "kann nicht angelegt werden"},
		{"empty", "", engine.KindInvalid, "plain file path"},
		{"URI", "file:ozgform.db?mode=memory", engine.KindInvalid, "plain file path"},
	}
	if os.Geteuid() != 0 { // root may write anywhere
		ro := filepath.Join(dir, "readonly")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			name, path string
			kind       engine.Kind
			msg        string
		}{"read-only directory", filepath.Join(ro, "ozgform.db"), engine.KindUnavailable, "kann nicht geöffnet werden"})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := sqlite.Open(t.Context(), c.path, sqlite.Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			wantKind(t, "Open", err, c.kind)
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

// TestOpenSwitchesToWAL opens a file that another program created with a rollback journal.
func TestOpenSwitchesToWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path+"?_pragma=journal_mode(DELETE)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE unrelated (x)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	s := openStore(t, path, sqlite.Options{})
	defer s.Close()
	raw, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %s, want wal", mode)
	}
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ozgform.db")
	openStore(t, path, sqlite.Options{}).Close()
	s := openStore(t, path, sqlite.Options{}) // the second open applies nothing
	s.Close()

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, newest int
	if err := raw.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &newest); err != nil {
		t.Fatal(err)
	}
	// Numbers may have gaps (each helper of a team gets its own range); every file counts.
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v", err)
	}
	if n != len(files) {
		t.Fatalf("schema_migrations has %d rows up to version %d, there are %d migration files", n, newest, len(files))
	}

	// A database from a newer program is refused, not damaged.
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', '')`); err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	wantKind(t, "Open a newer database", err, engine.KindUnavailable)
}

// TestLockedDatabase holds the write lock from another connection (as a backup tool or a
// second process would) and checks that writes fail with KindUnavailable within the busy
// timeout, that reads go on, and that nothing was half-written.
func TestLockedDatabase(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ozgform.db")
	const busy = 300 * time.Millisecond
	s := openStore(t, path, sqlite.Options{BusyTimeout: busy})
	defer s.Close()
	d := newDraft(time.Now())
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}

	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lock, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}

	sub := newSubmission(d.ID, json.RawMessage(`{"a":1}`))
	start := time.Now()
	_, _, err = s.Submit(ctx, sub, []*engine.OutboxMessage{{ID: storetest.NewID(), Destination: "webhook:a"}})
	elapsed := time.Since(start)
	wantKind(t, "Submit while locked", err, engine.KindUnavailable)
	if elapsed < busy/2 || elapsed > busy+3*time.Second {
		t.Errorf("Submit while locked took %s, want about the busy timeout %s", elapsed, busy)
	}
	wantKind(t, "CreateDraft while locked", s.CreateDraft(ctx, newDraft(time.Now())), engine.KindUnavailable)
	if _, err := s.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft while locked: %v (readers must not wait for the writer)", err)
	}

	if _, err := lock.ExecContext(ctx, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
	_, err = s.Submission(ctx, sub.ID)
	wantKind(t, "Submission after the failed Submit", err, engine.KindNotFound)
	if msgs, err := s.Outbox(ctx, sub.ID); err != nil || len(msgs) != 0 {
		t.Fatalf("Outbox after the failed Submit = %d messages, %v; want none", len(msgs), err)
	}
	if _, err := s.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft after the failed Submit: %v", err)
	}

	// Once the lock is gone, the same Submit goes through.
	if _, created, err := s.Submit(ctx, sub, nil); err != nil || !created {
		t.Fatalf("Submit after the lock: created=%v err=%v", created, err)
	}
}

// TestGroupCommitIsolation submits many at once, some of which collide; the collisions fail
// alone and the others are committed.
func TestGroupCommitIsolation(t *testing.T) {
	ctx := t.Context()
	s := openStore(t, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	defer s.Close()
	taken := newSubmission("", json.RawMessage(`{}`))
	if _, _, err := s.Submit(ctx, taken, nil); err != nil {
		t.Fatal(err)
	}
	const n = 60
	errs := make([]error, n)
	subs := make([]*engine.Submission, n)
	var wg sync.WaitGroup
	for i := range n {
		subs[i] = newSubmission(storetest.NewID(), json.RawMessage(`{}`))
		if i%3 == 0 {
			subs[i].Reference = taken.Reference
		}
		wg.Go(func() {
			_, _, errs[i] = s.Submit(ctx, subs[i], []*engine.OutboxMessage{{ID: storetest.NewID(), Destination: "webhook:a"}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		_, getErr := s.Submission(ctx, subs[i].ID)
		if i%3 == 0 {
			wantKind(t, fmt.Sprintf("Submit %d with a reference in use", i), err, engine.KindConflict)
			wantKind(t, fmt.Sprintf("Submission %d", i), getErr, engine.KindNotFound)
			continue
		}
		if err != nil || getErr != nil {
			t.Fatalf("Submit %d: %v; Submission: %v", i, err, getErr)
		}
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ozgform.db")
	s := openStore(t, path, sqlite.Options{})
	sub := newSubmission(storetest.NewID(), json.RawMessage(`{"name":"Ǧǩ"}`))
	if _, _, err := s.Submit(ctx, sub, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, _, err := s.Submit(ctx, newSubmission("", json.RawMessage(`{}`)), nil)
	wantKind(t, "Submit after Close", err, engine.KindUnavailable)
	_, err = s.Submission(ctx, sub.ID)
	wantKind(t, "Submission after Close", err, engine.KindUnavailable)

	s = openStore(t, path, sqlite.Options{})
	defer s.Close()
	got, err := s.SubmissionByReference(ctx, sub.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Data) != `{"name":"Ǧǩ"}` {
		t.Fatalf("data after reopen: %s", got.Data)
	}
}

// TestCanceledWhileWaiting cancels a Submit that waits behind a locked database: it returns
// at once with the context's error, and the queued write is not run later.
func TestCanceledWhileWaiting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ozgform.db")
	s := openStore(t, path, sqlite.Options{BusyTimeout: 2 * time.Second})
	defer s.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	lock, err := raw.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(t.Context(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = s.Submit(ctx, newSubmission("", json.RawMessage(`{}`)), nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Submit: %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Submit returned after %s, want right after the deadline", d)
	}
	lock.ExecContext(t.Context(), `ROLLBACK`)
}

// BenchmarkSubmit measures durable submissions per second: each operation is one Submit of
// about 2 KB of data with one outbox message, from many goroutines at once (as from many
// citizens), with synchronous=FULL.
func BenchmarkSubmit(b *testing.B) {
	data := benchData()
	for _, c := range []struct {
		name     string
		maxBatch int
	}{
		{"GroupCommit", 0},
		{"OneTransactionPerSubmit", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := openStore(b, filepath.Join(b.TempDir(), "ozgform.db"), sqlite.Options{MaxBatch: c.maxBatch})
			defer s.Close()
			b.SetParallelism(16) // 16 × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					sub := newSubmission(storetest.NewID(), data)
					out := []*engine.OutboxMessage{{ID: storetest.NewID(), Destination: "webhook:ordnungsamt"}}
					if _, _, err := s.Submit(context.Background(), sub, out); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "submissions/s")
		})
	}
}

// benchData returns a form's answers of about 2 KB.
func benchData() json.RawMessage {
	m := map[string]any{"halter": map[string]string{
		"vorname": "Łukasz", "nachname": "Ørsted-Ñúñez", "strasse": "Hauptstraße 1", "plz": "70173", "ort": "Stuttgart",
	}}
	var hunde []map[string]string
	for i := 0; len(mustJSON(m)) < 2000; i++ {
		hunde = append(hunde, map[string]string{"name": fmt.Sprintf("Hund %d", i), "rasse": "Deutscher Schäferhund", "chip": "276098100123456"})
		m["hunde"] = hunde
	}
	return mustJSON(m)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// TestFormVersionStorage: shared files are stored once; versions stored before migrations
// 0019 and 0020 read back and get their hash.
func TestFormVersionStorage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ozgform.db")
	s := openStore(t, path, sqlite.Options{})
	defer s.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	storetest.FormVersionStorage(t, s, raw)
}
