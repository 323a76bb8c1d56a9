// Package clamd connects ozgform to a ClamAV daemon (clamd) as an engine.Scanner. It speaks
// clamd's INSTREAM command over TCP or a Unix socket: the file is sent in chunks, each with a
// 4-byte big-endian length, ended by a zero-length chunk, and clamd answers "stream: OK" or
// "stream: <signature> FOUND". See docs/virenscanner.md for operators.
package clamd

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/ozgform/ozgform/engine"
)

// Defaults of a Scanner.
const (
	DefaultTimeout   = time.Minute
	DefaultChunkSize = 64 << 10
	maxReply         = 4096
)

// Scanner scans files with a clamd. The zero value is not usable: Address is required.
type Scanner struct {
	// Network is "tcp" (default) or "unix".
	Network string
	// Address is "host:port" for TCP (clamd's TCPSocket, usually 3310) or the socket's path
	// (clamd's LocalSocket, e.g. /run/clamav/clamd.ctl).
	Address string
	// Timeout bounds one scan, connecting included; default DefaultTimeout.
	Timeout time.Duration
	// ChunkSize is the size of the INSTREAM chunks; default DefaultChunkSize.
	ChunkSize int
}

var _ engine.Scanner = (*Scanner)(nil)

// Scan sends r to clamd and returns its verdict. name is not sent. An error means the file
// could not be checked (clamd unreachable, a timeout, clamd's StreamMaxLength exceeded): the
// upload must then be refused.
func (s *Scanner) Scan(ctx context.Context, _ string, r io.Reader) (engine.Verdict, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return engine.Verdict{}, err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "zINSTREAM\x00"); err != nil {
		return engine.Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	chunk := s.ChunkSize
	if chunk <= 0 {
		chunk = DefaultChunkSize
	}
	buf := make([]byte, 4+chunk)
	for {
		n, rerr := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf[:4], uint32(n))
			if _, err := conn.Write(buf[:4+n]); err != nil {
				// clamd closes the connection when the stream exceeds its StreamMaxLength,
				// and says so before.
				if reply, rerr := readReply(conn); rerr == nil && reply != "" {
					return engine.Verdict{}, fmt.Errorf("clamd: %s", reply)
				}
				return engine.Verdict{}, fmt.Errorf("clamd: %w", err)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return engine.Verdict{}, fmt.Errorf("clamd: reading the file: %w", rerr)
		}
	}
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
		return engine.Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return engine.Verdict{}, fmt.Errorf("clamd: %w", err)
	}
	return parseReply(reply)
}

// Ping checks that clamd answers (for readiness checks): "zPING" → "PONG".
func (s *Scanner) Ping(ctx context.Context) error {
	conn, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "zPING\x00"); err != nil {
		return fmt.Errorf("clamd: %w", err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return fmt.Errorf("clamd: %w", err)
	}
	if reply != "PONG" {
		return fmt.Errorf("clamd: unexpected answer to PING: %q", reply)
	}
	return nil
}

func (s *Scanner) dial(ctx context.Context) (net.Conn, error) {
	if s.Address == "" {
		return nil, errors.New("clamd: no address")
	}
	network := s.Network
	if network == "" {
		network = "tcp"
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var d net.Dialer
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	conn, err := d.DialContext(dctx, network, s.Address)
	if err != nil {
		return nil, fmt.Errorf("clamd: %w", err)
	}
	_ = conn.SetDeadline(deadline)
	return conn, nil
}

// readReply reads clamd's answer up to its NUL (the "z" commands end answers with NUL).
func readReply(conn net.Conn) (string, error) {
	reply, err := bufio.NewReader(io.LimitReader(conn, maxReply)).ReadString(0)
	if err != nil && !(err == io.EOF && reply != "") {
		return "", err
	}
	return strings.TrimSpace(strings.TrimRight(reply, "\x00")), nil
}

// parseReply reads "stream: OK", "stream: <signature> FOUND" or "<message> ERROR".
func parseReply(reply string) (engine.Verdict, error) {
	body := strings.TrimPrefix(reply, "stream: ")
	switch {
	case body == "OK":
		return engine.Verdict{}, nil
	case strings.HasSuffix(body, " FOUND"):
		return engine.Verdict{Infected: true, Threat: strings.TrimSuffix(body, " FOUND")}, nil
	case strings.HasSuffix(body, " ERROR"):
		return engine.Verdict{}, fmt.Errorf("clamd: %s", reply)
	}
	return engine.Verdict{}, fmt.Errorf("clamd: unexpected answer %q", reply)
}
