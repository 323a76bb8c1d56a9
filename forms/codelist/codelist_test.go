package codelist_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms/codelist"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../fim/testdata/xdf2/S00000094V1.0_xdf2/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestStaat: the code column is the one the first Key names (schluessel-staat), the label
// column the one of the second Key (suchbegriff), not a column called "code" or "name".
func TestStaat(t *testing.T) {
	l, err := codelist.Parse(read(t, "C60000020_genericode.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if l.URI != "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat" || l.Version != "2021-02-19" {
		t.Errorf("identification %s %s", l.URI, l.Version)
	}
	if l.CodeColumn != "schluessel-staat" || l.LabelColumn != "suchbegriff" {
		t.Errorf("columns %s / %s", l.CodeColumn, l.LabelColumn)
	}
	if len(l.Entries) != 197 {
		t.Errorf("%d entries, want 197", len(l.Entries))
	}
	if label, ok := l.Label("121"); !ok || label != "Albanien" {
		t.Errorf("121 → %q %v, want Albanien", label, ok)
	}
	if l.Has("Albanien") {
		t.Error("a label is taken for a code")
	}
	if code, ok := l.CodeOf(" albanien "); !ok || code != "121" {
		t.Errorf("CodeOf(albanien) = %q %v", code, ok)
	}
}

func TestCodeNameColumns(t *testing.T) {
	l, err := codelist.Parse(read(t, "C00000021_genericode.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if l.CodeColumn != "code" || l.LabelColumn != "name" || l.Entries[0] != (codelist.Entry{Code: "001", Label: "Arbeitnehmerin"}) {
		t.Errorf("%s/%s %+v", l.CodeColumn, l.LabelColumn, l.Entries[0])
	}
}

func TestSetFind(t *testing.T) {
	set := codelist.NewSet()
	l, err := codelist.Parse(read(t, "C60000020_genericode.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Add(l); err != nil {
		t.Fatal(err)
	}
	if err := set.Add(l); err == nil {
		t.Error("the same list and version twice is accepted")
	}
	if got, exact := set.Find(l.URI, l.Version); got != l || !exact {
		t.Error("exact version not found")
	}
	if got, exact := set.Find(l.URI, "2099-01-01"); got != l || exact {
		t.Error("another version is not offered as inexact")
	}
	if got, _ := set.Find("urn:gibt:es:nicht", "1"); got != nil {
		t.Error("unknown list found")
	}
	var none *codelist.Set
	if got, _ := none.Find(l.URI, l.Version); got != nil {
		t.Error("nil set finds a list")
	}
}

func TestBadLists(t *testing.T) {
	const ns = `xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/"`
	cols := `<gc:ColumnSet><gc:Column Id="code"/><gc:Column Id="name"/><gc:Key Id="k"><gc:ColumnRef Ref="code"/></gc:Key></gc:ColumnSet>`
	row := func(code, name string) string {
		return `<gc:Row><gc:Value ColumnRef="code"><gc:SimpleValue>` + code + `</gc:SimpleValue></gc:Value><gc:Value ColumnRef="name"><gc:SimpleValue>` + name + `</gc:SimpleValue></gc:Value></gc:Row>`
	}
	id := `<gc:Identification><gc:ShortName>T</gc:ShortName><gc:Version>1</gc:Version><gc:CanonicalUri>urn:t</gc:CanonicalUri></gc:Identification>`
	for _, tc := range []struct{ name, doc, want string }{
		{"no XML", "kein xml", "kein XML-Element"},
		{"empty", "", "kein XML-Element"},
		{"wrong namespace", `<CodeList xmlns="urn:x"/>`, "Namensraum"},
		{"no URI", `<gc:CodeList ` + ns + `><gc:Identification/>` + cols + `</gc:CodeList>`, "CanonicalUri fehlt"},
		{"no codes", `<gc:CodeList ` + ns + `>` + id + cols + `<gc:SimpleCodeList/></gc:CodeList>`, "keine Codes"},
		{"duplicate code", `<gc:CodeList ` + ns + `>` + id + cols + `<gc:SimpleCodeList>` + row("1", "a") + row("1", "b") + `</gc:SimpleCodeList></gc:CodeList>`, "Row[2]: der Code „1“ kommt doppelt vor"},
		{"missing key column", `<gc:CodeList ` + ns + `>` + id + strings.Replace(cols, `Ref="code"`, `Ref="x"`, 1) + `</gc:CodeList>`, "Spalte „x“"},
		{"entity", `<!DOCTYPE a [<!ENTITY b "c">]><gc:CodeList ` + ns + `>&b;</gc:CodeList>`, "kein gültiges XML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := codelist.Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
