package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/config"
	"github.com/hookline/hookline/internal/server"
)

// startServerWith is startServer with extra handlers mounted on the root
// handler before the server starts; logger is the server's own.
func startServerWith(t *testing.T, mount func(srv *server.Server), opts ...serverOption) *testServer {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AdminToken = "127.0.0.1:0", t.TempDir(), testAdminToken
	for _, o := range opts {
		o(&cfg)
	}
	out, logs := &lockedBuffer{}, &lockedBuffer{}
	srv, err := server.New(context.Background(), cfg, out, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	mount(srv)
	return runServer(t, srv, cfg, out, logs)
}

// linesWith returns the log lines that contain s.
func linesWith(logs, s string) []string {
	var got []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, s) {
			got = append(got, l)
		}
	}
	return got
}

// TestRequestIDEchoedAndLogged: a sane incoming X-Request-Id is echoed
// and is in every line the request logs (the access line, and a line the
// handler logs with its context); an insane one (too long, or with
// characters that could forge a log line) is replaced by a new ID, and a
// request without one gets one too, different each time.
func TestRequestIDEchoedAndLogged(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		var logger *slog.Logger
		s := startServerWith(t, func(srv *server.Server) {
			logger = srv.LoggerForTest()
			srv.MountForTest("GET /test/logs", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logger.InfoContext(r.Context(), "inside the handler")
				w.WriteHeader(http.StatusNoContent)
			}))
		}, db)

		get := func(path, id string) *http.Response {
			t.Helper()
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			req.Header.Set("Authorization", "Bearer "+s.Token)
			if id != "" {
				req.Header.Set("X-Request-Id", id)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}

		const id = "trace-4f2a.9:b_C"
		if got := get("/test/logs", id).Header.Get("X-Request-Id"); got != id {
			t.Errorf("X-Request-Id echoed = %q, want %q", got, id)
		}
		eventually(t, 5*time.Second, "the request's log lines", func() bool { return len(linesWith(s.Logs.String(), id)) >= 2 })
		lines := linesWith(s.Logs.String(), "request_id="+id)
		if len(lines) != 2 || !strings.Contains(lines[0]+lines[1], "inside the handler") || !strings.Contains(lines[0]+lines[1], "http request") {
			t.Errorf("log lines with request_id=%s = %q, want the handler's line and the access line", id, lines)
		}

		// An API request: the route pattern, not the path, is logged,
		// and the query string never is.
		resp := get("/api/v1/app?limit=7&note=secretish", "api-call-1")
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "api-call-1" {
			t.Fatalf("GET /api/v1/app = %d, X-Request-Id %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
		eventually(t, 5*time.Second, "the API request's access line", func() bool { return len(linesWith(s.Logs.String(), "request_id=api-call-1")) == 1 })
		line := linesWith(s.Logs.String(), "request_id=api-call-1")[0]
		for _, want := range []string{`route="GET /api/v1/app"`, "status=200", "method=GET", "bytes=", "duration="} {
			if !strings.Contains(line, want) {
				t.Errorf("access line %q lacks %s", line, want)
			}
		}
		if strings.Contains(s.Logs.String(), "secretish") || strings.Contains(s.Logs.String(), s.Token) {
			t.Errorf("the log holds the query string or the token:\n%s", s.Logs.String())
		}

		generated := regexp.MustCompile(`^req_[0-9a-f]{24}$`)
		seen := map[string]bool{}
		for _, bad := range []string{"", strings.Repeat("a", 65), "x y", "a\"b", "é"} {
			got := get("/api/v1/app", bad).Header.Get("X-Request-Id")
			if !generated.MatchString(got) || seen[got] {
				t.Errorf("X-Request-Id for incoming %q = %q, want a new generated ID", bad, got)
			}
			seen[got] = true
		}
	})
}

// TestPanicIsA500AndTheServerKeepsServing: a handler that panics gives
// a JSON 500 {code, detail} naming the request ID, the panic is logged
// with that ID, and the server goes on answering, the API included.
func TestPanicIsA500AndTheServerKeepsServing(t *testing.T) {
	t.Parallel()
	s := startServerWith(t, func(srv *server.Server) {
		srv.MountForTest("GET /test/panic", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("boom in a handler")
		}))
	})
	for i := range 3 {
		status, body := s.do(t, "GET", "/test/panic", "", nil, "X-Request-Id", "panic-"+string(rune('a'+i)))
		var e struct{ Code, Detail string }
		if err := json.Unmarshal(body, &e); status != 500 || err != nil || e.Code != "server_error" || !strings.Contains(e.Detail, "panic-"+string(rune('a'+i))) {
			t.Errorf("GET /test/panic = %d %s, want a JSON 500 naming the request ID", status, body)
		}
	}
	lines := linesWith(s.Logs.String(), "boom in a handler")
	if len(lines) != 3 || !strings.Contains(lines[0], "request_id=panic-a") {
		t.Errorf("panic log lines = %q, want 3, with the request ID", lines)
	}
	if status, body := s.do(t, "GET", "/api/v1/app", s.Token, nil); status != 200 {
		t.Errorf("GET /api/v1/app after the panics = %d %s, want 200", status, body)
	}
	if status, body := s.do(t, "GET", "/nothing/here", "", nil); status != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Errorf("GET /nothing/here = %d %s, want a JSON 404", status, body)
	}
}

// TestHeaderLimit: a request whose headers pass the limit is refused
// (431) before any handler runs, and the server keeps serving.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	status, _ := s.do(t, "GET", "/api/v1/app", s.Token, nil, "X-Big", strings.Repeat("x", 100<<10))
	if status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("GET with 100 KiB of headers = %d, want 431", status)
	}
	if status, body := s.do(t, "GET", "/api/v1/app", s.Token, nil); status != 200 {
		t.Errorf("GET /api/v1/app after = %d %s, want 200", status, body)
	}
}
