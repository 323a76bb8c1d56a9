package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/clamd"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
)

// Config is the operator's configuration file (serve --config FILE, YAML or JSON by its
// extension):
//
//	destinations:            # where submissions go; default: one pull destination "api"
//	  - name: ordnungsamt    # unique: lower-case letters, digits, - and _
//	    type: webhook        # webhook (push) or api (pull)
//	    forms: [hundesteuer] # form ids, or "*" for all forms
//	    url: https://fachverfahren.example.de/ozgform
//	    secret: whsec_…      # or secretEnv: NAME, or secretFile: /run/secrets/…;
//	                         # several secrets separated by spaces while rotating
//	    timeout: 15s
//	    inline: {receipt: true, attachments: false}
//	    allowPrivate: false  # allow loopback and private addresses
//	  - name: bauamt-fit     # FIT-Connect, see docs/fitconnect.md
//	    type: fitconnect
//	    forms: [gewerbeanmeldung]
//	    submissionApi: https://submission-api-testing.fit-connect.fitko.dev
//	    tokenUrl: https://auth-testing.fit-connect.fitko.dev/token
//	    clientId: 4f1b…      # the API client (Onlinedienst) from the self-service portal
//	    clientSecretEnv: FIT_CONNECT_SECRET   # or clientSecret / clientSecretFile
//	    destinationId: 8b8a…  # the authority's destination (Zustellpunkt)
//	    trustAnchorFile: verwaltungs-pki.pem  # root of the keys' x5c chains
//	    metadataVersion: 1.0.0
//	    pollInterval: 1m      # how often the event log is read until accept/reject
//	  - name: kasse
//	    type: api
//	    forms: "*"
//	api:
//	  tokens:                # bearer tokens of the pull API
//	    - name: kasse
//	      destination: kasse # the api destination it reads; optional if there is only one
//	      tokenHash: 5e88…   # hex SHA-256 of the token; or tokenEnv / tokenFile (the token)
//	      forms: "*"
//	retention:
//	  purgeInterval: 1h
//	delivery:
//	  workers: 4             # deliveries in flight per instance
//	  maxAge: 72h            # then a message is dead
//	  lease: 2m              # a crashed instance's deliveries are taken over after this
//	attachments:
//	  maxFileSize: 10000000  # bytes per file (a form's field may allow less)
//	  uploadLimit: 25000000  # bytes per step post with files
//	  scanner:               # virus scanner, see docs/virenscanner.md
//	    clamd: tcp://127.0.0.1:3310   # or unix:///run/clamav/clamd.ctl
//	    timeout: 30s
//	authorities:             # Einer für Alle: authorities by municipality (ARS) and the
//	  table: gemeinden.csv   # PLZ table; full format at the top of authorities.go
//	  list: [{id: musterstadt, name: …, ars: "089990000001", destinations: {"*": [kasse]}}]
//
// Its String and LogValue never show a secret or a token.
type Config struct {
	File          string // the file it was read from; empty for the defaults
	Destinations  []engine.Destination
	APITokens     []engine.APIToken
	PurgeInterval time.Duration
	Workers       int
	MaxAge        time.Duration
	// Lease is how long a worker holds a message it sends (0: engine.DefaultLease): after a
	// crash, another worker takes the message over after it.
	Lease time.Duration
	// MaxFileSize and UploadLimit bound uploads in bytes (0: the defaults).
	MaxFileSize int64
	UploadLimit int64
	// Clamd, when set, scans every uploaded file before it is accepted.
	Clamd *clamd.Scanner
	// Authorities (Einer für Alle) and the postal code table; see authorities.go.
	Authorities []authority.Authority
	// AuthorityTable is the PLZ → municipality table; nil without authorities.table.
	AuthorityTable *authority.Table
	// TableFile is the table's path as given in the file (for messages).
	TableFile string
	// Warnings are problems that do not stop a start (e.g. a municipality missing from the
	// table); serve logs them.
	Warnings []string
	located  []authority.Problem
}

// defaultConfig is the configuration without --config: the pull API for every form.
func defaultConfig() *Config {
	return &Config{
		Destinations:  []engine.Destination{engine.DefaultDestination},
		PurgeInterval: engine.DefaultPurgeInterval,
		Workers:       engine.DefaultConcurrency,
		MaxAge:        engine.DefaultMaxAge,
	}
}

// ServiceDestinations is the function for engine.Service.Destinations.
func (c *Config) ServiceDestinations() func(form *forms.Form) []string {
	return engine.DestinationsFor(c.Destinations)
}

// DestinationNames returns the names of all destinations.
func (c *Config) DestinationNames() []string {
	names := make([]string, len(c.Destinations))
	for i, d := range c.Destinations {
		names[i] = d.Name
	}
	return names
}

// String describes the configuration without secrets and tokens.
func (c *Config) String() string {
	var b strings.Builder
	file := c.File
	if file == "" {
		file = "(Voreinstellung)"
	}
	fmt.Fprintf(&b, "Konfiguration %s\n", file)
	for _, d := range c.Destinations {
		fmt.Fprintf(&b, "  Ziel %s: %s", d.Name, d.Type)
		if d.Type == engine.DestinationWebhook {
			fmt.Fprintf(&b, " %s, Secret %s, Timeout %s", redactURL(d.URL), d.Secret, d.Timeout)
			if d.InlineReceipt || d.InlineAttachments {
				fmt.Fprintf(&b, ", inline Quittung=%v Anhänge=%v", d.InlineReceipt, d.InlineAttachments)
			}
			if d.AllowPrivate {
				b.WriteString(", private Adressen erlaubt")
			}
		}
		if fc := d.FITConnect; fc != nil {
			fmt.Fprintf(&b, " Zustellpunkt %s über %s, API-Client %s, Secret %s, Metadaten %s", fc.DestinationID,
				redactURL(fc.SubmissionAPI), fc.ClientID, fc.ClientSecret, fc.MetadataVersion)
		}
		fmt.Fprintf(&b, ", Formulare %s\n", formsText(d.Forms))
	}
	for _, t := range c.APITokens {
		fmt.Fprintf(&b, "  API-Token %s: Ziel %s, Formulare %s\n", t.Name, t.Destination, formsText(t.Forms))
	}
	fmt.Fprintf(&b, "  Zustellung: %d gleichzeitig, tot nach %s; Löschlauf alle %s\n", c.Workers, c.MaxAge, c.PurgeInterval)
	return b.String()
}

// GoString is String, so that %#v shows no secret either.
func (c *Config) GoString() string { return c.String() }

// LogValue shows the configuration in logs without secrets, tokens and URLs.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("file", c.File),
		slog.Any("destinations", c.DestinationNames()),
		slog.Int("api_tokens", len(c.APITokens)),
		slog.Int("workers", c.Workers),
		slog.Duration("max_age", c.MaxAge),
		slog.Duration("purge_interval", c.PurgeInterval),
	)
}

func formsText(ids []string) string {
	if ids == nil {
		return "alle"
	}
	return strings.Join(ids, ", ")
}

// redactURL drops the query, which may carry a token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(ungültige URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// configError lists every problem of a configuration file, one per line.
type configError struct {
	problems []string
	located  []authority.Problem // the same with their paths, and the warnings
}

func (e *configError) Error() string { return strings.Join(e.problems, "\n") }

// loadConfig reads and checks a configuration file. getenv looks up secretEnv and tokenEnv
// (os.Getenv in production). Errors name the file, the entry and the field, in German, and
// never contain a secret.
func loadConfig(name string, getenv func(string) string) (*Config, error) {
	raw, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("die Konfigurationsdatei %s kann nicht gelesen werden: %w", name, errors.Unwrap(err))
	}
	return parseConfig(name, raw, &configParser{file: filepath.Base(name), dir: filepath.Dir(name), getenv: getenv})
}

// parseConfig decodes and checks the bytes of a configuration file with p.
func parseConfig(name string, raw []byte, p *configParser) (*Config, error) {
	var doc any
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, &configError{problems: []string{yamlProblem(name, err)}}
		}
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, &configError{problems: []string{jsonProblem(name, raw, err)}}
		}
		if dec.More() {
			return nil, &configError{problems: []string{name + ": nach dem JSON-Objekt folgt noch etwas"}}
		}
	default:
		return nil, fmt.Errorf("die Konfigurationsdatei %s hat eine unbekannte Endung (erlaubt: .yaml, .yml, .json)", name)
	}
	cfg := p.parse(doc)
	if len(p.problems) > 0 {
		return nil, &configError{p.problems, p.located}
	}
	cfg.File = name
	cfg.located = p.located
	for _, prob := range p.located {
		if prob.Warning {
			if prob.File == "" {
				prob.File = p.file
			}
			cfg.Warnings = append(cfg.Warnings, prob.String())
		}
	}
	return cfg, nil
}

// quoted matches quoted text in parser messages, which could quote a secret.
var quoted = regexp.MustCompile(`"[^"]*"|'[^']*'`)

func yamlProblem(name string, err error) string {
	msg := yaml.FormatError(err, false, false) // "[line:column] message", without the source
	return fmt.Sprintf("%s: kein gültiges YAML: %s", filepath.Base(name), quoted.ReplaceAllString(msg, "…"))
}

func jsonProblem(name string, raw []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(raw[:min(int(se.Offset), len(raw))], []byte("\n"))
		return fmt.Sprintf("%s, Zeile %d: kein gültiges JSON: %s", filepath.Base(name), line, quoted.ReplaceAllString(se.Error(), "…"))
	}
	return fmt.Sprintf("%s: kein gültiges JSON: %s", filepath.Base(name), quoted.ReplaceAllString(err.Error(), "…"))
}

// configParser checks a decoded configuration document and collects its problems.
type configParser struct {
	file   string // base name, for messages
	dir    string // secretFile and tokenFile are relative to the file's folder
	getenv func(string) string
	// open opens a file the configuration names (the authorities' table); default os.Open.
	open     func(name string) (io.ReadCloser, error)
	problems []string
	// located are the problems with their configuration path, for `authorities check`,
	// which turns the paths into line and column; warnings never fail a start.
	located []authority.Problem
	// formsOmitted are the destinations without "forms"; those an authority names receive
	// only what the authorities send them (see authorities.go).
	formsOmitted []string
}

var destinationName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (p *configParser) errorf(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.problems = append(p.problems, p.file+": "+path+": "+msg)
	p.located = append(p.located, authority.Problem{Path: path, Message: msg})
}

func (p *configParser) warnf(path, format string, args ...any) {
	p.located = append(p.located, authority.Problem{Path: path, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (p *configParser) parse(doc any) *Config {
	cfg := defaultConfig()
	if doc == nil {
		p.problems = append(p.problems, p.file+": die Datei ist leer")
		return cfg
	}
	top := p.object("(oberste Ebene)", doc, "destinations", "api", "retention", "delivery", "attachments", "authorities")
	if top == nil {
		return cfg
	}
	if v, ok := top["destinations"]; ok {
		cfg.Destinations = p.destinations(v)
	}
	if v, ok := top["api"]; ok {
		if api := p.object("api", v, "tokens"); api != nil {
			if t, ok := api["tokens"]; ok {
				cfg.APITokens = p.tokens(t)
			}
		}
	}
	p.tokenDestinations(cfg)
	if v, ok := top["retention"]; ok {
		if r := p.object("retention", v, "purgeInterval"); r != nil {
			if d, ok := p.duration("retention.purgeInterval", r["purgeInterval"], time.Minute, 0); ok {
				cfg.PurgeInterval = d
			}
		}
	}
	if v, ok := top["delivery"]; ok {
		if d := p.object("delivery", v, "workers", "maxAge", "lease"); d != nil {
			if lease, ok := p.duration("delivery.lease", d["lease"], 5*time.Second, time.Hour); ok {
				cfg.Lease = lease
			}
			if n, ok := p.integer("delivery.workers", d["workers"], 1, 256); ok {
				cfg.Workers = n
			}
			if age, ok := p.duration("delivery.maxAge", d["maxAge"], time.Minute, 0); ok {
				cfg.MaxAge = age
			}
		}
	}
	if v, ok := top["attachments"]; ok {
		p.attachments(cfg, v)
	}
	if v, ok := top["authorities"]; ok {
		p.authorities(cfg, v)
	}
	return cfg
}

// attachments reads the upload limits and the virus scanner.
func (p *configParser) attachments(cfg *Config, v any) {
	a := p.object("attachments", v, "maxFileSize", "uploadLimit", "scanner")
	if a == nil {
		return
	}
	if n, ok := p.integer("attachments.maxFileSize", a["maxFileSize"], 1000, 100_000_000); ok {
		cfg.MaxFileSize = int64(n)
	}
	if n, ok := p.integer("attachments.uploadLimit", a["uploadLimit"], 10_000, 1_000_000_000); ok {
		cfg.UploadLimit = int64(n)
	}
	if cfg.MaxFileSize > 0 && cfg.UploadLimit > 0 && cfg.UploadLimit < cfg.MaxFileSize {
		p.errorf("attachments.uploadLimit", "muss mindestens so groß sein wie attachments.maxFileSize")
	}
	sv, ok := a["scanner"]
	if !ok {
		return
	}
	s := p.object("attachments.scanner", sv, "clamd", "timeout")
	if s == nil {
		return
	}
	addr, ok := p.requiredString("attachments.scanner.clamd", s["clamd"])
	if !ok {
		return
	}
	sc := &clamd.Scanner{}
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		sc.Network, sc.Address = "tcp", strings.TrimPrefix(addr, "tcp://")
	case strings.HasPrefix(addr, "unix://"):
		sc.Network, sc.Address = "unix", strings.TrimPrefix(addr, "unix://")
	default:
		p.errorf("attachments.scanner.clamd", "muss tcp://HOST:PORT oder unix:///PFAD/ZUM/SOCKET sein")
		return
	}
	if sc.Address == "" {
		p.errorf("attachments.scanner.clamd", "nennt keine Adresse")
		return
	}
	if d, ok := p.duration("attachments.scanner.timeout", s["timeout"], time.Second, 10*time.Minute); ok {
		sc.Timeout = d
	}
	cfg.Clamd = sc
}

func (p *configParser) destinations(v any) []engine.Destination {
	list, ok := v.([]any)
	if !ok {
		p.errorf("destinations", "muss eine Liste sein")
		return nil
	}
	if len(list) == 0 {
		p.errorf("destinations", "die Liste ist leer; ohne Ziele erreicht keine Einreichung eine Behörde")
		return nil
	}
	var out []engine.Destination
	seen := map[string]int{}
	for i, item := range list {
		path := fmt.Sprintf("destinations[%d]", i)
		m := p.object(path, item, append([]string{"name", "type", "forms", "url", "secret", "secretEnv", "secretFile",
			"timeout", "inline", "allowPrivate"}, fitconnectKeys...)...)
		if m == nil {
			continue
		}
		d := engine.Destination{}
		if name, ok := p.requiredString(path+".name", m["name"]); ok {
			if !destinationName.MatchString(name) {
				p.errorf(path+".name", "„%s“ ist kein gültiger Name (Kleinbuchstaben, Ziffern, - und _, höchstens 63 Zeichen)", name)
			} else if j, dup := seen[name]; dup {
				p.errorf(path+".name", "„%s“ gibt es schon in destinations[%d]", name, j)
			}
			seen[name] = i
			d.Name = name
		}
		typ, _ := p.requiredString(path+".type", m["type"])
		d.Type = engine.DestinationType(typ)
		d.Forms = p.forms(path+".forms", m["forms"])
		if _, given := m["forms"]; !given {
			p.formsOmitted = append(p.formsOmitted, d.Name)
		}
		switch d.Type {
		case engine.DestinationWebhook:
			p.webhook(path, m, &d)
			p.onlyFor(path, m, fitconnectKeys, engine.DestinationFITConnect)
		case engine.DestinationFITConnect:
			p.fitconnect(path, m, &d)
		case engine.DestinationAPI:
			p.onlyFor(path, m, fitconnectKeys, engine.DestinationFITConnect)
			for _, k := range []string{"url", "secret", "secretEnv", "secretFile", "timeout", "inline", "allowPrivate"} {
				if _, ok := m[k]; ok {
					p.errorf(path+"."+k, "gibt es nur bei type: webhook")
				}
			}
		case "":
		default:
			p.errorf(path+".type", "muss webhook, fitconnect oder api sein, nicht „%s“", typ)
		}
		out = append(out, d)
	}
	return out
}

func (p *configParser) webhook(path string, m map[string]any, d *engine.Destination) {
	if allow, ok := p.boolean(path+".allowPrivate", m["allowPrivate"]); ok {
		d.AllowPrivate = allow
	}
	if raw, ok := p.requiredString(path+".url", m["url"]); ok {
		u, err := url.Parse(raw)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			p.errorf(path+".url", "ist keine absolute http(s)-URL")
		case u.User != nil:
			p.errorf(path+".url", "Benutzername und Passwort gehören nicht in die URL; die Anfragen sind mit dem Secret signiert")
		case u.Fragment != "":
			p.errorf(path+".url", "darf keinen #-Teil haben")
		case u.Scheme == "http" && !d.AllowPrivate:
			p.errorf(path+".url", "personenbezogene Daten nur über https://; http:// nur zusammen mit allowPrivate: true (internes Netz)")
		default:
			d.URL = raw
		}
	}
	if s, ok := p.secretValue(path, m, "secret", "secretEnv", "secretFile"); ok {
		keys, err := webhook.ParseSecrets(s)
		bad := err != nil
		for _, f := range strings.Fields(s) {
			bad = bad || !strings.HasPrefix(f, webhook.SecretPrefix)
		}
		for _, k := range keys {
			bad = bad || len(k) < webhook.MinSecretBytes || len(k) > webhook.MaxSecretBytes
		}
		if bad {
			p.errorf(path+".secret", "ist kein Standard-Webhooks-Secret: whsec_ und Base64 von 24 bis 64 Bytes (mehrere durch Leerzeichen getrennt); erzeugen z. B. mit: echo whsec_$(head -c 32 /dev/urandom | base64)")
		} else {
			d.Secret = engine.NewSecret(s)
		}
	}
	d.Timeout = webhook.DefaultTimeout
	if t, ok := p.duration(path+".timeout", m["timeout"], time.Second, 5*time.Minute); ok {
		d.Timeout = t
	}
	if v, ok := m["inline"]; ok {
		if in := p.object(path+".inline", v, "receipt", "attachments"); in != nil {
			d.InlineReceipt, _ = p.boolean(path+".inline.receipt", in["receipt"])
			d.InlineAttachments, _ = p.boolean(path+".inline.attachments", in["attachments"])
		}
	}
}

func (p *configParser) tokens(v any) []engine.APIToken {
	list, ok := v.([]any)
	if !ok {
		p.errorf("api.tokens", "muss eine Liste sein")
		return nil
	}
	var out []engine.APIToken
	names := map[string]int{}
	hashes := map[[32]byte]int{}
	for i, item := range list {
		path := fmt.Sprintf("api.tokens[%d]", i)
		m := p.object(path, item, "name", "destination", "tokenHash", "tokenEnv", "tokenFile", "forms")
		if m == nil {
			continue
		}
		var t engine.APIToken
		if name, ok := p.requiredString(path+".name", m["name"]); ok {
			if j, dup := names[name]; dup {
				p.errorf(path+".name", "„%s“ gibt es schon in api.tokens[%d]", name, j)
			}
			names[name] = i
			t.Name = name
		}
		t.Forms = p.forms(path+".forms", m["forms"])
		if _, ok := m["destination"]; ok {
			t.Destination, _ = p.requiredString(path+".destination", m["destination"])
		}
		_, hasHash := m["tokenHash"]
		_, hasEnv := m["tokenEnv"]
		_, hasFile := m["tokenFile"]
		switch {
		case hasHash && (hasEnv || hasFile):
			p.errorf(path, "genau eines von tokenHash, tokenEnv und tokenFile angeben")
			continue
		case hasHash:
			h, ok := p.requiredString(path+".tokenHash", m["tokenHash"])
			b, err := hex.DecodeString(strings.ToLower(h))
			if !ok {
				continue
			}
			if err != nil || len(b) != 32 {
				p.errorf(path+".tokenHash", "muss der SHA-256 des Tokens in Hex sein (64 Zeichen 0-9 und a-f), z. B. von: printf %%s \"$TOKEN\" | sha256sum")
				continue
			}
			copy(t.Hash[:], b)
		default:
			token, ok := p.secretValue(path, m, "", "tokenEnv", "tokenFile")
			if !ok {
				continue
			}
			if len(token) < 32 {
				p.errorf(path, "das Token ist zu kurz: mindestens 32 Zeichen (z. B. von: head -c 32 /dev/urandom | base64)")
				continue
			}
			t.Hash = engine.HashAPIToken(token)
		}
		if j, dup := hashes[t.Hash]; dup {
			p.errorf(path, "dasselbe Token wie api.tokens[%d]", j)
		}
		hashes[t.Hash] = i
		out = append(out, t)
	}
	return out
}

// tokenDestinations checks that each token names a pull destination, or fills in the only
// one there is.
func (p *configParser) tokenDestinations(cfg *Config) {
	var pull []string
	for _, d := range cfg.Destinations {
		if d.Type == engine.DestinationAPI {
			pull = append(pull, d.Name)
		}
	}
	for i := range cfg.APITokens {
		t := &cfg.APITokens[i]
		path := fmt.Sprintf("api.tokens[%d].destination", i)
		switch {
		case t.Destination == "" && len(pull) == 1:
			t.Destination = pull[0]
		case t.Destination == "" && len(pull) == 0:
			p.errorf(path, "es gibt kein Ziel mit type: api, dessen Einreichungen das Token abholen könnte")
		case t.Destination == "":
			p.errorf(path, "fehlt: es gibt mehrere Ziele mit type: api (%s)", strings.Join(pull, ", "))
		case !slices.Contains(pull, t.Destination):
			p.errorf(path, "„%s“ ist kein Ziel mit type: api", t.Destination)
		}
	}
}

// secretValue reads a secret given inline (key, if not empty), from an environment variable
// (envKey) or from a file (fileKey): exactly one of them. The value is trimmed.
func (p *configParser) secretValue(path string, m map[string]any, key, envKey, fileKey string) (string, bool) {
	var given []string
	for _, k := range []string{key, envKey, fileKey} {
		if _, ok := m[k]; ok && k != "" {
			given = append(given, k)
		}
	}
	keys := strings.TrimPrefix(strings.Join([]string{key, envKey, fileKey}, ", "), ", ")
	if len(given) != 1 {
		if len(given) == 0 {
			p.errorf(path, "fehlt: eines von %s angeben", keys)
		} else {
			p.errorf(path, "nur eines von %s angeben, nicht %s", keys, strings.Join(given, " und "))
		}
		return "", false
	}
	k := given[0]
	ref, ok := p.requiredString(path+"."+k, m[k])
	if !ok {
		return "", false
	}
	var value string
	switch k {
	case envKey:
		value = strings.TrimSpace(p.getenv(ref))
		if value == "" {
			p.errorf(path+"."+k, "die Umgebungsvariable %s ist nicht gesetzt oder leer", ref)
			return "", false
		}
	case fileKey:
		file := ref
		if !filepath.IsAbs(file) {
			file = filepath.Join(p.dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			p.errorf(path+"."+k, "die Datei %s kann nicht gelesen werden: %v", file, errors.Unwrap(err))
			return "", false
		}
		value = strings.TrimSpace(string(b))
		if value == "" {
			p.errorf(path+"."+k, "die Datei %s ist leer", file)
			return "", false
		}
	default:
		value = strings.TrimSpace(ref)
	}
	return value, true
}

// forms reads "*" (or a missing field) as all forms, or a list of form ids.
func (p *configParser) forms(path string, v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "*" {
			return nil
		}
	case []any:
		if len(x) == 0 {
			p.errorf(path, "die Liste ist leer; für alle Formulare \"*\" schreiben")
			return []string{}
		}
		ids := []string{}
		for i, e := range x {
			id, ok := e.(string)
			if !ok || id == "" {
				p.errorf(fmt.Sprintf("%s[%d]", path, i), "muss eine Formular-ID sein")
				continue
			}
			if id == "*" {
				return nil
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	p.errorf(path, "muss \"*\" (alle Formulare) oder eine Liste von Formular-IDs sein")
	return []string{}
}

// object checks that v is an object with only the allowed keys.
func (p *configParser) object(path string, v any, allowed ...string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		p.errorf(path, "muss ein Objekt mit den Feldern %s sein", strings.Join(allowed, ", "))
		return nil
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		p.errorf(path, "unbekanntes Feld „%s“ (erlaubt: %s)", k, strings.Join(allowed, ", "))
	}
	return m
}

func (p *configParser) requiredString(path string, v any) (string, bool) {
	if v == nil {
		p.errorf(path, "fehlt")
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		p.errorf(path, "muss ein Text sein")
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		p.errorf(path, "ist leer")
		return "", false
	}
	return s, true
}

func (p *configParser) boolean(path string, v any) (bool, bool) {
	if v == nil {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		p.errorf(path, "muss true oder false sein")
	}
	return b, ok
}

// integer reads a whole number in [lo, hi]; a missing value is not an error (the default holds).
func (p *configParser) integer(path string, v any, lo, hi int) (int, bool) {
	if v == nil {
		return 0, false
	}
	var f float64
	switch x := v.(type) {
	case uint64:
		f = float64(x)
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	case float64:
		f = x
	case json.Number:
		var err error
		if f, err = x.Float64(); err != nil {
			f = math.NaN()
		}
	default:
		f = math.NaN()
	}
	if f != math.Trunc(f) || math.IsNaN(f) {
		p.errorf(path, "muss eine ganze Zahl sein")
		return 0, false
	}
	if f < float64(lo) || f > float64(hi) {
		p.errorf(path, "muss zwischen %d und %d liegen", lo, hi)
		return 0, false
	}
	return int(f), true
}

// duration reads a Go duration ("30s", "5m", "72h") of at least lo and, if hi > 0, at most hi;
// a missing value is not an error (the default holds).
func (p *configParser) duration(path string, v any, lo, hi time.Duration) (time.Duration, bool) {
	if v == nil {
		return 0, false
	}
	s, ok := v.(string)
	d, err := time.ParseDuration(s)
	if !ok || err != nil {
		p.errorf(path, "muss eine Dauer sein wie 30s, 5m oder 72h")
		return 0, false
	}
	if d < lo || (hi > 0 && d > hi) {
		if hi > 0 {
			p.errorf(path, "muss zwischen %s und %s liegen", lo, hi)
		} else {
			p.errorf(path, "muss mindestens %s sein", lo)
		}
		return 0, false
	}
	return d, true
}

// checkForms checks the configuration against the loaded forms: every form id it names
// exists, and every form has at least one destination (otherwise its submissions would go
// to the default pull destination, which the operator may not read).
func (c *Config) checkForms(cat *forms.Catalog) error {
	file := filepath.Base(c.File)
	if file == "." || file == "" {
		file = "Konfiguration"
	}
	var problems []string
	for i, d := range c.Destinations {
		for j, id := range d.Forms {
			if cat.Entry(id) == nil {
				problems = append(problems, fmt.Sprintf("%s: destinations[%d].forms[%d]: das Formular „%s“ gibt es nicht", file, i, j, id))
			}
		}
	}
	for i, t := range c.APITokens {
		for j, id := range t.Forms {
			if cat.Entry(id) == nil {
				problems = append(problems, fmt.Sprintf("%s: api.tokens[%d].forms[%d]: das Formular „%s“ gibt es nicht", file, i, j, id))
			}
		}
	}
	for _, f := range cat.Entries() {
		covered := false
		for _, d := range c.Destinations {
			covered = covered || d.Receives(f.Manifest.ID)
		}
		if !covered && f.Manifest.Authorities != nil && len(c.Authorities) > 0 {
			// Einer für Alle: covered when every authority names destinations for the form.
			covered = true
			for _, a := range c.Authorities {
				covered = covered && len(a.DestinationsFor(f.Manifest.ID)) > 0
			}
		}
		if !covered {
			problems = append(problems, fmt.Sprintf("%s: destinations: kein Ziel empfängt das Formular „%s“", file, f.Manifest.ID))
		}
	}
	problems = append(problems, c.fitconnectFormProblems(cat, file)...)
	if len(problems) > 0 {
		return &configError{problems: problems}
	}
	return nil
}
