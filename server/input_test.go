package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/forms"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in, lang string
		want     string
		ok       bool
	}{
		{"12", "de", "12", true},
		{"12,5", "de", "12.5", true},
		{"1.234,5", "de", "1234.5", true},
		{"1.234", "de", "1234", true},
		{"1.5", "de", "1.5", true},
		{"1 234,50", "de", "1234.50", true},
		{"-3,25", "de", "-3.25", true},
		{",5", "de", "0.5", true},
		{"+7", "de", "7", true},
		{"007", "de", "7", true},
		{"1,234.5", "en", "1234.5", true},
		{"1,234", "en", "1234", true},
		{"12,5", "en", "12.5", true},
		{"drei", "de", "", false},
		{"1e5", "de", "", false},
		{"NaN", "de", "", false},
		{"1,2,3", "de", "", false},
		{"", "de", "", false},
		{strings.Repeat("9", 50), "de", "", false},
	}
	for _, tc := range tests {
		got, ok := parseNumber(tc.in, tc.lang)
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("parseNumber(%q, %s) = %q, %v; want %q, %v", tc.in, tc.lang, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-28": "2026-11-28",
		"28.11.2026": "2026-11-28",
		"1.2.2026":   "2026-02-01",
		"31.02.2026": "31.02.2026", // kept as typed: validation says what is wrong
		"morgen":     "morgen",
		"2026-13-01": "2026-13-01",
	} {
		if got := parseDate(in); got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseForm(t *testing.T) {
	pf, perr := parseForm("a=1&b=%C3%A4&a=2&c=x+y&&d")
	if perr != nil {
		t.Fatal(perr)
	}
	if !reflect.DeepEqual(pf.values["a"], []string{"1", "2"}) || pf.first("b") != "ä" || pf.first("c") != "x y" || pf.first("d") != "" {
		t.Errorf("parsed %v", pf.values)
	}
	for body, text := range map[string]string{
		"a=%FF":                              "error.input.encoding",
		"a=%G1":                              "error.input.malformed",
		strings.Repeat("a=1&", maxFields+1):  "error.input.tooMany",
		"a=" + strings.Repeat("x", 10_001):   "error.input.tooLong",
		"%FF=1":                              "error.input.encoding",
		"a=" + strings.Repeat("ä", 10_000):   "",
		"a=" + strings.Repeat("%C3%A4", 100): "",
	} {
		_, perr := parseForm(body)
		got := ""
		if perr != nil {
			got = perr.text
		}
		if got != text {
			t.Errorf("parseForm(%.30q…) = %q, want %q", body, got, text)
		}
	}
}

// TestParseValue converts what browsers send for each widget.
func TestParseValue(t *testing.T) {
	fsys := fstest.MapFS{
		"form.json": {Data: []byte(`{"id": "w", "version": "1.0.0", "title": "W", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`)},
		"schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "sprachen": {"type": "array", "title": "Sprachen", "items": {"enum": ["de", "en", "fr"]}},
    "stufe": {"type": "integer", "title": "Stufe", "oneOf": [{"const": 1, "title": "Eins"}, {"const": 2, "title": "Zwei"}]},
    "ja": {"type": "boolean", "title": "Ja?", "oneOf": [{"const": true, "title": "Ja"}, {"const": false, "title": "Nein"}]},
    "ok": {"type": "boolean", "title": "Einverstanden"},
    "anzahl": {"type": "integer", "title": "Anzahl"},
    "datum": {"type": "string", "title": "Datum", "format": "date"},
    "name": {"type": "string", "title": "Name", "maxLength": 5},
    "text": {"type": "string", "title": "Text"}
  }
}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/sprachen"},
  {"type": "Control", "scope": "#/properties/stufe"},
  {"type": "Control", "scope": "#/properties/ja"},
  {"type": "Control", "scope": "#/properties/ok"},
  {"type": "Control", "scope": "#/properties/anzahl"},
  {"type": "Control", "scope": "#/properties/datum"},
  {"type": "Control", "scope": "#/properties/name"},
  {"type": "Control", "scope": "#/properties/text", "options": {"multi": true}}
]}`)},
	}
	f, problems := forms.Load(fsys, "w", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	tests := []struct {
		path string
		raw  []string
		want any
	}{
		{"/sprachen", []string{"fr", "de"}, []any{"de", "fr"}},
		{"/sprachen", []string{"xx"}, []any{"xx"}},
		{"/stufe", []string{"2"}, json.Number("2")},
		{"/stufe", []string{"9"}, "9"},
		{"/stufe", []string{""}, nil},
		{"/ja", []string{"false"}, false},
		{"/ok", []string{"true"}, true},
		{"/anzahl", []string{" 1.234 "}, json.Number("1234")},
		{"/anzahl", []string{"viele"}, "viele"},
		{"/datum", []string{"28.11.2026"}, "2026-11-28"},
		{"/name", []string{"  Anna  "}, "Anna"},
		{"/name", []string{"Mu\u0308l"}, "Mül"},     // NFC: one letter, as DIN 91379 lists it
		{"/name", []string{"L\u0325i"}, "L\u0325i"}, // a DIN 91379 sequence without a precomposed form stays
		{"/text", []string{"Łukasz Ørsted-Ñúñez"}, "Łukasz Ørsted-Ñúñez"},
		{"/name", []string{strings.Repeat("x", 50)}, strings.Repeat("x", 20)}, // cut at maxLength × 4
		{"/text", []string{"a\r\nb"}, "a\nb"},
		{"/text", []string{"   "}, nil},
	}
	for _, tc := range tests {
		got := parseValue(f.Field(tc.path), tc.raw, "de")
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseValue(%s, %q) = %#v, want %#v", tc.path, tc.raw, got, tc.want)
		}
	}
}
