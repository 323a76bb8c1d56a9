package authority

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// Table is the operator's table from postal code to municipality. One postal code may span
// several municipalities, and one municipality may have several postal codes.
type Table struct {
	byPLZ map[string][]Municipality // sorted by name, then ARS
	names map[string]string         // ARS → name
	rows  int
}

// TableHeader is the first line of a table file.
const TableHeader = "plz;ars;gemeinde"

// MaxTableLine bounds one line of a table file, in bytes.
const MaxTableLine = 4096

// Problem is a located problem of a table or of the authorities.
type Problem struct {
	File      string
	Line, Col int // 1-based; 0 when unknown
	Path      string
	Message   string // German
	Warning   bool   // otherwise an error
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, max(p.Col, 1))
	}
	b.WriteString(": ")
	if p.Warning {
		b.WriteString("Warnung: ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ReadTable reads a table file: UTF-8 text, the header line "plz;ars;gemeinde", then one
// line per pair of postal code and municipality, e.g. "12345;089990000001;Musterstadt".
// Empty lines and lines starting with # are skipped. name is the file's name for messages.
// It returns the table of the good lines and a problem for every bad one: a malformed PLZ
// or ARS, a missing name, an ARS named differently on two lines, a pair listed twice.
func ReadTable(r io.Reader, name string) (*Table, []Problem) {
	t := &Table{byPLZ: map[string][]Municipality{}, names: map[string]string{}}
	var problems []Problem
	bad := func(line, col int, warn bool, format string, args ...any) {
		problems = append(problems, Problem{File: name, Line: line, Col: col, Message: fmt.Sprintf(format, args...), Warning: warn})
	}
	firstLine := map[string]int{} // ARS → line of its first name
	seen := map[[2]string]int{}   // (PLZ, ARS) → line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxTableLine)
	header := false
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !utf8.ValidString(text) {
			bad(line, 1, false, "Die Zeile ist kein gültiges UTF-8.")
			continue
		}
		if !header {
			header = true
			if strings.ToLower(strings.ReplaceAll(text, " ", "")) != TableHeader {
				bad(line, 1, false, "Die erste Zeile muss „%s“ lauten (Spalten durch Semikolon getrennt).", TableHeader)
			}
			continue
		}
		cols := strings.Split(text, ";")
		if len(cols) != 3 {
			bad(line, 1, false, "Die Zeile hat %d Spalten statt 3 (PLZ;ARS;Gemeinde).", len(cols))
			continue
		}
		plz, ars, gname := strings.TrimSpace(cols[0]), strings.TrimSpace(cols[1]), strings.TrimSpace(cols[2])
		arsCol := len(cols[0]) + 2
		nameCol := arsCol + len(cols[1]) + 1
		ok := true
		if !ValidPLZ(plz) {
			bad(line, 1, false, "„%s“ ist keine Postleitzahl (5 Ziffern, nicht mit 00 beginnend).", plz)
			ok = false
		}
		if !ValidARS(ars) {
			bad(line, arsCol, false, "„%s“ ist kein Amtlicher Regionalschlüssel (12 Ziffern, beginnend mit dem Land 01 bis 16).", ars)
			ok = false
		}
		if gname == "" {
			bad(line, nameCol, false, "Der Name der Gemeinde fehlt.")
			ok = false
		}
		if !ok {
			continue
		}
		if prev, has := t.names[ars]; has && prev != gname {
			bad(line, nameCol, false, "Die Gemeinde %s heißt hier „%s“, in Zeile %d aber „%s“.", ars, gname, firstLine[ars], prev)
			continue
		}
		key := [2]string{plz, ars}
		if l, dup := seen[key]; dup {
			bad(line, 1, true, "PLZ %s und Gemeinde %s stehen schon in Zeile %d.", plz, ars, l)
			continue
		}
		seen[key] = line
		if _, has := t.names[ars]; !has {
			t.names[ars] = gname
			firstLine[ars] = line
		}
		t.byPLZ[plz] = append(t.byPLZ[plz], Municipality{ARS: ars, Name: gname})
		t.rows++
	}
	if err := sc.Err(); err != nil {
		bad(line+1, 1, false, "Die Datei kann nicht gelesen werden: %v (eine Zeile darf höchstens %d Bytes lang sein).", err, MaxTableLine)
	}
	if !header {
		bad(0, 0, false, "Die Tabelle ist leer; sie braucht die Kopfzeile „%s“ und mindestens eine Zeile.", TableHeader)
	}
	for _, ms := range t.byPLZ {
		if len(ms) > 1 {
			sort.Slice(ms, func(i, j int) bool {
				if ms[i].Name != ms[j].Name {
					return ms[i].Name < ms[j].Name
				}
				return ms[i].ARS < ms[j].ARS
			})
		}
	}
	return t, problems
}

// Municipalities returns the municipalities of a postal code, sorted by name; the caller
// must not modify the slice.
func (t *Table) Municipalities(plz string) []Municipality {
	if t == nil {
		return nil
	}
	return t.byPLZ[plz]
}

// Name returns the name of the municipality ars, or "" when the table does not list it.
func (t *Table) Name(ars string) string {
	if t == nil {
		return ""
	}
	return t.names[ars]
}

// Has reports whether the table lists municipality ars.
func (t *Table) Has(ars string) bool {
	if t == nil {
		return false
	}
	_, ok := t.names[ars]
	return ok
}

// Len returns the number of postal codes, of municipalities and of lines of the table.
func (t *Table) Len() (plz, municipalities, rows int) {
	if t == nil {
		return 0, 0, 0
	}
	return len(t.byPLZ), len(t.names), t.rows
}

// Empty reports whether the table has no line.
func (t *Table) Empty() bool { return t == nil || t.rows == 0 }
