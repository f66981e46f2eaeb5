package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// messageAttempts is how many of a message's attempts its page shows: a
// message retried on the default schedule has 8 per endpoint.
const messageAttempts = 500

// messageView is a message's page: the message, its payload
// pretty-printed, and per endpoint it went to, the delivery and its
// attempts, newest first.
type messageView struct {
	Message  webhook.Message
	Payload  string
	Targets  []messageTarget
	LiveURL  string
	Notice   *notice
	Resent   string // the endpoint the notice is about
	Complete bool   // every attempt is shown
}

// messageTarget is one endpoint a message went to.
type messageTarget struct {
	EndpointID string
	Label      string
	URL        string // credentials redacted
	// Delivery is nil for an endpoint deleted since: its attempts stay.
	Delivery *webhook.Delivery
	Attempts []webhook.Attempt
}

// messagePage is one message of the app's log.
func (d *Dashboard) messagePage(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.showMessage(w, r, a, http.StatusOK, "", nil)
}

// showMessage renders the message of r's path with n (an action's
// result, about endpoint resent) at the top; another app's message, or
// none, is a 404.
func (d *Dashboard) showMessage(w http.ResponseWriter, r *http.Request, a appRequest, status int, resent string, n *notice) error {
	id := r.PathValue("msg")
	msg, err := d.store.MessageGet(r.Context(), a.App.ID, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && msg.ID != id {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	v := messageView{Message: msg, Notice: n, Resent: resent, LiveURL: a.URL("messages", "live") + "?msg=" + msg.ID}
	if msg.Payload != nil {
		v.Payload = prettyJSON(msg.Payload)
	}
	ds, err := d.store.DeliveryListByMessage(r.Context(), store.DeliveryListByMessageParams{
		AppID: a.App.ID, MsgID: msg.ID, Page: store.Page{Limit: logEndpoints, Order: store.Ascending},
	})
	if err != nil {
		return fmt.Errorf("list deliveries: %w", err)
	}
	at := map[string]int{}
	for _, de := range ds {
		dl := de.Delivery
		c := choiceOf(de.Endpoint)
		at[dl.EndpointID] = len(v.Targets)
		v.Targets = append(v.Targets, messageTarget{EndpointID: dl.EndpointID, Label: c.Label, URL: webhook.RedactURL(de.Endpoint.URL), Delivery: &dl})
	}
	attempts, err := d.store.AttemptList(r.Context(), store.AttemptListParams{
		AppID: a.App.ID, MsgID: msg.ID, Page: store.Page{Limit: messageAttempts + 1, Order: store.Descending},
	})
	if err != nil {
		return fmt.Errorf("list attempts: %w", err)
	}
	v.Complete = len(attempts) <= messageAttempts
	if !v.Complete {
		attempts = attempts[:messageAttempts]
	}
	for _, att := range attempts {
		i, ok := at[att.EndpointID]
		if !ok {
			i = len(v.Targets)
			at[att.EndpointID] = i
			v.Targets = append(v.Targets, messageTarget{EndpointID: att.EndpointID, Label: "Deleted endpoint", URL: webhook.RedactURL(att.URL)})
		}
		v.Targets[i].Attempts = append(v.Targets[i].Attempts, att)
	}
	return d.render(w, status, "message", a.page("Message "+msg.ID, "messages", v))
}

// messageResend sends the message again to one of its endpoints
// (Engine.Resend, a manual attempt) and answers its page with the result;
// the attempt itself appears on the page once made (live.go).
func (d *Dashboard) messageResend(w http.ResponseWriter, r *http.Request, a appRequest) error {
	ep := strings.TrimSpace(r.PostFormValue("endpoint"))
	msgID := r.PathValue("msg")
	if _, err := d.store.MessageGet(r.Context(), a.App.ID, msgID); errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	} else if err != nil {
		return fmt.Errorf("read message: %w", err)
	}
	err := d.engine.Resend(r.Context(), a.App.ID, msgID, ep)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return d.showMessage(w, r, a, http.StatusNotFound, ep, &notice{Kind: "error", Title: "Not sent",
			Detail: "This message never went to that endpoint, or the endpoint was deleted: there is nothing to send again."})
	case err != nil:
		d.logger.WarnContext(r.Context(), "dashboard: resend", "app", a.App.ID, "msg", msgID, "endpoint", ep, "err", err)
		return d.showMessage(w, r, a, http.StatusServiceUnavailable, ep, &notice{Kind: "error", Title: "Not sent",
			Detail: "The server could not queue the message again right now. Try again in a moment."})
	}
	return d.showMessage(w, r, a, http.StatusOK, ep, &notice{Kind: "ok", Title: "Sent again",
		Detail: "The message is on its way to this endpoint again: the new attempt appears below once it is made."})
}
