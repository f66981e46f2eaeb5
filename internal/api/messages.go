package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

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

// messageIn is Svix's MessageIn, with the fields of the SDKs' MessageIn.
// The payload keeps the bytes received (ownedRaw), so key order, number
// forms and escapes reach the store and the receivers untouched. "data" is
// Svix's alias for "payload". application creates the app when the path
// names none (appOrCreate). deliverAt and transformationsParams are
// refused when set: Hookline delivers at once and has no transformations.
type messageIn struct {
	EventType              *string         `json:"eventType"`
	EventID                *string         `json:"eventId"`
	Payload                ownedRaw        `json:"payload"`
	Data                   ownedRaw        `json:"data"`
	Channels               *[]string       `json:"channels"`
	Tags                   *[]string       `json:"tags"`
	PayloadRetentionPeriod *int64          `json:"payloadRetentionPeriod"`
	PayloadRetentionHours  *int64          `json:"payloadRetentionHours"`
	Application            *appIn          `json:"application"`
	DeliverAt              json.RawMessage `json:"deliverAt"`
	TransformationsParams  json.RawMessage `json:"transformationsParams"`
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
func (in *messageIn) validate(probs *problems) (eventType, eventID string, channels, tags []string, payload []byte) {
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
	switch {
	case payload == nil:
		payload = in.Data
	case in.Data != nil && !bytes.Equal(in.Data, in.Payload):
		probs.add("data is another name of payload; give one of them", "data")
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
	if in.Tags != nil {
		tags = dedupe(*in.Tags)
		checkTags(probs, tags)
	}
	if p := in.PayloadRetentionPeriod; p != nil && (*p < minPayloadRetentionDays || *p > maxPayloadRetentionDays) {
		probs.add("payloadRetentionPeriod must be between 5 and 90", "payloadRetentionPeriod")
	}
	if h := in.PayloadRetentionHours; h != nil {
		switch {
		case in.PayloadRetentionPeriod != nil:
			probs.add("payloadRetentionHours and payloadRetentionPeriod are mutually exclusive", "payloadRetentionHours")
		case *h < 1 || *h > maxPayloadRetentionDays*24:
			probs.add("payloadRetentionHours must be between 1 and 2160", "payloadRetentionHours")
		}
	}
	if in.Application != nil {
		in.Application.validateNested(probs, "application")
	}
	refuseSet(probs, in.DeliverAt, "deliverAt", "Hookline sends a message as soon as it is committed")
	refuseSet(probs, in.TransformationsParams, "transformationsParams", "Hookline has no transformations")
	return eventType, eventID, channels, tags, payload
}

// payloadExpiry is when the payload goes by the message's own
// payloadRetentionPeriod (days) or payloadRetentionHours, as in Svix; nil
// when it gives neither, and the server's --retention applies.
func (in *messageIn) payloadExpiry(now time.Time) *time.Time {
	var d time.Duration
	switch {
	case in.PayloadRetentionHours != nil:
		d = time.Duration(*in.PayloadRetentionHours) * time.Hour
	case in.PayloadRetentionPeriod != nil:
		d = time.Duration(*in.PayloadRetentionPeriod) * 24 * time.Hour
	default:
		return nil
	}
	t := now.Add(d)
	return &t
}

// Svix's message tags (the SDKs' MessageIn.tags): at most 5, each 1-128
// characters of a-z, A-Z, 0-9, '-', '_', '.', '/', '\' and '#'.
const (
	maxMessageTags = 5
	maxTagLength   = 128
)

func validTag(s string) bool {
	if s == "" || len(s) > maxTagLength {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.', c == '/', c == '\\', c == '#':
		default:
			return false
		}
	}
	return true
}

func checkTags(p *problems, tags []string) {
	if len(tags) > maxMessageTags {
		p.add("tags must have at most 5 items", "tags")
	}
	for i, t := range tags {
		if !validTag(t) {
			p.add(`tags must be 1-128 characters of a-z, A-Z, 0-9, '-', '_', '.', '/', '\\' and '#'`, "tags", strconv.Itoa(i))
		}
	}
}

// expandedStatuses reads expanded_statuses, which the SDKs send as true by
// default: with it Svix shows canceled deliveries as Canceled (4), without
// as Success (0). Hookline never cancels a delivery, so both answer the
// same; the value is checked all the same.
func expandedStatuses(q url.Values, probs *problems) {
	queryBool(q, "expanded_statuses", false, probs)
}

// queryTag reads the tag filter of message and attempt lists; empty when
// absent.
func queryTag(q url.Values, probs *problems) string {
	t := q.Get("tag")
	if t != "" && !validTag(t) {
		probs.addQuery("tag", `tag must be 1-128 characters of a-z, A-Z, 0-9, '-', '_', '.', '/', '\\' and '#'`)
		return ""
	}
	return t
}

// messageCreate is POST /api/v1/app/{app_id}/msg, the hot path: one body
// read, one decode, one store commit (grouped with others by the engine),
// one encoded answer. The message is answered 202 only once committed.
func (a *API) messageCreate(w http.ResponseWriter, r *http.Request) error {
	// An app the path does not name may be created from the body's
	// application, once the body is read and checked.
	app, appErr := a.app(r)
	if appErr != nil && !errors.Is(appErr, store.ErrNotFound) {
		return appErr
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
	eventType, eventID, channels, tags, payload := in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	if appErr != nil {
		if app, err = a.appOrCreate(r, in.Application); err != nil {
			return err
		}
	}
	now := a.now()
	msg := webhook.Message{
		ID:        webhook.NewID(webhook.PrefixMessage, now),
		AppID:     app.ID,
		EventType: eventType,
		EventID:   eventID,
		Channels:  channels,
		Tags:      tags,
		Payload:   payload,
		CreatedAt: now,
	}
	return a.respond(w, r, http.StatusAccepted, newMessageOut(&msg, withContent), func(idem *store.Idempotency) error {
		err := a.engine.Publish(r.Context(), delivery.PublishParams{Message: msg, Idempotency: idem,
			PayloadExpiresAt: in.payloadExpiry(now)})
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
		AppID:      app.ID,
		Page:       tl.pq.fetchPage(),
		Since:      tl.since,
		Until:      tl.until,
		EventTypes: queryEventTypes(q, &probs),
		Channel:    queryChannel(q, &probs),
		Tag:        queryTag(q, &probs),
	}
	// The payloads are read after the rows, within the page's budget.
	withContent := queryBool(q, "with_content", true, &probs)
	var fill fillFunc[webhook.Message]
	if withContent {
		fill = contentFiller(a, app.ID, func(m webhook.Message) string { return m.ID },
			func(m *webhook.Message, payload []byte) { m.Payload = payload })
	}
	return writeListFilled(w, r, probs, tl.pq, func(ctx context.Context) ([]webhook.Message, error) {
		return a.store.MessageList(ctx, p)
	}, fill, func(m webhook.Message) string { return m.ID },
		func(m webhook.Message) messageOut { return newMessageOut(&m, withContent) })
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
