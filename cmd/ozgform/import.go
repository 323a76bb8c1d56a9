package main

import (
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/codelist"
	"github.com/ozgform/ozgform/forms/fim"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// importCmd dispatches "ozgform import <format>"; FIM is the only format so far.
func (m *Main) importCmd(args []string) (int, error) {
	if len(args) == 0 || args[0] != "fim" {
		return exitUsage, fmt.Errorf("%w: erwartet „import fim SCHEMA.xml -o ORDNER“", errUsage)
	}
	return m.importFIM(args[1:])
}

// importFIM turns an XDatenfelder Stammdatenschema into a form folder.
func (m *Main) importFIM(args []string) (int, error) {
	fl := flag.NewFlagSet("import fim", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	out := fl.String("o", "", "Zielordner")
	id := fl.String("id", "", "id des Formulars")
	force := fl.Bool("force", false, "vorhandenen Ordner überschreiben")
	asJSON := fl.Bool("json", false, "Bericht als JSON ausgeben")
	var lists stringList
	fl.Var(&lists, "codelists", "Ordner mit genericode-Codelisten (mehrfach möglich)")
	if err := fl.Parse(flagsFirst(args, "o", "id", "codelists")); err != nil {
		return exitUsage, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fl.NArg() != 1 || *out == "" {
		return exitUsage, fmt.Errorf("%w: erwartet SCHEMA.xml und -o ORDNER", errUsage)
	}
	src := fl.Arg(0)
	if _, err := os.Stat(*out); err == nil && !*force {
		return exitUsage, fmt.Errorf("der Ordner „%s“ existiert schon; mit --force wird er überschrieben", *out)
	}
	if *id == "" {
		*id = folderID(filepath.Base(filepath.Clean(*out)))
	}
	set, err := readCodelists(lists)
	if err != nil {
		return exitUsage, err
	}
	data, err := readXML(src)
	if err != nil {
		return exitUsage, err
	}
	res, err := fim.Import(data, fim.Options{ID: *id, Codelists: set})
	if err != nil {
		return exitUsage, fmt.Errorf("%s: %v", src, err)
	}
	if err := writeFolder(*out, res.Files, *force); err != nil {
		return exitUsage, err
	}
	problems := forms.Check(os.DirFS(*out), filepath.Base(*out), forms.Options{})
	for _, p := range problems {
		sev := fim.NoteWarning
		if p.Severity == forms.SeverityError {
			sev = "fehler"
		}
		res.Report.Notes = append(res.Report.Notes, fim.Note{Severity: sev, Where: filepath.Join(*out, p.File) + ":" + p.Pointer, Message: "ozgform check: " + p.Message})
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res.Report); err != nil {
			return exitUsage, err
		}
	} else {
		printReport(m.Stdout, *out, &res.Report)
	}
	if problems.HasErrors() {
		return exitInvalid, nil
	}
	return exitOK, nil
}

// readCodelists parses every genericode file (*.xml) of the given folders.
func readCodelists(dirs []string) (*codelist.Set, error) {
	set := codelist.NewSet()
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
		if err != nil || files == nil {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("der Codelisten-Ordner „%s“ existiert nicht", dir)
			}
		}
		for _, f := range files {
			data, err := readXML(f)
			if err != nil {
				return nil, err
			}
			l, err := codelist.Parse(data)
			if err != nil {
				continue // another kind of XML file (e.g. the schema itself)
			}
			if set.Get(l.URI, l.Version) == nil {
				_ = set.Add(l)
			}
		}
	}
	return set, nil
}

func readXML(file string) ([]byte, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, fmt.Errorf("die Datei „%s“ kann nicht gelesen werden", file)
	}
	if st.Size() > fim.MaxSize {
		return nil, fmt.Errorf("„%s“ ist zu groß (%d Bytes, höchstens %d Bytes)", file, st.Size(), fim.MaxSize)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("die Datei „%s“ kann nicht gelesen werden", file)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, fim.MaxSize+1))
}

// writeFolder writes the files into dir; with force an existing folder is replaced.
func writeFolder(dir string, files map[string][]byte, force bool) error {
	if force {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("der Ordner „%s“ kann nicht ersetzt werden: %v", dir, err)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("der Ordner „%s“ kann nicht angelegt werden: %v", filepath.Dir(p), err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("„%s“ kann nicht geschrieben werden: %v", p, err)
		}
	}
	return nil
}

func printReport(w io.Writer, dir string, r *fim.Report) {
	fmt.Fprintf(w, "Importiert: %s %s (%s) „%s“ → %s (id %s)\n", r.SchemaID, r.SchemaVersion, r.Standard, r.Title, dir, r.FormID)
	fmt.Fprintf(w, "%d Datenfelder, %d Datenfeldgruppen, %d Codelisten, %d Seiten, %d Regeln (%d übersetzt)\n",
		r.Fields, r.Groups, r.Codelists, r.Pages, r.Rules, r.RulesTranslated)
	for _, rr := range r.RuleList {
		if rr.Translated {
			fmt.Fprintf(w, "Regel %s übersetzt: %s\n", rr.ID, rr.Effect)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "Bitte prüfen (%d Punkte):\n", len(r.Notes))
	}
	for _, n := range r.Notes {
		label := "Hinweis"
		switch n.Severity {
		case fim.NoteWarning:
			label = "Warnung"
		case "fehler":
			label = "Fehler"
		}
		fmt.Fprintf(w, "  %s: %s: %s\n", label, n.Where, n.Message)
	}
}

// folderID makes a form id from a folder name: lower case, other characters as "-".
func folderID(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	id := strings.Trim(b.String(), "-")
	if len(id) > 63 {
		id = strings.Trim(id[:63], "-")
	}
	if id == "" {
		id = "fim-formular"
	}
	return id
}
