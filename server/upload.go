package server

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// Uploads. A step page with an attachment field posts multipart/form-data. The body is read
// as a stream with mime/multipart.Reader, part by part, never with ParseMultipartForm (which
// buffers whole files in memory or on disk before anyone has looked at them):
//
//   - readUpload (middleware) reads the text fields up to the first file, within the request
//     limit (Config.UploadLimit) and the ordinary read timeout (Config.ReadTimeout); the page
//     sends the CSRF token first, so checkCSRF can refuse a forged request before a single
//     byte of a file is read; only then does uploadDeadline allow Config.UploadTimeout;
//   - the handler passes each file part to engine.Service.AddAttachment, which counts, hashes,
//     sniffs and scans it while spooling it to a temporary file and stops at the field's limit,
//     and collects the text fields after the files (the buttons come last).
//
// Memory stays bounded by the multipart reader's buffer and the copy buffers, whatever the
// size of the body.

// Defaults of the upload limits.
const (
	DefaultUploadLimit   = 25_000_000       // bytes of one multipart request
	DefaultUploadTimeout = 10 * time.Minute // to receive one multipart request
	maxFilesPerRequest   = 20
	maxPartHeaderValue   = 1000 // bytes of a file name
)

const ctxUpload = "ozgform.upload"

// uploadStream is the rest of a multipart body after the text fields readUpload has read.
type uploadStream struct {
	mr   *multipart.Reader
	body io.Reader // the limited body, for draining
	next *multipart.Part
	form *postForm
}

func uploadOf(c echo.Context) *uploadStream {
	u, _ := c.Get(ctxUpload).(*uploadStream)
	return u
}

// readUpload is readForm for the routes that accept files: a multipart body is read as a
// stream (see above), anything else goes to readForm.
func (s *Server) readUpload(next echo.HandlerFunc) echo.HandlerFunc {
	form := s.readForm(next)
	return func(c echo.Context) error {
		req := c.Request()
		mt, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
		if err != nil || mt != "multipart/form-data" {
			return form(c)
		}
		if params["boundary"] == "" {
			return badInput("error.input.malformed")
		}
		if req.ContentLength > s.cfg.UploadLimit {
			return s.uploadTooLarge(c, nil)
		}
		body := http.MaxBytesReader(c.Response().Writer, req.Body, s.cfg.UploadLimit)
		up := &uploadStream{mr: multipart.NewReader(body, params["boundary"]), body: body,
			form: &postForm{values: map[string][]string{}}}
		file, err := up.readFields()
		if err != nil {
			return s.uploadReadError(c, up, err)
		}
		if file == nil && len(up.form.keys) == 0 {
			return badInput("error.input.malformed") // our pages always send the CSRF token
		}
		up.next = file
		c.Set(ctxForm, up.form)
		c.Set(ctxUpload, up)
		return next(c)
	}
}

// uploadDeadline gives a multipart post whose CSRF token checkCSRF has accepted the time a
// file on a slow line needs (Config.UploadTimeout). Until then the request is bound by the
// read timeout of every other request, so that a client without a valid token cannot hold a
// connection open for the upload timeout by sending a byte now and then.
func (s *Server) uploadDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if uploadOf(c) != nil {
			rc := http.NewResponseController(c.Response().Writer)
			_ = rc.SetReadDeadline(time.Now().Add(s.cfg.UploadTimeout))
			_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.UploadTimeout + time.Minute))
		}
		return next(c)
	}
}

// readFields reads text fields into u.form until the first file part, which it returns (nil
// at the end of the body).
func (u *uploadStream) readFields() (*multipart.Part, error) {
	for {
		part, err := u.mr.NextPart()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if _, isFile := fileName(part); isFile {
			return part, nil
		}
		if err := u.addField(part); err != nil {
			return nil, err
		}
	}
}

// fileName returns the filename parameter of a part and whether there is one: a file input
// sends filename="" when no file was chosen. Part.FileName cannot tell the two apart.
func fileName(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	return name, ok
}

// addField reads a text part with the limits of parseForm.
func (u *uploadStream) addField(p *multipart.Part) error {
	key := p.FormName()
	raw, err := io.ReadAll(io.LimitReader(p, maxValueRunes*4+1))
	if err != nil {
		return err
	}
	switch {
	case !utf8.ValidString(key) || !utf8.Valid(raw):
		return badInput("error.input.encoding")
	case len(raw) > maxValueRunes*4 || utf8.RuneCount(raw) > maxValueRunes:
		return badInput("error.input.tooLong", maxValueRunes)
	case len(u.form.keys) >= maxFields:
		return badInput("error.input.tooMany", maxFields)
	}
	if _, seen := u.form.values[key]; !seen {
		u.form.keys = append(u.form.keys, key)
	}
	u.form.values[key] = append(u.form.values[key], string(raw))
	return nil
}

// eachFile calls fn with every file part that is left, in order, and reads the text fields
// between and after them into the posted form. fn must read the part or leave it: the next
// part skips what is left of it.
func (u *uploadStream) eachFile(fn func(name, filename string, content io.Reader) error) error {
	count := 0
	for u.next != nil {
		part := u.next
		u.next = nil
		if count++; count > maxFilesPerRequest {
			return badInput("error.input.tooMany", maxFilesPerRequest)
		}
		filename, _ := fileName(part)
		if len(filename) > maxPartHeaderValue {
			filename = filename[len(filename)-maxPartHeaderValue:]
		}
		if err := fn(part.FormName(), filename, part); err != nil {
			return err
		}
		file, err := u.readFields()
		if err != nil {
			return err
		}
		u.next = file
	}
	return nil
}

// drain reads what is left of the body (at most the request limit), so that the browser,
// which may still be sending, receives the error page instead of a reset connection.
func (u *uploadStream) drain() {
	if u != nil {
		_, _ = io.Copy(io.Discard, u.body)
	}
}

// uploadReadError turns an error reading a multipart body into a page: 413 at the request
// limit, 400 for a body that is not well-formed.
func (s *Server) uploadReadError(c echo.Context, u *uploadStream, err error) error {
	var mbe *http.MaxBytesError
	var pe *pageError
	switch {
	case errors.As(err, &mbe):
		return s.uploadTooLarge(c, nil)
	case errors.As(err, &pe):
		u.drain()
		return pe
	}
	return badInput("error.input.malformed")
}

// uploadTooLarge is the 413 page: for one file over its limit (tle), or for the request.
func (s *Server) uploadTooLarge(c echo.Context, tle *engine.TooLargeError) error {
	pe := &pageError{status: http.StatusRequestEntityTooLarge, title: "error.413.file.title"}
	if tle != nil {
		pe.text, pe.args = "error.413.file.text", []any{formatBytes(tle.Limit, langOf(c))}
	} else {
		pe.text, pe.args = "error.413.upload.text", []any{formatBytes(s.cfg.UploadLimit, langOf(c))}
	}
	if strings.HasPrefix(c.Request().URL.Path, "/formulare/") {
		pe.link, pe.linkID = c.Request().URL.Path, "error.backToStep"
	}
	return pe
}

// formatBytes writes a size as citizens read it: "10 MB", "1,2 MB".
func formatBytes(n int64, lang string) string { return renderer.FormatSize(n, lang) }

// ---------------------------------------------------------------- files of a step

// stepUploads is what the files of one step post did: files stored, files refused at their
// field, and which of the draft's files go because they were removed or replaced.
type stepUploads struct {
	stored  []*uploadedFile
	refused []engine.FieldError
	drop    []string // ids of files to delete once the step is saved
	saved   bool     // the step was saved; stored files referenced by the data stay
	kept    int      // new files the saved data holds
}

type uploadedFile struct {
	path string
	a    *engine.StoredAttachment
}

// receiveFiles stores the files of a multipart step post (none for any other post) and reads
// the text fields between and after them. A file over its limit ends the request with the 413
// page, a failed virus scanner with the 503 page; the files stored before are deleted again.
func (s *Server) receiveFiles(c echo.Context, f *forms.Form, page int, d *engine.Draft, data map[string]any) (*stepUploads, error) {
	res := &stepUploads{}
	u := uploadOf(c)
	if u == nil {
		return res, nil
	}
	ctx := c.Request().Context()
	vis := f.Evaluate(data)
	inputs := map[string]*forms.Field{}
	for _, in := range engine.PageInputs(f, page, data) {
		if in.Field.Widget == forms.WidgetFile && vis.FieldEnabled(in.Path) {
			inputs[in.Path] = in.Field
		}
	}
	err := u.eachFile(func(name, filename string, content io.Reader) error {
		if inputs[name] == nil {
			return badInput("error.input.unknown")
		}
		a, refusal, err := s.svc.AddAttachment(ctx, f, d, name, filename, content)
		switch {
		case err != nil:
			return err
		case refusal != nil:
			if refusal.Verdict.Infected {
				// The threat's name is no personal data; the file's name and content are.
				s.log.Warn("upload refused: the virus scanner found malware", "form", f.Manifest.ID,
					"threat", refusal.Verdict.Threat, "request_id", requestID(c))
			}
			if filename == "" && refusal.Error.MessageID == engine.MsgAttachmentEmpty {
				return nil // an input without a chosen file
			}
			res.refused = append(res.refused, refusal.Error)
		default:
			res.stored = append(res.stored, &uploadedFile{path: name, a: a})
		}
		return nil
	})
	if err != nil {
		res.discard(c, s)
		var tle *engine.TooLargeError
		switch {
		case errors.As(err, &tle):
			u.drain()
			return nil, s.uploadTooLarge(c, tle)
		case errors.Is(err, engine.ErrScannerFailed):
			s.log.Error("upload not stored", "form", f.Manifest.ID, "request_id", requestID(c), "error", err.Error())
			return nil, &pageError{status: http.StatusServiceUnavailable, title: "error.503.title", text: "error.503.scan.text",
				link: c.Request().URL.Path, linkID: "error.backToStep"}
		}
		var ee *engine.Error
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, s.uploadReadError(c, u, err)
	}
	return res, nil
}

// apply sets the value of every attachment field of the page in values: the files it had,
// without a removed one (action remove-file), with the new ones. A field for one file keeps
// only the newest; a field that is full refuses more.
func (r *stepUploads) apply(f *forms.Form, page int, data map[string]any, values map[string]any, action stepAction) {
	vis := f.Evaluate(data)
	for _, in := range engine.PageInputs(f, page, data) {
		fd := in.Field
		if fd.Widget != forms.WidgetFile || !vis.FieldEnabled(in.Path) {
			continue
		}
		cur, _ := forms.Lookup(data, in.Path, nil)
		var ids []any
		for _, id := range forms.AttachmentIDs(cur) {
			if action.kind == "remove-file" && action.path == in.Path && action.id == id {
				r.drop = append(r.drop, id)
				continue
			}
			ids = append(ids, id)
		}
		for _, up := range r.stored {
			if up.path != in.Path {
				continue
			}
			switch {
			case fd.Attachment.MaxFiles == 1:
				for _, old := range ids {
					r.drop = append(r.drop, old.(string))
				}
				ids = []any{up.a.ID}
			case len(ids) < fd.Attachment.MaxFiles:
				ids = append(ids, up.a.ID)
			default:
				r.drop = append(r.drop, up.a.ID)
				r.refused = append(r.refused, engine.FieldError{Path: in.Path, MessageID: engine.MsgAttachmentFull,
					Params: map[string]any{"limit": fd.Attachment.MaxFiles}, Keyword: "x-attachment"})
			}
		}
		values[in.Path] = ids
	}
}

// finish deletes the files that were removed or replaced, and the new files that the saved
// data does not reference (their field was hidden by the same post).
func (r *stepUploads) finish(c echo.Context, s *Server, d *engine.Draft) {
	r.saved = true
	data, _ := engine.DecodeData(d.Data)
	kept := map[string]bool{}
	for _, up := range r.stored {
		v, _ := forms.Lookup(data, up.path, nil)
		for _, id := range forms.AttachmentIDs(v) {
			kept[id] = true
		}
		if kept[up.a.ID] {
			r.kept++
		} else {
			r.drop = append(r.drop, up.a.ID)
		}
	}
	for _, id := range r.drop {
		if err := s.svc.DeleteAttachment(c.Request().Context(), d, id); err != nil {
			// The file stays with the draft until it is submitted or expires.
			s.log.Warn("could not delete a file of a draft", "request_id", requestID(c), "error", err.Error())
		}
	}
}

// discard deletes the files stored by a post that ends in an error before the step is saved.
func (r *stepUploads) discard(c echo.Context, s *Server) {
	if r == nil || r.saved {
		return
	}
	r.saved = true
	for _, up := range r.stored {
		_ = s.svc.DeleteAttachment(c.Request().Context(), &engine.Draft{ID: up.a.DraftID}, up.a.ID)
	}
}

// query adds the refusals to the query of the redirect to the step: "anlage=<reason>:<path>",
// which stepShow turns back into messages at the fields.
func (r *stepUploads) query(q map[string][]string) {
	for _, fe := range r.refused {
		reason := strings.TrimPrefix(fe.MessageID, "attachment.")
		q["anlage"] = append(q["anlage"], reason+":"+fe.Path)
	}
}

// parseRemoveFile reads the action "remove-file:<path>/<id>" of a step page: the id must be
// an attachment id, the path an attachment field of the page.
func parseRemoveFile(f *forms.Form, page int, arg string) (stepAction, error) {
	i := strings.LastIndexByte(arg, '/')
	if i <= 0 || len(arg) > 500 || !forms.ValidAttachmentID(arg[i+1:]) {
		return stepAction{}, badInput("error.input.action")
	}
	path := arg[:i]
	fd := f.Field(path)
	if fd == nil || fd.Widget != forms.WidgetFile || (page >= 0 && engine.PageOf(f, path) != page) {
		return stepAction{}, badInput("error.input.action")
	}
	return stepAction{kind: "remove-file", path: path, id: arg[i+1:]}, nil
}

// stay tells whether the post goes back to the same step, and with which query and fragment:
// after "Hochladen" and removing a file, and when a file was refused (except for
// "Zwischenspeichern"), so that the citizen sees why.
func (r *stepUploads) stay(f *forms.Form, action stepAction) (url.Values, string, bool) {
	q := url.Values{}
	r.query(q)
	switch {
	case len(r.refused) > 0 && action.kind != "speichern":
		return q, "fehler", true
	case action.kind == "remove-file":
		q.Set("hinweis", "datei-entfernt")
		return q, renderer.FieldID(f, action.path), true
	case action.kind == "upload":
		if r.kept > 0 {
			q.Set("hinweis", "hochgeladen")
			if r.kept > 1 {
				q.Set("hinweis", "mehrere-hochgeladen")
			}
			return q, renderer.FieldID(f, r.stored[0].path), true
		}
		return q, "", true
	}
	return nil, "", false
}

// refusalReasons are the refusals stepShow shows from the query (anlage=<reason>:<path>).
var refusalReasons = map[string]bool{"empty": true, "mediaType": true, "infected": true, "full": true}

// stepFiles adds to a step page what its attachment fields need: the draft's files, the
// operator's file limit, the refusals of the last post and the notes after uploading or
// removing a file.
func (s *Server) stepFiles(c echo.Context, f *forms.Form, page int, d *engine.Draft, p *renderer.StepPage) error {
	if !pageHasFiles(f, page) {
		return nil
	}
	// The names and sizes of the files are needed only for files the page's fields name: a
	// page whose attachment fields are still empty (every first visit) needs no query.
	if pageNamesFiles(f, page, p.Data) {
		files, err := s.draftFiles(c, d)
		if err != nil {
			return err
		}
		p.Files = files
	}
	p.MaxFileSize = s.svc.FileLimit(nil)
	var refused []engine.FieldError
	for _, v := range c.QueryParams()["anlage"] {
		reason, path, _ := strings.Cut(v, ":")
		fd := f.Field(path)
		if !refusalReasons[reason] || fd == nil || fd.Widget != forms.WidgetFile || engine.PageOf(f, path) != page {
			continue
		}
		fe := engine.FieldError{Path: path, MessageID: "attachment." + reason, Keyword: "x-attachment"}
		switch reason {
		case "mediaType":
			fe.Params = map[string]any{"mediaType": fd.Attachment.TypeNames()}
		case "full":
			fe.Params = map[string]any{"limit": fd.Attachment.MaxFiles}
		}
		refused = append(refused, fe)
	}
	if len(refused) > 0 {
		p.Errors = append(s.messages(f, refused, p.Lang), p.Errors...)
	}
	if p.Notice == "" {
		switch c.QueryParam("hinweis") {
		case "hochgeladen":
			p.Notice = "step.fileUploaded"
		case "mehrere-hochgeladen":
			p.Notice = "step.filesUploaded"
		case "datei-entfernt":
			p.Notice = "step.fileRemoved"
		}
	}
	return nil
}

// draftFiles returns the files of a draft as the pages show them.
func (s *Server) draftFiles(c echo.Context, d *engine.Draft) (map[string]renderer.AttachmentFile, error) {
	stored, err := s.svc.DraftAttachments(c.Request().Context(), d)
	if err != nil {
		return nil, err
	}
	files := make(map[string]renderer.AttachmentFile, len(stored))
	for id, a := range stored {
		files[id] = renderer.AttachmentFile{Filename: a.Filename, MediaType: a.MediaType, Size: a.Size}
	}
	return files, nil
}

// pageNamesFiles reports whether an attachment field of page holds a file id in data.
func pageNamesFiles(f *forms.Form, page int, data any) bool {
	for _, in := range engine.PageInputs(f, page, data) {
		if in.Field.Widget != forms.WidgetFile {
			continue
		}
		if v, _ := forms.Lookup(data, in.Path, nil); len(forms.AttachmentIDs(v)) > 0 {
			return true
		}
	}
	return false
}

// pageHasFiles reports whether page shows an attachment field.
func pageHasFiles(f *forms.Form, page int) bool {
	if page < 0 || page >= len(f.Pages) {
		return false
	}
	var walk func(nodes []*forms.Node) bool
	walk = func(nodes []*forms.Node) bool {
		for _, n := range nodes {
			if n.Field != nil && (n.Field.Widget == forms.WidgetFile || walk(n.Field.Children)) || walk(n.Children) {
				return true
			}
		}
		return false
	}
	return walk(f.Pages[page].Nodes)
}

// receiptAttachments turns a submission's files (engine.AttachmentsOf) into the list the
// receipt PDF shows (renderer.ReceiptInput.Attachments).
func receiptAttachments(atts []engine.Attachment) []renderer.ReceiptAttachment {
	out := make([]renderer.ReceiptAttachment, 0, len(atts))
	for _, a := range atts {
		out = append(out, renderer.ReceiptAttachment{Filename: a.Filename, MediaType: a.MediaType, Size: a.Size, SHA512: a.SHA512})
	}
	return out
}
