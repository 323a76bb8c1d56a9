package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// visibilityResponse tells the browser script which elements of the page to show, hide,
// enable and disable.
type visibilityResponse struct {
	States []renderer.RuleState `json:"states"`
}

// visibility evaluates the rules of a step on the server for the values the citizen has
// typed so far, without saving them, and answers with the states of the page's elements
// that carry rules. It is the script's only source of rules: there is no evaluator in the
// browser.
func (s *Server) visibility(c echo.Context) error {
	st, err := s.openStep(c)
	if err == errNoDraft {
		return &pageError{status: http.StatusNotFound}
	}
	if err != nil {
		return err
	}
	f, page, d, data := st.f, st.page, st.d, st.data
	values, err := stepValues(f, page, data, postedForm(c), langOf(c))
	if err != nil {
		return err
	}
	merged, vis, err := engine.Preview(f, d, page, values)
	if err != nil {
		return &pageError{status: http.StatusBadRequest}
	}
	return c.JSON(http.StatusOK, visibilityResponse{States: renderer.RuleStates(f, page, merged, vis)})
}
