package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// operationalApp resolves --operational-app to the app's ID and creates
// the operational event types that do not exist yet, so endpoints of the
// operational app can filter on them.
//
// A UID that names no app yet creates the app, so a fresh deployment is
// configured in one step. An app_ ID that names none stays an error: an ID
// cannot be chosen, so it can only be a mistake, and events would
// otherwise go to an app nobody looks at.
func operationalApp(ctx context.Context, st store.Store, idOrUID string, now time.Time, logger *slog.Logger) (string, error) {
	if idOrUID == "" {
		return "", nil
	}
	now = now.UTC().Truncate(time.Millisecond)
	app, err := st.AppGet(ctx, idOrUID)
	switch {
	case errors.Is(err, store.ErrNotFound) && strings.HasPrefix(idOrUID, string(webhook.PrefixApp)):
		return "", fmt.Errorf("--operational-app: no app has the ID %q; give an existing app's ID, or a UID to create the app", idOrUID)
	case errors.Is(err, store.ErrNotFound):
		app, err = createOperationalApp(ctx, st, idOrUID, now)
		if err != nil {
			return "", err
		}
		logger.Info("created the operational app", "app_id", app.ID, "uid", app.UID)
	case err != nil:
		return "", fmt.Errorf("--operational-app: %w", err)
	}
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

// createOperationalApp creates the app named by uid. Another node starting
// at the same moment may create it first; its app is then the one used.
func createOperationalApp(ctx context.Context, st store.Store, uid string, now time.Time) (webhook.App, error) {
	if !webhook.ValidUID(uid) {
		return webhook.App{}, fmt.Errorf("--operational-app: %q is neither an existing app nor a valid UID (1-%d of a-z, A-Z, 0-9, '-', '_', '.')", uid, webhook.MaxUIDLength)
	}
	app := webhook.App{
		ID: webhook.NewID(webhook.PrefixApp, now), UID: uid, Name: "Hookline operational events",
		CreatedAt: now, UpdatedAt: now,
	}
	err := st.AppCreate(ctx, store.AppCreateParams{App: app})
	if errors.Is(err, store.ErrConflict) {
		app, err = st.AppGet(ctx, uid)
	}
	if err != nil {
		return webhook.App{}, fmt.Errorf("--operational-app: create app %q: %w", uid, err)
	}
	return app, nil
}
