// Package devmode is the live preview of `ozgform dev` for form authors: it loads form
// folders, serves them through the normal server, reloads and re-checks them on every save,
// and tells the open browser pages to refresh (server-sent events). Pages of a form with
// errors show its problems instead of the form; every page gets a preview bar with the form
// map, the warnings and "Mit Beispieldaten füllen".
//
// The preview wraps the server's http.Handler; `ozgform serve` never builds it, so operators
// pay nothing for it.
package devmode

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
	"github.com/ozgform/ozgform/server"
)

// Options configure the preview.
type Options struct {
	// Folders are the form folders (each with a form.json), as the author named them.
	Folders []string
	// Server serves the forms; the preview swaps its catalog on every reload.
	Server *server.Server
	// Service is the server's service: the preview fits the browser's draft to a reloaded form
	// (see fitDraft). Nil leaves drafts alone.
	Service *engine.Service
	// Logger gets one line per reload; nil discards.
	Logger *slog.Logger
	// Now is the clock of "today" in date limits; nil means time.Now.
	Now func() time.Time
}

// Preview is the running preview.
type Preview struct {
	opts   Options
	fsys   foldersFS
	html   *renderer.DevHTML
	log    *slog.Logger
	reload sync.Mutex // one reload at a time

	mu   sync.RWMutex
	st   *state
	subs map[chan uint64]struct{}
	done chan struct{}

	fitMu  sync.Mutex
	fitted map[string]uint64 // draft id → generation it was fitted to
	close  sync.Once
}

// state is what one reload found.
type state struct {
	generation uint64
	// folders by name (the last path element, as in the URL): problems and the form, or the
	// last form that loaded when the folder has errors now.
	folders map[string]*folderState
	names   []string
	loaded  int
	took    time.Duration
}

type folderState struct {
	name, dir string
	form      *forms.Form // nil when the folder never loaded
	broken    bool        // the current files have errors
	errors    []renderer.DevProblem
	warnings  []renderer.DevProblem
}

// New loads the folders once and returns the preview. Errors in the forms are no error
// here: the preview shows them.
func New(opts Options) (*Preview, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	fsys := foldersFS{}
	for _, dir := range opts.Folders {
		name := filepath.Base(filepath.Clean(dir))
		if other, dup := fsys[name]; dup {
			return nil, fmt.Errorf("die Formularordner „%s“ und „%s“ heißen beide „%s“; die Vorschau braucht verschiedene Namen", other, dir, name)
		}
		fsys[name] = dir
	}
	h, err := renderer.NewHTML(renderer.Branding{})
	if err != nil {
		return nil, err
	}
	dh, err := renderer.NewDevHTML(h)
	if err != nil {
		return nil, err
	}
	p := &Preview{opts: opts, fsys: fsys, html: dh, log: opts.Logger, subs: map[chan uint64]struct{}{}, done: make(chan struct{}), fitted: map[string]uint64{},
		st: &state{folders: map[string]*folderState{}}}
	p.Reload()
	return p, nil
}

// Close ends the event streams, so that the server can shut down.
func (p *Preview) Close() { p.close.Do(func() { close(p.done) }) }

// Generation is the number of reloads so far.
func (p *Preview) Generation() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.st.generation
}

// Problems returns the errors and warnings of the last reload, with the file paths as the
// author named the folders.
func (p *Preview) Problems() (errs, warnings []renderer.DevProblem) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, name := range p.st.names {
		fs := p.st.folders[name]
		errs = append(errs, fs.errors...)
		warnings = append(warnings, fs.warnings...)
	}
	return errs, warnings
}

// Reload loads and checks every folder again, swaps the server's catalog and tells the open
// pages to refresh.
func (p *Preview) Reload() {
	p.reload.Lock()
	defer p.reload.Unlock()
	start := time.Now()
	catalog, problems := forms.LoadCatalog(p.fsys, ".", forms.Options{Now: p.opts.Now})

	p.mu.RLock()
	prev := p.st
	p.mu.RUnlock()
	st := &state{generation: prev.generation + 1, folders: map[string]*folderState{}}
	for name, dir := range p.fsys {
		fst := &folderState{name: name, dir: dir}
		if old := prev.folders[name]; old != nil {
			fst.form = old.form
		}
		st.folders[name] = fst
		st.names = append(st.names, name)
	}
	sort.Strings(st.names)
	for _, fst := range st.folders {
		if f := loadedForm(catalog, fst); f != nil {
			fst.form = f
			st.loaded++
		}
	}
	for _, pr := range problems {
		name, rest, _ := strings.Cut(pr.File, "/")
		fst := st.folders[name]
		if fst == nil {
			continue
		}
		dp := renderer.DevProblem{Problem: pr, Path: filepath.Join(fst.dir, filepath.FromSlash(rest))}
		dp.File = rest
		dp.Link, dp.LinkText = link(fst.form, rest, pr.Pointer)
		if pr.Severity == forms.SeverityError {
			fst.errors = append(fst.errors, dp)
			fst.broken = true
		} else {
			fst.warnings = append(fst.warnings, dp)
		}
	}
	if p.opts.Server != nil {
		p.opts.Server.SetCatalog(catalog)
	}
	st.took = time.Since(start)

	p.mu.Lock()
	p.st = st
	for ch := range p.subs {
		select {
		case ch <- st.generation:
		default: // the stream has a reload pending already
		}
	}
	p.mu.Unlock()
	errs, warns := p.Problems()
	p.log.Info("forms reloaded", "generation", st.generation, "forms", st.loaded, "errors", len(errs), "warnings", len(warns), "took", st.took.Round(time.Microsecond))
}

// loadedForm returns the catalog's form from the folder: the catalog names forms by id,
// which may differ from the folder name (check warns), so the form.json bytes decide then.
func loadedForm(catalog *forms.Catalog, fst *folderState) *forms.Form {
	if f := catalog.Get(fst.name); f != nil {
		return f
	}
	raw, err := os.ReadFile(filepath.Join(fst.dir, "form.json"))
	if err != nil {
		return nil
	}
	for _, f := range catalog.Forms() {
		if bytes.Equal(f.Files["form.json"], raw) {
			return f
		}
	}
	return nil
}

// folderOf returns the folder of a form id from the URL: the folder of that name, or the one
// whose form has that id.
func (st *state) folderOf(id string) *folderState {
	if fst := st.folders[id]; fst != nil {
		return fst
	}
	for _, fst := range st.folders {
		if fst.form != nil && fst.form.Manifest.ID == id {
			return fst
		}
	}
	return nil
}

// status is the line of the preview bar.
func (st *state) status() string {
	broken := 0
	for _, fst := range st.folders {
		if fst.broken {
			broken++
		}
	}
	s := fmt.Sprintf("%d von %d Formular(en) geladen in %d ms", st.loaded, len(st.folders), st.took.Milliseconds())
	if broken > 0 {
		return s + fmt.Sprintf(", %d mit Fehlern", broken)
	}
	return s + ", keine Fehler"
}

// link finds the element a problem concerns in the last form that loaded: the field of a
// layout Control or schema property, or the step of a Category.
func link(f *forms.Form, file, pointer string) (href, text string) {
	if f == nil {
		return "", ""
	}
	id := f.Manifest.ID
	var field *forms.Field
	switch file {
	case "layout.json":
		best := -1
		for _, fd := range f.Fields {
			if fd.Pointer != "" && hasPointerPrefix(pointer, fd.Pointer) && len(fd.Pointer) > best {
				field, best = fd, len(fd.Pointer)
			}
		}
		if field == nil {
			for _, pg := range f.Pages {
				if pg.Pointer != "" && hasPointerPrefix(pointer, pg.Pointer) {
					return stepURL(id, pg.Index), fmt.Sprintf("Zu Schritt %d „%s“", pg.Index+1, pg.Title)
				}
			}
		}
	case "schema.json":
		field = schemaField(f, pointer)
	}
	if field == nil {
		return "", ""
	}
	for _, pg := range f.Pages {
		if pageHas(pg.Nodes, field) {
			return stepURL(id, pg.Index) + "#" + renderer.FieldAnchor(field.Path), "Zum Feld „" + field.Label + "“"
		}
	}
	return "", ""
}

// schemaField maps a pointer into schema.json ("/properties/a/properties/b/title") to the
// field of the deepest property it names ("/a/b").
func schemaField(f *forms.Form, pointer string) *forms.Field {
	segs := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	data := ""
	var found *forms.Field
	for i := 0; i+1 < len(segs); i++ {
		switch segs[i] {
		case "properties":
			data += "/" + segs[i+1]
			i++
		case "items":
			data += "/*"
			continue
		default:
			continue
		}
		if fd := f.Field(data); fd != nil {
			found = fd
		}
	}
	return found
}

func hasPointerPrefix(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func pageHas(nodes []*forms.Node, fd *forms.Field) bool {
	for _, n := range nodes {
		if n.Field == fd || n.Field != nil && pageHas(n.Field.Children, fd) || pageHas(n.Children, fd) {
			return true
		}
	}
	return false
}

// URLs of the server's pages (see server/routes.go) and of the preview's own.
func formURL(id string) string        { return "/formulare/" + id }
func stepURL(id string, i int) string { return fmt.Sprintf("/formulare/%s/schritt/%d", id, i+1) }
func mapURL(id string) string         { return "/_dev/karte/" + id }
func problemsURL(name string) string  { return "/_dev/fehler/" + name }
func sampleURL(id string) string      { return "/_dev/beispiel/" + id }

const eventsURL = "/_dev/ereignisse"

// foldersFS shows the form folders, wherever they are, as the subfolders of one root, so
// that forms.LoadCatalog loads them together: name → folder path.
type foldersFS map[string]string

// split maps a path below the root to the form folder's path and the rest in it.
func (f foldersFS) split(op, name string) (dir, rest string, err error) {
	first, rest, _ := strings.Cut(name, "/")
	dir, ok := f[first]
	if !ok {
		return "", "", &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	if rest == "" {
		rest = "."
	}
	return dir, rest, nil
}

func (f foldersFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return os.Open(os.DevNull) // never read as a directory: ReadDir answers for the root
	}
	dir, rest, err := f.split("open", name)
	if err != nil {
		return nil, err
	}
	return os.DirFS(dir).Open(rest)
}

// ReadDir lists the folders at the root, and delegates below.
func (f foldersFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		dir, rest, err := f.split("readdir", name)
		if err != nil {
			return nil, err
		}
		return fs.ReadDir(os.DirFS(dir), rest)
	}
	var out []fs.DirEntry
	for name, dir := range f {
		info, err := os.Stat(dir)
		if err != nil {
			continue
		}
		out = append(out, fs.FileInfoToDirEntry(namedInfo{info, name}))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}

// Stat answers for the folders at the root and delegates below.
func (f foldersFS) Stat(name string) (fs.FileInfo, error) {
	if name == "." {
		return os.Stat(".")
	}
	dir, rest, err := f.split("stat", name)
	if err != nil {
		return nil, err
	}
	info, err := fs.Stat(os.DirFS(dir), rest)
	if err == nil && rest == "." {
		return namedInfo{info, name}, nil
	}
	return info, err
}

type namedInfo struct {
	fs.FileInfo
	name string
}

func (n namedInfo) Name() string { return n.name }
