package forms

import (
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Manifest is form.json: what the form is, who runs it and how long its data is kept.
type Manifest struct {
	ID              string    `json:"id"`
	Version         string    `json:"version"`
	Title           string    `json:"title"`
	Summary         string    `json:"summary,omitempty"`
	Authority       Authority `json:"authority"`
	LeiKa           string    `json:"leika,omitempty"`
	Languages       []string  `json:"languages,omitempty"`
	RetentionDays   int       `json:"retentionDays,omitempty"`
	ReferencePrefix string    `json:"referencePrefix,omitempty"`
	PrivacyNotice   string    `json:"privacyNotice,omitempty"`
	Requirements    []string  `json:"requirements,omitempty"`
	NextSteps       string    `json:"nextSteps,omitempty"`
	// Category is the Lebenslage or subject the service finder groups the form under
	// (e.g. "Steuern und Abgaben"); forms without one are listed under "Weitere Anträge".
	Category string `json:"category,omitempty"`
	// Authorities, when set, says that many authorities use the form (Einer für Alle) and
	// which answer names the citizen's municipality; the operator's configuration says which
	// authority serves which municipality. Authority then describes the authorities in
	// general until the responsible one is known.
	Authorities *AuthoritiesSpec `json:"authorities,omitempty"`
}

// AuthoritiesSpec names the answer that decides the responsible authority: either a field
// whose value is the municipality's Amtlicher Regionalschlüssel (a Gemeinde chosen from a
// list), or the postal code and, optionally, the Ort of an address, which the operator's
// table turns into a municipality. Paths are JSON pointers to fields, without list items.
type AuthoritiesSpec struct {
	ARS string `json:"ars,omitempty"` // e.g. "/gemeinde"
	PLZ string `json:"plz,omitempty"` // e.g. "/halter/anschrift/plz"
	Ort string `json:"ort,omitempty"` // e.g. "/halter/anschrift/ort"; decides between the municipalities of a PLZ
}

// DecidingField returns the path of the field whose answer decides the authority.
func (s *AuthoritiesSpec) DecidingField() string {
	if s.ARS != "" {
		return s.ARS
	}
	return s.PLZ
}

// Authority is the public body that receives the submissions (the Fachamt).
type Authority struct {
	Name       string `json:"name"`
	Street     string `json:"street,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	City       string `json:"city,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	URL        string `json:"url,omitempty"`
}

// DefaultRetentionDays applies when form.json names no retention period.
const DefaultRetentionDays = 30

var (
	formIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	semverPattern  = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$`)
	leikaPattern   = regexp.MustCompile(`^99\d{12}$`)
	prefixPattern  = regexp.MustCompile(`^[A-Z]{2,4}$`)
	languagePatten = regexp.MustCompile(`^[a-z]{2}$`)
)

var manifestKeys = map[string]bool{
	"id": true, "version": true, "title": true, "summary": true, "authority": true, "leika": true,
	"languages": true, "retentionDays": true, "referencePrefix": true, "privacyNotice": true,
	"requirements": true, "nextSteps": true, "authorities": true, "category": true, "$schema": true, "$comment": true,
}

// parseManifest reads form.json's decoded value and reports every missing or malformed field.
func parseManifest(doc any, folder string, sink *problemSink) Manifest {
	const file = "form.json"
	var m Manifest
	obj, ok := doc.(map[string]any)
	if !ok {
		sink.errorf(file, "", "manifest-type", "form.json muss ein JSON-Objekt sein.")
		return m
	}
	for k := range obj {
		if !manifestKeys[k] {
			sink.warnf(file, "/"+escapePointer(k), "manifest-unknown", "Unbekanntes Feld „%s“ wird ignoriert.", k)
		}
	}
	// Decode through encoding/json for the typed fields; type mismatches are reported per field.
	for k, v := range obj {
		raw, _ := json.Marshal(v)
		var err error
		switch k {
		case "id":
			err = json.Unmarshal(raw, &m.ID)
		case "version":
			err = json.Unmarshal(raw, &m.Version)
		case "title":
			err = json.Unmarshal(raw, &m.Title)
		case "summary":
			err = json.Unmarshal(raw, &m.Summary)
		case "authority":
			err = json.Unmarshal(raw, &m.Authority)
		case "leika":
			err = json.Unmarshal(raw, &m.LeiKa)
		case "languages":
			err = json.Unmarshal(raw, &m.Languages)
		case "retentionDays":
			err = json.Unmarshal(raw, &m.RetentionDays)
		case "referencePrefix":
			err = json.Unmarshal(raw, &m.ReferencePrefix)
		case "privacyNotice":
			err = json.Unmarshal(raw, &m.PrivacyNotice)
		case "requirements":
			err = json.Unmarshal(raw, &m.Requirements)
		case "nextSteps":
			err = json.Unmarshal(raw, &m.NextSteps)
		case "category":
			err = json.Unmarshal(raw, &m.Category)
		case "authorities":
			err = json.Unmarshal(raw, &m.Authorities)
		}
		if err != nil {
			sink.errorf(file, "/"+escapePointer(k), "manifest-type", "Das Feld „%s“ hat den falschen Typ (%s).", k, describeJSONType(err))
		}
	}
	switch {
	case m.ID == "":
		sink.errorf(file, "", "manifest-id", "Pflichtfeld „id“ fehlt.")
	case !formIDPattern.MatchString(m.ID):
		sink.errorf(file, "/id", "manifest-id", "Die id „%s“ darf nur Kleinbuchstaben, Ziffern und Bindestriche enthalten (höchstens 63 Zeichen).", m.ID)
	case folder != "" && folder != "." && m.ID != folder:
		sink.warnf(file, "/id", "manifest-id-folder", "Die id „%s“ weicht vom Ordnernamen „%s“ ab.", m.ID, folder)
	}
	switch {
	case m.Version == "":
		sink.errorf(file, "", "manifest-version", "Pflichtfeld „version“ fehlt.")
	case !semverPattern.MatchString(m.Version):
		sink.errorf(file, "/version", "manifest-version", "Die Version „%s“ ist keine semantische Versionsnummer (z. B. 1.0.0).", m.Version)
	}
	if m.Title == "" {
		sink.errorf(file, "", "manifest-title", "Pflichtfeld „title“ fehlt.")
	}
	if m.Authority.Name == "" {
		if _, has := obj["authority"]; has {
			sink.errorf(file, "/authority", "manifest-authority", "Die Behörde braucht einen Namen („authority.name“).")
		} else {
			sink.errorf(file, "", "manifest-authority", "Pflichtfeld „authority“ fehlt (die zuständige Behörde).")
		}
	}
	if m.LeiKa != "" && !leikaPattern.MatchString(m.LeiKa) {
		sink.errorf(file, "/leika", "manifest-leika", "Der LeiKa-Schlüssel „%s“ muss aus 14 Ziffern bestehen und mit 99 beginnen.", m.LeiKa)
	}
	if m.LeiKa == "" {
		sink.warnf(file, "", "manifest-leika", "Kein LeiKa-Schlüssel („leika“) angegeben; Fachverfahren ordnen Anträge danach zu.")
	}
	if m.ReferencePrefix != "" && !prefixPattern.MatchString(m.ReferencePrefix) {
		sink.errorf(file, "/referencePrefix", "manifest-prefix", "Das Kürzel „%s“ für die Vorgangsnummer muss aus 2 bis 4 Großbuchstaben bestehen.", m.ReferencePrefix)
	}
	if m.RetentionDays < 0 {
		sink.errorf(file, "/retentionDays", "manifest-retention", "Die Aufbewahrungsfrist darf nicht negativ sein.")
	}
	if m.RetentionDays == 0 {
		m.RetentionDays = DefaultRetentionDays
	}
	if len(m.Languages) == 0 {
		m.Languages = []string{"de"}
	}
	seenDE := false
	for i, l := range m.Languages {
		if !languagePatten.MatchString(l) {
			sink.errorf(file, "/languages/"+strconv.Itoa(i), "manifest-language", "„%s“ ist kein Sprachcode aus zwei Kleinbuchstaben (z. B. de, en).", l)
		}
		if l == "de" {
			seenDE = true
		}
	}
	if !seenDE {
		sink.errorf(file, "/languages", "manifest-language", "Die Sprachen müssen Deutsch („de“) enthalten.")
	}
	checkAuthorityContact(m.Authority, "/authority", sink)
	checkAuthoritiesSpec(obj, m.Authorities, sink)
	if m.PrivacyNotice == "" {
		sink.warnf(file, "", "manifest-privacy", "Kein Datenschutzhinweis („privacyNotice“) angegeben (Art. 13 DSGVO).")
	}
	return m
}

// checkAuthorityContact checks the links of an authority (at pointer in form.json): the
// page shows url and email as links, so url must be an absolute http(s) or mailto: address
// (never javascript: or data:), and email a plain e-mail address.
func checkAuthorityContact(a Authority, pointer string, sink *problemSink) {
	const file = "form.json"
	if a.URL != "" {
		if err := CheckLinkURL(a.URL); err != nil {
			sink.errorf(file, pointer+"/url", "manifest-url", "Die Adresse „%s“ %s.", clipText(a.URL, 80), err.Error())
		}
	}
	if a.Email != "" && ValidEmail(a.Email) != nil {
		sink.errorf(file, pointer+"/email", "manifest-email", "„%s“ ist keine E-Mail-Adresse der Form name@beispiel.de.", clipText(a.Email, 80))
	}
}

// CheckLinkURL reports why s cannot be a link that a form file puts on a page: only absolute
// http and https addresses with a host, and mailto: with an e-mail address, are allowed. The
// error texts are German and complete the sentence "Die Adresse „…“ …".
func CheckLinkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || strings.ContainsAny(s, " \t\r\n\\\"<>"):
		return errors.New("ist keine gültige Internetadresse")
	case strings.EqualFold(u.Scheme, "mailto"):
		if ValidEmail(u.Opaque) != nil {
			return errors.New("nennt nach mailto: keine E-Mail-Adresse")
		}
		return nil
	case !strings.EqualFold(u.Scheme, "https") && !strings.EqualFold(u.Scheme, "http"):
		return errors.New("muss mit https://, http:// oder mailto: beginnen")
	case u.Host == "" || u.User != nil:
		return errors.New("braucht einen Rechnernamen und darf keine Zugangsdaten enthalten")
	}
	return nil
}

func clipText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func describeJSONType(err error) string {
	var te *json.UnmarshalTypeError
	if e, ok := err.(*json.UnmarshalTypeError); ok {
		te = e
	}
	if te != nil {
		return "erwartet " + germanGoType(te.Type.Kind().String()) + ", gefunden " + germanJSONType(te.Value)
	}
	return err.Error()
}

func germanGoType(kind string) string {
	switch kind {
	case "string":
		return "Text"
	case "int", "int64", "float64":
		return "Zahl"
	case "slice":
		return "Liste"
	case "struct", "map":
		return "Objekt"
	case "bool":
		return "Wahrheitswert"
	}
	return kind
}

func germanJSONType(t string) string {
	switch t {
	case "string":
		return "Text"
	case "number":
		return "Zahl"
	case "array":
		return "Liste"
	case "object":
		return "Objekt"
	case "bool":
		return "Wahrheitswert"
	}
	return t
}

// checkAuthoritiesSpec checks the shape of form.json's "authorities"; checkAuthoritiesFields
// checks its paths against the fields once the model is built.
func checkAuthoritiesSpec(obj map[string]any, spec *AuthoritiesSpec, sink *problemSink) {
	raw, ok := obj["authorities"].(map[string]any)
	if !ok || spec == nil {
		return
	}
	for k := range raw {
		if k != "ars" && k != "plz" && k != "ort" {
			sink.errorf("form.json", "/authorities/"+escapePointer(k), "manifest-authorities", "Unbekanntes Feld „%s“ (erlaubt: ars, oder plz mit ort).", k)
		}
	}
	switch {
	case spec.Ort != "" && spec.PLZ == "" && spec.ARS == "":
		sink.errorf("form.json", "/authorities/ort", "manifest-authorities", "„ort“ gibt es nur zusammen mit „plz“.")
	case spec.ARS == "" && spec.PLZ == "":
		sink.errorf("form.json", "/authorities", "manifest-authorities", "„authorities“ nennt kein Feld: „ars“ (die gewählte Gemeinde) oder „plz“ (und „ort“) der Anschrift.")
	case spec.ARS != "" && (spec.PLZ != "" || spec.Ort != ""):
		sink.errorf("form.json", "/authorities", "manifest-authorities", "Entweder „ars“ oder „plz“ (mit „ort“) angeben, nicht beides.")
	}
}

// checkAuthoritiesFields checks that the paths of form.json's "authorities" name text fields
// outside lists.
func checkAuthoritiesFields(form *Form, sink *problemSink) {
	spec := form.Manifest.Authorities
	if spec == nil {
		return
	}
	for _, k := range []struct{ key, path string }{{"ars", spec.ARS}, {"plz", spec.PLZ}, {"ort", spec.Ort}} {
		if k.path == "" {
			continue
		}
		fd := form.byPath[k.path]
		switch {
		case fd == nil || strings.Contains(k.path, "/*"):
			sink.errorf("form.json", "/authorities/"+k.key, "manifest-authorities", "„%s“ ist kein Feld des Formulars außerhalb von Listen (JSON-Zeiger wie /anschrift/plz).", k.path)
		case fd.Type != "string":
			sink.errorf("form.json", "/authorities/"+k.key, "manifest-authorities", "Das Feld „%s“ muss ein Text sein.", k.path)
		}
	}
}
