package postgres

import (
	"context"
	"database/sql"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// SaveFormVersion stores the files of a form version once; see engine.FormVersionStore.
// Concurrent starts of several instances may save the same version at once: ON CONFLICT
// keeps the first.
func (s *Store) SaveFormVersion(ctx context.Context, id, version string, files map[string][]byte) error {
	const op = "postgres.SaveFormVersion"
	if err := engine.CheckFormVersion(id, version, files); err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	raw, err := sqlstore.EncodeFiles(files)
	if err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	hash := engine.SHA512Hex(files["schema.json"])
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO form_versions (form_id, version, files, schema_hash, stored_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (form_id, version) DO NOTHING`,
			id, version, raw, hash, s.now().UTC())
		return err
	})
}

// FormVersion returns the stored files of a form version; see engine.FormVersionStore.
func (s *Store) FormVersion(ctx context.Context, id, version string) (map[string][]byte, error) {
	const op = "postgres.FormVersion"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT files FROM form_versions WHERE form_id = $1 AND version = $2`, id, version).Scan(&raw)
	if err != nil {
		return nil, mapErr(op, err)
	}
	files, err := sqlstore.DecodeFiles(raw)
	if err != nil {
		return nil, engine.E(engine.KindInternal, op, err)
	}
	return files, nil
}
