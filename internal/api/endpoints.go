package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointIn is Svix's EndpointIn (POST) and, without Secret and
// Headers, its EndpointUpdate (PUT). filterTypes and channels are pointers
// so that an empty list, which is refused, differs from an absent or null
// one. eventTypes and throttleRate are the newer names of filterTypes and
// rateLimit (alias); headers, in the SDKs' EndpointIn, sets the custom
// headers at creation.
type endpointIn struct {
	URL          *string           `json:"url"`
	Description  *string           `json:"description"`
	UID          *string           `json:"uid"`
	Version      *int64            `json:"version"`
	Disabled     bool              `json:"disabled"`
	RateLimit    *int64            `json:"rateLimit"`
	ThrottleRate *int64            `json:"throttleRate"`
	FilterTypes  *[]string         `json:"filterTypes"`
	EventTypes   *[]string         `json:"eventTypes"`
	Channels     *[]string         `json:"channels"`
	Metadata     map[string]string `json:"metadata"`
	Secret       *string           `json:"secret"`
	Headers      map[string]string `json:"headers"`
}

// echoFields are EndpointOut's read-only fields (fields.go).
func (*endpointIn) echoFields() []string { return []string{"id", "createdAt", "updatedAt"} }

// endpointPatch is Svix's EndpointPatch.
type endpointPatch struct {
	URL          Optional[string]            `json:"url"`
	Description  Optional[string]            `json:"description"`
	UID          Optional[string]            `json:"uid"`
	Version      Optional[int64]             `json:"version"`
	Disabled     Optional[bool]              `json:"disabled"`
	RateLimit    Optional[int64]             `json:"rateLimit"`
	ThrottleRate Optional[int64]             `json:"throttleRate"`
	FilterTypes  Optional[[]string]          `json:"filterTypes"`
	EventTypes   Optional[[]string]          `json:"eventTypes"`
	Channels     Optional[[]string]          `json:"channels"`
	Metadata     Optional[map[string]string] `json:"metadata"`
	Secret       Optional[string]            `json:"secret"`
}

func (*endpointPatch) echoFields() []string { return []string{"id", "createdAt", "updatedAt"} }

// endpointOut is Svix's EndpointOut. Svix's server serves the filter as
// both eventTypes (its spec's name) and filterTypes (the name the SDKs
// read), and the rate as both throttleRate and rateLimit; so does
// Hookline, except to legacy clients (shape.go), which know only
// filterTypes and rateLimit.
type endpointOut struct {
	ID           string            `json:"id"`
	Description  string            `json:"description"`
	RateLimit    *int              `json:"rateLimit,omitempty"`
	ThrottleRate *int              `json:"throttleRate,omitempty"`
	UID          *string           `json:"uid,omitempty"`
	URL          string            `json:"url"`
	Version      int               `json:"version"`
	Disabled     bool              `json:"disabled"`
	EventTypes   []string          `json:"eventTypes,omitempty"`
	FilterTypes  []string          `json:"filterTypes,omitempty"`
	Channels     []string          `json:"channels,omitempty"`
	CreatedAt    Time              `json:"createdAt"`
	UpdatedAt    Time              `json:"updatedAt"`
	Metadata     map[string]string `json:"metadata"`
}

func renderEndpoint(ep webhook.Endpoint, sh shape) endpointOut {
	out := endpointOut{
		ID:          ep.ID,
		Description: ep.Description,
		RateLimit:   ep.RateLimit,
		UID:         optString(ep.UID),
		URL:         ep.URL,
		Version:     ep.Version,
		Disabled:    ep.Disabled,
		FilterTypes: ep.FilterTypes,
		Channels:    ep.Channels,
		CreatedAt:   Time(ep.CreatedAt),
		UpdatedAt:   Time(ep.UpdatedAt),
		Metadata:    nonNilMap(ep.Metadata),
	}
	if sh == shapeNewest {
		out.EventTypes = ep.FilterTypes
		out.ThrottleRate = ep.RateLimit
	}
	return out
}

// validate checks every field, normalising the URL (as Svix serializes
// it), filterTypes and channels (sets in Svix: duplicates dropped) and the
// secret's prefix.
func (in *endpointIn) validate(ctx context.Context, s store.Store, p *problems) error {
	var filterName, rateName string
	in.FilterTypes, filterName = alias(p, in.FilterTypes, in.EventTypes, "filterTypes", "eventTypes")
	in.RateLimit, rateName = alias(p, in.RateLimit, in.ThrottleRate, "rateLimit", "throttleRate")
	if in.URL == nil {
		p.add("field required", "url")
	} else if u, err := webhook.NormalizeEndpointURL(*in.URL); err != nil {
		p.add(err.Error(), "url")
	} else {
		*in.URL = u
	}
	if in.Description != nil {
		checkNoControl(p, *in.Description, "description")
	}
	if in.UID != nil {
		checkUID(p, *in.UID, webhook.PrefixEndpoint, "uid")
	}
	if in.Version != nil {
		checkVersion(p, *in.Version, "version")
	}
	if in.RateLimit != nil {
		checkRateLimit(p, *in.RateLimit, rateName)
	}
	if in.FilterTypes != nil {
		*in.FilterTypes = webhook.Dedupe(*in.FilterTypes)
		if err := checkFilterTypes(ctx, s, p, *in.FilterTypes, filterName); err != nil {
			return err
		}
	}
	if in.Headers != nil {
		checkHeaders(p, in.Headers, func(v string) string { return v })
	}
	if in.Channels != nil {
		*in.Channels = webhook.Dedupe(*in.Channels)
		checkChannels(p, *in.Channels)
	}
	checkMetadata(p, in.Metadata, "metadata")
	if in.Secret != nil {
		if !signature.ValidSecret(*in.Secret) {
			p.add(`secret must match ^(whsec_)?[a-zA-Z0-9+/=]{32,100}$ and be valid base64`, "secret")
		} else {
			*in.Secret = normalizeSecret(*in.Secret)
		}
	}
	return nil
}

// apply sets ep's configurable fields from in (PUT replaces them all).
func (in *endpointIn) apply(ep *webhook.Endpoint) {
	ep.URL = *in.URL
	ep.Description = deref(in.Description)
	ep.UID = deref(in.UID)
	ep.Version = 1
	if in.Version != nil {
		ep.Version = int(*in.Version)
	}
	ep.Disabled = in.Disabled
	ep.RateLimit = intPtr(in.RateLimit)
	ep.FilterTypes = nil
	if in.FilterTypes != nil {
		ep.FilterTypes = *in.FilterTypes
	}
	ep.Channels = nil
	if in.Channels != nil {
		ep.Channels = *in.Channels
	}
	ep.Metadata = in.Metadata
}

func checkVersion(p *problems, n int64, loc ...string) {
	if err := webhook.ValidateVersion(n); err != nil {
		p.add(err.Error(), loc...)
	}
}

// checkFilterTypes checks a filterTypes list, given by the name field
// (filterTypes or eventTypes): not empty, valid names, and, as Svix
// requires, each naming an existing event type that is not archived. Only
// a store failure is returned; problems go to p.
func checkFilterTypes(ctx context.Context, s store.Store, p *problems, names []string, field string) error {
	if len(names) == 0 {
		p.add(field+" can't be empty, it must have at least one item.", field)
		return nil
	}
	valid := make([]string, 0, len(names))
	for i, name := range names {
		if !webhook.ValidUID(name) {
			checkEventTypeName(p, name, field, fmt.Sprint(i))
			continue
		}
		valid = append(valid, name)
	}
	missing, err := endpoint.MissingEventTypes(ctx, s, valid)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		p.add(webhook.MissingEventTypes(missing).Error(), field)
	}
	return nil
}

func checkChannels(p *problems, channels []string) {
	if err := webhook.ValidateChannelCount(len(channels)); err != nil {
		p.add(err.Error(), "channels")
	}
	for i, c := range channels {
		if err := webhook.ValidateChannel(c); err != nil {
			p.add(err.Error(), "channels", fmt.Sprint(i))
		}
	}
}

// normalizeSecret gives a secret the whsec_ prefix, the form it is served
// in (Svix accepts it with or without).
func normalizeSecret(s string) string {
	if strings.HasPrefix(s, signature.SecretPrefix) {
		return s
	}
	return signature.SecretPrefix + s
}

func (a *API) endpointList(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	// Svix lists endpoints newest first unless told otherwise.
	pq := parsePage(r, store.Descending, idIterator(webhook.PrefixEndpoint), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]webhook.Endpoint, error) {
		// The app is looked up after the query is checked, as before.
		app, err := a.app(r)
		if err != nil {
			return nil, err
		}
		return a.store.EndpointList(ctx, store.EndpointListParams{AppID: app.ID, Page: pq.fetchPage()})
	}, func(ep webhook.Endpoint) string { return ep.ID }, func(ep webhook.Endpoint) endpointOut { return renderEndpoint(ep, shapeOf(r)) })
}

// newEndpoint builds an endpoint of app from in, with a generated secret
// unless in carries one.
func (a *API) newEndpoint(app webhook.App, in *endpointIn) (webhook.Endpoint, error) {
	now := a.now()
	ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, CreatedAt: now, UpdatedAt: now}
	in.apply(&ep)
	ep.Headers = in.Headers
	if in.Secret != nil {
		ep.Secret = *in.Secret
		return ep, nil
	}
	secret, err := signature.GenerateSecret()
	if err != nil {
		return ep, err
	}
	ep.Secret = secret
	return ep, nil
}

func (a *API) endpointCreate(w http.ResponseWriter, r *http.Request) error {
	var in endpointIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	if err := in.validate(r.Context(), a.store, &probs); err != nil {
		return err
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.newEndpoint(app, &in)
	if err != nil {
		return err
	}
	return a.respond(w, r, http.StatusCreated, renderEndpoint(ep, shapeOf(r)), func(idem *store.Idempotency) error {
		return a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Create, App: app, After: ep, Idempotency: idem})
	})
}

func (a *API) endpointGet(w http.ResponseWriter, r *http.Request) error {
	return writeEndpoint(a, w, r, func(ep webhook.Endpoint) endpointOut { return renderEndpoint(ep, shapeOf(r)) })
}

// endpointUpdate is PUT (Svix's EndpointUpdate): it replaces the
// endpoint's settings, keeping its secret and headers, or creates a new
// endpoint (201) when {endpoint_id} names none, as Svix does.
func (a *API) endpointUpdate(w http.ResponseWriter, r *http.Request) error {
	var in endpointIn
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	// Not part of EndpointUpdate: taking them and keeping the old values
	// would be a silent change (fields.go).
	if in.Secret != nil {
		probs.add("secret is not part of an endpoint's PUT: rotate it with POST .../secret/rotate", "secret")
	}
	if in.Headers != nil {
		probs.add("headers are not part of an endpoint's PUT: set them with PUT .../headers", "headers")
	}
	if err := in.validate(r.Context(), a.store, &probs); err != nil {
		return err
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	status, before := http.StatusOK, ep
	switch {
	case errors.Is(err, store.ErrNotFound):
		if ep, err = a.newEndpoint(app, &in); err != nil {
			return err
		}
		if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Create, App: app, After: ep}); err != nil {
			return err
		}
		status = http.StatusCreated
	case err != nil:
		return err
	default:
		in.apply(&ep)
		ep.UpdatedAt = a.now()
		if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Update, App: app, Before: &before, After: ep}); err != nil {
			return err
		}
	}
	writeJSON(w, status, renderEndpoint(ep, shapeOf(r)))
	return nil
}

func (a *API) endpointPatch(w http.ResponseWriter, r *http.Request) error {
	var in endpointPatch
	app, err := a.appBody(w, r, &in)
	if err != nil {
		return err
	}
	var probs problems
	var filterName, rateName string
	in.FilterTypes, filterName = aliasOpt(&probs, in.FilterTypes, in.EventTypes, "filterTypes", "eventTypes")
	in.RateLimit, rateName = aliasOpt(&probs, in.RateLimit, in.ThrottleRate, "rateLimit", "throttleRate")
	if in.URL.notNull(&probs, "url") {
		if u, err := webhook.NormalizeEndpointURL(in.URL.Value); err != nil {
			probs.add(err.Error(), "url")
		} else {
			in.URL.Value = u
		}
	}
	if in.Description.notNull(&probs, "description") {
		checkNoControl(&probs, in.Description.Value, "description")
	}
	if in.Version.notNull(&probs, "version") {
		checkVersion(&probs, in.Version.Value, "version")
	}
	in.Disabled.notNull(&probs, "disabled")
	if in.UID.valued() {
		checkUID(&probs, in.UID.Value, webhook.PrefixEndpoint, "uid")
	}
	if in.RateLimit.valued() {
		checkRateLimit(&probs, in.RateLimit.Value, rateName)
	}
	if in.FilterTypes.valued() {
		in.FilterTypes.Value = webhook.Dedupe(in.FilterTypes.Value)
		if err := checkFilterTypes(r.Context(), a.store, &probs, in.FilterTypes.Value, filterName); err != nil {
			return err
		}
	}
	if in.Channels.valued() {
		in.Channels.Value = webhook.Dedupe(in.Channels.Value)
		checkChannels(&probs, in.Channels.Value)
	}
	if in.Metadata.Set {
		checkMetadata(&probs, in.Metadata.Value, "metadata")
	}
	if in.Secret.valued() && !signature.ValidSecret(in.Secret.Value) {
		probs.add(`secret must match ^(whsec_)?[a-zA-Z0-9+/=]{32,100}$ and be valid base64`, "secret")
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.endpoint(r, app)
	if err != nil {
		return err
	}
	before := ep
	now := a.now()
	if in.URL.Set {
		ep.URL = in.URL.Value
	}
	if in.Description.Set {
		ep.Description = in.Description.Value
	}
	if in.Version.Set {
		ep.Version = int(in.Version.Value)
	}
	if in.Disabled.Set {
		ep.Disabled = in.Disabled.Value
	}
	if in.UID.Set {
		ep.UID = in.UID.Value // "" when null: unset
	}
	if in.RateLimit.Set {
		ep.RateLimit = nil
		if !in.RateLimit.Null {
			ep.RateLimit = intPtr(&in.RateLimit.Value)
		}
	}
	if in.FilterTypes.Set {
		ep.FilterTypes = in.FilterTypes.Value // nil when null: every event type
	}
	if in.Channels.Set {
		ep.Channels = in.Channels.Value
	}
	if in.Metadata.Set {
		ep.Metadata = in.Metadata.Value
	}
	// A new secret is a rotation: the old one keeps signing for a day, so
	// receivers are not cut off. (Svix's server ignores "secret" here.)
	if in.Secret.valued() {
		if err := rotateSecret(&ep, normalizeSecret(in.Secret.Value), now, webhook.SecretGrace); err != nil {
			return err
		}
	}
	ep.UpdatedAt = now
	if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Update, App: app, Before: &before, After: ep}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderEndpoint(ep, shapeOf(r)))
	return nil
}

func (a *API) endpointDelete(w http.ResponseWriter, r *http.Request) error {
	app, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.Delete, App: app, Before: &ep}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
