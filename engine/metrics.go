package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of submissions and deliveries. Create them with
// NewMetrics on a registry of the server's own; a nil *Metrics records nothing.
//
// Counters and histograms count what this process did. The gauges of the outbox (messages
// not delivered, age of the oldest, disabled destinations) are read from the store at every
// scrape, so with several instances on one PostgreSQL each reports the same, global numbers.
type Metrics struct {
	submissions *prometheus.CounterVec
	deliveries  *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	duration    *prometheus.HistogramVec
	disables    *prometheus.CounterVec
	purged      *prometheus.CounterVec
	milestones  *prometheus.CounterVec
	authorities *prometheus.CounterVec
}

// NewMetrics registers the metrics on reg. store feeds the outbox gauges; destinations are
// the configured destination names, reported by ozgform_destination_disabled even while
// they are enabled (0), so that an alert can watch them.
func NewMetrics(reg prometheus.Registerer, store OutboxStore, destinations []string, logger *slog.Logger) (*Metrics, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_submissions_total",
			Help: "Submissions committed by this process, by form.",
		}, []string{"form"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_delivery_attempts_total",
			Help: "Delivery attempts by destination and the state they left the message in (delivered, retry, dead, queued = released at shutdown, pending = under way, waiting for the receiver's answer, e.g. FIT-Connect's acceptance).",
		}, []string{"destination", "state"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ozgform_delivery_latency_seconds",
			Help: "Time from queueing a message (the submission, or a retry/replay by an operator) to its delivery.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
				4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600},
		}, []string{"destination"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ozgform_delivery_attempt_duration_seconds",
			Help:    "Duration of one delivery attempt (building the envelope and receipt, sending).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"destination"}),
		disables: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_destination_disabled_total",
			Help: "Times a destination was disabled because its receiver answered 410 Gone.",
		}, []string{"destination"}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_retention_purged_total",
			Help: "Personal data deleted by the retention purge: kind=submission (data of delivered submissions) or draft.",
		}, []string{"kind"}),
		milestones: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_delivery_milestones_total",
			Help: "What deliveries of several steps saw happen at the receiver, by destination (FIT-Connect: submitted, accepted = the authority accepted the submission, rejected).",
		}, []string{"destination", "milestone"}),
		authorities: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ozgform_authority_submissions_total",
			Help: "Submissions committed by this process to the authorities of forms that many authorities use (Einer für Alle), by authority id. One series per authority that received one.",
		}, []string{"authority"}),
	}
	cs := []prometheus.Collector{m.submissions, m.deliveries, m.latency, m.duration, m.disables, m.purged, m.milestones, m.authorities}
	if store != nil {
		cs = append(cs, &outboxCollector{store: store, destinations: destinations, logger: logger, now: time.Now})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, E(KindInternal, "engine.NewMetrics", err)
		}
	}
	return m, nil
}

// SubmissionCreated counts a committed submission of form formID.
func (m *Metrics) SubmissionCreated(formID string) {
	if m != nil {
		m.submissions.WithLabelValues(formID).Inc()
	}
}

// Submitted counts a committed submission: by form, and by authority for the forms that many
// authorities use.
func (m *Metrics) Submitted(s *Submission) {
	if m == nil {
		return
	}
	m.SubmissionCreated(s.FormID)
	if s.AuthorityID != "" {
		m.authorities.WithLabelValues(s.AuthorityID).Inc()
	}
}

func (m *Metrics) attempt(destination string, state OutboxState, d time.Duration) {
	if m != nil {
		m.deliveries.WithLabelValues(destination, string(state)).Inc()
		m.duration.WithLabelValues(destination).Observe(d.Seconds())
	}
}

func (m *Metrics) delivered(destination string, latency time.Duration) {
	if m != nil {
		m.latency.WithLabelValues(destination).Observe(max(latency, 0).Seconds())
	}
}

func (m *Metrics) milestone(destination, milestone string) {
	if m != nil {
		m.milestones.WithLabelValues(destination, milestone).Inc()
	}
}

func (m *Metrics) disabled(destination string) {
	if m != nil {
		m.disables.WithLabelValues(destination).Inc()
	}
}

// Purged counts what a retention run deleted.
func (m *Metrics) Purged(submissions, drafts int) {
	if m != nil {
		m.purged.WithLabelValues("submission").Add(float64(submissions))
		m.purged.WithLabelValues("draft").Add(float64(drafts))
	}
}

var (
	descOutboxMessages = prometheus.NewDesc("ozgform_outbox_messages",
		"Outbox messages not yet delivered, by destination and state (queued, sending, retry, dead).",
		[]string{"destination", "state"}, nil)
	descOutboxAge = prometheus.NewDesc("ozgform_outbox_oldest_pending_age_seconds",
		"Age of the oldest message waiting for delivery (queued, sending or retry), by destination.",
		[]string{"destination"}, nil)
	descDisabled = prometheus.NewDesc("ozgform_destination_disabled",
		"1 while a destination is disabled (its receiver answered 410 Gone), else 0.",
		[]string{"destination"}, nil)
	descStatsUp = prometheus.NewDesc("ozgform_outbox_stats_up",
		"1 if the outbox gauges could be read from the database at this scrape, else 0.", nil, nil)
)

// outboxCollector reads the outbox gauges from the store at scrape time.
type outboxCollector struct {
	store        OutboxStore
	destinations []string
	logger       *slog.Logger
	now          func() time.Time
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descOutboxMessages
	ch <- descOutboxAge
	ch <- descDisabled
	ch <- descStatsUp
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.store.OutboxStats(ctx)
	var disabled []DisabledDestination
	if err == nil {
		disabled, err = c.store.DisabledDestinations(ctx)
	}
	if err != nil {
		c.logger.Warn("reading the outbox metrics failed", "error", err)
		ch <- prometheus.MustNewConstMetric(descStatsUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descStatsUp, prometheus.GaugeValue, 1)

	now := c.now()
	oldest := map[string]time.Time{}
	seen := map[[2]string]bool{}
	for _, n := range counts {
		seen[[2]string{n.Destination, string(n.State)}] = true
		ch <- prometheus.MustNewConstMetric(descOutboxMessages, prometheus.GaugeValue, float64(n.Count), n.Destination, string(n.State))
		if n.State == OutboxDead {
			continue
		}
		if o, ok := oldest[n.Destination]; !ok || n.OldestQueue.Before(o) {
			oldest[n.Destination] = n.OldestQueue
		}
	}
	// Configured destinations report 0 rather than nothing, so that rates and alerts work.
	for _, d := range c.destinations {
		for _, st := range []OutboxState{OutboxQueued, OutboxSending, OutboxRetry, OutboxDead} {
			if !seen[[2]string{d, string(st)}] {
				ch <- prometheus.MustNewConstMetric(descOutboxMessages, prometheus.GaugeValue, 0, d, string(st))
			}
		}
		if _, ok := oldest[d]; !ok {
			ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, 0, d)
		}
	}
	for d, t := range oldest {
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, max(now.Sub(t), 0).Seconds(), d)
	}
	off := map[string]bool{}
	for _, d := range disabled {
		off[d.Name] = true
		ch <- prometheus.MustNewConstMetric(descDisabled, prometheus.GaugeValue, 1, d.Name)
	}
	for _, d := range c.destinations {
		if !off[d] {
			ch <- prometheus.MustNewConstMetric(descDisabled, prometheus.GaugeValue, 0, d)
		}
	}
}
