package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// sample is an example's samples/valid.json as a citizen would type it: the value of each
// field by its data path (the name of the field in the HTML form), and the number of items
// of each repeatable group.
type sample struct {
	values map[string]any // string, bool, json.Number, or []any of those for checkbox groups
	lists  map[string]int
}

func loadSample(tb testing.TB, formID string) *sample {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", formID, "samples", "valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var data any
	if err := dec.Decode(&data); err != nil {
		tb.Fatal(err)
	}
	s := &sample{values: map[string]any{}, lists: map[string]int{}}
	s.flatten("", data)
	return s
}

func (s *sample) flatten(path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			s.flatten(path+"/"+k, child)
		}
	case []any:
		if len(x) > 0 {
			if _, objects := x[0].(map[string]any); objects {
				s.lists[path] = len(x)
				for i, child := range x {
					s.flatten(path+"/"+strconv.Itoa(i), child)
				}
				return
			}
		}
		s.values[path] = x // a checkbox group: one name for the list
		for i, item := range x {
			s.values[path+"/"+strconv.Itoa(i)] = item // a list of plain values: one input per item
		}
	default:
		s.values[path] = x
	}
}

// typeLabels replaces the codes of fields with suggestions by the labels a citizen types: the
// page shows and takes the label, the server stores the code.
func (s *sample) typeLabels(form *forms.Form) {
	for path, v := range s.values {
		fd := form.Field(path)
		if fd == nil || fd.Widget != forms.WidgetSuggest {
			continue
		}
		for _, ch := range fd.Choices {
			if choiceValue(ch.Value) == choiceValue(v) {
				s.values[path] = ch.Label
			}
		}
	}
}
