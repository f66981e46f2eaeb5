package api

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/webhook"
)

// TestEndpointHealth reads health rows written through the real SQLite
// store, the way the engine's flush and a ping write them.
func TestEndpointHealth(t *testing.T) {
	t.Parallel()
	f, appID, otherID := endpointFixture(t)
	base := "/api/v1/app/acme"
	never := f.must(201, "POST", base+"/endpoint", `{"url":"https://example.com/never","uid":"never","description":"N","filterTypes":["user.created"]}`)["id"].(string)
	ok := f.must(201, "POST", base+"/endpoint", `{"url":"https://u:p@example.com/ok?token=t","uid":"ok"}`)["id"].(string)
	bad := f.must(201, "POST", base+"/endpoint", `{"url":"https://example.com/bad"}`)["id"].(string)
	off := f.must(201, "POST", base+"/endpoint", `{"url":"https://example.com/off","disabled":true}`)["id"].(string)
	t1 := time.Date(2026, 3, 1, 13, 0, 0, 0, time.UTC)
	t2 := t1.Add(time.Second)
	recs := []webhook.EndpointHealth{
		{AppID: appID, EndpointID: ok, LastAttemptAt: t2, LastSuccessAt: t2, LastFailureAt: t1, LastStatusCode: 204},
		{AppID: appID, EndpointID: bad, LastAttemptAt: t2, LastFailureAt: t2, LastStatusCode: 0, LastError: "connection refused", ConsecutiveFailures: 3},
		{AppID: appID, EndpointID: off, LastAttemptAt: t1, LastSuccessAt: t1, LastStatusCode: 200},
	}
	if err := f.store.EndpointHealthRecord(f.ctx, recs); err != nil {
		t.Fatal(err)
	}
	nullHealth := map[string]any{"status": "unknown", "lastAttemptAt": nil, "lastSuccessAt": nil, "lastFailureAt": nil,
		"lastStatusCode": nil, "lastError": nil, "consecutiveFailures": 0}
	okHealth := map[string]any{"status": "connected", "lastAttemptAt": "2026-03-01T13:00:01.000Z", "lastSuccessAt": "2026-03-01T13:00:01.000Z",
		"lastFailureAt": "2026-03-01T13:00:00.000Z", "lastStatusCode": 204, "lastError": nil, "consecutiveFailures": 0}
	badHealth := map[string]any{"status": "failing", "lastAttemptAt": "2026-03-01T13:00:01.000Z", "lastSuccessAt": nil,
		"lastFailureAt": "2026-03-01T13:00:01.000Z", "lastStatusCode": 0, "lastError": "connection refused", "consecutiveFailures": 3}
	otherPortal := f.token(otherID)
	f.run([]scenario{
		{name: "never attempted", method: "GET", path: base + "/endpoint/never/health", want: 200, fields: nullHealth},
		{name: "connected, by uid", method: "GET", path: base + "/endpoint/ok/health", want: 200, fields: okHealth},
		{name: "failing", method: "GET", path: fmt.Sprintf("%s/endpoint/%s/health", base, bad), want: 200, fields: badHealth},
		{name: "disabled wins", method: "GET", path: fmt.Sprintf("%s/endpoint/%s/health", base, off), want: 200,
			fields: map[string]any{"status": "disabled", "lastStatusCode": 200}},
		{name: "missing endpoint", method: "GET", path: base + "/endpoint/ep_missing/health", want: 404, fields: map[string]any{"code": "not_found"}},
		{name: "other app's token", token: otherPortal, method: "GET", path: base + "/endpoint/ok/health", want: 404},
		{name: "other app's token, list", token: otherPortal, method: "GET", path: base + "/health", want: 404},
		{name: "bad limit", method: "GET", path: base + "/health?limit=-1", want: 422, errLoc: []string{"query", "limit"}},
	})

	// The list: newest endpoint first, each with the fields a dashboard's
	// endpoint list shows, paged with iterators.
	type item struct {
		ID          string   `json:"id"`
		UID         *string  `json:"uid"`
		URL         string   `json:"url"`
		Description string   `json:"description"`
		FilterTypes []string `json:"filterTypes"`
		Disabled    bool     `json:"disabled"`
		CreatedAt   string   `json:"createdAt"`
		Status      string   `json:"status"`
		LastError   *string  `json:"lastError"`
	}
	type page struct {
		Data     []item  `json:"data"`
		Iterator *string `json:"iterator"`
		Done     bool    `json:"done"`
	}
	var all []item
	path := base + "/health?limit=3"
	for range 3 {
		var p page
		if err := json.Unmarshal(f.do("", "GET", path, "").Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Data...)
		if p.Done {
			break
		}
		path = base + "/health?limit=3&iterator=" + *p.Iterator
	}
	var ids, statuses []string
	for _, it := range all {
		ids, statuses = append(ids, it.ID), append(statuses, it.Status)
	}
	if diff := cmp.Diff([]string{off, bad, ok, never}, ids); diff != "" {
		t.Errorf("app health list IDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"disabled", "failing", "connected", "unknown"}, statuses); diff != "" {
		t.Errorf("app health list statuses (-want +got):\n%s", diff)
	}
	if len(all) == 4 {
		n := all[3]
		if n.UID == nil || *n.UID != "never" || n.URL != "https://example.com/never" || n.Description != "N" ||
			!cmp.Equal(n.FilterTypes, []string{"user.created"}) || n.Disabled || n.CreatedAt == "" {
			t.Errorf("list item %+v lacks the endpoint's fields", n)
		}
		if all[2].URL != "https://u:p@example.com/ok?token=t" {
			t.Errorf("list item URL = %q, want it as stored (the owner's view)", all[2].URL)
		}
		if all[1].LastError == nil || *all[1].LastError != "connection refused" {
			t.Errorf("list item lastError = %v, want connection refused", all[1].LastError)
		}
	}
}

// TestEndpointEventsAfterCommit checks what the API reports for the
// operational events: one event per committed change, endpoint.disabled
// when an update turns an endpoint off, and nothing for a refused change.
func TestEndpointEventsAfterCommit(t *testing.T) {
	t.Parallel()
	f, appID, _ := endpointFixture(t)
	base := "/api/v1/app/acme/endpoint"
	id := f.must(201, "POST", base, `{"url":"https://example.com/a","uid":"a"}`)["id"].(string)
	f.must(422, "POST", base, `{"url":"not a url"}`)
	f.must(422, "PATCH", base+"/a", `{"url":"not a url"}`)
	f.must(200, "PATCH", base+"/a", `{"disabled":true}`)
	f.must(200, "PATCH", base+"/a", `{"description":"still off"}`)
	f.must(200, "PUT", base+"/a", `{"url":"https://example.com/a2"}`)
	f.must(204, "PUT", base+"/"+id+"/headers", `{"headers":{"X-A":"1"}}`)
	f.must(204, "DELETE", base+"/"+id, "")
	f.must(404, "DELETE", base+"/"+id, "")

	ev := func(typ, trigger string) delivery.EndpointEvent {
		e := delivery.EndpointEvent{Type: typ, AppID: appID, AppUID: "acme", EndpointID: id, EndpointUID: "a", Trigger: trigger}
		if trigger != "" {
			e.Reason = "disabled through the API"
		}
		return e
	}
	want := []delivery.EndpointEvent{
		ev(delivery.EventEndpointCreated, ""),
		ev(delivery.EventEndpointUpdated, ""), ev(delivery.EventEndpointDisabled, "manual"),
		ev(delivery.EventEndpointUpdated, ""),
		ev(delivery.EventEndpointUpdated, ""),
		ev(delivery.EventEndpointUpdated, ""),
		ev(delivery.EventEndpointDeleted, ""),
	}
	// PUT without uid clears it, as Svix's EndpointUpdate does.
	for i := 4; i < len(want); i++ {
		want[i].EndpointUID = ""
	}
	if diff := cmp.Diff(want, f.engine.endpointEvents()); diff != "" {
		t.Errorf("endpoint events (-want +got):\n%s", diff)
	}
}
