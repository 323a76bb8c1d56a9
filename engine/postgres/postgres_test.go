package postgres_test

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/postgres"
	"github.com/ozgform/ozgform/engine/storetest"
)

// testURL and freshSchema are the shared PostgreSQL test helpers of storetest.
func testURL(tb testing.TB) string { tb.Helper(); return storetest.PostgresURL(tb) }

func freshSchema(tb testing.TB) string {
	tb.Helper()
	return storetest.PostgresSchema(tb, "ozgform_test")
}

func openStore(tb testing.TB, u string, opts postgres.Options) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), u, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) engine.Store {
		return openStore(t, freshSchema(t), postgres.Options{Now: now})
	})
}

// TestConcurrentOpen starts several instances on an empty schema at once; the advisory lock
// lets one of them migrate and the others find the schema done.
func TestConcurrentOpen(t *testing.T) {
	u := freshSchema(t)
	const n = 5
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*postgres.Store, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(t.Context(), u, postgres.Options{}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var count, newest int
	if err := db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&count, &newest); err != nil {
		t.Fatal(err)
	}
	// Numbers may have gaps (each helper of a team gets its own range); every file counts.
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v", err)
	}
	if count != len(files) {
		t.Fatalf("schema_migrations has %d rows up to version %d, there are %d migration files", count, newest, len(files))
	}

	// A schema from a newer program is refused.
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', now())`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(t.Context(), u, postgres.Options{})
	if engine.KindOf(err) != engine.KindUnavailable {
		t.Fatalf("Open a newer schema: %v, want KindUnavailable", err)
	}
}

// TestUnavailable opens a database on a port where nothing listens: KindUnavailable, quickly.
func TestUnavailable(t *testing.T) {
	start := time.Now()
	s, err := postgres.Open(t.Context(), "postgres://ozgform:geheim@127.0.0.1:1/ozgform?sslmode=disable", postgres.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Open took %s, want a quick failure", d)
	}
	if engine.KindOf(err) != engine.KindUnavailable {
		t.Fatalf("Open: %v, want KindUnavailable", err)
	}
	if !strings.Contains(err.Error(), "nicht erreichbar") {
		t.Errorf("error %q does not say that the database cannot be reached", err)
	}
	if strings.Contains(err.Error(), "geheim") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestInvalidURL(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://ozgform:geheim@[::1/x", postgres.Options{})
	if engine.KindOf(err) != engine.KindInvalid {
		t.Fatalf("Open: %v, want KindInvalid", err)
	}
	if strings.Contains(err.Error(), "geheim") {
		t.Errorf("error %q shows the password", err)
	}
}

// TestServerGone stops answering mid-life: a store whose server went away reports
// KindUnavailable, not an internal error. It closes the connections from the server side.
func TestServerGone(t *testing.T) {
	u, err := url.Parse(freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	app := "ozgform_gone_" + storetest.NewID()[:8]
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	s := openStore(t, u.String(), postgres.Options{})
	defer s.Close()
	if _, err := s.Submission(t.Context(), storetest.NewID()); engine.KindOf(err) != engine.KindNotFound {
		t.Fatalf("Submission: %v", err)
	}
	admin, err := sql.Open("pgx", testURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = $1`, app); err != nil {
		t.Fatal(err)
	}
	// database/sql retries a dead idle connection once with a new one, so the store heals;
	// whatever it answers must be NotFound or Unavailable, never Internal.
	_, err = s.Submission(t.Context(), storetest.NewID())
	if k := engine.KindOf(err); k != engine.KindNotFound && k != engine.KindUnavailable {
		t.Fatalf("Submission after the server closed the connection: %v", err)
	}
}

// TestFormVersionStorage: shared files are stored once; versions stored before migrations
// 0019 and 0020 read back and get their hash.
func TestFormVersionStorage(t *testing.T) {
	u := freshSchema(t)
	s := openStore(t, u, postgres.Options{})
	defer s.Close()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.FormVersionStorage(t, s, db)
}
