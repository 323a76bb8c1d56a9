package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// apiBasePath is the prefix of the pull API's routes.
const apiBasePath = "/api/v1"

// Page sizes of the submission list.
const (
	apiDefaultLimit = 100
	apiMaxLimit     = 1000
)

// berlin is the time zone of the times the API shows, as in the envelope.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded (package engine imports it)
	}
	return loc
}()

// apiSubmissionItem is one pending submission in the list.
type apiSubmissionItem struct {
	ID          string   `json:"id"`
	Reference   string   `json:"reference"`
	FormID      string   `json:"formId"`
	FormVersion string   `json:"formVersion"`
	SubmittedAt string   `json:"submittedAt"` // RFC 3339, Europe/Berlin, as in the envelope
	Links       apiLinks `json:"links"`
}

// apiLinks are the addresses of a submission's resources, as absolute paths (they resolve
// against whatever address the back office reached the API by).
type apiLinks struct {
	Self    string `json:"self"`
	Receipt string `json:"receipt"`
	Ack     string `json:"ack"`
}

// apiSubmissionPage is the answer of the list.
type apiSubmissionPage struct {
	Submissions []apiSubmissionItem `json:"submissions"`
	// Next is the address of the next page, null on the last one.
	Next *string `json:"next"`
}

func submissionPath(id string) string { return apiBasePath + "/submissions/" + id }

// apiSubmissionList lists the submissions that wait for the token's destination: not yet
// acknowledged, oldest first, of the forms the token may read. ?limit= (1 to 1000, default
// 100) is the page size; ?after= a submission id, after which the list continues (the last
// of the previous page; the answer's "next" link carries it).
func (s *Server) apiSubmissionList(c echo.Context) error {
	ctx := c.Request().Context()
	t := apiToken(c)
	q := c.QueryParams()
	limit := apiDefaultLimit
	if raw := q.Get("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > apiMaxLimit {
			return apiErr(http.StatusBadRequest, "limit muss eine ganze Zahl von 1 bis 1000 sein, nicht „"+clipParam(raw)+"“.")
		}
		limit = n
	}
	// The messages of a pull destination stay queued until the back office acknowledges them
	// (the worker delivers only to webhooks): queued is pending. A replay queues one again.
	f := engine.OutboxFilter{State: engine.OutboxQueued, Destination: t.Destination, FormIDs: t.Forms, Limit: limit}
	if after := q.Get("after"); after != "" {
		if !canonicalUUID(after) {
			return apiErr(http.StatusBadRequest, "after muss die ID einer Einreichung sein (eine UUID), nicht „"+clipParam(after)+"“.")
		}
		prev, err := s.svc.Store.ListOutbox(ctx, engine.OutboxFilter{SubmissionID: after, Destination: t.Destination, FormIDs: t.Forms, Limit: 1})
		if err != nil {
			return err
		}
		if len(prev) == 0 {
			return apiErr(http.StatusBadRequest, "after: Die Einreichung "+after+" ist keine Einreichung für dieses Token.")
		}
		f.After = prev[0].ID
	}
	msgs, err := s.svc.Store.ListOutbox(ctx, f)
	if err != nil {
		return err
	}
	page := apiSubmissionPage{Submissions: make([]apiSubmissionItem, 0, len(msgs))}
	for _, m := range msgs {
		sub, err := s.svc.Store.Submission(ctx, m.SubmissionID)
		if engine.KindOf(err) == engine.KindNotFound {
			// A message without its submission: the store is inconsistent, not the request.
			return engine.E(engine.KindInternal, "server.apiSubmissionList", err)
		}
		if err != nil {
			return err
		}
		self := submissionPath(sub.ID)
		page.Submissions = append(page.Submissions, apiSubmissionItem{
			ID: sub.ID, Reference: sub.Reference, FormID: sub.FormID, FormVersion: sub.FormVersion,
			SubmittedAt: sub.SubmittedAt.In(berlin).Format(time.RFC3339),
			Links:       apiLinks{Self: self, Receipt: self + "/receipt", Ack: self + "/ack"},
		})
	}
	if len(msgs) == limit {
		next := apiBasePath + "/submissions?" + url.Values{
			"after": {msgs[len(msgs)-1].SubmissionID}, "limit": {strconv.Itoa(limit)},
		}.Encode()
		page.Next = &next
	}
	b, err := json.Marshal(page)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}
