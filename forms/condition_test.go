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
		cond := &Condition{Type: ConditionSchema, schema: sch, oneOf: scalarChoices(doc)}
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
			cond.Path = "/x"
			if got, want := cond.Match(data, nil), sch.Validate(val) == nil; got != want {
				t.Errorf("%s on %s: %v, the validator says %v", raw, v, got, want)
			}
		}
	}
	if fast != 5 {
		t.Errorf("%d of the schemas take the fast path, want 5", fast)
	}
}
