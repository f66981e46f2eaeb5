package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// PingEventType is the event type of a ping's request. It is not an event
// type of any app: a ping is no message.
const PingEventType = "hookline.ping"

// ErrPingInFlight: a ping to the endpoint is still waiting for its answer.
// One at a time per endpoint, so the ping route cannot be used to flood a
// receiver. The API answers 429.
var ErrPingInFlight = errors.New("a ping to this endpoint is already in flight")

// PingResult is what a ping's request got back.
type PingResult struct {
	StatusCode int // 0 when no response arrived
	Duration   time.Duration
	// Error is why no response arrived, or the start of the response body
	// when the status was not 2xx; "" on success.
	Error   string
	Success bool
	// Body is the start of the response body, whatever the status (as
	// much as an attempt keeps), for a person checking the endpoint.
	Body string
}

// pingPayload is a ping's body, shaped like the operational events:
// {"type": "hookline.ping", "data": {"endpointId", "timestamp"}}.
type pingPayload struct {
	Type string `json:"type"`
	Data struct {
		EndpointID string    `json:"endpointId"`
		Timestamp  time.Time `json:"timestamp"`
	} `json:"data"`
}

// Ping sends a signed hookline.ping request to one endpoint now, built
// and sent as a delivery is (the same request builder, client, headers,
// secret and SSRF guard), and records the result in the endpoint's health
// at once. It creates no message, delivery or attempt row. A disabled
// endpoint is pinged too: a ping is someone checking it explicitly, for
// instance before enabling it again. It implements api.Engine.
func (e *Engine) Ping(ctx context.Context, appID, endpointID string) (PingResult, error) {
	t, err := e.index.Target(ctx, appID, endpointID)
	if err != nil {
		return PingResult{}, fmt.Errorf("ping: %w", err)
	}
	if t == nil {
		return PingResult{}, fmt.Errorf("ping endpoint %s: %w", endpointID, store.ErrNotFound)
	}
	if _, busy := e.pings.LoadOrStore(endpointID, struct{}{}); busy {
		return PingResult{}, ErrPingInFlight
	}
	defer e.pings.Delete(endpointID)

	now := e.now()
	var p pingPayload
	p.Type, p.Data.EndpointID, p.Data.Timestamp = PingEventType, endpointID, now
	payload, err := json.Marshal(p)
	if err != nil {
		return PingResult{}, fmt.Errorf("ping payload: %w", err)
	}
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: appID, EventType: PingEventType, Payload: payload, CreatedAt: now}
	var res send.Result
	if req, err := t.request(ctx, e.render, msg, e.cfg.Now(), e.cfg.RequestTimeout); err != nil {
		res.Err = err
	} else {
		res = e.cfg.Client.Send(ctx, req)
	}
	if res.Err != nil && ctx.Err() != nil {
		// The caller went away: that says nothing of the receiver.
		return PingResult{}, fmt.Errorf("ping: %w", ctx.Err())
	}
	out := PingResult{
		StatusCode: res.StatusCode, Duration: res.Duration, Success: res.Err == nil && send.Succeeded(res.StatusCode),
		Body: responseText(res.Body),
	}
	switch {
	case res.Err != nil:
		out.Error = webhook.RedactURLSecrets(res.Err.Error(), t.URL)
	case !out.Success:
		out.Error = webhook.TruncateText(responseText(res.Body), webhook.MaxHealthError)
	}
	rec := webhook.EndpointHealth{AppID: appID, EndpointID: endpointID}
	rec.Observe(e.now(), out.Success, out.StatusCode, out.Error)
	if err := e.store.EndpointHealthRecord(ctx, []webhook.EndpointHealth{rec}); err != nil {
		return out, fmt.Errorf("ping: record health: %w", err)
	}
	return out, nil
}
