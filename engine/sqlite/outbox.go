package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// purgeBatch is the most submissions purged (or drafts deleted) in one transaction: the single
// writer commits other writes (submissions!) between the batches.
const purgeBatch = 500

// jsonList encodes strings as a JSON array for json_each: one parameter for a list of any
// length.
func jsonList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// ClaimDue moves due messages to sending for c.Worker; see engine.OutboxStore. The single
// writer runs one claim at a time, so two claims never take the same message.
func (s *Store) ClaimDue(ctx context.Context, c engine.Claim) ([]*engine.OutboxMessage, error) {
	const op = "sqlite.ClaimDue"
	if c.Worker == "" || c.Lease <= 0 || c.Now.IsZero() {
		return nil, engine.E(engine.KindInvalid, op, errors.New("a claim needs a worker, a lease and a time"))
	}
	if c.Limit <= 0 || len(c.Destinations) == 0 {
		return nil, nil
	}
	if err := engine.CheckText(append([]string{c.Worker}, c.Destinations...)...); err != nil {
		return nil, engine.E(engine.KindInvalid, op, err)
	}
	now := formatTime(c.Now)
	var msgs []*engine.OutboxMessage
	err := s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		// The SET expressions see the row as it was: a message taken over from a worker whose
		// lease expired counts the lost attempt.
		ids, err := sqlstore.Strings(tx.QueryContext(ctx, `UPDATE outbox SET
				attempts = attempts + (state = 'sending'),
				last_error = CASE WHEN state = 'sending' THEN 'lease expired' ELSE last_error END,
				state = 'sending', worker = ?, lease_until = ?, updated_at = ?
			WHERE id IN (
				SELECT id FROM outbox
				WHERE destination IN (SELECT value FROM json_each(?))
				  AND ((state IN ('queued', 'retry') AND next_attempt_at <= ?)
				       OR (state = 'sending' AND lease_until <= ?))
				ORDER BY next_attempt_at, id
				LIMIT ?)
			RETURNING id`,
			c.Worker, formatTime(c.Now.Add(c.Lease)), now, jsonList(c.Destinations), now, now, c.Limit))
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			msgs = nil
			return nil
		}
		msgs, err = sqlstore.QueryOutbox(ctx, textTimes{}, tx, `o.id IN (SELECT value FROM json_each(?)) ORDER BY o.next_attempt_at, o.id`, jsonList(ids))
		return err
	})
	if err != nil {
		return nil, err
	}
	return msgs, nil
}

// Complete records the result of a delivery attempt; see engine.OutboxStore.
func (s *Store) Complete(ctx context.Context, id, worker string, r engine.DeliveryResult) error {
	const op = "sqlite.Complete"
	if err := engine.CheckDeliveryResult(r); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var state, holder, submissionID string
		err := tx.QueryRowContext(ctx, `SELECT state, COALESCE(worker, ''), submission_id FROM outbox WHERE id = ?`, id).
			Scan(&state, &holder, &submissionID)
		if err != nil {
			return err
		}
		if state != string(engine.OutboxSending) || holder != worker {
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s and not held by worker %s", id, state, worker))
		}
		at := formatTime(r.At)
		switch r.State {
		case engine.OutboxDelivered:
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
				delivered_at = ?, worker = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`, at, at, id); err != nil {
				return err
			}
			return markDelivered(ctx, tx, submissionID, at)
		case engine.OutboxRetry, engine.OutboxDead:
			next := at
			if r.State == engine.OutboxRetry {
				next = formatTime(r.NextAttemptAt)
			}
			_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,
				next_attempt_at = ?, worker = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`,
				string(r.State), r.Error, next, at, id)
			return err
		default: // released: due again at once, the attempt not counted
			_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', next_attempt_at = ?,
				worker = NULL, lease_until = NULL, updated_at = ? WHERE id = ?`, at, at, id)
			return err
		}
	})
}

// markDelivered records at as the submission's delivery time once none of its messages is
// left undelivered.
func markDelivered(ctx context.Context, tx *sql.Tx, submissionID, at string) error {
	_, err := tx.ExecContext(ctx, `UPDATE submissions SET delivered_at = ?
		WHERE id = ? AND NOT EXISTS (SELECT 1 FROM outbox WHERE submission_id = ? AND state <> 'delivered')`,
		at, submissionID, submissionID)
	return err
}

// AcknowledgeAPI marks a submission's message for a pull destination delivered; see
// engine.OutboxStore.
func (s *Store) AcknowledgeAPI(ctx context.Context, submissionID, destination string) error {
	const op = "sqlite.AcknowledgeAPI"
	at := formatTime(s.now())
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var n, pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'delivered')
			FROM outbox WHERE submission_id = ? AND destination = ?`, submissionID, destination).Scan(&n, &pending); err != nil {
			return err
		}
		if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("the submission has no message for this destination"))
		}
		if pending == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'delivered', attempts = attempts + 1,
			delivered_at = ?, worker = NULL, lease_until = NULL, updated_at = ?
			WHERE submission_id = ? AND destination = ? AND state <> 'delivered'`, at, at, submissionID, destination); err != nil {
			return err
		}
		return markDelivered(ctx, tx, submissionID, at)
	})
}

// ListOutbox lists messages, oldest first; see engine.OutboxStore.
func (s *Store) ListOutbox(ctx context.Context, f engine.OutboxFilter) ([]*engine.OutboxMessage, error) {
	const op = "sqlite.ListOutbox"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	var (
		conds = []string{"1 = 1"}
		args  []any
	)
	if f.State != "" {
		conds, args = append(conds, "o.state = ?"), append(args, string(f.State))
	}
	if f.Destination != "" {
		conds, args = append(conds, "o.destination = ?"), append(args, f.Destination)
	}
	if f.SubmissionID != "" {
		conds, args = append(conds, "o.submission_id = ?"), append(args, f.SubmissionID)
	}
	if f.AuthorityID != "" {
		conds, args = append(conds, "s.authority_id = ?"), append(args, f.AuthorityID)
	}
	if f.FormIDs != nil {
		conds, args = append(conds, "s.form_id IN (SELECT value FROM json_each(?))"), append(args, jsonList(f.FormIDs))
	}
	if f.After != "" {
		conds = append(conds, "(o.created_at, o.id) > (SELECT created_at, id FROM outbox WHERE id = ?)")
		args = append(args, f.After)
	}
	args = append(args, f.ListLimit())
	msgs, err := sqlstore.QueryOutbox(ctx, textTimes{}, s.readDB, strings.Join(conds, " AND ")+" ORDER BY o.created_at, o.id LIMIT ?", args...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return msgs, nil
}

// RetryNow makes a queued, retrying or dead message due now; see engine.OutboxStore.
func (s *Store) RetryNow(ctx context.Context, id string) error {
	const op = "sqlite.RetryNow"
	now := formatTime(s.now())
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM outbox WHERE id = ?`, id).Scan(&state); err != nil {
			return err
		}
		switch engine.OutboxState(state) {
		case engine.OutboxQueued, engine.OutboxRetry, engine.OutboxDead:
		default:
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s", id, state))
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?,
			queued_at = ?, updated_at = ? WHERE id = ?`, now, now, now, id)
		return err
	})
}

// Replay queues a delivered or dead message again under its id; see engine.OutboxStore.
func (s *Store) Replay(ctx context.Context, id string) error {
	const op = "sqlite.Replay"
	now := formatTime(s.now())
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var (
			state, submissionID string
			purged              sql.NullString
		)
		if err := tx.QueryRowContext(ctx, `SELECT o.state, o.submission_id, s.purged_at
			FROM outbox o JOIN submissions s ON s.id = o.submission_id WHERE o.id = ?`, id).
			Scan(&state, &submissionID, &purged); err != nil {
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
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?,
			queued_at = ?, delivered_at = NULL, progress = NULL, updated_at = ? WHERE id = ?`, now, now, now, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE submissions SET delivered_at = NULL WHERE id = ?`, submissionID)
		return err
	})
}

// OutboxStats counts the messages that are not delivered; see engine.OutboxStore.
func (s *Store) OutboxStats(ctx context.Context) ([]engine.OutboxCount, error) {
	const op = "sqlite.OutboxStats"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	rows, err := s.readDB.QueryContext(ctx, `SELECT destination, state, count(*), min(COALESCE(queued_at, created_at))
		FROM outbox WHERE state IN ('queued', 'sending', 'retry', 'dead')
		GROUP BY destination, state ORDER BY destination, state`)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (engine.OutboxCount, error) {
		return sqlstore.ScanOutboxCount(textTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// MarkDestinationDisabled disables a destination; see engine.OutboxStore.
func (s *Store) MarkDestinationDisabled(ctx context.Context, destination, reason string, at time.Time) error {
	const op = "sqlite.MarkDestinationDisabled"
	if destination == "" {
		return engine.E(engine.KindInvalid, op, errors.New("no destination"))
	}
	if err := engine.CheckText(destination, reason); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	if at.IsZero() {
		at = s.now()
	}
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO disabled_destinations (name, reason, disabled_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, destination, reason, formatTime(at))
		return err
	})
}

// EnableDestination lifts the disabling of a destination; see engine.OutboxStore.
func (s *Store) EnableDestination(ctx context.Context, destination string) error {
	return s.write(ctx, "sqlite.EnableDestination", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM disabled_destinations WHERE name = ?`, destination)
		return err
	})
}

// DisabledDestinations lists the disabled destinations by name.
func (s *Store) DisabledDestinations(ctx context.Context) ([]engine.DisabledDestination, error) {
	const op = "sqlite.DisabledDestinations"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	rows, err := s.readDB.QueryContext(ctx, `SELECT name, reason, disabled_at FROM disabled_destinations ORDER BY name`)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (engine.DisabledDestination, error) {
		return sqlstore.ScanDisabledDestination(textTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// PurgeDelivered deletes the personal data of delivered submissions after their retention
// period, in batches; see engine.OutboxStore. The data column becomes "{}" (it is NOT NULL);
// receipts and attachments are not stored, so there is nothing else to delete.
func (s *Store) PurgeDelivered(ctx context.Context, now time.Time, retention engine.Retention) (int, error) {
	const op = "sqlite.PurgeDelivered"
	if err := s.readable(op); err != nil {
		return 0, err
	}
	scopes, err := s.purgeCandidates(ctx)
	if err != nil {
		return 0, mapErr(op, err)
	}
	return sqlstore.PurgeForms(scopes, now, retention, purgeBatch, func(scope sqlstore.PurgeScope, cutoff time.Time) (int64, error) {
		var n int64
		err := s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE submissions SET data = '{}', purged_at = ?
				WHERE id IN (
					SELECT id FROM submissions
					WHERE purged_at IS NULL AND delivered_at IS NOT NULL AND delivered_at <= ? AND form_id = ? AND authority_id = ?
					  AND NOT EXISTS (SELECT 1 FROM outbox WHERE submission_id = submissions.id AND state <> 'delivered')
					LIMIT ?)`, formatTime(now), formatTime(cutoff), scope.FormID, scope.AuthorityID, purgeBatch)
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
	return sqlstore.PurgeScopes(s.readDB.QueryContext(ctx, `SELECT DISTINCT form_id, authority_id FROM submissions
		WHERE purged_at IS NULL AND delivered_at IS NOT NULL ORDER BY form_id, authority_id`))
}

// PurgeExpiredDrafts deletes expired drafts and resume codes, in batches; see
// engine.OutboxStore.
func (s *Store) PurgeExpiredDrafts(ctx context.Context, now time.Time) (int, error) {
	const op = "sqlite.PurgeExpiredDrafts"
	at := formatTime(now)
	return sqlstore.InBatches(purgeBatch, func() (int64, error) {
		var n int64
		err := s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `DELETE FROM resume_codes WHERE expires_at <= ?`, at); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id IN (
				SELECT id FROM drafts WHERE expires_at <= ? LIMIT ?)`, at, purgeBatch)
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
	const op = "sqlite.SaveProgress"
	if err := engine.CheckProgress(progress); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var state, holder string
		if err := tx.QueryRowContext(ctx, `SELECT state, COALESCE(worker, '') FROM outbox WHERE id = ?`, id).Scan(&state, &holder); err != nil {
			return err
		}
		if state != string(engine.OutboxSending) || holder != worker {
			return engine.E(engine.KindConflict, op, fmt.Errorf("message %s is %s and not held by worker %s", id, state, worker))
		}
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET progress = ?, updated_at = ? WHERE id = ?`, string(progress), formatTime(s.now()), id)
		return err
	})
}
