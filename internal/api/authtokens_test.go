package api

import (
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
