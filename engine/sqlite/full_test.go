package sqlite

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// TestDiskFull lets the database run out of space (PRAGMA max_page_count on the write
// connection gives SQLITE_FULL just as a full disk does): Submit fails with KindUnavailable,
// nothing is half-written, and once there is room again the same Submit goes through.
func TestDiskFull(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "ozgform.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	d := &engine.Draft{ID: "draft-1", FormID: "f", Data: json.RawMessage(`{}`), ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateDraft(ctx, d); err != nil {
		t.Fatal(err)
	}

	var pages int
	if err := s.writeDB.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := s.writeDB.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, pages+1)); err != nil {
		t.Fatal(err)
	}
	sub := &engine.Submission{
		ID: "sub-1", Reference: "REF-1", FormID: "f", DraftID: d.ID,
		Data: json.RawMessage(`{"text":"` + strings.Repeat("ä", 100_000) + `"}`),
	}
	out := []*engine.OutboxMessage{{ID: "out-1", Destination: "webhook:a"}}
	_, _, err = s.Submit(ctx, sub, out)
	if engine.KindOf(err) != engine.KindUnavailable {
		t.Fatalf("Submit on a full disk: %v, want KindUnavailable", err)
	}
	if !strings.Contains(err.Error(), "full") {
		t.Fatalf("Submit on a full disk: %v, want SQLite's \"database or disk is full\"", err)
	}

	if _, err := s.Submission(ctx, sub.ID); engine.KindOf(err) != engine.KindNotFound {
		t.Fatalf("Submission after the failed Submit: %v, want KindNotFound", err)
	}
	if msgs, err := s.Outbox(ctx, sub.ID); err != nil || len(msgs) != 0 {
		t.Fatalf("Outbox after the failed Submit: %d messages, %v", len(msgs), err)
	}
	if _, err := s.Draft(ctx, d.ID); err != nil {
		t.Fatalf("Draft after the failed Submit: %v", err)
	}

	if _, err := s.writeDB.ExecContext(ctx, `PRAGMA max_page_count = 1073741823`); err != nil {
		t.Fatal(err)
	}
	if _, created, err := s.Submit(ctx, sub, out); err != nil || !created {
		t.Fatalf("Submit with room again: created=%v err=%v", created, err)
	}
}
