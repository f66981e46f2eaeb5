package api

import (
	"context"
	"net/http"
	"slices"

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
	tl, p := attemptQuery(r, app.ID, &probs)
	p.StatusCodeClass = queryStatusCodeClass(q, &probs)
	withContent := queryBool(q, "with_content", true, &probs)
	return a.writeAttempts(w, r, probs, tl, withContent, func(ctx context.Context) (store.AttemptListParams, error) {
		ep, err := a.store.EndpointGet(ctx, app.ID, r.PathValue("endpoint_id"))
		p.EndpointID = ep.ID
		return p, err
	})
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
	tl, p := attemptQuery(r, app.ID, &probs)
	withContent := true
	if current {
		p.StatusCodeClass = queryStatusCodeClass(q, &probs)
		withContent = queryBool(q, "with_content", true, &probs)
	}
	epID := q.Get("endpoint_id")
	if epID != "" && !webhook.ValidUID(epID) {
		probs.addQuery("endpoint_id", "endpoint_id must be an endpoint's ID or uid")
	}
	return a.writeAttempts(w, r, probs, tl, withContent, func(ctx context.Context) (store.AttemptListParams, error) {
		msg, err := a.message(r, app.ID)
		if err != nil {
			return p, err
		}
		p.MsgID = msg.ID
		if epID != "" {
			ep, err := a.store.EndpointGet(ctx, app.ID, epID)
			p.EndpointID = ep.ID
			return p, err
		}
		return p, nil
	})
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
	tl, p := attemptQuery(r, app.ID, &probs)
	return a.writeAttempts(w, r, probs, tl, true, func(ctx context.Context) (store.AttemptListParams, error) {
		msg, err := a.message(r, app.ID)
		if err != nil {
			return p, err
		}
		ep, err := a.store.EndpointGet(ctx, app.ID, r.PathValue("endpoint_id"))
		p.MsgID, p.EndpointID = msg.ID, ep.ID
		return p, err
	})
}

// attemptQuery reads the page and the filters every attempt list takes.
func attemptQuery(r *http.Request, appID string, probs *problems) (timeList, store.AttemptListParams) {
	q := r.URL.Query()
	expandedStatuses(q, probs)
	tl := parseTimeList(r, idIterator(webhook.PrefixAttempt), probs)
	return tl, store.AttemptListParams{
		AppID:      appID,
		Page:       tl.pq.fetchPage(),
		Status:     queryStatus(q, probs),
		Since:      tl.since,
		Until:      tl.until,
		EventTypes: queryEventTypes(q, probs),
		Channel:    queryChannel(q, probs),
		Tag:        queryTag(q, probs),
	}
}

// writeAttempts answers an attempt list. resolve completes the filters
// with what the path names (message, endpoint), once the query is known
// to be good.
//
// with_msg=true (the SDKs' option) puts each attempt's message in msg,
// without its payload ("{}"), as Svix documents: "message payloads are
// never included in the response, regardless of this flag".
func (a *API) writeAttempts(w http.ResponseWriter, r *http.Request, probs problems, tl timeList, withContent bool,
	resolve func(ctx context.Context) (store.AttemptListParams, error)) error {
	withMsg := queryBool(r.URL.Query(), "with_msg", false, &probs)
	sh := shapeOf(r)
	var msgs map[string]*webhook.Message
	return writeList(w, r, probs, tl.pq, func(ctx context.Context) ([]webhook.Attempt, error) {
		p, err := resolve(ctx)
		if err != nil {
			return nil, err
		}
		ats, err := a.store.AttemptList(ctx, p)
		if err != nil || !withMsg {
			return ats, err
		}
		msgs, err = a.attemptMessages(ctx, p.AppID, ats)
		return ats, err
	}, func(at webhook.Attempt) string { return at.ID },
		func(at webhook.Attempt) attemptOut {
			out := newAttemptOut(at, withContent, sh)
			if m := msgs[at.MsgID]; m != nil {
				mo := newMessageOut(m, false)
				out.Msg = &mo
			}
			return out
		})
}

// attemptMessages reads the messages of attempts, by ID, in one query.
func (a *API) attemptMessages(ctx context.Context, appID string, ats []webhook.Attempt) (map[string]*webhook.Message, error) {
	var ids []string
	for _, at := range ats {
		if !slices.Contains(ids, at.MsgID) {
			ids = append(ids, at.MsgID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ms, err := a.store.MessageList(ctx, store.MessageListParams{AppID: appID, IDs: ids, Page: store.Page{Limit: len(ids)}})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*webhook.Message, len(ms))
	for i := range ms {
		out[ms[i].ID] = &ms[i]
	}
	return out, nil
}

// attemptGet is GET /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}.
func (a *API) attemptGet(w http.ResponseWriter, r *http.Request) error {
	var probs problems
	expandedStatuses(r.URL.Query(), &probs)
	if err := probs.err(); err != nil {
		return err
	}
	app, msg, err := a.appMessage(r)
	if err != nil {
		return err
	}
	at, err := a.store.AttemptGet(r.Context(), app.ID, msg.ID, r.PathValue("attempt_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newAttemptOut(at, true, shapeOf(r)))
	return nil
}

// attemptExpungeContent is
// DELETE /api/v1/app/{app_id}/msg/{msg_id}/attempt/{attempt_id}/content:
// the response body the receiver sent is replaced by "EXPUNGED".
func (a *API) attemptExpungeContent(w http.ResponseWriter, r *http.Request) error {
	app, msg, err := a.appMessage(r)
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
// to, with each delivery's status, by endpoint ID ascending (oldest
// endpoint first), as Svix's list_attempted_destinations orders them.
func (a *API) messageEndpointList(w http.ResponseWriter, r *http.Request) error {
	app, err := a.app(r)
	if err != nil {
		return err
	}
	var probs problems
	pq := parsePage(r, store.Ascending, idIterator(webhook.PrefixEndpoint), &probs)
	return writeList(w, r, probs, pq, func(ctx context.Context) ([]store.DeliveryWithEndpoint, error) {
		msg, err := a.message(r, app.ID)
		if err != nil {
			return nil, err
		}
		return a.store.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{
			AppID: app.ID, MsgID: msg.ID, Page: pq.fetchPage(),
		})
	}, func(d store.DeliveryWithEndpoint) string { return d.Endpoint.ID },
		func(d store.DeliveryWithEndpoint) messageEndpointOut { return newMessageEndpointOut(d, shapeOf(r)) })
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
	expandedStatuses(q, &probs)
	tl := parseTimeList(r, idIterator(webhook.PrefixMessage), &probs)
	p := store.DeliveryListByEndpointParams{
		AppID:      app.ID,
		Page:       tl.pq.fetchPage(),
		Status:     queryStatus(q, &probs),
		Channel:    queryChannel(q, &probs),
		Tag:        queryTag(q, &probs),
		EventTypes: queryEventTypes(q, &probs),
		Since:      tl.since,
		Until:      tl.until,
	}
	// The payloads are read after the rows, within the page's budget.
	withContent := queryBool(q, "with_content", true, &probs)
	var fill fillFunc[store.DeliveryWithMessage]
	if withContent {
		fill = contentFiller(a, app.ID, func(d store.DeliveryWithMessage) string { return d.Message.ID },
			func(d *store.DeliveryWithMessage, payload []byte) { d.Message.Payload = payload })
	}
	return writeListFilled(w, r, probs, tl.pq, func(ctx context.Context) ([]store.DeliveryWithMessage, error) {
		ep, err := a.store.EndpointGet(ctx, app.ID, r.PathValue("endpoint_id"))
		if err != nil {
			return nil, err
		}
		p.EndpointID = ep.ID
		return a.store.DeliveryListByEndpoint(ctx, p)
	}, fill, func(d store.DeliveryWithMessage) string { return d.Message.ID },
		func(d store.DeliveryWithMessage) endpointMessageOut {
			return endpointMessageOut{d: &d, withContent: withContent, shape: shapeOf(r)}
		})
}

// messageResend is POST /api/v1/app/{app_id}/msg/{msg_id}/endpoint/{endpoint_id}/resend:
// 202 with Svix's EmptyResponse, {}, once the attempt is scheduled (the
// newest SDKs decode the body, and an empty one fails them). A message whose content
// is gone cannot be resent (400 missing_payload, as Svix); one never
// delivered to that endpoint is a 404.
func (a *API) messageResend(w http.ResponseWriter, r *http.Request) error {
	app, msg, err := a.appMessage(r)
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
	writeRaw(w, http.StatusAccepted, emptyResponse)
	return nil
}
