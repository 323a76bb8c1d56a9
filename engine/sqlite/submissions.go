package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

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
		earlier, err := sqlstore.ScanSubmission(textTimes{}, tx.QueryRowContext(ctx,
			`SELECT `+sqlstore.SubmissionColumns+` FROM submissions WHERE draft_id = ?`, sub.DraftID))
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
	auth, err := sqlstore.AuthoritySnapshot(sub)
	if err != nil {
		return nil, false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO submissions
		(id, reference, form_id, form_version, schema_hash, lang, data, data_hash, submitted_at, draft_id, access_token,
		 authority_id, authority)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.Reference, sub.FormID, sub.FormVersion, sub.SchemaHash, sub.Lang, string(sub.Data),
		sub.DataHash, formatTime(sub.SubmittedAt), draftID, sub.AccessToken, sub.AuthorityID, auth); err != nil {
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
	return s.submissionWhere(ctx, "sqlite.Submission", `id = ?`, id)
}

// SubmissionByReference returns a submission by its Vorgangsnummer; KindNotFound if there is
// none.
func (s *Store) SubmissionByReference(ctx context.Context, reference string) (*engine.Submission, error) {
	return s.submissionWhere(ctx, "sqlite.SubmissionByReference", `reference = ?`, reference)
}

// submissionWhere returns the submission that where (a condition with one parameter) selects.
func (s *Store) submissionWhere(ctx context.Context, op, where string, arg any) (*engine.Submission, error) {
	if err := s.readable(op); err != nil {
		return nil, err
	}
	sub, err := sqlstore.ScanSubmission(textTimes{}, s.readDB.QueryRowContext(ctx, `SELECT `+sqlstore.SubmissionColumns+` FROM submissions WHERE `+where, arg))
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
	msgs, err := sqlstore.QueryOutbox(ctx, textTimes{}, s.readDB, `o.submission_id = ? ORDER BY o.created_at, o.id`, submissionID)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return msgs, nil
}
