package endpoint_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/store/postgres"
	"github.com/hookline/hookline/internal/store/postgres/pgtest"
	"github.com/hookline/hookline/internal/store/sqlite"
	"github.com/hookline/hookline/internal/webhook"
)

// recorder is the engine side of the seam: it records what it is told,
// and, to prove it is told after the commit, reads the store each time.
type recorder struct {
	s       store.Store
	mu      sync.Mutex
	told    []string // "changed app" and event types, in order
	present []bool   // whether the endpoint was in the store when told
	events  []delivery.EndpointEvent
}

func (r *recorder) EndpointsChanged(appID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.told = append(r.told, "changed "+appID)
}

func (r *recorder) EndpointEvent(ev delivery.EndpointEvent) {
	_, err := r.s.EndpointGet(context.Background(), ev.AppID, ev.EndpointID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.told = append(r.told, ev.Type)
	r.events = append(r.events, ev)
	r.present = append(r.present, err == nil)
}

func (r *recorder) take() ([]string, []bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	told, present := r.told, r.present
	r.told, r.present = nil, nil
	return told, present
}

func eachStore(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := sqlite.Open(t.Context(), t.TempDir(), nil)
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s, err := postgres.Open(t.Context(), pgtest.NewSchema(t, pgtest.RequireURL(t)), nil)
		if err != nil {
			t.Fatalf("postgres.Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		fn(t, s)
	})
}

func TestApplyWritesThenTells(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), UID: "acme", Name: "acme", CreatedAt: now, UpdatedAt: now}
		if err := s.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
			t.Fatal(err)
		}
		if err := s.EventTypeCreate(ctx, store.EventTypeCreateParams{EventType: webhook.EventType{Name: "user.created", CreatedAt: now, UpdatedAt: now}}); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{s: s}
		w, err := endpoint.New(s, rec)
		if err != nil {
			t.Fatal(err)
		}
		ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, UID: "hook", URL: "https://example.com/a",
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
		changed := "changed " + app.ID
		steps := []struct {
			name    string
			c       endpoint.Change
			told    []string
			present bool
		}{
			{"create", endpoint.Change{Op: endpoint.Create, App: app, After: ep}, []string{changed, delivery.EventEndpointCreated}, true},
			{"update", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.URL = "https://example.com/b"; e.FilterTypes = []string{"user.created"} })},
				[]string{changed, delivery.EventEndpointUpdated}, true},
			{"disable", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Disabled = true })},
				[]string{changed, delivery.EventEndpointUpdated, delivery.EventEndpointDisabled}, true},
			{"enable", endpoint.Change{Op: endpoint.Update, App: app, Before: ptr(with(ep, func(e *webhook.Endpoint) { e.Disabled = true })), After: ep},
				[]string{changed, delivery.EventEndpointUpdated}, true},
			{"delivery options", endpoint.Change{Op: endpoint.SetDeliveryOptions, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Delivery.Format = webhook.FormatForm })},
				[]string{changed}, true},
			{"delete", endpoint.Change{Op: endpoint.Delete, App: app, Before: &ep}, []string{changed, delivery.EventEndpointDeleted}, false},
		}
		for _, st := range steps {
			if err := w.Apply(ctx, st.c); err != nil {
				t.Fatalf("Apply(%s): %v", st.name, err)
			}
			told, present := rec.take()
			if !slices.Equal(told, st.told) {
				t.Errorf("Apply(%s) told %v, want %v", st.name, told, st.told)
			}
			for i, p := range present {
				if p != st.present {
					t.Errorf("Apply(%s): endpoint in the store when told (event %d) = %v, want %v: tell after the commit", st.name, i, p, st.present)
				}
			}
		}
	})
}

func TestApplyRefusesAndTellsNothing(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "acme", CreatedAt: now, UpdatedAt: now}
		if err := s.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{s: s}
		w, _ := endpoint.New(s, rec)
		ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, UID: "hook", URL: "https://example.com/a",
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
		if err := w.Apply(ctx, endpoint.Change{Op: endpoint.Create, App: app, After: ep}); err != nil {
			t.Fatal(err)
		}
		rec.take()
		many := map[string]string{}
		for i := range webhook.MaxHeaders + 1 {
			many[fmt.Sprintf("X-H%d", i)] = "v"
		}
		other := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now.Add(time.Millisecond)), AppID: app.ID, UID: "hook", URL: "https://example.com/b",
			Secret: ep.Secret, CreatedAt: now, UpdatedAt: now}
		for _, tc := range []struct {
			name  string
			c     endpoint.Change
			field string
			want  error
		}{
			{"too many headers on create", endpoint.Change{Op: endpoint.Create, App: app, After: with(other, func(e *webhook.Endpoint) { e.UID = ""; e.Headers = many })}, "headers", nil},
			{"bad URL on update", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.URL = "ftp://example.com" })}, "url", nil},
			{"rate limit 0", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.RateLimit = ptr(0) })}, "rateLimit", nil},
			{"bad channel", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Channels = []string{"a:b"} })}, "channels", nil},
			{"too many channels", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) {
				e.Channels = strings.Split("a b c d e f g h i j k", " ")
			})}, "channels", nil},
			{"bad header", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Headers = map[string]string{"Host": "x"} })}, "headers", nil},
			{"version too high", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Version = webhook.MaxVersion + 1 })}, "version", nil},
			{"unknown filter type", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.FilterTypes = []string{"user.created"} })}, "filterTypes", nil},
			{"repeated header", endpoint.Change{Op: endpoint.Update, App: app, Before: &ep, After: with(ep, func(e *webhook.Endpoint) { e.Headers = map[string]string{"X-A": "1", "x-a": "2"} })}, "headers", nil},
			{"UID taken", endpoint.Change{Op: endpoint.Create, App: app, After: other}, "", store.ErrConflict},
			{"update not read", endpoint.Change{Op: endpoint.Update, App: app, After: ep}, "", nil},
			{"another app's endpoint", endpoint.Change{Op: endpoint.Create, App: webhook.App{ID: "app_other"}, After: other}, "", nil},
		} {
			err := w.Apply(ctx, tc.c)
			var invalid *endpoint.InvalidError
			switch {
			case err == nil:
				t.Errorf("Apply(%s) = nil, want a refusal", tc.name)
			case tc.field != "" && (!errors.As(err, &invalid) || invalid.Field != tc.field):
				t.Errorf("Apply(%s) = %v, want an InvalidError at %s", tc.name, err, tc.field)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("Apply(%s) = %v, want %v", tc.name, err, tc.want)
			}
			if told, _ := rec.take(); len(told) != 0 {
				t.Errorf("Apply(%s) refused but told %v", tc.name, told)
			}
		}
		got, err := s.EndpointGet(ctx, app.ID, ep.ID)
		if err != nil || got.URL != ep.URL {
			t.Errorf("endpoint after refusals: %v, %v; want it unchanged (URL %s)", got.URL, err, ep.URL)
		}
	})
}

func with(ep webhook.Endpoint, fn func(*webhook.Endpoint)) webhook.Endpoint {
	fn(&ep)
	return ep
}

func ptr[T any](v T) *T { return &v }

// A disable says who did it: the API's words by default, the caller's
// (the dashboard) when given.
func TestDisabledReason(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		app := webhook.App{ID: webhook.NewID(webhook.PrefixApp, now), Name: "acme", CreatedAt: now, UpdatedAt: now}
		if err := s.AppCreate(ctx, store.AppCreateParams{App: app}); err != nil {
			t.Fatal(err)
		}
		rec := &recorder{s: s}
		w, _ := endpoint.New(s, rec)
		ep := webhook.Endpoint{ID: webhook.NewID(webhook.PrefixEndpoint, now), AppID: app.ID, URL: "https://example.com/a",
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: now, UpdatedAt: now}
		off := with(ep, func(e *webhook.Endpoint) { e.Disabled = true })
		for _, c := range []endpoint.Change{
			{Op: endpoint.Create, App: app, After: ep},
			{Op: endpoint.Update, App: app, Before: &ep, After: off},
			{Op: endpoint.Update, App: app, Before: &off, After: ep},
			{Op: endpoint.Update, App: app, Before: &ep, After: off, DisabledReason: "disabled in the portal"},
		} {
			if err := w.Apply(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		var reasons []string
		for _, ev := range rec.events {
			if ev.Type == delivery.EventEndpointDisabled {
				reasons = append(reasons, ev.Trigger+": "+ev.Reason)
			}
		}
		want := []string{"manual: disabled through the API", "manual: disabled in the portal"}
		if !slices.Equal(reasons, want) {
			t.Errorf("endpoint.disabled reasons %q, want %q", reasons, want)
		}
	})
}
