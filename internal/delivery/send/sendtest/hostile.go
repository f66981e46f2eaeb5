// Package sendtest holds HTTP receivers that misbehave on purpose, for the
// tests of what one delivery attempt holds in memory and how long it takes
// whatever a receiver sends back: megabytes of headers, informational
// responses without end, a body or a chunk that never ends, a trickle.
//
// They answer on raw TCP connections, writing bytes no well-behaved
// net/http server would, and each is bounded in bytes and time, so that a
// test's receivers stop even when the client never hangs up.
package sendtest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Behaviour writes the answer to one request onto the connection.
type Behaviour func(c net.Conn)

// connDeadline bounds one connection, whatever the behaviour.
const connDeadline = 30 * time.Second

// Listen starts a receiver on 127.0.0.1 that answers every request with b
// and closes the connection, and returns its http:// URL. It stops when
// the test ends.
func Listen(t testing.TB, b Behaviour) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(connDeadline))
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				b(c)
			})
		}
	})
	return "http://" + l.Addr().String() + "/hook"
}

// HugeHeaders answers 200 with about n bytes of headers, in lines of
// 100 bytes.
func HugeHeaders(n int) Behaviour {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n")
	pad := strings.Repeat("p", 80)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "X-Pad-%08d: %s\r\n", i, pad)
	}
	b.WriteString("\r\n")
	block := b.Bytes()
	return func(c net.Conn) { _, _ = c.Write(block) }
}

// EarlyHints answers n informational 103 responses of about size bytes
// each, then 200.
func EarlyHints(n, size int) Behaviour {
	hint := []byte("HTTP/1.1 103 Early Hints\r\nLink: </" + strings.Repeat("h", size) + ">; rel=preload\r\n\r\n")
	return func(c net.Conn) {
		for range n {
			if _, err := c.Write(hint); err != nil {
				return
			}
		}
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}
}

// endless writes chunk up to 1 GiB, or until the client hangs up.
func endless(c net.Conn) {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	for range (1 << 30) / len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}

// EndlessBody answers 200 with a body it says is 100 GB long, and sends
// bytes until the client hangs up.
func EndlessBody() Behaviour {
	return func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n")
		endless(c)
	}
}

// HugeChunk answers a chunked 200 whose first chunk says it is 2^63-1
// bytes long, and sends bytes until the client hangs up.
func HugeChunk() Behaviour {
	return func(c net.Conn) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n")
		endless(c)
	}
}

// HugeTrailer answers a chunked 200 with the body "ok" followed by about n
// bytes of trailer.
func HugeTrailer(n int) Behaviour {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n2\r\nok\r\n0\r\n")
	b.WriteString("X-T: " + strings.Repeat("t", n) + "\r\n\r\n")
	block := b.Bytes()
	return func(c net.Conn) { _, _ = c.Write(block) }
}

// Trickle answers a status line, then one byte of a header every tick,
// at most 10,000 of them: headers that never end, slowly.
func Trickle(tick time.Duration) Behaviour {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Slow: "); err != nil {
			return
		}
		t := time.NewTicker(tick)
		defer t.Stop()
		for range 10_000 {
			<-t.C
			if _, err := c.Write([]byte("s")); err != nil {
				return
			}
		}
	}
}
