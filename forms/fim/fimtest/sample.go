// Package fimtest makes valid sample data for forms that forms/fim imported, for the tests
// of forms/fim and of the server (which fills imported forms step by step).
package fimtest

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// Sample is valid data for an imported form.
type Sample struct {
	Data map[string]any
	// Files are the data paths of attachment fields; Data holds an empty list there.
	Files []string
	// Codes counts the values taken from code lists.
	Codes int
}

var candidates = []string{"Beispiel", "10115", "max.mustermann@beispiel.de", "12:30", "DE", "A1", "1"}

// NewSample fills every field of schema (the imported schema.json, decoded) with a valid
// value: the first choice, a real code from the form's code list, a text that fits the
// pattern and length, minItems items of each list, one alternative of a choice group.
func NewSample(form *forms.Form, schema map[string]any) (*Sample, error) {
	s := &Sample{}
	v, err := s.value(form, schema, "")
	if err != nil {
		return nil, err
	}
	s.Data, _ = v.(map[string]any)
	return s, nil
}

func (g *Sample) value(form *forms.Form, s map[string]any, path string) (any, error) {
	if _, ok := s["x-attachment"]; ok {
		g.Files = append(g.Files, path)
		return []any{}, nil
	}
	if alts, ok := s["oneOf"].([]any); ok {
		return alts[0].(map[string]any)["const"], nil
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		choice := s["maxProperties"] == 1.0 // a choice group: the first alternative only
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ps := props[name].(map[string]any)
			if ps["readOnly"] == true || choice && len(out) > 0 {
				continue
			}
			v, err := g.value(form, ps, path+"/"+name)
			if err != nil {
				return nil, err
			}
			out[name] = v
		}
		return out, nil
	case "array":
		n := 1
		if m, ok := s["minItems"].(float64); ok && m > 1 {
			n = int(m)
		}
		var out []any
		for i := 0; i < n; i++ {
			v, err := g.value(form, s["items"].(map[string]any), fmt.Sprintf("%s/%d", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case "boolean":
		return true, nil
	case "integer", "number":
		v := 1.0
		if m, ok := s["minimum"].(float64); ok {
			v = m
		}
		return v, nil
	}
	if ref, ok := s["x-codelist"].(map[string]any); ok {
		l := form.Codelists.Get(ref["listURI"].(string), ref["listVersionID"].(string))
		if l == nil {
			return nil, fmt.Errorf("%s: code list %v missing", path, ref)
		}
		g.Codes++
		return l.Entries[len(l.Entries)/2].Code, nil
	}
	switch s["format"] {
	case "date":
		return "2024-03-15", nil
	case "date-time":
		return "2024-03-15T10:00:00+01:00", nil
	}
	pattern, _ := s["pattern"].(string)
	for _, c := range candidates {
		if pattern != "" && !regexp.MustCompile(pattern).MatchString(c) {
			continue
		}
		if m, ok := s["maxLength"].(float64); ok && len([]rune(c)) > int(m) {
			continue
		}
		if m, ok := s["minLength"].(float64); ok && len([]rune(c)) < int(m) {
			if pattern != "" {
				continue
			}
			c += strings.Repeat("x", int(m)-len([]rune(c)))
		}
		return c, nil
	}
	return nil, fmt.Errorf("%s: no sample value fits %v", path, s)
}

// SetPath sets the value at a data path ("/a/0/b") of sample data whose objects and lists
// exist.
func SetPath(data any, path string, v any) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	cur := data
	for i, seg := range segs {
		last := i == len(segs)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[seg] = v
				return
			}
			cur = x[seg]
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(x) {
				return
			}
			if last {
				x[n] = v
				return
			}
			cur = x[n]
		}
	}
}
