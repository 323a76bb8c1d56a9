package sqlite

import (
	"database/sql"
	"errors"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mapErr turns a driver error into an *engine.Error of the right kind. SQLite's messages name
// tables and columns, never the values, so they can be logged.
func mapErr(op string, err error) error {
	if mapped, ok := sqlstore.MapCommonErr(op, err); ok {
		return mapped
	}
	if errors.Is(err, sql.ErrConnDone) {
		return engine.E(engine.KindUnavailable, op, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code()
		switch code & 0xff { // the primary result code; Code is the extended one
		case sqlite3.SQLITE_BUSY, // another process holds the lock beyond the busy timeout
			sqlite3.SQLITE_LOCKED,
			sqlite3.SQLITE_FULL, // disk full
			sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_CANTOPEN,
			sqlite3.SQLITE_NOTADB,
			sqlite3.SQLITE_READONLY,
			sqlite3.SQLITE_PROTOCOL,
			sqlite3.SQLITE_NOMEM,
			sqlite3.SQLITE_NOLFS,
			sqlite3.SQLITE_INTERRUPT:
			return engine.E(engine.KindUnavailable, op, err)
		case sqlite3.SQLITE_CONSTRAINT:
			switch code {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return engine.E(engine.KindConflict, op, err)
			case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
				return engine.E(engine.KindNotFound, op, err)
			}
			return engine.E(engine.KindInvalid, op, err)
		}
	}
	return engine.E(engine.KindInternal, op, err)
}
