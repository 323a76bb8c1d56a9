// Package postgres is the [engine.Store] for operators who run several ozgform instances: one
// PostgreSQL database shared by stateless servers.
//
// It uses github.com/jackc/pgx/v5 through its database/sql adapter (pgx/v5/stdlib): the
// store's code then has the same shape as the SQLite store's (every public method one
// transaction, private helpers taking the *sql.Tx), while pgx still does the protocol, the
// types (timestamptz, json) and the errors (*pgconn.PgError with its SQLSTATE). A request
// here runs a handful of short statements, and the commit's fsync on the server dominates, so
// pgxpool's native interface would not make it measurably faster.
//
// Times are timestamptz (microseconds); data is json, which keeps the text byte for byte. The
// schema is created and upgraded by the numbered SQL files in migrations/, applied in one
// transaction under an advisory lock, so that instances starting together apply each
// migration once, and recorded in the table schema_migrations. The store works in the
// connection's search_path (its first schema), so a URL parameter search_path=… puts it in a
// schema of its own.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// Options configure a Store. The zero value is what production uses.
type Options struct {
	// Now returns the current time; nil means time.Now. Tests set it to move time. Expiry is
	// decided with this clock, not the database server's.
	Now func() time.Time
	// MaxConns is the most connections the store opens; 0 means 10.
	MaxConns int
	// ConnectTimeout bounds connecting when the URL has no connect_timeout; 0 means 5 s.
	ConnectTimeout time.Duration
}

// Store is an engine.Store in a PostgreSQL database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	now    func() time.Time
	closed atomic.Bool
}

var _ engine.Store = (*Store)(nil)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLockKey is the advisory lock that serializes migrations ("ozgform" in ASCII).
const migrationLockKey = 0x6f7a67666f726d

// Open connects to the database at url (postgres://…), checks the server's settings and
// brings the schema up to date. A database that cannot be reached is KindUnavailable, a URL
// that cannot be parsed KindInvalid. Error messages never contain the URL (it may hold a
// password).
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	const op = "postgres.Open"
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL; say only what is wrong with it.
		return nil, engine.E(engine.KindInvalid, op, errors.New("the PostgreSQL URL cannot be parsed (expected postgres://user@host:port/database?…)"))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 10
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 5 * time.Second
	}
	if cfg.ConnectTimeout == 0 {
		// Without a timeout a connection attempt to a host that drops packets hangs for the
		// operating system's TCP timeout (minutes); a request should fail fast instead.
		cfg.ConnectTimeout = opts.ConnectTimeout
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// Set on every connection:
	//   - application_name: the DBA sees in pg_stat_activity whose connections these are;
	//   - TimeZone=UTC: times are exchanged in binary form and converted to UTC anyway, but
	//     anything the server formats as text (logs, errors) is in UTC too.
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "ozgform"
	}
	cfg.RuntimeParams["TimeZone"] = "UTC"

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(opts.MaxConns)
	db.SetMaxIdleConns(opts.MaxConns)
	db.SetConnMaxLifetime(30 * time.Minute) // follow failovers and DNS changes eventually
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{db: db, now: opts.Now}
	if err := s.checkSettings(ctx, op); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the connections. Later calls fail with KindUnavailable. Close may be called
// more than once.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.db.Close()
}

// Ping checks that the database answers a query; see engine.Store.
func (s *Store) Ping(ctx context.Context) error {
	const op = "postgres.Ping"
	if err := s.usable(op); err != nil {
		return err
	}
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return mapErr(op, err)
	}
	return nil
}

// tzTimes reads timestamptz columns, for sqlstore.Scan; NULL is the zero time.
type tzTimes struct{}

func (tzTimes) TimeDest() any { return new(sql.NullTime) }

func (tzTimes) Time(dest any) (time.Time, error) {
	t := dest.(*sql.NullTime)
	if !t.Valid {
		return time.Time{}, nil
	}
	return t.Time.UTC(), nil
}

// usable fails when the store is closed.
func (s *Store) usable(op string) error {
	if s.closed.Load() {
		return engine.E(engine.KindUnavailable, op, errors.New("the store is closed"))
	}
	return nil
}

// setting is a server setting and a check of the value SHOW reports.
type setting struct {
	name string
	want string // for the message
	ok   func(got string) bool
}

// checkSettings connects and reads back the settings that the store's promises depend on: a
// submission is acknowledged only after a durable commit, and names in every script of DIN
// 91379 must fit.
func (s *Store) checkSettings(ctx context.Context, op string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return connectErr(op, err)
	}
	defer conn.Close()
	for _, st := range []setting{
		{"fsync", "on", func(v string) bool { return v == "on" }},
		{"synchronous_commit", "on", func(v string) bool { return v != "off" }},
		{"server_encoding", "UTF8", func(v string) bool { return v == "UTF8" }},
		{"client_encoding", "UTF8", func(v string) bool { return v == "UTF8" }},
	} {
		var got string
		if err := conn.QueryRowContext(ctx, "SHOW "+st.name).Scan(&got); err != nil {
			return connectErr(op, err)
		}
		if !st.ok(got) {
			return engine.E(engine.KindUnavailable, op, fmt.Errorf(
				"PostgreSQL-Einstellungen stimmen nicht: %s ist %s statt %s (PostgreSQL settings do not hold: %s is %s instead of %s)",
				st.name, got, st.want, st.name, got, st.want))
		}
	}
	return nil
}

// connectErr explains a failure to reach the database.
func connectErr(op string, err error) error {
	mapped := mapErr(op, err)
	var e *engine.Error
	if errors.As(mapped, &e) && e.Kind == engine.KindUnavailable && e.Op == op {
		return engine.E(engine.KindUnavailable, op, fmt.Errorf(
			"PostgreSQL-Datenbank nicht erreichbar (cannot reach the PostgreSQL database): %w", e.Err))
	}
	return mapped
}

// migrate applies the migrations that the database lacks, all in one transaction that holds
// an advisory lock: a second instance starting at the same moment waits for the lock, then
// finds the migrations recorded and applies nothing.
func (s *Store) migrate(ctx context.Context) error {
	const op = "postgres.migrate"
	ms, err := sqlstore.Migrations(migrationFiles)
	if err != nil {
		return engine.E(engine.KindInternal, op, err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return connectErr(op, err)
	}
	defer tx.Rollback()
	if err := s.migrateTx(ctx, tx, ms); err != nil {
		return mapErr(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(op, err)
	}
	return nil
}

func (s *Store) migrateTx(ctx context.Context, tx *sql.Tx, ms []sqlstore.Migration) error {
	// The lock comes first: even CREATE TABLE IF NOT EXISTS fails when two sessions run it
	// at once.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return err
	}
	applied := map[int]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	newest := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
		newest = max(newest, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ms) > 0 && newest > ms[len(ms)-1].Version {
		return engine.E(engine.KindUnavailable, "postgres.migrate", fmt.Errorf(
			"Datenbankschema %d ist neuer als dieses Programm (%d) (the database schema is newer than this program)",
			newest, ms[len(ms)-1].Version))
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		// Without arguments pgx sends the file with the simple protocol, which allows several
		// statements in one call.
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.Version, m.Name, s.now().UTC()); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

// inTx runs fn in one transaction and commits it.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if err := s.usable(op); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return mapErr(op, err)
	}
	if err := tx.Commit(); err != nil {
		return mapErr(op, err)
	}
	return nil
}
