// Package examples holds real OZG forms, one folder each, that double as documentation for form
// authors and as golden test fixtures: the compiled model and the German error list of every
// invalid sample are kept under each form's testdata/ folder.
package examples
