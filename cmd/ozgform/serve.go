package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ozgform/ozgform/forms"
)

// serve will run the web service. Until the web-forms work lands, it loads and checks the
// forms and says what it will do.
func (m *Main) serve(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	addr := fl.String("addr", "127.0.0.1:8080", "Adresse, an der der Dienst lauscht")
	formsDir := fl.String("forms", "examples", "Ordner mit den Formularordnern")
	database := fl.String("database", "data/ozgform.db", "SQLite-Datei oder postgres://-URL")
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cat, problems := forms.LoadCatalog(os.DirFS(*formsDir), ".", forms.Options{})
	for _, p := range problems {
		p.File = *formsDir + "/" + p.File
		fmt.Fprintln(m.Stderr, p.String())
	}
	if problems.HasErrors() {
		return fmt.Errorf("die Formulare in „%s“ haben Fehler (siehe oben)", *formsDir)
	}
	for _, f := range cat.Forms() {
		fmt.Fprintf(m.Stdout, "Formular geladen: %s (%s, Version %s, %d Schritte)\n", f.Manifest.ID, f.Manifest.Title, f.Manifest.Version, len(f.Pages))
	}
	fmt.Fprintf(m.Stdout, "Der Webdienst (%s, Datenbank %s) folgt mit den Web-Formularen; bis dahin prüft serve nur die Formulare.\n", *addr, *database)
	return nil
}
