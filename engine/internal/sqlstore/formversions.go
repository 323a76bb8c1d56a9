package sqlstore

import (
	"encoding/json"
	"fmt"
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
	var files map[string][]byte
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, fmt.Errorf("stored form files: %w", err)
	}
	if files == nil {
		files = map[string][]byte{}
	}
	return files, nil
}
