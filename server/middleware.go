package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Context keys.
const (
	ctxRequestID = "ozgform.requestID"
	ctxLang      = "ozgform.lang"
	ctxLangSet   = "ozgform.langChosen"
	ctxForm      = "ozgform.form"
	ctxSession   = "ozgform.session"
)

// Cookie names. The draft cookie is per form, so that a citizen can fill in two forms at once.
const (
	cookieSession = "ozg_sitzung" // random; the CSRF token is derived from it
	cookieLang    = "ozg_sprache"
	cookieDraft   = "ozg_entwurf_" // + form id; holds only the draft id
	cookieAccess  = "ozg_vorgang"  // path /vorgang/<reference>; holds the access token
)

// contentSecurityPolicy forbids inline scripts and styles, frames, and posting elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestLog gives every request an id and logs it when it is done: method, route pattern,
// status, duration, id. Never paths with codes, never form values.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := ""
		if s.cfg.TrustProxy {
			if h := c.Request().Header.Get(echo.HeaderXRequestID); requestIDPattern.MatchString(h) {
				id = h
			}
		}
		if id == "" {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if !s.routes[route] {
			route = "(unmatched)"
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.Log(c.Request().Context(), level, "request",
			"method", c.Request().Method, "route", route, "status", status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000, "request_id", id)
		return nil
	}
}

// recoverPanic turns a panic into the 500 page; the stack goes to the log.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "request_id", requestID(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store") // pages hold personal data; static files override it
		if s.isTLS(c) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		return next(c)
	}
}

// isTLS reports whether the browser talks HTTPS to us (directly or through a trusted proxy).
func (s *Server) isTLS(c echo.Context) bool {
	if c.Request().TLS != nil {
		return true
	}
	return s.cfg.TrustProxy && strings.EqualFold(c.Request().Header.Get(echo.HeaderXForwardedProto), "https")
}

// language picks the page language: ?lang=, else the language cookie, else German. A choice
// by ?lang= is remembered in a cookie (and by the handlers in the draft).
func (s *Server) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := ""
		if q := c.QueryParam("lang"); q == "de" || q == "en" {
			lang = q
			s.setCookie(c, &http.Cookie{Name: cookieLang, Value: q, MaxAge: 365 * 24 * 3600})
			c.Set(ctxLangSet, true)
		} else if ck, err := c.Cookie(cookieLang); err == nil && (ck.Value == "de" || ck.Value == "en") {
			lang = ck.Value
			c.Set(ctxLangSet, true)
		}
		if lang == "" {
			lang = "de"
		}
		c.Set(ctxLang, lang)
		return next(c)
	}
}

func langOf(c echo.Context) string {
	if l, ok := c.Get(ctxLang).(string); ok && l != "" {
		return l
	}
	return "de"
}

// langChosen reports whether the citizen chose a language (query or cookie) on this request.
func langChosen(c echo.Context) bool { b, _ := c.Get(ctxLangSet).(bool); return b }

func requestID(c echo.Context) string { id, _ := c.Get(ctxRequestID).(string); return id }

// setCookie sets a cookie with the attributes every cookie of ours has.
func (s *Server) setCookie(c echo.Context, ck *http.Cookie) {
	if ck.Path == "" {
		ck.Path = "/"
	}
	ck.HttpOnly = true
	ck.SameSite = http.SameSiteLaxMode
	ck.Secure = s.isTLS(c)
	c.SetCookie(ck)
}

// ---------------------------------------------------------------- CSRF

// session returns the browser's session value (the base of the CSRF token), creating the
// cookie on first use.
func (s *Server) session(c echo.Context) string {
	if v, ok := c.Get(ctxSession).(string); ok {
		return v
	}
	if ck, err := c.Cookie(cookieSession); err == nil && validSession(ck.Value) {
		c.Set(ctxSession, ck.Value)
		return ck.Value
	}
	var b [18]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	s.setCookie(c, &http.Cookie{Name: cookieSession, Value: v})
	c.Set(ctxSession, v)
	return v
}

func validSession(v string) bool {
	if len(v) != 24 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// csrfToken is the token of the browser's session: an HMAC of the session value.
func (s *Server) csrfToken(c echo.Context) string {
	return s.tokenFor(s.session(c))
}

func (s *Server) tokenFor(session string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("ozgform csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// crossSite refuses requests that the browser marks as coming from another site.
func (s *Server) crossSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Header.Get("Sec-Fetch-Site") == "cross-site" {
			return &pageError{status: http.StatusForbidden}
		}
		return next(c)
	}
}

// checkCSRF compares the posted token with the session's.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(cookieSession)
		if err != nil || !validSession(ck.Value) {
			return &pageError{status: http.StatusForbidden}
		}
		pf := postedForm(c)
		got := pf.first("_csrf")
		want := s.tokenFor(ck.Value)
		if got == "" || !hmac.Equal([]byte(got), []byte(want)) {
			return &pageError{status: http.StatusForbidden}
		}
		c.Set(ctxSession, ck.Value)
		return next(c)
	}
}

// ---------------------------------------------------------------- rate limit

// rateLimit answers 429 when a client sends POSTs faster than the configured rate.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.limiter != nil && !s.limiter.allow(c.RealIP()) {
			c.Response().Header().Set("Retry-After", "1")
			return &pageError{status: http.StatusTooManyRequests}
		}
		return next(c)
	}
}

// rateLimiter is a token bucket per client address. Idle buckets are dropped.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}, swept: now()}
}

func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
