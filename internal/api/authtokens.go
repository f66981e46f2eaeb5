package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// appPortalAccessIn is Svix's AppPortalAccessIn. featureFlags and
// readOnly are accepted and not yet enforced.
type appPortalAccessIn struct {
	Expiry       *int64   `json:"expiry"`
	FeatureFlags []string `json:"featureFlags"`
	ReadOnly     *bool    `json:"readOnly"`
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
	if err := probs.err(); err != nil {
		return err
	}
	return a.portalAccess(w, r, ttl)
}

func (a *API) authDashboardAccess(w http.ResponseWriter, r *http.Request) error {
	return a.portalAccess(w, r, portalTokenDefault)
}

// portalAccess creates a token for {app_id}'s portal, valid for ttl, and
// answers it with the portal's URL. The token rides in the URL's fragment,
// which browsers never send, so it stays out of server and proxy logs.
//
// The response is not kept for Idempotency-Key replays: that would store
// the token in plain text beside its hash. A repeated request gets a new
// token; both work.
func (a *API) portalAccess(w http.ResponseWriter, r *http.Request, ttl time.Duration) error {
	app, err := a.app(r)
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
		ID:        webhook.NewID(webhook.PrefixToken, now),
		Hash:      hash,
		AppID:     app.ID,
		Kind:      webhook.TokenAppPortal,
		ExpiresAt: &expires,
		CreatedAt: now,
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
	p := principalFrom(r.Context())
	if p.admin() {
		return errBadRequest("invalid_token_type", "Only app-portal tokens can be logged out.")
	}
	if _, err := a.store.TokenRevoke(r.Context(), store.TokenRevokeParams{ID: p.tokenID}); err != nil {
		return err
	}
	plain, _ := bearerToken(r.Header.Get("Authorization"))
	a.tokens.forget(webhook.HashToken(plain))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
