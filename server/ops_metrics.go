package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves the registry of Config.Metrics in the Prometheus exposition format.
// The metrics hold no personal data (form ids, destination names, counts and times), but they
// tell an attacker the Go version, the destinations and the load, so they are not public: on
// the citizens' listener only with Config.MetricsToken (metricsAuth), or on a listener of
// their own (MetricsHandler, serve --metrics-addr).
func (s *Server) metricsHandler() echo.HandlerFunc {
	return echo.WrapHandler(s.promHandler())
}

func (s *Server) promHandler() http.Handler {
	return promhttp.HandlerFor(s.cfg.Metrics, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError, // a failing collector must not hide the others
	})
}

// metricsAuth lets a request to /metrics pass with the configured bearer token and answers
// 401 otherwise; failed attempts count against the client's rate limit.
func (s *Server) metricsAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.metricsTokenOK(c.Request()) {
			return next(c)
		}
		if s.limiter != nil && !s.limiter.allow(c.RealIP()) {
			c.Response().Header().Set("Retry-After", "1")
			return &pageError{status: http.StatusTooManyRequests}
		}
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ozgform-metrics"`)
		return c.String(http.StatusUnauthorized, "401 Unauthorized: /metrics needs Authorization: Bearer <token>\n")
	}
}

// metricsTokenOK compares the request's bearer token with Config.MetricsToken in constant
// time (the SHA-256 of both, so that the length does not leak either).
func (s *Server) metricsTokenOK(r *http.Request) bool {
	scheme, token, _ := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	if s.cfg.MetricsToken == "" || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// MetricsHandler serves /metrics (and nothing else) for a separate listen address that only
// the operator's monitoring reaches (serve --metrics-addr). With Config.MetricsToken set the
// token is required there too. Nil without Config.Metrics.
func (s *Server) MetricsHandler() http.Handler {
	if s.cfg.Metrics == nil {
		return nil
	}
	prom := s.promHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != "/metrics":
			http.NotFound(w, r)
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		case s.cfg.MetricsToken != "" && !s.metricsTokenOK(r):
			w.Header().Set("WWW-Authenticate", `Bearer realm="ozgform-metrics"`)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		default:
			w.Header().Set("Cache-Control", "no-store")
			prom.ServeHTTP(w, r)
		}
	})
}
