package finder

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

func examples(t testing.TB) []*forms.Entry {
	t.Helper()
	cat, problems := forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	if problems.HasErrors() || cat.Len() < 3 {
		t.Fatalf("examples: %d forms, %v", cat.Len(), problems)
	}
	return cat.Entries()
}

func ids(r Result) string {
	var out []string
	for _, g := range r.Groups {
		for _, e := range g.Entries {
			out = append(out, e.Manifest.ID)
		}
	}
	return strings.Join(out, " ")
}

func TestSearchWords(t *testing.T) {
	ix := New(examples(t))
	for _, tc := range []struct{ query, want string }{
		{"hund", "hundesteuer"},
		{"HUNDESTEUER", "hundesteuer"},
		{"  Hunde   melden ", "hundesteuer"},
		{"gewerbebetrieb", "gewerbeanmeldung"},
		{"Gewerbeordnung", "gewerbeanmeldung"},
		{"parkausweis", "bewohnerparkausweis"},
		{"bewohnerinnen", "bewohnerparkausweis"},
		{"Mobilitat", "bewohnerparkausweis"},  // ä typed as a
		{"Mobilitaet", "bewohnerparkausweis"}, // ä typed as ae
		{"MOBILITÄT", "bewohnerparkausweis"},
		{"dog", "hundesteuer"},     // the English title
		{"Steuern", "hundesteuer"}, // the category
		{"musterstadt", "bewohnerparkausweis gewerbeanmeldung hundesteuer mutterschutz"},
		{"", "bewohnerparkausweis gewerbeanmeldung hundesteuer mutterschutz"},
		{"schwanger", "mutterschutz"},
		{"hund katze", ""},
		{"<script>", ""},
	} {
		r := ix.Search(Query{Text: tc.query})
		if got := ids(r); got != tc.want {
			// forms are sorted by category: Steuern, Verkehr, Wirtschaft
			if !sameSet(got, tc.want) {
				t.Errorf("%q found %q, want %q", tc.query, got, tc.want)
			}
		}
		if r.Total != len(strings.Fields(tc.want)) {
			t.Errorf("%q: total %d", tc.query, r.Total)
		}
	}
}

func sameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	seen := map[string]bool{}
	for _, s := range x {
		seen[s] = true
	}
	for _, s := range y {
		if !seen[s] {
			return false
		}
	}
	return true
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, plain, digraph string }{
		{"Straße", "strasse", "strasse"},
		{"Über", "uber", "ueber"},
		{"Ørsted-Ñúñez", "ørsted-nunez", "ørsted-nunez"},
		{"U\u0308ber", "uber", "ueber"}, // decomposed Ü
	} {
		if got := fold(tc.in, false); got != tc.plain {
			t.Errorf("fold(%q) = %q, want %q", tc.in, got, tc.plain)
		}
		if got := fold(tc.in, true); got != tc.digraph {
			t.Errorf("fold(%q, digraphs) = %q, want %q", tc.in, got, tc.digraph)
		}
	}
}

// catalog makes n entries in categories A, B and none, with titles "Antrag <i>".
func catalog(n int) []*forms.Entry {
	var out []*forms.Entry
	for i := range n {
		cat := []string{"Bauen und Wohnen", "Familie", ""}[i%3]
		out = append(out, &forms.Entry{Manifest: forms.Manifest{ID: fmt.Sprintf("f%04d", i), Title: fmt.Sprintf("Antrag %04d", i),
			Category: cat, Languages: []string{"de"}, Authority: forms.Authority{Name: "Gemeinde"}}})
	}
	return out
}

func TestSearchGroupsAndPages(t *testing.T) {
	ix := New(catalog(100))
	r := ix.Search(Query{})
	if r.Total != 100 || r.Pages != 5 || r.Page != 1 {
		t.Fatalf("total %d, pages %d, page %d", r.Total, r.Pages, r.Page)
	}
	if len(r.Groups) != 1 || r.Groups[0].Category != "Bauen und Wohnen" || len(r.Groups[0].Entries) != 20 {
		t.Errorf("page 1 groups: %+v", r.Groups)
	}
	if len(r.Categories) != 2 || r.Categories[0].Category != "Bauen und Wohnen" || r.Categories[0].Forms != 34 || r.Categories[1].Forms != 33 {
		t.Errorf("categories %+v", r.Categories)
	}
	// Page 2 ends Bauen und Wohnen (34 forms) and starts Familie.
	r = ix.Search(Query{Page: 2})
	if len(r.Groups) != 2 || len(r.Groups[0].Entries) != 14 || r.Groups[1].Category != "Familie" {
		t.Errorf("page 2 groups: %d", len(r.Groups))
	}
	// Forms without a category come last.
	r = ix.Search(Query{Page: 5})
	if last := r.Groups[len(r.Groups)-1]; last.Category != "" || len(last.Entries) != 20 {
		t.Errorf("page 5 ends with %q (%d forms)", last.Category, len(last.Entries))
	}
	r = ix.Search(Query{Category: "Familie", Page: 99})
	if r.Total != 33 || r.Pages != 2 || r.Page != 2 || len(r.Groups[0].Entries) != 13 {
		t.Errorf("Familie, page 99: total %d, page %d of %d", r.Total, r.Page, r.Pages)
	}
	r = ix.Search(Query{Text: "0042"})
	if r.Total != 1 || r.Groups[0].Entries[0].Manifest.ID != "f0042" {
		t.Errorf("0042: %+v", r)
	}
	r = ix.Search(Query{Text: "gibt es nicht"})
	if r.Total != 0 || r.Pages != 1 || len(r.Groups) != 0 || len(r.Categories) != 2 || r.Categories[1].Forms != 0 {
		t.Errorf("no match: %+v", r)
	}
}

// BenchmarkSearch1000 searches a catalog of 1,000 forms for one word.
func BenchmarkSearch1000(b *testing.B) {
	ix := New(catalog(1000))
	b.ReportAllocs()
	for b.Loop() {
		ix.Search(Query{Text: "antrag 05"})
	}
}
