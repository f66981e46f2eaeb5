package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointStore is what the endpoint pages read.
type endpointStore interface {
	EndpointGet(ctx context.Context, appID, idOrUID string) (webhook.Endpoint, error)
	EndpointList(ctx context.Context, p store.EndpointListParams) ([]webhook.Endpoint, error)
	EndpointHealthList(ctx context.Context, p store.EndpointHealthListParams) ([]webhook.EndpointHealth, error)
}

// endpointEngine is what the endpoint pages' actions ask of the engine.
type endpointEngine interface {
	Publish(ctx context.Context, p delivery.PublishParams) error
	Ping(ctx context.Context, appID, endpointID string) (delivery.PingResult, error)
	PreviewRequest(ctx context.Context, ep webhook.Endpoint, msg webhook.Message, now time.Time) (send.Request, error)
}

// endpointRoutes are the pages of an app's endpoints.
func (d *Dashboard) endpointRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/endpoints", d.inApp(d.endpointList))
}

// endpointList is the app's endpoints.
func (d *Dashboard) endpointList(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.render(w, http.StatusOK, "endpoints", a.page("Endpoints", "endpoints", nil))
}
