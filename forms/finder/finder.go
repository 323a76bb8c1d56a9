// Package finder is the service finder of a catalog: it finds forms by words of their title,
// summary, category and authority, in any of their languages, ignoring case, umlauts and
// accents ("hund" finds "Hundesteuer", "ueber" and "uber" find "über", "strasse" finds
// "Straße"), groups them by category (the manifest's "category", a Lebenslage) and pages
// through them. An Index is built once per catalog and is safe for concurrent use.
package finder

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/ozgform/ozgform/forms"
)

// DefaultPageSize is the number of forms on one page of results.
const DefaultPageSize = 20

// Index holds the folded search texts of a catalog's forms, sorted by category and title.
type Index struct {
	items      []item
	categories []Count // every category in order, with its first form
}

type item struct {
	entry    *forms.Entry
	category string // the German category, "" for none
	sortKey  string
	// folded texts: umlauts as base letters ("uber") and as digraphs ("ueber").
	plain, digraph string
}

// New builds the index of entries.
func New(entries []*forms.Entry) *Index {
	ix := &Index{items: make([]item, 0, len(entries))}
	for _, e := range entries {
		m := e.Manifest
		texts := []string{m.Title, m.Summary, m.Category, m.Authority.Name}
		for _, lang := range m.Languages {
			if lang == "de" {
				continue
			}
			texts = append(texts, e.T(lang, "form.title", ""), e.T(lang, "form.summary", ""), e.T(lang, "form.category", ""))
		}
		all := strings.Join(texts, " \x00 ")
		cat := categoryOf(m.Category)
		ix.items = append(ix.items, item{
			entry: e, category: m.Category,
			sortKey: cat + "\x00" + fold(m.Title, false) + "\x00" + m.ID,
			plain:   fold(all, false), digraph: fold(all, true),
		})
	}
	sort.Slice(ix.items, func(i, j int) bool { return ix.items[i].sortKey < ix.items[j].sortKey })
	for _, it := range ix.items {
		if n := len(ix.categories); it.category != "" && (n == 0 || ix.categories[n-1].Category != it.category) {
			ix.categories = append(ix.categories, Count{Category: it.category, Entry: it.entry})
		}
	}
	return ix
}

// categoryOf is the sort key of a category: forms without one come last.
func categoryOf(c string) string {
	if c == "" {
		return "\uffff"
	}
	return fold(c, false)
}

// Query is what the citizen asked for.
type Query struct {
	Text     string // words, all of which must occur
	Category string // the German category, "" for all
	Page     int    // 1-based; out-of-range pages are clamped
	PageSize int    // 0 means DefaultPageSize
}

// Result is one page of the forms that match a query.
type Result struct {
	Total      int     // forms matching text and category
	Page       int     // the page shown, 1-based
	Pages      int     // number of pages (at least 1)
	Groups     []Group // the page's forms by category, in order
	Categories []Count // every category with the number of its forms matching the text (maybe 0)
}

// Group is a run of forms of one category on a page.
type Group struct {
	Category string // German; "" for forms without a category
	Entries  []*forms.Entry
}

// Count is a category and how many forms matching the query's text it holds.
type Count struct {
	Category string       // German
	Entry    *forms.Entry // a form of the category, for its translation
	Forms    int
}

// Search returns the page of forms matching q.
func (ix *Index) Search(q Query) Result {
	size := q.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	words := words(q.Text)
	var res Result
	var hits []*item
	counts := map[string]int{}
	for i := range ix.items {
		it := &ix.items[i]
		if !it.matches(words) {
			continue
		}
		counts[it.category]++
		if q.Category == "" || it.category == q.Category {
			hits = append(hits, it)
		}
	}
	for _, c := range ix.categories {
		res.Categories = append(res.Categories, Count{Category: c.Category, Entry: c.Entry, Forms: counts[c.Category]})
	}
	res.Total = len(hits)
	res.Pages = max(1, (len(hits)+size-1)/size)
	res.Page = min(max(q.Page, 1), res.Pages)
	from := (res.Page - 1) * size
	for _, it := range hits[from:min(from+size, len(hits))] {
		if n := len(res.Groups); n == 0 || res.Groups[n-1].Category != it.category {
			res.Groups = append(res.Groups, Group{Category: it.category})
		}
		g := &res.Groups[len(res.Groups)-1]
		g.Entries = append(g.Entries, it.entry)
	}
	return res
}

func (it *item) matches(words [][2]string) bool {
	for _, w := range words {
		if !strings.Contains(it.plain, w[0]) && !strings.Contains(it.digraph, w[1]) && !strings.Contains(it.plain, w[1]) {
			return false
		}
	}
	return true
}

// words splits the query into folded words, each in both foldings. At most 10 words of at
// most 100 letters count: a query is not a document.
func words(text string) [][2]string {
	var out [][2]string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(out) == 10 {
			break
		}
		if r := []rune(w); len(r) > 100 {
			w = string(r[:100])
		}
		out = append(out, [2]string{fold(w, false), fold(w, true)})
	}
	return out
}

// fold lowers s and removes accents; umlauts become their base letter, or with digraphs
// their two-letter spelling (ä → ae); ß becomes ss.
func fold(s string, digraphs bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFC.String(s) {
		r = unicode.ToLower(r)
		switch r {
		case 'ä', 'ö', 'ü':
			if digraphs {
				b.WriteString(map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue"}[r])
			} else {
				b.WriteRune(map[rune]rune{'ä': 'a', 'ö': 'o', 'ü': 'u'}[r])
			}
			continue
		case 'ß':
			b.WriteString("ss")
			continue
		}
		// Other accented letters (é, ñ, ł …): the base letter of the canonical decomposition.
		if r >= 0x80 {
			if d := norm.NFD.String(string(r)); d != "" {
				r = []rune(d)[0]
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
