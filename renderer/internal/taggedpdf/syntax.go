package taggedpdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// This file reads the little of PDF syntax that completing fpdf's output needs: the extent of
// an object, the entries of a dictionary, indirect references. It is not a general PDF parser:
// it reads files as fpdf writes them (a classic cross-reference table, no object streams,
// no encryption) and refuses anything else with an error.

var errSyntax = errors.New("taggedpdf: unexpected PDF syntax")

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelimiter(c byte) bool {
	return strings.IndexByte("()<>[]{}/%", c) >= 0
}

// skipSpace returns the index of the first byte at or after i that is neither white space nor
// part of a comment.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch {
		case isSpace(b[i]):
			i++
		case b[i] == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// valueEnd returns the index just after the object that starts at b[i] (b[i] is not white
// space). An indirect reference "12 0 R" counts as one object.
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSyntax
	}
	switch c := b[i]; {
	case c == '/':
		i++
		for i < len(b) && !isSpace(b[i]) && !isDelimiter(b[i]) {
			i++
		}
		return i, nil
	case c == '(':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errSyntax
	case c == '<' && i+1 < len(b) && b[i+1] == '<':
		_, end, err := parseDictAt(b, i)
		return end, err
	case c == '<':
		j := bytes.IndexByte(b[i:], '>')
		if j < 0 {
			return 0, errSyntax
		}
		return i + j + 1, nil
	case c == '[':
		i++
		for {
			i = skipSpace(b, i)
			if i >= len(b) {
				return 0, errSyntax
			}
			if b[i] == ']' {
				return i + 1, nil
			}
			end, err := valueEnd(b, i)
			if err != nil {
				return 0, err
			}
			i = end
		}
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		end := numberEnd(b, i)
		// An integer followed by a generation number and R is a reference.
		if j := skipSpace(b, end); j < len(b) && b[j] >= '0' && b[j] <= '9' {
			if k := skipSpace(b, numberEnd(b, j)); k < len(b) && b[k] == 'R' && (k+1 == len(b) || isSpace(b[k+1]) || isDelimiter(b[k+1])) {
				return k + 1, nil
			}
		}
		return end, nil
	case c >= 'a' && c <= 'z':
		for i < len(b) && !isSpace(b[i]) && !isDelimiter(b[i]) {
			i++
		}
		return i, nil
	}
	return 0, fmt.Errorf("%w at byte %d (%q)", errSyntax, i, b[i])
}

func numberEnd(b []byte, i int) int {
	for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == '-' || b[i] == '+' || b[i] == '.') {
		i++
	}
	return i
}

// dictEntry is one entry of a dictionary: the key without its slash and the value's bytes.
type dictEntry struct {
	key   string
	value []byte
}

// dict is a dictionary whose values are kept as bytes, in their order.
type dict []dictEntry

// parseDictAt reads the dictionary that starts at b[i] ("<<") and returns it and the index
// after its ">>".
func parseDictAt(b []byte, i int) (dict, int, error) {
	if !bytes.HasPrefix(b[i:], []byte("<<")) {
		return nil, 0, errSyntax
	}
	var d dict
	i += 2
	for {
		i = skipSpace(b, i)
		if i+1 < len(b) && b[i] == '>' && b[i+1] == '>' {
			return d, i + 2, nil
		}
		if i >= len(b) || b[i] != '/' {
			return nil, 0, fmt.Errorf("%w: dictionary key expected at byte %d", errSyntax, i)
		}
		keyEnd, _ := valueEnd(b, i)
		key := string(b[i+1 : keyEnd])
		v := skipSpace(b, keyEnd)
		end, err := valueEnd(b, v)
		if err != nil {
			return nil, 0, err
		}
		d = append(d, dictEntry{key, b[v:end]})
		i = end
	}
}

// parseDict reads a dictionary that makes up the whole of b.
func parseDict(b []byte) (dict, error) {
	i := skipSpace(b, 0)
	d, end, err := parseDictAt(b, i)
	if err != nil {
		return nil, err
	}
	if skipSpace(b, end) != len(b) {
		return nil, fmt.Errorf("%w: bytes after the dictionary", errSyntax)
	}
	return d, nil
}

func (d dict) get(key string) []byte {
	for _, e := range d {
		if e.key == key {
			return e.value
		}
	}
	return nil
}

// set replaces the value of key, or adds the entry at the end.
func (d *dict) set(key, value string) {
	for i, e := range *d {
		if e.key == key {
			(*d)[i].value = []byte(value)
			return
		}
	}
	*d = append(*d, dictEntry{key, []byte(value)})
}

func (d *dict) del(key string) {
	for i, e := range *d {
		if e.key == key {
			*d = append((*d)[:i], (*d)[i+1:]...)
			return
		}
	}
}

func (d dict) appendTo(out []byte) []byte {
	out = append(out, "<<"...)
	for i, e := range d {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, '/')
		out = append(out, e.key...)
		if c := e.value[0]; c != '/' && c != '(' && c != '<' && c != '[' {
			out = append(out, ' ')
		}
		out = append(out, e.value...)
	}
	return append(out, ">>"...)
}

// parseRef reads an indirect reference "12 0 R" and returns the object number.
func parseRef(v []byte) (int, error) {
	f := bytes.Fields(v)
	if len(f) != 3 || string(f[1]) != "0" || string(f[2]) != "R" {
		return 0, fmt.Errorf("%w: %q is not a reference", errSyntax, v)
	}
	n, err := strconv.Atoi(string(f[0]))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %q is not a reference", errSyntax, v)
	}
	return n, nil
}

// parseRefArray reads an array of indirect references.
func parseRefArray(v []byte) ([]int, error) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, fmt.Errorf("%w: %q is not an array", errSyntax, v)
	}
	f := bytes.Fields(v[1 : len(v)-1])
	if len(f)%3 != 0 {
		return nil, fmt.Errorf("%w: %q is not an array of references", errSyntax, v)
	}
	refs := make([]int, 0, len(f)/3)
	for i := 0; i < len(f); i += 3 {
		n, err := parseRef(bytes.Join(f[i:i+3], []byte(" ")))
		if err != nil {
			return nil, err
		}
		refs = append(refs, n)
	}
	return refs, nil
}

func ref(n int) string { return strconv.Itoa(n) + " 0 R" }

// textString writes s as a PDF text string: literal PDFDocEncoding-compatible ASCII where it
// can, UTF-16BE with a byte order mark otherwise.
func textString(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7F {
			ascii = false
			break
		}
	}
	if ascii {
		var b strings.Builder
		b.WriteByte('(')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '(' || c == ')' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i])
		}
		b.WriteByte(')')
		return b.String()
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(hex[u>>12])
		b.WriteByte(hex[u>>8&15])
		b.WriteByte(hex[u>>4&15])
		b.WriteByte(hex[u&15])
	}
	b.WriteByte('>')
	return b.String()
}

// name writes s as a PDF name, escaping what a name cannot hold literally.
func name(s string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7E || c == '#' || isDelimiter(c) {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
