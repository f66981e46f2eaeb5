package api

import (
	"context"
	"net/http"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointHealthOut is Hookline's EndpointHealthOut: how an endpoint
// answered lately. The delivery engine records attempts about once a
// second, so it may lag the attempts log by that much; a ping is recorded
// before it answers.
type endpointHealthOut struct {
	Status              webhook.HealthStatus `json:"status"`
	LastAttemptAt       *Time                `json:"lastAttemptAt"`
	LastSuccessAt       *Time                `json:"lastSuccessAt"`
	LastFailureAt       *Time                `json:"lastFailureAt"`
	LastStatusCode      *int                 `json:"lastStatusCode"`
	LastError           *string              `json:"lastError"`
	ConsecutiveFailures int                  `json:"consecutiveFailures"`
}

func renderHealth(ep webhook.Endpoint, h webhook.EndpointHealth) endpointHealthOut {
	out := endpointHealthOut{
		Status:              h.Status(ep.Disabled),
		LastAttemptAt:       optTime(h.LastAttemptAt),
		LastSuccessAt:       optTime(h.LastSuccessAt),
		LastFailureAt:       optTime(h.LastFailureAt),
		LastError:           optString(h.LastError),
		ConsecutiveFailures: h.ConsecutiveFailures,
	}
	if !h.LastAttemptAt.IsZero() {
		out.LastStatusCode = &h.LastStatusCode
	}
	return out
}

func optTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := Time(t)
	return &v
}

// appHealthItem is Hookline's AppEndpointHealthOut: one row of a
// dashboard's endpoint list, the endpoint's own fields and its health.
// The URL is as stored: the list is for the endpoint's owner.
type appHealthItem struct {
	ID          string   `json:"id"`
	UID         *string  `json:"uid"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	FilterTypes []string `json:"filterTypes"`
	Disabled    bool     `json:"disabled"`
	CreatedAt   Time     `json:"createdAt"`
	endpointHealthOut
}

// endpointWithHealth is an endpoint of a page with its health row (zero
// when it has none).
type endpointWithHealth struct {
	ep webhook.Endpoint
	h  webhook.EndpointHealth
}

func renderAppHealthItem(e endpointWithHealth) appHealthItem {
	return appHealthItem{
		ID: e.ep.ID, UID: optString(e.ep.UID), URL: e.ep.URL, Description: e.ep.Description,
		FilterTypes: e.ep.FilterTypes, Disabled: e.ep.Disabled, CreatedAt: Time(e.ep.CreatedAt),
		endpointHealthOut: renderHealth(e.ep, e.h),
	}
}

// withHealth reads the health rows of eps in one query.
func (a *API) withHealth(ctx context.Context, appID string, eps []webhook.Endpoint) ([]endpointWithHealth, error) {
	ids := make([]string, len(eps))
	for i, ep := range eps {
		ids[i] = ep.ID
	}
	rows, err := a.store.EndpointHealthList(ctx, store.EndpointHealthListParams{AppID: appID, EndpointIDs: ids})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]webhook.EndpointHealth, len(rows))
	for _, h := range rows {
		byID[h.EndpointID] = h
	}
	out := make([]endpointWithHealth, len(eps))
	for i, ep := range eps {
		out[i] = endpointWithHealth{ep: ep, h: byID[ep.ID]}
	}
	return out, nil
}

func (a *API) endpointHealth(w http.ResponseWriter, r *http.Request) error {
	app, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	rows, err := a.withHealth(r.Context(), app.ID, []webhook.Endpoint{ep})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, renderHealth(ep, rows[0].h))
	return nil
}

// appHealth lists an app's endpoints with their health, paged as the
// endpoint list is (newest first, limit up to 250, iterators).
func (a *API) appHealth(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	pq := parsePage(r, store.Descending, idIterator(webhook.PrefixEndpoint), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]endpointWithHealth, error) {
		app, err := a.app(r)
		if err != nil {
			return nil, err
		}
		eps, err := a.store.EndpointList(ctx, store.EndpointListParams{AppID: app.ID, Page: pq.fetchPage()})
		if err != nil {
			return nil, err
		}
		return a.withHealth(ctx, app.ID, eps)
	}, func(e endpointWithHealth) string { return e.ep.ID }, renderAppHealthItem)
}
