package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The payloads Svix shows in place of a message's content: "{}" when the
// client asked for no content (with_content=false), {"expired":true} when
// the content was expunged or has expired (Svix's MessageOut
// from_msg_and_payload and without_payload).
var (
	payloadOmitted = []byte(`{}`)
	payloadExpired = []byte(`{"expired":true}`)
)

// messagePayload is what a MessageOut shows as its payload.
func messagePayload(m *webhook.Message, withContent bool) []byte {
	switch {
	case !withContent:
		return payloadOmitted
	case m.Payload == nil:
		return payloadExpired
	case m.EventType == inbound.EventTypeRequest && !json.Valid(m.Payload):
		// A request forwarded to a source's destinations keeps its body as
		// it came, JSON or not; MessageOut's payload must be JSON. Only
		// these messages are checked: the API's own were JSON when posted.
		return inbound.WrapBody(m.Headers["Content-Type"], m.Payload)
	default:
		return m.Payload
	}
}

// messageOut is Svix's MessageOut: eventType, id, payload, timestamp
// always; channels and eventId when set. It encodes itself by appending,
// without reflection, because POST /msg answers one per request; the
// payload is written as stored (json.Marshal then compacts it, as Svix's
// re-serialisation does).
type messageOut struct {
	msg     *webhook.Message
	payload []byte
}

func newMessageOut(m *webhook.Message, withContent bool) messageOut {
	return messageOut{msg: m, payload: messagePayload(m, withContent)}
}

// MarshalJSON implements json.Marshaler.
func (o messageOut) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 160+len(o.payload))
	b = appendMessageFields(append(b, '{'), o.msg, o.payload)
	return append(b, '}'), nil
}

// appendMessageFields appends MessageOut's members, without braces.
func appendMessageFields(b []byte, m *webhook.Message, payload []byte) []byte {
	b = append(b, `"id":`...)
	b = appendString(b, m.ID)
	b = append(b, `,"eventType":`...)
	b = appendString(b, m.EventType)
	if m.EventID != "" {
		b = append(b, `,"eventId":`...)
		b = appendString(b, m.EventID)
	}
	b = appendList(b, `,"channels":[`, m.Channels)
	b = appendList(b, `,"tags":[`, m.Tags)
	b = append(b, `,"payload":`...)
	b = append(b, payload...)
	b = append(b, `,"timestamp":`...)
	return appendTime(b, m.CreatedAt)
}

// endpointMessageOut is Svix's EndpointMessageOut: a MessageOut with the
// delivery's status (and statusText, but for legacy clients) and, while
// one is scheduled, nextAttempt.
type endpointMessageOut struct {
	d           *store.DeliveryWithMessage
	withContent bool
	shape       shape
}

// MarshalJSON implements json.Marshaler.
func (o endpointMessageOut) MarshalJSON() ([]byte, error) {
	payload := messagePayload(&o.d.Message, o.withContent)
	b := make([]byte, 0, 200+len(payload))
	b = appendMessageFields(append(b, '{'), &o.d.Message, payload)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(o.d.Delivery.Status), 10)
	if o.shape == shapeNewest {
		b = append(b, `,"statusText":`...)
		b = appendString(b, o.d.Delivery.Status.Text())
	}
	if t := o.d.Delivery.NextAttemptAt; t != nil && !t.IsZero() {
		b = append(b, `,"nextAttempt":`...)
		b = appendTime(b, *t)
	}
	return append(b, '}'), nil
}

// messageEndpointOut is Svix's MessageEndpointOut: the endpoint's common
// fields (no metadata, no headers, no secret) with the delivery's status
// and nextAttempt; the newer names beside the older ones as in
// endpointOut, and statusText, but for legacy clients.
type messageEndpointOut struct {
	Channels     []string              `json:"channels,omitempty"`
	CreatedAt    Time                  `json:"createdAt"`
	Description  string                `json:"description"`
	Disabled     bool                  `json:"disabled"`
	EventTypes   []string              `json:"eventTypes,omitempty"`
	FilterTypes  []string              `json:"filterTypes,omitempty"`
	ID           string                `json:"id"`
	NextAttempt  *Time                 `json:"nextAttempt,omitempty"`
	RateLimit    *int                  `json:"rateLimit,omitempty"`
	ThrottleRate *int                  `json:"throttleRate,omitempty"`
	Status       webhook.MessageStatus `json:"status"`
	StatusText   string                `json:"statusText,omitempty"`
	UID          string                `json:"uid,omitempty"`
	UpdatedAt    Time                  `json:"updatedAt"`
	URL          string                `json:"url"`
	Version      int                   `json:"version"`
}

func newMessageEndpointOut(d store.DeliveryWithEndpoint, sh shape) messageEndpointOut {
	ep := &d.Endpoint
	out := messageEndpointOut{
		Channels:    ep.Channels,
		CreatedAt:   Time(ep.CreatedAt),
		Description: ep.Description,
		Disabled:    ep.Disabled,
		FilterTypes: ep.FilterTypes,
		ID:          ep.ID,
		NextAttempt: timePtr(d.Delivery.NextAttemptAt),
		RateLimit:   ep.RateLimit,
		Status:      d.Delivery.Status,
		UID:         ep.UID,
		UpdatedAt:   Time(ep.UpdatedAt),
		URL:         ep.URL,
		Version:     ep.Version,
	}
	if sh == shapeNewest {
		out.EventTypes = ep.FilterTypes
		out.ThrottleRate = ep.RateLimit
		out.StatusText = d.Delivery.Status.Text()
	}
	return out
}

// attemptOut is Svix's MessageAttemptOut (and MessageAttemptEndpointOut,
// which has the same fields). Every field is required; statusText is
// left out for legacy clients only, which do not know it.
type attemptOut struct {
	EndpointID         string                `json:"endpointId"`
	ID                 string                `json:"id"`
	MsgID              string                `json:"msgId"`
	Response           string                `json:"response"`
	ResponseDurationMs int64                 `json:"responseDurationMs"`
	ResponseStatusCode int                   `json:"responseStatusCode"`
	Status             webhook.MessageStatus `json:"status"`
	StatusText         string                `json:"statusText,omitempty"`
	Msg                *messageOut           `json:"msg,omitempty"`
	Timestamp          Time                  `json:"timestamp"`
	TriggerType        webhook.TriggerType   `json:"triggerType"`
	URL                string                `json:"url"`
}

// newAttemptOut renders an attempt; without content its response body is
// "{}", as Svix answers for with_content=false.
func newAttemptOut(at webhook.Attempt, withContent bool, sh shape) attemptOut {
	resp := at.Response
	if !withContent {
		resp = "{}"
	}
	out := attemptOut{
		EndpointID:         at.EndpointID,
		ID:                 at.ID,
		MsgID:              at.MsgID,
		Response:           resp,
		ResponseDurationMs: at.ResponseDurationMs,
		ResponseStatusCode: at.ResponseStatusCode,
		Status:             at.Status,
		Timestamp:          Time(at.CreatedAt),
		TriggerType:        at.TriggerType,
		URL:                at.URL,
	}
	if sh == shapeNewest {
		out.StatusText = at.Status.Text()
	}
	return out
}

// appendList appends member (`,"name":[`) and the strings of list, unless
// list is empty: MessageOut omits an unset list.
func appendList(b []byte, member string, list []string) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(b, member...)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. IDs, event types and channels
// are plain ASCII by validation, so the fast path copies them; anything
// else goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, timeFormat)
	return append(b, '"')
}
