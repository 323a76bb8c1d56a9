package main

import (
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// The authorities section of the configuration file (Einer für Alle: one form, many
// authorities, chosen by the citizen's municipality):
//
//	authorities:
//	  table: gemeinden.csv        # PLZ → Gemeinde, relative to this file; lines "plz;ars;gemeinde"
//	  list:
//	    - id: musterstadt          # lower-case letters, digits, - and _; in payload, outbox, metrics
//	      name: Stadt Musterstadt – Steueramt
//	      ars: "089990000001"      # Amtlicher Regionalschlüssel (12 digits, in quotes), or a list
//	      address: {street: Rathausplatz 1, postalCode: "12345", city: Musterstadt}
//	      contact: {email: steueramt@musterstadt.example, phone: "+49 …", url: https://…}
//	      privacy:
//	        contact: datenschutz@musterstadt.example   # data protection officer
//	        notice: "Verantwortlich für …"               # replaces the form's privacy notice
//	        retentionDays: 60                            # replaces the form's retention
//	      legal:                   # the authority's own legal pages (else the portal's)
//	        imprint: https://www.musterstadt.example/impressum
//	        privacy: https://www.musterstadt.example/datenschutz
//	        accessibility: https://www.musterstadt.example/barrierefreiheit
//	      destinations:            # form id or "*" → destination names (any type)
//	        "*": [musterstadt]
//	        hundesteuer: [musterstadt-kasse]
//
// An authority without destinations for a form sends its submissions to the form's
// destinations. A destination that an authority names and that has no "forms" of its own
// receives only what the authorities send it. `ozgform authorities check --config FILE` checks the section and the table
// with file:line:col messages.

// authorities reads the authorities section and checks it against the destinations.
func (p *configParser) authorities(cfg *Config, v any) {
	sec := p.object("authorities", v, "table", "list")
	if sec == nil {
		return
	}
	if t, ok := sec["table"]; ok {
		if name, ok := p.requiredString("authorities.table", t); ok {
			p.table(cfg, name)
		}
	}
	list, ok := sec["list"].([]any)
	if !ok {
		p.errorf("authorities.list", "muss eine Liste von Behörden sein")
		return
	}
	for i, item := range list {
		cfg.Authorities = append(cfg.Authorities, p.authority(fmt.Sprintf("authorities.list[%d]", i), item))
	}
	// A destination that an authority names and that has no "forms" of its own receives only
	// what the authorities send it, not every form.
	named := map[string]bool{}
	for _, a := range cfg.Authorities {
		for _, ds := range a.Destinations {
			for _, d := range ds {
				named[d] = true
			}
		}
	}
	for i := range cfg.Destinations {
		if d := &cfg.Destinations[i]; named[d.Name] && slices.Contains(p.formsOmitted, d.Name) {
			d.Forms = []string{}
		}
	}
	for _, prob := range authority.Check(authority.CheckInput{
		Authorities: cfg.Authorities, Table: cfg.AuthorityTable, Destinations: cfg.DestinationNames(),
		Path: func(i int, field string) string {
			path := fmt.Sprintf("authorities.list[%d]", i)
			if field != "" {
				path += "." + field
			}
			return path
		},
	}) {
		if prob.Warning {
			p.warnf(prob.Path, "%s", prob.Message)
		} else {
			p.errorf(prob.Path, "%s", prob.Message)
		}
	}
}

// table reads the postal code table; its problems are located in the table file.
func (p *configParser) table(cfg *Config, name string) {
	file := name
	if !filepath.IsAbs(file) {
		file = filepath.Join(p.dir, file)
	}
	open := p.open
	if open == nil {
		open = func(name string) (io.ReadCloser, error) { return os.Open(name) }
	}
	f, err := open(file)
	if err != nil {
		p.errorf("authorities.table", "die Datei %s kann nicht gelesen werden: %v", file, errors.Unwrap(err))
		return
	}
	defer f.Close()
	tab, problems := authority.ReadTable(f, file)
	for _, prob := range problems {
		p.located = append(p.located, prob)
		if !prob.Warning {
			p.problems = append(p.problems, prob.String())
		}
	}
	cfg.AuthorityTable, cfg.TableFile = tab, file
}

func (p *configParser) authority(path string, v any) authority.Authority {
	var a authority.Authority
	m := p.object(path, v, "id", "name", "ars", "address", "contact", "privacy", "legal", "destinations")
	if m == nil {
		return a
	}
	a.ID, _ = p.requiredString(path+".id", m["id"])
	a.Name, _ = p.requiredString(path+".name", m["name"])
	switch x := m["ars"].(type) {
	case nil:
	case []any:
		for k, e := range x {
			// A number keeps its place in the list, so that later positions stay right.
			a.ARS = append(a.ARS, p.ars(fmt.Sprintf("%s.ars[%d]", path, k), e))
		}
	default:
		a.ARS = []string{p.ars(path+".ars", x)}
	}
	if ad, ok := m["address"]; ok {
		if o := p.object(path+".address", ad, "street", "postalCode", "city"); o != nil {
			a.Street = p.optionalString(path+".address.street", o["street"])
			a.PostalCode = p.optionalString(path+".address.postalCode", o["postalCode"])
			a.City = p.optionalString(path+".address.city", o["city"])
		}
	}
	if c, ok := m["contact"]; ok {
		if o := p.object(path+".contact", c, "email", "phone", "url"); o != nil {
			a.Email = p.optionalString(path+".contact.email", o["email"])
			a.Phone = p.optionalString(path+".contact.phone", o["phone"])
			a.URL = p.optionalString(path+".contact.url", o["url"])
		}
	}
	if pr, ok := m["privacy"]; ok {
		if o := p.object(path+".privacy", pr, "contact", "notice", "retentionDays"); o != nil {
			a.PrivacyContact = p.optionalString(path+".privacy.contact", o["contact"])
			a.PrivacyNotice = p.optionalString(path+".privacy.notice", o["notice"])
			if n, ok := p.integer(path+".privacy.retentionDays", o["retentionDays"], 1, 36500); ok {
				a.RetentionDays = n
			}
		}
	}
	if l, ok := m["legal"]; ok {
		if o := p.object(path+".legal", l, "imprint", "privacy", "accessibility"); o != nil {
			a.Imprint = p.optionalString(path+".legal.imprint", o["imprint"])
			a.PrivacyURL = p.optionalString(path+".legal.privacy", o["privacy"])
			a.AccessibilityURL = p.optionalString(path+".legal.accessibility", o["accessibility"])
			if err := (renderer.Legal{Imprint: a.Imprint, Privacy: a.PrivacyURL, Accessibility: a.AccessibilityURL}).Check(); err != nil {
				p.errorf(path+".legal", "%v", err)
			}
		}
	}
	if d, ok := m["destinations"]; ok {
		o, ok := d.(map[string]any)
		if !ok {
			p.errorf(path+".destinations", "muss ein Objekt sein: Formular-ID oder \"*\" → Liste von Zielen")
			return a
		}
		a.Destinations = map[string][]string{}
		for form, names := range o {
			list, ok := names.([]any)
			if !ok {
				if s, isString := names.(string); isString {
					list = []any{s}
				} else {
					p.errorf(path+".destinations."+form, "muss eine Liste von Zielnamen sein")
					continue
				}
			}
			dests := []string{}
			for k, n := range list {
				if s, ok := p.requiredString(fmt.Sprintf("%s.destinations.%s[%d]", path, form, k), n); ok {
					dests = append(dests, s)
				}
			}
			a.Destinations[form] = dests
		}
	}
	return a
}

// ars reads one Amtlicher Regionalschlüssel. YAML reads an unquoted 089990000001 as a
// number, which loses the leading zero: that gets its own message.
func (p *configParser) ars(path string, v any) string {
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) == "" {
			p.errorf(path, "ist leer")
		}
		return strings.TrimSpace(x)
	case uint64, int64, int, float64, json.Number:
		p.errorf(path, "der Regionalschlüssel muss in Anführungszeichen stehen (z. B. \"089990000001\"), sonst geht die führende Null verloren")
		return ""
	}
	p.errorf(path, "muss ein Regionalschlüssel (Text aus 12 Ziffern) oder eine Liste davon sein")
	return ""
}

func (p *configParser) optionalString(path string, v any) string {
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.errorf(path, "muss ein Text sein")
	}
	return strings.TrimSpace(s)
}

//go:embed beispiel/behoerden.yaml beispiel/gemeinden.csv
var sampleFiles embed.FS

// sampleAuthorities returns the sample authorities and table of the example forms (see
// beispiel/behoerden.yaml), which serve uses without --config.
func sampleAuthorities() ([]authority.Authority, *authority.Table, error) {
	const name = "beispiel/behoerden.yaml"
	raw, err := sampleFiles.ReadFile(name)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := parseConfig(name, raw, &configParser{file: "behoerden.yaml", dir: "beispiel", getenv: os.Getenv,
		open: func(name string) (io.ReadCloser, error) { return sampleFiles.Open(name) }})
	if err != nil {
		return nil, nil, fmt.Errorf("the sample authorities: %w", err)
	}
	return cfg.Authorities, cfg.AuthorityTable, nil
}

// AuthorityDirectory returns the directory of the configured authorities, or nil when there
// are none.
func (c *Config) AuthorityDirectory() *authority.Directory {
	if len(c.Authorities) == 0 {
		return nil
	}
	return authority.NewDirectory(c.Authorities, c.AuthorityTable)
}

// checkAuthorityForms checks the form ids the authorities name and that every form served by
// many authorities can resolve them (a PLZ form needs the table).
func (c *Config) checkAuthorityForms(cat *forms.Catalog) []string {
	file := filepath.Base(c.File)
	var problems []string
	for i, a := range c.Authorities {
		for form := range a.Destinations {
			if form != authority.AllForms && cat.Entry(form) == nil {
				problems = append(problems, fmt.Sprintf("%s: authorities.list[%d].destinations.%s: das Formular „%s“ gibt es nicht", file, i, form, form))
			}
		}
	}
	for _, f := range cat.Entries() {
		spec := f.Manifest.Authorities
		switch {
		case spec == nil:
		case len(c.Authorities) == 0:
			// The form goes to the authority of its form.json, as before (serve warns).
		case spec.PLZ != "" && c.AuthorityTable.Empty():
			problems = append(problems, fmt.Sprintf("%s: authorities.table: das Formular „%s“ bestimmt die Gemeinde über die Postleitzahl, aber es gibt keine PLZ-Tabelle", file, f.Manifest.ID))
		}
	}
	return problems
}

// ---------------------------------------------------------------- ozgform authorities check

// authoritiesCmd runs "ozgform authorities check --config FILE [--forms DIR]".
func (m *Main) authoritiesCmd(args []string) (int, error) {
	if len(args) == 0 || args[0] != "check" {
		return exitUsage, fmt.Errorf("%w: authorities braucht den Unterbefehl check", errUsage)
	}
	fl := flag.NewFlagSet("authorities check", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	config := fl.String("config", "", "Konfigurationsdatei (YAML oder JSON)")
	formsDir := fl.String("forms", "", "Formularordner, gegen den die Formular-IDs geprüft werden (freiwillig)")
	pos, err := parseInterleaved(fl, args[1:])
	if err != nil {
		return exitUsage, err
	}
	if len(pos) == 1 && *config == "" {
		*config = pos[0]
	} else if len(pos) > 0 || *config == "" {
		return exitUsage, fmt.Errorf("%w: authorities check braucht --config DATEI", errUsage)
	}
	res, err := checkAuthoritiesFile(*config, os.Getenv)
	if err != nil {
		return exitUsage, err
	}
	if *formsDir != "" && res.cfg != nil {
		cat, _ := forms.LoadCatalogDir(*formsDir, forms.CatalogOptions{})
		if cat != nil {
			for _, s := range res.cfg.checkAuthorityForms(cat) {
				res.problems = append(res.problems, authority.Problem{File: "", Message: s})
			}
		}
	}
	errs, warns := 0, 0
	for _, prob := range res.problems {
		if prob.File == "" {
			fmt.Fprintln(m.Stdout, prob.Message)
		} else {
			fmt.Fprintln(m.Stdout, prob.String())
		}
		if prob.Warning {
			warns++
		} else {
			errs++
		}
	}
	if res.cfg != nil {
		auths, munis := len(res.cfg.Authorities), 0
		for _, a := range res.cfg.Authorities {
			munis += len(a.ARS)
		}
		plz, tm, _ := res.cfg.AuthorityTable.Len()
		fmt.Fprintf(m.Stdout, "%d Behörden für %d Gemeinden; PLZ-Tabelle: %d Postleitzahlen, %d Gemeinden.\n", auths, munis, plz, tm)
	}
	fmt.Fprintf(m.Stdout, "%d Fehler, %d Warnungen.\n", errs, warns)
	if errs > 0 {
		return exitInvalid, nil
	}
	return exitOK, nil
}

type authoritiesCheck struct {
	cfg      *Config
	problems []authority.Problem
}

// checkAuthoritiesFile reads a configuration file and returns its problems located by line
// and column: those of the configuration in the file itself, those of the table in the
// table file. Problems outside the authorities section are reported too: the file must be
// usable by serve.
func checkAuthoritiesFile(name string, getenv func(string) string) (*authoritiesCheck, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("die Konfigurationsdatei %s kann nicht gelesen werden: %w", name, errors.Unwrap(err))
	}
	cfg, err := loadConfig(name, getenv)
	var ce *configError
	if err != nil && !errors.As(err, &ce) {
		return nil, err
	}
	res := &authoritiesCheck{cfg: cfg}
	var located []authority.Problem
	if ce != nil {
		located = ce.located
	} else {
		located = cfg.located
	}
	if ce != nil && len(ce.located) == 0 {
		// A syntax error: the message says where.
		for _, s := range ce.problems {
			res.problems = append(res.problems, authority.Problem{Message: s})
		}
		return res, nil
	}
	loc := newLocator(raw)
	for _, prob := range located {
		if prob.File == "" {
			prob.File = name
			prob.Line, prob.Col = loc.locate(prob.Path)
		}
		res.problems = append(res.problems, prob)
	}
	return res, nil
}

// locator finds the line and column of a configuration path ("authorities.list[2].ars[1]")
// in a YAML or JSON file (goccy/go-yaml parses both).
type locator struct{ file *ast.File }

func newLocator(raw []byte) *locator {
	f, err := parser.ParseBytes(raw, 0)
	if err != nil {
		return &locator{}
	}
	return &locator{file: f}
}

var pathPart = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// locate returns the position of the value at path, or of its nearest ancestor that exists;
// 0, 0 when the file cannot be parsed.
func (l *locator) locate(path string) (line, col int) {
	if l.file == nil {
		return 0, 0
	}
	parts := pathPart.FindAllStringSubmatch(path, -1)
	for n := len(parts); n >= 0; n-- {
		b := (&yaml.PathBuilder{}).Root()
		for _, p := range parts[:n] {
			if p[2] != "" {
				i, _ := strconv.Atoi(p[2])
				b = b.Index(uint(i))
			} else {
				b = b.Child(p[1])
			}
		}
		node, err := b.Build().FilterFile(l.file)
		if err != nil || node == nil {
			continue
		}
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line, tk.Position.Column
		}
	}
	return 0, 0
}

// configForForms reads the configuration file (none: the defaults) and, without one, gives
// the forms that many authorities use the sample authorities, as serve does.
func configForForms(file string, catalog *forms.Catalog) (*Config, error) {
	cfg := defaultConfig()
	if file != "" {
		var err error
		if cfg, err = loadConfig(file, os.Getenv); err != nil {
			return nil, fmt.Errorf("die Konfiguration hat Fehler:\n%w", err)
		}
		return cfg, nil
	}
	if needsAuthorities(catalog) {
		var err error
		if cfg.Authorities, cfg.AuthorityTable, err = sampleAuthorities(); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// needsAuthorities reports whether a form of the catalog is used by many authorities.
func needsAuthorities(cat *forms.Catalog) bool {
	for _, f := range cat.Entries() {
		if f.Manifest.Authorities != nil {
			return true
		}
	}
	return false
}
