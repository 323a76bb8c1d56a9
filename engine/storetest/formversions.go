package storetest

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/ozgform/ozgform/engine"
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
