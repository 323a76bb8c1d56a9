package examples_test

import (
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
