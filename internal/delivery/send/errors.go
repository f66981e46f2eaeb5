package send

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrForbiddenTarget is wrapped in Result.Err when the SSRF guard refused to
// dial the endpoint's address, or the URL's scheme is not http or https.
// Match it with errors.Is.
var ErrForbiddenTarget = errors.New("forbidden target")

// attemptError is a failure whose Error text is short and safe to store as
// an attempt's response text, while the cause stays reachable for errors.Is
// and errors.As (context.DeadlineExceeded, syscall.ECONNREFUSED, ...).
type attemptError struct {
	msg    string
	causes []error
}

func (e *attemptError) Error() string   { return e.msg }
func (e *attemptError) Unwrap() []error { return e.causes }

func newAttemptError(msg string, causes ...error) error {
	return &attemptError{msg: msg, causes: causes}
}

// guard wraps ssrf.Guardian for net.Dialer.Control.
type guard struct {
	g *ssrf.Guardian
}

func newGuard() *guard {
	// WithAnyPort: endpoints commonly listen on 8080, 3000 and such; the
	// risk the guard addresses is the address, not the port.
	return &guard{g: ssrf.New(ssrf.WithAnyPort())}
}

// control is a net.Dialer.Control hook: it runs on the resolved address just
// before connect(2), so nothing reaches a refused address.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return newAttemptError(fmt.Sprintf("forbidden target: cannot parse address %q", address), ErrForbiddenTarget, err)
	}
	addr := ap.Addr()
	if err := g.g.Safe(network, address, nil); err != nil {
		return forbiddenAddrError(addr, err)
	}
	// The library refuses IPv4-mapped IPv6 today only because ::ffff:0:0/96
	// lies outside the global unicast range; check the embedded IPv4 address
	// explicitly so ::ffff:127.0.0.1 stays refused whatever the library does.
	if addr.Is4In6() {
		if err := g.g.SafeAddr(addr.Unmap()); err != nil {
			return forbiddenAddrError(addr, err)
		}
	}
	return nil
}

func forbiddenAddrError(addr netip.Addr, cause error) error {
	msg := fmt.Sprintf("forbidden target: %s is a private or reserved address", addr.Unmap())
	switch {
	case errors.Is(cause, ssrf.ErrProhibitedNetwork):
		msg = "forbidden target: network type not permitted"
	case errors.Is(cause, ssrf.ErrProhibitedPort):
		msg = "forbidden target: port not permitted"
	}
	return newAttemptError(msg, ErrForbiddenTarget, cause)
}

func forbiddenSchemeError(scheme string) error {
	return newAttemptError(fmt.Sprintf("forbidden target: scheme %q is not http or https", scheme), ErrForbiddenTarget)
}

// requestError describes a request that could not be built. url.Error's text
// quotes the raw URL, credentials included, so only its inner error is used.
func requestError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return newAttemptError("invalid URL: "+ue.Err.Error(), err)
	}
	return newAttemptError("invalid request: "+err.Error(), err)
}

// transportError turns an http.Client.Do error into a short text. parent is
// the caller's context: its cancellation (shutdown) is told apart from the
// attempt's own timeout.
func (c *Client) transportError(parent context.Context, err error, timeout time.Duration) error {
	// Built here, on failure, so an endpoint with a timeout of its own
	// costs no allocation on the attempts that succeed.
	timeoutMsg := c.timeoutMsg
	if timeout != c.timeout {
		timeoutMsg = "timeout after " + timeout.String()
	}
	var ae *attemptError
	if errors.As(err, &ae) {
		// Ours, from the guard: already short and safe.
		return ae
	}
	if errors.Is(err, context.Canceled) || errors.Is(parent.Err(), context.Canceled) {
		return newAttemptError("canceled", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		if parent.Err() != nil {
			return newAttemptError("timeout: caller's deadline exceeded", err)
		}
		return newAttemptError(timeoutMsg, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return newAttemptError(timeoutMsg, err)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return newAttemptError("dns: no such host "+dnsErr.Name, err)
		}
		return newAttemptError("dns: lookup "+dnsErr.Name+" failed: "+dnsErr.Err, err)
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return newAttemptError("connection refused", err)
	case errors.Is(err, syscall.ECONNRESET):
		return newAttemptError("connection reset by peer", err)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return newAttemptError("host unreachable", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return newAttemptError("connection closed before a response", err)
	case strings.Contains(err.Error(), "server response headers exceeded"):
		// net/http has no sentinel for it: "net/http: server response
		// headers exceeded %d bytes; aborted".
		return newAttemptError(c.headersMsg, err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return newAttemptError("tls: "+certErr.Err.Error(), err)
	}
	var unknownAuth x509.UnknownAuthorityError
	if errors.As(err, &unknownAuth) {
		return newAttemptError("tls: certificate signed by unknown authority", err)
	}
	// Fallback: the inner error without url.Error's "Post \"<url>\":" prefix,
	// which would carry any user name from the URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		return newAttemptError(ue.Err.Error(), err)
	}
	return newAttemptError(err.Error(), err)
}
