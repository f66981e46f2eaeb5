package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	svix "github.com/svix/svix-webhooks/go"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// endpointFixture is a core fixture with two apps and some event types.
func endpointFixture(t *testing.T) (f *coreFixture, appID, otherID string) {
	f = newCoreFixture(t)
	appID = f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)["id"].(string)
	otherID = f.must(201, "POST", "/api/v1/app", `{"name":"Other","uid":"other"}`)["id"].(string)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"user.created","description":""}`)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"invoice.paid","description":"","schemas":`+invoiceSchemas+`}`)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"old.thing","description":""}`)
	f.must(204, "DELETE", "/api/v1/event-type/old.thing", "")
	return f, appID, otherID
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	f, appID, otherID := endpointFixture(t)
	base := "/api/v1/app/acme/endpoint"
	portal := f.token(appID)
	otherPortal := f.token(otherID)
	eleven := `["a","b","c","d","e","f","g","h","i","j","k"]`

	var epID string
	f.run([]scenario{
		{name: "no token", token: noToken, method: "GET", path: base, want: 401},
		{name: "other app's portal token", token: otherPortal, method: "GET", path: base, want: 404},
		{name: "other app's portal token creates", token: otherPortal, method: "POST", path: base, body: `{"url":"https://example.com"}`, want: 404},

		{name: "create minimal", method: "POST", path: base, body: `{"url":"https://example.com/hook"}`, want: 201,
			fields: map[string]any{"url": "https://example.com/hook", "version": 1, "description": "", "disabled": false, "metadata": map[string]string{},
				"uid": absent, "rateLimit": absent, "filterTypes": absent, "channels": absent},
			check: func(t *testing.T, b []byte) {
				var out svix.EndpointOut
				sdkDecode(t, b, &out)
				epID = out.Id
				if !strings.HasPrefix(epID, "ep_") {
					t.Errorf("endpoint id %q lacks ep_", epID)
				}
			}},
		{name: "create full, as the portal", token: portal, method: "POST", path: base,
			body: `{"url":"http://example.com/b","uid":"ep-b","description":"B","version":2,"disabled":true,"rateLimit":5,
				"filterTypes":["user.created","user.created","invoice.paid"],"channels":["c.1","c.1","c2"],"metadata":{"k":"v"},"secret":"` + testSecret + `"}`,
			want: 201, fields: map[string]any{"uid": "ep-b", "version": 2, "disabled": true, "rateLimit": 5,
				"filterTypes": []string{"user.created", "invoice.paid"}, "channels": []string{"c.1", "c2"}, "metadata": map[string]string{"k": "v"}},
			check: func(t *testing.T, b []byte) { var out svix.EndpointOut; sdkDecode(t, b, &out) }},
		{name: "secret without prefix", method: "POST", path: base, body: `{"url":"https://example.com/c","uid":"ep-c","secret":"` + strings.TrimPrefix(testSecret, "whsec_") + `"}`, want: 201},
		{name: "secret served with prefix", method: "GET", path: base + "/ep-c/secret", want: 200, fields: map[string]any{"key": testSecret}},
		{name: "uid conflict", method: "POST", path: base, body: `{"url":"https://example.com","uid":"ep-b"}`, want: 409},

		{name: "url required", method: "POST", path: base, body: `{}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "url scheme", method: "POST", path: base, body: `{"url":"ftp://example.com"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "url not a url", method: "POST", path: base, body: `{"url":"not a url"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "bad uid", method: "POST", path: base, body: `{"url":"https://e.com","uid":"a/b"}`, want: 422, errLoc: []string{"body", "uid"}},
		{name: "rateLimit 0", method: "POST", path: base, body: `{"url":"https://e.com","rateLimit":0}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "rateLimit over uint16", method: "POST", path: base, body: `{"url":"https://e.com","rateLimit":70000}`, want: 422, errLoc: []string{"body", "rateLimit"}},
		{name: "version 0", method: "POST", path: base, body: `{"url":"https://e.com","version":0}`, want: 422, errLoc: []string{"body", "version"}},
		{name: "filterTypes empty", method: "POST", path: base, body: `{"url":"https://e.com","filterTypes":[]}`, want: 422, errLoc: []string{"body", "filterTypes"}},
		{name: "filterTypes unknown", method: "POST", path: base, body: `{"url":"https://e.com","filterTypes":["no.such"]}`, want: 422, errLoc: []string{"body", "filterTypes"}},
		{name: "filterTypes archived", method: "POST", path: base, body: `{"url":"https://e.com","filterTypes":["old.thing"]}`, want: 422, errLoc: []string{"body", "filterTypes"}},
		{name: "filterTypes bad name", method: "POST", path: base, body: `{"url":"https://e.com","filterTypes":["a b"]}`, want: 422, errLoc: []string{"body", "filterTypes", "0"}},
		{name: "channels empty", method: "POST", path: base, body: `{"url":"https://e.com","channels":[]}`, want: 422, errLoc: []string{"body", "channels"}},
		{name: "channels eleven", method: "POST", path: base, body: `{"url":"https://e.com","channels":` + eleven + `}`, want: 422, errLoc: []string{"body", "channels"}},
		{name: "channel bad", method: "POST", path: base, body: `{"url":"https://e.com","channels":["ok","no spaces"]}`, want: 422, errLoc: []string{"body", "channels", "1"}},
		{name: "secret short", method: "POST", path: base, body: `{"url":"https://e.com","secret":"whsec_abc"}`, want: 422, errLoc: []string{"body", "secret"}},
		{name: "secret bad characters", method: "POST", path: base, body: `{"url":"https://e.com","secret":"whsec_` + strings.Repeat("-", 32) + `"}`, want: 422, errLoc: []string{"body", "secret"}},
		{name: "every problem at once", method: "POST", path: base, body: `{"url":"x","uid":"#","rateLimit":0,"filterTypes":[],"channels":[],"secret":"s"}`, want: 422,
			check: func(t *testing.T, b []byte) {
				want := []string{"body.url", "body.uid", "body.rateLimit", "body.filterTypes", "body.channels", "body.secret"}
				if got := errLocs(t, b); !slices.Equal(got, want) {
					t.Errorf("problems at %v, want %v", got, want)
				}
			}},
		{name: "too large", method: "POST", path: base, body: `{"url":"https://e.com/` + strings.Repeat("x", coreTestMaxBody) + `"}`, want: 413},
		{name: "missing app", method: "POST", path: "/api/v1/app/nope/endpoint", body: `{"url":"https://e.com"}`, want: 404},
	})
	// Nothing refused was created.
	list := f.must(200, "GET", base, "")
	if n := len(list["data"].([]any)); n != 3 {
		t.Fatalf("after refused creates, %d endpoints, want 3", n)
	}
	changed := f.engine.changedCount()
	if changed != 3 {
		t.Errorf("EndpointsChanged called %d times after 3 creates, want 3", changed)
	}

	f.run([]scenario{
		{name: "get by uid", method: "GET", path: base + "/ep-b", want: 200, fields: map[string]any{"uid": "ep-b"}},
		{name: "get as portal", token: portal, method: "GET", path: base + "/" + epID, want: 200},
		{name: "get missing", method: "GET", path: base + "/ep_nope", want: 404},
		{name: "other app's endpoint", method: "GET", path: "/api/v1/app/other/endpoint/" + epID, want: 404},

		{name: "put replaces", method: "PUT", path: base + "/ep-b", body: `{"url":"https://example.com/b2","uid":"ep-b"}`, want: 200,
			fields: map[string]any{"url": "https://example.com/b2", "uid": "ep-b", "rateLimit": absent, "filterTypes": absent, "channels": absent,
				"disabled": false, "version": 1, "metadata": map[string]string{}}},
		{name: "put kept the secret", method: "GET", path: base + "/ep-b/secret", want: 200, fields: map[string]any{"key": testSecret}},
		{name: "put creates", method: "PUT", path: base + "/ep-new", body: `{"url":"https://example.com/new","uid":"ep-new"}`, want: 201, fields: map[string]any{"uid": "ep-new"}},
		{name: "put invalid", method: "PUT", path: base + "/ep-b", body: `{"url":"https://e.com","channels":[]}`, want: 422},
		{name: "put uid conflict", method: "PUT", path: base + "/ep-b", body: `{"url":"https://e.com","uid":"ep-c"}`, want: 409},

		{name: "patch sets", method: "PATCH", path: base + "/ep-b", body: `{"rateLimit":7,"filterTypes":["user.created"],"channels":["x"],"description":"d"}`, want: 200,
			fields: map[string]any{"rateLimit": 7, "filterTypes": []string{"user.created"}, "channels": []string{"x"}, "description": "d", "url": "https://example.com/b2"}},
		{name: "patch null clears", method: "PATCH", path: base + "/ep-b", body: `{"uid":null,"rateLimit":null,"filterTypes":null,"channels":null}`, want: 200,
			fields: map[string]any{"uid": absent, "rateLimit": absent, "filterTypes": absent, "channels": absent, "description": "d"}},
		{name: "patch null url", method: "PATCH", path: base + "/" + epID, body: `{"url":null}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "patch bad filterTypes", method: "PATCH", path: base + "/" + epID, body: `{"filterTypes":["no.such"],"channels":[]}`, want: 422,
			check: func(t *testing.T, b []byte) {
				if got := errLocs(t, b); !slices.Equal(got, []string{"body.filterTypes", "body.channels"}) {
					t.Errorf("problems at %v", got)
				}
			}},
		{name: "patch secret rotates", method: "PATCH", path: base + "/" + epID, body: `{"secret":"` + testSecret + `"}`, want: 200},
		{name: "patched secret", method: "GET", path: base + "/" + epID + "/secret", want: 200, fields: map[string]any{"key": testSecret}},
	})

	f.run([]scenario{
		{name: "delete", method: "DELETE", path: base + "/ep-new", want: 204},
		{name: "deleted", method: "GET", path: base + "/ep-new", want: 404},
		{name: "delete as other portal", token: otherPortal, method: "DELETE", path: base + "/" + epID, want: 404},
	})
	if got := f.engine.changedCount(); got != changed+6 {
		t.Errorf("EndpointsChanged calls after 2 puts, 3 patches and a delete = %d, want %d", got-changed, 6)
	}
}

func TestEndpointListAndIdempotency(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	base := "/api/v1/app/acme/endpoint"
	body := `{"url":"https://example.com/1"}`
	first := f.do("", "POST", base, body, "Idempotency-Key", "k")
	second := f.do("", "POST", base, body, "Idempotency-Key", "k")
	if first.Code != 201 || second.Body.String() != first.Body.String() {
		t.Fatalf("create twice with one key = %d %s, %d %s", first.Code, first.Body, second.Code, second.Body)
	}
	var ids []string
	ids = append(ids, decodeMap(t, first.Body.Bytes())["id"].(string))
	for i := 2; i <= 3; i++ {
		ids = append(ids, f.must(201, "POST", base, fmt.Sprintf(`{"url":"https://example.com/%d"}`, i))["id"].(string))
	}
	rec := f.do("", "GET", base, "")
	var page svix.ListResponseEndpointOut
	sdkDecode(t, rec.Body.Bytes(), &page)
	var got []string
	for _, ep := range page.Data {
		got = append(got, ep.Id)
	}
	// Svix lists endpoints newest first; the replay created nothing.
	if want := []string{ids[2], ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("endpoint list = %v, want %v", got, want)
	}
}

func TestEndpointHeaders(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	ep := "/api/v1/app/acme/endpoint/" + f.must(201, "POST", "/api/v1/app/acme/endpoint", `{"url":"https://e.com"}`)["id"].(string)
	f.run([]scenario{
		{name: "none", method: "GET", path: ep + "/headers", want: 200, fields: map[string]any{"headers": map[string]string{}, "sensitive": []string{}},
			check: func(t *testing.T, b []byte) { var out svix.EndpointHeadersOut; sdkDecode(t, b, &out) }},
		{name: "put", method: "PUT", path: ep + "/headers", body: `{"headers":{"X-A":"1","Authorization":"Bearer s3cret","X-B":"2"}}`, want: 204},
		{name: "sensitive hidden", method: "GET", path: ep + "/headers", want: 200,
			fields: map[string]any{"headers": map[string]string{"X-A": "1", "X-B": "2"}, "sensitive": []string{"Authorization"}},
			check: func(t *testing.T, b []byte) {
				if strings.Contains(string(b), "s3cret") {
					t.Errorf("GET headers shows a sensitive value: %s", b)
				}
			}},
		{name: "CRLF", method: "PUT", path: ep + "/headers", body: `{"headers":{"X-A":"1\r\nX-Evil: 1"}}`, want: 422, errLoc: []string{"body", "headers", "X-A"}},
		{name: "reserved webhook-id", method: "PUT", path: ep + "/headers", body: `{"headers":{"webhook-id":"x"}}`, want: 422, errLoc: []string{"body", "headers", "webhook-id"}},
		{name: "reserved svix-signature", method: "PATCH", path: ep + "/headers", body: `{"headers":{"Svix-Signature":"x"}}`, want: 422},
		{name: "reserved host", method: "PUT", path: ep + "/headers", body: `{"headers":{"Host":"evil"}}`, want: 422},
		{name: "bad name", method: "PUT", path: ep + "/headers", body: `{"headers":{"X A":"1"}}`, want: 422},
		{name: "case duplicate", method: "PUT", path: ep + "/headers", body: `{"headers":{"X-A":"1","x-a":"2"}}`, want: 422},
		{name: "headers required", method: "PUT", path: ep + "/headers", body: `{}`, want: 422, errLoc: []string{"body", "headers"}},
		{name: "unchanged after refusals", method: "GET", path: ep + "/headers", want: 200, fields: map[string]any{"headers": map[string]string{"X-A": "1", "X-B": "2"}}},
		{name: "patch merges and removes", method: "PATCH", path: ep + "/headers", body: `{"headers":{"x-a":"9","X-B":null,"X-C":"3"}}`, want: 204},
		{name: "merged", method: "GET", path: ep + "/headers", want: 200,
			fields: map[string]any{"headers": map[string]string{"x-a": "9", "X-C": "3"}, "sensitive": []string{"Authorization"}}},
		{name: "put replaces", method: "PUT", path: ep + "/headers", body: `{"headers":{"X-D":"4"}}`, want: 204},
		{name: "replaced", method: "GET", path: ep + "/headers", want: 200, fields: map[string]any{"headers": map[string]string{"X-D": "4"}, "sensitive": []string{}}},
		{name: "missing endpoint", method: "GET", path: "/api/v1/app/acme/endpoint/ep_x/headers", want: 404},
	})
}

func TestEndpointSecret(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	ep := "/api/v1/app/acme/endpoint/" + f.must(201, "POST", "/api/v1/app/acme/endpoint", `{"url":"https://e.com"}`)["id"].(string)
	first := f.must(200, "GET", ep+"/secret", "")["key"].(string)
	if !strings.HasPrefix(first, "whsec_") {
		t.Fatalf("generated secret %q lacks whsec_", first)
	}
	f.run([]scenario{
		{name: "sdk shape", method: "GET", path: ep + "/secret", want: 200, check: func(t *testing.T, b []byte) { var out svix.EndpointSecretOut; sdkDecode(t, b, &out) }},
		{name: "rotate to a key", method: "POST", path: ep + "/secret/rotate", body: `{"key":"` + testSecret + `"}`, want: 204},
		{name: "rotated", method: "GET", path: ep + "/secret", want: 200, fields: map[string]any{"key": testSecret}},
		{name: "rotate generates", method: "POST", path: ep + "/secret/rotate", body: `{}`, want: 204},
		{name: "rotate with no body", method: "POST", path: ep + "/secret/rotate", want: 204},
		{name: "rotate bad key", method: "POST", path: ep + "/secret/rotate", body: `{"key":"short"}`, want: 422, errLoc: []string{"body", "key"}},
	})
	app, _ := f.store.AppGet(f.ctx, "acme")
	stored, err := f.store.EndpointGet(f.ctx, app.ID, strings.TrimPrefix(ep, "/api/v1/app/acme/endpoint/"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.OldSecrets) != 3 || stored.OldSecrets[0].Key == stored.Secret {
		t.Errorf("after 3 rotations OldSecrets = %+v, want 3 keys other than the current", stored.OldSecrets)
	}
	for _, old := range stored.OldSecrets {
		if d := old.ExpiresAt.Sub(stored.UpdatedAt); d < 23*3600e9 || d > 24*3600e9 {
			t.Errorf("old secret expires %v after the rotation, want 24h", d)
		}
	}
	// Svix allows 10 live old secrets.
	for i := 0; i < 7; i++ {
		f.must(204, "POST", ep+"/secret/rotate", `{}`)
	}
	f.run([]scenario{{name: "limit", method: "POST", path: ep + "/secret/rotate", body: `{}`, want: 400, fields: map[string]any{"code": "limit_reached"}}})
}

func TestEndpointActions(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	f.must(201, "POST", "/api/v1/event-type", `{"name":"no.example","description":"","schemas":{"1":{"type":"object"}}}`)
	epID := f.must(201, "POST", "/api/v1/app/acme/endpoint", `{"url":"https://e.com","uid":"ep"}`)["id"].(string)
	ep := "/api/v1/app/acme/endpoint/ep"
	now := f.clock.UTC()
	f.run([]scenario{
		{name: "stats", method: "GET", path: ep + "/stats", want: 200, fields: map[string]any{"success": 0, "pending": 0, "sending": 0, "fail": 0},
			check: func(t *testing.T, b []byte) { var out svix.EndpointStats; sdkDecode(t, b, &out) }},
		{name: "stats until in the future", method: "GET", path: ep + "/stats?until=" + now.Add(48*3600e9).Format("2006-01-02T15:04:05Z"), want: 400, fields: map[string]any{"code": "invalid_range"}},
		{name: "stats range too long", method: "GET", path: ep + "/stats?since=" + now.Add(-40*24*3600e9).Format("2006-01-02T15:04:05Z"), want: 400},
		{name: "stats bad time", method: "GET", path: ep + "/stats?since=yesterday", want: 422, errLoc: []string{"query", "since"}},

		{name: "recover", method: "POST", path: ep + "/recover", body: `{"since":"` + now.Add(-3600e9).Format("2006-01-02T15:04:05Z") + `"}`, want: 202,
			fields: map[string]any{"status": "running", "task": "endpoint.recover"},
			check: func(t *testing.T, b []byte) {
				var out svix.RecoverOut
				sdkDecode(t, b, &out)
				if !strings.HasPrefix(out.Id, "qtask_") {
					t.Errorf("recover task id %q", out.Id)
				}
			}},
		{name: "recover since required", method: "POST", path: ep + "/recover", body: `{}`, want: 422, errLoc: []string{"body", "since"}},
		{name: "recover bad until", method: "POST", path: ep + "/recover", body: `{"since":"2026-03-01T00:00:00Z","until":"soon"}`, want: 422, errLoc: []string{"body", "until"}},
		{name: "recover too far back", method: "POST", path: ep + "/recover", body: `{"since":"2026-01-01T00:00:00Z"}`, want: 422, errLoc: []string{"body", "since"}},
		{name: "recover missing endpoint", method: "POST", path: "/api/v1/app/acme/endpoint/ep_x/recover", body: `{"since":"2026-03-01T00:00:00Z"}`, want: 404},

		{name: "send ping", method: "POST", path: ep + "/send-example", body: `{"eventType":"svix.ping"}`, want: 200,
			fields: map[string]any{"eventType": "svix.ping", "payload": map[string]any{"success": true}, "channels": absent, "eventId": absent},
			check:  func(t *testing.T, b []byte) { var out svix.MessageOut; sdkDecode(t, b, &out) }},
		{name: "send schema example", method: "POST", path: ep + "/send-example", body: `{"eventType":"invoice.paid"}`, want: 200,
			fields: map[string]any{"payload": map[string]any{"invoiceId": "in_1"}}},
		{name: "send chosen example", method: "POST", path: ep + "/send-example", body: `{"eventType":"invoice.paid","exampleIndex":1}`, want: 200,
			fields: map[string]any{"payload": map[string]any{"invoiceId": "in_2"}}},
		{name: "no example", method: "POST", path: ep + "/send-example", body: `{"eventType":"no.example"}`, want: 400, fields: map[string]any{"code": "invalid_scheme"}},
		{name: "index past the examples", method: "POST", path: ep + "/send-example", body: `{"eventType":"invoice.paid","exampleIndex":5}`, want: 400},
		{name: "unknown event type", method: "POST", path: ep + "/send-example", body: `{"eventType":"no.such"}`, want: 404},
		{name: "eventType required", method: "POST", path: ep + "/send-example", body: `{}`, want: 422, errLoc: []string{"body", "eventType"}},
	})
	f.engine.mu.Lock()
	defer f.engine.mu.Unlock()
	if len(f.engine.recovers) != 1 || f.engine.recovers[0].EndpointID != epID {
		t.Errorf("engine Recover calls = %+v, want one for %s", f.engine.recovers, epID)
	}
	if len(f.engine.published) != 3 {
		t.Fatalf("published %d examples, want 3", len(f.engine.published))
	}
	for _, p := range f.engine.published {
		if p.OnlyEndpoint != epID {
			t.Errorf("send-example published with OnlyEndpoint %q, want %q", p.OnlyEndpoint, epID)
		}
		var v map[string]any
		if err := json.Unmarshal(p.Message.Payload, &v); err != nil {
			t.Errorf("published payload %s: %v", p.Message.Payload, err)
		}
	}
}
