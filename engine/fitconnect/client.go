package fitconnect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ozgform/ozgform/engine/webhook"
)

// maxResponse bounds what is read of an answer of the Submission API or the token endpoint.
const maxResponse = 4 << 20

// apiError is a failed request: the step, the HTTP status (0: no answer) and a short reason
// without personal data.
type apiError struct {
	step       string
	status     int
	reason     string
	retryAfter time.Duration
}

func (e *apiError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("%s: HTTP %d%s", e.step, e.status, e.reason)
	}
	return e.step + ": " + e.reason
}

// client talks to the token endpoint and the Submission API of one FIT-Connect environment.
type client struct {
	api          string // base URL without trailing slash
	tokenURL     string
	clientID     string
	clientSecret string
	http         *http.Client
	now          func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
	tokens  int // tokens fetched, for tests
}

// accessToken returns the cached token, or fetches one with the client credentials (OAuth 2
// client credentials grant, credentials in the body as FIT-Connect documents it). A token is
// used until 30 s before it expires.
func (c *client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.clientID}, "client_secret": {c.clientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &apiError{step: "token", reason: "request not built"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := c.roundTrip(req, "token", &tok); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.status == http.StatusBadRequest || ae.status == http.StatusUnauthorized) {
			ae.reason = " (the token endpoint refused the client credentials: check clientId and clientSecret)"
		}
		return "", err
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "bearer") {
		return "", &apiError{step: "token", reason: "the token endpoint sent no bearer token"}
	}
	c.tokens++
	c.token = tok.AccessToken
	c.expires = c.now().Add(time.Duration(max(tok.ExpiresIn-30, 0)) * time.Second)
	return c.token, nil
}

// forgetToken drops the cached token after a 401, so that the next request fetches a new one.
func (c *client) forgetToken() {
	c.mu.Lock()
	c.token = ""
	c.mu.Unlock()
}

// call sends an authorised request to the Submission API at path and decodes a JSON answer
// into out (unless nil). A 401 drops the token and is tried once more with a new one.
func (c *client) call(ctx context.Context, step, method, path, contentType string, body []byte, out any) error {
	for try := 0; ; try++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, method, c.api+path, bytes.NewReader(body))
		if err != nil {
			return &apiError{step: step, reason: "request not built"}
		}
		if body == nil {
			req.Body, req.ContentLength = http.NoBody, 0
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json, application/problem+json")
		req.Header.Set("User-Agent", "ozgform-fitconnect/1")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		err = c.roundTrip(req, step, out)
		var ae *apiError
		if errors.As(err, &ae) && ae.status == http.StatusUnauthorized {
			c.forgetToken()
			if try == 0 {
				continue
			}
			ae.reason = " (the Submission API refused the access token: check the API client in the self-service portal)"
		}
		return err
	}
}

// roundTrip does one request and decodes a 2xx JSON answer into out (unless nil).
func (c *client) roundTrip(req *http.Request, step string, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return &apiError{step: step, reason: webhook.Reason(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &apiError{step: step, reason: webhook.Reason(err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &apiError{step: step, status: resp.StatusCode, retryAfter: webhook.RetryAfter(resp.Header.Get("Retry-After"), c.now())}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return &apiError{step: step, status: resp.StatusCode, reason: " with an answer that is not the documented JSON"}
		}
	}
	return nil
}
