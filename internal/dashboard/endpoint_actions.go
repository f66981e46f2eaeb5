package dashboard

import "net/http"

// endpointActionRoutes are the actions of an endpoint's page: its signing
// secret, a test event, a test of the connection, the preview of its
// delivery format.
func (d *Dashboard) endpointActionRoutes(mux *http.ServeMux) {
}
