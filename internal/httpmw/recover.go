package httpmw

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// Recover turns a panic in next into a logged error with its stack and,
// when nothing was sent yet, a JSON 500 {code, detail} naming the request
// ID, so one broken handler costs one request and not the process.
// http.ErrAbortHandler is let through: it is the way to abort a response
// on purpose.
func Recover(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*recorder)
		if !ok {
			rec = &recorder{ResponseWriter: w}
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			// The route, not the path, when one is known: the paths of
			// inbound and catch URLs hold their tokens.
			where := []any{"path", r.URL.Path}
			if in := infoFrom(r.Context()); in != nil && in.pattern != "" {
				where = []any{"route", in.pattern}
			}
			logger.ErrorContext(r.Context(), "panic serving a request", append([]any{"method", r.Method}, append(where, "panic", v, "stack", string(debug.Stack()))...)...)
			if rec.written() {
				// The status line is out: all that is left is to cut
				// the response short so the client sees it incomplete.
				panic(http.ErrAbortHandler)
			}
			body, _ := json.Marshal(map[string]string{
				"code":   "server_error",
				"detail": "Internal Server Error (request ID " + RequestID(r.Context()) + ")",
			})
			h := rec.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			h.Del("Content-Encoding")
			rec.WriteHeader(http.StatusInternalServerError)
			_, _ = rec.Write(body)
		}()
		next.ServeHTTP(rec, r)
	})
}

// Timeout gives each request under next a context deadline d after it
// starts. Handlers that wait on the store or another server stop then.
// It is a deadline on the context, not http.TimeoutHandler: the response
// is not buffered, so streams and long answers still flow.
func Timeout(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
