package sqlstore

import (
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
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

// DecodeFiles reads the column form_versions.files back.
func DecodeFiles(raw []byte) (map[string][]byte, error) {
	if files, ok := decodeFilesFast(raw); ok {
		return files, nil
	}
	var files map[string][]byte
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("stored form files: %w", err)
	}
	if files == nil {
		files = map[string][]byte{}
	}
	return files, nil
}

// decodeFilesFast reads the column as EncodeFiles writes it: an object of plain names and
// standard base64 strings without whitespace. encoding/json spent most of its time validating
// the whole column before decoding it, which made a start read back 1,000 stored form versions
// slowly (issue 16). Anything else (escapes, whitespace, bad base64) is left to json.Unmarshal.
func decodeFilesFast(raw []byte) (map[string][]byte, bool) {
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return nil, false
	}
	files := map[string][]byte{}
	rest := raw[1 : len(raw)-1]
	for len(rest) > 0 {
		name, after, ok := plainString(rest)
		if !ok || len(after) == 0 || after[0] != ':' {
			return nil, false
		}
		value, after, ok := plainString(after[1:])
		if !ok {
			return nil, false
		}
		data := make([]byte, base64.StdEncoding.DecodedLen(len(value)))
		n, err := base64.StdEncoding.Strict().Decode(data, value)
		if err != nil {
			return nil, false
		}
		if _, dup := files[string(name)]; dup {
			return nil, false
		}
		files[string(name)] = data[:n]
		switch {
		case len(after) == 0:
			rest = nil
		case after[0] == ',' && len(after) > 1:
			rest = after[1:]
		default:
			return nil, false
		}
	}
	return files, true
}

// plainString reads a JSON string without escapes, control characters or non-ASCII bytes at
// the start of b and returns its content and what follows it.
func plainString(b []byte) (content, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return b[1:i], b[i+1:], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, nil, false
		}
	}
	return nil, nil, false
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
