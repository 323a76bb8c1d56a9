package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pdfToText extracts the text of a PDF file with pdftotext (poppler-utils); the test skips
// without it, except in CI.
func pdfToText(t *testing.T, file string) string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (CI=true): apt-get install -y poppler-utils")
		}
		t.Skip("pdftotext is not installed: apt-get install -y poppler-utils")
	}
	out, err := exec.Command(path, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	return string(out)
}

var sampleReference = regexp.MustCompile(`^[A-Z]{2,4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

func TestReceiptSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "quittung.pdf")
	// Flags after the arguments, as the usage shows them.
	code, stdout, stderr := run(t, "receipt", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json",
		"-o", out, "--time", "2026-03-02T10:15:00+01:00")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "HST-MUST-ER23") || !strings.Contains(stderr, out) {
		t.Errorf("stderr does not name the file and the sample Vorgangsnummer: %q", stderr)
	}
	if !sampleReference.MatchString("HST-" + sampleSerial) {
		t.Errorf("the sample Vorgangsnummer HST-%s does not look like a real one", sampleSerial)
	}
	pdf, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("no PDF written: %v", err)
	}
	text := pdfToText(t, out)
	for _, want := range []string{
		"Eingangsbestätigung", "Anmeldung zur Hundesteuer", "HST-MUST-ER23", "02.03.2026",
		"Ørsted-Ñúñez", "Bello", "Magyar Vizsla", "Stadt Musterstadt – Steueramt", "Seite 1 von",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the sample receipt lacks %q", want)
		}
	}

	// The same input gives the same bytes; --lang en gives the English receipt.
	again := filepath.Join(t.TempDir(), "again.pdf")
	run(t, "receipt", "-o", again, "--time", "2026-03-02T10:15:00+01:00", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json")
	if b, _ := os.ReadFile(again); !bytes.Equal(b, pdf) {
		t.Error("the same sample gives other bytes")
	}
	en := filepath.Join(t.TempDir(), "en.pdf")
	if code, _, stderr := run(t, "receipt", "--lang", "en", "-o", en, "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json"); code != exitOK {
		t.Fatalf("--lang en: exit %d: %s", code, stderr)
	}
	if text := pdfToText(t, en); !strings.Contains(text, "Bello") || strings.Contains(text, "Eingangsbestätigung") {
		t.Errorf("the English receipt:\n%s", text)
	}
}

// TestReceiptSampleAttachments: a sample names its files by id only; the sample receipt lists
// stand-ins for them, as a real receipt lists the citizen's files.
func TestReceiptSampleAttachments(t *testing.T) {
	out := filepath.Join(t.TempDir(), "quittung.pdf")
	if code, _, stderr := run(t, "receipt", "-o", out, "../../examples/bewohnerparkausweis", "../../examples/bewohnerparkausweis/samples/valid.json"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	text := pdfToText(t, out)
	if !strings.Contains(text, "Muster-Anlage-1.pdf") || strings.Contains(text, "keine Anlagen") {
		t.Errorf("the sample receipt does not list the sample's file:\n%s", text)
	}
}

func TestReceiptInvalidData(t *testing.T) {
	out := filepath.Join(t.TempDir(), "quittung.pdf")
	code, _, stderr := run(t, "receipt", "-o", out, "../../examples/hundesteuer", "../../examples/hundesteuer/samples/invalid-chipnummer.json")
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d: %s", code, exitInvalid, stderr)
	}
	if !strings.Contains(stderr, "/hunde/0/chipnummer: ") || !strings.Contains(stderr, "keine Eingangsbestätigung") {
		t.Errorf("stderr lacks the German error at the field: %q", stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a PDF was written for invalid data")
	}
}

func TestReceiptUsage(t *testing.T) {
	for _, args := range [][]string{
		{"receipt"},
		{"receipt", "../../examples/hundesteuer"},
		{"receipt", "--time", "gestern", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json"},
		{"receipt", "--lang", "fr", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json"},
		{"receipt", "../../examples/hundesteuer", "gibtsnicht.json"},
	} {
		if code, _, stderr := run(t, args...); code != exitUsage || !strings.Contains(stderr, "ozgform receipt:") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
