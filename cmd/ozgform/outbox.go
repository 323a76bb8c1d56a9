package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
	"github.com/ozgform/ozgform/engine/webhook"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/server"
)

// stateNames are the German names of the outbox states, as operators read them.
var stateNames = map[engine.OutboxState]string{
	engine.OutboxQueued:    "wartet",
	engine.OutboxSending:   "wird gesendet",
	engine.OutboxDelivered: "zugestellt",
	engine.OutboxRetry:     "neuer Versuch",
	engine.OutboxDead:      "unzustellbar",
}

// berlin is the time zone of the operator's output.
var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return loc
}()

func localTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.In(berlin).Format("02.01.2006 15:04:05")
}

// parseInterleaved parses flags that may stand before and after the positional arguments
// ("outbox retry ID --database x") and returns the positional arguments.
func parseInterleaved(fl *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fl.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

// outbox runs "ozgform outbox list|retry|replay|enable".
func (m *Main) outbox(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: outbox braucht einen Unterbefehl: list, retry, replay oder enable", errUsage)
	}
	fl := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	database := fl.String("database", "data/ozgform.db", "SQLite-Datei oder postgres://-URL")
	var state, destination, authorityID *string
	var limit *int
	sub := args[0]
	if sub == "list" {
		state = fl.String("state", "", "nur Nachrichten in diesem Zustand: queued, sending, delivered, retry, dead")
		destination = fl.String("destination", "", "nur Nachrichten an dieses Ziel")
		authorityID = fl.String("authority", "", "nur Nachrichten an diese Behörde (Einer für Alle: Kennung aus authorities)")
		limit = fl.Int("limit", 100, "höchstens so viele Nachrichten (bis 1000)")
	}
	pos, err := parseInterleaved(fl, args[1:])
	if err != nil {
		return err
	}
	want := 1
	if sub == "list" {
		want = 0
	}
	switch sub {
	case "list", "retry", "replay", "enable":
	default:
		return fmt.Errorf("%w: unbekannter Unterbefehl „%s“ (list, retry, replay, enable)", errUsage, sub)
	}
	if len(pos) != want {
		if want == 0 {
			return fmt.Errorf("%w: outbox list erwartet keine weiteren Argumente", errUsage)
		}
		what := "die ID einer Nachricht"
		if sub == "enable" {
			what = "den Namen eines Ziels"
		}
		return fmt.Errorf("%w: outbox %s erwartet %s", errUsage, sub, what)
	}
	if state != nil && *state != "" {
		if _, ok := stateNames[engine.OutboxState(*state)]; !ok {
			return fmt.Errorf("%w: --state %s gibt es nicht (queued, sending, delivered, retry, dead)", errUsage, *state)
		}
	}
	store, err := openExistingStore(ctx, *database)
	if err != nil {
		return err
	}
	defer store.Close()

	switch sub {
	case "list":
		return m.outboxList(ctx, store, engine.OutboxFilter{State: engine.OutboxState(*state), Destination: *destination, AuthorityID: *authorityID, Limit: *limit})
	case "retry":
		err := store.RetryNow(ctx, pos[0])
		switch engine.KindOf(err) {
		case engine.KindNotFound:
			return fmt.Errorf("die Nachricht %s gibt es nicht", pos[0])
		case engine.KindConflict:
			return fmt.Errorf("die Nachricht %s wird gerade gesendet oder ist schon zugestellt; erneut zustellen mit: ozgform outbox replay %s", pos[0], pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Die Nachricht %s wird sofort erneut zugestellt (Versuche und Höchstalter beginnen neu).\n", pos[0])
	case "replay":
		err := store.Replay(ctx, pos[0])
		switch engine.KindOf(err) {
		case engine.KindNotFound:
			return fmt.Errorf("die Nachricht %s gibt es nicht", pos[0])
		case engine.KindConflict:
			return fmt.Errorf("die Nachricht %s ist noch unterwegs (weder zugestellt noch unzustellbar); sofort versuchen mit: ozgform outbox retry %s", pos[0], pos[0])
		case engine.KindExpired:
			return fmt.Errorf("die Daten der Einreichung zu Nachricht %s sind nach Ablauf der Aufbewahrungsfrist gelöscht; sie kann nicht erneut zugestellt werden", pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Die Nachricht %s wird erneut zugestellt, mit derselben webhook-id %s.\n"+
			"Empfänger, die nach webhook-id deduplizieren, müssen die ID dafür aus ihrer Liste entfernen.\n", pos[0], pos[0])
	case "enable":
		if err := store.EnableDestination(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "Das Ziel %s ist wieder freigegeben; seine wartenden Nachrichten werden zugestellt.\n", pos[0])
	}
	return nil
}

func (m *Main) outboxList(ctx context.Context, store engine.Store, f engine.OutboxFilter) error {
	disabled, err := store.DisabledDestinations(ctx)
	if err != nil {
		return err
	}
	for _, d := range disabled {
		fmt.Fprintf(m.Stdout, "Gesperrtes Ziel: %s seit %s (%s); freigeben mit: ozgform outbox enable %s\n",
			d.Name, localTime(d.DisabledAt), d.Reason, d.Name)
	}
	msgs, err := store.ListOutbox(ctx, f)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		fmt.Fprintln(m.Stdout, "Keine Nachrichten.")
		return nil
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Nachricht\tEinreichung\tFormular\tBehörde\tZiel\tZustand\tVersuche\tNächster Versuch\tZugestellt\tBeim Empfänger\tLetzter Fehler")
	for _, msg := range msgs {
		next := "–"
		if msg.State == engine.OutboxQueued || msg.State == engine.OutboxRetry {
			next = localTime(msg.NextAttemptAt)
		}
		lastErr := msg.LastError
		if lastErr == "" {
			lastErr = "–"
		}
		auth := msg.AuthorityID
		if auth == "" {
			auth = "–"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", msg.ID, msg.SubmissionID, msg.FormID, auth, msg.Destination,
			stateNames[msg.State], msg.Attempts, next, localTime(msg.DeliveredAt), receiverState(msg), lastErr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(msgs) == f.ListLimit() {
		fmt.Fprintf(m.Stdout, "(nur die ersten %d; mehr mit --limit oder einem Filter)\n", len(msgs))
	}
	return nil
}

// fitStatusNames are the German names of a FIT-Connect delivery's progress.
var fitStatusNames = map[string]string{
	fitconnect.StatusCreated:   "FIT-Connect: angelegt",
	fitconnect.StatusSubmitted: "FIT-Connect: eingereicht, Annahme ausstehend",
	fitconnect.StatusAccepted:  "FIT-Connect: von der Behörde angenommen",
	fitconnect.StatusRejected:  "FIT-Connect: von der Behörde abgelehnt",
}

// receiverState tells what the receiver did with a message of several steps (FIT-Connect's
// status and submission id), or "–".
func receiverState(msg *engine.OutboxMessage) string {
	p, ok := fitconnect.ParseProgress(msg.Progress)
	if !ok {
		return "–"
	}
	name := fitStatusNames[p.Status]
	if name == "" {
		name = "FIT-Connect: " + p.Status
	}
	return name + " (" + p.SubmissionID + ")"
}

// purge runs "ozgform purge": the retention purge, once.
func (m *Main) purge(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("purge", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	database := fl.String("database", "data/ozgform.db", "SQLite-Datei oder postgres://-URL")
	formsDir := fl.String("forms", "examples", "Ordner mit den Formularordnern (für die Aufbewahrungsfristen)")
	configFile := fl.String("config", "", "Konfigurationsdatei wie bei serve (für die Aufbewahrungsfristen der Behörden)")
	pos, err := parseInterleaved(fl, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: purge erwartet keine Argumente, nur --database und --forms", errUsage)
	}
	catalog, problems := forms.LoadCatalogDir(*formsDir, forms.CatalogOptions{})
	// A form that is not loaded would get the default retention period, which may be shorter
	// than its own: refuse rather than delete too early.
	if problems.HasErrors() {
		for _, p := range problems {
			p.File = *formsDir + "/" + p.File
			fmt.Fprintln(m.Stderr, p.String())
		}
		return errors.New("die Formulare in „" + *formsDir + "“ haben Fehler (siehe oben); ohne ihre Aufbewahrungsfristen wird nichts gelöscht")
	}
	if catalog.Len() == 0 {
		return errors.New("in „" + *formsDir + "“ gibt es keine Formulare; die Aufbewahrungsfristen stehen in ihren form.json (--forms)")
	}
	cfg, err := configForForms(*configFile, catalog)
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, *database)
	if err != nil {
		return err
	}
	defer store.Close()
	p := &engine.Purger{Store: store, Forms: catalog, Authorities: cfg.AuthorityDirectory()}
	subs, drafts, err := p.RunOnce(ctx)
	if err != nil {
		return fmt.Errorf("Löschlauf abgebrochen nach %d Einreichungen: %w", subs, err)
	}
	fmt.Fprintf(m.Stdout, "%d Einreichung(en) gelöscht (es bleiben Grabsteine mit IDs, Hashes und Zeiten), %d abgelaufene Entwürfe gelöscht.\n", subs, drafts)
	return nil
}

// background is what serve runs besides the web server: the delivery worker, the retention
// purge and the delivery metrics.
type background struct {
	// Store is the store to give the engine.Service: it wakes the worker and counts the
	// submission after every Submit.
	Store   engine.Store
	Metrics *engine.Metrics
	Worker  *engine.Worker
	cancel  context.CancelFunc
	done    chan struct{}
}

// startBackground registers the metrics on reg and starts the worker and the purger, which
// run until Stop (or ctx ends).
func startBackground(ctx context.Context, cfg *Config, store engine.Store, catalog *forms.Catalog, baseURL string,
	reg prometheus.Registerer, logger *slog.Logger) (*background, error) {
	metrics, err := engine.NewMetrics(reg, store, cfg.DestinationNames(), logger)
	if err != nil {
		return nil, err
	}
	dls, err := webhook.Deliverers(cfg.Destinations)
	if err != nil {
		return nil, err
	}
	fits, err := fitconnect.Deliverers(cfg.Destinations, fitconnect.Options{Logger: logger.With("component", "fitconnect")})
	if err != nil {
		return nil, err
	}
	maps.Copy(dls, fits)
	w := &engine.Worker{
		Store: store, Forms: catalog, Deliverers: dls, Receipt: server.RenderReceipt, BaseURL: baseURL,
		Concurrency: cfg.Workers, MaxAge: cfg.MaxAge, Lease: cfg.Lease, Logger: logger.With("component", "delivery"), Metrics: metrics,
	}
	p := &engine.Purger{Store: store, Forms: catalog, Interval: cfg.PurgeInterval, Authorities: cfg.AuthorityDirectory(),
		Logger: logger.With("component", "retention"), Metrics: metrics}
	ctx, cancel := context.WithCancel(ctx)
	bg := &background{
		Store: &engine.ObservedStore{Store: store, AfterSubmit: func(s *engine.Submission) {
			metrics.Submitted(s)
			w.Notify()
		}},
		Metrics: metrics, Worker: w, cancel: cancel, done: make(chan struct{}),
	}
	var wg sync.WaitGroup
	wg.Go(func() { w.Run(ctx) })
	wg.Go(func() { p.Run(ctx) })
	go func() { wg.Wait(); close(bg.done) }()
	logger.Info("delivery started", "config", cfg)
	return bg, nil
}

// Stop stops claiming, lets deliveries in flight finish (engine.DefaultGrace), releases the
// rest and returns; close the store only after it.
func (bg *background) Stop() {
	bg.cancel()
	<-bg.done
}

// openExistingStore is openStore for the operator's commands: a SQLite file that does not
// exist is an error naming --database, not a new empty database.
func openExistingStore(ctx context.Context, database string) (engine.Store, error) {
	if _, err := os.Stat(database); err != nil && !strings.Contains(database, "://") {
		return nil, fmt.Errorf("die Datenbank „%s“ gibt es nicht (--database)", database)
	}
	return openStore(ctx, database)
}
