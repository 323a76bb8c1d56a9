package sqlite

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
// read inside the write, so it must be a local file.
func (s *Store) AddAttachment(ctx context.Context, a *engine.StoredAttachment, content io.Reader) error {
	const op = "sqlite.AddAttachment"
	if err := engine.CheckAttachment(a); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	now := s.now()
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now
	}
	row := *a
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if err := checkDraftAlive(ctx, tx, op, row.DraftID, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (`+sqlstore.AttachmentColumns+`)
			VALUES (?, ?, NULL, ?, ?, ?, ?, ?)`,
			row.ID, row.DraftID, row.Filename, row.MediaType, row.Size, row.SHA512, formatTime(row.CreatedAt)); err != nil {
			return err
		}
		w := sqlstore.NewChunkWriter(ctx, tx, `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)`, row.ID)
		if err := engine.CopyVerified(w, content, row.Size, row.SHA512); err != nil {
			return err
		}
		return w.Flush()
	})
}

// listAttachments runs a query for sqlstore.AttachmentColumns.
func (s *Store) listAttachments(ctx context.Context, op string, stmt *sql.Stmt, arg any) ([]*engine.StoredAttachment, error) {
	if err := s.readable(op); err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, arg)
	out, err := sqlstore.Collect(rows, err, func(row sqlstore.Scanner) (*engine.StoredAttachment, error) {
		return sqlstore.ScanAttachment(textTimes{}, row)
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// DraftAttachments lists the files of a draft, oldest first.
func (s *Store) DraftAttachments(ctx context.Context, draftID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "sqlite.DraftAttachments", s.stmts.draftAttachments, draftID)
}

// SubmissionAttachments lists the files of a submission, oldest first.
func (s *Store) SubmissionAttachments(ctx context.Context, submissionID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "sqlite.SubmissionAttachments", s.stmts.submissionAttachments, submissionID)
}

// DeleteAttachment deletes a file of a draft (its pieces go with it).
func (s *Store) DeleteAttachment(ctx context.Context, draftID, id string) error {
	const op = "sqlite.DeleteAttachment"
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = ? AND draft_id = ?`, id, draftID)
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
	const op = "sqlite.MoveAttachments"
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE id = ?`, to).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("no such draft"))
		}
		_, err := tx.ExecContext(ctx, `UPDATE attachments SET draft_id = ? WHERE draft_id = ?`, to, from)
		return err
	})
}

// linkAttachments gives the files sub references to sub, inside Submit's transaction, before
// the draft (with its other files) is deleted.
func linkAttachments(ctx context.Context, tx *sql.Tx, sub *engine.Submission) error {
	for _, id := range sub.AttachmentIDs {
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET draft_id = NULL, submission_id = ?
			WHERE id = ? AND draft_id = ?`, sub.ID, id, sub.DraftID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 || sub.DraftID == "" {
			return engine.E(engine.KindConflict, "sqlite.Submit", fmt.Errorf("%w: %s", engine.ErrAttachmentGone, id))
		}
	}
	return nil
}

// DeleteAttachmentsOf deletes the files of a submission.
func (s *Store) DeleteAttachmentsOf(ctx context.Context, submissionID string) (int, error) {
	const op = "sqlite.DeleteAttachmentsOf"
	var n int64
	err := s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE submission_id = ?`, submissionID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// OpenAttachment returns a file of a submission and a reader that fetches its pieces one by
// one, each with a query of its own: no read transaction stays open while a slow client
// downloads. The pieces never change once written; a file deleted meanwhile ends the read with
// an error.
func (s *Store) OpenAttachment(ctx context.Context, submissionID, id string) (*engine.StoredAttachment, io.ReadCloser, error) {
	const op = "sqlite.OpenAttachment"
	if err := s.readable(op); err != nil {
		return nil, nil, err
	}
	a, err := sqlstore.ScanAttachment(textTimes{}, s.readDB.QueryRowContext(ctx, `SELECT `+sqlstore.AttachmentColumns+` FROM attachments
		WHERE id = ? AND submission_id = ?`, id, submissionID))
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	r := sqlstore.NewChunkReader(func(seq int) ([]byte, error) {
		if err := s.readable(op); err != nil {
			return nil, err
		}
		var data []byte
		err := s.readDB.QueryRowContext(ctx, `SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?`,
			id, seq).Scan(&data)
		return data, mapErr(op, err) // sql.ErrNoRows after the last piece
	})
	return a, engine.VerifyingReader(r, a.Size, a.SHA512), nil
}
