package api

import (
	"net/http"

	"github.com/hookline/hookline/internal/webhook"
)

// The resolvers of a route's path (and body) that handlers start with.
// The app* ones look up {app_id} first, so a token of another app is
// not found (404, as in Svix) before anything else of the request is read.

// endpoint resolves {endpoint_id} (an ID or a UID) within app.
func (a *API) endpoint(r *http.Request, app webhook.App) (webhook.Endpoint, error) {
	return a.store.EndpointGet(r.Context(), app.ID, r.PathValue("endpoint_id"))
}

// message resolves {msg_id} (an ID or an eventId) within the app.
func (a *API) message(r *http.Request, appID string) (webhook.Message, error) {
	return a.store.MessageGet(r.Context(), appID, r.PathValue("msg_id"))
}

// appEndpoint resolves {app_id}, then {endpoint_id} (an ID or a UID)
// within it.
func (a *API) appEndpoint(r *http.Request) (webhook.App, webhook.Endpoint, error) {
	app, err := a.app(r)
	if err != nil {
		return app, webhook.Endpoint{}, err
	}
	ep, err := a.endpoint(r, app)
	return app, ep, err
}

// appMessage resolves {app_id}, then {msg_id} (an ID or an eventId)
// within it.
func (a *API) appMessage(r *http.Request) (webhook.App, webhook.Message, error) {
	app, err := a.app(r)
	if err != nil {
		return app, webhook.Message{}, err
	}
	msg, err := a.message(r, app.ID)
	return app, msg, err
}

// appBody resolves {app_id}, then decodes the body into in.
func (a *API) appBody(w http.ResponseWriter, r *http.Request, in any) (webhook.App, error) {
	app, err := a.app(r)
	if err != nil {
		return app, err
	}
	return app, a.decode(w, r, in)
}

// writeEndpoint answers a GET of the endpoint the path names, shown as
// render makes it.
func writeEndpoint[Out any](a *API, w http.ResponseWriter, r *http.Request, render func(webhook.Endpoint) Out) error {
	_, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, render(ep))
	return nil
}
