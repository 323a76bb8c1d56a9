package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/ozgform/ozgform/forms"
)

// FieldError is one validation error, attached to the field it belongs to.
//
// It carries no text: the [Catalog] renders MessageID and Params in the citizen's language.
// Params are for rendering only; they may hold short parts of the input (a date, a number)
// and must not be logged.
type FieldError struct {
	// Path is the concrete JSON pointer of the field ("/hunde/0/chipnummer"); "" means the form
	// as a whole.
	Path string `json:"path"`
	// MessageID is a stable id of the message, e.g. "required", "format.iban", "maxLength",
	// "dateOrder". [Catalog.MessageIDs] lists them all.
	MessageID string `json:"messageId"`
	// Params are the values the message needs, e.g. "limit" and "actual" for "maxLength".
	Params map[string]any `json:"params,omitempty"`
	// Keyword is the JSON Schema keyword that failed ("required", "pattern", "x-dateOrder",
	// "oneOf" …); the author's overrides in "errorMessage" are looked up by it.
	Keyword string `json:"keyword"`
}

// Limits of the data that Validate accepts. Form data is shallow and small; anything beyond
// these limits is not the output of a form and is refused before the schema validator sees it
// (a cyclic or extremely deep value would otherwise exhaust the stack).
const (
	maxDataDepth  = 64
	maxDataNodes  = 100_000
	maxNumberLen  = 100 // characters of a json.Number
	maxNumberExp  = 400 // absolute decimal exponent of a json.Number
	maxErrorDepth = 256 // nesting of the validator's error tree that is followed
)

// Validate checks data (a decoded JSON value: map[string]any, []any, string, bool, nil and
// numbers as float64, json.Number or Go integers) against the form's schema and returns the
// errors, at most one per field, in the order of the layout. It returns nil when data is valid.
//
// Errors that the validator reports at an object are moved to the field they concern: a
// missing property becomes a "required" error at the property, an x-dateOrder violation an
// error at the later date, an unknown property an error at that property. A failed choice
// (oneOf or anyOf of constants) is one "choice" error, not one error per option; for other
// failed alternatives the errors of the branch that came closest are reported.
//
// The order is the layout's: errors at the form as a whole first, then by field, the items of
// a repeatable group in item order, then errors at paths that are no field of the layout,
// sorted by path. Of several errors at one field the most relevant is kept: a missing value,
// then a wrong type, then a wrong format, then any other.
//
// Values that decoded JSON cannot hold (Go types other than the JSON ones, NaN, malformed or
// absurdly large json.Numbers, cyclic or very deep data) are reported as "invalidValue" without
// running the schema. A nil form, or one without a schema, yields a single error at the form
// as a whole: data is never accepted unchecked. Validate is safe for concurrent use.
func Validate(form *forms.Form, data any) []FieldError { return validate(form, data, false) }

// validatePruned is Validate for data that form.Prune has already pruned (the service's
// merged draft, a submission's data): it skips pruning a second time.
func validatePruned(form *forms.Form, data any) []FieldError { return validate(form, data, true) }

func validate(form *forms.Form, data any, pruned bool) []FieldError {
	if form == nil || form.Schema == nil {
		return []FieldError{{Path: "", MessageID: "schemaError"}}
	}
	v := &validation{form: form}
	if bad := checkData(data); len(bad) > 0 {
		for _, is := range bad {
			v.add(is)
		}
		return v.finish()
	}
	if !pruned {
		data = withoutHiddenValues(form, data)
	}
	err := form.Schema.Validate(data)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []FieldError{{Path: "", MessageID: "schemaError"}}
	}
	leaves := flatten(ve, make([]issue, 0, 8), 0)
	v.errs = make([]FieldError, 0, len(leaves))
	for _, is := range leaves {
		v.add(is)
	}
	return v.finish()
}

// RequiredNow returns the concrete paths of the fields on page i that a condition of the schema
// (if/then, dependentRequired: forms.Field.RequiredWhen) requires with the answers in data.
// The page marks exactly these (and the always-required fields) as required, so that the mark
// and the validation agree: "Registernummer" in a dependentRequired pair with
// "Registergericht" is marked only once one of the two is filled. Each such field is probed
// by validating data without its value.
//
// A field without a value is probed with data as it is: one validation serves all of them
// (a step page shown for the first time has no answers, and took one validation per such
// field before).
func RequiredNow(form *forms.Form, i int, data map[string]any) map[string]bool {
	if !hasAnswer(data) {
		// Every citizen starts with no answers (a new draft holds only empty groups): the
		// result depends on form, page and the shape of the empty groups only.
		shape, err := json.Marshal(data)
		if err != nil {
			return requiredNow(form, i, data)
		}
		key := requiredNowKey{form, i, string(shape)}
		if m, ok := requiredNowEmpty.Load(key); ok {
			return m.(map[string]bool)
		}
		m := requiredNow(form, i, data)
		if requiredNowEntries.Add(1) > maxRequiredNowEntries {
			requiredNowEmpty.Clear() // forms compiled again after eviction make new keys
			requiredNowEntries.Store(1)
		}
		requiredNowEmpty.Store(key, m)
		return m
	}
	return requiredNow(form, i, data)
}

// requiredNowEmpty caches RequiredNow for data without answers by form and page. The maps
// are shared: callers only read them.
var (
	requiredNowEmpty   sync.Map
	requiredNowEntries atomic.Int64
)

const maxRequiredNowEntries = 4096

type requiredNowKey struct {
	form  *forms.Form
	page  int
	shape string
}

// hasAnswer reports whether data holds a value other than empty objects and lists.
func hasAnswer(data any) bool {
	switch v := data.(type) {
	case map[string]any:
		for _, x := range v {
			if hasAnswer(x) {
				return true
			}
		}
		return false
	case []any:
		for _, x := range v {
			if hasAnswer(x) {
				return true
			}
		}
		return false
	}
	return true
}

func requiredNow(form *forms.Form, i int, data map[string]any) map[string]bool {
	return requiredNowBy(form, i, data, true)
}

// requiredNowBy is requiredNow; with plain, the fields whose conditions the schema states
// plainly are decided by plainRequired instead of a validation each.
func requiredNowBy(form *forms.Form, i int, data map[string]any, plain bool) map[string]bool {
	out := map[string]bool{}
	var asIs []FieldError
	validated := false
	var pruned map[string]any
	for _, in := range PageInputs(form, i, data) {
		if !in.Field.RequiredWhen || in.Field.Required {
			continue
		}
		if plain && in.Field.RequiredIf != nil && in.Path == in.Field.Path {
			if pruned == nil {
				pruned = prunedForRequired(form, data)
			}
			if req, ok := plainRequired(form, in.Field, pruned); ok {
				if req {
					out[in.Path] = true
				}
				continue
			}
		}
		var errs []FieldError
		if _, has := forms.Lookup(data, in.Path, nil); !has {
			if !validated {
				asIs, validated = Validate(form, data), true
			}
			errs = asIs
		} else {
			probe, _ := forms.CloneData(data).(map[string]any)
			if probe == nil {
				probe = map[string]any{}
			}
			deletePath(probe, in.Path)
			errs = Validate(form, probe)
		}
		for _, fe := range errs {
			if fe.Path == in.Path && strings.HasPrefix(fe.MessageID, "required") {
				out[in.Path] = true
				break
			}
		}
	}
	return out
}

// withoutHiddenValues is data as the schema validates it: a hidden field's value is dropped
// before validation, it is never validated. HasHiddenValue first: the data of a consistent
// draft has none, and is validated without the copy that Prune makes.
func withoutHiddenValues(form *forms.Form, data any) any {
	if form.HasHiddenValue(data) {
		data, _ = form.Prune(data)
	}
	return data
}

// issue is one leaf of the validator's error tree: an error kind at an instance location.
type issue struct {
	loc     []string // unescaped tokens
	kind    jsonschema.ErrorKind
	keyword string // overrides the kind's keyword (a choice made from oneOf/anyOf)
}

// ---------------------------------------------------------------- data check

// checkData finds the values the schema validator cannot handle safely: Go types that are not
// JSON, NaN and infinities, malformed or absurdly large json.Numbers, and data nested deeper
// than maxDataDepth or larger than maxDataNodes (which also catches cyclic values).
func checkData(data any) []issue {
	nodes := 0
	if dataOK(data, 0, &nodes) {
		return nil // the common case, found without building locations
	}
	c := dataChecker{loc: make([]string, 0, 16)}
	c.walk(data, 0)
	if c.nodes > maxDataNodes {
		return []issue{{kind: &kind.InvalidJsonValue{}}}
	}
	return c.issues
}

// dataOK reports whether checkData would find nothing, without allocating.
func dataOK(v any, depth int, nodes *int) bool {
	*nodes++
	if *nodes > maxDataNodes || depth > maxDataDepth {
		return false
	}
	if _, ok := v.(string); ok {
		return true // the common case first
	}
	switch v := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return true
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case float32:
		return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0)
	case json.Number:
		return validNumber(string(v))
	case map[string]any:
		for _, x := range v {
			if !dataOK(x, depth+1, nodes) {
				return false
			}
		}
		return true
	case []any:
		for _, x := range v {
			if !dataOK(x, depth+1, nodes) {
				return false
			}
		}
		return true
	}
	return false
}

type dataChecker struct {
	loc    []string
	nodes  int
	issues []issue
}

func (c *dataChecker) report(v any) {
	c.issues = append(c.issues, issue{loc: append([]string(nil), c.loc...), kind: &kind.InvalidJsonValue{Value: v}})
}

func (c *dataChecker) walk(v any, depth int) {
	c.nodes++
	if c.nodes > maxDataNodes {
		return
	}
	if depth > maxDataDepth {
		c.report(nil)
		return
	}
	switch v := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			c.report(v)
		}
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			c.report(v)
		}
	case json.Number:
		if !validNumber(string(v)) {
			c.report(v)
		}
	case map[string]any:
		for key, x := range v {
			c.loc = append(c.loc, key)
			c.walk(x, depth+1)
			c.loc = c.loc[:len(c.loc)-1]
		}
	case []any:
		for i, x := range v {
			c.loc = append(c.loc, strconv.Itoa(i))
			c.walk(x, depth+1)
			c.loc = c.loc[:len(c.loc)-1]
		}
	default:
		c.report(v)
	}
}

// validNumber reports whether s is a JSON number of at most maxNumberLen characters with a
// decimal exponent of at most maxNumberExp. The validator turns numbers into big.Rat; a huge
// exponent would cost seconds and megabytes, a malformed number would make it panic.
func validNumber(s string) bool {
	if s == "" || len(s) > maxNumberLen {
		return false
	}
	i := 0
	if s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - start
	}
	switch n := digits(); {
	case n == 0:
		return false
	case n > 1 && s[i-n] == '0':
		return false // leading zero
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		if digits() == 0 {
			return false
		}
		exp, err := strconv.Atoi(s[start:i])
		if err != nil || exp > maxNumberExp {
			return false
		}
	}
	return i == len(s)
}

// ---------------------------------------------------------------- flattening

// flatten collects the leaves of the error tree below ve. Containers (the schema, groups of
// errors, $ref, allOf) are looked through; failed alternatives (anyOf, oneOf) are reduced to
// the most useful errors by bestAlternative. Errors whose causes only explain them (contains,
// contentSchema, propertyNames) stay leaves.
//
// How jsonschema/v6 nests its errors: the root is a kind.Schema whose causes are the errors of
// the root schema; two or more errors of one schema node are wrapped in a kind.Group; $ref
// wraps the target's errors in a kind.Reference, allOf in a kind.AllOf. "required" is one
// kind.Required at the object listing every missing property. anyOf and oneOf without a match
// have one cause per failed branch (a choice of n constants gives n kind.Const causes).
// if/then/else has no node of its own: the errors of "then" or "else" appear directly among
// the errors of the schema that holds "if", at their own instance locations. Type, const, enum
// and format errors end the checks of a schema node, so an empty text with a format yields only
// the format error, not minLength.
func flatten(ve *jsonschema.ValidationError, out []issue, depth int) []issue {
	if ve == nil {
		return out
	}
	if depth > maxErrorDepth {
		return append(out, issue{loc: ve.InstanceLocation, kind: &kind.Group{}})
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		if len(ve.Causes) == 0 {
			return append(out, issue{loc: ve.InstanceLocation, kind: ve.ErrorKind})
		}
		for _, c := range ve.Causes {
			out = flatten(c, out, depth+1)
		}
		return out
	case *kind.AnyOf:
		return append(out, bestAlternative(ve, "anyOf", depth)...)
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			return append(out, bestAlternative(ve, "oneOf", depth)...)
		}
	}
	return append(out, issue{loc: ve.InstanceLocation, kind: ve.ErrorKind})
}

// bestAlternative reduces an anyOf or oneOf of which no branch matched to the errors worth
// showing:
//   - every branch failed with const or enum at the value itself: the value is not one of the
//     choices, reported once as an enum error listing all choices;
//   - every branch failed with type at the value itself: one type error listing every type;
//   - every branch (two or more) failed only for properties missing from the value itself:
//     one noMatch at the value (errorMessage "oneOf"/"anyOf" overrides it);
//   - otherwise the branch that came closest: the fewest signs of being the wrong branch
//     (a type mismatch at the value, a failed const or enum, which usually is a discriminator),
//     then the deepest error, then the fewest errors, then the first.
func bestAlternative(ve *jsonschema.ValidationError, keyword string, depth int) []issue {
	if len(ve.Causes) == 0 {
		return []issue{{loc: ve.InstanceLocation, kind: ve.ErrorKind}}
	}
	own := len(ve.InstanceLocation)
	branches := make([][]issue, len(ve.Causes))
	allChoice, allType := true, true
	var choices []any
	var typ *kind.Type
	var types []string
	allRequired := len(ve.Causes) > 1
	for i, c := range ve.Causes {
		branches[i] = flatten(c, nil, depth+1)
		for _, is := range branches[i] {
			atValue := len(is.loc) == own
			if _, ok := is.kind.(*kind.Required); !ok || !atValue {
				allRequired = false
			}
			switch k := is.kind.(type) {
			case *kind.Const:
				allType = false
				if atValue {
					choices = appendUnique(choices, k.Want)
				} else {
					allChoice = false
				}
			case *kind.Enum:
				allType = false
				if atValue {
					for _, w := range k.Want {
						choices = appendUnique(choices, w)
					}
				} else {
					allChoice = false
				}
			case *kind.Type:
				allChoice = false
				if atValue {
					typ = k
					for _, w := range k.Want {
						if !hasString(types, w) {
							types = append(types, w)
						}
					}
				} else {
					allType = false
				}
			default:
				allChoice, allType = false, false
			}
		}
		if len(branches[i]) == 0 {
			allChoice, allType, allRequired = false, false, false
		}
	}
	switch {
	case allRequired:
		// Alternatives that differ by what they require (a choice group: "Steuer-ID or
		// Ausweis") and none given: naming the first branch's field would hide the others.
		return []issue{{loc: ve.InstanceLocation, kind: ve.ErrorKind}}
	case allChoice:
		var got any
		if c, ok := branches[0][0].kind.(*kind.Const); ok {
			got = c.Got
		} else if e, ok := branches[0][0].kind.(*kind.Enum); ok {
			got = e.Got
		}
		return []issue{{loc: ve.InstanceLocation, kind: &kind.Enum{Got: got, Want: choices}, keyword: keyword}}
	case allType && typ != nil:
		return []issue{{loc: ve.InstanceLocation, kind: &kind.Type{Got: typ.Got, Want: types}}}
	}
	best, bestScore := -1, branchScore{}
	for i, b := range branches {
		if len(b) == 0 {
			continue
		}
		s := scoreBranch(b, own)
		if best < 0 || s.better(bestScore) {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		return []issue{{loc: ve.InstanceLocation, kind: ve.ErrorKind}}
	}
	return branches[best]
}

type branchScore struct {
	mismatches int // type errors at the value, const and enum errors anywhere
	depth      int // deepest instance location
	count      int // number of errors
}

func scoreBranch(b []issue, own int) branchScore {
	s := branchScore{count: len(b)}
	for _, is := range b {
		switch is.kind.(type) {
		case *kind.Const, *kind.Enum:
			s.mismatches++
		case *kind.Type:
			if len(is.loc) == own {
				s.mismatches++
			}
		}
		s.depth = max(s.depth, len(is.loc))
	}
	return s
}

func (s branchScore) better(o branchScore) bool {
	if s.mismatches != o.mismatches {
		return s.mismatches < o.mismatches
	}
	if s.depth != o.depth {
		return s.depth > o.depth
	}
	return s.count < o.count
}

func appendUnique(list []any, v any) []any {
	for _, x := range list {
		if fmt.Sprint(x) == fmt.Sprint(v) {
			return list
		}
	}
	return append(list, v)
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- field errors

// validation collects the field errors of one Validate call.
type validation struct {
	form *forms.Form
	errs []FieldError
}

// add turns one leaf into field errors. It reports whether the kind is one it knows; an
// unknown kind still yields an error ("invalid"), so that invalid data is never accepted.
func (v *validation) add(is issue) bool {
	path := joinPointer(is.loc)
	switch k := is.kind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			v.required(childPath(path, name), "required")
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			v.required(childPath(path, name), "dependentRequired")
		}
	case *kind.Dependency:
		for _, name := range k.Missing {
			v.required(childPath(path, name), "dependencies")
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			v.push(childPath(path, name), "notAllowed", "additionalProperties", map[string]any{"property": name})
		}
	case *kind.FalseSchema:
		v.push(path, "notAllowed", "false", nil)
	case *kind.PropertyNames:
		v.push(path, "propertyNames", "propertyNames", map[string]any{"property": k.Property})
	case *forms.DateOrderKind:
		earlierPath := childPath(path, k.Earlier)
		earlier := k.Earlier
		if fd := v.form.Field(earlierPath); fd != nil {
			earlier = fd.Label
		}
		v.push(childPath(path, k.Later), "dateOrder", "x-dateOrder", map[string]any{
			"earlier": earlier, "earlierPath": earlierPath, "earlierValue": k.EarlierValue, "value": k.LaterValue,
		})
	case *forms.AttachmentKind:
		switch k.Reason {
		case forms.AttachmentTooFew:
			v.push(path, "attachment.minFiles", "minFiles", map[string]any{"limit": k.Limit, "actual": k.Got})
		case forms.AttachmentTooMany:
			v.push(path, "attachment.maxFiles", "maxFiles", map[string]any{"limit": k.Limit, "actual": k.Got})
		default: // not a list of distinct ids: not what the server stores, so tampered or stale
			v.push(path, "attachment.invalid", "x-attachment", nil)
		}
	case *forms.CodelistKind:
		v.push(path, "choice", "x-codelist", map[string]any{"value": k.Got, "listURI": k.URI, "listVersionID": k.Version})
	case *forms.MinDateKind:
		id := "minDate"
		if k.Today {
			id = "minDate.today"
		}
		v.push(path, id, "x-minDate", map[string]any{"limit": k.Want, "value": k.Got})
	case *forms.MaxDateKind:
		id := "maxDate"
		if k.Today {
			id = "maxDate.today"
		}
		v.push(path, id, "x-maxDate", map[string]any{"limit": k.Want, "value": k.Got})
	case *kind.Type:
		id := "type"
		var want []string
		for _, t := range k.Want {
			if t != "null" {
				want = append(want, t)
			}
		}
		if len(want) == 1 {
			id = "type." + want[0]
		} else if len(want) == 0 && len(k.Want) > 0 {
			id = "type.null"
		}
		v.push(path, id, "type", map[string]any{"want": append([]string(nil), k.Want...), "got": k.Got})
	case *kind.Const:
		fd := v.field(path)
		switch {
		case fd != nil && fd.Widget == forms.WidgetCheckbox && k.Want == true:
			v.push(path, "required.confirm", "const", nil)
		case fd != nil && len(fd.Choices) > 0:
			v.push(path, "choice", keywordOr(is.keyword, "const"), map[string]any{"choices": choiceValues([]any{k.Want})})
		default:
			v.push(path, "const", "const", nil)
		}
	case *kind.Enum:
		v.push(path, "choice", keywordOr(is.keyword, "enum"), map[string]any{"choices": choiceValues(k.Want)})
	case *kind.Format:
		id := "format"
		if formatIDs[k.Want] {
			id = "format." + k.Want
		}
		params := map[string]any{"format": k.Want}
		if _, german := forms.Formats[k.Want]; (german || k.Want == "date" || k.Want == "time" || k.Want == "date-time") && k.Err != nil {
			params["detail"] = k.Err.Error()
		}
		v.push(path, id, "format", params)
	case *kind.MinLength:
		if k.Got == 0 && k.Want > 0 {
			// An empty text where one is needed: the citizen left the field blank.
			v.required(path, "minLength")
			break
		}
		v.push(path, "minLength", "minLength", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.MaxLength:
		v.push(path, "maxLength", "maxLength", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.Pattern:
		v.push(path, "pattern", "pattern", nil)
	case *kind.Minimum:
		v.push(path, "minimum", "minimum", ratParams(k.Want, k.Got))
	case *kind.Maximum:
		v.push(path, "maximum", "maximum", ratParams(k.Want, k.Got))
	case *kind.ExclusiveMinimum:
		v.push(path, "exclusiveMinimum", "exclusiveMinimum", ratParams(k.Want, k.Got))
	case *kind.ExclusiveMaximum:
		v.push(path, "exclusiveMaximum", "exclusiveMaximum", ratParams(k.Want, k.Got))
	case *kind.MultipleOf:
		v.push(path, "multipleOf", "multipleOf", ratParams(k.Want, k.Got))
	case *kind.MinItems:
		v.push(path, v.itemsID(path, "minItems"), "minItems", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.MaxItems:
		v.push(path, v.itemsID(path, "maxItems"), "maxItems", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.UniqueItems:
		v.push(path, "uniqueItems", "uniqueItems", map[string]any{"first": k.Duplicates[0] + 1, "second": k.Duplicates[1] + 1})
	case *kind.MinProperties:
		v.push(path, "minProperties", "minProperties", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.MaxProperties:
		v.push(path, "maxProperties", "maxProperties", map[string]any{"limit": k.Want, "actual": k.Got})
	case *kind.AdditionalItems:
		v.push(path, "additionalItems", "additionalItems", map[string]any{"count": k.Count})
	case *kind.Contains:
		v.push(path, "contains", "contains", nil)
	case *kind.MinContains:
		v.push(path, "minContains", "minContains", map[string]any{"limit": k.Want, "actual": len(k.Got)})
	case *kind.MaxContains:
		v.push(path, "maxContains", "maxContains", map[string]any{"limit": k.Want, "actual": len(k.Got)})
	case *kind.ContentEncoding:
		v.push(path, "contentEncoding", "contentEncoding", map[string]any{"encoding": k.Want})
	case *kind.ContentMediaType:
		v.push(path, "contentMediaType", "contentMediaType", map[string]any{"mediaType": k.Want})
	case *kind.ContentSchema:
		v.push(path, "contentSchema", "contentSchema", nil)
	case *kind.Not:
		v.push(path, "not", "not", nil)
	case *kind.OneOf:
		if len(k.Subschemas) > 0 {
			v.push(path, "ambiguous", "oneOf", nil)
		} else {
			v.push(path, "noMatch", "oneOf", nil)
		}
	case *kind.AnyOf:
		v.push(path, "noMatch", "anyOf", nil)
	case *kind.AllOf:
		v.push(path, "invalid", "allOf", nil)
	case *kind.Reference:
		v.push(path, "invalid", k.Keyword, nil)
	case *kind.Group, *kind.Schema:
		v.push(path, "invalid", "", nil)
	case *kind.RefCycle:
		v.push(path, "schemaError", "", nil)
	case *kind.InvalidJsonValue:
		v.push(path, "invalidValue", "", nil)
	default:
		keyword := ""
		if kp := is.kind.KeywordPath(); len(kp) > 0 {
			keyword = kp[0]
		}
		v.push(path, "invalid", keyword, nil)
		return false
	}
	return true
}

// formatIDs are the formats with a message of their own; others get the generic "format".
var formatIDs = map[string]bool{
	"iban": true, "bic": true, "steuer-id": true, "plz": true, "kfz-kennzeichen": true,
	"telefon": true, "name": true, "latin": true, "date": true, "email": true,
}

// required reports a missing value; the message depends on how the field is shown.
func (v *validation) required(path, keyword string) {
	id := "required"
	if fd := v.field(path); fd != nil {
		switch {
		case fd.Widget == forms.WidgetCheckbox:
			id = "required.confirm"
		case fd.Widget == forms.WidgetFile:
			id = "required.file"
		case len(fd.Choices) > 0:
			id = "required.choice"
		}
	}
	v.push(path, id, keyword, nil)
}

// itemsID chooses between the list message ("add entries") and the checkbox-group message
// ("choose options").
func (v *validation) itemsID(path, id string) string {
	if fd := v.field(path); fd != nil && fd.Widget == forms.WidgetCheckboxes {
		return id + ".choice"
	}
	return id
}

func (v *validation) push(path, id, keyword string, params map[string]any) {
	v.errs = append(v.errs, FieldError{Path: v.owner(path), MessageID: id, Params: params, Keyword: keyword})
}

// field returns the field an error at path is shown at, or nil.
func (v *validation) field(path string) *forms.Field {
	return v.form.Field(v.owner(path))
}

// owner returns the path of the field an error at path belongs to: path itself when it is a
// field or lies outside every field, else the nearest enclosing field that is not a group or
// list of its own (an error at "/arten/2" of a checkbox group belongs to "/arten").
func (v *validation) owner(path string) string {
	if path == "" || v.form.Field(path) != nil {
		return path
	}
	for p := path; ; {
		i := strings.LastIndexByte(p, '/')
		if i <= 0 {
			return path
		}
		p = p[:i]
		if fd := v.form.Field(p); fd != nil {
			if fd.Widget != forms.WidgetGroup && fd.Widget != forms.WidgetRepeat {
				return p
			}
			return path
		}
	}
}

// finish keeps the most relevant error of each field and sorts them in layout order.
func (v *validation) finish() []FieldError {
	if len(v.errs) == 0 {
		return nil
	}
	type entry struct {
		fe    FieldError
		class int   // 0 the form, 1 a field, 2 an unknown path
		key   []int // layout position (see sortKey)
		prio  int
		extra string // tie-break: the params, printed with sorted keys
	}
	entries := make([]entry, len(v.errs))
	// Sorted as pointers: sort.Slice swaps them instead of the entries, in the same order.
	sorted := make([]*entry, len(v.errs))
	keys := make([]int, 0, 3*len(v.errs)) // the keys of all entries, one after the other
	for i, fe := range v.errs {
		e := &entries[i]
		n := len(keys)
		// Cheap enough to repeat for a second error at a path.
		e.class, keys = v.appendSortKey(keys, fe.Path)
		e.key = keys[n:len(keys):len(keys)]
		e.fe, e.prio = fe, errorPriority(fe.MessageID)
		sorted[i] = e
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.class != b.class {
			return a.class < b.class
		}
		if c := compareInts(a.key, b.key); c != 0 {
			return c < 0
		}
		if a.fe.Path != b.fe.Path {
			return a.fe.Path < b.fe.Path
		}
		if a.prio != b.prio {
			return a.prio < b.prio
		}
		if a.fe.MessageID != b.fe.MessageID {
			return a.fe.MessageID < b.fe.MessageID
		}
		if a.fe.Keyword != b.fe.Keyword {
			return a.fe.Keyword < b.fe.Keyword
		}
		if a.extra == "" {
			a.extra = fmt.Sprint(a.fe.Params)
		}
		if b.extra == "" {
			b.extra = fmt.Sprint(b.fe.Params)
		}
		return a.extra < b.extra
	})
	out := make([]FieldError, 0, len(sorted))
	for i, e := range sorted {
		if i > 0 && e.fe.Path == sorted[i-1].fe.Path {
			continue
		}
		out = append(out, e.fe)
	}
	return out
}

// errorPriority ranks errors at the same field: a missing value first, then a value that cannot
// be processed, a wrong type, a wrong format, and everything else.
func errorPriority(id string) int {
	base, _, _ := strings.Cut(id, ".")
	switch base {
	case "required":
		return 0
	case "invalidValue", "schemaError":
		return 1
	case "type":
		return 2
	case "format":
		return 3
	}
	return 4
}

// sortKey returns the layout position of path: class 0 for the form as a whole, 1 for a
// field and 2 for a path that is no field. The key of a field lists, for every list on the
// way, the list's layout index and the item index, then the field's own layout index, so
// that "/hunde/0/…" comes before "/hunde/1/…" and both after "/hunde".
func (v *validation) sortKey(path string) (int, []int) { return v.appendSortKey(nil, path) }

// appendSortKey is sortKey appending the key to buf (finish keeps the keys of all errors in
// one slice); it returns the class and buf with the key, if any, appended.
func (v *validation) appendSortKey(buf []int, path string) (int, []int) {
	if path == "" {
		return 0, buf
	}
	key := buf
	// The pattern so far, in one buffer on the stack: this runs for every error.
	var stack [128]byte
	pattern := stack[:0]
	rest := path[1:]
	for more := true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, "/")
		if len(pattern) > 0 {
			if fd := v.form.Field(string(pattern)); fd != nil && fd.Type == "array" {
				if n, err := strconv.Atoi(seg); err == nil && n >= 0 {
					key = append(key, v.position(fd), n)
					pattern = append(pattern, "/*"...)
					continue
				}
			}
		}
		pattern = append(append(pattern, '/'), seg...)
	}
	fd := v.form.Field(string(pattern))
	if fd == nil {
		return 2, buf
	}
	return 1, append(key, v.position(fd))
}

func (v *validation) position(fd *forms.Field) int {
	if i := v.form.Position(fd); i >= 0 {
		return i
	}
	return len(v.form.Fields)
}

func compareInts(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// ---------------------------------------------------------------- helpers

// joinPointer joins unescaped tokens to a JSON pointer.
func joinPointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	n := 0
	for _, t := range tokens {
		n += 1 + len(t)
	}
	var sb strings.Builder
	sb.Grow(n) // enough unless a token needs escaping
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(escapeToken(t))
	}
	return sb.String()
}

func childPath(parent, name string) string { return parent + "/" + escapeToken(name) }

func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

func unescapeToken(t string) string {
	if !strings.Contains(t, "~") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

func keywordOr(keyword, fallback string) string {
	if keyword != "" {
		return keyword
	}
	return fallback
}

// ratParams returns the "limit" and "actual" parameters of a numeric limit.
func ratParams(want, got *big.Rat) map[string]any {
	p := map[string]any{}
	if want != nil {
		p["limit"], _ = want.Float64()
	}
	if got != nil {
		p["actual"], _ = got.Float64()
	}
	return p
}

// choiceValues keeps the values that can be shown as a choice (no objects or lists), with
// numbers as float64 so that params look the same whatever the schema's number type was.
func choiceValues(values []any) []any {
	out := make([]any, 0, len(values))
	for _, x := range values {
		switch x := x.(type) {
		case nil, bool, string:
			out = append(out, x)
		case json.Number:
			if f, err := x.Float64(); err == nil {
				out = append(out, f)
			}
		case float64, int, int64:
			out = append(out, x)
		}
	}
	return out
}
