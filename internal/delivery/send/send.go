// Package send performs one HTTP delivery attempt: it POSTs a signed webhook
// to an endpoint over a shared, pooled, SSRF-guarded HTTP/1.1 client and
// reports what came back (status, the first bytes of the body, duration,
// Retry-After) or why nothing did.
//
// It is on the delivery hot path, so a Client is built once, shared by every
// worker, and keeps connections alive per endpoint host. The first attempt and
// every retry go through the same Send.
package send

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults applied by NewClient to zero Config fields.
const (
	DefaultTimeout          = 15 * time.Second
	DefaultMaxResponseBytes = 20000
	DefaultUserAgent        = "Hookline"

	// DefaultMaxResponseHeaderBytes bounds a response's status line and
	// headers, 1xx responses included. The transport's own default is
	// 10 MiB, all of it parsed into memory for every attempt: a receiver
	// answering with megabytes of headers made each attempt hold that
	// much. Receivers answer a webhook with a few hundred bytes of
	// headers; proxies and cookies take them to a few KiB.
	DefaultMaxResponseHeaderBytes = 32 << 10

	// defaultMaxIdleConnsPerHost is generous because one busy endpoint can
	// take thousands of sends per second; the stdlib default of 2 would make
	// almost every send dial anew. It is per host, and many endpoints may
	// share one (a customer's several webhooks on one API host), each with
	// up to 32 attempts in flight: 1024 keeps 32 such endpoints from
	// closing and redialling connections between bursts. Idle ones cost a
	// few KiB each and are closed after IdleConnTimeout.
	defaultMaxIdleConnsPerHost = 1024
)

// Config is the sender's configuration. Zero fields take the documented
// defaults; negative values are rejected by NewClient.
type Config struct {
	// Timeout is the default limit of one attempt, from dial to the last
	// body byte kept. Default 15s.
	Timeout time.Duration
	// AllowPrivateTargets turns the SSRF guard off. Default false: only
	// public unicast addresses may be dialled.
	AllowPrivateTargets bool
	// MaxResponseBytes is how many response body bytes are kept; no more are
	// ever read. Default 20000.
	MaxResponseBytes int
	// MaxResponseHeaderBytes is the most header bytes read for a response,
	// 1xx responses included; a response with more fails the attempt.
	// Default 32 KiB.
	MaxResponseHeaderBytes int
	// MaxConnsPerHost caps connections per endpoint host. Default 0: no cap.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost is the keep-alive pool size per host. Default 1024,
	// or MaxConnsPerHost when that is set and smaller.
	MaxIdleConnsPerHost int
	// IdleConnTimeout closes pooled connections unused for this long.
	// Default 90s.
	IdleConnTimeout time.Duration
	// UserAgent is sent on every request, e.g. "Hookline/1.2.3" from the
	// caller's build version. Default "Hookline".
	UserAgent string
	// Now is the clock used for durations and Retry-After dates. Default
	// time.Now; tests pass their own.
	Now func() time.Time
}

// Client sends delivery attempts. It is safe for concurrent use and should be
// shared: it owns the connection pool.
type Client struct {
	// transport is called directly rather than through an http.Client: we
	// never follow redirects (a 3xx is the receiver's answer, recorded as
	// such; following it would POST the payload to a URL nobody configured)
	// and have no cookie jar, so http.Client would only add its per-request
	// header and URL copies (8 allocations a send) to the hot path.
	transport  *http.Transport
	timeout    time.Duration
	maxBody    int
	userAgent  []string
	now        func() time.Time
	bufPool    sync.Pool // *[]byte of cap maxBody, scratch for response bodies
	timeoutMsg string    // "timeout after 15s", built once
	headersMsg string    // "response headers exceed 32768 bytes", built once
}

// NewClient checks cfg, fills its defaults and builds the pooled client.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("new send client: negative timeout %s", cfg.Timeout)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("new send client: negative max response bytes %d", cfg.MaxResponseBytes)
	}
	if cfg.MaxResponseHeaderBytes < 0 {
		return nil, fmt.Errorf("new send client: negative max response header bytes %d", cfg.MaxResponseHeaderBytes)
	}
	if cfg.MaxConnsPerHost < 0 {
		return nil, fmt.Errorf("new send client: negative max conns per host %d", cfg.MaxConnsPerHost)
	}
	if cfg.MaxIdleConnsPerHost < 0 {
		return nil, fmt.Errorf("new send client: negative max idle conns per host %d", cfg.MaxIdleConnsPerHost)
	}
	if cfg.IdleConnTimeout < 0 {
		return nil, fmt.Errorf("new send client: negative idle conn timeout %s", cfg.IdleConnTimeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxResponseHeaderBytes == 0 {
		cfg.MaxResponseHeaderBytes = DefaultMaxResponseHeaderBytes
	}
	if cfg.MaxIdleConnsPerHost == 0 {
		cfg.MaxIdleConnsPerHost = defaultMaxIdleConnsPerHost
		if cfg.MaxConnsPerHost > 0 && cfg.MaxConnsPerHost < cfg.MaxIdleConnsPerHost {
			cfg.MaxIdleConnsPerHost = cfg.MaxConnsPerHost
		}
	}
	if cfg.IdleConnTimeout == 0 {
		cfg.IdleConnTimeout = 90 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivateTargets {
		// The check runs in Control, after DNS resolution and before
		// connect(2), so a hostname that resolves to a private address
		// (or rebinds to one) is refused on the address actually dialled.
		dialer.Control = newGuard().control
	}

	protocols := new(http.Protocols)
	// HTTP/1.1 only: receivers are overwhelmingly HTTP/1.1 servers, and a
	// pool of keep-alive connections spreads load across a receiver's
	// workers where one multiplexed HTTP/2 connection would not.
	protocols.SetHTTP1(true)

	transport := &http.Transport{
		// No Proxy: an environment proxy would bypass the SSRF guard (the
		// guard would see the proxy's address) and leak webhook traffic.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		Protocols:             protocols,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          0, // no global cap; IdleConnTimeout bounds it
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		MaxConnsPerHost:       cfg.MaxConnsPerHost,
		IdleConnTimeout:       cfg.IdleConnTimeout,
		ExpectContinueTimeout: 0,
		// What a receiver sends is bounded whatever it sends: the headers
		// (and any 1xx responses before them, which the transport counts
		// against the same limit) here, the body by readBody, a trailer by
		// the transport (4 KiB), a chunk-size line too (4 KiB), a trickle
		// by the attempt's timeout.
		MaxResponseHeaderBytes: int64(cfg.MaxResponseHeaderBytes),
		// We keep the raw first bytes of the response; asking for gzip
		// would spend CPU on the hot path to decompress text we truncate.
		DisableCompression: true,
	}

	c := &Client{
		transport:  transport,
		timeout:    cfg.Timeout,
		maxBody:    cfg.MaxResponseBytes,
		userAgent:  []string{cfg.UserAgent},
		now:        cfg.Now,
		timeoutMsg: "timeout after " + cfg.Timeout.String(),
		headersMsg: fmt.Sprintf("response headers exceed %d bytes", cfg.MaxResponseHeaderBytes),
	}
	c.bufPool.New = func() any {
		b := make([]byte, c.maxBody)
		return &b
	}
	return c, nil
}

// CloseIdle closes the pooled keep-alive connections, e.g. at shutdown or
// after an endpoint's URL changed.
func (c *Client) CloseIdle() {
	c.transport.CloseIdleConnections()
}

// Request is one delivery attempt, already signed by the caller.
type Request struct {
	URL         string
	Method      string // default POST
	Body        []byte
	ContentType string            // default "application/json"
	Headers     map[string]string // the endpoint's custom headers, validated by the caller
	MsgID       string
	Timestamp   int64         // unix seconds
	Signature   string        // the full signature header value: "v1,xxx" or several, space-separated
	Timeout     time.Duration // 0: Config.Timeout
	// Traceparent, when set, is sent as the W3C traceparent header, after
	// the custom headers so none replaces it: the engine sets it only when
	// the server propagates its traces (--trace-propagation).
	Traceparent string
	// Raw, when set, are the request's headers exactly (a captured
	// request replayed by the inspector): no signature headers, no
	// Content-Type default, Headers ignored; hop-by-hop headers, Host and
	// Content-Length are the caller's to leave out.
	Raw http.Header
}

// Result is what one attempt produced.
type Result struct {
	// StatusCode is the response status, 0 when no response was received.
	StatusCode int
	// Body holds at most Config.MaxResponseBytes of the response body.
	Body []byte
	// Duration is from the start of the attempt to the last body byte kept.
	Duration time.Duration
	// RetryAfter is the parsed Retry-After header (delta-seconds or
	// HTTP-date), capped at 24h; 0 when absent or invalid.
	RetryAfter time.Duration
	// Err is why no response arrived (refused, timeout, SSRF refusal...),
	// nil when one did whatever its status. Its text is short, safe to store
	// as the attempt's response text, and never holds URL credentials.
	// ErrForbiddenTarget matches with errors.Is when the guard refused.
	Err error
}

// Succeeded reports whether status counts as a successful delivery: 2xx only,
// as Svix does; a 3xx is not followed and so is a failure.
func Succeeded(status int) bool {
	return status >= 200 && status < 300
}

// Header names, written in canonical form so the map is filled without
// canonicalising on every send.
const (
	hContentType  = "Content-Type"
	hUserAgent    = "User-Agent"
	hWebhookID    = "Webhook-Id"
	hWebhookTS    = "Webhook-Timestamp"
	hWebhookSig   = "Webhook-Signature"
	hSvixID       = "Svix-Id"
	hSvixTS       = "Svix-Timestamp"
	hSvixSig      = "Svix-Signature"
	hRetryAfter   = "Retry-After"
	hTraceparent  = "Traceparent"
	jsonMediaType = "application/json"
)

// reservedHeaders may not be set by an endpoint's custom headers: they carry
// the signature and framing, and overriding them would forge or break the
// delivery. Hop-by-hop headers are here because the transport owns them.
var reservedHeaders = [...]string{
	hContentType, hUserAgent,
	hWebhookID, hWebhookTS, hWebhookSig,
	hSvixID, hSvixTS, hSvixSig,
	"Host", "Content-Length", "Transfer-Encoding", "Connection",
	"Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Upgrade",
}

func isReserved(name string) bool {
	for _, r := range reservedHeaders {
		// EqualFold rather than CanonicalHeaderKey: no allocation.
		if len(r) == len(name) && equalFoldASCII(r, name) {
			return true
		}
	}
	return false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Send performs one attempt. It never returns a Go error: every failure is in
// Result.Err so that the caller records it the same way as a bad status.
func (c *Client) Send(ctx context.Context, req Request) Result {
	start := c.now()
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = c.timeout
	}
	method := req.Method
	if method == "" {
		method = http.MethodPost
	}

	attemptCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	httpReq, err := http.NewRequestWithContext(attemptCtx, method, req.URL, bytes.NewReader(req.Body))
	if err != nil {
		return Result{Err: requestError(err), Duration: c.now().Sub(start)}
	}
	// url.Parse lowercases the scheme, so this also catches "HTTP".
	if s := httpReq.URL.Scheme; s != "http" && s != "https" {
		return Result{Err: forbiddenSchemeError(s), Duration: c.now().Sub(start)}
	}
	httpReq.ContentLength = int64(len(req.Body))
	if len(req.Body) == 0 {
		// NoBody lets the transport skip the body writer entirely.
		httpReq.Body = http.NoBody
		httpReq.GetBody = nil
	}
	c.setHeaders(httpReq.Header, &req)
	if u := httpReq.URL.User; u != nil && len(httpReq.Header["Authorization"]) == 0 {
		// What http.Client does for us elsewhere: credentials in the URL
		// (https://user:pass@host/) become Basic auth unless the endpoint's
		// headers set Authorization themselves.
		pass, _ := u.Password()
		httpReq.SetBasicAuth(u.Username(), pass)
	}

	resp, err := c.transport.RoundTrip(httpReq)
	if err != nil {
		return Result{Err: c.transportError(ctx, err, timeout), Duration: c.now().Sub(start)}
	}
	res := Result{StatusCode: resp.StatusCode}
	res.Body = c.readBody(resp)
	res.Duration = c.now().Sub(start)
	if v := resp.Header[hRetryAfter]; len(v) > 0 {
		res.RetryAfter = parseRetryAfter(v[0], c.now())
	}
	return res
}

func (c *Client) setHeaders(h http.Header, req *Request) {
	h[hUserAgent] = c.userAgent
	setRequestHeaders(h, req)
}

// Header returns the headers Send sets for req, except User-Agent and the
// Basic authorization made of URL credentials: what a preview of the
// request shows.
func Header(req *Request) http.Header {
	h := make(http.Header, 8+len(req.Headers))
	setRequestHeaders(h, req)
	return h
}

func setRequestHeaders(h http.Header, req *Request) {
	if req.Raw != nil {
		for k, v := range req.Raw {
			h[k] = v
		}
		return
	}
	ts := strconv.FormatInt(req.Timestamp, 10)
	contentType := req.ContentType
	if contentType == "" {
		contentType = jsonMediaType
	}
	// One backing array for the single-value slices: one allocation instead
	// of seven on every send. Capacity is clipped so an append by anyone
	// downstream cannot write into a neighbour.
	vals := [...]string{contentType, req.MsgID, ts, req.Signature}
	backing := vals[:]
	h[hContentType] = backing[0:1:1]
	h[hWebhookID] = backing[1:2:2]
	h[hWebhookTS] = backing[2:3:3]
	h[hWebhookSig] = backing[3:4:4]
	h[hSvixID] = backing[1:2:2]
	h[hSvixTS] = backing[2:3:3]
	h[hSvixSig] = backing[3:4:4]
	for k, v := range req.Headers {
		if isReserved(k) {
			continue
		}
		h.Set(k, v)
	}
	if req.Traceparent != "" {
		h.Del(hTraceparent) // a custom header of any case
		h[hTraceparent] = []string{req.Traceparent}
	}
}

// readBody keeps at most maxBody bytes of the response and closes it. A body
// that fits is read to EOF so the connection goes back to the pool; a longer
// one is abandoned unread, which costs that connection but never reads (or
// waits for) bytes we would throw away.
func (c *Client) readBody(resp *http.Response) []byte {
	defer resp.Body.Close()
	if resp.Body == http.NoBody || resp.ContentLength == 0 {
		return nil
	}
	bp := c.bufPool.Get().(*[]byte)
	defer c.bufPool.Put(bp)
	buf := *bp
	if resp.ContentLength > 0 && resp.ContentLength < int64(len(buf)) {
		buf = buf[:resp.ContentLength]
	}
	// A read error part way keeps what arrived: the status is the result.
	n, err := io.ReadFull(resp.Body, buf)
	if err == nil && resp.ContentLength >= 0 && resp.ContentLength <= int64(c.maxBody) {
		// The whole declared body is in buf; this read cannot return more
		// data and lets the transport see EOF and reuse the connection.
		var probe [1]byte
		_, _ = resp.Body.Read(probe[:])
	}
	if n == 0 {
		return nil
	}
	return bytes.Clone(buf[:n])
}

// maxRetryAfter caps a receiver's Retry-After so a bogus value cannot park a
// delivery for years.
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads RFC 9110 Retry-After: delta-seconds or an HTTP-date
// relative to now. Invalid or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return maxRetryAfter
			}
			return 0
		}
		if secs > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
