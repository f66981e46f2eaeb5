// Package tour drives a running Hookline server through the official Svix Go SDK v1.44.0,
// the last line of SDKs (before 1.57.0) whose models refuse any field they do not know: a
// response with one field too many, or one required field too few, fails the call here.
//
// It is a module of its own because the main module requires the newest SDK, and Go keeps
// one version of a module per build. .ci/run builds the hookline binary, starts it and runs
// this test against it:
//
//	HOOKLINE_TOUR_URL=http://127.0.0.1:PORT HOOKLINE_TOUR_TOKEN=... go test ./...
//
// The server must allow private targets: the deliveries go to a receiver on 127.0.0.1.
package tour

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
)

// countingTransport counts the API calls the tour makes, for the report.
type countingTransport struct {
	calls atomic.Int64
	next  http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(r)
}

// received is one delivery the receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a webhook receiver on loopback that keeps what it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	more chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{more: make(chan struct{}, 100)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		select {
		case rc.more <- struct{}{}:
		default:
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// waitFor waits until n deliveries arrived, for at most 15 s.
func (rc *receiver) waitFor(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		rc.mu.Lock()
		got := append([]received(nil), rc.got...)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-rc.more:
		case <-deadline:
			t.Fatalf("receiver got %d deliveries in 15 s, want %d", len(got), n)
		}
	}
}

// eventually polls cond every 20 ms for at most 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ptr[T any](v T) *T { return &v }

func statusOf(err error) int {
	var e *svix.Error
	if errors.As(err, &e) {
		return e.Status()
	}
	return 0
}

func bodyOf(err error) string {
	var e *svix.Error
	if errors.As(err, &e) {
		return string(e.Body())
	}
	return ""
}

func TestTour(t *testing.T) {
	base, token := os.Getenv("HOOKLINE_TOUR_URL"), os.Getenv("HOOKLINE_TOUR_TOKEN")
	if base == "" || token == "" {
		t.Fatal("set HOOKLINE_TOUR_URL and HOOKLINE_TOUR_TOKEN to a running hookline serve --allow-private-targets (.ci/run does)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingTransport{next: http.DefaultTransport}
	client := func(tok string) *svix.Svix {
		return svix.New(tok, &svix.SvixOptions{ServerUrl: u, HTTPClient: &http.Client{Transport: counter, Timeout: 30 * time.Second}})
	}
	c := client(token)
	ctx := context.Background()
	rcv := newReceiver(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v %s", what, err, bodyOf(err))
		}
	}
	// Names are unique per run, so the tour can run against a server that has seen others.
	run := strings.ToLower(strings.ReplaceAll(time.Now().UTC().Format("150405.000000"), ".", ""))
	created, deleted := "tour.created."+run, "tour.deleted."+run

	// Event types.
	schema := map[string]any{"1": map[string]any{
		"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}},
		"examples": []any{map[string]any{"id": "ex_1"}},
	}}
	et, err := c.EventType.Create(ctx, &svix.EventTypeIn{Name: created, Description: "A user signed up", Schemas: schema})
	must("EventType.Create", err)
	if et.Name != created || et.Description != "A user signed up" || et.Archived != nil && *et.Archived {
		t.Errorf("EventType.Create = %+v", et)
	}
	_, err = c.EventType.Create(ctx, &svix.EventTypeIn{Name: deleted, Description: "Gone"})
	must("EventType.Create", err)
	got, err := c.EventType.Get(ctx, created)
	must("EventType.Get", err)
	if got.Name != created || got.Schemas == nil {
		t.Errorf("EventType.Get = %+v, want the schema", got)
	}
	upd, err := c.EventType.Update(ctx, deleted, &svix.EventTypeUpdate{Description: "A user left"})
	must("EventType.Update", err)
	if upd.Description != "A user left" {
		t.Errorf("EventType.Update description = %q", upd.Description)
	}
	pat, err := c.EventType.Patch(ctx, deleted, &svix.EventTypePatch{Deprecated: ptr(true)})
	must("EventType.Patch", err)
	if !pat.Deprecated || pat.Description != "A user left" {
		t.Errorf("EventType.Patch = %+v, want deprecated and the description kept", pat)
	}
	ets, err := c.EventType.List(ctx, &svix.EventTypeListOptions{Limit: ptr(int32(250))})
	must("EventType.List", err)
	if !hasEventType(ets.Data, created) || !hasEventType(ets.Data, deleted) {
		t.Errorf("EventType.List lacks %s or %s", created, deleted)
	}
	must("EventType.Delete", c.EventType.Delete(ctx, deleted))
	ets, err = c.EventType.List(ctx, &svix.EventTypeListOptions{Limit: ptr(int32(250))})
	must("EventType.List", err)
	if hasEventType(ets.Data, deleted) {
		t.Errorf("after archiving, EventType.List still lists %s", deleted)
	}

	// Applications.
	app, err := c.Application.Create(ctx, &svix.ApplicationIn{Name: "Tour", Uid: ptr("tour-" + run), RateLimit: ptr(int32(100))})
	must("Application.Create", err)
	if !strings.HasPrefix(app.Id, "app_") || app.Name != "Tour" || app.RateLimit == nil || *app.RateLimit != 100 {
		t.Errorf("Application.Create = %+v", app)
	}
	same, err := c.Application.GetOrCreate(ctx, &svix.ApplicationIn{Name: "ignored", Uid: ptr("tour-" + run)})
	must("Application.GetOrCreate", err)
	if same.Id != app.Id || same.Name != "Tour" {
		t.Errorf("Application.GetOrCreate = %+v, want the existing app %s", same, app.Id)
	}
	byUID, err := c.Application.Get(ctx, "tour-"+run)
	must("Application.Get by uid", err)
	if byUID.Id != app.Id {
		t.Errorf("Application.Get by uid = %s, want %s", byUID.Id, app.Id)
	}
	p2, err := c.Application.Patch(ctx, app.Id, &svix.ApplicationPatch{Name: ptr("Tour 2")})
	must("Application.Patch", err)
	if p2.Name != "Tour 2" || p2.Uid == nil || *p2.Uid != "tour-"+run {
		t.Errorf("Application.Patch = %+v", p2)
	}
	p3, err := c.Application.Update(ctx, app.Id, &svix.ApplicationIn{Name: "Tour 3", Uid: ptr("tour-" + run)})
	must("Application.Update", err)
	if p3.Name != "Tour 3" || p3.RateLimit != nil {
		t.Errorf("Application.Update = %+v, want the name replaced and no rate limit", p3)
	}
	apps, err := c.Application.List(ctx, &svix.ApplicationListOptions{Limit: ptr(int32(250)), Order: ptr(svix.Ordering("descending"))})
	must("Application.List", err)
	if len(apps.Data) == 0 || apps.Data[0].Id != app.Id || apps.Data[0].Name != "Tour 3" {
		t.Errorf("Application.List (newest first) starts with %+v, want %s named Tour 3", apps.Data, app.Id)
	}

	// Endpoints.
	ep, err := c.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{Url: rcv.URL, Uid: ptr("main"), FilterTypes: []string{created}, RateLimit: ptr(int32(50))})
	must("Endpoint.Create", err)
	// The URL comes back as Svix serializes it: with the path "/".
	if !strings.HasPrefix(ep.Id, "ep_") || ep.Url != rcv.URL+"/" || len(ep.FilterTypes) != 1 || ep.FilterTypes[0] != created || ep.RateLimit == nil || *ep.RateLimit != 50 {
		t.Errorf("Endpoint.Create = %+v", ep)
	}
	gotEP, err := c.Endpoint.Get(ctx, app.Id, "main")
	must("Endpoint.Get by uid", err)
	if gotEP.Id != ep.Id {
		t.Errorf("Endpoint.Get by uid = %s, want %s", gotEP.Id, ep.Id)
	}
	pe, err := c.Endpoint.Patch(ctx, app.Id, ep.Id, &svix.EndpointPatch{Description: ptr("primary")})
	must("Endpoint.Patch", err)
	if pe.Description != "primary" || len(pe.FilterTypes) != 1 {
		t.Errorf("Endpoint.Patch = %+v, want the description set and the filter kept", pe)
	}
	ue, err := c.Endpoint.Update(ctx, app.Id, ep.Id, &svix.EndpointUpdate{Url: rcv.URL, Uid: ptr("main"), Description: ptr("primary"), FilterTypes: []string{created}})
	must("Endpoint.Update", err)
	if ue.Description != "primary" || ue.RateLimit != nil {
		t.Errorf("Endpoint.Update = %+v, want the rate limit cleared", ue)
	}
	must("Endpoint.UpdateHeaders", c.Endpoint.UpdateHeaders(ctx, app.Id, ep.Id, &svix.EndpointHeadersIn{Headers: map[string]string{"X-Tenant": "acme", "Authorization": "Bearer s3cret"}}))
	must("Endpoint.PatchHeaders", c.Endpoint.PatchHeaders(ctx, app.Id, ep.Id, &svix.EndpointHeadersPatchIn{Headers: map[string]string{"X-Extra": "1"}}))
	hdrs, err := c.Endpoint.GetHeaders(ctx, app.Id, ep.Id)
	must("Endpoint.GetHeaders", err)
	if hdrs.Headers["X-Tenant"] != "acme" || hdrs.Headers["X-Extra"] != "1" || len(hdrs.Sensitive) != 1 || hdrs.Sensitive[0] != "Authorization" {
		t.Errorf("Endpoint.GetHeaders = %+v, want X-Tenant, X-Extra and Authorization as sensitive", hdrs)
	}
	eps, err := c.Endpoint.List(ctx, app.Id, nil)
	must("Endpoint.List", err)
	if len(eps.Data) != 1 || eps.Data[0].Id != ep.Id || !eps.Done {
		t.Errorf("Endpoint.List = %+v, want the one endpoint", eps)
	}
	secret, err := c.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	must("Endpoint.GetSecret", err)
	if !strings.HasPrefix(secret.Key, "whsec_") {
		t.Errorf("Endpoint.GetSecret = %q", secret.Key)
	}

	// A message, and its delivery verified by both libraries.
	msg, err := c.Message.Create(ctx, app.Id, &svix.MessageIn{EventType: created, Payload: map[string]any{"id": "u_1"}, EventId: ptr("evt-" + run)})
	must("Message.Create", err)
	if !strings.HasPrefix(msg.Id, "msg_") || msg.EventType != created || msg.Payload["id"] != "u_1" {
		t.Errorf("Message.Create = %+v", msg)
	}
	first := rcv.waitFor(t, 1)[0]
	if first.header.Get("X-Tenant") != "acme" || first.header.Get("Authorization") != "Bearer s3cret" {
		t.Errorf("delivery headers = %v, want the endpoint's custom headers", first.header)
	}
	wh, err := standardwebhooks.NewWebhook(secret.Key)
	must("standardwebhooks.NewWebhook", err)
	if err := wh.Verify(first.body, first.header); err != nil {
		t.Errorf("Standard Webhooks Verify = %v, want nil", err)
	}
	sv, _ := svix.NewWebhook(secret.Key)
	if err := sv.Verify(first.body, first.header); err != nil {
		t.Errorf("svix Verify = %v, want nil", err)
	}
	gm, err := c.Message.Get(ctx, app.Id, msg.Id)
	must("Message.Get", err)
	if gm.Id != msg.Id || gm.Payload["id"] != "u_1" {
		t.Errorf("Message.Get = %+v", gm)
	}
	ge, err := c.Message.Get(ctx, app.Id, "evt-"+run)
	must("Message.Get by eventId", err)
	if ge.Id != msg.Id {
		t.Errorf("Message.Get by eventId = %s, want %s", ge.Id, msg.Id)
	}
	msgs, err := c.Message.List(ctx, app.Id, &svix.MessageListOptions{EventTypes: &[]string{created}})
	must("Message.List", err)
	if len(msgs.Data) != 1 || msgs.Data[0].Id != msg.Id {
		t.Errorf("Message.List = %+v, want the one message", msgs.Data)
	}

	// Attempts.
	var atts *svix.ListResponseMessageAttemptOut
	eventually(t, "attempt listed", func() bool {
		atts, err = c.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
		return err == nil && len(atts.Data) == 1
	})
	at := atts.Data[0]
	if at.EndpointId != ep.Id || at.ResponseStatusCode != 204 || at.Status != svix.MessageStatus(0) || at.TriggerType != 0 {
		t.Errorf("MessageAttempt.ListByMsg = %+v", at)
	}
	one, err := c.MessageAttempt.Get(ctx, app.Id, msg.Id, at.Id)
	must("MessageAttempt.Get", err)
	if one.Id != at.Id || one.MsgId != msg.Id {
		t.Errorf("MessageAttempt.Get = %+v", one)
	}
	dep, err := c.MessageAttempt.List(ctx, app.Id, msg.Id, nil)
	must("MessageAttempt.List (deprecated)", err)
	if len(dep.Data) != 1 || dep.Data[0].Id != at.Id {
		t.Errorf("MessageAttempt.List = %+v", dep.Data)
	}
	byEP, err := c.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil)
	must("MessageAttempt.ListByEndpoint", err)
	if len(byEP.Data) != 1 || byEP.Data[0].Id != at.Id {
		t.Errorf("MessageAttempt.ListByEndpoint = %+v", byEP.Data)
	}
	forEP, err := c.MessageAttempt.ListAttemptsForEndpoint(ctx, app.Id, msg.Id, ep.Id, nil)
	must("MessageAttempt.ListAttemptsForEndpoint", err)
	if len(forEP.Data) != 1 || forEP.Data[0].Id != at.Id {
		t.Errorf("MessageAttempt.ListAttemptsForEndpoint = %+v", forEP.Data)
	}
	attempted, err := c.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, nil)
	must("MessageAttempt.ListAttemptedMessages", err)
	if len(attempted.Data) != 1 || attempted.Data[0].Id != msg.Id || attempted.Data[0].Status != svix.MessageStatus(0) {
		t.Errorf("MessageAttempt.ListAttemptedMessages = %+v", attempted.Data)
	}
	dests, err := c.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msg.Id, nil)
	must("MessageAttempt.ListAttemptedDestinations", err)
	if len(dests.Data) != 1 || dests.Data[0].Id != ep.Id || dests.Data[0].Status != svix.MessageStatus(0) {
		t.Errorf("MessageAttempt.ListAttemptedDestinations = %+v", dests.Data)
	}
	must("MessageAttempt.Resend", c.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id))
	rcv.waitFor(t, 2)
	eventually(t, "resend listed", func() bool {
		atts, err = c.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
		return err == nil && len(atts.Data) == 2
	})
	if atts.Data[0].TriggerType != 1 {
		t.Errorf("resent attempt triggerType = %v, want manual", atts.Data[0].TriggerType)
	}
	must("MessageAttempt.ExpungeContent", c.MessageAttempt.ExpungeContent(ctx, app.Id, msg.Id, at.Id))
	stats, err := c.Endpoint.GetStats(ctx, app.Id, ep.Id)
	must("Endpoint.GetStats", err)
	if stats.Success != 1 || stats.Fail != 0 || stats.Pending != 0 {
		t.Errorf("Endpoint.GetStats = %+v, want 1 success", stats)
	}
	rec, err := c.Endpoint.Recover(ctx, app.Id, ep.Id, &svix.RecoverIn{Since: time.Now().Add(-time.Hour)})
	must("Endpoint.Recover", err)
	if !strings.HasPrefix(rec.Id, "qtask_") || string(rec.Task) != "endpoint.recover" {
		t.Errorf("Endpoint.Recover = %+v", rec)
	}

	// Send an example from the event type's schema. v1.44.0's SendExample drops its body
	// (it discards the request builder's return value) and refuses to send, so this one
	// call goes over plain HTTP, as that SDK names itself, decoded by its strict model.
	var ex svix.MessageOut
	if code, body := rawCall(t, counter, base, token, "POST", "/api/v1/app/"+app.Id+"/endpoint/"+ep.Id+"/send-example",
		`{"eventType":"`+created+`"}`, &ex); code != http.StatusOK || ex.EventType != created || ex.Payload["id"] != "ex_1" {
		t.Errorf("send-example = %d %s, want 200 and the schema's example as a MessageOut", code, body)
	}
	rcv.waitFor(t, 3)

	// Rotation: the next delivery is signed with the new key and the old one.
	must("Endpoint.RotateSecret", c.Endpoint.RotateSecret(ctx, app.Id, ep.Id, &svix.EndpointSecretRotateIn{}))
	next, err := c.Endpoint.GetSecret(ctx, app.Id, ep.Id)
	must("Endpoint.GetSecret after rotation", err)
	if next.Key == secret.Key {
		t.Error("Endpoint.RotateSecret did not change the key")
	}
	_, err = c.Message.Create(ctx, app.Id, &svix.MessageIn{EventType: created, Payload: map[string]any{"id": "u_2"}})
	must("Message.Create after rotation", err)
	third := rcv.waitFor(t, 4)[3]
	for _, key := range []string{secret.Key, next.Key} {
		wh, _ := standardwebhooks.NewWebhook(key)
		if err := wh.Verify(third.body, third.header); err != nil {
			t.Errorf("after rotation, Verify with %s = %v, want nil (both keys sign)", key[:10], err)
		}
	}
	must("Message.ExpungeContent", c.Message.ExpungeContent(ctx, app.Id, msg.Id))
	expunged, err := c.Message.Get(ctx, app.Id, msg.Id)
	must("Message.Get after expunge", err)
	if expunged.Payload["expired"] != true {
		t.Errorf("expunged payload = %v, want {\"expired\":true}", expunged.Payload)
	}

	// Auth.
	dash, err := c.Authentication.DashboardAccess(ctx, app.Id)
	must("Authentication.DashboardAccess", err)
	if dash.Token == "" || !strings.Contains(dash.Url, app.Id) {
		t.Errorf("Authentication.DashboardAccess = %+v", dash)
	}
	portal, err := c.Authentication.AppPortalAccess(ctx, app.Id, &svix.AppPortalAccessIn{})
	must("Authentication.AppPortalAccess", err)
	pc := client(portal.Token)
	peps, err := pc.Endpoint.List(ctx, app.Id, nil)
	must("portal Endpoint.List", err)
	if len(peps.Data) != 1 {
		t.Errorf("portal Endpoint.List = %d endpoints, want 1", len(peps.Data))
	}
	must("portal Authentication.Logout", pc.Authentication.Logout(ctx))
	if _, err := pc.Endpoint.List(ctx, app.Id, nil); statusOf(err) != http.StatusUnauthorized {
		t.Errorf("after logout, the token still works: %v", err)
	}

	// A call of the SDK that Hookline does not serve answers a clear error.
	_, err = c.Integration.List(ctx, app.Id, nil)
	if statusOf(err) != http.StatusNotFound || !strings.Contains(bodyOf(err), "not_supported") {
		t.Errorf("Integration.List = %v %s, want 404 not_supported", err, bodyOf(err))
	}

	// A second endpoint, created late, gets what it missed (replay-missing), and the
	// answer carries exactly v1.44.0's ReplayOut.
	late := newReceiver(t)
	lateEP, err := c.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{Url: late.URL, FilterTypes: []string{created}})
	must("Endpoint.Create late", err)
	// v1.44.0's ReplayMissing drops its body as SendExample does: plain HTTP again.
	var rep svix.ReplayOut
	if code, body := rawCall(t, counter, base, token, "POST", "/api/v1/app/"+app.Id+"/endpoint/"+lateEP.Id+"/replay-missing",
		`{"since":"`+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)+`"}`, &rep); code != http.StatusAccepted ||
		!strings.HasPrefix(rep.Id, "qtask_") || string(rep.Task) != "endpoint.replay" {
		t.Errorf("replay-missing = %d %s, want 202 and v1.44.0's ReplayOut", code, body)
	}
	// The first message's content is expunged, so the example and the message sent after
	// the rotation are what it replays.
	if got := late.waitFor(t, 2); len(got) != 2 {
		t.Errorf("the late endpoint got %d replayed messages, want 2", len(got))
	}

	// Cleanup.
	must("Endpoint.Delete late", c.Endpoint.Delete(ctx, app.Id, lateEP.Id))
	must("Endpoint.Delete", c.Endpoint.Delete(ctx, app.Id, ep.Id))
	if _, err := c.Endpoint.Get(ctx, app.Id, ep.Id); statusOf(err) != http.StatusNotFound {
		t.Errorf("Endpoint.Get after delete: %v, want 404", err)
	}
	must("EventType.Delete expunge", c.EventType.DeleteWithOptions(ctx, created, &svix.EventTypeDeleteOptions{Expunge: ptr(true)}))
	must("Application.Delete", c.Application.Delete(ctx, app.Id))
	if _, err := c.Application.Get(ctx, app.Id); statusOf(err) != http.StatusNotFound {
		t.Errorf("Application.Get after delete: %v, want 404", err)
	}
	t.Logf("Svix Go SDK v1.44.0 tour: %d API calls", counter.calls.Load())
}

// rawCall sends one request as the v1.44.0 SDK names itself and decodes a 2xx answer into
// out with that SDK's strict model (its UnmarshalJSON refuses unknown fields and missing
// required ones): for the two calls whose SDK method cannot send its body.
func rawCall(t *testing.T, counter *countingTransport, base, token, method, path, body string, out any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "svix-libs/1.44.0/go")
	resp, err := (&http.Client{Transport: counter, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Errorf("%s %s: %s does not decode into %T: %v", method, path, b, out, err)
		}
	}
	return resp.StatusCode, string(b)
}

func hasEventType(list []svix.EventTypeOut, name string) bool {
	for _, et := range list {
		if et.Name == name {
			return true
		}
	}
	return false
}
