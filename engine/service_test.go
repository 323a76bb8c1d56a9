package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/engine/storetest"
	"github.com/ozgform/ozgform/forms"
)

var (
	svcFormsOnce sync.Once
	svcForms     *forms.Catalog
)

func exampleForm(tb testing.TB, id string) *forms.Form {
	tb.Helper()
	svcFormsOnce.Do(func() {
		svcForms, _ = forms.LoadCatalog(os.DirFS("../examples"), ".", forms.Options{})
	})
	f := svcForms.Get(id)
	if f == nil {
		tb.Fatalf("example %s not loaded", id)
	}
	return f
}

// newService returns a Service on a real SQLite store in a temporary directory, with a clock
// the test moves.
func newService(tb testing.TB) (*engine.Service, *storetest.Clock, string) {
	tb.Helper()
	clock := storetest.NewClock(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	path := filepath.Join(tb.TempDir(), "ozgform.db")
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return &engine.Service{Store: st, Now: clock.Now}, clock, path
}

func decode(tb testing.TB, d *engine.Draft) map[string]any {
	tb.Helper()
	data, err := engine.DecodeData(d.Data)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func lookup(data any, path string) any {
	v, _ := forms.Lookup(data, path, nil)
	return v
}

var referenceRE = regexp.MustCompile(`^[A-Z]{2,4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$`)

func TestReference(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		ref, err := engine.NewReference("HST", rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !referenceRE.MatchString(ref) {
			t.Fatalf("reference %q", ref)
		}
		seen[ref] = true
	}
	if len(seen) < 999 {
		t.Errorf("only %d different references in 1000", len(seen))
	}
	f := exampleForm(t, "hundesteuer")
	if p := engine.ReferencePrefix(f); p != "HST" {
		t.Errorf("prefix %q", p)
	}
	g := *f
	g.Manifest.ReferencePrefix = ""
	if p := engine.ReferencePrefix(&g); p != "HUN" {
		t.Errorf("fallback prefix %q, want HUN", p)
	}
}

func TestNormalizeResumeCode(t *testing.T) {
	code := "K7QF-9QX2-ABCD-EFGH-JKLM-NPQR-STUV"
	for _, in := range []string{code, strings.ToLower(code), strings.ReplaceAll(code, "-", " "), " " + strings.ReplaceAll(code, "-", "") + " "} {
		if got := engine.NormalizeResumeCode(in); got != code {
			t.Errorf("NormalizeResumeCode(%q) = %q", in, got)
		}
	}
	for _, in := range []string{"", "K7QF", code + "A", strings.Replace(code, "K", "O", 1), strings.Replace(code, "K", "1", 1), "<script>"} {
		if got := engine.NormalizeResumeCode(in); got != "" {
			t.Errorf("NormalizeResumeCode(%q) = %q, want refusal", in, got)
		}
	}
}

// TestSaveStep: values of a page are merged, cleared ones removed, hidden ones dropped,
// invalid ones kept as typed, and only the page's errors come back.
func TestSaveStep(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	f := exampleForm(t, "hundesteuer")
	d, err := svc.StartDraft(ctx, f, "de")
	if err != nil {
		t.Fatal(err)
	}
	data := decode(t, d)
	if hunde, _ := data["hunde"].([]any); len(hunde) != 1 {
		t.Fatalf("a new draft has %v dogs, want 1 (minItems)", data["hunde"])
	}

	errs, err := svc.SaveStep(ctx, f, d, 0, map[string]any{
		"/halter/familienname": "Ørsted-Ñúñez",
		"/halter/vornamen":     "Łukasz",
		"/halter/geburtsdatum": "31.02.1985", // invalid, kept as typed
		"/anschrift/plz":       "1234",
		"/sepaMandat":          true, // not on this page: ignored
	})
	if err != nil {
		t.Fatal(err)
	}
	data = decode(t, d)
	if lookup(data, "/halter/geburtsdatum") != "31.02.1985" || lookup(data, "/halter/familienname") != "Ørsted-Ñúñez" {
		t.Errorf("typed values not kept: %v", data)
	}
	if _, ok := data["sepaMandat"]; ok {
		t.Error("a value of another page was stored")
	}
	byPath := map[string]string{}
	for _, e := range errs {
		byPath[e.Path] = e.MessageID
		if engine.PageOf(f, e.Path) != 0 {
			t.Errorf("error of another page: %+v", e)
		}
	}
	for _, p := range []string{"/halter/geburtsdatum", "/anschrift/plz", "/anschrift/strasse"} {
		if byPath[p] == "" {
			t.Errorf("no error at %s (errors %v)", p, byPath)
		}
	}
	if byPath["/halter/familienname"] != "" {
		t.Errorf("error at a valid field: %v", byPath)
	}

	// Clearing a field removes its value.
	if _, err := svc.SaveStep(ctx, f, d, 0, map[string]any{"/halter/familienname": "Ørsted-Ñúñez"}); err != nil {
		t.Fatal(err)
	}
	if v := lookup(decode(t, d), "/halter/vornamen"); v != nil {
		t.Errorf("cleared value kept: %v", v)
	}
	stored, err := svc.Draft(ctx, d.ID)
	if err != nil || !bytes.Equal(stored.Data, d.Data) {
		t.Errorf("stored draft differs: %v", err)
	}

	// Hidden values are dropped; new fields are reported.
	res, err := svc.Save(ctx, f, d, 1, map[string]any{
		"/hunde/0/rasse":                "mischling",
		"/hunde/0/rasseSonstige":        "Magyar Vizsla", // hidden unless rasse is "sonstige"
		"/hunde/0/vorbesitzerVorhanden": true,
	}, engine.ListChange{})
	if err != nil {
		t.Fatal(err)
	}
	data = decode(t, d)
	if v := lookup(data, "/hunde/0/rasseSonstige"); v != nil {
		t.Errorf("hidden value stored: %v", v)
	}
	if len(res.Appeared) == 0 || !strings.HasPrefix(res.Appeared[0], "/hunde/0/vorbesitzer/") {
		t.Errorf("appeared %v, want the vorbesitzer fields", res.Appeared)
	}
	if lookup(data, "/hunde/0/vorbesitzer/anschrift") == nil {
		t.Error("required nested object of a shown group not prepared")
	}
	for _, e := range res.Errors {
		if e.Path == "/hunde/0/rasseSonstige" {
			t.Error("error at a hidden field")
		}
	}
}

// TestListChanges: items are added up to maxItems and removed down to minItems.
func TestListChanges(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	f := exampleForm(t, "hundesteuer")
	d, _ := svc.StartDraft(ctx, f, "de")
	count := func() int { l, _ := decode(t, d)["hunde"].([]any); return len(l) }
	for i := 0; i < 7; i++ {
		if _, err := svc.Save(ctx, f, d, 1, map[string]any{"/hunde/0/name": "Bello"}, engine.ListChange{Add: "/hunde"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 5 {
		t.Fatalf("%d dogs after adding 7, want 5 (maxItems)", n)
	}
	res, err := svc.Save(ctx, f, d, 1, map[string]any{"/hunde/0/name": "Bello", "/hunde/2/name": "Rex"}, engine.ListChange{Remove: "/hunde/1"})
	if err != nil || res.Item != "/hunde" {
		t.Fatalf("remove: %v %v", res, err)
	}
	if n, name := count(), lookup(decode(t, d), "/hunde/1/name"); n != 4 || name != "Rex" {
		t.Errorf("after remove: %d dogs, dog 2 %v", n, name)
	}
	for i := 0; i < 6; i++ {
		if _, err := svc.Save(ctx, f, d, 1, nil, engine.ListChange{Remove: "/hunde/0"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(); n != 1 {
		t.Errorf("%d dogs, want 1 (minItems)", n)
	}
	if _, err := svc.Save(ctx, f, d, 1, nil, engine.ListChange{Add: "/halter"}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Error("adding to a non-list changed the dogs")
	}
}

// TestResume: the code is shown once and stored only as a hash; resuming moves the draft to
// a new id and uses the code up; expired codes say so.
func TestResume(t *testing.T) {
	ctx := context.Background()
	svc, clock, dbPath := newService(t)
	f := exampleForm(t, "gewerbeanmeldung")
	d, _ := svc.StartDraft(ctx, f, "en")
	if _, err := svc.SaveStep(ctx, f, d, 0, map[string]any{"/inhaber/familienname": "Weiß"}); err != nil {
		t.Fatal(err)
	}
	code, expires, err := svc.SaveResumeCode(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){6}$`).MatchString(code) {
		t.Errorf("code %q: want 7 groups of 4 (140 bits)", code)
	}
	if want := clock.Now().Add(engine.DefaultResumeTTL); !expires.Equal(want) {
		t.Errorf("expires %v, want %v", expires, want)
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var hash string
	if err := db.QueryRow("SELECT code_hash FROM resume_codes").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, code) || strings.Contains(hash, strings.ReplaceAll(code, "-", "")) || len(hash) != 64 {
		t.Errorf("stored %q for code %q: want a SHA-256 hash only", hash, code)
	}

	resumed, err := svc.Resume(ctx, strings.ToLower(code))
	if err != nil {
		t.Fatal(err)
	}
	if resumed.ID == d.ID || lookup(decode(t, resumed), "/inhaber/familienname") != "Weiß" || resumed.Lang != "en" {
		t.Errorf("resumed draft %+v", resumed)
	}
	if _, err := svc.Draft(ctx, d.ID); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("old draft: %v, want not found", err)
	}
	if _, err := svc.Resume(ctx, code); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("second resume: %v, want not found", err)
	}
	if _, err := svc.Resume(ctx, "nonsense"); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("malformed code: %v", err)
	}

	code, _, err = svc.SaveResumeCode(ctx, resumed)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(engine.DefaultResumeTTL + time.Hour)
	if _, err := svc.Resume(ctx, code); engine.KindOf(err) != engine.KindExpired {
		t.Errorf("expired code: %v, want expired", err)
	}
}

// TestSubmit: invalid data gives errors and the first page with one; valid data gives one
// submission with Vorgangsnummer, hashes, access token and outbox; a second submit of the
// same draft gives the same submission.
func TestSubmit(t *testing.T) {
	ctx := context.Background()
	svc, _, dbPath := newService(t)
	f := exampleForm(t, "hundesteuer")
	d, _ := svc.StartDraft(ctx, f, "de")
	sub, errs, err := svc.Submit(ctx, f, d)
	if err != nil || sub != nil || len(errs) == 0 {
		t.Fatalf("submit of an empty draft: %v %v %v", sub, errs, err)
	}
	if p := engine.FirstErrorPage(f, f.Evaluate(decode(t, d)), errs); p != 0 {
		t.Errorf("first error page %d, want 0", p)
	}

	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	d.Data = raw
	if err := svc.Store.UpdateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	sub, errs, err = svc.Submit(ctx, f, d)
	if err != nil || len(errs) > 0 {
		t.Fatalf("submit: %v %v", errs, err)
	}
	if !referenceRE.MatchString(sub.Reference) || !strings.HasPrefix(sub.Reference, "HST-") {
		t.Errorf("reference %q", sub.Reference)
	}
	sum := sha512.Sum512(sub.Data)
	if sub.DataHash != hex.EncodeToString(sum[:]) || sub.SchemaHash != f.SchemaHash {
		t.Error("hashes do not match")
	}
	if len(sub.AccessToken) != 43 || sub.DraftID != d.ID || sub.FormVersion != f.Manifest.Version || sub.Lang != "de" {
		t.Errorf("submission %+v", sub)
	}
	canon, err := engine.DecodeData(sub.Data)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(canon)
	if !bytes.Equal(bytes.TrimSpace(buf.Bytes()), sub.Data) {
		t.Errorf("data is not canonical JSON:\n%s\n%s", sub.Data, buf.Bytes())
	}
	out, err := svc.Store.Outbox(ctx, sub.ID)
	if err != nil || len(out) != 1 || out[0].Destination != "api" || out[0].State != engine.OutboxQueued {
		t.Errorf("outbox %v %v", out, err)
	}
	if _, err := svc.Draft(ctx, d.ID); engine.KindOf(err) != engine.KindNotFound {
		t.Errorf("draft after submit: %v", err)
	}
	again, errs, err := svc.Submit(ctx, f, d)
	if err != nil || len(errs) > 0 || again.ID != sub.ID || again.Reference != sub.Reference {
		t.Errorf("second submit: %+v %v %v", again, errs, err)
	}
	found, err := svc.SubmissionForDraft(ctx, d.ID)
	if err != nil || found.Reference != sub.Reference {
		t.Errorf("SubmissionForDraft: %v %v", found, err)
	}
	db, _ := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM submissions").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d submissions (%v), want 1", n, err)
	}
}

// TestSubmitReferenceCollision: when the random Vorgangsnummer is in use, Submit draws
// another one.
func TestSubmitReferenceCollision(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	f := exampleForm(t, "hundesteuer") // a form without attachment fields: the sample's data is all it needs
	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	token := bytes.Repeat([]byte{7}, 32)
	sameRef := bytes.Repeat([]byte{1}, 8)
	otherRef := bytes.Repeat([]byte{2}, 8)
	var refs []string
	for i, random := range [][]byte{
		append(append([]byte{}, token...), sameRef...),
		append(append(append([]byte{}, token...), sameRef...), otherRef...),
	} {
		d, err := svc.StartDraft(ctx, f, "de")
		if err != nil {
			t.Fatal(err)
		}
		d.Data = raw
		svc.Random = bytes.NewReader(random)
		sub, errs, err := svc.Submit(ctx, f, d)
		if err != nil || len(errs) > 0 {
			t.Fatalf("submit %d: %v %v", i, errs, err)
		}
		refs = append(refs, sub.Reference)
	}
	if refs[0] == refs[1] || !referenceRE.MatchString(refs[1]) {
		t.Errorf("references %v", refs)
	}
}
