package clamd_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/clamd"
	"github.com/ozgform/ozgform/forms"
)

// eicar is the EICAR anti-virus test file: harmless, but every scanner reports it.
const eicar = `X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`

// fakeClamd is a stand-in for clamd (which is not installed here): a TCP server that speaks
// the INSTREAM and PING commands of clamd's protocol, reports the EICAR test string as found,
// and refuses streams longer than maxStream as clamd's StreamMaxLength does. It records what
// it received.
type fakeClamd struct {
	ln        net.Listener
	maxStream int
	mu        sync.Mutex
	received  [][]byte
	commands  []string
}

func startFake(t *testing.T, maxStream int) *fakeClamd {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeClamd{ln: ln, maxStream: maxStream}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeClamd) serve(conn net.Conn) {
	defer conn.Close()
	cmd, err := readUntilNUL(conn)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.commands = append(f.commands, cmd)
	f.mu.Unlock()
	switch cmd {
	case "zPING":
		io.WriteString(conn, "PONG\x00")
		return
	case "zINSTREAM":
	default:
		io.WriteString(conn, "UNKNOWN COMMAND\x00")
		return
	}
	var data bytes.Buffer
	for {
		var size uint32
		if err := binary.Read(conn, binary.BigEndian, &size); err != nil {
			return
		}
		if size == 0 {
			break
		}
		if data.Len()+int(size) > f.maxStream {
			io.WriteString(conn, "INSTREAM size limit exceeded. ERROR\x00")
			return
		}
		if _, err := io.CopyN(&data, conn, int64(size)); err != nil {
			return
		}
	}
	f.mu.Lock()
	f.received = append(f.received, data.Bytes())
	f.mu.Unlock()
	if bytes.Contains(data.Bytes(), []byte("EICAR-STANDARD-ANTIVIRUS-TEST-FILE")) {
		io.WriteString(conn, "stream: Eicar-Test-Signature FOUND\x00")
		return
	}
	io.WriteString(conn, "stream: OK\x00")
}

func readUntilNUL(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for len(b) < 64 {
		if _, err := io.ReadFull(r, one); err != nil {
			return "", err
		}
		if one[0] == 0 {
			return string(b), nil
		}
		b = append(b, one[0])
	}
	return "", errors.New("command too long")
}

func TestScan(t *testing.T) {
	fake := startFake(t, 1<<20)
	s := &clamd.Scanner{Address: fake.ln.Addr().String(), ChunkSize: 1000}
	ctx := context.Background()

	clean := bytes.Repeat([]byte("%PDF-1.4 sauber "), 500) // 8000 bytes: several chunks
	v, err := s.Scan(ctx, "scan.pdf", bytes.NewReader(clean))
	if err != nil || v.Infected {
		t.Fatalf("clean file: %+v %v", v, err)
	}
	v, err = s.Scan(ctx, "eicar.pdf", strings.NewReader("%PDF-1.4\n"+eicar))
	if err != nil || !v.Infected || v.Threat != "Eicar-Test-Signature" {
		t.Fatalf("EICAR: %+v %v", v, err)
	}
	fake.mu.Lock()
	if len(fake.received) != 2 || !bytes.Equal(fake.received[0], clean) {
		t.Errorf("clamd received %d streams, the first of %d bytes", len(fake.received), len(fake.received[0]))
	}
	fake.mu.Unlock()

	// A stream over clamd's StreamMaxLength is an error: the file could not be checked.
	_, err = s.Scan(ctx, "gross.pdf", bytes.NewReader(make([]byte, 2<<20)))
	if err == nil || !strings.Contains(err.Error(), "size limit exceeded") {
		t.Errorf("stream over the limit: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestScanUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	s := &clamd.Scanner{Address: addr, Timeout: time.Second}
	if _, err := s.Scan(context.Background(), "x.pdf", strings.NewReader("%PDF-")); err == nil {
		t.Error("no error without clamd")
	}
	if _, err := (&clamd.Scanner{}).Scan(context.Background(), "x.pdf", strings.NewReader("x")); err == nil {
		t.Error("no error without an address")
	}

	// A clamd that accepts but never answers: the timeout ends the scan.
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	start := time.Now()
	_, err := (&clamd.Scanner{Address: silent.Addr().String(), Timeout: 300 * time.Millisecond}).Scan(context.Background(), "x.pdf", strings.NewReader("%PDF-"))
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("silent clamd: %v after %v", err, time.Since(start))
	}
}

// TestScannerInService: the engine refuses an upload that clamd reports, and stores one it
// finds clean.
func TestScannerInService(t *testing.T) {
	fake := startFake(t, 1<<20)
	fsys := fstest.MapFS{
		"form.json":   {Data: []byte(`{"id": "t", "version": "1.0.0", "title": "T", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`)},
		"schema.json": {Data: []byte(`{"type": "object", "properties": {"nachweis": {"title": "Nachweis", "x-attachment": {}}}}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/nachweis"}]}`)},
	}
	f, problems := forms.Load(fsys, "t", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	store := &memStore{}
	svc := &engine.Service{Store: store, Scanner: &clamd.Scanner{Address: fake.ln.Addr().String()}, TempDir: t.TempDir()}
	d := &engine.Draft{ID: "d1"}
	_, refusal, err := svc.AddAttachment(context.Background(), f, d, "/nachweis", "eicar.pdf", strings.NewReader("%PDF-1.4\n"+eicar))
	if err != nil || refusal == nil || refusal.Error.MessageID != engine.MsgAttachmentInfected || refusal.Verdict.Threat != "Eicar-Test-Signature" {
		t.Fatalf("EICAR upload: %+v %v", refusal, err)
	}
	if store.added != 0 {
		t.Error("an infected file was stored")
	}
	if _, refusal, err := svc.AddAttachment(context.Background(), f, d, "/nachweis", "ok.pdf", strings.NewReader("%PDF-1.4 sauber")); err != nil || refusal != nil || store.added != 1 {
		t.Errorf("clean upload: %+v %v, %d stored", refusal, err, store.added)
	}
}

// memStore is the part of engine.Store that AddAttachment uses.
type memStore struct {
	engine.Store
	added int
}

func (m *memStore) AddAttachment(_ context.Context, a *engine.StoredAttachment, r io.Reader) error {
	if err := engine.CopyVerified(io.Discard, r, a.Size, a.SHA512); err != nil {
		return err
	}
	m.added++
	return nil
}
