package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/auth"
	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/inbound/verify"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// The operator's pages of inbound sources: the list, one source (its
// settings, secrets redacted, and the requests it received) and one
// received request, and a form creating a source of the common schemes
// (the rest is the API's: POST/PATCH /api/v1/source). The ingest token is
// shown once, at creation: the store keeps only its hash, so no page can
// show the URL again.

// sourceStore is what the source pages read and write.
type sourceStore interface {
	SourceCreate(ctx context.Context, src inbound.Source) error
	SourceGet(ctx context.Context, id string) (inbound.Source, error)
	SourceList(ctx context.Context, p store.SourceListParams) ([]inbound.Source, error)
	InboundRequestGet(ctx context.Context, sourceID, id string) (inbound.Request, error)
	InboundRequestList(ctx context.Context, p store.InboundRequestListParams) ([]inbound.Request, error)
}

// Page sizes of the source pages.
const (
	sourcesPerPage  = 50
	requestsPerPage = 50
)

func (d *Dashboard) sourceRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sources", d.operator(d.sourceList))
	mux.HandleFunc("GET /sources/new", d.operator(d.sourceNew))
	mux.HandleFunc("POST /sources", d.operator(d.sourceCreate))
	mux.HandleFunc("GET /sources/{id}", d.operator(d.sourcePage))
	mux.HandleFunc("GET /sources/{id}/requests/{req}", d.operator(d.inboundRequestPage))
	mux.HandleFunc("GET /sources/{id}/requests/{req}/raw", d.operator(d.inboundRequestRaw))
}

// sourceRow is a source as the list shows it.
type sourceRow struct {
	Source inbound.Source
	// Forward says where verified requests go, in words; AppID links it
	// to the app when it is one.
	Forward string
	AppID   string
}

type sourcesData struct {
	Sources   []sourceRow
	Next      string
	First     bool
	PublicURL string
}

// sourceList is the sources, oldest first, paged by ID.
func (d *Dashboard) sourceList(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	after, ok := d.pageAfter(w, r, webhook.PrefixSource)
	if !ok {
		return nil
	}
	srcs, err := d.store.SourceList(r.Context(), store.SourceListParams{
		Page: store.Page{Limit: sourcesPerPage + 1, After: after, Order: store.Ascending},
	})
	if err != nil {
		return fmt.Errorf("list sources: %w", err)
	}
	data := sourcesData{First: after == "", PublicURL: d.publicURL}
	if len(srcs) > sourcesPerPage {
		srcs = srcs[:sourcesPerPage]
		data.Next = srcs[sourcesPerPage-1].ID
	}
	names := map[string]string{}
	for _, src := range srcs {
		row := sourceRow{Source: src}
		if row.Forward, row.AppID, err = d.forwardLabel(r.Context(), src.Forward, names); err != nil {
			return err
		}
		data.Sources = append(data.Sources, row)
	}
	return d.render(w, http.StatusOK, "sources", d.operatorPage(sess, "Sources", "sources", data))
}

// pageAfter reads the ?after= of a list paged by IDs of prefix; ok is
// false when it is not one (the page saying so is answered).
func (d *Dashboard) pageAfter(w http.ResponseWriter, r *http.Request, prefix webhook.Prefix) (string, bool) {
	after := r.URL.Query().Get("after")
	if after != "" && !webhook.ValidID(prefix, after) {
		d.errorPage(w, http.StatusBadRequest, "Bad page link", "This link to a page of the list is not valid. Go back to the first page.")
		return "", false
	}
	return after, true
}

// forwardLabel says where f sends verified requests: the app's name (and
// its ID, to link it), the destination URLs (credentials redacted), or
// "kept only". names caches the apps' names over one page.
func (d *Dashboard) forwardLabel(ctx context.Context, f inbound.Forward, names map[string]string) (label, appID string, err error) {
	switch {
	case f.App != nil:
		name, ok := names[f.App.AppID]
		if !ok {
			app, err := d.store.AppGet(ctx, f.App.AppID)
			if errors.Is(err, store.ErrNotFound) {
				return "an app that was deleted", "", nil
			}
			if err != nil {
				return "", "", fmt.Errorf("read app %s: %w", f.App.AppID, err)
			}
			name, names[f.App.AppID] = app.Name, app.Name
		}
		return name, f.App.AppID, nil
	case len(f.Destinations) > 0:
		urls := make([]string, len(f.Destinations))
		for i, dst := range f.Destinations {
			urls[i] = webhook.RedactURL(dst.URL)
		}
		// The destinations are the endpoints of the source's own app: its
		// pages show their messages and attempts.
		return strings.Join(urls, ", "), f.DestinationAppID, nil
	}
	return "kept only", "", nil
}

// inboundRow is a received request as a source's page lists it.
type inboundRow struct {
	Request inbound.Request
	// MessageAppID is the app whose message pages the request's messages
	// open in; "" when they are not an app's (forwarded to URLs).
	MessageAppID string
}

type sourceData struct {
	Source   inbound.Source
	Forward  string
	AppID    string
	Verify   string // the verification settings as JSON, secrets redacted
	Requests []inboundRow
	Next     string
	First    bool
	// IngestHint is the ingest URL with its token elided.
	IngestHint string
	BodyLimit  string
}

// sourcePage is one source: its settings, secrets redacted, and the
// requests it received, newest first.
func (d *Dashboard) sourcePage(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	src, ok, err := d.pathSource(w, r)
	if !ok {
		return err
	}
	after, ok := d.pageAfter(w, r, webhook.PrefixInboundRequest)
	if !ok {
		return nil
	}
	reqs, err := d.store.InboundRequestList(r.Context(), store.InboundRequestListParams{
		SourceID: src.ID,
		Page:     store.Page{Limit: requestsPerPage + 1, After: after, Order: store.Descending},
	})
	if err != nil {
		return fmt.Errorf("list requests of source %s: %w", src.ID, err)
	}
	src = src.WithDefaults()
	data := sourceData{
		Source: src, First: after == "", BodyLimit: bytesLabel(int(src.BodyLimit)),
		IngestHint: d.publicURL + "/in/" + inbound.TokenPrefix + "…",
	}
	if data.Forward, data.AppID, err = d.forwardLabel(r.Context(), src.Forward, map[string]string{}); err != nil {
		return err
	}
	// The secrets never reach the browser: the settings are shown as
	// Redacted makes them.
	cfg, err := json.MarshalIndent(src.Verify.Redacted(), "", "  ")
	if err != nil {
		return fmt.Errorf("source %s: verification settings: %w", src.ID, err)
	}
	data.Verify = string(cfg)
	if len(reqs) > requestsPerPage {
		reqs = reqs[:requestsPerPage]
		data.Next = reqs[requestsPerPage-1].ID
	}
	for _, req := range reqs {
		data.Requests = append(data.Requests, inboundRow{Request: req, MessageAppID: data.AppID})
	}
	title := src.Name
	if title == "" {
		title = src.ID
	}
	return d.render(w, http.StatusOK, "source", d.operatorPage(sess, title, "sources", data))
}

// pathSource reads the source the path names; ok is false when there is
// none (the 404 page is answered) or reading failed (err).
func (d *Dashboard) pathSource(w http.ResponseWriter, r *http.Request) (inbound.Source, bool, error) {
	id := r.PathValue("id")
	if !webhook.ValidID(webhook.PrefixSource, id) {
		d.notFound(w)
		return inbound.Source{}, false, nil
	}
	src, err := d.store.SourceGet(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return src, false, nil
	}
	if err != nil {
		return src, false, fmt.Errorf("read source %s: %w", id, err)
	}
	return src, true, nil
}

// pathInboundRequest reads the source and the received request the path
// names, as pathSource does.
func (d *Dashboard) pathInboundRequest(w http.ResponseWriter, r *http.Request) (inbound.Source, inbound.Request, bool, error) {
	src, ok, err := d.pathSource(w, r)
	if !ok {
		return src, inbound.Request{}, false, err
	}
	id := r.PathValue("req")
	if !webhook.ValidID(webhook.PrefixInboundRequest, id) {
		d.notFound(w)
		return src, inbound.Request{}, false, nil
	}
	req, err := d.store.InboundRequestGet(r.Context(), src.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		d.notFound(w)
		return src, req, false, nil
	}
	if err != nil {
		return src, req, false, fmt.Errorf("read request %s: %w", id, err)
	}
	return src, req, true, nil
}

type inboundRequestData struct {
	Source       inbound.Source
	Request      inbound.Request
	MessageAppID string
	Headers      []sentHeader
	Body         bodyView
	RawURL       string
}

// inboundRequestPage is one received request: its headers, credentials
// masked, its body pretty-printed beside the bytes, and its verification.
func (d *Dashboard) inboundRequestPage(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	src, req, ok, err := d.pathInboundRequest(w, r)
	if !ok {
		return err
	}
	data := inboundRequestData{
		Source: src, Request: req,
		Headers: sentHeaders(inbound.MaskHeader(req.Header)),
		Body:    viewBody(req.Body),
		RawURL:  "/sources/" + src.ID + "/requests/" + req.ID + "/raw",
	}
	if src.Forward.App != nil {
		data.MessageAppID = src.Forward.App.AppID
	} else if src.Forward.ToDestinations() {
		data.MessageAppID = src.Forward.DestinationAppID
	}
	return d.render(w, http.StatusOK, "source-request", d.operatorPage(sess, "Request "+req.ID, "sources", data))
}

// inboundRequestRaw is a received request's body, byte for byte.
func (d *Dashboard) inboundRequestRaw(w http.ResponseWriter, r *http.Request, _ auth.Session) error {
	_, req, ok, err := d.pathInboundRequest(w, r)
	if !ok {
		return err
	}
	writeRaw(w, req.ID, req.Body)
	return nil
}

// The create form: the schemes whose settings are a secret alone, and
// forwarding to an app or nowhere. The other schemes (hmac, basic,
// api-key), destination URLs and the answer's settings are the API's.

// formSchemes are the schemes the create form offers.
var formSchemes = []string{
	verify.SchemeStandardWebhooks, verify.SchemeStripe, verify.SchemeGitHub, verify.SchemeShopify, verify.SchemeNone,
}

// appsOffered bounds the apps the form's list offers, oldest first.
const appsOffered = 200

// eventTypeFrom are the ways the form names a forwarded message's event
// type.
var eventTypeFrom = []string{"field", "header", "fixed"}

// sourceForm is the create form's values and problems. The secret is
// never sent back: a form answered with problems asks for it again.
type sourceForm struct {
	Name, Scheme, AppID, EventTypeFrom, EventType string
	Schemes, From                                 []string
	Apps                                          []webhook.App
	AppsMore                                      bool
	Errors                                        fieldErrors
}

// sourceCreated is the page of a source just made, its ingest URL shown
// this once.
type sourceCreated struct {
	Source    inbound.Source
	IngestURL string
}

func (d *Dashboard) sourceNew(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	return d.sourceFormPage(w, r, sess, http.StatusOK, sourceForm{Scheme: verify.SchemeStandardWebhooks, EventTypeFrom: "field", EventType: "type"})
}

func (d *Dashboard) sourceFormPage(w http.ResponseWriter, r *http.Request, sess auth.Session, status int, f sourceForm) error {
	apps, err := d.store.AppList(r.Context(), store.AppListParams{Page: store.Page{Limit: appsOffered + 1, Order: store.Ascending}})
	if err != nil {
		return fmt.Errorf("list apps: %w", err)
	}
	if len(apps) > appsOffered {
		apps, f.AppsMore = apps[:appsOffered], true
	}
	f.Apps, f.Schemes, f.From = apps, formSchemes, eventTypeFrom
	return d.render(w, status, "source-form", d.operatorPage(sess, "New source", "sources", f))
}

// sourceCreate makes a source from the form, by the rules the API's
// create applies (inbound.Source.Check), and shows its ingest URL once.
func (d *Dashboard) sourceCreate(w http.ResponseWriter, r *http.Request, sess auth.Session) error {
	f := sourceForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), Scheme: r.PostFormValue("scheme"),
		AppID: r.PostFormValue("app"), EventTypeFrom: r.PostFormValue("event-type-from"),
		EventType: strings.TrimSpace(r.PostFormValue("event-type")), Errors: fieldErrors{},
	}
	src := inbound.Source{Name: f.Name, Verify: verify.Config{Scheme: f.Scheme, Secret: r.PostFormValue("secret")}}
	if !slices.Contains(formSchemes, f.Scheme) {
		f.Errors["scheme"] = "Choose one of the schemes listed."
	}
	if f.AppID != "" {
		app := &inbound.ForwardApp{AppID: f.AppID}
		switch f.EventTypeFrom {
		case "header":
			app.EventTypeHeader = f.EventType
		case "fixed":
			app.EventType = f.EventType
		default:
			app.EventTypeField = f.EventType
		}
		src.Forward.App = app
		if _, err := d.store.AppGet(r.Context(), f.AppID); errors.Is(err, store.ErrNotFound) {
			f.Errors["app"] = "This app no longer exists."
		} else if err != nil {
			return fmt.Errorf("read app %s: %w", f.AppID, err)
		}
	}
	src = src.WithDefaults()
	for _, p := range src.Check() {
		key := sourceFormField(p.Field)
		if _, taken := f.Errors[key]; !taken {
			f.Errors[key] = upperFirst(p.Msg) + "."
		}
	}
	if len(f.Errors) > 0 {
		return d.sourceFormPage(w, r, sess, http.StatusUnprocessableEntity, f)
	}
	token, hash, err := inbound.NewToken()
	if err != nil {
		return err
	}
	now := d.now()
	src.ID, src.TokenHash, src.CreatedAt, src.UpdatedAt = webhook.NewID(webhook.PrefixSource, now), hash, now, now
	if err := d.store.SourceCreate(r.Context(), src); err != nil {
		return fmt.Errorf("create source: %w", err)
	}
	return d.render(w, http.StatusCreated, "source-created", d.operatorPage(sess, "Source created", "sources",
		sourceCreated{Source: src, IngestURL: d.publicURL + "/in/" + token}))
}

// sourceFormField is the form field a problem of inbound.Source.Check is
// shown beside.
func sourceFormField(field []string) string {
	path := strings.Join(field, ".")
	switch {
	case path == "name":
		return "name"
	case path == "verify.secret":
		return "secret"
	case strings.HasPrefix(path, "verify"):
		return "scheme"
	case path == "forward.app.appId":
		return "app"
	case strings.HasPrefix(path, "forward"):
		return "event-type"
	}
	return "name" // none other is set by the form: the defaults pass
}

// upperFirst starts msg with a capital, as the form's messages do.
func upperFirst(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}
