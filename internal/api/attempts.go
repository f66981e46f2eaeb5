package api

import (
	"net/http"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The message-attempt routes of Svix's attempt.rs: attempts listed by
// endpoint or by message, one attempt, attempted destinations and
// attempted messages (deliveries), resend and expunge.

// attemptListByEndpoint is GET /api/v1/app/{app_id}/attempt/endpoint/{endpoint_id}.
func (a *API) attemptListByEndpoint(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	q := r.URL.Query()
	tl := parseTimeList(r, &probs)
	p := attemptFilters(r, app.ID, tl, &probs)
	p.StatusCodeClass = queryStatusCodeClass(q, &probs)
	withContent := queryBool(q, "with_content", true, &probs)
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.store.EndpointGet(r.Context(), app.ID, r.PathValue("endpoint_id"))
	if err != nil {
		return err
	}
	p.EndpointID = ep.ID
	return a.writeAttempts(w, r, tl, p, withContent)
}

// attemptListByMessage is GET /api/v1/app/{app_id}/attempt/msg/{msg_id}.
func (a *API) attemptListByMessage(w http.ResponseWriter, r *http.Request) error {
	return a.attemptListForMessage(w, r, true)
}

// attemptListByMessageDeprecated is GET /api/v1/app/{app_id}/msg/{msg_id}/attempt,
// Svix's deprecated form of the list by message: no status_code_class,
// content always included.
func (a *API) attemptListByMessageDeprecated(w http.ResponseWriter, r *http.Request) error {
	return a.attemptListForMessage(w, r, false)
}

func (a *API) attemptListForMessage(w http.ResponseWriter, r *http.Request, current bool) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	q := r.URL.Query()
	tl := parseTimeList(r, &probs)
	p := attemptFilters(r, app.ID, tl, &probs)
	withContent := true
	if current {
		p.StatusCodeClass = queryStatusCodeClass(q, &probs)
		withContent = queryBool(q, "with_content", true, &probs)
	}
	epID := q.Get("endpoint_id")
	if epID != "" && !webhook.ValidUID(epID) {
		probs.addQuery("endpoint_id", "endpoint_id must be an endpoint's ID or uid")
	}
	if err := probs.err(); err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	p.MsgID = msg.ID
	if epID != "" {
		ep, err := a.store.EndpointGet(r.Context(), app.ID, epID)
		if err != nil {
			return err
		}
		p.EndpointID = ep.ID
	}
	return a.writeAttempts(w, r, tl, p, withContent)
}

// attemptListByMessageEndpoint is
// GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/attempt,
// deprecated in Svix: a message's attempts to one endpoint, answered as
// MessageAttemptEndpointOut (the same fields as MessageAttemptOut).
func (a *API) attemptListByMessageEndpoint(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	tl := parseTimeList(r, &probs)
	p := attemptFilters(r, app.ID, tl, &probs)
	if err := probs.err(); err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	ep, err := a.store.EndpointGet(r.Context(), app.ID, r.PathValue("endpoint_id"))
	if err != nil {
		return err
	}
	p.MsgID, p.EndpointID = msg.ID, ep.ID
	return a.writeAttempts(w, r, tl, p, true)
}

// attemptFilters reads the filters every attempt list takes.
func attemptFilters(r *http.Request, appID string, tl timeList, probs *problems) store.AttemptListParams {
	q := r.URL.Query()
	return store.AttemptListParams{
		AppID:      appID,
		Page:       tl.fetchPage(),
		Status:     queryStatus(q, probs),
		Since:      tl.since,
		Until:      tl.until,
		EventTypes: queryEventTypes(q, probs),
		Channel:    queryChannel(q, probs),
	}
}

func (a *API) writeAttempts(w http.ResponseWriter, r *http.Request, tl timeList, p store.AttemptListParams, withContent bool) error {
	rows, err := a.store.AttemptList(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, timeListResponse(tl, rows,
		func(at webhook.Attempt) string { return at.ID },
		func(at webhook.Attempt) attemptOut { return newAttemptOut(at, withContent) }))
	return nil
}

// attemptGet is GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}.
func (a *API) attemptGet(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	at, err := a.store.AttemptGet(r.Context(), app.ID, msg.ID, r.PathValue("attempt_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAttemptOut(at, true))
	return nil
}

// attemptExpungeContent is
// DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content:
// the response body the receiver sent is replaced by "EXPUNGED".
func (a *API) attemptExpungeContent(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	if err := a.store.AttemptExpungeContent(r.Context(), app.ID, msg.ID, r.PathValue("attempt_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// messageEndpointList is GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint,
// Svix's "attempted destinations": the endpoints a message is delivered
// to, with each delivery's status, by endpoint ID descending. Like Svix,
// it walks forward only: no prevIterator.
func (a *API) messageEndpointList(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	pq := parsePage(r, store.Descending, &probs)
	if err := probs.err(); err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	rows, err := a.store.DeliveryListByMessage(r.Context(), store.DeliveryListByMessageParams{
		AppID: app.ID, MsgID: msg.ID, Page: pq.fetchPage(),
	})
	if err != nil {
		return err
	}
	out := listResponse(pq, rows,
		func(d store.DeliveryWithEndpoint) string { return d.Endpoint.ID },
		newMessageEndpointOut)
	out.PrevIterator = nil
	writeJSON(w, http.StatusOK, out)
	return nil
}

// endpointMessageList is GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/msg,
// Svix's "attempted messages": the endpoint's deliveries with their
// messages, newest first.
func (a *API) endpointMessageList(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	q := r.URL.Query()
	tl := parseTimeList(r, &probs)
	p := store.DeliveryListByEndpointParams{
		AppID:       app.ID,
		Page:        tl.fetchPage(),
		Status:      queryStatus(q, &probs),
		Channel:     queryChannel(q, &probs),
		EventTypes:  queryEventTypes(q, &probs),
		Since:       tl.since,
		Until:       tl.until,
		WithContent: queryBool(q, "with_content", true, &probs),
	}
	if err := probs.err(); err != nil {
		return err
	}
	ep, err := a.store.EndpointGet(r.Context(), app.ID, r.PathValue("endpoint_id"))
	if err != nil {
		return err
	}
	p.EndpointID = ep.ID
	rows, err := a.store.DeliveryListByEndpoint(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, timeListResponse(tl, rows,
		func(d store.DeliveryWithMessage) string { return d.Message.ID },
		func(d store.DeliveryWithMessage) endpointMessageOut {
			return endpointMessageOut{d: &d, withContent: p.WithContent}
		}))
	return nil
}

// messageResend is POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend:
// 202 with no body once the attempt is scheduled. A message whose content
// is gone cannot be resent (400 missing_payload, as Svix); one never
// delivered to that endpoint is a 404.
func (a *API) messageResend(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	msg, err := a.message(r, app.ID)
	if err != nil {
		return err
	}
	if msg.Payload == nil {
		return errBadRequest("missing_payload", "Unable to resend message. Payload is missing (probably expired).")
	}
	ep, err := a.store.EndpointGet(r.Context(), app.ID, r.PathValue("endpoint_id"))
	if err != nil {
		return err
	}
	if err := a.engine.Resend(r.Context(), app.ID, msg.ID, ep.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
