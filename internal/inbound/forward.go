package inbound

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/hookline/hookline/internal/webhook"
)

// EventTypeRequest is the event type of the messages a source's
// destinations receive: the request itself, body and chosen headers.
const EventTypeRequest = "hookline.inbound.request"

// ToDestinations reports whether f sends verified requests to destinations:
// it has some, and the app that delivers to them.
func (f Forward) ToDestinations() bool {
	return f.DestinationAppID != "" && len(f.Destinations) > 0
}

// DestinationMessage is the message req becomes for f's destinations: a
// message of f.DestinationAppID whose payload is the body byte for byte
// (JSON or not) and whose headers are those of req that any destination
// chose; each destination's endpoint sends only its own (the delivery
// option passHeaders).
func (f Forward) DestinationMessage(req Request) webhook.Message {
	payload := req.Body
	if payload == nil {
		// nil is an expunged payload's; an empty body is sent empty.
		payload = []byte{}
	}
	return webhook.Message{
		ID:        webhook.NewID(webhook.PrefixMessage, req.ReceivedAt),
		AppID:     f.DestinationAppID,
		EventType: EventTypeRequest,
		Payload:   payload,
		Headers:   f.passedHeaders(req.Header),
		CreatedAt: req.ReceivedAt,
	}
}

// passedHeaders are the headers of h that a destination of f chose, by
// canonical name, several values joined with ", " (RFC 9110 section
// 5.3); nil when there are none.
func (f Forward) passedHeaders(h http.Header) map[string]string {
	var out map[string]string
	for _, d := range f.Destinations {
		for _, name := range d.Headers {
			name = http.CanonicalHeaderKey(name)
			vals := h.Values(name)
			if len(vals) == 0 {
				continue
			}
			if out == nil {
				out = map[string]string{}
			}
			out[name] = strings.Join(vals, ", ")
		}
	}
	return out
}

// WrapBody is a body that is not JSON shown where JSON is expected (a
// message's payload forwarded to an app, or shown by the messages API):
// an object carrying the body, as text when it is UTF-8 ("body") and in
// base64 when not ("bodyBase64"), with its content type.
func WrapBody(contentType string, body []byte) []byte {
	wrapped := struct {
		ContentType string `json:"contentType,omitempty"`
		Body        string `json:"body,omitempty"`
		BodyBase64  []byte `json:"bodyBase64,omitempty"`
	}{ContentType: contentType}
	if utf8.Valid(body) {
		wrapped.Body = string(body)
	} else {
		wrapped.BodyBase64 = body
	}
	b, _ := json.Marshal(wrapped) // a struct of strings and bytes always encodes
	return b
}
