package api

import (
	"errors"
	"net/http"

	"github.com/hookline/hookline/internal/delivery"
)

// endpointPingOut is Hookline's EndpointPingOut.
type endpointPingOut struct {
	StatusCode int     `json:"statusCode"` // 0 when no response arrived
	DurationMs int64   `json:"durationMs"`
	Error      *string `json:"error"`
	Success    bool    `json:"success"`
}

// endpointPing sends a signed hookline.ping request to the endpoint now
// and answers with what came back; the endpoint's health is updated
// before the answer. A ping to an endpoint that already has one in flight
// is refused with 429.
func (a *API) endpointPing(w http.ResponseWriter, r *http.Request) error {
	app, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	res, err := a.engine.Ping(r.Context(), app.ID, ep.ID)
	if errors.Is(err, delivery.ErrPingInFlight) {
		return &Error{Status: http.StatusTooManyRequests, Code: "ping_in_flight",
			Detail: "A ping to this endpoint is still waiting for its answer; try again when it is done."}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, endpointPingOut{
		StatusCode: res.StatusCode, DurationMs: res.Duration.Milliseconds(), Error: optString(res.Error), Success: res.Success,
	})
	return nil
}
