// Package engine is the submission lifecycle of ozgform. A citizen's input passes through these
// stages, each with its own part of the package:
//
//  1. form input → typed data: the posted fields become a JSON value (map[string]any, []any,
//     string, bool, float64 or json.Number, nil) shaped by the form's schema;
//  2. visibility: fields hidden by layout rules are dropped, so they are neither validated nor
//     stored;
//  3. validation: the data is checked against the form's JSON Schema, and every error is
//     attached to the field it belongs to, as a message ID with parameters;
//  4. drafts: a partly filled form is saved so that the citizen can come back later;
//  5. submission: the complete data is validated once more and committed in one transaction,
//     together with the outbox rows of its deliveries;
//  6. payload, outbox and delivery: the receipt and the payload are built from the committed
//     row and delivered to the back office, with retries, dead letters and replay;
//  7. retention: delivered submissions are purged after the form's retention period.
//
// This part is validation. [Validate] turns the error tree of the JSON Schema validator into a
// flat list of [FieldError] values: at most one per field, in the order of the layout, each
// with a stable message ID and the parameters its text needs. The [Catalog] renders them in
// German (the default) or English, and lets the form author's own messages (the schema keyword
// "errorMessage" and its translations in i18n/<lang>.json) take precedence.
//
// Messages are translated at the edge: the engine hands out IDs and parameters, never finished
// sentences, so that stored validation results can be shown in any language later. Parameters
// are meant for rendering only; they may contain short parts of the citizen's input (a date, a
// number) and must not be logged.
package engine
