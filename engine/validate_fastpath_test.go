package engine

import (
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// TestValidateFastPathAgreesWithPruning compares Validate, which prunes only when
// form.HasHiddenValue finds a hidden value (evaluating only the rules that can hide something),
// with the path it replaces: always prune, then validate. It runs on every sample of every
// example form and on variants of them in which each choice and yes/no field takes each of its
// values, so that rules show and hide fields that hold values. The errors, their order, ids
// and parameters must be the same, and HasHiddenValue must say whether Prune changes the data.
func TestValidateFastPathAgreesWithPruning(t *testing.T) {
	forEachExample(t, func(t *testing.T, form *forms.Form, samples []string) {
		var total, hidden, invalid int
		for _, file := range samples {
			sample := readValidationSample(t, file)
			for _, data := range choiceVariants(form, sample) {
				total++
				pruned, _ := form.Prune(data)
				changed := !reflect.DeepEqual(pruned, data)
				if has := form.HasHiddenValue(data); has != changed {
					t.Errorf("%s %v: HasHiddenValue = %v, but Prune changed the data: %v", filepath.Base(file), data, has, changed)
				}
				if changed {
					hidden++
				}
				got, want := Validate(form, data), validatePruned(form, pruned)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %v:\nValidate         %v\nprune, validate  %v", filepath.Base(file), data, got, want)
				}
				if len(want) > 0 {
					invalid++
				}
			}
		}
		t.Logf("%d variants, %d with hidden values, %d invalid", total, hidden, invalid)
		if hidden == 0 || invalid == 0 {
			t.Errorf("the variants exercise too little: %d with hidden values, %d invalid", hidden, invalid)
		}
	})
}

// choiceVariants returns data and copies of it in which one value of a choice or yes/no field
// (anywhere, list items included) is replaced by each other value the field can take.
func choiceVariants(form *forms.Form, data any) []any {
	out := []any{data}
	var walk func(v any, path string, set func(root, x any))
	walk = func(v any, path string, set func(root, x any)) {
		if fd := form.Field(path); fd != nil && path != "" {
			var values []any
			for _, ch := range fd.Choices {
				values = append(values, ch.Value)
			}
			if fd.Type == "boolean" {
				values = []any{true, false}
			}
			for _, x := range values {
				if reflect.DeepEqual(x, v) {
					continue
				}
				c := forms.CloneData(data)
				set(c, x)
				out = append(out, c)
			}
		}
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, childPath(path, k), func(root, x any) {
					parent, _ := forms.Lookup(root, path, nil)
					parent.(map[string]any)[k] = x
				})
			}
		case []any:
			for i, x := range v {
				walk(x, path+"/"+strconv.Itoa(i), func(root, x any) {
					parent, _ := forms.Lookup(root, path, nil)
					parent.([]any)[i] = x
				})
			}
		}
	}
	walk(data, "", nil)
	return out
}
