package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestCheckRefusesAttachmentField: `ozgform check` refuses an attachment field with an unknown
// media type or a negative size, with exit code 1, German messages and the problem codes.
func TestCheckRefusesAttachmentField(t *testing.T) {
	form := map[string]string{
		"form.json": `{"id": "kaputt", "version": "1.0.0", "title": "Kaputt", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`,
		"schema.json": `{
  "type": "object",
  "properties": {
    "nachweis": {
      "title": "Nachweis",
      "x-attachment": {"mediaTypes": ["application/pdf", "application/x-msdownload"], "maxSize": -5}
    }
  }
}`,
		"layout.json": `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/nachweis"}]}`,
	}
	dir := writeForm(t, form)
	code, out, _ := run(t, "check", dir)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, exitInvalid, out)
	}
	for _, want := range []string{
		"schema.json:6:58: /properties/nachweis/x-attachment/mediaTypes/1: Der Dateityp „application/x-msdownload“ ist für Anlagen nicht erlaubt.",
		"/properties/nachweis/x-attachment/maxSize: „maxSize“ muss eine positive Zahl von Bytes sein",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "check", "--json", dir)
	var problems []struct{ Code, Severity string }
	if err := json.Unmarshal([]byte(out), &problems); err != nil || code != exitInvalid {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	codes := map[string]bool{}
	for _, p := range problems {
		codes[p.Code+"/"+p.Severity] = true
	}
	if !codes["attachment-media-type/error"] || !codes["attachment-size/error"] {
		t.Errorf("codes %v", codes)
	}
}
