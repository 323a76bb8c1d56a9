package forms

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/message"
)

// Attachments (Anlagen): a property with the keyword x-attachment holds files the citizen
// uploads. Files never live inside the data: the value is a list of attachment ids (UUIDs), and
// the files are stored beside the draft and, later, the submission.
//
//	"nachweis": {"title": "Zulassungsbescheinigung Teil I",
//	             "x-attachment": {"mediaTypes": ["application/pdf", "image/jpeg"], "maxSize": 10000000,
//	                              "minFiles": 1, "maxFiles": 2}}

// Limits and defaults of x-attachment.
const (
	// DefaultAttachmentMaxSize is the largest file a field accepts when x-attachment names no
	// maxSize: 10 MB (decimal, as sizes are shown to citizens).
	DefaultAttachmentMaxSize = 10_000_000
	// MaxAttachmentSize is the largest maxSize an author may give: 100 MB. The operator's
	// limits (per file and per request) may be lower and then win.
	MaxAttachmentSize = 100_000_000
	// MaxAttachmentFiles is the largest maxFiles an author may give.
	MaxAttachmentFiles = 20
)

// AttachmentSpec is the value of x-attachment, with the defaults filled in.
type AttachmentSpec struct {
	// MediaTypes are the accepted types, from AttachmentMediaTypes; default PDF, JPEG, PNG.
	MediaTypes []string `json:"mediaTypes"`
	// MaxSize is the largest accepted file in bytes; default DefaultAttachmentMaxSize.
	MaxSize int64 `json:"maxSize"`
	// MinFiles and MaxFiles bound the number of files; defaults 0 and 1. MinFiles applies when
	// the field has a value; "required" makes the field itself required.
	MinFiles int `json:"minFiles"`
	MaxFiles int `json:"maxFiles"`

	raw map[string]any // as written, for the checks of Load
}

// Accepts reports whether the field accepts files of mediaType.
func (a *AttachmentSpec) Accepts(mediaType string) bool {
	for _, t := range a.MediaTypes {
		if t == mediaType {
			return true
		}
	}
	return false
}

// Accept is the value of the HTML accept attribute: the media types and their file name
// extensions ("application/pdf,.pdf,image/jpeg,.jpg,.jpeg").
func (a *AttachmentSpec) Accept() string {
	var parts []string
	for _, t := range a.MediaTypes {
		parts = append(parts, t)
		if mt := mediaTypeByName[t]; mt != nil {
			parts = append(parts, mt.Extensions...)
		}
	}
	return strings.Join(parts, ",")
}

// TypeNames lists the short names of the accepted types ("PDF, JPEG, PNG"), for messages.
func (a *AttachmentSpec) TypeNames() string {
	var names []string
	for _, t := range a.MediaTypes {
		if mt := mediaTypeByName[t]; mt != nil {
			names = append(names, mt.Short)
		}
	}
	return strings.Join(names, ", ")
}

// AttachmentMediaType is a file type that attachments may have. Each is recognised by its
// first bytes (magic number), whatever the browser or the file name claims.
type AttachmentMediaType struct {
	Name       string   // the media type, e.g. "application/pdf"
	Short      string   // a name citizens know, e.g. "PDF"
	Extensions []string // file name extensions, the first the usual one
	magic      [][]byte // any of these at the start of the file
}

// AttachmentMediaTypes is the allow-list of x-attachment's mediaTypes: the types ozgform can
// recognise by their content. Formats that carry active content or cannot be sniffed reliably
// (Office documents, HTML, SVG, ZIP) are deliberately missing.
var AttachmentMediaTypes = []*AttachmentMediaType{
	{Name: "application/pdf", Short: "PDF", Extensions: []string{".pdf"}, magic: [][]byte{[]byte("%PDF-")}},
	{Name: "image/jpeg", Short: "JPEG", Extensions: []string{".jpg", ".jpeg"}, magic: [][]byte{{0xFF, 0xD8, 0xFF}}},
	{Name: "image/png", Short: "PNG", Extensions: []string{".png"}, magic: [][]byte{{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}}},
	{Name: "image/tiff", Short: "TIFF", Extensions: []string{".tif", ".tiff"}, magic: [][]byte{{'I', 'I', 0x2A, 0x00}, {'M', 'M', 0x00, 0x2A}}},
}

var mediaTypeByName = func() map[string]*AttachmentMediaType {
	m := map[string]*AttachmentMediaType{}
	for _, t := range AttachmentMediaTypes {
		m[t.Name] = t
	}
	return m
}()

// DefaultAttachmentMediaTypes are the types a field accepts when x-attachment names none.
var DefaultAttachmentMediaTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// SniffLen is the number of leading bytes SniffMediaType needs.
const SniffLen = 8

// SniffMediaType returns the allow-listed media type whose magic number head starts with, or
// "" when it is none of them (an executable renamed to .pdf, a Word file, an empty file).
func SniffMediaType(head []byte) string {
	for _, t := range AttachmentMediaTypes {
		for _, m := range t.magic {
			if bytes.HasPrefix(head, m) {
				return t.Name
			}
		}
	}
	return ""
}

// MediaTypeExtension returns the usual file name extension of an allow-listed type (".pdf"),
// or "".
func MediaTypeExtension(mediaType string) string {
	if mt := mediaTypeByName[mediaType]; mt != nil {
		return mt.Extensions[0]
	}
	return ""
}

// MediaTypeOfExtension returns the allow-listed type a file name extension stands for, or "".
func MediaTypeOfExtension(ext string) string {
	ext = strings.ToLower(ext)
	for _, t := range AttachmentMediaTypes {
		for _, e := range t.Extensions {
			if e == ext {
				return t.Name
			}
		}
	}
	return ""
}

// parseAttachment reads the value of x-attachment (already checked for its shape by the
// vocabulary's meta-schema) and fills in the defaults.
func parseAttachment(obj map[string]any) *AttachmentSpec {
	a := &AttachmentSpec{raw: obj, MaxSize: DefaultAttachmentMaxSize, MaxFiles: 1}
	if list, ok := obj["mediaTypes"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				a.MediaTypes = append(a.MediaTypes, s)
			}
		}
	} else {
		a.MediaTypes = append([]string(nil), DefaultAttachmentMediaTypes...)
	}
	if n, ok := jsonInt(obj["maxSize"]); ok {
		a.MaxSize = n
	}
	if n, ok := jsonInt(obj["minFiles"]); ok {
		a.MinFiles = int(max(min(n, math.MaxInt32), math.MinInt32))
	}
	if n, ok := jsonInt(obj["maxFiles"]); ok {
		a.MaxFiles = int(max(min(n, math.MaxInt32), math.MinInt32))
	}
	return a
}

// jsonInt reads an integer of the decoded schema (json.Number or float64).
func jsonInt(v any) (int64, bool) {
	f, ok := asFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// check reports what is wrong with an x-attachment at ptr (the pointer of the keyword) in
// file, in German. The vocabulary's meta-schema has checked the JSON types already.
func (a *AttachmentSpec) check(sink *problemSink, file, ptr string) {
	if list, ok := a.raw["mediaTypes"].([]any); ok && len(list) == 0 {
		sink.errorf(file, ptr+"/mediaTypes", "attachment-media-type", "„mediaTypes“ ist leer: Nennen Sie mindestens einen Dateityp (%s) oder lassen Sie „mediaTypes“ weg (dann gilt: %s).", allowedTypeList(), strings.Join(DefaultAttachmentMediaTypes, ", "))
	}
	seen := map[string]bool{}
	for i, t := range a.MediaTypes {
		at := fmt.Sprintf("%s/mediaTypes/%d", ptr, i)
		switch {
		case mediaTypeByName[t] == nil:
			sink.errorf(file, at, "attachment-media-type", "Der Dateityp „%s“ ist für Anlagen nicht erlaubt. Erlaubt sind nur Typen, die ozgform am Inhalt erkennt: %s.", t, allowedTypeList())
		case seen[t]:
			sink.errorf(file, at, "attachment-media-type", "Der Dateityp „%s“ steht doppelt in „mediaTypes“.", t)
		}
		seen[t] = true
	}
	if _, given := a.raw["maxSize"]; given {
		switch {
		case a.MaxSize <= 0:
			sink.errorf(file, ptr+"/maxSize", "attachment-size", "„maxSize“ muss eine positive Zahl von Bytes sein (z. B. 10000000 für 10 MB), nicht %d.", a.MaxSize)
		case a.MaxSize > MaxAttachmentSize:
			sink.errorf(file, ptr+"/maxSize", "attachment-size", "„maxSize“ darf höchstens %d Bytes (%d MB) sein, nicht %d.", MaxAttachmentSize, MaxAttachmentSize/1_000_000, a.MaxSize)
		}
	}
	switch {
	case a.MinFiles < 0:
		sink.errorf(file, ptr+"/minFiles", "attachment-files", "„minFiles“ darf nicht negativ sein (%d).", a.MinFiles)
	case a.MaxFiles < 1:
		sink.errorf(file, ptr+"/maxFiles", "attachment-files", "„maxFiles“ muss mindestens 1 sein (%d).", a.MaxFiles)
	case a.MaxFiles > MaxAttachmentFiles:
		sink.errorf(file, ptr+"/maxFiles", "attachment-files", "„maxFiles“ darf höchstens %d sein (%d).", MaxAttachmentFiles, a.MaxFiles)
	case a.MinFiles > a.MaxFiles:
		sink.errorf(file, ptr+"/minFiles", "attachment-files", "„minFiles“ (%d) ist größer als „maxFiles“ (%d); so ließe sich die Anlage nie vollständig hochladen.", a.MinFiles, a.MaxFiles)
	}
}

func allowedTypeList() string {
	var names []string
	for _, t := range AttachmentMediaTypes {
		names = append(names, t.Name)
	}
	return strings.Join(names, ", ")
}

// attachmentIDPattern is an attachment id: a UUID in canonical lower-case form.
var attachmentIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ValidAttachmentID reports whether s is an attachment id (a UUID in canonical lower-case form).
func ValidAttachmentID(s string) bool { return attachmentIDPattern.MatchString(s) }

// AttachmentIDs returns the attachment ids of a field's value: the strings of a list, in order.
// Anything else yields nil.
func AttachmentIDs(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// validate checks the value of an attachment field: a list of distinct attachment ids, as many
// as minFiles and maxFiles allow. That the ids name files of the draft is the engine's check.
func (a *AttachmentSpec) validate(ctx *jsonschema.ValidatorContext, v any) {
	list, ok := v.([]any)
	if !ok {
		ctx.AddError(&AttachmentKind{Reason: AttachmentNotList})
		return
	}
	seen := map[string]bool{}
	for _, x := range list {
		s, ok := x.(string)
		if !ok || !ValidAttachmentID(s) {
			ctx.AddError(&AttachmentKind{Reason: AttachmentBadID})
			return
		}
		if seen[s] {
			ctx.AddError(&AttachmentKind{Reason: AttachmentDuplicate})
			return
		}
		seen[s] = true
	}
	switch {
	case len(list) < a.MinFiles:
		ctx.AddError(&AttachmentKind{Reason: AttachmentTooFew, Limit: a.MinFiles, Got: len(list)})
	case len(list) > a.MaxFiles:
		ctx.AddError(&AttachmentKind{Reason: AttachmentTooMany, Limit: a.MaxFiles, Got: len(list)})
	}
}

// Reasons of an AttachmentKind.
const (
	AttachmentNotList   = "notList"   // the value is not a list
	AttachmentBadID     = "badId"     // an entry is not an attachment id
	AttachmentDuplicate = "duplicate" // an id is listed twice
	AttachmentTooFew    = "minFiles"  // fewer files than minFiles
	AttachmentTooMany   = "maxFiles"  // more files than maxFiles
)

// AttachmentKind is the error kind of x-attachment: the value of an attachment field is not a
// list of distinct attachment ids, or has too few or too many of them.
type AttachmentKind struct {
	Reason string // one of the Attachment… reasons
	Limit  int    // minFiles or maxFiles
	Got    int    // the number of files
}

// KeywordPath implements jsonschema.ErrorKind.
func (*AttachmentKind) KeywordPath() []string { return []string{"x-attachment"} }

// LocalizedString implements jsonschema.ErrorKind.
func (k *AttachmentKind) LocalizedString(p *message.Printer) string {
	switch k.Reason {
	case AttachmentTooFew:
		return p.Sprintf("%d files, want at least %d", k.Got, k.Limit)
	case AttachmentTooMany:
		return p.Sprintf("%d files, want at most %d", k.Got, k.Limit)
	}
	return p.Sprintf("not a list of attachment ids (%s)", k.Reason)
}
