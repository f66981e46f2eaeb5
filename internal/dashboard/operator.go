package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// statusStore is what the status page reads: bounded queries only, so
// the page costs the same with a billion messages as with none.
type statusStore interface {
	DeliveryPendingCount(ctx context.Context, p store.DeliveryPendingCountParams) (int, error)
	EndpointHealthFailing(ctx context.Context, p store.EndpointHealthFailingParams) ([]webhook.EndpointHealth, error)
}

// statusEngine is what the status page asks of the engine.
type statusEngine interface {
	// CircuitThreshold is how many failures in a row open an endpoint's
	// circuit: from then on it rests between probes.
	CircuitThreshold() int
}

// Bounds of the status page.
const (
	// pendingCountLimit is where the count of unfinished deliveries stops
	// ("10,000 or more").
	pendingCountLimit = 10000
	// failingShown is how many failing endpoints the page lists, most
	// failures in a row first.
	failingShown = 20
)

// operatorRoutes are the operator's pages beside the applications list:
// creating an app, the event types, the server's status.
func (d *Dashboard) operatorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /apps", d.operator(func(w http.ResponseWriter, r *http.Request, _ auth.Session) error {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}))
	mux.HandleFunc("POST /apps", d.operator(d.appCreate))
	d.operatorEventTypeRoutes(mux)
	mux.HandleFunc("GET /status", d.operator(d.status))
}

// statusData is what the status page shows.
type statusData struct {
	Backend string
	Version string
	// Pending is the unfinished deliveries, counted up to PendingLimit;
	// PendingMore is set when the count stopped there.
	Pending      int
	PendingLimit int
	PendingMore  bool
	// Failing are the enabled endpoints whose last attempt failed, most
	// failures in a row first, at most failingShown; FailingMore is set
	// when there are more.
	Failing     []failingEndpoint
	FailingMore bool
	// Resting counts those of Failing that failed CircuitThreshold times
	// in a row or more: their circuit is open. Listed first, it is exact
	// unless every listed one rests (FailingMore then says "or more").
	Resting          int
	CircuitThreshold int
}

// failingEndpoint is one row of the failing endpoints.
type failingEndpoint struct {
	AppID, AppName string
	EndpointID     string
	Name           string // the endpoint's description, else its URL, credentials redacted
	Health         webhook.EndpointHealth
	Resting        bool
}

// status is the server's state: its store and version, what waits to be
// delivered, and the endpoints that fail or rest.
func (d *Dashboard) status(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	ctx := r.Context()
	data := statusData{Backend: d.backend, Version: d.version, PendingLimit: pendingCountLimit, CircuitThreshold: d.engine.CircuitThreshold()}
	n, err := d.store.DeliveryPendingCount(ctx, store.DeliveryPendingCountParams{Limit: pendingCountLimit + 1})
	if err != nil {
		return fmt.Errorf("count pending deliveries: %w", err)
	}
	data.Pending, data.PendingMore = min(n, pendingCountLimit), n > pendingCountLimit
	hs, err := d.store.EndpointHealthFailing(ctx, store.EndpointHealthFailingParams{Limit: failingShown + 1})
	if err != nil {
		return fmt.Errorf("list failing endpoints: %w", err)
	}
	if len(hs) > failingShown {
		hs, data.FailingMore = hs[:failingShown], true
	}
	if data.Failing, err = d.failingEndpoints(ctx, hs, data.CircuitThreshold); err != nil {
		return err
	}
	for _, f := range data.Failing {
		if f.Resting {
			data.Resting++
		}
	}
	return d.render(w, http.StatusOK, "status", d.operatorPage(sess, "Status", "status", data))
}

// failingEndpoints names the endpoints of hs: their app and description
// (a few reads each, for at most failingShown rows). One deleted since
// its row was read is left out.
func (d *Dashboard) failingEndpoints(ctx context.Context, hs []webhook.EndpointHealth, threshold int) ([]failingEndpoint, error) {
	apps := map[string]string{}
	var out []failingEndpoint
	for _, h := range hs {
		name, ok := apps[h.AppID]
		if !ok {
			app, err := d.store.AppGet(ctx, h.AppID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read app %s: %w", h.AppID, err)
			}
			name, apps[h.AppID] = app.Name, app.Name
		}
		ep, err := d.store.EndpointGet(ctx, h.AppID, h.EndpointID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read endpoint %s: %w", h.EndpointID, err)
		}
		label := ep.Description
		if label == "" {
			label = webhook.RedactURL(ep.URL)
		}
		out = append(out, failingEndpoint{
			AppID: h.AppID, AppName: name, EndpointID: h.EndpointID, Name: label, Health: h,
			Resting: threshold > 0 && h.ConsecutiveFailures >= threshold,
		})
	}
	return out, nil
}
