package forms

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"
)

// dinTestListPath is the test copy of the DIN 91379 list (CC BY 4.0, see the
// README next to it).
const dinTestListPath = "testdata/din91379/latin_list_1.3.txt"

// dinTestEntry is one line of the DIN 91379 list.
type dinTestEntry struct {
	group string // bll, bnlreq, bnl, bnlopt, bnlnot, dc, gl, cl, enl
	seq   bool   // a sequence of code points rather than one character
	text  string // the character or sequence, built from the code points
	name  string
}

// dinTestData is the parsed list with the reference sets built from it.
type dinTestData struct {
	entries []dinTestEntry
	groups  map[rune][]string // single characters and their groups
	seqs    []string          // all letter sequences, longest first
	// seqToLetter replaces every sequence by a plain letter, longest first.
	seqToLetter *strings.Replacer
}

var (
	dinTestOnce   sync.Once
	dinTestParsed *dinTestData
	dinTestErr    error
)

// dinTestLoad parses the testdata copy of the list once.
func dinTestLoad(tb testing.TB) *dinTestData {
	tb.Helper()
	dinTestOnce.Do(func() { dinTestParsed, dinTestErr = dinTestParse(dinTestListPath) })
	if dinTestErr != nil {
		tb.Fatal(dinTestErr)
	}
	return dinTestParsed
}

func dinTestParse(path string) (*dinTestData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &dinTestData{groups: map[rune][]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.SplitN(line, "; ", 5)
		if len(fields) < 4 {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		var b strings.Builder
		for _, hex := range strings.Fields(fields[2]) {
			v, err := strconv.ParseUint(hex, 16, 32)
			if err != nil {
				return nil, err
			}
			b.WriteRune(rune(v))
		}
		e := dinTestEntry{group: fields[0], seq: fields[1] == "seq", text: b.String(), name: fields[3]}
		d.entries = append(d.entries, e)
		if e.seq {
			d.seqs = append(d.seqs, e.text)
		} else {
			r, _ := utf8.DecodeRuneInString(e.text)
			d.groups[r] = append(d.groups[r], e.group)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(d.seqs, func(i, j int) bool {
		return utf8.RuneCountInString(d.seqs[i]) > utf8.RuneCountInString(d.seqs[j])
	})
	pairs := make([]string, 0, 2*len(d.seqs))
	for _, q := range d.seqs {
		pairs = append(pairs, q, "A")
	}
	d.seqToLetter = strings.NewReplacer(pairs...)
	return d, nil
}

// inGroups reports whether r is listed as a single character in one of groups.
func (d *dinTestData) inGroups(r rune, groups ...string) bool {
	for _, g := range d.groups[r] {
		for _, want := range groups {
			if g == want {
				return true
			}
		}
	}
	return false
}

// each calls f for every entry of the given groups.
func (d *dinTestData) each(f func(e dinTestEntry), groups ...string) int {
	n := 0
	for _, e := range d.entries {
		for _, g := range groups {
			if e.group == g {
				f(e)
				n++
				break
			}
		}
	}
	return n
}

// refScan is an independent reference for dinScan built from the testdata
// list: it replaces every listed sequence (longest first, left to right) by a
// letter and then checks that every remaining rune is a single character of
// one of groups. It returns ok and the number of letters.
func (d *dinTestData) refScan(s string, groups ...string) (ok bool, letters int) {
	if !utf8.ValidString(s) {
		return false, 0
	}
	s = d.seqToLetter.Replace(s)
	for _, r := range s {
		if !d.inGroups(r, groups...) {
			return false, 0
		}
		if d.inGroups(r, "bll") {
			letters++
		}
	}
	return true, letters
}

// refValidName is the reference for ValidName.
func (d *dinTestData) refValidName(s string) bool {
	ok, letters := d.refScan(s, "bll", "bnlreq")
	return ok && letters > 0 && strings.TrimSpace(s) != "" &&
		!strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") && !strings.Contains(s, "  ")
}

// refValidLatin is the reference for ValidLatin.
func (d *dinTestData) refValidLatin(s string) bool {
	ok, _ := d.refScan(s, "bll", "bnlreq", "bnl", "bnlopt", "bnlnot")
	return ok
}

// TestDINTableMatchesList checks that the generated table din91379_table.go
// is up to date with the testdata copy of the list (run go generate if not).
func TestDINTableMatchesList(t *testing.T) {
	d := dinTestLoad(t)
	classOf := map[string]dinClass{
		"bll": dinLetter, "bnlreq": dinN1, "bnl": dinN2, "bnlopt": dinN3, "bnlnot": dinN4,
		"dc": dinDiacritic, "gl": dinExtended, "cl": dinExtended, "enl": dinExtended,
	}
	seqStart := map[rune]bool{}
	wantSeqs := map[rune][]string{}
	for _, e := range d.entries {
		if e.seq {
			r, size := utf8.DecodeRuneInString(e.text)
			seqStart[r] = true
			wantSeqs[r] = append(wantSeqs[r], e.text[size:])
		}
	}
	for r := rune(0); r < 0x3000; r++ {
		var want dinClass
		for _, g := range d.groups[r] {
			c, ok := classOf[g]
			if !ok {
				t.Fatalf("unknown group %q", g)
			}
			want |= c
		}
		if seqStart[r] {
			want |= dinSeqStart
		}
		if got := dinClassOf(r); got != want {
			t.Errorf("class of U+%04X = %08b, want %08b", r, got, want)
		}
	}
	for _, r := range []rune{-1, 0x10FFFF, 0x1F600, 0xFFFD} {
		if got := dinClassOf(r); got != 0 {
			t.Errorf("class of U+%04X = %08b, want 0", r, got)
		}
	}
	if len(dinSequences) != len(wantSeqs) {
		t.Errorf("dinSequences has %d start letters, list has %d", len(dinSequences), len(wantSeqs))
	}
	for r, want := range wantSeqs {
		got := append([]string(nil), dinSequences[r]...)
		for i := 1; i < len(got); i++ {
			if len(got[i]) > len(got[i-1]) {
				t.Errorf("sequences of U+%04X are not sorted longest first", r)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("sequences of U+%04X = %q, want %q", r, got, want)
		}
	}
}

func TestDINNameAcceptsEveryLetter(t *testing.T) {
	d := dinTestLoad(t)
	n := d.each(func(e dinTestEntry) {
		for _, s := range []string{e.text, "A" + e.text + "b", e.text + "-" + e.text, "Anna " + e.text + "."} {
			if err := ValidName(s); err != nil {
				t.Errorf("ValidName(%q) [%s]: %v", s, e.name, err)
			}
			if err := ValidLatin(s); err != nil {
				t.Errorf("ValidLatin(%q) [%s]: %v", s, e.name, err)
			}
		}
	}, "bll")
	if n != 500+149 {
		t.Errorf("tested %d letters and sequences, want 649", n)
	}
}

func TestDINNamePunctuation(t *testing.T) {
	d := dinTestLoad(t)
	// Every N1 character is allowed between letters (data type A).
	n := d.each(func(e dinTestEntry) {
		s := "Ab" + e.text + "cd"
		if err := ValidName(s); err != nil {
			t.Errorf("ValidName(%q) [%s]: %v", s, e.name, err)
		}
	}, "bnlreq")
	if n != 18 {
		t.Errorf("tested %d N1 characters, want 18", n)
	}
	// N2, N3 and N4 are not allowed in names.
	d.each(func(e dinTestEntry) {
		s := "Ab" + e.text + "cd"
		if err := ValidName(s); err == nil {
			t.Errorf("ValidName(%q) [%s %s]: want error", s, e.group, e.name)
		}
	}, "bnl", "bnlopt", "bnlnot")
}

func TestDINRefusesExtendedGroups(t *testing.T) {
	d := dinTestLoad(t)
	n := d.each(func(e dinTestEntry) {
		for _, s := range []string{e.text, "A" + e.text + "b"} {
			err := ValidName(s)
			if err == nil {
				t.Errorf("ValidName(%q) [%s %s]: want error", s, e.group, e.name)
			} else if !strings.Contains(err.Error(), "„"+e.text+"“") {
				t.Errorf("ValidName(%q): message %q does not name the character", s, err)
			}
			if err := ValidLatin(s); err == nil {
				t.Errorf("ValidLatin(%q) [%s %s]: want error", s, e.group, e.name)
			}
		}
	}, "gl", "cl", "enl")
	if n != 69+62+42 {
		t.Errorf("tested %d extended characters, want 173", n)
	}
}

func TestDINLatinAcceptsNonLetters(t *testing.T) {
	d := dinTestLoad(t)
	n := d.each(func(e dinTestEntry) {
		for _, s := range []string{e.text, "a" + e.text + "b", e.text + e.text} {
			if err := ValidLatin(s); err != nil {
				t.Errorf("ValidLatin(%q) [%s %s]: %v", s, e.group, e.name, err)
			}
		}
	}, "bnlreq", "bnl", "bnlopt", "bnlnot")
	if n != 18+60+6+4 {
		t.Errorf("tested %d non-letters, want 88", n)
	}
}

func TestDINDiacritics(t *testing.T) {
	d := dinTestLoad(t)
	// A combining mark alone, after a space or after a letter it does not
	// form a listed sequence with is refused.
	d.each(func(e dinTestEntry) {
		for _, s := range []string{e.text, "Ab " + e.text, "Q" + e.text, "ß" + e.text} {
			if err := ValidName(s); err == nil {
				t.Errorf("ValidName(%q) [%s]: want error", s, e.name)
			} else if !strings.Contains(err.Error(), "Akzentzeichen") {
				t.Errorf("ValidName(%q): message %q", s, err)
			}
			if err := ValidLatin(s); err == nil {
				t.Errorf("ValidLatin(%q) [%s]: want error", s, e.name)
			}
		}
	}, "dc")
	for _, s := range []string{
		"Mu\u0308ller",  // decomposed ü is not listed: input must be NFC
		"C\u0328",       // prefix of the listed C + ogonek + breve
		"C\u0300\u0301", // listed C̀ followed by a stray mark
		"K\u035F",       // K͟H without its H
		"K\u035Fx",
	} {
		if err := ValidName(s); err == nil {
			t.Errorf("ValidName(%q): want error", s)
		}
	}
	for _, s := range []string{"C\u0328\u0306", "L\u0325\u0304", "K\u035FH", "k\u035Fh", "Ṣ\u0304", "Ç\u0306a"} {
		if err := ValidName(s); err != nil {
			t.Errorf("ValidName(%q): %v", s, err)
		}
	}
}

func TestDINControlCharacters(t *testing.T) {
	latinAllowed := map[rune]bool{'\t': true, '\n': true, '\r': true}
	controls := []rune{0x7F}
	for r := rune(0); r < 0x20; r++ {
		controls = append(controls, r)
	}
	for r := rune(0x80); r < 0xA0; r++ {
		controls = append(controls, r)
	}
	for _, r := range controls {
		s := "Ab" + string(r) + "cd"
		err := ValidName(s)
		if err == nil {
			t.Errorf("ValidName(%q): want error", s)
		} else if !strings.Contains(err.Error(), "Steuerzeichen") {
			t.Errorf("ValidName(%q): message %q", s, err)
		}
		if err := ValidLatin(s); (err == nil) != latinAllowed[r] {
			t.Errorf("ValidLatin(%q) = %v", s, err)
		}
	}
	if err := ValidLatin("Zeile 1\r\nZeile 2\nZeile 3\tEnde"); err != nil {
		t.Errorf("multi-line text: %v", err)
	}
}

func TestValidName(t *testing.T) {
	fmtRun(t, ValidName, []fmtCase{
		{in: "Łukasz Ørsted-Ñúñez", valid: true},
		{in: "Ǧǩ", valid: true},
		{in: "Müller-Lüdenscheidt", valid: true},
		{in: "O’Brien", valid: true},
		{in: "O'Brien", valid: true},
		{in: "’t Hooft", valid: true},
		{in: "Jean-Luc", valid: true},
		{in: "Dr. Anna Lena Schmidt", valid: true},
		{in: "Schmidt, Anna", valid: true},
		{in: "Solʹženicyn", valid: true}, // U+02B9 MODIFIER LETTER PRIME (N1)
		{in: "ʿAbd al-Raḥmān", valid: true},
		{in: "Straße", valid: true},
		{in: "ẞ", valid: true},
		{in: "Mañana L\u0325\u0304", valid: true},
		{in: "A", valid: true},
		{in: "Иван", wantMsg: "Das Zeichen „И“ ist in Namen nicht zulässig."},
		{in: "Дмитрий", wantMsg: "Das Zeichen „Д“ ist in Namen nicht zulässig."},
		{in: "Anna\u0007", wantMsg: "Steuerzeichen U+0007"},
		{in: "R2D2", wantMsg: "„2“"},
		{in: "Ελένη", wantMsg: "„Ε“"},
		{in: "李小龍", wantMsg: "„李“"},
		{in: "Zoë 😀", wantMsg: "„😀“"},
		{in: "Anna\u00A0Lena", wantMsg: "U+00A0"},
		{in: "Anna\u200BLena", wantMsg: "U+200B"},
		{in: "Anna\tLena"},
		{in: "Anna\nLena"},
		{in: "Anna & Lena", wantMsg: "„&“"},
		{in: "Anna_Lena"},
		{in: "Mu\u0308ller", wantMsg: "Akzentzeichen"},
		{in: " Anna", wantMsg: "Leerzeichen beginnen oder enden"},
		{in: "Anna ", wantMsg: "Leerzeichen beginnen oder enden"},
		{in: "Anna  Lena", wantMsg: "zwei Leerzeichen"},
		{in: "", wantMsg: "Bitte geben Sie einen Namen ein."},
		{in: "   ", wantMsg: "Bitte geben Sie einen Namen ein."},
		{in: "-", wantMsg: "mindestens einen Buchstaben"},
		{in: "’.", wantMsg: "mindestens einen Buchstaben"},
		{in: "Anna\xff", wantMsg: "ungültig kodierte"},
		{in: "Anna\xc3", wantMsg: "ungültig kodierte"},
	})
}

func TestValidLatin(t *testing.T) {
	fmtRun(t, ValidLatin, []fmtCase{
		{in: "", valid: true},
		{in: "Straße 1, 3. OG (Hinterhaus) – bitte klingeln", wantMsg: "„–“"}, // en dash is not listed
		{in: "Straße 1, 3. OG (Hinterhaus), bitte klingeln!", valid: true},
		{in: "Preis: 12,50 € ± 5 %; §§ 1–3", wantMsg: "„–“"},
		{in: "Preis: 12,50 € ± 5 %; § 1", valid: true},
		{in: "E-Mail: anna@example.org", valid: true},
		{in: "Łukasz Ørsted-Ñúñez\r\nZeile 2", valid: true},
		{in: "½ ¼ ¾ ¤ ¦ ¸", valid: true},
		{in: "Tab\tund\u00A0NBSP", valid: true},
		{in: "Иван", wantMsg: "Das Zeichen „И“ ist hier nicht zulässig."},
		{in: "α", wantMsg: "„α“"},
		{in: "„Zitat“", wantMsg: "„„“"}, // German quotation marks are extended (enl)
		{in: "Text\u0007", wantMsg: "Steuerzeichen U+0007"},
		{in: "Text\u007F", wantMsg: "Steuerzeichen U+007F"},
		{in: "Text\u0000"},
		{in: "Mu\u0308ller", wantMsg: "Akzentzeichen"},
		{in: "😀"},
		{in: "\xff", wantMsg: "ungültig kodierte"},
	})
}

// FuzzValidName checks the invariant of ValidName: it never panics, and if it
// accepts s, then s is valid UTF-8, contains no control character and consists
// only of characters and sequences of the DIN 91379 list (letters and N1).
// It also compares ValidName with the reference built from the testdata list.
func FuzzValidName(f *testing.F) {
	d := dinTestLoad(f)
	for _, s := range []string{
		"Łukasz Ørsted-Ñúñez", "Ǧǩ", "Müller-Lüdenscheidt", "O’Brien", "Иван", "Anna\u0007",
		"R2D2", "", " ", "K\u035FH", "C\u0328\u0306", "Mu\u0308ller", "\xff", "Anna  Lena", "-",
		"L\u0325\u0304x", "a\u0300\u0300",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidName(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ValidName(%q): empty message", s)
			}
		} else {
			if !utf8.ValidString(s) {
				t.Fatalf("ValidName accepted invalid UTF-8 %q", s)
			}
			for _, r := range s {
				if unicode.IsControl(r) {
					t.Fatalf("ValidName accepted control character U+%04X in %q", r, s)
				}
			}
			if ok, _ := d.refScan(s, "bll", "bnlreq"); !ok {
				t.Fatalf("ValidName accepted %q with a character outside the list", s)
			}
		}
		if want := d.refValidName(s); (err == nil) != want {
			t.Fatalf("ValidName(%q) = %v, reference says valid=%v", s, err, want)
		}
	})
}

// FuzzValidLatin compares ValidLatin with the reference built from the list.
func FuzzValidLatin(f *testing.F) {
	d := dinTestLoad(f)
	for _, s := range []string{"Straße 1\r\n", "Иван", "\x00", "€ ½", "K\u035FH", "\u0301", "a\u00A0b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidLatin(s)
		if want := d.refValidLatin(s); (err == nil) != want {
			t.Fatalf("ValidLatin(%q) = %v, reference says valid=%v", s, err, want)
		}
	})
}

func BenchmarkValidName(b *testing.B) {
	for _, name := range []string{
		"Anna-Lena Müller-Lüdenscheidt",            // 29 characters, ASCII and Latin-1
		"Łukasz Ørsted-Ñúñez O’Brien",              // Latin Extended
		"Č\u0323ibor K\u035FHan L\u0325\u0304ubić", // sequences
	} {
		b.Run(strings.Fields(name)[0], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := ValidName(name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
