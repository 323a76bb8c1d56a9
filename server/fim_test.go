package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/codelist"
	"github.com/ozgform/ozgform/forms/fim"
	"github.com/ozgform/ozgform/forms/fim/fimtest"
)

// TestImportedFIMFormsFillable imports every FIM schema of forms/fim/testdata (the 13 real
// ones and the made-up choice group), serves the results and fills each like a citizen
// without JavaScript: a valid sample, step by step (list items added with the buttons, files
// uploaded), then the review page and the submission. The stored data must equal the sample
// (without the files' ids). So an imported form is shown to be fillable, not only valid.
func TestImportedFIMFormsFillable(t *testing.T) {
	const dir = "../forms/fim/testdata"
	type fimCase struct{ file, lists string }
	var files []fimCase
	xdf3, _ := filepath.Glob(dir + "/xdf3/*.xdf.xml")
	synthetic, _ := filepath.Glob(dir + "/synthetic/*.xdf.xml")
	for _, f := range append(xdf3, synthetic...) {
		files = append(files, fimCase{file: f})
	}
	xdf2, _ := filepath.Glob(dir + "/xdf2/*/S*.xml")
	for _, f := range xdf2 {
		files = append(files, fimCase{file: f, lists: filepath.Dir(f)})
	}
	if len(files) < 14 {
		t.Fatalf("found %d FIM schemas, want 14", len(files))
	}
	fsys := fstest.MapFS{}
	schemas := map[string]map[string]any{}
	for i, c := range files {
		raw, err := os.ReadFile(c.file)
		if err != nil {
			t.Fatal(err)
		}
		set := codelist.NewSet()
		lists, _ := filepath.Glob(filepath.Join(c.lists, "*.xml"))
		for _, l := range lists {
			data, _ := os.ReadFile(l)
			if cl, err := codelist.Parse(data); err == nil && c.lists != "" {
				set.Add(cl)
			}
		}
		id := fmt.Sprintf("fim-%02d", i)
		res, err := fim.Import(raw, fim.Options{ID: id, Codelists: set})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		// What the author adds by hand after every import (the report asks for it).
		var manifest map[string]any
		if err := json.Unmarshal(res.Files["form.json"], &manifest); err != nil {
			t.Fatal(err)
		}
		manifest["authority"] = map[string]any{"name": "Musterbehörde"}
		manifest["privacyNotice"] = "Wir verarbeiten Ihre Angaben nur für diesen Antrag."
		manifest["leika"] = "99000000000000"
		res.Files["form.json"], _ = json.Marshal(manifest)
		for name, data := range res.Files {
			fsys[id+"/"+name] = &fstest.MapFile{Data: data}
		}
		var schema map[string]any
		if err := json.Unmarshal(res.Files["schema.json"], &schema); err != nil {
			t.Fatal(err)
		}
		schemas[id] = schema
	}
	cat, problems := forms.LoadCatalog(fsys, ".", forms.Options{})
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	app := newTestAppWith(t, cat)
	for i, c := range files {
		id := fmt.Sprintf("fim-%02d", i)
		t.Run(strings.TrimSuffix(filepath.Base(c.file), ".xml"), func(t *testing.T) {
			f := cat.Get(id)
			s, err := fimtest.NewSample(f, schemas[id])
			if err != nil {
				t.Fatal(err)
			}
			sample := s.Data
			for _, p := range s.Files {
				fimtest.SetPath(sample, p, []any{"datei"}) // one upload each
			}
			b := app.browser()
			b.tb = t
			review := b.fillForm(f, sample)
			if !strings.Contains(review.body, "Angaben prüfen") {
				t.Fatalf("review page:\n%s", clip(review.body))
			}
			stored := b.submit(id)
			// The uploads have new ids where the sample says "datei".
			got := fileID.ReplaceAllString(string(stored.Data), `"datei"`)
			data, _ := engine.DecodeData([]byte(got))
			pruned, _ := f.Prune(sample)
			if got, want := fmt.Sprint(data), fmt.Sprint(pruned); got != want {
				t.Errorf("stored data differs from the sample:\n got %s\nwant %s", got, want)
			}
			want, _ := json.Marshal(pruned) // without the files of fields a rule hides
			if n, w := strings.Count(got, `"datei"`), strings.Count(string(want), `"datei"`); n != w || w == 0 && len(s.Files) > 0 {
				t.Errorf("stored data names %d files, want %d (%d file fields)", n, w, len(s.Files))
			}
		})
	}
}

var fileID = regexp.MustCompile(`"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"`)

// submit posts the review page's "Absenden" and returns the stored submission.
func (b *browser) submit(id string) *engine.Submission {
	b.tb.Helper()
	sub := b.post("/formulare/"+id+"/absenden", nil)
	wantStatus(b.tb, "submit", sub, http.StatusSeeOther)
	m := referencePattern.FindStringSubmatch(sub.location)
	if m == nil {
		b.tb.Fatalf("submit → %q, want /vorgang/<Vorgangsnummer>", sub.location)
	}
	stored, err := b.app.svc.Submission(context.Background(), m[1])
	if err != nil {
		b.tb.Fatal(err)
	}
	return stored
}
