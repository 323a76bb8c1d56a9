package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// readable fails when the store is closed.
func (s *Store) readable(op string) error {
	if s.closed.Load() {
		return engine.E(engine.KindUnavailable, op, errClosed)
	}
	return nil
}

// CreateDraft inserts a new draft. Zero CreatedAt and UpdatedAt are set to now, in d too. A
// draft with the same id is KindConflict; a draft without id, form id or expiry time, or
// whose data is not JSON, is KindInvalid.
func (s *Store) CreateDraft(ctx context.Context, d *engine.Draft) error {
	const op = "sqlite.CreateDraft"
	if err := engine.CheckDraft(d); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	now := s.now()
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	row := *d
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		return insertDraft(ctx, tx, &row)
	})
}

func insertDraft(ctx context.Context, tx *sql.Tx, d *engine.Draft) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO drafts
		(id, form_id, form_version, lang, data, created_at, updated_at, expires_at, municipality, saved_step)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, d.FormID, d.FormVersion, d.Lang, string(d.Data),
		formatTime(d.CreatedAt), formatTime(d.UpdatedAt), formatTime(d.ExpiresAt), d.Municipality, d.SavedStep)
	return err
}

// Draft returns a draft: KindNotFound if there is none, KindExpired if it has expired.
func (s *Store) Draft(ctx context.Context, id string) (*engine.Draft, error) {
	const op = "sqlite.Draft"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	d, err := sqlstore.ScanDraft(textTimes{}, s.stmts.draft.QueryRowContext(ctx, id))
	if err != nil {
		return nil, mapErr(op, err)
	}
	if engine.Expired(d.ExpiresAt, s.now()) {
		return nil, engine.E(engine.KindExpired, op, errors.New("the draft has expired"))
	}
	return d, nil
}

// UpdateDraft replaces a draft's data, language, update time and expiry time; the form and the
// creation time stay. A zero UpdatedAt is set to now, in d too. KindNotFound if there is no
// such draft, KindExpired if it has expired.
func (s *Store) UpdateDraft(ctx context.Context, d *engine.Draft) error {
	const op = "sqlite.UpdateDraft"
	if err := engine.CheckDraft(d); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	now := s.now()
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = now
	}
	row := *d
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if err := checkDraftAlive(ctx, tx, op, row.ID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE drafts SET data = ?, lang = ?, updated_at = ?, expires_at = ?, municipality = ?, saved_step = ? WHERE id = ?`,
			string(row.Data), row.Lang, formatTime(row.UpdatedAt), formatTime(row.ExpiresAt), row.Municipality, row.SavedStep, row.ID)
		return err
	})
}

// checkDraftAlive fails with KindNotFound or KindExpired unless the draft exists and has not
// expired at now.
func checkDraftAlive(ctx context.Context, tx *sql.Tx, op, id string, now time.Time) error {
	var expiresAt string
	if err := tx.QueryRowContext(ctx, `SELECT expires_at FROM drafts WHERE id = ?`, id).Scan(&expiresAt); err != nil {
		return mapErr(op, err)
	}
	t, err := parseTime(expiresAt)
	if err != nil {
		return err
	}
	if engine.Expired(t, now) {
		return engine.E(engine.KindExpired, op, errors.New("the draft has expired"))
	}
	return nil
}

// DeleteDraft removes a draft and its resume codes, expired or not; KindNotFound if there is
// no such draft.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	const op = "sqlite.DeleteDraft"
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return engine.E(engine.KindNotFound, op, errors.New("no such draft"))
		}
		return nil
	})
}

// SaveResumeCode stores the hash of a resume code for a draft until expires. KindNotFound or
// KindExpired if the draft is not there; KindConflict if the hash is in use.
func (s *Store) SaveResumeCode(ctx context.Context, draftID, codeHash string, expires time.Time) error {
	const op = "sqlite.SaveResumeCode"
	if codeHash == "" || expires.IsZero() {
		return engine.E(engine.KindInvalid, op, errors.New("a resume code needs a hash and an expiry time"))
	}
	if err := engine.CheckText(draftID, codeHash); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	now := s.now()
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		if err := checkDraftAlive(ctx, tx, op, draftID, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO resume_codes (code_hash, draft_id, expires_at) VALUES (?, ?, ?)`,
			codeHash, draftID, formatTime(expires))
		return err
	})
}

// DraftByResumeCode finds the draft for a resume code hash: KindNotFound if the code is
// unknown, KindExpired if the code or the draft has expired.
func (s *Store) DraftByResumeCode(ctx context.Context, codeHash string) (*engine.Draft, error) {
	const op = "sqlite.DraftByResumeCode"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	var codeExpires time.Time
	d, err := sqlstore.ScanDraft(textTimes{}, s.readDB.QueryRowContext(ctx, `SELECT r.expires_at, `+sqlstore.DraftColumns+`
		FROM resume_codes r JOIN drafts d ON d.id = r.draft_id
		WHERE r.code_hash = ?`, codeHash), sqlstore.Time(&codeExpires))
	if err != nil {
		return nil, mapErr(op, err)
	}
	now := s.now()
	if engine.Expired(codeExpires, now) {
		return nil, engine.E(engine.KindExpired, op, errors.New("the resume code has expired"))
	}
	if engine.Expired(d.ExpiresAt, now) {
		return nil, engine.E(engine.KindExpired, op, errors.New("the draft has expired"))
	}
	return d, nil
}
