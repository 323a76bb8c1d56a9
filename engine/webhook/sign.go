// Package webhook delivers submissions to back offices as webhooks in the Standard Webhooks
// convention (https://www.standardwebhooks.com), and verifies them on the receiving side.
//
// # Request
//
// Every attempt is one POST of the submission's envelope (Content-Type application/json) with
// the headers
//
//	webhook-id:        the outbox message id; the same on every retry and replay, so that a
//	                   receiver can deduplicate
//	webhook-timestamp: the attempt's time in unix seconds
//	webhook-signature: "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per secret,
//	                   separated by spaces (several while a secret is being rotated)
//	ozgform-body:      "envelope" (the body is the envelope) or "bundle" (see below)
//
// Secrets are written "whsec_" followed by the base64 of 24 to 64 random bytes. Only a 2xx
// answer counts as delivered. 410 Gone disables the destination; Retry-After (seconds or an
// HTTP date) is honoured; redirects are not followed.
//
// # Files inline
//
// A destination configured with inline receipt or attachments receives a bundle instead of
// the bare envelope: one JSON object
//
//	{"envelope": <the envelope, byte for byte>,
//	 "files": [{"attachmentId": …, "purpose": "receipt"|"attachment", "filename": …,
//	            "mediaType": …, "size": …, "sha512": …, "content": "<base64>"}]}
//
// A single JSON body was chosen over multipart: it is signed as it is, parsed in one step in
// every language, and the envelope inside keeps its bytes, so its hashes still verify. Files
// are listed in the envelope's attachments with their SHA-512 either way; without inline
// files the back office fetches them through the pull API.
//
// # Addresses
//
// Unless the destination allows it (allowPrivate), requests to loopback, private, link-local,
// multicast, unspecified and other non-public addresses are refused. The check runs on the
// address actually dialled (after DNS), so a name that resolves to an internal address, also
// only on the second lookup (DNS rebinding), is refused as well. Proxies from the environment
// are not used: they would dial in our place, past the check.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names of the Standard Webhooks convention, and ozgform's body format header.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	HeaderBody      = "ozgform-body"
)

// SecretPrefix marks a symmetric Standard Webhooks secret.
const SecretPrefix = "whsec_"

// Secret lengths that New accepts (bytes after base64 decoding), as the convention asks.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

// DefaultTolerance is the usual allowed difference between a webhook's timestamp and the
// receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Errors of Verify.
var (
	ErrMissingHeader = errors.New("webhook: id, timestamp or signature missing")
	ErrTimestamp     = errors.New("webhook: timestamp outside the tolerance")
	ErrSignature     = errors.New("webhook: no matching signature")
	ErrSecret        = errors.New("webhook: malformed secret")
)

// ParseSecrets decodes one or more secrets separated by spaces ("whsec_…"; the prefix may be
// left out, as receivers of the convention accept).
func ParseSecrets(s string) ([][]byte, error) {
	var keys [][]byte
	for _, f := range strings.Fields(s) {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(f, SecretPrefix))
		if err != nil || len(key) == 0 {
			return nil, ErrSecret
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, ErrSecret
	}
	return keys, nil
}

// Sign returns the webhook-signature header value for a message: one "v1,<base64>" per key,
// separated by spaces.
func Sign(keys [][]byte, id string, timestamp int64, body []byte) string {
	sigs := make([]string, len(keys))
	for i, k := range keys {
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac(k, id, timestamp, body))
	}
	return strings.Join(sigs, " ")
}

func mac(key []byte, id string, timestamp int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(strconv.FormatInt(timestamp, 10)))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received webhook: the timestamp header must be within tolerance of now, and
// one of the signatures in signatureHeader must be the HMAC of id, timestamp and body under
// one of the secrets (separated by spaces, so that a receiver can rotate). body must be the
// bytes as received, not re-encoded JSON. Signatures of other schemes (v1a, …) are skipped.
// After a successful Verify, deduplicate by id.
func Verify(secret, id, timestamp string, body []byte, signatureHeader string, now time.Time, tolerance time.Duration) error {
	if id == "" || timestamp == "" || signatureHeader == "" {
		return ErrMissingHeader
	}
	keys, err := ParseSecrets(secret)
	if err != nil {
		return err
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", ErrTimestamp, timestamp)
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > tolerance || at.Sub(now) > tolerance {
		return ErrTimestamp
	}
	for _, k := range keys {
		want := mac(k, id, ts, body)
		for _, sig := range strings.Fields(signatureHeader) {
			scheme, value, ok := strings.Cut(sig, ",")
			if !ok || scheme != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				continue
			}
			if subtle.ConstantTimeCompare(got, want) == 1 {
				return nil
			}
		}
	}
	return ErrSignature
}

// NewSecret returns a new random secret in the whsec_ form, for an operator to configure and
// hand to the back office.
func NewSecret(random func([]byte) (int, error)) (string, error) {
	b := make([]byte, 32)
	if _, err := random(b); err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}
