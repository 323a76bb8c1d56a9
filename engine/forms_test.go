package engine_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
)

// exampleFiles returns the files of examples/<id> with form.json's version and schema.json's
// bytes changed as given (schemaPrefix goes after the first "{").
func exampleFiles(t *testing.T, id, version, schemaPrefix string) fstest.MapFS {
	t.Helper()
	f, problems := forms.Load(os.DirFS(filepath.Join("..", "examples", id)), id, forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	m := fstest.MapFS{}
	for name, b := range f.Files {
		b = bytes.Clone(b)
		switch name {
		case "form.json":
			b = bytes.Replace(b, []byte(`"version": "`+f.Manifest.Version+`"`), []byte(`"version": "`+version+`"`), 1)
		case "schema.json":
			b = bytes.Replace(b, []byte("{"), []byte("{"+schemaPrefix), 1)
		}
		m[id+"/"+name] = &fstest.MapFile{Data: b}
	}
	return m
}

func loadCatalog(t *testing.T, fsys fstest.MapFS) *forms.Catalog {
	t.Helper()
	cat, problems := forms.LoadCatalog(fsys, ".", forms.Options{})
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	return cat
}

func TestFormsResolver(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	v1 := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.0.0", ""))
	if changed, err := engine.NewForms(v1, st).SaveCatalog(ctx); err != nil || len(changed) != 0 {
		t.Fatalf("SaveCatalog v1: %v %v", changed, err)
	}
	old := v1.Get("hundesteuer")

	// 1.1.0 is published: 1.0.0 comes from the store.
	v2 := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.1.0", `"description": "neu", `))
	r := engine.NewForms(v2, st)
	if _, err := r.SaveCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := r.FormFor(ctx, "hundesteuer", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if f.Manifest.Version != "1.0.0" || f.SchemaHash != old.SchemaHash || len(f.Pages) != len(old.Pages) {
		t.Errorf("stored version: %s, schema hash equal %v", f.Manifest.Version, f.SchemaHash == old.SchemaHash)
	}
	if again, _ := r.FormFor(ctx, "hundesteuer", "1.0.0"); again != f {
		t.Error("the stored version is loaded again instead of taken from the cache")
	}
	if cur, err := r.FormFor(ctx, "hundesteuer", "1.1.0"); err != nil || cur != v2.Get("hundesteuer") {
		t.Errorf("current version: %v", err)
	}
	if _, err := r.FormFor(ctx, "hundesteuer", "0.9.0"); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("unknown version: %v, want KindNotFound", err)
	}
	if _, err := r.FormFor(ctx, "gibtsnicht", "1.0.0"); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("unknown form: %v, want KindNotFound", err)
	}

	// The author changes schema.json of 1.1.0 without a new version: SaveCatalog says so and
	// keeps the stored files; a submission validated against the first 1.1.0 still gets it.
	first := v2.Get("hundesteuer")
	v2b := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.1.0", `"description": "geändert", `))
	r2 := engine.NewForms(v2b, st)
	changed, err := r2.SaveCatalog(ctx)
	if err != nil || len(changed) != 1 || changed[0].Manifest.ID != "hundesteuer" {
		t.Fatalf("SaveCatalog after a change without a new version: %v %v", changed, err)
	}
	earlier := &engine.Submission{FormID: "hundesteuer", FormVersion: "1.1.0", SchemaHash: first.SchemaHash}
	if f, err := r2.ForSubmission(ctx, earlier); err != nil || f.SchemaHash != first.SchemaHash {
		t.Errorf("a submission before the change gets schema %v (%v), want the stored one", f != nil && f.SchemaHash == first.SchemaHash, err)
	}
	later := &engine.Submission{FormID: "hundesteuer", FormVersion: "1.1.0", SchemaHash: v2b.Get("hundesteuer").SchemaHash}
	if f, err := r2.ForSubmission(ctx, later); err != nil || f != v2b.Get("hundesteuer") {
		t.Errorf("a submission after the change does not get the catalog's form: %v", err)
	}
	older := &engine.Submission{FormID: "hundesteuer", FormVersion: "1.0.0", SchemaHash: old.SchemaHash}
	if f, err := r2.ForSubmission(ctx, older); err != nil || f.Manifest.Version != "1.0.0" {
		t.Errorf("a submission of 1.0.0: %v", err)
	}
}
