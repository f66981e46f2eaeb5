package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery/render"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// endpointFormRoutes are the add and edit form of an endpoint, and the
// preview of the request its settings make, for the form's script (a
// fragment) and its Preview button (the whole form).
func (d *Dashboard) endpointFormRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portal/{app}/endpoints/new", d.inApp(d.endpointNew))
	mux.HandleFunc("POST /portal/{app}/endpoints/new", d.inApp(d.endpointCreate))
	mux.HandleFunc("POST /portal/{app}/endpoints/preview", d.inApp(d.endpointPreviewNew))
	mux.HandleFunc("GET /portal/{app}/endpoints/{ep}/edit", d.inApp(d.endpointEdit))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/edit", d.inApp(d.endpointUpdate))
	mux.HandleFunc("POST /portal/{app}/endpoints/{ep}/preview", d.inApp(d.endpointPreviewEdit))
}

// emptyHeaderRows is how many blank header rows the form offers beside
// the stored ones.
const emptyHeaderRows = 3

// endpointForm is the add or edit form's values, as typed, and their
// problems keyed by the endpoint's field names (those of
// endpoint.InvalidError: url, filterTypes, channels, rateLimit, headers,
// and the delivery options' format, template, contentType, method,
// retries, timeout).
type endpointForm struct {
	New bool
	ID  string
	// URL is what the URL input shows: on an edit, the stored URL
	// redacted. URLCredential says the stored URL holds a credential
	// (then URL differs from it): sending it unchanged, or empty, keeps
	// the stored one.
	URL           string
	URLCredential bool
	Description   string
	Groups        []typeChoiceGroup
	Channels      string
	RateLimit     string
	Headers       []headerRow
	Format        string
	Template      string
	ContentType   string
	Method        string
	Retries       string
	Timeout       string // whole seconds, or a Go duration
	Errors        fieldErrors
	Preview       *requestPreview
	// DefaultRetries and MaxTimeout are the server's, for the hints.
	DefaultRetries int
	MaxTimeout     int
}

// typeChoiceGroup is the event types of one object, as checkboxes.
type typeChoiceGroup struct {
	Object string
	Types  []typeChoice
}

// typeChoice is one event type's checkbox.
type typeChoice struct {
	Name        string
	Description string
	Deprecated  bool
	Checked     bool
}

// headerRow is one custom header's inputs. A sensitive header's stored
// value is never put in the page: Stored says there is one, and an empty
// value keeps it. Orig is the stored name the row was made from.
type headerRow struct {
	Index  int
	Name   string
	Value  string
	Stored bool
	Orig   string
}

func (d *Dashboard) endpointNew(w http.ResponseWriter, r *http.Request, a appRequest) error {
	f := d.formOf(webhook.Endpoint{}, true)
	return d.showForm(w, r, a, http.StatusOK, f, webhook.Endpoint{}, true)
}

func (d *Dashboard) endpointEdit(w http.ResponseWriter, r *http.Request, a appRequest) error {
	ep, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	return d.showForm(w, r, a, http.StatusOK, d.formOf(ep, false), ep, true)
}

// formOf fills the form with ep as stored (a new endpoint's defaults when
// isNew), credentials redacted.
func (d *Dashboard) formOf(ep webhook.Endpoint, isNew bool) endpointForm {
	o := ep.Delivery
	f := endpointForm{
		New: isNew, ID: ep.ID, URL: webhook.RedactURL(ep.URL), Description: ep.Description,
		Channels: strings.Join(ep.Channels, "\n"),
		Format:   o.EffectiveFormat(), Template: o.Template, ContentType: o.ContentType, Method: o.EffectiveMethod(),
	}
	if isNew {
		f.URL = ""
	}
	f.URLCredential = !isNew && f.URL != ep.URL
	if ep.RateLimit != nil {
		f.RateLimit = strconv.Itoa(*ep.RateLimit)
	}
	if o.Retries != nil {
		f.Retries = strconv.Itoa(*o.Retries)
	}
	switch {
	case o.Timeout == 0:
	case o.Timeout%time.Second == 0:
		f.Timeout = strconv.Itoa(int(o.Timeout / time.Second))
	default:
		// Set through the API to a fraction of a second: shown as it is,
		// so that saving the form does not round it.
		f.Timeout = o.Timeout.String()
	}
	for _, h := range headersShown(ep.Headers) {
		f.Headers = append(f.Headers, headerRow{Name: h.Name, Value: h.Value, Stored: h.Masked, Orig: h.Name})
	}
	return f
}

// showForm renders the form f, its event type choices ticked from
// ep.FilterTypes (what was typed, or stored), with the preview of ep's
// request when preview is asked.
func (d *Dashboard) showForm(w http.ResponseWriter, r *http.Request, a appRequest, status int, f endpointForm, ep webhook.Endpoint, preview bool) error {
	types, err := d.catalog(r, a)
	if err != nil {
		return err
	}
	f.Groups = typeChoices(types, ep.FilterTypes)
	f.DefaultRetries, f.MaxTimeout = d.retries, int(d.requestTimeout/time.Second)
	for len(f.Headers) < len(ep.Headers)+emptyHeaderRows && len(f.Headers) < webhook.MaxHeaders {
		f.Headers = append(f.Headers, headerRow{})
	}
	for i := range f.Headers {
		f.Headers[i].Index = i
	}
	if preview {
		f.Preview = d.preview(r.Context(), a, ep, types)
	}
	title := "Edit endpoint"
	if f.New {
		title = "Add endpoint"
	}
	return d.render(w, status, "endpoint-form", a.page(title, "endpoints", f))
}

// catalog is the event types the session may subscribe to (not
// archived; for a portal session, only those its flags allow), by name.
func (d *Dashboard) catalog(r *http.Request, a appRequest) ([]webhook.EventType, error) {
	types, err := d.store.EventTypeList(r.Context(), store.EventTypeListParams{
		Page:      store.Page{Limit: catalogPerPage, Order: store.Ascending},
		FlagsSeen: a.Session.Principal.FlagsSeen(),
	})
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	return types, nil
}

// typeChoices groups the catalog's event types by object, ticking those
// in checked. A checked name the catalog lacks (archived since, or hidden
// from this session) gets a group of its own, ticked, so that saving the
// form does not drop it unseen.
func typeChoices(types []webhook.EventType, checked []string) []typeChoiceGroup {
	var out []typeChoiceGroup
	seen := map[string]bool{}
	for _, g := range groupByObject(types) {
		cg := typeChoiceGroup{Object: g.Object}
		for _, et := range g.Types {
			seen[et.Name] = true
			cg.Types = append(cg.Types, typeChoice{Name: et.Name, Description: et.Description, Deprecated: et.Deprecated, Checked: slices.Contains(checked, et.Name)})
		}
		out = append(out, cg)
	}
	other := typeChoiceGroup{Object: "Not in the catalog"}
	for _, name := range checked {
		if !seen[name] {
			other.Types = append(other.Types, typeChoice{Name: name, Checked: true})
		}
	}
	if len(other.Types) > 0 {
		out = append(out, other)
	}
	return out
}

func (d *Dashboard) endpointCreate(w http.ResponseWriter, r *http.Request, a appRequest) error {
	f, ep, err := d.readForm(r, a, nil)
	if err != nil {
		return err
	}
	if r.PostFormValue("preview") != "" {
		f.Errors = nil
		return d.showForm(w, r, a, http.StatusOK, f, ep, true)
	}
	if len(f.Errors) == 0 {
		secret, err := signature.GenerateSecret()
		if err != nil {
			return err
		}
		now := d.now()
		ep.ID, ep.AppID, ep.Version, ep.Secret, ep.CreatedAt, ep.UpdatedAt = webhook.NewID(webhook.PrefixEndpoint, now), a.App.ID, 1, secret, now, now
		err = d.endpoints.Apply(r.Context(), endpoint.Change{Op: endpoint.Create, App: a.App, After: ep})
		if ok, err := f.refused(err); !ok {
			if err != nil {
				return fmt.Errorf("create endpoint: %w", err)
			}
			http.Redirect(w, r, a.URL("endpoints", ep.ID)+"?saved=1", http.StatusSeeOther)
			return nil
		}
	}
	return d.showForm(w, r, a, http.StatusUnprocessableEntity, f, ep, false)
}

func (d *Dashboard) endpointUpdate(w http.ResponseWriter, r *http.Request, a appRequest) error {
	before, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	f, ep, err := d.readForm(r, a, &before)
	if err != nil {
		return err
	}
	if r.PostFormValue("preview") != "" {
		f.Errors = nil
		return d.showForm(w, r, a, http.StatusOK, f, ep, true)
	}
	if len(f.Errors) == 0 {
		ep.UpdatedAt = d.now()
		err := d.saveEndpoint(r, a, before, ep)
		if errors.Is(err, store.ErrNotFound) {
			d.notFound(w)
			return nil
		}
		if ok, err := f.refused(err); !ok {
			if err != nil {
				return fmt.Errorf("update endpoint: %w", err)
			}
			http.Redirect(w, r, a.URL("endpoints", ep.ID)+"?saved=1", http.StatusSeeOther)
			return nil
		}
	}
	return d.showForm(w, r, a, http.StatusUnprocessableEntity, f, ep, false)
}

// saveEndpoint writes an edit: the endpoint's settings, then its
// delivery options if they changed, which the Writer keeps apart (their
// change is not an endpoint.updated event). Both were checked before, so
// the second write fails only if the store does, and then the page
// says so rather than claiming the whole form was saved.
func (d *Dashboard) saveEndpoint(r *http.Request, a appRequest, before, after webhook.Endpoint) error {
	delivery := after.Delivery
	// The form does not show the headers passed on from an inbound
	// source's requests (the API's passHeaders): they stay as they are.
	delivery.PassHeaders = before.Delivery.PassHeaders
	after.Delivery = before.Delivery
	if err := d.endpoints.Apply(r.Context(), endpoint.Change{Op: endpoint.Update, App: a.App, Before: &before, After: after}); err != nil {
		return err
	}
	if delivery.Equal(before.Delivery) {
		return nil
	}
	saved := after
	after.Delivery = delivery
	return d.endpoints.Apply(r.Context(), endpoint.Change{Op: endpoint.SetDeliveryOptions, App: a.App, Before: &saved, After: after})
}

// refused records on f an error of the Writer that is about a field (ok
// true); any other error is returned as it is.
func (f *endpointForm) refused(err error) (bool, error) {
	var invalid *endpoint.InvalidError
	if errors.As(err, &invalid) {
		f.Errors.set(invalid.Field, invalid.Err)
		return true, nil
	}
	return false, err
}

// readForm reads the posted form over before (nil for a new endpoint):
// the form as typed, to show again, and the endpoint it makes, with
// every problem the shared rules (package webhook, the renderer) find
// recorded next to its field.
func (d *Dashboard) readForm(r *http.Request, a appRequest, before *webhook.Endpoint) (endpointForm, webhook.Endpoint, error) {
	f := endpointForm{New: before == nil}
	var ep webhook.Endpoint
	if before != nil {
		ep = *before
		f.ID = before.ID
	}
	f.readURL(r.PostFormValue("url"), before, &ep)
	f.Description = r.PostFormValue("description")
	f.Errors.set("description", webhook.ValidateText(f.Description))
	ep.Description = f.Description

	ep.FilterTypes = nil
	for _, name := range webhook.Dedupe(r.PostForm["eventType"]) {
		if !webhook.ValidUID(name) {
			f.Errors.set("filterTypes", fmt.Errorf("%q is not an event type name", name))
			continue
		}
		ep.FilterTypes = append(ep.FilterTypes, name)
	}
	if err := d.checkTypesSeen(r, a, before, ep.FilterTypes, &f); err != nil {
		return f, ep, err
	}

	f.Channels = r.PostFormValue("channels")
	ep.Channels = splitChannels(f.Channels)
	if len(ep.Channels) > 0 {
		f.Errors.set("channels", webhook.ValidateChannelCount(len(ep.Channels)))
		for _, c := range ep.Channels {
			f.Errors.set("channels", webhook.ValidateChannel(c))
		}
	}

	f.RateLimit = strings.TrimSpace(r.PostFormValue("rateLimit"))
	ep.RateLimit = nil
	if f.RateLimit != "" {
		n, err := strconv.Atoi(f.RateLimit)
		if err == nil {
			err = webhook.ValidateRateLimit(int64(n))
		} else {
			err = errors.New("rate limit must be a whole number of deliveries per second")
		}
		f.Errors.set("rateLimit", err)
		ep.RateLimit = &n
	}

	ep.Headers = f.readHeaders(r, before)
	ep.Delivery = d.readDelivery(r, &f)
	return f, ep, nil
}

// checkTypesSeen refuses event types newly chosen that the session may
// not see (a feature flag its portal link lacks): the form never offers
// them, and a hand-made POST must not subscribe to them either. Whether
// a name exists, and is not archived, is the Writer's to say.
func (d *Dashboard) checkTypesSeen(r *http.Request, a appRequest, before *webhook.Endpoint, names []string, f *endpointForm) error {
	for _, name := range names {
		if before != nil && slices.Contains(before.FilterTypes, name) {
			continue
		}
		et, err := d.store.EventTypeGet(r.Context(), name)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read event type %s: %w", name, err)
		}
		if !a.Session.Principal.Sees(et.FeatureFlag) {
			f.Errors.set("filterTypes", webhook.MissingEventTypes([]string{name}))
		}
	}
	return nil
}

// readURL reads the URL input. On an edit it shows the stored URL
// redacted, so that input sent back unchanged (or emptied) keeps the
// stored URL, credential and all; a URL still holding the redaction
// marker is refused rather than saved with the marker as its password.
func (f *endpointForm) readURL(raw string, before *webhook.Endpoint, ep *webhook.Endpoint) {
	raw = strings.TrimSpace(raw)
	f.URL = raw
	if before != nil {
		shown := webhook.RedactURL(before.URL)
		f.URLCredential = shown != before.URL
		if raw == "" || raw == shown {
			f.URL, ep.URL = shown, before.URL
			return
		}
		if f.URLCredential && strings.Contains(raw, webhook.Redacted) {
			f.Errors.set("url", fmt.Errorf("the URL still holds %s where its credential was: type the whole new URL with its credential, or put back %s to keep the stored one", webhook.Redacted, shown))
			return
		}
	}
	u, err := webhook.NormalizeEndpointURL(raw)
	f.Errors.set("url", err)
	ep.URL = u
}

// splitChannels reads channels separated by commas or line breaks,
// dropping blanks and repeats.
func splitChannels(s string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return webhook.Dedupe(out)
}

// readHeaders reads the header rows (header-name-N, header-value-N and
// header-orig-N, the stored name the row showed). A row without a name is
// dropped, which is how a header is removed; a sensitive header's empty
// value keeps its stored value, which the page never held.
func (f *endpointForm) readHeaders(r *http.Request, before *webhook.Endpoint) map[string]string {
	var stored map[string]string
	if before != nil {
		stored = before.Headers
	}
	headers := map[string]string{}
	for i := 0; i < webhook.MaxHeaders+emptyHeaderRows; i++ {
		key := strconv.Itoa(i)
		if _, ok := r.PostForm["header-name-"+key]; !ok {
			break
		}
		row := headerRow{
			Name:  strings.TrimSpace(r.PostFormValue("header-name-" + key)),
			Value: r.PostFormValue("header-value-" + key),
			Orig:  r.PostFormValue("header-orig-" + key),
		}
		storedValue, hasStored := stored[row.Orig]
		row.Stored = hasStored && webhook.SensitiveHeader(row.Orig)
		value := row.Value
		if row.Stored && value == "" {
			value = storedValue
		}
		if row.Stored && !webhook.SensitiveHeader(row.Name) {
			// Renamed to a name that is shown: the stored value must not
			// come out under it.
			row.Stored, value = false, row.Value
		}
		f.Headers = append(f.Headers, row)
		if row.Name == "" {
			continue
		}
		for name := range headers {
			if strings.EqualFold(name, row.Name) {
				f.Errors.set("headers", webhook.HeaderRepeats(row.Name, name))
			}
		}
		f.Errors.set("headers", webhook.ValidateHeader(row.Name, value))
		headers[row.Name] = value
	}
	f.Errors.set("headers", webhook.ValidateHeaderSet(headers))
	if len(headers) == 0 {
		return nil
	}
	return headers
}

// readDelivery reads the delivery options and checks them as the API
// does (DeliveryOptions.Validate, then the template compiled), each
// problem next to its field. A template typed under another format is
// kept in the form but not saved: it means nothing there.
func (d *Dashboard) readDelivery(r *http.Request, f *endpointForm) webhook.DeliveryOptions {
	f.Format = r.PostFormValue("format")
	f.Template = r.PostFormValue("template")
	f.ContentType = strings.TrimSpace(r.PostFormValue("contentType"))
	f.Method = r.PostFormValue("method")
	f.Retries = strings.TrimSpace(r.PostFormValue("retries"))
	f.Timeout = strings.TrimSpace(r.PostFormValue("timeout"))
	o := webhook.DeliveryOptions{Format: f.Format, Method: f.Method}
	if o.Format == webhook.FormatJSON {
		o.Format = "" // the default, stored as none
	}
	if o.Method == "POST" {
		o.Method = ""
	}
	if f.Format == webhook.FormatTemplate {
		o.Template = f.Template
	}
	o.ContentType = f.ContentType
	if f.Retries != "" {
		n, err := strconv.Atoi(f.Retries)
		if err != nil {
			f.Errors.set("retries", errors.New("retries must be a whole number"))
		}
		o.Retries = &n
	}
	if f.Timeout != "" {
		t, err := parseTimeout(f.Timeout)
		if err != nil {
			f.Errors.set("timeout", fmt.Errorf("timeout must be a number of seconds, such as 10, or a duration such as 1m30s, from 1s to %s", d.requestTimeout))
		}
		o.Timeout = t
	}
	for _, p := range o.Validate(d.requestTimeout) {
		f.Errors.set(p.Field, errors.New(p.Msg))
	}
	if f.Errors["template"] == "" {
		if _, err := render.New(o); err != nil {
			f.Errors.set("template", err)
		}
	}
	return o
}

// parseTimeout reads seconds ("10") or a Go duration ("1m30s", "1.5s").
func parseTimeout(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 {
			return 0, errors.New("not positive")
		}
		return time.Duration(n) * time.Second, nil
	}
	t, err := time.ParseDuration(s)
	if err == nil && t <= 0 {
		err = errors.New("not positive")
	}
	return t, err
}
