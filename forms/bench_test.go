package forms

import (
	"os"
	"testing"
)

// BenchmarkLoadGewerbeanmeldung measures loading and compiling the largest example: reading the
// files, compiling the schema with the building blocks, parsing the layout, building the model.
func BenchmarkLoadGewerbeanmeldung(b *testing.B) {
	folder := os.DirFS("../examples/gewerbeanmeldung")
	b.ReportAllocs()
	for b.Loop() {
		if f, problems := Load(folder, "gewerbeanmeldung", Options{}); f == nil {
			b.Fatal(problems)
		}
	}
}

// BenchmarkCheckGewerbeanmeldung measures the linter on the same form.
func BenchmarkCheckGewerbeanmeldung(b *testing.B) {
	folder := os.DirFS("../examples/gewerbeanmeldung")
	b.ReportAllocs()
	for b.Loop() {
		Check(folder, "gewerbeanmeldung", Options{})
	}
}
