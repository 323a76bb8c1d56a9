package forms

import "strconv"

// Visibility is the result of evaluating every rule of a form against one state of its data.
// The server is the only evaluator of rules; renderers and validation read this.
type Visibility struct {
	hiddenPages map[int]bool
	hidden      map[nodeKey]bool // nodes hidden by a rule (their own or an ancestor's)
	disabled    map[nodeKey]bool // nodes disabled by a rule (their own or an ancestor's)
	hiddenPaths map[string]bool  // concrete data paths of hidden fields
	disabledAt  map[string]bool  // concrete data paths of disabled fields
}

type nodeKey struct {
	node *Node
	idx  string // the array indices of the item the node is shown for
}

func keyFor(n *Node, indices []int) nodeKey {
	if len(indices) == 0 {
		return nodeKey{node: n}
	}
	b := make([]byte, 0, 4*len(indices))
	for _, i := range indices {
		b = strconv.AppendInt(append(b, ' '), int64(i), 10)
	}
	return nodeKey{node: n, idx: string(b)}
}

// PageVisible reports whether page i is shown; a hidden page is skipped.
func (v *Visibility) PageVisible(i int) bool { return !v.hiddenPages[i] }

// NodeVisible reports whether a node is shown, for the list item given by indices.
func (v *Visibility) NodeVisible(n *Node, indices []int) bool { return !v.hidden[keyFor(n, indices)] }

// NodeEnabled reports whether a node can be edited, for the list item given by indices.
func (v *Visibility) NodeEnabled(n *Node, indices []int) bool { return !v.disabled[keyFor(n, indices)] }

// FieldVisible reports whether the field at a concrete data path is shown.
func (v *Visibility) FieldVisible(path string) bool { return !v.hiddenPaths[path] }

// FieldEnabled reports whether the field at a concrete data path can be edited.
func (v *Visibility) FieldEnabled(path string) bool { return !v.disabledAt[path] }

// Evaluate evaluates the rules of the form once against data. Most callers want Prune, which
// also drops the values of hidden fields and re-evaluates until nothing changes.
func (f *Form) Evaluate(data any) *Visibility {
	v := &Visibility{hiddenPages: map[int]bool{}, hidden: map[nodeKey]bool{}, disabled: map[nodeKey]bool{}, hiddenPaths: map[string]bool{}, disabledAt: map[string]bool{}}
	for _, p := range f.Pages {
		hidden, disabled := applyRule(p.Rule, data, nil, false, false)
		if hidden {
			v.hiddenPages[p.Index] = true
		}
		v.walk(p.Nodes, data, nil, hidden, disabled)
	}
	return v
}

// applyRule returns the hidden and disabled state after a rule, given the inherited state.
func applyRule(r *Rule, data any, indices []int, hidden, disabled bool) (bool, bool) {
	if r == nil || r.Condition == nil {
		return hidden, disabled
	}
	match := r.Condition.Match(data, indices)
	switch r.Effect {
	case EffectShow:
		hidden = hidden || !match
	case EffectHide:
		hidden = hidden || match
	case EffectEnable:
		disabled = disabled || !match
	case EffectDisable:
		disabled = disabled || match
	}
	return hidden, disabled
}

func (v *Visibility) walk(nodes []*Node, data any, indices []int, hidden, disabled bool) {
	for _, n := range nodes {
		h, d := applyRule(n.Rule, data, indices, hidden, disabled)
		if n.Field != nil {
			h, d = applyRule(n.Field.Rule, data, indices, h, d)
		}
		k := keyFor(n, indices)
		if h {
			v.hidden[k] = true
		}
		if d {
			v.disabled[k] = true
		}
		if n.Field == nil {
			v.walk(n.Children, data, indices, h, d)
			continue
		}
		path := concrete(n.Field.Path, indices)
		if h {
			v.hiddenPaths[path] = true
		}
		if d || n.Field.ReadOnly {
			v.disabledAt[path] = true
		}
		switch n.Field.Widget {
		case WidgetGroup:
			v.walk(n.Field.Children, data, indices, h, d)
		case WidgetRepeat:
			items, _ := Lookup(data, n.Field.Path, indices)
			list, _ := items.([]any)
			for i := range list {
				v.walk(n.Field.Children, data, append(append([]int(nil), indices...), i), h, d)
			}
		}
	}
}

// concrete fills the "*" segments of a path pattern with indices, left to right.
func concrete(pattern string, indices []int) string {
	if len(indices) == 0 {
		return pattern
	}
	out := make([]byte, 0, len(pattern)+4)
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '*' && (i+1 == len(pattern) || pattern[i+1] == '/') && pattern[i-1] == '/' && len(indices) > 0 {
			out = strconv.AppendInt(out, int64(indices[0]), 10)
			indices = indices[1:]
			continue
		}
		out = append(out, pattern[i])
	}
	return string(out)
}

// ConcretePath fills the "*" of a field path pattern with list indices ("/hunde/*/name", [1]
// → "/hunde/1/name").
func ConcretePath(pattern string, indices []int) string { return concrete(pattern, indices) }

// maxPruneRounds bounds re-evaluation when hiding one field hides another.
const maxPruneRounds = 16

// Prune returns a copy of data without the values of hidden fields, and the visibility of that
// copy. Hiding a field can change other rules, so it re-evaluates until nothing changes.
// data itself is not modified.
func (f *Form) Prune(data any) (any, *Visibility) {
	cur := deepCopy(data)
	var vis *Visibility
	for round := 0; round < maxPruneRounds; round++ {
		vis = f.Evaluate(cur)
		changed := false
		for path := range vis.hiddenPaths {
			if deletePath(cur, path) {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return cur, vis
}

// HasHiddenValue reports whether data holds a value of a field the rules hide, that is,
// whether Prune would remove anything. It evaluates the rules like Evaluate but builds nothing
// and stops at the first such value, so that validating the data of a complete, consistent
// submission (the common case) needs neither a copy nor a Visibility.
func (f *Form) HasHiddenValue(data any) bool {
	for _, p := range f.Pages {
		hidden, _ := applyRule(p.Rule, data, nil, false, false)
		if hiddenValueIn(p.Nodes, data, nil, hidden) {
			return true
		}
	}
	return false
}

func hiddenValueIn(nodes []*Node, data any, indices []int, hidden bool) bool {
	for _, n := range nodes {
		if n.hideFree && !hidden {
			continue // nothing below can be hidden: most of a form, whose values need no lookup
		}
		if n.Field == nil {
			h, _ := applyRule(n.Rule, data, indices, hidden, false)
			if hiddenValueIn(n.Children, data, indices, h) {
				return true
			}
			continue
		}
		v, found := n.Field.lookup(data, indices)
		if !found {
			continue // no value here, so none below it either: its rules need not be evaluated
		}
		h, _ := applyRule(n.Rule, data, indices, hidden, false)
		h, _ = applyRule(n.Field.Rule, data, indices, h, false)
		if h {
			return true
		}
		switch n.Field.Widget {
		case WidgetGroup:
			if hiddenValueIn(n.Field.Children, data, indices, h) {
				return true
			}
		case WidgetRepeat:
			list, _ := v.([]any)
			if len(list) == 0 {
				continue
			}
			// One slice for all items: the calls below only read it.
			item := append(indices[:len(indices):len(indices)], 0)
			for i := range list {
				item[len(indices)] = i
				if hiddenValueIn(n.Field.Children, data, item, h) {
					return true
				}
			}
		}
	}
	return false
}

// markHideFree sets hideFree on every node below nodes that no SHOW or HIDE rule can hide
// unless an ancestor does; it reports whether some node below nodes has such a rule.
func markHideFree(nodes []*Node) bool {
	some := false
	for _, n := range nodes {
		hides := canHide(n.Rule)
		hides = markHideFree(n.Children) || hides
		if n.Field != nil {
			hides = canHide(n.Field.Rule) || hides
			hides = markHideFree(n.Field.Children) || hides
		}
		n.hideFree = !hides
		some = some || hides
	}
	return some
}

func canHide(r *Rule) bool {
	return r != nil && r.Condition != nil && (r.Effect == EffectShow || r.Effect == EffectHide)
}

// lookup is Lookup of the field's path.
func (f *Field) lookup(data any, indices []int) (any, bool) {
	if f.segs == nil {
		return Lookup(data, f.Path, indices) // a Field not built by Load
	}
	return lookupSegments(data, f.segs, indices)
}

// deletePath removes the value at a concrete path; it reports whether something was removed.
func deletePath(data any, path string) bool {
	parent, last := splitPath(path)
	p, ok := Lookup(data, parent, nil)
	if !ok {
		return false
	}
	if obj, ok := p.(map[string]any); ok {
		if _, has := obj[last]; has {
			delete(obj, last)
			return true
		}
	}
	return false
}

func splitPath(path string) (parent, last string) {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[:i], unescapePointer(path[i+1:])
		}
	}
	return "", path
}

// CloneData returns a deep copy of decoded JSON data (objects and lists are copied).
func CloneData(v any) any { return deepCopy(v) }

// deepCopy copies decoded JSON.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, val := range x {
			m[k] = deepCopy(val)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, val := range x {
			s[i] = deepCopy(val)
		}
		return s
	}
	return v
}
