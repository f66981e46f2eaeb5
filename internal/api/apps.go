package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Svix's limits on the fields apps and endpoints share.
const (
	// maxMetadataBytes bounds metadata encoded as JSON, as Svix does.
	maxMetadataBytes = 4096
)

// appIn is Svix's ApplicationIn, the body of POST and PUT.
type appIn struct {
	Name         *string           `json:"name"`
	UID          *string           `json:"uid"`
	RateLimit    *int64            `json:"rateLimit"`
	ThrottleRate *int64            `json:"throttleRate"` // rateLimit's newer name (alias)
	Metadata     map[string]string `json:"metadata"`
}

// echoFields are ApplicationOut's read-only fields (fields.go).
func (*appIn) echoFields() []string { return []string{"id", "createdAt", "updatedAt"} }

// appPatch is Svix's ApplicationPatch: absent fields are left alone, null
// clears the nullable ones.
type appPatch struct {
	Name         Optional[string]            `json:"name"`
	UID          Optional[string]            `json:"uid"`
	RateLimit    Optional[int64]             `json:"rateLimit"`
	ThrottleRate Optional[int64]             `json:"throttleRate"`
	Metadata     Optional[map[string]string] `json:"metadata"`
}

func (*appPatch) echoFields() []string { return []string{"id", "createdAt", "updatedAt"} }

// appOut is Svix's ApplicationOut: exactly its fields, optional ones
// omitted when unset. throttleRate is the newer name of rateLimit; both
// are served, as Svix's server does, except to legacy clients (shape.go).
type appOut struct {
	UID          *string           `json:"uid,omitempty"`
	Name         string            `json:"name"`
	RateLimit    *int              `json:"rateLimit,omitempty"`
	ThrottleRate *int              `json:"throttleRate,omitempty"`
	ID           string            `json:"id"`
	CreatedAt    Time              `json:"createdAt"`
	UpdatedAt    Time              `json:"updatedAt"`
	Metadata     map[string]string `json:"metadata"`
}

func renderApp(app webhook.App, sh shape) appOut {
	out := appOut{
		UID:       optString(app.UID),
		Name:      app.Name,
		RateLimit: app.RateLimit,
		ID:        app.ID,
		CreatedAt: Time(app.CreatedAt),
		UpdatedAt: Time(app.UpdatedAt),
		Metadata:  nonNilMap(app.Metadata),
	}
	if sh == shapeNewest {
		out.ThrottleRate = app.RateLimit
	}
	return out
}

func (in *appIn) validate(p *problems) {
	if in.Name == nil {
		p.add("field required", "name")
	} else {
		checkName(p, *in.Name, "name")
	}
	if in.UID != nil {
		checkUID(p, *in.UID, webhook.PrefixApp, "uid")
	}
	var rateName string
	in.RateLimit, rateName = alias(p, in.RateLimit, in.ThrottleRate, "rateLimit", "throttleRate")
	if in.RateLimit != nil {
		checkRateLimit(p, *in.RateLimit, rateName)
	}
	checkMetadata(p, in.Metadata, "metadata")
}

// validateNested checks in as the application object a body holds at
// field (MessageIn's and AppPortalAccessIn's inline application).
func (in *appIn) validateNested(p *problems, field string) {
	var sub problems
	in.validate(&sub)
	p.nest(field, sub)
}

// appOrCreate resolves {app_id}, or, when it names no app and the body
// gave an inline application (in), creates that app, as Svix's message
// create and app-portal-access do (message.rs, create_message_inner): the
// application's uid must be set and equal {app_id}; an app the path does
// name is used as it is, whatever in says. Only an admin may create one.
// in has been validated.
func (a *API) appOrCreate(r *http.Request, in *appIn) (webhook.App, error) {
	app, err := a.app(r)
	if in == nil || !errors.Is(err, store.ErrNotFound) || !auth.PrincipalFrom(r.Context()).Admin() {
		return app, err
	}
	var probs problems
	switch pathID := r.PathValue("app_id"); {
	case in.UID == nil:
		probs.add("Application UID not set in body", "application", "uid")
		probs[0].Type = "application_uid_missing"
	case *in.UID != pathID:
		probs.add("Application UID in the path and body must match", "application", "uid")
		probs[0].Type = "application_uid_mismatch"
	}
	if err := probs.err(); err != nil {
		return app, err
	}
	now := a.now()
	app = webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), CreatedAt: now, UpdatedAt: now}
	in.apply(&app)
	defer a.authn.ForgetApps()
	err = a.store.AppCreate(r.Context(), store.AppCreateParams{App: app})
	if errors.Is(err, store.ErrConflict) {
		// Created meanwhile by another request with the same uid: use it.
		return a.store.AppGet(r.Context(), *in.UID)
	}
	return app, err
}

// apply sets app's fields from in (PUT replaces every field).
func (in *appIn) apply(app *webhook.App) {
	app.Name = *in.Name
	app.UID = deref(in.UID)
	app.RateLimit = intPtr(in.RateLimit)
	app.Metadata = in.Metadata
}

func (a *API) appList(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	// Svix lists applications oldest first unless told otherwise.
	pq := parsePage(r, store.Ascending, idIterator(webhook.PrefixApp), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]webhook.App, error) {
		return a.store.AppList(ctx, store.AppListParams{Page: pq.fetchPage()})
	}, func(app webhook.App) string { return app.ID }, func(app webhook.App) appOut { return renderApp(app, shapeOf(r)) })
}

func (a *API) appCreate(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	getIfExists := parseBoolQuery(r, "get_if_exists", &probs)
	var in appIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	if in.UID != nil {
		existing, err := a.store.AppGet(r.Context(), *in.UID)
		switch {
		case err == nil && getIfExists:
			writeJSON(w, http.StatusOK, renderApp(existing, shapeOf(r)))
			return nil
		case err == nil:
			return errConflict("An application with that id or uid already exists")
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
	}
	now := a.now()
	app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), CreatedAt: now, UpdatedAt: now}
	in.apply(&app)
	return a.respond(w, r, http.StatusCreated, renderApp(app, shapeOf(r)), func(idem *store.Idempotency) error {
		return appConflict(a.store.AppCreate(r.Context(), store.AppCreateParams{App: app, Idempotency: idem}))
	})
}

func (a *API) appGet(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderApp(app, shapeOf(r)))
	return nil
}

// appUpdate is PUT: it replaces the app's fields, or creates the app
// (with a new ID, as Svix does) when {app_id} names none.
func (a *API) appUpdate(w http.ResponseWriter, r *http.Request) error {
	var in appIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var probs problems
	in.validate(&probs)
	if err := probs.err(); err != nil {
		return err
	}
	now := a.now()
	app, err := a.store.AppGet(r.Context(), r.PathValue("app_id"))
	if errors.Is(err, store.ErrNotFound) {
		app = webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), CreatedAt: now, UpdatedAt: now}
		in.apply(&app)
		if err := appConflict(a.store.AppCreate(r.Context(), store.AppCreateParams{App: app})); err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, renderApp(app, shapeOf(r)))
		return nil
	}
	if err != nil {
		return err
	}
	in.apply(&app)
	app.UpdatedAt = now
	// Forget cached apps once the change is committed; a deferred call
	// also covers a lookup that raced the update.
	defer a.authn.ForgetApps()
	if err := appConflict(a.store.AppUpdate(r.Context(), app)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderApp(app, shapeOf(r)))
	return nil
}

func (a *API) appPatch(w http.ResponseWriter, r *http.Request) error {
	var in appPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var probs problems
	if in.Name.notNull(&probs, "name") {
		checkName(&probs, in.Name.Value, "name")
	}
	if in.UID.valued() {
		checkUID(&probs, in.UID.Value, webhook.PrefixApp, "uid")
	}
	var rateName string
	in.RateLimit, rateName = aliasOpt(&probs, in.RateLimit, in.ThrottleRate, "rateLimit", "throttleRate")
	if in.RateLimit.valued() {
		checkRateLimit(&probs, in.RateLimit.Value, rateName)
	}
	if in.Metadata.Set {
		checkMetadata(&probs, in.Metadata.Value, "metadata")
	}
	if err := probs.err(); err != nil {
		return err
	}
	app, err := a.app(r)
	if err != nil {
		return err
	}
	if in.Name.Set {
		app.Name = in.Name.Value
	}
	if in.UID.Set {
		app.UID = in.UID.Value // "" when null: unset
	}
	if in.RateLimit.Set {
		app.RateLimit = nil
		if !in.RateLimit.Null {
			app.RateLimit = intPtr(&in.RateLimit.Value)
		}
	}
	if in.Metadata.Set {
		// null is an empty map, as Svix's Metadata reads it.
		app.Metadata = in.Metadata.Value
	}
	app.UpdatedAt = a.now()
	// Forget cached apps once the change is committed; a deferred call
	// also covers a lookup that raced the update.
	defer a.authn.ForgetApps()
	if err := appConflict(a.store.AppUpdate(r.Context(), app)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderApp(app, shapeOf(r)))
	return nil
}

func (a *API) appDelete(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	defer a.authn.ForgetApps()
	if err := a.store.AppDelete(r.Context(), app.ID); err != nil {
		return err
	}
	// The app's endpoints went with it.
	a.engine.EndpointsChanged(app.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// appConflict gives a UID conflict Svix's wording.
func appConflict(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return errConflict("An application with that id or uid already exists")
	}
	return err
}

// --- validation shared by apps, endpoints and event types ---

// checkName checks a required display name (webhook.ValidateName).
func checkName(p *problems, s string, loc ...string) {
	p.addErr(webhook.ValidateName(s), loc...)
}

func checkNoControl(p *problems, s string, loc ...string) {
	p.addErr(webhook.ValidateText(s), loc...)
}

// checkUID checks the uid (or eventId) of an object whose IDs start with
// kind: Svix's limited string, not starting with kind, so that a uid can
// never be taken for an ID (Svix's invalid_uid_prefix).
func checkUID(p *problems, s string, kind webhook.Prefix, loc ...string) {
	checkLimited(p, s, loc...)
	p.addErr(webhook.ValidateUIDPrefix(kind, s), loc...)
}

// checkLimited checks Svix's limited string (uids, feature flags).
func checkLimited(p *problems, s string, loc ...string) {
	p.addErr(webhook.ValidateLimited(s), loc...)
}

func checkRateLimit(p *problems, n int64, loc ...string) {
	if err := webhook.ValidateRateLimit(n); err != nil {
		p.add(err.Error(), loc...)
	}
}

func checkMetadata(p *problems, m map[string]string, loc ...string) {
	if len(m) == 0 {
		return
	}
	if b, _ := json.Marshal(m); len(b) > maxMetadataBytes {
		p.add(fmt.Sprintf("metadata must be less than or equal to %d bytes", maxMetadataBytes), loc...)
	}
}

// parseBoolQuery reads a boolean query parameter; false when absent.
func parseBoolQuery(r *http.Request, name string, p *problems) bool {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		p.addQuery(name, "must be true or false")
	}
	return v
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func intPtr(n *int64) *int {
	if n == nil {
		return nil
	}
	v := int(*n)
	return &v
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
