package dashboard

import "net/http"

// endpointFormRoutes are the add and edit form of an endpoint.
func (d *Dashboard) endpointFormRoutes(mux *http.ServeMux) {}
