// Package codelist reads code lists in OASIS genericode 1.0, the format in which FIM and XÖV
// publish their code lists (Staat, Geschlecht …), and looks them up by canonical URI and version.
//
// A list's code column is the column its first Key names (it is not always called "code"); the
// label column is the column of the second Key if there is one (FIM's "codenameKey"), else a
// column called "name", else the first other column.
package codelist

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Namespace is the XML namespace of genericode 1.0.
const Namespace = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"

// MaxSize is the largest genericode file Parse accepts.
const MaxSize = 16 << 20

// Entry is one code of a list with its label.
type Entry struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// List is one parsed genericode code list.
type List struct {
	Name        string // ShortName (or LongName when ShortName is empty)
	URI         string // CanonicalUri
	Version     string // Version
	VersionURI  string // CanonicalVersionUri
	CodeColumn  string
	LabelColumn string
	Entries     []Entry
	// Data is the genericode file as read, so that an importer can copy it unchanged.
	Data []byte

	index map[string]int
}

// Label returns the label of code and whether the list has it.
func (l *List) Label(code string) (string, bool) {
	i, ok := l.index[code]
	if !ok {
		return "", false
	}
	return l.Entries[i].Label, true
}

// Has reports whether code is a code of the list.
func (l *List) Has(code string) bool {
	_, ok := l.index[code]
	return ok
}

// CodeOf returns the code whose code or label equals s (labels compared case-insensitively after
// trimming), so that a typed label maps back to its code.
func (l *List) CodeOf(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if l.Has(s) {
		return s, true
	}
	for _, e := range l.Entries {
		if strings.EqualFold(e.Label, s) {
			return e.Code, true
		}
	}
	return "", false
}

// xml shapes of genericode, only what is needed.
type gcDoc struct {
	XMLName        xml.Name `xml:"CodeList"`
	Identification struct {
		ShortName           string `xml:"ShortName"`
		LongName            string `xml:"LongName"`
		Version             string `xml:"Version"`
		CanonicalURI        string `xml:"CanonicalUri"`
		CanonicalVersionURI string `xml:"CanonicalVersionUri"`
	} `xml:"Identification"`
	ColumnSet struct {
		Columns []struct {
			ID        string `xml:"Id,attr"`
			ShortName string `xml:"ShortName"`
		} `xml:"Column"`
		Keys []struct {
			ID   string `xml:"Id,attr"`
			Refs []struct {
				Ref string `xml:"Ref,attr"`
			} `xml:"ColumnRef"`
		} `xml:"Key"`
	} `xml:"ColumnSet"`
	Rows []struct {
		Values []struct {
			ColumnRef string `xml:"ColumnRef,attr"`
			Simple    string `xml:"SimpleValue"`
		} `xml:"Value"`
	} `xml:"SimpleCodeList>Row"`
}

// Parse reads one genericode 1.0 code list. Errors are German and name the element.
func Parse(data []byte) (*List, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("die Codeliste ist zu groß (%d Bytes, höchstens %d)", len(data), MaxSize)
	}
	var doc gcDoc
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("die Datei enthält kein XML-Element, also keine Codeliste")
		}
		return nil, fmt.Errorf("kein gültiges XML: %v", err)
	}
	if doc.XMLName.Space != Namespace {
		return nil, fmt.Errorf("/CodeList: das Wurzelelement hat den Namensraum „%s“, erwartet ist genericode 1.0 („%s“)", doc.XMLName.Space, Namespace)
	}
	id := doc.Identification
	l := &List{
		Name:       strings.TrimSpace(firstNonEmpty(id.ShortName, id.LongName)),
		URI:        strings.TrimSpace(id.CanonicalURI),
		Version:    strings.TrimSpace(id.Version),
		VersionURI: strings.TrimSpace(id.CanonicalVersionURI),
		index:      map[string]int{},
		Data:       data,
	}
	if l.URI == "" {
		return nil, errors.New("/CodeList/Identification/CanonicalUri fehlt: die Codeliste hat keine Kennung")
	}
	cols := doc.ColumnSet.Columns
	if len(cols) == 0 {
		return nil, fmt.Errorf("/CodeList/ColumnSet: die Codeliste %s hat keine Spalten", l.URI)
	}
	has := func(id string) bool {
		for _, c := range cols {
			if c.ID == id {
				return true
			}
		}
		return false
	}
	keys := doc.ColumnSet.Keys
	switch {
	case len(keys) > 0 && len(keys[0].Refs) > 0:
		l.CodeColumn = keys[0].Refs[0].Ref
	case has("code"):
		l.CodeColumn = "code"
	default:
		l.CodeColumn = cols[0].ID
	}
	if !has(l.CodeColumn) {
		return nil, fmt.Errorf("/CodeList/ColumnSet/Key: der Schlüssel nennt die Spalte „%s“, die es nicht gibt", l.CodeColumn)
	}
	if len(keys) > 1 && len(keys[1].Refs) > 0 && has(keys[1].Refs[0].Ref) && keys[1].Refs[0].Ref != l.CodeColumn {
		l.LabelColumn = keys[1].Refs[0].Ref
	} else if has("name") && l.CodeColumn != "name" {
		l.LabelColumn = "name"
	} else {
		for _, c := range cols {
			if c.ID != l.CodeColumn {
				l.LabelColumn = c.ID
				break
			}
		}
	}
	for i, row := range doc.Rows {
		var e Entry
		for _, v := range row.Values {
			switch v.ColumnRef {
			case l.CodeColumn:
				e.Code = strings.TrimSpace(v.Simple)
			case l.LabelColumn:
				e.Label = strings.TrimSpace(v.Simple)
			}
		}
		if e.Code == "" {
			return nil, fmt.Errorf("/CodeList/SimpleCodeList/Row[%d]: die Zeile hat keinen Wert in der Schlüsselspalte „%s“", i+1, l.CodeColumn)
		}
		if _, dup := l.index[e.Code]; dup {
			return nil, fmt.Errorf("/CodeList/SimpleCodeList/Row[%d]: der Code „%s“ kommt doppelt vor", i+1, e.Code)
		}
		if e.Label == "" {
			e.Label = e.Code
		}
		l.index[e.Code] = len(l.Entries)
		l.Entries = append(l.Entries, e)
	}
	if len(l.Entries) == 0 {
		return nil, fmt.Errorf("/CodeList/SimpleCodeList: die Codeliste %s hat keine Codes", l.URI)
	}
	return l, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// Set is a collection of code lists, looked up by canonical URI and version.
type Set struct {
	lists map[string][]*List // by URI, sorted by version
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{lists: map[string][]*List{}} }

// Add adds a list; it fails when the set already holds the same URI and version.
func (s *Set) Add(l *List) error {
	for _, have := range s.lists[l.URI] {
		if have.Version == l.Version {
			return fmt.Errorf("die Codeliste %s in der Version %s gibt es zweimal", l.URI, l.Version)
		}
	}
	s.lists[l.URI] = append(s.lists[l.URI], l)
	sort.Slice(s.lists[l.URI], func(i, j int) bool { return s.lists[l.URI][i].Version < s.lists[l.URI][j].Version })
	return nil
}

// Len returns the number of lists.
func (s *Set) Len() int {
	n := 0
	for _, ls := range s.lists {
		n += len(ls)
	}
	return n
}

// Get returns the list with exactly this URI and version, or nil.
func (s *Set) Get(uri, version string) *List {
	if s == nil {
		return nil
	}
	for _, l := range s.lists[uri] {
		if l.Version == version {
			return l
		}
	}
	return nil
}

// Find returns the list with this URI and version; when that version is missing, the newest
// version of the same URI with exact=false; nil when no version is there.
func (s *Set) Find(uri, version string) (l *List, exact bool) {
	if s == nil {
		return nil, false
	}
	if l := s.Get(uri, version); l != nil {
		return l, true
	}
	if ls := s.lists[uri]; len(ls) > 0 {
		return ls[len(ls)-1], false
	}
	return nil, false
}
