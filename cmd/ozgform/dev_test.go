package main

import (
	"strings"
	"testing"
)

// TestDevRefusesRemoteAddresses: the preview listens on this computer only, unless told.
func TestDevRefusesRemoteAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:8080", "example.org:8080"} {
		code, _, errOut := run(t, "dev", "--addr", addr, "../../examples")
		if code != exitUsage || !strings.Contains(errOut, "die Vorschau lauscht nur auf diesem Rechner") || !strings.Contains(errOut, "--allow-remote") {
			t.Errorf("dev --addr %s: exit %d, want %d and the reason:\n%s", addr, code, exitUsage, errOut)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		if err := checkLoopback(addr, false); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if err := checkLoopback("0.0.0.0:8080", true); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
	if code, _, errOut := run(t, "dev", "gibtsnicht"); code != exitUsage || !strings.Contains(errOut, "existiert nicht") {
		t.Errorf("missing folder: exit %d\n%s", code, errOut)
	}
}
