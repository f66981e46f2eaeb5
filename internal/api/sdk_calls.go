package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The calls of the newest Svix SDKs that Svix's server spec lacks and Hookline serves, as
// the SDKs' spec (codegen/lib-openapi.json) shapes them: replay-missing, expire-all,
// expunge-all-contents and the message precheck. The other calls of that spec are
// answered "not supported" by name (unsupported.go).

// replayIn is the SDKs' ReplayIn.
type replayIn struct {
	Since *string `json:"since"`
	Until *string `json:"until"`
}

// endpointReplayMissing is POST .../endpoint/{endpoint_id}/replay-missing: the endpoint
// gets, due now, each message of its app created since `since` (until `until`) that it
// would receive now and never got (store.DeliveryReplay); what it got before is not sent
// again. 202 with the task, "running": the sends are the delivery engine's.
func (a *API) endpointReplayMissing(w http.ResponseWriter, r *http.Request) error {
	var in replayIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	since := parseBodyTime(&probs, in.Since, true, "since")
	until := parseBodyTime(&probs, in.Until, false, "until")
	if !until.IsZero() && !since.Before(until) {
		probs.add("until must be after since", "until")
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	now := a.now()
	if _, err := a.engine.ReplayMissing(r.Context(), store.DeliveryReplayParams{
		Endpoint: ep, Since: since, Until: until, Now: now,
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, newTaskOut(r, "endpoint.replay", "running", now))
	return nil
}

// messageExpungeAllContents is POST .../msg/expunge-all-contents: every message of the app
// loses its payload, as DELETE .../msg/{msg_id}/content does one. It is done when it
// answers, so the task is "finished".
func (a *API) messageExpungeAllContents(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	if _, err := a.store.MessageExpungeAll(r.Context(), store.MessageExpungeAllParams{AppID: app.ID}); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, newTaskOut(r, "application.purge_content", "finished", a.now()))
	return nil
}

// messagePrecheckIn is the SDKs' MessagePrecheckIn.
type messagePrecheckIn struct {
	EventType *string   `json:"eventType"`
	Channels  *[]string `json:"channels"`
}

// messagePrecheckOut is the SDKs' MessagePrecheckOut.
type messagePrecheckOut struct {
	Active bool `json:"active"`
}

// messagePrecheck is POST .../msg/precheck/active: whether a message of this event type
// and channels would reach an endpoint now (one enabled that takes it).
func (a *API) messagePrecheck(w http.ResponseWriter, r *http.Request) error {
	var in messagePrecheckIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	checkEventTypeField(&probs, in.EventType)
	var channels []string
	if in.Channels != nil {
		channels = webhook.Dedupe(*in.Channels)
		checkChannels(&probs, channels)
	}
	if err := probs.err(); err != nil {
		return err
	}
	active, err := a.anyEndpointReceives(r.Context(), app.ID, *in.EventType, channels)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, messagePrecheckOut{Active: active})
	return nil
}

// anyEndpointReceives reports whether an endpoint of the app would receive a message of
// eventType on channels, reading its endpoints a page at a time.
func (a *API) anyEndpointReceives(ctx context.Context, appID, eventType string, channels []string) (bool, error) {
	page := store.Page{Limit: maxLimit, Order: store.Ascending}
	for {
		eps, err := a.store.EndpointList(ctx, store.EndpointListParams{AppID: appID, Page: page})
		if err != nil {
			return false, err
		}
		for i := range eps {
			if eps[i].Receives(eventType, channels) {
				return true, nil
			}
		}
		if len(eps) < page.Limit {
			return false, nil
		}
		page.After = eps[len(eps)-1].ID
	}
}

// Svix's bounds of ApplicationTokenExpireIn.expiry: up to 3 days.
const maxTokenExpiry = 3 * 24 * time.Hour

// tokenExpireIn is the SDKs' ApplicationTokenExpireIn.
type tokenExpireIn struct {
	Expiry     *int64   `json:"expiry"`
	SessionIDs []string `json:"sessionIds"`
}

// authExpireAll is POST /api/v1/auth/app/{app_id}/expire-all: every app-portal token of
// the app expires in `expiry` seconds (at once when absent or 0), or keeps an earlier
// expiry. sessionIds names the sessions whose tokens expire; Hookline's tokens carry no
// session (app-portal-access refuses sessionId), so with sessionIds none matches and
// nothing expires, as Svix would answer for sessions it never saw.
func (a *API) authExpireAll(w http.ResponseWriter, r *http.Request) error {
	var in tokenExpireIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	var delay time.Duration
	if in.Expiry != nil {
		delay = time.Duration(*in.Expiry) * time.Second
		if *in.Expiry < 0 || delay > maxTokenExpiry {
			probs.add("expiry must be between 0 and 259200 seconds", "expiry")
		}
	}
	if len(in.SessionIDs) > 1000 {
		probs.add("sessionIds must have at most 1000 items", "sessionIds")
	}
	for i, id := range in.SessionIDs {
		if !validSessionID(id) {
			probs.add("session ids must be 1-64 characters of a-z, A-Z, 0-9, '@', '_' and '-'", "sessionIds", strconv.Itoa(i))
		}
	}
	if err := probs.err(); err != nil {
		return err
	}
	if len(in.SessionIDs) == 0 {
		if _, err := a.store.TokenExpire(r.Context(), store.TokenExpireParams{AppID: app.ID, At: a.now().Add(delay)}); err != nil {
			return err
		}
		a.authn.ForgetAppTokens(app.ID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// validSessionID is Svix's pattern for a session ID, ^[a-zA-Z0-9@_-]{1,64}$.
func validSessionID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '@', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
