package fitconnect

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// Event types of FIT-Connect's event log (Security Event Tokens, RFC 8417).
const (
	EventPrefix = "https://schema.fitko.de/fit-connect/events/"
	EventCreate = EventPrefix + "create-submission"
	EventSubmit = EventPrefix + "submit-submission"
	EventNotify = EventPrefix + "notify-submission"
	EventAccept = EventPrefix + "accept-submission"
	EventReject = EventPrefix + "reject-submission"
	EventDelete = EventPrefix + "delete-submission"
)

// SETType is the typ header of FIT-Connect's Security Event Tokens.
const SETType = "secevent+jwt"

// SignatureAlgorithm is the JWS algorithm of FIT-Connect's Security Event Tokens.
const SignatureAlgorithm = jose.PS512

// SETClaims are the claims of a Security Event Token in the event log.
type SETClaims struct {
	Issuer   string                     `json:"iss"`
	Subject  string                     `json:"sub"` // "submission:<submissionId>"
	TxnID    string                     `json:"txn"` // "case:<caseId>"
	IssuedAt int64                      `json:"iat"`
	JTI      string                     `json:"jti"`
	Events   map[string]json.RawMessage `json:"events"`
}

// Problem is one reason of a reject event (RFC 9457 problem details).
type Problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// event is a verified entry of the event log.
type event struct {
	Type     string
	Problems []Problem
}

// readEvents reads the event log of a case and returns the events about submission
// submissionID whose signatures verify: the Submission API's own events against its published
// keys (/.well-known/jwks.json), the authority's accept and reject against the destination's
// signature key (key_ops verify, checked like the encryption key). Entries that do not verify
// are left out and counted in bad.
func (f *Deliverer) readEvents(ctx context.Context, caseID, submissionID string) (events []event, bad int, err error) {
	var log struct {
		EventLog []string `json:"eventLog"`
	}
	if err := f.c.call(ctx, "reading the event log", "GET", "/v1/cases/"+url.PathEscape(caseID)+"/events", "", nil, &log); err != nil {
		return nil, 0, err
	}
	for _, token := range log.EventLog {
		ev, err := f.verifySET(ctx, token, caseID, submissionID)
		if err != nil {
			f.logger.Warn("FIT-Connect event log: an entry does not verify and is ignored", "case", caseID, "error", err)
			bad++
			continue
		}
		if ev != nil {
			events = append(events, *ev)
		}
	}
	return events, bad, nil
}

// verifySET verifies one Security Event Token; nil, nil if it is about another submission.
func (f *Deliverer) verifySET(ctx context.Context, token, caseID, submissionID string) (*event, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{SignatureAlgorithm})
	if err != nil {
		return nil, fmt.Errorf("not a %s JWS: %v", SignatureAlgorithm, err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("not exactly one signature")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != SETType {
		return nil, fmt.Errorf("typ is %q, not %s", typ, SETType)
	}
	// The claims are read before the signature is checked only to choose the key; nothing
	// of them counts until the signature verifies with that key.
	var claims SETClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return nil, errors.New("the claims are not JSON")
	}
	if len(claims.Events) != 1 {
		return nil, fmt.Errorf("%d events in one token, want 1", len(claims.Events))
	}
	var typ string
	for typ = range claims.Events {
	}
	var key *rsa.PublicKey
	switch typ {
	case EventAccept, EventReject:
		if claims.Issuer != f.fc.DestinationID {
			return nil, fmt.Errorf("%s issued by %q, not by the destination", strings.TrimPrefix(typ, EventPrefix), claims.Issuer)
		}
		key, err = f.signatureKey(ctx, h.KeyID)
	default:
		key, err = f.serviceKey(ctx, h.KeyID)
	}
	if err != nil {
		return nil, err
	}
	if _, err := jws.Verify(key); err != nil {
		return nil, fmt.Errorf("signature of %s does not verify with key %s", strings.TrimPrefix(typ, EventPrefix), h.KeyID)
	}
	if claims.Subject != "submission:"+submissionID {
		return nil, nil
	}
	if claims.TxnID != "case:"+caseID {
		return nil, fmt.Errorf("event of submission %s names case %q", submissionID, claims.TxnID)
	}
	ev := &event{Type: typ}
	if typ == EventReject {
		var body struct {
			Problems []Problem `json:"problems"`
		}
		json.Unmarshal(claims.Events[typ], &body)
		ev.Problems = body.Problems
	}
	return ev, nil
}

// serviceKey returns the Submission API's signature key kid from its JWKS, read once and
// again when a kid is unknown (key rotation).
func (f *Deliverer) serviceKey(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	f.mu.Lock()
	k := f.serviceKeys[kid]
	f.mu.Unlock()
	if k != nil {
		return k, nil
	}
	var set jose.JSONWebKeySet
	if err := f.c.call(ctx, "reading the service keys", "GET", "/.well-known/jwks.json", "", nil, &set); err != nil {
		return nil, err
	}
	keys := map[string]*rsa.PublicKey{}
	for _, jk := range set.Keys {
		if pub, ok := jk.Key.(*rsa.PublicKey); ok && pub.N.BitLen() >= MinKeyBits && jk.KeyID != "" {
			keys[jk.KeyID] = pub
		}
	}
	f.mu.Lock()
	f.serviceKeys = keys
	f.mu.Unlock()
	if k = keys[kid]; k == nil {
		return nil, fmt.Errorf("the Submission API publishes no RSA key %q of %d bits or more", kid, MinKeyBits)
	}
	return k, nil
}

// signatureKey returns the destination's signature key kid, checked like the encryption key
// (RSA ≥ 4096, key_ops verify, chain to the trust anchor).
func (f *Deliverer) signatureKey(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	return f.destinationKey(ctx, kid, OpVerify, string(SignatureAlgorithm))
}
