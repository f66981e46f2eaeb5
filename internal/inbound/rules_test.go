package inbound

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookline/hookline/internal/inbound/verify"
)

func validSource() Source {
	return Source{
		Name:   "Stripe",
		Verify: verify.Config{Scheme: verify.SchemeStripe, Secret: "whsec_abc"},
		Forward: Forward{App: &ForwardApp{
			AppID: "app_2Lz8zA0xKkNqOeS3mYv5dHc1pQr", EventTypeField: "type",
		}},
	}.WithDefaults()
}

func TestWithDefaults(t *testing.T) {
	s := Source{Name: "x", Verify: verify.Config{Scheme: verify.SchemeNone}}.WithDefaults()
	if s.Response != (Response{Status: 202, Body: "{}", ContentType: "application/json"}) {
		t.Errorf("WithDefaults().Response = %+v, want 202 {} application/json", s.Response)
	}
	if len(s.Methods) != 1 || s.Methods[0] != "POST" || s.BodyLimit != 1<<20 {
		t.Errorf("WithDefaults() = methods %v, body limit %d; want [POST], 1 MiB", s.Methods, s.BodyLimit)
	}
	if probs := s.Check(); probs != nil {
		t.Errorf("Check(defaults) = %v, want none", probs)
	}
	// A status without a body keeps its empty body (a 204).
	if s := (Source{Response: Response{Status: 204}}).WithDefaults(); s.Response.Body != "" {
		t.Errorf("WithDefaults(status 204).Response.Body = %q, want empty", s.Response.Body)
	}
	if !s.Allows(http.MethodPost) || s.Allows(http.MethodGet) {
		t.Errorf("Allows: POST %v GET %v, want true false", s.Allows(http.MethodPost), s.Allows(http.MethodGet))
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mod   func(*Source)
		field string // the one problem's field, "" for none
	}{
		{"valid", func(*Source) {}, ""},
		{"api-key", func(s *Source) { s.Verify = verify.Config{Scheme: verify.SchemeAPIKey, Header: "X-Key", Secret: "k"} }, ""},
		{"no name", func(s *Source) { s.Name = " " }, "name"},
		{"long name", func(s *Source) { s.Name = strings.Repeat("n", 257) }, "name"},
		{"unknown scheme", func(s *Source) { s.Verify.Scheme = "hmac-sha256" }, "verify.scheme"},
		{"no scheme", func(s *Source) { s.Verify = verify.Config{} }, "verify.scheme"},
		{"secret missing", func(s *Source) { s.Verify.Secret = "" }, "verify.secret"},
		{"secret with none", func(s *Source) { s.Verify.Scheme = verify.SchemeNone }, "verify.secret"},
		{"status not 2xx", func(s *Source) { s.Response.Status = 401 }, "response.status"},
		{"body too long", func(s *Source) { s.Response.Body = strings.Repeat("b", MaxResponseBody+1) }, "response.body"},
		{"content type with CR", func(s *Source) { s.Response.ContentType = "text/plain\r\nX: y" }, "response.contentType"},
		{"unknown method", func(s *Source) { s.Methods = []string{"POST", "BREW"} }, "methods.1"},
		{"method twice", func(s *Source) { s.Methods = []string{"POST", "POST"} }, "methods.1"},
		{"lower-case method", func(s *Source) { s.Methods = []string{"post"} }, "methods.0"},
		{"body limit too big", func(s *Source) { s.BodyLimit = MaxBodyLimit + 1 }, "bodyLimit"},
		{"negative rate limit", func(s *Source) { s.RateLimit = -1 }, "rateLimit"},
		{"app and destinations", func(s *Source) { s.Forward.Destinations = []Destination{{URL: "https://a.example/"}} }, "forward"},
		{"bad app ID", func(s *Source) { s.Forward.App.AppID = "my-app" }, "forward.app.appId"},
		{"two event type sources", func(s *Source) { s.Forward.App.EventType = "invoice.paid" }, "forward.app"},
		{"no event type source", func(s *Source) { s.Forward.App.EventTypeField = "" }, "forward.app"},
		{"bad event type", func(s *Source) { s.Forward.App.EventTypeField, s.Forward.App.EventType = "", "a b" }, "forward.app.eventType"},
		{"bad header", func(s *Source) { s.Forward.App.EventTypeField, s.Forward.App.EventTypeHeader = "", "X Event" }, "forward.app.eventTypeHeader"},
		{"bad field path", func(s *Source) { s.Forward.App.EventTypeField = "data..type" }, "forward.app.eventTypeField"},
		{"bad destination URL", func(s *Source) {
			s.Forward = Forward{Destinations: []Destination{{URL: "ftp://a.example/"}}}
		}, "forward.destinations.0.url"},
		{"bad pass header", func(s *Source) {
			s.Forward = Forward{Destinations: []Destination{{URL: "https://a.example/", Headers: []string{"Ok", "no:colon"}}}}
		}, "forward.destinations.0.headers.1"},
	} {
		s := validSource()
		tc.mod(&s)
		probs := s.Check()
		switch {
		case tc.field == "" && probs != nil:
			t.Errorf("%s: Check() = %v, want none", tc.name, probs)
		case tc.field != "" && (len(probs) != 1 || strings.Join(probs[0].Field, ".") != tc.field):
			t.Errorf("%s: Check() = %v, want one problem at %s", tc.name, probs, tc.field)
		}
	}
}

func TestMaskHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer secret"}, "Cookie": {"a=1", "b=2"}, "X-Hub-Signature-256": {"sha256=ab"}}
	got := MaskHeader(h)
	if got.Get("Authorization") != Masked || got["Cookie"][1] != Masked || got.Get("X-Hub-Signature-256") != "sha256=ab" {
		t.Errorf("MaskHeader(%v) = %v", h, got)
	}
	if h.Get("Authorization") != "Bearer secret" {
		t.Errorf("MaskHeader changed its argument: %v", h)
	}
}

func TestNewToken(t *testing.T) {
	a, ha, err := NewToken()
	b, _, _ := NewToken()
	if err != nil || !strings.HasPrefix(a, TokenPrefix) || a == b || len(ha) != 32 {
		t.Errorf("NewToken() = %q (hash %d bytes), %v; then %q", a, len(ha), err, b)
	}
}
