package engine

// Delivery: the outbox worker takes due messages from the store, builds each submission's
// envelope (and receipt) from the committed row, hands it to the destination's Deliverer and
// records the outcome: delivered, retry later (exponential backoff with full jitter, at least
// the receiver's Retry-After), or dead once the message is older than MaxAge. Several workers,
// in one process or in several instances on one PostgreSQL, share the outbox: a message is
// claimed with a lease, and only the lease holder may complete it.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/ozgform/ozgform/forms"
)

// ReceiptRenderer renders the receipt PDF of a submission. payloadHash is the hex SHA-512 of
// the submission's data (the hash the envelope carries in metadata.contentStructure.data),
// so that the PDF names the data it confirms. It must be deterministic: the same submission
// gives the same bytes, so that every retry sends the same envelope. cmd/ozgform wires it to
// package renderer, which the engine does not import. The renderer gets the data bytes with
// s.Data and embeds them in the PDF (payload.json); the envelope's SHA-512 of the receipt
// still names the PDF's bytes. attachments are the submission's files, which the receipt
// lists with their hashes.
type ReceiptRenderer func(form *forms.Form, s *Submission, payloadHash string, attachments []Attachment) ([]byte, error)

// File is a file that travels with a delivery: the receipt or an attachment.
type File struct {
	AttachmentID string // as in the envelope's attachments
	Filename     string
	MediaType    string
	Content      []byte
	SHA512       string // hex
}

// Delivery is what a Deliverer sends: one message of one submission to one destination.
type Delivery struct {
	MessageID   string // the outbox message id: the webhook-id, stable across attempts
	Destination string
	Attempt     int // 1 for the first attempt
	Submission  *Submission
	Envelope    []byte // the canonical envelope JSON (Envelope.Marshal)
	Receipt     *File  // nil when no receipt renderer is configured
	Attachments []File // the citizen's files, read only for deliverers that want them inline (AttachmentsInline)
	// Progress is what an earlier attempt recorded with SaveProgress (a JSON object), nil if
	// nothing: a deliverer of several steps resumes from it.
	Progress json.RawMessage
	// SaveProgress records the progress of this delivery with the outbox message before the
	// deliverer takes its next step; an error means the step's result may be lost (the lease
	// is gone, the store does not answer), and the deliverer must stop.
	SaveProgress func(ctx context.Context, progress json.RawMessage) error
}

// DeliveryOutcome is what a Deliverer reports about one attempt. Error, like everything a
// worker logs or stores, holds no personal data: an HTTP status, a short reason.
type DeliveryOutcome struct {
	Delivered  bool          // the receiver confirmed it (2xx)
	Status     int           // the HTTP status, 0 if there was no response
	Error      string        // why it failed, e.g. "HTTP 503", "connection refused"
	RetryAfter time.Duration // the receiver's Retry-After, 0 if none
	// Gone: the receiver wants no more deliveries (410 Gone); the worker disables the
	// destination until an operator enables it again.
	Gone bool
	// Permanent: another attempt cannot succeed without an operator (a refused key, a
	// rejection by the authority); the message goes to the dead letter at once.
	Permanent bool
	// Pending: the delivery is under way and not failed (it waits for the receiver's answer,
	// e.g. FIT-Connect's accept or reject); the worker looks again after RetryAfter, without
	// backoff, until the message's maximum age. Error says what it waits for.
	Pending bool
	// Milestones are what this attempt saw happen at the receiver, for the metrics (FIT-Connect:
	// "submitted", "accepted", "rejected").
	Milestones []string
}

// Deliverer sends deliveries to one destination. Deliver returns when the attempt has ended,
// or when ctx ends; it must be safe for concurrent use.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery) DeliveryOutcome
}

// ReceiptFilename is the file name of a submission's receipt PDF.
func ReceiptFilename(s *Submission) string { return "Eingangsbestaetigung-" + s.Reference + ".pdf" }

// AttachmentsInline is implemented by deliverers that send the attachments' bytes with the
// envelope; the worker reads the files only for them.
type AttachmentsInline interface {
	WantsAttachments() bool
}

// PrepareEnvelope builds what a back office receives for a submission: the canonical envelope
// bytes and, when receipt is not nil, the receipt PDF that the envelope refers to by hash.
// attachments are the submission's files (AttachmentsOf): pass them, or the envelope lists
// none. The worker and the pull API both use it, so that both hand out the same bytes.
func PrepareEnvelope(form *forms.Form, s *Submission, baseURL string, receipt ReceiptRenderer, attachments ...Attachment) ([]byte, *File, error) {
	const op = "engine.PrepareEnvelope"
	if s.Purged {
		return nil, nil, E(KindExpired, op, fmt.Errorf("the data of submission %s has been purged", s.ID))
	}
	var (
		ref  *ReceiptRef
		file *File
	)
	if receipt != nil {
		pdf, err := receipt(form, s, SHA512Hex(s.Data), attachments)
		if err != nil {
			return nil, nil, E(KindInternal, op, fmt.Errorf("receipt of submission %s: %w", s.ID, err))
		}
		id, err := ReceiptAttachmentID(s.ID)
		if err != nil {
			return nil, nil, err
		}
		sum := SHA512Hex(pdf)
		ref = &ReceiptRef{Filename: ReceiptFilename(s), MediaType: receiptMediaType, Size: int64(len(pdf)), SHA512: sum}
		file = &File{AttachmentID: id, Filename: ref.Filename, MediaType: receiptMediaType, Content: pdf, SHA512: sum}
	}
	env, err := BuildEnvelope(form, s, baseURL, ref, attachments)
	if err != nil {
		return nil, nil, err
	}
	b, err := env.Marshal()
	if err != nil {
		return nil, nil, err
	}
	return b, file, nil
}

// Backoff computes the wait before the next attempt: exponential with full jitter (a random
// time between 0 and Base·2^(attempt-1), capped at Cap), so that many messages failing
// together do not come back together; but never less than the receiver's Retry-After.
type Backoff struct {
	Base time.Duration // default 10 s
	Cap  time.Duration // default 1 h
	// Rand returns a number in [0, 1); default math/rand/v2.Float64. Tests fix it.
	Rand func() float64
}

// Defaults of Backoff and Worker.
const (
	DefaultBackoffBase  = 10 * time.Second
	DefaultBackoffCap   = time.Hour
	DefaultMaxAge       = 72 * time.Hour
	DefaultLease        = 2 * time.Minute
	DefaultConcurrency  = 4
	DefaultPollInterval = time.Second
	DefaultGrace        = 10 * time.Second
)

// Delay returns the wait after failed attempt number attempt (1 for the first), at least
// retryAfter.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, ceiling, random := b.Base, b.Cap, b.Rand
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if ceiling <= 0 {
		ceiling = DefaultBackoffCap
	}
	if random == nil {
		random = mrand.Float64
	}
	window := float64(ceiling)
	if attempt < 1 {
		attempt = 1
	}
	if exp := float64(base) * math.Pow(2, float64(attempt-1)); exp < window {
		window = exp
	}
	d := time.Duration(random() * window)
	return max(d, retryAfter)
}

// Worker delivers the outbox. Fill in the fields, then call Run; Notify wakes it after a
// submission. The zero values of the optional fields are the defaults.
type Worker struct {
	Store Store
	// Forms are the forms being served; submissions of other versions are delivered with the
	// files the store keeps for their version (FormVersionStore, see Forms).
	Forms *forms.Catalog
	// Deliverers are the push destinations by name. Messages to other destinations (pull
	// API destinations, destinations no longer configured) are left alone.
	Deliverers map[string]Deliverer
	// Receipt renders the receipt PDF that travels with the envelope; nil sends none.
	Receipt ReceiptRenderer
	// BaseURL is the operator's public base URL for the schema URIs in the envelope.
	BaseURL string

	// Name identifies the worker in the outbox (who holds a lease) and in logs; default
	// host name, process id and a random suffix. Every running worker needs its own name.
	Name string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Concurrency is the most deliveries in flight; default 4.
	Concurrency int
	// Lease is how long a claimed message is held. An attempt is cut off after three
	// quarters of it, so that no other worker takes the message while it is in flight;
	// default 2 min.
	Lease time.Duration
	// PollInterval is how often the worker looks for due messages when nothing wakes it;
	// default 1 s.
	PollInterval time.Duration
	// Grace is how long Run lets deliveries in flight finish after its context ends; the
	// rest are cut off and released unsent; default 10 s.
	Grace   time.Duration
	Backoff Backoff
	// MaxAge is how long a message may stay undelivered after it was queued before it is
	// dead; default 72 h.
	MaxAge  time.Duration
	Logger  *slog.Logger
	Metrics *Metrics

	once     sync.Once
	nudge    chan struct{}
	mu       sync.Mutex
	disabled map[string]bool // destinations disabled, as last read from the store
	readAt   time.Time       // when disabled was read
	versions *Forms          // Forms and the versions in Store
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.nudge = make(chan struct{}, 1)
		w.versions = NewForms(w.Forms, w.Store)
		if w.Name == "" {
			host, _ := os.Hostname()
			var b [3]byte
			rand.Read(b[:])
			w.Name = host + "-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b[:])
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		if w.Concurrency <= 0 {
			w.Concurrency = DefaultConcurrency
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		if w.PollInterval <= 0 {
			w.PollInterval = DefaultPollInterval
		}
		if w.Grace <= 0 {
			w.Grace = DefaultGrace
		}
		if w.MaxAge <= 0 {
			w.MaxAge = DefaultMaxAge
		}
		if w.Logger == nil {
			w.Logger = slog.New(slog.DiscardHandler)
		}
		w.Logger = w.Logger.With("worker", w.Name)
	})
}

// Notify wakes the worker to look for due messages now, instead of at its next poll. It never
// blocks; call it after a submission is committed.
func (w *Worker) Notify() {
	w.init()
	select {
	case w.nudge <- struct{}{}:
	default:
	}
}

// Run delivers due messages until ctx ends, then stops claiming, lets the deliveries in
// flight finish within Grace, releases those that do not, and returns.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	if w.Store == nil || w.Forms == nil {
		return E(KindInvalid, "engine.Worker.Run", errors.New("the worker needs a store and the forms"))
	}
	w.Logger.Info("delivery worker started", "concurrency", w.Concurrency, "destinations", len(w.Deliverers))

	// Deliveries run in a context of their own, so that they can finish after ctx ends.
	dctx, cutOff := context.WithCancel(context.WithoutCancel(ctx))
	defer cutOff()
	var wg sync.WaitGroup
	inFlight := make(chan struct{}, w.Concurrency) // one token per delivery in flight
	freed := make(chan struct{}, 1)
	// After a full claim, the worker waits until this many slots are free before it claims
	// again: fewer, larger claims under load.
	refill := max(1, w.Concurrency/4)
	poll := time.NewTimer(w.PollInterval)
	defer poll.Stop()

	for ctx.Err() == nil {
		free := cap(inFlight) - len(inFlight)
		msgs, err := w.claim(ctx, free)
		if err != nil && ctx.Err() == nil {
			w.Logger.Warn("claiming due messages failed", "error", err)
		}
		for _, m := range msgs {
			inFlight <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				w.deliver(dctx, m)
				<-inFlight
				select {
				case freed <- struct{}{}:
				default:
				}
			}()
		}
		if err == nil && len(msgs) == free {
			// There may be more due: claim again as soon as enough slots are free.
			for ctx.Err() == nil && cap(inFlight)-len(inFlight) < refill {
				select {
				case <-ctx.Done():
				case <-freed:
				}
			}
			continue
		}
		if !poll.Stop() {
			select {
			case <-poll.C:
			default:
			}
		}
		poll.Reset(w.PollInterval)
		select {
		case <-ctx.Done():
		case <-w.nudge:
		case <-poll.C:
		}
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.Grace):
		w.Logger.Warn("cutting off deliveries after the grace period", "in_flight", len(inFlight))
		cutOff()
		<-done
	}
	w.Logger.Info("delivery worker stopped")
	return nil
}

// claim takes up to n due messages of the push destinations that are not disabled.
func (w *Worker) claim(ctx context.Context, n int) ([]*OutboxMessage, error) {
	if n <= 0 {
		return nil, nil
	}
	disabled, err := w.disabledDestinations(ctx)
	if err != nil {
		return nil, err
	}
	var dests []string
	for name := range w.Deliverers {
		if !disabled[name] {
			dests = append(dests, name)
		}
	}
	if len(dests) == 0 {
		return nil, nil
	}
	return w.Store.ClaimDue(ctx, Claim{Worker: w.Name, Now: w.Now(), Limit: n, Lease: w.Lease, Destinations: dests})
}

// disabledDestinations returns the disabled destinations, read from the store at most once
// per poll interval (an operator's EnableDestination takes effect within it).
func (w *Worker) disabledDestinations(ctx context.Context) (map[string]bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.disabled != nil && time.Since(w.readAt) < w.PollInterval {
		return w.disabled, nil
	}
	list, err := w.Store.DisabledDestinations(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(list))
	for _, d := range list {
		m[d.Name] = true
	}
	w.disabled, w.readAt = m, time.Now()
	return m, nil
}

// disableLocally stops claiming for a destination at once, before the store is read again.
func (w *Worker) disableLocally(name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// A new map: claim may be reading the old one.
	m := make(map[string]bool, len(w.disabled)+1)
	for k, v := range w.disabled {
		m[k] = v
	}
	m[name] = true
	w.disabled, w.readAt = m, time.Now()
}

// deliver makes one attempt to deliver m and records the outcome.
func (w *Worker) deliver(ctx context.Context, m *OutboxMessage) {
	log := w.Logger.With("message", m.ID, "submission", m.SubmissionID, "destination", m.Destination,
		"attempt", m.Attempts+1)
	start := time.Now()
	out := w.attempt(ctx, m, log)
	now := w.Now()

	var r DeliveryResult
	switch {
	case out.Delivered:
		r = DeliveryResult{State: OutboxDelivered, At: now}
		log.Info("delivered", "status", out.Status, "duration", time.Since(start).Round(time.Millisecond))
		w.Metrics.delivered(m.Destination, now.Sub(m.QueuedAt))
	case ctx.Err() != nil:
		// Cut off at shutdown: the message goes back to the queue unsent, attempt not counted.
		// The receiver may have got it after all; it deduplicates by the same webhook-id.
		r = DeliveryResult{State: OutboxQueued, At: now}
		log.Info("released at shutdown")
	default:
		if out.Gone {
			w.disableLocally(m.Destination)
			reason := "HTTP 410 Gone"
			if err := w.Store.MarkDestinationDisabled(context.WithoutCancel(ctx), m.Destination, reason, now); err != nil {
				log.Error("disabling the destination failed", "error", err)
			}
			log.Error("destination disabled: the receiver answered 410 Gone; enable it with: ozgform outbox enable " + m.Destination)
			w.Metrics.disabled(m.Destination)
		}
		r = w.failure(m, out, now)
		if out.Pending && r.State == OutboxRetry {
			log.Info("delivery under way", "state", out.Error, "next_attempt_at", r.NextAttemptAt)
		} else if r.State == OutboxDead {
			log.Error("delivery failed for good: message is dead", "status", out.Status, "error", out.Error,
				"queued_at", m.QueuedAt)
		} else {
			log.Warn("delivery failed: will retry", "status", out.Status, "error", out.Error,
				"next_attempt_at", r.NextAttemptAt)
		}
	}
	state := r.State
	if out.Pending && state == OutboxRetry {
		state = "pending" // under way (waiting for the receiver's answer), not a failure
	}
	w.Metrics.attempt(m.Destination, state, time.Since(start))
	for _, ms := range out.Milestones {
		w.Metrics.milestone(m.Destination, ms)
	}

	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := w.Store.Complete(cctx, m.ID, w.Name, r); err != nil {
		if KindOf(err) == KindConflict {
			log.Warn("the lease was lost before the outcome was recorded; another worker has the message", "error", err)
			return
		}
		log.Error("recording the outcome failed; the message is retried after its lease", "error", err)
	}
}

// attempt builds the delivery and hands it to the destination's deliverer.
func (w *Worker) attempt(ctx context.Context, m *OutboxMessage, log *slog.Logger) DeliveryOutcome {
	dl := w.Deliverers[m.Destination]
	if dl == nil {
		return DeliveryOutcome{Error: "destination not configured"}
	}
	sub, err := w.Store.Submission(ctx, m.SubmissionID)
	if err != nil {
		log.Warn("loading the submission failed", "error", err)
		return DeliveryOutcome{Error: "submission not readable: " + KindOf(err).String()}
	}
	form, err := w.versions.ForSubmission(ctx, sub)
	if err != nil {
		// The form version is neither loaded nor stored (or the store does not answer): an
		// operator can bring it back before the message is dead.
		log.Warn("the submission's form version is not loaded", "form", sub.FormID, "version", sub.FormVersion, "error", err)
		return DeliveryOutcome{Error: "form " + sub.FormID + " " + sub.FormVersion + " not loaded"}
	}
	atts, err := AttachmentsOf(ctx, w.Store, sub)
	if err != nil {
		log.Warn("listing the attachments failed", "error", err)
		return DeliveryOutcome{Error: "attachments not readable: " + KindOf(err).String()}
	}
	env, receipt, err := PrepareEnvelope(form, sub, w.BaseURL, w.Receipt, atts...)
	if err != nil {
		log.Error("building the envelope failed", "error", err)
		return DeliveryOutcome{Error: "envelope not built: " + KindOf(err).String()}
	}
	var files []File
	if in, ok := dl.(AttachmentsInline); ok && in.WantsAttachments() {
		if files, err = w.readAttachments(ctx, sub.ID, atts); err != nil {
			log.Warn("reading the attachments failed", "error", err)
			return DeliveryOutcome{Error: "attachments not readable: " + KindOf(err).String()}
		}
	}
	actx, cancel := context.WithTimeout(ctx, w.Lease*3/4)
	defer cancel()
	return dl.Deliver(actx, Delivery{
		MessageID:   m.ID,
		Destination: m.Destination,
		Attempt:     m.Attempts + 1,
		Submission:  sub,
		Envelope:    env,
		Receipt:     receipt,
		Attachments: files,
		Progress:    m.Progress,
		SaveProgress: func(ctx context.Context, progress json.RawMessage) error {
			return w.Store.SaveProgress(ctx, m.ID, w.Name, progress)
		},
	})
}

// readAttachments reads the bytes of a submission's files (verified against their SHA-512 by
// the store's reader).
func (w *Worker) readAttachments(ctx context.Context, submissionID string, atts []Attachment) ([]File, error) {
	files := make([]File, 0, len(atts))
	for _, a := range atts {
		_, r, err := w.Store.OpenAttachment(ctx, submissionID, a.AttachmentID)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, E(KindInternal, "engine.Worker.readAttachments", err)
		}
		files = append(files, File{AttachmentID: a.AttachmentID, Filename: a.Filename, MediaType: a.MediaType, Content: b, SHA512: a.SHA512})
	}
	return files, nil
}

// failure decides between another attempt and the dead letter: a message older than MaxAge
// (counted from when it was queued) is dead; otherwise the next attempt is after the
// backoff, but no later than the end of MaxAge, so that the last attempt happens then.
func (w *Worker) failure(m *OutboxMessage, out DeliveryOutcome, now time.Time) DeliveryResult {
	reason := out.Error
	if reason == "" {
		reason = "failed"
	}
	deadline := m.QueuedAt.Add(w.MaxAge)
	if !now.Before(deadline) || out.Permanent {
		return DeliveryResult{State: OutboxDead, At: now, Error: reason}
	}
	next := now.Add(w.Backoff.Delay(m.Attempts+1, out.RetryAfter))
	if out.Pending {
		next = now.Add(max(out.RetryAfter, time.Second))
	}
	if next.After(deadline) {
		next = deadline
	}
	return DeliveryResult{State: OutboxRetry, At: now, NextAttemptAt: next, Error: reason}
}

// ObservedStore is a Store that calls AfterSubmit after every Submit that created a
// submission: cmd/ozgform uses it to wake the delivery worker and to count submissions,
// without the Service knowing about either.
type ObservedStore struct {
	Store
	AfterSubmit func(s *Submission)
}

// Submit calls the store's Submit, then AfterSubmit if a submission was created.
func (o *ObservedStore) Submit(ctx context.Context, s *Submission, outbox []*OutboxMessage) (*Submission, bool, error) {
	stored, created, err := o.Store.Submit(ctx, s, outbox)
	if err == nil && created && o.AfterSubmit != nil {
		o.AfterSubmit(stored)
	}
	return stored, created, err
}
