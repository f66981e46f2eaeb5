package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

// The operational event types: with Config.OperationalAppID set, Hookline
// publishes these about every other app as ordinary messages of that app.
// Their payloads follow Svix's operational webhooks.
const (
	EventEndpointCreated          = "endpoint.created"
	EventEndpointUpdated          = "endpoint.updated"
	EventEndpointDeleted          = "endpoint.deleted"
	EventEndpointDisabled         = "endpoint.disabled"
	EventMessageAttemptFailing    = "message.attempt.failing"
	EventMessageAttemptExhausted  = "message.attempt.exhausted"
	EventMessageAttemptRecovered  = "message.attempt.recovered"
	failingAfter                  = 4 // failed attempts of one delivery before message.attempt.failing, as Svix
	defaultOperationalQueueLength = 1024
)

// OperationalEventTypes names each operational event type with the
// description it is created with in the operational app.
var OperationalEventTypes = []struct{ Name, Description string }{
	{EventEndpointCreated, "An endpoint was created."},
	{EventEndpointUpdated, "An endpoint was updated."},
	{EventEndpointDeleted, "An endpoint was deleted."},
	{EventEndpointDisabled, "An endpoint was disabled: manually, or because its receiver answered 410 Gone."},
	{EventMessageAttemptFailing, "A message failed its 4th attempt to an endpoint; retries go on."},
	{EventMessageAttemptExhausted, "A message's delivery to an endpoint failed for good: its retries are used up (or the endpoint answered 410 Gone)."},
	{EventMessageAttemptRecovered, "A message was delivered to an endpoint after a message.attempt.failing event about it."},
}

// EndpointEvent is a change to an endpoint, reported by the API after it
// committed the change (or by the engine, for a 410 Gone).
type EndpointEvent struct {
	Type        string // EventEndpointCreated, ...Updated, ...Deleted or ...Disabled
	AppID       string
	AppUID      string // "" when unknown: looked up before publishing
	EndpointID  string
	EndpointUID string
	// Trigger and Reason say why an endpoint was disabled: "manual" (an
	// API call) or "automatic" (410 Gone), and in words.
	Trigger string
	Reason  string
}

// opEvent is one operational event waiting in the queue: an endpoint
// event, or an attempt's (Msg set).
type opEvent struct {
	EndpointEvent
	msgID, msgEventID string
	attemptID         string
	attemptAt         time.Time
	statusCode        int
}

// operational publishes operational events from one goroutine through a
// bounded queue: the code that reports them (an attempt, the writer's
// bookkeeping, an API handler) never waits for the commit Publish waits
// for. A full queue drops the event with a warning.
type operational struct {
	BaseObserver
	e       *Engine
	appID   string
	queue   chan opEvent
	stop    chan struct{}
	done    chan struct{}
	stopped atomic.Bool
}

func newOperational(e *Engine) *operational {
	if e.cfg.OperationalAppID == "" {
		return nil
	}
	return &operational{
		e: e, appID: e.cfg.OperationalAppID,
		queue: make(chan opEvent, e.cfg.OperationalQueue),
		stop:  make(chan struct{}), done: make(chan struct{}),
	}
}

// EndpointEvent reports a change to an endpoint for the operational
// events; it never blocks. It implements api.Engine.
func (e *Engine) EndpointEvent(ev EndpointEvent) {
	e.ops.emit(opEvent{EndpointEvent: ev})
}

// emit queues ev unless it concerns the operational app itself (its own
// events would report on themselves without end). It never blocks.
func (o *operational) emit(ev opEvent) {
	if o == nil || ev.AppID == o.appID {
		return
	}
	if o.stopped.Load() {
		o.e.logger.Debug("operational event dropped: the engine is stopping", "type", ev.Type, "app", ev.AppID, "endpoint", ev.EndpointID)
		return
	}
	select {
	case o.queue <- ev:
	default:
		o.e.logger.Warn("operational event dropped: queue full", "type", ev.Type, "app", ev.AppID, "endpoint", ev.EndpointID, "msg", ev.msgID)
	}
}

// AttemptFinished reports what one attempt means for the operational
// events. Integer comparisons only: it runs per attempt. It implements
// Observer.
func (o *operational) AttemptFinished(a AttemptEvent) {
	if a.AppID == o.appID {
		return
	}
	ev := func(typ string) opEvent {
		return opEvent{
			EndpointEvent: EndpointEvent{Type: typ, AppID: a.AppID, EndpointID: a.EndpointID},
			msgID:         a.MsgID, msgEventID: a.MsgEventID,
			attemptID: a.AttemptID, attemptAt: a.At, statusCode: a.StatusCode,
		}
	}
	switch {
	case a.DeliveryStatus == webhook.StatusSuccess:
		if a.Attempt > failingAfter {
			o.emit(ev(EventMessageAttemptRecovered))
		}
		return
	case a.Attempt == failingAfter:
		o.emit(ev(EventMessageAttemptFailing))
	}
	if a.DeliveryStatus == webhook.StatusFail {
		o.emit(ev(EventMessageAttemptExhausted))
	}
}

func (o *operational) start(loops *sync.WaitGroup) {
	if o == nil {
		return
	}
	loops.Add(1)
	go func() {
		defer loops.Done()
		defer close(o.done)
		for {
			select {
			case ev := <-o.queue:
				o.publish(ev)
			case <-o.stop:
				// Publish what is queued; later events are dropped.
				for {
					select {
					case ev := <-o.queue:
						o.publish(ev)
					default:
						return
					}
				}
			case <-o.e.runCtx.Done():
				return
			}
		}
	}()
}

// close publishes what is queued and ends the loop; it must run before
// the writer refuses messages.
func (o *operational) close() {
	if o == nil {
		return
	}
	o.stopped.Store(true)
	close(o.stop)
	<-o.done
}

// publishTimeout bounds one event's publish, so a database that is away
// holds the queue back, not forever.
const publishTimeout = 10 * time.Second

func (o *operational) publish(ev opEvent) {
	e := o.e
	ctx, cancel := context.WithTimeout(e.runCtx, publishTimeout)
	defer cancel()
	if ev.AppUID == "" {
		if app, err := e.store.AppGet(ctx, ev.AppID); err == nil {
			ev.AppUID = app.UID
		}
	}
	if ev.EndpointUID == "" && ev.Type != EventEndpointDeleted {
		if t, err := e.index.Target(ctx, ev.AppID, ev.EndpointID); err == nil && t != nil {
			ev.EndpointUID = t.UID
		}
	}
	payload, err := json.Marshal(ev.payload())
	if err != nil {
		e.logger.Warn("operational event: encode", "type", ev.Type, "err", err)
		return
	}
	now := e.now()
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: o.appID, EventType: ev.Type, Payload: payload, CreatedAt: now}
	if err := e.Publish(ctx, PublishParams{Message: msg}); err != nil {
		e.logger.Warn("operational event not published", "type", ev.Type, "app", ev.AppID, "endpoint", ev.EndpointID, "err", fmt.Errorf("publish: %w", err))
	}
}

// The payloads, as Svix's operational webhooks shape them:
// {"type": ..., "data": {...}}.
type opPayload struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

type endpointData struct {
	AppID       string  `json:"appId"`
	AppUID      *string `json:"appUid"`
	EndpointID  string  `json:"endpointId"`
	EndpointUID *string `json:"endpointUid"`
	// endpoint.disabled only.
	Trigger string `json:"trigger,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

type attemptData struct {
	AppID       string      `json:"appId"`
	AppUID      *string     `json:"appUid"`
	MsgID       string      `json:"msgId"`
	MsgEventID  *string     `json:"msgEventId"`
	EndpointID  string      `json:"endpointId"`
	LastAttempt lastAttempt `json:"lastAttempt"`
}

type lastAttempt struct {
	ID                 string    `json:"id"`
	Timestamp          time.Time `json:"timestamp"`
	ResponseStatusCode int       `json:"responseStatusCode"`
}

func (ev *opEvent) payload() opPayload {
	if ev.msgID == "" {
		return opPayload{Type: ev.Type, Data: endpointData{
			AppID: ev.AppID, AppUID: nullable(ev.AppUID), EndpointID: ev.EndpointID, EndpointUID: nullable(ev.EndpointUID),
			Trigger: ev.Trigger, Reason: ev.Reason,
		}}
	}
	return opPayload{Type: ev.Type, Data: attemptData{
		AppID: ev.AppID, AppUID: nullable(ev.AppUID), MsgID: ev.msgID, MsgEventID: nullable(ev.msgEventID), EndpointID: ev.EndpointID,
		LastAttempt: lastAttempt{ID: ev.attemptID, Timestamp: ev.attemptAt, ResponseStatusCode: ev.statusCode},
	}}
}

// nullable is JSON null for "", as Svix sends unset UIDs.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
