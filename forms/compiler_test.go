package forms

import (
	"bytes"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exampleCopy returns the files of examples/<name> with the form's id changed to id.
func exampleCopy(t *testing.T, name, id string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("../examples/"+name), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile("../examples/" + name + "/" + p)
		if p == "form.json" {
			b = bytes.Replace(b, []byte(`"id": "`+name+`"`), []byte(`"id": "`+id+`"`), 1)
		}
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCheckerSharesBlocks loads and checks forms one after another with one compiler, as a
// catalog's start and "ozgform check" do: every form comes out as it does alone (same form
// map, same problems), and the forms share the compiled building blocks.
func TestCheckerSharesBlocks(t *testing.T) {
	fc := &formCompiler{}
	checker := NewChecker(Options{})
	blocks := map[string]*jsonschema.Schema{}
	shared := 0
	for i, name := range []string{"hundesteuer", "bewohnerparkausweis", "mutterschutz", "gewerbeanmeldung", "hundesteuer"} {
		id := name + "-" + string(rune('a'+i))
		folder := exampleCopy(t, name, id)
		alone, problems := Load(folder, id, Options{})
		if alone == nil {
			t.Fatalf("%s: %v", id, problems)
		}
		f, _ := fc.load(folder, id, Options{})
		if f == nil {
			t.Fatalf("%s does not load with a shared compiler", id)
		}
		var want, got strings.Builder
		if err := alone.Map().WriteText(&want); err != nil {
			t.Fatal(err)
		}
		if err := f.Map().WriteText(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: the form map differs with a shared compiler:\n%s\nalone:\n%s", id, got.String(), want.String())
		}
		if !reflect.DeepEqual(checker.Check(folder, id), Check(folder, id, Options{})) {
			t.Errorf("%s: the problems differ with a shared Checker", id)
		}
		for loc, sch := range blockSchemas(f.Schema, map[*jsonschema.Schema]bool{}) {
			if first, ok := blocks[loc]; !ok {
				blocks[loc] = sch
			} else if first == sch {
				shared++
			}
		}
	}
	if len(blocks) == 0 || shared == 0 {
		t.Errorf("%d compiled blocks, %d shared by later forms; want some of each", len(blocks), shared)
	}
}

// blockSchemas returns the compiled schemas of building blocks reachable from s.
func blockSchemas(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) map[string]*jsonschema.Schema {
	out := map[string]*jsonschema.Schema{}
	var walk func(s *jsonschema.Schema)
	walk = func(s *jsonschema.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if strings.HasPrefix(s.Location, BlockBaseURI) {
			out[s.Location] = s
		}
		walk(s.Ref)
		walk(s.If)
		walk(s.Then)
		walk(s.Else)
		walk(s.Items2020)
		for _, list := range [][]*jsonschema.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range list {
				walk(x)
			}
		}
		for _, p := range s.Properties {
			walk(p)
		}
	}
	walk(s)
	return out
}

// TestCheckerSameIDTwice: two folders with one id (a catalog reports the duplicate) are both
// checked completely by one Checker; their files are addressed under the same URL, so the
// second gets a compiler of its own.
func TestCheckerSameIDTwice(t *testing.T) {
	checker := NewChecker(Options{})
	for range 2 {
		if problems := checker.Check(exampleCopy(t, "hundesteuer", "hundesteuer"), "hundesteuer"); problems.HasErrors() {
			t.Fatal(problems)
		}
	}
	twin := exampleCopy(t, "hundesteuer", "hundesteuer")
	twin["schema.json"].Data = bytes.Replace(twin["schema.json"].Data, []byte(`"type": "object"`), []byte(`"type": "objekt"`), 1)
	if problems := checker.Check(twin, "hundesteuer"); !problems.HasErrors() {
		t.Error("a changed schema.json under an id checked before is not checked again")
	}
}

// TestCheckerAfterBrokenForm: a form with an invalid pattern is reported each time, and the
// forms checked after it with the same Checker are unaffected.
func TestCheckerAfterBrokenForm(t *testing.T) {
	checker := NewChecker(Options{})
	for i, id := range []string{"kaputt-a", "kaputt-b"} {
		folder := exampleCopy(t, "bewohnerparkausweis", id)
		folder["schema.json"].Data = bytes.Replace(folder["schema.json"].Data, []byte(`"properties": {`), []byte(`"properties": {"x": {"type": "string", "pattern": "(?=x)"},`), 1)
		problems := checker.Check(folder, id)
		found := false
		for _, p := range problems {
			found = found || p.Code == "schema-regex"
		}
		if !found {
			t.Fatalf("form %d: the invalid pattern is not reported: %v", i, problems)
		}
		good := exampleCopy(t, "hundesteuer", "gut-"+id)
		if problems := checker.Check(good, "gut-"+id); !reflect.DeepEqual(problems, Check(good, "gut-"+id, Options{})) || problems.HasErrors() {
			t.Fatalf("the form after a broken one: %v", problems)
		}
	}
}

// TestBlocksShareable: the forms of a formCompiler share the compiled building blocks, which is
// only right while no block uses a keyword whose compiled form depends on the form folder:
// x-codelist names a code list of the folder.
func TestBlocksShareable(t *testing.T) {
	names, err := fs.Glob(Blocks(), "*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no blocks: %v", err)
	}
	for _, name := range names {
		b, err := parseBlock(name)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				if _, ok := v["x-codelist"]; ok {
					t.Errorf("%s uses x-codelist: forms cannot share it compiled (see formCompiler)", name)
				}
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			}
		}
		walk(b.doc)
	}
}

// TestSharedCache: a value is made once per key, errors are not kept, and the cache is emptied
// when it grows beyond its bound.
func TestSharedCache(t *testing.T) {
	c := sharedCache[string, *int]{max: 2}
	made := 0
	mk := func() (*int, error) { made++; v := made; return &v, nil }
	a, _ := c.get("a", mk)
	if again, _ := c.get("a", mk); again != a || made != 1 {
		t.Fatalf("made %d times, same value %v", made, again == a)
	}
	if _, err := c.get("kaputt", func() (*int, error) { return nil, fs.ErrInvalid }); err == nil {
		t.Fatal("the error is lost")
	}
	if v, err := c.get("kaputt", mk); err != nil || v == nil {
		t.Fatalf("an error was kept: %v", err)
	}
	c.get("c", mk) // the third entry empties the cache
	if again, _ := c.get("a", mk); again == a {
		t.Error("the cache grew beyond its bound")
	}
}
