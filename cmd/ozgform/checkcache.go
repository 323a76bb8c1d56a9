package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ozgform/ozgform/forms"
)

// fileCheckCache is forms.CheckCache in a JSON file: serve remembers the forms that passed the
// check, and the next start of the same binary compiles only forms whose files changed (the
// others when a citizen first opens them). A missing or unreadable file means an empty cache;
// the file is rewritten after loading with the forms of this start only.
type fileCheckCache struct {
	path string
	mu   sync.Mutex
	old  map[string]forms.CheckRecord
	now  map[string]forms.CheckRecord
	hits int
}

// checkCachePath is where serve keeps the cache: the --check-cache flag, else next to the
// SQLite file, else in the user's cache directory; "off" (or no place) disables it.
func checkCachePath(flagValue, database string) string {
	switch {
	case flagValue == "off":
		return ""
	case flagValue != "":
		return flagValue
	case !strings.HasPrefix(database, "postgres://") && !strings.HasPrefix(database, "postgresql://"):
		return database + ".checked-forms.json"
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "ozgform", "checked-forms.json")
}

func openCheckCache(path string) *fileCheckCache {
	c := &fileCheckCache{path: path, old: map[string]forms.CheckRecord{}, now: map[string]forms.CheckRecord{}}
	if raw, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(raw, &c.old) // a damaged cache is an empty one
	}
	return c
}

func (c *fileCheckCache) Checked(key string) (forms.CheckRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, ok := c.old[key]
	if ok {
		c.now[key] = rec
		c.hits++
	}
	return rec, ok
}

func (c *fileCheckCache) Remember(key string, rec forms.CheckRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now[key] = rec
}

// save writes the records of this start (atomically: a temporary file renamed).
func (c *fileCheckCache) save() error {
	c.mu.Lock()
	raw, err := json.Marshal(c.now)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	// The file is replaced by a rename, which would also replace a device or a link given as
	// the path (a --check-cache /dev/null turned /dev/null into a plain file): refuse those.
	if fi, err := os.Lstat(c.path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file; use --check-cache off to disable the cache", c.path)
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".checked-forms-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}

// programSalt names this binary in the cache keys: the SHA-256 of the executable, so that a
// new version (whose checks may differ) checks every form again.
func programSalt() (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}
