package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/endpoint"
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

// endpointsPerPage is how many endpoints one page of the list shows.
const endpointsPerPage = 50

// endpointRoutes are the pages of an app's endpoints. The literal paths
// (new, preview) win over {ep} in the mux, so they are never taken for an
// endpoint's UID; links to an endpoint use its ID.
func (d *Dashboard) endpointRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/endpoints", d.inApp(d.endpointList))
	mux.HandleFunc("GET /portal/{app}/endpoints/{ep}", d.inApp(d.endpointPage))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/disable", d.inApp(d.endpointDisable))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/enable", d.inApp(d.endpointEnable))
	mux.HandleFunc("GET /portal/{app}/endpoints/{ep}/delete", d.inApp(d.endpointDeleteConfirm))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/delete", d.inApp(d.endpointDelete))
	d.endpointFormRoutes(mux)
}

// endpointView is what an endpoint's page shows: the endpoint (its
// credentials redacted), and the result of an action done on it, shown in
// place.
type endpointView struct {
	Endpoint webhook.Endpoint
	Notice   *notice
	// Actions is what the page's actions show (endpoint_actions.go).
	Actions endpointActionsView
	// Details is Endpoint as the page shows it, credentials redacted;
	// renderEndpoint fills it, so that no template prints a stored
	// credential by reaching into Endpoint.
	Details endpointDetails
	// Health is the endpoint's connection, when it was read.
	Health *connection
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
	ep, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	var n *notice
	if r.URL.Query().Get("saved") == "1" {
		n = &notice{Kind: "ok", Title: "Saved.", Detail: "The next deliveries to this endpoint use these settings."}
	}
	return d.showEndpoint(w, r, a, ep, http.StatusOK, n)
}

// pathEndpoint reads the app's endpoint that the path names; ok is false
// when there is none, or it is another app's (the 404 page is answered),
// or reading failed (err).
func (d *Dashboard) pathEndpoint(w http.ResponseWriter, r *http.Request, a appRequest) (webhook.Endpoint, bool, error) {
	ep, err := d.store.EndpointGet(r.Context(), a.App.ID, r.PathValue("ep"))
	if errors.Is(err, store.ErrNotFound) || err == nil && ep.AppID != a.App.ID {
		d.notFound(w)
		return ep, false, nil
	}
	if err != nil {
		return ep, false, fmt.Errorf("read endpoint: %w", err)
	}
	return ep, true, nil
}

// showEndpoint renders ep's page with status, and n (if any) at its top:
// the page an action on the endpoint answers.
func (d *Dashboard) showEndpoint(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint, status int, n *notice) error {
	actions, err := d.endpointActions(r.Context(), a, ep)
	if err != nil {
		return err
	}
	health, err := d.connections(r.Context(), a.App.ID, []webhook.Endpoint{ep})
	if err != nil {
		return err
	}
	c := health[ep.ID]
	return d.renderEndpoint(w, status, a, endpointView{Endpoint: ep, Notice: n, Actions: actions, Health: &c})
}

// renderEndpoint renders an endpoint's page from v: for an action that
// shows more than the page's usual view (a revealed secret).
func (d *Dashboard) renderEndpoint(w http.ResponseWriter, status int, a appRequest, v endpointView) error {
	v.Details = d.detailsOf(v.Endpoint)
	return d.render(w, status, "endpoint", a.page(v.Details.Name, "endpoints", v))
}

// endpointsData is one page of the app's endpoints, newest first.
type endpointsData struct {
	Rows []endpointRow
	// Older and Newer are the iterators of the next pages; empty when
	// there is none that way.
	Older, Newer string
	First        bool
	Notice       *notice
}

// endpointRow is one endpoint in the list, its URL redacted.
type endpointRow struct {
	ID         string
	Name       string
	Named      bool // Name is the endpoint's own (description or UID), not a stand-in
	URL        string
	EventTypes []string
	Channels   []string
	Disabled   bool
	Health     connection
	CreatedAt  time.Time
}

// connection is an endpoint's connection status from its health record:
// Connected, Failing or Unknown (nothing sent yet), with the last request.
type connection struct {
	Status     webhook.HealthStatus
	LastAt     time.Time
	StatusCode int
}

// Label is the status in words.
func (c connection) Label() string {
	switch c.Status {
	case webhook.HealthConnected:
		return "Connected"
	case webhook.HealthFailing:
		return "Failing"
	}
	return "Unknown"
}

// Badge is the badge class of the status.
func (c connection) Badge() string {
	switch c.Status {
	case webhook.HealthConnected:
		return "ok"
	case webhook.HealthFailing:
		return "fail"
	}
	return ""
}

// connections reads the health of eps in one query, keyed by endpoint
// ID; an endpoint never sent to has no record and is Unknown. The status
// ignores the endpoint's disabled flag, which the pages show beside it:
// the last request still says how the receiver answered.
func (d *Dashboard) connections(ctx context.Context, appID string, eps []webhook.Endpoint) (map[string]connection, error) {
	out := make(map[string]connection, len(eps))
	if len(eps) == 0 {
		return out, nil
	}
	ids := make([]string, len(eps))
	for i, ep := range eps {
		ids[i] = ep.ID
		out[ep.ID] = connection{Status: webhook.HealthUnknown}
	}
	hs, err := d.store.EndpointHealthList(ctx, store.EndpointHealthListParams{AppID: appID, EndpointIDs: ids})
	if err != nil {
		return nil, fmt.Errorf("read endpoint health: %w", err)
	}
	for _, h := range hs {
		out[h.EndpointID] = connection{Status: h.Status(false), LastAt: h.LastAttemptAt, StatusCode: h.LastStatusCode}
	}
	return out, nil
}

// endpointList is the app's endpoints, newest first, paged by ID (no
// count is made): ?after= is older, ?before= newer.
func (d *Dashboard) endpointList(w http.ResponseWriter, r *http.Request, a appRequest) error {
	q := r.URL.Query()
	after, before := q.Get("after"), q.Get("before")
	if after != "" && !webhook.ValidID(webhook.PrefixEndpoint, after) || before != "" && !webhook.ValidID(webhook.PrefixEndpoint, before) {
		d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of endpoints is not valid. Go back to the first page.")
		return nil
	}
	if after != "" {
		before = "" // one direction at a time
	}
	eps, err := d.store.EndpointList(r.Context(), store.EndpointListParams{
		AppID: a.App.ID,
		Page:  store.Page{Limit: endpointsPerPage + 1, After: after, Before: before, Order: store.Descending},
	})
	if err != nil {
		return fmt.Errorf("list endpoints: %w", err)
	}
	data := endpointsData{}
	more := len(eps) > endpointsPerPage
	if more {
		// Walking back, the extra row is the farthest from the key: the
		// first; walking on, the last.
		if before != "" {
			eps = eps[1:]
		} else {
			eps = eps[:endpointsPerPage]
		}
	}
	switch {
	case before != "":
		data.First = !more
		if len(eps) > 0 {
			data.Older = eps[len(eps)-1].ID
		}
		if more {
			data.Newer = eps[0].ID
		}
	default:
		data.First = after == ""
		if more {
			data.Older = eps[len(eps)-1].ID
		}
		if after != "" && len(eps) > 0 {
			data.Newer = eps[0].ID
		}
	}
	health, err := d.connections(r.Context(), a.App.ID, eps)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		name, named := endpointName(ep)
		data.Rows = append(data.Rows, endpointRow{
			ID: ep.ID, Name: name, Named: named, URL: webhook.RedactURL(ep.URL),
			EventTypes: ep.FilterTypes, Channels: ep.Channels, Disabled: ep.Disabled,
			Health: health[ep.ID], CreatedAt: ep.CreatedAt,
		})
	}
	if q.Get("deleted") == "1" {
		data.Notice = &notice{Kind: "ok", Title: "Endpoint deleted.", Detail: "It receives nothing more; the messages already sent to it stay in the message log."}
	}
	return d.render(w, http.StatusOK, "endpoints", a.page("Endpoints", "endpoints", data))
}

// endpointName is what names ep on the pages: its description, else its
// UID, else (named false) its ID.
func endpointName(ep webhook.Endpoint) (string, bool) {
	switch {
	case ep.Description != "":
		return ep.Description, true
	case ep.UID != "":
		return ep.UID, true
	}
	return ep.ID, false
}

// endpointDisable turns deliveries to the endpoint off: messages are no
// longer routed to it until it is enabled again.
func (d *Dashboard) endpointDisable(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.setDisabled(w, r, a, true)
}

// endpointEnable turns deliveries to the endpoint back on.
func (d *Dashboard) endpointEnable(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.setDisabled(w, r, a, false)
}

func (d *Dashboard) setDisabled(w http.ResponseWriter, r *http.Request, a appRequest, disabled bool) error {
	ep, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	if ep.Disabled != disabled {
		after := ep
		after.Disabled, after.UpdatedAt = disabled, d.now()
		err := d.endpoints.Apply(r.Context(), endpoint.Change{
			Op: endpoint.Update, App: a.App, Before: &ep, After: after,
			DisabledReason: "disabled in the dashboard",
		})
		if errors.Is(err, store.ErrNotFound) {
			d.notFound(w)
			return nil
		}
		if err != nil {
			return fmt.Errorf("set endpoint disabled: %w", err)
		}
		ep = after
	}
	n := &notice{Kind: "ok", Title: "Endpoint enabled.", Detail: "New messages are delivered to it again."}
	if disabled {
		n = &notice{Kind: "ok", Title: "Endpoint disabled.", Detail: "New messages are not sent to it until you enable it again."}
	}
	return d.showEndpoint(w, r, a, ep, http.StatusOK, n)
}

// deleteData is the delete confirmation's endpoint.
type deleteData struct {
	ID   string
	Name string
	URL  string
}

func (d *Dashboard) endpointDeleteConfirm(w http.ResponseWriter, r *http.Request, a appRequest) error {
	ep, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	name, _ := endpointName(ep)
	return d.render(w, http.StatusOK, "endpoint-delete", a.page("Delete endpoint", "endpoints",
		deleteData{ID: ep.ID, Name: name, URL: webhook.RedactURL(ep.URL)}))
}

// endpointDelete deletes the endpoint and returns to the list, which says
// so.
func (d *Dashboard) endpointDelete(w http.ResponseWriter, r *http.Request, a appRequest) error {
	ep, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	err = d.endpoints.Apply(r.Context(), endpoint.Change{Op: endpoint.Delete, App: a.App, Before: &ep})
	if err != nil && !errors.Is(err, store.ErrNotFound) { // gone already: as asked
		return fmt.Errorf("delete endpoint: %w", err)
	}
	http.Redirect(w, r, a.URL("endpoints")+"?deleted=1", http.StatusSeeOther)
	return nil
}
