package dashboard

import (
	"net/http"

	"github.com/hookline/hookline/internal/auth"
)

// statusStore is what the status page reads.
type statusStore interface{}

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
}

// status is the server's state: its store and version, what waits to be
// delivered, and the endpoints that fail or rest.
func (d *Dashboard) status(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	data := statusData{Backend: d.backend, Version: d.version}
	return d.render(w, http.StatusOK, "status", d.operatorPage(sess, "Status", "status", data))
}
