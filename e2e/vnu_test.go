package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// vnuMessage is one message of the Nu Html Checker's JSON output.
type vnuMessage struct {
	Type    string `json:"type"`    // error, info, non-document-error
	SubType string `json:"subType"` // warning (for info), fatal, io, …
	URL     string `json:"url"`
	Line    int    `json:"lastLine"`
	Column  int    `json:"lastColumn"`
	Message string `json:"message"`
	Extract string `json:"extract"`
}

// checkHTML runs the Nu Html Checker once over all kept pages and requires zero errors.
// Warnings are printed and allowed.
func checkHTML(t *testing.T, pages *servedPages) {
	java, jar := vnuCommand(t)
	pages.mu.Lock()
	files := slices.Clone(pages.files)
	pages.mu.Unlock()
	if len(files) == 0 {
		t.Fatal("no pages were kept")
	}
	messages := runVNU(t, java, jar, files)
	errors := 0
	for _, m := range messages {
		where := filepath.Base(m.URL)
		switch {
		case m.Type == "error" || m.Type == "non-document-error":
			errors++
			t.Errorf("%s:%d:%d: %s\n    %s", where, m.Line, m.Column, m.Message, m.Extract)
		case m.SubType == "warning":
			t.Logf("warning: %s:%d: %s", where, m.Line, m.Message)
		default:
			t.Logf("info: %s:%d: %s", where, m.Line, m.Message)
		}
	}
	t.Logf("Nu Html Checker: %d pages, %d messages, %d errors", len(files), len(messages), errors)
}

// runVNU checks HTML files with the Nu Html Checker in one run.
func runVNU(t *testing.T, java, jar string, files []string) []vnuMessage {
	t.Helper()
	args := append([]string{"-jar", jar, "--format", "json", "--exit-zero-always", "--stdout"}, files...)
	out, err := exec.Command(java, args...).Output()
	if err != nil {
		t.Fatalf("vnu: %v", err)
	}
	var res struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("vnu output: %v\n%s", err, out)
	}
	return res.Messages
}
