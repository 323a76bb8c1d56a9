package webhook_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// Delivery throughput and submit-to-delivery latency against a local receiver:
//
//	go test ./engine/webhook -run '^$' -bench . -benchtime 4000x
//
// (with OZGFORM_TEST_POSTGRES set, the PostgreSQL variants run too).

// receiptPDF is the production receipt renderer, as cmd/ozgform wires it.
func receiptPDF(form *forms.Form, s *engine.Submission, payloadHash string, _ []engine.Attachment) ([]byte, error) {
	data, err := engine.DecodeData(s.Data)
	if err != nil {
		return nil, err
	}
	return renderer.Receipt(form, renderer.ReceiptInput{Reference: s.Reference, SubmittedAt: s.SubmittedAt,
		Lang: s.Lang, Data: data, PayloadHash: payloadHash})
}

type benchStore struct {
	name string
	open func(b *testing.B) engine.Store
}

func benchStores() []benchStore {
	return []benchStore{
		{"sqlite", func(b *testing.B) engine.Store { return openSQLite(b, time.Now) }},
		{"postgres", func(b *testing.B) engine.Store { return openPostgres(b, postgresURL(b), time.Now) }},
	}
}

// BenchmarkDeliveryThroughput: b.N messages are queued, then the worker delivers them all;
// msgs/s is the delivery rate (claim, build the envelope, POST, record the outcome).
func BenchmarkDeliveryThroughput(b *testing.B) {
	for _, bs := range benchStores() {
		for _, receipt := range []bool{false, true} {
			for _, workers := range []int{4, 16} {
				b.Run(fmt.Sprintf("%s/receipt=%v/workers=%d", bs.name, receipt, workers), func(b *testing.B) {
					st := bs.open(b)
					rc := newReceiver(b)
					url := rc.start(b)
					submitN(b, st, b.N, "fv", time.Now)
					w := &engine.Worker{Store: st, Forms: testCatalog(b), BaseURL: "https://formulare.example.de",
						Deliverers: deliverers(b, hook("fv", url)), Concurrency: workers, PollInterval: 10 * time.Millisecond}
					if receipt {
						w.Receipt = receiptPDF
					}
					b.ResetTimer()
					start := time.Now()
					stop := runWorker(b, w)
					for rc.count() < b.N {
						time.Sleep(time.Millisecond)
					}
					elapsed := time.Since(start)
					b.StopTimer()
					stop()
					b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
				})
			}
		}
	}
}

// BenchmarkSubmitToDelivery: b.N submissions arrive at a steady rate (from up to 8 citizens
// at once) while the worker runs, woken by each submission as serve wires it; the latency is
// from the start of the store's Submit to the receiver getting the webhook.
func BenchmarkSubmitToDelivery(b *testing.B) {
	for _, bs := range benchStores() {
		for _, c := range []struct{ workers, rate int }{{4, 100}, {16, 100}, {16, 500}} {
			workers := c.workers
			b.Run(fmt.Sprintf("%s/workers=%d/rate=%d", bs.name, workers, c.rate), func(b *testing.B) {
				st := bs.open(b)
				rc := newReceiver(b)
				url := rc.start(b)
				w := &engine.Worker{Store: st, Forms: testCatalog(b), BaseURL: "https://formulare.example.de",
					Deliverers: deliverers(b, hook("fv", url)), Concurrency: workers, PollInterval: time.Second}
				obs := &engine.ObservedStore{Store: st, AfterSubmit: func(*engine.Submission) { w.Notify() }}
				stop := runWorker(b, w)
				defer stop()
				var (
					mu    sync.Mutex
					start = map[string]time.Time{}
					wg    sync.WaitGroup
					next  = make(chan struct{})
				)
				b.ResetTimer()
				for range 8 {
					wg.Go(func() {
						for range next {
							s := newSubmission(b, time.Now())
							m := &engine.OutboxMessage{ID: uuid.NewString(), Destination: "fv"}
							t0 := time.Now()
							mu.Lock()
							start[m.ID] = t0
							mu.Unlock()
							if _, _, err := obs.Submit(context.Background(), s, []*engine.OutboxMessage{m}); err != nil {
								b.Error(err)
							}
						}
					})
				}
				tick := time.NewTicker(time.Second / time.Duration(c.rate))
				for range b.N {
					<-tick.C
					next <- struct{}{}
				}
				tick.Stop()
				close(next)
				wg.Wait()
				for rc.count() < b.N {
					time.Sleep(time.Millisecond)
				}
				b.StopTimer()
				rc.mu.Lock()
				lat := make([]time.Duration, 0, b.N)
				for id, t := range rc.delivered {
					lat = append(lat, t.Sub(start[id]))
				}
				rc.mu.Unlock()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}
