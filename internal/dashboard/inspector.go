package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/inspector"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The operator's pages of the request inspector: the bins, a form making
// one (its catch URL shown once: the store keeps the token's hash), and a
// bin's live view, where captured requests appear as they arrive. The
// live view is the message log's pattern (live.go, static/live.js): an
// event stream says "look again" when the catch URL wakes the bin's
// followers (inspector.Hub), and the page fetches itself and swaps the
// list and the selected request. Without JavaScript it is a page like
// any other, current at each load.

// inspectorStore is what the inspector pages read and write.
type inspectorStore interface {
	BinCreate(ctx context.Context, b inspector.Bin) error
	BinGet(ctx context.Context, id string) (inspector.Bin, error)
	BinList(ctx context.Context, p store.BinListParams) ([]inspector.Bin, error)
	CaptureGet(ctx context.Context, binID, id string) (inspector.Capture, error)
	CaptureList(ctx context.Context, p store.CaptureListParams) ([]inspector.Capture, error)
}

// Page sizes of the inspector pages.
const (
	binsPerPage     = 50
	capturesPerPage = 50
)

// filterTime is how the search form's times are written (datetime-local,
// read as UTC).
const filterTime = "2006-01-02T15:04"

func (d *Dashboard) inspectorRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /inspector", d.operator(d.binList))
	mux.HandleFunc("POST /inspector", d.operator(d.binCreate))
	mux.HandleFunc("GET /inspector/{bin}", d.operator(d.binPage))
	mux.HandleFunc("GET /inspector/{bin}/live", d.operator(d.binLive))
	mux.HandleFunc("GET /inspector/{bin}/requests/{cap}/raw", d.operator(d.captureRaw))
}

type binsData struct {
	Bins  []inspector.Bin
	Next  string
	First bool
	Form  binForm
	// Created is the bin just made, with its catch URL: shown this once.
	Created  *inspector.Bin
	CatchURL string
}

// binForm is the new bin form: a name, the rest at its defaults.
type binForm struct {
	Name   string
	Errors fieldErrors
}

func (d *Dashboard) binList(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	return d.binListPage(w, r, sess, http.StatusOK, binsData{})
}

// binListPage renders the bins with data's form and result.
func (d *Dashboard) binListPage(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, data binsData) error {
	after, ok := d.pageAfter(w, r, webhook.PrefixBin)
	if !ok {
		return nil
	}
	bins, err := d.store.BinList(r.Context(), store.BinListParams{
		Page: store.Page{Limit: binsPerPage + 1, After: after, Order: store.Descending},
	})
	if err != nil {
		return fmt.Errorf("list bins: %w", err)
	}
	data.First = after == ""
	if len(bins) > binsPerPage {
		bins = bins[:binsPerPage]
		data.Next = bins[binsPerPage-1].ID
	}
	data.Bins = bins
	return d.render(w, status, "bins", d.operatorPage(sess, "Inspector", "inspector", data))
}

// binCreate makes a bin with the defaults, as the API's POST does, and
// shows its catch URL this once.
func (d *Dashboard) binCreate(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	form := binForm{Name: strings.TrimSpace(r.PostFormValue("name")), Errors: fieldErrors{}}
	now := d.now()
	b := inspector.NewBin(webhook.NewID(webhook.PrefixBin, now), now)
	b.Name = form.Name
	for _, e := range b.Validate() {
		form.Errors[e.Field] = e.Msg
	}
	if len(form.Errors) > 0 {
		return d.binListPage(w, r, sess, http.StatusUnprocessableEntity, binsData{Form: form})
	}
	token, hash := inspector.NewToken()
	b.TokenHash = hash
	if err := d.store.BinCreate(r.Context(), b); err != nil {
		return fmt.Errorf("create bin: %w", err)
	}
	return d.binListPage(w, r, sess, http.StatusCreated, binsData{Created: &b, CatchURL: inspector.CatchURL(d.publicURL, token)})
}

// captureFilter is the live view's search, as typed.
type captureFilter struct {
	Method, Path, Text, Since, Until string
	Errors                           fieldErrors
}

// methods are the search form's choices of method.
var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// readCaptureFilter reads the search of the query into p.
func readCaptureFilter(q url.Values, p *store.CaptureListParams) captureFilter {
	f := captureFilter{
		Method: strings.ToUpper(strings.TrimSpace(q.Get("method"))), Path: q.Get("path"), Text: q.Get("q"),
		Since: q.Get("since"), Until: q.Get("until"), Errors: fieldErrors{},
	}
	p.Method, p.Path, p.Text = f.Method, f.Path, f.Text
	for _, t := range []struct {
		name, value string
		into        *time.Time
	}{{"since", f.Since, &p.Since}, {"until", f.Until, &p.Until}} {
		if t.value == "" {
			continue
		}
		v, err := time.Parse(filterTime, t.value)
		if err != nil {
			// A browser sends seconds when the field was given them.
			v, err = time.Parse(filterTime+":05", t.value)
		}
		if err != nil {
			f.Errors[t.name] = "Write a date and time such as 2026-12-04T09:30 (UTC)."
			continue
		}
		*t.into = v
	}
	if !p.Since.IsZero() && !p.Until.IsZero() && !p.Until.After(p.Since) {
		f.Errors["until"] = "Must be after From."
	}
	return f
}

// query is f as a query string's values, for the links that keep it.
func (f captureFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"method": f.Method, "path": f.Path, "q": f.Text, "since": f.Since, "until": f.Until} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// Active reports whether the search narrows the list.
func (f captureFilter) Active() bool { return len(f.query()) > 0 }

// captureRow is a capture as the live view lists it.
type captureRow struct {
	Capture  inspector.Capture
	URL      string // the view with it selected
	Selected bool
}

// captureView is the selected capture, whole.
type captureView struct {
	Capture inspector.Capture
	Headers []sentHeader
	Body    bodyView
	RawURL  string
}

type binData struct {
	Bin      inspector.Bin
	Filter   captureFilter
	Methods  []string
	Captures []captureRow
	Selected *captureView
	// Gone is set when the capture of ?cap= is no longer kept.
	Gone  bool
	Next  string
	First bool
	// LiveURL is the event stream (the first page only); PageURL is this
	// page, which the script fetches again.
	LiveURL, PageURL string
}

// binPage is a bin's live view: its captures newest first (searched as
// the query says), and the one selected (?cap=, else the newest) whole.
func (d *Dashboard) binPage(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	b, ok, err := d.pathBin(w, r)
	if !ok {
		return err
	}
	q := r.URL.Query()
	after, ok := d.pageAfter(w, r, webhook.PrefixCapture)
	if !ok {
		return nil
	}
	p := store.CaptureListParams{BinID: b.ID, Page: store.Page{Limit: capturesPerPage + 1, After: after, Order: store.Descending}}
	data := binData{Bin: b, Filter: readCaptureFilter(q, &p), Methods: methods, First: after == "", PageURL: r.URL.RequestURI()}
	status := http.StatusOK
	var caps []inspector.Capture
	if len(data.Filter.Errors) > 0 {
		status = http.StatusBadRequest
	} else if caps, err = d.store.CaptureList(r.Context(), p); err != nil {
		return fmt.Errorf("list captures of bin %s: %w", b.ID, err)
	}
	base := "/inspector/" + b.ID
	if len(caps) > capturesPerPage {
		caps = caps[:capturesPerPage]
		next := data.Filter.query()
		next.Set("after", caps[capturesPerPage-1].ID)
		data.Next = base + "?" + next.Encode()
	}
	if data.First {
		data.LiveURL = base + "/live"
	}
	selected := q.Get("cap")
	if selected != "" && !webhook.ValidID(webhook.PrefixCapture, selected) {
		selected = ""
	}
	if selected == "" && len(caps) > 0 {
		selected = caps[0].ID
	}
	for _, c := range caps {
		v := data.Filter.query()
		if after != "" {
			v.Set("after", after)
		}
		v.Set("cap", c.ID)
		data.Captures = append(data.Captures, captureRow{Capture: c, URL: base + "?" + v.Encode(), Selected: c.ID == selected})
	}
	if selected != "" {
		c, err := d.store.CaptureGet(r.Context(), b.ID, selected)
		switch {
		case errors.Is(err, store.ErrNotFound):
			data.Gone = true
		case err != nil:
			return fmt.Errorf("read capture %s: %w", selected, err)
		default:
			data.Selected = &captureView{
				Capture: c, Headers: sentHeaders(inspector.MaskHeader(c.Header)), Body: viewBody(c.Body),
				RawURL: base + "/requests/" + c.ID + "/raw",
			}
		}
	}
	title := b.Name
	if title == "" {
		title = b.ID
	}
	return d.render(w, status, "bin", d.operatorPage(sess, title, "inspector", data))
}

// pathBin reads the bin the path names; ok is false when there is none
// (the 404 page is answered) or reading failed (err).
func (d *Dashboard) pathBin(w http.ResponseWriter, r *http.Request) (inspector.Bin, bool, error) {
	id := r.PathValue("bin")
	if !webhook.ValidID(webhook.PrefixBin, id) {
		d.notFound(w)
		return inspector.Bin{}, false, nil
	}
	b, err := d.store.BinGet(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("read bin %s: %w", id, err)
	}
	return b, true, nil
}

// binLive streams a "change" event after captures of the bin commit, at
// most one per liveCoalesce, with heartbeats, until the client goes, the
// stream's lifetime ends or the server stops. The hub is in-process: on
// a node sharing PostgreSQL with others, what they capture appears at
// the next reload.
func (d *Dashboard) binLive(w http.ResponseWriter, r *http.Request, _ auth.Session) error {
	b, ok, err := d.pathBin(w, r)
	if !ok {
		return err
	}
	wake, stop := d.captures.Follow(b.ID)
	defer stop()
	return d.serveLive(w, func(send func(string) error) error {
		return liveLoop(r.Context(), d.live.closed(), wake, func(struct{}) bool { return true }, send)
	})
}

// captureRaw is a captured body, byte for byte.
func (d *Dashboard) captureRaw(w http.ResponseWriter, r *http.Request, _ auth.Session) error {
	b, ok, err := d.pathBin(w, r)
	if !ok {
		return err
	}
	id := r.PathValue("cap")
	if !webhook.ValidID(webhook.PrefixCapture, id) {
		d.notFound(w)
		return nil
	}
	c, err := d.store.CaptureGet(r.Context(), b.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read capture %s: %w", id, err)
	}
	writeRaw(w, c.ID, c.Body)
	return nil
}
