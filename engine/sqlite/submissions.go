package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/ozgform/ozgform/engine"
)

const submissionColumns = `id, reference, form_id, form_version, schema_hash, lang, data, data_hash,
	submitted_at, draft_id, access_token, delivered_at, purged_at`

func scanSubmission(row scanner) (*engine.Submission, error) {
	var (
		s         engine.Submission
		data      []byte
		submitted string
		draftID   sql.NullString
		delivered sql.NullString
		purged    sql.NullString
	)
	if err := row.Scan(&s.ID, &s.Reference, &s.FormID, &s.FormVersion, &s.SchemaHash, &s.Lang, &data,
		&s.DataHash, &submitted, &draftID, &s.AccessToken, &delivered, &purged); err != nil {
		return nil, err
	}
	s.Data = data
	s.DraftID = draftID.String
	var err error
	if s.SubmittedAt, err = parseTime(submitted); err != nil {
		return nil, err
	}
	if delivered.Valid {
		if s.DeliveredAt, err = parseTime(delivered.String); err != nil {
			return nil, err
		}
	}
	if purged.Valid {
		// A tombstone: the data is gone (the column holds "{}").
		s.Purged, s.Data = true, nil
		if s.PurgedAt, err = parseTime(purged.String); err != nil {
			return nil, err
		}
	}
	return &s, nil
}

// Submit commits a submission, its outbox messages and the deletion of its draft (with the
// draft's resume codes) atomically. If a submission for the same DraftID exists already, it
// returns that one and created=false, and writes nothing. A Reference or ID in use by another
// submission is KindConflict: the caller draws a new Vorgangsnummer and tries again. A draft
// that is already gone is no obstacle; the submission carries its own data.
//
// Zero times are set to now, an outbox message's SubmissionID to s.ID and an empty state to
// queued, in s and outbox too. Submit returns only after the commit is durable.
func (s *Store) Submit(ctx context.Context, sub *engine.Submission, outbox []*engine.OutboxMessage) (*engine.Submission, bool, error) {
	const op = "sqlite.Submit"
	if err := engine.PrepareSubmission(sub, outbox, s.now()); err != nil {
		return nil, false, engine.E(engine.KindInvalid, op, err)
	}
	row := *sub
	row.Data = slices.Clone(sub.Data)
	msgs := make([]engine.OutboxMessage, len(outbox))
	for i, m := range outbox {
		msgs[i] = *m
	}
	var (
		stored  *engine.Submission
		created bool
	)
	err := s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		stored, created, err = submitTx(ctx, tx, &row, msgs)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// submitTx is Submit's work inside tx. The writer runs one job at a time, so the check for an
// earlier submission of the draft and the insert cannot interleave with another Submit.
func submitTx(ctx context.Context, tx *sql.Tx, sub *engine.Submission, outbox []engine.OutboxMessage) (*engine.Submission, bool, error) {
	if sub.DraftID != "" {
		earlier, err := scanSubmission(tx.QueryRowContext(ctx,
			`SELECT `+submissionColumns+` FROM submissions WHERE draft_id = ?`, sub.DraftID))
		switch {
		case err == nil:
			return earlier, false, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, false, err
		}
	}
	var draftID sql.NullString
	if sub.DraftID != "" {
		draftID = sql.NullString{String: sub.DraftID, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO submissions
		(id, reference, form_id, form_version, schema_hash, lang, data, data_hash, submitted_at, draft_id, access_token)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.Reference, sub.FormID, sub.FormVersion, sub.SchemaHash, sub.Lang, string(sub.Data),
		sub.DataHash, formatTime(sub.SubmittedAt), draftID, sub.AccessToken); err != nil {
		return nil, false, err
	}
	for i := range outbox {
		if err := insertOutbox(ctx, tx, &outbox[i]); err != nil {
			return nil, false, err
		}
	}
	// The files the data references go to the submission; the draft's others go with it.
	if err := linkAttachments(ctx, tx, sub); err != nil {
		return nil, false, err
	}
	if sub.DraftID != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, sub.DraftID); err != nil {
			return nil, false, err
		}
	}
	stored := *sub
	stored.SubmittedAt = sub.SubmittedAt.UTC()
	return &stored, true, nil
}

func insertOutbox(ctx context.Context, tx *sql.Tx, m *engine.OutboxMessage) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox
		(id, submission_id, destination, state, attempts, next_attempt_at, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.SubmissionID, m.Destination, string(m.State), m.Attempts, formatTime(m.NextAttemptAt),
		m.LastError, formatTime(m.CreatedAt), formatTime(m.UpdatedAt))
	return err
}

// Submission returns a submission by id; KindNotFound if there is none.
func (s *Store) Submission(ctx context.Context, id string) (*engine.Submission, error) {
	const op = "sqlite.Submission"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	sub, err := scanSubmission(s.readDB.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = ?`, id))
	if err != nil {
		return nil, mapErr(op, err)
	}
	return sub, nil
}

// SubmissionByReference returns a submission by its Vorgangsnummer; KindNotFound if there is
// none.
func (s *Store) SubmissionByReference(ctx context.Context, reference string) (*engine.Submission, error) {
	const op = "sqlite.SubmissionByReference"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	sub, err := scanSubmission(s.readDB.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE reference = ?`, reference))
	if err != nil {
		return nil, mapErr(op, err)
	}
	return sub, nil
}

// Outbox lists the outbox messages of a submission, oldest first; none (and no error) for an
// unknown submission.
func (s *Store) Outbox(ctx context.Context, submissionID string) ([]*engine.OutboxMessage, error) {
	const op = "sqlite.Outbox"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	msgs, err := queryOutbox(ctx, s.readDB, `o.submission_id = ? ORDER BY o.created_at, o.id`, submissionID)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return msgs, nil
}
