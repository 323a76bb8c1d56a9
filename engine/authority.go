package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
)

// ErrAuthorityUnresolved: a form that many authorities use cannot be submitted before its
// responsible authority is known (the municipality question is unanswered, or no authority
// serves the municipality).
var ErrAuthorityUnresolved = errors.New("the responsible authority is not known")

// ManyAuthorities reports whether the form's submissions go to the authority of the
// citizen's municipality: the form says so in form.json and the operator has configured
// authorities.
func (s *Service) ManyAuthorities(form *forms.Form) bool {
	return form.Manifest.Authorities != nil && s.Authorities != nil
}

// Responsible resolves the authority responsible for a draft from its answers and the
// municipality the citizen chose. For a form of one authority it is Resolved without an
// Authority.
func (s *Service) Responsible(form *forms.Form, d *Draft) authority.Resolution {
	if !s.ManyAuthorities(form) {
		return authority.Resolution{Status: authority.Resolved}
	}
	data, err := DecodeData(d.Data)
	if err != nil {
		return authority.Resolution{Status: authority.Pending}
	}
	spec := form.Manifest.Authorities
	if spec.ARS != "" {
		return s.Authorities.ByARS(answerText(data, spec.ARS))
	}
	return s.Authorities.ByPLZ(answerText(data, spec.PLZ), answerText(data, spec.Ort), d.Municipality)
}

// answerText returns the text answer at path, or "".
func answerText(data map[string]any, path string) string {
	if path == "" {
		return ""
	}
	v, _ := forms.Lookup(data, path, nil)
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// ChooseMunicipality stores the municipality the citizen chose among those of the postal
// code. KindInvalid when ars is not one of them.
func (s *Service) ChooseMunicipality(ctx context.Context, form *forms.Form, d *Draft, ars string) error {
	const op = "engine.ChooseMunicipality"
	if !s.ManyAuthorities(form) || form.Manifest.Authorities.PLZ == "" {
		return E(KindInvalid, op, errors.New("the form does not ask for a municipality"))
	}
	data, err := DecodeData(d.Data)
	if err != nil {
		return E(KindInvalid, op, err)
	}
	spec := form.Manifest.Authorities
	r := s.Authorities.ByPLZ(answerText(data, spec.PLZ), "", "")
	found := false
	for _, m := range r.Candidates {
		found = found || m.ARS == ars
	}
	if !found {
		return E(KindInvalid, op, fmt.Errorf("municipality %q is not one of the postal code's", ars))
	}
	d.Municipality = ars
	d.UpdatedAt = s.now()
	return s.Store.UpdateDraft(ctx, d)
}

// submissionDestinations returns the destinations of a submission: the authority's for the
// form, or the form's when the authority names none.
func (s *Service) submissionDestinations(form *forms.Form, r *authority.Resolution) []string {
	if r != nil && r.Authority != nil {
		if d := r.Authority.DestinationsFor(form.Manifest.ID); len(d) > 0 {
			return d
		}
	}
	return s.destinations(form)
}
