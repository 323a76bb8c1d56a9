package forms

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fastParser decodes a JSON document in one pass over the bytes, producing the same values as
// the token-based indexing decoder (map[string]any, []any, json.Number, string, bool, nil) and
// the pointers of duplicate object keys, but without recording positions. It gives up (ok ==
// false) on anything it does not accept, and the caller then runs the exact, slower decoder,
// which produces the located error message. Positions are indexed only when a problem must be
// located (jsonIndex.position).
type fastParser struct {
	data    []byte
	pos     int
	ptr     []byte // JSON pointer of the current value
	dupes   []string
	offsets map[string]int // pointer → offset of every value, recorded only when not nil
}

func fastParse(data []byte) (v any, dupes []string, ok bool) {
	return fastParseIndex(data, nil)
}

// fastParseIndex is fastParse that also records the offset of every value in offsets.
func fastParseIndex(data []byte, offsets map[string]int) (v any, dupes []string, ok bool) {
	p := &fastParser{data: data, offsets: offsets}
	v, ok = p.value()
	if !ok {
		return nil, nil, false
	}
	p.space()
	if p.pos != len(data) {
		return nil, nil, false
	}
	return v, p.dupes, true
}

func (p *fastParser) space() {
	for p.pos < len(p.data) && isJSONSpace(p.data[p.pos]) {
		p.pos++
	}
}

func (p *fastParser) value() (any, bool) {
	p.space()
	if p.pos >= len(p.data) {
		return nil, false
	}
	if p.offsets != nil {
		p.offsets[string(p.ptr)] = p.pos
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		p.pos++
		obj := map[string]any{}
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return obj, true
		}
		for {
			p.space()
			key, ok := p.str()
			if !ok {
				return nil, false
			}
			p.space()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, false
			}
			p.pos++
			n := len(p.ptr)
			p.ptr = append(append(p.ptr, '/'), escapePointer(key)...)
			if _, dup := obj[key]; dup {
				p.dupes = append(p.dupes, string(p.ptr))
			}
			v, ok := p.value()
			p.ptr = p.ptr[:n]
			if !ok {
				return nil, false
			}
			obj[key] = v
			if end, ok := p.separator('}'); !ok || end {
				return obj, ok
			}
		}
	case c == '[':
		p.pos++
		arr := []any{}
		p.space()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return arr, true
		}
		for i := 0; ; i++ {
			n := len(p.ptr)
			p.ptr = strconv.AppendInt(append(p.ptr, '/'), int64(i), 10)
			v, ok := p.value()
			p.ptr = p.ptr[:n]
			if !ok {
				return nil, false
			}
			arr = append(arr, v)
			if end, ok := p.separator(']'); !ok || end {
				return arr, ok
			}
		}
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	default:
		return p.number()
	}
}

// separator reads the comma or closing bracket after a member or element: end reports the
// closing bracket, ok false anything else.
func (p *fastParser) separator(closing byte) (end, ok bool) {
	p.space()
	if p.pos >= len(p.data) || (p.data[p.pos] != ',' && p.data[p.pos] != closing) {
		return false, false
	}
	p.pos++
	return p.data[p.pos-1] == closing, true
}

func (p *fastParser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

// str reads a string. Strings with escapes or bytes that are not valid UTF-8 are handed to
// encoding/json so that they decode exactly as before.
func (p *fastParser) str() (string, bool) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return "", false
	}
	start := p.pos
	plain := true
	for i := start + 1; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '\\':
			plain = false
			i++
		case c < 0x20:
			return "", false
		case c == '"':
			p.pos = i + 1
			raw := p.data[start+1 : i]
			if plain && utf8.Valid(raw) {
				return string(raw), true
			}
			var s string
			if err := json.Unmarshal(p.data[start:i+1], &s); err != nil {
				return "", false
			}
			return s, true
		}
	}
	return "", false
}

// number reads a number with the grammar of RFC 8259 and keeps its text (json.Number).
func (p *fastParser) number() (any, bool) {
	d := p.data
	i := p.pos
	digits := func() bool {
		s := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > s
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if !digits() {
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	n := json.Number(d[p.pos:i])
	p.pos = i
	return n, true
}
