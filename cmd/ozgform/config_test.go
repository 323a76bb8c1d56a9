package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// Secrets used by the tests; none of them may ever show up in output.
const (
	cfgSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	cfgSecretOld = "whsec_QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD"
	cfgToken     = "Kasse-Token-0123456789-abcdefghijklmnop"
)

func writeConfig(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func testEnv(name string) string {
	return map[string]string{"HOOK_SECRET": cfgSecret, "KASSE_TOKEN": cfgToken, "EMPTY": ""}[name]
}

const fullYAML = `
destinations:
  - name: ordnungsamt
    type: webhook
    forms: [hundesteuer, hundesteuer]
    url: https://fachverfahren.example.de/ozgform?key=abc
    secret: ` + cfgSecret + ` ` + cfgSecretOld + `
    timeout: 20s
    inline: {receipt: true}
  - name: intern
    type: webhook
    forms: "*"
    url: http://10.0.0.5:8080/hook
    secretEnv: HOOK_SECRET
    allowPrivate: true
  - name: kasse
    type: api
api:
  tokens:
    - name: kasse
      tokenEnv: KASSE_TOKEN
      forms: [hundesteuer]
    - name: statistik
      tokenHash: 5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8
retention:
  purgeInterval: 30m
delivery:
  workers: 16
  maxAge: 96h
`

func TestLoadConfig(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "ozgform.yaml", fullYAML), testEnv)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if len(cfg.Destinations) != 3 || cfg.Workers != 16 || cfg.MaxAge != 96*time.Hour || cfg.PurgeInterval != 30*time.Minute {
		t.Fatalf("config: %+v", cfg)
	}
	o := cfg.Destinations[0]
	if o.Name != "ordnungsamt" || o.Type != engine.DestinationWebhook || len(o.Forms) != 1 || o.Forms[0] != "hundesteuer" ||
		o.Timeout != 20*time.Second || !o.InlineReceipt || o.InlineAttachments || o.AllowPrivate ||
		o.Secret.Reveal() != cfgSecret+" "+cfgSecretOld {
		t.Errorf("ordnungsamt: %+v", o)
	}
	if i := cfg.Destinations[1]; i.Forms != nil || !i.AllowPrivate || i.Secret.Reveal() != cfgSecret || i.Timeout != 15*time.Second {
		t.Errorf("intern: %+v", i)
	}
	if k := cfg.Destinations[2]; k.Type != engine.DestinationAPI || k.Forms != nil {
		t.Errorf("kasse: %+v", k)
	}
	if len(cfg.APITokens) != 2 || engine.FindAPIToken(cfg.APITokens, cfgToken) != &cfg.APITokens[0] ||
		engine.FindAPIToken(cfg.APITokens, "password").Name != "statistik" || engine.FindAPIToken(cfg.APITokens, "x") != nil {
		t.Errorf("tokens: %+v", cfg.APITokens)
	}
	if cfg.APITokens[0].Destination != "kasse" || cfg.APITokens[1].Destination != "kasse" {
		t.Errorf("token destinations: %+v", cfg.APITokens)
	}
	if !cfg.APITokens[0].Allows("hundesteuer") || cfg.APITokens[0].Allows("gewerbeanmeldung") || !cfg.APITokens[1].Allows("gewerbeanmeldung") {
		t.Errorf("token scopes: %+v", cfg.APITokens)
	}

	hund := &forms.Form{Manifest: forms.Manifest{ID: "hundesteuer"}}
	other := &forms.Form{Manifest: forms.Manifest{ID: "gewerbeanmeldung"}}
	dests := cfg.ServiceDestinations()
	if got := fmt.Sprint(dests(hund)); got != "[ordnungsamt intern kasse]" {
		t.Errorf("destinations of hundesteuer: %s", got)
	}
	if got := fmt.Sprint(dests(other)); got != "[intern kasse]" {
		t.Errorf("destinations of gewerbeanmeldung: %s", got)
	}
	noSecrets(t, cfg)
}

// noSecrets checks every way a configuration may be printed or logged.
func noSecrets(t *testing.T, cfg *Config) {
	t.Helper()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("config", "config", cfg, "destinations", cfg.Destinations, "first", cfg.Destinations[0],
		"secret", cfg.Destinations[0].Secret, "tokens", cfg.APITokens)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "config", cfg, "dest", cfg.Destinations[0])
	out := strings.Join([]string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg),
		fmt.Sprintf("%v", *cfg), fmt.Sprintf("%+v", *cfg), fmt.Sprintf("%#v", *cfg),
		fmt.Sprintf("%v %+v %#v %s %q %x", cfg.Destinations[0], cfg.Destinations[0], cfg.Destinations[0],
			cfg.Destinations[0].Secret, cfg.Destinations[0].Secret, cfg.Destinations[0].Secret),
		cfg.String(), logged.String(),
	}, "\n")
	for _, secret := range []string{cfgSecret, cfgSecretOld, cfgToken, "MfKQ9r8GKYqr", "QUJDQUJD", "key=abc"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows the secret %s:\n%s", secret[:5]+"…", out)
		}
	}
	// Encoders mask the secret too (the URL is not secret to them).
	js, _ := json.Marshal(cfg)
	for _, secret := range []string{cfgSecret, cfgSecretOld, cfgToken} {
		if strings.Contains(string(js), secret) {
			t.Errorf("JSON shows the secret %s", secret[:5]+"…")
		}
	}
	if !strings.Contains(cfg.String(), "***") {
		t.Errorf("String does not show that there is a secret:\n%s", cfg)
	}
}

func TestConfigJSON(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "ozgform.json", `{
  "destinations": [
    {"name": "a", "type": "webhook", "url": "https://a.example.de/", "secretFile": "secret.txt", "forms": "*"}
  ],
  "delivery": {"workers": 2}
}`), testEnv)
	if err == nil || !strings.Contains(err.Error(), "ozgform.json: destinations[0].secretFile: die Datei") {
		t.Fatalf("missing secret file: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(cfgSecret+"\n"), 0o600)
	p := filepath.Join(dir, "ozgform.json")
	os.WriteFile(p, []byte(`{"destinations": [{"name": "a", "type": "webhook", "url": "https://a.example.de/", "secretFile": "secret.txt"}], "delivery": {"workers": 2}}`), 0o600)
	cfg, err = loadConfig(p, testEnv)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.Workers != 2 || cfg.Destinations[0].Secret.Reveal() != cfgSecret || cfg.MaxAge != engine.DefaultMaxAge {
		t.Errorf("config: %+v", cfg)
	}
	noSecrets(t, cfg)
}

func TestConfigAttachments(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "ozgform.yaml", "attachments:\n  maxFileSize: 5000000\n  uploadLimit: 12000000\n  scanner:\n    clamd: unix:///run/clamav/clamd.ctl\n    timeout: 20s\n"), testEnv)
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.MaxFileSize != 5_000_000 || cfg.UploadLimit != 12_000_000 || cfg.Clamd == nil ||
		cfg.Clamd.Network != "unix" || cfg.Clamd.Address != "/run/clamav/clamd.ctl" || cfg.Clamd.Timeout != 20*time.Second {
		t.Fatalf("attachments config: %+v, clamd %+v", cfg, cfg.Clamd)
	}
}

func TestConfigDefault(t *testing.T) {
	cfg := defaultConfig()
	if len(cfg.Destinations) != 1 || cfg.Destinations[0].Name != "api" || cfg.Destinations[0].Type != engine.DestinationAPI {
		t.Fatalf("default destinations: %+v", cfg.Destinations)
	}
	f := &forms.Form{Manifest: forms.Manifest{ID: "hundesteuer"}}
	if got := cfg.ServiceDestinations()(f); len(got) != 1 || got[0] != "api" {
		t.Errorf("default Destinations: %v", got)
	}
}

func TestConfigInvalid(t *testing.T) {
	dest := func(fields string) string {
		return "destinations:\n  - name: a\n    type: webhook\n    url: https://a.example.de/\n    secret: " + cfgSecret + "\n  - " + fields + "\n"
	}
	tests := []struct {
		name, file, content string
		want                []string // each must be a line of the error
	}{
		{"unknown top-level field", "c.yaml", "destination: []\n",
			[]string{"c.yaml: (oberste Ebene): unbekanntes Feld „destination“ (erlaubt: destinations, api, retention, delivery, attachments, authorities)"}},
		{"clamd address without scheme", "c.yaml", "attachments:\n  scanner:\n    clamd: 127.0.0.1:3310\n",
			[]string{"c.yaml: attachments.scanner.clamd: muss tcp://HOST:PORT oder unix:///PFAD/ZUM/SOCKET sein"}},
		{"upload limit below the file limit", "c.yaml", "attachments:\n  maxFileSize: 20000000\n  uploadLimit: 10000000\n",
			[]string{"c.yaml: attachments.uploadLimit: muss mindestens so groß sein wie attachments.maxFileSize"}},
		{"file limit too large", "c.yaml", "attachments:\n  maxFileSize: 500000000\n",
			[]string{"c.yaml: attachments.maxFileSize: muss zwischen 1000 und 100000000 liegen"}},
		{"empty file", "c.yaml", "", []string{"c.yaml: die Datei ist leer"}},
		{"yaml syntax", "c.yaml", "destinations: [\n  secret: " + cfgSecret + "\n", []string{"c.yaml: kein gültiges YAML: [1:15]"}},
		{"json syntax", "c.json", "{\n\"destinations\": [,]}", []string{"c.json, Zeile 2: kein gültiges JSON: invalid character"}},
		{"unknown extension", "c.toml", "x", []string{"unbekannte Endung"}},
		{"destinations not a list", "c.yaml", "destinations: {name: a}\n", []string{"c.yaml: destinations: muss eine Liste sein"}},
		{"no destinations", "c.yaml", "destinations: []\n", []string{"c.yaml: destinations: die Liste ist leer"}},
		{"missing url and secret", "c.yaml", dest("name: b\n    type: webhook"), []string{
			"c.yaml: destinations[1].url: fehlt",
			"c.yaml: destinations[1]: fehlt: eines von secret, secretEnv, secretFile angeben"}},
		{"bad url", "c.yaml", dest("name: b\n    type: webhook\n    url: /hook\n    secret: " + cfgSecret), []string{
			"c.yaml: destinations[1].url: ist keine absolute http(s)-URL"}},
		{"http without allowPrivate", "c.yaml", dest("name: b\n    type: webhook\n    url: http://b.example.de/\n    secret: " + cfgSecret), []string{
			"c.yaml: destinations[1].url: personenbezogene Daten nur über https://; http:// nur zusammen mit allowPrivate: true (internes Netz)"}},
		{"user info in url", "c.yaml", dest("name: b\n    type: webhook\n    url: https://u:pw@b.example.de/\n    secret: " + cfgSecret), []string{
			"c.yaml: destinations[1].url: Benutzername und Passwort gehören nicht in die URL; die Anfragen sind mit dem Secret signiert"}},
		{"bad secret", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: geheim123"), []string{
			"c.yaml: destinations[1].secret: ist kein Standard-Webhooks-Secret"}},
		{"short secret", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: whsec_QUJD"), []string{
			"c.yaml: destinations[1].secret: ist kein Standard-Webhooks-Secret"}},
		{"two secret sources", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: " + cfgSecret + "\n    secretEnv: HOOK_SECRET"), []string{
			"c.yaml: destinations[1]: nur eines von secret, secretEnv, secretFile angeben, nicht secret und secretEnv"}},
		{"env not set", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secretEnv: EMPTY"), []string{
			"c.yaml: destinations[1].secretEnv: die Umgebungsvariable EMPTY ist nicht gesetzt oder leer"}},
		{"duplicate name", "c.yaml", dest("name: a\n    type: api"), []string{
			"c.yaml: destinations[1].name: „a“ gibt es schon in destinations[0]"}},
		{"bad name", "c.yaml", dest("name: Ordnungsamt Süd\n    type: api"), []string{
			"c.yaml: destinations[1].name: „Ordnungsamt Süd“ ist kein gültiger Name"}},
		{"bad type", "c.yaml", dest("name: b\n    type: email"), []string{
			"c.yaml: destinations[1].type: muss webhook, fitconnect oder api sein, nicht „email“"}},
		{"webhook fields on api", "c.yaml", dest("name: b\n    type: api\n    url: https://b.example.de/\n    secret: " + cfgSecret), []string{
			"c.yaml: destinations[1].url: gibt es nur bei type: webhook",
			"c.yaml: destinations[1].secret: gibt es nur bei type: webhook"}},
		{"unknown destination field", "c.yaml", dest("name: b\n    type: api\n    secrett: x"), []string{
			"c.yaml: destinations[1]: unbekanntes Feld „secrett“"}},
		{"bad timeout", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: " + cfgSecret + "\n    timeout: 10"), []string{
			"c.yaml: destinations[1].timeout: muss eine Dauer sein wie 30s, 5m oder 72h"}},
		{"timeout too long", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: " + cfgSecret + "\n    timeout: 1h"), []string{
			"c.yaml: destinations[1].timeout: muss zwischen 1s und 5m0s liegen"}},
		{"inline not an object", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: " + cfgSecret + "\n    inline: true"), []string{
			"c.yaml: destinations[1].inline: muss ein Objekt mit den Feldern receipt, attachments sein"}},
		{"inline not a bool", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: " + cfgSecret + "\n    inline: {receipt: ja}"), []string{
			"c.yaml: destinations[1].inline.receipt: muss true oder false sein"}},
		{"forms empty", "c.yaml", dest("name: b\n    type: api\n    forms: []"), []string{
			"c.yaml: destinations[1].forms: die Liste ist leer; für alle Formulare \"*\" schreiben"}},
		{"forms wrong", "c.yaml", dest("name: b\n    type: api\n    forms: alle"), []string{
			"c.yaml: destinations[1].forms: muss \"*\" (alle Formulare) oder eine Liste von Formular-IDs sein"}},
		{"workers", "c.yaml", "delivery: {workers: 0, maxAge: 10s}\n", []string{
			"c.yaml: delivery.workers: muss zwischen 1 und 256 liegen",
			"c.yaml: delivery.maxAge: muss mindestens 1m0s sein"}},
		{"workers not whole", "c.json", `{"delivery": {"workers": 2.5}}`, []string{"c.json: delivery.workers: muss eine ganze Zahl sein"}},
		{"purge interval", "c.yaml", "retention: {purgeInterval: often}\n", []string{
			"c.yaml: retention.purgeInterval: muss eine Dauer sein wie 30s, 5m oder 72h"}},
		{"token hash", "c.yaml", "api:\n  tokens:\n    - name: k\n      tokenHash: abc\n", []string{
			"c.yaml: api.tokens[0].tokenHash: muss der SHA-256 des Tokens in Hex sein"}},
		{"token missing", "c.yaml", "api:\n  tokens:\n    - name: k\n", []string{
			"c.yaml: api.tokens[0]: fehlt: eines von tokenEnv, tokenFile angeben"}},
		{"token hash and env", "c.yaml", "api:\n  tokens:\n    - name: k\n      tokenHash: abc\n      tokenEnv: KASSE_TOKEN\n", []string{
			"c.yaml: api.tokens[0]: genau eines von tokenHash, tokenEnv und tokenFile angeben"}},
		{"token short", "c.yaml", "api:\n  tokens:\n    - name: k\n      tokenEnv: SHORT\n", []string{
			"c.yaml: api.tokens[0].tokenEnv: die Umgebungsvariable SHORT ist nicht gesetzt oder leer"}},
		{"token without pull destination", "c.yaml", dest("name: b\n    type: webhook\n    url: https://b.example.de/\n    secret: "+cfgSecret) + "api:\n  tokens:\n    - {name: k, tokenEnv: KASSE_TOKEN}\n", []string{
			"c.yaml: api.tokens[0].destination: es gibt kein Ziel mit type: api"}},
		{"token destination not api", "c.yaml", dest("name: b\n    type: api") + "api:\n  tokens:\n    - {name: k, destination: a, tokenEnv: KASSE_TOKEN}\n", []string{
			"c.yaml: api.tokens[0].destination: „a“ ist kein Ziel mit type: api"}},
		{"token twice", "c.yaml", "api:\n  tokens:\n    - {name: k, tokenEnv: KASSE_TOKEN}\n    - {name: l, tokenEnv: KASSE_TOKEN}\n", []string{
			"c.yaml: api.tokens[1]: dasselbe Token wie api.tokens[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, tc.file, tc.content), testEnv)
			if err == nil {
				t.Fatal("loadConfig accepted the file")
			}
			msg := err.Error()
			for _, want := range tc.want {
				found := false
				for _, line := range strings.Split(msg, "\n") {
					found = found || strings.HasPrefix(line, want) || (!strings.HasPrefix(want, "c.") && strings.Contains(line, want))
				}
				if !found {
					t.Errorf("error lacks %q:\n%s", want, msg)
				}
			}
			for _, secret := range []string{cfgSecret, "MfKQ9r8G", cfgToken, "geheim123"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error shows a secret:\n%s", msg)
				}
			}
		})
	}
}

func TestConfigCheckForms(t *testing.T) {
	cat, problems := forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	cfg, err := loadConfig(writeConfig(t, "c.yaml", `
destinations:
  - {name: a, type: api, forms: [hundesteuer, hundesteur]}
api:
  tokens:
    - {name: k, tokenEnv: KASSE_TOKEN, forms: [gewerbe]}
`), testEnv)
	if err != nil {
		t.Fatal(err)
	}
	err = cfg.checkForms(cat)
	if err == nil {
		t.Fatal("checkForms accepted unknown forms")
	}
	for _, want := range []string{
		"c.yaml: destinations[0].forms[1]: das Formular „hundesteur“ gibt es nicht",
		"c.yaml: api.tokens[0].forms[0]: das Formular „gewerbe“ gibt es nicht",
		"c.yaml: destinations: kein Ziel empfängt das Formular „gewerbeanmeldung“",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkForms lacks %q:\n%v", want, err)
		}
	}
	if err := defaultConfig().checkForms(cat); err != nil {
		t.Errorf("default config: %v", err)
	}
}
