package engine

import (
	"bytes"
	"crypto/sha512"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // submittedAt is Europe/Berlin time on any machine

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/forms"
)

// PayloadVersion is the envelope version; any change of field names is a new version.
const PayloadVersion = "1"

// PayloadSchemaURI is where the envelope's JSON Schema is served, relative to the operator's
// public base URL; see PayloadSchemaURL.
const PayloadSchemaURI = "/schemas/payload/v1.json"

// PayloadSchemaID is the $id of the envelope's JSON Schema. It names the schema; the copy a
// back office fetches is served by each operator at PayloadSchemaURL.
const PayloadSchemaID = "https://ozgform.de/schemas/payload/v1.json"

// HashTypeSHA512 is the only hash type of the envelope, as in FIT-Connect.
const HashTypeSHA512 = "sha512"

// Purposes of an attachment in the envelope.
const (
	PurposeAttachment = "attachment" // a file the citizen uploaded
	PurposeReceipt    = "receipt"    // the receipt PDF (Eingangsbestätigung)
)

// FIT-Connect's names for the same purposes in metadata.contentStructure.attachments. FIT-Connect
// calls the human-readable rendering of the whole application "form", which is what the receipt is.
const (
	fitPurposeForm       = "form"
	fitPurposeAttachment = "attachment"
)

const receiptMediaType = "application/pdf"

//go:embed schemas/payload-v1.json
var payloadSchema []byte

// Envelope version 2 is version 1 with the authority's id, ARS, municipality and privacy
// contact in "authority": the envelope of a submission to one of the many authorities that
// use a form (Einer für Alle). Version 1 forbids unknown fields, so that a receiver notices a
// change; adding these fields is therefore a new version, and the envelopes of forms with one
// authority stay version 1, byte for byte.
const (
	PayloadVersionEfA   = "2"
	PayloadSchemaURIEfA = "/schemas/payload/v2.json"
	PayloadSchemaIDEfA  = "https://ozgform.de/schemas/payload/v2.json"
)

//go:embed schemas/payload-v2.json
var payloadSchemaEfA []byte

// PayloadSchemaEfA returns the JSON Schema of envelope version 2, served at
// PayloadSchemaURIEfA. The caller must not modify the returned bytes.
func PayloadSchemaEfA() []byte { return payloadSchemaEfA }

// PayloadSchema returns the JSON Schema document of the envelope (draft 2020-12). The server
// serves it at PayloadSchemaURI. The caller must not modify the returned bytes.
func PayloadSchema() []byte { return payloadSchema }

// PayloadSchemaURL returns the absolute URL of the envelope's schema at an operator whose public
// base URL is baseURL (e.g. "https://formulare.example.de").
func PayloadSchemaURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + PayloadSchemaURI
}

// FormSchemaPath returns the stable versioned path of a form's schema:
// "/schemas/forms/{id}/{version}/schema.json". The schema behind a path never changes once
// published, so a back office can cache it and check it against form.schemaHash.
func FormSchemaPath(m forms.Manifest) string {
	return "/schemas/forms/" + url.PathEscape(m.ID) + "/" + url.PathEscape(m.Version) + "/schema.json"
}

// SHA512Hex returns the hex SHA-512 of b. As FIT-Connect requires, hashes are taken over the
// unencrypted bytes exactly as they are delivered.
func SHA512Hex(b []byte) string {
	sum := sha512.Sum512(b)
	return hex.EncodeToString(sum[:])
}

// ReceiptAttachmentID returns the attachment id of a submission's receipt: a name-based UUID
// (version 5) derived from the submission id, so that a rebuilt envelope names the receipt the
// same way every time.
func ReceiptAttachmentID(submissionID string) (string, error) {
	ns, err := uuid.Parse(submissionID)
	if err != nil {
		return "", E(KindInvalid, "engine.ReceiptAttachmentID", err)
	}
	return uuid.NewSHA1(ns, []byte(PurposeReceipt)).String(), nil
}

// Attachment is a file that goes with a submission, as the outbox worker knows it.
type Attachment struct {
	AttachmentID string // UUID, unique within the submission
	Filename     string
	MediaType    string // e.g. "application/pdf"
	Size         int64  // bytes
	SHA512       string // hex SHA-512 of the file's bytes
	Purpose      string // PurposeAttachment or PurposeReceipt; empty means PurposeAttachment
}

// ReceiptRef describes a built receipt PDF.
type ReceiptRef struct {
	Filename  string
	MediaType string // "application/pdf"; empty means that
	Size      int64
	SHA512    string // hex SHA-512 of the PDF's bytes
}

// Envelope is the payload a back office receives for one submission. Its JSON form is described
// by PayloadSchema; field names are stable within PayloadVersion. Build it with BuildEnvelope and
// serialise it with Marshal (not json.Marshal, which would HTML-escape the data).
type Envelope struct {
	Schema          string               `json:"$schema"`
	EnvelopeVersion string               `json:"envelopeVersion"`
	SubmissionID    string               `json:"submissionId"`
	Reference       string               `json:"reference"`
	SubmittedAt     string               `json:"submittedAt"` // RFC 3339, Europe/Berlin, seconds
	Language        string               `json:"language"`
	Form            EnvelopeForm         `json:"form"`
	Authority       EnvelopeAuthority    `json:"authority"`
	Data            json.RawMessage      `json:"data"` // Submission.Data, byte for byte
	Attachments     []EnvelopeAttachment `json:"attachments"`
	// Codes lists every value of a code-list field (x-codelist) with its list, as FIM and XÖV
	// expect a code together with listURI and listVersionID; absent when the form has none.
	Codes    []EnvelopeCode   `json:"codes,omitempty"`
	Receipt  *EnvelopeReceipt `json:"receipt"` // null until the receipt is built
	Metadata EnvelopeMetadata `json:"metadata"`
}

// EnvelopeForm identifies the form and the schema the data was validated against.
type EnvelopeForm struct {
	ID         string  `json:"id"`
	Version    string  `json:"version"`
	Title      string  `json:"title"`
	LeikaKey   *string `json:"leikaKey"` // null when the form names none
	SchemaURI  string  `json:"schemaUri"`
	SchemaHash Digest  `json:"schemaHash"`
}

// EnvelopeAuthority is the public body the submission is addressed to.
type EnvelopeAuthority struct {
	// ID, ARS, Municipality and PrivacyContact are set in version 2 only (Einer für Alle).
	ID         string `json:"id,omitempty"`
	Name       string `json:"name"`
	Street     string `json:"street,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	City       string `json:"city,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	URL        string `json:"url,omitempty"`

	ARS            string `json:"ars,omitempty"`
	Municipality   string `json:"municipality,omitempty"`
	PrivacyContact string `json:"privacyContact,omitempty"`
}

// EnvelopeAttachment refers to one file of the submission; the file travels separately.
type EnvelopeAttachment struct {
	AttachmentID string `json:"attachmentId"`
	Filename     string `json:"filename"`
	MediaType    string `json:"mediaType"`
	Size         int64  `json:"size"`
	Hash         Digest `json:"hash"`
	Purpose      string `json:"purpose"`
}

// EnvelopeCode is one code of the data with the genericode list it comes from.
type EnvelopeCode struct {
	Path          string `json:"path"` // JSON pointer into data
	Code          string `json:"code"`
	ListURI       string `json:"listURI"`
	ListVersionID string `json:"listVersionID"`
}

// envelopeCodes finds the values of the form's code-list fields in the data.
func envelopeCodes(form *forms.Form, data []byte) []EnvelopeCode {
	var out []EnvelopeCode
	var doc any
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	for _, f := range form.Fields {
		if f.Codelist == nil {
			continue
		}
		var walk func(v any, segs []string, path string)
		walk = func(v any, segs []string, path string) {
			if len(segs) == 0 {
				switch x := v.(type) {
				case string:
					out = append(out, EnvelopeCode{Path: path, Code: x, ListURI: f.Codelist.URI, ListVersionID: f.Codelist.Version})
				case []any: // a multiple choice from a code list
					for i, e := range x {
						walk(e, nil, path+"/"+strconv.Itoa(i))
					}
				}
				return
			}
			switch x := v.(type) {
			case map[string]any:
				if segs[0] != "*" {
					if c, ok := x[unescapePointer(segs[0])]; ok {
						walk(c, segs[1:], path+"/"+segs[0])
					}
				}
			case []any:
				if segs[0] == "*" {
					for i, e := range x {
						walk(e, segs[1:], path+"/"+strconv.Itoa(i))
					}
				}
			}
		}
		walk(doc, strings.Split(strings.TrimPrefix(f.Path, "/"), "/"), "")
	}
	return out
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// EnvelopeReceipt refers to the receipt PDF, which is also listed in Attachments.
type EnvelopeReceipt struct {
	AttachmentID string `json:"attachmentId"`
	Filename     string `json:"filename"`
	MediaType    string `json:"mediaType"`
	Size         int64  `json:"size"`
	Hash         Digest `json:"hash"`
}

// Digest is a hash value in FIT-Connect's form.
type Digest struct {
	Type    string `json:"type"`    // always HashTypeSHA512
	Content string `json:"content"` // 128 lower-case hex digits
}

// EnvelopeMetadata follows the FIT-Connect metadata record (metadata schema 1.x), as far as it
// applies: only contentStructure, with FIT-Connect's field names.
type EnvelopeMetadata struct {
	ContentStructure ContentStructure `json:"contentStructure"`
}

// ContentStructure describes the data and the attachments of a submission.
type ContentStructure struct {
	Data        ContentData          `json:"data"`
	Attachments []MetadataAttachment `json:"attachments"`
}

// ContentData holds the hash of the data and a reference to its schema.
type ContentData struct {
	Hash             Digest           `json:"hash"`
	SubmissionSchema SubmissionSchema `json:"submissionSchema"`
}

// SubmissionSchema refers to the schema of the data (FIT-Connect: Fachdatenschema).
type SubmissionSchema struct {
	SchemaURI string `json:"schemaUri"`
	MimeType  string `json:"mimeType"`
}

// MetadataAttachment is one file in FIT-Connect's form; the list mirrors Envelope.Attachments.
type MetadataAttachment struct {
	AttachmentID string `json:"attachmentId"`
	Hash         Digest `json:"hash"`
	Purpose      string `json:"purpose"` // "form" for the receipt, "attachment" otherwise
	MimeType     string `json:"mimeType"`
	Filename     string `json:"filename,omitempty"`
	Description  string `json:"description,omitempty"`
}

var (
	envelopeZone = mustLoadEnvelopeZone()

	envelopeHashRE            = regexp.MustCompile(`^[0-9a-f]{128}$`)
	envelopeReferenceRE       = regexp.MustCompile(`^[A-Z0-9]+(-[A-Z0-9]+)*$`)
	envelopeLanguageRE        = regexp.MustCompile(`^[a-z]{2}$`)
	envelopeMediaTypeRE       = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$`)
	errEnvelopeDataNotCompact = errors.New("the data is not compact JSON, so the bytes in the envelope would not be the hashed bytes")
	errEnvelopeDataNotObject  = errors.New("the data is not a JSON object")
)

func mustLoadEnvelopeZone() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded, so this cannot happen
	}
	return loc
}

// BuildEnvelope builds the envelope of submission s of form. baseURL is the operator's public
// base (e.g. "https://formulare.example.de"); the schema URIs in the envelope are absolute URLs
// below it. receipt is nil while the receipt PDF is not built yet. attachments are the files of
// the submission in the order they are listed; the receipt may be among them (purpose
// PurposeReceipt) or be given only as receipt, in which case it is listed last.
//
// BuildEnvelope refuses to build an envelope that would mislead a back office: data whose hash
// differs from s.DataHash, a form whose schema differs from the one s was validated against, or
// data that is not compact JSON (its bytes are embedded unchanged, and the hash is over them).
func BuildEnvelope(form *forms.Form, s *Submission, baseURL string, receipt *ReceiptRef, attachments []Attachment) (*Envelope, error) {
	const op = "engine.BuildEnvelope"
	if form == nil || s == nil {
		return nil, E(KindInternal, op, errors.New("form and submission are required"))
	}
	m := form.Manifest
	base, err := envelopeBaseURL(baseURL)
	if err != nil {
		return nil, E(KindInternal, op, err)
	}
	if s.FormID != m.ID || s.FormVersion != m.Version {
		return nil, E(KindConflict, op, fmt.Errorf("submission %s is for form %s %s, not %s %s", s.ID, s.FormID, s.FormVersion, m.ID, m.Version))
	}
	if s.SchemaHash != "" && s.SchemaHash != form.SchemaHash {
		return nil, E(KindConflict, op, fmt.Errorf("schema.json of form %s %s changed after submission %s was validated against it", m.ID, m.Version, s.ID))
	}
	if err := checkCanonicalUUID(s.ID); err != nil {
		return nil, E(KindInvalid, op, fmt.Errorf("submission id: %w", err))
	}
	if !envelopeReferenceRE.MatchString(s.Reference) {
		return nil, E(KindInvalid, op, fmt.Errorf("submission %s: malformed reference %q", s.ID, s.Reference))
	}
	if !envelopeLanguageRE.MatchString(s.Lang) {
		return nil, E(KindInvalid, op, fmt.Errorf("submission %s: malformed language %q", s.ID, s.Lang))
	}
	if s.SubmittedAt.IsZero() {
		return nil, E(KindInvalid, op, fmt.Errorf("submission %s has no submission time", s.ID))
	}
	if err := checkEnvelopeData(s.Data); err != nil {
		return nil, E(KindInternal, op, fmt.Errorf("submission %s: %w", s.ID, err))
	}
	dataHash := SHA512Hex(s.Data)
	if s.DataHash != "" && s.DataHash != dataHash {
		return nil, E(KindInternal, op, fmt.Errorf("submission %s: the data does not match its stored hash", s.ID))
	}

	schemaURI := base + FormSchemaPath(m)
	env := &Envelope{
		Schema:          base + PayloadSchemaURI,
		EnvelopeVersion: PayloadVersion,
		SubmissionID:    s.ID,
		Reference:       s.Reference,
		SubmittedAt:     s.SubmittedAt.In(envelopeZone).Format(time.RFC3339),
		Language:        s.Lang,
		Form: EnvelopeForm{
			ID:         m.ID,
			Version:    m.Version,
			Title:      m.Title,
			SchemaURI:  schemaURI,
			SchemaHash: sha512Digest(form.SchemaHash),
		},
		Authority: EnvelopeAuthority{
			Name:       m.Authority.Name,
			Street:     m.Authority.Street,
			PostalCode: m.Authority.PostalCode,
			City:       m.Authority.City,
			Email:      m.Authority.Email,
			Phone:      m.Authority.Phone,
			URL:        m.Authority.URL,
		},
		Data:        s.Data,
		Attachments: []EnvelopeAttachment{},
		Metadata: EnvelopeMetadata{ContentStructure: ContentStructure{
			Data: ContentData{
				Hash:             sha512Digest(dataHash),
				SubmissionSchema: SubmissionSchema{SchemaURI: schemaURI, MimeType: "application/json"},
			},
			Attachments: []MetadataAttachment{},
		}},
	}
	env.Codes = envelopeCodes(form, s.Data)
	if m.LeiKa != "" {
		leika := m.LeiKa
		env.Form.LeikaKey = &leika
	}
	if r := s.Authority; r != nil {
		env.Schema, env.EnvelopeVersion = base+PayloadSchemaURIEfA, PayloadVersionEfA
		a := r.Authority
		env.Authority = EnvelopeAuthority{
			ID: r.ID, Name: a.Name, Street: a.Street, PostalCode: a.PostalCode, City: a.City,
			Email: a.Email, Phone: a.Phone, URL: a.URL,
			ARS: r.ARS, Municipality: r.Municipality, PrivacyContact: r.PrivacyContact,
		}
	}

	files, receiptFile, err := envelopeFiles(s.ID, receipt, attachments)
	if err != nil {
		return nil, E(KindInvalid, op, fmt.Errorf("submission %s: %w", s.ID, err))
	}
	for _, a := range files {
		env.Attachments = append(env.Attachments, a)
		ma := MetadataAttachment{
			AttachmentID: a.AttachmentID,
			Hash:         a.Hash,
			Purpose:      fitPurposeAttachment,
			MimeType:     a.MediaType,
			Filename:     a.Filename,
		}
		if a.Purpose == PurposeReceipt {
			ma.Purpose = fitPurposeForm
			ma.Description = "Eingangsbestätigung"
		}
		env.Metadata.ContentStructure.Attachments = append(env.Metadata.ContentStructure.Attachments, ma)
	}
	if receiptFile != nil {
		env.Receipt = &EnvelopeReceipt{
			AttachmentID: receiptFile.AttachmentID,
			Filename:     receiptFile.Filename,
			MediaType:    receiptFile.MediaType,
			Size:         receiptFile.Size,
			Hash:         receiptFile.Hash,
		}
	}
	return env, nil
}

// envelopeFiles checks the attachments and the receipt and returns the envelope's list of files,
// with the receipt appended when it is not among the attachments, and the receipt's entry.
func envelopeFiles(submissionID string, receipt *ReceiptRef, attachments []Attachment) ([]EnvelopeAttachment, *EnvelopeAttachment, error) {
	files := make([]EnvelopeAttachment, 0, len(attachments)+1)
	seen := map[string]bool{}
	receiptAt := -1
	for i, a := range attachments {
		purpose := a.Purpose
		if purpose == "" {
			purpose = PurposeAttachment
		}
		f := EnvelopeAttachment{
			AttachmentID: a.AttachmentID,
			Filename:     a.Filename,
			MediaType:    a.MediaType,
			Size:         a.Size,
			Hash:         sha512Digest(a.SHA512),
			Purpose:      purpose,
		}
		if err := checkEnvelopeFile(f); err != nil {
			return nil, nil, fmt.Errorf("attachment %d: %w", i, err)
		}
		if seen[f.AttachmentID] {
			return nil, nil, fmt.Errorf("attachment %d: id %s is listed twice", i, f.AttachmentID)
		}
		seen[f.AttachmentID] = true
		switch purpose {
		case PurposeAttachment:
		case PurposeReceipt:
			if receiptAt >= 0 {
				return nil, nil, fmt.Errorf("attachment %d: a second receipt", i)
			}
			if f.MediaType != receiptMediaType {
				return nil, nil, fmt.Errorf("attachment %d: the receipt is %s, not %s", i, f.MediaType, receiptMediaType)
			}
			receiptAt = len(files)
		default:
			return nil, nil, fmt.Errorf("attachment %d: unknown purpose %q", i, purpose)
		}
		files = append(files, f)
	}

	switch {
	case receipt != nil && receiptAt >= 0:
		// The receipt is listed among the attachments as well: both must name the same file.
		if files[receiptAt].Hash.Content != receipt.SHA512 || files[receiptAt].Size != receipt.Size {
			return nil, nil, errors.New("the receipt differs from the receipt among the attachments")
		}
	case receipt != nil:
		id, err := ReceiptAttachmentID(submissionID)
		if err != nil {
			return nil, nil, err
		}
		mediaType := receipt.MediaType
		if mediaType == "" {
			mediaType = receiptMediaType
		}
		if mediaType != receiptMediaType {
			return nil, nil, fmt.Errorf("the receipt is %s, not %s", mediaType, receiptMediaType)
		}
		f := EnvelopeAttachment{
			AttachmentID: id,
			Filename:     receipt.Filename,
			MediaType:    mediaType,
			Size:         receipt.Size,
			Hash:         sha512Digest(receipt.SHA512),
			Purpose:      PurposeReceipt,
		}
		if err := checkEnvelopeFile(f); err != nil {
			return nil, nil, fmt.Errorf("receipt: %w", err)
		}
		if seen[id] {
			return nil, nil, fmt.Errorf("receipt: id %s is taken by an attachment", id)
		}
		receiptAt = len(files)
		files = append(files, f)
	}
	if receiptAt < 0 {
		return files, nil, nil
	}
	return files, &files[receiptAt], nil
}

func checkEnvelopeFile(f EnvelopeAttachment) error {
	if err := checkCanonicalUUID(f.AttachmentID); err != nil {
		return err
	}
	switch {
	case f.Filename == "":
		return errors.New("no file name")
	case !envelopeMediaTypeRE.MatchString(f.MediaType):
		return fmt.Errorf("malformed media type %q", f.MediaType)
	case f.Size < 0:
		return fmt.Errorf("negative size %d", f.Size)
	case !envelopeHashRE.MatchString(f.Hash.Content):
		return fmt.Errorf("malformed SHA-512 %q", f.Hash.Content)
	}
	return nil
}

// checkCanonicalUUID accepts a UUID in its canonical lower-case form only, the form the schema requires.
func checkCanonicalUUID(s string) error {
	u, err := uuid.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a UUID: %w", s, err)
	}
	if u.String() != s {
		return fmt.Errorf("%q is not a UUID in canonical lower-case form", s)
	}
	return nil
}

// checkEnvelopeData makes sure data is a JSON object that Marshal embeds byte for byte: the encoder
// compacts embedded JSON, so only compact data survives unchanged.
func checkEnvelopeData(data json.RawMessage) error {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return fmt.Errorf("the data is not JSON: %w", err)
	}
	if !bytes.Equal(b.Bytes(), data) {
		return errEnvelopeDataNotCompact
	}
	if len(data) == 0 || data[0] != '{' {
		return errEnvelopeDataNotObject
	}
	return nil
}

func envelopeBaseURL(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("base URL %q is not an absolute http(s) URL without query", baseURL)
	}
	return strings.TrimRight(baseURL, "/"), nil
}

func sha512Digest(hexSum string) Digest { return Digest{Type: HashTypeSHA512, Content: hexSum} }

// Marshal returns the canonical JSON bytes of the envelope: compact, fields in a fixed order,
// no HTML escaping, and the data embedded byte for byte, so that the same submission always
// yields the same bytes and metadata.contentStructure.data.hash verifies against the data.
func (e *Envelope) Marshal() ([]byte, error) {
	const op = "engine.Envelope.Marshal"
	if err := checkEnvelopeData(e.Data); err != nil {
		return nil, E(KindInternal, op, err)
	}
	out := *e
	if out.Attachments == nil {
		out.Attachments = []EnvelopeAttachment{}
	}
	if out.Metadata.ContentStructure.Attachments == nil {
		out.Metadata.ContentStructure.Attachments = []MetadataAttachment{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return nil, E(KindInternal, op, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
