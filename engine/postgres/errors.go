package postgres

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// mapErr turns a driver error into an *engine.Error of the right kind. The text of a
// *pgconn.PgError is its message and SQLSTATE; the detail, which can quote values, is not part
// of it.
func mapErr(op string, err error) error {
	if mapped, ok := sqlstore.MapCommonErr(op, err); ok {
		return mapped
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return engine.E(pgKind(pgErr.Code), op, err)
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr),
		errors.As(err, &netErr),
		pgconn.Timeout(err),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return engine.E(engine.KindUnavailable, op, err)
	}
	return engine.E(engine.KindInternal, op, err)
}

// pgKind maps a SQLSTATE to a kind.
func pgKind(code string) engine.Kind {
	switch code {
	case "23505": // unique_violation
		return engine.KindConflict
	case "23503": // foreign_key_violation: the row referred to is gone
		return engine.KindNotFound
	case "57014": // query_canceled (statement_timeout, or canceled by the client)
		return engine.KindUnavailable
	case "55000", // object_not_in_prerequisite_state: e.g. the server does not accept connections yet
		"55P03", // lock_not_available
		"25006": // read_only_sql_transaction: a hot standby after a failover
		return engine.KindUnavailable
	}
	switch class := code[:min(2, len(code))]; class {
	case "22", "23": // data exception, other integrity constraint violations
		return engine.KindInvalid
	case "08", // connection exception
		"28", // invalid authorization
		"3D", // invalid catalog name: the database does not exist
		"40", // transaction rollback: serialization failure, deadlock; try again
		"53", // insufficient resources: disk full, too many connections
		"57", // operator intervention: shutdown, cannot connect now
		"58": // system error: I/O
		return engine.KindUnavailable
	}
	return engine.KindInternal // XX: internal error, data corrupted; anything else unexpected
}
