package forms

import (
	"bytes"
	"os"
	"reflect"
	"slices"
	"testing"
	"testing/fstest"
)

// A form loads again from the files it was loaded from (Form.Files in a MapFS): the same
// schema bytes, pages, fields and translations.
func TestLoadFromRecordedFiles(t *testing.T) {
	for _, id := range []string{"hundesteuer", "gewerbeanmeldung", "bewohnerparkausweis"} {
		t.Run(id, func(t *testing.T) {
			f, problems := Load(os.DirFS("../examples/"+id), id, Options{})
			if f == nil {
				t.Fatal(problems)
			}
			var names []string
			for name := range f.Files {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, want := range []string{"form.json", "i18n/en.json", "layout.json", "schema.json"} {
				if !slices.Contains(names, want) {
					t.Errorf("Files lacks %s: %v", want, names)
				}
			}
			if !bytes.Equal(f.Files["schema.json"], f.SchemaJSON) {
				t.Error("Files[schema.json] differs from SchemaJSON")
			}
			if err := fstest.TestFS(MapFS(f.Files), names...); err != nil {
				t.Fatal(err)
			}
			g, problems := Load(MapFS(f.Files), id, Options{})
			if g == nil {
				t.Fatal(problems)
			}
			if g.SchemaHash != f.SchemaHash || !reflect.DeepEqual(g.Manifest, f.Manifest) ||
				len(g.Pages) != len(f.Pages) || len(g.Fields) != len(f.Fields) || !reflect.DeepEqual(g.Translations, f.Translations) {
				t.Error("the form loaded from its files differs from the original")
			}
			if !reflect.DeepEqual(g.Files, f.Files) {
				t.Error("loading from the files recorded different files")
			}
		})
	}
}

func TestMapFSMissing(t *testing.T) {
	m := MapFS{"a/b.json": []byte("{}")}
	if _, err := m.Open("c.json"); err == nil {
		t.Error("Open of a missing file succeeded")
	}
	if _, err := m.ReadFile("a"); err == nil {
		t.Error("ReadFile of a folder succeeded")
	}
	if _, err := m.ReadDir("x"); err == nil {
		t.Error("ReadDir of a missing folder succeeded")
	}
}
