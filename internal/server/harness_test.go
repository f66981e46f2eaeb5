package server_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
)

const testAdminToken = "hk_test-admin-token-0123456789abcdefghijklmnop"

// testServer is a real Hookline server running in this process on a
// loopback port, with its own SQLite file or PostgreSQL schema.
type testServer struct {
	URL    string
	Token  string
	Client *svix.Svix
	Logs   *lockedBuffer // the server's log, debug level and up
	Out    *lockedBuffer // what the server printed for the person who started it
	cfg    config.Config
	srv    *server.Server
	stop   func()
}

type serverOption func(*config.Config)

func withPrivateTargets(allow bool) serverOption {
	return func(c *config.Config) { c.AllowPrivateTargets = allow }
}

func withRetrySchedule(s ...time.Duration) serverOption {
	return func(c *config.Config) { c.RetrySchedule = s }
}

func withMaxBody(n int64) serverOption { return func(c *config.Config) { c.MaxBodyBytes = n } }

func withDatabaseURL(u string) serverOption { return func(c *config.Config) { c.DatabaseURL = u } }

// backend is a store the end-to-end suites run against. fresh returns the
// option that gives one test's server an empty database of its own.
type backend struct {
	name  string
	fresh func(t testing.TB) serverOption
}

// backends lists SQLite always (each server has its own data dir) and
// PostgreSQL when HOOKLINE_TEST_DATABASE_URL names a server (each test
// its own schema, dropped when the test ends).
func backends() []backend {
	bs := []backend{{name: "sqlite", fresh: func(testing.TB) serverOption { return func(*config.Config) {} }}}
	if base := pgtest.BaseURL(); base != "" {
		bs = append(bs, backend{name: "postgres", fresh: func(t testing.TB) serverOption {
			return withDatabaseURL(pgtest.NewSchema(t, base))
		}})
	}
	return bs
}

// eachBackend runs fn once per backend, as parallel subtests named for
// it; db is the option that puts fn's server on that backend.
func eachBackend(t *testing.T, fn func(t *testing.T, db serverOption)) {
	t.Helper()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.fresh(t))
		})
	}
}

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

func startServer(t testing.TB, opts ...serverOption) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.AdminToken = testAdminToken
	cfg.AllowPrivateTargets = true
	cfg.RetrySchedule = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}
	cfg.RequestTimeout = 2 * time.Second
	cfg.ShutdownTimeout = 5 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	out := &lockedBuffer{}
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(context.Background(), cfg, out, logger)
	if err != nil {
		t.Fatalf("server.New: %v\nlogs:\n%s", err, logs.String())
	}
	return runServer(t, srv, cfg, out, logs)
}

// runServer starts srv, made by server.New with cfg, and stops it when
// the test ends.
func runServer(t testing.TB, srv *server.Server, cfg config.Config, out, logs *lockedBuffer) *testServer {
	t.Helper()
	if err := srv.Start(context.Background()); err != nil {
		_ = srv.Stop(context.Background())
		t.Fatalf("server.Start: %v\nlogs:\n%s", err, logs.String())
	}
	base := "http://" + srv.Addr()
	u, _ := url.Parse(base)
	ts := &testServer{
		URL: base, Token: testAdminToken, cfg: cfg, Logs: logs, Out: out, srv: srv,
		Client: newClient(t, testAdminToken, u, nil),
	}
	var once sync.Once
	ts.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			if err := srv.Stop(ctx); err != nil {
				t.Errorf("server.Stop: %v", err)
			}
			if t.Failed() {
				t.Logf("server logs:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(ts.stop)
	return ts
}

// clientFor returns an SDK client using another token.
func (s *testServer) clientFor(t testing.TB, token string) *svix.Svix {
	u, _ := url.Parse(s.URL)
	return newClient(t, token, u, nil)
}

// newClient returns a Svix SDK client of the server at u; httpClient may be nil.
func newClient(t testing.TB, token string, u *url.URL, httpClient *http.Client) *svix.Svix {
	t.Helper()
	c, err := svix.New(token, &svix.SvixOptions{ServerUrl: u, HTTPClient: httpClient})
	if err != nil {
		t.Fatalf("svix.New: %v", err)
	}
	return c
}

// do sends a raw request with the admin token (or none when token is "").
func (s *testServer) do(t *testing.T, method, path, token string, body []byte, hdr ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// received is one request a receiver got.
type received struct {
	Method string
	Header http.Header
	Body   []byte
	At     time.Time
}

// receiver is a real HTTP server on loopback that records what arrives
// and answers with statuses from a script (then 200).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	script []int
	delay  time.Duration // how long each request is held before answering
	notify chan struct{}
}

func newReceiver(t testing.TB, script ...int) *receiver {
	r := &receiver{script: script, notify: make(chan struct{}, 1)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Method: req.Method, Header: req.Header.Clone(), Body: body, At: time.Now()})
		status := http.StatusOK
		if len(r.script) > 0 {
			status, r.script = r.script[0], r.script[1:]
		}
		delay := r.delay
		r.mu.Unlock()
		select {
		case r.notify <- struct{}{}:
		default:
		}
		time.Sleep(delay)
		w.WriteHeader(status)
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor waits until the receiver has at least n requests, or fails.
func (r *receiver) waitFor(t *testing.T, n int, within time.Duration) []received {
	t.Helper()
	deadline := time.After(within)
	for {
		if got := r.requests(); len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("receiver got %d requests, want %d within %v", len(r.requests()), n, within)
		}
	}
}

// eventually retries check until it returns true or the time is up.
func eventually(t *testing.T, within time.Duration, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// httpClient is shared by tests that talk to child processes.
var httpClient = &http.Client{Timeout: 10 * time.Second}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *receiver) setDelay(d time.Duration) {
	r.mu.Lock()
	r.delay = d
	r.mu.Unlock()
}
