package forms

import (
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// attachmentForm is the base form with "details" turned into an attachment field whose
// x-attachment (and optionally more keywords) is spec.
func attachmentForm(spec string) map[string]string {
	return map[string]string{"schema.json": strings.Replace(baseSchema,
		`"details": {"type": "string", "title": "Details"}`,
		`"details": {"title": "Nachweis", `+spec+`}`, 1)}
}

func TestAttachmentFieldModel(t *testing.T) {
	form, problems := Load(testForm(attachmentForm(`"x-attachment": {"mediaTypes": ["application/pdf", "image/png"], "maxSize": 2048, "minFiles": 1, "maxFiles": 3}`)), "test", Options{Now: fixedClock})
	if form == nil {
		t.Fatalf("does not load: %v", problems)
	}
	for _, p := range problems {
		if p.Code != "attachment-required" {
			t.Errorf("unexpected problem %s [%s]", p, p.Code)
		}
	}
	f := form.Field("/details")
	if f == nil || f.Widget != WidgetFile || f.Type != "array" || f.Attachment == nil {
		t.Fatalf("field: %+v", f)
	}
	a := f.Attachment
	if a.MaxSize != 2048 || a.MinFiles != 1 || a.MaxFiles != 3 || !a.Accepts("image/png") || a.Accepts("image/jpeg") {
		t.Errorf("spec: %+v", a)
	}
	if got := a.Accept(); got != "application/pdf,.pdf,image/png,.png" {
		t.Errorf("Accept() = %q", got)
	}
	if got := a.TypeNames(); got != "PDF, PNG" {
		t.Errorf("TypeNames() = %q", got)
	}

	// Defaults.
	form, _ = Load(testForm(attachmentForm(`"x-attachment": {}`)), "test", Options{Now: fixedClock})
	a = form.Field("/details").Attachment
	if a.MaxSize != DefaultAttachmentMaxSize || a.MinFiles != 0 || a.MaxFiles != 1 || strings.Join(a.MediaTypes, " ") != "application/pdf image/jpeg image/png" {
		t.Errorf("defaults: %+v", a)
	}
}

func TestAttachmentValidation(t *testing.T) {
	form, problems := Load(testForm(attachmentForm(`"x-attachment": {"minFiles": 1, "maxFiles": 2}`)), "test", Options{Now: fixedClock})
	if form == nil {
		t.Fatal(problems)
	}
	const id1, id2, id3 = "3f0c1f7e-8a4b-4c1e-9d2a-5b6c7d8e9f01", "3f0c1f7e-8a4b-4c1e-9d2a-5b6c7d8e9f02", "3f0c1f7e-8a4b-4c1e-9d2a-5b6c7d8e9f03"
	tests := []struct {
		name   string
		value  any
		reason string // "" = valid
	}{
		{"one file", []any{id1}, ""},
		{"two files", []any{id1, id2}, ""},
		{"no file", []any{}, AttachmentTooFew},
		{"three files", []any{id1, id2, id3}, AttachmentTooMany},
		{"a text", id1, AttachmentNotList},
		{"not a uuid", []any{"Fahrzeugschein.pdf"}, AttachmentBadID},
		{"upper-case uuid", []any{strings.ToUpper(id1)}, AttachmentBadID},
		{"a number", []any{1}, AttachmentBadID},
		{"twice the same", []any{id1, id1}, AttachmentDuplicate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := form.Schema.Validate(map[string]any{"name": "x", "details": tc.value})
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want %s, got valid", tc.reason)
			}
			var ve *jsonschema.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("%T %v", err, err)
			}
			var reasons []string
			for _, leaf := range leaves(ve) {
				if k, ok := leaf.ErrorKind.(*AttachmentKind); ok {
					reasons = append(reasons, k.Reason)
				}
			}
			if len(reasons) != 1 || reasons[0] != tc.reason {
				t.Errorf("reasons %v, want [%s] (%v)", reasons, tc.reason, err)
			}
		})
	}
}

// TestCheckAttachment: ozgform check refuses an attachment field with an unknown media type, a
// negative or zero size, or minFiles above maxFiles, each with a German message at the key.
func TestCheckAttachment(t *testing.T) {
	tests := []struct {
		name, spec, pointer, code, text string
		warning                         bool
	}{
		{"unknown media type", `"x-attachment": {"mediaTypes": ["application/pdf", "application/x-msdownload"]}`,
			"/properties/details/x-attachment/mediaTypes/1", "attachment-media-type", "„application/x-msdownload“ ist für Anlagen nicht erlaubt", false},
		{"word document", `"x-attachment": {"mediaTypes": ["application/msword"]}`,
			"/properties/details/x-attachment/mediaTypes/0", "attachment-media-type", "Erlaubt sind nur Typen, die ozgform am Inhalt erkennt", false},
		{"empty media types", `"x-attachment": {"mediaTypes": []}`,
			"/properties/details/x-attachment/mediaTypes", "attachment-media-type", "ist leer", false},
		{"media type twice", `"x-attachment": {"mediaTypes": ["image/png", "image/png"]}`,
			"/properties/details/x-attachment/mediaTypes/1", "attachment-media-type", "doppelt", false},
		{"negative size", `"x-attachment": {"maxSize": -1}`,
			"/properties/details/x-attachment/maxSize", "attachment-size", "positive Zahl", false},
		{"zero size", `"x-attachment": {"maxSize": 0}`,
			"/properties/details/x-attachment/maxSize", "attachment-size", "positive Zahl", false},
		{"size above the limit", `"x-attachment": {"maxSize": 1073741824}`,
			"/properties/details/x-attachment/maxSize", "attachment-size", "höchstens 100000000 Bytes", false},
		{"minFiles above maxFiles", `"x-attachment": {"minFiles": 3, "maxFiles": 2}`,
			"/properties/details/x-attachment/minFiles", "attachment-files", "größer als „maxFiles“", false},
		{"maxFiles zero", `"x-attachment": {"maxFiles": 0}`,
			"/properties/details/x-attachment/maxFiles", "attachment-files", "mindestens 1", false},
		{"negative minFiles", `"x-attachment": {"minFiles": -2}`,
			"/properties/details/x-attachment/minFiles", "attachment-files", "nicht negativ", false},
		{"wrong type", `"type": "string", "x-attachment": {}`,
			"/properties/details/type", "attachment-type", "„type“ muss „array“ sein", false},
		{"items are objects", `"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}, "x-attachment": {}`,
			"/properties/details/items", "attachment-type", "Anlage-Kennungen", false},
		{"minFiles on an optional field", `"x-attachment": {"minFiles": 1}`,
			"/properties/details/x-attachment/minFiles", "attachment-required", "freiwillig", true},
		{"size as text", `"x-attachment": {"maxSize": "10 MB"}`,
			"/properties/details/x-attachment/maxSize", "schema-invalid", "", false},
		{"unknown key", `"x-attachment": {"maxFileSize": 10}`,
			"/properties/details/x-attachment", "schema-invalid", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := Check(testForm(attachmentForm(tc.spec)), "test", Options{Now: fixedClock})
			var found *Problem
			for i, p := range problems {
				if p.Code == tc.code {
					found = &problems[i]
				}
			}
			if found == nil {
				t.Fatalf("no %s among %v", tc.code, problems)
			}
			if found.File != "schema.json" || found.Pointer != tc.pointer || found.Line == 0 {
				t.Errorf("located at %s:%d %s, want schema.json %s", found.File, found.Line, found.Pointer, tc.pointer)
			}
			if !strings.Contains(found.Message, tc.text) {
				t.Errorf("message %q lacks %q", found.Message, tc.text)
			}
			if (found.Severity == SeverityWarning) != tc.warning {
				t.Errorf("severity %s", found.Severity)
			}
			if !tc.warning {
				if f, _ := Load(testForm(attachmentForm(tc.spec)), "test", Options{Now: fixedClock}); f != nil {
					t.Error("a form with this error loads")
				}
			}
		})
	}
	// The valid spec of the README passes without a finding.
	if problems := Check(testForm(attachmentForm(`"x-attachment": {"mediaTypes": ["application/pdf", "image/jpeg", "image/png"], "maxSize": 10000000, "maxFiles": 2}`)), "test", Options{Now: fixedClock}); len(problems) > 0 {
		t.Errorf("valid attachment field: %v", problems)
	}
	if problems := Check(testForm(attachmentForm(`"type": "array", "items": {"type": "string", "format": "uuid"}, "x-attachment": {}`)), "test", Options{Now: fixedClock}); len(problems) > 0 {
		t.Errorf("attachment field with type and items: %v", problems)
	}
}

func TestSniffMediaType(t *testing.T) {
	tests := map[string]string{
		"%PDF-1.7\n":                   "application/pdf",
		"\xFF\xD8\xFF\xE0\x00\x10JFIF": "image/jpeg",
		"\x89PNG\r\n\x1A\n\x00":        "image/png",
		"II*\x00\x08\x00":              "image/tiff",
		"MM\x00*\x00\x00":              "image/tiff",
		"\x7FELF\x02\x01\x01":          "",
		"MZ\x90\x00":                   "",
		"PK\x03\x04":                   "",
		"<svg xmlns=":                  "",
		"%PD":                          "",
		"":                             "",
		" %PDF-1.7":                    "",
	}
	for head, want := range tests {
		if got := SniffMediaType([]byte(head)); got != want {
			t.Errorf("SniffMediaType(%q) = %q, want %q", head, got, want)
		}
	}
}

func TestAttachmentDisplayValue(t *testing.T) {
	form, _ := Load(testForm(attachmentForm(`"x-attachment": {"maxFiles": 2}`)), "test", Options{Now: fixedClock})
	fd := form.Field("/details")
	for _, tc := range []struct {
		v    any
		lang string
		want string
	}{
		{[]any{"a"}, "de", "1 Datei"},
		{[]any{"a", "b"}, "de", "2 Dateien"},
		{[]any{"a", "b"}, "en", "2 files"},
		{[]any{}, "de", ""},
	} {
		if got := form.DisplayValue(fd, tc.v, tc.lang); got != tc.want {
			t.Errorf("DisplayValue(%v, %s) = %q, want %q", tc.v, tc.lang, got, tc.want)
		}
	}
}
