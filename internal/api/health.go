package api

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout bounds the health check's store read, so a stuck database
// answers 503 rather than hanging the probe.
const healthTimeout = 2 * time.Second

// health answers 204 when a cheap store read works, 503 otherwise.
func (a *API) health(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if _, err := a.store.TokenAdminExists(ctx); err != nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Detail: "The database is unavailable.", Cause: err}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// healthPing answers 204 whenever the process takes requests.
func (a *API) healthPing(w http.ResponseWriter, r *http.Request) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
