package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// ReferenceAlphabet is the alphabet of Vorgangsnummern and resume codes: digits and capital
// letters without the ones people confuse when reading aloud or typing (0/O, 1/I). It has 32
// characters, so every character carries 5 bits.
const ReferenceAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// resumeCodeChars is the length of a resume code: 28 characters of 5 bits are 140 bits of
// randomness, shown as 7 groups of 4 ("K7QF-…").
const resumeCodeChars = 28

// ReferencePrefix returns the prefix of a form's Vorgangsnummern: the manifest's
// referencePrefix, or the first three letters of the form id in capitals ("hundesteuer" →
// "HUN").
func ReferencePrefix(form *forms.Form) string {
	if p := form.Manifest.ReferencePrefix; p != "" {
		return p
	}
	var b strings.Builder
	for _, r := range form.Manifest.ID {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
			if b.Len() == 3 {
				break
			}
		}
	}
	for b.Len() < 2 {
		b.WriteByte('X') // a form id without letters; the prefix still has its 2–4 letters
	}
	return strings.ToUpper(b.String())
}

// NewReference returns a random Vorgangsnummer for a form: the prefix, then two groups of
// four characters from [ReferenceAlphabet], e.g. "HST-7K3F-9QX2". Eight characters are 40
// bits: collisions are rare and the store refuses them (the caller tries again), but a
// Vorgangsnummer is no secret and grants no access.
func NewReference(prefix string, random io.Reader) (string, error) {
	chars, err := randomChars(random, 8)
	if err != nil {
		return "", err
	}
	return prefix + "-" + chars[:4] + "-" + chars[4:], nil
}

// newResumeCode returns a random resume code in groups of four ("K7QF-9QX2-…").
func newResumeCode(random io.Reader) (string, error) {
	chars, err := randomChars(random, resumeCodeChars)
	if err != nil {
		return "", err
	}
	return groups(chars), nil
}

// groups writes s in groups of four separated by hyphens.
func groups(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// NormalizeResumeCode turns what a citizen typed or pasted into the canonical code: letters in
// capitals, hyphens and spaces regrouped. It returns "" when the result cannot be a resume code
// (a wrong length, or a character that is never issued, such as 0, O, 1 or I).
func NormalizeResumeCode(s string) string {
	if len(s) > 200 {
		return ""
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\u00a0' || r == '\t':
			continue
		case strings.ContainsRune(ReferenceAlphabet, r):
			b.WriteRune(r)
		default:
			return ""
		}
	}
	if b.Len() != resumeCodeChars {
		return ""
	}
	return groups(b.String())
}

// hashResumeCode is what the store keeps of a resume code: the hex SHA-256 of its canonical
// form. The code has 140 bits of randomness, so a plain hash cannot be reversed by guessing.
func hashResumeCode(code string) string {
	sum := sha256.Sum256([]byte("ozgform resume code\x00" + code))
	return hex.EncodeToString(sum[:])
}

// randomChars returns n characters from ReferenceAlphabet, each from 5 random bits.
func randomChars(random io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(random, buf); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	for i, b := range buf {
		buf[i] = ReferenceAlphabet[b&31] // 32 divides 256: no modulo bias
	}
	return string(buf), nil
}
