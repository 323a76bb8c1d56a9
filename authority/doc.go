// Package authority is the Einer-für-Alle directory: the public bodies (Behörden) an operator
// serves, the municipalities (Gemeinden, by Amtlicher Regionalschlüssel, ARS) each of them is
// responsible for, and the operator's table from postal code (PLZ) to municipality. A form
// that many authorities use names the answer that decides (forms.Manifest.Authorities); the
// engine asks a Directory which municipality that answer names and which authority serves it.
//
// The package imports no infrastructure: cmd/ozgform reads the configuration and the table,
// the engine resolves, the renderer shows a Responsible.
package authority
