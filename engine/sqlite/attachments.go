package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/ozgform/ozgform/engine"
)

// chunkSize is the size of the pieces a file is stored in.
const chunkSize = 256 << 10

const attachmentColumns = `id, draft_id, submission_id, filename, media_type, size, sha512, created_at`

func scanAttachment(row scanner) (*engine.StoredAttachment, error) {
	var (
		a                 engine.StoredAttachment
		draft, submission sql.NullString
		created           string
	)
	if err := row.Scan(&a.ID, &draft, &submission, &a.Filename, &a.MediaType, &a.Size, &a.SHA512, &created); err != nil {
		return nil, err
	}
	a.DraftID, a.SubmissionID = draft.String, submission.String
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &a, nil
}

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
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (`+attachmentColumns+`)
			VALUES (?, ?, NULL, ?, ?, ?, ?, ?)`,
			row.ID, row.DraftID, row.Filename, row.MediaType, row.Size, row.SHA512, formatTime(row.CreatedAt)); err != nil {
			return err
		}
		w := &chunkWriter{ctx: ctx, tx: tx, id: row.ID, buf: make([]byte, 0, chunkSize)}
		if err := engine.CopyVerified(w, content, row.Size, row.SHA512); err != nil {
			return err
		}
		return w.flush()
	})
}

// chunkWriter inserts what is written to it as pieces of chunkSize bytes.
type chunkWriter struct {
	ctx context.Context
	tx  *sql.Tx
	id  string
	seq int
	buf []byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), chunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == chunkSize {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, `INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)`,
		w.id, w.seq, w.buf); err != nil {
		return err
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// listAttachments runs a query for attachmentColumns.
func (s *Store) listAttachments(ctx context.Context, op, where string, arg any) ([]*engine.StoredAttachment, error) {
	if err := s.readable(op); err != nil {
		return nil, err
	}
	rows, err := s.readDB.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE `+where+` ORDER BY created_at, id`, arg)
	if err != nil {
		return nil, mapErr(op, err)
	}
	defer rows.Close()
	var out []*engine.StoredAttachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, mapErr(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(op, err)
	}
	return out, nil
}

// DraftAttachments lists the files of a draft, oldest first.
func (s *Store) DraftAttachments(ctx context.Context, draftID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "sqlite.DraftAttachments", `draft_id = ?`, draftID)
}

// SubmissionAttachments lists the files of a submission, oldest first.
func (s *Store) SubmissionAttachments(ctx context.Context, submissionID string) ([]*engine.StoredAttachment, error) {
	return s.listAttachments(ctx, "sqlite.SubmissionAttachments", `submission_id = ?`, submissionID)
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
	a, err := scanAttachment(s.readDB.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE id = ? AND submission_id = ?`, id, submissionID))
	if err != nil {
		return nil, nil, mapErr(op, err)
	}
	r := &chunkReader{ctx: ctx, op: op, s: s, id: id}
	return a, engine.VerifyingReader(r, a.Size, a.SHA512), nil
}

// chunkReader reads the pieces of a file in order.
type chunkReader struct {
	ctx context.Context
	op  string
	s   *Store
	id  string
	seq int
	buf []byte
	eof bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		if err := r.s.readable(r.op); err != nil {
			return 0, err
		}
		var data []byte
		err := r.s.readDB.QueryRowContext(r.ctx, `SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?`,
			r.id, r.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			continue
		}
		if err != nil {
			return 0, mapErr(r.op, err)
		}
		r.seq++
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *chunkReader) Close() error { r.buf, r.eof = nil, true; return nil }
