// Package httpmw is the middleware every route of the server shares: a
// request ID that follows the request into its log lines, an access log
// line per request, and recovery from a handler's panic to a JSON 500.
// It knows nothing of the API or the dashboard, so both stand on it.
package httpmw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// HeaderRequestID is the request ID's header, read from the request and
// echoed on the response.
const HeaderRequestID = "X-Request-Id"

// maxRequestIDLen bounds an incoming ID: it is logged with every line of
// the request, so a long one would be a way to bloat the logs.
const maxRequestIDLen = 64

// info is what the middleware knows of one request. It is shared through
// the context by pointer, so an inner handler can name the route it
// matched for the access log written outside it.
type info struct {
	id      string
	pattern string
}

type infoKey struct{}

func infoFrom(ctx context.Context) *info {
	in, _ := ctx.Value(infoKey{}).(*info)
	return in
}

// RequestID returns the ID of the request ctx belongs to, or "" outside
// one.
func RequestID(ctx context.Context) string {
	if in := infoFrom(ctx); in != nil {
		return in.id
	}
	return ""
}

// SetRoute records the pattern that routed r (r.Pattern, set by the
// ServeMux that matched it) for the access log. Handlers behind a mux of
// their own call it, as the request the outer middleware holds never sees
// the inner mux's pattern.
func SetRoute(r *http.Request) {
	if in := infoFrom(r.Context()); in != nil && r.Pattern != "" {
		in.pattern = r.Pattern
	}
}

// WithRequestID gives each request an ID: a sane incoming X-Request-Id (a
// proxy's or the client's, so one ID follows the request across systems)
// or a new random one. It is echoed as X-Request-Id and carried in the
// context, where LogHandler and Recover find it.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		ctx := context.WithValue(r.Context(), infoKey{}, &info{id: id})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// validRequestID accepts 1 to maxRequestIDLen characters of letters,
// digits and "-_.:": what UUIDs, trace IDs and proxies' IDs are made of,
// and nothing that could forge a log line or a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return "req_" + hex.EncodeToString(b[:])
}
