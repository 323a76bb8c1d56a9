package renderer

import (
	"fmt"
	"strings"
)

// The frame of every page (head, header with the portal's name and the language switch,
// footer with the legal links) is written by Go code: it is the same few lines around each
// page, and as a template it cost a reflective call per action on every request. The
// markup is exactly what the reference template testdata/base.html produces for the same
// frame (TestFrameMatchesTemplate); change both together.

// writeFrameHead writes the frame up to the page's content.
func (w *htmlWriter) writeFrameHead(f *frame) {
	w.raw("<!DOCTYPE html>\n<html")
	w.attr("lang", f.Lang)
	w.raw(">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	w.text(f.Title)
	w.raw("</title>\n")
	w.raw(`<link rel="stylesheet" href="/static/app.css?v=`)
	w.urlPart(f.Version)
	w.raw("\">\n" + `<link rel="stylesheet" href="/static/theme.css?v=`)
	w.urlPart(f.Version)
	w.raw("\">\n" + `<link rel="icon" href="/static/logo.svg" type="image/svg+xml">` + "\n" + `<script src="/static/app.js?v=`)
	w.urlPart(f.Version)
	w.raw("\" defer></script>\n</head>\n<body>\n" + `<a class="sprunglink" href="#inhalt">`)
	w.text(f.T("frame.skip"))
	w.raw("</a>\n" + `<header class="kopf">` + "\n" + `<div class="breite kopf-innen">` + "\n" + `<a class="marke" href="/"><img src="`)
	w.urlNormalized(string(f.Logo))
	w.raw(`" alt="" width="40" height="40"><span>`)
	w.text(f.Portal)
	w.raw("</span></a>\n")
	if f.SwitchURL != "" {
		w.raw(`<nav class="sprachwahl" aria-label="`)
		w.text(f.T("frame.language"))
		w.raw(`"><a href="`)
		w.url(f.SwitchURL)
		w.raw(`" lang="`)
		w.text(f.SwitchLang)
		w.raw(`" hreflang="`)
		w.text(f.SwitchLang)
		w.raw(`">`)
		w.text(f.SwitchText)
		w.raw(`</a></nav>`)
	}
	w.raw("\n</div>\n</header>\n" + `<main id="inhalt" tabindex="-1">` + "\n" + `<div class="breite">` + "\n")
}

// writeFrameTail writes the frame after the page's content.
func (w *htmlWriter) writeFrameTail(f *frame) {
	w.raw("\n</div>\n</main>\n" + `<footer class="fuss">` + "\n" + `<div class="breite">` + "\n" + `<nav aria-label="`)
	w.text(f.T("frame.legalNav"))
	w.raw(`"><ul class="fuss-links">` + "\n")
	link := func(href, id string) {
		w.raw(`<li><a href="`)
		w.url(href)
		w.raw(`">`)
		w.text(f.T(id))
		w.raw(`</a></li>`)
	}
	if f.Footer.Imprint != "" {
		link(f.Footer.Imprint, "frame.imprint")
	}
	w.raw("\n")
	if f.Footer.Privacy != "" {
		link(f.Footer.Privacy, "frame.privacy")
	}
	w.raw("\n")
	link(f.Footer.Accessibility, "frame.accessibility")
	w.raw("\n</ul></nav>\n<p>")
	if f.Footer.Secure {
		w.text(f.T("frame.footer"))
	} else {
		w.text(f.T("frame.footerPlain"))
	}
	w.raw("</p>\n</div>\n</footer>\n</body>\n</html>\n")
}

// url writes a URL into a quoted attribute the way html/template does for a string at the
// start of an href: a scheme other than http, https or mailto (javascript:) becomes
// "#ZgotmplZ", bytes outside URLs are percent-encoded, then the attribute is escaped.
func (w *htmlWriter) url(s string) {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		s = "#ZgotmplZ"
	}
	w.urlNormalized(s)
}

// urlNormalized writes a trusted URL (no scheme filter), normalized and escaped.
func (w *htmlWriter) urlNormalized(s string) { w.text(processURL(s, true)) }

// urlPart writes a value inside a URL's query: everything but unreserved bytes is
// percent-encoded.
func (w *htmlWriter) urlPart(s string) { w.text(processURL(s, false)) }

// processURL percent-encodes the bytes of s that may not appear in a URL attribute (as
// html/template does): with norm, reserved characters and existing escapes stay.
func processURL(s string, norm bool) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", c) >= 0:
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			if norm {
				continue
			}
		case c == '%':
			if norm && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
				continue
			}
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
