package fitconnect

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// MinKeyBits is the smallest RSA modulus FIT-Connect allows for encryption and signature keys.
const MinKeyBits = 4096

// Key operations (JWK key_ops) that FIT-Connect keys carry.
const (
	OpWrapKey = "wrapKey" // encryption keys of destinations
	OpVerify  = "verify"  // signature keys of destinations (their accept and reject events)
)

// keyError is a key that FIT-Connect or the authority must replace, or that the operator's
// trust anchor does not vouch for: no retry helps.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }

// jwkExtra are the JWK members that go-jose does not keep.
type jwkExtra struct {
	Kty    string   `json:"kty"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
}

// checkKey parses a JWK of the Submission API and checks it as FIT-Connect requires: RSA of at
// least MinKeyBits bits, key_ops with op, the expected algorithm, and an x5c chain whose first
// certificate holds the key and which leads to one of the trust anchors at now. go-jose checks
// that the first certificate holds the same key as the JWK.
func checkKey(raw []byte, op, alg string, anchors *x509.CertPool, now time.Time) (*rsa.PublicKey, string, error) {
	var (
		jwk   jose.JSONWebKey
		extra jwkExtra
	)
	if err := json.Unmarshal(raw, &extra); err != nil {
		return nil, "", &keyError{"the key is not a JWK"}
	}
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return nil, "", &keyError{"the key is not a valid JWK (or its x5c certificate does not hold the key): " + err.Error()}
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok || extra.Kty != "RSA" {
		return nil, jwk.KeyID, &keyError{fmt.Sprintf("key %s is not an RSA public key (kty %q)", jwk.KeyID, extra.Kty)}
	}
	if bits := pub.N.BitLen(); bits < MinKeyBits {
		return nil, jwk.KeyID, &keyError{fmt.Sprintf("key %s has %d bits, FIT-Connect requires at least %d", jwk.KeyID, bits, MinKeyBits)}
	}
	if !slices.Contains(extra.KeyOps, op) {
		return nil, jwk.KeyID, &keyError{fmt.Sprintf("key %s has key_ops %v, not %s", jwk.KeyID, extra.KeyOps, op)}
	}
	if extra.Alg != "" && extra.Alg != alg {
		return nil, jwk.KeyID, &keyError{fmt.Sprintf("key %s is for algorithm %s, not %s", jwk.KeyID, extra.Alg, alg)}
	}
	if err := verifyChain(jwk.Certificates, anchors, now); err != nil {
		return nil, jwk.KeyID, &keyError{fmt.Sprintf("key %s: %v", jwk.KeyID, err)}
	}
	return pub, jwk.KeyID, nil
}

// verifyChain checks an x5c chain (leaf first) against the trust anchors.
func verifyChain(chain []*x509.Certificate, anchors *x509.CertPool, now time.Time) error {
	if len(chain) == 0 {
		return errors.New("the key has no certificate chain (x5c), so it cannot be traced to the trust anchor")
	}
	if anchors == nil {
		return errors.New("no trust anchor is configured")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         anchors,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("the certificate chain (x5c) does not lead to the configured trust anchor: %v", err)
	}
	return nil
}

// ParseTrustAnchors reads PEM certificates into a pool; an error if there are none.
func ParseTrustAnchors(pem []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
}
