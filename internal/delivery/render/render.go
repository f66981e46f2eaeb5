// Package render turns a message into the body an endpoint receives, in
// the endpoint's delivery format: the payload's own bytes (json), the
// payload flattened to a form (form), or the output of a text/template
// (template). Templates are compiled once per endpoint and executed per
// attempt within fixed limits of size, steps and time.
package render

import (
	"context"
	"fmt"

	"github.com/hookline/hookline/internal/webhook"
)

// Renderer renders bodies for one endpoint's delivery options.
type Renderer struct {
	format string
	tmpl   *Compiled
}

// New compiles o's template, if any. An error means the options cannot
// render anything; it names the problem for the person who wrote them.
func New(o webhook.DeliveryOptions) (*Renderer, error) {
	r := &Renderer{format: o.EffectiveFormat()}
	if r.format == webhook.FormatTemplate {
		t, err := CompileTemplate(o.Template)
		if err != nil {
			return nil, err
		}
		r.tmpl = t
	}
	return r, nil
}

// Passthrough reports whether bodies are the payload's bytes unchanged,
// so the caller can skip Body.
func (r *Renderer) Passthrough() bool { return r.format == webhook.FormatJSON }

// Body renders one message. A json body is payload itself, not a copy.
// A form or a template waits for its share of g before it reads the
// payload (a nil g: no wait).
func (r *Renderer) Body(ctx context.Context, g *Gate, msgID, eventType string, timestamp int64, payload []byte) ([]byte, error) {
	switch r.format {
	case webhook.FormatForm:
		leave, err := g.enterForm(ctx, payload)
		if err != nil {
			return nil, err
		}
		defer leave()
		return Form(payload)
	case webhook.FormatTemplate:
		leave, err := g.enterTemplate(ctx, payload)
		if err != nil {
			return nil, err
		}
		defer leave()
		data, err := Data(msgID, eventType, timestamp, payload)
		if err != nil {
			return nil, err
		}
		return r.tmpl.Execute(data)
	case webhook.FormatJSON:
		return payload, nil
	}
	return nil, fmt.Errorf("render: unknown format %q", r.format)
}
