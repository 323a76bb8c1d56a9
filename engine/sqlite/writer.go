package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ozgform/ozgform/engine"
)

// job is one public method's write. The writer goroutine runs it inside a SAVEPOINT of the
// current batch's transaction, so it is atomic on its own and durable once done is answered.
type job struct {
	ctx  context.Context
	op   string
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // buffered: the writer never waits for a caller that went away
}

// errClosed is the cause of the errors of writes that arrive after Close.
var errClosed = errors.New("the store is closed")

// write runs fn as one atomic write and returns once it is committed (or has failed). If ctx
// ends while fn is waiting for its turn, fn is not run. If ctx ends while the batch that
// contains fn is being committed, write returns ctx's error at once, and fn may still be
// committed: a retry of Submit with the same draft then returns that submission.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return mapErr(op, err)
	}
	j := &job{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-ctx.Done():
		return mapErr(op, ctx.Err())
	case <-s.quit:
		return engine.E(engine.KindUnavailable, op, errClosed)
	}
	select {
	case err := <-j.done:
		return err
	case <-ctx.Done():
		return mapErr(op, ctx.Err())
	}
}

// writeLoop is the single writer. It takes the first waiting job, then every job that is
// waiting by now (up to maxBatch), and commits them together. Jobs arriving while a batch is
// being synced to disk wait for the next batch; under load batches grow by themselves, and a
// lone job is committed at once, without waiting for company.
func (s *Store) writeLoop() {
	defer close(s.done)
	batch := make([]*job, 0, s.maxBatch)
	for {
		batch = batch[:0]
		select {
		case j := <-s.jobs:
			batch = append(batch, j)
		case <-s.quit:
			return
		}
	more:
		for len(batch) < s.maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		s.runBatch(batch)
		clear(batch)
	}
}

// runBatch runs the jobs in one transaction, each inside its own savepoint, commits, and then
// answers each job. A job is answered with nil only after the COMMIT has succeeded.
func (s *Store) runBatch(batch []*job) {
	// The jobs' statements do not use the callers' contexts: a canceled context interrupts the
	// connection, and SQLite then rolls back the whole transaction, with the other callers'
	// writes in it. Waiting is bounded by the busy timeout instead.
	ctx := context.Background()
	errs := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.done <- errs[i]
		}
	}()
	// abort fails every job that has not failed on its own.
	abort := func(tx *sql.Tx, err error) {
		if tx != nil {
			tx.Rollback()
		}
		for i, j := range batch {
			if errs[i] == nil {
				errs[i] = mapErr(j.op, err)
			}
		}
	}

	tx, err := s.writeDB.BeginTx(ctx, nil)
	if err != nil {
		abort(nil, err)
		return
	}
	succeeded := 0
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = mapErr(j.op, err)
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT job"); err != nil {
			abort(tx, err)
			return
		}
		if err := runJob(tx, j); err != nil {
			errs[i] = mapErr(j.op, err)
			// After an I/O error or a full disk SQLite may have rolled back the whole
			// transaction; then the savepoint is gone and the batch fails as a whole.
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO job"); err != nil {
				abort(tx, err)
				return
			}
		} else {
			succeeded++
		}
		if _, err := tx.ExecContext(ctx, "RELEASE job"); err != nil {
			abort(tx, err)
			return
		}
	}
	if succeeded == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		// A COMMIT that failed may leave SQLite's transaction open on the connection (for
		// example after SQLITE_BUSY); end it, so that the next batch can begin.
		s.writeDB.ExecContext(ctx, "ROLLBACK")
		abort(nil, err)
	}
}

// runJob runs one job's function and turns a panic into an error, so that one bad write does
// not take the writer goroutine (and every later write) down with it.
func runJob(tx *sql.Tx, j *job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = engine.E(engine.KindInternal, j.op, fmt.Errorf("panic: %v", r))
		}
	}()
	return j.fn(context.WithoutCancel(j.ctx), tx)
}
