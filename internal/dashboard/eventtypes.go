package dashboard

import (
	"context"
	"net/http"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// eventTypeStore is what the event type pages read and write (the
// operator's catalog; the portal reads it).
type eventTypeStore interface {
	EventTypeList(ctx context.Context, p store.EventTypeListParams) ([]webhook.EventType, error)
	EventTypeGet(ctx context.Context, name string) (webhook.EventType, error)
	EventTypeCreate(ctx context.Context, p store.EventTypeCreateParams) error
	EventTypeUpdate(ctx context.Context, et webhook.EventType) error
}

// eventTypeRoutes are the event type catalog of an app's portal.
func (d *Dashboard) eventTypeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/event-types", d.inApp(d.eventTypeCatalog))
}

// eventTypeCatalog is the event types a customer may subscribe to.
func (d *Dashboard) eventTypeCatalog(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.render(w, http.StatusOK, "event-types", a.page("Event types", "event-types", nil))
}
