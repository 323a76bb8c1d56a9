package engine

import (
	"context"
	"encoding/json"
	"time"
)

// Draft holds a citizen's answers while the form is being filled in.
type Draft struct {
	ID          string          // UUID; the only thing the browser's cookie holds
	FormID      string          //
	FormVersion string          //
	Lang        string          // "de" or "en"
	Data        json.RawMessage // the answers so far (a JSON object)
	CreatedAt   time.Time       //
	UpdatedAt   time.Time       //
	ExpiresAt   time.Time       // after this the draft is gone
}

// Submission is a submitted, completely validated form. Everything the back office receives
// (receipt, payload, deliveries) can be rebuilt from it.
type Submission struct {
	ID          string          // UUID
	Reference   string          // the Vorgangsnummer, e.g. "HST-7K3F-9QX2"
	FormID      string          //
	FormVersion string          //
	SchemaHash  string          // hex SHA-512 of the form's schema.json
	Lang        string          //
	Data        json.RawMessage // the validated data, hidden fields dropped
	DataHash    string          // hex SHA-512 of Data
	SubmittedAt time.Time       //
	// DraftID is the draft the submission came from; a second submit of the same draft yields
	// the same submission (double click, resent POST).
	DraftID string
	// AccessToken lets the submitting browser (or an unguessable link) fetch the receipt.
	AccessToken string
}

// OutboxState is the delivery state of one outbox message.
type OutboxState string

// Outbox states: queued → sending → delivered, or retry → … → dead.
const (
	OutboxQueued    OutboxState = "queued"
	OutboxSending   OutboxState = "sending"
	OutboxDelivered OutboxState = "delivered"
	OutboxRetry     OutboxState = "retry"
	OutboxDead      OutboxState = "dead"
)

// OutboxMessage is one delivery of one submission to one destination.
type OutboxMessage struct {
	ID            string // UUID, stable: the webhook-id receivers deduplicate by
	SubmissionID  string
	Destination   string
	State         OutboxState
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Store keeps drafts, submissions and the outbox. Every method is one transaction.
// Implementations: package engine/sqlite (default) and engine/postgres; both pass the
// conformance suite in engine/storetest.
type Store interface {
	// CreateDraft inserts a new draft.
	CreateDraft(ctx context.Context, d *Draft) error
	// Draft returns a draft; KindNotFound if there is none, KindExpired if it has expired.
	Draft(ctx context.Context, id string) (*Draft, error)
	// UpdateDraft replaces a draft's data, language and times.
	UpdateDraft(ctx context.Context, d *Draft) error
	// DeleteDraft removes a draft (and its resume codes).
	DeleteDraft(ctx context.Context, id string) error
	// SaveResumeCode stores the hash of a resume code for a draft until expires.
	SaveResumeCode(ctx context.Context, draftID, codeHash string, expires time.Time) error
	// DraftByResumeCode finds the draft for a resume code hash; KindNotFound or KindExpired.
	DraftByResumeCode(ctx context.Context, codeHash string) (*Draft, error)

	// Submit commits a submission, its outbox messages and the consumption of its draft in one
	// transaction. If a submission for the same DraftID exists already, it returns that one
	// and created=false, and writes nothing.
	Submit(ctx context.Context, s *Submission, outbox []*OutboxMessage) (stored *Submission, created bool, err error)
	// Submission returns a submission by id; KindNotFound.
	Submission(ctx context.Context, id string) (*Submission, error)
	// SubmissionByReference returns a submission by its Vorgangsnummer; KindNotFound.
	SubmissionByReference(ctx context.Context, reference string) (*Submission, error)
	// Outbox lists the outbox messages of a submission.
	Outbox(ctx context.Context, submissionID string) ([]*OutboxMessage, error)

	// Close releases the store's resources.
	Close() error
}
