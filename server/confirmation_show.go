package server

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

var errFormDefect = errors.New("validation error outside every page")

// confirmationShow shows the Vorgangsnummer, the time and the receipt download. Only the
// submitting browser (its access cookie) or the unguessable link (?token=) opens it;
// everyone else gets the 404 page, so that Vorgangsnummern cannot be probed.
func (s *Server) confirmationShow(c echo.Context) error {
	sub, viaToken, err := s.submissionWithAccess(c)
	if err != nil {
		return err
	}
	// The form in the submission's version; the page needs only its title, so the current
	// version does when that one is neither served nor stored.
	f, err := s.forms.versions().ForSubmission(c.Request().Context(), sub)
	if engine.KindOf(err) == engine.KindNotFound {
		if f = s.forms.Get(sub.FormID); f == nil {
			return &pageError{status: http.StatusNotFound}
		}
	} else if err != nil {
		return err
	}
	tokenURL := receiptURL(sub.Reference) + "?token=" + url.QueryEscape(sub.AccessToken)
	p := &renderer.ConfirmationPage{
		Common:      s.commonForAuthority(c, f, sub.AuthorityID),
		Form:        f,
		Reference:   sub.Reference,
		SubmittedAt: sub.SubmittedAt,
		ReceiptURL:  receiptURL(sub.Reference),
		TokenURL:    tokenURL,
		HomeURL:     "/",
		Authority:   sub.Authority,
	}
	if viaToken {
		p.ReceiptURL = tokenURL
		p.SwitchURL = ""
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Confirmation(w, p) })
}

// submissionWithAccess loads the submission named in the URL if the request may see it.
func (s *Server) submissionWithAccess(c echo.Context) (*engine.Submission, bool, error) {
	ref := c.Param("reference")
	if len(ref) > 20 {
		return nil, false, &pageError{status: http.StatusNotFound}
	}
	sub, err := s.svc.Submission(c.Request().Context(), ref)
	if err != nil {
		if engine.KindOf(err) == engine.KindNotFound {
			return nil, false, &pageError{status: http.StatusNotFound}
		}
		return nil, false, err
	}
	if ck, err := c.Cookie(cookieAccess); err == nil && sameToken(ck.Value, sub.AccessToken) {
		return sub, false, nil
	}
	if tok := c.QueryParam("token"); tok != "" && sameToken(tok, sub.AccessToken) {
		return sub, true, nil
	}
	return nil, false, &pageError{status: http.StatusNotFound}
}

func sameToken(a, b string) bool {
	return b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
