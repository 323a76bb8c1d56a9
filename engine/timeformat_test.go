package engine

import (
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// TestTimeWithoutOffset: a time as citizens type it (no offset) is valid; a wrong time or date
// and time gets the checker's German sentence at the field.
func TestTimeWithoutOffset(t *testing.T) {
	f, problems := forms.Load(forms.MapFS{
		"form.json":   []byte(`{"id": "t", "version": "1.0.0", "title": "T", "authority": {"name": "Amt"}}`),
		"schema.json": []byte(`{"type": "object", "properties": {"uhrzeit": {"type": "string", "format": "time", "title": "Uhrzeit"}, "beginn": {"type": "string", "format": "date-time", "title": "Beginn"}}}`),
		"layout.json": []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/uhrzeit"}, {"type": "Control", "scope": "#/properties/beginn"}]}`),
	}, "t", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	if errs := Validate(f, map[string]any{"uhrzeit": "13:37:00", "beginn": "2026-12-07T13:37:00+01:00"}); len(errs) != 0 {
		t.Fatalf("valid values refused: %v", errs)
	}
	if errs := Validate(f, map[string]any{"uhrzeit": "13:37"}); len(errs) != 0 {
		t.Fatalf("a time without seconds and offset refused: %v", errs)
	}
	errs := Validate(f, map[string]any{"uhrzeit": "25:00", "beginn": "07.12.2026 13:37"})
	if len(errs) != 2 {
		t.Fatalf("got %v, want two errors", errs)
	}
	cat := NewCatalog()
	for _, fe := range errs {
		msg := cat.Message(f, fe, "de")
		if !strings.Contains(msg, "zum Beispiel") || !strings.HasPrefix(msg, "„") {
			t.Errorf("%s: message %q", fe.Path, msg)
		}
	}
}
