package api

import (
	"encoding/json"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"
)

func TestPortalAccess(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	appID := f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)["id"].(string)
	f.must(201, "POST", "/api/v1/app", `{"name":"Other","uid":"other"}`)
	var portal string
	f.run([]scenario{
		{name: "app-portal-access", method: "POST", path: "/api/v1/auth/app-portal-access/acme", body: `{"expiry":3600,"featureFlags":["beta"]}`, want: 200,
			check: func(t *testing.T, b []byte) {
				var out svix.AppPortalAccessOut
				sdkDecode(t, b, &out)
				portal = out.Token
				if want := "https://hooks.example.com/portal/" + appID + "#key=" + out.Token; out.Url != want {
					t.Errorf("url = %q, want %q", out.Url, want)
				}
			}},
		{name: "expiry too short", method: "POST", path: "/api/v1/auth/app-portal-access/acme", body: `{"expiry":60}`, want: 422, errLoc: []string{"body", "expiry"}},
		{name: "expiry too long", method: "POST", path: "/api/v1/auth/app-portal-access/acme", body: `{"expiry":604801}`, want: 422},
		{name: "empty body", method: "POST", path: "/api/v1/auth/app-portal-access/acme", want: 200},
		{name: "missing app", method: "POST", path: "/api/v1/auth/app-portal-access/nope", body: `{}`, want: 404},
		{name: "dashboard-access", method: "POST", path: "/api/v1/auth/dashboard-access/acme", want: 200,
			check: func(t *testing.T, b []byte) { var out svix.DashboardAccessOut; sdkDecode(t, b, &out) }},
	})
	if !strings.HasPrefix(portal, "hk_") {
		t.Fatalf("portal token %q", portal)
	}
	f.run([]scenario{
		{name: "portal token reads its app", token: portal, method: "GET", path: "/api/v1/app/acme", want: 200},
		{name: "portal token lists its endpoints", token: portal, method: "GET", path: "/api/v1/app/acme/endpoint", want: 200},
		{name: "portal token on another app", token: portal, method: "GET", path: "/api/v1/app/other/endpoint", want: 404},
		{name: "portal token mints tokens", token: portal, method: "POST", path: "/api/v1/auth/app-portal-access/acme", body: `{}`, want: 403},
		{name: "admin cannot log out", method: "POST", path: "/api/v1/auth/logout", want: 400},
		{name: "logout", token: portal, method: "POST", path: "/api/v1/auth/logout", want: 204},
		{name: "logged out", token: portal, method: "GET", path: "/api/v1/app/acme", want: 401},
	})
}

func TestPortalAccessIdempotencyKeepsNoToken(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)
	first := f.do("", "POST", "/api/v1/auth/app-portal-access/acme", `{}`, "Idempotency-Key", "k")
	second := f.do("", "POST", "/api/v1/auth/app-portal-access/acme", `{}`, "Idempotency-Key", "k")
	if first.Code != 200 || second.Code != 200 {
		t.Fatalf("portal access twice = %d, %d", first.Code, second.Code)
	}
	// The token is never stored in plain text for a replay: a repeat gets
	// a token of its own.
	if first.Body.String() == second.Body.String() {
		t.Errorf("repeat replayed the first token")
	}
	if _, err := f.store.IdempotencyGet(f.ctx, "admin:k"); err == nil {
		t.Errorf("an idempotency record holds a token")
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	f.run([]scenario{
		{name: "health", token: noToken, method: "GET", path: "/api/v1/health", want: 204},
		{name: "health/", token: noToken, method: "GET", path: "/api/v1/health/", want: 204},
		{name: "head", token: noToken, method: "HEAD", path: "/api/v1/health", want: 204},
		{name: "ping", token: noToken, method: "GET", path: "/api/v1/health/ping", want: 204},
	})
	if err := f.store.Close(); err != nil {
		t.Fatal(err)
	}
	f.run([]scenario{
		{name: "store closed", token: noToken, method: "GET", path: "/api/v1/health", want: 503, fields: map[string]any{"code": "unavailable"}},
		{name: "ping without a store", token: noToken, method: "GET", path: "/api/v1/health/ping", want: 204},
	})
}

// TestPortalFeatureFlags replays Svix's test_event_type_feature_flags: an app-portal token
// sees an event type with a feature flag only when it was given that flag, in the list and
// by name; an event type without a flag, and the admin, see everything.
func TestPortalFeatureFlags(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"event-type-with-flag","description":"","featureFlag":"foo-feature"}`)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"no-flag-event","description":""}`)
	for _, tc := range []struct {
		flags string
		sees  bool
	}{{`[]`, false}, {`["bar-feature"]`, false}, {`["foo-feature","bar-feature"]`, true}, {`["foo-feature"]`, true}} {
		tok := f.must(200, "POST", "/api/v1/auth/app-portal-access/acme", `{"featureFlags":`+tc.flags+`}`)["token"].(string)
		rec := f.do(tok, "GET", "/api/v1/event-type", "")
		var list struct{ Data []struct{ Name string } }
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		want := 1
		if tc.sees {
			want = 2
		}
		if len(list.Data) != want {
			t.Errorf("featureFlags %s: the list holds %d event types, want %d", tc.flags, len(list.Data), want)
		}
		wantGet := 404
		if tc.sees {
			wantGet = 200
		}
		if rec := f.do(tok, "GET", "/api/v1/event-type/event-type-with-flag", ""); rec.Code != wantGet {
			t.Errorf("featureFlags %s: GET the flagged event type = %d, want %d", tc.flags, rec.Code, wantGet)
		}
		if rec := f.do(tok, "GET", "/api/v1/event-type/no-flag-event", ""); rec.Code != 200 {
			t.Errorf("featureFlags %s: GET the event type without a flag = %d, want 200", tc.flags, rec.Code)
		}
	}
	if rec := f.do("", "GET", "/api/v1/event-type/event-type-with-flag", ""); rec.Code != 200 {
		t.Errorf("admin GET the flagged event type = %d, want 200", rec.Code)
	}
}
