package engine_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
)

// TestSubmissionDataIsWhatSubmitStores: the canonical data SubmissionData predicts (and
// `ozgform receipt` and the crash test rely on) is byte for byte what Submit stores, and
// its hash is the stored DataHash and the hash the receipt shows.
func TestSubmissionDataIsWhatSubmitStores(t *testing.T) {
	svc, _, _ := newService(t)
	f := exampleForm(t, "hundesteuer")
	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := engine.DecodeData(raw)
	if err != nil {
		t.Fatal(err)
	}
	canon, errs, err := engine.SubmissionData(f, data)
	if err != nil || len(errs) > 0 {
		t.Fatalf("SubmissionData: %v %v", errs, err)
	}
	ctx := context.Background()
	d, err := svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	d.Data = raw // the sample as it stands, with its indentation: Submit makes it canonical
	sub, ferrs, err := svc.Submit(ctx, f, d)
	if err != nil || len(ferrs) > 0 {
		t.Fatalf("Submit: %v %v", ferrs, err)
	}
	if !bytes.Equal(sub.Data, canon) {
		t.Errorf("Submit stored\n%s\nSubmissionData predicted\n%s", sub.Data, canon)
	}
	if h := engine.ReceiptPayloadHash(sub); h != sub.DataHash || h != engine.SHA512Hex(canon) {
		t.Errorf("receipt hash %s, stored data hash %s", h, sub.DataHash)
	}

	// Invalid data: the errors, and no JSON.
	delete(data, "erklaerung")
	if canon, errs, err := engine.SubmissionData(f, data); err != nil || len(errs) == 0 || canon != nil {
		t.Errorf("SubmissionData without the declaration: %d errors, %d bytes, %v", len(errs), len(canon), err)
	}
}

// TestVerifyEnvelopeData plays the back office: the hash verified from a delivered envelope
// is the receipt's, and any change to the data bytes, or to the hash, is noticed.
func TestVerifyEnvelopeData(t *testing.T) {
	svc, _, _ := newService(t)
	f := exampleForm(t, "hundesteuer")
	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	d.Data = raw
	sub, _, err := svc.Submit(ctx, f, d)
	if err != nil {
		t.Fatal(err)
	}
	env, _, err := engine.PrepareEnvelope(f, sub, "https://formulare.example.de", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := engine.VerifyEnvelopeData(env)
	if err != nil || got != engine.ReceiptPayloadHash(sub) {
		t.Fatalf("VerifyEnvelopeData = %q, %v; want the receipt's hash %s", got, err, engine.ReceiptPayloadHash(sub))
	}

	s := string(env)
	for name, tampered := range map[string]string{
		"a changed letter": strings.Replace(s, `"Bello"`, `"Bella"`, 1),
		"reformatted data": strings.Replace(s, `"hunde":[`, `"hunde": [`, 1),
		"another hash":     strings.Replace(s, got, strings.Repeat("0", 128), 1),
		"another type":     strings.Replace(s, `"data":{"hash":{"type":"sha512"`, `"data":{"hash":{"type":"sha256"`, 1),
		"no data":          strings.Replace(s, `"data":{`, `"daten":{`, 1),
		"not JSON":         s[:len(s)/2],
	} {
		if tampered == s {
			t.Fatalf("%s: the test did not change the envelope", name)
		}
		if _, err := engine.VerifyEnvelopeData([]byte(tampered)); err == nil {
			t.Errorf("%s: VerifyEnvelopeData accepts it", name)
		}
	}
}
