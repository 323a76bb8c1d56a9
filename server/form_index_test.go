package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/forms"
)

// listedForms returns the form links of a finder page in order.
func listedForms(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h3><a href="/formulare/([a-z0-9-]+)">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestFinderExamples(t *testing.T) {
	app := newTestApp(t)
	br := app.browser()
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"", "mutterschutz hundesteuer bewohnerparkausweis gewerbeanmeldung"}, // by category: Arbeit, Steuern, Verkehr, Wirtschaft
		{"?suche=hund", "hundesteuer"},
		{"?suche=HUNDESTEUER", "hundesteuer"},
		{"?suche=Mobilitaet", "bewohnerparkausweis"},
		{"?suche=gewerbe&seite=7", "gewerbeanmeldung"}, // a page beyond the last shows the last
		{"?kategorie=Verkehr+und+Mobilit%C3%A4t", "bewohnerparkausweis"},
		{"?suche=hund&kategorie=Verkehr+und+Mobilit%C3%A4t", ""},
		{"?suche=%3Cscript%3Ealert(1)%3C%2Fscript%3E", ""},
		{"?suche=%FF%FE&seite=abc", "mutterschutz hundesteuer bewohnerparkausweis gewerbeanmeldung"}, // no letters: every form
		{"?kategorie=gibt-es-nicht", ""},
	} {
		r := br.get("/" + tc.query)
		wantStatus(t, tc.query, r, 200)
		if got := strings.Join(listedForms(r.body), " "); got != tc.want {
			t.Errorf("%q lists %q, want %q", tc.query, got, tc.want)
		}
		if tc.want == "" && !strings.Contains(r.body, "Zu Ihrer Suche gibt es keinen Antrag") {
			t.Errorf("%q: no German message that nothing was found", tc.query)
		}
		if strings.Contains(r.body, "<script>alert") {
			t.Errorf("%q: the query is not escaped", tc.query)
		}
	}
	r := br.get("/?suche=hund")
	if !strings.Contains(r.body, `value="hund"`) || !strings.Contains(r.body, "1 Antrag.") {
		t.Errorf("the search form does not keep the query or the count is missing:\n%s", clip(r.body))
	}
	r = br.get("/?suche=dog&lang=en")
	if got := listedForms(r.body); len(got) != 1 || !strings.Contains(r.body, "Taxes and charges") {
		t.Errorf("English: %v", got)
	}
}

// TestFinderLargeCatalog serves a catalog of 1,000 forms: pages of 20, grouped by category,
// each page under 50 KB, links that keep the search.
func TestFinderLargeCatalog(t *testing.T) {
	fsys := fstest.MapFS{}
	cats := []string{"Bauen und Wohnen", "Familie und Kinder", "Steuern und Abgaben", "Umzug", ""}
	for i := range 1000 {
		id := fmt.Sprintf("antrag-%04d", i)
		m := map[string]any{"id": id, "version": "1.0.0", "title": fmt.Sprintf("Antrag %04d auf Überprüfung", i),
			"summary": "Ein Antrag der Gemeinde " + fmt.Sprint(i%50), "authority": map[string]any{"name": "Gemeinde " + fmt.Sprint(i%50)},
			"leika": "99000000000000", "privacyNotice": "Hinweis."}
		if c := cats[i%len(cats)]; c != "" {
			m["category"] = c
		}
		raw, _ := json.Marshal(m)
		fsys[id+"/form.json"] = &fstest.MapFile{Data: raw}
		fsys[id+"/schema.json"] = &fstest.MapFile{Data: []byte(`{"type": "object", "properties": {"x": {"type": "string", "title": "X"}}}`)}
		fsys[id+"/layout.json"] = &fstest.MapFile{Data: []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/x"}]}`)}
	}
	cat, problems := forms.LoadCatalog(fsys, ".", forms.Options{})
	if problems.HasErrors() || cat.Len() != 1000 {
		t.Fatalf("%d forms: %v", cat.Len(), problems)
	}
	app := newTestApp(t)
	app.server.SetCatalog(cat)
	br := app.browser()

	r := br.get("/")
	wantStatus(t, "index", r, 200)
	if n := len(r.body); n > 50_000 {
		t.Errorf("the first page of 1,000 forms has %d bytes, want < 50 KB", n)
	}
	got := listedForms(r.body)
	if len(got) != 20 || got[0] != "antrag-0000" || !strings.Contains(r.body, "1000 Anträge. Seite 1 von 50.") {
		t.Errorf("first page lists %v", got)
	}
	if !strings.Contains(r.body, `<option value="Familie und Kinder">Familie und Kinder (200)</option>`) {
		t.Error("no category choice with its count")
	}
	if !strings.Contains(r.body, `href="/?seite=2" rel="next"`) || !strings.Contains(r.body, `href="/?seite=50"`) {
		t.Error("no links to the next and the last page")
	}

	// Forms without a category come last: page 50 ends with them under "Weitere Anträge".
	r = br.get("/?seite=50")
	if got := listedForms(r.body); len(got) != 20 || got[19] != "antrag-0999" || !strings.Contains(r.body, "Weitere Anträge") {
		t.Errorf("last page lists %v", got)
	}

	// A search with umlauts typed as digraphs, in one category, keeps both in the page links.
	q := url.Values{"suche": {"ueberpruefung gemeinde 7"}, "kategorie": {"Familie und Kinder"}}
	r = br.get("/?" + q.Encode())
	got = listedForms(r.body)
	// "7" in the form's or the Gemeinde's number; i%5 == 1 is Familie und Kinder.
	for _, id := range got {
		var n int
		fmt.Sscanf(id, "antrag-%d", &n)
		if n%5 != 1 || !strings.Contains(fmt.Sprintf("%04d %d", n, n%50), "7") {
			t.Errorf("%s does not match", id)
		}
	}
	if len(got) != 20 || !strings.Contains(r.body, `href="/?kategorie=Familie&#43;und&#43;Kinder&amp;seite=2&amp;suche=ueberpruefung&#43;gemeinde&#43;7"`) {
		t.Errorf("search lists %d forms; page links:\n%s", len(got), clip(r.body[strings.Index(r.body, "<nav class=\"seiten\""):]))
	}
}
