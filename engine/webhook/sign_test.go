package webhook

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks test vector (from the convention's reference libraries).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignTestVector(t *testing.T) {
	keys, err := ParseSecrets(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign(keys, vectorID, vectorTimestamp, []byte(vectorPayload)); got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}
	// Without the prefix the secret is the same.
	keys2, err := ParseSecrets(strings.TrimPrefix(vectorSecret, SecretPrefix))
	if err != nil || Sign(keys2, vectorID, vectorTimestamp, []byte(vectorPayload)) != vectorSignature {
		t.Fatalf("secret without prefix: %v", err)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(vectorTimestamp, 0)
	ts := strconv.Itoa(vectorTimestamp)
	other := "whsec_" + strings.Repeat("QUJD", 8) // another 24-byte secret
	otherKeys, _ := ParseSecrets(other)
	otherSig := Sign(otherKeys, vectorID, vectorTimestamp, []byte(vectorPayload))
	tests := []struct {
		name                string
		secret, id, ts, sig string
		body                string
		now                 time.Time
		want                error
	}{
		{"valid", vectorSecret, vectorID, ts, vectorSignature, vectorPayload, now, nil},
		{"valid at the edge of the tolerance", vectorSecret, vectorID, ts, vectorSignature, vectorPayload, now.Add(DefaultTolerance), nil},
		{"valid among other schemes and wrong signatures", vectorSecret, vectorID, ts,
			"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + vectorSignature + " v1a,abc",
			vectorPayload, now, nil},
		{"receiver rotating: old and new secret", other + " " + vectorSecret, vectorID, ts, vectorSignature, vectorPayload, now, nil},
		{"sender rotating: two signatures", vectorSecret, vectorID, ts, otherSig + " " + vectorSignature, vectorPayload, now, nil},
		{"missing id", vectorSecret, "", ts, vectorSignature, vectorPayload, now, ErrMissingHeader},
		{"missing timestamp", vectorSecret, vectorID, "", vectorSignature, vectorPayload, now, ErrMissingHeader},
		{"missing signature", vectorSecret, vectorID, ts, "", vectorPayload, now, ErrMissingHeader},
		{"invalid signature", vectorSecret, vectorID, ts, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", vectorPayload, now, ErrSignature},
		{"signature of another secret", vectorSecret, vectorID, ts, otherSig, vectorPayload, now, ErrSignature},
		{"tampered body", vectorSecret, vectorID, ts, vectorSignature, `{"test": 2432232315}`, now, ErrSignature},
		{"re-encoded body", vectorSecret, vectorID, ts, vectorSignature, `{"test":2432232314}`, now, ErrSignature},
		{"tampered id", vectorSecret, "msg_p5jXN8AQM9LWM0D4loKWxJel", ts, vectorSignature, vectorPayload, now, ErrSignature},
		{"tampered timestamp", vectorSecret, vectorID, strconv.Itoa(vectorTimestamp + 1), vectorSignature, vectorPayload, now, ErrSignature},
		{"old timestamp", vectorSecret, vectorID, ts, vectorSignature, vectorPayload, now.Add(DefaultTolerance + time.Second), ErrTimestamp},
		{"timestamp from the future", vectorSecret, vectorID, ts, vectorSignature, vectorPayload, now.Add(-DefaultTolerance - time.Second), ErrTimestamp},
		{"malformed timestamp", vectorSecret, vectorID, "1614265330.5", vectorSignature, vectorPayload, now, ErrTimestamp},
		{"malformed secret", "whsec_%%%", vectorID, ts, vectorSignature, vectorPayload, now, ErrSecret},
		{"signature without scheme", vectorSecret, vectorID, ts, strings.TrimPrefix(vectorSignature, "v1,"), vectorPayload, now, ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.id, tc.ts, []byte(tc.body), tc.sig, tc.now, DefaultTolerance)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignSeveralSecrets(t *testing.T) {
	keys, err := ParseSecrets(vectorSecret + "  whsec_" + strings.Repeat("QUJD", 8))
	if err != nil || len(keys) != 2 {
		t.Fatalf("ParseSecrets: %d keys, %v", len(keys), err)
	}
	sig := Sign(keys, vectorID, vectorTimestamp, []byte(vectorPayload))
	parts := strings.Fields(sig)
	if len(parts) != 2 || parts[0] != vectorSignature {
		t.Fatalf("Sign with two secrets: %q", sig)
	}
	for _, secret := range []string{vectorSecret, "whsec_" + strings.Repeat("QUJD", 8)} {
		if err := Verify(secret, vectorID, strconv.Itoa(vectorTimestamp), []byte(vectorPayload), sig, time.Unix(vectorTimestamp, 0), DefaultTolerance); err != nil {
			t.Errorf("Verify with %s…: %v", secret[:10], err)
		}
	}
}

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2a00:1450:4001:82b::200e": true, "193.99.144.80": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.178.1": false,
		"169.254.169.254": false, "fe80::1": false, "fc00::1": false, "0.0.0.0": false, "::": false,
		"224.0.0.1": false, "ff02::1": false, "100.64.0.1": false, "255.255.255.255": false,
		"::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "198.18.0.1": false,
		// IPv4-compatible and IPv4-translated IPv6 addresses (issue 14, point 5)
		"::127.0.0.1": false, "::10.0.0.1": false, "::169.254.169.254": false, "::8.8.8.8": false,
		"::ffff:0:127.0.0.1": false, "::ffff:0:a00:1": false, "::ffff:0:8.8.8.8": false,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"1":                             time.Second,
		"120":                           2 * time.Minute,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"99999999":                      maxRetryAfter,
		"Fri, 02 Jan 2026 03:05:05 GMT": time.Minute,
		"Fri, 02 Jan 2026 03:00:00 GMT": 0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}
