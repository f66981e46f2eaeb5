package dashboard

import (
	"context"
	"errors"
	"fmt"
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
	mux.HandleFunc("GET /portal/{app}/endpoints/{ep}", d.inApp(d.endpointPage))
}

// endpointView is what an endpoint's page shows: the endpoint (its
// credentials redacted), and the result of an action done on it, shown in
// place.
type endpointView struct {
	Endpoint webhook.Endpoint
	Notice   *notice
	// Actions is what the page's actions show (endpoint_actions.go).
	Actions endpointActionsView
}

// notice is the result of an action, shown at the top of the page it
// returns to. Kind is "ok" or "error"; Detail and Body (preformatted, a
// response body) are optional.
type notice struct {
	Kind   string
	Title  string
	Detail string
	Body   string
}

// endpointPage is one endpoint's page.
func (d *Dashboard) endpointPage(w http.ResponseWriter, r *http.Request, a appRequest) error {
	ep, err := d.store.EndpointGet(r.Context(), a.App.ID, r.PathValue("ep"))
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read endpoint: %w", err)
	}
	return d.showEndpoint(w, r, a, ep, http.StatusOK, nil)
}

// showEndpoint renders ep's page with status, and n (if any) at its top:
// the page an action on the endpoint answers.
func (d *Dashboard) showEndpoint(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint, status int, n *notice) error {
	actions, err := d.endpointActions(r.Context(), a, ep)
	if err != nil {
		return err
	}
	return d.renderEndpoint(w, status, a, endpointView{Endpoint: ep, Notice: n, Actions: actions})
}

// renderEndpoint renders an endpoint's page from v: for an action that
// shows more than the page's usual view (a revealed secret).
func (d *Dashboard) renderEndpoint(w http.ResponseWriter, status int, a appRequest, v endpointView) error {
	return d.render(w, status, "endpoint", a.page("Endpoint", "endpoints", v))
}

// endpointList is the app's endpoints.
func (d *Dashboard) endpointList(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.render(w, http.StatusOK, "endpoints", a.page("Endpoints", "endpoints", nil))
}
