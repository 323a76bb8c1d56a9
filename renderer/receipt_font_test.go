package renderer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"testing"
)

// dinListPath is the DIN 91379 character list that package forms keeps for its own tests.
const dinListPath = "../forms/testdata/din91379/latin_list_1.3.txt"

// dinEntry is one line of the DIN 91379 list: a character or a sequence of a group.
type dinEntry struct {
	group string
	runes []rune
	name  string
}

func readDINList(tb testing.TB) []dinEntry {
	tb.Helper()
	f, err := os.Open(dinListPath)
	if err != nil {
		tb.Fatalf("DIN 91379 list: %v", err)
	}
	defer f.Close()
	var list []dinEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ";")
		if len(parts) < 4 {
			continue
		}
		e := dinEntry{group: strings.TrimSpace(parts[0]), name: strings.TrimSpace(parts[3])}
		for _, hex := range strings.Fields(parts[2]) {
			v, err := strconv.ParseUint(hex, 16, 32)
			if err != nil {
				tb.Fatalf("DIN 91379 list: %q: %v", sc.Text(), err)
			}
			e.runes = append(e.runes, rune(v))
		}
		list = append(list, e)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(list) < 900 {
		tb.Fatalf("DIN 91379 list has only %d entries", len(list))
	}
	return list
}

// normativeGroups are the DIN 91379 groups every receipt must render.
var normativeGroups = map[string]bool{"bll": true, "bnlreq": true, "bnl": true, "bnlopt": true, "bnlnot": true, "dc": true}

// TestFontCoversDIN91379 parses the cmap of both embedded faces and checks that every code point
// of the normative DIN 91379 groups (letters, sequences, non-letters, combining diacritics) has
// a glyph and a slot in the PDF encodings. The control characters of group bnlnot (tab, line
// feed, carriage return) are layout, not glyphs.
func TestFontCoversDIN91379(t *testing.T) {
	list := readDINList(t)
	for style, fc := range pdfFonts().faces {
		checked := map[rune]bool{}
		for _, e := range list {
			if !normativeGroups[e.group] {
				continue
			}
			for _, r := range e.runes {
				if r < 0x20 || checked[r] {
					continue
				}
				checked[r] = true
				if !fc.runes.has(r) || fc.glyph[r] == 0 {
					t.Errorf("%s: no glyph for U+%04X (%s, group %s)", fc.name, r, e.name, e.group)
				}
				if pdfFonts().enc.slot[r] == 0 {
					t.Errorf("U+%04X (%s) has no slot in the PDF encodings", r, e.name)
				}
				if style == int(pdfRegular) && fc.width[r] == 0 && !isCombiningMark(r) {
					t.Errorf("%s: U+%04X (%s) has no width", fc.name, r, e.name)
				}
			}
		}
		if len(checked) < 600 {
			t.Fatalf("%s: checked only %d code points", fc.name, len(checked))
		}
		t.Logf("%s: %d bytes, all %d normative DIN 91379 code points covered", fc.name, len(fc.data), len(checked))
	}
}

// TestDINSequencesInOneEncoding checks that no normative DIN 91379 sequence spans two PDF
// encodings: a font switch inside a sequence could make text extraction separate a letter from
// its diacritic.
func TestDINSequencesInOneEncoding(t *testing.T) {
	for _, e := range readDINList(t) {
		if !normativeGroups[e.group] || len(e.runes) < 2 {
			continue
		}
		first := pdfFonts().enc.slot[e.runes[0]] >> 8
		for _, r := range e.runes[1:] {
			if pdfFonts().enc.slot[r]>>8 != first {
				t.Errorf("%s: U+%04X is in encoding %d, U+%04X in %d", e.name, e.runes[0], first, r, pdfFonts().enc.slot[r]>>8)
			}
		}
	}
}

// TestFontSubset cuts the faces down to a few characters and reads the result back: the cmap
// maps exactly those characters, to glyphs with the original outlines and widths, and the file
// checksum is right.
func TestFontSubset(t *testing.T) {
	text := "Łukasz Ørsted-Ñúñez L̥ K͟H Ǧǩ €…"
	var runes pdfRuneSet
	for _, r := range text {
		runes.add(r)
	}
	for _, fc := range pdfFonts().faces {
		program, _ := fc.subset(&runes)
		if len(program) > len(fc.data)/3 {
			t.Errorf("%s: subset is %d bytes of %d", fc.name, len(program), len(fc.data))
		}
		back, err := parsePDFFace(program, fc.name)
		if err != nil {
			t.Fatalf("%s: subset does not parse: %v", fc.name, err)
		}
		for _, r := range text {
			got, want := back.glyphData(int(back.glyph[r])), fc.glyphData(int(fc.glyph[r]))
			if back.glyph[r] == 0 || back.width[r] != fc.width[r] || len(got) != len(want) {
				t.Errorf("%s: U+%04X: glyph %d (%d bytes, width %d), want %d bytes, width %d", fc.name, r, back.glyph[r], len(got), back.width[r], len(want), fc.width[r])
				continue
			}
			// A composite glyph refers to its parts by their new ids; check those have the
			// same outlines.
			refs := compositeRefs(want, nil)
			for _, p := range refs {
				part, wantPart := int(binary.BigEndian.Uint16(got[p:])), int(binary.BigEndian.Uint16(want[p:]))
				if !bytes.Equal(back.glyphData(part), fc.glyphData(wantPart)) && len(compositeRefs(fc.glyphData(wantPart), nil)) == 0 {
					t.Errorf("%s: U+%04X: component %d differs from original %d", fc.name, r, part, wantPart)
				}
			}
			if len(refs) == 0 && !bytes.Equal(got, want) {
				t.Errorf("%s: U+%04X: outline differs", fc.name, r)
			}
		}
		if back.runes.has('x') {
			t.Errorf("%s: subset maps 'x', which the text does not use", fc.name)
		}
		if sum := sfntChecksum(program); sum != 0xB1B0AFBA {
			t.Errorf("%s: file checksum %#x, want 0xB1B0AFBA", fc.name, sum)
		}
	}
}
