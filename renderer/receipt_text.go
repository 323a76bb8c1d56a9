package renderer

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // receipts show Europe/Berlin time on any machine
	"unicode"
	"unicode/utf8"
)

// receiptZone is the time zone every receipt is written in.
var receiptZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}()

// receiptLang returns the language a receipt is written in: "en" for English ("en", "en-GB",
// …) and German for anything else.
func receiptLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang == "en" || strings.HasPrefix(lang, "en-") || strings.HasPrefix(lang, "en_") {
		return "en"
	}
	return "de"
}

// receiptMessages are the receipt's own texts by message ID, German first. Form texts come from
// the form and its translations (forms.Form.T).
var receiptMessages = map[string]map[string]string{
	"de": {
		"receipt.title":          "Eingangsbestätigung",
		"receipt.intro":          "Ihre Angaben sind bei uns eingegangen. Bitte bewahren Sie diese Bestätigung auf und geben Sie bei Rückfragen immer die Vorgangsnummer an.",
		"receipt.reference":      "Vorgangsnummer",
		"receipt.received":       "Eingegangen am",
		"receipt.datetime":       "%s, %s Uhr",
		"receipt.service":        "Leistung",
		"receipt.leika":          "LeiKa-Schlüssel",
		"receipt.phone":          "Telefon",
		"receipt.email":          "E-Mail",
		"receipt.answers":        "Ihre Angaben",
		"receipt.empty":          "keine Angabe",
		"receipt.attachments":    "Anlagen",
		"receipt.noAttachments":  "keine Anlagen",
		"receipt.privacy":        "Datenschutzhinweis",
		"receipt.nextSteps":      "Wie geht es weiter?",
		"receipt.form":           "Formular „%s“, Version %s",
		"receipt.payloadHash":    "Prüfsumme der übermittelten Daten (SHA-512):",
		"receipt.footerHash":     "Prüfsumme %s",
		"receipt.machine":        "Diese Bestätigung wurde maschinell erstellt und ist ohne Unterschrift gültig.",
		"receipt.page":           "Seite %d von %d",
		"receipt.bytes":          "Byte",
		"receipt.attachmentHash": "SHA-512: %s",
		"receipt.payloadFile":    "Die übermittelten Daten (JSON), deren SHA-512-Prüfsumme diese Bestätigung nennt",
	},
	"en": {
		"receipt.title":          "Confirmation of receipt",
		"receipt.intro":          "We have received your details. Please keep this confirmation and always quote the reference number if you contact us.",
		"receipt.reference":      "Reference number",
		"receipt.received":       "Received on",
		"receipt.datetime":       "%s, %s",
		"receipt.service":        "Service",
		"receipt.leika":          "LeiKa key",
		"receipt.phone":          "Phone",
		"receipt.email":          "Email",
		"receipt.answers":        "Your details",
		"receipt.empty":          "not specified",
		"receipt.attachments":    "Attachments",
		"receipt.noAttachments":  "no attachments",
		"receipt.privacy":        "Data protection notice",
		"receipt.nextSteps":      "What happens next?",
		"receipt.form":           "Form “%s”, version %s",
		"receipt.payloadHash":    "Checksum of the submitted data (SHA-512):",
		"receipt.footerHash":     "Checksum %s",
		"receipt.machine":        "This confirmation was created automatically and is valid without a signature.",
		"receipt.page":           "Page %d of %d",
		"receipt.bytes":          "bytes",
		"receipt.attachmentHash": "SHA-512: %s",
		"receipt.payloadFile":    "The submitted data (JSON) whose SHA-512 checksum this confirmation names",
	},
}

// receiptMsg returns the text of a message ID in lang, German when lang has none, formatted with args.
func receiptMsg(lang, id string, args ...any) string {
	s, ok := receiptMessages[lang][id]
	if !ok {
		s = receiptMessages["de"][id]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// formatReceived writes the submission time in Europe/Berlin: "28.11.2026, 14:03 Uhr", or in
// English "28 November 2026, 14:03 CET".
func formatReceived(t time.Time, lang string) string {
	t = t.In(receiptZone)
	if lang == "en" {
		return receiptMsg(lang, "receipt.datetime", t.Format("2 January 2006"), t.Format("15:04 MST"))
	}
	return receiptMsg(lang, "receipt.datetime", t.Format("02.01.2006"), t.Format("15:04"))
}

// formatSize writes a file size in decimal units with one decimal: "512 Byte", "12,3 kB",
// "1,2 MB".
func formatSize(n int64, lang string) string {
	if n < 1000 {
		return strconv.FormatInt(max(n, 0), 10) + " " + receiptMsg(lang, "receipt.bytes")
	}
	v, unit := float64(n)/1e3, "kB"
	for _, u := range []string{"MB", "GB", "TB"} {
		if v < 999.95 {
			break
		}
		v, unit = v/1e3, u
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + unit
}

// shortHash shortens a hex hash for places where the full one would not fit: "1a2b3c4d…5e6f7a8b".
func shortHash(h string) string {
	r := []rune(h)
	if len(r) <= 20 {
		return h
	}
	return string(r[:8]) + "…" + string(r[len(r)-8:])
}

// pdfText makes text safe to draw: line breaks become "\n", tabs spaces, and control characters,
// invalid UTF-8 and characters the font cannot draw become U+FFFD, so that nothing silently
// disappears from a receipt.
func pdfText(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7F {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	fonts := pdfFonts()
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			if i < len(s) && s[i] == '\n' {
				continue
			}
			b.WriteByte('\n')
		case r == '\n', r == '\u2028', r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20, r >= 0x7F && r < 0xA0, !fonts.runes.has(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pdfLine is pdfText for texts that must stay on one line.
func pdfLine(s string) string {
	s = pdfText(s)
	if strings.IndexByte(s, '\n') >= 0 {
		s = strings.ReplaceAll(s, "\n", " ")
	}
	return s
}

// isCombiningMark reports whether r combines with the character before it.
func isCombiningMark(r rune) bool {
	return r >= 0x0300 && r <= 0x036F || unicode.In(r, unicode.Mn, unicode.Me)
}

// isDoubleMark reports whether r is a diacritic that spans its base and the following
// character (U+035C..U+0362, e.g. the COMBINING DOUBLE MACRON BELOW in "K͟H").
func isDoubleMark(r rune) bool { return r >= 0x035C && r <= 0x0362 }

// clusterEnd returns the end of the character cluster that starts at byte i of s: a base
// character with its combining marks. A line is never broken inside a cluster.
func clusterEnd(s string, i int) int {
	_, size := utf8.DecodeRuneInString(s[i:])
	j := i + size
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isCombiningMark(r) {
			break
		}
		j += size
		if isDoubleMark(r) && j < len(s) {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
	}
	return j
}
