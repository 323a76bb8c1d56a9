package engine

import (
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
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

// TestSortKeyAgreesWithSplitting compares sortKey (one buffer) with the former version, which
// split the path and concatenated the pattern, on the paths of every example's errors and on
// odd paths.
func TestSortKeyAgreesWithSplitting(t *testing.T) {
	forEachExample(t, func(t *testing.T, form *forms.Form, samples []string) {
		v := &validation{form: form}
		old := func(path string) (int, []int) {
			if path == "" {
				return 0, nil
			}
			var key []int
			pattern := ""
			for _, seg := range strings.Split(path[1:], "/") {
				if pattern != "" {
					if fd := form.Field(pattern); fd != nil && fd.Type == "array" {
						if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
							key = append(key, v.position(fd), n)
							pattern += "/*"
							continue
						}
					}
				}
				pattern += "/" + seg
			}
			fd := form.Field(pattern)
			if fd == nil {
				return 2, nil
			}
			return 1, append(key, v.position(fd))
		}
		paths := []string{"", "/", "//", "/unbekannt", "/unbekannt/0", "/a~1b/c"}
		for _, fd := range form.Fields {
			p := strings.ReplaceAll(fd.Path, "*", "1")
			paths = append(paths, fd.Path, p, p+"/x", p+"/0", strings.ReplaceAll(fd.Path, "*", "-1"),
				strings.ReplaceAll(fd.Path, "*", "+2"), strings.ReplaceAll(fd.Path, "*", "x"))
		}
		for _, file := range samples {
			for _, fe := range Validate(form, readValidationSample(t, file)) {
				paths = append(paths, fe.Path)
			}
		}
		for _, p := range paths {
			gc, gk := v.sortKey(p)
			wc, wk := old(p)
			if gc != wc || !reflect.DeepEqual(gk, wk) {
				t.Errorf("sortKey(%q) = %d %v, want %d %v", p, gc, gk, wc, wk)
			}
		}
	})
}

// TestValidateAllocatesNoMoreThanTheLibrary: on the valid sample of every example, Validate
// (data check, rule evaluation, no pruning since nothing is hidden) allocates nothing beyond
// what the jsonschema library's validation of the same data allocates.
func TestValidateAllocatesNoMoreThanTheLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("counts allocations")
	}
	forEachExample(t, func(t *testing.T, form *forms.Form, samples []string) {
		data := readValidationSample(t, filepath.Join(filepath.Dir(samples[0]), "valid.json"))
		if form.HasHiddenValue(data) {
			t.Fatal("valid.json holds a value of a hidden field")
		}
		ours := testing.AllocsPerRun(20, func() { Validate(form, data) })
		raw := testing.AllocsPerRun(20, func() { _ = form.Schema.Validate(data) })
		if ours > raw {
			t.Errorf("Validate allocates %.1f times, the library alone %.1f", ours, raw)
		}
	})
}

// TestPlaceholderAgreesWithSplitting compares placeholder, which cuts "{name#singular#plural}"
// without splitting it into a new slice, with the former version on odd placeholders.
func TestPlaceholderAgreesWithSplitting(t *testing.T) {
	old := func(r messageRenderer, spec string) (string, bool) {
		parts := strings.Split(spec, "#")
		name := parts[0]
		if name == "" || strings.ContainsAny(name, " \t\n") || (len(parts) != 1 && len(parts) != 3) {
			return "", false
		}
		if len(parts) == 3 {
			n, ok := numericParam(r.fe.Params[name])
			if !ok {
				return "", false
			}
			word := parts[2]
			if n == 1 {
				word = parts[1]
			}
			return formatNumber(n, r.lang) + " " + word, true
		}
		return r.placeholder(spec) // no '#': the code after the split is unchanged
	}
	specs := []string{"", "#", "##", "###", "limit", "limit#", "limit#Eintrag", "limit#Eintrag#Einträge",
		"limit#Eintrag#Einträge#", "limit##", "#Eintrag#Einträge", "li mit#a#b", "actual#a#b", "text#a#b",
		"fehlt#a#b", "label", "label#a#b"}
	for _, lang := range []string{"de", "en"} {
		for _, limit := range []any{1, 2, 1.5, "x"} {
			r := messageRenderer{lang: lang, fe: FieldError{Params: map[string]any{"limit": limit, "actual": 1.0, "text": "t"}}}
			for _, spec := range specs {
				gs, gok := r.placeholder(spec)
				ws, wok := old(r, spec)
				if gs != ws || gok != wok {
					t.Errorf("%s, limit %v: placeholder(%q) = %q %v, want %q %v", lang, limit, spec, gs, gok, ws, wok)
				}
			}
		}
	}
}
