package forms

import (
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fmtCase is one input of a table-driven format test.
type fmtCase struct {
	in      string
	valid   bool
	wantMsg string // if set, the error message must contain it
}

// fmtRun runs check on every case and verifies the verdict and, for invalid
// values, that the message is a German sentence (capitalised, ending in ".").
func fmtRun(t *testing.T, check FormatChecker, cases []fmtCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			err := check(c.in)
			if c.valid {
				if err != nil {
					t.Fatalf("want valid, got %q", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want invalid, got nil")
			}
			fmtCheckMessage(t, err)
			if c.wantMsg != "" && !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("message %q does not contain %q", err, c.wantMsg)
			}
		})
	}
}

// fmtCheckMessage verifies the shape of an error message for citizens.
func fmtCheckMessage(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	first, _ := utf8.DecodeRuneInString(msg)
	if !unicode.IsUpper(first) && first != '„' {
		t.Errorf("message %q does not begin with a capital letter", msg)
	}
	if !strings.HasSuffix(msg, ".") {
		t.Errorf("message %q does not end with a full stop", msg)
	}
}

func TestFormatsMap(t *testing.T) {
	want := []string{"bic", "iban", "kfz-kennzeichen", "latin", "name", "plz", "steuer-id", "telefon"}
	var got []string
	for k, f := range Formats {
		if f == nil {
			t.Errorf("Formats[%q] is nil", k)
		}
		got = append(got, k)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Formats keys = %v, want %v", got, want)
	}
	samples := map[string][2]string{ // valid, invalid
		"iban":            {"DE89 3704 0044 0532 0130 00", "DE89370400440532013001"},
		"bic":             {"COBADEFFXXX", "COBADEFF1"},
		"steuer-id":       {"86095742719", "12345678901"},
		"plz":             {"01067", "1067"},
		"kfz-kennzeichen": {"B-AB 1234", "B-1234"},
		"telefon":         {"+49 30 123456", "123"},
		"name":            {"Müller-Lüdenscheidt", "R2D2"},
		"latin":           {"Straße 1, 3. OG", "Иван"},
	}
	for name, s := range samples {
		t.Run(name, func(t *testing.T) {
			if err := Formats[name](s[0]); err != nil {
				t.Errorf("%q: want valid, got %q", s[0], err)
			}
			if err := Formats[name](s[1]); err == nil {
				t.Errorf("%q: want invalid", s[1])
			}
		})
	}
}

func TestValidIBAN(t *testing.T) {
	fmtRun(t, ValidIBAN, []fmtCase{
		{in: "DE89370400440532013000", valid: true},
		{in: "DE89 3704 0044 0532 0130 00", valid: true},
		{in: "de89 3704 0044 0532 0130 00", valid: true},
		{in: "DE89\u00A03704\u00A00044\u00A00532\u00A00130\u00A000", valid: true},
		{in: "AT61 1904 3002 3457 3201", valid: true},
		{in: "CH93 0076 2011 6238 5295 7", valid: true},
		{in: "NL91 ABNA 0417 1643 00", valid: true},
		{in: "FR14 2004 1010 0505 0001 3M02 606", valid: true},
		{in: "GB29 NWBK 6016 1331 9268 19", valid: true},
		{in: "BE68 5390 0754 7034", valid: true},
		{in: "NO93 8601 1117 947", valid: true},
		{in: "MT84 MALT 0110 0001 2345 MTLC AST0 01S", valid: true},
		{in: "DE89370400440532013001", wantMsg: "Die Prüfziffer der IBAN stimmt nicht."},
		{in: "DE89370400440532031000", wantMsg: "Prüfziffer"}, // transposed digits
		{in: "DE00370400440532013000", wantMsg: "Prüfziffer"},
		{in: "DE99370400440532013000", wantMsg: "Prüfziffer"},
		{in: "DE8937040044053201300", wantMsg: "22 Stellen"},
		{in: "DE893704004405320130000", wantMsg: "22 Stellen"},
		{in: "AT61190430023457320", wantMsg: "20 Stellen"},
		{in: "XX89370400440532013000", wantMsg: "Länderkennzeichen"},
		{in: "DE89-3704-0044-0532-0130-00", wantMsg: "gültige IBAN"},
		{in: "DE89 3704 0044 0532 0130 0!"},
		{in: "D589370400440532013000"},
		{in: "DEX9370400440532013000"},
		{in: "ÄE89370400440532013000"},
		{in: "DE89 3704 0044 0532 0130 0000 0000 0000 0000"},
		{in: ""},
		{in: "DE"},
		{in: "   "},
	})
}

func TestNormalizeIBAN(t *testing.T) {
	for in, want := range map[string]string{
		"de89 3704 0044 0532 0130 00":       "DE89370400440532013000",
		"DE89370400440532013000":            "DE89370400440532013000",
		" nl91\u00A0abna 0417 1643 00 ":     "NL91ABNA0417164300",
		"fr14 2004 1010 0505 0001 3m02 606": "FR1420041010050500013M02606",
		"":                                  "",
		"ÄÖ12":                              "ÄÖ12", // not validated, non-ASCII kept
		"DE89 3704 0044 0532 0130 00\u00A0\u00A0\u00A0   ": "DE89370400440532013000",
	} {
		if got := NormalizeIBAN(in); got != want {
			t.Errorf("NormalizeIBAN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidBIC(t *testing.T) {
	fmtRun(t, ValidBIC, []fmtCase{
		{in: "COBADEFFXXX", valid: true},
		{in: "MARKDEF1100", valid: true},
		{in: "DEUTDEFF", valid: true},
		{in: "DEUTDEFF500", valid: true},
		{in: "BELADEBEXXX", valid: true},
		{in: "cobadeffxxx", valid: true},
		{in: "COBADEFF1", wantMsg: "8 oder 11 Zeichen"},
		{in: "COBADEFFXX"},
		{in: "COBADEFFXXXX"},
		{in: "COB1DEFFXXX"},
		{in: "COBAD1FFXXX"},
		{in: "COBADEF_XXX"},
		{in: "COBA DE FF"},
		{in: "COBA DE FF XXX"},
		{in: "COBADEFFÄX"},
		{in: ""},
	})
}

func TestValidSteuerID(t *testing.T) {
	// An ID whose first ten digits contain one digit three times in a row;
	// its check digit is correct, but the digit rule refuses it.
	threeInARow := "1112345678"
	threeInARow += string(rune('0' + steuerIDCheckDigit([]int{1, 1, 1, 2, 3, 4, 5, 6, 7, 8})))
	// The same digits with the triple split up are valid.
	threeApart := "1121345678"
	threeApart += string(rune('0' + steuerIDCheckDigit([]int{1, 1, 2, 1, 3, 4, 5, 6, 7, 8})))

	fmtRun(t, ValidSteuerID, []fmtCase{
		{in: "86095742719", valid: true},
		{in: "86 095 742 719", valid: true},
		{in: "47036892816", valid: true},
		{in: "65929970489", valid: true}, // 9 three times, not adjacent
		{in: "57549285017", valid: true},
		{in: "25768131411", valid: true},
		{in: threeApart, valid: true},
		{in: "12345678901", wantMsg: "keine gültige"}, // no repeated digit
		{in: "86095742718", wantMsg: "Prüfziffer"},
		{in: "86095742710", wantMsg: "Prüfziffer"},
		{in: "68095742719"}, // transposed
		{in: threeInARow, wantMsg: "keine gültige"},
		{in: "11223456789", wantMsg: "keine gültige"}, // two repeated digits
		{in: "11112345678", wantMsg: "keine gültige"}, // four times
		{in: "06095742719", wantMsg: "nicht mit 0"},
		{in: "8609574271", wantMsg: "11 Ziffern"},
		{in: "860957427190", wantMsg: "11 Ziffern"},
		{in: "86095742a19", wantMsg: "11 Ziffern"},
		{in: "86/095/742/719"},
		{in: ""},
	})
}

func TestValidPLZ(t *testing.T) {
	fmtRun(t, ValidPLZ, []fmtCase{
		{in: "01067", valid: true},
		{in: "10115", valid: true},
		{in: "80331", valid: true},
		{in: "99998", valid: true},
		{in: "00123", wantMsg: "gibt es nicht"},
		{in: "00000"},
		{in: "1067", wantMsg: "5 Ziffern"},
		{in: "123456"},
		{in: "1234a"},
		{in: " 1234"},
		{in: "10 115"},
		{in: "١٢٣٤٥"}, // Arabic-Indic digits
		{in: ""},
	})
}

func TestValidKfzKennzeichen(t *testing.T) {
	fmtRun(t, ValidKfzKennzeichen, []fmtCase{
		{in: "B-AB 1234", valid: true},
		{in: "M AB 123", valid: true},
		{in: "HH-X 1", valid: true},
		{in: "S-EL 42E", valid: true},
		{in: "KA AB 12H", valid: true},
		{in: "b-ab 1234", valid: true},
		{in: "LÖB-A 1", valid: true},
		{in: "mü-x 99", valid: true},
		{in: "BAB1234", valid: true},
		{in: "B AB-1234", valid: true},
		{in: "S-EL 42 E", valid: true},
		{in: "HSK-AB 123", valid: true},
		{in: " B-AB 1234 ", valid: true},
		{in: "B-1234", wantMsg: "1 oder 2 Buchstaben"},
		{in: "ABCD-A 1", wantMsg: "1 bis 3 Buchstaben"},
		{in: "B-AB 0123", wantMsg: "nicht mit 0"},
		{in: "B-AB 12345", wantMsg: "1 bis 4 Ziffern"},
		{in: "HSK-AB 1234", wantMsg: "höchstens 8"},
		{in: "B-ABC 1"},
		{in: "B-ÄB 1"},
		{in: "B-AB"},
		{in: "B-AB 12X"},
		{in: "B-AB 1234EE"},
		{in: "bıa 1"}, // dotless i is not I
		{in: "ſ-AB 1"},
		{in: "B_AB 1", wantMsg: "nur Buchstaben"},
		{in: "B--AB 1"},
		{in: "ABCDEF 1"},
		{in: "1234"},
		{in: ""},
	})
}

func TestNormalizeKfzKennzeichen(t *testing.T) {
	for in, want := range map[string]string{
		"B-AB 1234":   "B-AB 1234",
		"b ab1234":    "B-AB 1234",
		"M AB 123":    "M-AB 123",
		"s el 42 e":   "S-EL 42E",
		"KA AB 12H":   "KA-AB 12H",
		"lö-b 7":      "LÖ-B 7",
		"B AB-1234":   "B-AB 1234",
		"BA 1":        "B-A 1",       // only one split
		"ABCDE 1":     "ABC-DE 1",    // only one split
		"BAB 1234":    "BAB 1234",    // ambiguous: B-AB or BA-B
		"MÜA 1":       "MÜ-A 1",      // letters after the district are A to Z only
		"LÖBA 1":      "LÖBA 1",      // ambiguous: LÖ-BA or LÖB-A
		" b-1234 ":    "B-1234",      // invalid: trimmed and upper-cased
		"unsinn!":     "UNSINN!",     // invalid
		"HH-X 1":      "HH-X 1",      // already canonical
		"HSK-AB 123e": "HSK-AB 123E", // suffix
	} {
		if got := NormalizeKfzKennzeichen(in); got != want {
			t.Errorf("NormalizeKfzKennzeichen(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidTelefon(t *testing.T) {
	fmtRun(t, ValidTelefon, []fmtCase{
		{in: "030 123456", valid: true},
		{in: "0171 1234567", valid: true},
		{in: "(030) 12 34 56-7", valid: true},
		{in: "+49 30 123456", valid: true},
		{in: "0049 30 123456", valid: true},
		{in: "+33 1 23 45 67 89", valid: true},
		{in: "+49 (0)30 123456", valid: true},
		{in: "030/123456", valid: true},
		{in: "030 / 12 34 56", valid: true},
		{in: "030.123.456", valid: true},
		{in: "0800 1234567", valid: true},
		{in: "123456", wantMsg: "mit Vorwahl"},
		{in: "030 12", wantMsg: "zu kurz"},
		{in: "+49 30 1234567890123456", wantMsg: "zu lang"},
		{in: "030 1234567890123456789", wantMsg: "zu lang"},
		{in: "030 12a456", wantMsg: "„a“"},
		{in: "030 123456 ☎"},
		{in: "030 +123456", wantMsg: "Pluszeichen"},
		{in: "++49 30 123456", wantMsg: "Pluszeichen"},
		{in: "(030 123456", wantMsg: "Klammern"},
		{in: "030) 123456", wantMsg: "Klammern"},
		{in: "((030)) 123456", wantMsg: "Klammern"},
		{in: "() 030 123456", wantMsg: "Klammern"},
		{in: "+0 30 123456", wantMsg: "Ländervorwahl"},
		{in: "000 30 123456", wantMsg: "Ländervorwahl"},
		{in: "+49 0030 123456", wantMsg: "Ortsvorwahl"},
		{in: "030\t123456"},
		{in: "", wantMsg: "Bitte geben Sie eine Telefonnummer ein."},
		{in: "   "},
	})
}

func TestNormalizeTelefon(t *testing.T) {
	for in, want := range map[string]string{
		"030 123456":          "+4930123456",
		"+49 30 123456":       "+4930123456",
		"0049 30 123456":      "+4930123456",
		"+49 (0)30 123456":    "+4930123456",
		"0049 (0)30 123456":   "+4930123456",
		"+49 030 123456":      "+4930123456",
		"(030) 12 34 56-7":    "+49301234567",
		"0171 1234567":        "+491711234567",
		"+33 1 23 45 67 89":   "+33123456789",
		"+41 (0)44 123 45 67": "+41441234567",
		"+1 (212) 555-0100":   "+12125550100",
		"0041 44 123 45 67":   "+41441234567",
	} {
		got, err := NormalizeTelefon(in)
		if err != nil || got != want {
			t.Errorf("NormalizeTelefon(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := NormalizeTelefon("123456"); err == nil {
		t.Errorf("NormalizeTelefon(123456) = %q, want error", got)
	}
	// E.164 allows at most 15 digits after "+".
	if _, err := NormalizeTelefon("+49 30 12345678901"); err != nil {
		t.Errorf("15 digits: %v", err)
	}
	if _, err := NormalizeTelefon("+49 30 123456789012"); err == nil {
		t.Errorf("16 digits: want error")
	}
}

func TestValidDate(t *testing.T) {
	fmtRun(t, ValidDate, []fmtCase{
		{in: "2024-02-29", valid: true},
		{in: "2000-02-29", valid: true},
		{in: "1999-12-31", valid: true},
		{in: "2024-04-30", valid: true},
		{in: "0001-01-01", valid: true},
		{in: "2023-02-29", wantMsg: "Das Datum 29.02.2023 gibt es nicht."},
		{in: "1900-02-29", wantMsg: "gibt es nicht"},
		{in: "2024-04-31", wantMsg: "gibt es nicht"},
		{in: "2024-13-01", wantMsg: "gibt es nicht"},
		{in: "2024-00-10", wantMsg: "gibt es nicht"},
		{in: "2024-01-00", wantMsg: "gibt es nicht"},
		{in: "2024-4-01", wantMsg: "Tag, Monat und Jahr"},
		{in: "24-04-01"},
		{in: "2024/04/01"},
		{in: "01.04.2024"},
		{in: "2024-04-01T00:00:00Z"},
		{in: "２０２４-04-01"},
		{in: ""},
	})
}

func BenchmarkValidIBAN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidIBAN("DE89 3704 0044 0532 0130 00"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for _, s := range []string{"name@beispiel.de", "max.mustermann+amt@stadt-musterstadt.example", "a@b.co"} {
		if err := ValidEmail(s); err != nil {
			t.Errorf("ValidEmail(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range []string{"", "@beispiel.de", "name@", "name", "name@beispiel", "na me@beispiel.de", "name@@beispiel.de", "name@beispiel.d", ".name@beispiel.de", "name@-beispiel.de", " name@beispiel.de", "name@beispiel..de", "anna@müller.de"} {
		if err := ValidEmail(s); err == nil {
			t.Errorf("ValidEmail(%q) = nil, want an error", s)
		}
	}
}

func TestValidTimeAndDateTime(t *testing.T) {
	for in, ok := range map[string]bool{
		"13:37": true, "00:00": true, "23:59:59": true, "13:37:00.5": true, "08:05:00+01:00": true, "08:05Z": true,
		"24:00": false, "13.37": false, "1:05": false, "13:60": false, "13:37 Uhr": false, "": false,
	} {
		err := ValidTime(in)
		if (err == nil) != ok {
			t.Errorf("ValidTime(%q) = %v, want ok=%v", in, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "13:37") {
			t.Errorf("ValidTime(%q): message %q gives no example", in, err)
		}
	}
	for in, ok := range map[string]bool{
		"2026-12-07T13:37:00+01:00": true, "2026-07-01T08:00:00Z": true, "2026-07-01t08:00:00z": true,
		"2026-12-07 13:37": false, "07.12.2026 13:37": false, "2026-12-07T13:37": false, "2026-02-30T10:00:00Z": false,
	} {
		if err := ValidDateTime(in); (err == nil) != ok {
			t.Errorf("ValidDateTime(%q) = %v, want ok=%v", in, err, ok)
		}
	}
}
