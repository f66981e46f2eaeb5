package dashboard

import (
	"net/http"
)

// statusStore is what the status page reads.
type statusStore interface{}

// operatorRoutes are the operator's pages beside the applications list:
// creating an app, the event types, the server's status.
func (d *Dashboard) operatorRoutes(mux *http.ServeMux) {
}
