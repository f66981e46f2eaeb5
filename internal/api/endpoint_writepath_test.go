package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
)

// TestEveryEndpointMutationTellsTheEngine classifies every route that
// writes under an endpoint: a change must reach the engine (the routing
// index reloads the app, the operational events report it) after it is
// committed; an action that changes no endpoint is listed as such. A new
// route in neither list fails here, so it cannot forget.
func TestEveryEndpointMutationTellsTheEngine(t *testing.T) {
	const ep = "/api/v1/app/{app_id}/endpoint/{endpoint_id}"
	upd := []string{delivery.EventEndpointUpdated}
	mutations := map[string]struct {
		body   string
		events []string // the operational events, in order
	}{
		"POST /api/v1/app/{app_id}/endpoint": {`{"url":"https://example.com/new"}`, []string{delivery.EventEndpointCreated}},
		"PUT " + ep:                          {`{"url":"https://example.com/put"}`, upd},
		"PATCH " + ep:                        {`{"disabled":true}`, []string{delivery.EventEndpointUpdated, delivery.EventEndpointDisabled}},
		"DELETE " + ep:                       {``, []string{delivery.EventEndpointDeleted}},
		"PUT " + ep + "/headers":             {`{"headers":{"X-Tenant":"acme"}}`, upd},
		"PATCH " + ep + "/headers":           {`{"headers":{"X-Tenant":"globex"}}`, upd},
		"POST " + ep + "/secret/rotate":      {``, upd},
		// Delivery options are how an endpoint is sent to: the routing
		// index reloads them, and no endpoint.updated is published.
		"PUT " + ep + "/delivery-options":   {`{"format":"form"}`, nil},
		"PATCH " + ep + "/delivery-options": {`{"retries":2}`, nil},
	}
	notChanges := []string{
		"POST " + ep + "/recover",
		"POST " + ep + "/replay-missing",
		"POST " + ep + "/send-example",
		"POST " + ep + "/ping",
		"POST " + ep + "/delivery-options/preview",
		"POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend",
	}
	_, patterns := routeTable(t)
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		if method == http.MethodGet || !strings.Contains(path, "/endpoint") {
			continue
		}
		if _, ok := mutations[p]; !ok && !slices.Contains(notChanges, p) {
			t.Errorf("route %q writes under an endpoint but is in neither list of this test: classify it", p)
		}
	}

	for pattern, tc := range mutations {
		t.Run(pattern, func(t *testing.T) {
			f := newCoreFixture(t)
			app := f.must(http.StatusCreated, "POST", "/api/v1/app", `{"name":"acme"}`)["id"].(string)
			epID := f.must(http.StatusCreated, "POST", "/api/v1/app/"+app+"/endpoint", `{"url":"https://example.com/old"}`)["id"].(string)
			before, err := f.store.EndpointGet(f.ctx, app, epID)
			if err != nil {
				t.Fatal(err)
			}
			changed, events := f.engine.changedCount(), len(f.engine.endpointEvents())

			method, path, _ := strings.Cut(pattern, " ")
			path = strings.NewReplacer("{app_id}", app, "{endpoint_id}", epID).Replace(path)
			if rec := f.do("", method, path, tc.body); rec.Code/100 != 2 {
				t.Fatalf("%s %s %s = %d %s, want a success", method, path, tc.body, rec.Code, rec.Body)
			}
			if got := f.engine.changedCount() - changed; got != 1 {
				t.Errorf("%s: EndpointsChanged called %d times, want once", pattern, got)
			}
			var got []string
			for _, ev := range f.engine.endpointEvents()[events:] {
				got = append(got, ev.Type)
				if ev.AppID != app {
					t.Errorf("%s: event %s for app %q, want %q", pattern, ev.Type, ev.AppID, app)
				}
			}
			if !slices.Equal(got, tc.events) {
				t.Errorf("%s: operational events %v, want %v", pattern, got, tc.events)
			}
			// Told after the commit: the store holds the change.
			after, err := f.store.EndpointGet(f.ctx, app, epID)
			switch {
			case method == http.MethodDelete:
				if !errors.Is(err, store.ErrNotFound) {
					t.Errorf("%s: EndpointGet after = %v, want ErrNotFound", pattern, err)
				}
			case method == http.MethodPost && !strings.Contains(pattern, "{endpoint_id}"):
				// a new endpoint: the old one is untouched
			case err != nil:
				t.Errorf("%s: EndpointGet after: %v", pattern, err)
			case !after.UpdatedAt.After(before.UpdatedAt):
				t.Errorf("%s: endpoint updated at %v, not after %v: the change was not stored", pattern, after.UpdatedAt, before.UpdatedAt)
			}
		})
	}
}

// A change refused (a 422, a 409) tells the engine nothing.
func TestRefusedEndpointChangesTellTheEngineNothing(t *testing.T) {
	f := newCoreFixture(t)
	app := f.must(http.StatusCreated, "POST", "/api/v1/app", `{"name":"acme"}`)["id"].(string)
	f.must(http.StatusCreated, "POST", "/api/v1/app/"+app+"/endpoint", `{"url":"https://example.com/a","uid":"taken"}`)
	epID := f.must(http.StatusCreated, "POST", "/api/v1/app/"+app+"/endpoint", `{"url":"https://example.com/b"}`)["id"].(string)
	changed, events := f.engine.changedCount(), len(f.engine.endpointEvents())
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/app/" + app + "/endpoint", `{"url":"https://example.com/c","uid":"taken"}`},
		{"PATCH", "/api/v1/app/" + app + "/endpoint/" + epID, `{"uid":"taken"}`},
		{"PATCH", "/api/v1/app/" + app + "/endpoint/" + epID, `{"url":"ftp://example.com"}`},
		{"PUT", "/api/v1/app/" + app + "/endpoint/" + epID + "/headers", `{"headers":{"Host":"x"}}`},
	} {
		if rec := f.do("", c.method, c.path, c.body); rec.Code/100 == 2 {
			t.Errorf("%s %s %s = %d, want a refusal", c.method, c.path, c.body, rec.Code)
		}
	}
	if got := f.engine.changedCount() - changed; got != 0 {
		t.Errorf("refused changes called EndpointsChanged %d times, want 0", got)
	}
	if got := f.engine.endpointEvents()[events:]; len(got) != 0 {
		t.Errorf("refused changes published %v, want nothing", got)
	}
}
