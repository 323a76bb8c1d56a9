package examples_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// clock is the fixed "today" of the golden files, so that date limits give stable results.
func clock() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }

func exampleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && forms.IsFormFolder(os.DirFS(e.Name()), ".") {
			dirs = append(dirs, e.Name())
		}
	}
	if len(dirs) < 3 {
		t.Fatalf("found %d example forms, want at least 3", len(dirs))
	}
	return dirs
}

func load(t *testing.T, dir string) *forms.Form {
	t.Helper()
	form, problems := forms.Load(os.DirFS(dir), dir, forms.Options{Now: clock})
	if form == nil {
		t.Fatalf("%s does not load:\n%v", dir, problems)
	}
	return form
}

// TestExamplesCheckClean runs the linter on every example: no errors and no warnings.
func TestExamplesCheckClean(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		t.Run(dir, func(t *testing.T) {
			for _, p := range forms.Check(os.DirFS(dir), dir, forms.Options{Now: clock}) {
				t.Errorf("%s/%s", dir, p)
			}
		})
	}
}

// TestGoldenModel compares each example's compiled form model with testdata/model.golden.json.
func TestGoldenModel(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		t.Run(dir, func(t *testing.T) {
			form := load(t, dir)
			got, err := json.MarshalIndent(form, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join(dir, "testdata", "model.golden.json"), append(got, '\n'))
		})
	}
}

// TestGoldenSamples validates each sample: valid*.json must have no errors, every invalid*.json
// must have errors, and the German list of them is compared with its golden file.
func TestGoldenSamples(t *testing.T) {
	cat := engine.NewCatalog()
	for _, dir := range exampleDirs(t) {
		form := load(t, dir)
		samples, _ := filepath.Glob(filepath.Join(dir, "samples", "*.json"))
		if len(samples) < 2 {
			t.Errorf("%s: want a valid and at least one invalid sample, found %v", dir, samples)
		}
		for _, file := range samples {
			name := strings.TrimSuffix(filepath.Base(file), ".json")
			t.Run(dir+"/"+name, func(t *testing.T) {
				data := readJSON(t, file)
				errs := engine.Validate(form, data)
				switch {
				case strings.HasPrefix(name, "valid"):
					for _, fe := range errs {
						t.Errorf("valid sample has error %s: %s", fe.Path, cat.Message(form, fe, "de"))
					}
				case strings.HasPrefix(name, "invalid"):
					if len(errs) == 0 {
						t.Fatal("invalid sample has no errors")
					}
					var b bytes.Buffer
					for _, lang := range []string{"de", "en"} {
						fmt.Fprintf(&b, "# %s\n", lang)
						for _, fe := range errs {
							fmt.Fprintf(&b, "%s: %s\n", fe.Path, cat.Message(form, fe, lang))
						}
					}
					golden(t, filepath.Join(dir, "testdata", name+".errors.golden.txt"), b.Bytes())
				default:
					t.Fatalf("sample %s is named neither valid* nor invalid*", file)
				}
			})
		}
	}
}

func readJSON(t *testing.T, file string) any {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(io.Reader(f))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v
}

func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run `go test ./examples -run Golden -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run with -update and review the diff.\n%s", file, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, w, g)
		}
	}
	return ""
}
