// Command ozgform serves online forms for German administrative services and gives form
// authors their tools: dev (live preview), check (lint form folders), validate (test sample data), receipt (render
// a sample receipt), serve.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdout, os.Stderr)
	code := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main is the program: tests run it in-process with their own output writers.
type Main struct {
	Stdout, Stderr io.Writer
}

// NewMain returns a Main writing to the given streams.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdout: stdout, Stderr: stderr}
}

// Exit codes.
const (
	exitOK      = 0
	exitInvalid = 1 // check found errors, validate found invalid data
	exitUsage   = 2 // wrong arguments or unreadable input
)

// errUsage marks errors in the command line.
var errUsage = errors.New("usage")

const usage = `ozgform – Online-Formulare für Verwaltungsleistungen (OZG)

Aufruf:
  ozgform serve    [--addr 127.0.0.1:8080] [--forms examples] [--database data/ozgform.db|postgres://…]
                   [--draft-ttl 720h] [--branding branding.json] [--trust-proxy]
                   [--base-url https://formulare.example.de] [--config ozgform.yaml]
                   [--session-key-file schluessel.txt]
  ozgform dev      [ORDNER …] [--addr 127.0.0.1:8080] [--allow-remote]
                                              Vorschau für Formularautoren: lädt bei jedem Speichern neu
  ozgform check    [--json|--map] [ORDNER …]  Formulare prüfen (Formularordner oder Ordner mit Formularen);
                                              --map gibt dazu die Formularkarte aus (Schritte, Felder, Regeln)
  ozgform validate FORMULARORDNER DATEN.json  Beispieldaten gegen ein Formular prüfen
  ozgform receipt  FORMULARORDNER DATEN.json [-o quittung.pdf] [--time 2026-03-02T10:15:00+01:00] [--lang de]
                                              Muster-Eingangsbestätigung (PDF) erstellen
  ozgform import fim SCHEMA.xml -o ORDNER [--codelists ORDNER]… [--id ID] [--force] [--json]
                                              FIM-Stammdatenschema (XDatenfelder 2.0/3.0.0) als Formular übernehmen
  ozgform outbox list [--state dead] [--destination ZIEL] [--authority BEHÖRDE] [--database …]
                                              Zustellungen anzeigen
  ozgform outbox retry|replay ID [--database …]  Nachricht sofort erneut / noch einmal zustellen
  ozgform outbox enable ZIEL [--database …]      ein nach 410 gesperrtes Ziel freigeben
  ozgform purge    [--forms examples] [--config ozgform.yaml] [--database …]  Aufbewahrungsfristen einmal anwenden
  ozgform authorities check --config ozgform.yaml [--forms examples]
                                              Behörden und PLZ-Tabelle prüfen (Einer für Alle)
  ozgform help                                diese Hilfe
`

// Run executes one subcommand and returns the process exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitUsage
	}
	var err error
	code := exitOK
	switch args[0] {
	case "serve":
		err = m.serve(ctx, args[1:])
	case "dev":
		err = m.dev(ctx, args[1:])
	case "check":
		code, err = m.check(args[1:])
	case "validate":
		code, err = m.validate(args[1:])
	case "receipt":
		code, err = m.receipt(args[1:])
	case "import":
		code, err = m.importCmd(args[1:])
	case "outbox":
		err = m.outbox(ctx, args[1:])
	case "purge":
		err = m.purge(ctx, args[1:])
	case "authorities":
		code, err = m.authoritiesCmd(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(m.Stderr, "Unbekannter Befehl „%s“.\n\n%s", args[0], usage)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(m.Stderr, "ozgform %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(m.Stderr, "\n"+usage)
		}
		return exitUsage
	}
	return code
}
