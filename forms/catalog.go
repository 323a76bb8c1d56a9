package forms

import (
	"crypto/sha256"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// DefaultCompiledForms is how many compiled forms a catalog keeps in memory unless
// CatalogOptions.Compiled says otherwise. A compiled form takes about 200 kB; a portal's
// catalog of thousands of forms keeps the bytes of each form's files (about 40 kB) and
// compiles the forms citizens open, keeping the most recently used ones.
const DefaultCompiledForms = 256

// Catalog is a set of forms loaded from a folder of form folders. Every form was loaded and
// checked completely when the catalog was made, so a catalog holds only forms without errors.
// It keeps each form's manifest and files, and at most a bounded number of compiled forms:
// Get compiles a form again from its (checked) files when it was evicted. A Catalog is safe
// for concurrent use and never changes after LoadCatalog; to serve other forms, load a new
// catalog and swap the pointer.
type Catalog struct {
	byID    map[string]*Entry
	entries []*Entry // ordered by id
	opts    Options
	limit   int

	clock    atomic.Int64 // use counter for the least-recently-used eviction
	compiled atomic.Int64 // number of entries holding a compiled form
	evictMu  sync.Mutex
}

// Entry is one form of a catalog: what is known without compiling it.
type Entry struct {
	Manifest Manifest
	// Files are the form's files as Form.Files (the bytes that were checked).
	Files map[string][]byte
	// Warnings found when the form was loaded.
	Warnings Problems

	texts map[string]map[string]string // the translations of the manifest's texts ("form.…")

	name     string // folder name
	form     atomic.Pointer[Form]
	lastUse  atomic.Int64
	loadOnce sync.Mutex
}

// CatalogOptions tune LoadCatalog.
type CatalogOptions struct {
	Options
	// Compiled is how many compiled forms the catalog keeps; 0 means DefaultCompiledForms,
	// a negative value keeps every form compiled.
	Compiled int
	// Cache, when set, remembers the forms that passed the check; forms it knows are not
	// compiled at start (see CheckCache). Salt names the program (its checks) in the keys.
	Cache CheckCache
	Salt  string
}

// IsFormFolder reports whether dir in fsys holds a form (a form.json).
func IsFormFolder(fsys fs.FS, dir string) bool {
	st, err := fs.Stat(fsys, path.Join(dir, "form.json"))
	return err == nil && !st.IsDir()
}

// LoadCatalog loads every form folder directly below root. Problems name files relative to
// root ("hundesteuer/schema.json"). Forms with errors are left out; the others are served.
func LoadCatalog(fsys fs.FS, root string, opts Options) (*Catalog, Problems) {
	return LoadCatalogWith(fsys, root, CatalogOptions{Options: opts})
}

// LoadCatalogWith is LoadCatalog with a bound on the compiled forms kept in memory. The forms
// are loaded and checked on all processors at once; problems come in folder order.
func LoadCatalogWith(fsys fs.FS, root string, opts CatalogOptions) (*Catalog, Problems) {
	cat := &Catalog{byID: map[string]*Entry{}, opts: opts.Options, limit: opts.Compiled}
	if cat.limit == 0 {
		cat.limit = DefaultCompiledForms
	}
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return cat, Problems{{File: root, Severity: SeverityError, Code: "catalog", Message: "Der Formularordner kann nicht gelesen werden: " + err.Error()}}
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && IsFormFolder(fsys, path.Join(root, e.Name())) {
			names = append(names, e.Name())
		}
	}
	type result struct {
		entry    *Entry
		form     *Form // nil for a form the cache knows: compiled when first used
		problems Problems
	}
	results := make([]result, len(names))
	shared := &sharedFiles{m: map[[sha256.Size]byte][]byte{}}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(names), 1)) {
		wg.Go(func() {
			fc := &formCompiler{} // the forms of one goroutine share the compiled building blocks
			for i := int(next.Add(1)) - 1; i < len(names); i = int(next.Add(1)) - 1 {
				sub, err := fs.Sub(fsys, path.Join(root, names[i]))
				if err != nil {
					continue
				}
				key := ""
				folder := sub
				var sums map[string][sha256.Size]byte // of the files, when hashing has read them
				if opts.Cache != nil {
					k, all, fileSums, ok := folderKey(sub, opts.Salt)
					sums = fileSums
					if ok {
						key = k
						// Hashing read every file of the folder: the form is loaded from those
						// bytes, not read from disk a second time (a seventh of a first start).
						folder = MapFS(all)
						if rec, known := opts.Cache.Checked(key); known {
							if e, ok := entryFromRecord(names[i], all, rec); ok {
								shared.dedupe(e.Files, sums)
								results[i] = result{entry: e, problems: prefixed(rec.Warnings, names[i])}
								continue
							}
						}
					}
				}
				form, problems := fc.load(folder, names[i], opts.Options)
				r := result{form: form, problems: prefixed(problems, names[i])}
				if form != nil {
					r.entry = &Entry{Manifest: form.Manifest, Files: form.Files, Warnings: form.Warnings, name: names[i], texts: manifestTexts(form)}
					shared.dedupe(r.entry.Files, sums) // the form's Files too: the same map
					if key != "" {
						opts.Cache.Remember(key, recordOf(form))
					}
					if cat.limit >= 0 && i >= cat.limit {
						r.form = nil // beyond the bound: not kept, so loading never holds every form compiled
					}
				}
				results[i] = r
			}
		})
	}
	wg.Wait()

	var all Problems
	for i, r := range results {
		all = append(all, r.problems...)
		e := r.entry
		if e == nil {
			continue
		}
		if other, dup := cat.byID[e.Manifest.ID]; dup {
			all = append(all, Problem{File: path.Join(names[i], "form.json"), Pointer: "/id", Severity: SeverityError, Code: "catalog-duplicate",
				Message: "Die id „" + e.Manifest.ID + "“ wird schon von einem anderen Formular verwendet (" + other.Manifest.Title + ")."})
			continue
		}
		if r.form != nil && (cat.limit < 0 || int(cat.compiled.Load()) < cat.limit) {
			r.form.Files = e.Files
			e.form.Store(r.form)
			cat.compiled.Add(1)
		}
		cat.byID[e.Manifest.ID] = e
		cat.entries = append(cat.entries, e)
	}
	sort.Slice(cat.entries, func(i, j int) bool { return cat.entries[i].Manifest.ID < cat.entries[j].Manifest.ID })
	return cat, all
}

// sharedFiles keeps one copy of the files that several forms share (a service offered by many
// municipalities, FIM code lists). Each form's files are replaced by the shared copies as soon
// as it is loaded, so that loading a large catalog never holds all the copies at once.
type sharedFiles struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte][]byte
}

// dedupe replaces files by the shared copies; sums, when not nil, holds the SHA-256 of files
// by name, computed before (folderKey).
func (s *sharedFiles) dedupe(files map[string][]byte, sums map[string][sha256.Size]byte) {
	for name, data := range files {
		key, ok := sums[name]
		if !ok {
			key = sha256.Sum256(data)
		}
		s.mu.Lock()
		if same, ok := s.m[key]; ok {
			files[name] = same
		} else {
			s.m[key] = data
		}
		s.mu.Unlock()
	}
}

// manifestTexts keeps the translations of the manifest's texts (keys "form.…"), which lists of
// forms show without compiling them.
func manifestTexts(f *Form) map[string]map[string]string {
	out := map[string]map[string]string{}
	for lang, texts := range f.Translations {
		for k, v := range texts {
			if strings.HasPrefix(k, "form.") {
				if out[lang] == nil {
					out[lang] = map[string]string{}
				}
				out[lang][k] = v
			}
		}
	}
	return out
}

// T returns the text for key in lang, or fallback (the German text) when there is none, like
// Form.T for the manifest's texts ("form.title", "form.summary").
func (e *Entry) T(lang, key, fallback string) string {
	if lang == "" || lang == "de" {
		return fallback
	}
	if s, ok := e.texts[lang][key]; ok && s != "" {
		return s
	}
	return fallback
}

// Len returns the number of forms.
func (c *Catalog) Len() int { return len(c.entries) }

// Entry returns the form with the given id without compiling it, or nil.
func (c *Catalog) Entry(id string) *Entry { return c.byID[id] }

// Entries returns the forms ordered by id, without compiling them.
func (c *Catalog) Entries() []*Entry { return c.entries }

// Get returns the compiled form with the given id, or nil when there is none. A form that is
// not in memory is compiled from its checked files (a few milliseconds).
func (c *Catalog) Get(id string) *Form {
	e := c.byID[id]
	if e == nil {
		return nil
	}
	e.lastUse.Store(c.clock.Add(1))
	if f := e.form.Load(); f != nil {
		return f
	}
	e.loadOnce.Lock()
	defer e.loadOnce.Unlock()
	if f := e.form.Load(); f != nil {
		return f
	}
	f, _ := Load(MapFS(e.Files), e.name, c.opts)
	if f == nil {
		// The files were checked when the catalog was made and cannot have changed; only a
		// change of the clock-dependent checks could get here.
		return nil
	}
	f.Files = e.Files
	e.form.Store(f)
	if c.limit >= 0 && int(c.compiled.Add(1)) > c.limit {
		c.evict(e)
	}
	return f
}

// evict drops the compiled form used least recently (other than keep) until the catalog is
// within its limit.
func (c *Catalog) evict(keep *Entry) {
	c.evictMu.Lock()
	defer c.evictMu.Unlock()
	for int(c.compiled.Load()) > c.limit {
		var victim *Entry
		for _, e := range c.entries {
			if e == keep || e.form.Load() == nil {
				continue
			}
			if victim == nil || e.lastUse.Load() < victim.lastUse.Load() {
				victim = e
			}
		}
		if victim == nil || victim.form.Swap(nil) == nil {
			return
		}
		c.compiled.Add(-1)
	}
}

// Forms returns every form compiled, ordered by id. With a large catalog prefer Entries,
// which compiles nothing.
func (c *Catalog) Forms() []*Form {
	out := make([]*Form, 0, len(c.entries))
	for _, e := range c.entries {
		if f := c.Get(e.Manifest.ID); f != nil {
			out = append(out, f)
		}
	}
	return out
}
