package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fimData = "../../forms/fim/testdata/"

// TestImportFIM runs the command as README.md shows it: the folder is written and checks clean,
// an existing folder is kept without --force, --json gives the report as JSON.
func TestImportFIM(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mutterschutz")
	schema := fimData + "xdf2/S00000094V1.0_xdf2/S00000094V1.0_xdf2.xml"
	lists := fimData + "xdf2/S00000094V1.0_xdf2"
	code, out, errOut := run(t, "import", "fim", schema, "--codelists", lists, "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"44 Datenfelder, 16 Datenfeldgruppen, 4 Codelisten", "Regel R00000042 übersetzt", "Bitte prüfen"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "codelists")); err != nil {
		t.Error("no codelists folder written")
	}
	if code, out, errOut := run(t, "check", dir); code != exitOK {
		t.Errorf("check: exit %d\n%s%s", code, out, errOut)
	}

	// Without --force an existing folder stays as it is.
	marker := filepath.Join(dir, "von-hand.txt")
	if err := os.WriteFile(marker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = run(t, "import", "fim", schema, "-o", dir)
	if code != exitUsage || !strings.Contains(errOut, "existiert schon; mit --force") {
		t.Errorf("existing folder: exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Error("the existing folder was changed")
	}

	// --force replaces it; --json prints the report as JSON.
	code, out, errOut = run(t, "import", "fim", "--json", "--force", "--id", "msg-test", schema, "-o", dir)
	if code != exitOK {
		t.Fatalf("--force --json: exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		FormID    string `json:"formId"`
		Fields    int    `json:"fields"`
		Codelists int    `json:"codelists"`
		Notes     []struct {
			Where, Message string
		} `json:"notes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("no JSON report: %v\n%s", err, out)
	}
	if rep.FormID != "msg-test" || rep.Fields != 44 || rep.Codelists != 0 {
		t.Errorf("report %+v (without --codelists no list is copied)", rep)
	}
	if !strings.Contains(out, "fehlt (--codelists)") {
		t.Error("no warning about the missing code lists")
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("--force kept the old folder's files")
	}
}

func TestImportFIMRefusals(t *testing.T) {
	dir := t.TempDir()
	xdf1 := filepath.Join(dir, "alt.xml")
	if err := os.WriteFile(xdf1, []byte(`<xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_1.0"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", "fim", xdf1, "-o", filepath.Join(dir, "a")}, exitUsage, "XDatenfelder 1 wird nicht unterstützt"},
		{[]string{"import", "fim", filepath.Join(dir, "fehlt.xml"), "-o", filepath.Join(dir, "b")}, exitUsage, "kann nicht gelesen werden"},
		{[]string{"import", "fim", xdf1}, exitUsage, "-o ORDNER"},
		{[]string{"import", "xyz"}, exitUsage, "import fim"},
		{[]string{"import", "fim", xdf1, "-o", filepath.Join(dir, "c"), "--codelists", filepath.Join(dir, "gibt-es-nicht")}, exitUsage, "Codelisten-Ordner"},
	} {
		code, _, errOut := run(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
		t.Error("a refused import wrote a folder")
	}
}
