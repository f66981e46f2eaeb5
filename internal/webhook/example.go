package webhook

import (
	"encoding/json"
	"time"
)

// Svix's built-in test event, which send-example sends with no event type
// in the catalog: an endpoint can be tried before any is defined.
const (
	TestEventType    = "svix.ping"
	TestEventPayload = `{"success": true}`
)

// SchemaExample returns examples[index] of the version "1" schema, as
// Svix picks it, or nil when there is none or it is not a JSON object (a
// message's payload is one).
func SchemaExample(schemas json.RawMessage, index int) []byte {
	if schemas == nil {
		return nil
	}
	var versions map[string]json.RawMessage
	if err := json.Unmarshal(schemas, &versions); err != nil || versions["1"] == nil {
		return nil
	}
	var v1 struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(versions["1"], &v1); err != nil {
		return nil
	}
	examples := v1.Examples
	if index >= len(examples) {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(examples[index], &obj); err != nil || obj == nil {
		return nil
	}
	return examples[index]
}

// ExampleMessage is the message send-example sends (to one endpoint, by
// the caller's publish): Svix's test event for TestEventType, else the
// example at index of et, the event type named eventType. ok is false
// when et has no such example: there is nothing to send.
func ExampleMessage(appID, eventType string, et EventType, index int, now time.Time) (msg Message, ok bool) {
	payload := []byte(TestEventPayload)
	if eventType != TestEventType {
		if payload = SchemaExample(et.Schemas, index); payload == nil {
			return Message{}, false
		}
	}
	return Message{
		ID:        NewID(PrefixMessage, now),
		AppID:     appID,
		EventType: eventType,
		Payload:   payload,
		CreatedAt: now,
	}, true
}
