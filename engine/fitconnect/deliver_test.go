package fitconnect_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
	"github.com/ozgform/ozgform/engine/fitconnect/fitconnecttest"
	"github.com/ozgform/ozgform/forms"
)

var (
	catalogOnce sync.Once
	catalog     *forms.Catalog
)

func hundesteuer(tb testing.TB) *forms.Form {
	tb.Helper()
	catalogOnce.Do(func() {
		catalog, _ = forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	})
	f := catalog.Get("hundesteuer")
	if f == nil {
		tb.Fatal("example hundesteuer not loaded")
	}
	return f
}

func serviceOf(f *forms.Form) string { return fitconnect.LeikaURNPrefix + f.Manifest.LeiKa }

// newDelivery builds the delivery of a new Hundesteuer submission with a receipt and files of
// the given sizes, whose progress lives in *progress (nil: saving fails with failSave).
type testDelivery struct {
	engine.Delivery
	mu       sync.Mutex
	progress json.RawMessage
	failSave error
	data     []byte
}

func newDelivery(tb testing.TB, sizes ...int) *testDelivery {
	tb.Helper()
	f := hundesteuer(tb)
	id := uuid.NewString()
	data := []byte(`{"n":"` + id + `","name":"Jürgen Müller"}`)
	s := &engine.Submission{
		ID: id, Reference: "HST-" + strings.ToUpper(strings.ReplaceAll(id, "-", "")[:12]),
		FormID: f.Manifest.ID, FormVersion: f.Manifest.Version, SchemaHash: f.SchemaHash, Lang: "de",
		Data: data, DataHash: engine.SHA512Hex(data), SubmittedAt: time.Now(), AccessToken: uuid.NewString(),
	}
	var (
		atts  []engine.Attachment
		files []engine.File
	)
	for i, n := range sizes {
		b := make([]byte, n)
		rand.Read(b)
		a := engine.Attachment{AttachmentID: uuid.NewString(), Filename: "anlage" + string(rune('a'+i)) + ".pdf", MediaType: "application/pdf", Size: int64(n), SHA512: engine.SHA512Hex(b)}
		atts = append(atts, a)
		files = append(files, engine.File{AttachmentID: a.AttachmentID, Filename: a.Filename, MediaType: a.MediaType, Content: b, SHA512: a.SHA512})
	}
	receipt := func(*forms.Form, *engine.Submission, string, []engine.Attachment) ([]byte, error) {
		return []byte("%PDF-1.4 Eingangsbestätigung " + id), nil
	}
	env, rf, err := engine.PrepareEnvelope(f, s, "https://formulare.example.de", receipt, atts...)
	if err != nil {
		tb.Fatal(err)
	}
	td := &testDelivery{data: data}
	td.Delivery = engine.Delivery{MessageID: uuid.NewString(), Destination: "fit", Attempt: 1, Submission: s, Envelope: env, Receipt: rf, Attachments: files}
	return td
}

// attempt makes one attempt with the progress recorded so far.
func (td *testDelivery) attempt(tb testing.TB, dl *fitconnect.Deliverer) engine.DeliveryOutcome {
	tb.Helper()
	d := td.Delivery
	td.mu.Lock()
	d.Progress = td.progress
	td.mu.Unlock()
	d.SaveProgress = func(_ context.Context, p json.RawMessage) error {
		td.mu.Lock()
		defer td.mu.Unlock()
		if td.failSave != nil {
			return td.failSave
		}
		td.progress = bytes.Clone(p)
		return nil
	}
	return dl.Deliver(tb.Context(), d)
}

func (td *testDelivery) recorded() fitconnect.Progress {
	td.mu.Lock()
	defer td.mu.Unlock()
	p, _ := fitconnect.ParseProgress(td.progress)
	return p
}

func newDeliverer(tb testing.TB, fake *fitconnecttest.Server, timeout time.Duration) *fitconnect.Deliverer {
	tb.Helper()
	dl, err := fitconnect.New(engine.Destination{
		Name: "fit", Type: engine.DestinationFITConnect, AllowPrivate: true, Timeout: timeout,
		FITConnect: &engine.FITConnect{
			SubmissionAPI: fake.URL, TokenURL: fake.TokenURL(), ClientID: fake.ClientID,
			ClientSecret: engine.NewSecret(fake.ClientSecret), DestinationID: fake.DestinationID,
			MetadataVersion: fitconnect.MetadataVersion, TrustAnchors: fake.CAPEM,
		},
	}, fitconnect.Options{PollInterval: 2 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(dl.Close)
	return dl
}

func newFake(tb testing.TB) *fitconnecttest.Server {
	fake := fitconnecttest.New(serviceOf(hundesteuer(tb)))
	tb.Cleanup(fake.Close)
	return fake
}

// TestDeliverAccepted: one attempt creates, uploads, submits and sees the acceptance; the
// authority's decrypted data is the envelope's data byte for byte, each file its bytes; the
// token is fetched once for two submissions.
func TestDeliverAccepted(t *testing.T) {
	fake := newFake(t)
	dl := newDeliverer(t, fake, 0)
	for i := range 2 {
		td := newDelivery(t, 1000, 70000)
		out := td.attempt(t, dl)
		if !out.Delivered {
			t.Fatalf("attempt: %+v", out)
		}
		if got := strings.Join(out.Milestones, ","); got != "submitted,accepted" {
			t.Errorf("milestones %q", got)
		}
		p := td.recorded()
		if p.Status != fitconnect.StatusAccepted || !p.Submitted || len(p.Uploaded) != 3 {
			t.Errorf("progress %+v", p)
		}
		subs := fake.Submitted()
		if len(subs) != i+1 {
			t.Fatalf("%d submissions at FIT-Connect, want %d", len(subs), i+1)
		}
		got := subs[i]
		if got.Status != "accepted" || got.ID != p.SubmissionID {
			t.Fatalf("fake: %s %s (problems %v)", got.ID, got.Status, got.Problems)
		}
		if !bytes.Equal(got.Data, td.data) {
			t.Errorf("decrypted data %q, want the envelope's %q", got.Data, td.data)
		}
		for _, f := range append([]engine.File{*td.Receipt}, td.Attachments...) {
			if !bytes.Equal(got.Attachments[f.AttachmentID], f.Content) {
				t.Errorf("attachment %s differs after decryption", f.AttachmentID)
			}
		}
		// Delivering again (a worker that crashed before Complete) sends nothing new.
		if out := td.attempt(t, dl); !out.Delivered || len(fake.Submissions()) != i+1 {
			t.Errorf("repeated attempt: %+v, %d submissions", out, len(fake.Submissions()))
		}
	}
	if n := dl.TokensFetched(); n != 1 {
		t.Errorf("%d tokens fetched, want 1 (cached)", n)
	}
}

// TestDeliverFailures: each failure gives a clear message; retry where a retry can help,
// dead letter where not; nothing reaches the authority; after the cause is gone the same
// message is delivered once.
func TestDeliverFailures(t *testing.T) {
	cases := []struct {
		name      string
		set       func(s *fitconnecttest.Server)
		permanent bool
		want      string
	}{
		{"inactive destination", func(s *fitconnecttest.Server) { s.DestinationStatus = "archived" }, true, `not active (status "archived")`},
		{"destination not yet active", func(s *fitconnecttest.Server) { s.DestinationStatus = "created" }, false, "not active yet"},
		{"short key", func(s *fitconnecttest.Server) { s.ShortKey = true }, true, "has 2048 bits, FIT-Connect requires at least 4096"},
		{"wrong key_ops", func(s *fitconnecttest.Server) { s.KeyOps = []string{"verify"} }, true, "key_ops [verify], not wrapKey"},
		{"untrusted chain", func(s *fitconnecttest.Server) { s.UntrustedChain = true }, true, "does not lead to the configured trust anchor"},
		{"metadata version", func(s *fitconnecttest.Server) { s.MetadataVersions = []string{"2.0.0"} }, true, "accepts metadata versions [2.0.0], not 1.0.0"},
		{"service", func(s *fitconnecttest.Server) { s.Services = []string{"urn:de:fim:leika:leistung:1"} }, true, "does not accept the service"},
		{"401", func(s *fitconnecttest.Server) { s.FailNext("destination", 401, 401) }, false, "HTTP 401"},
		{"wrong client secret", func(s *fitconnecttest.Server) { s.ClientSecret = "other" }, false, "refused the client credentials"},
		{"403", func(s *fitconnecttest.Server) { s.FailNext("create", 403) }, true, "HTTP 403"},
		{"413", func(s *fitconnecttest.Server) { s.MaxBody = 10000 }, true, "HTTP 413"},
		{"503 on submit", func(s *fitconnecttest.Server) { s.FailNext("submit", 503) }, false, "submitting: HTTP 503"},
		{"500 on upload", func(s *fitconnecttest.Server) { s.FailNext("upload", 500) }, false, "uploading an attachment: HTTP 500"},
		{"timeout", func(s *fitconnecttest.Server) { s.Delay("key", 3*time.Second) }, false, "timeout"},
		{"rejected", func(s *fitconnecttest.Server) { s.RejectAll = true }, true, "the authority rejected submission"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fake := newFake(t)
			clientSecret := fake.ClientSecret
			// A generous per-request timeout keeps the fake's RSA-4096 work from timing out on
			// a loaded machine; only the timeout case waits for a short one.
			timeout := 30 * time.Second
			if c.name == "timeout" {
				timeout = time.Second
			}
			dl := newDeliverer(t, fake, timeout)
			c.set(fake) // no request is in flight yet
			td := newDelivery(t, 20000)
			out := td.attempt(t, dl)
			if out.Delivered || out.Permanent != c.permanent || !strings.Contains(out.Error, c.want) {
				t.Fatalf("outcome %+v; want permanent=%v and an error with %q", out, c.permanent, c.want)
			}
			if c.permanent && !strings.Contains(out.Error, "ozgform outbox retry "+td.MessageID) {
				t.Errorf("a dead letter does not tell the operator how to retry: %s", out.Error)
			}
			if c.name == "rejected" {
				return
			}
			if n := len(fake.Submitted()); n != 0 {
				t.Fatalf("%d submissions reached the authority after a failure", n)
			}
			// The cause is fixed (or was passing); the operator retries: one submission.
			fake.Lock()
			fake.DestinationStatus, fake.ShortKey, fake.UntrustedChain, fake.MaxBody = "active", false, false, 0
			fake.KeyOps, fake.MetadataVersions = []string{fitconnect.OpWrapKey}, []string{fitconnect.MetadataVersion}
			fake.Services, fake.ClientSecret = []string{serviceOf(hundesteuer(t))}, clientSecret
			fake.Unlock()
			fake.Delay("key", 0)
			if c.name == "timeout" {
				dl = newDeliverer(t, fake, 30*time.Second)
			}
			if out := td.attempt(t, dl); !out.Delivered {
				t.Fatalf("after the fix: %+v", out)
			}
			if n := len(fake.Submitted()); n != 1 {
				t.Fatalf("%d submissions reached the authority, want 1", n)
			}
		})
	}
}

// TestDeliverResume: the result of a step is lost (the store does not answer, as after a
// crash); the next attempt resumes, and exactly one submission reaches the authority.
func TestDeliverResume(t *testing.T) {
	fake := newFake(t)
	dl := newDeliverer(t, fake, 0)

	// Lost: the record of the creation. The next attempt creates a new submission; the first
	// is never submitted.
	td := newDelivery(t, 5000)
	td.failSave = errors.New("database is locked")
	if out := td.attempt(t, dl); out.Delivered || out.Permanent || !strings.Contains(out.Error, "could not be recorded") {
		t.Fatalf("outcome %+v", out)
	}
	td.failSave = nil
	if out := td.attempt(t, dl); !out.Delivered {
		t.Fatalf("resumed: %+v", out)
	}
	if all, sub := len(fake.Submissions()), len(fake.Submitted()); all != 2 || sub != 1 {
		t.Fatalf("%d created, %d submitted; want 2 and 1", all, sub)
	}

	// Lost: the record of the submit (the progress says uploaded, not submitted). The event
	// log shows the submit; nothing is submitted again.
	fake2 := newFake(t)
	fake2.Lock()
	fake2.Decide = false
	fake2.Unlock()
	dl2 := newDeliverer(t, fake2, 0)
	td2 := newDelivery(t, 5000)
	out := td2.attempt(t, dl2)
	if !out.Pending || !strings.Contains(out.Error, "waiting for the authority") {
		t.Fatalf("outcome %+v", out)
	}
	p := td2.recorded()
	p.Submitted, p.Status = false, fitconnect.StatusCreated
	b, _ := json.Marshal(p)
	td2.progress = b
	fake2.DecideNow(p.SubmissionID)
	if out := td2.attempt(t, dl2); !out.Delivered {
		t.Fatalf("resumed after a lost submit record: %+v", out)
	}
	if all, sub := len(fake2.Submissions()), len(fake2.Submitted()); all != 1 || sub != 1 {
		t.Fatalf("%d created, %d submitted; want 1 and 1", all, sub)
	}
}

// TestDeliverEventSignature: an acceptance that is not signed with the destination's key does
// not count.
func TestDeliverEventSignature(t *testing.T) {
	fake := newFake(t)
	fake.Lock()
	fake.BadEventSignature = true
	fake.Unlock()
	dl := newDeliverer(t, fake, 0)
	td := newDelivery(t)
	out := td.attempt(t, dl)
	if out.Delivered || out.Permanent || !strings.Contains(out.Error, "do not verify") {
		t.Fatalf("outcome %+v", out)
	}
	if p := td.recorded(); p.Status != fitconnect.StatusSubmitted {
		t.Errorf("progress %+v", p)
	}
}

// TestTokenExpiry: a token the service no longer accepts is replaced at once (401 → new token).
func TestTokenExpiry(t *testing.T) {
	fake := newFake(t)
	dl := newDeliverer(t, fake, 0)
	if out := newDelivery(t).attempt(t, dl); !out.Delivered {
		t.Fatal(out)
	}
	fake.ExpireTokens()
	if out := newDelivery(t).attempt(t, dl); !out.Delivered {
		t.Fatal(out)
	}
	if n := dl.TokensFetched(); n != 2 {
		t.Errorf("%d tokens fetched, want 2", n)
	}
}

func TestNewChecksConfig(t *testing.T) {
	good := engine.FITConnect{SubmissionAPI: "https://api.example.de", TokenURL: "https://auth.example.de/token", ClientID: "c",
		ClientSecret: engine.NewSecret("s"), DestinationID: uuid.NewString(), TrustAnchors: []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")}
	for name, mod := range map[string]func(*engine.FITConnect){
		"http":         func(c *engine.FITConnect) { c.SubmissionAPI = "http://api.example.de" },
		"no secret":    func(c *engine.FITConnect) { c.ClientSecret = engine.Secret{} },
		"no anchor":    func(c *engine.FITConnect) { c.TrustAnchors = nil },
		"version":      func(c *engine.FITConnect) { c.MetadataVersion = "2.0.0" },
		"no dest":      func(c *engine.FITConnect) { c.DestinationID = "" },
		"bad tokenurl": func(c *engine.FITConnect) { c.TokenURL = "::" },
	} {
		c := good
		mod(&c)
		if _, err := fitconnect.New(engine.Destination{Name: "fit", Type: engine.DestinationFITConnect, FITConnect: &c}, fitconnect.Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// BenchmarkDeliver1MB is one whole delivery of a submission with a 1 MB attachment against the
// in-process fake, with the fake's decryption and checks switched off (NoInspection): token
// (cached), destination and key with chain check, create, three uploads, submit, event log
// with two signature checks. cpu-ms/op is the CPU time of the process per submission, so it
// includes the fake's HTTP handling over loopback.
//
//	go test ./engine/fitconnect/ -run '^$' -bench Deliver1MB -benchmem -cpu 1 -count 5
func BenchmarkDeliver1MB(b *testing.B) {
	fake := newFake(b)
	fake.Lock()
	fake.NoInspection = true
	fake.Unlock()
	dl := newDeliverer(b, fake, 0)
	td := newDelivery(b, 1<<20)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		td.progress = nil
		if out := td.attempt(b, dl); !out.Delivered {
			b.Fatal(out)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
