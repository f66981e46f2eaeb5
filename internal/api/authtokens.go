package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// App-portal token lifetimes, as the Svix API documents "expiry": between
// an hour and 7 days, 7 days by default.
const (
	portalTokenMin     = time.Hour
	portalTokenMax     = 7 * 24 * time.Hour
	portalTokenDefault = portalTokenMax
)

// appPortalAccessIn is Svix's AppPortalAccessIn with the SDKs' fields.
// application creates the app when the path names none (appOrCreate).
// featureFlags are kept in the token: it sees the event types without a
// flag and those whose flag it holds, as in Svix. A portal token can do
// all a token of its app can, so readOnly true and capabilities (a subset
// of that) are refused rather than taken and not enforced, and so is
// sessionId, which Hookline does not keep.
type appPortalAccessIn struct {
	Expiry       *int64          `json:"expiry"`
	FeatureFlags []string        `json:"featureFlags"`
	ReadOnly     *bool           `json:"readOnly"`
	Application  *appIn          `json:"application"`
	Capabilities json.RawMessage `json:"capabilities"`
	SessionID    json.RawMessage `json:"sessionId"`
}

// accessOut is Svix's AppPortalAccessOut and DashboardAccessOut, which
// have the same two fields.
type accessOut struct {
	Token string `json:"token"`
	URL   string `json:"url"`
}

func (a *API) authAppPortalAccess(w http.ResponseWriter, r *http.Request) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	var in appPortalAccessIn
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeBytes(body, &in); err != nil {
			return err
		}
	}
	var probs problems
	ttl := portalTokenDefault
	if in.Expiry != nil {
		ttl = time.Duration(*in.Expiry) * time.Second
		if *in.Expiry < int64(portalTokenMin/time.Second) || *in.Expiry > int64(portalTokenMax/time.Second) {
			probs.add("expiry must be between 3600 and 604800 seconds", "expiry")
		}
	}
	for i, f := range in.FeatureFlags {
		if !webhook.ValidUID(f) {
			probs.add("invalid feature flag", "featureFlags", strconv.Itoa(i))
		}
	}
	if in.ReadOnly != nil && *in.ReadOnly {
		probs.add("readOnly is not supported by Hookline: a portal token can change its app's endpoints", "readOnly")
		probs[len(probs)-1].Type = "value_error.not_supported"
	}
	refuseSet(&probs, in.Capabilities, "capabilities", "a portal token has every capability of its app")
	refuseSet(&probs, in.SessionID, "sessionId", "tokens carry no session; expire-all expires them all")
	if in.Application != nil {
		in.Application.validateNested(&probs, "application")
	}
	if err := probs.err(); err != nil {
		return err
	}
	var flags []string // nil, not empty, for none: the store keeps none as NULL
	if len(in.FeatureFlags) > 0 {
		flags = webhook.Dedupe(in.FeatureFlags)
	}
	return a.portalAccess(w, r, ttl, in.Application, flags)
}

func (a *API) authDashboardAccess(w http.ResponseWriter, r *http.Request) error {
	return a.portalAccess(w, r, portalTokenDefault, nil, nil)
}

// portalAccess creates a token for {app_id}'s portal, valid for ttl, and
// answers it with the portal's URL. The token rides in the URL's fragment,
// which browsers never send, so it stays out of server and proxy logs.
//
// The response is not kept for Idempotency-Key replays: that would store
// the token in plain text beside its hash. A repeated request gets a new
// token; both work.
//
// An app the path does not name is created from application when it is
// given (appOrCreate).
func (a *API) portalAccess(w http.ResponseWriter, r *http.Request, ttl time.Duration, application *appIn, flags []string) error {
	app, err := a.appOrCreate(r, application)
	if err != nil {
		return err
	}
	plain, hash, err := webhook.NewTokenSecret()
	if err != nil {
		return err
	}
	now := a.now()
	expires := now.Add(ttl)
	tok := webhook.Token{
		ID:           webhook.NewID(webhook.PrefixToken, now),
		Hash:         hash,
		AppID:        app.ID,
		Kind:         webhook.TokenAppPortal,
		FeatureFlags: flags,
		ExpiresAt:    &expires,
		CreatedAt:    now,
	}
	if err := a.store.TokenCreate(r.Context(), tok); err != nil {
		return err
	}
	if st, ok := r.Context().Value(idempotencyKey{}).(*idempotencyState); ok {
		st.used = true // see above: never store the token for a replay
	}
	url := strings.TrimRight(a.baseURL, "/") + "/portal/" + app.ID + "#key=" + plain
	writeJSON(w, http.StatusOK, accessOut{Token: plain, URL: url})
	return nil
}

// authLogout revokes the token the request carries. Only app-portal tokens
// may log out, as Svix documents: revoking an admin token this way could
// lock the operator out.
func (a *API) authLogout(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	if p.Admin() {
		return errBadRequest("invalid_token_type", "Only app-portal tokens can be logged out.")
	}
	if _, err := a.store.TokenRevoke(r.Context(), store.TokenRevokeParams{ID: p.TokenID}); err != nil {
		return err
	}
	plain, _ := auth.BearerToken(r.Header.Get("Authorization"))
	a.authn.ForgetToken(plain)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
