package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The baseline exists so that Hookline's figures can be read against what
// this machine can do at all. A bare net/http client POSTing to a bare
// net/http server on loopback, with the same senders and body size, is the
// fastest any HTTP service in Go can go here; each message costs Hookline
// 1+K such requests (the ingest and one delivery per endpoint), so the
// bare pair's requests/s divided by 1+K is a ceiling no implementation of
// the API could pass on this machine, and Hookline's throughput as a
// fraction of it says how much of the gap is Hookline's own (storage,
// signing, bookkeeping) rather than the machine's.

// BaselineConfig is one run of the bare pair. Zero values take the
// defaults noted.
type BaselineConfig struct {
	// Requests is how many requests to make at most; default 20000.
	Requests int
	// Senders is how many concurrent senders make them; default 32.
	Senders int
	// PayloadBytes sizes the body as a Hookline message with that payload
	// size would be (about 300 bytes for the default 256).
	PayloadBytes int
	// MaxDuration stops the senders starting requests after it; default 5s.
	MaxDuration time.Duration
	// Endpoints is how many endpoints each Hookline message goes to; it
	// sets the requests per message of the ceiling; default 1.
	Endpoints int
}

func (c *BaselineConfig) setDefaults() error {
	if c.Requests == 0 {
		c.Requests = 20000
	}
	if c.Senders == 0 {
		c.Senders = 32
	}
	if c.PayloadBytes == 0 {
		c.PayloadBytes = 256
	}
	if c.MaxDuration == 0 {
		c.MaxDuration = 5 * time.Second
	}
	if c.Endpoints == 0 {
		c.Endpoints = 1
	}
	if c.Requests < 0 || c.Senders < 0 || c.PayloadBytes < 0 || c.MaxDuration < 0 || c.Endpoints < 0 {
		return errors.New("bench: baseline counts, sizes and duration must not be negative")
	}
	if c.PayloadBytes < minPayload {
		c.PayloadBytes = minPayload
	}
	return nil
}

// Baseline is what the bare pair measured. The JSON names are stable for
// scripts.
type Baseline struct {
	Requests       int     `json:"requests"` // the bound on the count
	Senders        int     `json:"senders"`
	BodyBytes      int     `json:"body_bytes"`
	Completed      int     `json:"completed"` // answered 204
	Failed         int     `json:"failed"`
	FirstError     string  `json:"first_error,omitempty"`
	Seconds        float64 `json:"seconds"` // first send to last answer
	RequestsPerSec float64 `json:"requests_per_sec"`
	// RequestsPerMessage is what one Hookline message costs in requests:
	// the ingest and one delivery per endpoint.
	RequestsPerMessage int `json:"requests_per_message"`
	// CeilingMsgPerSec is RequestsPerSec / RequestsPerMessage, and
	// CeilingDeliveriesPerSec that times the endpoints.
	CeilingMsgPerSec        float64 `json:"ceiling_msg_per_sec"`
	CeilingDeliveriesPerSec float64 `json:"ceiling_deliveries_per_sec"`
}

// RunBaseline measures the bare pair: a net/http server on 127.0.0.1:0
// whose handler reads the body and answers 204, and one keep-alive
// net/http client sized for cfg.Senders, POSTing cfg.Requests JSON bodies
// or for cfg.MaxDuration, whichever ends first. A line goes to progress
// before and after unless it is nil. The error is for a pair that could
// not start or that completed no request.
func RunBaseline(ctx context.Context, cfg BaselineConfig, progress io.Writer) (Baseline, error) {
	if err := cfg.setDefaults(); err != nil {
		return Baseline{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Baseline{}, fmt.Errorf("baseline: listen: %w", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusNoContent)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	tr := &http.Transport{MaxIdleConnsPerHost: cfg.Senders, MaxIdleConns: cfg.Senders}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/"
	var body bytes.Buffer
	appendMessage(&body, EventType, strings.Repeat("x", cfg.PayloadBytes-minPayload), time.Now())

	if progress != nil {
		fmt.Fprintf(progress, "baseline: bare net/http pair on 127.0.0.1, %d requests of %d bytes from %d senders, at most %s\n",
			cfg.Requests, body.Len(), cfg.Senders, cfg.MaxDuration)
	}
	var (
		next, completed, failed atomic.Int64
		mu                      sync.Mutex
		last                    time.Time
		firstErr                string
	)
	start := time.Now()
	deadline := start.Add(cfg.MaxDuration)
	var wg sync.WaitGroup
	for range cfg.Senders {
		wg.Go(func() {
			// Bounded three ways: the count, the deadline for starting a
			// request, and the client's timeout for each one.
			for next.Add(1) <= int64(cfg.Requests) && time.Now().Before(deadline) && ctx.Err() == nil {
				err := post(ctx, client, url, body.Bytes())
				now := time.Now()
				mu.Lock()
				if err == nil {
					completed.Add(1)
					if now.After(last) {
						last = now
					}
				} else {
					failed.Add(1)
					if firstErr == "" {
						firstErr = err.Error()
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	b := Baseline{
		Requests: cfg.Requests, Senders: cfg.Senders, BodyBytes: body.Len(),
		Completed: int(completed.Load()), Failed: int(failed.Load()), FirstError: firstErr,
		RequestsPerMessage: 1 + cfg.Endpoints,
	}
	if b.Completed == 0 {
		return b, fmt.Errorf("baseline: no request completed (first error: %s)", firstErr)
	}
	b.Seconds = last.Sub(start).Seconds()
	b.RequestsPerSec = float64(b.Completed) / b.Seconds
	b.CeilingMsgPerSec = b.RequestsPerSec / float64(b.RequestsPerMessage)
	b.CeilingDeliveriesPerSec = b.CeilingMsgPerSec * float64(cfg.Endpoints)
	if progress != nil {
		fmt.Fprintf(progress, "baseline: %d requests in %.2fs: %.0f req/s, a ceiling of %.0f msg/s for Hookline\n",
			b.Completed, b.Seconds, b.RequestsPerSec, b.CeilingMsgPerSec)
	}
	return b, nil
}

// post makes one request of the bare pair and drains the answer, so that
// the connection goes back to the pool.
func post(ctx context.Context, client *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return nil
}
