package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ozgform/ozgform/engine"
)

// EncodeFiles turns a form version's files into the JSON object the column form_versions.files
// holds: file path → base64 of its bytes (encoding/json's encoding of []byte), keys sorted.
func EncodeFiles(files map[string][]byte) (string, error) {
	b, err := json.Marshal(files)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// DecodeFiles reads the column form_versions.files back (versions stored before migration
// 0020; later ones keep their files in form_files).
func DecodeFiles(raw []byte) (map[string][]byte, error) {
	var files map[string][]byte
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("stored form files: %w", err)
	}
	if files == nil {
		files = map[string][]byte{}
	}
	return files, nil
}

// FileRefs returns what a form version's files become in the store (migration 0020): the
// column form_versions.file_hashes, a JSON object file path → hex SHA-256 of its bytes, the
// rows of form_files, bytes by hash, each content once, and engine.FilesHash of the files.
func FileRefs(files map[string][]byte) (refs string, blobs map[string][]byte, filesHash string, err error) {
	hashes := make(map[string]string, len(files))
	sums := make(map[string][sha256.Size]byte, len(files))
	blobs = make(map[string][]byte, len(files))
	for name, data := range files {
		sum := sha256.Sum256(data)
		sums[name] = sum
		h := hex.EncodeToString(sum[:])
		hashes[name] = h
		if data == nil {
			data = []byte{} // an empty file is stored as an empty value, not NULL
		}
		blobs[h] = data
	}
	b, err := json.Marshal(hashes)
	if err != nil {
		return "", nil, "", err
	}
	return string(b), blobs, engine.FilesHashOfSums(sums), nil
}

// ResolveFiles reads a form version stored with file_hashes back: refs is the column, get
// reads the bytes of one hash from form_files. A hash without its row is an error of the store
// (KindInternal), never "not found", which would say that the version is not stored.
func ResolveFiles(refs []byte, get func(hash string) ([]byte, error)) (map[string][]byte, error) {
	var hashes map[string]string
	if err := json.Unmarshal(refs, &hashes); err != nil {
		return nil, fmt.Errorf("stored form file hashes: %w", err)
	}
	files := make(map[string][]byte, len(hashes))
	byHash := map[string][]byte{}
	for name, h := range hashes {
		data, ok := byHash[h]
		if !ok {
			var err error
			if data, err = get(h); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil, engine.E(engine.KindInternal, "sqlstore.ResolveFiles", fmt.Errorf("the stored file %s (%s) is missing", name, h))
				}
				return nil, err
			}
			if data == nil {
				data = []byte{}
			}
			byHash[h] = data
		}
		files[name] = data
	}
	return files, nil
}
