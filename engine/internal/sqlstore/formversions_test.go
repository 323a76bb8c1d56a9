package sqlstore

import (
	"database/sql"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ozgform/ozgform/engine"
)

// TestDecodeFilesMatchesEncodingJSON checks DecodeFiles against json.Unmarshal on what
// EncodeFiles writes and on columns other encoders wrote.
func TestDecodeFilesMatchesEncodingJSON(t *testing.T) {
	var raws [][]byte
	for _, files := range []map[string][]byte{
		{},
		{"schema.json": []byte(`{"type":"object"}`), "form.json": []byte("{}\n"), "leer.json": {}},
		{"bausteine/adresse.json": []byte("ä<&>\x00\xff"), "übersetzung/de.json": []byte("x"), "a\"b": []byte("y")},
		{"codelisten/l.xml": make([]byte, 1000)},
	} {
		raw, err := EncodeFiles(files)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, []byte(raw))
		got, err := DecodeFiles([]byte(raw))
		if err != nil || !reflect.DeepEqual(got, files) {
			t.Errorf("%s: round trip gave %q, %v; want %q", raw, got, err, files)
		}
	}
	// Columns written by other encoders (PostgreSQL jsonb adds spaces) or broken ones.
	for _, s := range []string{
		`{"a": "QQ=="}`, `{"a":"QQ==","a":"Qg=="}`, `{"a":null}`, `{"a":"QQ=","b":"Qg=="}`, `{"a":"QR=="}`,
		`{"a":"QQ==",}`, `{"a":"Q\u0051=="}`, `{"a" :"QQ=="}`, `{}`, `{"a":"QQ=="}x`, `[]`, `{"a":1}`, `{"a":"QQ=="`,
	} {
		raws = append(raws, []byte(s))
	}
	for _, raw := range raws {
		var want map[string][]byte
		wantErr := json.Unmarshal(raw, &want)
		if wantErr == nil && want == nil {
			want = map[string][]byte{}
		}
		got, err := DecodeFiles(raw)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, want %v", raw, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", raw, got, want)
		}
	}
}

// TestFileRefs: files go into form_files once per content and come back byte for byte; a
// hash without its row is KindInternal, not KindNotFound.
func TestFileRefs(t *testing.T) {
	files := map[string][]byte{"a.json": []byte("{}"), "b.json": []byte("{}"), "leer.json": nil, "c.bin": {0, 0xff}}
	refs, blobs, hash, err := FileRefs(files)
	if err != nil {
		t.Fatal(err)
	}
	if hash != engine.FilesHash(files) {
		t.Errorf("files hash %q, want engine.FilesHash", hash)
	}
	if len(blobs) != 3 {
		t.Errorf("%d contents stored for 3 distinct ones", len(blobs))
	}
	got, err := ResolveFiles([]byte(refs), func(h string) ([]byte, error) { return blobs[h], nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("%d files back, want %d", len(got), len(files))
	}
	for name, data := range files {
		if g, ok := got[name]; !ok || string(g) != string(data) || g == nil {
			t.Errorf("%s: %q, want %q (not nil)", name, g, data)
		}
	}
	_, err = ResolveFiles([]byte(refs), func(string) ([]byte, error) { return nil, sql.ErrNoRows })
	if engine.KindOf(err) != engine.KindInternal {
		t.Errorf("a missing content: %v, want KindInternal", err)
	}
	if _, err := ResolveFiles([]byte(`{"a":`), nil); err == nil {
		t.Error("a broken column is accepted")
	}
}
