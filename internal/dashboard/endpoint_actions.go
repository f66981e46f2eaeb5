package dashboard

import (
	"context"
	"net/http"

	"github.com/hookline/hookline/internal/webhook"
)

// endpointActionRoutes are the actions of an endpoint's page: its signing
// secret, a test event, a test of the connection.
func (d *Dashboard) endpointActionRoutes(mux *http.ServeMux) {
}

// endpointActionsView is what the actions of an endpoint's page show.
type endpointActionsView struct{}

// endpointActions reads what the actions of ep's page need.
func (d *Dashboard) endpointActions(ctx context.Context, a appRequest, ep webhook.Endpoint) (endpointActionsView, error) {
	return endpointActionsView{}, nil
}
