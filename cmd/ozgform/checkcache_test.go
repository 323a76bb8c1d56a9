package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// TestCheckCacheKeepsNonRegularFiles: the cache is written by renaming a temporary file over
// its path; a path that is a link (or a device such as /dev/null) must stay what it is.
func TestCheckCacheKeepsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "cache.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	c := openCheckCache(link)
	c.Remember("k", forms.CheckRecord{})
	if err := c.save(); err == nil {
		t.Fatal("save replaced a symbolic link without an error")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v, %v", fi, err)
	}

	// A regular file is written.
	plain := filepath.Join(dir, "plain.json")
	c = openCheckCache(plain)
	c.Remember("k", forms.CheckRecord{})
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(plain); err != nil {
		t.Fatal(err)
	}
}
