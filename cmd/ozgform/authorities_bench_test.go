package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/authority/authoritytest"
)

// germanyConfig writes a configuration with a generated Germany-sized directory (about
// 11,000 municipalities, 8,200 postal codes, 7,300 authorities) as YAML or JSON, and its
// table, and returns the configuration file's path.
func germanyConfig(tb testing.TB, ext string) string {
	tb.Helper()
	dir := tb.TempDir()
	g := authoritytest.Germany(authoritytest.GermanySizes, []string{"kasse"})
	if err := os.WriteFile(filepath.Join(dir, "gemeinden.csv"), []byte(g.Table), 0o600); err != nil {
		tb.Fatal(err)
	}
	type entry struct {
		ID           string              `json:"id"`
		Name         string              `json:"name"`
		ARS          []string            `json:"ars"`
		Address      map[string]string   `json:"address"`
		Contact      map[string]string   `json:"contact"`
		Destinations map[string][]string `json:"destinations"`
	}
	list := make([]entry, len(g.Authorities))
	for i, a := range g.Authorities {
		list[i] = entry{ID: a.ID, Name: a.Name, ARS: a.ARS,
			Address:      map[string]string{"street": a.Street, "postalCode": a.PostalCode, "city": a.City},
			Contact:      map[string]string{"email": a.Email},
			Destinations: a.Destinations}
	}
	var b strings.Builder
	if ext == ".json" {
		raw, _ := json.Marshal(map[string]any{
			"destinations": []any{map[string]any{"name": "kasse", "type": "api"}},
			"authorities":  map[string]any{"table": "gemeinden.csv", "list": list},
		})
		b.Write(raw)
	} else {
		b.WriteString("destinations:\n  - {name: kasse, type: api}\nauthorities:\n  table: gemeinden.csv\n  list:\n")
		for _, e := range list {
			fmt.Fprintf(&b, "    - id: %s\n      name: %s\n      ars: [%s]\n      address: {street: %s, postalCode: \"%s\", city: %s}\n      contact: {email: %s}\n      destinations: {\"*\": [kasse]}\n",
				e.ID, e.Name, `"`+strings.Join(e.ARS, `", "`)+`"`, e.Address["street"], e.Address["postalCode"], e.Address["city"], e.Contact["email"])
		}
	}
	path := filepath.Join(dir, "ozgform"+ext)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestGermanyConfigLoads: the generated configuration is valid, so that the benchmarks
// measure a real start.
func TestGermanyConfigLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, ext := range []string{".yaml", ".json"} {
		cfg, err := loadConfig(germanyConfig(t, ext), os.Getenv)
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if d := cfg.AuthorityDirectory(); len(d.Authorities()) < 7000 || d.ByPLZ(authoritytest.PLZ(100), "", "").Status.String() == "pending" {
			t.Fatalf("%s: %d authorities", ext, len(d.Authorities()))
		}
	}
}

// BenchmarkStartupAuthorities is the start-up cost of a Germany-sized directory in the
// configuration: reading and checking the file and the table, building the directory.
func BenchmarkStartupAuthorities(b *testing.B) {
	for _, ext := range []string{".json", ".yaml"} {
		b.Run(strings.TrimPrefix(ext, "."), func(b *testing.B) {
			path := germanyConfig(b, ext)
			b.ReportAllocs()
			for b.Loop() {
				cfg, err := loadConfig(path, os.Getenv)
				if err != nil {
					b.Fatal(err)
				}
				cfg.AuthorityDirectory()
			}
		})
	}
}
