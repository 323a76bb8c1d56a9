package storetest

import (
	"strings"
	"testing"
	"time"

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
	{"Authority/Retention", testAuthorityRetention},
}

// testAuthorityRetention: the purge asks for the retention of each form and authority; an
// authority's longer period keeps its submissions while the form's others go.
func testAuthorityRetention(t *testing.T, e *env) {
	ctx := t.Context()
	plain := e.newSubmission("")
	long := e.newSubmission("")
	long.AuthorityID = "beispielheim"
	long.Authority = &authority.Responsible{ID: "beispielheim", ARS: "089990000002", Authority: forms.Authority{Name: "Gemeinde Beispielheim"}}
	for _, s := range []*engine.Submission{plain, long} {
		if _, _, err := e.Submit(ctx, s, newOutbox("hook")); err != nil {
			t.Fatal(err)
		}
	}
	e.deliverAll(t, "hook")
	var asked []string
	retention := func(formID, authorityID string) time.Duration {
		asked = append(asked, formID+"/"+authorityID)
		if authorityID == "beispielheim" {
			return 60 * 24 * time.Hour
		}
		return 30 * 24 * time.Hour
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if n, err := e.PurgeDelivered(ctx, e.clock.Now(), retention); err != nil || n != 1 {
		t.Fatalf("after 31 days: %d purged, %v; want the one without authority", n, err)
	}
	if !e.submission(t, plain.ID).Purged || e.submission(t, long.ID).Purged {
		t.Error("after 31 days the wrong submission was purged")
	}
	if strings.Join(asked, " ") != "hundesteuer/ hundesteuer/beispielheim" {
		t.Errorf("retention asked for %v", asked)
	}
	e.clock.Advance(30 * 24 * time.Hour)
	if n, err := e.PurgeDelivered(ctx, e.clock.Now(), retention); err != nil || n != 1 {
		t.Fatalf("after 61 days: %d purged, %v", n, err)
	}
	if got := e.submission(t, long.ID); !got.Purged || got.AuthorityID != "beispielheim" || got.Authority == nil {
		t.Errorf("after 61 days: %+v; want purged, with the authority in the tombstone", got)
	}
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
