// Package sqlstore holds the Go code that the SQLite and the PostgreSQL store share: reading
// rows into the engine's types, the embedded migrations, purging in batches and storing files
// in pieces. The SQL text stays in each store (placeholders, locking and types differ); what
// differs in reading a row is only how a time column arrives, which a store says with its
// [Times].
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// Scanner is a *sql.Row or *sql.Rows.
type Scanner interface{ Scan(dest ...any) error }

// Times is how a store's driver hands over time columns: SQLite stores them as RFC 3339
// text, PostgreSQL as timestamptz.
type Times interface {
	// TimeDest returns a new Scan destination for one time column, which may be NULL.
	TimeDest() any
	// Time returns the time scanned into a destination from TimeDest, in UTC; the zero time
	// for NULL.
	Time(dest any) (time.Time, error)
}

// timeDest marks a Scan destination as a time column; see Time.
type timeDest struct{ dst *time.Time }

// Time marks dst as the destination of a time column in a call of Scan.
func Time(dst *time.Time) any { return timeDest{dst} }

// Scan reads one row into dest, like row.Scan; the time columns among dest are given as
// Time(&t) and read the way t says.
func Scan(t Times, row Scanner, dest ...any) error {
	raw := make([]any, len(dest))
	for i, d := range dest {
		if _, ok := d.(timeDest); ok {
			raw[i] = t.TimeDest()
		} else {
			raw[i] = d
		}
	}
	if err := row.Scan(raw...); err != nil {
		return err
	}
	for i, d := range dest {
		if td, ok := d.(timeDest); ok {
			v, err := t.Time(raw[i])
			if err != nil {
				return err
			}
			*td.dst = v
		}
	}
	return nil
}

// Collect reads every row of a query with scan and closes the rows; it takes the query's
// error too and returns it as it is.
func Collect[T any](rows *sql.Rows, err error, scan func(Scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Strings reads a query of one text column; see Collect. It takes the query's results as
// they are: Strings(db.QueryContext(…)).
func Strings(rows *sql.Rows, err error) ([]string, error) {
	return Collect(rows, err, func(row Scanner) (string, error) {
		var s string
		err := row.Scan(&s)
		return s, err
	})
}

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the files in the folder migrations of fsys in the order of their
// numbers: each name starts with a number and an underscore, and no two have the same
// number.
func Migrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: the name must start with a number and an underscore", e.Name())
		}
		b, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", ms[i-1].Name, ms[i].Name)
		}
	}
	return ms, nil
}

// MapCommonErr maps the errors that do not depend on the driver: nil stays nil, an
// *engine.Error stays as it is, sql.ErrNoRows is KindNotFound, a canceled or expired context
// KindUnavailable. ok is false for any other error, which the store's own mapping decides.
func MapCommonErr(op string, err error) (mapped error, ok bool) {
	if err == nil {
		return nil, true
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return err, true
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return engine.E(engine.KindNotFound, op, err), true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return engine.E(engine.KindUnavailable, op, err), true
	}
	return nil, false
}
