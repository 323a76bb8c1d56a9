package forms

import (
	"encoding/json"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/forms/codelist"
)

// TestCatalogCompilesEvictedForms keeps one compiled form of three: every Get still returns the
// complete form, compiled again from the checked files, and the catalog never holds more than
// its limit.
func TestCatalogCompilesEvictedForms(t *testing.T) {
	cat, problems := LoadCatalogWith(os.DirFS("../examples"), ".", CatalogOptions{Compiled: 1})
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	full, _ := LoadCatalogWith(os.DirFS("../examples"), ".", CatalogOptions{Compiled: -1})
	if cat.Len() < 3 || full.Len() != cat.Len() {
		t.Fatalf("%d and %d forms, want the same, at least 3", cat.Len(), full.Len())
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				for _, e := range cat.Entries() {
					f := cat.Get(e.Manifest.ID)
					want := full.Get(e.Manifest.ID)
					if f == nil || len(f.Fields) != len(want.Fields) || len(f.Pages) != len(want.Pages) || f.SchemaHash != want.SchemaHash {
						t.Errorf("%s: the recompiled form differs", e.Manifest.ID)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if n := cat.compiled.Load(); n != 1 {
		t.Errorf("%d compiled forms held, want 1", n)
	}
	held := 0
	for _, e := range cat.Entries() {
		if e.form.Load() != nil {
			held++
		}
	}
	if held != 1 {
		t.Errorf("%d entries hold a compiled form, want 1", held)
	}
	if cat.Get("gibt-es-nicht") != nil || cat.Entry("gibt-es-nicht") != nil {
		t.Error("an unknown id returned a form")
	}
}

// TestCatalogEntryTexts: the catalog lists forms in their translated titles without compiling.
func TestCatalogEntryTexts(t *testing.T) {
	cat, _ := LoadCatalogWith(os.DirFS("../examples"), ".", CatalogOptions{Compiled: 1})
	for _, e := range cat.Entries() {
		f, _ := Load(os.DirFS("../examples/"+e.Manifest.ID), e.Manifest.ID, Options{})
		for _, lang := range []string{"de", "en"} {
			if got, want := e.T(lang, "form.title", e.Manifest.Title), f.T(lang, "form.title", f.Manifest.Title); got != want {
				t.Errorf("%s %s: title %q, want %q", e.Manifest.ID, lang, got, want)
			}
		}
		if !reflect.DeepEqual(e.Manifest, f.Manifest) {
			t.Errorf("%s: manifest differs", e.Manifest.ID)
		}
	}
}

// TestCatalogProblemsInFolderOrder: loading on several processors reports the problems of the
// forms in folder order, and a broken form is left out while the others load.
func TestCatalogProblemsInFolderOrder(t *testing.T) {
	fsys := fstest.MapFS{}
	good, err := os.ReadFile("../examples/hundesteuer/form.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		var m map[string]any
		_ = json.Unmarshal(good, &m)
		m["id"] = name
		delete(m, "authorities") // its fields are not in this schema
		raw, _ := json.Marshal(m)
		fsys[name+"/form.json"] = &fstest.MapFile{Data: raw}
		fsys[name+"/schema.json"] = &fstest.MapFile{Data: []byte(`{"type": "object", "properties": {"x": {"type": "string", "title": "X"}}}`)}
		fsys[name+"/layout.json"] = &fstest.MapFile{Data: []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/x"}]}`)}
	}
	fsys["b/schema.json"] = &fstest.MapFile{Data: []byte(`{"type": "object",`)}
	fsys["e/schema.json"] = &fstest.MapFile{Data: []byte(`{"type": "object",`)}
	cat, problems := LoadCatalog(fsys, ".", Options{})
	var files []string
	for _, p := range problems {
		if p.Severity == SeverityError {
			files = append(files, p.File)
		}
	}
	if strings.Join(files, " ") != "b/schema.json e/schema.json" {
		t.Errorf("errors in %q, want b/schema.json then e/schema.json", files)
	}
	if cat.Len() != 4 || cat.Entry("b") != nil || cat.Get("a") == nil {
		t.Errorf("%d forms loaded, want the 4 without errors", cat.Len())
	}
}

// TestCatalogSharesFilesAndCodelists: two municipalities' copies of a form with the same code
// lists keep one copy of the files' bytes and one parsed code list.
func TestCatalogSharesFilesAndCodelists(t *testing.T) {
	fsys := fstest.MapFS{}
	src := os.DirFS("../examples/mutterschutz")
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, "samples") || strings.HasPrefix(p, "testdata") {
			return err
		}
		data, err := fs.ReadFile(src, p)
		for _, id := range []string{"mutterschutz-a", "mutterschutz-b"} {
			if p == "form.json" {
				var m map[string]any
				_ = json.Unmarshal(data, &m)
				m["id"] = id
				data, _ = json.Marshal(m)
			}
			fsys[id+"/"+p] = &fstest.MapFile{Data: data}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, problems := LoadCatalogWith(fsys, ".", CatalogOptions{Compiled: -1})
	if problems.HasErrors() || cat.Len() != 2 {
		t.Fatalf("%d forms: %v", cat.Len(), problems)
	}
	a, b := cat.Entry("mutterschutz-a"), cat.Entry("mutterschutz-b")
	shared := 0
	for name, data := range a.Files {
		if strings.HasPrefix(name, CodelistDir+"/") {
			if &data[0] != &b.Files[name][0] {
				t.Errorf("%s is kept twice", name)
			}
			shared++
		}
	}
	if shared == 0 {
		t.Fatal("the example has no code lists; the test shows nothing")
	}
	fa, fb := cat.Get("mutterschutz-a"), cat.Get("mutterschutz-b")
	for name, data := range a.Files {
		if !strings.HasPrefix(name, CodelistDir+"/") {
			continue
		}
		l, err := codelist.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		la, lb := fa.Codelists.Get(l.URI, l.Version), fb.Codelists.Get(l.URI, l.Version)
		if la == nil || la != lb {
			t.Errorf("code list %s is parsed twice (or missing)", l.URI)
		}
	}
}
