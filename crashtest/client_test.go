package crashtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// The client is a citizen's browser without JavaScript: it reads each page's HTML for the
// CSRF token, the visible inputs and the buttons, and posts the sample's answers the way a
// browser posts a form. It survives the server dying under it: every step can be repeated
// (posting the same answers again changes nothing), a lost answer to the submit is found out
// from the review page, which leads to the confirmation once the draft has been submitted.

const (
	formID     = "hundesteuer"
	formPath   = "/formulare/" + formID
	reviewPath = formPath + "/pruefen"
	submitPath = formPath + "/absenden"

	cookieSession = "ozg_sitzung"
	cookieDraft   = "ozg_entwurf_" + formID
)

var confirmationPath = regexp.MustCompile(`^/vorgang/([A-Z]{2,4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})$`)

// loadForm loads the Hundesteuer example as the server does.
func loadForm(tb testing.TB) *forms.Form {
	tb.Helper()
	cat, problems := forms.LoadCatalog(os.DirFS("../examples"), ".", forms.Options{})
	if problems.HasErrors() {
		tb.Fatalf("examples: %v", problems)
	}
	f := cat.Get(formID)
	if f == nil {
		tb.Fatal("no example hundesteuer")
	}
	return f
}

// sampleData returns samples/valid.json with chip numbers unique to (client, flow), so that
// every submission carries different data, and the hash of the data a submission of it must
// store (the engine's own canonical form, see engine.SubmissionData).
func sampleData(raw []byte, f *forms.Form, client, flow int) (map[string]any, string, error) {
	data, err := engine.DecodeData(raw)
	if err != nil {
		return nil, "", err
	}
	dogs, _ := data["hunde"].([]any)
	for i, d := range dogs {
		d.(map[string]any)["chipnummer"] = fmt.Sprintf("276%05d%05d%02d", client, flow, i)
	}
	canon, errs, err := engine.SubmissionData(f, data)
	if err != nil || len(errs) > 0 {
		return nil, "", fmt.Errorf("the sample is not submittable: %v %v", errs, err)
	}
	return data, engine.SHA512Hex(canon), nil
}

func readSample(tb testing.TB) []byte {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", formID, "samples", "valid.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// client is one browser.
type client struct {
	base string
	hc   *http.Client
	ip   string // sent as X-Forwarded-For: the server (behind its "proxy") limits per client
	csrf string

	// What the client went through, for the report.
	retries  int // requests repeated after a connection error or a 5xx/403/429
	lostAcks int // submits whose answer was lost although the submission had been committed
}

func newClient(base, ip string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{base: base, ip: ip, hc: &http.Client{
		Jar:           jar,
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
	}}
}

// page is a response, with what the client reads from an HTML page.
type page struct {
	status   int
	location string
	csrf     string
	fields   map[string]string // visible, enabled inputs named by data path → input type
	actions  []string          // values of the _action buttons
}

// errRetry marks an answer after which the request is repeated: no answer at all (the
// server is down or died), 5xx, 403 (the CSRF key changed with the restart), 429.
type errRetry struct{ reason string }

func (e *errRetry) Error() string { return e.reason }

func (c *client) do(ctx context.Context, req *http.Request) (*page, error) {
	req = req.WithContext(ctx)
	req.Header.Set("X-Forwarded-For", c.ip)
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &errRetry{err.Error()}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, &errRetry{"reading the body: " + err.Error()}
	}
	if res.StatusCode >= 500 || res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusTooManyRequests {
		return nil, &errRetry{fmt.Sprintf("%s %s: HTTP %d", req.Method, req.URL.Path, res.StatusCode)}
	}
	p := &page{status: res.StatusCode, location: res.Header.Get("Location")}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") && res.StatusCode == http.StatusOK {
		if err := p.parse(body); err != nil {
			return nil, err
		}
		if p.csrf != "" {
			c.csrf = p.csrf
		}
	}
	return p, nil
}

func (c *client) get(ctx context.Context, path string) (*page, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, req)
}

// post sends values with the CSRF token of the last page.
func (c *client) post(ctx context.Context, path string, values url.Values) (*page, error) {
	v := url.Values{}
	for k, vs := range values {
		v[k] = vs
	}
	v.Set("_csrf", c.csrf)
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(ctx, req)
}

// parse reads the CSRF token, the inputs a citizen can fill (not inside an element that is
// hidden or disabled) and the action buttons of a page.
func (p *page) parse(body []byte) error {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return err
	}
	p.fields = map[string]string{}
	var walk func(n *html.Node, hidden bool)
	walk = func(n *html.Node, hidden bool) {
		if n.Type == html.ElementNode {
			if hasAttr(n, "hidden") || hasAttr(n, "disabled") {
				hidden = true
			}
			name := attr(n, "name")
			switch {
			case name == "_csrf" && n.Data == "input":
				p.csrf = attr(n, "value")
			case name == "_action" && n.Data == "button":
				p.actions = append(p.actions, attr(n, "value"))
			case !hidden && strings.HasPrefix(name, "/"):
				switch n.Data {
				case "input":
					p.fields[name] = attr(n, "type")
				case "select", "textarea":
					p.fields[name] = n.Data
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, hidden)
		}
	}
	walk(doc, false)
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// values gives the data's answers for the inputs of a page, as a browser sends them.
func values(fields map[string]string, data map[string]any) url.Values {
	v := url.Values{}
	for name, typ := range fields {
		val, ok := forms.Lookup(data, name, nil)
		if !ok || val == nil {
			continue
		}
		switch x := val.(type) {
		case []any:
			for _, item := range x {
				v.Add(name, renderer.ChoiceValue(item))
			}
		case bool:
			if typ != "checkbox" {
				v.Set(name, strconv.FormatBool(x))
			} else if x {
				v.Set(name, "true")
			}
		default:
			v.Set(name, renderer.ChoiceValue(x))
		}
	}
	return v
}

// missingItem returns the add action of a list on the page that has fewer items than the
// data, or "".
func missingItem(p *page, data map[string]any) string {
	for _, a := range p.actions {
		list, ok := strings.CutPrefix(a, "add:")
		if !ok {
			continue
		}
		want, _ := forms.Lookup(data, list, nil)
		items, _ := want.([]any)
		have := map[string]bool{}
		for name := range p.fields {
			if rest, ok := strings.CutPrefix(name, list+"/"); ok {
				have[strings.SplitN(rest, "/", 2)[0]] = true
			}
		}
		if len(have) < len(items) {
			return a
		}
	}
	return ""
}

func stripQuery(loc string) string {
	loc, _, _ = strings.Cut(loc, "#")
	loc, _, _ = strings.Cut(loc, "?")
	return loc
}

// pause waits a little before a request is repeated: long enough not to spin while the server
// restarts, short enough to be back soon after. A 429 waits for the rate limit's next token.
func (c *client) pause(ctx context.Context, err error) {
	c.retries++
	d := 20*time.Millisecond + rand.N(40*time.Millisecond)
	if strings.Contains(err.Error(), "HTTP 429") {
		d = time.Second
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// errInvalid: the server found the data invalid; a bug of the test or of the server, never
// retried.
var errInvalid = errors.New("the server found the sample invalid")

// submitForm fills the form with data step by step and submits it. It returns the
// Vorgangsnummer the confirmation shows and the draft's id. Every request that fails in a
// way a restart explains is repeated until ctx ends. inFlight is told when a submit POST
// starts (+1) and ends (-1).
func (c *client) submitForm(ctx context.Context, data map[string]any, inFlight func(delta int64)) (ref, draftID string, err error) {
	state, loc := "start", ""
	submitted := false // a submit POST was sent and its answer lost
	for {
		if err := ctx.Err(); err != nil {
			return "", "", err
		}
		switch state {
		case "start": // a fresh draft
			if _, err := c.get(ctx, formPath); err != nil {
				c.pause(ctx, err)
				continue
			}
			p, err := c.post(ctx, formPath, nil)
			if err != nil {
				c.pause(ctx, err)
				continue
			}
			if p.status != http.StatusSeeOther {
				return "", "", fmt.Errorf("start: HTTP %d", p.status)
			}
			state, loc = "step", p.location

		case "step": // the page at loc: add list items, then post the answers
			if strings.HasPrefix(loc, reviewPath) {
				state = "review"
				continue
			}
			path := stripQuery(loc)
			p, err := c.get(ctx, path)
			if err != nil {
				c.pause(ctx, err)
				continue
			}
			switch {
			case p.status == http.StatusNotFound || p.status == http.StatusGone:
				state = "start" // the draft was never committed (its answer was lost)
				continue
			case p.status == http.StatusSeeOther:
				if m := confirmationPath.FindStringSubmatch(p.location); m != nil {
					return c.done(m[1], submitted)
				}
				if stripQuery(p.location) == formPath {
					state = "start"
				} else {
					loc = p.location
				}
				continue
			case p.status != http.StatusOK:
				return "", "", fmt.Errorf("GET %s: HTTP %d", path, p.status)
			}
			action := missingItem(p, data)
			if action == "" {
				action = "weiter"
			}
			v := values(p.fields, data)
			v.Set("_action", action)
			r, err := c.post(ctx, path, v)
			if err != nil {
				c.pause(ctx, err)
				continue // the page is read again: with the token of the restarted server
			}
			switch {
			case r.status == http.StatusSeeOther && strings.Contains(r.location, "fehler=1"):
				return "", "", fmt.Errorf("%w on %s", errInvalid, path)
			case r.status == http.StatusSeeOther:
				if action == "weiter" {
					loc = r.location
				}
			case r.status == http.StatusNotFound || r.status == http.StatusGone:
				state = "start"
			default:
				return "", "", fmt.Errorf("POST %s: HTTP %d", path, r.status)
			}

		case "review": // the review page: it has the submit button, or leads to the confirmation
			p, err := c.get(ctx, reviewPath)
			if err != nil {
				c.pause(ctx, err)
				continue
			}
			switch {
			case p.status == http.StatusOK:
				state = "submit"
			case p.status == http.StatusSeeOther:
				if m := confirmationPath.FindStringSubmatch(p.location); m != nil {
					return c.done(m[1], submitted)
				}
				if stripQuery(p.location) == formPath {
					if submitted {
						return "", "", errors.New("the draft is gone after a submit whose answer was lost, and there is no submission")
					}
					state = "start"
				} else {
					state, loc = "step", p.location
				}
			case p.status == http.StatusNotFound || p.status == http.StatusGone:
				if submitted {
					return "", "", fmt.Errorf("review after a lost submit answer: HTTP %d", p.status)
				}
				state = "start"
			default:
				return "", "", fmt.Errorf("review: HTTP %d", p.status)
			}

		case "submit":
			inFlight(1)
			p, err := c.post(ctx, submitPath, nil)
			inFlight(-1)
			if err != nil {
				submitted = true
				c.pause(ctx, err)
				state = "review"
				continue
			}
			if m := confirmationPath.FindStringSubmatch(p.location); p.status == http.StatusSeeOther && m != nil {
				return c.done(m[1], false)
			}
			if p.status == http.StatusSeeOther && strings.Contains(p.location, "fehler=1") {
				return "", "", fmt.Errorf("%w at the submit", errInvalid)
			}
			return "", "", fmt.Errorf("submit: HTTP %d to %q", p.status, p.location)
		}
	}
}

// done returns the Vorgangsnummer and the draft id of a finished flow. lostAnswer tells that
// the client learnt it not from the submit's answer but from a page that leads to the
// confirmation: the submission had been committed and its answer was lost in the crash.
func (c *client) done(ref string, lostAnswer bool) (string, string, error) {
	if lostAnswer {
		c.lostAcks++
	}
	u, _ := url.Parse(c.base + "/")
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == cookieDraft {
			return ref, ck.Value, nil
		}
	}
	return "", "", errors.New("no draft cookie after the submit")
}

// resubmit posts the submit button again for a draft that was submitted before (the
// browser's back button, a resent POST) and returns where the server sends the citizen.
func (c *client) resubmit(ctx context.Context, draftID string) (string, error) {
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if _, err := c.get(ctx, formPath); err != nil { // the token of the running server
			c.pause(ctx, err)
			continue
		}
		u, _ := url.Parse(c.base + "/")
		session := ""
		for _, ck := range c.hc.Jar.Cookies(u) {
			if ck.Name == cookieSession {
				session = ck.Value
			}
		}
		body := url.Values{"_csrf": {c.csrf}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+submitPath, strings.NewReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookieSession+"="+session+"; "+cookieDraft+"="+draftID)
		req.Header.Set("X-Forwarded-For", c.ip)
		plain := &http.Client{Timeout: c.hc.Timeout, CheckRedirect: c.hc.CheckRedirect, Transport: c.hc.Transport}
		res, err := plain.Do(req)
		if err != nil {
			c.pause(ctx, err)
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			c.pause(ctx, fmt.Errorf("HTTP %d", res.StatusCode))
			continue
		}
		if res.StatusCode != http.StatusSeeOther {
			return "", fmt.Errorf("resubmit: HTTP %d", res.StatusCode)
		}
		return res.Header.Get("Location"), nil
	}
}
