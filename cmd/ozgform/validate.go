package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// validate checks a data file against a form and prints the German errors.
func (m *Main) validate(args []string) (int, error) {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	lang := fl.String("lang", "de", "Sprache der Meldungen (de, en)")
	asJSON := fl.Bool("json", false, "Fehler als JSON ausgeben")
	if err := fl.Parse(interspersed(args, "json")); err != nil {
		return exitUsage, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fl.NArg() != 2 {
		return exitUsage, fmt.Errorf("%w: erwartet FORMULARORDNER und DATEN.json", errUsage)
	}
	dir, dataFile := fl.Arg(0), fl.Arg(1)
	form, err := m.loadForm(dir)
	if err != nil {
		return exitUsage, err
	}
	data, err := readData(dataFile)
	if err != nil {
		return exitUsage, err
	}
	errs := engine.Validate(form, data)
	cat := engine.NewCatalog()
	if *asJSON {
		type out struct {
			engine.FieldError
			Message string `json:"message"`
		}
		list := make([]out, 0, len(errs))
		for _, fe := range errs {
			list = append(list, out{fe, cat.Message(form, fe, *lang)})
		}
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list); err != nil {
			return exitUsage, err
		}
	} else {
		for _, fe := range errs {
			path := fe.Path
			if path == "" {
				path = "/"
			}
			fmt.Fprintf(m.Stdout, "%s: %s\n", path, cat.Message(form, fe, *lang))
		}
	}
	if len(errs) > 0 {
		fmt.Fprintf(m.Stderr, "%s: %d Fehler.\n", dataFile, len(errs))
		return exitInvalid, nil
	}
	fmt.Fprintf(m.Stderr, "%s: gültig.\n", dataFile)
	return exitOK, nil
}

// readData reads a JSON data file with numbers kept exact.
func readData(file string) (any, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("die Datei „%s“ kann nicht gelesen werden", file)
	}
	defer f.Close()
	dec := json.NewDecoder(io.LimitReader(f, forms.MaxFileSize+1))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("„%s“ ist kein gültiges JSON: %v", file, err)
	}
	return v, nil
}

// loadForm loads the form in dir; when it has errors, it prints them to Stderr and fails.
func (m *Main) loadForm(dir string) (*forms.Form, error) {
	form, problems := forms.LoadDir(dir, forms.Options{})
	if form == nil {
		for _, p := range problems {
			p.File = filepath.Join(dir, p.File)
			fmt.Fprintln(m.Stderr, p.String())
		}
		return nil, fmt.Errorf("das Formular in „%s“ hat Fehler (siehe oben; „ozgform check“ zeigt alle)", dir)
	}
	return form, nil
}
