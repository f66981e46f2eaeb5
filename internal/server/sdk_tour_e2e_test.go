package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	svix "github.com/svix/svix-webhooks/go"
)

// TestSDKTour drives every resource of the API through the official Svix
// Go SDK, which rejects any response field the spec does not define, and
// verifies the delivery with the Standard Webhooks library as well.
func TestSDKTour(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, db serverOption) {
		s := startServer(t, db)
		ctx := context.Background()
		c := s.Client
		rcv := newReceiver(t)
		must := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}

		// Event types.
		schema := map[string]any{"1": map[string]any{"type": "object", "properties": map[string]any{"id": map[string]any{"type": "string"}}, "examples": []any{map[string]any{"id": "ex_1"}}}}
		_, err := c.EventType.Create(ctx, &svix.EventTypeIn{Name: "user.created", Description: "A user signed up", Schemas: schema})
		must("EventType.Create", err)
		_, err = c.EventType.Create(ctx, &svix.EventTypeIn{Name: "user.deleted", Description: "Gone"})
		must("EventType.Create", err)
		_, err = c.EventType.Get(ctx, "user.created")
		must("EventType.Get", err)
		_, err = c.EventType.Update(ctx, "user.deleted", &svix.EventTypeUpdate{Description: "A user left"})
		must("EventType.Update", err)
		_, err = c.EventType.Patch(ctx, "user.deleted", &svix.EventTypePatch{Deprecated: ptr(true)})
		must("EventType.Patch", err)
		ets, err := c.EventType.List(ctx, nil)
		must("EventType.List", err)
		if len(ets.Data) != 2 {
			t.Errorf("EventType.List = %d types, want 2", len(ets.Data))
		}
		must("EventType.Delete", c.EventType.Delete(ctx, "user.deleted"))
		ets, err = c.EventType.List(ctx, nil)
		must("EventType.List", err)
		if len(ets.Data) != 1 {
			t.Errorf("after archiving, EventType.List = %d types, want 1", len(ets.Data))
		}

		// Applications.
		app, err := c.Application.Create(ctx, &svix.ApplicationIn{Name: "Tour", Uid: ptr("tour")})
		must("Application.Create", err)
		_, err = c.Application.Get(ctx, "tour")
		must("Application.Get by uid", err)
		_, err = c.Application.Patch(ctx, app.Id, &svix.ApplicationPatch{Name: ptr("Tour 2")})
		must("Application.Patch", err)
		_, err = c.Application.Update(ctx, app.Id, &svix.ApplicationIn{Name: "Tour 3"})
		must("Application.Update", err)
		apps, err := c.Application.List(ctx, nil)
		must("Application.List", err)
		if len(apps.Data) != 1 || apps.Data[0].Name != "Tour 3" {
			t.Errorf("Application.List = %+v, want one app named Tour 3", apps.Data)
		}

		// Endpoints.
		ep, err := c.Endpoint.Create(ctx, app.Id, &svix.EndpointIn{Url: rcv.URL, Uid: ptr("main"), FilterTypes: []string{"user.created"}})
		must("Endpoint.Create", err)
		_, err = c.Endpoint.Get(ctx, app.Id, "main")
		must("Endpoint.Get by uid", err)
		_, err = c.Endpoint.Patch(ctx, app.Id, ep.Id, &svix.EndpointPatch{Description: ptr("primary")})
		must("Endpoint.Patch", err)
		_, err = c.Endpoint.Update(ctx, app.Id, ep.Id, &svix.EndpointUpdate{Url: rcv.URL, Uid: ptr("main"), Description: ptr("primary")})
		must("Endpoint.Update", err)
		must("Endpoint.UpdateHeaders", c.Endpoint.UpdateHeaders(ctx, app.Id, ep.Id, &svix.EndpointHeadersIn{Headers: map[string]string{"X-Tenant": "acme", "Authorization": "Bearer s3cret"}}))
		must("Endpoint.PatchHeaders", c.Endpoint.PatchHeaders(ctx, app.Id, ep.Id, &svix.EndpointHeadersPatchIn{Headers: map[string]string{"X-Extra": "1"}}))
		hdrs, err := c.Endpoint.GetHeaders(ctx, app.Id, ep.Id)
		must("Endpoint.GetHeaders", err)
		if hdrs.Headers["X-Tenant"] != "acme" || hdrs.Headers["X-Extra"] != "1" {
			t.Errorf("Endpoint.GetHeaders = %+v, want X-Tenant and X-Extra", hdrs)
		}
		eps, err := c.Endpoint.List(ctx, app.Id, nil)
		must("Endpoint.List", err)
		if len(eps.Data) != 1 {
			t.Errorf("Endpoint.List = %d, want 1", len(eps.Data))
		}
		secret, err := c.Endpoint.GetSecret(ctx, app.Id, ep.Id)
		must("Endpoint.GetSecret", err)

		// Messages and the delivery, verified by both libraries.
		msg, err := c.Message.Create(ctx, app.Id, &svix.MessageIn{EventType: "user.created", Payload: map[string]any{"id": "u_1"}, EventId: ptr("evt_1")})
		must("Message.Create", err)
		got := rcv.waitFor(t, 1, 10*time.Second)[0]
		if got.Header.Get("X-Tenant") != "acme" || got.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("delivery headers = %v, want the endpoint's custom headers", got.Header)
		}
		wh, err := standardwebhooks.NewWebhook(secret.Key)
		must("standardwebhooks.NewWebhook", err)
		if err := wh.Verify(got.Body, got.Header); err != nil {
			t.Errorf("Standard Webhooks Verify = %v, want nil", err)
		}
		sv, _ := svix.NewWebhook(secret.Key)
		if err := sv.Verify(got.Body, got.Header); err != nil {
			t.Errorf("svix Verify = %v, want nil", err)
		}
		_, err = c.Message.Get(ctx, app.Id, msg.Id)
		must("Message.Get", err)
		_, err = c.Message.Get(ctx, app.Id, "evt_1")
		must("Message.Get by eventId", err)
		msgs, err := c.Message.List(ctx, app.Id, nil)
		must("Message.List", err)
		if len(msgs.Data) != 1 {
			t.Errorf("Message.List = %d, want 1", len(msgs.Data))
		}

		// Attempts.
		var atts *svix.ListResponseMessageAttemptOut
		eventually(t, 5*time.Second, "attempt listed", func() bool {
			atts, err = c.MessageAttempt.ListByMsg(ctx, app.Id, msg.Id, nil)
			return err == nil && len(atts.Data) == 1
		})
		_, err = c.MessageAttempt.Get(ctx, app.Id, msg.Id, atts.Data[0].Id)
		must("MessageAttempt.Get", err)
		_, err = c.MessageAttempt.ListByEndpoint(ctx, app.Id, ep.Id, nil)
		must("MessageAttempt.ListByEndpoint", err)
		_, err = c.MessageAttempt.ListAttemptsForEndpoint(ctx, app.Id, msg.Id, ep.Id, nil)
		must("MessageAttempt.ListAttemptsForEndpoint", err)
		_, err = c.MessageAttempt.ListAttemptedMessages(ctx, app.Id, ep.Id, nil)
		must("MessageAttempt.ListAttemptedMessages", err)
		_, err = c.MessageAttempt.ListAttemptedDestinations(ctx, app.Id, msg.Id, nil)
		must("MessageAttempt.ListAttemptedDestinations", err)
		must("MessageAttempt.ExpungeContent", c.MessageAttempt.ExpungeContent(ctx, app.Id, msg.Id, atts.Data[0].Id))
		stats, err := c.Endpoint.GetStats(ctx, app.Id, ep.Id)
		must("Endpoint.GetStats", err)
		if stats.Success != 1 {
			t.Errorf("Endpoint.GetStats = %+v, want 1 success", stats)
		}

		// Send an example from the event type's schema.
		// The SDK's SendExample drops its body (v1.44.0 discards the request
		// builder's return value), so this one call goes over plain HTTP.
		if code, body := s.do(t, "POST", "/api/v1/app/"+app.Id+"/endpoint/"+ep.Id+"/send-example", s.Token, []byte(`{"eventType":"user.created"}`)); code != http.StatusOK {
			t.Fatalf("send-example = %d %s, want 200", code, body)
		}
		rcv.waitFor(t, 2, 10*time.Second)

		must("Message.ExpungeContent", c.Message.ExpungeContent(ctx, app.Id, msg.Id))

		// Auth.
		_, err = c.Authentication.DashboardAccess(ctx, app.Id)
		must("Authentication.DashboardAccess", err)
		portal, err := c.Authentication.AppPortalAccess(ctx, app.Id, &svix.AppPortalAccessIn{})
		must("Authentication.AppPortalAccess", err)
		pc := s.clientFor(portal.Token)
		_, err = pc.Endpoint.List(ctx, app.Id, nil)
		must("portal Endpoint.List", err)
		must("portal Authentication.Logout", pc.Authentication.Logout(ctx))
		if _, err := pc.Endpoint.List(ctx, app.Id, nil); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("after logout, the token still works: %v", err)
		}

		// Health, and cleanup.
		if code, _ := s.do(t, "GET", "/api/v1/health/", "", nil); code/100 != 2 {
			t.Errorf("GET /api/v1/health/ = %d, want 2xx", code)
		}
		must("Endpoint.Delete", c.Endpoint.Delete(ctx, app.Id, ep.Id))
		must("EventType.Delete expunge", c.EventType.DeleteWithOptions(ctx, "user.created", &svix.EventTypeDeleteOptions{Expunge: ptr(true)}))
		must("Application.Delete", c.Application.Delete(ctx, app.Id))
		if _, err := c.Application.Get(ctx, app.Id); statusOf(err) != http.StatusNotFound {
			t.Errorf("Application.Get after delete: %v, want 404", err)
		}
	})
}
