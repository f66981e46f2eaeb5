package api

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// A source's destinations are delivered by the engine, not by a sender of
// their own: the source owns an app (its UID is the source's ID, its name
// "Source: <name>") whose endpoints are the destinations, each with its
// own signing secret and the delivery option passHeaders set to the
// headers it chose. Each verified request becomes one message of that app
// (inbound.Forward.DestinationMessage), so the destinations get retries,
// rate limits, health, the attempt log, the dashboard's and portal's pages
// and replay like any endpoint. The source's routes keep the app in step:
// create makes it and its endpoints, a PATCH of forward.destinations
// creates, updates and deletes endpoints, DELETE deletes the app. The
// operator reads a destination's secret, and its attempts, through the
// Svix API with forward.destinationAppId and the destination's endpointId.

// sourceAppName is the name of a source's app.
func sourceAppName(src inbound.Source) string { return "Source: " + src.Name }

// destinationPlan is what a save does to the endpoints of a source's
// app: each destination of the new list paired with the endpoint it
// keeps ("" for a new one), and the endpoints no destination keeps.
type destinationPlan struct {
	keep   []string // by index of the new destinations
	remove []string
}

// planDestinations pairs the destinations of after with those of before:
// by endpointId when the body gives one (a GET's answer sent back), else
// by URL; an endpointId that is not one of before's is a 422, before
// anything is written.
func planDestinations(before, after []inbound.Destination) (destinationPlan, error) {
	plan := destinationPlan{keep: make([]string, len(after))}
	taken := make([]bool, len(before))
	var probs []inbound.Problem
	for i, d := range after {
		if d.EndpointID == "" {
			continue
		}
		j := slices.IndexFunc(before, func(b inbound.Destination) bool { return b.EndpointID == d.EndpointID })
		if j < 0 || taken[j] {
			probs = append(probs, inbound.Problem{Field: []string{"forward", "destinations", fmt.Sprint(i), "endpointId"},
				Msg: "is not one of this source's destinations (leave it out for a new one; it is set by Hookline)"})
			continue
		}
		taken[j], plan.keep[i] = true, d.EndpointID
	}
	if len(probs) > 0 {
		return plan, errSource(probs)
	}
	for i, d := range after {
		if plan.keep[i] != "" {
			continue
		}
		for j, b := range before {
			if !taken[j] && b.EndpointID != "" && b.URL == d.URL {
				taken[j], plan.keep[i] = true, b.EndpointID
				break
			}
		}
	}
	for j, b := range before {
		if !taken[j] && b.EndpointID != "" {
			plan.remove = append(plan.remove, b.EndpointID)
		}
	}
	return plan, nil
}

// syncDestinations makes the endpoints of src's app match its
// destinations, creating the app on the first one, and sets the app's and
// endpoints' IDs on src. before is the source as stored (nil on create).
// With no destinations left the app stays, with its log, empty.
func (a *API) syncDestinations(ctx context.Context, before *inbound.Source, src *inbound.Source) error {
	var old []inbound.Destination
	if before != nil {
		old = before.Forward.Destinations
		src.Forward.DestinationAppID = before.Forward.DestinationAppID
	} else {
		src.Forward.DestinationAppID = ""
	}
	plan, err := planDestinations(old, src.Forward.Destinations)
	if err != nil {
		return err
	}
	if len(src.Forward.Destinations) == 0 && src.Forward.DestinationAppID == "" {
		return nil
	}
	app, err := a.sourceApp(ctx, src)
	if err != nil {
		return err
	}
	src.Forward.DestinationAppID = app.ID
	for _, id := range plan.remove {
		ep, err := a.store.EndpointGet(ctx, app.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted through the endpoint API meanwhile
		}
		if err != nil {
			return err
		}
		if err := a.endpoints.Apply(ctx, endpoint.Change{Op: endpoint.Delete, App: app, Before: &ep}); err != nil {
			return fmt.Errorf("delete destination %s: %w", id, err)
		}
	}
	for i := range src.Forward.Destinations {
		d := &src.Forward.Destinations[i]
		id, err := a.saveDestination(ctx, app, plan.keep[i], *d)
		if err != nil {
			return fmt.Errorf("destination %d: %w", i, err)
		}
		d.EndpointID = id
	}
	return nil
}

// sourceApp is src's app, made (or renamed) as src needs it: found by its
// ID, else by its UID, the source's ID (made by a save that failed after
// it), else created.
func (a *API) sourceApp(ctx context.Context, src *inbound.Source) (webhook.App, error) {
	var (
		app webhook.App
		err = store.ErrNotFound
	)
	if src.Forward.DestinationAppID != "" {
		app, err = a.store.AppGet(ctx, src.Forward.DestinationAppID)
	}
	if errors.Is(err, store.ErrNotFound) {
		app, err = a.store.AppGet(ctx, src.ID)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		now := a.now()
		app = webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), UID: src.ID, Name: sourceAppName(*src),
			Metadata: map[string]string{"hooklineSource": src.ID}, CreatedAt: now, UpdatedAt: now}
		defer a.authn.ForgetApps()
		return app, a.store.AppCreate(ctx, store.AppCreateParams{App: app})
	case err != nil:
		return app, err
	case app.Name != sourceAppName(*src):
		app.Name, app.UpdatedAt = sourceAppName(*src), a.now()
		defer a.authn.ForgetApps()
		return app, a.store.AppUpdate(ctx, app)
	}
	return app, nil
}

// saveDestination creates d's endpoint in app (id "", or an endpoint
// gone), or brings endpoint id in line with d: its URL and the headers it
// passes on. It returns the endpoint's ID.
func (a *API) saveDestination(ctx context.Context, app webhook.App, id string, d inbound.Destination) (string, error) {
	now := a.now()
	if id != "" {
		ep, err := a.store.EndpointGet(ctx, app.ID, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			id = "" // deleted through the endpoint API: made anew
		case err != nil:
			return "", err
		default:
			if ep.URL != d.URL {
				after := ep
				after.URL, after.UpdatedAt = d.URL, now
				if err := a.endpoints.Apply(ctx, endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: after}); err != nil {
					return "", err
				}
				ep = after
			}
			if !slices.Equal(ep.Delivery.PassHeaders, d.Headers) {
				after := ep
				after.Delivery.PassHeaders, after.UpdatedAt = slices.Clone(d.Headers), now
				if err := a.endpoints.Apply(ctx, endpoint.Change{Op: endpoint.SetDeliveryOptions, App: app, Before: &ep, After: after}); err != nil {
					return "", err
				}
			}
			return id, nil
		}
	}
	secret, err := signature.GenerateSecret()
	if err != nil {
		return "", err
	}
	ep := webhook.Endpoint{
		ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, URL: d.URL,
		Description: "Destination of inbound source " + strings.TrimPrefix(app.Name, "Source: "),
		Version:     1, Secret: secret, Delivery: webhook.DeliveryOptions{PassHeaders: slices.Clone(d.Headers)},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := a.endpoints.Apply(ctx, endpoint.Change{Op: endpoint.Create, App: app, After: ep}); err != nil {
		return "", err
	}
	return ep.ID, nil
}

// deleteSourceApp deletes src's app with its endpoints and messages.
func (a *API) deleteSourceApp(ctx context.Context, src inbound.Source) error {
	id := src.Forward.DestinationAppID
	if id == "" {
		return nil
	}
	defer a.authn.ForgetApps()
	if err := a.store.AppDelete(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("delete the source's app: %w", err)
	}
	a.engine.EndpointsChanged(id)
	return nil
}
