package forms

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestConditionFastPathAgreesWithSchema: a rule condition {"const": …} or {"enum": […]} is
// matched by comparing values; the answer is the validator's for every kind of value.
func TestConditionFastPathAgreesWithSchema(t *testing.T) {
	schemas := []string{`{"const": true}`, `{"const": "sonstige"}`, `{"const": 2}`, `{"const": null}`,
		`{"enum": ["ek", "ohg", 1.5, false]}`, `{"const": {"a": 1}}`, `{"const": 1, "type": "integer"}`}
	values := []string{`true`, `false`, `"sonstige"`, `"Sonstige"`, `2`, `2.0`, `"2"`, `null`, `"ek"`, `1.5`,
		`1.50`, `{"a": 1}`, `[true]`, `0`, `""`}
	fast := 0
	for _, raw := range schemas {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("cond.json", doc); err != nil {
			t.Fatal(err)
		}
		sch := c.MustCompile("cond.json")
		cond := &Condition{Type: ConditionSchema, schema: sch, oneOf: scalarChoices(doc), Path: "/x"}
		prepared := *cond
		prepared.prepare() // as Load does: precomputed path segments and comparison
		if cond.oneOf != nil {
			fast++
		}
		for _, v := range values {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			var val any
			if err := dec.Decode(&val); err != nil {
				t.Fatal(err)
			}
			data := map[string]any{"x": val}
			want := sch.Validate(val) == nil
			if got := cond.Match(data, nil); got != want {
				t.Errorf("%s on %s: %v, the validator says %v", raw, v, got, want)
			}
			if got := prepared.Match(data, nil); got != want {
				t.Errorf("%s on %s, prepared: %v, the validator says %v", raw, v, got, want)
			}
		}
	}
	if fast != 5 {
		t.Errorf("%d of the schemas take the fast path, want 5", fast)
	}
}

// TestPreparedLeafConditionAgrees: a LEAF condition compares with expectedValue as jsonEqual
// does, whether or not prepare has precomputed the comparison; also for values of another
// type, list items ("*" in the path) and keys that need escaping in a pointer.
func TestPreparedLeafConditionAgrees(t *testing.T) {
	expected := []any{"ja", true, false, nil, json.Number("2"), 2.0, "2", ""}
	values := []any{"ja", "Ja", true, false, nil, json.Number("2"), json.Number("2.0"), 2.0, 2, "2", "",
		map[string]any{}, []any{"ja"}, []byte("ja")}
	for _, path := range []string{"/x", "/l/*/a~1b"} {
		for _, exp := range expected {
			cond := &Condition{Type: ConditionLeaf, ExpectedValue: exp, Path: path}
			prepared := *cond
			prepared.prepare()
			if prepared.segs == nil || prepared.equals == nil {
				t.Fatalf("prepare left %+v unprepared", prepared)
			}
			for _, v := range values {
				data := map[string]any{"x": v, "l": []any{map[string]any{}, map[string]any{"a/b": v}}}
				want := jsonEqual(v, exp)
				if got := cond.Match(data, []int{1}); got != want {
					t.Errorf("%s = %#v, expected %#v: %v, want %v", path, v, exp, got, want)
				}
				if got := prepared.Match(data, []int{1}); got != want {
					t.Errorf("%s = %#v, expected %#v, prepared: %v, want %v", path, v, exp, got, want)
				}
				if path != "/x" && (prepared.Match(data, []int{0}) || prepared.Match(data, nil)) {
					t.Errorf("%s: matched an item without the value", path)
				}
			}
		}
	}
}
