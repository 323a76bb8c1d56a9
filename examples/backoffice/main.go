// Command backoffice is an example of a Fachverfahren (back office) that receives the
// submissions of an ozgform server and files them in a folder. Integrators read it and copy
// what they need: it uses only the Go standard library, nothing of ozgform.
//
// It receives submissions in one of two ways:
//
//	backoffice webhook --addr 127.0.0.1:9090 --dir eingang
//	    receives webhooks (Standard Webhooks convention), secret in $OZGFORM_WEBHOOK_SECRET
//	backoffice pull --url https://formulare.example.de --dir eingang [--interval 30s] [--once]
//	    fetches through the pull API (/api/v1), token in $OZGFORM_API_TOKEN
//
// Either way every submission ends up as
//
//	<dir>/<Vorgangsnummer>/envelope.json          the envelope, byte for byte as received
//	<dir>/<Vorgangsnummer>/receipt.pdf            the receipt (Eingangsbestätigung), if received
//	<dir>/<Vorgangsnummer>/attachments/<id>-<name> the citizen's files, if received
//
// and only after every byte has been checked against the hashes in the envelope and written
// to disk (fsync) does the program answer 2xx to the webhook or acknowledge through the API.
// A submission that arrives twice is filed once: webhooks are deduplicated by their
// webhook-id (remembered in <dir>/.webhook-ids/), and a folder that exists already is kept.
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "backoffice:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  backoffice webhook --addr 127.0.0.1:9090 --dir eingang   (secret in $OZGFORM_WEBHOOK_SECRET)
  backoffice pull --url https://formulare.example.de --dir eingang [--interval 30s] [--once]
                                                          (token in $OZGFORM_API_TOKEN)`

// run parses the command line and runs one mode until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	fl := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "eingang", "folder for the received submissions")
	switch args[0] {
	case "webhook":
		addr := fl.String("addr", "127.0.0.1:9090", "address to listen on")
		secretEnv := fl.String("secret-env", "OZGFORM_WEBHOOK_SECRET", "environment variable with the signing secret(s), whsec_…")
		maxBody := fl.Int64("max-body", 200<<20, "largest accepted request in bytes (inline attachments make bundles large)")
		if err := fl.Parse(args[1:]); err != nil {
			return err
		}
		secrets, err := parseSecrets(getenv(*secretEnv))
		if err != nil {
			return fmt.Errorf("$%s: %w", *secretEnv, err)
		}
		inbox, err := openInbox(*dir)
		if err != nil {
			return err
		}
		rc := &Receiver{Inbox: inbox, Secrets: secrets, MaxBody: *maxBody, Log: log}
		return serve(ctx, *addr, rc, log)
	case "pull":
		base := fl.String("url", "", "the ozgform server, e.g. https://formulare.example.de")
		tokenEnv := fl.String("token-env", "OZGFORM_API_TOKEN", "environment variable with the API token")
		interval := fl.Duration("interval", 30*time.Second, "pause between two passes")
		once := fl.Bool("once", false, "one pass, then exit")
		if err := fl.Parse(args[1:]); err != nil {
			return err
		}
		u, err := url.Parse(*base)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--url %q is not an http(s) URL", *base)
		}
		token := strings.TrimSpace(getenv(*tokenEnv))
		if token == "" {
			return fmt.Errorf("$%s is empty: the pull API needs the token the operator gave you", *tokenEnv)
		}
		inbox, err := openInbox(*dir)
		if err != nil {
			return err
		}
		p := &Puller{BaseURL: u, Token: token, Inbox: inbox, Log: log}
		for {
			n, err := p.Pass(ctx)
			log.Info("pass done", "stored", n, "error", err)
			if *once {
				return err
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(*interval):
			}
		}
	}
	return errors.New(usage)
}

// serve runs the webhook receiver on addr until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute}
	log.Info("receiving webhooks", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ---------------------------------------------------------------- the envelope

// envelope is the part of ozgform's payload envelope (schema: <server>/schemas/payload/v1.json)
// that this program reads. The data stays raw: its hash is over its bytes as they stand.
type envelope struct {
	SubmissionID string `json:"submissionId"`
	Reference    string `json:"reference"` // the Vorgangsnummer, e.g. HST-7K3F-9QX2
	Form         struct {
		ID      string `json:"id"`
		Version string `json:"version"`
	} `json:"form"`
	Data        json.RawMessage `json:"data"`
	Attachments []envelopeFile  `json:"attachments"` // the receipt is among them, purpose "receipt"
	Receipt     *envelopeFile   `json:"receipt"`
	Metadata    struct {
		ContentStructure struct {
			Data struct {
				Hash digest `json:"hash"`
			} `json:"data"`
		} `json:"contentStructure"`
	} `json:"metadata"`
}

type envelopeFile struct {
	AttachmentID string `json:"attachmentId"`
	Filename     string `json:"filename"`
	MediaType    string `json:"mediaType"`
	Size         int64  `json:"size"`
	Hash         digest `json:"hash"`
	Purpose      string `json:"purpose"` // "receipt" or "attachment"
}

type digest struct {
	Type    string `json:"type"`    // "sha512"
	Content string `json:"content"` // hex
}

var (
	referencePattern = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)
	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	hashPattern      = regexp.MustCompile(`^[0-9a-f]{128}$`)
)

// parseEnvelope reads an envelope and checks what the program relies on: the ids it files
// by, and the data hash (SHA-512 over the bytes of "data" exactly as they stand in the
// envelope, metadata.contentStructure.data.hash).
func parseEnvelope(raw []byte) (*envelope, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil { // json.RawMessage keeps the data's bytes
		return nil, fmt.Errorf("the envelope is not JSON: %w", err)
	}
	if !uuidPattern.MatchString(env.SubmissionID) || !referencePattern.MatchString(env.Reference) || len(env.Reference) > 64 {
		return nil, errors.New("the envelope has no valid submissionId and reference")
	}
	want := env.Metadata.ContentStructure.Data.Hash
	sum := sha512.Sum512(env.Data)
	if want.Type != "sha512" || !hmac.Equal([]byte(hex.EncodeToString(sum[:])), []byte(want.Content)) {
		return nil, fmt.Errorf("submission %s: the data does not match metadata.contentStructure.data.hash", env.SubmissionID)
	}
	for _, f := range env.Attachments {
		if !uuidPattern.MatchString(f.AttachmentID) || f.Hash.Type != "sha512" || !hashPattern.MatchString(f.Hash.Content) {
			return nil, fmt.Errorf("submission %s: attachment %q is listed without a valid id or SHA-512", env.SubmissionID, f.AttachmentID)
		}
	}
	return &env, nil
}

// file returns the envelope's entry of a file.
func (e *envelope) file(attachmentID string) *envelopeFile {
	for i := range e.Attachments {
		if e.Attachments[i].AttachmentID == attachmentID {
			return &e.Attachments[i]
		}
	}
	return nil
}

// ---------------------------------------------------------------- Standard Webhooks

// tolerance is how far a webhook's timestamp may be from our clock (replay protection).
const tolerance = 5 * time.Minute

var (
	errMissingHeaders = errors.New("webhook-id, webhook-timestamp or webhook-signature missing")
	errTimestamp      = errors.New("webhook-timestamp is too far from our clock")
	errSignature      = errors.New("no valid signature")
)

// parseSecrets decodes the signing secrets: "whsec_" and base64, several separated by spaces
// while the operator rotates the secret.
func parseSecrets(s string) ([][]byte, error) {
	var keys [][]byte
	for _, f := range strings.Fields(s) {
		k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(f, "whsec_"))
		if err != nil || len(k) == 0 {
			return nil, errors.New("a secret is not whsec_ followed by base64")
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no secret")
	}
	return keys, nil
}

// verifyWebhook checks a webhook as the Standard Webhooks convention defines it
// (https://www.standardwebhooks.com), which is how ozgform signs: the signed content is
// "<webhook-id>.<webhook-timestamp>.<body>", the signature HMAC-SHA256 of it with the secret,
// base64, written "v1,<signature>"; webhook-signature may hold several, separated by spaces.
// body must be the bytes as received.
func verifyWebhook(secrets [][]byte, id, timestamp string, body []byte, signatures string, now time.Time) error {
	if id == "" || timestamp == "" || signatures == "" {
		return errMissingHeaders
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errTimestamp
	}
	for _, key := range secrets {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + timestamp + "."))
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range strings.Fields(signatures) {
			version, value, ok := strings.Cut(sig, ",")
			if !ok || version != "v1" {
				continue // other schemes (v1a: asymmetric) are not used here
			}
			got, err := base64.StdEncoding.DecodeString(value)
			if err == nil && hmac.Equal(got, want) { // constant time
				return nil
			}
		}
	}
	return errSignature
}

// Receiver is the webhook endpoint.
type Receiver struct {
	Inbox   *Inbox
	Secrets [][]byte
	MaxBody int64
	Log     *slog.Logger
	Now     func() time.Time // default time.Now

	Stored, Duplicates atomic.Int64 // for tests and monitoring
}

// bundle is the request body when the operator sends files inline (header ozgform-body:
// bundle): the envelope byte for byte, and the files in base64.
type bundle struct {
	Envelope json.RawMessage `json:"envelope"`
	Files    []struct {
		AttachmentID string `json:"attachmentId"`
		Purpose      string `json:"purpose"`
		Content      []byte `json:"content"` // encoding/json decodes base64
	} `json:"files"`
}

// webhookIDPattern is what we accept as a webhook-id before using it as a file name.
var webhookIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.MaxBody))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	now := time.Now
	if rc.Now != nil {
		now = rc.Now
	}
	id := r.Header.Get("webhook-id")
	// 1. Authenticity first: nothing of an unsigned request is looked at.
	if err := verifyWebhook(rc.Secrets, id, r.Header.Get("webhook-timestamp"), body, r.Header.Get("webhook-signature"), now()); err != nil {
		rc.Log.Warn("webhook refused", "error", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if !webhookIDPattern.MatchString(id) {
		http.Error(w, "malformed webhook-id", http.StatusBadRequest)
		return
	}
	// 2. Deduplicate: the same webhook-id comes again on a retry whose answer was lost, and
	// on a replay by the operator.
	if rc.Inbox.Seen(id) {
		rc.Duplicates.Add(1)
		rc.Log.Info("duplicate webhook", "webhook_id", id)
		w.WriteHeader(http.StatusOK)
		return
	}
	// 3. Check the content against its hashes, then file it.
	env, raw, files, err := parseBody(r.Header.Get("ozgform-body"), body)
	if err != nil {
		rc.Log.Warn("webhook content refused", "webhook_id", id, "error", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := rc.file(env, raw, files); err != nil {
		rc.Log.Error("filing failed", "webhook_id", id, "submission", env.SubmissionID, "error", err)
		http.Error(w, "not stored", http.StatusInternalServerError) // ozgform retries
		return
	}
	if err := rc.Inbox.MarkSeen(id); err != nil {
		// Filed, but not remembered: a retry finds the folder and is answered 2xx again.
		rc.Log.Warn("remembering the webhook-id failed", "webhook_id", id, "error", err)
	}
	rc.Stored.Add(1)
	rc.Log.Info("submission filed", "webhook_id", id, "submission", env.SubmissionID, "reference", env.Reference)
	w.WriteHeader(http.StatusOK) // only now: every byte is on disk
}

// file files the envelope and the files that came with it.
func (rc *Receiver) file(env *envelope, raw []byte, files map[string][]byte) error {
	f, filed, err := rc.Inbox.Begin(env, raw)
	if err != nil || filed {
		return err
	}
	defer f.Abort()
	for id, content := range files {
		if err := f.Add(*env.file(id), bytes.NewReader(content)); err != nil {
			return err
		}
	}
	return f.Commit()
}

// parseBody reads the body of a webhook: the envelope, or a bundle with the envelope and
// files (by attachment id), each of them listed in the envelope.
func parseBody(format string, body []byte) (*envelope, []byte, map[string][]byte, error) {
	if format != "bundle" {
		env, err := parseEnvelope(body)
		return env, body, nil, err
	}
	var b bundle
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, nil, nil, fmt.Errorf("the bundle is not JSON: %w", err)
	}
	env, err := parseEnvelope(b.Envelope)
	if err != nil {
		return nil, nil, nil, err
	}
	files := map[string][]byte{}
	for _, f := range b.Files {
		// The envelope's hash decides (Add checks it), not the hash next to the file.
		if env.file(f.AttachmentID) == nil {
			return nil, nil, nil, fmt.Errorf("the bundle has a file %q that the envelope does not list", f.AttachmentID)
		}
		files[f.AttachmentID] = f.Content
	}
	return env, b.Envelope, files, nil
}

// ---------------------------------------------------------------- the pull API

// Puller fetches submissions through the pull API: list, envelope, receipt, attachments,
// check, file, acknowledge.
type Puller struct {
	BaseURL *url.URL
	Token   string
	Inbox   *Inbox
	Client  *http.Client // default: a client with a 5 minute timeout
	Log     *slog.Logger
}

// listPage is the answer of GET /api/v1/submissions.
type listPage struct {
	Submissions []struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		Links     struct {
			Self    string `json:"self"`
			Receipt string `json:"receipt"`
			Ack     string `json:"ack"`
		} `json:"links"`
	} `json:"submissions"`
	Next *string `json:"next"`
}

// Pass fetches every submission that waits, following the list's pages, and returns how many
// it filed and acknowledged. A submission that fails is skipped (and logged); it stays in the
// list and comes again in the next pass.
func (p *Puller) Pass(ctx context.Context) (int, error) {
	stored, failed := 0, 0
	next := "/api/v1/submissions?limit=100"
	for next != "" {
		res, err := p.do(ctx, http.MethodGet, next)
		if err != nil {
			return stored, err
		}
		var page listPage
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return stored, fmt.Errorf("the list is not JSON: %w", err)
		}
		for _, item := range page.Submissions {
			if err := p.fetch(ctx, item.ID, item.Links.Self, item.Links.Receipt, item.Links.Ack); err != nil {
				failed++
				p.Log.Error("submission not fetched", "submission", item.ID, "error", err)
				continue
			}
			stored++
			p.Log.Info("submission filed and acknowledged", "submission", item.ID, "reference", item.Reference)
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	if failed > 0 {
		return stored, fmt.Errorf("%d submission(s) could not be fetched; they come again in the next pass", failed)
	}
	return stored, nil
}

// fetch files one submission, then acknowledges it.
func (p *Puller) fetch(ctx context.Context, id, self, receiptURL, ackURL string) error {
	res, err := p.do(ctx, http.MethodGet, self)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	env, err := parseEnvelope(raw)
	if err != nil {
		return err
	}
	if env.SubmissionID != id {
		return fmt.Errorf("the envelope is of submission %s", env.SubmissionID)
	}
	f, filed, err := p.Inbox.Begin(env, raw)
	if err != nil {
		return err
	}
	if !filed {
		defer f.Abort()
		for _, a := range env.Attachments {
			src := self + "/attachments/" + a.AttachmentID
			if a.Purpose == "receipt" {
				src = receiptURL
			}
			res, err := p.do(ctx, http.MethodGet, src)
			if err != nil {
				return err
			}
			err = f.Add(a, res.Body) // streamed to disk, checked against the envelope's hash
			res.Body.Close()
			if err != nil {
				return err
			}
		}
		if err := f.Commit(); err != nil {
			return err
		}
	}
	res, err = p.do(ctx, http.MethodPost, ackURL) // only now: every byte is on disk
	if err != nil {
		return fmt.Errorf("filed, but the acknowledgement failed (it is repeated in the next pass): %w", err)
	}
	res.Body.Close()
	return nil
}

// do sends an authenticated request to a path of the API (or a link from an answer) and
// returns a 2xx answer. 429 and 503 are retried after the server's Retry-After; other errors
// carry the German detail of the server's problem answer.
func (p *Puller) do(ctx context.Context, method, ref string) (*http.Response, error) {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	u, err := p.BaseURL.Parse(ref)
	if err != nil || u.Host != p.BaseURL.Host {
		return nil, fmt.Errorf("link %q does not point to the server", ref) // the token goes nowhere else
	}
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+p.Token)
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if res.StatusCode >= 200 && res.StatusCode <= 299 {
			return res, nil
		}
		var problem struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&problem)
		res.Body.Close()
		if (res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable) && attempt < 4 {
			wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(min(max(wait, 1), 30)) * time.Second):
			}
			continue
		}
		return nil, fmt.Errorf("%s %s: HTTP %d %s: %s", method, u.Path, res.StatusCode, problem.Title, problem.Detail)
	}
}

// ---------------------------------------------------------------- the folder

// Inbox is the folder the submissions are filed in.
type Inbox struct {
	Dir string
}

// openInbox creates the folder and its helper folders.
func openInbox(dir string) (*Inbox, error) {
	for _, d := range []string{dir, filepath.Join(dir, ".tmp"), filepath.Join(dir, ".webhook-ids")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	return &Inbox{Dir: dir}, nil
}

// Filing is a submission being filed: everything is written into a temporary folder, each
// file checked against the envelope's hash and fsynced; Commit renames the folder to
// <dir>/<reference> in one step. Until then nothing of it is visible in <dir>.
type Filing struct {
	in    *Inbox
	env   *envelope
	tmp   string
	files int
}

// Begin starts filing a submission with its envelope. filed reports that <dir>/<reference>
// holds the submission already (a second delivery): there is nothing to do.
func (in *Inbox) Begin(env *envelope, raw []byte) (f *Filing, filed bool, err error) {
	if filed, err := in.holds(filepath.Join(in.Dir, env.Reference), env.SubmissionID); err != nil || filed {
		return nil, filed, err
	}
	tmp, err := os.MkdirTemp(filepath.Join(in.Dir, ".tmp"), env.Reference+"-")
	if err != nil {
		return nil, false, err
	}
	f = &Filing{in: in, env: env, tmp: tmp}
	if err := writeFile(filepath.Join(tmp, "envelope.json"), bytes.NewReader(raw), nil, ""); err != nil {
		f.Abort()
		return nil, false, err
	}
	return f, false, nil
}

// Add writes a file the envelope lists: the receipt as receipt.pdf, the others as
// attachments/<attachmentId>-<name>. The bytes must match the envelope's SHA-512.
func (f *Filing) Add(listed envelopeFile, r io.Reader) error {
	name := "receipt.pdf"
	if listed.Purpose != "receipt" {
		if f.files == 0 {
			if err := os.Mkdir(filepath.Join(f.tmp, "attachments"), 0o700); err != nil {
				return err
			}
		}
		f.files++
		name = filepath.Join("attachments", listed.AttachmentID+"-"+safeName(listed.Filename))
	}
	if err := writeFile(filepath.Join(f.tmp, name), r, sha512.New(), listed.Hash.Content); err != nil {
		return fmt.Errorf("%s: %w", listed.AttachmentID, err)
	}
	return nil
}

// Commit makes the filing durable and visible.
func (f *Filing) Commit() error {
	if f.files > 0 {
		if err := syncDir(filepath.Join(f.tmp, "attachments")); err != nil {
			return err
		}
	}
	if err := syncDir(f.tmp); err != nil {
		return err
	}
	final := filepath.Join(f.in.Dir, f.env.Reference)
	if err := os.Rename(f.tmp, final); err != nil {
		// Another delivery of the same submission may have been faster.
		if filed, herr := f.in.holds(final, f.env.SubmissionID); herr == nil && filed {
			return nil
		}
		return err
	}
	return syncDir(f.in.Dir)
}

// Abort removes what is not committed; after Commit it does nothing.
func (f *Filing) Abort() { os.RemoveAll(f.tmp) }

// holds reports whether folder holds the submission already; an error if it holds another
// one under the same reference.
func (in *Inbox) holds(folder, submissionID string) (bool, error) {
	raw, err := os.ReadFile(filepath.Join(folder, "envelope.json"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var env struct {
		SubmissionID string `json:"submissionId"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.SubmissionID != submissionID {
		return false, fmt.Errorf("%s holds another submission", folder)
	}
	return true, nil
}

// Seen reports whether a webhook-id was filed before.
func (in *Inbox) Seen(webhookID string) bool {
	_, err := os.Stat(filepath.Join(in.Dir, ".webhook-ids", webhookID))
	return err == nil
}

// MarkSeen remembers a webhook-id (an empty file, fsynced with its folder).
func (in *Inbox) MarkSeen(webhookID string) error {
	name := filepath.Join(in.Dir, ".webhook-ids", webhookID)
	if err := writeFile(name, strings.NewReader(""), nil, ""); err != nil {
		return err
	}
	return syncDir(filepath.Dir(name))
}

// writeFile writes r to a new file and fsyncs it. With h, the bytes must hash to wantHex.
func writeFile(name string, r io.Reader, h hash.Hash, wantHex string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	w := io.Writer(f)
	if h != nil {
		w = io.MultiWriter(f, h)
	}
	_, err = io.Copy(w, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && h != nil && !hmac.Equal([]byte(hex.EncodeToString(h.Sum(nil))), []byte(wantHex)) {
		err = errors.New("the bytes do not match the SHA-512 in the envelope")
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// syncDir makes the entries of a folder durable (new files, a rename).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// safeName turns a file name from the envelope into one that is safe in our folder: letters,
// digits, space, '.', '-' and '_' stay, everything else (path separators, control characters)
// becomes '_'; no leading dot; at most 100 characters.
func safeName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-_", r) {
			b.WriteRune(r)
		} else {
			b.WriteRune('_')
		}
	}
	s := strings.TrimLeft(b.String(), ". ")
	if r := []rune(s); len(r) > 100 {
		s = string(r[len(r)-100:]) // keep the extension
	}
	if s == "" {
		var rnd [4]byte
		rand.Read(rnd[:])
		s = "anlage-" + hex.EncodeToString(rnd[:])
	}
	return s
}
