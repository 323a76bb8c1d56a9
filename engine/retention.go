package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
)

// Retention: after a submission has been delivered to every destination and the form's
// retention period (form.json retentionDays, default 30) has passed, its personal data is
// deleted and a tombstone remains (ids, Vorgangsnummer, form, hashes, submission, delivery and
// purge times). Undelivered submissions are never purged. Drafts go when they expire.

// DefaultPurgeInterval is how often the Purger runs.
const DefaultPurgeInterval = time.Hour

// RetentionFor returns the retention period of each form id in cat: the manifest's
// retentionDays, or the authority's where it sets its own. Forms that are no longer loaded
// keep forms.DefaultRetentionDays.
func RetentionFor(cat *forms.Catalog, authorities *authority.Directory) Retention {
	return func(formID, authorityID string) time.Duration {
		days := forms.DefaultRetentionDays
		if cat != nil {
			if f := cat.Entry(formID); f != nil && f.Manifest.RetentionDays > 0 {
				days = f.Manifest.RetentionDays
			}
		}
		if a := authorities.Authority(authorityID); a != nil && a.RetentionDays > 0 {
			days = a.RetentionDays // the authority's own period (Einer für Alle)
		}
		return time.Duration(days) * 24 * time.Hour
	}
}

// Purger runs the retention purge: once with RunOnce (ozgform purge), or every Interval with
// Run (ozgform serve). With several instances each runs it; the store's batches make that
// harmless.
type Purger struct {
	Store Store
	Forms *forms.Catalog
	// Authorities give the retention periods of the authorities that set their own; nil:
	// the forms' periods.
	Authorities *authority.Directory
	Now         func() time.Time // default time.Now
	Interval    time.Duration    // default DefaultPurgeInterval
	Logger      *slog.Logger
	Metrics     *Metrics
}

// RunOnce purges the data of delivered submissions past their retention and the expired
// drafts, and returns how many of each.
func (p *Purger) RunOnce(ctx context.Context) (submissions, drafts int, err error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := now()
	submissions, err = p.Store.PurgeDelivered(ctx, t, RetentionFor(p.Forms, p.Authorities))
	if err != nil {
		p.Metrics.Purged(submissions, 0)
		return submissions, 0, err
	}
	drafts, err = p.Store.PurgeExpiredDrafts(ctx, t)
	p.Metrics.Purged(submissions, drafts)
	if submissions > 0 || drafts > 0 {
		logger.Info("retention purge", "submissions_purged", submissions, "drafts_deleted", drafts)
	}
	return submissions, drafts, err
}

// Run purges at once and then every Interval until ctx ends.
func (p *Purger) Run(ctx context.Context) error {
	interval := p.Interval
	if interval <= 0 {
		interval = DefaultPurgeInterval
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, _, err := p.RunOnce(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("retention purge failed; next try at the next interval", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
