package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/hookline/hookline/internal/delivery/send"
	"github.com/hookline/hookline/internal/store"
	"github.com/hookline/hookline/internal/webhook"
)

// previewEventType names the event of a preview that names none.
const previewEventType = "hookline.preview"

// deliveryPreviewIn asks what a delivery would look like. Options, when
// present, are used instead of the saved ones (absent fields being the
// defaults, as with PUT), so options can be tried before they are saved.
type deliveryPreviewIn struct {
	EventType string             `json:"eventType"`
	Payload   json.RawMessage    `json:"payload"`
	Options   *deliveryOptionsIn `json:"options"`
}

// deliveryPreviewOut is the request as it would be sent.
type deliveryPreviewOut struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// deliveryOptionsPreview renders the request a message would make to the
// endpoint now, signed with its secret, without sending anything. The URL
// is redacted, and so are the values of custom headers that carry
// credentials, as the headers resource hides them.
func (a *API) deliveryOptionsPreview(w http.ResponseWriter, r *http.Request) error {
	_, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	var in deliveryPreviewIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	if in.EventType == "" {
		in.EventType = previewEventType
	} else if !webhook.ValidUID(in.EventType) {
		return errOptions("eventType must be 1-256 of a-z, A-Z, 0-9, '-', '_' and '.'")
	}
	if in.Options != nil {
		if ep.Delivery, err = in.Options.apply(webhook.DeliveryOptions{}); err != nil {
			return err
		}
		if err := a.checkOptions(ep.Delivery); err != nil {
			return err
		}
	}
	payload, err := a.previewPayload(r, in)
	if err != nil {
		return err
	}
	now := a.now()
	msg := webhook.Message{ID: webhook.NewID(webhook.PrefixMessage, now), AppID: ep.AppID, EventType: in.EventType, Payload: payload, CreatedAt: now}
	req, err := a.engine.PreviewRequest(r.Context(), ep, msg, now)
	if err != nil {
		return errOptions(err.Error())
	}
	out := deliveryPreviewOut{
		Method: ep.Delivery.EffectiveMethod(), URL: webhook.RedactURL(req.URL),
		Headers: map[string]string{}, Body: strings.ToValidUTF8(string(req.Body), "\uFFFD"),
	}
	for name, vals := range send.Header(&req) {
		v := strings.Join(vals, ", ")
		if webhook.SensitiveHeader(name) {
			v = "REDACTED"
		}
		out.Headers[strings.ToLower(name)] = v
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// previewPayload is the body's payload, else the first example of the
// event type's schema, else {}.
func (a *API) previewPayload(r *http.Request, in deliveryPreviewIn) ([]byte, error) {
	if p := in.Payload; len(p) > 0 && string(p) != "null" {
		if p[0] != '{' { // json.RawMessage holds the value from its first byte
			return nil, errOptions("payload must be a JSON object")
		}
		return p, nil
	}
	et, err := a.store.EventTypeGet(r.Context(), in.EventType)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return []byte("{}"), nil
	case err != nil:
		return nil, err
	}
	if ex := webhook.SchemaExample(et.Schemas, 0); ex != nil {
		return ex, nil
	}
	return []byte("{}"), nil
}
