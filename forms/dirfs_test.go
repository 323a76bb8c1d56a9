package forms

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkedForm writes the small test form to dir/name and returns its folder.
func linkedForm(t *testing.T, dir, name string, files map[string]string) string {
	t.Helper()
	folder := filepath.Join(dir, name)
	for file, content := range testForm(files) {
		p := filepath.Join(folder, file)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return folder
}

const secret = "GEHEIM-7f3a-Passwort"

// outsideFile writes a file outside every form folder whose bytes must never show up.
func outsideFile(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, "ausserhalb", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	// Not JSON, so that a parser that read it would quote it in its error.
	if err := os.WriteFile(p, []byte(secret+" {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	_ = os.Remove(link)
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

// TestDirFSRefusesLinksOutOfTheFolder (issue 14, point 2): a schema.json that is a link to a
// file outside the form folder, and a $ref through a linked folder, are not read: check
// reports file-link, Load fails, and no message quotes a byte of the outside file. Links that
// stay inside the folder work.
func TestDirFSRefusesLinksOutOfTheFolder(t *testing.T) {
	dir := t.TempDir()
	outside := outsideFile(t, dir, "schema.json")

	t.Run("schema.json linked out", func(t *testing.T) {
		folder := linkedForm(t, dir, "test", nil)
		symlink(t, outside, filepath.Join(folder, "schema.json"))
		fsys, err := DirFS(folder)
		if err != nil {
			t.Fatal(err)
		}
		problems := Check(fsys, "test", Options{Now: fixedClock})
		wantLinkProblem(t, problems, "schema.json", "schema.json")
		if f, _ := Load(fsys, "test", Options{Now: fixedClock}); f != nil {
			t.Fatal("the form loaded")
		}
	})

	t.Run("$ref through a linked folder", func(t *testing.T) {
		sub := filepath.Join(dir, "ausserhalb", "teile")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "name.json"), []byte(`{"type": "string", "title": "`+secret+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		folder := linkedForm(t, dir, "test2", map[string]string{
			"form.json":   strings.Replace(baseManifest, `"id": "test"`, `"id": "test2"`, 1),
			"schema.json": strings.Replace(baseSchema, `"name": {"type": "string", "title": "Name"}`, `"name": {"$ref": "teile/name.json"}`, 1),
		})
		symlink(t, sub, filepath.Join(folder, "teile"))
		fsys, err := DirFS(folder)
		if err != nil {
			t.Fatal(err)
		}
		wantLinkProblem(t, Check(fsys, "test2", Options{Now: fixedClock}), "schema.json", "teile")
	})

	t.Run("link inside the folder", func(t *testing.T) {
		folder := linkedForm(t, dir, "test3", map[string]string{"form.json": strings.Replace(baseManifest, `"id": "test"`, `"id": "test3"`, 1)})
		if err := os.Rename(filepath.Join(folder, "layout.json"), filepath.Join(folder, "layout-v1.json")); err != nil {
			t.Fatal(err)
		}
		symlink(t, "layout-v1.json", filepath.Join(folder, "layout.json"))
		fsys, err := DirFS(folder)
		if err != nil {
			t.Fatal(err)
		}
		if problems := Check(fsys, "test3", Options{Now: fixedClock}); len(problems) != 0 {
			t.Fatalf("a link inside the folder: %v", problems)
		}
	})

	t.Run("catalog: a link into another form's folder", func(t *testing.T) {
		formsDir := filepath.Join(dir, "formulare")
		linkedForm(t, formsDir, "test", nil)
		b := linkedForm(t, formsDir, "zwei", map[string]string{"form.json": strings.Replace(baseManifest, `"id": "test"`, `"id": "zwei"`, 1)})
		symlink(t, filepath.Join("..", "test", "schema.json"), filepath.Join(b, "schema.json"))
		c := linkedForm(t, formsDir, "drei", map[string]string{"form.json": strings.Replace(baseManifest, `"id": "test"`, `"id": "drei"`, 1)})
		symlink(t, outside, filepath.Join(c, "schema.json"))
		fsys, err := DirFS(formsDir)
		if err != nil {
			t.Fatal(err)
		}
		cat, problems := LoadCatalog(fsys, ".", Options{Now: fixedClock})
		if cat.Get("test") == nil || cat.Get("zwei") != nil || cat.Get("drei") != nil {
			t.Fatalf("catalog holds test=%v zwei=%v drei=%v, want only test\n%v", cat.Get("test") != nil, cat.Get("zwei") != nil, cat.Get("drei") != nil, problems)
		}
		wantLinkProblem(t, problems, "zwei/schema.json", "schema.json")
		wantLinkProblem(t, problems, "drei/schema.json", "schema.json")
	})
}

func wantLinkProblem(t *testing.T, problems Problems, file, link string) {
	t.Helper()
	found := false
	for _, p := range problems {
		if strings.Contains(p.String(), secret) {
			t.Errorf("a message quotes the outside file: %s", p)
		}
		if p.Code == "file-link" && p.File == file && p.Severity == SeverityError && strings.Contains(p.Message, "„"+link+"“") &&
			strings.Contains(p.Message, "symbolische") {
			found = true
		}
	}
	if !found {
		t.Errorf("no file-link error for %s (link %s):\n%s", file, link, problemLines(problems))
	}
}

// TestDirFSSub: a form folder of a catalog on disk is its own root's file system, which
// answers Stat and ReadFile without the generic wrapper (that opened every file to Stat it);
// deeper folders and "." still work, bad names are refused.
func TestDirFSSub(t *testing.T) {
	fsys, err := DirFS("../examples")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(fsys, "hundesteuer")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sub.(fs.StatFS); !ok {
		t.Errorf("the form folder's file system (%T) has no Stat", sub)
	}
	if _, ok := sub.(fs.ReadFileFS); !ok {
		t.Errorf("the form folder's file system (%T) has no ReadFile", sub)
	}
	if f, problems := Load(sub, "hundesteuer", Options{}); f == nil {
		t.Fatal(problems)
	}
	deeper, err := fs.Sub(fsys, "hundesteuer/i18n")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := fs.ReadFile(deeper, "en.json"); err != nil || len(b) == 0 {
		t.Errorf("a deeper folder: %v", err)
	}
	if same, err := fs.Sub(fsys, "."); err != nil || same != fsys {
		t.Errorf("Sub(.): %v", err)
	}
	if _, err := fs.Sub(fsys, "../examples"); err == nil {
		t.Error("Sub(../examples) is accepted")
	}
}
