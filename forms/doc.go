// Package forms is the form-definition format of ozgform: the files a form author writes
// (form.json, schema.json, layout.json, i18n/*.json), loading them from an fs.FS, compiling the
// JSON Schema with the German formats and the embedded building blocks, parsing the JSON Forms
// layout, and building the compiled form model (pages → elements → fields) that the HTML and PDF
// renderers read. It also holds the linter behind `ozgform check`.
//
// The package imports no infrastructure: no HTTP, no SQL, no PDF.
package forms
