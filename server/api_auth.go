package server

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// The pull API of the back offices (/api/v1), described in openapi.json:
//
//	GET  /api/v1/submissions                                     pending submissions of the token's destination
//	GET  /api/v1/submissions/{id}                                the envelope, byte for byte as the webhook sends it
//	GET  /api/v1/submissions/{id}/receipt                        the receipt PDF
//	GET  /api/v1/submissions/{id}/attachments/{attachmentId}     a file of the submission, streamed
//	POST /api/v1/submissions/{id}/ack                            the back office has it: delivered
//
// A back office authenticates with a bearer token; the operator keeps only its SHA-256
// (engine.APIToken). A token reads the submissions of its forms and acknowledges for its
// destination. There are no cookies, so there is no CSRF check; the acknowledgement goes through
// the rate limit and the body limit like every POST.

// ctxAPIToken holds the *engine.APIToken of an authenticated API request.
const ctxAPIToken = "ozgform.apiToken"

// apiAuth lets a request pass with a known bearer token, and answers 401 otherwise. Failed
// attempts count against the client's rate limit, so that guessing costs time.
func (s *Server) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		var t *engine.APIToken
		if strings.EqualFold(scheme, "Bearer") {
			t = engine.FindAPIToken(s.cfg.APITokens, token)
		}
		if t != nil {
			c.Set(ctxAPIToken, t)
			return next(c)
		}
		if s.limiter != nil && !s.limiter.allow(c.RealIP()) {
			c.Response().Header().Set("Retry-After", "1")
			return &pageError{status: http.StatusTooManyRequests}
		}
		e := apiErr(http.StatusUnauthorized, "")
		switch {
		case len(s.cfg.APITokens) == 0:
			e.detail = "Für diesen Dienst sind keine API-Tokens eingerichtet. Der Betreiber richtet sie in der Konfigurationsdatei ein (api.tokens)."
		case token == "" || !strings.EqualFold(scheme, "Bearer"):
			e.detail = "Die Anfrage hat kein Token. Senden Sie es im Header Authorization: Bearer <Token>."
		default:
			e.detail = "Das Token ist unbekannt."
			// RFC 6750: the client presented a token, and it is not valid.
			e.headers = map[string]string{"WWW-Authenticate": `Bearer realm="ozgform", error="invalid_token"`}
		}
		return e
	}
}

// apiToken returns the token of an authenticated request.
func apiToken(c echo.Context) *engine.APIToken {
	t, _ := c.Get(ctxAPIToken).(*engine.APIToken)
	return t
}

// apiBodyLimit refuses bodies over the configured limit with 413. The acknowledgement expects
// none; whatever comes is read (up to the limit) and ignored.
func (s *Server) apiBodyLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > s.cfg.BodyLimit {
			return &pageError{status: http.StatusRequestEntityTooLarge}
		}
		if _, err := io.Copy(io.Discard, http.MaxBytesReader(c.Response(), req.Body, s.cfg.BodyLimit)); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return &pageError{status: http.StatusRequestEntityTooLarge}
			}
			return apiErr(http.StatusBadRequest, "Der Inhalt der Anfrage konnte nicht gelesen werden.")
		}
		return next(c)
	}
}

// apiSubmission loads the submission named in the URL and checks that the request's token may
// read it: 404 for an unknown id and, alike, for a submission of a form outside the token's forms.
func (s *Server) apiSubmission(c echo.Context) (*engine.Submission, error) {
	id := c.Param("id")
	if !canonicalUUID(id) {
		return nil, apiErr(http.StatusNotFound, "„"+clipParam(id)+"“ ist keine Einreichungs-ID (eine UUID wie 0f8fad5b-d9cb-469f-a165-70867728950e).")
	}
	// An unknown id and a submission of a form outside the token's forms get the same answer,
	// so that a token cannot learn which ids exist elsewhere.
	notFound := apiErr(http.StatusNotFound, "Die Einreichung "+id+" gibt es nicht, oder dieses Token darf sie nicht lesen.")
	sub, err := s.svc.Store.Submission(c.Request().Context(), id)
	if engine.KindOf(err) == engine.KindNotFound {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if !apiToken(c).Allows(sub.FormID) {
		return nil, notFound
	}
	return sub, nil
}

// apiSubmissionData is apiSubmission for the handlers that hand out personal data: 410 once the
// retention purge has deleted it, and the form in the version of the submission (the catalog's,
// or the files the store keeps for the version), without which neither envelope nor receipt
// can be built (503: the operator can load it again).
func (s *Server) apiSubmissionData(c echo.Context) (*engine.Submission, *forms.Form, error) {
	sub, err := s.apiSubmission(c)
	if err != nil {
		return nil, nil, err
	}
	if sub.Purged {
		return nil, nil, apiErr(http.StatusGone, "Die Daten der Einreichung "+sub.ID+" ("+sub.Reference+
			") wurden nach Ablauf der Aufbewahrungsfrist gelöscht; es bleiben nur IDs, Hashes und Zeiten.")
	}
	f, err := s.forms.versions().ForSubmission(c.Request().Context(), sub)
	if engine.KindOf(err) == engine.KindNotFound {
		s.log.Warn("api: the submission's form version is neither loaded nor stored", "submission", sub.ID, "form", sub.FormID, "version", sub.FormVersion)
		return nil, nil, apiErr(http.StatusServiceUnavailable, "Das Formular „"+sub.FormID+"“ in Version "+sub.FormVersion+
			" ist auf diesem Server nicht geladen; ohne es lassen sich Umschlag und Eingangsbestätigung nicht erstellen.")
	}
	if err != nil {
		return nil, nil, err
	}
	return sub, f, nil
}

// canonicalUUID reports whether s is a UUID in its canonical lower-case form.
func canonicalUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// clipParam shortens a URL parameter for a message.
func clipParam(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// setContentHeaders sets the headers of a document the API hands out: its SHA-512 as the ETag
// (hex) and as Repr-Digest (RFC 9530), and its length. It reports whether the client's
// If-None-Match names this document (then the answer is 304).
func setContentHeaders(c echo.Context, sha512Hex string, size int64) (notModified bool) {
	h := c.Response().Header()
	etag := `"` + sha512Hex + `"`
	h.Set("ETag", etag)
	if raw, err := hex.DecodeString(sha512Hex); err == nil {
		h.Set("Repr-Digest", "sha-512=:"+base64.StdEncoding.EncodeToString(raw)+":")
	}
	for _, tag := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
		if t := strings.TrimPrefix(strings.TrimSpace(tag), "W/"); t == etag || t == "*" {
			return true
		}
	}
	h.Set("Content-Length", itoa64(size))
	return false
}

// contentDisposition is an attachment disposition for a file name: an ASCII fallback in
// filename (quotes, backslashes and non-ASCII replaced) and the name itself in filename*
// (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r > 0x7e:
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			ext.WriteByte(b)
		} else {
			ext.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{b})))
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}
