package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Limits of Svix's MessageIn (message.rs: validate_channels_msg and the
// payload_retention_period range). A message carries at most 5 channels;
// an endpoint may listen to 10 (webhook.MaxChannels).
const (
	maxMessageChannels      = 5
	minPayloadRetentionDays = 5
	maxPayloadRetentionDays = 90
)

// messageIn is Svix's MessageIn. The payload keeps the bytes received
// (ownedRaw), so key order, number forms and escapes reach the store and
// the receivers untouched. "data" is Svix's alias for "payload".
// "application" (create the app on the fly) is not part of the server's
// API and is ignored, as are unknown fields.
type messageIn struct {
	EventType              *string   `json:"eventType"`
	EventID                *string   `json:"eventId"`
	Payload                ownedRaw  `json:"payload"`
	Data                   ownedRaw  `json:"data"`
	Channels               *[]string `json:"channels"`
	PayloadRetentionPeriod *int64    `json:"payloadRetentionPeriod"`
}

// ownedRaw is json.RawMessage without its copy: it keeps the value as a
// slice of the bytes being decoded. json.Unmarshal hands UnmarshalJSON a
// slice of its own input (decodeState keeps the caller's slice), and
// readBody's result is this request's alone and never written again, so
// the payload is copied once, by readBody, between the socket and the
// store. Decode only such an owned buffer into it, never a Decoder's.
// TestOwnedRawAliasesTheBody pins the assumption.
type ownedRaw []byte

// UnmarshalJSON keeps b itself, capped so that an append cannot write over
// the bytes after it.
func (m *ownedRaw) UnmarshalJSON(b []byte) error {
	*m = b[:len(b):len(b)]
	return nil
}

// validate checks every field, adding every problem to probs, and returns
// the message's parts.
func (in *messageIn) validate(probs *problems) (eventType, eventID string, channels []string, payload []byte) {
	switch {
	case in.EventType == nil:
		probs.add("field required", "eventType")
	case !webhook.ValidUID(*in.EventType):
		probs.add("eventType must be 1-256 characters of a-z, A-Z, 0-9, '-', '_' and '.'", "eventType")
	default:
		eventType = *in.EventType
	}
	if in.EventID != nil {
		// eventId is Svix's MessageUid.
		checkUID(probs, *in.EventID, webhook.PrefixMessage, "eventId")
		eventID = *in.EventID
	}
	payload = in.Payload
	if payload == nil {
		payload = in.Data
	}
	switch {
	case payload == nil:
		probs.add("field required", "payload")
	case payload[0] != '{': // ownedRaw holds the value from its first byte
		probs.add("Payload must be an object.", "payload")
	}
	if in.Channels != nil {
		channels = dedupe(*in.Channels)
		for i, c := range channels {
			if !webhook.ValidChannel(c) {
				probs.add("channel must be 1-128 characters of a-z, A-Z, 0-9, '-', '_' and '.'", "channels", strconv.Itoa(i))
			}
		}
		if len(channels) < 1 || len(channels) > maxMessageChannels {
			probs.add("Channels must have at least 1 and at most 5 items, or be set to null.", "channels")
		}
	}
	if p := in.PayloadRetentionPeriod; p != nil && (*p < minPayloadRetentionDays || *p > maxPayloadRetentionDays) {
		probs.add("payloadRetentionPeriod must be between 5 and 90", "payloadRetentionPeriod")
	}
	return eventType, eventID, channels, payload
}

// messageCreate is POST /api/v1/app/{app_id}/msg, the hot path: one body
// read, one decode, one store commit (grouped with others by the engine),
// one encoded answer. The message is answered 202 only once committed.
func (a *API) messageCreate(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	withContent := withContent(r, &probs)
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	var in messageIn
	if err := decodeBytes(body, &in); err != nil {
		return err
	}
	eventType, eventID, channels, payload := in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	now := a.now()
	msg := webhook.Message{
		ID:        webhook.NewID(webhook.PrefixMessage, now),
		AppID:     app.ID,
		EventType: eventType,
		EventID:   eventID,
		Channels:  channels,
		Payload:   payload,
		CreatedAt: now,
	}
	return a.respond(w, r, http.StatusAccepted, newMessageOut(&msg, withContent), func(idem *store.Idempotency) error {
		err := a.engine.Publish(r.Context(), delivery.PublishParams{Message: msg, Idempotency: idem})
		if errors.Is(err, store.ErrConflict) {
			return errConflict("A message with this eventId already exists in this application.")
		}
		return err
	})
}

// messageList is GET /api/v1/app/{app_id}/msg: newest first.
func (a *API) messageList(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	q := r.URL.Query()
	tl := parseTimeList(r, idIterator(webhook.PrefixMessage), &probs)
	p := store.MessageListParams{
		AppID:       app.ID,
		Page:        tl.pq.fetchPage(),
		Since:       tl.since,
		Until:       tl.until,
		EventTypes:  queryEventTypes(q, &probs),
		Channel:     queryChannel(q, &probs),
		WithContent: queryBool(q, "with_content", true, &probs),
	}
	return writeList(w, r, probs, tl.pq, func(ctx context.Context) ([]webhook.Message, error) {
		return a.store.MessageList(ctx, p)
	}, func(m webhook.Message) string { return m.ID },
		func(m webhook.Message) messageOut { return newMessageOut(&m, p.WithContent) })
}

// messageGet is GET /api/v1/app/{app_id}/msg/{msg_id}, by ID or eventId.
func (a *API) messageGet(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	withContent := withContent(r, &probs)
	if err := probs.err(); err != nil {
		return err
	}
	msg, err := a.store.MessageGet(r.Context(), app.ID, r.PathValue("msg_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newMessageOut(&msg, withContent))
	return nil
}

// messageExpungeContent is DELETE /api/v1/app/{app_id}/msg/{msg_id}/content:
// the payload is deleted for good; the message then shows
// {"expired":true} and can no longer be resent, as in Svix.
func (a *API) messageExpungeContent(w http.ResponseWriter, r *http.Request) error {
	app, msg, err := a.appMessage(r)
	if err != nil {
		return err
	}
	if err := a.store.MessageExpungeContent(r.Context(), app.ID, msg.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// dedupe drops repeated channels, keeping the first of each, as Svix
// reads channels into a set. Without repeats (the usual case) it returns
// in itself.
func dedupe(in []string) []string {
	for i := 1; i < len(in); i++ {
		if slices.Contains(in[:i], in[i]) {
			out := slices.Clone(in[:i])
			for _, c := range in[i+1:] {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
			return out
		}
	}
	return in
}
