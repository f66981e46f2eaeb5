package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/bench"
	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
)

const token = "hk_bench-test-admin-token-0123456789abcdef"

// lockedBuffer is an io.Writer safe to read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var listeningRE = regexp.MustCompile(`listening on (http://[0-9.:]+)`)

// startServer runs a real server in this process on its own SQLite file.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = token
	cfg.AllowPrivateTargets = true
	cfg.ShutdownTimeout = 5 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, out, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server.Run: %v", err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("server exited before listening: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("server did not start within 10s")
	return ""
}

func TestRun(t *testing.T) {
	url := startServer(t)
	var progress lockedBuffer
	res, err := bench.Run(t.Context(), bench.Config{
		URL: url, Token: token, Messages: 200, Senders: 8, Endpoints: 2,
		PayloadBytes: 512, Timeout: time.Minute, InProcess: true,
	}, &progress)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Accepted != 200 || res.Failed != 0 {
		t.Errorf("accepted %d, failed %d (%s), want 200, 0", res.Accepted, res.Failed, res.FirstError)
	}
	if res.Delivered != 400 || res.Expected != 400 {
		t.Errorf("delivered %d of %d, want 400 of 400", res.Delivered, res.Expected)
	}
	if res.Missing != 0 || res.Duplicates != 0 || res.TimedOut {
		t.Errorf("missing %d, duplicates %d, timed out %v; want 0, 0, false", res.Missing, res.Duplicates, res.TimedOut)
	}
	if !res.OK() {
		t.Errorf("OK() = false for %+v", res)
	}
	l := res.Latency
	if l.P50 <= 0 || l.P95 < l.P50 || l.P99 < l.P95 || l.Max < l.P99 {
		t.Errorf("latency %+v, want 0 < p50 <= p95 <= p99 <= max", l)
	}
	if res.AcceptedPerSec <= 0 || res.DeliveriesPerSec <= 0 {
		t.Errorf("accepted %v msg/s, %v deliveries/s, want both > 0", res.AcceptedPerSec, res.DeliveriesPerSec)
	}
	if res.CPUSeconds == nil || *res.CPUSeconds <= 0 || res.PeakRSSBytes == nil || *res.PeakRSSBytes <= 0 {
		t.Errorf("in-process usage: CPU %v, RSS %v, want both > 0", res.CPUSeconds, res.PeakRSSBytes)
	}

	var text bytes.Buffer
	if err := res.Format(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"msg/s", "deliveries/s", "p99", "duplicates", "missing", "server peak RSS"} {
		if !bytes.Contains(text.Bytes(), []byte(want)) {
			t.Errorf("Format output lacks %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back bench.Result
	if err := json.Unmarshal(b, &back); err != nil || back.Delivered != 400 {
		t.Errorf("JSON round trip: %v, delivered %d", err, back.Delivered)
	}
}

func TestRunRemoteUsageUnknown(t *testing.T) {
	url := startServer(t)
	res, err := bench.Run(t.Context(), bench.Config{
		URL: url, Token: token, Messages: 20, Senders: 4, Rate: 200, Timeout: time.Minute,
	}, nil)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.OK() {
		t.Errorf("OK() = false for %+v", res)
	}
	if res.CPUSeconds != nil || res.PeakRSSBytes != nil {
		t.Errorf("usage of a server elsewhere = %v, %v, want unknown", res.CPUSeconds, res.PeakRSSBytes)
	}
	// 20 messages offered at 200/s take at least 95ms (the first is free).
	if res.AcceptSeconds < 0.09 {
		t.Errorf("accepted 20 at rate 200/s in %.3fs, want >= 0.09s", res.AcceptSeconds)
	}
}

func TestRunBadToken(t *testing.T) {
	url := startServer(t)
	_, err := bench.Run(t.Context(), bench.Config{URL: url, Token: "hk_wrong", Messages: 1, Timeout: 10 * time.Second}, nil)
	if err == nil {
		t.Fatal("Run with a wrong token succeeded, want an error")
	}
}

func TestRunBacklog(t *testing.T) {
	url := startServer(t)
	var progress lockedBuffer
	res, err := bench.Run(t.Context(), bench.Config{
		URL: url, Token: token, Messages: 30, Senders: 4, Backlog: 50,
		Timeout: time.Minute, InProcess: true,
	}, &progress)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.OK() || res.Delivered != 30 {
		t.Errorf("measured run beside the backlog: OK %v, delivered %d of 30 (%+v)", res.OK(), res.Delivered, res)
	}
	if res.Backlog != 50 || res.BacklogPending == nil || *res.BacklogPending != 50 {
		t.Errorf("backlog %d, pending %v; want 50 sent and all 50 still pending at the dead endpoint", res.Backlog, res.BacklogPending)
	}
	var text bytes.Buffer
	if err := res.Format(&text); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text.Bytes(), []byte("50 deliveries still pending")) {
		t.Errorf("Format output lacks the backlog line:\n%s", text.String())
	}
}
