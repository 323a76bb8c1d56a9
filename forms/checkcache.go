package forms

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// CheckCache remembers the forms that loaded without errors, so that the next start of the
// same program skips compiling them: their files are read and hashed, and a known hash stands
// for the complete check it passed before. The catalog compiles such a form when it is first
// used. The key covers every file of the form folder and the Salt of CatalogOptions (the
// program's identity: checks change between versions), so a changed file, a new file or a new
// program checks the form again.
type CheckCache interface {
	// Checked returns the record of a form checked before under key.
	Checked(key string) (CheckRecord, bool)
	// Remember records that the form under key passed the check.
	Remember(key string, rec CheckRecord)
}

// CheckRecord is what a check leaves for the next start: the files loading read (Form.Files,
// which the store keeps) and the warnings, which serve prints at every start.
type CheckRecord struct {
	Files    []string `json:"files"`
	Warnings Problems `json:"warnings,omitempty"`
}

// folderKey hashes salt and every file of the folder (path and bytes); it returns the files
// and the SHA-256 of each as well. ok is false when the
// folder cannot be read completely or holds a file too large to load: then the form is
// loaded and checked as usual, which reports why.
func folderKey(folder fs.FS, salt string) (key string, files map[string][]byte, sums map[string][sha256.Size]byte, ok bool) {
	files = map[string][]byte{}
	err := fs.WalkDir(folder, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := readLimited(folder, p)
		files[p] = data
		return err
	})
	if err != nil {
		return "", nil, nil, false
	}
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	sort.Strings(names)
	h := sha256.New()
	h.Write([]byte(salt))
	sums = make(map[string][sha256.Size]byte, len(files))
	for _, p := range names {
		sum := sha256.Sum256(files[p])
		sums[p] = sum
		h.Write([]byte("\x00" + p + "\x00"))
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)), files, sums, true
}

// entryFromRecord makes the catalog entry of a form checked before, without compiling it.
func entryFromRecord(name string, all map[string][]byte, rec CheckRecord) (*Entry, bool) {
	e := &Entry{Files: map[string][]byte{}, Warnings: rec.Warnings, name: name, texts: map[string]map[string]string{}}
	for _, f := range rec.Files {
		data, ok := all[f]
		if !ok {
			return nil, false
		}
		e.Files[f] = data
	}
	doc, _, err := parseJSON(e.Files["form.json"])
	if err != nil {
		return nil, false
	}
	sink := &problemSink{index: map[string]*jsonIndex{}}
	e.Manifest = parseManifest(doc, name, sink)
	if sink.list.HasErrors() {
		return nil, false
	}
	for _, lang := range e.Manifest.Languages {
		raw, ok := e.Files["i18n/"+lang+".json"]
		if !ok {
			continue
		}
		var texts map[string]any
		if json.Unmarshal(raw, &texts) != nil {
			return nil, false
		}
		for k, v := range texts {
			if s, ok := v.(string); ok && strings.HasPrefix(k, "form.") {
				if e.texts[lang] == nil {
					e.texts[lang] = map[string]string{}
				}
				e.texts[lang][k] = s
			}
		}
	}
	return e, true
}

// recordOf is the check record of a loaded form.
func recordOf(f *Form) CheckRecord {
	rec := CheckRecord{Warnings: f.Warnings}
	for p := range f.Files {
		rec.Files = append(rec.Files, p)
	}
	sort.Strings(rec.Files)
	return rec
}

// prefixed returns the problems with their files below folder.
func prefixed(ps Problems, folder string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		p.File = path.Join(folder, p.File)
		out[i] = p
	}
	return out
}
