package receive

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hookline/hookline/internal/inbound"
	"github.com/hookline/hookline/internal/webhook"
)

// eventTypeOf is the event type of the message req becomes: the fixed
// one, or the value of the named header or JSON field.
func eventTypeOf(app inbound.ForwardApp, req inbound.Request) (string, error) {
	var name string
	switch {
	case app.EventType != "":
		return app.EventType, nil
	case app.EventTypeHeader != "":
		name = req.Header.Get(app.EventTypeHeader)
		if name == "" {
			return "", fmt.Errorf("no %s header to take the event type from", app.EventTypeHeader)
		}
	case app.EventTypeField != "":
		v, err := jsonField(req.Body, app.EventTypeField)
		if err != nil {
			return "", err
		}
		name = v
	default:
		return "", errors.New("the source names no event type")
	}
	if err := webhook.ValidateEventTypeName(name); err != nil {
		return "", fmt.Errorf("event type %q: %w", name, err)
	}
	return name, nil
}

// jsonField is the string at the dot-separated path of the JSON body.
func jsonField(body []byte, path string) (string, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "", fmt.Errorf("the body is not JSON, so it has no field %q for the event type", path)
	}
	for _, key := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("the body has no field %q for the event type", path)
		}
		if v, ok = obj[key]; !ok {
			return "", fmt.Errorf("the body has no field %q for the event type", path)
		}
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", fmt.Errorf("the body's field %q is not a string, so it cannot be the event type", path)
	}
	return s, nil
}

// payloadOf is the payload of the message req becomes: its body when it
// is JSON; else the body wrapped with its content type (inbound.WrapBody).
func payloadOf(req inbound.Request) []byte {
	if json.Valid(req.Body) {
		return req.Body
	}
	return inbound.WrapBody(req.Header.Get("Content-Type"), req.Body)
}
