package send

import (
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery/send/sendtest"
)

// TestSendBoundsWhatReceiversSend sends one attempt to each kind of
// hostile receiver and checks what the attempt reports and that it
// allocated at most a few MiB, whatever came back. Before the header
// cap, the 9.5 MB header block alone made an attempt hold tens of MiB.
// It measures the process's allocations, so it does not run in
// parallel.
func TestSendBoundsWhatReceiversSend(t *testing.T) {
	const perAttempt = 4 << 20
	tests := []struct {
		name     string
		b        sendtest.Behaviour
		status   int
		err      string // "" for none
		bodySize int
	}{
		{"9.5 MB of headers", sendtest.HugeHeaders(9_500_000), 0, "response headers exceed 32768 bytes", 0},
		{"headers just under the cap", sendtest.HugeHeaders(30_000), 200, "", 0},
		{"1,000 informational responses", sendtest.EarlyHints(1000, 10_000), 0, "response headers exceed 32768 bytes", 0},
		{"a body without end", sendtest.EndlessBody(), 200, "", DefaultMaxResponseBytes},
		{"a chunk of 2^63-1 bytes", sendtest.HugeChunk(), 200, "", DefaultMaxResponseBytes},
		{"9 MB of trailer", sendtest.HugeTrailer(9_000_000), 200, "", len("ok")},
		{"headers one byte a millisecond", sendtest.Trickle(time.Millisecond), 0, "timeout after 300ms", 0},
	}
	c := newClient(t, Config{AllowPrivateTargets: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := sendtest.Listen(t, tt.b)
			before := heapAllocated()
			res := c.Send(t.Context(), Request{URL: url, Body: []byte(`{"a":1}`), Timeout: 300 * time.Millisecond})
			allocated := heapAllocated() - before
			gotErr := ""
			if res.Err != nil {
				gotErr = res.Err.Error()
			}
			if res.StatusCode != tt.status || gotErr != tt.err || len(res.Body) != tt.bodySize {
				t.Errorf("Send = %d, %d body bytes, %q; want %d, %d, %q", res.StatusCode, len(res.Body), gotErr, tt.status, tt.bodySize, tt.err)
			}
			if allocated > perAttempt {
				t.Errorf("the attempt allocated %d KiB, want at most %d KiB", allocated>>10, perAttempt>>10)
			}
			t.Logf("allocated %d KiB", allocated>>10)
		})
	}
}

func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestNewClientRejectsNegativeHeaderCap(t *testing.T) {
	if _, err := NewClient(Config{MaxResponseHeaderBytes: -1}); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("NewClient(MaxResponseHeaderBytes: -1) = %v, want an error", err)
	}
}
