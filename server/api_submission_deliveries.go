package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
)

// apiDelivery is the state of one outbox message of a submission.
type apiDelivery struct {
	Destination string         `json:"destination"`
	State       string         `json:"state"` // queued, sending, delivered, retry, dead
	Attempts    int            `json:"attempts"`
	LastError   *string        `json:"lastError"`
	DeliveredAt *string        `json:"deliveredAt"` // RFC 3339, Europe/Berlin
	FITConnect  *apiFITConnect `json:"fitConnect"`  // null unless the destination is FIT-Connect and a submission was created
}

// apiFITConnect is what FIT-Connect made of a submission.
type apiFITConnect struct {
	Status       string               `json:"status"` // created, submitted, accepted, rejected
	SubmissionID string               `json:"submissionId"`
	CaseID       string               `json:"caseId"`
	Problems     []fitconnect.Problem `json:"problems"` // the authority's reasons of a rejection
}

// apiSubmissionDeliveries shows where a submission went: one entry per destination, with
// FIT-Connect's status (submitted, accepted or rejected by the authority) where it applies. It
// holds no personal data, so it answers for purged submissions too.
func (s *Server) apiSubmissionDeliveries(c echo.Context) error {
	sub, err := s.apiSubmission(c)
	if err != nil {
		return err
	}
	msgs, err := s.svc.Store.Outbox(c.Request().Context(), sub.ID)
	if err != nil {
		return err
	}
	out := struct {
		SubmissionID string        `json:"submissionId"`
		Reference    string        `json:"reference"`
		Deliveries   []apiDelivery `json:"deliveries"`
	}{SubmissionID: sub.ID, Reference: sub.Reference, Deliveries: make([]apiDelivery, 0, len(msgs))}
	for _, m := range msgs {
		d := apiDelivery{Destination: m.Destination, State: string(m.State), Attempts: m.Attempts}
		if m.LastError != "" && m.State != engine.OutboxDelivered {
			d.LastError = &m.LastError
		}
		if !m.DeliveredAt.IsZero() {
			at := m.DeliveredAt.In(berlin).Format(time.RFC3339)
			d.DeliveredAt = &at
		}
		if p, ok := fitconnect.ParseProgress(m.Progress); ok {
			problems := p.Problems
			if problems == nil {
				problems = []fitconnect.Problem{}
			}
			d.FITConnect = &apiFITConnect{Status: p.Status, SubmissionID: p.SubmissionID, CaseID: p.CaseID, Problems: problems}
		}
		out.Deliveries = append(out.Deliveries, d)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}
