package engine

import (
	"os"
	"path/filepath"
	"testing"
)

// benchmarkValidateExample validates samples/valid.json of an example form; it skips when the example
// or its sample does not exist.
func benchmarkValidateExample(b *testing.B, name string) {
	dir := filepath.Join("..", "examples", name)
	sample := filepath.Join(dir, "samples", "valid.json")
	if _, err := os.Stat(sample); err != nil {
		b.Skipf("%s does not exist yet", sample)
	}
	form := loadValidationExample(b, dir)
	data := readValidationSample(b, sample)
	if errs := Validate(form, data); len(errs) != 0 {
		b.Fatalf("%s is not valid: %q", sample, briefErrors(errs))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Validate(form, data)
	}
}

func BenchmarkValidateGewerbeanmeldung(b *testing.B) { benchmarkValidateExample(b, "gewerbeanmeldung") }

func BenchmarkValidateHundesteuer(b *testing.B) { benchmarkValidateExample(b, "hundesteuer") }

// BenchmarkValidateInvalid measures the error path: flattening, mapping and sorting a dozen
// errors.
func BenchmarkValidateInvalid(b *testing.B) {
	form := loadValidationForm(b)
	data := decodeTestJSON(b, withPatch(b, `{
		"person": {"familienname": "Иванов", "geburtsdatum": "2026-11-29", "extra": 1},
		"art": "abc", "anzahl": "drei", "betrag": 2000,
		"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-01"},
		"hunde": [{"name": "Bello", "chipnummer": "123"}, {"name": "Rex"}],
		"bestaetigung": false, "unbekannt": true}`), true)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Validate(form, data)
	}
}
