package forms

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./internal/gendin -in testdata/din91379/latin_list_1.3.txt -out din91379_table.go

// dinClass is a bit set of the DIN 91379 groups a character belongs to.
// The tables in din91379_table.go are generated from the standard's list.
type dinClass uint8

const (
	// dinLetter marks normative Latin letters (group bll).
	dinLetter dinClass = 1 << iota
	// dinN1 marks normative non-letters required for all names (group bnlreq, N1).
	dinN1
	// dinN2 marks other normative non-letters (group bnl, N2).
	dinN2
	// dinN3 marks normative non-letters for names of legal persons (group bnlopt, N3).
	dinN3
	// dinN4 marks normative non-letters unsuitable for names (group bnlnot, N4):
	// tab, line feed, carriage return and no-break space.
	dinN4
	// dinDiacritic marks combining diacritics (group dc). They are allowed only
	// as part of a listed letter sequence.
	dinDiacritic
	// dinExtended marks the non-normative extended groups gl, cl and enl
	// (Greek, Cyrillic, other non-letters). No checker accepts them.
	dinExtended
	// dinSeqStart marks letters that begin at least one listed sequence.
	dinSeqStart
)

const (
	// dinNameClasses are the classes allowed in names of natural persons:
	// DIN 91379 data type A (letters and N1).
	dinNameClasses = dinLetter | dinN1
	// dinLatinClasses are the classes allowed in free text: DIN 91379 data
	// type C (all normative characters).
	dinLatinClasses = dinLetter | dinN1 | dinN2 | dinN3 | dinN4
)

// dinClassOf returns the DIN 91379 classes of r, or 0 if r is not listed.
func dinClassOf(r rune) dinClass {
	if r < 0 || r >= dinTableLimit {
		return 0
	}
	return dinBlocks[dinPageIndex[r>>8]][r&0xFF]
}

// dinScanResult describes the first character that dinScan refused.
type dinScanResult struct {
	bad     rune // the refused rune; utf8.RuneError for invalid UTF-8
	invalid bool // s is not valid UTF-8 at the refused position
	letters int  // number of letters (single or sequence) before the stop
	ok      bool // every character is allowed
}

// dinScan checks that s consists of listed characters whose classes intersect
// allowed. Letter sequences of the list (a letter followed by combining marks)
// are matched longest first; they count as letters. A combining mark that is
// not part of a listed sequence is refused. dinScan does not allocate.
func dinScan(s string, allowed dinClass) dinScanResult {
	var res dinScanResult
	for i := 0; i < len(s); {
		var r rune
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				res.bad, res.invalid = r, true
				return res
			}
		}
		var cls dinClass
		if r < dinTableLimit {
			cls = dinBlocks[dinPageIndex[r>>8]][r&0xFF]
		}
		if cls&allowed == 0 {
			res.bad = r
			return res
		}
		i += size
		if cls&dinLetter != 0 {
			res.letters++
			// Every listed sequence continues with a combining mark in
			// U+0300..U+036F, whose UTF-8 lead byte is 0xCC or 0xCD.
			if cls&dinSeqStart != 0 && i < len(s) && (s[i] == 0xCC || s[i] == 0xCD) {
				for _, tail := range dinSequences[r] {
					if strings.HasPrefix(s[i:], tail) {
						i += len(tail)
						break
					}
				}
			}
		}
	}
	res.ok = true
	return res
}

// dinDescribe names r for a German error message: the character in German
// quotation marks, with its code point when it is invisible or combining.
func dinDescribe(r rune) string {
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("Das Steuerzeichen U+%04X", r)
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		// Show a combining mark on a dotted circle, as Unicode charts do.
		return fmt.Sprintf("Das Akzentzeichen „\u25CC%c“ (U+%04X)", r, r)
	case r == ' ':
		return "Das Leerzeichen"
	case r == '\u00A0':
		return "Das geschützte Leerzeichen (U+00A0)"
	case unicode.IsSpace(r) || !unicode.IsGraphic(r) || unicode.Is(unicode.Cf, r):
		return fmt.Sprintf("Das unsichtbare Zeichen U+%04X", r)
	default:
		return fmt.Sprintf("Das Zeichen „%c“", r)
	}
}

var (
	errNameEmpty     = errors.New("Bitte geben Sie einen Namen ein.")
	errNameEncoding  = errors.New("Der Name enthält ungültig kodierte Zeichen. Bitte geben Sie ihn erneut ein.")
	errNameEdgeSpace = errors.New("Der Name darf nicht mit einem Leerzeichen beginnen oder enden.")
	errNameDoubleSp  = errors.New("Der Name darf keine zwei Leerzeichen hintereinander enthalten.")
	errNameNoLetter  = errors.New("Der Name muss mindestens einen Buchstaben enthalten.")
	errLatinEncoding = errors.New("Der Text enthält ungültig kodierte Zeichen. Bitte geben Sie ihn erneut ein.")
)

// dinCombineHint is appended to the message about a stray combining mark.
const dinCombineHint = " Bitte geben Sie den Buchstaben mit dem Akzent als ein Zeichen ein."

// ValidName reports whether s is a valid name of a natural person according
// to DIN 91379 data type A ("Namen natürlicher Personen"): it may contain only
// the normative Latin letters of the standard (group bll, including the listed
// letter sequences of a base letter and combining marks) and the non-letters
// N1 that the standard requires for all names (group bnlreq): space,
// apostrophe ', right single quotation mark ’, comma, hyphen-minus, full stop,
// grave accent `, tilde ~, diaeresis ¨, acute accent ´, middle dot ·, the
// modifier letters ʹ ʺ ʾ ʿ ˈ ˌ and the double dagger ‡.
//
// In addition, s must contain at least one letter, must not begin or end with
// a space and must not contain two spaces in a row. Characters are compared
// exactly as listed, without normalization: a letter that the list has as one
// precomposed character (such as "ü") is refused in decomposed form ("u" and
// U+0308); callers that accept input from arbitrary keyboards should convert
// it to NFC first. The error names the first refused character.
func ValidName(s string) error {
	res := dinScan(s, dinNameClasses)
	if !res.ok {
		if res.invalid {
			return errNameEncoding
		}
		if dinClassOf(res.bad)&dinDiacritic != 0 {
			return fmt.Errorf("%s ist in Namen an dieser Stelle nicht zulässig.%s", dinDescribe(res.bad), dinCombineHint)
		}
		return fmt.Errorf("%s ist in Namen nicht zulässig.", dinDescribe(res.bad))
	}
	if strings.TrimSpace(s) == "" {
		return errNameEmpty
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return errNameEdgeSpace
	}
	if strings.Contains(s, "  ") {
		return errNameDoubleSp
	}
	if res.letters == 0 {
		return errNameNoLetter
	}
	return nil
}

// ValidLatin reports whether s is a text made of the normative characters of
// DIN 91379 (data type C, "beliebige Zeichen"): the Latin letters and letter
// sequences (group bll) and all normative non-letters N1 to N4 (groups bnlreq,
// bnl, bnlopt and bnlnot). N4 contains tab, line feed, carriage return and
// no-break space, so ValidLatin accepts multi-line text from a textarea
// (lines ending in "\n" or "\r\n") and tabs; every other control character,
// including U+007F, is refused. Combining diacritics (group dc) are accepted
// only as part of a listed letter sequence, like in ValidName. The extended,
// non-normative groups (Greek, Cyrillic and other non-letters) are refused.
// The empty string is valid.
func ValidLatin(s string) error {
	res := dinScan(s, dinLatinClasses)
	if res.ok {
		return nil
	}
	if res.invalid {
		return errLatinEncoding
	}
	if dinClassOf(res.bad)&dinDiacritic != 0 {
		return fmt.Errorf("%s ist an dieser Stelle nicht zulässig.%s", dinDescribe(res.bad), dinCombineHint)
	}
	return fmt.Errorf("%s ist hier nicht zulässig.", dinDescribe(res.bad))
}
