package server

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/finder"
	"github.com/ozgform/ozgform/renderer"
)

// formIndex is the service finder: GET /?suche=hund&kategorie=Steuern+und+Abgaben&seite=2
// finds forms by words of their title and summary, in one category, one page at a time. It
// works without JavaScript (a GET form and links).
func (s *Server) formIndex(c echo.Context) error {
	q := finder.Query{
		Text:     strings.TrimSpace(truncateRunes(c.QueryParam("suche"), 200)),
		Category: truncateRunes(c.QueryParam("kategorie"), 200),
	}
	q.Page, _ = strconv.Atoi(c.QueryParam("seite"))
	p := &renderer.IndexPage{
		Common:    s.common(c),
		Action:    "/",
		Query:     q.Text,
		Category:  q.Category,
		Result:    s.forms.finder().Search(q),
		FormURL:   func(f *forms.Entry) string { return formURL(f.Manifest.ID) },
		ResumeURL: "/fortsetzen",
	}
	p.PageURL = func(page int) string {
		v := url.Values{}
		if q.Text != "" {
			v.Set("suche", q.Text)
		}
		if q.Category != "" {
			v.Set("kategorie", q.Category)
		}
		if page > 1 {
			v.Set("seite", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return "/"
		}
		return "/?" + v.Encode()
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Index(w, p) })
}

// health answers the load balancer: the process serves requests.
func (s *Server) health(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// truncateRunes cuts s to at most n characters (a search is not a document).
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
