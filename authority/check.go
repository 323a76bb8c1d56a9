package authority

import (
	"fmt"
	"regexp"
	"sort"
)

// idPattern is the form of an authority id, as of a destination name.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidID reports whether s is a well-formed authority id.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// CheckInput is what Check compares the authorities with.
type CheckInput struct {
	Authorities []Authority
	Table       *Table // nil or empty: no postal code table
	// Destinations are the names of the configured destinations.
	Destinations []string
	// Forms are the ids of the loaded forms; nil skips the check of form ids.
	Forms []string
	// Path returns the configuration path of authority i's field (e.g. "ars[1]"), for
	// messages; default "authorities[i].field".
	Path func(i int, field string) string
}

// Check checks the authorities against each other, the table and the destinations: ids
// (format, duplicates), names, ARS (format, one authority per municipality), destinations
// (known names, known forms), and warns about municipalities the table does not list. The
// problems carry configuration paths, not positions; the caller locates them.
func Check(in CheckInput) []Problem {
	path := in.Path
	if path == nil {
		path = func(i int, field string) string {
			p := fmt.Sprintf("authorities[%d]", i)
			if field != "" {
				p += "." + field
			}
			return p
		}
	}
	var out []Problem
	add := func(i int, field string, warn bool, format string, args ...any) {
		out = append(out, Problem{Path: path(i, field), Message: fmt.Sprintf(format, args...), Warning: warn})
	}
	dests := map[string]bool{}
	for _, d := range in.Destinations {
		dests[d] = true
	}
	var knownForms map[string]bool
	if in.Forms != nil {
		knownForms = map[string]bool{}
		for _, f := range in.Forms {
			knownForms[f] = true
		}
	}
	ids := map[string]int{}
	type place struct{ auth, idx int }
	arsAt := map[string]place{}
	for i, a := range in.Authorities {
		switch j, dup := ids[a.ID]; {
		case a.ID == "":
			add(i, "id", false, "fehlt")
		case !ValidID(a.ID):
			add(i, "id", false, "„%s“ ist keine gültige Kennung (Kleinbuchstaben, Ziffern, - und _, höchstens 63 Zeichen)", a.ID)
		case dup:
			add(i, "id", false, "„%s“ gibt es schon bei Behörde %d", a.ID, j+1)
		default:
			ids[a.ID] = i
		}
		if a.Name == "" {
			add(i, "name", false, "fehlt")
		}
		if len(a.ARS) == 0 {
			add(i, "ars", false, "fehlt: die Amtlichen Regionalschlüssel der Gemeinden, für die die Behörde zuständig ist")
		}
		for k, ars := range a.ARS {
			field := fmt.Sprintf("ars[%d]", k)
			if len(a.ARS) == 1 {
				field = "ars"
			}
			if ars == "" {
				continue // the configuration parser has said why
			}
			if !ValidARS(ars) {
				add(i, field, false, "„%s“ ist kein Amtlicher Regionalschlüssel (12 Ziffern, beginnend mit dem Land 01 bis 16)", ars)
				continue
			}
			if p, dup := arsAt[ars]; dup {
				if p.auth == i {
					add(i, field, false, "die Gemeinde %s steht doppelt in der Liste", ars)
				} else {
					add(i, field, false, "doppelter Regionalschlüssel: die Gemeinde %s hat schon die Behörde „%s“ (%s); jede Gemeinde braucht genau eine zuständige Behörde", ars, in.Authorities[p.auth].ID, path(p.auth, "ars"))
				}
				continue
			}
			arsAt[ars] = place{i, k}
			if !in.Table.Empty() && !in.Table.Has(ars) {
				add(i, field, true, "die Gemeinde %s steht nicht in der PLZ-Tabelle; über die Postleitzahl findet sie niemand", ars)
			}
		}
		if a.RetentionDays < 0 {
			add(i, "retentionDays", false, "darf nicht negativ sein")
		}
		keys := make([]string, 0, len(a.Destinations))
		for k := range a.Destinations {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, form := range keys {
			if form != AllForms && knownForms != nil && !knownForms[form] {
				add(i, "destinations."+form, false, "das Formular „%s“ gibt es nicht", form)
			}
			if len(a.Destinations[form]) == 0 {
				add(i, "destinations."+form, false, "die Liste ist leer")
			}
			for k, d := range a.Destinations[form] {
				if !dests[d] {
					add(i, fmt.Sprintf("destinations.%s[%d]", form, k), false, "unbekanntes Ziel „%s“ (es gibt nur die Ziele unter destinations)", d)
				}
			}
		}
	}
	return out
}
