package devmode

import (
	"context"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the watcher waits after the last change before it reloads: editors
// write a file in several steps (truncate and write, or write a copy and rename it).
const settle = 20 * time.Millisecond

// Watch reloads the forms whenever a file in one of the folders changes, until ctx ends. New
// subfolders (i18n/, samples/, codelists/) are watched as they appear.
func (p *Preview) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	for _, dir := range p.fsys {
		if err := watchTree(w, dir); err != nil {
			return err
		}
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if ev.Has(fsnotify.Create) {
				_ = watchTree(w, ev.Name) // a new folder; a file is no error either
			}
			p.log.Debug("form file changed", "file", ev.Name, "op", ev.Op.String())
			timer.Reset(settle)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			p.log.Warn("watching the form folders", "error", err)
		case <-timer.C:
			p.Reload()
		}
	}
}

// watchTree watches dir and its subfolders.
func watchTree(w *fsnotify.Watcher, dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		return w.Add(path)
	})
}
