package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// submissionCreate submits the draft: complete validation, then one transaction with the
// submission, its outbox messages and the consumption of the draft. The citizen sees the
// confirmation only after the commit. A resent POST (double click, reload) finds the
// submission of the consumed draft and shows the same confirmation; invalid data sends the
// citizen to the first page with a problem.
func (s *Server) submissionCreate(c echo.Context) error {
	f, err := s.formOf(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d, err := s.draftOf(c, f)
	if err != nil {
		if err != errNoDraft {
			if sub, serr := s.svc.SubmissionForDraft(ctx, draftID(c, f)); serr == nil && sub.FormID == f.Manifest.ID {
				s.setAccessCookie(c, sub)
				return redirect(c, confirmationURL(sub.Reference))
			} else if engine.KindOf(serr) == engine.KindUnavailable {
				return serr
			}
		}
		return noDraft(c, f, err)
	}
	if detour := s.authorityDetour(f, d, true); detour != "" {
		if sub, serr := s.svc.SubmissionForDraft(ctx, d.ID); serr == nil {
			s.setAccessCookie(c, sub)
			return redirect(c, confirmationURL(sub.Reference))
		}
		return redirect(c, detour)
	}
	sub, errs, err := s.svc.Submit(ctx, f, d)
	if err != nil {
		return err // KindUnavailable: the 503 page says nothing was sent and the draft is kept
	}
	if len(errs) > 0 {
		data, derr := decodeOrEmpty(d)
		if derr != nil {
			return derr
		}
		page := engine.FirstErrorPage(f, f.Evaluate(data), errs)
		if page < 0 {
			// An error no page can show (the form as a whole): a defect of the form.
			return engine.E(engine.KindInternal, "server.submit", errFormDefect)
		}
		return redirect(c, stepURL(f.Manifest.ID, page)+"?fehler=1&zurueck=pruefen#fehler")
	}
	s.setAccessCookie(c, sub)
	return redirect(c, confirmationURL(sub.Reference))
}

// setAccessCookie lets this browser open the confirmation and the receipt of a submission.
func (s *Server) setAccessCookie(c echo.Context, sub *engine.Submission) {
	s.setCookie(c, &http.Cookie{Name: cookieAccess, Value: sub.AccessToken, Path: confirmationURL(sub.Reference)})
}
