package delivery

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery/render"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/webhook"
)

// emptyPayload is what is delivered once a message's content was
// expunged: an empty object, in every format.
var emptyPayload = []byte("{}")

// request builds the signed HTTP request that delivers msg to t at now:
// every attempt, every retry, every ping and every preview is built here,
// so what a ping checks is what a delivery sends. The body is in t's
// format, with its method and content type, and the signature covers
// exactly the body's bytes. timeout is the server's; the endpoint's own,
// when set, wins. The json format passes the payload through untouched,
// so it costs what it did before formats existed; the error is a body
// that cannot be built (options that do not compile, a template failing
// on this payload).
func (t *target) request(ctx context.Context, gate *render.Gate, msg webhook.Message, now time.Time, timeout time.Duration) (send.Request, error) {
	if t.renderErr != nil {
		return send.Request{}, t.renderErr
	}
	payload := msg.Payload
	if payload == nil {
		payload = emptyPayload
	}
	ts := now.Unix()
	body := payload
	if !t.render.Passthrough() {
		var err error
		if body, err = t.render.Body(ctx, gate, msg.ID, msg.EventType, ts, payload); err != nil {
			return send.Request{}, fmt.Errorf("render %s body: %w", t.Delivery.EffectiveFormat(), err)
		}
	}
	if t.Delivery.Timeout != 0 {
		timeout = t.Delivery.Timeout
	}
	contentType, headers := t.passHeaders(msg)
	return send.Request{
		URL: t.URL, Method: t.Delivery.Method, Body: body, ContentType: contentType, Headers: headers,
		MsgID: msg.ID, Timestamp: ts, Signature: t.sign(msg.ID, ts, body, now), Timeout: timeout,
	}, nil
}

// passHeaders is the Content-Type and the custom headers of a request of
// msg to t: t's own, with the message's headers that t's options pass on
// (an inbound source's destinations). A passed Content-Type replaces the
// format's; t's custom headers win over the other passed ones; Hookline's
// signature and framing headers cannot be passed (webhook.ValidatePassHeader
// at save time, and send's reserved list at send time).
func (t *target) passHeaders(msg webhook.Message) (string, map[string]string) {
	contentType := t.Delivery.EffectiveContentType()
	if len(t.Delivery.PassHeaders) == 0 || len(msg.Headers) == 0 {
		return contentType, t.Headers
	}
	headers := make(map[string]string, len(t.Headers)+len(t.Delivery.PassHeaders))
	for _, name := range t.Delivery.PassHeaders {
		name = http.CanonicalHeaderKey(name)
		v, ok := msg.Headers[name]
		switch {
		case !ok:
		case name == "Content-Type":
			contentType = v
		default:
			headers[name] = v
		}
	}
	for name, v := range t.Headers {
		for passed := range headers {
			if strings.EqualFold(passed, name) {
				delete(headers, passed)
			}
		}
		headers[name] = v
	}
	return contentType, headers
}

// retries is how many attempts may follow the first.
func (t *target) retries(schedule []time.Duration) int {
	if t.Delivery.Retries != nil {
		return *t.Delivery.Retries
	}
	return len(schedule)
}

// PreviewRequest builds the request an attempt to ep would make at now,
// without sending it, so a customer can see it before saving options; a
// template renders within the same memory as the attempts'. Options that
// do not compile, or a body that does not render, are the error. It
// implements api.Engine.
func (e *Engine) PreviewRequest(ctx context.Context, ep webhook.Endpoint, msg webhook.Message, now time.Time) (send.Request, error) {
	return PreviewRequest(ctx, e.render, ep, msg, now)
}

// PreviewRequest is Engine.PreviewRequest for a caller without an engine,
// within gate (nil: each rendering bounded alone).
func PreviewRequest(ctx context.Context, gate *render.Gate, ep webhook.Endpoint, msg webhook.Message, now time.Time) (send.Request, error) {
	t, err := newTarget(ep)
	if err != nil {
		return send.Request{}, err
	}
	return t.request(ctx, gate, msg, now, 0)
}
