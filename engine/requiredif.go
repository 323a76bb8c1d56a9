package engine

import (
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// plainRequired decides whether the field fd (outside lists), whose conditions the schema states
// plainly (fd.RequiredIf), is required now, without validating the whole form: it asks the
// small schemas of its conditions about the answers without the field's own value, as
// validating the data without that value would (requiredNow's probe). ok is false where
// that shortcut does not give the same answer: a rule of the layout looks at the field
// (removing the value could hide or show others), or the data is no plain JSON object.
// pruned is the data with hidden values dropped, as Validate sees it.
func plainRequired(form *forms.Form, fd *forms.Field, pruned map[string]any) (required, ok bool) {
	c := fd.RequiredIf
	if c == nil || pruned == nil || form.RuleDepends(fd.Path) {
		return false, false
	}
	obj := pruned
	if parent := fd.Path[:strings.LastIndexByte(fd.Path, '/')]; parent != "" {
		v, _ := forms.Lookup(pruned, parent, nil)
		if obj, _ = v.(map[string]any); obj == nil {
			return false, true // no object around the field: nothing can require it
		}
	}
	others := make(map[string]any, len(obj))
	for k, v := range obj {
		if k != fd.Name {
			others[k] = v
		}
	}
	for _, k := range c.Keys {
		if _, has := others[k]; has {
			return true, true
		}
	}
	for _, s := range c.Met {
		if s.Validate(others) == nil {
			return true, true
		}
	}
	for _, s := range c.Failed {
		if s.Validate(others) != nil {
			return true, true
		}
	}
	return false, true
}

// prunedForRequired is data as Validate validates it (hidden values dropped), or nil when
// Validate would not run the schema at all (values that are not JSON).
func prunedForRequired(form *forms.Form, data map[string]any) map[string]any {
	if len(checkData(data)) > 0 {
		return nil
	}
	m, _ := withoutHiddenValues(form, data).(map[string]any)
	return m
}
