package httpmw

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// LogHandler wraps h so that every record logged with a request's context
// (logger.InfoContext(r.Context(), ...)) carries its request_id.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec = rec.Clone()
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// AccessLog logs one line per request at debug level, when it ends:
// method, route pattern, status, duration and bytes written. The path is
// logged only when no route matched, and never the query string (portal
// keys and iterators travel there) nor any header. Debug, not info: at
// thousands of messages a second the line would double the log volume,
// and failures are logged at error level where they happen.
func AccessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !logger.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		defer func() {
			route := r.Pattern
			if in := infoFrom(r.Context()); in != nil && in.pattern != "" {
				route = in.pattern
			}
			attrs := []any{"method", r.Method, "route", route, "status", rec.status(), "duration", time.Since(start), "bytes", rec.bytes}
			if route == "" {
				attrs = append(attrs, "path", r.URL.Path)
			}
			logger.DebugContext(r.Context(), "http request", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recorder notes the status and the size of a response. Unwrap lets
// http.ResponseController reach the writer's Flush and deadlines (the
// dashboard's Server-Sent Events need them).
type recorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Flush() {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	// A writer that cannot flush has nothing to flush.
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// status is the status sent, or 200 for a handler that wrote nothing.
func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// written reports whether the status line is out, after which a 500 can
// no longer be sent.
func (r *recorder) written() bool { return r.code != 0 }
