package server

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/ozgform/ozgform/engine/sqlite"
)

// TestCSRFKeySharedByInstances: two instances behind one load balancer accept each other's
// form tokens only when they are given the same key (serve --session-key-file).
func TestCSRFKeySharedByInstances(t *testing.T) {
	key := bytes.Repeat([]byte("k"), 32)
	withKey := func(k []byte) appOption {
		return func(c *Config, _ *sqlite.Options) { c.CSRFKey = k }
	}
	for _, tc := range []struct {
		name   string
		keyB   []byte
		status int
	}{
		{"same key", key, http.StatusSeeOther},
		{"other key", bytes.Repeat([]byte("x"), 32), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t, withKey(key))
			b := newTestApp(t, withKey(tc.keyB))
			onA := a.browser()
			wantStatus(t, "start page on A", onA.get("/formulare/hundesteuer"), http.StatusOK)
			// The same browser (cookies, token of the page from A) posts to instance B.
			onB := &browser{tb: t, app: b, c: onA.c, csrf: onA.csrf}
			wantStatus(t, "start on B", onB.post("/formulare/hundesteuer", nil), tc.status)
		})
	}
}
