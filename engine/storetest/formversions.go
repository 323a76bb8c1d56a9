package storetest

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/internal/sqlstore"
)

// formVersionTests are the conformance tests of engine.FormVersionStore: the files of every
// form version served, kept byte for byte, written once.
var formVersionTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"FormVersions/RoundTrip", testFormVersionRoundTrip},
	{"FormVersions/FirstWriteWins", testFormVersionFirstWriteWins},
	{"FormVersions/NotFound", testFormVersionNotFound},
	{"FormVersions/Invalid", testFormVersionInvalid},
	{"FormVersions/Concurrent", testFormVersionConcurrent},
	{"FormVersions/Hash", testFormVersionHash},
}

// formFiles returns the files of a form version; tag makes them differ from version to version.
func formFiles(tag string) map[string][]byte {
	return map[string][]byte{
		"form.json":    []byte(`{"id": "hundesteuer", "version": "` + tag + `", "title": "Hundesteuer – Anmeldung"}`),
		"schema.json":  []byte("{\n  \"type\": \"object\",\n  \"title\": \"Größe \\u00e4\"\n}\n"),
		"layout.json":  []byte(`{"type":"VerticalLayout","elements":[]}` + "\r\n\t "),
		"i18n/en.json": []byte(`{"x": "y", "x": "z"}`), // duplicate key: bytes, not parsed JSON
		"defs/a.json":  {0xef, 0xbb, 0xbf, '{', '}', 0x00, 0xff},
		"empty.json":   {},
	}
}

func testFormVersionRoundTrip(t *testing.T, e *env) {
	ctx := context.Background()
	want := formFiles("1.0.0")
	if err := e.SaveFormVersion(ctx, "hundesteuer", "1.0.0", want); err != nil {
		t.Fatal(err)
	}
	got, err := e.FormVersion(ctx, "hundesteuer", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d files, want %d", len(got), len(want))
	}
	for name, b := range want {
		if g, ok := got[name]; !ok || string(g) != string(b) {
			t.Errorf("%s: got %q, want %q", name, g, b)
		}
	}
	// A second version of the same form is a row of its own.
	v2 := formFiles("1.1.0")
	if err := e.SaveFormVersion(ctx, "hundesteuer", "1.1.0", v2); err != nil {
		t.Fatal(err)
	}
	for version, files := range map[string]map[string][]byte{"1.0.0": want, "1.1.0": v2} {
		got, err := e.FormVersion(ctx, "hundesteuer", version)
		if err != nil {
			t.Fatal(err)
		}
		if string(got["form.json"]) != string(files["form.json"]) {
			t.Errorf("version %s: form.json %q", version, got["form.json"])
		}
	}
}

func testFormVersionFirstWriteWins(t *testing.T, e *env) {
	ctx := context.Background()
	first := formFiles("1.0.0")
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", first); err != nil {
		t.Fatal(err)
	}
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", first); err != nil {
		t.Fatalf("saving the same files again: %v", err)
	}
	changed := formFiles("1.0.0")
	changed["schema.json"] = []byte(`{"type": "object", "required": ["neu"]}`)
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", changed); err != nil {
		t.Fatalf("saving changed files of a stored version: %v", err)
	}
	got, err := e.FormVersion(ctx, "f", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(first)) {
		t.Errorf("the stored files changed: schema.json %q", got["schema.json"])
	}
}

// normalize makes empty files compare equal whether nil or not.
func normalize(files map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = string(v)
	}
	return out
}

func testFormVersionNotFound(t *testing.T, e *env) {
	ctx := context.Background()
	_, err := e.FormVersion(ctx, "f", "1.0.0")
	wantKind(t, "FormVersion of an empty store", err, engine.KindNotFound)
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", formFiles("1.0.0")); err != nil {
		t.Fatal(err)
	}
	_, err = e.FormVersion(ctx, "f", "1.0.1")
	wantKind(t, "FormVersion of another version", err, engine.KindNotFound)
	_, err = e.FormVersion(ctx, "g", "1.0.0")
	wantKind(t, "FormVersion of another form", err, engine.KindNotFound)
}

func testFormVersionInvalid(t *testing.T, e *env) {
	ctx := context.Background()
	noSchema := formFiles("1.0.0")
	delete(noSchema, "schema.json")
	for name, c := range map[string]struct {
		id, version string
		files       map[string][]byte
	}{
		"no id":          {"", "1.0.0", formFiles("1.0.0")},
		"no version":     {"f", "", formFiles("1.0.0")},
		"no schema.json": {"f", "1.0.0", noSchema},
		"NUL in id":      {"f\x00", "1.0.0", formFiles("1.0.0")},
	} {
		err := e.SaveFormVersion(ctx, c.id, c.version, c.files)
		wantKind(t, "SaveFormVersion with "+name, err, engine.KindInvalid)
	}
	_, err := e.FormVersion(ctx, "f", "1.0.0")
	wantKind(t, "FormVersion after refused saves", err, engine.KindNotFound)
}

// Several instances starting at once save the same version; none of them fails.
func testFormVersionConcurrent(t *testing.T, e *env) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- e.SaveFormVersion(ctx, "f", "2.0.0", formFiles("2.0.0")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if _, err := e.FormVersion(ctx, "f", "2.0.0"); err != nil {
		t.Fatal(err)
	}
}

// The hash of a stored version is FilesHash of the files stored first, whatever is saved later.
func testFormVersionHash(t *testing.T, e *env) {
	ctx := context.Background()
	_, err := e.FormVersionHash(ctx, "f", "1.0.0")
	wantKind(t, "FormVersionHash of an empty store", err, engine.KindNotFound)
	first := formFiles("1.0.0")
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", first); err != nil {
		t.Fatal(err)
	}
	changed := formFiles("1.0.0")
	changed["schema.json"] = []byte(`{"type": "object", "required": ["neu"]}`)
	if err := e.SaveFormVersion(ctx, "f", "1.0.0", changed); err != nil {
		t.Fatal(err)
	}
	if err := e.SaveFormVersion(ctx, "f", "1.1.0", formFiles("1.1.0")); err != nil {
		t.Fatal(err)
	}
	for version, files := range map[string]map[string][]byte{"1.0.0": first, "1.1.0": formFiles("1.1.0")} {
		got, err := e.FormVersionHash(ctx, "f", version)
		if err != nil {
			t.Fatal(err)
		}
		if want := engine.FilesHash(files); got != want {
			t.Errorf("version %s: hash %q, want %q", version, got, want)
		}
	}
	_, err = e.FormVersionHash(ctx, "f", "2.0.0")
	wantKind(t, "FormVersionHash of another version", err, engine.KindNotFound)
}

// FormVersionStorage checks how a store keeps form versions, with db, a second connection
// to its database: files that several versions share are stored once (form_files); a version
// stored before that (migration 0020: its files in form_versions.files, no file_hashes) and
// before its store kept hashes (migration 0019: files_hash empty) still reads back byte for
// byte, and gets FilesHash of its files from FormVersionHash, which is then recorded.
func FormVersionStorage(t *testing.T, s engine.Store, db *sql.DB) {
	t.Helper()
	ctx := context.Background()
	v1, v2 := formFiles("1.0.0"), formFiles("1.1.0")
	for version, files := range map[string]map[string][]byte{"1.0.0": v1, "1.1.0": v2} {
		if err := s.SaveFormVersion(ctx, "f", version, files); err != nil {
			t.Fatal(err)
		}
	}
	var contents int
	if err := db.QueryRow(`SELECT count(*) FROM form_files`).Scan(&contents); err != nil {
		t.Fatal(err)
	}
	if want := len(v1) + 1; contents != want { // the versions differ in form.json only
		t.Errorf("%d stored contents for two versions sharing all files but one, want %d", contents, want)
	}

	raw, err := sqlstore.EncodeFiles(v1)
	if err != nil || strings.Contains(raw, "'") {
		t.Fatalf("files column %q: %v", raw, err)
	}
	if _, err := db.Exec(`INSERT INTO form_versions (form_id, version, files, schema_hash, stored_at)
		SELECT form_id, '0.9.0', '` + raw + `', schema_hash, stored_at FROM form_versions WHERE form_id = 'f' AND version = '1.0.0'`); err != nil {
		t.Fatal(err)
	}
	got, err := s.FormVersion(ctx, "f", "0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(got), normalize(v1)) {
		t.Errorf("a version stored in the files column reads back as %q", got)
	}
	hash, err := s.FormVersionHash(ctx, "f", "0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	if want := engine.FilesHash(v1); hash != want {
		t.Fatalf("hash of a version stored without one: %q, want %q", hash, want)
	}
	var recorded string
	if err := db.QueryRow(`SELECT files_hash FROM form_versions WHERE form_id = 'f' AND version = '0.9.0'`).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if recorded != hash {
		t.Errorf("recorded hash %q, want %q", recorded, hash)
	}
}
