package send

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"code.dny.dev/ssrf"
)

// newClient builds a client with the guard off (test servers are loopback)
// unless the caller's cfg says otherwise.
func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient(%+v) = %v", cfg, err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

// countingServer is a loopback server that counts new connections.
type countingServer struct {
	*httptest.Server
	conns atomic.Int64
}

func newCountingServer(t testing.TB, h http.HandlerFunc) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func TestSendHeadersAndBody(t *testing.T) {
	t.Parallel()
	type seen struct {
		method string
		header http.Header
		body   []byte
		length int64
	}
	got := make(chan seen, 1)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Clone(), b, r.ContentLength}
		w.WriteHeader(http.StatusNoContent)
	})
	c := newClient(t, Config{AllowPrivateTargets: true, UserAgent: "Hookline/9.9.9"})

	body := []byte(`{"type":"user.created","data":{"id":"u_1","emoji":"✓"}}` + "\x00\xff")
	res := c.Send(t.Context(), Request{
		URL:       srv.URL + "/hook?x=1",
		Body:      body,
		MsgID:     "msg_2abc",
		Timestamp: 1700000000,
		Signature: "v1,aGVsbG8= v1,d29ybGQ=",
		Headers: map[string]string{
			"Authorization":     "Bearer t0k",
			"x-custom":          "yes",
			"webhook-id":        "forged",
			"Svix-Signature":    "v1,forged",
			"WEBHOOK-TIMESTAMP": "1",
			"content-type":      "text/plain",
			"User-Agent":        "evil",
			"Host":              "evil.example",
			"Content-Length":    "1",
		},
	})
	if res.Err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("Send() = %d, %v; want 204, nil", res.StatusCode, res.Err)
	}
	if !Succeeded(res.StatusCode) {
		t.Errorf("Succeeded(%d) = false", res.StatusCode)
	}
	s := <-got
	if s.method != http.MethodPost {
		t.Errorf("method = %q, want POST", s.method)
	}
	if !bytes.Equal(s.body, body) {
		t.Errorf("body = %q, want %q", s.body, body)
	}
	if s.length != int64(len(body)) {
		t.Errorf("ContentLength = %d, want %d", s.length, len(body))
	}
	want := map[string]string{
		"Content-Type":      "application/json",
		"User-Agent":        "Hookline/9.9.9",
		"Webhook-Id":        "msg_2abc",
		"Webhook-Timestamp": "1700000000",
		"Webhook-Signature": "v1,aGVsbG8= v1,d29ybGQ=",
		"Svix-Id":           "msg_2abc",
		"Svix-Timestamp":    "1700000000",
		"Svix-Signature":    "v1,aGVsbG8= v1,d29ybGQ=",
		"Authorization":     "Bearer t0k",
		"X-Custom":          "yes",
	}
	for k, v := range want {
		if got := s.header.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("header %s = %q, want [%q]", k, got, v)
		}
	}
}

func TestSendMethodAndContentType(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Method + " " + r.Header.Get("Content-Type")
	})
	c := newClient(t, Config{AllowPrivateTargets: true})
	res := c.Send(t.Context(), Request{URL: srv.URL, Method: http.MethodPut, ContentType: "application/x-www-form-urlencoded", Body: []byte("a=1")})
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatalf("Send() = %d, %v; want 200, nil", res.StatusCode, res.Err)
	}
	if g, w := <-got, "PUT application/x-www-form-urlencoded"; g != w {
		t.Errorf("server saw %q, want %q", g, w)
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var followed atomic.Bool
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed.Store(true)
			return
		}
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		http.Redirect(w, r, "/elsewhere", code)
	})
	c := newClient(t, Config{AllowPrivateTargets: true})
	for _, code := range []int{301, 302, 303, 307, 308} {
		res := c.Send(t.Context(), Request{URL: srv.URL + "/hook?code=" + strconv.Itoa(code), Body: []byte("{}")})
		if res.Err != nil || res.StatusCode != code {
			t.Errorf("Send() = %d, %v; want %d, nil", res.StatusCode, res.Err, code)
		}
		if Succeeded(res.StatusCode) {
			t.Errorf("Succeeded(%d) = true, want false", res.StatusCode)
		}
	}
	if followed.Load() {
		t.Error("a redirect was followed")
	}
}

func TestSendURLCredentials(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Authorization")
	})
	withCreds := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1)
	c := newClient(t, Config{AllowPrivateTargets: true})
	tests := []struct {
		name    string
		url     string
		headers map[string]string
		want    string
	}{
		{"userinfo becomes basic auth", withCreds, nil, "Basic YWxpY2U6aHVudGVyMg=="},
		{"custom header wins", withCreds, map[string]string{"authorization": "Bearer t0k"}, "Bearer t0k"},
		{"no userinfo", srv.URL, nil, ""},
	}
	for _, tt := range tests {
		res := c.Send(t.Context(), Request{URL: tt.url, Headers: tt.headers})
		if res.Err != nil || res.StatusCode != 200 {
			t.Fatalf("%s: Send() = %d, %v; want 200, nil", tt.name, res.StatusCode, res.Err)
		}
		if g := <-got; g != tt.want {
			t.Errorf("%s: Authorization = %q, want %q", tt.name, g, tt.want)
		}
	}
}

func TestSendTruncatesResponseBody(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	tests := []struct {
		name    string
		limit   int
		chunked bool
		size    int
		want    int
	}{
		{"1MiB content-length default limit", 0, false, len(big), DefaultMaxResponseBytes},
		{"1MiB chunked default limit", 0, true, len(big), DefaultMaxResponseBytes},
		{"1MiB small limit", 100, false, len(big), 100},
		{"exact limit", 100, false, 100, 100},
		{"short body", 100, false, 42, 42},
		{"short chunked body", 100, true, 42, 42},
		{"empty body", 100, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if !tt.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(tt.size))
				}
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write(big[:tt.size])
			})
			c := newClient(t, Config{AllowPrivateTargets: true, MaxResponseBytes: tt.limit})
			res := c.Send(t.Context(), Request{URL: srv.URL, Body: []byte("{}")})
			if res.Err != nil || res.StatusCode != 500 {
				t.Fatalf("Send() = %d, %v; want 500, nil", res.StatusCode, res.Err)
			}
			if len(res.Body) != tt.want || !bytes.Equal(res.Body, big[:tt.want]) {
				t.Errorf("len(Body) = %d, want %d of the body's first bytes", len(res.Body), tt.want)
			}
		})
	}
}

func TestSendTimeout(t *testing.T) {
	t.Parallel()
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	tests := []struct {
		name    string
		cfg     time.Duration
		req     time.Duration
		wantMsg string
	}{
		{"request timeout", 0, 100 * time.Millisecond, "timeout after 100ms"},
		{"config timeout", 150 * time.Millisecond, 0, "timeout after 150ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, Config{AllowPrivateTargets: true, Timeout: tt.cfg})
			res := c.Send(t.Context(), Request{URL: srv.URL, Timeout: tt.req})
			if res.StatusCode != 0 || res.Err == nil || res.Err.Error() != tt.wantMsg {
				t.Fatalf("Send() = %d, %v; want 0, %q", res.StatusCode, res.Err, tt.wantMsg)
			}
			if !errors.Is(res.Err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(%v, DeadlineExceeded) = false", res.Err)
			}
			if res.Duration < 100*time.Millisecond || res.Duration > 5*time.Second {
				t.Errorf("Duration = %s, want about the timeout", res.Duration)
			}
		})
	}
}

func TestSendCanceledByCaller(t *testing.T) {
	t.Parallel()
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	c := newClient(t, Config{AllowPrivateTargets: true})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	res := c.Send(ctx, Request{URL: srv.URL})
	if res.Err == nil || res.Err.Error() != "canceled" || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("Send() err = %v, want canceled", res.Err)
	}
}

func TestSendRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"120", 120 * time.Second},
		{"0", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"-5", 0},
		{"soon", 0},
		{"999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			t.Parallel()
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(http.StatusTooManyRequests)
			})
			c := newClient(t, Config{AllowPrivateTargets: true, Now: func() time.Time { return now }})
			res := c.Send(t.Context(), Request{URL: srv.URL})
			if res.Err != nil || res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("Send() = %d, %v; want 429, nil", res.StatusCode, res.Err)
			}
			if res.RetryAfter != tt.want {
				t.Errorf("RetryAfter for %q = %s, want %s", tt.header, res.RetryAfter, tt.want)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"1", time.Second},
		{"86400", 24 * time.Hour},
		{"86401", 24 * time.Hour},
		{"99999999999999999999999", 24 * time.Hour},
		{"1.5", 0},
		{"12abc", 0},
		{" 5", 0},
		{"Sun, 01 Mar 2026 12:00:30 GMT", 30 * time.Second},
		{"Sunday, 01-Mar-26 12:01:00 GMT", time.Minute},
		{"Sun Mar  1 13:00:00 2026", time.Hour},
		{"Sun, 01 Mar 2026 11:00:00 GMT", 0},
		{"Tue, 10 Mar 2026 12:00:00 GMT", 24 * time.Hour},
		{"not a date", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestSucceeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		want   bool
	}{
		{0, false}, {100, false}, {199, false}, {200, true}, {202, true}, {204, true},
		{299, true}, {300, false}, {302, false}, {404, false}, {429, false}, {500, false},
	}
	for _, tt := range tests {
		if got := Succeeded(tt.status); got != tt.want {
			t.Errorf("Succeeded(%d) = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestSendGuardRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	c := newClient(t, Config{})
	tests := []struct {
		url     string
		wantMsg string
	}{
		{fmt.Sprintf("http://127.0.0.1:%d/", port), "forbidden target: 127.0.0.1 is a private or reserved address"},
		{fmt.Sprintf("http://[::1]:%d/", port), "forbidden target: ::1 is a private or reserved address"},
		{fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port), "forbidden target: 127.0.0.1 is a private or reserved address"},
		{fmt.Sprintf("http://localhost:%d/", port), ""},
		{fmt.Sprintf("https://user:secret@127.0.0.1:%d/", port), "forbidden target: 127.0.0.1 is a private or reserved address"},
		{"http://169.254.169.254/latest/meta-data/", "forbidden target: 169.254.169.254 is a private or reserved address"},
		{"http://10.1.2.3:8080/", "forbidden target: 10.1.2.3 is a private or reserved address"},
		{"http://0.0.0.0/", "forbidden target: 0.0.0.0 is a private or reserved address"},
	}
	for _, tt := range tests {
		res := c.Send(t.Context(), Request{URL: tt.url, Body: []byte("{}")})
		if !errors.Is(res.Err, ErrForbiddenTarget) {
			t.Errorf("Send(%q) err = %v, want ErrForbiddenTarget", tt.url, res.Err)
			continue
		}
		// Refused in the dial Control hook, i.e. by the guard and not by a
		// failed connection.
		if !errors.Is(res.Err, ssrf.ErrProhibitedIP) {
			t.Errorf("Send(%q) err = %v, want it to wrap ssrf.ErrProhibitedIP", tt.url, res.Err)
		}
		if tt.wantMsg != "" && res.Err.Error() != tt.wantMsg {
			t.Errorf("Send(%q) err = %q, want %q", tt.url, res.Err, tt.wantMsg)
		}
		if strings.Contains(res.Err.Error(), "secret") || strings.Contains(res.Err.Error(), "user") {
			t.Errorf("Send(%q) err = %q leaks credentials", tt.url, res.Err)
		}
		if res.StatusCode != 0 {
			t.Errorf("Send(%q) status = %d, want 0", tt.url, res.StatusCode)
		}
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("test server accepted %d connections, want 0", n)
	}
}

func TestSendRefusesSchemes(t *testing.T) {
	t.Parallel()
	for _, allowPrivate := range []bool{false, true} {
		c := newClient(t, Config{AllowPrivateTargets: allowPrivate})
		for _, u := range []string{"ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1:70/", "unix:///var/run/docker.sock"} {
			res := c.Send(t.Context(), Request{URL: u})
			if !errors.Is(res.Err, ErrForbiddenTarget) || !strings.HasPrefix(res.Err.Error(), "forbidden target: scheme") {
				t.Errorf("Send(%q) with AllowPrivateTargets=%v err = %v, want a forbidden scheme", u, allowPrivate, res.Err)
			}
		}
	}
}

func TestGuardControl(t *testing.T) {
	t.Parallel()
	g := newGuard()
	tests := []struct {
		network, address string
		wantForbidden    bool
	}{
		{"tcp4", "127.0.0.1:8080", true},
		{"tcp6", "[::1]:8080", true},
		{"tcp6", "[::ffff:127.0.0.1]:8080", true},
		{"tcp6", "[::ffff:10.0.0.1]:443", true},
		{"tcp6", "[::ffff:8.8.8.8]:443", true}, // mapped form refused outright
		{"tcp4", "169.254.169.254:80", true},
		{"tcp4", "192.168.1.1:80", true},
		{"tcp4", "100.64.0.1:80", true},
		{"tcp6", "[fd00::1]:80", true},
		{"tcp6", "[fe80::1]:80", true},
		{"udp4", "8.8.8.8:53", true},
		{"tcp4", "8.8.8.8:8443", false},
		{"tcp4", "93.184.215.14:443", false},
		{"tcp6", "[2606:4700::1111]:443", false},
	}
	for _, tt := range tests {
		// control never connects: it only inspects the address.
		err := g.control(tt.network, tt.address, nil)
		if got := errors.Is(err, ErrForbiddenTarget); got != tt.wantForbidden {
			t.Errorf("control(%q, %q) = %v, want forbidden %v", tt.network, tt.address, err, tt.wantForbidden)
		}
	}
}

func TestGuardMappedAddressCheckedEvenIfLibraryAllowsIt(t *testing.T) {
	t.Parallel()
	// Allowing ::ffff:0:0/96 in the library simulates a version that lets
	// mapped addresses through; our own check must still refuse loopback.
	g := &guard{g: ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV6Prefixes(netip.MustParsePrefix("::ffff:0:0/96")))}
	if err := g.control("tcp6", "[::ffff:127.0.0.1]:80", nil); !errors.Is(err, ErrForbiddenTarget) {
		t.Errorf("control(tcp6, [::ffff:127.0.0.1]:80) = %v, want ErrForbiddenTarget", err)
	}
	if err := g.control("tcp6", "[::ffff:8.8.8.8]:80", nil); err != nil {
		t.Errorf("control(tcp6, [::ffff:8.8.8.8]:80) = %v, want nil", err)
	}
}

func TestSendGuardOffReachesLoopback(t *testing.T) {
	t.Parallel()
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	c := newClient(t, Config{AllowPrivateTargets: true})
	res := c.Send(t.Context(), Request{URL: srv.URL, Body: []byte("{}")})
	if res.Err != nil || res.StatusCode != 200 || string(res.Body) != "ok" {
		t.Fatalf("Send() = %d, %q, %v; want 200, \"ok\", nil", res.StatusCode, res.Body, res.Err)
	}
	if res.Duration <= 0 {
		t.Errorf("Duration = %s, want > 0", res.Duration)
	}
}

func TestSendErrorTexts(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: bind then close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()

	hangUp := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	})
	hangUpURL := strings.Replace(hangUp.URL, "http://", "http://alice:hunter2@", 1)

	c := newClient(t, Config{AllowPrivateTargets: true})
	tests := []struct {
		url     string
		wantMsg string
	}{
		{fmt.Sprintf("http://alice:hunter2@127.0.0.1:%d/", closedPort), "connection refused"},
		{hangUpURL, "connection closed before a response"},
		{"http://alice:hunter2@127.0.0.1:notaport/", `invalid URL: invalid port ":notaport" after host`},
		{"http://alice:hunter2@127.0.0.1/\x7f", "invalid URL: net/url: invalid control character in URL"},
		{"http:///nohost", "http: no Host in request URL"},
	}
	for _, tt := range tests {
		res := c.Send(t.Context(), Request{URL: tt.url, Body: []byte("{}")})
		if res.Err == nil || res.Err.Error() != tt.wantMsg {
			t.Errorf("Send(%q) err = %v, want %q", tt.url, res.Err, tt.wantMsg)
			continue
		}
		if msg := res.Err.Error(); strings.Contains(msg, "alice") || strings.Contains(msg, "hunter2") {
			t.Errorf("Send(%q) err = %q leaks credentials", tt.url, msg)
		}
	}
}

func TestSendReusesConnections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
	}{
		{"content-length body", []byte("thanks")},
		{"empty body", nil},
		{"body at the limit", bytes.Repeat([]byte("x"), 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = w.Write(tt.body)
			})
			c := newClient(t, Config{AllowPrivateTargets: true, MaxResponseBytes: 64})
			for i := range 100 {
				res := c.Send(t.Context(), Request{URL: srv.URL, Body: []byte(`{"i":1}`), MsgID: "msg_" + strconv.Itoa(i)})
				if res.Err != nil || res.StatusCode != 200 || !bytes.Equal(res.Body, tt.body) {
					t.Fatalf("Send() #%d = %d, %q, %v; want 200, %q, nil", i, res.StatusCode, res.Body, res.Err, tt.body)
				}
			}
			if n := srv.conns.Load(); n != 1 {
				t.Errorf("100 sequential sends opened %d connections, want 1", n)
			}
		})
	}
}

func TestNewClientRejectsNegatives(t *testing.T) {
	t.Parallel()
	tests := []Config{
		{Timeout: -time.Second},
		{MaxResponseBytes: -1},
		{MaxConnsPerHost: -1},
		{MaxIdleConnsPerHost: -1},
		{IdleConnTimeout: -time.Second},
	}
	for _, cfg := range tests {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("NewClient(%+v) = nil error, want one", cfg)
		}
	}
}

func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c, err := NewClient(Config{AllowPrivateTargets: true, UserAgent: "Hookline/bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdle()
	req := Request{
		URL:       srv.URL + "/hook",
		Body:      bytes.Repeat([]byte("a"), 256),
		MsgID:     "msg_2abcdefghijklmnopqrstuvwxyz",
		Timestamp: 1700000000,
		Signature: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
		Headers:   map[string]string{"Authorization": "Bearer t0k"},
	}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if res := c.Send(ctx, req); res.Err != nil || res.StatusCode != 200 {
			b.Fatalf("Send() = %d, %v", res.StatusCode, res.Err)
		}
	}
}
