package forms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// Limits that keep a hostile or broken form file from exhausting the server.
const (
	// MaxFileSize is the largest form file (schema, layout, manifest, translation) accepted.
	MaxFileSize = 4 << 20
	// MaxNesting is the deepest nesting of JSON objects and arrays accepted in a form file.
	MaxNesting = 64
)

// jsonIndex maps JSON pointers to the byte offsets of the values they name in one file, so that
// problems can be reported with line and column.
type jsonIndex struct {
	data    []byte
	dupes   []string // pointers of object members that occur more than once
	once    sync.Once
	offsets map[string]int // built on first use by position
}

// position returns the 1-based line and column of the value at pointer, or of its nearest
// ancestor that exists.
func (ix *jsonIndex) position(pointer string) (line, col int) {
	for {
		if off, ok := ix.offset(pointer); ok {
			return lineCol(ix.data, off)
		}
		if pointer == "" {
			return 0, 0
		}
		i := strings.LastIndexByte(pointer, '/')
		if i < 0 {
			return 0, 0
		}
		pointer = pointer[:i]
	}
}

// offset returns the byte offset of the value at pointer. The offsets are indexed on first use.
func (ix *jsonIndex) offset(pointer string) (int, bool) {
	ix.once.Do(func() {
		if ix.offsets != nil {
			return
		}
		ix.offsets = map[string]int{}
		if _, _, ok := fastParseIndex(ix.data, ix.offsets); !ok {
			clear(ix.offsets)
			dec := json.NewDecoder(bytes.NewReader(ix.data))
			dec.UseNumber()
			_, _ = ix.value(dec, "", nil)
		}
	})
	off, ok := ix.offsets[pointer]
	return off, ok
}

func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	col = 1 + len([]rune(string(data[start:off])))
	return line, col
}

// jsonSyntaxError is a JSON parse failure located in its file.
type jsonSyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *jsonSyntaxError) Error() string { return e.Msg }

// parseJSON checks size and nesting and decodes data with numbers kept exact (json.Number).
// The index it returns locates values on first use: most files have no problem to locate.
// Valid documents are decoded by a byte scanner (jsonfast.go); the token-based decoder, which
// took a fifth of loading a form, now only words syntax errors.
func parseJSON(data []byte) (any, *jsonIndex, error) { return parseJSONIndexed(data, false) }

// parseJSONIndexed is parseJSON that, with indexNow, indexes the offsets in the same pass: the
// model builder orders schema properties by their offsets, so schema files are always indexed.
func parseJSONIndexed(data []byte, indexNow bool) (any, *jsonIndex, error) {
	if len(data) > MaxFileSize {
		return nil, nil, &jsonSyntaxError{Line: 1, Column: 1, Msg: fmt.Sprintf("Die Datei ist zu groß (%d Bytes, höchstens %d Bytes erlaubt).", len(data), MaxFileSize)}
	}
	if err := checkNesting(data); err != nil {
		return nil, nil, err
	}
	var offsets map[string]int
	if indexNow {
		offsets = map[string]int{}
	}
	if v, dupes, ok := fastParseIndex(data, offsets); ok {
		return v, &jsonIndex{data: data, dupes: dupes, offsets: offsets}, nil
	}
	// Invalid (or unusual) input: the token-based decoder finds and words the error.
	ix := &jsonIndex{data: data, offsets: map[string]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := ix.value(dec, "", &ix.dupes)
	if err != nil {
		return nil, nil, syntaxError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := lineCol(data, int(dec.InputOffset()))
		return nil, nil, &jsonSyntaxError{Line: line, Column: col, Msg: "Nach dem JSON-Wert folgen weitere Zeichen."}
	}
	return v, ix, nil
}

func syntaxError(data []byte, dec *json.Decoder, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if se != nil {
		if cause := syntaxCause(data, off, se.Error()); cause != nil {
			return cause
		}
	}
	line, col := lineCol(data, off)
	msg := "Die Datei ist kein gültiges JSON"
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg += ": sie endet mitten in einem Wert (fehlt eine schließende Klammer?)."
	case se != nil:
		msg += " (" + se.Error() + ")."
	default:
		msg += " (" + err.Error() + ")."
	}
	return &jsonSyntaxError{Line: line, Column: col, Msg: msg}
}

// syntaxCause names the cause of a syntax error where the parser only sees the symptom: a
// comma before a closing bracket is reported at the comma, a missing comma or colon after the
// value or key before the offending character. It returns nil for other errors.
func syntaxCause(data []byte, off int, parserMsg string) *jsonSyntaxError {
	p := off
	for p < len(data) && isJSONSpace(data[p]) {
		p++
	}
	if p >= len(data) {
		return nil
	}
	q := p - 1
	for q >= 0 && isJSONSpace(data[q]) {
		q--
	}
	if q < 0 {
		return nil
	}
	at := func(pos int, msg string) *jsonSyntaxError {
		line, col := lineCol(data, pos)
		return &jsonSyntaxError{Line: line, Column: col, Msg: "Die Datei ist kein gültiges JSON: " + msg}
	}
	c := data[p]
	switch {
	case (c == '}' || c == ']') && data[q] == ',':
		what := "Eintrag eines Objekts"
		if c == ']' {
			what = "Element einer Liste"
		}
		return at(q, fmt.Sprintf("überflüssiges Komma nach dem letzten %s (vor „%c“). Löschen Sie das Komma.", what, c))
	case c == ',' && data[q] == ',':
		return at(q, "zwei Kommas hintereinander; dazwischen fehlt ein Eintrag, oder ein Komma ist zu viel.")
	case strings.HasSuffix(parserMsg, "after object key:value pair"), strings.HasSuffix(parserMsg, "after array element"):
		line, _ := lineCol(data, p)
		return at(q+1, fmt.Sprintf("nach diesem Wert fehlt ein Komma (der nächste Eintrag beginnt in Zeile %d).", line))
	case strings.HasSuffix(parserMsg, "after object key"):
		return at(q+1, "nach diesem Schlüssel fehlt ein Doppelpunkt.")
	}
	return nil
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// checkNesting refuses documents nested deeper than MaxNesting before any recursive decoding.
func checkNesting(data []byte) error {
	depth, inString, escaped := 0, false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxNesting {
				line, col := lineCol(data, i)
				return &jsonSyntaxError{Line: line, Column: col, Msg: fmt.Sprintf("Die Datei ist zu tief verschachtelt (mehr als %d Ebenen).", MaxNesting)}
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// valueStart returns the offset of the first byte of the next value after the decoder's position.
func valueStart(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (ix *jsonIndex) value(dec *json.Decoder, ptr string, dupes *[]string) (any, error) {
	ix.offsets[ptr] = valueStart(ix.data, int(dec.InputOffset()))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("Schlüssel erwartet")
				}
				child := ptr + "/" + escapePointer(key)
				if _, dup := obj[key]; dup && dupes != nil {
					*dupes = append(*dupes, child)
				}
				v, err := ix.value(dec, child, dupes)
				if err != nil {
					return nil, err
				}
				obj[key] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			arr := []any{}
			for i := 0; dec.More(); i++ {
				v, err := ix.value(dec, ptr+"/"+strconv.Itoa(i), dupes)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unerwartetes Zeichen %q", t)
	default:
		return tok, nil
	}
}

// escapePointer escapes one JSON pointer reference token (RFC 6901).
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// unescapePointer undoes escapePointer.
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
