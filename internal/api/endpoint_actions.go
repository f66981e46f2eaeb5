package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Svix's windows: stats cover at most 28 days, a recovery at most 14; each
// allows five minutes more so that "now minus N days" works despite clock
// skew.
const (
	statsWindow   = 28 * 24 * time.Hour
	recoverWindow = 14 * 24 * time.Hour
	windowSlack   = 5 * time.Minute
)

// endpointStatsOut is Svix's EndpointStats. canceled counts deliveries
// Svix cancels; Hookline never cancels one, so it is always 0, and left
// out for legacy clients, which do not know it.
type endpointStatsOut struct {
	Success  int64  `json:"success"`
	Pending  int64  `json:"pending"`
	Sending  int64  `json:"sending"`
	Fail     int64  `json:"fail"`
	Canceled *int64 `json:"canceled,omitempty"`
}

func (a *API) endpointStats(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	since := parseTimeQuery(r, "since", &probs)
	until := parseTimeQuery(r, "until", &probs)
	if err := probs.err(); err != nil {
		return err
	}
	// The unrounded clock: a caller's "now", sent with more precision
	// than the millisecond the API keeps, is not in the future.
	now := a.clock().UTC()
	if until.IsZero() {
		until = now
	}
	if until.After(now) {
		return errBadRequest("invalid_range", "'until' cannot be in the future")
	}
	if since.IsZero() {
		since = until.Add(-statsWindow)
	}
	if until.Sub(since) > statsWindow+windowSlack {
		return errBadRequest("invalid_range", fmt.Sprintf("'since' cannot be more than 28 days prior to %s", until.Format(time.RFC3339)))
	}
	app, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	// The store's window is [Since, Until); Svix's includes until.
	st, err := a.store.EndpointStats(r.Context(), store.EndpointStatsParams{
		AppID: app.ID, EndpointID: ep.ID, Since: since, Until: until.Add(time.Millisecond),
	})
	if err != nil {
		return err
	}
	out := endpointStatsOut{Success: st.Success, Pending: st.Pending, Sending: st.Sending, Fail: st.Fail}
	if shapeOf(r) == shapeNewest {
		out.Canceled = new(int64)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// recoverIn is Svix's RecoverIn. The times are read as strings so that a
// bad one is reported at its own location.
type recoverIn struct {
	Since *string `json:"since"`
	Until *string `json:"until"`
}

// taskOut is Svix's RecoverOut, and ReplayOut and ExpungeAllContentsOut,
// which have the same fields: a background task's ID, status and kind.
// updatedAt (when the task last changed) is left out for legacy clients,
// which do not know it.
type taskOut struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Task      string `json:"task"`
	UpdatedAt *Time  `json:"updatedAt,omitempty"`
}

// newTaskOut names a task of kind task, in status, at now. Hookline keeps
// no task rows: the work is done, or queued for the delivery engine, by
// the time it answers.
func newTaskOut(r *http.Request, task, status string, now time.Time) taskOut {
	out := taskOut{ID: webhook.NewID(taskPrefix, now), Status: status, Task: task}
	if shapeOf(r) == shapeNewest {
		out.UpdatedAt = timePtr(&now)
	}
	return out
}

// taskPrefix starts background task IDs, as Svix's do.
const taskPrefix webhook.Prefix = "qtask_"

// endpointRecover re-queues the endpoint's failed deliveries created in
// [since, until). The deliveries are due at once when it answers; the
// sends themselves run in the background, so the task is "running", the
// one status Svix's spec defines.
func (a *API) endpointRecover(w http.ResponseWriter, r *http.Request) error {
	var in recoverIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	since := parseBodyTime(&probs, in.Since, true, "since")
	until := parseBodyTime(&probs, in.Until, false, "until")
	if err := probs.err(); err != nil {
		return err
	}
	now := a.now()
	end := until
	if end.IsZero() {
		end = now
	}
	if since.Before(end.Add(-(recoverWindow + windowSlack))) {
		probs.add("Cannot recover more than 14 days of messages", "since")
		return probs.err()
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	if _, err := a.engine.Recover(r.Context(), store.DeliveryRecoverParams{
		AppID: app.ID, EndpointID: ep.ID, Since: since, Until: until, Now: now,
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, newTaskOut(r, "endpoint.recover", "running", now))
	return nil
}

// parseBodyTime parses an RFC 3339 body field; zero when absent or null.
func parseBodyTime(p *problems, s *string, required bool, loc string) time.Time {
	if s == nil {
		if required {
			p.add("field required", loc)
		}
		return time.Time{}
	}
	t, err := parseTime(*s)
	if err != nil {
		p.add("must be an RFC 3339 date-time", loc)
		return time.Time{}
	}
	return t
}

// eventExampleIn is Svix's EventExampleIn.
type eventExampleIn struct {
	EventType    *string `json:"eventType"`
	ExampleIndex *int    `json:"exampleIndex"`
}

// endpointSendExample sends the event type's example (the first of
// "examples" in its version "1" schema, or the one exampleIndex picks) to
// this endpoint alone, and answers the message as MessageOut.
func (a *API) endpointSendExample(w http.ResponseWriter, r *http.Request) error {
	var in eventExampleIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	checkEventTypeField(&probs, in.EventType)
	if in.ExampleIndex != nil && *in.ExampleIndex < 0 {
		probs.add("exampleIndex must not be negative", "exampleIndex")
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	var et webhook.EventType
	if *in.EventType != webhook.TestEventType {
		if et, err = a.store.EventTypeGet(r.Context(), *in.EventType); err != nil {
			return err
		}
	}
	index := 0
	if in.ExampleIndex != nil {
		index = *in.ExampleIndex
	}
	msg, ok := webhook.ExampleMessage(app.ID, *in.EventType, et, index, a.now())
	if !ok {
		return errBadRequest("invalid_scheme", "Unable to generate example message from event-type schema")
	}
	return a.respond(w, r, http.StatusOK, renderExampleMessage(msg), func(idem *store.Idempotency) error {
		return a.engine.Publish(r.Context(), delivery.PublishParams{Message: msg, Idempotency: idem, OnlyEndpoint: ep.ID})
	})
}

// exampleMessageOut is Svix's MessageOut for a message send-example made:
// it has no eventId and no channels, which MessageOut omits when unset.
type exampleMessageOut struct {
	EventType string          `json:"eventType"`
	ID        string          `json:"id"`
	Payload   json.RawMessage `json:"payload"`
	Timestamp Time            `json:"timestamp"`
}

func renderExampleMessage(m webhook.Message) exampleMessageOut {
	return exampleMessageOut{EventType: m.EventType, ID: m.ID, Payload: m.Payload, Timestamp: Time(m.CreatedAt)}
}
