package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// DefaultTimeout is the time a receiver has to answer, when the destination names none (the
// convention recommends 15 to 30 s).
const DefaultTimeout = 15 * time.Second

// maxRetryAfter bounds a receiver's Retry-After.
const maxRetryAfter = 24 * time.Hour

// Deliverer posts deliveries to one webhook destination. It is an engine.Deliverer.
type Deliverer struct {
	dest   engine.Destination
	keys   [][]byte
	url    string
	client *http.Client
	now    func() time.Time
}

var (
	_ engine.Deliverer         = (*Deliverer)(nil)
	_ engine.AttachmentsInline = (*Deliverer)(nil)
)

// Options adjust a Deliverer; the zero value is what production uses.
type Options struct {
	Now func() time.Time // the clock of webhook-timestamp; default time.Now
}

// New returns the Deliverer of a webhook destination. It checks the URL and the secrets.
func New(d engine.Destination, opts Options) (*Deliverer, error) {
	if d.Type != engine.DestinationWebhook {
		return nil, fmt.Errorf("webhook: destination %s is of type %s", d.Name, d.Type)
	}
	u, err := url.Parse(d.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("webhook: destination %s: the URL is not an absolute http(s) URL without user info", d.Name)
	}
	keys, err := ParseSecrets(d.Secret.Reveal())
	if err != nil {
		return nil, fmt.Errorf("webhook: destination %s: %w", d.Name, err)
	}
	for _, k := range keys {
		if len(k) < MinSecretBytes || len(k) > MaxSecretBytes {
			return nil, fmt.Errorf("webhook: destination %s: a secret has %d bytes, want %d to %d", d.Name, len(k), MinSecretBytes, MaxSecretBytes)
		}
	}
	if d.Timeout <= 0 {
		d.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	transport := Transport(d.AllowPrivate)
	client := &http.Client{
		Transport: transport,
		Timeout:   d.Timeout,
		// A redirect is a failure: the operator updates the URL (and the signature would go
		// to wherever the receiver points).
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Deliverer{dest: d, keys: keys, url: d.URL, client: client, now: opts.Now}, nil
}

// Transport returns the HTTP transport for outgoing deliveries: no proxy (it would dial in
// our place, past the address check), TLS 1.2 or newer, and unless allowPrivate, connections
// only to public addresses (checked on the address actually dialled, after DNS).
func Transport(allowPrivate bool) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = refuseNonPublic
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would dial in our place, past the address check
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return transport
}

// Reason turns a transport error into a short text for the outbox and the logs, without the
// URL that net/http's error texts quote (it may carry a token).
func Reason(err error) string { return reason(err) }

// Deliverers returns the deliverers of the webhook destinations among dests, by name.
func Deliverers(dests []engine.Destination) (map[string]engine.Deliverer, error) {
	m := map[string]engine.Deliverer{}
	for _, d := range dests {
		if d.Type != engine.DestinationWebhook {
			continue
		}
		dl, err := New(d, Options{})
		if err != nil {
			return nil, err
		}
		m[d.Name] = dl
	}
	return m, nil
}

// WantsAttachments tells the worker whether to read the attachments' bytes for this
// destination (engine.AttachmentsInline).
func (w *Deliverer) WantsAttachments() bool { return w.dest.InlineAttachments }

// Close closes the idle connections.
func (w *Deliverer) Close() { w.client.CloseIdleConnections() }

// Deliver makes one attempt: it posts the body, signed, and reports the outcome.
func (w *Deliverer) Deliver(ctx context.Context, d engine.Delivery) engine.DeliveryOutcome {
	body, format, err := w.body(d)
	if err != nil {
		return engine.DeliveryOutcome{Error: "body not built"}
	}
	ctx, cancel := context.WithTimeout(ctx, w.dest.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return engine.DeliveryOutcome{Error: "request not built"}
	}
	ts := w.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ozgform-webhook/1")
	req.Header.Set(HeaderID, d.MessageID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.keys, d.MessageID, ts, body))
	req.Header.Set(HeaderBody, format)

	resp, err := w.client.Do(req)
	if err != nil {
		return engine.DeliveryOutcome{Error: reason(err)}
	}
	// The answer is read (so that the connection can be reused) but never logged: a
	// receiver may echo data.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()

	out := engine.DeliveryOutcome{Status: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		out.Delivered = true
		return out
	case resp.StatusCode == http.StatusGone:
		out.Gone = true
	}
	out.Error = "HTTP " + strconv.Itoa(resp.StatusCode)
	out.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), w.now())
	return out
}

// body returns the request body and its format: the envelope, or a bundle with the files
// when the destination wants them inline.
func (w *Deliverer) body(d engine.Delivery) ([]byte, string, error) {
	if !w.dest.InlineReceipt && !w.dest.InlineAttachments {
		return d.Envelope, "envelope", nil
	}
	files := []bundleFile{}
	if w.dest.InlineReceipt && d.Receipt != nil {
		files = append(files, newBundleFile(*d.Receipt, engine.PurposeReceipt))
	}
	if w.dest.InlineAttachments {
		for _, f := range d.Attachments {
			files = append(files, newBundleFile(f, engine.PurposeAttachment))
		}
	}
	fb, err := json.Marshal(files)
	if err != nil {
		return nil, "", err
	}
	var b bytes.Buffer
	b.Grow(len(d.Envelope) + len(fb) + 32)
	b.WriteString(`{"envelope":`)
	b.Write(d.Envelope) // byte for byte: its hashes still verify
	b.WriteString(`,"files":`)
	b.Write(fb)
	b.WriteString(`}`)
	return b.Bytes(), "bundle", nil
}

// bundleFile is one file inside a bundle.
type bundleFile struct {
	AttachmentID string `json:"attachmentId"`
	Purpose      string `json:"purpose"`
	Filename     string `json:"filename"`
	MediaType    string `json:"mediaType"`
	Size         int    `json:"size"`
	SHA512       string `json:"sha512"`
	Content      string `json:"content"` // base64
}

func newBundleFile(f engine.File, purpose string) bundleFile {
	return bundleFile{
		AttachmentID: f.AttachmentID, Purpose: purpose, Filename: f.Filename, MediaType: f.MediaType,
		Size: len(f.Content), SHA512: f.SHA512, Content: base64.StdEncoding.EncodeToString(f.Content),
	}
}

// RetryAfter parses a Retry-After header: seconds or an HTTP date, at most a day; 0 if absent
// or malformed.
func RetryAfter(v string, now time.Time) time.Duration { return retryAfter(v, now) }

// retryAfter parses a Retry-After header: seconds or an HTTP date; 0 if absent or malformed.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// errRefused is the error of a dial to an address that is not public.
var errRefused = errors.New("webhook: address not public")

// refuseNonPublic is the dialer's Control function: it sees the IP address actually dialled,
// after DNS resolution.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return errRefused
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !Public(ip) {
		return errRefused
	}
	return nil
}

// nonPublic are special-purpose ranges that the netip predicates do not cover.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach internal IPv4 addresses
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4: embeds any IPv4 address
	// IPv4-compatible (::a.b.c.d, deprecated by RFC 4291) and IPv4-translated
	// (::ffff:0:a.b.c.d, RFC 2765 SIIT) addresses embed an IPv4 address that a stack or a
	// translator may reach; neither has a legitimate use for a webhook, so both ranges are
	// refused whole, whatever address they embed (::ffff:a.b.c.d is unmapped above instead).
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("::ffff:0:0:0/96"),
}

// Public reports whether ip is a public unicast address that webhooks may reach without
// allowPrivate.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// reason turns a transport error into a short text for the outbox and the logs. The error
// texts of net/http quote the URL, which may carry a token, so they are not used.
func reason(err error) string {
	var (
		dnsErr  *net.DNSError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, errRefused):
		return "address not allowed (not public; see allowPrivate)"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	case errors.As(err, &dnsErr):
		return "dns lookup failed"
	case errors.As(err, &certErr), errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &recErr):
		return "tls handshake failed"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	}
	return "network error"
}
