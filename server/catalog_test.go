package server

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// TestSetCatalogSwapsForms: after SetCatalog the next request sees the new catalog; a form
// that is gone answers 404, the draft of a form that stays goes on.
func TestSetCatalogSwapsForms(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	r := b.get("/formulare/hundesteuer")
	wantStatus(t, "start page", r, http.StatusOK)
	r, _ = b.follow(b.post("/formulare/hundesteuer", nil))
	wantStatus(t, "first step", r, http.StatusOK)

	only, problems := forms.LoadCatalog(os.DirFS("../examples"), ".", forms.Options{})
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	// A catalog of the Hundesteuer alone: load the folder through a sub-FS holding one form.
	sub := forms.MapFS{}
	for name, data := range only.Get("hundesteuer").Files {
		sub["hundesteuer/"+name] = data
	}
	one, problems := forms.LoadCatalog(sub, ".", forms.Options{})
	if problems.HasErrors() || one.Get("hundesteuer") == nil {
		t.Fatal(problems)
	}
	app.server.SetCatalog(one)
	wantStatus(t, "removed form", b.get("/formulare/gewerbeanmeldung"), http.StatusNotFound)
	r = b.get("/formulare/hundesteuer/schritt/1")
	wantStatus(t, "draft after the swap", r, http.StatusOK)
	if !strings.Contains(b.get("/").body, "Hundesteuer") || strings.Contains(b.get("/").body, "Gewerbeanmeldung") {
		t.Error("index does not list the swapped catalog")
	}
}
