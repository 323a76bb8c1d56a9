package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ozgform/ozgform/forms"
)

// checkedProblem is a problem with the file path as the author would open it.
type checkedProblem struct {
	forms.Problem
	Path string `json:"path"`
}

// check lints form folders: each argument is a form folder or a folder of form folders.
func (m *Main) check(args []string) (int, error) {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	asJSON := fl.Bool("json", false, "Ergebnis als JSON ausgeben")
	asMap := fl.Bool("map", false, "zusätzlich die Formularkarte jedes fehlerfreien Formulars ausgeben (Schritte, Felder, Regeln, Bausteine)")
	if err := fl.Parse(interspersed(args, "json", "map")); err != nil {
		return exitUsage, fmt.Errorf("%w: %v", errUsage, err)
	}
	if *asJSON && *asMap {
		return exitUsage, fmt.Errorf("%w: --json und --map lassen sich nicht verbinden", errUsage)
	}
	dirs := fl.Args()
	if len(dirs) == 0 {
		dirs = []string{"examples"}
	}
	var all []checkedProblem
	ids := map[string]string{}
	checked := 0
	for _, dir := range dirs {
		folders, err := formFolders(dir)
		if err != nil {
			// "check examples/*" names the form folders and what else lies beside them (a
			// README, a Go file, examples/backoffice): with several arguments, such an argument
			// is skipped with a note; alone, or when no argument is a form, it is an error.
			if len(dirs) == 1 {
				return exitUsage, err
			}
			fmt.Fprintf(m.Stderr, "übersprungen: %v\n", err)
			continue
		}
		var results []forms.Problems
		withLoadingGC(func() { results = checkFolders(folders) })
		for i, folder := range folders {
			checked++
			problems := results[i]
			if *asMap && !problems.HasErrors() {
				if f, _ := forms.LoadDir(folder, forms.Options{}); f != nil {
					if err := f.Map().WriteText(m.Stdout); err != nil {
						return exitUsage, err
					}
					fmt.Fprintln(m.Stdout)
				}
			}
			for _, p := range problems {
				all = append(all, checkedProblem{Problem: p, Path: filepath.Join(folder, p.File)})
			}
			if id := manifestID(folder); id != "" {
				if other, dup := ids[id]; dup {
					all = append(all, checkedProblem{Path: filepath.Join(folder, "form.json"), Problem: forms.Problem{
						File: "form.json", Pointer: "/id", Severity: forms.SeverityError, Code: "catalog-duplicate",
						Message: fmt.Sprintf("Die id „%s“ verwendet auch %s.", id, other)}})
				} else {
					ids[id] = folder
				}
			}
		}
	}
	if checked == 0 {
		return exitUsage, fmt.Errorf("in %s gibt es keine Formularordner", strings.Join(dirs, ", "))
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Path < all[j].Path })
	errorsFound, warnings := 0, 0
	for _, p := range all {
		if p.Severity == forms.SeverityError {
			errorsFound++
		} else {
			warnings++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if all == nil {
			all = []checkedProblem{}
		}
		if err := enc.Encode(all); err != nil {
			return exitUsage, err
		}
	} else {
		for _, p := range all {
			q := p.Problem
			q.File = p.Path
			fmt.Fprintln(m.Stdout, q.String())
		}
		fmt.Fprintf(m.Stderr, "%d Formular(e) geprüft: %d Fehler, %d Warnung(en).\n", checked, errorsFound, warnings)
	}
	if errorsFound > 0 {
		return exitInvalid, nil
	}
	return exitOK, nil
}

// checkFolders lints the folders on all processors at once; the results are in folder order.
func checkFolders(folders []string) []forms.Problems {
	out := make([]forms.Problems, len(folders))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(folders)) {
		wg.Go(func() {
			checker := forms.NewChecker(forms.Options{})
			for i := int(next.Add(1)) - 1; i < len(folders); i = int(next.Add(1)) - 1 {
				fsys, err := forms.DirFS(folders[i])
				if err != nil {
					out[i] = forms.Problems{{File: ".", Severity: forms.SeverityError, Code: "file",
						Message: fmt.Sprintf("Der Formularordner kann nicht geöffnet werden: %v.", err)}}
					continue
				}
				out[i] = checker.Check(fsys, filepath.Base(folders[i]))
			}
		})
	}
	wg.Wait()
	return out
}

// interspersed moves the named boolean flags before the other arguments, so that
// "check examples --json" works like "check --json examples".
func interspersed(args []string, boolFlags ...string) []string {
	var flags, rest []string
	for _, a := range args {
		name := strings.TrimLeft(a, "-")
		if strings.HasPrefix(a, "-") && contains(boolFlags, name) {
			flags = append(flags, a)
		} else {
			rest = append(rest, a)
		}
	}
	return append(flags, rest...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isFormFolder reports whether dir holds a form.json (a link too: check then reports it).
func isFormFolder(dir string) bool {
	st, err := os.Lstat(filepath.Join(dir, "form.json"))
	return err == nil && !st.IsDir()
}

// formFolders returns dir itself when it is a form folder, else its form subfolders.
func formFolders(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("der Ordner „%s“ existiert nicht", dir)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("„%s“ ist kein Ordner", dir)
	}
	if isFormFolder(dir) {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("der Ordner „%s“ kann nicht gelesen werden: %v", dir, err)
	}
	var out []string
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		if e.IsDir() && isFormFolder(sub) {
			out = append(out, sub)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("„%s“ ist kein Formularordner: darin gibt es keine form.json und keine Formularordner", dir)
	}
	return out, nil
}

// manifestID reads the id from form.json, if it can.
func manifestID(folder string) string {
	fsys, err := forms.DirFS(folder) // never through a link out of the folder
	if err != nil {
		return ""
	}
	data, err := fs.ReadFile(fsys, "form.json")
	if err != nil || len(data) > forms.MaxFileSize {
		return ""
	}
	var m struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	return m.ID
}
