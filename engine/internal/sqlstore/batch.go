package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// InBatches runs batch (one transaction) until it affects fewer than size rows, and returns
// the number of rows affected in all, also when a batch fails.
func InBatches(size int64, batch func() (int64, error)) (int, error) {
	total := 0
	for {
		n, err := batch()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < size {
			return total, nil
		}
	}
}

// PurgeForms runs purge in batches of size (see InBatches) for each of formIDs whose
// retention is not negative, with the time before now that the form's data is kept, and
// returns the number of rows purged in all, also when a batch fails.
func PurgeForms(scopes []PurgeScope, now time.Time, retention engine.Retention, size int64,
	purge func(scope PurgeScope, cutoff time.Time) (int64, error)) (int, error) {
	total := 0
	for _, scope := range scopes {
		keep := retention(scope.FormID, scope.AuthorityID)
		if keep < 0 {
			continue
		}
		cutoff := now.Add(-keep)
		n, err := InBatches(size, func() (int64, error) { return purge(scope, cutoff) })
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// ChunkSize is the size of the pieces a file is stored in.
const ChunkSize = 256 << 10

// ChunkWriter inserts what is written to it as pieces of ChunkSize bytes, with insert (a
// statement with the parameters attachment id, sequence number and data) in tx. Flush
// inserts the last piece.
type ChunkWriter struct {
	ctx    context.Context
	tx     *sql.Tx
	insert string
	id     string
	seq    int
	buf    []byte
}

// NewChunkWriter returns a ChunkWriter for the file id.
func NewChunkWriter(ctx context.Context, tx *sql.Tx, insert, id string) *ChunkWriter {
	return &ChunkWriter{ctx: ctx, tx: tx, insert: insert, id: id, buf: make([]byte, 0, ChunkSize)}
}

func (w *ChunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), ChunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == ChunkSize {
			if err := w.Flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// Flush inserts what has been written since the last piece, if anything.
func (w *ChunkWriter) Flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.tx.ExecContext(w.ctx, w.insert, w.id, w.seq, w.buf); err != nil {
		return err
	}
	w.seq++
	w.buf = w.buf[:0]
	return nil
}

// ChunkReader reads the pieces of a file in order, each fetched by a call of its own (no
// transaction stays open while a slow client downloads).
type ChunkReader struct {
	fetch func(seq int) ([]byte, error)
	seq   int
	buf   []byte
	eof   bool
}

// NewChunkReader returns a reader of the pieces that fetch returns; after the last piece
// fetch returns an error that wraps sql.ErrNoRows.
func NewChunkReader(fetch func(seq int) ([]byte, error)) *ChunkReader {
	return &ChunkReader{fetch: fetch}
}

func (r *ChunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		data, err := r.fetch(r.seq)
		if errors.Is(err, sql.ErrNoRows) {
			r.eof = true
			continue
		}
		if err != nil {
			return 0, err
		}
		r.seq++
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Close ends the reading.
func (r *ChunkReader) Close() error { r.buf, r.eof = nil, true; return nil }

// PurgeScope is a form and an authority whose delivered submissions share one retention
// period.
type PurgeScope struct{ FormID, AuthorityID string }

// PurgeScopes reads the rows of "SELECT DISTINCT form_id, authority_id …".
func PurgeScopes(rows *sql.Rows, err error) ([]PurgeScope, error) {
	return Collect(rows, err, func(row Scanner) (PurgeScope, error) {
		var s PurgeScope
		err := row.Scan(&s.FormID, &s.AuthorityID)
		return s, err
	})
}
