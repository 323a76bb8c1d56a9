package renderer

import (
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// AttachmentFile is an uploaded file as the pages show it: on the step with its field, on the
// review page, with its sanitised name and size.
type AttachmentFile struct {
	Filename  string
	MediaType string
	Size      int64
}

// fileItemView is one uploaded file of an attachment field.
type fileItemView struct {
	Name, Size   string
	RemoveAction string // the value of the remove button: "remove-file:<path>/<id>"
	RemoveLabel  string
}

// RemoveFileAction is the value of the button that removes the file id from the attachment
// field at the concrete data path: "remove-file:/nachweis/<id>".
func RemoveFileAction(path, id string) string { return "remove-file:" + path + "/" + id }

// fileItems lists the files of an attachment field's value, in its order.
func fileItems(files map[string]AttachmentFile, path string, value any, lang string) []fileItemView {
	var out []fileItemView
	for _, id := range forms.AttachmentIDs(value) {
		item := fileItemView{RemoveAction: RemoveFileAction(path, id), RemoveLabel: UIText(lang, "file.remove")}
		if f, ok := files[id]; ok {
			item.Name, item.Size = f.Filename, FormatSize(f.Size, lang)
		} else {
			item.Name = UIText(lang, "file.unknown")
		}
		out = append(out, item)
	}
	return out
}

// fileField fills the view of an attachment field: the file input (type, accept, multiple),
// the files uploaded so far with their remove buttons, and a hint with the accepted types,
// the size and the number of files.
func (b *stepBuilder) fileField(v *fieldView, fd *forms.Field, path string, value any) {
	spec := fd.Attachment
	v.IsFile = true
	v.InputType = "file"
	v.Files = fileItems(b.files, path, value, b.lang)
	limit := spec.MaxSize
	if b.maxFileSize > 0 && b.maxFileSize < limit {
		limit = b.maxFileSize
	}
	rules := []string{
		UIText(b.lang, "file.types", typeList(spec, b.lang)),
		UIText(b.lang, "file.size", FormatSize(limit, b.lang)),
	}
	full := spec.MaxFiles > 1 && len(v.Files) >= spec.MaxFiles
	switch {
	case full:
		rules = append(rules, UIText(b.lang, "file.full"))
		v.Disabled = true
	case spec.MaxFiles == 1:
		if len(v.Files) > 0 {
			rules = append(rules, UIText(b.lang, "file.one"))
		}
	default:
		rules = append(rules, UIText(b.lang, "file.many", spec.MaxFiles))
		v.Multiple = spec.MaxFiles-len(v.Files) > 1
	}
	v.FileRules = strings.Join(rules, " ")
	v.FileRulesID = v.Base + "-regeln"
	v.DescribedBy = strings.TrimSpace(v.HintID + " " + v.FileRulesID + " " + v.ErrorID)
	v.Accept = spec.Accept()
	v.UploadLabel = UIText(b.lang, "file.upload")
	v.ListLabel = UIText(b.lang, "file.list")
	b.multipart = true
}

// typeList names the accepted types: "PDF, JPEG oder PNG".
func typeList(spec *forms.AttachmentSpec, lang string) string {
	names := strings.Split(spec.TypeNames(), ", ")
	if len(names) < 2 {
		return spec.TypeNames()
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + UIText(lang, "file.or") + " " + names[len(names)-1]
}

// fileInputAttrs writes the attributes of a file input.
func (v *fieldView) fileInputAttrs(a *htmlWriter) {
	a.attr("class", "eingabe eingabe-datei")
	a.attr("type", "file")
	a.attr("id", v.ID)
	a.attr("name", v.Name)
	a.attr("accept", v.Accept)
	a.flag("multiple", v.Multiple)
	if v.DescribedBy != "" {
		a.attr("aria-describedby", v.DescribedBy)
	}
	if v.Error != "" {
		a.attr("aria-invalid", "true")
	}
	a.flag("disabled", v.Disabled)
}

// FormatSize writes a file size as citizens read it, in decimal units: "10 MB", "1,2 MB",
// "850 kB" ("1.2 MB" in English).
func FormatSize(n int64, lang string) string {
	s := formatSize(n, lang)
	for _, zero := range []string{",0 ", ".0 "} {
		s = strings.Replace(s, zero, " ", 1)
	}
	return s
}
