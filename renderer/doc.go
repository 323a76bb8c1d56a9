// Package renderer turns the compiled form model of package forms into what people read: the
// HTML pages of a form and the PDF receipt (Eingangsbestätigung) of a submission. Both read
// the same model; the package imports forms and nothing of the engine or the server.
package renderer
