package engine

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ozgform/ozgform/forms"
)

// DestinationType says how submissions reach a destination.
type DestinationType string

// Destination types.
const (
	// DestinationWebhook: the outbox worker POSTs each submission to the destination's URL,
	// signed in the Standard Webhooks convention (package engine/webhook).
	DestinationWebhook DestinationType = "webhook"
	// DestinationAPI: the back office pulls submissions through the API and acknowledges
	// each; the worker leaves these messages alone.
	DestinationAPI DestinationType = "api"
	// DestinationFITConnect: the outbox worker sends each submission end-to-end encrypted
	// through FIT-Connect to the authority's destination (package engine/fitconnect).
	DestinationFITConnect DestinationType = "fitconnect"
)

// DefaultDestination is the destination of every form when the operator configures none:
// the pull API.
var DefaultDestination = Destination{Name: "api", Type: DestinationAPI}

// Destination is one back office that receives submissions, as the operator configures it.
// Its String and LogValue never show the secret.
type Destination struct {
	Name string          // unique; outbox messages name their destination by it
	Type DestinationType //
	// Forms lists the form ids whose submissions go here; nil means all forms.
	Forms []string

	// For webhooks:
	URL string
	// Secret holds one or more signing secrets ("whsec_…"), separated by spaces; every
	// request is signed with each of them, so that a receiver can rotate its secret without
	// losing a message.
	Secret  Secret
	Timeout time.Duration // per request
	// InlineReceipt and InlineAttachments put the receipt PDF and the attachments into the
	// request (see package engine/webhook); otherwise only the envelope travels, and the back
	// office fetches the files through the API.
	InlineReceipt     bool
	InlineAttachments bool
	// AllowPrivate allows URLs that resolve to loopback, private, link-local or other
	// non-public addresses (a Fachverfahren in the operator's own network, tests).
	AllowPrivate bool

	// For FIT-Connect (Timeout and AllowPrivate apply too):
	FITConnect *FITConnect
}

// FITConnect is the configuration of a FIT-Connect destination: the sender's API client
// (registered in FIT-Connect's self-service portal) and the authority's destination.
type FITConnect struct {
	SubmissionAPI string // base URL of the Submission API, e.g. https://submission-api-testing.fit-connect.fitko.dev
	TokenURL      string // the OAuth 2 token endpoint
	ClientID      string //
	ClientSecret  Secret //
	DestinationID string // UUID of the authority's destination
	// MetadataVersion is the version of the FIT-Connect metadata schema this program sends
	// (1.0.0); the destination must accept it.
	MetadataVersion string
	// TrustAnchors are the PEM certificates that the x5c chain of the destination's keys must
	// lead to (the Verwaltungs-PKI's root in production).
	TrustAnchors []byte
	// PollInterval is how often the event log is read until the authority accepts or
	// rejects; 0: the package's default.
	PollInterval time.Duration
}

// AllForms reports whether the destination receives the submissions of every form.
func (d Destination) AllForms() bool { return d.Forms == nil }

// Receives reports whether the submissions of form formID go to d.
func (d Destination) Receives(formID string) bool {
	return d.Forms == nil || slices.Contains(d.Forms, formID)
}

// LogValue shows a destination in logs without its secret and URL (a URL may carry a token).
func (d Destination) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", d.Name), slog.String("type", string(d.Type)))
}

// String describes the destination without its secret, and without the URL's query (which
// may carry a token).
func (d Destination) String() string {
	s := d.Name + " (" + string(d.Type)
	if d.FITConnect != nil {
		s += " " + d.FITConnect.DestinationID
	}
	if d.URL != "" {
		u, _, query := strings.Cut(d.URL, "?")
		if query {
			u += "?…"
		}
		s += " " + u
	}
	return s + ")"
}

// GoString is String, so that %#v shows no secret either.
func (d Destination) GoString() string { return d.String() }

// MarshalJSON shows what String shows (slog's JSON handler encodes slices with it).
func (d Destination) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"name": d.Name, "type": d.Type, "forms": d.Forms, "text": d.String()})
}

// DestinationsFor returns a function for Service.Destinations: the names of the destinations
// that receive a form's submissions, in configuration order.
func DestinationsFor(dests []Destination) func(form *forms.Form) []string {
	return func(form *forms.Form) []string {
		var names []string
		for _, d := range dests {
			if d.Receives(form.Manifest.ID) {
				names = append(names, d.Name)
			}
		}
		return names
	}
}

// Secret is a value that must not show up in logs or output: fmt, slog and encoding/json
// print "***". Reveal returns it.
type Secret struct{ value string }

// NewSecret wraps a secret value.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String masks the secret.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "***"
}

// GoString masks the secret for %#v.
func (s Secret) GoString() string { return `engine.Secret("` + s.String() + `")` }

// LogValue masks the secret in slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the secret in encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// APIToken is a bearer token of the pull API. Only the SHA-256 of the token is kept; the
// token is shown to the back office once, by whoever creates it.
type APIToken struct {
	Name string   // who holds it, for logs
	Hash [32]byte // SHA-256 of the token
	// Destination is the pull destination (type api) whose messages the token lists and
	// acknowledges.
	Destination string
	// Forms lists the form ids the token may read; nil means all forms.
	Forms []string
}

// HashAPIToken returns the SHA-256 of a token, as APIToken.Hash keeps it.
func HashAPIToken(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// Allows reports whether the token may read the submissions of form formID.
func (t *APIToken) Allows(formID string) bool {
	return t.Forms == nil || slices.Contains(t.Forms, formID)
}

// LogValue shows the token's name only.
func (t APIToken) LogValue() slog.Value { return slog.StringValue(t.Name) }

// String shows the token's name and a prefix of its hash.
func (t APIToken) String() string {
	return t.Name + " (sha256 " + hex.EncodeToString(t.Hash[:4]) + "…)"
}

// FindAPIToken returns the token among tokens whose hash is the hash of presented, or nil.
// It compares every hash in constant time.
func FindAPIToken(tokens []APIToken, presented string) *APIToken {
	if presented == "" {
		return nil
	}
	h := HashAPIToken(presented)
	var found *APIToken
	for i := range tokens {
		if subtle.ConstantTimeCompare(tokens[i].Hash[:], h[:]) == 1 && found == nil {
			found = &tokens[i]
		}
	}
	return found
}
