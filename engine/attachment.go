package engine

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/ozgform/ozgform/forms"
)

// Attachments: files a citizen uploads in an attachment field (forms: x-attachment). The
// field's value in the data is the list of the files' ids; the files themselves live in the
// store, first with the draft, then, in the same transaction as the submission, with the
// submission. Files of a draft that the submitted data does not reference are deleted with the
// draft; the files of a submission go with the retention purge.
//
// An upload passes these checks before it is stored, in this order: the size (the field's
// maxSize and the operator's MaxFileSize, counted while the bytes arrive; nothing beyond the
// limit is read), the type by content (magic bytes, whatever the browser claims), the virus
// scanner. The file name is sanitised for display and download. File names and contents are
// personal data: they are never logged.

// DefaultMaxFileSize is the operator's default limit of one uploaded file: 10 MB.
const DefaultMaxFileSize = 10_000_000

// StoredAttachment is an uploaded file as the store keeps it.
type StoredAttachment struct {
	ID           string    // UUID: the id in the data and in the envelope
	DraftID      string    // the draft the file belongs to; "" once it belongs to a submission
	SubmissionID string    // the submission the file belongs to; "" while in a draft
	Filename     string    // sanitised (SanitizeFilename)
	MediaType    string    // as sniffed from the content, e.g. "application/pdf"
	Size         int64     // bytes
	SHA512       string    // hex SHA-512 of the bytes
	CreatedAt    time.Time // when it was uploaded
}

// AttachmentStore keeps the uploaded files. Every method is one transaction. The files of a
// draft are deleted with the draft (DeleteDraft, PurgeExpiredDrafts, Submit for the files the
// submission does not reference); Submit moves the files it names in Submission.AttachmentIDs
// to the submission in its own transaction; the retention purge (PurgeDelivered) deletes the
// files of the submissions it purges.
type AttachmentStore interface {
	// AddAttachment stores a file of the draft a.DraftID with the metadata in a; content
	// supplies exactly a.Size bytes whose SHA-512 is a.SHA512 (KindInvalid otherwise, and
	// nothing is stored). content is read inside the store's transaction: pass a local file,
	// never a network stream. KindNotFound or KindExpired if the draft is gone; KindConflict if
	// the id is in use.
	AddAttachment(ctx context.Context, a *StoredAttachment, content io.Reader) error
	// DraftAttachments lists the files of a draft, oldest first.
	DraftAttachments(ctx context.Context, draftID string) ([]*StoredAttachment, error)
	// DeleteAttachment deletes a file of a draft; KindNotFound if the draft has no such file.
	DeleteAttachment(ctx context.Context, draftID, id string) error
	// MoveAttachments gives every file of draft from to draft to (resuming a draft moves it to
	// a new id); KindNotFound if draft to does not exist.
	MoveAttachments(ctx context.Context, from, to string) error
	// SubmissionAttachments lists the files of a submission, oldest first; none for an unknown
	// or purged submission.
	SubmissionAttachments(ctx context.Context, submissionID string) ([]*StoredAttachment, error)
	// OpenAttachment returns a file of a submission and a reader of its bytes, which the
	// caller must close. The reader reads the file in pieces, never all at once, and fails at
	// the end if the bytes do not match the stored size and SHA-512. KindNotFound if the
	// submission has no such file (also after the purge).
	OpenAttachment(ctx context.Context, submissionID, id string) (*StoredAttachment, io.ReadCloser, error)
	// DeleteAttachmentsOf deletes the files of a submission and returns how many there were.
	// PurgeDelivered does this for every submission it purges; operators may call it too.
	DeleteAttachmentsOf(ctx context.Context, submissionID string) (int, error)
}

// ErrAttachmentGone is wrapped by the error of Store.Submit when a file named in
// Submission.AttachmentIDs is not (or no longer) a file of the submission's draft.
var ErrAttachmentGone = errors.New("an attachment of the submission is not a file of its draft")

// CheckAttachment checks a file's metadata before a store writes it.
func CheckAttachment(a *StoredAttachment) error {
	switch {
	case a == nil:
		return errors.New("no attachment")
	case !forms.ValidAttachmentID(a.ID):
		return errors.New("the attachment id is not a UUID in canonical form")
	case a.DraftID == "":
		return errors.New("the attachment has no draft")
	case a.Filename == "" || a.MediaType == "":
		return errors.New("the attachment has no file name or media type")
	case a.Size < 0:
		return errors.New("the attachment has a negative size")
	case len(a.SHA512) != 128 || strings.Trim(a.SHA512, "0123456789abcdef") != "":
		return errors.New("the attachment's SHA-512 is not 128 lower-case hex digits")
	}
	return CheckText(a.ID, a.DraftID, a.Filename, a.MediaType)
}

// CopyVerified copies content to w, at most size+1 bytes, and fails unless it was exactly size
// bytes with the hex SHA-512 sum. Stores use it to write a file's bytes.
func CopyVerified(w io.Writer, content io.Reader, size int64, sum string) error {
	h := sha512.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(content, size+1))
	if err != nil {
		return err
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != sum {
		return E(KindInvalid, "engine.CopyVerified", errors.New("the file's bytes do not match its size and hash"))
	}
	return nil
}

// VerifyingReader wraps the reader of a stored file: at the end it fails with KindInternal
// unless exactly size bytes with the hex SHA-512 sum were read. Stores return it from
// OpenAttachment, so that a damaged file never goes out as if it were whole.
func VerifyingReader(r io.ReadCloser, size int64, sum string) io.ReadCloser {
	return &verifyingReader{r: r, size: size, sum: sum, h: sha512.New()}
}

type verifyingReader struct {
	r    io.ReadCloser
	size int64
	sum  string
	n    int64
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.h.Write(p[:n])
	if v.n > v.size {
		return n, E(KindInternal, "engine.OpenAttachment", errors.New("the stored file is longer than its size"))
	}
	if err == io.EOF && (v.n != v.size || hex.EncodeToString(v.h.Sum(nil)) != v.sum) {
		return n, E(KindInternal, "engine.OpenAttachment", errors.New("the stored file does not match its size and hash"))
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.r.Close() }

// ---------------------------------------------------------------- virus scanner

// Verdict is a virus scanner's finding about one file. The zero value means clean.
type Verdict struct {
	Infected bool
	// Threat names what was found (e.g. "Eicar-Test-Signature"); it is no personal data and
	// may be logged.
	Threat string
}

// Scanner checks an uploaded file for malware before it is accepted. name is the sanitised
// file name (for scanners that use it; it must not be logged), r the file's bytes. An error
// means the file could not be checked: the upload is refused with 503 and nothing is stored.
// Package engine/clamd connects ClamAV; docs/virenscanner.md explains how to plug in others.
type Scanner interface {
	Scan(ctx context.Context, name string, r io.Reader) (Verdict, error)
}

// ErrScannerFailed is wrapped by the error of AddAttachment (kind KindUnavailable) when the
// virus scanner could not check the file.
var ErrScannerFailed = errors.New("the virus scanner could not check the file")

// NoScanner is the default Scanner: it finds every file clean.
type NoScanner struct{}

// Scan implements Scanner.
func (NoScanner) Scan(context.Context, string, io.Reader) (Verdict, error) { return Verdict{}, nil }

// ---------------------------------------------------------------- uploads

// TooLargeError is the cause of the error of AddAttachment for a file over the limit; the
// server answers with 413.
type TooLargeError struct {
	Limit int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the file is larger than %d bytes", e.Limit)
}

// Message ids of the refusals of an upload, shown at the field.
const (
	MsgAttachmentEmpty     = "attachment.empty"     // a file of 0 bytes
	MsgAttachmentMediaType = "attachment.mediaType" // the content is none of the accepted types
	MsgAttachmentInfected  = "attachment.infected"  // the virus scanner found something
	MsgAttachmentFull      = "attachment.full"      // the field has maxFiles files already
	MsgAttachmentMissing   = "attachment.missing"   // the data names a file the draft does not have
)

// FileLimit returns the largest file the attachment field fd accepts: its maxSize, at most the
// operator's MaxFileSize.
func (s *Service) FileLimit(fd *forms.Field) int64 {
	limit := int64(DefaultMaxFileSize)
	if s.MaxFileSize > 0 {
		limit = s.MaxFileSize
	}
	if fd != nil && fd.Attachment != nil && fd.Attachment.MaxSize > 0 && fd.Attachment.MaxSize < limit {
		limit = fd.Attachment.MaxSize
	}
	return limit
}

func (s *Service) scanner() Scanner {
	if s.Scanner != nil {
		return s.Scanner
	}
	return NoScanner{}
}

// AttachmentRefusal is the outcome of an upload that was refused at the field: the file was not
// stored, and Error says why. Verdict is the scanner's finding, for the log.
type AttachmentRefusal struct {
	Error   FieldError
	Verdict Verdict
}

// AddAttachment checks one uploaded file for the attachment field at the concrete data path of
// draft d and stores it. It reads content while counting and hashing, spooling it to a
// temporary file, and stops at the limit (FileLimit): a larger file is refused with an error of
// kind KindInvalid wrapping a *TooLargeError, having read no more than the limit and one byte.
// A file that is empty, of a type the field does not accept (judged by its content) or
// infected is refused with an AttachmentRefusal and not stored. A scanner that fails gives
// KindUnavailable wrapping ErrScannerFailed. Errors reading content (the client went away, the request limit) are
// returned as they are.
//
// AddAttachment does not change the draft's data: the caller adds the file's id to the field's
// value and saves the step (Service.Save), or deletes the file again.
func (s *Service) AddAttachment(ctx context.Context, form *forms.Form, d *Draft, dataPath, filename string, content io.Reader) (*StoredAttachment, *AttachmentRefusal, error) {
	const op = "engine.AddAttachment"
	fd := form.Field(dataPath)
	if fd == nil || fd.Widget != forms.WidgetFile || fd.Attachment == nil {
		return nil, nil, E(KindInvalid, op, fmt.Errorf("%s is no attachment field", dataPath))
	}
	limit := s.FileLimit(fd)
	tmp, err := os.CreateTemp(s.TempDir, "ozgform-anlage-*")
	if err != nil {
		return nil, nil, E(KindUnavailable, op, fmt.Errorf("temporary file: %w", err))
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha512.New()
	head := &headBuffer{}
	n, err := io.Copy(io.MultiWriter(tmp, h, head), io.LimitReader(content, limit+1))
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // writing the temporary file: the disk is full
			return nil, nil, E(KindUnavailable, op, err)
		}
		return nil, nil, err
	}
	if n > limit {
		return nil, nil, E(KindInvalid, op, &TooLargeError{Limit: limit})
	}
	refuse := func(id string, params map[string]any, v Verdict) (*StoredAttachment, *AttachmentRefusal, error) {
		return nil, &AttachmentRefusal{Error: FieldError{Path: dataPath, MessageID: id, Params: params, Keyword: "x-attachment"}, Verdict: v}, nil
	}
	if n == 0 {
		return refuse(MsgAttachmentEmpty, nil, Verdict{})
	}
	mediaType := forms.SniffMediaType(head.b)
	if mediaType == "" || !fd.Attachment.Accepts(mediaType) {
		return refuse(MsgAttachmentMediaType, map[string]any{"mediaType": fd.Attachment.TypeNames()}, Verdict{})
	}
	name := SanitizeFilename(filename, mediaType)
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, E(KindUnavailable, op, err)
	}
	verdict, err := s.scanner().Scan(ctx, name, tmp)
	if err != nil {
		return nil, nil, E(KindUnavailable, op, fmt.Errorf("%w: %w", ErrScannerFailed, err))
	}
	if verdict.Infected {
		return refuse(MsgAttachmentInfected, nil, verdict)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, E(KindUnavailable, op, err)
	}
	a := &StoredAttachment{
		ID: s.newID(), DraftID: d.ID, Filename: name, MediaType: mediaType, Size: n,
		SHA512: hex.EncodeToString(h.Sum(nil)), CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	if err := s.Store.AddAttachment(ctx, a, tmp); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	return a, nil, nil
}

// headBuffer keeps the first bytes written to it, for sniffing.
type headBuffer struct{ b []byte }

func (h *headBuffer) Write(p []byte) (int, error) {
	if need := forms.SniffLen - len(h.b); need > 0 {
		h.b = append(h.b, p[:min(need, len(p))]...)
	}
	return len(p), nil
}

// DraftAttachments lists the files of a draft by id.
func (s *Service) DraftAttachments(ctx context.Context, d *Draft) (map[string]*StoredAttachment, error) {
	list, err := s.Store.DraftAttachments(ctx, d.ID)
	if err != nil {
		return nil, fmt.Errorf("engine.DraftAttachments: %w", err)
	}
	out := make(map[string]*StoredAttachment, len(list))
	for _, a := range list {
		out[a.ID] = a
	}
	return out, nil
}

// DeleteAttachment deletes a file of a draft; a file that is already gone is no error.
func (s *Service) DeleteAttachment(ctx context.Context, d *Draft, id string) error {
	if err := s.Store.DeleteAttachment(ctx, d.ID, id); err != nil && KindOf(err) != KindNotFound {
		return fmt.Errorf("engine.DeleteAttachment: %w", err)
	}
	return nil
}

// RemoveAttachment takes the file id out of the attachment field at the concrete data path,
// saves the draft, and deletes the file. It reports whether the field held the file.
func (s *Service) RemoveAttachment(ctx context.Context, form *forms.Form, d *Draft, dataPath, id string) (bool, error) {
	const op = "engine.RemoveAttachment"
	fd := form.Field(dataPath)
	if fd == nil || fd.Widget != forms.WidgetFile {
		return false, E(KindInvalid, op, fmt.Errorf("%s is no attachment field", dataPath))
	}
	data, err := DecodeData(d.Data)
	if err != nil {
		return false, E(KindInvalid, op, err)
	}
	cur, _ := forms.Lookup(data, dataPath, nil)
	ids := forms.AttachmentIDs(cur)
	kept := make([]any, 0, len(ids))
	found := false
	for _, x := range ids {
		if x == id {
			found = true
			continue
		}
		kept = append(kept, x)
	}
	if !found {
		return false, nil
	}
	if len(kept) == 0 {
		deletePath(data, dataPath)
	} else {
		setPath(data, dataPath, kept)
	}
	raw, err := encodeData(data)
	if err != nil {
		return false, E(KindInternal, op, err)
	}
	d.Data = raw
	d.UpdatedAt = s.now()
	if err := s.Store.UpdateDraft(ctx, d); err != nil {
		return false, fmt.Errorf("%s: %w", op, err)
	}
	return true, s.DeleteAttachment(ctx, d, id)
}

// attachmentRef is one file the data of a form references.
type attachmentRef struct {
	Path string // concrete data path of the attachment field
	ID   string
}

// attachmentRefs lists the files data references, in layout order: every id in every
// attachment field, in list items too. Hidden fields should be pruned first.
func attachmentRefs(form *forms.Form, data any) []attachmentRef {
	var out []attachmentRef
	for i := range form.Pages {
		for _, in := range PageInputs(form, i, data) {
			if in.Field.Widget != forms.WidgetFile {
				continue
			}
			v, _ := forms.Lookup(data, in.Path, nil)
			for _, id := range forms.AttachmentIDs(v) {
				out = append(out, attachmentRef{Path: in.Path, ID: id})
			}
		}
	}
	return out
}

// missingAttachments returns an error at the field for every file the data references that
// the draft does not have.
func (s *Service) missingAttachments(ctx context.Context, form *forms.Form, d *Draft, data any) ([]string, []FieldError, error) {
	refs := attachmentRefs(form, data)
	if len(refs) == 0 {
		return nil, nil, nil
	}
	have, err := s.DraftAttachments(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	var errs []FieldError
	reported := map[string]bool{}
	for _, r := range refs {
		ids = append(ids, r.ID)
		if have[r.ID] == nil && !reported[r.Path] {
			reported[r.Path] = true
			errs = append(errs, FieldError{Path: r.Path, MessageID: MsgAttachmentMissing, Keyword: "x-attachment"})
		}
	}
	return ids, errs, nil
}

// AttachmentsOf returns the files of a submission as the envelope lists them (purpose
// "attachment"): what the outbox worker, the receipt and the pull API need. The order is the
// order in which the data names them (fields by their path, files of a field in upload order),
// so that a rebuilt envelope is the same; a purged submission has none.
func AttachmentsOf(ctx context.Context, store AttachmentStore, s *Submission) ([]Attachment, error) {
	list, err := store.SubmissionAttachments(ctx, s.ID)
	if err != nil {
		return nil, fmt.Errorf("engine.AttachmentsOf: %w", err)
	}
	if data, err := DecodeData(s.Data); err == nil {
		rank := map[string]int{}
		collectStrings(data, rank)
		sort.SliceStable(list, func(i, j int) bool {
			ri, iok := rank[list[i].ID]
			rj, jok := rank[list[j].ID]
			if iok != jok {
				return iok
			}
			return ri < rj
		})
	}
	out := make([]Attachment, 0, len(list))
	for _, a := range list {
		out = append(out, Attachment{
			AttachmentID: a.ID, Filename: a.Filename, MediaType: a.MediaType, Size: a.Size,
			SHA512: a.SHA512, Purpose: PurposeAttachment,
		})
	}
	return out, nil
}

// collectStrings numbers the strings of decoded JSON in document order, object keys sorted.
func collectStrings(v any, rank map[string]int) {
	switch x := v.(type) {
	case string:
		if _, seen := rank[x]; !seen {
			rank[x] = len(rank)
		}
	case []any:
		for _, e := range x {
			collectStrings(e, rank)
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collectStrings(x[k], rank)
		}
	}
}

// ---------------------------------------------------------------- file names

// maxFilenameRunes bounds a sanitised file name, extension included.
const maxFilenameRunes = 120

// SanitizeFilename turns the name a browser sent for an upload into one that is safe to show
// and to offer for download: the last path element only (browsers on Windows may send
// "C:\Users\…"), Unicode NFC, no control or format characters (bidirectional overrides that
// disguise "gpj.exe" as "exe.jpg", zero-width characters), no characters that file systems
// refuse, no leading or trailing dots and spaces, runs of white space as one space, at most 120
// characters, and an extension that matches mediaType (the content decides, not the name).
// Letters of every script stay, so names by DIN 91379 ("Ærøskøbing_Nguyễn.pdf") are kept as
// they are. An empty result becomes "Anlage" with the extension.
func SanitizeFilename(name, mediaType string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	name = norm.NFC.String(name)
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r),
			r == utf8.RuneError, r == '\u2028', r == '\u2029':
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), ". ")

	want := forms.MediaTypeExtension(mediaType)
	ext := path.Ext(name)
	stem := name
	switch {
	case ext != "" && forms.MediaTypeOfExtension(ext) == mediaType && mediaType != "":
		stem = strings.TrimSuffix(name, ext)
	case ext != "" && forms.MediaTypeOfExtension(ext) != "":
		stem, ext = strings.TrimSuffix(name, ext), want // "foto.pdf" that is a JPEG: "foto.jpg"
	default:
		ext = want
	}
	stem = strings.TrimRight(stem, ". ")
	if stem == "" {
		stem = "Anlage"
	}
	if r := []rune(stem); len(r)+utf8.RuneCountInString(ext) > maxFilenameRunes {
		stem = strings.TrimRight(string(r[:max(1, maxFilenameRunes-utf8.RuneCountInString(ext))]), ". ")
	}
	return stem + ext
}
