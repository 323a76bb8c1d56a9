package postgres

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// Submit commits a submission, its outbox messages and the deletion of its draft (with the
// draft's resume codes) in one transaction. If a submission for the same DraftID exists
// already, it returns that one and created=false, and writes nothing; this holds for
// concurrent Submits too, from any number of instances. A Reference or ID in use by another
// submission is KindConflict: the caller draws a new Vorgangsnummer and tries again. A draft
// that is already gone is no obstacle; the submission carries its own data.
//
// Zero times are set to now, an outbox message's SubmissionID to s.ID and an empty state to
// queued, in s and outbox too. Submit returns only after the commit.
func (s *Store) Submit(ctx context.Context, sub *engine.Submission, outbox []*engine.OutboxMessage) (*engine.Submission, bool, error) {
	const op = "postgres.Submit"
	if err := engine.PrepareSubmission(sub, outbox, s.now()); err != nil {
		return nil, false, engine.E(engine.KindInvalid, op, err)
	}
	var (
		stored  *engine.Submission
		created bool
	)
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		var err error
		stored, created, err = submitTx(ctx, tx, sub, outbox)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return stored, created, nil
}

// submitTx is Submit's work inside tx.
func submitTx(ctx context.Context, tx *sql.Tx, sub *engine.Submission, outbox []*engine.OutboxMessage) (*engine.Submission, bool, error) {
	if sub.DraftID != "" {
		earlier, err := submissionByDraft(ctx, tx, sub.DraftID)
		if err == nil {
			return earlier, false, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, false, err
		}
	}
	var draftID sql.NullString
	if sub.DraftID != "" {
		draftID = sql.NullString{String: sub.DraftID, Valid: true}
	}
	// ON CONFLICT DO NOTHING, for every unique constraint: a concurrent Submit of the same
	// draft (or with the same id) that got here first makes this insert wait for its commit
	// and then do nothing, instead of aborting the transaction; the row it committed is then
	// visible to the next statement (READ COMMITTED).
	auth, err := sqlstore.AuthoritySnapshot(sub)
	if err != nil {
		return nil, false, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO submissions
		(id, reference, form_id, form_version, schema_hash, lang, data, data_hash, submitted_at, draft_id, access_token,
		 authority_id, authority)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT DO NOTHING`,
		sub.ID, sub.Reference, sub.FormID, sub.FormVersion, sub.SchemaHash, sub.Lang, string(sub.Data),
		sub.DataHash, sub.SubmittedAt.UTC(), draftID, sub.AccessToken, sub.AuthorityID, auth)
	if err != nil {
		return nil, false, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, false, err
	} else if n == 0 {
		if sub.DraftID != "" {
			earlier, err := submissionByDraft(ctx, tx, sub.DraftID)
			if err == nil {
				return earlier, false, nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return nil, false, err
			}
		}
		return nil, false, engine.E(engine.KindConflict, "postgres.Submit",
			errors.New("the submission's id or reference is in use by another submission"))
	}
	for _, m := range outbox {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox
			(id, submission_id, destination, state, attempts, next_attempt_at, last_error, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			m.ID, m.SubmissionID, m.Destination, string(m.State), m.Attempts, m.NextAttemptAt.UTC(),
			m.LastError, m.CreatedAt.UTC(), m.UpdatedAt.UTC()); err != nil {
			return nil, false, err
		}
	}
	// The files the data references go to the submission; the draft's others go with it.
	if err := linkAttachments(ctx, tx, sub); err != nil {
		return nil, false, err
	}
	if sub.DraftID != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id = $1`, sub.DraftID); err != nil {
			return nil, false, err
		}
	}
	stored := *sub
	stored.Data = slices.Clone(sub.Data)
	stored.SubmittedAt = sub.SubmittedAt.UTC().Truncate(time.Microsecond) // as stored
	return &stored, true, nil
}

func submissionByDraft(ctx context.Context, tx *sql.Tx, draftID string) (*engine.Submission, error) {
	return sqlstore.ScanSubmission(tzTimes{}, tx.QueryRowContext(ctx, `SELECT `+sqlstore.SubmissionColumns+` FROM submissions WHERE draft_id = $1`, draftID))
}

// Submission returns a submission by id; KindNotFound if there is none.
func (s *Store) Submission(ctx context.Context, id string) (*engine.Submission, error) {
	return s.submissionWhere(ctx, "postgres.Submission", `id = $1`, id)
}

// SubmissionByReference returns a submission by its Vorgangsnummer; KindNotFound if there is
// none.
func (s *Store) SubmissionByReference(ctx context.Context, reference string) (*engine.Submission, error) {
	return s.submissionWhere(ctx, "postgres.SubmissionByReference", `reference = $1`, reference)
}

// submissionWhere returns the submission that where (a condition with one parameter) selects.
func (s *Store) submissionWhere(ctx context.Context, op, where string, arg any) (*engine.Submission, error) {
	if err := s.usable(op); err != nil {
		return nil, err
	}
	sub, err := sqlstore.ScanSubmission(tzTimes{}, s.db.QueryRowContext(ctx, `SELECT `+sqlstore.SubmissionColumns+` FROM submissions WHERE `+where, arg))
	if err != nil {
		return nil, mapErr(op, err)
	}
	return sub, nil
}

// Outbox lists the outbox messages of a submission, oldest first; none (and no error) for an
// unknown submission.
func (s *Store) Outbox(ctx context.Context, submissionID string) ([]*engine.OutboxMessage, error) {
	const op = "postgres.Outbox"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	msgs, err := sqlstore.QueryOutbox(ctx, tzTimes{}, s.db, `o.submission_id = $1 ORDER BY o.created_at, o.id`, submissionID)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return msgs, nil
}
