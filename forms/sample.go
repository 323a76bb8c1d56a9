package forms

import (
	"strconv"
	"strings"
	"time"
)

// sampleTexts are sample values of the formats ozgform checks, valid for their checkers.
var sampleTexts = map[string]string{
	"iban":            "DE02120300000000202051",
	"bic":             "BYLADEM1001",
	"steuer-id":       "86095742719",
	"plz":             "10115",
	"kfz-kennzeichen": "B-AB 123",
	"telefon":         "+49 30 12345678",
	"name":            "Erika Mustermann",
	"latin":           "Beispiel",
	"email":           "erika.mustermann@example.org",
	"date":            "2026-01-15",
}

// SampleData generates answers for every field of the form, for the preview's "Mit
// Beispieldaten füllen" when a form has no samples/valid.json: the first choice of a choice
// field, "Ja" for a yes/no field, a number within its limits, a date within its limits, a
// valid value of the checked formats, and a text within its length limits. Repeatable groups
// get one item; attachment fields none. The data fill the steps; rules and patterns the
// generator does not know may still leave messages.
func (f *Form) SampleData() map[string]any {
	data := map[string]any{}
	for _, fd := range f.Fields {
		v, ok := sampleValue(fd)
		if ok {
			setSample(data, fd.Path, v)
		}
	}
	return data
}

func sampleValue(fd *Field) (any, bool) {
	switch fd.Widget {
	case WidgetGroup, WidgetRepeat, WidgetFile:
		return nil, false
	case WidgetCheckboxes:
		if len(fd.Choices) > 0 {
			return []any{fd.Choices[0].Value}, true
		}
		return nil, false
	}
	if len(fd.Choices) > 0 {
		return fd.Choices[0].Value, true
	}
	switch fd.Type {
	case "boolean":
		return true, true
	case "integer", "number":
		n := 1.0
		if fd.Minimum != nil && *fd.Minimum > n {
			n = *fd.Minimum
		}
		if fd.Maximum != nil && *fd.Maximum < n {
			n = *fd.Maximum
		}
		if fd.Type == "integer" {
			return int64(n), true
		}
		return n, true
	case "string":
	default:
		return nil, false
	}
	if fd.Widget == WidgetDate || fd.Format == "date" {
		return sampleDate(fd), true
	}
	if s, ok := sampleTexts[fd.Format]; ok {
		return s, true
	}
	if s, ok := sampleTexts[string(fd.Widget)]; ok && fd.Widget == WidgetEmail {
		return s, true
	}
	if fd.Widget == WidgetTel {
		return sampleTexts["telefon"], true
	}
	s := "Beispiel"
	if fd.MinLength != nil {
		for len([]rune(s)) < *fd.MinLength {
			s += " Beispiel"
		}
	}
	if fd.MaxLength != nil && len([]rune(s)) > *fd.MaxLength {
		s = string([]rune(s)[:*fd.MaxLength])
	}
	return s, true
}

// sampleDate is a date within the field's limits, when they are plain dates.
func sampleDate(fd *Field) string {
	d := sampleTexts["date"]
	if _, err := time.Parse(time.DateOnly, fd.MinDate); err == nil && fd.MinDate > d {
		d = fd.MinDate
	}
	if _, err := time.Parse(time.DateOnly, fd.MaxDate); err == nil && fd.MaxDate < d {
		d = fd.MaxDate
	}
	return d
}

// setSample sets value at a field path, creating objects and, for "*", a list of one item.
func setSample(data map[string]any, path string, value any) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var cur any = data
	for i, seg := range segs {
		last := i == len(segs)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[seg] = value
				return
			}
			next, ok := c[seg]
			if !ok {
				if segs[i+1] == "*" {
					next = []any{map[string]any{}}
				} else {
					next = map[string]any{}
				}
				c[seg] = next
			}
			cur = next
		case []any:
			if _, err := strconv.Atoi(seg); seg != "*" && err != nil || len(c) == 0 {
				return
			}
			if last {
				c[0] = value
				return
			}
			cur = c[0]
		default:
			return
		}
	}
}
