package storetest

import (
	"testing"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// authorityTests cover Einer für Alle: the municipality a citizen chose is part of the
// draft, and a submission keeps its authority (id and snapshot), which the outbox list
// filters by.
var authorityTests = []struct {
	name string
	fn   func(t *testing.T, e *env)
}{
	{"Authority/DraftMunicipality", testDraftMunicipality},
	{"Authority/SubmissionSnapshot", testSubmissionAuthority},
}

func testDraftMunicipality(t *testing.T, e *env) {
	ctx := t.Context()
	d := e.newDraft()
	d.Municipality = "089990000002"
	if err := e.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := e.Draft(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Municipality != "089990000002" {
		t.Fatalf("created: municipality %q", got.Municipality)
	}
	got.Municipality = "089990000001"
	if err := e.UpdateDraft(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := e.SaveResumeCode(ctx, d.ID, "hash-municipality", e.clock.Now().Add(24*60*60*1e9)); err != nil {
		t.Fatal(err)
	}
	resumed, err := e.DraftByResumeCode(ctx, "hash-municipality")
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Municipality != "089990000001" {
		t.Errorf("updated, then resumed: municipality %q", resumed.Municipality)
	}
}

func testSubmissionAuthority(t *testing.T, e *env) {
	ctx := t.Context()
	snapshot := &authority.Responsible{
		ID: "beispielheim", ARS: "089990000002", Municipality: "Beispielheim",
		Authority:      forms.Authority{Name: "Gemeinde Beispielheim – Kämmerei", Street: "Marktplatz 3", PostalCode: "12347", City: "Beispielheim", Email: "kaemmerei@beispielheim.example"},
		PrivacyContact: "datenschutz@beispielheim.example", PrivacyNotice: "Verantwortlich ist die Gemeinde Beispielheim.", RetentionDays: 60,
	}
	d1, d2 := e.mustCreateDraft(t), e.mustCreateDraft(t)
	withAuth := e.newSubmission(d1.ID)
	withAuth.AuthorityID, withAuth.Authority = snapshot.ID, snapshot
	plain := e.newSubmission(d2.ID)
	for _, s := range []*engine.Submission{withAuth, plain} {
		if _, _, err := e.Submit(ctx, s, newOutbox("kasse", "beispielheim")); err != nil {
			t.Fatalf("Submit: %v", err)
		}
	}
	got, err := e.Submission(ctx, withAuth.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameSubmission(t, got, withAuth)
	if byRef, err := e.SubmissionByReference(ctx, withAuth.Reference); err != nil || byRef.Authority == nil || *byRef.Authority != *snapshot {
		t.Errorf("by reference: %+v, %v", byRef, err)
	}
	if got, err := e.Submission(ctx, plain.ID); err != nil || got.AuthorityID != "" || got.Authority != nil {
		t.Errorf("a submission without authority: %+v, %v", got, err)
	}
	list, err := e.ListOutbox(ctx, engine.OutboxFilter{AuthorityID: "beispielheim"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("outbox of beispielheim: %d messages, want 2", len(list))
	}
	for _, m := range list {
		if m.SubmissionID != withAuth.ID || m.AuthorityID != "beispielheim" {
			t.Errorf("outbox of beispielheim lists %+v", m)
		}
	}
	all, err := e.ListOutbox(ctx, engine.OutboxFilter{Destination: "kasse"})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("outbox of kasse: %d messages, want 2", len(all))
	}
	if none, err := e.ListOutbox(ctx, engine.OutboxFilter{AuthorityID: "musterstadt"}); err != nil || len(none) != 0 {
		t.Errorf("outbox of an authority without submissions: %d, %v", len(none), err)
	}
}
