package authority_test

import (
	"strings"
	"testing"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/authority/authoritytest"
)

// germany builds the directory of a generated Germany-sized table.
func germany(tb testing.TB) (*authority.Directory, *authoritytest.Generated) {
	tb.Helper()
	g := authoritytest.Germany(authoritytest.GermanySizes, []string{"kasse"})
	tab, problems := authority.ReadTable(strings.NewReader(g.Table), "germany.csv")
	if len(problems) > 0 {
		tb.Fatalf("generated table: %v", problems[:min(3, len(problems))])
	}
	return authority.NewDirectory(g.Authorities, tab), g
}

func TestGermanyShape(t *testing.T) {
	d, g := germany(t)
	plz, munis, rows := d.Table().Len()
	t.Logf("%d postal codes, %d municipalities, %d lines, %d authorities, %d ambiguous postal codes", plz, munis, rows, len(d.Authorities()), len(g.Ambiguous))
	if munis != authoritytest.Municipalities || plz < 8000 || len(g.Ambiguous) < 1000 {
		t.Fatalf("not Germany-sized: %d postal codes, %d municipalities, %d ambiguous", plz, munis, len(g.Ambiguous))
	}
	if p := authority.Check(authority.CheckInput{Authorities: g.Authorities, Table: d.Table(), Destinations: []string{"kasse"}}); len(p) > 0 {
		t.Fatalf("generated authorities do not check: %v", p[:min(3, len(p))])
	}
	for _, code := range g.PLZ {
		r := d.ByPLZ(code, "", "")
		if r.Status == authority.Ambiguous {
			r = d.ByPLZ(code, "", r.Candidates[len(r.Candidates)-1].ARS)
		}
		if r.Status != authority.Resolved {
			t.Fatalf("PLZ %s: %s", code, r.Status)
		}
	}
}

// BenchmarkLookup is the routing cost per submission: one PLZ lookup in a Germany-sized
// directory, a third of them resolved by the Ort among several municipalities.
func BenchmarkLookup(b *testing.B) {
	d, g := germany(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		code := g.PLZ[i%len(g.PLZ)]
		ort := ""
		if i%3 == 0 {
			ort = "Gemeinde 5"
		}
		if r := d.ByPLZ(code, ort, ""); r.Status == authority.Pending {
			b.Fatal(r.Status)
		}
	}
}

// BenchmarkLookupARS is the cost of resolving a Gemeinde chosen from a list.
func BenchmarkLookupARS(b *testing.B) {
	d, _ := germany(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r := d.ByARS(authoritytest.ARS(i % authoritytest.Municipalities)); r.Status != authority.Resolved {
			b.Fatal(r.Status)
		}
	}
}

// BenchmarkLoad is the start-up cost of the table and the directory: reading the table file
// and building the indexes (the configuration file's parsing is measured in cmd/ozgform).
func BenchmarkLoad(b *testing.B) {
	g := authoritytest.Germany(authoritytest.GermanySizes, []string{"kasse"})
	b.SetBytes(int64(len(g.Table)))
	b.ReportAllocs()
	for b.Loop() {
		tab, problems := authority.ReadTable(strings.NewReader(g.Table), "germany.csv")
		if len(problems) > 0 {
			b.Fatal(problems[0])
		}
		authority.NewDirectory(g.Authorities, tab)
	}
}

// BenchmarkCheck is the cost of `ozgform authorities check` on a Germany-sized directory,
// without the file parsing.
func BenchmarkCheck(b *testing.B) {
	d, g := germany(b)
	for b.Loop() {
		authority.Check(authority.CheckInput{Authorities: g.Authorities, Table: d.Table(), Destinations: []string{"kasse"}})
	}
}
