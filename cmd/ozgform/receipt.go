package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/server"
)

// sampleSerial is the part of the sample Vorgangsnummer after the form's prefix: "MUSTER"
// and two digits, in the alphabet of real Vorgangsnummern (no 0, 1, I, O), so that the sample
// looks like a real one and lays out like one ("HST-MUST-ER23").
const sampleSerial = "MUST-ER23"

// sampleSubmissionID is the submission id of every sample receipt.
const sampleSubmissionID = "00000000-0000-4000-8000-000000000000"

// receipt renders a sample receipt (Eingangsbestätigung) for form authors: the data file is
// prepared and validated exactly as a submission, and the PDF is built by the same function
// as a real receipt; only the Vorgangsnummer is a sample and the time is now (or --time).
func (m *Main) receipt(args []string) (int, error) {
	fl := flag.NewFlagSet("receipt", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	out := fl.String("o", "", "Ausgabedatei (PDF); - für die Standardausgabe")
	at := fl.String("time", "", "Eingangszeit nach RFC 3339, z. B. 2026-03-02T10:15:00+01:00 (Voreinstellung: jetzt)")
	lang := fl.String("lang", "de", "Sprache der Eingangsbestätigung (de, en)")
	if err := fl.Parse(flagsFirst(args, "o", "time", "lang")); err != nil {
		return exitUsage, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fl.NArg() != 2 {
		return exitUsage, fmt.Errorf("%w: erwartet FORMULARORDNER und DATEN.json", errUsage)
	}
	dir, dataFile := fl.Arg(0), fl.Arg(1)
	submittedAt := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return exitUsage, fmt.Errorf("%w: --time „%s“ ist keine Zeit nach RFC 3339 (z. B. 2026-03-02T10:15:00+01:00)", errUsage, *at)
		}
		submittedAt = t
	}
	if *lang != "de" && *lang != "en" {
		return exitUsage, fmt.Errorf("%w: --lang muss de oder en sein, nicht „%s“", errUsage, *lang)
	}

	form, err := m.loadForm(dir)
	if err != nil {
		return exitUsage, err
	}
	if *lang != "de" && !slices.Contains(form.Manifest.Languages, *lang) {
		return exitUsage, fmt.Errorf("%w: das Formular „%s“ gibt es nicht auf %s (languages in form.json)", errUsage, form.Manifest.ID, *lang)
	}
	data, err := readData(dataFile)
	if err != nil {
		return exitUsage, err
	}
	if _, ok := data.(map[string]any); !ok {
		return exitUsage, fmt.Errorf("„%s“ enthält kein JSON-Objekt", dataFile)
	}

	canon, errs, err := engine.SubmissionData(form, data)
	if err != nil {
		return exitUsage, err
	}
	if len(errs) > 0 {
		cat := engine.NewCatalog()
		for _, fe := range errs {
			path := fe.Path
			if path == "" {
				path = "/"
			}
			fmt.Fprintf(m.Stderr, "%s: %s\n", path, cat.Message(form, fe, *lang))
		}
		fmt.Fprintf(m.Stderr, "%s: %d Fehler – für ungültige Daten gibt es keine Eingangsbestätigung.\n", dataFile, len(errs))
		return exitInvalid, nil
	}

	sub := &engine.Submission{
		ID:          sampleSubmissionID,
		Reference:   engine.ReferencePrefix(form) + "-" + sampleSerial,
		FormID:      form.Manifest.ID,
		FormVersion: form.Manifest.Version,
		SchemaHash:  form.SchemaHash,
		Lang:        *lang,
		Data:        canon,
		DataHash:    engine.SHA512Hex(canon),
		SubmittedAt: submittedAt.UTC().Truncate(time.Microsecond),
	}
	pdf, err := server.RenderReceipt(form, sub, engine.ReceiptPayloadHash(sub), sampleAttachments(form, canon))
	if err != nil {
		return exitUsage, fmt.Errorf("die Eingangsbestätigung kann nicht erstellt werden: %v", err)
	}

	name := *out
	if name == "" {
		name = engine.ReceiptFilename(sub)
	}
	if name == "-" {
		if _, err := m.Stdout.Write(pdf); err != nil {
			return exitUsage, err
		}
	} else if err := os.WriteFile(name, pdf, 0o644); err != nil {
		return exitUsage, fmt.Errorf("„%s“ kann nicht geschrieben werden: %v", name, err)
	}
	if name == "-" {
		name = "Standardausgabe"
	}
	fmt.Fprintf(m.Stderr, "Muster-Eingangsbestätigung für „%s“ %s geschrieben: %s (%d Bytes)\n  Vorgangsnummer %s (Muster), Prüfsumme der Daten (SHA-512) %s…\n",
		form.Manifest.ID, form.Manifest.Version, name, len(pdf), sub.Reference, sub.DataHash[:16])
	return exitOK, nil
}

// sampleAttachments stands in for the files the data names: a sample has their ids but not the
// files, so the receipt lists each as "Muster-Anlage-N.pdf" with a made-up size and hash, to show
// how a real receipt lists the citizen's files.
func sampleAttachments(form *forms.Form, canon []byte) []engine.Attachment {
	data, err := engine.DecodeData(canon)
	if err != nil {
		return nil
	}
	var out []engine.Attachment
	for i := range form.Pages {
		for _, in := range engine.PageInputs(form, i, data) {
			if in.Field.Widget != forms.WidgetFile {
				continue
			}
			v, _ := forms.Lookup(data, in.Path, nil)
			for _, id := range forms.AttachmentIDs(v) {
				out = append(out, engine.Attachment{
					AttachmentID: id,
					Filename:     fmt.Sprintf("Muster-Anlage-%d.pdf", len(out)+1),
					MediaType:    "application/pdf",
					Size:         245760,
					SHA512:       engine.SHA512Hex([]byte("ozgform Musteranlage " + id)),
				})
			}
		}
	}
	return out
}

// flagsFirst moves the flags (with the values of valueFlags) in front of the other arguments,
// so that "receipt DIR DATA.json -o x.pdf" parses like "receipt -o x.pdf DIR DATA.json".
func flagsFirst(args []string, valueFlags ...string) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && slices.Contains(valueFlags, name) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return append(flags, rest...)
}
