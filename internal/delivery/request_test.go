package delivery

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/webhook"
)

// A message's headers reach an endpoint only as its passHeaders name
// them: Content-Type replaces the format's, the endpoint's own custom
// headers win, and the signature headers stay Hookline's.
func TestPassHeaders(t *testing.T) {
	secret, err := signature.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	msg := webhook.Message{
		ID: "msg_1", EventType: "hookline.inbound.request", Payload: []byte("a=1&b=2"),
		Headers: map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Github-Event": "push",
			"X-Tenant": "from-request", "X-Other": "not chosen", "Webhook-Id": "forged",
		},
	}
	for _, tt := range []struct {
		name        string
		pass        []string
		custom      map[string]string
		contentType string
		headers     map[string]string
	}{
		{"none", nil, map[string]string{"X-Tenant": "ep"}, "application/json", map[string]string{"X-Tenant": "ep"}},
		{"chosen", []string{"content-type", "x-github-event", "X-Missing"}, nil,
			"application/x-www-form-urlencoded", map[string]string{"X-Github-Event": "push"}},
		{"custom wins", []string{"X-GitHub-Event", "X-Tenant"}, map[string]string{"x-tenant": "ep"},
			"application/json", map[string]string{"X-Github-Event": "push", "x-tenant": "ep"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ep := webhook.Endpoint{ID: "ep_1", URL: "https://example.com/hook", Secret: secret, Headers: tt.custom,
				Delivery: webhook.DeliveryOptions{PassHeaders: tt.pass}}
			req, err := PreviewRequest(t.Context(), nil, ep, msg, time.Unix(1700000000, 0))
			if err != nil {
				t.Fatalf("PreviewRequest: %v", err)
			}
			if req.ContentType != tt.contentType || string(req.Body) != "a=1&b=2" {
				t.Errorf("Content-Type %q body %q, want %q and the payload", req.ContentType, req.Body, tt.contentType)
			}
			if diff := cmp.Diff(tt.headers, req.Headers); diff != "" {
				t.Errorf("headers mismatch (-want +got):\n%s", diff)
			}
			if got := send.Header(&req).Get("Webhook-Id"); got != "msg_1" {
				t.Errorf("Webhook-Id = %q, want msg_1", got)
			}
		})
	}
	if err := webhook.ValidatePassHeader("webhook-signature"); err == nil {
		t.Error("ValidatePassHeader(webhook-signature) = nil, want an error")
	}
	for _, name := range []string{"Host", "Content-Length", "svix-id", "Connection", "User-Agent"} {
		if probs := (webhook.DeliveryOptions{PassHeaders: []string{name}}).Validate(time.Minute); len(probs) != 1 {
			t.Errorf("Validate(passHeaders %s) = %v, want one problem", name, probs)
		}
	}
	if probs := (webhook.DeliveryOptions{PassHeaders: []string{"Content-Type", "X-GitHub-Event"}}).Validate(time.Minute); len(probs) != 0 {
		t.Errorf("Validate(Content-Type, X-GitHub-Event) = %v, want none", probs)
	}
}
