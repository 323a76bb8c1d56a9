package storetest

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// attachmentTests are the conformance tests of engine.AttachmentStore: files of a draft, their
// move to the submission in Submit's transaction, and their deletion with the draft, by
// retention and on request.
var attachmentTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"Attachments/AddListDelete", testAttachmentAddListDelete},
	{"Attachments/ChecksContent", testAttachmentChecksContent},
	{"Attachments/Refused", testAttachmentRefused},
	{"Attachments/SubmitLinks", testAttachmentSubmitLinks},
	{"Attachments/SubmitMissing", testAttachmentSubmitMissing},
	{"Attachments/LargeFileRoundTrip", testAttachmentLargeFile},
	{"Attachments/GoWithDraft", testAttachmentsGoWithDraft},
	{"Attachments/Move", testAttachmentMove},
	{"Attachments/Retention", testAttachmentRetention},
	{"Attachments/DeleteOfSubmission", testAttachmentDeleteOfSubmission},
}

// content returns n bytes that differ from file to file (a PDF header and a counter).
func content(n int, seed byte) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.7\n")
	for i := 9; i < n; i++ {
		b[i] = byte(i*31) ^ seed
	}
	return b[:n]
}

func (e *env) newAttachment(draftID string, b []byte) *engine.StoredAttachment {
	sum := sha512.Sum512(b)
	return &engine.StoredAttachment{
		ID: NewID(), DraftID: draftID, Filename: "Zulassungsbescheinigung Ærøskøbing.pdf", MediaType: "application/pdf",
		Size: int64(len(b)), SHA512: hex.EncodeToString(sum[:]), CreatedAt: e.clock.Now(),
	}
}

func (e *env) mustAddAttachment(t *testing.T, draftID string, b []byte) *engine.StoredAttachment {
	t.Helper()
	a := e.newAttachment(draftID, b)
	if err := e.AddAttachment(t.Context(), a, bytes.NewReader(b)); err != nil {
		t.Fatalf("AddAttachment: %v", err)
	}
	e.clock.Advance(time.Millisecond) // a defined order
	return a
}

func attachmentIDs(list []*engine.StoredAttachment) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.ID)
	}
	return out
}

func sameAttachment(t *testing.T, got, want *engine.StoredAttachment) {
	t.Helper()
	if got.ID != want.ID || got.Filename != want.Filename || got.MediaType != want.MediaType || got.Size != want.Size || got.SHA512 != want.SHA512 {
		t.Errorf("attachment:\n got %+v\nwant %+v", got, want)
	}
	sameTime(t, "attachment CreatedAt", got.CreatedAt, want.CreatedAt)
}

// readAttachment reads a file of a submission through OpenAttachment.
func (e *env) readAttachment(t *testing.T, submissionID, id string) ([]byte, *engine.StoredAttachment) {
	t.Helper()
	a, r, err := e.OpenAttachment(t.Context(), submissionID, id)
	if err != nil {
		t.Fatalf("OpenAttachment: %v", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading the attachment: %v", err)
	}
	return b, a
}

func testAttachmentAddListDelete(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	other := e.mustCreateDraft(t)
	a1 := e.mustAddAttachment(t, d.ID, content(1000, 1))
	a2 := e.mustAddAttachment(t, d.ID, content(2000, 2))
	e.mustAddAttachment(t, other.ID, content(10, 3))

	list, err := e.DraftAttachments(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := attachmentIDs(list); len(got) != 2 || got[0] != a1.ID || got[1] != a2.ID {
		t.Fatalf("DraftAttachments: %v, want [%s %s] (oldest first)", got, a1.ID, a2.ID)
	}
	sameAttachment(t, list[0], a1)
	if list[0].DraftID != d.ID || list[0].SubmissionID != "" {
		t.Errorf("owner: draft %q submission %q", list[0].DraftID, list[0].SubmissionID)
	}
	if list, err := e.DraftAttachments(ctx, NewID()); err != nil || len(list) != 0 {
		t.Errorf("DraftAttachments of an unknown draft: %v %v", list, err)
	}

	wantKind(t, "DeleteAttachment of another draft's file", e.DeleteAttachment(ctx, other.ID, a1.ID), engine.KindNotFound)
	if err := e.DeleteAttachment(ctx, d.ID, a1.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "DeleteAttachment again", e.DeleteAttachment(ctx, d.ID, a1.ID), engine.KindNotFound)
	if list, _ := e.DraftAttachments(ctx, d.ID); len(list) != 1 || list[0].ID != a2.ID {
		t.Errorf("after delete: %v", attachmentIDs(list))
	}
}

func testAttachmentChecksContent(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	b := content(3000, 4)
	for name, r := range map[string]io.Reader{
		"short":    bytes.NewReader(b[:2999]),
		"long":     bytes.NewReader(append(append([]byte(nil), b...), 'x')),
		"changed":  bytes.NewReader(append([]byte("%PDF-1.6"), b[8:]...)),
		"failing":  io.MultiReader(bytes.NewReader(b[:100]), &failingReader{}),
		"no bytes": bytes.NewReader(nil),
	} {
		a := e.newAttachment(d.ID, b)
		err := e.AddAttachment(ctx, a, r)
		if err == nil {
			t.Errorf("%s content accepted", name)
		}
		if name != "failing" {
			wantKind(t, "AddAttachment with "+name+" content", err, engine.KindInvalid)
		}
	}
	if list, _ := e.DraftAttachments(ctx, d.ID); len(list) != 0 {
		t.Errorf("a refused file was stored: %v", attachmentIDs(list))
	}
}

type failingReader struct{}

func (*failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func testAttachmentRefused(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	b := content(100, 5)

	a := e.newAttachment(NewID(), b)
	wantKind(t, "AddAttachment to an unknown draft", e.AddAttachment(ctx, a, bytes.NewReader(b)), engine.KindNotFound)

	ok := e.mustAddAttachment(t, d.ID, b)
	dup := e.newAttachment(d.ID, b)
	dup.ID = ok.ID
	wantKind(t, "AddAttachment with an id in use", e.AddAttachment(ctx, dup, bytes.NewReader(b)), engine.KindConflict)

	for name, change := range map[string]func(a *engine.StoredAttachment){
		"no uuid":         func(a *engine.StoredAttachment) { a.ID = "datei-1" },
		"upper-case uuid": func(a *engine.StoredAttachment) { a.ID = strings.ToUpper(a.ID) },
		"no draft":        func(a *engine.StoredAttachment) { a.DraftID = "" },
		"no name":         func(a *engine.StoredAttachment) { a.Filename = "" },
		"NUL in name":     func(a *engine.StoredAttachment) { a.Filename = "a\x00.pdf" },
		"bad hash":        func(a *engine.StoredAttachment) { a.SHA512 = "abc" },
		"negative size":   func(a *engine.StoredAttachment) { a.Size = -1 },
	} {
		a := e.newAttachment(d.ID, b)
		change(a)
		wantKind(t, "AddAttachment with "+name, e.AddAttachment(ctx, a, bytes.NewReader(b)), engine.KindInvalid)
	}

	e.clock.Advance(31 * 24 * time.Hour)
	a = e.newAttachment(d.ID, b)
	wantKind(t, "AddAttachment to an expired draft", e.AddAttachment(ctx, a, bytes.NewReader(b)), engine.KindExpired)
}

func testAttachmentSubmitLinks(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	b1, b2, b3 := content(700, 6), content(800, 7), content(900, 8)
	a1 := e.mustAddAttachment(t, d.ID, b1)
	a2 := e.mustAddAttachment(t, d.ID, b2)
	dropped := e.mustAddAttachment(t, d.ID, b3)

	sub := e.newSubmission(d.ID)
	sub.AttachmentIDs = []string{a2.ID, a1.ID}
	if _, created, err := e.Submit(ctx, sub, newOutbox("api")); err != nil || !created {
		t.Fatalf("Submit: created %v, %v", created, err)
	}
	list, err := e.SubmissionAttachments(ctx, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := attachmentIDs(list); len(got) != 2 || got[0] != a1.ID || got[1] != a2.ID {
		t.Fatalf("SubmissionAttachments: %v, want [%s %s]", got, a1.ID, a2.ID)
	}
	if list[0].SubmissionID != sub.ID || list[0].DraftID != "" {
		t.Errorf("owner after Submit: draft %q submission %q", list[0].DraftID, list[0].SubmissionID)
	}
	sameAttachment(t, list[1], a2)
	if list, _ := e.DraftAttachments(ctx, d.ID); len(list) != 0 {
		t.Errorf("the draft still has files: %v", attachmentIDs(list))
	}
	for _, a := range []*engine.StoredAttachment{a1, a2} {
		got, meta := e.readAttachment(t, sub.ID, a.ID)
		want := map[string][]byte{a1.ID: b1, a2.ID: b2}[a.ID]
		if !bytes.Equal(got, want) {
			t.Errorf("file %s: %d bytes read back, want %d", a.ID, len(got), len(want))
		}
		sameAttachment(t, meta, a)
	}
	_, _, err = e.OpenAttachment(ctx, sub.ID, dropped.ID)
	wantKind(t, "OpenAttachment of an unreferenced file (deleted with the draft)", err, engine.KindNotFound)
	_, _, err = e.OpenAttachment(ctx, NewID(), a1.ID)
	wantKind(t, "OpenAttachment with another submission's id", err, engine.KindNotFound)

	// A second Submit of the draft returns the first and changes nothing.
	again := e.newSubmission(d.ID)
	again.AttachmentIDs = []string{a1.ID}
	if stored, created, err := e.Submit(ctx, again, nil); err != nil || created || stored.ID != sub.ID {
		t.Fatalf("second Submit: %v %v %v", stored, created, err)
	}
	if list, _ := e.SubmissionAttachments(ctx, sub.ID); len(list) != 2 {
		t.Errorf("after the second Submit: %d files", len(list))
	}
}

func testAttachmentSubmitMissing(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	other := e.mustCreateDraft(t)
	mine := e.mustAddAttachment(t, d.ID, content(100, 9))
	theirs := e.mustAddAttachment(t, other.ID, content(100, 10))

	for name, id := range map[string]string{"unknown": NewID(), "another draft's": theirs.ID} {
		sub := e.newSubmission(d.ID)
		sub.AttachmentIDs = []string{mine.ID, id}
		_, _, err := e.Submit(ctx, sub, newOutbox("api"))
		wantKind(t, "Submit with an "+name+" file", err, engine.KindConflict)
		if !errors.Is(err, engine.ErrAttachmentGone) {
			t.Errorf("Submit with an %s file: %v does not wrap ErrAttachmentGone", name, err)
		}
		// Nothing was written: no submission, the draft and its file are there.
		_, err = e.Submission(ctx, sub.ID)
		wantKind(t, "Submission after the failed Submit", err, engine.KindNotFound)
		if list, _ := e.DraftAttachments(ctx, d.ID); len(list) != 1 {
			t.Errorf("the draft lost its file: %v", attachmentIDs(list))
		}
		if _, err := e.Draft(ctx, d.ID); err != nil {
			t.Errorf("the draft is gone: %v", err)
		}
	}
	if list, _ := e.DraftAttachments(ctx, other.ID); len(list) != 1 {
		t.Errorf("the other draft lost its file")
	}
	// A submission without a draft cannot name files.
	sub := e.newSubmission("")
	sub.AttachmentIDs = []string{mine.ID}
	_, _, err := e.Submit(ctx, sub, nil)
	if !errors.Is(err, engine.ErrAttachmentGone) {
		t.Errorf("Submit without draft naming a file: %v", err)
	}
}

// testAttachmentLargeFile stores a file of several pieces (with a last piece of odd size) and
// reads it back byte for byte; a damaged file fails at the end of the read.
func testAttachmentLargeFile(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	b := content(3<<20+12345, 11)
	a := e.mustAddAttachment(t, d.ID, b)
	sub := e.newSubmission(d.ID)
	sub.AttachmentIDs = []string{a.ID}
	if _, _, err := e.Submit(ctx, sub, nil); err != nil {
		t.Fatal(err)
	}
	got, meta := e.readAttachment(t, sub.ID, a.ID)
	if !bytes.Equal(got, b) {
		t.Fatalf("read %d bytes, want %d, equal %v", len(got), len(b), bytes.Equal(got, b))
	}
	if sum := sha512.Sum512(got); hex.EncodeToString(sum[:]) != meta.SHA512 {
		t.Error("hash of the bytes read differs from the stored hash")
	}
	// Small reads work too.
	_, r, err := e.OpenAttachment(ctx, sub.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	n := 0
	for {
		k, err := r.Read(buf)
		n += k
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if n != len(b) {
		t.Errorf("small reads: %d bytes", n)
	}
}

func testAttachmentsGoWithDraft(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	e.mustAddAttachment(t, d.ID, content(100, 12))
	if err := e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.DraftAttachments(ctx, d.ID); len(list) != 0 {
		t.Errorf("DeleteDraft left %d files", len(list))
	}

	expiring := e.mustCreateDraft(t)
	e.mustAddAttachment(t, expiring.ID, content(100, 13))
	e.clock.Advance(31 * 24 * time.Hour)
	if n, err := e.PurgeExpiredDrafts(ctx, e.clock.Now()); err != nil || n != 1 {
		t.Fatalf("PurgeExpiredDrafts: %d, %v", n, err)
	}
	if list, _ := e.DraftAttachments(ctx, expiring.ID); len(list) != 0 {
		t.Errorf("PurgeExpiredDrafts left %d files", len(list))
	}
}

func testAttachmentMove(t *testing.T, e *env) {
	ctx := t.Context()
	from := e.mustCreateDraft(t)
	to := e.mustCreateDraft(t)
	a := e.mustAddAttachment(t, from.ID, content(100, 14))
	wantKind(t, "MoveAttachments to an unknown draft", e.MoveAttachments(ctx, from.ID, NewID()), engine.KindNotFound)
	if err := e.MoveAttachments(ctx, from.ID, to.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.DeleteDraft(ctx, from.ID); err != nil {
		t.Fatal(err)
	}
	list, _ := e.DraftAttachments(ctx, to.ID)
	if len(list) != 1 || list[0].ID != a.ID || list[0].DraftID != to.ID {
		t.Errorf("after the move: %+v", list)
	}
}

func testAttachmentRetention(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	a := e.mustAddAttachment(t, d.ID, content(5000, 15))
	sub := e.newSubmission(d.ID)
	sub.AttachmentIDs = []string{a.ID}
	if _, _, err := e.Submit(ctx, sub, newOutbox("hook")); err != nil {
		t.Fatal(err)
	}
	keep, _ := e.submitWith(t, "hook")
	e.deliverAll(t, "hook")
	e.clock.Advance(31 * 24 * time.Hour)
	if _, err := e.PurgeDelivered(ctx, e.clock.Now(), func(string, string) time.Duration { return 30 * 24 * time.Hour }); err != nil {
		t.Fatal(err)
	}
	if !e.submission(t, sub.ID).Purged || !e.submission(t, keep.ID).Purged {
		t.Fatal("submissions not purged")
	}
	if list, err := e.SubmissionAttachments(ctx, sub.ID); err != nil || len(list) != 0 {
		t.Errorf("the purge left %d files (%v)", len(list), err)
	}
	_, _, err := e.OpenAttachment(ctx, sub.ID, a.ID)
	wantKind(t, "OpenAttachment after the purge", err, engine.KindNotFound)
}

func testAttachmentDeleteOfSubmission(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.mustCreateDraft(t)
	a1 := e.mustAddAttachment(t, d.ID, content(100, 16))
	a2 := e.mustAddAttachment(t, d.ID, content(100, 17))
	sub := e.newSubmission(d.ID)
	sub.AttachmentIDs = []string{a1.ID, a2.ID}
	if _, _, err := e.Submit(ctx, sub, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := e.DeleteAttachmentsOf(ctx, sub.ID); err != nil || n != 2 {
		t.Fatalf("DeleteAttachmentsOf: %d, %v", n, err)
	}
	if n, err := e.DeleteAttachmentsOf(ctx, sub.ID); err != nil || n != 0 {
		t.Errorf("DeleteAttachmentsOf again: %d, %v", n, err)
	}
	if list, _ := e.SubmissionAttachments(ctx, sub.ID); len(list) != 0 {
		t.Errorf("%d files left", len(list))
	}
}
