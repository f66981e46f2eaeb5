package inbound

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The message of a request for destinations carries the body as it came
// and the headers any destination chose, by canonical name.
func TestDestinationMessage(t *testing.T) {
	f := Forward{DestinationAppID: "app_1", Destinations: []Destination{
		{URL: "https://a.example/", Headers: []string{"content-type", "X-GitHub-Event"}},
		{URL: "https://b.example/", Headers: []string{"X-Tenant", "X-Missing"}},
	}}
	if !f.ToDestinations() || (Forward{Destinations: f.Destinations}).ToDestinations() {
		t.Error("ToDestinations: want true with the app and destinations, false without the app")
	}
	req := Request{
		Header: http.Header{"Content-Type": {"text/plain"}, "X-Github-Event": {"push"}, "X-Tenant": {"a", "b"}, "X-Other": {"no"}},
		Body:   []byte("not \x00 JSON \xff"), ReceivedAt: time.Unix(1700000000, 0),
	}
	m := f.DestinationMessage(req)
	if m.AppID != "app_1" || m.EventType != EventTypeRequest || string(m.Payload) != string(req.Body) {
		t.Errorf("DestinationMessage = %+v, want a %s message of app_1 with the body", m, EventTypeRequest)
	}
	want := map[string]string{"Content-Type": "text/plain", "X-Github-Event": "push", "X-Tenant": "a, b"}
	if diff := cmp.Diff(want, m.Headers); diff != "" {
		t.Errorf("headers mismatch (-want +got):\n%s", diff)
	}
	if empty := f.DestinationMessage(Request{}); empty.Payload == nil || empty.Headers != nil {
		t.Errorf("an empty request: payload %v headers %v, want an empty (not nil, expunged) payload and no headers", empty.Payload, empty.Headers)
	}
}
