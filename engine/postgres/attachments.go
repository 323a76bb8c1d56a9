package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// AddAttachment stores a file of a draft in pieces; see engine.AttachmentStore. The content is
// read inside the transaction, so it must be a local file.
func (s *Store) AddAttachment(ctx context.Context, a *engine.StoredAttachment, content io.Reader) error {
	const op = "postgres.AddAttachment"
	if err := engine.CheckAttachment(a); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	now := s.now()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		if err := lockLiveDraft(ctx, tx, op, a.DraftID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (`+sqlstore.AttachmentColumns+`)
			VALUES ($1, $2, NULL, $3, $4, $5, $6, $7)`,
			a.ID, a.DraftID, a.Filename, a.MediaType, a.Size, a.SHA512, a.CreatedAt.UTC()); err != nil {
			return err
		}
		w := sqlstore.NewChunkWriter(ctx, tx, `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES ($1, $2, $3)`, a.ID)
		if err := engine.CopyVerified(w, content, a.Size, a.SHA512); err != nil {
			return err
		}
		return w.Flush()
	})
}

// listAttachments runs a query for sqlstore.AttachmentColumns.
func (s *Store) listAttachments(ctx context.Context, op, where string, arg any) ([]*engine.StoredAttachment, error) {
	if err := s.usable(op); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+sqlstore.AttachmentColumns+` FROM attachments WHERE `+where+` ORDER BY created_at, id`, arg)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (*engine.StoredAttachment, error) {
		return sqlstore.ScanAttachment(tzTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// DraftAttachments lists the files of a draft, oldest first.
func (s *Store) DraftAttachments(ctx context.Context, draftID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "postgres.DraftAttachments", `draft_id = $1`, draftID)
}

// SubmissionAttachments lists the files of a submission, oldest first.
func (s *Store) SubmissionAttachments(ctx context.Context, submissionID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "postgres.SubmissionAttachments", `submission_id = $1`, submissionID)
}

// DeleteAttachment deletes a file of a draft (its pieces go with it).
func (s *Store) DeleteAttachment(ctx context.Context, draftID, id string) error {
	const op = "postgres.DeleteAttachment"
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1 AND draft_id = $2`, id, draftID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("the draft has no such file"))
		}
		return nil
	})
}

// MoveAttachments gives the files of one draft to another.
func (s *Store) MoveAttachments(ctx context.Context, from, to string) error {
	const op = "postgres.MoveAttachments"
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE id = $1`, to).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("no such draft"))
		}
		_, err := tx.ExecContext(ctx, `UPDATE attachments SET draft_id = $1 WHERE draft_id = $2`, to, from)
		return err
	})
}

// linkAttachments gives the files sub references to sub, inside Submit's transaction, before
// the draft (with its other files) is deleted.
func linkAttachments(ctx context.Context, tx *sql.Tx, sub *engine.Submission) error {
	for _, id := range sub.AttachmentIDs {
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET draft_id = NULL, submission_id = $1
			WHERE id = $2 AND draft_id = $3`, sub.ID, id, sub.DraftID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 || sub.DraftID == "" {
			return engine.E(engine.KindConflict, "postgres.Submit", fmt.Errorf("%w: %s", engine.ErrAttachmentGone, id))
		}
	}
	return nil
}

// DeleteAttachmentsOf deletes the files of a submission.
func (s *Store) DeleteAttachmentsOf(ctx context.Context, submissionID string) (int, error) {
	const op = "postgres.DeleteAttachmentsOf"
	var n int64
	err := s.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE submission_id = $1`, submissionID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// OpenAttachment returns a file of a submission and a reader that fetches its pieces one by
// one, each with a query of its own: no transaction stays open while a slow client downloads.
// The pieces never change once written; a file deleted meanwhile ends the read with an error.
func (s *Store) OpenAttachment(ctx context.Context, submissionID, id string) (*engine.StoredAttachment, io.ReadCloser, error) {
	const op = "postgres.OpenAttachment"
	if err := s.usable(op); err != nil {
		return nil, nil, err
	}
	a, err := sqlstore.ScanAttachment(tzTimes{}, s.db.QueryRowContext(ctx, `SELECT `+sqlstore.AttachmentColumns+` FROM attachments
		WHERE id = $1 AND submission_id = $2`, id, submissionID))
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	r := sqlstore.NewChunkReader(func(seq int) ([]byte, error) {
		if err := s.usable(op); err != nil {
			return nil, err
		}
		var data []byte
		err := s.db.QueryRowContext(ctx, `SELECT data FROM attachment_chunks WHERE attachment_id = $1 AND seq = $2`,
			id, seq).Scan(&data)
		return data, mapErr(op, err) // sql.ErrNoRows after the last piece
	})
	return a, engine.VerifyingReader(r, a.Size, a.SHA512), nil
}
