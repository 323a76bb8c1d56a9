package devmode

import (
	"fmt"
	"net/http"
	"time"
)

// heartbeat keeps the event stream open through proxies and lets a closed tab be noticed.
const heartbeat = 15 * time.Second

// events is the server-sent event stream of reloads: "hello" with the current generation on
// connect, "reload" with the new one after every reload. A page whose generation differs
// reloads itself.
func (p *Preview) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The server's write timeout is for pages; a stream stays open.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	ch := make(chan uint64, 1)
	p.mu.Lock()
	p.subs[ch] = struct{}{}
	gen := p.st.generation
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.subs, ch)
		p.mu.Unlock()
	}()
	send := func(event string, gen uint64) error {
		if _, err := fmt.Fprintf(w, "event: %s\ndata: {\"generation\":%d}\n\n", event, gen); err != nil {
			return err
		}
		return rc.Flush()
	}
	// retry: a restarted `ozgform dev` is found again quickly.
	if _, err := fmt.Fprint(w, "retry: 500\n"); err != nil {
		return
	}
	if send("hello", gen) != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case gen := <-ch:
			if send("reload", gen) != nil {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": still here\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-p.done:
			return
		}
	}
}
