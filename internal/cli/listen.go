package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookline/hookline/internal/inspector"
)

// listenOptions are the flags of hookline listen.
type listenOptions struct {
	serverURL, token, bin string
	forwardHeaders        []string
	timeout               time.Duration
}

func newListenCommand(stdout, stderr io.Writer, d deps) *cobra.Command {
	var o listenOptions
	cmd := &cobra.Command{
		Use:   "listen LOCAL_URL",
		Short: "Forward the requests a Hookline bin catches to a server on this machine",
		Long: `Create a request inspector bin on a Hookline server (or reuse one with --bin),
print its catch URL, and re-send each request it catches, as it arrives, to
LOCAL_URL: the same method, the path below the catch URL appended to
LOCAL_URL's path, the query, the headers (but hop-by-hop ones) and the body's
exact bytes, so that the sender's signature still verifies. One line per
request: time, method, path, the local answer's status and duration.

Point the sender (Stripe, GitHub, your own service) at the catch URL. The
stream reconnects by itself if it drops, and resumes where it stopped;
Ctrl-C stops. The bin stays on the server: pass --bin to use it again (its
catch URL stays the same).

The server is --url (env HOOKLINE_URL, default http://127.0.0.1:8071), the
admin token --token (env HOOKLINE_TOKEN, or HOOKLINE_ADMIN_TOKEN).

  hookline listen http://localhost:3000/webhooks
  hookline listen http://localhost:3000/webhooks --bin bin_2yZw...
  hookline listen http://localhost:8080 --forward-headers Stripe-Signature,Content-Type`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.serverURL == "" {
				o.serverURL = d.getenv("HOOKLINE_URL")
			}
			if o.serverURL == "" {
				o.serverURL = "http://127.0.0.1:8071"
			}
			if o.token == "" {
				o.token = d.getenv("HOOKLINE_TOKEN")
			}
			if o.token == "" {
				o.token = d.getenv("HOOKLINE_ADMIN_TOKEN")
			}
			if o.token == "" {
				return &exitError{code: ExitUsage, err: errors.New("listen: an admin token is needed: --token, HOOKLINE_TOKEN or HOOKLINE_ADMIN_TOKEN")}
			}
			local, err := url.Parse(args[0])
			if err != nil || (local.Scheme != "http" && local.Scheme != "https") || local.Host == "" {
				return &exitError{code: ExitUsage, err: fmt.Errorf("listen: %q is not an http:// or https:// URL", args[0])}
			}
			if o.timeout <= 0 {
				return &exitError{code: ExitUsage, err: errors.New("listen: --timeout must be positive")}
			}
			l := &listener{opts: o, local: local, out: stdout, errOut: stderr,
				api: &http.Client{Timeout: 30 * time.Second}, forward: &http.Client{
					Timeout: o.timeout,
					// The captured headers go as they came: no
					// Accept-Encoding of the transport's own.
					Transport: &http.Transport{DisableCompression: true, Proxy: http.ProxyFromEnvironment},
					// A redirect is the local server's answer, printed as such:
					// following it would re-send the body somewhere else.
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
				}}
			return runErr(cmd.Context(), "listen", l.run(cmd.Context()))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.serverURL, "url", "", "the Hookline server (env HOOKLINE_URL; default http://127.0.0.1:8071)")
	f.StringVar(&o.token, "token", "", "an admin token of that server (env HOOKLINE_TOKEN or HOOKLINE_ADMIN_TOKEN)")
	f.StringVar(&o.bin, "bin", "", "the ID of a bin to use again (bin_...); default: create one")
	f.StringSliceVar(&o.forwardHeaders, "forward-headers", nil, "forward only these request headers (comma-separated names); default: all but hop-by-hop ones")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long the local server may take to answer one request")
	return cmd
}

// listener is one run of hookline listen.
type listener struct {
	opts         listenOptions
	local        *url.URL
	out, errOut  io.Writer
	api, forward *http.Client
	binID        string
	// lastID is the last capture forwarded: a reconnected stream resumes
	// after it (Last-Event-ID).
	lastID string
}

// Reconnect backoff: from the first to the longest wait, doubled after
// each failure in a row, with jitter so that many listeners of one
// restarted server do not come back at once.
const (
	listenBackoffMin = 250 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

func (l *listener) run(ctx context.Context) error {
	if err := l.setUp(ctx); err != nil {
		return err
	}
	fmt.Fprintf(l.out, "Forwarding requests to %s (Ctrl-C to stop)\n", l.local.Redacted())
	backoff := listenBackoffMin
	for {
		connected, err := l.follow(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var fatal *fatalError
		if errors.As(err, &fatal) {
			return fatal.err
		}
		if connected {
			backoff = listenBackoffMin
		}
		if err == nil {
			// The server ended the stream (its request deadline, a
			// restart): come back at once, after a jittered moment.
			err = errors.New("the server ended the stream")
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		fmt.Fprintf(l.errOut, "stream: %v; reconnecting in %s\n", err, wait.Round(time.Millisecond))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// fatalError is a stream failure that no retry mends: a refused token, a
// deleted bin.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

// setUp creates the bin, or checks the one --bin names, and prints where
// to send requests.
func (l *listener) setUp(ctx context.Context) error {
	if l.opts.bin != "" {
		var b struct {
			ID string `json:"id"`
		}
		if err := l.call(ctx, "GET", "/api/v1/inspector/bin/"+url.PathEscape(l.opts.bin), nil, http.StatusOK, &b); err != nil {
			return err
		}
		l.binID = b.ID
		fmt.Fprintf(l.out, "Using bin %s; its catch URL is the one shown when it was made\n", b.ID)
		return nil
	}
	var b struct {
		ID       string `json:"id"`
		CatchURL string `json:"catchUrl"`
	}
	if err := l.call(ctx, "POST", "/api/v1/inspector/bin", []byte(`{"name":"hookline listen"}`), http.StatusCreated, &b); err != nil {
		return err
	}
	l.binID = b.ID
	fmt.Fprintf(l.out, "Catch URL: %s\n", b.CatchURL)
	fmt.Fprintf(l.out, "Bin %s (use it again with --bin %s)\n", b.ID, b.ID)
	return nil
}

// call makes one API call and decodes its answer into out.
func (l *listener) call(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(l.opts.serverURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+l.opts.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.api.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, apiDetail(b))
	}
	return json.Unmarshal(b, out)
}

// apiDetail is the detail of a {code, detail} error body, or the body.
func apiDetail(b []byte) string {
	var e struct{ Detail any }
	if json.Unmarshal(b, &e) == nil && e.Detail != nil {
		return fmt.Sprint(e.Detail)
	}
	return strings.TrimSpace(string(b))
}

// listenCapture is a captured request as the stream sends it.
type listenCapture struct {
	ID      string              `json:"id"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// follow reads the bin's stream until it ends, forwarding each capture;
// connected reports whether the stream was opened.
func (l *listener) follow(ctx context.Context) (connected bool, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(l.opts.serverURL, "/")+
		"/api/v1/inspector/bin/"+url.PathEscape(l.binID)+"/request/stream?reveal=true", nil)
	if err != nil {
		return false, &fatalError{err}
	}
	req.Header.Set("Authorization", "Bearer "+l.opts.token)
	req.Header.Set("Accept", "text/event-stream")
	if l.lastID != "" {
		req.Header.Set("Last-Event-ID", l.lastID)
	}
	// No client timeout: the stream is long; the server's heartbeats and
	// its own deadline end it.
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return false, &fatalError{fmt.Errorf("follow bin %s: %s: %s", l.binID, resp.Status, apiDetail(b))}
	case resp.StatusCode != http.StatusOK:
		return false, fmt.Errorf("follow bin %s: %s", l.binID, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	// One event holds a whole capture: up to the body limit, in base64.
	sc.Buffer(make([]byte, 0, 64<<10), 8<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event == "request" && data != "" {
				var c listenCapture
				if err := json.Unmarshal([]byte(data), &c); err != nil {
					return true, fmt.Errorf("a request event: %w", err)
				}
				l.forwardOne(ctx, c)
				l.lastID = c.ID
			}
			event, data = "", ""
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(line[len("event:"):])
		case strings.HasPrefix(line, "data:"):
			data += strings.TrimPrefix(line[len("data:"):], " ")
		}
	}
	return true, sc.Err()
}

// forwardOne re-sends c to the local URL and prints its line.
func (l *listener) forwardOne(ctx context.Context, c listenCapture) {
	body, err := base64.StdEncoding.DecodeString(c.Body)
	if err != nil {
		fmt.Fprintf(l.errOut, "%s: the body is not base64: %v\n", c.ID, err)
		return
	}
	target := localTarget(l.local, c.Path, c.Query)
	start := time.Now()
	line := fmt.Sprintf("%s  %-6s %s", start.Format("15:04:05"), c.Method, displayPath(c.Path, c.Query))
	req, err := http.NewRequestWithContext(ctx, c.Method, target, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(l.out, "%s  -> not sent: %v\n", line, err)
		return
	}
	req.Header = l.headers(c.Headers)
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	resp, err := l.forward.Do(req)
	if err != nil {
		fmt.Fprintf(l.out, "%s  -> no answer: %v (%s)\n", line, unwrapURLError(err), time.Since(start).Round(time.Millisecond))
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	fmt.Fprintf(l.out, "%s  -> %d (%s)\n", line, resp.StatusCode, time.Since(start).Round(time.Millisecond))
}

// headers are the captured headers to send: all but hop-by-hop ones, or
// only those --forward-headers names.
func (l *listener) headers(captured map[string][]string) http.Header {
	h := inspector.ForwardHeader(http.Header(captured))
	if len(l.opts.forwardHeaders) == 0 {
		return h
	}
	keep := http.Header{}
	for _, name := range l.opts.forwardHeaders {
		name = http.CanonicalHeaderKey(strings.TrimSpace(name))
		if v, ok := h[name]; ok {
			keep[name] = v
		}
	}
	return keep
}

// localTarget is the local URL with the captured path appended to its
// path and the captured query after its own. The path stays escaped as
// the sender wrote it.
func localTarget(local *url.URL, path, query string) string {
	u := *local
	base := strings.TrimSuffix(u.EscapedPath(), "/")
	if path == "" {
		base = u.EscapedPath()
	}
	q := u.RawQuery
	if query != "" {
		if q != "" {
			q += "&"
		}
		q += query
	}
	s := u.Scheme + "://" + u.Host + base + path
	if q != "" {
		s += "?" + q
	}
	return s
}

func displayPath(path, query string) string {
	if path == "" {
		path = "/"
	}
	if query != "" {
		return path + "?" + query
	}
	return path
}

// unwrapURLError drops net/url's "Post "http://...": " prefix.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
