package engine

// Checks shared by the store implementations (engine/sqlite, engine/postgres), so that both
// accept and refuse the same input; the conformance suite in engine/storetest keeps them honest.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CheckText reports whether the text fields can be stored alike in SQLite and PostgreSQL:
// valid UTF-8 without NUL.
func CheckText(fields ...string) error {
	for _, f := range fields {
		if !utf8.ValidString(f) || strings.ContainsRune(f, 0) {
			return errors.New("a text field is not valid UTF-8 or contains NUL")
		}
	}
	return nil
}

// CheckDraft checks a draft before it is written.
func CheckDraft(d *Draft) error {
	switch {
	case d == nil:
		return errors.New("no draft")
	case d.ID == "":
		return errors.New("the draft has no id")
	case d.FormID == "":
		return errors.New("the draft has no form id")
	case d.ExpiresAt.IsZero():
		return errors.New("the draft has no expiry time")
	case !json.Valid(d.Data):
		return errors.New("the draft's data is not valid JSON")
	}
	return CheckText(d.ID, d.FormID, d.FormVersion, d.Lang, d.Municipality)
}

// PrepareSubmission checks a submission and its outbox messages before they are written, and
// fills in what the caller may leave out: the times (now), the outbox messages' submission id
// and their state (queued).
func PrepareSubmission(s *Submission, outbox []*OutboxMessage, now time.Time) error {
	switch {
	case s == nil:
		return errors.New("no submission")
	case s.ID == "":
		return errors.New("the submission has no id")
	case s.Reference == "":
		return errors.New("the submission has no reference")
	case s.FormID == "":
		return errors.New("the submission has no form id")
	case !json.Valid(s.Data):
		return errors.New("the submission's data is not valid JSON")
	}
	if err := CheckText(s.ID, s.Reference, s.FormID, s.FormVersion, s.SchemaHash, s.Lang, s.DataHash,
		s.DraftID, s.AccessToken); err != nil {
		return err
	}
	for i, m := range outbox {
		switch {
		case m == nil:
			return fmt.Errorf("outbox message %d is missing", i)
		case m.ID == "":
			return fmt.Errorf("outbox message %d has no id", i)
		case m.Destination == "":
			return fmt.Errorf("outbox message %d has no destination", i)
		case m.SubmissionID != "" && m.SubmissionID != s.ID:
			return fmt.Errorf("outbox message %d belongs to another submission", i)
		case m.Attempts < 0:
			return fmt.Errorf("outbox message %d has a negative attempt count", i)
		}
		switch m.State {
		case "", OutboxQueued, OutboxSending, OutboxDelivered, OutboxRetry, OutboxDead:
		default:
			return fmt.Errorf("outbox message %d has an unknown state", i)
		}
		if err := CheckText(m.ID, m.Destination, m.LastError); err != nil {
			return fmt.Errorf("outbox message %d: %w", i, err)
		}
	}

	if s.SubmittedAt.IsZero() {
		s.SubmittedAt = now
	}
	for _, m := range outbox {
		m.SubmissionID = s.ID
		if m.State == "" {
			m.State = OutboxQueued
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		if m.UpdatedAt.IsZero() {
			m.UpdatedAt = m.CreatedAt
		}
		if m.NextAttemptAt.IsZero() {
			m.NextAttemptAt = now
		}
	}
	return nil
}

// Expired reports whether something that expires at expires is gone at now.
func Expired(expires, now time.Time) bool { return !now.Before(expires) }

// CheckFormVersion checks a form version's files before they are stored.
func CheckFormVersion(id, version string, files map[string][]byte) error {
	switch {
	case id == "":
		return errors.New("the form version has no form id")
	case version == "":
		return errors.New("the form version has no version")
	case files["schema.json"] == nil:
		return errors.New("the form version has no schema.json")
	}
	return CheckText(id, version)
}
