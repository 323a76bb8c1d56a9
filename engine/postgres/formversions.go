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
	refs, blobs, filesHash, err := sqlstore.FileRefs(files)
	if err != nil {
		return engine.E(engine.KindInvalid, op, err)
	}
	hash := engine.SHA512Hex(files["schema.json"])
	return s.inTx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO form_versions (form_id, version, files, schema_hash, stored_at, files_hash, file_hashes)
			VALUES ($1, $2, '{}', $3, $4, $5, $6) ON CONFLICT (form_id, version) DO NOTHING`,
			id, version, hash, s.now().UTC(), filesHash, refs)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // stored before: the first write wins
		}
		// Each content once: the versions of a portal's forms share most of their files.
		for h, data := range blobs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO form_files (hash, data) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING`, h, data); err != nil {
				return err
			}
		}
		return nil
	})
}

// FormVersion returns the stored files of a form version; see engine.FormVersionStore.
func (s *Store) FormVersion(ctx context.Context, id, version string) (map[string][]byte, error) {
	const op = "postgres.FormVersion"
	if err := s.usable(op); err != nil {
		return nil, err
	}
	var raw, refs []byte
	err := s.db.QueryRowContext(ctx, `SELECT files, file_hashes FROM form_versions WHERE form_id = $1 AND version = $2`, id, version).Scan(&raw, &refs)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if len(refs) > 0 {
		files, err := sqlstore.ResolveFiles(refs, func(hash string) (data []byte, err error) {
			err = s.db.QueryRowContext(ctx, `SELECT data FROM form_files WHERE hash = $1`, hash).Scan(&data)
			return data, err
		})
		if err != nil {
			return nil, mapErr(op, err)
		}
		return files, nil
	}
	files, err := sqlstore.DecodeFiles(raw) // stored before migration 0020
	if err != nil {
		return nil, engine.E(engine.KindInternal, op, err)
	}
	return files, nil
}

// FormVersionHash returns the hash of a form version's stored files; see
// engine.FormVersionStore.
func (s *Store) FormVersionHash(ctx context.Context, id, version string) (string, error) {
	const op = "postgres.FormVersionHash"
	if err := s.usable(op); err != nil {
		return "", err
	}
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT files_hash FROM form_versions WHERE form_id = $1 AND version = $2`, id, version).Scan(&hash)
	if err != nil {
		return "", mapErr(op, err)
	}
	if hash != "" {
		return hash, nil
	}
	// Stored before migration 0019: hash the files once and record it. When recording fails,
	// the next start hashes them again; the hash is right either way.
	files, err := s.FormVersion(ctx, id, version)
	if err != nil {
		return "", err
	}
	hash = engine.FilesHash(files)
	_ = s.inTx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE form_versions SET files_hash = $1 WHERE form_id = $2 AND version = $3 AND files_hash = ''`, hash, id, version)
		return err
	})
	return hash, nil
}
