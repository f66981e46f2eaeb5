package api

import "testing"

// The behaviour differences with Svix's server found by running clients
// written from its end-to-end tests, each pinned by a test of its own.

// TestUIDWithItsKindsIDPrefixIsRefused: a uid (an eventId, for a message)
// starting with its kind's ID prefix is a 422, as Svix's
// invalid_uid_prefix, on every write that takes one; another kind's
// prefix, or the prefix elsewhere in the uid, is fine.
func TestUIDWithItsKindsIDPrefixIsRefused(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	ep := "/api/v1/app/acme/endpoint"
	f.must(201, "POST", ep, `{"url":"https://example.com","uid":"main"}`)
	f.run([]scenario{
		{name: "app create", method: "POST", path: "/api/v1/app", body: `{"name":"x","uid":"app_1"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "app put", method: "PUT", path: "/api/v1/app/acme", body: `{"name":"x","uid":"app_acme"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "app patch", method: "PATCH", path: "/api/v1/app/acme", body: `{"uid":"app_"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "endpoint create", method: "POST", path: ep, body: `{"url":"https://example.com","uid":"ep_1"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "endpoint put", method: "PUT", path: ep + "/main", body: `{"url":"https://example.com","uid":"ep_main"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "endpoint patch", method: "PATCH", path: ep + "/main", body: `{"uid":"ep_x"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "message eventId", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.created","payload":{},"eventId":"msg_1"}`, want: 422, errLoc: []string{"body", "eventId"}},
		{name: "unchanged", method: "GET", path: ep + "/main", want: 200, fields: map[string]any{"uid": "main"}},

		{name: "another kind's prefix", method: "POST", path: "/api/v1/app", body: `{"name":"x","uid":"ep_1"}`, want: 201, fields: map[string]any{"uid": "ep_1"}},
		{name: "an endpoint uid with app_", method: "POST", path: ep, body: `{"url":"https://example.com","uid":"app_1"}`, want: 201},
		{name: "prefix inside", method: "POST", path: "/api/v1/app", body: `{"name":"x","uid":"my_app_1"}`, want: 201},
		{name: "upper case", method: "POST", path: "/api/v1/app", body: `{"name":"x","uid":"APP_1"}`, want: 201},
		{name: "eventId with another prefix", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.created","payload":{},"eventId":"app_1"}`, want: 202},
	})
}
