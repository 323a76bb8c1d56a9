package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ozgform/ozgform/authority"
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
	// Municipality is the ARS of the municipality the citizen chose when the postal code
	// spans several (Einer für Alle); empty until asked.
	Municipality string
	// SavedStep is the step (1-based) on which the citizen last chose "Zwischenspeichern";
	// 0 for the review page or none. Resuming opens it again.
	SavedStep int
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
	// AttachmentIDs are the files of the draft that the data references (input to Submit
	// only; not read back: see AttachmentStore.SubmissionAttachments). Submit links them to
	// the submission in its transaction, or fails wrapping ErrAttachmentGone if one is not a
	// file of DraftID; the draft's other files are deleted with the draft.
	AttachmentIDs []string
	// AuthorityID and Authority name the authority the submission is addressed to, for forms
	// that many authorities use (Einer für Alle): the snapshot as it was at submission, which
	// pages, receipt and payload show. Empty and nil for a form of one authority.
	AuthorityID string
	Authority   *authority.Responsible

	// DeliveredAt is when the last of the submission's outbox messages was delivered; zero
	// while any of them is not delivered (also after a replay).
	DeliveredAt time.Time
	// Purged tells that the retention purge has deleted the personal data: Data is nil, and
	// what remains (ids, reference, form, hashes, times) is the tombstone.
	Purged bool
	// PurgedAt is when the personal data was deleted; zero unless Purged.
	PurgedAt time.Time
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

	// QueuedAt is when the message was last put in the queue: its creation, or the last
	// RetryNow or Replay. The worker's maximum age counts from here. Filled in by the store.
	QueuedAt time.Time
	// DeliveredAt is when the message was delivered (2xx, or acknowledged through the pull
	// API); zero otherwise.
	DeliveredAt time.Time
	// Worker is the worker holding the message while it is being sent, LeaseUntil the end of
	// its lease; both are empty unless State is OutboxSending.
	Worker     string
	LeaseUntil time.Time
	// FormID is the form of the message's submission, filled in by ListOutbox and ClaimDue.
	FormID string
	// AuthorityID is the authority of the message's submission ("" for a form of one
	// authority), filled in like FormID.
	AuthorityID string
	// Progress is what the destination's deliverer recorded about a delivery of several
	// steps (SaveProgress), a JSON object; nil if nothing. Replay clears it, RetryNow keeps it.
	Progress json.RawMessage
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

	// Ping checks with a cheap query that the database answers; KindUnavailable when the
	// store is closed or the database does not answer before ctx ends. /readyz uses it.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error

	OutboxStore
	AttachmentStore
	FormVersionStore
}

// FormVersionStore keeps the files of every form version that was served, so that submissions
// of a version the catalog no longer holds (the author has published a new one) can still be
// delivered, their receipts rendered and their schemas published. Every method is one
// transaction.
type FormVersionStore interface {
	// SaveFormVersion stores the files of form id in version (file path in the form folder →
	// bytes; schema.json among them). It is idempotent: if the version is stored already,
	// the stored files stay as they are (the first write wins) and it returns nil, whether or
	// not files differ from them. KindInvalid without id, version or schema.json.
	SaveFormVersion(ctx context.Context, id, version string, files map[string][]byte) error
	// FormVersion returns the files stored for form id in version; KindNotFound if there are
	// none.
	FormVersion(ctx context.Context, id, version string) (map[string][]byte, error)
	// FormVersionHash returns FilesHash of the files stored for form id in version, without
	// reading them back; KindNotFound if there are none. A version stored before the store
	// kept hashes gets its hash computed from its files once and recorded.
	FormVersionHash(ctx context.Context, id, version string) (string, error)
}

// OutboxStore is the delivery side of a Store: the outbox worker claims due messages and
// completes them, operators list, retry and replay them, and the retention purge deletes
// personal data after confirmed delivery. Every method is one transaction.
type OutboxStore interface {
	// ClaimDue moves up to c.Limit due messages of c.Destinations to OutboxSending, held by
	// c.Worker until c.Now+c.Lease, and returns them. Due are messages in OutboxQueued or
	// OutboxRetry whose NextAttemptAt is not after c.Now, and messages in OutboxSending whose
	// lease has expired (their worker is presumed gone; the lost attempt is counted). A
	// message is never held by two workers at once, whatever the number of processes.
	ClaimDue(ctx context.Context, c Claim) ([]*OutboxMessage, error)
	// Complete records the result of a delivery attempt of a message that worker holds. It is
	// KindConflict if the message is not in OutboxSending held by worker (its lease expired
	// and another worker took it), KindNotFound if there is no such message.
	Complete(ctx context.Context, id, worker string, result DeliveryResult) error
	// AcknowledgeAPI marks the message of a submission for a pull destination as delivered:
	// the back office has fetched it and said so. Acknowledging again is no error;
	// KindNotFound if the submission has no message for destination.
	AcknowledgeAPI(ctx context.Context, submissionID, destination string) error

	// ListOutbox lists messages, oldest first.
	ListOutbox(ctx context.Context, f OutboxFilter) ([]*OutboxMessage, error)
	// RetryNow makes a message in OutboxQueued, OutboxRetry or OutboxDead due now, with its
	// attempt count and maximum age starting afresh. KindConflict for a message being sent or
	// delivered (use Replay), KindNotFound for an unknown id.
	RetryNow(ctx context.Context, id string) error
	// Replay queues a delivered or dead message again, due now, under the same id, so that a
	// receiver that deduplicates by webhook-id can recognise it. KindConflict for a message
	// that is still on its way, KindExpired when the submission's data has been purged,
	// KindNotFound for an unknown id.
	Replay(ctx context.Context, id string) error
	// SaveProgress records the progress of the delivery of a message that worker holds (a
	// JSON object, at most MaxProgressBytes), replacing what was recorded before. It is
	// KindConflict if the message is not in OutboxSending held by worker, KindNotFound if there
	// is no such message, KindInvalid for progress that is not a JSON object.
	SaveProgress(ctx context.Context, id, worker string, progress json.RawMessage) error

	// OutboxStats counts the messages that are not delivered, by destination and state.
	OutboxStats(ctx context.Context) ([]OutboxCount, error)

	// MarkDestinationDisabled disables a destination (its receiver answered 410 Gone): its
	// messages stay queued until an operator enables it again. Disabling a disabled
	// destination keeps the first reason and time.
	MarkDestinationDisabled(ctx context.Context, destination, reason string, at time.Time) error
	// EnableDestination lifts the disabling of a destination; no error if it was not disabled.
	EnableDestination(ctx context.Context, destination string) error
	// DisabledDestinations lists the disabled destinations.
	DisabledDestinations(ctx context.Context) ([]DisabledDestination, error)

	// PurgeDelivered deletes the personal data of submissions whose every outbox message is
	// delivered and whose last delivery is at least retention(formID, authorityID) before now
	// (authorityID is "" for a form of one authority; a negative retention keeps the data); the row
	// stays as a tombstone (ids, reference, form, hashes, times) and Submission reports it as
	// Purged. Submissions with a message that is not delivered are never purged. It returns
	// the number of submissions purged.
	PurgeDelivered(ctx context.Context, now time.Time, retention Retention) (int, error)
	// PurgeExpiredDrafts deletes the drafts (with their resume codes) and the resume codes
	// that have expired at now, and returns the number of drafts deleted.
	PurgeExpiredDrafts(ctx context.Context, now time.Time) (int, error)
}

// Claim asks OutboxStore.ClaimDue for due messages.
type Claim struct {
	Worker       string        // the claiming worker's unique name
	Now          time.Time     // the worker's clock
	Limit        int           // at most this many messages
	Lease        time.Duration // how long the worker holds them
	Destinations []string      // only messages to these destinations; none means none
}

// DeliveryResult is the outcome of one delivery attempt, as the store records it.
type DeliveryResult struct {
	// State is OutboxDelivered, OutboxRetry, OutboxDead, or OutboxQueued for a message that
	// is released unsent (a clean shutdown): then the attempt is not counted.
	State OutboxState
	// At is when the attempt ended; the delivery time for OutboxDelivered.
	At time.Time
	// NextAttemptAt is when to try again, for OutboxRetry.
	NextAttemptAt time.Time
	// Error is a short reason without personal data ("HTTP 503", "connection refused"), for
	// OutboxRetry and OutboxDead.
	Error string
}

// OutboxFilter selects messages for ListOutbox. Empty fields select everything.
type OutboxFilter struct {
	State        OutboxState
	Destination  string
	SubmissionID string
	FormIDs      []string // only messages of submissions of these forms
	AuthorityID  string   // only messages of submissions addressed to this authority
	// After is the id of the last message of the previous page; the list continues after it.
	After string
	// Limit is the most messages returned; 0 means 100, at most 1000.
	Limit int
}

// OutboxCount is the number of messages of one destination in one state, and when the
// oldest of them was queued.
type OutboxCount struct {
	Destination string
	State       OutboxState
	Count       int
	OldestQueue time.Time
}

// DisabledDestination is a destination whose receiver answered 410 Gone.
type DisabledDestination struct {
	Name       string
	Reason     string
	DisabledAt time.Time
}

// CheckDeliveryResult checks a result before a store records it.
func CheckDeliveryResult(r DeliveryResult) error {
	switch r.State {
	case OutboxDelivered, OutboxDead, OutboxQueued:
	case OutboxRetry:
		if r.NextAttemptAt.IsZero() {
			return errors.New("a retry needs the time of the next attempt")
		}
	default:
		return fmt.Errorf("a delivery cannot end in state %q", r.State)
	}
	return CheckText(r.Error)
}

// MaxProgressBytes is the largest progress SaveProgress records.
const MaxProgressBytes = 64 << 10

// CheckProgress checks progress before a store records it: a JSON object of at most
// MaxProgressBytes, without NUL characters.
func CheckProgress(progress json.RawMessage) error {
	if len(progress) > MaxProgressBytes {
		return fmt.Errorf("the progress has %d bytes, more than %d", len(progress), MaxProgressBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(progress, &obj); err != nil || obj == nil {
		return errors.New("the progress is not a JSON object")
	}
	return CheckText(string(progress))
}

// ListLimit returns the number of messages ListOutbox returns for f.
func (f OutboxFilter) ListLimit() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > 1000:
		return 1000
	}
	return f.Limit
}

// Retention returns how long the data of a delivered submission of form formID to authority
// authorityID ("" for a form of one authority) is kept.
type Retention func(formID, authorityID string) time.Duration
