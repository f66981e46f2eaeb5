package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// T0 is the time the backends' own tests seed their rows at.
var T0 = time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

// Seed creates app_1 with one endpoint, ep_1, in s, for a backend's own
// tests of what the conformance suite cannot see (locks, pools, SQL).
func Seed(t testing.TB, s store.Store) (appID, epID string) {
	t.Helper()
	ctx := context.Background()
	appID, epID = "app_1", "ep_1"
	if err := s.AppCreate(ctx, store.AppCreateParams{App: webhook.App{ID: appID, Name: "a", CreatedAt: T0, UpdatedAt: T0}}); err != nil {
		t.Fatalf("AppCreate: %v", err)
	}
	ep := webhook.Endpoint{ID: epID, AppID: appID, URL: "https://example.com/", Version: 1, Secret: "whsec_x", CreatedAt: T0, UpdatedAt: T0}
	if err := s.EndpointCreate(ctx, store.EndpointCreateParams{Endpoint: ep}); err != nil {
		t.Fatalf("EndpointCreate: %v", err)
	}
	return appID, epID
}

// Message is a message of appID, created at T0, with one delivery to epID.
func Message(appID, epID, id, eventID string, payload []byte) store.MessageCreate {
	return store.MessageCreate{
		Message:    webhook.Message{ID: id, AppID: appID, EventType: "user.created", EventID: eventID, Payload: payload, CreatedAt: T0},
		Deliveries: []webhook.Delivery{{MsgID: id, EndpointID: epID, AppID: appID}},
	}
}
