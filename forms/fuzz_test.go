package forms

import (
	"strings"
	"testing"
	"time"
)

// FuzzCheck protects the invariant: whatever bytes an author puts into schema.json and
// layout.json, Check returns (no panic, no hang) and every problem names a file and says
// something in German.
func FuzzCheck(f *testing.F) {
	f.Add(baseSchema, baseLayout)
	f.Add(ruleSchema, ruleLayout)
	f.Add(`{"$ref": "#"}`, `{"type": "Control", "scope": "#"}`)
	f.Add(`{"type": "object", "properties": {"a": {"$ref": "#/properties/a"}}}`, `{"type": "Control", "scope": "#/properties/a"}`)
	f.Add(`{"type": "object", "properties": {"a": {"type": "array", "items": {"$ref": "#"}}}}`, `{"type": "Control", "scope": "#/properties/a"}`)
	f.Fuzz(func(t *testing.T, schema, layout string) {
		start := time.Now()
		problems := Check(testForm(map[string]string{"schema.json": schema + " ", "layout.json": layout + " "}), "test", Options{})
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("Check took %v", d)
		}
		for _, p := range problems {
			if p.File == "" || p.Message == "" || p.Code == "" {
				t.Fatalf("problem without file, code or message: %#v", p)
			}
			if strings.Contains(p.String(), "%!") {
				t.Fatalf("badly formatted message: %s", p)
			}
		}
	})
}
