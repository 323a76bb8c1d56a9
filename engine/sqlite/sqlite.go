// Package sqlite is the default [engine.Store]: one SQLite file, opened with the pure-Go driver
// modernc.org/sqlite (no cgo), so that ozgform stays a single binary.
//
// # Connections
//
// SQLite allows one writer at a time. The store therefore has exactly one write connection, and
// a small pool of read connections that never write. In WAL mode readers see the last commit
// and neither block nor are blocked by the writer, so a citizen loading a page does not wait
// for another citizen's fsync.
//
// # Group commit
//
// Every write (a draft saved, a submission committed) is handed to one writer goroutine. It
// takes all writes that are waiting, runs each inside its own SAVEPOINT of one transaction and
// commits them together: one fsync for many writes. Each write stays atomic on its own (a
// failing one is rolled back to its savepoint without touching the others), and a caller is
// answered only after the COMMIT has returned, so an acknowledged submission is durable
// (synchronous=FULL). Options.MaxBatch = 1 gives one transaction per write.
//
// # Files
//
// Times are stored as RFC 3339 text in UTC with nine fractional digits; data as the exact JSON
// text. The schema is created and upgraded by the numbered SQL files in migrations/, applied in
// order, each in its own transaction, and recorded in the table schema_migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options configure a Store. The zero value is what production uses.
type Options struct {
	// Now returns the current time; nil means time.Now. Tests set it to move time.
	Now func() time.Time
	// BusyTimeout is how long a write waits for a lock that another process holds (a backup,
	// a second instance started by mistake, the sqlite3 shell) before it fails with
	// KindUnavailable; 0 means 5 s.
	BusyTimeout time.Duration
	// Readers is the number of read connections; 0 means 4.
	Readers int
	// MaxBatch is the largest number of writes committed together in one transaction (group
	// commit); 0 means 128, 1 means one transaction per write.
	MaxBatch int
}

// Store is an engine.Store in one SQLite file. It is safe for concurrent use.
type Store struct {
	path    string
	writeDB *sql.DB // exactly one connection, used only by the writer goroutine and Open
	readDB  *sql.DB // read-only connections (PRAGMA query_only)
	// stmts are the reads of every step page, prepared once per read connection instead of
	// parsed anew by SQLite for each request.
	stmts    readStmts
	now      func() time.Time
	maxBatch int

	jobs      chan *job     // unbuffered: a send succeeds only when the writer takes the job
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when the writer goroutine has ended
	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ engine.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open opens (and if needed creates) the SQLite database at path, checks that the connection
// settings hold, and brings the schema up to date. The directory of path is created if it is
// missing. Errors are *engine.Error values: KindInvalid for a path that cannot be used,
// KindUnavailable when the file cannot be opened or its settings do not hold.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	const op = "sqlite.Open"
	if path == "" || strings.Contains(path, "?") || strings.HasPrefix(path, "file:") {
		return nil, engine.E(engine.KindInvalid, op, errors.New("the database path must be a plain file path (no URI, no \"?\")"))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Readers <= 0 {
		opts.Readers = 4
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 128
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, engine.E(engine.KindUnavailable, op, fmt.Errorf(
				"Verzeichnis der SQLite-Datenbank kann nicht angelegt werden (cannot create the directory of the SQLite database): %w", err))
		}
	}

	s := &Store{
		path:     path,
		now:      opts.Now,
		maxBatch: opts.MaxBatch,
		jobs:     make(chan *job),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	busy := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)

	// The write connection. Each pragma is set on every new connection by the driver, in this
	// order (busy_timeout first, so that the others wait for a lock instead of failing):
	//   - busy_timeout: wait for a lock held by another process rather than fail at once, but
	//     only so long, so that a request fails with KindUnavailable instead of hanging;
	//   - journal_mode=WAL: readers and the writer do not block each other, and a commit
	//     appends to the log (one fsync) instead of rewriting pages through a rollback
	//     journal (several fsyncs);
	//   - synchronous=FULL: in WAL mode NORMAL may lose the last commits on power loss; a
	//     submission is acknowledged only once it is durable, so every commit syncs the log;
	//   - foreign_keys=ON: SQLite leaves them off for compatibility; the schema relies on them
	//     (resume codes go with their draft, outbox messages need their submission);
	//   - _txlock=immediate: BEGIN takes the write lock at once. A deferred transaction that
	//     reads first and writes later fails with SQLITE_BUSY without waiting when another
	//     process wrote in between; an immediate one waits at BEGIN, before it wrote anything.
	writeDSN := path + "?_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(ON)" +
		"&_txlock=immediate"
	var err error
	if s.writeDB, err = sql.Open("sqlite", writeDSN); err != nil {
		return nil, openErr(op, path, err)
	}
	// One connection: SQLite serializes writers anyway, and a second write connection would
	// only wait in SQLite's busy handler (sleeping and polling) instead of in Go.
	s.writeDB.SetMaxOpenConns(1)
	s.writeDB.SetMaxIdleConns(1)
	s.writeDB.SetConnMaxLifetime(0)
	s.writeDB.SetConnMaxIdleTime(0)
	fail := func(err error) (*Store, error) {
		s.writeDB.Close()
		if s.readDB != nil {
			s.readDB.Close()
		}
		return nil, err
	}
	if err := checkPragmas(ctx, op, s.writeDB, []pragma{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", busy},
		{"query_only", "0"},
	}, path); err != nil {
		return fail(err)
	}
	if err := s.migrate(ctx); err != nil {
		return fail(err)
	}

	// The read connections: the journal mode is a property of the file (set by the writer
	// above); query_only makes sure that nothing writes past the single writer.
	readDSN := path + "?_pragma=busy_timeout(" + busy + ")" +
		"&_pragma=foreign_keys(ON)" +
		"&_pragma=query_only(1)"
	if s.readDB, err = sql.Open("sqlite", readDSN); err != nil {
		return fail(openErr(op, path, err))
	}
	s.readDB.SetMaxOpenConns(opts.Readers)
	s.readDB.SetMaxIdleConns(opts.Readers)
	s.readDB.SetConnMaxIdleTime(5 * time.Minute)
	if err := checkPragmas(ctx, op, s.readDB, []pragma{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", busy},
		{"query_only", "1"},
	}, path); err != nil {
		return fail(err)
	}
	if err := s.stmts.prepare(ctx, s.readDB); err != nil {
		return fail(openErr(op, path, err))
	}

	go s.writeLoop()
	return s, nil
}

// readStmts are the prepared reads.
type readStmts struct {
	draft, draftAttachments, submissionAttachments *sql.Stmt
}

func (r *readStmts) prepare(ctx context.Context, db *sql.DB) error {
	for _, q := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		{&r.draft, `SELECT ` + sqlstore.DraftColumns + ` FROM drafts d WHERE d.id = ?`},
		{&r.draftAttachments, `SELECT ` + sqlstore.AttachmentColumns + ` FROM attachments WHERE draft_id = ? ORDER BY created_at, id`},
		{&r.submissionAttachments, `SELECT ` + sqlstore.AttachmentColumns + ` FROM attachments WHERE submission_id = ? ORDER BY created_at, id`},
	} {
		var err error
		if *q.stmt, err = db.PrepareContext(ctx, q.query); err != nil {
			return errors.Join(err, r.close())
		}
	}
	return nil
}

func (r *readStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{r.draft, r.draftAttachments, r.submissionAttachments} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}

// Close waits for the writes in progress, then closes the database. Writes that arrive later
// fail with KindUnavailable. Close may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.quit)
		<-s.done
		s.closeErr = errors.Join(s.stmts.close(), s.readDB.Close(), s.writeDB.Close())
	})
	return s.closeErr
}

// Ping checks that the database answers a read; see engine.Store.
func (s *Store) Ping(ctx context.Context) error {
	const op = "sqlite.Ping"
	if err := s.readable(op); err != nil {
		return err
	}
	var one int
	if err := s.readDB.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return mapErr(op, err)
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// pragma is a setting and the value PRAGMA name reports when it holds.
type pragma struct{ name, want string }

// checkPragmas reads the settings back from a connection of db: the driver applies them, but
// SQLite ignores some silently (WAL on a file system without shared memory, an in-memory
// database), and a store that quietly lost durability must not start.
func checkPragmas(ctx context.Context, op string, db *sql.DB, want []pragma, path string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return openErr(op, path, err)
	}
	defer conn.Close()
	for _, p := range want {
		var got string
		if err := conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
			return openErr(op, path, err)
		}
		if !strings.EqualFold(got, p.want) {
			return engine.E(engine.KindUnavailable, op, fmt.Errorf(
				"SQLite-Einstellungen stimmen nicht: %s ist %s statt %s (SQLite settings do not hold: %s is %s instead of %s; database %s)",
				p.name, got, p.want, p.name, got, p.want, path))
		}
	}
	return nil
}

// openErr explains a failure to open the database file.
func openErr(op, path string, err error) error {
	kind := engine.KindUnavailable
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return engine.E(kind, op, err)
	}
	return engine.E(kind, op, fmt.Errorf(
		"SQLite-Datenbank %s kann nicht geöffnet werden (cannot open the SQLite database): %w", path, err))
}

// migrate applies the migrations that the database lacks, each in its own transaction. The
// transactions are IMMEDIATE, so two processes opening a new file together apply each
// migration once.
func (s *Store) migrate(ctx context.Context) error {
	const op = "sqlite.migrate"
	ms, err := sqlstore.Migrations(migrationFiles)
	if err != nil {
		return engine.E(engine.KindInternal, op, err)
	}
	if _, err := s.writeDB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return openErr(op, s.path, err)
	}
	var newest sql.NullInt64
	if err := s.writeDB.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&newest); err != nil {
		return mapErr(op, err)
	}
	if len(ms) > 0 && newest.Valid && newest.Int64 > int64(ms[len(ms)-1].Version) {
		return engine.E(engine.KindUnavailable, op, fmt.Errorf(
			"Datenbankschema %d ist neuer als dieses Programm (%d) (the database schema is newer than this program)",
			newest.Int64, ms[len(ms)-1].Version))
	}
	for _, m := range ms {
		tx, err := s.writeDB.BeginTx(ctx, nil)
		if err != nil {
			return mapErr(op, err)
		}
		if err := s.applyMigration(ctx, tx, m); err != nil {
			tx.Rollback()
			return mapErr(op, fmt.Errorf("migration %s: %w", m.Name, err))
		}
		if err := tx.Commit(); err != nil {
			return mapErr(op, fmt.Errorf("migration %s: %w", m.Name, err))
		}
	}
	return nil
}

// applyMigration applies m unless the database has it already.
func (s *Store) applyMigration(ctx context.Context, tx *sql.Tx, m sqlstore.Migration) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, formatTime(s.now()))
	return err
}
