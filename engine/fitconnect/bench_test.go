package fitconnect

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

var (
	benchKeyOnce sync.Once
	benchKey     *rsa.PrivateKey
)

// BenchmarkSealSubmission1MB is the sender's CPU work for one submission with a 1 MB
// attachment, without the network: the metadata from the envelope, its validation against
// the official schema, and the JWEs (RSA-OAEP-256 with a 4096-bit key, A256GCM) of the 1 MB
// file, the receipt, the metadata and the data, and the submit body. Target: ≤ 20 ms.
//
//	go test ./engine/fitconnect/ -run '^$' -bench SealSubmission -benchmem -cpu 1 -count 5
func BenchmarkSealSubmission1MB(b *testing.B) {
	benchKeyOnce.Do(func() {
		var err error
		if benchKey, err = rsa.GenerateKey(rand.Reader, 4096); err != nil {
			b.Fatal(err)
		}
	})
	key := &jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: &benchKey.PublicKey, KeyID: "k"}
	d := benchDelivery(b, 1<<20)
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	// The machine may be shared: besides the wall time (ns/op), the process's CPU time per
	// submission (user + system, getrusage) is what the target is about.
	cpu0 := cpuTime()
	for b.Loop() {
		data, metadata, _, err := fromEnvelope(d.Envelope)
		if err != nil {
			b.Fatal(err)
		}
		if err := ValidateMetadata(metadata); err != nil {
			b.Fatal(err)
		}
		for _, f := range deliveryFiles(d) {
			if _, err := encrypt(key, f.MediaType, f.Content); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := sealSubmission(key, metadata, data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's CPU time so far (user + system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchDelivery is a Hundesteuer submission with a receipt and one file of size bytes.
func benchDelivery(tb testing.TB, size int) engine.Delivery {
	cat, _ := forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	f := cat.Get("hundesteuer")
	if f == nil {
		tb.Fatal("example hundesteuer not loaded")
	}
	data := []byte(`{"name":"Erika Mustermann","hunde":[{"name":"Bello"}]}`)
	s := &engine.Submission{
		ID: "0b8e3a52-6e0f-4a53-9a43-1b2c3d4e5f60", Reference: "HST-7K3F-9QX2", FormID: f.Manifest.ID,
		FormVersion: f.Manifest.Version, SchemaHash: f.SchemaHash, Lang: "de", Data: data,
		DataHash: engine.SHA512Hex(data), SubmittedAt: time.Now(),
	}
	content := make([]byte, size)
	rand.Read(content)
	a := engine.Attachment{AttachmentID: "5f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", Filename: "nachweis.pdf",
		MediaType: "application/pdf", Size: int64(size), SHA512: engine.SHA512Hex(content)}
	receipt := func(*forms.Form, *engine.Submission, string, []engine.Attachment) ([]byte, error) {
		return make([]byte, 20000), nil
	}
	env, rf, err := engine.PrepareEnvelope(f, s, "https://formulare.example.de", receipt, a)
	if err != nil {
		tb.Fatal(err)
	}
	return engine.Delivery{Submission: s, Envelope: env, Receipt: rf,
		Attachments: []engine.File{{AttachmentID: a.AttachmentID, Filename: a.Filename, MediaType: a.MediaType, Content: content, SHA512: a.SHA512}}}
}
