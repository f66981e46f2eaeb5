package dashboard

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/signature"
	"github.com/hookline/hookline/internal/webhook"
)

// previewEventType names the event of a preview when the catalog has
// none to take an example from, as the API's preview does.
const previewEventType = "hookline.preview"

// requestPreview is the request a message would make to an endpoint, as
// the form shows it: the URL redacted and sensitive header values
// masked, as the API's preview answers them.
type requestPreview struct {
	EventType string
	Method    string
	URL       string
	Headers   []headerShown
	Body      string
	// Error is why no request could be made (a template that does not
	// compile or render), in the renderer's words.
	Error string
}

// endpointPreviewNew and endpointPreviewEdit answer the form's script
// with the preview fragment of the settings it posts.
func (d *Dashboard) endpointPreviewNew(w http.ResponseWriter, r *http.Request, a appRequest) error {
	_, ep, err := d.readForm(r, a, nil)
	if err != nil {
		return err
	}
	return d.previewFragment(w, r, a, ep)
}

func (d *Dashboard) endpointPreviewEdit(w http.ResponseWriter, r *http.Request, a appRequest) error {
	before, ok, err := d.pathEndpoint(w, r, a)
	if !ok {
		return err
	}
	_, ep, err := d.readForm(r, a, &before)
	if err != nil {
		return err
	}
	return d.previewFragment(w, r, a, ep)
}

func (d *Dashboard) previewFragment(w http.ResponseWriter, r *http.Request, a appRequest, ep webhook.Endpoint) error {
	types, err := d.catalog(r, a)
	if err != nil {
		return err
	}
	var b strings.Builder
	if err := d.pages["endpoint-form"].ExecuteTemplate(&b, "endpoint-preview", d.preview(r.Context(), a, ep, types)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err = w.Write([]byte(b.String()))
	return err
}

// preview renders, through the engine's own request builder, the
// request a message would make to ep now: a message of ep's first event
// type (else the catalog's first), with its schema's first example as
// the payload, else {}. Nothing is sent or stored. A new endpoint has
// no secret yet: a throwaway one signs, as the real one will.
func (d *Dashboard) preview(ctx context.Context, a appRequest, ep webhook.Endpoint, types []webhook.EventType) *requestPreview {
	eventType, payload := previewEventType, []byte("{}")
	for _, et := range types {
		if len(ep.FilterTypes) > 0 && et.Name != ep.FilterTypes[0] {
			continue
		}
		eventType = et.Name
		if ex := viewEventType(et).Examples; len(ex) > 0 {
			payload = []byte(ex[0])
		}
		break
	}
	if len(ep.FilterTypes) > 0 {
		eventType = ep.FilterTypes[0]
	}
	if ep.Secret == "" {
		secret, err := signature.GenerateSecret()
		if err != nil {
			return &requestPreview{EventType: eventType, Error: err.Error()}
		}
		ep.Secret = secret
	}
	now := d.now()
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: a.App.ID, EventType: eventType, Payload: payload, CreatedAt: now}
	p := &requestPreview{EventType: eventType, Method: ep.Delivery.EffectiveMethod(), URL: webhook.RedactURL(ep.URL)}
	req, err := d.engine.PreviewRequest(ctx, ep, msg, now)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	h := send.Header(&req)
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v := headerShown{Name: name, Value: strings.Join(h[name], ", ")}
		if webhook.SensitiveHeader(name) {
			v.Value, v.Masked = "", true
		}
		p.Headers = append(p.Headers, v)
	}
	p.Body = strings.ToValidUTF8(string(req.Body), "\uFFFD")
	return p
}
