package inbound

import (
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/inbound/verify"
)

// Request is one request a source received, kept raw: the body byte for
// byte, the headers as sent (names canonical), whether it passed the
// source's verification and why not, and the messages it caused.
type Request struct {
	ID         string // inreq_...
	SourceID   string
	Method     string
	Path       string // the path below /in/{token}, "" or starting with "/"
	Query      string // the raw query, without "?"
	Header     http.Header
	Body       []byte
	RemoteAddr string
	Verified   bool
	// Reason says, in plain words, why verification failed, or why a
	// verified request was not forwarded ("not forwarded: no X-Event
	// header to take the event type from"); "" when it passed and went
	// where its source sends.
	Reason string
	// DeliveryID is the provider's ID of the delivery (webhook-id,
	// X-GitHub-Delivery, a Stripe event's id), "" when it sent none. Two
	// verified requests of a source never share one: a provider's retry
	// is recognised by it (see store.ErrDuplicate).
	DeliveryID string
	// DuplicateOf is, for a provider's retry of a delivery already
	// received, the ID of the request that first brought it: the retry
	// is kept, to be seen, and forwards nothing.
	DuplicateOf string
	ReceivedAt  time.Time
	// MessageIDs are the messages the request caused (forwarded to an app
	// or to destinations), written in the same transaction.
	MessageIDs []string
}

// Masked is what a masked header value is shown as.
const Masked = "********"

// maskedHeaders are the request headers that carry a sender's
// credentials: shown as Masked unless asked for.
var maskedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// MaskHeader returns h with the values of credential headers
// (Authorization, Proxy-Authorization, Cookie) replaced by Masked; h is
// not changed.
func MaskHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, vals := range h {
		if isMasked(name) {
			masked := make([]string, len(vals))
			for i := range masked {
				masked[i] = Masked
			}
			out[name] = masked
			continue
		}
		out[name] = vals
	}
	return out
}

func isMasked(name string) bool {
	for _, m := range maskedHeaders {
		if strings.EqualFold(m, name) {
			return true
		}
	}
	return false
}

// VerifyRequest is r as the verify package reads it.
func (r Request) VerifyRequest() verify.Request {
	return verify.Request{Method: r.Method, Path: r.Path, Query: r.Query, Header: r.Header, Body: r.Body}
}
