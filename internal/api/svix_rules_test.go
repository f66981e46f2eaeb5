package api

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/webhook"
)

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

// TestMalformedIteratorIsA422 walks every list among the GET routes of
// routes.go (a route is a list when it answers {data, iterator, done}):
// an iterator that is not one the list could have returned, with or
// without the "-" of a prevIterator, is a 422 naming query.iterator, as
// in Svix, not an empty or a full page; the list's own iterators work.
func TestMalformedIteratorIsA422(t *testing.T) {
	t.Parallel()
	f := newMsgFixture(t)
	ep := f.endpoint("main", nil)
	if rec := f.do("POST", "/api/v1/event-type", `{"name":"user.created","description":"d"}`); rec.Code != 201 {
		t.Fatalf("create event type = %d %s", rec.Code, rec.Body)
	}
	msgID := f.send(`{"eventType":"user.created","payload":{}}`)
	at := f.attempt(msgID, ep, 200, "ok", webhook.TriggerScheduled)
	if rec := f.do("POST", "/api/v1/inspector/bin", `{}`); rec.Code != 201 {
		t.Fatalf("create bin = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", "/api/v1/source", `{"name":"s","verify":{"scheme":"none"}}`); rec.Code != 201 {
		t.Fatalf("create source = %d %s", rec.Code, rec.Body)
	}
	fill := strings.NewReplacer("{app_id}", f.app.ID, "{endpoint_id}", ep.ID, "{msg_id}", msgID,
		"{attempt_id}", at.ID, "{event_type_name}", "user.created")

	_, patterns := routeTable(t)
	lists := 0
	for _, p := range patterns {
		path, ok := strings.CutPrefix(p, "GET ")
		if !ok {
			continue
		}
		path = fill.Replace(path)
		rec := f.do("GET", path, "")
		var page struct {
			Data     []json.RawMessage `json:"data"`
			Iterator *string           `json:"iterator"`
			Done     *bool             `json:"done"`
		}
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil || page.Done == nil {
			continue // not a list
		}
		lists++
		if page.Iterator == nil {
			t.Errorf("GET %s: a list with %d items has no iterator", path, len(page.Data))
			continue
		}
		it := *page.Iterator
		for _, good := range []string{it, "-" + it} {
			if rec := f.do("GET", path+"?iterator="+url.QueryEscape(good), ""); rec.Code != 200 {
				t.Errorf("GET %s?iterator=%s = %d %s, want 200", path, good, rec.Code, rec.Body)
			}
		}
		bad := []string{"BAD-$$$ITERATOR", "-BAD-$$$ITERATOR", "has space", "-"}
		if _, isID := webhook.IDTime(it); isID {
			other := msgID
			if strings.HasPrefix(it, string(webhook.PrefixMessage)) {
				other = ep.ID
			}
			bad = append(bad, "--"+it, it[:len(it)-1], it+"0", other, "-"+other, strings.TrimPrefix(it, it[:strings.IndexByte(it, '_')+1]))
		} else {
			bad = append(bad, strings.Repeat("a", 257))
		}
		for _, b := range bad {
			rec := f.do("GET", path+"?iterator="+url.QueryEscape(b), "")
			if rec.Code != 422 || !hasErrLoc(decodeMap(t, rec.Body.Bytes()), []string{"query", "iterator"}) {
				t.Errorf("GET %s?iterator=%s = %d %s, want 422 at query.iterator", path, b, rec.Code, rec.Body)
			}
		}
	}
	t.Logf("%d lists checked", lists)
	if lists < 9 {
		t.Errorf("found %d lists among the GET routes, want every list (at least 9)", lists)
	}
}

// TestStatsUntilNowIsNotInTheFuture asks for an endpoint's stats with
// until set to the caller's "now", which has more precision than the
// millisecond the API keeps: it is not refused as in the future, because
// the check reads the unrounded clock, as Svix's does; a nanosecond later
// still is.
func TestStatsUntilNowIsNotInTheFuture(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	f.must(201, "POST", "/api/v1/app", `{"name":"Acme","uid":"acme"}`)
	f.must(201, "POST", "/api/v1/app/acme/endpoint", `{"url":"https://example.com","uid":"main"}`)
	now := time.Date(2026, 3, 2, 9, 30, 15, 123_456_789, time.UTC)
	a, err := New(Config{Store: f.store, Engine: f.engine, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	for _, tc := range []struct {
		until time.Time
		want  int
	}{
		{now, 200},
		{now.Add(-time.Nanosecond), 200},
		{now.Truncate(time.Microsecond), 200},
		{now.Add(time.Nanosecond), 400},
		{now.Add(time.Millisecond), 400},
	} {
		path := "/api/v1/app/acme/endpoint/main/stats?until=" + url.QueryEscape(tc.until.Format(time.RFC3339Nano))
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+f.admin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("GET %s at %s = %d %s, want %d", path, now.Format(time.RFC3339Nano), rec.Code, rec.Body, tc.want)
		}
	}
}

// TestNewestFirstListsKeepCreationOrderWithinAMillisecond creates apps,
// endpoints and messages through an API whose clock stands still, so all
// share one millisecond: the newest-first lists (endpoints, messages, an
// endpoint's attempted messages) still list them newest first, and the
// oldest-first app list oldest first, page after page.
func TestNewestFirstListsKeepCreationOrderWithinAMillisecond(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	frozen := time.Date(2026, 3, 2, 9, 30, 15, 0, time.UTC)
	a, err := New(Config{Store: f.store, Engine: f.engine, Now: func() time.Time { return frozen }})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	call := func(method, path, body string) map[string]any {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.admin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 300 {
			t.Fatalf("%s %s = %d %s", method, path, rec.Code, rec.Body)
		}
		return decodeMap(t, rec.Body.Bytes())
	}
	const n = 12
	var apps, eps, msgs []string
	for i := range n {
		apps = append(apps, call("POST", "/api/v1/app", fmt.Sprintf(`{"name":"a%d"}`, i))["id"].(string))
	}
	for i := range n {
		eps = append(eps, call("POST", "/api/v1/app/"+apps[0]+"/endpoint", fmt.Sprintf(`{"url":"https://example.com/%d"}`, i))["id"].(string))
	}
	for range n {
		msgs = append(msgs, call("POST", "/api/v1/app/"+apps[0]+"/msg", `{"eventType":"user.created","payload":{}}`)["id"].(string))
	}
	newestFirst := func(ids []string) []string { out := slices.Clone(ids); slices.Reverse(out); return out }
	// walk reads a whole list five items a page and returns the IDs.
	walk := func(path string) []string {
		var got []string
		it := ""
		for range n {
			page := call("GET", path+"?limit=5"+it, "")
			for _, d := range page["data"].([]any) {
				got = append(got, d.(map[string]any)["id"].(string))
			}
			if page["done"] == true {
				return got
			}
			it = "&iterator=" + page["iterator"].(string)
		}
		t.Fatalf("GET %s did not end", path)
		return nil
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/api/v1/app", apps},
		{"/api/v1/app/" + apps[0] + "/endpoint", newestFirst(eps)},
		{"/api/v1/app/" + apps[0] + "/msg", newestFirst(msgs)},
		{"/api/v1/app/" + apps[0] + "/endpoint/" + eps[0] + "/msg", newestFirst(msgs)},
	} {
		if got := walk(tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("GET %s lists %v, want %v", tc.path, got, tc.want)
		}
	}
}

// TestEndpointURLIsCheckedAndServedAsSvixDoes: an endpoint URL with port
// 99999, or any other the URL Standard refuses, is a 422 at body.url on
// create, replace and patch; an accepted one is stored and answered as
// Svix serializes it.
func TestEndpointURLIsCheckedAndServedAsSvixDoes(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	ep := "/api/v1/app/acme/endpoint"
	f.run([]scenario{
		{name: "port 99999", method: "POST", path: ep, body: `{"url":"https://example.com:99999/hook"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "host ends in a number", method: "POST", path: ep, body: `{"url":"https://example.123/"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "bad IPv4", method: "POST", path: ep, body: `{"url":"http://10.0.0.256/"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "no host", method: "POST", path: ep, body: `{"url":"https:///"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "create", method: "POST", path: ep, body: `{"url":"HTTPS://Example.COM:443","uid":"main"}`, want: 201,
			fields: map[string]any{"url": "https://example.com/"}},
		{name: "read back", method: "GET", path: ep + "/main", want: 200, fields: map[string]any{"url": "https://example.com/"}},
		{name: "patch port 99999", method: "PATCH", path: ep + "/main", body: `{"url":"http://example.com:99999"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "put port 65536", method: "PUT", path: ep + "/main", body: `{"url":"http://example.com:65536"}`, want: 422, errLoc: []string{"body", "url"}},
		{name: "unchanged", method: "GET", path: ep + "/main", want: 200, fields: map[string]any{"url": "https://example.com/"}},
		{name: "patch", method: "PATCH", path: ep + "/main", body: `{"url":"http://Example.com:80/a/../b"}`, want: 200, fields: map[string]any{"url": "http://example.com/b"}},
		{name: "put", method: "PUT", path: ep + "/main", body: `{"url":"http://0x7f.1:8080","uid":"main"}`, want: 200, fields: map[string]any{"url": "http://127.0.0.1:8080/"}},
	})
}

// TestChannelsFollowSvixsPattern: a channel is 1-128 of [a-zA-Z0-9-_.],
// Svix's EventChannel, on messages, endpoints and the channel filter; a
// ':' (which Hookline took before) is refused like any other character.
func TestChannelsFollowSvixsPattern(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	long := strings.Repeat("c", 128)
	f.run([]scenario{
		{name: "message", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.created","payload":{},"channels":["project:1"]}`, want: 422, errLoc: []string{"body", "channels", "0"}},
		{name: "endpoint", method: "POST", path: "/api/v1/app/acme/endpoint", body: `{"url":"https://example.com","channels":["a:b"]}`, want: 422, errLoc: []string{"body", "channels", "0"}},
		{name: "filter", method: "GET", path: "/api/v1/app/acme/msg?channel=a:b", want: 422, errLoc: []string{"query", "channel"}},
		{name: "129", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.created","payload":{},"channels":["` + long + `c"]}`, want: 422, errLoc: []string{"body", "channels", "0"}},
		{name: "128 of every allowed kind", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.created","payload":{},"channels":["` + long + `","aZ09-_."]}`, want: 202},
		{name: "endpoint ok", method: "POST", path: "/api/v1/app/acme/endpoint", body: `{"url":"https://example.com","channels":["project_1.x-y"]}`, want: 201},
	})
}

// TestAnotherAppIsNotFoundForAnAppToken: an app-portal token naming
// another app gets the very answer a missing app gets, a 404, as in
// Svix, so a tenant cannot tell which other apps exist; server-wide
// routes stay a 403. A bad token is a 401 "Invalid token", Svix's words.
func TestAnotherAppIsNotFoundForAnAppToken(t *testing.T) {
	t.Parallel()
	f, appID, otherID := endpointFixture(t)
	portal := f.token(appID)
	for _, path := range []string{"/api/v1/app/" + otherID, "/api/v1/app/other", "/api/v1/app/other/endpoint", "/api/v1/app/other/msg"} {
		missing := strings.Replace(path, otherID, "app_0000000000000000000000000000", 1)
		missing = strings.Replace(missing, "/other", "/nope", 1)
		got, want := f.do(portal, "GET", path, ""), f.do(portal, "GET", missing, "")
		if got.Code != 404 || got.Body.String() != want.Body.String() {
			t.Errorf("GET %s with another app's token = %d %s, want the 404 of a missing app: %d %s", path, got.Code, got.Body, want.Code, want.Body)
		}
	}
	f.run([]scenario{
		{name: "own app", token: portal, method: "GET", path: "/api/v1/app/acme/endpoint", want: 200},
		{name: "another app's endpoint create", token: portal, method: "POST", path: "/api/v1/app/other/endpoint", body: `{"url":"https://example.com"}`, want: 404},
		{name: "app list", token: portal, method: "GET", path: "/api/v1/app", want: 403},
		{name: "bad token", token: "hk_nope", method: "GET", path: "/api/v1/app", want: 401,
			fields: map[string]any{"code": "authentication_failed", "detail": "Invalid token"}},
		{name: "no token", token: noToken, method: "GET", path: "/api/v1/app", want: 401,
			fields: map[string]any{"code": "authentication_failed", "detail": "Invalid token"}},
	})
}

// TestSvixEndToEndCases replays the refusals and answers that Svix's own
// end-to-end tests (server/svix-server/tests/it of svix-webhooks v1.99.1)
// assert, request for request, named after the test each comes from.
func TestSvixEndToEndCases(t *testing.T) {
	t.Parallel()
	f, _, _ := endpointFixture(t)
	ep := "/api/v1/app/acme/endpoint"
	f.must(201, "POST", ep, `{"url":"https://example.com","uid":"main"}`)
	now := f.now() // the fixture's clock, a millisecond a reading
	weeks3 := now.Add(-21 * 24 * time.Hour).Format(time.RFC3339)
	days29 := now.Add(-29 * 24 * time.Hour).Format(time.RFC3339)
	var sc []scenario
	// e2e_endpoint.rs test_endpoint_headers_manipulation.
	for _, bad := range []string{"content-length", "some:thing", "some\\u0000thing", "svix-foo", "x-svix-foo", "x-amzn-foo"} {
		sc = append(sc, scenario{name: "headers_manipulation " + bad, method: "PUT", path: ep + "/main/headers",
			body: `{"headers":{"` + bad + `":"123"}}`, want: 422})
	}
	sc = append(sc, []scenario{
		{name: "headers_manipulation patch on no headers", method: "PATCH", path: ep + "/main/headers", body: `{"headers":{"x-test-3":"4","x-test-2":null}}`, want: 204},
		{name: "headers_manipulation read", method: "GET", path: ep + "/main/headers", want: 200, fields: map[string]any{"headers": map[string]string{"x-test-3": "4"}}},
		{name: "headers_manipulation sensitive", method: "PUT", path: ep + "/main/headers", body: `{"headers":{"x-test-1":"1","authorization":"secret"}}`, want: 204},
		{name: "headers_manipulation redacted", method: "GET", path: ep + "/main/headers", want: 200,
			fields: map[string]any{"headers": map[string]string{"x-test-1": "1"}, "sensitive": []string{"authorization"}}},
		// test_endpoint_filter_events, test_endpoint_filter_channels.
		{name: "filter_events empty", method: "POST", path: ep, body: `{"url":"http://www.example.com","version":1,"filterTypes":[]}`, want: 422},
		{name: "filter_events missing type", method: "POST", path: ep, body: `{"url":"http://www.example.com","version":1,"filterTypes":["et1"]}`, want: 422},
		{name: "filter_channels empty", method: "POST", path: ep, body: `{"url":"http://www.example.com","version":1,"channels":[]}`, want: 422},
		// test_create: the URL comes back serialized, version 1 by default.
		{name: "create", method: "POST", path: ep, body: `{"url":"http://example.com"}`, want: 201,
			fields: map[string]any{"url": "http://example.com/", "version": 1, "disabled": false, "uid": absent, "rateLimit": absent}},
		// test_recovery_should_fail_if_start_time_too_old.
		{name: "recovery too old", method: "POST", path: ep + "/main/recover", body: `{"since":"` + weeks3 + `"}`, want: 422, errLoc: []string{"body", "since"}},
		// test_endpoint_stats.
		{name: "stats 29 days", method: "GET", path: ep + "/main/stats?since=" + url.QueryEscape(days29), want: 400},
		// test_invalid_endpoint_secret.
		{name: "secret too short", method: "POST", path: ep, body: `{"url":"https://example.com","secret":"whsec_bm90LXZhbGlkCg=="}`, want: 422, errLoc: []string{"body", "secret"}},
		// e2e_event_type.rs test_schema.
		{name: "bad schema", method: "POST", path: "/api/v1/event-type", body: `{"name":"bad-schema","description":"I have a bad schema","schemas":{"1":{"readOnly":15}}}`, want: 422},
		// common_test_list (every list): limits and a bad iterator.
		{name: "list limit 251", method: "GET", path: "/api/v1/app?limit=251", want: 422, errLoc: []string{"query", "limit"}},
		{name: "list bad iterator", method: "GET", path: "/api/v1/app?limit=6&iterator=BAD-$$$ITERATOR", want: 422, errLoc: []string{"query", "iterator"}},
		// e2e_application.rs test_get_or_create.
		{name: "get_if_exists creates", method: "POST", path: "/api/v1/app?get_if_exists=true", body: `{"name":"x","uid":"fresh"}`, want: 201},
		{name: "get_if_exists gets", method: "POST", path: "/api/v1/app?get_if_exists=true", body: `{"name":"y","uid":"fresh"}`, want: 200, fields: map[string]any{"name": "x"}},
		{name: "create conflicts", method: "POST", path: "/api/v1/app", body: `{"name":"y","uid":"fresh"}`, want: 409},
		// e2e_message.rs test_message_conflict.
		{name: "message", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.signup","payload":{"test":"value"},"payloadRetentionPeriod":5,"eventId":"test1"}`, want: 202},
		{name: "message conflict", method: "POST", path: "/api/v1/app/acme/msg", body: `{"eventType":"user.signup","payload":{"test":"value"},"payloadRetentionPeriod":5,"eventId":"test1"}`, want: 409},
		// e2e_attempt.rs test_combined_before_after_filtering: times as
		// chrono prints them.
		{name: "combined_before_after", method: "GET", path: "/api/v1/app/acme/attempt/endpoint/main?limit=10&before=" +
			url.QueryEscape(now.Format("2006-01-02 15:04:05.999999999 UTC")) + "&after=" + url.QueryEscape(now.Add(-time.Hour).Format("2006-01-02 15:04:05.999999999 UTC")),
			want: 200, fields: map[string]any{"done": true}},
		// e2e_health.rs.
		{name: "ping", token: noToken, method: "GET", path: "/api/v1/health/ping/", want: 204},
		{name: "ping head", token: noToken, method: "HEAD", path: "/api/v1/health/ping", want: 204},
	}...)
	f.run(sc)
}

// TestLimitZeroIsAnEmptyPage: limit=0 is allowed, as Svix's spec says
// (minimum 0): no items, and done says whether any exist.
func TestLimitZeroIsAnEmptyPage(t *testing.T) {
	t.Parallel()
	f := newCoreFixture(t)
	f.run([]scenario{
		{name: "nothing yet", method: "GET", path: "/api/v1/app?limit=0", want: 200, fields: map[string]any{"data": []any{}, "done": true, "iterator": nil}},
	})
	f.must(201, "POST", "/api/v1/app", `{"name":"Acme"}`)
	f.run([]scenario{
		{name: "something", method: "GET", path: "/api/v1/app?limit=0", want: 200, fields: map[string]any{"data": []any{}, "done": false, "iterator": nil}},
		{name: "negative", method: "GET", path: "/api/v1/app?limit=-1", want: 422, errLoc: []string{"query", "limit"}},
	})
}
