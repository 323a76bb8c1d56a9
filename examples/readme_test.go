package examples_test

import (
	"encoding/json"

	"github.com/ozgform/ozgform/engine"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRootReadme keeps the repository README in step with the examples (issue 14, point 13):
// the page count each example's row names is the form's, and every link and file the README
// points to lies inside the repository and exists.
func TestRootReadme(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	words := map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
	row := regexp.MustCompile("(?m)^\\| `examples/([a-z-]+)` \\| [^|]*?\\b(" + strings.Join(keys(words), "|") + ") pages\\b")
	found := 0
	for _, m := range row.FindAllStringSubmatch(readme, -1) {
		found++
		if got := len(load(t, m[1]).Pages); got != words[m[2]] {
			t.Errorf("README says %s has %s pages, the form has %d", m[1], m[2], got)
		}
	}
	if found == 0 {
		t.Error("no example row names its page count")
	}
	for _, m := range regexp.MustCompile(`\]\(([^)#]+)`).FindAllStringSubmatch(readme, -1) {
		target := m[1]
		if strings.Contains(target, "://") {
			continue
		}
		clean := filepath.Clean(target) // relative to the repository root
		if clean == ".." || strings.HasPrefix(clean, "../") || filepath.IsAbs(clean) {
			t.Errorf("README links to %s, outside the repository", target)
			continue
		}
		if _, err := os.Stat(filepath.Join("..", clean)); err != nil {
			t.Errorf("README links to %s, which does not exist", target)
		}
	}
	if strings.Contains(readme, "shared/DESIGN.md") {
		t.Error("README points to the design file outside the repository")
	}
}

func keys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMessagesNameFieldAndMatchHints (issue 14, point 13): the Chipnummer's errors name the
// field, and the PLZ error gives the example its hint gives.
func TestMessagesNameFieldAndMatchHints(t *testing.T) {
	f := load(t, "hundesteuer")
	raw, err := os.ReadFile("hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	data["anschrift"].(map[string]any)["plz"] = "1234"
	dog := data["hunde"].([]any)[0].(map[string]any)
	dog["chipnummer"] = "12345"
	cat := engine.NewCatalog()
	plzHint := f.Field("/anschrift/plz").Hint
	got := map[string]string{}
	for _, fe := range engine.Validate(f, data) {
		got[fe.Path] = cat.Message(f, fe, "de")
	}
	if msg := got["/hunde/0/chipnummer"]; !strings.Contains(msg, "„Chipnummer (Transpondernummer)“") {
		t.Errorf("the Chipnummer error does not name its field: %q", msg)
	}
	example := regexp.MustCompile(`\d{5}`).FindString(plzHint)
	if msg := got["/anschrift/plz"]; example == "" || !strings.Contains(msg, example) {
		t.Errorf("PLZ hint %q and error %q give different examples", plzHint, msg)
	}
	delete(dog, "chipnummer")
	for _, fe := range engine.Validate(f, data) {
		if fe.Path == "/hunde/0/chipnummer" && !strings.Contains(cat.Message(f, fe, "de"), "„Chipnummer (Transpondernummer)“") {
			t.Errorf("the missing-Chipnummer error does not name its field: %q", cat.Message(f, fe, "de"))
		}
	}
}

// TestNextStepsPromiseNothingUnsent (issue 14, point 13): the confirmation does not promise a
// receipt that nobody sends; it tells the citizen to keep the one shown.
func TestNextStepsPromiseNothingUnsent(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		next := load(t, dir).Manifest.NextSteps
		if strings.Contains(next, "erhalten sofort") || !strings.Contains(next, "speichern oder drucken") {
			t.Errorf("%s: nextSteps %q", dir, next)
		}
	}
}
