package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
	"github.com/svix/svix-webhooks/go/models"
)

// countingTransport counts the API calls a tour makes, for its report.
type countingTransport struct {
	calls atomic.Int64
	next  http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.calls.Add(1)
	return c.next.RoundTrip(r)
}

// bodyOf is the body of an SDK error, for messages.
func bodyOf(err error) string {
	var e *svix.Error
	if errors.As(err, &e) {
		return string(e.Body())
	}
	return ""
}

// TestSDKTour drives every resource of the newest Svix Go SDK (v1.99.1) that Hookline
// serves, on both stores, checking what each call answers, and calls one method of each
// resource Hookline does not serve, which must be a 404 not_supported naming it. The
// v1.99.1 models decode leniently, so the shapes themselves are held to the served
// document by the API tests (openapitest); the v1.44.0 tour, with strict models, is the
// module compat/svix-go-v1.44.
func TestSDKTour(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		u, _ := url.Parse(s.URL)
		counter := &countingTransport{next: http.DefaultTransport}
		httpc := &http.Client{Transport: counter, Timeout: 30 * time.Second}
		client := func(token string) *svix.Svix { return newClient(t, token, u, httpc) }
		c := client(s.Token)
		rcv := newReceiver(t)
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v %s", what, err, bodyOf(err))
			}
		}

		must("Health.Get", c.Health.Get(ctx))

		// Event types.
		schema := map[string]any{"1": map[string]any{
			"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}},
			"examples": []any{map[string]any{"id": "ex_1"}},
		}}
		et, err := c.EventType.Create(ctx, svix.EventTypeIn{Name: "user.created", Description: "A user signed up", Schemas: &schema}, nil)
		must("EventType.Create", err)
		if et.Name != "user.created" || et.Schemas == nil || et.Deprecated {
			t.Errorf("EventType.Create = %+v", et)
		}
		_, err = c.EventType.Create(ctx, svix.EventTypeIn{Name: "user.deleted", Description: "Gone", FeatureFlags: []string{"beta"}}, nil)
		must("EventType.Create", err)
		got, err := c.EventType.Get(ctx, "user.deleted")
		must("EventType.Get", err)
		if got.FeatureFlag == nil || *got.FeatureFlag != "beta" {
			t.Errorf("EventType.Get = %+v, want featureFlags [beta] kept as featureFlag beta", got)
		}
		upd, err := c.EventType.Update(ctx, "user.deleted", svix.EventTypeUpdate{Description: "A user left", FeatureFlag: ptr("beta")})
		must("EventType.Update", err)
		if upd.Description != "A user left" {
			t.Errorf("EventType.Update = %+v", upd)
		}
		pat, err := c.EventType.Patch(ctx, "user.deleted", svix.EventTypePatch{Deprecated: ptr(true)})
		must("EventType.Patch", err)
		if !pat.Deprecated || pat.Description != "A user left" {
			t.Errorf("EventType.Patch = %+v, want deprecated and the description kept", pat)
		}
		ets, err := c.EventType.List(ctx, nil)
		must("EventType.List", err)
		if len(ets.Data) != 2 || !ets.Done {
			t.Errorf("EventType.List = %d types (done %v), want 2", len(ets.Data), ets.Done)
		}

		// Applications.
		app, err := c.Application.Create(ctx, svix.ApplicationIn{Name: "Tour", Uid: ptr("tour"), ThrottleRate: ptr(uint16(100))}, nil)
		must("Application.Create", err)
		if !strings.HasPrefix(app.Id, "app_") || app.ThrottleRate == nil || *app.ThrottleRate != 100 || app.RateLimit == nil || *app.RateLimit != 100 {
			t.Errorf("Application.Create = %+v, want throttleRate 100 under both names", app)
		}
		same, err := c.Application.GetOrCreate(ctx, svix.ApplicationIn{Name: "ignored", Uid: ptr("tour")}, nil)
		must("Application.GetOrCreate", err)
		if same.Id != app.Id || same.Name != "Tour" {
			t.Errorf("Application.GetOrCreate = %+v, want %s", same, app.Id)
		}
		byUID, err := c.Application.Get(ctx, "tour")
		must("Application.Get by uid", err)
		if byUID.Id != app.Id {
			t.Errorf("Application.Get(tour) = %s, want %s", byUID.Id, app.Id)
		}
		p2, err := c.Application.Patch(ctx, app.Id, svix.ApplicationPatch{Name: ptr("Tour 2")})
		must("Application.Patch", err)
		if p2.Name != "Tour 2" || p2.ThrottleRate == nil {
			t.Errorf("Application.Patch = %+v, want the name and the rate kept", p2)
		}
		p3, err := c.Application.Update(ctx, app.Id, svix.ApplicationIn{Name: "Tour 3", Uid: ptr("tour")})
		must("Application.Update", err)
		if p3.Name != "Tour 3" || p3.ThrottleRate != nil {
			t.Errorf("Application.Update = %+v, want the name replaced and no rate", p3)
		}
		apps, err := c.Application.List(ctx, nil)
		must("Application.List", err)
		if len(apps.Data) != 1 || apps.Data[0].Name != "Tour 3" {
			t.Errorf("Application.List = %+v, want one app named Tour 3", apps.Data)
		}

		// Endpoints.
		ep, err := c.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: rcv.URL, Uid: ptr("main"), FilterTypes: []string{"user.created"},
			Headers: &map[string]string{"X-Tenant": "acme"}, ThrottleRate: ptr(uint16(50))}, nil)
		must("Endpoint.Create", err)
		if !strings.HasPrefix(ep.Id, "ep_") || len(ep.FilterTypes) != 1 || ep.ThrottleRate == nil || *ep.ThrottleRate != 50 {
			t.Errorf("Endpoint.Create = %+v", ep)
		}
		gotEP, err := c.Endpoint.Get(ctx, app.Id, "main")
		must("Endpoint.Get by uid", err)
		if gotEP.Id != ep.Id {
			t.Errorf("Endpoint.Get(main) = %s, want %s", gotEP.Id, ep.Id)
		}
		pe, err := c.Endpoint.Patch(ctx, app.Id, ep.Id, svix.EndpointPatch{Description: ptr("primary")})
		must("Endpoint.Patch", err)
		if pe.Description != "primary" || len(pe.FilterTypes) != 1 {
			t.Errorf("Endpoint.Patch = %+v", pe)
		}
		ue, err := c.Endpoint.Update(ctx, app.Id, ep.Id, svix.EndpointUpdate{Url: rcv.URL, Uid: ptr("main"), Description: ptr("primary"), FilterTypes: []string{"user.created"}})
		must("Endpoint.Update", err)
		if ue.RateLimit != nil || ue.ThrottleRate != nil {
			t.Errorf("Endpoint.Update = %+v, want the rate cleared", ue)
		}
		must("Endpoint.UpdateHeaders", c.Endpoint.UpdateHeaders(ctx, app.Id, ep.Id, svix.EndpointHeadersIn{Headers: map[string]string{
			"X-Tenant": "acme", "X-Temp": "1", "Authorization": "Bearer s3cret"}}))
		must("Endpoint.PatchHeaders", c.Endpoint.PatchHeaders(ctx, app.Id, ep.Id, svix.EndpointHeadersPatchIn{
			Headers: map[string]string{"X-Extra": "1"}, DeleteHeaders: []string{"X-Temp"}}))
		hdrs, err := c.Endpoint.GetHeaders(ctx, app.Id, ep.Id)
		must("Endpoint.GetHeaders", err)
		if hdrs.Headers["X-Tenant"] != "acme" || hdrs.Headers["X-Extra"] != "1" || hdrs.Headers["X-Temp"] != "" || len(hdrs.Sensitive) != 1 {
			t.Errorf("Endpoint.GetHeaders = %+v, want X-Tenant, X-Extra, Authorization sensitive, no X-Temp", hdrs)
		}
		eps, err := c.Endpoint.List(ctx, app.Id, nil)
		must("Endpoint.List", err)
		if len(eps.Data) != 1 || eps.Data[0].Id != ep.Id {
			t.Errorf("Endpoint.List = %+v", eps.Data)
		}
		secret, err := c.Endpoint.GetSecret(ctx, app.Id, ep.Id)
		must("Endpoint.GetSecret", err)
		if !strings.HasPrefix(secret.Key, "whsec_") {
			t.Errorf("Endpoint.GetSecret = %q", secret.Key)
		}
		pre, err := c.Message.Precheck(ctx, app.Id, svix.MessagePrecheckIn{EventType: "user.created"}, nil)
		must("Message.Precheck", err)
		if !pre.Active {
			t.Error("Message.Precheck(user.created) = inactive, want active")
		}

		// A message, and its delivery verified by both libraries.
		msg, err := c.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "user.created", Payload: map[string]any{"id": "u_1"},
			EventId: ptr("evt_1"), Tags: []string{"vip"}}, nil)
		must("Message.Create", err)
		if !strings.HasPrefix(msg.Id, "msg_") || msg.Payload["id"] != "u_1" || len(msg.Tags) != 1 {
			t.Errorf("Message.Create = %+v", msg)
		}
		first := rcv.waitFor(t, 1, 10*time.Second)[0]
		if first.Header.Get("X-Tenant") != "acme" || first.Header.Get("Authorization") != "Bearer s3cret" || first.Header.Get("X-Temp") != "" {
			t.Errorf("delivery headers = %v, want the endpoint's custom headers", first.Header)
		}
		wh, err := standardwebhooks.NewWebhook(secret.Key)
		must("standardwebhooks.NewWebhook", err)
		if err := wh.Verify(first.Body, first.Header); err != nil {
			t.Errorf("Standard Webhooks Verify = %v", err)
		}
		sv, _ := svix.NewWebhook(secret.Key)
		if err := sv.Verify(first.Body, first.Header); err != nil {
			t.Errorf("svix Verify = %v", err)
		}
		gm, err := c.Message.Get(ctx, app.Id, "evt_1", nil)
		must("Message.Get by eventId", err)
		if gm.Id != msg.Id || gm.Payload["id"] != "u_1" {
			t.Errorf("Message.Get = %+v", gm)
		}
		msgs, err := c.Message.List(ctx, app.Id, &svix.MessageListOptions{Tag: ptr("vip")})
		must("Message.List", err)
		if len(msgs.Data) != 1 || msgs.Data[0].Id != msg.Id {
			t.Errorf("Message.List(tag vip) = %+v", msgs.Data)
		}

		// Attempts.
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 5*time.Second, "attempt listed", func() bool {
			atts, err = c.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, &svix.MessageAttemptListByMsgOptions{ExpandedStatuses: ptr(true)})
			return err == nil && len(atts.Data) == 1
		})
		at := atts.Data[0]
		if at.EndpointId != ep.Id || at.ResponseStatusCode != 200 || at.Status != models.MESSAGESTATUS_SUCCESS ||
			at.StatusText != models.MESSAGESTATUSTEXT_SUCCESS || at.TriggerType != models.MESSAGEATTEMPTTRIGGERTYPE_SCHEDULED {
			t.Errorf("MessageAttempt.ListByMsg = %+v", at)
		}
		one, err := c.MessageAttempt.Get(ctx, app.Id, msg.Id, at.Id, nil)
		must("MessageAttempt.Get", err)
		if one.Id != at.Id || one.StatusText != models.MESSAGESTATUSTEXT_SUCCESS {
			t.Errorf("MessageAttempt.Get = %+v", one)
		}
		byEP, err := c.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, &svix.MessageAttemptListByEndpointOptions{WithMsg: ptr(true)})
		must("MessageAttempt.ListByEndpoint", err)
		if len(byEP.Data) != 1 || byEP.Data[0].Msg == nil || byEP.Data[0].Msg.Id != msg.Id {
			t.Errorf("MessageAttempt.ListByEndpoint(with_msg) = %+v", byEP.Data)
		}
		attempted, err := c.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, nil)
		must("MessageAttempt.ListAttemptedMessages", err)
		if len(attempted.Data) != 1 || attempted.Data[0].StatusText != models.MESSAGESTATUSTEXT_SUCCESS || len(attempted.Data[0].Tags) != 1 {
			t.Errorf("MessageAttempt.ListAttemptedMessages = %+v", attempted.Data)
		}
		dests, err := c.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msg.Id, nil)
		must("MessageAttempt.ListAttemptedDestinations", err)
		if len(dests.Data) != 1 || dests.Data[0].Id != ep.Id || dests.Data[0].StatusText != models.MESSAGESTATUSTEXT_SUCCESS {
			t.Errorf("MessageAttempt.ListAttemptedDestinations = %+v", dests.Data)
		}
		if _, err := c.MessageAttempt.Resend(ctx, app.Id, msg.Id, ep.Id, nil); err != nil {
			t.Fatalf("MessageAttempt.Resend: %v", err)
		}
		rcv.waitFor(t, 2, 10*time.Second)
		must("MessageAttempt.ExpungeContent", c.MessageAttempt.ExpungeContent(ctx, app.Id, msg.Id, at.Id))
		if ex, err := c.MessageAttempt.Get(ctx, app.Id, msg.Id, at.Id, nil); err != nil || ex.Response != "EXPUNGED" {
			t.Errorf("attempt after ExpungeContent = %+v, %v; want response EXPUNGED", ex, err)
		}
		stats, err := c.Endpoint.GetStats(ctx, app.Id, ep.Id, nil)
		must("Endpoint.GetStats", err)
		if stats.Success != 1 || stats.Canceled != 0 || stats.Fail != 0 {
			t.Errorf("Endpoint.GetStats = %+v, want 1 success", stats)
		}
		rec, err := c.Endpoint.Recover(ctx, app.Id, ep.Id, svix.RecoverIn{Since: time.Now().Add(-time.Hour)}, nil)
		must("Endpoint.Recover", err)
		if !strings.HasPrefix(rec.Id, "qtask_") || rec.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_RECOVER || rec.UpdatedAt.IsZero() {
			t.Errorf("Endpoint.Recover = %+v", rec)
		}
		ex, err := c.Endpoint.SendExample(ctx, app.Id, ep.Id, svix.EventExampleIn{EventType: "user.created"}, nil)
		must("Endpoint.SendExample", err)
		if ex.EventType != "user.created" || ex.Payload["id"] != "ex_1" {
			t.Errorf("Endpoint.SendExample = %+v, want the schema's example", ex)
		}
		rcv.waitFor(t, 3, 10*time.Second)

		// A second endpoint, created late, gets what it missed.
		late := newReceiver(t)
		lateEP, err := c.Endpoint.Create(ctx, app.Id, svix.EndpointIn{Url: late.URL}, nil)
		must("Endpoint.Create late", err)
		rep, err := c.Endpoint.ReplayMissing(ctx, app.Id, lateEP.Id, svix.ReplayIn{Since: time.Now().Add(-time.Hour)}, nil)
		must("Endpoint.ReplayMissing", err)
		if rep.Task != models.BACKGROUNDTASKTYPE_ENDPOINT_REPLAY {
			t.Errorf("Endpoint.ReplayMissing = %+v", rep)
		}
		if got := late.waitFor(t, 2, 10*time.Second); len(got) != 2 {
			t.Errorf("the late endpoint got %d replayed messages, want 2 (the message and the example)", len(got))
		}

		// Rotation without grace: the next delivery is signed by the new key alone.
		must("Endpoint.RotateSecret", c.Endpoint.RotateSecret(ctx, app.Id, ep.Id, svix.EndpointSecretRotateIn{GracePeriodSeconds: ptr(uint32(0))}, nil))
		next, err := c.Endpoint.GetSecret(ctx, app.Id, ep.Id)
		must("Endpoint.GetSecret after rotation", err)
		_, err = c.Message.Create(ctx, app.Id, svix.MessageIn{EventType: "user.created", Payload: map[string]any{"id": "u_2"}}, nil)
		must("Message.Create after rotation", err)
		d := rcv.waitFor(t, 4, 10*time.Second)[3]
		if !verifies(t, next.Key, d) || verifies(t, secret.Key, d) {
			t.Errorf("after a rotation with no grace: verifies with the new key %v, the old %v; want true, false", verifies(t, next.Key, d), verifies(t, secret.Key, d))
		}

		must("Message.ExpungeContent", c.Message.ExpungeContent(ctx, app.Id, msg.Id))
		if m, err := c.Message.Get(ctx, app.Id, msg.Id, nil); err != nil || m.Payload["expired"] != true {
			t.Errorf("Message.Get after ExpungeContent = %+v, %v", m, err)
		}
		purge, err := c.Message.ExpungeAllContents(ctx, app.Id, nil)
		must("Message.ExpungeAllContents", err)
		if purge.Task != models.BACKGROUNDTASKTYPE_APPLICATION_PURGE_CONTENT || purge.Status != models.BACKGROUNDTASKSTATUS_FINISHED {
			t.Errorf("Message.ExpungeAllContents = %+v", purge)
		}

		// Auth: portal tokens, by app-portal-access (with an inline app) and dashboard
		// access; logout; expire-all.
		inline, err := c.Authentication.AppPortalAccess(ctx, "tour-inline", svix.AppPortalAccessIn{
			Application: &svix.ApplicationIn{Name: "Inline", Uid: ptr("tour-inline")}, FeatureFlags: []string{"beta"}}, nil)
		must("Authentication.AppPortalAccess inline", err)
		ic := client(inline.Token)
		if got, err := ic.EventType.Get(ctx, "user.deleted"); err != nil || got.Name != "user.deleted" {
			t.Errorf("a portal token with flag beta gets user.deleted: %+v, %v", got, err)
		}
		dash, err := c.Authentication.DashboardAccess(ctx, app.Id, nil)
		must("Authentication.DashboardAccess", err)
		if dash.Token == "" || !strings.Contains(dash.Url, app.Id) {
			t.Errorf("Authentication.DashboardAccess = %+v", dash)
		}
		portal, err := c.Authentication.AppPortalAccess(ctx, app.Id, svix.AppPortalAccessIn{}, nil)
		must("Authentication.AppPortalAccess", err)
		pc := client(portal.Token)
		if pets, err := pc.EventType.List(ctx, nil); err != nil || len(pets.Data) != 1 {
			t.Errorf("a portal token without flags lists %v, %v; want the one event type without a flag", pets, err)
		}
		must("portal Authentication.Logout", pc.Authentication.Logout(ctx, nil))
		if _, err := pc.Endpoint.List(ctx, app.Id, nil); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("after logout the token still works: %v", err)
		}
		dc := client(dash.Token)
		must("Authentication.ExpireAll", c.Authentication.ExpireAll(ctx, app.Id, svix.ApplicationTokenExpireIn{}, nil))
		if _, err := dc.Endpoint.List(ctx, app.Id, nil); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("after ExpireAll the dashboard token still works: %v", err)
		}

		// Resources Hookline does not serve: a 404 not_supported naming the call.
		for name, call := range map[string]func() error{
			"BackgroundTask.List":             func() error { _, err := c.BackgroundTask.List(ctx, nil); return err },
			"Connector.List":                  func() error { _, err := c.Connector.List(ctx, nil); return err },
			"Environment.Export":              func() error { _, err := c.Environment.Export(ctx, nil); return err },
			"Ingest.Source.List":              func() error { _, err := c.Ingest.Source.List(ctx, nil); return err },
			"Integration.List":                func() error { _, err := c.Integration.List(ctx, app.Id, nil); return err },
			"OperationalWebhookEndpoint.List": func() error { _, err := c.OperationalWebhookEndpoint.List(ctx, nil); return err },
			"Statistics.AggregateEventTypes":  func() error { _, err := c.Statistics.AggregateEventTypes(ctx); return err },
			"Streaming.Stream.List":           func() error { _, err := c.Streaming.Stream.List(ctx, nil); return err },
			"Endpoint.TransformationGet":      func() error { _, err := c.Endpoint.TransformationGet(ctx, app.Id, ep.Id); return err },
		} {
			err := call()
			if statusOf(err) != http.StatusNotFound || !strings.Contains(bodyOf(err), `"not_supported"`) {
				t.Errorf("%s = %v %s, want 404 not_supported", name, err, bodyOf(err))
			}
		}

		// Cleanup.
		must("Endpoint.Delete", c.Endpoint.Delete(ctx, app.Id, lateEP.Id))
		must("EventType.Delete", c.EventType.Delete(ctx, "user.deleted", nil))
		must("EventType.Delete expunge", c.EventType.Delete(ctx, "user.created", &svix.EventTypeDeleteOptions{Expunge: ptr(true)}))
		must("Application.Delete", c.Application.Delete(ctx, app.Id))
		if _, err := c.Application.Get(ctx, app.Id); statusOf(err) != http.StatusNotFound {
			t.Errorf("Application.Get after delete: %v, want 404", err)
		}
		t.Logf("Svix Go SDK v1.99.1 tour: %d API calls", counter.calls.Load())
	})
}
