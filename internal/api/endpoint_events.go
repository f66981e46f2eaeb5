package api

import (
	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointChanged runs after a change to ep has committed: the routing
// index forgets the app's endpoints, and the operational events report
// the change (typ), plus endpoint.disabled when an update turned the
// endpoint off (before is the endpoint as it was; nil for a creation or a
// deletion).
func (a *API) endpointChanged(typ string, app webhook.App, before *webhook.Endpoint, ep webhook.Endpoint) {
	a.engine.EndpointsChanged(app.ID)
	ev := delivery.EndpointEvent{Type: typ, AppID: app.ID, AppUID: app.UID, EndpointID: ep.ID, EndpointUID: ep.UID}
	a.engine.EndpointEvent(ev)
	if before != nil && !before.Disabled && ep.Disabled {
		ev.Type, ev.Trigger, ev.Reason = delivery.EventEndpointDisabled, "manual", "disabled through the API"
		a.engine.EndpointEvent(ev)
	}
}
