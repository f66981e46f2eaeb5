package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hookline/hookline/internal/delivery/render"
	"github.com/hookline/hookline/internal/endpoint"
	"github.com/hookline/hookline/internal/webhook"
)

// Delivery options are Hookline's own resource (docs/delivery-options.md):
// Svix's EndpointOut cannot grow fields, as its SDKs reject unknown ones.
// Its errors are {code, detail}, and unlike Svix's bodies, a field it
// does not know is refused: a misspelt "retires" must not be saved as
// "the defaults" without a word.

// deliveryOptionsOut is what GET answers: the effective values, so the
// defaults show as what they are on this server.
type deliveryOptionsOut struct {
	Format      string `json:"format"`
	Template    string `json:"template,omitempty"`
	ContentType string `json:"contentType"`
	Method      string `json:"method"`
	Retries     int    `json:"retries"`
	Timeout     string `json:"timeout"`
	// PassHeaders, shown when set, are the message headers (an inbound
	// request's) that deliveries carry.
	PassHeaders []string `json:"passHeaders,omitempty"`
}

// deliveryOptionsIn is PUT's body (an absent or null field is the
// default) and PATCH's (an absent field is kept, null resets it).
type deliveryOptionsIn struct {
	Format      Optional[string]   `json:"format"`
	Template    Optional[string]   `json:"template"`
	ContentType Optional[string]   `json:"contentType"`
	Method      Optional[string]   `json:"method"`
	Retries     Optional[int]      `json:"retries"`
	Timeout     Optional[string]   `json:"timeout"`
	PassHeaders Optional[[]string] `json:"passHeaders"`
}

// errOptions is the 422 of this resource.
func errOptions(detail string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Detail: detail}
}

func (a *API) renderOptions(o webhook.DeliveryOptions) deliveryOptionsOut {
	out := deliveryOptionsOut{
		Format: o.EffectiveFormat(), Template: o.Template, ContentType: o.EffectiveContentType(),
		Method: o.EffectiveMethod(), Retries: len(a.retrySchedule), Timeout: a.requestTimeout.String(),
		PassHeaders: o.PassHeaders,
	}
	if o.Retries != nil {
		out.Retries = *o.Retries
	}
	if o.Timeout != 0 {
		out.Timeout = o.Timeout.String()
	}
	return out
}

func (a *API) deliveryOptionsGet(w http.ResponseWriter, r *http.Request) error {
	return writeEndpoint(a, w, r, func(ep webhook.Endpoint) deliveryOptionsOut { return a.renderOptions(ep.Delivery) })
}

func (a *API) deliveryOptionsUpdate(w http.ResponseWriter, r *http.Request) error {
	return a.saveOptions(w, r, func(_ webhook.DeliveryOptions, in deliveryOptionsIn) (webhook.DeliveryOptions, error) {
		return in.apply(webhook.DeliveryOptions{})
	})
}

func (a *API) deliveryOptionsPatch(w http.ResponseWriter, r *http.Request) error {
	return a.saveOptions(w, r, func(old webhook.DeliveryOptions, in deliveryOptionsIn) (webhook.DeliveryOptions, error) {
		o, err := in.apply(old)
		// A template means nothing to the other formats: switching away
		// from template drops it rather than refusing the PATCH.
		if err == nil && !in.Template.Set && o.Format != webhook.FormatTemplate {
			o.Template = ""
		}
		return o, err
	})
}

// saveOptions reads the body, lets merge make the new options from the
// stored ones, checks them (a template must compile) and saves them. Any
// problem is a 422 before anything is written.
func (a *API) saveOptions(w http.ResponseWriter, r *http.Request, merge func(webhook.DeliveryOptions, deliveryOptionsIn) (webhook.DeliveryOptions, error)) error {
	app, ep, err := a.appEndpoint(r)
	if err != nil {
		return err
	}
	var in deliveryOptionsIn
	if err := a.decodeStrict(w, r, &in); err != nil {
		return err
	}
	o, err := merge(ep.Delivery, in)
	if err != nil {
		return err
	}
	if err := a.checkOptions(o); err != nil {
		return err
	}
	after := ep
	after.Delivery, after.UpdatedAt = o, a.now()
	if err := a.applyEndpoint(r.Context(), endpoint.Change{Op: endpoint.SetDeliveryOptions, App: app, Before: &ep, After: after}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.renderOptions(o))
	return nil
}

// checkOptions applies the shared rules, then compiles the template, so
// that what is saved can render.
func (a *API) checkOptions(o webhook.DeliveryOptions) error {
	if probs := o.Validate(a.requestTimeout); len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = p.Msg
		}
		return errOptions(strings.Join(msgs, "; "))
	}
	if _, err := render.New(o); err != nil {
		return errOptions(err.Error())
	}
	return nil
}

// apply sets on o the fields in the body; null resets one to its default.
func (in deliveryOptionsIn) apply(o webhook.DeliveryOptions) (webhook.DeliveryOptions, error) {
	setString(&o.Format, in.Format)
	setString(&o.Template, in.Template)
	setString(&o.ContentType, in.ContentType)
	setString(&o.Method, in.Method)
	if in.Retries.Set {
		o.Retries = nil
		if !in.Retries.Null {
			o.Retries = &in.Retries.Value
		}
	}
	if in.PassHeaders.Set {
		o.PassHeaders = nil
		if !in.PassHeaders.Null && len(in.PassHeaders.Value) > 0 {
			o.PassHeaders = in.PassHeaders.Value
		}
	}
	if in.Timeout.Set {
		o.Timeout = 0
		if !in.Timeout.Null {
			d, err := time.ParseDuration(in.Timeout.Value)
			if err != nil {
				return o, errOptions(`timeout must be a duration such as "15s" or "1m30s", got "` + in.Timeout.Value + `"`)
			}
			if d == 0 {
				return o, errOptions("timeout must be at least " + webhook.MinTimeout.String() + ", got 0s")
			}
			o.Timeout = d
		}
	}
	return o, nil
}

func setString(dst *string, v Optional[string]) {
	if v.Set {
		*dst = v.Value // "" when null: the default
	}
}

// decodeStrict reads a JSON object body, refusing unknown fields, and
// answers problems as this resource's 422.
func (a *API) decodeStrict(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := a.readBody(w, r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errOptions("the request body is empty; expected a JSON object")
	}
	if err := checkUTF8(body); err != nil {
		return errOptions(err.Error())
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return errOptions(typeErr.Field + ": expected " + typeErr.Type.String() + ", got JSON " + typeErr.Value)
		}
		return errOptions("invalid JSON: " + strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errOptions("invalid JSON: data after the object")
	}
	return nil
}
