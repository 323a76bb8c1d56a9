package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ozgform/ozgform/authority"

	"github.com/ozgform/ozgform/engine"
)

// The columns that the Scan functions read, in their order.
const (
	// DraftColumns are read from drafts d.
	DraftColumns = `d.id, d.form_id, d.form_version, d.lang, d.data, d.created_at, d.updated_at, d.expires_at, d.municipality, d.saved_step`

	SubmissionColumns = `id, reference, form_id, form_version, schema_hash, lang, data, data_hash,
	submitted_at, draft_id, access_token, delivered_at, purged_at, authority_id, authority`

	// OutboxColumns are read from outbox o joined with submissions s.
	OutboxColumns = `o.id, o.submission_id, o.destination, o.state, o.attempts, o.next_attempt_at,
	o.last_error, o.created_at, o.updated_at, COALESCE(o.queued_at, o.created_at), o.delivered_at,
	COALESCE(o.worker, ''), o.lease_until, s.form_id, s.authority_id, COALESCE(o.progress, '')`

	AttachmentColumns = `id, draft_id, submission_id, filename, media_type, size, sha512, created_at`
)

// ScanDraft reads DraftColumns, after the columns that before points to.
func ScanDraft(t Times, row Scanner, before ...any) (*engine.Draft, error) {
	var (
		d    engine.Draft
		data []byte
	)
	dest := append(before, &d.ID, &d.FormID, &d.FormVersion, &d.Lang, &data,
		Time(&d.CreatedAt), Time(&d.UpdatedAt), Time(&d.ExpiresAt), &d.Municipality, &d.SavedStep)
	if err := Scan(t, row, dest...); err != nil {
		return nil, err
	}
	d.Data = data
	return &d, nil
}

// ScanSubmission reads SubmissionColumns.
func ScanSubmission(t Times, row Scanner) (*engine.Submission, error) {
	var (
		s       engine.Submission
		data    []byte
		draftID sql.NullString
		purged  time.Time
		auth    string
	)
	if err := Scan(t, row, &s.ID, &s.Reference, &s.FormID, &s.FormVersion, &s.SchemaHash, &s.Lang, &data,
		&s.DataHash, Time(&s.SubmittedAt), &draftID, &s.AccessToken, Time(&s.DeliveredAt), Time(&purged),
		&s.AuthorityID, &auth); err != nil {
		return nil, err
	}
	if auth != "" {
		s.Authority = new(authority.Responsible)
		if err := json.Unmarshal([]byte(auth), s.Authority); err != nil {
			return nil, fmt.Errorf("submission %s: the authority snapshot: %w", s.ID, err)
		}
	}
	s.Data = data
	s.DraftID = draftID.String
	if !purged.IsZero() {
		// A tombstone: the data is gone (the column holds {}).
		s.Purged, s.Data, s.PurgedAt = true, nil, purged
	}
	return &s, nil
}

// ScanOutbox reads OutboxColumns.
func ScanOutbox(t Times, row Scanner) (*engine.OutboxMessage, error) {
	var (
		m        engine.OutboxMessage
		state    string
		progress string
	)
	if err := Scan(t, row, &m.ID, &m.SubmissionID, &m.Destination, &state, &m.Attempts, Time(&m.NextAttemptAt), &m.LastError,
		Time(&m.CreatedAt), Time(&m.UpdatedAt), Time(&m.QueuedAt), Time(&m.DeliveredAt), &m.Worker, Time(&m.LeaseUntil), &m.FormID, &m.AuthorityID,
		&progress); err != nil {
		return nil, err
	}
	m.State = engine.OutboxState(state)
	if progress != "" {
		m.Progress = []byte(progress)
	}
	return &m, nil
}

// ScanAttachment reads AttachmentColumns.
func ScanAttachment(t Times, row Scanner) (*engine.StoredAttachment, error) {
	var (
		a                 engine.StoredAttachment
		draft, submission sql.NullString
	)
	if err := Scan(t, row, &a.ID, &draft, &submission, &a.Filename, &a.MediaType, &a.Size, &a.SHA512, Time(&a.CreatedAt)); err != nil {
		return nil, err
	}
	a.DraftID, a.SubmissionID = draft.String, submission.String
	return &a, nil
}

// Queryer is a *sql.DB or *sql.Tx.
type Queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryOutbox lists the messages that where (a condition on o and s, with ORDER BY) selects.
func QueryOutbox(ctx context.Context, t Times, q Queryer, where string, args ...any) ([]*engine.OutboxMessage, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+OutboxColumns+`
		FROM outbox o JOIN submissions s ON s.id = o.submission_id
		WHERE `+where, args...)
	return Collect(rows, err, func(row Scanner) (*engine.OutboxMessage, error) { return ScanOutbox(t, row) })
}

// ScanOutboxCount reads destination, state, count and the oldest queue time.
func ScanOutboxCount(t Times, row Scanner) (engine.OutboxCount, error) {
	var (
		c     engine.OutboxCount
		state string
	)
	if err := Scan(t, row, &c.Destination, &state, &c.Count, Time(&c.OldestQueue)); err != nil {
		return engine.OutboxCount{}, err
	}
	c.State = engine.OutboxState(state)
	return c, nil
}

// ScanDisabledDestination reads name, reason and disabled_at.
func ScanDisabledDestination(t Times, row Scanner) (engine.DisabledDestination, error) {
	var d engine.DisabledDestination
	if err := Scan(t, row, &d.Name, &d.Reason, Time(&d.DisabledAt)); err != nil {
		return engine.DisabledDestination{}, err
	}
	return d, nil
}

// AuthoritySnapshot returns the text of a submission's authority column: its snapshot as
// JSON, or "" for a form of one authority.
func AuthoritySnapshot(s *engine.Submission) (string, error) {
	if s.Authority == nil {
		return "", nil
	}
	b, err := json.Marshal(s.Authority)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
