package sqlite

import (
	"context"
	"database/sql"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// SaveFormVersion stores the files of a form version once; see engine.FormVersionStore.
func (s *Store) SaveFormVersion(ctx context.Context, id, version string, files map[string][]byte) error {
	const op = "sqlite.SaveFormVersion"
	if err := engine.CheckFormVersion(id, version, files); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	raw, err := sqlstore.EncodeFiles(files)
	if err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	hash := engine.SHA512Hex(files["schema.json"])
	return s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO form_versions (form_id, version, files, schema_hash, stored_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (form_id, version) DO NOTHING`,
			id, version, raw, hash, formatTime(s.now()))
		return err
	})
}

// FormVersion returns the stored files of a form version; see engine.FormVersionStore.
func (s *Store) FormVersion(ctx context.Context, id, version string) (map[string][]byte, error) {
	const op = "sqlite.FormVersion"
	if err := s.readable(op); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.readDB.QueryRowContext(ctx, `SELECT files FROM form_versions WHERE form_id = ? AND version = ?`, id, version).Scan(&raw)
	if err != nil {
		return nil, mapErr(op, err)
	}
	files, err := sqlstore.DecodeFiles(raw)
	if err != nil {
		return nil, engine.E(engine.KindInternal, op, err)
	}
	return files, nil
}
