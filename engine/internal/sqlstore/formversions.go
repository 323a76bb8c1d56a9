package sqlstore

import (
	"encoding/base64"
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
