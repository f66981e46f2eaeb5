package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// operationalApp resolves --operational-app to the app's ID and creates
// the operational event types that do not exist yet, so endpoints of the
// operational app can filter on them. An app that does not exist is a
// configuration error: events would otherwise be lost without a word.
func operationalApp(ctx context.Context, st store.Store, idOrUID string, now time.Time) (string, error) {
	if idOrUID == "" {
		return "", nil
	}
	app, err := st.AppGet(ctx, idOrUID)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("--operational-app: no app has the ID or UID %q; create it first", idOrUID)
	}
	if err != nil {
		return "", fmt.Errorf("--operational-app: %w", err)
	}
	now = now.UTC().Truncate(time.Millisecond)
	for _, et := range delivery.OperationalEventTypes {
		err := st.EventTypeCreate(ctx, store.EventTypeCreateParams{EventType: webhook.EventType{
			Name: et.Name, Description: et.Description, CreatedAt: now, UpdatedAt: now,
		}})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			return "", fmt.Errorf("--operational-app: create event type %s: %w", et.Name, err)
		}
	}
	return app.ID, nil
}
