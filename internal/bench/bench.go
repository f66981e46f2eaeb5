// Package bench is the load generator behind `hookline bench`: it drives a
// Hookline server through the public API a user would call (create an
// application, an event type and endpoints, then POST messages from
// concurrent senders) and measures, at a loopback receiver, that every
// delivery arrived exactly once and how long it took.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// EventType is the event type the benchmark declares and sends.
const EventType = "hookline.bench"

// Config is one benchmark run. Zero values take the defaults noted.
type Config struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8071. It must be
	// able to deliver to 127.0.0.1 (--allow-private-targets), since the
	// receiver listens on loopback only.
	URL string
	// Token is an admin Bearer token of that server.
	Token string
	// Messages is how many messages to send; default 20000.
	Messages int
	// Senders is how many concurrent senders POST them; default 32.
	Senders int
	// Endpoints is how many endpoints subscribe, each getting every
	// message; default 1.
	Endpoints int
	// PayloadBytes is the size of each message's JSON payload; default
	// 256, at least what the send time needs.
	PayloadBytes int
	// Rate is the offered load in messages per second across all senders;
	// 0 sends as fast as the server accepts.
	Rate float64
	// Timeout bounds the whole run: setup, sending and waiting for
	// deliveries; default 5m. Deliveries still missing then are reported.
	Timeout time.Duration
	// Backlog is how many messages to leave pending at a dead endpoint
	// (refused connections) before the measured run; 0 for none.
	Backlog int
	// TempData says the server's data is thrown away after the run (a
	// temporary SQLite directory), so the benchmark app need not be
	// deleted; otherwise it is, to leave nothing behind.
	TempData bool
	// InProcess says the server runs in this process, so that the
	// process's CPU time and peak RSS stand for the server's (load
	// generator included). Otherwise they are reported as unknown.
	InProcess bool
	// Baseline runs the bare net/http pair (RunBaseline) first, with the
	// same senders, payload size and message count, and reports Hookline's
	// throughput as a fraction of the ceiling it implies.
	Baseline bool
	// Inbound sends the messages as webhooks from a provider: each is POSTed,
	// signed (Standard Webhooks), to the ingest URL of a source that
	// forwards to the benchmark app, instead of through the API.
	Inbound bool
}

func (c *Config) setDefaults() error {
	if c.URL == "" {
		return errors.New("bench: no server URL")
	}
	c.URL = strings.TrimRight(c.URL, "/")
	if c.Messages == 0 {
		c.Messages = 20000
	}
	if c.Senders == 0 {
		c.Senders = 32
	}
	if c.Endpoints == 0 {
		c.Endpoints = 1
	}
	if c.PayloadBytes == 0 {
		c.PayloadBytes = 256
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
	switch {
	case c.Messages < 0, c.Senders < 0, c.Endpoints < 0, c.PayloadBytes < 0, c.Timeout < 0, c.Backlog < 0:
		return errors.New("bench: counts, sizes and the timeout must not be negative")
	case c.Rate < 0:
		return errors.New("bench: the rate must not be negative")
	case c.Endpoints > 1000:
		return errors.New("bench: at most 1000 endpoints")
	}
	if c.PayloadBytes < minPayload {
		c.PayloadBytes = minPayload
	}
	return nil
}

// minPayload is the size of the smallest payload: `{"sentAt":N,"pad":""}`
// with a 19-digit N.
const minPayload = len(`{"sentAt":1234567890123456789,"pad":""}`)

// Run runs one benchmark against cfg.URL and returns its figures. A line of
// progress goes to progress every second unless it is nil. Missing or
// duplicate deliveries and failed sends are results, not errors: the error
// is for a run that could not start (bad URL or token, receiver).
func Run(ctx context.Context, cfg Config, progress io.Writer) (Result, error) {
	if err := cfg.setDefaults(); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	var base *Baseline
	if cfg.Baseline {
		b, err := RunBaseline(ctx, BaselineConfig{
			Requests: cfg.Messages, Senders: cfg.Senders, PayloadBytes: cfg.PayloadBytes, Endpoints: cfg.Endpoints,
		}, progress)
		if err != nil {
			return Result{}, err
		}
		base = &b
	}

	rcv, err := startReceiver()
	if err != nil {
		return Result{}, err
	}
	defer rcv.close()

	api := &apiClient{
		base:  cfg.URL + "/api/v1",
		token: cfg.Token,
		http: &http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Senders, MaxIdleConns: cfg.Senders},
			Timeout:   30 * time.Second,
		},
	}
	appID, err := setup(ctx, api, cfg, rcv)
	if err != nil {
		return Result{}, err
	}
	if !cfg.TempData {
		defer func() {
			// Best effort: leave nothing behind in the user's database.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = api.do(ctx, http.MethodDelete, "/app/"+appID, nil, nil, http.StatusNoContent)
		}()
	}

	var dead *backlog
	if cfg.Backlog > 0 {
		if dead, err = fillBacklog(ctx, api, appID, cfg, progress); err != nil {
			return Result{}, err
		}
	}
	// CPU counts the measured run only; peak RSS is the whole process's,
	// the backlog's included.
	cpu0, _, usageOK := selfUsage()
	s := newSendState(cfg.Messages)
	stopProgress := startProgress(progress, "sent", cfg.Messages, cfg.Endpoints, s, rcv)
	start := time.Now()
	var to sender = newAPISender(api, appID)
	if cfg.Inbound {
		if to, err = newInboundSender(ctx, api, appID); err != nil {
			return Result{}, err
		}
	}
	s.run(ctx, to, load{eventType: EventType, messages: cfg.Messages, senders: cfg.Senders, rate: cfg.Rate, payloadBytes: cfg.PayloadBytes})
	acceptDur := s.lastAccept.Sub(start)

	// Wait for every delivery of every accepted message, or the timeout.
	want := int64(len(s.accepted) * cfg.Endpoints)
	tick := time.NewTicker(5 * time.Millisecond)
	for rcv.unique.Load() < want && ctx.Err() == nil {
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	tick.Stop()
	stopProgress()
	timedOut := rcv.unique.Load() < want

	res := tally(cfg, s, rcv.snapshot(), acceptDur)
	res.TimedOut = timedOut
	if dead != nil {
		res.Backlog = cfg.Backlog
		if n, err := dead.pending(ctx, api, appID); err == nil {
			res.BacklogPending = &n
		}
	}
	if cfg.InProcess && usageOK {
		if cpu1, rss, ok := selfUsage(); ok {
			cpuSec := (cpu1 - cpu0).Seconds()
			res.CPUSeconds, res.PeakRSSBytes = &cpuSec, &rss
			res.UsageNote = "this process: the in-process server and the load generator together"
		}
	}
	if base != nil {
		res.setBaseline(*base)
	}
	if res.CPUSeconds == nil {
		res.UsageNote = "unknown: the server runs in another process"
	}
	return res, nil
}

// setup creates the application, declares the event type and subscribes
// cfg.Endpoints endpoints pointing at the receiver; it returns the app ID.
func setup(ctx context.Context, api *apiClient, cfg Config, rcv *receiver) (string, error) {
	var app struct {
		ID string `json:"id"`
	}
	name := "hookline bench " + time.Now().UTC().Format(time.RFC3339)
	if err := api.do(ctx, http.MethodPost, "/app", map[string]any{"name": name}, &app, http.StatusCreated); err != nil {
		return "", fmt.Errorf("create application: %w", err)
	}
	// 409: the event type exists from an earlier run, which is fine.
	et := map[string]any{"name": EventType, "description": "hookline bench load"}
	if err := api.do(ctx, http.MethodPost, "/event-type", et, nil, http.StatusCreated, http.StatusConflict); err != nil {
		return "", fmt.Errorf("create event type: %w", err)
	}
	for k := range cfg.Endpoints {
		ep := map[string]any{"url": rcv.endpointURL(k), "filterTypes": []string{EventType}, "description": "hookline bench"}
		if err := api.do(ctx, http.MethodPost, "/app/"+app.ID+"/endpoint", ep, nil, http.StatusCreated); err != nil {
			return "", fmt.Errorf("create endpoint %d: %w", k, err)
		}
	}
	return app.ID, nil
}

// sendState is what the senders share.
type sendState struct {
	next   atomic.Int64 // messages handed out
	sent   atomic.Int64 // requests made
	failed atomic.Int64

	mu         sync.Mutex
	accepted   []string // message IDs answered 202
	lastAccept time.Time
	firstErr   string
}

func newSendState(messages int) *sendState {
	return &sendState{accepted: make([]string, 0, messages)}
}

// load is what a sendState sends.
type load struct {
	eventType    string
	messages     int
	senders      int
	rate         float64 // msg/s across all senders; 0 = as fast as accepted
	payloadBytes int     // at least minPayload
}

func (s *sendState) acceptedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.accepted)
}

// run sends l.messages messages from l.senders goroutines through to,
// each stopping when the count is reached or ctx ends.
func (s *sendState) run(ctx context.Context, to sender, l load) {
	var limiter *rate.Limiter
	if l.rate > 0 {
		limiter = rate.NewLimiter(rate.Limit(l.rate), 1)
	}
	pad := strings.Repeat("x", max(l.payloadBytes, minPayload)-minPayload)
	var wg sync.WaitGroup
	for range l.senders {
		wg.Go(func() {
			var buf bytes.Buffer
			for {
				n := s.next.Add(1)
				if n > int64(l.messages) || ctx.Err() != nil {
					return
				}
				if limiter != nil && limiter.Wait(ctx) != nil {
					return
				}
				s.sent.Add(1)
				id, err := to.send(ctx, &buf, l.eventType, pad, n)
				s.mu.Lock()
				if err == nil {
					s.accepted = append(s.accepted, id)
					s.lastAccept = time.Now()
				} else {
					s.failed.Add(1)
					if s.firstErr == "" {
						s.firstErr = err.Error()
					}
				}
				s.mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// sender sends message n of a run, answering the ID its deliveries
// arrive under.
type sender interface {
	send(ctx context.Context, buf *bytes.Buffer, eventType, pad string, n int64) (string, error)
}

// apiSender sends messages through the API: POST /app/{app}/msg.
type apiSender struct {
	api  *apiClient
	path string
}

func newAPISender(api *apiClient, appID string) apiSender {
	return apiSender{api: api, path: "/app/" + appID + "/msg"}
}

func (a apiSender) send(ctx context.Context, buf *bytes.Buffer, eventType, pad string, _ int64) (string, error) {
	buf.Reset()
	appendMessage(buf, eventType, pad, time.Now())
	var out struct {
		ID string `json:"id"`
	}
	err := a.api.doRaw(ctx, http.MethodPost, a.path, buf.Bytes(), &out, http.StatusAccepted)
	return out.ID, err
}

// appendMessage writes the body of a message send: the event type and a
// payload carrying its send time, for send-to-arrival latency (19 digits
// until the year 2286, so every payload with the same pad has the same
// size), padded with pad.
func appendMessage(buf *bytes.Buffer, eventType, pad string, sentAt time.Time) {
	buf.WriteString(`{"eventType":"` + eventType + `","payload":{"sentAt":`)
	buf.Write(strconv.AppendInt(nil, sentAt.UnixNano(), 10))
	buf.WriteString(`,"pad":"` + pad + `"}}`)
}

// startProgress prints a line a second until the returned stop is called:
// what s sent of total and, when rcv is not nil, what arrived of the
// deliveries to endpoints endpoints.
func startProgress(w io.Writer, label string, total, endpoints int, s *sendState, rcv *receiver) (stop func()) {
	if w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				line := fmt.Sprintf("%5.0fs  %s %d/%d  accepted %d  failed %d",
					time.Since(start).Seconds(), label, s.sent.Load(), total, s.acceptedCount(), s.failed.Load())
				if rcv != nil {
					line += fmt.Sprintf("  delivered %d/%d", rcv.unique.Load(), total*endpoints)
				}
				fmt.Fprintln(w, line)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// apiClient calls the Hookline API with an admin token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path string, in, out any, want ...int) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	return c.doRaw(ctx, method, path, body, out, want...)
}

func (c *apiClient) doRaw(ctx context.Context, method, path string, body []byte, out any, want ...int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", method, path, err)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			if out != nil && resp.StatusCode != http.StatusConflict {
				if err := json.Unmarshal(respBody, out); err != nil {
					return fmt.Errorf("%s %s: decode response: %w", method, path, err)
				}
			}
			return nil
		}
	}
	msg := strings.TrimSpace(string(respBody))
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return fmt.Errorf("%s %s: %s: %s", method, path, strconv.Itoa(resp.StatusCode)+" "+http.StatusText(resp.StatusCode), msg)
}
