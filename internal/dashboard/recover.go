package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// recoverWindow is how far back "recover failed messages" reaches, as
// the API's recover (and Svix's) allows.
const recoverWindow = 14 * 24 * time.Hour

// recoverForm is the log's "recover failed messages" form: the endpoint
// and since when, and their problems.
type recoverForm struct {
	Endpoint string
	Since    string
	Errors   fieldErrors
}

// messagesRecover makes the failed deliveries of an endpoint created
// since the form's time due again (Engine.Recover, as the API's recover),
// and answers the log with how many went back in the queue; their new
// attempts show on the log and on each message's page as they happen.
func (d *Dashboard) messagesRecover(w http.ResponseWriter, r *http.Request, a appRequest) error {
	rf := recoverForm{Endpoint: strings.TrimSpace(r.PostFormValue("endpoint")), Since: r.PostFormValue("since")}
	now := d.now().UTC()
	since, err := parseLocal(rf.Since)
	rf.Errors.set("since", err)
	switch {
	case err != nil:
	case !since.Before(now):
		rf.Errors.set("since", errors.New("must be in the past"))
	case since.Before(now.Add(-recoverWindow)):
		rf.Errors.set("since", errors.New("can reach back 14 days at most"))
	}
	var ep webhook.Endpoint
	if rf.Endpoint == "" {
		rf.Errors.set("endpoint", errors.New("choose the endpoint whose failed messages to send again"))
	} else {
		ep, err = d.store.EndpointGet(r.Context(), a.App.ID, rf.Endpoint)
		if errors.Is(err, store.ErrNotFound) || err == nil && ep.ID != rf.Endpoint {
			rf.Errors.set("endpoint", errors.New("choose one of the endpoints"))
		} else if err != nil {
			return fmt.Errorf("read endpoint: %w", err)
		}
	}
	if len(rf.Errors) > 0 {
		return d.showMessages(w, r, a, http.StatusUnprocessableEntity, rf, nil)
	}
	n, err := d.engine.Recover(r.Context(), store.DeliveryRecoverParams{AppID: a.App.ID, EndpointID: ep.ID, Since: since, Now: now})
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	label := choiceOf(ep).Label
	res := &notice{Kind: "ok", Title: fmt.Sprintf("%d failed %s queued again", n, plural(n, "message", "messages")),
		Detail: fmt.Sprintf("To %s, created since %s. Their new attempts appear below as they are made.", label, since.Format("2 Jan 2006, 15:04 UTC"))}
	if n == 0 {
		res.Detail = fmt.Sprintf("%s has no failed messages created since %s.", label, since.Format("2 Jan 2006, 15:04 UTC"))
	}
	return d.showMessages(w, r, a, http.StatusOK, recoverForm{}, res)
}

// plural is one or many, by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
