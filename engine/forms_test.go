package engine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
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

// countingStore counts the reads of stored files, and can pretend, once, that a version is not
// stored yet although another instance has just stored it.
type countingStore struct {
	engine.Store
	fileReads atomic.Int64
	race      atomic.Bool // the next FormVersionHash answers KindNotFound
}

func (s *countingStore) FormVersion(ctx context.Context, id, version string) (map[string][]byte, error) {
	s.fileReads.Add(1)
	return s.Store.FormVersion(ctx, id, version)
}

func (s *countingStore) FormVersionHash(ctx context.Context, id, version string) (string, error) {
	if s.race.CompareAndSwap(true, false) {
		return "", engine.E(engine.KindNotFound, "test", errors.New("stored by another instance meanwhile"))
	}
	return s.Store.FormVersionHash(ctx, id, version)
}

// TestSaveCatalogComparesHashes: a start stores new versions and finds stored ones by their
// files' hash, without reading any stored files back; a new version is stored, changed files
// of a stored version are reported, also when another instance stored them between this
// start's lookup and its insert.
func TestSaveCatalogComparesHashes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs := &countingStore{Store: st}
	save := func(cat *forms.Catalog) []*forms.Entry {
		t.Helper()
		changed, err := engine.NewForms(cat, cs).SaveCatalog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return changed
	}

	v1 := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.0.0", ""))
	if changed := save(v1); len(changed) != 0 {
		t.Fatalf("first start: changed %v", changed)
	}
	if changed := save(v1); len(changed) != 0 {
		t.Fatalf("restart: changed %v", changed)
	}
	if n := cs.fileReads.Load(); n != 0 {
		t.Errorf("two starts read stored files %d times, want 0", n)
	}
	hash, err := st.FormVersionHash(ctx, "hundesteuer", "1.0.0")
	if err != nil || hash != engine.FilesHash(v1.Entry("hundesteuer").Files) {
		t.Fatalf("stored hash %q (%v), want the catalog's files' hash", hash, err)
	}

	// A new version is stored beside the old one.
	v2 := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.1.0", `"description": "neu", `))
	if changed := save(v2); len(changed) != 0 {
		t.Fatalf("new version: changed %v", changed)
	}
	if files, err := st.FormVersion(ctx, "hundesteuer", "1.1.0"); err != nil || !bytes.Equal(files["schema.json"], v2.Entry("hundesteuer").Files["schema.json"]) {
		t.Fatalf("version 1.1.0 not stored: %v", err)
	}

	// Changed files under a stored version are reported.
	v2b := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.1.0", `"description": "geändert", `))
	if changed := save(v2b); len(changed) != 1 {
		t.Fatalf("changed files of a stored version: changed %d forms, want 1", len(changed))
	}

	// Another instance stores 1.2.0 with other files between this start's lookup and its
	// insert: the insert keeps the other's files, and the start reports its own as changed.
	other := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.2.0", `"description": "andere Instanz", `))
	if err := st.SaveFormVersion(ctx, "hundesteuer", "1.2.0", other.Entry("hundesteuer").Files); err != nil {
		t.Fatal(err)
	}
	mine := loadCatalog(t, exampleFiles(t, "hundesteuer", "1.2.0", `"description": "diese Instanz", `))
	cs.race.Store(true)
	if changed := save(mine); len(changed) != 1 {
		t.Fatalf("conflicting insert of another instance: changed %d forms, want 1", len(changed))
	}
	if cs.race.Load() {
		t.Fatal("the race was not staged")
	}
	if n := cs.fileReads.Load(); n != 0 {
		t.Errorf("starts read stored files %d times, want 0", n)
	}
}

func TestFilesHash(t *testing.T) {
	base := map[string][]byte{"form.json": []byte("{}"), "schema.json": []byte(`{"type":"object"}`)}
	h := engine.FilesHash(base)
	if len(h) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", h)
	}
	for name, files := range map[string]map[string][]byte{
		"a byte changed":   {"form.json": []byte("{ }"), "schema.json": []byte(`{"type":"object"}`)},
		"a file renamed":   {"form.json": []byte("{}"), "schema2.json": []byte(`{"type":"object"}`)},
		"a file added":     {"form.json": []byte("{}"), "schema.json": []byte(`{"type":"object"}`), "i18n/en.json": nil},
		"a file removed":   {"schema.json": []byte(`{"type":"object"}`)},
		"contents swapped": {"form.json": []byte(`{"type":"object"}`), "schema.json": []byte("{}")},
	} {
		if engine.FilesHash(files) == h {
			t.Errorf("%s: same hash", name)
		}
	}
	same := map[string][]byte{"schema.json": []byte(`{"type":"object"}`), "form.json": []byte("{}")}
	if engine.FilesHash(same) != h {
		t.Error("the same files give another hash")
	}
}
