// Package endpoint is the one write path of endpoints, shared by the API
// and the dashboard: every change (create, replace, patch, delete,
// headers, secret rotation, disable and enable, delivery options) is a
// Change given to Writer.Apply, which checks the endpoint's invariants
// (the rules of package webhook), writes the store and, only after the
// commit, tells the delivery engine: its routing index forgets the app's
// endpoints, and the operational events report the change. A caller
// cannot forget the second half, which is why there is one function.
//
// Decoding a request and reporting its problems field by field stays with
// the caller (the API's Svix-shaped 422s, the dashboard's forms); a
// Change that breaks an invariant anyway is refused with an *InvalidError
// and nothing is written.
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// Store is what the Writer writes.
type Store interface {
	EndpointCreate(ctx context.Context, p store.EndpointCreateParams) error
	EndpointUpdate(ctx context.Context, ep webhook.Endpoint) error
	EndpointDeliveryOptionsSet(ctx context.Context, p store.EndpointDeliveryOptionsSetParams) error
	EndpointDelete(ctx context.Context, appID, id string) error
	EventTypes // the event types that filter types name
}

// Engine is what the Writer tells the delivery engine after a commit.
type Engine interface {
	// EndpointsChanged makes the routing index reload the app.
	EndpointsChanged(appID string)
	// EndpointEvent reports the change for the operational events; it
	// never blocks.
	EndpointEvent(ev delivery.EndpointEvent)
}

// Op is the kind of a Change.
type Op int

const (
	// Create stores After, a new endpoint (Idempotency may record the
	// request that made it).
	Create Op = iota + 1
	// Update replaces Before with After: settings, URL, headers, secret,
	// disabled. An update that turns the endpoint off is also reported as
	// endpoint.disabled.
	Update
	// Delete deletes Before.
	Delete
	// SetDeliveryOptions stores After.Delivery on Before (at
	// After.UpdatedAt), leaving the rest of the endpoint alone.
	SetDeliveryOptions
)

// Change is one endpoint change.
type Change struct {
	Op  Op
	App webhook.App
	// Before is the endpoint as read; nil for Create.
	Before *webhook.Endpoint
	// After is the endpoint to store; unused by Delete.
	After       webhook.Endpoint
	Idempotency *store.Idempotency
	// DisabledReason is the endpoint.disabled event's reason when an
	// Update turns the endpoint off; default "disabled through the API".
	DisabledReason string
}

// InvalidError is a Change that breaks an endpoint invariant: Field names
// the endpoint's field ("headers"), Err says what is wrong in words a
// user can act on.
type InvalidError struct {
	Field string
	Err   error
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// Writer applies changes. Create it with New.
type Writer struct {
	store  Store
	engine Engine
}

// New returns a Writer over s that tells e.
func New(s Store, e Engine) (*Writer, error) {
	if s == nil || e == nil {
		return nil, errors.New("endpoint: Store and Engine are required")
	}
	return &Writer{store: s, engine: e}, nil
}

// Apply checks c, writes it and, once it is committed, tells the engine.
// Store errors come back wrapped (store.ErrConflict: a UID taken,
// store.ErrNotFound: the endpoint or app is gone); nothing is told then.
func (w *Writer) Apply(ctx context.Context, c Change) error {
	if err := c.check(); err != nil {
		return err
	}
	if err := w.checkFilterTypes(ctx, c); err != nil {
		return err
	}
	var err error
	switch c.Op {
	case Create:
		err = w.store.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: c.After, Idempotency: c.Idempotency})
	case Update:
		err = w.store.EndpointUpdate(ctx, c.After)
	case Delete:
		err = w.store.EndpointDelete(ctx, c.App.ID, c.Before.ID)
	case SetDeliveryOptions:
		err = w.store.EndpointDeliveryOptionsSet(ctx, store.EndpointDeliveryOptionsSetParams{
			AppID: c.App.ID, EndpointID: c.Before.ID, Options: c.After.Delivery, UpdatedAt: c.After.UpdatedAt,
		})
	}
	if err != nil {
		return err
	}
	w.notify(c)
	return nil
}

// check refuses a change that is not well formed or breaks an invariant
// of the endpoint it would store.
func (c Change) check() error {
	switch c.Op {
	case Create:
	case Update, SetDeliveryOptions:
		if c.Before == nil || c.Before.ID != c.After.ID || c.Before.AppID != c.After.AppID {
			return fmt.Errorf("endpoint: op %d changes an endpoint that was not read (or its ID)", c.Op)
		}
	case Delete:
		if c.Before == nil {
			return errors.New("endpoint: delete of an endpoint that was not read")
		}
		return nil
	default:
		return fmt.Errorf("endpoint: unknown op %d", c.Op)
	}
	if c.After.AppID != c.App.ID {
		return fmt.Errorf("endpoint: %s belongs to app %s, not %s", c.After.ID, c.After.AppID, c.App.ID)
	}
	// What the change sets is checked; what it keeps was checked when it
	// was set, by the rules of then, and stays.
	before := c.Before
	if c.Op == Create {
		before = &webhook.Endpoint{}
	}
	return checkChanged(*before, c.After)
}

// checkChanged applies webhook's rules to the fields that after changes.
func checkChanged(before, after webhook.Endpoint) error {
	invalid := func(field string, err error) error {
		if err != nil {
			return &InvalidError{Field: field, Err: err}
		}
		return nil
	}
	if after.URL != before.URL || before.ID == "" {
		if err := invalid("url", webhook.ValidateEndpointURL(after.URL)); err != nil {
			return err
		}
	}
	if after.Version != before.Version && after.Version != 0 {
		if err := invalid("version", webhook.ValidateVersion(int64(after.Version))); err != nil {
			return err
		}
	}
	if after.RateLimit != nil && (before.RateLimit == nil || *after.RateLimit != *before.RateLimit) {
		if err := invalid("rateLimit", webhook.ValidateRateLimit(int64(*after.RateLimit))); err != nil {
			return err
		}
	}
	if len(after.Channels) > 0 && !slices.Equal(after.Channels, before.Channels) {
		if err := invalid("channels", webhook.ValidateChannelCount(len(after.Channels))); err != nil {
			return err
		}
		for _, ch := range after.Channels {
			if err := invalid("channels", webhook.ValidateChannel(ch)); err != nil {
				return err
			}
		}
	}
	if !maps.Equal(after.Headers, before.Headers) || before.ID == "" {
		for name, v := range after.Headers {
			if err := invalid("headers", webhook.ValidateHeader(name, v)); err != nil {
				return err
			}
		}
		if err := invalid("headers", webhook.ValidateHeaderSet(after.Headers)); err != nil {
			return err
		}
	}
	if len(after.OldSecrets) > webhook.MaxOldSecrets && len(after.OldSecrets) != len(before.OldSecrets) {
		return invalid("secret", webhook.ErrTooManyRotations)
	}
	return nil
}

// checkFilterTypes refuses filter types, newly set, that name an event
// type that does not exist or is archived, as Svix does.
func (w *Writer) checkFilterTypes(ctx context.Context, c Change) error {
	if c.Op != Create && c.Op != Update || c.Before != nil && slices.Equal(c.Before.FilterTypes, c.After.FilterTypes) {
		return nil
	}
	missing, err := MissingEventTypes(ctx, w.store, c.After.FilterTypes)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return &InvalidError{Field: "filterTypes", Err: webhook.MissingEventTypes(missing)}
	}
	return nil
}

// EventTypes finds event types by name.
type EventTypes interface {
	EventTypeGet(ctx context.Context, name string) (webhook.EventType, error)
}

// MissingEventTypes returns the names that no live event type has (none
// by that name, or archived): filter types may not name them. Only a
// store failure is an error.
func MissingEventTypes(ctx context.Context, s EventTypes, names []string) ([]string, error) {
	var missing []string
	for _, name := range names {
		et, err := s.EventTypeGet(ctx, name)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && et.Archived:
			missing = append(missing, name)
		case err != nil:
			return nil, fmt.Errorf("find event type %q: %w", name, err)
		}
	}
	return missing, nil
}

// notify tells the engine of a committed change.
func (w *Writer) notify(c Change) {
	w.engine.EndpointsChanged(c.App.ID)
	ep := c.After
	typ := delivery.EventEndpointUpdated
	switch c.Op {
	case Create:
		typ = delivery.EventEndpointCreated
	case Delete:
		ep, typ = *c.Before, delivery.EventEndpointDeleted
	case SetDeliveryOptions:
		// Delivery options are how an endpoint is sent to, not what Svix
		// calls an endpoint update: the routing index reloads them, and
		// no operational event is published (as before this package).
		return
	}
	ev := delivery.EndpointEvent{Type: typ, AppID: c.App.ID, AppUID: c.App.UID, EndpointID: ep.ID, EndpointUID: ep.UID}
	w.engine.EndpointEvent(ev)
	if c.Op == Update && !c.Before.Disabled && c.After.Disabled {
		reason := c.DisabledReason
		if reason == "" {
			reason = "disabled through the API"
		}
		ev.Type, ev.Trigger, ev.Reason = delivery.EventEndpointDisabled, "manual", reason
		w.engine.EndpointEvent(ev)
	}
}
