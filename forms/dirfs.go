package forms

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
)

// Form folders on disk. A form is the files in its folder, and the server publishes them
// (/schemas/forms/…): nothing outside the folder may become part of a form, neither through a
// symbolic link (schema.json → /etc/passwd) nor through a $ref across a linked folder. DirFS
// opens every form folder as an os.Root, whose lookups refuse to leave it, whatever links
// lie inside; links that stay inside the folder work as before.

// DirFS returns the file system of dir for LoadCatalog, Load and Check, in place of
// os.DirFS: each form folder is confined to itself. When dir holds a form.json it is one form
// folder (Load, Check of "."), otherwise a folder of form folders (LoadCatalog): then each
// first-level folder is a root of its own, so that a form cannot read another form's files.
func DirFS(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	d := &dirFS{root: root, subs: map[string]*os.Root{}}
	// A form.json of any kind (also a link, which Load then reports) makes dir a form folder.
	_, err = root.Lstat("form.json")
	d.single = err == nil
	return d, nil
}

// dirFS is DirFS's file system. The roots stay open for the life of the process (a server
// loads its forms once; check reads each folder once).
type dirFS struct {
	root   *os.Root
	single bool
	mu     sync.Mutex
	subs   map[string]*os.Root
}

var (
	_ fs.StatFS     = (*dirFS)(nil)
	_ fs.ReadLinkFS = (*dirFS)(nil)
	_ fs.SubFS      = (*dirFS)(nil)
)

// fsFor returns the confined file system that holds name and name relative to it.
func (d *dirFS) fsFor(op, name string) (fs.FS, string, error) {
	if !fs.ValidPath(name) {
		return nil, "", &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	folder, rest, nested := strings.Cut(name, "/")
	if d.single || !nested {
		return d.root.FS(), name, nil
	}
	sub, err := d.folderRoot(folder)
	if err != nil {
		return nil, "", err
	}
	return sub.FS(), rest, nil
}

// folderRoot returns the root of the form folder folder (a first-level folder).
func (d *dirFS) folderRoot(folder string) (*os.Root, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sub, ok := d.subs[folder]
	if !ok {
		var err error
		if sub, err = d.root.OpenRoot(folder); err != nil {
			return nil, err
		}
		d.subs[folder] = sub
	}
	return sub, nil
}

// Sub returns a form folder (a first-level folder of a folder of form folders) as its root's
// file system, which answers Stat and ReadFile itself: through fs.Sub's generic wrapper,
// which has no Stat, every Stat of a file opened it (a tenth of a catalog's first start).
func (d *dirFS) Sub(dir string) (fs.FS, error) {
	if !fs.ValidPath(dir) {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: fs.ErrInvalid}
	}
	if dir == "." {
		return d, nil
	}
	if d.single || strings.Contains(dir, "/") {
		return fs.Sub(plainDirFS{d}, dir)
	}
	sub, err := d.folderRoot(dir)
	if err != nil {
		return nil, err
	}
	return sub.FS(), nil
}

// plainDirFS is a dirFS without Sub, for fs.Sub's generic wrapper.
type plainDirFS struct{ d *dirFS }

func (p plainDirFS) Open(name string) (fs.File, error)      { return p.d.Open(name) }
func (p plainDirFS) Stat(name string) (fs.FileInfo, error)  { return p.d.Stat(name) }
func (p plainDirFS) ReadLink(name string) (string, error)   { return p.d.ReadLink(name) }
func (p plainDirFS) Lstat(name string) (fs.FileInfo, error) { return p.d.Lstat(name) }

func (d *dirFS) Open(name string) (fs.File, error) {
	fsys, rel, err := d.fsFor("open", name)
	if err != nil {
		return nil, err
	}
	return fsys.Open(rel)
}

func (d *dirFS) Stat(name string) (fs.FileInfo, error) {
	fsys, rel, err := d.fsFor("stat", name)
	if err != nil {
		return nil, err
	}
	return fs.Stat(fsys, rel)
}

func (d *dirFS) ReadLink(name string) (string, error) {
	fsys, rel, err := d.fsFor("readlink", name)
	if err != nil {
		return "", err
	}
	return fs.ReadLink(fsys, rel)
}

func (d *dirFS) Lstat(name string) (fs.FileInfo, error) {
	fsys, rel, err := d.fsFor("lstat", name)
	if err != nil {
		return nil, err
	}
	return fs.Lstat(fsys, rel)
}

// errLinkOutside marks a file that a symbolic link outside the form folder stands for.
var errLinkOutside = errors.New("symbolic link out of the form folder")

// linkOutside reports the first element of name (a file, or a folder on its way) that is a
// symbolic link which the file system refused to follow: a link out of the form folder. It
// is only asked after reading name failed.
func linkOutside(fsys fs.FS, name string) (string, bool) {
	if _, ok := fsys.(fs.ReadLinkFS); !ok {
		return "", false
	}
	elems := strings.Split(name, "/")
	for i := range elems {
		p := path.Join(elems[:i+1]...)
		st, err := fs.Lstat(fsys, p)
		if err != nil {
			return "", false
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if _, err := fs.Stat(fsys, p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return p, true
		}
	}
	return "", false
}

// linkError is the German error for a file behind a link out of the folder. It names the link,
// never its target's bytes (nor its target: the folder's author knows it).
func linkError(name, link string) error {
	if link == name {
		return fmt.Errorf("„%s“ ist ein symbolischer Link, der aus dem Formularordner hinausführt; ozgform liest nur Dateien im Formularordner (kopieren Sie die Datei hinein): %w", name, errLinkOutside)
	}
	return fmt.Errorf("„%s“ liegt hinter dem symbolischen Link „%s“, der aus dem Formularordner hinausführt; ozgform liest nur Dateien im Formularordner: %w", name, link, errLinkOutside)
}

// LoadCatalogDir is LoadCatalogWith on DirFS(dir), the folder of form folders on disk.
func LoadCatalogDir(dir string, opts CatalogOptions) (*Catalog, Problems) {
	fsys, err := DirFS(dir)
	if err != nil {
		return &Catalog{byID: map[string]*Entry{}, opts: opts.Options}, Problems{{File: ".", Severity: SeverityError, Code: "file",
			Message: fmt.Sprintf("Der Ordner „%s“ kann nicht geöffnet werden: %v.", dir, err)}}
	}
	return LoadCatalogWith(fsys, ".", opts)
}

// LoadDir is Load on DirFS(dir), one form folder on disk.
func LoadDir(dir string, opts Options) (*Form, Problems) {
	fsys, err := DirFS(dir)
	if err != nil {
		return nil, Problems{{File: ".", Severity: SeverityError, Code: "file",
			Message: fmt.Sprintf("Der Formularordner „%s“ kann nicht geöffnet werden: %v.", dir, err)}}
	}
	return Load(fsys, path.Base(dir), opts)
}
