package bench_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/bench"
)

// TestRunBaseline runs the bare pair for a small count on loopback and
// checks that its figures are positive and agree with each other; it makes
// no claim about speed.
func TestRunBaseline(t *testing.T) {
	var progress lockedBuffer
	b, err := bench.RunBaseline(t.Context(), bench.BaselineConfig{
		Requests: 300, Senders: 4, Endpoints: 3, MaxDuration: time.Minute,
	}, &progress)
	if err != nil {
		t.Fatalf("RunBaseline: %v", err)
	}
	if b.Completed != 300 || b.Failed != 0 {
		t.Errorf("completed %d, failed %d (%s), want 300, 0", b.Completed, b.Failed, b.FirstError)
	}
	if b.Requests != 300 || b.Senders != 4 || b.RequestsPerMessage != 4 {
		t.Errorf("requests %d, senders %d, requests per message %d; want 300, 4, 4", b.Requests, b.Senders, b.RequestsPerMessage)
	}
	// The default 256-byte payload in a message body, as Hookline's senders post it.
	if b.BodyBytes < 256 || b.BodyBytes > 400 {
		t.Errorf("body %d bytes, want about 300", b.BodyBytes)
	}
	if b.Seconds <= 0 || b.RequestsPerSec <= 0 {
		t.Fatalf("%v s, %v req/s, want both > 0", b.Seconds, b.RequestsPerSec)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*want }
	if !near(b.RequestsPerSec, float64(b.Completed)/b.Seconds) {
		t.Errorf("req/s %v, want completed/seconds = %v", b.RequestsPerSec, float64(b.Completed)/b.Seconds)
	}
	if !near(b.CeilingMsgPerSec, b.RequestsPerSec/4) || !near(b.CeilingDeliveriesPerSec, 3*b.CeilingMsgPerSec) {
		t.Errorf("ceiling %v msg/s, %v deliveries/s; want req/s / 4 = %v and 3 times that",
			b.CeilingMsgPerSec, b.CeilingDeliveriesPerSec, b.RequestsPerSec/4)
	}
	if p := progress.String(); strings.Count(p, "baseline: ") != 2 || !strings.Contains(p, "req/s") {
		t.Errorf("progress %q, want a line before and one with req/s after", p)
	}
}

// TestRunBaselineTimeBound checks that the duration bounds a run whose
// count is far out of reach.
func TestRunBaselineTimeBound(t *testing.T) {
	start := time.Now()
	b, err := bench.RunBaseline(t.Context(), bench.BaselineConfig{
		Requests: 1 << 40, Senders: 2, MaxDuration: 200 * time.Millisecond,
	}, nil)
	if err != nil {
		t.Fatalf("RunBaseline: %v", err)
	}
	if b.Completed <= 0 || b.Completed >= 1<<40 {
		t.Errorf("completed %d, want some but not all", b.Completed)
	}
	// Generous: the bound is 200ms plus one request per sender.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("run with a 200ms bound took %v", d)
	}
}
