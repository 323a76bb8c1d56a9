package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the test's own connections

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/postgres"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
)

// The failures a citizen may meet when pressing "Absenden": the database is locked by another
// process, the disk is full, PostgreSQL is down. Each time the citizen gets the German 503
// page saying that nothing was sent, the draft is kept, nothing is half-written, and once the
// failure has cleared the same browser submits the same draft and gets exactly one
// submission.

const notSent = "Ihre Angaben wurden nicht gesendet"

// rawDB opens a second, writing connection pool to the app's SQLite file: another process,
// as far as SQLite is concerned.
func (a *testApp) rawDB() *sql.DB {
	a.tb.Helper()
	db, err := sql.Open("sqlite", a.dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		a.tb.Fatal(err)
	}
	a.tb.Cleanup(func() { db.Close() })
	return db
}

// wantNotSent checks the 503 page of a failed submit.
func wantNotSent(tb testing.TB, r *response) {
	tb.Helper()
	wantStatus(tb, "submit during the failure", r, http.StatusServiceUnavailable)
	if !strings.Contains(r.body, notSent) || !strings.Contains(r.body, `<html lang="de"`) {
		tb.Errorf("the 503 page does not say that nothing was sent:\n%s", clip(r.body))
	}
	if r.header.Get("Retry-After") == "" {
		tb.Error("the 503 has no Retry-After")
	}
	if !strings.Contains(r.body, `<a href="/formulare/hundesteuer/pruefen">Zurück zu Ihren Angaben</a>`) {
		tb.Error("the 503 page of the submit does not lead back to the review page")
	}
}

// submitAfterRecovery submits again with the same browser and checks that there is exactly
// one submission of the draft, with its outbox message, and that a third POST (a resend)
// shows the same Vorgangsnummer.
func submitAfterRecovery(tb testing.TB, b *browser, svc *engine.Service, store engine.Store, draftID string) *engine.Submission {
	tb.Helper()
	r := b.post("/formulare/hundesteuer/absenden", nil)
	wantStatus(tb, "submit after the failure cleared", r, http.StatusSeeOther)
	m := referencePattern.FindStringSubmatch(r.location)
	if m == nil {
		tb.Fatalf("submit redirects to %q", r.location)
	}
	if again := b.post("/formulare/hundesteuer/absenden", nil); again.location != r.location {
		tb.Errorf("a resent submit goes to %q, the first to %q", again.location, r.location)
	}
	sub, err := svc.SubmissionForDraft(context.Background(), draftID)
	if err != nil {
		tb.Fatalf("the draft's submission: %v", err)
	}
	if sub.Reference != m[1] {
		tb.Errorf("the draft's submission is %s, the browser was sent to %s", sub.Reference, m[1])
	}
	if out, err := store.Outbox(context.Background(), sub.ID); err != nil || len(out) != 1 {
		tb.Errorf("outbox of the submission: %d messages, %v; want 1", len(out), err)
	}
	return sub
}

// checkSQLiteState counts, through a second connection, the submissions, the submissions
// without outbox messages, and whether the draft still exists.
func checkSQLiteState(tb testing.TB, db *sql.DB, draftID string) (subs, orphans int, draft bool) {
	tb.Helper()
	var drafts int
	for q, dst := range map[string]*int{
		`SELECT count(*) FROM submissions`: &subs,
		`SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id)`: &orphans,
		`SELECT count(*) FROM drafts WHERE id = '` + draftID + `'`:                                                  &drafts,
	} {
		if err := db.QueryRow(q).Scan(dst); err != nil {
			tb.Fatal(err)
		}
	}
	return subs, orphans, drafts == 1
}

// TestFailureDatabaseLocked: another process holds the SQLite write lock (BEGIN IMMEDIATE)
// longer than the busy timeout while the citizen submits.
func TestFailureDatabaseLocked(t *testing.T) {
	app := newTestApp(t, func(_ *Config, o *sqlite.Options) { o.BusyTimeout = 200 * time.Millisecond })
	b := app.browser()
	b.fillForm(app.forms.Get("hundesteuer"), loadSample(t, "hundesteuer", "valid"))
	draftID := b.cookie(cookieDraft + "hundesteuer")

	db := app.rawDB()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	// Saving a step fails too, and the page says so (not that something was "not sent").
	page := b.get(stepURL("hundesteuer", 0))
	values := formValues(t, pageFields(t, page.body), loadSample(t, "hundesteuer", "valid"))
	values.Set("_action", "weiter")
	r := b.post(stepURL("hundesteuer", 0), values)
	wantStatus(t, "save a step while locked", r, http.StatusServiceUnavailable)
	if !strings.Contains(r.body, "konnten gerade nicht gespeichert werden") || strings.Contains(r.body, notSent) {
		t.Errorf("the 503 page of a step:\n%s", clip(r.body))
	}

	start := time.Now()
	wantNotSent(t, b.post("/formulare/hundesteuer/absenden", nil))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the citizen waited %v for the 503", took)
	}
	if _, err := conn.ExecContext(t.Context(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if subs, _, draft := checkSQLiteState(t, db, draftID); subs != 0 || !draft {
		t.Fatalf("after the failed submit: %d submissions, draft kept %v; want 0 and true", subs, draft)
	}
	// The review page still shows the answers.
	if r := b.get(reviewURL("hundesteuer")); r.status != http.StatusOK || !strings.Contains(r.body, "Bello") {
		t.Errorf("review after the failure: %d", r.status)
	}

	submitAfterRecovery(t, b, app.svc, app.store, draftID)
	if subs, orphans, draft := checkSQLiteState(t, db, draftID); subs != 1 || orphans != 0 || draft {
		t.Errorf("after the retry: %d submissions, %d without outbox, draft left %v; want 1, 0, false", subs, orphans, draft)
	}
}

// TestFailureDiskFull: the file system of the database runs full (a small tmpfs, filled up
// with a file) while the citizen submits. It needs root to mount the tmpfs and skips without.
func TestFailureDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	var logs syncBuffer
	app := newTestAppAt(t, filepath.Join(dir, "ozgform.db"), sqlite.Options{}, &logs)
	b := app.browser()
	b.fillForm(app.forms.Get("hundesteuer"), loadSample(t, "hundesteuer", "valid"))
	draftID := b.cookie(cookieDraft + "hundesteuer")

	filler := filepath.Join(dir, "filler")
	fillDisk(t, filler)
	wantNotSent(t, b.post("/formulare/hundesteuer/absenden", nil))
	if !strings.Contains(logs.String(), "database or disk is full") {
		t.Errorf("the 503 was not caused by the full disk; log:\n%s", logs.String())
	}
	db := app.rawDB()
	if subs, _, draft := checkSQLiteState(t, db, draftID); subs != 0 || !draft {
		t.Fatalf("after the failed submit: %d submissions, draft kept %v; want 0 and true", subs, draft)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	submitAfterRecovery(t, b, app.svc, app.store, draftID)
	if subs, orphans, draft := checkSQLiteState(t, db, draftID); subs != 1 || orphans != 0 || draft {
		t.Errorf("after the retry: %d submissions, %d without outbox, draft left %v; want 1, 0, false", subs, orphans, draft)
	}
	if err := app.store.Close(); err != nil { // before the tmpfs goes
		t.Error(err)
	}
}

// syncBuffer is a log sink for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fillDisk writes a file until the file system is full.
func fillDisk(tb testing.TB, name string) {
	tb.Helper()
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				tb.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	// Also the last partial blocks.
	for _, n := range []int{4096, 512, 1} {
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
}

// newTestAppAt is newTestApp with the SQLite file at a given path, logging to logs.
func newTestAppAt(tb testing.TB, dbPath string, sopts sqlite.Options, logs io.Writer) *testApp {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), dbPath, sopts)
	if err != nil {
		tb.Fatal(err)
	}
	svc := &engine.Service{Store: store}
	s := New(Config{RateLimit: -1}, exampleForms(tb), svc, slog.New(slog.NewTextHandler(logs, nil)))
	ts := httptest.NewServer(s.Handler())
	app := &testApp{tb: tb, server: s, http: ts, store: store, svc: svc, dbPath: dbPath, forms: exampleForms(tb)}
	tb.Cleanup(func() {
		ts.Close()
		store.Close()
	})
	return app
}

// TestFailurePostgresDown: PostgreSQL goes away (every connection is cut, new ones are
// refused) while the citizen submits. The store reaches PostgreSQL through a TCP proxy that
// the test switches off and on; without OZGFORM_TEST_POSTGRES the test skips (in CI it fails).
func TestFailurePostgresDown(t *testing.T) {
	base := storetest.PostgresURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() }) // after the DROP DATABASE below
	var rnd [6]byte
	rand.Read(rnd[:])
	dbName := "ozgform_down_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + dbName); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + dbName + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", dbName, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startTCPProxy(t, u.Host)
	u.Host = proxy.addr
	u.Path = "/" + dbName

	store, err := postgres.Open(t.Context(), u.String(), postgres.Options{ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := &engine.Service{Store: store}
	s := New(Config{RateLimit: -1}, exampleForms(t), svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	app := &testApp{tb: t, server: s, http: ts, svc: svc, forms: exampleForms(t)}

	b := app.browser()
	b.fillForm(app.forms.Get("hundesteuer"), loadSample(t, "hundesteuer", "valid"))
	draftID := b.cookie(cookieDraft + "hundesteuer")

	direct := u
	direct.Host = proxy.target
	pg, err := sql.Open("pgx", direct.String())
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	count := func() (subs, orphans, drafts int) {
		t.Helper()
		for q, dst := range map[string]*int{
			`SELECT count(*) FROM submissions`: &subs,
			`SELECT count(*) FROM submissions s WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.submission_id = s.id)`: &orphans,
			`SELECT count(*) FROM drafts WHERE id = '` + draftID + `'`:                                                  &drafts,
		} {
			if err := pg.QueryRow(q).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		return
	}

	proxy.down()
	wantNotSent(t, b.post("/formulare/hundesteuer/absenden", nil))
	// Reading fails too: the review page is a 503, not an empty page.
	if r := b.get(reviewURL("hundesteuer")); r.status != http.StatusServiceUnavailable || !strings.Contains(r.body, "kann gerade nicht angezeigt werden") {
		t.Errorf("review while PostgreSQL is down: %d, want 503 with a German explanation\n%s", r.status, clip(r.body))
	}
	if subs, _, drafts := count(); subs != 0 || drafts != 1 {
		t.Fatalf("after the failed submit: %d submissions, %d drafts; want 0 and 1", subs, drafts)
	}

	proxy.up()
	submitAfterRecovery(t, b, svc, store, draftID)
	if subs, orphans, drafts := count(); subs != 1 || orphans != 0 || drafts != 0 {
		t.Errorf("after the retry: %d submissions, %d without outbox, %d drafts; want 1, 0, 0", subs, orphans, drafts)
	}
}

// tcpProxy forwards connections from addr to target until it is switched down: then every
// connection is cut and new ones are refused, as when the database server is gone.
type tcpProxy struct {
	tb     testing.TB
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startTCPProxy(tb testing.TB, target string) *tcpProxy {
	tb.Helper()
	p := &tcpProxy{tb: tb, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	tb.Cleanup(func() { p.down(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(s, c); s.Close() }()
			go func() { defer p.wg.Done(); io.Copy(c, s); c.Close() }()
		}
	}()
}

// down closes the listener and cuts every connection.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// up listens again on the same address.
func (p *tcpProxy) up() {
	p.tb.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.tb.Fatal(err)
	}
	p.serve(ln)
}
