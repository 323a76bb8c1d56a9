package authority_test

import (
	"strings"
	"testing"

	"github.com/ozgform/ozgform/authority"
)

const sampleTable = `# sample
plz;ars;gemeinde
12345;089990000001;Musterstadt
12346;089990000001;Musterstadt
12346;089990000002;Beispielheim
12399;089990000003;Neudorf
`

func sampleDirectory(t testing.TB) *authority.Directory {
	t.Helper()
	tab, problems := authority.ReadTable(strings.NewReader(sampleTable), "gemeinden.csv")
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	return authority.NewDirectory([]authority.Authority{
		{ID: "musterstadt", Name: "Stadt Musterstadt – Steueramt", ARS: []string{"089990000001"},
			Destinations: map[string][]string{"*": {"musterstadt"}, "hundesteuer": {"kasse"}}},
		{ID: "beispielheim", Name: "Gemeinde Beispielheim", ARS: []string{"089990000002"}},
	}, tab)
}

func TestByPLZ(t *testing.T) {
	d := sampleDirectory(t)
	for _, tc := range []struct {
		name, plz, ort, chosen string
		status                 authority.Status
		authority              string
		candidates             int
	}{
		{"one municipality", "12345", "", "", authority.Resolved, "musterstadt", 0},
		{"blank", "", "", "", authority.Pending, "", 0},
		{"malformed", "1234", "", "", authority.Pending, "", 0},
		{"spanning two, no ort", "12346", "", "", authority.Ambiguous, "", 2},
		{"spanning two, ort decides", "12346", "  beispielHEIM ", "", authority.Resolved, "beispielheim", 0},
		{"spanning two, unknown ort", "12346", "Anderswo", "", authority.Ambiguous, "", 2},
		{"spanning two, chosen", "12346", "Anderswo", "089990000001", authority.Resolved, "musterstadt", 0},
		{"chosen not a candidate", "12346", "", "089990000003", authority.Ambiguous, "", 2},
		{"unserved municipality", "12399", "", "", authority.Unserved, "", 0},
		{"unknown plz", "54321", "", "", authority.Unserved, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := d.ByPLZ(tc.plz, tc.ort, tc.chosen)
			if r.Status != tc.status {
				t.Fatalf("status %s, want %s", r.Status, tc.status)
			}
			if got := ""; r.Authority != nil {
				got = r.Authority.ID
				if got != tc.authority {
					t.Errorf("authority %s, want %s", got, tc.authority)
				}
			} else if tc.authority != "" {
				t.Errorf("no authority, want %s", tc.authority)
			}
			if len(r.Candidates) != tc.candidates {
				t.Errorf("candidates %v, want %d", r.Candidates, tc.candidates)
			}
		})
	}
	r := d.ByPLZ("12346", "", "")
	if r.Candidates[0].Name != "Beispielheim" || r.Candidates[1].Name != "Musterstadt" {
		t.Errorf("candidates not sorted by name: %v", r.Candidates)
	}
	if u := d.ByPLZ("12399", "", ""); u.Municipality.Name != "Neudorf" {
		t.Errorf("unserved municipality without its name: %+v", u)
	}
}

func TestByARSAndResponsible(t *testing.T) {
	d := sampleDirectory(t)
	r := d.ByARS("089990000002")
	if r.Status != authority.Resolved || r.Authority.ID != "beispielheim" {
		t.Fatalf("ByARS: %+v", r)
	}
	resp := r.Responsible()
	if resp.ARS != "089990000002" || resp.Municipality != "Beispielheim" || resp.Name != "Gemeinde Beispielheim" {
		t.Errorf("snapshot %+v", resp)
	}
	if got := d.ByARS("089990000003").Status; got != authority.Unserved {
		t.Errorf("unserved ARS: %s", got)
	}
	if got := d.ByARS("99").Status; got != authority.Pending {
		t.Errorf("malformed ARS: %s", got)
	}
	if (authority.Resolution{Status: authority.Ambiguous}).Responsible() != nil {
		t.Error("an unresolved resolution has a responsible authority")
	}
	m := d.Authority("musterstadt")
	if got := m.DestinationsFor("hundesteuer"); len(got) != 1 || got[0] != "kasse" {
		t.Errorf("destinations for hundesteuer: %v", got)
	}
	if got := m.DestinationsFor("gewerbeanmeldung"); len(got) != 1 || got[0] != "musterstadt" {
		t.Errorf("destinations for other forms: %v", got)
	}
	if got := d.Authority("beispielheim").DestinationsFor("x"); got != nil {
		t.Errorf("no destinations configured, got %v", got)
	}
}

func TestValidARS(t *testing.T) {
	for s, want := range map[string]bool{
		"089990000001": true, "160000000000": true, "010000000000": true,
		"170000000000": false, "000000000000": false, "08999000000": false, "0899900000011": false, "08999000000a": false,
	} {
		if got := authority.ValidARS(s); got != want {
			t.Errorf("ValidARS(%q) = %v", s, got)
		}
	}
}

func TestReadTableProblems(t *testing.T) {
	in := "\uFEFFplz;ars;gemeinde\n" +
		"12345;089990000001;Musterstadt\n" + // 2 fine
		"1234;089990000001;Musterstadt\n" + // 3 bad PLZ at col 1
		"12345;08999000001;Musterstadt\n" + // 4 bad ARS at col 7
		"12345;089990000002;\n" + // 5 no name at col 20
		"12345;089990000001\n" + // 6 two columns
		"12346;089990000001;Musterstadt am See\n" + // 7 other name at col 20
		"12345;089990000001;Musterstadt\n" + // 8 duplicate pair (warning)
		"12345;179990000001;X\n" // 9 Land 17
	_, problems := authority.ReadTable(strings.NewReader(in), "t.csv")
	want := []string{
		"t.csv:3:1: „1234“ ist keine Postleitzahl",
		"t.csv:4:7: „08999000001“ ist kein Amtlicher Regionalschlüssel",
		"t.csv:5:20: Der Name der Gemeinde fehlt.",
		"t.csv:6:1: Die Zeile hat 2 Spalten statt 3",
		"t.csv:7:20: Die Gemeinde 089990000001 heißt hier „Musterstadt am See“, in Zeile 2 aber „Musterstadt“.",
		"t.csv:8:1: Warnung: PLZ 12345 und Gemeinde 089990000001 stehen schon in Zeile 2.",
		"t.csv:9:7: „179990000001“ ist kein Amtlicher Regionalschlüssel",
	}
	if len(problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(problems), len(want), problems)
	}
	for i, p := range problems {
		if !strings.HasPrefix(p.String(), want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, p, want[i])
		}
	}
	if _, problems := authority.ReadTable(strings.NewReader("PLZ;Gemeinde\n12345;X\n"), "t.csv"); len(problems) == 0 || !strings.Contains(problems[0].String(), "t.csv:1:1: Die erste Zeile muss") {
		t.Errorf("bad header: %v", problems)
	}
	if _, problems := authority.ReadTable(strings.NewReader(""), "t.csv"); len(problems) != 1 || !strings.Contains(problems[0].Message, "leer") {
		t.Errorf("empty table: %v", problems)
	}
	long := "plz;ars;gemeinde\n12345;089990000001;" + strings.Repeat("x", authority.MaxTableLine) + "\n"
	if _, problems := authority.ReadTable(strings.NewReader(long), "t.csv"); len(problems) == 0 || !strings.Contains(problems[0].Message, "höchstens") {
		t.Errorf("overlong line: %v", problems)
	}
}

func TestCheck(t *testing.T) {
	tab, _ := authority.ReadTable(strings.NewReader(sampleTable), "gemeinden.csv")
	problems := authority.Check(authority.CheckInput{
		Authorities: []authority.Authority{
			{ID: "a", Name: "A", ARS: []string{"089990000001", "089990000001"}, Destinations: map[string][]string{"*": {"kasse"}}},
			{ID: "a", Name: "", ARS: []string{"089990000001", "1234", "089990000009"}, Destinations: map[string][]string{"hundesteuer": {"nirgendwo"}, "gibtsnicht": {"kasse"}}},
			{ID: "B!", Name: "B", RetentionDays: -1},
		},
		Table:        tab,
		Destinations: []string{"kasse"},
		Forms:        []string{"hundesteuer"},
	})
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	want := []string{
		": authorities[0].ars[1]: die Gemeinde 089990000001 steht doppelt in der Liste",
		": authorities[1].id: „a“ gibt es schon bei Behörde 1",
		": authorities[1].name: fehlt",
		": authorities[1].ars[0]: doppelter Regionalschlüssel: die Gemeinde 089990000001 hat schon die Behörde „a“ (authorities[0].ars); jede Gemeinde braucht genau eine zuständige Behörde",
		": authorities[1].ars[1]: „1234“ ist kein Amtlicher Regionalschlüssel (12 Ziffern, beginnend mit dem Land 01 bis 16)",
		": Warnung: authorities[1].ars[2]: die Gemeinde 089990000009 steht nicht in der PLZ-Tabelle; über die Postleitzahl findet sie niemand",
		": authorities[1].destinations.gibtsnicht: das Formular „gibtsnicht“ gibt es nicht",
		": authorities[1].destinations.hundesteuer[0]: unbekanntes Ziel „nirgendwo“ (es gibt nur die Ziele unter destinations)",
		": authorities[2].id: „B!“ ist keine gültige Kennung (Kleinbuchstaben, Ziffern, - und _, höchstens 63 Zeichen)",
		": authorities[2].ars: fehlt: die Amtlichen Regionalschlüssel der Gemeinden, für die die Behörde zuständig ist",
		": authorities[2].retentionDays: darf nicht negativ sein",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
