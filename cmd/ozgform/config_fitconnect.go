package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
	"github.com/ozgform/ozgform/forms"
)

// fitconnectKeys are the keys of a destination of type fitconnect (besides timeout and
// allowPrivate, which webhooks have too).
var fitconnectKeys = []string{"submissionApi", "tokenUrl", "clientId", "clientSecret", "clientSecretEnv",
	"clientSecretFile", "destinationId", "metadataVersion", "trustAnchorFile", "pollInterval"}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// onlyFor reports the keys of m among keys, which only destinations of type typ have.
func (p *configParser) onlyFor(path string, m map[string]any, keys []string, typ engine.DestinationType) {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			p.errorf(path+"."+k, "gibt es nur bei type: %s", typ)
		}
	}
}

// fitconnect reads a destination of type fitconnect.
func (p *configParser) fitconnect(path string, m map[string]any, d *engine.Destination) {
	p.onlyFor(path, m, []string{"url", "secret", "secretEnv", "secretFile", "inline"}, engine.DestinationWebhook)
	fc := &engine.FITConnect{MetadataVersion: fitconnect.MetadataVersion}
	d.FITConnect = fc
	if allow, ok := p.boolean(path+".allowPrivate", m["allowPrivate"]); ok {
		d.AllowPrivate = allow
	}
	for _, u := range []struct {
		key string
		dst *string
	}{{"submissionApi", &fc.SubmissionAPI}, {"tokenUrl", &fc.TokenURL}} {
		raw, ok := p.requiredString(path+"."+u.key, m[u.key])
		if !ok {
			continue
		}
		pu, err := url.Parse(raw)
		switch {
		case err != nil || pu.Host == "" || (pu.Scheme != "https" && pu.Scheme != "http") || pu.User != nil:
			p.errorf(path+"."+u.key, "ist keine absolute https-URL ohne Benutzerangaben")
		case pu.Scheme == "http" && !d.AllowPrivate:
			p.errorf(path+"."+u.key, "FIT-Connect nur über https://; http:// nur zusammen mit allowPrivate: true (Tests)")
		default:
			*u.dst = raw
		}
	}
	fc.ClientID, _ = p.requiredString(path+".clientId", m["clientId"])
	if s, ok := p.secretValue(path+".clientSecret", m, "clientSecret", "clientSecretEnv", "clientSecretFile"); ok {
		fc.ClientSecret = engine.NewSecret(s)
	}
	if id, ok := p.requiredString(path+".destinationId", m["destinationId"]); ok {
		if !uuidPattern.MatchString(id) {
			p.errorf(path+".destinationId", "ist keine UUID (die Zustellpunkt-ID aus dem Self-Service-Portal)")
		} else {
			fc.DestinationID = id
		}
	}
	if v, ok := m["metadataVersion"]; ok {
		if mv, ok := p.requiredString(path+".metadataVersion", v); ok {
			if mv != fitconnect.MetadataVersion {
				p.errorf(path+".metadataVersion", "„%s“ kann ozgform nicht senden; nur %s", mv, fitconnect.MetadataVersion)
			}
		}
	}
	if file, ok := p.requiredString(path+".trustAnchorFile", m["trustAnchorFile"]); ok {
		if !filepath.IsAbs(file) {
			file = filepath.Join(p.dir, file)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			p.errorf(path+".trustAnchorFile", "die Datei %s kann nicht gelesen werden: %v", file, errors.Unwrap(err))
		} else if _, err := fitconnect.ParseTrustAnchors(b); err != nil {
			p.errorf(path+".trustAnchorFile", "die Datei %s enthält kein PEM-Zertifikat (-----BEGIN CERTIFICATE-----)", file)
		} else {
			fc.TrustAnchors = b
		}
	}
	d.Timeout = fitconnect.DefaultTimeout
	if t, ok := p.duration(path+".timeout", m["timeout"], time.Second, 5*time.Minute); ok {
		d.Timeout = t
	}
	if t, ok := p.duration(path+".pollInterval", m["pollInterval"], time.Second, 24*time.Hour); ok {
		fc.PollInterval = t
	}
}

// fitconnectFormProblems reports the forms that go to a FIT-Connect destination without a
// LeiKa key: FIT-Connect names the service by it, so such a submission could never be sent.
func (c *Config) fitconnectFormProblems(cat *forms.Catalog, file string) []string {
	var problems []string
	for i, d := range c.Destinations {
		if d.Type != engine.DestinationFITConnect {
			continue
		}
		for _, f := range cat.Entries() {
			if d.Receives(f.Manifest.ID) && f.Manifest.LeiKa == "" {
				problems = append(problems, fmt.Sprintf("%s: destinations[%d]: das Formular „%s“ hat keinen LeiKa-Schlüssel (leika in form.json); FIT-Connect braucht ihn als Leistung", file, i, f.Manifest.ID))
			}
		}
	}
	return problems
}
