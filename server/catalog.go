package server

import (
	"sync/atomic"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/finder"
)

// liveCatalog is the server's form catalog. serve sets it once; the preview of `ozgform dev`
// swaps it on every save (SetCatalog), while requests in flight keep the catalog they started
// with. Reading it is one atomic load.
type liveCatalog struct {
	cur   atomic.Pointer[catalogVersions]
	store engine.FormVersionStore
}

// catalogVersions is a catalog and the resolver of form versions over it.
type catalogVersions struct {
	catalog  *forms.Catalog
	versions *engine.Forms
	finder   *finder.Index // the service finder's index of the catalog
}

func (l *liveCatalog) set(c *forms.Catalog) {
	v := engine.NewForms(c, nil)
	if l.store != nil {
		v.Store = l.store
	}
	l.cur.Store(&catalogVersions{catalog: c, versions: v, finder: finder.New(c.Entries())})
}

// Get returns the form with the given id, or nil.
func (l *liveCatalog) Get(id string) *forms.Form { return l.cur.Load().catalog.Get(id) }

// Forms returns the forms ordered by id, every one compiled.
func (l *liveCatalog) Forms() []*forms.Form { return l.cur.Load().catalog.Forms() }

// Entries returns the forms ordered by id without compiling them.
func (l *liveCatalog) Entries() []*forms.Entry { return l.cur.Load().catalog.Entries() }

// finder returns the service finder's index of the catalog.
func (l *liveCatalog) finder() *finder.Index { return l.cur.Load().finder }

// Len returns the number of forms.
func (l *liveCatalog) Len() int { return l.cur.Load().catalog.Len() }

// versions finds the form of a submission, also in a version the catalog no longer holds
// (the files the store keeps): receipts, the pull API and the published schemas use it.
func (l *liveCatalog) versions() *engine.Forms { return l.cur.Load().versions }

// SetCatalog replaces the forms the server serves. Drafts and submissions of a form stay;
// the next request sees the new catalog.
func (s *Server) SetCatalog(c *forms.Catalog) { s.forms.set(c) }

// DraftCookieName is the name of the cookie that holds the browser's draft of a form (the
// preview of `ozgform dev` fits that draft to a reloaded form).
func DraftCookieName(formID string) string { return cookieDraft + formID }
