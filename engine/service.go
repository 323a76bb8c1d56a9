package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
)

// Default lifetimes of drafts and resume codes.
const (
	DefaultDraftTTL  = 30 * 24 * time.Hour
	DefaultResumeTTL = 30 * 24 * time.Hour
)

// maxReferenceAttempts bounds the retries when a new Vorgangsnummer collides with one in use.
const maxReferenceAttempts = 8

// Service is the citizen's side of the submission lifecycle: drafts, steps, resume codes and
// the submission itself. The web handlers parse a request, call one method and render the
// result; everything about data, visibility and validation happens here.
//
// The zero values of the optional fields are sensible defaults; tests replace the clock, the
// ID generator and the source of randomness.
type Service struct {
	Store Store
	// Now returns the current time; default time.Now.
	Now func() time.Time
	// NewID returns a new UUID for drafts and outbox messages; default uuid.NewString.
	NewID func() string
	// Random is the source of resume codes, Vorgangsnummern and access tokens; default
	// crypto/rand.Reader.
	Random io.Reader
	// DraftTTL is how long a draft lives after its last change; default DefaultDraftTTL.
	DraftTTL time.Duration
	// ResumeTTL is how long a resume code is valid; default DefaultResumeTTL.
	ResumeTTL time.Duration
	// Destinations names the outbox destinations of a form's submissions; default one
	// destination "api" (the back office's pull API).
	Destinations func(form *forms.Form) []string
	// Scanner checks uploaded files for malware; default NoScanner.
	Scanner Scanner
	// MaxFileSize is the operator's limit of one uploaded file in bytes, below the fields'
	// maxSize; default DefaultMaxFileSize.
	MaxFileSize int64
	// TempDir is where uploads are spooled while they are checked; default os.TempDir().
	TempDir string
	// Authorities is the operator's directory of authorities (Einer für Alle); nil when
	// there is none, and every form goes to its own authority.
	Authorities *authority.Directory
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) newID() string {
	if s.NewID != nil {
		return s.NewID()
	}
	return uuid.NewString()
}

func (s *Service) random() io.Reader {
	if s.Random != nil {
		return s.Random
	}
	return rand.Reader
}

func (s *Service) draftTTL() time.Duration {
	if s.DraftTTL > 0 {
		return s.DraftTTL
	}
	return DefaultDraftTTL
}

func (s *Service) resumeTTL() time.Duration {
	if s.ResumeTTL > 0 {
		return s.ResumeTTL
	}
	return DefaultResumeTTL
}

func (s *Service) destinations(form *forms.Form) []string {
	if s.Destinations != nil {
		if d := s.Destinations(form); len(d) > 0 {
			return d
		}
	}
	return []string{"api"}
}

// NormalizeLang returns "en" for English and "de" for everything else.
func NormalizeLang(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "de"
}

// ---------------------------------------------------------------- drafts

// StartDraft creates an empty draft of form in lang. Lists with a minimum number of items
// start with that many empty items, so that the first page shows them.
func (s *Service) StartDraft(ctx context.Context, form *forms.Form, lang string) (*Draft, error) {
	const op = "engine.StartDraft"
	data := map[string]any{}
	complete(form, data, form.Evaluate(data))
	raw, err := encodeData(data)
	if err != nil {
		return nil, E(KindInternal, op, err)
	}
	now := s.now()
	d := &Draft{
		ID: s.newID(), FormID: form.Manifest.ID, FormVersion: form.Manifest.Version,
		Lang: NormalizeLang(lang), Data: raw,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.draftTTL()),
	}
	if err := s.Store.CreateDraft(ctx, d); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return d, nil
}

// Draft returns a draft by id; KindNotFound or KindExpired when there is none.
func (s *Service) Draft(ctx context.Context, id string) (*Draft, error) {
	return s.Store.Draft(ctx, id)
}

// SetLang stores the citizen's language choice in the draft.
func (s *Service) SetLang(ctx context.Context, d *Draft, lang string) error {
	lang = NormalizeLang(lang)
	if d.Lang == lang {
		return nil
	}
	d.Lang = lang
	d.UpdatedAt = s.now()
	return s.Store.UpdateDraft(ctx, d)
}

// ListChange adds an item to a repeatable group or removes one, together with saving a step.
type ListChange struct {
	// Add is the concrete path of a list to which an empty item is appended ("/hunde").
	Add string
	// Remove is the concrete path of the item to remove ("/hunde/1").
	Remove string
}

// StepResult is the outcome of saving a step.
type StepResult struct {
	// Errors are the validation errors of the visible fields of the saved page, in layout
	// order.
	Errors []FieldError
	// Appeared lists the inputs of the page (concrete paths) that the saved answers made
	// visible: the citizen has not seen them yet, so the page is shown again.
	Appeared []string
	// Item is the concrete path of the item a ListChange added, or of the list an item was
	// removed from.
	Item string
}

// SaveStep merges the values of one page into the draft, drops the values of fields that are
// now hidden, validates, and stores the draft, also when it is invalid: what the citizen typed
// is kept. values maps concrete data paths ("/hunde/0/name") to typed values; a page input
// without an entry (or with nil or "") has been cleared, an unchecked checkbox is false.
// Values for inputs that are disabled or read-only are ignored. It returns the errors of the
// visible fields of that page.
func (s *Service) SaveStep(ctx context.Context, form *forms.Form, d *Draft, page int, values map[string]any) ([]FieldError, error) {
	res, err := s.Save(ctx, form, d, page, values, ListChange{})
	if err != nil {
		return nil, err
	}
	return res.Errors, nil
}

// Save is SaveStep with an optional change to a repeatable group, and a fuller result.
// A change that would exceed maxItems or go below minItems is ignored.
func (s *Service) Save(ctx context.Context, form *forms.Form, d *Draft, page int, values map[string]any, change ListChange) (*StepResult, error) {
	const op = "engine.SaveStep"
	data, vis, res, err := merge(form, d, page, values, change)
	if err != nil {
		return nil, E(KindInvalid, op, err)
	}
	res.Errors = ErrorsOnPage(form, page, vis, validatePruned(form, data))
	raw, err := encodeData(data)
	if err != nil {
		return nil, E(KindInternal, op, err)
	}
	d.Data = raw
	d.UpdatedAt = s.now()
	if exp := d.UpdatedAt.Add(s.draftTTL()); exp.After(d.ExpiresAt) {
		d.ExpiresAt = exp
	}
	if err := s.Store.UpdateDraft(ctx, d); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return res, nil
}

// Preview computes what saving values on page would make visible, without storing anything.
// The browser enhancement asks it which fields to show while the citizen types.
func Preview(form *forms.Form, d *Draft, page int, values map[string]any) (map[string]any, *forms.Visibility, error) {
	data, vis, _, err := merge(form, d, page, values, ListChange{})
	return data, vis, err
}

// merge applies values and change to a copy of the draft's data and returns the pruned,
// completed data, its visibility and the inputs that appeared.
func merge(form *forms.Form, d *Draft, page int, values map[string]any, change ListChange) (map[string]any, *forms.Visibility, *StepResult, error) {
	if page < 0 || page >= len(form.Pages) {
		return nil, nil, nil, fmt.Errorf("page %d out of range", page)
	}
	data, err := DecodeData(d.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	visBefore := form.Evaluate(data)
	shown := map[string]bool{}
	lists := newScalarLists()
	for _, in := range PageInputs(form, page, data) {
		if visBefore.FieldVisible(in.Path) {
			shown[in.Path] = true
		}
		if !visBefore.FieldEnabled(in.Path) {
			continue // disabled and read-only inputs are not sent; keep what is stored
		}
		v, ok := values[in.Path]
		if isScalarItem(in.Field) {
			lists.add(in.Path, v, ok)
			continue
		}
		if in.Field.Widget == forms.WidgetFile && !ok {
			continue // files come with AddAttachment; without a new list the stored one stays
		}
		if in.Field.Widget == forms.WidgetCheckbox && (!ok || v == nil) {
			v, ok = false, true
		}
		if !ok || blank(v) {
			deletePath(data, in.Path)
		} else {
			setPath(data, in.Path, v)
		}
	}
	lists.apply(data)
	res := &StepResult{}
	switch {
	case change.Add != "":
		if p, ok := addItem(form, data, change.Add); ok {
			res.Item = p
		}
	case change.Remove != "":
		if p, ok := removeItem(form, data, change.Remove); ok {
			res.Item = p
		}
	}
	prunedAny, _ := form.Prune(data)
	pruned, _ := prunedAny.(map[string]any)
	if pruned == nil {
		pruned = map[string]any{}
	}
	complete(form, pruned, form.Evaluate(pruned))
	vis := form.Evaluate(pruned)
	if vis.PageVisible(page) {
		for _, in := range PageInputs(form, page, pruned) {
			if vis.FieldVisible(in.Path) && !shown[in.Path] {
				res.Appeared = append(res.Appeared, in.Path)
			}
		}
	}
	return pruned, vis, res, nil
}

// addItem appends an empty item to the list at path, unless it is full.
func addItem(form *forms.Form, data map[string]any, path string) (string, bool) {
	fd := form.Field(path)
	if fd == nil || fd.Widget != forms.WidgetRepeat || form.Pattern(path) != fd.Path {
		return "", false
	}
	cur, _ := forms.Lookup(data, path, nil)
	list, _ := cur.([]any)
	if fd.MaxItems != nil && forms.ScalarSlots(fd, list) >= *fd.MaxItems {
		return "", false
	}
	if fd.ScalarItems {
		for len(list) < forms.ScalarSlots(fd, list) {
			list = append(list, nil) // the empty slots shown for a short list
		}
		list = append(list, nil)
		setPath(data, path, list)
		return path + "/" + strconv.Itoa(len(list)-1), true
	}
	list = append(list, map[string]any{})
	setPath(data, path, list)
	return path + "/" + strconv.Itoa(len(list)-1), true
}

// removeItem removes the item at path ("/hunde/1"), unless the list is at its minimum.
func removeItem(form *forms.Form, data map[string]any, path string) (string, bool) {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "", false
	}
	listPath := path[:i]
	n, err := strconv.Atoi(path[i+1:])
	if err != nil || n < 0 {
		return "", false
	}
	fd := form.Field(listPath)
	if fd == nil || fd.Widget != forms.WidgetRepeat {
		return "", false
	}
	cur, _ := forms.Lookup(data, listPath, nil)
	list, _ := cur.([]any)
	if n >= len(list) || fd.MinItems != nil && len(list) <= *fd.MinItems {
		return "", false
	}
	list = append(list[:n:n], list[n+1:]...)
	setPath(data, listPath, list)
	return listPath, true
}

// ---------------------------------------------------------------- page inputs

// Input is one input of a page: a field that holds a value (not a nested object or a list),
// at a concrete data path.
type Input struct {
	Path    string
	Field   *forms.Field
	Indices []int
}

// PageInputs lists the inputs of page i for data, in layout order: every field that holds a
// value, with one entry per existing item of every repeatable group. Visibility is not
// applied; callers ask a forms.Visibility.
func PageInputs(form *forms.Form, i int, data any) []Input {
	if i < 0 || i >= len(form.Pages) {
		return nil
	}
	var out []Input
	var walk func(nodes []*forms.Node, indices []int)
	walk = func(nodes []*forms.Node, indices []int) {
		for _, n := range nodes {
			if n.Field == nil {
				walk(n.Children, indices)
				continue
			}
			fd := n.Field
			switch fd.Widget {
			case forms.WidgetGroup:
				walk(fd.Children, indices)
			case forms.WidgetRepeat:
				v, _ := forms.Lookup(data, fd.Path, indices)
				list, _ := v.([]any)
				for k := range forms.ScalarSlots(fd, list) {
					walk(fd.Children, append(append([]int(nil), indices...), k))
				}
			default:
				out = append(out, Input{Path: forms.ConcretePath(fd.Path, indices), Field: fd, Indices: indices})
			}
		}
	}
	walk(form.Pages[i].Nodes, nil)
	return out
}

// ---------------------------------------------------------------- errors and pages

// pageMaps caches, per form, the page each field is shown on.
var pageMaps sync.Map // *forms.Form → map[*forms.Field]int

func fieldPages(form *forms.Form) map[*forms.Field]int {
	if m, ok := pageMaps.Load(form); ok {
		return m.(map[*forms.Field]int)
	}
	m := map[*forms.Field]int{}
	var walk func(nodes []*forms.Node, page int)
	walk = func(nodes []*forms.Node, page int) {
		for _, n := range nodes {
			if n.Field != nil {
				m[n.Field] = page
				walk(n.Field.Children, page)
			}
			walk(n.Children, page)
		}
	}
	for _, p := range form.Pages {
		walk(p.Nodes, p.Index)
	}
	pageMaps.Store(form, m)
	return m
}

// ErrorField returns the concrete path of the field an error is shown at: the error's path
// when it names a field, else its nearest enclosing field; "" for the form as a whole.
func ErrorField(form *forms.Form, path string) string {
	for p := path; p != ""; {
		if form.Field(p) != nil {
			return p
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return ""
}

// PageOf returns the index of the page that shows the field at a concrete path, or -1.
func PageOf(form *forms.Form, path string) int {
	p := ErrorField(form, path)
	if p == "" {
		return -1
	}
	if i, ok := fieldPages(form)[form.Field(p)]; ok {
		return i
	}
	return -1
}

// ErrorsOnPage keeps the errors that belong to visible fields of page i.
func ErrorsOnPage(form *forms.Form, i int, vis *forms.Visibility, errs []FieldError) []FieldError {
	if !vis.PageVisible(i) {
		return nil
	}
	var out []FieldError
	for _, fe := range errs {
		p := ErrorField(form, fe.Path)
		if p == "" || PageOf(form, p) != i || !vis.FieldVisible(p) {
			continue
		}
		out = append(out, fe)
	}
	return out
}

// FirstErrorPage returns the first visible page that shows one of errs, or -1.
func FirstErrorPage(form *forms.Form, vis *forms.Visibility, errs []FieldError) int {
	first := -1
	for _, fe := range errs {
		i := PageOf(form, fe.Path)
		if i >= 0 && vis.PageVisible(i) && (first < 0 || i < first) {
			first = i
		}
	}
	return first
}

// ---------------------------------------------------------------- resume codes

// SaveResumeCode creates a resume code for a draft and keeps only its hash. The draft lives
// at least as long as the code. The code is shown once and never logged.
func (s *Service) SaveResumeCode(ctx context.Context, d *Draft) (string, time.Time, error) {
	const op = "engine.SaveResumeCode"
	now := s.now()
	expires := now.Add(s.resumeTTL())
	// The draft is written in any case: it keeps d.SavedStep, the step the citizen saved on.
	if d.ExpiresAt.Before(expires) {
		d.ExpiresAt = expires
	}
	d.UpdatedAt = now
	if err := s.Store.UpdateDraft(ctx, d); err != nil {
		return "", time.Time{}, fmt.Errorf("%s: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		code, err := newResumeCode(s.random())
		if err != nil {
			return "", time.Time{}, E(KindInternal, op, err)
		}
		err = s.Store.SaveResumeCode(ctx, d.ID, hashResumeCode(code), expires)
		if err == nil {
			return code, expires, nil
		}
		if KindOf(err) != KindConflict || attempt >= 3 {
			return "", time.Time{}, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// Resume finds the draft of a resume code. The draft moves to a new id and the code is used
// up: whoever planted a code in someone else's browser cannot follow what is typed there.
// KindNotFound for an unknown or used code, KindExpired for an expired one.
func (s *Service) Resume(ctx context.Context, code string) (*Draft, error) {
	const op = "engine.Resume"
	norm := NormalizeResumeCode(code)
	if norm == "" {
		return nil, E(KindNotFound, op, errors.New("malformed resume code"))
	}
	old, err := s.Store.DraftByResumeCode(ctx, hashResumeCode(norm))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	moved := *old
	moved.ID = s.newID()
	moved.UpdatedAt = s.now()
	if err := s.Store.CreateDraft(ctx, &moved); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	// The uploaded files go with the answers; deleting the old draft would delete them.
	if err := s.Store.MoveAttachments(ctx, old.ID, moved.ID); err != nil {
		_ = s.Store.DeleteDraft(ctx, moved.ID)
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.Store.DeleteDraft(ctx, old.ID); err != nil && KindOf(err) != KindNotFound {
		_ = s.Store.MoveAttachments(ctx, moved.ID, old.ID)
		_ = s.Store.DeleteDraft(ctx, moved.ID)
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return &moved, nil
}

// ---------------------------------------------------------------- submission

// SubmissionIDForDraft is the id of the submission made from a draft. It is derived from the
// draft id (a name-based UUID), so that a resent POST finds the submission after its draft
// was consumed; the store's idempotency per draft does the rest.
func SubmissionIDForDraft(draftID string) string {
	return uuid.NewSHA1(submissionNamespace, []byte(draftID)).String()
}

var submissionNamespace = uuid.MustParse("6f7a6766-6f72-4d00-8000-7375626d6974")

// SubmissionForDraft returns the submission made from a draft; KindNotFound if there is none.
func (s *Service) SubmissionForDraft(ctx context.Context, draftID string) (*Submission, error) {
	return s.Store.Submission(ctx, SubmissionIDForDraft(draftID))
}

// Submission returns a submission by its Vorgangsnummer; KindNotFound.
func (s *Service) Submission(ctx context.Context, reference string) (*Submission, error) {
	return s.Store.SubmissionByReference(ctx, reference)
}

// Submit validates the draft completely and, when it is valid, commits the submission with
// its outbox messages and consumes the draft, in one transaction. Submitting the same draft
// again (a double click, a resent POST) returns the first submission. When the data is
// invalid, it returns the errors and stores nothing; FirstErrorPage tells where to send the
// citizen.
func (s *Service) Submit(ctx context.Context, form *forms.Form, d *Draft) (*Submission, []FieldError, error) {
	const op = "engine.Submit"
	data, err := DecodeData(d.Data)
	if err != nil {
		return nil, nil, E(KindInvalid, op, err)
	}
	canon, errs, err := SubmissionData(form, data)
	if err != nil || len(errs) > 0 {
		return nil, errs, err
	}
	var resolved *authority.Resolution
	if s.ManyAuthorities(form) {
		r := s.Responsible(form, d)
		if r.Status != authority.Resolved {
			if prev, err := s.Store.Submission(ctx, SubmissionIDForDraft(d.ID)); err == nil {
				return prev, nil, nil
			}
			return nil, nil, E(KindConflict, op, fmt.Errorf("%w: %s", ErrAuthorityUnresolved, r.Status))
		}
		resolved = &r
	}
	// Every file the data names must be a file of the draft; the store links them to the
	// submission in its transaction and deletes the draft's other files with the draft.
	submitted, err := DecodeData(canon)
	if err != nil {
		return nil, nil, E(KindInternal, op, err)
	}
	attachmentIDs, missing, err := s.missingAttachments(ctx, form, d, submitted)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(missing) > 0 {
		if prev, err := s.Store.Submission(ctx, SubmissionIDForDraft(d.ID)); err == nil {
			return prev, nil, nil // a racing submit of this draft took the files already
		}
		return nil, missing, nil
	}
	sum := sha512.Sum512(canon)
	var token [32]byte
	if _, err := io.ReadFull(s.random(), token[:]); err != nil {
		return nil, nil, E(KindInternal, op, err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	sub := &Submission{
		ID:          SubmissionIDForDraft(d.ID),
		FormID:      form.Manifest.ID,
		FormVersion: form.Manifest.Version,
		SchemaHash:  form.SchemaHash,
		Lang:        NormalizeLang(d.Lang),
		Data:        canon,
		DataHash:    hex.EncodeToString(sum[:]),
		SubmittedAt: now,
		DraftID:     d.ID,
		AccessToken: base64.RawURLEncoding.EncodeToString(token[:]),
	}
	sub.AttachmentIDs = attachmentIDs
	if resolved != nil {
		sub.Authority = resolved.Responsible()
		sub.AuthorityID = sub.Authority.ID
	}
	prefix := ReferencePrefix(form)
	for attempt := 1; ; attempt++ {
		sub.Reference, err = NewReference(prefix, s.random())
		if err != nil {
			return nil, nil, E(KindInternal, op, err)
		}
		var outbox []*OutboxMessage
		for _, dest := range s.submissionDestinations(form, resolved) {
			outbox = append(outbox, &OutboxMessage{
				ID: s.newID(), SubmissionID: sub.ID, Destination: dest, State: OutboxQueued,
				NextAttemptAt: now, CreatedAt: now, UpdatedAt: now,
			})
		}
		stored, _, err := s.Store.Submit(ctx, sub, outbox)
		if err == nil {
			return stored, nil, nil
		}
		if errors.Is(err, ErrAttachmentGone) {
			// A file was removed meanwhile (another tab): the citizen uploads it again.
			if _, missing, merr := s.missingAttachments(ctx, form, d, submitted); merr == nil && len(missing) > 0 {
				return nil, missing, nil
			}
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		if KindOf(err) != KindConflict || attempt >= maxReferenceAttempts {
			return nil, nil, fmt.Errorf("%s: %w", op, err)
		}
		// A Vorgangsnummer in use (or a submission id racing with ours): try again; a racing
		// submit of the same draft is answered by the store's idempotency next time.
		if prev, err := s.Store.Submission(ctx, sub.ID); err == nil {
			return prev, nil, nil
		}
	}
}

// ---------------------------------------------------------------- data helpers

// DecodeData decodes a draft's data into a JSON object; numbers stay json.Number.
func DecodeData(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var data map[string]any
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("draft data: %w", err)
	}
	if data == nil {
		data = map[string]any{}
	}
	return data, nil
}

// encodeData writes data as canonical JSON: object keys sorted (encoding/json sorts map
// keys), no HTML escaping, no trailing newline.
func encodeData(data any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(data); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// blank reports whether v is an empty answer.
func blank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

// blankDeep reports whether v holds no answer at all: empty, or objects and lists of empties.
func blankDeep(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			if !blankDeep(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !blankDeep(e) {
				return false
			}
		}
		return true
	}
	return blank(v)
}

// tokens splits a JSON pointer into its unescaped tokens.
func tokens(path string) []string {
	if path == "" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range parts {
		parts[i] = unescapeToken(p)
	}
	return parts
}

// setPath sets the value at a concrete path, creating objects on the way. List items must
// exist already.
func setPath(data map[string]any, path string, v any) {
	toks := tokens(path)
	if len(toks) == 0 {
		return
	}
	var cur any = data
	for i, t := range toks {
		last := i == len(toks)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[t] = v
				return
			}
			next, ok := c[t]
			if _, isList := next.([]any); !ok || !isList && !isMap(next) {
				next = map[string]any{}
				c[t] = next
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(t)
			if err != nil || n < 0 || n >= len(c) {
				return
			}
			if last {
				c[n] = v
				return
			}
			if !isMap(c[n]) {
				if _, isList := c[n].([]any); !isList {
					c[n] = map[string]any{}
				}
			}
			cur = c[n]
		default:
			return
		}
	}
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// deletePath removes the value at a concrete path, if there is one.
func deletePath(data map[string]any, path string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return
	}
	parent, ok := forms.Lookup(data, path[:i], nil)
	if !ok {
		return
	}
	if m, ok := parent.(map[string]any); ok {
		delete(m, unescapeToken(path[i+1:]))
	}
}

// structurallyRequired reports whether a field must be present whenever it is shown: required
// always, or required by a condition (which, in a well-made form, is the condition that shows
// it).
func structurallyRequired(fd *forms.Field) bool { return fd.Required || fd.RequiredWhen }

// complete gives data the structure the visible parts of the form need: an empty object for
// every required nested object whose parent exists, and empty items up to minItems in every
// list, so that missing answers are reported at the fields themselves ("Familienname fehlt"),
// not at the object around them. Optional objects without any answer are removed.
func complete(form *forms.Form, data map[string]any, vis *forms.Visibility) {
	for _, p := range form.Pages {
		if vis.PageVisible(p.Index) {
			completeNodes(form, data, vis, p.Nodes, nil)
		}
	}
}

func completeNodes(form *forms.Form, data map[string]any, vis *forms.Visibility, nodes []*forms.Node, indices []int) {
	for _, n := range nodes {
		if !vis.NodeVisible(n, indices) {
			continue
		}
		if n.Field == nil {
			completeNodes(form, data, vis, n.Children, indices)
			continue
		}
		fd := n.Field
		path := forms.ConcretePath(fd.Path, indices)
		parent, ok := forms.Lookup(data, path[:strings.LastIndexByte(path, '/')], nil)
		if _, isObj := parent.(map[string]any); !ok || !isObj {
			continue
		}
		cur, has := forms.Lookup(data, path, nil)
		switch fd.Widget {
		case forms.WidgetGroup:
			if !has {
				if !structurallyRequired(fd) {
					continue
				}
				setPath(data, path, map[string]any{})
			} else if !isMap(cur) {
				continue // a wrong type is the validator's business
			}
			completeNodes(form, data, vis, fd.Children, indices)
			if v, _ := forms.Lookup(data, path, nil); !structurallyRequired(fd) && blankDeep(v) {
				deletePath(data, path)
			}
		case forms.WidgetRepeat:
			list, isList := cur.([]any)
			if has && !isList || fd.ScalarItems {
				continue
			}
			least := 0
			if fd.MinItems != nil {
				least = *fd.MinItems
			}
			if len(list) < least {
				for len(list) < least {
					list = append(list, map[string]any{})
				}
				setPath(data, path, list)
			}
			for k := range list {
				if isMap(list[k]) {
					completeNodes(form, data, vis, fd.Children, append(append([]int(nil), indices...), k))
				}
			}
		}
	}
}

// dropBlankOptional removes optional objects without any answer before a submission, so that
// an untouched optional part does not fail on its own required fields.
func dropBlankOptional(form *forms.Form, data any) {
	m, ok := data.(map[string]any)
	if !ok {
		return
	}
	vis := form.Evaluate(m)
	for _, p := range form.Pages {
		dropNodes(m, vis, p.Nodes, nil)
	}
}

func dropNodes(data map[string]any, vis *forms.Visibility, nodes []*forms.Node, indices []int) {
	for _, n := range nodes {
		if n.Field == nil {
			dropNodes(data, vis, n.Children, indices)
			continue
		}
		fd := n.Field
		path := forms.ConcretePath(fd.Path, indices)
		cur, has := forms.Lookup(data, path, nil)
		if !has {
			continue
		}
		switch fd.Widget {
		case forms.WidgetGroup:
			dropNodes(data, vis, fd.Children, indices)
			if !structurallyRequired(fd) && isMap(cur) && blankDeep(cur) {
				deletePath(data, path)
			}
		case forms.WidgetRepeat:
			list, _ := cur.([]any)
			if fd.ScalarItems {
				if kept := compactScalars(list); len(kept) == 0 {
					deletePath(data, path)
				} else if len(kept) != len(list) {
					setPath(data, path, kept)
				}
				continue
			}
			for k := range list {
				dropNodes(data, vis, fd.Children, append(append([]int(nil), indices...), k))
			}
		}
	}
}
