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
	// Compiled at start, then (second load) from the check cache's records.
	cache := &mapCache{m: map[string]CheckRecord{}}
	var cat *Catalog
	for _, hits := range []int{0, 2} {
		var problems Problems
		cat, problems = LoadCatalogWith(fsys, ".", CatalogOptions{Compiled: -1, Cache: cache, Salt: "v1"})
		if problems.HasErrors() || cat.Len() != 2 || cache.hits != hits {
			t.Fatalf("%d forms, %d cache hits (want %d): %v", cat.Len(), cache.hits, hits, problems)
		}
		a, b := cat.Entry("mutterschutz-a"), cat.Entry("mutterschutz-b")
		fa := cat.Get("mutterschutz-a")
		shared := 0
		for name, data := range a.Files {
			if name == "form.json" {
				continue
			}
			if &data[0] != &b.Files[name][0] || &data[0] != &fa.Files[name][0] {
				t.Errorf("cache hits %d: %s is kept twice", hits, name)
			}
			if strings.HasPrefix(name, CodelistDir+"/") {
				shared++
			}
		}
		if shared == 0 {
			t.Fatal("the example has no code lists; the test shows nothing")
		}
	}
	a := cat.Entry("mutterschutz-a")
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

// mapCache is a CheckCache in memory.
type mapCache struct {
	mu   sync.Mutex
	m    map[string]CheckRecord
	hits int
}

func (c *mapCache) Checked(key string) (CheckRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, ok := c.m[key]
	if ok {
		c.hits++
	}
	return rec, ok
}

func (c *mapCache) Remember(key string, rec CheckRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = rec
}

// TestCatalogCheckCache: a second load with the cache compiles nothing at start and yields
// the same entries (manifest, files, warnings, translated titles) and the same forms on
// use; a changed file, another program (salt) or a broken form is checked again.
func TestCatalogCheckCache(t *testing.T) {
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("../examples"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS("../examples"), p)
		fsys[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cache := &mapCache{m: map[string]CheckRecord{}}
	opts := CatalogOptions{Cache: cache, Salt: "v1"}
	first, problems := LoadCatalogWith(fsys, ".", opts)
	if problems.HasErrors() || cache.hits != 0 || len(cache.m) != first.Len() {
		t.Fatalf("first load: %d hits, %d remembered of %d forms: %v", cache.hits, len(cache.m), first.Len(), problems)
	}
	second, problems2 := LoadCatalogWith(fsys, ".", opts)
	if cache.hits != first.Len() || len(problems2) != len(problems) {
		t.Fatalf("second load: %d hits of %d forms, %d problems (first %d)", cache.hits, first.Len(), len(problems2), len(problems))
	}
	for i, e := range second.Entries() {
		want := first.Entries()[i]
		if e.form.Load() != nil {
			t.Errorf("%s was compiled at start although the cache knows it", e.Manifest.ID)
		}
		if !reflect.DeepEqual(e.Manifest, want.Manifest) || !reflect.DeepEqual(e.Files, want.Files) || !reflect.DeepEqual(e.Warnings, want.Warnings) {
			t.Errorf("%s: the entry from the cache differs", e.Manifest.ID)
		}
		if got, w := e.T("en", "form.title", ""), want.T("en", "form.title", ""); got != w {
			t.Errorf("%s: English title %q, want %q", e.Manifest.ID, got, w)
		}
		if f := second.Get(e.Manifest.ID); f == nil || f.SchemaHash != first.Get(e.Manifest.ID).SchemaHash {
			t.Errorf("%s: not compiled on use", e.Manifest.ID)
		}
	}

	// A broken schema is checked (and reported), not taken from the cache.
	fsys["hundesteuer/schema.json"] = &fstest.MapFile{Data: []byte(`{"type": "object",`)}
	cache.hits = 0
	third, problems3 := LoadCatalogWith(fsys, ".", opts)
	if !problems3.HasErrors() || third.Entry("hundesteuer") != nil || cache.hits != first.Len()-1 {
		t.Errorf("a changed file: %d hits, errors %v", cache.hits, problems3.HasErrors())
	}
	cache.hits = 0
	LoadCatalogWith(fsys, ".", CatalogOptions{Cache: cache, Salt: "v2"})
	if cache.hits != 0 {
		t.Errorf("another program used %d cached checks", cache.hits)
	}
}

// countingFS counts how often each file's content is read (opening it for Stat is not).
type countingFS struct {
	fs.FS
	mu    sync.Mutex
	reads map[string]int
}

func (c *countingFS) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return f, nil // a folder: ReadDir passes through
	}
	return &countingFile{File: f, fs: c, name: name}, nil
}

type countingFile struct {
	fs.File
	fs   *countingFS
	name string
	read bool
}

func (f *countingFile) Read(b []byte) (int, error) {
	if !f.read {
		f.read = true
		f.fs.mu.Lock()
		f.fs.reads[f.name]++
		f.fs.mu.Unlock()
	}
	return f.File.Read(b)
}

// TestCatalogReadsFilesOnce: with a check cache, a first start hashes every file of a form
// folder and loads the form from the same bytes: no file is read twice.
func TestCatalogReadsFilesOnce(t *testing.T) {
	fsys := &countingFS{FS: os.DirFS("../examples"), reads: map[string]int{}}
	cat, problems := LoadCatalogWith(fsys, ".", CatalogOptions{Cache: &mapCache{m: map[string]CheckRecord{}}, Salt: "v1"})
	if problems.HasErrors() || cat.Len() < 3 {
		t.Fatalf("%d forms: %v", cat.Len(), problems)
	}
	if len(fsys.reads) == 0 {
		t.Fatal("nothing was read through the file system")
	}
	for name, n := range fsys.reads {
		if n > 1 {
			t.Errorf("%s read %d times", name, n)
		}
	}
}
