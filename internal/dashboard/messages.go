package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// messageStore is what the message log reads.
type messageStore interface {
	MessageGet(ctx context.Context, appID, idOrEventID string) (webhook.Message, error)
	MessageList(ctx context.Context, p store.MessageListParams) ([]webhook.Message, error)
	AttemptList(ctx context.Context, p store.AttemptListParams) ([]webhook.Attempt, error)
	DeliveryListByMessage(ctx context.Context, p store.DeliveryListByMessageParams) ([]store.DeliveryWithEndpoint, error)
	DeliveryListByEndpoint(ctx context.Context, p store.DeliveryListByEndpointParams) ([]store.DeliveryWithMessage, error)
}

// messageEngine is what the message log's actions ask of the engine.
type messageEngine interface {
	Resend(ctx context.Context, appID, msgID, endpointID string) error
	Recover(ctx context.Context, p store.DeliveryRecoverParams) (int, error)
	// Watch tells what the engine commits in an app (live.go).
	Watch(appID string) (<-chan delivery.Committed, func())
}

// messageRoutes are the pages of an app's message log.
func (d *Dashboard) messageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/messages", d.inApp(d.messageList))
	mux.HandleFunc("GET /portal/{app}/messages/live", d.inApp(d.messagesLive))
	mux.HandleFunc("POST /portal/{app}/messages/recover", d.inApp(d.messagesRecover))
	mux.HandleFunc("GET /portal/{app}/messages/{msg}", d.inApp(d.messagePage))
	mux.HandleFunc("POST /portal/{app}/messages/{msg}/resend", d.inApp(d.messageResend))
}

const (
	// messagesPerPage is how many messages one page of the log shows.
	messagesPerPage = 50
	// logEndpoints is how many of the app's endpoints the log's selects
	// offer (endpoint filter, recover); an app with more is rare, and
	// its other endpoints are filtered from their own pages.
	logEndpoints = 100
	// logEventTypes is how many event types of the catalog the event
	// type filter offers.
	logEventTypes = 250
)

// logFilter is the message log's filters, as the GET form sends them.
// Every one maps to a store parameter that an index serves or that
// narrows a scan the page's limit ends (see messagesQuery).
type logFilter struct {
	EventType string
	Endpoint  string
	Status    string // "success", "failed", "pending"; only with Endpoint
	Channel   string
	From, To  string // datetime-local, UTC
	since     time.Time
	until     time.Time
	status    *webhook.MessageStatus
}

// statuses are the status filter's choices: a delivery's Svix status,
// with Sending (a retry scheduled) shown as pending.
var statuses = map[string]webhook.MessageStatus{
	"success": webhook.StatusSuccess,
	"failed":  webhook.StatusFail,
	"pending": webhook.StatusPending,
}

// datetimeLocal is the value format of an <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// parseLocal reads a datetime-local value as UTC, with or without seconds.
func parseLocal(s string) (time.Time, error) {
	for _, layout := range []string{datetimeLocal, datetimeLocal + ":05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("enter a date and time, such as 2026-03-01T09:30")
}

// readFilter reads the log's filters from q; problems go to errs.
func readFilter(q url.Values, errs *fieldErrors) logFilter {
	f := logFilter{
		EventType: strings.TrimSpace(q.Get("event_type")),
		Endpoint:  strings.TrimSpace(q.Get("endpoint")),
		Status:    q.Get("status"),
		Channel:   strings.TrimSpace(q.Get("channel")),
		From:      q.Get("from"), To: q.Get("to"),
	}
	var err error
	if f.From != "" {
		f.since, err = parseLocal(f.From)
		errs.set("from", err)
	}
	if f.To != "" {
		f.until, err = parseLocal(f.To)
		errs.set("to", err)
	}
	if !f.since.IsZero() && !f.until.IsZero() && !f.until.After(f.since) {
		errs.set("to", errors.New("must be after From"))
	}
	if f.Endpoint != "" && !webhook.ValidID(webhook.PrefixEndpoint, f.Endpoint) {
		errs.set("endpoint", errors.New("choose one of the endpoints"))
	}
	if f.Status != "" {
		st, ok := statuses[f.Status]
		switch {
		case !ok:
			errs.set("status", errors.New("choose success, failed or pending"))
		case f.Endpoint == "":
			// A message's status is per endpoint: the store keeps it on
			// each delivery, and finds an endpoint's by index.
			errs.set("status", errors.New("choose an endpoint too: a message has a status for each endpoint it goes to"))
		default:
			f.status = &st
		}
	}
	return f
}

// Active reports whether any filter is set.
func (f logFilter) Active() bool {
	return f.EventType != "" || f.Endpoint != "" || f.Status != "" || f.Channel != "" || f.From != "" || f.To != ""
}

// query is the filters as a query string, for the pager's links.
func (f logFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"event_type": f.EventType, "endpoint": f.Endpoint, "status": f.Status, "channel": f.Channel, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// messageRow is one message of the log with how its deliveries stand.
type messageRow struct {
	webhook.Message
	Status deliveryTally
}

// deliveryTally counts a message's deliveries by how they stand.
type deliveryTally struct {
	Endpoints, Succeeded, Failed, Pending int
}

func (t *deliveryTally) add(s webhook.MessageStatus) {
	t.Endpoints++
	switch s {
	case webhook.StatusSuccess:
		t.Succeeded++
	case webhook.StatusFail:
		t.Failed++
	default:
		t.Pending++
	}
}

// messagesData is one page of the message log, with its filters and the
// recover form.
type messagesData struct {
	Filter     logFilter
	Errors     fieldErrors
	EventTypes []string
	Endpoints  []endpointChoice
	Rows       []messageRow
	// Older and Newer are the query strings of the pager's links; empty
	// when there is no such page.
	Older, Newer string
	First        bool
	// FirstURL is the newest page with the same filters, which live
	// updates fetch again.
	FirstURL string
	// Searched is the oldest message a page with filters no index serves
	// examined, when it found fewer matches than a page holds and older
	// messages remain: Older searches on from it.
	Searched *webhook.Message
	// Paged is true beyond the first page.
	Paged bool
	// ScanWindow is logScanWindow as the page says it.
	ScanWindow string
	// LiveURL is the event stream that refreshes the first page.
	LiveURL string
	Recover recoverForm
	Notice  *notice
}

// endpointChoice is an endpoint as the log's selects name it: its
// description, else its URL with credentials redacted.
type endpointChoice struct {
	ID, Label string
}

func choiceOf(ep webhook.Endpoint) endpointChoice {
	label := ep.Description
	if label == "" {
		label = webhook.RedactURL(ep.URL)
	}
	return endpointChoice{ID: ep.ID, Label: label}
}

// messageList is the app's message log: newest first, filtered by the GET
// form, paged by message ID.
func (d *Dashboard) messageList(w http.ResponseWriter, r *http.Request, a appRequest) error {
	return d.showMessages(w, r, a, http.StatusOK, recoverForm{}, nil)
}

// showMessages renders the log for r's filters and page, with the
// recover form rf and the notice n (an action's result).
func (d *Dashboard) showMessages(w http.ResponseWriter, r *http.Request, a appRequest, status int, rf recoverForm, n *notice) error {
	q := r.URL.Query()
	data := messagesData{Recover: rf, Notice: n, ScanWindow: thousands(logScanWindow)}
	data.Filter = readFilter(q, &data.Errors)
	if data.Recover.Endpoint == "" {
		// The log of one endpoint (the endpoint page links to it) offers
		// to recover that endpoint's failed messages.
		data.Recover.Endpoint = data.Filter.Endpoint
	}
	after, before := q.Get("after"), q.Get("before")
	for _, c := range []string{after, before} {
		if c != "" && !webhook.ValidID(webhook.PrefixMessage, c) {
			d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of messages is not valid. Go back to the first page.")
			return nil
		}
	}
	var err error
	if data.EventTypes, data.Endpoints, err = d.logChoices(r.Context(), a); err != nil {
		return err
	}
	if et := data.Filter.EventType; et != "" && !slices.Contains(data.EventTypes, et) {
		// An archived type, or one beyond the select's length: still
		// shown as chosen.
		data.EventTypes = append(data.EventTypes, et)
	}
	data.FirstURL = a.URL("messages")
	if fq := data.Filter.query().Encode(); fq != "" {
		data.FirstURL += "?" + fq
	}

	if len(data.Errors) == 0 {
		if err := d.readLogPage(r.Context(), a, &data, after, before); err != nil {
			return err
		}
	} else if status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	data.First = !data.Paged || data.Newer == "" && q.Get("before") != ""
	if data.First {
		data.LiveURL = a.URL("messages", "live")
	}
	return d.render(w, status, "messages", a.page("Messages", "messages", data))
}

// logChoices reads what the filter and recover selects offer.
func (d *Dashboard) logChoices(ctx context.Context, a appRequest) ([]string, []endpointChoice, error) {
	types, err := d.store.EventTypeList(ctx, store.EventTypeListParams{
		Page:      store.Page{Limit: logEventTypes, Order: store.Ascending},
		FlagsSeen: a.Session.Principal.FlagsSeen(),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list event types: %w", err)
	}
	names := make([]string, len(types))
	for i, et := range types {
		names[i] = et.Name
	}
	eps, err := d.store.EndpointList(ctx, store.EndpointListParams{AppID: a.App.ID, Page: store.Page{Limit: logEndpoints, Order: store.Ascending}})
	if err != nil {
		return nil, nil, fmt.Errorf("list endpoints: %w", err)
	}
	choices := make([]endpointChoice, len(eps))
	for i, ep := range eps {
		choices[i] = choiceOf(ep)
	}
	return names, choices, nil
}

// ceilingID sorts after every message ID: the upper end of a window
// (store.Page with After and Before) that starts at the newest message.
var ceilingID = webhook.BoundaryID(webhook.PrefixMessage, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))

// messagesPage is the store.Page of one page of the log. IDs carry their
// creation time (webhook.BoundaryID), so the date range becomes a window
// of the ID index too: a page read walking down from To stops at From
// instead of scanning older messages for a filter that matches none. A
// page walking back (Newer) keeps the dates as the store's own filter.
func messagesPage(f logFilter, after, before string) store.Page {
	p := store.Page{Limit: messagesPerPage + 1, Order: store.Descending, After: after, Before: before}
	if before != "" {
		return p
	}
	if !f.until.IsZero() {
		if top := webhook.BoundaryID(webhook.PrefixMessage, f.until); p.After == "" || top < p.After {
			p.After = top
		}
	}
	if !f.since.IsZero() {
		if p.After == "" {
			p.After = ceilingID
		}
		p.Before = webhook.BoundaryID(webhook.PrefixMessage, f.since)
	}
	return p
}

// logScanWindow is how many messages one page of the log examines at
// most for the filters no index serves (event type, channel, status): a
// filter that matches few of a million messages, or none, would
// otherwise scan them all. A page that found fewer matches than it shows
// says how far it looked, and its Older link searches on from there.
const logScanWindow = 5000

// thousands writes n with a comma between each three digits: 5,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sparse reports whether f has a filter that no index serves, so that a
// page is read within a scan window.
func (f logFilter) sparse() bool { return f.EventType != "" || f.Channel != "" || f.status != nil }

// readLogPage reads one page into data: through the endpoint's deliveries
// when an endpoint is chosen (the status is a delivery's), else the app's
// messages, each with its deliveries tallied.
func (d *Dashboard) readLogPage(ctx context.Context, a appRequest, data *messagesData, after, before string) error {
	f := data.Filter
	page := messagesPage(f, after, before)
	// cut is the oldest message the window examined, when the window
	// ended before the messages did.
	var cut *webhook.Message
	var rows []messageRow
	var err error
	if f.sparse() {
		if before != "" {
			// Walking back through a scan window is not bounded by an
			// index: the sparse log pages forward only, from Newest.
			before = ""
		}
		// A small window first: a filter that matches one message in ten
		// fills its page there; a rarer one looks through the whole.
		for _, size := range []int{logScanWindow / 10, logScanWindow} {
			page = messagesPage(f, after, "")
			if cut, err = d.scanWindow(ctx, a, &page, size); err != nil {
				return err
			}
			if rows, err = d.listLog(ctx, a, f, page); err != nil {
				return err
			}
			if cut == nil || len(rows) > messagesPerPage {
				cut = nil // the page is full or the messages ended: nothing was cut short
				break
			}
		}
	} else if rows, err = d.listLog(ctx, a, f, page); err != nil {
		return err
	}
	more := len(rows) > messagesPerPage
	if more {
		// Walking back, the extra row is the newest; else the oldest.
		if before != "" {
			rows = rows[1:]
		} else {
			rows = rows[:messagesPerPage]
		}
	}
	if f.Endpoint == "" {
		if err := d.tallyDeliveries(ctx, a, rows); err != nil {
			return err
		}
	}
	data.Rows = rows
	q := f.query()
	switch {
	case !more && cut != nil:
		data.Searched = cut
		q.Set("after", cut.ID)
		data.Older = q.Encode()
		q.Del("after")
	case len(rows) > 0 && (more || before != ""):
		q.Set("after", rows[len(rows)-1].ID)
		data.Older = q.Encode()
		q.Del("after")
	}
	if len(rows) > 0 && !f.sparse() && (after != "" || before != "" && more) {
		q.Set("before", rows[0].ID)
		data.Newer = q.Encode()
	}
	data.Paged = after != "" || before != ""
	return nil
}

// scanWindow narrows page to the next size messages of the app
// (read from the ID index alone, no filter) and returns the oldest of them when
// older ones remain beyond the window.
func (d *Dashboard) scanWindow(ctx context.Context, a appRequest, page *store.Page, size int) (*webhook.Message, error) {
	wp := *page
	wp.Limit = size + 1
	msgs, err := d.store.MessageList(ctx, store.MessageListParams{AppID: a.App.ID, Page: wp, KeysOnly: true})
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	if len(msgs) <= size {
		return nil, nil
	}
	if page.After == "" {
		page.After = ceilingID // keep the window descending from the top
	}
	// Before is exclusive: the window ends at the message above it.
	page.Before = msgs[size].ID
	last := msgs[size-1]
	last.CreatedAt, _ = webhook.IDTime(last.ID) // keys only: the ID tells the time
	return &last, nil
}

// listLog reads the rows of one page of the log.
func (d *Dashboard) listLog(ctx context.Context, a appRequest, f logFilter, page store.Page) ([]messageRow, error) {
	var types []string
	if f.EventType != "" {
		types = []string{f.EventType}
	}
	if f.Endpoint == "" {
		msgs, err := d.store.MessageList(ctx, store.MessageListParams{
			AppID: a.App.ID, Page: page, Since: f.since, Until: f.until, EventTypes: types, Channel: f.Channel,
		})
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		rows := make([]messageRow, len(msgs))
		for i, m := range msgs {
			rows[i] = messageRow{Message: m}
		}
		return rows, nil
	}
	ds, err := d.store.DeliveryListByEndpoint(ctx, store.DeliveryListByEndpointParams{
		AppID: a.App.ID, EndpointID: f.Endpoint, Page: page, Status: f.status,
		Channel: f.Channel, EventTypes: types, Since: f.since, Until: f.until,
	})
	if err != nil {
		return nil, fmt.Errorf("list deliveries of %s: %w", f.Endpoint, err)
	}
	rows := make([]messageRow, len(ds))
	for i, dm := range ds {
		rows[i] = messageRow{Message: dm.Message}
		rows[i].Status.add(dm.Delivery.Status)
	}
	return rows, nil
}

// tallyDeliveries counts how each row's deliveries stand: one indexed
// read of a message's deliveries (keyed by message ID) per row.
func (d *Dashboard) tallyDeliveries(ctx context.Context, a appRequest, rows []messageRow) error {
	for i := range rows {
		ds, err := d.store.DeliveryListByMessage(ctx, store.DeliveryListByMessageParams{
			AppID: a.App.ID, MsgID: rows[i].ID, Page: store.Page{Limit: logEndpoints, Order: store.Ascending},
		})
		if err != nil {
			return fmt.Errorf("list deliveries of %s: %w", rows[i].ID, err)
		}
		for _, de := range ds {
			rows[i].Status.add(de.Delivery.Status)
		}
	}
	return nil
}
