package forms

import (
	"io/fs"
	"path"
	"sort"
)

// Catalog is a set of forms loaded from a folder of form folders.
type Catalog struct {
	byID map[string]*Form
	ids  []string
}

// IsFormFolder reports whether dir in fsys holds a form (a form.json).
func IsFormFolder(fsys fs.FS, dir string) bool {
	st, err := fs.Stat(fsys, path.Join(dir, "form.json"))
	return err == nil && !st.IsDir()
}

// LoadCatalog loads every form folder directly below root. Problems name files relative to
// root ("hundesteuer/schema.json"). Forms with errors are left out; the others are served.
func LoadCatalog(fsys fs.FS, root string, opts Options) (*Catalog, Problems) {
	cat := &Catalog{byID: map[string]*Form{}}
	var all Problems
	entries, err := fs.ReadDir(fsys, root)
	if err != nil {
		return cat, Problems{{File: root, Severity: SeverityError, Code: "catalog", Message: "Der Formularordner kann nicht gelesen werden: " + err.Error()}}
	}
	for _, e := range entries {
		dir := path.Join(root, e.Name())
		if !e.IsDir() || !IsFormFolder(fsys, dir) {
			continue
		}
		sub, err := fs.Sub(fsys, dir)
		if err != nil {
			continue
		}
		form, problems := Load(sub, e.Name(), opts)
		for i := range problems {
			problems[i].File = path.Join(e.Name(), problems[i].File)
		}
		all = append(all, problems...)
		if form == nil {
			continue
		}
		if other, dup := cat.byID[form.Manifest.ID]; dup {
			all = append(all, Problem{File: path.Join(e.Name(), "form.json"), Pointer: "/id", Severity: SeverityError, Code: "catalog-duplicate",
				Message: "Die id „" + form.Manifest.ID + "“ wird schon von einem anderen Formular verwendet (" + other.Manifest.Title + ")."})
			continue
		}
		cat.byID[form.Manifest.ID] = form
		cat.ids = append(cat.ids, form.Manifest.ID)
	}
	sort.Strings(cat.ids)
	return cat, all
}

// Get returns the form with the given id, or nil.
func (c *Catalog) Get(id string) *Form { return c.byID[id] }

// Forms returns the forms ordered by id.
func (c *Catalog) Forms() []*Form {
	out := make([]*Form, len(c.ids))
	for i, id := range c.ids {
		out[i] = c.byID[id]
	}
	return out
}
