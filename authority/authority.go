package authority

import (
	"slices"
	"sort"
	"strings"

	"github.com/ozgform/ozgform/forms"
)

// Authority is one public body in the operator's configuration: who it is, how citizens
// reach it, which municipalities it is responsible for and where its submissions go.
type Authority struct {
	// ID names the authority in the configuration, the store, the payload, the outbox list
	// and the metrics: lower-case letters, digits, - and _ (like destination names).
	ID   string
	Name string // e.g. "Stadt Musterstadt – Steueramt"
	// ARS lists the municipalities (Amtliche Regionalschlüssel, 12 digits) it serves.
	ARS []string

	Street, PostalCode, City string // postal address
	Email, Phone, URL        string // contact for questions

	// PrivacyContact is how to reach the authority's data protection officer
	// (Datenschutzbeauftragte), e.g. "datenschutz@musterstadt.example".
	PrivacyContact string
	// PrivacyNotice, when set, replaces the form's privacy notice (Art. 13 DSGVO) for the
	// submissions this authority receives.
	PrivacyNotice string
	// RetentionDays, when above 0, replaces the form's retention period.
	RetentionDays int
	// Imprint, PrivacyURL and AccessibilityURL are the authority's own legal pages
	// (Impressum, Datenschutzerklärung, Erklärung zur Barrierefreiheit), which replace the
	// portal's on the pages of its citizens once the authority is known; empty: the portal's.
	Imprint, PrivacyURL, AccessibilityURL string

	// Destinations maps a form id, or "*" for every form, to the names of the destinations
	// that receive the submissions addressed to this authority. A form id's entry wins over
	// "*".
	Destinations map[string][]string
}

// AllForms is the key of Authority.Destinations for every form.
const AllForms = "*"

// DestinationsFor returns the destinations of the authority's submissions of form formID,
// or nil when it names none (the operator's destinations for the form apply then).
func (a *Authority) DestinationsFor(formID string) []string {
	if d, ok := a.Destinations[formID]; ok {
		return d
	}
	return a.Destinations[AllForms]
}

// Municipality is one Gemeinde: its ARS and its name.
type Municipality struct {
	ARS  string
	Name string
}

// Responsible is the authority a submission is addressed to, as it was when the citizen
// submitted: a snapshot that receipts, payloads and pages read, so that a receipt rebuilt
// years later gives the same bytes even if the configuration has changed since.
type Responsible struct {
	ID string `json:"id"`
	// Authority holds name, address and contact, as form.json's authority does, so that
	// pages and receipts show either the same way.
	forms.Authority
	ARS            string `json:"ars"`                    // the citizen's municipality
	Municipality   string `json:"municipality,omitempty"` // its name, when the table knows it
	PrivacyContact string `json:"privacyContact,omitempty"`
	PrivacyNotice  string `json:"privacyNotice,omitempty"`
	RetentionDays  int    `json:"retentionDays,omitempty"`
}

// Responsible returns the snapshot of a for municipality m.
func (a *Authority) Responsible(m Municipality) *Responsible {
	return &Responsible{
		ID: a.ID, ARS: m.ARS, Municipality: m.Name,
		Authority: forms.Authority{Name: a.Name, Street: a.Street, PostalCode: a.PostalCode, City: a.City,
			Email: a.Email, Phone: a.Phone, URL: a.URL},
		PrivacyContact: a.PrivacyContact, PrivacyNotice: a.PrivacyNotice, RetentionDays: a.RetentionDays,
	}
}

// ValidARS reports whether s is an Amtlicher Regionalschlüssel: 12 digits, the first two a
// Land (01 to 16).
func ValidARS(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	land := int(s[0]-'0')*10 + int(s[1]-'0')
	return land >= 1 && land <= 16
}

// ValidPLZ reports whether s is a German postal code: 5 digits, not starting with 00.
func ValidPLZ(s string) bool {
	if len(s) != 5 || strings.HasPrefix(s, "00") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Directory answers which municipality an answer names and which authority serves it. It
// is built once at start and read concurrently; it never changes.
type Directory struct {
	authorities []*Authority
	byID        map[string]*Authority
	byARS       map[string]*Authority
	table       *Table
}

// NewDirectory builds a directory of authorities and the postal code table (nil when the
// operator has none). It does not check them (see Check); for an ARS that two authorities
// name, the first wins.
func NewDirectory(authorities []Authority, table *Table) *Directory {
	d := &Directory{
		byID:  make(map[string]*Authority, len(authorities)),
		byARS: make(map[string]*Authority, len(authorities)),
		table: table,
	}
	if d.table == nil {
		d.table = &Table{}
	}
	for i := range authorities {
		a := &authorities[i]
		d.authorities = append(d.authorities, a)
		if _, dup := d.byID[a.ID]; !dup {
			d.byID[a.ID] = a
		}
		for _, ars := range a.ARS {
			if _, dup := d.byARS[ars]; !dup {
				d.byARS[ars] = a
			}
		}
	}
	return d
}

// Authorities returns the authorities in configuration order.
func (d *Directory) Authorities() []*Authority {
	if d == nil {
		return nil
	}
	return d.authorities
}

// Authority returns the authority with id, or nil.
func (d *Directory) Authority(id string) *Authority {
	if d == nil {
		return nil
	}
	return d.byID[id]
}

// Table returns the postal code table (empty when the operator has none).
func (d *Directory) Table() *Table {
	if d == nil {
		return &Table{}
	}
	return d.table
}

// Status is the outcome of resolving a draft's responsible authority.
type Status int

// Outcomes of a resolution.
const (
	// Pending: the deciding answer is not given yet (or is not a well-formed PLZ or ARS).
	Pending Status = iota
	// Resolved: the municipality is known and an authority serves it.
	Resolved
	// Ambiguous: the postal code spans several municipalities and neither the Ort nor the
	// citizen's choice says which one; Candidates lists them.
	Ambiguous
	// Unserved: the municipality is known (or the postal code is unknown to the table), but
	// no authority of this operator serves it.
	Unserved
)

func (s Status) String() string {
	switch s {
	case Resolved:
		return "resolved"
	case Ambiguous:
		return "ambiguous"
	case Unserved:
		return "unserved"
	}
	return "pending"
}

// Resolution is the answer to "who is responsible for this draft?".
type Resolution struct {
	Status       Status
	PLZ          string         // the postal code answered, in PLZ mode
	Municipality Municipality   // for Resolved, and for Unserved when the table knows it
	Candidates   []Municipality // for Ambiguous: the municipalities of the PLZ, by name
	Authority    *Authority     // for Resolved
}

// Responsible returns the snapshot of a resolved authority, or nil.
func (r Resolution) Responsible() *Responsible {
	if r.Status != Resolved || r.Authority == nil {
		return nil
	}
	return r.Authority.Responsible(r.Municipality)
}

// ByARS resolves a municipality given by its ARS (a Gemeinde chosen from a list).
func (d *Directory) ByARS(ars string) Resolution {
	ars = strings.TrimSpace(ars)
	if !ValidARS(ars) {
		return Resolution{Status: Pending}
	}
	m := Municipality{ARS: ars, Name: d.Table().Name(ars)}
	a := d.byARS[ars]
	if a == nil {
		return Resolution{Status: Unserved, Municipality: m}
	}
	return Resolution{Status: Resolved, Municipality: m, Authority: a}
}

// ByPLZ resolves a municipality from a postal code, the Ort the citizen typed and the
// municipality the citizen chose when asked (chosen, an ARS; empty if not asked yet). A PLZ
// of one municipality resolves at once; for a PLZ of several, an Ort that names exactly one
// of them decides, else a chosen ARS among them, else the answer is Ambiguous.
func (d *Directory) ByPLZ(plz, ort, chosen string) Resolution {
	plz = strings.TrimSpace(plz)
	if !ValidPLZ(plz) {
		return Resolution{Status: Pending}
	}
	cands := d.Table().Municipalities(plz)
	switch len(cands) {
	case 0:
		return Resolution{Status: Unserved, PLZ: plz}
	case 1:
		return d.served(plz, cands[0])
	}
	if ort = normalizeName(ort); ort != "" {
		var match []Municipality
		for _, m := range cands {
			if normalizeName(m.Name) == ort {
				match = append(match, m)
			}
		}
		if len(match) == 1 {
			return d.served(plz, match[0])
		}
	}
	if i := slices.IndexFunc(cands, func(m Municipality) bool { return m.ARS == chosen }); chosen != "" && i >= 0 {
		return d.served(plz, cands[i])
	}
	return Resolution{Status: Ambiguous, PLZ: plz, Candidates: cands}
}

func (d *Directory) served(plz string, m Municipality) Resolution {
	a := d.byARS[m.ARS]
	if a == nil {
		return Resolution{Status: Unserved, PLZ: plz, Municipality: m}
	}
	return Resolution{Status: Resolved, PLZ: plz, Municipality: m, Authority: a}
}

// normalizeName folds an Ort for comparison: case, surrounding and repeated spaces.
func normalizeName(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// Served lists the municipalities an authority serves, with the table's names, by name.
func (d *Directory) Served(a *Authority) []Municipality {
	out := make([]Municipality, 0, len(a.ARS))
	for _, ars := range a.ARS {
		out = append(out, Municipality{ARS: ars, Name: d.Table().Name(ars)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
