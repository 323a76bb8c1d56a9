package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// purgeBatch is the most submissions purged (or drafts deleted) in one transaction, so that
// a purge never holds many row locks for long.
const purgeBatch = 500

// ClaimDue moves due messages to sending for c.Worker; see engine.OutboxStore. FOR UPDATE
// SKIP LOCKED lets workers of several instances claim at the same moment: each takes rows
// that no other transaction holds, and a row another worker took in between is checked
// again against the conditions (READ COMMITTED re-evaluates them on the locked row).
func (s *Store) ClaimDue(ctx context.Context, c engine.Claim) ([]*engine.OutboxMessage, error) {
	const op = "postgres.ClaimDue"
	if c.Worker == "" || c.Lease <= 0 || c.Now.IsZero() {
		return nil, engine.E(engine.KindInvalid, op, errors.New("a claim needs a worker, a lease and a time"))
	}
	if c.Limit <= 0 || len(c.Destinations) == 0 {
		return nil, nil
	}
	if err := engine.CheckText(append([]string{c.Worker}, c.Destinations...)...); err != nil {
		return nil, engine.E(engine.KindInvalid, op, err)
	}
	var msgs []*engine.OutboxMessage
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		// The SET expressions see the row as it was: a message taken over from a worker whose
		// lease expired counts the lost attempt.
		ids, err := sqlstore.Strings(tx.QueryContext(ctx, `UPDATE outbox o SET
				attempts = o.attempts + CASE WHEN o.state = 'sending' THEN 1 ELSE 0 END,
				last_error = CASE WHEN o.state = 'sending' THEN 'lease expired' ELSE o.last_error END,
				state = 'sending', worker = $1, lease_until = $2, updated_at = $3
			FROM (
				SELECT id FROM outbox
				WHERE destination = ANY($4)
				  AND ((state IN ('queued', 'retry') AND next_attempt_at <= $3)
				       OR (state = 'sending' AND lease_until <= $3))
				ORDER BY next_attempt_at, id
				LIMIT $5
				FOR UPDATE SKIP LOCKED) due
			WHERE o.id = due.id
			RETURNING o.id`,
			c.Worker, c.Now.Add(c.Lease).UTC(), c.Now.UTC(), c.Destinations, c.Limit))
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			msgs = nil
			return nil
		}
		msgs, err = sqlstore.QueryOutbox(ctx, tzTimes{}, tx, `o.id = ANY($1) ORDER BY o.next_attempt_at, o.id`, ids)
		return err
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// lockSubmission takes the row lock of a submission, so that the check whether all its
// messages are delivered cannot race with another message's delivery or a replay.
func lockSubmission(ctx context.Context, tx *sql.Tx, submissionID string) error {
	var id string
	return tx.QueryRowContext(ctx, `SELECT id FROM submissions WHERE id = $1 FOR UPDATE`, submissionID).Scan(&id)
}

// Complete records the result of a delivery attempt; see engine.OutboxStore.
func (s *Store) Complete(ctx context.Context, id, worker string, r engine.DeliveryResult) error {
	const op = "postgres.Complete"
	if err := engine.CheckDeliveryResult(r); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	at := r.At.UTC()
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		var submissionID string
		if err := tx.QueryRowContext(ctx, `SELECT submission_id FROM outbox WHERE id = $1`, id).Scan(&submissionID); err != nil {
			return err
		}
		if r.State == engine.OutboxDelivered {
			if err := lockSubmission(ctx, tx, submissionID); err != nil {
				return err
			}
		}
		var state, holder string
		if err := tx.QueryRowContext(ctx, `SELECT state, COALESCE(worker, '') FROM outbox WHERE id = $1 FOR UPDATE`, id).
			Scan(&state, &holder); err != nil {
			return err
		}
		if state != string(engine.OutboxSending) || holder != worker {
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s and not held by worker %s", id, state, worker))
		}
		switch r.State {
		case engine.OutboxDelivered:
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
				delivered_at = $1, worker = NULL, lease_until = NULL, updated_at = $1 WHERE id = $2`, at, id); err != nil {
				return err
			}
			return markDelivered(ctx, tx, submissionID, at)
		case engine.OutboxRetry, engine.OutboxDead:
			next := at
			if r.State == engine.OutboxRetry {
				next = r.NextAttemptAt.UTC()
			}
			_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = $1, attempts = attempts + 1, last_error = $2,
				next_attempt_at = $3, worker = NULL, lease_until = NULL, updated_at = $4 WHERE id = $5`,
				string(r.State), r.Error, next, at, id)
			return err
		default: // released: due again at once, the attempt not counted
			_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', next_attempt_at = $1,
				worker = NULL, lease_until = NULL, updated_at = $1 WHERE id = $2`, at, id)
			return err
		}
	})
}

// markDelivered records at as the submission's delivery time once none of its messages is
// left undelivered. The caller holds the submission's row lock.
func markDelivered(ctx context.Context, tx *sql.Tx, submissionID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE submissions SET delivered_at = $1
		WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM outbox WHERE submission_id = $2 AND state <> 'delivered')`,
		at, submissionID)
	return err
}

// AcknowledgeAPI marks a submission's message for a pull destination delivered; see
// engine.OutboxStore.
func (s *Store) AcknowledgeAPI(ctx context.Context, submissionID, destination string) error {
	const op = "postgres.AcknowledgeAPI"
	at := s.now().UTC()
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		if err := lockSubmission(ctx, tx, submissionID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return engine.E(engine.KindNotFound, op, errors.New("no such submission"))
			}
			return err
		}
		var n, pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'delivered')
			FROM outbox WHERE submission_id = $1 AND destination = $2`, submissionID, destination).Scan(&n, &pending); err != nil {
			return err
		}
		if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("the submission has no message for this destination"))
		}
		if pending == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
			delivered_at = $1, worker = NULL, lease_until = NULL, updated_at = $1
			WHERE submission_id = $2 AND destination = $3 AND state <> 'delivered'`, at, submissionID, destination); err != nil {
			return err
		}
		return markDelivered(ctx, tx, submissionID, at)
	})
}

// ListOutbox lists messages, oldest first; see engine.OutboxStore.
func (s *Store) ListOutbox(ctx context.Context, f engine.OutboxFilter) ([]*engine.OutboxMessage, error) {
	const op = "postgres.ListOutbox"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	var (
		conds = []string{"true"}
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.State != "" {
		conds = append(conds, "o.state = "+arg(string(f.State)))
	}
	if f.Destination != "" {
		conds = append(conds, "o.destination = "+arg(f.Destination))
	}
	if f.SubmissionID != "" {
		conds = append(conds, "o.submission_id = "+arg(f.SubmissionID))
	}
	if f.AuthorityID != "" {
		conds = append(conds, "s.authority_id = "+arg(f.AuthorityID))
	}
	if f.FormIDs != nil {
		conds = append(conds, "s.form_id = ANY("+arg(f.FormIDs)+")")
	}
	if f.After != "" {
		conds = append(conds, "(o.created_at, o.id) > (SELECT created_at, id FROM outbox WHERE id = "+arg(f.After)+")")
	}
	where := strings.Join(conds, " AND ") + " ORDER BY o.created_at, o.id LIMIT " + arg(f.ListLimit())
	msgs, err := sqlstore.QueryOutbox(ctx, tzTimes{}, s.db, where, args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return msgs, nil
}

// RetryNow makes a queued, retrying or dead message due now; see engine.OutboxStore.
func (s *Store) RetryNow(ctx context.Context, id string) error {
	const op = "postgres.RetryNow"
	now := s.now().UTC()
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&state); err != nil {
			return err
		}
		switch engine.OutboxState(state) {
		case engine.OutboxQueued, engine.OutboxRetry, engine.OutboxDead:
		default:
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s", id, state))
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = $1,
			queued_at = $1, updated_at = $1 WHERE id = $2`, now, id)
		return err
	})
}

// Replay queues a delivered or dead message again under its id; see engine.OutboxStore.
func (s *Store) Replay(ctx context.Context, id string) error {
	const op = "postgres.Replay"
	now := s.now().UTC()
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		var (
			state, submissionID string
			purged              sql.NullTime
		)
		if err := tx.QueryRowContext(ctx, `SELECT o.state, o.submission_id, s.purged_at
			FROM outbox o JOIN submissions s ON s.id = o.submission_id WHERE o.id = $1
			FOR UPDATE`, id).Scan(&state, &submissionID, &purged); err != nil {
			return err
		}
		switch engine.OutboxState(state) {
		case engine.OutboxDelivered, engine.OutboxDead:
		default:
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s, not delivered or dead", id, state))
		}
		if purged.Valid {
			return engine.E(engine.KindExpired, op, fmt.Errorf("the data of submission %s has been purged", submissionID))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = $1,
			queued_at = $1, delivered_at = NULL, progress = NULL, updated_at = $1 WHERE id = $2`, now, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE submissions SET delivered_at = NULL WHERE id = $1`, submissionID)
		return err
	})
}

// OutboxStats counts the messages that are not delivered; see engine.OutboxStore.
func (s *Store) OutboxStats(ctx context.Context) ([]engine.OutboxCount, error) {
	const op = "postgres.OutboxStats"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT destination, state, count(*), min(COALESCE(queued_at, created_at))
		FROM outbox WHERE state IN ('queued', 'sending', 'retry', 'dead')
		GROUP BY destination, state ORDER BY destination, state`)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (engine.OutboxCount, error) {
		return sqlstore.ScanOutboxCount(tzTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// MarkDestinationDisabled disables a destination; see engine.OutboxStore.
func (s *Store) MarkDestinationDisabled(ctx context.Context, destination, reason string, at time.Time) error {
	const op = "postgres.MarkDestinationDisabled"
	if destination == "" {
		return engine.E(engine.KindInvalid, op, errors.New("no destination"))
	}
	if err := engine.CheckText(destination, reason); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO disabled_destinations (name, reason, disabled_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, destination, reason, at.UTC())
		return err
	})
}

// EnableDestination lifts the disabling of a destination; see engine.OutboxStore.
func (s *Store) EnableDestination(ctx context.Context, destination string) error {
	return s.inTx(ctx, "postgres.EnableDestination", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM disabled_destinations WHERE name = $1`, destination)
		return err
	})
}

// DisabledDestinations lists the disabled destinations by name.
func (s *Store) DisabledDestinations(ctx context.Context) ([]engine.DisabledDestination, error) {
	const op = "postgres.DisabledDestinations"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, reason, disabled_at FROM disabled_destinations ORDER BY name`)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (engine.DisabledDestination, error) {
		return sqlstore.ScanDisabledDestination(tzTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// PurgeDelivered deletes the personal data of delivered submissions after their retention
// period, in batches; see engine.OutboxStore. The data column becomes {} (it is NOT NULL);
// receipts and attachments are not stored, so there is nothing else to delete. Rows locked by
// a concurrent replay or delivery are skipped and purged by a later run.
func (s *Store) PurgeDelivered(ctx context.Context, now time.Time, retention engine.Retention) (int, error) {
	const op = "postgres.PurgeDelivered"
	if err := s.usable(op); err != nil {
		return 0, err
	}
	scopes, err := s.purgeCandidates(ctx)
	if err != nil {
		return 0, mapErr(op, err)
	}
	return sqlstore.PurgeForms(scopes, now, retention, purgeBatch, func(scope sqlstore.PurgeScope, cutoff time.Time) (int64, error) {
		var n int64
		err := s.inTx(ctx, op, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE submissions SET data = '{}', purged_at = $1
				WHERE id IN (
					SELECT id FROM submissions
					WHERE purged_at IS NULL AND delivered_at IS NOT NULL AND delivered_at <= $2 AND form_id = $3 AND authority_id = $4
					  AND NOT EXISTS (SELECT 1 FROM outbox WHERE submission_id = submissions.id AND state <> 'delivered')
					LIMIT $5
					FOR UPDATE SKIP LOCKED)`, now.UTC(), cutoff.UTC(), scope.FormID, scope.AuthorityID, purgeBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		return n, err
	})
}

// purgeCandidates lists the forms and authorities that have delivered submissions with data.
func (s *Store) purgeCandidates(ctx context.Context) ([]sqlstore.PurgeScope, error) {
	return sqlstore.PurgeScopes(s.db.QueryContext(ctx, `SELECT DISTINCT form_id, authority_id FROM submissions
		WHERE purged_at IS NULL AND delivered_at IS NOT NULL ORDER BY form_id, authority_id`))
}

// PurgeExpiredDrafts deletes expired drafts and resume codes, in batches; see
// engine.OutboxStore.
func (s *Store) PurgeExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	const op = "postgres.PurgeExpiredDrafts"
	at := now.UTC()
	return sqlstore.InBatches(purgeBatch, func() (int64, error) {
		var n int64
		err := s.inTx(ctx, op, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM resume_codes WHERE expires_at <= $1`, at); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id IN (
				SELECT id FROM drafts WHERE expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, at, purgeBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		return n, err
	})
}

// SaveProgress records the progress of a delivery that worker holds; see engine.OutboxStore.
func (s *Store) SaveProgress(ctx context.Context, id, worker string, progress json.RawMessage) error {
	const op = "postgres.SaveProgress"
	if err := engine.CheckProgress(progress); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		var state, holder string
		if err := tx.QueryRowContext(ctx, `SELECT state, COALESCE(worker, '') FROM outbox WHERE id = $1 FOR UPDATE`, id).Scan(&state, &holder); err != nil {
			return err
		}
		if state != string(engine.OutboxSending) || holder != worker {
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s and not held by worker %s", id, state, worker))
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET progress = $1, updated_at = $2 WHERE id = $3`, string(progress), s.now().UTC(), id)
		return err
	})
}
