package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointActionRoutes are the actions of an endpoint's page: its signing
// secret, a test event, a test of the connection. Each is a POST (the
// CSRF token checked by inApp) that answers the endpoint's page with its
// result in place.
func (d *Dashboard) endpointActionRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/secret/reveal", d.inApp(d.withEndpoint(d.secretReveal)))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/secret/rotate", d.inApp(d.withEndpoint(d.secretRotate)))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/test-event", d.inApp(d.withEndpoint(d.sendTestEvent)))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/ping", d.inApp(d.withEndpoint(d.pingEndpoint)))
}

// Bounds of what the actions show.
const (
	// testEventTypesShown is how many of the catalog's event types the
	// test event's select offers; a longer catalog is cut, and said so.
	testEventTypesShown = 200
	// pingBodyShown is how much of a ping's response body the page shows.
	pingBodyShown = 4096
	// attemptWait bounds how long sending a test event waits for its
	// attempt before answering: a loopback or healthy receiver answers
	// well within it; a slow one is followed on the message's page.
	attemptWait = 3 * time.Second
)

// endpointActionsView is what the actions of an endpoint's page show:
// what the forms offer, and the result of the action just done (at most
// one of Secret, Sent and Ping is set).
type endpointActionsView struct {
	// URL is the endpoint's page; the actions post below it.
	URL string
	// Disabled is the endpoint's flag: a test event is not sent to a
	// disabled endpoint (a ping is).
	Disabled bool
	// Secret is the signing secret, set only by an explicit action
	// (reveal, rotate): a plain view of the page never carries it.
	Secret string
	// OldSecretsUntil is when the last rotated-out secret stops signing;
	// nil when none does.
	OldSecretsUntil *time.Time
	// Rotated is set when the secret was just rotated.
	Rotated bool
	// RotateError is why a rotation was not done, shown next to its
	// confirmation.
	RotateError string

	// EventTypes are what the test event's select offers: the catalog
	// the session sees (Svix's test event, which needs none, first).
	EventTypes []testEventType
	// MoreEventTypes is set when the catalog has more than are offered.
	MoreEventTypes bool
	// CatalogEmpty is set when the app's catalog has no event type.
	CatalogEmpty bool
	// EventType is the type chosen last.
	EventType string
	// TestError is why a test event was not sent, next to its select.
	TestError string
	Sent      *sentEvent

	Ping *pingView
}

// testEventType is one option of the test event's select.
type testEventType struct {
	Name        string
	Description string
	// HasExample is false for an event type whose schema has no example:
	// send-example has nothing to send for it.
	HasExample bool
}

// sentEvent is a test event just sent, and its first attempt if it came
// within attemptWait.
type sentEvent struct {
	MsgID     string
	MsgURL    string
	EventType string
	Attempt   *webhook.Attempt
}

// pingView is what a test of the connection got back.
type pingView struct {
	Success    bool
	StatusCode int
	Duration   time.Duration
	// Body is the start of the response body, cut to pingBodyShown.
	Body string
	// Cut is set when Body was cut.
	Cut bool
	// Error says in words why no answer (or no 2xx) came.
	Error string
	// Refused is set when Hookline itself refused to send (the SSRF
	// guard): the receiver was never reached.
	Refused bool
	// Busy is set when another test of the endpoint is still running.
	Busy bool
}

// endpointActions reads what the actions of ep's page need.
func (d *Dashboard) endpointActions(ctx context.Context, a appRequest, ep webhook.Endpoint) (endpointActionsView, error) {
	v := endpointActionsView{URL: a.URL("endpoints", ep.ID), Disabled: ep.Disabled}
	now := d.now()
	for _, old := range ep.OldSecrets {
		if old.ExpiresAt.After(now) && (v.OldSecretsUntil == nil || old.ExpiresAt.After(*v.OldSecretsUntil)) {
			v.OldSecretsUntil = &old.ExpiresAt
		}
	}
	types, err := d.store.EventTypeList(ctx, store.EventTypeListParams{
		Page:      store.Page{Limit: testEventTypesShown + 1, Order: store.Ascending},
		FlagsSeen: a.Session.Principal.FlagsSeen(),
	})
	if err != nil {
		return v, fmt.Errorf("list event types: %w", err)
	}
	if len(types) > testEventTypesShown {
		types, v.MoreEventTypes = types[:testEventTypesShown], true
	}
	v.CatalogEmpty = len(types) == 0
	v.EventTypes = append(v.EventTypes, testEventType{
		Name: webhook.TestEventType, Description: "Svix's test event", HasExample: true,
	})
	for _, et := range types {
		v.EventTypes = append(v.EventTypes, testEventType{
			Name: et.Name, Description: et.Description, HasExample: webhook.SchemaExample(et.Schemas, 0) != nil,
		})
	}
	return v, nil
}

// endpointHandlerFunc is an action on one endpoint of the app.
type endpointHandlerFunc func(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error

// withEndpoint reads the endpoint of the path in the request's app
// (pathEndpoint): an endpoint of another app is not found, as one that
// does not exist.
func (d *Dashboard) withEndpoint(fn endpointHandlerFunc) appHandlerFunc {
	return func(w http.ResponseWriter, r *http.Request, a appRequest) error {
		ep, ok, err := d.pathEndpoint(w, r, a)
		if !ok {
			return err
		}
		return fn(w, r, a, ep)
	}
}

// showActions renders ep's page with the actions' view changed by set:
// the page an action answers.
func (d *Dashboard) showActions(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint, status int, set func(*endpointActionsView)) error {
	v, err := d.endpointActions(r.Context(), a, ep)
	if err != nil {
		return err
	}
	set(&v)
	return d.renderActions(w, r, a, ep, status, v)
}

// renderActions renders ep's page, as showEndpoint does, with v for its
// actions.
func (d *Dashboard) renderActions(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint, status int, v endpointActionsView) error {
	health, err := d.connections(r.Context(), a.App.ID, []webhook.Endpoint{ep})
	if err != nil {
		return err
	}
	c := health[ep.ID]
	return d.renderEndpoint(w, status, a, endpointView{Endpoint: ep, Actions: v, Health: &c})
}

// secretReveal shows the signing secret, in a read-only field to copy.
func (d *Dashboard) secretReveal(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error {
	return d.showActions(w, r, a, ep, http.StatusOK, func(v *endpointActionsView) { v.Secret = ep.Secret })
}

// secretRotate gives the endpoint a new signing secret, as the API's
// rotate does with no body: a generated key, the current one signing on
// for webhook.SecretGrace so that the receiver has time to switch. The
// form must confirm that on purpose; the new secret is shown at once,
// since the receiver needs it.
func (d *Dashboard) secretRotate(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error {
	if r.PostFormValue("confirm") != "yes" {
		return d.showActions(w, r, a, ep, http.StatusUnprocessableEntity, func(v *endpointActionsView) {
			v.RotateError = "Tick the box to confirm: nothing was rotated."
		})
	}
	next, err := signature.GenerateSecret()
	if err != nil {
		return err
	}
	now, before := d.now().UTC().Truncate(time.Millisecond), ep
	if err := ep.RotateSecret(next, now, webhook.SecretGrace); errors.Is(err, webhook.ErrTooManyRotations) {
		return d.showActions(w, r, a, before, http.StatusConflict, func(v *endpointActionsView) {
			v.RotateError = fmt.Sprintf("This secret was rotated %d times in the last day; wait for an old secret to expire, then rotate again.", webhook.MaxOldSecrets)
		})
	} else if err != nil {
		return err
	}
	ep.UpdatedAt = now
	err = d.endpoints.Apply(r.Context(), endpoint.Change{Op: endpoint.Update, App: a.App, Before: &before, After: ep})
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("rotate secret: %w", err)
	}
	return d.showActions(w, r, a, ep, http.StatusOK, func(v *endpointActionsView) { v.Secret, v.Rotated = ep.Secret, true })
}

// sendTestEvent sends the chosen event type's example to this endpoint
// alone, as the API's send-example does (webhook.ExampleMessage, then a
// publish to the one endpoint), and waits a little for its attempt.
func (d *Dashboard) sendTestEvent(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error {
	v, err := d.endpointActions(r.Context(), a, ep)
	if err != nil {
		return err
	}
	name := r.PostFormValue("event_type")
	v.EventType = name
	refuse := func(msg string) error {
		v.TestError = msg
		return d.renderActions(w, r, a, ep, http.StatusUnprocessableEntity, v)
	}
	// Only what the select offers: the catalog this session sees, so a
	// portal does not send an event type its flags hide.
	var offered *testEventType
	for i := range v.EventTypes {
		if v.EventTypes[i].Name == name {
			offered = &v.EventTypes[i]
		}
	}
	if offered == nil {
		return refuse("Choose an event type from the list.")
	}
	if ep.Disabled {
		// The engine keeps a disabled endpoint's deliveries until it is
		// enabled: the test event would wait unseen.
		return refuse("This endpoint is disabled, so the test event would not be sent. Enable it first, or use Test connection, which reaches a disabled endpoint too.")
	}
	if !offered.HasExample {
		return refuse("This event type's schema has no example to send. Choose another, or add an example to its schema.")
	}
	var et webhook.EventType
	if name != webhook.TestEventType {
		if et, err = d.store.EventTypeGet(r.Context(), name); err != nil {
			return fmt.Errorf("read event type: %w", err)
		}
	}
	msg, ok := webhook.ExampleMessage(a.App.ID, name, et, 0, d.now().UTC().Truncate(time.Millisecond))
	if !ok {
		return refuse("This event type's schema has no example to send. Choose another, or add an example to its schema.")
	}
	// Watching from before the publish, no commit of its attempt is missed.
	commits, stopWatching := d.engine.Watch(a.App.ID)
	defer stopWatching()
	err = d.engine.Publish(r.Context(), delivery.PublishParams{Message: msg, OnlyEndpoint: ep.ID})
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("send test event: %w", err)
	}
	v.Sent = &sentEvent{MsgID: msg.ID, MsgURL: a.URL("messages", msg.ID), EventType: name}
	v.Sent.Attempt, err = d.firstAttempt(r.Context(), commits, a.App.ID, msg.ID, ep.ID)
	if err != nil {
		return err
	}
	return d.renderActions(w, r, a, ep, http.StatusOK, v)
}

// firstAttempt waits up to attemptWait for the message's first attempt
// to the endpoint, nil if none came by then (or the request ended). It
// reads the store when the engine commits something of the message (and
// once more at the end, since a watcher that falls behind loses commits).
func (d *Dashboard) firstAttempt(ctx context.Context, commits <-chan delivery.Committed, appID, msgID, endpointID string) (*webhook.Attempt, error) {
	read := func(ctx context.Context) (*webhook.Attempt, error) {
		list, err := d.store.AttemptList(ctx, store.AttemptListParams{
			AppID: appID, MsgID: msgID, EndpointID: endpointID,
			Page: store.Page{Limit: 1, Order: store.Ascending},
		})
		if err != nil || len(list) == 0 {
			return nil, err
		}
		return &list[0], nil
	}
	wait, cancel := context.WithTimeout(ctx, attemptWait)
	defer cancel()
	for {
		att, err := read(wait)
		if wait.Err() != nil {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read attempts: %w", err)
		}
		if att != nil {
			return att, nil
		}
		if !attemptCommitted(wait, commits, msgID) {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, nil
	}
	// The wait is over: one last look, for a commit the watcher dropped.
	att, err := read(ctx)
	if err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	return att, nil
}

// attemptCommitted waits for the engine to commit an attempt of msgID,
// false when wait ends (or the watch does) first.
func attemptCommitted(wait context.Context, commits <-chan delivery.Committed, msgID string) bool {
	for {
		select {
		case c, ok := <-commits:
			if !ok {
				return false
			}
			if c.MsgID == msgID && c.AttemptID != "" {
				return true
			}
		case <-wait.Done():
			return false
		}
	}
}

// pingEndpoint sends the engine's signed ping to the endpoint now and
// shows what came back, or why nothing did.
func (d *Dashboard) pingEndpoint(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error {
	res, err := d.engine.Ping(r.Context(), a.App.ID, ep.ID)
	if errors.Is(err, delivery.ErrPingInFlight) {
		return d.showActions(w, r, a, ep, http.StatusTooManyRequests, func(v *endpointActionsView) {
			v.Ping = &pingView{Busy: true, Error: "A test of this endpoint is still waiting for its answer. Try again when it is done."}
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return d.showActions(w, r, a, ep, http.StatusOK, func(v *endpointActionsView) { v.Ping = viewPing(res) })
}

// viewPing puts a ping's result in words.
func viewPing(res delivery.PingResult) *pingView {
	p := &pingView{Success: res.Success, StatusCode: res.StatusCode, Duration: res.Duration}
	p.Body = webhook.TruncateText(res.Body, pingBodyShown)
	p.Cut = len(p.Body) < len(res.Body)
	switch {
	case res.StatusCode == 0:
		p.Error = noAnswerText(res.Error)
		p.Refused = strings.HasPrefix(res.Error, "forbidden target")
	case !res.Success:
		p.Error = fmt.Sprintf("The endpoint answered %d: only a 2xx status counts as received.", res.StatusCode)
	}
	return p
}

// noAnswers put the causes of no response in plain words. The send's
// error texts are short and start with their cause (delivery/send's
// attemptError: "connection refused", "timeout: ...", "dns: ...");
// the guard's refusal starts with "forbidden target"
// (send.ErrForbiddenTarget).
var noAnswers = []struct{ prefix, words string }{
	{"forbidden target", "Hookline refused to send to this address"},
	{"connection refused", "The connection was refused: nothing listens at this address and port"},
	{"timeout", "The endpoint did not answer in time"},
	{"dns:", "The host name could not be found"},
	{"tls:", "The secure (TLS) connection failed"},
	{"host unreachable", "The host cannot be reached from the Hookline server"},
	{"connection reset", "The endpoint closed the connection"},
	{"connection closed", "The endpoint closed the connection"},
}

// noAnswerText is why no response came, in words, with the send's own
// text after them.
func noAnswerText(cause string) string {
	for _, n := range noAnswers {
		if strings.HasPrefix(cause, n.prefix) {
			return n.words + " (" + cause + ")."
		}
	}
	if cause == "" {
		return "No response came."
	}
	return cause + "."
}
