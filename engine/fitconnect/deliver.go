// Package fitconnect delivers submissions through FIT-Connect, the national transport of
// FITKO, end-to-end encrypted to the authority's destination. It is an engine.Deliverer for
// destinations of type fitconnect.
//
// One delivery takes these steps, and records the result of each with the outbox message
// (engine.Delivery.SaveProgress) before it takes the next, so that a worker that takes the
// message over after a crash resumes instead of starting again:
//
//  1. token: OAuth 2 client credentials, cached until shortly before it expires;
//  2. GET /v1/destinations/{id}: status active, the metadata version and the service
//     (urn:de:fim:leika:leistung:<LeiKa>) accepted; GET /v1/destinations/{id}/keys/{kid}: RSA of
//     at least 4096 bits, key_ops wrapKey, x5c chain to the configured trust anchor;
//  3. POST /v1/submissions announces the attachments (their ozgform ids, UUIDs) → submissionId,
//     caseId: recorded;
//  4. PUT /v1/submissions/{id}/attachments/{attachmentId} for the receipt PDF (purpose form) and
//     every upload (purpose attachment), each a JWE (RSA-OAEP-256, A256GCM): each recorded;
//  5. PUT /v1/submissions/{id} with encryptedMetadata (validated against the official schema)
//     and encryptedData (the data, byte for byte as in the envelope): recorded as submitted;
//  6. GET /v1/cases/{caseId}/events until the authority's accept-submission (delivered) or
//     reject-submission (dead letter) arrives, each Security Event Token's signature checked.
//
// A crash between 3 and its record leaves a created but never submitted submission at
// FIT-Connect, which never reaches the authority (FIT-Connect deletes such submissions); the
// next attempt creates a new one. A crash between 5 and its record is caught on resumption by
// the submit-submission event in the event log, so the submission is not submitted twice.
package fitconnect

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/webhook"
)

// Defaults of a Deliverer.
const (
	DefaultTimeout = 30 * time.Second // per request
	// DefaultPollInterval is how long the worker waits before it reads the event log again
	// while the authority has neither accepted nor rejected a submission.
	DefaultPollInterval = time.Minute
)

// Progress is what a delivery records with its outbox message (engine.OutboxMessage.Progress).
type Progress struct {
	SubmissionID string   `json:"submissionId,omitempty"` // FIT-Connect's, after POST /v1/submissions
	CaseID       string   `json:"caseId,omitempty"`
	Uploaded     []string `json:"uploaded,omitempty"` // attachment ids uploaded
	Submitted    bool     `json:"submitted,omitempty"`
	// Status is "created", "submitted", "accepted" or "rejected".
	Status   string    `json:"status,omitempty"`
	Problems []Problem `json:"problems,omitempty"` // of a rejection
}

// Progress statuses.
const (
	StatusCreated   = "created"
	StatusSubmitted = "submitted"
	StatusAccepted  = "accepted"
	StatusRejected  = "rejected"
)

// ParseProgress reads the progress of an outbox message; ok is false if there is none or it
// is not FIT-Connect's.
func ParseProgress(raw json.RawMessage) (p Progress, ok bool) {
	if len(raw) == 0 || json.Unmarshal(raw, &p) != nil || p.SubmissionID == "" {
		return Progress{}, false
	}
	return p, true
}

// Summary describes the progress for an operator: FIT-Connect status and ids.
func (p Progress) Summary() string {
	s := "FIT-Connect " + p.Status + " " + p.SubmissionID
	if p.CaseID != "" {
		s += " (case " + p.CaseID + ")"
	}
	return s
}

// Options adjust a Deliverer; the zero value is what production uses.
type Options struct {
	Now          func() time.Time
	PollInterval time.Duration // default DefaultPollInterval
	Logger       *slog.Logger
}

// Deliverer sends the submissions of one FIT-Connect destination.
type Deliverer struct {
	dest    engine.Destination
	fc      engine.FITConnect
	anchors *x509.CertPool
	c       *client
	now     func() time.Time
	poll    time.Duration
	logger  *slog.Logger

	mu          sync.Mutex
	serviceKeys map[string]*rsa.PublicKey
}

var (
	_ engine.Deliverer         = (*Deliverer)(nil)
	_ engine.AttachmentsInline = (*Deliverer)(nil)
)

// New returns the Deliverer of a FIT-Connect destination. It checks the configuration.
func New(d engine.Destination, opts Options) (*Deliverer, error) {
	if d.Type != engine.DestinationFITConnect || d.FITConnect == nil {
		return nil, fmt.Errorf("fitconnect: destination %s is of type %s", d.Name, d.Type)
	}
	fc := *d.FITConnect
	for _, u := range []string{fc.SubmissionAPI, fc.TokenURL} {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && !(pu.Scheme == "http" && d.AllowPrivate)) || pu.Host == "" || pu.User != nil {
			return nil, fmt.Errorf("fitconnect: destination %s: %q is not an https URL without user info", d.Name, u)
		}
	}
	if fc.ClientID == "" || fc.ClientSecret.IsZero() || fc.DestinationID == "" {
		return nil, fmt.Errorf("fitconnect: destination %s needs clientId, clientSecret and destinationId", d.Name)
	}
	if fc.MetadataVersion == "" {
		fc.MetadataVersion = MetadataVersion
	}
	if fc.MetadataVersion != MetadataVersion {
		return nil, fmt.Errorf("fitconnect: destination %s: metadata version %s is not supported, only %s", d.Name, fc.MetadataVersion, MetadataVersion)
	}
	anchors, err := ParseTrustAnchors(fc.TrustAnchors)
	if err != nil {
		return nil, fmt.Errorf("fitconnect: destination %s: trust anchor: %w", d.Name, err)
	}
	if _, err := MetadataSchema(); err != nil {
		return nil, fmt.Errorf("fitconnect: %w", err)
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if fc.PollInterval > 0 {
		opts.PollInterval = fc.PollInterval
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{
		Transport:     webhook.Transport(d.AllowPrivate),
		Timeout:       d.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Deliverer{
		dest: d, fc: fc, anchors: anchors, now: opts.Now, poll: opts.PollInterval,
		logger: opts.Logger.With("destination", d.Name),
		c: &client{
			api: strings.TrimSuffix(fc.SubmissionAPI, "/"), tokenURL: fc.TokenURL, clientID: fc.ClientID,
			clientSecret: fc.ClientSecret.Reveal(), http: hc, now: opts.Now,
		},
	}, nil
}

// Deliverers returns the deliverers of the FIT-Connect destinations among dests, by name.
func Deliverers(dests []engine.Destination, opts Options) (map[string]engine.Deliverer, error) {
	m := map[string]engine.Deliverer{}
	for _, d := range dests {
		if d.Type != engine.DestinationFITConnect {
			continue
		}
		dl, err := New(d, opts)
		if err != nil {
			return nil, err
		}
		m[d.Name] = dl
	}
	return m, nil
}

// WantsAttachments: the worker reads the attachments' bytes, which travel encrypted.
func (f *Deliverer) WantsAttachments() bool { return true }

// Close closes idle connections.
func (f *Deliverer) Close() { f.c.http.CloseIdleConnections() }

// TokensFetched returns how many access tokens the deliverer fetched (tests check the cache).
func (f *Deliverer) TokensFetched() int {
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	return f.c.tokens
}

// failure is an outcome that is not a delivery.
type failure struct {
	msg        string
	status     int
	permanent  bool
	retryAfter time.Duration
}

func (e *failure) Error() string { return e.msg }

// Deliver makes one attempt: it resumes the delivery from d.Progress and goes as far as it can.
func (f *Deliverer) Deliver(ctx context.Context, d engine.Delivery) engine.DeliveryOutcome {
	p, _ := ParseProgress(d.Progress)
	var milestones []string
	err := f.run(ctx, d, &p, &milestones)
	out := engine.DeliveryOutcome{Milestones: milestones}
	switch {
	case err == nil:
		out.Delivered = true
		out.Status = http.StatusOK
		return out
	case errors.Is(err, errPending):
		out.Pending = true
		out.Error = "FIT-Connect: submission " + p.SubmissionID + " submitted; waiting for the authority to accept it"
		out.RetryAfter = f.poll
		return out
	}
	fl := classify(err)
	out.Status, out.RetryAfter, out.Permanent = fl.status, fl.retryAfter, fl.permanent
	out.Error = "FIT-Connect: " + fl.msg
	if fl.permanent {
		out.Error += "; after fixing it: ozgform outbox retry " + d.MessageID
	}
	return out
}

var errPending = errors.New("pending")

// classify turns an error of a step into what the worker records.
func classify(err error) *failure {
	var (
		fl *failure
		ae *apiError
		ke *keyError
	)
	switch {
	case errors.As(err, &fl):
		return fl
	case errors.As(err, &ke):
		return &failure{msg: "refused the destination's key: " + ke.msg, permanent: true}
	case errors.As(err, &ae):
		f := &failure{msg: ae.Error(), status: ae.status, retryAfter: ae.retryAfter}
		switch {
		case ae.status == http.StatusForbidden:
			f.msg += " (the API client may not do this for the destination: check its destinations in the self-service portal)"
			f.permanent = true
		case ae.status == http.StatusRequestEntityTooLarge:
			f.msg += " (the submission is larger than FIT-Connect accepts)"
			f.permanent = true
		case ae.status == http.StatusNotFound && ae.step == "reading the destination":
			f.msg += " (no such destination: check destinationId)"
			f.permanent = true
		case ae.status >= 400 && ae.status < 500 && ae.status != http.StatusUnauthorized &&
			ae.status != http.StatusRequestTimeout && ae.status != http.StatusTooManyRequests && ae.step != "token":
			f.msg += " (FIT-Connect refused the request)"
			f.permanent = true
		}
		return f
	}
	return &failure{msg: err.Error()}
}

// run takes the steps that are left.
func (f *Deliverer) run(ctx context.Context, d engine.Delivery, p *Progress, milestones *[]string) error {
	switch p.Status {
	case StatusAccepted:
		return nil
	case StatusRejected:
		return rejected(p)
	}
	data, metadata, svc, err := fromEnvelope(d.Envelope)
	if err != nil {
		return &failure{msg: err.Error(), permanent: errors.Is(err, errNoLeika)}
	}
	if err := ValidateMetadata(metadata); err != nil {
		return &failure{msg: err.Error(), permanent: true}
	}
	files := deliveryFiles(d)
	save := func(step string) error {
		b, err := json.Marshal(p)
		if err == nil {
			err = d.SaveProgress(ctx, b)
		}
		if err != nil {
			return &failure{msg: "the result of " + step + " could not be recorded (" + engine.KindOf(err).String() + "); it is checked at the next attempt"}
		}
		return nil
	}
	resumed := p.SubmissionID != "" && !p.Submitted

	var key *jose.Recipient
	if !p.Submitted {
		if key, err = f.checkDestination(ctx, svc); err != nil {
			return err
		}
	}
	if p.SubmissionID == "" {
		ids := make([]string, len(files))
		for i, file := range files {
			ids[i] = file.AttachmentID
		}
		var created struct {
			SubmissionID string `json:"submissionId"`
			CaseID       string `json:"caseId"`
		}
		body, _ := json.Marshal(map[string]any{
			"destinationId":        f.fc.DestinationID,
			"announcedAttachments": ids,
			"serviceType":          svc,
		})
		if err := f.c.call(ctx, "creating the submission", "POST", "/v1/submissions", "application/json", body, &created); err != nil {
			return err
		}
		if created.SubmissionID == "" || created.CaseID == "" {
			return &failure{msg: "creating the submission: the answer names no submissionId or caseId"}
		}
		failpoint("after-create")
		*p = Progress{SubmissionID: created.SubmissionID, CaseID: created.CaseID, Status: StatusCreated}
		if err := save("creating the submission"); err != nil {
			return err
		}
	} else if resumed {
		// The last attempt may have submitted without recording it: the event log knows.
		events, _, err := f.readEvents(ctx, p.CaseID, p.SubmissionID)
		if err != nil {
			return err
		}
		if hasEvent(events, EventSubmit) {
			p.Submitted, p.Status = true, StatusSubmitted
			if err := save("submitting"); err != nil {
				return err
			}
		}
	}

	if !p.Submitted {
		for _, file := range files {
			if slices.Contains(p.Uploaded, file.AttachmentID) {
				continue
			}
			jwe, err := encrypt(key, file.MediaType, file.Content)
			if err != nil {
				return &failure{msg: "encrypting an attachment failed: " + err.Error()}
			}
			path := "/v1/submissions/" + url.PathEscape(p.SubmissionID) + "/attachments/" + url.PathEscape(file.AttachmentID)
			if err := f.c.call(ctx, "uploading an attachment", "PUT", path, "application/jose", []byte(jwe), nil); err != nil {
				return err
			}
			failpoint("after-upload")
			p.Uploaded = append(p.Uploaded, file.AttachmentID)
			if err := save("uploading an attachment"); err != nil {
				return err
			}
		}
		body, err := sealSubmission(key, metadata, data)
		if err != nil {
			return &failure{msg: "encrypting the submission failed: " + err.Error()}
		}
		if err := f.c.call(ctx, "submitting", "PUT", "/v1/submissions/"+url.PathEscape(p.SubmissionID), "application/json", body, nil); err != nil {
			return err
		}
		failpoint("after-submit")
		p.Submitted, p.Status = true, StatusSubmitted
		*milestones = append(*milestones, StatusSubmitted)
		if err := save("submitting"); err != nil {
			return err
		}
	}

	events, bad, err := f.readEvents(ctx, p.CaseID, p.SubmissionID)
	if err != nil {
		return err
	}
	for _, ev := range events {
		switch ev.Type {
		case EventAccept:
			failpoint("after-accept")
			p.Status = StatusAccepted
			*milestones = append(*milestones, StatusAccepted)
			return save("reading the acceptance")
		case EventReject:
			p.Status, p.Problems = StatusRejected, ev.Problems
			*milestones = append(*milestones, StatusRejected)
			if err := save("reading the rejection"); err != nil {
				return err
			}
			return rejected(p)
		}
	}
	if bad > 0 {
		return &failure{msg: fmt.Sprintf("submission %s: %d entries of the event log do not verify (wrong signature or key) and were ignored", p.SubmissionID, bad), retryAfter: f.poll}
	}
	return errPending
}

// rejected is the dead letter of a submission the authority rejected.
func rejected(p *Progress) error {
	var reasons []string
	for _, pr := range p.Problems {
		r := pr.Title
		if pr.Detail != "" {
			r += ": " + pr.Detail
		}
		if r == "" {
			r = pr.Type
		}
		reasons = append(reasons, r)
	}
	msg := "the authority rejected submission " + p.SubmissionID
	if len(reasons) > 0 {
		msg += ": " + strings.Join(reasons, "; ")
	}
	return &failure{msg: cleanText(msg, 600), permanent: true}
}

// cleanText makes text from FIT-Connect storable: valid UTF-8, no control characters, at most
// n bytes.
func cleanText(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

func hasEvent(events []event, typ string) bool {
	return slices.ContainsFunc(events, func(e event) bool { return e.Type == typ })
}

// deliveryFiles are the files of a submission in FIT-Connect: the receipt (purpose form) and
// the uploads, under their ozgform attachment ids.
func deliveryFiles(d engine.Delivery) []engine.File {
	var files []engine.File
	if d.Receipt != nil {
		files = append(files, *d.Receipt)
	}
	return append(files, d.Attachments...)
}

// destinationInfo is the part of GET /v1/destinations/{id} that the sender checks.
type destinationInfo struct {
	DestinationID    string   `json:"destinationId"`
	Status           string   `json:"status"`
	EncryptionKid    string   `json:"encryptionKid"`
	MetadataVersions []string `json:"metadataVersions"`
	Services         []struct {
		Identifier string `json:"identifier"`
	} `json:"services"`
}

// checkDestination reads the destination and its encryption key and checks both.
func (f *Deliverer) checkDestination(ctx context.Context, svc PublicServiceType) (*jose.Recipient, error) {
	var info destinationInfo
	if err := f.c.call(ctx, "reading the destination", "GET", "/v1/destinations/"+url.PathEscape(f.fc.DestinationID), "", nil, &info); err != nil {
		return nil, err
	}
	switch info.Status {
	case "active":
	case "created":
		return nil, &failure{msg: "destination " + f.fc.DestinationID + " is not active yet (status created); retrying"}
	default:
		return nil, &failure{msg: fmt.Sprintf("destination %s is not active (status %q): the authority must activate it or name another", f.fc.DestinationID, info.Status), permanent: true}
	}
	if !slices.Contains(info.MetadataVersions, f.fc.MetadataVersion) {
		return nil, &failure{msg: fmt.Sprintf("destination %s accepts metadata versions %v, not %s", f.fc.DestinationID, info.MetadataVersions, f.fc.MetadataVersion), permanent: true}
	}
	if !slices.ContainsFunc(info.Services, func(s struct {
		Identifier string `json:"identifier"`
	}) bool {
		return s.Identifier == svc.Identifier
	}) {
		return nil, &failure{msg: fmt.Sprintf("destination %s does not accept the service %s (check the form's LeiKa key and the destination's services)", f.fc.DestinationID, svc.Identifier), permanent: true}
	}
	if info.EncryptionKid == "" {
		return nil, &failure{msg: "destination " + f.fc.DestinationID + " names no encryption key", permanent: true}
	}
	pub, err := f.destinationKey(ctx, info.EncryptionKid, OpWrapKey, string(jose.RSA_OAEP_256))
	if err != nil {
		return nil, err
	}
	return &jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: info.EncryptionKid}, nil
}

// destinationKey fetches and checks a key of the destination.
func (f *Deliverer) destinationKey(ctx context.Context, kid, op, alg string) (*rsa.PublicKey, error) {
	var raw json.RawMessage
	path := "/v1/destinations/" + url.PathEscape(f.fc.DestinationID) + "/keys/" + url.PathEscape(kid)
	if err := f.c.call(ctx, "reading the destination's key", "GET", path, "", nil, &raw); err != nil {
		return nil, err
	}
	pub, got, err := checkKey(raw, op, alg, f.anchors, f.now())
	if err != nil {
		return nil, err
	}
	if got != kid {
		return nil, &keyError{fmt.Sprintf("asked for key %s, got key %s", kid, got)}
	}
	return pub, nil
}

// encrypt returns the JWE compact serialisation of content for the destination's key, with
// cty contentType.
func encrypt(key *jose.Recipient, contentType string, content []byte) (string, error) {
	enc, err := jose.NewEncrypter(jose.A256GCM, *key, (&jose.EncrypterOptions{}).WithContentType(jose.ContentType(contentType)))
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(content)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

// sealSubmission returns the body of PUT /v1/submissions/{id}.
func sealSubmission(key *jose.Recipient, metadata, data []byte) ([]byte, error) {
	em, err := encrypt(key, "application/json", metadata)
	if err != nil {
		return nil, err
	}
	ed, err := encrypt(key, "application/json", data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]string{"encryptedMetadata": em, "encryptedData": ed})
}

// FailpointEnv names the environment variable that makes the process kill itself with SIGKILL
// at one step of a FIT-Connect delivery, right after the request succeeded and before its
// result is recorded: after-create, after-upload, after-submit or after-accept. The crash
// tests set it; it does nothing when unset.
const FailpointEnv = "OZGFORM_FITCONNECT_FAILPOINT"

var failpointName = os.Getenv(FailpointEnv)

func failpoint(name string) {
	if failpointName == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
