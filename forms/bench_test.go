package forms

import (
	"io/fs"
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

// BenchmarkCheckExamples checks the examples one after another, as "ozgform check" and a
// catalog's start do on each core: with one Checker, whose forms share the compiled building
// blocks, and with a new one per form (Check).
func BenchmarkCheckExamples(b *testing.B) {
	var folders []fs.FS
	var names []string
	for _, name := range []string{"bewohnerparkausweis", "gewerbeanmeldung", "hundesteuer", "mutterschutz"} {
		folders = append(folders, os.DirFS("../examples/"+name))
		names = append(names, name)
	}
	b.Run("shared", func(b *testing.B) {
		b.ReportAllocs()
		c := NewChecker(Options{})
		for b.Loop() {
			for i, f := range folders {
				c.Check(f, names[i])
			}
		}
	})
	b.Run("fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for i, f := range folders {
				Check(f, names[i], Options{})
			}
		}
	})
}
