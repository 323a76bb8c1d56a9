package forms

import (
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// RequiredIf says when the schema requires a field outside lists that only conditions
// require (Field.RequiredWhen), for schemas that say so plainly: the field is required while
// a sibling in Keys has a value (dependentRequired), while the object around it meets an
// "if" of Met whose "then" requires it, or fails an "if" of Failed whose "else" does. The
// engine then decides the required mark of a step page with these small schemas instead of
// validating the whole form once per field.
//
// It is nil when anything else in the schema could require the field as well (a condition
// inside oneOf, anyOf, not or dependentSchemas, a nested if, draft-7 dependencies), or when
// more than one schema applies to the object around it: those fields are decided by
// validating the whole form.
type RequiredIf struct {
	Keys   []string
	Met    []*jsonschema.Schema
	Failed []*jsonschema.Schema
}

// requiredIfAt works out RequiredIf for the field at path (no list items) in the schema root.
func requiredIfAt(root *jsonschema.Schema, path string) *RequiredIf {
	if strings.Contains(path, "*") || !strings.HasPrefix(path, "/") {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	obj := root
	for _, seg := range segs[:len(segs)-1] {
		if obj = soleProperty(obj, unescapePointer(seg)); obj == nil {
			return nil
		}
	}
	return plainRequiredIf(obj, unescapePointer(segs[len(segs)-1]))
}

// soleProperty returns the schema of property name of the object schema s when it is the
// only schema that applies to that property's value: exactly one part of s lists it, and
// nothing else (patternProperties, an additionalProperties schema of another part, a
// conditional subschema that has properties of that name) could apply to it.
func soleProperty(s *jsonschema.Schema, name string) *jsonschema.Schema {
	var found *jsonschema.Schema
	for _, p := range objectParts(s) {
		if len(p.PatternProperties) > 0 || p.UnevaluatedProperties != nil {
			return nil
		}
		ps, listed := p.Properties[name]
		if _, isSchema := p.AdditionalProperties.(*jsonschema.Schema); isSchema && !listed {
			return nil
		}
		if listed {
			if found != nil {
				return nil
			}
			found = ps
		}
		for _, sub := range conditionalParts(p) {
			if touches(sub, name, 0) {
				return nil
			}
		}
	}
	return found
}

// touches reports whether s, or a subschema that applies to the same value, could apply a
// schema to property name.
func touches(s *jsonschema.Schema, name string, depth int) bool {
	if s == nil {
		return false
	}
	if depth > 32 || len(s.PatternProperties) > 0 || s.UnevaluatedProperties != nil || s.Properties[name] != nil {
		return true
	}
	if _, isSchema := s.AdditionalProperties.(*jsonschema.Schema); isSchema {
		return true
	}
	for _, sub := range inPlace(s) {
		if touches(sub, name, depth+1) {
			return true
		}
	}
	return false
}

// plainRequiredIf works out RequiredIf for the property name of the object schema obj.
func plainRequiredIf(root *jsonschema.Schema, name string) *RequiredIf {
	r := &RequiredIf{}
	plain := true
	// elsewhere walks the in-place subschemas that may not mention name at all.
	var elsewhere func(s *jsonschema.Schema, depth int)
	elsewhere = func(s *jsonschema.Schema, depth int) {
		if s == nil || !plain {
			return
		}
		if depth > 32 || contains(s.Required, name) || mentionsDependency(s, name) {
			plain = false
			return
		}
		for _, sub := range inPlace(s) {
			elsewhere(sub, depth+1)
		}
	}
	// conditional walks the parts of a "then" or "else": their required may name the field,
	// anything conditional in them may not.
	conditional := func(branch *jsonschema.Schema) bool {
		found := false
		for _, p := range objectParts(branch) {
			if contains(p.Required, name) {
				found = true
			}
			if mentionsDependency(p, name) {
				plain = false
			}
			for _, sub := range conditionalParts(p) {
				elsewhere(sub, 1)
			}
		}
		return found
	}
	for _, p := range objectParts(root) {
		for key, deps := range p.DependentRequired {
			if contains(deps, name) && key != name {
				r.Keys = append(r.Keys, key)
			}
		}
		for _, d := range p.Dependencies {
			if deps, ok := d.([]string); ok && contains(deps, name) {
				plain = false
			}
		}
		if p.If != nil {
			// The "if" itself never reports errors: only its branches can require the field.
			if p.Then != nil && conditional(p.Then) {
				r.Met = append(r.Met, p.If)
			}
			if p.Else != nil && conditional(p.Else) {
				r.Failed = append(r.Failed, p.If)
			}
		}
		for _, sub := range conditionalParts(p) {
			if sub != nil && (sub == p.Then || sub == p.Else) {
				continue // handled above; without an if they do nothing
			}
			elsewhere(sub, 1)
		}
	}
	if !plain || len(r.Keys)+len(r.Met)+len(r.Failed) == 0 {
		return nil
	}
	return r
}

// inPlace are the subschemas that apply to the same value as s.
func inPlace(s *jsonschema.Schema) []*jsonschema.Schema {
	out := append([]*jsonschema.Schema{s.Ref, s.If}, s.AllOf...)
	return append(out, conditionalParts(s)...)
}

// conditionalParts are the subschemas of s that apply to the same value only under a
// condition (objectParts already follows $ref and allOf).
func conditionalParts(s *jsonschema.Schema) []*jsonschema.Schema {
	out := []*jsonschema.Schema{s.RecursiveRef, s.Not, s.Then, s.Else}
	if s.DynamicRef != nil {
		out = append(out, s.DynamicRef.Ref)
	}
	out = append(out, s.AnyOf...)
	out = append(out, s.OneOf...)
	out = append(out, dependentSchemas(s)...)
	for _, d := range s.Dependencies {
		if sub, ok := d.(*jsonschema.Schema); ok {
			out = append(out, sub)
		}
	}
	return out
}

// mentionsDependency reports whether a dependentRequired or draft-7 dependencies of s lists name.
func mentionsDependency(s *jsonschema.Schema, name string) bool {
	for _, deps := range s.DependentRequired {
		if contains(deps, name) {
			return true
		}
	}
	for _, d := range s.Dependencies {
		if deps, ok := d.([]string); ok && contains(deps, name) {
			return true
		}
	}
	return false
}

// RuleDepends reports whether a rule of the layout looks at the value at path (a concrete
// or pattern data path), at something inside it or at an object around it.
func (f *Form) RuleDepends(path string) bool {
	for _, c := range f.conds {
		if c.Path == "" || c.Path == "/" || c.Path == path ||
			strings.HasPrefix(c.Path, path+"/") || strings.HasPrefix(path, c.Path+"/") {
			return true
		}
	}
	return false
}
