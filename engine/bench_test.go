package engine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
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

// benchmarkValidateSideBySide runs ozgform's Validate and, as the reference, the raw
// jsonschema v6 validation of the same compiled schema (the form's, with the building blocks
// bundled) on the same data. Each iteration runs both, one after the other, so that a busy
// machine slows both alike; the benchmark reports the median time of each and their ratio
// ("overhead" = ozgform/jsonschema - 1: pruning hidden values, the data check, mapping and
// ordering errors, and their German messages as a step page shows them).
func benchmarkValidateSideBySide(b *testing.B, name string) {
	benchmarkValidateSideBySideSample(b, name, "valid.json")
}

// benchmarkValidateSideBySideSample is benchmarkValidateSideBySide on any sample: for an
// invalid one, ozgform's side includes flattening, mapping and ordering the errors and
// rendering their messages.
func benchmarkValidateSideBySideSample(b *testing.B, name, sample string) {
	dir := filepath.Join("..", "examples", name)
	form := loadValidationExample(b, dir)
	data := readValidationSample(b, filepath.Join(dir, "samples", sample))
	if errs := Validate(form, data); (len(errs) == 0) != (sample == "valid.json") {
		b.Fatalf("%s: unexpected errors %q", sample, briefErrors(errs))
	}
	// The reference validates exactly what Validate hands to the schema: data itself, unless a
	// rule hides one of its values (then the pruned copy). Prune's copy of data would not do as
	// the reference when nothing is hidden: its maps are made at their final size, and the
	// validator iterates them measurably faster than the maps the JSON decoder grew.
	pruned := data
	if form.HasHiddenValue(data) {
		pruned, _ = form.Prune(data)
	}
	cat := NewCatalog()
	var ours, raw []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first, so that neither always meets the warmer cache.
		for j := range 2 {
			t0 := time.Now()
			if (i+j)%2 == 0 {
				for _, fe := range Validate(form, data) {
					_ = cat.Message(form, fe, "de")
				}
				ours = append(ours, time.Since(t0))
			} else {
				if err := form.Schema.Validate(pruned); (err == nil) != (sample == "valid.json") {
					b.Fatal(err)
				}
				raw = append(raw, time.Since(t0))
			}
		}
	}
	// Medians: a validation that another process preempted does not move them.
	mo, mr := median(ours), median(raw)
	b.ReportMetric(float64(mo.Nanoseconds()), "ozgform-ns/op")
	b.ReportMetric(float64(mr.Nanoseconds()), "jsonschema-ns/op")
	b.ReportMetric(float64(mo)/float64(mr)-1, "overhead")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func BenchmarkValidateSideBySideGewerbeanmeldung(b *testing.B) {
	benchmarkValidateSideBySide(b, "gewerbeanmeldung")
}

func BenchmarkValidateSideBySideHundesteuer(b *testing.B) {
	benchmarkValidateSideBySide(b, "hundesteuer")
}

func BenchmarkValidateSideBySideBewohnerparkausweis(b *testing.B) {
	benchmarkValidateSideBySide(b, "bewohnerparkausweis")
}

func BenchmarkValidateSideBySideMutterschutz(b *testing.B) {
	benchmarkValidateSideBySide(b, "mutterschutz")
}

// BenchmarkValidateSideBySideInvalid: the same on each example's invalid.json, where
// ozgform also turns the validator's error tree into ordered field errors.
func BenchmarkValidateSideBySideInvalid(b *testing.B) {
	for _, name := range []string{"gewerbeanmeldung", "hundesteuer", "bewohnerparkausweis", "mutterschutz"} {
		b.Run(name, func(b *testing.B) { benchmarkValidateSideBySideSample(b, name, "invalid.json") })
	}
}
