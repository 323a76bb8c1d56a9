package forms

import (
	"bytes"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// recordingFS keeps a copy of every file read through ReadFile (which readLimited uses), so
// that a loaded form carries the bytes it was loaded from (Form.Files).
type recordingFS struct {
	fs.FS
	mu    sync.Mutex
	files map[string][]byte
}

// ReadFile reads name from the underlying file system and records its bytes.
func (r *recordingFS) ReadFile(name string) ([]byte, error) {
	b, err := fs.ReadFile(r.FS, name)
	if err == nil {
		r.mu.Lock()
		r.files[name] = bytes.Clone(b)
		r.mu.Unlock()
	}
	return b, err
}

// ReadLink and Lstat pass through, so that a refused symbolic link can be named (linkOutside).
func (r *recordingFS) ReadLink(name string) (string, error)   { return fs.ReadLink(r.FS, name) }
func (r *recordingFS) Lstat(name string) (fs.FileInfo, error) { return fs.Lstat(r.FS, name) }

// MapFS is a read-only file system in memory: file paths (slash-separated, as fs.ValidPath
// accepts them) to their bytes; folders exist implicitly. Load(MapFS(form.Files), …) loads a
// form from the files a store kept.
type MapFS map[string][]byte

var (
	_ fs.ReadFileFS = MapFS(nil)
	_ fs.ReadDirFS  = MapFS(nil)
)

// Open opens a file or an implicit folder.
func (m MapFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if b, ok := m[name]; ok {
		return &mapFile{info: mapInfo{name: path.Base(name), size: int64(len(b))}, r: bytes.NewReader(b)}, nil
	}
	entries, ok := m.children(name)
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &mapDir{info: mapInfo{name: path.Base(name), dir: true}, entries: entries}, nil
}

// ReadFile returns a copy of a file's bytes.
func (m MapFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	b, ok := m[name]
	if !ok {
		if _, isDir := m.children(name); isDir {
			return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
		}
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(b), nil
}

// ReadDir lists a folder, sorted by name.
func (m MapFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrInvalid}
	}
	entries, ok := m.children(name)
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return entries, nil
}

// children lists the entries directly below dir; ok is false if dir is no folder (the root
// "." always is one).
func (m MapFS) children(dir string) ([]fs.DirEntry, bool) {
	prefix := dir + "/"
	if dir == "." {
		prefix = ""
	}
	seen := map[string]bool{}
	var out []fs.DirEntry
	found := dir == "."
	for name, b := range m {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok || rest == "" {
			continue
		}
		found = true
		first, _, sub := strings.Cut(rest, "/")
		if seen[first] {
			continue
		}
		seen[first] = true
		info := mapInfo{name: first, dir: sub}
		if !sub {
			info.size = int64(len(b))
		}
		out = append(out, fs.FileInfoToDirEntry(info))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, found
}

type mapInfo struct {
	name string
	size int64
	dir  bool
}

func (i mapInfo) Name() string { return i.name }
func (i mapInfo) Size() int64  { return i.size }
func (i mapInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i mapInfo) ModTime() time.Time { return time.Time{} }
func (i mapInfo) IsDir() bool        { return i.dir }
func (i mapInfo) Sys() any           { return nil }

type mapFile struct {
	info mapInfo
	r    *bytes.Reader
}

func (f *mapFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *mapFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *mapFile) Close() error               { return nil }

type mapDir struct {
	info    mapInfo
	entries []fs.DirEntry
	off     int
}

func (d *mapDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *mapDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: fs.ErrInvalid}
}
func (d *mapDir) Close() error { return nil }

// ReadDir lists the folder's entries, n at a time (all for n <= 0).
func (d *mapDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.off:]
	if n <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.off += n
	return rest[:n], nil
}
