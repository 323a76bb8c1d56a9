package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/ozgform/ozgform/forms"
)

// Forms finds the form a submission was made with: the catalog holds only the current version
// of each form, the store (FormVersionStore) the files of every version that was served. The
// delivery worker, the receipt download, the pull API and the schema publication ask it, so
// that a submission of version 1.0.0 is still delivered, its receipt rendered and its schema
// published after the author has published 1.1.0.
//
// A version loaded from the store is loaded once and cached; only versions that exist in the
// store are cached, so the cache holds at most as many forms as there are stored versions.
// Forms is safe for concurrent use.
type Forms struct {
	Catalog *forms.Catalog
	Store   FormVersionStore

	cache sync.Map // formKey → *forms.Form
}

type formKey struct{ id, version string }

// NewForms returns the resolver over catalog and store.
func NewForms(catalog *forms.Catalog, store FormVersionStore) *Forms {
	return &Forms{Catalog: catalog, Store: store}
}

// FormFor returns form id in version: the catalog's form if it is that version, else the form
// loaded from the files stored for the version. KindNotFound if neither has it; KindInternal
// if the stored files no longer load (a newer ozgform that checks more strictly).
func (r *Forms) FormFor(ctx context.Context, id, version string) (*forms.Form, error) {
	if f := r.current(id, version); f != nil {
		return f, nil
	}
	return r.stored(ctx, id, version)
}

// ForSubmission returns the form a submission was validated against. As FormFor, and if the
// author changed schema.json without publishing a new version, it prefers the stored files
// whose schema hash is the submission's over the catalog's, so that the envelope (which
// names the schema by hash) can still be built for submissions made before the change.
func (r *Forms) ForSubmission(ctx context.Context, s *Submission) (*forms.Form, error) {
	cur := r.current(s.FormID, s.FormVersion)
	if cur != nil && (s.SchemaHash == "" || s.SchemaHash == cur.SchemaHash) {
		return cur, nil
	}
	st, err := r.stored(ctx, s.FormID, s.FormVersion)
	switch {
	case err == nil && (cur == nil || s.SchemaHash == st.SchemaHash):
		return st, nil
	case cur != nil:
		// Neither matches the submission's schema: the catalog's form, with which the receipt
		// renders and the envelope reports the changed schema.
		return cur, nil
	}
	return nil, err
}

// current returns the catalog's form if it is id in version.
func (r *Forms) current(id, version string) *forms.Form {
	if r.Catalog == nil {
		return nil
	}
	if f := r.Catalog.Get(id); f != nil && f.Manifest.Version == version {
		return f
	}
	return nil
}

// stored loads id in version from the store's files (once; then from the cache).
func (r *Forms) stored(ctx context.Context, id, version string) (*forms.Form, error) {
	const op = "engine.Forms.FormFor"
	key := formKey{id, version}
	if f, ok := r.cache.Load(key); ok {
		return f.(*forms.Form), nil
	}
	if r.Store == nil {
		return nil, E(KindNotFound, op, fmt.Errorf("form %s %s is not loaded", id, version))
	}
	files, err := r.Store.FormVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	f, problems := forms.Load(forms.MapFS(files), id, forms.Options{})
	if f == nil {
		return nil, E(KindInternal, op, fmt.Errorf("the stored files of form %s %s do not load: %v", id, version, errors.Join(problemErrors(problems)...)))
	}
	if f.Manifest.ID != id || f.Manifest.Version != version {
		return nil, E(KindInternal, op, fmt.Errorf("the stored files of form %s %s are form %s %s", id, version, f.Manifest.ID, f.Manifest.Version))
	}
	actual, _ := r.cache.LoadOrStore(key, f)
	return actual.(*forms.Form), nil
}

func problemErrors(ps forms.Problems) []error {
	var out []error
	for _, p := range ps {
		if p.Severity == forms.SeverityError {
			out = append(out, errors.New(p.String()))
		}
	}
	return out
}

// SaveCatalog stores the files of every form of the catalog in its version, unless the
// version is stored already (SaveFormVersion: the first write wins). serve calls it at start,
// before it accepts submissions, so that every version a submission can name is stored.
// changed lists the forms whose stored files differ from the loaded ones: the author changed
// files without publishing a new version. The stored files stay; the catalog's form serves
// new submissions, and ForSubmission still finds the stored one for earlier submissions
// whose schema hash is the stored schema's.
func (r *Forms) SaveCatalog(ctx context.Context) (changed []*forms.Entry, err error) {
	// A portal's catalog has thousands of forms: each is looked up first (a read of its hash),
	// and only the new ones are written, by many goroutines so that the store can commit their
	// writes together. A new version's write is small once its files are stored by content
	// (most are stored already), so the time goes into waiting for commits: 32 writers waiting
	// make larger group commits than 8 (SQLite; PostgreSQL's pool bounds them anyway).
	entries := r.Catalog.Entries()
	differs := make([]bool, len(entries))
	errs := make([]error, len(entries))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	for range min(32, len(entries)) {
		wg.Go(func() {
			for {
				next.Lock()
				k := i
				i++
				next.Unlock()
				if k >= len(entries) || ctx.Err() != nil {
					return
				}
				differs[k], errs[k] = r.saveVersion(ctx, entries[k])
			}
		})
	}
	wg.Wait()
	for k, e := range entries {
		if errs[k] != nil {
			return changed, fmt.Errorf("form %s %s: %w", e.Manifest.ID, e.Manifest.Version, errs[k])
		}
		if differs[k] {
			changed = append(changed, e)
		}
	}
	return changed, ctx.Err()
}

// saveVersion stores the files of e unless its version is stored, and reports whether the
// stored files differ from e's. It compares hashes (FilesHash), not files: reading back every
// stored version's files was about a quarter of the first start of a 1,000-form catalog.
func (r *Forms) saveVersion(ctx context.Context, e *forms.Entry) (bool, error) {
	m := e.Manifest
	stored, err := r.Store.FormVersionHash(ctx, m.ID, m.Version)
	if KindOf(err) == KindNotFound {
		if err := r.Store.SaveFormVersion(ctx, m.ID, m.Version, e.Files); err != nil {
			return false, err
		}
		// Another instance may have stored other files of this version between the lookup and
		// the insert (the first write wins): compare with what is stored now.
		stored, err = r.Store.FormVersionHash(ctx, m.ID, m.Version)
	}
	if err != nil {
		return false, err
	}
	return stored != FilesHash(e.Files), nil
}

// FilesHash returns the hex SHA-256 over a form version's files: each file's path and the
// SHA-256 of its bytes, in path order. Stores keep it beside the files (FormVersionHash), so that
// a start finds out whether its files are the stored ones without reading those back.
func FilesHash(files map[string][]byte) string {
	sums := make(map[string][sha256.Size]byte, len(files))
	for name, data := range files {
		sums[name] = sha256.Sum256(data)
	}
	return FilesHashOfSums(sums)
}

// FilesHashOfSums is FilesHash of files whose SHA-256 (by path) is known already.
func FilesHashOfSums(sums map[string][sha256.Size]byte) string {
	names := make([]string, 0, len(sums))
	for name := range sums {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		sum := sums[name]
		// The path's length first, so that no two sets of files hash alike by moving bytes
		// between one file's path and the next.
		h.Write(binary.AppendUvarint(nil, uint64(len(name))))
		h.Write([]byte(name))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
