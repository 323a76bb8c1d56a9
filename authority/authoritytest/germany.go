// Package authoritytest generates directories of the size of Germany's for benchmarks and
// load tests of the Einer-für-Alle routing.
package authoritytest

import (
	"fmt"
	"strings"

	"github.com/ozgform/ozgform/authority"
)

// Germany's approximate numbers (Destatis, 2024: 10,775 municipalities; about 8,200 postal
// codes).
const (
	Municipalities = 11000
	PostalCodes    = 8200
)

// Sizes of a generated directory.
type Sizes struct {
	Municipalities, PostalCodes int
}

// GermanySizes are the sizes of Germany.
var GermanySizes = Sizes{Municipalities: Municipalities, PostalCodes: PostalCodes}

// Generated is a generated table and its authorities.
type Generated struct {
	Table       string // the table file's text
	Authorities []authority.Authority
	PLZ         []string // every postal code, in order
	Ambiguous   []string // the postal codes that span several municipalities
}

// ARS returns the generated ARS of municipality i.
func ARS(i int) string {
	land := 1 + i%16
	return fmt.Sprintf("%02d%010d", land, i)
}

// PLZ returns the generated postal code j.
func PLZ(j int) string { return fmt.Sprintf("%05d", 1001+j*(98999-1001)/PostalCodes) }

// Germany generates a table and authorities with the shape of Germany's: every municipality
// has a postal code, consecutive municipalities share postal codes (so about a third of the
// codes span two or more), every seventh municipality has a second code, and one
// authority serves one to three municipalities (Verwaltungsgemeinschaften), with the
// destinations {"*": destinations}.
func Germany(s Sizes, destinations []string) *Generated {
	g := &Generated{}
	var b strings.Builder
	b.WriteString(authority.TableHeader + "\n")
	count := map[string]int{}
	for i := 0; i < s.Municipalities; i++ {
		j := i * s.PostalCodes / s.Municipalities
		codes := []int{j}
		if i%7 == 3 && j+1 < s.PostalCodes {
			codes = append(codes, j+1)
		}
		for _, c := range codes {
			plz := PLZ(c)
			fmt.Fprintf(&b, "%s;%s;Gemeinde %d\n", plz, ARS(i), i)
			count[plz]++
		}
	}
	for j := 0; j < s.PostalCodes; j++ {
		plz := PLZ(j)
		if count[plz] == 0 {
			continue
		}
		g.PLZ = append(g.PLZ, plz)
		if count[plz] > 1 {
			g.Ambiguous = append(g.Ambiguous, plz)
		}
	}
	g.Table = b.String()
	for i := 0; i < s.Municipalities; {
		n := 1 + i%3
		a := authority.Authority{
			ID: fmt.Sprintf("gemeinde-%d", i), Name: fmt.Sprintf("Gemeindeverwaltung %d", i),
			Street: "Rathausplatz 1", PostalCode: PLZ(i * s.PostalCodes / s.Municipalities), City: fmt.Sprintf("Gemeinde %d", i),
			Email:        fmt.Sprintf("steueramt@gemeinde-%d.example", i),
			Destinations: map[string][]string{authority.AllForms: destinations},
		}
		for k := 0; k < n && i < s.Municipalities; k++ {
			a.ARS = append(a.ARS, ARS(i))
			i++
		}
		g.Authorities = append(g.Authorities, a)
	}
	return g
}
