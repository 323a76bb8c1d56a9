// Package server is the web application of ozgform: the echo routes that serve the forms to
// citizens, one handler file per action, the middleware around them (security headers, CSRF,
// body limit, rate limit, request log) and the mapping of engine errors to German pages.
//
// Every handler has the same shape: parse the request, call the engine, render a page or
// redirect. Data, visibility and validation live in package engine; the HTML in package
// renderer.
package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// Defaults of the Config.
const (
	DefaultBodyLimit = 1 << 20 // bytes of a form post
	DefaultRateLimit = 20      // POSTs per second and client
	DefaultRateBurst = 40
	// DefaultReadTimeout bounds reading a request, headers and body.
	DefaultReadTimeout = 30 * time.Second
)

// Config is what an operator sets.
type Config struct {
	// Branding is the portal's name, logo and colours.
	Branding renderer.Branding
	// BodyLimit is the largest accepted request body in bytes; default DefaultBodyLimit.
	BodyLimit int64
	// UploadLimit is the largest accepted body of a step post with files (multipart) in
	// bytes; default DefaultUploadLimit. The limit of one file is engine.Service.MaxFileSize.
	UploadLimit int64
	// UploadTimeout is how long receiving a step post with files may take once its CSRF
	// token has been checked; default DefaultUploadTimeout.
	UploadTimeout time.Duration
	// ReadTimeout is how long receiving any other request (and a multipart post up to its
	// checked CSRF token) may take; default DefaultReadTimeout.
	ReadTimeout time.Duration
	// RateLimit and RateBurst limit POST requests per client IP address (token bucket);
	// defaults DefaultRateLimit and DefaultRateBurst. A negative RateLimit turns it off.
	RateLimit float64
	RateBurst int
	// TrustProxy makes the server believe X-Forwarded-For and X-Forwarded-Proto, as set by a
	// reverse proxy in front of it. Without a proxy, leave it off: clients could fake them.
	TrustProxy bool
	// CSRFKey signs the CSRF tokens; default a random key per process (tokens then do not
	// survive a restart, and several instances need the same key).
	CSRFKey []byte
	// Now is the clock of the rate limiter; default time.Now.
	Now func() time.Time

	// APITokens are the bearer tokens of the pull API (/api/v1). Without tokens the API
	// answers every request with 401.
	APITokens []engine.APIToken
	// BaseURL is the operator's public base URL (serve --base-url), under which the envelopes
	// name their schemas. The pull API hands out the envelopes the outbox worker builds with
	// the same base URL, so that both are the same bytes; without it the API cannot build
	// envelopes (cmd/ozgform always sets it).
	BaseURL string
	// Metrics is the registry that /metrics serves (cmd/ozgform creates it with the Go,
	// process and delivery collectors); nil means no /metrics.
	Metrics prometheus.Gatherer
	// MetricsToken, when set, puts /metrics on the citizens' listener behind this bearer
	// token (Authorization: Bearer …). Without it the citizens' listener has no /metrics;
	// MetricsHandler serves the metrics on a separate (internal) listen address instead.
	MetricsToken string
}

// Server is the web application.
type Server struct {
	cfg Config
	// forms is the catalog (swapped by SetCatalog) with its resolver of form versions.
	forms   *liveCatalog
	svc     *engine.Service
	log     *slog.Logger
	html    *renderer.HTML
	msgs    *engine.Catalog
	echo    *echo.Echo
	csrfKey []byte
	limiter *rateLimiter
	routes  map[string]bool // registered route patterns, for the request log
}

// New builds the application. An invalid branding is logged and replaced by the default
// (cmd/ozgform checks it before, so that the operator sees the problem at start-up). A nil
// catalog serves no forms until SetCatalog.
func New(cfg Config, catalog *forms.Catalog, svc *engine.Service, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if catalog == nil {
		catalog, _ = forms.LoadCatalog(forms.MapFS{}, ".", forms.Options{})
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.UploadLimit <= 0 {
		cfg.UploadLimit = DefaultUploadLimit
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = DefaultUploadTimeout
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	html, err := renderer.NewHTML(cfg.Branding)
	if err != nil {
		logger.Error("invalid branding, using the default", "error", err)
		html, err = renderer.NewHTML(renderer.Branding{})
		if err != nil {
			panic(err) // the embedded templates do not parse: a build defect
		}
	}
	key := cfg.CSRFKey
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
	}
	s := &Server{
		cfg: cfg, forms: &liveCatalog{}, svc: svc, log: logger, html: html, msgs: engine.NewCatalog(),
		csrfKey: key, routes: map[string]bool{},
	}
	if svc != nil && svc.Store != nil {
		s.forms.store = svc.Store
	}
	s.forms.set(catalog)
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now)
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	s.echo = e
	s.registerRoutes()
	return s
}

// Handler returns the application as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Run serves on addr until ctx is cancelled, then shuts down gracefully: running requests
// may finish within ten seconds.
func (s *Server) Run(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// HTTPServer is the http.Server that Serve runs, with the timeouts of the Config.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: min(10*time.Second, s.cfg.ReadTimeout),
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.ReadTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve is Run on a listener the caller opened.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.ServeHandler(ctx, ln, s.echo)
}

// ServeHandler is Serve with a handler that wraps the application (the preview of
// `ozgform dev`).
func (s *Server) ServeHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := s.HTTPServer()
	srv.Handler = h
	s.log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ---------------------------------------------------------------- rendering helpers

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page renders an HTML page with a status.
func (s *Server) page(c echo.Context, status int, render func(w io.Writer) error) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := render(buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// common is what every page needs from the request: language, CSRF token, language switch.
func (s *Server) common(c echo.Context) renderer.Common {
	lang := langOf(c)
	return renderer.Common{Lang: lang, CSRF: s.csrfToken(c), SwitchURL: switchURL(c, lang), Secure: s.isTLS(c)}
}

// commonFor is common for the pages of a form: a form without English texts is shown in
// German, without the language switch.
func (s *Server) commonFor(c echo.Context, f *forms.Form) renderer.Common {
	cm := s.common(c)
	if cm.Lang != "de" && !slices.Contains(f.Manifest.Languages, cm.Lang) {
		cm.Lang = "de"
	}
	if !slices.Contains(f.Manifest.Languages, "en") {
		cm.SwitchURL = ""
	}
	return cm
}

// switchURL is the current GET URL with the other language.
func switchURL(c echo.Context, lang string) string {
	if c.Request().Method != http.MethodGet {
		return ""
	}
	other := "en"
	if lang == "en" {
		other = "de"
	}
	q := c.Request().URL.Query()
	q.Set("lang", other)
	return c.Request().URL.Path + "?" + q.Encode()
}

// redirect answers a POST with 303 See Other.
func redirect(c echo.Context, url string) error { return c.Redirect(http.StatusSeeOther, url) }
