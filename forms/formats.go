package forms

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// FormatChecker validates one string value. It returns nil if the value is
// valid, or an error whose message is a short German sentence that tells the
// citizen what is wrong and what to do, for example
// "Die Prüfziffer der IBAN stimmt nicht. Bitte prüfen Sie Ihre Eingabe.".
type FormatChecker func(s string) error

// Formats maps the format names that ozgform adds to JSON Schema ("format"
// keyword) to their checkers. Callers must not modify the map.
var Formats = map[string]FormatChecker{
	"iban":            ValidIBAN,
	"bic":             ValidBIC,
	"steuer-id":       ValidSteuerID,
	"plz":             ValidPLZ,
	"kfz-kennzeichen": ValidKfzKennzeichen,
	"telefon":         ValidTelefon,
	"name":            ValidName,
	"latin":           ValidLatin,
}

// fmtIsDigit reports whether c is an ASCII digit.
func fmtIsDigit(c byte) bool { return '0' <= c && c <= '9' }

// fmtIsUpper reports whether c is an ASCII upper-case letter.
func fmtIsUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

// fmtUpperASCII returns c in upper case if it is an ASCII letter.
func fmtUpperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// ---------------------------------------------------------------- IBAN

// ibanLengths holds the IBAN length of every country of the SWIFT IBAN
// registry (ISO 13616). All SEPA countries are included.
var ibanLengths = map[string]int{
	// SEPA: EU and EEA.
	"AT": 20, "BE": 16, "BG": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FR": 27, "GR": 27, "HR": 21, "HU": 28,
	"IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
	"SI": 19, "SK": 24,
	// SEPA: other participants.
	"AD": 24, "AL": 28, "CH": 21, "GB": 22, "GI": 23, "MC": 27, "MD": 24,
	"ME": 22, "MK": 19, "RS": 22, "SM": 27, "VA": 22,
	// Other countries of the IBAN registry.
	"AE": 23, "AZ": 28, "BA": 20, "BH": 22, "BI": 27, "BR": 29, "BY": 28,
	"CR": 22, "DJ": 27, "DO": 28, "EG": 29, "FK": 18, "FO": 18, "GE": 22,
	"GL": 18, "GT": 28, "HN": 28, "IL": 23, "IQ": 23, "JO": 30, "KW": 30,
	"KZ": 20, "LB": 28, "LC": 32, "LY": 25, "MN": 20, "MR": 27, "MU": 30,
	"NI": 28, "OM": 23, "PK": 24, "PS": 29, "QA": 29, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
	"TR": 26, "UA": 29, "VG": 24, "XK": 20, "YE": 30,
}

var (
	errIBANSyntax   = errors.New("Bitte geben Sie eine gültige IBAN ein (z. B. DE89 3704 0044 0532 0130 00).")
	errIBANChecksum = errors.New("Die Prüfziffer der IBAN stimmt nicht. Bitte prüfen Sie Ihre Eingabe.")
)

// fmtIsSpaceSep reports whether r is a space that may group the characters of
// an IBAN, a Steuer-ID or a phone number: a space or a no-break space.
func fmtIsSpaceSep(r rune) bool { return r == ' ' || r == '\u00A0' }

// NormalizeIBAN returns s in upper case with all spaces (including no-break
// spaces) removed, the form in which an IBAN is stored and transmitted. It does
// not validate s.
func NormalizeIBAN(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if fmtIsSpaceSep(r) {
			continue
		}
		if r < utf8.RuneSelf {
			b.WriteByte(fmtUpperASCII(byte(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidIBAN reports whether s is a valid IBAN according to ISO 13616: a
// two-letter country code, two check digits and the national account number
// (BBAN) of the length registered for the country, with the ISO 7064
// MOD 97-10 checksum equal to 1. Letters may be upper or lower case, and the
// characters may be grouped by spaces ("DE89 3704 0044 0532 0130 00").
// Countries missing from the IBAN registry are refused.
func ValidIBAN(s string) error {
	// Collect the characters without spaces, upper-cased, in a fixed buffer
	// (the longest IBAN has 34 characters).
	var buf [34]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			continue
		case c == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0: // no-break space
			i++
			continue
		case fmtIsDigit(c) || fmtIsUpper(fmtUpperASCII(c)):
			if n == len(buf) {
				return errIBANSyntax
			}
			buf[n] = fmtUpperASCII(c)
			n++
		default:
			return errIBANSyntax
		}
	}
	iban := buf[:n]
	if n < 5 || !fmtIsUpper(iban[0]) || !fmtIsUpper(iban[1]) || !fmtIsDigit(iban[2]) || !fmtIsDigit(iban[3]) {
		return errIBANSyntax
	}
	want, ok := ibanLengths[string(iban[:2])] // no allocation for this lookup
	if !ok {
		return fmt.Errorf("„%s“ ist kein bekanntes Länderkennzeichen für IBANs. Bitte prüfen Sie die ersten beiden Buchstaben.", string(iban[:2]))
	}
	if n != want {
		return fmt.Errorf("Eine IBAN mit dem Länderkennzeichen %s hat %d Stellen, Ihre Eingabe hat %d. Bitte prüfen Sie Ihre Eingabe.", string(iban[:2]), want, n)
	}
	// Check digits 00, 01 and 99 cannot result from the computation.
	if cd := (iban[2]-'0')*10 + iban[3] - '0'; cd < 2 || cd > 98 {
		return errIBANChecksum
	}
	// MOD 97-10: move the first four characters to the end, replace letters
	// by 10..35 and compute the remainder digit by digit.
	rem := 0
	for i := 0; i < n; i++ {
		c := iban[(i+4)%n]
		if fmtIsDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	if rem != 1 {
		return errIBANChecksum
	}
	return nil
}

// ---------------------------------------------------------------- BIC

var errBIC = errors.New("Bitte geben Sie eine gültige BIC mit 8 oder 11 Zeichen ein (z. B. COBADEFFXXX).")

// ValidBIC reports whether s is a valid BIC (business identifier code)
// according to ISO 9362: 8 or 11 characters, namely four letters for the
// institution, two letters for the country, two letters or digits for the
// location and optionally three letters or digits for the branch, for example
// "COBADEFFXXX" or "MARKDEF1100". Lower-case letters are accepted; spaces are
// not.
func ValidBIC(s string) error {
	if len(s) != 8 && len(s) != 11 {
		return errBIC
	}
	for i := 0; i < len(s); i++ {
		c := fmtUpperASCII(s[i])
		if i < 6 {
			if !fmtIsUpper(c) {
				return errBIC
			}
		} else if !fmtIsUpper(c) && !fmtIsDigit(c) {
			return errBIC
		}
	}
	return nil
}

// ---------------------------------------------------------------- Steuer-ID

var (
	errSteuerIDSyntax   = errors.New("Die Steuerliche Identifikationsnummer besteht aus 11 Ziffern. Bitte prüfen Sie Ihre Eingabe.")
	errSteuerIDZero     = errors.New("Die Steuerliche Identifikationsnummer beginnt nicht mit 0. Bitte prüfen Sie Ihre Eingabe.")
	errSteuerIDDigits   = errors.New("Dies ist keine gültige Steuerliche Identifikationsnummer. Bitte prüfen Sie Ihre Eingabe.")
	errSteuerIDChecksum = errors.New("Die Prüfziffer der Steuerlichen Identifikationsnummer stimmt nicht. Bitte prüfen Sie Ihre Eingabe.")
)

// ValidSteuerID reports whether s is a valid German tax identification number
// (Steuerliche Identifikationsnummer, § 139b AO). It has 11 digits and does
// not begin with 0. Among the first ten digits exactly one digit occurs two or
// three times and every other digit at most once; a digit that occurs three
// times must not occur in three adjacent positions. The eleventh digit is the
// check digit according to ISO 7064 MOD 11,10. Spaces between the digits are
// allowed ("86 095 742 719").
func ValidSteuerID(s string) error {
	var d [11]int
	n := 0
	for _, r := range s {
		switch {
		case fmtIsSpaceSep(r):
			continue
		case r >= '0' && r <= '9' && n < len(d):
			d[n] = int(r - '0')
			n++
		default:
			return errSteuerIDSyntax
		}
	}
	if n != len(d) {
		return errSteuerIDSyntax
	}
	if d[0] == 0 {
		return errSteuerIDZero
	}

	var count [10]int
	for _, x := range d[:10] {
		count[x]++
	}
	repeated := -1
	for digit, c := range count {
		switch {
		case c <= 1:
		case c <= 3 && repeated < 0:
			repeated = digit
		default: // more than three times, or a second repeated digit
			return errSteuerIDDigits
		}
	}
	if repeated < 0 {
		return errSteuerIDDigits
	}
	if count[repeated] == 3 {
		for i := 0; i+2 < 10; i++ {
			if d[i] == repeated && d[i+1] == repeated && d[i+2] == repeated {
				return errSteuerIDDigits
			}
		}
	}

	if steuerIDCheckDigit(d[:10]) != d[10] {
		return errSteuerIDChecksum
	}
	return nil
}

// steuerIDCheckDigit computes the ISO 7064 MOD 11,10 check digit of digits.
func steuerIDCheckDigit(digits []int) int {
	product := 10
	for _, x := range digits {
		sum := (x + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	return check
}

// ---------------------------------------------------------------- PLZ

var (
	errPLZSyntax = errors.New("Eine Postleitzahl besteht aus 5 Ziffern (z. B. 10115).")
	errPLZRange  = errors.New("Diese Postleitzahl gibt es nicht. Bitte prüfen Sie Ihre Eingabe.")
)

// ValidPLZ reports whether s is a German postal code (Postleitzahl): exactly
// five digits, kept as a string so that leading zeros survive ("01067"). Codes
// beginning with "00" are not assigned and are refused.
func ValidPLZ(s string) error {
	if len(s) != 5 {
		return errPLZSyntax
	}
	for i := 0; i < len(s); i++ {
		if !fmtIsDigit(s[i]) {
			return errPLZSyntax
		}
	}
	if s[0] == '0' && s[1] == '0' {
		return errPLZRange
	}
	return nil
}

// ---------------------------------------------------------------- Kfz-Kennzeichen

var (
	errKfzSyntax     = errors.New("Bitte geben Sie ein gültiges Kfz-Kennzeichen ein (z. B. B-AB 1234).")
	errKfzDistrict   = errors.New("Das Unterscheidungszeichen (die Buchstaben für Kreis oder Stadt, z. B. „B“ oder „HH“) hat 1 bis 3 Buchstaben.")
	errKfzLetters    = errors.New("Nach dem Unterscheidungszeichen folgen 1 oder 2 Buchstaben ohne Umlaute (z. B. B-AB 1234).")
	errKfzNumber     = errors.New("Am Ende des Kfz-Kennzeichens steht eine Zahl mit 1 bis 4 Ziffern (z. B. B-AB 1234).")
	errKfzLeadZero   = errors.New("Die Zahl im Kfz-Kennzeichen darf nicht mit 0 beginnen.")
	errKfzTooLong    = errors.New("Ein Kfz-Kennzeichen hat höchstens 8 Buchstaben und Ziffern (ohne E oder H am Ende).")
	errKfzCharacters = errors.New("Ein Kfz-Kennzeichen enthält nur Buchstaben, Ziffern, Leerzeichen und Bindestriche, am Ende eventuell E oder H.")
)

// kfzPlate is a parsed German number plate.
type kfzPlate struct {
	district string // Unterscheidungszeichen; empty if the split is ambiguous
	letters  string // Erkennungsbuchstaben; with district empty: district and letters together
	number   string // Erkennungsnummer
	suffix   string // "", "E" or "H"
}

// kfzIsLetter reports whether r may appear in an Unterscheidungszeichen.
func kfzIsLetter(r rune) bool {
	return ('A' <= r && r <= 'Z') || r == 'Ä' || r == 'Ö' || r == 'Ü'
}

// kfzAZ reports whether s consists of the letters A to Z only.
func kfzAZ(s string) bool {
	for i := 0; i < len(s); i++ {
		if !fmtIsUpper(s[i]) {
			return false
		}
	}
	return true
}

// kfzSplits returns the number of ways to split run (district and letters
// written without separator) into an Unterscheidungszeichen of 1 to 3 letters
// and 1 or 2 Erkennungsbuchstaben A to Z, and the district of the last one.
func kfzSplits(run []rune) (n int, district int) {
	for k := 1; k <= 3 && k < len(run); k++ {
		rest := len(run) - k
		if rest > 2 {
			continue
		}
		if kfzAZ(string(run[k:])) {
			n++
			district = k
		}
	}
	return n, district
}

// parseKfz parses s, which is trimmed and upper-cased by the caller.
func parseKfz(s string) (kfzPlate, error) {
	var p kfzPlate
	rs := []rune(s)
	i := 0
	takeLetters := func() []rune {
		start := i
		for i < len(rs) && kfzIsLetter(rs[i]) {
			i++
		}
		return rs[start:i]
	}
	takeSep := func() bool {
		if i < len(rs) && (rs[i] == ' ' || rs[i] == '-') {
			i++
			return true
		}
		return false
	}

	first := takeLetters()
	var second []rune
	if takeSep() {
		second = takeLetters()
		if len(second) > 0 {
			takeSep()
		}
	}
	start := i
	for i < len(rs) && rs[i] >= '0' && rs[i] <= '9' {
		i++
	}
	number := string(rs[start:i])
	if i < len(rs) && rs[i] == ' ' && i+1 < len(rs) && (rs[i+1] == 'E' || rs[i+1] == 'H') {
		i++
	}
	if i < len(rs) && (rs[i] == 'E' || rs[i] == 'H') && number != "" {
		p.suffix = string(rs[i])
		i++
	}
	if i != len(rs) {
		for _, r := range rs[i:] {
			if !kfzIsLetter(r) && !(r >= '0' && r <= '9') && r != ' ' && r != '-' {
				return p, errKfzCharacters
			}
		}
		return p, errKfzSyntax
	}

	if len(first) == 0 {
		return p, errKfzSyntax
	}
	if len(second) > 0 {
		if len(first) > 3 {
			return p, errKfzDistrict
		}
		if len(second) > 2 || !kfzAZ(string(second)) {
			return p, errKfzLetters
		}
		p.district, p.letters = string(first), string(second)
	} else {
		// District and letters without separator: some split must work.
		n, k := kfzSplits(first)
		switch {
		case len(first) < 2:
			return p, errKfzLetters
		case n == 0 && len(first) > 5:
			return p, errKfzSyntax
		case n == 0:
			return p, errKfzLetters
		case n == 1:
			p.district, p.letters = string(first[:k]), string(first[k:])
		default:
			p.letters = string(first)
		}
	}

	if number == "" || len(number) > 4 {
		return p, errKfzNumber
	}
	if number[0] == '0' {
		return p, errKfzLeadZero
	}
	p.number = number
	if utf8.RuneCountInString(p.district)+utf8.RuneCountInString(p.letters)+len(p.number) > 8 {
		return p, errKfzTooLong
	}
	return p, nil
}

// kfzUpper upper-cases the letters a to z, ä, ö and ü and leaves every other
// rune unchanged (unlike strings.ToUpper, which also maps "ı" and "ſ" to
// ASCII letters).
func kfzUpper(r rune) rune {
	switch {
	case 'a' <= r && r <= 'z':
		return r - 'a' + 'A'
	case r == 'ä':
		return 'Ä'
	case r == 'ö':
		return 'Ö'
	case r == 'ü':
		return 'Ü'
	}
	return r
}

// ValidKfzKennzeichen reports whether s is a German vehicle number plate:
// the Unterscheidungszeichen of 1 to 3 letters (A to Z, Ä, Ö, Ü), the
// Erkennungsbuchstaben of 1 or 2 letters A to Z, and the Erkennungsnummer of 1
// to 4 digits not beginning with 0, optionally followed by "E" (electric
// vehicle) or "H" (historic vehicle). The parts may be separated by a space or
// a hyphen, and the separators may be left out; letters may be lower case. The
// plate has at most 8 letters and digits, not counting E or H. Examples:
// "B-AB 1234", "M AB 123", "HH-X 1", "S-EL 42E", "KA AB 12H".
func ValidKfzKennzeichen(s string) error {
	_, err := parseKfz(strings.Map(kfzUpper, strings.TrimSpace(s)))
	return err
}

// NormalizeKfzKennzeichen returns the canonical form of the number plate s:
// upper case, a hyphen after the Unterscheidungszeichen and a space before the
// number, for example "B-AB 1234" for "b ab1234" and "S-EL 42E" for "s el 42 e".
// If s was written without separator between Unterscheidungszeichen and
// Erkennungsbuchstaben and the split is ambiguous ("BAB 1234" may be
// "B-AB 1234" or "BA-B 1234"), the letters stay together ("BAB 1234"). An
// invalid s is returned trimmed and upper-cased.
func NormalizeKfzKennzeichen(s string) string {
	s = strings.Map(kfzUpper, strings.TrimSpace(s))
	p, err := parseKfz(s)
	if err != nil {
		return s
	}
	if p.district == "" {
		return p.letters + " " + p.number + p.suffix
	}
	return p.district + "-" + p.letters + " " + p.number + p.suffix
}

// ---------------------------------------------------------------- Telefon

var (
	errTelEmpty    = errors.New("Bitte geben Sie eine Telefonnummer ein.")
	errTelPlus     = errors.New("Das Pluszeichen darf nur am Anfang der Telefonnummer stehen.")
	errTelParens   = errors.New("Die Klammern in der Telefonnummer sind nicht richtig gesetzt.")
	errTelShort    = errors.New("Die Telefonnummer ist zu kurz. Bitte geben Sie die vollständige Nummer mit Vorwahl ein.")
	errTelLong     = errors.New("Die Telefonnummer ist zu lang. Bitte prüfen Sie Ihre Eingabe.")
	errTelPrefix   = errors.New("Bitte geben Sie die Telefonnummer mit Vorwahl ein (z. B. 030 123456 oder +49 30 123456).")
	errTelCountry  = errors.New("Nach „+“ oder „00“ folgt die Ländervorwahl, die nicht mit 0 beginnt (z. B. +49 für Deutschland).")
	errTelAreaCode = errors.New("Nach der 0 folgt die Ortsvorwahl, die nicht mit 0 beginnt (z. B. 030 für Berlin).")
)

// Limits of the phone number formats.
const (
	telMinDigits   = 6  // digits typed, including prefixes
	telMaxDigits   = 20 // digits typed, including prefixes
	telE164MaxSize = 15 // digits of an E.164 number after "+"
)

// ValidTelefon reports whether s is a phone number with area code, written
// either nationally ("030 123456", "0171 1234567", "(030) 12 34 56-7") or
// internationally ("+49 30 123456", "0049 30 123456", "+33 1 23 45 67 89",
// also "+49 (0)30 123456"). It may contain digits, spaces, a leading "+",
// parentheses, "/", "-" and "."; it has 6 to 20 digits, and its E.164 form
// (see NormalizeTelefon) at most 15.
func ValidTelefon(s string) error {
	_, err := NormalizeTelefon(s)
	return err
}

// NormalizeTelefon returns the phone number s in E.164 form, for example
// "+4930123456" for "030 123456", "+49 30 123456", "0049 30 123456" and
// "+49 (0)30 123456". A national number (beginning with a single 0) is taken
// as German: the 0 is replaced by +49. The international prefix "00" is
// replaced by "+". A trunk prefix "(0)" after the country code is dropped, and
// so is a 0 directly after +49 ("+49 030 …"), which is a common mistake.
// The error is the one ValidTelefon returns.
func NormalizeTelefon(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errTelEmpty
	}
	// Collect the digits; remember the position of a "(0)" group.
	var digits [telMaxDigits]byte
	n := 0
	plus := false
	trunk := -1 // index in digits of the 0 in "(0)", or -1
	open := -1  // index in digits where the open parenthesis began, or -1
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if n == len(digits) {
				return "", errTelLong
			}
			digits[n] = byte(r)
			n++
		case r == '+':
			if i != 0 {
				return "", errTelPlus
			}
			plus = true
		case r == '(':
			if open >= 0 {
				return "", errTelParens
			}
			open = n
		case r == ')':
			if open < 0 || open == n {
				return "", errTelParens
			}
			if n == open+1 && digits[open] == '0' && trunk < 0 {
				trunk = open
			}
			open = -1
		case r == ' ' || r == '/' || r == '-' || r == '.' || r == '\u00A0':
		default:
			return "", fmt.Errorf("%s ist in Telefonnummern nicht zulässig. Erlaubt sind Ziffern, Leerzeichen, Klammern, Schrägstrich, Bindestrich, Punkt und ein Pluszeichen am Anfang.", dinDescribe(r))
		}
	}
	if open >= 0 {
		return "", errTelParens
	}
	if n < telMinDigits {
		return "", errTelShort
	}

	var e164 []byte
	switch {
	case plus || (digits[0] == '0' && digits[1] == '0'):
		rest := digits[:n]
		if !plus {
			rest = rest[2:]
			trunk -= 2
		}
		if rest[0] == '0' {
			return "", errTelCountry
		}
		e164 = make([]byte, 0, 1+len(rest))
		e164 = append(e164, '+')
		for i, c := range rest {
			if i == trunk && i >= 1 && i <= 3 {
				continue // "(0)" after a country code of 1 to 3 digits: "+49 (0)30 …"
			}
			e164 = append(e164, c)
		}
		if len(e164) > 3 && e164[1] == '4' && e164[2] == '9' && e164[3] == '0' {
			e164 = append(e164[:3], e164[4:]...) // "+49 030 …"
		}
	case digits[0] == '0':
		e164 = make([]byte, 0, 2+n)
		e164 = append(e164, "+49"...)
		e164 = append(e164, digits[1:n]...)
	default:
		return "", errTelPrefix
	}
	if len(e164)-1 > telE164MaxSize {
		return "", errTelLong
	}
	if len(e164)-1 < telMinDigits {
		return "", errTelShort
	}
	if e164[1] == '4' && e164[2] == '9' && e164[3] == '0' {
		return "", errTelAreaCode
	}
	return string(e164), nil
}

// ---------------------------------------------------------------- Date

var errDateSyntax = errors.New("Bitte geben Sie das Datum mit Tag, Monat und Jahr ein, zum Beispiel 28.11.2026.")

// ValidDate reports whether s is a calendar date in the form "YYYY-MM-DD"
// (ISO 8601, the "full-date" of RFC 3339) that exists, so "2024-02-29" is
// valid and "2023-02-29" is not.
func ValidDate(s string) error {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return errDateSyntax
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !fmtIsDigit(s[i]) {
			return errDateSyntax
		}
	}
	num := func(a, b int) int {
		v := 0
		for _, c := range []byte(s[a:b]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	if month < 1 || month > 12 || day < 1 || day > dateDaysIn(year, month) {
		return fmt.Errorf("Das Datum %s.%s.%s gibt es nicht. Bitte prüfen Sie Ihre Eingabe.", s[8:10], s[5:7], s[0:4])
	}
	return nil
}

// dateDaysIn returns the number of days of month (1..12) in year of the
// proleptic Gregorian calendar.
func dateDaysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}

// ValidEmail checks an e-mail address the way citizens type it: one "@", a non-empty local
// part without spaces, and a domain with at least one dot and a top-level domain of two or more
// letters, all in ASCII (the "email" format of JSON Schema; umlaut domains are "idn-email").
// It is stricter than the bare syntax of RFC 5322, which accepts "@beispiel.de".
func ValidEmail(s string) error {
	bad := errors.New("Bitte geben Sie eine gültige E-Mail-Adresse ein (z. B. name@beispiel.de).")
	if len(s) > 254 || strings.TrimSpace(s) != s {
		return bad
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return bad
	}
	for _, r := range local {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>[]:;\,"`, r) {
			return bad
		}
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return bad
		}
		for _, r := range label {
			if !(r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-') {
				return bad
			}
		}
	}
	tld := labels[len(labels)-1]
	if len([]rune(tld)) < 2 {
		return bad
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) && !(strings.HasPrefix(tld, "xn--")) {
			return bad
		}
	}
	return nil
}

// ---------------------------------------------------------------- time and date-time

var timePattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])(:([0-5][0-9]|60)(\.[0-9]+)?)?(Z|z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$`)

// ValidTime checks a time of day. Unlike RFC 3339's full-time (which JSON Schema's "time"
// means), the offset may be missing: "13:37" is what a citizen means, a local time in
// Germany. ozgform stores what the web form sends in the canonical form HH:MM:SS
// ("13:37:00"), without offset; values with seconds or an offset stay valid.
func ValidTime(s string) error {
	if !timePattern.MatchString(s) {
		return errors.New("Bitte geben Sie die Uhrzeit als Stunde und Minute an, zum Beispiel 13:37.")
	}
	return nil
}

// ValidDateTime checks an RFC 3339 date and time with offset ("2026-12-07T13:37:00+01:00"),
// which JSON Schema's "date-time" means; the web form writes it from what the citizen types
// ("07.12.2026 13:37") with the offset of Europe/Berlin on that day.
func ValidDateTime(s string) error {
	if _, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s)); err != nil {
		return errors.New("Bitte geben Sie Datum und Uhrzeit an, zum Beispiel 07.12.2026 13:37.")
	}
	return nil
}
