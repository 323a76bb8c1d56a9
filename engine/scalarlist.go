package engine

import (
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// Lists of plain values ("several Staatsangehörigkeiten") are posted as one input per item,
// named by the item's data path ("/staaten/0", "/staaten/1", …). An empty list still shows
// one input, so that the first value needs no "Hinzufügen". Items left empty are dropped when
// the page is saved: the list holds what the citizen typed, in order, without gaps.

// isScalarItem reports whether fd is the field of one item of a list of plain values.
func isScalarItem(fd *forms.Field) bool {
	return fd.Parent != nil && fd.Parent.Widget == forms.WidgetRepeat && fd.Parent.ScalarItems
}

// scalarLists collects the posted items of lists of plain values, by the list's concrete path.
type scalarLists struct {
	order []string
	items map[string][]any
}

func newScalarLists() *scalarLists { return &scalarLists{items: map[string][]any{}} }

func (l *scalarLists) add(itemPath string, v any, posted bool) {
	list := itemPath[:strings.LastIndexByte(itemPath, '/')]
	if _, seen := l.items[list]; !seen {
		l.order = append(l.order, list)
		l.items[list] = nil
	}
	if posted && !blank(v) {
		l.items[list] = append(l.items[list], v)
	}
}

// apply stores every collected list, or removes it when nothing was typed.
func (l *scalarLists) apply(data map[string]any) {
	for _, path := range l.order {
		if vals := l.items[path]; len(vals) > 0 {
			setPath(data, path, vals)
		} else {
			deletePath(data, path)
		}
	}
}

// compactScalars drops the empty items of a list of plain values.
func compactScalars(list []any) []any {
	out := list[:0:0]
	for _, v := range list {
		if !blank(v) {
			out = append(out, v)
		}
	}
	return out
}
