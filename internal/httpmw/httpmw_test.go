package httpmw

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"abc": true, "0f8e-11aa_b.c:d": true, strings.Repeat("a", maxRequestIDLen): true,
		"": false, strings.Repeat("a", maxRequestIDLen+1): false, "a b": false, "a\nb": false,
		`a"b`: false, "é": false, "a/b": false, "a=b": false,
	} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

// TestLogHandlerKeepsTheIDThroughWith: a logger derived with With or
// WithGroup still adds the request ID, and one used outside a request
// adds nothing.
func TestLogHandlerKeepsTheIDThroughWith(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&buf, nil)))
	if slog.New(LogHandler(logger.Handler())).Handler() != logger.Handler() {
		t.Error("LogHandler wrapped its own handler twice")
	}
	ctx := context.WithValue(context.Background(), infoKey{}, &info{id: "rid-1"})
	logger.With("component", "api").InfoContext(ctx, "one")
	logger.WithGroup("g").InfoContext(ctx, "two", "k", "v")
	logger.Info("three")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "component=api request_id=rid-1") ||
		!strings.Contains(lines[1], "rid-1") || strings.Contains(lines[2], "request_id") {
		t.Errorf("log lines = %q", lines)
	}
}

// TestMiddlewareOnARealServer runs the chain the server uses on a
// loopback server: the recorder lets a handler flush through it (the
// dashboard's live updates need that), a panic after the status line
// cuts the response short instead of sending a second status,
// ErrAbortHandler is not logged as a panic, and Timeout puts a deadline
// on the request's context.
func TestMiddlewareOnARealServer(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(LogHandler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /flush", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the middleware: %v", err)
		}
	})
	mux.HandleFunc("GET /late-panic", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic("late")
	})
	mux.HandleFunc("GET /abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	mux.Handle("GET /deadline", Timeout(time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := r.Context().Deadline(); !ok || time.Until(d) > time.Minute {
			t.Errorf("deadline = %v, %v; want one within a minute", d, ok)
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	srv := httptest.NewServer(WithRequestID(AccessLog(logger, Recover(logger, mux))))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "first" || !strings.HasPrefix(resp.Header.Get(HeaderRequestID), "req_") {
		t.Errorf("GET /flush = %q, request ID %q", body, resp.Header.Get(HeaderRequestID))
	}

	resp, err = http.Get(srv.URL + "/late-panic")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("a panic after the status line changed the status to %d", resp.StatusCode)
		}
	}
	if err == nil {
		t.Error("a panic after the status line gave a complete response, want it cut short")
	}

	if resp, err := http.Get(srv.URL + "/abort"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /abort = %d, want the connection aborted", resp.StatusCode)
	}
	if resp, err := http.Get(srv.URL + "/deadline"); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("GET /deadline = %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}

	got := logs.String()
	if n := strings.Count(got, "panic serving a request"); n != 1 {
		t.Errorf("%d panics logged, want 1 (the late one; an abort is no panic):\n%s", n, got)
	}
	for _, want := range []string{`route="GET /flush" status=200`, "bytes=5", `route="GET /deadline" status=204`} {
		if !strings.Contains(got, want) {
			t.Errorf("access log lacks %q:\n%s", want, got)
		}
	}
}
